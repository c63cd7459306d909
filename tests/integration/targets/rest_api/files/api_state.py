# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read back what the rest_api target changed, straight from API Gateway (not from the module).

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself).

    python api_state.py by-name <name>  -> {"ids": [ids of the APIs with that name]}
    python api_state.py by-id <api_id>  -> {"exists": bool, "tags", "resources": {path: {"id", "methods"}},
                                            "deployments": N, "stages": {stage: deployment id},
                                            "stage_tags": {stage: tags}, "authorizers": {name: {...}},
                                            "policy": the policy text}
"""

import json
import sys

import boto3
import botocore


def by_name(client, name):
    apis = client.get_paginator("get_rest_apis").paginate().build_full_result().get("items", [])
    return {"ids": sorted(api["id"] for api in apis if api.get("name") == name)}


def by_id(client, api_id):
    try:
        api = client.get_rest_api(restApiId=api_id)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return {"exists": False}
        raise
    region = client.meta.region_name
    arn = f"arn:aws:apigateway:{region}::/restapis/{api_id}"
    resources = {}
    items = client.get_paginator("get_resources").paginate(restApiId=api_id).build_full_result()["items"]
    for item in items:
        methods = {}
        for method in item.get("resourceMethods") or {}:
            detail = client.get_method(restApiId=api_id, resourceId=item["id"], httpMethod=method)
            integration = detail.get("methodIntegration") or {}
            methods[method] = {
                "authorization_type": detail.get("authorizationType"),
                "authorizer_id": detail.get("authorizerId"),
                "authorization_scopes": detail.get("authorizationScopes") or [],
                "api_key_required": bool(detail.get("apiKeyRequired")),
                "request_parameters": detail.get("requestParameters") or {},
                "integration": {
                    "type": integration.get("type"),
                    "http_method": integration.get("httpMethod"),
                    "uri": integration.get("uri"),
                    "connection_type": integration.get("connectionType"),
                    "connection_id": integration.get("connectionId"),
                    "integration_target": integration.get("integrationTarget"),
                    "timeout_in_millis": integration.get("timeoutInMillis"),
                    "request_parameters": integration.get("requestParameters") or {},
                },
            }
        resources[item["path"]] = {"id": item["id"], "methods": methods}
    deployments = client.get_paginator("get_deployments").paginate(restApiId=api_id).build_full_result()["items"]
    stages = client.get_stages(restApiId=api_id).get("item", [])
    return {
        "exists": True,
        "name": api.get("name"),
        "description": api.get("description"),
        "tags": client.get_tags(resourceArn=arn).get("tags", {}),
        "resources": resources,
        "deployments": len(deployments),
        "stages": {stage["stageName"]: stage.get("deploymentId") for stage in stages},
        "stage_tags": {stage["stageName"]: stage.get("tags") or {} for stage in stages},
        "authorizers": {
            item["name"]: {
                "id": item["id"],
                "type": item.get("type"),
                "authorizer_uri": item.get("authorizerUri"),
                "provider_arns": item.get("providerARNs") or [],
                "identity_source": item.get("identitySource"),
                "result_ttl": item.get("authorizerResultTtlInSeconds"),
            }
            for item in client.get_authorizers(restApiId=api_id).get("items", [])
        },
        "policy": api.get("policy"),
    }


def main():
    command, value = sys.argv[1], sys.argv[2]
    client = boto3.client("apigateway")
    result = by_name(client, value) if command == "by-name" else by_id(client, value)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
