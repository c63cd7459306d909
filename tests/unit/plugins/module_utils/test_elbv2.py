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


# ======================================================================= gateway_load_balancers

LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gw-shared/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/gw-cards/73e2d6bc24d8a067"
LISTENER_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/net/gw-shared/50dc6c495c0c9188/f2f7dc8efc522ab2"
)
OWN = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "gw"}


class RecordingClient(StubClient):
    """StubClient that answers any operation with ``result`` (or raises ``error``)."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda **kwargs: self._answer(name, **kwargs)


def test_chunked_splits_in_consecutive_lists():
    assert elbv2.chunked(range(5), 2) == [[0, 1], [2, 3], [4]]
    assert elbv2.chunked([], 20) == []


def test_tags_by_arn_makes_one_describe_tags_call_per_20_arns():
    client = RecordingClient(result={"TagDescriptions": [{"ResourceArn": "a", "Tags": [{"Key": "k", "Value": "v"}]}]})
    arns = [f"arn-{index:02d}" for index in range(41)]
    tags = elbv2.tags_by_arn(client, arns + arns[:3])
    assert [len(call[1]["ResourceArns"]) for call in client.calls] == [20, 20, 1]
    assert tags == {"a": {"k": "v"}}


def test_describe_tags_of_a_deleted_resource_is_empty():
    error = client_error("LoadBalancerNotFound", "DescribeTags")
    assert elbv2.describe_tags(RecordingClient(error=error), ["arn"]) == []


def test_describe_listeners_and_attributes_of_a_deleted_load_balancer():
    error = client_error("LoadBalancerNotFound", "DescribeListeners")
    assert elbv2.describe_listeners(RecordingClient(error=error), LB_ARN) == []
    assert elbv2.describe_load_balancer_attributes(RecordingClient(error=error), LB_ARN) is None
    client = RecordingClient(result={"Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]})
    assert elbv2.describe_load_balancer_attributes(client, LB_ARN) == {"load_balancing.cross_zone.enabled": "true"}


def test_describe_load_balancers_asks_for_big_pages():
    client = RecordingClient(result={"LoadBalancers": []})
    assert elbv2.describe_load_balancers(client) == []
    assert client.calls == [("describe_load_balancers", {"PaginationConfig": {"PageSize": 400}})]
    elbv2.describe_load_balancers(client, [LB_ARN])
    assert client.calls[-1][1]["LoadBalancerArns"] == [LB_ARN]


def test_describe_subnets_uses_a_filter_so_unknown_ids_are_just_missing():
    client = RecordingClient(result={"Subnets": [{"SubnetId": "subnet-1"}]})
    assert elbv2.describe_subnets(client, ["subnet-1", "subnet-2"]) == [{"SubnetId": "subnet-1"}]
    assert client.calls == [
        ("describe_subnets", {"Filters": [{"Name": "subnet-id", "Values": ["subnet-1", "subnet-2"]}]})
    ]


def test_deletions_of_missing_resources_are_false():
    for function, code in (
        (elbv2.delete_target_group, "TargetGroupNotFound"),
        (elbv2.delete_load_balancer, "LoadBalancerNotFound"),
        (elbv2.delete_listener, "ListenerNotFound"),
    ):
        assert function(RecordingClient(error=client_error(code, "Delete")), "arn") is False


def test_writes_send_what_aws_expects():
    client = RecordingClient(result={"TargetGroups": [{"x": 1}], "LoadBalancers": [{"y": 2}], "Listeners": [{"z": 3}]})
    assert elbv2.create_target_group(client, {"Name": "tg"}) == {"x": 1}
    assert elbv2.create_load_balancer(client, {"Name": "lb"}) == {"y": 2}
    assert elbv2.create_listener(client, {"Port": 80}) == {"z": 3}
    assert elbv2.modify_listener(client, LISTENER_ARN, {"Protocol": "TCP"}) == {"z": 3}
    elbv2.modify_load_balancer_attributes(client, LB_ARN, {"b": "2", "a": "1"})
    elbv2.add_tags(client, TG_ARN, {"team": "platform"})
    elbv2.remove_tags(client, TG_ARN, ["old"])
    elbv2.set_subnets(client, LB_ARN, ["subnet-1", "subnet-2"])
    assert client.calls[3] == ("modify_listener", {"ListenerArn": LISTENER_ARN, "Protocol": "TCP"})
    assert client.calls[4] == (
        "modify_load_balancer_attributes",
        {"LoadBalancerArn": LB_ARN, "Attributes": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]},
    )
    assert client.calls[5] == ("add_tags", {"ResourceArns": [TG_ARN], "Tags": [{"Key": "team", "Value": "platform"}]})
    assert client.calls[6] == ("remove_tags", {"ResourceArns": [TG_ARN], "TagKeys": ["old"]})
    assert client.calls[7] == ("set_subnets", {"LoadBalancerArn": LB_ARN, "Subnets": ["subnet-1", "subnet-2"]})


def test_name_from_arn():
    assert elbv2.name_from_arn(LB_ARN) == "gw-shared"
    assert elbv2.name_from_arn(TG_ARN) == "gw-cards"
    assert elbv2.name_from_arn("something-else") == "something-else"


def test_normalise_load_balancer():
    raw = {
        "LoadBalancerName": "gw-shared",
        "LoadBalancerArn": LB_ARN,
        "DNSName": "gw-shared.elb",
        "State": {"Code": "provisioning"},
        "Type": "network",
        "Scheme": "internal",
        "VpcId": "vpc-1",
        "AvailabilityZones": [
            {"SubnetId": "subnet-b", "ZoneName": "us-east-1b"},
            {"SubnetId": "subnet-a", "ZoneName": "us-east-1a"},
        ],
    }
    balancer = elbv2.normalise_load_balancer(raw)
    assert balancer["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert balancer["zones"] == {"subnet-a": "us-east-1a", "subnet-b": "us-east-1b"}
    assert (balancer["state"], balancer["type"], balancer["scheme"], balancer["vpc_id"]) == (
        "provisioning",
        "network",
        "internal",
        "vpc-1",
    )


def test_normalise_target_group_and_health_check():
    raw = {
        "TargetGroupName": "gw-cards",
        "TargetGroupArn": TG_ARN,
        "Port": 8082,
        "Protocol": "TCP",
        "VpcId": "vpc-1",
        "TargetType": "ip",
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckIntervalSeconds": 10,
        "HealthCheckTimeoutSeconds": 6,
        "HealthyThresholdCount": "3",
        "UnhealthyThresholdCount": 3,
        "HealthCheckPath": "/health",
        "Matcher": {"HttpCode": "200-399"},
        "LoadBalancerArns": [LB_ARN],
    }
    group = elbv2.normalise_target_group(raw)
    assert group["health_check"] == {
        "protocol": "HTTP",
        "port": "traffic-port",
        "interval": 10,
        "timeout": 6,
        "healthy_threshold": 3,
        "unhealthy_threshold": 3,
        "path": "/health",
        "matcher": "200-399",
    }
    assert (group["ip_address_type"], group["load_balancer_arns"]) == ("ipv4", [LB_ARN])


def test_listener_forward_targets_plain_and_weighted():
    raw = {
        "ListenerArn": LISTENER_ARN,
        "LoadBalancerArn": LB_ARN,
        "Port": 9082,
        "Protocol": "TLS",
        "Certificates": [{"CertificateArn": "arn:aws:acm:us-east-1:111111111111:certificate/1"}],
        "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "DefaultActions": [
            {"Type": "forward", "TargetGroupArn": TG_ARN},
            {
                "Type": "forward",
                "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": TG_ARN}, {"TargetGroupArn": "x"}]},
            },
            {"Type": "fixed-response"},
        ],
    }
    listener = elbv2.normalise_listener(raw)
    assert listener["target_group_arns"] == [TG_ARN, "x"]
    assert listener["certificate_arn"] == "arn:aws:acm:us-east-1:111111111111:certificate/1"
    assert listener["port"] == 9082


@pytest.mark.parametrize(
    "tags, ours",
    [
        (OWN, True),
        ({"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "other"}, False),
        ({"ManagedBy": "multiaccount.apigateway"}, False),
        ({"multiaccount:gateway": "gw"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_a_resource_is_ours_only_with_both_tags(tags, ours):
    assert elbv2.is_ours(tags, "gw") is ours


def test_has_ownership_tag():
    assert elbv2.has_ownership_tag({"ManagedBy": "x"}) is True
    assert elbv2.has_ownership_tag({"Name": "x"}) is False


def test_tags_are_additive_unless_purged_and_ownership_is_never_removed():
    current = dict(OWN, team="old", keep="me", **{"aws:cloudformation:stack-name": "s"})
    desired = dict(OWN, team="platform")
    assert elbv2.tag_differences(current, desired, False) == ({"team": "platform"}, [])
    assert elbv2.tag_differences(current, desired, True) == ({"team": "platform"}, ["keep"])
    assert elbv2.tag_differences({"team": "platform"}, desired, False) == (OWN, [])
    assert elbv2.apply_tag_differences(current, {"team": "platform"}, ["keep"]) == dict(
        OWN, team="platform", **{"aws:cloudformation:stack-name": "s"}
    )


def modification(key, balancer, old, new):
    return {"key": key, "load_balancer": balancer, "old_groups": [old], "new_group": new}


def test_modifications_wait_for_the_group_they_take_to_be_released():
    # x:1 a -> b, but b is on y:1 which goes b -> c: y first.
    first = modification("x1", "x", "a", "b")
    second = modification("y1", "y", "b", "c")
    attachments = {"a": {"x": 1}, "b": {"y": 1}}
    ordered, broken = elbv2.order_listener_modifications([first, second], attachments)
    assert [item["key"] for item in ordered] == ["y1", "x1"] and broken == []


def test_modifications_on_one_load_balancer_need_no_order():
    items = [modification("x1", "x", "a", "b"), modification("x2", "x", "b", "a")]
    ordered, broken = elbv2.order_listener_modifications(items, {"a": {"x": 1}, "b": {"x": 1}})
    assert [item["key"] for item in ordered] == ["x1", "x2"] and broken == []


def test_a_swap_across_two_load_balancers_is_broken_by_one_deletion():
    items = [modification("x1", "x", "a", "b"), modification("y1", "y", "b", "a")]
    ordered, broken = elbv2.order_listener_modifications(items, {"a": {"x": 1}, "b": {"y": 1}})
    assert [item["key"] for item in broken] == ["x1"]
    assert [item["key"] for item in ordered] == ["y1"]


def test_a_group_still_forwarded_by_a_second_listener_blocks_the_move():
    items = [modification("x1", "x", "a", "b")]
    ordered, broken = elbv2.order_listener_modifications(items, {"a": {"x": 1}, "b": {"y": 2}})
    assert ordered == [] and [item["key"] for item in broken] == ["x1"]


def test_pending_load_balancers():
    balancers = [{"name": "b", "state": "provisioning"}, {"name": "a", "state": "active"}, {"name": "c", "state": None}]
    assert elbv2.pending_load_balancers(balancers) == [("b", "provisioning"), ("c", "unknown")]


def test_wait_for_load_balancers_polls_until_active():
    clock = FakeClock()
    states = iter(["provisioning", "provisioning", "active"])
    balancers, pending = elbv2.wait_for_load_balancers(
        lambda: [{"name": "gw", "state": next(states)}], 60, delay=5, sleep=clock.sleep, clock=clock
    )
    assert pending == [] and clock.sleeps == [5, 5] and balancers[0]["state"] == "active"


def test_wait_for_load_balancers_stops_on_failed_and_on_timeout():
    clock = FakeClock()
    _balancers, pending = elbv2.wait_for_load_balancers(
        lambda: [{"name": "gw", "state": "failed"}], 60, sleep=clock.sleep, clock=clock
    )
    assert pending == [("gw", "failed")] and clock.sleeps == []
    _balancers, pending = elbv2.wait_for_load_balancers(
        lambda: [{"name": "gw", "state": "provisioning"}], 12, delay=5, sleep=clock.sleep, clock=clock
    )
    assert pending == [("gw", "provisioning")] and clock.sleeps == [5, 5, 2]


# ------------------------------------------------------------- application load balancers

RULE_ARN = LISTENER_ARN.replace(":listener/", ":listener-rule/") + "/9a8b7c6d5e4f3a2b"


def test_rule_calls_send_what_aws_expects():
    client = RecordingClient(result={"Rules": [{"RuleArn": RULE_ARN}], "SecurityGroups": [{"GroupId": "sg-1"}]})
    assert elbv2.describe_rules(client, LISTENER_ARN) == [{"RuleArn": RULE_ARN}]
    assert client.calls[-1] == (
        "describe_rules",
        {"ListenerArn": LISTENER_ARN, "PaginationConfig": {"PageSize": 400}},
    )
    assert elbv2.create_rule(client, {"Priority": 10}) == {"RuleArn": RULE_ARN}
    assert elbv2.modify_rule(client, RULE_ARN, [{"Type": "forward", "TargetGroupArn": TG_ARN}]) == {"RuleArn": RULE_ARN}
    assert client.calls[-1] == (
        "modify_rule",
        {"RuleArn": RULE_ARN, "Actions": [{"Type": "forward", "TargetGroupArn": TG_ARN}]},
    )
    elbv2.set_rule_priorities(client, [(RULE_ARN, 20), ("other", "30")])
    assert client.calls[-1] == (
        "set_rule_priorities",
        {"RulePriorities": [{"RuleArn": RULE_ARN, "Priority": 20}, {"RuleArn": "other", "Priority": 30}]},
    )
    elbv2.set_security_groups(client, LB_ARN, ["sg-1", "sg-2"])
    assert client.calls[-1] == ("set_security_groups", {"LoadBalancerArn": LB_ARN, "SecurityGroups": ["sg-1", "sg-2"]})
    assert elbv2.describe_security_groups_by_name(client, "vpc-1", ["web", "api", "web"]) == [{"GroupId": "sg-1"}]
    assert client.calls[-1] == (
        "describe_security_groups",
        {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}, {"Name": "group-name", "Values": ["api", "web"]}]},
    )
    assert elbv2.delete_rule(RecordingClient(error=client_error("RuleNotFound", "DeleteRule")), RULE_ARN) is False
    assert elbv2.describe_rules(RecordingClient(error=client_error("ListenerNotFound", "DescribeRules")), "x") == []


def test_normalise_rule_default_and_path_patterns():
    rule = elbv2.normalise_rule(
        {
            "RuleArn": RULE_ARN,
            "Priority": "20",
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/b/*", "/b"]}}],
            "Actions": [{"Type": "forward", "TargetGroupArn": TG_ARN}],
            "IsDefault": False,
        }
    )
    assert rule == {
        "arn": RULE_ARN,
        "priority": 20,
        "is_default": False,
        "path_patterns": ["/b/*", "/b"],
        "key": ("/b", "/b/*"),
        "conditions": 1,
        "action_type": "forward",
        "target_group_arns": [TG_ARN],
    }
    assert elbv2.rule_groups(rule) == ["gw-cards"]
    default = elbv2.normalise_rule({"RuleArn": "d", "Priority": "default", "Conditions": [], "IsDefault": True})
    assert (default["priority"], default["is_default"], default["key"]) == (None, True, None)
    # a rule with another condition (or the old Values form with two conditions) has no pattern key
    other = elbv2.normalise_rule(
        {
            "RuleArn": "o",
            "Priority": "5",
            "Conditions": [
                {"Field": "path-pattern", "Values": ["/x"]},
                {"Field": "host-header", "Values": ["api.example.com"]},
            ],
        }
    )
    assert other["key"] is None and other["path_patterns"] is None
    assert elbv2.rule_path_patterns([{"Field": "path-pattern", "Values": ["/x"]}]) == ["/x"]


def test_listener_default_action_and_load_balancer_security_groups():
    listener = elbv2.normalise_listener(
        {
            "ListenerArn": LISTENER_ARN,
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                {
                    "Type": "fixed-response",
                    "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no"},
                }
            ],
        }
    )
    assert (listener["target_group_arns"], listener["default_action_type"]) == ([], "fixed-response")
    assert listener["fixed_response"] == {"status_code": "404", "content_type": "text/plain", "message_body": "no"}
    forward = elbv2.normalise_listener(
        {"ListenerArn": LISTENER_ARN, "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG_ARN}]}
    )
    assert (forward["default_action_type"], forward["fixed_response"]) == ("forward", None)
    balancer = elbv2.normalise_load_balancer(
        {"LoadBalancerName": "web", "LoadBalancerArn": "arn", "SecurityGroups": ["sg-2", "sg-1"]}
    )
    assert balancer["security_group_ids"] == ["sg-1", "sg-2"]
    assert elbv2.normalise_load_balancer({"LoadBalancerName": "n", "LoadBalancerArn": "a"})["security_group_ids"] == []
