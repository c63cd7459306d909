#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: service_security_groups
version_added: 0.2.0
short_description: Reconcile the security groups of every service of a provider VPC, and the interfaces that carry them
description:
  - One call per provider account and VPC manages the security group of B(every) service published
    through the gateway, and puts each group on the network interfaces that hold the service's target
    IPs. It replaces a loop over M(amazon.aws.ec2_security_group), M(amazon.aws.ec2_eni) and
    M(amazon.aws.ec2_tag) per service.
  - "Ownership: a group is ours when it carries the tags C(ManagedBy=multiaccount.apigateway) and
    C(multiaccount:gateway=<gateway>) (O(gateway)); its service is its C(multiaccount:service) tag. The
    module never changes or deletes a group that is not ours, and never removes a group that is not
    ours from an interface."
  - "Rules: O(groups[].rules) is the B(exact) ingress of the group: missing permissions are authorized,
    any other ingress permission of the group (another port, CIDR, protocol, an IPv6, security group or
    prefix list source) is revoked, authorizations first. Our groups have B(no) egress rule: the default
    allow-all egress is revoked right after a group is created, and any egress rule found on an existing
    group of ours is revoked. Replies still pass, because security groups track connections; a group
    added to a provider's interface therefore never widens what the interface may reach."
  - "Interfaces (O(attach=true)): every network interface of the VPC that holds a target IP (primary or
    secondary private IPv4 address) carries exactly its current groups that are not ours, plus ours for
    the services whose targets it holds. Our group is added where it is missing and removed where it is
    no longer needed (an interface that holds no target of a service loses that service's group), and
    an interface that would be left without any group gets the VPC's C(default) group.
    Requester-managed interfaces (created by an AWS service, such as a load balancer or a VPC endpoint)
    are never changed: they are returned in RV(manual) with the groups to add and remove. Target IPs that
    no interface holds are returned in RV(unplaced_ips); that is not an error."
  - "Every input is checked before any AWS call, and errors name the field, for example
    C(groups[2].rules[0].port: 'http' is not a port number (1-65535)). Problems found in AWS (a group
    that is not ours holds a listed name, a group to create has no description) are reported together,
    before the first change."
  - "A second identical run reports RV(ignore:changed=false) and makes no change. A no-op run makes at
    most three calls: C(DescribeSecurityGroups) (the VPC's groups), C(DescribeNetworkInterfaces) by the
    ids of our groups and C(DescribeNetworkInterfaces) by the target IPs that none of those interfaces
    holds (more only with more than 200 target IPs or groups). When the interfaces that carry our
    groups hold every target IP, as they do once the groups are in place, the second
    C(DescribeNetworkInterfaces) is not made - a private IP belongs to one interface of the VPC only, so
    it would find no other interface - and a no-op run makes two calls."
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) creates and updates the groups of O(groups), puts them on the interfaces that hold
        their targets and, with O(purge), detaches and deletes our groups of services that are not listed.
      - V(absent) detaches every group of ours (of this O(gateway)) in the VPC from every interface, then
        deletes it. O(groups) is then ignored. A VPC that does not exist is then not an error.
    type: str
    choices: [present, absent]
    default: present
  vpc_id:
    description:
      - The provider VPC.
    type: str
    required: true
  gateway:
    description:
      - Name of the gateway these groups serve, the value of the C(multiaccount:gateway) tag; the
        ownership scope of the module (see the description).
    type: str
    required: true
  groups:
    description:
      - The security group of each service. Services and names must be unique in the list.
    type: list
    elements: dict
    default: []
    suboptions:
      service:
        description:
          - Name of the service (letters, digits and hyphens), the value of the group's
            C(multiaccount:service) tag and the identity of the group.
        type: str
        required: true
      name:
        description:
          - The group name (C(GroupName)), unique in the VPC, at most 255 characters, not starting with
            C(sg-).
          - "A group of ours for the same service under another name is replaced, because EC2 cannot
            rename a group: the new group is created and put on the interfaces, the old one detached and
            deleted."
          - A group of the VPC with this name that is not a group of this service (a provider's group, a
            group of another gateway or of another service) is an error, before any change.
        type: str
        required: true
      description:
        description:
          - The group description. Required to create the group.
          - EC2 cannot change the description of a group; a different description on an existing group is
            reported as a warning and left as it is.
        type: str
      rules:
        description:
          - The exact ingress of the group, one entry per protocol and port with its source CIDR blocks.
        type: list
        elements: dict
        default: []
        suboptions:
          protocol:
            description:
              - IP protocol.
            type: str
            choices: [tcp, udp]
            default: tcp
          port:
            description:
              - The port, an integer from 1 to 65535.
            type: raw
            required: true
          cidrs:
            description:
              - Source IPv4 CIDR blocks, such as the subnets of the gateway's load balancer.
            type: list
            elements: str
            required: true
          description:
            description:
              - Description of the permission of each CIDR.
              - When omitted, the description of an existing permission is left as it is.
            type: str
      targets:
        description:
          - IPv4 addresses of the service. The network interfaces of the VPC that hold them carry the group
            (with O(attach=true)).
        type: list
        elements: str
        default: []
      tags:
        description:
          - Tags of this group, added to O(tags).
          - The module sets C(ManagedBy), C(multiaccount:gateway) and C(multiaccount:service) itself; they
            may be given only with the values the module sets.
        type: dict
        default: {}
  tags:
    description:
      - Extra tags of every group. Tags are additive - listed keys are set, other keys of an existing
        group are kept.
      - C(ManagedBy) and C(multiaccount:gateway) may be given only with the values the module sets;
        C(multiaccount:service) belongs in O(groups[].service).
    type: dict
    default: {}
  attach:
    description:
      - Put the groups on the interfaces that hold their targets and take them off the others (see the
        description).
      - With V(false) the module creates and updates groups only and never changes an interface; a group
        to delete that an interface still carries is then kept, with a warning.
    type: bool
    default: true
  purge:
    description:
      - With O(state=present), detach from every interface and delete our groups whose service is not
        listed in O(groups).
      - With V(false), the groups of services that are not listed are left alone, on the interfaces too.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Reads only and returns the predicted result; groups that would be created have a null id.
  diff_mode:
    support: full
    details:
      - Groups (keyed by name) with their service, ingress and egress rules, and the group names of each
        interface, keyed by its IPs, the services they are a target of and its id (for example
        C(10.0.1.25 payments (eni-0a1b2c3d4e5f67890))).
  platform:
    platforms: aws
notes:
  - Permissions needed - C(ec2:DescribeSecurityGroups), C(ec2:DescribeNetworkInterfaces),
    C(ec2:CreateSecurityGroup), C(ec2:CreateTags), C(ec2:AuthorizeSecurityGroupIngress),
    C(ec2:RevokeSecurityGroupIngress), C(ec2:RevokeSecurityGroupEgress),
    C(ec2:UpdateSecurityGroupRuleDescriptionsIngress), C(ec2:ModifyNetworkInterfaceAttribute) and
    C(ec2:DeleteSecurityGroup).
  - The module talks to the provider account that owns the VPC; run it once per provider account and VPC
    with that account's credentials.
  - A group that a rule of another group references cannot be deleted (C(DependencyViolation)); the
    module then fails naming the group.
  - An interface takes 5 security groups by default (quota up to 16); an interface that would carry
    more makes the change of that interface fail.
  - Only IPv4 is supported.
seealso:
  - module: amazon.aws.ec2_security_group
  - module: amazon.aws.ec2_security_group_info
  - module: amazon.aws.ec2_eni_info
  - module: multiaccount.apigateway.demo_instances
  - module: multiaccount.apigateway.nlb_ip_targets
"""

EXAMPLES = r"""
- name: The security groups of two services, admitting the gateway's NLB subnets on their ports
  multiaccount.apigateway.service_security_groups:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    groups:
      - service: payments
        name: open-banking-payments
        description: payments through the open-banking gateway
        rules:
          - port: 8080
            cidrs: [10.100.1.0/24, 10.100.2.0/24]
            description: gateway NLB subnets
        targets: [10.0.1.25, 10.0.2.25]
      - service: cards
        name: open-banking-cards
        description: cards through the open-banking gateway
        rules:
          - port: 8443
            cidrs: [10.100.1.0/24, 10.100.2.0/24]
        targets: [10.0.1.25]
        tags:
          team: cards
    tags:
      environment: production
  register: service_groups

- name: Show the interfaces that still need a hand (requester-managed) and the IPs nothing holds yet
  ansible.builtin.debug:
    msg: "manual: {{ service_groups.manual }}, unplaced: {{ service_groups.unplaced_ips }}"

- name: Create and update the groups only, leave every interface alone, keep unlisted services
  multiaccount.apigateway.service_security_groups:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    groups:
      - service: payments
        name: open-banking-payments
        description: payments through the open-banking gateway
        rules:
          - {port: 8080, cidrs: [10.100.1.0/24]}
    attach: false
    purge: false

- name: Detach and delete every group of the gateway in the VPC
  multiaccount.apigateway.service_security_groups:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    state: absent

# Cross-account: the gateway lives in the shared-services account; the services run in the provider
# account 222222222222. The module runs with the provider account's credentials, obtained once by
# assuming a role there, for the provider's VPC.
- name: Assume the deployment role of the provider account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::222222222222:role/apigateway-deployer
    role_session_name: service-security-groups
  register: provider_role

- name: Work in the provider account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ provider_role.sts_creds.access_key }}"
      secret_key: "{{ provider_role.sts_creds.secret_key }}"
      session_token: "{{ provider_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Admit the gateway's NLB subnets (in the peered gateway VPC) to every service, in one call
      multiaccount.apigateway.service_security_groups:
        vpc_id: vpc-0a1b2c3d4e5f67890
        gateway: open-banking
        groups:
          - service: payments
            name: open-banking-payments
            description: payments through the open-banking gateway
            rules:
              - {port: 8080, cidrs: [10.100.1.0/24, 10.100.2.0/24]}
            targets: [10.0.1.25]
      register: provider_groups
"""

RETURN = r"""
groups:
  description:
    - The groups of O(groups), in the order listed, after the run (predicted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The service.
      type: str
      sample: payments
    name:
      description: The group name.
      type: str
      sample: open-banking-payments
    group_id:
      description: The group id, null for a group that would be created (check mode).
      type: str
      sample: sg-0a1b2c3d4e5f67890
    description:
      description: The group description.
      type: str
      sample: payments through the open-banking gateway
    rules:
      description: The ingress of the group, one entry per protocol, port and CIDR, sorted.
      type: list
      elements: dict
      sample:
        - {protocol: tcp, port: 8080, cidr: 10.100.1.0/24, description: gateway NLB subnets}
    tags:
      description: The tags the module manages on the group (ownership, service and extra tags).
      type: dict
      sample: {ManagedBy: multiaccount.apigateway, "multiaccount:gateway": open-banking, "multiaccount:service": payments}
    created:
      description: Whether this run created (or would create) the group.
      type: bool
      sample: false
attachments:
  description:
    - Every interface of the VPC that holds a target IP or carries a group of ours, except requester-managed
      ones, with its groups before and after the run, sorted by IP. Empty with O(attach=false).
  returned: always
  type: list
  elements: dict
  contains:
    network_interface_id:
      description: The interface.
      type: str
      sample: eni-0a1b2c3d4e5f67890
    private_ips:
      description: Its private IPv4 addresses, primary first.
      type: list
      elements: str
      sample: [10.0.1.25, 10.0.1.26]
    instance_id:
      description: The instance it is attached to, if any.
      type: str
      sample: i-0a1b2c3d4e5f67890
    groups_before:
      description: Its groups before the run (C(group_id), C(group_name)).
      type: list
      elements: dict
      sample: [{group_id: sg-0123456789abcdef0, group_name: provider-app}]
    groups_after:
      description: Its groups after the run; a group that would be created has a null C(group_id) (check mode).
      type: list
      elements: dict
      sample:
        - {group_id: sg-0123456789abcdef0, group_name: provider-app}
        - {group_id: sg-0a1b2c3d4e5f67890, group_name: open-banking-payments}
    changed:
      description: Whether the groups of the interface were (or would be) changed.
      type: bool
      sample: true
unplaced_ips:
  description: Target IPs that no interface of the VPC holds, sorted. Empty with O(attach=false).
  returned: always
  type: list
  elements: str
  sample: [10.0.2.25]
manual:
  description:
    - Requester-managed interfaces (not changed by the module) whose groups differ from what their targets
      need, with the groups to add and remove; change them through the service that owns the interface.
  returned: always
  type: list
  elements: dict
  contains:
    network_interface_id:
      description: The interface.
      type: str
    private_ips:
      description: Its private IPv4 addresses.
      type: list
      elements: str
    interface_type:
      description: Its type, for example V(network_load_balancer) or V(vpc_endpoint).
      type: str
    description:
      description: Its description (names the owning service).
      type: str
    groups_before:
      description: Its groups.
      type: list
      elements: dict
    groups_after:
      description: The groups it should carry.
      type: list
      elements: dict
    add:
      description: Groups to add (C(group_id), C(group_name)).
      type: list
      elements: dict
    remove:
      description: Groups to remove (C(group_id), C(group_name)).
      type: list
      elements: dict
  sample: []
deleted:
  description: Groups of ours this run deleted (or would delete).
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The service of the group.
      type: str
    name:
      description: The group name.
      type: str
    group_id:
      description: The group id.
      type: str
  sample: [{service: loans, name: open-banking-loans, group_id: sg-0fedcba9876543210}]
actions:
  description: One line per change made (or that would be made, in check mode), in the order of the changes.
  returned: always
  type: list
  elements: str
  sample:
    - "create security group 'open-banking-payments' for service payments"
    - "revoke egress of 'open-banking-payments': all traffic to 0.0.0.0/0"
    - "authorize ingress on 'open-banking-payments': tcp 8080 from 10.100.1.0/24"
    - "eni-0a1b2c3d4e5f67890 (10.0.1.25): provider-app -> provider-app, open-banking-payments"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import ip_label, module_diff
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_services import (
    AnsibleEc2ServicesError,
    authorize_ingress,
    create_security_group,
    create_tags,
    delete_security_group,
    describe_new_security_groups,
    describe_security_groups,
    fill_group_ids,
    format_rule,
    format_tags,
    group_changed,
    group_names,
    interface_label,
    modify_interface_groups,
    network_interfaces_where,
    normalise_group,
    normalise_interface,
    permission_entries,
    permission_for,
    plan_attachments,
    plan_service_groups,
    revoke_egress,
    revoke_ingress,
    rule_result,
    rule_sort_key,
    update_ingress_descriptions,
    validate_service_groups_params,
)

# ---------------------------------------------------------------------------------------------
# Results, diff and actions (pure)
# ---------------------------------------------------------------------------------------------


def group_result(group):
    return {
        "service": group["service"],
        "name": group["name"],
        "group_id": group["group_id"],
        "description": group["description"],
        "rules": [rule_result(entry) for entry in group["after"]],
        "tags": dict(sorted(group["tags"].items())),
        "created": group["create"],
    }


def rules_text(entries, direction="from"):
    return [format_rule(entry, direction) for entry in sorted(entries, key=rule_sort_key)]


def build_diff(plan, removed, attachments):
    before_groups, after_groups = {}, {}
    for group in plan["groups"]:
        existing = group["existing"]
        if existing is not None:
            before_groups[group["name"]] = {
                "service": group["service"],
                "group_id": existing["group_id"],
                "ingress": rules_text(existing["ingress"]),
                "egress": rules_text(existing["egress"], "to"),
            }
        after_groups[group["name"]] = {
            "service": group["service"],
            "group_id": group["group_id"],
            "ingress": rules_text(group["after"]),
            "egress": [],
        }
    for group in plan["remove"]:
        entry = {
            "service": group["service"],
            "group_id": group["group_id"],
            "ingress": rules_text(group["ingress"]),
            "egress": rules_text(group["egress"], "to"),
        }
        before_groups[group["name"]] = entry
        if group["group_id"] not in removed:
            after_groups[group["name"]] = entry
    services_by_ip = {}
    for group in plan["groups"]:
        for ip in group["targets"]:
            services_by_ip.setdefault(ip, []).append(group["service"])
    before_interfaces, after_interfaces = {}, {}
    for attachment in attachments:
        label = diff_label(attachment, services_by_ip)
        before_interfaces[label] = group_names(attachment["groups_before"])
        after_interfaces[label] = group_names(attachment["groups_after"])
    return module_diff(
        {"groups": before_groups, "interfaces": before_interfaces},
        {"groups": after_groups, "interfaces": after_interfaces},
    )


def diff_label(attachment, services_by_ip):
    """``10.0.1.25 payments (eni-0abc)``: an interface in the diff, by its IPs and the services they are a
    target of (``no service`` for an interface that no longer holds a target)."""
    ips = attachment["private_ips"]
    services = [service for ip in ips for service in services_by_ip.get(ip, [])]
    return ip_label(ips, services, attachment["network_interface_id"])


def _label(attachment):
    return {"network_interface_id": attachment["network_interface_id"], "private_ips": attachment["private_ips"]}


def build_actions(plan, attachments, removals):
    actions = []
    for group in plan["groups"]:
        name = group["name"]
        if group["create"]:
            actions.append(f"create security group {name!r} for service {group['service']}")
        elif group["set_tags"]:
            actions.append(f"tag {name!r} ({group['group_id']}): {format_tags(group['set_tags'])}")
        actions.extend(f"revoke egress of {name!r}: {format_rule(entry, 'to')}" for entry in group["revoke_egress"])
        actions.extend(f"authorize ingress on {name!r}: {format_rule(entry)}" for entry in group["authorize"])
        actions.extend(f"update rule description on {name!r}: {format_rule(entry)}" for entry in group["describe"])
        actions.extend(f"revoke ingress on {name!r}: {format_rule(entry)}" for entry in group["revoke"])
    for attachment in attachments:
        if attachment["changed"]:
            actions.append(
                f"{interface_label(_label(attachment))}: {', '.join(group_names(attachment['groups_before']))} -> "
                f"{', '.join(group_names(attachment['groups_after']))}"
            )
    for group in removals:
        actions.append(
            f"delete security group {group['name']!r} ({group['group_id']}) of service {group['service']}: "
            f"{group['reason']}"
        )
    return actions


def public_attachment(attachment):
    return {
        key: attachment[key]
        for key in ("network_interface_id", "private_ips", "instance_id", "groups_before", "groups_after", "changed")
    }


def public_manual(entry):
    keys = (
        "network_interface_id",
        "private_ips",
        "interface_type",
        "description",
        "groups_before",
        "groups_after",
        "add",
        "remove",
    )
    return {key: entry[key] for key in keys}


# ---------------------------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------------------------


def read_interfaces(ec2, vpc_id, target_ips, group_ids):
    """The interfaces that hold a target IP and those that carry one of ``group_ids``.

    First the interfaces of the VPC that carry one of ``group_ids``, then those that hold the target IPs
    none of them holds (one call each; the second is not made when they hold every target IP). A private
    IPv4 address belongs to one interface of a VPC only, so an interface already found that holds a
    target IP is the one the search by that IP would return: leaving that IP out of the second call
    returns the same interfaces. The order does not matter (``plan_attachments`` sorts them).
    """
    found = {}
    if group_ids:
        for interface in network_interfaces_where(ec2, "group-id", group_ids, vpc_id):
            found[interface["NetworkInterfaceId"]] = normalise_interface(interface)
    held = {ip for interface in found.values() for ip in interface["private_ips"]}
    missing = [ip for ip in target_ips if ip not in held]
    if missing:
        for interface in network_interfaces_where(ec2, "addresses.private-ip-address", missing, vpc_id):
            found.setdefault(interface["NetworkInterfaceId"], normalise_interface(interface))
    return list(found.values())


def keep_blocked(module, plan, blocked, attach):
    """Groups to delete that an interface we may not change still carries are kept, with a warning."""
    removals = []
    for group in plan["remove"]:
        holders = blocked.get(group["group_id"])
        if not holders:
            removals.append(group)
            continue
        why = "attach=false leaves interfaces alone" if not attach else "requester-managed: see manual"
        module.warn(
            f"security group {group['name']!r} ({group['group_id']}) of service {group['service']} is not deleted: "
            f"{', '.join(holders)} still carries it ({why})"
        )
    return removals


def ensure(module, ec2, checked):
    params = module.params
    state, vpc_id, gateway, attach = params["state"], params["vpc_id"], params["gateway"], params["attach"]

    current = [
        normalise_group(group, gateway)
        for group in describe_security_groups(ec2, [{"Name": "vpc-id", "Values": [vpc_id]}])
    ]
    plan = plan_service_groups(checked["groups"], current, gateway, params["purge"], checked["tags"], state)
    empty = dict(groups=[], attachments=[], unplaced_ips=[], manual=[], deleted=[], actions=[])
    if not plan["vpc_found"]:
        if state == "absent":
            return dict(empty, changed=False, msg=f"VPC {vpc_id} not found: no group to delete")
        module.fail_json(msg=f"vpc_id: VPC {vpc_id} not found in this account and region (it has no security group)")
    if plan["problems"]:
        module.fail_json(msg="; ".join(plan["problems"]), problems=plan["problems"], **empty)
    for warning in plan["warnings"]:
        module.warn(warning)

    remove_ids = {group["group_id"] for group in plan["remove"]}
    target_ips = sorted({ip for group in plan["groups"] for ip in group["targets"]}) if attach else []
    group_ids = sorted(plan["ours_by_id"]) if attach else sorted(remove_ids)
    interfaces = read_interfaces(ec2, vpc_id, target_ips, group_ids)
    placement = plan_attachments(
        interfaces, plan["groups"], plan["ours_by_id"], remove_ids, plan["default_group"], writable=attach
    )
    removals = keep_blocked(module, plan, placement["blocked"], attach)
    attachments = placement["attachments"]
    changed = (
        any(group_changed(group) for group in plan["groups"])
        or any(attachment["changed"] for attachment in attachments)
        or bool(removals)
    )

    if not module.check_mode and changed:
        apply_groups(ec2, vpc_id, plan)
        # Now every group has its id: place them for real.
        placement = plan_attachments(
            interfaces, plan["groups"], plan["ours_by_id"], remove_ids, plan["default_group"], writable=attach
        )
        attachments = placement["attachments"]
        for attachment in attachments:
            if attachment["changed"]:
                modify_interface_groups(
                    ec2, attachment["network_interface_id"], [g["group_id"] for g in attachment["groups_after"]]
                )
        for group in removals:
            delete_security_group(ec2, group["group_id"])

    removed = {group["group_id"] for group in removals}
    return dict(
        changed=changed,
        groups=[group_result(group) for group in plan["groups"]],
        attachments=[public_attachment(attachment) for attachment in attachments],
        unplaced_ips=placement["unplaced_ips"] if attach else [],
        manual=[public_manual(entry) for entry in placement["manual"]],
        deleted=[{"service": g["service"], "name": g["name"], "group_id": g["group_id"]} for g in removals],
        actions=build_actions(plan, attachments, removals),
        diff=build_diff(plan, removed, attachments),
    )


def apply_groups(ec2, vpc_id, plan):
    """Create the new groups, then bring tags, egress and ingress of every group in line."""
    created = {}
    for group in plan["groups"]:
        if group["create"]:
            created[group["service"]] = create_security_group(
                ec2, group["name"], group["description"], vpc_id, group["tags"]
            )
    if created:
        fill_group_ids(plan["groups"], created)
        # The egress rules EC2 gave the new groups (allow-all IPv4, and IPv6 in a dual-stack VPC).
        fresh = {sg["GroupId"]: sg for sg in describe_new_security_groups(ec2, list(created.values()))}
        for group in plan["groups"]:
            if group["create"] and group["group_id"] in fresh:
                group["revoke_egress"] = permission_entries(fresh[group["group_id"]].get("IpPermissionsEgress"))
    for group in plan["groups"]:
        group_id = group["group_id"]
        if group["set_tags"]:
            create_tags(ec2, [group_id], group["set_tags"])
        if group["revoke_egress"]:
            revoke_egress(ec2, group_id, [permission_for(entry, False) for entry in group["revoke_egress"]])
        if group["authorize"]:
            authorize_ingress(ec2, group_id, [permission_for(entry) for entry in group["authorize"]])
        if group["describe"]:
            update_ingress_descriptions(ec2, group_id, [permission_for(entry) for entry in group["describe"]])
        if group["revoke"]:
            revoke_ingress(ec2, group_id, [permission_for(entry, False) for entry in group["revoke"]])


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        vpc_id=dict(type="str", required=True),
        gateway=dict(type="str", required=True),
        groups=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                service=dict(type="str", required=True),
                name=dict(type="str", required=True),
                description=dict(type="str"),
                rules=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(
                        protocol=dict(type="str", default="tcp", choices=["tcp", "udp"]),
                        port=dict(type="raw", required=True),
                        cidrs=dict(type="list", elements="str", required=True),
                        description=dict(type="str"),
                    ),
                ),
                targets=dict(type="list", elements="str", default=[]),
                tags=dict(type="dict", default={}),
            ),
        ),
        tags=dict(type="dict", default={}),
        attach=dict(type="bool", default=True),
        purge=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    try:
        checked = validate_service_groups_params(module.params)
    except ValueError as error:
        module.fail_json(msg=str(error))

    ec2 = module.client("ec2")
    try:
        result = ensure(module, ec2, checked)
    except AnsibleEc2ServicesError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
