# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""vpc_peering_requests against moto in-process (no network), every API call counted."""

import json

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import peerings
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_peering_requests

from .moto_harness import mocked_aws, record_api_calls, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account: the peers live in the same account here


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    return record_api_calls(monkeypatch)


def run(args, capsys, check_mode=False):
    return run_module(vpc_peering_requests.main, args, capsys, check_mode, REGION)


def ours(provider, gateway="gw"):
    return {
        "Name": f"{gateway}-{provider}",
        "ManagedBy": "multiaccount.apigateway",
        "multiaccount:gateway": gateway,
        "multiaccount:provider": provider,
    }


@pytest.fixture
def net():
    ec2 = boto3.client("ec2", region_name=REGION)
    vpcs = {
        name: ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        for name, cidr in (("gateway", "10.100.0.0/16"), ("payments", "10.1.0.0/16"), ("cards", "10.2.0.0/16"))
    }
    return {"ec2": ec2, **vpcs}


def spec(net, *providers, vpc_ids=None):
    vpc_ids = vpc_ids or {}
    return [
        {"provider": name, "account_id": ACCOUNT, "vpc_id": vpc_ids.get(name, net[name]), "tags": ours(name)}
        for name in providers
    ]


def args(net, peers):
    return {"vpc_id": net["gateway"], "gateway": "gw", "peerings": peers}


def peerings_of(ec2, vpc_id):
    found = ec2.describe_vpc_peering_connections(Filters=[{"Name": "requester-vpc-info.vpc-id", "Values": [vpc_id]}])[
        "VpcPeeringConnections"
    ]
    return [peerings.normalise(raw) for raw in found]


def test_requests_once_tagged_at_creation_then_nothing_to_do(net, capsys, calls):
    ec2 = net["ec2"]
    checked = run(args(net, spec(net, "payments", "cards")), capsys, check_mode=True)
    assert checked["changed"] is True
    assert writes(calls) == []
    assert peerings_of(ec2, net["gateway"]) == []
    assert [entry["id"] for entry in checked["created"]] == [None, None]
    assert checked["diff"]["before"] == {"peerings": {}}
    assert checked["diff"]["after"]["peerings"]["payments"] == f"(new) (to {ACCOUNT} {net['payments']})"
    assert checked["live"] == {}

    del calls[:]
    result = run(args(net, spec(net, "payments", "cards")), capsys)
    assert result["changed"] is True
    # One read, one create per request with its tags (no CreateTags), then one poll of both new requests:
    # CreateVpcPeeringConnection answers initiating-request (moto as AWS); the poll sees them pending.
    assert calls == [
        "DescribeVpcPeeringConnections",
        "CreateVpcPeeringConnection",
        "CreateVpcPeeringConnection",
        "DescribeVpcPeeringConnections",
    ]
    assert [entry["status"] for entry in result["created"]] == ["pending-acceptance", "pending-acceptance"]
    assert result["actions"] == checked["actions"]
    found = {entry["tags"]["multiaccount:provider"]: entry for entry in peerings_of(ec2, net["gateway"])}
    assert sorted(found) == ["cards", "payments"]
    assert found["payments"]["tags"] == ours("payments")
    assert found["payments"]["accepter_vpc_info"]["vpc_id"] == net["payments"]
    assert result["live"]["payments"] == {
        "id": found["payments"]["vpc_peering_connection_id"],
        "status": "pending-acceptance",
        "vpc_id": net["payments"],
    }
    assert result["diff"]["after"]["peerings"]["cards"] == (
        f"{found['cards']['vpc_peering_connection_id']} (pending-acceptance)"
    )

    del calls[:]
    again = run(args(net, spec(net, "payments", "cards")), capsys)
    assert again["changed"] is False and again["actions"] == [] and again["created"] == []
    assert calls == ["DescribeVpcPeeringConnections"]
    assert again["live"] == result["live"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_unknown_vpc_requests_nothing_and_keeps_its_request_out_of_stale(net, capsys, calls):
    run(args(net, spec(net, "payments", "cards")), capsys)
    del calls[:]
    result = run(args(net, spec(net, "payments", "cards", vpc_ids={"cards": ""})), capsys)
    assert result["changed"] is False
    assert result["unknown"] == ["cards"]
    assert result["stale"] == []
    assert sorted(result["live"]) == ["payments"]
    assert writes(calls) == []


def test_a_provider_that_left_is_stale_and_left_alone_and_foreign_requests_never_are(net, capsys, calls):
    ec2 = net["ec2"]
    run(args(net, spec(net, "payments", "cards")), capsys)
    # Somebody else's request from the gateway VPC (no ownership tags).
    other = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_vpc_peering_connection(VpcId=net["gateway"], PeerVpcId=other)["VpcPeeringConnection"]
    del calls[:]
    result = run(args(net, spec(net, "payments")), capsys)
    assert result["changed"] is False
    assert writes(calls) == []
    assert [(entry["provider"], entry["vpc_id"], entry["account_id"]) for entry in result["stale"]] == [
        ("cards", net["cards"], ACCOUNT)
    ]
    assert foreign["VpcPeeringConnectionId"] not in [entry["id"] for entry in result["stale"]]
    assert len(peerings_of(ec2, net["gateway"])) == 3


def test_a_request_without_the_planned_tags_gets_them_and_nothing_else(net, capsys, calls):
    ec2 = net["ec2"]
    pcx = ec2.create_vpc_peering_connection(VpcId=net["gateway"], PeerVpcId=net["payments"])["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    del calls[:]
    checked = run(args(net, spec(net, "payments")), capsys, check_mode=True)
    assert checked["changed"] is True and writes(calls) == []
    assert checked["actions"] == [f"tag peering {pcx_id} of payments"]
    del calls[:]
    result = run(args(net, spec(net, "payments")), capsys)
    assert calls == ["DescribeVpcPeeringConnections", "CreateTags"]
    assert result["live"]["payments"]["id"] == pcx_id
    assert peerings_of(ec2, net["gateway"])[0]["tags"] == ours("payments")
    assert run(args(net, spec(net, "payments")), capsys)["changed"] is False


def test_a_request_that_never_leaves_initiating_fails_naming_it(net, capsys, monkeypatch):
    monkeypatch.setattr(
        peerings,
        "wait_until_settled",
        lambda client, ids, timeout, **kwargs: ({}, list(ids)),
    )
    original = peerings.create_peering
    monkeypatch.setattr(
        peerings,
        "create_peering",
        lambda *a, **k: dict(original(*a, **k), Status={"Code": "initiating-request"}),
    )
    result = run(dict(args(net, spec(net, "payments")), wait_timeout=5), capsys)
    assert result["failed"] is True
    assert result["created"][0]["id"] in result["msg"]
    assert "wait_timeout 5 s" in result["msg"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"vpc_id": "vpc-xyz"}, "vpc_id: 'vpc-xyz' is not a VPC id"),
        ({"gateway": " "}, "gateway: give the value"),
        ({"wait_timeout": -1}, "wait_timeout: must be 0 or more"),
        ({"peerings": [{"provider": "p", "account_id": "12345"}]}, "peerings[0].account_id: '12345' is not a 12-digit"),
        (
            {"peerings": [{"provider": "p", "account_id": ACCOUNT, "vpc_id": "subnet-0123456789abcdef0"}]},
            "peerings[0].vpc_id: 'subnet-0123456789abcdef0' is not a VPC id",
        ),
        (
            {"peerings": [{"provider": "p", "account_id": ACCOUNT, "region": "moon-1"}]},
            "peerings[0].region: 'moon-1' is not an AWS region name",
        ),
        (
            {"peerings": [{"provider": "p", "account_id": ACCOUNT}, {"provider": "p", "account_id": ACCOUNT}]},
            "peerings[1].provider: 'p' is listed twice",
        ),
    ],
)
def test_bad_input_fails_before_any_aws_call(net, capsys, calls, change, field):
    del calls[:]
    result = run(dict(args(net, []), **change), capsys)
    assert result["failed"] is True
    assert field in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert calls == []


# --------------------------------------------------------------------------------------------------
# routes: the gateway's routes to the peers through their requests, in the same run
# --------------------------------------------------------------------------------------------------

CIDRS = {"payments": ["10.1.0.0/16"], "cards": ["10.2.0.0/16"]}


def routed(net, peers, table_id, purge=False):
    for peer in peers:
        peer["cidrs"] = CIDRS[peer["provider"]]
    return dict(args(net, peers), routes={"route_table_ids": [table_id], "purge": purge})


def table_routes(ec2, table_id):
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    return {
        route["DestinationCidrBlock"]: route.get("VpcPeeringConnectionId") or route.get("GatewayId")
        for route in table["Routes"]
        if route.get("DestinationCidrBlock")
    }


@pytest.fixture
def table(net):
    return net["ec2"].create_route_table(VpcId=net["gateway"])["RouteTable"]["RouteTableId"]


def test_routes_go_in_with_the_requests_in_one_run_then_nothing_to_do(net, table, capsys, calls):
    ec2 = net["ec2"]
    checked = run(routed(net, spec(net, "payments", "cards"), table), capsys, check_mode=True)
    assert checked["changed"] is True
    assert writes(calls) == []
    assert checked["diff"]["before"]["route_tables"] == {table: []}
    assert checked["diff"]["after"]["route_tables"] == {
        table: ["10.1.0.0/16 -> (new request to payments)", "10.2.0.0/16 -> (new request to cards)"]
    }
    assert [entry["dest"] for entry in checked["route_tables"][0]["added"]] == ["10.1.0.0/16", "10.2.0.0/16"]
    assert table_routes(ec2, table) == {"10.100.0.0/16": "local"}

    del calls[:]
    result = run(routed(net, spec(net, "payments", "cards"), table), capsys)
    assert result["changed"] is True
    # The table is read once, before the first request; the routes go in after the poll, through the
    # requests just made (pending acceptance: AWS takes a route to them).
    assert calls == [
        "DescribeVpcPeeringConnections",
        "DescribeRouteTables",
        "CreateVpcPeeringConnection",
        "CreateVpcPeeringConnection",
        "DescribeVpcPeeringConnections",
        "CreateRoute",
        "CreateRoute",
    ]
    ids = {provider: entry["id"] for provider, entry in result["live"].items()}
    assert table_routes(ec2, table) == {
        "10.100.0.0/16": "local",
        "10.1.0.0/16": ids["payments"],
        "10.2.0.0/16": ids["cards"],
    }
    assert result["inactive"] == []
    assert result["actions"][-1] == f"{table}: add route 10.2.0.0/16 -> {ids['cards']}"
    assert result["diff"]["after"]["route_tables"] == {
        table: [f"10.1.0.0/16 -> {ids['payments']}", f"10.2.0.0/16 -> {ids['cards']}"]
    }

    del calls[:]
    again = run(routed(net, spec(net, "payments", "cards"), table), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert calls == ["DescribeVpcPeeringConnections", "DescribeRouteTables"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_a_route_of_someone_else_fails_the_run_before_any_request(net, table, capsys, calls):
    ec2 = net["ec2"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net["gateway"])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.2.0.0/16", GatewayId=igw)
    del calls[:]
    result = run(routed(net, spec(net, "payments", "cards"), table), capsys)
    assert result["failed"] is True
    assert f"route conflicts: {table}: 10.2.0.0/16 already goes to {igw}" in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert result["changed"] is False and result["actions"] == []
    assert writes(calls) == []
    assert peerings_of(ec2, net["gateway"]) == []
    assert table_routes(ec2, table)["10.2.0.0/16"] == igw


def test_a_missing_route_table_fails_the_run_before_any_request(net, capsys, calls):
    result = run(routed(net, spec(net, "payments"), "rtb-0123456789abcdef0"), capsys)
    assert result["failed"] is True
    assert "routes.route_table_ids[0]: rtb-0123456789abcdef0 not found in us-east-1" in result["msg"]
    assert writes(calls) == []
    assert peerings_of(net["ec2"], net["gateway"]) == []


def test_purge_removes_the_routes_of_a_peer_that_left_and_nothing_else(net, table, capsys):
    ec2 = net["ec2"]
    first = run(routed(net, spec(net, "payments", "cards"), table), capsys)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net["gateway"])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    kept = run(routed(net, spec(net, "payments"), table), capsys)
    assert kept["changed"] is False
    assert [entry["provider"] for entry in kept["stale"]] == ["cards"]
    assert "10.2.0.0/16" in table_routes(ec2, table)

    purged = run(routed(net, spec(net, "payments"), table, purge=True), capsys)
    assert purged["changed"] is True
    assert purged["route_tables"][0]["deleted"] == [{"dest": "10.2.0.0/16", "target": first["live"]["cards"]["id"]}]
    assert table_routes(ec2, table) == {
        "10.100.0.0/16": "local",
        "10.1.0.0/16": first["live"]["payments"]["id"],
        "0.0.0.0/0": igw,
    }


def test_a_request_still_initiating_gets_no_route_until_a_later_run(net, table, capsys, calls):
    ec2 = net["ec2"]
    first = run(dict(routed(net, spec(net, "payments"), table), wait=False), capsys)
    assert first["changed"] is True
    peering_id = first["created"][0]["id"]
    assert first["inactive"] == [{"provider": "payments", "id": peering_id, "status": "initiating-request"}]
    assert f"peering {peering_id} to payments is initiating-request" in json.dumps(first["warnings"])
    assert "10.1.0.0/16" not in table_routes(ec2, table)
    assert not any(call == "CreateRoute" for call in calls)

    later = run(routed(net, spec(net, "payments"), table), capsys)
    assert later["inactive"] == []
    assert table_routes(ec2, table)["10.1.0.0/16"] == peering_id


@pytest.mark.parametrize(
    "change, field",
    [
        ({"routes": {"route_table_ids": ["subnet-0123456789abcdef0"]}}, "routes.route_table_ids[0]"),
        (
            {"routes": {"route_table_ids": ["rtb-0123456789abcdef0", "rtb-0123456789abcdef0"]}},
            "routes.route_table_ids[1]: rtb-0123456789abcdef0 is listed twice",
        ),
        (
            {
                "routes": {"route_table_ids": []},
                "peerings": [{"provider": "p", "account_id": ACCOUNT, "cidrs": ["10.1.0.0/33"]}],
            },
            "peerings[0].cidrs[0]",
        ),
        (
            {
                "routes": {"route_table_ids": []},
                "peerings": [
                    {"provider": "p", "account_id": ACCOUNT, "cidrs": ["10.1.0.0/16"]},
                    {"provider": "q", "account_id": ACCOUNT, "cidrs": ["10.1.0.0/16"]},
                ],
            },
            "peerings[1].cidrs[0]: 10.1.0.0/16 is listed twice (peerings[0].cidrs[0] and peerings[1].cidrs[0])",
        ),
    ],
)
def test_bad_routes_fail_before_any_aws_call(net, capsys, calls, change, field):
    del calls[:]
    result = run(dict(args(net, []), **change), capsys)
    assert result["failed"] is True
    assert field in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert calls == []


def test_a_peer_moving_to_a_transit_gateway_keeps_its_request_and_routes_and_gets_no_new_one(net, table, capsys, calls):
    ec2 = net["ec2"]
    first = run(routed(net, spec(net, "payments", "cards"), table), capsys)
    peers = spec(net, "payments", "cards")
    for peer in peers:
        peer["create"] = peer["provider"] != "payments"
    # payments is on transit_gateway: its cidrs are not listed (the connectivity step routes it).
    moved = routed(net, peers, table, purge=True)
    moved["peerings"][0]["cidrs"] = []
    del calls[:]
    result = run(moved, capsys)
    assert result["changed"] is False
    assert writes(calls) == []
    # Its request stays live (not stale: it still carries the path until the Transit Gateway is ready) and
    # purge leaves its route alone.
    assert result["live"]["payments"]["id"] == first["live"]["payments"]["id"]
    assert result["stale"] == []
    assert table_routes(ec2, table)["10.1.0.0/16"] == first["live"]["payments"]["id"]


def test_a_peer_on_transit_gateway_without_a_request_gets_none(net, table, capsys, calls):
    peers = spec(net, "payments")
    peers[0]["create"] = False
    result = run(dict(args(net, peers)), capsys)
    assert result["changed"] is False and result["created"] == [] and result["live"] == {}
    assert writes(calls) == []
    assert peerings_of(net["ec2"], net["gateway"]) == []


def test_a_route_through_a_yield_target_is_left_for_a_later_step(net, table, capsys, calls):
    ec2 = net["ec2"]
    tgw = ec2.create_transit_gateway(Description="ours")["TransitGateway"]["TransitGatewayId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.1.0.0/16", TransitGatewayId=tgw)
    spec_args = routed(net, spec(net, "payments"), table, purge=True)
    # Without yield_targets a route through the Transit Gateway is somebody else's: a conflict.
    refused = run(spec_args, capsys)
    assert refused["failed"] is True and f"10.1.0.0/16 already goes to {tgw}" in refused["msg"]
    spec_args["routes"]["yield_targets"] = [tgw]
    result = run(spec_args, capsys)
    assert result["yielded"] == ["10.1.0.0/16"]
    assert result["created"][0]["provider"] == "payments"
    table_now = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert [route.get("TransitGatewayId") for route in table_now if route["DestinationCidrBlock"] == "10.1.0.0/16"] == [
        tgw
    ]
    # A prefix ending in '-' yields every target that starts with it.
    spec_args["routes"]["yield_targets"] = ["tgw-"]
    assert run(spec_args, capsys)["yielded"] == ["10.1.0.0/16"]
