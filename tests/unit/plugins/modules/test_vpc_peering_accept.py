# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""vpc_peering_accept against moto in-process (no network), in two accounts, every API call counted.

The gateway account is moto's default account; the provider account (which accepts) and a stranger's
account are reached with credentials of roles assumed in moto, which moto maps to their accounts.
In-process moto shows every account the requester's tags of a peering; AWS keeps them per account,
so the tests that read tags back apply the emulator's patch G1 (tools/emulator/patches.py) for their
duration. One test runs without it, where moto also ignores DescribeVpcPeeringConnections filters.
"""

import importlib.util
import json
import os

import boto3
import botocore.client
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import ec2_network, peerings
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_peering_accept

from .moto_harness import mocked_aws, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY_ACCOUNT = "123456789012"  # moto's default account
PROVIDER_ACCOUNT = "222222222222"
STRANGER_ACCOUNT = "999999999999"
GATEWAY_CIDR = "10.100.0.0/16"
TAGS = {"Name": "gw-payments", "ManagedBy": "multiaccount.apigateway", "multiaccount:provider": "payments"}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


@pytest.fixture
def tags_per_account(monkeypatch):
    """The emulator's patch G1 (tags per account, filters honoured), undone after the test."""
    spec = importlib.util.spec_from_file_location(
        "emulator_patches", os.path.join(ROOT, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    from moto.ec2.models.vpc_peering_connections import VPCPeeringConnection
    from moto.ec2.responses.vpc_peering_connections import VPCPeeringConnections

    monkeypatch.setattr(VPCPeeringConnection, "get_tags", VPCPeeringConnection.get_tags)
    for name in ("describe_vpc_peering_connections", "create_vpc_peering_connection", "accept_vpc_peering_connection"):
        monkeypatch.setattr(VPCPeeringConnections, name, getattr(VPCPeeringConnections, name))
    patches.patch_G1()


@pytest.fixture
def calls(monkeypatch):
    """``(operation name, parameters)`` of every API call made from now on."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        recorded.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


def names(calls):
    return [name for name, _params in calls]


def credentials(account):
    """Module arguments and boto3 keyword arguments of a role assumed in ``account``."""
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/deployer", RoleSessionName="unit-test"
    )["Credentials"]
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
    }


def ec2_client(creds):
    return boto3.client(
        "ec2",
        region_name=REGION,
        aws_access_key_id=creds["access_key"],
        aws_secret_access_key=creds["secret_key"],
        aws_session_token=creds["session_token"],
    )


@pytest.fixture
def net(tags_per_account):
    return build_net()


@pytest.fixture
def raw_net():
    return build_net()


def build_net():
    """Provider VPC (provider account), gateway VPC (gateway account) and a stranger's VPC (third account),
    with a pending request from the gateway VPC and one from the stranger's VPC to the provider VPC."""
    provider_creds = credentials(PROVIDER_ACCOUNT)
    stranger_creds = credentials(STRANGER_ACCOUNT)
    provider = ec2_client(provider_creds)
    stranger = ec2_client(stranger_creds)
    gateway = boto3.client("ec2", region_name=REGION)
    vpc = provider.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    gateway_vpc = gateway.create_vpc(CidrBlock=GATEWAY_CIDR)["Vpc"]["VpcId"]
    stranger_vpc = stranger.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    return {
        "creds": provider_creds,
        "provider": provider,
        "gateway": gateway,
        "stranger": stranger,
        "vpc": vpc,
        "gateway_vpc": gateway_vpc,
        "stranger_vpc": stranger_vpc,
        "pcx": request(gateway, gateway_vpc, vpc),
        "pcx_stranger": request(stranger, stranger_vpc, vpc),
    }


def request(client, vpc_id, peer_vpc_id):
    return client.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=peer_vpc_id, PeerOwnerId=PROVIDER_ACCOUNT)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]


def peering(net, peering_id):
    """``(status, tags)`` of a peering as the provider account reads it."""
    found = net["provider"].describe_vpc_peering_connections(VpcPeeringConnectionIds=[peering_id])
    entry = found["VpcPeeringConnections"][0]
    return entry["Status"]["Code"], {tag["Key"]: tag["Value"] for tag in entry.get("Tags") or []}


def args(net, **extra):
    base = dict(
        net["creds"],
        vpc_id=net["vpc"],
        requester_account_id=GATEWAY_ACCOUNT,
        requester_vpc_id=net["gateway_vpc"],
        tags=TAGS,
    )
    base.update(extra)
    return base


def run(params, capsys, check_mode=False):
    return run_module(vpc_peering_accept.main, params, capsys, check_mode, REGION)


def test_accept_and_tag_then_nothing_to_do(net, capsys, calls):
    label = f"from {GATEWAY_ACCOUNT} {net['gateway_vpc']}"
    del calls[:]
    checked = run(args(net), capsys, check_mode=True)
    assert checked["changed"] is True
    assert checked["accepted"] is True and checked["tagged"] is True
    assert checked["peering"] == {
        "id": net["pcx"],
        "status": "pending-acceptance",
        "requester_vpc_id": net["gateway_vpc"],
    }
    assert checked["diff"]["before"] == {"peering": {label: f"{net['pcx']} (pending-acceptance)"}, "tags": {}}
    assert checked["diff"]["after"] == {"peering": {label: f"{net['pcx']} (active)"}, "tags": TAGS}
    assert names(calls) == ["DescribeVpcPeeringConnections"]
    assert peering(net, net["pcx"]) == ("pending-acceptance", {})

    del calls[:]
    result = run(args(net), capsys)
    assert result["changed"] is True
    assert result["accepted"] is True and result["tagged"] is True
    assert result["peering"] == {"id": net["pcx"], "status": "active", "requester_vpc_id": net["gateway_vpc"]}
    assert result["owned_targets"] == [net["pcx"]]
    assert (
        result["actions"]
        == checked["actions"]
        == [
            f"accept peering {net['pcx']}",
            f"tag peering {net['pcx']} with Name, ManagedBy, multiaccount:provider",
        ]
    )
    assert result["diff"] == checked["diff"]
    # moto accepts straight to active: no poll
    assert names(calls) == ["DescribeVpcPeeringConnections", "AcceptVpcPeeringConnection", "CreateTags"]
    assert calls[0][1]["Filters"] == [{"Name": "accepter-vpc-info.vpc-id", "Values": [net["vpc"]]}]
    assert peering(net, net["pcx"]) == ("active", TAGS)

    # the stranger's request is reported, never accepted
    assert result["unexpected"] == [
        {
            "id": net["pcx_stranger"],
            "vpc_id": net["stranger_vpc"],
            "cidr_block": "10.200.0.0/16",
            "owner_id": STRANGER_ACCOUNT,
            "region": REGION,
        }
    ]
    warnings = json.dumps(result["warnings"])
    assert (
        f"peering request {net['pcx_stranger']} from VPC {net['stranger_vpc']} (10.200.0.0/16) of account "
        f"{STRANGER_ACCOUNT} in {REGION} waits for acceptance by {net['vpc']}; it is not the gateway's and is left alone"
    ) in warnings
    assert peering(net, net["pcx_stranger"])[0] == "pending-acceptance"

    del calls[:]
    again = run(args(net), capsys)
    assert again["changed"] is False
    assert again["accepted"] is False and again["tagged"] is False and again["actions"] == []
    assert again["peering"]["status"] == "active"
    assert again["diff"]["before"] == again["diff"]["after"]
    assert names(calls) == ["DescribeVpcPeeringConnections"]


def test_found_by_cidr_and_only_missing_tags_are_added(net, capsys, calls):
    net["provider"].create_tags(
        Resources=[net["pcx"]], Tags=[{"Key": "Name", "Value": "old"}, {"Key": "Team", "Value": "payments"}]
    )
    del calls[:]
    result = run(
        args(net, requester_vpc_id="", requester_vpc_cidr=GATEWAY_CIDR, tags={"Name": "new", "Team": "payments"}),
        capsys,
    )
    assert result["changed"] is True and result["accepted"] is True and result["tagged"] is True
    assert result["peering"]["id"] == net["pcx"]
    label = f"from {GATEWAY_ACCOUNT} {GATEWAY_CIDR}"
    assert result["diff"]["before"] == {
        "peering": {label: f"{net['pcx']} (pending-acceptance)"},
        "tags": {"Name": "old", "Team": "payments"},
    }
    assert result["diff"]["after"]["tags"] == {"Name": "new", "Team": "payments"}
    tagging = [params for name, params in calls if name == "CreateTags"]
    assert tagging == [{"Resources": [net["pcx"]], "Tags": [{"Key": "Name", "Value": "new"}]}]
    assert peering(net, net["pcx"]) == ("active", {"Name": "new", "Team": "payments"})

    # Tags only: an active peering that lacks a tag gets it, without an accept.
    del calls[:]
    retag = run(args(net, tags={"Name": "new", "Extra": 1}), capsys)
    assert retag["changed"] is True and retag["accepted"] is False and retag["tagged"] is True
    assert names(calls) == ["DescribeVpcPeeringConnections", "CreateTags"]
    assert peering(net, net["pcx"])[1]["Extra"] == "1"


def test_without_tags_nothing_is_tagged(net, capsys, calls):
    del calls[:]
    result = run(args(net, tags={}), capsys)
    assert result["changed"] is True and result["accepted"] is True and result["tagged"] is False
    assert names(calls) == ["DescribeVpcPeeringConnections", "AcceptVpcPeeringConnection"]
    assert "tags" not in result["diff"]["before"]


def test_several_pending_requests_fail_naming_them_and_change_nothing(net, capsys, calls):
    second = request(net["gateway"], net["gateway_vpc"], net["vpc"])
    del calls[:]
    for check_mode in (True, False):
        result = run(args(net), capsys, check_mode=check_mode)
        assert result["failed"] is True and result["changed"] is False
        assert net["pcx"] in result["msg"] and second in result["msg"]
        assert f"all request peering from {net['gateway_vpc']} ({GATEWAY_ACCOUNT}) to {net['vpc']}" in result["msg"]
        assert "delete the extra ones on the gateway side" in result["msg"]
        assert sorted(result["ambiguous"]) == sorted([net["pcx"], second])
    assert writes(names(calls)) == []
    assert peering(net, net["pcx"])[0] == peering(net, second)[0] == "pending-acceptance"


def test_an_active_request_wins_over_a_new_pending_one(net, capsys, calls):
    run(args(net), capsys)
    newer = request(net["gateway"], net["gateway_vpc"], net["vpc"])
    del calls[:]
    result = run(args(net), capsys)
    assert result["changed"] is False and result["peering"]["id"] == net["pcx"]
    assert result["owned_targets"] == sorted([net["pcx"], newer])
    assert newer in [item["id"] for item in result["unexpected"]]
    assert names(calls) == ["DescribeVpcPeeringConnections"]
    assert peering(net, newer)[0] == "pending-acceptance"


def test_no_request_fails_except_in_check_mode(net, capsys, calls):
    other_gateway_vpc = net["gateway"].create_vpc(CidrBlock="10.101.0.0/16")["Vpc"]["VpcId"]
    del calls[:]
    result = run(args(net, requester_vpc_id=other_gateway_vpc), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == (
        f"no pending or active peering from {other_gateway_vpc} of account {GATEWAY_ACCOUNT} to VPC {net['vpc']} "
        f"in {REGION}; the shared_gateway play (tasks_from peering) requests it"
    )
    by_cidr = run(args(net, requester_vpc_id="", requester_vpc_cidr="10.101.0.0/16"), capsys)
    assert "no pending or active peering from the VPC with CIDR 10.101.0.0/16 of account" in by_cidr["msg"]

    checked = run(args(net, requester_vpc_id=other_gateway_vpc), capsys, check_mode=True)
    assert checked.get("failed") is not True
    assert checked["changed"] is False and checked["peering"] == {} and checked["owned_targets"] == []
    assert checked["diff"]["before"] == checked["diff"]["after"]
    assert writes(names(calls)) == []
    assert peering(net, net["pcx"])[0] == "pending-acceptance"


def test_the_requester_account_must_match_too(net, capsys, calls):
    """The stranger's VPC named as the requester VPC, with the gateway account: not a request of it."""
    del calls[:]
    result = run(args(net, requester_vpc_id=net["stranger_vpc"]), capsys)
    assert result["failed"] is True and "no pending or active peering" in result["msg"]
    assert writes(names(calls)) == []
    assert peering(net, net["pcx_stranger"])[0] == "pending-acceptance"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"vpc_id": "subnet-0123456789abcdef0"}, "vpc_id: 'subnet-0123456789abcdef0' is not a VPC id (vpc-...)"),
        ({"requester_account_id": "12345"}, "requester_account_id: '12345' is not a 12-digit AWS account id"),
        ({"requester_vpc_id": "", "requester_vpc_cidr": ""}, "requester_vpc_cidr: give the requester VPC's CIDR"),
        ({"requester_vpc_id": "", "requester_vpc_cidr": "10.100.0.1/16"}, "requester_vpc_cidr: '10.100.0.1/16' is not"),
        ({"requester_vpc_id": "pcx-0123456789abcdef0"}, "requester_vpc_id: 'pcx-0123456789abcdef0' is not a VPC id"),
        (
            {"tags": {"aws:cloudformation:stack-name": "x"}},
            "tags: 'aws:cloudformation:stack-name' uses the aws: prefix",
        ),
        ({"wait_timeout": -1}, "wait_timeout: must be 0 or more seconds"),
    ],
)
def test_bad_input_fails_before_any_call(changes, message, capsys, calls):
    params = {
        "vpc_id": "vpc-0123456789abcdef0",
        "requester_account_id": GATEWAY_ACCOUNT,
        "requester_vpc_id": "vpc-0fedcba9876543210",
    }
    params.update(changes)
    result = run(params, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(message)
    assert result["msg"].endswith("(nothing was changed)")
    assert calls == []


def test_every_problem_at_once(capsys, calls):
    result = run({"vpc_id": "vpc-x", "requester_account_id": "1"}, capsys)
    assert result["msg"].count(": ") >= 3
    assert "vpc_id:" in result["msg"] and "requester_account_id:" in result["msg"]
    assert "requester_vpc_cidr:" in result["msg"]
    assert calls == []


def provisioning_accept(monkeypatch):
    """The accept answers ``provisioning`` (as AWS does for a moment); moto itself is active at once."""
    original = peerings.accept_peering

    def accept(client, peering_id):
        raw = dict(original(client, peering_id))
        raw["Status"] = {"Code": "provisioning", "Message": "Provisioning"}
        return raw

    monkeypatch.setattr(peerings, "accept_peering", accept)


def test_provisioning_after_the_accept_is_polled_until_active(net, capsys, calls, monkeypatch):
    provisioning_accept(monkeypatch)
    del calls[:]
    result = run(args(net), capsys)
    assert result["changed"] is True and result["peering"]["status"] == "active"
    assert names(calls) == [
        "DescribeVpcPeeringConnections",
        "AcceptVpcPeeringConnection",
        "CreateTags",
        "DescribeVpcPeeringConnections",
    ]
    assert calls[-1][1]["VpcPeeringConnectionIds"] == [net["pcx"]]


def test_no_poll_without_wait(net, capsys, calls, monkeypatch):
    provisioning_accept(monkeypatch)
    del calls[:]
    result = run(args(net, wait=False), capsys)
    assert result["changed"] is True and result["peering"]["status"] == "provisioning"
    assert names(calls) == ["DescribeVpcPeeringConnections", "AcceptVpcPeeringConnection", "CreateTags"]


def test_wait_timeout_fails_naming_the_peering(net, capsys, monkeypatch):
    provisioning_accept(monkeypatch)
    seen = {}

    def still_provisioning(client, peering_ids, timeout, moving=None, **kwargs):
        seen.update(ids=list(peering_ids), timeout=timeout, moving=moving)
        return {peering_ids[0]: {"status": {"code": "provisioning"}}}, list(peering_ids)

    monkeypatch.setattr(peerings, "wait_until_settled", still_provisioning)
    result = run(args(net, wait_timeout=7), capsys)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(f"peering {net['pcx']} is still provisioning after wait_timeout 7 s")
    assert seen == {"ids": [net["pcx"]], "timeout": 7, "moving": ("provisioning",)}
    assert result["accepted"] is True


def test_an_accept_error_is_reported_with_what_was_done(net, capsys, monkeypatch):
    def refuse(client, peering_id):
        client.accept_vpc_peering_connection(VpcPeeringConnectionId="pcx-0000000000000000a")

    monkeypatch.setattr(peerings, "accept_peering", peerings.PeeringErrorHandler.common_error_handler("accept")(refuse))
    result = run(args(net), capsys)
    assert result["failed"] is True
    assert result["changed"] is False and result["accepted"] is False
    assert "after 0 of 2 changes" in result["msg"]
    assert json.dumps(result).count(net["pcx"]) >= 1


def test_requests_to_another_vpc_are_ignored_when_the_filter_is(raw_net, capsys, calls):
    """In-process moto ignores the accepter-vpc-info.vpc-id filter: the module checks it again."""
    net = raw_net
    elsewhere = net["provider"].create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    to_elsewhere = [request(net["gateway"], net["gateway_vpc"], elsewhere) for _index in range(2)]
    del calls[:]
    result = run(args(net, tags={}), capsys)
    assert names(calls) == ["DescribeVpcPeeringConnections", "AcceptVpcPeeringConnection"]
    described = net["provider"].describe_vpc_peering_connections(
        Filters=[{"Name": "accepter-vpc-info.vpc-id", "Values": [net["vpc"]]}]
    )["VpcPeeringConnections"]
    assert {entry["VpcPeeringConnectionId"] for entry in described} >= set(to_elsewhere)  # moto ignored the filter
    assert result["changed"] is True and result["peering"]["id"] == net["pcx"]
    assert result["owned_targets"] == [net["pcx"]]
    assert [item["id"] for item in result["unexpected"]] == [net["pcx_stranger"]]
    assert [peering(net, pcx)[0] for pcx in to_elsewhere] == ["pending-acceptance"] * 2


def test_a_peering_that_fails_at_the_accept_fails_the_module(net, capsys, monkeypatch):
    original = peerings.accept_peering

    def accept(client, peering_id):
        return dict(original(client, peering_id), Status={"Code": "failed", "Message": "Overlapping CIDR range"})

    monkeypatch.setattr(peerings, "accept_peering", accept)
    result = run(args(net, tags={}), capsys)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"] == (
        f"peering {net['pcx']} from {net['gateway_vpc']} ({GATEWAY_ACCOUNT}) is failed after the accept; "
        "ask the gateway side for a new request"
    )


# --- return_routes: the routes back to the gateway in the same run ------------------------------------


def route_table(net, routes=()):
    """A route table of the provider VPC holding ``routes`` (``(dest, {target key: id})``)."""
    table = net["provider"].create_route_table(VpcId=net["vpc"])["RouteTable"]["RouteTableId"]
    for dest, target in routes:
        net["provider"].create_route(RouteTableId=table, DestinationCidrBlock=dest, **target)
    return table


def routes_of(net, table):
    """``{dest: target}`` of the non-local IPv4 routes of a table, as the provider account reads it."""
    found = net["provider"].describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    return {
        route["DestinationCidrBlock"]: route.get("VpcPeeringConnectionId") or route.get("GatewayId")
        for route in found
        if route.get("DestinationCidrBlock") and route.get("GatewayId") != "local"
    }


GATEWAY_SUBNETS = ["10.100.1.0/24", "10.100.2.0/24"]
# The calls of a first run that accepts, tags and adds the two gateway subnets' routes to two tables.
ACCEPT_AND_FOUR_ROUTES = [
    "DescribeVpcPeeringConnections",
    "DescribeRouteTables",
    "AcceptVpcPeeringConnection",
    "CreateTags",
] + ["CreateRoute"] * 4


def test_accept_and_return_routes_in_one_run_then_nothing_to_do(net, capsys, calls):
    tables = [route_table(net), route_table(net)]
    spec = {"route_table_ids": tables, "destinations": GATEWAY_SUBNETS}
    del calls[:]
    checked = run(args(net, return_routes=spec), capsys, check_mode=True)
    route_lines = [f"{table}: add route {dest} -> {net['pcx']}" for table in tables for dest in GATEWAY_SUBNETS]
    assert checked["changed"] is True
    assert checked["actions"][2:] == route_lines
    assert [entry["added"] for entry in checked["route_tables"]] == [
        [{"dest": dest, "target": net["pcx"]} for dest in GATEWAY_SUBNETS]
    ] * 2
    assert checked["diff"]["before"]["route_tables"] == {tables[0]: [], tables[1]: []}
    assert checked["diff"]["after"]["route_tables"][tables[0]] == [
        f"{dest} -> {net['pcx']}" for dest in GATEWAY_SUBNETS
    ]
    assert names(calls) == ["DescribeVpcPeeringConnections", "DescribeRouteTables"]
    assert routes_of(net, tables[0]) == {} and peering(net, net["pcx"])[0] == "pending-acceptance"

    del calls[:]
    result = run(args(net, return_routes=spec), capsys)
    assert result["changed"] is True and result["accepted"] is True
    assert result["actions"] == checked["actions"]
    assert result["diff"] == checked["diff"]
    assert names(calls) == ACCEPT_AND_FOUR_ROUTES
    for table in tables:
        assert routes_of(net, table) == {dest: net["pcx"] for dest in GATEWAY_SUBNETS}

    del calls[:]
    again = run(args(net, return_routes=spec), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert again["diff"]["before"] == again["diff"]["after"]
    assert names(calls) == ["DescribeVpcPeeringConnections", "DescribeRouteTables"]


def test_a_route_of_someone_else_fails_before_the_accept(net, capsys, calls):
    igw = net["provider"].create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    net["provider"].attach_internet_gateway(InternetGatewayId=igw, VpcId=net["vpc"])
    table = route_table(net, [(GATEWAY_SUBNETS[0], {"GatewayId": igw})])
    del calls[:]
    result = run(args(net, return_routes={"route_table_ids": [table], "destinations": GATEWAY_SUBNETS}), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert f"route conflicts: {table}: {GATEWAY_SUBNETS[0]} already goes to {igw}" in result["msg"]
    assert result["msg"].endswith("(nothing was changed)")
    assert result["route_tables"][0]["conflicts"] == [{"dest": GATEWAY_SUBNETS[0], "target": igw}]
    assert names(calls) == ["DescribeVpcPeeringConnections", "DescribeRouteTables"]
    assert peering(net, net["pcx"]) == ("pending-acceptance", {})
    assert routes_of(net, table) == {GATEWAY_SUBNETS[0]: igw}


def test_a_missing_table_fails_naming_the_field_before_the_accept(net, capsys, calls):
    table = route_table(net)
    del calls[:]
    result = run(
        args(net, return_routes={"route_table_ids": [table, "rtb-0123456789abcdef0"], "destinations": GATEWAY_SUBNETS}),
        capsys,
    )
    assert result["failed"] is True
    assert "return_routes.route_table_ids[1]: rtb-0123456789abcdef0 not found in us-east-1" in result["msg"]
    assert peering(net, net["pcx"])[0] == "pending-acceptance"
    assert routes_of(net, table) == {}


def test_our_stale_routes_are_replaced_and_purged_the_owners_stay(net, capsys, calls):
    # Accept first, so that the routes through the gateway's peering exist as an earlier run left them.
    run(args(net), capsys)
    igw = net["provider"].create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    net["provider"].attach_internet_gateway(InternetGatewayId=igw, VpcId=net["vpc"])
    table = route_table(
        net,
        [
            ("10.100.9.0/24", {"VpcPeeringConnectionId": net["pcx"]}),  # ours, no longer planned
            ("0.0.0.0/0", {"GatewayId": igw}),  # the owner's
        ],
    )
    spec = {"route_table_ids": [table], "destinations": GATEWAY_SUBNETS[:1]}
    kept = run(args(net, return_routes=spec), capsys)
    assert kept["actions"] == [f"{table}: add route {GATEWAY_SUBNETS[0]} -> {net['pcx']}"]
    assert routes_of(net, table) == {"10.100.9.0/24": net["pcx"], GATEWAY_SUBNETS[0]: net["pcx"], "0.0.0.0/0": igw}

    purged = run(args(net, return_routes=dict(spec, purge=True)), capsys)
    assert purged["actions"] == [f"{table}: delete route 10.100.9.0/24 -> {net['pcx']}"]
    assert purged["route_tables"][0]["deleted"] == [{"dest": "10.100.9.0/24", "target": net["pcx"]}]
    assert routes_of(net, table) == {GATEWAY_SUBNETS[0]: net["pcx"], "0.0.0.0/0": igw}


def test_return_routes_by_subnet_ids_go_to_the_tables_that_route_them_found_in_one_read(net, capsys, calls):
    provider = net["provider"]
    subnets = [
        provider.create_subnet(VpcId=net["vpc"], CidrBlock=f"10.0.{index}.0/24")["Subnet"]["SubnetId"]
        for index in (1, 2, 3)
    ]
    own = route_table(net)
    for subnet_id in subnets[:2]:
        provider.associate_route_table(RouteTableId=own, SubnetId=subnet_id)
    main = provider.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    other = route_table(net)  # routes no subnet of the list: left alone
    spec = {"subnet_ids": subnets, "destinations": GATEWAY_SUBNETS}
    del calls[:]
    result = run(args(net, return_routes=spec), capsys)
    assert result["changed"] is True and result["accepted"] is True
    # The explicitly associated table (once for its two subnets), then the main table of the third.
    assert [entry["id"] for entry in result["route_tables"]] == [own, main]
    assert names(calls) == ACCEPT_AND_FOUR_ROUTES
    assert calls[1][1]["Filters"] == [{"Name": "vpc-id", "Values": [net["vpc"]]}]
    for table in (own, main):
        assert routes_of(net, table) == {dest: net["pcx"] for dest in GATEWAY_SUBNETS}
    assert routes_of(net, other) == {}

    del calls[:]
    again = run(args(net, return_routes=spec), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert names(calls) == ["DescribeVpcPeeringConnections", "DescribeRouteTables"]


def test_main_table_routes_the_subnets_still_to_be_created(net, capsys, calls):
    main = net["provider"].describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    spec = {"subnet_ids": [], "main_table": True, "destinations": GATEWAY_SUBNETS}
    del calls[:]
    checked = run(args(net, return_routes=spec), capsys, check_mode=True)
    assert [entry["id"] for entry in checked["route_tables"]] == [main]
    assert checked["actions"][2:] == [f"{main}: add route {dest} -> {net['pcx']}" for dest in GATEWAY_SUBNETS]
    assert names(calls) == ["DescribeVpcPeeringConnections", "DescribeRouteTables"]
    assert routes_of(net, main) == {}


def test_an_empty_subnet_list_reads_no_table(net, capsys, calls):
    del calls[:]
    result = run(args(net, return_routes={"subnet_ids": [], "destinations": GATEWAY_SUBNETS}), capsys)
    assert result["changed"] is True and result["route_tables"] == []
    assert "DescribeRouteTables" not in names(calls)


def test_an_empty_table_list_reads_no_table(net, capsys, calls):
    del calls[:]
    result = run(args(net, return_routes={"route_table_ids": [], "destinations": GATEWAY_SUBNETS}), capsys)
    assert result["changed"] is True and result["route_tables"] == []
    assert "DescribeRouteTables" not in names(calls)


@pytest.mark.parametrize(
    "spec, message",
    [
        (
            {"route_table_ids": ["rtb-nothex"], "destinations": []},
            "return_routes.route_table_ids[0]: 'rtb-nothex' is not a rtb- id",
        ),
        (
            {"route_table_ids": ["rtb-0123456789abcdef0", "rtb-0123456789abcdef0"], "destinations": []},
            "return_routes.route_table_ids[1]: rtb-0123456789abcdef0 is listed twice (return_routes.route_table_ids[0]",
        ),
        (
            {"destinations": []},
            "return_routes: give route_table_ids (the tables) or subnet_ids (the subnets whose tables get the routes), "
            "neither given",
        ),
        (
            {"route_table_ids": [], "subnet_ids": [], "destinations": []},
            "return_routes: give route_table_ids (the tables) or subnet_ids (the subnets whose tables get the routes), "
            "both given",
        ),
        (
            {"route_table_ids": [], "main_table": True, "destinations": []},
            "return_routes.main_table: only with subnet_ids (with route_table_ids, list the main table)",
        ),
        (
            {"subnet_ids": ["subnet-0123456789abcdef0", "rtb-0123456789abcdef0"], "destinations": []},
            "return_routes.subnet_ids[1]: 'rtb-0123456789abcdef0' is not a subnet- id",
        ),
        (
            {"subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"], "destinations": []},
            "return_routes.subnet_ids[1]: subnet-0123456789abcdef0 is listed twice (return_routes.subnet_ids[0]",
        ),
        (
            {"route_table_ids": ["rtb-0123456789abcdef0"], "destinations": ["10.100.1.5/24"]},
            "return_routes.destinations[0]: ",
        ),
        (
            {"route_table_ids": ["rtb-0123456789abcdef0"], "destinations": ["10.100.1.0/24", "10.100.1.0/24"]},
            "return_routes.destinations[1]: 10.100.1.0/24 is listed twice",
        ),
    ],
)
def test_bad_return_routes_fail_before_any_call(spec, message, capsys, calls):
    params = dict(
        vpc_id="vpc-0123456789abcdef0",
        requester_account_id=GATEWAY_ACCOUNT,
        requester_vpc_id="vpc-0a1b2c3d4e5f67890",
        return_routes=spec,
    )
    result = run(params, capsys)
    assert result["failed"] is True
    assert message in result["msg"] and result["msg"].endswith("(nothing was changed)")
    assert calls == []


def test_a_route_error_after_the_accept_reports_what_was_done(net, capsys, monkeypatch):
    table = route_table(net)
    real = ec2_network.create_route
    made = []

    def second_refused(client, route_table_id, dest, target):
        if made:
            # A route through a peering that does not exist: AWS (and moto) refuse it.
            client.create_route(
                RouteTableId=route_table_id, DestinationCidrBlock=dest, VpcPeeringConnectionId="pcx-0000000000000000a"
            )
        made.append(dest)
        return real(client, route_table_id, dest, target)

    monkeypatch.setattr(
        ec2_network,
        "create_route",
        ec2_network.Ec2NetworkErrorHandler.common_error_handler("create route")(second_refused),
    )
    result = run(args(net, return_routes={"route_table_ids": [table], "destinations": GATEWAY_SUBNETS}), capsys)
    assert result["failed"] is True and result["changed"] is True
    assert "after 3 of 4 changes" in result["msg"]
    assert result["actions"] == [
        f"accept peering {net['pcx']}",
        f"tag peering {net['pcx']} with Name, ManagedBy, multiaccount:provider",
        f"{table}: add route {GATEWAY_SUBNETS[0]} -> {net['pcx']}",
    ]
    assert peering(net, net["pcx"]) == ("active", TAGS)
    assert routes_of(net, table) == {GATEWAY_SUBNETS[0]: net["pcx"]}


def test_a_wait_timeout_reports_the_accept_not_the_routes(net, capsys, monkeypatch):
    table = route_table(net)
    provisioning_accept(monkeypatch)

    def still_provisioning(client, peering_ids, timeout, moving=None, **kwargs):
        return {peering_ids[0]: {"status": {"code": "provisioning"}}}, list(peering_ids)

    monkeypatch.setattr(peerings, "wait_until_settled", still_provisioning)
    result = run(
        args(net, return_routes={"route_table_ids": [table], "destinations": GATEWAY_SUBNETS}, wait_timeout=7), capsys
    )
    assert result["failed"] is True and result["changed"] is True
    assert "still provisioning" in result["msg"]
    assert result["actions"] == [
        f"accept peering {net['pcx']}",
        f"tag peering {net['pcx']} with Name, ManagedBy, multiaccount:provider",
    ]
    assert routes_of(net, table) == {}


def test_back_from_a_transit_gateway_its_routes_move_to_the_peering_only_when_named(net, capsys, calls):
    tgw = net["provider"].create_transit_gateway(Description="the gateway's")["TransitGateway"]["TransitGatewayId"]
    table = route_table(net, [(dest, {"TransitGatewayId": tgw}) for dest in GATEWAY_SUBNETS])
    spec = {"route_table_ids": [table], "destinations": GATEWAY_SUBNETS}
    refused = run(args(net, return_routes=spec), capsys)
    assert refused["failed"] is True and f"{GATEWAY_SUBNETS[0]} already goes to {tgw}" in refused["msg"]
    assert peering(net, net["pcx"])[0] == "pending-acceptance"

    result = run(args(net, return_routes=dict(spec, replace_targets=[tgw])), capsys)
    assert result["changed"] is True and result["accepted"] is True
    assert sorted(entry["dest"] for entry in result["route_tables"][0]["replaced"]) == GATEWAY_SUBNETS
    assert routes_of(net, table) == {dest: net["pcx"] for dest in GATEWAY_SUBNETS}
