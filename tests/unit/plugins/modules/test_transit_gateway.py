# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""transit_gateway against moto in-process (no network), in three accounts, every API call counted.

The gateway account is moto's default account; the provider account (a spoke) and a stranger's account
are reached with credentials of roles assumed in moto. moto 5.2.5 has neither RAM invitations nor
cross-account transit gateway attachments, so every test applies the emulator's patches G32 (RAM) and
G33 (transit gateway shared through RAM) in-process for its duration (tools/emulator/patches.py).
"""

import importlib.util
import json
import os

import boto3
import botocore.client
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import transit_gateway

from .moto_harness import mocked_aws, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY_ACCOUNT = "123456789012"  # moto's default account
PROVIDER_ACCOUNT = "222222222222"
STRANGER_ACCOUNT = "999999999999"
OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "gw"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

# What a run with nothing to change reads, whatever the number of spokes.
NO_OP_CALLS = [
    "DescribeTransitGateways",
    "GetResourceShares",
    "GetResourceShareAssociations",
    "GetResourceShareAssociations",
    "DescribeTransitGatewayRouteTables",
    "DescribeTransitGatewayVpcAttachments",
    "GetTransitGatewayRouteTableAssociations",
    "GetTransitGatewayRouteTablePropagations",
    "GetTransitGatewayRouteTableAssociations",
    "GetTransitGatewayRouteTablePropagations",
]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    """moto with the emulator's G32 and G33, undone after the test."""
    with mocked_aws(monkeypatch, REGION):
        spec = importlib.util.spec_from_file_location(
            "emulator_patches", os.path.join(ROOT, "tools", "emulator", "patches.py")
        )
        patches = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(patches)
        if not hasattr(patches, "patch_G33"):
            pytest.skip("the emulator's patches G32/G33 are not there yet")
        patches.undoable(monkeypatch)
        patches.patch_G32()
        patches.patch_G33()
        yield


@pytest.fixture
def calls(monkeypatch):
    """``(operation name, parameters)`` of every API call made from now on."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        recorded.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


def names(calls):
    return [name for name, _params in calls]


def session(account=None):
    """boto3 keyword arguments of a role assumed in ``account`` (moto's default account when None)."""
    if account is None:
        return {}
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/deployer", RoleSessionName="unit-test"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


class Account:
    def __init__(self, account=None):
        creds = session(account)
        self.ec2 = boto3.client("ec2", region_name=REGION, **creds)
        self.ram = boto3.client("ram", region_name=REGION, **creds)

    def vpc(self, cidr, zones):
        vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        base = cidr.rsplit(".", 2)[0]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"{base}.{index + 1}.0/24", AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for index, zone in enumerate(zones)
        ]
        return vpc, subnets

    def accept_invitations(self):
        for invitation in self.ram.get_resource_share_invitations()["resourceShareInvitations"]:
            if invitation["status"] == "PENDING":
                self.ram.accept_resource_share_invitation(
                    resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
                )

    def attach(self, tgw_id, vpc, subnets):
        self.accept_invitations()
        return self.ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc, SubnetIds=subnets)[
            "TransitGatewayVpcAttachment"
        ]["TransitGatewayAttachmentId"]


@pytest.fixture
def net():
    gateway = Account()
    provider = Account(PROVIDER_ACCOUNT)
    hub_vpc, hub_subnets = gateway.vpc("10.100.0.0/16", "aba")
    vpc, subnets = provider.vpc("10.1.0.0/16", "a")
    other_vpc, other_subnets = provider.vpc("10.2.0.0/16", "b")
    return {
        "gateway": gateway,
        "provider": provider,
        "hub_vpc": hub_vpc,
        "hub_subnets": hub_subnets[:2],
        "same_zone_subnet": hub_subnets[2],
        "vpc": vpc,
        "subnets": subnets,
        "other_vpc": other_vpc,
        "other_subnets": other_subnets,
    }


def args(net, **extra):
    base = dict(
        gateway="gw",
        name="gw-tgw",
        route_tables={"hub": "gw-hub", "spokes": "gw-spokes"},
        hub={"vpc_id": net["hub_vpc"], "subnet_ids": net["hub_subnets"], "name": "gw-hub"},
        share={"name": "gw-share", "principals": [PROVIDER_ACCOUNT]},
        tags={"CostCenter": "platform"},
    )
    base.update(extra)
    return base


def spoke(net, **extra):
    return dict(
        {"name": "payments", "account_id": PROVIDER_ACCOUNT, "vpc_id": net["vpc"], "cidrs": ["10.1.0.0/16"]}, **extra
    )


def run(params, capsys, check_mode=False):
    return run_module(transit_gateway.main, params, capsys, check_mode, REGION)


def snapshot(net):
    """Everything of the gateway account the module may change, as plain data."""
    ec2, ram = net["gateway"].ec2, net["gateway"].ram
    tgws = ec2.describe_transit_gateways()["TransitGateways"]
    tables = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    links = {
        table["TransitGatewayRouteTableId"]: (
            ec2.get_transit_gateway_route_table_associations(
                TransitGatewayRouteTableId=table["TransitGatewayRouteTableId"]
            )["Associations"],
            ec2.get_transit_gateway_route_table_propagations(
                TransitGatewayRouteTableId=table["TransitGatewayRouteTableId"]
            )["TransitGatewayRouteTablePropagations"],
        )
        for table in tables
    }
    shares = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    principals = ram.get_resource_share_associations(associationType="PRINCIPAL")["resourceShareAssociations"]
    data = {
        "tgws": tgws,
        "tables": tables,
        "attachments": ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"],
        "links": links,
        "shares": shares,
        "principals": principals,
    }
    return json.loads(json.dumps(data, default=str))


def links_of(net, table_id):
    """``(associated attachment ids, propagating attachment ids)`` of a route table."""
    ec2 = net["gateway"].ec2
    associations = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table_id)
    propagations = ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=table_id)
    return (
        sorted(a["TransitGatewayAttachmentId"] for a in associations["Associations"] if a["State"] == "associated"),
        sorted(
            p["TransitGatewayAttachmentId"]
            for p in propagations["TransitGatewayRouteTablePropagations"]
            if p["State"] == "enabled"
        ),
    )


# ---------------------------------------------------------------------------------------------
# Create, check mode, no-op
# ---------------------------------------------------------------------------------------------


def test_check_mode_then_create_then_nothing_to_do(net, capsys, calls):
    before = snapshot(net)
    del calls[:]
    checked = run(args(net), capsys, check_mode=True)
    assert checked["changed"] is True
    assert writes(names(calls)) == []
    assert names(calls) == ["DescribeTransitGateways", "GetResourceShares", "DescribeSubnets"]
    assert snapshot(net) == before
    assert checked["transit_gateway"]["id"] is None and checked["route_tables"] == {"hub": None, "spokes": None}
    assert checked["hub_attachment"]["id"] is None and checked["share"]["arn"] is None
    assert checked["share"]["principals"] == [{"id": PROVIDER_ACCOUNT, "status": None}]
    assert checked["actions"] == [
        "create transit gateway gw-tgw",
        "create hub route table gw-hub",
        "create spokes route table gw-spokes",
        f"attach hub VPC {net['hub_vpc']} ({', '.join(sorted(net['hub_subnets']))})",
        f"create RAM share gw-share with {PROVIDER_ACCOUNT}",
        "associate hub gw-hub (new) with hub route table (new hub route table)",
        "propagate hub gw-hub (new) into spokes route table (new spokes route table)",
    ]
    assert checked["diff"]["before"] == {"transit_gateway": {}, "hub_attachment": {}, "share": {}, "route_tables": {}}
    after = checked["diff"]["after"]
    assert after["transit_gateway"]["id"] == "(new)" and after["transit_gateway"]["amazon_side_asn"] == 64512
    assert after["route_tables"]["hub"]["associations"] == ["hub gw-hub (new)"]
    assert after["route_tables"]["spokes"]["propagations"] == ["hub gw-hub (new)"]
    assert after["share"]["principals"] == [PROVIDER_ACCOUNT]

    del calls[:]
    result = run(args(net), capsys)
    assert result["changed"] is True
    assert [line.split(" (")[0] for line in result["actions"]] == [line.split(" (")[0] for line in checked["actions"]]
    assert writes(names(calls)) == [
        "CreateTransitGateway",
        "CreateTransitGatewayRouteTable",
        "CreateTransitGatewayRouteTable",
        "CreateTransitGatewayVpcAttachment",
        "CreateResourceShare",
        "AssociateTransitGatewayRouteTable",
        "EnableTransitGatewayRouteTablePropagation",
    ]
    creation = dict(calls)["CreateTransitGateway"]
    assert creation["Options"] == {
        "AutoAcceptSharedAttachments": "disable",
        "DefaultRouteTableAssociation": "disable",
        "DefaultRouteTablePropagation": "disable",
        "DnsSupport": "enable",
        "AmazonSideAsn": 64512,
        "VpnEcmpSupport": "enable",
    }
    tgw = result["transit_gateway"]
    assert tgw["id"].startswith("tgw-") and tgw["owner_id"] == GATEWAY_ACCOUNT and tgw["state"] == "available"
    assert tgw["tags"] == dict(OURS, Name="gw-tgw", CostCenter="platform")
    tables, hub = result["route_tables"], result["hub_attachment"]
    assert hub["state"] == "available" and hub["subnet_ids"] == sorted(net["hub_subnets"])
    assert links_of(net, tables["hub"]) == ([hub["id"]], [])
    assert links_of(net, tables["spokes"]) == ([], [hub["id"]])
    attachment = net["gateway"].ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[hub["id"]])
    assert {t["Key"]: t["Value"] for t in attachment["TransitGatewayVpcAttachments"][0]["Tags"]} == dict(
        OURS, Name="gw-hub", CostCenter="platform"
    )
    share = net["gateway"].ram.get_resource_shares(resourceOwner="SELF", name="gw-share")["resourceShares"][0]
    assert result["share"]["arn"] == share["resourceShareArn"]
    resources = net["gateway"].ram.get_resource_share_associations(
        associationType="RESOURCE", resourceShareArns=[share["resourceShareArn"]]
    )["resourceShareAssociations"]
    assert [item["associatedEntity"] for item in resources] == [tgw["arn"]]
    assert result["share"]["principals"][0]["id"] == PROVIDER_ACCOUNT
    assert result["diff"]["after"]["route_tables"]["hub"]["associations"] == [f"hub gw-hub ({hub['id']})"]

    del calls[:]
    again = run(args(net), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert names(calls) == NO_OP_CALLS
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["share"]["principals"] == [{"id": PROVIDER_ACCOUNT, "status": "ASSOCIATING"}]
    assert again["transit_gateway"]["id"] == tgw["id"] and again["route_tables"] == tables


# ---------------------------------------------------------------------------------------------
# Spokes: accept, associate, propagate; unexpected; isolation; purge
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def hub(net, capsys):
    return run(args(net, spokes=[spoke(net)]), capsys)


def test_spoke_missing_then_accepted_associated_propagated(net, hub, capsys, calls):
    assert hub["spokes"] == [
        {
            "name": "payments",
            "account_id": PROVIDER_ACCOUNT,
            "vpc_id": net["vpc"],
            "cidrs": ["10.1.0.0/16"],
            "attachment_id": None,
            "state": "missing",
            "associated": False,
            "propagated": False,
            "ready": False,
            "accepted_now": False,
        }
    ]
    tgw_id, tables, hub_id = hub["transit_gateway"]["id"], hub["route_tables"], hub["hub_attachment"]["id"]
    attachment = net["provider"].attach(tgw_id, net["vpc"], net["subnets"])
    unexpected = net["provider"].attach(tgw_id, net["other_vpc"], net["other_subnets"])

    before = snapshot(net)
    del calls[:]
    checked = run(args(net, spokes=[spoke(net)]), capsys, check_mode=True)
    assert writes(names(calls)) == [] and snapshot(net) == before
    assert checked["changed"] is True
    assert checked["spokes"][0]["state"] == "pendingAcceptance" and checked["spokes"][0]["accepted_now"] is True
    assert checked["spokes"][0]["associated"] and checked["spokes"][0]["propagated"]
    assert checked["spokes"][0]["ready"] is False

    del calls[:]
    result = run(args(net, spokes=[spoke(net)]), capsys)
    assert result["changed"] is True
    assert writes(names(calls)) == [
        "AcceptTransitGatewayVpcAttachment",
        "AssociateTransitGatewayRouteTable",
        "EnableTransitGatewayRouteTablePropagation",
    ]
    assert result["actions"] == [
        f"accept attachment {attachment} of spoke payments",
        f"associate spoke payments ({attachment}) with spokes route table {tables['spokes']}",
        f"propagate spoke payments ({attachment}) into hub route table {tables['hub']}",
    ]
    assert result["spokes"][0] == dict(
        hub["spokes"][0],
        attachment_id=attachment,
        state="available",
        associated=True,
        propagated=True,
        ready=True,
        accepted_now=True,
    )
    assert links_of(net, tables["spokes"]) == ([attachment], [hub_id])
    assert links_of(net, tables["hub"]) == ([hub_id], [attachment])
    # the stranger VPC's attachment is reported, never accepted
    assert result["unexpected"] == [
        {
            "attachment_id": unexpected,
            "account_id": PROVIDER_ACCOUNT,
            "vpc_id": net["other_vpc"],
            "state": "pendingAcceptance",
        }
    ]
    assert f"attachment {unexpected} of VPC {net['other_vpc']}" in json.dumps(result["warnings"])
    state = net["gateway"].ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[unexpected])
    assert state["TransitGatewayVpcAttachments"][0]["State"] == "pendingAcceptance"
    spokes_diff = result["diff"]["after"]["route_tables"]["spokes"]
    assert spokes_diff["associations"] == [f"spoke payments ({attachment})"]
    assert result["diff"]["before"]["route_tables"]["spokes"]["associations"] == []

    # nothing per spoke on a no-op
    del calls[:]
    again = run(args(net, spokes=[spoke(net)]), capsys)
    assert again["changed"] is False and names(calls) == NO_OP_CALLS
    assert again["spokes"][0]["ready"] is True and again["spokes"][0]["accepted_now"] is False

    # a spoke whose VPC is not known in this run: its attachment is left as it is
    del calls[:]
    unknown = run(args(net, spokes=[spoke(net, vpc_id="")], purge=True), capsys)
    assert unknown["changed"] is False and names(calls) == NO_OP_CALLS
    assert unknown["spokes"][0]["state"] == "unknown" and unknown["spokes"][0]["attachment_id"] is None
    assert unknown["unexpected"] == []


def test_drift_is_fixed_and_spokes_stay_isolated(net, hub, capsys, calls):
    tgw_id, tables, hub_id = hub["transit_gateway"]["id"], hub["route_tables"], hub["hub_attachment"]["id"]
    attachment = net["provider"].attach(tgw_id, net["vpc"], net["subnets"])
    run(args(net, spokes=[spoke(net)]), capsys)
    ec2 = net["gateway"].ec2
    # by hand: the spoke moved to the hub route table, and propagating into the spokes route table
    ec2.disassociate_transit_gateway_route_table(
        TransitGatewayRouteTableId=tables["spokes"], TransitGatewayAttachmentId=attachment
    )
    ec2.associate_transit_gateway_route_table(
        TransitGatewayRouteTableId=tables["hub"], TransitGatewayAttachmentId=attachment
    )
    ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=tables["spokes"], TransitGatewayAttachmentId=attachment
    )
    del calls[:]
    result = run(args(net, spokes=[spoke(net)]), capsys)
    assert result["changed"] is True
    assert writes(names(calls)) == [
        "DisassociateTransitGatewayRouteTable",
        "AssociateTransitGatewayRouteTable",
        "DisableTransitGatewayRouteTablePropagation",
    ]
    assert (
        "GetTransitGatewayRouteTableAssociations"
        in names(calls)[names(calls).index("DisassociateTransitGatewayRouteTable") :]
    )
    assert result["isolation"] == [
        {
            "attachment_id": attachment,
            "account_id": PROVIDER_ACCOUNT,
            "vpc_id": net["vpc"],
            "route_table_id": tables["spokes"],
        }
    ]
    assert links_of(net, tables["spokes"]) == ([attachment], [hub_id])
    assert links_of(net, tables["hub"]) == ([hub_id], [attachment])
    assert result["diff"]["before"]["route_tables"]["spokes"]["propagations"] == sorted(
        [f"hub gw-hub ({hub_id})", f"spoke payments ({attachment})"]
    )
    assert result["diff"]["after"]["route_tables"]["spokes"]["propagations"] == [f"hub gw-hub ({hub_id})"]

    # the hub's own association removed by hand comes back too
    ec2.disassociate_transit_gateway_route_table(
        TransitGatewayRouteTableId=tables["hub"], TransitGatewayAttachmentId=hub_id
    )
    del calls[:]
    result = run(args(net, spokes=[spoke(net)]), capsys)
    assert writes(names(calls)) == ["AssociateTransitGatewayRouteTable"]
    assert links_of(net, tables["hub"]) == ([hub_id], [attachment])


def test_purge_unlinks_an_unlisted_vpc_and_never_deletes_it(net, hub, capsys, calls):
    tgw_id, tables, hub_id = hub["transit_gateway"]["id"], hub["route_tables"], hub["hub_attachment"]["id"]
    attachment = net["provider"].attach(tgw_id, net["vpc"], net["subnets"])
    run(args(net, spokes=[spoke(net)]), capsys)
    # the provider left the inventory: without purge, only its (absent) isolation breaches would go
    del calls[:]
    kept = run(args(net, spokes=[]), capsys)
    assert kept["changed"] is False and names(calls) == NO_OP_CALLS
    del calls[:]
    purged = run(args(net, spokes=[], purge=True), capsys)
    assert purged["changed"] is True
    assert writes(names(calls)) == [
        "DisassociateTransitGatewayRouteTable",
        "DisableTransitGatewayRouteTablePropagation",
    ]
    assert links_of(net, tables["spokes"]) == ([], [hub_id])
    assert links_of(net, tables["hub"]) == ([hub_id], [])
    state = net["gateway"].ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[attachment])
    assert state["TransitGatewayVpcAttachments"][0]["State"] == "available"
    assert purged["diff"]["before"]["route_tables"]["hub"]["propagations"] == [
        f"{attachment} ({PROVIDER_ACCOUNT}, {net['vpc']})"
    ]


def test_absent_refuses_while_a_provider_is_attached_then_removes_what_is_ours(net, hub, capsys, calls):
    tgw_id = hub["transit_gateway"]["id"]
    attachment = net["provider"].attach(tgw_id, net["vpc"], net["subnets"])
    absent = dict(state="absent", gateway="gw", name="gw-tgw", share={"name": "gw-share"})
    before = snapshot(net)
    del calls[:]
    for check_mode in (True, False):
        refused = run(absent, capsys, check_mode=check_mode)
        assert refused["failed"] is True and refused["changed"] is False
        assert f"{attachment} (account {PROVIDER_ACCOUNT}, vpc {net['vpc']}, pendingAcceptance)" in refused["msg"]
        assert "the provider accounts must remove their attachments first" in refused["msg"]
    assert writes(names(calls)) == [] and snapshot(net) == before

    net["provider"].ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
    before = snapshot(net)
    checked = run(absent, capsys, check_mode=True)
    assert checked["changed"] is True and snapshot(net) == before
    del calls[:]
    result = run(absent, capsys)
    assert result["changed"] is True and result["actions"] == checked["actions"]
    assert writes(names(calls)) == [
        "DisassociateTransitGatewayRouteTable",
        "DisableTransitGatewayRouteTablePropagation",
        "DeleteTransitGatewayVpcAttachment",
        "DeleteTransitGatewayRouteTable",
        "DeleteTransitGatewayRouteTable",
        "DeleteResourceShare",
        "DeleteTransitGateway",
    ]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["transit_gateway"]["id"] == tgw_id
    gone = net["gateway"].ec2.describe_transit_gateways(Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]}])
    assert all(entry["State"] in ("deleting", "deleted") for entry in gone["TransitGateways"])
    assert snapshot(net)["shares"][0]["status"] == "DELETED"
    del calls[:]
    again = run(absent, capsys)
    assert again["changed"] is False and writes(names(calls)) == []


# ---------------------------------------------------------------------------------------------
# Refusals and fixes of what exists
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"amazon_side_asn": 100},
            "amazon_side_asn: 100 is not a private ASN (64512 to 65534, or 4200000000 to 4294967294)",
        ),
        (
            {"share": {"name": "gw-share", "principals": ["12345"]}},
            "share.principals[0]: '12345' is not a 12-digit AWS account id",
        ),
        ({"tags": {"Name": "x"}}, "tags.Name: the module names each resource itself"),
        ({"route_tables": {"hub": "rt", "spokes": "rt"}}, "route_tables.spokes: 'rt' is also route_tables.hub"),
        (
            {"spokes": [{"name": "a", "account_id": PROVIDER_ACCOUNT}, {"name": "a", "account_id": "1"}]},
            "spokes[1].name: 'a' is listed twice (spokes[0] and spokes[1])",
        ),
        ({"spokes": [{"name": "a", "account_id": "1"}]}, "spokes[0].account_id: '1' is not a 12-digit AWS account id"),
        (
            {"spokes": [{"name": "a", "account_id": PROVIDER_ACCOUNT, "vpc_id": "subnet-1"}]},
            "spokes[0].vpc_id: 'subnet-1' is not a VPC id",
        ),
        (
            {"share": {"name": "s", "organization_arn": "o-123"}},
            "share.organization_arn: 'o-123' is not an organization ARN",
        ),
    ],
)
def test_bad_input_fails_naming_the_field_before_any_call(net, capsys, calls, changes, message):
    del calls[:]
    result = run(args(net, **changes), capsys)
    assert result["failed"] is True and message in result["msg"]
    assert calls == []


def test_two_subnets_in_one_zone_fail_after_one_describe(net, capsys, calls):
    subnets = [net["hub_subnets"][0], net["same_zone_subnet"]]
    del calls[:]
    result = run(args(net, hub={"vpc_id": net["hub_vpc"], "subnet_ids": subnets, "name": "h"}), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert f"hub.subnet_ids[1]: {subnets[1]} is in us-east-1a like {subnets[0]} (hub.subnet_ids[0])" in result["msg"]
    assert names(calls) == ["DescribeTransitGateways", "GetResourceShares", "DescribeSubnets"]


def test_a_same_named_transit_gateway_not_ours_is_refused(net, capsys, calls):
    foreign = net["gateway"].ec2.create_transit_gateway(
        TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "gw-tgw"}]}]
    )["TransitGateway"]["TransitGatewayId"]
    del calls[:]
    result = run(args(net), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert f"name: the transit gateway named 'gw-tgw' ({foreign}) is not ours" in result["msg"]
    assert writes(names(calls)) == []
    # absent leaves it alone
    gone = run(dict(state="absent", gateway="gw", name="gw-tgw"), capsys)
    assert gone["changed"] is False


def test_options_subnets_and_principals_drift_are_fixed(net, hub, capsys, calls):
    ec2, tgw_id = net["gateway"].ec2, hub["transit_gateway"]["id"]
    ec2.modify_transit_gateway(
        TransitGatewayId=tgw_id, Options={"DnsSupport": "disable", "AutoAcceptSharedAttachments": "enable"}
    )
    del calls[:]
    result = run(
        args(
            net,
            hub=dict(args(net)["hub"], subnet_ids=net["hub_subnets"][:1]),
            share={"name": "gw-share", "principals": [STRANGER_ACCOUNT]},
        ),
        capsys,
    )
    assert result["changed"] is True
    assert writes(names(calls)) == [
        "ModifyTransitGateway",
        "ModifyTransitGatewayVpcAttachment",
        "AssociateResourceShare",
        "DisassociateResourceShare",
    ]
    assert dict(calls)["ModifyTransitGateway"]["Options"] == {
        "AutoAcceptSharedAttachments": "disable",
        "DnsSupport": "enable",
    }
    assert dict(calls)["ModifyTransitGatewayVpcAttachment"]["RemoveSubnetIds"] == [net["hub_subnets"][1]]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["transit_gateway"]["dns_support"] == "disable" and after["transit_gateway"]["dns_support"] == "enable"
    assert before["transit_gateway"]["auto_accept_shared_attachments"] == "enable"
    assert before["hub_attachment"]["subnet_ids"] == sorted(net["hub_subnets"])
    assert after["hub_attachment"]["subnet_ids"] == net["hub_subnets"][:1]
    assert before["share"]["principals"] == [PROVIDER_ACCOUNT] and after["share"]["principals"] == [STRANGER_ACCOUNT]
    assert result["share"]["principals"] == [{"id": STRANGER_ACCOUNT, "status": "ASSOCIATING"}]
    options = ec2.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"][0]["Options"]
    assert options["DnsSupport"] == "enable" and options["AutoAcceptSharedAttachments"] == "disable"


def test_asn_change_is_one_modify_call(net, hub, capsys, calls):
    del calls[:]
    result = run(args(net, amazon_side_asn=4200000000), capsys)
    assert result["changed"] is True and writes(names(calls)) == ["ModifyTransitGateway"]
    assert dict(calls)["ModifyTransitGateway"]["Options"] == {"AmazonSideAsn": 4200000000}
    assert result["diff"]["before"]["transit_gateway"]["amazon_side_asn"] == 64512
    assert result["diff"]["after"]["transit_gateway"]["amazon_side_asn"] == 4200000000
    assert run(args(net, amazon_side_asn=4200000000), capsys)["changed"] is False


def test_plan_links_keeps_the_hub_pending_and_unknown_accounts():
    """Pure: isolation spares the hub's propagation; purge spares listed, kept and pending attachments."""
    ctx = {
        "associations": {"hub": {"hub-1", "s-1", "x-1"}, "spokes": {"k-1"}},
        "propagations": {"hub": {"x-1", "k-1"}, "spokes": {"hub-1", "s-1", "k-1"}},
        "hub_id": "hub-1",
        "hub": "hub-1",
        "spokes": {"s-1"},
        "listed": {"hub-1", "s-1"},
        "kept": {"k-1"},
    }
    ops, after = transit_gateway.plan_links(ctx, purge=True)
    assert ops == [
        ("disassociate", "hub", "s-1"),
        ("disassociate", "hub", "x-1"),
        ("associate", "spokes", "s-1"),
        ("disable", "spokes", "k-1"),
        ("disable", "spokes", "s-1"),
        ("disable", "hub", "x-1"),
        ("enable", "hub", "s-1"),
    ]
    assert after["associations"] == {"hub": {"hub-1"}, "spokes": {"k-1", "s-1"}}
    assert after["propagations"] == {"hub": {"k-1", "s-1"}, "spokes": {"hub-1"}}
    without_purge, _after = transit_gateway.plan_links(ctx, purge=False)
    assert ("disable", "hub", "x-1") not in without_purge and ("disable", "spokes", "k-1") in without_purge
    # the hub not available yet: nothing for it, its propagation still spared
    ops, _after = transit_gateway.plan_links(dict(ctx, hub=None, spokes=set()), purge=False)
    assert ops == [("disable", "spokes", "k-1"), ("disable", "spokes", "s-1")]


def test_an_attached_account_stays_a_principal_until_its_attachment_is_gone(net, hub, capsys, calls):
    tgw_id = hub["transit_gateway"]["id"]
    attachment = net["provider"].attach(tgw_id, net["vpc"], net["subnets"])
    run(args(net, spokes=[spoke(net)]), capsys)
    # The provider moves back to peering: the plan no longer names its account, but its attachment carries
    # the path until the provider deletes it (after the path verified on the peering).
    del calls[:]
    kept = run(args(net, share={"name": "gw-share", "principals": []}, spokes=[spoke(net)]), capsys)
    assert kept["changed"] is False
    assert "DisassociateResourceShare" not in names(calls)
    assert [p["id"] for p in kept["share"]["principals"]] == [PROVIDER_ACCOUNT]
    assert "stays a principal while its attachment" in json.dumps(kept.get("warnings")), kept.get("warnings")
    net["provider"].ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
    gone = run(args(net, share={"name": "gw-share", "principals": []}, spokes=[spoke(net)]), capsys)
    assert gone["changed"] is True
    assert gone["share"]["principals"] == []


# ---------------------------------------------------------------------------------------------
# check_mode_gone: a dry run of the teardown, where the providers' earlier tasks deleted nothing
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def linked(net, hub, capsys):
    """The hub with the provider's spoke attached, accepted, associated and propagating."""
    attachment = net["provider"].attach(hub["transit_gateway"]["id"], net["vpc"], net["subnets"])
    assert run(args(net, spokes=[spoke(net)]), capsys)["spokes"][0]["ready"] is True
    return attachment


ABSENT = dict(state="absent", gateway="gw", name="gw-tgw", share={"name": "gw-share"})


@pytest.mark.parametrize("by", ["attachment", "vpc"])
def test_check_mode_gone_counts_a_listed_attachment_as_deleted(net, linked, capsys, calls, by):
    attachment = linked
    listed = attachment if by == "attachment" else net["vpc"]
    before = snapshot(net)
    del calls[:]
    checked = run(dict(ABSENT, check_mode_gone=[listed]), capsys, check_mode=True)
    assert not checked.get("failed"), checked.get("msg")
    assert checked["changed"] is True
    assert writes(names(calls)) == [] and snapshot(net) == before
    assert checked["check_mode_assumed_gone"] == [
        {"id": attachment, "account_id": PROVIDER_ACCOUNT, "vpc_id": net["vpc"], "state": "available"}
    ]
    # the provider's links go with its attachment: not in the plan
    assert not any(attachment in line for line in checked["actions"])
    assert [line.split(" ")[0] for line in checked["actions"]] == [
        "disassociate",
        "stop",
        "delete",
        "delete",
        "delete",
        "delete",
        "delete",
    ]
    assert checked["actions"][-1].startswith("delete transit gateway ")

    # what a real run does once the provider deleted its attachment: the same
    net["provider"].ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment)
    del calls[:]
    result = run(ABSENT, capsys)
    assert result["changed"] is True and result["actions"] == checked["actions"]
    assert result["check_mode_assumed_gone"] == []
    assert "DeleteTransitGateway" in writes(names(calls))


def test_check_mode_without_the_option_still_refuses_with_a_hint(net, linked, capsys, calls):
    del calls[:]
    refused = run(ABSENT, capsys, check_mode=True)
    assert refused["failed"] is True and refused["changed"] is False
    assert f"{linked} (account {PROVIDER_ACCOUNT}, vpc {net['vpc']}, available)" in refused["msg"]
    assert "In check mode, list in check_mode_gone the attachments" in refused["msg"]
    assert refused["check_mode_assumed_gone"] == []
    assert writes(names(calls)) == []


def test_check_mode_gone_is_ignored_outside_check_mode(net, linked, capsys, calls):
    before = snapshot(net)
    del calls[:]
    refused = run(dict(ABSENT, check_mode_gone=[linked, net["vpc"]]), capsys)
    assert refused["failed"] is True and refused["changed"] is False
    assert f"{linked} (account {PROVIDER_ACCOUNT}, vpc {net['vpc']}, available)" in refused["msg"]
    assert "the provider accounts must remove their attachments first" in refused["msg"]
    assert "In check mode" not in refused["msg"]
    assert refused["check_mode_assumed_gone"] == []
    assert writes(names(calls)) == [] and snapshot(net) == before


def test_check_mode_gone_refuses_naming_only_the_unlisted_attachments(net, hub, linked, capsys, calls):
    other = net["provider"].attach(hub["transit_gateway"]["id"], net["other_vpc"], net["other_subnets"])
    del calls[:]
    refused = run(dict(ABSENT, check_mode_gone=[net["vpc"]]), capsys, check_mode=True)
    assert refused["failed"] is True and refused["changed"] is False
    assert f"{other} (account {PROVIDER_ACCOUNT}, vpc {net['other_vpc']}, pendingAcceptance)" in refused["msg"]
    assert linked not in refused["msg"]
    assert "1 other attachment(s), listed in check_mode_gone, are counted as gone in check mode" in refused["msg"]
    assert refused["check_mode_assumed_gone"] == [
        {"id": linked, "account_id": PROVIDER_ACCOUNT, "vpc_id": net["vpc"], "state": "available"}
    ]
    assert writes(names(calls)) == []


@pytest.mark.parametrize("bad", ["", "subnet-0123456789abcdef0", "tgw-attach-", "tgw-0123456789abcdef0"])
def test_check_mode_gone_bad_element_fails_before_any_call(net, capsys, calls, bad):
    del calls[:]
    result = run(dict(ABSENT, check_mode_gone=[bad, "vpc-0123456789abcdef0"]), capsys, check_mode=True)
    assert result["failed"] is True
    assert (
        f"check_mode_gone[0]: {bad!r} is not the id of a Transit Gateway attachment (tgw-attach-...)" in result["msg"]
    )
    assert "check_mode_gone[1]" not in result["msg"]
    assert calls == []
