# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Flows of the rest_api module against a small in-memory API Gateway (no network, no moto)."""

import copy
import itertools
import json
from unittest import mock

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization, rest_apis
from ansible_collections.multiaccount.apigateway.plugins.modules import rest_api
from botocore.exceptions import ClientError

WRITES = {
    "create_rest_api",
    "update_rest_api",
    "delete_rest_api",
    "create_resource",
    "delete_resource",
    "put_method",
    "update_method",
    "delete_method",
    "put_integration",
    "update_integration",
    "delete_integration",
    "create_deployment",
    "tag_resource",
    "untag_resource",
    "put_rest_api",
}


def not_found(operation):
    return ClientError({"Error": {"Code": "NotFoundException", "Message": "not found"}}, operation)


class FakePages:
    def __init__(self, items):
        self.items = items

    def build_full_result(self):
        return {"items": self.items}


class FakePaginator:
    def __init__(self, client, operation):
        self.client = client
        self.operation = operation

    def paginate(self, **kwargs):
        self.client.calls.append(self.operation)
        if self.operation == "get_rest_apis":
            return FakePages([copy.deepcopy(api) for api in self.client.apis.values()])
        return FakePages(self.client.resource_items(kwargs["restApiId"]))


class FakeApiGateway:
    """Just enough of API Gateway for the module, recording every call."""

    def __init__(self, embed_integrations=True, import_drops=()):
        # import_drops: integration fields a PutRestApi loses (as stock moto loses connectionId).
        self.import_drops = tuple(import_drops)
        self.apis = {}
        self.resources = {}  # api id -> {resource id: {"path", "parentId", "methods": {}}}
        self.stages = {}  # (api id, stage) -> deployment id
        self.stage_tags = {}  # (api id, stage) -> {key: value}
        self.deployments = {}  # (api id, deployment id) -> description
        self.calls = []
        self.embed_integrations = embed_integrations
        self._ids = itertools.count(1)

    def _id(self, prefix):
        return f"{prefix}{next(self._ids)}"

    def _api(self, rest_api_id, operation):
        if rest_api_id not in self.apis:
            raise not_found(operation)
        return self.apis[rest_api_id]

    def _method(self, kwargs, operation):
        resources = self.resources[kwargs["restApiId"]]
        resource = resources.get(kwargs["resourceId"])
        if resource is None or kwargs["httpMethod"] not in resource["methods"]:
            raise not_found(operation)
        return resource["methods"][kwargs["httpMethod"]]

    def resource_items(self, rest_api_id):
        items = []
        for resource_id, resource in self.resources[rest_api_id].items():
            item = {"id": resource_id, "path": resource["path"]}
            if resource["methods"]:
                item["resourceMethods"] = {}
                for name, method in resource["methods"].items():
                    method = copy.deepcopy(method)
                    if not self.embed_integrations:
                        method.pop("methodIntegration", None)
                    item["resourceMethods"][name] = method
            items.append(item)
        return items

    def get_paginator(self, operation):
        return FakePaginator(self, operation)

    def get_rest_api(self, restApiId):
        self.calls.append("get_rest_api")
        return copy.deepcopy(self._api(restApiId, "GetRestApi"))

    def create_rest_api(self, name, endpointConfiguration, tags, description=None):
        self.calls.append("create_rest_api")
        api_id, root_id = self._id("api"), self._id("root")
        api = {"id": api_id, "name": name, "endpointConfiguration": endpointConfiguration, "tags": dict(tags)}
        if description is not None:
            api["description"] = description
        api["rootResourceId"] = root_id
        self.apis[api_id] = api
        self.resources[api_id] = {root_id: {"path": "/", "methods": {}}}
        return copy.deepcopy(api)

    def update_rest_api(self, restApiId, patchOperations):
        self.calls.append("update_rest_api")
        api = self._api(restApiId, "UpdateRestApi")
        for op in patchOperations:
            if op["path"].startswith("/endpointConfiguration/types/"):
                api["endpointConfiguration"] = {"types": [op["value"]]}
            else:
                api[op["path"][1:]] = op["value"]
        return copy.deepcopy(api)

    def delete_rest_api(self, restApiId):
        self.calls.append("delete_rest_api")
        self._api(restApiId, "DeleteRestApi")
        del self.apis[restApiId]

    def create_resource(self, restApiId, parentId, pathPart):
        self.calls.append("create_resource")
        resources = self.resources[restApiId]
        parent = resources[parentId]["path"]
        path = parent.rstrip("/") + "/" + pathPart
        assert path not in [r["path"] for r in resources.values()], path
        resource_id = self._id("res")
        resources[resource_id] = {"path": path, "parentId": parentId, "methods": {}}
        return {"id": resource_id, "path": path, "parentId": parentId, "pathPart": pathPart}

    def delete_resource(self, restApiId, resourceId):
        self.calls.append("delete_resource")
        resources = self.resources[restApiId]
        path = resources[resourceId]["path"]
        for other in list(resources):
            if resources[other]["path"] == path or resources[other]["path"].startswith(path + "/"):
                del resources[other]

    def get_method(self, **kwargs):
        self.calls.append("get_method")
        return copy.deepcopy(self._method(kwargs, "GetMethod"))

    def put_method(self, restApiId, resourceId, httpMethod, authorizationType, requestParameters=None, **auth):
        self.calls.append("put_method")
        method = dict(auth, httpMethod=httpMethod, authorizationType=authorizationType)
        if requestParameters:
            method["requestParameters"] = dict(requestParameters)
        self.resources[restApiId][resourceId]["methods"][httpMethod] = method
        return copy.deepcopy(method)

    def update_method(self, patchOperations, **kwargs):
        self.calls.append("update_method")
        method = self._method(kwargs, "UpdateMethod")
        for op in patchOperations:
            if op["path"] == "/authorizationType":
                method["authorizationType"] = op["value"]
            else:
                key = op["path"].split("/", 2)[2]
                method.setdefault("requestParameters", {})[key] = op["value"] == "true"
        return copy.deepcopy(method)

    def delete_method(self, **kwargs):
        self.calls.append("delete_method")
        self._method(kwargs, "DeleteMethod")
        del self.resources[kwargs["restApiId"]][kwargs["resourceId"]]["methods"][kwargs["httpMethod"]]

    def put_integration(self, **kwargs):
        self.calls.append("put_integration")
        method = self._method(kwargs, "PutIntegration")
        integration = {key: value for key, value in kwargs.items() if key not in ("restApiId", "resourceId")}
        integration["httpMethod"] = integration.pop("integrationHttpMethod")
        method["methodIntegration"] = integration
        return copy.deepcopy(integration)

    def update_integration(self, patchOperations, **kwargs):
        self.calls.append("update_integration")
        integration = self._method(kwargs, "UpdateIntegration")["methodIntegration"]
        for op in patchOperations:
            if op["path"].startswith("/requestParameters/"):
                key = op["path"].split("/", 2)[2]
                if op["op"] == "remove":
                    integration["requestParameters"].pop(key)
                else:
                    integration.setdefault("requestParameters", {})[key] = op["value"]
            elif op["path"] == "/timeoutInMillis":
                integration["timeoutInMillis"] = int(op["value"])
            else:
                integration[op["path"][1:]] = op["value"]
        return copy.deepcopy(integration)

    def delete_integration(self, **kwargs):
        self.calls.append("delete_integration")
        self._method(kwargs, "DeleteIntegration").pop("methodIntegration")

    def put_rest_api(self, restApiId, mode, body):
        """PutRestApi in merge mode as AWS documents it for the OpenAPI the module sends."""
        assert mode == "merge"
        self.calls.append("put_rest_api")
        self._api(restApiId, "PutRestApi")
        document = json.loads(body)
        assert document["openapi"].startswith("3.")
        resources = self.resources[restApiId]
        saved = self.calls
        self.calls = []  # the import is one call: the helpers below record nothing
        try:
            for path, operations in sorted(document["paths"].items()):
                by_path = {resource["path"]: rid for rid, resource in resources.items()}
                parent = by_path["/"]
                parts = path.strip("/").split("/")
                for depth in range(1, len(parts) + 1):
                    sub = "/" + "/".join(parts[:depth])
                    if sub not in by_path:
                        by_path[sub] = self.create_resource(restApiId, parent, parts[depth - 1])["id"]
                    parent = by_path[sub]
                for key, operation in operations.items():
                    method = "ANY" if key == rest_apis.OPENAPI_ANY_METHOD else key.upper()
                    parameters = {
                        f"method.request.{'querystring' if p['in'] == 'query' else p['in']}.{p['name']}": p["required"]
                        for p in operation.get("parameters", [])
                    }
                    self.put_method(restApiId, parent, method, "NONE", requestParameters=parameters or None)
                    integration = operation[rest_apis.OPENAPI_INTEGRATION]
                    kwargs = {
                        "restApiId": restApiId,
                        "resourceId": parent,
                        "httpMethod": method,
                        "type": integration["type"].upper(),
                        "integrationHttpMethod": integration["httpMethod"],
                    }
                    kwargs.update(
                        (key, value)
                        for key, value in integration.items()
                        if key not in ("type", "httpMethod") + self.import_drops
                    )
                    self.put_integration(**kwargs)
        finally:
            self.calls = saved
        return copy.deepcopy(self.apis[restApiId])

    def get_stage(self, restApiId, stageName):
        self.calls.append("get_stage")
        if (restApiId, stageName) not in self.stages:
            raise not_found("GetStage")
        stage = {"stageName": stageName, "deploymentId": self.stages[(restApiId, stageName)]}
        if self.stage_tags.get((restApiId, stageName)):
            stage["tags"] = dict(self.stage_tags[(restApiId, stageName)])
        return stage

    def get_deployment(self, restApiId, deploymentId):
        self.calls.append("get_deployment")
        if (restApiId, deploymentId) not in self.deployments:
            raise not_found("GetDeployment")
        return {"id": deploymentId, "description": self.deployments[(restApiId, deploymentId)]}

    def create_deployment(self, restApiId, stageName, description=None):
        self.calls.append("create_deployment")
        deployment_id = self._id("dep")
        self.deployments[(restApiId, deployment_id)] = description
        self.stages[(restApiId, stageName)] = deployment_id
        return {"id": deployment_id, "description": description}

    def tag_resource(self, resourceArn, tags):
        self.calls.append("tag_resource")
        if "/stages/" in resourceArn:
            parts = resourceArn.split("/")
            self.stage_tags.setdefault((parts[-3], parts[-1]), {}).update(tags)
            return
        self.apis[resourceArn.rsplit("/", 1)[1]]["tags"].update(tags)

    def untag_resource(self, resourceArn, tagKeys):
        self.calls.append("untag_resource")
        tags = self.apis[resourceArn.rsplit("/", 1)[1]]["tags"]
        for key in tagKeys:
            tags.pop(key, None)

    def writes(self):
        return [call for call in self.calls if call in WRITES]


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False, **params):
        self.params = {
            "state": "present",
            "name": "gw",
            "rest_api_id": None,
            "description": None,
            "endpoint_type": "REGIONAL",
            "routes": None,
            "purge_routes": True,
            "stage_name": "v1",
            "deployment_description": None,
            "tags": None,
            "purge_tags": True,
            "authorizers": None,
            "purge_authorizers": True,
            "policy": None,
        }
        self.params.update(params)
        self.check_mode = check_mode
        self.region = "us-east-1"
        self._diff = True
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


def two_routes(port=8080, link="link1"):
    return [
        {"path": "payments", "target_url": f"http://nlb:{port}", "connection_id": link},
        {"path": "cards/limits", "target_url": "http://nlb:8081", "connection_id": "link1"},
    ]


def run(client, check_mode=False, **params):
    module = FakeModule(check_mode=check_mode, **params)
    client.calls = []
    if module.params["state"] == "absent":
        return rest_api.ensure_absent(module, client), module
    routes = rest_apis.validate_routes(module.params["routes"])
    specs = api_authorization.validate_authorizers(module.params["authorizers"])
    return rest_api.ensure_present(module, client, routes, specs), module


def test_create_then_idempotent():
    client = FakeApiGateway()
    result, _module = run(client, routes=two_routes())
    assert result["changed"] is True
    assert result["deployment"]["created"] is True
    assert client.writes().count("create_deployment") == 1
    assert client.writes().count("put_rest_api") == 1
    assert len(client.resource_items(result["rest_api"]["id"])) == 6  # the root and 5 resources
    api_id = result["rest_api"]["id"]
    assert result["invoke_url"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v1"
    assert [r["invoke_url"] for r in result["routes"]] == [
        f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v1/payments",
        f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v1/cards/limits",
    ]
    assert all(r["resource_id"] and r["proxy_resource_id"] for r in result["routes"])
    assert result["rest_api"]["tags"] == {"ManagedBy": "multiaccount.apigateway"}

    again, _module = run(client, routes=two_routes())
    assert again["changed"] is False
    assert again["changes"] == []
    assert client.writes() == []
    # The stage's tag names the deployment it serves and its fingerprint: no GetDeployment.
    assert client.calls == ["get_rest_apis", "get_resources", "get_stage"]
    assert client.stage_tags[(api_id, "v1")] == {
        rest_apis.DEPLOYED_TAG: f"{result['deployment']['id']} {rest_apis.fingerprint_from_stage(client.get_stage(api_id, 'v1'))}"
    }
    assert again["deployment"] == {"id": result["deployment"]["id"], "created": False}
    assert again["routes"] == result["routes"]
    assert again["diff"]["before"] == again["diff"]["after"]


def test_diff_shows_the_stage_and_why_a_deployment_is_made():
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    deployed = first["deployment"]["id"]
    assert first["diff"]["before"]["stage"] == {}
    assert first["diff"]["after"]["stage"] == {"name": "v1", "deployment": f"{deployed} (new deployment: new API)"}

    check, _module = run(client, check_mode=True, routes=two_routes(port=9090))
    assert check["changed"] is True and "create_deployment" not in client.writes()
    assert check["diff"]["before"]["stage"] == {"name": "v1", "deployment": deployed}
    assert check["diff"]["after"]["stage"] == {"name": "v1", "deployment": "new deployment (routes changed)"}

    real, _module = run(client, routes=two_routes(port=9090))
    assert real["diff"]["after"]["stage"] == {
        "name": "v1",
        "deployment": f"{real['deployment']['id']} (new deployment: routes changed)",
    }
    again, _module = run(client, routes=two_routes(port=9090))
    assert (
        again["diff"]["before"]["stage"]
        == again["diff"]["after"]["stage"]
        == {
            "name": "v1",
            "deployment": real["deployment"]["id"],
        }
    )
    # Without --diff, the stage is not read again only to show the deployment it replaces.
    client.calls = []
    module = FakeModule(routes=two_routes(port=8181))
    module._diff = False
    result = rest_api.ensure_present(module, client, rest_apis.validate_routes(module.params["routes"]), None)
    assert "get_stage" not in client.calls and result["diff"]["before"]["stage"] == {}


def test_a_new_api_gets_its_routes_in_one_import_then_is_read_back():
    client = FakeApiGateway()
    result, _module = run(client, routes=two_routes())
    # 5 resources, 4 methods and 4 integrations in one PutRestApi instead of 13 calls
    assert client.calls == [
        "get_rest_apis",
        "create_rest_api",
        "put_rest_api",
        "get_resources",
        "create_deployment",
        "tag_resource",
    ]
    expected = rest_apis.routes_view(rest_apis.current_tree(client.resource_items(result["rest_api"]["id"])))
    assert result["diff"]["after"]["routes"] == expected
    # the changes name what was made, as they do when it is made resource by resource
    assert "create resource /cards" in result["changes"] and "put integration ANY /payments" in result["changes"]
    assert run(client, routes=two_routes())[0]["changed"] is False and client.writes() == []


def test_resources_added_to_an_api_come_in_one_import_and_the_rest_by_the_plan():
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    before = {item["path"]: item["id"] for item in client.resource_items(api_id)}
    # payments goes, cards/debit (under the existing /cards) and loans come, cards/limits moves port
    routes = [
        two_routes()[1] | {"target_url": "http://nlb:9091"},
        {"path": "cards/debit", "target_url": "http://nlb:8082", "connection_id": "link1"},
        {"path": "loans", "target_url": "http://nlb:8083", "connection_id": "link1", "proxy": False},
    ]
    result, _module = run(client, routes=routes)
    assert sorted(client.writes()) == sorted(
        ["delete_resource", "put_rest_api", "update_integration", "update_integration"]
        + ["create_deployment", "tag_resource"]
    )
    after = {item["path"]: item["id"] for item in client.resource_items(api_id)}
    assert sorted(after) == ["/", "/cards", "/cards/debit", "/cards/debit/{proxy+}", "/cards/limits"] + [
        "/cards/limits/{proxy+}",
        "/loans",
    ]
    # what was there keeps its id (no second /cards); the diff's before is the API before the run
    assert all(after[path] == before[path] for path in ("/", "/cards", "/cards/limits"))
    assert result["diff"]["before"]["routes"] == first["diff"]["after"]["routes"]
    assert "create resource /loans" in result["changes"] and "delete resource /payments" in result["changes"]
    assert integration_of(client, api_id, "/cards/debit")["connectionId"] == "link1"
    assert run(client, routes=routes)[0]["changed"] is False and client.writes() == []


def test_an_import_that_loses_a_field_is_corrected_by_the_plan():
    client = FakeApiGateway(import_drops=("connectionId",))
    result, _module = run(client, routes=two_routes())
    assert sorted(client.writes()) == sorted(
        ["create_rest_api", "put_rest_api", "create_deployment", "tag_resource"] + ["update_integration"] * 4
    )
    api_id = result["rest_api"]["id"]
    assert integration_of(client, api_id, "/payments")["connectionId"] == "link1"
    assert integration_of(client, api_id, "/cards/limits/{proxy+}")["connectionId"] == "link1"
    assert run(client, routes=two_routes())[0]["changed"] is False and client.writes() == []


def test_methods_an_import_cannot_hold_are_put_one_by_one():
    client = FakeApiGateway()
    result, _module = run(client, routes=payments_over_v2())
    writes = client.writes()
    # cards/limits (VPC link V1) is imported; payments over a VPC link V2 is put after it
    assert writes.count("put_rest_api") == 1
    assert sorted(w for w in writes if w in ("create_resource", "put_method", "put_integration")) == sorted(
        ["create_resource", "create_resource", "put_method", "put_method", "put_integration", "put_integration"]
    )
    api_id = result["rest_api"]["id"]
    assert integration_of(client, api_id, "/payments")["integrationTarget"] == ALB_ARN
    assert "integrationTarget" not in integration_of(client, api_id, "/cards/limits")
    assert run(client, routes=payments_over_v2())[0]["changed"] is False and client.writes() == []


def test_no_import_when_no_method_is_importable():
    client = FakeApiGateway()
    routes = [dict(route, api_key_required=True) for route in two_routes()]
    run(client, routes=routes)
    assert "put_rest_api" not in client.writes() and client.writes().count("put_method") == 4


def test_change_patches_integrations_and_deploys_once():
    client = FakeApiGateway()
    run(client, routes=two_routes())
    result, _module = run(client, routes=two_routes(port=9090, link="link2"))
    assert result["changed"] is True
    assert sorted(client.writes()) == ["create_deployment", "tag_resource", "update_integration", "update_integration"]
    assert result["diff"]["before"]["routes"]["payments"]["ANY"]["connection_id"] == "link1"
    assert result["diff"]["after"]["routes"]["payments"]["ANY"] == {
        "integration_uri": "http://nlb:9090/",
        "connection_id": "link2",
        "timeout_in_millis": 29000,
    }
    assert run(client, routes=two_routes(port=9090, link="link2"))[0]["changed"] is False


ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/shared-alb/0123456789abcdef"


def payments_over_v2(link="v2link", target=ALB_ARN):
    routes = two_routes()
    routes[0] = {
        "path": "payments",
        "target_url": "http://internal-shared-alb.elb.amazonaws.com",
        "backend_path": "/payments",
        "connection_id": link,
        "integration_target": target,
    }
    return routes


def integration_of(client, api_id, path, method="ANY"):
    item = next(item for item in client.resource_items(api_id) if item["path"] == path)
    return item["resourceMethods"][method]["methodIntegration"]


def test_a_route_moves_between_a_vpc_link_v1_and_v2_with_its_integration_target():
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    assert "integrationTarget" not in integration_of(client, api_id, "/payments")

    # v1 -> v2: check mode says what would change and writes nothing
    snapshot = copy.deepcopy(client.resources)
    check, _module = run(client, check_mode=True, routes=payments_over_v2())
    assert check["changed"] is True and client.writes() == [] and client.resources == snapshot
    assert check["changes"] == [
        "replace integration ANY /payments",
        "replace integration ANY /payments/{proxy+}",
        "create deployment on stage v1 (routes changed)",
    ]
    assert "integration_target" not in check["diff"]["before"]["routes"]["payments"]["ANY"]
    assert check["diff"]["after"]["routes"]["payments"]["ANY"] == {
        "integration_uri": "http://internal-shared-alb.elb.amazonaws.com/payments",
        "connection_id": "v2link",
        "integration_target": ALB_ARN,
        "timeout_in_millis": 29000,
    }

    # the link id and the target are put together (an UpdateIntegration of the id alone would leave
    # a v2 link without its target, which AWS refuses), and the stage is deployed once
    moved, _module = run(client, routes=payments_over_v2())
    assert sorted(client.writes()) == sorted(
        ["delete_integration", "put_integration"] * 2 + ["create_deployment", "tag_resource"]
    )
    for path in ("/payments", "/payments/{proxy+}"):
        integration = integration_of(client, api_id, path)
        assert (integration["connectionId"], integration["integrationTarget"]) == ("v2link", ALB_ARN)
    assert integration_of(client, api_id, "/cards/limits")["connectionId"] == "link1"
    assert [r["integration_target"] for r in moved["routes"]] == [ALB_ARN, None]
    assert moved["diff"]["after"] == check["diff"]["after"] | {"stage": moved["diff"]["after"]["stage"]}
    again, _module = run(client, routes=payments_over_v2())
    assert again["changed"] is False and client.writes() == []

    # v2 -> v1 drops the target again
    back, _module = run(client, routes=two_routes())
    assert back["changed"] is True and client.writes().count("put_integration") == 2
    assert "integrationTarget" not in integration_of(client, api_id, "/payments/{proxy+}")
    assert run(client, routes=two_routes())[0]["changed"] is False and client.writes() == []


def test_check_mode_on_new_api_writes_nothing():
    client = FakeApiGateway()
    result, _module = run(client, check_mode=True, routes=two_routes())
    assert result["changed"] is True
    assert client.writes() == []
    assert client.apis == {}
    assert result["rest_api"]["id"] is None
    assert result["deployment"] == {"id": None, "created": True}
    assert result["invoke_url"] is None
    assert "create REST API gw" in result["changes"]
    assert sorted(result["diff"]["after"]["routes"]) == [
        "cards/limits",
        "cards/limits/{proxy+}",
        "payments",
        "payments/{proxy+}",
    ]


def test_check_mode_on_change_writes_nothing():
    client = FakeApiGateway()
    run(client, routes=two_routes())
    snapshot = copy.deepcopy(client.resources)
    result, _module = run(client, check_mode=True, routes=two_routes(port=9090)[:1], tags={"team": "x"})
    assert result["changed"] is True
    assert client.writes() == []
    assert client.resources == snapshot
    assert "delete resource /cards" in result["changes"]
    assert result["deployment"] == {"id": None, "created": True}
    assert "cards/limits" not in result["diff"]["after"]["routes"]
    assert result["rest_api"]["tags"] == {"ManagedBy": "multiaccount.apigateway", "team": "x"}


def test_deploys_when_stage_deployment_lacks_current_fingerprint():
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    # Somebody deployed the stage by hand since: the stage's tag names another deployment, so the
    # module reads the deployment the stage serves, which carries no fingerprint.
    client.create_deployment(api_id, "v1", description="manual deployment")
    result, _module = run(client, routes=two_routes())
    assert "get_deployment" in client.calls
    assert client.writes() == ["create_deployment", "tag_resource"]
    assert result["changed"] is True
    assert result["deployment"]["created"] is True
    assert "not made from the current configuration" in result["changes"][0]
    assert run(client, routes=two_routes())[0]["changed"] is False


def test_a_stage_without_the_tag_is_judged_by_its_deployment():
    """An installation deployed before the stage tag existed: GetDeployment decides, nothing is written."""
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    client.stage_tags.clear()
    again, _module = run(client, routes=two_routes())
    assert again["changed"] is False
    assert client.calls == ["get_rest_apis", "get_resources", "get_stage", "get_deployment"]
    client.deployments[(api_id, first["deployment"]["id"])] = "manual deployment"
    result, _module = run(client, routes=two_routes())
    assert result["deployment"]["created"] is True
    assert client.writes() == ["create_deployment", "tag_resource"]


def test_a_stale_stage_tag_never_hides_a_changed_configuration():
    """The tag says what was deployed; a configuration change still deploys (and re-tags)."""
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    client.stage_tags[(api_id, "v1")] = {rest_apis.DEPLOYED_TAG: f"{first['deployment']['id']} {'0' * 64}"}
    result, _module = run(client, routes=two_routes())
    assert result["deployment"]["created"] is True
    assert "not made from the current configuration" in result["changes"][0]
    assert client.stage_tags[(api_id, "v1")][rest_apis.DEPLOYED_TAG].startswith(result["deployment"]["id"] + " ")


def test_deploys_when_stage_missing_and_not_without_stage_name():
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes(), stage_name=None)
    assert "create_deployment" not in client.writes()
    assert first["deployment"] == {"id": None, "created": False}
    assert first["invoke_url"] is None
    result, _module = run(client, routes=two_routes(), stage_name="v2")
    assert client.writes() == ["create_deployment", "tag_resource"]
    assert result["changes"] == ["create deployment on stage v2 (stage missing)"]


def test_deployment_description_carries_user_text_and_fingerprint():
    client = FakeApiGateway()
    result, _module = run(client, routes=two_routes(), deployment_description="release 7")
    description = client.deployments[(result["rest_api"]["id"], result["deployment"]["id"])]
    digest = rest_apis.fingerprint(rest_apis.desired_tree(rest_apis.validate_routes(two_routes())))
    assert description == f"release 7 (multiaccount.apigateway config sha256:{digest})"


def test_no_deployment_for_an_api_without_methods():
    client = FakeApiGateway()
    result, module = run(client, routes=[])
    assert "create_deployment" not in client.writes()
    assert result["deployment"]["created"] is False
    assert module.warnings


def test_remove_route_deletes_its_resources_only():
    client = FakeApiGateway()
    run(client, routes=two_routes())
    result, _module = run(client, routes=two_routes()[:1])
    assert sorted(client.writes()) == ["create_deployment", "delete_resource", "tag_resource"]
    api_id = result["rest_api"]["id"]
    paths = sorted(r["path"] for r in client.resources[api_id].values())
    assert paths == ["/", "/payments", "/payments/{proxy+}"]


def test_purge_routes_false_keeps_other_routes():
    client = FakeApiGateway()
    run(client, routes=two_routes())
    extra = [{"path": "loans", "target_url": "http://nlb:8083", "connection_id": "link1", "proxy": False}]
    result, _module = run(client, routes=extra, purge_routes=False)
    assert "delete_resource" not in client.writes()
    assert sorted(result["diff"]["after"]["routes"]) == [
        "cards/limits",
        "cards/limits/{proxy+}",
        "loans",
        "payments",
        "payments/{proxy+}",
    ]


def test_embed_without_integrations_reads_only_managed_methods():
    client = FakeApiGateway(embed_integrations=False)
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    root = first["rest_api"]["root_resource_id"]
    client.put_method(api_id, root, "GET", "NONE")
    result, _module = run(client, routes=two_routes(), purge_routes=False)
    assert result["changed"] is False
    assert client.calls.count("get_method") == 4


def test_an_import_read_back_without_integrations_reads_the_imported_methods():
    client = FakeApiGateway(embed_integrations=False)
    result, _module = run(client, routes=two_routes())
    # the 4 imported methods are read one by one, found as planned: nothing is put again
    assert client.calls.count("get_method") == 4
    assert sorted(client.writes()) == ["create_deployment", "create_rest_api", "put_rest_api", "tag_resource"]
    assert result["routes"][0]["resource_id"] and result["routes"][1]["proxy_resource_id"]
    assert run(client, routes=two_routes())[0]["changed"] is False and client.writes() == []


def test_tags_update_and_purge_keep_managed_mark():
    client = FakeApiGateway()
    run(client, routes=two_routes(), tags={"a": "1", "b": "2"})
    result, _module = run(client, routes=two_routes(), tags={"a": "9"})
    assert sorted(client.writes()) == ["tag_resource", "untag_resource"]
    assert result["rest_api"]["tags"] == {"ManagedBy": "multiaccount.apigateway", "a": "9"}
    api_id = result["rest_api"]["id"]
    assert client.apis[api_id]["tags"] == result["rest_api"]["tags"]
    result, _module = run(client, routes=two_routes(), tags={"c": "3"}, purge_tags=False)
    assert result["rest_api"]["tags"] == {"ManagedBy": "multiaccount.apigateway", "a": "9", "c": "3"}
    assert run(client, routes=two_routes())[0]["changed"] is False


def test_update_rest_api_attributes():
    client = FakeApiGateway()
    run(client, routes=two_routes())
    result, _module = run(client, routes=two_routes(), description="new", endpoint_type="EDGE")
    assert client.writes() == ["update_rest_api"]
    assert result["rest_api"]["description"] == "new"
    assert result["rest_api"]["endpoint_type"] == "EDGE"
    assert result["deployment"]["created"] is False


def test_lookup_ignores_unmanaged_and_warns():
    client = FakeApiGateway()
    client.create_rest_api("gw", {"types": ["REGIONAL"]}, {})
    result, module = run(client, routes=two_routes())
    assert "create_rest_api" in client.writes()
    assert any("without the tag ManagedBy" in warning for warning in module.warnings)
    assert len(client.apis) == 2
    assert result["rest_api"]["tags"]["ManagedBy"] == "multiaccount.apigateway"


def test_ambiguous_name_lists_ids():
    client = FakeApiGateway()
    first = client.create_rest_api("gw", {"types": ["REGIONAL"]}, {"ManagedBy": "multiaccount.apigateway"})
    second = client.create_rest_api("gw", {"types": ["REGIONAL"]}, {"ManagedBy": "multiaccount.apigateway"})
    with pytest.raises(Failed) as error:
        run(client, routes=two_routes())
    assert first["id"] in error.value.args[0]["msg"]
    assert second["id"] in error.value.args[0]["msg"]
    assert error.value.args[0]["msg"].startswith("name: 2 REST APIs named 'gw'")
    assert client.writes() == []


def test_unknown_rest_api_id_fails():
    client = FakeApiGateway()
    with pytest.raises(Failed, match="rest_api_id: no REST API 'nope'"):
        run(client, routes=two_routes(), rest_api_id="nope")


def test_absent_by_name_then_again():
    client = FakeApiGateway()
    run(client, routes=two_routes())
    result, _module = run(client, state="absent")
    assert result["changed"] is True
    assert client.writes() == ["delete_rest_api"]
    assert sorted(result["diff"]["before"]["routes"]) == [
        "cards/limits",
        "cards/limits/{proxy+}",
        "payments",
        "payments/{proxy+}",
    ]
    again, _module = run(client, state="absent")
    assert again["changed"] is False
    assert client.writes() == []


def test_absent_check_mode_and_name_mismatch():
    client = FakeApiGateway()
    first, _module = run(client, routes=two_routes())
    api_id = first["rest_api"]["id"]
    result, _module = run(client, check_mode=True, state="absent", rest_api_id=api_id)
    assert result["changed"] is True
    assert client.writes() == []
    with pytest.raises(Failed, match="refusing to delete"):
        run(client, state="absent", rest_api_id=api_id, name="other")
    assert api_id in client.apis


def test_hundred_routes_idempotent_run_costs_three_reads():
    client = FakeApiGateway()
    many = [
        {"path": f"svc{i:03d}/v1", "target_url": f"http://nlb:{8000 + i}", "connection_id": "link1"} for i in range(100)
    ]
    run(client, routes=many)
    assert client.writes().count("create_deployment") == 1
    result, _module = run(client, routes=many)
    assert result["changed"] is False
    assert client.calls == ["get_rest_apis", "get_resources", "get_stage"]


# --- main(): validation happens before any AWS call ------------------------------------------


def run_main(args, capsys):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        patch_module_args = None
    if patch_module_args is not None:
        context = patch_module_args(args)
    else:
        from ansible.module_utils import basic

        context = mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8"))
    client = mock.MagicMock(side_effect=AssertionError("no AWS call expected"))
    with context, mock.patch.object(rest_api.AnsibleAWSModule, "client", client):
        with pytest.raises(SystemExit):
            rest_api.main()
    assert not client.called
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "args, field",
    [
        (
            {"routes": [{"path": "a", "target_url": "http://nlb:80", "connection_id": "l"}, {"path": "b c"}]},
            "routes[1].path",
        ),
        ({"routes": [{"path": "a", "target_url": "http://nlb:80"}]}, "routes[0].connection_id"),
        ({"routes": [{"path": "a", "target_url": "http://nlb:80/x", "connection_id": "l"}]}, "routes[0].target_url"),
        (
            {"routes": [{"path": "a", "target_url": "http://nlb", "connection_id": "l", "timeout_in_millis": 30000}]},
            "routes[0].timeout_in_millis",
        ),
        (
            {
                "routes": [
                    {"path": "a", "target_url": "http://nlb", "connection_id": "l"},
                    {"path": "/a/", "target_url": "http://nlb", "connection_id": "l"},
                ]
            },
            "routes[1].path",
        ),
        ({"stage_name": "v1.0", "routes": []}, "stage_name"),
        (
            {"routes": [{"path": "a", "target_url": "http://alb", "connection_id": "l", "integration_target": "alb"}]},
            "routes[0].integration_target",
        ),
    ],
)
def test_main_validation_names_field_before_aws(args, field, capsys):
    args = dict(args, name="gw", region="us-east-1")
    output = run_main(args, capsys)
    assert output["failed"] is True
    assert output["msg"].startswith(field + ":")
