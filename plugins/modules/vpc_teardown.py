#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_teardown
version_added: 0.3.0
short_description: Delete a VPC this collection created, with its subnets, route tables and security groups, unless something foreign is inside
description:
  - The last step of a teardown, in the gateway account or in a provider account whose VPC the
    collection created, once the load balancers, target groups, instances and peerings of the
    collection are gone. One call per VPC.
  - Reads everything in the VPC (subnets, route tables and their routes, security groups, network
    interfaces, ELBv2 load balancers and target groups, internet gateways, live peerings) and sorts
    it into what this collection created (both ownership tags, C(ManagedBy=multiaccount.apigateway)
    and C(multiaccount:gateway=<gateway>)) and what it did not.
  - A container of ours (subnet, route table, security group, the VPC) is deleted only when it holds
    nothing foreign. A subnet that holds a foreign network interface (an instance, an endpoint) or a
    foreign load balancer stays; a route table of ours that holds a route other than the local route
    and routes through O(peering_ids) stays (only our routes leave it), as does one associated with a
    subnet or gateway that is not ours; the VPC stays when anything foreign is inside it, including
    a foreign route in its main route table, which would go with the VPC. Foreign resources are never
    modified.
  - When something had to stay, the module deletes everything else it can and then fails, naming
    each foreign resource, where it is, and which containers it kept; a later run, once those
    resources are gone, finishes the teardown.
  - The interfaces that AWS keeps for a few minutes after a load balancer is deleted (description
    C(ELB net/<name>/<id>) of a load balancer that no longer exists) are not foreign, but their
    subnets (and the VPC) cannot go yet; when they are all that keeps something, the module fails
    with RV(waiting) listing them, so that the task can retry (C(until) on RV(waiting), as the
    roles do, printing a line per retry).
  - A VPC that does not exist has nothing to delete. A VPC without both ownership tags is refused
    before any change.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  vpc_id:
    description: The VPC (C(vpc-...)).
    type: str
    required: true
  gateway:
    description: The gateway name of the C(multiaccount:gateway) ownership tag.
    type: str
    required: true
  peering_ids:
    description:
      - The peerings this collection made for the gateway (C(pcx-...)). Routes through them are ours
        and are deleted with their table; these peerings are not foreign. A peering carrying both
        ownership tags counts as ours without being listed.
    type: list
    elements: str
    default: []
  check_mode_gone:
    description:
      - "Ids or ARNs of resources that earlier tasks of the same run delete: load balancers and target groups
        (ARNs), instances (C(i-...)) and network interfaces (C(eni-...)). playbooks/teardown.yml deletes the
        gateway's load balancers and target groups, and a provider's demo instances, before this module runs."
      - "In check mode those tasks changed nothing, so the module counts the listed resources as gone when it
        decides what a real run would delete and keep: a listed load balancer or target group is left out of
        what the VPC holds, and so are the network interfaces of a listed instance, a listed interface, and
        the interfaces of a listed load balancer."
      - "Routes are written C(<route table id>:<destination>), the destination an IPv4 or IPv6 CIDR or a prefix
        list id (C(rtb-0123456789abcdef0:10.100.1.0/24)): routes that earlier tasks delete, e.g. the return routes
        through a Transit Gateway that transit_gateway_attachment deletes. In check mode a listed route is left out
        of its route table, so it keeps neither the table nor the VPC (a route of its main route table) and is not
        foreign; routes not listed count as they are."
      - "Outside check mode the option is ignored: a resource that is still there always counts."
    type: list
    elements: str
    default: []
    version_added: 0.3.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Reads only and reports what a real run would delete and keep (interfaces of deleted load balancers are assumed gone).
      - The resources and routes listed in O(check_mode_gone), which earlier tasks of a real run would have deleted, count as gone.
  diff_mode:
    support: full
    details: The containers of the VPC, before and after.
  platform:
    platforms: aws
notes:
  - "AWS API calls: DescribeVpcs, DescribeSubnets, DescribeRouteTables, DescribeSecurityGroups,
    DescribeNetworkInterfaces, DescribeInternetGateways, two DescribeVpcPeeringConnections, and
    ELBv2 DescribeLoadBalancers and DescribeTargetGroups (plus DescribeTags when the VPC holds
    some, and one more DescribeVpcPeeringConnections when routes go through peerings not in
    O(peering_ids)), then one call per deletion. IAM: those actions and ec2:DeleteRoute,
    ec2:DisassociateRouteTable, ec2:DeleteRouteTable, ec2:DeleteSecurityGroup, ec2:DeleteSubnet,
    ec2:DeleteVpc."
  - In check mode the earlier steps of a teardown (deleting the load balancers, target groups,
    instances and the return routes through a Transit Gateway) change nothing, so the VPC still holds
    them when this module runs; list them in O(check_mode_gone) so that check mode reports what the real
    run would do instead of failing on them.
"""

EXAMPLES = r"""
- name: Delete the gateway VPC once its load balancers and peerings are gone
  multiaccount.apigateway.vpc_teardown:
    vpc_id: vpc-0123456789abcdef0
    gateway: open-banking
    peering_ids: [pcx-0123456789abcdef0]

- name: Check mode of a teardown whose earlier tasks delete a load balancer, a target group and an instance
  multiaccount.apigateway.vpc_teardown:
    vpc_id: vpc-0123456789abcdef0
    gateway: open-banking
    peering_ids: [pcx-0123456789abcdef0]
    check_mode_gone:
      - arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/open-banking/50dc6c495c0c9188
      - arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/open-banking/73e2d6bc24d8a067
      - i-0123456789abcdef0
  check_mode: true

- name: Check mode of a provider's teardown whose earlier task deletes the return routes through a Transit Gateway
  multiaccount.apigateway.vpc_teardown:
    vpc_id: vpc-0123456789abcdef0
    gateway: open-banking
    check_mode_gone:
      - rtb-0123456789abcdef0:10.100.1.0/24
      - rtb-0123456789abcdef0:10.100.2.0/24
  check_mode: true
"""

RETURN = r"""
vpc_id:
  description: The VPC.
  returned: always
  type: str
deleted:
  description:
    - What was deleted (or would be, in check mode, with the resources of O(check_mode_gone) counted as gone).
  returned: always
  type: dict
  contains:
    routes:
      description: Our routes deleted from route tables that stay (C(route_table_id), C(dest), C(target)).
      type: list
      elements: dict
    route_tables:
      description: Route tables deleted (C(id), C(name)).
      type: list
      elements: dict
    security_groups:
      description: Security groups deleted (C(id), C(name)).
      type: list
      elements: dict
    subnets:
      description: Subnets deleted (C(id), C(cidr), C(az), C(name)).
      type: list
      elements: dict
    vpc:
      description: Whether the VPC was deleted.
      type: bool
  sample: {"routes": [], "route_tables": [{"id": "rtb-1", "name": "gw"}], "security_groups": [],
           "subnets": [{"id": "subnet-1", "cidr": "10.100.1.0/24", "az": "us-east-1a", "name": "gw-a"}], "vpc": true}
foreign:
  description:
    - Resources inside the VPC that this collection did not create (and load balancers and target groups of
      this collection still there); they were left as they are. In check mode, those of
      O(check_mode_gone) (and the network interfaces of listed instances and load balancers) are left out.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: C(subnet), C(route_table), C(route), C(security_group), C(interface), C(load_balancer), C(target_group), C(internet_gateway) or C(peering).
      type: str
    id:
      description: Its id or ARN (C(<route table>:<destination>) for a route).
      type: str
    label:
      description: What it is, in words.
      type: str
    where:
      description: The VPC, subnet or route table that holds it.
      type: str
kept:
  description: Containers of ours that stayed, with the reason (C(kind), C(id), C(label), C(reason)).
  returned: always
  type: list
  elements: dict
waiting:
  description:
    - Interfaces of deleted load balancers that still keep a subnet, when nothing foreign keeps
      anything; empty otherwise. A retry a few minutes later finishes the teardown.
  returned: always
  type: list
  elements: str
  sample: ["eni-0123456789abcdef0"]
actions:
  description: The changes made (or planned, in check mode), one line each.
  returned: always
  type: list
  elements: str
check_mode_assumed_gone:
  description:
    - "In check mode, what the module left out of the VPC because of O(check_mode_gone): the listed load
      balancers and target groups, and the network interfaces of the listed instances and load balancers
      and the listed interfaces, and the listed routes, that are in the VPC (a real run would have deleted
      them in an earlier task)."
    - Empty outside check mode, and when nothing listed is in the VPC.
  returned: always
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    kind:
      description: C(load_balancer), C(target_group), C(interface) or C(route).
      type: str
    id:
      description: Its ARN or id (C(<route table>:<destination>) for a route).
      type: str
    label:
      description: What it is, in words.
      type: str
  sample: [{"kind": "load_balancer", "id": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/open-banking/50dc6c495c0c9188",
            "label": "load balancer open-banking"}]
"""

import ipaddress

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import elbv2
from ansible_collections.multiaccount.apigateway.plugins.module_utils import vpc_teardown as vt
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    AnsibleEc2NetworkError,
    check_resource_id,
    delete_route,
    delete_subnet,
    describe_route_tables,
    describe_subnets,
    describe_vpcs,
    error_code,
    tags_of,
)

# What O(check_mode_gone) can leave out of the VPC, in check mode.
GONE_KINDS = ("load_balancer", "target_group", "interface", "route")

ROUTE_FORM = (
    "a route is written <route table id>:<destination>, rtb- followed by 8 or 17 hex digits, ':' and an IPv4 "
    "or IPv6 CIDR or a pl- prefix list id, e.g. rtb-0123456789abcdef0:10.100.1.0/24"
)


def check_gone(value, field):
    """One element of ``check_mode_gone``: a non-empty id or ARN, or a route ``rtb-...:<destination>``.

    A route comes back as ``vt.route_key`` writes it; raises ValueError naming ``field``.
    """
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError(
            f"{field}: must not be empty (the ARN of a load balancer or target group, an i- or eni- id, "
            "or a route rtb-...:<destination>, that an earlier task of the run deletes)"
        )
    if ":" not in text or text.lower().startswith("arn:"):
        return text
    table_id, _sep, dest = text.partition(":")
    dest = dest.strip()
    try:
        check_resource_id(table_id, "rtb", field)
        if not dest:
            raise ValueError("no destination")
        if dest.lower().startswith("pl-"):
            check_resource_id(dest, "pl", field)
        else:
            ipaddress.ip_network(dest, strict=False)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a route ({ROUTE_FORM})") from None
    return vt.route_key(table_id, dest)


def read_contents(ec2, elb, vpc, gateway):
    vpc_id = vpc["VpcId"]
    in_vpc = {"vpc-id": [vpc_id]}
    load_balancers = [lb for lb in elbv2.describe_load_balancers(elb) if lb.get("VpcId") == vpc_id]
    target_groups = [tg for tg in elbv2.describe_all_target_groups(elb) if tg.get("VpcId") == vpc_id]
    arns = [lb["LoadBalancerArn"] for lb in load_balancers] + [tg["TargetGroupArn"] for tg in target_groups]
    elb_tags = {}
    for start in range(0, len(arns), 20):
        for entry in elbv2.describe_tags(elb, arns[start : start + 20]):
            elb_tags[entry["ResourceArn"]] = tags_of(entry)
    live = {"status-code": vt.LIVE_PEERING_STATES}
    peerings = {
        p["VpcPeeringConnectionId"]: p
        for key in ("requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id")
        for p in vt.describe_peerings(ec2, dict(live, **{key: [vpc_id]}))
        if vpc_id in ((p.get("RequesterVpcInfo") or {}).get("VpcId"), (p.get("AccepterVpcInfo") or {}).get("VpcId"))
    }
    raw = {
        "vpc": vpc,
        "subnets": describe_subnets(ec2, in_vpc),
        "route_tables": describe_route_tables(ec2, in_vpc),
        "security_groups": vt.describe_security_groups(ec2, in_vpc),
        "interfaces": vt.describe_network_interfaces(ec2, in_vpc),
        "internet_gateways": vt.describe_internet_gateways(ec2, {"attachment.vpc-id": [vpc_id]}),
        "peerings": list(peerings.values()),
        "load_balancers": load_balancers,
        "target_groups": target_groups,
        "elb_tags": elb_tags,
    }
    return vt.normalise_contents(gateway, raw)


def owned_peerings(ec2, contents, listed, gateway):
    """The listed peerings, plus those that routes of the VPC go through and that carry our tags.

    Routes outlive a peering as blackholes; a deleted peering stays visible (state ``deleted``) for a
    while with its tags, so a re-run after an interrupted teardown still recognises its routes.
    """
    owned = set(listed) | {p["id"] for p in contents["peerings"] if p["ours"]}
    through = sorted(
        {r["target"] for t in contents["route_tables"] for r in t["routes"] if r["target"].startswith("pcx-")} - owned
    )
    if through:
        found = vt.describe_peerings(ec2, {"vpc-peering-connection-id": through})
        described = vt.normalise_contents(gateway, {"vpc": {"VpcId": "-"}, "peerings": found})["peerings"]
        owned |= {p["id"] for p in described if p["ours"] and p["id"] in through}
    return sorted(owned)


def containers(contents, gone=None):
    """Diff view: our containers in the VPC (those in ``gone`` left out)."""
    gone = gone or set()
    vpc = contents["vpc"]
    if vpc["id"] in gone:
        return {}
    return {
        "vpc": f"{vpc['id']} {vpc['cidr']}" + (f" ({vpc['name']})" if vpc["name"] else ""),
        "subnets": [f"{s['id']} {s['cidr']}" for s in contents["subnets"] if s["ours"] and s["id"] not in gone],
        "route_tables": [t["id"] for t in contents["route_tables"] if t["ours"] and t["id"] not in gone],
        "security_groups": [
            g["id"] for g in contents["security_groups"] if g["ours"] and not g["default"] and g["id"] not in gone
        ],
    }


def planned_actions(plan):
    actions = [f"delete route {r['dest']} -> {r['target']} from {r['route_table_id']}" for r in plan["delete_routes"]]
    actions += [f"disassociate {a['route_table_id']} from {a['subnet_id']}" for a in plan["disassociate"]]
    actions += [f"delete route table {t['id']}" for t in plan["delete_route_tables"]]
    actions += [f"delete security group {g['id']} ({g['name']})" for g in plan["delete_security_groups"]]
    actions += [f"delete subnet {s['id']} {s['cidr']}" for s in plan["delete_subnets"]]
    return actions


def apply(module, ec2, vpc_id, plan):
    """Delete in dependency order; a DependencyViolation keeps the container (and the VPC)."""
    done = []
    deleted = {"routes": [], "route_tables": [], "security_groups": [], "subnets": [], "vpc": False}

    def attempt(kind, resource_id, label, call, *args):
        try:
            call(ec2, *args)
        except AnsibleEc2NetworkError as error:
            if error_code(error) != "DependencyViolation":
                module.fail_json_aws(
                    error.exception,
                    msg=f"{error.message} {resource_id} after {len(done)} deletion(s)",
                    actions=done,
                    deleted=deleted,
                )
            plan["kept"].append(
                {"kind": kind, "id": resource_id, "label": label, "reason": "still in use (DependencyViolation)"}
            )
            return False
        return True

    for route in plan["delete_routes"]:
        if attempt(
            "route",
            route["route_table_id"],
            route["route_table_id"],
            delete_route,
            route["route_table_id"],
            route["dest"],
        ):
            deleted["routes"].append(route)
            done.append(f"delete route {route['dest']} -> {route['target']} from {route['route_table_id']}")
    for association in plan["disassociate"]:
        vt.disassociate_route_table(ec2, association["association_id"])
        done.append(f"disassociate {association['route_table_id']} from {association['subnet_id']}")
    for table in plan["delete_route_tables"]:
        if attempt("route_table", table["id"], f"route table {table['id']}", vt.delete_route_table, table["id"]):
            deleted["route_tables"].append(table)
            done.append(f"delete route table {table['id']}")
    for group in plan["delete_security_groups"]:
        if attempt(
            "security_group",
            group["id"],
            f"security group {group['id']} ({group['name']})",
            vt.delete_security_group,
            group["id"],
        ):
            deleted["security_groups"].append(group)
            done.append(f"delete security group {group['id']} ({group['name']})")
    for subnet in plan["delete_subnets"]:
        if attempt("subnet", subnet["id"], f"subnet {subnet['id']} {subnet['cidr']}", delete_subnet, subnet["id"]):
            deleted["subnets"].append(subnet)
            done.append(f"delete subnet {subnet['id']} {subnet['cidr']}")
    if plan["delete_vpc"] and not plan["kept"]:
        if attempt("vpc", vpc_id, f"VPC {vpc_id}", vt.delete_vpc, vpc_id):
            deleted["vpc"] = True
            done.append(f"delete VPC {vpc_id}")
    elif plan["delete_vpc"]:
        reasons = "; ".join(k["label"] for k in plan["kept"])
        plan["kept"].append({"kind": "vpc", "id": vpc_id, "label": f"VPC {vpc_id}", "reason": f"holds {reasons}"})
        plan["delete_vpc"] = False
    return done, deleted


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        gateway=dict(type="str", required=True),
        peering_ids=dict(type="list", elements="str", default=[]),
        check_mode_gone=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        vpc_id = check_resource_id(params["vpc_id"], "vpc", "vpc_id")
        peering_ids = [check_resource_id(p, "pcx", f"peering_ids[{i}]") for i, p in enumerate(params["peering_ids"])]
        if not str(params["gateway"]).strip():
            raise ValueError("gateway: must not be empty (the value of the multiaccount:gateway tag)")
        check_mode_gone = [
            check_gone(item, f"check_mode_gone[{i}]") for i, item in enumerate(params["check_mode_gone"])
        ]
    except ValueError as error:
        module.fail_json(msg=str(error))

    result = {
        "changed": False,
        "vpc_id": vpc_id,
        "deleted": {"routes": [], "route_tables": [], "security_groups": [], "subnets": [], "vpc": False},
        "foreign": [],
        "kept": [],
        "waiting": [],
        "actions": [],
        "check_mode_assumed_gone": [],
    }
    ec2 = module.client("ec2")
    elb = module.client("elbv2")
    try:
        found = describe_vpcs(ec2, [vpc_id])
        if not found:
            module.exit_json(**result)
        contents = read_contents(ec2, elb, found[0], params["gateway"])
        if not contents["vpc"]["ours"]:
            module.fail_json(
                msg=(
                    f"vpc_id: {vpc_id} does not carry both ownership tags (ManagedBy=multiaccount.apigateway, "
                    f"multiaccount:gateway={params['gateway']}): this collection did not create it, nothing was deleted"
                ),
                **result,
            )
        before = containers(contents)
        peering_ids = owned_peerings(ec2, contents, peering_ids, params["gateway"])
        if module.check_mode:
            if check_mode_gone:
                # Earlier tasks of a real run delete these; in check mode they changed nothing.
                remaining = vt.without_gone(contents, check_mode_gone)
                result["check_mode_assumed_gone"] = vt.left_out(contents, remaining)
                contents = remaining
            plan = vt.plan_teardown(contents, peering_ids, transient_gone=True)
            done = planned_actions(plan) + ([f"delete VPC {vpc_id}"] if plan["delete_vpc"] else [])
            deleted = {
                "routes": plan["delete_routes"],
                "route_tables": plan["delete_route_tables"],
                "security_groups": plan["delete_security_groups"],
                "subnets": plan["delete_subnets"],
                "vpc": plan["delete_vpc"],
            }
        else:
            plan = vt.plan_teardown(contents, peering_ids)
            done, deleted = apply(module, ec2, vpc_id, plan)
    except (AnsibleEc2NetworkError, elbv2.AnsibleELBv2Error) as error:
        module.fail_json_aws_error(error)

    gone = {t["id"] for t in deleted["route_tables"]} | {g["id"] for g in deleted["security_groups"]}
    gone |= {s["id"] for s in deleted["subnets"]} | ({vpc_id} if deleted["vpc"] else set())
    result.update(
        changed=bool(done),
        deleted=deleted,
        foreign=plan["foreign"],
        kept=plan["kept"],
        waiting=[] if plan["foreign"] else [e["id"] for e in vt.transient_interfaces(contents)],
        actions=done,
        diff={"before": before, "after": containers(contents, gone)},
    )
    if plan["kept"]:
        msg = vt.failure_message(vpc_id, plan, len(done), module.check_mode)
        if module.check_mode and any(f["kind"] in GONE_KINDS for f in plan["foreign"]):
            msg += (
                " In check mode, list in check_mode_gone the load balancers, target groups, instances and"
                " routes (<route table id>:<destination>) that earlier tasks of the run delete."
            )
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
