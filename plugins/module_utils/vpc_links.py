# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""API Gateway VPC links, both flavours, for the vpc_link and vpc_link_info modules.

Two halves:

* thin API layer: one small function per boto3 call, retried with the collection's jittered
  backoff (``aws_retry``), paginated where the API paginates, ``NotFoundException`` turned into
  ``None`` / ``[]`` / ``False`` in one place (``VpcLinkErrorHandler``); a botocore waiter model
  for "available" and "deleted";
* pure logic with no boto3 (normalisation to one snake_case shape, flavour resolution, link
  matching, desired-vs-current plan, replacement decision, integration usage), unit-tested.

Flavours: ``v1`` is a REST API VPC link (``apigateway`` client, one NLB in ``targetArns``);
``v2`` is an ``apigatewayv2`` VPC link (subnets + security groups). Both are tagged through
the ARN ``arn:<partition>:apigateway:<region>::/vpclinks/<id>``.
"""

import re

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory, custom_waiter_config
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    aws_retry,
    is_managed,
    managed_tags,
    tag_changes,
)

VERSIONS = ("v1", "v2")

# The largest page GetVpcLinks, GetRestApis and GetResources accept (AWS's default is 25: one call per
# 25 links, APIs or resources).
PAGE_SIZE = 500

# Seconds between two GetVpcLink calls while waiting. AWS takes minutes to provision a link,
# so a short, fixed poll keeps the module responsive without hammering the control plane.
WAIT_DELAY = 5

# Statuses after which a link is usable (v2 links turn INACTIVE after 60 days without traffic
# and come back on their own when used).
SETTLED_STATUSES = ("AVAILABLE", "INACTIVE")

_STAGE_VARIABLE_RE = re.compile(r"^\$\{stageVariables\.([A-Za-z0-9_]+)\}$")


class AnsibleVpcLinkError(AnsibleAWSError):
    pass


class VpcLinkErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleVpcLinkError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


# --------------------------------------------------------------------------------------------
# API layer: apigateway (REST, v1 links)
# --------------------------------------------------------------------------------------------


@VpcLinkErrorHandler.list_error_handler("list REST API VPC links", [])
@aws_retry
def get_v1_vpc_links(client):
    paginator = client.get_paginator("get_vpc_links")
    return paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE}).build_full_result().get("items", [])


@VpcLinkErrorHandler.list_error_handler("get REST API VPC link")
@aws_retry
def get_v1_vpc_link(client, vpc_link_id):
    return client.get_vpc_link(vpcLinkId=vpc_link_id)


@VpcLinkErrorHandler.common_error_handler("create REST API VPC link")
@aws_retry
def create_v1_vpc_link(client, name, target_arns, description=None, tags=None):
    params = dict(name=name, targetArns=list(target_arns))
    if description is not None:
        params["description"] = description
    if tags:
        params["tags"] = tags
    return client.create_vpc_link(**params)


@VpcLinkErrorHandler.common_error_handler("update REST API VPC link")
@aws_retry
def update_v1_vpc_link(client, vpc_link_id, patch_operations):
    return client.update_vpc_link(vpcLinkId=vpc_link_id, patchOperations=patch_operations)


@VpcLinkErrorHandler.deletion_error_handler("delete REST API VPC link")
@aws_retry
def delete_v1_vpc_link(client, vpc_link_id):
    client.delete_vpc_link(vpcLinkId=vpc_link_id)
    return True


@VpcLinkErrorHandler.common_error_handler("tag REST API VPC link")
@aws_retry
def tag_v1_resource(client, resource_arn, tags):
    client.tag_resource(resourceArn=resource_arn, tags=tags)
    return True


@VpcLinkErrorHandler.common_error_handler("untag REST API VPC link")
@aws_retry
def untag_v1_resource(client, resource_arn, tag_keys):
    client.untag_resource(resourceArn=resource_arn, tagKeys=list(tag_keys))
    return True


@VpcLinkErrorHandler.list_error_handler("list REST APIs", [])
@aws_retry
def get_rest_apis(client):
    paginator = client.get_paginator("get_rest_apis")
    return paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE}).build_full_result().get("items", [])


@VpcLinkErrorHandler.list_error_handler("list the resources and methods of a REST API", [])
@aws_retry
def get_resources_with_methods(client, rest_api_id):
    paginator = client.get_paginator("get_resources")
    pages = paginator.paginate(restApiId=rest_api_id, embed=["methods"], PaginationConfig={"PageSize": PAGE_SIZE})
    return pages.build_full_result().get("items", [])


@VpcLinkErrorHandler.list_error_handler("list the stages of a REST API", [])
@aws_retry
def get_stages(client, rest_api_id):
    return client.get_stages(restApiId=rest_api_id).get("item", [])


# --------------------------------------------------------------------------------------------
# API layer: apigatewayv2 (v2 links, HTTP APIs)
# --------------------------------------------------------------------------------------------


@VpcLinkErrorHandler.list_error_handler("list v2 VPC links", [])
@aws_retry
def get_v2_vpc_links(client):
    # botocore has no paginator for apigatewayv2 GetVpcLinks: follow NextToken by hand.
    links, params = [], {}
    while True:
        page = client.get_vpc_links(**params)
        links.extend(page.get("Items", []))
        if not page.get("NextToken"):
            return links
        params["NextToken"] = page["NextToken"]


@VpcLinkErrorHandler.list_error_handler("get v2 VPC link")
@aws_retry
def get_v2_vpc_link(client, vpc_link_id):
    return client.get_vpc_link(VpcLinkId=vpc_link_id)


@VpcLinkErrorHandler.common_error_handler("create v2 VPC link")
@aws_retry
def create_v2_vpc_link(client, name, subnet_ids, security_group_ids=None, tags=None):
    params = dict(Name=name, SubnetIds=list(subnet_ids))
    if security_group_ids:
        params["SecurityGroupIds"] = list(security_group_ids)
    if tags:
        params["Tags"] = tags
    return client.create_vpc_link(**params)


@VpcLinkErrorHandler.common_error_handler("update v2 VPC link")
@aws_retry
def update_v2_vpc_link(client, vpc_link_id, name):
    return client.update_vpc_link(VpcLinkId=vpc_link_id, Name=name)


@VpcLinkErrorHandler.deletion_error_handler("delete v2 VPC link")
@aws_retry
def delete_v2_vpc_link(client, vpc_link_id):
    client.delete_vpc_link(VpcLinkId=vpc_link_id)
    return True


@VpcLinkErrorHandler.common_error_handler("tag v2 VPC link")
@aws_retry
def tag_v2_resource(client, resource_arn, tags):
    client.tag_resource(ResourceArn=resource_arn, Tags=tags)
    return True


@VpcLinkErrorHandler.common_error_handler("untag v2 VPC link")
@aws_retry
def untag_v2_resource(client, resource_arn, tag_keys):
    client.untag_resource(ResourceArn=resource_arn, TagKeys=list(tag_keys))
    return True


@VpcLinkErrorHandler.list_error_handler("list HTTP APIs", [])
@aws_retry
def get_http_apis(client):
    paginator = client.get_paginator("get_apis")
    return paginator.paginate().build_full_result().get("Items", [])


@VpcLinkErrorHandler.list_error_handler("list the integrations of an HTTP API", [])
@aws_retry
def get_http_integrations(client, api_id):
    paginator = client.get_paginator("get_integrations")
    return paginator.paginate(ApiId=api_id).build_full_result().get("Items", [])


@VpcLinkErrorHandler.list_error_handler("list the routes of an HTTP API", [])
@aws_retry
def get_http_routes(client, api_id):
    paginator = client.get_paginator("get_routes")
    return paginator.paginate(ApiId=api_id).build_full_result().get("Items", [])


# --------------------------------------------------------------------------------------------
# Waiting (botocore waiter model; polls GetVpcLink, never one long sleep)
# --------------------------------------------------------------------------------------------


def _status_acceptors(path, success, failure, retry):
    acceptors = [dict(state="success", matcher="path", argument=path, expected=s) for s in success]
    acceptors += [dict(state="failure", matcher="path", argument=path, expected=s) for s in failure]
    acceptors += [dict(state="retry", matcher="path", argument=path, expected=s) for s in retry]
    return acceptors


class VpcLinkWaiterFactory(BaseWaiterFactory):
    """Waiters ``v1_available``, ``v1_deleted``, ``v2_available``, ``v2_deleted`` (GetVpcLink).

    BaseWaiterFactory adds retry acceptors for throttling (TooManyRequestsException included).
    """

    @property
    def _waiter_model_data(self):
        deleted = dict(state="success", matcher="error", expected="NotFoundException")
        return dict(
            v1_available=dict(
                operation="GetVpcLink",
                delay=WAIT_DELAY,
                maxAttempts=180,
                acceptors=_status_acceptors("status", ["AVAILABLE"], ["FAILED", "DELETING"], ["PENDING"]),
            ),
            v1_deleted=dict(
                operation="GetVpcLink",
                delay=WAIT_DELAY,
                maxAttempts=180,
                acceptors=[deleted] + _status_acceptors("status", [], [], ["DELETING"]),
            ),
            v2_available=dict(
                operation="GetVpcLink",
                delay=WAIT_DELAY,
                maxAttempts=180,
                acceptors=_status_acceptors(
                    "VpcLinkStatus", list(SETTLED_STATUSES), ["FAILED", "DELETING"], ["PENDING"]
                ),
            ),
            v2_deleted=dict(
                operation="GetVpcLink",
                delay=WAIT_DELAY,
                maxAttempts=180,
                acceptors=[deleted] + _status_acceptors("VpcLinkStatus", [], [], ["DELETING"]),
            ),
        )


def waiter_config(timeout):
    """Delay / MaxAttempts so that the waiter polls every WAIT_DELAY s for at least ``timeout`` s."""
    return custom_waiter_config(timeout=timeout, default_pause=WAIT_DELAY)


def wait_message(vpc_link_id, version, target, timeout, reason, last_response):
    """Error text for a waiter that did not succeed: FAILED with its statusMessage, or a timeout
    with the last status seen, or the API error that stopped it."""
    last_response = last_response or {}
    error = last_response.get("Error") or {}
    if version == "v1":
        status, message = last_response.get("status"), last_response.get("statusMessage")
    else:
        status, message = last_response.get("VpcLinkStatus"), last_response.get("VpcLinkStatusMessage")
    wanted = "become available" if target == "available" else "be deleted"
    detail = f"status {status}" if status else "status unknown"
    if message:
        detail += f": {message}"
    if status == "FAILED":
        return f"VPC link {vpc_link_id} ({version}) is FAILED: {message or 'no statusMessage given'}"
    if error:
        return f"Error while waiting for VPC link {vpc_link_id} ({version}) to {wanted}: {error.get('Code')}: {error.get('Message')}"
    if "max attempts" in (reason or "").lower():
        return f"Timed out after {timeout} s waiting for VPC link {vpc_link_id} ({version}) to {wanted}; last {detail}"
    return f"VPC link {vpc_link_id} ({version}) did not {wanted}: {detail} ({reason})"


def wait_for_vpc_link(client, version, vpc_link_id, target, timeout):
    """Poll GetVpcLink until the link is AVAILABLE (``target="available"``) or gone
    (``target="deleted"``). Raises AnsibleVpcLinkError naming the last status on failure/timeout."""
    waiter = VpcLinkWaiterFactory().get_waiter(client, f"{version}_{target}")
    params = dict(vpcLinkId=vpc_link_id) if version == "v1" else dict(VpcLinkId=vpc_link_id)
    try:
        waiter.wait(WaiterConfig=waiter_config(timeout), **params)
    except botocore.exceptions.WaiterError as e:
        reason = e.kwargs.get("reason")
        raise AnsibleVpcLinkError(
            message=wait_message(vpc_link_id, version, target, timeout, reason, e.last_response)
        ) from e


# --------------------------------------------------------------------------------------------
# Composite reads
# --------------------------------------------------------------------------------------------


def vpc_link_arn(client, vpc_link_id):
    """ARN used by TagResource / UntagResource for both flavours."""
    return f"arn:{client.meta.partition}:apigateway:{client.meta.region_name}::/vpclinks/{vpc_link_id}"


def get_vpc_link(clients, version, vpc_link_id):
    """One link in the snake_case shape, or None. ``clients``: {"v1": apigateway, "v2": apigatewayv2}."""
    getter = get_v1_vpc_link if version == "v1" else get_v2_vpc_link
    raw = getter(clients[version], vpc_link_id)
    if raw is None:
        return None
    return normalise_vpc_link(raw, version, vpc_link_arn(clients[version], vpc_link_id))


def list_vpc_links(clients, versions):
    """Every link of the given flavours in the snake_case shape."""
    links = []
    for version in versions:
        lister = get_v1_vpc_links if version == "v1" else get_v2_vpc_links
        for raw in lister(clients[version]):
            link = normalise_vpc_link(raw, version)
            link["arn"] = vpc_link_arn(clients[version], link["id"])
            links.append(link)
    return links


def find_vpc_link_usage(clients, link):
    """Integrations that still use ``link``: REST API methods (both flavours: REST APIs can use v2
    links toward an ALB) and, for v2 links, HTTP API integrations with their routes."""
    usage = []
    rest = clients["v1"]
    for api in get_rest_apis(rest):
        resources = get_resources_with_methods(rest, api["id"])
        stages = get_stages(rest, api["id"]) if uses_stage_variables(resources) else []
        usage.extend(rest_api_usage(link["id"], api, resources, stages))
    if link["version"] == "v2":
        http = clients["v2"]
        for api in get_http_apis(http):
            integrations = [i for i in get_http_integrations(http, api["ApiId"]) if i.get("ConnectionId") == link["id"]]
            if integrations:
                usage.extend(http_api_usage(link["id"], api, integrations, get_http_routes(http, api["ApiId"])))
    return usage


# --------------------------------------------------------------------------------------------
# Pure logic
# --------------------------------------------------------------------------------------------


def normalise_vpc_link(raw, version, arn=None):
    """AWS response (either flavour) -> the module's snake_case shape (same keys for both)."""
    if version == "v1":
        link = dict(
            id=raw.get("id"),
            name=raw.get("name"),
            description=raw.get("description"),
            status=raw.get("status"),
            status_message=raw.get("statusMessage"),
            target_arns=list(raw.get("targetArns") or []),
            subnet_ids=[],
            security_group_ids=[],
            tags=dict(raw.get("tags") or {}),
        )
    else:
        link = dict(
            id=raw.get("VpcLinkId"),
            name=raw.get("Name"),
            description=None,
            status=raw.get("VpcLinkStatus"),
            status_message=raw.get("VpcLinkStatusMessage"),
            target_arns=[],
            subnet_ids=list(raw.get("SubnetIds") or []),
            security_group_ids=list(raw.get("SecurityGroupIds") or []),
            tags=dict(raw.get("Tags") or {}),
        )
    link["version"] = version
    link["arn"] = arn
    return link


def resolve_version(version, target_arns=None, subnet_ids=None, security_group_ids=None):
    """The flavour the options ask for: explicit, else v1 with target_arns, v2 with subnets or
    security groups, else None (a lookup searches both). ValueError on a contradiction."""
    v2_options = [
        name for name, value in (("subnet_ids", subnet_ids), ("security_group_ids", security_group_ids)) if value
    ]
    if target_arns and v2_options:
        raise ValueError(f"target_arns (v1) cannot be combined with {' and '.join(v2_options)} (v2)")
    implied = "v1" if target_arns else ("v2" if v2_options else None)
    if version and implied and version != implied:
        given = "target_arns" if implied == "v1" else " and ".join(v2_options)
        raise ValueError(f"version={version} contradicts {given}, which belong to {implied} VPC links")
    return version or implied


def validate_target_arns(target_arns):
    """A REST (v1) VPC link targets exactly one Network Load Balancer."""
    if target_arns is None:
        return
    if len(target_arns) != 1:
        raise ValueError(
            f"target_arns: a REST API (v1) VPC link targets exactly one Network Load Balancer ARN, got {len(target_arns)}"
        )
    details = parse_aws_arn(target_arns[0]) or {}
    if details.get("service") != "elasticloadbalancing" or not (details.get("resource") or "").startswith(
        "loadbalancer/net/"
    ):
        raise ValueError(
            f"target_arns: {target_arns[0]!r} is not a Network Load Balancer ARN "
            "(arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>)"
        )


def format_links(links):
    return ", ".join(f"{link['id']} ({link['version']}, {link['status']})" for link in links)


def match_by_name(links, name):
    """The managed link called ``name`` (ignoring links being deleted), None, or ValueError when
    several match: names are not unique on AWS."""
    matches = [
        link
        for link in links
        if link.get("name") == name and is_managed(link.get("tags")) and link.get("status") != "DELETING"
    ]
    if len(matches) > 1:
        raise ValueError(
            f"{len(matches)} managed VPC links are named {name!r}: {format_links(matches)}. "
            "Names are not unique on AWS: pick one with vpc_link_id (and delete the others)."
        )
    return matches[0] if matches else None


def filter_links(links, vpc_link_ids=None, name=None, tags=None):
    """vpc_link_info filters: any of the ids, exact name, every tag key/value."""
    result = []
    for link in links:
        if vpc_link_ids and link["id"] not in vpc_link_ids:
            continue
        if name is not None and link.get("name") != name:
            continue
        if tags and any(link["tags"].get(key) != str(value) for key, value in tags.items()):
            continue
        result.append(link)
    return result


def _differs(current, desired):
    return sorted(current or []) != sorted(desired or [])


def replacement_reasons(current, desired):
    """Why ``current`` cannot be updated in place into ``desired`` (empty list: it can).

    ``desired`` values of None mean "keep". AWS cannot change the targets of a REST (v1) link,
    nor the subnets or security groups of a v2 link; a FAILED link never recovers.
    """
    reasons = []
    if current.get("status") == "FAILED":
        reasons.append(f"the link is FAILED ({current.get('status_message') or 'no statusMessage'})")
    if current["version"] == "v1":
        if desired.get("target_arns") is not None and _differs(current["target_arns"], desired["target_arns"]):
            reasons.append(
                f"target_arns would change from {current['target_arns']} to {list(desired['target_arns'])} "
                "(the target of a REST API VPC link is immutable)"
            )
    else:
        for key in ("subnet_ids", "security_group_ids"):
            if desired.get(key) is not None and _differs(current[key], desired[key]):
                reasons.append(
                    f"{key} would change from {sorted(current[key])} to {sorted(desired[key])} "
                    "(UpdateVpcLink can only rename a v2 VPC link)"
                )
    return reasons


def attribute_updates(current, desired):
    """{attribute: new value} that UpdateVpcLink can apply in place (name; description on v1)."""
    updates = {}
    if desired.get("name") is not None and desired["name"] != current.get("name"):
        updates["name"] = desired["name"]
    if (
        current["version"] == "v1"
        and desired.get("description") is not None
        and desired["description"] != (current.get("description") or "")
    ):
        updates["description"] = desired["description"]
    return updates


def v1_patch_operations(updates):
    return [dict(op="replace", path=f"/{key}", value=updates[key]) for key in ("name", "description") if key in updates]


def plan_update(current, desired, purge_tags):
    """Everything needed to turn ``current`` into ``desired`` without replacing it.

    Returns dict(updates, tags_to_set, tags_to_unset, after) where ``after`` is the expected
    link once applied (used for check mode and the diff).
    """
    updates = attribute_updates(current, desired)
    tags_to_set, tags_to_unset = tag_changes(current.get("tags") or {}, desired.get("tags"), purge_tags)
    after = dict(current)
    after.update(updates)
    after_tags = {k: v for k, v in (current.get("tags") or {}).items() if k not in tags_to_unset}
    after_tags.update(tags_to_set)
    after["tags"] = after_tags
    return dict(updates=updates, tags_to_set=tags_to_set, tags_to_unset=tags_to_unset, after=after)


def replacement_tags(current_tags, desired_tags, purge_tags):
    """Tags for the link that replaces one: the desired tags (merged with the old ones unless
    purging), always with the managed mark; ``aws:`` keys cannot be set and are dropped."""
    if desired_tags is None:
        base = dict(current_tags or {})
    elif purge_tags:
        base = dict(desired_tags)
    else:
        base = dict(current_tags or {})
        base.update(desired_tags)
    return managed_tags({k: v for k, v in base.items() if not k.startswith("aws:")})


def replacement_spec(current, desired, version, purge_tags):
    """The link to create in place of ``current``: desired values, the old ones where unset."""

    def pick(key):
        return list(desired[key]) if desired.get(key) is not None else list(current[key])

    spec = dict(
        name=desired.get("name") or current["name"],
        version=version,
        tags=replacement_tags(current.get("tags"), desired.get("tags"), purge_tags),
    )
    if version == "v1":
        spec["description"] = (
            desired["description"] if desired.get("description") is not None else current.get("description")
        )
        spec["target_arns"] = pick("target_arns")
    else:
        spec["subnet_ids"] = pick("subnet_ids")
        spec["security_group_ids"] = pick("security_group_ids")
    return spec


def planned_link(spec):
    """The snake_case shape of a link not created yet (check mode)."""
    return dict(
        id=None,
        name=spec["name"],
        description=spec.get("description"),
        version=spec["version"],
        status=None,
        status_message=None,
        target_arns=list(spec.get("target_arns") or []),
        subnet_ids=list(spec.get("subnet_ids") or []),
        security_group_ids=list(spec.get("security_group_ids") or []),
        tags=dict(spec.get("tags") or {}),
        arn=None,
    )


def stage_variable(connection_id):
    """``${stageVariables.name}`` -> ``name``; anything else -> None."""
    match = _STAGE_VARIABLE_RE.match(connection_id or "")
    return match.group(1) if match else None


def uses_stage_variables(resources):
    return any(
        stage_variable((method.get("methodIntegration") or {}).get("connectionId"))
        for resource in resources
        for method in (resource.get("resourceMethods") or {}).values()
    )


def rest_api_usage(vpc_link_id, api, resources, stages=None):
    """REST API methods whose VPC_LINK integration uses ``vpc_link_id``, directly or through a
    stage variable. ``resources``: GetResources items with ``embed=methods``."""
    usage = []
    for resource in resources:
        for http_method, method in sorted((resource.get("resourceMethods") or {}).items()):
            integration = method.get("methodIntegration") or {}
            if integration.get("connectionType") != "VPC_LINK":
                continue
            connection_id = integration.get("connectionId")
            record = dict(api_type="REST", api_id=api.get("id"), api_name=api.get("name"), path=resource.get("path"))
            record["method"] = http_method
            if connection_id == vpc_link_id:
                usage.append(dict(record, stage=None))
                continue
            variable = stage_variable(connection_id)
            if variable:
                for stage in stages or []:
                    if (stage.get("variables") or {}).get(variable) == vpc_link_id:
                        usage.append(dict(record, stage=stage.get("stageName")))
    return usage


def http_api_usage(vpc_link_id, api, integrations, routes):
    """HTTP API routes (or bare integrations) that use ``vpc_link_id``."""
    usage = []
    for integration in integrations:
        if integration.get("ConnectionId") != vpc_link_id:
            continue
        target = f"integrations/{integration.get('IntegrationId')}"
        keys = sorted(route.get("RouteKey") for route in routes if route.get("Target") == target)
        record = dict(api_type="HTTP", api_id=api.get("ApiId"), api_name=api.get("Name"), stage=None)
        if not keys:
            usage.append(dict(record, path=None, method=None, integration_id=integration.get("IntegrationId")))
        for key in keys:
            parts = key.split(" ", 1)  # "ANY /orders", or "$default" (any method, any path)
            usage.append(dict(record, method=parts[0] if len(parts) == 2 else "ANY", path=parts[-1]))
    return usage


def describe_usage(usage):
    """One human line per integration: API type and id (name), method and path (stage)."""
    lines = []
    for record in usage:
        text = f"{record['api_type']} API {record['api_id']} ({record.get('api_name')})"
        if record.get("path") is not None:
            text += f" {record['method']} {record['path']}"
        else:
            text += f" integration {record.get('integration_id')} (no route)"
        if record.get("stage"):
            text += f" via stage {record['stage']}"
        lines.append(text)
    return "; ".join(lines)
