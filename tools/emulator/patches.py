# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fidelity patches for moto 5.2.5 in server mode.

Each ``patch_<id>`` function restores one documented AWS behaviour that moto 5.2.5 gets wrong
(ids from ``/work/shared/emulator-fidelity.md`` and ``tools/emulator/README.md``). They monkeypatch
moto's backend, model and response classes in the server process, before the first request creates
the Flask apps. ``apply()`` refuses any other moto version: the patches replace private code of that
exact release, so an upgrade must be re-checked against ``tests/emulator/test_patches.py``.

Realism knobs (read from the environment by ``apply()``, changeable at run time through
``POST /moto-api/emulator``):

``EMULATOR_VPC_LINK_PENDING_SECONDS``
    VPC links (REST v1 and v2) report ``PENDING`` for that many seconds after creation (default 0).
``EMULATOR_TARGET_INITIAL_SECONDS``
    NLB targets report ``initial`` / ``Elb.RegistrationInProgress`` for that many seconds after
    registration (default 0).
``EMULATOR_THROTTLE_FRACTION``
    That fraction (0 to 1) of AWS API calls, drawn at random, is refused before moto sees it with the
    throttling error of the service's protocol, as AWS does under load (default 0): EC2
    ``RequestLimitExceeded`` (HTTP 503), other query services (ELBv2, STS...) ``Throttling`` (400),
    JSON services ``ThrottlingException`` (Organizations ``TooManyRequestsException``) (400), REST
    services (API Gateway) ``TooManyRequestsException`` (429). One call (same credentials, service and
    action) is refused at most twice in a row, and so is one SDK invocation (its attempts carry one
    ``amz-sdk-invocation-id``) even when other callers of the same credentials get through between its
    attempts: the SDK's default retry gets through. Nothing changes for a throttled call;
    ``GET /moto-api/emulator/calls`` counts them.

A hold (``POST /moto-api/emulator`` with ``{"hold_seconds": N}``, not an environment variable):
VPC links created and NLB targets registered while a hold lasts read ``PENDING`` / ``initial``
until it ends, whatever their own window. A new ``hold_seconds`` while a hold lasts moves its end
(N seconds from now) and keeps what it covers; ``{"hold_seconds": 0}`` ends it. Tests use it to
keep new things unsettled for as long as their assertions take and to release them at a moment of
their choosing, so that no assertion races the clock on a loaded machine.

A pause (``POST /moto-api/emulator/pause`` with ``{"call": "service:Action", "seconds": N}``;
``DELETE`` ends it): the next call counted under that key (as ``GET /moto-api/emulator/calls`` names
it) is counted and served at once, but answered only N seconds later, once. A test that kills a run
right after a call (tests/scenarios/interrupt.py) uses it, so that the kill lands while the caller
still waits for the answer, however slowly the loaded machine lets the killer poll.
"""

import fnmatch
import inspect
import ipaddress
import json
import math
import os
import random
import re
import threading
import time
from collections import Counter, OrderedDict

MOTO_VERSION = "5.2.5"

# Run-time settings; the control endpoint (/moto-api/emulator) reads and changes them.
KNOBS = {
    "vpc_link_pending_seconds": 0.0,
    "target_initial_seconds": 0.0,
    "throttle_fraction": 0.0,
}
KNOB_ENV = {
    "vpc_link_pending_seconds": "EMULATOR_VPC_LINK_PENDING_SECONDS",
    "target_initial_seconds": "EMULATOR_TARGET_INITIAL_SECONDS",
    "throttle_fraction": "EMULATOR_THROTTLE_FRACTION",
}

# The hold (see the docstring): links created and targets registered from "since" read PENDING /
# initial until time.time() reaches "until".
HOLD = {"since": 0.0, "until": 0.0}

# Which patches are live; shared helpers (targets, integrations) consult it so that disabling one id
# leaves the stock behaviour of that aspect in place.
ENABLED = set()
_APPLIED = []
_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _json_pointer_key(path, prefix):
    """Return the map key of a patch path such as ``/requestParameters/a~1b`` (JSON pointer)."""
    return path[len(prefix) :].replace("~1", "/").replace("~0", "~")


def _held(created_at):
    """True when a hold set through the control endpoint covers a thing created at that time."""
    return HOLD["since"] <= created_at and time.time() < HOLD["until"]


def _set_hold(seconds):
    now = time.time()
    if now >= HOLD["until"]:
        HOLD["since"] = now
    HOLD["until"] = now + seconds


def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _apigw_path_parts(response):
    """restapi id, resource id and HTTP method from /restapis/<id>/resources/<id>/methods/<m>[/...]."""
    parts = response.path.split("/")
    return parts[2], parts[4], parts[6]


def _invalid_patch_path(op, path, allowed):
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(
        f"Invalid patch path '{path}' specified for op '{op}'. Must be one of: [{', '.join(allowed)}]"
    )


def _integration_connection_id(integration):
    return getattr(integration, "connection_id", None)


# --------------------------------------------------------------------------------------------------
# G1: ec2 DescribeVpcPeeringConnections honours Filters and VpcPeeringConnectionIds
# --------------------------------------------------------------------------------------------------

_PCX_FIELDS = {
    "requester-vpc-info.vpc-id": lambda p: [p.vpc.id],
    "requester-vpc-info.owner-id": lambda p: [p.vpc.owner_id],
    "requester-vpc-info.cidr-block": lambda p: _vpc_cidrs(p.vpc),
    "accepter-vpc-info.vpc-id": lambda p: [p.peer_vpc.id],
    "accepter-vpc-info.owner-id": lambda p: [p.peer_vpc.owner_id],
    "accepter-vpc-info.cidr-block": lambda p: _vpc_cidrs(p.peer_vpc),
    "status-code": lambda p: [p._status.code],
    "status-message": lambda p: [p._status.message],
    "vpc-peering-connection-id": lambda p: [p.id],
}


def _vpc_cidrs(vpc):
    cidrs = [vpc.cidr_block]
    for assoc in vpc.get_cidr_block_association_set(ipv6=False):
        if assoc.get("cidr_block") and assoc["cidr_block"] not in cidrs:
            cidrs.append(assoc["cidr_block"])
    return cidrs


def _pcx_tags(backend, pcx_id):
    """Tags of a peering as the calling account sees them (AWS keeps tags per account)."""
    return {t["key"]: t["value"] for t in backend.describe_tags(filters={"resource-id": [pcx_id]})}


def _pcx_matches(pcx, filters, tags):
    for name, patterns in filters.items():
        if not patterns:
            continue
        if name.startswith("tag:"):
            key = name[4:]
            values = [tags[key]] if key in tags else []
        elif name == "tag-key":
            values = list(tags)
        elif name == "tag-value":
            values = list(tags.values())
        elif name in _PCX_FIELDS:
            values = _PCX_FIELDS[name](pcx)
        else:
            from moto.ec2.exceptions import InvalidFilter

            raise InvalidFilter(name, "InvalidParameterValue")
        if not any(fnmatch.fnmatchcase(str(v), str(pat)) for v in values for pat in patterns):
            return False
    return True


_caller = threading.local()


def patch_G1():
    """G1: DescribeVpcPeeringConnections honours its Filters and VpcPeeringConnectionIds.

    AWS: ``requester-vpc-info.*``, ``accepter-vpc-info.*`` (vpc-id, owner-id, cidr-block),
    ``status-code``, ``status-message``, ``vpc-peering-connection-id``, ``tag:<k>``, ``tag-key``,
    ``tag-value`` filter the result (values OR-ed, filters AND-ed, ``*``/``?`` wildcards); an unknown id
    is ``InvalidVpcPeeringConnectionID.NotFound``; tags are per account (the accepter does not see the
    requester's tags). moto 5.2.5 ignores every filter, so a lookup for a peering that does not exist
    returns every peering of the account.
    """
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.vpc_peering_connections import VPCPeeringConnection
    from moto.ec2.responses.vpc_peering_connections import VPCPeeringConnections

    orig_get_tags = VPCPeeringConnection.get_tags

    def get_tags(self):
        backend = getattr(_caller, "ec2_backend", None)
        if backend is None or backend is self.ec2_backend:
            return orig_get_tags(self)
        return backend.describe_tags(filters={"resource-id": [self.id]})

    def describe_vpc_peering_connections(self):
        from moto.core.responses import ActionResult

        _caller.ec2_backend = self.ec2_backend
        ids = self._get_param("VpcPeeringConnectionIds", []) or []
        filters = self._filters_from_querystring()
        pcxs = list(self.ec2_backend.vpc_pcxs.values())
        if ids:
            known = {p.id for p in pcxs}
            missing = [i for i in ids if i not in known]
            if missing:
                raise EC2ClientError(
                    "InvalidVpcPeeringConnectionID.NotFound",
                    f"The vpcPeeringConnection ID '{missing[0]}' does not exist",
                )
            pcxs = [p for p in pcxs if p.id in ids]
        pcxs = [p for p in pcxs if _pcx_matches(p, filters, _pcx_tags(self.ec2_backend, p.id))]
        return ActionResult({"VpcPeeringConnections": pcxs})

    def _remember_caller(name):
        orig = getattr(VPCPeeringConnections, name)

        def wrapper(self):
            _caller.ec2_backend = self.ec2_backend
            return orig(self)

        wrapper.__name__ = name
        setattr(VPCPeeringConnections, name, wrapper)

    VPCPeeringConnection.get_tags = get_tags
    VPCPeeringConnections.describe_vpc_peering_connections = describe_vpc_peering_connections
    for action in ("create_vpc_peering_connection", "accept_vpc_peering_connection"):
        _remember_caller(action)


# --------------------------------------------------------------------------------------------------
# G2 / G2b / G16: REST API integrations and methods
# --------------------------------------------------------------------------------------------------


def patch_G2():
    """G2: PutIntegration/GetIntegration keep ``connectionId``; VPC_LINK without it is rejected.

    AWS stores and returns ``connectionId`` (the VPC link id, or a ``${stageVariables.x}`` reference)
    and answers ``BadRequestException`` when ``connectionType`` is ``VPC_LINK`` without one. moto 5.2.5
    drops ``connectionId`` and accepts VPC_LINK with none, so idempotence checks never converge.
    """
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import Integration
    from moto.apigateway.responses import APIGatewayResponse

    orig_to_json = Integration.to_json
    orig_put = APIGatewayResponse.put_integration

    def to_json(self):
        data = orig_to_json(self)
        connection_id = _integration_connection_id(self)
        if connection_id:
            data["connectionId"] = connection_id
        return data

    def put_integration(self):
        connection_type = self._get_param("connectionType")
        connection_id = self._get_param("connectionId")
        if connection_type == "VPC_LINK" and not connection_id:
            raise BadRequestException("Connection id must be provided when connectionType is VPC_LINK")
        status, headers, _body = orig_put(self)
        function_id, resource_id, method_type = _apigw_path_parts(self)
        integration = self.backend.get_resource(function_id, resource_id).get_integration(method_type)
        integration.connection_id = connection_id
        return status, headers, json.dumps(integration.to_json())

    Integration.to_json = to_json
    APIGatewayResponse.put_integration = put_integration


_INTEGRATION_SCALARS = {
    "/connectionId": "connection_id",
    "/connectionType": "connection_type",
    "/uri": "uri",
    "/httpMethod": "http_method",
    "/timeoutInMillis": "timeout_in_millis",
    "/passthroughBehavior": "passthrough_behaviour",
    "/contentHandling": "content_handling",
    "/credentials": "credentials",
    "/cacheNamespace": "cache_namespace",
}
_INTEGRATION_MAPS = {
    "/requestParameters/": "request_parameters",
    "/requestTemplates/": "request_templates",
}


def _apply_integration_ops(integration, operations):
    allowed = sorted(list(_INTEGRATION_SCALARS) + [p + "*" for p in _INTEGRATION_MAPS] + ["/cacheKeyParameters/*"])
    for operation in operations:
        op, path, value = operation.get("op"), operation.get("path", ""), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise _invalid_patch_path(op, path, allowed)
        if path in _INTEGRATION_SCALARS:
            attr = _INTEGRATION_SCALARS[path]
            if op == "remove":
                value = None
            elif path == "/timeoutInMillis":
                value = int(value)
            setattr(integration, attr, value)
            if path == "/connectionType" and value != "VPC_LINK" and op != "remove":
                integration.connection_id = None
            continue
        for prefix, attr in _INTEGRATION_MAPS.items():
            if path.startswith(prefix) and len(path) > len(prefix):
                key = _json_pointer_key(path, prefix)
                mapping = dict(getattr(integration, attr, None) or {})
                if op == "remove":
                    mapping.pop(key, None)
                else:
                    mapping[key] = value
                setattr(integration, attr, mapping or None)
                break
        else:
            if path.startswith("/cacheKeyParameters/"):
                key = _json_pointer_key(path, "/cacheKeyParameters/")
                params = [p for p in integration.cache_key_parameters if p != key]
                if op != "remove":
                    params.append(key)
                integration.cache_key_parameters = params
            else:
                raise _invalid_patch_path(op, path, allowed)


_METHOD_SCALARS = {
    "/authorizationType": "authorization_type",
    "/authorizerId": "authorizer_id",
    "/apiKeyRequired": "api_key_required",
    "/operationName": "operation_name",
    "/requestValidatorId": "request_validator_id",
}
_METHOD_MAPS = {"/requestParameters/": "request_parameters", "/requestModels/": "request_models"}


def _apply_method_ops(method, operations):
    allowed = sorted(list(_METHOD_SCALARS) + [p + "*" for p in _METHOD_MAPS] + ["/authorizationScopes"])
    for operation in operations:
        op, path, value = operation.get("op"), operation.get("path", ""), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise _invalid_patch_path(op, path, allowed)
        if path in _METHOD_SCALARS:
            if path == "/apiKeyRequired":
                value = False if op == "remove" else _bool(value)
            elif op == "remove":
                value = None
            setattr(method, _METHOD_SCALARS[path], value)
            continue
        if path == "/authorizationScopes":
            scopes = list(method.authorization_scopes or [])
            if op == "remove":
                scopes = [s for s in scopes if s != value] if value else []
            elif op == "add":
                scopes.append(value)
            else:
                scopes = [value]
            method.authorization_scopes = scopes or None
            continue
        for prefix, attr in _METHOD_MAPS.items():
            if path.startswith(prefix) and len(path) > len(prefix):
                key = _json_pointer_key(path, prefix)
                mapping = dict(getattr(method, attr, None) or {})
                if op == "remove":
                    mapping.pop(key, None)
                else:
                    mapping[key] = _bool(value) if attr == "request_parameters" else value
                setattr(method, attr, mapping or None)
                break
        else:
            raise _invalid_patch_path(op, path, allowed)


_OPENAPI_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")
_OPENAPI_ANY_METHOD = "x-amazon-apigateway-any-method"
_OPENAPI_PARAMETER_IN = {"path": "path", "query": "querystring", "header": "header"}


def _openapi_resource(backend, function_id, path):
    """The API's resource at ``path``, made (with its missing parents) when there is none."""
    api = backend.get_rest_api(function_id)
    resource = api.get_resource_for_path("/")
    walked = ""
    for part in [part for part in path.split("/") if part]:
        walked += "/" + part
        child = api.get_resource_for_path(walked)
        if child is None:
            child = backend.create_resource(function_id=function_id, parent_resource_id=resource.id, path_part=part)
        resource = child
    return resource


def patch_G7b():
    """G7b: PutRestApi / ImportRestApi make the methods and integrations of an OpenAPI 3 document.

    AWS documents the import of private integrations (``connectionType: VPC_LINK`` with
    ``connectionId``), of ``x-amazon-apigateway-any-method`` as the method ``ANY``, of path, query and
    header parameters as method request parameters, of ``info.description`` as optional, and of
    ``mode=merge`` as adding to the resources the API has. moto 5.2.5 drops ``connectionId``, names a
    method ``X-AMAZON-APIGATEWAY-ANY-METHOD``, drops the parameters, stores the lower-case integration
    type of the documents (``http_proxy``; AWS answers ``HTTP_PROXY``), creates every path again in
    merge mode (two ``/payments``) and answers HTTP 500 to an ImportRestApi without a description.

    A document is checked whole before anything is made: a private integration without
    ``connectionId``, or with the id of a VPC link V2 (G20) and no ``integrationTarget``, is
    ``BadRequestException`` as PutIntegration answers it.

    Not emulated: security requirements and authorizers (a document with ``security`` is refused
    with BadRequestException, rather than imported open to anyone), models and request validators.
    """
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend

    orig_put = APIGatewayBackend.put_rest_api
    orig_import = APIGatewayBackend.import_rest_api

    def operations(document):
        for path, item in sorted((document.get("paths") or {}).items()):
            for key, operation in item.items():
                if key == _OPENAPI_ANY_METHOD or key in _OPENAPI_OPERATIONS:
                    yield path, item, ("ANY" if key == _OPENAPI_ANY_METHOD else key.upper()), operation

    def check(backend, document):
        """Refuse the document before anything is made, as AWS validates a whole import first."""
        v2_links = _v2_link_ids(backend.account_id, backend.region_name) if "G20" in ENABLED else set()
        for path, _item, method, operation in operations(document):
            if operation.get("security", document.get("security")):
                raise BadRequestException(
                    f"{method} {path}: the emulator does not import security requirements "
                    "(tools/emulator/README.md, G7b); put the method with PutMethod"
                )
            integration = operation.get("x-amazon-apigateway-integration") or {}
            if str(integration.get("connectionType", "")).upper() != "VPC_LINK":
                continue
            if not integration.get("connectionId"):
                raise BadRequestException("Connection id must be provided when connectionType is VPC_LINK")
            if integration["connectionId"] in v2_links and not integration.get("integrationTarget"):
                raise BadRequestException("IntegrationTarget is required for VpcLinkV2")

    def put_method(backend, function_id, resource, method, operation, shared):
        parameters = {}
        for parameter in list(shared) + list(operation.get("parameters") or []):
            where = _OPENAPI_PARAMETER_IN.get(parameter.get("in"))
            if where:
                parameters[f"method.request.{where}.{parameter['name']}"] = bool(parameter.get("required"))
        backend.put_method(function_id, resource.id, method, "NONE", request_parameters=parameters or None)
        for code in operation.get("responses") or {}:
            backend.put_method_response(
                function_id, resource.id, method, code, response_models=None, response_parameters=None
            )

    def put_integration(backend, function_id, resource, method, integration):
        args = backend._build_integration_args(integration)  # pylint: disable=protected-access
        for key in ("integration_type", "passthrough_behavior"):
            if args.get(key):
                args[key] = args[key].upper()
        made = backend.put_integration(
            function_id=function_id,
            resource_id=resource.id,
            method_type=method,
            **{key: value for key, value in args.items() if value is not None},
        )
        made.connection_id = integration.get("connectionId")
        for response in backend._build_integration_responses_args(integration):  # pylint: disable=protected-access
            backend.put_integration_response(
                function_id=function_id,
                resource_id=resource.id,
                method_type=method,
                **{key: value for key, value in response.items() if value is not None},
            )

    def put_rest_api(self, function_id, api_doc, fail_on_warnings, mode="merge"):
        self.get_rest_api(function_id)  # NotFoundException first
        check(self, api_doc)
        # moto checks the mode and the version, validates, and empties the API in overwrite mode
        orig_put(self, function_id, dict(api_doc, paths={}), fail_on_warnings, mode=mode)
        for path, item, method, operation in operations(api_doc):
            resource = _openapi_resource(self, function_id, path)
            put_method(self, function_id, resource, method, operation, item.get("parameters") or [])
            if operation.get("x-amazon-apigateway-integration"):
                put_integration(self, function_id, resource, method, operation["x-amazon-apigateway-integration"])
        for path in api_doc.get("paths") or {}:
            _openapi_resource(self, function_id, path)  # a path without operations is made too
        return self.get_rest_api(function_id)

    def import_rest_api(self, api_doc, fail_on_warnings):
        check(self, api_doc)
        info = api_doc.get("info") or {}
        return orig_import(self, dict(api_doc, info=dict(info, description=info.get("description"))), fail_on_warnings)

    APIGatewayBackend.put_rest_api = put_rest_api
    APIGatewayBackend.import_rest_api = import_rest_api


def patch_G2b():
    """G2b: UpdateIntegration and UpdateMethod apply their patch operations.

    AWS: UpdateIntegration patches ``/connectionId``, ``/connectionType``, ``/uri``, ``/httpMethod``,
    ``/timeoutInMillis``, ``/passthroughBehavior``, ``/contentHandling``, ``/credentials``,
    ``/cacheNamespace``, ``/requestParameters/<key>``, ``/requestTemplates/<type>`` and
    ``/cacheKeyParameters/<key>`` (add/replace/remove); UpdateMethod patches ``/authorizationType``,
    ``/authorizerId``, ``/apiKeyRequired``, ``/operationName``, ``/requestValidatorId``,
    ``/authorizationScopes``, ``/requestParameters/<key>`` and ``/requestModels/<type>``. An unknown
    path is ``BadRequestException``; a missing method or integration is ``NotFoundException``.
    moto 5.2.5 answers HTTP 500 (not implemented) to both.
    """
    from moto.apigateway.exceptions import BadRequestException, NoIntegrationDefined
    from moto.apigateway.responses import APIGatewayResponse

    def update_integration(self):
        function_id, resource_id, method_type = _apigw_path_parts(self)
        method = self.backend.get_method(function_id, resource_id, method_type)
        integration = method.method_integration
        if integration is None:
            raise NoIntegrationDefined()
        _apply_integration_ops(integration, self._get_param("patchOperations") or [])
        if integration.connection_type == "VPC_LINK" and not _integration_connection_id(integration):
            raise BadRequestException("Connection id must be provided when connectionType is VPC_LINK")
        return 200, {}, json.dumps(integration.to_json())

    def update_method(self):
        function_id, resource_id, method_type = _apigw_path_parts(self)
        method = self.backend.get_method(function_id, resource_id, method_type)
        _apply_method_ops(method, self._get_param("patchOperations") or [])
        return 200, {}, json.dumps(method.to_json())

    APIGatewayResponse.update_integration = update_integration
    APIGatewayResponse.update_method = update_method


def patch_G16():
    """G16: what was deleted is gone.

    AWS: GetIntegration/DeleteIntegration on a method without an integration is ``NotFoundException``
    (``No integration defined for method``); GetMethod/DeleteMethod of a missing method is
    ``NotFoundException`` (``Invalid Method identifier specified``); DeleteRestApi/DeleteResource of an
    unknown id is ``NotFoundException``; DeleteResource removes the whole subtree (the root cannot be
    deleted). moto 5.2.5 returns HTTP 200 ``{}`` for GetIntegration after DeleteIntegration, accepts
    deleting a missing method, answers HTTP 500 for unknown APIs/resources, and leaves the children of
    a deleted resource behind, after which GetResources fails for the whole API.
    """
    from moto.apigateway.exceptions import BadRequestException, NoIntegrationDefined
    from moto.apigateway.responses import APIGatewayResponse

    orig_delete_integration = APIGatewayResponse.delete_integration
    orig_delete_method = APIGatewayResponse.delete_method

    def _integration_or_404(self):
        function_id, resource_id, method_type = _apigw_path_parts(self)
        integration = self.backend.get_method(function_id, resource_id, method_type).method_integration
        if integration is None:
            raise NoIntegrationDefined()
        return integration

    def get_integration(self):
        return json.dumps(_integration_or_404(self).to_json())

    def delete_integration(self):
        _integration_or_404(self)
        return orig_delete_integration(self)

    def delete_method(self):
        function_id, resource_id, method_type = _apigw_path_parts(self)
        self.backend.get_method(function_id, resource_id, method_type)
        return orig_delete_method(self)

    orig_delete_rest_api = APIGatewayResponse.delete_rest_api

    def delete_rest_api(self):
        self.backend.get_rest_api(self.path.replace("/restapis/", "", 1).split("/")[0])
        return orig_delete_rest_api(self)

    def delete_resource(self):
        function_id = self.path.replace("/restapis/", "", 1).split("/")[0]
        resource_id = self.path.split("/")[-1]
        api = self.backend.get_rest_api(function_id)
        resource = self.backend.get_resource(function_id, resource_id)
        if resource_id == api.root_resource_id:
            raise BadRequestException("Cannot delete root resource")
        gone, queue = [], [resource_id]
        while queue:  # the resource and everything under it, as AWS does
            current = queue.pop()
            gone.append(current)
            queue.extend(r.id for r in api.resources.values() if r.parent_id == current)
        body = json.dumps(resource.to_dict())
        for rid in gone:
            api.resources.pop(rid, None)
        return 202, {"status": 202}, body

    APIGatewayResponse.get_integration = get_integration
    APIGatewayResponse.delete_integration = delete_integration
    APIGatewayResponse.delete_method = delete_method
    APIGatewayResponse.delete_rest_api = delete_rest_api
    APIGatewayResponse.delete_resource = delete_resource


def patch_G17():
    """G17 (found while writing these patches): CreateResource refuses a clashing sibling.

    AWS: a second child with the same ``pathPart`` under one parent is ``ConflictException``
    (``Another resource with the same parent already has this name``); a second variable child
    (``{id}`` next to ``{proxy+}``) is ``BadRequestException``; an unknown parent is
    ``NotFoundException``. moto 5.2.5 creates duplicates (and orphans under unknown parents), which
    hides non-idempotent resource creation.
    """
    from moto.apigateway.exceptions import BadRequestException, ConflictException
    from moto.apigateway.responses import APIGatewayResponse

    orig_create_resource = APIGatewayResponse.create_resource

    def create_resource(self):
        function_id = self.path.replace("/restapis/", "", 1).split("/")[0]
        parent_id = self.path.split("/")[-1]
        path_part = self._get_param("pathPart") or ""
        api = self.backend.get_rest_api(function_id)
        self.backend.get_resource(function_id, parent_id)
        for sibling in api.resources.values():
            if sibling.parent_id != parent_id:
                continue
            if sibling.path_part == path_part:
                raise ConflictException(f"Another resource with the same parent already has this name: {path_part}")
            if path_part.startswith("{") and sibling.path_part.startswith("{"):
                raise BadRequestException(
                    f"A sibling ({sibling.path_part}) of this resource already has a variable path part -- only one "
                    "is allowed"
                )
        return orig_create_resource(self)

    APIGatewayResponse.create_resource = create_resource


# --------------------------------------------------------------------------------------------------
# G3 / G4 / G13: VPC links and tags
# --------------------------------------------------------------------------------------------------


def patch_G3():
    """G3: UpdateVpcLink patches ``/name`` and ``/description``.

    AWS applies the operations and returns the link (an unknown id is ``NotFoundException``, any other
    path ``BadRequestException``: targets are immutable). moto 5.2.5 answers HTTP 500.
    """
    from moto.apigateway.responses import APIGatewayResponse

    def update_vpc_link(self):
        vpc_link = self.backend.get_vpc_link(vpc_link_id=self.path.split("/")[-1])
        for operation in self._get_param("patchOperations") or []:
            op, path = operation.get("op"), operation.get("path")
            if op not in ("replace", "add", "remove") or path not in ("/name", "/description"):
                raise _invalid_patch_path(op, path, ["/description", "/name"])
            value = None if op == "remove" else operation.get("value")
            if path == "/name":
                vpc_link.name = value
            else:
                vpc_link.description = value
        return 200, {}, json.dumps(vpc_link.to_json())

    APIGatewayResponse.update_vpc_link = update_vpc_link


_TAG_ROUTE = "{0}/tags/arn:(?P<partition>[^/]+):apigateway:(?P<region_name>[^/]+)::/%s/(?P<%s>[^/]+)$"


def patch_G4():
    """G4: TagResource/GetTags/UntagResource work on REST APIs and VPC links.

    AWS tags ``arn:aws:apigateway:<region>::/restapis/<id>`` and ``...::/vpclinks/<id>`` (and stages);
    GetRestApi/GetVpcLink(s) return the current tags. moto 5.2.5 routes only stage ARNs (404 for the
    others) and keeps only the tags given at creation.
    """
    from urllib.parse import unquote

    from moto.apigateway import urls
    from moto.apigateway.exceptions import NotFoundException
    from moto.apigateway.responses import APIGatewayResponse

    urls.url_paths[_TAG_ROUTE % ("restapis", "function_id")] = APIGatewayResponse.dispatch
    urls.url_paths[_TAG_ROUTE % ("vpclinks", "vpclink_id")] = APIGatewayResponse.dispatch

    orig = {name: getattr(APIGatewayResponse, name) for name in ("get_tags", "tag_resource", "untag_resource")}

    def _tagged(self):
        """The object holding the tags of the ARN in the path, or None for a stage ARN."""
        arn = unquote(self.path.split("/tags/", 1)[1])
        resource = arn.split("::", 1)[1] if "::" in arn else ""
        parts = resource.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "restapis":
            return self.backend.get_rest_api(parts[1])
        if len(parts) == 2 and parts[0] == "vpclinks":
            return self.backend.get_vpc_link(vpc_link_id=parts[1])
        if len(parts) == 4 and parts[0] == "restapis" and parts[2] == "stages":
            return None
        raise NotFoundException(f"Invalid resource ARN specified: {arn}")

    def get_tags(self):
        target = _tagged(self)
        if target is None:
            return orig["get_tags"](self)
        return json.dumps({"tags": dict(target.tags or {})})

    def tag_resource(self):
        target = _tagged(self)
        if target is None:
            return orig["tag_resource"](self)
        tags = self._get_param("tags") or {}
        target.tags = {**(target.tags or {}), **tags}
        return 204, {}, ""

    def untag_resource(self):
        target = _tagged(self)
        if target is None:
            return orig["untag_resource"](self)
        keys = self.querystring.get("tagKeys") or []
        target.tags = {k: v for k, v in (target.tags or {}).items() if k not in keys}
        return 204, {}, ""

    APIGatewayResponse.get_tags = get_tags
    APIGatewayResponse.tag_resource = tag_resource
    APIGatewayResponse.untag_resource = untag_resource


def _nlb_problem(account_id, region_name, arn):
    """Why ``arn`` cannot be the target of a REST VPC link, or None when it is a live NLB."""
    from moto.elbv2.models import elbv2_backends

    lb = elbv2_backends[account_id][region_name].load_balancers.get(arn)
    if lb is None:
        return f"NLB ARN is malformed or the load balancer does not exist in account {account_id} {region_name}: {arn}"
    if lb.type != "network":
        return f"Load balancer {arn} is not a network load balancer"
    return None


def _link_references(backend, link_id):
    """``METHOD:resource-id`` of every integration of the account/region that uses the link."""
    refs = []
    for api in backend.apis.values():
        for resource in api.resources.values():
            for method_type, method in resource.resource_methods.items():
                integration = method.method_integration
                if integration is not None and _integration_connection_id(integration) == link_id:
                    refs.append(f"{method_type}:{resource.id}")
    return refs


def patch_G13():
    """G13: VPC link lifecycle (and the realism knob).

    AWS: a new link is ``PENDING`` (minutes) and becomes ``AVAILABLE``, or ``FAILED`` with a
    ``statusMessage`` when a REST (v1) link's ``targetArns`` do not name a network load balancer of the
    same account and region; DeleteVpcLink of an unknown id is ``NotFoundException`` (v1 and v2);
    deleting a v1 link still referenced by an integration is ``BadRequestException`` naming the
    ``[Method:Resource]`` references. moto 5.2.5: ``AVAILABLE`` at once, any ``targetArns`` accepted,
    202 for unknown ids, referenced links deleted. ``EMULATOR_VPC_LINK_PENDING_SECONDS`` (default 0)
    sets how long links stay PENDING, v1 and v2, so waiters are exercised.
    """
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend, VpcLink
    from moto.apigatewayv2.exceptions import VpcLinkNotFound as V2VpcLinkNotFound
    from moto.apigatewayv2.models import ApiGatewayV2Backend
    from moto.apigatewayv2.models import VpcLink as V2VpcLink

    orig_create = APIGatewayBackend.create_vpc_link
    orig_to_json = VpcLink.to_json
    orig_v2_create = ApiGatewayV2Backend.create_vpc_link
    orig_v2_to_json = V2VpcLink.to_json

    def create_vpc_link(self, name, description, target_arns, tags):
        link = orig_create(self, name=name, description=description, target_arns=target_arns, tags=tags)
        problems = [p for p in (_nlb_problem(self.account_id, self.region_name, a) for a in target_arns or []) if p]
        if not target_arns:
            problems.append("targetArns must name one network load balancer")
        link.emu_created_at = time.time()
        link.emu_ready_at = link.emu_created_at + KNOBS["vpc_link_pending_seconds"]
        link.emu_final = ("FAILED", problems[0]) if problems else ("AVAILABLE", "Your vpc link is ready for use")
        return link

    def to_json(self):
        data = orig_to_json(self)
        final = getattr(self, "emu_final", None)
        if final is None:
            return data
        if time.time() < self.emu_ready_at or _held(self.emu_created_at):
            data["status"], data["statusMessage"] = "PENDING", "VPC link is provisioning ENIs"
        else:
            data["status"], data["statusMessage"] = final
        self.status = data["status"]
        return data

    def delete_vpc_link(self, vpc_link_id):
        self.get_vpc_link(vpc_link_id=vpc_link_id)
        refs = _link_references(self, vpc_link_id)
        if refs:
            raise BadRequestException(
                f"Cannot delete vpc link. Vpc link '{vpc_link_id}', is referenced in "
                f"[{', '.join(refs)}] in format of [Method:Resource]."
            )
        self.vpc_links.pop(vpc_link_id, None)

    def v2_create_vpc_link(self, name, sg_ids, subnet_ids, tags):
        link = orig_v2_create(self, name, sg_ids=sg_ids, subnet_ids=subnet_ids, tags=tags)
        link.emu_created_at = time.time()
        link.emu_ready_at = link.emu_created_at + KNOBS["vpc_link_pending_seconds"]
        return link

    def v2_to_json(self):
        data = orig_v2_to_json(self)
        if time.time() < getattr(self, "emu_ready_at", 0) or _held(getattr(self, "emu_created_at", 0)):
            data["vpcLinkStatus"], data["vpcLinkStatusMessage"] = "PENDING", "VPC link is provisioning ENIs"
        else:
            data["vpcLinkStatusMessage"] = "VPC link is ready to route traffic"
        return data

    def v2_delete_vpc_link(self, vpc_link_id):
        if vpc_link_id not in self.vpc_links:
            raise V2VpcLinkNotFound(vpc_link_id)
        self.vpc_links.pop(vpc_link_id)

    APIGatewayBackend.create_vpc_link = create_vpc_link
    APIGatewayBackend.delete_vpc_link = delete_vpc_link
    VpcLink.to_json = to_json
    ApiGatewayV2Backend.create_vpc_link = v2_create_vpc_link
    ApiGatewayV2Backend.delete_vpc_link = v2_delete_vpc_link
    V2VpcLink.to_json = v2_to_json


# --------------------------------------------------------------------------------------------------
# G5: cross-account security group references
# --------------------------------------------------------------------------------------------------


def _foreign_group(backend, pair):
    """The security group a ``UserIdGroupPair`` names in another account, or None if it is local."""
    from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError
    from moto.ec2.models import ec2_backends

    user_id = pair.get("UserId")
    if not user_id or user_id == backend.account_id or "GroupId" not in pair:
        return None
    group = ec2_backends[user_id][backend.region_name].get_security_group_from_id(pair["GroupId"])
    if group is None:
        raise InvalidSecurityGroupNotFoundError(pair["GroupId"])
    return group


def _peered(backend, vpc_a, vpc_b):
    for pcx in backend.vpc_pcxs.values():
        if pcx._status.code == "active" and {pcx.vpc.id, pcx.peer_vpc.id} == {vpc_a, vpc_b}:
            return True
    return False


def patch_G5():
    """G5: a security group rule may name a peer account's group (UserIdGroupPairs with UserId).

    AWS accepts ``{"UserId": <peer account>, "GroupId": <its group>}`` when the two VPCs are joined by
    an active peering (same region), and answers ``InvalidGroup.NotFound`` (``You have specified two
    resources that belong to different networks``) when they are not. moto 5.2.5 looks the group up
    in the caller's account only, so every cross-account reference is ``InvalidGroup.NotFound``.
    Revoking such a rule needs no active peering (stale references can always be removed).
    """
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.security_groups import SecurityGroupBackend

    orig_add_source_group = SecurityGroupBackend._add_source_group

    def _add_source_group(self, source_groups, vpc_id):
        local, foreign = [], []
        for item in source_groups or []:
            (foreign if _foreign_group(self, item) is not None else local).append(item)
        for item in foreign:
            item.setdefault("OwnerId", item["UserId"])
        return orig_add_source_group(self, local, vpc_id) + foreign

    def _require_peering(orig):
        def wrapper(self, group_name_or_id, *args, **kwargs):
            group = self.get_security_group_by_name_or_id(group_name_or_id, kwargs.get("vpc_id"))
            for item in kwargs.get("source_groups") or []:
                foreign = _foreign_group(self, item)
                if group is not None and foreign is not None and not _peered(self, group.vpc_id, foreign.vpc_id):
                    raise EC2ClientError(
                        "InvalidGroup.NotFound", "You have specified two resources that belong to different networks."
                    )
            return orig(self, group_name_or_id, *args, **kwargs)

        wrapper.__name__ = orig.__name__
        return wrapper

    SecurityGroupBackend._add_source_group = _add_source_group
    for name in ("authorize_security_group_ingress", "authorize_security_group_egress"):
        setattr(SecurityGroupBackend, name, _require_peering(getattr(SecurityGroupBackend, name)))


# --------------------------------------------------------------------------------------------------
# G6a / G6c: network load balancers
# --------------------------------------------------------------------------------------------------

_lb_type = threading.local()


def patch_G6a():
    """G6a: a network load balancer's ARN contains ``loadbalancer/net/``.

    AWS: ``arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>`` for
    ``Type=network`` (``gwy`` for gateway); moto 5.2.5 always writes ``loadbalancer/app/``, which code
    that checks the type from the ARN (and a REST VPC link) rejects.
    """
    from moto.elbv2 import models

    orig_make_arn = models.make_arn_for_load_balancer
    orig_create = models.ELBv2Backend.create_load_balancer

    def make_arn_for_load_balancer(account_id, lb_id, name, region_name):
        arn = orig_make_arn(account_id=account_id, lb_id=lb_id, name=name, region_name=region_name)
        kind = {"network": "net", "gateway": "gwy"}.get(getattr(_lb_type, "value", None))
        return arn.replace(":loadbalancer/app/", f":loadbalancer/{kind}/", 1) if kind else arn

    def create_load_balancer(self, *args, **kwargs):
        _lb_type.value = kwargs.get("loadbalancer_type")
        try:
            return orig_create(self, *args, **kwargs)
        finally:
            _lb_type.value = None

    models.make_arn_for_load_balancer = make_arn_for_load_balancer
    models.ELBv2Backend.create_load_balancer = create_load_balancer


def patch_G6c():
    """G6c: an NLB used by a REST VPC link cannot be deleted.

    AWS: DeleteLoadBalancer is ``ResourceInUse`` while a VPC link of the account/region targets the
    NLB (teardown must delete the link first). moto 5.2.5 deletes it and leaves the link dangling.
    """
    from moto.apigateway.models import apigateway_backends
    from moto.elbv2.exceptions import ResourceInUseError
    from moto.elbv2.models import ELBv2Backend

    orig_delete = ELBv2Backend.delete_load_balancer

    def delete_load_balancer(self, arn):
        links = apigateway_backends[self.account_id][self.region_name].vpc_links.values()
        users = [link.id for link in links if arn in (link.target_arns or [])]
        if users:
            raise ResourceInUseError(
                f"Load balancer '{arn}' cannot be deleted because it is currently associated with another "
                f"service (VPC link {', '.join(users)})"
            )
        return orig_delete(self, arn)

    ELBv2Backend.delete_load_balancer = delete_load_balancer


def patch_G10():
    """G10 (part): duplicate load balancers and listeners are refused unless identical.

    AWS: CreateLoadBalancer with an existing name returns that load balancer when type, scheme and
    subnets are the same (the call is idempotent) and is ``DuplicateLoadBalancerName`` otherwise;
    CreateListener on a port that already has a listener returns it when protocol and forward target
    groups are the same and is ``DuplicateListener`` otherwise. moto 5.2.5 creates a second load
    balancer with the same name and a second listener on the same port, which hides non-idempotent
    modules. (Invalid target IPs: see G6b.)
    """
    from moto.elbv2.exceptions import DuplicateListenerError, DuplicateLoadBalancerName
    from moto.elbv2.models import ELBv2Backend

    orig_create_lb = ELBv2Backend.create_load_balancer
    orig_create_listener = ELBv2Backend.create_listener

    def create_load_balancer(self, *args, **kwargs):
        name = kwargs.get("name", args[0] if args else None)
        for lb in self.load_balancers.values():
            if lb.name != name:
                continue
            subnet_ids = set(kwargs.get("subnet_ids") or []) | {
                m["SubnetId"] for m in kwargs.get("subnet_mappings") or []
            }
            same = (
                lb.type == (kwargs.get("loadbalancer_type") or "application")
                and lb.scheme == (kwargs.get("scheme") or "internet-facing")
                and {s.id for s in lb.subnets} == subnet_ids
            )
            if not same:
                raise DuplicateLoadBalancerName()
            return lb
        return orig_create_lb(self, *args, **kwargs)

    def _forward_groups(actions):
        arns = set()
        for action in actions:
            data = action.data if hasattr(action, "data") else action
            if data.get("TargetGroupArn"):
                arns.add(data["TargetGroupArn"])
            for group in (data.get("ForwardConfig") or {}).get("TargetGroups") or []:
                arns.add(group.get("TargetGroupArn"))
        return arns

    def create_listener(self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs):
        balancer = self.load_balancers.get(load_balancer_arn)
        for listener in (balancer.listeners.values() if balancer else []):
            if str(listener.port) != str(port):
                continue
            if listener.protocol == (protocol or "").upper() and _forward_groups(
                listener.default_actions
            ) == _forward_groups(actions):
                return listener
            raise DuplicateListenerError()
        return orig_create_listener(
            self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs
        )

    ELBv2Backend.create_load_balancer = create_load_balancer
    ELBv2Backend.create_listener = create_listener


# --------------------------------------------------------------------------------------------------
# G6b / G11: target registration (one implementation, each aspect switched by its id)
# --------------------------------------------------------------------------------------------------

_TARGETS_INSTALLED = []


def _target_port(group, target):
    port = target.get("Port") or group.port
    return int(port) if port is not None else None


def _target_key(group, target):
    return (target["Id"], _target_port(group, target)) if "G11" in ENABLED else target["Id"]


def _ip_target_zone(group, target):
    """The AZ AWS records for an IP target, or a ValidationError as AWS raises it.

    An IP inside a subnet of the group's VPC gets that subnet's AZ and may not say ``all``; any other
    IP must name an AZ (``all`` for IPs reached through peering, Direct Connect or VPN).
    """
    from moto.elbv2.exceptions import ValidationError

    ip_text, requested = target["Id"], target.get("AvailabilityZone")
    try:
        address = ipaddress.ip_address(ip_text)
    except ValueError:
        raise ValidationError(f"The IP address '{ip_text}' is not a valid IP address") from None
    subnets = [s for zone in group.ec2_backend.subnets.values() for s in zone.values() if s.vpc_id == group.vpc_id]
    home = next((s for s in subnets if address in ipaddress.ip_network(s.cidr_block, strict=False)), None)
    if home is not None:
        if requested == "all":
            raise ValidationError(
                f"The IP address '{ip_text}' is within the VPC, and cannot have its Availability Zone overridden "
                f"to 'all' from '{home.availability_zone}'"
            )
        return requested or home.availability_zone
    if not requested:
        raise ValidationError(
            "You must specify a valid Availability Zone or select 'all' for all enabled Availability zones, since "
            f"the IP address '{ip_text}' is outside the VPC"
        )
    return requested


def _install_target_model():
    """Replace FakeTargetGroup registration/health so G6b and G11 can be switched independently."""
    if _TARGETS_INSTALLED:
        return
    _TARGETS_INSTALLED.append(True)
    from moto.elbv2.exceptions import InvalidTargetError, TargetNotRunning
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    def register(self, targets):
        entries = []  # validate the whole request before registering anything, as AWS does
        for target in targets:
            if instance := self.ec2_backend.get_instance_by_id(target["Id"]):
                if instance.state != "running":
                    raise TargetNotRunning(instance_id=target["Id"])
            entry = {"Id": target["Id"], "Port": _target_port(self, target)}
            if "G6b" in ENABLED and self.target_type == "ip":
                zone = _ip_target_zone(self, target)
                if zone:
                    entry["AvailabilityZone"] = zone
            entries.append((_target_key(self, target), entry))
        for key, entry in entries:
            known = self.targets.get(key)
            entry["emu_registered_at"] = (known or {}).get("emu_registered_at", time.time())
            self.targets[key] = entry
            self.deregistered_targets.pop(key, None)

    def deregister(self, targets):
        for target in targets:
            key = _target_key(self, target)
            entry = self.targets.pop(key, None)
            if not entry:
                raise InvalidTargetError()
            self.deregistered_targets[key] = entry

    def deregister_terminated_instances(self, instance_ids):
        for key in list(self.targets):
            if self.targets[key]["Id"] in instance_ids:
                self.terminated_targets[key] = self.targets.pop(key)

    def health_for(self, target, ec2_backend):
        def status(entry, state, reason=None, description=None):
            health = FakeHealthStatus(
                entry["Id"], _target_port(self, entry), self.health_check_port, state, reason, description
            )
            health.emu_az = entry.get("AvailabilityZone")
            return health

        key = _target_key(self, target)
        entry = self.targets.get(key)
        if entry is None:
            if key in self.deregistered_targets:
                return status(target, "unused", "Target.NotRegistered", "Target is not registered to the target group")
            if key in self.terminated_targets:
                return status(
                    target, "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
                )
            return status(target, "unavailable", "Target.NotRegistered", "Target is not registered")
        if entry["Id"].startswith("i-"):
            instance = ec2_backend.get_instance_by_id(entry["Id"])
            if instance and instance.state == "stopped":
                return status(entry, "unused", "Target.InvalidState", "Target is in the stopped state")
        registered_at = entry.get("emu_registered_at", 0)
        if "G11" in ENABLED and (time.time() < registered_at + KNOBS["target_initial_seconds"] or _held(registered_at)):
            return status(entry, "initial", "Elb.RegistrationInProgress", "Target registration is in progress")
        return status(entry, "healthy")

    def target(self):
        data = {"Id": self.instance_id, "Port": self.port}
        if getattr(self, "emu_az", None):
            data["AvailabilityZone"] = self.emu_az
        return data

    FakeTargetGroup.register = register
    FakeTargetGroup.deregister = deregister
    FakeTargetGroup.deregister_terminated_instances = deregister_terminated_instances
    FakeTargetGroup.health_for = health_for
    FakeHealthStatus.target = property(target)


def patch_G6b():
    """G6b: IP targets keep their Availability Zone, validated as AWS does.

    AWS: an IP target outside the group's VPC is registered with ``AvailabilityZone: all`` (or a zone)
    and DescribeTargetHealth returns ``Target.AvailabilityZone``; an IP inside a subnet of the VPC gets
    that subnet's zone and ``all`` is a ValidationError; an outside IP without a zone is a
    ValidationError; an Id that is not an IP address is a ValidationError. moto 5.2.5 accepts anything
    and drops the zone, so a module comparing desired and current targets re-registers on every run.
    """
    _install_target_model()


def patch_G11():
    """G11: the same IP on two ports is two targets.

    AWS identifies a target by (Id, Port): registering 10.0.1.5:8080 and 10.0.1.5:8443 gives two
    targets; DeregisterTargets (and DescribeTargetHealth) with a port touches only that pair (no port
    = the group's port). moto 5.2.5 keys targets by Id alone, so the second port replaces the first.
    Realism: ``EMULATOR_TARGET_INITIAL_SECONDS`` keeps new targets ``initial`` for that long.
    """
    _install_target_model()


# --------------------------------------------------------------------------------------------------
# G14 / G15: peering lifecycle
# --------------------------------------------------------------------------------------------------


def _overlap(cidrs_a, cidrs_b):
    nets_a = [ipaddress.ip_network(c, strict=False) for c in cidrs_a]
    nets_b = [ipaddress.ip_network(c, strict=False) for c in cidrs_b]
    return any(a.overlaps(b) for a in nets_a for b in nets_b)


def patch_G14():
    """G14: a peering between VPCs with overlapping IPv4 CIDRs fails.

    AWS: the request goes to ``failed`` (``Overlapping CIDR range``) and can be neither accepted nor
    rejected. moto 5.2.5 lets it reach ``pending-acceptance`` and ``active``.
    """
    from moto.ec2.models.vpc_peering_connections import VPCPeeringConnectionBackend

    orig_create = VPCPeeringConnectionBackend.create_vpc_peering_connection

    def create_vpc_peering_connection(self, vpc, peer_vpc, tags=None):
        pcx = orig_create(self, vpc, peer_vpc, tags)
        if _overlap(_vpc_cidrs(vpc), _vpc_cidrs(peer_vpc)):
            pcx._status.code = "failed"
            pcx._status.message = "Overlapping CIDR range"
        return pcx

    VPCPeeringConnectionBackend.create_vpc_peering_connection = create_vpc_peering_connection


def patch_G15():
    """G15: a route through a peering that is gone is a ``blackhole``.

    AWS: routes whose target peering is deleted, rejected, failed or expired show
    ``State: blackhole``. moto 5.2.5 reports every route ``active``.
    """
    from moto.ec2.models.route_tables import Route

    def state(self):
        pcx = self.vpc_pcx
        if pcx is not None and pcx._status.code in ("deleted", "rejected", "failed", "expired"):
            return "blackhole"
        return "active"

    Route.state = property(state)


# --------------------------------------------------------------------------------------------------
# G18 / G18b / G18c: network interfaces, their filters and their security groups
# --------------------------------------------------------------------------------------------------

# DescribeNetworkInterfaces filters evaluated here, as AWS does (the filter's values OR-ed, ``*``/``?``
# wildcards): filter name -> function returning the values an interface has for it. Filled by the
# patches; the filters that are not listed keep moto's own matching.
_ENI_ANY_FILTERS = {}
_ENI_FILTERS_INSTALLED = []


def _eni_private_ips(eni):
    """Every private IPv4 address of an interface, primary first."""
    ips = [eni.private_ip_address] if eni.private_ip_address else []
    for entry in eni.private_ip_addresses or []:
        address = entry.get("PrivateIpAddress") if isinstance(entry, dict) else entry
        if address and address not in ips:
            ips.append(address)
    return ips


def _any_value_matches(values, patterns):
    return any(fnmatch.fnmatchcase(str(value), str(pattern)) for value in values for pattern in patterns)


def _install_eni_filters():
    """Route the filters of ``_ENI_ANY_FILTERS`` around moto's matching (once, shared by G18 and G18b)."""
    if _ENI_FILTERS_INSTALLED:
        return
    _ENI_FILTERS_INSTALLED.append(True)
    from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend

    orig_get_all = NetworkInterfaceBackend.get_all_network_interfaces

    def get_all_network_interfaces(self, eni_ids=None, filters=None):
        remaining = dict(filters or {})
        ours = {name: remaining.pop(name) for name in list(remaining) if name in _ENI_ANY_FILTERS}
        enis = orig_get_all(self, eni_ids, remaining)
        for name, patterns in ours.items():
            patterns = patterns if isinstance(patterns, list) else [patterns]
            enis = [eni for eni in enis if _any_value_matches(_ENI_ANY_FILTERS[name](eni), patterns)]
        return enis

    NetworkInterfaceBackend.get_all_network_interfaces = get_all_network_interfaces


def patch_G18():
    """G18: DescribeNetworkInterfaces ``group-id`` (and ``group-name``) with several values is an OR.

    AWS: like every EC2 filter, a filter with several values matches an interface that has ANY of them,
    so ``group-id = [sg-a, sg-b]`` returns every interface carrying sg-a or sg-b, whatever other groups
    it carries. moto 5.2.5 compares the interface's groups with the values as sets (subset or
    superset), so an interface carrying sg-a and a group that is not listed is missed: finding the
    interfaces that use one of our groups (to detach them before deleting the groups) misses them.
    """
    _ENI_ANY_FILTERS["group-id"] = lambda eni: [group.id for group in eni.group_set]
    _ENI_ANY_FILTERS["group-name"] = lambda eni: [group.name for group in eni.group_set]
    _install_eni_filters()


def patch_G18b():
    """G18b: DescribeNetworkInterfaces ``addresses.private-ip-address`` matches secondary addresses too.

    AWS: ``addresses.private-ip-address`` and ``private-ip-address`` match every private IPv4 address
    of the interface, primary and secondary, and several values are OR-ed. moto 5.2.5 compares the
    primary address only, so the interface that holds a service IP as a secondary address is not found.
    """
    _ENI_ANY_FILTERS["addresses.private-ip-address"] = _eni_private_ips
    _ENI_ANY_FILTERS["private-ip-address"] = _eni_private_ips
    _install_eni_filters()


def patch_G18c():
    """G18c: an interface carries exactly its own security groups; an instance's are its primary interface's.

    AWS: ModifyNetworkInterfaceAttribute ``Groups`` replaces the groups of the interface, and
    DescribeNetworkInterfaces returns exactly those; ModifyInstanceAttribute ``Groups`` replaces the
    groups of the instance's primary interface; DescribeInstances ``SecurityGroups`` of a one-interface
    instance are the groups of that interface, also when the instance was launched with
    ``NetworkInterfaces[].Groups``. moto 5.2.5 keeps the instance's launch groups apart and adds them to
    every attached interface, so a group the instance was launched with can never be removed from its
    interface, ModifyInstanceAttribute does not change the interface, ModifyNetworkInterfaceAttribute does
    not change the instance, and an instance launched with ``NetworkInterfaces[].Groups`` has no groups.
    """
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ec2.models.instances import Instance

    def group_set(self):
        return list(self._group_set)

    def _primary(instance):
        return (instance.__dict__.get("nics") or {}).get(0)

    def get_security_groups(self):
        primary = _primary(self)
        if primary is not None:
            return list(primary._group_set)
        return list(self.__dict__.get("_emu_security_groups") or [])

    def set_security_groups(self, groups):
        self.__dict__["_emu_security_groups"] = list(groups or [])
        primary = _primary(self)
        if primary is not None and groups:  # an interface always keeps at least one group
            primary._group_set = list(groups)

    NetworkInterface.group_set = property(group_set)
    Instance.security_groups = property(get_security_groups, set_security_groups)


# --------------------------------------------------------------------------------------------------
# G19: EC2 deletes refuse containers that still hold things
# --------------------------------------------------------------------------------------------------

# The VPC a DeleteVpc of this thread is tearing down: moto's own delete_vpc removes the main route
# table and the default group itself, which a user may not do.
_teardown = threading.local()


def _lbs(backend):
    """ELBv2 load balancers (every type) of the EC2 backend's account and region."""
    from moto.elbv2.models import elbv2_backends

    return list(elbv2_backends[backend.account_id][backend.region_name].load_balancers.values())


def _v2_links(backend):
    """API Gateway VPC links v2 of the EC2 backend's account and region."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    return list(apigatewayv2_backends[backend.account_id][backend.region_name].vpc_links.values())


def _group_dependents(backend, group):
    """What still uses a security group: interfaces, other groups' rules, load balancers, VPC links v2.

    A rule of the group itself does not count (AWS deletes a self-referencing group); rules of groups
    in other accounts do not either (AWS leaves them stale).
    """
    found = [eni.id for eni in backend.enis.values() if group.id in [g.id for g in eni.group_set]]
    for groups in backend.groups.values():
        for other in groups.values():
            rules = list(other.ingress_rules) + list(other.egress_rules)
            if other.id != group.id and any(rule.source_group.get("GroupId") == group.id for rule in rules):
                found.append(other.id)
    found += [lb.arn for lb in _lbs(backend) if group.id in (lb.security_groups or [])]
    found += [link.id for link in _v2_links(backend) if group.id in (link.sg_ids or [])]
    return found


def _subnet_dependents(backend, subnet_id):
    """Interfaces, load balancers and VPC links v2 that still use a subnet."""
    found = [eni.id for eni in backend.enis.values() if eni.subnet.id == subnet_id]
    found += [lb.arn for lb in _lbs(backend) if subnet_id in [s.id for s in lb.subnets]]
    found += [link.id for link in _v2_links(backend) if subnet_id in (link.subnet_ids or [])]
    return found


def _vpc_dependents(backend, vpc_id):
    """Beyond moto's own checks: groups but the default, an attached IGW, interfaces, load balancers."""
    found = []
    for group in backend.groups.get(vpc_id, {}).values():
        found += _group_dependents(backend, group) if group.is_default else [group.id]
    found += [igw.id for igw in backend.internet_gateways.values() if igw.vpc is not None and igw.vpc.id == vpc_id]
    found += [eni.id for eni in backend.enis.values() if eni.subnet.vpc_id == vpc_id]
    found += [lb.arn for lb in _lbs(backend) if lb.vpc_id == vpc_id]
    return found


def patch_G19():
    """G19: DeleteVpc, DeleteSubnet, DeleteSecurityGroup and DeleteRouteTable refuse what is still used.

    AWS answers ``DependencyViolation`` to DeleteVpc while the VPC still has a security group other
    than its default group, an attached internet gateway, a network interface or a load balancer
    (besides subnets, route tables other than the main one and VPN gateways, which moto checks); to
    DeleteSubnet while an interface, a load balancer or a VPC link v2 uses the subnet; to
    DeleteSecurityGroup (``resource sg-... has a dependent object``) while an interface, a rule of
    another group of the account, a load balancer or a VPC link v2 uses the group (a rule of its own
    does not count); to DeleteRouteTable of a VPC's main route table. The default group cannot be
    deleted by a user (``CannotDelete``). Interfaces that RunInstances creates are deleted with the
    instance unless the launch said ``DeleteOnTermination: false``. moto 5.2.5 deletes all of these
    (leaving orphans behind, so a teardown in the wrong order goes unnoticed) and keeps the interface
    of a terminated instance that was launched without ``NetworkInterfaces[].DeleteOnTermination``.
    """
    from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
    from moto.ec2.models.instances import Instance
    from moto.ec2.models.route_tables import RouteBackend
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.ec2.models.subnets import SubnetBackend
    from moto.ec2.models.vpcs import VPCBackend

    orig_delete_vpc = VPCBackend.delete_vpc
    orig_delete_subnet = SubnetBackend.delete_subnet
    orig_delete_security_group = SecurityGroupBackend.delete_security_group
    orig_delete_route_table = RouteBackend.delete_route_table
    orig_prep_nics = Instance.prep_nics

    def delete_vpc(self, vpc_id):
        self.get_vpc(vpc_id)
        if _vpc_dependents(self, vpc_id):
            raise DependencyViolationError(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        _teardown.vpc_id = vpc_id
        try:
            return orig_delete_vpc(self, vpc_id)
        finally:
            _teardown.vpc_id = None

    def delete_subnet(self, subnet_id):
        self.get_subnet(subnet_id)
        if _subnet_dependents(self, subnet_id):
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return orig_delete_subnet(self, subnet_id)

    def delete_security_group(self, name=None, group_id=None):
        group = self.get_security_group_from_id(group_id) if group_id else None
        if name and not group_id:
            group = self.get_security_group_by_name_or_id(name)
        if group is not None and not (group.vpc_id and group.vpc_id == getattr(_teardown, "vpc_id", None)):
            if group.is_default:
                raise EC2ClientError(
                    "CannotDelete", f'the specified group: "{group.id}" name: "default" cannot be deleted by a user'
                )
            if _group_dependents(self, group):
                raise DependencyViolationError(f"resource {group.id} has a dependent object")
        return orig_delete_security_group(self, name=name, group_id=group_id)

    def delete_route_table(self, route_table_id):
        table = self.get_route_table(route_table_id)
        if table.main_association_id is not None and table.vpc_id != getattr(_teardown, "vpc_id", None):
            raise DependencyViolationError(f"The routeTable '{route_table_id}' has dependencies and cannot be deleted.")
        return orig_delete_route_table(self, route_table_id)

    def prep_nics(self, nic_spec, *args, **kwargs):
        before = set(self.ec2_backend.enis)
        explicit = {int(spec.get("DeviceIndex", 0)) for spec in nic_spec or [] if "DeleteOnTermination" in spec}
        orig_prep_nics(self, nic_spec, *args, **kwargs)
        for device_index, eni in self.nics.items():
            if eni.id not in before and device_index not in explicit:
                eni.delete_on_termination = True  # created by the launch: AWS deletes it with the instance

    VPCBackend.delete_vpc = delete_vpc
    SubnetBackend.delete_subnet = delete_subnet
    SecurityGroupBackend.delete_security_group = delete_security_group
    RouteBackend.delete_route_table = delete_route_table
    Instance.prep_nics = prep_nics


# --------------------------------------------------------------------------------------------------
# G20: REST integrations over a VPC link v2
# --------------------------------------------------------------------------------------------------


def _v2_link_ids(account_id, region_name):
    """Ids of the VPC links v2 (apigatewayv2) of the account/region."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    return set(apigatewayv2_backends[account_id][region_name].vpc_links)


def patch_G20():
    """G20: a REST integration over a VPC link v2 names its load balancer in ``integrationTarget``.

    Since November 2025, PutIntegration with ``connectionType`` ``VPC_LINK`` and the id of a VPC link
    v2 takes ``integrationTarget``, the ARN of the ALB or NLB the link reaches, and answers
    ``BadRequestException`` ("IntegrationTarget is required for VpcLinkV2") without it;
    GetIntegration, GetMethod and GetResources(embed=methods) return it. moto 5.2.5 ignores the
    parameter, never returns it and accepts a v2 link id without it, so a module cannot see which load
    balancer an integration reaches and an integration AWS refuses goes unnoticed.
    """
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import Integration
    from moto.apigateway.responses import APIGatewayResponse

    orig_to_json = Integration.to_json
    orig_put = APIGatewayResponse.put_integration

    def to_json(self):
        data = orig_to_json(self)
        target = getattr(self, "integration_target", None)
        if target:
            data["integrationTarget"] = target
        return data

    def put_integration(self):
        connection_id = self._get_param("connectionId")
        target = self._get_param("integrationTarget") or None
        if (
            self._get_param("connectionType") == "VPC_LINK"
            and connection_id in _v2_link_ids(self.current_account, self.region)
            and not target
        ):
            raise BadRequestException("IntegrationTarget is required for VpcLinkV2")
        status, headers, _body = orig_put(self)
        function_id, resource_id, method_type = _apigw_path_parts(self)
        integration = self.backend.get_resource(function_id, resource_id).get_integration(method_type)
        integration.integration_target = target
        return status, headers, json.dumps(integration.to_json())

    Integration.to_json = to_json
    APIGatewayResponse.put_integration = put_integration


# --------------------------------------------------------------------------------------------------
# G22 / G23: application load balancers
# --------------------------------------------------------------------------------------------------


def patch_G22():
    """G22: SetRulePriorities checks the new order of the rules as a whole.

    AWS: "You can reorder the rules as long as there are no priority conflicts in the new order. Any
    existing rules that you do not specify retain their current priority." Rules named in one call may
    therefore swap or shift priorities (10 -> 20 while 20 -> 30); a priority is ``PriorityInUse`` only
    when a rule the call leaves alone holds it, ``ValidationError`` when the call names it twice, and an
    unknown rule is ``RuleNotFound``. moto 5.2.5 checks each new priority against the current ones,
    the moving rules included, so any swap or shift is refused and a module that inserts a rule in the
    middle of a listener fails.
    """
    from moto.elbv2.exceptions import DuplicatePriorityError, PriorityInUseError
    from moto.elbv2.models import ELBv2Backend

    def set_rule_priorities(self, rule_priorities):
        priorities = [str(item["Priority"]) for item in rule_priorities]
        for priority in priorities:
            if priorities.count(priority) > 1:
                raise DuplicatePriorityError(priority)
        moves = []
        for item in rule_priorities:
            (rule,) = self.describe_rules(listener_arn=None, rule_arns=[item["RuleArn"]])  # RuleNotFound
            moves.append((rule, item["Priority"]))
        moving = {rule.arn for rule, _priority in moves}
        for rule, priority in moves:
            listener = self.describe_listeners(None, [rule.listener_arn])[0]
            for other in listener.rules.values():
                if other.arn not in moving and str(other.priority) == str(priority):
                    raise PriorityInUseError()
        for rule, priority in moves:
            rule.priority = priority
        return [rule for rule, _priority in moves]

    ELBv2Backend.set_rule_priorities = set_rule_priorities


def patch_G23():
    """G23: an application load balancer spans at least two Availability Zones.

    AWS: CreateLoadBalancer of ``Type=application`` with subnets in fewer than two Availability Zones is
    ``ValidationError`` ("At least two subnets in two different Availability Zones must be specified").
    moto 5.2.5 creates it with one subnet, so a module that does not check the zones before creating an
    ALB goes unnoticed until it meets AWS.
    """
    from moto.elbv2.exceptions import ValidationError
    from moto.elbv2.models import ELBv2Backend

    orig_create_lb = ELBv2Backend.create_load_balancer

    def create_load_balancer(self, *args, **kwargs):
        if (kwargs.get("loadbalancer_type") or "application") == "application":
            subnet_ids = list(kwargs.get("subnet_ids") or []) + [
                mapping["SubnetId"] for mapping in kwargs.get("subnet_mappings") or []
            ]
            zones = set()
            for subnet_id in subnet_ids:
                try:
                    zones.add(self.ec2_backend.get_subnet(subnet_id).availability_zone)
                except Exception:  # pylint: disable=broad-except
                    return orig_create_lb(self, *args, **kwargs)  # moto's own SubnetNotFound
            if subnet_ids and len(zones) < 2:
                raise ValidationError("At least two subnets in two different Availability Zones must be specified")
        return orig_create_lb(self, *args, **kwargs)

    ELBv2Backend.create_load_balancer = create_load_balancer


# --------------------------------------------------------------------------------------------------
# G28 / G29: custom domain names (REST) and their base path mappings
# --------------------------------------------------------------------------------------------------


def _certificate_problem(account_id, region_name, arn):
    """Why ``arn`` cannot be the certificate of a custom domain name, or None for an ISSUED ACM certificate
    of the account and region."""
    from moto.acm.models import acm_backends

    try:
        certificate = acm_backends[account_id][region_name].get_certificate(arn)
    except Exception:  # pylint: disable=broad-except
        return f"Certificate {arn} not found in account {account_id} {region_name}"
    if certificate.status != "ISSUED":
        return f"Certificate {arn} is {certificate.status}; it must be ISSUED"
    return None


_DOMAIN_PATCH_PATHS = [
    "/certificateArn",
    "/certificateName",
    "/regionalCertificateArn",
    "/regionalCertificateName",
    "/securityPolicy",
    "/mutualTlsAuthentication/truststoreUri",
    "/mutualTlsAuthentication/truststoreVersion",
]


def patch_G28():
    """G28: custom domain names keep mutual TLS, can be updated and tagged, and need a real certificate.

    AWS (API reference: CreateDomainName, GetDomainName, UpdateDomainName, TagResource; "Patch
    Operations", UpdateDomainName): CreateDomainName stores ``mutualTlsAuthentication`` (``truststoreUri``,
    ``truststoreVersion``) and Create/Get/UpdateDomainName return it; mutual TLS needs the ``TLS_1_2``
    security policy. UpdateDomainName applies ``replace`` of ``/regionalCertificateArn``,
    ``/regionalCertificateName``, ``/certificateArn``, ``/certificateName`` and ``/securityPolicy``, and
    ``add``/``replace``/``remove`` of ``/mutualTlsAuthentication/truststoreUri`` and ``.../truststoreVersion``
    (replacing the truststore URI with an empty value turns mutual TLS off, as the developer guide's
    "Disable mutual TLS" says); other paths are ``BadRequestException``, an unknown domain
    ``NotFoundException``. A certificate that is not an ISSUED ACM certificate of the account (regional:
    the domain's region; edge: us-east-1) is ``BadRequestException``. TagResource, UntagResource and
    GetTags work on ``arn:aws:apigateway:<region>::/domainnames/<name>`` and GetDomainName returns the
    current tags. moto 5.2.5 drops ``mutualTlsAuthentication``, answers UpdateDomainName with HTTP 500
    (not implemented), accepts any certificate ARN and routes no domain-name ARN for tags (404).
    """
    from urllib.parse import unquote

    from moto.apigateway import urls
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import DomainName
    from moto.apigateway.responses import APIGatewayResponse

    urls.url_paths[_TAG_ROUTE % ("domainnames", "domain_name")] = APIGatewayResponse.dispatch

    orig_to_json = DomainName.to_json
    orig_create = APIGatewayResponse.create_domain_name
    orig_tags = {name: getattr(APIGatewayResponse, name) for name in ("get_tags", "tag_resource", "untag_resource")}

    def check_certificate(self, path, arn):
        region = "us-east-1" if path in ("/certificateArn", "certificateArn") else self.region
        problem = _certificate_problem(self.current_account, region, arn)
        if problem:
            raise BadRequestException(problem)

    def check_truststore(mtls, security_policy):
        if not mtls.get("truststoreUri"):
            return
        if not str(mtls["truststoreUri"]).startswith("s3://"):
            raise BadRequestException(f"Invalid truststore URI {mtls['truststoreUri']}: expected s3://bucket/key")
        if security_policy != "TLS_1_2":
            raise BadRequestException("Mutual TLS authentication requires the TLS_1_2 security policy")

    def to_json(self):
        data = orig_to_json(self)
        mtls = getattr(self, "emu_mutual_tls", None) or {}
        if mtls.get("truststoreUri"):
            data["mutualTlsAuthentication"] = {key: value for key, value in mtls.items() if value}
        return data

    def create_domain_name(self):
        for key in ("regionalCertificateArn", "certificateArn"):
            if self._get_param(key):
                check_certificate(self, key, self._get_param(key))
        mtls = self._get_param("mutualTlsAuthentication") or {}
        check_truststore(mtls, self._get_param("securityPolicy") or "TLS_1_2")
        status, headers, _body = orig_create(self)
        domain = self.backend.get_domain_name(self._get_param("domainName"))
        domain.emu_mutual_tls = (
            {"truststoreUri": mtls["truststoreUri"], "truststoreVersion": mtls.get("truststoreVersion")}
            if mtls.get("truststoreUri")
            else None
        )
        return status, headers, json.dumps(domain.to_json())

    def update_domain_name(self):
        domain = self.backend.get_domain_name(unquote(self.path.split("/")[2]))  # NotFoundException
        values = {
            "/certificateArn": domain.certificate_arn,
            "/certificateName": domain.certificate_name,
            "/regionalCertificateArn": domain.regional_certificate_arn,
            "/regionalCertificateName": domain.regional_certificate_name,
            "/securityPolicy": domain.security_policy,
        }
        mtls = dict(getattr(domain, "emu_mutual_tls", None) or {})
        for operation in self._get_param("patchOperations") or []:
            op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
            if path in values and op == "replace":
                if path in ("/certificateArn", "/regionalCertificateArn"):
                    check_certificate(self, path, value)
                if path == "/securityPolicy" and value not in ("TLS_1_0", "TLS_1_2"):
                    raise BadRequestException(f"Invalid security policy {value}: must be TLS_1_0 or TLS_1_2")
                values[path] = value
            elif path == "/mutualTlsAuthentication/truststoreUri" and op in ("add", "replace", "remove"):
                if op == "remove" or not value:
                    mtls = {}
                elif value != mtls.get("truststoreUri"):
                    mtls = {"truststoreUri": value}
            elif path == "/mutualTlsAuthentication/truststoreVersion" and op in ("add", "replace", "remove"):
                if not mtls.get("truststoreUri"):
                    raise BadRequestException("Mutual TLS authentication is not configured for this domain name")
                mtls["truststoreVersion"] = None if op == "remove" else value
            else:
                raise _invalid_patch_path(op, path, _DOMAIN_PATCH_PATHS)
        check_truststore(mtls, values["/securityPolicy"] or "TLS_1_2")
        domain.certificate_arn = values["/certificateArn"]
        domain.certificate_name = values["/certificateName"]
        domain.regional_certificate_arn = values["/regionalCertificateArn"]
        domain.regional_certificate_name = values["/regionalCertificateName"]
        domain.security_policy = values["/securityPolicy"]
        domain.emu_mutual_tls = mtls or None
        return 200, {}, json.dumps(domain.to_json())

    def _domain_of(self):
        """The DomainName of a ``...::/domainnames/<name>`` ARN in the path, None for any other ARN."""
        arn = unquote(self.path.split("/tags/", 1)[1])
        parts = (arn.split("::", 1)[1] if "::" in arn else "").strip("/").split("/")
        if len(parts) == 2 and parts[0] == "domainnames":
            return self.backend.get_domain_name(parts[1])
        return None

    def get_tags(self):
        domain = _domain_of(self)
        if domain is None:
            return orig_tags["get_tags"](self)
        return json.dumps({"tags": dict(domain.tags or {})})

    def tag_resource(self):
        domain = _domain_of(self)
        if domain is None:
            return orig_tags["tag_resource"](self)
        domain.tags = {**(domain.tags or {}), **(self._get_param("tags") or {})}
        return 204, {}, ""

    def untag_resource(self):
        domain = _domain_of(self)
        if domain is None:
            return orig_tags["untag_resource"](self)
        keys = self.querystring.get("tagKeys") or []
        domain.tags = {key: value for key, value in (domain.tags or {}).items() if key not in keys}
        return 204, {}, ""

    DomainName.to_json = to_json
    APIGatewayResponse.create_domain_name = create_domain_name
    APIGatewayResponse.update_domain_name = update_domain_name
    APIGatewayResponse.get_tags = get_tags
    APIGatewayResponse.tag_resource = tag_resource
    APIGatewayResponse.untag_resource = untag_resource


def patch_G29():
    """G29: base path mappings of a custom domain name belong to it.

    AWS (API reference: GetBasePathMappings, CreateBasePathMapping, DeleteDomainName): GetBasePathMappings
    of a domain without mappings answers an empty list, as do GetBasePathMapping/UpdateBasePathMapping/
    DeleteBasePathMapping (``NotFoundException`` for the missing base path); DeleteDomainName deletes the
    domain with its mappings, so a domain created again under the same name has none; a second mapping
    of the root (``(none)``) is ``ConflictException`` ("Only one base path mapping is allowed if the base
    path is empty"), as a second mapping of any base path is. moto 5.2.5 answers HTTP 500 (KeyError) for
    the mappings of a domain that never had one, keeps the mappings of a deleted domain (the next domain
    of that name inherits them) and silently replaces a root mapping.
    """
    from moto.apigateway.exceptions import ConflictException
    from moto.apigateway.models import APIGatewayBackend

    orig_create_domain = APIGatewayBackend.create_domain_name
    orig_delete_domain = APIGatewayBackend.delete_domain_name
    orig_create_mapping = APIGatewayBackend.create_base_path_mapping

    def create_domain_name(self, domain_name, *args, **kwargs):
        domain = orig_create_domain(self, domain_name, *args, **kwargs)
        self.base_path_mappings.setdefault(domain_name, {})
        return domain

    def delete_domain_name(self, domain_name):
        orig_delete_domain(self, domain_name)
        self.base_path_mappings.pop(domain_name, None)

    def create_base_path_mapping(self, domain_name, rest_api_id, base_path, stage):
        if base_path in (None, "", "(none)") and "(none)" in self.base_path_mappings.get(domain_name, {}):
            raise ConflictException("Only one base path mapping is allowed if the base path is empty.")
        return orig_create_mapping(self, domain_name, rest_api_id, base_path, stage)

    APIGatewayBackend.create_domain_name = create_domain_name
    APIGatewayBackend.delete_domain_name = delete_domain_name
    APIGatewayBackend.create_base_path_mapping = create_base_path_mapping


# --------------------------------------------------------------------------------------------------
# G24 / G25: usage plans (api_partners)
# --------------------------------------------------------------------------------------------------


def _usage_plan_number(value, path, kind, minimum=0):
    """A patch value as AWS types it (int or double); BadRequestException when it is not one."""
    from moto.apigateway.exceptions import BadRequestException

    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or math.isnan(number) or number < minimum or (kind is int and not number.is_integer()):
        raise BadRequestException(f"Invalid value '{value}' specified for '{path}'")
    return int(number) if kind is int else number


def patch_G24():
    """G24: UpdateUsagePlan applies its patch operations as AWS does.

    AWS (API reference, UpdateUsagePlan and PatchOperation; the paths are the ones API Gateway lists in its
    ``Invalid patch path`` answer): ``replace /name``, ``/description``; ``add|replace|remove /productCode``;
    ``add|replace /quota/limit`` (int), ``/quota/offset`` (int), ``/quota/period`` (DAY, WEEK, MONTH) and
    ``remove /quota``; ``add|replace /throttle/rateLimit`` (double), ``/throttle/burstLimit`` (int) and
    ``remove /throttle``; ``add|remove /apiStages`` with the value ``<apiId>:<stage>`` (removing a stage
    the plan does not have is ``BadRequestException`` "Invalid API Stage specified"), also for a stage
    with per-method throttles; ``add|replace
    /apiStages/<apiId>:<stage>/throttle/<resourcePath>/<httpMethod>/rateLimit`` (and ``burstLimit``),
    the resource path one JSON-pointer token (``~1payments~1{proxy+}``), which sets the throttle of the
    key ``<resource path>/<httpMethod>`` (``/payments/{proxy+}/ANY``) of that stage;
    ``remove /apiStages/<apiId>:<stage>/throttle/<resourcePath>/<httpMethod>`` and ``remove
    /apiStages/<apiId>:<stage>/throttle``; a throttle path of a stage the plan does not have is
    ``NotFoundException``; any other path ``BadRequestException``. The operations of one call apply
    together or not at all. moto 5.2.5 ignores every ``/apiStages/.../throttle`` operation, turns a
    fractional rate limit into HTTP 500 (``int('2.5')``) and fails to remove a stage that has
    per-method throttles (HTTP 500).
    """
    import copy
    import re

    from moto.apigateway.exceptions import BadRequestException, NotFoundException
    from moto.apigateway.models import UsagePlan

    stage_path = re.compile(r"^/apiStages/([^/:]+):([^/]+)/throttle(?:/([^/]+)/([A-Z]+)(?:/(rateLimit|burstLimit))?)?$")
    top_paths = ["/name", "/description", "/productCode", "/quota/limit", "/quota/offset", "/quota/period"]
    top_paths += ["/throttle/rateLimit", "/throttle/burstLimit", "/apiStages", "/quota", "/throttle"]
    top_paths.append("/apiStages/<apiId:stageName>/throttle/<resourcePath>/<httpMethod>[/rateLimit|/burstLimit]")

    def find_stage(stages, api_id, stage):
        for item in stages:
            if item.get("apiId") == api_id and item.get("stage") == stage:
                return item
        return None

    def apply_patch_operations(self, patch_operations):
        state = {
            "name": self.name,
            "description": self.description,
            "product_code": self.product_code,
            "quota": dict(self.quota or {}),
            "throttle": dict(self.throttle or {}),
            "api_stages": copy.deepcopy(self.api_stages or []),
        }
        for operation in patch_operations or []:
            op, path, value = operation.get("op"), operation.get("path") or "", operation.get("value")
            setting = op in ("add", "replace")
            match = stage_path.match(path)
            if path in ("/name", "/description") and op == "replace":
                state[path[1:]] = value
            elif path == "/productCode" and op in ("add", "replace", "remove"):
                state["product_code"] = None if op == "remove" else value
            elif path == "/quota" and op == "remove":
                state["quota"] = {}
            elif path in ("/quota/limit", "/quota/offset") and setting:
                minimum = 1 if path == "/quota/limit" else 0
                state["quota"][path.rsplit("/", 1)[1]] = _usage_plan_number(value, path, int, minimum)
            elif path == "/quota/period" and setting:
                if value not in ("DAY", "WEEK", "MONTH"):
                    raise BadRequestException(f"Invalid value '{value}' specified for '{path}'")
                state["quota"]["period"] = value
            elif path == "/throttle" and op == "remove":
                state["throttle"] = {}
            elif path in ("/throttle/rateLimit", "/throttle/burstLimit") and setting:
                kind = float if path.endswith("rateLimit") else int
                state["throttle"][path.rsplit("/", 1)[1]] = _usage_plan_number(value, path, kind)
            elif path == "/apiStages" and op in ("add", "remove"):
                api_id, _sep, stage = str(value or "").partition(":")
                current = find_stage(state["api_stages"], api_id, stage)
                if op == "add" and current is None:
                    state["api_stages"].append({"apiId": api_id, "stage": stage})
                elif op == "remove":
                    if current is None:
                        raise BadRequestException("Invalid API Stage specified")
                    state["api_stages"].remove(current)
            elif match and (op == "remove" and not match.group(5) or setting and match.group(5)):
                api_id, stage, resource_path, method, field = match.groups()
                current = find_stage(state["api_stages"], api_id, stage)
                if current is None:
                    raise NotFoundException(f"API Stage not found: {api_id}:{stage}")
                throttle = current.setdefault("throttle", {})
                if resource_path is None:
                    throttle.clear()
                else:
                    key = _json_pointer_key("/" + resource_path, "/") + "/" + method
                    if op == "remove":
                        throttle.pop(key, None)
                    else:
                        kind = float if field == "rateLimit" else int
                        throttle.setdefault(key, {})[field] = _usage_plan_number(value, path, kind)
                if not throttle:
                    current.pop("throttle", None)
            else:
                raise _invalid_patch_path(op, path, top_paths)
        self.name, self.description = state["name"], state["description"]
        self.product_code = state["product_code"]
        self.quota, self.throttle, self.api_stages = state["quota"], state["throttle"], state["api_stages"]

    UsagePlan.apply_patch_operations = apply_patch_operations


def patch_G25():
    """G25: DeleteUsagePlan refuses a plan still bound to API stages; deletes of unknown ids are 404.

    AWS (API reference, DeleteUsagePlan; the answer SDK users quote): a plan that still has API stages is
    ``BadRequestException`` ("Cannot delete Usage Plan <id> because there are API Stages associated with it,
    including <apiId>:<stage>"): remove them with UpdateUsagePlan ``remove /apiStages`` first. Deleting an
    unknown plan is ``NotFoundException`` ("Invalid Usage Plan ID specified"); DeleteUsagePlanKey of a key
    that is not on the plan is ``NotFoundException``; a deleted plan takes its key associations with it.
    moto 5.2.5 deletes a bound plan, answers HTTP 500 (KeyError) for unknown ids and keeps the key
    associations of deleted plans.
    """
    from moto.apigateway.exceptions import BadRequestException, NotFoundException, UsagePlanNotFoundException
    from moto.apigateway.models import APIGatewayBackend

    def delete_usage_plan(self, usage_plan_id):
        plan = self.usage_plans.get(usage_plan_id)
        if plan is None:
            raise UsagePlanNotFoundException()
        if plan.api_stages:
            first = plan.api_stages[0]
            raise BadRequestException(
                f"Cannot delete Usage Plan {usage_plan_id} because there are API Stages associated with it, "
                f"including {first.get('apiId')}:{first.get('stage')}"
            )
        self.usage_plans.pop(usage_plan_id)
        self.usage_plan_keys.pop(usage_plan_id, None)

    def delete_usage_plan_key(self, usage_plan_id, key_id):
        if usage_plan_id not in self.usage_plans:
            raise UsagePlanNotFoundException()
        if key_id not in self.usage_plan_keys.get(usage_plan_id, {}):
            raise NotFoundException("Invalid Usage Plan Key identifier specified")
        self.usage_plan_keys[usage_plan_id].pop(key_id)

    APIGatewayBackend.delete_usage_plan = delete_usage_plan
    APIGatewayBackend.delete_usage_plan_key = delete_usage_plan_key


# --------------------------------------------------------------------------------------------------
# G26 / G27: stage policy (api_stage): method settings, logging role, web ACL association
# --------------------------------------------------------------------------------------------------


def _enables_cloudwatch_logging(operation):
    """True when an UpdateStage operation turns on execution logging or CloudWatch access logging."""
    op, path, value = operation.get("op"), operation.get("path") or "", str(operation.get("value") or "")
    if op not in ("add", "replace"):
        return False
    if path.endswith("/logging/loglevel"):
        return value.upper() in ("ERROR", "INFO")
    if path.endswith("/logging/dataTrace"):
        return value.lower() == "true"
    return path == "/accessLogSettings/destinationArn" and ":logs:" in value


def patch_G26():
    """G26: UpdateStage removes method settings and refuses CloudWatch logging without the account role.

    AWS (API reference: UpdateStage, MethodSetting; "Patch Operations" of a Stage; developer guide "Set up
    CloudWatch logging for REST APIs in API Gateway"): ``remove /<resourcePath>/<httpMethod>`` (for
    example ``remove /~1payments/ANY`` or ``remove /*/*``) deletes that method setting, and removing one the
    stage does not have is ``BadRequestException`` ("Cannot remove method setting <key> because there is
    no method setting for this method"). Turning on execution logging (``/<key>/logging/loglevel`` ERROR
    or INFO, ``/<key>/logging/dataTrace`` true) or access logging to a CloudWatch Logs log group
    (``/accessLogSettings/destinationArn``) while the account has no ``cloudwatchRoleArn`` in the region
    is ``BadRequestException`` ("CloudWatch Logs role ARN must be set in account settings to enable
    logging"). moto 5.2.5 ignores ``remove`` of a method setting (the setting stays) and enables logging
    without any role, so a module that purges overrides or sets the role after the stage goes unnoticed.
    """
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend, Stage

    orig_apply = Stage.apply_operations
    orig_update_stage = APIGatewayBackend.update_stage

    def apply_operations(self, patch_operations):
        rest = []
        for operation in patch_operations:
            path = operation.get("path") or ""
            parts = path.split("/")
            if (
                operation.get("op") == "remove"
                and len(parts) == 3
                and parts[0] == ""
                and parts[1] not in ("accessLogSettings", "canarySettings", "variables")
            ):
                key = f"{parts[1]}/{parts[2]}"
                if key not in self.method_settings:
                    raise BadRequestException(
                        f"Cannot remove method setting {key} because there is no method setting for this method"
                    )
                orig_apply(self, rest)
                rest = []
                del self.method_settings[key]
            else:
                rest.append(operation)
        return orig_apply(self, rest)

    def update_stage(self, function_id, stage_name, patch_operations):
        if any(_enables_cloudwatch_logging(op) for op in patch_operations or []) and not (
            self.account.cloudwatch_role_arn
        ):
            self.get_stage(function_id, stage_name)  # NotFoundException first, as AWS
            raise BadRequestException("CloudWatch Logs role ARN must be set in account settings to enable logging")
        return orig_update_stage(self, function_id, stage_name, patch_operations)

    Stage.apply_operations = apply_operations
    APIGatewayBackend.update_stage = update_stage


def patch_G27():
    """G27: a resource has one web ACL: AssociateWebACL replaces the previous association.

    AWS (WAF API reference: AssociateWebACL, DisassociateWebACL, GetWebACLForResource; WAF developer
    guide "Associating or disassociating a web ACL with an AWS resource": a resource can be associated
    with only one web ACL): associating a resource (an API Gateway stage
    ``arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>``) that already has a web ACL with another
    one moves it: GetWebACLForResource answers the new web ACL and DisassociateWebACL then leaves the
    resource with none. moto 5.2.5 keeps the resource in the old web ACL's list too, so
    GetWebACLForResource keeps answering the old web ACL (the first one created) and, after
    DisassociateWebACL, still one of them.
    """
    from moto.wafv2.models import WAFV2Backend

    orig_associate = WAFV2Backend.associate_web_acl
    orig_disassociate = WAFV2Backend.disassociate_web_acl

    def associate_web_acl(self, web_acl_arn, resource_arn):
        if web_acl_arn in self.wacls:
            for web_acl in self.wacls.values():
                while resource_arn in web_acl.associated_resources:
                    web_acl.associated_resources.remove(resource_arn)
        return orig_associate(self, web_acl_arn, resource_arn)

    def disassociate_web_acl(self, resource_arn):
        orig_disassociate(self, resource_arn)
        for web_acl in self.wacls.values():
            while resource_arn in web_acl.associated_resources:
                web_acl.associated_resources.remove(resource_arn)

    WAFV2Backend.associate_web_acl = associate_web_acl
    WAFV2Backend.disassociate_web_acl = disassociate_web_acl


def patch_G30():
    """G30: AWS managed policies exist in every account.

    AWS: ``arn:aws:iam::aws:policy/<path><name>`` names the same AWS managed policy in every account;
    AttachRolePolicy and GetPolicy find it (for example
    ``service-role/AmazonAPIGatewayPushToCloudWatchLogs``, the policy of API Gateway's logging role).
    moto 5.2.5 knows them only when started with ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``, which loads
    all of them (about 1,300) into every account at its first IAM call (0.7-1.2 s and tens of MB each);
    without it AttachRolePolicy is ``NoSuchEntity``. The patch loads one when it is first named.
    """
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, IAMBackend

    catalogue = {}

    def _aws_policy(backend, policy_arn):
        match = re.match(r"^arn:aws[a-z-]*:iam::aws:policy(/.*/|/)([^/]+)$", policy_arn or "")
        if not match or policy_arn in backend.managed_policies:
            return
        if not catalogue:
            catalogue.update(json.loads(aws_managed_policies_data))
        data = catalogue.get(match.group(2))
        if data is None or data.get("Path", "/") != match.group(1):
            return
        policy = AWSManagedPolicy.from_data(match.group(2), backend.account_id, backend.region_name, data)
        if policy.arn == policy_arn:
            backend.aws_managed_policies.append(policy)
            backend.managed_policies[policy.arn] = policy

    for name in ("attach_role_policy", "get_policy", "get_policy_version", "detach_role_policy"):
        original = getattr(IAMBackend, name)

        def wrapper(self, *args, _original=original, _name=name, **kwargs):
            arn = kwargs.get("policy_arn") if "policy_arn" in kwargs else (args[0] if args else None)
            _aws_policy(self, arn)
            return _original(self, *args, **kwargs)

        setattr(IAMBackend, name, wrapper)


def patch_G31():
    """G31: CreateDeployment to an existing stage moves the stage to the new deployment and keeps it.

    AWS: "stageName - the name of the Stage resource for the Deployment resource to create"; for an
    existing stage the deployment is what changes: its method settings (throttling, logging), tracing,
    access log settings, web ACL, tags and variables stay (variables given in the call are set on top).
    moto 5.2.5 replaces the stage with a new, empty one, so every redeployment loses the stage policy.
    """
    from moto.apigateway.models import RestAPI

    original = RestAPI.create_deployment

    def create_deployment(self, name, description, stage_variables=None):
        existing = self.stages.get(name) if name else None
        deployment = original(self, name, description, stage_variables)
        if existing is not None:
            fresh = self.stages[name]
            existing.deployment_id = fresh.deployment_id
            existing.variables = dict(existing.variables or {}, **(stage_variables or {}))
            self.stages[name] = existing
        return deployment

    RestAPI.create_deployment = create_deployment


# --------------------------------------------------------------------------------------------------
# G32 / G33: a transit gateway shared with other accounts through RAM
# --------------------------------------------------------------------------------------------------

# How patch_G32 and patch_G33 install their code: plain setattr and dict items, or, for an in-process
# moto test, through a pytest monkeypatch (undoable()) that puts everything back when the test ends.
_INSTALL = {"attr": setattr, "item": dict.__setitem__}


def undoable(monkeypatch):
    """Make the next ``patch_G32()`` / ``patch_G33()`` of this module install through ``monkeypatch``.

    For in-process moto tests (``mock_aws``): every attribute they replace or add and every URL route
    they add is restored when the test ends::

        patches.undoable(monkeypatch)
        patches.patch_G32()
        patches.patch_G33()
    """
    _INSTALL["attr"] = lambda obj, name, value: monkeypatch.setattr(obj, name, value, raising=False)
    _INSTALL["item"] = monkeypatch.setitem


def _install(obj, **attributes):
    for name, value in attributes.items():
        _INSTALL["attr"](obj, name, value)


def _require_moto():
    """The patches replace private code of one moto release: refuse any other (also in-process)."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"tools/emulator/patches.py targets moto {MOTO_VERSION} exactly, found {moto.__version__}")


# ---- G32 helpers: organizations, shares, invitations ----------------------------------------------

_ORG_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:organizations::\d{12}:(?:organization/(o-\w+)|ou/(o-\w+)/(ou-[\w-]+))$")


def _ram_error(code, message):
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _organization_of(account_id, partition="aws"):
    """(organizations backend of the management account, organization) of an account, or (None, None)."""
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[account_id][partition]
    if backend.org is None:
        management = organizations_backends.master_accounts.get(account_id)
        if management is None:
            return None, None
        backend = organizations_backends[management[0]][management[1]]
        if backend.org is None or not any(account.id == account_id for account in backend.accounts):
            return None, None
    return backend, backend.org


def _ram_sharing_enabled(account_id, partition):
    """EnableSharingWithAwsOrganization was called: RAM has trusted access in the account's organization."""
    backend, org = _organization_of(account_id, partition)
    return org is not None and any(s["ServicePrincipal"] == "ram.amazonaws.com" for s in backend.services)


def _org_principal_covers(principal, account_id, partition):
    """True when ``principal``, an organization or OU ARN, contains ``account_id``."""
    match = _ORG_PRINCIPAL.match(principal)
    backend, org = _organization_of(account_id, partition) if match else (None, None)
    if org is None or org.id not in (match.group(1), match.group(2)):
        return False
    if match.group(1):
        return True
    parent, seen = next((a.parent_id for a in backend.accounts if a.id == account_id), None), set()
    while parent and parent not in seen:
        if parent == match.group(3):
            return True
        seen.add(parent)
        parent = next((getattr(ou, "parent_id", None) for ou in backend.ou if ou.id == parent), None)
    return False


def _share_state(share):
    """G32's bookkeeping of a resource share: its tags and its associations, keyed (type, entity)."""
    state = share.__dict__.get("_g32")
    if state is None:
        state = share._g32 = {"tags": [], "associations": OrderedDict()}
    return state


def _associations(share, kind, statuses=None):
    return [
        (entity, entry)
        for (k, entity), entry in _share_state(share)["associations"].items()
        if k == kind and (statuses is None or entry["status"] in statuses)
    ]


def _set_association(share, kind, entity, status, external=False):
    from moto.core.utils import utcnow

    now = utcnow()
    entry = _share_state(share)["associations"].setdefault((kind, entity), {"created": now, "external": external})
    entry.update(status=status, updated=now)
    # moto's own lists: what is associated now
    share.principals = [e for e, _status in _associations(share, "PRINCIPAL", ("ASSOCIATING", "ASSOCIATED"))]
    share.resource_arns = [e for e, _status in _associations(share, "RESOURCE", ("ASSOCIATING", "ASSOCIATED"))]
    return entry


def _association_json(share, kind, entity, entry, status=None):
    from moto.core.utils import unix_time

    return {
        "resourceShareArn": share.arn,
        "resourceShareName": share.name,
        "associatedEntity": entity,
        "associationType": kind,
        "status": status or entry["status"],
        "creationTime": unix_time(entry["created"]),
        "lastUpdatedTime": unix_time(entry["updated"]),
        "external": entry["external"],
    }


def _invitations(ram_backend):
    """The invitations an account received in a region (kept in its RAM backend: a reset forgets them)."""
    store = ram_backend.__dict__.get("_g32_invitations")
    if store is None:
        store = ram_backend._g32_invitations = OrderedDict()
    return store


def _invite(share, account_id):
    from moto.core.utils import unix_time
    from moto.moto_api._internal import mock_random
    from moto.ram.models import ram_backends

    store = _invitations(ram_backends[account_id][share.region])
    if any(i["resourceShareArn"] == share.arn and i["status"] == "PENDING" for i in store.values()):
        return
    prefix = f"arn:{share.partition}:ram:{share.region}:{share.owning_account_id}"  # the sender's account
    arn = f"{prefix}:resource-share-invitation/{mock_random.uuid4()}"
    store[arn] = {
        "resourceShareInvitationArn": arn,
        "resourceShareName": share.name,
        "resourceShareArn": share.arn,
        "senderAccountId": share.owning_account_id,
        "receiverAccountId": account_id,
        "invitationTimestamp": unix_time(),
        "status": "PENDING",
    }


def _withdraw_invitations(share, account_id):
    """Pending invitations of ``share`` to ``account_id`` go away (principal removed, share deleted)."""
    from moto.ram.models import ram_backends

    if not re.match(r"^\d{12}$", account_id):
        return
    store = _invitations(ram_backends[account_id][share.region])
    for arn in [a for a, i in store.items() if i["resourceShareArn"] == share.arn and i["status"] == "PENDING"]:
        del store[arn]


def _ram_has_access(share, account_id):
    """True when ``account_id`` may use what another account shares in ``share``."""
    if share.status != "ACTIVE" or account_id == share.owning_account_id:
        return False
    return any(
        entity == account_id or _org_principal_covers(entity, account_id, share.partition)
        for entity, _status in _associations(share, "PRINCIPAL", ("ASSOCIATED",))
    )


def _ram_shares(region):
    """Every resource share of every account in ``region``."""
    from moto.ram.models import ram_backends

    return [
        share
        for _account, name, backend in list(ram_backends.iter_backends())
        if name == region
        for share in list(backend.resource_shares)
    ]


def ram_shared_with(account_id, region):
    """``[(share, resource ARN)]`` that other accounts share with ``account_id`` in ``region`` (G32 state;
    nothing without G32)."""
    return [
        (share, arn)
        for share in _ram_shares(region)
        if _ram_has_access(share, account_id)
        for arn, _status in _associations(share, "RESOURCE", ("ASSOCIATED",))
    ]


def _ram_resource_type(arn):
    """``arn:aws:ec2:r:a:transit-gateway/tgw-1`` -> ``ec2:TransitGateway`` (RAM's resource type)."""
    parts = arn.split(":", 5)
    kind = re.split(r"[/:]", parts[5], maxsplit=1)[0] if len(parts) == 6 else ""
    return f"{parts[2] if len(parts) > 2 else ''}:" + "".join(word.capitalize() for word in kind.split("-"))


def _ram_owner(value):
    from moto.ram.exceptions import InvalidParameterException

    if value not in ("SELF", "OTHER-ACCOUNTS"):
        raise InvalidParameterException(
            f"{value} is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."
        )
    return value


def _ram_visible_shares(backend, owner):
    """The shares the caller owns (SELF) or may use (OTHER-ACCOUNTS)."""
    if owner == "SELF":
        return list(backend.resource_shares)
    return [share for share in _ram_shares(backend.region_name) if _ram_has_access(share, backend.account_id)]


def _ram_share_of(backend, arn, active=False):
    from moto.ram.exceptions import UnknownResourceException

    share = next((s for s in backend.resource_shares if s.arn == arn), None)
    if share is None:
        raise UnknownResourceException(f"ResourceShare {arn} could not be found.")
    if active and share.status != "ACTIVE":
        raise _ram_error("InvalidStateTransitionException", f"The resource share {arn} is {share.status}.")
    return share


def _ram_associate(backend, share, resource_arns, principals):
    """Add resources and principals to ``share``; the resourceShareAssociations AWS answers (ASSOCIATING).

    An account principal gets a PENDING invitation and stays ASSOCIATING until it accepts, unless it is
    in the owner's organization and sharing with AWS Organizations is enabled (ASSOCIATED at once). An
    organization or OU principal needs that sharing enabled (OperationNotPermittedException) and is
    ASSOCIATED at once: every account under it gets access. Other principals (IAM ARNs, services) are
    recorded ASSOCIATED and give no account access.
    """
    resource_arns, principals = list(resource_arns or []), list(principals or [])
    share.add_resources(resource_arns)  # moto's checks of the ARNs (MalformedArnException)
    share.add_principals(principals)  # ... and of the principals (InvalidParameterException, unknown org)
    enabled = _ram_sharing_enabled(backend.account_id, share.partition)
    if not enabled and any(_ORG_PRINCIPAL.match(p) for p in principals):
        raise _ram_error(
            "OperationNotPermittedException",
            "Sharing with an organization or organizational unit needs sharing with AWS Organizations "
            "to be enabled (EnableSharingWithAwsOrganization) in the management account.",
        )
    owner_org = _organization_of(backend.account_id, share.partition)[1]
    answer = []
    for arn in resource_arns:
        entry = _set_association(share, "RESOURCE", arn, "ASSOCIATED")
        answer.append(_association_json(share, "RESOURCE", arn, entry, "ASSOCIATING"))
    for principal in principals:
        current = _share_state(share)["associations"].get(("PRINCIPAL", principal))
        if current is not None and current["status"] in ("ASSOCIATING", "ASSOCIATED"):
            answer.append(_association_json(share, "PRINCIPAL", principal, current))
            continue
        if re.match(r"^\d{12}$", principal):
            their_org = _organization_of(principal, share.partition)[1]
            same_org = owner_org is not None and their_org is not None and their_org.id == owner_org.id
            status = "ASSOCIATED" if same_org and enabled else "ASSOCIATING"
            entry = _set_association(share, "PRINCIPAL", principal, status, external=not same_org)
            if status == "ASSOCIATING":
                _invite(share, principal)
        else:
            entry = _set_association(share, "PRINCIPAL", principal, "ASSOCIATED")
        answer.append(_association_json(share, "PRINCIPAL", principal, entry, "ASSOCIATING"))
    return answer


def _ram_disassociate(share, resource_arns, principals):
    """Remove resources and principals (a removed account loses access and its pending invitation)."""
    answer = []
    for kind, entities in (("RESOURCE", resource_arns or []), ("PRINCIPAL", principals or [])):
        for entity in entities:
            entry = _share_state(share)["associations"].get((kind, entity))
            if entry is None or entry["status"] == "DISASSOCIATED":
                continue
            _set_association(share, kind, entity, "DISASSOCIATED")
            if kind == "PRINCIPAL":
                _withdraw_invitations(share, entity)
            answer.append(_association_json(share, kind, entity, entry, "DISASSOCIATING"))
    return answer


def _ram_share_json(share, caller):
    data = share.describe()
    if caller == share.owning_account_id:  # others do not see the owner's tags
        data["tags"] = list(_share_state(share)["tags"])
    return data


def _ram_tags_match(share, tag_filters):
    tags = {t["key"]: t["value"] for t in _share_state(share)["tags"]}
    return all(
        f.get("tagKey") in tags and (not f.get("tagValues") or tags[f["tagKey"]] in f["tagValues"])
        for f in tag_filters or []
    )


def _ram_invitation(backend, arn):
    invitation = _invitations(backend).get(arn)
    if invitation is None:
        raise _ram_error(
            "ResourceShareInvitationArnNotFoundException", f"ResourceShareInvitationArn {arn} could not be found."
        )
    if invitation["status"] == "ACCEPTED":
        raise _ram_error(
            "ResourceShareInvitationAlreadyAcceptedException", f"The invitation {arn} was already accepted."
        )
    if invitation["status"] == "REJECTED":
        raise _ram_error(
            "ResourceShareInvitationAlreadyRejectedException", f"The invitation {arn} was already rejected."
        )
    return invitation


def _ram_answer_invitation(backend, arn, status):
    """Accept (ASSOCIATED: access) or reject (DISASSOCIATED) a PENDING invitation the caller received."""
    from moto.ram.models import ram_backends

    invitation = _ram_invitation(backend, arn)
    invitation["status"] = "ACCEPTED" if status == "ASSOCIATED" else "REJECTED"
    owner = ram_backends[invitation["senderAccountId"]][backend.region_name]
    share = next((s for s in owner.resource_shares if s.arn == invitation["resourceShareArn"]), None)
    entry = _share_state(share)["associations"].get(("PRINCIPAL", backend.account_id)) if share else None
    if entry is not None and entry["status"] == "ASSOCIATING":
        _set_association(share, "PRINCIPAL", backend.account_id, status)
    return {"resourceShareInvitation": dict(invitation)}


def _ram_invitations_json(backend, invitation_arns, share_arns):
    return [
        dict(invitation)
        for arn, invitation in _invitations(backend).items()
        if (not invitation_arns or arn in invitation_arns)
        and (not share_arns or invitation["resourceShareArn"] in share_arns)
    ]


def _ram_resources_json(backend, owner, resource_type, resource_arns, share_arns, principal):
    from moto.core.utils import unix_time

    answer = []
    for share in _ram_visible_shares(backend, owner):
        if share.status != "ACTIVE" or (share_arns and share.arn not in share_arns):
            continue
        if principal and principal not in [
            p for p, _status in _associations(share, "PRINCIPAL", ("ASSOCIATING", "ASSOCIATED"))
        ]:
            continue
        for arn, entry in _associations(share, "RESOURCE", ("ASSOCIATED",)):
            kind = _ram_resource_type(arn)
            if (resource_arns and arn not in resource_arns) or (
                resource_type and kind.lower() != resource_type.lower()
            ):
                continue
            answer.append(
                {
                    "arn": arn,
                    "type": kind,
                    "resourceShareArn": share.arn,
                    "status": "AVAILABLE",
                    "creationTime": unix_time(entry["created"]),
                    "lastUpdatedTime": unix_time(entry["updated"]),
                    "resourceRegionScope": "REGIONAL",
                }
            )
    return answer


def _ram_principals_json(backend, owner, resource_arn, principals, resource_type, share_arns):
    from moto.core.utils import unix_time

    answer = []
    for share in _ram_visible_shares(backend, owner):
        resources = [arn for arn, _status in _associations(share, "RESOURCE", ("ASSOCIATED",))]
        if share.status != "ACTIVE" or (share_arns and share.arn not in share_arns):
            continue
        if (resource_arn and resource_arn not in resources) or (
            resource_type and resource_type.lower() not in [_ram_resource_type(arn).lower() for arn in resources]
        ):
            continue
        for principal, entry in _associations(share, "PRINCIPAL", ("ASSOCIATING", "ASSOCIATED")):
            if principals and principal not in principals:
                continue
            if owner == "OTHER-ACCOUNTS" and not (
                principal == backend.account_id or _org_principal_covers(principal, backend.account_id, share.partition)
            ):
                continue
            answer.append(
                {
                    "id": principal,
                    "resourceShareArn": share.arn,
                    "creationTime": unix_time(entry["created"]),
                    "lastUpdatedTime": unix_time(entry["updated"]),
                    "external": entry["external"],
                }
            )
    return answer


_RAM_ROUTES = (
    "associateresourceshare",
    "disassociateresourceshare",
    "getresourceshareinvitations",
    "acceptresourceshareinvitation",
    "rejectresourceshareinvitation",
    "listresources",
    "listprincipals",
    "tagresource",
    "untagresource",
)


def patch_G32():
    """G32: RAM shares resources with other accounts: invitations, associations, shared resources.

    AWS: CreateResourceShare / AssociateResourceShare with an account principal sends that account a
    PENDING invitation (GetResourceShareInvitations there); AcceptResourceShareInvitation gives it
    access (the principal association goes ASSOCIATING -> ASSOCIATED), Reject refuses it, a second
    answer is ResourceShareInvitationAlreadyAccepted/RejectedException, an ARN the caller did not
    receive ResourceShareInvitationArnNotFoundException. An account of the owner's organization is
    ASSOCIATED at once when EnableSharingWithAwsOrganization was called; an organization (or OU)
    principal gives every account under it access at once, and is OperationNotPermittedException
    without that. DisassociateResourceShare and DeleteResourceShare (status DELETED) take access away
    and withdraw pending invitations. GetResourceShares(OTHER-ACCOUNTS) and ListResources(OTHER-ACCOUNTS)
    list what others share with the caller; ListPrincipals(SELF) the principals of the caller's shares;
    GetResourceShareAssociations reports real statuses; tags (CreateResourceShare ``tags``, TagResource,
    UntagResource) are returned by GetResourceShares to the owner and filtered by ``tagFilters``.
    moto 5.2.5 has no invitations and none of Associate/DisassociateResourceShare, ListResources,
    ListPrincipals, Get/Accept/RejectResourceShareInvitation(s), Tag/UntagResource; GetResourceShares
    raises NotImplementedError for OTHER-ACCOUNTS and ignores name, ARNs, status, tags;
    GetResourceShareAssociations answers ASSOCIATED (or the status asked for) for everything.

    Simplifications (AWS uncertain or not modelled): every transition but the invitation is immediate
    (Associate/Disassociate answer ASSOCIATING/DISASSOCIATING, a later Get reads ASSOCIATED/
    DISASSOCIATED); a rejected invitation leaves the principal association DISASSOCIATED; invitations
    never expire; ``allowExternalPrincipals`` is stored, not enforced; another account does not see the
    owner's tags of a share; associating to a DELETED share is InvalidStateTransitionException; IAM role
    and user principals are recorded but give no access.
    """
    _require_moto()
    from moto.ram import urls
    from moto.ram.models import ResourceAccessManagerBackend as Backend
    from moto.ram.responses import ResourceAccessManagerResponse as Response

    orig_associations = Backend.get_resource_share_associations

    def create_resource_share(self, **kwargs):
        from moto.ram.models import ResourceShare

        share = ResourceShare(self.account_id, self.region_name, **kwargs)
        tags = kwargs.get("tags") or []
        _share_state(share)["tags"] = [{"key": t["key"], "value": t.get("value", "")} for t in tags]
        _ram_associate(self, share, kwargs.get("resourceArns"), kwargs.get("principals"))
        self.resource_shares.append(share)
        data = _ram_share_json(share, self.account_id)
        data.pop("featureSet")
        return {"resourceShare": data}

    def delete_resource_share(self, resource_share_arn):
        share = _ram_share_of(self, resource_share_arn)
        _ram_disassociate(
            share,
            [e for e, _status in _associations(share, "RESOURCE")],
            [e for e, _status in _associations(share, "PRINCIPAL")],
        )
        share.delete()
        return {"returnValue": True}

    def enable_sharing_with_aws_organization(self):
        from moto.ram.exceptions import OperationNotPermittedException

        if not self.organizations_backend.org:  # only the management account may
            raise OperationNotPermittedException
        self.organizations_backend.enable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
        return {"returnValue": True}

    def get_resource_share_associations(
        self, association_type, association_status, share_arns, resource_arn, principal
    ):
        orig_associations(self, association_type, association_status, share_arns, resource_arn, principal)  # checks
        answer = []
        for share in self.resource_shares:
            if share_arns and share.arn not in share_arns:
                continue
            wanted = resource_arn if association_type == "RESOURCE" else principal
            for entity, entry in _associations(share, association_type):
                if wanted in (None, entity) and association_status in (None, entry["status"]):
                    answer.append(_association_json(share, association_type, entity, entry))
        return {"resourceShareAssociations": answer}

    _install(
        Backend,
        create_resource_share=create_resource_share,
        delete_resource_share=delete_resource_share,
        enable_sharing_with_aws_organization=enable_sharing_with_aws_organization,
        get_resource_share_associations=get_resource_share_associations,
    )

    def get_resource_shares(self):
        owner = _ram_owner(self._get_param("resourceOwner"))
        arns, status = self._get_param("resourceShareArns") or [], self._get_param("resourceShareStatus")
        name, tag_filters = self._get_param("name"), self._get_param("tagFilters") or []
        shares = [
            _ram_share_json(share, self.current_account)
            for share in _ram_visible_shares(self.ram_backend, owner)
            if (not arns or share.arn in arns)
            and status in (None, share.status)
            and name in (None, share.name)
            and _ram_tags_match(share, tag_filters)
        ]
        return json.dumps({"resourceShares": shares})

    def associate_resource_share(self):
        share = _ram_share_of(self.ram_backend, self._get_param("resourceShareArn"), active=True)
        answer = _ram_associate(self.ram_backend, share, self._get_param("resourceArns"), self._get_param("principals"))
        return json.dumps({"resourceShareAssociations": answer})

    def disassociate_resource_share(self):
        share = _ram_share_of(self.ram_backend, self._get_param("resourceShareArn"), active=True)
        answer = _ram_disassociate(share, self._get_param("resourceArns"), self._get_param("principals"))
        return json.dumps({"resourceShareAssociations": answer})

    def get_resource_share_invitations(self):
        invitations = _ram_invitations_json(
            self.ram_backend, self._get_param("resourceShareInvitationArns"), self._get_param("resourceShareArns")
        )
        return json.dumps({"resourceShareInvitations": invitations})

    def accept_resource_share_invitation(self):
        arn = self._get_param("resourceShareInvitationArn")
        return json.dumps(_ram_answer_invitation(self.ram_backend, arn, "ASSOCIATED"))

    def reject_resource_share_invitation(self):
        arn = self._get_param("resourceShareInvitationArn")
        return json.dumps(_ram_answer_invitation(self.ram_backend, arn, "DISASSOCIATED"))

    def list_resources(self):
        resources = _ram_resources_json(
            self.ram_backend,
            _ram_owner(self._get_param("resourceOwner")),
            self._get_param("resourceType"),
            self._get_param("resourceArns"),
            self._get_param("resourceShareArns"),
            self._get_param("principal"),
        )
        return json.dumps({"resources": resources})

    def list_principals(self):
        principals = _ram_principals_json(
            self.ram_backend,
            _ram_owner(self._get_param("resourceOwner")),
            self._get_param("resourceArn"),
            self._get_param("principals"),
            self._get_param("resourceType"),
            self._get_param("resourceShareArns"),
        )
        return json.dumps({"principals": principals})

    def tag_resource(self):
        share = _ram_share_of(self.ram_backend, self._get_param("resourceShareArn"))
        tags = {t["key"]: t.get("value", "") for t in _share_state(share)["tags"]}
        tags.update({t["key"]: t.get("value", "") for t in self._get_param("tags") or []})
        _share_state(share)["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        return json.dumps({})

    def untag_resource(self):
        share = _ram_share_of(self.ram_backend, self._get_param("resourceShareArn"))
        keys = self._get_param("tagKeys") or []
        _share_state(share)["tags"] = [t for t in _share_state(share)["tags"] if t["key"] not in keys]
        return json.dumps({})

    _install(
        Response,
        get_resource_shares=get_resource_shares,
        associate_resource_share=associate_resource_share,
        disassociate_resource_share=disassociate_resource_share,
        get_resource_share_invitations=get_resource_share_invitations,
        accept_resource_share_invitation=accept_resource_share_invitation,
        reject_resource_share_invitation=reject_resource_share_invitation,
        list_resources=list_resources,
        list_principals=list_principals,
        tag_resource=tag_resource,
        untag_resource=untag_resource,
    )
    for route in _RAM_ROUTES:
        _INSTALL["item"](urls.url_paths, "{0}/%s$" % route, Response.dispatch)


# ---- G33 helpers: shared transit gateways and their attachments -----------------------------------

_TGW_ARN = re.compile(r"^arn:aws[a-z-]*:ec2:([a-z0-9-]+):(\d{12}):transit-gateway/(tgw-[0-9a-f]+)$")
_ATTACHMENT_GONE = ("deleting", "deleted", "rejected", "failed")


def _shared_transit_gateways(backend):
    """Transit gateways of other accounts shared with the account of ``backend`` (EC2) through RAM."""
    from moto.ec2.models import ec2_backends

    found = {}
    for _share, arn in ram_shared_with(backend.account_id, backend.region_name):
        match = _TGW_ARN.match(arn)
        if match and match.group(1) == backend.region_name and match.group(2) != backend.account_id:
            tgw = ec2_backends[match.group(2)][match.group(1)].transit_gateways.get(match.group(3))
            if tgw is not None:
                found[tgw.id] = tgw
    return found


def _visible_transit_gateway(backend, tgw_id):
    """The caller's own transit gateway, or one shared with it; else InvalidTransitGatewayID.NotFound."""
    from moto.ec2.exceptions import InvalidTransitGatewayID

    tgw = backend.transit_gateways.get(tgw_id) or _shared_transit_gateways(backend).get(tgw_id)
    if tgw is None:
        raise InvalidTransitGatewayID(tgw_id, f"Transit Gateway {tgw_id} was deleted or does not exist.")
    return tgw


class _AsSeenBy:
    """A resource of another account as the calling account sees it: the same, but the caller's tags."""

    def __init__(self, resource, backend):
        self._resource = resource
        # every spelling the serializer may pick (Tags, tagSet in the EC2 model)
        self.tags = self.tag_set = self.tag_list = backend.describe_tags(filters={"resource-id": [resource.id]})

    def __getattr__(self, name):
        return getattr(self._resource, name)

    def get_tags(self):
        return self.tags


def _as_seen_by(resource, backend):
    return resource if resource.ec2_backend is backend else _AsSeenBy(resource, backend)


def _filtered(items, filters, fields, backend):
    """Items matching EC2 ``filters`` (values OR-ed, filters AND-ed, ``*``/``?`` wildcards): ``fields``
    maps a filter name to the item's values; ``tag:<k>``, ``tag-key``, ``tag-value`` read the tags the
    calling account gave it. Another filter name is ``InvalidParameterValue``."""
    from moto.ec2.exceptions import InvalidFilter

    kept = []
    for item in items:
        tags = {t["key"]: t["value"] for t in backend.describe_tags(filters={"resource-id": [item.id]})}
        for name, patterns in (filters or {}).items():
            if name.startswith("tag:"):
                values = [tags[name[4:]]] if name[4:] in tags else []
            elif name in ("tag-key", "tag-value"):
                values = list(tags) if name == "tag-key" else list(tags.values())
            elif name in fields:
                values = fields[name](item)
            elif name.startswith("options.") and "options." in fields:
                key = "".join(word.capitalize() for word in name[8:].split("-"))
                values = [item.options.get(key)]
            else:
                raise InvalidFilter(name, "InvalidParameterValue")
            if not any(fnmatch.fnmatchcase(str(v), str(p)) for v in values if v is not None for p in patterns or []):
                break
        else:
            kept.append(item)
    return kept


def _association_of(attachment):
    data = attachment._association_data
    return {"TransitGatewayRouteTableId": data["transitGatewayRouteTableId"], "State": data["state"]} if data else None


_TGW_FILTERS = {
    "transit-gateway-id": lambda g: [g.id],
    "state": lambda g: [g.state],
    "owner-id": lambda g: [g.owner_id],
    "options.": None,  # options.<kebab-case option>, e.g. options.auto-accept-shared-attachments
}
_VPC_ATTACHMENT_FILTERS = {
    "state": lambda a: [a.state],
    "transit-gateway-attachment-id": lambda a: [a.id],
    "transit-gateway-id": lambda a: [a.transit_gateway_id],
    "vpc-id": lambda a: [a.resource_id],
}
_ATTACHMENT_FILTERS = dict(
    _VPC_ATTACHMENT_FILTERS,
    **{
        "resource-id": lambda a: [a.resource_id],
        "resource-type": lambda a: [a.resource_type],
        "resource-owner-id": lambda a: [a.resource_owner_id],
        "transit-gateway-owner-id": lambda a: [a.transit_gateway_owner_id],
        "association.state": lambda a: [(a.association or {}).get("State")],
        "association.transit-gateway-route-table-id": lambda a: [
            (a.association or {}).get("TransitGatewayRouteTableId")
        ],
    },
)
del _ATTACHMENT_FILTERS["vpc-id"]


def _described_attachments(response, fields, vpc_only):
    """DescribeTransitGateway(Vpc)Attachments: the caller's attachments (with those other accounts
    made to its transit gateways), by ids (unknown: NotFound) and filters, as the caller sees them."""
    backend = response.ec2_backend
    ids = response._get_param("TransitGatewayAttachmentIds", []) or []
    found = [a for a in backend.transit_gateway_attachments.values() if a.resource_type == "vpc" or not vpc_only]
    missing = [i for i in ids if i not in {a.id for a in found}]
    if missing:
        raise _attachment_not_found(missing[0])
    found = [a for a in found if not ids or a.id in ids]
    return [_as_seen_by(a, backend) for a in _filtered(found, response._filters_from_querystring(), fields, backend)]


def _attachment_not_found(attachment_id):
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError(
        "InvalidTransitGatewayAttachmentID.NotFound",
        f"Transit Gateway Attachment {attachment_id} was deleted or does not exist.",
    )


def _incorrect_state(attachment):
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError("IncorrectState", f"Transit Gateway Attachment {attachment.id} is in invalid state")


def _live_attachment(backend, attachment_id):
    attachment = backend.transit_gateway_attachments.get(attachment_id)
    if attachment is None or attachment.state == "deleted":
        raise _attachment_not_found(attachment_id)
    return attachment


def _routable(backend, attachment_id, route_table_id):
    """(attachment, route table) of the transit gateway owner's backend, or the AWS NotFound errors."""
    from moto.ec2.exceptions import EC2ClientError

    attachment = _live_attachment(backend, attachment_id)
    table = backend.transit_gateways_route_tables.get(route_table_id)
    if table is None or table.state == "deleted":
        raise EC2ClientError(
            "InvalidRouteTableID.NotFound",
            f"Transit Gateway Route Table {route_table_id} was deleted or does not exist.",
        )
    return attachment, table


def _check_attachment_subnets(backend, vpc_id, subnet_ids):
    """Subnets of an attachment: of that VPC, at most one per Availability Zone."""
    from moto.ec2.exceptions import EC2ClientError

    zones = set()
    for subnet_id in subnet_ids:
        subnet = backend.get_subnet(subnet_id)  # InvalidSubnetID.NotFound
        if subnet.vpc_id != vpc_id:
            raise EC2ClientError("InvalidParameterValue", f"Subnet {subnet_id} does not belong to VPC {vpc_id}.")
        if subnet.availability_zone in zones:
            raise EC2ClientError("DuplicateSubnetsInSameZone", "Duplicate Subnets for same AZ")
        zones.add(subnet.availability_zone)


def _owner_backend(attachment):
    from moto.ec2.models import ec2_backends

    return ec2_backends[attachment.transit_gateway_owner_id][attachment.ec2_backend.region_name]


def _attachment_available(attachment):
    """The attachment is accepted: the transit gateway's default association and propagation, if enabled."""
    attachment.state = "available"
    owner = _owner_backend(attachment)
    options = owner.transit_gateways[attachment.transit_gateway_id].options
    for default, table_key, method in (
        ("DefaultRouteTableAssociation", "AssociationDefaultRouteTableId", owner.associate_transit_gateway_route_table),
        (
            "DefaultRouteTablePropagation",
            "PropagationDefaultRouteTableId",
            owner.enable_transit_gateway_route_table_propagation,
        ),
    ):
        if options.get(default) == "enable" and options.get(table_key) in owner.transit_gateways_route_tables:
            method(transit_gateway_attachment_id=attachment.id, transit_gateway_route_table_id=options[table_key])


def _forget_routing(attachment):
    """A deleted attachment leaves no association, propagation or propagated route behind."""
    owner = _owner_backend(attachment)
    for table in owner.transit_gateways_route_tables.values():
        table.route_table_associations.pop(attachment.id, None)
        table.route_table_propagation = [
            p for p in table.route_table_propagation if p.transitGatewayAttachmentId != attachment.id
        ]
    owner.transit_gateway_associations.pop(attachment.id, None)
    owner.transit_gateway_propagations.pop(attachment.id, None)
    attachment._association_data, attachment.propagation = {}, {}


def _propagated_routes(backend, table, filters):
    """The routes SearchTransitGatewayRoutes finds propagated into ``table``: each CIDR of each VPC
    whose available attachment propagates there, unless a static route has that CIDR."""
    static = {route.get("destinationCidrBlock") for route in table.routes.values()}
    wanted = {
        "type": lambda r: [r["Type"]],
        "state": lambda r: [r["State"]],
        "route-search.exact-match": lambda r: [r["DestinationCidrBlock"]],
        "attachment.transit-gateway-attachment-id": lambda r: [
            r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"]
        ],
        "attachment.resource-id": lambda r: [r["TransitGatewayAttachments"][0]["ResourceId"]],
        "attachment.resource-type": lambda r: [r["TransitGatewayAttachments"][0]["ResourceType"]],
    }
    routes = []
    for propagation in table.route_table_propagation:
        attachment = backend.transit_gateway_attachments.get(propagation.transitGatewayAttachmentId)
        if attachment is None or attachment.state != "available" or attachment.resource_type != "vpc":
            continue
        for cidr in _vpc_cidrs(attachment.ec2_backend.vpcs[attachment.vpc_id]):
            route = {
                "DestinationCidrBlock": cidr,
                "TransitGatewayAttachments": [
                    {
                        "ResourceId": attachment.vpc_id,
                        "TransitGatewayAttachmentId": attachment.id,
                        "ResourceType": "vpc",
                    }
                ],
                "Type": "propagated",
                "State": "active",
            }
            if cidr not in static and all(
                any(fnmatch.fnmatchcase(v, p) for v in wanted[name](route) for p in values)
                for name, values in (filters or {}).items()
                if name in wanted
            ):
                routes.append(route)
    return routes


def patch_G33():
    """G33: a transit gateway shared through RAM (G32) is usable from the other account.

    AWS: once account B may use a share of A's transit gateway (accepted invitation or organization),
    DescribeTransitGateways in B returns it (OwnerId A, its options, none of A's tags) and
    CreateTransitGatewayVpcAttachment in B attaches B's VPC to it (one subnet per Availability Zone,
    else DuplicateSubnetsInSameZone; the subnets of that VPC): ``pendingAcceptance`` unless the gateway
    has AutoAcceptSharedAttachments=enable. Both accounts see the attachment (VpcOwnerId /
    ResourceOwnerId B, TransitGatewayOwnerId A; tags per account); A accepts or rejects it
    (AcceptTransitGatewayVpcAttachment / RejectTransitGatewayVpcAttachment; not pendingAcceptance:
    IncorrectState), associates it with and propagates it into its route tables (IncorrectState before
    acceptance; SearchTransitGatewayRoutes shows B's VPC CIDRs as propagated routes); A or B deletes it
    (state deleted, with its association, propagation and routes; it stays listed as deleted). Without
    access B gets InvalidTransitGatewayID.NotFound (describe by id, attach, CreateRoute/ReplaceRoute with
    that TransitGatewayId). DeleteTransitGateway is IncorrectState while an attachment is not deleted.
    A new attachment is associated with / propagated into the default route tables only when the
    gateway's DefaultRouteTableAssociation / DefaultRouteTablePropagation are enabled, once available.

    moto 5.2.5 keeps a transit gateway in its account: B neither sees it nor attaches to it, and a
    route to it in B (or to any unknown id) is created without TransitGatewayId. It has no
    Accept/RejectTransitGatewayVpcAttachment; associates every new attachment with the default route
    table whatever the options (and always reports that association in DescribeTransitGatewayAttachments);
    never propagates routes; drops the attachment's TagSpecifications (reads those of a route table);
    ignores the state and owner filters of DescribeTransitGatewayAttachments; accepts two subnets in
    one zone; deletes a transit gateway that has attachments; and answers HTTP 500 for unknown ids,
    a second association, a missing propagation or association.

    Not modelled: the transient states (pending, deleting...); who may modify or delete beyond the two
    owners; the error code for B accepting its own attachment (InvalidParameterValue here) and for a
    subnet of another VPC (InvalidParameterValue here) are not confirmed against AWS.
    """
    _require_moto()
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import DuplicateTransitGatewayAttachmentError, EC2ClientError
    from moto.ec2.models.route_tables import RouteBackend
    from moto.ec2.models.transit_gateway import TransitGatewayBackend
    from moto.ec2.models.transit_gateway_attachments import (
        TransitGatewayAttachment,
        TransitGatewayAttachmentBackend,
        TransitGatewayVpcAttachment,
    )
    from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRelations, TransitGatewayRouteTableBackend
    from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment as AttachmentResponse
    from moto.ec2.responses.transit_gateways import TransitGateways as GatewayResponse

    # -- the attachment model: owner of the gateway, association as it is, tags
    _install(
        TransitGatewayAttachment,
        transit_gateway_owner_id=property(lambda self: getattr(self, "_tgw_owner_id", self.resource_owner_id)),
        association=property(_association_of),
        tags=property(lambda self: self.get_tags()),
    )

    # -- backends: attachments
    orig_delete_tgw = TransitGatewayBackend.delete_transit_gateway
    orig_modify = TransitGatewayAttachmentBackend.modify_transit_gateway_vpc_attachment

    def create_transit_gateway_vpc_attachment(self, transit_gateway_id, vpc_id, subnet_ids, tags=None, options=None):
        tgw = _visible_transit_gateway(self, transit_gateway_id)
        self.get_vpc(vpc_id)
        _check_attachment_subnets(self, vpc_id, subnet_ids)
        if any(
            a.resource_type == "vpc" and a.transit_gateway_id == tgw.id and a.resource_id == vpc_id
            for a in self.transit_gateway_attachments.values()
            if a.state not in _ATTACHMENT_GONE
        ):
            raise DuplicateTransitGatewayAttachmentError(tgw.id)
        attachment = TransitGatewayVpcAttachment(
            self, transit_gateway=tgw, tags=tags, vpc_id=vpc_id, subnet_ids=list(subnet_ids), options=options
        )
        attachment._tgw_owner_id = tgw.owner_id
        self.transit_gateway_attachments[attachment.id] = attachment
        if tgw.ec2_backend is not self:  # the gateway's owner sees it too
            tgw.ec2_backend.transit_gateway_attachments[attachment.id] = attachment
            if tgw.options.get("AutoAcceptSharedAttachments") != "enable":
                attachment.state = "pendingAcceptance"
                return attachment
        _attachment_available(attachment)
        return attachment

    def _pending_for_owner(backend, attachment_id, verb):
        attachment = _live_attachment(backend, attachment_id)
        if attachment.resource_type != "vpc":
            raise _attachment_not_found(attachment_id)
        if attachment.transit_gateway_owner_id != backend.account_id:
            raise EC2ClientError(
                "InvalidParameterValue",
                f"Cannot {verb} {attachment_id}: only the owner of {attachment.transit_gateway_id} can.",
            )
        if attachment.state != "pendingAcceptance":
            raise _incorrect_state(attachment)
        return attachment

    def accept_transit_gateway_vpc_attachment(self, transit_gateway_attachment_id):
        attachment = _pending_for_owner(self, transit_gateway_attachment_id, "accept")
        _attachment_available(attachment)
        return attachment

    def reject_transit_gateway_vpc_attachment(self, transit_gateway_attachment_id):
        attachment = _pending_for_owner(self, transit_gateway_attachment_id, "reject")
        attachment.state = "rejected"
        return attachment

    def delete_transit_gateway_vpc_attachment(self, transit_gateway_attachment_id):
        attachment = _live_attachment(self, transit_gateway_attachment_id)
        _forget_routing(attachment)
        attachment.state = "deleted"  # listed as deleted by both accounts, as AWS does for a while
        return attachment

    def modify_transit_gateway_vpc_attachment(
        self, transit_gateway_attachment_id, add_subnet_ids=None, options=None, remove_subnet_ids=None
    ):
        attachment = _live_attachment(self, transit_gateway_attachment_id)
        if add_subnet_ids or remove_subnet_ids:
            kept = [s for s in attachment.subnet_ids if s not in (remove_subnet_ids or [])]
            _check_attachment_subnets(self, attachment.vpc_id, kept + list(add_subnet_ids or []))
        return orig_modify(self, transit_gateway_attachment_id, add_subnet_ids, options, remove_subnet_ids)

    def delete_transit_gateway(self, transit_gateway_id):
        from moto.ec2.exceptions import InvalidTransitGatewayID

        tgw = self.transit_gateways.get(transit_gateway_id)
        if tgw is None:
            raise InvalidTransitGatewayID(transit_gateway_id)
        if any(
            a.transit_gateway_id == tgw.id and a.state not in _ATTACHMENT_GONE
            for a in self.transit_gateway_attachments.values()
        ):
            raise EC2ClientError("IncorrectState", f"{tgw.id} has non-deleted Transit Gateway Attachments")
        return orig_delete_tgw(self, transit_gateway_id)

    _install(
        TransitGatewayAttachmentBackend,
        create_transit_gateway_vpc_attachment=create_transit_gateway_vpc_attachment,
        accept_transit_gateway_vpc_attachment=accept_transit_gateway_vpc_attachment,
        reject_transit_gateway_vpc_attachment=reject_transit_gateway_vpc_attachment,
        delete_transit_gateway_vpc_attachment=delete_transit_gateway_vpc_attachment,
        modify_transit_gateway_vpc_attachment=modify_transit_gateway_vpc_attachment,
    )
    _install(TransitGatewayBackend, delete_transit_gateway=delete_transit_gateway)

    # -- backends: route tables of the gateway's owner
    orig = {
        name: getattr(TransitGatewayRouteTableBackend, name)
        for name in (
            "associate_transit_gateway_route_table",
            "enable_transit_gateway_route_table_propagation",
            "search_transit_gateway_routes",
        )
    }

    def associate_transit_gateway_route_table(self, transit_gateway_attachment_id, transit_gateway_route_table_id):
        attachment, _table = _routable(self, transit_gateway_attachment_id, transit_gateway_route_table_id)
        if attachment.state != "available":
            raise _incorrect_state(attachment)
        if any(attachment.id in t.route_table_associations for t in self.transit_gateways_route_tables.values()):
            raise EC2ClientError(
                "Resource.AlreadyAssociated",
                f"Transit Gateway Attachment {attachment.id} is already associated to a route table.",
            )
        return orig["associate_transit_gateway_route_table"](
            self, transit_gateway_attachment_id, transit_gateway_route_table_id
        )

    def disassociate_transit_gateway_route_table(self, tgw_attach_id, tgw_rt_id):
        attachment, table = _routable(self, tgw_attach_id, tgw_rt_id)
        if table.route_table_associations.pop(attachment.id, None) is None:
            raise EC2ClientError(
                "InvalidAssociation.NotFound", f"Association {tgw_rt_id} - {tgw_attach_id} does not exist."
            )
        self.transit_gateway_associations.pop(attachment.id, None)
        attachment._association_data = {}
        return TransitGatewayRelations(self, attachment.id, tgw_rt_id, state="disassociated")

    def enable_transit_gateway_route_table_propagation(
        self, transit_gateway_attachment_id, transit_gateway_route_table_id
    ):
        attachment, table = _routable(self, transit_gateway_attachment_id, transit_gateway_route_table_id)
        if attachment.state != "available":
            raise _incorrect_state(attachment)
        if any(p.transitGatewayAttachmentId == attachment.id for p in table.route_table_propagation):
            raise EC2ClientError(
                "TransitGatewayRouteTablePropagation.Duplicate",
                f"Propagation {attachment.id} already exists in Transit Gateway Route Table {table.id}.",
            )
        return orig["enable_transit_gateway_route_table_propagation"](
            self, transit_gateway_attachment_id, transit_gateway_route_table_id
        )

    def disable_transit_gateway_route_table_propagation(
        self, transit_gateway_attachment_id, transit_gateway_route_table_id
    ):
        attachment, table = _routable(self, transit_gateway_attachment_id, transit_gateway_route_table_id)
        kept = [p for p in table.route_table_propagation if p.transitGatewayAttachmentId != attachment.id]
        if len(kept) == len(table.route_table_propagation):
            raise EC2ClientError(
                "TransitGatewayRouteTablePropagation.NotFound",
                f"Propagation {attachment.id} does not exist in Transit Gateway Route Table {table.id}.",
            )
        table.route_table_propagation = kept
        if attachment.propagation.get("transitGatewayRouteTableId") == table.id:
            attachment.propagation = {}
            self.transit_gateway_propagations.pop(attachment.id, None)
        return TransitGatewayRelations(self, attachment.id, table.id, state="disabled")

    def search_transit_gateway_routes(self, transit_gateway_route_table_id, filters, max_results=None):
        routes = orig["search_transit_gateway_routes"](self, transit_gateway_route_table_id, filters, max_results)
        table = self.transit_gateways_route_tables.get(transit_gateway_route_table_id)
        return routes + (_propagated_routes(self, table, filters) if table is not None else [])

    _install(
        TransitGatewayRouteTableBackend,
        associate_transit_gateway_route_table=associate_transit_gateway_route_table,
        disassociate_transit_gateway_route_table=disassociate_transit_gateway_route_table,
        enable_transit_gateway_route_table_propagation=enable_transit_gateway_route_table_propagation,
        disable_transit_gateway_route_table_propagation=disable_transit_gateway_route_table_propagation,
        search_transit_gateway_routes=search_transit_gateway_routes,
    )

    # -- VPC routes to a transit gateway the caller can see (its own or shared)
    for name in ("create_route", "replace_route"):
        original = getattr(RouteBackend, name)

        def route_via(self, *args, _original=original, **kwargs):
            bound = inspect.signature(_original).bind(self, *args, **kwargs)
            tgw_id = bound.arguments.get("transit_gateway_id")
            tgw = _visible_transit_gateway(self, tgw_id) if tgw_id else None
            route = _original(self, *args, **kwargs)
            if tgw is not None:
                route.transit_gateway = tgw
            return route

        _install(RouteBackend, **{name: route_via})

    # -- responses
    def describe_transit_gateways(self):
        from moto.ec2.exceptions import InvalidTransitGatewayID

        ids = self._get_param("TransitGatewayIds", []) or []
        gateways = list(self.ec2_backend.transit_gateways.values())
        gateways += list(_shared_transit_gateways(self.ec2_backend).values())
        missing = [i for i in ids if i not in {g.id for g in gateways}]
        if missing:
            raise InvalidTransitGatewayID(missing[0], f"Transit Gateway {missing[0]} was deleted or does not exist.")
        gateways = _filtered(
            [g for g in gateways if not ids or g.id in ids],
            self._filters_from_querystring(),
            _TGW_FILTERS,
            self.ec2_backend,
        )
        return ActionResult({"TransitGateways": [_as_seen_by(g, self.ec2_backend) for g in gateways]})

    def create_transit_gateway_vpc_attachment(self):
        attachment = self.ec2_backend.create_transit_gateway_vpc_attachment(
            transit_gateway_id=self._get_param("TransitGatewayId"),
            vpc_id=self._get_param("VpcId"),
            subnet_ids=self._get_param("SubnetIds", []),
            tags=self._parse_tag_specification().get("transit-gateway-attachment", {}),
            options=self._get_param("Options", {}),
        )
        return ActionResult({"TransitGatewayVpcAttachment": attachment})

    def _one(method):
        def handler(self):
            attachment = getattr(self.ec2_backend, method)(self._get_param("TransitGatewayAttachmentId"))
            return ActionResult({"TransitGatewayVpcAttachment": _as_seen_by(attachment, self.ec2_backend)})

        handler.__name__ = method
        return handler

    def describe_transit_gateway_vpc_attachments(self):
        found = _described_attachments(self, _VPC_ATTACHMENT_FILTERS, vpc_only=True)
        return ActionResult({"TransitGatewayVpcAttachments": found})

    def describe_transit_gateway_attachments(self):
        found = _described_attachments(self, _ATTACHMENT_FILTERS, vpc_only=False)
        return ActionResult({"TransitGatewayAttachments": found})

    _install(GatewayResponse, describe_transit_gateways=describe_transit_gateways)
    _install(
        AttachmentResponse,
        create_transit_gateway_vpc_attachment=create_transit_gateway_vpc_attachment,
        accept_transit_gateway_vpc_attachment=_one("accept_transit_gateway_vpc_attachment"),
        reject_transit_gateway_vpc_attachment=_one("reject_transit_gateway_vpc_attachment"),
        delete_transit_gateway_vpc_attachment=_one("delete_transit_gateway_vpc_attachment"),
        describe_transit_gateway_vpc_attachments=describe_transit_gateway_vpc_attachments,
        describe_transit_gateway_attachments=describe_transit_gateway_attachments,
    )


def patch_G34():
    """G34: a transit gateway without default route table association and propagation has no default table.

    AWS: the default route table exists only when DefaultRouteTableAssociation or
    DefaultRouteTablePropagation is enabled (the options then name it: AssociationDefaultRouteTableId,
    PropagationDefaultRouteTableId); DeleteTransitGateway takes the default route table with it.
    moto 5.2.5 always creates one (and names it in the options), and keeps it available after the
    gateway is deleted: DescribeTransitGatewayRouteTables lists a table no teardown could remove.
    """
    from moto.ec2.models.transit_gateway import TransitGateway, TransitGatewayBackend

    original_init = TransitGateway.__init__
    original_delete = TransitGatewayBackend.delete_transit_gateway

    def __init__(self, backend, description, options=None):
        original_init(self, backend, description, options)
        if (
            self.options.get("DefaultRouteTableAssociation") == "disable"
            and self.options.get("DefaultRouteTablePropagation") == "disable"
        ):
            backend.transit_gateways_route_tables.pop(self.default_route_table.id, None)
            self.options.pop("AssociationDefaultRouteTableId", None)
            self.options.pop("PropagationDefaultRouteTableId", None)

    def delete_transit_gateway(self, transit_gateway_id):
        deleted = original_delete(self, transit_gateway_id)
        default = getattr(deleted, "default_route_table", None)
        if default is not None and default.id in self.transit_gateways_route_tables:
            default.state = "deleted"
        return deleted

    TransitGateway.__init__ = __init__
    TransitGatewayBackend.delete_transit_gateway = delete_transit_gateway


# --------------------------------------------------------------------------------------------------
# control endpoint and entry point
# --------------------------------------------------------------------------------------------------

PATCHES = OrderedDict(
    (
        ("G1", patch_G1),
        ("G2", patch_G2),
        ("G2b", patch_G2b),
        ("G3", patch_G3),
        ("G4", patch_G4),
        ("G5", patch_G5),
        ("G6a", patch_G6a),
        ("G6b", patch_G6b),
        ("G6c", patch_G6c),
        ("G7b", patch_G7b),
        ("G10", patch_G10),
        ("G11", patch_G11),
        ("G13", patch_G13),
        ("G14", patch_G14),
        ("G15", patch_G15),
        ("G16", patch_G16),
        ("G17", patch_G17),
        ("G18", patch_G18),
        ("G18b", patch_G18b),
        ("G18c", patch_G18c),
        ("G19", patch_G19),
        ("G20", patch_G20),
        ("G22", patch_G22),
        ("G23", patch_G23),
        ("G24", patch_G24),
        ("G25", patch_G25),
        ("G26", patch_G26),
        ("G27", patch_G27),
        ("G28", patch_G28),
        ("G29", patch_G29),
        ("G30", patch_G30),
        ("G31", patch_G31),
        ("G32", patch_G32),
        ("G33", patch_G33),
        ("G34", patch_G34),
    )
)


def parse_ids(text):
    """``"g1, G5"`` -> ``["G1", "G5"]``; unknown ids raise ValueError naming them."""
    by_lower = {pid.lower(): pid for pid in PATCHES}
    ids = [part.strip() for part in (text or "").split(",") if part.strip()]
    unknown = [pid for pid in ids if pid.lower() not in by_lower]
    if unknown:
        raise ValueError(f"unknown patch id(s) {', '.join(unknown)}; known: {', '.join(PATCHES)}")
    return [by_lower[pid.lower()] for pid in ids]


def _read_knobs(environ):
    for knob, var in KNOB_ENV.items():
        raw = environ.get(var, "").strip()
        if raw:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{var} must be a number of seconds, got {raw!r}") from None
            if value < 0:
                raise ValueError(f"{var} must not be negative, got {raw!r}")
            if knob == "throttle_fraction" and value > 1:
                raise ValueError(f"{var} is a fraction of the calls, from 0 to 1, got {raw!r}")
            KNOBS[knob] = value


def _control_endpoint(request, full_url, headers):
    """GET: version, patches, knobs, hold, pid, the process's CPU seconds. POST {"knob": seconds,
    "hold_seconds": n}: change them."""
    if request.method == "POST":
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            values = {key: float(value) for key, value in body.items()}
            for key, value in values.items():
                if (key not in KNOBS and key != "hold_seconds") or value < 0:
                    raise ValueError(f"unknown knob or negative value: {key}={body[key]!r}")
                if key == "throttle_fraction" and value > 1:
                    raise ValueError(f"throttle_fraction is a fraction of the calls, from 0 to 1: {body[key]!r}")
        except (ValueError, TypeError, AttributeError) as exc:
            return 400, {"Content-Type": "application/json"}, json.dumps({"error": str(exc)})
        if "hold_seconds" in values:
            _set_hold(values.pop("hold_seconds"))
        if "throttle_fraction" in values:
            # A new throttling setting starts every call's streak from zero: a streak left by the
            # previous setting would let a call through early.
            with _LOCK:
                _STREAKS.clear()
                _INVOCATIONS.clear()
        KNOBS.update(values)
    status = {
        "moto": MOTO_VERSION,
        "patches": list(_APPLIED),
        "knobs": dict(KNOBS),
        "hold_seconds_left": round(max(0.0, HOLD["until"] - time.time()), 1),
        "pid": os.getpid(),
        # The emulator's own CPU time (every thread), so that a benchmark can tell its share of a run.
        "cpu_seconds": round(time.process_time(), 3),
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(status)


# ---------------------------------------------------------------------------------------------
# Instrumentation (not a fidelity patch): count every AWS API call the emulator serves, by service
# and action, so benchmarks can report API calls. GET /moto-api/emulator/calls returns the counts,
# DELETE resets them. Query-protocol services (EC2, ELBv2, STS) name the action in an Action
# parameter, JSON ones in X-Amz-Target; REST ones (API Gateway) are counted as "METHOD /path" with
# every id segment replaced by "*", except RAM's, counted by operation (REST_BY_OPERATION).
#
# The same calls are also counted by principal (GET /moto-api/emulator/calls?by=principal): who made
# each call, as "<account>:role/<role name>" for keys of an assumed role (the account the role is in)
# and "<account>:caller" for any other key (moto's account of that key, 123456789012 for the dummy
# environment keys). tools/iam_policies.py checks the IAM policies under policies/ against them.
# ---------------------------------------------------------------------------------------------
CALLS = Counter()
BY_PRINCIPAL = {}
_PRINCIPALS = {}


def principal_of(access_key):
    """Who an access key is: "<account>:role/<name>" for an assumed role, else "<account>:caller"."""
    if access_key in _PRINCIPALS:
        return _PRINCIPALS[access_key]
    from moto.iam.models import get_account_id_from
    from moto.sts.models import sts_backends

    for account_id, partitions in list(sts_backends.items()):
        for backend in list(partitions.values()):
            role = backend.get_assumed_role_from_access_key(access_key)
            if role is not None:
                # The ARN of the role, not of the account that called AssumeRole.
                principal = f"{role.role_arn.split(':')[4]}:role/{role.role_arn.split('/')[-1]}"
                _PRINCIPALS[access_key] = principal
                return principal
    # Not cached: a key that is not (yet) an assumed role's may become one later.
    return f"{get_account_id_from(access_key) if access_key else 'anonymous'}:caller"


def _service_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker in auth:
        scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            return scope[3]
    return "unknown"


_REST_OPERATIONS = {}
# REST services other than API Gateway (authorized by operation, not by method and path): their calls
# are counted by operation name, looked up in botocore's model by method and URI.
REST_BY_OPERATION = ("ram",)


def _rest_operation(service, method, path):
    """The operation of a REST call of a REST_BY_OPERATION service ("GetResourceShares"), else None."""
    if service not in REST_BY_OPERATION:
        return None
    if service not in _REST_OPERATIONS:
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
        _REST_OPERATIONS[service] = {
            (op.http["method"], op.http["requestUri"].split("?", 1)[0].rstrip("/").lower()): name
            for name in model.operation_names
            for op in (model.operation_model(name),)
        }
    return _REST_OPERATIONS[service].get((method, path.rstrip("/").lower()))


def _action_of(environ):
    import io
    from urllib.parse import parse_qs

    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    operation = _rest_operation(
        _service_of(environ), environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    )
    if operation:
        return operation
    parts = environ.get("PATH_INFO", "/").strip("/").split("/")
    version = [parts.pop(0)] if parts[0] == "v2" else []  # API Gateway v2: /v2/vpclinks/{id}
    shape = "/".join(version + [part if index % 2 == 0 else "*" for index, part in enumerate(parts)])
    return f"{environ.get('REQUEST_METHOD', 'GET')} /{shape}"


# Calls that act on one resource the IAM policies of policies/ allow only when it carries the
# ManagedBy tag (Condition aws:ResourceTag/ManagedBy): for each, the request parameter that names the
# resource (a prefix ends with "." for the numbered lists of the query protocol: InstanceId.1, ...).
# The counter looks at the resource's tags before moto serves the call (a delete removes them), and
# counts, by principal and action, resources tagged "ManagedBy=multiaccount.apigateway" and not:
# tools/iam_policies.py proves the tag conditions with it (0 untagged for a conditioned action), and
# checks the roles AssumeRole was asked for (recorded as untagged resources: roles have no such tags).
TAG_SCOPED_PARAMS = {
    "ec2:DeleteVpc": "VpcId",
    "ec2:ModifyVpcAttribute": "VpcId",
    "ec2:DeleteSubnet": "SubnetId",
    "ec2:DeleteRouteTable": "RouteTableId",
    "ec2:DeleteSecurityGroup": "GroupId",
    "ec2:AuthorizeSecurityGroupIngress": "GroupId",
    "ec2:RevokeSecurityGroupIngress": "GroupId",
    "ec2:AuthorizeSecurityGroupEgress": "GroupId",
    "ec2:RevokeSecurityGroupEgress": "GroupId",
    "ec2:DeleteVpcPeeringConnection": "VpcPeeringConnectionId",
    "ec2:TerminateInstances": "InstanceId.",
    "ec2:CreateTags": "ResourceId.",
    "ec2:DeleteTags": "ResourceId.",
    "ec2:DeleteTransitGateway": "TransitGatewayId",
    "ec2:ModifyTransitGateway": "TransitGatewayId",
    "ec2:DeleteTransitGatewayRouteTable": "TransitGatewayRouteTableId",
    "ec2:DeleteTransitGatewayVpcAttachment": "TransitGatewayAttachmentId",
    "ec2:ModifyTransitGatewayVpcAttachment": "TransitGatewayAttachmentId",
    "sts:AssumeRole": "RoleArn",  # no tags: which role, for the deployer identity's policy
    "elasticloadbalancing:DeleteLoadBalancer": "LoadBalancerArn",
    "elasticloadbalancing:ModifyLoadBalancerAttributes": "LoadBalancerArn",
    "elasticloadbalancing:CreateListener": "LoadBalancerArn",
    "elasticloadbalancing:DeleteListener": "ListenerArn",
    "elasticloadbalancing:ModifyListener": "ListenerArn",
    "elasticloadbalancing:DeleteTargetGroup": "TargetGroupArn",
    "elasticloadbalancing:ModifyTargetGroup": "TargetGroupArn",
    "elasticloadbalancing:RegisterTargets": "TargetGroupArn",
    "elasticloadbalancing:DeregisterTargets": "TargetGroupArn",
    "elasticloadbalancing:SetSecurityGroups": "LoadBalancerArn",
    "elasticloadbalancing:CreateRule": "ListenerArn",
    "elasticloadbalancing:ModifyRule": "RuleArn",
    "elasticloadbalancing:DeleteRule": "RuleArn",
    # A (prefix, suffix) pair: RulePriorities.member.N.RuleArn (not .Priority).
    "elasticloadbalancing:SetRulePriorities": ("RulePriorities.member.", ".RuleArn"),
}
MANAGED_TAG = ("ManagedBy", "multiaccount.apigateway")
RESOURCE_TAGS = {}


def _form_params(environ):
    """The form parameters of a query-protocol call (the body is put back for moto)."""
    import io
    from urllib.parse import parse_qs

    params = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        params.update(parse_qs(body.decode("utf-8", "replace")))
    return params


def _resource_tags(service, account, region, resource):
    """The tags of an EC2 resource (by id) or an ELBv2 one (by ARN), {} when unknown."""
    if service == "sts":
        return {}
    if service == "ec2":
        from moto.ec2.models import ec2_backends

        return dict(ec2_backends[account][region].tags.get(resource, {}))
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account][region].tagging_service.get_tag_dict_for_resource(resource)


def record_resource_tags(principal, service, key, environ):
    """Count the resources of a tag-scoped call (TAG_SCOPED_PARAMS) tagged ManagedBy, and the others."""
    param = TAG_SCOPED_PARAMS.get(key)
    if not param:
        return
    account = principal.split(":", 1)[0]
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[-1].split("/")
    region = scope[2] if len(scope) > 2 else "us-east-1"
    params = _form_params(environ)
    if isinstance(param, tuple):
        names = [name for name in params if name.startswith(param[0]) and name.endswith(param[1])]
    else:
        names = [name for name in params if name == param or (param.endswith(".") and name.startswith(param))]
    for resource in (value for name in names for value in params[name]):
        # An unknown resource (moto raises its own not-found errors) counts as untagged.
        try:
            tags = _resource_tags(service, account, region, resource)
        except Exception:  # pylint: disable=broad-except
            tags = {}
        outcome = "tagged" if tags.get(MANAGED_TAG[0]) == MANAGED_TAG[1] else "untagged"
        with _LOCK:
            entry = RESOURCE_TAGS.setdefault(principal, {}).setdefault(key, {"tagged": 0, "untagged": []})
            if outcome == "tagged":
                entry["tagged"] += 1
            else:
                entry["untagged"].append(resource)


# Calls whose statements in policies/ name their resource (not "*") or test a request parameter: the
# resource ARN each was made on and the parameters the conditions test, by principal and action, so that
# tools/iam_policies.py matches them to the statements (the IAM role and the log group of API Gateway's
# logging). Each entry: (ARN template over the request parameters, {condition key: parameter}).
_ROLE = ("arn:aws:iam::{account}:role/{RoleName}", {})
_LOG_GROUP = ("arn:aws:logs:{region}:{account}:log-group:{logGroupName}", {})
NAMED_PARAMS = {
    **{
        f"iam:{action}": _ROLE
        for action in (
            "CreateRole",
            "DeleteRole",
            "GetRole",
            "ListAttachedRolePolicies",
            "ListInstanceProfilesForRole",
            "ListRolePolicies",
            "TagRole",
            "DetachRolePolicy",
        )
    },
    "iam:AttachRolePolicy": (_ROLE[0], {"iam:PolicyARN": "PolicyArn"}),
    **{
        f"logs:{action}": _LOG_GROUP
        for action in ("CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "ListTagsLogGroup")
    },
}
RESOURCE_NAMES = {}


def _json_params(environ):
    """The parameters of a JSON-protocol call (X-Amz-Target; the body is put back for moto)."""
    import io

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        params = json.loads(body.decode("utf-8") or "{}")
    except ValueError:
        return {}
    return {key: [value] for key, value in params.items() if isinstance(value, str)}


def record_resource_names(principal, key, environ):
    """Record the resource ARN and the tested parameters of a NAMED_PARAMS call."""
    entry = NAMED_PARAMS.get(key)
    if not entry:
        return
    template, conditions = entry
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[-1].split("/")
    params = _json_params(environ) if environ.get("HTTP_X_AMZ_TARGET") else _form_params(environ)
    values = {name: found[0] for name, found in params.items() if found}
    values.update(account=principal.split(":", 1)[0], region=scope[2] if len(scope) > 2 else "us-east-1")
    try:
        named = {"resource": template.format(**values)}
    except KeyError:
        named = {"resource": None}
    named["conditions"] = {condition: values.get(param) for condition, param in conditions.items()}
    with _LOCK:
        recorded = RESOURCE_NAMES.setdefault(principal, {}).setdefault(key, [])
        if named not in recorded:
            recorded.append(named)


THROTTLED = Counter()
_RANDOM = random.Random()
# Throttles in a row of one call (access key, service, action). AWS throttles with a token bucket: a
# retry after a backoff gets through. At most MAX_THROTTLE_STREAK in a row, so that the SDK's
# default retry (3 attempts) always gets through and a failure can only come from code that turns
# a throttle into an error (no retry, or a code it does not retry).
MAX_THROTTLE_STREAK = 2
_STREAKS = Counter()
# Throttles of one SDK invocation (the amz-sdk-invocation-id its retries share). A streak above is one
# per credentials and action: when several callers share credentials (the caller's own, assuming each
# account's role side by side), a success of one starts the streak again while another is between
# attempts, which could then be refused more often than its retries allow (3 accounts' AssumeRole with
# the caller's one set of keys, 20% throttled). The invocations' count caps each caller's own.
# Bounded: an invocation that never comes back (a client without retries) is forgotten in time.
_INVOCATIONS = OrderedDict()
_INVOCATIONS_KEPT = 4096


def _access_key_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    return auth.split(marker, 1)[1].split("/", 1)[0] if marker in auth else ""


def throttle_response(service, environ):
    """(status, headers, body) of the throttling error AWS answers for this service's protocol."""
    request_id = "emulator-throttled"
    if environ.get("HTTP_X_AMZ_TARGET"):  # JSON protocol (Organizations names its throttle otherwise)
        code = "TooManyRequestsException" if service == "organizations" else "ThrottlingException"
        body = json.dumps({"__type": code, "message": "Rate exceeded"})
        return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")], body
    if service == "ec2":  # EC2 query protocol
        body = (
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
            f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return "503 Service Unavailable", [("Content-Type", "text/xml")], body
    if service in ("apigateway", "execute-api"):  # REST-JSON protocol
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "TooManyRequestsException")]
        return "429 Too Many Requests", headers, json.dumps({"message": "Too Many Requests"})
    body = (  # query protocol (ELBv2, STS, IAM...)
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return "400 Bad Request", [("Content-Type", "text/xml")], body


# The pause (see the docstring): the key of the call to answer late, and how late.
PAUSE = {"call": None, "seconds": 0.0}


def _take_pause(key):
    """The seconds to wait before answering this call (once per pause), else 0."""
    with _LOCK:
        if PAUSE["call"] != key:
            return 0.0
        seconds = PAUSE["seconds"]
        PAUSE.update(call=None, seconds=0.0)
    return seconds


def _pause_endpoint(request, full_url, headers):
    """GET: the pause; POST {"call": key, "seconds": n}: pause the answer to the next such call; DELETE: end it."""
    if request.method == "POST":
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            call, seconds = body["call"], float(body["seconds"])
            if not isinstance(call, str) or ":" not in call or not 0 < seconds <= 600:
                raise ValueError(f"expected a call key 'service:Action' and 0 < seconds <= 600: {body!r}")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return 400, {"Content-Type": "application/json"}, json.dumps({"error": str(exc)})
        with _LOCK:
            PAUSE.update(call=call, seconds=seconds)
    elif request.method == "DELETE":
        with _LOCK:
            PAUSE.update(call=None, seconds=0.0)
    with _LOCK:
        return 200, {"Content-Type": "application/json"}, json.dumps(dict(PAUSE))


def count_calls():
    """Wrap moto's WSGI dispatcher: count every AWS call (moto-api calls are not), throttle some.

    With the ``throttle_fraction`` knob, that fraction of calls gets the service's throttling error
    before moto sees it (counted in THROTTLED, not in CALLS).
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            service = _service_of(environ)
            key = f"{service}:{_action_of(environ)}"
            fraction = KNOBS["throttle_fraction"]
            streak = (_access_key_of(environ), key)
            invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
            with _LOCK:
                refuse = (
                    fraction > 0
                    and _STREAKS[streak] < MAX_THROTTLE_STREAK
                    and _INVOCATIONS.get(invocation, 0) < MAX_THROTTLE_STREAK
                    and _RANDOM.random() < fraction
                )
                if refuse:
                    THROTTLED[key] += 1
                    _STREAKS[streak] += 1
                    if invocation:
                        _INVOCATIONS[invocation] = _INVOCATIONS.get(invocation, 0) + 1
                        _INVOCATIONS.move_to_end(invocation)
                        while len(_INVOCATIONS) > _INVOCATIONS_KEPT:
                            _INVOCATIONS.popitem(last=False)
            if refuse:
                status, headers, body = throttle_response(service, environ)
                data = body.encode("utf-8")
                start_response(status, headers + [("Content-Length", str(len(data)))])
                return [data]
            principal = principal_of(streak[0])
            record_resource_tags(principal, service, key, environ)
            record_resource_names(principal, key, environ)
            with _LOCK:
                CALLS[key] += 1
                BY_PRINCIPAL.setdefault(principal, Counter())[key] += 1
                _STREAKS.pop(streak, None)
                _INVOCATIONS.pop(invocation, None)
            pause = _take_pause(key)
            if pause:
                response = original(self, environ, start_response)
                time.sleep(pause)  # served and counted; the answer leaves only now
                return response
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = __call__


def _calls_endpoint(request, full_url, headers):
    """GET: {"total": N, "calls": {"service:Action": n}, "throttled": {...}}; DELETE: reset the counts
    (and the throttle streaks).

    With ?by=principal, "calls" is {"<account>:role/<name>" or "<account>:caller": {"service:Action": n}}
    and "resource_tags" {principal: {"service:Action": {"tagged": n, "untagged": [ids]}}} for the calls
    of TAG_SCOPED_PARAMS, "resource_names" {principal: {"service:Action": [{"resource", "conditions"}]}}
    for the calls of NAMED_PARAMS.
    """
    from urllib.parse import parse_qs, urlparse

    by = parse_qs(urlparse(full_url).query).get("by", [""])[0]
    if by not in ("", "principal"):
        return 400, {"Content-Type": "application/json"}, json.dumps({"message": f"by={by!r}: only by=principal"})
    with _LOCK:
        if request.method == "DELETE":
            CALLS.clear()
            THROTTLED.clear()
            _STREAKS.clear()
            _INVOCATIONS.clear()
            BY_PRINCIPAL.clear()
            RESOURCE_TAGS.clear()
            RESOURCE_NAMES.clear()
        calls = (
            {name: dict(sorted(counts.items())) for name, counts in sorted(BY_PRINCIPAL.items())}
            if by
            else dict(sorted(CALLS.items()))
        )
        body = {
            "total": sum(CALLS.values()),
            "calls": calls,
            "throttled_total": sum(THROTTLED.values()),
            "throttled": dict(sorted(THROTTLED.items())),
        }
        if by:
            body["resource_tags"] = {
                name: {key: dict(entry) for key, entry in sorted(entries.items())}
                for name, entries in sorted(RESOURCE_TAGS.items())
            }
            body["resource_names"] = {
                name: {key: list(entry) for key, entry in sorted(entries.items())}
                for name, entries in sorted(RESOURCE_NAMES.items())
            }
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def apply(disabled=(), environ=None):
    """Apply every patch except ``disabled`` (ids); return the ids applied, in order.

    Fails loudly unless moto is exactly 5.2.5. Also registers ``/moto-api/emulator`` (status and knobs)
    and reads the realism knobs from ``environ`` (default ``os.environ``). Call once, before the server
    starts.
    """
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"tools/emulator/patches.py targets moto {MOTO_VERSION} exactly, found {moto.__version__}: "
            "re-check every patch against the new release before changing the pin"
        )
    disabled = set(parse_ids(",".join(disabled)))
    with _LOCK:
        if _APPLIED:
            raise RuntimeError(f"patches already applied in this process: {', '.join(_APPLIED)}")
        _read_knobs(os.environ if environ is None else environ)
        for pid, function in PATCHES.items():
            if pid in disabled:
                continue
            ENABLED.add(pid)
            function()
            _APPLIED.append(pid)

        from moto.moto_api._internal import urls

        urls.url_paths["{0}/moto-api/emulator"] = _control_endpoint
        urls.url_paths["{0}/moto-api/emulator/calls"] = _calls_endpoint
        urls.url_paths["{0}/moto-api/emulator/pause"] = _pause_endpoint
        count_calls()
    return list(_APPLIED)
