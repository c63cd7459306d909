# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Elastic Load Balancing v2 layer for IP target groups, load balancers and listeners.

One small, retried function per API call (plus the EC2 calls needed to learn the CIDRs of a
target group's VPC and the zones of subnets), with every "not found" error code turned into an
empty result in one place (``ELBv2ErrorHandler``). The rest is pure and free of boto3: reading
targets out of DescribeTargetHealth, the VPC's CIDR blocks, the address ranges AWS accepts for IP
targets, the decision logic of the wait for targets to be registered or healthy, and (for
``gateway_load_balancers``) the snake_case shape of load balancers, listeners and target groups,
ownership by tags, tag differences and the order of listener changes; and for application load
balancers, listener rules (path patterns forwarding to target groups), the fixed-response default
action and the plan of a listener's rule changes.
"""

import ipaddress
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    RETRY_ERROR_CODES,
    aws_retry,
)

# Error codes meaning "that resource does not exist" (ELBv2, and EC2 for the VPC lookup).
NOT_FOUND_CODES = [
    "TargetGroupNotFound",
    "LoadBalancerNotFound",
    "ListenerNotFound",
    "RuleNotFound",
    "InvalidVpcID.NotFound",
]

# AWS accepts IP targets from the target group's VPC or from these ranges (RFC 1918 and the
# RFC 6598 shared address space); publicly routable addresses are refused.
ALLOWED_TARGET_RANGES = [
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
]

# CIDR association states that count as part of the VPC.
USABLE_CIDR_STATES = ("associated", "associating")

# A target in this state is on its way out: the load balancer sends it no new connections.
DRAINING = "draining"
HEALTHY = "healthy"

WAIT_CHOICES = ("none", "registered", "healthy")


class AnsibleELBv2Error(AnsibleAWSError):
    """An ELBv2 (or EC2) API call failed."""


class ELBv2ErrorHandler(AWSErrorHandler):
    """Error handling for this file: ``NOT_FOUND_CODES`` become an empty result, the rest a failure."""

    _CUSTOM_EXCEPTION = AnsibleELBv2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


# ---------------------------------------------------------------------------------------------
# API calls
# ---------------------------------------------------------------------------------------------


@ELBv2ErrorHandler.list_error_handler("describe target groups", [])
@aws_retry
def describe_target_groups(client, arns=None, names=None):
    """Target groups with these ARNs or names (a list, [] when one of them does not exist)."""
    params = {}
    if arns:
        params["TargetGroupArns"] = list(arns)
    if names:
        params["Names"] = list(names)
    paginator = client.get_paginator("describe_target_groups")
    return paginator.paginate(**params).build_full_result()["TargetGroups"]


@ELBv2ErrorHandler.list_error_handler("describe target health")
@aws_retry
def describe_target_health(client, target_group_arn):
    """Every target of the group (draining ones included) with its health, None when the group is gone."""
    return client.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]


@ELBv2ErrorHandler.common_error_handler("register targets")
@aws_retry
def register_targets(client, target_group_arn, targets):
    """Register TargetDescriptions (``{"Id", "Port", "AvailabilityZone"}``) with the group."""
    client.register_targets(TargetGroupArn=target_group_arn, Targets=list(targets))
    return True


@ELBv2ErrorHandler.deletion_error_handler("deregister targets")
@aws_retry
def deregister_targets(client, target_group_arn, targets):
    """Deregister TargetDescriptions from the group; False when the group no longer exists."""
    client.deregister_targets(TargetGroupArn=target_group_arn, Targets=list(targets))
    return True


@ELBv2ErrorHandler.list_error_handler("describe VPCs", [])
@aws_retry
def describe_vpcs(client, vpc_ids):
    """VPCs with these ids (an EC2 client; [] when one of them does not exist)."""
    paginator = client.get_paginator("describe_vpcs")
    return paginator.paginate(VpcIds=list(vpc_ids)).build_full_result()["Vpcs"]


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def vpc_cidrs(vpc):
    """IPv4 CIDR blocks of a DescribeVpcs entry: the primary block and every secondary association."""
    cidrs = []
    for association in vpc.get("CidrBlockAssociationSet") or []:
        state = (association.get("CidrBlockState") or {}).get("State", "associated")
        if state in USABLE_CIDR_STATES and association.get("CidrBlock"):
            cidrs.append(association["CidrBlock"])
    if not cidrs and vpc.get("CidrBlock"):
        cidrs.append(vpc["CidrBlock"])
    return sorted(set(cidrs), key=ipaddress.ip_network)


def target_ip_allowed(ip, cidrs):
    """True when AWS accepts ``ip`` as a target: inside the VPC or in a private/shared range."""
    address = ipaddress.ip_address(ip)
    if any(address in ipaddress.ip_network(cidr) for cidr in cidrs):
        return True
    return any(address in network for network in ALLOWED_TARGET_RANGES)


def target_key(target):
    """Identity of an IP target: ``(ip, port)``; the same IP on two ports is two targets."""
    return (target["ip"], int(target["port"]))


def sort_key(target):
    """Deterministic order: numerically by IP, then by port."""
    return (ipaddress.ip_address(target["ip"]), int(target["port"]))


def format_target(target):
    """``10.0.1.25:8080``."""
    return f"{target['ip']}:{target['port']}"


def target_description(target):
    """A target dict (``ip``, ``port``, ``availability_zone``) as a boto3 TargetDescription."""
    description = {"Id": target["ip"], "Port": int(target["port"])}
    if target.get("availability_zone"):
        description["AvailabilityZone"] = target["availability_zone"]
    return description


def targets_from_health(descriptions):
    """DescribeTargetHealth entries as sorted dicts: ip, port, availability_zone and health."""
    targets = []
    for entry in descriptions or []:
        target = entry.get("Target") or {}
        health = entry.get("TargetHealth") or {}
        targets.append(
            {
                "ip": target["Id"],
                "port": int(target["Port"]),
                "availability_zone": target.get("AvailabilityZone"),
                "health_state": health.get("State"),
                "health_reason": health.get("Reason"),
                "health_description": health.get("Description"),
            }
        )
    return sorted(targets, key=sort_key)


def registered_targets(targets):
    """Targets that count as registered: everything but the ones already draining."""
    return [target for target in targets if target.get("health_state") != DRAINING]


def pending_targets(targets, desired_keys, gone_keys, wait_for):
    """What a wait is still waiting for (an empty list means done).

    ``targets`` as returned by ``targets_from_health``; ``desired_keys`` the ``(ip, port)`` that
    must be there, ``gone_keys`` the ones that must be gone. ``wait_for`` is ``registered``
    (each desired target listed in a state other than ``draining``) or ``healthy`` (each desired
    target ``healthy``). Either way a deregistered target counts as gone once it is no longer
    listed or is ``draining``: the load balancer sends a draining target no new connections,
    and the group's deregistration delay (300 s by default) is not waited out.

    Returns sorted dicts: ip, port, expected (``registered``, ``healthy`` or ``deregistered``),
    state (the health state, or ``not registered``), reason and description.
    """
    if wait_for not in ("registered", "healthy"):
        return []
    by_key = {target_key(target): target for target in targets}
    pending = []
    for key in desired_keys:
        current = by_key.get(key)
        state = current["health_state"] if current else None
        if current is None or state == DRAINING or (wait_for == "healthy" and state != HEALTHY):
            pending.append(_pending_entry(key, wait_for, current))
    for key in gone_keys:
        current = by_key.get(key)
        if current is not None and current["health_state"] != DRAINING:
            pending.append(_pending_entry(key, "deregistered", current))
    return sorted(pending, key=sort_key)


def _pending_entry(key, expected, current):
    return {
        "ip": key[0],
        "port": key[1],
        "expected": expected,
        "state": current["health_state"] if current else "not registered",
        "reason": current.get("health_reason") if current else None,
        "description": current.get("health_description") if current else None,
    }


def describe_pending(pending):
    """One line per pending target for a failure message."""
    lines = []
    for entry in pending:
        detail = entry["state"] or "unknown"
        if entry.get("reason"):
            detail += f", {entry['reason']}"
        if entry.get("description"):
            detail += f": {entry['description']}"
        lines.append(f"{format_target(entry)} (expected {entry['expected']}, is {detail})")
    return "; ".join(lines)


def wait_for_targets(
    fetch, desired_keys, gone_keys, wait_for, timeout, delay=5, sleep=time.sleep, clock=time.monotonic
):
    """Poll ``fetch()`` (returning ``targets_from_health`` dicts) until nothing is pending.

    Polls at once, then every ``delay`` seconds, never sleeping past ``timeout`` seconds from the
    start. Returns ``(targets, pending)`` from the last poll: ``pending`` is empty on success and
    lists what was still missing when the time ran out.
    """
    deadline = clock() + timeout
    while True:
        targets = fetch()
        pending = pending_targets(targets, desired_keys, gone_keys, wait_for)
        remaining = deadline - clock()
        if not pending or remaining <= 0:
            return targets, pending
        sleep(min(delay, remaining))


# =============================================================================================
# Load balancers, listeners and target groups (gateway_load_balancers)
# =============================================================================================

# With MANAGED_TAG_KEY, the tag that makes a resource "ours": its value names the gateway.
GATEWAY_TAG_KEY = "multiaccount:gateway"
OWNERSHIP_TAG_KEYS = (MANAGED_TAG_KEY, GATEWAY_TAG_KEY)

# DescribeTags takes at most 20 resource ARNs per call.
DESCRIBE_TAGS_MAX_ARNS = 20

# Largest page DescribeLoadBalancers / DescribeTargetGroups / DescribeListeners return.
PAGE_SIZE = 400

# Load balancer states: "active" is what a wait waits for, "failed" never recovers.
LB_ACTIVE = "active"
LB_FAILED = "failed"

# DeleteTargetGroup right after the listener or load balancer that used the group is deleted may
# answer ResourceInUse for a short while: retry it (the module checks beforehand that no listener
# it leaves in place forwards to the group).
_delete_retry = AWSRetry.jittered_backoff(
    retries=8, delay=2, max_delay=20, catch_extra_error_codes=RETRY_ERROR_CODES + ["ResourceInUse"]
)


# ---------------------------------------------------------------------------------------------
# API calls
# ---------------------------------------------------------------------------------------------


@ELBv2ErrorHandler.list_error_handler("describe load balancers", [])
@aws_retry
def describe_load_balancers(client, arns=None):
    """Every load balancer of the account and region (or those with these ARNs), all pages."""
    params = {"PaginationConfig": {"PageSize": PAGE_SIZE}}
    if arns:
        params["LoadBalancerArns"] = list(arns)
    paginator = client.get_paginator("describe_load_balancers")
    return paginator.paginate(**params).build_full_result()["LoadBalancers"]


@ELBv2ErrorHandler.list_error_handler("describe target groups", [])
@aws_retry
def describe_all_target_groups(client):
    """Every target group of the account and region, all pages."""
    paginator = client.get_paginator("describe_target_groups")
    return paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE}).build_full_result()["TargetGroups"]


@ELBv2ErrorHandler.list_error_handler("describe tags", [])
@aws_retry
def describe_tags(client, arns):
    """TagDescriptions of at most DESCRIBE_TAGS_MAX_ARNS resources ([] when one of them is gone)."""
    return client.describe_tags(ResourceArns=list(arns))["TagDescriptions"]


@ELBv2ErrorHandler.list_error_handler("describe listeners", [])
@aws_retry
def describe_listeners(client, load_balancer_arn):
    """The listeners of a load balancer, all pages ([] when the load balancer is gone)."""
    paginator = client.get_paginator("describe_listeners")
    return paginator.paginate(LoadBalancerArn=load_balancer_arn).build_full_result()["Listeners"]


@ELBv2ErrorHandler.list_error_handler("describe load balancer attributes")
@aws_retry
def describe_load_balancer_attributes(client, load_balancer_arn):
    """``{key: value}`` of a load balancer's attributes, None when it is gone."""
    attributes = client.describe_load_balancer_attributes(LoadBalancerArn=load_balancer_arn)["Attributes"]
    return {item["Key"]: item["Value"] for item in attributes}


@ELBv2ErrorHandler.common_error_handler("create target group")
@aws_retry
def create_target_group(client, params):
    """CreateTargetGroup with boto3 parameters; returns the new group."""
    return client.create_target_group(**params)["TargetGroups"][0]


@ELBv2ErrorHandler.common_error_handler("modify target group")
@aws_retry
def modify_target_group(client, target_group_arn, params):
    """ModifyTargetGroup (health check settings) with boto3 parameters."""
    return client.modify_target_group(TargetGroupArn=target_group_arn, **params)["TargetGroups"][0]


@ELBv2ErrorHandler.deletion_error_handler("delete target group")
@_delete_retry
def delete_target_group(client, target_group_arn):
    """Delete a target group; False when it was already gone."""
    client.delete_target_group(TargetGroupArn=target_group_arn)
    return True


@ELBv2ErrorHandler.common_error_handler("create load balancer")
@aws_retry
def create_load_balancer(client, params):
    """CreateLoadBalancer with boto3 parameters; returns the new load balancer."""
    return client.create_load_balancer(**params)["LoadBalancers"][0]


@ELBv2ErrorHandler.deletion_error_handler("delete load balancer")
@aws_retry
def delete_load_balancer(client, load_balancer_arn):
    """Delete a load balancer (its listeners go with it); False when it was already gone."""
    client.delete_load_balancer(LoadBalancerArn=load_balancer_arn)
    return True


@ELBv2ErrorHandler.common_error_handler("modify load balancer attributes")
@aws_retry
def modify_load_balancer_attributes(client, load_balancer_arn, attributes):
    """Set ``{key: value}`` attributes of a load balancer."""
    client.modify_load_balancer_attributes(
        LoadBalancerArn=load_balancer_arn,
        Attributes=[{"Key": key, "Value": value} for key, value in sorted(attributes.items())],
    )
    return True


@ELBv2ErrorHandler.common_error_handler("set load balancer subnets")
@aws_retry
def set_subnets(client, load_balancer_arn, subnet_ids):
    """SetSubnets: the complete list of subnets the load balancer must have."""
    return client.set_subnets(LoadBalancerArn=load_balancer_arn, Subnets=list(subnet_ids))


@ELBv2ErrorHandler.common_error_handler("create listener")
@aws_retry
def create_listener(client, params):
    """CreateListener with boto3 parameters; returns the new listener."""
    return client.create_listener(**params)["Listeners"][0]


@ELBv2ErrorHandler.common_error_handler("modify listener")
@aws_retry
def modify_listener(client, listener_arn, params):
    """ModifyListener with boto3 parameters; returns the listener."""
    return client.modify_listener(ListenerArn=listener_arn, **params)["Listeners"][0]


@ELBv2ErrorHandler.deletion_error_handler("delete listener")
@aws_retry
def delete_listener(client, listener_arn):
    """Delete a listener; False when it was already gone."""
    client.delete_listener(ListenerArn=listener_arn)
    return True


@ELBv2ErrorHandler.list_error_handler("describe rules", [])
@aws_retry
def describe_rules(client, listener_arn):
    """Every rule of a listener (the default rule included), all pages ([] when the listener is gone)."""
    paginator = client.get_paginator("describe_rules")
    pages = paginator.paginate(ListenerArn=listener_arn, PaginationConfig={"PageSize": PAGE_SIZE})
    return pages.build_full_result()["Rules"]


@ELBv2ErrorHandler.common_error_handler("create rule")
@aws_retry
def create_rule(client, params):
    """CreateRule with boto3 parameters; returns the new rule."""
    return client.create_rule(**params)["Rules"][0]


@ELBv2ErrorHandler.common_error_handler("modify rule")
@aws_retry
def modify_rule(client, rule_arn, actions):
    """ModifyRule: new actions, the conditions stay."""
    return client.modify_rule(RuleArn=rule_arn, Actions=list(actions))["Rules"][0]


@ELBv2ErrorHandler.deletion_error_handler("delete rule")
@aws_retry
def delete_rule(client, rule_arn):
    """Delete a listener rule; False when it was already gone."""
    client.delete_rule(RuleArn=rule_arn)
    return True


@ELBv2ErrorHandler.common_error_handler("set rule priorities")
@aws_retry
def set_rule_priorities(client, priorities):
    """SetRulePriorities: ``[(rule arn, priority)]`` in one call (AWS checks the new order as a whole)."""
    client.set_rule_priorities(
        RulePriorities=[{"RuleArn": arn, "Priority": int(priority)} for arn, priority in priorities]
    )
    return True


@ELBv2ErrorHandler.common_error_handler("set security groups")
@aws_retry
def set_security_groups(client, load_balancer_arn, group_ids):
    """SetSecurityGroups: the complete list of security groups of an application load balancer."""
    return client.set_security_groups(LoadBalancerArn=load_balancer_arn, SecurityGroups=list(group_ids))


@ELBv2ErrorHandler.list_error_handler("describe security groups", [])
@aws_retry
def describe_security_groups_by_name(client, vpc_id, names):
    """Security groups of ``vpc_id`` with these names (an EC2 client), one call: filters, so that an
    unknown name is simply missing from the answer."""
    paginator = client.get_paginator("describe_security_groups")
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": sorted(set(names))}]
    return paginator.paginate(Filters=filters).build_full_result()["SecurityGroups"]


@ELBv2ErrorHandler.common_error_handler("add tags")
@aws_retry
def add_tags(client, arn, tags):
    """Set ``{key: value}`` tags on one load balancer, listener or target group."""
    client.add_tags(ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(tags))
    return True


@ELBv2ErrorHandler.common_error_handler("remove tags")
@aws_retry
def remove_tags(client, arn, keys):
    """Remove tag keys from one load balancer, listener or target group."""
    client.remove_tags(ResourceArns=[arn], TagKeys=list(keys))
    return True


@ELBv2ErrorHandler.list_error_handler("describe subnets", [])
@aws_retry
def describe_subnets(client, subnet_ids):
    """Subnets with these ids (an EC2 client). A filter, not SubnetIds, so that unknown ids are
    simply missing from the answer instead of failing the whole call."""
    paginator = client.get_paginator("describe_subnets")
    filters = [{"Name": "subnet-id", "Values": list(subnet_ids)}]
    return paginator.paginate(Filters=filters).build_full_result()["Subnets"]


def tags_by_arn(client, arns):
    """``{arn: {key: value}}`` for every ARN, one DescribeTags call per DESCRIBE_TAGS_MAX_ARNS ARNs."""
    result = {}
    for chunk in chunked(sorted(set(arns)), DESCRIBE_TAGS_MAX_ARNS):
        result.update(tags_from_descriptions(describe_tags(client, chunk)))
    return result


# ---------------------------------------------------------------------------------------------
# Pure helpers: shapes
# ---------------------------------------------------------------------------------------------


def chunked(items, size):
    """``items`` in consecutive lists of at most ``size``."""
    items = list(items)
    return [items[index : index + size] for index in range(0, len(items), size)]


def tags_from_descriptions(descriptions):
    """DescribeTags TagDescriptions -> ``{arn: {key: value}}``."""
    return {
        entry["ResourceArn"]: boto3_tag_list_to_ansible_dict(entry.get("Tags") or []) for entry in descriptions or []
    }


def name_from_arn(arn):
    """Name part of a load balancer or target group ARN (``.../targetgroup/<name>/<id>``)."""
    parts = (arn or "").split(":", 5)[-1].split("/")
    if parts[0] == "targetgroup" and len(parts) >= 3:
        return parts[1]
    if parts[0] == "loadbalancer" and len(parts) >= 4:
        return parts[2]
    return arn


def normalise_load_balancer(raw):
    """DescribeLoadBalancers / CreateLoadBalancer entry -> snake_case."""
    zones = raw.get("AvailabilityZones") or []
    return {
        "name": raw["LoadBalancerName"],
        "arn": raw["LoadBalancerArn"],
        "dns_name": raw.get("DNSName"),
        "state": (raw.get("State") or {}).get("Code"),
        "type": raw.get("Type"),
        "scheme": raw.get("Scheme"),
        "vpc_id": raw.get("VpcId"),
        "subnet_ids": sorted(zone["SubnetId"] for zone in zones if zone.get("SubnetId")),
        "zones": {zone["SubnetId"]: zone.get("ZoneName") for zone in zones if zone.get("SubnetId")},
        "security_group_ids": sorted(raw.get("SecurityGroups") or []),
    }


def normalise_health_check(raw):
    """The health check settings of a DescribeTargetGroups entry."""
    return {
        "protocol": raw.get("HealthCheckProtocol"),
        "port": str(raw["HealthCheckPort"]) if raw.get("HealthCheckPort") is not None else None,
        "interval": _int_or_none(raw.get("HealthCheckIntervalSeconds")),
        "timeout": _int_or_none(raw.get("HealthCheckTimeoutSeconds")),
        "healthy_threshold": _int_or_none(raw.get("HealthyThresholdCount")),
        "unhealthy_threshold": _int_or_none(raw.get("UnhealthyThresholdCount")),
        "path": raw.get("HealthCheckPath"),
        "matcher": (raw.get("Matcher") or {}).get("HttpCode"),
    }


def _int_or_none(value):
    return int(value) if value is not None else None


def normalise_target_group(raw):
    """DescribeTargetGroups / CreateTargetGroup entry -> snake_case."""
    return {
        "name": raw["TargetGroupName"],
        "arn": raw["TargetGroupArn"],
        "port": _int_or_none(raw.get("Port")),
        "protocol": raw.get("Protocol"),
        "vpc_id": raw.get("VpcId"),
        "target_type": raw.get("TargetType"),
        "ip_address_type": raw.get("IpAddressType") or "ipv4",
        "health_check": normalise_health_check(raw),
        "load_balancer_arns": list(raw.get("LoadBalancerArns") or []),
    }


def forward_target_group_arns(actions):
    """Target group ARNs that ``forward`` actions send to (plain or weighted ForwardConfig)."""
    arns = []
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        candidates = [action.get("TargetGroupArn")]
        candidates += [
            group.get("TargetGroupArn") for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        ]
        for arn in candidates:
            if arn and arn not in arns:
                arns.append(arn)
    return arns


def fixed_response(actions):
    """``{"status_code", "content_type", "message_body"}`` of the first fixed-response action, or None."""
    for action in actions or []:
        if action.get("Type") == "fixed-response":
            config = action.get("FixedResponseConfig") or {}
            return {
                "status_code": config.get("StatusCode"),
                "content_type": config.get("ContentType"),
                "message_body": config.get("MessageBody"),
            }
    return None


def action_type(actions):
    """Type of the last action of a list (the one that answers: forward, fixed-response, redirect)."""
    actions = [action for action in actions or [] if action.get("Type")]
    if not actions:
        return None
    return sorted(actions, key=lambda action: action.get("Order") or 0)[-1]["Type"]


def normalise_listener(raw):
    """DescribeListeners / CreateListener entry -> snake_case."""
    certificates = raw.get("Certificates") or []
    return {
        "arn": raw["ListenerArn"],
        "load_balancer_arn": raw.get("LoadBalancerArn"),
        "port": int(raw["Port"]),
        "protocol": raw.get("Protocol"),
        "target_group_arns": forward_target_group_arns(raw.get("DefaultActions")),
        "default_action_type": action_type(raw.get("DefaultActions")),
        "fixed_response": fixed_response(raw.get("DefaultActions")),
        "certificate_arn": certificates[0].get("CertificateArn") if certificates else None,
        "ssl_policy": raw.get("SslPolicy"),
    }


def rule_path_patterns(conditions):
    """The path patterns of a rule whose only condition is one ``path-pattern`` condition, else None
    (a rule with other conditions is not one the module describes with path patterns)."""
    conditions = list(conditions or [])
    if len(conditions) != 1 or conditions[0].get("Field") != "path-pattern":
        return None
    condition = conditions[0]
    values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values") or []
    return list(values) or None


def pattern_key(patterns):
    """Identity of a rule: its set of path patterns, sorted (None for a rule without one)."""
    return tuple(sorted(set(patterns))) if patterns else None


def normalise_rule(raw):
    """DescribeRules / CreateRule entry -> snake_case; ``priority`` is None for the default rule."""
    patterns = rule_path_patterns(raw.get("Conditions"))
    priority = raw.get("Priority")
    is_default = bool(raw.get("IsDefault")) or priority == "default"
    return {
        "arn": raw["RuleArn"],
        "priority": None if is_default or priority is None else int(priority),
        "is_default": is_default,
        "path_patterns": patterns,
        "key": pattern_key(patterns),
        "conditions": len(raw.get("Conditions") or []),
        "action_type": action_type(raw.get("Actions")),
        "target_group_arns": forward_target_group_arns(raw.get("Actions")),
    }


# ---------------------------------------------------------------------------------------------
# Pure helpers: ownership and tags
# ---------------------------------------------------------------------------------------------


def ownership_tags(gateway):
    """The two tags that make a resource this gateway's."""
    return {MANAGED_TAG_KEY: MANAGED_TAG_VALUE, GATEWAY_TAG_KEY: gateway}


def is_ours(tags, gateway):
    """True when ``tags`` carry BOTH ownership tags, the second one naming ``gateway``."""
    tags = tags or {}
    return tags.get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE and tags.get(GATEWAY_TAG_KEY) == gateway


def has_ownership_tag(tags):
    """True when ``tags`` carry either ownership tag (with any value)."""
    return any(key in (tags or {}) for key in OWNERSHIP_TAG_KEYS)


def tag_differences(current, desired, purge_tags):
    """``(to_set, to_remove)`` turning ``current`` into ``desired`` (both ``{key: value}``).

    Keys of ``desired`` are set when missing or different. With ``purge_tags`` the other keys are
    removed, except the ownership tags and the ``aws:`` keys AWS manages.
    """
    current = current or {}
    to_set = {key: value for key, value in desired.items() if current.get(key) != value}
    to_remove = []
    if purge_tags:
        to_remove = sorted(
            key
            for key in current
            if key not in desired and key not in OWNERSHIP_TAG_KEYS and not key.startswith("aws:")
        )
    return to_set, to_remove


def apply_tag_differences(current, to_set, to_remove):
    """The tags a resource holds once ``to_set`` / ``to_remove`` are applied."""
    tags = {key: value for key, value in (current or {}).items() if key not in to_remove}
    tags.update(to_set)
    return tags


# ---------------------------------------------------------------------------------------------
# Pure helpers: order of listener changes
# ---------------------------------------------------------------------------------------------


def order_listener_modifications(modifications, attachments):
    """Order ModifyListener calls so that none forwards a target group that another load balancer
    still forwards to (AWS lets a target group serve one load balancer only).

    ``modifications``: dicts with ``key`` (unique), ``load_balancer``, ``old_groups`` (the target
    groups the listener forwards to now) and ``new_group``. ``attachments``: ``{group:
    {load_balancer: number of listeners}}`` once the planned deletions are done.

    A modification is ready when its new group is forwarded by no other load balancer. When none
    of the remaining ones is ready they form a cycle (two listeners swapping groups across load
    balancers): the first one is broken, that is deleted before the others run and created again
    afterwards.

    Returns ``(ordered, broken)``: the modifications in a safe order, and the broken ones.
    """
    counts = {group: dict(users) for group, users in attachments.items()}
    remaining = list(modifications)
    ordered, broken = [], []

    def detach(item):
        for group in item["old_groups"]:
            users = counts.setdefault(group, {})
            users[item["load_balancer"]] = max(0, users.get(item["load_balancer"], 0) - 1)

    while remaining:
        ready = next(
            (
                item
                for item in remaining
                if not any(
                    number > 0 and balancer != item["load_balancer"]
                    for balancer, number in counts.get(item["new_group"], {}).items()
                )
            ),
            None,
        )
        if ready is None:
            victim = remaining.pop(0)
            detach(victim)
            broken.append(victim)
            continue
        remaining.remove(ready)
        detach(ready)
        users = counts.setdefault(ready["new_group"], {})
        users[ready["load_balancer"]] = users.get(ready["load_balancer"], 0) + 1
        ordered.append(ready)
    return ordered, broken


# ---------------------------------------------------------------------------------------------
# Pure helpers: waiting for load balancers
# ---------------------------------------------------------------------------------------------


def pending_load_balancers(balancers):
    """``[(name, state)]`` of the load balancers that are not active yet, sorted by name."""
    return sorted((lb["name"], lb.get("state") or "unknown") for lb in balancers if lb.get("state") != LB_ACTIVE)


def wait_for_load_balancers(fetch, timeout, delay=5, sleep=time.sleep, clock=time.monotonic):
    """Poll ``fetch()`` (normalised load balancers) until every one is active, one fails, or
    ``timeout`` seconds pass. Returns ``(balancers, pending)`` from the last poll: ``pending`` is
    empty on success and lists ``(name, state)`` otherwise."""
    deadline = clock() + timeout
    while True:
        balancers = fetch()
        pending = pending_load_balancers(balancers)
        remaining = deadline - clock()
        if not pending or remaining <= 0 or any(state == LB_FAILED for _name, state in pending):
            return balancers, pending
        sleep(min(delay, remaining))


# ---------------------------------------------------------------------------------------------
# Pure helpers: listener rules (application load balancers)
# ---------------------------------------------------------------------------------------------


def rule_groups(rule):
    """Names of the target groups a rule (normalise_rule dict) forwards to."""
    return [name_from_arn(arn) for arn in rule.get("target_group_arns") or []]


def plan_rules(current, desired, purge, moving=()):
    """Plan the changes that turn the rules of one listener into the desired ones.

    ``current``: normalise_rule dicts (the default rule is left out). ``desired``: dicts with
    ``priority``, ``key`` (``pattern_key`` of the path patterns, the identity of a rule) and
    ``target_group`` (a name). ``moving``: target group names that must leave this listener
    whatever ``purge`` says (they move to another load balancer).

    Returns a dict of lists:

    - ``delete``: ``(rule, reason)``, reason ``not listed`` or ``moving``;
    - ``priorities``: ``(rule, new priority)``, for ONE SetRulePriorities call: AWS checks the
      new order as a whole, so rules may swap priorities in it;
    - ``modify``: ``(rule, desired)``, the forward target group differs (ModifyRule);
    - ``create``: desired entries without a rule;
    - ``matched``: ``(rule, desired)`` for every listed rule that exists;
    - ``left``: unlisted rules left in place (``purge`` false);
    - ``conflicts``: ``(desired, rule)`` when a desired priority is held by a rule left in place.
    """
    wanted = {item["key"]: item for item in desired}
    plan = {key: [] for key in ("delete", "priorities", "modify", "create", "matched", "left", "conflicts")}
    seen = set()
    for rule in sorted(current, key=lambda item: (item["priority"] is None, item["priority"] or 0)):
        if rule.get("is_default"):
            continue
        item = wanted.get(rule["key"]) if rule["key"] is not None and rule["key"] not in seen else None
        if item is not None:
            seen.add(rule["key"])
            plan["matched"].append((rule, item))
            if rule["priority"] != item["priority"]:
                plan["priorities"].append((rule, item["priority"]))
            if rule_groups(rule) != [item["target_group"]] or rule.get("action_type") != "forward":
                plan["modify"].append((rule, item))
            continue
        if any(group in moving for group in rule_groups(rule)):
            plan["delete"].append((rule, "moving"))
        elif purge:
            plan["delete"].append((rule, "not listed"))
        else:
            plan["left"].append(rule)
    plan["create"] = [item for item in desired if item["key"] not in seen]
    held = {rule["priority"]: rule for rule in plan["left"]}
    plan["conflicts"] = [(item, held[item["priority"]]) for item in desired if item["priority"] in held]
    return plan
