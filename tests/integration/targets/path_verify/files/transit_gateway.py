# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Build, break and remove the path_verify target's transit gateway (hub and spoke) with boto3.

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself): each command
runs in one account. The input is one JSON document on standard input; the output one JSON document::

    gateway-setup   (gateway)  {"prefix", "tags", "vpc_id", "subnet_ids", "principals"}: the transit gateway
                               <prefix>-tgw (no auto-accept, no default association or propagation), its route
                               tables <prefix>-tgw-gateway (hub) and <prefix>-tgw-providers (spokes), the gateway
                               VPC's attachment <prefix>-gateway (associated with the hub, propagating into the
                               spokes), and the RAM share <prefix>-tgw with the principals
                               -> {"tgw_id", "hub_rt", "spokes_rt", "hub_attachment", "share_arn"}
    provider-attach (provider) {"prefix", "owner", "tgw_id", "vpc_id", "subnet_ids", "tags"}: accepts the pending
                               invitation of the share <prefix>-tgw from "owner", attaches the VPC
                               -> {"attachment_id", "state"}
    gateway-accept  (gateway)  {"attachment_id", "hub_rt", "spokes_rt"}: accepts the attachment, waits until it
                               is available, associates it with the spokes and propagates it into the hub -> {}
    propagation     (gateway)  {"route_table_id", "attachment_id", "enable"}: one propagation on or off -> {}
    routes          (either)   {"route_table_id", "destinations", "target": {"TransitGatewayId": ...} or
                               {"VpcPeeringConnectionId": ...}}: those routes (replaced, or created) -> {}
    cleanup         (gateway)  {"prefix", "tags"}: every attachment of the transit gateway <prefix>-tgw, its route
                               tables, the share and the transit gateway, when they carry "tags" -> {"deleted": [...]}
"""

import json
import sys
import time

import boto3
import botocore
from botocore.config import Config

CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
TIMEOUT = 900


def client(name):
    return boto3.client(name, config=CONFIG)


def tag_list(tags):
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tags_of(raw):
    return {tag["Key"]: tag.get("Value", "") for tag in raw.get("Tags") or []}


def spec(kind, name, tags):
    return [{"ResourceType": kind, "Tags": tag_list(dict(tags, Name=name))}]


def wait(describe, until, what):
    """Poll ``describe()`` (a state, None when gone) until it is one of ``until``."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        state = describe()
        if state in until:
            return state
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} is {state}, not {'/'.join(str(item) for item in until)}")
        time.sleep(5)


def live(items):
    return [item for item in items if item.get("State") not in ("deleting", "deleted", "rejected", "failed")]


def ours(raw, tags):
    have = tags_of(raw)
    return all(have.get(key) == value for key, value in tags.items())


def find_tgw(ec2, name, tags):
    found = ec2.describe_transit_gateways(Filters=[{"Name": "tag:Name", "Values": [name]}])["TransitGateways"]
    found = [item for item in live(found) if ours(item, tags)]
    return found[0] if found else None


def attachment_state(ec2, attachment_id):
    found = ec2.describe_transit_gateway_vpc_attachments(
        Filters=[{"Name": "transit-gateway-attachment-id", "Values": [attachment_id]}]
    )["TransitGatewayVpcAttachments"]
    return found[0]["State"] if found else None


def gateway_setup(doc):
    ec2, ram = client("ec2"), client("ram")
    prefix, tags = doc["prefix"], doc["tags"]
    name = f"{prefix}-tgw"
    tgw = find_tgw(ec2, name, tags)
    if tgw is None:
        tgw = ec2.create_transit_gateway(
            Description=f"path_verify {prefix}",
            Options={
                "AutoAcceptSharedAttachments": "disable",
                "DefaultRouteTableAssociation": "disable",
                "DefaultRouteTablePropagation": "disable",
            },
            TagSpecifications=spec("transit-gateway", name, tags),
        )["TransitGateway"]
    tgw_id = tgw["TransitGatewayId"]
    wait(lambda: (find_tgw(ec2, name, tags) or {}).get("State"), ("available",), tgw_id)
    on_tgw = [{"Name": "transit-gateway-id", "Values": [tgw_id]}]
    tables = {}
    existing = live(ec2.describe_transit_gateway_route_tables(Filters=on_tgw)["TransitGatewayRouteTables"])
    for role, table_name in (("hub", f"{name}-gateway"), ("spokes", f"{name}-providers")):
        found = [item for item in existing if tags_of(item).get("Name") == table_name]
        if found:
            tables[role] = found[0]["TransitGatewayRouteTableId"]
        else:
            tables[role] = ec2.create_transit_gateway_route_table(
                TransitGatewayId=tgw_id, TagSpecifications=spec("transit-gateway-route-table", table_name, tags)
            )["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    attachments = live(
        ec2.describe_transit_gateway_vpc_attachments(Filters=on_tgw + [{"Name": "vpc-id", "Values": [doc["vpc_id"]]}])[
            "TransitGatewayVpcAttachments"
        ]
    )
    if attachments:
        hub = attachments[0]["TransitGatewayAttachmentId"]
    else:
        hub = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw_id,
            VpcId=doc["vpc_id"],
            SubnetIds=doc["subnet_ids"],
            TagSpecifications=spec("transit-gateway-attachment", f"{prefix}-gateway", tags),
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    wait(lambda: attachment_state(ec2, hub), ("available",), hub)
    associated = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=tables["hub"])
    if hub not in [item["TransitGatewayAttachmentId"] for item in associated["Associations"]]:
        ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=tables["hub"], TransitGatewayAttachmentId=hub
        )
    propagated = ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=tables["spokes"])
    if hub not in [item["TransitGatewayAttachmentId"] for item in propagated["TransitGatewayRouteTablePropagations"]]:
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=tables["spokes"], TransitGatewayAttachmentId=hub
        )
    shares = ram.get_resource_shares(resourceOwner="SELF", name=name)["resourceShares"]
    shares = [item for item in shares if item.get("status") in ("PENDING", "ACTIVE")]
    if shares:
        share_arn = shares[0]["resourceShareArn"]
    else:
        share_arn = ram.create_resource_share(
            name=name,
            resourceArns=[tgw["TransitGatewayArn"]],
            principals=doc["principals"],
            allowExternalPrincipals=True,
            tags=[{"key": key, "value": value} for key, value in sorted(tags.items())],
        )["resourceShare"]["resourceShareArn"]
    return {
        "tgw_id": tgw_id,
        "hub_rt": tables["hub"],
        "spokes_rt": tables["spokes"],
        "hub_attachment": hub,
        "share_arn": share_arn,
    }


def provider_attach(doc):
    ec2, ram = client("ec2"), client("ram")
    name = f"{doc['prefix']}-tgw"
    invitations = ram.get_resource_share_invitations()["resourceShareInvitations"]
    for invitation in invitations:
        if (
            invitation.get("status") == "PENDING"
            and invitation.get("resourceShareName") == name
            and invitation.get("senderAccountId") == doc["owner"]
        ):
            ram.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])

    def shared():
        try:
            found = ec2.describe_transit_gateways(TransitGatewayIds=[doc["tgw_id"]])["TransitGateways"]
        except botocore.exceptions.ClientError:
            return None
        return "shared" if found else None

    wait(shared, ("shared",), f"{doc['tgw_id']} seen from this account")
    found = live(
        ec2.describe_transit_gateway_vpc_attachments(
            Filters=[
                {"Name": "transit-gateway-id", "Values": [doc["tgw_id"]]},
                {"Name": "vpc-id", "Values": [doc["vpc_id"]]},
            ]
        )["TransitGatewayVpcAttachments"]
    )
    if found:
        attachment = found[0]
    else:
        attachment = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=doc["tgw_id"],
            VpcId=doc["vpc_id"],
            SubnetIds=doc["subnet_ids"],
            TagSpecifications=spec(
                "transit-gateway-attachment", f"{doc['prefix']}-{doc.get('name', 'provider')}", doc["tags"]
            ),
        )["TransitGatewayVpcAttachment"]
    attachment_id = attachment["TransitGatewayAttachmentId"]
    state = wait(lambda: attachment_state(ec2, attachment_id), ("pendingAcceptance", "available"), attachment_id)
    return {"attachment_id": attachment_id, "state": state}


def gateway_accept(doc):
    ec2 = client("ec2")
    attachment_id = doc["attachment_id"]
    state = wait(lambda: attachment_state(ec2, attachment_id), ("pendingAcceptance", "available"), attachment_id)
    if state == "pendingAcceptance":
        ec2.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    wait(lambda: attachment_state(ec2, attachment_id), ("available",), attachment_id)
    associated = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=doc["spokes_rt"])
    if attachment_id not in [item["TransitGatewayAttachmentId"] for item in associated["Associations"]]:
        ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=doc["spokes_rt"], TransitGatewayAttachmentId=attachment_id
        )
    propagation({"route_table_id": doc["hub_rt"], "attachment_id": attachment_id, "enable": True})
    return {}


def propagation(doc):
    ec2 = client("ec2")
    current = ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=doc["route_table_id"])
    enabled = doc["attachment_id"] in [
        item["TransitGatewayAttachmentId"] for item in current["TransitGatewayRouteTablePropagations"]
    ]
    params = dict(TransitGatewayRouteTableId=doc["route_table_id"], TransitGatewayAttachmentId=doc["attachment_id"])
    if doc["enable"] and not enabled:
        ec2.enable_transit_gateway_route_table_propagation(**params)
    elif enabled and not doc["enable"]:
        ec2.disable_transit_gateway_route_table_propagation(**params)
    return {}


def routes(doc):
    ec2 = client("ec2")
    table = ec2.describe_route_tables(RouteTableIds=[doc["route_table_id"]])["RouteTables"][0]
    present = {route.get("DestinationCidrBlock") for route in table.get("Routes") or []}
    for destination in doc["destinations"]:
        params = dict(doc["target"], RouteTableId=doc["route_table_id"], DestinationCidrBlock=destination)
        if destination in present:
            ec2.replace_route(**params)
        else:
            ec2.create_route(**params)
    return {}


def cleanup(doc):
    ec2, ram = client("ec2"), client("ram")
    name, tags = f"{doc['prefix']}-tgw", doc["tags"]
    deleted = []
    for share in ram.get_resource_shares(resourceOwner="SELF", name=name)["resourceShares"]:
        if share.get("status") in ("PENDING", "ACTIVE"):
            ram.delete_resource_share(resourceShareArn=share["resourceShareArn"])
            deleted.append(share["resourceShareArn"])
    tgw = find_tgw(ec2, name, tags)
    if tgw is None:
        return {"deleted": deleted}
    tgw_id = tgw["TransitGatewayId"]
    on_tgw = [{"Name": "transit-gateway-id", "Values": [tgw_id]}]
    for attachment in live(
        ec2.describe_transit_gateway_vpc_attachments(Filters=on_tgw)["TransitGatewayVpcAttachments"]
    ):
        attachment_id = attachment["TransitGatewayAttachmentId"]
        ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
        wait(lambda: attachment_state(ec2, attachment_id), (None, "deleted"), attachment_id)
        deleted.append(attachment_id)
    for table in live(ec2.describe_transit_gateway_route_tables(Filters=on_tgw)["TransitGatewayRouteTables"]):
        if table.get("DefaultAssociationRouteTable") or not ours(table, tags):
            continue
        ec2.delete_transit_gateway_route_table(TransitGatewayRouteTableId=table["TransitGatewayRouteTableId"])
        deleted.append(table["TransitGatewayRouteTableId"])
    ec2.delete_transit_gateway(TransitGatewayId=tgw_id)
    deleted.append(tgw_id)
    return {"deleted": deleted}


COMMANDS = {
    "gateway-setup": gateway_setup,
    "provider-attach": provider_attach,
    "gateway-accept": gateway_accept,
    "propagation": propagation,
    "routes": routes,
    "cleanup": cleanup,
}


def main():
    command = sys.argv[1]
    doc = json.load(sys.stdin)
    try:
        result = COMMANDS[command](doc)
    except botocore.exceptions.ClientError as error:
        raise SystemExit(f"{command}: {error}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
