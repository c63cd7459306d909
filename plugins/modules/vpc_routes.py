#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_routes
version_added: 0.2.0
short_description: Reconcile the routes this collection owns in many VPC route tables at once
description:
  - Adds, replaces and deletes IPv4 routes through VPC peerings and transit gateways in every
    route table of O(route_table_ids), in one module call per account, by comparing the listed
    routes with what one DescribeRouteTables call returns.
  - Only routes that are ours are ever changed. A route is ours when its target is in
    O(owned_targets), or when it is a V(blackhole) route through a VPC peering (left behind by a
    deleted peering) to a destination listed in O(routes). With O(state=absent), a route that
    goes exactly where O(routes) says is ours too.
  - "Any other route to a listed destination (the local route, a route of the VPC's owner through
    an internet gateway, a NAT gateway, another peering, a transit gateway...) is a conflict: with
    O(state=present) the module fails before any change and lists every conflict as
    C(<table>: <dest> already goes to <target>). Only the exact same destination conflicts; longer
    or shorter prefixes are other routes."
  - Only IPv4 destination routes are considered. Propagated routes (from a virtual private
    gateway), IPv6 routes and prefix-list routes are never touched.
  - "Every input is checked before any AWS call and errors name the field, for example
    C(routes[1].dest: '10.100.1.5/24' is not a valid IPv4 CIDR block)."
  - Unlike M(amazon.aws.ec2_vpc_route_table), the module does not sleep after a change and never
    purges routes it does not own.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) makes every listed route exist in every listed table, replacing a route of ours
        that goes elsewhere, and with O(purge_routes) deletes our routes that are not listed.
      - V(absent) deletes the listed destinations from every listed table where the route there is
        ours, and with O(purge_routes) every route through an owned target as well. A route to a
        listed destination that is not ours is left alone and reported in RV(route_tables[].conflicts)
        and as a warning. A listed table that does not exist is skipped.
    type: str
    choices: [present, absent]
    default: present
  route_table_ids:
    description:
      - The route tables (C(rtb-...)) to reconcile. Every listed table gets every route of
        O(routes).
      - With O(state=present) a table that does not exist is an error, reported before any change.
      - An empty list does nothing and makes no AWS call.
    type: list
    elements: str
    required: true
  routes:
    description:
      - The routes every listed table must have (O(state=present)) or must not have
        (O(state=absent)).
      - A destination listed twice is an error.
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description:
          - IPv4 destination CIDR block, such as V(10.100.1.0/24) (host bits zero).
        type: str
        required: true
      vpc_peering_connection_id:
        description:
          - The VPC peering connection (C(pcx-...)) the route goes through.
          - With O(state=present) exactly one of O(routes[].vpc_peering_connection_id) and
            O(routes[].transit_gateway_id) is required; with O(state=absent) both may be omitted.
        type: str
      transit_gateway_id:
        description:
          - The transit gateway (C(tgw-...)) the route goes through.
        type: str
  owned_targets:
    description:
      - Route targets (C(pcx-...), C(tgw-...)) whose routes are ours, such as the current and
        earlier peerings of this collection between the two VPCs.
      - A route to a listed destination through an owned target other than the listed one is
        replaced; with O(purge_routes) a route through an owned target to a destination that is
        not listed is deleted.
      - The targets of O(routes) are not owned by being listed there; add them here too for
        O(purge_routes) to delete their unlisted routes.
    type: list
    elements: str
    default: []
  purge_routes:
    description:
      - Delete the routes through an owned target (O(owned_targets)) whose destination is not
        listed (O(state=present)), or every route through an owned target (O(state=absent)).
    type: bool
    default: false
notes:
  - Permissions needed - C(ec2:DescribeRouteTables), C(ec2:CreateRoute), C(ec2:ReplaceRoute) and
    C(ec2:DeleteRoute).
  - "API calls: one DescribeRouteTables (filter C(route-table-id) with every listed id) per run,
    then one CreateRoute, ReplaceRoute or DeleteRoute per change. A run with nothing to change
    makes only the DescribeRouteTables call."
  - The module talks to the account that owns the route tables. For the return routes of a
    cross-account peering, run it with the accepter account's credentials.
  - A table holds 50 routes by default (adjustable up to 1000 through Service Quotas); the module
    warns when a table would hold more than 50 non-propagated routes, and AWS refuses the route
    that exceeds the actual quota.
seealso:
  - module: amazon.aws.ec2_vpc_route_table
  - module: amazon.aws.ec2_vpc_route_table_info
  - module: amazon.aws.ec2_vpc_peering
  - module: multiaccount.apigateway.vpc_target_subnets
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Reads the tables and returns the changes it would make, without making any.
  diff_mode:
    support: full
    details: Per table, the routes in scope (listed destinations and routes through owned targets) as C(dest -> target) strings.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Routes to the gateway's NLB subnets through the peering, in every table of the service subnets
  multiaccount.apigateway.vpc_routes:
    route_table_ids: [rtb-0a1b2c3d4e5f67890, rtb-0fedcba9876543210]
    routes:
      - dest: 10.100.1.0/24
        vpc_peering_connection_id: pcx-0123456789abcdef0
      - dest: 10.100.2.0/24
        vpc_peering_connection_id: pcx-0123456789abcdef0
    owned_targets: [pcx-0123456789abcdef0]

- name: Move the routes to a new peering (the old one is owned, so its routes are replaced)
  multiaccount.apigateway.vpc_routes:
    route_table_ids: [rtb-0a1b2c3d4e5f67890]
    routes:
      - dest: 10.100.1.0/24
        vpc_peering_connection_id: pcx-0aaaaaaaaaaaaaaaa
    owned_targets: [pcx-0123456789abcdef0, pcx-0aaaaaaaaaaaaaaaa]
    purge_routes: true

- name: Through a transit gateway instead
  multiaccount.apigateway.vpc_routes:
    route_table_ids: [rtb-0a1b2c3d4e5f67890]
    routes:
      - dest: 10.100.0.0/16
        transit_gateway_id: tgw-0123456789abcdef0
    owned_targets: [tgw-0123456789abcdef0]

- name: Remove every route through our peerings
  multiaccount.apigateway.vpc_routes:
    state: absent
    route_table_ids: [rtb-0a1b2c3d4e5f67890, rtb-0fedcba9876543210]
    owned_targets: [pcx-0123456789abcdef0, pcx-0aaaaaaaaaaaaaaaa]
    purge_routes: true

# Cross-account: the provider account 222222222222 accepted the gateway's peering; its route tables
# need return routes to the gateway's NLB subnets. Every call runs with the provider account's
# credentials, obtained once by assuming a role there.
- name: Assume the deployment role of the provider account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::222222222222:role/apigateway-deployer
    role_session_name: vpc-routes
  register: provider_role

- name: Work in the provider account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ provider_role.sts_creds.access_key }}"
      secret_key: "{{ provider_role.sts_creds.secret_key }}"
      session_token: "{{ provider_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Return routes to the gateway subnets
      multiaccount.apigateway.vpc_routes:
        route_table_ids: "{{ provider_state.route_table_ids }}"
        routes:
          - dest: 10.100.1.0/24
            vpc_peering_connection_id: "{{ peering.vpc_peering_connection_id }}"
          - dest: 10.100.2.0/24
            vpc_peering_connection_id: "{{ peering.vpc_peering_connection_id }}"
        owned_targets: ["{{ peering.vpc_peering_connection_id }}"]
      register: return_routes

    - name: Show what changed
      ansible.builtin.debug:
        msg: "{{ return_routes.actions }}"
"""

RETURN = r"""
route_tables:
  description:
    - One entry per listed table that exists, in the order of O(route_table_ids), with the changes
      made (or that would be made in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Route table id.
      type: str
      sample: rtb-0a1b2c3d4e5f67890
    vpc_id:
      description: VPC of the table.
      type: str
      sample: vpc-0a1b2c3d4e5f67890
    name:
      description: Name tag of the table, null when it has none.
      type: str
      sample: payments-private
    added:
      description: Routes added.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: pcx-0123456789abcdef0}]
    replaced:
      description: Routes replaced, with the target they had before.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: pcx-0aaaaaaaaaaaaaaaa, previous_target: pcx-0123456789abcdef0}]
    deleted:
      description: Routes deleted, with the target they had.
      type: list
      elements: dict
      sample: [{dest: 10.100.9.0/24, target: pcx-0123456789abcdef0}]
    conflicts:
      description:
        - Routes to a listed destination that are not ours, with their target. With O(state=present)
          the module fails when any table has one; with O(state=absent) they are left alone.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: igw-0123456789abcdef0}]
actions:
  description: One line per change made (or that would be made in check mode), in the order made.
  returned: always
  type: list
  elements: str
  sample:
    - "rtb-0a1b2c3d4e5f67890 (payments-private): add route 10.100.1.0/24 -> pcx-0123456789abcdef0"
    - "rtb-0a1b2c3d4e5f67890 (payments-private): replace route 10.100.2.0/24 -> pcx-0aaaaaaaaaaaaaaaa (blackhole)
      by 10.100.2.0/24 -> pcx-0123456789abcdef0"
diff:
  description: Per table (id and name), the routes in scope before and after, as C(dest -> target) strings.
  returned: always
  type: dict
  sample:
    before:
      route_tables:
        rtb-0a1b2c3d4e5f67890 (payments-private): ["10.100.2.0/24 -> pcx-0aaaaaaaaaaaaaaaa (blackhole)"]
    after:
      route_tables:
        rtb-0a1b2c3d4e5f67890 (payments-private):
          - "10.100.1.0/24 -> pcx-0123456789abcdef0"
          - "10.100.2.0/24 -> pcx-0123456789abcdef0"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    AnsibleEc2NetworkError,
    apply_route_plans,
    plan_route_tables,
    route_problems,
    validate_route_params,
)


def run(module, client, checked):
    params = module.params
    state = params["state"]
    result = dict(changed=False, route_tables=[], actions=[], diff={"before": {}, "after": {}})
    if not checked["route_table_ids"]:
        return result

    planned = plan_route_tables(client, checked, state, params["purge_routes"])
    result["route_tables"] = planned["route_tables"]
    result["diff"] = {
        "before": {"route_tables": planned["diff"]["before"]},
        "after": {"route_tables": planned["diff"]["after"]},
    }
    if (planned["conflicts"] or planned["missing"]) and state == "present":
        for entry in result["route_tables"]:
            entry.update(added=[], replaced=[], deleted=[])
        module.fail_json(msg=f"{route_problems(planned, module.region)} (nothing was changed)", **result)
    for line in planned["conflicts"]:
        module.warn(f"{line}: not ours, left alone")
    for warning in planned["warnings"]:
        module.warn(warning)

    actions = planned["actions"]
    result["changed"] = bool(actions)
    if module.check_mode or not actions:
        result["actions"] = actions
        return result

    done = []
    try:
        apply_route_plans(client, planned["plans"], done)
    except AnsibleEc2NetworkError as error:
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(done)} of {len(actions)} changes",
            changed=bool(done),
            actions=done,
            route_tables=result["route_tables"],
        )
    result["actions"] = done
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        route_table_ids=dict(type="list", elements="str", required=True),
        routes=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                dest=dict(type="str", required=True),
                vpc_peering_connection_id=dict(type="str"),
                transit_gateway_id=dict(type="str"),
            ),
        ),
        owned_targets=dict(type="list", elements="str", default=[]),
        purge_routes=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    try:
        checked = validate_route_params(module.params)
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = module.client("ec2")
    try:
        result = run(module, client, checked)
    except AnsibleEc2NetworkError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
