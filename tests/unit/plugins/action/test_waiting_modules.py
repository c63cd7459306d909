# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugins of the modules that wait (vpc_link, demo_instances, gateway_load_balancers,
nlb_ip_targets): the module runs once with its wait off, the wait polls a read-only module on the
controller and prints a progress line at every 30 s of it; fake modules, clock and display."""

from unittest import mock

import pytest
from ansible_collections.multiaccount.apigateway.plugins.action import demo_instances as demo_action
from ansible_collections.multiaccount.apigateway.plugins.action import gateway_load_balancers as lb_action
from ansible_collections.multiaccount.apigateway.plugins.action import nlb_ip_targets as targets_action
from ansible_collections.multiaccount.apigateway.plugins.action import vpc_link as link_action

CREDENTIALS = {
    "access_key": "ASIAPROVIDERACCOUNT",
    "secret_key": "very-secret",
    "session_token": "token-of-the-session",
    "region": "us-east-1",
}
SECRETS = ("ASIAPROVIDERACCOUNT", "very-secret", "token-of-the-session")

LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/0123456789abcdef"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/open-banking-payments/0123456789abcdef"


class Harness:
    """An action plugin whose module runs, clock, sleep and display are fakes.

    ``modules``: module name -> list of results, one per run (the last one repeats).
    """

    def __init__(self, plugin_module, args, modules, check_mode=False, async_val=0, module_cost=1.0):
        self.now = 1000.0
        self.sleeps = []
        self.calls = []
        self.modules = {name: list(results) for name, results in modules.items()}
        self.module_cost = module_cost
        task = mock.MagicMock()
        task.args = dict(args)
        task.check_mode = check_mode
        task.async_val = async_val
        self.task_args = dict(args)
        self.plugin = plugin_module.ActionModule(task, mock.MagicMock(), mock.MagicMock(), None, None, None)
        self.plugin._connection.has_native_async = False
        self.plugin._execute_module = self.execute_module
        self.plugin._remove_tmp_path = lambda path: None
        self.plugin._clock = lambda: self.now
        self.plugin._sleep = self.sleep
        self.display = mock.MagicMock()
        self.plugin._display = self.display

    def execute_module(self, module_name=None, module_args=None, task_vars=None, wrap_async=False, **kwargs):
        name = module_name or "(task)"
        self.calls.append({"module": name, "args": dict(module_args) if module_args is not None else None})
        self.now += self.module_cost
        script = self.modules[name]
        return dict(script.pop(0) if len(script) > 1 else script[0])

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def run(self):
        return self.plugin.run(task_vars={"inventory_hostname": "payments"})

    def lines(self):
        return [call.args[0] for call in self.display.display.call_args_list]

    def modules_called(self):
        return [call["module"] for call in self.calls]


def assert_no_secret(harness, result):
    for line in harness.lines():
        for secret in SECRETS:
            assert secret not in line
    assert "very-secret" not in str(result.get("msg", ""))


# ------------------------------------------------------------------------------------ vpc_link

LINK = {
    "id": "a1b2c3",
    "name": "open-banking",
    "version": "v1",
    "status": "PENDING",
    "status_message": None,
    "target_arns": [LB_ARN],
}
LINK_CREATED = {
    "changed": True,
    "vpc_link": LINK,
    "pending": [
        {
            "kind": "vpc_link",
            "id": "a1b2c3",
            "name": "open-banking",
            "version": "v1",
            "status": "PENDING",
            "until": "available",
        }
    ],
    "diff": {"before": {}, "after": LINK},
}


def ready(status):
    """A gateway_ready result for the link (wait_timeout 0)."""
    record = {"id": "a1b2c3", "name": "open-banking", "version": "v1", "status": status, "status_message": None}
    if status == "AVAILABLE":
        return {"changed": False, "ready": True, "pending": [], "failures": [], "vpc_links": [record]}
    item = {"kind": "vpc_link", "id": "a1b2c3", "name": "open-banking", "status": status, "detail": "NLB not found"}
    if status == "FAILED":
        return {
            "changed": False,
            "failed": True,
            "ready": False,
            "pending": [],
            "failures": [item],
            "vpc_links": [record],
            "msg": "1 resource will not become ready: VPC link open-banking (a1b2c3) FAILED: NLB not found",
        }
    return {
        "changed": False,
        "ready": False,
        "pending": [dict(item, detail=None)],
        "failures": [],
        "vpc_links": [record],
    }


def link_args(**extra):
    args = dict(CREDENTIALS, name="open-banking", target_arns=[LB_ARN], description="to the NLB")
    args.update(extra)
    return args


def test_vpc_link_wait_runs_the_module_without_its_wait_then_polls_with_progress_lines():
    harness = Harness(
        link_action,
        link_args(wait_timeout=900),
        {
            "multiaccount.apigateway.vpc_link": [LINK_CREATED],
            "multiaccount.apigateway.gateway_ready": [ready("PENDING")] * 14 + [ready("AVAILABLE")],
        },
        module_cost=0.0,
    )
    result = harness.run()
    assert not result.get("failed")
    # The module's own result: changed and its diff, with the status the last poll saw.
    assert result["changed"] is True and result["diff"] == LINK_CREATED["diff"]
    assert result["vpc_link"]["status"] == "AVAILABLE" and result["pending"] == []
    assert result["waited"] == 70 and result["polls"] == 15
    first = harness.calls[0]
    assert first["module"] == "multiaccount.apigateway.vpc_link"
    assert first["args"] == dict(harness.task_args, wait=False)
    for call in harness.calls[1:]:
        assert call["module"] == "multiaccount.apigateway.gateway_ready"
        # Only the connection options of the task reach the read-only module, never its other options.
        assert call["args"] == dict(
            CREDENTIALS, vpc_link_ids=["a1b2c3"], vpc_link_versions={"a1b2c3": "v1"}, wait_timeout=0
        )
    assert harness.lines() == [
        "[payments] waiting 30 s / 900 s: VPC link open-banking (a1b2c3) PENDING; 0/1 ready",
        "[payments] waiting 60 s / 900 s: VPC link open-banking (a1b2c3) PENDING; 0/1 ready",
    ]
    assert set(harness.sleeps) == {5}
    assert_no_secret(harness, result)


def test_vpc_link_failed_ends_the_wait_with_the_status_message():
    harness = Harness(
        link_action,
        link_args(),
        {
            "multiaccount.apigateway.vpc_link": [LINK_CREATED],
            "multiaccount.apigateway.gateway_ready": [ready("PENDING"), ready("FAILED")],
        },
    )
    result = harness.run()
    assert result["failed"] is True and result["polls"] == 2
    # As the module's own wait says it.
    assert result["msg"] == "VPC link a1b2c3 (v1) is FAILED: NLB not found"
    assert result["vpc_link"]["status"] == "FAILED"
    assert result["changed"] is True  # the link was created


def test_vpc_link_timeout_names_the_pending_link():
    harness = Harness(
        link_action,
        link_args(wait_timeout=12),
        {
            "multiaccount.apigateway.vpc_link": [LINK_CREATED],
            "multiaccount.apigateway.gateway_ready": [ready("PENDING")],
        },
    )
    result = harness.run()
    assert result["failed"] is True
    assert result["msg"] == (
        "Timed out after 12 s waiting for VPC link a1b2c3 (v1) to become available; last status PENDING"
    )
    assert result["pending"] == LINK_CREATED["pending"]


def test_vpc_link_deletion_waits_until_the_link_is_gone():
    deleted = {
        "changed": True,
        "vpc_link": {},
        "pending": [dict(LINK_CREATED["pending"][0], status="DELETING", until="deleted")],
        "diff": {"before": LINK, "after": {}},
    }
    listed = {"changed": False, "vpc_links": [dict(LINK, status="DELETING")]}
    harness = Harness(
        link_action,
        dict(CREDENTIALS, state="absent", vpc_link_id="a1b2c3"),
        {
            "multiaccount.apigateway.vpc_link": [deleted],
            "multiaccount.apigateway.vpc_link_info": [listed] * 8 + [{"changed": False, "vpc_links": []}],
        },
        module_cost=0.0,
    )
    result = harness.run()
    assert not result.get("failed") and result["changed"] is True and result["pending"] == []
    assert harness.calls[0]["args"] == dict(harness.task_args, wait=False)
    assert harness.calls[1] == {
        "module": "multiaccount.apigateway.vpc_link_info",
        "args": dict(CREDENTIALS, vpc_link_ids=["a1b2c3"], version="v1"),
    }
    assert harness.lines() == ["[payments] waiting 30 s / 900 s: VPC link open-banking (a1b2c3) DELETING; 0/1 ready"]


@pytest.mark.parametrize(
    "args, check_mode, async_val",
    [
        (link_args(wait=False), False, 0),
        (link_args(wait="no"), False, 0),
        (link_args(), True, 0),
        (link_args(), False, 60),
        # A replacement waits inside the module: the old link goes only once the new one is AVAILABLE.
        (link_args(replace_on_change=True), False, 0),
        # A bad value is the module's to report.
        (link_args(wait="perhaps"), False, 0),
    ],
)
def test_vpc_link_without_a_wait_of_the_plugin_runs_the_module_as_it_is(args, check_mode, async_val):
    harness = Harness(
        link_action,
        args,
        {"(task)": [dict(LINK_CREATED, pending=[])]},
        check_mode=check_mode,
        async_val=async_val,
    )
    result = harness.run()
    assert harness.calls == [{"module": "(task)", "args": None}]
    assert result["changed"] is True and "waited" not in result and harness.lines() == []


def test_a_bad_wait_timeout_is_reported_before_any_change():
    harness = Harness(link_action, link_args(wait_timeout="soon"), {"multiaccount.apigateway.vpc_link": [LINK_CREATED]})
    result = harness.run()
    assert result["failed"] is True and harness.calls == []
    assert result["msg"] == "wait_timeout: 'soon' must be a whole number of seconds, at least 1"


# ------------------------------------------------------------------------------ demo_instances

DEMO_RESULT = {
    "changed": True,
    "instances": [
        {"ip": "10.0.1.25", "instance_id": "i-0old", "state": "running", "created": False},
        {"ip": "10.0.1.40", "instance_id": "i-0new", "state": "pending", "created": True},
    ],
    "terminated": [{"ip": "10.0.1.30", "instance_id": "i-0gone"}],
    "diff": {"before": {"instances": {}}, "after": {"instances": {"10.0.1.40": {}}}},
}


def instances(**states):
    return {
        "changed": False,
        "instances": [
            {"instance_id": key.replace("_", "-"), "state": {"name": value}} for key, value in states.items()
        ],
    }


def test_demo_instances_wait_for_running_and_terminated_with_progress():
    harness = Harness(
        demo_action,
        dict(CREDENTIALS, vpc_id="vpc-0abc", gateway="open-banking", instances=[], wait_timeout=300),
        {
            "multiaccount.apigateway.demo_instances": [DEMO_RESULT],
            "amazon.aws.ec2_instance_info": [instances(i_0new="pending", i_0gone="shutting-down")] * 7
            + [instances(i_0new="running", i_0gone="shutting-down")] * 6
            + [instances(i_0new="running", i_0gone="terminated")],
        },
        module_cost=0.0,
    )
    result = harness.run()
    assert not result.get("failed") and result["changed"] is True and result["diff"] == DEMO_RESULT["diff"]
    assert harness.calls[0]["args"]["wait"] is False
    assert harness.calls[1]["args"] == dict(CREDENTIALS, instance_ids=["i-0gone", "i-0new"])
    assert [(item["ip"], item["state"]) for item in result["instances"]] == [
        ("10.0.1.25", "running"),
        ("10.0.1.40", "running"),
    ]
    assert harness.lines() == [
        "[payments] waiting 30 s / 300 s: demo instance 10.0.1.30 (i-0gone) shutting-down; "
        "demo instance 10.0.1.40 (i-0new) pending; 0/2 ready",
        "[payments] waiting 60 s / 300 s: demo instance 10.0.1.30 (i-0gone) shutting-down; 1/2 ready",
    ]
    assert_no_secret(harness, result)


def test_demo_instance_that_will_never_run_fails_the_task():
    harness = Harness(
        demo_action,
        dict(CREDENTIALS, vpc_id="vpc-0abc", gateway="open-banking"),
        {
            "multiaccount.apigateway.demo_instances": [dict(DEMO_RESULT, terminated=[])],
            "amazon.aws.ec2_instance_info": [instances(i_0new="terminated")],
        },
    )
    result = harness.run()
    assert result["failed"] is True and result["polls"] == 1
    assert result["msg"] == "Demo instances that will never run: i-0new (expected running, is terminated)"


def test_demo_instances_timeout_names_each_instance_like_the_module():
    harness = Harness(
        demo_action,
        dict(CREDENTIALS, vpc_id="vpc-0abc", gateway="open-banking", wait_timeout=20),
        {
            "multiaccount.apigateway.demo_instances": [dict(DEMO_RESULT, terminated=[])],
            "amazon.aws.ec2_instance_info": [instances(i_0new="pending")],
        },
    )
    result = harness.run()
    assert result["failed"] is True
    assert result["msg"] == "Timed out after 20 s waiting for demo instances: i-0new (expected running, is pending)"


def test_demo_instances_with_nothing_to_wait_for_run_once():
    harness = Harness(
        demo_action,
        dict(CREDENTIALS, vpc_id="vpc-0abc", gateway="open-banking"),
        {"multiaccount.apigateway.demo_instances": [dict(DEMO_RESULT, changed=False, instances=[], terminated=[])]},
    )
    result = harness.run()
    assert harness.modules_called() == ["multiaccount.apigateway.demo_instances"]
    assert result["changed"] is False and "waited" not in result


# ---------------------------------------------------------------------- gateway_load_balancers

LB_RESULT = {
    "changed": True,
    "load_balancers": [{"name": "open-banking", "arn": LB_ARN, "state": "provisioning"}],
    "target_groups": [],
    "diff": {"before": {"load_balancers": {}}, "after": {"load_balancers": {"open-banking": {}}}},
}


def lb_ready(state):
    record = {"arn": LB_ARN, "name": "open-banking", "state": state}
    item = {"kind": "load_balancer", "id": LB_ARN, "name": "open-banking", "status": state, "detail": None}
    result = {"changed": False, "ready": state == "active", "load_balancers": [record], "pending": [], "failures": []}
    if state == "provisioning":
        result["pending"] = [item]
    elif state == "failed":
        result.update(failed=True, failures=[item], msg="1 resource will not become ready")
    return result


def test_load_balancers_wait_until_active_with_progress():
    harness = Harness(
        lb_action,
        dict(CREDENTIALS, gateway="open-banking", wait=True),
        {
            "multiaccount.apigateway.gateway_load_balancers": [LB_RESULT],
            "multiaccount.apigateway.gateway_ready": [lb_ready("provisioning")] * 8 + [lb_ready("active")],
        },
        module_cost=0.0,
    )
    result = harness.run()
    assert not result.get("failed") and result["load_balancers"][0]["state"] == "active"
    assert harness.calls[0]["args"]["wait"] is False
    assert harness.calls[1]["args"] == dict(CREDENTIALS, load_balancer_arns=[LB_ARN], wait_timeout=0)
    assert harness.lines() == ["[payments] waiting 30 s / 600 s: load balancer open-banking provisioning; 0/1 ready"]


def test_load_balancers_without_wait_do_not_wait():
    harness = Harness(
        lb_action, dict(CREDENTIALS, gateway="open-banking"), {"(task)": [LB_RESULT]}  # wait defaults to false
    )
    harness.run()
    assert harness.modules_called() == ["(task)"]


def test_failed_load_balancer_fails_like_the_module():
    harness = Harness(
        lb_action,
        dict(CREDENTIALS, gateway="open-banking", wait=True),
        {
            "multiaccount.apigateway.gateway_load_balancers": [LB_RESULT],
            "multiaccount.apigateway.gateway_ready": [lb_ready("provisioning"), lb_ready("failed")],
        },
    )
    result = harness.run()
    assert result["failed"] is True and result["polls"] == 2
    assert result["msg"] == "Load balancer(s) open-banking failed to provision: open-banking (failed)"
    assert result["pending"] == [{"name": "open-banking", "state": "failed"}]


def test_load_balancer_timeout_says_which_are_not_active():
    harness = Harness(
        lb_action,
        dict(CREDENTIALS, gateway="open-banking", wait=True, wait_timeout=10),
        {
            "multiaccount.apigateway.gateway_load_balancers": [LB_RESULT],
            "multiaccount.apigateway.gateway_ready": [lb_ready("provisioning")],
        },
    )
    result = harness.run()
    assert result["msg"] == (
        "Timed out after 10 s waiting for the load balancers to be active: open-banking (provisioning)"
    )


# ------------------------------------------------------------------------------ nlb_ip_targets

TARGETS_RESULT = {
    "changed": True,
    "target_group_arn": TG_ARN,
    "target_group_name": "open-banking-payments",
    "port": 8080,
    "registered": [{"ip": "10.0.1.40", "port": 8080, "availability_zone": "all"}],
    "deregistered": [{"ip": "10.0.1.25", "port": 8080, "availability_zone": "all"}],
    "targets": [],
    "diff": {"before": {"targets": []}, "after": {"targets": []}},
}


def health(*targets):
    group = {
        "arn": TG_ARN,
        "name": "open-banking-payments",
        "targets": [
            {"ip": ip, "port": 8080, "availability_zone": "all", "health_state": state, "health_reason": None}
            for ip, state in targets
        ],
    }
    return {"changed": False, "ready": True, "pending": [], "failures": [], "target_groups": [group]}


def test_targets_wait_until_healthy_and_the_old_one_is_draining():
    harness = Harness(
        targets_action,
        dict(CREDENTIALS, target_group_arn=TG_ARN, targets=[{"ip": "10.0.1.40"}], wait_for="healthy"),
        {
            "multiaccount.apigateway.nlb_ip_targets": [TARGETS_RESULT],
            "multiaccount.apigateway.gateway_ready": [health(("10.0.1.25", "healthy"), ("10.0.1.40", "initial"))] * 7
            + [health(("10.0.1.25", "draining"), ("10.0.1.40", "healthy"))],
        },
        module_cost=0.0,
    )
    result = harness.run()
    assert not result.get("failed") and result["changed"] is True
    assert harness.calls[0]["args"]["wait_for"] == "none"
    assert harness.calls[1]["args"] == dict(
        CREDENTIALS, target_group_arns=[TG_ARN], targets="registered", wait_timeout=0
    )
    assert [target["ip"] for target in result["targets"]] == ["10.0.1.40"]
    assert harness.lines() == [
        "[payments] waiting 30 s / 300 s: target 10.0.1.25:8080 healthy; target 10.0.1.40:8080 initial; 0/2 ready"
    ]


def test_targets_timeout_fails_like_the_module():
    harness = Harness(
        targets_action,
        dict(CREDENTIALS, target_group_arn=TG_ARN, targets=[{"ip": "10.0.1.40"}], wait_for="healthy", wait_timeout=5),
        {
            "multiaccount.apigateway.nlb_ip_targets": [dict(TARGETS_RESULT, deregistered=[])],
            "multiaccount.apigateway.gateway_ready": [health(("10.0.1.40", "initial"))],
        },
    )
    result = harness.run()
    assert result["failed"] is True
    assert result["msg"] == (
        "Timed out after 5 s waiting for the targets of 'open-banking-payments' to be healthy: "
        "10.0.1.40:8080 (expected healthy, is initial)"
    )
    assert result["pending"][0]["ip"] == "10.0.1.40"


# ------------------------------------------------------------------------------------- cadence


@pytest.mark.parametrize("module_cost", [0.0, 2.5, 7.0])
def test_a_progress_line_at_least_every_30_seconds_of_the_wait(module_cost):
    """A line is due at each 30 s of the wait; one due while a (slow) check runs comes when it ends."""
    harness = Harness(
        link_action,
        link_args(wait_timeout=200),
        {
            "multiaccount.apigateway.vpc_link": [LINK_CREATED],
            "multiaccount.apigateway.gateway_ready": [ready("PENDING")],
        },
        module_cost=module_cost,
    )
    wait_start = harness.now + module_cost  # after the module's own run
    stamps = []
    harness.display.display.side_effect = lambda line: stamps.append(harness.now - wait_start)
    result = harness.run()
    assert result["failed"] is True and result["waited"] >= 200
    assert len(stamps) == 6  # 30, 60, ... 180 s of a 200 s wait
    for number, (stamp, line) in enumerate(zip(stamps, harness.lines()), start=1):
        said = int(line.split()[2])  # "[payments] waiting <s> s / 200 s: ..."
        assert 30 * number <= stamp <= 30 * number + module_cost, (number, stamp)
        assert said == int(round(stamp))
    gaps = [later - earlier for earlier, later in zip([0.0] + stamps, stamps)]
    assert max(gaps) <= 30 + module_cost
