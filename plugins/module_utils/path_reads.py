# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read-only API layer of ``gateway_path_info`` and ``provider_path_info``.

One small function per AWS call (paginated where the API paginates, retried with the
collection's ``aws_retry``, "not found" turned into an empty answer in one place by
:class:`PathReadErrorHandler`), and pure normalisers that turn the answers into the snake_case
snapshot shapes that :mod:`topology` evaluates. Calls that other layers of the collection already
have (REST API resources, stages and deployments in ``rest_apis``, REST v1 and v2 VPC links in
``vpc_links``, target groups and target health in ``elbv2``) are reused from there, not repeated here.
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry

NOT_FOUND_CODES = [
    "NotFoundException",
    "LoadBalancerNotFound",
    "TargetGroupNotFound",
    "ListenerNotFound",
    "RuleNotFound",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound",
    "InvalidGroupId.Malformed",
    "InvalidNetworkInterfaceID.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidVpcPeeringConnectionID.NotFound",
]

# DescribeTags (elbv2) takes at most 20 ARNs per call.
ELB_TAGS_BATCH = 20
# The part of a TestInvokeMethod log kept in the result.
LOG_TAIL = 2000


class AnsiblePathReadError(AnsibleAWSError):
    """A read of the path verifier failed."""


class PathReadErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsiblePathReadError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


# ---------------------------------------------------------------------------------------------
# STS
# ---------------------------------------------------------------------------------------------


@PathReadErrorHandler.common_error_handler("get the caller identity")
@aws_retry
def get_caller_identity(client):
    return client.get_caller_identity()


# ---------------------------------------------------------------------------------------------
# Elastic Load Balancing v2
# ---------------------------------------------------------------------------------------------


@PathReadErrorHandler.list_error_handler("describe load balancers", [])
@aws_retry
def describe_load_balancers(client):
    paginator = client.get_paginator("describe_load_balancers")
    return paginator.paginate().build_full_result()["LoadBalancers"]


@PathReadErrorHandler.list_error_handler("describe listeners", [])
@aws_retry
def describe_listeners(client, load_balancer_arn):
    paginator = client.get_paginator("describe_listeners")
    return paginator.paginate(LoadBalancerArn=load_balancer_arn).build_full_result()["Listeners"]


@PathReadErrorHandler.list_error_handler("describe load balancer tags", [])
@aws_retry
def describe_elb_tags(client, arns):
    """Tags of at most ``ELB_TAGS_BATCH`` load balancers, target groups or listeners."""
    return client.describe_tags(ResourceArns=list(arns))["TagDescriptions"]


# ---------------------------------------------------------------------------------------------
# EC2
# ---------------------------------------------------------------------------------------------


def _filters(filters):
    return [{"Name": name, "Values": [str(value) for value in values]} for name, values in sorted(filters.items())]


@PathReadErrorHandler.list_error_handler("describe VPCs", [])
@aws_retry
def describe_vpcs(client, vpc_ids=None):
    params = {"VpcIds": list(vpc_ids)} if vpc_ids else {}
    paginator = client.get_paginator("describe_vpcs")
    return paginator.paginate(**params).build_full_result()["Vpcs"]


@PathReadErrorHandler.list_error_handler("describe subnets", [])
@aws_retry
def describe_subnets(client, filters):
    paginator = client.get_paginator("describe_subnets")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["Subnets"]


@PathReadErrorHandler.list_error_handler("describe route tables", [])
@aws_retry
def describe_route_tables(client, filters):
    paginator = client.get_paginator("describe_route_tables")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["RouteTables"]


@PathReadErrorHandler.list_error_handler("describe VPC peering connections", [])
@aws_retry
def describe_vpc_peering_connections(client, filters):
    paginator = client.get_paginator("describe_vpc_peering_connections")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["VpcPeeringConnections"]


@PathReadErrorHandler.list_error_handler("describe network interfaces", [])
@aws_retry
def describe_network_interfaces(client, filters):
    paginator = client.get_paginator("describe_network_interfaces")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["NetworkInterfaces"]


@PathReadErrorHandler.list_error_handler("describe security groups", [])
@aws_retry
def describe_security_groups(client, group_ids):
    paginator = client.get_paginator("describe_security_groups")
    return paginator.paginate(GroupIds=list(group_ids)).build_full_result()["SecurityGroups"]


# ---------------------------------------------------------------------------------------------
# API Gateway (the calls rest_apis.py does not have)
# ---------------------------------------------------------------------------------------------


@PathReadErrorHandler.list_error_handler("export the deployed stage")
@aws_retry
def get_export(client, rest_api_id, stage_name):
    """The stage's OpenAPI 3 export with the API Gateway integration extensions (None when missing)."""
    response = client.get_export(
        restApiId=rest_api_id,
        stageName=stage_name,
        exportType="oas30",
        parameters={"extensions": "integrations"},
        accepts="application/json",
    )
    body = response.get("body")
    return body.read() if hasattr(body, "read") else body


@PathReadErrorHandler.common_error_handler("test-invoke a method")
@aws_retry
def test_invoke_method(client, rest_api_id, resource_id, http_method, path_with_query):
    return client.test_invoke_method(
        restApiId=rest_api_id,
        resourceId=resource_id,
        httpMethod=http_method,
        pathWithQueryString=path_with_query,
    )


# API Gateway governance (gateway_path_info governance: true, domain_name). API key values never leave
# these functions: GetUsagePlanKeys always returns them, so they are dropped here; GetApiKeys is asked
# without them.


def _without_values(items):
    return [{key: value for key, value in item.items() if key != "value"} for item in items or []]


@PathReadErrorHandler.list_error_handler("get the authorizers", [])
@aws_retry
def get_authorizers(client, rest_api_id):
    paginator = client.get_paginator("get_authorizers")
    return paginator.paginate(restApiId=rest_api_id).build_full_result().get("items", [])


@PathReadErrorHandler.list_error_handler("get the usage plans", [])
@aws_retry
def get_usage_plans(client):
    paginator = client.get_paginator("get_usage_plans")
    return paginator.paginate().build_full_result().get("items", [])


@PathReadErrorHandler.list_error_handler("get the keys of a usage plan", [])
@aws_retry
def get_usage_plan_keys(client, usage_plan_id):
    """The keys of a usage plan, without their ``value`` (which GetUsagePlanKeys always returns)."""
    paginator = client.get_paginator("get_usage_plan_keys")
    return _without_values(paginator.paginate(usagePlanId=usage_plan_id).build_full_result().get("items", []))


@PathReadErrorHandler.list_error_handler("get the API keys", [])
@aws_retry
def get_api_keys(client):
    """Every API key of the account and region, without values (includeValues false, and dropped anyway)."""
    paginator = client.get_paginator("get_api_keys")
    return _without_values(paginator.paginate(includeValues=False).build_full_result().get("items", []))


@PathReadErrorHandler.list_error_handler("get the custom domain name")
@aws_retry
def get_domain_name(client, domain_name):
    return client.get_domain_name(domainName=domain_name)


@PathReadErrorHandler.list_error_handler("get the base path mappings", [])
@aws_retry
def get_base_path_mappings(client, domain_name):
    paginator = client.get_paginator("get_base_path_mappings")
    return paginator.paginate(domainName=domain_name).build_full_result().get("items", [])


# ---------------------------------------------------------------------------------------------
# Normalisers (pure): AWS answers -> snapshot shapes
# ---------------------------------------------------------------------------------------------


def tags_dict(tag_list):
    return {tag["Key"]: tag.get("Value", "") for tag in tag_list or [] if "Key" in tag}


def tags_by_arn(descriptions):
    return {entry["ResourceArn"]: tags_dict(entry.get("Tags")) for entry in descriptions or []}


def normalise_load_balancer(raw, tags=None):
    zones = raw.get("AvailabilityZones") or []
    state = raw.get("State") or {}
    return {
        "arn": raw.get("LoadBalancerArn"),
        "name": raw.get("LoadBalancerName"),
        "dns_name": raw.get("DNSName"),
        "type": raw.get("Type"),
        "scheme": raw.get("Scheme"),
        "state": state.get("Code"),
        "state_reason": state.get("Reason"),
        "vpc_id": raw.get("VpcId"),
        "subnet_ids": [zone.get("SubnetId") for zone in zones if zone.get("SubnetId")],
        "availability_zones": [zone.get("ZoneName") for zone in zones],
        "security_groups": list(raw.get("SecurityGroups") or []),
        # The same ids under the name the other snapshots use (version 0.3.0).
        "security_group_ids": list(raw.get("SecurityGroups") or []),
        "tags": dict(tags or {}),
    }


def forward_target_groups(actions):
    """Target group ARNs a listener's default actions forward to (plain and weighted forwards)."""
    arns = []
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            arns.append(action["TargetGroupArn"])
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if group.get("TargetGroupArn") and group["TargetGroupArn"] not in arns:
                arns.append(group["TargetGroupArn"])
    return arns


def action_type(actions):
    """Type of the action that answers (the last one by order: forward, fixed-response, redirect), or None."""
    typed = [action for action in actions or [] if action.get("Type")]
    if not typed:
        return None
    return sorted(typed, key=lambda action: action.get("Order") or 0)[-1]["Type"]


def normalise_listener(raw):
    return {
        "arn": raw.get("ListenerArn"),
        "load_balancer_arn": raw.get("LoadBalancerArn"),
        "port": raw.get("Port"),
        "protocol": raw.get("Protocol"),
        "target_group_arns": forward_target_groups(raw.get("DefaultActions")),
        "default_action_type": action_type(raw.get("DefaultActions")),
    }


def normalise_listener_rule(raw):
    """A listener rule of an application load balancer: its priority (None for the default rule), the
    values of its ``path-pattern`` conditions, the other condition fields, and where it forwards."""
    patterns, others = [], []
    for condition in raw.get("Conditions") or []:
        field = condition.get("Field")
        if field == "path-pattern":
            values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values") or []
            patterns.extend(value for value in values if value not in patterns)
        elif field and field not in others:
            others.append(field)
    priority = raw.get("Priority")
    is_default = bool(raw.get("IsDefault")) or priority == "default"
    return {
        "arn": raw.get("RuleArn"),
        "priority": None if is_default or priority in (None, "") else int(priority),
        "is_default": is_default,
        "path_patterns": patterns,
        "other_conditions": others,
        "action_type": action_type(raw.get("Actions")),
        "target_group_arns": forward_target_groups(raw.get("Actions")),
    }


def normalise_target_group(raw, tags=None, targets=None):
    matcher = raw.get("Matcher") or {}
    return {
        "arn": raw.get("TargetGroupArn"),
        "name": raw.get("TargetGroupName"),
        "target_type": raw.get("TargetType"),
        "protocol": raw.get("Protocol"),
        "port": raw.get("Port"),
        "vpc_id": raw.get("VpcId"),
        "load_balancer_arns": list(raw.get("LoadBalancerArns") or []),
        "health_check": {
            "protocol": raw.get("HealthCheckProtocol"),
            "path": raw.get("HealthCheckPath"),
            "matcher": matcher.get("HttpCode") or matcher.get("GrpcCode"),
        },
        "tags": dict(tags or {}),
        "targets": list(targets or []),
    }


def fresh_target_health(readings, now, max_age):
    """``{arn: (targets, age)}`` of the ``readings`` that may stand for a DescribeTargetHealth now.

    A reading (an entry of gateway_load_balancers' ``target_groups``: ``arn``, ``target_health`` as
    ``elbv2.targets_from_health`` gives it, ``target_health_read_at`` in seconds since the epoch) counts
    when it has at least one target, every target ``healthy``, and was read at most ``max_age`` seconds
    before ``now`` (never when ``max_age`` is 0, nor when it claims to come from the future). Anything
    else is left out: that group is read again."""
    fresh = {}
    if not max_age or max_age <= 0:
        return fresh
    for reading in readings or []:
        if not isinstance(reading, dict) or not isinstance(reading.get("arn"), str):
            continue
        targets = reading.get("target_health")
        read_at = reading.get("target_health_read_at")
        if not isinstance(targets, list) or not targets or isinstance(read_at, bool):
            continue
        if not isinstance(read_at, (int, float)) or not 0 <= now - read_at <= max_age:
            continue
        if not all(isinstance(target, dict) and target.get("health_state") == "healthy" for target in targets):
            continue
        fresh[reading["arn"]] = ([dict(target) for target in targets], now - read_at)
    return fresh


def vpc_cidrs(raw):
    cidrs = []
    for association in raw.get("CidrBlockAssociationSet") or []:
        state = (association.get("CidrBlockState") or {}).get("State", "associated")
        if state in ("associated", "associating") and association.get("CidrBlock"):
            cidrs.append(association["CidrBlock"])
    if raw.get("CidrBlock") and raw["CidrBlock"] not in cidrs:
        cidrs.insert(0, raw["CidrBlock"])
    return cidrs


def normalise_vpc(raw):
    return {
        "id": raw.get("VpcId"),
        "cidrs": vpc_cidrs(raw),
        "owner_id": raw.get("OwnerId"),
        "tags": tags_dict(raw.get("Tags")),
    }


def normalise_subnet(raw):
    return {
        "id": raw.get("SubnetId"),
        "cidr": raw.get("CidrBlock"),
        "availability_zone": raw.get("AvailabilityZone"),
        "vpc_id": raw.get("VpcId"),
    }


ROUTE_TARGET_KEYS = (
    ("VpcPeeringConnectionId", "peering"),
    ("TransitGatewayId", "transit_gateway"),
    ("NatGatewayId", "nat_gateway"),
    ("NetworkInterfaceId", "network_interface"),
    ("InstanceId", "instance"),
    ("VpcEndpointId", "vpc_endpoint"),
    ("LocalGatewayId", "local_gateway"),
    ("CarrierGatewayId", "carrier_gateway"),
    ("EgressOnlyInternetGatewayId", "egress_only_internet_gateway"),
    ("CoreNetworkArn", "core_network"),
    ("GatewayId", "gateway"),
)


def normalise_route(raw):
    target, kind = None, None
    for key, name in ROUTE_TARGET_KEYS:
        if raw.get(key):
            target, kind = raw[key], name
            break
    if target == "local":
        kind = "local"
    return {
        "destination": raw.get("DestinationCidrBlock")
        or raw.get("DestinationIpv6CidrBlock")
        or raw.get("DestinationPrefixListId"),
        "target": target,
        "target_type": kind,
        "state": raw.get("State"),
        "origin": raw.get("Origin"),
    }


def normalise_route_table(raw):
    associations = raw.get("Associations") or []
    return {
        "id": raw.get("RouteTableId"),
        "vpc_id": raw.get("VpcId"),
        "main": any(association.get("Main") for association in associations),
        "subnet_ids": sorted(association["SubnetId"] for association in associations if association.get("SubnetId")),
        "routes": [normalise_route(route) for route in raw.get("Routes") or []],
        "tags": tags_dict(raw.get("Tags")),
    }


def normalise_tgw_route(raw):
    """A route of a transit gateway route table (SearchTransitGatewayRoutes): ``destination``, ``state``
    (``active`` or ``blackhole``), ``type`` (``static`` or ``propagated``), ``attachment_ids`` (the
    attachments it sends to, several with ECMP), ``resource_ids`` (their VPCs) and ``target`` (the first
    attachment, None for a blackhole), in the shape of a VPC route so that :func:`topology.covering_route`
    reads both."""
    attachments = [entry for entry in raw.get("TransitGatewayAttachments") or [] if entry]
    ids = [entry["TransitGatewayAttachmentId"] for entry in attachments if entry.get("TransitGatewayAttachmentId")]
    return {
        "destination": raw.get("DestinationCidrBlock") or raw.get("PrefixListId"),
        "state": raw.get("State"),
        "type": raw.get("Type"),
        "attachment_ids": ids,
        "resource_ids": [entry["ResourceId"] for entry in attachments if entry.get("ResourceId")],
        "target": ids[0] if ids else None,
        "target_type": "transit_gateway_attachment" if ids else None,
    }


def _peering_side(raw):
    raw = raw or {}
    cidrs = [entry["CidrBlock"] for entry in raw.get("CidrBlockSet") or [] if entry.get("CidrBlock")]
    if raw.get("CidrBlock") and raw["CidrBlock"] not in cidrs:
        cidrs.insert(0, raw["CidrBlock"])
    return {"vpc_id": raw.get("VpcId"), "owner_id": raw.get("OwnerId"), "region": raw.get("Region"), "cidrs": cidrs}


def normalise_peering(raw):
    status = raw.get("Status") or {}
    return {
        "id": raw.get("VpcPeeringConnectionId"),
        "status": status.get("Code"),
        "status_message": status.get("Message"),
        "requester": _peering_side(raw.get("RequesterVpcInfo")),
        "accepter": _peering_side(raw.get("AccepterVpcInfo")),
        "tags": tags_dict(raw.get("Tags")),
    }


def normalise_eni(raw):
    attachment = raw.get("Attachment") or {}
    return {
        "id": raw.get("NetworkInterfaceId"),
        "status": raw.get("Status"),
        "subnet_id": raw.get("SubnetId"),
        "vpc_id": raw.get("VpcId"),
        "availability_zone": raw.get("AvailabilityZone"),
        "interface_type": raw.get("InterfaceType"),
        "description": raw.get("Description"),
        "requester_managed": bool(raw.get("RequesterManaged")),
        "attached_to": (attachment.get("InstanceId") or attachment.get("InstanceOwnerId")) if attachment else None,
        "security_group_ids": [group["GroupId"] for group in raw.get("Groups") or [] if group.get("GroupId")],
        "private_ips": [
            entry["PrivateIpAddress"] for entry in raw.get("PrivateIpAddresses") or [] if entry.get("PrivateIpAddress")
        ]
        or ([raw["PrivateIpAddress"]] if raw.get("PrivateIpAddress") else []),
    }


def normalise_rule(raw):
    return {
        "protocol": str(raw.get("IpProtocol", "")),
        "from_port": raw.get("FromPort"),
        "to_port": raw.get("ToPort"),
        "cidrs": [entry["CidrIp"] for entry in raw.get("IpRanges") or [] if entry.get("CidrIp")],
        "group_pairs": [
            {
                "group_id": pair.get("GroupId"),
                "user_id": pair.get("UserId"),
                "peering_id": pair.get("VpcPeeringConnectionId"),
            }
            for pair in raw.get("UserIdGroupPairs") or []
        ],
        "prefix_list_ids": [
            entry["PrefixListId"] for entry in raw.get("PrefixListIds") or [] if entry.get("PrefixListId")
        ],
    }


def normalise_security_group(raw, egress=False):
    """A security group with its ingress rules, and its egress rules too with ``egress`` (the groups of
    a VPC link v2, which only open connections)."""
    group = {
        "id": raw.get("GroupId"),
        "name": raw.get("GroupName"),
        "vpc_id": raw.get("VpcId"),
        "owner_id": raw.get("OwnerId"),
        "ingress": [normalise_rule(rule) for rule in raw.get("IpPermissions") or []],
        "tags": tags_dict(raw.get("Tags")),
    }
    if egress:
        group["egress"] = [normalise_rule(rule) for rule in raw.get("IpPermissionsEgress") or []]
    return group


def exported_integrations(body):
    """Integrations of an OpenAPI export with ``x-amazon-apigateway-integration`` extensions.

    Returns ``[{path, http_method, type, uri, connection_type, connection_id}]`` (plus
    ``integration_target`` when the export has ``integrationTarget``), or ``None`` when the
    export carries no integration extension at all (an export without them says nothing about what
    is deployed, so the caller must not compare it).
    """
    if not body:
        return None
    try:
        document = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError):
        return None
    found = []
    any_extension = False
    for path, item in sorted((document.get("paths") or {}).items()):
        for method, operation in sorted((item or {}).items()):
            if not isinstance(operation, dict):
                continue
            name = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            integration = operation.get("x-amazon-apigateway-integration")
            if integration is None:
                continue
            any_extension = True
            found.append(
                {
                    "path": path,
                    "http_method": name,
                    "type": str(integration.get("type", "")).upper() or None,
                    "uri": integration.get("uri"),
                    "connection_type": integration.get("connectionType"),
                    "connection_id": integration.get("connectionId"),
                }
            )
            # Only an integration over a VPC link v2 names its load balancer; an export without the
            # key says nothing about it, so the key is only there when the export has it.
            if "integrationTarget" in integration:
                found[-1]["integration_target"] = integration.get("integrationTarget")
    return found if any_extension else None


def parse_policy(text):
    """A REST API's resource policy: ``(document, unparsed)``.

    GetRestApi returns the policy as a JSON string whose quotes are escaped once more
    (``{\\"Version\\":...}``); a plain JSON string is read too. ``(None, None)`` without a policy;
    ``(None, text)`` when it is not JSON after unescaping.
    """
    if not text:
        return None, None
    if isinstance(text, dict):
        return text, None
    candidates = [text, text.replace('\\"', '"').replace("\\/", "/")]
    try:
        candidates.append(json.loads(f'"{text}"'))
    except ValueError:
        pass
    for candidate in candidates:
        try:
            document = json.loads(candidate)
        except (TypeError, ValueError):
            continue
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                continue
        if isinstance(document, dict):
            return document, None
    return None, text


def normalise_method_governance(raw):
    """What a method says about its callers (from GetResources(embed=methods) or GetMethod)."""
    raw = raw or {}
    return {
        "authorizer_id": raw.get("authorizerId") or None,
        "authorization_scopes": list(raw.get("authorizationScopes") or []),
        "api_key_required": bool(raw.get("apiKeyRequired")),
    }


def normalise_stage_settings(raw):
    """The stage's policy settings: method settings (keyed as AWS keys them: ``*/*``,
    ``~1payments/ANY``), the access log, X-Ray tracing and the WAF web ACL."""
    settings = {}
    for key, entry in sorted((raw.get("methodSettings") or {}).items()):
        entry = entry or {}
        settings[key] = {
            "throttling_rate_limit": entry.get("throttlingRateLimit"),
            "throttling_burst_limit": entry.get("throttlingBurstLimit"),
            "logging_level": entry.get("loggingLevel") or "OFF",
            "data_trace_enabled": bool(entry.get("dataTraceEnabled")),
            "metrics_enabled": bool(entry.get("metricsEnabled")),
            "caching_enabled": bool(entry.get("cachingEnabled")),
        }
    access = raw.get("accessLogSettings") or {}
    return {
        "method_settings": settings,
        "access_log": (
            {"destination_arn": access.get("destinationArn"), "format": access.get("format")}
            if access.get("destinationArn")
            else None
        ),
        "tracing_enabled": bool(raw.get("tracingEnabled")),
        "web_acl_arn": raw.get("webAclArn") or None,
    }


def normalise_authorizer(raw):
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "type": raw.get("type"),
        "authorizer_uri": raw.get("authorizerUri"),
        "provider_arns": list(raw.get("providerARNs") or []),
        "identity_source": raw.get("identitySource"),
        "identity_validation_expression": raw.get("identityValidationExpression"),
        "result_ttl": raw.get("authorizerResultTtlInSeconds"),
    }


def _throttle(raw):
    if not raw or raw.get("rateLimit") is None and raw.get("burstLimit") is None:
        return None
    return {"rate_limit": raw.get("rateLimit"), "burst_limit": raw.get("burstLimit")}


def normalise_usage_plan(raw, keys=None):
    """A usage plan with its API stages (per-method throttles keyed ``/<path>/<METHOD>``) and its keys."""
    quota = raw.get("quota") or {}
    tags = raw.get("tags") or {}
    if isinstance(tags, list):
        tags = tags_dict(tags)
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "description": raw.get("description"),
        "api_stages": [
            {
                "api_id": entry.get("apiId"),
                "stage": entry.get("stage"),
                "throttle": {key: _throttle(value) for key, value in sorted((entry.get("throttle") or {}).items())},
            }
            for entry in raw.get("apiStages") or []
        ],
        "throttle": _throttle(raw.get("throttle")),
        "quota": (
            {"limit": quota.get("limit"), "period": quota.get("period"), "offset": quota.get("offset") or 0}
            if quota.get("limit") is not None
            else None
        ),
        "tags": dict(tags),
        "keys": list(keys or []),
    }


def normalise_usage_plan_key(raw, api_key=None):
    """A key of a usage plan: id, name, type and (from GetApiKeys) whether it is enabled; never its value."""
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "type": raw.get("type"),
        "enabled": None if api_key is None else bool(api_key.get("enabled")),
    }


def normalise_domain(raw, mappings):
    """A custom domain name with its base path mappings (the root is ``""``, which AWS calls ``(none)``)."""
    types = (raw.get("endpointConfiguration") or {}).get("types") or []
    mutual = raw.get("mutualTlsAuthentication") or {}
    return {
        "domain_name": raw.get("domainName"),
        "status": raw.get("domainNameStatus"),
        "status_message": raw.get("domainNameStatusMessage"),
        "endpoint_type": types[0] if types else None,
        "certificate_arn": raw.get("regionalCertificateArn") or raw.get("certificateArn"),
        "security_policy": raw.get("securityPolicy"),
        "truststore_uri": mutual.get("truststoreUri") or None,
        "regional_domain_name": raw.get("regionalDomainName"),
        "regional_hosted_zone_id": raw.get("regionalHostedZoneId"),
        "mappings": [
            {
                "base_path": "" if item.get("basePath") in (None, "", "(none)") else item.get("basePath"),
                "rest_api_id": item.get("restApiId"),
                "stage": item.get("stage"),
            }
            for item in mappings or []
        ],
    }


def normalise_test_invoke(path, http_method, raw):
    log = raw.get("log") or ""
    return {
        "path": path,
        "http_method": http_method,
        "status": raw.get("status"),
        "latency": raw.get("latency"),
        "log_tail": log[-LOG_TAIL:],
        "error": None,
    }


# ---------------------------------------------------------------------------------------------
# Composite reads shared by gateway_path_info and provider_path_info
# ---------------------------------------------------------------------------------------------


def read_vpc_network(client, vpc_ids):
    """Subnets, route tables and peerings (either side) of ``vpc_ids``, normalised.

    Returns ``(subnets, route_tables, peerings)``; peerings are deduplicated and sorted by id, and
    filtered again on the client side so that an API that ignored the filters cannot add others.
    """
    subnets, route_tables, peerings = [], [], {}
    wanted = set(vpc_ids)
    for vpc_id in sorted(wanted):
        subnets.extend(normalise_subnet(raw) for raw in describe_subnets(client, {"vpc-id": [vpc_id]}))
        route_tables.extend(normalise_route_table(raw) for raw in describe_route_tables(client, {"vpc-id": [vpc_id]}))
    if wanted:
        # One call for both sides of every VPC: the requester and accepter filters cannot be ORed, and
        # an account holds few peerings; the VPCs are matched here.
        for raw in describe_vpc_peering_connections(client, {}):
            peering = normalise_peering(raw)
            if wanted & {peering["requester"]["vpc_id"], peering["accepter"]["vpc_id"]}:
                peerings[peering["id"]] = peering
    return subnets, route_tables, [peerings[key] for key in sorted(peerings)]


def read_security_groups_with_egress(client, group_ids):
    """The security groups ``group_ids`` with their ingress and egress rules, sorted by id.

    One ``DescribeSecurityGroups`` for all of them (none without ids). AWS refuses the whole call when
    one of the ids does not exist; the groups are then read one by one, so that a deleted group leaves
    out only itself.
    """
    ids = sorted(set(group_ids or []))
    if not ids:
        return []
    raws = describe_security_groups(client, ids)
    if not raws and len(ids) > 1:
        raws = [raw for group_id in ids for raw in describe_security_groups(client, [group_id])]
    groups = {raw.get("GroupId"): normalise_security_group(raw, egress=True) for raw in raws}
    return [groups[key] for key in sorted(groups)]
