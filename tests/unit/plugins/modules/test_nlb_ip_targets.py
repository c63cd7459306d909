# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils.elbv2 import targets_from_health
from ansible_collections.multiaccount.apigateway.plugins.modules import nlb_ip_targets as module_under_test

VPC = ["10.0.0.0/16"]
GROUP_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"


def health(ip, port, state="healthy", zone=None):
    target = {"Id": ip, "Port": port}
    if zone:
        target["AvailabilityZone"] = zone
    return {"Target": target, "TargetHealth": {"State": state}}


def resolved(targets, port=8080, cidrs=None, state="present"):
    checked = module_under_test.validate_targets(targets)
    return module_under_test.resolve_targets(checked, port, cidrs or VPC, state)


def keys(targets):
    return [(t["ip"], t["port"]) for t in targets]


# ------------------------------------------------------------------------- input validation


@pytest.mark.parametrize(
    "targets, message",
    [
        (
            [{"ip": "10.0.1.5"}, {"ip": "10.0.1.6"}, {"ip": "10.0.1.x"}],
            "targets[2].ip: '10.0.1.x' is not an IPv4 address",
        ),
        ([{"ip": "fd00::1"}], "targets[0].ip: 'fd00::1' is an IPv6 address"),
        ([{"ip": "10.0.1.5", "port": 70000}], "targets[0].port: 70000 is not a port number (1-65535)"),
        ([{"ip": "10.0.1.5", "port": 0}], "targets[0].port: 0 is not a port number"),
        ([{"ip": "10.0.1.5", "port": True}], "targets[0].port: True is not a port number"),
        ([{"ip": "10.0.1.5", "availability_zone": "US East"}], "targets[0].availability_zone: 'US East' is not an"),
        (
            [{"ip": "10.0.1.5", "port": 80}, {"ip": "10.0.1.5", "port": 80}],
            "targets[1]: 10.0.1.5:80 is listed twice (targets[0] and targets[1])",
        ),
    ],
)
def test_validate_targets_names_the_field(targets, message):
    with pytest.raises(ValueError) as raised:
        module_under_test.validate_targets(targets)
    assert message in str(raised.value)


def test_validate_targets_normalises_and_keeps_defaults_open():
    checked = module_under_test.validate_targets(
        [{"ip": " 10.0.1.5 ", "port": None, "availability_zone": "ALL"}, {"ip": "10.0.1.5", "port": 9090}]
    )
    assert checked == [
        {"field": "targets[0]", "ip": "10.0.1.5", "port": None, "availability_zone": "all"},
        {"field": "targets[1]", "ip": "10.0.1.5", "port": 9090, "availability_zone": None},
    ]
    assert module_under_test.validate_targets(None) is None


def test_empty_availability_zone_counts_as_omitted():
    assert (
        module_under_test.validate_targets([{"ip": "10.0.1.5", "availability_zone": ""}])[0]["availability_zone"]
        is None
    )


@pytest.mark.parametrize("zone", ["us-east-1a", "eu-central-1b", "us-gov-west-1a", "us-east-1-bos-1a", "all"])
def test_availability_zone_names_are_accepted(zone):
    assert module_under_test.check_availability_zone(zone, "f") == zone


@pytest.mark.parametrize(
    "params, message",
    [
        ({"target_group_arn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1"}, "target_group_arn: "),
        ({"target_group_name": "-bad-"}, "target_group_name: '-bad-' is not a target group name"),
        ({"target_group_name": "x" * 33}, "target_group_name: "),
        ({"target_group_name": "tg", "wait_timeout": 0}, "wait_timeout: 0 must be a positive number"),
    ],
)
def test_validate_params_names_the_field(params, message):
    with pytest.raises(ValueError) as raised:
        module_under_test.validate_params(dict({"targets": None, "wait_timeout": 300}, **params))
    assert message in str(raised.value)


def test_validate_params_accepts_an_arn():
    params = {"target_group_arn": GROUP_ARN, "targets": [{"ip": "10.0.1.5"}], "wait_timeout": 300}
    assert module_under_test.validate_params(params)[0]["ip"] == "10.0.1.5"


@pytest.mark.parametrize(
    "group, message",
    [
        ({"TargetGroupName": "tg", "TargetType": "instance"}, "target group 'tg' is of type 'instance'"),
        ({"TargetGroupName": "tg", "TargetType": "lambda"}, "of type 'lambda'"),
        ({"TargetGroupName": "tg", "TargetType": "ip", "IpAddressType": "ipv6"}, "IP address type 'ipv6'"),
    ],
)
def test_check_group_type_refuses_what_it_cannot_manage(group, message):
    with pytest.raises(ValueError) as raised:
        module_under_test.check_group_type(group)
    assert message in str(raised.value)


def test_check_group_type_accepts_ipv4_ip_groups():
    module_under_test.check_group_type({"TargetGroupName": "tg", "TargetType": "ip", "IpAddressType": "ipv4"})


# -------------------------------------------------------------------- port and zone defaults


def test_port_defaults_to_the_group_port_and_zone_follows_the_vpc():
    targets = resolved(
        [
            {"ip": "10.0.1.5"},
            {"ip": "10.1.0.5"},
            {"ip": "10.0.1.6", "port": 9090, "availability_zone": "us-east-1a"},
            {"ip": "10.1.0.6", "availability_zone": "all"},
        ]
    )
    assert [(t["ip"], t["port"], t["availability_zone"], t["explicit_zone"]) for t in targets] == [
        ("10.0.1.5", 8080, None, False),
        ("10.1.0.5", 8080, "all", False),
        ("10.0.1.6", 9090, "us-east-1a", True),
        ("10.1.0.6", 8080, "all", True),
    ]


def test_secondary_vpc_cidr_counts_as_inside():
    targets = resolved([{"ip": "100.64.1.5"}], cidrs=["10.0.0.0/16", "100.64.0.0/16"])
    assert targets[0]["availability_zone"] is None


def test_public_ip_outside_the_vpc_is_refused_naming_the_field():
    with pytest.raises(ValueError) as raised:
        resolved([{"ip": "10.0.1.5"}, {"ip": "8.8.8.8"}])
    assert str(raised.value).startswith("targets[1].ip: '8.8.8.8' is outside the target group's VPC (10.0.0.0/16)")


def test_public_ip_is_not_checked_for_deregistration():
    assert keys(resolved([{"ip": "8.8.8.8"}], state="absent")) == [("8.8.8.8", 8080)]


def test_duplicate_through_the_default_port_is_found_after_resolution():
    with pytest.raises(ValueError) as raised:
        resolved([{"ip": "10.0.1.5"}, {"ip": "10.0.1.5", "port": 8080}])
    assert "targets[1]: 10.0.1.5:8080 is listed twice" in str(raised.value)


# ------------------------------------------------------------------------------ target diff


def plan(current, targets, state="present", purge=True, cidrs=None):
    desired = None if targets is None else resolved(targets, cidrs=cidrs, state=state)
    return module_under_test.plan_changes(targets_from_health(current), desired, state, purge, cidrs or VPC)


def test_nothing_to_do_when_the_group_matches():
    result = plan([health("10.0.1.5", 8080)], [{"ip": "10.0.1.5"}])
    assert result["register"] == [] and result["deregister"] == []
    assert result["before"] == result["after"] == [{"ip": "10.0.1.5", "port": 8080, "availability_zone": None}]


def test_same_ip_on_a_second_port_is_a_second_target():
    result = plan([health("10.0.1.5", 8080)], [{"ip": "10.0.1.5"}, {"ip": "10.0.1.5", "port": 9090}])
    assert keys(result["register"]) == [("10.0.1.5", 9090)]
    assert result["deregister"] == []
    assert keys(result["after"]) == [("10.0.1.5", 8080), ("10.0.1.5", 9090)]


def test_port_change_registers_the_new_port_and_deregisters_the_old():
    result = plan([health("10.0.1.5", 8080)], [{"ip": "10.0.1.5", "port": 8443}])
    assert keys(result["register"]) == [("10.0.1.5", 8443)]
    assert keys(result["deregister"]) == [("10.0.1.5", 8080)]


def test_purge_false_keeps_unlisted_targets():
    result = plan([health("10.0.1.5", 8080)], [{"ip": "10.0.1.6"}], purge=False)
    assert result["deregister"] == []
    assert keys(result["after"]) == [("10.0.1.5", 8080), ("10.0.1.6", 8080)]


def test_omitted_targets_leave_the_group_alone_even_with_purge():
    result = plan([health("10.0.1.5", 8080)], None)
    assert result["register"] == result["deregister"] == []


def test_empty_targets_with_purge_deregister_everything():
    result = plan([health("10.0.1.5", 8080), health("10.1.0.5", 8080, zone="all")], [])
    assert keys(result["deregister"]) == [("10.0.1.5", 8080), ("10.1.0.5", 8080)]


def test_deregistration_carries_the_registered_zone_or_the_zone_it_needs():
    current = [
        health("10.0.1.5", 8080, zone="us-east-1a"),
        health("10.1.0.5", 8080),
        health("10.1.0.6", 80, zone="all"),
    ]
    result = plan(current, [])
    assert [t["availability_zone"] for t in result["deregister"]] == ["us-east-1a", "all", "all"]


def test_a_draining_target_counts_as_not_registered():
    result = plan([health("10.0.1.5", 8080, "draining"), health("10.0.1.6", 8080, "draining")], [{"ip": "10.0.1.5"}])
    assert keys(result["register"]) == [("10.0.1.5", 8080)]
    assert result["deregister"] == [] and result["before"] == []


def test_absent_deregisters_only_the_listed_registered_targets():
    current = [health("10.0.1.5", 8080), health("10.0.1.5", 9090)]
    result = plan(current, [{"ip": "10.0.1.5", "port": 9090}, {"ip": "10.0.1.7"}], state="absent")
    assert result["register"] == []
    assert keys(result["deregister"]) == [("10.0.1.5", 9090)]
    assert keys(result["after"]) == [("10.0.1.5", 8080)]


def test_absent_without_targets_deregisters_everything_and_again_nothing():
    assert keys(plan([health("10.0.1.5", 8080)], None, state="absent")["deregister"]) == [("10.0.1.5", 8080)]
    assert plan([], None, state="absent")["deregister"] == []


def test_diff_order_is_ip_then_port_numerically():
    current = [health("10.0.1.10", 80), health("10.0.1.9", 81), health("10.0.1.9", 80)]
    assert keys(plan(current, None)["before"]) == [("10.0.1.9", 80), ("10.0.1.9", 81), ("10.0.1.10", 80)]


def test_zone_warning_only_for_an_explicit_zone_that_differs():
    current = targets_from_health([health("10.0.1.5", 8080, zone="us-east-1a"), health("10.0.1.6", 8080)])
    desired = resolved(
        [
            {"ip": "10.0.1.5", "availability_zone": "us-east-1b"},
            {"ip": "10.0.1.6", "availability_zone": "us-east-1b"},
        ]
    )
    warnings = module_under_test.zone_warnings(current, desired)
    assert len(warnings) == 1
    assert warnings[0].startswith("targets[0].availability_zone: 10.0.1.5:8080 is registered in 'us-east-1a'")


def test_predicted_targets_give_new_ones_null_health():
    result = plan([health("10.0.1.5", 8080)], [{"ip": "10.0.1.5"}, {"ip": "10.1.0.5"}])
    predicted = module_under_test.predicted_targets(result)
    assert [(t["ip"], t["health_state"], t["availability_zone"]) for t in predicted] == [
        ("10.0.1.5", "healthy", None),
        ("10.1.0.5", None, "all"),
    ]


def test_wait_keys():
    desired = resolved([{"ip": "10.0.1.5"}])
    result = plan([health("10.0.1.6", 8080), health("10.0.1.7", 8080)], [{"ip": "10.0.1.5"}, {"ip": "10.0.1.6"}])
    assert module_under_test.wait_keys(result, desired, "present") == ([("10.0.1.5", 8080)], [("10.0.1.7", 8080)])
    assert module_under_test.wait_keys(result, None, "present")[0] == keys(result["after"])
    assert module_under_test.wait_keys(result, desired, "absent") == ([], [("10.0.1.7", 8080)])


# ----------------------------------------------------------------------- ensure (no AWS)


class FailJson(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False, **params):
        self.params = dict(
            state="present",
            target_group_arn=None,
            target_group_name="tg",
            targets=None,
            purge_targets=True,
            wait_for="none",
            wait_timeout=300,
        )
        self.params.update(params)
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)


@pytest.fixture
def aws(monkeypatch):
    """Replace the API layer: a group of type ip in 10.0.0.0/16 holding 10.0.1.5:8080."""
    state = {
        "group": {
            "TargetGroupArn": GROUP_ARN,
            "TargetGroupName": "tg",
            "TargetType": "ip",
            "Port": 8080,
            "VpcId": "vpc-1",
        },
        "health": [health("10.0.1.5", 8080, zone="us-east-1a")],
        "calls": [],
    }

    def describe_target_groups(client, arns=None, names=None):
        state["calls"].append("describe_target_groups")
        return [state["group"]] if state["group"] else []

    def describe_vpcs(client, vpc_ids):
        state["calls"].append("describe_vpcs")
        return [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]

    def describe_target_health(client, arn):
        state["calls"].append("describe_target_health")
        return list(state["health"])

    def register_targets(client, arn, targets):
        state["calls"].append(("register_targets", targets))
        state["health"].extend({"Target": dict(t), "TargetHealth": {"State": "initial"}} for t in targets)
        return True

    def deregister_targets(client, arn, targets):
        state["calls"].append(("deregister_targets", targets))
        gone = {(t["Id"], t["Port"]) for t in targets}
        state["health"] = [h for h in state["health"] if (h["Target"]["Id"], h["Target"]["Port"]) not in gone]
        return True

    for function in (
        describe_target_groups,
        describe_vpcs,
        describe_target_health,
        register_targets,
        deregister_targets,
    ):
        monkeypatch.setattr(module_under_test, function.__name__, function)
    return state


def changes(state):
    return [call for call in state["calls"] if isinstance(call, tuple)]


def test_check_mode_reports_but_changes_nothing(aws):
    module = FakeModule(check_mode=True, targets=[{"ip": "10.1.0.5"}])
    result = module_under_test.ensure(module, None, None, module_under_test.validate_params(module.params))
    assert result["changed"] is True
    assert result["registered"] == [{"ip": "10.1.0.5", "port": 8080, "availability_zone": "all"}]
    assert result["deregistered"] == [{"ip": "10.0.1.5", "port": 8080, "availability_zone": "us-east-1a"}]
    assert changes(aws) == []


def test_apply_registers_first_then_deregisters_and_is_idempotent(aws):
    module = FakeModule(targets=[{"ip": "10.1.0.5"}], wait_for="registered")
    result = module_under_test.ensure(module, None, None, module_under_test.validate_params(module.params))
    assert [call[0] for call in changes(aws)] == ["register_targets", "deregister_targets"]
    assert changes(aws)[0][1] == [{"Id": "10.1.0.5", "Port": 8080, "AvailabilityZone": "all"}]
    assert changes(aws)[1][1] == [{"Id": "10.0.1.5", "Port": 8080, "AvailabilityZone": "us-east-1a"}]
    assert [(t["ip"], t["health_state"]) for t in result["targets"]] == [("10.1.0.5", "initial")]
    aws["calls"].clear()
    again = module_under_test.ensure(module, None, None, module_under_test.validate_params(module.params))
    assert again["changed"] is False and changes(aws) == []


def test_wait_timeout_fails_listing_the_pending_targets(aws, monkeypatch):
    monkeypatch.setattr(
        module_under_test,
        "wait_for_targets",
        lambda fetch, desired, gone, wait_for, timeout: (
            fetch(),
            [
                {
                    "ip": "10.0.1.5",
                    "port": 8080,
                    "expected": "healthy",
                    "state": "initial",
                    "reason": None,
                    "description": None,
                }
            ],
        ),
    )
    module = FakeModule(targets=[{"ip": "10.0.1.5"}], wait_for="healthy", wait_timeout=10)
    with pytest.raises(FailJson) as raised:
        module_under_test.ensure(module, None, None, module_under_test.validate_params(module.params))
    assert "Timed out after 10 s" in raised.value.args[0]["msg"]
    assert "10.0.1.5:8080 (expected healthy, is initial)" in raised.value.args[0]["msg"]


def test_non_ip_group_fails_before_any_change(aws):
    aws["group"]["TargetType"] = "instance"
    module = FakeModule(targets=[{"ip": "10.0.1.6"}])
    with pytest.raises(FailJson) as raised:
        module_under_test.ensure(module, None, None, module_under_test.validate_params(module.params))
    assert "of type 'instance'" in raised.value.args[0]["msg"]
    assert aws["calls"] == ["describe_target_groups"]


def test_missing_group_fails_for_present_and_is_a_no_op_for_absent(aws):
    aws["group"] = None
    with pytest.raises(FailJson) as raised:
        module_under_test.ensure(FakeModule(targets=[]), None, None, [])
    assert raised.value.args[0]["msg"].startswith("target_group_name: target group 'tg' not found")
    result = module_under_test.ensure(FakeModule(state="absent"), None, None, None)
    assert result["changed"] is False and result["target_group_arn"] is None
