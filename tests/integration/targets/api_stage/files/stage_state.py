# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read back what the api_stage target changed, straight from AWS (not from the module), and make the
fixtures the module does not (web ACLs, a "foreign" account role).

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself).

    python stage_state.py stage <api id> <stage>    -> {"exists", "method_settings", "access_log", "tracing",
                                                         "stage_web_acl_arn", "web_acl_arn", "deployment_id",
                                                         "deployments", "account_role"}
    python stage_state.py account                   -> {"account_role"}
    python stage_state.py set-account-role <arn|''> -> {"account_role"}
    python stage_state.py web-acl <name> <tag key=value>... -> {"arn"} (created when missing, with the tags)
    python stage_state.py delete-web-acl <name>     -> {"deleted": bool}
"""

import json
import sys

import boto3
import botocore


def account_role(apigateway):
    return apigateway.get_account().get("cloudwatchRoleArn") or None


def stage_state(apigateway, wafv2, api_id, stage_name):
    try:
        stage = apigateway.get_stage(restApiId=api_id, stageName=stage_name)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return {"exists": False, "account_role": account_role(apigateway)}
        raise
    region = apigateway.meta.region_name
    arn = f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage_name}"
    deployments = apigateway.get_paginator("get_deployments").paginate(restApiId=api_id).build_full_result()
    return {
        "exists": True,
        "method_settings": stage.get("methodSettings") or {},
        "access_log": stage.get("accessLogSettings") or None,
        "tracing": bool(stage.get("tracingEnabled")),
        "stage_web_acl_arn": stage.get("webAclArn"),
        "web_acl_arn": (wafv2.get_web_acl_for_resource(ResourceArn=arn).get("WebACL") or {}).get("ARN"),
        "deployment_id": stage.get("deploymentId"),
        "deployments": len(deployments.get("items", [])),
        "account_role": account_role(apigateway),
    }


def find_web_acl(wafv2, name):
    params = {"Scope": "REGIONAL", "Limit": 100}
    while True:
        page = wafv2.list_web_acls(**params)
        for summary in page.get("WebACLs", []):
            if summary["Name"] == name:
                return summary
        if not page.get("NextMarker") or not page.get("WebACLs"):
            return None
        params["NextMarker"] = page["NextMarker"]


def web_acl(wafv2, name, tags):
    summary = find_web_acl(wafv2, name)
    if summary is None:
        summary = wafv2.create_web_acl(
            Name=name,
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name},
            Rules=[],
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
        )["Summary"]
    return {"arn": summary["ARN"]}


def delete_web_acl(wafv2, name):
    summary = find_web_acl(wafv2, name)
    if summary is None:
        return {"deleted": False}
    wafv2.delete_web_acl(Name=name, Scope="REGIONAL", Id=summary["Id"], LockToken=summary["LockToken"])
    return {"deleted": True}


def main():
    command, args = sys.argv[1], sys.argv[2:]
    apigateway, wafv2 = boto3.client("apigateway"), boto3.client("wafv2")
    if command == "stage":
        result = stage_state(apigateway, wafv2, args[0], args[1])
    elif command == "account":
        result = {"account_role": account_role(apigateway)}
    elif command == "set-account-role":
        apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": args[0]}])
        result = {"account_role": account_role(apigateway)}
    elif command == "web-acl":
        result = web_acl(wafv2, args[0], dict(item.split("=", 1) for item in args[1:]))
    elif command == "delete-web-acl":
        result = delete_web_acl(wafv2, args[0])
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
