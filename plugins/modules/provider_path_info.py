#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: provider_path_info
version_added: 0.1.0
short_description: Read a provider account's half of the published API paths
description:
  - Reads, in one provider account (account B) only, the hops that a request published through
    the central API Gateway crosses after the VPC peering, and returns them as one JSON snapshot
    for M(multiaccount.apigateway.path_verify).
  - For each service target IP, the network interface that holds it (looked up by private IP), its
    subnet (the interface's, or the subnet whose CIDR holds the IP when there is no interface), the
    route table that subnet uses (its explicit association, else the VPC's main table) with every
    route, and the security groups of the interface with their ingress rules.
  - The VPC peering connections of those VPCs, seen from this account (the accepter side of a
    cross-account peering, in the accepter's region).
  - With O(transit_gateway), the transit gateway VPC attachments of those VPCs and the RAM invitations this
    account received (the V(transit_gateway) connectivity).
  - With O(source_cidrs) (the subnets of the gateway's load balancer), a per-target summary is added
    under RV(provider.checks) - which peering-bound route each CIDR takes and which security group
    rules admit it on the target port - so a provider team can check its side alone.
  - Read-only. Makes no change, supports check mode, and always returns RV(ignore:changed=false).
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  account_id:
    description:
      - The account the credentials act in, when the caller knows it (the plan does); the snapshot's
        C(account_id) is then this value and no C(sts:GetCallerIdentity) call is made. Without it the
        module asks STS.
    type: str
  targets:
    description:
      - The service targets to look at.
    type: list
    elements: dict
    required: true
    suboptions:
      ip:
        description:
          - Private IPv4 address of the target.
        type: str
        required: true
      port:
        description:
          - Port the service listens on (used by the O(source_cidrs) summary).
        type: int
      service:
        description:
          - Name of the service the IP belongs to (carried into the result).
        type: str
  vpc_id:
    description:
      - Look for the targets in this VPC only. By default the VPC of the interface holding the IP,
        or the VPC whose CIDR holds it.
    type: str
  source_cidrs:
    description:
      - CIDRs traffic arrives from (the gateway load balancer's subnets). When set, RV(provider.checks)
        tells, per target, the route each CIDR takes back and whether the security groups admit it on
        the target's O(targets[].port).
    type: list
    elements: str
    default: []
  transit_gateway:
    description:
      - Also read this account's side of the V(transit_gateway) connectivity (hub and spoke) - the transit gateway
        VPC attachments of the targets' VPCs (one C(DescribeTransitGatewayVpcAttachments) filtered on the VPCs) and
        the RAM resource share invitations this account received (one C(GetResourceShareInvitations)) - into
        RV(provider.transit_gateway).
      - With V(false) (the default) no transit gateway or RAM call is made. The routes of the route tables (read
        anyway) show a transit gateway as their C(target) with C(target_type) V(transit_gateway).
    type: bool
    default: false
    version_added: 0.3.0
notes:
  - Every call is retried with jittered backoff.
  - Run it with the credentials of the provider account, in the provider VPC's region.
seealso:
  - module: multiaccount.apigateway.gateway_path_info
  - module: multiaccount.apigateway.path_verify
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Read-only; check mode makes the same reads and returns the same snapshot.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Read the payments account's half of its path
  multiaccount.apigateway.provider_path_info:
    targets:
      - {ip: 10.0.1.25, port: 8080, service: payments}
  register: payments_paths

# A provider team checks its side alone, with the gateway NLB subnets given by the platform team.
- name: Check return routes and security groups for the gateway subnets
  multiaccount.apigateway.provider_path_info:
    profile: cards-account
    region: us-west-2
    targets:
      - {ip: 10.1.1.10, port: 8081, service: cards}
      - {ip: 10.1.2.20, port: 8082, service: card-limits}
    source_cidrs: [10.100.1.0/24, 10.100.2.0/24]
  register: cards_paths

- name: Show what is missing
  ansible.builtin.debug:
    msg: "{{ cards_paths.provider.checks | selectattr('ok', 'equalto', false) | list }}"
"""

RETURN = r"""
provider:
  description: Snapshot of this account's half of the paths, the input of M(multiaccount.apigateway.path_verify).
  returned: always
  type: dict
  contains:
    account_id:
      description: The account that was read (from C(GetCallerIdentity)).
      type: str
      returned: always
      sample: "222222222222"
    region:
      description: The region that was read.
      type: str
      returned: always
      sample: us-east-1
    targets:
      description:
        - One entry per O(targets) item - C(ip), C(port), C(service), C(eni) (the interface holding the IP,
          V(null) when none - C(id), C(status), C(subnet_id), C(vpc_id), C(security_group_ids),
          C(interface_type), C(attached_to)), C(vpc_id) and C(subnet_id) (from the interface, else from
          the CIDRs that hold the IP).
      type: list
      elements: dict
      returned: always
      sample:
        - ip: 10.0.1.25
          port: 8080
          service: payments
          vpc_id: vpc-0abc
          subnet_id: subnet-0abc
          eni: {id: eni-0abc, status: in-use, subnet_id: subnet-0abc, vpc_id: vpc-0abc, security_group_ids: [sg-0abc]}
    vpcs:
      description: The VPCs holding the targets (C(id), C(cidrs)).
      type: list
      elements: dict
      returned: always
    subnets:
      description: Subnets of those VPCs (C(id), C(cidr), C(availability_zone), C(vpc_id)).
      type: list
      elements: dict
      returned: always
    route_tables:
      description: Route tables of those VPCs (C(id), C(main), C(subnet_ids), C(routes)).
      type: list
      elements: dict
      returned: always
    security_groups:
      description: Security groups of the target interfaces (C(id), C(name), C(vpc_id), C(ingress) rules with
        C(protocol), C(from_port), C(to_port), C(cidrs), C(group_pairs)).
      type: list
      elements: dict
      returned: always
    peerings:
      description: VPC peering connections of those VPCs, either side (C(id), C(status), C(requester), C(accepter)).
      type: list
      elements: dict
      returned: always
    checks:
      description:
        - Only with O(source_cidrs). Per target - C(ip), C(routes) (per source CIDR - C(cidr), C(route_table_id),
          C(destination), C(target), C(via_peering)), C(admitted) and C(missing) (source CIDRs the security
          groups admit or not on C(port)), and C(ok).
        - With O(transit_gateway) each route also has C(via_transit_gateway) (its target is a transit gateway the
          VPC has an available attachment to), which counts for C(ok) as well as C(via_peering).
      type: list
      elements: dict
      returned: always
    transit_gateway:
      description:
        - Only with O(transit_gateway). C(attachments) - the transit gateway VPC attachments of the targets' VPCs
          (C(id), C(transit_gateway_id), C(transit_gateway_owner_id), C(vpc_id), C(vpc_owner_id), C(state), C(subnet_ids),
          C(dns_support), C(tags)...), C(invitations) - the RAM resource share invitations this account received
          (C(arn), C(share_arn), C(share_name), C(sender_account_id), C(receiver_account_id), C(status)), and
          C(invitations_error) - V(null), or why the invitations could not be read (C(invitations) is then V(null)).
      type: dict
      returned: when O(transit_gateway)
      version_added: 0.3.0
      sample:
        attachments:
          - {id: tgw-attach-0p1, transit_gateway_id: tgw-0a1, vpc_id: vpc-0b2, vpc_owner_id: "222222222222",
             state: available, subnet_ids: [subnet-0b3, subnet-0b4]}
        invitations:
          - {arn: "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/0123", share_name: open-banking-tgw,
             sender_account_id: "111111111111", receiver_account_id: "222222222222", status: ACCEPTED}
        invitations_error: null
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import path_reads, ram_shares
from ansible_collections.multiaccount.apigateway.plugins.module_utils import transit_gateways as tgws
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import ip_in_cidrs, parse_cidr, parse_ipv4
from ansible_collections.multiaccount.apigateway.plugins.module_utils.topology import (
    covering_route,
    route_table_for_subnet,
    sg_admission,
)


def validate(module):
    problems = []
    for index, target in enumerate(module.params["targets"]):
        try:
            target["ip"] = str(parse_ipv4(target["ip"], f"targets[{index}].ip"))
        except ValueError as error:
            problems.append(str(error))
    for index, cidr in enumerate(module.params["source_cidrs"]):
        try:
            parse_cidr(cidr, f"source_cidrs[{index}]")
        except ValueError as error:
            problems.append(str(error))
    if problems:
        module.fail_json(msg="; ".join(problems))


def find_enis(ec2, ips, vpc_id):
    """``{ip: normalised ENI}`` for the interfaces holding the IPs (primary or secondary addresses)."""
    filters = {"addresses.private-ip-address": ips}
    if vpc_id:
        filters["vpc-id"] = [vpc_id]
    found = {}
    for raw in path_reads.describe_network_interfaces(ec2, filters):
        eni = path_reads.normalise_eni(raw)
        for ip in eni["private_ips"]:
            if ip in ips and (ip not in found or found[ip]["status"] != "in-use"):
                found[ip] = eni
    return found


INVITATION_KEYS = ("arn", "share_arn", "share_name", "sender_account_id", "receiver_account_id", "status")


def read_transit_gateway(module, ec2, vpc_ids):
    """This account's side of the transit gateway connectivity: the transit gateway VPC attachments of
    ``vpc_ids`` (one DescribeTransitGatewayVpcAttachments, none without a VPC) and the RAM invitations
    this account received (one GetResourceShareInvitations).

    The invitations only explain a missing attachment: a RAM error there (no permission, an emulator
    without RAM invitations) leaves ``invitations`` None with the error in ``invitations_error``
    instead of failing the read.
    """
    attachments = []
    if vpc_ids:
        raws = tgws.describe_transit_gateway_vpc_attachments(ec2, filters={"vpc-id": vpc_ids})
        attachments = sorted(
            (entry for entry in map(tgws.normalise_attachment, raws) if entry["vpc_id"] in vpc_ids),
            key=lambda entry: entry["id"] or "",
        )
    invitations, error = None, None
    try:
        raws = ram_shares.get_resource_share_invitations(module.client("ram"))
        invitations = [
            {key: entry.get(key) for key in INVITATION_KEYS} for entry in map(ram_shares.normalise_invitation, raws)
        ]
        invitations.sort(key=lambda entry: entry["arn"] or "")
    except AnsibleAWSError as failure:
        error = str(failure)
    return {"attachments": attachments, "invitations": invitations, "invitations_error": error}


def read_provider(module):
    params = module.params
    ec2 = module.client("ec2")
    identity = (
        {"Account": params["account_id"]}
        if params.get("account_id")
        else path_reads.get_caller_identity(module.client("sts"))
    )
    ips = sorted({target["ip"] for target in params["targets"]})
    enis = find_enis(ec2, ips, params["vpc_id"])

    all_vpcs = [
        path_reads.normalise_vpc(raw)
        for raw in path_reads.describe_vpcs(ec2, [params["vpc_id"]] if params["vpc_id"] else None)
    ]
    targets = []
    for target in params["targets"]:
        eni = enis.get(target["ip"])
        vpc_id = eni["vpc_id"] if eni else None
        if vpc_id is None:
            holders = [vpc["id"] for vpc in all_vpcs if ip_in_cidrs(target["ip"], vpc["cidrs"])]
            vpc_id = holders[0] if len(holders) == 1 else None
        targets.append(
            {
                "ip": target["ip"],
                "port": target.get("port"),
                "service": target.get("service"),
                "eni": eni,
                "vpc_id": vpc_id,
                "subnet_id": eni["subnet_id"] if eni else None,
            }
        )
    vpc_ids = sorted({target["vpc_id"] for target in targets if target["vpc_id"]})
    vpcs = [vpc for vpc in all_vpcs if vpc["id"] in vpc_ids]

    subnets, route_tables, peerings = path_reads.read_vpc_network(ec2, vpc_ids)
    for target in targets:
        if target["subnet_id"] is None and target["vpc_id"]:
            holders = [
                s
                for s in subnets
                if s["vpc_id"] == target["vpc_id"] and s["cidr"] and ip_in_cidrs(target["ip"], [s["cidr"]])
            ]
            target["subnet_id"] = holders[0]["id"] if holders else None

    group_ids = sorted({gid for target in targets if target["eni"] for gid in target["eni"]["security_group_ids"]})
    raw_groups = path_reads.describe_security_groups(ec2, group_ids) if group_ids else []
    if group_ids and not raw_groups:
        # One missing group makes the whole call "not found": read them one by one.
        raw_groups = [raw for gid in group_ids for raw in path_reads.describe_security_groups(ec2, [gid])]
    security_groups = [path_reads.normalise_security_group(raw) for raw in raw_groups]

    snapshot = {
        "account_id": identity.get("Account"),
        "region": module.region,
        "targets": targets,
        "vpcs": vpcs,
        "subnets": subnets,
        "route_tables": route_tables,
        "security_groups": security_groups,
        "peerings": peerings,
        "checks": [],
    }
    if params["transit_gateway"]:
        snapshot["transit_gateway"] = read_transit_gateway(module, ec2, vpc_ids)
    if params["source_cidrs"]:
        snapshot["checks"] = summarise(snapshot, params["source_cidrs"])
    return snapshot


def summarise(snapshot, source_cidrs):
    """Per target: the route back to each source CIDR and what the security groups admit.

    With the transit gateway read, a route to a transit gateway the VPC is attached to (an attachment that
    is available) counts as well as a route to a peering, and each route says so in ``via_transit_gateway``.
    """
    peering_ids = {peering["id"] for peering in snapshot["peerings"]}
    side = snapshot.get("transit_gateway")
    attached = {
        (attachment["vpc_id"], attachment["transit_gateway_id"])
        for attachment in (side or {}).get("attachments") or []
        if attachment["state"] == tgws.AVAILABLE
    }
    checks = []
    for target in snapshot["targets"]:
        entry = {"ip": target["ip"], "port": target["port"], "routes": [], "admitted": [], "missing": [], "ok": True}
        table = (
            route_table_for_subnet(snapshot["route_tables"], target["subnet_id"], target["vpc_id"])
            if target["subnet_id"]
            else None
        )
        for cidr in source_cidrs:
            route, dummy = covering_route((table or {}).get("routes"), cidr)
            usable = bool(route) and route.get("state") != "blackhole"
            via = usable and route.get("target") in peering_ids
            entry["routes"].append(
                {
                    "cidr": cidr,
                    "route_table_id": (table or {}).get("id"),
                    "destination": (route or {}).get("destination"),
                    "target": (route or {}).get("target"),
                    "via_peering": via,
                }
            )
            if side is not None:
                via_tgw = usable and (target["vpc_id"], route.get("target")) in attached
                entry["routes"][-1]["via_transit_gateway"] = via_tgw
                via = via or via_tgw
            entry["ok"] = entry["ok"] and via
        if target["eni"] and target["port"]:
            groups = [g for g in snapshot["security_groups"] if g["id"] in target["eni"]["security_group_ids"]]
            entry["admitted"], entry["missing"], dummy = sg_admission(groups, target["port"], source_cidrs)
            entry["ok"] = entry["ok"] and not entry["missing"]
        elif not target["eni"]:
            entry["missing"] = list(source_cidrs)
            entry["ok"] = False
        checks.append(entry)
    return checks


def main():
    argument_spec = dict(
        account_id=dict(type="str"),
        targets=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(ip=dict(type="str", required=True), port=dict(type="int"), service=dict(type="str")),
        ),
        vpc_id=dict(type="str"),
        source_cidrs=dict(type="list", elements="str", default=[]),
        transit_gateway=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    try:
        snapshot = read_provider(module)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    module.exit_json(changed=False, provider=snapshot)


if __name__ == "__main__":
    main()
