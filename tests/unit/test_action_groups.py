# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action groups of meta/runtime.yml: the plays of playbooks/ give the account's credentials to the
group ``roles``, which must hold every member of ``aws`` (ours, amazon.aws.aws, community.aws.aws)
that the roles and playbooks run - one left out would run with the caller's credentials, in another
account - and nothing else."""

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = "multiaccount.apigateway"
ACTION = re.compile(r"^(amazon\.aws|community\.aws|multiaccount\.apigateway)\.[a-z0-9_]+$")
PLAYBOOK_GROUP = f"group/{COLLECTION}.roles"


def runtime(collection):
    if collection == COLLECTION:
        path = ROOT / "meta" / "runtime.yml"
    else:
        spec = importlib.util.find_spec(f"ansible_collections.{collection}")
        path = Path(list(spec.submodule_search_locations)[0]) / "meta" / "runtime.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def members(collection, group):
    """The FQCNs of the actions of ``collection``'s ``group``, extended groups included."""
    result = set()
    for entry in runtime(collection)["action_groups"][group]:
        if isinstance(entry, dict):
            for extended in entry["metadata"].get("extend_group", []):
                namespace, name, extended_group = extended.split(".")
                result |= members(f"{namespace}.{name}", extended_group)
        else:
            result.add(entry if entry.count(".") == 2 else f"{collection}.{entry}")
    return result


def yaml_files():
    for top in ("roles", "playbooks"):
        yield from sorted((ROOT / top).rglob("*.yml"))


def actions(node):
    """Every key of ``node`` (a loaded YAML document) that names a module of the three collections."""
    if isinstance(node, list):
        for item in node:
            yield from actions(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and ACTION.match(key):
                yield key
            yield from actions(value)


def named_by_roles_and_playbooks():
    return {action for path in yaml_files() for action in actions(yaml.safe_load(path.read_text(encoding="utf-8")))}


def test_roles_holds_exactly_the_members_of_aws_that_the_roles_and_playbooks_run():
    aws = members(COLLECTION, "aws")
    roles = members(COLLECTION, "roles")
    named = named_by_roles_and_playbooks()
    # the scan finds modules of each kind (ours, amazon.aws, community.aws)
    assert {"multiaccount.apigateway.gateway_load_balancers", "amazon.aws.ec2_vpc_peering"} <= named
    assert any(action.startswith("community.aws.") for action in named)
    assert len(aws) > 300  # amazon.aws.aws and community.aws.aws are in
    assert sorted(named & aws - roles) == [], "run by a role or playbook, in aws, missing from roles"
    assert sorted(roles - named) == [], "in roles, run by no role or playbook"
    assert sorted(roles - aws) == [], "in roles, not in aws"
    entries = runtime(COLLECTION)["action_groups"]["roles"]
    assert len(entries) == len(set(entries))


@pytest.mark.parametrize("module", ["assume_role", "account_credentials"])
def test_the_modules_that_get_credentials_get_no_account_credentials(module):
    # they get the account's credentials with the caller's (meta/runtime.yml)
    assert f"multiaccount.apigateway.{module}" not in members(COLLECTION, "roles")
    assert f"multiaccount.apigateway.{module}" not in members(COLLECTION, "aws")


def test_the_account_credentials_role_runs_account_credentials():
    assert "multiaccount.apigateway.account_credentials" in named_by_roles_and_playbooks()


def test_every_play_of_the_playbooks_gives_the_credentials_to_roles():
    seen = 0
    for path in sorted((ROOT / "playbooks").rglob("*.yml")):
        for play in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for block in [play] + [task for task in play.get("tasks", []) if isinstance(task, dict)]:
                defaults = block.get("module_defaults")
                if defaults is not None:
                    seen += 1
                    assert list(defaults) == [PLAYBOOK_GROUP], f"{path.name}: {block.get('name')}"
    assert seen >= 10
