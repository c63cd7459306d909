# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gateway's policy in the plan: who may call, partners, stage policy, resource policy, domain."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import build_plan

from .test_plan import INVENTORY

FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:partner-authorizer"
POOL = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_AbCdEf123"
GOVERNED = {
    "api_publish_default_authorization": "AWS_IAM",
    "api_publish_authorizers": [
        {"name": "partner-jwt", "type": "TOKEN", "function_arn": FUNCTION},
        {"name": "staff", "type": "COGNITO_USER_POOLS", "user_pool_arns": [POOL]},
    ],
    "api_publish_partners": [
        {"name": "fintech-a", "services": ["cards"], "quota": {"limit": 10000, "period": "DAY"}},
        {"name": "fintech-b", "services": ["cards", "card-limits"], "throttle": {"rate_limit": 5, "burst_limit": 10}},
    ],
    "api_publish_throttle": {"rate_limit": 100, "burst_limit": 200},
    "api_publish_logging_level": "ERROR",
    "api_publish_tracing": True,
    "api_publish_access_log": True,
    "api_publish_web_acl": "open-banking-edge",
    "api_publish_source_ip_allow": ["203.0.113.0/24"],
}
CARDS = [
    {
        "name": "cards",
        "port": 8081,
        "path": "/cards/",
        "targets": ["10.1.1.10"],
        "authorization": "CUSTOM",
        "authorizer": "partner-jwt",
        "api_key_required": True,
    },
    {
        "name": "card-limits",
        "port": 8082,
        "listener_port": 9082,
        "path": "limits",
        "targets": ["10.1.2.20", "10.1.1.10"],
        "authorization": "COGNITO_USER_POOLS",
        "authorizer": "staff",
        "authorization_scopes": ["bank/read"],
        "api_key_required": True,
        "throttle": {"rate_limit": 20, "burst_limit": 40},
    },
]


def governed(**overrides):
    accounts = copy.deepcopy(INVENTORY)
    gateway = accounts[0]["vars"]
    gateway.update(copy.deepcopy(GOVERNED))
    gateway.update(overrides)
    accounts[2]["vars"]["provider_vpc_services"] = copy.deepcopy(CARDS)
    return accounts


def api_of(accounts):
    result = build_plan(accounts)
    assert result["errors"] == [], result["errors"]
    return result["plan"]["gateway"]["api"], result["warnings"]


def problems(accounts):
    result = build_plan(accounts)
    assert result["plan"] is None
    return {error["field"]: error["message"] for error in result["errors"]}


def test_each_route_gets_its_own_or_the_default_authorization():
    api, _warnings = api_of(governed())
    routes = {route["service"]: route for route in api["routes"]}
    assert (routes["payments"]["authorization_type"], routes["payments"]["authorizer"]) == ("AWS_IAM", None)
    assert (routes["cards"]["authorization_type"], routes["cards"]["authorizer"]) == ("CUSTOM", "partner-jwt")
    assert routes["cards"]["api_key_required"] is True
    assert routes["card-limits"]["authorization_scopes"] == ["bank/read"]
    assert api["open_services"] == []
    assert [item["name"] for item in api["authorizers"]] == ["partner-jwt", "staff"]
    assert api["authorizers"][0]["identity_source"] == "method.request.header.Authorization"


def test_no_authorization_anywhere_is_one_error_naming_the_services():
    accounts = copy.deepcopy(INVENTORY)
    del accounts[0]["vars"]["api_publish_default_authorization"]
    found = problems(accounts)
    message = found["api_publish_default_authorization"]
    assert "payments, cards, card-limits" in message and "NONE" in message


def test_open_services_are_listed():
    accounts = governed(api_publish_default_authorization="NONE")
    api, _warnings = api_of(accounts)
    assert api["open_services"] == ["payments"]


def test_partner_plans_throttle_their_services_and_block_the_other_keyed_ones():
    api, _warnings = api_of(governed())
    partners = {partner["name"]: partner for partner in api["partners"]}
    a = partners["fintech-a"]
    assert a["resource_name"] == "open-banking-fintech-a"
    assert a["quota"] == {"limit": 10000, "period": "DAY", "offset": 0}
    # No partner throttle and no service throttle: the stage's.
    assert a["methods"]["/cards/ANY"] == {"rate_limit": 100.0, "burst_limit": 200}
    assert a["methods"]["/cards/{proxy+}/ANY"] == {"rate_limit": 100.0, "burst_limit": 200}
    # card-limits needs a key and fintech-a may not call it: blocked.
    assert a["methods"]["/limits/ANY"] == {"rate_limit": 0.0, "burst_limit": 0}
    assert "/payments/ANY" not in a["methods"]  # needs no key: nothing to block
    b = partners["fintech-b"]
    assert b["methods"]["/limits/ANY"] == {"rate_limit": 5.0, "burst_limit": 10}
    assert api["governance"]["partners"] == api["partners"]


def test_stage_policy_log_group_role_policy_and_web_acl():
    api, _warnings = api_of(governed())
    stage = api["stage_policy"]
    assert stage["default_method_settings"] == {
        "throttle": {"rate_limit": 100.0, "burst_limit": 200},
        "logging_level": "ERROR",
        "data_trace": False,
        "metrics": False,
    }
    assert stage["method_throttles"] == {
        "/limits/ANY": {"rate_limit": 20.0, "burst_limit": 40},
        "/limits/{proxy+}/ANY": {"rate_limit": 20.0, "burst_limit": 40},
    }
    assert stage["access_log"]["destination_arn"] == (
        "arn:aws:logs:us-east-1:111111111111:log-group:/aws/apigateway/open-banking/v1/access"
    )
    assert "$context.requestId" in stage["access_log"]["format"]
    assert api["log_group"]["retention_days"] == 30
    assert api["cloudwatch_role"] == {
        "arn": "arn:aws:iam::111111111111:role/open-banking-apigateway-logs",
        "name": "open-banking-apigateway-logs",
        "create": True,
        "tags": api["log_group"]["tags"],
    }
    assert stage["web_acl"] == {"name": "open-banking-edge"}
    deny = api["policy"]["Statement"][1]
    assert deny["Effect"] == "Deny" and deny["Condition"]["NotIpAddress"]["aws:SourceIp"] == ["203.0.113.0/24"]


def test_nothing_governed_keeps_the_api_as_it_was():
    result = build_plan(copy.deepcopy(INVENTORY))
    api = result["plan"]["gateway"]["api"]
    assert api["authorizers"] == [] and api["partners"] == [] and api["policy"] is None
    assert api["stage_policy"]["access_log"] is None and api["cloudwatch_role"] is None
    assert api["stage_policy"]["web_acl"] is None and api["domain"] is None
    assert api["open_services"] == ["card-limits", "cards", "payments"]


@pytest.mark.parametrize(
    "overrides, field, text",
    [
        ({"api_publish_default_authorization": "OPEN"}, "api_publish_default_authorization", "is not one of"),
        ({"api_publish_default_authorization": "CUSTOM"}, "provider_vpc_services[0].authorizer", "needs an authorizer"),
        (
            {"api_publish_default_authorization": "CUSTOM", "api_publish_default_authorizer": "staff"},
            "provider_vpc_services[0].authorizer",
            "is a COGNITO_USER_POOLS authorizer",
        ),
        (
            {"api_publish_authorizers": [{"name": "x", "type": "TOKEN"}]},
            "api_publish_authorizers[0].function_arn",
            "Lambda",
        ),
        ({"api_publish_partners": [{"name": "p", "services": ["loans"]}]}, "api_publish_partners[0].services", "loans"),
        (
            {"api_publish_partners": [{"name": "p", "services": ["cards"], "quota": {"limit": 5, "period": "YEAR"}}]},
            "api_publish_partners[0].quota",
            "period",
        ),
        (
            {"api_publish_partners": [{"name": "p", "services": ["cards"]}, {"name": "p", "services": ["cards"]}]},
            "api_publish_partners[1].name",
            "duplicates",
        ),
        ({"api_publish_throttle": {"rate_limit": -1, "burst_limit": 2}}, "api_publish_throttle", ">= 0"),
        ({"api_publish_logging_level": "DEBUG"}, "api_publish_logging_level", "is not one of"),
        (
            {"api_publish_data_trace": True, "api_publish_logging_level": "OFF"},
            "api_publish_data_trace",
            "ERROR or INFO",
        ),
        ({"api_publish_access_log": {"format": "$context.status"}}, "api_publish_access_log.format", "requestId"),
        ({"api_publish_access_log": {"retention_days": 31}}, "api_publish_access_log.retention_days", "retention"),
        ({"api_publish_web_acl": "arn:aws:wafv2:eu-west-1:1:x"}, "api_publish_web_acl", "REGIONAL WAFv2"),
        ({"api_publish_resource_policy": {"Version": "2012-10-17"}}, "api_publish_source_ip_allow", "both set"),
        ({"api_publish_source_ip_allow": ["10.0.0.1/8"]}, "api_publish_source_ip_allow[0]", "CIDR"),
        ({"api_publish_domain": {"name": "api.bank.example"}}, "api_publish_domain.certificate_arn", "ACM"),
        (
            {
                "api_publish_domain": {
                    "name": "api.bank.example",
                    "certificate_arn": "arn:aws:acm:eu-west-1:111111111111:certificate/abc",
                }
            },
            "api_publish_domain.certificate_arn",
            "region eu-west-1",
        ),
        ({"api_publish_cloudwatch_role_arn": "logs-role"}, "api_publish_cloudwatch_role_arn", "IAM role ARN"),
        ({"api_publish_web_acl": {"rate_limit": 5}}, "api_publish_web_acl.rate_limit", "5 minutes"),
        ({"api_publish_web_acl": {"rules": []}}, "api_publish_web_acl", "takes managed_rule_groups"),
    ],
)
def test_bad_governance_is_an_error_naming_the_key(overrides, field, text):
    found = problems(governed(**overrides))
    assert field in found, found
    assert text in found[field]


def test_a_service_with_scopes_but_not_cognito_is_refused():
    accounts = governed()
    accounts[1]["vars"]["provider_vpc_services"][0]["authorization_scopes"] = ["bank/read"]
    found = problems(accounts)
    assert (
        "only authorization COGNITO_USER_POOLS takes scopes" in found["provider_vpc_services[0].authorization_scopes"]
    )


def test_a_service_with_a_bad_authorization_is_refused_by_the_catalogue():
    accounts = governed()
    accounts[1]["vars"]["provider_vpc_services"][0]["authorization"] = "open"
    result = build_plan(accounts)
    assert any(
        error["field"] == "provider_vpc_services[0].authorization" and error["host"] == "payments"
        for error in result["errors"]
    )


def test_warnings_for_keys_nobody_can_use():
    accounts = governed(api_publish_partners=[{"name": "fintech-a", "services": ["payments", "cards"]}])
    api, warnings = api_of(accounts)
    text = {warning["field"]: warning["message"] for warning in warnings}
    assert "payments need no API key" in text["api_publish_partners[0].services"]
    assert "card-limits need an API key but no partner may call them" in text["api_publish_partners"]
    assert api["partners"][0]["services"] == ["cards", "payments"]


def test_domain_is_planned_with_defaults():
    accounts = governed(
        api_publish_domain={
            "name": "API.Bank.example",
            "certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/abc-123",
        }
    )
    api, _warnings = api_of(accounts)
    assert api["domain"] == {
        "name": "api.bank.example",
        "certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/abc-123",
        "security_policy": "TLS_1_2",
        "base_path": "",
        "truststore_uri": None,
        "truststore_version": None,
        "mutual_tls": None,
    }
    assert api["governance"]["domain"] == {key: value for key, value in api["domain"].items() if key != "mutual_tls"}


def test_a_web_acl_the_collection_manages():
    api, _warnings = api_of(governed(api_publish_web_acl={"rate_limit": 2000}))
    acl = api["web_acl"]
    assert acl["name"] == "open-banking-api"
    assert [rule["name"] for rule in acl["rules"]] == [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "rate-limit-per-ip",
    ]
    assert acl["rules"][2]["action"] == {"block": {}}
    assert acl["rules"][2]["statement"]["rate_based_statement"] == {"limit": 2000, "aggregate_key_type": "IP"}
    assert acl["rules"][0]["override_action"] == {"none": {}}
    assert acl["tags"]["ManagedBy"] == "multiaccount.apigateway"
    assert api["stage_policy"]["web_acl"] == {"name": "open-banking-api"}
    # A name or an ARN is only associated: the collection does not manage that ACL.
    api, _warnings = api_of(governed())
    assert api["web_acl"] is None and api["stage_policy"]["web_acl"] == {"name": "open-banking-edge"}


def test_usage_plans_are_the_module_options():
    api, _warnings = api_of(governed())
    plans = {plan["name"]: plan for plan in api["usage_plans"]}
    assert set(plans) == {"open-banking-fintech-a", "open-banking-fintech-b"}
    assert set(plans["open-banking-fintech-a"]) == {"name", "description", "enabled", "quota", "throttle", "methods"}
