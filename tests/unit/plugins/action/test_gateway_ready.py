# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_ready action plugin: the wait on the controller, with a fake module and a fake clock."""

from unittest import mock

import pytest
from ansible_collections.multiaccount.apigateway.plugins.action.gateway_ready import ActionModule, interval_option

LINK_PENDING = {"kind": "vpc_link", "id": "abc123", "name": "open-banking", "status": "PENDING", "detail": "ENIs"}
LB = {"arn": "arn:lb", "name": "open-banking", "state": "active"}

PENDING = {
    "changed": False,
    "ready": False,
    "pending": [LINK_PENDING],
    "failures": [],
    "load_balancers": [LB],
    "vpc_links": [{"id": "abc123", "status": "PENDING"}],
    "target_groups": [],
    "waited": 0,
    "polls": 1,
}
READY = dict(PENDING, ready=True, pending=[], vpc_links=[{"id": "abc123", "status": "AVAILABLE"}])
FAILED = dict(
    PENDING,
    failed=True,
    pending=[],
    failures=[dict(LINK_PENDING, status="FAILED", detail="NLB ARN is malformed")],
    msg="1 resource will not become ready: VPC link open-banking (abc123) FAILED: NLB ARN is malformed",
)

CREDENTIALS = {
    "access_key": "ASIAGATEWAYACCOUNT",
    "secret_key": "very-secret",
    "session_token": "token",
    "region": "us-east-1",
}


class Harness:
    """An ActionModule whose module runs, clock, sleep and display are fakes."""

    def __init__(self, args, script, check_mode=False, module_cost=1.0):
        self.now = 1000.0
        self.sleeps = []
        self.calls = []
        self.script = list(script)
        self.module_cost = module_cost
        task = mock.MagicMock()
        task.args = dict(args)
        task.check_mode = check_mode
        task.async_val = 0
        task.action = "multiaccount.apigateway.gateway_ready"
        self.task_args = dict(args)
        self.plugin = ActionModule(task, mock.MagicMock(), mock.MagicMock(), None, None, None)
        self.plugin._execute_module = self.execute_module
        self.plugin._clock = lambda: self.now
        self.plugin._sleep = self.sleep
        self.display = mock.MagicMock()
        self.plugin._display = self.display

    def execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append({"module_name": module_name, "module_args": dict(module_args), "at": self.now})
        self.now += self.module_cost
        result = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return dict(result)

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def run(self):
        return self.plugin.run(task_vars={"inventory_hostname": "shared-services"})

    def lines(self):
        return [call.args[0] for call in self.display.display.call_args_list]

    def warnings(self):
        return [call.args[0] for call in self.display.warning.call_args_list]


def args(**extra):
    base = dict(CREDENTIALS, vpc_link_ids=["abc123"], load_balancer_arns=["arn:lb"], poll_interval=5)
    base.update(extra)
    return base


def test_polls_until_ready_passing_every_argument_with_wait_timeout_zero():
    harness = Harness(args(), [PENDING, PENDING, READY])
    result = harness.run()
    assert result["ready"] is True and not result.get("failed") and result["changed"] is False
    assert result["polls"] == 3 and result["waited"] == 13 and harness.sleeps == [5, 5]
    assert [call["module_name"] for call in harness.calls] == ["multiaccount.apigateway.gateway_ready"] * 3
    for call in harness.calls:
        # module_defaults credentials (merged into the task args by ansible-core) reach the module.
        assert call["module_args"] == dict(harness.task_args, wait_timeout=0)
    assert harness.plugin._task.args == harness.task_args  # the task's own args are left alone
    assert harness.lines() == []  # 13 s < progress_interval (30 s): no progress line


def test_failure_ends_the_wait_with_the_module_message():
    harness = Harness(args(), [PENDING, FAILED, READY])
    result = harness.run()
    assert result["failed"] is True and result["polls"] == 2
    assert result["msg"] == FAILED["msg"]
    assert result["failures"][0]["status"] == "FAILED"


def test_module_errors_pass_through():
    error = {"failed": True, "msg": "vpc_link_ids[0]: 'open banking' is not a VPC link id"}
    harness = Harness(args(vpc_link_ids=["open banking"]), [error])
    result = harness.run()
    assert result["failed"] is True and result["msg"] == error["msg"] and result["polls"] == 1


def test_timeout_fails_naming_every_pending_resource():
    harness = Harness(args(wait_timeout=12), [PENDING])
    result = harness.run()
    assert result["failed"] is True and result["ready"] is False
    # checks at 0, 6 and 12 (the deadline), each taking 1 s
    assert [call["at"] - 1000 for call in harness.calls] == [0, 6, 12]
    assert harness.sleeps == [5, 5]
    assert harness.lines() == []
    assert result["polls"] == 3 and result["waited"] == 13
    assert result["msg"] == (
        "Timed out after 13 s (wait_timeout 12 s) with 1 resource not ready: "
        "VPC link open-banking (abc123) PENDING: ENIs"
    )
    assert result["pending"] == [LINK_PENDING]


def test_progress_lines_at_the_right_cadence_and_without_arguments():
    harness = Harness(args(wait_timeout=100, progress_interval=30), [PENDING], module_cost=0.0)
    result = harness.run()
    assert result["failed"] is True and result["polls"] == 21
    assert harness.lines() == [
        "[shared-services] waiting 30 s / 100 s: VPC link open-banking (abc123) PENDING; 1/2 ready",
        "[shared-services] waiting 60 s / 100 s: VPC link open-banking (abc123) PENDING; 1/2 ready",
        "[shared-services] waiting 90 s / 100 s: VPC link open-banking (abc123) PENDING; 1/2 ready",
    ]
    for line in harness.lines():
        assert "very-secret" not in line and "ASIAGATEWAYACCOUNT" not in line and "token" not in line


def test_progress_lines_come_on_time_with_slow_module_runs():
    harness = Harness(args(wait_timeout=100, progress_interval=30), [PENDING], module_cost=2.5)
    harness.run()
    assert [line.split(":")[0] for line in harness.lines()] == [
        "[shared-services] waiting 30 s / 100 s",
        "[shared-services] waiting 60 s / 100 s",
        "[shared-services] waiting 90 s / 100 s",
    ]


def test_progress_lines_between_rare_polls():
    harness = Harness(args(wait_timeout=50, poll_interval=20, progress_interval=5), [PENDING], module_cost=0.0)
    harness.run()
    assert [call["at"] - 1000 for call in harness.calls] == [0, 20, 40, 50]
    assert [line.split(":")[0] for line in harness.lines()] == [
        f"[shared-services] waiting {s} s / 50 s" for s in range(5, 55, 5)
    ]


def test_check_mode_checks_once_never_fails_on_pending_and_warns_on_failures():
    failed_in_check_mode = dict(FAILED)
    del failed_in_check_mode["failed"]
    failed_in_check_mode["msg"] = "not ready"
    harness = Harness(args(), [failed_in_check_mode, READY], check_mode=True)
    result = harness.run()
    assert not result.get("failed") and result["ready"] is False and result["polls"] == 1
    assert harness.sleeps == [] and len(harness.calls) == 1
    assert harness.warnings() == [
        "[shared-services] check mode: VPC link open-banking (abc123) FAILED: NLB ARN is malformed"
    ]


def test_wait_timeout_zero_checks_once_without_failing():
    harness = Harness(args(wait_timeout=0), [PENDING, READY])
    result = harness.run()
    assert not result.get("failed") and result["ready"] is False
    assert result["pending"] == [LINK_PENDING] and result["polls"] == 1 and harness.sleeps == []


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("poll_interval", "soon", "poll_interval: 'soon' must be a whole number of seconds, at least 1 second"),
        ("poll_interval", 0, "poll_interval: 0 must be a whole number of seconds, at least 1 second"),
        ("wait_timeout", -5, "wait_timeout: -5 must be a whole number of seconds, 0 or more seconds"),
        ("progress_interval", True, "progress_interval: True must be a whole number"),
    ],
)
def test_bad_timing_options_fail_before_any_module_run(name, value, message):
    harness = Harness(args(**{name: value}), [READY])
    result = harness.run()
    assert result["failed"] is True and message in result["msg"]
    assert harness.calls == []


def test_interval_option_accepts_templated_strings_and_defaults():
    assert interval_option({"poll_interval": " 7 "}, "poll_interval", 5, 1) == 7
    assert interval_option({}, "poll_interval", 5, 1) == 5
    assert interval_option({"wait_timeout": 0}, "wait_timeout", 900, 0) == 0
