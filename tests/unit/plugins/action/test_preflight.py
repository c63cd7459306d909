# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight action plugin: the checks and the planner on the controller, the module's result."""

import copy
import os
from unittest import mock

import pytest
import yaml
from ansible.errors import AnsibleActionFail
from ansible_collections.multiaccount.apigateway.plugins.action import preflight as preflight_action
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import APPLY_KEYS
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight_step import (
    apply_key_problems,
    apply_key_specs,
    known_regions,
    preflight_outcome,
)

from ..modules.test_preflight import ACCOUNTS


def run(args):
    task = mock.MagicMock()
    task.args = dict(args)
    task.check_mode = False
    task.async_val = 0
    plugin = preflight_action.ActionModule(task, mock.MagicMock(), mock.MagicMock(), None, None, None)
    plugin._execute_module = mock.MagicMock(side_effect=AssertionError("no module run"))
    return plugin.run(task_vars={"inventory_hostname": "shared-services"})


def test_the_plan_is_the_modules_and_no_module_runs():
    result = run({"accounts": copy.deepcopy(ACCOUNTS)})
    expected, warnings, failure = preflight_outcome(copy.deepcopy(ACCOUNTS), known_regions())
    assert failure is None and not result.get("failed")
    assert result["changed"] is False
    for key in ("checked", "services", "plan"):
        assert result[key] == expected[key]
    assert result.get("warnings", []) == warnings
    assert result["plan"]["providers"]["payments"]["security_groups"][0]["name"] == "open-banking-payments"


def test_a_bad_inventory_fails_naming_every_problem_without_a_plan():
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[0]["vars"]["shared_gateway_nlb_stratgy"] = "dedicated"
    accounts[1]["vars"]["aws_region"] = "us-nowhere-9"
    result = run({"accounts": accounts})
    assert result["failed"] is True and result["plan"] is None
    assert result["msg"].startswith("preflight found 2 problems in the inventory; nothing was changed:")
    assert "did you mean shared_gateway_nlb_strategy?" in result["msg"]
    assert "payments: aws_region: us-nowhere-9 is not a region the AWS SDK of the controller knows" in result["msg"]
    assert len(result["errors"]) == 2


def test_warnings_come_back_as_ansible_warnings():
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[0]["vars"]["shared_gateway_subnets"] = [{"cidr": "10.100.1.0/24", "az": "us-east-1a"}]
    result = run({"accounts": accounts})
    assert not result.get("failed")
    assert any(
        "single Availability Zone" in warning or "one Availability Zone" in warning for warning in result["warnings"]
    )


def test_arguments_are_checked_like_the_modules():
    with pytest.raises(AnsibleActionFail, match="kind"):
        run({"accounts": [{"host": "x", "kind": "gateway", "vars": {}}]})


# The roles' own variables (plan.APPLY_KEYS): the preflight checks them against the roles' argument
# specs, once for every host, so that the playbooks include the roles with rolespec_validate: false.


def with_vars(**values):
    accounts = copy.deepcopy(ACCOUNTS)
    for account in accounts:
        account["vars"].update(values)
    return accounts


def test_every_role_variable_the_planner_does_not_check_has_one_spec():
    loaded = preflight_action.role_argument_specs()
    assert {
        "account_credentials",
        "api_publish",
        "peering_accept",
        "preflight",
        "provider_vpc",
        "shared_gateway",
        "verify",
    } <= set(loaded)
    specs = apply_key_specs(loaded)
    assert set(specs) == {key for key in APPLY_KEYS if not key.endswith("_plan")}

    # A variable declared by several entry points (or roles) is declared alike (its description may
    # differ), so one spec checks it.
    def checked(option):
        return {key: value for key, value in option.items() if key not in ("description", "version_added")}

    for role, document in loaded.items():
        for entry, entry_spec in document["argument_specs"].items():
            for name, option in (entry_spec.get("options") or {}).items():
                if name in specs:
                    assert checked(option) == checked(specs[name][1]), f"{role} {entry} {name}"


@pytest.mark.parametrize(
    "values, field, words",
    [
        ({"verify_probe_timeout": "soon"}, "verify_probe_timeout", "unable to convert to int"),
        ({"account_credentials_method": "sso"}, "account_credentials_method", "must be one of"),
        ({"shared_gateway_progress_interval": [5]}, "shared_gateway_progress_interval", "int"),
        ({"peering_accept_wait": {"yes": 1}}, "peering_accept_wait", "bool"),
    ],
)
def test_a_bad_role_variable_fails_the_preflight_naming_host_and_variable(values, field, words):
    result = run({"accounts": with_vars(**values)})
    assert result["failed"] is True and result["plan"] is None
    hosts = {account["host"] for account in ACCOUNTS}
    errors = [error for error in result["errors"] if error["field"] == field]
    assert {error["host"] for error in errors} == hosts, result["errors"]
    assert all(
        words in error["message"] and "ansible-doc -t role multiaccount.apigateway." in error["message"]
        for error in errors
    )
    assert f": {field}: " in result["msg"] and "nothing was changed" in result["msg"]


def test_good_role_variables_pass_and_the_contract_is_left_to_the_planner():
    good = with_vars(verify_probe_timeout=20, account_credentials_method="assume_role", peering_accept_wait=False)
    assert not run({"accounts": good}).get("failed")
    # Only the roles' own variables are checked against the specs: a contract key is the planner's.
    specs = apply_key_specs(preflight_action.role_argument_specs())
    assert apply_key_problems([{"host": "h", "kind": "provider", "vars": {"aws_account_id": ["x"]}}], specs) == []
    # Without the specs (the module, which has no roles next to it), the outcome is the planner's alone.
    result, _warnings, failure = preflight_outcome(with_vars(verify_probe_timeout="soon"), known_regions())
    assert failure is None and result["plan"] is not None


def test_the_playbooks_that_skip_role_validation_run_the_preflight_first():
    root = os.path.dirname(preflight_action.ROLES_DIR)
    for name in ("site.yml", "verify.yml", "teardown.yml"):
        with open(os.path.join(root, "playbooks", name), encoding="utf-8") as handle:
            plays = yaml.safe_load(handle)
        first = [
            task.get("ansible.builtin.import_role") or task.get("ansible.builtin.include_role")
            for task in plays[0]["tasks"]
        ]
        assert first[0] == {"name": "multiaccount.apigateway.preflight"}, name
