# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import elbv2
from botocore.exceptions import ClientError


def health(ip, port, state="healthy", zone=None, reason=None, description=None):
    target = {"Id": ip, "Port": port}
    if zone:
        target["AvailabilityZone"] = zone
    entry = {"Target": target, "HealthCheckPort": "traffic-port", "TargetHealth": {"State": state}}
    if reason:
        entry["TargetHealth"]["Reason"] = reason
    if description:
        entry["TargetHealth"]["Description"] = description
    return entry


def client_error(code, operation="DescribeTargetGroups"):
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, operation)


# --------------------------------------------------------------------------------------- VPC


def test_vpc_cidrs_include_secondary_associations_and_skip_disassociated():
    vpc = {
        "CidrBlock": "10.0.0.0/16",
        "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}},
            {"CidrBlock": "10.8.0.0/16", "CidrBlockState": {"State": "associating"}},
        ],
    }
    assert elbv2.vpc_cidrs(vpc) == ["10.0.0.0/16", "10.8.0.0/16", "100.64.0.0/16"]


def test_vpc_cidrs_fall_back_to_the_primary_block():
    assert elbv2.vpc_cidrs({"CidrBlock": "10.0.0.0/16"}) == ["10.0.0.0/16"]


@pytest.mark.parametrize(
    "ip, allowed",
    [
        ("10.1.0.5", True),
        ("172.16.3.4", True),
        ("192.168.1.1", True),
        ("100.64.0.9", True),
        ("8.8.8.8", False),
        ("172.32.0.1", False),
        ("127.0.0.1", False),
        ("54.0.0.10", True),  # inside the VPC's (public-range) secondary CIDR
    ],
)
def test_target_ip_allowed(ip, allowed):
    assert elbv2.target_ip_allowed(ip, ["10.0.0.0/16", "54.0.0.0/24"]) is allowed


# --------------------------------------------------------------------------------- targets


def test_targets_from_health_keeps_both_ports_of_one_ip_and_sorts_numerically():
    targets = elbv2.targets_from_health(
        [
            health("10.0.1.10", 9090),
            health(
                "10.0.1.9", 8080, "initial", "all", "Elb.InitialHealthChecking", "Initial health checks in progress"
            ),
            health("10.0.1.10", 8080),
        ]
    )
    assert [(t["ip"], t["port"]) for t in targets] == [("10.0.1.9", 8080), ("10.0.1.10", 8080), ("10.0.1.10", 9090)]
    assert targets[0] == {
        "ip": "10.0.1.9",
        "port": 8080,
        "availability_zone": "all",
        "health_state": "initial",
        "health_reason": "Elb.InitialHealthChecking",
        "health_description": "Initial health checks in progress",
    }
    assert targets[1]["availability_zone"] is None


def test_registered_targets_leave_out_draining_ones():
    targets = elbv2.targets_from_health([health("10.0.1.1", 80, "draining"), health("10.0.1.2", 80, "unused")])
    assert [t["ip"] for t in elbv2.registered_targets(targets)] == ["10.0.1.2"]


def test_target_description_sends_the_zone_only_when_set():
    assert elbv2.target_description({"ip": "10.1.0.5", "port": 80, "availability_zone": "all"}) == {
        "Id": "10.1.0.5",
        "Port": 80,
        "AvailabilityZone": "all",
    }
    assert elbv2.target_description({"ip": "10.0.1.5", "port": "8080", "availability_zone": None}) == {
        "Id": "10.0.1.5",
        "Port": 8080,
    }


# ---------------------------------------------------------------------- wait decision logic


def current(*entries):
    return elbv2.targets_from_health(list(entries))


def test_registered_is_done_when_desired_are_listed_in_any_state_but_draining():
    targets = current(health("10.0.1.1", 80, "initial"), health("10.0.1.2", 80, "unhealthy"))
    assert elbv2.pending_targets(targets, [("10.0.1.1", 80), ("10.0.1.2", 80)], [], "registered") == []


def test_registered_waits_for_missing_and_draining_desired_targets():
    targets = current(health("10.0.1.1", 80, "draining"))
    pending = elbv2.pending_targets(targets, [("10.0.1.1", 80), ("10.0.1.2", 80)], [], "registered")
    assert [(p["ip"], p["state"], p["expected"]) for p in pending] == [
        ("10.0.1.1", "draining", "registered"),
        ("10.0.1.2", "not registered", "registered"),
    ]


def test_same_ip_other_port_does_not_satisfy_a_wait():
    targets = current(health("10.0.1.1", 80))
    assert elbv2.pending_targets(targets, [("10.0.1.1", 81)], [], "registered")[0]["port"] == 81


def test_healthy_waits_for_each_desired_target_to_be_healthy():
    targets = current(
        health("10.0.1.1", 80, "healthy"),
        health("10.0.1.2", 80, "unhealthy", reason="Target.Timeout", description="Request timed out"),
        health("10.0.1.3", 80, "unused", reason="Target.NotInUse"),
    )
    desired = [("10.0.1.1", 80), ("10.0.1.2", 80), ("10.0.1.3", 80)]
    pending = elbv2.pending_targets(targets, desired, [], "healthy")
    assert [(p["ip"], p["state"], p["reason"]) for p in pending] == [
        ("10.0.1.2", "unhealthy", "Target.Timeout"),
        ("10.0.1.3", "unused", "Target.NotInUse"),
    ]


@pytest.mark.parametrize("wait_for", ["registered", "healthy"])
def test_deregistered_targets_count_as_gone_once_draining_or_unlisted(wait_for):
    targets = current(health("10.0.1.1", 80, "draining"), health("10.0.1.2", 80, "healthy"))
    pending = elbv2.pending_targets(targets, [], [("10.0.1.1", 80), ("10.0.1.2", 80), ("10.0.1.3", 80)], wait_for)
    assert [(p["ip"], p["expected"], p["state"]) for p in pending] == [("10.0.1.2", "deregistered", "healthy")]


def test_wait_for_none_is_never_pending():
    assert elbv2.pending_targets([], [("10.0.1.1", 80)], [], "none") == []


def test_describe_pending_names_each_target_with_state_reason_and_description():
    pending = [
        {
            "ip": "10.0.1.2",
            "port": 80,
            "expected": "healthy",
            "state": "unhealthy",
            "reason": "Target.Timeout",
            "description": "Request timed out",
        },
        {
            "ip": "10.0.1.3",
            "port": 81,
            "expected": "registered",
            "state": "not registered",
            "reason": None,
            "description": None,
        },
    ]
    assert elbv2.describe_pending(pending) == (
        "10.0.1.2:80 (expected healthy, is unhealthy, Target.Timeout: Request timed out); "
        "10.0.1.3:81 (expected registered, is not registered)"
    )


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_returns_at_once_when_nothing_is_pending():
    clock = FakeClock()
    polls = []

    def fetch():
        polls.append(1)
        return current(health("10.0.1.1", 80))

    targets, pending = elbv2.wait_for_targets(
        fetch, [("10.0.1.1", 80)], [], "healthy", 300, sleep=clock.sleep, clock=clock
    )
    assert pending == [] and len(polls) == 1 and clock.sleeps == []
    assert targets[0]["health_state"] == "healthy"


def test_wait_polls_with_short_sleeps_until_healthy():
    clock = FakeClock()
    states = iter(["initial", "initial", "healthy"])

    def fetch():
        return current(health("10.0.1.1", 80, next(states)))

    targets, pending = elbv2.wait_for_targets(
        fetch, [("10.0.1.1", 80)], [], "healthy", 300, delay=5, sleep=clock.sleep, clock=clock
    )
    assert pending == [] and clock.sleeps == [5, 5]


def test_wait_times_out_without_sleeping_past_the_deadline():
    clock = FakeClock()

    def fetch():
        return current(health("10.0.1.1", 80, "unhealthy", reason="Target.FailedHealthChecks"))

    targets, pending = elbv2.wait_for_targets(
        fetch, [("10.0.1.1", 80)], [], "healthy", 12, delay=5, sleep=clock.sleep, clock=clock
    )
    assert clock.sleeps == [5, 5, 2]
    assert sum(clock.sleeps) == 12
    assert [(p["ip"], p["reason"]) for p in pending] == [("10.0.1.1", "Target.FailedHealthChecks")]
    assert targets[0]["health_state"] == "unhealthy"


# ------------------------------------------------------------------------------- API calls


class StubClient:
    """Answers one operation, or raises a ClientError, and records the calls."""

    def __init__(self, result=None, error=None):
        self.result = result
        self.error = error
        self.calls = []

    def _answer(self, name, **kwargs):
        self.calls.append((name, kwargs))
        if self.error:
            raise self.error
        return self.result

    def describe_target_health(self, **kwargs):
        return self._answer("describe_target_health", **kwargs)

    def register_targets(self, **kwargs):
        return self._answer("register_targets", **kwargs)

    def deregister_targets(self, **kwargs):
        return self._answer("deregister_targets", **kwargs)

    def get_paginator(self, name):
        stub = self

        class Paginator:
            def paginate(self, **kwargs):
                stub.calls.append((name, kwargs))
                if stub.error:
                    raise stub.error

                class Pages:
                    def build_full_result(self):
                        return stub.result

                return Pages()

        return Paginator()


def test_describe_target_groups_by_name_and_not_found():
    client = StubClient(result={"TargetGroups": [{"TargetGroupName": "tg"}]})
    assert elbv2.describe_target_groups(client, names=["tg"]) == [{"TargetGroupName": "tg"}]
    assert client.calls == [("describe_target_groups", {"Names": ["tg"]})]
    assert elbv2.describe_target_groups(StubClient(error=client_error("TargetGroupNotFound")), arns=["arn"]) == []


def test_describe_target_health_not_found_is_none():
    error = client_error("TargetGroupNotFound", "DescribeTargetHealth")
    assert elbv2.describe_target_health(StubClient(error=error), "arn") is None
    client = StubClient(result={"TargetHealthDescriptions": [health("10.0.1.1", 80)]})
    assert elbv2.describe_target_health(client, "arn") == [health("10.0.1.1", 80)]


def test_describe_vpcs_not_found_is_empty():
    assert elbv2.describe_vpcs(StubClient(error=client_error("InvalidVpcID.NotFound", "DescribeVpcs")), ["vpc-1"]) == []


def test_register_and_deregister_send_target_descriptions():
    client = StubClient(result={})
    targets = [{"Id": "10.1.0.5", "Port": 80, "AvailabilityZone": "all"}]
    assert elbv2.register_targets(client, "arn", targets) is True
    assert elbv2.deregister_targets(client, "arn", targets) is True
    assert client.calls == [
        ("register_targets", {"TargetGroupArn": "arn", "Targets": targets}),
        ("deregister_targets", {"TargetGroupArn": "arn", "Targets": targets}),
    ]


def test_other_errors_raise_the_collection_error():
    with pytest.raises(elbv2.AnsibleELBv2Error) as raised:
        elbv2.register_targets(StubClient(error=client_error("InvalidTarget", "RegisterTargets")), "arn", [])
    assert "register targets" in raised.value.message
