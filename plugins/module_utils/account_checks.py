# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The per-account half of the preflight: judge what only the account's AWS knows (pure, no boto3).

The planner (``plan.py``) gives each account its ``aws_checks``: the Availability Zones its subnets
name, and for a provider that adopts a VPC how to find it and what must hold of it. The module
``account_preflight`` reads the zones, the VPCs and (alb-v2 over HTTPS) the ALB's certificate (three
read-only calls at most) and these functions judge them; every problem names the inventory field and
the fix.
"""

import difflib
import ipaddress


def _closest(value, candidates):
    """The one candidate closest to ``value``, or None when none is close or several tie."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, value, candidate).ratio(), candidate) for candidate in candidates), reverse=True
    )
    if not scored or scored[0][0] < 0.6 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def judge_zones(zones, names, ids, region):
    """Problems of the zones named by the inventory that the region does not offer to this account.

    ``zones``: ``[{az, field}]``; ``names`` and ``ids``: the zone names and zone ids the account has.
    """
    problems = []
    known = set(names) | set(ids)
    for zone in zones:
        if zone["az"] in known:
            continue
        close = _closest(zone["az"], sorted(known))
        hint = f"did you mean {close}? " if close else ""
        problems.append(
            {
                "field": zone["field"],
                "message": (
                    f"Availability Zone {zone['az']} does not exist in {region} for this account; {hint}"
                    f"its zones are {', '.join(sorted(names)) or 'none'}"
                ),
            }
        )
    return problems


def vpc_cidrs(vpc):
    """The IPv4 CIDR blocks associated with a VPC (DescribeVpcs shape), primary first."""
    cidrs = [vpc["CidrBlock"]] if vpc.get("CidrBlock") else []
    for association in vpc.get("CidrBlockAssociationSet") or []:
        state = (association.get("CidrBlockState") or {}).get("State", "associated")
        if state in ("associated", "associating") and association.get("CidrBlock") not in cidrs:
            cidrs.append(association["CidrBlock"])
    return cidrs


def _describe_filters(filters):
    return ", ".join(f"{key}={value}" for key, value in sorted(filters.items()))


def option_problems(checks):
    """Messages naming each option of ``checks.vpc`` that is not an IP address or a CIDR, before any call.

    The planner gives valid ones; a task written by hand may not, and ipaddress would raise later."""
    vpc = checks.get("vpc") or {}
    problems = []
    for index, target in enumerate(vpc.get("targets") or []):
        try:
            ipaddress.ip_address(target)
        except ValueError:
            problems.append(f"checks.vpc.targets[{index}]: {target!r} is not an IP address (e.g. 10.0.1.25)")
    for name in ("cidr", "gateway_vpc_cidr"):
        if vpc.get(name):
            try:
                ipaddress.ip_network(vpc[name], strict=False)
            except ValueError:
                problems.append(f"checks.vpc.{name}: {vpc[name]!r} is not a CIDR (e.g. 10.0.0.0/16)")
    return problems


def judge_vpc(check, vpcs, region):
    """Problems of the VPC a provider adopts: missing, ambiguous, another CIDR, targets outside, overlap.

    ``check``: the plan's ``aws_checks.vpc``; ``vpcs``: what DescribeVpcs with its filters found.
    Returns ``(problems, found)`` where ``found`` is ``{id, cidrs}`` of the one VPC, or None.
    """
    field = check["field"]
    if not vpcs:
        what = check["filters"].get("vpc-id") if field == "provider_vpc_id" else _describe_filters(check["filters"])
        return [
            {
                "field": field,
                "message": (
                    f"no VPC {what} in this account in {region}; check the id (or tags), the account and aws_region, "
                    "or leave provider_vpc_id and provider_vpc_tags out to let the collection create the VPC"
                ),
            }
        ], None
    if len(vpcs) > 1:
        ids = ", ".join(sorted(vpc["VpcId"] for vpc in vpcs))
        return [
            {
                "field": field,
                "message": (
                    f"{len(vpcs)} VPCs match ({ids}) in {region}; the tags must name exactly one VPC, "
                    "or give provider_vpc_id"
                ),
            }
        ], None
    vpc = vpcs[0]
    cidrs = vpc_cidrs(vpc)
    networks = [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]
    found = {"id": vpc["VpcId"], "cidrs": cidrs}
    problems = []
    if check.get("cidr") and check["cidr"] not in cidrs:
        problems.append(
            {
                "field": "provider_vpc_cidr",
                "message": f"{check['cidr']} is not a CIDR of {vpc['VpcId']} ({', '.join(cidrs)}); give one of those",
            }
        )
    outside = [ip for ip in check.get("targets") or [] if not any(ipaddress.ip_address(ip) in net for net in networks)]
    if outside:
        problems.append(
            {
                "field": "provider_vpc_services[].targets",
                "message": (
                    f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} outside {vpc['VpcId']} "
                    f"({', '.join(cidrs)}); targets must be private IPs of the VPC"
                ),
            }
        )
    gateway_cidr = check.get("gateway_vpc_cidr")
    if gateway_cidr:
        gateway = ipaddress.ip_network(gateway_cidr, strict=False)
        overlapping = [str(net) for net in networks if net.overlaps(gateway)]
        if overlapping:
            problems.append(
                {
                    "field": field,
                    "message": (
                        f"{vpc['VpcId']} ({', '.join(overlapping)}) overlaps the gateway VPC {gateway_cidr}; "
                        "peered VPCs cannot overlap: adopt another VPC or change shared_gateway_vpc_cidr"
                    ),
                }
            )
    return problems, found


def ec2_filters(filters):
    """A ``{name: value}`` filter mapping as the EC2 API's Filters list."""
    return [{"Name": key, "Values": [str(value)]} for key, value in sorted(filters.items())]


def judge_certificate(check, certificate):
    """Problems of the ALB's certificate (``check``: ``{arn, field}``; ``certificate``: the
    DescribeCertificate answer, None when ACM does not know the ARN in this account and region)."""
    if certificate is None:
        return [
            {
                "field": check["field"],
                "message": (
                    f"{check['arn']} is not a certificate of this account and region; request or import it in ACM "
                    "here, or correct the ARN"
                ),
            }
        ]
    if certificate.get("Status") != "ISSUED":
        return [
            {
                "field": check["field"],
                "message": (
                    f"{check['arn']} is in status {certificate.get('Status')}; the ALB's HTTPS listener needs an ISSUED "
                    "certificate: complete its validation (or import one), or remove the key"
                ),
            }
        ]
    return []
