# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""API Gateway REST API (v1) layer used by ``multiaccount.apigateway.rest_api``.

Two halves:

* pure functions (no boto3) that validate the routes, build the desired resource tree, read the
  current tree from one ``GetResources(embed=methods)`` answer, plan the changes between the two
  (resources, methods, integrations, patch operations) and fingerprint the configuration, so they
  unit-test in milliseconds;
* one small function per API Gateway call, retried with the collection's ``aws_retry`` and with
  ``NotFoundException`` turned into ``None`` in one place (:class:`RestApiErrorHandler`).

Resource paths in the trees are API Gateway paths (``/``, ``/cards``, ``/cards/limits``,
``/cards/limits/{proxy+}``); route paths are the user's form without slashes (``cards/limits``).
"""

import copy
import hashlib
import json
import re
from urllib.parse import urlsplit

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.api_authorization import (
    AUTHORIZER_KINDS,
    validate_route_authorization,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import normalise_path

ROOT_PATH = "/"
PROXY_PATH_PART = "{proxy+}"
PROXY_METHOD_PARAMETER = "method.request.path.proxy"
PROXY_INTEGRATION_PARAMETER = "integration.request.path.proxy"
INTEGRATION_TYPE = "HTTP_PROXY"
AUTHORIZATION_TYPE = "NONE"

HTTP_METHODS = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
CONNECTION_TYPES = ["VPC_LINK", "INTERNET"]
ENDPOINT_TYPES = ["REGIONAL", "EDGE", "PRIVATE"]

DEFAULT_TIMEOUT_MS = 29000
MIN_TIMEOUT_MS = 50
# AWS's default maximum integration timeout. Regional and private APIs can get more through a
# Service Quotas increase; the module keeps to the default limit.
MAX_TIMEOUT_MS = 29000

STAGE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
BACKEND_PATH_RE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")
# The load balancer a VPC link v2 reaches: an Application or Network Load Balancer ARN.
LOAD_BALANCER_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/(app|net)/[A-Za-z0-9-]{1,32}/[0-9a-f]+$"
)

# The stage's deployment carries the fingerprint of the configuration it was made from.
CONFIG_MARKER = "multiaccount.apigateway config sha256:"
FINGERPRINT_RE = re.compile(re.escape(CONFIG_MARKER) + r"([0-9a-f]{64})")
FINGERPRINT_VERSION = 1
# The stage remembers which deployment it got from this collection and that deployment's fingerprint
# (tag value ``<deployment id> <sha256 hex>``): while the stage still serves that deployment, a run
# knows the deployed configuration from GetStage alone, without GetDeployment.
DEPLOYED_TAG = "multiaccount:deployed-config"

PAGE_SIZE = 500  # the largest page GetRestApis and GetResources accept


# ---------------------------------------------------------------------------------------------
# Validation (before any AWS call; every message names the field)
# ---------------------------------------------------------------------------------------------


def validate_target_url(value, field):
    """Return ``scheme://host[:port]`` (no trailing slash) or raise ValueError naming ``field``."""
    text = str(value or "").strip()
    example = "expected http(s)://host[:port] such as http://internal-nlb-1234.elb.us-east-1.amazonaws.com:8080"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a valid URL; {example}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field}: {value!r} is not an http:// or https:// URL with a host; {example}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{field}: {value!r} must not contain credentials; {example}")
    if not HOST_RE.match(parts.hostname):
        raise ValueError(f"{field}: {value!r} has an invalid host name {parts.hostname!r}; {example}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError(
            f"{field}: {value!r} has a path, query or fragment; give only http(s)://host[:port] "
            "and put the backend path in backend_path"
        )
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"{field}: {value!r} has port {port} outside 1-65535")
    netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def validate_backend_path(value, field):
    """Return the backend path (starting with ``/``) or raise ValueError naming ``field``."""
    text = "/" if value is None else str(value).strip()
    if not BACKEND_PATH_RE.match(text):
        raise ValueError(
            f"{field}: {value!r} is not a backend path; it must start with / and have no query, "
            "fragment, spaces or {} placeholders (e.g. / or /api/v1)"
        )
    return text


def validate_timeout(value, field):
    """Return the integration timeout in ms or raise ValueError naming ``field``."""
    if value is None:
        return DEFAULT_TIMEOUT_MS
    try:
        timeout = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {value!r} is not a number of milliseconds") from None
    if isinstance(value, bool) or not MIN_TIMEOUT_MS <= timeout <= MAX_TIMEOUT_MS:
        raise ValueError(
            f"{field}: {value!r} is outside {MIN_TIMEOUT_MS}..{MAX_TIMEOUT_MS} ms "
            "(API Gateway's default maximum integration timeout is 29 s)"
        )
    return timeout


def validate_integration_target(value, field):
    """Return the load balancer ARN an integration over a VPC link v2 names, or raise ValueError."""
    text = str(value).strip()
    if not LOAD_BALANCER_ARN_RE.match(text):
        raise ValueError(
            f"{field}: {value!r} is not the ARN of an Application or Network Load Balancer "
            "(arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app|net/<name>/<id>); give the "
            "load balancer the VPC link v2 reaches, or omit it for a VPC link v1"
        )
    return text


def validate_stage_name(value, field="stage_name"):
    """Return the stage name or raise ValueError naming ``field``."""
    if value is None:
        return None
    text = str(value)
    if not STAGE_NAME_RE.match(text):
        raise ValueError(
            f"{field}: {value!r} is not a valid stage name; use 1-128 letters, digits, hyphens or underscores"
        )
    return text


def _collect(problems, func, *args):
    """Call a validator; on ValueError record its message in ``problems`` and return None."""
    try:
        return func(*args)
    except ValueError as error:
        problems.append(str(error))
        return None


def validate_routes(routes):
    """Normalise the ``routes`` option; raise ValueError listing every problem, each naming its field.

    Returns ``None`` when ``routes`` is ``None`` (routes left alone), else a list of dicts with
    every default applied: path, target_url, connection_type, connection_id, integration_target,
    http_method, proxy, backend_path, timeout_in_millis, authorization_type, authorizer,
    authorization_scopes, api_key_required.
    """
    if routes is None:
        return None
    errors = []
    result = []
    seen = {}
    for index, route in enumerate(routes):
        prefix = f"routes[{index}]"
        if not isinstance(route, dict):
            errors.append(f"{prefix}: expected a dict with at least path and target_url")
            continue
        problems = []
        path = _collect(problems, normalise_path, route.get("path"), f"{prefix}.path")
        if path is not None:
            if path in seen:
                problems.append(f"{prefix}.path: {path!r} duplicates routes[{seen[path]}].path")
            else:
                seen[path] = index
        target_url = _collect(problems, validate_target_url, route.get("target_url"), f"{prefix}.target_url")
        connection_type = str(route.get("connection_type") or "VPC_LINK").upper()
        connection_id = route.get("connection_id") or None
        if connection_type not in CONNECTION_TYPES:
            problems.append(
                f"{prefix}.connection_type: {route.get('connection_type')!r} is not one of VPC_LINK, INTERNET"
            )
        elif connection_type == "VPC_LINK" and not connection_id:
            problems.append(f"{prefix}.connection_id: required when connection_type is VPC_LINK (the VPC link id)")
        elif connection_type == "INTERNET" and connection_id:
            problems.append(f"{prefix}.connection_id: must be omitted when connection_type is INTERNET")
        integration_target = route.get("integration_target") or None
        if integration_target is not None:
            if connection_type == "INTERNET":
                problems.append(f"{prefix}.integration_target: must be omitted when connection_type is INTERNET")
            else:
                integration_target = _collect(
                    problems, validate_integration_target, integration_target, f"{prefix}.integration_target"
                )
        http_method = str(route.get("http_method") or "ANY").upper()
        if http_method not in HTTP_METHODS:
            problems.append(
                f"{prefix}.http_method: {route.get('http_method')!r} is not one of {', '.join(HTTP_METHODS)}"
            )
        backend_path = _collect(problems, validate_backend_path, route.get("backend_path"), f"{prefix}.backend_path")
        timeout = _collect(problems, validate_timeout, route.get("timeout_in_millis"), f"{prefix}.timeout_in_millis")
        proxy = route.get("proxy")
        authorization, auth_problems = validate_route_authorization(route, prefix)
        problems.extend(auth_problems)
        errors.extend(problems)
        if problems:
            continue
        result.append(
            {
                "path": path,
                "target_url": target_url,
                "connection_type": connection_type,
                "connection_id": str(connection_id) if connection_id else None,
                "integration_target": integration_target,
                "http_method": http_method,
                "proxy": True if proxy is None else bool(proxy),
                "backend_path": backend_path,
                "timeout_in_millis": timeout,
                **authorization,
            }
        )
    if errors:
        raise ValueError("; ".join(errors))
    return result


# ---------------------------------------------------------------------------------------------
# Desired and current trees
# ---------------------------------------------------------------------------------------------


def resource_path(route_path):
    """``cards/limits`` -> ``/cards/limits``."""
    return "/" + route_path


def proxy_resource_path(route_path):
    """``cards/limits`` -> ``/cards/limits/{proxy+}``."""
    return resource_path(route_path) + "/" + PROXY_PATH_PART


def parent_path(path):
    """Parent of an API Gateway resource path (``None`` for the root)."""
    if path == ROOT_PATH:
        return None
    parent = path.rsplit("/", 1)[0]
    return parent or ROOT_PATH


def path_part(path):
    """Last segment of a resource path."""
    return path.rsplit("/", 1)[1]


def route_uri(route):
    """Backend URI of the route's own resource: ``<target_url><backend_path>``."""
    return route["target_url"] + route["backend_path"]


def route_proxy_uri(route):
    """Backend URI of the route's ``{proxy+}`` child: ``<target_url><backend_path>/{proxy}``."""
    return route["target_url"] + route["backend_path"].rstrip("/") + "/{proxy}"


def _integration(route, uri, http_method, request_parameters):
    integration = {
        "type": INTEGRATION_TYPE,
        "http_method": http_method,
        "uri": uri,
        "connection_type": route["connection_type"],
        "connection_id": route["connection_id"] if route["connection_type"] == "VPC_LINK" else None,
        "timeout_in_millis": route["timeout_in_millis"],
        "request_parameters": request_parameters,
    }
    # Only an integration over a VPC link v2 has a target: a v1 integration keeps the shape (and the
    # configuration fingerprint) it had before integration targets existed.
    if route.get("integration_target"):
        integration["integration_target"] = route["integration_target"]
    return integration


def method_authorization(route):
    """The authorization fields of a route's methods (``authorization_type`` always; ``authorizer``,
    ``authorization_scopes`` and ``api_key_required`` only when set, so that a route open to anyone
    keeps the shape, and the configuration fingerprint, it had before they existed)."""
    fields = {"authorization_type": route.get("authorization_type") or AUTHORIZATION_TYPE}
    if route.get("authorizer"):
        fields["authorizer"] = route["authorizer"]
    if route.get("authorization_scopes"):
        fields["authorization_scopes"] = sorted(route["authorization_scopes"])
    if route.get("api_key_required"):
        fields["api_key_required"] = True
    return fields


def desired_tree(routes):
    """Resource tree the routes need: ``{path: {"methods": {method: {...}}}}``.

    Intermediate resources of nested paths appear with no methods; the root is always present.
    Each method is ``{"authorization_type", "request_parameters", "integration"}`` plus, when set,
    ``authorizer`` (its name), ``authorization_scopes`` and ``api_key_required``.
    """
    tree = {ROOT_PATH: {"methods": {}}}
    for route in routes:
        parts = route["path"].split("/")
        for depth in range(1, len(parts)):
            tree.setdefault(resource_path("/".join(parts[:depth])), {"methods": {}})
        node = tree.setdefault(resource_path(route["path"]), {"methods": {}})
        node["methods"][route["http_method"]] = dict(
            method_authorization(route),
            request_parameters={},
            integration=_integration(route, route_uri(route), route["http_method"], {}),
        )
        if route["proxy"]:
            tree[proxy_resource_path(route["path"])] = {
                "methods": {
                    "ANY": dict(
                        method_authorization(route),
                        request_parameters={PROXY_METHOD_PARAMETER: True},
                        integration=_integration(
                            route,
                            route_proxy_uri(route),
                            "ANY",
                            {PROXY_INTEGRATION_PARAMETER: PROXY_METHOD_PARAMETER},
                        ),
                    )
                }
            }
    return tree


def normalise_integration(raw):
    """Integration as API Gateway returns it -> the tree's form (``None`` when there is none)."""
    if not raw:
        return None
    timeout = raw.get("timeoutInMillis")
    integration = {
        "type": raw.get("type"),
        "http_method": raw.get("httpMethod"),
        "uri": raw.get("uri"),
        "connection_type": raw.get("connectionType") or "INTERNET",
        "connection_id": raw.get("connectionId") or None,
        "timeout_in_millis": DEFAULT_TIMEOUT_MS if timeout is None else int(timeout),
        "request_parameters": dict(raw.get("requestParameters") or {}),
    }
    if raw.get("integrationTarget"):
        integration["integration_target"] = raw["integrationTarget"]
    return integration


def normalise_method(raw, authorizer_names=None):
    """Method as API Gateway returns it -> the tree's form.

    ``authorizer_names`` maps authorizer ids to names (``authorizer`` is the name, or the id when
    unknown). ``complete`` is False when the answer did not say whether the method has an integration
    (no ``methodIntegration`` key): the caller then reads the method itself, for managed methods only.
    """
    raw = raw or {}
    method = {
        "authorization_type": raw.get("authorizationType"),
        "authorizer_id": raw.get("authorizerId") or None,
        "authorization_scopes": sorted(raw.get("authorizationScopes") or []),
        "api_key_required": bool(raw.get("apiKeyRequired")),
        "request_parameters": dict(raw.get("requestParameters") or {}),
        "integration": normalise_integration(raw.get("methodIntegration")),
        "complete": "methodIntegration" in raw,
    }
    if method["authorizer_id"] and method["authorization_type"] in AUTHORIZER_KINDS:
        method["authorizer"] = (authorizer_names or {}).get(method["authorizer_id"], method["authorizer_id"])
    return method


def current_tree(resources, authorizer_names=None):
    """``GetResources(embed=methods)`` items -> ``{path: {"id", "methods": {method: {...}}}}``."""
    tree = {}
    for item in resources:
        methods = {
            name: normalise_method(raw, authorizer_names) for name, raw in (item.get("resourceMethods") or {}).items()
        }
        tree[item["path"]] = {"id": item["id"], "methods": methods}
    return tree


def incomplete_methods(current, desired):
    """``(path, method)`` pairs the routes manage whose current integration is not known yet."""
    pairs = []
    for path in sorted(desired):
        node = current.get(path)
        if not node:
            continue
        for method in sorted(desired[path]["methods"]):
            state = node["methods"].get(method)
            if state is not None and not state.get("complete", True):
                pairs.append((path, method))
    return pairs


# ---------------------------------------------------------------------------------------------
# Patch operations and the plan
# ---------------------------------------------------------------------------------------------


def _pointer(key):
    """Escape a map key for a patch operation path (JSON pointer rules)."""
    return key.replace("~", "~0").replace("/", "~1")


def _patch_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def method_patch_ops(current, desired, authorizer_ids=None):
    """UpdateMethod operations that bring ``current`` to ``desired`` (empty list: nothing to do).

    Only what the module manages is touched: the authorization (type, authorizer, scopes, API key
    requirement) and the request parameters the routes need (other request parameters are left
    alone). ``authorizer_ids`` maps authorizer names to ids (``None`` for one a dry run would create).
    """
    ops = []
    if current.get("authorization_type") != desired["authorization_type"]:
        ops.append({"op": "replace", "path": "/authorizationType", "value": desired["authorization_type"]})
    if desired.get("authorizer"):
        wanted = (authorizer_ids or {}).get(desired["authorizer"])
        if wanted is None or current.get("authorizer_id") != wanted:
            ops.append({"op": "replace", "path": "/authorizerId", "value": wanted or f"<new {desired['authorizer']}>"})
    have_scopes = set(current.get("authorization_scopes") or [])
    want_scopes = set(desired.get("authorization_scopes") or [])
    for scope in sorted(want_scopes - have_scopes):
        ops.append({"op": "add", "path": "/authorizationScopes", "value": scope})
    for scope in sorted(have_scopes - want_scopes):
        ops.append({"op": "remove", "path": "/authorizationScopes", "value": scope})
    if bool(current.get("api_key_required")) != bool(desired.get("api_key_required")):
        ops.append(
            {"op": "replace", "path": "/apiKeyRequired", "value": _patch_value(bool(desired.get("api_key_required")))}
        )
    current_parameters = current.get("request_parameters") or {}
    for key, value in sorted(desired["request_parameters"].items()):
        if key not in current_parameters:
            ops.append({"op": "add", "path": "/requestParameters/" + _pointer(key), "value": _patch_value(value)})
        elif current_parameters[key] != value:
            ops.append({"op": "replace", "path": "/requestParameters/" + _pointer(key), "value": _patch_value(value)})
    return ops


def integration_patch_ops(current, desired):
    """UpdateIntegration operations that bring ``current`` to ``desired``.

    Returns ``[]`` when nothing differs, and ``None`` when the difference cannot be patched (type,
    integration HTTP method, connection type, or the integration target of a VPC link v2, which
    changes with the link between v1 and v2): the caller then deletes and puts the integration.
    """
    for field in ("type", "http_method", "connection_type", "integration_target"):
        if current.get(field) != desired.get(field):
            return None
    if desired["connection_id"] is None and current.get("connection_id"):
        return None
    ops = []
    if current.get("uri") != desired["uri"]:
        ops.append({"op": "replace", "path": "/uri", "value": desired["uri"]})
    if desired["connection_id"] is not None and current.get("connection_id") != desired["connection_id"]:
        ops.append({"op": "replace", "path": "/connectionId", "value": desired["connection_id"]})
    if current.get("timeout_in_millis") != desired["timeout_in_millis"]:
        ops.append({"op": "replace", "path": "/timeoutInMillis", "value": str(desired["timeout_in_millis"])})
    current_parameters = current.get("request_parameters") or {}
    desired_parameters = desired["request_parameters"]
    for key in sorted(set(current_parameters) | set(desired_parameters)):
        path = "/requestParameters/" + _pointer(key)
        if key not in desired_parameters:
            ops.append({"op": "remove", "path": path})
        elif key not in current_parameters:
            ops.append({"op": "add", "path": path, "value": desired_parameters[key]})
        elif current_parameters[key] != desired_parameters[key]:
            ops.append({"op": "replace", "path": path, "value": desired_parameters[key]})
    return ops


def plan_changes(current, desired, purge, authorizer_ids=None):
    """Ordered list of actions that turn the ``current`` tree into the ``desired`` one.

    Each action is a dict with ``action`` and ``path`` (and ``method``, ``patch_operations``,
    ``method_spec`` where relevant). Order: purge unneeded resources (only the top-most of a
    subtree: DeleteResource removes the children), purge unneeded methods, create resources
    parents first, then methods and integrations. The root resource is never deleted.
    """
    actions = []
    if purge:
        unneeded = {path for path in current if path != ROOT_PATH and path not in desired}
        for path in sorted(unneeded):
            if parent_path(path) not in unneeded:
                actions.append({"action": "delete_resource", "path": path})
        for path in sorted(desired):
            node = current.get(path)
            if not node:
                continue
            for method in sorted(node["methods"]):
                if method not in desired[path]["methods"]:
                    actions.append({"action": "delete_method", "path": path, "method": method})
    for path in sorted(desired):
        if path not in current:
            actions.append({"action": "create_resource", "path": path})
    for path in sorted(desired):
        current_methods = current[path]["methods"] if path in current else {}
        for method, spec in sorted(desired[path]["methods"].items()):
            state = current_methods.get(method)
            base = {"path": path, "method": method, "method_spec": spec}
            if state is None:
                actions.append(dict(base, action="put_method"))
                actions.append(dict(base, action="put_integration"))
                continue
            ops = method_patch_ops(state, spec, authorizer_ids)
            if ops:
                actions.append(dict(base, action="update_method", patch_operations=ops))
            if state["integration"] is None:
                actions.append(dict(base, action="put_integration"))
                continue
            ops = integration_patch_ops(state["integration"], spec["integration"])
            if ops is None:
                actions.append(dict(base, action="replace_integration"))
            elif ops:
                actions.append(dict(base, action="update_integration", patch_operations=ops))
    return actions


# ---------------------------------------------------------------------------------------------
# The resources a run creates, in one OpenAPI import (PutRestApi)
# ---------------------------------------------------------------------------------------------

OPENAPI_VERSION = "3.0.1"
OPENAPI_ANY_METHOD = "x-amazon-apigateway-any-method"
OPENAPI_INTEGRATION = "x-amazon-apigateway-integration"
# Method request parameter locations -> OpenAPI parameter locations.
OPENAPI_PARAMETER_IN = {"path": "path", "querystring": "query", "header": "header"}


def importable_method(spec):
    """Whether AWS documents an OpenAPI import of this desired method exactly as PutMethod and
    PutIntegration would make it: open to anyone (authorization ``NONE``, no authorizer, scopes or
    API key) and integrated over the internet or a VPC link V1 (no ``integration_target``: nothing
    documents the integration target of a VPC link V2 in ``x-amazon-apigateway-integration``)."""
    return (
        spec["authorization_type"] == AUTHORIZATION_TYPE
        and not spec.get("authorizer")
        and not spec.get("authorization_scopes")
        and not spec.get("api_key_required")
        and not spec["integration"].get("integration_target")
    )


def _openapi_parameters(request_parameters):
    parameters = []
    for key, required in sorted(request_parameters.items()):
        dummy, dummy, where, name = key.split(".", 3)
        parameters.append(
            {"name": name, "in": OPENAPI_PARAMETER_IN[where], "required": bool(required), "schema": {"type": "string"}}
        )
    return parameters


def integration_fields(integration):
    """The fields of an integration that PutIntegration and ``x-amazon-apigateway-integration`` name alike."""
    fields = {
        "uri": integration["uri"],
        "connectionType": integration["connection_type"],
        "timeoutInMillis": integration["timeout_in_millis"],
    }
    if integration["connection_id"]:
        fields["connectionId"] = integration["connection_id"]
    if integration["request_parameters"]:
        fields["requestParameters"] = dict(integration["request_parameters"])
    return fields


def _openapi_integration(integration):
    return dict(
        integration_fields(integration), type=integration["type"].lower(), httpMethod=integration["http_method"]
    )


def openapi_document(desired, title, description=None):
    """The OpenAPI 3 document that puts the importable methods of the ``desired`` tree (and the
    resources they sit on) on an API in one ``PutRestApi`` call.

    Only the methods :func:`importable_method` accepts are in it, each with its path parameters and
    its ``x-amazon-apigateway-integration``; ``ANY`` is ``x-amazon-apigateway-any-method``. The rest
    (and anything an import did not make as planned) is put afterwards resource by resource, by the
    same plan that updates an API. A path is in it only with at least one method: a document without
    paths has nothing to import.
    """
    paths = {}
    for path in sorted(desired):
        operations = {}
        for method, spec in sorted(desired[path]["methods"].items()):
            if not importable_method(spec):
                continue
            operation = {OPENAPI_INTEGRATION: _openapi_integration(spec["integration"])}
            if spec["request_parameters"]:
                operation["parameters"] = _openapi_parameters(spec["request_parameters"])
            operations[OPENAPI_ANY_METHOD if method == "ANY" else method.lower()] = operation
        if operations:
            paths[path] = operations
    info = {"title": title, "version": "1"}
    if description:
        info["description"] = description
    return {"openapi": OPENAPI_VERSION, "info": info, "paths": paths}


def describe_action(action):
    """One human-readable line per action, for the module's ``changes`` result."""
    verb = action["action"].replace("_", " ")
    if "method" in action:
        text = f"{verb} {action['method']} {action['path']}"
    else:
        text = f"{verb} {action['path']}"
    if action.get("patch_operations"):
        text += " (" + ", ".join(f"{op['op']} {op['path']}" for op in action["patch_operations"]) + ")"
    return text


def apply_plan(current, actions, resource_ids=None):
    """The tree that results from running ``actions`` on ``current`` (nothing is called).

    ``resource_ids`` maps the paths of created resources to their new ids (``None`` in check mode).
    """
    tree = copy.deepcopy(current)
    resource_ids = resource_ids or {}
    for action in actions:
        path = action["path"]
        kind = action["action"]
        if kind == "delete_resource":
            for other in list(tree):
                if other == path or other.startswith(path + "/"):
                    del tree[other]
        elif kind == "delete_method":
            tree[path]["methods"].pop(action["method"], None)
        elif kind == "create_resource":
            tree[path] = {"id": resource_ids.get(path), "methods": {}}
        else:
            spec = action["method_spec"]
            state = tree[path]["methods"].setdefault(
                action["method"], {"authorization_type": None, "request_parameters": {}, "integration": None}
            )
            if kind in ("put_method", "update_method"):
                parameters = dict(state.get("request_parameters") or {})
                parameters.update(spec["request_parameters"])
                state.update(
                    authorization_type=spec["authorization_type"],
                    authorization_scopes=list(spec.get("authorization_scopes") or []),
                    api_key_required=bool(spec.get("api_key_required")),
                    request_parameters=parameters,
                )
                if spec.get("authorizer"):
                    state["authorizer"] = spec["authorizer"]
                else:
                    state.pop("authorizer", None)
            else:
                state["integration"] = copy.deepcopy(spec["integration"])
            state["complete"] = True
    return tree


def routes_view(tree):
    """Before/after view for the diff: ``{path: {method: {integration_uri, connection_id, timeout_in_millis}}}``.

    A method whose integration goes over a VPC link v2 also shows its ``integration_target``.

    Paths are shown without the leading slash (``/`` for the root); resources without methods are left out.
    """
    view = {}
    for path in sorted(tree):
        methods = tree[path]["methods"]
        if not methods:
            continue
        entry = {}
        for method in sorted(methods):
            integration = methods[method].get("integration") or {}
            entry[method] = {
                "integration_uri": integration.get("uri"),
                "connection_id": integration.get("connection_id"),
                "timeout_in_millis": integration.get("timeout_in_millis"),
            }
            if integration.get("integration_target"):
                entry[method]["integration_target"] = integration["integration_target"]
            # Who may call it, when anything but anyone without a key.
            state = methods[method]
            if state.get("authorization_type") not in (None, AUTHORIZATION_TYPE):
                entry[method]["authorization"] = state["authorization_type"] + (
                    f" {state['authorizer']}" if state.get("authorizer") else ""
                )
            if state.get("authorization_scopes"):
                entry[method]["authorization_scopes"] = list(state["authorization_scopes"])
            if state.get("api_key_required"):
                entry[method]["api_key_required"] = True
        view[path.lstrip("/") or ROOT_PATH] = entry
    return view


# ---------------------------------------------------------------------------------------------
# Fingerprint of the configuration (carried by the deployment description)
# ---------------------------------------------------------------------------------------------


def fingerprint(tree, authorizers=None, policy=""):
    """Stable sha256 hex digest of a desired tree (independent of route order and dict order).

    The authorizers (as :func:`api_authorization.desired_authorizer` gives them) and the canonical
    resource policy are part of what a deployment serves; they count only when there are any, so that
    an API without them keeps the fingerprint it had before they existed.
    """
    config = {"version": FINGERPRINT_VERSION, "resources": tree}
    if authorizers:
        config["authorizers"] = sorted(authorizers, key=lambda item: item["name"])
    if policy:
        config["policy"] = policy
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def deployment_description(text, digest):
    """Deployment description carrying the fingerprint, after the user's text when there is one."""
    marker = CONFIG_MARKER + digest
    return f"{text} ({marker})" if text else marker


def fingerprint_from_description(description):
    """The fingerprint a deployment description carries, or ``None``."""
    match = FINGERPRINT_RE.search(description or "")
    return match.group(1) if match else None


# ---------------------------------------------------------------------------------------------
# REST API attributes, ARNs and URLs
# ---------------------------------------------------------------------------------------------


def deployed_tag_value(deployment_id, digest):
    """Value of ``DEPLOYED_TAG`` for a deployment made from the configuration ``digest``."""
    return f"{deployment_id} {digest}"


def fingerprint_from_stage(stage):
    """The fingerprint the stage's ``DEPLOYED_TAG`` gives for the deployment it serves now, or ``None``
    (no tag, a malformed one, or a tag about another deployment: the stage was redeployed since)."""
    stage = stage or {}
    value = (stage.get("tags") or {}).get(DEPLOYED_TAG) or ""
    parts = value.split(" ")
    if len(parts) != 2 or not stage.get("deploymentId") or parts[0] != stage["deploymentId"]:
        return None
    return parts[1] if re.fullmatch(r"[0-9a-f]{64}", parts[1]) else None


def endpoint_type_of(api):
    types = (api.get("endpointConfiguration") or {}).get("types") or []
    return types[0] if types else None


def rest_api_patch_ops(api, name=None, description=None, endpoint_type=None):
    """UpdateRestApi operations for the attributes the module manages (``None``: leave alone)."""
    ops = []
    if name is not None and api.get("name") != name:
        ops.append({"op": "replace", "path": "/name", "value": name})
    if description is not None and (api.get("description") or "") != description:
        ops.append({"op": "replace", "path": "/description", "value": description})
    current_type = endpoint_type_of(api)
    if endpoint_type is not None and current_type is not None and current_type != endpoint_type:
        ops.append({"op": "replace", "path": f"/endpointConfiguration/types/{current_type}", "value": endpoint_type})
    return ops


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def rest_api_arn(region, rest_api_id):
    """ARN used by TagResource/UntagResource for a REST API."""
    return f"arn:{partition_of(region)}:apigateway:{region}::/restapis/{rest_api_id}"


def stage_arn(region, rest_api_id, stage_name):
    """ARN used by TagResource for a stage."""
    return f"{rest_api_arn(region, rest_api_id)}/stages/{stage_name}"


def invoke_url(rest_api_id, region, stage_name, path=None):
    """``https://<id>.execute-api.<region>.amazonaws.com/<stage>[/<path>]`` (None without id or stage)."""
    if not rest_api_id or not stage_name:
        return None
    suffix = "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"
    url = f"https://{rest_api_id}.execute-api.{region}.{suffix}/{stage_name}"
    return f"{url}/{path}" if path else url


# ---------------------------------------------------------------------------------------------
# API Gateway calls: one small function each, retried, NotFoundException -> None in one place
# ---------------------------------------------------------------------------------------------


class AnsibleRestApiError(AnsibleAWSError):
    pass


class RestApiErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRestApiError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


@RestApiErrorHandler.list_error_handler("get REST API")
@aws_retry
def get_rest_api(client, rest_api_id):
    return client.get_rest_api(restApiId=rest_api_id)


@RestApiErrorHandler.list_error_handler("list REST APIs", [])
@aws_retry
def list_rest_apis(client):
    paginator = client.get_paginator("get_rest_apis")
    return paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE}).build_full_result().get("items", [])


@RestApiErrorHandler.common_error_handler("create REST API")
@aws_retry
def create_rest_api(client, name, endpoint_type, tags, description=None, policy=None):
    params = {"name": name, "endpointConfiguration": {"types": [endpoint_type]}, "tags": tags}
    if description is not None:
        params["description"] = description
    if policy:
        params["policy"] = policy
    return client.create_rest_api(**params)


@RestApiErrorHandler.common_error_handler("update REST API")
@aws_retry
def update_rest_api(client, rest_api_id, patch_operations):
    return client.update_rest_api(restApiId=rest_api_id, patchOperations=patch_operations)


@RestApiErrorHandler.deletion_error_handler("delete REST API")
@aws_retry
def delete_rest_api(client, rest_api_id):
    client.delete_rest_api(restApiId=rest_api_id)
    return True


@RestApiErrorHandler.list_error_handler("get resources", [])
@aws_retry
def get_resources(client, rest_api_id):
    paginator = client.get_paginator("get_resources")
    pages = paginator.paginate(restApiId=rest_api_id, embed=["methods"], PaginationConfig={"PageSize": PAGE_SIZE})
    return pages.build_full_result().get("items", [])


@RestApiErrorHandler.common_error_handler("import routes")
@aws_retry
def put_rest_api(client, rest_api_id, document):
    """Merge an OpenAPI document into the API (``PutRestApi``, ``mode=merge``: nothing is removed)."""
    return client.put_rest_api(restApiId=rest_api_id, mode="merge", body=json.dumps(document).encode())


@RestApiErrorHandler.common_error_handler("create resource")
@aws_retry
def create_resource(client, rest_api_id, parent_id, part):
    return client.create_resource(restApiId=rest_api_id, parentId=parent_id, pathPart=part)


@RestApiErrorHandler.deletion_error_handler("delete resource")
@aws_retry
def delete_resource(client, rest_api_id, resource_id):
    client.delete_resource(restApiId=rest_api_id, resourceId=resource_id)
    return True


@RestApiErrorHandler.list_error_handler("get method")
@aws_retry
def get_method(client, rest_api_id, resource_id, http_method):
    return client.get_method(restApiId=rest_api_id, resourceId=resource_id, httpMethod=http_method)


@RestApiErrorHandler.common_error_handler("put method")
@aws_retry
def put_method(client, rest_api_id, resource_id, http_method, spec, authorizer_id=None):
    params = {
        "restApiId": rest_api_id,
        "resourceId": resource_id,
        "httpMethod": http_method,
        "authorizationType": spec["authorization_type"],
    }
    if authorizer_id:
        params["authorizerId"] = authorizer_id
    if spec.get("authorization_scopes"):
        params["authorizationScopes"] = list(spec["authorization_scopes"])
    if spec.get("api_key_required"):
        params["apiKeyRequired"] = True
    if spec["request_parameters"]:
        params["requestParameters"] = spec["request_parameters"]
    return client.put_method(**params)


@RestApiErrorHandler.common_error_handler("update method")
@aws_retry
def update_method(client, rest_api_id, resource_id, http_method, patch_operations):
    return client.update_method(
        restApiId=rest_api_id, resourceId=resource_id, httpMethod=http_method, patchOperations=patch_operations
    )


@RestApiErrorHandler.deletion_error_handler("delete method")
@aws_retry
def delete_method(client, rest_api_id, resource_id, http_method):
    client.delete_method(restApiId=rest_api_id, resourceId=resource_id, httpMethod=http_method)
    return True


@RestApiErrorHandler.common_error_handler("put integration")
@aws_retry
def put_integration(client, rest_api_id, resource_id, http_method, integration):
    params = dict(
        integration_fields(integration),
        restApiId=rest_api_id,
        resourceId=resource_id,
        httpMethod=http_method,
        type=integration["type"],
        integrationHttpMethod=integration["http_method"],
    )
    if integration.get("integration_target"):
        params["integrationTarget"] = integration["integration_target"]
    return client.put_integration(**params)


@RestApiErrorHandler.common_error_handler("update integration")
@aws_retry
def update_integration(client, rest_api_id, resource_id, http_method, patch_operations):
    return client.update_integration(
        restApiId=rest_api_id, resourceId=resource_id, httpMethod=http_method, patchOperations=patch_operations
    )


@RestApiErrorHandler.deletion_error_handler("delete integration")
@aws_retry
def delete_integration(client, rest_api_id, resource_id, http_method):
    client.delete_integration(restApiId=rest_api_id, resourceId=resource_id, httpMethod=http_method)
    return True


@RestApiErrorHandler.list_error_handler("get stage")
@aws_retry
def get_stage(client, rest_api_id, stage_name):
    return client.get_stage(restApiId=rest_api_id, stageName=stage_name)


@RestApiErrorHandler.list_error_handler("get deployment")
@aws_retry
def get_deployment(client, rest_api_id, deployment_id):
    return client.get_deployment(restApiId=rest_api_id, deploymentId=deployment_id)


@RestApiErrorHandler.common_error_handler("create deployment")
@aws_retry
def create_deployment(client, rest_api_id, stage_name, description):
    return client.create_deployment(restApiId=rest_api_id, stageName=stage_name, description=description)


@RestApiErrorHandler.common_error_handler("tag REST API")
@aws_retry
def tag_resource(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=tags)
    return True


@RestApiErrorHandler.common_error_handler("untag REST API")
@aws_retry
def untag_resource(client, arn, tag_keys):
    client.untag_resource(resourceArn=arn, tagKeys=tag_keys)
    return True


@RestApiErrorHandler.list_error_handler("get authorizers", [])
@aws_retry
def get_authorizers(client, rest_api_id):
    paginator = client.get_paginator("get_authorizers")
    return paginator.paginate(restApiId=rest_api_id).build_full_result().get("items", [])


@RestApiErrorHandler.common_error_handler("create authorizer")
@aws_retry
def create_authorizer(client, rest_api_id, item):
    params = {key: value for key, value in item.items() if key not in ("id",)}
    return client.create_authorizer(restApiId=rest_api_id, **params)


@RestApiErrorHandler.common_error_handler("update authorizer")
@aws_retry
def update_authorizer(client, rest_api_id, authorizer_id, patch_operations):
    return client.update_authorizer(restApiId=rest_api_id, authorizerId=authorizer_id, patchOperations=patch_operations)


@RestApiErrorHandler.deletion_error_handler("delete authorizer")
@aws_retry
def delete_authorizer(client, rest_api_id, authorizer_id):
    client.delete_authorizer(restApiId=rest_api_id, authorizerId=authorizer_id)
    return True
