# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import ec2_network as net
from botocore.stub import Stubber

PCX = "pcx-0123456789abcdef0"
PCX_OLD = "pcx-0aaaaaaaaaaaaaaaa"
PCX_OTHER = "pcx-0bbbbbbbbbbbbbbbb"
TGW = "tgw-0123456789abcdef0"
IGW = "igw-0123456789abcdef0"
RTB = "rtb-0123456789abcdef0"
RTB_2 = "rtb-0fedcba9876543210"
VPC = "vpc-0123456789abcdef0"
ZONES = ["us-east-1c", "us-east-1a", "us-east-1b", "us-east-1d", "us-east-1f", "us-east-1e"]


def raw_route(dest, state="active", origin="CreateRoute", **target):
    route = {"DestinationCidrBlock": dest, "State": state, "Origin": origin}
    route.update(target)
    return route


def table(*routes, table_id=RTB, name=None):
    raw = {"RouteTableId": table_id, "VpcId": VPC, "Routes": list(routes), "Associations": []}
    if name:
        raw["Tags"] = [{"Key": "Name", "Value": name}]
    return net.normalise_route_table(raw)


def desired(*routes, state="present", owned=(), purge=False):
    params = {
        "state": state,
        "route_table_ids": [RTB],
        "routes": [dict(route) for route in routes],
        "owned_targets": list(owned),
        "purge_routes": purge,
    }
    return net.validate_route_params(params)


def plan(tbl, checked, state="present", purge=False):
    return net.plan_route_table(tbl, checked["routes"], checked["owned_targets"], state, purge)


LOCAL = raw_route("10.0.0.0/16", origin="CreateRouteTable", GatewayId="local")
DEFAULT = raw_route("0.0.0.0/0", GatewayId=IGW)


# ------------------------------------------------------------------------- vpc_routes input


@pytest.mark.parametrize(
    "params, message",
    [
        ({"route_table_ids": ["rtb-1"]}, "route_table_ids[0]: 'rtb-1' is not a rtb- id"),
        ({"route_table_ids": [RTB, RTB.upper()]}, f"route_table_ids[1]: {RTB} is listed twice"),
        (
            {"routes": [{"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX}, {"dest": "10.100.1.5/24"}]},
            "routes[1].dest: '10.100.1.5/24' is not a valid IPv4 CIDR block",
        ),
        (
            {"routes": [{"dest": "fd00::/64", "vpc_peering_connection_id": PCX}]},
            "routes[0].dest: 'fd00::/64' is an IPv6",
        ),
        ({"routes": [{"dest": "10.100.1.0/24"}]}, "routes[0]: give a target (vpc_peering_connection_id or"),
        (
            {"routes": [{"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX, "transit_gateway_id": TGW}]},
            "routes[0]: give one target, not vpc_peering_connection_id and transit_gateway_id",
        ),
        (
            {"routes": [{"dest": "10.100.1.0/24", "vpc_peering_connection_id": TGW}]},
            f"routes[0].vpc_peering_connection_id: '{TGW}' is not a pcx- id",
        ),
        (
            {"routes": [{"dest": "10.100.1.0/24", "transit_gateway_id": "tgw-xyz"}]},
            "routes[0].transit_gateway_id: 'tgw-xyz' is not a tgw- id",
        ),
        (
            {
                "routes": [
                    {"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX},
                    {"dest": "10.100.1.0/24", "transit_gateway_id": TGW},
                ]
            },
            "routes[1].dest: 10.100.1.0/24 is listed twice (routes[0] and routes[1])",
        ),
        ({"owned_targets": [PCX, IGW]}, f"owned_targets[1]: '{IGW}' is not a route target this module manages"),
        ({"owned_targets": ["pcx-12"]}, "owned_targets[0]: 'pcx-12' is not a pcx- id"),
    ],
)
def test_route_input_errors_name_the_field(params, message):
    base = {"state": "present", "route_table_ids": [RTB], "routes": [], "owned_targets": []}
    base.update(params)
    with pytest.raises(ValueError) as raised:
        net.validate_route_params(base)
    assert message in str(raised.value)


def test_route_input_is_normalised():
    checked = net.validate_route_params(
        {
            "state": "present",
            "route_table_ids": [RTB.upper()],
            "routes": [{"dest": " 10.100.1.0/24 ", "vpc_peering_connection_id": PCX.upper(), "transit_gateway_id": ""}],
            "owned_targets": [TGW.upper()],
        }
    )
    assert checked == {
        "route_table_ids": [RTB],
        "routes": [{"field": "routes[0]", "dest": "10.100.1.0/24", "target": PCX}],
        "owned_targets": {TGW},
    }


def test_absent_routes_may_omit_the_target():
    checked = net.validate_route_params(
        {"state": "absent", "route_table_ids": [RTB], "routes": [{"dest": "10.100.1.0/24"}], "owned_targets": []}
    )
    assert checked["routes"] == [{"field": "routes[0]", "dest": "10.100.1.0/24", "target": None}]


def test_target_parameters():
    assert net.target_parameters(PCX) == {"VpcPeeringConnectionId": PCX}
    assert net.target_parameters(TGW) == {"TransitGatewayId": TGW}
    with pytest.raises(ValueError):
        net.target_parameters(IGW)


# ------------------------------------------------------------------------- route tables read


def test_normalise_route_table_keeps_ipv4_static_routes_only():
    tbl = net.normalise_route_table(
        {
            "RouteTableId": RTB,
            "VpcId": VPC,
            "Tags": [{"Key": "Name", "Value": "private"}],
            "Routes": [
                LOCAL,
                DEFAULT,
                raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX),
                raw_route("10.200.0.0/16", origin="EnableVgwRoutePropagation", GatewayId="vgw-0123456789abcdef0"),
                {"DestinationIpv6CidrBlock": "::/0", "GatewayId": IGW, "State": "active", "Origin": "CreateRoute"},
                {"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-1", "State": "active"},
                raw_route("10.0.5.0/24", InstanceId="i-1", NetworkInterfaceId="eni-1"),
            ],
        }
    )
    assert tbl["name"] == "private"
    assert sorted(tbl["routes"]) == ["0.0.0.0/0", "10.0.0.0/16", "10.0.5.0/24", "10.100.1.0/24"]
    assert tbl["routes"]["10.0.0.0/16"]["target"] == "local"
    assert tbl["routes"]["10.0.5.0/24"]["target"] == "eni-1"
    # every route but the propagated one counts towards the routes-per-table quota
    assert tbl["static_count"] == 6


# ------------------------------------------------------------------------- route plan


def test_plan_adds_missing_routes_and_keeps_matching_ones():
    tbl = table(LOCAL, DEFAULT, raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX))
    checked = desired(
        {"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.2.0/24", "vpc_peering_connection_id": PCX},
    )
    result = plan(tbl, checked)
    assert result["add"] == [{"dest": "10.100.2.0/24", "target": PCX}]
    assert result["replace"] == result["delete"] == result["conflicts"] == []
    assert result["before"] == [f"10.100.1.0/24 -> {PCX}"]
    assert result["after"] == [f"10.100.1.0/24 -> {PCX}", f"10.100.2.0/24 -> {PCX}"]
    assert net.route_actions(tbl, result) == [f"{RTB}: add route 10.100.2.0/24 -> {PCX}"]


def test_plan_without_change_is_empty():
    tbl = table(LOCAL, raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX))
    result = plan(tbl, desired({"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX}, owned=[PCX]), purge=True)
    assert net.route_actions(tbl, result) == []
    assert result["before"] == result["after"]


def test_plan_replaces_owned_and_blackhole_routes():
    tbl = table(
        LOCAL,
        raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX_OLD),
        raw_route("10.100.2.0/24", state="blackhole", VpcPeeringConnectionId=PCX_OTHER),
        name="private",
    )
    checked = desired(
        {"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.2.0/24", "vpc_peering_connection_id": PCX},
        owned=[PCX_OLD],
    )
    result = plan(tbl, checked)
    assert result["replace"] == [
        {"dest": "10.100.1.0/24", "target": PCX, "previous_target": PCX_OLD},
        {"dest": "10.100.2.0/24", "target": PCX, "previous_target": PCX_OTHER},
    ]
    assert result["conflicts"] == [] and result["add"] == []
    assert result["before"] == [f"10.100.1.0/24 -> {PCX_OLD}", f"10.100.2.0/24 -> {PCX_OTHER} (blackhole)"]
    assert net.route_actions(tbl, result)[1] == (
        f"{RTB} (private): replace route 10.100.2.0/24 -> {PCX_OTHER} (blackhole) by 10.100.2.0/24 -> {PCX}"
    )


def test_plan_reports_foreign_routes_as_conflicts():
    tbl = table(
        LOCAL,
        raw_route("0.0.0.0/0", GatewayId=IGW),
        raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX_OTHER),
        raw_route("10.100.2.0/24", TransitGatewayId=TGW),
        raw_route("10.100.3.0/24", state="blackhole", TransitGatewayId=TGW),
    )
    checked = desired(
        {"dest": "0.0.0.0/0", "vpc_peering_connection_id": PCX},
        {"dest": "10.0.0.0/16", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.2.0/24", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.3.0/24", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.4.0/25", "vpc_peering_connection_id": PCX},
    )
    result = plan(tbl, checked)
    assert net.conflict_lines(tbl, result) == [
        f"{RTB}: 0.0.0.0/0 already goes to {IGW}",
        f"{RTB}: 10.0.0.0/16 already goes to local",
        f"{RTB}: 10.100.1.0/24 already goes to {PCX_OTHER}",
        f"{RTB}: 10.100.2.0/24 already goes to {TGW}",
        f"{RTB}: 10.100.3.0/24 already goes to {TGW}",
    ]
    # a longer prefix of an existing destination is another route
    assert result["add"] == [{"dest": "10.100.4.0/25", "target": PCX}]


def test_plan_purge_deletes_unlisted_owned_routes_only():
    tbl = table(
        LOCAL,
        DEFAULT,
        raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX),
        raw_route("10.100.9.0/24", VpcPeeringConnectionId=PCX),
        raw_route("10.100.8.0/24", VpcPeeringConnectionId=PCX_OTHER),
        raw_route("10.100.7.0/24", state="blackhole", VpcPeeringConnectionId=PCX_OTHER),
    )
    checked = desired({"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX}, owned=[PCX])
    assert plan(tbl, checked)["delete"] == []
    result = plan(tbl, checked, purge=True)
    assert result["delete"] == [{"dest": "10.100.9.0/24", "target": PCX}]
    assert result["after"] == [f"10.100.1.0/24 -> {PCX}"]
    assert net.route_actions(tbl, result) == [f"{RTB}: delete route 10.100.9.0/24 -> {PCX}"]


def test_plan_absent_deletes_ours_and_leaves_the_rest():
    tbl = table(
        LOCAL,
        DEFAULT,
        raw_route("10.100.1.0/24", VpcPeeringConnectionId=PCX),
        raw_route("10.100.2.0/24", state="blackhole", VpcPeeringConnectionId=PCX_OTHER),
        raw_route("10.100.3.0/24", VpcPeeringConnectionId=PCX_OTHER),
        raw_route("10.100.4.0/24", VpcPeeringConnectionId=PCX_OLD),
        raw_route("10.100.9.0/24", VpcPeeringConnectionId=PCX_OLD),
    )
    checked = desired(
        {"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX},
        {"dest": "10.100.2.0/24"},
        {"dest": "10.100.3.0/24"},
        {"dest": "10.100.4.0/24"},
        {"dest": "10.100.5.0/24"},
        {"dest": "0.0.0.0/0"},
        state="absent",
        owned=[PCX_OLD],
    )
    result = plan(tbl, checked, state="absent")
    assert result["delete"] == [
        {"dest": "10.100.1.0/24", "target": PCX},
        {"dest": "10.100.2.0/24", "target": PCX_OTHER},
        {"dest": "10.100.4.0/24", "target": PCX_OLD},
    ]
    assert result["conflicts"] == [
        {"dest": "0.0.0.0/0", "target": IGW},
        {"dest": "10.100.3.0/24", "target": PCX_OTHER},
    ]
    assert result["add"] == result["replace"] == []
    purged = plan(tbl, checked, state="absent", purge=True)
    assert [entry["dest"] for entry in purged["delete"]] == [
        "10.100.1.0/24",
        "10.100.2.0/24",
        "10.100.4.0/24",
        "10.100.9.0/24",
    ]
    assert purged["after"] == ["0.0.0.0/0 -> " + IGW, f"10.100.3.0/24 -> {PCX_OTHER}"]


def test_plan_warns_about_a_blackhole_through_the_listed_target():
    tbl = table(LOCAL, raw_route("10.100.1.0/24", state="blackhole", VpcPeeringConnectionId=PCX))
    result = plan(tbl, desired({"dest": "10.100.1.0/24", "vpc_peering_connection_id": PCX}))
    assert net.route_actions(tbl, result) == []
    assert "names a target that is gone" in result["warnings"][0]


def test_plan_counts_routes_for_the_quota():
    routes = [raw_route(f"10.1.{index}.0/24", VpcPeeringConnectionId=PCX) for index in range(49)]
    tbl = table(LOCAL, *routes)
    result = plan(tbl, desired({"dest": "10.2.0.0/24", "vpc_peering_connection_id": PCX}))
    assert result["static_count_after"] == 51


# ------------------------------------------------------------------------- subnets input


def subnet_params(**values):
    base = {"vpc_id": VPC, "gateway": "open-banking", "targets": [], "subnets": [], "tags": {}, "name": None}
    base.update(values)
    return base


@pytest.mark.parametrize(
    "values, message",
    [
        ({"vpc_id": "vpc-x"}, "vpc_id: 'vpc-x' is not a vpc- id"),
        ({"gateway": " "}, "gateway: give the name of the gateway"),
        ({"targets": ["10.0.1.5", "10.0.1.6", "10.0.1.x"]}, "targets[2]: '10.0.1.x' is not an IPv4 address"),
        ({"subnets": [{"cidr": "10.0.1.0/33", "az": "us-east-1a"}]}, "subnets[0].cidr: '10.0.1.0/33' is not a valid"),
        ({"subnets": [{"cidr": "10.0.0.0/29", "az": "us-east-1a"}]}, "subnets[0].cidr: 10.0.0.0/29 is a /29"),
        ({"subnets": [{"cidr": "10.0.1.0/24", "az": "US East"}]}, "subnets[0].az: 'US East' is not an Availability"),
        (
            {"subnets": [{"cidr": "10.0.1.0/24", "az": "eu-west-1a"}]},
            "subnets[0].az: 'eu-west-1a' is not an Availability Zone of region us-east-1",
        ),
        (
            {"subnets": [{"cidr": "10.0.0.0/20", "az": "us-east-1a"}, {"cidr": "10.0.1.0/24", "az": "us-east-1b"}]},
            "subnets[1].cidr: 10.0.1.0/24 overlaps subnets[0].cidr (10.0.0.0/20)",
        ),
        ({"tags": {"ManagedBy": "me"}}, "tags.ManagedBy: 'me' differs from 'multiaccount.apigateway'; the module sets"),
        (
            {"tags": {"aws:cloudformation:stack-name": "x"}},
            "tags.aws:cloudformation:stack-name: keys starting with aws:",
        ),
        ({"name": ""}, "name: give a non-empty Name tag prefix"),
    ],
)
def test_subnet_input_errors_name_the_field(values, message):
    with pytest.raises(ValueError) as raised:
        net.validate_subnet_params(subnet_params(**values), "us-east-1")
    assert message in str(raised.value)


def test_subnet_input_is_normalised():
    checked = net.validate_subnet_params(
        subnet_params(
            targets=["10.0.1.25", " 10.0.1.25", "10.0.2.25"],
            subnets=[{"cidr": "10.0.1.0/24", "az": "US-EAST-1A"}],
            tags={"CostCenter": 1234},
            name=" payments ",
        ),
        "us-east-1",
    )
    assert checked["targets"] == [
        {"field": "targets[0]", "ip": "10.0.1.25"},
        {"field": "targets[2]", "ip": "10.0.2.25"},
    ]
    assert checked["subnets"] == [{"field": "subnets[0]", "cidr": "10.0.1.0/24", "az": "us-east-1a"}]
    assert checked["tags"] == {"CostCenter": "1234"}
    assert checked["name"] == "payments"


# ------------------------------------------------------------------------- subnets plan


def existing(subnet_id, cidr, az, **tags):
    return {"id": subnet_id, "cidr": cidr, "az": az, "vpc_id": VPC, "name": tags.get("Name"), "tags": tags}


def targets(*ips):
    return [{"field": f"targets[{index}]", "ip": ip} for index, ip in enumerate(ips)]


def listed(*entries):
    return [{"field": f"subnets[{index}]", "cidr": cidr, "az": az} for index, (cidr, az) in enumerate(entries)]


def test_derived_cidr_and_zone():
    assert net.derived_cidr("10.0.1.25") == "10.0.1.0/24"
    assert net.derived_zone("10.0.1.0/24", ZONES) == "us-east-1b"
    assert net.derived_zone("10.0.2.0/24", ZONES) == "us-east-1c"
    assert net.derived_zone("10.0.6.0/24", ZONES) == "us-east-1a"
    assert net.derived_zone("10.0.0.0/24", ["eu-west-1b", "eu-west-1a"]) == "eu-west-1a"


def test_plan_derives_one_subnet_per_slash_24():
    result = net.plan_subnets(VPC, ["10.0.0.0/16"], [], [], targets("10.0.1.25", "10.0.2.25", "10.0.1.26"), ZONES)
    assert result["errors"] == []
    assert result["create"] == [
        {"cidr": "10.0.1.0/24", "az": "us-east-1b", "for": ["10.0.1.25", "10.0.1.26"]},
        {"cidr": "10.0.2.0/24", "az": "us-east-1c", "for": ["10.0.2.25"]},
    ]
    assert result["placement"] == {"10.0.1.25": "10.0.1.0/24", "10.0.2.25": "10.0.2.0/24", "10.0.1.26": "10.0.1.0/24"}


def test_plan_uses_existing_subnets_and_secondary_cidrs():
    current = [existing("subnet-00000001", "10.0.0.0/20", "us-east-1a")]
    result = net.plan_subnets(
        VPC, ["10.0.0.0/16", "100.64.0.0/16"], current, [], targets("10.0.3.7", "100.64.5.9"), ZONES
    )
    assert result["errors"] == []
    assert result["placement"] == {"10.0.3.7": "10.0.0.0/20", "100.64.5.9": "100.64.5.0/24"}
    assert result["create"] == [{"cidr": "100.64.5.0/24", "az": "us-east-1f", "for": ["100.64.5.9"]}]


def test_unplaced_targets_decide_whether_zones_are_needed():
    current = [existing("subnet-00000001", "10.0.1.0/24", "us-east-1b")]
    assert net.unplaced_targets(targets("10.0.1.25"), current, []) == []
    assert net.unplaced_targets(targets("10.0.1.25", "10.0.2.25"), current, []) == [
        {"field": "targets[1]", "ip": "10.0.2.25"}
    ]


def test_plan_reports_every_problem_at_once():
    current = [
        existing("subnet-00000001", "10.0.1.0/28", "us-east-1a"),
        existing("subnet-00000002", "10.0.4.0/24", "us-east-1a"),
    ]
    result = net.plan_subnets(
        VPC, ["10.0.0.0/16"], current, [], targets("10.9.0.5", "10.0.1.25", "10.0.4.1", "10.0.3.4"), ZONES
    )
    assert result["errors"] == [
        f"targets[0]: 10.9.0.5 is in no subnet of {VPC} and its /24 10.9.0.0/24 does not fit in the VPC's CIDR blocks "
        "(10.0.0.0/16); list its subnet in subnets",
        f"targets[1]: 10.0.1.25 is in no subnet of {VPC} and its /24 10.0.1.0/24 overlaps subnet-00000001 (10.0.1.0/28); "
        "list its subnet in subnets",
        "targets[2]: 10.0.4.1 is one of the addresses AWS reserves in subnet 10.0.4.0/24 (the first four and the last); "
        "no service can use it",
    ]
    assert result["create"] == [{"cidr": "10.0.3.0/24", "az": "us-east-1d", "for": ["10.0.3.4"]}]


def test_plan_with_listed_subnets_derives_nothing():
    current = [existing("subnet-00000001", "10.0.1.0/24", "us-east-1b")]
    result = net.plan_subnets(
        VPC,
        ["10.0.0.0/16"],
        current,
        listed(("10.0.1.0/24", "us-east-1b"), ("10.0.16.0/20", "us-east-1a")),
        targets("10.0.1.25", "10.0.17.3", "10.0.40.1"),
        None,
    )
    assert result["create"] == [{"cidr": "10.0.16.0/20", "az": "us-east-1a", "for": ["10.0.17.3"]}]
    assert result["errors"] == [
        f"targets[2]: 10.0.40.1 is in no subnet of {VPC} and in none of subnets; list its subnet in subnets "
        "(e.g. {cidr: 10.0.40.0/24, az: ...})"
    ]


def test_plan_checks_listed_subnets_against_the_vpc():
    current = [existing("subnet-00000001", "10.0.1.0/24", "us-east-1b")]
    result = net.plan_subnets(
        VPC,
        ["10.0.0.0/16"],
        current,
        listed(("10.0.1.0/24", "us-east-1a"), ("10.1.0.0/24", "us-east-1a"), ("10.0.0.0/23", "us-east-1a")),
        [],
        None,
    )
    assert result["create"] == []
    assert result["errors"] == [
        "subnets[0].az: 10.0.1.0/24 exists in us-east-1b (subnet-00000001), not in us-east-1a; an existing subnet is "
        "used as it is: set az to us-east-1b",
        f"subnets[1].cidr: 10.1.0.0/24 is outside the CIDR blocks of {VPC} (10.0.0.0/16); pick a block inside them",
        f"subnets[2].cidr: 10.0.0.0/23 overlaps subnet-00000001 (10.0.1.0/24) of {VPC}; list the existing subnet's "
        "CIDR instead, or a block that does not overlap",
    ]


def test_plan_without_zones_is_an_error():
    result = net.plan_subnets(VPC, ["10.0.0.0/16"], [], [], targets("10.0.1.25"), [])
    assert "no available Availability Zone" in result["errors"][0]


def test_subnet_route_tables_explicit_and_main():
    raw = [
        {
            "RouteTableId": "rtb-main",
            "Associations": [{"Main": True, "RouteTableId": "rtb-main", "AssociationState": {"State": "associated"}}],
        },
        {
            "RouteTableId": "rtb-own",
            "Associations": [
                {"Main": False, "SubnetId": "subnet-1", "AssociationState": {"State": "associated"}},
                {"Main": False, "SubnetId": "subnet-2", "AssociationState": {"State": "disassociated"}},
                {"Main": False, "GatewayId": IGW, "AssociationState": {"State": "associated"}},
            ],
        },
    ]
    assert net.subnet_route_tables(raw) == ("rtb-main", {"subnet-1": "rtb-own"})


def test_associated_vpc_cidrs():
    vpc = {
        "CidrBlock": "10.0.0.0/16",
        "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.8.0.0/16", "CidrBlockState": {"State": "associating"}},
            {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        ],
    }
    assert net.associated_vpc_cidrs(vpc) == ["10.0.0.0/16", "100.64.0.0/16"]
    assert net.associated_vpc_cidrs({"CidrBlock": "10.0.0.0/16"}) == ["10.0.0.0/16"]


def test_subnet_tags_and_ownership():
    tags = net.subnet_tags("open-banking", "payments", {"Name": "x", "CostCenter": "1"}, "us-east-1b")
    assert tags == {
        "Name": "payments-us-east-1b",
        "CostCenter": "1",
        "ManagedBy": "multiaccount.apigateway",
        "multiaccount:gateway": "open-banking",
    }
    assert net.is_ours(tags, "open-banking")
    assert not net.is_ours(tags, "other")
    assert not net.is_ours({"multiaccount:gateway": "open-banking"}, "open-banking")
    assert "Name" not in net.subnet_tags("g", None, {}, "us-east-1a")


def test_format_subnet():
    subnet = {"id": None, "cidr": "10.0.2.0/24", "az": "us-east-1c", "name": "payments-us-east-1c"}
    assert net.format_subnet(subnet, "rtb-1", "rtb-1", ["10.0.2.25"]) == (
        "10.0.2.0/24 us-east-1c (new) (payments-us-east-1c), route table rtb-1 (main), holds 10.0.2.25"
    )


# ------------------------------------------------------------------------- API layer


def ec2_client():
    return boto3.client("ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")


def test_not_found_becomes_empty_or_false():
    client = ec2_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("describe_vpcs", "InvalidVpcID.NotFound")
        stubber.add_client_error("delete_route", "InvalidRoute.NotFound")
        stubber.add_client_error("delete_subnet", "InvalidSubnetID.NotFound")
        assert net.describe_vpcs(client, [VPC]) == []
        assert net.delete_route(client, RTB, "10.100.1.0/24") is False
        assert net.delete_subnet(client, "subnet-00000001") is False


def test_error_code():
    client = ec2_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("delete_subnet", "DependencyViolation")
        with pytest.raises(net.AnsibleEc2NetworkError) as raised:
            net.delete_subnet(client, "subnet-00000001")
    assert net.error_code(raised.value) == "DependencyViolation"
    assert net.error_code(net.AnsibleEc2NetworkError(message="no exception")) is None


def test_other_errors_raise_with_the_action():
    client = ec2_client()
    with Stubber(client) as stubber:
        stubber.add_client_error("create_route", "RouteAlreadyExists", "exists")
        with pytest.raises(net.AnsibleEc2NetworkError) as raised:
            net.create_route(client, RTB, "10.100.1.0/24", PCX)
    assert raised.value.message == "Failed to create route"


def test_write_calls_send_the_target_key():
    client = ec2_client()
    with Stubber(client) as stubber:
        stubber.add_response(
            "create_route",
            {"Return": True},
            {"RouteTableId": RTB, "DestinationCidrBlock": "10.100.1.0/24", "TransitGatewayId": TGW},
        )
        stubber.add_response(
            "replace_route",
            {},
            {"RouteTableId": RTB, "DestinationCidrBlock": "10.100.1.0/24", "VpcPeeringConnectionId": PCX},
        )
        stubber.add_response(
            "create_subnet",
            {"Subnet": {"SubnetId": "subnet-00000001", "CidrBlock": "10.0.1.0/24", "State": "available"}},
            {
                "VpcId": VPC,
                "CidrBlock": "10.0.1.0/24",
                "AvailabilityZone": "us-east-1b",
                "TagSpecifications": [{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "p-us-east-1b"}]}],
            },
        )
        assert net.create_route(client, RTB, "10.100.1.0/24", TGW)
        assert net.replace_route(client, RTB, "10.100.1.0/24", PCX)
        assert net.create_subnet(client, VPC, "10.0.1.0/24", "us-east-1b", {"Name": "p-us-east-1b"})["SubnetId"]
        stubber.assert_no_pending_responses()


def test_describe_route_tables_sends_filters():
    client = ec2_client()
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_route_tables",
            {"RouteTables": [{"RouteTableId": RTB}]},
            {"Filters": [{"Name": "route-table-id", "Values": [RTB, RTB_2]}]},
        )
        assert net.describe_route_tables(client, {"route-table-id": [RTB, RTB_2]}) == [{"RouteTableId": RTB}]


def test_subnet_tags_may_repeat_the_ownership_tags_with_their_own_values():
    checked = net.validate_subnet_params(
        subnet_params(
            tags={"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking", "Team": "x"}
        ),
        "us-east-1",
    )
    assert checked["tags"]["Team"] == "x"


def raw_table(table_id, tags=None, subnets=(), main=False):
    associations = [{"RouteTableId": table_id, "Main": True}] if main else []
    associations += [{"RouteTableId": table_id, "SubnetId": subnet, "Main": False} for subnet in subnets]
    return {
        "RouteTableId": table_id,
        "Tags": [{"Key": key, "Value": value} for key, value in (tags or {}).items()],
        "Associations": associations,
    }


OWN_TAGS = net.route_table_tags("gw", {"Name": "gw-gateway"})


def test_route_table_tags_add_the_ownership_tags():
    assert OWN_TAGS == {"Name": "gw-gateway", "ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "gw"}


def test_own_route_table_found_by_every_tag_and_associated_where_missing():
    tables = [
        raw_table("rtb-main", main=True, subnets=()),
        raw_table("rtb-ours", OWN_TAGS, subnets=["subnet-a"]),
        raw_table("rtb-other-gw", dict(OWN_TAGS, **{"multiaccount:gateway": "other"})),
    ]
    plan = net.plan_own_route_table(tables, OWN_TAGS, ["subnet-b", "subnet-a"])
    assert plan["table"]["RouteTableId"] == "rtb-ours"
    assert plan["associate"] == ["subnet-b"] and plan["errors"] == []


def test_own_route_table_missing_is_to_create_and_every_subnet_to_associate():
    plan = net.plan_own_route_table([raw_table("rtb-main", main=True)], OWN_TAGS, ["subnet-a"])
    assert plan == {"table": None, "associate": ["subnet-a"], "errors": []}


def test_own_route_table_never_moves_a_subnet_and_never_picks_one_of_two():
    tables = [raw_table("rtb-1", OWN_TAGS), raw_table("rtb-2", OWN_TAGS), raw_table("rtb-x", {}, subnets=["subnet-a"])]
    plan = net.plan_own_route_table(tables, OWN_TAGS, ["subnet-a"])
    assert plan["table"] is None
    assert plan["errors"] == [
        "route_table.tags: 2 route tables of the VPC carry these tags (rtb-1, rtb-2); keep one",
        "route_table: subnet subnet-a is associated with route table rtb-x, not this module's table; disassociate "
        "it (the module never moves a subnet away from a table)",
    ]


def _table(table_id, associations):
    return {"RouteTableId": table_id, "Associations": associations, "Routes": []}


def test_serving_table_ids_explicit_association_else_main_each_table_once():
    tables = [
        _table("rtb-main", [{"Main": True, "AssociationState": {"State": "associated"}}]),
        _table(
            "rtb-own",
            [
                {"SubnetId": "subnet-a", "AssociationState": {"State": "associated"}},
                {"SubnetId": "subnet-b", "AssociationState": {"State": "associated"}},
                {"SubnetId": "subnet-gone", "AssociationState": {"State": "disassociated"}},
            ],
        ),
    ]
    assert net.serving_table_ids(tables, ["subnet-a", "subnet-c", "subnet-b", "subnet-gone"]) == (
        ["rtb-own", "rtb-main"],
        [],
    )
    assert net.serving_table_ids(tables[1:], ["subnet-a", "subnet-c"]) == (["rtb-own"], ["subnet-c"])
    assert net.serving_table_ids(tables, []) == ([], [])
    assert net.serving_table_ids(tables, ["subnet-a"], main_table=True) == (["rtb-own", "rtb-main"], [])
    assert net.serving_table_ids(tables, ["subnet-c"], main_table=True) == (["rtb-main"], [])


def test_check_route_scope_takes_one_of_tables_or_subnets():
    assert net.check_route_scope({"route_table_ids": ["rtb-0123456789abcdef0"]}, "routes") == (
        ["rtb-0123456789abcdef0"],
        None,
        [],
    )
    assert net.check_route_scope({"subnet_ids": ["SUBNET-0123456789ABCDEF0"]}, "routes") == (
        None,
        ["subnet-0123456789abcdef0"],
        [],
    )
    for spec, what in (({}, "neither"), ({"route_table_ids": [], "subnet_ids": []}, "both")):
        _tables, _subnets, problems = net.check_route_scope(spec, "return_routes")
        assert problems == [
            "return_routes: give route_table_ids (the tables) or subnet_ids (the subnets whose tables get the "
            f"routes), {what} given"
        ]
    _tables, _subnets, problems = net.check_route_scope({"subnet_ids": ["subnet-1", "subnet-1"]}, "routes")
    assert problems == [
        "routes.subnet_ids[0]: 'subnet-1' is not a subnet- id (subnet- followed by 8 or 17 hex digits)",
        "routes.subnet_ids[1]: 'subnet-1' is not a subnet- id (subnet- followed by 8 or 17 hex digits)",
    ]
