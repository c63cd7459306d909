# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read the VPCs of the vpc_teardown target and what is in them back from EC2 and Elastic Load
Balancing, never from the module's result: one Python instead of eight info modules (read_back.yml).

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself).

    python read_back.py <our VPC> <peer VPC> <half-tagged VPC> <peering id> [instance id ...]

prints {"vpcs": ids of the three that exist, "subnets": ids of the subnets in our and in the half-tagged
VPC, "route_tables": {id: sorted "<destination> <peering or gateway>" IPv4 routes} of our VPC's tables,
"security_groups": names of the groups in our VPC, "internet_gateways": ids of those attached to it,
"target_groups": names of the target groups in it, "instances": {id: state} of the listed instances,
"peering": the peering's status code, or "none"}.
"""

import json
import sys

import boto3


def items(client, operation, key, **params):
    """Every item of a paginated Describe call."""
    return [item for page in client.get_paginator(operation).paginate(**params) for item in page[key]]


def ipv4_lines(table):
    """Sorted "<destination> <target>" of a route table's IPv4 routes (target: peering, else gateway)."""
    lines = []
    for route in table["Routes"]:
        if "DestinationCidrBlock" in route:
            target = route.get("VpcPeeringConnectionId") or route.get("GatewayId") or ""
            lines.append(f"{route['DestinationCidrBlock']} {target}")
    return sorted(lines)


def read_back(ec2, elb, ours, peer, half, peering, instance_ids):
    def in_vpcs(*vpcs):
        return [{"Name": "vpc-id", "Values": list(vpcs)}]

    tables = items(ec2, "describe_route_tables", "RouteTables", Filters=in_vpcs(ours))
    instances = {}
    if instance_ids:
        for reservation in items(ec2, "describe_instances", "Reservations", InstanceIds=instance_ids):
            instances.update({i["InstanceId"]: i["State"]["Name"] for i in reservation["Instances"]})
    peerings = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering])["VpcPeeringConnections"]
    gateways = items(
        ec2, "describe_internet_gateways", "InternetGateways", Filters=[{"Name": "attachment.vpc-id", "Values": [ours]}]
    )
    return {
        "vpcs": sorted(v["VpcId"] for v in items(ec2, "describe_vpcs", "Vpcs", Filters=in_vpcs(ours, peer, half))),
        "subnets": sorted(
            s["SubnetId"] for s in items(ec2, "describe_subnets", "Subnets", Filters=in_vpcs(ours, half))
        ),
        "route_tables": {table["RouteTableId"]: ipv4_lines(table) for table in tables},
        "security_groups": sorted(
            g["GroupName"] for g in items(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpcs(ours))
        ),
        "internet_gateways": sorted(g["InternetGatewayId"] for g in gateways),
        "target_groups": sorted(
            g["TargetGroupName"] for g in items(elb, "describe_target_groups", "TargetGroups") if g["VpcId"] == ours
        ),
        "instances": instances,
        "peering": peerings[0]["Status"]["Code"] if peerings else "none",
    }


def main(argv):
    ours, peer, half, peering = argv[:4]
    result = read_back(boto3.client("ec2"), boto3.client("elbv2"), ours, peer, half, peering, argv[4:])
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
