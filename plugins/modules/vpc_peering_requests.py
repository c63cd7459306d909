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
  - "API calls: one DescribeVpcPeeringConnections (filter C(requester-vpc-info.vpc-id)); then one
    CreateVpcPeeringConnection per missing request, one CreateTags per request lacking tags, and
    with O(wait) one DescribeVpcPeeringConnections per poll while a new request is still
    C(initiating-request). A run with nothing to change makes only the first call."
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
    details: Per peer, C(<request id> (<status>)) before and after; a request this run makes shows C((new)).
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
actions:
  description: What the run changed (in check mode, would change), one line each.
  returned: always
  type: list
  elements: str
  sample: ["request peering with payments (222222222222 vpc-0123456789abcdef0)"]
diff:
  description: Per peer, its request before and after the run.
  returned: always
  type: dict
  sample:
    before: {peerings: {}}
    after: {peerings: {payments: "(new) (to 222222222222 vpc-0123456789abcdef0)"}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import joins, peerings
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import labelled, new_or
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import VPC_ID_RE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import ACCOUNT_ID_RE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight import REGION_RE


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


def run(module, client):
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
        actions=actions,
    )
    before = peering_view(plan["live"])
    after = dict(before)
    for item in plan["create"]:
        after[item["provider"]] = labelled(new_or(None), f"to {item['peer_owner_id']} {item['peer_vpc_id']}")

    if module.check_mode or not actions:
        result["created"] = [dict(item, id=None, status=None) for item in plan["create"]]
        result["diff"] = {"before": {"peerings": before}, "after": {"peerings": after}}
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
            msg=f"{error.message} after {len(done)} of {len(actions)} changes",
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
    result["actions"] = done
    result["diff"] = {"before": {"peerings": before}, "after": {"peerings": after}}
    return result


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
            ),
        ),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = check_params(module.params)
    if problems:
        module.fail_json(msg=f"{'; '.join(problems)} (nothing was changed)")
    client = module.client("ec2")
    try:
        result = run(module, client)
    except peerings.AnsiblePeeringError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
