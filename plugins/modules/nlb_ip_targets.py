#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: nlb_ip_targets
version_added: 0.1.0
short_description: Manage the IP targets (IP and port) of an Elastic Load Balancing v2 target group
description:
  - Registers and deregisters the IP targets of an ELBv2 target group of type V(ip), such as the
    target group of an internal Network Load Balancer that a REST API VPC link points at.
  - A target is identified by its IP address B(and) port, so the same IP on two ports is two
    targets and a port change deregisters the old target and registers the new one (registration
    first, so the service keeps a target while the change happens).
  - An IP outside every CIDR block of the target group's VPC (primary and secondary CIDR
    associations), such as a service in a peered VPC of another account, is registered with
    availability zone V(all), which AWS requires for such targets. Inside the VPC the zone is left
    to AWS unless O(targets[].availability_zone) says otherwise.
  - Deregistration sends the zone the target was registered with, so targets outside the VPC can
    be removed too.
  - "Every input is checked before any change, and errors name the field, for example
    C(targets[2].ip: '10.0.1.x' is not an IPv4 address)."
  - Targets are compared with what the group holds, so a second identical run reports no change.
    A target that is already V(draining) counts as not registered.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) registers the targets in O(targets) that are not registered yet and, with
        O(purge_targets), deregisters the registered targets that are not listed.
      - V(absent) deregisters the targets in O(targets), or every target of the group when
        O(targets) is omitted. A target group that does not exist is then not an error, as nothing
        is registered with it.
    type: str
    choices: [present, absent]
    default: present
  target_group_arn:
    description:
      - ARN of the target group.
      - Exactly one of O(target_group_arn) and O(target_group_name) is required.
    type: str
  target_group_name:
    description:
      - Name of the target group (unique per account and region).
      - Exactly one of O(target_group_arn) and O(target_group_name) is required.
    type: str
  targets:
    description:
      - The IP targets.
      - With O(state=present), omitting O(targets) leaves the registered targets alone (useful
        with O(wait_for) only), and an empty list with O(purge_targets=true) deregisters every
        target.
      - Two entries with the same IP and port are an error.
    type: list
    elements: dict
    suboptions:
      ip:
        description:
          - IPv4 address of the target.
          - AWS accepts addresses of the target group's VPC and of the private ranges
            V(10.0.0.0/8), V(100.64.0.0/10), V(172.16.0.0/12) and V(192.168.0.0/16); any other
            address is refused before any change.
        type: str
        required: true
      port:
        description:
          - Port the target listens on, 1 to 65535.
          - Defaults to the port of the target group.
        type: int
      availability_zone:
        description:
          - Availability zone to register the target in, or V(all).
          - Defaults to V(all) when O(targets[].ip) lies outside every CIDR block of the target
            group's VPC, and is otherwise left to AWS, which takes the zone of the subnet that
            holds the IP.
          - Only used when the target is registered. A target that is already registered in
            another zone is left as it is, with a warning; deregister it first (O(state=absent))
            to move it.
          - An empty string counts as omitted.
        type: str
  purge_targets:
    description:
      - With O(state=present), deregister the registered targets that are not in O(targets).
      - Ignored when O(targets) is omitted.
    type: bool
    default: true
  wait_for:
    description:
      - What to wait for after the changes (never in check mode).
      - V(none) returns at once.
      - V(registered) waits until every listed target (every registered target when O(targets) is
        omitted) is listed by the group in a state other than V(draining), and every target this
        run deregistered is gone or V(draining).
      - V(healthy) waits, in addition, until each of those targets is V(healthy).
      - A deregistered target counts as gone once it is V(draining), because the load balancer
        sends it no new connections; the group's deregistration delay (300 seconds by default) is
        not waited out.
      - The group is polled every 5 seconds, at most O(wait_timeout) seconds. On timeout the module
        fails listing each target that is not there yet, with its state, reason and description.
      - Targets of a group that no load balancer listener uses stay V(unused) and never become
        V(healthy).
      - "The wait runs in the action plugin of the same name, on the controller, which prints a progress
        line every 30 seconds, for example
        C([shared-services] waiting 30 s / 300 s: target 10.0.1.25:8080 initial; 0/1 ready). It reads the
        target health through M(multiaccount.apigateway.gateway_ready) with the task's credentials. With
        C(async) the module waits by itself, silently."
    type: str
    choices: [none, registered, healthy]
    default: none
  wait_timeout:
    description:
      - How many seconds O(wait_for) waits at most.
    type: int
    default: 300
notes:
  - Permissions needed - C(elasticloadbalancing:DescribeTargetGroups),
    C(elasticloadbalancing:DescribeTargetHealth), C(elasticloadbalancing:RegisterTargets),
    C(elasticloadbalancing:DeregisterTargets) and C(ec2:DescribeVpcs) (for the CIDR blocks of the
    target group's VPC).
  - The module talks to the account that owns the target group. Targets in another account's
    VPC are plain IP addresses to it; the VPC peering, its routes and the security group of the
    service (which must admit the load balancer's subnets) are managed separately.
  - Only IPv4 targets are supported; a target group of another type than V(ip), or with IP address
    type V(ipv6), is refused before any change.
seealso:
  - module: community.aws.elb_target_group
  - module: community.aws.elb_target_group_info
  - module: community.aws.elb_network_lb
  - module: multiaccount.apigateway.vpc_link
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  action:
    support: full
    details:
      - With O(wait_for), the action plugin of the same name runs the module with O(wait_for=none), then
        polls the target health on the controller and prints a progress line every 30 seconds (see O(wait_for)).
  async:
    support: full
    details: With C(async) the module waits by itself, without progress lines.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reads the group and returns the registrations and deregistrations it would make; it never waits.
  diff_mode:
    support: full
    details: The targets of the group before and after (C(ip), C(port), C(availability_zone)), in IP then port order.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Register a service that listens on the group's port
  multiaccount.apigateway.nlb_ip_targets:
    target_group_name: payments
    targets:
      - ip: 10.0.1.25

- name: Same IP on two ports (two targets), one of them in an explicit zone
  multiaccount.apigateway.nlb_ip_targets:
    target_group_arn: "{{ target_group.target_group_arn }}"
    targets:
      - ip: 10.100.1.10
        port: 8080
      - ip: 10.100.1.10
        port: 8443
        availability_zone: us-east-1a

- name: Add a target and keep the ones registered by someone else
  multiaccount.apigateway.nlb_ip_targets:
    target_group_name: payments
    targets:
      - ip: 10.0.2.25
    purge_targets: false

- name: Wait until every listed target is healthy (at most 10 minutes)
  multiaccount.apigateway.nlb_ip_targets:
    target_group_name: payments
    targets:
      - ip: 10.0.1.25
      - ip: 10.0.2.25
    wait_for: healthy
    wait_timeout: 600
  register: payments_targets

- name: Show the health of each target
  ansible.builtin.debug:
    msg: "{{ item.ip }}:{{ item.port }} is {{ item.health_state }}"
  loop: "{{ payments_targets.targets }}"

- name: Deregister one target
  multiaccount.apigateway.nlb_ip_targets:
    target_group_name: payments
    state: absent
    targets:
      - ip: 10.0.1.25
        port: 8080

- name: Deregister every target of the group
  multiaccount.apigateway.nlb_ip_targets:
    target_group_name: payments
    state: absent

# Cross-account: the target group and its NLB live in the shared-services (gateway) account
# 111111111111, in VPC 10.100.0.0/16; the service runs in a VPC of the provider account
# 222222222222 (10.0.0.0/16) that is peered with it. The IPs lie outside the gateway VPC, so
# they are registered with availability zone "all". Every call runs with the gateway account's
# credentials, obtained once by assuming a role there.
- name: Assume the deployment role of the gateway account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::111111111111:role/apigateway-deployer
    role_session_name: nlb-ip-targets
  register: gateway_role

- name: Work in the gateway account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ gateway_role.sts_creds.access_key }}"
      secret_key: "{{ gateway_role.sts_creds.secret_key }}"
      session_token: "{{ gateway_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Register the provider's service IPs (in the peered VPC) with the gateway's target group
      multiaccount.apigateway.nlb_ip_targets:
        target_group_name: payments-8080
        targets:
          - ip: 10.0.1.25
          - ip: 10.0.2.25
        wait_for: registered
      register: payments_targets

    - name: Every target sits in zone "all"
      ansible.builtin.assert:
        that:
          - payments_targets.targets | map(attribute='availability_zone') | unique | list == ['all']
"""

RETURN = r"""
target_group_arn:
  description: ARN of the target group (null when O(state=absent) and the group does not exist).
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/payments-8080/73e2d6bc24d8a067
target_group_name:
  description: Name of the target group.
  returned: when the target group exists
  type: str
  sample: payments-8080
vpc_id:
  description: VPC of the target group.
  returned: when the target group exists
  type: str
  sample: vpc-0a1b2c3d4e5f67890
port:
  description: Port of the target group, the default port of the targets.
  returned: when the target group exists
  type: int
  sample: 8080
targets:
  description:
    - The targets registered with the group after the run, sorted by IP (numerically) then port,
      with their health as DescribeTargetHealth reports it. Targets that are V(draining) are left
      out.
    - In check mode, the targets the group would hold; targets that would be registered have null
      health.
    - With O(wait_for), the health seen by the last poll of the wait.
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: IP address of the target.
      type: str
      sample: 10.0.1.25
    port:
      description: Port of the target.
      type: int
      sample: 8080
    availability_zone:
      description: Availability zone of the target, V(all) for an IP outside the group's VPC (null when AWS does not report it).
      type: str
      sample: all
    health_state:
      description: Health state, one of V(initial), V(healthy), V(unhealthy), V(unhealthy.draining), V(unused), V(draining), V(unavailable).
      type: str
      sample: healthy
    health_reason:
      description: Reason code when the target is not V(healthy), for example V(Elb.RegistrationInProgress) or V(Target.NotInUse).
      type: str
      sample: Elb.InitialHealthChecking
    health_description:
      description: Text that explains the health state.
      type: str
      sample: Initial health checks in progress
  sample:
    - ip: 10.0.1.25
      port: 8080
      availability_zone: all
      health_state: healthy
      health_reason: null
      health_description: null
registered:
  description: Targets this run registered (or would register, in check mode), sorted by IP then port.
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: IP address.
      type: str
    port:
      description: Port.
      type: int
    availability_zone:
      description: Zone sent with the registration, null when it was left to AWS.
      type: str
  sample:
    - ip: 10.0.1.25
      port: 8443
      availability_zone: all
deregistered:
  description: Targets this run deregistered (or would deregister, in check mode), sorted by IP then port.
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: IP address.
      type: str
    port:
      description: Port.
      type: int
    availability_zone:
      description: Zone sent with the deregistration (the zone the target was registered with).
      type: str
  sample:
    - ip: 10.0.1.25
      port: 8080
      availability_zone: all
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.arn import validate_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.elbv2 import (
    WAIT_CHOICES,
    AnsibleELBv2Error,
    deregister_targets,
    describe_pending,
    describe_target_groups,
    describe_target_health,
    describe_vpcs,
    format_target,
    register_targets,
    registered_targets,
    sort_key,
    target_description,
    target_ip_allowed,
    target_key,
    targets_from_health,
    vpc_cidrs,
    wait_for_targets,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import (
    choose_availability_zone,
    parse_ipv4,
    parse_port,
)

TARGET_GROUP_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
AVAILABILITY_ZONE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


# ---------------------------------------------------------------------------------------------
# Input validation (pure: raises ValueError naming the field)
# ---------------------------------------------------------------------------------------------


def check_availability_zone(value, field):
    """``all`` or an availability zone name, lower-cased; None for an empty value."""
    text = str(value).strip().lower()
    if not text:
        return None
    if text == "all" or AVAILABILITY_ZONE_RE.match(text):
        return text
    raise ValueError(f"{field}: {value!r} is not an availability zone name (e.g. us-east-1a) or 'all'")


def check_target_group(params):
    """Validate the target group reference; returns ``(arn, name)``."""
    arn = params.get("target_group_arn")
    name = params.get("target_group_name")
    if arn is not None and not validate_aws_arn(arn, service="elasticloadbalancing", resource_type="targetgroup"):
        raise ValueError(
            f"target_group_arn: {arn!r} is not a target group ARN "
            "(arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)"
        )
    if name is not None and not TARGET_GROUP_NAME_RE.match(name):
        raise ValueError(
            f"target_group_name: {name!r} is not a target group name "
            "(1-32 letters, digits and hyphens, not starting or ending with a hyphen)"
        )
    return arn, name


def validate_targets(targets):
    """Check every listed target before any AWS call.

    Returns dicts with ``field`` (``targets[<index>]``), ``ip`` (normalised), ``port`` (None when
    it defaults to the group's port) and ``availability_zone`` (None when not given), or None
    when ``targets`` is None.
    """
    if targets is None:
        return None
    checked = []
    for index, target in enumerate(targets):
        field = f"targets[{index}]"
        ip = str(parse_ipv4(target.get("ip"), f"{field}.ip"))
        port = target.get("port")
        if port is not None:
            port = parse_port(port, f"{field}.port")
        zone = target.get("availability_zone")
        if zone is not None:
            zone = check_availability_zone(zone, f"{field}.availability_zone")
        checked.append({"field": field, "ip": ip, "port": port, "availability_zone": zone})
    check_duplicates([target for target in checked if target["port"] is not None])
    return checked


def validate_params(params):
    """Everything that can be checked without AWS; raises ValueError naming the field."""
    check_target_group(params)
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 1:
        raise ValueError(f"wait_timeout: {params['wait_timeout']!r} must be a positive number of seconds")
    return validate_targets(params.get("targets"))


def check_duplicates(targets):
    """Fail when two entries name the same (ip, port)."""
    seen = {}
    for target in targets:
        key = target_key(target)
        if key in seen:
            raise ValueError(
                f"{target['field']}: {format_target(target)} is listed twice ({seen[key]} and {target['field']}); "
                "a target is an IP and a port"
            )
        seen[key] = target["field"]


def check_group_type(group):
    """Refuse target groups this module cannot manage (after the describe call, before any change)."""
    name = group.get("TargetGroupName")
    target_type = group.get("TargetType")
    if target_type != "ip":
        raise ValueError(
            f"target group {name!r} is of type {target_type!r}; nlb_ip_targets manages only target groups of type 'ip'"
        )
    if group.get("IpAddressType", "ipv4") != "ipv4":
        raise ValueError(
            f"target group {name!r} has IP address type {group['IpAddressType']!r}; only IPv4 targets are supported"
        )


def resolve_targets(checked, group_port, cidrs, state="present"):
    """Fill in the defaults that need the target group: port and availability zone.

    Raises ValueError naming the field for a duplicate (ip, port) and, with ``state=present``, for
    an IP AWS refuses as a target. Returns dicts: field, ip, port, availability_zone and
    ``explicit_zone`` (True when the zone was asked for).
    """
    if checked is None:
        return None
    resolved = []
    for target in checked:
        port = target["port"] if target["port"] is not None else group_port
        if state == "present" and not target_ip_allowed(target["ip"], cidrs):
            raise ValueError(
                f"{target['field']}.ip: {target['ip']!r} is outside the target group's VPC ({', '.join(cidrs)}) and "
                "not a private address (10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16); AWS refuses it"
            )
        resolved.append(
            {
                "field": target["field"],
                "ip": target["ip"],
                "port": int(port),
                "availability_zone": choose_availability_zone(target["ip"], cidrs, target["availability_zone"]),
                "explicit_zone": target["availability_zone"] is not None,
            }
        )
    check_duplicates(resolved)
    return resolved


# ---------------------------------------------------------------------------------------------
# Planning (pure)
# ---------------------------------------------------------------------------------------------


def plain(target):
    """The ip/port/availability_zone of a target, for diffs and results."""
    return {"ip": target["ip"], "port": int(target["port"]), "availability_zone": target.get("availability_zone")}


def sorted_plain(targets):
    return sorted((plain(target) for target in targets), key=sort_key)


def plan_changes(current, desired, state, purge_targets, cidrs):
    """What to register and deregister.

    ``current``: targets of the group (``targets_from_health``); draining ones count as not
    registered. ``desired``: ``resolve_targets`` output, or None when ``targets`` was omitted.
    Deregistrations carry the zone the target was registered with, or the zone it must have been
    registered with when AWS does not report it (``all`` outside the VPC).

    Returns a dict: register, deregister, before, after (sorted ip/port/availability_zone dicts)
    and keep (the registered targets that stay, with their health).
    """
    registered = {target_key(target): target for target in registered_targets(current)}
    if state == "present":
        wanted = {target_key(target): target for target in desired or []}
        to_register = [target for key, target in wanted.items() if key not in registered]
        remove = [key for key in registered if key not in wanted] if desired is not None and purge_targets else []
    else:
        to_register = []
        if desired is None:
            remove = list(registered)
        else:
            remove = [target_key(target) for target in desired if target_key(target) in registered]
    to_deregister = []
    for key in remove:
        target = plain(registered[key])
        if not target["availability_zone"]:
            target["availability_zone"] = choose_availability_zone(target["ip"], cidrs)
        to_deregister.append(target)
    keep = [target for key, target in registered.items() if key not in remove]
    return {
        "register": sorted_plain(to_register),
        "deregister": sorted_plain(to_deregister),
        "before": sorted_plain(registered.values()),
        "after": sorted_plain(keep + to_register),
        "keep": sorted(keep, key=sort_key),
    }


def zone_warnings(current, desired):
    """Warnings for listed targets registered in another zone than the one asked for."""
    registered = {target_key(target): target for target in registered_targets(current)}
    warnings = []
    for target in desired or []:
        existing = registered.get(target_key(target))
        if not target.get("explicit_zone") or existing is None or not existing.get("availability_zone"):
            continue
        if existing["availability_zone"] != target["availability_zone"]:
            warnings.append(
                f"{target['field']}.availability_zone: {format_target(target)} is registered in "
                f"{existing['availability_zone']!r}, not {target['availability_zone']!r}; a registered target "
                "keeps its zone (deregister it with state=absent first to move it)"
            )
    return warnings


def predicted_targets(plan):
    """Check mode: the targets the group would hold, new ones with null health."""
    targets = [dict(target) for target in plan["keep"]]
    for target in plan["register"]:
        targets.append(dict(plain(target), health_state=None, health_reason=None, health_description=None))
    return sorted(targets, key=sort_key)


def wait_keys(plan, desired, state):
    """``(desired_keys, gone_keys)`` for the wait."""
    gone = [target_key(target) for target in plan["deregister"]]
    if state == "absent":
        return [], gone
    if desired is None:
        return [target_key(target) for target in plan["after"]], gone
    return [target_key(target) for target in desired], gone


# ---------------------------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------------------------


def find_target_group(client, arn, name):
    groups = describe_target_groups(client, arns=[arn] if arn else None, names=[name] if name else None)
    return groups[0] if groups else None


def current_targets(client, target_group_arn):
    return targets_from_health(describe_target_health(client, target_group_arn) or [])


def ensure(module, elbv2, ec2, checked):
    params = module.params
    state = params["state"]
    arn, name = params["target_group_arn"], params["target_group_name"]
    reference = arn or name

    group = find_target_group(elbv2, arn, name)
    if group is None:
        if state == "absent":
            return dict(
                changed=False,
                msg=f"target group {reference!r} not found: no target to deregister",
                target_group_arn=None,
                targets=[],
                registered=[],
                deregistered=[],
            )
        module.fail_json(
            msg=f"{'target_group_arn' if arn else 'target_group_name'}: target group {reference!r} not found"
        )

    try:
        check_group_type(group)
    except ValueError as error:
        module.fail_json(msg=str(error), target_group_arn=group["TargetGroupArn"])

    group_arn = group["TargetGroupArn"]
    vpcs = describe_vpcs(ec2, [group["VpcId"]])
    if not vpcs:
        module.fail_json(msg=f"VPC {group['VpcId']} of target group {group['TargetGroupName']!r} not found")
    cidrs = vpc_cidrs(vpcs[0])

    try:
        desired = resolve_targets(checked, group["Port"], cidrs, state)
    except ValueError as error:
        module.fail_json(msg=str(error), target_group_arn=group_arn)

    current = current_targets(elbv2, group_arn)
    plan = plan_changes(current, desired, state, params["purge_targets"], cidrs)
    if state == "present":
        for warning in zone_warnings(current, desired):
            module.warn(warning)
    changed = bool(plan["register"] or plan["deregister"])

    result = dict(
        changed=changed,
        target_group_arn=group_arn,
        target_group_name=group["TargetGroupName"],
        vpc_id=group["VpcId"],
        port=group["Port"],
        registered=plan["register"],
        deregistered=plan["deregister"],
        diff={"before": {"targets": plan["before"]}, "after": {"targets": plan["after"]}},
    )

    if module.check_mode:
        result["targets"] = predicted_targets(plan)
        return result

    # Register first: a port change keeps a target in service while it happens.
    if plan["register"]:
        register_targets(elbv2, group_arn, [target_description(target) for target in plan["register"]])
    if plan["deregister"]:
        deregister_targets(elbv2, group_arn, [target_description(target) for target in plan["deregister"]])

    targets = None
    if params["wait_for"] != "none":
        desired_keys, gone_keys = wait_keys(plan, desired, state)
        targets, pending = wait_for_targets(
            lambda: current_targets(elbv2, group_arn),
            desired_keys,
            gone_keys,
            params["wait_for"],
            params["wait_timeout"],
        )
        if pending:
            result["targets"] = registered_targets(targets)
            module.fail_json(
                msg=(
                    f"Timed out after {params['wait_timeout']} s waiting for the targets of {group['TargetGroupName']!r} "
                    f"to be {params['wait_for']}: {describe_pending(pending)}"
                ),
                pending=pending,
                **result,
            )
    elif changed:
        targets = current_targets(elbv2, group_arn)
    result["targets"] = registered_targets(targets if targets is not None else current)
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        target_group_arn=dict(type="str"),
        target_group_name=dict(type="str"),
        targets=dict(
            type="list",
            elements="dict",
            options=dict(
                ip=dict(type="str", required=True),
                port=dict(type="int"),
                availability_zone=dict(type="str"),
            ),
        ),
        purge_targets=dict(type="bool", default=True),
        wait_for=dict(type="str", default="none", choices=list(WAIT_CHOICES)),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["target_group_arn", "target_group_name"]],
        required_one_of=[["target_group_arn", "target_group_name"]],
        supports_check_mode=True,
    )

    try:
        checked = validate_params(module.params)
    except ValueError as error:
        module.fail_json(msg=str(error))

    elbv2 = module.client("elbv2")
    ec2 = module.client("ec2")
    try:
        result = ensure(module, elbv2, ec2, checked)
    except AnsibleELBv2Error as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
