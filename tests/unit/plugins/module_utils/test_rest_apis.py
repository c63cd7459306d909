# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the REST API layer: validation, trees, plan, patch operations, fingerprint."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import rest_apis

NLB = "http://internal-nlb-1.elb.us-east-1.amazonaws.com"
ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/shared-alb/0123456789abcdef"


def route(path="payments", port=8080, **extra):
    data = {"path": path, "target_url": f"{NLB}:{port}", "connection_id": "link1"}
    data.update(extra)
    return data


def routes(*items):
    return rest_apis.validate_routes(list(items))


def resources_from_tree(tree, ids=None):
    """GetResources(embed=methods) items for a tree, as API Gateway would return them."""
    ids = ids or {}
    items = []
    for path, node in tree.items():
        item = {"id": ids.get(path, "id" + path.replace("/", "_")), "path": path}
        methods = {}
        for method, spec in node["methods"].items():
            integration = spec["integration"]
            raw_integration = {
                "type": integration["type"],
                "httpMethod": integration["http_method"],
                "uri": integration["uri"],
                "connectionType": integration["connection_type"],
                "timeoutInMillis": integration["timeout_in_millis"],
                "cacheKeyParameters": [],
            }
            if integration["connection_id"]:
                raw_integration["connectionId"] = integration["connection_id"]
            if integration.get("integration_target"):
                raw_integration["integrationTarget"] = integration["integration_target"]
            if integration["request_parameters"]:
                raw_integration["requestParameters"] = integration["request_parameters"]
            raw = {
                "httpMethod": method,
                "authorizationType": spec["authorization_type"],
                "apiKeyRequired": False,
                "methodIntegration": raw_integration,
            }
            if spec["request_parameters"]:
                raw["requestParameters"] = spec["request_parameters"]
            methods[method] = raw
        if methods:
            item["resourceMethods"] = methods
        items.append(item)
    return items


def kinds(actions):
    return [(a["action"], a["path"], a.get("method")) for a in actions]


# --- validation -----------------------------------------------------------------------------


def test_validate_routes_applies_defaults_and_normalises():
    result = routes(route("/payments/"), route("cards/limits", 8081, http_method="get", proxy=False))
    assert result[0] == {
        "path": "payments",
        "target_url": f"{NLB}:8080",
        "connection_type": "VPC_LINK",
        "connection_id": "link1",
        "integration_target": None,
        "http_method": "ANY",
        "proxy": True,
        "backend_path": "/",
        "timeout_in_millis": 29000,
        "authorization_type": "NONE",
        "authorizer": None,
        "authorization_scopes": [],
        "api_key_required": False,
    }
    assert result[1]["path"] == "cards/limits"
    assert result[1]["http_method"] == "GET"
    assert result[1]["proxy"] is False


def test_validate_routes_none_means_leave_alone():
    assert rest_apis.validate_routes(None) is None
    assert rest_apis.validate_routes([]) == []


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"path": "pay ments"}, "routes[1].path"),
        ({"path": ""}, "routes[1].path"),
        ({"path": "{id}"}, "routes[1].path"),
        ({"connection_id": None}, "routes[1].connection_id"),
        ({"connection_type": "INTERNET"}, "routes[1].connection_id"),
        ({"target_url": "nlb:8080"}, "routes[1].target_url"),
        ({"target_url": "ftp://nlb:21"}, "routes[1].target_url"),
        ({"target_url": "http://nlb:8080/api"}, "routes[1].target_url"),
        ({"target_url": "http://nlb:8080?x=1"}, "routes[1].target_url"),
        ({"target_url": "http://nlb:99999"}, "routes[1].target_url"),
        ({"target_url": "http://user:pw@nlb:80"}, "routes[1].target_url"),
        ({"target_url": None}, "routes[1].target_url"),
        ({"timeout_in_millis": 49}, "routes[1].timeout_in_millis"),
        ({"timeout_in_millis": 29001}, "routes[1].timeout_in_millis"),
        ({"timeout_in_millis": "soon"}, "routes[1].timeout_in_millis"),
        ({"backend_path": "api"}, "routes[1].backend_path"),
        ({"backend_path": "/api?x=1"}, "routes[1].backend_path"),
        ({"http_method": "FETCH"}, "routes[1].http_method"),
        ({"connection_type": "DIRECT"}, "routes[1].connection_type"),
        ({"integration_target": "shared-alb"}, "routes[1].integration_target"),
        ({"integration_target": ALB_ARN.replace("loadbalancer/app", "targetgroup")}, "routes[1].integration_target"),
        ({"integration_target": ALB_ARN.replace(":us-east-1:", ":us-east-1:1234:")}, "routes[1].integration_target"),
        (
            {"connection_type": "INTERNET", "connection_id": None, "integration_target": ALB_ARN},
            "routes[1].integration_target",
        ),
    ],
)
def test_validate_routes_names_the_field(bad, field):
    second = route("cards", 8081)
    second.update(bad)
    with pytest.raises(ValueError) as error:
        rest_apis.validate_routes([route(), second])
    assert str(error.value).startswith(field + ":")


def test_validate_routes_integration_target_for_a_vpc_link_v2():
    nlb_arn = ALB_ARN.replace("loadbalancer/app/shared-alb", "loadbalancer/net/shared-nlb")
    result = routes(route(integration_target=f" {ALB_ARN} "), route("cards", integration_target=nlb_arn))
    assert [r["integration_target"] for r in result] == [ALB_ARN, nlb_arn]
    with pytest.raises(ValueError, match=r"^routes\[0\]\.integration_target: .*loadbalancer/app\|net"):
        routes(route(integration_target="arn:aws:apigateway:us-east-1::/vpclinks/abc"))


def test_validate_routes_timeout_message_mentions_default_maximum():
    with pytest.raises(ValueError, match=r"50\.\.29000 ms .*29 s"):
        rest_apis.validate_routes([route(timeout_in_millis=60000)])


def test_validate_routes_rejects_duplicates_after_normalisation():
    with pytest.raises(ValueError) as error:
        rest_apis.validate_routes([route("payments"), route("cards", 8081), route("/payments/", 8082)])
    assert str(error.value) == "routes[2].path: 'payments' duplicates routes[0].path"


def test_validate_routes_reports_every_problem():
    with pytest.raises(ValueError) as error:
        rest_apis.validate_routes([route(path=""), route("cards", connection_id=None, timeout_in_millis=1)])
    message = str(error.value)
    assert "routes[0].path" in message
    assert "routes[1].connection_id" in message
    assert "routes[1].timeout_in_millis" in message


def test_validate_routes_internet_needs_no_connection():
    result = routes(route(connection_type="INTERNET", connection_id=None, target_url="https://api.example.com"))
    assert result[0]["connection_id"] is None
    assert result[0]["target_url"] == "https://api.example.com"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://nlb:8080", "http://nlb:8080"),
        ("HTTP://nlb:8080/", "http://nlb:8080"),
        ("https://a-b.elb.amazonaws.com", "https://a-b.elb.amazonaws.com"),
        ("http://10.0.1.25:80", "http://10.0.1.25:80"),
    ],
)
def test_validate_target_url_accepts(value, expected):
    assert rest_apis.validate_target_url(value, "f") == expected


@pytest.mark.parametrize("value", ["v1", "prod_2", "a-b", "x" * 128])
def test_validate_stage_name_accepts(value):
    assert rest_apis.validate_stage_name(value) == value


@pytest.mark.parametrize("value", ["", "v 1", "v1/beta", "v1.0", "x" * 129])
def test_validate_stage_name_rejects(value):
    with pytest.raises(ValueError, match=r"^stage_name: "):
        rest_apis.validate_stage_name(value)


# --- desired tree ---------------------------------------------------------------------------


def test_desired_tree_builds_intermediates_and_proxy():
    tree = rest_apis.desired_tree(routes(route(), route("cards/limits", 8081, timeout_in_millis=5000)))
    assert sorted(tree) == [
        "/",
        "/cards",
        "/cards/limits",
        "/cards/limits/{proxy+}",
        "/payments",
        "/payments/{proxy+}",
    ]
    assert tree["/"]["methods"] == {}
    assert tree["/cards"]["methods"] == {}
    base = tree["/cards/limits"]["methods"]["ANY"]
    assert base["authorization_type"] == "NONE"
    assert base["request_parameters"] == {}
    assert base["integration"] == {
        "type": "HTTP_PROXY",
        "http_method": "ANY",
        "uri": f"{NLB}:8081/",
        "connection_type": "VPC_LINK",
        "connection_id": "link1",
        "timeout_in_millis": 5000,
        "request_parameters": {},
    }
    proxy = tree["/cards/limits/{proxy+}"]["methods"]["ANY"]
    assert proxy["request_parameters"] == {"method.request.path.proxy": True}
    assert proxy["integration"]["uri"] == f"{NLB}:8081/{{proxy}}"
    assert proxy["integration"]["request_parameters"] == {"integration.request.path.proxy": "method.request.path.proxy"}


def test_desired_tree_method_backend_path_and_no_proxy():
    tree = rest_apis.desired_tree(routes(route(http_method="POST", backend_path="/api/v1", proxy=False)))
    assert "/payments/{proxy+}" not in tree
    integration = tree["/payments"]["methods"]["POST"]["integration"]
    assert integration["http_method"] == "POST"
    assert integration["uri"] == f"{NLB}:8080/api/v1"


def test_proxy_uri_goes_below_backend_path():
    (only,) = routes(route(backend_path="/api/"))
    assert rest_apis.route_uri(only) == f"{NLB}:8080/api/"
    assert rest_apis.route_proxy_uri(only) == f"{NLB}:8080/api/{{proxy}}"


def test_desired_tree_shares_intermediate_with_route():
    tree = rest_apis.desired_tree(routes(route("cards/limits"), route("cards", 8081)))
    assert "ANY" in tree["/cards"]["methods"]
    assert "ANY" in tree["/cards/limits"]["methods"]


def test_internet_integration_has_no_connection_id():
    tree = rest_apis.desired_tree(
        routes(route(connection_type="INTERNET", connection_id=None, target_url="https://api.example.com"))
    )
    integration = tree["/payments"]["methods"]["ANY"]["integration"]
    assert integration["connection_type"] == "INTERNET"
    assert integration["connection_id"] is None


def test_only_an_integration_over_a_vpc_link_v2_has_a_target():
    tree = rest_apis.desired_tree(routes(route(integration_target=ALB_ARN), route("cards")))
    for path in ("/payments", "/payments/{proxy+}"):
        assert tree[path]["methods"]["ANY"]["integration"]["integration_target"] == ALB_ARN
    for path in ("/cards", "/cards/{proxy+}"):
        assert "integration_target" not in tree[path]["methods"]["ANY"]["integration"]


def test_fingerprint_of_v1_routes_is_the_one_deployed_before_integration_targets():
    # Computed with the code of 0364f51, before integration targets: an installation that upgrades
    # finds its stage up to date and deploys nothing.
    tree = rest_apis.desired_tree(routes(route(), route("cards/limits", 8081, proxy=False)))
    assert rest_apis.fingerprint(tree) == "fcbc52dc13c5c404a466c09f9810646ed387df933f4e4aa3e0beee312d772269"


# --- current tree ---------------------------------------------------------------------------


def test_current_tree_round_trip_needs_no_change():
    desired = rest_apis.desired_tree(routes(route(), route("cards/limits", 8081, integration_target=ALB_ARN)))
    current = rest_apis.current_tree(resources_from_tree(desired))
    assert current["/cards/limits"]["methods"]["ANY"]["integration"]["integration_target"] == ALB_ARN
    assert rest_apis.plan_changes(current, desired, purge=True) == []
    assert rest_apis.incomplete_methods(current, desired) == []


def test_current_tree_defaults_missing_fields():
    items = [
        {"id": "r", "path": "/"},
        {
            "id": "p",
            "path": "/payments",
            "resourceMethods": {
                "GET": {
                    "httpMethod": "GET",
                    "authorizationType": "NONE",
                    "methodIntegration": {"type": "HTTP", "uri": "u"},
                }
            },
        },
    ]
    tree = rest_apis.current_tree(items)
    integration = tree["/payments"]["methods"]["GET"]["integration"]
    assert integration["connection_type"] == "INTERNET"
    assert integration["timeout_in_millis"] == 29000
    assert integration["request_parameters"] == {}
    assert tree["/"] == {"id": "r", "methods": {}}


def test_incomplete_methods_only_for_managed_methods():
    desired = rest_apis.desired_tree(routes(route()))
    items = [
        {"id": "r", "path": "/", "resourceMethods": {"GET": {}}},
        {"id": "p", "path": "/payments", "resourceMethods": {"ANY": {}, "POST": {}}},
    ]
    current = rest_apis.current_tree(items)
    assert rest_apis.incomplete_methods(current, desired) == [("/payments", "ANY")]


# --- patch operations -----------------------------------------------------------------------


def desired_integration(**changes):
    tree = rest_apis.desired_tree(routes(route()))
    integration = copy.deepcopy(tree["/payments/{proxy+}"]["methods"]["ANY"]["integration"])
    integration.update(changes)
    return integration


@pytest.mark.parametrize(
    "current_target, desired_target",
    [(None, ALB_ARN), (ALB_ARN, None), (ALB_ARN, ALB_ARN.replace("shared-alb", "other-alb"))],
)
def test_integration_patch_ops_a_new_integration_target_means_replace(current_target, desired_target):
    # v1 -> v2, v2 -> v1, another load balancer: the link id and the target change together, and an
    # UpdateIntegration of the link id alone would leave a v2 link without its target.
    current = desired_integration(connection_id="v1link")
    desired = desired_integration(connection_id="v2link")
    for integration, target in ((current, current_target), (desired, desired_target)):
        if target:
            integration["integration_target"] = target
    assert rest_apis.integration_patch_ops(current, desired) is None


def test_integration_patch_ops_none_when_equal():
    assert rest_apis.integration_patch_ops(desired_integration(), desired_integration()) == []


def test_integration_patch_ops_uri_connection_timeout():
    current = desired_integration(uri="http://old:1/{proxy}", connection_id="old", timeout_in_millis=1000)
    assert rest_apis.integration_patch_ops(current, desired_integration()) == [
        {"op": "replace", "path": "/uri", "value": f"{NLB}:8080/{{proxy}}"},
        {"op": "replace", "path": "/connectionId", "value": "link1"},
        {"op": "replace", "path": "/timeoutInMillis", "value": "29000"},
    ]


def test_integration_patch_ops_request_parameters():
    current = desired_integration(
        request_parameters={
            "integration.request.path.proxy": "method.request.path.other",
            "integration.request.header.x-a/b": "'v'",
        }
    )
    desired = desired_integration(
        request_parameters={
            "integration.request.path.proxy": "method.request.path.proxy",
            "integration.request.header.x-new": "'n'",
        }
    )
    assert rest_apis.integration_patch_ops(current, desired) == [
        {"op": "remove", "path": "/requestParameters/integration.request.header.x-a~1b"},
        {"op": "add", "path": "/requestParameters/integration.request.header.x-new", "value": "'n'"},
        {
            "op": "replace",
            "path": "/requestParameters/integration.request.path.proxy",
            "value": "method.request.path.proxy",
        },
    ]


def test_integration_patch_ops_missing_connection_id_is_patched():
    assert rest_apis.integration_patch_ops(desired_integration(connection_id=None), desired_integration()) == [
        {"op": "replace", "path": "/connectionId", "value": "link1"}
    ]


@pytest.mark.parametrize(
    "current",
    [
        {"type": "HTTP"},
        {"http_method": "GET"},
        {"connection_type": "INTERNET", "connection_id": None},
    ],
)
def test_integration_patch_ops_unpatchable_means_replace(current):
    assert rest_apis.integration_patch_ops(desired_integration(**current), desired_integration()) is None


def test_integration_patch_ops_internet_with_leftover_connection_is_replaced():
    desired = desired_integration(connection_type="INTERNET", connection_id=None)
    current = desired_integration(connection_type="INTERNET", connection_id="stale")
    assert rest_apis.integration_patch_ops(current, desired) is None


def test_method_patch_ops():
    desired = rest_apis.desired_tree(routes(route()))["/payments/{proxy+}"]["methods"]["ANY"]
    current = {"authorization_type": "AWS_IAM", "request_parameters": {"method.request.header.x": False}}
    assert rest_apis.method_patch_ops(current, desired) == [
        {"op": "replace", "path": "/authorizationType", "value": "NONE"},
        {"op": "add", "path": "/requestParameters/method.request.path.proxy", "value": "true"},
    ]
    current = {"authorization_type": "NONE", "request_parameters": {"method.request.path.proxy": False}}
    assert rest_apis.method_patch_ops(current, desired) == [
        {"op": "replace", "path": "/requestParameters/method.request.path.proxy", "value": "true"}
    ]
    current = {"authorization_type": "NONE", "request_parameters": {"method.request.path.proxy": True, "x": True}}
    assert rest_apis.method_patch_ops(current, desired) == []


def test_rest_api_patch_ops():
    api = {"name": "a", "description": "d", "endpointConfiguration": {"types": ["EDGE"]}}
    assert rest_apis.rest_api_patch_ops(api, "a", None, "EDGE") == []
    assert rest_apis.rest_api_patch_ops(api, "b", "e", "REGIONAL") == [
        {"op": "replace", "path": "/name", "value": "b"},
        {"op": "replace", "path": "/description", "value": "e"},
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"},
    ]
    assert rest_apis.rest_api_patch_ops({"name": "a"}, "a", "", "REGIONAL") == []


# --- plan -----------------------------------------------------------------------------------


def test_plan_on_empty_api_creates_parents_first():
    desired = rest_apis.desired_tree(routes(route("cards/limits", proxy=False)))
    current = {"/": {"id": "root", "methods": {}}}
    actions = rest_apis.plan_changes(current, desired, purge=True)
    assert kinds(actions) == [
        ("create_resource", "/cards", None),
        ("create_resource", "/cards/limits", None),
        ("put_method", "/cards/limits", "ANY"),
        ("put_integration", "/cards/limits", "ANY"),
    ]


def test_plan_purges_topmost_unneeded_resource_and_stray_methods():
    old = rest_apis.desired_tree(routes(route(), route("cards/limits", 8081)))
    current = rest_apis.current_tree(resources_from_tree(old))
    current["/"]["methods"]["GET"] = rest_apis.normalise_method({"httpMethod": "GET", "methodIntegration": {}})
    current["/payments"]["methods"]["POST"] = copy.deepcopy(current["/payments"]["methods"]["ANY"])
    desired = rest_apis.desired_tree(routes(route()))
    actions = rest_apis.plan_changes(current, desired, purge=True)
    assert kinds(actions) == [
        ("delete_resource", "/cards", None),
        ("delete_method", "/", "GET"),
        ("delete_method", "/payments", "POST"),
    ]
    final = rest_apis.apply_plan(current, actions)
    assert sorted(final) == ["/", "/payments", "/payments/{proxy+}"]
    assert rest_apis.plan_changes(final, desired, purge=True) == []


def test_plan_without_purge_deletes_nothing():
    old = rest_apis.desired_tree(routes(route(), route("cards/limits", 8081)))
    current = rest_apis.current_tree(resources_from_tree(old))
    desired = rest_apis.desired_tree(routes(route(port=9090)))
    actions = rest_apis.plan_changes(current, desired, purge=False)
    assert [a["action"] for a in actions] == ["update_integration", "update_integration"]
    final = rest_apis.apply_plan(current, actions)
    assert "/cards/limits" in final


def test_plan_method_change_puts_new_and_purges_old():
    current = rest_apis.current_tree(resources_from_tree(rest_apis.desired_tree(routes(route(proxy=False)))))
    desired = rest_apis.desired_tree(routes(route(http_method="GET", proxy=False)))
    assert kinds(rest_apis.plan_changes(current, desired, purge=True)) == [
        ("delete_method", "/payments", "ANY"),
        ("put_method", "/payments", "GET"),
        ("put_integration", "/payments", "GET"),
    ]


def test_plan_method_without_integration_and_unpatchable_integration():
    desired = rest_apis.desired_tree(routes(route()))
    current = rest_apis.current_tree(resources_from_tree(desired))
    current["/payments"]["methods"]["ANY"]["integration"] = None
    current["/payments/{proxy+}"]["methods"]["ANY"]["integration"]["type"] = "HTTP"
    current["/payments/{proxy+}"]["methods"]["ANY"]["request_parameters"] = {}
    actions = rest_apis.plan_changes(current, desired, purge=True)
    assert kinds(actions) == [
        ("put_integration", "/payments", "ANY"),
        ("update_method", "/payments/{proxy+}", "ANY"),
        ("replace_integration", "/payments/{proxy+}", "ANY"),
    ]
    assert rest_apis.plan_changes(rest_apis.apply_plan(current, actions), desired, purge=True) == []


def test_plan_never_deletes_root():
    current = {"/": {"id": "root", "methods": {}}, "/old": {"id": "o", "methods": {}}}
    desired = rest_apis.desired_tree([])
    assert kinds(rest_apis.plan_changes(current, desired, purge=True)) == [("delete_resource", "/old", None)]


def test_apply_plan_records_new_ids():
    desired = rest_apis.desired_tree(routes(route(proxy=False)))
    current = {"/": {"id": "root", "methods": {}}}
    actions = rest_apis.plan_changes(current, desired, purge=True)
    final = rest_apis.apply_plan(current, actions, {"/payments": "new1"})
    assert final["/payments"]["id"] == "new1"
    assert current == {"/": {"id": "root", "methods": {}}}


def test_describe_action():
    action = {
        "action": "update_integration",
        "path": "/payments",
        "method": "ANY",
        "patch_operations": [{"op": "replace", "path": "/uri", "value": "x"}],
    }
    assert rest_apis.describe_action(action) == "update integration ANY /payments (replace /uri)"
    assert rest_apis.describe_action({"action": "create_resource", "path": "/a"}) == "create resource /a"


def test_routes_view():
    tree = rest_apis.desired_tree(routes(route(proxy=False)))
    assert rest_apis.routes_view(tree) == {
        "payments": {"ANY": {"integration_uri": f"{NLB}:8080/", "connection_id": "link1", "timeout_in_millis": 29000}}
    }
    assert rest_apis.routes_view({"/": {"methods": {"GET": {"integration": None}}}}) == {
        "/": {"GET": {"integration_uri": None, "connection_id": None, "timeout_in_millis": None}}
    }
    v2 = rest_apis.routes_view(rest_apis.desired_tree(routes(route(proxy=False, integration_target=ALB_ARN))))
    assert v2["payments"]["ANY"]["integration_target"] == ALB_ARN


# --- fingerprint ----------------------------------------------------------------------------


def test_fingerprint_is_stable():
    first = rest_apis.fingerprint(rest_apis.desired_tree(routes(route(), route("cards/limits", 8081))))
    second = rest_apis.fingerprint(rest_apis.desired_tree(routes(route("/cards/limits/", 8081), route("payments/"))))
    assert first == second
    assert len(first) == 64
    assert first == rest_apis.fingerprint(rest_apis.desired_tree(routes(route(), route("cards/limits", 8081))))


@pytest.mark.parametrize(
    "change",
    [
        {"connection_id": "link2"},
        {"target_url": f"{NLB}:9090"},
        {"timeout_in_millis": 28999},
        {"http_method": "GET"},
        {"proxy": False},
        {"backend_path": "/api"},
        {"path": "payment"},
        {"integration_target": ALB_ARN},
    ],
)
def test_fingerprint_is_sensitive(change):
    base = rest_apis.fingerprint(rest_apis.desired_tree(routes(route())))
    assert rest_apis.fingerprint(rest_apis.desired_tree(routes(route(**change)))) != base


def test_deployment_description_round_trip():
    digest = rest_apis.fingerprint(rest_apis.desired_tree(routes(route())))
    plain = rest_apis.deployment_description(None, digest)
    assert plain == "multiaccount.apigateway config sha256:" + digest
    text = rest_apis.deployment_description("release 42", digest)
    assert text.startswith("release 42 (")
    assert rest_apis.fingerprint_from_description(plain) == digest
    assert rest_apis.fingerprint_from_description(text) == digest
    assert rest_apis.fingerprint_from_description("manual deployment") is None
    assert rest_apis.fingerprint_from_description(None) is None


# --- ARNs and URLs --------------------------------------------------------------------------


def test_arn_and_invoke_url():
    assert rest_apis.rest_api_arn("us-east-1", "abc") == "arn:aws:apigateway:us-east-1::/restapis/abc"
    assert rest_apis.rest_api_arn("cn-north-1", "abc") == "arn:aws-cn:apigateway:cn-north-1::/restapis/abc"
    assert rest_apis.invoke_url("abc", "eu-west-1", "v1") == "https://abc.execute-api.eu-west-1.amazonaws.com/v1"
    assert (
        rest_apis.invoke_url("abc", "eu-west-1", "v1", "cards/limits")
        == "https://abc.execute-api.eu-west-1.amazonaws.com/v1/cards/limits"
    )
    assert rest_apis.invoke_url(None, "eu-west-1", "v1") is None
    assert rest_apis.invoke_url("abc", "eu-west-1", None) is None


@pytest.mark.parametrize(
    "stage, expected",
    [
        ({"deploymentId": "d1", "tags": {rest_apis.DEPLOYED_TAG: "d1 " + "a" * 64}}, "a" * 64),
        # The stage was deployed since: the tag is about another deployment.
        ({"deploymentId": "d2", "tags": {rest_apis.DEPLOYED_TAG: "d1 " + "a" * 64}}, None),
        ({"deploymentId": "d1", "tags": {rest_apis.DEPLOYED_TAG: "d1 not-a-digest"}}, None),
        ({"deploymentId": "d1", "tags": {rest_apis.DEPLOYED_TAG: "d1"}}, None),
        ({"deploymentId": "d1", "tags": {"other": "x"}}, None),
        ({"deploymentId": "d1"}, None),
        ({"tags": {rest_apis.DEPLOYED_TAG: "d1 " + "a" * 64}}, None),
        (None, None),
    ],
)
def test_fingerprint_from_stage(stage, expected):
    assert rest_apis.fingerprint_from_stage(stage) == expected


def test_deployed_tag_round_trip_and_stage_arn():
    value = rest_apis.deployed_tag_value("abc123", "f" * 64)
    stage = {"deploymentId": "abc123", "tags": {rest_apis.DEPLOYED_TAG: value}}
    assert rest_apis.fingerprint_from_stage(stage) == "f" * 64
    assert len(value) <= 256  # the longest tag value AWS accepts
    assert rest_apis.stage_arn("us-east-1", "a1", "v1") == "arn:aws:apigateway:us-east-1::/restapis/a1/stages/v1"
    assert rest_apis.stage_arn("cn-north-1", "a1", "v1").startswith("arn:aws-cn:")


def test_openapi_document_of_routes_open_to_anyone():
    tree = rest_apis.desired_tree(
        routes(route("payments"), route("cards/limits", 8081, http_method="GET", proxy=False))
    )
    document = rest_apis.openapi_document(tree, "gw", "shared gateway")
    assert document["openapi"] == "3.0.1"
    assert document["info"] == {"title": "gw", "version": "1", "description": "shared gateway"}
    # the intermediate /cards has no method: the import makes it as the parent of /cards/limits
    assert sorted(document["paths"]) == ["/cards/limits", "/payments", "/payments/{proxy+}"]
    assert document["paths"]["/cards/limits"] == {
        "get": {
            "x-amazon-apigateway-integration": {
                "type": "http_proxy",
                "httpMethod": "GET",
                "uri": f"{NLB}:8081/",
                "connectionType": "VPC_LINK",
                "connectionId": "link1",
                "timeoutInMillis": 29000,
            }
        }
    }
    proxy = document["paths"]["/payments/{proxy+}"]
    assert list(proxy) == ["x-amazon-apigateway-any-method"]
    assert proxy["x-amazon-apigateway-any-method"]["parameters"] == [
        {"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    integration = proxy["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integration["uri"] == f"{NLB}:8080/{{proxy}}" and integration["httpMethod"] == "ANY"
    assert integration["requestParameters"] == {"integration.request.path.proxy": "method.request.path.proxy"}


def test_openapi_document_leaves_out_what_an_import_cannot_hold():
    tree = rest_apis.desired_tree(
        routes(
            route("open", connection_type="INTERNET", connection_id=None, target_url="https://api.example.com"),
            route("keyed", api_key_required=True),
            route("iam", authorization_type="AWS_IAM"),
            route("v2", integration_target=ALB_ARN),
        )
    )
    for path in ("/keyed", "/iam", "/v2"):
        assert not any(rest_apis.importable_method(spec) for spec in tree[path]["methods"].values())
    document = rest_apis.openapi_document(tree, "gw")
    assert sorted(document["paths"]) == ["/open", "/open/{proxy+}"]
    assert "description" not in document["info"]
    integration = document["paths"]["/open"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integration["connectionType"] == "INTERNET" and "connectionId" not in integration


def test_openapi_document_of_nothing_importable_is_empty():
    assert rest_apis.openapi_document(rest_apis.desired_tree([]), "gw") == {
        "openapi": "3.0.1",
        "info": {"title": "gw", "version": "1"},
        "paths": {},
    }
