# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""transit_gateway_attachment: the pure choices, the input checks (no AWS call at all), and the module
against moto in-process in three accounts, every API call counted.

The gateway account (moto's default) owns the transit gateway and shares it through AWS RAM with the
provider account; a stranger's account shares something else with the provider too. Moto alone has no
cross-account RAM invitations nor cross-account transit gateway attachments: the tests that need them
apply the emulator's patches G32 (RAM) and G33 (transit gateway attachments) from
tools/emulator/patches.py for their duration.
"""

import importlib.util
import json
import os

import boto3
import botocore.client
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import transit_gateway_attachment as tga

from .moto_harness import mocked_aws, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY_ACCOUNT = "123456789012"  # moto's default account
PROVIDER_ACCOUNT = "222222222222"
STRANGER_ACCOUNT = "999999999999"
GATEWAY = "open-banking"
SHARE = "open-banking-tgw"
GATEWAY_SUBNETS = ["10.100.1.0/24", "10.100.2.0/24"]
OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": GATEWAY}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

# The reads of a converged run (state=present with routes), in order: pinned.
NO_OP_CALLS = [
    "GetResourceShareInvitations",
    "GetResourceShares",
    "DescribeSubnets",
    "ListResources",
    "DescribeTransitGatewayVpcAttachments",
    "DescribeRouteTables",
]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
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


def run(params, capsys, check_mode=False):
    return run_module(tga.main, params, capsys, check_mode, REGION)


# ---------------------------------------------------------------------------------------------
# Pure choices
# ---------------------------------------------------------------------------------------------


def invitation(arn, share_arn, share_name, sender, status="PENDING", when="2025-01-01T00:00:00+00:00"):
    return {
        "arn": arn,
        "share_arn": share_arn,
        "share_name": share_name,
        "sender_account_id": sender,
        "status": status,
        "invitation_timestamp": when,
    }


def share(arn, name=SHARE, owner=GATEWAY_ACCOUNT):
    return {"arn": arn, "name": name, "owner_account_id": owner, "status": "ACTIVE"}


def test_choose_share_accepts_only_the_expected_pending_invitation():
    invitations = [
        invitation("inv-1", "share-1", SHARE, GATEWAY_ACCOUNT),
        invitation("inv-2", "share-2", SHARE, STRANGER_ACCOUNT),
        invitation("inv-3", "share-3", "other-name", GATEWAY_ACCOUNT),
        invitation("inv-4", "share-4", "old", GATEWAY_ACCOUNT, status="ACCEPTED"),
    ]
    choice = tga.choose_share(invitations, [], SHARE, GATEWAY_ACCOUNT)
    assert choice["arn"] == "share-1" and choice["accept"] is True
    assert choice["invitation"]["arn"] == "inv-1"
    assert [item["arn"] for item in choice["unexpected"]] == ["inv-2", "inv-3"]


def test_choose_share_usable_share_needs_no_accept_and_reports_its_latest_accepted_invitation():
    invitations = [
        invitation("inv-old", "share-1", SHARE, GATEWAY_ACCOUNT, "ACCEPTED", "2025-01-01T00:00:00+00:00"),
        invitation("inv-new", "share-1", SHARE, GATEWAY_ACCOUNT, "ACCEPTED", "2025-02-01T00:00:00+00:00"),
    ]
    choice = tga.choose_share(invitations, [share("share-1")], SHARE, GATEWAY_ACCOUNT)
    assert choice["arn"] == "share-1" and choice["accept"] is False
    assert choice["invitation"]["arn"] == "inv-new" and choice["unexpected"] == []


def test_choose_share_organization_share_without_invitation():
    choice = tga.choose_share([], [share("share-1")], SHARE, GATEWAY_ACCOUNT)
    assert choice["arn"] == "share-1" and choice["invitation"] is None and choice["accept"] is False


def test_choose_share_a_share_of_someone_else_with_the_same_name_is_not_ours():
    choice = tga.choose_share([], [share("share-x", owner=STRANGER_ACCOUNT)], SHARE, GATEWAY_ACCOUNT)
    assert choice["arn"] is None and choice["candidates"] == []


def test_choose_share_two_shares_of_that_name_are_ambiguous():
    choice = tga.choose_share(
        [invitation("inv-2", "share-2", SHARE, GATEWAY_ACCOUNT)], [share("share-1")], SHARE, GATEWAY_ACCOUNT
    )
    assert choice["arn"] is None and choice["candidates"] == ["share-1", "share-2"]


def resource(tgw, account, share_arn="share-1", kind="ec2:TransitGateway"):
    return {
        "arn": f"arn:aws:ec2:{REGION}:{account}:transit-gateway/{tgw}",
        "id": tgw,
        "type": kind,
        "share_arn": share_arn,
        "owner_account_id": account,
    }


def test_shared_transit_gateways_keeps_the_owner_s_transit_gateways_of_the_share():
    resources = [
        resource("tgw-0aaaaaaaaaaaaaaaa", GATEWAY_ACCOUNT),
        resource("tgw-0aaaaaaaaaaaaaaaa", GATEWAY_ACCOUNT),
        resource("tgw-0bbbbbbbbbbbbbbbb", STRANGER_ACCOUNT),
        resource("tgw-0cccccccccccccccc", GATEWAY_ACCOUNT, share_arn="share-2"),
        resource("subnet-0dddddddddddddddd", GATEWAY_ACCOUNT, kind="ec2:Subnet"),
    ]
    ours, others = tga.shared_transit_gateways(resources, GATEWAY_ACCOUNT, ["share-1"])
    assert [item["id"] for item in ours] == ["tgw-0aaaaaaaaaaaaaaaa"]
    assert [item["id"] for item in others] == ["tgw-0bbbbbbbbbbbbbbbb"]


def subnet(subnet_id, vpc="vpc-0aaaaaaaaaaaaaaaa", zone="us-east-1a", owner=PROVIDER_ACCOUNT):
    return {"SubnetId": subnet_id, "VpcId": vpc, "AvailabilityZone": zone, "OwnerId": owner}


def test_check_subnets_names_each_field():
    fields = [
        ("subnet_ids[0]", "subnet-01111111111111111"),
        ("subnet_ids[1]", "subnet-02222222222222222"),
        ("subnet_ids[2]", "subnet-03333333333333333"),
        ("subnet_ids[3]", "subnet-04444444444444444"),
    ]
    raw = [
        subnet("subnet-01111111111111111"),
        subnet("subnet-02222222222222222"),
        subnet("subnet-03333333333333333", vpc="vpc-0bbbbbbbbbbbbbbbb", zone="us-east-1b"),
    ]
    account, problems = tga.check_subnets(raw, fields, "vpc-0aaaaaaaaaaaaaaaa", REGION)
    assert account == PROVIDER_ACCOUNT
    assert problems == [
        "subnet_ids[1]: subnet-02222222222222222 is in us-east-1a like subnet_ids[0] (subnet-01111111111111111); "
        "a transit gateway attachment takes exactly one subnet per Availability Zone",
        "subnet_ids[2]: subnet-03333333333333333 is in vpc-0bbbbbbbbbbbbbbbb, not in vpc_id vpc-0aaaaaaaaaaaaaaaa",
        f"subnet_ids[3]: subnet-04444444444444444 not found in {REGION}",
    ]


def attachment(attachment_id, state="available", tags=None, vpc="vpc-0aaaaaaaaaaaaaaaa", tgw="tgw-0aaaaaaaaaaaaaaaa"):
    return {
        "TransitGatewayAttachmentId": attachment_id,
        "TransitGatewayId": tgw,
        "VpcId": vpc,
        "VpcOwnerId": PROVIDER_ACCOUNT,
        "State": state,
        "SubnetIds": ["subnet-01111111111111111"],
        "Options": {"DnsSupport": "enable"},
        "Tags": [{"Key": key, "Value": value} for key, value in (tags or {}).items()],
    }


def test_split_attachments_ours_foreign_deleting_and_gone():
    raw = [
        attachment("tgw-attach-01", tags=OURS),
        attachment("tgw-attach-02", state="pendingAcceptance"),
        attachment("tgw-attach-03", state="deleting", tags=OURS),
        attachment("tgw-attach-04", state="deleted", tags=OURS),
        attachment("tgw-attach-05", state="rejected"),
        attachment("tgw-attach-06", tags=OURS, vpc="vpc-0bbbbbbbbbbbbbbbb"),
        attachment("tgw-attach-07", tags=OURS, tgw="tgw-0bbbbbbbbbbbbbbbb"),
        attachment("tgw-attach-08", tags=dict(OURS, **{"multiaccount:gateway": "other"})),
    ]
    ours, foreign, deleting = tga.split_attachments(
        raw, "vpc-0aaaaaaaaaaaaaaaa", ["tgw-0aaaaaaaaaaaaaaaa"], GATEWAY, PROVIDER_ACCOUNT
    )
    assert [item["id"] for item in ours] == ["tgw-attach-01"]
    assert [item["id"] for item in foreign] == ["tgw-attach-02", "tgw-attach-08"]
    assert [item["id"] for item in deleting] == ["tgw-attach-03"]
    # Any transit gateway when none is known (the share is gone)
    ours, _foreign, _deleting = tga.split_attachments(raw, "vpc-0aaaaaaaaaaaaaaaa", [], GATEWAY)
    assert [item["id"] for item in ours] == ["tgw-attach-01", "tgw-attach-07"]


def test_subnet_changes_and_dns_support():
    current = {"subnet_ids": ["subnet-a", "subnet-b"], "dns_support": "enable"}
    assert tga.subnet_changes(current, ["subnet-b", "subnet-c"], "enable") == (["subnet-c"], ["subnet-a"], {})
    assert tga.subnet_changes(current, ["subnet-a", "subnet-b"], "disable") == ([], [], {"DnsSupport": "disable"})
    assert tga.subnet_changes(dict(current, dns_support=None), ["subnet-a", "subnet-b"], "disable") == ([], [], {})


@pytest.mark.parametrize(
    "state, waiting_for",
    [
        ("available", ""),
        ("modifying", ""),
        ("pendingAcceptance", "acceptance"),
        ("pending", "attachment"),
        ("initiatingRequest", "attachment"),
        ("failed", "attachment"),
    ],
)
def test_waiting(state, waiting_for):
    assert tga.waiting(state, GATEWAY_ACCOUNT)[0] == waiting_for


# ---------------------------------------------------------------------------------------------
# Input checks: every problem named, before any AWS call
# ---------------------------------------------------------------------------------------------

GOOD = {
    "gateway": GATEWAY,
    "share": {"name": SHARE, "owner_account_id": GATEWAY_ACCOUNT},
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"vpc_id": "subnet-0123456789abcdef0"}, "vpc_id: 'subnet-0123456789abcdef0' is not a VPC id (vpc-...)"),
        ({"gateway": " "}, "gateway: give the name of the gateway"),
        ({"share": None}, "share: give the name and owner_account_id of the gateway's resource share"),
        ({"share": {"name": SHARE, "owner_account_id": "1234"}}, "share.owner_account_id: '1234' is not a 12-digit"),
        ({"share": {"name": "", "owner_account_id": GATEWAY_ACCOUNT}}, "share.name: give the name"),
        ({"transit_gateway_id": "tgw-xyz"}, "transit_gateway_id: 'tgw-xyz' is not a tgw- id"),
        ({"subnet_ids": []}, "subnet_ids: give the subnets of vpc_id"),
        (
            {"subnet_ids": ["subnet-0123456789abcdef0", "vpc-0123456789abcdef0"]},
            "subnet_ids[1]: 'vpc-0123456789abcdef0'",
        ),
        (
            {"subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"]},
            "subnet_ids[1]: subnet-0123456789abcdef0 is listed twice (subnet_ids[0] and subnet_ids[1])",
        ),
        ({"name": " "}, "name: give a non-empty Name tag"),
        ({"tags": {"ManagedBy": "me"}}, "tags.ManagedBy: 'me' differs from 'multiaccount.apigateway'"),
        ({"tags": {"aws:x": "1"}}, "tags.aws:x: keys starting with aws: are reserved"),
        ({"name": "a", "tags": {"Name": "b"}}, "tags.Name: 'b' differs from name 'a'"),
        ({"wait_timeout": -1}, "wait_timeout: must be 0 or more seconds"),
        ({"routes": {"route_table_ids": ["rtb-1"]}}, "routes.route_table_ids[0]: 'rtb-1' is not a rtb- id"),
        ({"routes": {"subnet_ids": ["subnet-1"]}}, "routes.subnet_ids[0]: 'subnet-1' is not a subnet- id"),
        ({"routes": {"destinations": []}}, "routes: give route_table_ids (the tables) or subnet_ids"),
        (
            {"routes": {"route_table_ids": [], "subnet_ids": []}},
            "routes: give route_table_ids (the tables) or subnet_ids",
        ),
        (
            {"routes": {"route_table_ids": [], "destinations": ["10.100.1.5/24"]}},
            "routes.destinations[0]: '10.100.1.5/24' is not a valid IPv4 CIDR",
        ),
        (
            {"routes": {"route_table_ids": [], "destinations": ["10.100.1.0/24", "10.100.1.0/24"]}},
            "routes.destinations[1]: 10.100.1.0/24 is listed twice (routes.destinations[0] and routes.destinations[1])",
        ),
        (
            {"routes": {"route_table_ids": [], "replace_targets": ["igw-0123456789abcdef0"]}},
            "routes.replace_targets[0]: 'igw-0123456789abcdef0' is not a route target this module replaces",
        ),
    ],
)
def test_bad_input_fails_before_any_call(changes, message, capsys, calls):
    params = dict(GOOD)
    params.update(changes)
    result = run(params, capsys)
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert result["msg"].endswith("(nothing was changed)")
    assert calls == []


def test_every_problem_at_once(capsys, calls):
    result = run({"gateway": "", "vpc_id": "vpc-x", "subnet_ids": ["x"], "wait_timeout": -5}, capsys)
    for field in ("gateway:", "share:", "vpc_id:", "subnet_ids[0]:", "wait_timeout:"):
        assert field in result["msg"]
    assert calls == []


def test_absent_needs_neither_share_nor_subnets(capsys, calls):
    """state=absent with a bad VPC id: the only problem named is the VPC id."""
    result = run({"state": "absent", "gateway": GATEWAY, "vpc_id": "vpc-x"}, capsys)
    assert result["msg"] == "vpc_id: 'vpc-x' is not a VPC id (vpc-...) (nothing was changed)"
    assert calls == []


# ---------------------------------------------------------------------------------------------
# Against moto in three accounts (emulator patches G32 / G33 in-process)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def tgw_patches(monkeypatch):
    """The emulator's patches G32 (cross-account RAM) and G33 (shared transit gateways), undone after the test."""
    spec = importlib.util.spec_from_file_location(
        "emulator_patches_tgw", os.path.join(ROOT, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    if not hasattr(patches, "patch_G33"):
        pytest.skip("the emulator has no patches G32 / G33 yet")
    patches.undoable(monkeypatch)
    patches.patch_G32()
    patches.patch_G33()


def credentials(account):
    """Module arguments of a role assumed in ``account``."""
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/deployer", RoleSessionName="unit-test"
    )["Credentials"]
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
    }


def client(service, creds=None):
    if creds is None:
        return boto3.client(service, region_name=REGION)
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id=creds["access_key"],
        aws_secret_access_key=creds["secret_key"],
        aws_session_token=creds["session_token"],
    )


def share_with_provider(ram, name, arn):
    return ram.create_resource_share(
        name=name, resourceArns=[arn], principals=[PROVIDER_ACCOUNT], allowExternalPrincipals=True
    )["resourceShare"]["resourceShareArn"]


@pytest.fixture
def net(tgw_patches):
    """The gateway account's transit gateway shared with the provider account (invitation pending), a share
    of another name from the gateway account and one of the same name from a stranger's account (both
    pending too); the provider VPC with three subnets (two in one zone) and a route table routing the
    gateway's subnets through an accepted VPC peering (the path before the transit gateway)."""
    creds = credentials(PROVIDER_ACCOUNT)
    stranger_creds = credentials(STRANGER_ACCOUNT)
    gateway_ec2, gateway_ram = client("ec2"), client("ram")
    provider_ec2, provider_ram = client("ec2", creds), client("ram", creds)
    stranger_ec2, stranger_ram = client("ec2", stranger_creds), client("ram", stranger_creds)

    tgw = gateway_ec2.create_transit_gateway(
        Options={"AutoAcceptSharedAttachments": "disable", "DefaultRouteTableAssociation": "enable"}
    )["TransitGateway"]
    other_tgw = gateway_ec2.create_transit_gateway()["TransitGateway"]
    stranger_tgw = stranger_ec2.create_transit_gateway()["TransitGateway"]
    share_arn = share_with_provider(gateway_ram, SHARE, tgw["TransitGatewayArn"])
    other_share = share_with_provider(gateway_ram, "something-else", other_tgw["TransitGatewayArn"])
    stranger_share = share_with_provider(stranger_ram, SHARE, stranger_tgw["TransitGatewayArn"])

    vpc = provider_ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        provider_ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"), ("10.0.3.0/24", "us-east-1a"))
    ]
    third_zone = provider_ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.4.0/24", AvailabilityZone="us-east-1c")
    table = provider_ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    gateway_vpc = gateway_ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    pcx = gateway_ec2.create_vpc_peering_connection(VpcId=gateway_vpc, PeerVpcId=vpc, PeerOwnerId=PROVIDER_ACCOUNT)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    provider_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    for dest in GATEWAY_SUBNETS:
        provider_ec2.create_route(RouteTableId=table, DestinationCidrBlock=dest, VpcPeeringConnectionId=pcx)
    return {
        "creds": creds,
        "gateway_ec2": gateway_ec2,
        "provider_ec2": provider_ec2,
        "provider_ram": provider_ram,
        "tgw": tgw["TransitGatewayId"],
        "stranger_tgw": stranger_tgw["TransitGatewayId"],
        "share": share_arn,
        "other_share": other_share,
        "stranger_share": stranger_share,
        "vpc": vpc,
        "subnets": subnets,
        "third_zone_subnet": third_zone["Subnet"]["SubnetId"],
        "table": table,
        "pcx": pcx,
    }


def args(net, **extra):
    base = dict(
        net["creds"],
        gateway=GATEWAY,
        share={"name": SHARE, "owner_account_id": GATEWAY_ACCOUNT},
        vpc_id=net["vpc"],
        subnet_ids=net["subnets"][:2],
        name="open-banking-payments",
        tags={"Team": "payments"},
        routes={
            "route_table_ids": [net["table"]],
            "destinations": GATEWAY_SUBNETS,
            "replace_targets": [net["pcx"]],
        },
    )
    base.update(extra)
    return base


def invitation_statuses(net):
    """``{share ARN: status}`` of the provider's invitations."""
    found = net["provider_ram"].get_resource_share_invitations()["resourceShareInvitations"]
    return {item["resourceShareArn"]: item["status"] for item in found}


def routes_of(net):
    table = net["provider_ec2"].describe_route_tables(RouteTableIds=[net["table"]])["RouteTables"][0]
    return {
        route["DestinationCidrBlock"]: route.get("VpcPeeringConnectionId")
        or route.get("TransitGatewayId")
        or route.get("GatewayId")
        for route in table["Routes"]
        if route.get("DestinationCidrBlock") and route.get("GatewayId") != "local"
    }


def attachments_of(net):
    """The provider VPC's attachments as the provider account sees them (not deleted)."""
    found = net["provider_ec2"].describe_transit_gateway_vpc_attachments(
        Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}]
    )["TransitGatewayVpcAttachments"]
    return [item for item in found if item["State"] != "deleted"]


def accept_in_gateway(net, attachment_id):
    net["gateway_ec2"].accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)


def attached_and_accepted(net, capsys):
    """The module attached the VPC, the gateway account accepted the attachment; returns its id."""
    created = run(args(net), capsys)
    attachment_id = created["attachment"]["id"]
    accept_in_gateway(net, attachment_id)
    return attachment_id


def test_from_peering_to_the_transit_gateway_without_downtime(net, capsys, calls):
    peering_routes = {dest: net["pcx"] for dest in GATEWAY_SUBNETS}
    label = f"{SHARE} from {GATEWAY_ACCOUNT}"

    # -- check mode: the invitation is pending, nothing is changed
    del calls[:]
    checked = run(args(net), capsys, check_mode=True)
    assert checked["changed"] is True
    assert checked["invitation"]["status"] == "PENDING" and checked["invitation"]["accepted_now"] is True
    assert checked["share"] == {"arn": net["share"], "name": SHARE, "owner_account_id": GATEWAY_ACCOUNT}
    assert checked["actions"] == [
        f"accept the invitation to share {SHARE} from {GATEWAY_ACCOUNT}",
        f"attach {net['vpc']} to (the shared transit gateway) in {', '.join(sorted(net['subnets'][:2]))}",
    ]
    assert checked["attachment"]["id"] is None and checked["attachment"]["state"] == "pending"
    assert checked["routed"] is False and checked["waiting_for"] == "attachment"
    assert checked["diff"]["before"]["share"] == {label: "pending"}
    assert checked["diff"]["after"]["share"] == {label: "accepted"}
    assert checked["diff"]["before"]["attachment"] == {}
    assert names(calls) == [
        "GetResourceShareInvitations",
        "GetResourceShares",
        "DescribeSubnets",
        "DescribeRouteTables",
    ]
    assert invitation_statuses(net)[net["share"]] == "PENDING"
    assert attachments_of(net) == [] and routes_of(net) == peering_routes

    # -- attach: accept only the expected invitation; the attachment waits for the gateway; routes untouched
    del calls[:]
    result = run(args(net), capsys)
    assert result["changed"] is True
    assert result["invitation"]["status"] == "ACCEPTED" and result["invitation"]["accepted_now"] is True
    assert result["transit_gateway"] == {"id": net["tgw"], "owner_id": GATEWAY_ACCOUNT}
    attachment_id = result["attachment"]["id"]
    assert result["attachment"] == {
        "id": attachment_id,
        "state": "pendingAcceptance",
        "vpc_id": net["vpc"],
        "transit_gateway_id": net["tgw"],
        "subnet_ids": sorted(net["subnets"][:2]),
        "dns_support": "enable",
        "tags": dict(OURS, Name="open-banking-payments", Team="payments"),
    }
    assert result["routed"] is False and result["waiting_for"] == "acceptance"
    assert result["msg"] == (
        f"routes left as they are: attachment {attachment_id} is pendingAcceptance; the gateway account "
        f"{GATEWAY_ACCOUNT} must accept it (re-run then)"
    )
    assert result["route_tables"][0]["added"] == result["route_tables"][0]["replaced"] == []
    assert names(calls) == [
        "GetResourceShareInvitations",
        "GetResourceShares",
        "DescribeSubnets",
        "AcceptResourceShareInvitation",
        "ListResources",
        "DescribeTransitGatewayVpcAttachments",
        "DescribeRouteTables",
        "CreateTransitGatewayVpcAttachment",
    ]
    created = [params for name, params in calls if name == "CreateTransitGatewayVpcAttachment"][0]
    assert created["TagSpecifications"][0]["ResourceType"] == "transit-gateway-attachment"
    assert created["Options"] == {"DnsSupport": "enable"}
    # the stranger's invitation (same share name) and the other share of the gateway: reported, left pending
    assert sorted(item["arn"] for item in result["unexpected_invitations"]) == sorted(
        item["resourceShareInvitationArn"]
        for item in net["provider_ram"].get_resource_share_invitations()["resourceShareInvitations"]
        if item["resourceShareArn"] in (net["other_share"], net["stranger_share"])
    )
    assert {(item["share_name"], item["sender_account_id"]) for item in result["unexpected_invitations"]} == {
        ("something-else", GATEWAY_ACCOUNT),
        (SHARE, STRANGER_ACCOUNT),
    }
    warnings = json.dumps(result["warnings"])
    assert f"to share 'something-else' from account {GATEWAY_ACCOUNT} is pending; it is not the gateway's" in warnings
    assert f"to share '{SHARE}' from account {STRANGER_ACCOUNT} is pending" in warnings
    statuses = invitation_statuses(net)
    assert statuses == {net["share"]: "ACCEPTED", net["other_share"]: "PENDING", net["stranger_share"]: "PENDING"}
    [seen] = attachments_of(net)
    assert seen["State"] == "pendingAcceptance" and sorted(seen["SubnetIds"]) == sorted(net["subnets"][:2])
    assert routes_of(net) == peering_routes

    # -- again while the gateway has not accepted: nothing to do, the peering keeps carrying the traffic
    del calls[:]
    waiting = run(args(net), capsys)
    assert waiting["changed"] is False and waiting["actions"] == []
    assert waiting["invitation"] == {"arn": result["invitation"]["arn"], "status": "ACCEPTED", "accepted_now": False}
    assert waiting["routed"] is False and waiting["waiting_for"] == "acceptance"
    assert waiting["diff"]["before"] == waiting["diff"]["after"]
    assert names(calls) == NO_OP_CALLS
    assert routes_of(net) == peering_routes

    # -- the gateway accepts; check mode predicts the move of the routes and makes none
    accept_in_gateway(net, attachment_id)
    table_label = net["table"]
    del calls[:]
    predicted = run(args(net), capsys, check_mode=True)
    assert predicted["changed"] is True and predicted["routed"] is True and predicted["waiting_for"] == ""
    assert predicted["actions"] == [
        f"{table_label}: replace route {dest} -> {net['pcx']} by {dest} -> {net['tgw']}" for dest in GATEWAY_SUBNETS
    ]
    assert predicted["diff"]["before"]["route_tables"] == {
        table_label: [f"{dest} -> {net['pcx']}" for dest in GATEWAY_SUBNETS]
    }
    assert predicted["diff"]["after"]["route_tables"] == {
        table_label: [f"{dest} -> {net['tgw']}" for dest in GATEWAY_SUBNETS]
    }
    assert writes(names(calls)) == [] and routes_of(net) == peering_routes

    # -- the routes move from the peering to the transit gateway
    del calls[:]
    moved = run(args(net), capsys)
    assert moved["changed"] is True and moved["routed"] is True and moved["waiting_for"] == ""
    assert "msg" not in moved
    assert moved["actions"] == predicted["actions"]
    assert moved["diff"] == predicted["diff"]
    assert moved["route_tables"][0]["replaced"] == [
        {"dest": dest, "target": net["tgw"], "previous_target": net["pcx"]} for dest in GATEWAY_SUBNETS
    ]
    assert names(calls) == NO_OP_CALLS + ["ReplaceRoute", "ReplaceRoute"]
    assert routes_of(net) == {dest: net["tgw"] for dest in GATEWAY_SUBNETS}

    # -- converged: only the pinned reads
    del calls[:]
    again = run(args(net), capsys)
    assert again["changed"] is False and again["actions"] == [] and again["routed"] is True
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["attachment"]["state"] == "available"
    assert names(calls) == NO_OP_CALLS
    assert calls[1][1] == {"resourceOwner": "OTHER-ACCOUNTS", "name": SHARE}
    assert calls[3][1]["resourceType"] == "ec2:TransitGateway" and calls[3][1]["resourceShareArns"] == [net["share"]]
    assert calls[4][1]["Filters"] == [
        {"Name": "transit-gateway-id", "Values": [net["tgw"]]},
        {"Name": "vpc-id", "Values": [net["vpc"]]},
    ]


def test_without_routes_no_route_table_is_read(net, capsys, calls):
    run(args(net, routes=None), capsys)
    del calls[:]
    result = run(args(net, routes=None), capsys)
    assert result["changed"] is False and result["routed"] is False and result["waiting_for"] == "acceptance"
    assert result["msg"].startswith(f"attachment {result['attachment']['id']} is pendingAcceptance")
    assert names(calls) == NO_OP_CALLS[:-1]
    assert result["route_tables"] == [] and "route_tables" not in result["diff"]["after"]


def test_a_foreign_route_in_the_way_fails_with_nothing_changed(net, capsys, calls):
    attached_and_accepted(net, capsys)
    igw = net["provider_ec2"].create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    net["provider_ec2"].attach_internet_gateway(InternetGatewayId=igw, VpcId=net["vpc"])
    net["provider_ec2"].create_route(RouteTableId=net["table"], DestinationCidrBlock="10.100.3.0/24", GatewayId=igw)
    before = routes_of(net)
    routes = {
        "route_table_ids": [net["table"]],
        "destinations": GATEWAY_SUBNETS + ["10.100.3.0/24"],
        "replace_targets": [net["pcx"]],
    }
    for check_mode in (True, False):
        del calls[:]
        result = run(args(net, routes=routes), capsys, check_mode=check_mode)
        assert result["failed"] is True and result["changed"] is False
        assert f"route conflicts: {net['table']}: 10.100.3.0/24 already goes to {igw}" in result["msg"]
        assert result["msg"].endswith("(nothing was changed)")
        assert result["route_tables"][0]["conflicts"] == [{"dest": "10.100.3.0/24", "target": igw}]
        assert result["route_tables"][0]["replaced"] == []
        assert writes(names(calls)) == []
    assert routes_of(net) == before


def test_a_missing_route_table_fails_before_the_attachment(net, capsys, calls):
    routes = {"route_table_ids": ["rtb-0123456789abcdef0"], "destinations": GATEWAY_SUBNETS}
    del calls[:]
    result = run(args(net, routes=routes), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(f"routes.route_table_ids[0]: rtb-0123456789abcdef0 not found in {REGION}")
    # Only the accept happened (the share's transit gateway is listed after it), and the message says so.
    assert result["msg"].endswith(f"(changed so far: accept the invitation to share {SHARE} from {GATEWAY_ACCOUNT})")
    assert result["changed"] is True
    assert writes(names(calls)) == ["AcceptResourceShareInvitation"]
    assert attachments_of(net) == []


def test_two_subnets_in_one_zone_fail_naming_the_field_before_the_accept(net, capsys, calls):
    del calls[:]
    result = run(args(net, subnet_ids=[net["subnets"][0], net["subnets"][2]]), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == (
        f"subnet_ids[1]: {net['subnets'][2]} is in us-east-1a like subnet_ids[0] ({net['subnets'][0]}); a transit "
        "gateway attachment takes exactly one subnet per Availability Zone (nothing was changed)"
    )
    assert writes(names(calls)) == []
    assert invitation_statuses(net)[net["share"]] == "PENDING"


def test_no_share_fails_except_in_check_mode(net, capsys, calls):
    params = args(net, share={"name": "never-shared", "owner_account_id": GATEWAY_ACCOUNT})
    message = (
        f"the gateway account {GATEWAY_ACCOUNT} has not shared 'never-shared' with this account yet: run the "
        f"gateway's play first (no pending invitation to it and no usable share of that name from {GATEWAY_ACCOUNT} "
        f"in {REGION})"
    )
    del calls[:]
    result = run(params, capsys)
    assert result["failed"] is True and result["msg"] == f"{message} (nothing was changed)"
    checked = run(params, capsys, check_mode=True)
    assert checked.get("failed") is not True and checked["changed"] is False
    assert checked["waiting_for"] == "share" and checked["msg"] == message
    assert message in json.dumps(checked["warnings"])
    assert checked["share"] is None and checked["attachment"] is None
    assert checked["diff"]["before"] == checked["diff"]["after"]
    assert writes(names(calls)) == []


def test_the_transit_gateway_id_must_be_the_share_s(net, capsys, calls):
    del calls[:]
    result = run(args(net, transit_gateway_id=net["stranger_tgw"]), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(
        f"transit_gateway_id: {net['stranger_tgw']} is not the transit gateway of share '{SHARE}' ({net['tgw']})"
    )
    assert writes(names(calls)) == ["AcceptResourceShareInvitation"]
    assert attachments_of(net) == []
    # Given right, the same as without it
    assert run(args(net, transit_gateway_id=net["tgw"]), capsys)["transit_gateway"]["id"] == net["tgw"]


def test_an_attachment_without_our_tags_is_never_touched(net, capsys, calls):
    [pending] = [
        item["resourceShareInvitationArn"]
        for item in net["provider_ram"].get_resource_share_invitations()["resourceShareInvitations"]
        if item["resourceShareArn"] == net["share"]
    ]
    net["provider_ram"].accept_resource_share_invitation(resourceShareInvitationArn=pending)
    foreign = net["provider_ec2"].create_transit_gateway_vpc_attachment(
        TransitGatewayId=net["tgw"], VpcId=net["vpc"], SubnetIds=net["subnets"][:1]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    del calls[:]
    result = run(args(net), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == (
        f"transit gateway attachment {foreign} of {net['vpc']} to {net['tgw']} (pendingAcceptance) lacks the ownership "
        f"tags ManagedBy=multiaccount.apigateway, multiaccount:gateway={GATEWAY}; it is not this collection's and is "
        "left alone: delete it, or tag it with them to adopt it (nothing was changed)"
    )
    assert writes(names(calls)) == []
    absent = run(args(net, state="absent"), capsys)
    assert absent["changed"] is False and f"{foreign} of {net['vpc']}" in json.dumps(absent["warnings"])
    assert [item["TransitGatewayAttachmentId"] for item in attachments_of(net)] == [foreign]


def test_subnets_are_modified_only_once_available(net, capsys, calls):
    run(args(net), capsys)
    moved = [net["subnets"][0], net["third_zone_subnet"]]
    del calls[:]
    pending = run(args(net, subnet_ids=moved), capsys)
    assert pending["changed"] is False
    assert "its subnets or DNS support differ from subnet_ids / dns_support" in json.dumps(pending["warnings"])
    assert writes(names(calls)) == []
    accept_in_gateway(net, pending["attachment"]["id"])
    del calls[:]
    result = run(args(net, subnet_ids=moved, routes=None), capsys)
    assert result["changed"] is True
    assert result["actions"] == [
        f"attachment {pending['attachment']['id']}: add subnets {net['third_zone_subnet']}, remove subnets "
        f"{net['subnets'][1]}"
    ]
    assert names(calls)[-1] == "ModifyTransitGatewayVpcAttachment"
    assert sorted(attachments_of(net)[0]["SubnetIds"]) == sorted(moved)
    assert result["attachment"]["subnet_ids"] == sorted(moved)
    assert result["diff"]["before"]["attachment"] != result["diff"]["after"]["attachment"]
    # the tags it lacks are added, none removed
    del calls[:]
    tagged = run(args(net, subnet_ids=moved, routes=None, tags={"Team": "payments", "Tier": "gold"}), capsys)
    assert tagged["actions"] == [f"tag attachment {pending['attachment']['id']} with Tier"]
    assert [params["Tags"] for name, params in calls if name == "CreateTags"] == [[{"Key": "Tier", "Value": "gold"}]]
    assert run(args(net, subnet_ids=moved, routes=None, tags={"Tier": "gold"}), capsys)["changed"] is False


def test_wait_polls_an_attachment_being_created(net, capsys, calls, monkeypatch):
    """AWS answers ``pending`` to the create (moto goes to pendingAcceptance at once): one poll."""
    original = tga.transit_gateways.create_transit_gateway_vpc_attachment

    def create(*args, **kwargs):
        return dict(original(*args, **kwargs), State="pending")

    monkeypatch.setattr(tga.transit_gateways, "create_transit_gateway_vpc_attachment", create)
    del calls[:]
    result = run(args(net, wait=True), capsys)
    assert result["attachment"]["state"] == "pendingAcceptance" and result["waiting_for"] == "acceptance"
    assert names(calls)[-2:] == ["CreateTransitGatewayVpcAttachment", "DescribeTransitGatewayAttachments"]
    without_wait = run(args(net, vpc_id=net["vpc"]), capsys)
    assert without_wait["changed"] is False


def test_absent_deletes_only_our_routes_and_the_attachment(net, capsys, calls):
    attached_and_accepted(net, capsys)
    run(args(net), capsys)  # routes moved to the transit gateway
    net["provider_ec2"].create_route(
        RouteTableId=net["table"], DestinationCidrBlock="10.100.9.0/24", VpcPeeringConnectionId=net["pcx"]
    )
    absent = args(
        net,
        state="absent",
        subnet_ids=None,
        routes={"route_table_ids": [net["table"]], "destinations": GATEWAY_SUBNETS + ["10.100.9.0/24"]},
    )
    del calls[:]
    checked = run(absent, capsys, check_mode=True)
    assert checked["changed"] is True and writes(names(calls)) == []
    assert routes_of(net)["10.100.1.0/24"] == net["tgw"]

    del calls[:]
    result = run(absent, capsys)
    assert result["changed"] is True
    attachment_id = result["attachment"]["id"]
    assert (
        result["actions"]
        == checked["actions"]
        == [
            f"{net['table']}: delete route 10.100.1.0/24 -> {net['tgw']}",
            f"{net['table']}: delete route 10.100.2.0/24 -> {net['tgw']}",
            f"delete attachment {attachment_id} of {net['vpc']} to {net['tgw']}",
        ]
    )
    assert result["route_tables"][0]["conflicts"] == [{"dest": "10.100.9.0/24", "target": net["pcx"]}]
    assert result["invitation"] is None and result["unexpected_invitations"] == []
    assert names(calls) == [
        "GetResourceShares",
        "ListResources",
        "DescribeTransitGatewayVpcAttachments",
        "DescribeRouteTables",
        "DeleteRoute",
        "DeleteRoute",
        "DeleteTransitGatewayVpcAttachment",
    ]
    assert routes_of(net) == {"10.100.9.0/24": net["pcx"]}
    assert attachments_of(net) == []
    assert invitation_statuses(net)[net["share"]] == "ACCEPTED"  # the share is left alone

    del calls[:]
    again = run(absent, capsys)
    assert again["changed"] is False and again["actions"] == [] and again["attachment"] is None
    assert writes(names(calls)) == []


def test_routes_by_subnet_ids_go_to_the_table_that_routes_them_present_and_absent(net, capsys, calls):
    net["provider_ec2"].associate_route_table(RouteTableId=net["table"], SubnetId=net["subnets"][0])
    by_subnet = {"subnet_ids": [net["subnets"][0]], "destinations": GATEWAY_SUBNETS, "replace_targets": [net["pcx"]]}
    attached_and_accepted(net, capsys)
    del calls[:]
    moved = run(args(net, routes=by_subnet), capsys)
    reads = [params for name, params in calls if name == "DescribeRouteTables"]
    assert reads == [{"Filters": [{"Name": "vpc-id", "Values": [net["vpc"]]}]}]
    assert [entry["id"] for entry in moved["route_tables"]] == [net["table"]]
    assert routes_of(net) == {dest: net["tgw"] for dest in GATEWAY_SUBNETS}

    del calls[:]
    again = run(args(net, routes=by_subnet), capsys)
    assert again["changed"] is False and writes(names(calls)) == []

    absent = args(
        net,
        state="absent",
        subnet_ids=None,
        routes={"subnet_ids": [net["subnets"][0]], "destinations": GATEWAY_SUBNETS},
    )
    result = run(absent, capsys)
    assert result["actions"][:2] == [
        f"{net['table']}: delete route 10.100.1.0/24 -> {net['tgw']}",
        f"{net['table']}: delete route 10.100.2.0/24 -> {net['tgw']}",
    ]
    assert routes_of(net) == {}


def test_absent_when_the_share_is_gone_finds_our_attachment_by_its_tags(net, capsys, calls):
    attachment_id = run(args(net, routes=None), capsys)["attachment"]["id"]
    client("ram").delete_resource_share(resourceShareArn=net["share"])
    del calls[:]
    result = run(args(net, state="absent", routes=None), capsys)
    assert result["changed"] is True
    assert result["actions"] == [f"delete attachment {attachment_id} of {net['vpc']} to {net['tgw']}"]
    assert result["share"] is None and result["transit_gateway"]["id"] == net["tgw"]
    assert names(calls) == [
        "GetResourceShares",
        "DescribeTransitGatewayVpcAttachments",
        "DeleteTransitGatewayVpcAttachment",
    ]
    tag_filters = {item["Name"]: item["Values"] for item in calls[1][1]["Filters"]}
    assert tag_filters == {
        "tag:ManagedBy": ["multiaccount.apigateway"],
        "tag:multiaccount:gateway": [GATEWAY],
        "vpc-id": [net["vpc"]],
    }
    assert attachments_of(net) == []


def test_a_peering_route_not_named_waits_with_a_warning_until_the_attachment_is_available(net, capsys, calls):
    # The old peering is not among replace_targets (the gateway's play did not run: its id is unknown).
    # While the attachment waits for the gateway, nothing would move: the attach goes ahead, with a warning.
    peering_routes = routes_of(net)
    pending = run(args(net, routes=dict(args(net)["routes"], replace_targets=[])), capsys)
    assert pending.get("failed") is not True
    assert pending["attachment"]["state"] == "pendingAcceptance" and pending["routed"] is False
    assert "once the attachment is available, its routes cannot move" in json.dumps(pending["warnings"])
    assert routes_of(net) == peering_routes
    # Once it is available the routes would move: the peering's routes are in the way, nothing changes.
    accept_in_gateway(net, pending["attachment"]["id"])
    del calls[:]
    refused = run(args(net, routes=dict(args(net)["routes"], replace_targets=[])), capsys)
    assert refused["failed"] is True and refused["changed"] is False
    assert f"already goes to {net['pcx']}" in refused["msg"] and refused["msg"].endswith("(nothing was changed)")
    assert writes(names(calls)) == []
    assert routes_of(net) == peering_routes
