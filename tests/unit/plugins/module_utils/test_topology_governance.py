# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""topology.py, governance (issue 11): a governed golden snapshot passes every hop; each governance fault fails
exactly its own hop; without governance nothing changes."""

import copy
import json

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import topology

from . import test_topology as base

A = base.A
API = "api123"
FUNCTION = f"arn:aws:lambda:us-east-1:{A}:function:partner-authorizer"
OTHER_FUNCTION = f"arn:aws:lambda:us-east-1:{A}:function:someone-elses"
POOL = f"arn:aws:cognito-idp:us-east-1:{A}:userpool/us-east-1_AbCdEf123"
WEB_ACL = f"arn:aws:wafv2:us-east-1:{A}:regional/webacl/open-banking/0a1b2c3d"
LOG_GROUP = f"arn:aws:logs:us-east-1:{A}:log-group:/aws/apigateway/open-banking/v1/access"
CERTIFICATE = f"arn:aws:acm:us-east-1:{A}:certificate/0123-4567"
ACCESS_FORMAT = '{"requestId":"$context.requestId","apiKeyId":"$context.identity.apiKeyId"}'
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}],
}
# What API Gateway gives back: the execute-api resources expanded to the API's ARN.
POLICY_AS_STORED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:us-east-1:{A}:{API}/*",
        }
    ],
}
PAYMENTS_KEYS = ("/payments/ANY", "/payments/{proxy+}/ANY")


def governance():
    """The expected governance, as the planner gives it to the verifier."""
    return {
        "authorizers": [
            {
                "name": "partner-jwt",
                "type": "TOKEN",
                "function_arn": FUNCTION,
                "user_pool_arns": [],
                "identity_source": "method.request.header.Authorization",
                "result_ttl": 300,
            },
            {
                "name": "staff",
                "type": "COGNITO_USER_POOLS",
                "function_arn": None,
                "user_pool_arns": [POOL],
                "identity_source": "method.request.header.Authorization",
                "result_ttl": 300,
            },
        ],
        "services": {
            "payments": {
                "authorization": "CUSTOM",
                "authorizer": "partner-jwt",
                "scopes": [],
                "api_key_required": True,
                "throttle": {"rate_limit": 20.0, "burst_limit": 40},
            },
            "cards": {
                "authorization": "COGNITO_USER_POOLS",
                "authorizer": "staff",
                "scopes": ["bank/read"],
                "api_key_required": True,
                "throttle": None,
            },
        },
        "partners": [
            {
                "name": "fintech-a",
                "resource_name": "open-banking-fintech-a",
                "description": "Partner fintech-a of open-banking",
                "services": ["cards", "payments"],
                "enabled": True,
                "quota": {"limit": 10000, "period": "DAY", "offset": 0},
                "throttle": None,
                "methods": {
                    "/payments/ANY": {"rate_limit": 50.0, "burst_limit": 100},
                    "/payments/{proxy+}/ANY": {"rate_limit": 50.0, "burst_limit": 100},
                    "/cards/ANY": {"rate_limit": 10.0, "burst_limit": 20},
                    "/cards/{proxy+}/ANY": {"rate_limit": 10.0, "burst_limit": 20},
                },
            },
            {
                "name": "fintech-b",
                "resource_name": "open-banking-fintech-b",
                "description": "Partner fintech-b of open-banking",
                "services": ["payments"],
                "enabled": True,
                "quota": None,
                "throttle": {"rate_limit": 5.0, "burst_limit": 10},
                "methods": {
                    "/payments/ANY": {"rate_limit": 5.0, "burst_limit": 10},
                    "/payments/{proxy+}/ANY": {"rate_limit": 5.0, "burst_limit": 10},
                    "/cards/ANY": {"rate_limit": 0.0, "burst_limit": 0},
                    "/cards/{proxy+}/ANY": {"rate_limit": 0.0, "burst_limit": 0},
                },
            },
        ],
        "stage": {
            "throttle": {"rate_limit": 100.0, "burst_limit": 200},
            "logging_level": "INFO",
            "data_trace": False,
            "metrics": True,
            "tracing": True,
            "access_log": {"destination_arn": LOG_GROUP, "format": ACCESS_FORMAT},
            "web_acl": {"name": "open-banking"},
        },
        "policy": POLICY,
        "domain": {
            "name": "api.bank.example",
            "certificate_arn": CERTIFICATE,
            "security_policy": "TLS_1_2",
            "base_path": "",
            "truststore_uri": None,
            "truststore_version": None,
        },
    }


def plan_throttle(rate, burst):
    return {"rate_limit": rate, "burst_limit": burst}


def usage_plan(plan_id, name, methods, throttle=None, quota=None, keys=None, api_id=API):
    return {
        "id": plan_id,
        "name": name,
        "description": None,
        "api_stages": [{"api_id": api_id, "stage": "v1", "throttle": methods}],
        "throttle": throttle,
        "quota": quota,
        "tags": {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"},
        "keys": (
            keys if keys is not None else [{"id": f"k-{plan_id}", "name": name, "type": "API_KEY", "enabled": True}]
        ),
    }


def setting(rate, burst, level="OFF", metrics=False):
    return {
        "throttling_rate_limit": rate,
        "throttling_burst_limit": burst,
        "logging_level": level,
        "data_trace_enabled": False,
        "metrics_enabled": metrics,
        "caching_enabled": False,
    }


def govern(gw):
    """The golden gateway snapshot of test_topology, governed as governance() declares (a /cards/{proxy+} too)."""
    gw["resources"].append(
        {"id": "r4", "path": "/cards/{proxy+}", "methods": base.method(base.integration(8081, path="/{proxy}"))}
    )
    for resource in gw["resources"]:
        for method in resource["methods"].values():
            if resource["path"].startswith("/payments"):
                method.update(
                    authorization_type="CUSTOM", authorizer_id="au-jwt", authorization_scopes=[], api_key_required=True
                )
            elif resource["path"].startswith("/cards"):
                method.update(
                    authorization_type="COGNITO_USER_POOLS",
                    authorizer_id="au-staff",
                    authorization_scopes=["bank/read"],
                    api_key_required=True,
                )
    gw["rest_api"]["policy"] = copy.deepcopy(POLICY_AS_STORED)
    gw["stage"].update(
        method_settings={
            "*/*": setting(100.0, 200, "INFO", metrics=True),
            "~1payments/ANY": setting(20.0, 40),
            "~1payments~1{proxy+}/ANY": setting(20.0, 40),
        },
        access_log={"destination_arn": LOG_GROUP, "format": ACCESS_FORMAT},
        tracing_enabled=True,
        web_acl_arn=WEB_ACL,
    )
    gw["governance"] = {
        "authorizers": [
            {
                "id": "au-jwt",
                "name": "partner-jwt",
                "type": "TOKEN",
                "authorizer_uri": (
                    f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
                ),
                "provider_arns": [],
                "identity_source": "method.request.header.Authorization",
                "identity_validation_expression": None,
                "result_ttl": 300,
            },
            {
                "id": "au-staff",
                "name": "staff",
                "type": "COGNITO_USER_POOLS",
                "authorizer_uri": None,
                "provider_arns": [POOL],
                "identity_source": "method.request.header.Authorization",
                "identity_validation_expression": None,
                "result_ttl": 300,
            },
        ],
        "usage_plans": [
            usage_plan(
                "up-a",
                "open-banking-fintech-a",
                {
                    "/payments/ANY": plan_throttle(50.0, 100),
                    "/payments/{proxy+}/ANY": plan_throttle(50.0, 100),
                    "/cards/ANY": plan_throttle(10.0, 20),
                    "/cards/{proxy+}/ANY": plan_throttle(10.0, 20),
                },
                quota={"limit": 10000, "period": "DAY", "offset": 0},
            ),
            usage_plan(
                "up-b",
                "open-banking-fintech-b",
                {
                    "/payments/ANY": plan_throttle(5.0, 10),
                    "/payments/{proxy+}/ANY": plan_throttle(5.0, 10),
                    "/cards/ANY": plan_throttle(0.0, 0),
                    "/cards/{proxy+}/ANY": plan_throttle(0.0, 0),
                },
                throttle=plan_throttle(5.0, 10),
            ),
        ],
    }
    gw["domain_name"] = "api.bank.example"
    gw["domain"] = {
        "domain_name": "api.bank.example",
        "status": "AVAILABLE",
        "status_message": "Domain Name Available",
        "endpoint_type": "REGIONAL",
        "certificate_arn": CERTIFICATE,
        "security_policy": "TLS_1_2",
        "truststore_uri": None,
        "regional_domain_name": "d-abc123.execute-api.us-east-1.amazonaws.com",
        "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8",
        "mappings": [{"base_path": "", "rest_api_id": API, "stage": "v1"}],
    }


def run(mutate=None, expected=None):
    gateway, providers = base.golden()
    govern(gateway["snapshot"])
    wanted = governance()
    if mutate:
        mutate(gateway["snapshot"], wanted)
    return topology.evaluate(gateway, providers, wanted if expected is None else expected)


def hops_of(evaluation, service="payments"):
    result = next(item for item in evaluation["services"] if item["name"] == service)
    return {hop["hop"]: hop for hop in result["hops"]}


def method_of(gw, path, name="ANY"):
    return next(item for item in gw["resources"] if item["path"] == path)["methods"][name]


def plan_of(gw, name):
    return next(plan for plan in gw["governance"]["usage_plans"] if plan["name"] == f"open-banking-{name}")


# ---------------------------------------------------------------------------------------------
# The governed golden snapshot, and nothing changes without governance
# ---------------------------------------------------------------------------------------------


def test_governed_golden_passes_every_hop():
    evaluation = run()
    assert evaluation["ok"], evaluation["failed"]
    for result in evaluation["services"]:
        assert [hop["hop"] for hop in result["hops"]] == list(topology.HOPS) + [
            "authorization",
            "partners",
            "stage_policy",
            "domain",
        ]
        assert {hop["status"] for hop in result["hops"]} == {"ok"}
    payments, cards = hops_of(evaluation), hops_of(evaluation, "cards")
    assert payments["authorization"]["detail"] == (
        "tokens accepted by Lambda authorizer partner-jwt (CUSTOM, TOKEN) [au-jwt]; an API key required"
    )
    assert cards["authorization"]["detail"].startswith(f"tokens of Cognito user pool(s) {POOL} with scope(s) bank/read")
    assert "callers: fintech-a (open-banking-fintech-a: /payments/ANY 50/100" in payments["partners"]["detail"]
    assert "blocked (0/0) for fintech-b" in cards["partners"]["detail"]
    assert "~1payments/ANY throttle 20/40" in payments["stage_policy"]["detail"]
    assert "resource policy as declared" in payments["stage_policy"]["detail"]
    assert payments["domain"]["detail"].endswith("https://api.bank.example/payments")
    assert evaluation["summary"] == [
        "payments (/payments, provider payments): ok (17 hops checked) auth=CUSTOM key=fintech-a,fintech-b",
        "cards (/cards, provider cards): ok (17 hops checked) auth=COGNITO_USER_POOLS key=fintech-a",
    ]
    assert evaluation["governance"]["partners"][0]["resource_name"] == "open-banking-fintech-a"


def test_without_governance_the_result_is_the_one_of_before():
    gateway, providers = base.golden()
    before = topology.evaluate(gateway, providers)
    governed_gateway, governed_providers = base.golden()
    govern(governed_gateway["snapshot"])
    # The /cards/{proxy+} of govern() is the cards path's own: compare with the golden that has it too.
    gateway["snapshot"]["resources"].append(copy.deepcopy(governed_gateway["snapshot"]["resources"][-1]))
    for method in gateway["snapshot"]["resources"][-1]["methods"].values():
        for key in ("authorizer_id", "authorization_scopes", "api_key_required"):
            method.pop(key, None)
        method["authorization_type"] = "NONE"
    plain = topology.evaluate(gateway, providers)
    governed = topology.evaluate(governed_gateway, governed_providers)
    assert "governance" not in governed and all("access" not in result for result in governed["services"])
    for result in governed["services"]:
        assert [hop["hop"] for hop in result["hops"]] == list(topology.HOPS)
    assert governed["summary"] == plain["summary"]
    assert [hop["status"] for result in governed["services"] for hop in result["hops"]] == [
        hop["status"] for result in plain["services"] for hop in result["hops"]
    ]
    assert before["summary"][0] == "payments (/payments, provider payments): ok (13 hops checked)"
    assert topology.evaluate(gateway, providers, None) == plain


def test_without_a_domain_there_is_no_domain_hop():
    wanted = governance()
    wanted["domain"] = None
    evaluation = run(expected=wanted)
    assert evaluation["ok"]
    assert [hop["hop"] for hop in evaluation["services"][0]["hops"]][-3:] == [
        "authorization",
        "partners",
        "stage_policy",
    ]


def test_alb_paths_get_the_governance_hops_after_their_fourteen():
    gateway, providers = base.golden()
    base.to_alb(gateway["snapshot"], {p["name"]: p for p in providers})
    result = topology.evaluate(gateway, providers, {"services": {}})["services"][0]
    assert [hop["hop"] for hop in result["hops"]] == list(topology.ALB_HOPS) + [
        "authorization",
        "partners",
        "stage_policy",
    ]


def test_open_services_without_keys_or_partners():
    """Services declared open (NONE, no key): authorization ok, partners ok with "no API key needed"."""
    gateway, providers = base.golden()
    gw = gateway["snapshot"]
    gw["stage"].update(method_settings={}, access_log=None, tracing_enabled=False, web_acl_arn=None)
    gw["governance"] = {"authorizers": [], "usage_plans": []}
    evaluation = topology.evaluate(gateway, providers, {"services": {}})
    assert evaluation["ok"], evaluation["failed"]
    hops = hops_of(evaluation)
    assert hops["authorization"]["detail"] == "anyone (NONE); no API key"
    assert hops["partners"]["detail"] == "no API key needed"
    assert hops["stage_policy"]["detail"] == "logging OFF, resource policy not declared (not judged)"
    assert evaluation["summary"][0].endswith("ok (16 hops checked) auth=NONE key=none")


def test_aws_iam_without_the_authorizer_reads():
    """AWS_IAM needs no authorizer: a snapshot read without governance still judges authorization."""
    gateway, providers = base.golden()
    gw = gateway["snapshot"]
    for resource in gw["resources"]:
        for method in resource["methods"].values():
            method["authorization_type"] = "AWS_IAM"
    gw["stage"].update(method_settings={}, access_log=None, tracing_enabled=False, web_acl_arn=None)
    wanted = {"services": {"payments": {"authorization": "AWS_IAM"}, "cards": {"authorization": "AWS_IAM"}}}
    evaluation = topology.evaluate(gateway, providers, wanted)
    hops = hops_of(evaluation)
    assert hops["authorization"]["status"] == "ok"
    assert hops["authorization"]["detail"] == "IAM-signed requests (AWS_IAM); no API key"
    # The usage plans were not read: the partners hop says how to read them.
    assert hops["partners"]["status"] == "fail"
    assert "gateway_path_info governance: true" in hops["partners"]["fix"]
    assert base.failed_pairs(evaluation) == [("cards", "partners"), ("payments", "partners")]


# ---------------------------------------------------------------------------------------------
# Each governance fault fails exactly its own hop
# ---------------------------------------------------------------------------------------------


def method_auth_type_wrong(gw, wanted):
    method_of(gw, "/payments/{proxy+}")["authorization_type"] = "NONE"


def authorizer_missing(gw, wanted):
    for path in ("/payments", "/payments/{proxy+}"):
        method_of(gw, path)["authorizer_id"] = "au-gone"


def authorizer_wrong_function(gw, wanted):
    gw["governance"]["authorizers"][0]["authorizer_uri"] = gw["governance"]["authorizers"][0]["authorizer_uri"].replace(
        FUNCTION, OTHER_FUNCTION
    )


def authorizer_wrong_type(gw, wanted):
    gw["governance"]["authorizers"][0]["type"] = "REQUEST"


def authorizer_wrong_name(gw, wanted):
    gw["governance"]["authorizers"][0]["name"] = "legacy-jwt"


def authorizer_wrong_ttl(gw, wanted):
    gw["governance"]["authorizers"][0]["result_ttl"] = 0


def cognito_pool_wrong(gw, wanted):
    gw["governance"]["authorizers"][1]["provider_arns"] = [POOL.replace("AbCdEf123", "Other999")]


def scopes_differ(gw, wanted):
    method_of(gw, "/cards")["authorization_scopes"] = ["bank/write"]


def key_requirement_differs(gw, wanted):
    method_of(gw, "/payments")["api_key_required"] = False


def partner_plan_missing(gw, wanted):
    gw["governance"]["usage_plans"].remove(plan_of(gw, "fintech-b"))


def plan_not_bound_to_the_stage(gw, wanted):
    plan_of(gw, "fintech-b")["api_stages"][0]["stage"] = "v0"


def plan_bound_to_another_api(gw, wanted):
    plan_of(gw, "fintech-b")["api_stages"][0]["api_id"] = "otherapi"


def method_throttle_wrong(gw, wanted):
    plan_of(gw, "fintech-a")["api_stages"][0]["throttle"]["/cards/ANY"] = plan_throttle(99.0, 99)


def method_throttle_missing(gw, wanted):
    del plan_of(gw, "fintech-a")["api_stages"][0]["throttle"]["/payments/{proxy+}/ANY"]


def plan_throttle_wrong(gw, wanted):
    plan_of(gw, "fintech-b")["throttle"] = plan_throttle(500.0, 1000)


def plan_quota_wrong(gw, wanted):
    plan_of(gw, "fintech-a")["quota"] = {"limit": 20000, "period": "DAY", "offset": 0}


def partner_key_missing(gw, wanted):
    plan_of(gw, "fintech-b")["keys"] = []


def partner_extra_key(gw, wanted):
    plan_of(gw, "fintech-a")["keys"].append({"id": "k-x", "name": "somebody", "type": "API_KEY", "enabled": True})


def partner_key_disabled(gw, wanted):
    plan_of(gw, "fintech-b")["keys"][0]["enabled"] = False


def unexpected_plan(gw, wanted):
    gw["governance"]["usage_plans"].append(usage_plan("up-x", "stranger", {}))


def blocked_method_not_blocked(gw, wanted):
    plan_of(gw, "fintech-b")["api_stages"][0]["throttle"]["/cards/{proxy+}/ANY"] = plan_throttle(1.0, 1)


def stage_throttle_wrong(gw, wanted):
    gw["stage"]["method_settings"]["*/*"]["throttling_rate_limit"] = 10000.0


def stage_logging_wrong(gw, wanted):
    gw["stage"]["method_settings"]["*/*"]["logging_level"] = "ERROR"


def stage_data_trace_on(gw, wanted):
    gw["stage"]["method_settings"]["*/*"]["data_trace_enabled"] = True


def stage_metrics_off(gw, wanted):
    gw["stage"]["method_settings"]["*/*"]["metrics_enabled"] = False


def stage_tracing_off(gw, wanted):
    gw["stage"]["tracing_enabled"] = False


def stage_access_log_wrong(gw, wanted):
    gw["stage"]["access_log"]["destination_arn"] = LOG_GROUP + "-old"


def stage_access_log_format_wrong(gw, wanted):
    gw["stage"]["access_log"]["format"] = "$context.requestId"


def stage_access_log_off(gw, wanted):
    gw["stage"]["access_log"] = None


def stage_web_acl_wrong(gw, wanted):
    gw["stage"]["web_acl_arn"] = WEB_ACL.replace("/open-banking/", "/permissive/")


def stage_web_acl_gone(gw, wanted):
    gw["stage"]["web_acl_arn"] = None


def service_method_throttle_wrong(gw, wanted):
    gw["stage"]["method_settings"]["~1payments~1{proxy+}/ANY"]["throttling_burst_limit"] = 4000


def service_method_throttle_undeclared(gw, wanted):
    gw["stage"]["method_settings"]["~1cards/ANY"] = setting(1.0, 1)


def policy_differs(gw, wanted):
    gw["rest_api"]["policy"]["Statement"][0]["Effect"] = "Deny"


def policy_removed(gw, wanted):
    gw["rest_api"]["policy"] = None


def domain_missing(gw, wanted):
    gw["domain"] = None


def domain_wrong_mapping(gw, wanted):
    gw["domain"]["mappings"] = [{"base_path": "", "rest_api_id": "otherapi", "stage": "v1"}]


def domain_mapping_missing(gw, wanted):
    gw["domain"]["mappings"] = [{"base_path": "v2", "rest_api_id": API, "stage": "v1"}]


def domain_wrong_policy(gw, wanted):
    gw["domain"]["security_policy"] = "TLS_1_0"


def domain_wrong_certificate(gw, wanted):
    gw["domain"]["certificate_arn"] = CERTIFICATE + "-old"


def domain_pending(gw, wanted):
    gw["domain"]["status"] = "PENDING"


def domain_with_a_truststore(gw, wanted):
    gw["domain"]["truststore_uri"] = "s3://truststores/bank.pem"


BOTH = ("cards", "payments")
GOVERNANCE_FAULTS = [
    (method_auth_type_wrong, ["payments"], "authorization"),
    (authorizer_missing, ["payments"], "authorization"),
    (authorizer_wrong_function, ["payments"], "authorization"),
    (authorizer_wrong_type, ["payments"], "authorization"),
    (authorizer_wrong_name, ["payments"], "authorization"),
    (authorizer_wrong_ttl, ["payments"], "authorization"),
    (cognito_pool_wrong, ["cards"], "authorization"),
    (scopes_differ, ["cards"], "authorization"),
    (key_requirement_differs, ["payments"], "authorization"),
    (partner_plan_missing, ["payments"], "partners"),
    (plan_not_bound_to_the_stage, ["payments"], "partners"),
    (plan_bound_to_another_api, ["payments"], "partners"),
    (method_throttle_wrong, ["cards"], "partners"),
    (method_throttle_missing, ["payments"], "partners"),
    (plan_throttle_wrong, ["payments"], "partners"),
    (plan_quota_wrong, BOTH, "partners"),
    (partner_key_missing, ["payments"], "partners"),
    (partner_extra_key, BOTH, "partners"),
    (partner_key_disabled, ["payments"], "partners"),
    (unexpected_plan, BOTH, "partners"),
    (blocked_method_not_blocked, ["cards"], "partners"),
    (stage_throttle_wrong, BOTH, "stage_policy"),
    (stage_logging_wrong, BOTH, "stage_policy"),
    (stage_data_trace_on, BOTH, "stage_policy"),
    (stage_metrics_off, BOTH, "stage_policy"),
    (stage_tracing_off, BOTH, "stage_policy"),
    (stage_access_log_wrong, BOTH, "stage_policy"),
    (stage_access_log_format_wrong, BOTH, "stage_policy"),
    (stage_access_log_off, BOTH, "stage_policy"),
    (stage_web_acl_wrong, BOTH, "stage_policy"),
    (stage_web_acl_gone, BOTH, "stage_policy"),
    (service_method_throttle_wrong, ["payments"], "stage_policy"),
    (service_method_throttle_undeclared, ["cards"], "stage_policy"),
    (policy_differs, BOTH, "stage_policy"),
    (policy_removed, BOTH, "stage_policy"),
    (domain_missing, BOTH, "domain"),
    (domain_wrong_mapping, BOTH, "domain"),
    (domain_mapping_missing, BOTH, "domain"),
    (domain_wrong_policy, BOTH, "domain"),
    (domain_wrong_certificate, BOTH, "domain"),
    (domain_pending, BOTH, "domain"),
    (domain_with_a_truststore, BOTH, "domain"),
]


@pytest.mark.parametrize(
    "mutate, services, hop", GOVERNANCE_FAULTS, ids=[f.__name__ for f, d1, d2 in GOVERNANCE_FAULTS]
)
def test_governance_fault_fails_exactly_its_hop(mutate, services, hop):
    evaluation = run(mutate)
    assert base.failed_pairs(evaluation) == sorted((service, hop) for service in services)
    for failure in evaluation["failed"]:
        assert failure["fix"] and failure["resource"] and failure["account"] == A
        assert failure["detail"]
    assert not evaluation["ok"]


def fault_hop(mutate, hop, service="payments"):
    return hops_of(run(mutate), service)[hop]


def test_authorization_faults_name_the_method_the_value_and_the_inventory_key():
    hop = fault_hop(method_auth_type_wrong, "authorization")
    assert hop["detail"] == "ANY /payments/{proxy+}: authorization NONE, expected CUSTOM"
    assert "provider_vpc_services[].authorization" in hop["fix"] and "re-run site.yml" in hop["fix"]
    assert "provider_vpc_services[].authorizer" in hop["fix"]
    hop = fault_hop(authorizer_missing, "authorization")
    assert "ANY /payments: authorizerId au-gone names no authorizer of the API" in hop["detail"]
    hop = fault_hop(authorizer_wrong_function, "authorization")
    assert hop["detail"] == f"authorizer partner-jwt calls {OTHER_FUNCTION}, expected {FUNCTION}"
    assert "api_publish_authorizers" in hop["fix"]
    hop = fault_hop(authorizer_wrong_type, "authorization")
    assert hop["detail"] == "authorizer partner-jwt is of type REQUEST, expected TOKEN"
    hop = fault_hop(authorizer_wrong_name, "authorization")
    assert "the methods use authorizer legacy-jwt (au-jwt), expected partner-jwt" in hop["detail"]
    hop = fault_hop(scopes_differ, "authorization", "cards")
    assert hop["detail"] == "ANY /cards: scopes bank/write, expected bank/read"
    assert "provider_vpc_services[].authorization_scopes" in hop["fix"]
    hop = fault_hop(key_requirement_differs, "authorization")
    assert hop["detail"] == "ANY /payments: API key not required, expected required"
    assert "provider_vpc_services[].api_key_required" in hop["fix"]


def test_partner_faults_name_the_partner_the_plan_and_the_fix():
    hop = fault_hop(partner_plan_missing, "partners")
    assert hop["detail"] == "partner fintech-b: no usage plan open-banking-fintech-b"
    assert "api_partners" in hop["fix"] and "api_publish_partners" in hop["fix"]
    hop = fault_hop(plan_not_bound_to_the_stage, "partners")
    assert hop["detail"] == (
        "partner fintech-b: usage plan open-banking-fintech-b (up-b) is not bound to api123 stage v1 "
        "(bound to api123:v0)"
    )
    hop = fault_hop(method_throttle_wrong, "partners", "cards")
    assert hop["detail"] == (
        "partner fintech-a: usage plan open-banking-fintech-a (up-a) throttles /cards/ANY at 99/99, expected 10/20"
    )
    hop = fault_hop(partner_key_missing, "partners")
    assert (
        hop["detail"]
        == "partner fintech-b: usage plan open-banking-fintech-b (up-b) has no API key open-banking-fintech-b"
    )
    hop = fault_hop(partner_extra_key, "partners")
    assert "also has the API key(s) somebody (k-x)" in hop["detail"]
    hop = fault_hop(partner_key_disabled, "partners")
    assert hop["detail"] == ("partner fintech-b: API key open-banking-fintech-b (k-up-b) is disabled, expected enabled")
    hop = fault_hop(unexpected_plan, "partners")
    assert hop["detail"] == (
        "usage plan stranger (up-x) is bound to stage v1 but no partner declares it: its keys can call payments"
    )
    assert "update-usage-plan --usage-plan-id up-x" in hop["fix"]
    hop = fault_hop(blocked_method_not_blocked, "partners", "cards")
    assert hop["detail"] == (
        "partner fintech-b may not call cards, but usage plan open-banking-fintech-b (up-b) does not block "
        "/cards/{proxy+}/ANY (0/0)"
    )


def test_stage_policy_faults_name_the_setting_and_its_inventory_key():
    hop = fault_hop(stage_throttle_wrong, "stage_policy")
    assert hop["detail"] == "*/* throttle 10000/200, expected 100/200"
    assert "api_stage" in hop["fix"] and "api_publish_throttle" in hop["fix"]
    hop = fault_hop(stage_logging_wrong, "stage_policy")
    assert hop["detail"] == "*/* logging level ERROR, expected INFO" and "api_publish_logging_level" in hop["fix"]
    hop = fault_hop(stage_tracing_off, "stage_policy")
    assert hop["detail"] == "X-Ray tracing off, expected on" and "api_publish_tracing" in hop["fix"]
    hop = fault_hop(stage_access_log_wrong, "stage_policy")
    assert hop["detail"] == f"access log to {LOG_GROUP}-old, expected {LOG_GROUP}"
    assert "api_publish_access_log" in hop["fix"]
    hop = fault_hop(stage_web_acl_wrong, "stage_policy")
    assert hop["detail"].startswith("web ACL permissive (") and hop["detail"].endswith("expected open-banking")
    assert "api_publish_web_acl" in hop["fix"]
    hop = fault_hop(service_method_throttle_wrong, "stage_policy")
    assert hop["detail"] == "method setting ~1payments~1{proxy+}/ANY throttle 20/4000, expected 20/40"
    assert "provider_vpc_services[].throttle" in hop["fix"] and "api_publish_throttle" not in hop["fix"]
    hop = fault_hop(service_method_throttle_undeclared, "stage_policy", "cards")
    assert hop["detail"] == (
        "method setting ~1cards/ANY overrides the stage for ANY /cards (throttle 1/1), cards declares no throttle"
    )
    hop = fault_hop(policy_differs, "stage_policy")
    assert hop["detail"] == "the resource policy differs from the declared one"
    assert "api_publish_resource_policy" in hop["fix"] and "rest_api" in hop["fix"]


def test_domain_faults_name_the_domain_and_the_mapping():
    hop = fault_hop(domain_missing, "domain")
    assert hop["detail"] == f"no custom domain api.bank.example in account {A}"
    assert "api_domain" in hop["fix"] and "api_publish_domain" in hop["fix"]
    hop = fault_hop(domain_wrong_mapping, "domain")
    assert hop["detail"] == "base path (none) maps to otherapi:v1, expected api123:v1"
    hop = fault_hop(domain_wrong_policy, "domain")
    assert hop["detail"] == "security policy TLS_1_0, expected TLS_1_2"


def test_a_policy_without_the_expanded_arn_is_the_same_policy():
    """AWS expands execute-api:/* to the API's ARN; the declared form and the stored form compare equal."""
    assert topology.canonical_policy(POLICY) == topology.canonical_policy(POLICY_AS_STORED)
    evaluation = run(lambda gw, wanted: gw["rest_api"].update(policy=copy.deepcopy(POLICY)))
    assert evaluation["ok"]


def test_a_policy_left_alone_is_not_judged_and_an_empty_one_means_none():
    wanted = governance()
    wanted["policy"] = None
    evaluation = run(lambda gw, w: gw["rest_api"]["policy"]["Statement"][0].update(Effect="Deny"), wanted)
    assert evaluation["ok"]
    assert "resource policy not declared (not judged)" in hops_of(evaluation)["stage_policy"]["detail"]
    wanted["policy"] = {}
    evaluation = run(expected=wanted)
    assert base.failed_pairs(evaluation) == [("cards", "stage_policy"), ("payments", "stage_policy")]
    assert hops_of(evaluation)["stage_policy"]["detail"] == "the API has a resource policy, expected none"
    evaluation = run(lambda gw, w: gw["rest_api"].update(policy=None), wanted)
    assert evaluation["ok"]


def test_an_unparsed_policy_fails_the_stage_policy():
    evaluation = run(lambda gw, wanted: gw["rest_api"].update(policy=None, policy_unparsed="{not json"))
    assert hops_of(evaluation)["stage_policy"]["detail"] == "the resource policy is not a JSON document"


def test_the_web_acl_by_arn_and_no_stage_throttle_is_not_judged():
    wanted = governance()
    wanted["stage"]["web_acl"] = {"arn": WEB_ACL}
    wanted["stage"]["throttle"] = None
    evaluation = run(stage_throttle_wrong, wanted)
    assert evaluation["ok"], evaluation["failed"]


def test_a_partner_plan_found_by_its_tag_and_the_bound_one_first():
    def two_plans(gw, wanted):
        stale = copy.deepcopy(plan_of(gw, "fintech-b"))
        stale.update(id="up-b-old")
        stale["api_stages"][0]["stage"] = "v0"
        gw["governance"]["usage_plans"].insert(0, stale)

    assert run(two_plans)["ok"]


# ---------------------------------------------------------------------------------------------
# Skipped: the subject cannot exist because of another hop's fault
# ---------------------------------------------------------------------------------------------


def test_missing_api_skips_every_governance_hop():
    evaluation = run(lambda gw, wanted: gw.update(rest_api=None, resources=[], stage=None, deployment=None))
    hops = hops_of(evaluation)
    for name in ("authorization", "partners", "stage_policy", "domain"):
        assert hops[name]["status"] == "skipped", hops[name]
        assert hops[name]["detail"] == "no REST API (see api_route)"
    assert {hop for service, hop in base.failed_pairs(evaluation)} == {"api_route"}


def test_missing_stage_skips_the_stage_hops_only():
    evaluation = run(lambda gw, wanted: gw.update(stage=None, deployment=None))
    hops = hops_of(evaluation)
    assert hops["partners"]["status"] == hops["stage_policy"]["status"] == "skipped"
    assert hops["partners"]["detail"] == "no stage v1 (see stage_deployment)"
    assert hops["authorization"]["status"] == hops["domain"]["status"] == "ok"
    assert base.failed_pairs(evaluation) == [("cards", "stage_deployment"), ("payments", "stage_deployment")]


def test_missing_route_skips_the_authorization_of_that_service_only():
    def drop_cards(gw, wanted):
        gw["resources"] = [item for item in gw["resources"] if not item["path"].startswith("/cards")]

    evaluation = run(drop_cards)
    cards = hops_of(evaluation, "cards")
    assert cards["authorization"]["status"] == "skipped"
    assert cards["authorization"]["detail"] == "no method to authorize (see api_route)"
    assert ("cards", "authorization") not in base.failed_pairs(evaluation)
    assert ("cards", "api_route") in base.failed_pairs(evaluation)


def test_snapshots_without_the_governance_reads_say_how_to_read_them():
    def unread(gw, wanted):
        del gw["governance"]
        del gw["domain"]
        del gw["domain_name"]

    evaluation = run(unread)
    hops = hops_of(evaluation)
    assert "gateway_path_info governance: true" in hops["authorization"]["fix"]
    assert "gateway_path_info governance: true" in hops["partners"]["fix"]
    assert hops["domain"]["detail"] == "the gateway snapshot has no read of api.bank.example"
    assert "domain_name: api.bank.example" in hops["domain"]["fix"]

    def old_stage(gw, wanted):
        for key in ("method_settings", "access_log", "tracing_enabled", "web_acl_arn"):
            del gw["stage"][key]

    hop = hops_of(run(old_stage))["stage_policy"]
    assert hop["status"] == "fail" and "0.4.0" in hop["fix"]


# ---------------------------------------------------------------------------------------------
# The expected governance: every bad field named before anything is judged
# ---------------------------------------------------------------------------------------------


def problems_of(mutate):
    wanted = governance()
    mutate(wanted)
    with pytest.raises(topology.GovernanceError) as error:
        topology.expected_governance(wanted, ["payments", "cards"])
    return error.value.problems


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda g: g["services"]["payments"].update(authorization="OAUTH"),
            "governance.services.payments.authorization: 'OAUTH' is not one of NONE, AWS_IAM, COGNITO_USER_POOLS, CUSTOM",
        ),
        (
            lambda g: g["services"]["payments"].update(authorizer="nobody"),
            "governance.services.payments.authorizer: nobody is not in governance.authorizers (declared: partner-jwt, "
            "staff); declare it",
        ),
        (
            lambda g: g["services"]["payments"].update(authorizer="staff"),
            "governance.services.payments.authorizer: staff is a COGNITO_USER_POOLS authorizer, authorization CUSTOM "
            "takes a TOKEN or REQUEST one",
        ),
        (
            lambda g: g["services"]["payments"].update(scopes=["x"]),
            "governance.services.payments.scopes: only COGNITO_USER_POOLS authorization takes scopes; remove them",
        ),
        (
            lambda g: g["services"].update(loans={}),
            "governance.services.loans: no provider publishes a service named loans (known: payments, cards)",
        ),
        (
            lambda g: g["partners"][1].update(services=["loans"]),
            "governance.partners[1].services[0]: no provider publishes a service named loans (known: cards, payments)",
        ),
        (
            lambda g: g["partners"][0]["quota"].update(period="YEAR"),
            "governance.partners[0].quota.period: 'YEAR' is not one of DAY, WEEK, MONTH",
        ),
        (
            lambda g: g["partners"][0]["methods"].update({"payments": {"rate_limit": 1, "burst_limit": 1}}),
            "governance.partners[0].methods['payments']: write the key as <resource path>/<METHOD>, for example "
            "/payments/ANY or /payments/{proxy+}/ANY",
        ),
        (
            lambda g: g["partners"][0]["methods"].update({"/payments/ANY": {"rate_limit": -1, "burst_limit": 1}}),
            "governance.partners[0].methods['/payments/ANY'].rate_limit: -1 is negative; write requests per second >= 0",
        ),
        (
            lambda g: g["partners"][1].update(name="fintech-a"),
            "governance.partners[1].name: fintech-a is declared twice",
        ),
        (
            lambda g: g["stage"].update(logging_level="DEBUG"),
            "governance.stage.logging_level: 'DEBUG' is not one of OFF, ERROR, INFO",
        ),
        (
            lambda g: g["stage"].update(throttle={"rate_limit": 1}),
            "governance.stage.throttle: missing burst_limit; give both rate_limit and burst_limit, or null",
        ),
        (
            lambda g: g["stage"].update(web_acl={"arn": WEB_ACL, "name": "x"}),
            "governance.stage.web_acl: give exactly one of arn and name",
        ),
        (
            lambda g: g["stage"].update(tracing="sometimes"),
            "governance.stage.tracing: 'sometimes' is not a boolean; write true or false",
        ),
        (
            lambda g: g["authorizers"][0].update(function_arn=None),
            "governance.authorizers[0].function_arn: a TOKEN authorizer calls a Lambda function; give its ARN",
        ),
        (
            lambda g: g["authorizers"][1].update(result_ttl=7200),
            "governance.authorizers[1].result_ttl: 7200 is out of range; write a whole number between 0 and 3600",
        ),
        (lambda g: g.update(policy="{not json"), "governance.policy: not a JSON policy document"),
        (
            lambda g: g["domain"].update(security_policy="TLS_1_3"),
            "governance.domain.security_policy: 'TLS_1_3' is not one of TLS_1_0, TLS_1_2",
        ),
        (lambda g: g.update(stages={}), "governance: unknown key(s) stages; the keys are authorizers, services"),
    ],
)
def test_bad_governance_names_the_field_and_the_fix(mutate, expected):
    assert any(problem.startswith(expected) for problem in problems_of(mutate)), problems_of(mutate)


def test_expected_governance_fills_the_defaults_and_is_idempotent():
    result = topology.expected_governance({"services": {"payments": {"authorization": "aws_iam"}}}, ["payments", "x"])
    assert result["services"]["payments"] == {
        "authorization": "AWS_IAM",
        "authorizer": None,
        "scopes": [],
        "api_key_required": False,
        "throttle": None,
    }
    assert result["services"]["x"]["authorization"] == "NONE"
    assert result["stage"] == {
        "throttle": None,
        "logging_level": "OFF",
        "data_trace": False,
        "metrics": False,
        "tracing": False,
        "access_log": None,
        "web_acl": None,
    }
    assert result["policy"] is None and result["domain"] is None and result["partners"] == []
    full = topology.expected_governance(governance(), ["payments", "cards"])
    assert topology.expected_governance(full, ["payments", "cards"]) == full
    partner = topology.expected_governance(
        {
            "partners": [
                {
                    "name": "p",
                    "services": ["payments"],
                    "methods": {"/payments/ANY": {"rate_limit": "5", "burst_limit": 10}},
                }
            ]
        },
        ["payments"],
    )["partners"][0]
    assert partner == {
        "name": "p",
        "resource_name": "p",
        "services": ["payments"],
        "enabled": True,
        "quota": None,
        "throttle": None,
        "methods": {"/payments/ANY": {"rate_limit": 5.0, "burst_limit": 10}},
    }


def test_evaluate_refuses_bad_governance():
    gateway, providers = base.golden()
    with pytest.raises(topology.GovernanceError) as error:
        topology.evaluate(gateway, providers, {"services": {"payments": {"authorization": "CUSTOM"}}})
    assert error.value.problems == [
        "governance.services.payments.authorizer: authorization CUSTOM needs the name of an authorizer"
    ]


# ---------------------------------------------------------------------------------------------
# Helpers, the report and the picture
# ---------------------------------------------------------------------------------------------


def test_keys_names_and_urls():
    assert topology.stage_setting_key("/payments", "ANY") == "~1payments/ANY"
    assert topology.stage_setting_key("/cards/limits/{proxy+}", "GET") == "~1cards~1limits~1{proxy+}/GET"
    assert topology.plan_method_key("/payments/{proxy+}", "ANY") == "/payments/{proxy+}/ANY"
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}:live/invocations"
    assert topology.authorizer_function(uri) == FUNCTION + ":live"
    assert topology.authorizer_function(None) is None
    assert topology.web_acl_name(WEB_ACL) == "open-banking"
    assert topology.web_acl_name("open-banking") is None
    assert topology.base_path_of("(none)") == "" and topology.base_path_of("/v1/") == "v1"
    assert topology.domain_url("api.bank.example", "", "payments") == "https://api.bank.example/payments"
    assert topology.domain_url("api.bank.example", "open", "/cards/") == "https://api.bank.example/open/cards"
    assert topology.same_throttle({"rate_limit": 5, "burst_limit": 10}, {"rate_limit": 5.0, "burst_limit": 10})
    assert not topology.same_throttle({"rate_limit": 5, "burst_limit": 10}, None)
    assert topology.same_throttle(None, None)
    assert topology.blocked({"rate_limit": 0.0, "burst_limit": 0})
    assert not topology.blocked(None) and not topology.blocked({"rate_limit": 0.0, "burst_limit": 1})


def test_who_can_call_each_service_in_the_report():
    gateway, providers = base.golden()
    govern(gateway["snapshot"])
    evaluation = topology.evaluate(gateway, providers, governance())
    graph = topology.build_graph(gateway, providers, evaluation)
    markdown = topology.render_markdown(gateway, evaluation, topology.render_mermaid(graph))
    section = markdown.split("## Who can call each service", 1)[1].split("## payments:", 1)[0]
    assert "### payments (/payments)" in section
    assert "- Authorization: tokens accepted by Lambda authorizer partner-jwt (CUSTOM, TOKEN)" in section
    assert "- API key: with an API key of: fintech-a, fintech-b" in section
    assert "- API key: with an API key of: fintech-a (blocked for: fintech-b)" in section
    assert (
        "- Throttles: stage 100 req/s, burst 200 (*/*); its methods 20 req/s, burst 40; fintech-a: /payments/ANY "
        "50/100, /payments/{proxy+}/ANY 50/100; fintech-b: plan 5 req/s, burst 10, /payments/ANY 5/10" in section
    )
    assert (
        "- URLs: https://api123.execute-api.us-east-1.amazonaws.com/v1/payments, https://api.bank.example/payments"
        in section
    )
    assert "- Verdict: authorization ok, partners ok, stage_policy ok, domain ok" in section
    assert "| 17 | domain | ok |" in markdown
    # No key value anywhere (the snapshot has none): only key ids and names.
    assert "k-up-a" not in markdown
    access = evaluation["services"][0]["access"]
    assert access["partners"] == ["fintech-a", "fintech-b"] and access["api_key_required"] is True
    assert access["urls"][-1] == "https://api.bank.example/payments"


def test_the_report_without_governance_has_no_access_section():
    gateway, providers = base.golden()
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    assert "Who can call" not in topology.render_markdown(gateway, evaluation, topology.render_mermaid(graph))


def test_a_governance_fault_colours_its_node():
    gateway, providers = base.golden()
    govern(gateway["snapshot"])
    method_auth_type_wrong(gateway["snapshot"], None)
    stage_tracing_off(gateway["snapshot"], None)
    evaluation = topology.evaluate(gateway, providers, governance())
    graph = topology.build_graph(gateway, providers, evaluation)
    assert graph.nodes["res__payments"]["failed"] == ["authorization"]
    assert graph.nodes["api"]["failed"] == ["stage_policy"]
    assert graph.nodes["res__cards"]["status"] == "ok"
    summary = evaluation["summary"][0]
    assert summary.startswith("payments (/payments, provider payments): BROKEN at authorization [111111111111]")
    assert summary.endswith(" auth=CUSTOM key=fintech-a,fintech-b")
    assert json.dumps(evaluation)  # JSON-serialisable, as the module returns it
