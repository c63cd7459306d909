# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of module_utils/usage_plans.py (no AWS): validation, normalisation, ownership, patch
operations and the writes of a run; plus the value-dropping boundary with a fake client."""

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import usage_plans as up

API = "a1b2c3d4e5"
STAGE = f"{API}:v1"
OWN = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}


def partner(name="fintech-a", **extra):
    value = {"name": name, "description": None, "enabled": True, "quota": None, "throttle": None, "methods": {}}
    value.update(extra)
    return value


def plan(plan_id="p1", name="fintech-a", tags=None, stages=None, **raw):
    item = {"id": plan_id, "name": name, "tags": OWN if tags is None else tags}
    item["apiStages"] = [{"apiId": API, "stage": "v1"}] if stages is None else stages
    item.update(raw)
    return up.normalise_plan(item, API, "v1")


def key(key_id="k1", name="fintech-a", tags=None, enabled=True, created="2025-01-01"):
    return up.normalise_key(
        {"id": key_id, "name": name, "tags": OWN if tags is None else tags, "enabled": enabled, "createdDate": created}
    )


# ------------------------------------------------------------------------------- validation


def test_validate_partners_normalises_and_applies_defaults():
    result = up.validate_partners(
        [
            {
                "name": "fintech-a",
                "quota": {"limit": "100", "period": "week", "offset": None},
                "throttle": {"rate_limit": 2, "burst_limit": "3"},
                "methods": {
                    "/payments/any": {"rate_limit": 0, "burst_limit": 0},
                    "//GET": {"rate_limit": 1.5, "burst_limit": 1},
                },
            },
            {"name": "fintech-b", "enabled": False, "description": "B"},
        ]
    )
    assert result[0] == {
        "name": "fintech-a",
        "description": None,
        "enabled": True,
        "quota": {"limit": 100, "period": "WEEK", "offset": 0},
        "throttle": {"rate_limit": 2.0, "burst_limit": 3},
        "methods": {
            "/payments/ANY": {"rate_limit": 0.0, "burst_limit": 0},
            "//GET": {"rate_limit": 1.5, "burst_limit": 1},
        },
    }
    assert result[1]["enabled"] is False and result[1]["description"] == "B" and result[1]["methods"] == {}
    assert up.validate_partners(None) == [] and up.validate_partners([]) == []


@pytest.mark.parametrize(
    "partners, message",
    [
        ([{"name": None}], "partners[0].name: None is not a valid name"),
        ([{"name": "-x"}], "partners[0].name: '-x' is not a valid name"),
        ([{"name": "a" * 129}], "partners[0].name: "),
        ([{"name": "a"}, {"name": "a"}], "partners[1].name: 'a' is also partners[0].name; names are unique"),
        (["x"], "partners[0]: expected a dict"),
        ([{"name": "a", "quota": {"limit": 10}}], "partners[0].quota.period: None is not one of DAY, WEEK, MONTH"),
        ([{"name": "a", "quota": {"period": "DAY"}}], "partners[0].quota.limit: None is not a whole number"),
        (
            [{"name": "a", "quota": {"limit": 1.5, "period": "DAY"}}],
            "partners[0].quota.limit: 1.5 is not a whole number",
        ),
        ([{"name": "a", "quota": {"limit": -1, "period": "DAY"}}], "partners[0].quota.limit: -1 is too small"),
        ([{"name": "a", "quota": {"limit": True, "period": "DAY"}}], "partners[0].quota.limit: True is not"),
        (
            [{"name": "a", "quota": {"limit": 1, "period": "DAY", "offset": 1}}],
            "partners[0].quota.offset: 1 must be 0 for",
        ),
        (
            [{"name": "a", "quota": {"limit": 1, "period": "MONTH", "offset": 28}}],
            "offset: 28 must be 0-27 for period MONTH",
        ),
        (
            [{"name": "a", "quota": {"limit": 1, "period": "WEEK", "offset": -1}}],
            "partners[0].quota.offset: -1 is too small",
        ),
        (
            [{"name": "a", "throttle": {"rate_limit": 1}}],
            "partners[0].throttle.burst_limit: None is not a whole number",
        ),
        (
            [{"name": "a", "throttle": {"rate_limit": "x", "burst_limit": 1}}],
            "throttle.rate_limit: 'x' is not a number",
        ),
        (
            [{"name": "a", "throttle": {"rate_limit": float("nan"), "burst_limit": 1}}],
            "throttle.rate_limit: nan is not",
        ),
        (
            [{"name": "a", "methods": {"payments/ANY": {"rate_limit": 1, "burst_limit": 1}}}],
            "does not start with a resource",
        ),
        (
            [{"name": "a", "methods": {"/payments/FETCH": {"rate_limit": 1, "burst_limit": 1}}}],
            "does not end with an HTTP",
        ),
        (
            [{"name": "a", "methods": {"/pay ments/GET": {"rate_limit": 1, "burst_limit": 1}}}],
            "does not start with a resource",
        ),
        ([{"name": "a", "methods": {"/payments/GET": None}}], "partners[0].methods['/payments/GET']: expected a dict"),
        (
            [
                {
                    "name": "a",
                    "methods": {
                        "/p/GET": {"rate_limit": 1, "burst_limit": 1},
                        "/p/get": {"rate_limit": 1, "burst_limit": 1},
                    },
                }
            ],
            "listed twice",
        ),
        ([{"name": "a", "methods": {"/p/GET": {"rate": 1}}}], "methods['/p/GET']: unknown keys rate"),
        ([{"name": "a", "methods": ["/p/GET"]}], "partners[0].methods: expected a dict"),
        ([{"name": "a", "enabled": "yes"}], "partners[0].enabled: 'yes' is not a boolean"),
        ([{"name": "a", "description": "d" * 1025}], "partners[0].description: longer than 1024"),
    ],
)
def test_validate_partners_names_the_field(partners, message):
    with pytest.raises(ValueError) as raised:
        up.validate_partners(partners)
    assert message in str(raised.value)


def test_validate_partners_reports_every_problem():
    with pytest.raises(ValueError) as raised:
        up.validate_partners([{"name": "-a"}, {"name": "b", "quota": {"limit": 1, "period": "YEAR"}}])
    assert "partners[0].name" in str(raised.value) and "partners[1].quota.period" in str(raised.value)


def test_method_keys_accept_proxy_and_variables():
    assert up.validate_method_key("/payments/{proxy+}/any", "f") == "/payments/{proxy+}/ANY"
    assert up.validate_method_key("/accounts/{id}/GET", "f") == "/accounts/{id}/GET"
    with pytest.raises(ValueError):
        up.validate_method_key("/GET", "f")


@pytest.mark.parametrize("value", ["a1b2c3d4e5", "0123456789"])
def test_rest_api_id_accepted(value):
    assert up.validate_rest_api_id(value) == value


@pytest.mark.parametrize("value", ["", None, "A1B2C3D4E5", "short", "a1b2c3d4e5f"])
def test_rest_api_id_refused(value):
    with pytest.raises(ValueError, match="^rest_api_id: "):
        up.validate_rest_api_id(value)


def test_stage_name():
    assert up.validate_stage_name("v1") == "v1"
    with pytest.raises(ValueError, match="^stage_name: 'v 1' is not a stage name"):
        up.validate_stage_name("v 1")


def test_tags_always_carry_managed_by():
    assert up.validate_tags(None) == {"ManagedBy": "multiaccount.apigateway"}
    assert up.validate_tags({"a": "b"}) == {"a": "b", "ManagedBy": "multiaccount.apigateway"}
    with pytest.raises(ValueError, match="^tags.ManagedBy: 'x' must be"):
        up.validate_tags({"ManagedBy": "x"})
    with pytest.raises(ValueError, match="^tags: 'n': 1 is not a tag"):
        up.validate_tags({"n": 1})


# ------------------------------------------------------------------------------- normalisation


def test_normalise_plan_reads_only_this_stage_and_unescapes_keys():
    raw = {
        "id": "p1",
        "name": "fintech-a",
        "tags": OWN,
        "quota": {"limit": 10, "period": "DAY"},
        "throttle": {"rateLimit": 5, "burstLimit": 6},
        "apiStages": [
            {"apiId": API, "stage": "v2", "throttle": {"/x/GET": {"rateLimit": 1, "burstLimit": 1}}},
            {
                "apiId": API,
                "stage": "v1",
                "throttle": {"~1payments~1{proxy+}/ANY": {"rateLimit": 2.5, "burstLimit": 3}},
            },
        ],
    }
    result = up.normalise_plan(raw, API, "v1")
    assert result["bound"] and result["stages"] == [f"{API}:v2", STAGE]
    assert result["methods"] == {"/payments/{proxy+}/ANY": {"rate_limit": 2.5, "burst_limit": 3}}
    assert result["quota"] == {"limit": 10, "period": "DAY", "offset": 0}
    assert result["throttle"] == {"rate_limit": 5.0, "burst_limit": 6}
    unbound = up.normalise_plan({"id": "p2", "name": "x"}, API, "v1")
    assert not unbound["bound"] and unbound["stages"] == [] and unbound["quota"] is None and unbound["throttle"] is None


def test_normalise_key_never_keeps_the_value():
    result = up.normalise_key({"id": "k", "name": "n", "value": "SECRET-VALUE", "enabled": True})
    assert "SECRET-VALUE" not in repr(result)


# ------------------------------------------------------------------------------- ownership


def test_namesakes_without_managed_by_are_problems():
    plans = [plan("p9", "fintech-a", tags={}), plan("p1")]
    keys = [key("k9", "fintech-a", tags={"team": "x"}), key("k2", "other", tags={})]
    problems = up.namesake_problems([partner()], plans, keys)
    assert problems == [
        "partners[0].name: a usage plan named 'fintech-a' exists without ManagedBy=multiaccount.apigateway (p9); "
        "rename the partner or delete/tag it",
        "partners[0].name: an API key named 'fintech-a' exists without ManagedBy=multiaccount.apigateway (k9); "
        "rename the partner or delete/tag it",
    ]


def test_select_plans_bound_first_then_unbound_and_deletions():
    plans = [
        plan("p1", "fintech-a"),
        plan("p2", "fintech-b", stages=[]),
        plan("p3", "gone"),
        plan("p4", "other-gateway", tags={"ManagedBy": "multiaccount.apigateway"}),
        plan("p5", "fintech-c", stages=[{"apiId": API, "stage": "v2"}]),
    ]
    desired = [partner("fintech-a"), partner("fintech-b"), partner("fintech-c")]
    chosen, delete, problems = up.select_plans(desired, plans, OWN, "present", True, STAGE)
    assert {name: p and p["id"] for name, p in chosen.items()} == {
        "fintech-a": "p1",
        "fintech-b": "p2",
        "fintech-c": None,
    }
    assert [p["id"] for p in delete] == ["p3"] and problems == []
    assert up.select_plans(desired, plans, OWN, "present", False, STAGE)[1] == []
    chosen, delete, problems = up.select_plans([], plans, OWN, "absent", True, STAGE)
    assert chosen == {} and [p["id"] for p in delete] == ["p1", "p3"]


def test_select_plans_refuses_duplicates():
    plans = [plan("p1"), plan("p2")]
    problems = up.select_plans([partner()], plans, OWN, "present", True, STAGE)[2]
    assert problems == [
        f"partners[0].name: 2 usage plans named 'fintech-a' carry the ownership tags and are bound to {STAGE} "
        "(p1, p2); delete the extra ones"
    ]


def test_key_on_plan_and_orphans():
    keys = [key("k2", created="2025-02-01"), key("k1", created="2025-01-01"), key("k3", tags={}), key("k4", "other")]
    by_id = {k["id"]: k for k in keys}
    plan_keys = {"p1": [{"id": "k2"}, {"id": "k1"}, {"id": "k3"}]}
    assert up.key_on_plan("fintech-a", plan("p1"), plan_keys, by_id, OWN)["id"] == "k1"
    assert up.key_on_plan("fintech-a", None, plan_keys, by_id, OWN) is None
    assert [k["id"] for k in up.orphan_candidates("fintech-a", keys, {}, OWN)] == ["k1", "k2"]
    assert up.orphan_candidates("fintech-a", keys, plan_keys, OWN) == []
    assert [k["id"] for k in up.keys_to_delete(plan("p1"), plan_keys, by_id, OWN)] == ["k2", "k1"]


# ------------------------------------------------------------------------------- patch operations


def test_method_path_escapes_the_resource_path_as_one_token():
    assert up.method_path(STAGE, "/payments/ANY") == f"/apiStages/{STAGE}/throttle/~1payments/ANY"
    assert up.method_path(STAGE, "/payments/{proxy+}/GET") == f"/apiStages/{STAGE}/throttle/~1payments~1{{proxy+}}/GET"
    assert up.method_path(STAGE, "//GET") == f"/apiStages/{STAGE}/throttle/~1/GET"
    assert up.unescape_method_key("~1payments~1{proxy+}/ANY") == "/payments/{proxy+}/ANY"
    assert up.unescape_method_key("/a~1b/GET") == "/a~1b/GET"


def test_patch_number():
    assert [up.patch_number(v) for v in (10, 10.0, 2.5, 0.0, 0)] == ["10", "10", "2.5", "0", "0"]


def test_key_patch_ops():
    current = key(enabled=True)
    current["description"] = "old"
    assert up.key_patch_ops(current, partner(enabled=True)) == []
    assert up.key_patch_ops(current, partner(enabled=False, description="new")) == [
        {"op": "replace", "path": "/enabled", "value": "false"},
        {"op": "replace", "path": "/description", "value": "new"},
    ]


def test_quota_ops():
    old = {"limit": 10, "period": "WEEK", "offset": 5}
    assert up.quota_ops(None, None) == [] and up.quota_ops(old, old) == []
    assert up.quota_ops(old, None) == [{"op": "remove", "path": "/quota"}]
    assert [op["op"] + " " + op["path"] for op in up.quota_ops(None, old)] == [
        "add /quota/limit",
        "add /quota/period",
        "add /quota/offset",
    ]
    # the offset shrinks first, so no intermediate state has offset 5 with period DAY
    assert up.quota_ops(old, {"limit": 10, "period": "DAY", "offset": 0}) == [
        {"op": "replace", "path": "/quota/offset", "value": "0"},
        {"op": "replace", "path": "/quota/period", "value": "DAY"},
    ]
    assert up.quota_ops({"limit": 1, "period": "DAY", "offset": 0}, {"limit": 2, "period": "MONTH", "offset": 20}) == [
        {"op": "replace", "path": "/quota/limit", "value": "2"},
        {"op": "replace", "path": "/quota/period", "value": "MONTH"},
        {"op": "replace", "path": "/quota/offset", "value": "20"},
    ]


def test_throttle_ops():
    want = {"rate_limit": 2.5, "burst_limit": 4}
    assert up.throttle_ops(None, None) == []
    assert up.throttle_ops({"rate_limit": 1.0, "burst_limit": 1}, None) == [{"op": "remove", "path": "/throttle"}]
    assert up.throttle_ops(None, want) == [
        {"op": "add", "path": "/throttle/rateLimit", "value": "2.5"},
        {"op": "add", "path": "/throttle/burstLimit", "value": "4"},
    ]
    assert up.throttle_ops({"rate_limit": 2.5, "burst_limit": None}, want) == [
        {"op": "add", "path": "/throttle/burstLimit", "value": "4"}
    ]
    assert up.throttle_ops(want, want) == []


def test_method_ops_reconcile_exactly():
    current = {"/a/GET": {"rate_limit": 1.0, "burst_limit": 1}, "/b/ANY": {"rate_limit": 1.0, "burst_limit": 1}}
    desired = {"/a/GET": {"rate_limit": 1.0, "burst_limit": 2}, "/c/ANY": {"rate_limit": 0.0, "burst_limit": 0}}
    base = f"/apiStages/{STAGE}/throttle"
    assert up.method_ops(current, desired, STAGE) == [
        {"op": "remove", "path": f"{base}/~1b/ANY"},
        {"op": "replace", "path": f"{base}/~1a/GET/burstLimit", "value": "2"},
        {"op": "replace", "path": f"{base}/~1c/ANY/rateLimit", "value": "0"},
        {"op": "replace", "path": f"{base}/~1c/ANY/burstLimit", "value": "0"},
    ]
    assert up.method_ops(desired, desired, STAGE) == []


def test_plan_patch_ops_binds_an_unbound_plan_before_its_methods():
    desired = partner(description="d", methods={"/a/GET": {"rate_limit": 1.0, "burst_limit": 1}})
    ops = up.plan_patch_ops(plan(stages=[]), desired, STAGE)
    assert [op["op"] + " " + op["path"] for op in ops] == [
        "replace /description",
        "add /apiStages",
        f"replace /apiStages/{STAGE}/throttle/~1a/GET/rateLimit",
        f"replace /apiStages/{STAGE}/throttle/~1a/GET/burstLimit",
    ]
    assert ops[1]["value"] == STAGE
    assert up.plan_patch_ops(plan(), partner(), STAGE) == []


# ------------------------------------------------------------------------------- steps


def test_partner_steps_new_partner():
    steps, warnings = up.partner_steps(partner(), None, None, {}, {}, OWN, STAGE)
    assert [s["action"] for s in steps] == ["create_key", "create_plan", "add_plan_key"]
    assert steps[2]["plan_id"] is None and steps[2]["key_id"] is None and warnings == []
    assert up.describe_step(steps[2]) == "add API key (new) to usage plan fintech-a ((new))"
    assert up.describe_step(steps[2], {"key": "k1", "plan": "p1"}) == "add API key k1 to usage plan fintech-a (p1)"


def test_partner_steps_existing_plan_with_extra_keys():
    keys = {k["id"]: k for k in (key("k1"), key("k2", "fintech-b"), key("k3", "x", tags={}))}
    plan_keys = {"p1": [{"id": "k1"}, {"id": "k2"}, {"id": "k3"}]}
    steps, warnings = up.partner_steps(partner(enabled=False), plan("p1"), keys["k1"], plan_keys, keys, OWN, STAGE)
    assert [(s["action"], s.get("key_id")) for s in steps] == [("update_key", "k1"), ("remove_plan_key", "k2")]
    assert warnings == [
        "usage plan 'fintech-a' (p1) has API key k3, which does not carry the ownership tags: left on the plan"
    ]
    assert up.describe_step(steps[0]) == "update API key fintech-a (k1: replace /enabled)"
    assert up.describe_step(steps[1]) == "remove API key k2 from usage plan fintech-a (p1)"


def test_partner_steps_adopted_key_goes_on_the_plan():
    steps = up.partner_steps(partner(), plan("p1"), key("k1"), {"p1": []}, {}, OWN, STAGE)[0]
    assert [(s["action"], s["plan_id"], s["key_id"]) for s in steps] == [("add_plan_key", "p1", "k1")]


def test_deletion_steps_order_and_key_kept_when_elsewhere():
    keys = {k["id"]: k for k in (key("k1", "gone"), key("k3", "x", tags={}))}
    plan_keys = {"p3": [{"id": "k1"}, {"id": "k3"}]}
    steps, warnings = up.deletion_steps(plan("p3", "gone"), plan_keys, keys, OWN, STAGE, {"k1": ["p3"]})
    assert [(s["action"], s.get("key_id")) for s in steps] == [
        ("remove_plan_key", "k1"),
        ("remove_plan_key", "k3"),
        ("update_plan", None),
        ("delete_plan", None),
        ("delete_key", "k1"),
    ]
    assert steps[2]["patch_operations"] == [{"op": "remove", "path": "/apiStages", "value": STAGE}]
    assert "API key k3" in warnings[0]
    assert up.describe_step(steps[3]) == "delete usage plan gone (p3)"
    assert up.describe_step(steps[4]) == "delete API key gone (k1)"
    steps, warnings = up.deletion_steps(plan("p3", "gone"), plan_keys, keys, OWN, STAGE, {"k1": ["p3", "p7"]})
    assert steps[-1]["action"] == "delete_plan" and "also on usage plan(s) p7: kept" in warnings[-1]


def test_deletion_steps_plan_on_another_stage_only_leaves_ours():
    other = plan("p3", "gone", stages=[{"apiId": API, "stage": "v1"}, {"apiId": API, "stage": "v2"}])
    steps, warnings = up.deletion_steps(other, {"p3": [{"id": "k1"}]}, {"k1": key("k1", "gone")}, OWN, STAGE, {})
    assert [s["action"] for s in steps] == ["update_plan"]
    assert warnings == [
        f"usage plan 'gone' (p3) is also bound to {API}:v2: only {STAGE} is removed from it; the plan and its keys stay"
    ]


def test_views():
    current = plan(quota={"limit": 5, "period": "DAY", "offset": 0})
    view = up.partner_view(key("k1"), current)
    assert view == {
        "api_key_id": "k1",
        "usage_plan_id": "p1",
        "description": None,
        "enabled": True,
        "quota": {"limit": 5, "period": "DAY", "offset": 0},
        "throttle": None,
        "methods": {},
    }
    assert up.desired_view(partner(), None, None, "kept")["description"] == "kept"


# ------------------------------------------------------------------------------- the value boundary


class FakePages:
    def __init__(self, items):
        self.items = items

    def build_full_result(self):
        return {"items": self.items}


class FakeClient:
    """Answers as AWS does, values included; records the parameters of each call."""

    def __init__(self):
        self.params = {}

    def get_paginator(self, operation):
        client = self

        class Paginator:
            def paginate(self, **params):
                client.params[operation] = params
                return FakePages([{"id": "k1", "name": "n", "type": "API_KEY", "value": "SECRET-VALUE-123456789"}])

        return Paginator()

    def create_api_key(self, **params):
        self.params["create_api_key"] = params
        return {"id": "k1", "name": params["name"], "value": "SECRET-VALUE-123456789", "ResponseMetadata": {}}


def test_values_never_leave_the_api_layer():
    client = FakeClient()
    assert up.list_usage_plan_keys(client, "p1") == [{"id": "k1", "name": "n", "type": "API_KEY"}]
    assert up.list_api_keys(client) == [{"id": "k1", "name": "n", "type": "API_KEY"}]
    assert client.params["get_api_keys"]["includeValues"] is False
    created = up.create_api_key(client, "n", True, OWN, "d")
    assert created == {"id": "k1", "name": "n"}
    assert "value" not in client.params["create_api_key"]
    assert client.params["create_api_key"] == {"name": "n", "enabled": True, "tags": OWN, "description": "d"}
