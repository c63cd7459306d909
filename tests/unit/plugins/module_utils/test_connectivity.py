# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connectivity planner: peering or Transit Gateway per provider, its checks, the quotas that decide
between the two, and the run-time choice of each gateway route during a switch."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import connectivity as conn
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import build_plan

from .test_plan import INVENTORY, errors_of, plan_of, set_var


@pytest.fixture(name="accounts")
def fixture_accounts():
    accounts = copy.deepcopy(INVENTORY)
    # cards moves to the gateway's region (us-east-1): both providers can use the Transit Gateway.
    set_var(accounts, "cards", "aws_region", "us-east-1")
    return accounts


def _providers(count, start=0):
    """``count`` same-region providers with one service each, CIDRs 10.<start+i>.0.0/16."""
    accounts = []
    for index in range(start, start + count):
        accounts.append(
            {
                "host": f"p{index:03d}",
                "kind": "provider",
                "vars": {
                    "aws_account_id": f"{300000000000 + index}",
                    "aws_region": "us-east-1",
                    "provider_vpc_cidr": f"10.{index}.0.0/16",
                    "provider_vpc_services": [
                        {
                            "name": f"s{index:03d}",
                            "port": 10000 + index,
                            "path": f"s{index:03d}",
                            "targets": [f"10.{index}.1.10"],
                        }
                    ],
                },
            }
        )
    return accounts


def _many(count):
    return [copy.deepcopy(INVENTORY[0])] + _providers(count, start=101)


# --- the default, and the provider override ---------------------------------------------------------


def test_peering_is_the_default_and_nothing_of_the_transit_gateway_is_enabled(accounts):
    plan = plan_of(accounts)
    connectivity = plan["gateway"]["connectivity"]
    assert connectivity["default"] == "peering"
    assert connectivity["providers"] == {"cards": "peering", "payments": "peering"}
    assert connectivity["transit_gateway"]["enabled"] is False
    assert sorted((p["provider"], p["create"], p["route"]) for p in plan["gateway"]["peerings"]) == [
        ("cards", True, True),
        ("payments", True, True),
    ]
    assert plan["providers"]["payments"]["connectivity"] == "peering"


def test_transit_gateway_plans_the_hub_its_two_route_tables_the_share_and_each_spoke(accounts):
    set_var(accounts, "shared-services", "shared_gateway_connectivity", "transit_gateway")
    plan = plan_of(accounts)
    tgw = plan["gateway"]["connectivity"]["transit_gateway"]
    assert tgw["enabled"] is True
    assert tgw["name"] == "open-banking-tgw" and tgw["asn"] == 64512
    assert tgw["route_tables"] == {"hub": "open-banking-tgw-gateway", "spokes": "open-banking-tgw-providers"}
    assert tgw["hub"] == {"name": "open-banking-gateway"}
    assert tgw["share"] == {
        "name": "open-banking-tgw",
        "principals": ["222222222222", "333333333333"],
        "organization_arn": None,
    }
    assert sorted(spoke["name"] for spoke in tgw["spokes"]) == ["cards", "payments"]
    assert tgw["tags"]["multiaccount:gateway"] == "open-banking"
    # No new peering, no route through one: a peering still there (a switch) is kept until retired.
    assert {(p["create"], p["route"]) for p in plan["gateway"]["peerings"]} == {(False, False)}
    provider = plan["providers"]["payments"]
    assert provider["connectivity"] == "transit_gateway"
    assert provider["transit_gateway"] == {
        "share": {"name": "open-banking-tgw", "owner_account_id": "111111111111"},
        "name": "open-banking-payments",
        "subnet_ids": [],
        "tags": dict(provider["tags"], Name="open-banking-payments"),
        "destinations": ["10.100.1.0/24", "10.100.2.0/24"],
    }


def test_a_provider_overrides_the_gateway_mode_one_at_a_time(accounts):
    set_var(accounts, "payments", "provider_connectivity", "transit_gateway")
    plan = plan_of(accounts)
    assert plan["gateway"]["connectivity"]["providers"] == {"cards": "peering", "payments": "transit_gateway"}
    assert plan["gateway"]["connectivity"]["transit_gateway"]["share"]["principals"] == ["222222222222"]
    by_provider = {p["provider"]: (p["create"], p["route"]) for p in plan["gateway"]["peerings"]}
    assert by_provider == {"payments": (False, False), "cards": (True, True)}


def test_a_cross_region_provider_stays_on_peering_with_a_warning(accounts):
    set_var(accounts, "cards", "aws_region", "us-west-2")
    set_var(accounts, "shared-services", "shared_gateway_connectivity", "transit_gateway")
    result = build_plan(accounts)
    assert result["errors"] == []
    plan = result["plan"]
    assert plan["gateway"]["connectivity"]["providers"] == {"cards": "peering", "payments": "transit_gateway"}
    warning = next(w for w in result["warnings"] if w["field"] == "shared_gateway_connectivity")
    assert "cards is in another region than the gateway (us-east-1)" in warning["message"]
    assert "stay on VPC peering" in warning["message"]
    # It is no spoke of the regional Transit Gateway.
    assert [spoke["name"] for spoke in plan["gateway"]["connectivity"]["transit_gateway"]["spokes"]] == ["payments"]


def test_transit_gateway_asked_for_a_cross_region_provider_is_an_error(accounts):
    set_var(accounts, "cards", "aws_region", "us-west-2")
    set_var(accounts, "cards", "provider_connectivity", "transit_gateway")
    message = next(e[2] for e in errors_of(accounts) if e[:2] == ("cards", "provider_connectivity"))
    assert "a Transit Gateway is regional" in message and "keep this provider on peering" in message


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("shared_gateway_connectivity", "tgw", "'tgw' is not one of peering, transit_gateway"),
        ("shared_gateway_transit_gateway_asn", 7224, "7224 is not a private ASN"),
        ("shared_gateway_transit_gateway_asn", "x", "'x' is not a whole number"),
        ("shared_gateway_ram_share_with_organization", True, "give your organization's ARN"),
        ("shared_gateway_transit_gateway_destinations", ["10.0.0.1/8"], "host bits zero"),
        ("shared_gateway_transit_gateway_destinations", ["10.64.0.0/10"], "overlaps the gateway VPC"),
        ("shared_gateway_peerings_quota", 126, "126 is not a whole number from 1 to 125"),
        ("shared_gateway_routes_quota", 0, "0 is not a whole number from 1 to 1000"),
    ],
)
def test_bad_gateway_keys_are_errors_naming_the_key(accounts, key, value, fragment):
    set_var(accounts, "shared-services", key, value)
    errors = errors_of(accounts)
    assert any(e[0] == "shared-services" and e[1].startswith(key) and fragment in e[2] for e in errors), errors


def test_bad_provider_keys_are_errors_naming_the_key(accounts):
    set_var(accounts, "payments", "provider_connectivity", "vpn")
    set_var(accounts, "cards", "provider_transit_gateway_subnet_ids", ["subnet-0123456789abcdef0", "sn-1"])
    errors = errors_of(accounts)
    assert ("payments", "provider_connectivity", "'vpn' is not one of peering, transit_gateway") in errors
    assert ("cards", "provider_transit_gateway_subnet_ids[1]", "'sn-1' is not a subnet id (subnet-...)") in errors


def test_dedicated_attachment_subnets_are_planned_and_a_warning_on_peering(accounts):
    set_var(accounts, "payments", "provider_connectivity", "transit_gateway")
    set_var(accounts, "payments", "provider_transit_gateway_subnet_ids", ["subnet-0123456789abcdef0"])
    set_var(accounts, "cards", "provider_transit_gateway_subnet_ids", ["subnet-0123456789abcdef1"])
    result = build_plan(accounts)
    assert result["errors"] == []
    assert result["plan"]["providers"]["payments"]["transit_gateway"]["subnet_ids"] == ["subnet-0123456789abcdef0"]
    assert any(w["host"] == "cards" and w["field"] == "provider_transit_gateway_subnet_ids" for w in result["warnings"])


def test_the_organization_replaces_the_account_principals(accounts):
    org = "arn:aws:organizations::111111111111:organization/o-abcdef1234"
    set_var(accounts, "shared-services", "shared_gateway_connectivity", "transit_gateway")
    set_var(accounts, "shared-services", "shared_gateway_ram_share_with_organization", org)
    share = plan_of(accounts)["gateway"]["connectivity"]["transit_gateway"]["share"]
    assert share == {"name": "open-banking-tgw", "principals": [], "organization_arn": org}


def test_a_provider_cidr_outside_the_aggregate_destinations_is_an_error(accounts):
    set_var(accounts, "shared-services", "shared_gateway_connectivity", "transit_gateway")
    set_var(accounts, "shared-services", "shared_gateway_transit_gateway_destinations", ["10.0.0.0/16"])
    message = next(e[2] for e in errors_of(accounts) if e[:2] == ("cards", "provider_vpc_cidr"))
    assert "10.1.0.0/16 is in none of shared_gateway_transit_gateway_destinations (10.0.0.0/16)" in message


# --- the quotas that decide between the two --------------------------------------------------------


def test_fifty_providers_fit_the_default_peering_quota(accounts):
    result = build_plan(_many(50))
    assert result["errors"] == []
    assert result["plan"]["gateway"]["connectivity"]["peering_count"] == 50


def test_one_provider_over_the_peering_quota_fails_naming_it_and_suggesting_transit_gateway():
    errors = errors_of(_many(51))
    messages = [e[2] for e in errors if e[:2] == ("shared-services", "shared_gateway_connectivity")]
    assert any("'Active VPC peering connections per VPC' is 50" in m for m in messages)
    assert any("'Routes per route table' is 50" in m and "51 routes" in m for m in messages)
    assert all("set shared_gateway_connectivity: transit_gateway" in m for m in messages)


def test_a_raised_quota_is_declared_and_honoured():
    accounts = _many(51)
    accounts[0]["vars"]["shared_gateway_peerings_quota"] = 60
    accounts[0]["vars"]["shared_gateway_routes_quota"] = 100
    assert build_plan(accounts)["errors"] == []


def test_the_same_providers_fit_on_transit_gateway_with_adjacent_cidrs_in_few_routes():
    accounts = _many(100)
    accounts[0]["vars"]["shared_gateway_connectivity"] = "transit_gateway"
    plan = plan_of(accounts)
    connectivity = plan["gateway"]["connectivity"]
    assert connectivity["peering_count"] == 0
    # 10.101.0.0/16 ... 10.200.0.0/16 collapse into a handful of exact routes.
    assert connectivity["route_count"] == len(conn.collapse(f"10.{i}.0.0/16" for i in range(101, 201)))
    assert connectivity["route_count"] == 7
    assert len(connectivity["transit_gateway"]["share"]["principals"]) == 100


# --- collapse ---------------------------------------------------------------------------------------


def test_collapse_merges_only_exact_neighbours():
    assert conn.collapse(["10.0.0.0/16", "10.1.0.0/16"]) == ["10.0.0.0/15"]
    assert conn.collapse(["10.1.0.0/16", "10.2.0.0/16"]) == ["10.1.0.0/16", "10.2.0.0/16"]
    assert conn.collapse(["10.0.0.0/16", "10.0.1.0/24"]) == ["10.0.0.0/16"]
    assert conn.collapse(["bad", "10.0.0.0/16"]) == ["10.0.0.0/16"]


def test_private_asn_ranges():
    assert conn.private_asn(64512) and conn.private_asn(65534) and conn.private_asn(4200000000)
    assert not conn.private_asn(65535) and not conn.private_asn(7224)


# --- which path each gateway route takes during a switch --------------------------------------------

TGW = "tgw-0123456789abcdef0"


def _targets(mode, peering=None, ready=False, tgw=TGW):
    providers = [{"name": "payments", "mode": mode, "cidrs": ["10.0.0.0/16"]}]
    return conn.gateway_route_targets(providers, {"payments": peering} if peering else {}, {"payments": ready}, tgw)


def test_a_new_provider_on_transit_gateway_routes_to_the_tgw():
    assert _targets("transit_gateway") == {
        "routes": [{"dest": "10.0.0.0/16", "transit_gateway_id": TGW}],
        "waiting": ["payments"],
    }


def test_moving_to_the_tgw_keeps_the_peering_route_until_the_attachment_is_ready():
    peering = {"id": "pcx-1", "status": "active"}
    assert _targets("transit_gateway", peering)["routes"] == [
        {"dest": "10.0.0.0/16", "vpc_peering_connection_id": "pcx-1"}
    ]
    assert _targets("transit_gateway", peering, ready=True) == {
        "routes": [{"dest": "10.0.0.0/16", "transit_gateway_id": TGW}],
        "waiting": [],
    }


def test_moving_back_to_peering_keeps_the_tgw_route_until_the_peering_is_active():
    pending = {"id": "pcx-2", "status": "pending-acceptance"}
    assert _targets("peering", pending, ready=True)["routes"] == [{"dest": "10.0.0.0/16", "transit_gateway_id": TGW}]
    active = {"id": "pcx-2", "status": "active"}
    assert _targets("peering", active, ready=True) == {
        "routes": [{"dest": "10.0.0.0/16", "vpc_peering_connection_id": "pcx-2"}],
        "waiting": [],
    }


def test_a_new_provider_on_peering_routes_through_its_pending_peering_as_before():
    pending = {"id": "pcx-3", "status": "pending-acceptance"}
    assert _targets("peering", pending)["routes"] == [{"dest": "10.0.0.0/16", "vpc_peering_connection_id": "pcx-3"}]
    # Without a Transit Gateway a ready flag means nothing.
    assert _targets("peering", pending, ready=True, tgw="")["routes"] == [
        {"dest": "10.0.0.0/16", "vpc_peering_connection_id": "pcx-3"}
    ]


def test_adjacent_providers_on_the_tgw_share_one_route():
    providers = [
        {"name": "a", "mode": "transit_gateway", "cidrs": ["10.0.0.0/16"]},
        {"name": "b", "mode": "transit_gateway", "cidrs": ["10.1.0.0/16"]},
        {"name": "c", "mode": "peering", "cidrs": ["10.2.0.0/16"]},
    ]
    result = conn.gateway_route_targets(
        providers, {"c": {"id": "pcx-c", "status": "active"}}, {"a": True, "b": True}, TGW
    )
    assert result["routes"] == [
        {"dest": "10.2.0.0/16", "vpc_peering_connection_id": "pcx-c"},
        {"dest": "10.0.0.0/15", "transit_gateway_id": TGW},
    ]
