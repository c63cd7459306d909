# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""vpc_target_subnets against moto in-process (no network), every API call counted."""

import boto3
import botocore.client
import botocore.exceptions
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import AnsibleEc2NetworkError
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_target_subnets

from .moto_harness import mocked_aws, record_api_calls, run_module

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY = "open-banking"
WRITES = ("CreateSubnet", "DeleteSubnet", "CreateTags")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    """Operation names of every API call the module makes."""
    return record_api_calls(monkeypatch)


def run(args, capsys, check_mode=False):
    return run_module(vpc_target_subnets.main, args, capsys, check_mode, REGION)


@pytest.fixture
def ec2():
    return boto3.client("ec2", region_name=REGION)


def main_table_of(ec2, vpc_id):
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    return next(t["RouteTableId"] for t in tables if any(a.get("Main") for a in t.get("Associations", [])))


def subnets_of(ec2, vpc_id):
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return {
        subnet["CidrBlock"]: (subnet["AvailabilityZone"], {tag["Key"]: tag["Value"] for tag in subnet.get("Tags", [])})
        for subnet in found
    }


def test_derives_subnets_then_nothing_to_do(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    main_table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0][
        "RouteTableId"
    ]
    params = {"vpc_id": vpc, "gateway": GATEWAY, "name": "payments", "targets": ["10.0.1.25", "10.0.2.25"]}

    checked = run(params, capsys, check_mode=True)
    assert checked["changed"] is True
    assert [(s["id"], s["cidr"], s["az"], s["created"]) for s in checked["subnets"]] == [
        (None, "10.0.1.0/24", "us-east-1b", True),
        (None, "10.0.2.0/24", "us-east-1c", True),
    ]
    assert checked["route_table_ids"] == [main_table]
    assert checked["targets"]["10.0.1.25"] == {
        "subnet_id": None,
        "cidr": "10.0.1.0/24",
        "az": "us-east-1b",
        "route_table_id": main_table,
    }
    assert [name for name in calls if name in WRITES] == []
    assert subnets_of(ec2, vpc) == {}

    del calls[:]
    result = run(params, capsys)
    assert result["changed"] is True
    assert result["actions"] == [
        "create subnet 10.0.1.0/24 in us-east-1b (Name payments-us-east-1b) for 10.0.1.25",
        "create subnet 10.0.2.0/24 in us-east-1c (Name payments-us-east-1c) for 10.0.2.25",
    ]
    assert calls.count("CreateSubnet") == 2 and calls.count("DescribeAvailabilityZones") == 1
    assert all(subnet["id"].startswith("subnet-") for subnet in result["subnets"])
    assert result["vpc_cidrs"] == ["10.0.0.0/16"]
    created = subnets_of(ec2, vpc)
    assert created["10.0.1.0/24"] == (
        "us-east-1b",
        {"Name": "payments-us-east-1b", "ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": GATEWAY},
    )

    del calls[:]
    again = run(params, capsys)
    assert again["changed"] is False and again["actions"] == []
    assert sorted(calls) == ["DescribeRouteTables", "DescribeSubnets", "DescribeVpcs"]
    assert again["targets"] == result["targets"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_existing_subnet_with_its_own_table_is_used_as_is(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/20", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    result = run({"vpc_id": vpc, "gateway": GATEWAY, "targets": ["10.0.3.7"], "tags": {"Team": "payments"}}, capsys)
    assert result["changed"] is False
    assert result["subnets"] == [
        {
            "id": subnet,
            "cidr": "10.0.0.0/20",
            "az": "us-east-1a",
            "name": None,
            "created": False,
            "route_table_id": table,
        }
    ]
    assert result["route_table_ids"] == [table]
    assert "DescribeAvailabilityZones" not in calls
    assert subnets_of(ec2, vpc)["10.0.0.0/20"][1] == {}


def test_listed_subnets_and_errors_before_any_write(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    listed = [{"cidr": "10.0.16.0/20", "az": "us-east-1a"}, {"cidr": "10.0.32.0/20", "az": "us-east-1b"}]
    failed = run({"vpc_id": vpc, "gateway": GATEWAY, "subnets": listed, "targets": ["10.0.17.3", "10.9.0.1"]}, capsys)
    assert failed["failed"] is True
    assert "targets[1]: 10.9.0.1 is in no subnet" in failed["msg"] and "list its subnet in subnets" in failed["msg"]
    assert [name for name in calls if name in WRITES] == []

    result = run({"vpc_id": vpc, "gateway": GATEWAY, "subnets": listed, "targets": ["10.0.17.3"]}, capsys)
    assert result["changed"] is True
    assert [(s["cidr"], s["az"]) for s in result["subnets"]] == [
        ("10.0.16.0/20", "us-east-1a"),
        ("10.0.32.0/20", "us-east-1b"),
    ]
    assert "DescribeAvailabilityZones" not in calls
    assert result["targets"]["10.0.17.3"]["cidr"] == "10.0.16.0/20"
    assert sorted(subnets_of(ec2, vpc)) == ["10.0.16.0/20", "10.0.32.0/20"]


def test_target_outside_the_vpc_is_an_error(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    result = run({"vpc_id": vpc, "gateway": GATEWAY, "targets": ["10.0.1.25", "172.16.0.9"]}, capsys)
    assert result["failed"] is True
    assert "targets[1]: 172.16.0.9 is in no subnet" in result["msg"]
    assert "does not fit in the VPC's CIDR blocks (10.0.0.0/16)" in result["msg"]
    assert [name for name in calls if name in WRITES] == []
    assert subnets_of(ec2, vpc) == {}


def test_absent_deletes_only_ours(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.9.0/24")["Subnet"]["SubnetId"]
    other_gateway = ec2.create_subnet(
        VpcId=vpc,
        CidrBlock="10.0.8.0/24",
        TagSpecifications=[
            {
                "ResourceType": "subnet",
                "Tags": [
                    {"Key": "ManagedBy", "Value": "multiaccount.apigateway"},
                    {"Key": "multiaccount:gateway", "Value": "x"},
                ],
            }
        ],
    )["Subnet"]["SubnetId"]
    run({"vpc_id": vpc, "gateway": GATEWAY, "targets": ["10.0.1.25", "10.0.2.25"]}, capsys)

    checked = run({"vpc_id": vpc, "gateway": GATEWAY, "state": "absent"}, capsys, check_mode=True)
    assert checked["changed"] is True and [s["cidr"] for s in checked["deleted"]] == ["10.0.1.0/24", "10.0.2.0/24"]
    assert len(subnets_of(ec2, vpc)) == 4

    del calls[:]
    result = run({"vpc_id": vpc, "gateway": GATEWAY, "state": "absent"}, capsys)
    assert result["changed"] is True and calls.count("DeleteSubnet") == 2
    assert sorted(subnets_of(ec2, vpc)) == ["10.0.8.0/24", "10.0.9.0/24"]
    del calls[:]
    again = run({"vpc_id": vpc, "gateway": GATEWAY, "state": "absent"}, capsys)
    assert again["changed"] is False and calls == ["DescribeSubnets"]
    assert {foreign, other_gateway} == {
        s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    }


def test_missing_vpc_and_bad_input(capsys, calls):
    missing = run({"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "targets": ["10.0.1.25"]}, capsys)
    assert missing["failed"] is True and missing["msg"].startswith("vpc_id: VPC vpc-0123456789abcdef0 not found")
    del calls[:]
    bad = run({"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "targets": ["10.0.1.x"]}, capsys)
    assert bad["msg"] == "targets[0]: '10.0.1.x' is not an IPv4 address (expected e.g. 10.0.1.25)"
    assert calls == []


def test_absent_reports_subnets_still_in_use(ec2, capsys, monkeypatch):
    """moto deletes a subnet that still has network interfaces; AWS answers DependencyViolation."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    run({"vpc_id": vpc, "gateway": GATEWAY, "targets": ["10.0.1.25", "10.0.2.25"]}, capsys)
    busy = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.0.1.0/24"]}])["Subnets"][0]["SubnetId"]
    original = vpc_target_subnets.delete_subnet

    def delete_subnet(client, subnet_id):
        if subnet_id == busy:
            error = botocore.exceptions.ClientError(
                {"Error": {"Code": "DependencyViolation", "Message": "has dependencies"}}, "DeleteSubnet"
            )
            raise AnsibleEc2NetworkError(message="Failed to delete subnet", exception=error)
        return original(client, subnet_id)

    monkeypatch.setattr(vpc_target_subnets, "delete_subnet", delete_subnet)
    result = run({"vpc_id": vpc, "gateway": GATEWAY, "state": "absent"}, capsys)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(f"cannot delete {busy} (10.0.1.0/24): still in use (DependencyViolation)")
    assert [subnet["cidr"] for subnet in result["deleted"]] == ["10.0.2.0/24"]
    assert sorted(subnets_of(ec2, vpc)) == ["10.0.1.0/24"]


VPC_WRITES = ("CreateVpc", "ModifyVpcAttribute", "CreateTags", "CreateSubnet")
CREATE_SPEC = {
    "filters": {"tag:Name": "gw-gateway", "tag:ManagedBy": "multiaccount.apigateway", "cidr-block": "10.100.0.0/16"},
    "cidr": "10.100.0.0/16",
    "create": True,
    "tags": {"Name": "gw-gateway", "ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": GATEWAY},
}


def test_creates_the_vpc_when_missing_then_finds_it_again(ec2, capsys, calls):
    params = {
        "vpc": CREATE_SPEC,
        "gateway": GATEWAY,
        "name": "gw-gateway",
        "subnets": [{"cidr": "10.100.1.0/24", "az": "us-east-1a"}, {"cidr": "10.100.2.0/24", "az": "us-east-1b"}],
    }
    checked = run(params, capsys, check_mode=True)
    assert checked["changed"] is True and checked["vpc"] is None
    assert checked["actions"][0] == "create VPC 10.100.0.0/16 (Name gw-gateway)"
    assert [s["cidr"] for s in checked["subnets"]] == ["10.100.1.0/24", "10.100.2.0/24"]
    assert [name for name in calls if name in VPC_WRITES] == []
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["gw-gateway"]}])["Vpcs"] == []
    # The diff shows the VPC to create: no VPC before, "(new)" with its CIDR, Name and the tags it gets after.
    assert "vpc" not in checked["diff"]["before"]
    assert checked["diff"]["after"]["vpc"] == (
        "(new) 10.100.0.0/16 (gw-gateway), tags ManagedBy=multiaccount.apigateway, Name=gw-gateway, "
        f"multiaccount:gateway={GATEWAY}"
    )

    del calls[:]
    created = run(params, capsys)
    assert created["changed"] is True and created["vpc"]["created"] is True
    vpc_id = created["vpc"]["id"]
    # A VPC just created has no subnet: none is read. Its main table is read (no route_table here).
    assert "DescribeSubnets" not in calls and calls.count("DescribeRouteTables") == 1
    assert [subnet["route_table_id"] for subnet in created["subnets"]] == [main_table_of(ec2, vpc_id)] * 2
    assert created["vpc"]["cidrs"] == ["10.100.0.0/16"]
    assert created["vpc"]["tags"]["multiaccount:gateway"] == GATEWAY
    assert "vpc" not in created["diff"]["before"] and created["diff"]["after"]["vpc"].startswith(
        f"{vpc_id} 10.100.0.0/16"
    )
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True
    assert sorted(subnets_of(ec2, vpc_id)) == ["10.100.1.0/24", "10.100.2.0/24"]

    del calls[:]
    again = run(params, capsys)
    assert again["changed"] is False and again["vpc"]["id"] == vpc_id and again["vpc"]["created"] is False
    assert [name for name in calls if name in VPC_WRITES] == []
    assert calls.count("DescribeVpcs") == 1


def test_a_created_vpc_gets_back_a_missing_tag(ec2, capsys, calls):
    params = {"vpc": CREATE_SPEC, "gateway": GATEWAY, "targets": []}
    vpc_id = run(params, capsys)["vpc"]["id"]
    spec = dict(CREATE_SPEC, tags=dict(CREATE_SPEC["tags"], CostCenter="42"))
    del calls[:]
    checked = run(dict(params, vpc=spec), capsys, check_mode=True)
    assert checked["changed"] is True and calls.count("CreateTags") == 0
    # The VPC line of the diff shows the tag it gets (in check mode too), the subnets do not change.
    assert "CostCenter" not in checked["diff"]["before"]["vpc"]
    assert checked["diff"]["after"]["vpc"].startswith(f"{vpc_id} 10.100.0.0/16 (gw-gateway), tags CostCenter=42,")
    result = run(dict(params, vpc=spec), capsys)
    assert result["changed"] is True
    assert result["actions"] == [f"tag VPC {vpc_id} with CostCenter=42"]
    assert calls.count("CreateTags") == 1
    assert result["diff"]["after"]["vpc"] == checked["diff"]["after"]["vpc"]


def test_an_adopted_vpc_is_never_modified_and_must_have_the_given_cidr(ec2, capsys, calls):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "payments-core"}])
    adopt = {"filters": {"tag:Name": "payments-core"}, "cidr": "10.0.0.0/16"}
    del calls[:]
    result = run({"vpc": adopt, "gateway": GATEWAY, "targets": ["10.0.1.25"]}, capsys)
    assert result["vpc"]["id"] == vpc_id and result["vpc"]["created"] is False
    assert [name for name in calls if name in ("CreateVpc", "CreateTags", "ModifyVpcAttribute")] == []

    wrong = run({"vpc": dict(adopt, cidr="10.9.0.0/16"), "gateway": GATEWAY, "targets": []}, capsys)
    assert wrong["failed"] is True
    assert "vpc.cidr: 10.9.0.0/16 is not a CIDR block of" in wrong["msg"]

    missing = run({"vpc": {"filters": {"tag:Name": "nope"}}, "gateway": GATEWAY, "targets": []}, capsys)
    assert missing["failed"] is True and "vpc.filters: no VPC matches" in missing["msg"]

    ec2.create_tags(
        Resources=[ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]],
        Tags=[{"Key": "Name", "Value": "payments-core"}],
    )
    several = run({"vpc": {"filters": {"tag:Name": "payments-core"}}, "gateway": GATEWAY, "targets": []}, capsys)
    assert several["failed"] is True and "2 VPCs match" in several["msg"]


TABLE_WRITES = ("CreateRouteTable", "AssociateRouteTable", "ReplaceRouteTableAssociation", "DisassociateRouteTable")
GATEWAY_SUBNETS = [{"cidr": "10.100.1.0/24", "az": "us-east-1a"}, {"cidr": "10.100.2.0/24", "az": "us-east-1b"}]


def tables_of(ec2, vpc_id):
    """``{table id: (tags, sorted subnet ids explicitly associated)}`` of the VPC's non-main tables."""
    found = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    return {
        table["RouteTableId"]: (
            {tag["Key"]: tag["Value"] for tag in table.get("Tags", [])},
            sorted(a["SubnetId"] for a in table.get("Associations", []) if a.get("SubnetId")),
        )
        for table in found
        if not any(a.get("Main") for a in table.get("Associations", []))
    }


def test_route_table_created_with_the_vpc_and_subnets_then_nothing_to_do(ec2, capsys, calls):
    params = {
        "vpc": CREATE_SPEC,
        "gateway": GATEWAY,
        "name": "gw-gateway",
        "subnets": GATEWAY_SUBNETS,
        "route_table": {"tags": {"Name": "gw-gateway"}},
    }
    checked = run(params, capsys, check_mode=True)
    assert checked["actions"][-3:] == [
        "create route table (Name gw-gateway)",
        "associate subnet 10.100.1.0/24 (new) with route table (new)",
        "associate subnet 10.100.2.0/24 (new) with route table (new)",
    ]
    assert checked["route_table"] == {"id": None, "name": "gw-gateway", "created": True, "subnet_ids": []}
    assert "route_table" not in checked["diff"]["before"]
    assert (
        checked["diff"]["after"]["route_table"]
        == "(new) (gw-gateway), subnets 10.100.1.0/24 (new), 10.100.2.0/24 (new)"
    )
    assert [name for name in calls if name in TABLE_WRITES + VPC_WRITES] == []

    del calls[:]
    result = run(params, capsys)
    vpc_id, table_id = result["vpc"]["id"], result["route_table"]["id"]
    subnet_ids = sorted(subnet["id"] for subnet in result["subnets"])
    # A VPC just created has no subnet and no table but its main one, which no subnet keeps: neither is read.
    assert "DescribeSubnets" not in calls and "DescribeRouteTables" not in calls
    assert result["targets"] == {} and result["route_table_ids"] == []
    assert table_id.startswith("rtb-") and result["route_table"]["created"] is True
    assert result["route_table"]["subnet_ids"] == subnet_ids
    assert calls.count("CreateRouteTable") == 1 and calls.count("AssociateRouteTable") == 2
    assert [subnet["route_table_id"] for subnet in result["subnets"]] == [table_id, table_id]
    assert tables_of(ec2, vpc_id) == {
        table_id: (
            {"Name": "gw-gateway", "ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": GATEWAY},
            subnet_ids,
        )
    }
    last = result["subnets"][-1]
    assert last["cidr"] == "10.100.2.0/24"
    assert result["actions"][-1] == f"associate subnet {last['id']} with route table {table_id}"

    del calls[:]
    again = run(params, capsys)
    assert again["changed"] is False and again["actions"] == []
    # The table costs no call of its own: it is found in the DescribeRouteTables the subnets need anyway.
    assert sorted(calls) == ["DescribeRouteTables", "DescribeSubnets", "DescribeVpcs"]
    assert again["route_table"] == dict(result["route_table"], created=False)
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["diff"]["after"]["route_table"] == f"{table_id} (gw-gateway), subnets {', '.join(subnet_ids)}"

    # A subnet added to the plan is created and associated with the same table.
    grown = dict(params, subnets=GATEWAY_SUBNETS + [{"cidr": "10.100.3.0/24", "az": "us-east-1c"}])
    checked = run(grown, capsys, check_mode=True)
    assert checked["actions"][-1] == f"associate subnet 10.100.3.0/24 (new) with route table {table_id}"
    del calls[:]
    added = run(grown, capsys)
    assert calls.count("CreateRouteTable") == 0 and calls.count("AssociateRouteTable") == 1
    assert added["route_table"]["subnet_ids"] == sorted(subnet["id"] for subnet in added["subnets"])
    assert len(tables_of(ec2, vpc_id)[table_id][1]) == 3


def test_route_table_associates_an_existing_subnet_and_never_moves_one(ec2, capsys, calls):
    vpc_id = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    first = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.100.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    params = {"vpc_id": vpc_id, "gateway": GATEWAY, "subnets": GATEWAY_SUBNETS[:1], "route_table": {"tags": {}}}
    result = run(params, capsys)
    table_id = result["route_table"]["id"]
    assert result["actions"] == [
        "create route table",
        f"associate subnet {first['SubnetId']} with route table {table_id}",
    ]
    assert result["route_table"]["name"] is None

    # A subnet somebody associated with a table of their own: an error naming both, before any change.
    foreign = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    second = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.100.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    ec2.associate_route_table(RouteTableId=foreign, SubnetId=second["SubnetId"])
    del calls[:]
    refused = run(dict(params, subnets=GATEWAY_SUBNETS), capsys)
    assert refused["failed"] is True
    assert refused["msg"] == (
        f"route_table: subnet {second['SubnetId']} is associated with route table {foreign}, not this module's "
        "table; disassociate it (the module never moves a subnet away from a table) (nothing was changed)"
    )
    assert [name for name in calls if name in TABLE_WRITES] == []

    # Two tables with the module's tags: which one to use is not guessed.
    ec2.create_route_table(
        VpcId=vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "route-table",
                "Tags": [
                    {"Key": "ManagedBy", "Value": "multiaccount.apigateway"},
                    {"Key": "multiaccount:gateway", "Value": GATEWAY},
                ],
            }
        ],
    )
    twice = run(params, capsys)
    assert twice["failed"] is True and "route_table.tags: 2 route tables of the VPC carry these tags" in twice["msg"]


def test_route_table_tags_are_checked_before_any_call(capsys, calls):
    result = run(
        {"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "route_table": {"tags": {"ManagedBy": "me"}}}, capsys
    )
    assert result["failed"] is True and result["msg"].startswith("route_table.tags.ManagedBy: 'me' differs from")
    assert calls == []


def test_without_reading_route_tables_the_same_subnets_one_call_less(ec2, capsys, calls):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    params = {
        "vpc_id": vpc,
        "gateway": GATEWAY,
        "name": "payments",
        "targets": ["10.0.1.25"],
        "read_route_tables": False,
    }
    result = run(params, capsys)
    assert result["changed"] is True
    assert [(s["cidr"], s["route_table_id"]) for s in result["subnets"]] == [("10.0.1.0/24", None)]
    assert result["targets"]["10.0.1.25"]["subnet_id"] == result["subnets"][0]["id"]
    assert result["targets"]["10.0.1.25"]["route_table_id"] is None and result["route_table_ids"] == []
    assert "route table" not in " ".join(result["diff"]["after"]["subnets"])
    assert "DescribeRouteTables" not in calls

    del calls[:]
    again = run(params, capsys)
    assert again["changed"] is False
    assert sorted(calls) == ["DescribeSubnets", "DescribeVpcs"]
    assert again["targets"] == result["targets"]


def test_its_own_route_table_needs_the_route_tables_read(capsys, calls):
    result = run(
        {
            "vpc_id": "vpc-0123456789abcdef0",
            "gateway": GATEWAY,
            "route_table": {"tags": {"Name": "gw"}},
            "read_route_tables": False,
        },
        capsys,
    )
    assert result["failed"] is True and result["msg"].startswith("read_route_tables: must be true with route_table")
    assert calls == []
