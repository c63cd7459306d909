# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Joins of the plan with the ids AWS assigned: the logic the roles' filters run."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.filter.apply import FilterModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import joins
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import build_plan

from .test_plan import INVENTORY

OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}


@pytest.fixture(name="plan")
def fixture_plan():
    result = build_plan(copy.deepcopy(INVENTORY))
    assert not result["errors"]
    return result["plan"]


def peering(pcx, requester_vpc, accepter_vpc, owner, status, tags=None, requester_owner="111111111111", cidr=None):
    return {
        "vpc_peering_connection_id": pcx,
        "requester_vpc_info": {"vpc_id": requester_vpc, "owner_id": requester_owner, "cidr_block": cidr},
        "accepter_vpc_info": {"vpc_id": accepter_vpc, "owner_id": owner},
        "status": {"code": status},
        "tags": tags or {},
    }


STATES = {
    "payments": {"vpc_id": "vpc-pay", "vpc_cidrs": ["10.0.0.0/16"]},
    "cards": {"vpc_id": "vpc-card", "vpc_cidrs": ["10.1.0.0/16", "10.2.0.0/16"]},
}


def test_every_filter_is_a_joins_function():
    filters = FilterModule().filters()
    assert filters["peering_requests"] is joins.peering_requests
    assert all(callable(function) for function in filters.values())


# --- inventory -------------------------------------------------------------------------------------


def test_inventory_accounts_keeps_contract_and_prefixed_keys_only():
    hostvars = {
        "gw": {"aws_account_id": "1", "shared_gateway_vpc_cidr": "x", "ansible_connection": "local", "foo": 1},
        "p1": {
            "provider_vpc_services": [],
            "provider_state": "absent",
            # Keys the roles know without one of the prefixes are kept too; other provider_* keys are not.
            "provider_connectivity": "peering",
            "provider_transit_gateway_subnet_ids": ["subnet-1"],
            "provider_other": 1,
            "provider_vpc_state": {"vpc_id": "v"},
            "account_credentials": {"k": 1},
            "account_credentials_identity": {"account_id": "1"},
        },
    }
    assert joins.inventory_accounts(hostvars, ["gw"], ["p1"]) == [
        {"host": "gw", "kind": "shared", "vars": {"aws_account_id": "1", "shared_gateway_vpc_cidr": "x"}},
        {
            "host": "p1",
            "kind": "provider",
            "vars": {
                "provider_vpc_services": [],
                "provider_state": "absent",
                "provider_connectivity": "peering",
                "provider_transit_gateway_subnet_ids": ["subnet-1"],
            },
        },
    ]


def test_hostvar_map_leaves_out_hosts_without_the_variable():
    hostvars = {"a": {"x": 1}, "b": {}}
    assert joins.hostvar_map(["a", "b", "c"], hostvars, "x") == {"a": 1}


# --- gateway peering requests ----------------------------------------------------------------------


def test_requests_are_created_for_providers_without_one(plan):
    result = joins.peering_requests(plan["gateway"], STATES, [], "vpc-gw")
    assert [(c["provider"], c["peer_vpc_id"], c["peer_owner_id"], c["peer_region"]) for c in result["create"]] == [
        ("payments", "vpc-pay", "222222222222", None),
        ("cards", "vpc-card", "333333333333", "us-west-2"),
    ]
    assert result["create"][1]["tags"]["multiaccount:provider"] == "cards"
    assert result["live"] == {} and result["stale"] == [] and result["unknown"] == []


def test_a_live_request_is_reused_active_first_and_retagged_when_a_tag_is_missing(plan):
    tags = plan["gateway"]["peerings"][0]["tags"]
    existing = [
        peering("pcx-old", "vpc-gw", "vpc-pay", "222222222222", "pending-acceptance", tags),
        peering("pcx-act", "vpc-gw", "vpc-pay", "222222222222", "active", {"Name": "x"}),
        peering("pcx-dead", "vpc-gw", "vpc-card", "333333333333", "deleted", tags),
        # Not from the gateway VPC: an emulator that ignored the filter returned it.
        peering("pcx-else", "vpc-other", "vpc-card", "333333333333", "active", tags),
    ]
    result = joins.peering_requests(plan["gateway"], STATES, existing, "vpc-gw")
    assert result["live"]["payments"] == {"id": "pcx-act", "status": "active", "vpc_id": "vpc-pay"}
    assert result["retag"] == [{"provider": "payments", "id": "pcx-act", "tags": tags}]
    assert [c["provider"] for c in result["create"]] == ["cards"]


def test_a_request_to_a_vpc_of_another_account_does_not_count(plan):
    existing = [peering("pcx-1", "vpc-gw", "vpc-pay", "999999999999", "active", OURS)]
    result = joins.peering_requests(plan["gateway"], STATES, existing, "vpc-gw")
    assert "payments" not in result["live"]
    # It is ours (tags) and live but matches no provider: stale.
    assert result["stale"] == [
        {
            "provider": "?",
            "id": "pcx-1",
            "status": "active",
            "account_id": "999999999999",
            "vpc_id": "vpc-pay",
            "region": "",
        }
    ]


def test_our_requests_to_departed_providers_are_stale_but_unknown_providers_keep_theirs(plan):
    existing = [
        peering(
            "pcx-gone", "vpc-gw", "vpc-x", "444444444444", "active", dict(OURS, **{"multiaccount:provider": "loans"})
        ),
        peering(
            "pcx-card",
            "vpc-gw",
            "vpc-card-old",
            "333333333333",
            "active",
            dict(OURS, **{"multiaccount:provider": "cards"}),
        ),
        peering("pcx-foreign", "vpc-gw", "vpc-y", "555555555555", "active", {"Name": "theirs"}),
    ]
    states = {"payments": STATES["payments"]}
    result = joins.peering_requests(plan["gateway"], states, existing, "vpc-gw")
    assert result["unknown"] == ["cards"]
    # With the accepter side, so that the run can say what is left in the departed provider's account.
    assert result["stale"] == [
        {
            "provider": "loans",
            "id": "pcx-gone",
            "status": "active",
            "account_id": "444444444444",
            "vpc_id": "vpc-x",
            "region": "",
        }
    ]
    assert [c["provider"] for c in result["create"]] == ["payments"]


def test_gateway_routes_through_live_peerings_pending_ones_included(plan):
    requests = {
        "live": {
            "payments": {"id": "pcx-p", "status": "active", "vpc_id": "vpc-pay"},
            "cards": {"id": "pcx-c", "status": "pending-acceptance", "vpc_id": "vpc-card"},
        },
        "stale": [{"provider": "loans", "id": "pcx-l", "status": "active"}],
    }
    result = joins.gateway_routes(requests, STATES)
    # AWS takes a route to a peering that waits for acceptance: the gateway routes before the accept.
    assert result["routes"] == [
        {"dest": "10.1.0.0/16", "vpc_peering_connection_id": "pcx-c"},
        {"dest": "10.2.0.0/16", "vpc_peering_connection_id": "pcx-c"},
        {"dest": "10.0.0.0/16", "vpc_peering_connection_id": "pcx-p"},
    ]
    assert result["inactive"] == []
    assert result["owned_targets"] == ["pcx-c", "pcx-p", "pcx-l"]


@pytest.mark.parametrize("status", ["failed", "rejected", "expired", "deleted", "deleting", "initiating-request"])
def test_no_gateway_route_through_a_dead_peering(plan, status):
    requests = {
        "live": {
            "payments": {"id": "pcx-p", "status": "active", "vpc_id": "vpc-pay"},
            "cards": {"id": "pcx-c", "status": status, "vpc_id": "vpc-card"},
        },
        "stale": [],
    }
    result = joins.gateway_routes(requests, STATES)
    assert result["routes"] == [{"dest": "10.0.0.0/16", "vpc_peering_connection_id": "pcx-p"}]
    assert result["inactive"] == [{"provider": "cards", "id": "pcx-c", "status": status}]
    assert result["owned_targets"] == ["pcx-c", "pcx-p"]
    # The accepter's view of the status wins.
    accepted = {"cards": {"peering_id": "pcx-c", "status": "active"}}
    result = joins.gateway_routes(requests, STATES, accepted)
    assert {"dest": "10.2.0.0/16", "vpc_peering_connection_id": "pcx-c"} in result["routes"]
    assert result["inactive"] == []


# --- provider side ------------------------------------------------------------------------------


def test_the_active_request_of_the_gateway_vpc_is_chosen(plan):
    cards = plan["providers"]["cards"]
    existing = [
        peering("pcx-a", "vpc-gw", "vpc-card", "333333333333", "active", cards["peering"]["tags"]),
        peering("pcx-p", "vpc-gw", "vpc-card", "333333333333", "pending-acceptance"),
        peering(
            "pcx-stranger", "vpc-s", "vpc-card", "333333333333", "pending-acceptance", requester_owner="999999999999"
        ),
    ]
    choice = joins.peering_choice(existing, cards, "vpc-card", "vpc-gw")
    assert choice["chosen"] == {"id": "pcx-a", "status": "active", "requester_vpc_id": "vpc-gw"}
    assert choice["accept"] is False and choice["tag"] is False
    assert choice["owned_targets"] == ["pcx-a", "pcx-p"]
    assert [u["id"] for u in choice["unexpected"]] == ["pcx-p", "pcx-stranger"]


def test_a_single_pending_request_is_accepted_found_by_cidr_when_the_vpc_id_is_unknown(plan):
    cards = plan["providers"]["cards"]
    existing = [peering("pcx-p", "vpc-gw", "vpc-card", "333333333333", "pending-acceptance", cidr="10.100.0.0/16")]
    choice = joins.peering_choice(existing, cards, "vpc-card")
    assert choice["chosen"]["id"] == "pcx-p"
    assert choice["accept"] is True and choice["tag"] is True
    # Another CIDR is another VPC: not the gateway's.
    existing[0]["requester_vpc_info"]["cidr_block"] = "10.200.0.0/16"
    assert joins.peering_choice(existing, cards, "vpc-card")["chosen"] == {}


def test_several_pending_requests_are_ambiguous(plan):
    cards = plan["providers"]["cards"]
    existing = [
        peering("pcx-1", "vpc-gw", "vpc-card", "333333333333", "pending-acceptance"),
        peering("pcx-2", "vpc-gw", "vpc-card", "333333333333", "pending-acceptance"),
    ]
    choice = joins.peering_choice(existing, cards, "vpc-card", "vpc-gw")
    assert choice["chosen"] == {} and choice["ambiguous"] == ["pcx-1", "pcx-2"]
    assert choice["unexpected"] == []


def test_demo_instance_specs_join_subnets_and_groups(plan):
    demo = {
        "instances": [
            {"ip": "10.1.1.10", "name": "n1", "services": ["cards", "card-limits"], "tags": {"a": "b"}},
            {"ip": "10.1.2.20", "name": "n2", "services": ["card-limits"], "tags": {}},
        ]
    }
    targets = {"10.1.1.10": {"subnet_id": "subnet-1"}}
    groups = [{"service": "cards", "group_id": "sg-c"}, {"service": "card-limits", "group_id": "sg-l"}]
    assert joins.demo_instance_specs(demo, targets, groups) == [
        {
            "ip": "10.1.1.10",
            "subnet_id": "subnet-1",
            "security_group_ids": ["sg-c", "sg-l"],
            "name": "n1",
            "tags": {"a": "b"},
        }
    ]


def test_demo_instance_specs_give_the_subnet_cidr_that_vpc_target_subnets_returned(plan):
    """demo_instances then checks the IP against it instead of reading the subnet again."""
    demo = {"instances": [{"ip": "10.1.1.10", "name": "n1", "services": ["cards"], "tags": {}}]}
    targets = {"10.1.1.10": {"subnet_id": "subnet-1", "cidr": "10.1.1.0/24", "az": "us-east-1a"}}
    specs = joins.demo_instance_specs(demo, targets, [{"service": "cards", "group_id": "sg-c"}])
    assert specs == [
        {
            "ip": "10.1.1.10",
            "subnet_id": "subnet-1",
            "subnet_cidr": "10.1.1.0/24",
            "security_group_ids": ["sg-c"],
            "name": "n1",
            "tags": {},
        }
    ]


# --- gateway resources --------------------------------------------------------------------------


STATE = {
    "load_balancers": [{"name": "open-banking", "arn": "arn:lb", "dns_name": "nlb.example"}],
    "target_groups": [{"name": "open-banking-payments", "arn": "arn:tg-p"}, {"name": "x", "arn": None}],
    "vpc_links": [{"name": "open-banking", "id": "lnk1"}],
}


def test_rest_api_routes_call_the_load_balancer_on_the_listener_port(plan):
    result = joins.rest_api_routes(plan["gateway"]["api"], STATE)
    assert result["unrouted"] == []
    limits = next(route for route in result["routes"] if route["path"] == "limits")
    assert limits == {
        "path": "limits",
        "connection_type": "VPC_LINK",
        "connection_id": "lnk1",
        "integration_target": None,
        "target_url": "http://nlb.example:9082",
        "proxy": True,
        "timeout_in_millis": 29000,
    }


def test_rest_api_routes_carry_who_may_call(plan):
    api = dict(plan["gateway"]["api"])
    api["routes"] = [
        (
            dict(route, authorization_type="CUSTOM", authorizer="partner-jwt", api_key_required=True)
            if route["service"] == "cards"
            else route
        )
        for route in api["routes"]
    ]
    routes = {route["path"]: route for route in joins.rest_api_routes(api, STATE)["routes"]}
    assert routes["cards"]["authorization_type"] == "CUSTOM" and routes["cards"]["authorizer"] == "partner-jwt"
    assert routes["cards"]["api_key_required"] is True
    # Open to anyone: the rest_api defaults, nothing passed.
    assert "authorization_type" not in routes["payments"] and "authorization_scopes" not in routes["payments"]


def test_routes_without_link_or_dns_are_left_out_and_named(plan):
    state = dict(STATE, vpc_links=[])
    result = joins.rest_api_routes(plan["gateway"]["api"], state)
    assert result["routes"] == [] and result["unrouted"] == ["card-limits", "cards", "payments"]
    assert result["pending"][0] == "/limits -> VPC link open-banking (new) -> NLB open-banking :9082"


def test_pending_routes_show_the_move_to_the_alb(plan_alb):
    # Check mode of a move: the NLB path exists, the ALB and its link do not yet.
    result = joins.rest_api_routes(plan_alb["gateway"]["api"], STATE)
    assert result["routes"] == [] and len(result["unrouted"]) == 3
    assert "/payments -> VPC link v2 open-banking-gateway-alb (new) -> ALB open-banking-alb :80 /payments (new)" in (
        result["pending"]
    )


def test_route_urls_by_service(plan):
    routes = [{"path": "payments", "invoke_url": "https://x/v1/payments"}]
    urls = joins.route_urls(routes, plan["gateway"]["api"])
    assert urls["payments"] == {"path": "payments", "invoke_url": "https://x/v1/payments"}
    assert urls["cards"] == {"path": "cards", "invoke_url": ""}


def test_gateway_waits_name_what_exists(plan):
    assert joins.gateway_waits(plan["gateway"], STATE, "healthy") == {
        "load_balancer_arns": ["arn:lb"],
        "vpc_link_ids": ["lnk1"],
        "vpc_link_versions": {},
        "target_group_arns": ["arn:tg-p"],
        "needed": True,
    }
    assert joins.gateway_waits(plan["gateway"], {}) == {
        "load_balancer_arns": [],
        "vpc_link_ids": [],
        "vpc_link_versions": {},
        "target_group_arns": [],
        "needed": False,
    }


def test_no_wait_is_needed_when_everything_is_already_active_and_available(plan):
    settled = {
        "load_balancers": [{"name": "open-banking", "arn": "arn:lb", "state": "active"}],
        "vpc_links": [{"name": "open-banking", "id": "lnk1", "status": "AVAILABLE"}],
    }
    assert joins.gateway_waits(plan["gateway"], settled)["needed"] is False
    pending = dict(settled, vpc_links=[{"name": "open-banking", "id": "lnk1", "status": "PENDING"}])
    assert joins.gateway_waits(plan["gateway"], pending)["needed"] is True


def test_only_what_is_not_settled_yet_is_polled(plan):
    """A link the create answered AVAILABLE is not polled beside a load balancer still provisioning,
    nor an active load balancer beside a PENDING link; targets are polled whenever asked for."""
    provisioning = {
        "load_balancers": [{"name": "open-banking", "arn": "arn:lb", "state": "provisioning"}],
        "vpc_links": [{"name": "open-banking", "id": "lnk1", "status": "AVAILABLE"}],
        "target_groups": [{"name": "open-banking-payments", "arn": "arn:tg-p"}],
    }
    waits = joins.gateway_waits(plan["gateway"], provisioning)
    assert waits["load_balancer_arns"] == ["arn:lb"] and waits["vpc_link_ids"] == [] and waits["needed"] is True
    pending = dict(
        provisioning,
        load_balancers=[{"name": "open-banking", "arn": "arn:lb", "state": "active"}],
        vpc_links=[{"name": "open-banking", "id": "lnk1", "status": "PENDING", "version": "v2"}],
    )
    waits = joins.gateway_waits(plan["gateway"], pending)
    assert waits["load_balancer_arns"] == [] and waits["vpc_link_ids"] == ["lnk1"]
    assert waits["vpc_link_versions"] == {"lnk1": "v2"}
    settled = dict(pending, vpc_links=[{"name": "open-banking", "id": "lnk1", "status": "AVAILABLE"}])
    waits = joins.gateway_waits(plan["gateway"], settled, "healthy")
    assert waits == {
        "load_balancer_arns": [],
        "vpc_link_ids": [],
        "vpc_link_versions": {},
        "target_group_arns": ["arn:tg-p"],
        "needed": True,
    }
    provisioning = dict(settled, load_balancers=[{"name": "open-banking", "arn": "arn:lb", "state": "provisioning"}])
    assert joins.gateway_waits(plan["gateway"], provisioning)["needed"] is True


def test_stale_vpc_links_are_ours_and_not_planned():
    kept = [
        {
            "name": "old-shared",
            "vpc_links": [
                {"id": "l1", "name": "old-shared", "managed": True},
                {"id": "l2", "name": "theirs", "managed": False},
                {"id": "l3", "name": "open-banking", "managed": True},
            ],
        }
    ]
    planned = [{"name": "open-banking"}]
    assert joins.stale_vpc_links(kept, planned) == [{"id": "l1", "name": "old-shared", "load_balancer": "old-shared"}]


# --- reports ----------------------------------------------------------------------------------------


def test_service_lines(plan):
    api_state = {"services": {"payments": {"invoke_url": "https://x/v1/payments"}}}
    lines = joins.service_lines(plan, api_state, {"payments": {"vpc_id": "vpc-pay"}})
    assert len(lines) == 3
    payments = next(line for line in lines if line.startswith("payments"))
    assert "https://x/v1/payments" in payments
    assert "-> VPC link -> NLB :8080 -> payments (account 222222222222, vpc-pay) 10.0.1.25:8080" in payments
    limits = next(line for line in lines if line.startswith("card-limits"))
    assert "(not deployed yet)" in limits and "NLB :9082" in limits and "vpc ?" in limits
    assert joins.service_lines({"services": []}, {}, {}) == ["no service published"]


def test_verify_providers_join_the_gateway_ids_and_snapshots(plan):
    providers = joins.verify_providers(plan, STATE, {"payments": {"account_id": "222222222222"}})
    assert [provider["name"] for provider in providers] == ["cards", "payments"]
    payments = providers[1]
    assert payments["snapshot"] == {"account_id": "222222222222"}
    assert payments["services"] == [
        {
            "name": "payments",
            "port": 8080,
            "listener_port": 8080,
            "path": "payments",
            "targets": ["10.0.1.25"],
            "target_group_arn": "arn:tg-p",
            "nlb_arn": "arn:lb",
            "load_balancer_type": "network",
            "vpc_link_id": "lnk1",
            "vpc_link_version": "v1",
            "integration_target_arn": None,
        }
    ]
    assert providers[0]["snapshot"] == {}


def test_verify_providers_carry_each_providers_connectivity(plan):
    # Today's plan has no connectivity: every provider is on its peering.
    assert {item["name"]: item["connectivity"] for item in joins.verify_providers(plan, STATE, {})} == {
        "cards": "peering",
        "payments": "peering",
    }
    # The provider's own key first, then the gateway's map, then its default.
    plan = copy.deepcopy(plan)
    for provider in plan["providers"].values():
        provider.pop("connectivity", None)
    plan["gateway"]["connectivity"] = {"default": "transit_gateway", "providers": {"cards": "peering"}}
    assert {item["name"]: item["connectivity"] for item in joins.verify_providers(plan, STATE, {})} == {
        "cards": "peering",
        "payments": "transit_gateway",
    }
    plan["providers"]["cards"]["connectivity"] = "transit_gateway"
    assert joins.verify_providers(plan, STATE, {})[0]["connectivity"] == "transit_gateway"


def test_probe_results_from_test_invoke_and_http_gets(plan):
    tests = [
        {"path": "/payments", "http_method": "GET", "status": 200},
        {"path": "/cards", "http_method": "GET", "status": None},
    ]
    http = [
        {"item": {"name": "payments"}, "url": "https://x/v1/payments", "status": 502},
        {"skipped": True, "item": {"name": "cards"}},
    ]
    probes = joins.probe_results(plan["services"], tests, http, 200)
    assert probes == [
        {"service": "payments", "kind": "test-invoke GET", "target": "/payments", "status": 200, "expected": 200},
        {"service": "cards", "kind": "test-invoke GET", "target": "/cards", "status": "error", "expected": 200},
        {"service": "payments", "kind": "http-get", "target": "https://x/v1/payments", "status": 502, "expected": 200},
    ]


def test_only_missing_or_drifting_vpc_links_need_the_module(plan):
    planned = plan["gateway"]["vpc_links"]
    link = planned[0]
    good = {
        "id": "l1",
        "name": link["name"],
        "target_arns": ["arn:lb"],
        "description": link["description"],
        "tags": dict(link["tags"], Extra="x"),
    }
    assert joins.vpc_link_changes(planned, [good], {"open-banking": "arn:lb"}) == {"apply": [], "unchanged": [good]}
    assert joins.vpc_link_changes(planned, [], {"open-banking": "arn:lb"}) == {"apply": [link], "unchanged": []}
    moved = dict(good, target_arns=["arn:other"])
    assert joins.vpc_link_changes(planned, [moved], {"open-banking": "arn:lb"})["apply"] == [link]
    untagged = dict(good, tags={})
    assert joins.vpc_link_changes(planned, [untagged], {"open-banking": "arn:lb"})["apply"] == [link]
    # Two links of ours with one name: the module decides (it fails naming both).
    assert joins.vpc_link_changes(planned, [good, dict(good, id="l2")], {"open-banking": "arn:lb"})["apply"] == [link]
    # No load balancer yet (check mode on a new gateway): nothing to do now.
    assert joins.vpc_link_changes(planned, [], {}) == {"apply": [], "unchanged": []}


def test_peering_specs_joins_the_plan_with_the_published_vpc_ids():
    planned = [
        {
            "provider": "payments",
            "account_id": "222222222222",
            "region": "us-east-1",
            "cross_region": False,
            "tags": {"a": "1"},
        },
        {"provider": "cards", "account_id": "333333333333", "region": "eu-west-1", "cross_region": True, "tags": {}},
    ]
    states = {
        "payments": {"vpc_id": "vpc-0123456789abcdef0", "vpc_cidrs": ["10.1.0.0/16", "10.11.0.0/16"]},
        "cards": {},
    }
    specs = joins.peering_specs(planned, states)
    assert specs == [
        {
            "provider": "payments",
            "account_id": "222222222222",
            "vpc_id": "vpc-0123456789abcdef0",
            "region": "us-east-1",
            "tags": {"a": "1"},
            "create": True,
            "cidrs": ["10.1.0.0/16", "10.11.0.0/16"],
        },
        {
            "provider": "cards",
            "account_id": "333333333333",
            "vpc_id": "",
            "region": "eu-west-1",
            "tags": {},
            "create": True,
            "cidrs": [],
        },
    ]
    assert joins.peering_specs(None, None) == []


# --- private integration nlb-v2 ---------------------------------------------------------------------


@pytest.fixture(name="plan_v2")
def fixture_plan_v2():
    accounts = copy.deepcopy(INVENTORY)
    accounts[0]["vars"]["shared_gateway_private_integration"] = "nlb-v2"
    result = build_plan(accounts)
    assert not result["errors"]
    return result["plan"]


STATE_V2 = dict(
    STATE,
    vpc_links=[
        {"name": "open-banking", "id": "lnk1", "version": "v1", "status": "AVAILABLE"},
        {"name": "open-banking-gateway", "id": "v2lnk", "version": "v2", "status": "PENDING"},
    ],
)


def test_over_a_vpc_link_v2_each_route_names_its_load_balancer(plan_v2):
    result = joins.rest_api_routes(plan_v2["gateway"]["api"], STATE_V2)
    assert result["unrouted"] == []
    limits = next(route for route in result["routes"] if route["path"] == "limits")
    assert (limits["connection_id"], limits["integration_target"]) == ("v2lnk", "arn:lb")
    assert limits["target_url"] == "http://nlb.example:9082"
    # without the link v2 (check mode on a new gateway) nothing is routed, nor with a balancer without ARN
    assert joins.rest_api_routes(plan_v2["gateway"]["api"], STATE)["routes"] == []
    no_arn = dict(STATE_V2, load_balancers=[{"name": "open-banking", "dns_name": "nlb.example"}])
    assert joins.rest_api_routes(plan_v2["gateway"]["api"], no_arn)["unrouted"] == ["card-limits", "cards", "payments"]


def test_gateway_waits_for_the_vpc_link_v2_with_its_version(plan_v2):
    waits = joins.gateway_waits(plan_v2["gateway"], STATE_V2)
    # the v1 link is no longer planned: it is not waited for
    assert waits["vpc_link_ids"] == ["v2lnk"] and waits["vpc_link_versions"] == {"v2lnk": "v2"}
    assert waits["needed"] is True


def test_vpc_link_v2_changes(plan_v2):
    planned = plan_v2["gateway"]["vpc_links_v2"]
    good = {
        "name": "open-banking-gateway",
        "id": "v2lnk",
        "subnet_ids": ["subnet-b", "subnet-a"],
        "security_group_ids": ["sg-1"],
        "tags": dict(OURS, Name="open-banking-gateway"),
    }
    assert joins.vpc_link_v2_changes(planned, [good], ["subnet-a", "subnet-b"], ["sg-1"]) == {
        "apply": [],
        "unchanged": [good],
    }
    for drift in ({"subnet_ids": ["subnet-a"]}, {"security_group_ids": ["sg-2"]}, {"tags": OURS}):
        result = joins.vpc_link_v2_changes(planned, [dict(good, **drift)], ["subnet-a", "subnet-b"], ["sg-1"])
        assert result["unchanged"] == []
        assert result["apply"] == [
            dict(planned[0], subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-1"]),
        ]
    missing = joins.vpc_link_v2_changes(planned, [], ["subnet-a"], ["sg-1"])
    assert [link["name"] for link in missing["apply"]] == ["open-banking-gateway"]
    # two links of that name: ambiguous, so the module decides (and fails naming them)
    assert joins.vpc_link_v2_changes(planned, [good, good], ["subnet-a", "subnet-b"], ["sg-1"])["unchanged"] == []
    # the subnets or the group do not exist yet (check mode on a new gateway): nothing to plan
    assert joins.vpc_link_v2_changes(planned, [], [], ["sg-1"]) == {"apply": [], "unchanged": []}
    assert joins.vpc_link_v2_changes(planned, [], ["subnet-a"], []) == {"apply": [], "unchanged": []}


def test_foreign_groups_lack_an_ownership_tag():
    groups = [
        {"group_id": "sg-ours", "tags": dict(OURS, Name="x")},
        {"group_id": "sg-theirs", "tags": {"Name": "open-banking-gateway-link"}},
        {"group_id": "sg-other-gateway", "tags": dict(OURS, **{"multiaccount:gateway": "other"})},
    ]
    assert joins.foreign_groups(groups, OURS) == ["sg-theirs", "sg-other-gateway"]


def test_private_integration_in_place_from_the_api_tag():
    assert joins.private_integration_in_place({}) == "nlb-v1"
    assert joins.private_integration_in_place({"tags": {"ManagedBy": "x"}}) == "nlb-v1"
    assert joins.private_integration_in_place({"tags": {"multiaccount:private-integration": "nlb-v2"}}) == "nlb-v2"


def test_verify_providers_over_a_vpc_link_v2(plan_v2):
    providers = joins.verify_providers(plan_v2, STATE_V2, {})
    for provider in providers:
        for service in provider["services"]:
            assert service["vpc_link_id"] == "v2lnk" and service["vpc_link_version"] == "v2"
            assert service["integration_target_arn"] == service["nlb_arn"] == "arn:lb"


def test_retire_names_the_other_modes(plan, plan_v2):
    assert plan["gateway"]["retire"] == {
        "vpc_links_v1": False,
        "vpc_links_v2": ["open-banking-gateway", "open-banking-gateway-alb"],
        "security_groups": ["open-banking-gateway-alb", "open-banking-gateway-alb-link", "open-banking-gateway-link"],
        "api_tags": {"multiaccount:private-integration": "nlb-v1"},
    }
    assert plan_v2["gateway"]["retire"] == {
        "vpc_links_v1": True,
        "vpc_links_v2": ["open-banking-gateway-alb"],
        "security_groups": ["open-banking-gateway-alb", "open-banking-gateway-alb-link"],
        "api_tags": {"multiaccount:private-integration": "nlb-v2"},
    }


def test_service_lines_name_the_vpc_link_v2(plan_v2):
    lines = joins.service_lines(plan_v2, {}, {})
    assert all("-> VPC link v2 -> NLB :" in line for line in lines)


# --- alb-v2 -----------------------------------------------------------------------------------------


@pytest.fixture(name="plan_alb")
def fixture_plan_alb():
    accounts = copy.deepcopy(INVENTORY)
    accounts[0]["vars"]["shared_gateway_private_integration"] = "alb-v2"
    result = build_plan(accounts)
    assert not result["errors"]
    return result["plan"]


STATE_ALB = {
    "load_balancers": [{"name": "open-banking-alb", "arn": "arn:alb", "dns_name": "alb.example"}],
    "target_groups": [{"name": "open-banking-payments-http", "arn": "arn:tg-pay"}],
    "vpc_links": [{"name": "open-banking-gateway-alb", "id": "albv2", "version": "v2"}],
}


def test_rest_api_routes_over_the_alb_keep_the_api_path(plan_alb):
    result = joins.rest_api_routes(plan_alb["gateway"]["api"], STATE_ALB)
    assert result["unrouted"] == []
    limits = next(route for route in result["routes"] if route["path"] == "limits")
    assert limits == {
        "path": "limits",
        "connection_type": "VPC_LINK",
        "connection_id": "albv2",
        "integration_target": "arn:alb",
        "target_url": "http://alb.example:80",
        "proxy": True,
        "timeout_in_millis": 29000,
        "backend_path": "/limits",
    }


def test_verify_providers_over_the_alb(plan_alb):
    providers = joins.verify_providers(plan_alb, STATE_ALB, {})
    payments = next(s for p in providers for s in p["services"] if s["name"] == "payments")
    assert payments["load_balancer_type"] == "application" and payments["listener_port"] == 80
    assert payments["nlb_arn"] == payments["integration_target_arn"] == "arn:alb"
    assert payments["target_group_arn"] == "arn:tg-pay" and payments["vpc_link_id"] == "albv2"
    assert payments["health_check"] == {"path": "/", "matcher": "200"}


def test_service_lines_name_the_alb_and_path(plan_alb):
    lines = joins.service_lines(plan_alb, {}, {})
    assert any("-> VPC link v2 -> ALB :80 /payments -> payments" in line for line in lines), lines


def test_security_group_ids_and_groups_in_order():
    groups = [
        {"group_name": "gw-gateway-alb-link", "group_id": "sg-1"},
        {"group_name": "gw-gateway-alb", "group_id": "sg-2"},
        {"group_name": "other", "group_id": "sg-3"},
        {"group_name": "pending"},
    ]
    assert joins.security_group_ids(groups) == {
        "gw-gateway-alb-link": "sg-1",
        "gw-gateway-alb": "sg-2",
        "other": "sg-3",
    }
    ordered = joins.groups_in_order(groups, ["gw-gateway-alb", "gw-gateway-alb-link", "gw-gateway-link"])
    assert [group["group_id"] for group in ordered] == ["sg-2", "sg-1"]
    assert joins.groups_in_order(None, ["x"]) == []


def test_certificate_host_prefers_a_name_that_is_no_wildcard():
    assert joins.certificate_host({"domain_name": "api.bank.example"}, "gw") == "api.bank.example"
    certificate = {"domain_name": "*.bank.example", "subject_alternative_names": ["*.bank.example", "Gw.Bank.Example"]}
    assert joins.certificate_host(certificate, "gw") == "gw.bank.example"
    assert joins.certificate_host({"domain_name": "*.bank.example"}, "open-banking") == "open-banking.bank.example"
    assert joins.certificate_host(None, "gw") == ""


def test_https_routes_call_the_certificate_host_and_verify_expects_it(plan_alb):
    api = copy.deepcopy(plan_alb["gateway"]["api"])
    for route in api["routes"]:
        route.update(scheme="https", listener_port=443)
    state = dict(STATE_ALB, certificate_host="api.bank.example")
    payments = next(route for route in joins.rest_api_routes(api, state)["routes"] if route["path"] == "payments")
    assert payments["target_url"] == "https://api.bank.example" and payments["backend_path"] == "/payments"
    missing = joins.rest_api_routes(api, STATE_ALB)
    assert missing["routes"] == [] and all(line.endswith("(certificate not read)") for line in missing["pending"])
    providers = joins.verify_providers(plan_alb, state, {})
    assert {s["integration_host"] for p in providers for s in p["services"]} == {"api.bank.example"}


# --- Transit Gateway connectivity -------------------------------------------------------------------


def test_transit_gateway_spokes_join_the_plan_with_the_published_vpcs():
    spokes = [{"name": "payments", "account_id": "222222222222"}, {"name": "cards", "account_id": "333333333333"}]
    states = {"payments": {"vpc_id": "vpc-0123456789abcdef0", "vpc_cidrs": ["10.1.0.0/16"]}}
    assert joins.transit_gateway_spokes(spokes, states) == [
        {"name": "payments", "account_id": "222222222222", "vpc_id": "vpc-0123456789abcdef0", "cidrs": ["10.1.0.0/16"]},
        {"name": "cards", "account_id": "333333333333", "vpc_id": "", "cidrs": []},
    ]


def test_connectivity_routes_take_the_accepters_status_and_own_the_tgw_and_the_peerings():
    connectivity = {"providers": {"payments": "transit_gateway", "cards": "peering"}}
    states = {"payments": {"vpc_cidrs": ["10.1.0.0/16"]}, "cards": {"vpc_cidrs": ["10.2.0.0/16"]}}
    peerings = {
        "payments": {"id": "pcx-1", "status": "active"},
        "cards": {"id": "pcx-2", "status": "pending-acceptance"},
    }
    # cards accepted earlier in the run: its peering is active now.
    accepted = {"cards": {"peering_id": "pcx-2", "status": "active"}}
    spokes = [{"name": "payments", "ready": False}, {"name": "cards", "ready": False}]
    result = joins.connectivity_routes(connectivity, states, peerings, accepted, spokes, "tgw-1")
    # payments' attachment is not ready: its route stays on the peering.
    assert result["routes"] == [
        {"dest": "10.1.0.0/16", "vpc_peering_connection_id": "pcx-1"},
        {"dest": "10.2.0.0/16", "vpc_peering_connection_id": "pcx-2"},
    ]
    assert result["owned_targets"] == ["pcx-1", "pcx-2", "tgw-1"]
    assert result["waiting"] == ["payments"]
    spokes[0]["ready"] = True
    moved = joins.connectivity_routes(connectivity, states, peerings, accepted, spokes, "tgw-1")
    assert moved["routes"] == [
        {"dest": "10.2.0.0/16", "vpc_peering_connection_id": "pcx-2"},
        {"dest": "10.1.0.0/16", "transit_gateway_id": "tgw-1"},
    ]


def test_deleted_route_keys_name_each_deleted_route_by_table_and_destination():
    routes = {
        "route_tables": [
            {"id": "rtb-2", "deleted": [{"dest": "10.100.2.0/24", "target": "tgw-1"}], "added": [{"dest": "x"}]},
            {"id": "rtb-1", "deleted": [{"dest": "10.100.1.0/24", "target": "tgw-1"}]},
        ]
    }
    again = {"route_tables": [{"id": "rtb-1", "deleted": [{"dest": "10.100.1.0/24", "target": "pcx-1"}]}]}
    skipped = {"skipped": True, "changed": False}
    assert joins.deleted_route_keys([routes, again, skipped, None]) == ["rtb-1:10.100.1.0/24", "rtb-2:10.100.2.0/24"]
    assert joins.deleted_route_keys([]) == [] and joins.deleted_route_keys(None) == []


def test_attachment_subnets_take_one_subnet_per_zone_or_the_dedicated_ones():
    subnets = [
        {"id": "subnet-a1", "az": "us-east-1a", "cidr": "10.1.1.0/24"},
        {"id": "subnet-b1", "az": "us-east-1b", "cidr": "10.1.2.0/24"},
        {"id": "subnet-a2", "az": "us-east-1a", "cidr": "10.1.3.0/24"},
        {"id": None, "az": "us-east-1c", "cidr": "10.1.4.0/24"},
    ]
    assert joins.attachment_subnets(subnets) == ["subnet-a1", "subnet-b1"]
    assert joins.attachment_subnets(subnets, ["subnet-x"]) == ["subnet-x"]
    assert joins.attachment_subnets([]) == []
