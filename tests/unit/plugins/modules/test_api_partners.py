# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""api_partners against moto in-process (no network), every API call recorded.

In-process moto lacks the emulator's patches; the fixture applies G24 (UpdateUsagePlan patches
per-method throttles and typed values as AWS does) and G25 (DeleteUsagePlan refuses a plan bound to
API stages) from tools/emulator/patches.py and undoes them after each test.
"""

import importlib.util
import json
import os

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import api_partners

from .moto_harness import mocked_aws, record_api_calls, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
TAGS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}
READS = ["GetUsagePlans", "GetApiKeys"]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    """moto with the emulator's patches G24 and G25."""
    spec = importlib.util.spec_from_file_location(
        "emulator_patches", os.path.join(ROOT, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    from moto.apigateway.models import APIGatewayBackend, UsagePlan

    monkeypatch.setattr(UsagePlan, "apply_patch_operations", UsagePlan.apply_patch_operations)
    monkeypatch.setattr(APIGatewayBackend, "delete_usage_plan", APIGatewayBackend.delete_usage_plan)
    monkeypatch.setattr(APIGatewayBackend, "delete_usage_plan_key", APIGatewayBackend.delete_usage_plan_key)
    patches.patch_G24()
    patches.patch_G25()
    with mocked_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def ag():
    return boto3.client("apigateway", region_name=REGION)


@pytest.fixture
def api(ag):
    """A REST API with a deployed stage v1 (and v2)."""
    rest_api = ag.create_rest_api(name="open-banking")
    root = rest_api["rootResourceId"]
    ag.put_method(restApiId=rest_api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=rest_api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    ag.create_deployment(restApiId=rest_api["id"], stageName="v1")
    ag.create_deployment(restApiId=rest_api["id"], stageName="v2")
    return rest_api["id"]


@pytest.fixture
def calls(monkeypatch):
    return record_api_calls(monkeypatch)


def partner_a(**extra):
    partner = {
        "name": "open-banking-fintech-a",
        "description": "Fintech A",
        "quota": {"limit": 1000, "period": "MONTH", "offset": 3},
        "throttle": {"rate_limit": 50, "burst_limit": 100},
        "methods": {
            "/payments/ANY": {"rate_limit": 2.5, "burst_limit": 5},
            "/cards/ANY": {"rate_limit": 0, "burst_limit": 0},
        },
    }
    partner.update(extra)
    return partner


def partner_b(**extra):
    partner = {"name": "open-banking-fintech-b", "quota": {"limit": 500, "period": "DAY"}}
    partner.update(extra)
    return partner


def run(api_id, capsys, partners=None, check_mode=False, **extra):
    args = {"rest_api_id": api_id, "stage_name": "v1", "tags": TAGS}
    if partners is not None:
        args["partners"] = partners
    args.update(extra)
    return run_module(api_partners.main, args, capsys, check_mode, REGION)


def plans_by_name(ag):
    return {plan["name"]: plan for plan in ag.get_usage_plans()["items"]}


def keys_by_name(ag):
    return {key["name"]: key for key in ag.get_api_keys()["items"]}


def plan_key_ids(ag, plan_id):
    return sorted(item["id"] for item in ag.get_usage_plan_keys(usagePlanId=plan_id)["items"])


def stage_throttle(plan, api_id, stage="v1"):
    for item in plan.get("apiStages") or []:
        if item["apiId"] == api_id and item["stage"] == stage:
            return item.get("throttle") or {}
    return None


def values(ag):
    """Every API key value, read with includeValue (what must never show up in a result)."""
    return [ag.get_api_key(apiKey=key["id"], includeValue=True)["value"] for key in ag.get_api_keys()["items"]]


def assert_no_value(ag, result):
    text = json.dumps(result)
    for value in values(ag):
        assert value and value not in text


# ------------------------------------------------------------------------------- create


def test_create_two_partners_reads_back(ag, api, capsys, calls):
    result = run(api, capsys, [partner_a(), partner_b()])
    assert result["changed"], result
    plans, keys = plans_by_name(ag), keys_by_name(ag)
    a, b = plans["open-banking-fintech-a"], plans["open-banking-fintech-b"]
    assert a["quota"] == {"limit": 1000, "period": "MONTH", "offset": 3}
    assert a["throttle"] == {"rateLimit": 50.0, "burstLimit": 100}
    assert stage_throttle(a, api) == {
        "/payments/ANY": {"rateLimit": 2.5, "burstLimit": 5},
        "/cards/ANY": {"rateLimit": 0.0, "burstLimit": 0},
    }
    assert a["tags"] == TAGS and b["tags"] == TAGS
    assert stage_throttle(b, api) == {} and "throttle" not in b
    assert keys["open-banking-fintech-a"]["enabled"] and keys["open-banking-fintech-a"]["tags"] == TAGS
    assert keys["open-banking-fintech-a"]["description"] == "Fintech A"
    assert plan_key_ids(ag, a["id"]) == [keys["open-banking-fintech-a"]["id"]]
    assert plan_key_ids(ag, b["id"]) == [keys["open-banking-fintech-b"]["id"]]
    assert [p["name"] for p in result["partners"]] == ["open-banking-fintech-a", "open-banking-fintech-b"]
    assert result["partners"][0]["api_key_id"] == keys["open-banking-fintech-a"]["id"]
    assert result["partners"][0]["usage_plan_id"] == a["id"]
    assert result["partners"][0]["methods"]["/payments/ANY"] == {"rate_limit": 2.5, "burst_limit": 5}
    assert writes(calls) == ["CreateApiKey", "CreateUsagePlan", "CreateUsagePlanKey"] * 2
    assert result["changes"][:2] == [
        "create API key open-banking-fintech-a",
        "create usage plan open-banking-fintech-a",
    ]
    assert result["changes"][2] == (
        f"add API key {keys['open-banking-fintech-a']['id']} to usage plan open-banking-fintech-a ({a['id']})"
    )
    assert result["diff"]["before"] == {"partners": {}}
    assert set(result["diff"]["after"]["partners"]) == {"open-banking-fintech-a", "open-banking-fintech-b"}
    assert_no_value(ag, result)


def test_check_mode_writes_nothing_and_predicts(ag, api, capsys, calls):
    result = run(api, capsys, [partner_a(), partner_b()], check_mode=True)
    assert result["changed"]
    assert writes(calls) == []
    assert plans_by_name(ag) == {} and keys_by_name(ag) == {}
    assert [(p["api_key_id"], p["usage_plan_id"]) for p in result["partners"]] == [(None, None)] * 2
    assert "add API key (new) to usage plan open-banking-fintech-a ((new))" in result["changes"]
    assert len(result["changes"]) == 6


# ------------------------------------------------------------------------------- idempotence


def test_second_run_reads_only_and_pins_the_call_list(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    del calls[:]
    result = run(api, capsys, [partner_a(), partner_b()])
    assert not result["changed"], result["changes"]
    assert result["changes"] == []
    assert calls == READS + ["GetUsagePlanKeys", "GetUsagePlanKeys"]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert_no_value(ag, result)


def test_no_value_in_results_with_and_without_diff(ag, api, capsys, monkeypatch):
    created = run(api, capsys, [partner_a(), partner_b()], _ansible_diff=True)
    again = run(api, capsys, [partner_a(), partner_b()], _ansible_diff=True)
    plain = run(api, capsys, [partner_a(), partner_b()])
    checked = run(api, capsys, [partner_a(enabled=False)], check_mode=True, _ansible_diff=True)
    assert len(values(ag)) == 2
    for result in (created, again, plain, checked):
        assert_no_value(ag, result)


def test_check_mode_on_drift_makes_no_write(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    del calls[:]
    result = run(
        api,
        capsys,
        [partner_a(enabled=False, quota=None), partner_b(throttle={"rate_limit": 1, "burst_limit": 1})],
        check_mode=True,
    )
    assert result["changed"]
    assert writes(calls) == []
    assert keys_by_name(ag)["open-banking-fintech-a"]["enabled"]
    assert plans_by_name(ag)["open-banking-fintech-a"]["quota"]["limit"] == 1000


# ------------------------------------------------------------------------------- drift


def test_quota_change_touches_only_that_plan(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    before = plans_by_name(ag)
    del calls[:]
    result = run(api, capsys, [partner_a(), partner_b(quota={"limit": 900, "period": "WEEK", "offset": 6})])
    assert writes(calls) == ["UpdateUsagePlan"]
    after = plans_by_name(ag)
    assert after["open-banking-fintech-b"]["quota"] == {"limit": 900, "period": "WEEK", "offset": 6}
    assert after["open-banking-fintech-a"] == before["open-banking-fintech-a"]
    plan_id = after["open-banking-fintech-b"]["id"]
    assert result["changes"] == [
        f"update usage plan open-banking-fintech-b ({plan_id}: replace /quota/limit, replace /quota/period, "
        "replace /quota/offset)"
    ]
    assert result["diff"]["before"]["partners"]["open-banking-fintech-b"]["quota"]["limit"] == 500
    assert result["diff"]["after"]["partners"]["open-banking-fintech-b"]["quota"]["limit"] == 900


def test_methods_reconciled_to_exactly_the_map(ag, api, capsys, calls):
    run(api, capsys, [partner_a()])
    methods = {
        "/payments/ANY": {"rate_limit": 3, "burst_limit": 5},
        "/payments/{proxy+}/ANY": {"rate_limit": 1, "burst_limit": 2},
    }
    result = run(api, capsys, [partner_a(methods=methods)])
    plan = plans_by_name(ag)["open-banking-fintech-a"]
    assert stage_throttle(plan, api) == {
        "/payments/ANY": {"rateLimit": 3.0, "burstLimit": 5},
        "/payments/{proxy+}/ANY": {"rateLimit": 1.0, "burstLimit": 2},
    }
    ops = result["changes"][0]
    assert f"remove /apiStages/{api}:v1/throttle/~1cards/ANY" in ops
    assert f"replace /apiStages/{api}:v1/throttle/~1payments~1{{proxy+}}/ANY/rateLimit" in ops
    assert run(api, capsys, [partner_a(methods=methods)])["changed"] is False
    run(api, capsys, [partner_a(methods={})])
    assert stage_throttle(plans_by_name(ag)["open-banking-fintech-a"], api) == {}


def test_disable_key_keeps_it(ag, api, capsys, calls):
    run(api, capsys, [partner_a()])
    key = keys_by_name(ag)["open-banking-fintech-a"]
    value = ag.get_api_key(apiKey=key["id"], includeValue=True)["value"]
    del calls[:]
    result = run(api, capsys, [partner_a(enabled=False, description="Fintech A, suspended")])
    assert writes(calls) == ["UpdateApiKey", "UpdateUsagePlan"]
    after = ag.get_api_key(apiKey=key["id"], includeValue=True)
    assert (after["enabled"], after["value"], after["description"]) == (False, value, "Fintech A, suspended")
    assert result["partners"][0]["api_key_id"] == key["id"] and result["partners"][0]["enabled"] is False
    assert_no_value(ag, result)


def test_remove_quota_and_throttle(ag, api, capsys):
    run(api, capsys, [partner_a()])
    run(api, capsys, [partner_a(quota=None, throttle=None)])
    plan = plans_by_name(ag)["open-banking-fintech-a"]
    assert "quota" not in plan and "throttle" not in plan
    assert run(api, capsys, [partner_a(quota=None, throttle=None)])["changed"] is False


def test_add_quota_and_throttle_to_a_plan_without(ag, api, capsys):
    run(api, capsys, [partner_b()])
    result = run(api, capsys, [partner_b(quota=None)])
    result = run(api, capsys, [partner_b(throttle={"rate_limit": 7.5, "burst_limit": 3})])
    assert "add /quota/limit" in result["changes"][0] and "add /throttle/rateLimit" in result["changes"][0]
    plan = plans_by_name(ag)["open-banking-fintech-b"]
    assert plan["throttle"] == {"rateLimit": 7.5, "burstLimit": 3}
    assert plan["quota"] == {"limit": 500, "period": "DAY", "offset": 0}


# ------------------------------------------------------------------------------- keys on plans


def test_other_key_of_ours_removed_foreign_key_left_with_warning(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    plans, keys = plans_by_name(ag), keys_by_name(ag)
    plan_a = plans["open-banking-fintech-a"]["id"]
    ag.create_usage_plan_key(usagePlanId=plan_a, keyId=keys["open-banking-fintech-b"]["id"], keyType="API_KEY")
    foreign = ag.create_api_key(name="someone-else", enabled=True)["id"]
    ag.create_usage_plan_key(usagePlanId=plan_a, keyId=foreign, keyType="API_KEY")
    del calls[:]
    result = run(api, capsys, [partner_a(), partner_b()])
    assert writes(calls) == ["DeleteUsagePlanKey"]
    assert plan_key_ids(ag, plan_a) == sorted([keys["open-banking-fintech-a"]["id"], foreign])
    assert any(foreign in str(warning) and "left on the plan" in str(warning) for warning in result["warnings"]), result
    assert_no_value(ag, result)


def test_missing_association_is_restored(ag, api, capsys, calls):
    run(api, capsys, [partner_a()])
    plan, key = plans_by_name(ag)["open-banking-fintech-a"], keys_by_name(ag)["open-banking-fintech-a"]
    ag.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    del calls[:]
    result = run(api, capsys, [partner_a()])
    # The key is on no plan: adopted (GetUsagePlans with keyId), never recreated.
    assert calls == READS + ["GetUsagePlanKeys", "GetUsagePlans", "CreateUsagePlanKey"]
    assert plan_key_ids(ag, plan["id"]) == [key["id"]]
    assert result["partners"][0]["api_key_id"] == key["id"]


def test_key_left_after_an_interrupted_run_is_adopted(ag, api, capsys, calls):
    key = ag.create_api_key(name="open-banking-fintech-a", enabled=True, tags=TAGS)["id"]
    del calls[:]
    result = run(api, capsys, [partner_a()])
    assert writes(calls) == ["UpdateApiKey", "CreateUsagePlan", "CreateUsagePlanKey"]
    assert keys_by_name(ag)["open-banking-fintech-a"]["id"] == key
    assert result["partners"][0]["api_key_id"] == key


def test_key_of_another_plan_is_not_adopted(ag, api, capsys):
    other = ag.create_usage_plan(name="elsewhere", tags=TAGS)["id"]
    key = ag.create_api_key(name="open-banking-fintech-a", enabled=True, tags=TAGS)["id"]
    ag.create_usage_plan_key(usagePlanId=other, keyId=key, keyType="API_KEY")
    result = run(api, capsys, [partner_a()])
    assert result["partners"][0]["api_key_id"] != key
    assert plan_key_ids(ag, other) == [key]


def test_unbound_plan_of_ours_is_adopted(ag, api, capsys, calls):
    plan = ag.create_usage_plan(
        name="open-banking-fintech-b", tags=TAGS, quota={"limit": 500, "period": "DAY", "offset": 0}
    )
    del calls[:]
    result = run(api, capsys, [partner_b()])
    assert writes(calls) == ["CreateApiKey", "UpdateUsagePlan", "CreateUsagePlanKey"]
    assert stage_throttle(plans_by_name(ag)["open-banking-fintech-b"], api) == {}
    assert result["partners"][0]["usage_plan_id"] == plan["id"]
    assert "add /apiStages" in result["changes"][1]


# ------------------------------------------------------------------------------- ownership


def test_foreign_plan_with_the_name_fails_before_any_write(ag, api, capsys, calls):
    foreign = ag.create_usage_plan(name="open-banking-fintech-b", apiStages=[{"apiId": api, "stage": "v1"}])["id"]
    del calls[:]
    result = run(api, capsys, [partner_a(), partner_b()])
    assert result["failed"]
    assert writes(calls) == []
    assert (
        f"partners[1].name: a usage plan named 'open-banking-fintech-b' exists without "
        f"ManagedBy=multiaccount.apigateway ({foreign}); rename the partner or delete/tag it" in result["msg"]
    )
    assert list(plans_by_name(ag)) == ["open-banking-fintech-b"]


def test_foreign_key_with_the_name_fails(ag, api, capsys, calls):
    foreign = ag.create_api_key(name="open-banking-fintech-a", enabled=True)["id"]
    del calls[:]
    result = run(api, capsys, [partner_a()])
    assert result["failed"] and "an API key named 'open-banking-fintech-a' exists without" in result["msg"]
    assert foreign in result["msg"]
    assert writes(calls) == []
    assert_no_value(ag, result)


def test_plan_of_another_gateway_is_left_alone(ag, api, capsys):
    other_tags = dict(TAGS, **{"multiaccount:gateway": "other"})
    other = ag.create_usage_plan(name="old-partner", apiStages=[{"apiId": api, "stage": "v1"}], tags=other_tags)["id"]
    result = run(api, capsys, [partner_a()])
    assert other in [plan["id"] for plan in ag.get_usage_plans()["items"]]
    assert not any("old-partner" in change for change in result["changes"])


def test_managed_by_must_not_be_changed(api, capsys, calls):
    result = run(api, capsys, [partner_a()], tags={"ManagedBy": "someone"})
    assert result["failed"] and result["msg"].startswith("tags.ManagedBy: 'someone' must be")
    assert calls == []


# ------------------------------------------------------------------------------- removal


def test_purge_removes_a_partner_and_keeps_the_other(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    plans, keys = plans_by_name(ag), keys_by_name(ag)
    del calls[:]
    result = run(api, capsys, [partner_a()])
    assert writes(calls) == ["DeleteUsagePlanKey", "UpdateUsagePlan", "DeleteUsagePlan", "DeleteApiKey"]
    assert list(plans_by_name(ag)) == ["open-banking-fintech-a"]
    assert list(keys_by_name(ag)) == ["open-banking-fintech-a"]
    assert plans_by_name(ag)["open-banking-fintech-a"] == plans["open-banking-fintech-a"]
    b = plans["open-banking-fintech-b"]["id"]
    assert result["changes"][1] == f"update usage plan open-banking-fintech-b ({b}: remove /apiStages)"
    assert "open-banking-fintech-b" in result["diff"]["before"]["partners"]
    assert "open-banking-fintech-b" not in result["diff"]["after"]["partners"]
    assert (
        keys["open-banking-fintech-b"]["id"]
        in result["diff"]["before"]["partners"]["open-banking-fintech-b"]["api_key_id"]
    )


def test_no_purge_keeps_unlisted_partners(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    del calls[:]
    result = run(api, capsys, [partner_a()], purge_partners=False)
    assert not result["changed"]
    assert calls == READS + ["GetUsagePlanKeys"]


def test_plan_bound_to_another_stage_only_leaves_this_one(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    plan_b = plans_by_name(ag)["open-banking-fintech-b"]["id"]
    ag.update_usage_plan(
        usagePlanId=plan_b, patchOperations=[{"op": "add", "path": "/apiStages", "value": f"{api}:v2"}]
    )
    del calls[:]
    result = run(api, capsys, [partner_a()])
    assert writes(calls) == ["UpdateUsagePlan"]
    plan = plans_by_name(ag)["open-banking-fintech-b"]
    assert [(s["apiId"], s["stage"]) for s in plan["apiStages"]] == [(api, "v2")]
    assert "open-banking-fintech-b" in keys_by_name(ag)
    assert any("also bound to" in str(warning) for warning in result["warnings"]), result
    assert run(api, capsys, [partner_a()])["changed"] is False


def test_absent_removes_everything_ours_and_is_idempotent(ag, api, capsys, calls):
    run(api, capsys, [partner_a(), partner_b()])
    foreign = ag.create_usage_plan(name="foreign", apiStages=[{"apiId": api, "stage": "v1"}])["id"]
    del calls[:]
    checked = run(api, capsys, state="absent", check_mode=True)
    assert checked["changed"] and writes(calls) == []
    result = run(api, capsys, state="absent")
    assert result["changed"] and result["partners"] == []
    assert list(plans_by_name(ag)) == ["foreign"] and keys_by_name(ag) == {}
    assert set(result["diff"]["before"]["partners"]) == {"open-banking-fintech-a", "open-banking-fintech-b"}
    assert result["diff"]["after"] == {"partners": {}}
    del calls[:]
    again = run(api, capsys, state="absent")
    assert not again["changed"] and calls == READS
    assert plans_by_name(ag)["foreign"]["id"] == foreign


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "partners, message",
    [
        (
            [partner_a(), partner_b(quota={"limit": 5, "period": "YEAR"})],
            "partners[1].quota.period: 'YEAR' is not one of",
        ),
        ([partner_a(quota={"limit": 5, "period": "WEEK", "offset": 7})], "partners[0].quota.offset: 7 must be 0-6"),
        ([partner_a(quota={"limit": 0, "period": "DAY"})], "partners[0].quota.limit: 0 is too small"),
        ([partner_a(), partner_a()], "partners[1].name: 'open-banking-fintech-a' is also partners[0].name"),
        ([{"name": "bad name"}], "partners[0].name: 'bad name' is not a valid name"),
        ([partner_a(methods={"/payments": {"rate_limit": 1, "burst_limit": 1}})], "partners[0].methods['/payments']"),
        (
            [partner_a(throttle={"rate_limit": -1, "burst_limit": 1})],
            "partners[0].throttle.rate_limit: -1.0 is too small",
        ),
    ],
)
def test_bad_input_fails_before_any_call(api, capsys, calls, partners, message):
    result = run(api, capsys, partners)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert calls == []


def test_bad_rest_api_id_fails_before_any_call(capsys, calls):
    result = run("not-an-id!", capsys, [partner_a()])
    assert result["failed"] and result["msg"].startswith("rest_api_id: 'not-an-id!' is not a REST API id")
    assert calls == []
