# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Elastic Load Balancing v2 layer for IP target groups.

One small, retried function per API call (plus the one EC2 call needed to learn the CIDRs of a
target group's VPC), with every "not found" error code turned into an empty result in one place
(``ELBv2ErrorHandler``). The rest is pure and free of boto3: reading targets out of
DescribeTargetHealth, the VPC's CIDR blocks, the address ranges AWS accepts for IP targets, and
the decision logic of the wait for targets to be registered or healthy.
"""

import ipaddress
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry

# Error codes meaning "that resource does not exist" (ELBv2, and EC2 for the VPC lookup).
NOT_FOUND_CODES = ["TargetGroupNotFound", "LoadBalancerNotFound", "InvalidVpcID.NotFound"]

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
