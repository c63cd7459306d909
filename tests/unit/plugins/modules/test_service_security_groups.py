# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""service_security_groups against moto in-process: every AWS call is recorded, state is read back with boto3.

In-process moto has none of the emulator's patches (tools/emulator/patches.py); these tests use only
standalone interfaces with primary addresses, which stock moto handles as AWS does. Secondary addresses
and instance interfaces (G18b, G18c) are covered by the integration target on the emulator.
"""

import json

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import service_security_groups

from .moto_harness import mocked_aws, record_api_calls, run_module

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY = "open-banking"
NLB = ["10.100.1.0/24", "10.100.2.0/24"]
OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": GATEWAY}


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
    return run_module(service_security_groups.main, args, capsys, check_mode, REGION)


@pytest.fixture
def vpc():
    """A provider VPC: the provider's group on two interfaces (10.0.1.10, 10.0.1.20)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    provider = ec2.create_security_group(GroupName="provider", Description="provider", VpcId=vpc_id)["GroupId"]
    enis = {
        ip: ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress=ip, Groups=[provider])["NetworkInterface"][
            "NetworkInterfaceId"
        ]
        for ip in ("10.0.1.10", "10.0.1.20")
    }
    return {"ec2": ec2, "vpc": vpc_id, "subnet": subnet, "provider": provider, "enis": enis}


def groups(*services, targets=("10.0.1.10",)):
    return [
        {
            "service": service,
            "name": f"ob-{service}",
            "description": f"{service} through the gateway",
            "rules": [{"port": 8080 + index, "cidrs": NLB, "description": "nlb"}],
            "targets": list(targets),
        }
        for index, service in enumerate(services)
    ]


def args(vpc, **extra):
    return dict({"vpc_id": vpc["vpc"], "gateway": GATEWAY}, **extra)


def read_groups(vpc):
    found = vpc["ec2"].describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["vpc"]]}])["SecurityGroups"]
    return {group["GroupName"]: group for group in found}


def eni_groups(vpc, ip):
    (eni,) = vpc["ec2"].describe_network_interfaces(NetworkInterfaceIds=[vpc["enis"][ip]])["NetworkInterfaces"]
    return sorted(group["GroupName"] for group in eni["Groups"])


def test_creates_attaches_and_then_makes_no_write(vpc, capsys, calls):
    result = run(args(vpc, groups=groups("payments", "cards", targets=("10.0.1.10", "10.0.1.99"))), capsys)
    assert result["changed"] is True
    found = read_groups(vpc)
    payments = found["ob-payments"]
    assert payments["IpPermissionsEgress"] == []
    (permission,) = payments["IpPermissions"]
    assert (permission["FromPort"], sorted(r["CidrIp"] for r in permission["IpRanges"])) == (8080, NLB)
    assert {r["Description"] for r in permission["IpRanges"]} == {"nlb"}
    tags = {tag["Key"]: tag["Value"] for tag in payments["Tags"]}
    assert tags == dict(OURS, **{"multiaccount:service": "payments"})
    assert eni_groups(vpc, "10.0.1.10") == ["ob-cards", "ob-payments", "provider"]
    assert eni_groups(vpc, "10.0.1.20") == ["provider"]
    assert result["unplaced_ips"] == ["10.0.1.99"]
    assert [g["group_id"] for g in result["groups"]] == [found["ob-payments"]["GroupId"], found["ob-cards"]["GroupId"]]
    (attachment,) = result["attachments"]
    assert attachment["changed"] and [g["group_name"] for g in attachment["groups_before"]] == ["provider"]
    assert result["actions"][:3] == [
        "create security group 'ob-payments' for service payments",
        "revoke egress of 'ob-payments': all traffic to 0.0.0.0/0",
        "authorize ingress on 'ob-payments': tcp 8080 from 10.100.1.0/24 (nlb)",
    ]

    calls.clear()
    again = run(args(vpc, groups=groups("payments", "cards", targets=("10.0.1.10", "10.0.1.99"))), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert writes(calls) == []
    assert sorted(calls) == ["DescribeNetworkInterfaces", "DescribeNetworkInterfaces", "DescribeSecurityGroups"]


def test_no_op_with_every_target_held_reads_the_interfaces_once(vpc, capsys, calls):
    """The interfaces that carry our groups hold every target IP: the search by target IP is not made."""
    run(args(vpc, groups=groups("payments", "cards")), capsys)
    calls.clear()
    again = run(args(vpc, groups=groups("payments", "cards")), capsys)
    assert again["changed"] is False and again["actions"] == [] and again["unplaced_ips"] == []
    assert sorted(calls) == ["DescribeNetworkInterfaces", "DescribeSecurityGroups"]
    assert [a["network_interface_id"] for a in again["attachments"]] == [vpc["enis"]["10.0.1.10"]]

    # A target IP that no interface of ours holds yet is still searched for, and gets its group.
    calls.clear()
    moved = run(args(vpc, groups=groups("payments", "cards", targets=("10.0.1.10", "10.0.1.20"))), capsys)
    assert moved["changed"] is True
    assert calls.count("DescribeNetworkInterfaces") == 2
    assert eni_groups(vpc, "10.0.1.20") == ["ob-cards", "ob-payments", "provider"]

    # A target IP dropped from the list: its interface is found by our groups and loses them.
    dropped = run(args(vpc, groups=groups("payments", "cards", targets=("10.0.1.20",))), capsys)
    assert dropped["changed"] is True
    assert eni_groups(vpc, "10.0.1.10") == ["provider"]
    assert eni_groups(vpc, "10.0.1.20") == ["ob-cards", "ob-payments", "provider"]


def test_check_mode_predicts_without_writing(vpc, capsys, calls):
    result = run(args(vpc, groups=groups("payments")), capsys, check_mode=True)
    assert result["changed"] is True
    assert writes(calls) == []
    assert result["groups"][0]["group_id"] is None and result["groups"][0]["created"] is True
    assert result["attachments"][0]["groups_after"][-1] == {"group_id": None, "group_name": "ob-payments"}
    assert "ob-payments" not in read_groups(vpc)
    assert result["diff"]["after"]["groups"]["ob-payments"]["ingress"] == [
        "tcp 8080 from 10.100.1.0/24 (nlb)",
        "tcp 8080 from 10.100.2.0/24 (nlb)",
    ]
    # An interface is named by its IP and the services it is a target of, its id as a complement.
    label = f"10.0.1.10 payments ({vpc['enis']['10.0.1.10']})"
    assert result["diff"]["before"]["interfaces"][label] == ["provider"]
    assert result["diff"]["after"]["interfaces"][label] == ["provider", "ob-payments"]


def test_rule_and_target_changes_move_groups_and_revoke_stray_egress(vpc, capsys):
    run(args(vpc, groups=groups("payments")), capsys)
    payments = read_groups(vpc)["ob-payments"]["GroupId"]
    vpc["ec2"].authorize_security_group_egress(
        GroupId=payments,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    changed = groups("payments", targets=("10.0.1.20",))
    changed[0]["rules"] = [{"port": 9090, "cidrs": NLB[:1]}]
    result = run(args(vpc, groups=changed), capsys)
    assert result["changed"] is True
    group = read_groups(vpc)["ob-payments"]
    assert group["IpPermissionsEgress"] == []
    assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissions"]] == [(9090, NLB[:1])]
    assert eni_groups(vpc, "10.0.1.10") == ["provider"]
    assert eni_groups(vpc, "10.0.1.20") == ["ob-payments", "provider"]
    assert "revoke egress of 'ob-payments': tcp 443 to 0.0.0.0/0" in result["actions"]


def test_a_new_rule_description_is_set_in_place(vpc, capsys, calls):
    run(args(vpc, groups=groups("payments")), capsys)
    described = groups("payments")
    described[0]["rules"][0]["description"] = "gateway NLB"
    calls.clear()
    result = run(args(vpc, groups=described), capsys)
    assert writes(calls) == ["UpdateSecurityGroupRuleDescriptionsIngress"]
    (permission,) = read_groups(vpc)["ob-payments"]["IpPermissions"]
    assert {r["Description"] for r in permission["IpRanges"]} == {"gateway NLB"}
    assert result["actions"] == [
        "update rule description on 'ob-payments': tcp 8080 from 10.100.1.0/24 (gateway NLB)",
        "update rule description on 'ob-payments': tcp 8080 from 10.100.2.0/24 (gateway NLB)",
    ]
    # Without a description, the one in place stays.
    del described[0]["rules"][0]["description"]
    assert run(args(vpc, groups=described), capsys)["changed"] is False


def test_purge_replace_and_default_group(vpc, capsys):
    run(args(vpc, groups=groups("payments", "cards")), capsys)
    # The only interface of a service loses its group; an interface with only our group gets the default.
    vpc["ec2"].modify_network_interface_attribute(
        NetworkInterfaceId=vpc["enis"]["10.0.1.20"], Groups=[read_groups(vpc)["ob-cards"]["GroupId"]]
    )
    renamed = groups("payments")
    renamed[0]["name"] = "ob-payments-v2"
    result = run(args(vpc, groups=renamed), capsys)
    found = read_groups(vpc)
    assert sorted(found) == ["default", "ob-payments-v2", "provider"]
    assert sorted((d["service"], d["name"]) for d in result["deleted"]) == [
        ("cards", "ob-cards"),
        ("payments", "ob-payments"),
    ]
    assert eni_groups(vpc, "10.0.1.10") == ["ob-payments-v2", "provider"]
    assert eni_groups(vpc, "10.0.1.20") == ["default"]


def test_purge_false_leaves_unlisted_services_alone(vpc, capsys):
    run(args(vpc, groups=groups("payments", "cards")), capsys)
    result = run(args(vpc, groups=groups("payments"), purge=False), capsys)
    assert result["changed"] is False and "ob-cards" in read_groups(vpc)
    assert eni_groups(vpc, "10.0.1.10") == ["ob-cards", "ob-payments", "provider"]


def test_attach_false_leaves_interfaces_and_keeps_groups_in_use(vpc, capsys, calls):
    run(args(vpc, groups=groups("payments", "cards")), capsys)
    calls.clear()
    result = run(args(vpc, groups=groups("payments", "fx", targets=("10.0.1.20",)), attach=False), capsys)
    assert "ModifyNetworkInterfaceAttribute" not in calls
    assert eni_groups(vpc, "10.0.1.20") == ["provider"]
    assert "ob-fx" in read_groups(vpc) and "ob-cards" in read_groups(vpc)  # cards is still on 10.0.1.10
    assert result["deleted"] == [] and result["attachments"] == [] and result["unplaced_ips"] == []
    warnings = json.dumps(result["warnings"])
    assert "security group 'ob-cards'" in warnings and "attach=false leaves interfaces alone" in warnings


def test_requester_managed_interface_goes_to_manual(vpc, capsys):
    from moto.ec2.models import ec2_backends

    lb_eni = vpc["ec2"].create_network_interface(SubnetId=vpc["subnet"], PrivateIpAddress="10.0.1.50")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    ec2_backends["123456789012"][REGION].enis[lb_eni].requester_managed = True
    result = run(args(vpc, groups=groups("payments", targets=("10.0.1.50",))), capsys)
    (manual,) = result["manual"]
    assert manual["network_interface_id"] == lb_eni
    assert [g["group_name"] for g in manual["add"]] == ["ob-payments"]
    assert [g["group_name"] for g in manual["remove"]] == []
    assert result["attachments"] == [] and result["unplaced_ips"] == []
    (eni,) = vpc["ec2"].describe_network_interfaces(NetworkInterfaceIds=[lb_eni])["NetworkInterfaces"]
    assert [g["GroupName"] for g in eni["Groups"]] == ["default"]


def test_foreign_group_with_a_listed_name_fails_before_any_write(vpc, capsys, calls):
    vpc["ec2"].create_security_group(GroupName="ob-cards", Description="someone else's", VpcId=vpc["vpc"])
    calls.clear()
    result = run(args(vpc, groups=groups("payments", "cards")), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("groups[1].name: security group 'ob-cards' (sg-")
    assert "rename it or choose another name for service 'cards'" in result["msg"]
    assert writes(calls) == []


def test_input_errors_fail_before_any_call(vpc, capsys, calls):
    bad = groups("payments", "cards", "loans")
    bad[2]["rules"][0]["port"] = "http"
    result = run(args(vpc, groups=bad), capsys)
    assert result["msg"] == "groups[2].rules[0].port: 'http' is not a port number (1-65535)"
    assert calls == []


def test_absent_detaches_deletes_then_has_nothing_to_do(vpc, capsys, calls):
    run(args(vpc, groups=groups("payments", "cards")), capsys)
    result = run(args(vpc, state="absent"), capsys)
    assert result["changed"] is True
    assert sorted(d["service"] for d in result["deleted"]) == ["cards", "payments"]
    assert sorted(read_groups(vpc)) == ["default", "provider"]
    assert eni_groups(vpc, "10.0.1.10") == ["provider"]
    calls.clear()
    again = run(args(vpc, state="absent"), capsys)
    assert again["changed"] is False and calls == ["DescribeSecurityGroups"]


def test_missing_vpc(capsys):
    missing = {"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY}
    assert run(dict(missing, state="absent"), capsys)["changed"] is False
    result = run(dict(missing, groups=groups("payments")), capsys)
    assert result["failed"] is True and result["msg"].startswith("vpc_id: VPC vpc-0123456789abcdef0 not found")
