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


def converged_resources(ec2, vpc, subnets):
    """What the teardown's earlier tasks delete: the gateway's load balancer and target group, a demo instance."""
    elb = boto3.client("elbv2", region_name=REGION)
    lb = elb.create_load_balancer(Name="gw-nlb", Subnets=subnets, Type="network", Scheme="internal", Tags=OURS)
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="gw-tg", Protocol="TCP", Port=443, VpcId=vpc, TargetType="ip", Tags=OURS)
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    # moto runs an instance of any image id (tests/unit/conftest.py: no default images)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[1])["Instances"][0]
    return lb_arn, tg_arn, instance["InstanceId"]


def test_check_mode_counts_the_resources_of_check_mode_gone_as_gone(ec2, capsys, calls):
    vpc, subnets, rtb, pcx = gateway_network(ec2)
    lb_arn, tg_arn, instance_id = converged_resources(ec2, vpc, subnets)
    args = {"vpc_id": vpc, "gateway": GW, "peering_ids": [pcx]}

    # without the option, check mode fails on them, as a real run would if they were still there
    plain = run(args, capsys, check_mode=True)
    assert plain["failed"] and plain["deleted"]["subnets"] == [] and plain["check_mode_assumed_gone"] == []
    assert "would keep" in plain["msg"] and "load balancer gw-nlb" in plain["msg"]
    assert "list in check_mode_gone" in plain["msg"]

    calls.clear()
    gone = dict(args, check_mode_gone=[lb_arn, tg_arn, instance_id])
    checked = run(gone, capsys, check_mode=True)
    assert not checked.get("failed") and checked["changed"]
    assert checked["foreign"] == [] and checked["kept"] == []
    assert sorted(s["id"] for s in checked["deleted"]["subnets"]) == sorted(subnets)
    assert checked["deleted"]["vpc"] is True and checked["actions"][-1] == f"delete VPC {vpc}"
    assumed = {(a["kind"], a["id"]) for a in checked["check_mode_assumed_gone"]}
    assert {("load_balancer", lb_arn), ("target_group", tg_arn)} <= assumed
    assert any(a["kind"] == "interface" and instance_id in a["label"] for a in checked["check_mode_assumed_gone"])
    assert writes(calls) == []
    assert len(ec2.describe_subnets(SubnetIds=subnets)["Subnets"]) == 2


def test_check_mode_gone_is_ignored_outside_check_mode(ec2, capsys, calls):
    vpc, subnets, rtb, pcx = gateway_network(ec2)
    lb_arn, tg_arn, instance_id = converged_resources(ec2, vpc, subnets)
    args = {"vpc_id": vpc, "gateway": GW, "peering_ids": [pcx], "check_mode_gone": [lb_arn, tg_arn, instance_id]}

    calls.clear()
    result = run(args, capsys)
    assert result["failed"] and result["check_mode_assumed_gone"] == []
    assert "kept" in result["msg"] and "load balancer gw-nlb (of this collection, still there)" in result["msg"]
    assert "check_mode_gone" not in result["msg"]
    assert result["deleted"]["subnets"] == [] and result["deleted"]["vpc"] is False
    assert sorted(k["id"] for k in result["kept"] if k["kind"] == "subnet") == sorted(subnets)
    assert {f["id"] for f in result["foreign"]} >= {lb_arn, tg_arn}
    assert "DeleteSubnet" not in writes(calls) and "DeleteVpc" not in writes(calls)
    assert len(ec2.describe_subnets(SubnetIds=subnets)["Subnets"]) == 2


@pytest.mark.parametrize("bad", ["", "  "])
def test_an_empty_check_mode_gone_element_names_its_index_before_any_call(bad, capsys, calls):
    args = {"vpc_id": "vpc-0123456789abcdef0", "gateway": GW, "check_mode_gone": [bad]}
    result = run(args, capsys, check_mode=True)
    assert result["failed"] and result["msg"].startswith("check_mode_gone[0]: must not be empty")
    assert calls == []
    second = dict(args, check_mode_gone=["i-0123456789abcdef0", bad])
    assert run(second, capsys, check_mode=True)["msg"].startswith("check_mode_gone[1]: must not be empty")
    assert calls == []


def transit_return_route(ec2, vpc):
    """The provider's return route to a gateway subnet through a Transit Gateway (not ours), in the main table."""
    tgw = ec2.create_transit_gateway(Description="gateway tgw")["TransitGateway"]["TransitGatewayId"]
    (main,) = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    rtb = main["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.100.1.0/24", TransitGatewayId=tgw)
    return rtb, tgw


def test_check_mode_counts_the_routes_of_check_mode_gone_as_deleted(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", TagSpecifications=spec("subnet"))["Subnet"][
        "SubnetId"
    ]
    main, tgw = transit_return_route(ec2, vpc)
    args = {"vpc_id": vpc, "gateway": GW}

    # without the option, check mode fails naming the route, which would keep the VPC
    plain = run(args, capsys, check_mode=True)
    assert plain["failed"] and plain["check_mode_assumed_gone"] == []
    assert f"route 10.100.1.0/24 -> {tgw} in route table {main}" in plain["msg"]
    assert "<route table id>:<destination>" in plain["msg"]
    assert [f["id"] for f in plain["foreign"]] == [f"{main}:10.100.1.0/24"]
    assert plain["deleted"]["vpc"] is False

    calls.clear()
    gone = dict(args, check_mode_gone=[f"{main}:10.100.1.0/24"])
    checked = run(gone, capsys, check_mode=True)
    assert not checked.get("failed") and checked["changed"]
    assert checked["foreign"] == [] and checked["kept"] == []
    assert checked["deleted"]["vpc"] is True and [s["id"] for s in checked["deleted"]["subnets"]] == [subnet]
    assert checked["check_mode_assumed_gone"] == [
        {
            "kind": "route",
            "id": f"{main}:10.100.1.0/24",
            "label": f"route 10.100.1.0/24 -> {tgw} in route table {main}",
        }
    ]
    assert writes(calls) == []
    (table,) = ec2.describe_route_tables(RouteTableIds=[main])["RouteTables"]
    assert "10.100.1.0/24" in [r.get("DestinationCidrBlock") for r in table["Routes"]]

    # outside check mode the option changes nothing: the route keeps the VPC, and stays
    calls.clear()
    result = run(gone, capsys)
    assert result["failed"] and result["check_mode_assumed_gone"] == []
    assert f"route 10.100.1.0/24 -> {tgw} in route table {main}" in result["msg"]
    assert result["deleted"]["vpc"] is False and "DeleteVpc" not in writes(calls)
    assert "DeleteRoute" not in writes(calls)
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    (table,) = ec2.describe_route_tables(RouteTableIds=[main])["RouteTables"]
    assert "10.100.1.0/24" in [r.get("DestinationCidrBlock") for r in table["Routes"]]


def test_a_route_of_check_mode_gone_in_another_table_leaves_this_one_as_it_is(ec2, capsys):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
    main, tgw = transit_return_route(ec2, vpc)
    args = {
        "vpc_id": vpc,
        "gateway": GW,
        "check_mode_gone": ["rtb-0123456789abcdef0:10.100.1.0/24", f"{main}:10.9.0.0/16"],
    }
    result = run(args, capsys, check_mode=True)
    assert result["failed"] and result["check_mode_assumed_gone"] == []
    assert [f["id"] for f in result["foreign"]] == [f"{main}:10.100.1.0/24"]


@pytest.mark.parametrize(
    "bad",
    ["rtb-x:", "foo:10.0.0.0/8", "rtb-0123456789abcdef0:", "rtb-x:10.0.0.0/8", "rtb-0123456789abcdef0:10.0.0/8x"],
)
def test_a_bad_route_in_check_mode_gone_names_its_index_before_any_call(bad, capsys, calls):
    args = {"vpc_id": "vpc-0123456789abcdef0", "gateway": GW, "check_mode_gone": ["i-0123456789abcdef0", bad]}
    result = run(args, capsys, check_mode=True)
    assert result["failed"] and result["msg"].startswith(f"check_mode_gone[1]: {bad!r} is not a route")
    assert "<route table id>:<destination>" in result["msg"]
    assert calls == []


@pytest.mark.parametrize(
    "good",
    [
        "rtb-0123456789abcdef0:10.100.1.0/24",
        "rtb-0123456789abcdef0:2600:1f18::/56",
        "rtb-0123456789abcdef0:pl-0123456789abcdef0",
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gw/73e2d6bc24d8a067",
    ],
)
def test_routes_of_every_destination_kind_and_arns_are_accepted(good):
    assert vpc_teardown.check_gone(good, "check_mode_gone[0]") == good
