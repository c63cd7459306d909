# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""vpc_teardown against moto in-process (no network), every API call counted."""

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_teardown

from .moto_harness import mocked_aws, record_api_calls, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GW = "open-banking"
OURS = [{"Key": "ManagedBy", "Value": "multiaccount.apigateway"}, {"Key": "multiaccount:gateway", "Value": GW}]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    return record_api_calls(monkeypatch)


@pytest.fixture
def ec2():
    return boto3.client("ec2", region_name=REGION)


def run(args, capsys, check_mode=False):
    return run_module(vpc_teardown.main, args, capsys, check_mode, REGION)


def spec(resource):
    return [{"ResourceType": resource, "Tags": OURS}]


def gateway_network(ec2):
    """A gateway VPC as shared_gateway builds it: tagged VPC, two subnets, a tagged table with a peering route."""
    vpc = ec2.create_vpc(CidrBlock="10.100.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
    peer = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer, TagSpecifications=spec("vpc-peering-connection"))
    pcx = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az, TagSpecifications=spec("subnet"))["Subnet"][
            "SubnetId"
        ]
        for cidr, az in (("10.100.1.0/24", "us-east-1a"), ("10.100.2.0/24", "us-east-1b"))
    ]
    rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table"))["RouteTable"]["RouteTableId"]
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    return vpc, subnets, rtb, pcx


def test_check_mode_then_teardown_then_nothing(ec2, capsys, calls):
    vpc, subnets, rtb, pcx = gateway_network(ec2)
    args = {"vpc_id": vpc, "gateway": GW, "peering_ids": [pcx]}

    calls.clear()
    checked = run(args, capsys, check_mode=True)
    assert checked["changed"] and not checked.get("failed")
    assert checked["deleted"]["vpc"] is True
    assert [t["id"] for t in checked["deleted"]["route_tables"]] == [rtb]
    assert checked["diff"]["after"] == {} and checked["diff"]["before"]["route_tables"] == [rtb]
    assert writes(calls) == []
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]

    calls.clear()
    result = run(args, capsys)
    assert result["changed"] and result["deleted"]["vpc"] is True
    assert sorted(s["id"] for s in result["deleted"]["subnets"]) == sorted(subnets)
    assert result["foreign"] == [] and result["kept"] == []
    assert writes(calls) == [
        "DisassociateRouteTable",
        "DisassociateRouteTable",
        "DeleteRouteTable",
        "DeleteSubnet",
        "DeleteSubnet",
        "DeleteVpc",
    ]
    assert not ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"]

    calls.clear()
    again = run(args, capsys)
    assert not again["changed"] and calls == ["DescribeVpcs"]


def test_foreign_group_and_route_stay_with_their_containers_and_the_run_fails_naming_them(ec2, capsys):
    vpc, subnets, rtb, pcx = gateway_network(ec2)
    legacy = ec2.create_security_group(GroupName="legacy-db", Description="theirs", VpcId=vpc)["GroupId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    args = {"vpc_id": vpc, "gateway": GW, "peering_ids": [pcx]}

    result = run(args, capsys)
    assert result["failed"] and result["changed"]
    assert sorted(f["id"] for f in result["foreign"]) == sorted([legacy, f"{rtb}:0.0.0.0/0"])
    assert f"security group {legacy} (legacy-db) in {vpc}" in result["msg"]
    assert f"route 0.0.0.0/0 -> {igw} in route table {rtb}" in result["msg"]
    assert result["deleted"]["vpc"] is False and result["deleted"]["route_tables"] == []
    assert result["deleted"]["routes"] == [{"route_table_id": rtb, "dest": "10.0.0.0/16", "target": pcx}]
    assert sorted(s["id"] for s in result["deleted"]["subnets"]) == sorted(subnets)
    assert [a for a in result["actions"] if a.startswith("disassociate")] == [
        f"disassociate {rtb} from {subnet}" for subnet in subnets
    ]
    (table,) = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"]
    assert sorted(r["DestinationCidrBlock"] for r in table["Routes"]) == ["0.0.0.0/0", "10.100.0.0/16"]
    assert ec2.describe_security_groups(GroupIds=[legacy])["SecurityGroups"]

    # a re-run changes nothing more and still names them
    again = run(args, capsys)
    assert again["failed"] and not again["changed"]
    assert f"security group {legacy} (legacy-db)" in again["msg"]

    # once they are gone, the teardown finishes
    ec2.delete_security_group(GroupId=legacy)
    ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    done = run(args, capsys)
    assert not done.get("failed") and done["deleted"]["vpc"] is True


def test_a_vpc_without_our_tags_is_refused_before_any_change(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    calls.clear()
    result = run({"vpc_id": vpc, "gateway": GW}, capsys)
    assert result["failed"] and "does not carry both ownership tags" in result["msg"]
    assert writes(calls) == []


def test_a_vpc_of_another_gateway_is_refused(ec2, capsys):
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
    result = run({"vpc_id": vpc, "gateway": "another"}, capsys)
    assert result["failed"] and "multiaccount:gateway=another" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"vpc_id": "vpc-x", "gateway": GW}, "vpc_id: 'vpc-x' is not a vpc- id"),
        ({"vpc_id": "vpc-0123456789abcdef0", "gateway": GW, "peering_ids": ["rtb-1"]}, "peering_ids[0]: 'rtb-1'"),
        ({"vpc_id": "vpc-0123456789abcdef0", "gateway": " "}, "gateway: must not be empty"),
    ],
)
def test_bad_input_names_the_field_before_any_call(args, message, capsys, calls):
    result = run(args, capsys)
    assert result["failed"] and message in result["msg"]
    assert calls == []
