# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Regression tests of the fidelity patches the gateway's policy relies on: G30 (the logging role's
AWS managed policy) and G31 (a redeployment keeps the stage policy).

Each holds on AWS and on the patched emulator, and fails on stock moto 5.2.5: start the emulator with
``EMULATOR_DISABLE_PATCHES=G30`` (or G31) to see it fail (``tools/emulator/prove.py G30 G31`` does that).
"""

import json

LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def test_g30_aws_managed_policy_attaches_in_any_account(aws):
    iam = aws.client("iam")
    policy = iam.get_policy(PolicyArn=LOGS_POLICY)["Policy"]
    assert policy["Arn"] == LOGS_POLICY and policy["PolicyName"] == "AmazonAPIGatewayPushToCloudWatchLogs"
    iam.create_role(RoleName="apigateway-logs", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="apigateway-logs", PolicyArn=LOGS_POLICY)
    attached = iam.list_attached_role_policies(RoleName="apigateway-logs")["AttachedPolicies"]
    assert [item["PolicyArn"] for item in attached] == [LOGS_POLICY]
    version = iam.get_policy_version(PolicyArn=LOGS_POLICY, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    assert "logs:PutLogEvents" in json.dumps(version["Document"])
    iam.detach_role_policy(RoleName="apigateway-logs", PolicyArn=LOGS_POLICY)
    assert iam.list_attached_role_policies(RoleName="apigateway-logs")["AttachedPolicies"] == []


def test_g31_a_redeployment_keeps_the_stage_policy(aws):
    ag = aws.client("apigateway")
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
    first = ag.create_deployment(restApiId=api["id"], stageName="v1", variables={"a": "1"})["id"]
    ag.update_stage(
        restApiId=api["id"],
        stageName="v1",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
            {"op": "replace", "path": "/tracingEnabled", "value": "true"},
        ],
    )
    second = ag.create_deployment(restApiId=api["id"], stageName="v1", variables={"b": "2"})["id"]
    stage = ag.get_stage(restApiId=api["id"], stageName="v1")
    assert stage["deploymentId"] == second != first
    assert stage["tracingEnabled"] is True
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 100.0
    assert stage["variables"] == {"a": "1", "b": "2"}
