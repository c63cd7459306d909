# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""rest_api: authorizers, method authorization, API keys and the resource policy, against moto."""

import importlib.util
import json
from pathlib import Path

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import rest_apis
from ansible_collections.multiaccount.apigateway.plugins.modules import rest_api

from .moto_harness import mocked_aws, record_api_calls, run_module, writes

FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:partner-authorizer"
POOL = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_AbCdEf123"
POOL_2 = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_ZyXwVu987"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}},
        },
    ],
}


def authorizers(ttl=300, pools=(POOL,)):
    return [
        {"name": "partner-jwt", "type": "TOKEN", "function_arn": FUNCTION, "result_ttl": ttl},
        {"name": "staff", "type": "COGNITO_USER_POOLS", "user_pool_arns": list(pools)},
    ]


def routes(payments_auth="AWS_IAM", **extra):
    return [
        {
            "path": "payments",
            "target_url": "http://payments.example.internal",
            "connection_type": "INTERNET",
            "authorization_type": payments_auth,
            **extra,
        },
        {
            "path": "cards",
            "target_url": "http://cards.example.internal",
            "connection_type": "INTERNET",
            "authorization_type": "CUSTOM",
            "authorizer": "partner-jwt",
            "api_key_required": True,
        },
        {
            "path": "statements",
            "target_url": "http://statements.example.internal",
            "connection_type": "INTERNET",
            "authorization_type": "COGNITO_USER_POOLS",
            "authorizer": "staff",
            "authorization_scopes": ["bank/read"],
        },
    ]


def args(**overrides):
    base = {"name": "governed", "stage_name": "v1", "routes": routes(), "authorizers": authorizers(), "policy": POLICY}
    base.update(overrides)
    return base


def methods(client, api_id):
    found = {}
    for item in client.get_resources(restApiId=api_id, embed=["methods"])["items"]:
        for name, method in (item.get("resourceMethods") or {}).items():
            found[(item["path"], name)] = method
    return found


def _emulator_patches():
    path = Path(__file__).resolve().parents[4] / "tools" / "emulator" / "patches.py"
    spec = importlib.util.spec_from_file_location("emulator_patches", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch):
    """In-process moto with the emulator's G2b (UpdateMethod), for this test only."""
    from moto.apigateway.responses import APIGatewayResponse

    for name in ("update_method", "update_integration"):
        monkeypatch.setattr(APIGatewayResponse, name, None, raising=False)
    _emulator_patches().patch_G2b()
    with mocked_aws(monkeypatch):
        yield boto3.client("apigateway", region_name="us-east-1")


def test_authorizers_and_method_authorization_are_created_then_left_alone(aws, capsys, monkeypatch):
    first = run_module(rest_api.main, args(), capsys)
    assert first["changed"] is True, first
    api_id = first["rest_api"]["id"]
    found = {item["name"]: item for item in aws.get_authorizers(restApiId=api_id)["items"]}
    assert found["partner-jwt"]["type"] == "TOKEN"
    assert FUNCTION in found["partner-jwt"]["authorizerUri"]
    assert found["partner-jwt"]["identitySource"] == "method.request.header.Authorization"
    assert found["staff"]["providerARNs"] == [POOL]
    current = methods(aws, api_id)
    for path in ("/payments", "/payments/{proxy+}"):
        assert current[(path, "ANY")]["authorizationType"] == "AWS_IAM"
    for path in ("/cards", "/cards/{proxy+}"):
        assert current[(path, "ANY")]["authorizationType"] == "CUSTOM"
        assert current[(path, "ANY")]["authorizerId"] == found["partner-jwt"]["id"]
        assert current[(path, "ANY")]["apiKeyRequired"] is True
    assert current[("/statements", "ANY")]["authorizerId"] == found["staff"]["id"]
    assert current[("/statements", "ANY")]["authorizationScopes"] == ["bank/read"]
    assert rest_apis_policy(aws, api_id) == POLICY
    assert [result["authorization_type"] for result in first["routes"]] == ["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]
    assert {item["name"] for item in first["authorizers"]} == {"partner-jwt", "staff"}

    recorded = record_api_calls(monkeypatch)
    second = run_module(rest_api.main, args(), capsys)
    assert second["changed"] is False, second["changes"]
    assert writes(recorded) == []
    assert second["deployment"]["created"] is False


def rest_apis_policy(client, api_id):
    from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization

    return api_authorization.parse_policy(client.get_rest_api(restApiId=api_id).get("policy"))


def test_check_mode_writes_nothing_and_says_what_it_would_do(aws, capsys, monkeypatch):
    run_module(rest_api.main, args(authorizers=[], routes=routes("NONE")[:1], policy={}), capsys)
    recorded = record_api_calls(monkeypatch)
    result = run_module(rest_api.main, dict(args(), _ansible_diff=True), capsys, check_mode=True)
    assert result["changed"] is True
    assert writes(recorded) == []
    assert "create authorizer partner-jwt (TOKEN)" in result["changes"]
    assert any(line.startswith("update REST API (replace /policy") for line in result["changes"])
    assert any("update method ANY /payments (replace /authorizationType)" == line for line in result["changes"])
    assert result["diff"]["after"]["authorizers"]["partner-jwt"]["function_arn"] == FUNCTION
    assert result["diff"]["before"]["authorizers"] == {}
    assert result["diff"]["after"]["routes"]["payments"]["ANY"]["authorization"] == "AWS_IAM"
    assert result["diff"]["after"]["routes"]["cards"]["ANY"]["api_key_required"] is True


def test_drift_is_patched_and_redeployed_once(aws, capsys, monkeypatch):
    first = run_module(rest_api.main, args(), capsys)
    api_id = first["rest_api"]["id"]
    deployments = len(aws.get_deployments(restApiId=api_id)["items"])
    changed = run_module(
        rest_api.main,
        args(authorizers=authorizers(ttl=60), routes=routes("AWS_IAM", api_key_required=True)),
        capsys,
    )
    assert changed["changed"] is True
    assert any(
        line.startswith("update authorizer partner-jwt (replace /authorizerResultTtlInSeconds")
        for line in changed["changes"]
    )
    assert "update method ANY /payments (replace /apiKeyRequired)" in changed["changes"]
    assert changed["deployment"]["created"] is True
    assert len(aws.get_deployments(restApiId=api_id)["items"]) == deployments + 1
    ttl = {
        item["name"]: item["authorizerResultTtlInSeconds"] for item in aws.get_authorizers(restApiId=api_id)["items"]
    }
    assert ttl["partner-jwt"] == 60
    assert methods(aws, api_id)[("/payments", "ANY")]["apiKeyRequired"] is True
    again = run_module(
        rest_api.main,
        args(authorizers=authorizers(ttl=60), routes=routes("AWS_IAM", api_key_required=True)),
        capsys,
    )
    assert again["changed"] is False, again["changes"]


def test_a_route_opened_again_and_an_authorizer_dropped(aws, capsys):
    first = run_module(rest_api.main, args(), capsys)
    api_id = first["rest_api"]["id"]
    open_routes = [
        dict(route, authorization_type="NONE", authorizer=None, authorization_scopes=None) for route in routes()
    ]
    for route in open_routes:
        route.pop("api_key_required", None)
    result = run_module(rest_api.main, args(routes=open_routes, authorizers=authorizers()[:1]), capsys)
    assert "delete authorizer staff" in result["changes"]
    # The methods stop naming the authorizer before it is deleted.
    assert result["changes"].index("delete authorizer staff") > max(
        index for index, line in enumerate(result["changes"]) if line.startswith("update method")
    )
    assert [item["name"] for item in aws.get_authorizers(restApiId=api_id)["items"]] == ["partner-jwt"]
    for (path, name), method in methods(aws, api_id).items():
        assert method["authorizationType"] == "NONE", (path, name)


def test_fingerprint_of_an_open_api_is_unchanged():
    """Routes without authorization keep the deployed fingerprint they had before authorization existed."""
    tree = rest_apis.desired_tree(
        rest_apis.validate_routes([{"path": "payments", "target_url": "http://nlb:8080", "connection_id": "l1"}])
    )
    assert set(tree["/payments"]["methods"]["ANY"]) == {"authorization_type", "request_parameters", "integration"}
    assert rest_apis.fingerprint(tree) == rest_apis.fingerprint(tree, [], "")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"routes": routes("CUSTOM")}, "routes[0].authorizer: required with authorization_type CUSTOM"),
        ({"routes": routes("AWS_IAM", authorizer="staff")}, "routes[0].authorizer: only authorization_type"),
        ({"routes": routes("AWS_IAM", authorization_scopes=["a/b"])}, "routes[0].authorization_scopes"),
        ({"authorizers": authorizers()[:1]}, "routes[2].authorizer: no authorizer named 'staff'"),
        ({"authorizers": [dict(authorizers()[0], type="COGNITO_USER_POOLS")] + authorizers()[1:]}, "authorizers[0]"),
        (
            {"authorizers": [dict(authorizers()[0], function_arn="partner")] + authorizers()[1:]},
            "authorizers[0].function_arn",
        ),
        ({"authorizers": [dict(authorizers()[0], result_ttl=4000)] + authorizers()[1:]}, "authorizers[0].result_ttl"),
        (
            {"authorizers": authorizers()[:1] + [dict(authorizers()[1], user_pool_arns=[])]},
            "authorizers[1].user_pool_arns",
        ),
        ({"policy": "{not json"}, "policy: not a JSON policy document"),
        ({"policy": {"Version": "2012-10-17"}}, "policy: the policy has no Statement"),
    ],
)
def test_bad_input_fails_before_any_call(aws, capsys, monkeypatch, overrides, field):
    recorded = record_api_calls(monkeypatch)
    result = run_module(rest_api.main, args(**overrides), capsys)
    assert result.get("failed") is True
    assert field in result["msg"]
    assert recorded == []


def test_user_pools_are_added_before_they_are_removed(aws, capsys):
    first = run_module(rest_api.main, args(), capsys)
    api_id = first["rest_api"]["id"]
    result = run_module(rest_api.main, args(authorizers=authorizers(pools=(POOL_2,)), _ansible_check_mode=True), capsys)
    line = next(line for line in result["changes"] if line.startswith("update authorizer staff"))
    assert line == "update authorizer staff (add /providerARNs, remove /providerARNs)"
    assert aws.get_authorizers(restApiId=api_id)["items"]


def test_policy_as_aws_returns_it_compares_equal():
    """AWS gives the policy back as an escaped JSON string with the API's ARN in place of execute-api:/."""
    from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization as authz

    returned = json.dumps(POLICY).replace("execute-api:/", "arn:aws:execute-api:us-east-1:111111111111:a1b2c3/")
    escaped = returned.replace('"', '\\"')
    assert authz.canonical_policy(authz.parse_policy(escaped)) == authz.canonical_policy(POLICY)
    assert authz.canonical_policy(authz.parse_policy(returned)) == authz.canonical_policy(POLICY)
    assert authz.canonical_policy({}) == ""
