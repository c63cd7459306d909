# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""provider_path_info against moto in-process (no network): ENIs by IP, subnets, route tables, groups."""

from unittest import mock

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import path_reads
from ansible_collections.multiaccount.apigateway.plugins.modules import provider_path_info

from .moto_harness import mocked_aws, record_api_calls, run_module

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY_CIDRS = ["10.100.1.0/24", "10.100.2.0/24"]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


def run(args, capsys, check_mode=False):
    return run_module(provider_path_info.main, args, capsys, check_mode, REGION)


def provider_account():
    """A provider VPC: service subnet with an explicit route table, a second subnet on the main table."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    gateway_vpc = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    unrelated = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=gateway_vpc, PeerVpcId=vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2.create_vpc_peering_connection(VpcId=gateway_vpc, PeerVpcId=unrelated)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.100.1.0/24", VpcPeeringConnectionId=pcx)
    group = ec2.create_security_group(GroupName="payments", Description="payments", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.100.0.0/16"}]}
        ],
    )
    # moto runs an instance of any image id (tests/unit/conftest.py: no default images)
    ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        PrivateIpAddress="10.0.1.25",
        SecurityGroupIds=[group],
    )
    return {"vpc": vpc, "subnet": subnet, "other": other, "table": table, "group": group, "pcx": pcx}


def test_reads_the_provider_half(capsys):
    ids = provider_account()
    result = run(
        {
            "targets": [
                {"ip": "10.0.1.25", "port": 8080, "service": "payments"},
                {"ip": "10.0.2.9", "port": 8080, "service": "payments"},
            ],
            "source_cidrs": GATEWAY_CIDRS,
        },
        capsys,
    )
    assert result["changed"] is False
    snapshot = result["provider"]
    assert snapshot["account_id"] == "123456789012" and snapshot["region"] == REGION
    first, second = snapshot["targets"]
    assert first["eni"]["status"] == "in-use"
    assert first["eni"]["security_group_ids"] == [ids["group"]]
    assert (first["vpc_id"], first["subnet_id"]) == (ids["vpc"], ids["subnet"])
    # No interface at the second IP: VPC and subnet still found from their CIDRs.
    assert second["eni"] is None
    assert (second["vpc_id"], second["subnet_id"]) == (ids["vpc"], ids["other"])
    assert [vpc["id"] for vpc in snapshot["vpcs"]] == [ids["vpc"]]
    tables = {table["id"]: table for table in snapshot["route_tables"]}
    assert tables[ids["table"]]["subnet_ids"] == [ids["subnet"]]
    assert {"destination": "10.100.1.0/24", "target": ids["pcx"], "target_type": "peering"}.items() <= next(
        r for r in tables[ids["table"]]["routes"] if r["destination"] == "10.100.1.0/24"
    ).items()
    assert any(table["main"] for table in snapshot["route_tables"])
    assert [group["id"] for group in snapshot["security_groups"]] == [ids["group"]]
    rule = snapshot["security_groups"][0]["ingress"][0]
    assert (rule["protocol"], rule["from_port"], rule["to_port"], rule["cidrs"]) == (
        "tcp",
        8080,
        8080,
        ["10.100.0.0/16"],
    )
    # Only the peerings of the provider VPC, even though moto ignores the filters.
    assert [peering["id"] for peering in snapshot["peerings"]] == [ids["pcx"]]
    assert snapshot["peerings"][0]["status"] == "active"

    checks = {check["ip"]: check for check in snapshot["checks"]}
    assert checks["10.0.1.25"]["admitted"] == GATEWAY_CIDRS and checks["10.0.1.25"]["missing"] == []
    routes = {route["cidr"]: route for route in checks["10.0.1.25"]["routes"]}
    assert routes["10.100.1.0/24"]["via_peering"] is True
    assert routes["10.100.2.0/24"]["via_peering"] is False
    assert checks["10.0.1.25"]["ok"] is False
    assert checks["10.0.2.9"]["missing"] == GATEWAY_CIDRS


def test_check_mode_reads_the_same(capsys):
    provider_account()
    args = {"targets": [{"ip": "10.0.1.25"}]}
    normal = run(args, capsys)
    checked = run(args, capsys, check_mode=True)
    assert checked["provider"] == normal["provider"]
    assert checked["provider"]["checks"] == []


def test_ip_nowhere(capsys):
    provider_account()
    snapshot = run({"targets": [{"ip": "172.16.0.9"}]}, capsys)["provider"]
    assert snapshot["targets"] == [
        {"ip": "172.16.0.9", "port": None, "service": None, "eni": None, "vpc_id": None, "subnet_id": None}
    ]
    assert snapshot["vpcs"] == [] and snapshot["route_tables"] == [] and snapshot["security_groups"] == []


def test_invalid_input_fails_before_any_call(capsys):
    with mock.patch.object(provider_path_info.AnsibleAWSModule, "client", side_effect=AssertionError("no AWS call")):
        result = run({"targets": [{"ip": "10.0.1.300"}], "source_cidrs": ["10.100.1.1/24"]}, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("targets[0].ip: '10.0.1.300' is not an IPv4 address")
    assert "source_cidrs[0]: '10.100.1.1/24' is not a valid IPv4 CIDR block" in result["msg"]


def test_normalise_rule_and_route():
    rule = path_reads.normalise_rule(
        {
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "111111111111"}],
            "PrefixListIds": [{"PrefixListId": "pl-1"}],
        }
    )
    assert rule == {
        "protocol": "-1",
        "from_port": None,
        "to_port": None,
        "cidrs": ["0.0.0.0/0"],
        "group_pairs": [{"group_id": "sg-1", "user_id": "111111111111", "peering_id": None}],
        "prefix_list_ids": ["pl-1"],
    }
    assert (
        path_reads.normalise_route({"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"})[
            "target_type"
        ]
        == "local"
    )
    route = path_reads.normalise_route(
        {"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-1", "State": "blackhole"}
    )
    assert (route["target"], route["target_type"], route["state"]) == ("tgw-1", "transit_gateway", "blackhole")


# ---------------------------------------------------------------------------------------------
# Transit gateway (connectivity transit_gateway): this account's attachments and RAM invitations
# ---------------------------------------------------------------------------------------------

TARGETS = [{"ip": "10.0.1.25", "port": 8080, "service": "payments"}]


def attached(ids):
    """The provider VPC attached to a transit gateway (as if shared by the gateway account), the service
    subnet's route table sending the second gateway subnet to it, and another VPC's attachment."""
    ec2 = boto3.client("ec2", region_name=REGION)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=ids["vpc"], SubnetIds=[ids["subnet"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    elsewhere = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=elsewhere, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=elsewhere, SubnetIds=[subnet])
    ec2.create_route(RouteTableId=ids["table"], DestinationCidrBlock="10.100.2.0/24", TransitGatewayId=tgw)
    return tgw, attachment


def test_without_transit_gateway_no_transit_gateway_or_ram_call(capsys, monkeypatch):
    ids = provider_account()
    attached(ids)
    calls = record_api_calls(monkeypatch)
    snapshot = run({"targets": TARGETS, "source_cidrs": GATEWAY_CIDRS}, capsys)["provider"]
    assert "transit_gateway" not in snapshot
    assert not [name for name in calls if "TransitGateway" in name or "ResourceShare" in name]
    # The route to the transit gateway keeps its target, and is not a way back without the option.
    routes = {route["cidr"]: route for route in snapshot["checks"][0]["routes"]}
    assert routes["10.100.2.0/24"]["via_peering"] is False and "via_transit_gateway" not in routes["10.100.2.0/24"]


def test_reads_the_attachments_of_its_vpc_and_the_invitations_in_two_calls(capsys, monkeypatch):
    ids = provider_account()
    tgw, attachment = attached(ids)
    calls = record_api_calls(monkeypatch)
    run({"targets": TARGETS, "source_cidrs": GATEWAY_CIDRS}, capsys)
    without = list(calls)
    calls.clear()
    snapshot = run({"targets": TARGETS, "source_cidrs": GATEWAY_CIDRS, "transit_gateway": True}, capsys)["provider"]
    # The calls of a peering provider, then one for the attachments and one for the invitations.
    assert calls == without + ["DescribeTransitGatewayVpcAttachments", "GetResourceShareInvitations"]
    side = snapshot["transit_gateway"]
    # Only its own VPC's attachment, although the filter is the API's to honour.
    assert [
        (item["id"], item["transit_gateway_id"], item["vpc_id"], item["state"]) for item in side["attachments"]
    ] == [(attachment, tgw, ids["vpc"], "available")]
    assert side["attachments"][0]["subnet_ids"] == [ids["subnet"]]
    # moto has no RAM invitations: the read says why instead of failing.
    assert (side["invitations"] is None) == (side["invitations_error"] is not None)
    table = next(item for item in snapshot["route_tables"] if item["id"] == ids["table"])
    route = next(item for item in table["routes"] if item["destination"] == "10.100.2.0/24")
    assert (route["target"], route["target_type"]) == (tgw, "transit_gateway")
    routes = {route["cidr"]: route for route in snapshot["checks"][0]["routes"]}
    assert routes["10.100.1.0/24"]["via_peering"] is True and routes["10.100.1.0/24"]["via_transit_gateway"] is False
    assert routes["10.100.2.0/24"]["via_peering"] is False and routes["10.100.2.0/24"]["via_transit_gateway"] is True
    assert snapshot["checks"][0]["ok"] is True


def test_invitations_are_kept_without_their_other_keys(capsys, monkeypatch):
    provider_account()
    raw = {
        "resourceShareInvitationArn": "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/1",
        "resourceShareName": "open-banking-tgw",
        "resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/1",
        "senderAccountId": "111111111111",
        "receiverAccountId": "123456789012",
        "status": "PENDING",
        "receiverArn": "arn:aws:iam::123456789012:root",
    }
    monkeypatch.setattr(provider_path_info.ram_shares, "get_resource_share_invitations", lambda client: [raw])
    side = run({"targets": TARGETS, "transit_gateway": True}, capsys)["provider"]["transit_gateway"]
    assert side["invitations"] == [
        {
            "arn": raw["resourceShareInvitationArn"],
            "share_arn": raw["resourceShareArn"],
            "share_name": "open-banking-tgw",
            "sender_account_id": "111111111111",
            "receiver_account_id": "123456789012",
            "status": "PENDING",
        }
    ]
    assert side["invitations_error"] is None


def test_no_vpc_no_attachment_call(capsys, monkeypatch):
    provider_account()
    calls = record_api_calls(monkeypatch)
    side = run({"targets": [{"ip": "172.16.0.9"}], "transit_gateway": True}, capsys)["provider"]["transit_gateway"]
    assert side["attachments"] == [] and "DescribeTransitGatewayVpcAttachments" not in calls
