# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS RAM (Resource Access Manager) layer for the transit_gateway and transit_gateway_attachment modules.

Two halves:

* thin API layer: one small function per boto3 call, retried with the collection's jittered
  backoff (``aws_retry``), paginated (``nextToken``) where the API paginates, every "not found"
  error code turned into ``[]`` / ``None`` / ``False`` in one place (``RamErrorHandler``);
* pure helpers with no boto3: RAM's tag format (``[{"key": ..., "value": ...}]``, lower-case keys,
  unlike EC2's ``Key``/``Value``) to and from a dict, and snake_case shapes of a share, an
  invitation, an association and a shared resource, plus the account of an ARN.

RAM words: the gateway account *owns* a resource share (``resourceOwner=SELF``) holding the
transit gateway and names the provider accounts as *principals*; a provider account outside the
gateway's organization gets an *invitation* it accepts, after which the share is listed there with
``resourceOwner=OTHER-ACCOUNTS``.
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry

# Error codes meaning "that share, invitation or resource does not exist".
NOT_FOUND_CODES = [
    "UnknownResourceException",
    "ResourceArnNotFoundException",
    "ResourceShareInvitationArnNotFoundException",
]

SELF = "SELF"
OTHER_ACCOUNTS = "OTHER-ACCOUNTS"
OWNERS = (SELF, OTHER_ACCOUNTS)

# GetResourceShareAssociations associationType values.
PRINCIPAL = "PRINCIPAL"
RESOURCE = "RESOURCE"

# Resource type of a transit gateway in ListResources.
TRANSIT_GATEWAY_TYPE = "ec2:TransitGateway"

# Invitation statuses.
PENDING = "PENDING"
ACCEPTED = "ACCEPTED"

# Share statuses that still share something (DELETED shares stay listed for a while).
LIVE_SHARE_STATUSES = ("PENDING", "ACTIVE")


class AnsibleRamError(AnsibleAWSError):
    """A RAM API call of this layer failed."""


class RamErrorHandler(AWSErrorHandler):
    """``NOT_FOUND_CODES`` become an empty result (``[]`` / ``None`` / ``False``), the rest a failure."""

    _CUSTOM_EXCEPTION = AnsibleRamError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


def _paginate(client, operation, key, **params):
    """Every item of ``key`` over all pages (``nextToken``) of a paginated RAM operation.

    Where botocore has no paginator for an operation, ``nextToken`` is followed here.
    """
    params = {name: value for name, value in params.items() if value not in (None, [], "")}
    if client.can_paginate(operation):
        return client.get_paginator(operation).paginate(**params).build_full_result().get(key, [])
    items = []
    while True:
        page = getattr(client, operation)(**params)
        items.extend(page.get(key) or [])
        if not page.get("nextToken"):
            return items
        params["nextToken"] = page["nextToken"]


def _check_owner(owner):
    if owner not in OWNERS:
        raise ValueError(f"resource owner must be one of {', '.join(OWNERS)}, not {owner!r}")
    return owner


# ---------------------------------------------------------------------------------------------
# API calls
# ---------------------------------------------------------------------------------------------


@RamErrorHandler.common_error_handler("create the resource share")
@aws_retry
def create_resource_share(client, name, resource_arns, principals, allow_external, tags):
    """CreateResourceShare with its resources, principals and tags (one call); returns the raw resourceShare."""
    params = dict(name=name, allowExternalPrincipals=bool(allow_external))
    if resource_arns:
        params["resourceArns"] = list(resource_arns)
    if principals:
        params["principals"] = [str(principal) for principal in principals]
    if tags:
        params["tags"] = ram_tag_list(tags)
    return client.create_resource_share(**params)["resourceShare"]


@RamErrorHandler.list_error_handler("get the resource shares", [])
@aws_retry
def get_resource_shares(client, owner, name=None, arns=None, status=None):
    """Raw GetResourceShares entries owned by ``owner`` (SELF or OTHER-ACCOUNTS), by name and/or ARNs.

    ``status``: one resourceShareStatus (``ACTIVE``...) to filter on, None for every status (a deleted
    share stays listed for a while: see ``is_live``).
    """
    return _paginate(
        client,
        "get_resource_shares",
        "resourceShares",
        resourceOwner=_check_owner(owner),
        name=name,
        resourceShareArns=list(arns or []),
        resourceShareStatus=status,
    )


@RamErrorHandler.deletion_error_handler("delete the resource share")
@aws_retry
def delete_resource_share(client, arn):
    """DeleteResourceShare; False when it is already gone."""
    return bool(client.delete_resource_share(resourceShareArn=arn).get("returnValue", True))


@RamErrorHandler.common_error_handler("associate resources or principals with the resource share")
@aws_retry
def associate_resource_share(client, arn, resource_arns=None, principals=None):
    """AssociateResourceShare: add resources and/or principals; returns the raw resourceShareAssociations."""
    params = dict(resourceShareArn=arn)
    if resource_arns:
        params["resourceArns"] = list(resource_arns)
    if principals:
        params["principals"] = [str(principal) for principal in principals]
    return client.associate_resource_share(**params).get("resourceShareAssociations", [])


@RamErrorHandler.deletion_error_handler("disassociate resources or principals from the resource share")
@aws_retry
def disassociate_resource_share(client, arn, resource_arns=None, principals=None):
    """DisassociateResourceShare: remove resources and/or principals; False when the share is gone."""
    params = dict(resourceShareArn=arn)
    if resource_arns:
        params["resourceArns"] = list(resource_arns)
    if principals:
        params["principals"] = [str(principal) for principal in principals]
    client.disassociate_resource_share(**params)
    return True


@RamErrorHandler.list_error_handler("get the resource share associations", [])
@aws_retry
def get_resource_share_associations(client, association_type, share_arns=None, principal=None):
    """Raw GetResourceShareAssociations entries of ``association_type`` (PRINCIPAL or RESOURCE).

    ``principal`` (an account id) only with PRINCIPAL associations, as the API requires.
    """
    if association_type not in (PRINCIPAL, RESOURCE):
        raise ValueError(f"association type must be {PRINCIPAL} or {RESOURCE}, not {association_type!r}")
    return _paginate(
        client,
        "get_resource_share_associations",
        "resourceShareAssociations",
        associationType=association_type,
        resourceShareArns=list(share_arns or []),
        principal=str(principal) if principal is not None else None,
    )


@RamErrorHandler.list_error_handler("list the principals of the resource shares", [])
@aws_retry
def list_principals(client, owner, share_arns):
    """Raw ListPrincipals entries (``id``, ``resourceShareArn``...) of the shares owned by ``owner``."""
    return _paginate(
        client,
        "list_principals",
        "principals",
        resourceOwner=_check_owner(owner),
        resourceShareArns=list(share_arns or []),
    )


@RamErrorHandler.list_error_handler("get the resource share invitations", [])
@aws_retry
def get_resource_share_invitations(client, share_arns=None):
    """Raw GetResourceShareInvitations entries of this account (every status), of some shares only when given."""
    return _paginate(
        client,
        "get_resource_share_invitations",
        "resourceShareInvitations",
        resourceShareArns=list(share_arns or []),
    )


@RamErrorHandler.common_error_handler("accept the resource share invitation")
@aws_retry
def accept_resource_share_invitation(client, invitation_arn):
    """AcceptResourceShareInvitation; returns the raw resourceShareInvitation."""
    return client.accept_resource_share_invitation(resourceShareInvitationArn=invitation_arn)["resourceShareInvitation"]


@RamErrorHandler.list_error_handler("list the shared resources", [])
@aws_retry
def list_resources(client, owner, resource_type=None, share_arns=None):
    """Raw ListResources entries (``arn``, ``type``, ``resourceShareArn``...) shared by/with ``owner``."""
    return _paginate(
        client,
        "list_resources",
        "resources",
        resourceOwner=_check_owner(owner),
        resourceType=resource_type,
        resourceShareArns=list(share_arns or []),
    )


@RamErrorHandler.common_error_handler("tag the resource share")
@aws_retry
def tag_resource(client, arn, tags):
    """TagResource on a share (adds or overwrites the given keys only)."""
    client.tag_resource(resourceShareArn=arn, tags=ram_tag_list(tags))
    return True


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def ram_tag_list(tags):
    """``{"Name": "x"}`` -> ``[{"key": "Name", "value": "x"}]`` (RAM's format), sorted by key."""
    return [
        {"key": str(key), "value": "" if value is None else str(value)} for key, value in sorted((tags or {}).items())
    ]


def ram_tag_dict(tag_list):
    """``[{"key": "Name", "value": "x"}]`` -> ``{"Name": "x"}``; also reads EC2's ``Key``/``Value``."""
    result = {}
    for tag in tag_list or []:
        key = tag.get("key", tag.get("Key"))
        if key is None:
            continue
        value = tag.get("value", tag.get("Value"))
        result[str(key)] = "" if value is None else str(value)
    return result


def account_of_arn(arn):
    """The account field of an ARN (``arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-1`` ->
    ``111111111111``), ``""`` when it has none."""
    parts = str(arn or "").split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def resource_id_of_arn(arn):
    """The id at the end of a resource ARN (``.../tgw-1`` -> ``tgw-1``), ``""`` when there is none."""
    parts = str(arn or "").split(":", 5)
    if len(parts) != 6:
        return ""
    return parts[5].rsplit("/", 1)[-1]


def normalise_share(raw):
    """``{arn, name, owner_account_id, status, status_message, allow_external_principals, tags}`` of a share."""
    raw = raw or {}
    return {
        "arn": raw.get("resourceShareArn"),
        "name": raw.get("name"),
        "owner_account_id": str(raw.get("owningAccountId") or account_of_arn(raw.get("resourceShareArn"))),
        "status": raw.get("status"),
        "status_message": raw.get("statusMessage"),
        "allow_external_principals": raw.get("allowExternalPrincipals"),
        "tags": ram_tag_dict(raw.get("tags")),
    }


def is_live(share):
    """True when a normalised share is PENDING or ACTIVE (not DELETING, DELETED or FAILED)."""
    return (share or {}).get("status") in LIVE_SHARE_STATUSES


def normalise_invitation(raw):
    """An invitation in snake_case: ``{arn, share_arn, share_name, sender_account_id, receiver_account_id,
    status, invitation_timestamp}`` (the other keys of the raw entry kept in snake_case too)."""
    raw = dict(raw or {})
    result = camel_dict_to_snake_dict(raw)
    arn = result.pop("resource_share_invitation_arn", None)
    share_arn = result.pop("resource_share_arn", None)
    share_name = result.pop("resource_share_name", None)
    timestamp = raw.get("invitationTimestamp")
    result.update(
        arn=arn,
        share_arn=share_arn,
        share_name=share_name,
        sender_account_id=str(raw.get("senderAccountId") or ""),
        receiver_account_id=str(raw.get("receiverAccountId") or ""),
        status=raw.get("status"),
        invitation_timestamp=timestamp.isoformat() if hasattr(timestamp, "isoformat") else timestamp,
    )
    return result


def normalise_association(raw):
    """``{share_arn, share_name, associated_entity, association_type, status, external}`` of an association."""
    raw = raw or {}
    return {
        "share_arn": raw.get("resourceShareArn"),
        "share_name": raw.get("resourceShareName"),
        "associated_entity": raw.get("associatedEntity"),
        "association_type": raw.get("associationType"),
        "status": raw.get("status"),
        "status_message": raw.get("statusMessage"),
        "external": raw.get("external"),
    }


def normalise_resource(raw):
    """``{arn, id, type, share_arn, owner_account_id, status}`` of a ListResources entry."""
    raw = raw or {}
    return {
        "arn": raw.get("arn"),
        "id": resource_id_of_arn(raw.get("arn")),
        "type": raw.get("type"),
        "share_arn": raw.get("resourceShareArn"),
        "owner_account_id": account_of_arn(raw.get("arn")),
        "status": raw.get("status"),
    }


@RamErrorHandler.common_error_handler("update the resource share")
@aws_retry
def update_resource_share(client, arn, allow_external):
    """UpdateResourceShare: whether principals outside the organization are allowed; the raw resourceShare.
    (Added for the transit_gateway module.)"""
    return client.update_resource_share(resourceShareArn=arn, allowExternalPrincipals=bool(allow_external))[
        "resourceShare"
    ]
