# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""api_stage against moto in-process (no network), every API call recorded.

Stock moto ignores a ``remove`` of a method setting and does not refuse logging without the account
role (the emulator's G26 restores both); these tests check what the module sends for them instead.
"""

import boto3
import botocore.client
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import rest_apis
from ansible_collections.multiaccount.apigateway.plugins.modules import api_stage

from .moto_harness import mocked_aws, record_api_calls, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"
OTHER_ROLE = "arn:aws:iam::123456789012:role/someone-else"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:open-banking-access"
FORMAT = '{"requestId":"$context.requestId","status":"$context.status"}'


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def calls(monkeypatch):
    return record_api_calls(monkeypatch)


@pytest.fixture
def sent(monkeypatch):
    """The parameters of every UpdateStage call."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        if operation_name == "UpdateStage":
            recorded.append(api_params["patchOperations"])
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


def run(args, capsys, check_mode=False):
    return run_module(api_stage.main, args, capsys, check_mode, REGION)


def make_stage(tags=None):
    """A REST API with one method, deployed to v1 and tagged as rest_api tags its stages; returns its id."""
    ag = boto3.client("apigateway", region_name=REGION)
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    resource = ag.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="payments")
    ag.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
    ag.put_integration(
        restApiId=api["id"],
        resourceId=resource["id"],
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri="http://example.invalid/",
    )
    deployment = ag.create_deployment(restApiId=api["id"], stageName="v1")
    if tags is None:
        tags = {rest_apis.DEPLOYED_TAG: f"{deployment['id']} {'0' * 64}"}
    if tags:
        ag.tag_resource(resourceArn=rest_apis.stage_arn(REGION, api["id"], "v1"), tags=tags)
    return api["id"]


def make_web_acl(name="open-banking"):
    waf = boto3.client("wafv2", region_name=REGION)
    return waf.create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name},
        Rules=[],
    )["Summary"]["ARN"]


def full_args(api_id, **overrides):
    args = {
        "rest_api_id": api_id,
        "stage_name": "v1",
        "default_method_settings": {
            "throttle": {"rate_limit": 500, "burst_limit": 1000},
            "logging_level": "INFO",
            "metrics": True,
        },
        "method_throttles": {"/payments/ANY": {"rate_limit": 100, "burst_limit": 200}},
        "access_log": {"destination_arn": LOG_GROUP, "format": FORMAT},
        "tracing": True,
        "cloudwatch_role_arn": ROLE,
    }
    args.update(overrides)
    return args


def read_stage(api_id):
    return boto3.client("apigateway", region_name=REGION).get_stage(restApiId=api_id, stageName="v1")


# ---- the whole policy ------------------------------------------------------------------------------


def test_set_everything_then_nothing_to_do(calls, sent, capsys):
    api_id = make_stage()
    acl = make_web_acl()
    del calls[:]
    result = run(full_args(api_id, web_acl_arn=acl), capsys)

    assert result["changed"]
    # Account role first (logging needs it), ONE UpdateStage, then the association; never a deployment.
    assert writes(calls) == ["UpdateAccount", "UpdateStage", "AssociateWebACL"]
    assert len(sent) == 1
    assert result["changes"][0] == "update account (replace /cloudwatchRoleArn)"
    assert result["changes"][1].startswith("update stage v1 (replace /*/*/logging/loglevel, ")
    assert result["changes"][2] == f"associate web ACL {acl} with stage v1"

    stage = read_stage(api_id)
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"
    assert stage["methodSettings"]["*/*"]["metricsEnabled"] is True
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 500.0
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 1000
    assert stage["methodSettings"]["~1payments/ANY"]["throttlingRateLimit"] == 100.0
    assert stage["methodSettings"]["~1payments/ANY"]["throttlingBurstLimit"] == 200
    assert stage["methodSettings"]["~1payments/ANY"]["loggingLevel"] == "INFO"
    assert stage["accessLogSettings"] == {"destinationArn": LOG_GROUP, "format": FORMAT}
    assert stage["tracingEnabled"] is True
    assert stage["webAclArn"] == acl
    account = boto3.client("apigateway", region_name=REGION).get_account()
    assert account["cloudwatchRoleArn"] == ROLE

    assert result["stage"] == {
        "name": "v1",
        "default_method_settings": {
            "throttle": {"rate_limit": 500.0, "burst_limit": 1000},
            "logging_level": "INFO",
            "data_trace": False,
            "metrics": True,
        },
        "method_throttles": {"/payments/ANY": {"rate_limit": 100.0, "burst_limit": 200}},
        "access_log": {"destination_arn": LOG_GROUP, "format": FORMAT},
        "tracing": True,
        "web_acl_arn": acl,
    }
    assert result["account"] == {"cloudwatch_role_arn": ROLE}
    assert result["web_acl_arn"] == acl
    assert result["diff"]["before"]["method_settings"] == {}
    assert result["diff"]["before"]["cloudwatch_role_arn"] is None
    assert result["diff"]["after"]["method_settings"]["/payments/ANY"]["throttle"] == {
        "rate_limit": 100.0,
        "burst_limit": 200,
    }
    assert result["diff"]["after"]["web_acl_arn"] == acl

    del calls[:]
    again = run(full_args(api_id, web_acl_arn=acl), capsys)
    assert not again["changed"] and again["changes"] == []
    # The pinned call list of a run with nothing to do.
    assert calls == ["GetStage", "GetAccount", "GetWebACLForResource"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["stage"] == result["stage"]


def test_web_acl_by_name_is_resolved_with_one_list(calls, capsys):
    api_id = make_stage()
    acl = make_web_acl("open-banking")
    make_web_acl("other")
    del calls[:]
    result = run(full_args(api_id, web_acl_arn="open-banking"), capsys)
    assert result["web_acl_arn"] == acl and result["stage"]["web_acl_arn"] == acl
    del calls[:]
    again = run(full_args(api_id, web_acl_arn="open-banking"), capsys)
    assert not again["changed"]
    assert calls == ["GetStage", "GetAccount", "ListWebACLs", "GetWebACLForResource"]


def test_minimal_policy_reads_the_stage_only(calls, capsys):
    api_id = make_stage()
    del calls[:]
    result = run({"rest_api_id": api_id, "stage_name": "v1"}, capsys)
    assert not result["changed"]
    assert calls == ["GetStage"]
    assert result["account"] == {"cloudwatch_role_arn": None} and result["web_acl_arn"] is None


def test_check_mode_makes_no_write(calls, capsys):
    api_id = make_stage()
    acl = make_web_acl()
    del calls[:]
    preview = run(full_args(api_id, web_acl_arn=acl), capsys, check_mode=True)
    assert preview["changed"]
    assert writes(calls) == []
    assert read_stage(api_id).get("methodSettings") in (None, {})
    assert "cloudwatchRoleArn" not in boto3.client("apigateway", region_name=REGION).get_account()

    real = run(full_args(api_id, web_acl_arn=acl), capsys)
    assert real["changes"] == preview["changes"]
    assert real["stage"] == preview["stage"]
    assert real["diff"] == preview["diff"]


def test_one_change_is_one_update_stage(sent, calls, capsys):
    api_id = make_stage()
    del calls[:]
    run(full_args(api_id), capsys)
    del sent[:], calls[:]
    result = run(full_args(api_id, tracing=False), capsys)
    assert result["changes"] == ["update stage v1 (replace /tracingEnabled)"]
    assert sent == [[{"op": "replace", "path": "/tracingEnabled", "value": "false"}]]
    assert writes(calls) == ["UpdateStage"]
    assert result["diff"]["before"]["tracing"] is True and result["diff"]["after"]["tracing"] is False


def test_purge_and_access_log_removal_are_sent(sent, capsys):
    api_id = make_stage()
    run(full_args(api_id), capsys)
    del sent[:]
    result = run(full_args(api_id, method_throttles={}, access_log=None), capsys)
    assert sent == [[{"op": "remove", "path": "/~1payments/ANY"}, {"op": "remove", "path": "/accessLogSettings"}]]
    assert result["changes"] == ["update stage v1 (remove /~1payments/ANY, remove /accessLogSettings)"]
    assert result["diff"]["after"]["access_log"] is None


def test_keep_other_overrides_without_purge(sent, capsys):
    api_id = make_stage()
    run(full_args(api_id), capsys)
    del sent[:]
    result = run(full_args(api_id, method_throttles={}, purge_method_throttles=False), capsys)
    assert not result["changed"] and sent == []
    assert result["stage"]["method_throttles"] == {"/payments/ANY": {"rate_limit": 100.0, "burst_limit": 200}}


# ---- web ACL --------------------------------------------------------------------------------------


def test_omitted_web_acl_is_not_read_and_null_disassociates(calls, capsys):
    api_id = make_stage()
    acl = make_web_acl()
    del calls[:]
    run(full_args(api_id, web_acl_arn=acl), capsys)
    del calls[:]
    left = run(full_args(api_id), capsys)
    assert not left["changed"] and "GetWebACLForResource" not in calls
    assert left["stage"]["web_acl_arn"] == acl and left["web_acl_arn"] is None

    del calls[:]
    removed = run(full_args(api_id, web_acl_arn=None), capsys)
    assert removed["changes"] == [f"disassociate web ACL {acl} from stage v1"]
    assert writes(calls) == ["DisassociateWebACL"]
    assert removed["stage"]["web_acl_arn"] is None
    assert "webAclArn" not in read_stage(api_id)
    assert not run(full_args(api_id, web_acl_arn=""), capsys)["changed"]


def test_unknown_web_acl_name(calls, capsys):
    api_id = make_stage()
    del calls[:]
    failed = run(full_args(api_id, web_acl_arn="missing-acl"), capsys)
    assert failed["failed"] and failed["msg"].startswith("web_acl_arn: no REGIONAL web ACL named 'missing-acl'")
    assert writes(calls) == []

    preview = run(full_args(api_id, web_acl_arn="missing-acl"), capsys, check_mode=True)
    assert not preview.get("failed")
    assert any("no REGIONAL web ACL named 'missing-acl'" in str(warning) for warning in preview["warnings"])
    assert "associate web ACL named missing-acl with stage v1" in preview["changes"]
    assert writes(calls) == []


# ---- account role ---------------------------------------------------------------------------------


def test_logging_without_any_role_fails_before_any_change(calls, capsys):
    api_id = make_stage()
    del calls[:]
    result = run(full_args(api_id, cloudwatch_role_arn=None), capsys)
    assert result["failed"]
    assert result["msg"].startswith(
        "cloudwatch_role_arn: execution logging (default_method_settings.logging_level INFO) and access logging "
        "(access_log) need the account-level CloudWatch role of API Gateway"
    )
    assert writes(calls) == []
    preview = run(full_args(api_id, cloudwatch_role_arn=None), capsys, check_mode=True)
    assert preview["failed"] and writes(calls) == []


def test_logging_with_the_account_role_needs_no_option(capsys):
    api_id = make_stage()
    boto3.client("apigateway", region_name=REGION).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": OTHER_ROLE}]
    )
    result = run(full_args(api_id, cloudwatch_role_arn=None), capsys)
    assert result["changed"] and result["account"] == {"cloudwatch_role_arn": OTHER_ROLE}
    assert not any(change.startswith("update account") for change in result["changes"])


def test_another_account_role_is_left_alone_unless_replaced(calls, capsys):
    api_id = make_stage()
    ag = boto3.client("apigateway", region_name=REGION)
    ag.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": OTHER_ROLE}])
    del calls[:]
    kept = run(full_args(api_id), capsys)
    assert "UpdateAccount" not in calls
    assert any(OTHER_ROLE in str(warning) and "replace_cloudwatch_role" in str(warning) for warning in kept["warnings"])
    assert kept["account"] == {"cloudwatch_role_arn": OTHER_ROLE}
    assert ag.get_account()["cloudwatchRoleArn"] == OTHER_ROLE

    replaced = run(full_args(api_id, replace_cloudwatch_role=True), capsys)
    assert replaced["changes"] == ["update account (replace /cloudwatchRoleArn)"]
    assert replaced["diff"]["before"]["cloudwatch_role_arn"] == OTHER_ROLE
    assert replaced["diff"]["after"]["cloudwatch_role_arn"] == ROLE
    assert ag.get_account()["cloudwatchRoleArn"] == ROLE


# ---- stage and ownership -------------------------------------------------------------------------


def test_missing_stage(calls, capsys):
    api_id = make_stage()
    del calls[:]
    failed = run(full_args(api_id, stage_name="v2"), capsys)
    assert failed["failed"]
    assert failed["msg"].startswith(f"stage_name: REST API {api_id!r} has no stage 'v2'")
    assert "run multiaccount.apigateway.rest_api with stage_name first" in failed["msg"]
    assert writes(calls) == []

    acl = make_web_acl()
    del calls[:]
    preview = run(full_args(api_id, stage_name="v2", web_acl_arn=acl), capsys, check_mode=True)
    assert not preview.get("failed") and preview["changed"]
    assert any("has no stage 'v2'" in str(warning) for warning in preview["warnings"])
    assert preview["stage"]["name"] == "v2" and preview["stage"]["tracing"] is True
    assert writes(calls) == [] and "GetWebACLForResource" not in calls


def test_a_stage_not_deployed_by_the_collection_is_not_changed(calls, capsys):
    api_id = make_stage(tags={})
    del calls[:]
    result = run(full_args(api_id), capsys)
    assert result["failed"]
    assert "stage_name: stage 'v1' of REST API" in result["msg"] and "refusing to change it" in result["msg"]
    assert writes(calls) == []
    # Reading it is harmless: a policy it already has is no change and no failure.
    assert not run({"rest_api_id": api_id, "stage_name": "v1"}, capsys).get("failed")


def test_a_stage_marked_managed_is_accepted(capsys):
    api_id = make_stage(tags={"ManagedBy": "multiaccount.apigateway"})
    assert run(full_args(api_id), capsys)["changed"]


def test_bad_input_fails_before_any_call(calls, capsys):
    del calls[:]
    result = run(
        {
            "rest_api_id": "abc",
            "stage_name": "v1",
            "default_method_settings": {"data_trace": True},
            "method_throttles": {"/payments/FETCH": {"rate_limit": 1, "burst_limit": 1}},
            "access_log": {"destination_arn": LOG_GROUP + ":*", "format": "$context.status"},
        },
        capsys,
    )
    assert result["failed"]
    assert calls == []
    for field in (
        "default_method_settings.data_trace",
        "method_throttles['/payments/FETCH']",
        "access_log.destination_arn",
        "access_log.format",
    ):
        assert field in result["msg"]
