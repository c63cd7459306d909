# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 network layer for the vpc_routes and vpc_target_subnets modules.

Two halves:

* thin API layer: one small function per boto3 call, retried with the collection's jittered
  backoff (``aws_retry``), paginated where the API paginates, every "not found" error code turned
  into ``[]`` / ``False`` in one place (``Ec2NetworkErrorHandler``);
* pure logic with no boto3: input checks that name the field, normalisation of DescribeRouteTables
  / DescribeSubnets entries, route ownership and the route plan of a table, subnet placement of
  target IPs (derived /24s and their Availability Zone), the subnet plan of a VPC.

Ownership: a route is ours when its target is one of the caller's ``owned_targets`` or when it is
a ``blackhole`` through a VPC peering at a destination the caller lists; a subnet is ours when it
carries ``ManagedBy=multiaccount.apigateway`` and ``multiaccount:gateway=<gateway>``.
"""

import ipaddress
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    aws_retry,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import parse_cidr, parse_ipv4

# The second ownership tag: which gateway (deployment) a resource belongs to.
GATEWAY_TAG_KEY = "multiaccount:gateway"

# Error codes meaning "that resource does not exist".
NOT_FOUND_CODES = [
    "InvalidRouteTableID.NotFound",
    "InvalidRoute.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
]

# Route targets this collection manages: (option name, DescribeRouteTables / CreateRoute key, id
# prefix). Another kind is one more entry here and one more suboption of ``routes``.
TARGET_KINDS = (
    ("vpc_peering_connection_id", "VpcPeeringConnectionId", "pcx-"),
    ("transit_gateway_id", "TransitGatewayId", "tgw-"),
)
TARGET_OPTIONS = tuple(option for option, _key, _prefix in TARGET_KINDS)
TARGET_PREFIXES = {option: prefix for option, _key, prefix in TARGET_KINDS}

# Every key DescribeRouteTables may name a route's target with, to say where a foreign route goes.
# NetworkInterfaceId before InstanceId: a route to an instance names both.
ROUTE_TARGET_KEYS = (
    "VpcPeeringConnectionId",
    "TransitGatewayId",
    "NatGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "EgressOnlyInternetGatewayId",
    "CoreNetworkArn",
    "GatewayId",
)

PEERING_PREFIX = "pcx-"
BLACKHOLE = "blackhole"
PROPAGATED_ORIGIN = "EnableVgwRoutePropagation"

# Default quota of routes per route table (adjustable up to 1000 through Service Quotas).
ROUTES_PER_TABLE_QUOTA = 50

# Prefix lengths AWS accepts for an IPv4 subnet.
SUBNET_PREFIX_RANGE = (16, 28)
# Derived subnets: the /24 that contains the target.
DERIVED_PREFIX = 24

ROUTE_TABLE_ID_RE = re.compile(r"^rtb-[0-9a-f]{8,17}$")
VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8,17}$")
RESOURCE_ID_RE = re.compile(r"^[a-z]+-[0-9a-f]{8,17}$")
AVAILABILITY_ZONE_RE = re.compile(r"^[a-z]{2}(?:-[a-z0-9]+)+[a-z]$")


class AnsibleEc2NetworkError(AnsibleAWSError):
    """An EC2 API call of this layer failed."""


class Ec2NetworkErrorHandler(AWSErrorHandler):
    """``NOT_FOUND_CODES`` become an empty result (``[]`` / ``False``), the rest a failure."""

    _CUSTOM_EXCEPTION = AnsibleEc2NetworkError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


# ---------------------------------------------------------------------------------------------
# API calls
# ---------------------------------------------------------------------------------------------


def _filters(filters):
    """``{"vpc-id": ["vpc-1"]}`` -> boto3 Filters (sorted by name, values as strings)."""
    return [{"Name": name, "Values": [str(value) for value in values]} for name, values in sorted(filters.items())]


@Ec2NetworkErrorHandler.list_error_handler("describe route tables", [])
@aws_retry
def describe_route_tables(client, filters):
    """Route tables matching ``filters`` (a dict of filter name -> values)."""
    paginator = client.get_paginator("describe_route_tables")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["RouteTables"]


@Ec2NetworkErrorHandler.common_error_handler("create route")
@aws_retry
def create_route(client, route_table_id, dest, target):
    """CreateRoute to the IPv4 ``dest`` through ``target`` (pcx-..., tgw-...)."""
    client.create_route(RouteTableId=route_table_id, DestinationCidrBlock=dest, **target_parameters(target))
    return True


@Ec2NetworkErrorHandler.common_error_handler("replace route")
@aws_retry
def replace_route(client, route_table_id, dest, target):
    """ReplaceRoute: the route to ``dest`` goes through ``target`` from now on."""
    client.replace_route(RouteTableId=route_table_id, DestinationCidrBlock=dest, **target_parameters(target))
    return True


@Ec2NetworkErrorHandler.deletion_error_handler("delete route")
@aws_retry
def delete_route(client, route_table_id, dest):
    """DeleteRoute to the IPv4 ``dest``; False when the route (or the table) is already gone."""
    client.delete_route(RouteTableId=route_table_id, DestinationCidrBlock=dest)
    return True


@Ec2NetworkErrorHandler.list_error_handler("describe VPCs", [])
@aws_retry
def describe_vpcs(client, vpc_ids):
    """VPCs with these ids ([] when one of them does not exist)."""
    paginator = client.get_paginator("describe_vpcs")
    return paginator.paginate(VpcIds=list(vpc_ids)).build_full_result()["Vpcs"]


@Ec2NetworkErrorHandler.list_error_handler("describe VPCs", [])
@aws_retry
def describe_vpcs_matching(client, filters):
    """VPCs matching ``filters`` (a dict of filter name -> values)."""
    paginator = client.get_paginator("describe_vpcs")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["Vpcs"]


@Ec2NetworkErrorHandler.common_error_handler("create VPC")
@aws_retry
def create_vpc(client, cidr, tags):
    """CreateVpc with its tags (one call); returns the Vpc."""
    return client.create_vpc(
        CidrBlock=cidr,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": ansible_dict_to_boto3_tag_list(tags)}],
    )["Vpc"]


@Ec2NetworkErrorHandler.common_error_handler("enable DNS hostnames of the VPC")
@aws_retry
def enable_dns_hostnames(client, vpc_id):
    """DNS hostnames on, as amazon.aws.ec2_vpc_net does for the VPCs it creates (DNS support is on by default)."""
    client.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    return True


@Ec2NetworkErrorHandler.common_error_handler("tag the VPC")
@aws_retry
def create_tags(client, resource_id, tags):
    """CreateTags (adds or overwrites the given keys only)."""
    client.create_tags(Resources=[resource_id], Tags=ansible_dict_to_boto3_tag_list(tags))
    return True


@Ec2NetworkErrorHandler.common_error_handler("wait for the VPC to be available")
def wait_vpc_available(client, vpc_id, timeout, delay=5):
    """Botocore's ``vpc_available`` waiter, at most ``timeout`` seconds."""
    attempts = max(1, -(-int(timeout) // delay))
    client.get_waiter("vpc_available").wait(VpcIds=[vpc_id], WaiterConfig={"Delay": delay, "MaxAttempts": attempts})
    return True


@Ec2NetworkErrorHandler.list_error_handler("describe subnets", [])
@aws_retry
def describe_subnets(client, filters):
    """Subnets matching ``filters`` (a dict of filter name -> values)."""
    paginator = client.get_paginator("describe_subnets")
    return paginator.paginate(Filters=_filters(filters)).build_full_result()["Subnets"]


@Ec2NetworkErrorHandler.list_error_handler("describe availability zones", [])
@aws_retry
def describe_availability_zones(client):
    """The region's Availability Zones (not Local or Wavelength Zones) in state ``available``."""
    filters = {"state": ["available"], "zone-type": ["availability-zone"]}
    return client.describe_availability_zones(Filters=_filters(filters))["AvailabilityZones"]


@Ec2NetworkErrorHandler.common_error_handler("create subnet")
@aws_retry
def create_subnet(client, vpc_id, cidr, availability_zone, tags):
    """CreateSubnet with its tags (one call); returns the Subnet."""
    return client.create_subnet(
        VpcId=vpc_id,
        CidrBlock=cidr,
        AvailabilityZone=availability_zone,
        TagSpecifications=[{"ResourceType": "subnet", "Tags": ansible_dict_to_boto3_tag_list(tags)}],
    )["Subnet"]


@Ec2NetworkErrorHandler.deletion_error_handler("delete subnet")
@aws_retry
def delete_subnet(client, subnet_id):
    """DeleteSubnet; False when it is already gone."""
    client.delete_subnet(SubnetId=subnet_id)
    return True


@Ec2NetworkErrorHandler.common_error_handler("create route table")
@aws_retry
def create_route_table(client, vpc_id, tags):
    """CreateRouteTable with its tags (one call); returns the RouteTable."""
    return client.create_route_table(
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "route-table", "Tags": ansible_dict_to_boto3_tag_list(tags)}],
    )["RouteTable"]


@Ec2NetworkErrorHandler.common_error_handler("associate the route table")
@aws_retry
def associate_route_table(client, route_table_id, subnet_id):
    """AssociateRouteTable of one subnet."""
    client.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet_id)
    return True


@Ec2NetworkErrorHandler.common_error_handler("wait for the subnets to be available")
def wait_subnets_available(client, subnet_ids, timeout, delay=5):
    """Botocore's ``subnet_available`` waiter on every id at once, at most ``timeout`` seconds."""
    attempts = max(1, -(-int(timeout) // delay))
    client.get_waiter("subnet_available").wait(
        SubnetIds=list(subnet_ids), WaiterConfig={"Delay": delay, "MaxAttempts": attempts}
    )
    return True


# ---------------------------------------------------------------------------------------------
# Pure helpers shared by both modules
# ---------------------------------------------------------------------------------------------


def error_code(error):
    """The AWS error code behind an ``AnsibleAWSError`` (``DependencyViolation``...), None when there is none."""
    response = getattr(getattr(error, "exception", None), "response", None) or {}
    return (response.get("Error") or {}).get("Code")


def cidr_key(cidr):
    """Numeric sort key of a CIDR string."""
    network = ipaddress.ip_network(cidr, strict=False)
    return (int(network.network_address), network.prefixlen)


def tags_of(raw):
    """Ansible-style tag dict of a boto3 resource description."""
    return boto3_tag_list_to_ansible_dict(raw.get("Tags") or [])


def ownership_tags(gateway):
    """The two tags that make a resource ours."""
    return {MANAGED_TAG_KEY: MANAGED_TAG_VALUE, GATEWAY_TAG_KEY: gateway}


def is_ours(tags, gateway):
    """True when ``tags`` carry both ownership tags, the second with this gateway's name."""
    tags = tags or {}
    return tags.get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE and tags.get(GATEWAY_TAG_KEY) == gateway


def associated_vpc_cidrs(vpc):
    """IPv4 CIDR blocks of a DescribeVpcs entry that are ``associated`` (primary and secondary), sorted."""
    cidrs = []
    for association in vpc.get("CidrBlockAssociationSet") or []:
        state = (association.get("CidrBlockState") or {}).get("State", "associated")
        if state == "associated" and association.get("CidrBlock"):
            cidrs.append(association["CidrBlock"])
    if not vpc.get("CidrBlockAssociationSet") and vpc.get("CidrBlock"):
        cidrs.append(vpc["CidrBlock"])
    return sorted(set(cidrs), key=cidr_key)


def check_resource_id(value, prefix, field):
    """``<prefix>-<8 to 17 hex digits>``, lower-cased; raises ValueError naming ``field``."""
    text = str(value or "").strip().lower()
    if not text.startswith(f"{prefix}-") or not RESOURCE_ID_RE.match(text):
        raise ValueError(f"{field}: {value!r} is not a {prefix}- id ({prefix}- followed by 8 or 17 hex digits)")
    return text


def check_availability_zone(value, field, region=None):
    """An Availability Zone name (``us-east-1a``), of ``region`` when given; raises ValueError naming ``field``."""
    text = str(value or "").strip().lower()
    if not AVAILABILITY_ZONE_RE.match(text):
        raise ValueError(f"{field}: {value!r} is not an Availability Zone name (e.g. us-east-1a)")
    if region and not text.startswith(region):
        raise ValueError(f"{field}: {value!r} is not an Availability Zone of region {region} (e.g. {region}a)")
    return text


# ---------------------------------------------------------------------------------------------
# vpc_routes: input checks
# ---------------------------------------------------------------------------------------------


def target_kind(target):
    """``(option, boto3 key)`` of a managed target id, or ``(None, None)``."""
    for option, key, prefix in TARGET_KINDS:
        if str(target or "").startswith(prefix):
            return option, key
    return None, None


def target_parameters(target):
    """CreateRoute / ReplaceRoute keyword arguments naming ``target``."""
    option, key = target_kind(target)
    if key is None:
        raise ValueError(f"{target!r} is not a route target this collection manages ({', '.join(TARGET_OPTIONS)})")
    return {key: target}


def validate_route_params(params):
    """Check every input of vpc_routes before any AWS call; raises ValueError naming the field.

    Returns ``{"route_table_ids": [...], "routes": [{"field", "dest", "target"}], "owned_targets": set}``.
    With ``state=present`` each route needs exactly one target; with ``state=absent`` at most one.
    """
    state = params.get("state") or "present"
    tables = []
    seen_tables = {}
    for index, value in enumerate(params.get("route_table_ids") or []):
        field = f"route_table_ids[{index}]"
        table_id = check_resource_id(value, "rtb", field)
        if table_id in seen_tables:
            raise ValueError(f"{field}: {table_id} is listed twice ({seen_tables[table_id]} and {field})")
        seen_tables[table_id] = field
        tables.append(table_id)

    routes = []
    seen_dests = {}
    for index, route in enumerate(params.get("routes") or []):
        field = f"routes[{index}]"
        dest = str(parse_cidr(route.get("dest"), f"{field}.dest"))
        given = [option for option in TARGET_OPTIONS if route.get(option) not in (None, "")]
        if len(given) > 1:
            raise ValueError(f"{field}: give one target, not {' and '.join(given)}")
        if not given and state == "present":
            raise ValueError(f"{field}: give a target ({' or '.join(TARGET_OPTIONS)}) for {dest}")
        target = None
        if given:
            option = given[0]
            target = check_resource_id(route[option], TARGET_PREFIXES[option].rstrip("-"), f"{field}.{option}")
        if dest in seen_dests:
            raise ValueError(
                f"{field}.dest: {dest} is listed twice ({seen_dests[dest]} and {field}); a table has one route per destination"
            )
        seen_dests[dest] = field
        routes.append({"field": field, "dest": dest, "target": target})

    owned = set()
    for index, value in enumerate(params.get("owned_targets") or []):
        field = f"owned_targets[{index}]"
        text = str(value or "").strip().lower()
        option, _key = target_kind(text)
        if option is None:
            prefixes = ", ".join(f"{prefix}..." for _option, _key, prefix in TARGET_KINDS)
            raise ValueError(f"{field}: {value!r} is not a route target this module manages ({prefixes})")
        owned.add(check_resource_id(text, text.split("-", 1)[0], field))
    return {"route_table_ids": tables, "routes": routes, "owned_targets": owned}


# ---------------------------------------------------------------------------------------------
# vpc_routes: reading and planning
# ---------------------------------------------------------------------------------------------


def route_target(raw):
    """The target id of a DescribeRouteTables route (``local`` for the local route), None when it names none."""
    for key in ROUTE_TARGET_KEYS:
        if raw.get(key):
            return raw[key]
    return None


def normalise_route(raw):
    """A route in scope as ``{"dest", "target", "state"}``; None for IPv6, prefix-list and propagated routes."""
    if raw.get("Origin") == PROPAGATED_ORIGIN:
        return None
    dest = raw.get("DestinationCidrBlock")
    if not dest:
        return None
    return {
        "dest": str(ipaddress.ip_network(dest, strict=False)),
        "target": route_target(raw),
        "state": raw.get("State") or "active",
    }


def normalise_route_table(raw):
    """``{"id", "vpc_id", "name", "routes": {dest: route}, "static_count"}`` of a DescribeRouteTables entry.

    ``static_count`` counts every route but the propagated ones (IPv6 and prefix-list routes too),
    for the routes-per-table quota.
    """
    routes = {}
    static_count = 0
    for entry in raw.get("Routes") or []:
        if entry.get("Origin") != PROPAGATED_ORIGIN:
            static_count += 1
        route = normalise_route(entry)
        if route is not None:
            routes[route["dest"]] = route
    return {
        "id": raw["RouteTableId"],
        "vpc_id": raw.get("VpcId"),
        "name": tags_of(raw).get("Name"),
        "routes": routes,
        "static_count": static_count,
    }


def is_stale_peering(route):
    """A route left behind by a deleted (rejected, failed, expired) peering."""
    return route.get("state") == BLACKHOLE and str(route.get("target") or "").startswith(PEERING_PREFIX)


def format_route(route):
    """``10.100.1.0/24 -> pcx-1`` (``(blackhole)`` appended when it is one)."""
    text = f"{route['dest']} -> {route.get('target') or 'no target'}"
    if route.get("state") == BLACKHOLE:
        text += " (blackhole)"
    return text


def table_label(table):
    """``rtb-1`` or ``rtb-1 (name)``."""
    return f"{table['id']} ({table['name']})" if table.get("name") else table["id"]


def plan_route_table(table, desired, owned_targets, state, purge):
    """What to do in one route table (pure).

    ``table``: ``normalise_route_table`` output. ``desired``: ``validate_route_params`` routes.
    Returns ``{"add", "replace", "delete", "conflicts", "warnings", "before", "after"}``: add and
    delete hold ``{"dest", "target"}``, replace ``{"dest", "target", "previous_target"}``,
    conflicts ``{"dest", "target"}`` (the route in the way), before/after the sorted
    ``dest -> target`` strings of the routes in scope (listed destinations and routes through an
    owned target).
    """
    routes = table["routes"]
    listed = {route["dest"] for route in desired}
    add, replace, delete, conflicts, warnings = [], [], [], [], []
    deleted = set()
    label = table_label(table)

    for wanted in desired:
        current = routes.get(wanted["dest"])
        if current is None:
            if state == "present":
                add.append({"dest": wanted["dest"], "target": wanted["target"]})
            continue
        if state == "present":
            if current["target"] == wanted["target"]:
                if current["state"] == BLACKHOLE:
                    warnings.append(
                        f"{label}: {format_route(current)}: {wanted['field']} names a target that is gone; "
                        "give the current peering or transit gateway"
                    )
            elif current["target"] in owned_targets or is_stale_peering(current):
                replace.append(
                    {"dest": wanted["dest"], "target": wanted["target"], "previous_target": current["target"]}
                )
            else:
                conflicts.append({"dest": wanted["dest"], "target": current["target"]})
        else:
            ours = (
                current["target"] in owned_targets
                or is_stale_peering(current)
                or (wanted["target"] is not None and current["target"] == wanted["target"])
            )
            if ours:
                delete.append({"dest": wanted["dest"], "target": current["target"]})
                deleted.add(wanted["dest"])
            else:
                conflicts.append({"dest": wanted["dest"], "target": current["target"]})

    if purge:
        for dest, current in routes.items():
            keep_listed = state == "present" and dest in listed
            if current["target"] in owned_targets and not keep_listed and dest not in deleted:
                delete.append({"dest": dest, "target": current["target"]})
                deleted.add(dest)

    scope = set(listed) | {dest for dest, route in routes.items() if route["target"] in owned_targets}
    before = [routes[dest] for dest in scope if dest in routes]
    after_by_dest = {route["dest"]: dict(route) for route in before}
    for entry in add:
        after_by_dest[entry["dest"]] = {"dest": entry["dest"], "target": entry["target"], "state": "active"}
    for entry in replace:
        after_by_dest[entry["dest"]] = {"dest": entry["dest"], "target": entry["target"], "state": "active"}
    for entry in delete:
        after_by_dest.pop(entry["dest"], None)

    def by_dest(entries):
        return sorted(entries, key=lambda entry: cidr_key(entry["dest"]))

    return {
        "add": by_dest(add),
        "replace": by_dest(replace),
        "delete": by_dest(delete),
        "conflicts": by_dest(conflicts),
        "warnings": warnings,
        "before": [format_route(route) for route in by_dest(before)],
        "after": [format_route(route) for route in by_dest(after_by_dest.values())],
        "static_count_after": table.get("static_count", 0) + len(add) - len(delete),
    }


def route_actions(table, plan):
    """One human-readable line per change of a table plan, in the order they are applied."""
    label = table_label(table)
    lines = []
    current = table["routes"]
    for entry in plan["replace"]:
        lines.append(
            f"{label}: replace route {format_route(current[entry['dest']])} by {entry['dest']} -> {entry['target']}"
        )
    for entry in plan["add"]:
        lines.append(f"{label}: add route {entry['dest']} -> {entry['target']}")
    for entry in plan["delete"]:
        lines.append(f"{label}: delete route {format_route(current[entry['dest']])}")
    return lines


def conflict_lines(table, plan):
    """``<table>: <dest> already goes to <target>`` for each conflict of a table plan."""
    return [
        f"{table['id']}: {entry['dest']} already goes to {entry['target'] or 'a target AWS does not name'}"
        for entry in plan["conflicts"]
    ]


def read_route_tables(client, table_ids):
    """``(tables, missing)``: the listed tables that exist, normalised, in input order, and a line per missing one."""
    found = {raw["RouteTableId"]: raw for raw in describe_route_tables(client, {"route-table-id": table_ids})}
    missing = [
        f"route_table_ids[{index}]: {table_id} not found"
        for index, table_id in enumerate(table_ids)
        if table_id not in found
    ]
    return [normalise_route_table(found[table_id]) for table_id in table_ids if table_id in found], missing


def serving_table_ids(raw_tables, subnet_ids, main_table=False):
    """``(table_ids, unserved)``: the route tables of one VPC's DescribeRouteTables entries that route
    ``subnet_ids`` (a subnet's explicit association, else the VPC's main table), each once, in the order
    of their first subnet, and with ``main_table`` the main table too (last, unless already listed);
    ``unserved``: the subnets no table routes (a VPC without a main table)."""
    main, explicit = subnet_route_tables(raw_tables)
    table_ids, unserved = [], []
    for subnet_id in subnet_ids:
        table_id = explicit.get(subnet_id, main)
        if table_id is None:
            unserved.append(subnet_id)
        elif table_id not in table_ids:
            table_ids.append(table_id)
    if main_table and main and main not in table_ids:
        table_ids.append(main)
    return table_ids, unserved


def read_subnet_route_tables(client, vpc_id, subnet_ids, main_table=False):
    """``(tables, missing)`` as ``read_route_tables``, of the tables that route ``subnet_ids`` (subnets of
    ``vpc_id``), and with ``main_table`` the VPC's main table too (the table of a subnet not created yet):
    one DescribeRouteTables of the VPC finds the tables and their routes together, when the routes are
    written, so the caller need not read them earlier. ``missing``: a line per subnet that no table routes."""
    raw_tables = describe_route_tables(client, {"vpc-id": [vpc_id]})
    table_ids, unserved = serving_table_ids(raw_tables, subnet_ids, main_table)
    by_id = {raw["RouteTableId"]: raw for raw in raw_tables}
    missing = [
        f"subnet_ids[{subnet_ids.index(subnet_id)}]: no route table of {vpc_id} routes {subnet_id} (the VPC has no main table)"
        for subnet_id in unserved
    ]
    return [normalise_route_table(by_id[table_id]) for table_id in table_ids], missing


def route_table_result(table, plan):
    """One entry of the ``route_tables`` return value of vpc_routes (and vpc_peering_accept)."""
    return {
        "id": table["id"],
        "vpc_id": table["vpc_id"],
        "name": table["name"],
        "added": plan["add"],
        "replaced": plan["replace"],
        "deleted": plan["delete"],
        "conflicts": plan["conflicts"],
    }


def plan_route_tables(client, checked, state, purge):
    """Read the listed tables (one DescribeRouteTables) and plan every one of them.

    ``checked``: ``validate_route_params`` output. Returns ``{"plans": [(table, plan)], "missing",
    "conflicts", "route_tables", "diff", "actions", "warnings"}``: ``missing`` and ``conflicts`` hold
    one line per missing table and per route in the way, ``actions`` one line per change, in the
    order ``apply_route_plans`` makes them, ``warnings`` the tables' own and the quota warnings.
    """
    tables, missing = read_route_tables(client, checked["route_table_ids"])
    return plan_read_route_tables(tables, missing, checked, state, purge)


def plan_read_route_tables(tables, missing, checked, state, purge):
    """``plan_route_tables`` of tables already read (``read_route_tables``), without an AWS call."""
    plans = [
        (table, plan_route_table(table, checked["routes"], checked["owned_targets"], state, purge)) for table in tables
    ]
    warnings = []
    for table, plan in plans:
        warnings.extend(plan["warnings"])
        if plan["static_count_after"] > ROUTES_PER_TABLE_QUOTA:
            warnings.append(
                f"{table_label(table)} will hold {plan['static_count_after']} routes, more than the default quota of "
                f"{ROUTES_PER_TABLE_QUOTA} routes per route table; AWS refuses routes beyond the account's quota"
            )
    return {
        "plans": plans,
        "missing": missing,
        "conflicts": [line for table, plan in plans for line in conflict_lines(table, plan)],
        "route_tables": [route_table_result(table, plan) for table, plan in plans],
        "diff": {
            "before": {table_label(table): plan["before"] for table, plan in plans},
            "after": {table_label(table): plan["after"] for table, plan in plans},
        },
        "actions": [line for table, plan in plans for line in route_actions(table, plan)],
        "warnings": warnings,
    }


ROUTE_CONFLICT_FIX = (
    "remove or narrow the route of the VPC's owner to each of these destinations (or, when the route is ours, "
    "add its target to owned_targets)"
)
MISSING_TABLE_FIX = "give the ids of existing route tables of this account and region"


def route_problems(planned, region, field=""):
    """The error text of a ``plan_route_tables`` result with missing tables or conflicts.

    ``field`` prefixes the field names (``return_routes.`` in vpc_peering_accept).
    """
    problems = []
    if planned["missing"]:
        problems.append(f"{'; '.join(field + line for line in planned['missing'])} in {region}; {MISSING_TABLE_FIX}")
    if planned["conflicts"]:
        problems.append(f"route conflicts: {'; '.join(planned['conflicts'])}; {ROUTE_CONFLICT_FIX}")
    return " - ".join(problems)


def check_destinations(values, field, seen=None):
    """``(pairs, problems)`` of a list of IPv4 destination CIDRs: ``(field[i], dest)`` normalised, one
    problem per invalid or repeated one (``seen``: ``{dest: field}`` shared across several lists)."""
    seen = {} if seen is None else seen
    pairs, problems = [], []
    for index, value in enumerate(values or []):
        where = f"{field}[{index}]"
        try:
            dest = str(parse_cidr(value, where))
        except ValueError as error:
            problems.append(str(error))
            continue
        if dest in seen:
            problems.append(
                f"{where}: {dest} is listed twice ({seen[dest]} and {where}); a table has one route per destination"
            )
            continue
        seen[dest] = where
        pairs.append((where, dest))
    return pairs, problems


def check_resource_ids(values, prefix, field):
    """``(ids, problems, fields)`` of a list of ``<prefix>-...`` ids given in ``field`` (``routes.subnet_ids``):
    ``ids`` normalised, each once, in input order; each problem names its item (ids listed twice are problems
    too); ``fields``: id -> the item that first gave it."""
    problems, fields = [], {}
    for index, value in enumerate(values or []):
        item = f"{field}[{index}]"
        try:
            resource_id = check_resource_id(value, prefix, item)
        except ValueError as error:
            problems.append(str(error))
            continue
        if resource_id in fields:
            problems.append(f"{item}: {resource_id} is listed twice ({fields[resource_id]} and {item})")
            continue
        fields[resource_id] = item
    return list(fields), problems, fields


def check_route_table_ids(values, field):
    """``(table_ids, problems)`` of a list of route table ids given in ``field`` (``routes.route_table_ids``):
    each problem names its item; ids listed twice are problems too."""
    table_ids, problems, _fields = check_resource_ids(values, "rtb", field)
    return table_ids, problems


def check_subnet_ids(values, field):
    """``(subnet_ids, problems)`` of a list of subnet ids given in ``field`` (``routes.subnet_ids``), as
    ``check_route_table_ids``."""
    subnet_ids, problems, _fields = check_resource_ids(values, "subnet", field)
    return subnet_ids, problems


def check_route_scope(spec, field):
    """``(route_table_ids, subnet_ids, problems)`` of a routes option that names its tables either by id
    (``route_table_ids``) or by the subnets they route (``subnet_ids``, and ``main_table``), never both:
    the list not given is None. ``field``: the option's name (``return_routes``)."""
    given = [key for key in ("route_table_ids", "subnet_ids") if spec.get(key) is not None]
    if spec.get("main_table") and given == ["route_table_ids"]:
        return None, None, [f"{field}.main_table: only with subnet_ids (with route_table_ids, list the main table)"]
    if len(given) != 1:
        what = "both" if given else "neither"
        return (
            None,
            None,
            [
                f"{field}: give route_table_ids (the tables) or subnet_ids (the subnets whose tables get the routes), {what} given"
            ],
        )
    if given == ["route_table_ids"]:
        table_ids, problems = check_route_table_ids(spec["route_table_ids"], f"{field}.route_table_ids")
        return table_ids, None, problems
    subnet_ids, problems = check_subnet_ids(spec["subnet_ids"], f"{field}.subnet_ids")
    return None, subnet_ids, problems


def read_scope_route_tables(client, vpc_id, route_table_ids, subnet_ids, main_table=False):
    """``read_route_tables`` of ``route_table_ids``, or ``read_subnet_route_tables`` of ``subnet_ids`` (and
    the main table with ``main_table``; the other list None): ``(tables, missing)``, one DescribeRouteTables
    either way."""
    if subnet_ids is not None:
        return read_subnet_route_tables(client, vpc_id, subnet_ids, main_table=main_table)
    return read_route_tables(client, route_table_ids)


def with_route_diff(diff, planned):
    """``diff`` (``{before, after}``) with the routes in scope of each table of a ``plan_route_tables``
    result under ``route_tables``; unchanged when ``planned`` is None."""
    if planned is not None:
        diff["before"]["route_tables"] = planned["diff"]["before"]
        diff["after"]["route_tables"] = planned["diff"]["after"]
    return diff


def apply_route_plans(client, plans, done):
    """Make the changes of ``plan_route_tables`` plans; each change made is appended to ``done``."""
    for table, plan in plans:
        lines = iter(route_actions(table, plan))
        for entry in plan["replace"]:
            replace_route(client, table["id"], entry["dest"], entry["target"])
            done.append(next(lines))
        for entry in plan["add"]:
            create_route(client, table["id"], entry["dest"], entry["target"])
            done.append(next(lines))
        for entry in plan["delete"]:
            delete_route(client, table["id"], entry["dest"])
            done.append(next(lines))


# ---------------------------------------------------------------------------------------------
# vpc_target_subnets: input checks
# ---------------------------------------------------------------------------------------------


def check_tags(values, gateway, field):
    """A tag dict of strings; the ownership tags may only repeat their own values. ValueError naming the key."""
    tags = {}
    owned = ownership_tags(gateway)
    for key, value in (values or {}).items():
        key = str(key)
        if key in owned and ("" if value is None else str(value)) != owned[key]:
            raise ValueError(
                f"{field}.{key}: {value!r} differs from {owned[key]!r}; the module sets this ownership tag itself "
                "(it may only repeat its own value): remove it"
            )
        if key.lower().startswith("aws:"):
            raise ValueError(f"{field}.{key}: keys starting with aws: are reserved by AWS")
        if not 1 <= len(key) <= 128:
            raise ValueError(f"{field}.{key}: a tag key has 1 to 128 characters")
        value = "" if value is None else str(value)
        if len(value) > 256:
            raise ValueError(f"{field}.{key}: a tag value has at most 256 characters")
        tags[key] = value
    return tags


def validate_vpc_spec(spec, gateway):
    """The ``vpc`` option: ``{filters, cidr, create, tags}``; ValueError naming the field."""
    if not spec:
        raise ValueError(
            "vpc_id: give the VPC id, or vpc.filters to find it (and vpc.create to create it when missing)"
        )
    filters = spec.get("filters") or {}
    if not filters:
        raise ValueError("vpc.filters: give the filters that find exactly one VPC, e.g. {'tag:Name': payments}")
    cidr = spec.get("cidr")
    if cidr is not None:
        network = parse_cidr(cidr, "vpc.cidr")
        if not 16 <= network.prefixlen <= 28:
            raise ValueError(f"vpc.cidr: {network} is a /{network.prefixlen}; AWS VPC blocks are /16 to /28")
        cidr = str(network)
    create = bool(spec.get("create"))
    if create and cidr is None:
        raise ValueError("vpc.cidr: give the CIDR block of the VPC to create (vpc.create is true)")
    return {
        "filters": {str(key): value if isinstance(value, list) else [value] for key, value in filters.items()},
        "cidr": cidr,
        "create": create,
        "tags": check_tags(spec.get("tags"), gateway, "vpc.tags"),
    }


def validate_subnet_params(params, region=None):
    """Check every input of vpc_target_subnets before any AWS call; raises ValueError naming the field.

    Returns ``{"vpc_id", "gateway", "targets": [{"field", "ip"}], "subnets": [{"field", "cidr", "az"}],
    "tags"}``. Targets listed twice are kept once (the first field names them).
    """
    vpc_id = check_resource_id(params.get("vpc_id"), "vpc", "vpc_id") if params.get("vpc_id") is not None else None
    vpc = validate_vpc_spec(params.get("vpc"), params.get("gateway") or "") if vpc_id is None else None
    gateway = str(params.get("gateway") or "").strip()
    if not gateway:
        raise ValueError("gateway: give the name of the gateway that owns the subnets (the multiaccount:gateway tag)")
    if len(gateway) > 256:
        raise ValueError(f"gateway: {gateway[:20]!r}... is longer than 256 characters (a tag value)")

    targets = []
    seen_ips = set()
    for index, value in enumerate(params.get("targets") or []):
        ip = str(parse_ipv4(value, f"targets[{index}]"))
        if ip not in seen_ips:
            seen_ips.add(ip)
            targets.append({"field": f"targets[{index}]", "ip": ip})

    subnets = []
    for index, subnet in enumerate(params.get("subnets") or []):
        field = f"subnets[{index}]"
        network = parse_cidr(subnet.get("cidr"), f"{field}.cidr")
        low, high = SUBNET_PREFIX_RANGE
        if not low <= network.prefixlen <= high:
            raise ValueError(f"{field}.cidr: {network} is a /{network.prefixlen}; AWS subnets are /{low} to /{high}")
        az = check_availability_zone(subnet.get("az"), f"{field}.az", region)
        for other in subnets:
            if ipaddress.ip_network(other["cidr"]).overlaps(network):
                raise ValueError(f"{field}.cidr: {network} overlaps {other['field']}.cidr ({other['cidr']})")
        subnets.append({"field": field, "cidr": str(network), "az": az})

    tags = check_tags(params.get("tags"), params.get("gateway") or "", "tags")
    name = params.get("name")
    if name is not None and not str(name).strip():
        raise ValueError("name: give a non-empty Name tag prefix, or leave name out")
    return {
        "vpc_id": vpc_id,
        "vpc": vpc,
        "gateway": gateway,
        "name": str(name).strip() if name is not None else None,
        "targets": targets,
        "subnets": subnets,
        "tags": tags,
    }


# ---------------------------------------------------------------------------------------------
# vpc_target_subnets: reading and planning
# ---------------------------------------------------------------------------------------------


def normalise_subnet(raw):
    """``{"id", "cidr", "az", "vpc_id", "name", "tags"}`` of a DescribeSubnets / CreateSubnet entry."""
    tags = tags_of(raw)
    return {
        "id": raw["SubnetId"],
        "cidr": raw["CidrBlock"],
        "az": raw.get("AvailabilityZone"),
        "vpc_id": raw.get("VpcId"),
        "name": tags.get("Name"),
        "tags": tags,
    }


def subnet_route_tables(raw_tables):
    """``(main_table_id, {subnet_id: table_id})`` from the DescribeRouteTables entries of one VPC."""
    main = None
    explicit = {}
    for table in raw_tables or []:
        for association in table.get("Associations") or []:
            state = (association.get("AssociationState") or {}).get("State", "associated")
            if state not in ("associated", "associating"):
                continue
            if association.get("Main"):
                main = table["RouteTableId"]
            elif association.get("SubnetId"):
                explicit[association["SubnetId"]] = table["RouteTableId"]
    return main, explicit


def route_table_tags(gateway, tags):
    """Tags of the module's own route table: the caller's and the ownership tags."""
    result = dict(tags or {})
    result.update(ownership_tags(gateway))
    return result


def plan_own_route_table(raw_tables, tags, subnet_ids):
    """Which table carries ``tags`` and which subnets it must still be associated with.

    ``raw_tables``: the DescribeRouteTables entries of the VPC; ``subnet_ids``: the subnets in scope
    (existing ones; subnets still to create are associated after their creation). Returns
    ``{"table": DescribeRouteTables entry or None (to create), "associate": [subnet ids],
    "errors": [...]}``: several tables with the tags, or a subnet explicitly associated with another
    table (never moved: it may be somebody else's choice), are errors naming them.
    """
    matching = [
        table for table in raw_tables or [] if all(tags_of(table).get(key) == value for key, value in tags.items())
    ]
    errors = []
    if len(matching) > 1:
        ids = ", ".join(sorted(table["RouteTableId"] for table in matching))
        errors.append(f"route_table.tags: {len(matching)} route tables of the VPC carry these tags ({ids}); keep one")
    table = matching[0] if len(matching) == 1 else None
    _main, explicit = subnet_route_tables(raw_tables)
    associate = []
    for subnet_id in sorted(subnet_ids):
        current = explicit.get(subnet_id)
        if current is None:
            associate.append(subnet_id)
        elif table is None or current != table["RouteTableId"]:
            errors.append(
                f"route_table: subnet {subnet_id} is associated with route table {current}, not this module's "
                "table; disassociate it (the module never moves a subnet away from a table)"
            )
    return {"table": table, "associate": associate, "errors": errors}


def holding_subnet(ip, subnets):
    """The first subnet (dict with ``cidr``) of ``subnets`` that holds ``ip``, else None."""
    address = ipaddress.ip_address(ip)
    for subnet in subnets:
        if address in ipaddress.ip_network(subnet["cidr"]):
            return subnet
    return None


def derived_cidr(ip):
    """The /24 that contains ``ip``: 10.0.1.25 -> 10.0.1.0/24."""
    return str(ipaddress.ip_network(f"{ip}/{DERIVED_PREFIX}", strict=False))


def derived_zone(cidr, zones):
    """Zone of a derived subnet: third octet modulo the number of zones, zones sorted by name."""
    ordered = sorted(zones)
    third_octet = int(ipaddress.ip_network(cidr).network_address.packed[2])
    return ordered[third_octet % len(ordered)]


def reserved_addresses(cidr):
    """The five addresses AWS reserves in a subnet: the first four and the last."""
    network = ipaddress.ip_network(cidr)
    first = int(network.network_address)
    return {str(ipaddress.ip_address(first + offset)) for offset in range(4)} | {str(network.broadcast_address)}


def unplaced_targets(targets, existing, listed):
    """Targets no existing subnet and no listed subnet holds."""
    return [target for target in targets if holding_subnet(target["ip"], list(existing) + list(listed)) is None]


def plan_subnets(vpc_id, vpc_cidrs, existing, listed, targets, zones=None):
    """The subnet plan of a VPC (pure).

    ``existing``: ``normalise_subnet`` dicts of the VPC; ``listed`` and ``targets`` from
    ``validate_subnet_params``; ``zones``: names of the region's available zones (needed only when
    a subnet must be derived, i.e. ``listed`` is empty and a target sits in no existing subnet).

    Returns ``{"create": [{"cidr", "az", "for"}], "placement": {ip: cidr}, "errors": [str]}``.
    ``errors`` lists every problem at once; nothing may be written when it is not empty.
    """
    errors = []
    create = []
    networks = [ipaddress.ip_network(cidr) for cidr in vpc_cidrs]
    cidr_text = ", ".join(vpc_cidrs) or "none"
    by_cidr = {subnet["cidr"]: subnet for subnet in existing}

    def inside_vpc(network):
        return any(network.subnet_of(block) for block in networks)

    def overlapping(network):
        return [subnet for subnet in existing if ipaddress.ip_network(subnet["cidr"]).overlaps(network)]

    for subnet in listed:
        network = ipaddress.ip_network(subnet["cidr"])
        same = by_cidr.get(subnet["cidr"])
        if same is not None:
            if same["az"] != subnet["az"]:
                errors.append(
                    f"{subnet['field']}.az: {subnet['cidr']} exists in {same['az']} ({same['id']}), not in {subnet['az']}; "
                    f"an existing subnet is used as it is: set az to {same['az']}"
                )
            continue
        if not inside_vpc(network):
            errors.append(
                f"{subnet['field']}.cidr: {subnet['cidr']} is outside the CIDR blocks of {vpc_id} ({cidr_text}); "
                "pick a block inside them"
            )
            continue
        clashes = overlapping(network)
        if clashes:
            errors.append(
                f"{subnet['field']}.cidr: {subnet['cidr']} overlaps "
                + ", ".join(f"{clash['id']} ({clash['cidr']})" for clash in clashes)
                + f" of {vpc_id}; list the existing subnet's CIDR instead, or a block that does not overlap"
            )
            continue
        create.append({"cidr": subnet["cidr"], "az": subnet["az"], "for": []})

    placement = {}
    derive = not listed
    for target in targets:
        ip = target["ip"]
        subnet = holding_subnet(ip, existing) or holding_subnet(ip, [dict(s, id=None) for s in listed])
        if subnet is not None:
            placement[ip] = subnet["cidr"]
            continue
        if not derive:
            errors.append(
                f"{target['field']}: {ip} is in no subnet of {vpc_id} and in none of subnets; "
                f"list its subnet in subnets (e.g. {{cidr: {derived_cidr(ip)}, az: ...}})"
            )
            continue
        cidr = derived_cidr(ip)
        network = ipaddress.ip_network(cidr)
        if not inside_vpc(network):
            errors.append(
                f"{target['field']}: {ip} is in no subnet of {vpc_id} and its /24 {cidr} does not fit in the VPC's "
                f"CIDR blocks ({cidr_text}); list its subnet in subnets"
            )
            continue
        clashes = overlapping(network)
        if clashes:
            errors.append(
                f"{target['field']}: {ip} is in no subnet of {vpc_id} and its /24 {cidr} overlaps "
                + ", ".join(f"{clash['id']} ({clash['cidr']})" for clash in clashes)
                + "; list its subnet in subnets"
            )
            continue
        if not zones:
            errors.append(
                f"{target['field']}: {ip} needs a subnet and the region has no available Availability Zone; "
                "list its subnet in subnets"
            )
            continue
        planned = next((entry for entry in create if entry["cidr"] == cidr), None)
        if planned is None:
            planned = {"cidr": cidr, "az": derived_zone(cidr, zones), "for": []}
            create.append(planned)
        placement[ip] = cidr

    for target in targets:
        cidr = placement.get(target["ip"])
        if cidr is None:
            continue
        if target["ip"] in reserved_addresses(cidr):
            errors.append(
                f"{target['field']}: {target['ip']} is one of the addresses AWS reserves in subnet {cidr} "
                "(the first four and the last); no service can use it"
            )
        for entry in create:
            if entry["cidr"] == cidr:
                entry["for"].append(target["ip"])

    create.sort(key=lambda entry: cidr_key(entry["cidr"]))
    return {"create": create, "placement": placement, "errors": errors}


def subnet_tags(gateway, name, tags, az):
    """Tags of a subnet to create: the caller's, the Name (``<name>-<az>``) and the ownership tags."""
    result = dict(tags or {})
    if name:
        result["Name"] = f"{name}-{az}"
    result.update(ownership_tags(gateway))
    return result


def format_subnet(subnet, route_table_id=None, main_table=None, holds=None):
    """``10.0.1.0/24 us-east-1b subnet-1 (payments-us-east-1b), route table rtb-1, holds 10.0.1.25``."""
    text = f"{subnet['cidr']} {subnet['az']} {subnet.get('id') or '(new)'}"
    if subnet.get("name"):
        text += f" ({subnet['name']})"
    if route_table_id:
        text += f", route table {route_table_id}"
        if route_table_id == main_table:
            text += " (main)"
    if holds:
        text += f", holds {', '.join(holds)}"
    return text
