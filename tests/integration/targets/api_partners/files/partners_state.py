# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read back what the api_partners target changed, straight from API Gateway (not from the module).

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself).

    python partners_state.py state <api id> <stage> <name>...  -> {"plans": {name: [plan]}, "keys": {name: [key]}}
        plan: {"id", "tags", "quota", "throttle", "description", "stages": {"<api>:<stage>": throttle map},
               "keys": [ids of the keys on it]}; key: {"id", "enabled", "description", "tags"}
    python partners_state.py values                          -> {"values": [every API key value]}
    python partners_state.py foreign-plan <name> <api> <stage> -> {"id"} (an untagged plan bound to the stage)
    python partners_state.py delete-plan <id>                -> {"deleted": bool} (its stages removed first)
"""

import json
import sys

import boto3
import botocore


def items(client, operation, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result().get("items", [])


def state(client, api_id, stage, names):
    plans = {name: [] for name in names}
    for plan in items(client, "get_usage_plans"):
        if plan["name"] not in plans:
            continue
        keys = items(client, "get_usage_plan_keys", usagePlanId=plan["id"])
        plans[plan["name"]].append(
            {
                "id": plan["id"],
                "tags": plan.get("tags") or {},
                "description": plan.get("description"),
                "quota": plan.get("quota"),
                "throttle": plan.get("throttle"),
                "stages": {f"{s['apiId']}:{s['stage']}": s.get("throttle") or {} for s in plan.get("apiStages") or []},
                "keys": sorted(key["id"] for key in keys),
            }
        )
    keys = {name: [] for name in names}
    for key in items(client, "get_api_keys"):
        if key["name"] in keys:
            keys[key["name"]].append(
                {
                    "id": key["id"],
                    "enabled": key["enabled"],
                    "description": key.get("description"),
                    "tags": key.get("tags") or {},
                }
            )
    return {"plans": plans, "keys": keys}


def values(client):
    return {
        "values": [
            client.get_api_key(apiKey=key["id"], includeValue=True)["value"] for key in items(client, "get_api_keys")
        ]
    }


def foreign_plan(client, name, api_id, stage):
    return {"id": client.create_usage_plan(name=name, apiStages=[{"apiId": api_id, "stage": stage}])["id"]}


def delete_plan(client, plan_id):
    try:
        plan = client.get_usage_plan(usagePlanId=plan_id)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return {"deleted": False}
        raise
    ops = [
        {"op": "remove", "path": "/apiStages", "value": f"{s['apiId']}:{s['stage']}"}
        for s in plan.get("apiStages") or []
    ]
    if ops:
        client.update_usage_plan(usagePlanId=plan_id, patchOperations=ops)
    client.delete_usage_plan(usagePlanId=plan_id)
    return {"deleted": True}


def main():
    client = boto3.client("apigateway")
    command, args = sys.argv[1], sys.argv[2:]
    if command == "state":
        result = state(client, args[0], args[1], args[2:])
    elif command == "values":
        result = values(client)
    elif command == "foreign-plan":
        result = foreign_plan(client, *args)
    else:
        result = delete_plan(client, args[0])
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
