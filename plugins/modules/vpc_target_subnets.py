#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_target_subnets
version_added: 0.2.0
short_description: Make sure every service IP of a VPC sits in a subnet, and report its subnet and route table
description:
  - For one VPC of a provider account, makes sure every IP of O(targets) lies in a subnet of the
    VPC and every subnet of O(subnets) exists, creating the missing ones, and reports for each
    target the subnet and the route table that serve it.
  - Existing subnets are used as they are and never modified (not even their tags).
  - When O(subnets) is empty, a target that no existing subnet holds gets the /24 that contains it
    (V(10.0.1.25) -> V(10.0.1.0/24)), created in the Availability Zone number I(third octet modulo
    the number of zones) of the region's available Availability Zones sorted by name
    (V(10.0.1.0/24) in C(us-east-1) with zones C(a) to C(f) -> C(us-east-1b)). A /24 that does not
    fit in the VPC's associated CIDR blocks, or that overlaps an existing subnet, is an error that
    names the IP.
  - When O(subnets) is not empty, nothing is derived, and a target that no existing or listed
    subnet holds is an error that names the IP.
  - The route table of a subnet is the table explicitly associated with it, else the VPC's main
    table.
  - "Every input is checked before any AWS call and errors name the field, for example
    C(targets[2]: '10.0.1.x' is not an IPv4 address). Problems found after reading the VPC (a
    listed subnet outside the VPC, overlapping another one, or existing in another zone, a target
    without a subnet) are reported all at once, before any change."
  - Subnets the module creates carry the tags C(ManagedBy=multiaccount.apigateway) and
    C(multiaccount:gateway=<gateway>), which make them ours; O(state=absent) deletes exactly
    those.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) creates the missing subnets and reports where each target sits.
      - V(absent) deletes every subnet of the VPC that is ours (both ownership tags, the second
        with the value O(gateway)), and nothing else. O(targets), O(subnets), O(name) and O(tags)
        are then not used (but still checked). A VPC that does not exist has nothing to delete.
    type: str
    choices: [present, absent]
    default: present
  vpc_id:
    description:
      - The VPC (C(vpc-...)).
      - Exactly one of O(vpc_id) and O(vpc) is required.
    type: str
  vpc:
    description:
      - "Find the VPC instead of naming it: the one VPC that matches O(vpc.filters) (none, or
        several, is an error naming them, before any change)."
      - With O(vpc.create), a VPC that does not exist yet is created with the CIDR block O(vpc.cidr)
        and the tags O(vpc.tags) (give the ownership tags there too), with DNS support and hostnames
        on, as M(amazon.aws.ec2_vpc_net) does; a VPC that exists gets the tags of O(vpc.tags) it
        lacks. So a provider or gateway VPC, created or adopted, and its subnets cost one module call.
      - Without O(vpc.create) the VPC is adopted. It is never modified (not even its tags), and
        O(vpc.cidr), when given, must be one of its CIDR blocks.
    type: dict
    suboptions:
      filters:
        description:
          - "DescribeVpcs filters, for example C({vpc-id: vpc-0123...}), C({tag:Name: payments-core}) or
            C({tag:Name: payments, tag:ManagedBy: multiaccount.apigateway, cidr-block: 10.0.0.0/16})."
        type: dict
        required: true
      cidr:
        description:
          - With O(vpc.create), the CIDR block of the VPC to create; otherwise a block the VPC must have.
        type: str
      create:
        description:
          - Create the VPC when no VPC matches.
        type: bool
        default: false
      tags:
        description:
          - With O(vpc.create), the tags of the VPC (added when missing to one that exists).
        type: dict
        default: {}
  gateway:
    description:
      - Name of the gateway (deployment) the created subnets belong to, the value of their
        C(multiaccount:gateway) tag. O(state=absent) deletes only the subnets with this value.
    type: str
    required: true
  targets:
    description:
      - IPv4 addresses of the services that must sit in a subnet of the VPC. An IP listed twice
        counts once.
      - An IP that is one of the five addresses AWS reserves in its subnet (the first four and
        the last) is an error.
    type: list
    elements: str
    default: []
  subnets:
    description:
      - Subnets that must exist. A listed subnet whose CIDR block exists is used as it is; one that
        does not exist is created.
      - When not empty, targets are not given derived subnets.
    type: list
    elements: dict
    default: []
    suboptions:
      cidr:
        description:
          - IPv4 CIDR block, /16 to /28, inside the VPC's CIDR blocks, not overlapping another
            listed or existing subnet (other than one with the same block).
        type: str
        required: true
      az:
        description:
          - Availability Zone name of the region, such as V(us-east-1a). For a subnet that exists,
            it must be the subnet's zone.
        type: str
        required: true
  name:
    description:
      - Prefix of the Name tag of created subnets, which is C(<name>-<az>). Without it, created
        subnets get no Name tag unless O(tags) has one.
    type: str
  tags:
    description:
      - Extra tags of created subnets. The ownership tags are always added; here they may only
        repeat their own values. The Name tag made from O(name) replaces a C(Name) given here.
    type: dict
    default: {}
  route_table:
    description:
      - A route table of the module's own for the subnets in scope (the subnets of O(subnets) and
        those that hold a target), with O(state=present) only. Without it no route table is
        created or associated.
      - The table is the one of the VPC that carries every tag of O(route_table.tags) and the
        ownership tags; when none does, it is created with them (several are an error, before any
        change). Each subnet in scope without an explicit association is associated with it; a
        subnet explicitly associated with another table is an error naming both, before any
        change (the module never moves a subnet away from a table it did not choose).
      - Its routes are not managed here (see M(multiaccount.apigateway.vpc_routes)). O(state=absent)
        leaves it; M(multiaccount.apigateway.vpc_teardown) deletes it with the VPC.
      - The gateway VPC of the roles uses it, so its subnets and table cost one module call (no
        extra API call on a run with nothing to change).
    type: dict
    suboptions:
      tags:
        description:
          - Tags that find the table, and that it is created with (the ownership tags are always
            added; here they may only repeat their own values).
        type: dict
        required: true
  read_route_tables:
    description:
      - Read the VPC's route tables (one DescribeRouteTables) to return the table of each subnet
        (RV(subnets[].route_table_id), RV(targets), RV(route_table_ids)).
      - V(false) saves that call when the caller does not need them, for example when it routes
        through M(multiaccount.apigateway.vpc_peering_accept) with O(multiaccount.apigateway.vpc_peering_accept#module:return_routes.subnet_ids),
        which finds the tables of the subnets in the read of their routes. The route tables are then
        null (and RV(route_table_ids) empty), and the diff names no table.
      - Must stay V(true) with O(route_table) (the module finds its own table in that read).
    type: bool
    default: true
    version_added: 0.3.0
  wait:
    description:
      - Wait until the created subnets are V(available) (botocore's C(subnet_available) waiter).
        No wait happens when CreateSubnet already answers V(available).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds O(wait) waits at most.
    type: int
    default: 300
notes:
  - Permissions needed - C(ec2:DescribeVpcs), C(ec2:DescribeSubnets), C(ec2:DescribeRouteTables),
    C(ec2:DescribeAvailabilityZones), C(ec2:CreateSubnet), C(ec2:CreateTags) (tags at creation)
    and C(ec2:DeleteSubnet); with O(vpc.create) also C(ec2:CreateVpc) and C(ec2:ModifyVpcAttribute);
    with O(route_table) also C(ec2:CreateRouteTable) and C(ec2:AssociateRouteTable).
  - "API calls of a run with nothing to change: DescribeVpcs, DescribeSubnets and
    DescribeRouteTables (not with O(read_route_tables=false)), one each (O(state=absent): one DescribeSubnets). DescribeAvailabilityZones
    is called once, only when a subnet must be derived. Then one CreateSubnet or DeleteSubnet per
    change, and with O(route_table) one CreateRouteTable when the table is missing and one
    AssociateRouteTable per subnet to associate. A VPC the run creates has no subnet and no route
    table but its main one - its subnets are not read, nor with O(route_table) its route tables."
  - The module talks to the account that owns the VPC. In a multi-account setup, run it once per
    provider account and VPC with that account's credentials.
  - Only IPv4 is supported.
seealso:
  - module: amazon.aws.ec2_vpc_subnet
  - module: amazon.aws.ec2_vpc_subnet_info
  - module: amazon.aws.aws_az_info
  - module: multiaccount.apigateway.vpc_routes
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Reads the VPC and returns the subnets it would create or delete; subnets to create have a null id.
  diff_mode:
    support: full
    details:
      - The subnets in scope before and after, one readable line each (CIDR, zone, id, Name, route table, targets),
        and the VPC (id or V((new)), CIDR blocks, Name and the tags the module sets); with O(route_table)
        the table and its subnets in scope.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: The provider VPC (created when missing, found again by its Name, mark and CIDR) and its service subnets
  multiaccount.apigateway.vpc_target_subnets:
    vpc:
      filters:
        "tag:Name": open-banking-payments
        "tag:ManagedBy": multiaccount.apigateway
        cidr-block: 10.0.0.0/16
      cidr: 10.0.0.0/16
      create: true
      tags: {Name: open-banking-payments, ManagedBy: multiaccount.apigateway, "multiaccount:gateway": open-banking}
    gateway: open-banking
    name: open-banking-payments
    targets: [10.0.1.25]
  register: payments_network

- name: The gateway VPC, one subnet per zone, and the gateway's own route table for them (one call)
  multiaccount.apigateway.vpc_target_subnets:
    vpc:
      filters:
        "tag:Name": open-banking-gateway
        "tag:ManagedBy": multiaccount.apigateway
        cidr-block: 10.100.0.0/16
      cidr: 10.100.0.0/16
      create: true
      tags: {Name: open-banking-gateway, ManagedBy: multiaccount.apigateway, "multiaccount:gateway": open-banking}
    gateway: open-banking
    name: open-banking-gateway
    subnets:
      - {cidr: 10.100.1.0/24, az: us-east-1a}
      - {cidr: 10.100.2.0/24, az: us-east-1b}
    route_table:
      tags: {Name: open-banking-gateway}
  register: gateway_network

- name: Adopt the provider's own VPC by its tags (never modified) and add the subnets its targets lack
  multiaccount.apigateway.vpc_target_subnets:
    vpc:
      filters: {"tag:Name": payments-core}
      cidr: 10.0.0.0/16
    gateway: open-banking
    targets: [10.0.1.25]

- name: Give every service IP a subnet (derived /24s) and learn the route tables to add return routes to
  multiaccount.apigateway.vpc_target_subnets:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    name: payments
    targets: [10.0.1.25, 10.0.2.25]
  register: payments_subnets

- name: Return routes in the tables that serve the services
  multiaccount.apigateway.vpc_routes:
    route_table_ids: "{{ payments_subnets.route_table_ids }}"
    routes:
      - dest: 10.100.1.0/24
        vpc_peering_connection_id: pcx-0123456789abcdef0
    owned_targets: [pcx-0123456789abcdef0]

- name: Subnets listed by hand (every target must be in one of them or in an existing subnet)
  multiaccount.apigateway.vpc_target_subnets:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking
    name: cards
    subnets:
      - cidr: 10.1.0.0/20
        az: us-east-1a
      - cidr: 10.1.16.0/20
        az: us-east-1b
    targets: [10.1.3.7, 10.1.20.9]
    tags:
      CostCenter: "1234"

- name: Delete the subnets this gateway created in the VPC
  multiaccount.apigateway.vpc_target_subnets:
    state: absent
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: open-banking

# Cross-account: the VPC lives in the provider account 222222222222; the call runs with that
# account's credentials, obtained once by assuming a role there.
- name: Assume the deployment role of the provider account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::222222222222:role/apigateway-deployer
    role_session_name: vpc-target-subnets
  register: provider_role

- name: Work in the provider account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ provider_role.sts_creds.access_key }}"
      secret_key: "{{ provider_role.sts_creds.secret_key }}"
      session_token: "{{ provider_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Subnets of the payments services
      multiaccount.apigateway.vpc_target_subnets:
        vpc_id: "{{ provider_vpc.vpc.id }}"
        gateway: open-banking
        name: payments
        targets: [10.0.1.25, 10.0.2.25]
      register: payments_subnets

    - name: Show which subnet and route table serve each service IP
      ansible.builtin.debug:
        msg: "{{ item.key }} is in {{ item.value.subnet_id }} ({{ item.value.cidr }}), route table {{ item.value.route_table_id }}"
      loop: "{{ payments_subnets.targets | dict2items }}"
"""

RETURN = r"""
vpc:
  description:
    - The VPC (null in check mode when it would be created, and with O(state=absent)).
  returned: always
  type: dict
  contains:
    id:
      description: VPC id.
      type: str
      sample: vpc-0a1b2c3d4e5f67890
    cidrs:
      description: Its associated IPv4 CIDR blocks.
      type: list
      elements: str
      sample: [10.0.0.0/16]
    name:
      description: Its Name tag.
      type: str
      sample: open-banking-payments
    tags:
      description: Its tags.
      type: dict
    created:
      description: Whether this run created it.
      type: bool
      sample: false
subnets:
  description:
    - The subnets that hold a target or are listed in O(subnets), sorted by CIDR block. Empty with
      O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Subnet id; null in check mode for a subnet to create.
      type: str
      sample: subnet-0a1b2c3d4e5f67890
    cidr:
      description: CIDR block.
      type: str
      sample: 10.0.1.0/24
    az:
      description: Availability Zone.
      type: str
      sample: us-east-1b
    name:
      description: Name tag, null when there is none.
      type: str
      sample: payments-us-east-1b
    created:
      description: True when this run created the subnet (or would, in check mode).
      type: bool
      sample: true
    route_table_id:
      description: The route table explicitly associated with the subnet, else the VPC's main table; null with O(read_route_tables=false).
      type: str
      sample: rtb-0a1b2c3d4e5f67890
route_table:
  description:
    - With O(route_table) and O(state=present), the module's own table; null otherwise.
  returned: always
  type: dict
  contains:
    id:
      description: Route table id; null in check mode when it would be created.
      type: str
      sample: rtb-0a1b2c3d4e5f67890
    name:
      description: Its Name tag, null when there is none.
      type: str
      sample: open-banking-gateway
    created:
      description: True when this run created it (or would, in check mode).
      type: bool
      sample: false
    subnet_ids:
      description: The subnets in scope associated with it after the run (sorted; in check mode, subnets still to create are left out).
      type: list
      elements: str
      sample: [subnet-0a1b2c3d4e5f67890]
targets:
  description: For each target IP, the subnet that holds it and its route table. Empty with O(state=absent).
  returned: always
  type: dict
  sample:
    10.0.1.25:
      subnet_id: subnet-0a1b2c3d4e5f67890
      cidr: 10.0.1.0/24
      az: us-east-1b
      route_table_id: rtb-0a1b2c3d4e5f67890
route_table_ids:
  description: Sorted unique route tables of the subnets that hold targets. Empty with O(state=absent) or O(read_route_tables=false).
  returned: always
  type: list
  elements: str
  sample: [rtb-0a1b2c3d4e5f67890]
vpc_cidrs:
  description: The VPC's associated IPv4 CIDR blocks, sorted. Empty with O(state=absent).
  returned: always
  type: list
  elements: str
  sample: [10.0.0.0/16]
deleted:
  description: With O(state=absent), the subnets deleted (or that would be deleted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Subnet id.
      type: str
    cidr:
      description: CIDR block.
      type: str
    az:
      description: Availability Zone.
      type: str
    name:
      description: Name tag, null when there is none.
      type: str
  sample: [{id: subnet-0a1b2c3d4e5f67890, cidr: 10.0.1.0/24, az: us-east-1b, name: payments-us-east-1b}]
actions:
  description: One line per change made (or that would be made in check mode).
  returned: always
  type: list
  elements: str
  sample: ["create subnet 10.0.2.0/24 in us-east-1c (Name payments-us-east-1c) for 10.0.2.25"]
diff:
  description:
    - The subnets in scope before and after, one line each, and (O(state=present)) the VPC, one line
      with its id (V((new)) for one this run creates), CIDR blocks, Name and the tags the module sets.
  returned: always
  type: dict
  sample:
    before:
      vpc: "vpc-0a1b2c3d4e5f67890 10.0.0.0/16 (payments), tags ManagedBy=multiaccount.apigateway"
      subnets: ["10.0.1.0/24 us-east-1b subnet-0a1b2c3d4e5f67890 (payments-us-east-1b), route table rtb-1 (main), holds 10.0.1.25"]
    after:
      vpc: "vpc-0a1b2c3d4e5f67890 10.0.0.0/16 (payments), tags ManagedBy=multiaccount.apigateway"
      subnets:
        - "10.0.1.0/24 us-east-1b subnet-0a1b2c3d4e5f67890 (payments-us-east-1b), route table rtb-1 (main), holds 10.0.1.25"
        - "10.0.2.0/24 us-east-1c (new) (payments-us-east-1c), route table rtb-1 (main), holds 10.0.2.25"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import MANAGED_TAG_KEY, MANAGED_TAG_VALUE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import new_or
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    GATEWAY_TAG_KEY,
    AnsibleEc2NetworkError,
    associate_route_table,
    associated_vpc_cidrs,
    check_tags,
    cidr_key,
    create_route_table,
    create_subnet,
    create_tags,
    create_vpc,
    delete_subnet,
    describe_availability_zones,
    describe_route_tables,
    describe_subnets,
    describe_vpcs,
    describe_vpcs_matching,
    enable_dns_hostnames,
    error_code,
    format_subnet,
    is_ours,
    normalise_subnet,
    plan_own_route_table,
    plan_subnets,
    route_table_tags,
    subnet_route_tables,
    subnet_tags,
    tags_of,
    unplaced_targets,
    validate_subnet_params,
    wait_subnets_available,
    wait_vpc_available,
)


def empty_result():
    return dict(
        changed=False,
        vpc=None,
        subnets=[],
        targets={},
        route_table_ids=[],
        route_table=None,
        vpc_cidrs=[],
        deleted=[],
        actions=[],
        diff={"before": {"subnets": []}, "after": {"subnets": []}},
    )


def create_action(entry, tags):
    name = f" (Name {tags['Name']})" if tags.get("Name") else ""
    holds = f" for {', '.join(entry['for'])}" if entry["for"] else ""
    return f"create subnet {entry['cidr']} in {entry['az']}{name}{holds}"


def describe(subnet, held, tables):
    """A result entry and the diff line of a subnet."""
    main, explicit = tables
    table = explicit.get(subnet["id"], main) if subnet.get("id") else main
    entry = {
        "id": subnet.get("id"),
        "cidr": subnet["cidr"],
        "az": subnet["az"],
        "name": subnet.get("name"),
        "created": bool(subnet.get("created")),
        "route_table_id": table,
    }
    return entry, format_subnet(subnet, table, main, held.get(subnet["cidr"]))


def build_result(result, scope, placement, tables, before_cidrs):
    """Fill subnets, targets, route_table_ids and diff from the subnets in scope (existing and created)."""
    held = {}
    for ip, cidr in placement.items():
        held.setdefault(cidr, []).append(ip)
    entries, before, after = [], [], []
    for subnet in sorted(scope, key=lambda item: cidr_key(item["cidr"])):
        entry, line = describe(subnet, held, tables)
        entries.append(entry)
        after.append(line)
        if subnet["cidr"] in before_cidrs:
            before.append(line)
    by_cidr = {entry["cidr"]: entry for entry in entries}
    result["subnets"] = entries
    result["targets"] = {
        ip: {
            "subnet_id": by_cidr[cidr]["id"],
            "cidr": cidr,
            "az": by_cidr[cidr]["az"],
            "route_table_id": by_cidr[cidr]["route_table_id"],
        }
        for ip, cidr in placement.items()
    }
    result["route_table_ids"] = sorted({entry["route_table_id"] for entry in entries if entry["cidr"] in held} - {None})
    result["diff"] = {"before": {"subnets": before}, "after": {"subnets": after}}


def add_vpc_diff(result, before, after):
    """The VPC line on both sides of the diff (none before for a VPC this run creates)."""
    if before is not None:
        result["diff"]["before"]["vpc"] = before
    result["diff"]["after"]["vpc"] = after


def vpc_entry(raw, created=False):
    tags = tags_of(raw)
    return {
        "id": raw["VpcId"],
        "cidrs": associated_vpc_cidrs(raw),
        "name": tags.get("Name"),
        "tags": tags,
        "created": created,
    }


def vpc_line(vpc_id, cidrs, name, tags=None, tag_keys=()):
    """``vpc-0abc 10.0.0.0/16 (payments), tags ManagedBy=...``: the VPC in the diff (``(new)`` for one to
    create); only the tags the module sets are shown."""
    text = f"{new_or(vpc_id)} {', '.join(cidrs or [])}"
    if name:
        text += f" ({name})"
    shown = [f"{key}={(tags or {})[key]}" for key in sorted(tag_keys) if key in (tags or {})]
    if shown:
        text += f", tags {', '.join(shown)}"
    return text


def resolve_vpc(module, client, checked):
    """The VPC: by id, or the one VPC matching ``vpc.filters``, created when missing with ``vpc.create``.

    Returns ``(vpc entry or None when it would be created in check mode, actions, diff line of the VPC
    before the run or None)``; fails naming the problem (no VPC to adopt, several matches, a CIDR the
    adopted VPC lacks) before any write.
    """
    if checked["vpc_id"]:
        vpcs = describe_vpcs(client, [checked["vpc_id"]])
        if not vpcs:
            module.fail_json(
                msg=f"vpc_id: VPC {checked['vpc_id']} not found in {module.region}; give the id of an existing VPC"
            )
        vpc = vpc_entry(vpcs[0])
        return vpc, [], vpc_line(vpc["id"], vpc["cidrs"], vpc["name"])
    spec = checked["vpc"]
    found = describe_vpcs_matching(client, spec["filters"])
    if len(found) > 1:
        ids = ", ".join(sorted(vpc["VpcId"] for vpc in found))
        module.fail_json(
            msg=f"vpc.filters: {len(found)} VPCs match ({ids}) in {module.region}; exactly one must (nothing was changed)"
        )
    if found:
        vpc = vpc_entry(found[0])
        if spec["cidr"] and spec["cidr"] not in vpc["cidrs"]:
            module.fail_json(
                msg=(
                    f"vpc.cidr: {spec['cidr']} is not a CIDR block of {vpc['id']} ({', '.join(vpc['cidrs'])}); "
                    "give one of its blocks (nothing was changed)"
                )
            )
        missing = {key: value for key, value in spec["tags"].items() if vpc["tags"].get(key) != value}
        before = vpc_line(vpc["id"], vpc["cidrs"], vpc["name"], vpc["tags"], spec["tags"])
        if not spec["create"] or not missing:
            return vpc, [], before
        action = f"tag VPC {vpc['id']} with {', '.join(f'{key}={value}' for key, value in sorted(missing.items()))}"
        if not module.check_mode:
            create_tags(client, vpc["id"], missing)
        # The tags after the run (in check mode: as they would be).
        vpc["tags"].update(missing)
        return vpc, [action], before
    if not spec["create"]:
        module.fail_json(
            msg=f"vpc.filters: no VPC matches {spec['filters']} in {module.region}; check the VPC to adopt (nothing was changed)"
        )
    tags = dict(spec["tags"])
    action = f"create VPC {spec['cidr']}" + (f" (Name {tags['Name']})" if tags.get("Name") else "")
    if module.check_mode:
        return None, [action], None
    raw = create_vpc(client, spec["cidr"], tags)
    if raw.get("State") != "available":
        wait_vpc_available(client, raw["VpcId"], module.params["wait_timeout"])
    enable_dns_hostnames(client, raw["VpcId"])
    vpc = vpc_entry(raw, created=True)
    vpc["cidrs"] = vpc["cidrs"] or [spec["cidr"]]
    return vpc, [action], None


def own_table_plan(module, checked, raw_tables, scope_existing, to_create):
    """The plan of the module's own route table (None without ``route_table``): fails before any change
    on several matching tables or a subnet associated with another table."""
    if checked["route_table"] is None:
        return None
    tags = checked["route_table"]["tags"]
    plan = plan_own_route_table(raw_tables, tags, [subnet["id"] for subnet in scope_existing])
    if plan["errors"]:
        module.fail_json(msg=f"{'; '.join(plan['errors'])} (nothing was changed)")
    table = plan["table"]
    label = table["RouteTableId"] if table else "(new)"
    name = tags.get("Name")
    plan["tags"] = tags
    plan["name"] = name
    plan["create_action"] = None if table else "create route table" + (f" (Name {name})" if name else "")
    plan["associate_actions"] = [
        f"associate subnet {subnet_id} with route table {label}" for subnet_id in plan["associate"]
    ]
    plan["associate_actions"] += [
        f"associate subnet {entry['cidr']} (new) with route table {label}" for entry, _tags, _action in to_create
    ]
    return plan


def table_actions(plan):
    if plan is None:
        return []
    return ([plan["create_action"]] if plan["create_action"] else []) + plan["associate_actions"]


def table_line(table_id, name, subnets):
    text = new_or(table_id) + (f" ({name})" if name else "")
    return text + (f", subnets {', '.join(subnets)}" if subnets else ", no subnet")


def finish_table(result, plan, raw_tables, tables, table_id, associated):
    """``route_table`` of the result, its diff lines, and the subnets' tables as they are after the run."""
    if plan is None:
        return
    main, explicit = tables
    in_scope = {entry["id"] for entry in result["subnets"] if entry["id"]}
    before = sorted(
        subnet_id
        for subnet_id, current in subnet_route_tables(raw_tables)[1].items()
        if plan["table"] and current == plan["table"]["RouteTableId"] and subnet_id in in_scope
    )
    after = sorted(set(before) | set(associated))
    if plan["table"]:
        result["diff"]["before"]["route_table"] = table_line(table_id, plan["name"], before)
    shown = after + [f"{entry['cidr']} (new)" for entry in result["subnets"] if not entry["id"]]
    result["diff"]["after"]["route_table"] = table_line(table_id, plan["name"], shown)
    result["route_table"] = {
        "id": table_id,
        "name": plan["name"],
        "created": plan["table"] is None,
        "subnet_ids": after,
    }
    if table_id:
        for entry in result["subnets"]:
            if entry["id"] in after:
                entry["route_table_id"] = table_id
                explicit[entry["id"]] = table_id
        result["targets"] = {
            ip: dict(target, route_table_id=explicit.get(target["subnet_id"], main) if target["subnet_id"] else main)
            for ip, target in result["targets"].items()
        }
        held = {target["subnet_id"] for target in result["targets"].values()}
        result["route_table_ids"] = sorted(
            {entry["route_table_id"] for entry in result["subnets"] if entry["id"] in held} - {None}
        )


def ensure_present(module, client, checked):
    params = module.params
    vpc, vpc_actions, vpc_before = resolve_vpc(module, client, checked)
    tag_keys = checked["vpc"]["tags"] if checked["vpc"] else ()
    if vpc:
        vpc_after = vpc_line(vpc["id"], vpc["cidrs"], vpc["name"], vpc["tags"], tag_keys)
    else:
        tags = checked["vpc"]["tags"]
        vpc_after = vpc_line(None, [checked["vpc"]["cidr"]], tags.get("Name"), tags, tag_keys)
    vpc_id = vpc["id"] if vpc else None
    vpc_cidrs = vpc["cidrs"] if vpc else [checked["vpc"]["cidr"]]
    existing, raw_tables = [], []
    if vpc_id and not vpc["created"]:
        existing = [normalise_subnet(raw) for raw in describe_subnets(client, {"vpc-id": [vpc_id]})]
    # A VPC this run created has no subnet, and no route table but its main one, which names the table of
    # a subnet only without route_table (with it, every subnet goes to the module's own table).
    if vpc_id and params["read_route_tables"] and not (vpc["created"] and checked["route_table"] is not None):
        raw_tables = describe_route_tables(client, {"vpc-id": [vpc_id]})
    tables = subnet_route_tables(raw_tables)

    zones = None
    if not checked["subnets"] and unplaced_targets(checked["targets"], existing, []):
        zones = [zone["ZoneName"] for zone in describe_availability_zones(client)]
    plan = plan_subnets(vpc_id, vpc_cidrs, existing, checked["subnets"], checked["targets"], zones)

    result = empty_result()
    result["vpc_cidrs"] = vpc_cidrs
    result["vpc"] = vpc
    if plan["errors"]:
        module.fail_json(msg=f"{'; '.join(plan['errors'])} (nothing was changed)", vpc_cidrs=vpc_cidrs)

    listed = {subnet["cidr"] for subnet in checked["subnets"]}
    scope_existing = [
        subnet for subnet in existing if subnet["cidr"] in listed or subnet["cidr"] in plan["placement"].values()
    ]
    before_cidrs = {subnet["cidr"] for subnet in scope_existing}
    to_create = []
    for entry in plan["create"]:
        tags = subnet_tags(checked["gateway"], checked["name"], checked["tags"], entry["az"])
        to_create.append((entry, tags, create_action(entry, tags)))
    table_plan = own_table_plan(module, checked, raw_tables, scope_existing, to_create)
    actions = vpc_actions + [action for _entry, _tags, action in to_create] + table_actions(table_plan)
    result["changed"] = bool(actions)
    table_id = table_plan["table"]["RouteTableId"] if table_plan and table_plan["table"] else None

    if module.check_mode or len(actions) == len(vpc_actions):
        planned = [
            {"id": None, "cidr": entry["cidr"], "az": entry["az"], "name": tags.get("Name"), "created": True}
            for entry, tags, _action in to_create
        ]
        build_result(result, scope_existing + planned, plan["placement"], tables, before_cidrs)
        add_vpc_diff(result, vpc_before, vpc_after)
        finish_table(result, table_plan, raw_tables, tables, table_id, table_plan["associate"] if table_plan else [])
        result["actions"] = actions
        return result

    created, done, associated = [], list(vpc_actions), []
    try:
        for entry, tags, action in to_create:
            raw = create_subnet(client, vpc_id, entry["cidr"], entry["az"], tags)
            created.append(dict(normalise_subnet(raw), created=True, state=raw.get("State")))
            done.append(action)
        pending = [subnet["id"] for subnet in created if subnet["state"] != "available"]
        if params["wait"] and pending:
            wait_subnets_available(client, pending, params["wait_timeout"])
        if table_plan is not None:
            if table_id is None:
                table_id = create_route_table(client, vpc_id, table_plan["tags"])["RouteTableId"]
                done.append(table_plan["create_action"])
            for subnet_id in table_plan["associate"] + [subnet["id"] for subnet in created]:
                associate_route_table(client, table_id, subnet_id)
                associated.append(subnet_id)
                done.append(f"associate subnet {subnet_id} with route table {table_id}")
    except AnsibleEc2NetworkError as error:
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(done)} of {len(actions)} changes",
            changed=bool(done),
            actions=done,
            subnets=[{"id": s["id"], "cidr": s["cidr"], "az": s["az"], "created": True} for s in created],
            route_table={"id": table_id, "subnet_ids": sorted(associated)} if table_plan else None,
        )
    build_result(result, scope_existing + created, plan["placement"], tables, before_cidrs)
    add_vpc_diff(result, vpc_before, vpc_after)
    finish_table(result, table_plan, raw_tables, tables, table_id, associated)
    result["actions"] = done
    return result


def ensure_absent(module, client, checked):
    gateway = checked["gateway"]
    vpc_id = checked["vpc_id"]
    if not vpc_id:
        found = describe_vpcs_matching(client, checked["vpc"]["filters"])
        if len(found) != 1:
            return empty_result()
        vpc_id = found[0]["VpcId"]
    filters = {
        "vpc-id": [vpc_id],
        f"tag:{MANAGED_TAG_KEY}": [MANAGED_TAG_VALUE],
        f"tag:{GATEWAY_TAG_KEY}": [gateway],
    }
    ours = [normalise_subnet(raw) for raw in describe_subnets(client, filters)]
    ours = sorted((subnet for subnet in ours if is_ours(subnet["tags"], gateway)), key=lambda s: cidr_key(s["cidr"]))

    result = empty_result()
    lines = [format_subnet(subnet) for subnet in ours]
    result["diff"] = {"before": {"subnets": lines}, "after": {"subnets": []}}
    plans = []
    for subnet in ours:
        name = f" (Name {subnet['name']})" if subnet.get("name") else ""
        plans.append((subnet, f"delete subnet {subnet['id']} {subnet['cidr']} in {subnet['az']}{name}"))
    result["changed"] = bool(plans)
    if module.check_mode or not plans:
        result["deleted"] = [deleted_entry(subnet) for subnet, _action in plans]
        result["actions"] = [action for _subnet, action in plans]
        return result

    done, deleted, refused = [], [], []
    for subnet, action in plans:
        try:
            delete_subnet(client, subnet["id"])
        except AnsibleEc2NetworkError as error:
            if error_code(error) != "DependencyViolation":
                module.fail_json_aws(
                    error.exception,
                    msg=f"{error.message} {subnet['id']} after {len(done)} of {len(plans)} changes",
                    changed=bool(done),
                    actions=done,
                    deleted=deleted,
                )
            refused.append(f"{subnet['id']} ({subnet['cidr']})")
            continue
        done.append(action)
        deleted.append(deleted_entry(subnet))
    result.update(changed=bool(done), deleted=deleted, actions=done)
    if refused:
        module.fail_json(
            msg=(
                f"cannot delete {', '.join(refused)}: still in use (DependencyViolation); delete what uses them first "
                "(load balancers, VPC endpoints, instances, network interfaces)"
            ),
            **result,
        )
    return result


def deleted_entry(subnet):
    return {"id": subnet["id"], "cidr": subnet["cidr"], "az": subnet["az"], "name": subnet.get("name")}


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        vpc_id=dict(type="str"),
        vpc=dict(
            type="dict",
            options=dict(
                filters=dict(type="dict", required=True),
                cidr=dict(type="str"),
                create=dict(type="bool", default=False),
                tags=dict(type="dict", default={}),
            ),
        ),
        gateway=dict(type="str", required=True),
        targets=dict(type="list", elements="str", default=[]),
        subnets=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(cidr=dict(type="str", required=True), az=dict(type="str", required=True)),
        ),
        name=dict(type="str"),
        tags=dict(type="dict", default={}),
        route_table=dict(type="dict", options=dict(tags=dict(type="dict", required=True))),
        read_route_tables=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["vpc_id", "vpc"]],
        required_one_of=[["vpc_id", "vpc"]],
    )

    try:
        checked = validate_subnet_params(module.params, module.region)
        spec = module.params["route_table"]
        checked["route_table"] = None
        if spec is not None:
            tags = check_tags(spec["tags"], checked["gateway"], "route_table.tags")
            checked["route_table"] = {"tags": route_table_tags(checked["gateway"], tags)}
            if not module.params["read_route_tables"]:
                raise ValueError(
                    "read_route_tables: must be true with route_table (the module finds its own table among the VPC's "
                    "route tables); drop read_route_tables: false or route_table"
                )
        if module.params["wait_timeout"] < 1:
            raise ValueError(f"wait_timeout: {module.params['wait_timeout']} must be a positive number of seconds")
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = module.client("ec2")
    try:
        if module.params["state"] == "present":
            result = ensure_present(module, client, checked)
        else:
            result = ensure_absent(module, client, checked)
    except AnsibleEc2NetworkError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
