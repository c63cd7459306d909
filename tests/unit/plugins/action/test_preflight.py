# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight action plugin: the checks and the planner on the controller, the module's result."""

import copy
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.multiaccount.apigateway.plugins.action import preflight as preflight_action
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight_step import (
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
