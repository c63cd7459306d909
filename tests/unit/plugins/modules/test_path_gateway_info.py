# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_path_info against moto in-process (no network): discovery, fingerprints, filters."""

import json
from unittest import mock

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import path_reads, rest_apis
from ansible_collections.multiaccount.apigateway.plugins.modules import gateway_path_info

from .moto_harness import mocked_aws, run_module

moto = pytest.importorskip("moto")

REGION = "us-east-1"
TAGS = [
    {"Key": "ManagedBy", "Value": "multiaccount.apigateway"},
    {"Key": "multiaccount:gateway", "Value": "open-banking"},
]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


def run(args, capsys, check_mode=False):
    return run_module(gateway_path_info.main, args, capsys, check_mode, REGION)


def gateway_account():
    """Gateway VPC, tagged NLB with a listener to a tagged IP target group, a link, an API, a peering."""
    ec2 = boto3.client("ec2", region_name=REGION)
    elb = boto3.client("elbv2", region_name=REGION)
    apigw = boto3.client("apigateway", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.100.{n}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    provider_vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other_a = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    other_b = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=provider_vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ec2.create_vpc_peering_connection(VpcId=other_a, PeerVpcId=other_b)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)

    nlb = elb.create_load_balancer(Name="open-banking", Subnets=subnets, Scheme="internal", Type="network", Tags=TAGS)
    nlb = nlb["LoadBalancers"][0]
    unrelated = elb.create_load_balancer(Name="unrelated", Subnets=subnets, Scheme="internal", Type="network")
    tg = elb.create_target_group(
        Name="open-banking-payments",
        Protocol="TCP",
        Port=8080,
        VpcId=vpc,
        TargetType="ip",
        Tags=TAGS + [{"Key": "multiaccount:service", "Value": "payments"}],
    )["TargetGroups"][0]
    elb.create_target_group(Name="unrelated", Protocol="TCP", Port=9000, VpcId=vpc, TargetType="ip")
    elb.register_targets(
        TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.0.1.25", "Port": 8080, "AvailabilityZone": "all"}]
    )
    elb.create_listener(
        LoadBalancerArn=nlb["LoadBalancerArn"],
        Protocol="TCP",
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    link = apigw.create_vpc_link(name="open-banking", targetArns=[nlb["LoadBalancerArn"]])

    api = apigw.create_rest_api(name="open-banking", tags={"ManagedBy": "multiaccount.apigateway"})
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    for part in ("payments", "other"):
        resource = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart=part)["id"]
        apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod="ANY", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api["id"],
            resourceId=resource,
            httpMethod="ANY",
            type="HTTP_PROXY",
            integrationHttpMethod="ANY",
            uri=f"http://{nlb['DNSName']}:8080/",
            connectionType="VPC_LINK",
            connectionId=link["id"],
        )
    return {
        "vpc": vpc,
        "subnets": subnets,
        "pcx": pcx,
        "table": table,
        "nlb": nlb,
        "unrelated": unrelated["LoadBalancers"][0]["LoadBalancerArn"],
        "tg": tg["TargetGroupArn"],
        "link": link["id"],
        "api": api["id"],
        "apigw": apigw,
    }


def deploy(ids, description):
    return ids["apigw"].create_deployment(restApiId=ids["api"], stageName="v1", description=description)["id"]


ARGS = {"rest_api_name": "open-banking", "stage_name": "v1", "gateway": "open-banking", "paths": ["payments"]}


def test_reads_every_gateway_hop(capsys):
    ids = gateway_account()
    result = run(ARGS, capsys)
    assert result["changed"] is False
    snap = result["gateway"]
    assert snap["account_id"] == "123456789012" and snap["region"] == REGION
    assert snap["rest_api"]["id"] == ids["api"] and snap["rest_api"]["name"] == "open-banking"
    paths = [resource["path"] for resource in snap["resources"]]
    assert paths == ["/", "/other", "/payments"]
    integration = snap["resources"][2]["methods"]["ANY"]["integration"]
    assert integration["type"] == "HTTP_PROXY"
    assert integration["uri"] == f"http://{ids['nlb']['DNSName']}:8080/"
    assert integration["connection_type"] == "VPC_LINK"
    assert snap["stage"] is None and snap["deployment"] is None and result["invoke_url"] is None

    assert [lb["arn"] for lb in snap["load_balancers"]] == [ids["nlb"]["LoadBalancerArn"]]
    nlb = snap["load_balancers"][0]
    assert (nlb["scheme"], nlb["type"], nlb["vpc_id"]) == ("internal", "network", ids["vpc"])
    assert sorted(nlb["subnet_ids"]) == sorted(ids["subnets"])
    assert nlb["tags"]["multiaccount:gateway"] == "open-banking"
    assert [tg["arn"] for tg in snap["target_groups"]] == [ids["tg"]]
    tg = snap["target_groups"][0]
    assert (tg["target_type"], tg["port"], tg["tags"]["multiaccount:service"]) == ("ip", 8080, "payments")
    assert [(t["ip"], t["port"]) for t in tg["targets"]] == [("10.0.1.25", 8080)]
    assert snap["listeners"] == [
        {
            "arn": snap["listeners"][0]["arn"],
            "load_balancer_arn": ids["nlb"]["LoadBalancerArn"],
            "port": 8080,
            "protocol": "TCP",
            "target_group_arns": [ids["tg"]],
        }
    ]
    assert [link["id"] for link in snap["vpc_links"]] == [ids["link"]]
    assert snap["vpc_links"][0]["status"] == "AVAILABLE"
    assert snap["vpcs"] == [{"id": ids["vpc"], "cidrs": ["10.100.0.0/16"], "owner_id": "123456789012", "tags": {}}]
    assert sorted(subnet["cidr"] for subnet in snap["subnets"]) == ["10.100.1.0/24", "10.100.2.0/24"]
    table = next(t for t in snap["route_tables"] if t["id"] == ids["table"])
    assert table["subnet_ids"] == sorted(ids["subnets"])
    assert any(r["destination"] == "10.0.0.0/16" and r["target"] == ids["pcx"] for r in table["routes"])
    # Only the gateway VPC's peering, although moto ignores the filters.
    assert [peering["id"] for peering in snap["peerings"]] == [ids["pcx"]]
    assert snap["test_invoke"] == []


def test_fingerprints_follow_the_rest_api_convention(capsys):
    ids = gateway_account()
    snap = run(ARGS, capsys)["gateway"]
    config = snap["config"]
    assert config["paths"] == ["/", "/payments"]
    tree = {r["path"]: {"methods": r["methods"]} for r in snap["resources"]}
    assert config["fingerprint"] == rest_apis.fingerprint(tree)
    assert config["published_fingerprint"] == rest_apis.fingerprint({p: tree[p] for p in ("/", "/payments")})
    assert config["published_fingerprint"] != config["fingerprint"]

    deployment = deploy(ids, rest_apis.deployment_description("release 7", config["published_fingerprint"]))
    snap = run(ARGS, capsys)["gateway"]
    assert snap["stage"]["deployment_id"] == deployment
    assert snap["stage"]["invoke_url"] == f"https://{ids['api']}.execute-api.{REGION}.amazonaws.com/v1"
    assert snap["deployment"]["fingerprint"] == config["published_fingerprint"]
    assert snap["deployment"]["exported_integrations"] is None


def test_deployment_without_marker_reads_the_export(capsys):
    ids = gateway_account()
    deploy(ids, "by hand")
    snap = run(ARGS, capsys)["gateway"]
    assert snap["deployment"]["fingerprint"] is None
    # moto's export has no integration extensions: currency is then unknown (None), never "no integrations".
    assert snap["deployment"]["exported_integrations"] is None


def test_unrelated_resources_are_left_out_without_the_gateway_tag(capsys):
    ids = gateway_account()
    snap = run(dict(ARGS, gateway=None), capsys)["gateway"]
    # Found through the integration URI host (moto drops connectionId), then the NLB's listener.
    assert [lb["arn"] for lb in snap["load_balancers"]] == [ids["nlb"]["LoadBalancerArn"]]
    assert [tg["arn"] for tg in snap["target_groups"]] == [ids["tg"]]
    snap = run(dict(ARGS, gateway=None, load_balancer_arns=[ids["unrelated"]]), capsys)["gateway"]
    assert ids["unrelated"] in [lb["arn"] for lb in snap["load_balancers"]]


def test_missing_api_still_reads_the_network(capsys):
    gateway_account()
    result = run(dict(ARGS, rest_api_name="nope"), capsys)
    snap = result["gateway"]
    assert snap["rest_api"] is None and snap["resources"] == [] and snap["rest_api_name"] == "nope"
    assert snap["config"] == {"fingerprint": None, "published_fingerprint": None, "paths": []}
    assert len(snap["load_balancers"]) == 1


def test_ambiguous_name_fails(capsys):
    ids = gateway_account()
    ids["apigw"].create_rest_api(name="open-banking", tags={"ManagedBy": "multiaccount.apigateway"})
    result = run(ARGS, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("rest_api_name: 2 REST APIs are named 'open-banking'")


def test_check_mode_runs_test_invoke_on_published_paths(capsys):
    ids = gateway_account()
    deploy(ids, "x")
    calls = []

    def fake_invoke(client, rest_api_id, resource_id, http_method, path):
        calls.append((rest_api_id, http_method, path))
        return {"status": 200, "latency": 12, "log": "x" * 5000}

    with mock.patch.object(path_reads, "test_invoke_method", fake_invoke):
        result = run(dict(ARGS, test_invoke=True), capsys, check_mode=True)
    assert result["changed"] is False
    assert calls == [(ids["api"], "ANY", "/payments")]
    test = result["gateway"]["test_invoke"][0]
    assert (test["path"], test["http_method"], test["status"], test["error"]) == ("/payments", "ANY", 200, None)
    assert len(test["log_tail"]) == path_reads.LOG_TAIL


def test_test_invoke_error_is_kept_per_path(capsys):
    gateway_account()

    def failing(*args):
        raise path_reads.AnsiblePathReadError(message="Failed to test-invoke a method")

    with mock.patch.object(path_reads, "test_invoke_method", failing):
        result = run(dict(ARGS, test_invoke=True, paths=[]), capsys)
    # Without paths: every resource whose integration uses a VPC link (never a {proxy+} one).
    tests = result["gateway"]["test_invoke"]
    assert [t["path"] for t in tests] == ["/other", "/payments"]
    assert all(t["status"] is None and t["error"] == "Failed to test-invoke a method" for t in tests)


def test_exported_integrations_parser():
    body = json.dumps(
        {
            "paths": {
                "/payments": {
                    "x-amazon-apigateway-any-method": {
                        "x-amazon-apigateway-integration": {
                            "type": "http_proxy",
                            "uri": "http://nlb:8080/",
                            "connectionType": "VPC_LINK",
                            "connectionId": "abc",
                        }
                    },
                    "parameters": [],
                }
            }
        }
    ).encode()
    assert path_reads.exported_integrations(body) == [
        {
            "path": "/payments",
            "http_method": "ANY",
            "type": "HTTP_PROXY",
            "uri": "http://nlb:8080/",
            "connection_type": "VPC_LINK",
            "connection_id": "abc",
        }
    ]
    assert path_reads.exported_integrations(b'{"paths": {"/payments": {"get": {}}}}') is None
    assert path_reads.exported_integrations(b"not json") is None
    assert path_reads.exported_integrations(None) is None


def test_forward_target_groups_reads_weighted_forwards():
    actions = [
        {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "a"}, {"TargetGroupArn": "b"}]}},
        {"Type": "fixed-response"},
    ]
    assert path_reads.forward_target_groups(actions) == ["a", "b"]
