# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_ready module: reads against moto in-process (no network), the wait with a fake clock."""

from collections import Counter
from unittest import mock

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import readiness
from ansible_collections.multiaccount.apigateway.plugins.modules import gateway_ready

from .moto_harness import mocked_aws, run_module

moto = pytest.importorskip("moto")

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    """Counts every AWS call the module's clients make, as ``service:Operation``."""
    counted = Counter()
    original = gateway_ready.Clients.__call__

    def counting(self, name):
        client = original(self, name)
        if not getattr(client, "_counted", False):
            service = client.meta.service_model.service_name

            def count(model, **kwargs):
                counted[f"{service}:{model.name}"] += 1

            client.meta.events.register("before-call.*.*", count)
            client._counted = True
        return client

    monkeypatch.setattr(gateway_ready.Clients, "__call__", counting)
    return counted


def run(args, capsys, check_mode=False):
    return run_module(gateway_ready.main, args, capsys, check_mode, REGION)


def gateway():
    """An internal NLB with a listener forwarding to an IP target group (one target), a REST link to
    the NLB, a v2 link, and a second target group without targets."""
    ec2 = boto3.client("ec2", region_name=REGION)
    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.100.1.0/24", "us-east-1a"), ("10.100.2.0/24", "us-east-1b"))
    ]
    nlb = elbv2.create_load_balancer(Name="open-banking", Subnets=subnets, Scheme="internal", Type="network")
    nlb_arn = nlb["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [
        elbv2.create_target_group(Name=name, Protocol="TCP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
            "TargetGroupArn"
        ]
        for name in ("payments-8080", "cards-8081")
    ]
    elbv2.create_listener(
        LoadBalancerArn=nlb_arn,
        Protocol="TCP",
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups[0]}],
    )
    elbv2.register_targets(TargetGroupArn=groups[0], Targets=[{"Id": "10.100.1.25", "Port": 8080}])
    v1 = boto3.client("apigateway", region_name=REGION).create_vpc_link(name="open-banking", targetArns=[nlb_arn])
    v2 = boto3.client("apigatewayv2", region_name=REGION).create_vpc_link(Name="cards", SubnetIds=subnets)
    return {"nlb": nlb_arn, "groups": groups, "v1": v1["id"], "v2": v2["VpcLinkId"]}


def missing_lb(arn):
    return arn.rsplit("/", 1)[0].replace("open-banking", "gone") + "/0123456789abcdef"


# ------------------------------------------------------------------------- reads against moto


def test_everything_ready_in_one_check_within_the_call_budget(capsys, calls):
    ids = gateway()
    result = run(
        {
            "load_balancer_arns": [ids["nlb"]],
            "vpc_link_ids": [ids["v1"], ids["v2"]],
            "vpc_link_versions": {ids["v2"]: "v2"},
            "target_group_arns": [ids["groups"][0]],
            "targets": "registered",
        },
        capsys,
    )
    assert result["changed"] is False and "failed" not in result
    assert result["ready"] is True and result["pending"] == [] and result["failures"] == []
    assert result["polls"] == 1 and result["actions"] == []
    assert result["msg"] == "4 resources ready"
    assert result["load_balancers"][0]["name"] == "open-banking" and result["load_balancers"][0]["state"] == "active"
    assert [(link["id"], link["version"], link["status"]) for link in result["vpc_links"]] == [
        (ids["v1"], "v1", "AVAILABLE"),
        (ids["v2"], "v2", "AVAILABLE"),
    ]
    group = result["target_groups"][0]
    assert group["name"] == "payments-8080" and [t["ip"] for t in group["targets"]] == ["10.100.1.25"]
    assert dict(calls) == {
        "elbv2:DescribeLoadBalancers": 1,
        "apigateway:GetVpcLink": 1,
        "apigatewayv2:GetVpcLink": 1,
        "elbv2:DescribeTargetHealth": 1,
    }


def test_v2_link_without_version_is_found_after_v1_says_not_found(capsys, calls):
    ids = gateway()
    result = run({"vpc_link_ids": [ids["v2"]]}, capsys)
    assert result["ready"] is True and result["vpc_links"][0]["version"] == "v2"
    assert dict(calls) == {"apigateway:GetVpcLink": 1, "apigatewayv2:GetVpcLink": 1}


def test_target_groups_without_targets_mode_use_one_describe(capsys, calls):
    ids = gateway()
    result = run({"target_group_arns": ids["groups"]}, capsys)
    assert result["ready"] is True
    assert [group["targets"] for group in result["target_groups"]] == [None, None]
    assert dict(calls) == {"elbv2:DescribeTargetGroups": 1}


def test_missing_resources_fail_at_once_naming_each(capsys, calls):
    ids = gateway()
    gone = missing_lb(ids["nlb"])
    result = run(
        {
            "load_balancer_arns": [gone, ids["nlb"]],
            "vpc_link_ids": [ids["v2"], "zzz999"],
            "vpc_link_versions": {ids["v2"]: "v1"},
            "wait_timeout": 600,
        },
        capsys,
    )
    assert result["failed"] is True and result["ready"] is False and result["polls"] == 1
    assert result["msg"].startswith("3 resources will not become ready: ")
    assert f"load balancer gone ({gone}) missing: not found" in result["msg"]
    assert f"VPC link {ids['v2']} missing: not found as a v1 VPC link (see vpc_link_versions)" in result["msg"]
    assert "VPC link zzz999 missing: not found as a v1 or v2 VPC link" in result["msg"]
    assert result["load_balancers"][0]["state"] is None and result["load_balancers"][1]["state"] == "active"
    # One batch that fails, then each of its two ARNs alone to find the missing one. (moto 5.2.5 only
    # fails the batch when the unknown ARN comes first; AWS fails it wherever it is.)
    assert calls["elbv2:DescribeLoadBalancers"] == 3


def test_empty_group_is_pending_and_wait_timeout_zero_does_not_fail(capsys):
    ids = gateway()
    result = run({"target_group_arns": ids["groups"], "targets": "healthy", "wait_timeout": 0}, capsys)
    assert "failed" not in result and result["ready"] is False
    assert result["pending"] == [
        {
            "kind": "targets",
            "id": ids["groups"][1],
            "name": "cards-8081",
            "status": "no targets",
            "detail": "no target is registered",
        }
    ]
    assert (
        result["msg"] == f"not ready: target group cards-8081 ({ids['groups'][1]}) no targets: no target is registered"
    )


def test_check_mode_reports_missing_and_failed_without_failing(capsys):
    ids = gateway()
    gone = missing_lb(ids["nlb"])
    result = run({"load_balancer_arns": [gone], "vpc_link_ids": [ids["v1"]], "wait_timeout": 600}, capsys, True)
    assert "failed" not in result and result["changed"] is False
    assert result["ready"] is False and result["polls"] == 1 and result["waited"] == 0
    assert [item["status"] for item in result["failures"]] == ["missing"]
    assert result["msg"] == f"not ready: load balancer gone ({gone}) missing: not found"
    assert "warnings" not in result and "deprecations" not in result


def test_invalid_input_fails_before_any_call(capsys):
    with mock.patch.object(gateway_ready.AnsibleAWSModule, "client", side_effect=AssertionError("no AWS call")):
        result = run({"vpc_link_ids": ["abc123"], "load_balancer_arns": ["open-banking"]}, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("load_balancer_arns[0]: 'open-banking' is not a load balancer ARN")


def test_arn_of_another_region_fails_before_any_call(capsys):
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/payments-8080/73e2d6bc24d8a067"
    with mock.patch.object(gateway_ready.AnsibleAWSModule, "client", side_effect=AssertionError("no AWS call")):
        result = run({"target_group_arns": [arn]}, capsys)
    assert result["failed"] is True and "is in region eu-west-1, but the module talks to us-east-1" in result["msg"]


def test_nothing_to_wait_for_makes_no_call(capsys):
    with mock.patch.object(gateway_ready.AnsibleAWSModule, "client", side_effect=AssertionError("no AWS call")):
        result = run({}, capsys)
    assert result["ready"] is True and result["msg"] == "nothing to wait for"


# ------------------------------------------------------------------------- the module's own wait


PENDING = {
    "ready": False,
    "pending": [{"kind": "vpc_link", "id": "abc123", "name": "open-banking", "status": "PENDING", "detail": "ENIs"}],
    "failures": [],
    "load_balancers": [],
    "vpc_links": [{"id": "abc123", "name": "open-banking", "version": "v1", "status": "PENDING"}],
    "target_groups": [],
}
READY = dict(PENDING, ready=True, pending=[], vpc_links=[dict(PENDING["vpc_links"][0], status="AVAILABLE")])
FAILED = dict(
    PENDING,
    pending=[],
    failures=[dict(PENDING["pending"][0], status="FAILED", detail="NLB ARN is malformed")],
)


@pytest.fixture
def scripted(monkeypatch):
    """Replace the AWS check by a script of assessments and the clock by a fake one."""
    state = {"now": 0.0, "sleeps": [], "script": []}

    def check(_clients, _options):
        state["now"] += 1.0
        script = state["script"]
        return script.pop(0) if len(script) > 1 else script[0]

    def sleep(seconds):
        state["sleeps"].append(seconds)
        state["now"] += seconds

    monkeypatch.setattr(gateway_ready, "check", check)
    monkeypatch.setattr(
        gateway_ready, "poll", lambda *a, **k: readiness.poll(*a, sleep=sleep, clock=lambda: state["now"])
    )
    return state


def test_module_polls_until_ready(capsys, scripted):
    scripted["script"] = [PENDING, PENDING, READY]
    result = run({"vpc_link_ids": ["abc123"], "poll_interval": 4}, capsys)
    assert result["ready"] is True and "failed" not in result
    assert result["polls"] == 3 and result["waited"] == 11 and scripted["sleeps"] == [4, 4]


def test_module_times_out_naming_the_pending_link(capsys, scripted):
    scripted["script"] = [PENDING]
    result = run({"vpc_link_ids": ["abc123"], "wait_timeout": 10, "poll_interval": 4}, capsys)
    assert result["failed"] is True and result["ready"] is False
    assert result["msg"].startswith("Timed out after 11 s (wait_timeout 10 s) with 1 resource not ready: ")
    assert "VPC link open-banking (abc123) PENDING: ENIs" in result["msg"]
    assert result["pending"][0]["id"] == "abc123"


def test_module_stops_waiting_at_the_first_failure(capsys, scripted):
    scripted["script"] = [PENDING, FAILED, READY]
    result = run({"vpc_link_ids": ["abc123"], "poll_interval": 4}, capsys)
    assert result["failed"] is True and result["polls"] == 2
    assert result["msg"] == (
        "1 resource will not become ready: VPC link open-banking (abc123) FAILED: NLB ARN is malformed"
    )


def test_check_mode_checks_once_and_never_waits(capsys, scripted):
    scripted["script"] = [PENDING, READY]
    result = run({"vpc_link_ids": ["abc123"]}, capsys, check_mode=True)
    assert "failed" not in result and result["ready"] is False
    assert result["polls"] == 1 and scripted["sleeps"] == []
