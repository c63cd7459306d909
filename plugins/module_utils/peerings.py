# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPC peering layer for the vpc_peering_requests and vpc_peering_accept modules.

* thin API layer: one small function per boto3 call, retried with the collection's jittered
  backoff (``aws_retry``), "not found" turned into ``[]`` / ``False`` in one place;
* ``normalise``: a DescribeVpcPeeringConnections entry in the shape of
  amazon.aws.ec2_vpc_peering_info (snake_case, tags as a dict), which is what the pure joins of
  ``joins.py`` (``peering_requests``, ``peering_choice``) read;
* ``wait_until_settled``: one DescribeVpcPeeringConnections per poll for every peering that is
  still moving (e.g. ``initiating-request`` after a create, ``provisioning`` after an accept),
  never one waiter per peering.
"""

import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry

NOT_FOUND_CODES = ["InvalidVpcPeeringConnectionID.NotFound", "InvalidVpcPeeringConnectionId.NotFound"]

# A peering in one of these states is on its way somewhere: a caller that needs the next state polls.
MOVING_STATES = ("initiating-request", "provisioning")


class AnsiblePeeringError(AnsibleAWSError):
    """An EC2 VPC peering call of this layer failed."""


class PeeringErrorHandler(AWSErrorHandler):
    """``NOT_FOUND_CODES`` become an empty result (``[]`` / ``False``), the rest a failure."""

    _CUSTOM_EXCEPTION = AnsiblePeeringError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


def _filters(filters):
    return [{"Name": name, "Values": [str(value) for value in values]} for name, values in sorted(filters.items())]


@PeeringErrorHandler.list_error_handler("describe VPC peering connections", [])
@aws_retry
def describe_peerings(client, filters=None, peering_ids=None):
    """Raw DescribeVpcPeeringConnections entries matching ``filters`` ({name: [values]}) and/or ids."""
    params = {}
    if filters:
        params["Filters"] = _filters(filters)
    if peering_ids:
        params["VpcPeeringConnectionIds"] = list(peering_ids)
    paginator = client.get_paginator("describe_vpc_peering_connections")
    return paginator.paginate(**params).build_full_result()["VpcPeeringConnections"]


@PeeringErrorHandler.common_error_handler("request a VPC peering connection")
@aws_retry
def create_peering(client, vpc_id, peer_vpc_id, peer_owner_id, peer_region, tags):
    """CreateVpcPeeringConnection tagged at creation; ``peer_region`` None in the same region."""
    params = dict(VpcId=vpc_id, PeerVpcId=peer_vpc_id, PeerOwnerId=str(peer_owner_id))
    if peer_region:
        params["PeerRegion"] = peer_region
    if tags:
        params["TagSpecifications"] = [
            {"ResourceType": "vpc-peering-connection", "Tags": ansible_dict_to_boto3_tag_list(tags)}
        ]
    return client.create_vpc_peering_connection(**params)["VpcPeeringConnection"]


@PeeringErrorHandler.common_error_handler("accept the VPC peering connection")
@aws_retry
def accept_peering(client, peering_id):
    """AcceptVpcPeeringConnection; the raw connection as AWS returns it."""
    return client.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)["VpcPeeringConnection"]


@PeeringErrorHandler.common_error_handler("tag the VPC peering connection")
@aws_retry
def create_tags(client, peering_id, tags):
    """CreateTags (adds or overwrites the given keys only)."""
    client.create_tags(Resources=[peering_id], Tags=ansible_dict_to_boto3_tag_list(tags))
    return True


@PeeringErrorHandler.deletion_error_handler("delete the VPC peering connection")
@aws_retry
def delete_peering(client, peering_id):
    """DeleteVpcPeeringConnection; False when it is already gone."""
    client.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    return True


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def normalise(raw):
    """A DescribeVpcPeeringConnections entry as amazon.aws.ec2_vpc_peering_info returns it."""
    raw = dict(raw or {})
    tags = boto3_tag_list_to_ansible_dict(raw.pop("Tags", None) or [])
    result = camel_dict_to_snake_dict(raw)
    result["tags"] = tags
    return result


def status_code(peering):
    return ((peering or {}).get("status") or {}).get("code")


def summary(peering):
    """``{id, status, vpc_id, owner_id, region, cidr_block}`` of the accepter side, for results."""
    accepter = (peering or {}).get("accepter_vpc_info") or {}
    return {
        "id": peering.get("vpc_peering_connection_id"),
        "status": status_code(peering),
        "vpc_id": accepter.get("vpc_id"),
        "owner_id": str(accepter.get("owner_id") or ""),
        "region": accepter.get("region"),
    }


def wait_until_settled(client, peering_ids, timeout, delay=2, moving=MOVING_STATES, clock=time.monotonic, sleep=None):
    """Poll every listed peering in one call per poll until none is in ``moving`` states.

    Returns ``(peerings, still_moving)``: ``{id: normalised}`` as last read, and the ids still in a
    moving state when ``timeout`` seconds ran out (empty on success). A peering that disappeared is
    left out of ``peerings``.
    """
    sleep = sleep or time.sleep
    ids = sorted(set(peering_ids or []))
    if not ids:
        return {}, []
    deadline = clock() + max(0, timeout)
    while True:
        current = {
            entry["vpc_peering_connection_id"]: entry
            for entry in (normalise(raw) for raw in describe_peerings(client, peering_ids=ids))
        }
        still = [peering_id for peering_id in ids if status_code(current.get(peering_id)) in moving]
        if not still or clock() >= deadline:
            return current, still
        sleep(delay)
