#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_peering_accept
version_added: 0.3.0
short_description: Find, accept and tag the one expected VPC peering request to a VPC
description:
  - The accepter side of a VPC peering, in one module call. One DescribeVpcPeeringConnections call
    (filter C(accepter-vpc-info.vpc-id)) finds every request to O(vpc_id); the expected one is chosen
    in Python, the filter checked again (an emulator may ignore filters), never by an id passed by hand.
  - The expected request comes from O(requester_account_id) and from the requester VPC, by id
    (O(requester_vpc_id)) or, when the id is not known, by its CIDR (O(requester_vpc_cidr)). An
    active (or C(provisioning)) request wins and needs no accept; a single C(pending-acceptance) one
    is accepted; several pending ones and no active one fail the module, naming them, before any
    change.
  - The chosen peering gets the tags of O(tags) that it lacks in this account (CreateTags with the
    missing or different keys only; no tag is ever removed).
  - Every other request waiting for acceptance by O(vpc_id) is returned in RV(unexpected) and
    reported as a warning; it is never accepted.
  - With O(return_routes), the same run routes the requester's CIDRs through the chosen peering in
    the listed route tables of this account (or the tables of the listed subnets), as
    M(multiaccount.apigateway.vpc_routes) would with the
    requests from the requester VPC as its owned targets (routes of anyone else to those
    destinations are conflicts; none is ever touched). The tables are read before any change, so
    a missing table or a conflict fails the module before the accept.
  - No expected request at all fails the module, except in check mode, where the request may not
    exist yet (RV(peering) is then empty and nothing is predicted).
  - Every input is checked before any AWS call and errors name the field.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  vpc_id:
    description:
      - The accepter VPC (C(vpc-...)) in this account and region.
    type: str
    required: true
  requester_account_id:
    description:
      - The 12-digit AWS account that requested the peering (the gateway account).
    type: str
    required: true
  requester_vpc_id:
    description:
      - The requester VPC (C(vpc-...)) when it is known.
      - When empty, the request is recognised by O(requester_vpc_cidr) (CIDRs of the VPCs peered
        with O(vpc_id) must then not repeat).
    type: str
    default: ""
  requester_vpc_cidr:
    description:
      - The primary IPv4 CIDR block of the requester VPC, such as V(10.100.0.0/16).
      - Required when O(requester_vpc_id) is empty; not used otherwise.
    type: str
    default: ""
  tags:
    description:
      - Tags the chosen peering must carry in this account. Keys it lacks, or whose value differs,
        are set; other tags stay.
    type: dict
    default: {}
  wait:
    description:
      - When the chosen peering is C(provisioning) (after its accept, or as found), wait until it is
        C(active), with one DescribeVpcPeeringConnections every 2 s.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait with O(wait); the module fails when the peering is still
        C(provisioning) then.
    type: int
    default: 120
  return_routes:
    description:
      - The routes back to the requester through the chosen peering, reconciled in the same run,
        after the accept (and the wait).
      - Omit it to leave every route table alone.
    type: dict
    suboptions:
      route_table_ids:
        description:
          - The route tables (C(rtb-...)) of this account that get every route of
            O(return_routes.destinations). A table that does not exist is an error, reported before
            any change. An empty list adds no route and makes no route table call.
          - Give either this or O(return_routes.subnet_ids).
        type: list
        elements: str
      subnet_ids:
        description:
          - Subnets (C(subnet-...)) of O(vpc_id) whose route tables get every route of
            O(return_routes.destinations) - each subnet's explicitly associated table, else the VPC's
            main table, each table once. The same single DescribeRouteTables (of the VPC) finds the
            tables and reads their routes, when the routes are written, so the caller need not look the
            tables up first. An empty list adds no route and makes no route table call.
          - Give either this or O(return_routes.route_table_ids).
        type: list
        elements: str
        version_added: 0.3.0
      main_table:
        description:
          - With O(return_routes.subnet_ids), also the VPC's main table, whether a listed subnet uses it or
            not - the table of target subnets not created yet (a new subnet without an association
            of its own is routed by it), so that check mode predicts their routes too.
        type: bool
        default: false
        version_added: 0.3.0
      destinations:
        description:
          - IPv4 CIDR blocks of the requester side (the gateway's subnets), such as V(10.100.1.0/24),
            each routed through the chosen peering. A destination listed twice is an error.
        type: list
        elements: str
        default: []
      purge:
        description:
          - Also delete the routes through the requests from the requester VPC (RV(owned_targets)) to
            destinations not listed.
        type: bool
        default: false
      replace_targets:
        description:
          - Other route targets that are ours too (such as the transit gateway C(tgw-...) the provider
            used before it moved back to peering) - a route to a listed destination through one of them
            is replaced by the route through the peering, never a conflict.
        type: list
        elements: str
        default: []
        version_added: 0.3.0
notes:
  - Permissions needed - C(ec2:DescribeVpcPeeringConnections), C(ec2:AcceptVpcPeeringConnection)
    and C(ec2:CreateTags) (on C(vpc-peering-connection) resources).
  - With O(return_routes) also C(ec2:DescribeRouteTables), C(ec2:CreateRoute), C(ec2:ReplaceRoute)
    and C(ec2:DeleteRoute).
  - "API calls: one DescribeVpcPeeringConnections (and with O(return_routes) one DescribeRouteTables);
    then, when needed, one AcceptVpcPeeringConnection, one CreateTags, with O(wait) one
    DescribeVpcPeeringConnections per poll while the peering is C(provisioning), and one CreateRoute,
    ReplaceRoute or DeleteRoute per route change. A run with nothing to change makes only the reads."
  - Run it with the credentials of the accepter account, in the accepter VPC's region (a
    cross-region peering must be accepted there).
  - Tags of a peering are kept per account, so the tags of the requester are not seen, nor needed, here.
seealso:
  - module: amazon.aws.ec2_vpc_peering
  - module: amazon.aws.ec2_vpc_peering_info
  - module: multiaccount.apigateway.vpc_peering_requests
  - module: multiaccount.apigateway.vpc_routes
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Reads the requests (and the route tables) and returns the accept, the tags and the routes it would make, without any change.
  diff_mode:
    support: full
    details:
      - The chosen peering as C(<id> (<status>)), keyed by its requester, the listed tags it carries,
        and with O(return_routes) the routes in scope of each table.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Accept the gateway's request to this VPC and tag it in this account
  multiaccount.apigateway.vpc_peering_accept:
    vpc_id: vpc-0123456789abcdef0
    requester_account_id: "111111111111"
    requester_vpc_id: vpc-0a1b2c3d4e5f67890
    tags:
      Name: shared-gateway-payments
      ManagedBy: multiaccount.apigateway
  register: accepted

- name: Recognise the request by the gateway VPC's CIDR when its id is not known in this run
  multiaccount.apigateway.vpc_peering_accept:
    vpc_id: vpc-0123456789abcdef0
    requester_account_id: "111111111111"
    requester_vpc_cidr: 10.100.0.0/16
    wait_timeout: 300
  register: accepted

- name: Accept the gateway's request and route the gateway's subnets through it, in one run
  multiaccount.apigateway.vpc_peering_accept:
    vpc_id: vpc-0123456789abcdef0
    requester_account_id: "111111111111"
    requester_vpc_id: vpc-0a1b2c3d4e5f67890
    return_routes:
      route_table_ids: [rtb-0a1b2c3d4e5f67890]
      destinations: [10.100.1.0/24, 10.100.2.0/24]

- name: The same, in the route tables of the service subnets (found in the same read as their routes)
  multiaccount.apigateway.vpc_peering_accept:
    vpc_id: vpc-0123456789abcdef0
    requester_account_id: "111111111111"
    requester_vpc_id: vpc-0a1b2c3d4e5f67890
    return_routes:
      subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
      destinations: [10.100.1.0/24, 10.100.2.0/24]
"""

RETURN = r"""
peering:
  description:
    - The chosen request after the run (in check mode, as found), or C({}) when there is none (check mode only).
  returned: always
  type: dict
  contains:
    id:
      description: The VPC peering connection id.
      type: str
      sample: pcx-0123456789abcdef0
    status:
      description: Its status code after the run, C(active) once accepted (C(provisioning) without O(wait)).
      type: str
      sample: active
    requester_vpc_id:
      description: The requester VPC.
      type: str
      sample: vpc-0a1b2c3d4e5f67890
accepted:
  description: Whether the run accepted the peering (in check mode, would accept it).
  returned: always
  type: bool
  sample: true
tagged:
  description: Whether the run added tags to the peering (in check mode, would add them).
  returned: always
  type: bool
  sample: true
owned_targets:
  description:
    - Every request from the requester VPC to O(vpc_id), in any status (routes through them are
      the requester's), sorted.
    - The O(multiaccount.apigateway.vpc_routes#module:owned_targets) of the return routes.
  returned: always
  type: list
  elements: str
  sample: [pcx-0123456789abcdef0]
unexpected:
  description: The other requests waiting for acceptance by O(vpc_id); reported, never accepted.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The request.
      type: str
      sample: pcx-0fedcba9876543210
    vpc_id:
      description: Its requester VPC.
      type: str
      sample: vpc-0bbbbbbbbbbbbbbbb
    cidr_block:
      description: The requester VPC's CIDR block.
      type: str
      sample: 10.200.0.0/16
    owner_id:
      description: The requester account.
      type: str
      sample: "999999999999"
    region:
      description: The requester VPC's region.
      type: str
      sample: us-east-1
route_tables:
  description:
    - With O(return_routes), per listed table that exists (or table of the listed subnets), the route
      changes made (or that would be made in check mode), as RV(multiaccount.apigateway.vpc_routes#module:route_tables) of
      M(multiaccount.apigateway.vpc_routes). Empty without O(return_routes) or without a chosen peering.
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
      sample: vpc-0123456789abcdef0
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
      sample: [{dest: 10.100.1.0/24, target: pcx-0123456789abcdef0, previous_target: pcx-0aaaaaaaaaaaaaaaa}]
    deleted:
      description: Routes deleted (with O(return_routes.purge)), with the target they had.
      type: list
      elements: dict
      sample: [{dest: 10.100.9.0/24, target: pcx-0123456789abcdef0}]
    conflicts:
      description: Routes of someone else to a listed destination; the module fails when there is one.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: igw-0123456789abcdef0}]
actions:
  description: What the run changed (in check mode, would change), one line each.
  returned: always
  type: list
  elements: str
  sample:
    - accept peering pcx-0123456789abcdef0
    - tag peering pcx-0123456789abcdef0 with Name, ManagedBy
    - "rtb-0a1b2c3d4e5f67890 (payments-private): add route 10.100.1.0/24 -> pcx-0123456789abcdef0"
diff:
  description:
    - The chosen peering keyed by its requester (account and VPC or CIDR), the listed tags it
      carries (only with O(tags)), and the routes in scope per table as C(dest -> target) (only with
      O(return_routes)), before and after.
  returned: always
  type: dict
  sample:
    before:
      peering: {"from 111111111111 vpc-0a1b2c3d4e5f67890": "pcx-0123456789abcdef0 (pending-acceptance)"}
      tags: {}
    after:
      peering: {"from 111111111111 vpc-0a1b2c3d4e5f67890": "pcx-0123456789abcdef0 (active)"}
      tags: {Name: shared-gateway-payments}
      route_tables: {"rtb-0a1b2c3d4e5f67890 (payments-private)": ["10.100.1.0/24 -> pcx-0123456789abcdef0"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import joins, peerings
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import labelled
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    VPC_ID_RE,
    AnsibleEc2NetworkError,
    apply_route_plans,
    check_destinations,
    check_route_scope,
    plan_read_route_tables,
    read_scope_route_tables,
    route_problems,
    with_route_diff,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import ACCOUNT_ID_RE, parse_cidr

PROVISIONING = "provisioning"
NO_REQUEST = "(no request)"
AMBIGUOUS_FIX = "delete the extra ones on the gateway side"
MISSING_FIX = "the shared_gateway play (tasks_from peering) requests it"


def check_params(params):
    """Problems of the input, each naming its field (empty when the input is usable)."""
    problems = []
    if not VPC_ID_RE.match(params["vpc_id"] or ""):
        problems.append(f"vpc_id: {params['vpc_id']!r} is not a VPC id (vpc-...)")
    if not ACCOUNT_ID_RE.match(str(params["requester_account_id"] or "")):
        problems.append(f"requester_account_id: {params['requester_account_id']!r} is not a 12-digit AWS account id")
    requester_vpc_id = params["requester_vpc_id"] or ""
    cidr = params["requester_vpc_cidr"] or ""
    if requester_vpc_id and not VPC_ID_RE.match(requester_vpc_id):
        problems.append(f"requester_vpc_id: {requester_vpc_id!r} is not a VPC id (vpc-...)")
    if not requester_vpc_id and not cidr:
        problems.append(
            "requester_vpc_cidr: give the requester VPC's CIDR block when requester_vpc_id is empty "
            "(the request is recognised by one of them)"
        )
    if cidr and not is_cidr(cidr):
        problems.append(f"requester_vpc_cidr: {cidr!r} is not an IPv4 CIDR block such as 10.100.0.0/16")
    for key in params["tags"] or {}:
        if not str(key).strip():
            problems.append("tags: a tag key is empty")
        elif str(key).lower().startswith("aws:"):
            problems.append(f"tags: {key!r} uses the aws: prefix, which AWS reserves")
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout: must be 0 or more seconds")
    return problems


def check_return_routes(spec):
    """``(checked, problems)`` of O(return_routes): each problem names its field; ``checked`` is None
    without the option, else the table ids and ``(field, dest)`` of each destination, normalised."""
    if spec is None:
        return None, []
    table_ids, subnet_ids, problems = check_route_scope(spec, "return_routes")
    checked = {
        "route_table_ids": table_ids,
        "subnet_ids": subnet_ids,
        "main_table": bool(spec.get("main_table")),
        "destinations": [],
        "purge": spec["purge"],
        "replace_targets": [str(target) for target in spec.get("replace_targets") or [] if target],
    }
    checked["destinations"], bad = check_destinations(spec["destinations"], "return_routes.destinations")
    problems += bad
    return checked, problems


def plan_return_routes(client, vpc_id, checked, peering_id, owned_targets):
    """``plan_route_tables`` of the return routes through ``peering_id`` (in ``vpc_id``'s tables); None
    without any table or subnet to route.

    ``checked``: the first value of ``check_return_routes``.
    """
    if checked is None or not (checked["route_table_ids"] or checked.get("subnet_ids") or checked.get("main_table")):
        return None
    tables, missing = read_scope_route_tables(
        client, vpc_id, checked["route_table_ids"], checked.get("subnet_ids"), checked.get("main_table")
    )
    return plan_read_route_tables(
        tables,
        missing,
        {
            "route_table_ids": [table["id"] for table in tables],
            "routes": [{"field": field, "dest": dest, "target": peering_id} for field, dest in checked["destinations"]],
            "owned_targets": set(owned_targets) | set(checked.get("replace_targets") or []),
        },
        "present",
        checked["purge"],
    )


def is_cidr(text):
    """True for an IPv4 network written as AWS writes it (``10.100.0.0/16``, host bits zero)."""
    try:
        return str(parse_cidr(text, "requester_vpc_cidr")) == text
    except ValueError:
        return False


def string_tags(tags):
    return {str(key): "" if value is None else str(value) for key, value in (tags or {}).items()}


def provider_plan(params, tags):
    """The small part of a provider plan ``joins.peering_choice`` reads."""
    return {
        "peering": {
            "requester_account_id": str(params["requester_account_id"]),
            "requester_vpc_cidr": params["requester_vpc_cidr"] or "",
            "tags": tags,
            "tag": bool(tags),
        }
    }


def requester_text(params):
    """``vpc-...`` or ``the VPC with CIDR 10.100.0.0/16``, as in the messages."""
    return params["requester_vpc_id"] or f"the VPC with CIDR {params['requester_vpc_cidr']}"


def requester_label(params):
    """The diff key of the peering: who requested it."""
    return f"from {params['requester_account_id']} {params['requester_vpc_id'] or params['requester_vpc_cidr']}"


def missing_tags(current, desired):
    """The keys of ``desired`` that ``current`` lacks or holds with another value."""
    current = current or {}
    return {key: value for key, value in desired.items() if current.get(key) != value}


def unexpected_line(item, vpc_id):
    return (
        f"peering request {item['id']} from VPC {item['vpc_id']} ({item.get('cidr_block') or '?'}) of account "
        f"{item['owner_id']} in {item.get('region') or '?'} waits for acceptance by {vpc_id}; it is not the "
        "gateway's and is left alone"
    )


def peering_diff(label, peering_id, before_status, after_status, current_tags, tags):
    """``{before, after}``: the peering as ``<id> (<status>)`` keyed by ``label``, and the listed tags it carries."""
    before = {"peering": {label: labelled(peering_id, before_status) if peering_id else NO_REQUEST}}
    after = {"peering": {label: labelled(peering_id, after_status) if peering_id else NO_REQUEST}}
    if tags:
        carried = {key: (current_tags or {})[key] for key in tags if key in (current_tags or {})}
        before["tags"] = carried
        after["tags"] = dict(carried, **tags) if peering_id else carried
    return {"before": before, "after": after}


def run(module, client, return_routes=None):
    """The run; ``return_routes``: the checked O(return_routes) (``check_return_routes``), None without it."""
    params = module.params
    vpc_id = params["vpc_id"]
    tags = string_tags(params["tags"])
    existing = [
        peerings.normalise(raw)
        for raw in peerings.describe_peerings(client, filters={"accepter-vpc-info.vpc-id": [vpc_id]})
    ]
    choice = joins.peering_choice(existing, provider_plan(params, tags), vpc_id, params["requester_vpc_id"] or None)
    result = dict(
        changed=False,
        peering=dict(choice["chosen"]),
        accepted=False,
        tagged=False,
        owned_targets=choice["owned_targets"],
        unexpected=choice["unexpected"],
        route_tables=[],
        actions=[],
    )
    for item in choice["unexpected"]:
        module.warn(unexpected_line(item, vpc_id))

    label = requester_label(params)
    account = params["requester_account_id"]
    if choice["ambiguous"]:
        module.fail_json(
            msg=(
                f"{', '.join(choice['ambiguous'])} all request peering from {requester_text(params)} ({account}) "
                f"to {vpc_id}; {AMBIGUOUS_FIX} (nothing was changed)"
            ),
            ambiguous=choice["ambiguous"],
            **result,
        )
    if not choice["chosen"]:
        if module.check_mode:
            result["diff"] = peering_diff(label, None, None, None, {}, tags)
            return result
        module.fail_json(
            msg=(
                f"no pending or active peering from {requester_text(params)} of account {account} to VPC {vpc_id} "
                f"in {module.region}; {MISSING_FIX}"
            ),
            **result,
        )

    chosen = result["peering"]
    peering_id = chosen["id"]
    found = next(entry for entry in existing if entry["vpc_peering_connection_id"] == peering_id)
    current_tags = found.get("tags") or {}
    to_tag = missing_tags(current_tags, tags) if choice["tag"] else {}
    actions = []
    if choice["accept"]:
        actions.append(f"accept peering {peering_id}")
    if to_tag:
        actions.append(f"tag peering {peering_id} with {', '.join(to_tag)}")
    before_status = chosen["status"]
    # The route tables are read and judged before any change: a missing table or a route of someone
    # else in the way fails the run before the accept.
    planned = plan_return_routes(client, vpc_id, return_routes, peering_id, choice["owned_targets"])
    if planned is not None:
        result["route_tables"] = planned["route_tables"]
        if planned["missing"] or planned["conflicts"]:
            for entry in result["route_tables"]:
                entry.update(added=[], replaced=[], deleted=[])
            module.fail_json(
                msg=f"{route_problems(planned, module.region, 'return_routes.')} (nothing was changed)", **result
            )
        for warning in planned["warnings"]:
            module.warn(warning)
    route_actions = planned["actions"] if planned is not None else []
    result.update(
        changed=bool(actions or route_actions),
        accepted=choice["accept"],
        tagged=bool(to_tag),
        actions=actions + route_actions,
    )

    if module.check_mode:
        predicted = "active" if choice["accept"] else before_status
        result["diff"] = with_route_diff(
            peering_diff(label, peering_id, before_status, predicted, current_tags, tags), planned
        )
        return result

    done = []
    try:
        if choice["accept"]:
            accepted = peerings.normalise(peerings.accept_peering(client, peering_id))
            chosen["status"] = peerings.status_code(accepted) or chosen["status"]
            done.append(actions[0])
        if to_tag:
            peerings.create_tags(client, peering_id, to_tag)
            done.append(actions[-1])
    except peerings.AnsiblePeeringError as error:
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(done)} of {len(actions) + len(route_actions)} changes",
            **dict(result, changed=bool(done), actions=done, accepted=bool(done) and choice["accept"], tagged=False),
        )
    # Until the routes are made, a failure reports the accept and the tags only.
    result.update(changed=bool(done), actions=list(done))

    if params["wait"] and chosen["status"] == PROVISIONING:
        current, still = peerings.wait_until_settled(
            client, [peering_id], params["wait_timeout"], moving=(PROVISIONING,)
        )
        chosen["status"] = peerings.status_code(current.get(peering_id)) or chosen["status"]
        if still:
            module.fail_json(
                msg=(
                    f"peering {peering_id} is still {chosen['status']} after wait_timeout {params['wait_timeout']} s; "
                    "re-run later, or raise wait_timeout"
                ),
                **result,
            )
    if chosen["status"] not in joins.ACTIVE_PEERING_STATES:
        module.fail_json(
            msg=(
                f"peering {peering_id} from {requester_text(params)} ({account}) is {chosen['status']}"
                f"{' after the accept' if choice['accept'] else ''}; ask the gateway side for a new request"
            ),
            **result,
        )
    if route_actions:
        routed = []
        try:
            apply_route_plans(client, planned["plans"], routed)
        except AnsibleEc2NetworkError as error:
            module.fail_json_aws(
                error.exception,
                msg=f"{error.message} after {len(done) + len(routed)} of {len(actions) + len(route_actions)} changes",
                **dict(result, changed=bool(done or routed), actions=done + routed),
            )
        result.update(changed=True, actions=done + routed)
    result["diff"] = with_route_diff(
        peering_diff(label, peering_id, before_status, chosen["status"], current_tags, tags), planned
    )
    return result


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        requester_account_id=dict(type="str", required=True),
        requester_vpc_id=dict(type="str", default=""),
        requester_vpc_cidr=dict(type="str", default=""),
        tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
        return_routes=dict(
            type="dict",
            options=dict(
                route_table_ids=dict(type="list", elements="str"),
                subnet_ids=dict(type="list", elements="str"),
                main_table=dict(type="bool", default=False),
                destinations=dict(type="list", elements="str", default=[]),
                purge=dict(type="bool", default=False),
                replace_targets=dict(type="list", elements="str", default=[]),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    return_routes, bad_routes = check_return_routes(module.params["return_routes"])
    problems = check_params(module.params) + bad_routes
    if problems:
        module.fail_json(msg=f"{'; '.join(problems)} (nothing was changed)")
    client = module.client("ec2")
    try:
        result = run(module, client, return_routes)
    except (peerings.AnsiblePeeringError, AnsibleEc2NetworkError) as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
