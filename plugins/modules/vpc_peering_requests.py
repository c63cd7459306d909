#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_peering_requests
version_added: 0.3.0
short_description: Request a VPC peering from one VPC to each of many peer VPCs, in one call
description:
  - The requester side of the peerings between one VPC (the shared gateway's) and many peer VPCs,
    possibly in other accounts and regions, reconciled by list in one module call. One
    DescribeVpcPeeringConnections call finds the requests of O(vpc_id), and a request is made,
    tagged at creation, only for each listed peer that has no live one.
  - A live request is one in state C(initiating-request), C(pending-acceptance), C(provisioning) or
    C(active), from O(vpc_id) to the peer's VPC in the peer's account. An active one wins over a
    pending one. A live request that lacks some of the listed tags gets them (CreateTags, no purge).
  - Requests of ours (tags C(ManagedBy=multiaccount.apigateway) and C(multiaccount:gateway=<gateway>))
    to a peer that is no longer listed, or to another VPC of a listed peer, are returned in
    RV(stale) and left alone; the caller deletes them once no route goes through them. Requests
    without our tags are never returned as stale.
  - A listed peer with an empty O(peerings[].vpc_id) (its VPC is not known in this run) is returned
    in RV(unknown). Nothing is requested for it and its requests are not stale.
  - The module does not accept the requests; the peer account does (see M(multiaccount.apigateway.vpc_peering_accept)).
  - With O(routes), the same run routes each peer's O(peerings[].cidrs) through the peer's request in
    the listed route tables of this account, exactly as M(multiaccount.apigateway.vpc_routes) would,
    with every request of ours from O(vpc_id) (live or stale) as the owned targets. AWS takes a route
    to a request that is still C(pending-acceptance) (it is a blackhole until the peer accepts), so
    the routes go in right after the requests. The tables are read and judged before any change, so
    a missing table or a route of someone else in the way fails the module with nothing changed.
  - Every input is checked before any AWS call and errors name the field.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  vpc_id:
    description:
      - The requester VPC (C(vpc-...)) in this account and region.
    type: str
    required: true
  gateway:
    description:
      - Value of the C(multiaccount:gateway) ownership tag. Requests with this tag and
        C(ManagedBy=multiaccount.apigateway) are ours (see RV(stale)).
    type: str
    required: true
  peerings:
    description:
      - One entry per peer VPC. A peer named twice is an error.
    type: list
    elements: dict
    default: []
    suboptions:
      provider:
        description:
          - A name for the peer (the inventory host of the provider account). It keys RV(live).
        type: str
        required: true
      account_id:
        description:
          - The 12-digit AWS account that owns the peer VPC.
        type: str
        required: true
      vpc_id:
        description:
          - The peer VPC (C(vpc-...)); empty when not known in this run (see RV(unknown)).
        type: str
        default: ""
      region:
        description:
          - The peer VPC's region; empty or this module's region for a same-region peering.
        type: str
        default: ""
      tags:
        description:
          - Tags of the request (set at creation, added to an existing request that lacks them).
        type: dict
        default: {}
      cidrs:
        description:
          - With O(routes), the IPv4 CIDR blocks of the peer VPC, each routed through the peer's
            request. A destination listed twice (for one peer or two) is an error.
          - Ignored without O(routes).
        type: list
        elements: str
        default: []
      create:
        description:
          - V(false) requests nothing for this peer and leaves the routes through its live request
            alone (they are neither listed nor owned in this run); a live request it has is kept and
            returned in RV(live), never in RV(stale). For a peer that moves to another path (a transit
            gateway), whose old request must keep working until the new path is ready.
        type: bool
        default: true
        version_added: 0.3.0
  routes:
    description:
      - The routes to the peers through their requests, reconciled in the same run, after the
        requests (and the wait).
      - A peer gets its routes when its request is C(pending-acceptance), C(provisioning) or
        C(active); a request still C(initiating-request) (O(wait=false), or found so) gets none in
        this run and is returned in RV(inactive).
      - Omit it to leave every route table alone.
    type: dict
    suboptions:
      route_table_ids:
        description:
          - The route tables (C(rtb-...)) of this account that get the routes. A table that does
            not exist is an error, reported before any change. An empty list makes no route table call.
        type: list
        elements: str
        required: true
      purge:
        description:
          - Also delete the routes through requests of ours (RV(live) and RV(stale)) to destinations
            not listed, such as those of a peer that left.
        type: bool
        default: false
      yield_targets:
        description:
          - Route targets (ids such as C(tgw-0123...), or prefixes ending in C(-) such as V(tgw-)) whose
            routes to a listed destination are left as they are in this run - neither replaced nor a
            conflict - and returned in RV(yielded). Another step moves them once the peering is ready
            (a switch from a transit gateway back to peering).
        type: list
        elements: str
        default: []
        version_added: 0.3.0
  wait:
    description:
      - After creating requests, wait until none of them is still C(initiating-request), so that
        the peer account can accept them at once (one DescribeVpcPeeringConnections per 2 s for
        all of them together).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait with O(wait).
    type: int
    default: 120
notes:
  - Permissions needed - C(ec2:DescribeVpcPeeringConnections), C(ec2:CreateVpcPeeringConnection)
    (with C(ec2:CreateTags) for the tags at creation) and C(ec2:CreateTags).
  - With O(routes) also C(ec2:DescribeRouteTables), C(ec2:CreateRoute), C(ec2:ReplaceRoute) and
    C(ec2:DeleteRoute).
  - "API calls: one DescribeVpcPeeringConnections (filter C(requester-vpc-info.vpc-id)) and, with
    O(routes), one DescribeRouteTables; then one CreateVpcPeeringConnection per missing request, one
    CreateTags per request lacking tags, with O(wait) one DescribeVpcPeeringConnections per poll
    while a new request is still C(initiating-request), and one CreateRoute, ReplaceRoute or
    DeleteRoute per route change. A run with nothing to change makes only the reads."
  - A VPC has at most 50 active peerings by default (125 at most).
seealso:
  - module: amazon.aws.ec2_vpc_peering
  - module: multiaccount.apigateway.vpc_peering_accept
  - module: multiaccount.apigateway.vpc_routes
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Reads the requests and returns those it would create or tag, without any change.
  diff_mode:
    support: full
    details:
      - Per peer, C(<request id> (<status>)) before and after; a request this run makes shows C((new)).
      - With O(routes), per table the routes in scope as C(dest -> target) before and after.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: One peering request from the gateway VPC to each provider VPC
  multiaccount.apigateway.vpc_peering_requests:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: shared-gateway
    peerings:
      - provider: payments
        account_id: "222222222222"
        vpc_id: vpc-0123456789abcdef0
        tags:
          Name: shared-gateway-payments
          ManagedBy: multiaccount.apigateway
          multiaccount:gateway: shared-gateway
          multiaccount:provider: payments
      - provider: cards
        account_id: "333333333333"
        vpc_id: vpc-0fedcba9876543210
        region: eu-west-1
  register: requests

- name: The same, and the routes to each provider VPC through its request, in one call
  multiaccount.apigateway.vpc_peering_requests:
    vpc_id: vpc-0a1b2c3d4e5f67890
    gateway: shared-gateway
    peerings:
      - provider: payments
        account_id: "222222222222"
        vpc_id: vpc-0123456789abcdef0
        cidrs: [10.1.0.0/16]
    routes:
      route_table_ids: [rtb-0a1b2c3d4e5f67890]
      purge: true

- name: The request to payments, for the accepter side
  ansible.builtin.debug:
    msg: "{{ requests.live.payments.id }} is {{ requests.live.payments.status }}"
"""

RETURN = r"""
live:
  description: The usable request of each listed peer whose VPC is known, after the run (a new one
    is missing in check mode).
  returned: always
  type: dict
  sample:
    payments: {id: pcx-0123456789abcdef0, status: pending-acceptance, vpc_id: vpc-0123456789abcdef0}
created:
  description: The requests this run made (in check mode, would make; C(id) is then null).
  returned: always
  type: list
  elements: dict
  sample: [{provider: payments, id: pcx-0123456789abcdef0, peer_vpc_id: vpc-0123456789abcdef0,
            peer_owner_id: "222222222222", peer_region: null, status: pending-acceptance}]
retagged:
  description: The existing requests that got missing tags (C(provider), C(id), C(tags)).
  returned: always
  type: list
  elements: dict
stale:
  description: Live requests of ours from O(vpc_id) to a peer that is no longer listed or to another
    VPC of a listed peer; left alone.
  returned: always
  type: list
  elements: dict
  sample: [{provider: cards, id: pcx-0aaaaaaaaaaaaaaaa, status: active, account_id: "333333333333",
            vpc_id: vpc-0bbbbbbbbbbbbbbbb, region: us-east-1}]
unknown:
  description: Listed peers with an empty O(peerings[].vpc_id) (nothing requested or stale for them).
  returned: always
  type: list
  elements: str
inactive:
  description: With O(routes), the listed peers whose request is not routable in this run (still
    C(initiating-request)); they get no route.
  returned: always
  type: list
  elements: dict
  sample: [{provider: payments, id: pcx-0123456789abcdef0, status: initiating-request}]
yielded:
  description: With O(routes), the listed destinations left as they are because their route goes
    through one of O(routes.yield_targets).
  returned: always
  type: list
  elements: str
  sample: [10.0.0.0/16]
  version_added: 0.3.0
route_tables:
  description:
    - With O(routes), per listed table that exists, the route changes made (or that would be made in
      check mode), as RV(multiaccount.apigateway.vpc_routes#module:route_tables) of
      M(multiaccount.apigateway.vpc_routes). Empty without O(routes).
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
      sample: shared-gateway-private
    added:
      description: Routes added.
      type: list
      elements: dict
      sample: [{dest: 10.1.0.0/16, target: pcx-0123456789abcdef0}]
    replaced:
      description: Routes replaced, with the target they had before.
      type: list
      elements: dict
      sample: [{dest: 10.1.0.0/16, target: pcx-0123456789abcdef0, previous_target: pcx-0aaaaaaaaaaaaaaaa}]
    deleted:
      description: Routes deleted (with O(routes.purge)), with the target they had.
      type: list
      elements: dict
      sample: [{dest: 10.9.0.0/16, target: pcx-0aaaaaaaaaaaaaaaa}]
    conflicts:
      description: Routes of someone else to a listed destination; the module fails when there is one.
      type: list
      elements: dict
      sample: [{dest: 10.1.0.0/16, target: igw-0123456789abcdef0}]
actions:
  description: What the run changed (in check mode, would change), one line each.
  returned: always
  type: list
  elements: str
  sample:
    - request peering with payments (222222222222 vpc-0123456789abcdef0)
    - "rtb-0a1b2c3d4e5f67890 (shared-gateway-private): add route 10.1.0.0/16 -> pcx-0123456789abcdef0"
diff:
  description: Per peer, its request before and after the run; with O(routes), the routes in scope
    per table as C(dest -> target) (a request this run makes is named C((new request to <peer>))).
  returned: always
  type: dict
  sample:
    before: {peerings: {}, route_tables: {"rtb-0a1b2c3d4e5f67890": []}}
    after:
      peerings: {payments: "(new) (to 222222222222 vpc-0123456789abcdef0)"}
      route_tables: {"rtb-0a1b2c3d4e5f67890": ["10.1.0.0/16 -> (new request to payments)"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import joins, peerings
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import labelled, new_or
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    VPC_ID_RE,
    AnsibleEc2NetworkError,
    apply_route_plans,
    check_destinations,
    check_route_table_ids,
    plan_read_route_tables,
    read_route_tables,
    route_problems,
    with_route_diff,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import ACCOUNT_ID_RE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight import REGION_RE

# The route target of a request this run is still to make (check mode, and the judgement of the
# route tables before any change).
NEW_REQUEST_TARGET = "(new request to {})"


def check_params(params):
    """Problems of the input, each naming its field (empty when the input is usable)."""
    problems = []
    if not VPC_ID_RE.match(params["vpc_id"] or ""):
        problems.append(f"vpc_id: {params['vpc_id']!r} is not a VPC id (vpc-...)")
    if not (params["gateway"] or "").strip():
        problems.append("gateway: give the value of the multiaccount:gateway ownership tag")
    seen = set()
    for index, entry in enumerate(params["peerings"]):
        field = f"peerings[{index}]"
        if entry["provider"] in seen:
            problems.append(f"{field}.provider: {entry['provider']!r} is listed twice")
        seen.add(entry["provider"])
        if not ACCOUNT_ID_RE.match(str(entry["account_id"])):
            problems.append(f"{field}.account_id: {entry['account_id']!r} is not a 12-digit AWS account id")
        if entry["vpc_id"] and not VPC_ID_RE.match(entry["vpc_id"]):
            problems.append(f"{field}.vpc_id: {entry['vpc_id']!r} is not a VPC id (vpc-...)")
        if entry["region"] and not REGION_RE.match(entry["region"]):
            problems.append(f"{field}.region: {entry['region']!r} is not an AWS region name")
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout: must be 0 or more seconds")
    return problems


def check_routes(params):
    """``(checked, problems)`` of O(routes) and O(peerings[].cidrs): each problem names its field;
    ``checked`` is None without O(routes), else the table ids, the purge flag and
    ``{provider: [(field, dest)]}`` of the destinations, normalised."""
    spec = params["routes"]
    if spec is None:
        return None, []
    table_ids, problems = check_route_table_ids(spec["route_table_ids"], "routes.route_table_ids")
    checked = {
        "route_table_ids": table_ids,
        "purge": spec["purge"],
        "cidrs": {},
        "yield_targets": [str(target) for target in spec.get("yield_targets") or [] if str(target)],
        # Peers whose live request is kept without routes (create false): not owned in this run.
        "kept": {entry["provider"] for entry in params["peerings"] if entry.get("create") is False},
    }
    seen = {}
    for index, entry in enumerate(params["peerings"]):
        pairs, bad = check_destinations(entry.get("cidrs"), f"peerings[{index}].cidrs", seen)
        problems += bad
        if pairs:
            checked["cidrs"].setdefault(entry["provider"], []).extend(pairs)
    return checked, problems


def plan_routes(checked, tables, missing, live, stale, creating):
    """``plan_read_route_tables`` of the routes to the peers, and the peers that get none.

    Every CIDR of a peer goes through its live request when that one is routable
    (``joins.gateway_routes``); a request still to make (``creating``) counts as pending acceptance,
    with a placeholder target. The owned targets are every request of ours, live or stale.
    Returns ``(planned, inactive)``.
    """
    requests = {"live": {name: entry for name, entry in live.items() if name not in checked["kept"]}, "stale": stale}
    for item in creating:
        requests["live"][item["provider"]] = {
            "id": NEW_REQUEST_TARGET.format(item["provider"]),
            "status": joins.PENDING,
        }
    states = {provider: {"vpc_cidrs": [dest for _field, dest in pairs]} for provider, pairs in checked["cidrs"].items()}
    fields = {dest: field for pairs in checked["cidrs"].values() for field, dest in pairs}
    wanted = joins.gateway_routes(requests, states)
    yielded = yielded_destinations(tables, checked["yield_targets"])
    routes = {
        "route_table_ids": checked["route_table_ids"],
        "routes": [
            {"field": fields[route["dest"]], "dest": route["dest"], "target": route["vpc_peering_connection_id"]}
            for route in wanted["routes"]
            if route["dest"] not in yielded
        ],
        "owned_targets": set(wanted["owned_targets"]),
    }
    planned = plan_read_route_tables(tables, missing, routes, "present", checked["purge"])
    planned["yielded"] = sorted(yielded)
    return planned, wanted["inactive"]


def yielded_destinations(tables, yield_targets):
    """Destinations whose route, in any of ``tables``, goes through one of ``yield_targets`` (an id, or a
    prefix ending in ``-``): left as they are in this run."""
    if not yield_targets:
        return set()

    def yields(target):
        target = str(target or "")
        return any(target == item or (item.endswith("-") and target.startswith(item)) for item in yield_targets)

    return {dest for table in tables for dest, route in table["routes"].items() if yields(route["target"])}


def plan_inputs(params, region):
    """``(gateway_plan, provider_states)`` in the shape ``joins.peering_requests`` reads."""
    planned, states = [], {}
    for entry in params["peerings"]:
        peer_region = entry["region"] or region
        planned.append(
            {
                "provider": entry["provider"],
                "account_id": str(entry["account_id"]),
                "region": peer_region,
                "cross_region": peer_region != region,
                "tags": dict(entry["tags"] or {}),
                "create": entry.get("create", True),
            }
        )
        states[entry["provider"]] = {"vpc_id": entry["vpc_id"]}
    return {"name": params["gateway"], "peerings": planned}, states


def peering_view(live):
    """``{provider: "pcx-... (status)"}`` for the diff."""
    return {provider: labelled(entry["id"], entry["status"]) for provider, entry in sorted(live.items())}


def request_line(item):
    where = " ".join(part for part in (item["peer_owner_id"], item["peer_vpc_id"], item["peer_region"]) if part)
    return f"request peering with {item['provider']} ({where})"


def run(module, client, routes=None):
    """The run; ``routes``: the checked O(routes) (``check_routes``), None without it."""
    params = module.params
    region = module.region
    gateway_plan, states = plan_inputs(params, region)
    existing = [
        peerings.normalise(raw)
        for raw in peerings.describe_peerings(client, filters={"requester-vpc-info.vpc-id": [params["vpc_id"]]})
    ]
    plan = joins.peering_requests(gateway_plan, states, existing, params["vpc_id"])
    live = dict(plan["live"])
    actions = [request_line(item) for item in plan["create"]]
    actions += [f"tag peering {item['id']} of {item['provider']}" for item in plan["retag"]]
    result = dict(
        changed=bool(actions),
        live=live,
        created=[],
        retagged=plan["retag"],
        stale=plan["stale"],
        unknown=plan["unknown"],
        inactive=[],
        yielded=[],
        route_tables=[],
        actions=actions,
    )
    before = peering_view(plan["live"])
    after = dict(before)
    for item in plan["create"]:
        after[item["provider"]] = labelled(new_or(None), f"to {item['peer_owner_id']} {item['peer_vpc_id']}")

    # The route tables are read once and judged before any change: a missing table or a route of
    # someone else in the way fails the run before the first request.
    tables = missing = planned = None
    if routes is not None and routes["route_table_ids"]:
        tables, missing = read_route_tables(client, routes["route_table_ids"])
        planned, inactive = plan_routes(routes, tables, missing, live, plan["stale"], plan["create"])
        result.update(route_tables=planned["route_tables"], inactive=inactive, yielded=planned["yielded"])
        if planned["missing"] or planned["conflicts"]:
            for entry in result["route_tables"]:
                entry.update(added=[], replaced=[], deleted=[])
            module.fail_json(
                msg=f"{route_problems(planned, module.region, 'routes.')} (nothing was changed)",
                **dict(result, changed=False, actions=[]),
            )
    route_actions = planned["actions"] if planned is not None else []
    result.update(changed=bool(actions or route_actions), actions=actions + route_actions)

    if module.check_mode or not (actions or route_actions):
        warn_routes(module, planned, result["inactive"])
        result["created"] = [dict(item, id=None, status=None) for item in plan["create"]]
        result["diff"] = with_route_diff({"before": {"peerings": before}, "after": {"peerings": after}}, planned)
        return result

    done = []
    try:
        for item in plan["create"]:
            raw = peerings.create_peering(
                client, params["vpc_id"], item["peer_vpc_id"], item["peer_owner_id"], item["peer_region"], item["tags"]
            )
            made = peerings.normalise(raw)
            entry = dict(item, id=made["vpc_peering_connection_id"], status=peerings.status_code(made))
            result["created"].append(entry)
            live[item["provider"]] = {"id": entry["id"], "status": entry["status"], "vpc_id": item["peer_vpc_id"]}
            done.append(request_line(item))
        for item in plan["retag"]:
            peerings.create_tags(client, item["id"], item["tags"])
            done.append(f"tag peering {item['id']} of {item['provider']}")
    except peerings.AnsiblePeeringError as error:
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(done)} of {len(actions) + len(route_actions)} changes",
            changed=bool(done),
            actions=done,
            live=live,
            created=result["created"],
        )

    moving = [entry["id"] for entry in result["created"] if entry["status"] in ("initiating-request", None)]
    if params["wait"] and moving:
        current, still = peerings.wait_until_settled(
            client, moving, params["wait_timeout"], moving=("initiating-request",)
        )
        for entry in result["created"]:
            status = peerings.status_code(current.get(entry["id"])) or entry["status"]
            entry["status"] = status
            live[entry["provider"]]["status"] = status
        if still:
            module.fail_json(
                msg=(
                    f"peering requests {', '.join(still)} are still initiating-request after wait_timeout "
                    f"{params['wait_timeout']} s; re-run later, or raise wait_timeout"
                ),
                changed=True,
                actions=done,
                live=live,
                created=result["created"],
            )
        failed = [entry for entry in result["created"] if entry["status"] in ("failed", "rejected", "expired")]
        if failed:
            module.fail_json(
                msg="; ".join(
                    f"peering request {entry['id']} to {entry['provider']} ({entry['peer_owner_id']} "
                    f"{entry['peer_vpc_id']}) is {entry['status']}: check that the VPC exists in that account and "
                    "region and that the CIDRs do not overlap"
                    for entry in failed
                ),
                changed=True,
                actions=done,
                live=live,
                created=result["created"],
            )

    for entry in result["created"]:
        after[entry["provider"]] = labelled(entry["id"], entry["status"])
    result.update(changed=bool(done), actions=list(done))
    if planned is not None:
        # The same tables, planned again with the ids and statuses of the requests just made.
        planned, inactive = plan_routes(routes, tables, missing, live, plan["stale"], [])
        result.update(route_tables=planned["route_tables"], inactive=inactive, yielded=planned["yielded"])
        warn_routes(module, planned, inactive)
        routed = []
        try:
            apply_route_plans(client, planned["plans"], routed)
        except AnsibleEc2NetworkError as error:
            module.fail_json_aws(
                error.exception,
                msg=f"{error.message} after {len(done) + len(routed)} of {len(done) + len(planned['actions'])} changes",
                **dict(result, changed=bool(done or routed), actions=done + routed),
            )
        result.update(changed=bool(done or routed), actions=done + routed)
    result["diff"] = with_route_diff({"before": {"peerings": before}, "after": {"peerings": after}}, planned)
    return result


def warn_routes(module, planned, inactive):
    """The warnings of the route tables, and one per peer that gets no route in this run."""
    for warning in planned["warnings"] if planned is not None else []:
        module.warn(warning)
    for item in inactive:
        module.warn(
            f"peering {item['id']} to {item['provider']} is {item['status']}, neither active nor waiting for "
            "acceptance: no route to it in this run"
        )


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        gateway=dict(type="str", required=True),
        peerings=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                provider=dict(type="str", required=True),
                account_id=dict(type="str", required=True),
                vpc_id=dict(type="str", default=""),
                region=dict(type="str", default=""),
                tags=dict(type="dict", default={}),
                cidrs=dict(type="list", elements="str", default=[]),
                create=dict(type="bool", default=True),
            ),
        ),
        routes=dict(
            type="dict",
            options=dict(
                route_table_ids=dict(type="list", elements="str", required=True),
                purge=dict(type="bool", default=False),
                yield_targets=dict(type="list", elements="str", default=[]),
            ),
        ),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    routes, bad_routes = check_routes(module.params)
    problems = check_params(module.params) + bad_routes
    if problems:
        module.fail_json(msg=f"{'; '.join(problems)} (nothing was changed)")
    client = module.client("ec2")
    try:
        result = run(module, client, routes)
    except (peerings.AnsiblePeeringError, AnsibleEc2NetworkError) as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
