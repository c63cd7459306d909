# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who may call a REST API (v1): authorizers, method authorization and the resource policy.

Used by ``multiaccount.apigateway.rest_api``. Pure functions only (validation, the desired and current
authorizers, their patch operations, the resource policy's canonical form): they unit-test without
boto3. The API Gateway calls are in ``rest_apis``.
"""

import json
import re

AUTHORIZATION_TYPES = ["NONE", "AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM"]
# Authorization types that name an authorizer, and the authorizer types each accepts.
AUTHORIZER_KINDS = {"CUSTOM": ("TOKEN", "REQUEST"), "COGNITO_USER_POOLS": ("COGNITO_USER_POOLS",)}
AUTHORIZER_TYPES = ["TOKEN", "REQUEST", "COGNITO_USER_POOLS"]
DEFAULT_IDENTITY_SOURCE = "method.request.header.Authorization"
DEFAULT_RESULT_TTL = 300
MAX_RESULT_TTL = 3600

AUTHORIZER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
LAMBDA_ARN_RE = re.compile(
    r"^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):([0-9]{12}):function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$"
)
USER_POOL_ARN_RE = re.compile(r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[a-z0-9-]+_[A-Za-z0-9]+$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
# A TOKEN authorizer reads one header.
TOKEN_SOURCE_RE = re.compile(r"^method\.request\.header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
SOURCE_RE = re.compile(
    r"^(method\.request\.(header|querystring|multivaluequerystring|multivalueheader)\.[^,\s]+"
    r"|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$"
)
SCOPE_RE = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,255}$")
# API Gateway gives back the resource policy's ``execute-api:/...`` resources as full ARNs.
EXECUTE_API_ARN_RE = re.compile(r"arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+/")


# ---------------------------------------------------------------------------------------------
# Validation (before any AWS call; every message names the field)
# ---------------------------------------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value).strip()


def validate_authorizers(authorizers):
    """Normalise the ``authorizers`` option (``None``: leave the API's authorizers alone).

    Returns ``[{name, type, function_arn, user_pool_arns, identity_source, result_ttl,
    identity_validation_expression, credentials_role_arn}]``; raises ValueError listing every problem.
    """
    if authorizers is None:
        return None
    errors, result, seen = [], [], {}
    for index, item in enumerate(authorizers):
        field = f"authorizers[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{field}: expected a dict with name and type")
            continue
        problems = []
        name = _text(item.get("name"))
        if not AUTHORIZER_NAME_RE.match(name):
            problems.append(f"{field}.name: {item.get('name')!r} is not an authorizer name (letters, digits, . _ -)")
        elif name in seen:
            problems.append(f"{field}.name: {name!r} duplicates authorizers[{seen[name]}].name")
        else:
            seen[name] = index
        kind = _text(item.get("type")).upper()
        if kind not in AUTHORIZER_TYPES:
            problems.append(f"{field}.type: {item.get('type')!r} is not one of {', '.join(AUTHORIZER_TYPES)}")
        lambda_kind = kind in ("TOKEN", "REQUEST")
        function_arn = _text(item.get("function_arn")) or None
        pools = [_text(arn) for arn in item.get("user_pool_arns") or []]
        if lambda_kind:
            if not function_arn or not LAMBDA_ARN_RE.match(function_arn):
                problems.append(
                    f"{field}.function_arn: {item.get('function_arn')!r} is not a Lambda function ARN "
                    "(arn:aws:lambda:<region>:<account>:function:<name>); a TOKEN or REQUEST authorizer needs one"
                )
            if pools:
                problems.append(f"{field}.user_pool_arns: only a COGNITO_USER_POOLS authorizer takes user pools")
        elif kind == "COGNITO_USER_POOLS":
            if function_arn:
                problems.append(
                    f"{field}.function_arn: a COGNITO_USER_POOLS authorizer takes user_pool_arns, not a function"
                )
            if not pools:
                problems.append(
                    f"{field}.user_pool_arns: a COGNITO_USER_POOLS authorizer needs at least one user pool ARN"
                )
            for position, arn in enumerate(pools):
                if not USER_POOL_ARN_RE.match(arn):
                    problems.append(
                        f"{field}.user_pool_arns[{position}]: {arn!r} is not a Cognito user pool ARN "
                        "(arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>)"
                    )
        source = _text(item.get("identity_source"))
        if not source:
            if kind == "REQUEST":
                problems.append(
                    f"{field}.identity_source: a REQUEST authorizer needs its identity sources, e.g. "
                    "method.request.header.Authorization,method.request.querystring.client"
                )
            source = DEFAULT_IDENTITY_SOURCE
        elif kind in ("TOKEN", "COGNITO_USER_POOLS") and not TOKEN_SOURCE_RE.match(source):
            problems.append(f"{field}.identity_source: {source!r} must be one header, method.request.header.<name>")
        elif kind == "REQUEST":
            parts = [part.strip() for part in source.split(",")]
            if not all(SOURCE_RE.match(part) for part in parts):
                problems.append(
                    f"{field}.identity_source: {source!r} is not a comma-separated list of "
                    "method.request.header|querystring.<name>, stageVariables.<name> or context.<name>"
                )
            source = ",".join(parts)
        ttl = item.get("result_ttl")
        if ttl is None:
            ttl = DEFAULT_RESULT_TTL
        elif isinstance(ttl, bool) or not isinstance(ttl, int) and not str(ttl).isdigit():
            problems.append(f"{field}.result_ttl: {ttl!r} is not a number of seconds (0 to {MAX_RESULT_TTL})")
            ttl = DEFAULT_RESULT_TTL
        else:
            ttl = int(ttl)
            if not 0 <= ttl <= MAX_RESULT_TTL:
                problems.append(f"{field}.result_ttl: {ttl} is outside 0..{MAX_RESULT_TTL} seconds")
        expression = _text(item.get("identity_validation_expression")) or None
        if expression and kind != "TOKEN":
            problems.append(f"{field}.identity_validation_expression: only a TOKEN authorizer takes one")
        role = _text(item.get("credentials_role_arn")) or None
        if role and not lambda_kind:
            problems.append(f"{field}.credentials_role_arn: only a TOKEN or REQUEST authorizer invokes a function")
        elif role and not ROLE_ARN_RE.match(role):
            problems.append(f"{field}.credentials_role_arn: {role!r} is not an IAM role ARN")
        errors.extend(problems)
        if problems:
            continue
        result.append(
            {
                "name": name,
                "type": kind,
                "function_arn": function_arn if lambda_kind else None,
                "user_pool_arns": sorted(pools) if kind == "COGNITO_USER_POOLS" else [],
                "identity_source": source,
                "result_ttl": ttl,
                "identity_validation_expression": expression,
                "credentials_role_arn": role,
            }
        )
    if errors:
        raise ValueError("; ".join(errors))
    return result


def validate_route_authorization(route, prefix):
    """The authorization part of one route: ``(fields, problems)``.

    ``fields``: ``authorization_type``, ``authorizer`` (name or None), ``authorization_scopes`` (sorted)
    and ``api_key_required``.
    """
    problems = []
    kind = _text(route.get("authorization_type") or "NONE").upper()
    if kind not in AUTHORIZATION_TYPES:
        problems.append(
            f"{prefix}.authorization_type: {route.get('authorization_type')!r} is not one of "
            f"{', '.join(AUTHORIZATION_TYPES)}"
        )
    authorizer = _text(route.get("authorizer")) or None
    if kind in AUTHORIZER_KINDS and not authorizer:
        problems.append(f"{prefix}.authorizer: required with authorization_type {kind} (the name of an authorizer)")
    elif kind not in AUTHORIZER_KINDS and authorizer:
        problems.append(
            f"{prefix}.authorizer: only authorization_type CUSTOM or COGNITO_USER_POOLS uses an authorizer, not {kind}"
        )
    scopes = route.get("authorization_scopes") or []
    if not isinstance(scopes, list):
        problems.append(f"{prefix}.authorization_scopes: expected a list of OAuth scopes")
        scopes = []
    scopes = sorted({_text(scope) for scope in scopes})
    if scopes and kind != "COGNITO_USER_POOLS":
        problems.append(f"{prefix}.authorization_scopes: only authorization_type COGNITO_USER_POOLS takes scopes")
    for scope in scopes:
        if not SCOPE_RE.match(scope):
            problems.append(f"{prefix}.authorization_scopes: {scope!r} is not an OAuth scope")
    return {
        "authorization_type": kind,
        "authorizer": authorizer,
        "authorization_scopes": scopes,
        "api_key_required": bool(route.get("api_key_required")),
    }, problems


def check_route_authorizers(routes, authorizers):
    """Problems of routes whose authorizer is not declared in ``authorizers`` or is of the wrong type."""
    if authorizers is None:
        return []
    by_name = {item["name"]: item for item in authorizers}
    problems = []
    for index, route in enumerate(routes or []):
        name = route.get("authorizer")
        if not name:
            continue
        declared = by_name.get(name)
        if declared is None:
            problems.append(
                f"routes[{index}].authorizer: no authorizer named {name!r} in authorizers "
                f"({', '.join(sorted(by_name)) or 'none declared'})"
            )
        elif declared["type"] not in AUTHORIZER_KINDS[route["authorization_type"]]:
            problems.append(
                f"routes[{index}].authorizer: {name!r} is a {declared['type']} authorizer, which authorization_type "
                f"{route['authorization_type']} cannot use (CUSTOM takes TOKEN or REQUEST, COGNITO_USER_POOLS takes "
                "COGNITO_USER_POOLS)"
            )
    return problems


def policy_document(value, field="policy"):
    """The resource policy as a dict (``None``: leave it alone; ``{}``: no policy); raises ValueError."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"{field}: not a JSON policy document") from None
    if not isinstance(value, dict):
        raise ValueError(f"{field}: expected an IAM policy document (a dict with Version and Statement)")
    if value and not isinstance(value.get("Statement"), (list, dict)):
        raise ValueError(f"{field}: the policy has no Statement")
    return value


# ---------------------------------------------------------------------------------------------
# Desired and current authorizers; patch operations
# ---------------------------------------------------------------------------------------------


def authorizer_uri(function_arn):
    """The ``authorizerUri`` of a Lambda authorizer: API Gateway's invocation path of the function."""
    match = LAMBDA_ARN_RE.match(function_arn)
    partition, region = match.group(1), match.group(2)
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def function_of(uri):
    """The function ARN of an ``authorizerUri`` (``None`` when it names none)."""
    match = re.search(r"/functions/(arn:[^/]+)/invocations$", uri or "")
    return match.group(1) if match else None


def desired_authorizer(spec):
    """The authorizer as API Gateway describes it, from one item of :func:`validate_authorizers`."""
    item = {
        "name": spec["name"],
        "type": spec["type"],
        "identitySource": spec["identity_source"],
        "authorizerResultTtlInSeconds": spec["result_ttl"],
    }
    if spec["function_arn"]:
        item["authorizerUri"] = authorizer_uri(spec["function_arn"])
    if spec["user_pool_arns"]:
        item["providerARNs"] = list(spec["user_pool_arns"])
    if spec["identity_validation_expression"]:
        item["identityValidationExpression"] = spec["identity_validation_expression"]
    if spec["credentials_role_arn"]:
        item["authorizerCredentials"] = spec["credentials_role_arn"]
    return item


_SCALARS = (
    "type",
    "authorizerUri",
    "identitySource",
    "authorizerResultTtlInSeconds",
    "identityValidationExpression",
    "authorizerCredentials",
)


def normalise_authorizer(raw):
    """GetAuthorizers item -> the shape of :func:`desired_authorizer` plus ``id``."""
    item = {"id": raw.get("id"), "name": raw.get("name")}
    for key in _SCALARS:
        if raw.get(key) not in (None, ""):
            item[key] = int(raw[key]) if key == "authorizerResultTtlInSeconds" else raw[key]
    if raw.get("providerARNs"):
        item["providerARNs"] = sorted(raw["providerARNs"])
    return item


def authorizer_patch_ops(current, desired):
    """UpdateAuthorizer operations that bring ``current`` to ``desired`` (empty: nothing to do).

    User pools are added before they are removed (an authorizer never has none in between).
    """
    ops = []
    for key in _SCALARS:
        want = desired.get(key)
        have = current.get(key)
        if key == "authorizerResultTtlInSeconds" and have is None:
            have = DEFAULT_RESULT_TTL if want == DEFAULT_RESULT_TTL else have
        if want == have:
            continue
        if want is None:
            ops.append({"op": "replace", "path": "/" + key, "value": ""})
        else:
            ops.append({"op": "replace", "path": "/" + key, "value": str(want)})
    have_pools = set(current.get("providerARNs") or [])
    want_pools = set(desired.get("providerARNs") or [])
    for arn in sorted(want_pools - have_pools):
        ops.append({"op": "add", "path": "/providerARNs", "value": arn})
    for arn in sorted(have_pools - want_pools):
        ops.append({"op": "remove", "path": "/providerARNs", "value": arn})
    return ops


def plan_authorizers(current, desired, purge=True):
    """``(creates, updates, deletes)`` between GetAuthorizers (normalised) and the desired authorizers.

    ``creates``: desired items; ``updates``: ``(current item, ops)``; ``deletes``: current items (only
    with ``purge``). An authorizer name that API Gateway holds twice is matched to the first one.
    """
    by_name = {}
    for item in current:
        by_name.setdefault(item["name"], item)
    creates, updates = [], []
    for spec in desired:
        item = by_name.get(spec["name"])
        if item is None:
            creates.append(spec)
            continue
        ops = authorizer_patch_ops(item, spec)
        if ops:
            updates.append((item, ops))
    wanted = {spec["name"] for spec in desired}
    deletes = [item for item in current if item["name"] not in wanted or by_name[item["name"]] is not item]
    return creates, updates, deletes if purge else []


def authorizers_view(items):
    """Authorizers for the diff, by name (ids and the invocation path left out)."""
    view = {}
    for item in items:
        entry = {"type": item.get("type"), "identity_source": item.get("identitySource")}
        if item.get("authorizerUri"):
            entry["function_arn"] = function_of(item["authorizerUri"])
        if item.get("providerARNs"):
            entry["user_pool_arns"] = sorted(item["providerARNs"])
        entry["result_ttl"] = item.get("authorizerResultTtlInSeconds", DEFAULT_RESULT_TTL)
        if item.get("identityValidationExpression"):
            entry["identity_validation_expression"] = item["identityValidationExpression"]
        if item.get("authorizerCredentials"):
            entry["credentials_role_arn"] = item["authorizerCredentials"]
        view[item["name"]] = entry
    return view


# ---------------------------------------------------------------------------------------------
# Resource policy
# ---------------------------------------------------------------------------------------------


def parse_policy(text):
    """The API's ``policy`` attribute (a JSON string, which AWS returns with escaped quotes) -> dict."""
    if not text:
        return {}
    if isinstance(text, dict):
        return text
    for candidate in (text, text.replace('\\"', '"').replace("\\/", "/")):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, str):
            return parse_policy(value)
        return value
    return {"unparsed": text}


def canonical_policy(policy):
    """The resource policy in the form two policies compare in: ``execute-api:/...`` resources (AWS
    expands them to the API's ARN), keys sorted. ``""`` for no policy."""
    if not policy:
        return ""
    text = json.dumps(policy, sort_keys=True, separators=(",", ":"))
    return EXECUTE_API_ARN_RE.sub("execute-api:/", text)
