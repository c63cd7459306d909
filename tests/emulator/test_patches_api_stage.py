# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Regression tests of the fidelity patches the stage policy (api_stage) relies on: G26 and G27.

Each test holds on AWS and on the patched emulator, and fails on stock moto 5.2.5: start the emulator
with ``EMULATOR_DISABLE_PATCHES=G26`` (or ``G27``) to see the tests of that patch fail.
"""

import pytest
from botocore.exceptions import ClientError

ROLE_ARN = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:access"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def make_stage(ag, stage_name="v1"):
    """A REST API with one method on /pay, deployed to ``stage_name``; returns the API id."""
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    resource = ag.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pay")
    ag.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
    ag.put_integration(
        restApiId=api["id"],
        resourceId=resource["id"],
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri="http://example.invalid/",
    )
    ag.create_deployment(restApiId=api["id"], stageName=stage_name)
    return api["id"]


def replace(path, value):
    return {"op": "replace", "path": path, "value": value}


# ---- G26 -----------------------------------------------------------------------------------------


def test_g26_remove_deletes_a_method_setting(aws):
    ag = aws.client("apigateway")
    api = make_stage(ag)
    ag.update_stage(
        restApiId=api,
        stageName="v1",
        patchOperations=[
            replace("/*/*/metrics/enabled", "true"),
            replace("/~1pay/ANY/throttling/rateLimit", "5.0"),
            replace("/~1pay/ANY/throttling/burstLimit", "10"),
        ],
    )
    assert set(ag.get_stage(restApiId=api, stageName="v1")["methodSettings"]) == {"*/*", "~1pay/ANY"}

    # One call may mix a removal with other operations; they apply in order.
    stage = ag.update_stage(
        restApiId=api,
        stageName="v1",
        patchOperations=[{"op": "remove", "path": "/~1pay/ANY"}, replace("/tracingEnabled", "true")],
    )
    assert set(stage["methodSettings"]) == {"*/*"} and stage["tracingEnabled"] is True
    assert set(ag.get_stage(restApiId=api, stageName="v1")["methodSettings"]) == {"*/*"}

    ag.update_stage(restApiId=api, stageName="v1", patchOperations=[{"op": "remove", "path": "/*/*"}])
    assert ag.get_stage(restApiId=api, stageName="v1").get("methodSettings", {}) == {}


def test_g26_removing_a_missing_method_setting_is_refused(aws):
    ag = aws.client("apigateway")
    api = make_stage(ag)
    with pytest.raises(ClientError) as excinfo:
        ag.update_stage(restApiId=api, stageName="v1", patchOperations=[{"op": "remove", "path": "/~1pay/GET"}])
    assert error_code(excinfo) == "BadRequestException"
    assert "no method setting for this method" in str(excinfo.value)


@pytest.mark.parametrize(
    "operation",
    [
        replace("/*/*/logging/loglevel", "INFO"),
        replace("/~1pay/ANY/logging/loglevel", "ERROR"),
        replace("/*/*/logging/dataTrace", "true"),
        replace("/accessLogSettings/destinationArn", LOG_GROUP_ARN),
    ],
    ids=["stage-loglevel", "method-loglevel", "data-trace", "access-log"],
)
def test_g26_logging_needs_the_account_cloudwatch_role(aws, operation):
    ag = aws.client("apigateway")
    api = make_stage(ag)
    with pytest.raises(ClientError) as excinfo:
        ag.update_stage(restApiId=api, stageName="v1", patchOperations=[operation])
    assert error_code(excinfo) == "BadRequestException"
    assert "CloudWatch Logs role ARN must be set in account settings to enable logging" in str(excinfo.value)
    assert not ag.get_stage(restApiId=api, stageName="v1").get("methodSettings")

    # Logging off, metrics and tracing need no role; with the role, logging goes through.
    ag.update_stage(
        restApiId=api,
        stageName="v1",
        patchOperations=[replace("/*/*/logging/loglevel", "OFF"), replace("/*/*/metrics/enabled", "true")],
    )
    ag.update_account(patchOperations=[replace("/cloudwatchRoleArn", ROLE_ARN)])
    ag.update_stage(restApiId=api, stageName="v1", patchOperations=[operation])


# ---- G27 -----------------------------------------------------------------------------------------


def make_web_acl(waf, name):
    return waf.create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name},
        Rules=[],
    )["Summary"]["ARN"]


def test_g27_associating_another_web_acl_replaces_the_association(aws):
    ag, waf = aws.client("apigateway"), aws.client("wafv2")
    api = make_stage(ag)
    stage_arn = f"arn:aws:apigateway:us-east-1::/restapis/{api}/stages/v1"
    first, second = make_web_acl(waf, "first"), make_web_acl(waf, "second")

    waf.associate_web_acl(WebACLArn=first, ResourceArn=stage_arn)
    assert waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == first

    waf.associate_web_acl(WebACLArn=second, ResourceArn=stage_arn)
    assert waf.get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]["ARN"] == second
    assert ag.get_stage(restApiId=api, stageName="v1")["webAclArn"] == second

    waf.disassociate_web_acl(ResourceArn=stage_arn)
    assert "WebACL" not in waf.get_web_acl_for_resource(ResourceArn=stage_arn)
    assert "webAclArn" not in ag.get_stage(restApiId=api, stageName="v1")
