# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The planner: every rule that turns the inventory into the desired state of each account."""

import copy
import hashlib
import os

import pytest
import yaml
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import (
    APPLY_KEYS,
    CONTRACT_KEYS,
    GATEWAY_OPTIONS,
    KNOWN_KEYS,
    PLAY_GROUPS,
    PROVIDER_OPTIONS,
    build_plan,
    lb_name,
    merge_tags,
    ownership_tags,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

OWNED = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}

INVENTORY = [
    {
        "host": "shared-services",
        "kind": "shared",
        "vars": {
            "aws_account_id": "111111111111",
            "aws_region": "us-east-1",
            "shared_gateway_vpc_cidr": "10.100.0.0/16",
            "shared_gateway_subnets": [
                {"cidr": "10.100.1.0/24", "az": "us-east-1a"},
                {"cidr": "10.100.2.0/24", "az": "us-east-1b"},
            ],
            "shared_gateway_nlb_strategy": "shared",
            "api_publish_name": "open-banking",
            "api_publish_stage": "v1",
            "api_publish_default_authorization": "NONE",
        },
    },
    {
        "host": "payments",
        "kind": "provider",
        "vars": {
            "aws_account_id": "222222222222",
            "aws_region": "us-east-1",
            "provider_vpc_cidr": "10.0.0.0/16",
            "provider_vpc_services": [{"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]}],
        },
    },
    {
        "host": "cards",
        "kind": "provider",
        "vars": {
            "aws_account_id": "333333333333",
            "aws_region": "us-west-2",
            "provider_vpc_cidr": "10.1.0.0/16",
            "provider_vpc_services": [
                {"name": "cards", "port": 8081, "path": "/cards/", "targets": ["10.1.1.10"]},
                {
                    "name": "card-limits",
                    "port": 8082,
                    "listener_port": 9082,
                    "path": "limits",
                    "targets": ["10.1.2.20", "10.1.1.10"],
                },
            ],
        },
    },
]


@pytest.fixture(name="accounts")
def fixture_accounts():
    return copy.deepcopy(INVENTORY)


def set_var(accounts, host, key, value):
    next(account for account in accounts if account["host"] == host)["vars"][key] = value


def plan_of(accounts):
    result = build_plan(accounts)
    assert result["errors"] == [], result["errors"]
    return result["plan"]


def errors_of(accounts):
    result = build_plan(accounts)
    assert result["plan"] is None
    return [(error["host"], error["field"], error["message"]) for error in result["errors"]]


# --- names and tags ------------------------------------------------------------------------------


def test_lb_name_keeps_a_short_name_and_replaces_unsafe_characters():
    assert lb_name("open-banking") == "open-banking"
    assert lb_name("open_banking.v2") == "open-banking-v2"


def test_lb_name_shortens_a_long_name_with_a_hash_of_the_whole_name():
    raw = "a-very-long-gateway-name-for-the-bank-payments"
    name = lb_name(raw)
    assert len(name) == 32
    assert name == raw[:23] + "-" + hashlib.sha1(raw.encode()).hexdigest()[:8]
    assert lb_name(raw + "x") != name
    assert lb_name("x" * 32) == "x" * 32


def test_ownership_tags_win_over_the_users_tags():
    tags = merge_tags({"ManagedBy": "me", "Team": "platform"}, ownership_tags("open-banking"))
    assert tags == {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking", "Team": "platform"}


# --- gateway --------------------------------------------------------------------------------------


def test_shared_strategy_one_load_balancer_one_listener_per_service(accounts):
    gateway = plan_of(accounts)["gateway"]
    assert [balancer["name"] for balancer in gateway["load_balancers"]] == ["open-banking"]
    balancer = gateway["load_balancers"][0]
    assert balancer["scheme"] == "internal" and balancer["type"] == "network" and balancer["cross_zone"] is True
    assert balancer["listeners"] == [
        {"port": 8080, "protocol": "TCP", "target_group": "open-banking-payments"},
        {"port": 8081, "protocol": "TCP", "target_group": "open-banking-cards"},
        {"port": 9082, "protocol": "TCP", "target_group": "open-banking-card-limits"},
    ]
    assert balancer["tags"] == dict(OWNED, Name="open-banking", **{"multiaccount:nlb-strategy": "shared"})
    assert gateway["vpc_links"] == [
        {
            "name": "open-banking",
            "version": "v1",
            "load_balancer": "open-banking",
            "description": "open-banking gateway: NLB open-banking",
            "tags": dict(OWNED, **{"multiaccount:nlb-strategy": "shared"}),
        }
    ]


@pytest.mark.parametrize("strategy", ["shared", "dedicated"])
def test_nlb_v2_one_vpc_link_v2_for_every_nlb_and_each_route_names_its_nlb(accounts, strategy):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "nlb-v2")
    set_var(accounts, "shared-services", "shared_gateway_nlb_strategy", strategy)
    result = plan_of(accounts)
    gateway = result["gateway"]
    assert gateway["private_integration"] == "nlb-v2"
    assert gateway["vpc_links"] == []
    assert gateway["vpc_links_v2"] == [
        {
            "name": "open-banking-gateway",
            "version": "v2",
            "security_group": "open-banking-gateway-link",
            "tags": dict(OWNED, Name="open-banking-gateway"),
        }
    ]
    # No ingress; one egress rule to the gateway VPC over the listener ports (8080 .. 9082).
    assert gateway["security_groups"] == [
        {
            "name": "open-banking-gateway-link",
            "description": "multiaccount.apigateway: VPC link v2 of open-banking to its NLB listeners",
            "ingress": [],
            "egress": [
                {
                    "proto": "tcp",
                    "from_port": 8080,
                    "to_port": 9082,
                    "cidr_ip": "10.100.0.0/16",
                    "rule_desc": "open-banking NLB listeners",
                }
            ],
            "tags": dict(OWNED, Name="open-banking-gateway-link"),
        }
    ]
    balancers = {balancer["name"] for balancer in gateway["load_balancers"]}
    for route in gateway["api"]["routes"]:
        assert route["vpc_link"] == "open-banking-gateway" and route["vpc_link_version"] == "v2"
        assert route["integration_target"] == route["load_balancer"] and route["load_balancer"] in balancers
    assert len(balancers) == (3 if strategy == "dedicated" else 1)
    # The NLBs, listeners and target groups are those of nlb-v1: only the link changes.
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "nlb-v1")
    v1 = plan_of(accounts)["gateway"]
    assert v1["load_balancers"] == gateway["load_balancers"] and v1["target_groups"] == gateway["target_groups"]
    for provider in result["providers"].values():
        assert {(s["vpc_link"], s["vpc_link_version"]) for s in provider["services"]} == {
            ("open-banking-gateway", "v2")
        }


def test_private_integration_must_be_a_known_mode(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v3")
    assert errors_of(accounts) == [
        ("shared-services", "shared_gateway_private_integration", "'alb-v3' is not one of nlb-v1, nlb-v2, alb-v2")
    ]


def test_listener_port_differs_from_the_target_port(accounts):
    gateway = plan_of(accounts)["gateway"]
    limits = next(group for group in gateway["target_groups"] if group["name"] == "open-banking-card-limits")
    assert limits["port"] == 8082
    assert limits["targets"] == [{"ip": "10.1.2.20", "port": 8082}, {"ip": "10.1.1.10", "port": 8082}]
    route = next(route for route in gateway["api"]["routes"] if route["service"] == "card-limits")
    assert route == {
        "service": "card-limits",
        "path": "limits",
        "load_balancer": "open-banking",
        "vpc_link": "open-banking",
        "vpc_link_version": "v1",
        "integration_target": None,
        "listener_port": 9082,
        "load_balancer_type": "network",
        "backend_path": None,
        "scheme": "http",
        "authorization_type": "NONE",
        "authorizer": None,
        "authorization_scopes": [],
        "api_key_required": False,
    }
    assert gateway["private_integration"] == "nlb-v1"
    assert gateway["vpc_links_v2"] == [] and gateway["security_groups"] == []


def test_target_groups_carry_health_check_and_service_tags(accounts):
    set_var(accounts, "shared-services", "shared_gateway_health_check_interval", 10)
    set_var(accounts, "shared-services", "shared_gateway_healthy_threshold", 2)
    group = next(g for g in plan_of(accounts)["gateway"]["target_groups"] if g["name"] == "open-banking-payments")
    assert group == {
        "name": "open-banking-payments",
        "protocol": "TCP",
        "port": 8080,
        "health_check": {"protocol": "TCP", "interval": 10, "healthy_threshold": 2, "unhealthy_threshold": 3},
        "targets": [{"ip": "10.0.1.25", "port": 8080}],
        "tags": dict(
            OWNED,
            Name="open-banking-payments",
            **{"multiaccount:service": "payments", "multiaccount:provider": "payments"},
        ),
    }


def test_dedicated_strategy_one_load_balancer_and_link_per_service(accounts):
    set_var(accounts, "shared-services", "shared_gateway_nlb_strategy", "dedicated")
    # Two services may share a port on dedicated load balancers.
    set_var(
        accounts,
        "payments",
        "provider_vpc_services",
        [{"name": "payments", "port": 8081, "path": "payments", "targets": ["10.0.1.25"]}],
    )
    gateway = plan_of(accounts)["gateway"]
    names = ["open-banking-card-limits", "open-banking-cards", "open-banking-payments"]
    assert [balancer["name"] for balancer in gateway["load_balancers"]] == names
    assert [link["name"] for link in gateway["vpc_links"]] == names
    limits = gateway["load_balancers"][0]
    assert limits["listeners"] == [{"port": 9082, "protocol": "TCP", "target_group": "open-banking-card-limits"}]
    assert limits["tags"]["multiaccount:service"] == "card-limits"
    assert limits["tags"]["multiaccount:provider"] == "cards"
    assert gateway["vpc_links"][0]["tags"]["multiaccount:service"] == "card-limits"
    route = next(route for route in gateway["api"]["routes"] if route["service"] == "payments")
    assert route["vpc_link"] == route["load_balancer"] == "open-banking-payments"


def test_gateway_network_names_and_tags(accounts):
    set_var(accounts, "shared-services", "shared_gateway_tags", {"CostCenter": 42})
    gateway = plan_of(accounts)["gateway"]
    tags = dict(OWNED, CostCenter="42", Name="open-banking-gateway")
    assert gateway["vpc"] == {
        "name": "open-banking-gateway",
        "cidr": "10.100.0.0/16",
        "tags": tags,
        "spec": {
            "filters": {
                "tag:ManagedBy": "multiaccount.apigateway",
                "tag:Name": "open-banking-gateway",
                "tag:multiaccount:gateway": "open-banking",
                "cidr-block": "10.100.0.0/16",
            },
            "cidr": "10.100.0.0/16",
            "create": True,
            "tags": tags,
        },
    }
    assert gateway["subnets"] == [
        {"cidr": "10.100.1.0/24", "az": "us-east-1a"},
        {"cidr": "10.100.2.0/24", "az": "us-east-1b"},
    ]
    assert gateway["subnet_cidrs"] == ["10.100.1.0/24", "10.100.2.0/24"]
    assert gateway["route_table"]["tags"]["Name"] == "open-banking-gateway"
    assert gateway["ownership_filters"] == {
        "tag:ManagedBy": "multiaccount.apigateway",
        "tag:multiaccount:gateway": "open-banking",
    }


def test_gateway_name_defaults_to_the_api_name_and_can_be_set(accounts):
    assert plan_of(accounts)["gateway"]["name"] == "open-banking"
    set_var(accounts, "shared-services", "shared_gateway_name", "obk")
    plan = plan_of(accounts)
    assert plan["gateway"]["name"] == "obk"
    assert plan["gateway"]["api"]["name"] == "open-banking"
    assert plan["gateway"]["api"]["tags"]["multiaccount:gateway"] == "open-banking"
    assert plan["providers"]["payments"]["security_groups"][0]["name"] == "obk-payments"


def test_peering_requests_know_the_cross_region_providers(accounts):
    peerings = plan_of(accounts)["gateway"]["peerings"]
    assert [(p["provider"], p["account_id"], p["region"], p["cross_region"]) for p in peerings] == [
        ("payments", "222222222222", "us-east-1", False),
        ("cards", "333333333333", "us-west-2", True),
    ]
    assert peerings[1]["tags"] == dict(OWNED, Name="open-banking-cards", **{"multiaccount:provider": "cards"})


def test_api_plan(accounts):
    set_var(accounts, "shared-services", "api_publish_timeout_in_millis", 10000)
    set_var(accounts, "shared-services", "api_publish_endpoint_type", "PRIVATE")
    api = plan_of(accounts)["gateway"]["api"]
    assert api["name"] == "open-banking" and api["stage"] == "v1"
    assert api["timeout_in_millis"] == 10000
    assert api["endpoint_type"] == "PRIVATE"
    assert [route["path"] for route in api["routes"]] == ["limits", "cards", "payments"]


# --- providers ------------------------------------------------------------------------------------


def test_provider_creates_a_vpc_found_again_by_name_mark_and_cidr(accounts):
    vpc = plan_of(accounts)["providers"]["payments"]["vpc"]
    assert vpc["mode"] == "create"
    assert vpc["name"] == "open-banking-payments"
    assert vpc["filters"] == {
        "tag:Name": "open-banking-payments",
        "tag:ManagedBy": "multiaccount.apigateway",
        "cidr-block": "10.0.0.0/16",
    }
    assert vpc["tags"] == dict(OWNED, Name="open-banking-payments", **{"multiaccount:provider": "payments"})
    assert vpc["spec"] == {"filters": vpc["filters"], "cidr": "10.0.0.0/16", "create": True, "tags": vpc["tags"]}


def test_provider_adopts_by_id_or_by_tags(accounts):
    set_var(accounts, "payments", "provider_vpc_id", "vpc-0123456789abcdef0")
    set_var(accounts, "cards", "provider_vpc_tags", {"Name": "cards-core", "Env": "prod"})
    providers = plan_of(accounts)["providers"]
    assert providers["payments"]["vpc"]["mode"] == "adopt"
    assert providers["payments"]["vpc"]["filters"] == {"vpc-id": "vpc-0123456789abcdef0"}
    assert providers["cards"]["vpc"]["filters"] == {"tag:Env": "prod", "tag:Name": "cards-core"}
    # An adopted VPC is never created nor tagged; its CIDR, when given, is checked.
    assert providers["cards"]["vpc"]["spec"] == {
        "filters": {"tag:Env": "prod", "tag:Name": "cards-core"},
        "cidr": "10.1.0.0/16",
        "create": False,
        "tags": {},
    }


def test_aws_checks_name_each_zone_with_its_field_and_the_vpc_to_adopt(accounts):
    set_var(accounts, "payments", "provider_vpc_id", "vpc-0123456789abcdef0")
    set_var(accounts, "cards", "provider_vpc_subnets", [{"cidr": "10.1.1.0/24", "az": "us-west-2c"}])
    set_var(accounts, "cards", "provider_vpc_cidr", None)
    set_var(accounts, "cards", "provider_vpc_tags", {"Name": "cards-core"})
    view = plan_of(accounts)["accounts"]
    assert view["shared-services"]["aws_checks"] == {
        "needed": True,
        "availability_zones": [
            {"az": "us-east-1a", "field": "shared_gateway_subnets[0].az"},
            {"az": "us-east-1b", "field": "shared_gateway_subnets[1].az"},
        ],
        "vpc": None,
        "certificate": None,
    }
    assert view["payments"]["aws_checks"] == {
        "needed": True,
        "availability_zones": [],
        "vpc": {
            "filters": {"vpc-id": "vpc-0123456789abcdef0"},
            "field": "provider_vpc_id",
            "cidr": "10.0.0.0/16",
            "targets": ["10.0.1.25"],
            "gateway_vpc_cidr": "10.100.0.0/16",
        },
        "certificate": None,
    }
    cards = view["cards"]["aws_checks"]
    assert cards["availability_zones"] == [{"az": "us-west-2c", "field": "provider_vpc_subnets[0].az"}]
    assert cards["vpc"]["field"] == "provider_vpc_tags" and cards["vpc"]["cidr"] is None
    assert cards["vpc"]["targets"] == ["10.1.1.10", "10.1.2.20"]


def test_a_created_vpc_without_named_zones_needs_no_aws_check(accounts):
    assert plan_of(accounts)["accounts"]["payments"]["aws_checks"] == {
        "needed": False,
        "availability_zones": [],
        "vpc": None,
        "certificate": None,
    }


def test_one_security_group_per_service_admitting_the_gateway_subnets_on_the_service_port(accounts):
    groups = plan_of(accounts)["providers"]["cards"]["security_groups"]
    assert [group["name"] for group in groups] == ["open-banking-cards", "open-banking-card-limits"]
    limits = groups[1]
    assert limits["service"] == "card-limits"
    assert limits["rules"] == [
        {
            "protocol": "tcp",
            "port": 8082,
            "cidrs": ["10.100.1.0/24", "10.100.2.0/24"],
            "description": "open-banking NLB subnets",
        }
    ]
    assert limits["targets"] == ["10.1.2.20", "10.1.1.10"]
    assert limits["description"] == "multiaccount.apigateway: NLB subnets of open-banking to card-limits on tcp/8082"
    assert limits["tags"]["multiaccount:service"] == "card-limits"


def test_targets_are_unique_and_sorted_numerically(accounts):
    assert plan_of(accounts)["providers"]["cards"]["targets"] == ["10.1.1.10", "10.1.2.20"]


def test_demo_instances_one_per_target_ip_with_every_service_it_serves(accounts):
    assert plan_of(accounts)["providers"]["cards"]["demo"]["instances"] == []
    set_var(accounts, "cards", "provider_vpc_demo_instances", True)
    demo = plan_of(accounts)["providers"]["cards"]["demo"]
    assert demo["enabled"] is True
    assert [(i["ip"], i["name"], i["services"]) for i in demo["instances"]] == [
        ("10.1.1.10", "open-banking-cards-demo-10-1-1-10", ["cards", "card-limits"]),
        ("10.1.2.20", "open-banking-cards-demo-10-1-2-20", ["card-limits"]),
    ]
    assert demo["instances"][0]["tags"]["multiaccount:demo"] == "true"
    assert demo["instances"][0]["tags"]["multiaccount:service"] == "cards card-limits"


def test_provider_knows_what_it_needs_of_the_gateway(accounts):
    cards = plan_of(accounts)["providers"]["cards"]
    assert cards["gateway"] == {
        "name": "open-banking",
        "host": "shared-services",
        "account_id": "111111111111",
        "region": "us-east-1",
        "vpc_cidr": "10.100.0.0/16",
        "subnet_cidrs": ["10.100.1.0/24", "10.100.2.0/24"],
    }
    assert cards["cross_region"] is True
    assert cards["peering"]["requester_account_id"] == "111111111111"
    assert cards["peering"]["requester_vpc_cidr"] == "10.100.0.0/16"
    assert cards["return_routes"] == {
        "enabled": True,
        "cidrs": ["10.100.1.0/24", "10.100.2.0/24"],
        "dests": [{"dest": "10.100.1.0/24"}, {"dest": "10.100.2.0/24"}],
    }


def test_verify_view_of_each_provider(accounts):
    cards = plan_of(accounts)["providers"]["cards"]
    assert cards["verify_targets"] == [
        {"ip": "10.1.1.10", "port": 8081, "service": "cards"},
        {"ip": "10.1.2.20", "port": 8082, "service": "card-limits"},
        {"ip": "10.1.1.10", "port": 8082, "service": "card-limits"},
    ]
    assert cards["services"][1]["listener_port"] == 9082
    assert cards["services"][1]["target_group"] == "open-banking-card-limits"


def test_accounts_view_resolves_every_region_once(accounts):
    set_var(accounts, "payments", "aws_region", None)
    plan = plan_of(accounts)
    assert {host: {k: v for k, v in view.items() if k != "aws_checks"} for host, view in plan["accounts"].items()} == {
        "shared-services": {"kind": "shared", "account_id": "111111111111", "region": "us-east-1"},
        "payments": {"kind": "provider", "account_id": "222222222222", "region": "us-east-1"},
        "cards": {"kind": "provider", "account_id": "333333333333", "region": "us-west-2"},
    }
    assert [service["name"] for service in plan["services"]] == ["card-limits", "cards", "payments"]


# --- optional keys --------------------------------------------------------------------------------


def test_flags_accept_booleans_and_their_usual_spellings(accounts):
    set_var(accounts, "payments", "provider_vpc_attach_security_groups", "no")
    set_var(accounts, "payments", "peering_accept_routes", False)
    payments = plan_of(accounts)["providers"]["payments"]
    assert payments["attach_security_groups"] is False
    assert payments["return_routes"]["enabled"] is False


@pytest.mark.parametrize(
    "host,key,value,text",
    [
        ("payments", "provider_vpc_demo_instances", "maybe", "is not a boolean"),
        ("shared-services", "shared_gateway_health_check_interval", 1, "from 5 to 300"),
        ("shared-services", "shared_gateway_unhealthy_threshold", "three", "from 2 to 10"),
        ("shared-services", "api_publish_endpoint_type", "GLOBAL", "REGIONAL, EDGE, PRIVATE"),
        ("shared-services", "api_publish_timeout_in_millis", 10, "from 50"),
        ("shared-services", "shared_gateway_tags", ["a"], "is not a mapping"),
        ("payments", "provider_vpc_resource_tags", {"ManagedBy": "x"}, "which the collection owns"),
        ("payments", "provider_vpc_demo_instance_type", "big", "instance type"),
        ("shared-services", "shared_gateway_name", "bad name!", "letters, digits"),
    ],
)
def test_a_bad_optional_key_is_an_error_naming_host_and_field(accounts, host, key, value, text):
    set_var(accounts, host, key, value)
    errors = errors_of(accounts)
    assert len(errors) == 1, errors
    assert errors[0][:2] == (host, key)
    assert text in errors[0][2]


def test_a_typo_of_a_prefixed_key_is_an_error_with_a_did_you_mean(accounts):
    set_var(accounts, "shared-services", "shared_gateway_nlb_stratgy", "dedicated")
    set_var(accounts, "payments", "provider_vpc_xyz", 1)
    errors = errors_of(accounts)
    assert ("shared-services", "shared_gateway_nlb_stratgy") in [error[:2] for error in errors]
    typo = next(error for error in errors if error[1] == "shared_gateway_nlb_stratgy")
    assert "did you mean shared_gateway_nlb_strategy?" in typo[2]
    other = next(error for error in errors if error[1] == "provider_vpc_xyz")
    assert "is not a variable of multiaccount.apigateway" in other[2]


def test_runtime_facts_and_other_keys_are_not_typos(accounts):
    set_var(accounts, "payments", "provider_vpc_state", {"vpc_id": "vpc-1"})
    set_var(accounts, "payments", "inventory_file", "x")
    # What account_credentials publishes, seen by the preflight of a second site.yml in the same run.
    set_var(accounts, "payments", "account_credentials_identity", {"account_id": "222222222222"})
    set_var(accounts, "payments", "account_credentials_module_defaults", {"region": "us-east-1"})
    assert plan_of(accounts)


def test_preflight_errors_stop_the_plan(accounts):
    set_var(accounts, "payments", "provider_vpc_cidr", "10.100.0.0/16")
    result = build_plan(accounts)
    assert result["plan"] is None
    assert any(error["field"] == "provider_vpc_cidr" for error in result["errors"])


def _argument_spec_options():
    options = set()
    for role in os.listdir(os.path.join(ROOT, "roles")):
        path = os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry in specs.values():
            options.update(entry.get("options") or {})
    return options


def test_known_keys_are_exactly_the_documented_role_variables():
    documented = _argument_spec_options()
    assert set(KNOWN_KEYS) == documented, (
        f"not documented in any role's argument_specs: {sorted(set(KNOWN_KEYS) - documented)}; "
        f"documented but unknown to the planner: {sorted(documented - set(KNOWN_KEYS))}"
    )
    assert not set(GATEWAY_OPTIONS) & set(PROVIDER_OPTIONS)
    assert not set(APPLY_KEYS) & set(CONTRACT_KEYS)


# --- quotas -----------------------------------------------------------------------------------------


def _many_services(count, first_port=20000):
    return [
        {
            "name": f"svc{index:03d}",
            "port": first_port + index,
            "path": f"svc{index:03d}",
            "targets": [f"10.0.1.{10 + index}"],
        }
        for index in range(count)
    ]


def test_a_shared_nlb_takes_at_most_50_listeners_more_services_get_more_shared_nlbs(accounts):
    set_var(accounts, "payments", "provider_vpc_services", _many_services(120))
    gateway = plan_of(accounts)["gateway"]
    names = [balancer["name"] for balancer in gateway["load_balancers"]]
    assert names == ["open-banking", "open-banking-2", "open-banking-3"]
    sizes = [len(balancer["listeners"]) for balancer in gateway["load_balancers"]]
    assert sizes == [50, 50, 22]
    # The lowest listener ports stay on the first NLB (named as with one NLB): cards' 8081 and 9082 first.
    first = gateway["load_balancers"][0]["listeners"]
    assert [listener["port"] for listener in first[:3]] == [8081, 9082, 20000]
    assert first[-1]["port"] == 20047
    assert [link["name"] for link in gateway["vpc_links"]] == names
    route = next(route for route in gateway["api"]["routes"] if route["service"] == "svc119")
    assert route["load_balancer"] == route["vpc_link"] == "open-banking-3"


def test_below_the_listener_quota_there_is_one_shared_nlb(accounts):
    set_var(accounts, "payments", "provider_vpc_services", _many_services(47))
    assert [b["name"] for b in plan_of(accounts)["gateway"]["load_balancers"]] == ["open-banking"]


def test_adjustable_quotas_are_warnings_naming_the_quota(accounts):
    set_var(accounts, "shared-services", "shared_gateway_nlb_strategy", "dedicated")
    set_var(accounts, "payments", "provider_vpc_services", _many_services(150))
    result = build_plan(accounts)
    assert result["plan"] is not None
    messages = [warning["message"] for warning in result["warnings"]]
    assert any("the default quota is 20 per account and region" in message for message in messages)
    assert any("'Resources per API'" in message for message in messages)


def test_more_providers_than_a_vpc_can_peer_with_is_an_error(accounts):
    template = next(account for account in accounts if account["host"] == "payments")
    for index in range(126):
        extra = copy.deepcopy(template)
        extra["host"] = f"p{index:03d}"
        extra["vars"]["aws_account_id"] = f"{300000000000 + index}"
        extra["vars"]["provider_vpc_cidr"] = f"10.{(index // 200) + 2}.{index % 200}.0/24"
        extra["vars"]["provider_vpc_services"] = [
            {
                "name": f"s{index:03d}",
                "port": 10000 + index,
                "path": f"s{index:03d}",
                "targets": [f"10.{(index // 200) + 2}.{index % 200}.10"],
            }
        ]
        accounts.append(extra)
    errors = errors_of(accounts)
    message = next(error[2] for error in errors if error[:2] == ("shared-services", "shared_gateway_connectivity"))
    assert "128 providers on peering need 128 peerings" in message
    assert "'Active VPC peering connections per VPC' is 50" in message
    assert "set shared_gateway_connectivity: transit_gateway" in message


# --- provider_state: absent -----------------------------------------------------------------------


def test_a_leaving_provider_is_planned_for_removal_only(accounts):
    set_var(accounts, "cards", "provider_state", "absent")
    plan = plan_of(accounts)
    assert sorted(plan["providers"]) == ["payments"]
    leaving = plan["leaving"]["cards"]
    assert leaving["state"] == "absent"
    assert leaving["services"] == [] and leaving["security_groups"] == [] and leaving["verify_targets"] == []
    # What removal needs: how to find the VPC it created, the return routes' destinations, the gateway.
    assert leaving["vpc"]["mode"] == "create" and leaving["vpc"]["filters"]["tag:Name"] == "open-banking-cards"
    assert leaving["return_routes"]["dests"] == [{"dest": "10.100.1.0/24"}, {"dest": "10.100.2.0/24"}]
    gateway = plan["gateway"]
    assert gateway["leaving"] == ["cards"]
    assert [peering["provider"] for peering in gateway["peerings"]] == ["payments"]
    assert [group["name"] for group in gateway["target_groups"]] == ["open-banking-payments"]
    assert [route["service"] for route in gateway["api"]["routes"]] == ["payments"]
    assert [service["name"] for service in plan["services"]] == ["payments"]
    # Still an account of the run (credentials, identity guard), with nothing to check in AWS.
    assert plan["accounts"]["cards"]["kind"] == "provider"
    assert plan["accounts"]["cards"]["aws_checks"]["needed"] is False


def test_present_is_the_default_and_leaving_is_empty(accounts):
    plan = plan_of(accounts)
    assert plan["leaving"] == {} and plan["gateway"]["leaving"] == []
    assert {provider["state"] for provider in plan["providers"].values()} == {"present"}


def test_host_groups_hold_the_gateway_alone_when_no_provider_leaves_or_is_on_a_transit_gateway(accounts):
    plan = plan_of(accounts)
    assert plan["host_groups"] == [{"host": "shared-services", "groups": list(PLAY_GROUPS.values())}]


def test_host_groups_name_the_leaving_providers_and_those_on_a_transit_gateway(accounts):
    set_var(accounts, "cards", "provider_state", "absent")
    set_var(accounts, "shared-services", "shared_gateway_connectivity", "transit_gateway")
    plan = plan_of(accounts)
    groups = {entry["host"]: entry["groups"] for entry in plan["host_groups"]}
    assert groups == {
        # The gateway anchors every group (a group exists only with a member); it is never a provider.
        "shared-services": list(PLAY_GROUPS.values()),
        "payments": ["multiaccount_apigateway_transit_gateway"],
        "cards": ["multiaccount_apigateway_leaving"],
    }


def test_every_provider_absent_is_an_error_pointing_at_teardown(accounts):
    set_var(accounts, "cards", "provider_state", "absent")
    set_var(accounts, "payments", "provider_state", "absent")
    [(host, field, message)] = errors_of(accounts)
    assert (host, field) == ("inventory", "provider_state")
    assert "playbooks/teardown.yml" in message


def test_a_bad_provider_state_names_the_field(accounts):
    set_var(accounts, "cards", "provider_state", "gone")
    assert ("cards", "provider_state", "'gone' is not one of present, absent") in errors_of(accounts)


# --- private integration alb-v2 ---------------------------------------------------------------------


def test_alb_v2_one_internal_alb_one_rule_per_service_deeper_paths_first(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(
        accounts,
        "cards",
        "provider_vpc_services",
        [
            {"name": "cards", "port": 8081, "path": "cards", "targets": ["10.1.1.10"]},
            {
                "name": "card-limits",
                "port": 8082,
                "path": "cards/limits",
                "targets": ["10.1.1.10"],
                "health_check": {"path": "/health", "matcher": "200-299"},
            },
        ],
    )
    plan = plan_of(accounts)
    gateway = plan["gateway"]
    assert gateway["private_integration"] == "alb-v2"
    assert gateway["load_balancers"] == [
        {
            "name": "open-banking-alb",
            "type": "application",
            "scheme": "internal",
            "security_groups": ["open-banking-gateway-alb"],
            "tags": dict(OWNED, Name="open-banking-alb"),
            "listeners": [
                {
                    "port": 80,
                    "protocol": "HTTP",
                    "rules": [
                        # /cards/* would take /cards/limits/... if it came first.
                        {
                            "path_patterns": ["/cards/limits", "/cards/limits/*"],
                            "target_group": "open-banking-card-limits-http",
                            "priority": 1,
                        },
                        {
                            "path_patterns": ["/cards", "/cards/*"],
                            "target_group": "open-banking-cards-http",
                            "priority": 2,
                        },
                        {
                            "path_patterns": ["/payments", "/payments/*"],
                            "target_group": "open-banking-payments-http",
                            "priority": 3,
                        },
                    ],
                }
            ],
        }
    ]
    groups = {group["name"]: group for group in gateway["target_groups"]}
    assert groups["open-banking-card-limits-http"]["health_check"] == {
        "protocol": "HTTP",
        "path": "/health",
        "matcher": "200-299",
        "interval": 30,
        "healthy_threshold": 3,
        "unhealthy_threshold": 3,
    }
    # AWS's defaults when the service sets none.
    assert groups["open-banking-cards-http"]["health_check"]["path"] == "/"
    assert groups["open-banking-cards-http"]["health_check"]["matcher"] == "200"
    assert groups["open-banking-cards-http"]["protocol"] == "HTTP"
    assert groups["open-banking-cards-http"]["targets"] == [{"ip": "10.1.1.10", "port": 8081}]
    # The NLB family is kept (neither changed nor deleted) until retire.
    assert gateway["keep"] == [
        "open-banking",
        "open-banking-card-limits",
        "open-banking-cards",
        "open-banking-payments",
    ]
    assert gateway["vpc_links"] == []
    assert gateway["vpc_links_v2"] == [
        {
            "name": "open-banking-gateway-alb",
            "version": "v2",
            "security_group": "open-banking-gateway-alb-link",
            "tags": dict(OWNED, Name="open-banking-gateway-alb"),
        }
    ]
    link_group, alb_group = gateway["security_groups"]
    assert link_group["name"] == "open-banking-gateway-alb-link" and link_group["ingress"] == []
    assert link_group["egress"] == [
        {
            "proto": "tcp",
            "from_port": 80,
            "to_port": 80,
            "cidr_ip": "10.100.0.0/16",
            "rule_desc": "open-banking ALB listener",
        }
    ]
    # The ALB admits only the link's group; it reaches the targets on the service ports.
    assert alb_group["name"] == "open-banking-gateway-alb"
    assert alb_group["ingress"] == [
        {
            "proto": "tcp",
            "from_port": 80,
            "to_port": 80,
            "group_name": "open-banking-gateway-alb-link",
            "rule_desc": "open-banking VPC link v2",
        }
    ]
    assert alb_group["egress"][0]["from_port"] == 8080 and alb_group["egress"][0]["to_port"] == 8082
    assert "10.0.0.0/8" in alb_group["egress"][0]["cidr_ip"]
    route = next(route for route in gateway["api"]["routes"] if route["service"] == "card-limits")
    assert route == {
        "service": "card-limits",
        "path": "cards/limits",
        "load_balancer": "open-banking-alb",
        "load_balancer_type": "application",
        "vpc_link": "open-banking-gateway-alb",
        "vpc_link_version": "v2",
        "integration_target": "open-banking-alb",
        "listener_port": 80,
        "backend_path": "/cards/limits",
        "scheme": "http",
        "authorization_type": "NONE",
        "authorizer": None,
        "authorization_scopes": [],
        "api_key_required": False,
    }
    assert gateway["retire"] == {
        "vpc_links_v1": True,
        "vpc_links_v2": ["open-banking-gateway"],
        "security_groups": ["open-banking-gateway-link"],
        "api_tags": {"multiaccount:private-integration": "alb-v2"},
    }
    service = next(s for s in plan["providers"]["cards"]["services"] if s["name"] == "card-limits")
    assert service["listener_port"] == 80 and service["load_balancer_type"] == "application"
    assert service["health_check"] == {"path": "/health", "matcher": "200-299"}
    # The provider groups admit the gateway subnets, where the ALB sits, as for the NLB.
    assert plan["providers"]["cards"]["security_groups"][0]["rules"][0]["cidrs"] == ["10.100.1.0/24", "10.100.2.0/24"]
    # The published catalogue keeps the inventory's listener port.
    catalogue = next(s for s in build_plan(accounts)["services"] if s["name"] == "card-limits")
    assert catalogue["listener_port"] == 8082 and "field" not in catalogue


def test_nlb_modes_keep_the_alb_family_and_warn_about_a_health_check(accounts):
    set_var(
        accounts,
        "payments",
        "provider_vpc_services",
        [
            {
                "name": "payments",
                "port": 8080,
                "path": "payments",
                "targets": ["10.0.1.25"],
                "health_check": {"path": "/h"},
            }
        ],
    )
    result = build_plan(accounts)
    gateway = result["plan"]["gateway"]
    assert "open-banking-alb" in gateway["keep"] and "open-banking-payments-http" in gateway["keep"]
    assert [(w["host"], w["field"]) for w in result["warnings"]] == [
        ("payments", "provider_vpc_services[0].health_check")
    ]
    assert "health_check" not in result["plan"]["providers"]["payments"]["services"][0]


def test_alb_v2_shards_at_100_rules_per_listener(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(accounts, "payments", "provider_vpc_services", _many_services(150))
    gateway = plan_of(accounts)["gateway"]
    names = [balancer["name"] for balancer in gateway["load_balancers"]]
    assert names == ["open-banking-alb", "open-banking-alb-2"]
    assert [len(b["listeners"][0]["rules"]) for b in gateway["load_balancers"]] == [100, 52]
    assert len(gateway["vpc_links_v2"]) == 1
    route = next(route for route in gateway["api"]["routes"] if route["service"] == "svc149")
    assert route["integration_target"] == route["load_balancer"] == "open-banking-alb-2"


def test_alb_v2_needs_two_availability_zones(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(accounts, "shared-services", "shared_gateway_subnets", [{"cidr": "10.100.1.0/24", "az": "us-east-1a"}])
    assert errors_of(accounts) == [
        (
            "shared-services",
            "shared_gateway_subnets",
            "an Application Load Balancer (shared_gateway_private_integration alb-v2) needs subnets in at least two "
            "availability zones: add a subnet in another zone",
        )
    ]


def test_a_name_of_both_families_is_an_error(accounts):
    # Service x-http's NLB target group would be named as service x's ALB target group.
    set_var(
        accounts,
        "payments",
        "provider_vpc_services",
        [
            {"name": "pay", "port": 8080, "path": "pay", "targets": ["10.0.1.25"]},
            {"name": "pay-http", "port": 8090, "path": "pay2", "targets": ["10.0.1.25"]},
        ],
    )
    (error,) = errors_of(accounts)
    assert error[:2] == ("shared-services", "provider_vpc_services")
    assert "target group name open-banking-pay-http" in error[2] and "services pay, pay-http" in error[2]


@pytest.mark.parametrize(
    "health_check, field, text",
    [
        ("/health", "health_check", "must be a mapping"),
        ({"path": "health"}, "health_check.path", "start it with /"),
        ({"matcher": "600"}, "health_check.matcher", "codes from 200 to 499"),
        ({"matcher": "200-"}, "health_check.matcher", "codes from 200 to 499"),
        ({"interval": 5}, "health_check.interval", "is not a health check key"),
    ],
)
def test_a_bad_health_check_names_its_field(accounts, health_check, field, text):
    set_var(
        accounts,
        "payments",
        "provider_vpc_services",
        [
            {
                "name": "payments",
                "port": 8080,
                "path": "payments",
                "targets": ["10.0.1.25"],
                "health_check": health_check,
            }
        ],
    )
    errors = errors_of(accounts)
    assert any(
        host == "payments" and error_field == f"provider_vpc_services[0].{field}" and text in message
        for host, error_field, message in errors
    ), errors


def test_health_check_matcher_accepts_lists_and_ranges(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(
        accounts,
        "payments",
        "provider_vpc_services",
        [
            {
                "name": "payments",
                "port": 8080,
                "path": "payments",
                "targets": ["10.0.1.25"],
                "health_check": {"matcher": 200},
            },
            {
                "name": "pay2",
                "port": 8090,
                "path": "pay2",
                "targets": ["10.0.1.25"],
                "health_check": {"matcher": "200, 202-204"},
            },
        ],
    )
    groups = {group["name"]: group for group in plan_of(accounts)["gateway"]["target_groups"]}
    assert groups["open-banking-payments-http"]["health_check"]["matcher"] == "200"
    assert groups["open-banking-pay2-http"]["health_check"]["matcher"] == "200,202-204"


CERTIFICATE = "arn:aws:acm:us-east-1:111111111111:certificate/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab"


def test_alb_v2_with_a_certificate_listens_https_on_443(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(accounts, "shared-services", "shared_gateway_certificate_arn", CERTIFICATE)
    plan = plan_of(accounts)
    gateway = plan["gateway"]
    (listener,) = gateway["load_balancers"][0]["listeners"]
    assert (listener["port"], listener["protocol"], listener["certificate_arn"]) == (443, "HTTPS", CERTIFICATE)
    assert gateway["certificate"] == {"arn": CERTIFICATE}
    # Checked in the gateway account before any write (exists, ISSUED).
    checks = plan["accounts"]["shared-services"]["aws_checks"]
    assert checks["needed"] and checks["certificate"] == {"arn": CERTIFICATE, "field": "shared_gateway_certificate_arn"}
    link_group, alb_group = gateway["security_groups"]
    assert (link_group["egress"][0]["from_port"], link_group["egress"][0]["to_port"]) == (443, 443)
    assert (alb_group["ingress"][0]["from_port"], alb_group["ingress"][0]["to_port"]) == (443, 443)
    assert {(route["listener_port"], route["scheme"]) for route in gateway["api"]["routes"]} == {(443, "https")}
    assert {s["listener_port"] for p in plan["providers"].values() for s in p["services"]} == {443}


@pytest.mark.parametrize(
    "arn, text",
    [
        ("arn:aws:acm:us-east-1:111111111111:cert/x", "is not a valid value"),
        (CERTIFICATE.replace("us-east-1", "eu-west-1"), "of account 111111111111 in eu-west-1; the ALB takes only"),
        (CERTIFICATE.replace("111111111111", "222222222222"), "of account 222222222222 in us-east-1"),
    ],
)
def test_a_certificate_of_another_region_or_account_or_no_arn_is_an_error(accounts, arn, text):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(accounts, "shared-services", "shared_gateway_certificate_arn", arn)
    errors = errors_of(accounts)
    assert [(host, field) for host, field, _message in errors] == [
        ("shared-services", "shared_gateway_certificate_arn")
    ]
    assert text in errors[0][2]


def test_a_certificate_without_alb_v2_is_a_warning(accounts):
    set_var(accounts, "shared-services", "shared_gateway_certificate_arn", CERTIFICATE)
    result = build_plan(accounts)
    assert [(w["host"], w["field"]) for w in result["warnings"]] == [
        ("shared-services", "shared_gateway_certificate_arn")
    ]
    assert result["plan"]["gateway"]["certificate"] is None
    assert result["plan"]["gateway"]["load_balancers"][0]["listeners"][0]["protocol"] == "TCP"


def test_alb_v2_needs_a_health_check_interval_longer_than_the_http_timeout(accounts):
    set_var(accounts, "shared-services", "shared_gateway_private_integration", "alb-v2")
    set_var(accounts, "shared-services", "shared_gateway_health_check_interval", 5)
    ((host, field, message),) = errors_of(accounts)
    assert (host, field) == ("shared-services", "shared_gateway_health_check_interval")
    assert "give at least 6" in message
    set_var(accounts, "shared-services", "shared_gateway_health_check_interval", 6)
    assert plan_of(accounts)["gateway"]["target_groups"][0]["health_check"]["interval"] == 6
