# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Resources someone else made inside the VPCs of the collection, for the teardown scenario.

    python foreign_resources.py plant   > planted.json   # after a converge of inventories/local
    python foreign_resources.py check   planted.json     # after a teardown that had to keep them
    python foreign_resources.py remove  planted.json     # their owner removes them
    python foreign_resources.py ours                     # what still carries ManagedBy, per account
    python foreign_resources.py count                    # how many of each kind, ours or not, per account

plant: in the gateway account (111111111111, us-east-1), inside the gateway VPC, a security group,
a target group, and an internet gateway with a route 0.0.0.0/0 to it in the gateway's route table;
in the cards account (333333333333, us-west-2), an instance in the subnet the collection created
for 10.1.1.10. None of them carries our tags. check: each still exists, untouched.

count: ``account kind all=N ours=M`` for every kind of resource a converge makes (in each account
VPCs, subnets, route tables, security groups, instances, peerings; in the gateway account also load
balancers, listeners, target groups, VPC links, REST APIs with their resources and stages), counting
every resource, whoever made it and tagged or not, except what AWS makes by itself (the default VPC
with its subnets, main route tables, ``default`` security groups); ``ours`` is how many carry
ManagedBy (``-`` for kinds without tags). A converge interrupted and run again must leave exactly
what one clean converge leaves: a resource created twice (the second because the first was not found
again), or one left untagged, changes a number. Only talks to the emulator at $AWS_ENDPOINT_URL
(loopback).
"""

import json
import os
import sys

import boto3

GATEWAY = ("111111111111", "us-east-1")
PAYMENTS = ("222222222222", "us-east-1")
CARDS = ("333333333333", "us-west-2")
# A third provider, in the gateway's region (the transit_gateway scenario adds it).
LOANS = ("444444444444", "us-east-1")
# The mark of what the collection made (MANAGED_TAG_KEY / MANAGED_TAG_VALUE of plugins/module_utils/common.py).
TAG_KEY, TAG_VALUE = "ManagedBy", "multiaccount.apigateway"
OURS = [{"Name": f"tag:{TAG_KEY}", "Values": [TAG_VALUE]}]


def session(account, region):
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    if not endpoint.startswith("http://127."):
        sys.exit(f"AWS_ENDPOINT_URL must be a loopback emulator, not {endpoint}")
    creds = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="foreign"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def plant():
    gw = session(*GATEWAY)
    ec2, elb = gw.client("ec2"), gw.client("elbv2")
    (vpc,) = ec2.describe_vpcs(Filters=OURS)["Vpcs"]
    vpc_id = vpc["VpcId"]
    (table,) = ec2.describe_route_tables(Filters=OURS + [{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    group = ec2.create_security_group(GroupName="legacy-db", Description="not ours", VpcId=vpc_id)["GroupId"]
    target_group = elb.create_target_group(Name="legacy-tg", Protocol="TCP", Port=9000, VpcId=vpc_id, TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    cards = session(*CARDS).client("ec2")
    (subnet,) = cards.describe_subnets(Filters=OURS + [{"Name": "cidr-block", "Values": ["10.1.1.0/24"]}])["Subnets"]
    image = cards.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = cards.run_instances(
        ImageId=image,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet["SubnetId"],
        PrivateIpAddress="10.1.1.99",
    )["Instances"][0]["InstanceId"]
    json.dump(
        {
            "gateway_vpc": vpc_id,
            "gateway_route_table": table["RouteTableId"],
            "security_group": group,
            "target_group": target_group,
            "internet_gateway": igw,
            "cards_vpc": subnet["VpcId"],
            "cards_subnet": subnet["SubnetId"],
            "instance": instance,
        },
        sys.stdout,
    )


def check(planted):
    gw = session(*GATEWAY)
    ec2, elb = gw.client("ec2"), gw.client("elbv2")
    problems = []
    if not ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [planted["security_group"]]}])[
        "SecurityGroups"
    ]:
        problems.append("the foreign security group is gone")
    if planted["target_group"] not in [tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]]:
        problems.append("the foreign target group is gone")
    tables = ec2.describe_route_tables(Filters=[{"Name": "route-table-id", "Values": [planted["gateway_route_table"]]}])
    routes = [
        r for t in tables["RouteTables"] for r in t["Routes"] if r.get("GatewayId") == planted["internet_gateway"]
    ]
    if not routes:
        problems.append("the foreign route 0.0.0.0/0 (or the gateway route table that holds it) is gone")
    if not ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [planted["gateway_vpc"]]}])["Vpcs"]:
        problems.append("the gateway VPC that holds them is gone")
    cards = session(*CARDS).client("ec2")
    reservations = cards.describe_instances(InstanceIds=[planted["instance"]])["Reservations"]
    states = [i["State"]["Name"] for r in reservations for i in r["Instances"]]
    if states != ["running"]:
        problems.append(f"the foreign instance is {states}, not running")
    if not cards.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [planted["cards_subnet"]]}])["Subnets"]:
        problems.append("the cards subnet that holds the foreign instance is gone")
    if problems:
        sys.exit("; ".join(problems))
    print(
        "foreign resources intact: security group, target group, route and internet gateway, instance; and their VPCs"
    )


def remove(planted):
    gw = session(*GATEWAY)
    ec2, elb = gw.client("ec2"), gw.client("elbv2")
    ec2.delete_route(RouteTableId=planted["gateway_route_table"], DestinationCidrBlock="0.0.0.0/0")
    ec2.detach_internet_gateway(InternetGatewayId=planted["internet_gateway"], VpcId=planted["gateway_vpc"])
    ec2.delete_internet_gateway(InternetGatewayId=planted["internet_gateway"])
    ec2.delete_security_group(GroupId=planted["security_group"])
    elb.delete_target_group(TargetGroupArn=planted["target_group"])
    cards = session(*CARDS).client("ec2")
    cards.terminate_instances(InstanceIds=[planted["instance"]])
    cards.get_waiter("instance_terminated").wait(InstanceIds=[planted["instance"]], WaiterConfig={"Delay": 1})


def ours():
    """``account region kind id`` of everything that still carries ManagedBy, in every account."""
    lines = []
    for account, region in (GATEWAY, PAYMENTS, CARDS, LOANS):
        ec2 = session(account, region).client("ec2")
        lines += [f"{account} vpc {v['VpcId']}" for v in ec2.describe_vpcs(Filters=OURS)["Vpcs"]]
        lines += [
            f"{account} transit-gateway {t['TransitGatewayId']}"
            for t in ec2.describe_transit_gateways(Filters=OURS)["TransitGateways"]
            if t["State"] not in ("deleted", "deleting")
        ]
        lines += [
            f"{account} transit-gateway-route-table {t['TransitGatewayRouteTableId']}"
            for t in ec2.describe_transit_gateway_route_tables(Filters=OURS)["TransitGatewayRouteTables"]
            if t["State"] not in ("deleted", "deleting")
        ]
        lines += [
            f"{account} transit-gateway-attachment {a['TransitGatewayAttachmentId']}"
            for a in ec2.describe_transit_gateway_vpc_attachments(Filters=OURS)["TransitGatewayVpcAttachments"]
            if a["State"] not in ("deleted", "deleting")
        ]
        lines += [f"{account} subnet {s['CidrBlock']}" for s in ec2.describe_subnets(Filters=OURS)["Subnets"]]
        lines += [f"{account} route-table" for _t in ec2.describe_route_tables(Filters=OURS)["RouteTables"]]
        lines += [
            f"{account} security-group {g['GroupName']}"
            for g in ec2.describe_security_groups(Filters=OURS)["SecurityGroups"]
        ]
    lines += [f"{GATEWAY[0]} {item}" for item in governance_left(session(*GATEWAY))]
    ram = session(*GATEWAY).client("ram")
    lines += [
        f"{GATEWAY[0]} resource-share {share['name']}"
        for share in ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
        if share["status"] not in ("DELETED", "DELETING") and _tagged_ram(share.get("tags"))
    ]
    print("\n".join(sorted(lines)))


def governance_left(gateway):
    """The gateway's policy resources that carry ManagedBy: API keys (never their values), usage plans,
    domains, REGIONAL web ACLs, log groups and IAM roles."""
    apigw, wafv2, logs, iam = (gateway.client(name) for name in ("apigateway", "wafv2", "logs", "iam"))
    left = [f"api-key {key['name']}" for key in apigw.get_api_keys()["items"] if _tagged(key.get("tags"))]
    left += [f"usage-plan {plan['name']}" for plan in apigw.get_usage_plans()["items"] if _tagged(plan.get("tags"))]
    left += [f"domain {item['domainName']}" for item in apigw.get_domain_names()["items"] if _tagged(item.get("tags"))]
    for acl in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]:
        if _tagged(wafv2.list_tags_for_resource(ResourceARN=acl["ARN"])["TagInfoForResource"].get("TagList")):
            left.append(f"web-acl {acl['Name']}")
    for group in logs.describe_log_groups()["logGroups"]:
        if _tagged(logs.list_tags_log_group(logGroupName=group["logGroupName"]).get("tags")):
            left.append(f"log-group {group['logGroupName']}")
    for role in iam.list_roles()["Roles"]:
        if _tagged(iam.list_role_tags(RoleName=role["RoleName"])["Tags"]):
            left.append(f"role {role['RoleName']}")
    return left


def _tagged(tags):
    """True when a tag list (EC2, ELBv2: [{Key, Value}]) or dict (API Gateway) carries ManagedBy."""
    if isinstance(tags, dict):
        return tags.get(TAG_KEY) == TAG_VALUE
    return any(tag["Key"] == TAG_KEY and tag["Value"] == TAG_VALUE for tag in tags or [])


def _tagged_ram(tags):
    """RAM tags are [{key, value}]."""
    return any(tag.get("key") == TAG_KEY and tag.get("value") == TAG_VALUE for tag in tags or [])


def _ec2_tags(item):
    return item.get("Tags")


def _line(account, kind, items, tags_of=None):
    ours = "-" if tags_of is None else sum(1 for item in items if _tagged(tags_of(item)))
    return f"{account} {kind} all={len(items)} ours={ours}"


def _gateway_lines(account, account_session):
    """The count lines of what only the gateway account holds."""
    elb, apigw = account_session.client("elbv2"), account_session.client("apigateway")
    balancers = elb.describe_load_balancers()["LoadBalancers"]
    target_groups = elb.describe_target_groups()["TargetGroups"]
    listeners = [
        listener
        for balancer in balancers
        for listener in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    ]
    arns = [b["LoadBalancerArn"] for b in balancers] + [g["TargetGroupArn"] for g in target_groups]
    arns += [listener["ListenerArn"] for listener in listeners]
    elb_tags = {}
    for start in range(0, len(arns), 20):
        for description in elb.describe_tags(ResourceArns=arns[start : start + 20])["TagDescriptions"]:
            elb_tags[description["ResourceArn"]] = description.get("Tags")
    links = apigw.get_vpc_links(limit=500)["items"]
    apis = apigw.get_rest_apis(limit=500)["items"]
    resources = [r for api in apis for r in apigw.get_resources(restApiId=api["id"], limit=500)["items"]]
    stages = [s for api in apis for s in apigw.get_stages(restApiId=api["id"])["item"]]
    return [
        _line(account, "load-balancer", balancers, lambda b: elb_tags.get(b["LoadBalancerArn"])),
        _line(account, "listener", listeners, lambda item: elb_tags.get(item["ListenerArn"])),
        _line(account, "target-group", target_groups, lambda g: elb_tags.get(g["TargetGroupArn"])),
        _line(account, "vpc-link", links, lambda link: link.get("tags")),
        _line(account, "rest-api", apis, lambda api: api.get("tags")),
        _line(account, "rest-api-resource", resources),
        _line(account, "stage", stages),
    ]


def count():
    """How many of each kind a converge makes, ours or not, per account (see the module docstring)."""
    lines = []
    gone = ("deleted", "deleting", "rejected", "failed", "expired")
    for account, region in (GATEWAY, PAYMENTS, CARDS):
        account_session = session(account, region)
        ec2 = account_session.client("ec2")
        vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
        subnets = [s for s in ec2.describe_subnets()["Subnets"] if not s.get("DefaultForAz")]
        tables = [
            t
            for t in ec2.describe_route_tables()["RouteTables"]
            if not any(a.get("Main") for a in t.get("Associations", []))
        ]
        groups = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"]
        instances = [
            i
            for r in ec2.describe_instances()["Reservations"]
            for i in r["Instances"]
            if i["State"]["Name"] not in ("shutting-down", "terminated")
        ]
        peerings = [
            p
            for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
            if p["Status"]["Code"] not in gone
        ]
        lines += [
            _line(account, "vpc", vpcs, _ec2_tags),
            _line(account, "subnet", subnets, _ec2_tags),
            _line(account, "route-table", tables, _ec2_tags),
            _line(account, "security-group", groups, _ec2_tags),
            _line(account, "instance", instances, _ec2_tags),
            _line(account, "peering", peerings, _ec2_tags),
        ]
        if (account, region) == GATEWAY:
            lines += _gateway_lines(account, account_session)
    print("\n".join(lines))


def main():
    command = sys.argv[1]
    if command == "plant":
        plant()
    elif command == "ours":
        ours()
    elif command == "count":
        count()
    else:
        with open(sys.argv[2], encoding="utf-8") as handle:
            planted = json.load(handle)
        {"check": check, "remove": remove}[command](planted)


if __name__ == "__main__":
    main()
