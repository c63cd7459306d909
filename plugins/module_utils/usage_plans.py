# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""API keys and usage plans of one REST API stage, used by ``multiaccount.apigateway.api_partners``.

Two halves:

* pure functions (no boto3): validate the partners, normalise what API Gateway returns (usage plans,
  API keys, usage plan keys; never an API key's value), find which plans and keys belong to this
  module and this stage, and plan the writes that reconcile them (patch operations included), so
  they unit-test in milliseconds;
* one small function per API Gateway call, retried with the collection's ``aws_retry``, with
  ``NotFoundException`` turned into ``None``/``[]``/``False`` in one place
  (:class:`UsagePlanErrorHandler`). The functions that AWS answers with a key's ``value``
  (CreateApiKey, GetUsagePlanKeys) drop it before returning: no value ever leaves this file.

A partner is one API key and one usage plan, both named like the partner. The per-method throttles of
a plan's API stage are keyed ``<resource path>/<HTTP method>`` (``/payments/ANY``, ``//GET`` for the
root resource), as in ``apiStages[].throttle``.
"""

import math
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    aws_retry,
    is_managed,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import new_or

PERIODS = ("DAY", "WEEK", "MONTH")
# AWS: the offset is 0 for DAY, a day of the week (0-6, 0 is Sunday) for WEEK, a day of the month
# (0-27) for MONTH.
OFFSET_LIMITS = {"DAY": 1, "WEEK": 7, "MONTH": 28}
HTTP_METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
API_KEY_TYPE = "API_KEY"
PAGE_SIZE = 500  # the largest page GetUsagePlans, GetApiKeys and GetUsagePlanKeys accept

# Names of API keys and usage plans: the module keeps to a safe subset of what API Gateway accepts.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
REST_API_ID_RE = re.compile(r"^[a-z0-9]{10}$")
STAGE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
PATH_PART_RE = re.compile(r"^(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9._-]+\+?\})$")
MAX_DESCRIPTION = 1024

THROTTLE_FIELDS = (("rate_limit", "rateLimit"), ("burst_limit", "burstLimit"))


# ---------------------------------------------------------------------------------------------
# Validation (before any AWS call; every message names the field and says the fix)
# ---------------------------------------------------------------------------------------------


def validate_rest_api_id(value):
    text = str(value or "").strip()
    if not REST_API_ID_RE.match(text):
        raise ValueError(
            f"rest_api_id: {value!r} is not a REST API id; give the 10 lowercase letters and digits API Gateway "
            "assigned (e.g. a1b2c3d4e5, the id multiaccount.apigateway.rest_api returns)"
        )
    return text


def validate_stage_name(value):
    text = str(value or "")
    if not STAGE_NAME_RE.match(text):
        raise ValueError(
            f"stage_name: {value!r} is not a stage name; use 1-128 letters, digits, hyphens or underscores (e.g. v1)"
        )
    return text


def validate_tags(tags):
    """The ownership tags: ``tags`` plus ``ManagedBy=multiaccount.apigateway``; raises ValueError."""
    result = {}
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise ValueError(f"tags: {key!r}: {value!r} is not a tag; keys and values are strings (quote numbers)")
        result[key] = value
    if result.get(MANAGED_TAG_KEY, MANAGED_TAG_VALUE) != MANAGED_TAG_VALUE:
        raise ValueError(
            f"tags.{MANAGED_TAG_KEY}: {result[MANAGED_TAG_KEY]!r} must be {MANAGED_TAG_VALUE!r} (or omitted: the "
            "module adds it); it marks what this collection may change"
        )
    result[MANAGED_TAG_KEY] = MANAGED_TAG_VALUE
    return result


def _number(value, field, kind, minimum, strict_minimum=False):
    """``value`` as an int or a float not below ``minimum``; raises ValueError naming ``field``."""
    expected = "a whole number" if kind is int else "a number"
    bound = f"greater than {minimum}" if strict_minimum else f"{minimum} or more"
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{field}: {value!r} is not {expected}; give {expected} {bound}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {value!r} is not {expected}; give {expected} {bound}") from None
    if not math.isfinite(number) or (kind is int and not number.is_integer()):
        raise ValueError(f"{field}: {value!r} is not {expected}; give {expected} {bound}")
    if number < minimum or (strict_minimum and number == minimum):
        raise ValueError(f"{field}: {value!r} is too small; give {expected} {bound}")
    return int(number) if kind is int else number


def validate_quota(quota, field):
    """``{"limit", "period", "offset"}`` or None; raises ValueError naming the sub-field."""
    if quota is None:
        return None
    if not isinstance(quota, dict):
        raise ValueError(f"{field}: expected a dict with limit, period and offset (or null for no quota)")
    limit = _number(quota.get("limit"), f"{field}.limit", int, 0, strict_minimum=True)
    period = str(quota.get("period") or "").upper()
    if period not in PERIODS:
        raise ValueError(f"{field}.period: {quota.get('period')!r} is not one of DAY, WEEK, MONTH")
    offset = quota.get("offset")
    offset = 0 if offset is None else _number(offset, f"{field}.offset", int, 0)
    if offset >= OFFSET_LIMITS[period]:
        rule = {
            "DAY": "must be 0 for period DAY",
            "WEEK": "must be 0-6 for period WEEK (the day of the week the period starts, 0 is Sunday)",
            "MONTH": "must be 0-27 for period MONTH (the day of the month the period starts)",
        }[period]
        raise ValueError(f"{field}.offset: {offset} {rule}")
    return {"limit": limit, "period": period, "offset": offset}


def validate_throttle(throttle, field):
    """``{"rate_limit": float, "burst_limit": int}`` or None; both are required, 0 is allowed."""
    if throttle is None:
        return None
    if not isinstance(throttle, dict):
        raise ValueError(f"{field}: expected a dict with rate_limit and burst_limit")
    unknown = sorted(set(throttle) - {"rate_limit", "burst_limit"})
    if unknown:
        raise ValueError(f"{field}: unknown keys {', '.join(map(str, unknown))}; give only rate_limit and burst_limit")
    return {
        "rate_limit": _number(throttle.get("rate_limit"), f"{field}.rate_limit", float, 0),
        "burst_limit": _number(throttle.get("burst_limit"), f"{field}.burst_limit", int, 0),
    }


def validate_method_key(key, field):
    """``<resource path>/<HTTP method>`` as in ``apiStages[].throttle``; returns it normalised."""
    example = "give <resource path>/<HTTP method> such as /payments/ANY or /payments/{proxy+}/GET (//GET for the root)"
    text = str(key).strip()
    if "/" not in text:
        raise ValueError(f"{field}: {key!r} is not a method key; {example}")
    path, method = text.rsplit("/", 1)
    if method.upper() not in HTTP_METHODS:
        raise ValueError(f"{field}: {key!r} does not end with an HTTP method ({', '.join(HTTP_METHODS)}); {example}")
    if path != "/":
        parts = path.split("/")
        if parts[0] != "" or len(parts) < 2 or not all(PATH_PART_RE.match(part) for part in parts[1:]):
            raise ValueError(f"{field}: {key!r} does not start with a resource path; {example}")
    return f"{path}/{method.upper()}"


def validate_methods(methods, field):
    if methods is None:
        return {}
    if not isinstance(methods, dict):
        raise ValueError(f"{field}: expected a dict of <resource path>/<HTTP method>: {{rate_limit, burst_limit}}")
    result = {}
    for key, throttle in methods.items():
        name = validate_method_key(key, f"{field}[{key!r}]")
        if name in result:
            raise ValueError(f"{field}[{key!r}]: the method {name} is listed twice")
        if throttle is None:
            raise ValueError(f"{field}[{key!r}]: expected a dict with rate_limit and burst_limit (0 and 0 block it)")
        result[name] = validate_throttle(throttle, f"{field}[{key!r}]")
    return result


def validate_name(value, field):
    text = "" if value is None else str(value)
    if not NAME_RE.match(text):
        raise ValueError(
            f"{field}: {value!r} is not a valid name for an API key and a usage plan; use 1-128 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit (e.g. open-banking-fintech-a)"
        )
    return text


def validate_partners(partners):
    """Normalise the ``partners`` option; raise ValueError listing every problem, each naming its field.

    Returns a list of dicts: name, description (None: left alone), enabled, quota (None: no quota),
    throttle (None: no plan throttle), methods (``{key: {rate_limit, burst_limit}}``).
    """
    errors = []
    result = []
    seen = {}
    for index, partner in enumerate(partners or []):
        prefix = f"partners[{index}]"
        if not isinstance(partner, dict):
            errors.append(f"{prefix}: expected a dict with at least a name")
            continue
        problems = []
        checked = {}
        for key, func, args in (
            ("name", validate_name, (partner.get("name"), f"{prefix}.name")),
            ("quota", validate_quota, (partner.get("quota"), f"{prefix}.quota")),
            ("throttle", validate_throttle, (partner.get("throttle"), f"{prefix}.throttle")),
            ("methods", validate_methods, (partner.get("methods"), f"{prefix}.methods")),
        ):
            try:
                checked[key] = func(*args)
            except ValueError as error:
                problems.append(str(error))
        name = checked.get("name")
        if name is not None:
            if name in seen:
                problems.append(f"{prefix}.name: {name!r} is also partners[{seen[name]}].name; names are unique")
            else:
                seen[name] = index
        description = partner.get("description")
        if description is not None and len(str(description)) > MAX_DESCRIPTION:
            problems.append(f"{prefix}.description: longer than {MAX_DESCRIPTION} characters; shorten it")
        enabled = partner.get("enabled")
        if enabled is not None and not isinstance(enabled, bool):
            problems.append(f"{prefix}.enabled: {enabled!r} is not a boolean; give true or false")
        errors.extend(problems)
        if problems:
            continue
        result.append(
            {
                "name": name,
                "description": None if description is None else str(description),
                "enabled": True if enabled is None else enabled,
                "quota": checked["quota"],
                "throttle": checked["throttle"],
                "methods": checked["methods"],
            }
        )
    if errors:
        raise ValueError("; ".join(errors))
    return result


# ---------------------------------------------------------------------------------------------
# What API Gateway returns, normalised (never a key value)
# ---------------------------------------------------------------------------------------------


def stage_key(rest_api_id, stage_name):
    """``<apiId>:<stage>``, how UpdateUsagePlan names an API stage."""
    return f"{rest_api_id}:{stage_name}"


def unescape_method_key(key):
    """A throttle key as AWS may give it back after a patch (``~1payments/ANY``) -> ``/payments/ANY``."""
    if key.startswith("/"):
        return key
    return key.replace("~1", "/").replace("~0", "~")


def normalise_throttle(raw):
    """``{"rateLimit", "burstLimit"}`` -> ``{"rate_limit": float, "burst_limit": int}`` (None when empty)."""
    if not raw:
        return None
    rate, burst = raw.get("rateLimit"), raw.get("burstLimit")
    return {
        "rate_limit": None if rate is None else float(rate),
        "burst_limit": None if burst is None else int(burst),
    }


def normalise_quota(raw):
    if not raw or raw.get("limit") is None:
        return None
    return {"limit": int(raw["limit"]), "period": raw.get("period"), "offset": int(raw.get("offset") or 0)}


def normalise_plan(raw, rest_api_id, stage_name):
    """A UsagePlan -> id, name, description, tags, quota, throttle, ``stages`` (``api:stage`` ids),
    ``bound`` (to this API stage) and ``methods`` (the per-method throttles of this API stage)."""
    stages = []
    ours = None
    for item in raw.get("apiStages") or []:
        stages.append(stage_key(item.get("apiId"), item.get("stage")))
        if item.get("apiId") == rest_api_id and item.get("stage") == stage_name:
            ours = item
    methods = {}
    for key, value in ((ours or {}).get("throttle") or {}).items():
        methods[unescape_method_key(key)] = normalise_throttle(value) or {"rate_limit": None, "burst_limit": None}
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "description": raw.get("description"),
        "tags": dict(raw.get("tags") or {}),
        "quota": normalise_quota(raw.get("quota")),
        "throttle": normalise_throttle(raw.get("throttle")),
        "stages": stages,
        "bound": ours is not None,
        "methods": methods,
    }


def normalise_key(raw):
    """An ApiKey -> id, name, description, enabled, tags, created (the value is left out)."""
    created = raw.get("createdDate")
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "description": raw.get("description"),
        "enabled": bool(raw.get("enabled")),
        "tags": dict(raw.get("tags") or {}),
        "created": str(created) if created is not None else "",
    }


def owned(tags, ownership):
    """True when ``tags`` carry every ownership tag with its value."""
    tags = tags or {}
    return all(tags.get(key) == value for key, value in ownership.items())


# ---------------------------------------------------------------------------------------------
# Which plans and keys are ours (pure)
# ---------------------------------------------------------------------------------------------


def namesake_problems(desired, plans, keys):
    """Messages for plans and keys named like a partner that lack ``ManagedBy``: never touched."""
    problems = []
    for index, partner in enumerate(desired):
        name = partner["name"]
        for kind, items in (("a usage plan", plans), ("an API key", keys)):
            for item in sorted((i for i in items if i["name"] == name), key=lambda i: i["id"]):
                if not is_managed(item["tags"]):
                    problems.append(
                        f"partners[{index}].name: {kind} named {name!r} exists without "
                        f"{MANAGED_TAG_KEY}={MANAGED_TAG_VALUE} ({item['id']}); rename the partner or delete/tag it"
                    )
    return problems


def select_plans(desired, plans, ownership, state, purge, stage_id):
    """The plan of each partner and the plans to delete.

    A partner's plan is ours (every ownership tag), named like the partner and bound to this API stage;
    failing that, one of ours with that name bound to no API stage at all (left over by an interrupted
    run) is adopted. Plans to delete are ours and bound to this API stage: all of them with
    ``state=absent``, those named like no partner with ``purge``. Returns
    ``({name: plan or None}, [plans to delete], [problems])``.
    """
    ours = [plan for plan in plans if owned(plan["tags"], ownership)]
    bound = [plan for plan in ours if plan["bound"]]
    unbound = [plan for plan in ours if not plan["stages"]]
    problems = []
    chosen = {}
    if state == "present":
        for index, partner in enumerate(desired):
            name = partner["name"]
            for kind, group in (("bound to " + stage_id, bound), ("bound to no API stage", unbound)):
                matches = sorted((plan for plan in group if plan["name"] == name), key=lambda plan: plan["id"])
                if len(matches) > 1:
                    problems.append(
                        f"partners[{index}].name: {len(matches)} usage plans named {name!r} carry the ownership "
                        f"tags and are {kind} ({', '.join(plan['id'] for plan in matches)}); delete the extra ones"
                    )
                if matches:
                    chosen[name] = matches[0]
                    break
            else:
                chosen[name] = None
    names = {partner["name"] for partner in desired}
    if state == "absent":
        delete = bound
    elif purge:
        delete = [plan for plan in bound if plan["name"] not in names]
    else:
        delete = []
    return chosen, sorted(delete, key=lambda plan: (plan["name"] or "", plan["id"])), problems


def _ours(key, ownership):
    return key is not None and owned(key["tags"], ownership)


def key_on_plan(name, plan, plan_keys, keys_by_id, ownership):
    """The partner's key among the keys of its plan: ours and named like the partner (oldest first)."""
    if plan is None:
        return None
    matches = [
        keys_by_id[item["id"]]
        for item in plan_keys.get(plan["id"], [])
        if _ours(keys_by_id.get(item["id"]), ownership) and keys_by_id[item["id"]]["name"] == name
    ]
    matches.sort(key=lambda key: (key["created"], key["id"]))
    return matches[0] if matches else None


def orphan_candidates(name, keys, plan_keys, ownership):
    """Keys of ours named ``name`` on none of the plans read: adoptable if on no plan at all."""
    on_read_plans = {item["id"] for items in plan_keys.values() for item in items}
    return sorted(
        (
            key
            for key in keys
            if key["name"] == name and owned(key["tags"], ownership) and key["id"] not in on_read_plans
        ),
        key=lambda key: (key["created"], key["id"]),
    )


def keys_to_delete(plan, plan_keys, keys_by_id, ownership):
    """Keys that go with a deleted plan: ours, named like it, on it."""
    return [
        keys_by_id[item["id"]]
        for item in plan_keys.get(plan["id"], [])
        if _ours(keys_by_id.get(item["id"]), ownership) and keys_by_id[item["id"]]["name"] == plan["name"]
    ]


# ---------------------------------------------------------------------------------------------
# Patch operations (pure)
# ---------------------------------------------------------------------------------------------


def patch_number(value):
    """A patch operation value: ``10`` for 10 or 10.0, ``2.5`` for 2.5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pointer(text):
    """Escape one JSON pointer token (``/`` -> ``~1``, ``~`` -> ``~0``)."""
    return text.replace("~", "~0").replace("/", "~1")


def method_path(stage_id, method_key):
    """``/apiStages/<apiId>:<stage>/throttle/<resourcePath>/<httpMethod>`` with the resource path as one
    escaped token (UpdateUsagePlan's path for one method's throttle)."""
    resource_path, http_method = method_key.rsplit("/", 1)
    return f"/apiStages/{stage_id}/throttle/{_pointer(resource_path)}/{http_method}"


def key_patch_ops(current, desired):
    """UpdateApiKey operations: ``enabled``, and ``description`` when given."""
    ops = []
    if current["enabled"] != desired["enabled"]:
        ops.append({"op": "replace", "path": "/enabled", "value": "true" if desired["enabled"] else "false"})
    if desired["description"] is not None and (current.get("description") or "") != desired["description"]:
        ops.append({"op": "replace", "path": "/description", "value": desired["description"]})
    return ops


def quota_ops(current, desired):
    if desired is None:
        return [{"op": "remove", "path": "/quota"}] if current is not None else []
    if current is None:
        return [
            {"op": "add", "path": "/quota/limit", "value": str(desired["limit"])},
            {"op": "add", "path": "/quota/period", "value": desired["period"]},
            {"op": "add", "path": "/quota/offset", "value": str(desired["offset"])},
        ]
    ops = []
    if current["limit"] != desired["limit"]:
        ops.append({"op": "replace", "path": "/quota/limit", "value": str(desired["limit"])})
    fields = ["period", "offset"]
    # A smaller offset goes first, so that no intermediate state has an offset the new period refuses.
    if desired["offset"] < current["offset"]:
        fields.reverse()
    for field in fields:
        if current[field] != desired[field]:
            ops.append({"op": "replace", "path": f"/quota/{field}", "value": str(desired[field])})
    return ops


def throttle_ops(current, desired):
    if desired is None:
        return [{"op": "remove", "path": "/throttle"}] if current is not None else []
    ops = []
    for field, aws_field in THROTTLE_FIELDS:
        now = (current or {}).get(field)
        if now != desired[field]:
            op = "add" if now is None else "replace"
            ops.append({"op": op, "path": f"/throttle/{aws_field}", "value": patch_number(desired[field])})
    return ops


def method_ops(current, desired, stage_id):
    """Per-method throttles of the plan's API stage reconciled to exactly ``desired``."""
    ops = []
    for key in sorted(set(current) - set(desired)):
        ops.append({"op": "remove", "path": method_path(stage_id, key)})
    for key in sorted(desired):
        now = current.get(key) or {}
        for field, aws_field in THROTTLE_FIELDS:
            if now.get(field) != desired[key][field]:
                ops.append(
                    {
                        "op": "replace",
                        "path": f"{method_path(stage_id, key)}/{aws_field}",
                        "value": patch_number(desired[key][field]),
                    }
                )
    return ops


def plan_patch_ops(current, desired, stage_id):
    """UpdateUsagePlan operations that bring our plan to ``desired`` (other API stages are left alone)."""
    ops = []
    if desired["description"] is not None and (current.get("description") or "") != desired["description"]:
        ops.append({"op": "replace", "path": "/description", "value": desired["description"]})
    ops.extend(quota_ops(current["quota"], desired["quota"]))
    ops.extend(throttle_ops(current["throttle"], desired["throttle"]))
    if not current["bound"]:
        ops.append({"op": "add", "path": "/apiStages", "value": stage_id})
    ops.extend(method_ops(current["methods"] if current["bound"] else {}, desired["methods"], stage_id))
    return ops


# ---------------------------------------------------------------------------------------------
# The writes of a run (pure)
# ---------------------------------------------------------------------------------------------


def partner_steps(partner, plan, key, plan_keys, keys_by_id, ownership, stage_id):
    """Writes for one listed partner, in order, and warnings.

    ``key`` is the partner's key (on its plan, or an adoptable one), or None to create one. Each step is a
    dict with ``action`` and ``name`` (the partner) plus what the call needs; ``plan_id``/``key_id`` None
    stand for the plan/key that an earlier step of the same partner creates.
    """
    name = partner["name"]
    steps, warnings = [], []
    key_id = key["id"] if key else None
    if key is None:
        steps.append({"action": "create_key", "name": name, "partner": partner})
    else:
        ops = key_patch_ops(key, partner)
        if ops:
            steps.append({"action": "update_key", "name": name, "key_id": key_id, "patch_operations": ops})
    if plan is None:
        steps.append({"action": "create_plan", "name": name, "partner": partner})
        steps.append({"action": "add_plan_key", "name": name, "plan_id": None, "key_id": key_id})
        return steps, warnings
    ops = plan_patch_ops(plan, partner, stage_id)
    if ops:
        steps.append({"action": "update_plan", "name": name, "plan_id": plan["id"], "patch_operations": ops})
    on_plan = plan_keys.get(plan["id"], [])
    if key_id is None or key_id not in {item["id"] for item in on_plan}:
        steps.append({"action": "add_plan_key", "name": name, "plan_id": plan["id"], "key_id": key_id})
    for item in sorted(on_plan, key=lambda item: item["id"]):
        if item["id"] == key_id:
            continue
        if _ours(keys_by_id.get(item["id"]), ownership):
            steps.append({"action": "remove_plan_key", "name": name, "plan_id": plan["id"], "key_id": item["id"]})
        else:
            warnings.append(
                f"usage plan {name!r} ({plan['id']}) has API key {item['id']}, which does not carry the ownership "
                "tags: left on the plan"
            )
    return steps, warnings


def deletion_steps(plan, plan_keys, keys_by_id, ownership, stage_id, key_plans):
    """Writes that remove one of our plans from this API stage and, when it has no other stage, delete it
    with the keys of ours that go with it. ``key_plans``: ``{key id: [ids of the plans it is on]}``."""
    name = plan["name"]
    others = [stage for stage in plan["stages"] if stage != stage_id]
    base = {"name": name, "plan_id": plan["id"]}
    remove_stage = dict(
        base, action="update_plan", patch_operations=[{"op": "remove", "path": "/apiStages", "value": stage_id}]
    )
    if others:
        warning = (
            f"usage plan {name!r} ({plan['id']}) is also bound to {', '.join(sorted(others))}: only {stage_id} is "
            "removed from it; the plan and its keys stay"
        )
        return [remove_stage], [warning]
    steps, warnings = [], []
    for item in sorted(plan_keys.get(plan["id"], []), key=lambda item: item["id"]):
        steps.append(dict(base, action="remove_plan_key", key_id=item["id"]))
        if not _ours(keys_by_id.get(item["id"]), ownership):
            warnings.append(
                f"usage plan {name!r} ({plan['id']}) is deleted with API key {item['id']} on it, which does not "
                "carry the ownership tags: the key is kept"
            )
    steps.append(remove_stage)
    steps.append(dict(base, action="delete_plan"))
    for key in keys_to_delete(plan, plan_keys, keys_by_id, ownership):
        elsewhere = [plan_id for plan_id in key_plans.get(key["id"], []) if plan_id != plan["id"]]
        if elsewhere:
            warnings.append(
                f"API key {key['id']} of usage plan {name!r} is also on usage plan(s) {', '.join(sorted(elsewhere))}: "
                "kept"
            )
            continue
        steps.append({"action": "delete_key", "name": name, "key_id": key["id"]})
    return steps, warnings


def describe_step(step, ids=None):
    """One line per write for the ``changes`` result: the partner's name, then ids (never values).

    ``ids`` gives the ids that earlier steps created (``{"key": id, "plan": id}``); an id still unknown
    (check mode) shows as ``(new)``.
    """
    ids = ids or {}
    name = step["name"]
    plan_id = new_or(step.get("plan_id") or ids.get("plan"))
    key_id = new_or(step.get("key_id") or ids.get("key"))
    action = step["action"]
    operations = ", ".join(f"{op['op']} {op['path']}" for op in step.get("patch_operations") or [])
    if action == "create_key":
        return f"create API key {name}"
    if action == "update_key":
        return f"update API key {name} ({key_id}: {operations})"
    if action == "create_plan":
        return f"create usage plan {name}"
    if action == "update_plan":
        return f"update usage plan {name} ({plan_id}: {operations})"
    if action == "add_plan_key":
        return f"add API key {key_id} to usage plan {name} ({plan_id})"
    if action == "remove_plan_key":
        return f"remove API key {key_id} from usage plan {name} ({plan_id})"
    if action == "delete_plan":
        return f"delete usage plan {name} ({plan_id})"
    return f"delete API key {name} ({key_id})"


# ---------------------------------------------------------------------------------------------
# Views for the result and the diff
# ---------------------------------------------------------------------------------------------


def partner_view(key=None, plan=None):
    """What the diff shows of a partner: ids, description, enabled, quota, throttle, methods."""
    return {
        "api_key_id": key["id"] if key else None,
        "usage_plan_id": plan["id"] if plan else None,
        "description": (plan or key or {}).get("description"),
        "enabled": key["enabled"] if key else None,
        "quota": plan["quota"] if plan else None,
        "throttle": plan["throttle"] if plan else None,
        "methods": dict(sorted(plan["methods"].items())) if plan and plan["bound"] else {},
    }


def desired_view(partner, key_id, plan_id, current_description=None):
    description = partner["description"] if partner["description"] is not None else current_description
    return {
        "api_key_id": key_id,
        "usage_plan_id": plan_id,
        "description": description,
        "enabled": partner["enabled"],
        "quota": partner["quota"],
        "throttle": partner["throttle"],
        "methods": dict(sorted(partner["methods"].items())),
    }


# ---------------------------------------------------------------------------------------------
# API Gateway calls: one small function each, retried, NotFoundException -> None/[]/False
# ---------------------------------------------------------------------------------------------


class AnsibleUsagePlanError(AnsibleAWSError):
    pass


class UsagePlanErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleUsagePlanError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


def _without_value(item):
    """An API key or usage plan key answer without its ``value`` (and the response metadata)."""
    return {name: data for name, data in (item or {}).items() if name not in ("value", "ResponseMetadata")}


def _throttle_params(throttle):
    return {"rateLimit": float(throttle["rate_limit"]), "burstLimit": int(throttle["burst_limit"])}


@UsagePlanErrorHandler.list_error_handler("list usage plans", [])
@aws_retry
def list_usage_plans(client, key_id=None):
    """Every usage plan (paginated), or those that ``key_id`` is on."""
    params = {"PaginationConfig": {"PageSize": PAGE_SIZE}}
    if key_id is not None:
        params["keyId"] = key_id
    return client.get_paginator("get_usage_plans").paginate(**params).build_full_result().get("items", [])


@UsagePlanErrorHandler.list_error_handler("list API keys", [])
@aws_retry
def list_api_keys(client):
    """Every API key (paginated), without values (``includeValues`` false)."""
    pages = client.get_paginator("get_api_keys").paginate(includeValues=False, PaginationConfig={"PageSize": PAGE_SIZE})
    return [_without_value(item) for item in pages.build_full_result().get("items", [])]


@UsagePlanErrorHandler.list_error_handler("list usage plan keys", [])
@aws_retry
def list_usage_plan_keys(client, usage_plan_id):
    """The keys on a plan: id, name and type (AWS sends the values too: dropped here)."""
    pages = client.get_paginator("get_usage_plan_keys").paginate(
        usagePlanId=usage_plan_id, PaginationConfig={"PageSize": PAGE_SIZE}
    )
    return [_without_value(item) for item in pages.build_full_result().get("items", [])]


@UsagePlanErrorHandler.common_error_handler("create API key")
@aws_retry
def create_api_key(client, name, enabled, tags, description=None):
    """CreateApiKey with a value AWS generates; returns the key without its value."""
    params = {"name": name, "enabled": enabled, "tags": tags}
    if description is not None:
        params["description"] = description
    return _without_value(client.create_api_key(**params))


@UsagePlanErrorHandler.common_error_handler("update API key")
@aws_retry
def update_api_key(client, key_id, patch_operations):
    client.update_api_key(apiKey=key_id, patchOperations=patch_operations)
    return True


@UsagePlanErrorHandler.deletion_error_handler("delete API key")
@aws_retry
def delete_api_key(client, key_id):
    client.delete_api_key(apiKey=key_id)
    return True


@UsagePlanErrorHandler.common_error_handler("create usage plan")
@aws_retry
def create_usage_plan(client, partner, rest_api_id, stage_name, tags):
    api_stage = {"apiId": rest_api_id, "stage": stage_name}
    if partner["methods"]:
        api_stage["throttle"] = {key: _throttle_params(value) for key, value in sorted(partner["methods"].items())}
    params = {"name": partner["name"], "apiStages": [api_stage], "tags": tags}
    if partner["description"] is not None:
        params["description"] = partner["description"]
    if partner["throttle"] is not None:
        params["throttle"] = _throttle_params(partner["throttle"])
    if partner["quota"] is not None:
        params["quota"] = dict(partner["quota"])
    return _without_value(client.create_usage_plan(**params))


@UsagePlanErrorHandler.common_error_handler("update usage plan")
@aws_retry
def update_usage_plan(client, usage_plan_id, patch_operations):
    client.update_usage_plan(usagePlanId=usage_plan_id, patchOperations=patch_operations)
    return True


@UsagePlanErrorHandler.deletion_error_handler("delete usage plan")
@aws_retry
def delete_usage_plan(client, usage_plan_id):
    client.delete_usage_plan(usagePlanId=usage_plan_id)
    return True


@UsagePlanErrorHandler.common_error_handler("add API key to usage plan")
@aws_retry
def create_usage_plan_key(client, usage_plan_id, key_id):
    client.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key_id, keyType=API_KEY_TYPE)
    return True


@UsagePlanErrorHandler.deletion_error_handler("remove API key from usage plan")
@aws_retry
def delete_usage_plan_key(client, usage_plan_id, key_id):
    client.delete_usage_plan_key(usagePlanId=usage_plan_id, keyId=key_id)
    return True
