# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One regression test (or a few) per fidelity patch of tools/emulator/patches.py.

Each test holds on AWS and on the patched emulator, and fails on stock moto 5.2.5: start the emulator
with ``EMULATOR_DISABLE_PATCHES=<id>`` to see the test of that patch fail.
"""

import json
import time

import pytest
from botocore.exceptions import ClientError
from emulator_support import ACCOUNT_A, ACCOUNT_B, REGION


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


# ---- builders ------------------------------------------------------------------------------------


def make_vpc(ec2, cidr):
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def make_vpc_with_subnets(ec2, cidr, subnets):
    vpc_id = make_vpc(ec2, cidr)
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=sub, AvailabilityZone=az)["Subnet"]["SubnetId"] for sub, az in subnets
    ]
    return vpc_id, subnet_ids


def make_nlb(aws, name="gw", lb_type="network"):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc_id, subnets = make_vpc_with_subnets(
        ec2, "10.100.0.0/16", [("10.100.1.0/24", "us-east-1a"), ("10.100.2.0/24", "us-east-1b")]
    )
    lb = elb.create_load_balancer(Name=name, Subnets=subnets, Type=lb_type, Scheme="internal")["LoadBalancers"][0]
    return vpc_id, lb["LoadBalancerArn"]


def make_ip_group(aws, vpc_id, port=8080, name="svc"):
    elb = aws.client("elbv2")
    return elb.create_target_group(Name=name, Protocol="TCP", Port=port, VpcId=vpc_id, TargetType="ip")["TargetGroups"][
        0
    ]["TargetGroupArn"]


def make_api_method(ag, http_method="GET"):
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    ag.put_method(
        restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod=http_method, authorizationType="NONE"
    )
    return api["id"], api["rootResourceId"]


def peer(ec2_requester, ec2_accepter, vpc_a, vpc_b, owner_b):
    pcx = ec2_requester.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=owner_b)
    pcx_id = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2_accepter.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    return pcx_id


# ---- G1 ------------------------------------------------------------------------------------------


def pcx_ids(ec2, **kwargs):
    return sorted(
        p["VpcPeeringConnectionId"] for p in ec2.describe_vpc_peering_connections(**kwargs)["VpcPeeringConnections"]
    )


def test_g1_peering_filters(aws):
    ec2 = aws.client("ec2")
    a = make_vpc(ec2, "10.0.0.0/16")
    b = make_vpc(ec2, "10.1.0.0/16")
    c = make_vpc(ec2, "10.2.0.0/16")
    ab = ec2.create_vpc_peering_connection(
        VpcId=a,
        PeerVpcId=b,
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": "a-b"}]}],
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ac = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=c)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ac)

    # the vector of emulator-fidelity.md
    assert (
        ec2.describe_vpc_peering_connections(Filters=[{"Name": "requester-vpc-info.vpc-id", "Values": ["vpc-nope"]}])[
            "VpcPeeringConnections"
        ]
        == []
    )

    def by(name, *values):
        return pcx_ids(ec2, Filters=[{"Name": name, "Values": list(values)}])

    assert by("requester-vpc-info.vpc-id", a) == sorted([ab, ac])
    assert by("accepter-vpc-info.vpc-id", b) == [ab]
    assert by("accepter-vpc-info.vpc-id", b, c) == sorted([ab, ac])
    assert by("accepter-vpc-info.cidr-block", "10.2.0.0/16") == [ac]
    assert by("requester-vpc-info.cidr-block", "10.0.*") == sorted([ab, ac])
    assert by("requester-vpc-info.owner-id", ACCOUNT_A) == sorted([ab, ac])
    assert by("accepter-vpc-info.owner-id", ACCOUNT_B) == []
    assert by("status-code", "pending-acceptance") == [ab]
    assert by("status-code", "active") == [ac]
    assert by("vpc-peering-connection-id", ac) == [ac]
    assert by("tag:Name", "a-b") == [ab]
    assert by("tag:Name", "x") == []
    assert by("tag-key", "Name") == [ab]
    both = [
        {"Name": "requester-vpc-info.vpc-id", "Values": [a]},
        {"Name": "accepter-vpc-info.vpc-id", "Values": [c]},
    ]
    assert pcx_ids(ec2, Filters=both) == [ac]
    assert pcx_ids(ec2, VpcPeeringConnectionIds=[ab]) == [ab]
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=["pcx-0123456789abcdef0"])
    assert error_code(excinfo) == "InvalidVpcPeeringConnectionID.NotFound"


def test_g1_peering_filters_cross_account(aws):
    ea, eb = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    a = make_vpc(ea, "10.100.0.0/16")
    a2 = make_vpc(ea, "10.101.0.0/16")
    b = make_vpc(eb, "10.0.0.0/16")
    wanted = ea.create_vpc_peering_connection(VpcId=a, PeerVpcId=b, PeerOwnerId=ACCOUNT_B)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ea.create_vpc_peering_connection(VpcId=a2, PeerVpcId=b, PeerOwnerId=ACCOUNT_B)
    # the accepter finds the request by requester account + requester VPC + its own VPC (DESIGN.md)
    filters = [
        {"Name": "requester-vpc-info.owner-id", "Values": [ACCOUNT_A]},
        {"Name": "requester-vpc-info.vpc-id", "Values": [a]},
        {"Name": "accepter-vpc-info.vpc-id", "Values": [b]},
        {"Name": "status-code", "Values": ["pending-acceptance"]},
    ]
    assert pcx_ids(eb, Filters=filters) == [wanted]
    filters[1]["Values"] = ["vpc-0000000000000000"]
    assert pcx_ids(eb, Filters=filters) == []


def test_g1_peering_tags_are_per_account(aws):
    ea, eb = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    a = make_vpc(ea, "10.100.0.0/16")
    b = make_vpc(eb, "10.0.0.0/16")
    pcx_id = ea.create_vpc_peering_connection(
        VpcId=a,
        PeerVpcId=b,
        PeerOwnerId=ACCOUNT_B,
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Side", "Value": "requester"}]}],
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    eb.create_tags(Resources=[pcx_id], Tags=[{"Key": "Side", "Value": "accepter"}])

    def side(ec2):
        (pcx,) = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
        return {t["Key"]: t["Value"] for t in pcx.get("Tags", [])}.get("Side")

    assert side(ea) == "requester"
    assert side(eb) == "accepter"
    assert pcx_ids(eb, Filters=[{"Name": "tag:Side", "Values": ["accepter"]}]) == [pcx_id]
    assert pcx_ids(eb, Filters=[{"Name": "tag:Side", "Values": ["requester"]}]) == []


# ---- G2 / G2b / G16 ------------------------------------------------------------------------------


def test_g2_integration_keeps_connection_id(aws):
    ag = aws.client("apigateway")
    api, root = make_api_method(ag)
    ag.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="GET",
        type="HTTP_PROXY",
        integrationHttpMethod="GET",
        uri="http://nlb:80/",
        connectionType="VPC_LINK",
        connectionId="abc123",
    )
    assert ag.get_integration(restApiId=api, resourceId=root, httpMethod="GET")["connectionId"] == "abc123"
    method = ag.get_method(restApiId=api, resourceId=root, httpMethod="GET")
    assert method["methodIntegration"]["connectionId"] == "abc123"
    with pytest.raises(ClientError) as excinfo:
        ag.put_integration(
            restApiId=api,
            resourceId=root,
            httpMethod="GET",
            type="HTTP_PROXY",
            integrationHttpMethod="GET",
            uri="http://nlb:80/",
            connectionType="VPC_LINK",
        )
    assert error_code(excinfo) == "BadRequestException"


def test_g2b_update_integration(aws):
    ag = aws.client("apigateway")
    api, root = make_api_method(ag, "ANY")
    ag.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri="http://nlb:8080/",
        connectionType="VPC_LINK",
        connectionId="abc123",
        requestParameters={"integration.request.header.x-old": "'1'"},
    )
    ops = [
        {"op": "replace", "path": "/connectionId", "value": "x"},
        {"op": "replace", "path": "/uri", "value": "http://nlb:8443/{proxy}"},
        {"op": "replace", "path": "/timeoutInMillis", "value": "10000"},
        {"op": "replace", "path": "/httpMethod", "value": "POST"},
        {
            "op": "add",
            "path": "/requestParameters/integration.request.path.proxy",
            "value": "method.request.path.proxy",
        },
        {"op": "remove", "path": "/requestParameters/integration.request.header.x-old"},
    ]
    updated = ag.update_integration(restApiId=api, resourceId=root, httpMethod="ANY", patchOperations=ops)
    current = ag.get_integration(restApiId=api, resourceId=root, httpMethod="ANY")
    for result in (updated, current):
        assert result["connectionId"] == "x"
        assert result["uri"] == "http://nlb:8443/{proxy}"
        assert result["timeoutInMillis"] == 10000
        assert result["httpMethod"] == "POST"
        assert result["requestParameters"] == {"integration.request.path.proxy": "method.request.path.proxy"}

    ag.update_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="ANY",
        patchOperations=[
            {"op": "replace", "path": "/connectionType", "value": "INTERNET"},
            {"op": "replace", "path": "/uri", "value": "https://example.com/"},
        ],
    )
    current = ag.get_integration(restApiId=api, resourceId=root, httpMethod="ANY")
    assert current["connectionType"] == "INTERNET" and "connectionId" not in current
    with pytest.raises(ClientError) as excinfo:
        ag.update_integration(
            restApiId=api,
            resourceId=root,
            httpMethod="ANY",
            patchOperations=[{"op": "replace", "path": "/bogus", "value": "1"}],
        )
    assert error_code(excinfo) == "BadRequestException"


def test_g2b_update_method(aws):
    ag = aws.client("apigateway")
    api, root = make_api_method(ag, "ANY")
    ops = [
        {"op": "add", "path": "/requestParameters/method.request.path.proxy", "value": "true"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
    ]
    updated = ag.update_method(restApiId=api, resourceId=root, httpMethod="ANY", patchOperations=ops)
    current = ag.get_method(restApiId=api, resourceId=root, httpMethod="ANY")
    for result in (updated, current):
        assert result["requestParameters"] == {"method.request.path.proxy": True}
        assert result["apiKeyRequired"] is True
        assert result["authorizationType"] == "AWS_IAM"
    ag.update_method(
        restApiId=api,
        resourceId=root,
        httpMethod="ANY",
        patchOperations=[{"op": "remove", "path": "/requestParameters/method.request.path.proxy"}],
    )
    assert not ag.get_method(restApiId=api, resourceId=root, httpMethod="ANY").get("requestParameters")
    with pytest.raises(ClientError) as excinfo:
        ag.update_method(restApiId=api, resourceId=root, httpMethod="GET", patchOperations=ops)
    assert error_code(excinfo) == "NotFoundException"


def test_g16_deleted_integration_and_method_are_gone(aws):
    ag = aws.client("apigateway")
    api, root = make_api_method(ag)
    ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    ag.delete_integration(restApiId=api, resourceId=root, httpMethod="GET")
    with pytest.raises(ClientError) as excinfo:
        ag.get_integration(restApiId=api, resourceId=root, httpMethod="GET")
    assert error_code(excinfo) == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ag.delete_integration(restApiId=api, resourceId=root, httpMethod="GET")
    assert error_code(excinfo) == "NotFoundException"
    ag.delete_method(restApiId=api, resourceId=root, httpMethod="GET")
    with pytest.raises(ClientError) as excinfo:
        ag.get_method(restApiId=api, resourceId=root, httpMethod="GET")
    assert error_code(excinfo) == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ag.delete_method(restApiId=api, resourceId=root, httpMethod="GET")
    assert error_code(excinfo) == "NotFoundException"


def test_g16_deleted_resources_and_apis_are_gone(aws):
    ag = aws.client("apigateway")
    api, root = make_api_method(ag)
    payments = ag.create_resource(restApiId=api, parentId=root, pathPart="payments")["id"]
    proxy = ag.create_resource(restApiId=api, parentId=payments, pathPart="{proxy+}")["id"]
    cards = ag.create_resource(restApiId=api, parentId=root, pathPart="cards")["id"]
    ag.delete_resource(restApiId=api, resourceId=payments)
    assert sorted(r["path"] for r in ag.get_resources(restApiId=api)["items"]) == ["/", "/cards"]
    for resource_id in (payments, proxy):
        with pytest.raises(ClientError) as excinfo:
            ag.get_resource(restApiId=api, resourceId=resource_id)
        assert error_code(excinfo) == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ag.delete_resource(restApiId=api, resourceId=payments)
    assert error_code(excinfo) == "NotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ag.delete_resource(restApiId=api, resourceId=root)
    assert error_code(excinfo) == "BadRequestException"
    assert ag.get_resource(restApiId=api, resourceId=cards)["path"] == "/cards"
    ag.delete_rest_api(restApiId=api)
    with pytest.raises(ClientError) as excinfo:
        ag.delete_rest_api(restApiId=api)
    assert error_code(excinfo) == "NotFoundException"


def test_g17_create_resource_refuses_clashing_sibling(aws):
    ag = aws.client("apigateway")
    api, root = make_api_method(ag)
    payments = ag.create_resource(restApiId=api, parentId=root, pathPart="payments")["id"]
    ag.create_resource(restApiId=api, parentId=payments, pathPart="{proxy+}")
    with pytest.raises(ClientError) as excinfo:
        ag.create_resource(restApiId=api, parentId=root, pathPart="payments")
    assert error_code(excinfo) == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        ag.create_resource(restApiId=api, parentId=payments, pathPart="{id}")
    assert error_code(excinfo) == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        ag.create_resource(restApiId=api, parentId="nope000000", pathPart="x")
    assert error_code(excinfo) == "NotFoundException"
    assert len(ag.get_resources(restApiId=api)["items"]) == 3


# ---- G7b -----------------------------------------------------------------------------------------


def openapi_routes(link_id):
    """/payments (GET) and its greedy child (ANY) over a VPC link V1, as rest_api imports them."""
    integration = {
        "type": "http_proxy",
        "uri": "http://nlb.internal:8080/",
        "httpMethod": "GET",
        "connectionType": "VPC_LINK",
        "connectionId": link_id,
        "timeoutInMillis": 29000,
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "open-banking", "version": "1"},
        "paths": {
            "/payments": {"get": {"x-amazon-apigateway-integration": integration}},
            "/payments/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "parameters": [{"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "x-amazon-apigateway-integration": dict(
                        integration,
                        uri="http://nlb.internal:8080/{proxy}",
                        httpMethod="ANY",
                        requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
                    ),
                }
            },
        },
    }


def resource_tree(ag, api_id):
    return {item["path"]: item for item in ag.get_resources(restApiId=api_id, embed=["methods"])["items"]}


def test_g7b_put_rest_api_makes_methods_and_private_integrations(aws):
    ag = aws.client("apigateway")
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    document = json.dumps(openapi_routes("link1")).encode()
    ag.put_rest_api(restApiId=api["id"], mode="merge", body=document)

    tree = resource_tree(ag, api["id"])
    assert sorted(tree) == ["/", "/payments", "/payments/{proxy+}"]
    assert list(tree["/payments/{proxy+}"]["resourceMethods"]) == ["ANY"]
    proxy = ag.get_method(restApiId=api["id"], resourceId=tree["/payments/{proxy+}"]["id"], httpMethod="ANY")
    assert proxy["authorizationType"] == "NONE"
    assert proxy["requestParameters"] == {"method.request.path.proxy": True}
    integration = proxy["methodIntegration"]
    assert (integration["type"], integration["connectionType"], integration["connectionId"]) == (
        "HTTP_PROXY",
        "VPC_LINK",
        "link1",
    )
    assert integration["uri"] == "http://nlb.internal:8080/{proxy}" and integration["httpMethod"] == "ANY"
    assert integration["requestParameters"] == {"integration.request.path.proxy": "method.request.path.proxy"}
    assert int(integration["timeoutInMillis"]) == 29000
    get = ag.get_integration(restApiId=api["id"], resourceId=tree["/payments"]["id"], httpMethod="GET")
    assert get["connectionId"] == "link1"

    # merge mode adds to what the API has: the same document again makes no second /payments
    ag.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(openapi_routes("link2")).encode())
    again = resource_tree(ag, api["id"])
    assert sorted(again) == ["/", "/payments", "/payments/{proxy+}"]
    assert again["/payments"]["id"] == tree["/payments"]["id"]
    get = ag.get_integration(restApiId=api["id"], resourceId=tree["/payments"]["id"], httpMethod="GET")
    assert get["connectionId"] == "link2"

    # a private integration without its link is refused, as PutIntegration refuses it
    broken = openapi_routes("link1")
    del broken["paths"]["/payments"]["get"]["x-amazon-apigateway-integration"]["connectionId"]
    with pytest.raises(ClientError) as excinfo:
        ag.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(broken).encode())
    assert error_code(excinfo) == "BadRequestException"


def test_g7b_an_import_is_checked_whole_before_anything_is_made(aws):
    ec2, ag = aws.client("ec2"), aws.client("apigateway")
    vpc_id, _nlb = make_nlb(aws)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]]
    group = ec2.create_security_group(GroupName="link", Description="link", VpcId=vpc_id)["GroupId"]
    v2_link = aws.client("apigatewayv2").create_vpc_link(Name="gw-v2", SubnetIds=subnets, SecurityGroupIds=[group])[
        "VpcLinkId"
    ]
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    # /payments is fine, its greedy child names a VPC link V2 without the load balancer it reaches
    document = openapi_routes("link1")
    document["paths"]["/payments/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"][
        "connectionId"
    ] = v2_link
    with pytest.raises(ClientError) as excinfo:
        ag.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(document).encode())
    assert error_code(excinfo) == "BadRequestException"
    assert "IntegrationTarget is required for VpcLinkV2" in str(excinfo.value)
    assert sorted(resource_tree(ag, api["id"])) == ["/"]


def test_g7b_import_rest_api_without_a_description(aws):
    ag = aws.client("apigateway")
    api = ag.import_rest_api(body=json.dumps(openapi_routes("link1")).encode())
    assert api["name"] == "open-banking"
    assert sorted(resource_tree(ag, api["id"])) == ["/", "/payments", "/payments/{proxy+}"]


def test_g7b_security_requirements_are_refused_not_dropped(aws):
    """The emulator's own limit (tools/emulator/README.md), not AWS behaviour: a method an import would
    protect is refused rather than made open to anyone."""
    ag = aws.client("apigateway")
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    document = openapi_routes("link1")
    document["paths"]["/payments"]["get"]["security"] = [{"api_key": []}]
    with pytest.raises(ClientError) as excinfo:
        ag.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(document).encode())
    assert error_code(excinfo) == "BadRequestException" and "security" in str(excinfo.value)


# ---- G3 / G4 / G13 -------------------------------------------------------------------------------


def test_g3_update_vpc_link(aws):
    ag = aws.client("apigateway")
    _vpc, nlb = make_nlb(aws)
    link = ag.create_vpc_link(name="old", description="d1", targetArns=[nlb])
    ops = [{"op": "replace", "path": "/name", "value": "new"}, {"op": "replace", "path": "/description", "value": "d2"}]
    updated = ag.update_vpc_link(vpcLinkId=link["id"], patchOperations=ops)
    current = ag.get_vpc_link(vpcLinkId=link["id"])
    for result in (updated, current):
        assert (result["name"], result["description"], result["targetArns"]) == ("new", "d2", [nlb])
    with pytest.raises(ClientError) as excinfo:
        ag.update_vpc_link(
            vpcLinkId=link["id"], patchOperations=[{"op": "replace", "path": "/targetArns", "value": "x"}]
        )
    assert error_code(excinfo) == "BadRequestException"


def test_g4_tags_on_rest_api_and_vpc_link(aws):
    ag = aws.client("apigateway")
    _vpc, nlb = make_nlb(aws)
    api = ag.create_rest_api(name="open-banking", tags={"ManagedBy": "multiaccount.apigateway", "old": "1"})
    link = ag.create_vpc_link(name="gw", targetArns=[nlb], tags={"ManagedBy": "multiaccount.apigateway"})
    api_arn = f"arn:aws:apigateway:{REGION}::/restapis/{api['id']}"
    link_arn = f"arn:aws:apigateway:{REGION}::/vpclinks/{link['id']}"

    ag.tag_resource(resourceArn=api_arn, tags={"team": "platform"})
    ag.untag_resource(resourceArn=api_arn, tagKeys=["old"])
    expected = {"ManagedBy": "multiaccount.apigateway", "team": "platform"}
    assert ag.get_tags(resourceArn=api_arn)["tags"] == expected
    assert ag.get_rest_api(restApiId=api["id"])["tags"] == expected

    ag.tag_resource(resourceArn=link_arn, tags={"env": "test"})
    expected = {"ManagedBy": "multiaccount.apigateway", "env": "test"}
    assert ag.get_tags(resourceArn=link_arn)["tags"] == expected
    assert ag.get_vpc_link(vpcLinkId=link["id"])["tags"] == expected
    assert ag.get_vpc_links()["items"][0]["tags"] == expected
    ag.untag_resource(resourceArn=link_arn, tagKeys=["env"])
    assert ag.get_tags(resourceArn=link_arn)["tags"] == {"ManagedBy": "multiaccount.apigateway"}


def test_g13_vpc_link_lifecycle(aws, emulator):
    ag, agv2 = aws.client("apigateway"), aws.client("apigatewayv2")
    vpc, nlb = make_nlb(aws)
    _vpc, alb = make_nlb(aws, name="web", lb_type="application")
    subnets = [
        s["SubnetId"]
        for s in aws.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    ]

    # a link is PENDING for its window after creation; no assertion here races that clock
    emulator.knobs(vpc_link_pending_seconds=3600)
    slow = ag.create_vpc_link(name="slow", targetArns=[nlb])
    slow2 = agv2.create_vpc_link(Name="slow2", SubnetIds=subnets, SecurityGroupIds=[])
    assert slow["status"] == "PENDING"
    assert ag.get_vpc_link(vpcLinkId=slow["id"])["status"] == "PENDING"
    assert agv2.get_vpc_link(VpcLinkId=slow2["VpcLinkId"])["VpcLinkStatus"] == "PENDING"
    # ... and AVAILABLE once the window has passed (waiting longer only makes this truer)
    emulator.knobs(vpc_link_pending_seconds=0.2)
    v1 = ag.create_vpc_link(name="gw", targetArns=[nlb])
    v2 = agv2.create_vpc_link(Name="gw2", SubnetIds=subnets, SecurityGroupIds=[])
    time.sleep(0.3)
    assert ag.get_vpc_link(vpcLinkId=v1["id"])["status"] == "AVAILABLE"
    assert agv2.get_vpc_link(VpcLinkId=v2["VpcLinkId"])["VpcLinkStatus"] == "AVAILABLE"
    assert ag.get_vpc_link(vpcLinkId=slow["id"])["status"] == "PENDING"
    # a hold keeps the links created while it lasts PENDING until it ends; a new hold_seconds moves
    # its end and keeps what it covers
    emulator.knobs(vpc_link_pending_seconds=0)
    assert emulator.knobs(hold_seconds=3600)["hold_seconds_left"] > 3500
    held = ag.create_vpc_link(name="held", targetArns=[nlb])
    held2 = agv2.create_vpc_link(Name="held2", SubnetIds=subnets, SecurityGroupIds=[])
    assert ag.get_vpc_link(vpcLinkId=held["id"])["status"] == "PENDING"
    assert agv2.get_vpc_link(VpcLinkId=held2["VpcLinkId"])["VpcLinkStatus"] == "PENDING"
    assert ag.get_vpc_link(vpcLinkId=v1["id"])["status"] == "AVAILABLE"  # created before the hold
    assert emulator.knobs(hold_seconds=1800)["hold_seconds_left"] <= 1800
    assert ag.get_vpc_link(vpcLinkId=held["id"])["status"] == "PENDING"
    assert emulator.knobs(hold_seconds=0)["hold_seconds_left"] == 0
    assert ag.get_vpc_link(vpcLinkId=held["id"])["status"] == "AVAILABLE"
    assert agv2.get_vpc_link(VpcLinkId=held2["VpcLinkId"])["VpcLinkStatus"] == "AVAILABLE"
    ag.delete_vpc_link(vpcLinkId=slow["id"])
    ag.delete_vpc_link(vpcLinkId=held["id"])
    agv2.delete_vpc_link(VpcLinkId=slow2["VpcLinkId"])
    agv2.delete_vpc_link(VpcLinkId=held2["VpcLinkId"])

    # a REST link needs an NLB of the same account and region
    for bad in (alb, nlb.replace("/gw/", "/gone/"), nlb.replace(ACCOUNT_A, ACCOUNT_B)):
        failed = ag.get_vpc_link(vpcLinkId=ag.create_vpc_link(name="bad", targetArns=[bad])["id"])
        assert failed["status"] == "FAILED" and failed["statusMessage"], bad

    for call in (lambda: ag.delete_vpc_link(vpcLinkId="nope123"), lambda: agv2.delete_vpc_link(VpcLinkId="nope123")):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "NotFoundException"

    # a link used by an integration cannot be deleted (teardown order: integrations first)
    api, root = make_api_method(ag)
    ag.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="GET",
        type="HTTP_PROXY",
        integrationHttpMethod="GET",
        uri="http://nlb:80/",
        connectionType="VPC_LINK",
        connectionId=v1["id"],
    )
    with pytest.raises(ClientError) as excinfo:
        ag.delete_vpc_link(vpcLinkId=v1["id"])
    assert error_code(excinfo) == "BadRequestException" and f"GET:{root}" in str(excinfo.value)
    ag.delete_integration(restApiId=api, resourceId=root, httpMethod="GET")
    ag.delete_vpc_link(vpcLinkId=v1["id"])
    agv2.delete_vpc_link(VpcLinkId=v2["VpcLinkId"])


# ---- G5 ------------------------------------------------------------------------------------------


def test_g5_security_group_names_peer_account_group(aws):
    ea, eb = aws.client("ec2"), aws.client("ec2", ACCOUNT_B)
    a = make_vpc(ea, "10.100.0.0/16")
    b = make_vpc(eb, "10.0.0.0/16")
    sga = ea.create_security_group(GroupName="gw-nlb", Description="gateway NLB", VpcId=a)["GroupId"]
    sgb = eb.create_security_group(GroupName="payments", Description="service", VpcId=b)["GroupId"]
    rule = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "UserIdGroupPairs": [{"UserId": ACCOUNT_B, "GroupId": sgb}],
    }
    with pytest.raises(ClientError) as excinfo:  # no peering yet: AWS refuses too
        ea.authorize_security_group_ingress(GroupId=sga, IpPermissions=[rule])
    assert error_code(excinfo) == "InvalidGroup.NotFound"

    peer(ea, eb, a, b, ACCOUNT_B)
    ea.authorize_security_group_ingress(GroupId=sga, IpPermissions=[rule])  # the vector: must succeed
    (group,) = ea.describe_security_groups(GroupIds=[sga])["SecurityGroups"]
    pairs = [p for perm in group["IpPermissions"] for p in perm["UserIdGroupPairs"]]
    assert [(p["UserId"], p["GroupId"]) for p in pairs] == [(ACCOUNT_B, sgb)]
    with pytest.raises(ClientError) as excinfo:
        ea.authorize_security_group_ingress(GroupId=sga, IpPermissions=[rule])
    assert error_code(excinfo) == "InvalidPermission.Duplicate"
    ea.revoke_security_group_ingress(GroupId=sga, IpPermissions=[rule])
    (group,) = ea.describe_security_groups(GroupIds=[sga])["SecurityGroups"]
    assert group["IpPermissions"] == []


# ---- G6a / G6b / G6c / G11 -----------------------------------------------------------------------


def test_g6a_nlb_arn_says_net(aws):
    _vpc, nlb = make_nlb(aws)
    _vpc, alb = make_nlb(aws, name="web", lb_type="application")
    assert f":{ACCOUNT_A}:loadbalancer/net/gw/" in nlb
    assert ":loadbalancer/app/web/" in alb
    elb = aws.client("elbv2")
    (described,) = elb.describe_load_balancers(LoadBalancerArns=[nlb])["LoadBalancers"]
    assert described["Type"] == "network" and described["LoadBalancerArn"] == nlb


def test_g6b_target_availability_zone_kept(aws):
    elb = aws.client("elbv2")
    vpc, _nlb = make_nlb(aws)
    tg = make_ip_group(aws, vpc)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.1.25", "Port": 8080, "AvailabilityZone": "all"}])
    (health,) = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert health["Target"] == {"Id": "10.0.1.25", "Port": 8080, "AvailabilityZone": "all"}


def test_g6b_target_availability_zone_validated(aws):
    elb = aws.client("elbv2")
    vpc, _nlb = make_nlb(aws)  # subnets 10.100.1.0/24 (us-east-1a) and 10.100.2.0/24 (us-east-1b)
    tg = make_ip_group(aws, vpc)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.100.2.9"}])
    (health,) = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert health["Target"]["AvailabilityZone"] == "us-east-1b"
    for bad in (
        {"Id": "10.100.1.9", "AvailabilityZone": "all"},  # inside the VPC: 'all' is refused
        {"Id": "10.0.1.25"},  # outside the VPC: a zone (normally 'all') is required
        {"Id": "not-an-ip", "AvailabilityZone": "all"},
    ):
        with pytest.raises(ClientError) as excinfo:
            elb.register_targets(TargetGroupArn=tg, Targets=[bad])
        assert error_code(excinfo) == "ValidationError", bad


def test_g10_duplicate_load_balancer_and_listener(aws):
    elb = aws.client("elbv2")
    vpc, nlb = make_nlb(aws)
    (described,) = elb.describe_load_balancers(LoadBalancerArns=[nlb])["LoadBalancers"]
    subnets = [z["SubnetId"] for z in described["AvailabilityZones"]]
    again = elb.create_load_balancer(Name="gw", Subnets=subnets, Type="network", Scheme="internal")
    assert again["LoadBalancers"][0]["LoadBalancerArn"] == nlb  # same settings: idempotent
    with pytest.raises(ClientError) as excinfo:
        elb.create_load_balancer(Name="gw", Subnets=subnets[:1], Type="network", Scheme="internal")
    assert error_code(excinfo) == "DuplicateLoadBalancerName"
    assert len(elb.describe_load_balancers()["LoadBalancers"]) == 1

    tg1, tg2 = make_ip_group(aws, vpc), make_ip_group(aws, vpc, port=8443, name="other")

    def listener(tg):
        actions = [{"Type": "forward", "TargetGroupArn": tg}]
        return elb.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=8080, DefaultActions=actions)

    first = listener(tg1)["Listeners"][0]["ListenerArn"]
    assert listener(tg1)["Listeners"][0]["ListenerArn"] == first
    with pytest.raises(ClientError) as excinfo:
        listener(tg2)
    assert error_code(excinfo) == "DuplicateListener"
    assert len(elb.describe_listeners(LoadBalancerArn=nlb)["Listeners"]) == 1


def test_g6c_nlb_in_use_by_vpc_link(aws):
    ag, elb = aws.client("apigateway"), aws.client("elbv2")
    _vpc, nlb = make_nlb(aws)
    link = ag.create_vpc_link(name="gw", targetArns=[nlb])
    with pytest.raises(ClientError) as excinfo:
        elb.delete_load_balancer(LoadBalancerArn=nlb)
    assert error_code(excinfo) == "ResourceInUse" and link["id"] in str(excinfo.value)
    assert elb.describe_load_balancers(LoadBalancerArns=[nlb])["LoadBalancers"]
    ag.delete_vpc_link(vpcLinkId=link["id"])
    elb.delete_load_balancer(LoadBalancerArn=nlb)


def test_g11_same_ip_two_ports_are_two_targets(aws, emulator):
    elb = aws.client("elbv2")
    vpc, _nlb = make_nlb(aws)
    tg = make_ip_group(aws, vpc, port=8080)
    targets = [{"Id": "10.0.1.25", "Port": port, "AvailabilityZone": "all"} for port in (8080, 8443)]
    elb.register_targets(TargetGroupArn=tg, Targets=targets)

    def registered():
        return sorted(
            (h["Target"]["Id"], h["Target"]["Port"])
            for h in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        )

    assert registered() == [("10.0.1.25", 8080), ("10.0.1.25", 8443)]
    (one,) = elb.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": "10.0.1.25", "Port": 8443}])[
        "TargetHealthDescriptions"
    ]
    assert one["Target"]["Port"] == 8443 and one["TargetHealth"]["State"] == "healthy"
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.1.25", "Port": 8080}])
    assert registered() == [("10.0.1.25", 8443)]
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.1.25", "Port": 8443}])
    assert registered() == []

    # realism: new targets are "initial" for a while
    emulator.knobs(target_initial_seconds=30)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.1.26", "AvailabilityZone": "all"}])
    (health,) = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert health["TargetHealth"]["State"] == "initial"
    assert health["TargetHealth"]["Reason"] == "Elb.RegistrationInProgress"
    emulator.knobs(target_initial_seconds=0)
    (health,) = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert health["TargetHealth"]["State"] == "healthy"
    # a hold keeps the targets registered while it lasts initial until it ends
    emulator.knobs(hold_seconds=3600)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.1.27", "AvailabilityZone": "all"}])

    def states():
        return {
            h["Target"]["Id"]: h["TargetHealth"]["State"]
            for h in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        }

    assert states() == {"10.0.1.26": "healthy", "10.0.1.27": "initial"}
    emulator.knobs(hold_seconds=0)
    assert states() == {"10.0.1.26": "healthy", "10.0.1.27": "healthy"}


# ---- G14 / G15 -----------------------------------------------------------------------------------


def test_g14_overlapping_peering_fails(aws):
    ec2 = aws.client("ec2")
    a = make_vpc(ec2, "10.0.0.0/16")
    b = make_vpc(ec2, "10.0.128.0/17")
    pcx_id = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    (pcx,) = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
    assert pcx["Status"]["Code"] == "failed"
    with pytest.raises(ClientError):
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)


def test_g15_route_via_deleted_peering_is_blackhole(aws):
    ec2 = aws.client("ec2")
    a = make_vpc(ec2, "10.0.0.0/16")
    b = make_vpc(ec2, "10.1.0.0/16")
    pcx_id = peer(ec2, ec2, a, b, ACCOUNT_A)
    rtb = ec2.create_route_table(VpcId=a)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx_id)

    def state():
        (table,) = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"]
        return [r["State"] for r in table["Routes"] if r.get("VpcPeeringConnectionId") == pcx_id]

    assert state() == ["active"]
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert state() == ["blackhole"]


# ---- G18 / G18b / G18c ---------------------------------------------------------------------------


def make_provider_vpc(ec2):
    """A VPC with one subnet, the provider's own group and two groups of ours; returns their ids."""
    vpc_id, (subnet_id,) = make_vpc_with_subnets(ec2, "10.0.0.0/16", [("10.0.1.0/24", "us-east-1a")])
    groups = {
        name: ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
        for name in ("provider", "svc-a", "svc-b")
    }
    return vpc_id, subnet_id, groups


def launch(ec2, subnet_id, ip, group_ids, via_interface=False):
    image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    if via_interface:
        spec = {"DeviceIndex": 0, "SubnetId": subnet_id, "PrivateIpAddress": ip, "Groups": group_ids}
        params = {"NetworkInterfaces": [spec]}
    else:
        params = {"SubnetId": subnet_id, "PrivateIpAddress": ip, "SecurityGroupIds": group_ids}
    (instance,) = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, **params)["Instances"]
    return instance["InstanceId"], instance["NetworkInterfaces"][0]["NetworkInterfaceId"]


def eni_ids(ec2, name, values, vpc_id):
    filters = [{"Name": name, "Values": values}, {"Name": "vpc-id", "Values": [vpc_id]}]
    return sorted(
        eni["NetworkInterfaceId"] for eni in ec2.describe_network_interfaces(Filters=filters)["NetworkInterfaces"]
    )


def eni_group_names(ec2, eni_id):
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    return sorted(group["GroupName"] for group in eni["Groups"])


def instance_group_names(ec2, instance_id):
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return sorted(group["GroupName"] for group in reservation["Instances"][0]["SecurityGroups"])


def test_g18_group_id_filter_matches_any_value(aws):
    ec2 = aws.client("ec2")
    vpc_id, subnet_id, groups = make_provider_vpc(ec2)
    with_a = ec2.create_network_interface(
        SubnetId=subnet_id, PrivateIpAddress="10.0.1.10", Groups=[groups["provider"], groups["svc-a"]]
    )["NetworkInterface"]["NetworkInterfaceId"]
    with_b = ec2.create_network_interface(
        SubnetId=subnet_id, PrivateIpAddress="10.0.1.20", Groups=[groups["svc-b"], groups["provider"]]
    )["NetworkInterface"]["NetworkInterfaceId"]
    only_provider = ec2.create_network_interface(
        SubnetId=subnet_id, PrivateIpAddress="10.0.1.30", Groups=[groups["provider"]]
    )["NetworkInterface"]["NetworkInterfaceId"]

    # Several values: every interface that carries one of them, whatever else it carries.
    assert eni_ids(ec2, "group-id", [groups["svc-a"], groups["svc-b"]], vpc_id) == sorted([with_a, with_b])
    assert eni_ids(ec2, "group-name", ["svc-a", "svc-b"], vpc_id) == sorted([with_a, with_b])
    # One value still matches an interface with more groups; an unused group matches nothing.
    assert eni_ids(ec2, "group-id", [groups["svc-a"]], vpc_id) == [with_a]
    assert eni_ids(ec2, "group-id", [groups["provider"]], vpc_id) == sorted([with_a, with_b, only_provider])
    assert eni_ids(ec2, "group-id", ["sg-0123456789abcdef0"], vpc_id) == []


def test_g18b_private_ip_filter_matches_secondary_addresses(aws):
    ec2 = aws.client("ec2")
    vpc_id, subnet_id, groups = make_provider_vpc(ec2)
    primary_eni = launch(ec2, subnet_id, "10.0.1.10", [groups["provider"]])[1]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=primary_eni, PrivateIpAddresses=["10.0.1.11"])
    other = ec2.create_network_interface(SubnetId=subnet_id, PrivateIpAddress="10.0.1.20", Groups=[groups["provider"]])[
        "NetworkInterface"
    ]["NetworkInterfaceId"]

    for name in ("addresses.private-ip-address", "private-ip-address"):
        assert eni_ids(ec2, name, ["10.0.1.11"], vpc_id) == [primary_eni], name
        assert eni_ids(ec2, name, ["10.0.1.11", "10.0.1.20"], vpc_id) == sorted([primary_eni, other]), name
        assert eni_ids(ec2, name, ["10.0.1.10", "10.0.1.11"], vpc_id) == [primary_eni], name
        assert eni_ids(ec2, name, ["10.0.1.99"], vpc_id) == [], name


def test_g18c_interface_and_instance_groups_are_one_set(aws):
    ec2 = aws.client("ec2")
    subnet_id, groups = make_provider_vpc(ec2)[1:]
    instance_id, eni_id = launch(ec2, subnet_id, "10.0.1.10", [groups["provider"]])

    # Our group joins the interface, then the provider's launch group is removed from it.
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[groups["provider"], groups["svc-a"]])
    assert eni_group_names(ec2, eni_id) == ["provider", "svc-a"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[groups["svc-a"]])
    assert eni_group_names(ec2, eni_id) == ["svc-a"]
    assert instance_group_names(ec2, instance_id) == ["svc-a"]

    # ModifyInstanceAttribute replaces the groups of the primary interface.
    ec2.modify_instance_attribute(InstanceId=instance_id, Groups=[groups["svc-b"]])
    assert eni_group_names(ec2, eni_id) == ["svc-b"]
    assert instance_group_names(ec2, instance_id) == ["svc-b"]


def test_g18c_instance_launched_with_interface_groups_has_them(aws):
    ec2 = aws.client("ec2")
    subnet_id, groups = make_provider_vpc(ec2)[1:]
    instance_id, eni_id = launch(ec2, subnet_id, "10.0.1.10", [groups["svc-a"], groups["svc-b"]], via_interface=True)
    assert instance_group_names(ec2, instance_id) == ["svc-a", "svc-b"]
    assert eni_group_names(ec2, eni_id) == ["svc-a", "svc-b"]


# ---- G19 -----------------------------------------------------------------------------------------


def refused(call, code="DependencyViolation"):
    with pytest.raises(ClientError) as excinfo:
        call()
    assert error_code(excinfo) == code, excinfo.value


def vpc_exists(ec2, vpc_id):
    return bool(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"])


def in_vpc(ec2, what, vpc_id):
    """Ids of the security groups / route tables of a VPC."""
    describe, key, id_key = {
        "groups": (ec2.describe_security_groups, "SecurityGroups", "GroupId"),
        "tables": (ec2.describe_route_tables, "RouteTables", "RouteTableId"),
    }[what]
    return [item[id_key] for item in describe(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[key]]


def test_g19_clean_vpc_deletes_with_its_default_group_and_main_table(aws):
    ec2 = aws.client("ec2")
    vpc_id = make_vpc(ec2, "10.0.0.0/16")
    (default,) = in_vpc(ec2, "groups", vpc_id)
    (main,) = in_vpc(ec2, "tables", vpc_id)
    # a user deletes neither; DeleteVpc does, once nothing else is left
    refused(lambda: ec2.delete_route_table(RouteTableId=main))
    refused(lambda: ec2.delete_security_group(GroupId=default), "CannotDelete")
    other = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    ec2.delete_route_table(RouteTableId=other)
    ec2.delete_vpc(VpcId=vpc_id)
    assert not vpc_exists(ec2, vpc_id)
    assert in_vpc(ec2, "groups", vpc_id) == [] and in_vpc(ec2, "tables", vpc_id) == []
    refused(lambda: ec2.describe_route_tables(RouteTableIds=[main]), "InvalidRouteTableID.NotFound")
    refused(lambda: ec2.describe_security_groups(GroupIds=[default]), "InvalidGroup.NotFound")
    refused(lambda: ec2.delete_vpc(VpcId=vpc_id), "InvalidVpcID.NotFound")


def test_g19_delete_vpc_refused_while_it_holds_things(aws):
    ec2 = aws.client("ec2")
    vpc_id = make_vpc(ec2, "10.0.0.0/16")

    # a security group other than the default group
    group_id = ec2.create_security_group(GroupName="svc", Description="svc", VpcId=vpc_id)["GroupId"]
    refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    ec2.delete_security_group(GroupId=group_id)

    # an attached internet gateway
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    assert vpc_exists(ec2, vpc_id)
    ec2.delete_vpc(VpcId=vpc_id)
    assert not vpc_exists(ec2, vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw)


def test_g19_interface_and_load_balancer_go_before_subnets_and_vpc(aws):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc_id, lb = make_nlb(aws)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]]
    eni = ec2.create_network_interface(SubnetId=subnets[0])["NetworkInterface"]["NetworkInterfaceId"]
    for subnet_id in subnets:
        refused(lambda subnet_id=subnet_id: ec2.delete_subnet(SubnetId=subnet_id))
    refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    elb.delete_load_balancer(LoadBalancerArn=lb)
    ec2.delete_subnet(SubnetId=subnets[1])
    refused(lambda: ec2.delete_subnet(SubnetId=subnets[0]))
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_subnet(SubnetId=subnets[0])
    ec2.delete_vpc(VpcId=vpc_id)
    assert not vpc_exists(ec2, vpc_id)


def test_g19_delete_subnet_refused_while_instance_runs(aws):
    ec2 = aws.client("ec2")
    vpc_id, (plain, via_spec, kept) = make_vpc_with_subnets(
        ec2,
        "10.0.0.0/16",
        [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1a"), ("10.0.3.0/24", "us-east-1a")],
    )
    image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    first = launch(ec2, plain, "10.0.1.10", [])[0]
    second = launch(ec2, via_spec, "10.0.2.10", [], via_interface=True)[0]
    # an interface created by the launch with DeleteOnTermination false outlives the instance (AWS too)
    spec = {"DeviceIndex": 0, "SubnetId": kept, "DeleteOnTermination": False}
    (third,) = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, NetworkInterfaces=[spec])["Instances"]
    for subnet_id in (plain, via_spec, kept):
        refused(lambda subnet_id=subnet_id: ec2.delete_subnet(SubnetId=subnet_id))

    ec2.terminate_instances(InstanceIds=[first, second, third["InstanceId"]])
    # the interfaces the launches created go with the instances, unless told otherwise
    remaining = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkInterfaces"]
    assert [eni["SubnetId"] for eni in remaining] == [kept]
    ec2.delete_subnet(SubnetId=plain)
    ec2.delete_subnet(SubnetId=via_spec)
    refused(lambda: ec2.delete_subnet(SubnetId=kept))
    ec2.delete_network_interface(NetworkInterfaceId=remaining[0]["NetworkInterfaceId"])
    ec2.delete_subnet(SubnetId=kept)
    ec2.delete_vpc(VpcId=vpc_id)


def test_g19_delete_subnet_refused_while_load_balancer_or_vpc_link_uses_it(aws):
    ec2, elb, agv2 = aws.client("ec2"), aws.client("elbv2"), aws.client("apigatewayv2")
    vpc_id, lb = make_nlb(aws)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]]
    link = agv2.create_vpc_link(Name="gw2", SubnetIds=subnets[1:], SecurityGroupIds=[])["VpcLinkId"]
    refused(lambda: ec2.delete_subnet(SubnetId=subnets[0]))
    elb.delete_load_balancer(LoadBalancerArn=lb)
    ec2.delete_subnet(SubnetId=subnets[0])
    refused(lambda: ec2.delete_subnet(SubnetId=subnets[1]))
    agv2.delete_vpc_link(VpcLinkId=link)
    ec2.delete_subnet(SubnetId=subnets[1])
    ec2.delete_vpc(VpcId=vpc_id)
    refused(lambda: ec2.delete_subnet(SubnetId=subnets[1]), "InvalidSubnetID.NotFound")


def test_g19_delete_security_group_refused_while_used(aws):
    ec2 = aws.client("ec2")
    vpc_id, subnet_id, groups = make_provider_vpc(ec2)
    (default,) = [g for g in in_vpc(ec2, "groups", vpc_id) if g not in groups.values()]

    # an interface, also an instance's
    eni = ec2.create_network_interface(SubnetId=subnet_id, Groups=[groups["svc-a"]])["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    instance_id = launch(ec2, subnet_id, "10.0.1.10", [groups["svc-b"]])[0]
    refused(lambda: ec2.delete_security_group(GroupId=groups["svc-a"]))
    refused(lambda: ec2.delete_security_group(GroupId=groups["svc-b"]))
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_security_group(GroupId=groups["svc-a"])
    ec2.terminate_instances(InstanceIds=[instance_id])
    ec2.delete_security_group(GroupId=groups["svc-b"])

    # a rule of another group, ingress or egress; a rule of its own does not count
    target = ec2.create_security_group(GroupName="target", Description="t", VpcId=vpc_id)["GroupId"]
    pair = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": target}]}]
    ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=pair)
    for authorize, revoke in (
        (ec2.authorize_security_group_ingress, ec2.revoke_security_group_ingress),
        (ec2.authorize_security_group_egress, ec2.revoke_security_group_egress),
    ):
        authorize(GroupId=groups["provider"], IpPermissions=pair)
        refused(lambda: ec2.delete_security_group(GroupId=target))
        revoke(GroupId=groups["provider"], IpPermissions=pair)
    ec2.delete_security_group(GroupId=target)

    # once nothing uses them, the VPC goes with its default group
    ec2.delete_security_group(GroupId=groups["provider"])
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
    refused(lambda: ec2.describe_security_groups(GroupIds=[default]), "InvalidGroup.NotFound")


def test_g19_delete_security_group_refused_while_load_balancer_or_vpc_link_uses_it(aws):
    ec2, elb, agv2 = aws.client("ec2"), aws.client("elbv2"), aws.client("apigatewayv2")
    vpc_id, subnets = make_vpc_with_subnets(
        ec2, "10.0.0.0/16", [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")]
    )
    lb_group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc_id)["GroupId"]
    link_group = ec2.create_security_group(GroupName="link", Description="link", VpcId=vpc_id)["GroupId"]
    lb = elb.create_load_balancer(Name="web", Subnets=subnets, SecurityGroups=[lb_group], Scheme="internal")
    link = agv2.create_vpc_link(Name="gw2", SubnetIds=subnets, SecurityGroupIds=[link_group])["VpcLinkId"]
    refused(lambda: ec2.delete_security_group(GroupId=lb_group))
    refused(lambda: ec2.delete_security_group(GroupId=link_group))
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"])
    ec2.delete_security_group(GroupId=lb_group)
    agv2.delete_vpc_link(VpcLinkId=link)
    ec2.delete_security_group(GroupId=link_group)


# ---- G20 -----------------------------------------------------------------------------------------


def test_g20_integration_over_vpc_link_v2_names_its_load_balancer(aws):
    ec2, ag = aws.client("ec2"), aws.client("apigateway")
    vpc_id, alb_arn = make_nlb(aws, name="gw-alb", lb_type="application")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]]
    group = ec2.create_security_group(GroupName="link", Description="link", VpcId=vpc_id)["GroupId"]
    link_id = aws.client("apigatewayv2").create_vpc_link(Name="gw-v2", SubnetIds=subnets, SecurityGroupIds=[group])[
        "VpcLinkId"
    ]
    api, root = make_api_method(ag)
    integration = {
        "restApiId": api,
        "resourceId": root,
        "httpMethod": "GET",
        "type": "HTTP_PROXY",
        "integrationHttpMethod": "GET",
        "uri": "http://gw-alb.internal:80/",
        "connectionType": "VPC_LINK",
        "connectionId": link_id,
    }
    with pytest.raises(ClientError) as excinfo:
        ag.put_integration(**integration)
    assert error_code(excinfo) == "BadRequestException"
    assert "IntegrationTarget is required for VpcLinkV2" in str(excinfo.value)

    put = ag.put_integration(integrationTarget=alb_arn, **integration)
    assert put["integrationTarget"] == alb_arn and put["connectionId"] == link_id
    assert ag.get_integration(restApiId=api, resourceId=root, httpMethod="GET")["integrationTarget"] == alb_arn
    method = ag.get_method(restApiId=api, resourceId=root, httpMethod="GET")
    assert method["methodIntegration"]["integrationTarget"] == alb_arn
    items = ag.get_resources(restApiId=api, embed=["methods"])["items"]
    root_item = next(item for item in items if item["path"] == "/")
    assert root_item["resourceMethods"]["GET"]["methodIntegration"]["integrationTarget"] == alb_arn

    # a v1 link id (or any id that is not a v2 link) needs no integration target
    integration["connectionId"] = "abc123"
    assert "integrationTarget" not in ag.put_integration(**integration)
    assert "integrationTarget" not in ag.get_integration(restApiId=api, resourceId=root, httpMethod="GET")


# ---- G22 / G23 -----------------------------------------------------------------------------------


def make_alb_listener(aws):
    """An internal ALB with an HTTP listener (404 by default) and three path rules at 10, 20 and 30."""
    elb = aws.client("elbv2")
    vpc_id, alb = make_nlb(aws, name="web", lb_type="application")
    group = elb.create_target_group(Name="web", Protocol="HTTP", Port=8080, VpcId=vpc_id, TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}
    listener = elb.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[fixed])["Listeners"][
        0
    ]["ListenerArn"]
    rules = {}
    for priority, path in ((10, "/a/*"), (20, "/b/*"), (30, "/c/*")):
        rules[path] = elb.create_rule(
            ListenerArn=listener,
            Priority=priority,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [path]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": group}],
        )["Rules"][0]["RuleArn"]
    return elb, listener, rules


def test_g22_set_rule_priorities_takes_the_new_order_as_a_whole(aws):
    elb, listener, rules = make_alb_listener(aws)

    def order():
        found = elb.describe_rules(ListenerArn=listener)["Rules"]
        return sorted(
            (int(rule["Priority"]), rule["Conditions"][0]["PathPatternConfig"]["Values"][0])
            for rule in found
            if not rule["IsDefault"]
        )

    # a shift: 20 -> 30 while 30 -> 40 (room for a rule at 20)
    elb.set_rule_priorities(
        RulePriorities=[{"RuleArn": rules["/b/*"], "Priority": 30}, {"RuleArn": rules["/c/*"], "Priority": 40}]
    )
    assert order() == [(10, "/a/*"), (30, "/b/*"), (40, "/c/*")]
    # a swap
    elb.set_rule_priorities(
        RulePriorities=[{"RuleArn": rules["/a/*"], "Priority": 30}, {"RuleArn": rules["/b/*"], "Priority": 10}]
    )
    assert order() == [(10, "/b/*"), (30, "/a/*"), (40, "/c/*")]
    # a priority a rule left alone keeps is in use; one named twice is invalid
    with pytest.raises(ClientError) as excinfo:
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": rules["/a/*"], "Priority": 40}])
    assert error_code(excinfo) == "PriorityInUse"
    with pytest.raises(ClientError) as excinfo:
        elb.set_rule_priorities(
            RulePriorities=[{"RuleArn": rules["/a/*"], "Priority": 50}, {"RuleArn": rules["/b/*"], "Priority": 50}]
        )
    assert error_code(excinfo) == "ValidationError"
    assert order() == [(10, "/b/*"), (30, "/a/*"), (40, "/c/*")]


def test_g23_application_load_balancer_needs_two_zones(aws):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    _vpc, subnets = make_vpc_with_subnets(
        ec2,
        "10.100.0.0/16",
        [("10.100.1.0/24", "us-east-1a"), ("10.100.2.0/24", "us-east-1a"), ("10.100.3.0/24", "us-east-1b")],
    )
    for chosen in (subnets[:1], subnets[:2]):
        with pytest.raises(ClientError) as excinfo:
            elb.create_load_balancer(Name="web", Subnets=chosen, Type="application", Scheme="internal")
        assert error_code(excinfo) == "ValidationError"
        assert "two different Availability Zones" in str(excinfo.value)
    assert elb.describe_load_balancers()["LoadBalancers"] == []
    # two zones: fine; a network load balancer may use one
    elb.create_load_balancer(Name="web", Subnets=[subnets[0], subnets[2]], Type="application", Scheme="internal")
    elb.create_load_balancer(Name="gw", Subnets=subnets[:1], Type="network", Scheme="internal")
    assert sorted(lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancers"]) == ["gw", "web"]
