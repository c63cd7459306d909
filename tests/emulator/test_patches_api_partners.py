# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Regression tests of the usage plan patches G24 and G25 (tools/emulator/patches.py) that
multiaccount.apigateway.api_partners relies on.

Each test holds on AWS and on the patched emulator, and fails on stock moto 5.2.5: start the emulator
with ``EMULATOR_DISABLE_PATCHES=G24`` (or ``G25``) and point ``EMULATOR_URL`` at it to see it fail.
"""

import pytest
from botocore.exceptions import ClientError


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def make_stage(ag):
    """A REST API with a deployed stage v1 (one GET on the root) and a second stage v2."""
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    root = api["rootResourceId"]
    ag.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    ag.create_deployment(restApiId=api["id"], stageName="v1")
    ag.create_deployment(restApiId=api["id"], stageName="v2")
    return api["id"]


def stage_throttle(plan, api_id, stage="v1"):
    for item in plan.get("apiStages") or []:
        if item["apiId"] == api_id and item["stage"] == stage:
            return item.get("throttle") or {}
    return None


def test_g24_update_usage_plan_patches_per_method_throttles(aws):
    ag = aws.client("apigateway")
    api = make_stage(ag)
    plan = ag.create_usage_plan(
        name="fintech-a",
        apiStages=[{"apiId": api, "stage": "v1", "throttle": {"/cards/ANY": {"rateLimit": 1.0, "burstLimit": 1}}}],
    )
    base = f"/apiStages/{api}:v1/throttle"
    ops = [
        {"op": "replace", "path": f"{base}/~1payments/ANY/rateLimit", "value": "2.5"},
        {"op": "replace", "path": f"{base}/~1payments/ANY/burstLimit", "value": "5"},
        {"op": "replace", "path": f"{base}/~1payments~1{{proxy+}}/ANY/rateLimit", "value": "0"},
        {"op": "replace", "path": f"{base}/~1payments~1{{proxy+}}/ANY/burstLimit", "value": "0"},
        {"op": "remove", "path": f"{base}/~1cards/ANY"},
    ]
    updated = ag.update_usage_plan(usagePlanId=plan["id"], patchOperations=ops)
    expected = {
        "/payments/ANY": {"rateLimit": 2.5, "burstLimit": 5},
        "/payments/{proxy+}/ANY": {"rateLimit": 0.0, "burstLimit": 0},
    }
    assert stage_throttle(updated, api) == expected
    assert stage_throttle(ag.get_usage_plan(usagePlanId=plan["id"]), api) == expected
    ag.update_usage_plan(usagePlanId=plan["id"], patchOperations=[{"op": "remove", "path": base}])
    assert stage_throttle(ag.get_usage_plan(usagePlanId=plan["id"]), api) == {}
    # a stage the plan does not have
    with pytest.raises(ClientError) as excinfo:
        ag.update_usage_plan(
            usagePlanId=plan["id"],
            patchOperations=[
                {"op": "replace", "path": f"/apiStages/{api}:v2/throttle/~1x/GET/rateLimit", "value": "1"}
            ],
        )
    assert error_code(excinfo) == "NotFoundException"


def test_g24_update_usage_plan_types_values_and_removes_throttled_stages(aws):
    ag = aws.client("apigateway")
    api = make_stage(ag)
    plan = ag.create_usage_plan(
        name="fintech-b",
        apiStages=[
            {"apiId": api, "stage": "v1", "throttle": {"/x/GET": {"rateLimit": 1.0, "burstLimit": 1}}},
            {"apiId": api, "stage": "v2"},
        ],
    )
    ops = [
        {"op": "add", "path": "/throttle/rateLimit", "value": "7.5"},
        {"op": "add", "path": "/throttle/burstLimit", "value": "3"},
        {"op": "add", "path": "/quota/limit", "value": "500"},
        {"op": "add", "path": "/quota/period", "value": "WEEK"},
        {"op": "add", "path": "/quota/offset", "value": "2"},
        {"op": "remove", "path": "/apiStages", "value": f"{api}:v1"},
    ]
    ag.update_usage_plan(usagePlanId=plan["id"], patchOperations=ops)
    current = ag.get_usage_plan(usagePlanId=plan["id"])
    assert current["throttle"] == {"rateLimit": 7.5, "burstLimit": 3}
    assert current["quota"] == {"limit": 500, "period": "WEEK", "offset": 2}
    assert [(s["apiId"], s["stage"]) for s in current["apiStages"]] == [(api, "v2")]
    # an unknown path, or a stage the plan does not have, changes nothing
    for bad in (
        [
            {"op": "replace", "path": "/throttle/rateLimit", "value": "1"},
            {"op": "replace", "path": "/nope", "value": "x"},
        ],
        [{"op": "remove", "path": "/apiStages", "value": f"{api}:v1"}],
    ):
        with pytest.raises(ClientError) as excinfo:
            ag.update_usage_plan(usagePlanId=plan["id"], patchOperations=bad)
        assert error_code(excinfo) == "BadRequestException"
    assert ag.get_usage_plan(usagePlanId=plan["id"])["throttle"]["rateLimit"] == 7.5


def test_g25_delete_usage_plan_refused_while_bound_to_a_stage(aws):
    ag = aws.client("apigateway")
    api = make_stage(ag)
    plan = ag.create_usage_plan(name="fintech-a", apiStages=[{"apiId": api, "stage": "v1"}])
    key = ag.create_api_key(name="fintech-a", enabled=True)
    ag.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    with pytest.raises(ClientError) as excinfo:
        ag.delete_usage_plan(usagePlanId=plan["id"])
    assert error_code(excinfo) == "BadRequestException"
    assert f"{api}:v1" in excinfo.value.response["Error"]["Message"]
    assert ag.get_usage_plan(usagePlanId=plan["id"])["id"] == plan["id"]

    ag.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    with pytest.raises(ClientError) as excinfo:
        ag.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert error_code(excinfo) == "NotFoundException"
    ag.update_usage_plan(
        usagePlanId=plan["id"], patchOperations=[{"op": "remove", "path": "/apiStages", "value": f"{api}:v1"}]
    )
    ag.delete_usage_plan(usagePlanId=plan["id"])
    assert ag.get_usage_plans()["items"] == []
    with pytest.raises(ClientError) as excinfo:
        ag.delete_usage_plan(usagePlanId=plan["id"])
    assert error_code(excinfo) == "NotFoundException"
