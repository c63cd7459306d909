# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness of a gateway's load balancers, VPC links and target groups (``gateway_ready``).

Two halves:

* reads: DescribeLoadBalancers for many ARNs at once (the one call this layer adds, retried and
  with ``LoadBalancerNotFound`` turned into ``None`` by :class:`ReadinessErrorHandler`), and the
  existing reads of ``elbv2`` (DescribeTargetGroups, DescribeTargetHealth) and ``vpc_links``
  (GetVpcLink, both flavours), composed so that one poll costs one DescribeLoadBalancers per 20
  load balancers, one GetVpcLink per link and one DescribeTargetHealth per target group;
* pure logic, free of boto3 and shared by the module and its action plugin: input validation that
  names the field, the verdict on each resource (ready, pending or failed), the one-line
  descriptions used in progress lines and failure messages, and the poll loop (clock and sleep
  injectable).
"""

import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.elbv2 import (
    describe_pending,
    describe_target_groups,
    describe_target_health,
    pending_targets,
    registered_targets,
    target_key,
    targets_from_health,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.vpc_links import (
    get_v1_vpc_link,
    get_v2_vpc_link,
    normalise_vpc_link,
)

# DescribeLoadBalancers takes at most 20 ARNs per call.
LOAD_BALANCER_BATCH = 20

TARGETS_CHOICES = ("none", "registered", "healthy")
VERSION_CHOICES = ("v1", "v2")

LOAD_BALANCER_READY = ("active",)
LOAD_BALANCER_FAILED = ("failed",)
# v2 links turn INACTIVE after 60 days without traffic and come back on their own when used.
VPC_LINK_READY = ("AVAILABLE", "INACTIVE")
VPC_LINK_FAILED = ("FAILED", "DELETING")

MISSING = "missing"

DEFAULT_WAIT_TIMEOUT = 900
DEFAULT_POLL_INTERVAL = 5
DEFAULT_PROGRESS_INTERVAL = 30

_LOAD_BALANCER_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer/(?:net|app)/([A-Za-z0-9-]{1,32})/[A-Za-z0-9]+$"
)
_TARGET_GROUP_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):targetgroup/([A-Za-z0-9-]{1,32})/[A-Za-z0-9]+$"
)
_VPC_LINK_ID_RE = re.compile(r"^[A-Za-z0-9]{1,64}$")

KIND_LABELS = {
    "load_balancer": "load balancer",
    "vpc_link": "VPC link",
    "targets": "target group",
    "target": "target",
    "instance": "demo instance",
}


class AnsibleReadinessError(AnsibleAWSError):
    """A read of gateway_ready failed."""


class ReadinessErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleReadinessError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("LoadBalancerNotFound")


# ---------------------------------------------------------------------------------------------
# API calls
# ---------------------------------------------------------------------------------------------


@ReadinessErrorHandler.list_error_handler("describe load balancers")
@aws_retry
def describe_load_balancers(client, arns):
    """The load balancers with these ARNs (at most 20); None when one of them does not exist,
    because AWS then fails the whole call."""
    paginator = client.get_paginator("describe_load_balancers")
    return paginator.paginate(LoadBalancerArns=list(arns)).build_full_result()["LoadBalancers"]


# ---------------------------------------------------------------------------------------------
# Composite reads (one poll)
# ---------------------------------------------------------------------------------------------


def _batches(items, size):
    return [items[index : index + size] for index in range(0, len(items), size)]


def read_load_balancers(client, arns):
    """``{arn: DescribeLoadBalancers entry or None}``: one call per 20 ARNs; only when a batch
    names a load balancer that does not exist is each ARN of that batch described alone, to tell
    which one is missing."""
    found = {}
    for batch in _batches(list(arns), LOAD_BALANCER_BATCH):
        described = describe_load_balancers(client, batch)
        if described is None:
            for arn in batch:
                single = describe_load_balancers(client, [arn])
                found[arn] = single[0] if single else None
            continue
        by_arn = {entry["LoadBalancerArn"]: entry for entry in described}
        for arn in batch:
            found[arn] = by_arn.get(arn)
    return found


def read_vpc_links(client_for, link_ids, versions):
    """``{id: (link in the vpc_links snake_case shape or None, [versions looked up])}``.

    ``client_for(version)`` returns the ``apigateway`` (v1) or ``apigatewayv2`` (v2) client. A link
    without an entry in ``versions`` is looked up as v1 first and, when v1 says NotFound, as v2.
    """
    found = {}
    for link_id in link_ids:
        version = versions.get(link_id)
        order = [version] if version else list(VERSION_CHOICES)
        link, looked_up = None, []
        for candidate in order:
            looked_up.append(candidate)
            getter = get_v1_vpc_link if candidate == "v1" else get_v2_vpc_link
            raw = getter(client_for(candidate), link_id)
            if raw is not None:
                link = normalise_vpc_link(raw, candidate)
                break
        found[link_id] = (link, looked_up)
    return found


def read_target_groups(client, arns, targets):
    """``{arn: {"exists": bool, "targets": targets_from_health list or None}}``.

    With ``targets=none`` one DescribeTargetGroups call checks that every group exists (each ARN
    alone only when one is missing); otherwise one DescribeTargetHealth per group does both.
    """
    found = {}
    if not arns:
        return found
    if targets == "none":
        described = {group["TargetGroupArn"] for group in describe_target_groups(client, arns=list(arns))}
        if not all(arn in described for arn in arns):
            described = {arn for arn in arns if describe_target_groups(client, arns=[arn])}
        for arn in arns:
            found[arn] = {"exists": arn in described, "targets": None}
        return found
    for arn in arns:
        health = describe_target_health(client, arn)
        found[arn] = {
            "exists": health is not None,
            "targets": targets_from_health(health) if health is not None else None,
        }
    return found


# ---------------------------------------------------------------------------------------------
# Input validation (pure: raises ValueError naming the field)
# ---------------------------------------------------------------------------------------------


def _unique(values):
    seen, result = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def _check_arns(values, field, pattern, what, example, region):
    checked = []
    for index, value in enumerate(values or []):
        text = str(value).strip() if value is not None else ""
        match = pattern.match(text)
        if not match:
            raise ValueError(f"{field}[{index}]: {value!r} is not {what} ({example})")
        if region and match.group(1) != region:
            raise ValueError(
                f"{field}[{index}]: {text!r} is in region {match.group(1)}, but the module talks to {region}; "
                "set region (or module_defaults) to the region of the resource"
            )
        checked.append(text)
    return _unique(checked)


def _check_int(params, name, minimum):
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        unit = "0 or more seconds" if minimum == 0 else f"at least {minimum} second"
        raise ValueError(f"{name}: {value!r} must be a whole number of seconds, {unit}")
    return value


def validate_params(params, region=None):
    """Everything that can be checked before any AWS call.

    Returns the normalised options (lists stripped and de-duplicated in order, versions keyed by
    id). ``region`` (the module's region), when given, must be the region of every ARN.
    """
    load_balancer_arns = _check_arns(
        params.get("load_balancer_arns"),
        "load_balancer_arns",
        _LOAD_BALANCER_ARN_RE,
        "a load balancer ARN",
        "arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>",
        region,
    )
    target_group_arns = _check_arns(
        params.get("target_group_arns"),
        "target_group_arns",
        _TARGET_GROUP_ARN_RE,
        "a target group ARN",
        "arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>",
        region,
    )
    link_ids = []
    for index, value in enumerate(params.get("vpc_link_ids") or []):
        text = str(value).strip() if value is not None else ""
        if not _VPC_LINK_ID_RE.match(text):
            raise ValueError(
                f"vpc_link_ids[{index}]: {value!r} is not a VPC link id (letters and digits, such as 'a1b2c3'; "
                "give the id, not the name or the ARN)"
            )
        link_ids.append(text)
    link_ids = _unique(link_ids)
    versions = {}
    for key, value in sorted((params.get("vpc_link_versions") or {}).items()):
        key = str(key).strip()
        if key not in link_ids:
            raise ValueError(f"vpc_link_versions.{key}: {key!r} is not in vpc_link_ids; list the link there too")
        version = str(value).strip().lower() if value is not None else ""
        if version not in VERSION_CHOICES:
            raise ValueError(f"vpc_link_versions.{key}: {value!r} is not a VPC link version (v1 or v2)")
        versions[key] = version
    targets = params.get("targets") or "none"
    if targets not in TARGETS_CHOICES:
        raise ValueError(f"targets: {targets!r} is not one of {', '.join(TARGETS_CHOICES)}")
    return {
        "load_balancer_arns": load_balancer_arns,
        "vpc_link_ids": link_ids,
        "vpc_link_versions": versions,
        "target_group_arns": target_group_arns,
        "targets": targets,
        "wait_timeout": _check_int(params, "wait_timeout", 0),
        "poll_interval": _check_int(params, "poll_interval", 1),
        "progress_interval": _check_int(params, "progress_interval", 1),
    }


def name_from_arn(arn):
    """Name part of a load balancer or target group ARN (the ARN itself when it has none)."""
    for pattern in (_LOAD_BALANCER_ARN_RE, _TARGET_GROUP_ARN_RE):
        match = pattern.match(arn or "")
        if match:
            return match.group(3)
    return arn


# ---------------------------------------------------------------------------------------------
# Verdicts (pure)
# ---------------------------------------------------------------------------------------------


def entry(kind, resource_id, name, status, detail=None):
    """One pending or failed resource."""
    return {"kind": kind, "id": resource_id, "name": name, "status": status, "detail": detail}


def assess_load_balancer(arn, raw):
    """``(record, verdict, entry)``; verdict is ``ready``, ``pending`` or ``failed``."""
    if raw is None:
        record = {"arn": arn, "name": name_from_arn(arn), "type": None, "dns_name": None, "state": None}
        record["state_reason"] = None
        return record, "failed", entry("load_balancer", arn, record["name"], MISSING, "not found")
    state = raw.get("State") or {}
    record = {
        "arn": arn,
        "name": raw.get("LoadBalancerName") or name_from_arn(arn),
        "type": raw.get("Type"),
        "dns_name": raw.get("DNSName"),
        "state": state.get("Code"),
        "state_reason": state.get("Reason"),
    }
    if record["state"] in LOAD_BALANCER_READY:
        return record, "ready", None
    verdict = "failed" if record["state"] in LOAD_BALANCER_FAILED else "pending"
    return record, verdict, entry("load_balancer", arn, record["name"], record["state"], record["state_reason"])


def assess_vpc_link(link_id, link, looked_up):
    """``(record, verdict, entry)`` of one VPC link (``looked_up``: the versions searched)."""
    if link is None:
        record = {"id": link_id, "name": None, "version": None, "status": None, "status_message": None}
        where = " or ".join(looked_up)
        detail = f"not found as a {where} VPC link" + ("" if len(looked_up) > 1 else " (see vpc_link_versions)")
        return record, "failed", entry("vpc_link", link_id, None, MISSING, detail)
    record = {
        "id": link_id,
        "name": link.get("name"),
        "version": link.get("version"),
        "status": link.get("status"),
        "status_message": link.get("status_message"),
    }
    if record["status"] in VPC_LINK_READY:
        return record, "ready", None
    verdict = "failed" if record["status"] in VPC_LINK_FAILED else "pending"
    detail = record["status_message"]
    if record["status"] == "DELETING":
        detail = "the link is being deleted" + (f" ({detail})" if detail else "")
    return record, verdict, entry("vpc_link", link_id, record["name"], record["status"], detail)


def assess_target_group(arn, found, targets):
    """``(record, verdict, entry)`` of one target group for ``targets`` (none|registered|healthy).

    Draining targets were deregistered and are left out: the load balancer sends them no new
    connections. ``registered`` needs at least one other target; ``healthy`` needs every other
    target ``healthy`` (and at least one).
    """
    name = name_from_arn(arn)
    record = {"arn": arn, "name": name, "targets": found.get("targets") if found else None}
    if not found or not found.get("exists"):
        return record, "failed", entry("targets", arn, name, MISSING, "target group not found")
    if targets == "none":
        return record, "ready", None
    current = registered_targets(found.get("targets") or [])
    if not current:
        return record, "pending", entry("targets", arn, name, "no targets", "no target is registered")
    pending = pending_targets(current, [target_key(target) for target in current], [], targets)
    if not pending:
        return record, "ready", None
    if targets == "healthy":
        status = f"{len(current) - len(pending)}/{len(current)} healthy"
    else:
        status = f"{len(current) - len(pending)}/{len(current)} registered"
    return record, "pending", entry("targets", arn, name, status, describe_pending(pending))


def assess(load_balancers, vpc_links, target_groups, options):
    """The verdict on everything asked for, in the order of the options.

    ``load_balancers``: ``read_load_balancers`` output, ``vpc_links``: ``read_vpc_links`` output,
    ``target_groups``: ``read_target_groups`` output. Returns a dict: ``ready``, ``pending``,
    ``failures`` (entries), ``load_balancers``, ``vpc_links``, ``target_groups`` (records).
    """
    result = {"load_balancers": [], "vpc_links": [], "target_groups": [], "pending": [], "failures": []}

    def add(key, outcome):
        record, verdict, item = outcome
        result[key].append(record)
        if verdict != "ready":
            result["pending" if verdict == "pending" else "failures"].append(item)

    for arn in options["load_balancer_arns"]:
        add("load_balancers", assess_load_balancer(arn, load_balancers.get(arn)))
    for link_id in options["vpc_link_ids"]:
        link, looked_up = vpc_links.get(link_id, (None, [options["vpc_link_versions"].get(link_id, "v1")]))
        add("vpc_links", assess_vpc_link(link_id, link, looked_up))
    for arn in options["target_group_arns"]:
        add("target_groups", assess_target_group(arn, target_groups.get(arn), options["targets"]))
    result["ready"] = not result["pending"] and not result["failures"]
    return result


# ---------------------------------------------------------------------------------------------
# Messages (pure)
# ---------------------------------------------------------------------------------------------


def counts(result):
    """``(ready, total)`` resources of an ``assess`` result (or a module result), or of any poll result
    that says its ``total``."""
    if result.get("total") is not None:
        total = result["total"]
    else:
        total = sum(len(result.get(key) or []) for key in ("load_balancers", "vpc_links", "target_groups"))
    return total - len(result.get("pending") or []) - len(result.get("failures") or []), total


def describe_entry(item, detail=False):
    """``VPC link open-banking (abc123) PENDING`` / ``load balancer open-banking provisioning``;
    with ``detail``, the ARN of load balancers and target groups and the detail after a colon."""
    label = KIND_LABELS.get(item.get("kind"), item.get("kind"))
    if item.get("kind") in ("vpc_link", "instance"):
        text = f"{label} {item['name']} ({item['id']})" if item.get("name") else f"{label} {item['id']}"
    else:
        text = f"{label} {item.get('name')}"
        if detail:
            text += f" ({item['id']})"
    text += f" {item.get('status')}"
    if detail and item.get("detail"):
        text += f": {item['detail']}"
    return text


def describe_entries(items, detail=False):
    return "; ".join(describe_entry(item, detail) for item in items)


def failure_message(failures):
    count = len(failures)
    return f"{count} resource{'s' if count != 1 else ''} will not become ready: {describe_entries(failures, True)}"


def timeout_message(pending, waited, wait_timeout):
    count = len(pending)
    return (
        f"Timed out after {int(round(waited))} s (wait_timeout {wait_timeout} s) with {count} "
        f"resource{'s' if count != 1 else ''} not ready: {describe_entries(pending, True)}"
    )


def ready_message(total):
    return f"{total} resource{'s' if total != 1 else ''} ready" if total else "nothing to wait for"


def progress_line(host, waited, wait_timeout, pending, ready_count, total):
    """``[shared-services] waiting 35 s / 900 s: VPC link open-banking (abc123) PENDING; 3/4 ready``."""
    return (
        f"[{host}] waiting {int(round(waited))} s / {wait_timeout} s: {describe_entries(pending)}; "
        f"{ready_count}/{total} ready"
    )


# ---------------------------------------------------------------------------------------------
# Poll loop (pure: clock and sleep injectable)
# ---------------------------------------------------------------------------------------------


def poll(check, done, timeout, interval, progress=None, sleep=time.sleep, clock=time.monotonic):
    """Call ``check()`` at once, then ``interval`` seconds after the end of each check, until
    ``done(result)`` or ``timeout`` seconds have passed (never sleeping past the deadline: the last
    check happens at it).

    ``progress`` (a :class:`ProgressReporter`, optional) is called with the last result between
    checks, and the sleep is cut at its ``due`` time, so its lines come on time even when a check
    takes long or ``interval`` exceeds the reporter's interval.

    Returns ``(last result, elapsed seconds, number of checks)``.
    """
    start = clock()
    polls = 0
    while True:
        result = check()
        polls += 1
        elapsed = clock() - start
        if done(result) or elapsed >= timeout:
            return result, elapsed, polls
        wake = elapsed + min(interval, timeout - elapsed)
        while True:
            if progress is not None:
                progress(result, elapsed)
            if elapsed >= wake:
                break
            step = wake - elapsed
            if progress is not None:
                step = min(step, progress.due - elapsed)
            sleep(step)
            elapsed = clock() - start


class ProgressReporter:
    """Emits a progress line at each multiple of ``interval`` seconds of the wait (30 s, 60 s, ...),
    naming what the last check found pending; ``due`` is the elapsed time of the next line."""

    def __init__(self, emit, host, wait_timeout, interval):
        self.emit = emit
        self.host = host
        self.wait_timeout = wait_timeout
        self.interval = interval
        self.due = interval
        self.lines = 0

    def __call__(self, result, elapsed):
        if elapsed < self.due:
            return
        self.due = (int(elapsed // self.interval) + 1) * self.interval
        self.lines += 1
        ready_count, total = counts(result)
        self.emit(progress_line(self.host, elapsed, self.wait_timeout, result.get("pending") or [], ready_count, total))
