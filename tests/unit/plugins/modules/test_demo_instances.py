# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""demo_instances against moto in-process: every AWS call is recorded, state is read back with boto3."""

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import demo_instances

from .moto_harness import mocked_aws, record_api_calls, run_module

moto = pytest.importorskip("moto")
pytestmark = pytest.mark.default_amis  # the tests use moto's default images

REGION = "us-east-1"
GATEWAY = "open-banking"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    """Operation names of every API call the module makes."""
    return record_api_calls(monkeypatch)


def writes(recorded):
    return [name for name in recorded if not name.startswith("Describe")]


def run(args, capsys, check_mode=False):
    return run_module(demo_instances.main, args, capsys, check_mode, REGION)


@pytest.fixture
def vpc():
    """A provider VPC with two subnets, two groups and the provider's interface at 10.0.1.10."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"] for cidr in ("10.0.1.0/24", "10.0.2.0/24")
    ]
    app, other = (
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
        for name in ("app", "other")
    )
    provider_eni = ec2.create_network_interface(SubnetId=subnets[0], PrivateIpAddress="10.0.1.10")["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    return {"ec2": ec2, "vpc": vpc_id, "subnets": subnets, "app": app, "other": other, "provider_eni": provider_eni}


def instances(vpc, groups=None):
    return [
        {"ip": "10.0.1.10", "subnet_id": vpc["subnets"][0]},
        {
            "ip": "10.0.1.20",
            "subnet_id": vpc["subnets"][0],
            "security_group_ids": groups or [vpc["app"]],
            "name": "one",
        },
        {
            "ip": "10.0.2.20",
            "subnet_id": vpc["subnets"][1],
            "tags": {"purpose": "demo", "multiaccount:service": "payments"},
        },
    ]


def args(vpc, **extra):
    return dict({"vpc_id": vpc["vpc"], "gateway": GATEWAY}, **extra)


def live(vpc):
    """Private IP -> live instance of the VPC."""
    filters = [
        {"Name": "vpc-id", "Values": [vpc["vpc"]]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ]
    reservations = vpc["ec2"].describe_instances(Filters=filters)["Reservations"]
    return {i["PrivateIpAddress"]: i for r in reservations for i in r["Instances"]}


def groups_of(instance):
    return sorted(g["GroupId"] for g in instance["NetworkInterfaces"][0]["Groups"])


def test_launches_free_ips_skips_held_ones_and_is_idempotent(vpc, capsys, calls):
    result = run(args(vpc, instances=instances(vpc)), capsys)
    assert result["changed"] is True
    running = live(vpc)
    assert sorted(running) == ["10.0.1.20", "10.0.2.20"]
    one = running["10.0.1.20"]
    tags = {t["Key"]: t["Value"] for t in one["Tags"]}
    assert tags == {
        "ManagedBy": "multiaccount.apigateway",
        "multiaccount:gateway": GATEWAY,
        "multiaccount:demo": "true",
        "Name": "one",
    }
    assert groups_of(one) == [vpc["app"]] and "PublicIpAddress" not in one
    assert result["held"] == [
        {"ip": "10.0.1.10", "network_interface_id": vpc["provider_eni"], "instance_id": None, "description": ""}
    ]
    assert [(i["ip"], i["state"], i["created"]) for i in result["instances"]] == [
        ("10.0.1.20", "running", True),
        ("10.0.2.20", "running", True),
    ]
    assert result["instances"][0]["instance_id"] == one["InstanceId"]
    assert calls.count("RunInstances") == 2 and "DescribeImages" in calls and "DescribeSubnets" in calls

    calls.clear()
    again = run(args(vpc, instances=instances(vpc)), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert sorted(calls) == ["DescribeInstances", "DescribeNetworkInterfaces"]


def test_check_mode_predicts_without_writing(vpc, capsys, calls):
    result = run(args(vpc, instances=instances(vpc)), capsys, check_mode=True)
    assert result["changed"] is True and writes(calls) == []
    assert [(i["ip"], i["instance_id"], i["created"]) for i in result["instances"]] == [
        ("10.0.1.20", None, True),
        ("10.0.2.20", None, True),
    ]
    assert live(vpc) == {}
    assert result["diff"]["after"]["instances"]["10.0.1.20"]["security_group_ids"] == [vpc["app"]]
    assert result["actions"][0].startswith(f"launch demo instance 10.0.1.20 in {vpc['subnets'][0]} (t3.micro, ami-")
    # The diff names each instance by its IP, its services (from multiaccount:service) and Name; "(new)" to launch.
    assert result["diff"]["before"] == {"instances": {}}
    assert result["diff"]["after"]["instances"]["10.0.2.20"] == {
        "services": "payments",
        "name": None,
        "instance_id": "(new)",
        "subnet_id": vpc["subnets"][1],
        "security_group_ids": [],
    }
    assert result["diff"]["after"]["instances"]["10.0.1.20"]["services"] == "no service"
    real = run(args(vpc, instances=instances(vpc)), capsys)
    launched = real["diff"]["after"]["instances"]["10.0.2.20"]
    assert launched["instance_id"].startswith("i-") and launched["services"] == "payments"
    # Read back from the instance's tags, the same services show on the before side of the next change.
    gone = run(args(vpc, instances=instances(vpc)[:1]), capsys, check_mode=True)
    assert gone["diff"]["before"]["instances"]["10.0.2.20"]["services"] == "payments"
    assert "10.0.2.20" not in gone["diff"]["after"]["instances"]


def test_groups_change_purge_and_absent(vpc, capsys, calls):
    run(args(vpc, instances=instances(vpc)), capsys)
    result = run(args(vpc, instances=instances(vpc, groups=[vpc["other"]])[:2]), capsys)
    assert result["changed"] is True
    running = live(vpc)
    assert sorted(running) == ["10.0.1.20"]
    assert groups_of(running["10.0.1.20"]) == [vpc["other"]]
    assert [t["ip"] for t in result["terminated"]] == ["10.0.2.20"]

    calls.clear()
    absent = run(args(vpc, state="absent"), capsys)
    assert [t["ip"] for t in absent["terminated"]] == ["10.0.1.20"] and live(vpc) == {}
    assert "DescribeNetworkInterfaces" not in calls
    assert run(args(vpc, state="absent"), capsys)["changed"] is False


def test_service_groups_of_the_gateway_stay_on_the_instance(vpc, capsys, calls):
    ec2 = vpc["ec2"]
    run(args(vpc, instances=instances(vpc)), capsys)
    service = ec2.create_security_group(
        GroupName="ob-payments",
        Description="payments",
        VpcId=vpc["vpc"],
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [
                    {"Key": "ManagedBy", "Value": "multiaccount.apigateway"},
                    {"Key": "multiaccount:gateway", "Value": GATEWAY},
                    {"Key": "multiaccount:service", "Value": "payments"},
                ],
            }
        ],
    )["GroupId"]
    eni_id = live(vpc)["10.0.1.20"]["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[vpc["app"], service, vpc["other"]])
    calls.clear()
    result = run(args(vpc, instances=instances(vpc)), capsys)
    assert result["changed"] is True
    assert groups_of(live(vpc)["10.0.1.20"]) == sorted([vpc["app"], service])  # "other" went, the service group stayed
    assert calls.count("DescribeSecurityGroups") == 1
    assert run(args(vpc, instances=instances(vpc)), capsys)["changed"] is False


def test_problems_in_aws_are_reported_together_before_any_write(vpc, capsys, calls):
    bad = [
        {"ip": "10.0.2.30", "subnet_id": vpc["subnets"][0]},
        {"ip": "10.0.1.2", "subnet_id": vpc["subnets"][0]},
    ]
    result = run(args(vpc, instances=bad, image_name="no-such-image-*"), capsys)
    assert result["failed"] is True
    assert result["problems"] == [
        f"instances[0].ip: 10.0.2.30 is not in subnet {vpc['subnets'][0]} (10.0.1.0/24); list the subnet that "
        "contains it",
        "instances[1].ip: 10.0.1.2 is one of the five addresses AWS reserves in 10.0.1.0/24 (the first four and the "
        "last)",
        "image_name: no available 'no-such-image-*' x86_64 image owned by 'amazon' in this region; set image_id or "
        "another image_name/image_owner",
    ]
    assert writes(calls) == []


def test_input_errors_fail_before_any_call(vpc, capsys, calls):
    result = run(args(vpc, instances=[{"ip": "10.0.1.x", "subnet_id": vpc["subnets"][0]}]), capsys)
    assert result["msg"] == "instances[0].ip: '10.0.1.x' is not an IPv4 address (expected e.g. 10.0.1.25)"
    assert calls == []


def test_wait_false_returns_at_once(vpc, capsys, calls):
    result = run(args(vpc, instances=instances(vpc)[1:2], wait=False), capsys)
    assert result["changed"] is True and result["instances"][0]["state"] == "pending"
    assert calls.count("DescribeInstances") == 1


def test_what_the_caller_has_just_read_is_not_read_again(vpc, capsys, calls):
    """free_ips (service_security_groups' unplaced_ips) and subnet_cidr (vpc_target_subnets' targets): no
    DescribeNetworkInterfaces for those IPs and no DescribeSubnets for those subnets; the rest as before."""
    known = [
        {"ip": "10.0.1.20", "subnet_id": vpc["subnets"][0], "subnet_cidr": "10.0.1.0/24"},
        {"ip": "10.0.2.20", "subnet_id": vpc["subnets"][1], "subnet_cidr": "10.0.2.0/24"},
    ]
    result = run(args(vpc, instances=known, free_ips=["10.0.1.20", "10.0.2.20"]), capsys)
    assert result["changed"] is True and sorted(live(vpc)) == ["10.0.1.20", "10.0.2.20"]
    assert "DescribeNetworkInterfaces" not in calls and "DescribeSubnets" not in calls
    assert calls.count("RunInstances") == 2

    # An IP that free_ips does not list is read (and found held); a subnet without subnet_cidr is read.
    calls.clear()
    mixed = known + [{"ip": "10.0.1.10", "subnet_id": vpc["subnets"][0]}]
    again = run(args(vpc, instances=mixed, free_ips=["10.0.1.20", "10.0.2.20"]), capsys)
    assert again["changed"] is False and [held["ip"] for held in again["held"]] == ["10.0.1.10"]
    assert calls.count("DescribeNetworkInterfaces") == 1 and "DescribeSubnets" not in calls


def test_a_subnet_read_and_a_subnet_given_are_both_checked(vpc, capsys, calls):
    """subnet_cidr is checked like a subnet read: AWS's reserved addresses; a subnet without it is read."""
    bad = [
        {"ip": "10.0.1.3", "subnet_id": vpc["subnets"][0], "subnet_cidr": "10.0.1.0/24"},
        {"ip": "10.0.1.30", "subnet_id": vpc["subnets"][1]},
    ]
    result = run(args(vpc, instances=bad, free_ips=["10.0.1.3", "10.0.1.30"]), capsys)
    assert result["failed"] is True
    assert result["problems"] == [
        "instances[0].ip: 10.0.1.3 is one of the five addresses AWS reserves in 10.0.1.0/24 (the first four and the "
        "last)",
        f"instances[1].ip: 10.0.1.30 is not in subnet {vpc['subnets'][1]} (10.0.2.0/24); list the subnet that "
        "contains it",
    ]
    assert calls.count("DescribeSubnets") == 1 and writes(calls) == []


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            {"instances": [{"ip": "10.0.1.20", "subnet_id": "subnet-0a1b2c3d4e5f67890", "subnet_cidr": "10.0.2.0/24"}]},
            "instances[0].ip: 10.0.1.20 is not in instances[0].subnet_cidr 10.0.2.0/24; list the subnet that contains it",
        ),
        (
            {"instances": [{"ip": "10.0.1.20", "subnet_id": "subnet-0a1b2c3d4e5f67890", "subnet_cidr": "10.0.1.1/24"}]},
            "instances[0].subnet_cidr: '10.0.1.1/24' is not a valid IPv4 CIDR block (10.0.1.1/24 has host bits set)",
        ),
        (
            {"free_ips": ["10.0.1.20", "10.0.1"]},
            "free_ips[1]: '10.0.1' is not an IPv4 address (expected e.g. 10.0.1.25)",
        ),
    ],
)
def test_subnet_cidr_and_free_ips_are_checked_before_any_call(vpc, capsys, calls, extra, message):
    result = run(args(vpc, **extra), capsys)
    assert result["failed"] is True and result["msg"] == message
    assert calls == []
