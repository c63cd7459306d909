# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""main() of multiaccount.apigateway.preflight, with module arguments patched in (no AWS)."""

import contextlib
import copy
import json
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.multiaccount.apigateway.plugins.modules import preflight

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19: the set_module_args pattern of amazon.aws' unit tests

    @contextlib.contextmanager
    def patch_module_args(args=None):
        serialized = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        with mock.patch.object(basic, "_ANSIBLE_ARGS", serialized):
            yield


class AnsibleExitJson(Exception):
    """exit_json was called."""


class AnsibleFailJson(Exception):
    """fail_json was called."""


@pytest.fixture(name="module_calls")
def fixture_module_calls(monkeypatch):
    """Turn exit_json/fail_json into exceptions carrying the result; record warnings."""
    warnings = []

    def exit_json(_module, **kwargs):
        kwargs.setdefault("changed", False)
        raise AnsibleExitJson(kwargs)

    def fail_json(_module, **kwargs):
        kwargs["failed"] = True
        raise AnsibleFailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda _module, warning: warnings.append(warning))
    return warnings


ACCOUNTS = [
    {
        "host": "shared-services",
        "kind": "shared",
        "vars": {
            "aws_account_id": "111111111111",
            "shared_gateway_vpc_cidr": "10.100.0.0/16",
            "shared_gateway_subnets": [
                {"cidr": "10.100.1.0/24", "az": "us-east-1a"},
                {"cidr": "10.100.2.0/24", "az": "us-east-1b"},
            ],
            "shared_gateway_nlb_strategy": "shared",
            "api_publish_name": "open-banking",
            "api_publish_stage": "v1",
            "api_publish_default_authorization": "NONE",
        },
    },
    {
        "host": "payments",
        "kind": "provider",
        "vars": {
            "aws_account_id": "222222222222",
            "provider_vpc_cidr": "10.0.0.0/16",
            "provider_vpc_services": [
                {"name": "payments", "port": 8080, "path": "/payments", "targets": ["10.0.1.25"]},
            ],
        },
    },
]


def run_main(args):
    with patch_module_args(args):
        preflight.main()


def test_success_returns_counts_and_services(module_calls):
    with pytest.raises(AnsibleExitJson) as result:
        run_main({"accounts": copy.deepcopy(ACCOUNTS)})
    result = result.value.args[0]
    assert result["changed"] is False
    assert "failed" not in result
    assert result["checked"] == {"accounts": 2, "services": 1, "cidrs": 4}
    assert result["services"] == [
        {
            "name": "payments",
            "provider": "payments",
            "port": 8080,
            "listener_port": 8080,
            "path": "payments",
            "targets": ["10.0.1.25"],
            "health_check": {},
            "access": {
                "authorization": None,
                "authorizer": None,
                "authorization_scopes": None,
                "api_key_required": None,
                "throttle": None,
            },
            "target_group": "open-banking-payments",
            "load_balancer": "open-banking",
            "load_balancer_type": "network",
            "vpc_link": "open-banking",
            "vpc_link_version": "v1",
        }
    ]
    plan = result["plan"]
    assert plan["gateway"]["load_balancers"][0]["listeners"] == [
        {"port": 8080, "protocol": "TCP", "target_group": "open-banking-payments"}
    ]
    assert plan["providers"]["payments"]["security_groups"][0]["name"] == "open-banking-payments"
    assert module_calls == []


def test_failure_returns_no_plan(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[0]["vars"]["shared_gateway_nlb_stratgy"] = "dedicated"
    with pytest.raises(AnsibleFailJson) as result:
        run_main({"accounts": accounts})
    result = result.value.args[0]
    assert result["plan"] is None
    assert "did you mean shared_gateway_nlb_strategy?" in result["msg"]


def test_a_region_botocore_does_not_know_is_rejected(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[1]["vars"]["aws_region"] = "us-nowhere-9"
    with pytest.raises(AnsibleFailJson) as result:
        run_main({"accounts": accounts})
    assert "payments: aws_region: us-nowhere-9 is not a region the AWS SDK of the controller knows" in (
        result.value.args[0]["msg"]
    )


def test_known_regions_come_from_every_partition_of_botocore():
    regions = preflight.known_regions()
    assert {"us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"} <= set(regions)
    assert "us-nowhere-9" not in regions


def test_success_in_check_mode_is_the_same(module_calls):
    with pytest.raises(AnsibleExitJson) as result:
        run_main({"accounts": copy.deepcopy(ACCOUNTS), "_ansible_check_mode": True})
    assert result.value.args[0]["changed"] is False
    assert result.value.args[0]["checked"]["services"] == 1


def test_warnings_go_through_module_warn(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[0]["vars"]["shared_gateway_subnets"].pop()
    with pytest.raises(AnsibleExitJson):
        run_main({"accounts": accounts})
    assert len(module_calls) == 1
    assert module_calls[0].startswith("shared-services: shared_gateway_subnets: covers only one Availability Zone")


def test_failure_lists_every_problem(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[0]["vars"]["api_publish_stage"] = "v 1"
    accounts[1]["vars"]["provider_vpc_cidr"] = "10.100.0.0/20"
    with pytest.raises(AnsibleFailJson) as result:
        run_main({"accounts": accounts, "_ansible_check_mode": True})
    result = result.value.args[0]
    assert result["failed"] is True
    assert result["changed"] is False
    assert result["msg"].startswith("preflight found 3 problems in the inventory; nothing was changed:")
    for line in (
        "- shared-services: api_publish_stage: 'v 1' is not a valid stage name; ",
        "- payments: provider_vpc_cidr: 10.100.0.0/20 overlaps shared-services: shared_gateway_vpc_cidr 10.100.0.0/16",
        "- payments: provider_vpc_services[0].targets[0]: 10.0.1.25 is outside provider_vpc_cidr 10.100.0.0/20",
    ):
        assert line in result["msg"]
    assert [(e["host"], e["field"]) for e in result["errors"]] == [
        ("shared-services", "api_publish_stage"),
        ("payments", "provider_vpc_services[0].targets[0]"),
        ("payments", "provider_vpc_cidr"),
    ]
    assert all(set(error) == {"host", "field", "message"} for error in result["errors"])
    assert result["checked"] == {"accounts": 2, "services": 1, "cidrs": 4}


def test_failure_with_one_problem(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)[1:]
    with pytest.raises(AnsibleFailJson) as result:
        run_main({"accounts": accounts})
    assert result.value.args[0]["msg"].startswith("preflight found 1 problem in the inventory")
    assert "- inventory: shared_services: has no host; " in result.value.args[0]["msg"]


def test_argument_spec_rejects_an_unknown_kind(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)
    accounts[1]["kind"] = "consumer"
    with pytest.raises(AnsibleFailJson) as result:
        run_main({"accounts": accounts})
    assert "kind" in result.value.args[0]["msg"]
    assert "errors" not in result.value.args[0]


def test_vars_default_to_an_empty_mapping(module_calls):
    accounts = copy.deepcopy(ACCOUNTS)
    del accounts[1]["vars"]
    with pytest.raises(AnsibleFailJson) as result:
        run_main({"accounts": accounts})
    fields = {(e["host"], e["field"]) for e in result.value.args[0]["errors"]}
    assert fields == {
        ("payments", "aws_account_id"),
        ("payments", "provider_vpc_cidr"),
        ("payments", "provider_vpc_services"),
    }
