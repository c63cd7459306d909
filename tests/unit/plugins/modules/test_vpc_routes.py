# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""vpc_routes against moto in-process (no network), every API call counted."""

import json

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_routes

from .moto_harness import mocked_aws, record_api_calls, run_module

moto = pytest.importorskip("moto")

REGION = "us-east-1"
WRITES = ("CreateRoute", "ReplaceRoute", "DeleteRoute")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    """Operation names of every API call the module makes."""
    return record_api_calls(monkeypatch)


def run(args, capsys, check_mode=False):
    return run_module(vpc_routes.main, args, capsys, check_mode, REGION)


@pytest.fixture
def net():
    """Provider VPC with two tables (one with an IGW default route), a gateway VPC, two peerings."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=gateway, PeerVpcId=vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    pcx_new = ec2.create_vpc_peering_connection(VpcId=gateway, PeerVpcId=vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    pcx_other = ec2.create_vpc_peering_connection(VpcId=other, PeerVpcId=vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    tables = [ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for _index in range(2)]
    ec2.create_route(RouteTableId=tables[0], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=tables[0], DestinationCidrBlock="10.200.0.0/16", VpcPeeringConnectionId=pcx_other)
    return {"ec2": ec2, "tables": tables, "pcx": pcx, "pcx_new": pcx_new, "pcx_other": pcx_other, "igw": igw}


def routes_of(ec2, table_id):
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    return sorted(
        f"{route['DestinationCidrBlock']} -> {route.get('VpcPeeringConnectionId') or route.get('GatewayId')}"
        for route in table["Routes"]
        if route.get("DestinationCidrBlock")
    )


def args(net, pcx=None, owned=None, **extra):
    pcx = pcx or net["pcx"]
    base = {
        "route_table_ids": net["tables"],
        "routes": [
            {"dest": "10.100.1.0/24", "vpc_peering_connection_id": pcx},
            {"dest": "10.100.2.0/24", "vpc_peering_connection_id": pcx},
        ],
        "owned_targets": owned if owned is not None else [pcx],
    }
    base.update(extra)
    return base


def test_add_then_nothing_to_do(net, capsys, calls):
    ec2 = net["ec2"]
    checked = run(args(net), capsys, check_mode=True)
    assert checked["changed"] is True
    assert len(checked["actions"]) == 4
    assert [name for name in calls if name in WRITES] == []
    assert f"10.100.1.0/24 -> {net['pcx']}" not in routes_of(ec2, net["tables"][0])

    del calls[:]
    result = run(args(net), capsys)
    assert result["changed"] is True
    assert calls.count("CreateRoute") == 4 and calls.count("DescribeRouteTables") == 1
    assert result["actions"] == checked["actions"]
    assert result["route_tables"][0]["added"] == [
        {"dest": "10.100.1.0/24", "target": net["pcx"]},
        {"dest": "10.100.2.0/24", "target": net["pcx"]},
    ]
    assert result["diff"]["after"]["route_tables"][net["tables"][1]] == [
        f"10.100.1.0/24 -> {net['pcx']}",
        f"10.100.2.0/24 -> {net['pcx']}",
    ]
    for table_id in net["tables"]:
        assert {f"10.100.1.0/24 -> {net['pcx']}", f"10.100.2.0/24 -> {net['pcx']}"} <= set(routes_of(ec2, table_id))

    del calls[:]
    again = run(args(net), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert calls == ["DescribeRouteTables"]


def test_conflict_fails_before_any_write(net, capsys, calls):
    ec2 = net["ec2"]
    before = [routes_of(ec2, table_id) for table_id in net["tables"]]
    params = args(net)
    params["routes"].append({"dest": "0.0.0.0/0", "vpc_peering_connection_id": net["pcx"]})
    params["routes"].append({"dest": "10.200.0.0/16", "vpc_peering_connection_id": net["pcx"]})
    result = run(params, capsys)
    assert result["failed"] is True
    assert f"{net['tables'][0]}: 0.0.0.0/0 already goes to {net['igw']}" in result["msg"]
    assert f"{net['tables'][0]}: 10.200.0.0/16 already goes to {net['pcx_other']}" in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert [name for name in calls if name in WRITES] == []
    assert [routes_of(ec2, table_id) for table_id in net["tables"]] == before


def test_replace_when_the_peering_changes_then_purge_and_absent(net, capsys, calls):
    ec2 = net["ec2"]
    run(args(net), capsys)
    ec2.create_route(
        RouteTableId=net["tables"][1], DestinationCidrBlock="10.100.9.0/24", VpcPeeringConnectionId=net["pcx"]
    )

    del calls[:]
    moved = run(args(net, pcx=net["pcx_new"], owned=[net["pcx"], net["pcx_new"]], purge_routes=True), capsys)
    assert moved["changed"] is True
    assert calls.count("ReplaceRoute") == 4 and calls.count("DeleteRoute") == 1 and "CreateRoute" not in calls
    assert moved["route_tables"][1]["replaced"][0] == {
        "dest": "10.100.1.0/24",
        "target": net["pcx_new"],
        "previous_target": net["pcx"],
    }
    assert moved["route_tables"][1]["deleted"] == [{"dest": "10.100.9.0/24", "target": net["pcx"]}]
    assert routes_of(ec2, net["tables"][1]) == [
        "10.0.0.0/16 -> local",
        f"10.100.1.0/24 -> {net['pcx_new']}",
        f"10.100.2.0/24 -> {net['pcx_new']}",
    ]

    absent = args(net, pcx=net["pcx_new"], owned=[net["pcx"], net["pcx_new"]], state="absent")
    gone = run(absent, capsys)
    assert gone["changed"] is True and len(gone["actions"]) == 4
    again = run(absent, capsys)
    assert again["changed"] is False
    assert routes_of(ec2, net["tables"][0]) == [
        "0.0.0.0/0 -> " + net["igw"],
        "10.0.0.0/16 -> local",
        f"10.200.0.0/16 -> {net['pcx_other']}",
    ]


def test_absent_leaves_foreign_routes_and_warns(net, capsys):
    result = run(
        {
            "state": "absent",
            "route_table_ids": [net["tables"][0]],
            "routes": [{"dest": "0.0.0.0/0"}, {"dest": "10.100.1.0/24"}],
        },
        capsys,
    )
    assert result["changed"] is False
    assert result["route_tables"][0]["conflicts"] == [{"dest": "0.0.0.0/0", "target": net["igw"]}]
    assert "not ours, left alone" in json.dumps(result["warnings"])


def test_missing_table_fails_with_present_and_is_skipped_with_absent(net, capsys, calls):
    missing = "rtb-0123456789abcdef0"
    params = args(net, route_table_ids=[net["tables"][0], missing])
    params["routes"].append({"dest": "0.0.0.0/0", "vpc_peering_connection_id": net["pcx"]})
    result = run(params, capsys)
    assert result["failed"] is True
    # every problem at once: the missing table and the conflict in the other one
    assert f"route_table_ids[1]: {missing} not found in {REGION}" in result["msg"]
    assert f"{net['tables'][0]}: 0.0.0.0/0 already goes to {net['igw']}" in result["msg"]
    assert [name for name in calls if name in WRITES] == []
    result = run(args(net, route_table_ids=[missing], state="absent"), capsys)
    assert result["changed"] is False and result["route_tables"] == []


def test_bad_input_fails_before_any_call(capsys, calls):
    result = run({"route_table_ids": ["rtb-0123456789abcdef0"], "routes": [{"dest": "10.100.1.0/24"}]}, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("routes[0]: give a target")
    assert calls == []


def test_empty_table_list_makes_no_call(capsys, calls):
    result = run({"route_table_ids": [], "routes": []}, capsys)
    assert result["changed"] is False and result["route_tables"] == []
    assert calls == []
