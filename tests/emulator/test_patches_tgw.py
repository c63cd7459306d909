# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Regression tests of the fidelity patches a transit gateway shared across accounts relies on:
G32 (RAM shares, invitations, shared resources) and G33 (the shared transit gateway used from the
other account: attachments, acceptance, route tables, routes).

Each test holds on AWS and on the patched emulator, and fails on stock moto 5.2.5: start the emulator
with ``EMULATOR_DISABLE_PATCHES=G32`` (or ``G33``) to see the tests of that patch fail
(``tools/emulator/prove.py G32 G33`` does that). Account A (the plain keys) owns the transit gateway,
account B (an assumed role) is the provider that attaches its VPC.
"""

import pytest
from botocore.exceptions import ClientError
from emulator_support import ACCOUNT_A, ACCOUNT_B, REGION

ACCOUNT_C = "333333333333"  # a third account, a stranger to the shares
NO_DEFAULTS = {"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable"}


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


# ---- builders ------------------------------------------------------------------------------------


def make_tgw(ec2, **options):
    tags = [{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "gw-hub"}]}]
    return ec2.create_transit_gateway(Description="hub", Options=dict(NO_DEFAULTS, **options), TagSpecifications=tags)[
        "TransitGateway"
    ]


def make_vpc(ec2, cidr, subnets=(("a", 1),)):
    """A VPC with one /24 subnet per (zone letter, third octet)."""
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    prefix = cidr.rsplit(".", 2)[0]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.{octet}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for zone, octet in subnets
    ]
    return vpc_id, subnet_ids


def share(aws, resource_arns, principals, name="tgw-hub", tags=None):
    ram = aws.client("ram")
    params = dict(name=name, resourceArns=resource_arns, principals=principals, allowExternalPrincipals=True)
    if tags:
        params["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    return ram.create_resource_share(**params)["resourceShare"]["resourceShareArn"]


def accept_invitations(aws, account, share_arn):
    ram = aws.client("ram", account)
    invitations = ram.get_resource_share_invitations(resourceShareArns=[share_arn])["resourceShareInvitations"]
    for invitation in invitations:
        if invitation["status"] == "PENDING":
            ram.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    return invitations


def shared_tgw(aws, **options):
    """A's transit gateway shared with B, B's invitation accepted: (tgw, share ARN)."""
    tgw = make_tgw(aws.client("ec2"), **options)
    share_arn = share(aws, [tgw["TransitGatewayArn"]], [ACCOUNT_B])
    accept_invitations(aws, ACCOUNT_B, share_arn)
    return tgw, share_arn


def principal_statuses(ram, share_arn):
    found = ram.get_resource_share_associations(associationType="PRINCIPAL", resourceShareArns=[share_arn])
    return {a["associatedEntity"]: a["status"] for a in found["resourceShareAssociations"]}


def shared_with(aws, account):
    """ARNs ListResources(OTHER-ACCOUNTS) gives ``account``."""
    found = aws.client("ram", account).list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]
    return [r["arn"] for r in found]


def attach(aws, tgw_id, account=ACCOUNT_B, cidr="10.20.0.0/16", subnets=(("a", 1), ("b", 2)), tags=None):
    ec2 = aws.client("ec2", account)
    vpc_id, subnet_ids = make_vpc(ec2, cidr, subnets)
    tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    spec = [{"ResourceType": "transit-gateway-attachment", "Tags": tag_list}] if tags else []
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=subnet_ids, TagSpecifications=spec
    )["TransitGatewayVpcAttachment"]
    return attachment, vpc_id, subnet_ids


def vpc_attachment(ec2, attachment_id):
    found = ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[attachment_id])
    return found["TransitGatewayVpcAttachments"][0]


def routes(ec2, table_id):
    found = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=table_id, Filters=[{"Name": "state", "Values": ["active", "blackhole"]}]
    )
    return sorted((r["DestinationCidrBlock"], r["Type"]) for r in found["Routes"])


# ---- G32: RAM --------------------------------------------------------------------------------------


def test_g32_invitation_accepted_gives_access(aws):
    ram_a, ram_b = aws.client("ram"), aws.client("ram", ACCOUNT_B)
    tgw = make_tgw(aws.client("ec2"))
    share_arn = share(aws, [tgw["TransitGatewayArn"]], [ACCOUNT_B], tags={"ManagedBy": "multiaccount.apigateway"})

    # A: the principal waits for B (ASSOCIATING), the resource is in
    assert principal_statuses(ram_a, share_arn) == {ACCOUNT_B: "ASSOCIATING"}
    resources = ram_a.get_resource_share_associations(associationType="RESOURCE", resourceShareArns=[share_arn])
    assert [(r["associatedEntity"], r["status"]) for r in resources["resourceShareAssociations"]] == [
        (tgw["TransitGatewayArn"], "ASSOCIATED")
    ]
    # B: a pending invitation, nothing shared yet
    (invitation,) = ram_b.get_resource_share_invitations()["resourceShareInvitations"]
    assert {
        k: invitation[k] for k in ("resourceShareArn", "resourceShareName", "senderAccountId", "receiverAccountId")
    } == {
        "resourceShareArn": share_arn,
        "resourceShareName": "tgw-hub",
        "senderAccountId": ACCOUNT_A,
        "receiverAccountId": ACCOUNT_B,
    }
    assert invitation["status"] == "PENDING" and invitation["invitationTimestamp"]
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert shared_with(aws, ACCOUNT_B) == []

    accepted = ram_b.accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )["resourceShareInvitation"]
    assert accepted["status"] == "ACCEPTED"
    assert principal_statuses(ram_a, share_arn) == {ACCOUNT_B: "ASSOCIATED"}
    (resource,) = ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS", resourceType="ec2:TransitGateway")["resources"]
    assert (resource["arn"], resource["type"], resource["resourceShareArn"], resource["status"]) == (
        tgw["TransitGatewayArn"],
        "ec2:TransitGateway",
        share_arn,
        "AVAILABLE",
    )
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS", resourceType="ec2:Subnet")["resources"] == []
    (theirs,) = ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
    assert (theirs["resourceShareArn"], theirs["owningAccountId"], theirs["status"]) == (share_arn, ACCOUNT_A, "ACTIVE")
    assert not theirs.get("tags")  # the owner's tags are the owner's
    (invitation,) = ram_b.get_resource_share_invitations(resourceShareArns=[share_arn])["resourceShareInvitations"]
    assert invitation["status"] == "ACCEPTED"
    with pytest.raises(ClientError) as excinfo:
        ram_b.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    assert error_code(excinfo) == "ResourceShareInvitationAlreadyAcceptedException"

    # A: its shares with tags, filters, principals
    (mine,) = ram_a.get_resource_shares(resourceOwner="SELF", name="tgw-hub")["resourceShares"]
    assert mine["tags"] == [{"key": "ManagedBy", "value": "multiaccount.apigateway"}]
    assert ram_a.get_resource_shares(resourceOwner="SELF", name="other")["resourceShares"] == []
    tag_filters = [{"tagKey": "ManagedBy", "tagValues": ["multiaccount.apigateway"]}]
    assert len(ram_a.get_resource_shares(resourceOwner="SELF", tagFilters=tag_filters)["resourceShares"]) == 1
    tag_filters = [{"tagKey": "ManagedBy", "tagValues": ["someone-else"]}]
    assert ram_a.get_resource_shares(resourceOwner="SELF", tagFilters=tag_filters)["resourceShares"] == []
    (principal,) = ram_a.list_principals(resourceOwner="SELF", resourceShareArns=[share_arn])["principals"]
    assert (principal["id"], principal["resourceShareArn"], principal["external"]) == (ACCOUNT_B, share_arn, True)
    (resource,) = ram_a.list_resources(resourceOwner="SELF")["resources"]
    assert resource["arn"] == tgw["TransitGatewayArn"]
    ram_a.tag_resource(resourceShareArn=share_arn, tags=[{"key": "env", "value": "test"}])
    ram_a.untag_resource(resourceShareArn=share_arn, tagKeys=["ManagedBy"])
    (mine,) = ram_a.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert mine["tags"] == [{"key": "env", "value": "test"}]


def test_g32_invitations_answered_once_by_their_receiver(aws):
    ram_b, ram_c = aws.client("ram", ACCOUNT_B), aws.client("ram", ACCOUNT_C)
    tgw = make_tgw(aws.client("ec2"))
    share_arn = share(aws, [tgw["TransitGatewayArn"]], [ACCOUNT_B])
    (invitation,) = ram_b.get_resource_share_invitations()["resourceShareInvitations"]
    arn = invitation["resourceShareInvitationArn"]

    assert ram_c.get_resource_share_invitations()["resourceShareInvitations"] == []
    with pytest.raises(ClientError) as excinfo:  # addressed to B
        ram_c.accept_resource_share_invitation(resourceShareInvitationArn=arn)
    assert error_code(excinfo) == "ResourceShareInvitationArnNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ram_b.accept_resource_share_invitation(resourceShareInvitationArn=arn[:-4] + "0000")
    assert error_code(excinfo) == "ResourceShareInvitationArnNotFoundException"

    rejected = ram_b.reject_resource_share_invitation(resourceShareInvitationArn=arn)["resourceShareInvitation"]
    assert rejected["status"] == "REJECTED"
    for answer in (ram_b.reject_resource_share_invitation, ram_b.accept_resource_share_invitation):
        with pytest.raises(ClientError) as excinfo:
            answer(resourceShareInvitationArn=arn)
        assert error_code(excinfo) == "ResourceShareInvitationAlreadyRejectedException"
    assert shared_with(aws, ACCOUNT_B) == []
    assert principal_statuses(aws.client("ram"), share_arn)[ACCOUNT_B] != "ASSOCIATED"


def test_g32_associate_and_disassociate(aws):
    ram_a = aws.client("ram")
    ec2 = aws.client("ec2")
    tgw, other = make_tgw(ec2), make_tgw(ec2)
    share_arn = share(aws, [tgw["TransitGatewayArn"]], [])
    assert principal_statuses(ram_a, share_arn) == {}

    answer = ram_a.associate_resource_share(resourceShareArn=share_arn, principals=[ACCOUNT_B, ACCOUNT_C])
    assert sorted(
        (a["associatedEntity"], a["associationType"], a["status"]) for a in answer["resourceShareAssociations"]
    ) == [
        (ACCOUNT_B, "PRINCIPAL", "ASSOCIATING"),
        (ACCOUNT_C, "PRINCIPAL", "ASSOCIATING"),
    ]
    answer = ram_a.associate_resource_share(resourceShareArn=share_arn, resourceArns=[other["TransitGatewayArn"]])
    assert [(a["associatedEntity"], a["associationType"]) for a in answer["resourceShareAssociations"]] == [
        (other["TransitGatewayArn"], "RESOURCE")
    ]
    accept_invitations(aws, ACCOUNT_B, share_arn)
    assert sorted(shared_with(aws, ACCOUNT_B)) == sorted([tgw["TransitGatewayArn"], other["TransitGatewayArn"]])
    found = ram_a.get_resource_share_associations(associationType="PRINCIPAL", principal=ACCOUNT_B)
    assert [a["status"] for a in found["resourceShareAssociations"]] == ["ASSOCIATED"]
    found = ram_a.get_resource_share_associations(associationType="PRINCIPAL", associationStatus="ASSOCIATING")
    assert [a["associatedEntity"] for a in found["resourceShareAssociations"]] == [ACCOUNT_C]

    # a resource leaves
    answer = ram_a.disassociate_resource_share(resourceShareArn=share_arn, resourceArns=[other["TransitGatewayArn"]])
    assert [a["status"] for a in answer["resourceShareAssociations"]] == ["DISASSOCIATING"]
    assert shared_with(aws, ACCOUNT_B) == [tgw["TransitGatewayArn"]]
    found = ram_a.get_resource_share_associations(associationType="RESOURCE", resourceArn=other["TransitGatewayArn"])
    assert [a["status"] for a in found["resourceShareAssociations"]] == ["DISASSOCIATED"]

    # principals leave: B loses access, C's pending invitation goes away
    ram_a.disassociate_resource_share(resourceShareArn=share_arn, principals=[ACCOUNT_B, ACCOUNT_C])
    assert principal_statuses(ram_a, share_arn) == {ACCOUNT_B: "DISASSOCIATED", ACCOUNT_C: "DISASSOCIATED"}
    assert shared_with(aws, ACCOUNT_B) == []
    assert aws.client("ram", ACCOUNT_B).get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert aws.client("ram", ACCOUNT_C).get_resource_share_invitations()["resourceShareInvitations"] == []
    assert ram_a.list_principals(resourceOwner="SELF", resourceShareArns=[share_arn])["principals"] == []

    # and may come back: a new invitation
    ram_a.associate_resource_share(resourceShareArn=share_arn, principals=[ACCOUNT_B])
    assert principal_statuses(ram_a, share_arn)[ACCOUNT_B] == "ASSOCIATING"
    statuses = [i["status"] for i in accept_invitations(aws, ACCOUNT_B, share_arn)]
    assert sorted(statuses) == ["ACCEPTED", "PENDING"]
    assert shared_with(aws, ACCOUNT_B) == [tgw["TransitGatewayArn"]]


def test_g32_deleted_share_takes_access_away(aws):
    ram_a = aws.client("ram")
    tgw = make_tgw(aws.client("ec2"))
    share_arn = share(aws, [tgw["TransitGatewayArn"]], [ACCOUNT_B, ACCOUNT_C])
    accept_invitations(aws, ACCOUNT_B, share_arn)
    assert shared_with(aws, ACCOUNT_B) == [tgw["TransitGatewayArn"]]

    assert ram_a.delete_resource_share(resourceShareArn=share_arn)["returnValue"] is True
    (deleted,) = ram_a.get_resource_shares(resourceOwner="SELF", resourceShareStatus="DELETED")["resourceShares"]
    assert deleted["resourceShareArn"] == share_arn
    assert ram_a.get_resource_shares(resourceOwner="SELF", resourceShareStatus="ACTIVE")["resourceShares"] == []
    assert shared_with(aws, ACCOUNT_B) == []
    assert aws.client("ram", ACCOUNT_B).get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert aws.client("ram", ACCOUNT_C).get_resource_share_invitations()["resourceShareInvitations"] == []
    assert ram_a.list_resources(resourceOwner="SELF")["resources"] == []
    with pytest.raises(ClientError) as excinfo:
        ram_a.delete_resource_share(resourceShareArn=share_arn.replace(share_arn[-4:], "0000"))
    assert error_code(excinfo) == "UnknownResourceException"


def test_g32_organization_sharing(aws):
    orgs, ram_a = aws.client("organizations"), aws.client("ram")
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]
    member = orgs.create_account(AccountName="provider", Email="provider@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    tgw = make_tgw(aws.client("ec2"))

    # sharing with the organization needs sharing with AWS Organizations enabled, by the management account
    with pytest.raises(ClientError) as excinfo:
        share(aws, [tgw["TransitGatewayArn"]], [org["Arn"]])
    assert error_code(excinfo) == "OperationNotPermittedException"
    with pytest.raises(ClientError) as excinfo:
        aws.client("ram", member).enable_sharing_with_aws_organization()
    assert error_code(excinfo) == "OperationNotPermittedException"
    # without it, a member account is invited like any other
    invited = share(aws, [tgw["TransitGatewayArn"]], [member], name="invited")
    assert principal_statuses(ram_a, invited) == {member: "ASSOCIATING"}

    assert ram_a.enable_sharing_with_aws_organization()["returnValue"] is True
    org_share = share(aws, [tgw["TransitGatewayArn"]], [org["Arn"]], name="org")
    assert principal_statuses(ram_a, org_share) == {org["Arn"]: "ASSOCIATED"}
    assert shared_with(aws, member) == [tgw["TransitGatewayArn"]]  # at once, no invitation
    assert shared_with(aws, ACCOUNT_B) == []  # not in the organization
    # an account of the organization: associated at once; one outside: an invitation
    direct = share(aws, [tgw["TransitGatewayArn"]], [member, ACCOUNT_B], name="direct")
    assert principal_statuses(ram_a, direct) == {member: "ASSOCIATED", ACCOUNT_B: "ASSOCIATING"}
    found = ram_a.list_principals(resourceOwner="SELF", resourceShareArns=[direct])["principals"]
    assert {p["id"]: p["external"] for p in found} == {member: False, ACCOUNT_B: True}
    invitations = aws.client("ram", member).get_resource_share_invitations()["resourceShareInvitations"]
    assert [i["resourceShareArn"] for i in invitations] == [invited]


# ---- G33: the shared transit gateway in the other account ------------------------------------------


def test_g33_shared_tgw_is_visible_only_while_shared(aws):
    ec2_b, ram_a = aws.client("ec2", ACCOUNT_B), aws.client("ram")
    tgw = make_tgw(aws.client("ec2"), AutoAcceptSharedAttachments="disable")
    tgw_id = tgw["TransitGatewayId"]

    def visible():
        listed = [g["TransitGatewayId"] for g in ec2_b.describe_transit_gateways()["TransitGateways"]]
        try:
            by_id = ec2_b.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "InvalidTransitGatewayID.NotFound"
            by_id = []
        assert (tgw_id in listed) == bool(by_id)
        return by_id[0] if by_id else None

    def refused_attachment():
        with pytest.raises(ClientError) as excinfo:
            ec2_b.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=subnet_ids)
        return error_code(excinfo)

    vpc_id, subnet_ids = make_vpc(ec2_b, "10.20.0.0/16")
    assert visible() is None
    assert refused_attachment() == "InvalidTransitGatewayID.NotFound"
    share_arn = share(aws, [tgw["TransitGatewayArn"]], [ACCOUNT_B])
    assert visible() is None  # invited, not yet accepted
    assert refused_attachment() == "InvalidTransitGatewayID.NotFound"
    accept_invitations(aws, ACCOUNT_B, share_arn)
    seen = visible()
    assert (seen["OwnerId"], seen["TransitGatewayArn"], seen["State"]) == (
        ACCOUNT_A,
        tgw["TransitGatewayArn"],
        "available",
    )
    assert seen["Options"]["AutoAcceptSharedAttachments"] == "disable"
    assert seen["Options"]["DefaultRouteTableAssociation"] == "disable"
    assert not seen.get("Tags")  # A's tags are A's
    owned_by_a = [{"Name": "owner-id", "Values": [ACCOUNT_A]}]
    assert [g["TransitGatewayId"] for g in ec2_b.describe_transit_gateways(Filters=owned_by_a)["TransitGateways"]] == [
        tgw_id
    ]
    # A still sees its tags
    (mine,) = aws.client("ec2").describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"]
    assert mine["Tags"] == [{"Key": "Name", "Value": "gw-hub"}]

    ram_a.disassociate_resource_share(resourceShareArn=share_arn, principals=[ACCOUNT_B])
    assert visible() is None
    ram_a.associate_resource_share(resourceShareArn=share_arn, principals=[ACCOUNT_B])
    accept_invitations(aws, ACCOUNT_B, share_arn)
    assert visible() is not None
    ram_a.delete_resource_share(resourceShareArn=share_arn)
    assert visible() is None
    assert refused_attachment() == "InvalidTransitGatewayID.NotFound"
    assert ec2_b.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"] == []


def test_g33_attachment_pending_acceptance_seen_by_both(aws):
    ec2_a, ec2_b = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    tgw = shared_tgw(aws)[0]
    tgw_id = tgw["TransitGatewayId"]
    attachment, vpc_id, subnet_ids = attach(aws, tgw_id, tags={"Name": "payments"})
    attachment_id = attachment["TransitGatewayAttachmentId"]
    assert attachment["State"] == "pendingAcceptance"
    assert (attachment["VpcOwnerId"], attachment["TransitGatewayId"]) == (ACCOUNT_B, tgw_id)

    for ec2 in (ec2_a, ec2_b):
        seen = vpc_attachment(ec2, attachment_id)
        assert (seen["TransitGatewayId"], seen["VpcId"], seen["VpcOwnerId"], seen["State"]) == (
            tgw_id,
            vpc_id,
            ACCOUNT_B,
            "pendingAcceptance",
        )
        assert sorted(seen["SubnetIds"]) == sorted(subnet_ids)
        for filters in (
            [{"Name": "transit-gateway-id", "Values": [tgw_id]}, {"Name": "vpc-id", "Values": [vpc_id]}],
            [{"Name": "state", "Values": ["pendingAcceptance"]}],
            [{"Name": "transit-gateway-attachment-id", "Values": [attachment_id]}],
        ):
            found = ec2.describe_transit_gateway_vpc_attachments(Filters=filters)["TransitGatewayVpcAttachments"]
            assert [a["TransitGatewayAttachmentId"] for a in found] == [attachment_id]
        found = ec2.describe_transit_gateway_vpc_attachments(Filters=[{"Name": "state", "Values": ["available"]}])
        assert found["TransitGatewayVpcAttachments"] == []
        for filters in (
            [{"Name": "resource-owner-id", "Values": [ACCOUNT_B]}, {"Name": "transit-gateway-id", "Values": [tgw_id]}],
            [{"Name": "transit-gateway-owner-id", "Values": [ACCOUNT_A]}, {"Name": "resource-id", "Values": [vpc_id]}],
        ):
            (general,) = ec2.describe_transit_gateway_attachments(Filters=filters)["TransitGatewayAttachments"]
            assert (general["ResourceOwnerId"], general["TransitGatewayOwnerId"], general["ResourceType"]) == (
                ACCOUNT_B,
                ACCOUNT_A,
                "vpc",
            )
            assert general["State"] == "pendingAcceptance" and "Association" not in general
        none = [{"Name": "resource-owner-id", "Values": [ACCOUNT_C]}]
        assert ec2.describe_transit_gateway_attachments(Filters=none)["TransitGatewayAttachments"] == []
    # tags given at creation are B's
    assert vpc_attachment(ec2_b, attachment_id)["Tags"] == [{"Key": "Name", "Value": "payments"}]
    assert not vpc_attachment(ec2_a, attachment_id).get("Tags")
    with pytest.raises(ClientError) as excinfo:
        ec2_a.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=["tgw-attach-0123456789abcdef0"])
    assert error_code(excinfo) == "InvalidTransitGatewayAttachmentID.NotFound"
    with pytest.raises(ClientError) as excinfo:  # nor in the account of a stranger
        aws.client("ec2", ACCOUNT_C).describe_transit_gateway_vpc_attachments(
            TransitGatewayAttachmentIds=[attachment_id]
        )
    assert error_code(excinfo) == "InvalidTransitGatewayAttachmentID.NotFound"


def test_g33_owner_accepts_or_rejects(aws):
    ec2_a, ec2_b = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    tgw = shared_tgw(aws)[0]
    table_id = ec2_a.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])[
        "TransitGatewayRouteTable"
    ]["TransitGatewayRouteTableId"]
    first = attach(aws, tgw["TransitGatewayId"])[0]
    second = attach(aws, tgw["TransitGatewayId"], cidr="10.21.0.0/16")[0]
    first_id, second_id = first["TransitGatewayAttachmentId"], second["TransitGatewayAttachmentId"]

    with pytest.raises(ClientError) as excinfo:  # B cannot accept its own
        ec2_b.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first_id)
    assert error_code(excinfo) == "InvalidParameterValue"
    for call in (ec2_a.associate_transit_gateway_route_table, ec2_a.enable_transit_gateway_route_table_propagation):
        with pytest.raises(ClientError) as excinfo:  # not accepted yet
            call(TransitGatewayRouteTableId=table_id, TransitGatewayAttachmentId=first_id)
        assert error_code(excinfo) == "IncorrectState"

    accepted = ec2_a.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first_id)
    assert accepted["TransitGatewayVpcAttachment"]["State"] == "available"
    assert vpc_attachment(ec2_b, first_id)["State"] == "available"
    with pytest.raises(ClientError) as excinfo:
        ec2_a.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first_id)
    assert error_code(excinfo) == "IncorrectState"
    # defaults disabled: no association, no propagation
    (general,) = ec2_a.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[first_id])[
        "TransitGatewayAttachments"
    ]
    assert "Association" not in general
    for table in ec2_a.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
        rt_id = table["TransitGatewayRouteTableId"]
        assert (
            ec2_a.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=rt_id)["Associations"] == []
        )
        found = ec2_a.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=rt_id)
        assert found["TransitGatewayRouteTablePropagations"] == []

    rejected = ec2_a.reject_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=second_id)
    assert rejected["TransitGatewayVpcAttachment"]["State"] == "rejected"
    assert vpc_attachment(ec2_b, second_id)["State"] == "rejected"
    with pytest.raises(ClientError) as excinfo:
        ec2_a.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=second_id)
    assert error_code(excinfo) == "IncorrectState"
    with pytest.raises(ClientError) as excinfo:
        ec2_a.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId="tgw-attach-0123456789abcdef0")
    assert error_code(excinfo) == "InvalidTransitGatewayAttachmentID.NotFound"


def test_g33_auto_accept_and_default_route_tables(aws):
    ec2_a = aws.client("ec2")
    tgw = shared_tgw(
        aws,
        AutoAcceptSharedAttachments="enable",
        DefaultRouteTableAssociation="enable",
        DefaultRouteTablePropagation="enable",
    )[0]
    attachment, vpc_id = attach(aws, tgw["TransitGatewayId"])[:2]
    assert attachment["State"] == "available"
    default_table = tgw["Options"]["AssociationDefaultRouteTableId"]
    (association,) = ec2_a.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=default_table)[
        "Associations"
    ]
    assert (association["TransitGatewayAttachmentId"], association["ResourceId"], association["State"]) == (
        attachment["TransitGatewayAttachmentId"],
        vpc_id,
        "associated",
    )
    assert routes(ec2_a, default_table) == [("10.20.0.0/16", "propagated")]


def test_g33_default_route_tables_follow_the_options_in_one_account(aws):
    ec2 = aws.client("ec2")
    quiet = make_tgw(ec2)
    attachment = attach(aws, quiet["TransitGatewayId"], account=ACCOUNT_A)[0]
    assert attachment["State"] == "available"  # same account: no acceptance
    # (G34: no default route table at all for this gateway.)
    (general,) = ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[attachment["TransitGatewayAttachmentId"]]
    )["TransitGatewayAttachments"]
    assert "Association" not in general

    busy = make_tgw(ec2, DefaultRouteTableAssociation="enable", DefaultRouteTablePropagation="enable")
    attachment = attach(aws, busy["TransitGatewayId"], account=ACCOUNT_A, cidr="10.30.0.0/16")[0]
    default_table = busy["Options"]["AssociationDefaultRouteTableId"]
    (general,) = ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[attachment["TransitGatewayAttachmentId"]]
    )["TransitGatewayAttachments"]
    assert general["Association"] == {"TransitGatewayRouteTableId": default_table, "State": "associated"}
    assert routes(ec2, default_table) == [("10.30.0.0/16", "propagated")]


def test_g33_subnets_one_per_zone_of_the_vpc(aws):
    ec2_b = aws.client("ec2", ACCOUNT_B)
    tgw = shared_tgw(aws)[0]
    vpc_id, subnet_ids = make_vpc(ec2_b, "10.20.0.0/16", (("a", 1), ("a", 2), ("b", 3)))
    other_vpc, other_subnets = make_vpc(ec2_b, "10.40.0.0/16")
    for subnets, code in (
        (subnet_ids[:2], "DuplicateSubnetsInSameZone"),
        ([subnet_ids[0], other_subnets[0]], "InvalidParameterValue"),
        (["subnet-0123456789abcdef0"], "InvalidSubnetID.NotFound"),
    ):
        with pytest.raises(ClientError) as excinfo:
            ec2_b.create_transit_gateway_vpc_attachment(
                TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc_id, SubnetIds=subnets
            )
        assert error_code(excinfo) == code, subnets
    attachment = ec2_b.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc_id, SubnetIds=[subnet_ids[0], subnet_ids[2]]
    )["TransitGatewayVpcAttachment"]
    with pytest.raises(ClientError) as excinfo:
        ec2_b.modify_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=attachment["TransitGatewayAttachmentId"], AddSubnetIds=[subnet_ids[1]]
        )
    assert error_code(excinfo) == "DuplicateSubnetsInSameZone"
    with pytest.raises(ClientError) as excinfo:
        ec2_b.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc_id, SubnetIds=[subnet_ids[2]]
        )
    assert error_code(excinfo) == "DuplicateTransitGatewayAttachment"


def test_g33_owner_routes_the_attachment(aws):
    ec2_a, ec2_b = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    tgw = shared_tgw(aws)[0]
    attachment, vpc_id = attach(aws, tgw["TransitGatewayId"])[:2]
    attachment_id = attachment["TransitGatewayAttachmentId"]
    ec2_b.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.120.0.0/16")
    ec2_a.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    table_id = ec2_a.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])[
        "TransitGatewayRouteTable"
    ]["TransitGatewayRouteTableId"]
    pair = dict(TransitGatewayRouteTableId=table_id, TransitGatewayAttachmentId=attachment_id)

    with pytest.raises(ClientError) as excinfo:  # the route tables are A's
        ec2_b.associate_transit_gateway_route_table(**pair)
    assert error_code(excinfo) == "InvalidRouteTableID.NotFound"
    association = ec2_a.associate_transit_gateway_route_table(**pair)["Association"]
    assert (association["ResourceId"], association["State"]) == (vpc_id, "associated")
    with pytest.raises(ClientError) as excinfo:
        ec2_a.associate_transit_gateway_route_table(**pair)
    assert error_code(excinfo) == "Resource.AlreadyAssociated"
    ec2_a.enable_transit_gateway_route_table_propagation(**pair)
    with pytest.raises(ClientError) as excinfo:
        ec2_a.enable_transit_gateway_route_table_propagation(**pair)
    assert error_code(excinfo) == "TransitGatewayRouteTablePropagation.Duplicate"

    (found,) = ec2_a.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table_id)["Associations"]
    assert (found["TransitGatewayAttachmentId"], found["ResourceId"], found["ResourceType"]) == (
        attachment_id,
        vpc_id,
        "vpc",
    )
    (found,) = ec2_a.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=table_id)[
        "TransitGatewayRouteTablePropagations"
    ]
    assert (found["TransitGatewayAttachmentId"], found["ResourceId"], found["State"]) == (
        attachment_id,
        vpc_id,
        "enabled",
    )
    assert routes(ec2_a, table_id) == [("10.120.0.0/16", "propagated"), ("10.20.0.0/16", "propagated")]
    (route,) = ec2_a.search_transit_gateway_routes(
        TransitGatewayRouteTableId=table_id, Filters=[{"Name": "route-search.exact-match", "Values": ["10.20.0.0/16"]}]
    )["Routes"]
    assert route["TransitGatewayAttachments"] == [
        {"ResourceId": vpc_id, "TransitGatewayAttachmentId": attachment_id, "ResourceType": "vpc"}
    ]
    (general,) = ec2_a.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[attachment_id])[
        "TransitGatewayAttachments"
    ]
    assert general["Association"] == {"TransitGatewayRouteTableId": table_id, "State": "associated"}
    by_table = [{"Name": "association.transit-gateway-route-table-id", "Values": [table_id]}]
    assert len(ec2_a.describe_transit_gateway_attachments(Filters=by_table)["TransitGatewayAttachments"]) == 1

    ec2_a.disable_transit_gateway_route_table_propagation(**pair)
    assert routes(ec2_a, table_id) == []
    with pytest.raises(ClientError) as excinfo:
        ec2_a.disable_transit_gateway_route_table_propagation(**pair)
    assert error_code(excinfo) == "TransitGatewayRouteTablePropagation.NotFound"
    ec2_a.disassociate_transit_gateway_route_table(**pair)
    assert ec2_a.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table_id)["Associations"] == []
    with pytest.raises(ClientError) as excinfo:
        ec2_a.disassociate_transit_gateway_route_table(**pair)
    assert error_code(excinfo) == "InvalidAssociation.NotFound"


def test_g33_deleted_by_either_side_and_the_gateway_waits(aws):
    ec2_a, ec2_b = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    tgw = shared_tgw(aws)[0]
    tgw_id = tgw["TransitGatewayId"]
    table_id = ec2_a.create_transit_gateway_route_table(TransitGatewayId=tgw_id)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"
    ]
    first = attach(aws, tgw_id)[0]
    second = attach(aws, tgw_id, cidr="10.21.0.0/16")[0]
    first_id, second_id = first["TransitGatewayAttachmentId"], second["TransitGatewayAttachmentId"]
    ec2_a.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first_id)
    pair = dict(TransitGatewayRouteTableId=table_id, TransitGatewayAttachmentId=first_id)
    ec2_a.associate_transit_gateway_route_table(**pair)
    ec2_a.enable_transit_gateway_route_table_propagation(**pair)
    assert routes(ec2_a, table_id) == [("10.20.0.0/16", "propagated")]

    with pytest.raises(ClientError) as excinfo:  # attachments are not deleted
        ec2_a.delete_transit_gateway(TransitGatewayId=tgw_id)
    assert error_code(excinfo) == "IncorrectState"

    # B (the VPC's owner) deletes one: gone for both, with its association, propagation, routes
    deleted = ec2_b.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first_id)
    assert deleted["TransitGatewayVpcAttachment"]["State"] == "deleted"
    for ec2 in (ec2_a, ec2_b):
        assert vpc_attachment(ec2, first_id)["State"] == "deleted"
        live = [{"Name": "state", "Values": ["pendingAcceptance", "available"]}]
        found = ec2.describe_transit_gateway_vpc_attachments(Filters=live)["TransitGatewayVpcAttachments"]
        assert [a["TransitGatewayAttachmentId"] for a in found] == [second_id]
    assert ec2_a.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=table_id)["Associations"] == []
    found = ec2_a.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=table_id)
    assert found["TransitGatewayRouteTablePropagations"] == []
    assert routes(ec2_a, table_id) == []
    with pytest.raises(ClientError) as excinfo:
        ec2_a.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=first_id)
    assert error_code(excinfo) == "InvalidTransitGatewayAttachmentID.NotFound"

    # the other one is still pending acceptance: the gateway waits
    with pytest.raises(ClientError) as excinfo:
        ec2_a.delete_transit_gateway(TransitGatewayId=tgw_id)
    assert error_code(excinfo) == "IncorrectState"
    # A (the gateway's owner) deletes it: gone for B too
    ec2_a.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=second_id)
    assert vpc_attachment(ec2_b, second_id)["State"] == "deleted"
    ec2_a.delete_transit_gateway(TransitGatewayId=tgw_id)
    assert ec2_a.describe_transit_gateways()["TransitGateways"] == []
    with pytest.raises(ClientError) as excinfo:
        ec2_a.delete_transit_gateway(TransitGatewayId=tgw_id)
    assert error_code(excinfo) == "InvalidTransitGatewayID.NotFound"


def test_g33_vpc_route_to_the_shared_tgw(aws):
    ec2_b = aws.client("ec2", ACCOUNT_B)
    tgw = make_tgw(aws.client("ec2"))
    tgw_id = tgw["TransitGatewayId"]
    vpc_id = make_vpc(ec2_b, "10.20.0.0/16")[0]
    table_id = ec2_b.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"][0][
        "RouteTableId"
    ]
    with pytest.raises(ClientError) as excinfo:  # B cannot see A's gateway yet
        ec2_b.create_route(RouteTableId=table_id, DestinationCidrBlock="10.100.0.0/16", TransitGatewayId=tgw_id)
    assert error_code(excinfo) == "InvalidTransitGatewayID.NotFound"

    share_arn = share(aws, [tgw["TransitGatewayArn"]], [ACCOUNT_B])
    accept_invitations(aws, ACCOUNT_B, share_arn)
    ec2_b.create_route(RouteTableId=table_id, DestinationCidrBlock="10.100.0.0/16", TransitGatewayId=tgw_id)
    igw_id = ec2_b.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2_b.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ec2_b.create_route(RouteTableId=table_id, DestinationCidrBlock="10.101.0.0/16", GatewayId=igw_id)
    ec2_b.replace_route(RouteTableId=table_id, DestinationCidrBlock="10.101.0.0/16", TransitGatewayId=tgw_id)
    found = ec2_b.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    via_tgw = sorted(r["DestinationCidrBlock"] for r in found if r.get("TransitGatewayId") == tgw_id)
    assert via_tgw == ["10.100.0.0/16", "10.101.0.0/16"]
    unknown = "tgw-0123456789abcdef0"
    with pytest.raises(ClientError) as excinfo:
        ec2_b.create_route(RouteTableId=table_id, DestinationCidrBlock="10.102.0.0/16", TransitGatewayId=unknown)
    assert error_code(excinfo) == "InvalidTransitGatewayID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2_b.replace_route(RouteTableId=table_id, DestinationCidrBlock="10.101.0.0/16", TransitGatewayId=unknown)
    assert error_code(excinfo) == "InvalidTransitGatewayID.NotFound"


# ---- G34: no default route table when the gateway asks for none ----------------------------------------


def test_g34_no_default_route_table_without_default_association_and_propagation(aws):
    ec2 = aws.client("ec2")
    tgw = make_tgw(ec2)
    assert "AssociationDefaultRouteTableId" not in tgw["Options"]
    assert "PropagationDefaultRouteTableId" not in tgw["Options"]
    tables = ec2.describe_transit_gateway_route_tables(
        Filters=[{"Name": "transit-gateway-id", "Values": [tgw["TransitGatewayId"]]}]
    )["TransitGatewayRouteTables"]
    assert tables == []


def test_g34_the_default_route_table_goes_with_its_gateway(aws):
    ec2 = aws.client("ec2")
    tgw = make_tgw(ec2, DefaultRouteTableAssociation="enable", DefaultRouteTablePropagation="enable")
    default = tgw["Options"]["AssociationDefaultRouteTableId"]
    ec2.delete_transit_gateway(TransitGatewayId=tgw["TransitGatewayId"])
    tables = ec2.describe_transit_gateway_route_tables(
        Filters=[{"Name": "transit-gateway-id", "Values": [tgw["TransitGatewayId"]]}]
    )["TransitGatewayRouteTables"]
    assert [(t["TransitGatewayRouteTableId"], t["State"]) for t in tables if t["State"] != "deleted"] == []
    assert default
