# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Build, break and read back the governance of the path_verify target's REST API with boto3.

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself). The
input is one JSON document on standard input::

    {"api_name", "stage", "tags", "services": [{"name", "path"}], "governance": <path_verify's option>, ...}

    python governance.py setup        authorizers, each service's methods (authorization, authorizer, API key),
                                      the partners' API keys and usage plans (created when missing)
                                      -> {"api_id", "authorizers": {name: id}, "plans": {name: id}, "keys": {name: id}}
    python governance.py deploy       a new deployment of the stage with "description" -> {"deployment_id"}
    python governance.py stage        the stage's settings (*/* throttle, metrics, tracing, the services' method
                                      throttles) and its web ACL (created when missing) -> {"web_acl_arn"}
    python governance.py method       one method ("path", "method") set to "authorization_type" (no authorizer)
    python governance.py plan-throttle  the plan "plan" gets the plan throttle "rate_limit" -> {}
    python governance.py tracing      the stage's X-Ray tracing set to "tracing" -> {}
    python governance.py state        {"methods": {"<METHOD> <path>": authorization type}, "plans": {name: throttle},
                                       "tracing": bool, "web_acl_arn"}
    python governance.py key-values   {"values": [the values of the partners' API keys]} (to prove none leaks)
    python governance.py cleanup      the usage plans, API keys and web ACL this script created -> {"deleted": [...]}

Everything it creates carries "tags" (ManagedBy=multiaccount.apigateway, multiaccount:gateway=<prefix>);
cleanup deletes only what carries them.
"""

import json
import sys

import boto3
import botocore
from botocore.config import Config

CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})


def client(name):
    return boto3.client(name, config=CONFIG)


def find_api(apigw, name):
    apis = apigw.get_paginator("get_rest_apis").paginate().build_full_result().get("items", [])
    found = [api for api in apis if api.get("name") == name]
    if len(found) != 1:
        raise SystemExit(f"expected one REST API named {name}, found {len(found)}")
    return found[0]


def resources(apigw, api_id):
    pages = apigw.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"])
    return {item["path"]: item for item in pages.build_full_result()["items"]}


def service_methods(items, path):
    """``[(resource, method name)]`` of a service: ``/<path>`` and ``/<path>/{proxy+}``."""
    base = "/" + path.strip("/")
    found = []
    for resource_path in (base, base + "/{proxy+}"):
        item = items.get(resource_path)
        for name in sorted((item or {}).get("resourceMethods") or {}):
            found.append((item, name))
    return found


def plans_by_name(apigw):
    items = apigw.get_paginator("get_usage_plans").paginate().build_full_result().get("items", [])
    return {plan["name"]: plan for plan in items}


def keys_by_name(apigw):
    items = apigw.get_paginator("get_api_keys").paginate().build_full_result().get("items", [])
    return {key["name"]: key for key in items}


def ours(tags, wanted):
    return all((tags or {}).get(key) == value for key, value in wanted.items())


def throttle(value):
    return {"rateLimit": float(value["rate_limit"]), "burstLimit": int(value["burst_limit"])}


def setup(doc):
    apigw = client("apigateway")
    api = find_api(apigw, doc["api_name"])
    gov = doc["governance"]
    existing = {item["name"]: item["id"] for item in apigw.get_authorizers(restApiId=api["id"]).get("items", [])}
    region = apigw.meta.region_name
    for item in gov.get("authorizers") or []:
        if item["name"] in existing:
            continue
        params = {
            "restApiId": api["id"],
            "name": item["name"],
            "type": item["type"],
            "identitySource": item.get("identity_source") or "method.request.header.Authorization",
            "authorizerResultTtlInSeconds": item.get("result_ttl") if item.get("result_ttl") is not None else 300,
        }
        if item.get("function_arn"):
            params["authorizerUri"] = (
                f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{item['function_arn']}/invocations"
            )
        if item.get("user_pool_arns"):
            params["providerARNs"] = list(item["user_pool_arns"])
        existing[item["name"]] = apigw.create_authorizer(**params)["id"]
    items = resources(apigw, api["id"])
    for service in doc["services"]:
        want = (gov.get("services") or {}).get(service["name"]) or {}
        for item, name in service_methods(items, service["path"]):
            method = item["resourceMethods"][name]
            ops = []
            kind = want.get("authorization") or "NONE"
            if method.get("authorizationType") != kind:
                ops.append({"op": "replace", "path": "/authorizationType", "value": kind})
            if want.get("authorizer") and method.get("authorizerId") != existing[want["authorizer"]]:
                ops.append({"op": "replace", "path": "/authorizerId", "value": existing[want["authorizer"]]})
            required = bool(want.get("api_key_required"))
            if bool(method.get("apiKeyRequired")) != required:
                ops.append({"op": "replace", "path": "/apiKeyRequired", "value": str(required).lower()})
            if ops:
                apigw.update_method(restApiId=api["id"], resourceId=item["id"], httpMethod=name, patchOperations=ops)
    plans, keys = plans_by_name(apigw), keys_by_name(apigw)
    for partner in gov.get("partners") or []:
        name = partner["resource_name"]
        if name not in keys:
            keys[name] = apigw.create_api_key(name=name, enabled=partner.get("enabled", True), tags=doc["tags"])
        if name not in plans:
            params = {
                "name": name,
                "apiStages": [
                    {
                        "apiId": api["id"],
                        "stage": doc["stage"],
                        "throttle": {key: throttle(value) for key, value in (partner.get("methods") or {}).items()},
                    }
                ],
                "tags": doc["tags"],
            }
            if partner.get("throttle"):
                params["throttle"] = throttle(partner["throttle"])
            if partner.get("quota"):
                params["quota"] = {
                    "limit": int(partner["quota"]["limit"]),
                    "period": partner["quota"]["period"],
                    "offset": int(partner["quota"].get("offset") or 0),
                }
            plans[name] = apigw.create_usage_plan(**params)
            apigw.create_usage_plan_key(usagePlanId=plans[name]["id"], keyId=keys[name]["id"], keyType="API_KEY")
    names = [partner["resource_name"] for partner in gov.get("partners") or []]
    return {
        "api_id": api["id"],
        "authorizers": existing,
        "plans": {name: plans[name]["id"] for name in names},
        "keys": {name: keys[name]["id"] for name in names},
    }


def deploy(doc):
    apigw = client("apigateway")
    api = find_api(apigw, doc["api_name"])
    deployment = apigw.create_deployment(restApiId=api["id"], stageName=doc["stage"], description=doc["description"])
    return {"deployment_id": deployment["id"]}


def stage_arn(apigw, api_id, stage):
    return f"arn:aws:apigateway:{apigw.meta.region_name}::/restapis/{api_id}/stages/{stage}"


def find_web_acl(wafv2, name):
    summaries = []
    marker = None
    while True:
        params = {"Scope": "REGIONAL", "Limit": 100}
        if marker:
            params["NextMarker"] = marker
        page = wafv2.list_web_acls(**params)
        summaries.extend(page.get("WebACLs") or [])
        marker = page.get("NextMarker")
        if not marker or not page.get("WebACLs"):
            break
    return next((item for item in summaries if item["Name"] == name), None)


def stage(doc):
    apigw, wafv2 = client("apigateway"), client("wafv2")
    api = find_api(apigw, doc["api_name"])
    gov = doc["governance"]
    want = gov.get("stage") or {}
    ops = []
    if want.get("throttle"):
        ops.append({"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(want["throttle"]["rate_limit"])})
        ops.append(
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(want["throttle"]["burst_limit"])}
        )
    ops.append({"op": "replace", "path": "/*/*/metrics/enabled", "value": str(bool(want.get("metrics"))).lower()})
    ops.append({"op": "replace", "path": "/tracingEnabled", "value": str(bool(want.get("tracing"))).lower()})
    items = resources(apigw, api["id"])
    for service in doc["services"]:
        limit = ((gov.get("services") or {}).get(service["name"]) or {}).get("throttle")
        if not limit:
            continue
        for item, name in service_methods(items, service["path"]):
            key = item["path"].replace("/", "~1") + "/" + name
            ops.append({"op": "replace", "path": f"/{key}/throttling/rateLimit", "value": str(limit["rate_limit"])})
            ops.append({"op": "replace", "path": f"/{key}/throttling/burstLimit", "value": str(limit["burst_limit"])})
    apigw.update_stage(restApiId=api["id"], stageName=doc["stage"], patchOperations=ops)
    acl_arn = None
    name = (want.get("web_acl") or {}).get("name")
    if name:
        summary = find_web_acl(wafv2, name)
        if summary is None:
            summary = wafv2.create_web_acl(
                Name=name,
                Scope="REGIONAL",
                DefaultAction={"Allow": {}},
                VisibilityConfig={
                    "SampledRequestsEnabled": False,
                    "CloudWatchMetricsEnabled": False,
                    "MetricName": name.replace("-", ""),
                },
                Tags=[{"Key": key, "Value": value} for key, value in doc["tags"].items()],
            )["Summary"]
        acl_arn = summary["ARN"]
        wafv2.associate_web_acl(WebACLArn=acl_arn, ResourceArn=stage_arn(apigw, api["id"], doc["stage"]))
    return {"web_acl_arn": acl_arn}


def method(doc):
    apigw = client("apigateway")
    api = find_api(apigw, doc["api_name"])
    item = resources(apigw, api["id"])[doc["path"]]
    apigw.update_method(
        restApiId=api["id"],
        resourceId=item["id"],
        httpMethod=doc["method"],
        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": doc["authorization_type"]}],
    )
    return {}


def plan_throttle(doc):
    apigw = client("apigateway")
    plan = plans_by_name(apigw)[doc["plan"]]
    apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[{"op": "replace", "path": "/throttle/rateLimit", "value": str(doc["rate_limit"])}],
    )
    return {}


def tracing(doc):
    apigw = client("apigateway")
    api = find_api(apigw, doc["api_name"])
    apigw.update_stage(
        restApiId=api["id"],
        stageName=doc["stage"],
        patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": str(bool(doc["tracing"])).lower()}],
    )
    return {}


def state(doc):
    apigw = client("apigateway")
    api = find_api(apigw, doc["api_name"])
    items = resources(apigw, api["id"])
    methods = {}
    for service in doc["services"]:
        for item, name in service_methods(items, service["path"]):
            methods[f"{name} {item['path']}"] = item["resourceMethods"][name].get("authorizationType")
    plans = plans_by_name(apigw)
    names = [partner["resource_name"] for partner in doc["governance"].get("partners") or []]
    current = apigw.get_stage(restApiId=api["id"], stageName=doc["stage"])
    return {
        "methods": methods,
        "plans": {name: (plans.get(name) or {}).get("throttle") for name in names},
        "tracing": bool(current.get("tracingEnabled")),
        "web_acl_arn": current.get("webAclArn"),
    }


def key_values(doc):
    apigw = client("apigateway")
    keys = keys_by_name(apigw)
    values = []
    for partner in doc["governance"].get("partners") or []:
        key = keys.get(partner["resource_name"])
        if key:
            values.append(apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"])
    return {"values": values}


def cleanup(doc):
    apigw, wafv2 = client("apigateway"), client("wafv2")
    deleted = []
    names = [partner["resource_name"] for partner in doc["governance"].get("partners") or []]
    plans, keys = plans_by_name(apigw), keys_by_name(apigw)
    for name in names:
        plan = plans.get(name)
        if plan and ours(plan.get("tags"), doc["tags"]):
            for entry in plan.get("apiStages") or []:
                value = f"{entry['apiId']}:{entry['stage']}"
                apigw.update_usage_plan(
                    usagePlanId=plan["id"], patchOperations=[{"op": "remove", "path": "/apiStages", "value": value}]
                )
            apigw.delete_usage_plan(usagePlanId=plan["id"])
            deleted.append(f"usage plan {name}")
        key = keys.get(name)
        if key and ours(key.get("tags"), doc["tags"]):
            apigw.delete_api_key(apiKey=key["id"])
            deleted.append(f"API key {name}")
    name = ((doc["governance"].get("stage") or {}).get("web_acl") or {}).get("name")
    summary = find_web_acl(wafv2, name) if name else None
    if summary:
        try:
            api = find_api(apigw, doc["api_name"])
            wafv2.disassociate_web_acl(ResourceArn=stage_arn(apigw, api["id"], doc["stage"]))
        except (SystemExit, botocore.exceptions.ClientError):
            pass
        tags = wafv2.list_tags_for_resource(ResourceARN=summary["ARN"]).get("TagInfoForResource", {})
        found = {item["Key"]: item["Value"] for item in tags.get("TagList") or []}
        if ours(found, doc["tags"]):
            lock = wafv2.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["LockToken"]
            wafv2.delete_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"], LockToken=lock)
            deleted.append(f"web ACL {name}")
    return {"deleted": deleted}


COMMANDS = {
    "setup": setup,
    "deploy": deploy,
    "stage": stage,
    "method": method,
    "plan-throttle": plan_throttle,
    "tracing": tracing,
    "state": state,
    "key-values": key_values,
    "cleanup": cleanup,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        raise SystemExit(f"usage: governance.py {'|'.join(COMMANDS)} < input.json")
    doc = json.load(sys.stdin)
    print(json.dumps(COMMANDS[sys.argv[1]](doc), default=str))


if __name__ == "__main__":
    main()
