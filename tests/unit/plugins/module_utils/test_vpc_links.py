# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import boto3
import botocore.waiter
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import vpc_links as vl
from botocore.stub import Stubber

MANAGED = {"ManagedBy": "multiaccount.apigateway"}
NLB_A = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/a/0123456789abcdef"
NLB_B = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/b/fedcba9876543210"
ALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/0123456789abcdef"


def v1(link_id="abc123", name="payments", status="AVAILABLE", tags=None, targets=None, description="d"):
    raw = {"id": link_id, "name": name, "description": description, "status": status}
    raw["targetArns"] = targets or [NLB_A]
    raw["tags"] = MANAGED if tags is None else tags
    return vl.normalise_vpc_link(raw, "v1")


def v2(link_id="w1", name="orders", status="AVAILABLE", tags=None, subnets=None, groups=None):
    raw = {"VpcLinkId": link_id, "Name": name, "VpcLinkStatus": status}
    raw["SubnetIds"] = ["subnet-1", "subnet-2"] if subnets is None else subnets
    raw["SecurityGroupIds"] = ["sg-1"] if groups is None else groups
    raw["Tags"] = MANAGED if tags is None else tags
    return vl.normalise_vpc_link(raw, "v2")


def desired(**values):
    base = dict(name=None, description=None, target_arns=None, subnet_ids=None, security_group_ids=None, tags=None)
    base.update(values)
    return base


# ------------------------------------------------------------------------- normalisation


def test_normalise_v1_and_v2_share_one_shape():
    one = vl.normalise_vpc_link(
        {"id": "a", "name": "n", "status": "FAILED", "statusMessage": "NLB gone", "targetArns": [NLB_A]},
        "v1",
        "arn:aws:apigateway:us-east-1::/vpclinks/a",
    )
    two = vl.normalise_vpc_link(
        {
            "VpcLinkId": "b",
            "Name": "m",
            "VpcLinkStatus": "INACTIVE",
            "VpcLinkStatusMessage": "idle",
            "SubnetIds": ["s"],
        },
        "v2",
    )
    assert set(one) == set(two)
    assert one == {
        "id": "a",
        "name": "n",
        "description": None,
        "status": "FAILED",
        "status_message": "NLB gone",
        "target_arns": [NLB_A],
        "subnet_ids": [],
        "security_group_ids": [],
        "tags": {},
        "version": "v1",
        "arn": "arn:aws:apigateway:us-east-1::/vpclinks/a",
    }
    assert two["subnet_ids"] == ["s"] and two["security_group_ids"] == [] and two["target_arns"] == []
    assert two["status_message"] == "idle" and two["description"] is None


def test_arn_uses_partition_and_region_of_the_client():
    client = boto3.client("apigateway", region_name="cn-north-1", aws_access_key_id="a", aws_secret_access_key="b")
    assert vl.vpc_link_arn(client, "x1") == "arn:aws-cn:apigateway:cn-north-1::/vpclinks/x1"


# ------------------------------------------------------------------------- flavour


@pytest.mark.parametrize(
    "args, expected",
    [
        ((None,), None),
        (("v2",), "v2"),
        ((None, [NLB_A]), "v1"),
        ((None, None, ["subnet-1"]), "v2"),
        ((None, None, None, ["sg-1"]), "v2"),
        (("v1", [NLB_A]), "v1"),
        (("v2", None, ["subnet-1"], ["sg-1"]), "v2"),
    ],
)
def test_resolve_version(args, expected):
    assert vl.resolve_version(*args) == expected


@pytest.mark.parametrize(
    "args, message",
    [
        ((None, [NLB_A], ["subnet-1"]), "target_arns (v1) cannot be combined with subnet_ids (v2)"),
        (("v1", None, ["subnet-1"], ["sg-1"]), "version=v1 contradicts subnet_ids and security_group_ids"),
        (("v2", [NLB_A]), "version=v2 contradicts target_arns, which belong to v1 VPC links"),
    ],
)
def test_resolve_version_contradictions(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        vl.resolve_version(*args)


def test_validate_target_arns():
    vl.validate_target_arns(None)
    vl.validate_target_arns([NLB_A])
    with pytest.raises(ValueError, match="exactly one Network Load Balancer ARN, got 2"):
        vl.validate_target_arns([NLB_A, NLB_B])
    with pytest.raises(ValueError, match="got 0"):
        vl.validate_target_arns([])
    with pytest.raises(ValueError, match="is not a Network Load Balancer ARN"):
        vl.validate_target_arns([ALB])
    with pytest.raises(ValueError, match="is not a Network Load Balancer ARN"):
        vl.validate_target_arns(["my-nlb"])


# ------------------------------------------------------------------------- matching


def test_match_by_name_considers_only_managed_live_links():
    links = [
        v1("hand", tags={}),
        v1("other", name="cards"),
        v1("gone", status="DELETING"),
        v1("mine"),
    ]
    assert vl.match_by_name(links, "payments")["id"] == "mine"
    assert vl.match_by_name(links, "nothing") is None
    assert vl.match_by_name([v1("hand", tags={"ManagedBy": "someone-else"})], "payments") is None


def test_match_by_name_fails_on_ambiguity_listing_ids():
    links = [v1("one"), v2("two", name="payments", status="PENDING")]
    with pytest.raises(ValueError) as raised:
        vl.match_by_name(links, "payments")
    message = str(raised.value)
    assert "2 managed VPC links are named 'payments'" in message
    assert "one (v1, AVAILABLE)" in message and "two (v2, PENDING)" in message
    assert "vpc_link_id" in message


def test_filter_links():
    links = [v1("a", tags={"team": "a", "n": "1"}), v1("b", name="x", tags={"team": "b"}), v2("c", tags={"team": "a"})]

    def ids(result):
        return [link["id"] for link in result]

    assert ids(vl.filter_links(links)) == ["a", "b", "c"]
    assert ids(vl.filter_links(links, vpc_link_ids=["c", "a"])) == ["a", "c"]
    assert ids(vl.filter_links(links, name="x")) == ["b"]
    assert ids(vl.filter_links(links, tags={"team": "a"})) == ["a", "c"]
    assert ids(vl.filter_links(links, tags={"team": "a", "n": 1})) == ["a"]
    assert ids(vl.filter_links(links, name="x", tags={"team": "a"})) == []


# ------------------------------------------------------------------------- replacement decision


def test_no_replacement_for_same_or_unspecified_targets():
    assert vl.replacement_reasons(v1(), desired()) == []
    assert vl.replacement_reasons(v1(), desired(target_arns=[NLB_A], name="new")) == []
    assert vl.replacement_reasons(v2(), desired(subnet_ids=["subnet-2", "subnet-1"], security_group_ids=["sg-1"])) == []


def test_v1_target_change_needs_replacement():
    reasons = vl.replacement_reasons(v1(), desired(target_arns=[NLB_B]))
    assert len(reasons) == 1
    assert "target_arns would change" in reasons[0] and NLB_B in reasons[0] and "immutable" in reasons[0]


def test_v2_subnet_and_group_changes_need_replacement():
    reasons = vl.replacement_reasons(v2(), desired(subnet_ids=["subnet-1"], security_group_ids=[]))
    assert [r.split(" ")[0] for r in reasons] == ["subnet_ids", "security_group_ids"]
    assert "can only rename" in reasons[0]


def test_failed_link_needs_replacement_and_shows_status_message():
    link = v1(status="FAILED")
    link["status_message"] = "NLB ARN is malformed"
    assert vl.replacement_reasons(link, desired()) == ["the link is FAILED (NLB ARN is malformed)"]


# ------------------------------------------------------------------------- desired vs current


def test_attribute_updates():
    assert vl.attribute_updates(v1(), desired(name="payments", description="d")) == {}
    assert vl.attribute_updates(v1(), desired(name="new", description="e")) == {"name": "new", "description": "e"}
    assert vl.attribute_updates(v1(description=None), desired(description="")) == {}
    assert vl.attribute_updates(v2(), desired(name="new", description="ignored for v2")) == {"name": "new"}


def test_v1_patch_operations_order():
    assert vl.v1_patch_operations({"description": "e", "name": "n"}) == [
        {"op": "replace", "path": "/name", "value": "n"},
        {"op": "replace", "path": "/description", "value": "e"},
    ]


def test_plan_update_no_change():
    plan = vl.plan_update(v1(tags={"team": "a", **MANAGED}), desired(name="payments", tags={"team": "a"}), True)
    assert plan["updates"] == {} and plan["tags_to_set"] == {} and plan["tags_to_unset"] == []
    # tags=None leaves tags alone, even with purge
    plan = vl.plan_update(v1(tags={"team": "a", **MANAGED}), desired(), True)
    assert plan["tags_to_set"] == {} and plan["tags_to_unset"] == []


def test_plan_update_purge_keeps_managed_mark_and_predicts_after():
    current = v1(tags={"team": "a", "old": "x", **MANAGED})
    plan = vl.plan_update(current, desired(name="renamed", tags={"team": "b"}), True)
    assert plan["updates"] == {"name": "renamed"}
    assert plan["tags_to_set"] == {"team": "b"}
    assert plan["tags_to_unset"] == ["old"]
    assert plan["after"]["name"] == "renamed"
    assert plan["after"]["tags"] == {"team": "b", **MANAGED}
    assert current["name"] == "payments" and current["tags"]["old"] == "x"  # not mutated


def test_plan_update_without_purge_adds_only():
    plan = vl.plan_update(v1(tags={"team": "a", **MANAGED}), desired(tags={"cost": "1"}), False)
    assert plan["tags_to_set"] == {"cost": "1"} and plan["tags_to_unset"] == []
    assert plan["after"]["tags"] == {"team": "a", "cost": "1", **MANAGED}


def test_plan_update_marks_an_adopted_link_when_tags_are_given():
    plan = vl.plan_update(v1(tags={}), desired(tags={}), True)
    assert plan["tags_to_set"] == MANAGED


def test_replacement_tags():
    current = {"team": "a", "aws:cloudformation:stack-name": "s", **MANAGED}
    assert vl.replacement_tags(current, None, True) == {"team": "a", **MANAGED}
    assert vl.replacement_tags(current, {"env": "x"}, True) == {"env": "x", **MANAGED}
    assert vl.replacement_tags(current, {"env": "x"}, False) == {"team": "a", "env": "x", **MANAGED}
    assert vl.replacement_tags({}, None, True) == MANAGED


def test_replacement_spec_keeps_old_values_where_unset():
    spec = vl.replacement_spec(v1(), desired(target_arns=[NLB_B]), "v1", True)
    assert spec == {
        "name": "payments",
        "version": "v1",
        "description": "d",
        "target_arns": [NLB_B],
        "tags": MANAGED,
    }
    spec = vl.replacement_spec(v2(tags={"t": "1", **MANAGED}), desired(name="n", subnet_ids=["subnet-9"]), "v2", True)
    assert spec == {
        "name": "n",
        "version": "v2",
        "subnet_ids": ["subnet-9"],
        "security_group_ids": ["sg-1"],
        "tags": {"t": "1", **MANAGED},
    }


def test_planned_link_has_the_common_shape():
    planned = vl.planned_link({"name": "n", "version": "v2", "subnet_ids": ["s"], "tags": MANAGED})
    assert set(planned) == set(v1())
    assert planned["id"] is None and planned["status"] is None and planned["target_arns"] == []


# ------------------------------------------------------------------------- integration usage

RESOURCES = [
    {"id": "r0", "path": "/"},
    {
        "id": "r1",
        "path": "/payments",
        "resourceMethods": {
            "GET": {"methodIntegration": {"connectionType": "VPC_LINK", "connectionId": "abc123"}},
            "POST": {"methodIntegration": {"connectionType": "INTERNET"}},
            "PUT": {"methodIntegration": {"connectionType": "VPC_LINK", "connectionId": "zzz"}},
        },
    },
    {
        "id": "r2",
        "path": "/payments/{proxy+}",
        "resourceMethods": {
            "ANY": {"methodIntegration": {"connectionType": "VPC_LINK", "connectionId": "${stageVariables.link}"}},
            "OPTIONS": {},
        },
    },
]
API = {"id": "api1", "name": "open-banking"}


def test_stage_variable():
    assert vl.stage_variable("${stageVariables.link}") == "link"
    assert vl.stage_variable("abc123") is None
    assert vl.stage_variable(None) is None
    assert vl.uses_stage_variables(RESOURCES)
    assert not vl.uses_stage_variables(RESOURCES[:2])


def test_rest_api_usage_direct_and_through_stage_variables():
    stages = [{"stageName": "v1", "variables": {"link": "abc123"}}, {"stageName": "v2", "variables": {"link": "x"}}]
    usage = vl.rest_api_usage("abc123", API, RESOURCES, stages)
    assert [(u["path"], u["method"], u["stage"]) for u in usage] == [
        ("/payments", "GET", None),
        ("/payments/{proxy+}", "ANY", "v1"),
    ]
    assert usage[0]["api_id"] == "api1" and usage[0]["api_type"] == "REST"
    assert vl.rest_api_usage("unused", API, RESOURCES, stages) == []


def test_http_api_usage_lists_routes():
    integrations = [
        {"IntegrationId": "i1", "ConnectionId": "w1"},
        {"IntegrationId": "i2", "ConnectionId": "w1"},
        {"IntegrationId": "i3", "ConnectionId": "other"},
    ]
    routes = [
        {"RouteKey": "ANY /orders", "Target": "integrations/i1"},
        {"RouteKey": "$default", "Target": "integrations/i1"},
        {"RouteKey": "GET /x", "Target": "integrations/i3"},
    ]
    usage = vl.http_api_usage("w1", {"ApiId": "h1", "Name": "orders"}, integrations, routes)
    assert [(u["method"], u["path"]) for u in usage] == [("ANY", "$default"), ("ANY", "/orders"), (None, None)]
    assert usage[2]["integration_id"] == "i2"


def test_describe_usage():
    usage = vl.rest_api_usage("abc123", API, RESOURCES, [{"stageName": "v1", "variables": {"link": "abc123"}}])
    usage += vl.http_api_usage(
        "abc123", {"ApiId": "h1", "Name": "h"}, [{"IntegrationId": "i9", "ConnectionId": "abc123"}], []
    )
    assert vl.describe_usage(usage) == (
        "REST API api1 (open-banking) GET /payments; "
        "REST API api1 (open-banking) ANY /payments/{proxy+} via stage v1; "
        "HTTP API h1 (h) integration i9 (no route)"
    )


# ------------------------------------------------------------------------- waiting


def test_wait_message_variants():
    failed = vl.wait_message("a", "v1", "available", 60, "terminal", {"status": "FAILED", "statusMessage": "NLB gone"})
    assert failed == "VPC link a (v1) is FAILED: NLB gone"
    timeout = vl.wait_message(
        "w", "v2", "available", 60, "Max attempts exceeded", {"VpcLinkStatus": "PENDING", "VpcLinkStatusMessage": "m"}
    )
    assert timeout == "Timed out after 60 s waiting for VPC link w (v2) to become available; last status PENDING: m"
    error = vl.wait_message(
        "a", "v1", "deleted", 9, "An error occurred", {"Error": {"Code": "AccessDenied", "Message": "no"}}
    )
    assert error == "Error while waiting for VPC link a (v1) to be deleted: AccessDenied: no"


def test_waiter_config_polls_at_short_intervals_for_the_whole_timeout():
    config = vl.waiter_config(900)
    assert config["Delay"] == vl.WAIT_DELAY
    assert (config["MaxAttempts"] - 1) * config["Delay"] >= 900
    short = vl.waiter_config(3)
    assert short["Delay"] == 1 and (short["MaxAttempts"] - 1) * short["Delay"] >= 3


@pytest.fixture
def no_sleep(monkeypatch):
    sleeps = []
    monkeypatch.setattr(botocore.waiter.time, "sleep", sleeps.append)
    return sleeps


def client(service):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")


def test_wait_polls_until_available(no_sleep):
    ag = client("apigateway")
    with Stubber(ag) as stub:
        for status in ("PENDING", "PENDING", "AVAILABLE"):
            stub.add_response("get_vpc_link", {"id": "a", "status": status}, {"vpcLinkId": "a"})
        vl.wait_for_vpc_link(ag, "v1", "a", "available", 60)
        stub.assert_no_pending_responses()
    assert no_sleep == [vl.WAIT_DELAY, vl.WAIT_DELAY]


def test_wait_fails_with_the_status_message(no_sleep):
    ag = client("apigateway")
    with Stubber(ag) as stub:
        stub.add_response("get_vpc_link", {"id": "a", "status": "PENDING"}, {"vpcLinkId": "a"})
        stub.add_response("get_vpc_link", {"id": "a", "status": "FAILED", "statusMessage": "NLB ARN is malformed"})
        with pytest.raises(vl.AnsibleVpcLinkError, match="VPC link a \\(v1\\) is FAILED: NLB ARN is malformed"):
            vl.wait_for_vpc_link(ag, "v1", "a", "available", 60)


def test_wait_times_out_with_the_last_status(no_sleep):
    v2client = client("apigatewayv2")
    config = vl.waiter_config(10)
    with Stubber(v2client) as stub:
        for attempt in range(config["MaxAttempts"]):
            status = {"VpcLinkId": "w", "VpcLinkStatus": "PENDING", "VpcLinkStatusMessage": f"poll {attempt + 1}"}
            stub.add_response("get_vpc_link", status)
        with pytest.raises(vl.AnsibleVpcLinkError) as raised:
            vl.wait_for_vpc_link(v2client, "v2", "w", "available", 10)
    assert str(raised.value) == (
        "Timed out after 10 s waiting for VPC link w (v2) to become available; "
        f"last status PENDING: poll {config['MaxAttempts']}"
    )
    assert sum(no_sleep) >= 10


def test_wait_for_deletion_ends_on_not_found(no_sleep):
    v2client = client("apigatewayv2")
    with Stubber(v2client) as stub:
        stub.add_response("get_vpc_link", {"VpcLinkId": "w", "VpcLinkStatus": "DELETING"})
        stub.add_client_error("get_vpc_link", "NotFoundException", http_status_code=404)
        vl.wait_for_vpc_link(v2client, "v2", "w", "deleted", 60)
    assert len(no_sleep) == 1


def test_wait_retries_throttling(no_sleep):
    ag = client("apigateway")
    with Stubber(ag) as stub:
        stub.add_client_error("get_vpc_link", "TooManyRequestsException", http_status_code=429)
        stub.add_response("get_vpc_link", {"id": "a", "status": "AVAILABLE"})
        vl.wait_for_vpc_link(ag, "v1", "a", "available", 60)


# ------------------------------------------------------------------------- API layer


def test_get_link_not_found_is_none_and_delete_not_found_is_false():
    ag = client("apigateway")
    with Stubber(ag) as stub:
        stub.add_client_error("get_vpc_link", "NotFoundException", http_status_code=404)
        stub.add_client_error("delete_vpc_link", "NotFoundException", http_status_code=404)
        assert vl.get_v1_vpc_link(ag, "nope") is None
        assert vl.delete_v1_vpc_link(ag, "nope") is False


def test_other_errors_become_ansible_errors():
    ag = client("apigateway")
    with Stubber(ag) as stub:
        stub.add_client_error("create_vpc_link", "BadRequestException", "NLB ARN is malformed")
        with pytest.raises(vl.AnsibleVpcLinkError, match="Failed to create REST API VPC link"):
            vl.create_v1_vpc_link(ag, "n", [NLB_A])


def v2_item(link_id):
    return {"VpcLinkId": link_id, "Name": link_id, "SubnetIds": ["s"], "SecurityGroupIds": []}


def test_v2_listing_follows_next_token():
    v2client = client("apigatewayv2")
    with Stubber(v2client) as stub:
        stub.add_response("get_vpc_links", {"Items": [v2_item("a")], "NextToken": "t"}, {})
        stub.add_response("get_vpc_links", {"Items": [v2_item("b")]}, {"NextToken": "t"})
        assert [link["VpcLinkId"] for link in vl.get_v2_vpc_links(v2client)] == ["a", "b"]


def test_list_vpc_links_lists_v1_then_v2_with_arns():
    clients = {"v1": client("apigateway"), "v2": client("apigatewayv2")}
    with Stubber(clients["v1"]) as s1, Stubber(clients["v2"]) as s2:
        s1.add_response("get_vpc_links", {"items": [{"id": "a", "name": "a", "status": "AVAILABLE"}]}, {"limit": 500})
        s2.add_response("get_vpc_links", {"Items": [v2_item("w")]})
        links = vl.list_vpc_links(clients, ["v1", "v2"])
    assert [(link["id"], link["version"]) for link in links] == [("a", "v1"), ("w", "v2")]
    assert links[1]["arn"] == "arn:aws:apigateway:us-east-1::/vpclinks/w"


def test_create_sends_only_given_parameters():
    ag = client("apigateway")
    with Stubber(ag) as stub:
        stub.add_response(
            "create_vpc_link",
            {"id": "a"},
            {"name": "n", "targetArns": [NLB_A], "description": "d", "tags": MANAGED},
        )
        vl.create_v1_vpc_link(ag, "n", [NLB_A], "d", MANAGED)
    v2client = client("apigatewayv2")
    with Stubber(v2client) as stub:
        stub.add_response("create_vpc_link", {"VpcLinkId": "w"}, {"Name": "n", "SubnetIds": ["s"], "Tags": MANAGED})
        vl.create_v2_vpc_link(v2client, "n", ["s"], [], MANAGED)


def test_find_usage_scans_rest_and_http_apis():
    clients = {"v1": client("apigateway"), "v2": client("apigatewayv2")}
    link = v2("w1")
    with Stubber(clients["v1"]) as s1, Stubber(clients["v2"]) as s2:
        s1.add_response("get_rest_apis", {"items": [{"id": "api1", "name": "open-banking"}]}, {"limit": 500})
        s1.add_response(
            "get_resources",
            {
                "items": [
                    dict(
                        RESOURCES[1],
                        resourceMethods={
                            "GET": {"methodIntegration": {"connectionType": "VPC_LINK", "connectionId": "w1"}}
                        },
                    )
                ]
            },
            {"restApiId": "api1", "embed": ["methods"], "limit": 500},
        )
        s2.add_response(
            "get_apis",
            {"Items": [{"ApiId": "h1", "Name": "h", "ProtocolType": "HTTP", "RouteSelectionExpression": "x"}]},
        )
        s2.add_response("get_integrations", {"Items": [{"IntegrationId": "i1", "ConnectionId": "w1"}]}, {"ApiId": "h1"})
        s2.add_response(
            "get_routes", {"Items": [{"RouteKey": "ANY /orders", "Target": "integrations/i1"}]}, {"ApiId": "h1"}
        )
        usage = vl.find_vpc_link_usage(clients, link)
    assert vl.describe_usage(usage) == "REST API api1 (open-banking) GET /payments; HTTP API h1 (h) ANY /orders"


def test_find_usage_of_a_v1_link_reads_stages_only_when_needed():
    clients = {"v1": client("apigateway"), "v2": client("apigatewayv2")}
    with Stubber(clients["v1"]) as s1, Stubber(clients["v2"]):
        s1.add_response(
            "get_rest_apis", {"items": [{"id": "api1", "name": "open-banking"}, {"id": "api2", "name": "x"}]}
        )
        s1.add_response(
            "get_resources", {"items": RESOURCES}, {"restApiId": "api1", "embed": ["methods"], "limit": 500}
        )
        s1.add_response(
            "get_stages", {"item": [{"stageName": "v1", "variables": {"link": "abc123"}}]}, {"restApiId": "api1"}
        )
        s1.add_response(
            "get_resources", {"items": RESOURCES[:2]}, {"restApiId": "api2", "embed": ["methods"], "limit": 500}
        )
        usage = vl.find_vpc_link_usage(clients, v1("abc123"))
        s1.assert_no_pending_responses()
    assert [(u["api_id"], u["path"], u["method"]) for u in usage] == [
        ("api1", "/payments", "GET"),
        ("api1", "/payments/{proxy+}", "ANY"),
        ("api2", "/payments", "GET"),
    ]
