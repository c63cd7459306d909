# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What is inside a VPC this collection created, and how to tear it down without orphaning anything.

Two halves, as in ``ec2_network``:

* thin API layer for the EC2 reads and deletes that ``ec2_network`` does not have (security
  groups, network interfaces, internet gateways, peerings, route table deletion), each retried
  with the collection's backoff;
* pure logic with no boto3: ``normalise_contents`` turns the raw reads into one description of
  the VPC, and ``plan_teardown`` decides, container by container, what can go and what must stay.

The rule: a container this collection created (the VPC, its subnets, route tables and security
groups, all carrying both ownership tags) is deleted only when nothing it holds was made by someone
else. Anything else inside (a subnet, route table, security group, load balancer, target group,
network interface, internet gateway or peering without our tags, a route that is neither the local
route nor one through our own peerings) is *foreign*: it stays, and so does every container of
ours that holds it, directly or through the VPC. Foreign routes are never deleted, not even with
their table: a table of ours that holds one stays, and only our routes leave it. The interfaces
that AWS keeps for a few minutes after a load balancer is deleted are *transient*, not foreign:
they keep their subnets for now, and the module reports them as ``waiting`` so that the task retries.
In check mode, ``without_gone`` leaves out of the description what earlier tasks of the same run
delete (load balancers, target groups, instances, routes), since those tasks changed nothing.
"""

import ipaddress
import re

from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    PEERING_PREFIX,
    PROPAGATED_ORIGIN,
    Ec2NetworkErrorHandler,
    _filters,
    cidr_key,
    is_ours,
    route_target,
    tags_of,
)

# Peering states in which a peering still joins the VPC to another one.
LIVE_PEERING_STATES = ["initiating-request", "pending-acceptance", "provisioning", "active"]

# "ELB net/<name>/<id>" or "ELB app/<name>/<id>": the description of a load balancer's interfaces.
LB_INTERFACE_RE = re.compile(r"^ELB (?P<kind>net|app|gwy)/(?P<name>[^/]+)/(?P<id>[0-9a-f]+)$")


# ---------------------------------------------------------------------------------------------
# API calls
# ---------------------------------------------------------------------------------------------


@Ec2NetworkErrorHandler.list_error_handler("describe security groups", [])
@aws_retry
def describe_security_groups(client, filters):
    paginator = client.get_paginator("describe_security_groups")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["SecurityGroups"]


@Ec2NetworkErrorHandler.list_error_handler("describe network interfaces", [])
@aws_retry
def describe_network_interfaces(client, filters):
    paginator = client.get_paginator("describe_network_interfaces")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["NetworkInterfaces"]


@Ec2NetworkErrorHandler.list_error_handler("describe internet gateways", [])
@aws_retry
def describe_internet_gateways(client, filters):
    paginator = client.get_paginator("describe_internet_gateways")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["InternetGateways"]


@Ec2NetworkErrorHandler.list_error_handler("describe VPC peering connections", [])
@aws_retry
def describe_peerings(client, filters):
    paginator = client.get_paginator("describe_vpc_peering_connections")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["VpcPeeringConnections"]


@Ec2NetworkErrorHandler.deletion_error_handler("delete security group")
@aws_retry
def delete_security_group(client, group_id):
    client.delete_security_group(GroupId=group_id)
    return True


@Ec2NetworkErrorHandler.deletion_error_handler("disassociate route table")
@aws_retry
def disassociate_route_table(client, association_id):
    client.disassociate_route_table(AssociationId=association_id)
    return True


@Ec2NetworkErrorHandler.deletion_error_handler("delete route table")
@aws_retry
def delete_route_table(client, route_table_id):
    client.delete_route_table(RouteTableId=route_table_id)
    return True


@Ec2NetworkErrorHandler.deletion_error_handler("delete VPC")
@aws_retry
def delete_vpc(client, vpc_id):
    client.delete_vpc(VpcId=vpc_id)
    return True


# ---------------------------------------------------------------------------------------------
# Pure logic
# ---------------------------------------------------------------------------------------------


def _named(resource_id, name):
    return f"{resource_id} ({name})" if name else resource_id


def route_entry(raw):
    """Every route of a table, IPv6 and prefix lists included: ``{"dest", "target", "state", "propagated"}``."""
    dest = raw.get("DestinationCidrBlock") or raw.get("DestinationIpv6CidrBlock") or raw.get("DestinationPrefixListId")
    return {
        "dest": dest or "?",
        "target": route_target(raw) or "no target",
        "state": raw.get("State") or "active",
        "propagated": raw.get("Origin") == PROPAGATED_ORIGIN,
    }


def route_label(route):
    text = f"route {route['dest']} -> {route['target']}"
    if route["state"] == "blackhole":
        text += " (blackhole)"
    if route["propagated"]:
        text += " (propagated)"
    return text


def interface_label(eni):
    parts = [eni["description"]] if eni["description"] else []
    if eni["instance_id"]:
        parts.append(f"instance {eni['instance_id']}")
    if eni["type"] and eni["type"] != "interface":
        parts.append(eni["type"])
    return f"network interface {eni['id']}" + (f" ({', '.join(parts)})" if parts else "")


def normalise_contents(gateway, raw):
    """One description of a VPC and everything in it, from the raw reads of ``raw`` (a dict of lists).

    ``raw`` keys: ``vpc`` (a DescribeVpcs entry), ``subnets``, ``route_tables``, ``security_groups``,
    ``interfaces``, ``internet_gateways``, ``peerings`` (EC2), ``load_balancers``, ``target_groups``
    (ELBv2, only those of the VPC) and ``elb_tags`` (ARN -> tag dict).
    """
    vpc = raw["vpc"]
    vpc_tags = tags_of(vpc)
    elb_tags = raw.get("elb_tags") or {}
    subnets = sorted(
        (
            {
                "id": s["SubnetId"],
                "cidr": s.get("CidrBlock"),
                "az": s.get("AvailabilityZone"),
                "name": tags_of(s).get("Name"),
                "ours": is_ours(tags_of(s), gateway),
            }
            for s in raw.get("subnets") or []
        ),
        key=lambda s: cidr_key(s["cidr"]) if s["cidr"] else (0, 0),
    )
    tables = []
    for t in raw.get("route_tables") or []:
        associations = [
            a for a in t.get("Associations") or [] if (a.get("AssociationState") or {}).get("State") != "disassociated"
        ]
        tables.append(
            {
                "id": t["RouteTableId"],
                "name": tags_of(t).get("Name"),
                "ours": is_ours(tags_of(t), gateway),
                "main": any(a.get("Main") for a in associations),
                "routes": [route_entry(r) for r in t.get("Routes") or []],
                "associations": [
                    {
                        "id": a.get("RouteTableAssociationId"),
                        "subnet_id": a.get("SubnetId"),
                        "gateway_id": a.get("GatewayId"),
                    }
                    for a in associations
                    if not a.get("Main")
                ],
            }
        )
    groups = [
        {
            "id": g["GroupId"],
            "name": g.get("GroupName"),
            "default": g.get("GroupName") == "default",
            "ours": is_ours(tags_of(g), gateway),
        }
        for g in raw.get("security_groups") or []
    ]
    interfaces = []
    for e in raw.get("interfaces") or []:
        match = LB_INTERFACE_RE.match(e.get("Description") or "")
        interfaces.append(
            {
                "id": e["NetworkInterfaceId"],
                "subnet_id": e.get("SubnetId"),
                "description": e.get("Description") or "",
                "instance_id": (e.get("Attachment") or {}).get("InstanceId"),
                "type": e.get("InterfaceType") or "interface",
                "load_balancer": f"{match['kind']}/{match['name']}/{match['id']}" if match else None,
            }
        )
    load_balancers = [
        {
            "arn": lb["LoadBalancerArn"],
            "name": lb.get("LoadBalancerName"),
            "suffix": lb["LoadBalancerArn"].split(":loadbalancer/", 1)[-1],
            "subnet_ids": sorted(z.get("SubnetId") for z in lb.get("AvailabilityZones") or [] if z.get("SubnetId")),
            "ours": is_ours(elb_tags.get(lb["LoadBalancerArn"]), gateway),
        }
        for lb in raw.get("load_balancers") or []
    ]
    target_groups = [
        {
            "arn": tg["TargetGroupArn"],
            "name": tg.get("TargetGroupName"),
            "ours": is_ours(elb_tags.get(tg["TargetGroupArn"]), gateway),
        }
        for tg in raw.get("target_groups") or []
    ]
    igws = [{"id": i["InternetGatewayId"], "name": tags_of(i).get("Name")} for i in raw.get("internet_gateways") or []]
    peerings = [
        {
            "id": p["VpcPeeringConnectionId"],
            "status": (p.get("Status") or {}).get("Code"),
            "ours": is_ours(tags_of(p), gateway),
            "requester": (p.get("RequesterVpcInfo") or {}).get("VpcId"),
            "accepter": (p.get("AccepterVpcInfo") or {}).get("VpcId"),
        }
        for p in raw.get("peerings") or []
    ]
    return {
        "vpc": {
            "id": vpc["VpcId"],
            "cidr": vpc.get("CidrBlock"),
            "name": vpc_tags.get("Name"),
            "ours": is_ours(vpc_tags, gateway),
        },
        "subnets": subnets,
        "route_tables": sorted(tables, key=lambda t: t["id"]),
        "security_groups": sorted(groups, key=lambda g: g["id"]),
        "interfaces": sorted(interfaces, key=lambda e: e["id"]),
        "load_balancers": sorted(load_balancers, key=lambda lb: lb["arn"]),
        "target_groups": sorted(target_groups, key=lambda tg: tg["arn"]),
        "internet_gateways": sorted(igws, key=lambda i: i["id"]),
        "peerings": sorted(peerings, key=lambda p: p["id"]),
    }


def transient_interfaces(contents):
    """Interfaces of load balancers that no longer exist: AWS removes them within minutes."""
    live = {lb["suffix"] for lb in contents["load_balancers"]}
    return [e for e in contents["interfaces"] if e["load_balancer"] and e["load_balancer"] not in live]


def route_key(table_id, dest):
    """``<route table id>:<destination>``, the id of a route; a CIDR destination in its canonical form."""
    dest = str(dest).strip()
    try:
        dest = str(ipaddress.ip_network(dest, strict=False))
    except ValueError:
        dest = dest.lower()
    return f"{str(table_id).strip().lower()}:{dest}"


def gone_route_keys(gone):
    """The routes among the ids of ``gone`` (``rtb-...:<destination>``), as ``route_key`` writes them."""
    keys = set()
    for item in gone or []:
        table_id, sep, dest = str(item).strip().partition(":")
        if sep and table_id.lower().startswith("rtb-") and dest.strip():
            keys.add(route_key(table_id, dest))
    return keys


def without_gone(contents, gone):
    """A copy of ``contents`` without what earlier tasks of the same run delete (check mode).

    ``gone``: ids and ARNs of resources that a real run would have deleted before this one: load
    balancers and target groups (ARNs), instances (``i-...``), network interfaces (``eni-...``) and
    routes (``<route table id>:<destination>``, e.g. ``rtb-0123456789abcdef0:10.100.1.0/24``).
    Left out: the listed load balancers and target groups, the listed interfaces, the interfaces of a
    listed instance and those of a listed load balancer (``load_balancer`` is the suffix of its ARN),
    and the listed routes of their tables (never the local route, which no task can delete).
    Anything in ``gone`` that is not in the VPC is ignored; ``contents`` is not modified.
    """
    gone = {str(item).strip() for item in gone or [] if str(item).strip()}
    if not gone:
        return dict(contents)
    routes = gone_route_keys(gone)
    load_balancers = [lb for lb in contents["load_balancers"] if lb["arn"] not in gone]
    removed = {lb["suffix"] for lb in contents["load_balancers"] if lb["arn"] in gone}
    return dict(
        contents,
        route_tables=[
            dict(
                table,
                routes=[
                    r
                    for r in table["routes"]
                    if r["target"] == "local" or route_key(table["id"], r["dest"]) not in routes
                ],
            )
            for table in contents["route_tables"]
        ],
        load_balancers=load_balancers,
        target_groups=[tg for tg in contents["target_groups"] if tg["arn"] not in gone],
        interfaces=[
            eni
            for eni in contents["interfaces"]
            if eni["id"] not in gone
            and not (eni["instance_id"] and eni["instance_id"] in gone)
            and not (eni["load_balancer"] and eni["load_balancer"] in removed)
        ],
    )


def left_out(contents, remaining):
    """What ``without_gone`` left out of ``contents``: ``{"kind", "id", "label"}`` each, in the order of ``contents``."""
    kept = {
        "load_balancer": {lb["arn"] for lb in remaining["load_balancers"]},
        "target_group": {tg["arn"] for tg in remaining["target_groups"]},
        "interface": {eni["id"] for eni in remaining["interfaces"]},
        "route": {f"{t['id']}:{r['dest']}" for t in remaining["route_tables"] for r in t["routes"]},
    }
    out = [
        {"kind": "load_balancer", "id": lb["arn"], "label": f"load balancer {lb['name']}"}
        for lb in contents["load_balancers"]
        if lb["arn"] not in kept["load_balancer"]
    ]
    out += [
        {"kind": "target_group", "id": tg["arn"], "label": f"target group {tg['name']}"}
        for tg in contents["target_groups"]
        if tg["arn"] not in kept["target_group"]
    ]
    out += [
        {"kind": "interface", "id": eni["id"], "label": interface_label(eni)}
        for eni in contents["interfaces"]
        if eni["id"] not in kept["interface"]
    ]
    out += [
        {
            "kind": "route",
            "id": f"{table['id']}:{route['dest']}",
            "label": f"{route_label(route)} in route table {_named(table['id'], table['name'])}",
        }
        for table in contents["route_tables"]
        for route in table["routes"]
        if f"{table['id']}:{route['dest']}" not in kept["route"]
    ]
    return out


def route_is_ours(route, owned_peerings):
    """The local route, or a route through one of our peerings (even a blackhole one, once deleted)."""
    return route["target"] == "local" or (
        not route["propagated"] and route["target"].startswith(PEERING_PREFIX) and route["target"] in owned_peerings
    )


def plan_teardown(contents, owned_peerings, transient_gone=False):
    """What to delete and what must stay, for one VPC of ours.

    ``owned_peerings``: ids of the peerings this collection made for the gateway (routes through them
    are ours; they are not foreign). Transient interfaces keep their subnets (with a reason saying to
    run again) unless ``transient_gone`` (check mode: the real run would wait for them).

    Returns ``{"delete_routes", "disassociate", "delete_route_tables", "delete_security_groups",
    "delete_subnets", "delete_vpc", "foreign", "kept"}``; ``foreign`` entries are
    ``{"kind", "id", "label", "where"}`` (``where``: the container that holds it), ``kept`` entries
    ``{"kind", "id", "label", "reason"}``.
    """
    vpc = contents["vpc"]
    vpc_label = _named(vpc["id"], vpc["name"]) + (f" {vpc['cidr']}" if vpc["cidr"] else "")
    owned_peerings = set(owned_peerings or [])
    subnets = {s["id"]: s for s in contents["subnets"]}
    foreign, kept = [], []

    def add_foreign(kind, resource_id, label, where):
        foreign.append({"kind": kind, "id": resource_id, "label": label, "where": where})

    for subnet in contents["subnets"]:
        if not subnet["ours"]:
            add_foreign(
                "subnet", subnet["id"], f"subnet {_named(subnet['id'], subnet['name'])} {subnet['cidr']}", vpc["id"]
            )
    for group in contents["security_groups"]:
        if not group["ours"] and not group["default"]:
            add_foreign(
                "security_group", group["id"], f"security group {_named(group['id'], group['name'])}", vpc["id"]
            )
    for lb in contents["load_balancers"]:
        label = f"load balancer {lb['name']}" + (" (of this collection, still there)" if lb["ours"] else "")
        add_foreign("load_balancer", lb["arn"], label, vpc["id"])
    for tg in contents["target_groups"]:
        label = f"target group {tg['name']}" + (" (of this collection, still there)" if tg["ours"] else "")
        add_foreign("target_group", tg["arn"], label, vpc["id"])
    for igw in contents["internet_gateways"]:
        add_foreign(
            "internet_gateway", igw["id"], f"internet gateway {_named(igw['id'], igw['name'])} (attached)", vpc["id"]
        )
    for peering in contents["peerings"]:
        if peering["id"] not in owned_peerings and not peering["ours"] and peering["status"] in LIVE_PEERING_STATES:
            other = peering["accepter"] if peering["requester"] == vpc["id"] else peering["requester"]
            add_foreign(
                "peering", peering["id"], f"peering {peering['id']} with {other} ({peering['status']})", vpc["id"]
            )

    transient = {e["id"] for e in transient_interfaces(contents)}
    blocked_subnets = {}
    for eni in contents["interfaces"]:
        if eni["id"] in transient:
            if not transient_gone:
                blocked_subnets.setdefault(eni["subnet_id"], []).append(
                    f"{interface_label(eni)}, which AWS removes within minutes of its deleted load balancer: run again"
                )
            continue
        add_foreign("interface", eni["id"], interface_label(eni), eni["subnet_id"] or vpc["id"])
        blocked_subnets.setdefault(eni["subnet_id"], []).append(interface_label(eni))
    for lb in contents["load_balancers"]:
        for subnet_id in lb["subnet_ids"]:
            blocked_subnets.setdefault(subnet_id, []).append(f"load balancer {lb['name']}")

    delete_subnets = []
    for subnet in contents["subnets"]:
        if not subnet["ours"]:
            continue
        label = f"subnet {_named(subnet['id'], subnet['name'])} {subnet['cidr']}"
        if subnet["id"] in blocked_subnets:
            reason = "holds " + ", ".join(sorted(set(blocked_subnets[subnet["id"]])))
            kept.append({"kind": "subnet", "id": subnet["id"], "label": label, "reason": reason})
        else:
            delete_subnets.append(
                {"id": subnet["id"], "cidr": subnet["cidr"], "az": subnet["az"], "name": subnet["name"]}
            )

    going = {subnet["id"] for subnet in delete_subnets}

    delete_routes, disassociate, delete_tables = [], [], []
    for table in contents["route_tables"]:
        label = f"route table {_named(table['id'], table['name'])}"
        foreign_routes = [r for r in table["routes"] if not route_is_ours(r, owned_peerings)]
        if not table["ours"] and not table["main"]:
            add_foreign("route_table", table["id"], label, vpc["id"])
            continue
        for route in foreign_routes:
            add_foreign("route", f"{table['id']}:{route['dest']}", f"{route_label(route)} in {label}", table["id"])
        if table["main"]:
            continue  # the main table goes with the VPC, and only with it
        reasons = [f"holds {route_label(r)}" for r in foreign_routes]
        # Our subnets that go leave the table first (moto keeps the associations of deleted subnets);
        # a subnet that stays keeps its table, so that nothing changes for what it holds.
        # An association with a subnet that no longer exists (the emulator keeps them) goes too.
        leaving = [
            a
            for a in table["associations"]
            if a["subnet_id"] in going or (a["subnet_id"] and a["subnet_id"] not in subnets)
        ]
        for association in table["associations"]:
            subnet = subnets.get(association["subnet_id"])
            if association in leaving:
                continue
            if association["gateway_id"] or not subnet or not subnet["ours"]:
                what = association["gateway_id"] or association["subnet_id"]
                reasons.append(f"associated with {what}, which is not ours")
            else:
                reasons.append(f"associated with {association['subnet_id']}, which stays")
        disassociate.extend(
            {"route_table_id": table["id"], "association_id": a["id"], "subnet_id": a["subnet_id"]} for a in leaving
        )
        if reasons:
            kept.append({"kind": "route_table", "id": table["id"], "label": label, "reason": "; ".join(reasons)})
            delete_routes.extend(
                {"route_table_id": table["id"], "dest": r["dest"], "target": r["target"]}
                for r in table["routes"]
                if r["target"] != "local" and route_is_ours(r, owned_peerings)
            )
        else:
            delete_tables.append({"id": table["id"], "name": table["name"]})

    delete_groups = [
        {"id": g["id"], "name": g["name"]} for g in contents["security_groups"] if g["ours"] and not g["default"]
    ]

    delete_vpc = not foreign and not kept
    if not delete_vpc:
        held = [f"{len(foreign)} resource(s) this collection did not create"] if foreign else []
        held += [k["label"] for k in kept]
        kept.append({"kind": "vpc", "id": vpc["id"], "label": f"VPC {vpc_label}", "reason": "holds " + ", ".join(held)})
    return {
        "delete_routes": delete_routes,
        "disassociate": disassociate,
        "delete_route_tables": delete_tables,
        "delete_security_groups": delete_groups,
        "delete_subnets": delete_subnets,
        "delete_vpc": delete_vpc,
        "foreign": foreign,
        "kept": kept,
    }


def failure_message(vpc_id, plan, done_count, check_mode=False):
    """The message of a teardown that had to keep containers: what stays, why, and what to do."""
    containers = ", ".join(k["label"] for k in plan["kept"])
    verb = "would keep" if check_mode else "kept"
    lines = [f"{verb} {containers}: they hold resources this collection did not create (or cannot delete)."]
    if plan["foreign"]:
        lines.append(
            "Not created by this collection, left as they are: "
            + "; ".join(
                f["label"] if f["kind"] == "route" else f"{f['label']} in {f['where']}" for f in plan["foreign"]
            )
            + "."
        )
    reasons = [f"{k['label']}: {k['reason']}" for k in plan["kept"] if k["kind"] != "vpc"]
    if reasons:
        lines.append("Why: " + "; ".join(reasons) + ".")
    lines.append(
        f"{'Would do' if check_mode else 'Done'} in {vpc_id}: {done_count} change(s) to what this collection made. "
        "Remove or move the resources "
        "named above (or keep the VPC), then run the teardown again."
    )
    return " ".join(lines)
