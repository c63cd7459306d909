# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transit Gateway layer for the transit_gateway (hub, gateway account) and transit_gateway_attachment
(spoke, provider account) modules.

* thin API layer: one small function per EC2 call, retried with the collection's jittered backoff
  (``aws_retry``), paginated where the API paginates, every "not found" error code turned into
  ``[]`` / ``False`` in one place (``TransitGatewayErrorHandler``);
* pure helpers, free of boto3: DescribeTransitGateways / DescribeTransitGatewayRouteTables /
  DescribeTransitGateway(Vpc)Attachments entries as snake_case dicts, ownership (``ours_named``, with
  ``ec2_network.is_ours``: tags ``ManagedBy=multiaccount.apigateway`` and ``multiaccount:gateway``; the tags
  to set come from ``ec2_network.ownership_tags``), the live states;
* ``wait_for_states``: one Describe call per kind of resource per poll (transit gateways, attachments,
  route tables) for everything being waited on together, every ``POLL_INTERVAL`` seconds, never one
  waiter per resource.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import is_ours

# Error codes meaning "that resource (or that association / propagation) does not exist".
NOT_FOUND_CODES = [
    "InvalidTransitGatewayID.NotFound",
    "InvalidTransitGatewayAttachmentID.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidAssociation.NotFound",
    "TransitGatewayRouteTablePropagation.NotFound",
    "InvalidRouteTablePropagation.NotFound",
]

# Resource types of TagSpecifications.
TGW_RESOURCE = "transit-gateway"
ROUTE_TABLE_RESOURCE = "transit-gateway-route-table"
ATTACHMENT_RESOURCE = "transit-gateway-attachment"

# States of a transit gateway, a route table or an attachment that is gone or on its way out.
GONE_STATES = ("deleting", "deleted")
# States of an attachment that will never carry traffic (besides GONE_STATES).
DEAD_ATTACHMENT_STATES = ("deleting", "deleted", "rejecting", "rejected", "failing", "failed")
PENDING_ACCEPTANCE = "pendingAcceptance"
AVAILABLE = "available"
# Association / propagation states that count as in place.
LINKED_STATES = ("associating", "associated", "enabling", "enabled")

POLL_INTERVAL = 5


class AnsibleTransitGatewayError(AnsibleAWSError):
    """An EC2 Transit Gateway call of this layer failed."""


class TransitGatewayErrorHandler(AWSErrorHandler):
    """``NOT_FOUND_CODES`` become an empty result (``[]`` / ``False``), the rest a failure."""

    _CUSTOM_EXCEPTION = AnsibleTransitGatewayError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


def _filters(filters):
    """``{"transit-gateway-id": ["tgw-1"]}`` -> boto3 Filters (sorted by name, values as strings)."""
    return [{"Name": name, "Values": [str(value) for value in values]} for name, values in sorted(filters.items())]


def _describe(client, operation, key, filters=None, ids=None, ids_param=None):
    params = {}
    if filters:
        params["Filters"] = _filters(filters)
    if ids:
        params[ids_param] = list(ids)
    return client.get_paginator(operation).paginate(**params).build_full_result()[key]


def _tag_specifications(resource_type, tags):
    if not tags:
        return []
    return [{"ResourceType": resource_type, "Tags": ansible_dict_to_boto3_tag_list(tags)}]


# ---------------------------------------------------------------------------------------------
# Transit gateways
# ---------------------------------------------------------------------------------------------


@TransitGatewayErrorHandler.list_error_handler("describe transit gateways", [])
@aws_retry
def describe_transit_gateways(client, ids=None, filters=None):
    """Raw DescribeTransitGateways entries with these ids and/or matching ``filters`` ({name: [values]})."""
    return _describe(client, "describe_transit_gateways", "TransitGateways", filters, ids, "TransitGatewayIds")


@TransitGatewayErrorHandler.common_error_handler("create the transit gateway")
@aws_retry
def create_transit_gateway(client, description, options, tags):
    """CreateTransitGateway tagged at creation; ``options``: the boto3 ``Options`` dict. Returns the raw entry."""
    params = {"Options": dict(options or {}), "TagSpecifications": _tag_specifications(TGW_RESOURCE, tags)}
    if description:
        params["Description"] = description
    return client.create_transit_gateway(**params)["TransitGateway"]


@TransitGatewayErrorHandler.common_error_handler("modify the transit gateway")
@aws_retry
def modify_transit_gateway(client, transit_gateway_id, options=None, description=None):
    """ModifyTransitGateway: the given boto3 ``Options`` keys (and the description when not None)."""
    params = {"TransitGatewayId": transit_gateway_id}
    if options:
        params["Options"] = dict(options)
    if description is not None:
        params["Description"] = description
    return client.modify_transit_gateway(**params)["TransitGateway"]


@TransitGatewayErrorHandler.deletion_error_handler("delete the transit gateway")
@aws_retry
def delete_transit_gateway(client, transit_gateway_id):
    """DeleteTransitGateway; False when it is already gone."""
    client.delete_transit_gateway(TransitGatewayId=transit_gateway_id)
    return True


@TransitGatewayErrorHandler.common_error_handler("tag the transit gateway resources")
@aws_retry
def create_tags(client, resource_ids, tags):
    """CreateTags on transit gateways, route tables or attachments (adds or overwrites the given keys only)."""
    client.create_tags(Resources=list(resource_ids), Tags=ansible_dict_to_boto3_tag_list(tags))
    return True


# ---------------------------------------------------------------------------------------------
# Route tables
# ---------------------------------------------------------------------------------------------


@TransitGatewayErrorHandler.list_error_handler("describe transit gateway route tables", [])
@aws_retry
def describe_transit_gateway_route_tables(client, filters=None, ids=None):
    """Raw DescribeTransitGatewayRouteTables entries matching ``filters`` and/or with these ids."""
    return _describe(
        client,
        "describe_transit_gateway_route_tables",
        "TransitGatewayRouteTables",
        filters,
        ids,
        "TransitGatewayRouteTableIds",
    )


@TransitGatewayErrorHandler.common_error_handler("create the transit gateway route table")
@aws_retry
def create_transit_gateway_route_table(client, transit_gateway_id, tags):
    """CreateTransitGatewayRouteTable tagged at creation; the raw entry."""
    return client.create_transit_gateway_route_table(
        TransitGatewayId=transit_gateway_id, TagSpecifications=_tag_specifications(ROUTE_TABLE_RESOURCE, tags)
    )["TransitGatewayRouteTable"]


@TransitGatewayErrorHandler.deletion_error_handler("delete the transit gateway route table")
@aws_retry
def delete_transit_gateway_route_table(client, route_table_id):
    """DeleteTransitGatewayRouteTable; False when it is already gone."""
    client.delete_transit_gateway_route_table(TransitGatewayRouteTableId=route_table_id)
    return True


@TransitGatewayErrorHandler.list_error_handler("get the transit gateway route table associations", [])
@aws_retry
def get_transit_gateway_route_table_associations(client, route_table_id, filters=None):
    """Raw GetTransitGatewayRouteTableAssociations entries of one route table ([] when it is gone)."""
    params = {"TransitGatewayRouteTableId": route_table_id}
    if filters:
        params["Filters"] = _filters(filters)
    paginator = client.get_paginator("get_transit_gateway_route_table_associations")
    return paginator.paginate(**params).build_full_result()["Associations"]


@TransitGatewayErrorHandler.list_error_handler("get the transit gateway route table propagations", [])
@aws_retry
def get_transit_gateway_route_table_propagations(client, route_table_id, filters=None):
    """Raw GetTransitGatewayRouteTablePropagations entries of one route table ([] when it is gone)."""
    params = {"TransitGatewayRouteTableId": route_table_id}
    if filters:
        params["Filters"] = _filters(filters)
    paginator = client.get_paginator("get_transit_gateway_route_table_propagations")
    return paginator.paginate(**params).build_full_result()["TransitGatewayRouteTablePropagations"]


@TransitGatewayErrorHandler.common_error_handler("associate the attachment with the transit gateway route table")
@aws_retry
def associate_transit_gateway_route_table(client, route_table_id, attachment_id):
    """AssociateTransitGatewayRouteTable (an attachment has at most one associated route table)."""
    return client.associate_transit_gateway_route_table(
        TransitGatewayRouteTableId=route_table_id, TransitGatewayAttachmentId=attachment_id
    )["Association"]


@TransitGatewayErrorHandler.deletion_error_handler("disassociate the attachment from the transit gateway route table")
@aws_retry
def disassociate_transit_gateway_route_table(client, route_table_id, attachment_id):
    """DisassociateTransitGatewayRouteTable; False when there is no such association."""
    client.disassociate_transit_gateway_route_table(
        TransitGatewayRouteTableId=route_table_id, TransitGatewayAttachmentId=attachment_id
    )
    return True


@TransitGatewayErrorHandler.common_error_handler("enable the propagation into the transit gateway route table")
@aws_retry
def enable_transit_gateway_route_table_propagation(client, route_table_id, attachment_id):
    """EnableTransitGatewayRouteTablePropagation of the attachment's routes into the table."""
    return client.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=route_table_id, TransitGatewayAttachmentId=attachment_id
    )["Propagation"]


@TransitGatewayErrorHandler.deletion_error_handler("disable the propagation into the transit gateway route table")
@aws_retry
def disable_transit_gateway_route_table_propagation(client, route_table_id, attachment_id):
    """DisableTransitGatewayRouteTablePropagation; False when there is no such propagation."""
    client.disable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=route_table_id, TransitGatewayAttachmentId=attachment_id
    )
    return True


@TransitGatewayErrorHandler.list_error_handler("search the transit gateway routes", [])
@aws_retry
def search_transit_gateway_routes(client, route_table_id, filters):
    """Raw SearchTransitGatewayRoutes entries of one table (``filters`` is required by the API,
    e.g. ``{"state": ["active", "blackhole"]}``)."""
    return client.search_transit_gateway_routes(TransitGatewayRouteTableId=route_table_id, Filters=_filters(filters))[
        "Routes"
    ]


# ---------------------------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------------------------


@TransitGatewayErrorHandler.list_error_handler("describe transit gateway VPC attachments", [])
@aws_retry
def describe_transit_gateway_vpc_attachments(client, filters=None, ids=None):
    """Raw DescribeTransitGatewayVpcAttachments entries matching ``filters`` and/or with these ids."""
    return _describe(
        client,
        "describe_transit_gateway_vpc_attachments",
        "TransitGatewayVpcAttachments",
        filters,
        ids,
        "TransitGatewayAttachmentIds",
    )


@TransitGatewayErrorHandler.list_error_handler("describe transit gateway attachments", [])
@aws_retry
def describe_transit_gateway_attachments(client, filters=None, ids=None):
    """Raw DescribeTransitGatewayAttachments entries (every resource type) matching ``filters`` and/or ids."""
    return _describe(
        client,
        "describe_transit_gateway_attachments",
        "TransitGatewayAttachments",
        filters,
        ids,
        "TransitGatewayAttachmentIds",
    )


@TransitGatewayErrorHandler.common_error_handler("attach the VPC to the transit gateway")
@aws_retry
def create_transit_gateway_vpc_attachment(client, tgw_id, vpc_id, subnet_ids, tags, dns_support=True):
    """CreateTransitGatewayVpcAttachment (one subnet per Availability Zone) tagged at creation; the raw entry."""
    return client.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id,
        VpcId=vpc_id,
        SubnetIds=list(subnet_ids),
        Options={"DnsSupport": "enable" if dns_support else "disable"},
        TagSpecifications=_tag_specifications(ATTACHMENT_RESOURCE, tags),
    )["TransitGatewayVpcAttachment"]


@TransitGatewayErrorHandler.common_error_handler("modify the subnets of the transit gateway VPC attachment")
@aws_retry
def modify_transit_gateway_vpc_attachment(client, attachment_id, add_subnet_ids=None, remove_subnet_ids=None):
    """ModifyTransitGatewayVpcAttachment: add and/or remove subnets; the raw entry."""
    params = {"TransitGatewayAttachmentId": attachment_id}
    if add_subnet_ids:
        params["AddSubnetIds"] = list(add_subnet_ids)
    if remove_subnet_ids:
        params["RemoveSubnetIds"] = list(remove_subnet_ids)
    return client.modify_transit_gateway_vpc_attachment(**params)["TransitGatewayVpcAttachment"]


@TransitGatewayErrorHandler.deletion_error_handler("delete the transit gateway VPC attachment")
@aws_retry
def delete_transit_gateway_vpc_attachment(client, attachment_id):
    """DeleteTransitGatewayVpcAttachment; False when it is already gone."""
    client.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    return True


@TransitGatewayErrorHandler.common_error_handler("accept the transit gateway VPC attachment")
@aws_retry
def accept_transit_gateway_vpc_attachment(client, attachment_id):
    """AcceptTransitGatewayVpcAttachment (by the transit gateway's owner); the raw entry."""
    return client.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)[
        "TransitGatewayVpcAttachment"
    ]


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def tags_of(raw):
    """Ansible-style tag dict of a boto3 entry (``Tags`` list)."""
    return boto3_tag_list_to_ansible_dict((raw or {}).get("Tags") or [])


def normalise_transit_gateway(raw):
    """``{id, arn, owner_id, state, description, name, amazon_side_asn, options, tags}`` of a
    DescribeTransitGateways / CreateTransitGateway entry; ``options`` in snake_case with the string
    values AWS uses (``enable`` / ``disable``)."""
    raw = raw or {}
    options = raw.get("Options") or {}
    tags = tags_of(raw)
    asn = options.get("AmazonSideAsn")
    return {
        "id": raw.get("TransitGatewayId"),
        "arn": raw.get("TransitGatewayArn"),
        "owner_id": str(raw.get("OwnerId") or ""),
        "state": raw.get("State"),
        "description": raw.get("Description") or "",
        "name": tags.get("Name"),
        "amazon_side_asn": int(asn) if asn is not None else None,
        "options": {
            "auto_accept_shared_attachments": options.get("AutoAcceptSharedAttachments"),
            "default_route_table_association": options.get("DefaultRouteTableAssociation"),
            "default_route_table_propagation": options.get("DefaultRouteTablePropagation"),
            "dns_support": options.get("DnsSupport"),
            "vpn_ecmp_support": options.get("VpnEcmpSupport"),
        },
        "tags": tags,
    }


def normalise_route_table(raw):
    """``{id, transit_gateway_id, state, name, tags}`` of a DescribeTransitGatewayRouteTables entry."""
    raw = raw or {}
    tags = tags_of(raw)
    return {
        "id": raw.get("TransitGatewayRouteTableId"),
        "transit_gateway_id": raw.get("TransitGatewayId"),
        "state": raw.get("State"),
        "name": tags.get("Name"),
        "tags": tags,
    }


def normalise_attachment(raw):
    """``{id, transit_gateway_id, transit_gateway_owner_id, vpc_id, vpc_owner_id, resource_type, state,
    subnet_ids, dns_support, association, tags}`` of a DescribeTransitGatewayVpcAttachments entry, or of a
    DescribeTransitGatewayAttachments one (``ResourceId`` / ``ResourceOwnerId``; no subnets there:
    ``subnet_ids`` is then None). ``association``: ``{route_table_id, state}`` or None (only the generic
    call returns it)."""
    raw = raw or {}
    association = raw.get("Association") or None
    subnets = raw.get("SubnetIds")
    return {
        "id": raw.get("TransitGatewayAttachmentId"),
        "transit_gateway_id": raw.get("TransitGatewayId"),
        "transit_gateway_owner_id": str(raw.get("TransitGatewayOwnerId") or "") or None,
        "vpc_id": raw.get("VpcId") or raw.get("ResourceId"),
        "vpc_owner_id": str(raw.get("VpcOwnerId") or raw.get("ResourceOwnerId") or ""),
        "resource_type": raw.get("ResourceType") or "vpc",
        "state": raw.get("State"),
        "subnet_ids": sorted(subnets) if subnets is not None else None,
        "dns_support": (raw.get("Options") or {}).get("DnsSupport"),
        "association": (
            {
                "route_table_id": association.get("TransitGatewayRouteTableId"),
                "state": association.get("State"),
            }
            if association
            else None
        ),
        "tags": tags_of(raw),
    }


def normalise_link(raw):
    """``{attachment_id, resource_id, resource_owner_id, resource_type, state}`` of a
    GetTransitGatewayRouteTableAssociations / Propagations entry (both have the same keys)."""
    raw = raw or {}
    return {
        "attachment_id": raw.get("TransitGatewayAttachmentId"),
        "resource_id": raw.get("ResourceId"),
        "resource_owner_id": str(raw.get("ResourceOwnerId") or "") or None,
        "resource_type": raw.get("ResourceType"),
        "state": raw.get("State"),
    }


def live_links(raw_links):
    """``{attachment_id: normalised}`` of the associations / propagations that are in place or on their way."""
    result = {}
    for raw in raw_links or []:
        link = normalise_link(raw)
        if link["state"] in LINKED_STATES:
            result[link["attachment_id"]] = link
    return result


def is_live(entry):
    """True for a transit gateway, route table or attachment (normalised) not deleting or deleted."""
    return bool(entry) and entry.get("state") not in GONE_STATES


def is_dead_attachment(attachment):
    """True for an attachment that will never carry traffic (deleting, deleted, rejected, failed...)."""
    return (attachment or {}).get("state") in DEAD_ATTACHMENT_STATES


def ours_named(entries, gateway, name):
    """The live normalised entries (with ``tags``) named ``name`` that are ours, and those that are not."""
    ours, foreign = [], []
    for entry in entries or []:
        if not is_live(entry) or (entry.get("tags") or {}).get("Name") != name:
            continue
        (ours if is_ours(entry.get("tags"), gateway) else foreign).append(entry)
    return ours, foreign


def missing_tags(current, desired):
    """The keys of ``desired`` that ``current`` lacks or has with another value (tags are never purged)."""
    current = current or {}
    return {key: value for key, value in (desired or {}).items() if current.get(key) != value}


# ---------------------------------------------------------------------------------------------
# Waiting: one Describe call per kind per poll, for everything waited on together
# ---------------------------------------------------------------------------------------------

# kind -> (describe function, id filter name, normaliser)
_WAIT_KINDS = {
    "transit_gateway": (describe_transit_gateways, "transit-gateway-id", normalise_transit_gateway),
    "attachment": (describe_transit_gateway_attachments, "transit-gateway-attachment-id", normalise_attachment),
    "route_table": (describe_transit_gateway_route_tables, "transit-gateway-route-table-id", normalise_route_table),
}


def read_states(client, kind, ids):
    """``{id: state}`` of the listed resources of one kind, in one Describe call (a filter on the ids,
    so that an id AWS no longer knows is simply absent: ``None``)."""
    describe, id_filter, normalise = _WAIT_KINDS[kind]
    ids = sorted(set(ids))
    states = {resource_id: None for resource_id in ids}
    if not ids:
        return states
    for raw in describe(client, filters={id_filter: ids}):
        entry = normalise(raw)
        if entry["id"] in states:
            states[entry["id"]] = entry["state"]
    return states


def settled(state, until):
    """True when ``state`` is one of ``until``; a resource that is gone (None) counts as ``deleted``."""
    return (state or "deleted") in until


def hopeless(state, until):
    """True when ``state`` can no longer reach ``until`` (deleted, failed or rejected while waiting for
    something else)."""
    return not settled(state, until) and (state or "deleted") in ("deleted", "failed", "rejected")


def wait_for_states(client, want, timeout, delay=POLL_INTERVAL, clock=time.monotonic, sleep=None):
    """Poll until every wanted resource is in one of its ``until`` states.

    ``want``: ``[{"kind": "transit_gateway" | "attachment" | "route_table", "id", "until": (states...)}]``
    (``deleted`` in ``until`` is also met by a resource AWS no longer lists). Each poll makes one
    Describe call per kind present in ``want``. Stops early when a resource can never get there
    (``hopeless``). Returns ``(states, unsettled)``: ``{id: state or None}`` as last read, and the
    ``want`` entries not settled (empty on success) with their last ``state``.
    """
    sleep = sleep or time.sleep
    want = [dict(item, until=tuple(item["until"])) for item in want or []]
    if not want:
        return {}, []
    deadline = clock() + max(0, timeout)
    while True:
        states = {}
        for kind in sorted({item["kind"] for item in want}):
            states.update(read_states(client, kind, [item["id"] for item in want if item["kind"] == kind]))
        unsettled = [
            dict(item, state=states.get(item["id"]))
            for item in want
            if not settled(states.get(item["id"]), item["until"])
        ]
        if not unsettled or clock() >= deadline or any(hopeless(item["state"], item["until"]) for item in unsettled):
            return states, unsettled
        sleep(delay)


# Appended for transit_gateway_attachment (provider side): the subnets and the options in one call.
@TransitGatewayErrorHandler.common_error_handler("modify the transit gateway VPC attachment")
@aws_retry
def modify_vpc_attachment(client, attachment_id, add_subnet_ids=None, remove_subnet_ids=None, options=None):
    """ModifyTransitGatewayVpcAttachment: add and/or remove subnets and set boto3 ``Options`` keys
    (``{"DnsSupport": "enable"}``) in one call; the raw entry."""
    params = {"TransitGatewayAttachmentId": attachment_id}
    if add_subnet_ids:
        params["AddSubnetIds"] = list(add_subnet_ids)
    if remove_subnet_ids:
        params["RemoveSubnetIds"] = list(remove_subnet_ids)
    if options:
        params["Options"] = dict(options)
    return client.modify_transit_gateway_vpc_attachment(**params)["TransitGatewayVpcAttachment"]


def wait_disassociated(client, pending, timeout, delay=POLL_INTERVAL, clock=time.monotonic, sleep=None):
    """Poll until the listed attachments are no longer associated with the listed route tables.

    ``pending``: ``{route_table_id: [attachment ids]}``; each poll makes one
    GetTransitGatewayRouteTableAssociations per route table (filter on the attachment ids). An attachment
    is associated with one route table at a time, so one just disassociated (``disassociating``) must be
    waited for before it is associated with another. Returns ``{route_table_id: [ids still associated]}``
    (empty on success).
    """
    sleep = sleep or time.sleep
    pending = {table: sorted(set(ids)) for table, ids in (pending or {}).items() if ids}
    deadline = clock() + max(0, timeout)
    while True:
        still = {}
        for table, ids in sorted(pending.items()):
            raw = get_transit_gateway_route_table_associations(
                client, table, filters={"transit-gateway-attachment-id": ids}
            )
            linked = [
                raw_link["TransitGatewayAttachmentId"] for raw_link in raw if raw_link.get("State") != "disassociated"
            ]
            left = sorted(set(ids) & set(linked))
            if left:
                still[table] = left
        if not still or clock() >= deadline:
            return still
        sleep(delay)
