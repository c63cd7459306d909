# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_path_info against moto in-process (no network): discovery, fingerprints, filters, VPC links v2."""

import importlib.util
import json
import os
import time
from unittest import mock

import boto3
import botocore.client
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import path_reads, rest_apis, topology
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
            "default_action_type": "forward",
        }
    ]
    # An NLB's listener has no rules: only an application load balancer's HTTP(S) listeners are asked.
    assert "rules" not in snap["listeners"][0]
    assert tg["protocol"] == "TCP" and tg["health_check"]["protocol"] == "TCP" and tg["health_check"]["matcher"] is None
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
    # Methods without authorizer, scopes or API key: rest_api's form is their type, parameters and integration.
    keys = gateway_path_info.METHOD_KEYS
    tree = {
        r["path"]: {"methods": {name: {key: m[key] for key in keys} for name, m in r["methods"].items()}}
        for r in snap["resources"]
    }
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


# ---------------------------------------------------------------------------------------------
# VPC links v2 (shared_gateway_private_integration: nlb-v2)
# ---------------------------------------------------------------------------------------------

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
V1_CALLS = [
    ("sts", "GetCallerIdentity"),
    ("apigateway", "GetRestApis"),
    ("apigateway", "GetResources"),
    ("apigateway", "GetStage"),
    ("apigateway", "GetVpcLinks"),
    ("elbv2", "DescribeLoadBalancers"),
    ("elbv2", "DescribeTargetGroups"),
    ("elbv2", "DescribeTags"),
    ("elbv2", "DescribeListeners"),
    ("elbv2", "DescribeTargetHealth"),
    ("ec2", "DescribeVpcs"),
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeRouteTables"),
    ("ec2", "DescribeVpcPeeringConnections"),
]
# The hops judged from the gateway account's snapshot alone (the stage is not deployed here, the
# provider side is not read, and in-process moto does not return a target's availability zone).
GATEWAY_HOPS = ("api_route", "integration", "vpc_link", "nlb", "listener", "target_group")


@pytest.fixture
def integration_fidelity(monkeypatch):
    """The emulator's patches G2 (connectionId kept) and G20 (integrationTarget), undone after the test."""
    spec = importlib.util.spec_from_file_location(
        "emulator_patches", os.path.join(ROOT, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    from moto.apigateway.models import Integration
    from moto.apigateway.responses import APIGatewayResponse

    monkeypatch.setattr(Integration, "to_json", Integration.to_json)
    monkeypatch.setattr(APIGatewayResponse, "put_integration", APIGatewayResponse.put_integration)
    patches.patch_G2()
    patches.patch_G20()


def record_calls(monkeypatch):
    """``(service, operation)`` of every API call made from now on: GetVpcLinks is in both API Gateway APIs."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        recorded.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


@pytest.mark.parametrize("fidelity", [False, True], ids=["stock-moto", "emulator-patches"])
def test_v1_installation_reads_no_vpc_link_v2(capsys, monkeypatch, request, fidelity):
    if fidelity:
        request.getfixturevalue("integration_fidelity")
    ids = gateway_account()
    calls = record_calls(monkeypatch)
    snap = run(ARGS, capsys)["gateway"]
    assert calls == V1_CALLS
    assert snap["vpc_link_versions"] == ["v1"] and snap["security_groups"] == []
    assert [(link["id"], link["version"]) for link in snap["vpc_links"]] == [(ids["link"], "v1")]
    assert "subnet_ids" not in snap["vpc_links"][0] and "arn" not in snap["vpc_links"][0]
    integration = snap["resources"][2]["methods"]["ANY"]["integration"]
    assert "integration_target" not in integration
    assert integration["connection_id"] == (ids["link"] if fidelity else None)


def link_group(ids, name="open-banking-gateway-link", ports=(8080, 8080), cidr="10.100.0.0/16"):
    """The link's security group: no ingress, one egress rule (the default all-traffic rule revoked)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    group = ec2.create_security_group(GroupName=name, Description="link", VpcId=ids["vpc"])["GroupId"]
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.authorize_security_group_egress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": ports[0], "ToPort": ports[1], "IpRanges": [{"CidrIp": cidr}]}],
    )
    return group


def link_v2(ids, subnets=None, groups=None):
    return boto3.client("apigatewayv2", region_name=REGION).create_vpc_link(
        Name="open-banking-gateway",
        SubnetIds=subnets or ids["subnets"],
        SecurityGroupIds=groups if groups is not None else [link_group(ids)],
        Tags={"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"},
    )["VpcLinkId"]


def integrate(ids, link_id, target, path="/payments"):
    apigw = ids["apigw"]
    resource = next(item["id"] for item in apigw.get_resources(restApiId=ids["api"])["items"] if item["path"] == path)
    params = dict(
        restApiId=ids["api"],
        resourceId=resource,
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri=f"http://{ids['nlb']['DNSName']}:8080/",
        connectionType="VPC_LINK",
        connectionId=link_id,
    )
    if target:
        params["integrationTarget"] = target
    apigw.put_integration(**params)


def judge(snap, ids, version="v2"):
    """Evaluate the payments path on the module's snapshot; ``{hop: hop}`` of the gateway's hops."""
    service = {"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]}
    if version:
        service.update(vpc_link_version=version)
    if version == "v2":
        service.update(integration_target_arn=ids["nlb"]["LoadBalancerArn"])
    gateway = {"name": "shared", "snapshot": snap, "gateway_tag": "open-banking"}
    provider = {"name": "payments", "account_id": "222222222222", "services": [service], "snapshot": {}}
    result = topology.evaluate(gateway, [provider])["services"][0]
    return {hop["hop"]: hop for hop in result["hops"] if hop["hop"] in GATEWAY_HOPS}


def failed(hops):
    return sorted(name for name, hop in hops.items() if hop["status"] == "fail")


def test_reads_the_vpc_link_v2_its_security_group_and_the_integration_targets(
    capsys, monkeypatch, integration_fidelity
):
    ids = gateway_account()
    group = link_group(ids)
    link = link_v2(ids, groups=[group])
    nlb_arn = ids["nlb"]["LoadBalancerArn"]
    integrate(ids, link, nlb_arn)
    calls = record_calls(monkeypatch)
    snap = run(ARGS, capsys)["gateway"]

    # The v1 calls, plus one GetVpcLinks of apigatewayv2 and one DescribeSecurityGroups for the link's group.
    assert sorted(calls) == sorted(V1_CALLS + [("apigatewayv2", "GetVpcLinks"), ("ec2", "DescribeSecurityGroups")])

    payments = next(r for r in snap["resources"] if r["path"] == "/payments")["methods"]["ANY"]["integration"]
    assert (payments["connection_id"], payments["integration_target"]) == (link, nlb_arn)
    other = next(r for r in snap["resources"] if r["path"] == "/other")["methods"]["ANY"]["integration"]
    assert other["connection_id"] == ids["link"] and "integration_target" not in other

    assert snap["vpc_link_versions"] == ["v1", "v2"]
    links = {item["id"]: item for item in snap["vpc_links"]}
    assert set(links) == {ids["link"], link}
    assert links[link] == {
        "id": link,
        "name": "open-banking-gateway",
        "description": None,
        "status": "AVAILABLE",
        "status_message": None,
        "target_arns": [],
        "subnet_ids": ids["subnets"],
        "security_group_ids": [group],
        "tags": {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"},
        "version": "v2",
    }
    assert snap["security_groups"] == [
        {
            "id": group,
            "name": "open-banking-gateway-link",
            "vpc_id": ids["vpc"],
            "owner_id": "123456789012",
            "ingress": [],
            "egress": [
                {
                    "protocol": "tcp",
                    "from_port": 8080,
                    "to_port": 8080,
                    "cidrs": ["10.100.0.0/16"],
                    "group_pairs": [],
                    "prefix_list_ids": [],
                }
            ],
            "tags": {},
        }
    ]
    hops = judge(snap, ids)
    assert failed(hops) == [], [(h["hop"], h["detail"]) for h in hops.values() if h["status"] == "fail"]
    assert hops["vpc_link"]["resource"] == f"VPC link v2 open-banking-gateway ({link})"


def test_an_unknown_connection_id_looks_among_the_links_v2(capsys, monkeypatch, integration_fidelity):
    ids = gateway_account()
    link = link_v2(ids)
    calls = record_calls(monkeypatch)
    snap = run(dict(ARGS, vpc_link_ids=[link]), capsys)["gateway"]
    assert snap["vpc_link_versions"] == ["v1", "v2"] and link in [item["id"] for item in snap["vpc_links"]]
    assert len(snap["security_groups"]) == 1 and ("ec2", "DescribeSecurityGroups") in calls


def test_a_missing_link_security_group_leaves_out_only_itself(capsys, monkeypatch, integration_fidelity):
    ids = gateway_account()
    ec2 = boto3.client("ec2", region_name=REGION)
    kept = link_group(ids)
    gone = link_group(ids, name="gone")
    link = link_v2(ids, groups=[kept, gone])
    ec2.delete_security_group(GroupId=gone)
    integrate(ids, link, ids["nlb"]["LoadBalancerArn"])
    calls = record_calls(monkeypatch)
    snap = run(ARGS, capsys)["gateway"]
    assert [group["id"] for group in snap["security_groups"]] == [kept]
    assert calls.count(("ec2", "DescribeSecurityGroups")) == 3  # both, then one by one
    hops = judge(snap, ids)
    assert failed(hops) == ["vpc_link"] and f"security group(s) {gone} not found" in hops["vpc_link"]["detail"]


@pytest.fixture
def link_status(monkeypatch):
    """Make moto's VPC links v2 report a status other than AVAILABLE (moto knows no other)."""
    from moto.apigatewayv2.models import VpcLink

    statuses = {}
    original = VpcLink.to_json

    def to_json(self):
        data = original(self)
        if self.id in statuses:
            data["vpcLinkStatus"], data["vpcLinkStatusMessage"] = statuses[self.id]
        return data

    monkeypatch.setattr(VpcLink, "to_json", to_json)
    return statuses


def other_vpc_subnet():
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr-block", "Values": ["10.50.0.0/16"]}])["Vpcs"][0]["VpcId"]
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]


@pytest.mark.parametrize(
    "fault, hop, detail",
    [
        ("pending", "vpc_link", "status PENDING"),
        ("failed", "vpc_link", "status FAILED: no free address in subnet"),
        ("subnet_outside_the_nlb_vpc", "vpc_link", "not in the NLB's VPC"),
        ("security_group_without_the_egress_port", "vpc_link", "allows no egress tcp/8080"),
        ("integration_target_missing", "integration", "no integrationTarget"),
        ("integration_target_another_load_balancer", "integration", "is not the service's NLB open-banking"),
        ("v1_integration_with_an_integration_target", "integration", "only a VPC link v2 takes one"),
    ],
)
def test_a_v2_fault_read_from_the_account_fails_exactly_its_hop(
    capsys, integration_fidelity, link_status, fault, hop, detail
):
    ids = gateway_account()
    nlb_arn = ids["nlb"]["LoadBalancerArn"]
    version = "v2"
    if fault == "subnet_outside_the_nlb_vpc":
        link = link_v2(ids, subnets=[ids["subnets"][0], other_vpc_subnet()])
    elif fault == "security_group_without_the_egress_port":
        link = link_v2(ids, groups=[link_group(ids, ports=(9000, 9100))])
    else:
        link = link_v2(ids)
    target = {"integration_target_another_load_balancer": ids["unrelated"]}.get(fault, nlb_arn)
    integrate(ids, link, target)
    if fault in ("pending", "failed"):
        link_status[link] = ("PENDING", None) if fault == "pending" else ("FAILED", "no free address in subnet")
    if fault == "integration_target_missing":
        # AWS (and the emulator) refuse to put it without: the API lost it some other way.
        from moto.apigateway.models import apigateway_backends

        api = apigateway_backends["123456789012"][REGION].apis[ids["api"]]
        resource = next(item for item in api.resources.values() if item.get_path() == "/payments")
        resource.get_integration("ANY").integration_target = None
    if fault == "v1_integration_with_an_integration_target":
        integrate(ids, ids["link"], nlb_arn)
        version = "v1"
    snap = run(ARGS, capsys)["gateway"]
    hops = judge(snap, ids, version)
    assert failed(hops) == [hop], hops
    assert detail in hops[hop]["detail"] and hops[hop]["fix"]
    assert {item["status"] for name, item in hops.items() if name != hop} == {"ok"}


# ---------------------------------------------------------------------------------------------
# Application load balancers (shared_gateway_private_integration: alb-v2)
# ---------------------------------------------------------------------------------------------

ALB_CALLS = [
    ("sts", "GetCallerIdentity"),
    ("apigateway", "GetRestApis"),
    ("apigateway", "GetResources"),
    ("apigateway", "GetStage"),
    ("apigateway", "GetVpcLinks"),
    ("apigatewayv2", "GetVpcLinks"),
    ("elbv2", "DescribeLoadBalancers"),
    ("elbv2", "DescribeTargetGroups"),
    ("elbv2", "DescribeTags"),
    ("elbv2", "DescribeListeners"),
    ("elbv2", "DescribeRules"),
    ("elbv2", "DescribeTargetHealth"),
    ("ec2", "DescribeVpcs"),
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeRouteTables"),
    ("ec2", "DescribeVpcPeeringConnections"),
    ("ec2", "DescribeSecurityGroups"),
]
ALB_HOPS = ("api_route", "integration", "vpc_link", "alb_security_group", "nlb", "listener", "target_group")


def alb_account(rule_target=None):
    """The alb-v2 installation: a link v2 (egress tcp/80), an internal ALB whose group admits the link's
    group on 80, an HTTP listener (fixed 404) with a rule /payments, /payments/* -> an HTTP target group."""
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
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=provider_vpc)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ids = {"vpc": vpc, "subnets": subnets, "pcx": pcx, "apigw": apigw}
    link_sg = link_group(ids, ports=(80, 80))
    alb_sg = ec2.create_security_group(GroupName="open-banking-gateway-alb", Description="alb", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=alb_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": link_sg}]}],
    )
    alb = elb.create_load_balancer(
        Name="open-banking-alb",
        Subnets=subnets,
        SecurityGroups=[alb_sg],
        Scheme="internal",
        Type="application",
        Tags=TAGS,
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="open-banking-payments-http",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckProtocol="HTTP",
        HealthCheckPath="/health",
        Matcher={"HttpCode": "200-399"},
        Tags=TAGS + [{"Key": "multiaccount:service", "Value": "payments"}],
    )["TargetGroups"][0]
    other = elb.create_target_group(
        Name="open-banking-other-http", Protocol="HTTP", Port=9000, VpcId=vpc, TargetType="ip"
    )
    elb.register_targets(
        TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.0.1.25", "Port": 8080, "AvailabilityZone": "all"}]
    )
    listener = elb.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}
        ],
    )["Listeners"][0]
    forward = rule_target or tg["TargetGroupArn"]
    if rule_target == "other":
        forward = other["TargetGroups"][0]["TargetGroupArn"]
    elb.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=1,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/payments", "/payments/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": forward}],
    )
    link = link_v2(ids, groups=[link_sg])
    api = apigw.create_rest_api(name="open-banking", tags={"ManagedBy": "multiaccount.apigateway"})
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="payments")["id"]
    apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api["id"],
        resourceId=resource,
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri=f"http://{alb['DNSName']}:80/payments",
        connectionType="VPC_LINK",
        connectionId=link,
        integrationTarget=alb["LoadBalancerArn"],
    )
    ids.update(
        alb=alb,
        alb_sg=alb_sg,
        link_sg=link_sg,
        link=link,
        tg=tg["TargetGroupArn"],
        other_tg=other["TargetGroups"][0]["TargetGroupArn"],
        listener=listener["ListenerArn"],
        api=api["id"],
    )
    return ids


def judge_alb(snap, ids):
    service = {
        "name": "payments",
        "port": 8080,
        "path": "payments",
        "targets": ["10.0.1.25"],
        "listener_port": 80,
        "vpc_link_version": "v2",
        "load_balancer_type": "application",
        "nlb_arn": ids["alb"]["LoadBalancerArn"],
        "integration_target_arn": ids["alb"]["LoadBalancerArn"],
        "health_check": {"path": "/health", "matcher": "200-399"},
    }
    gateway = {"name": "shared", "snapshot": snap, "gateway_tag": "open-banking"}
    provider = {"name": "payments", "account_id": "222222222222", "services": [service], "snapshot": {}}
    result = topology.evaluate(gateway, [provider])["services"][0]
    assert [hop["hop"] for hop in result["hops"]] == list(topology.ALB_HOPS)
    return {hop["hop"]: hop for hop in result["hops"] if hop["hop"] in ALB_HOPS}


def test_alb_installation_reads_rules_and_security_groups_in_one_call_each(capsys, monkeypatch, integration_fidelity):
    ids = alb_account()
    calls = record_calls(monkeypatch)
    snap = run(ARGS, capsys)["gateway"]
    # The nlb-v2 calls, plus one DescribeRules for the ALB's HTTP listener; the ALB's security group is
    # read in the same DescribeSecurityGroups as the link's.
    assert calls == ALB_CALLS

    alb_arn = ids["alb"]["LoadBalancerArn"]
    assert [(lb["arn"], lb["type"], lb["security_group_ids"]) for lb in snap["load_balancers"]] == [
        (alb_arn, "application", [ids["alb_sg"]])
    ]
    listener = snap["listeners"][0]
    assert (listener["protocol"], listener["port"], listener["default_action_type"]) == ("HTTP", 80, "fixed-response")
    assert listener["target_group_arns"] == []
    rules = [{key: rule[key] for key in rule if key != "arn"} for rule in listener["rules"]]
    assert rules == [
        {
            "priority": 1,
            "is_default": False,
            "path_patterns": ["/payments", "/payments/*"],
            "other_conditions": [],
            "action_type": "forward",
            "target_group_arns": [ids["tg"]],
        },
        {
            "priority": None,
            "is_default": True,
            "path_patterns": [],
            "other_conditions": [],
            "action_type": "fixed-response",
            "target_group_arns": [],
        },
    ]
    # The target group the rule forwards to (the other one is neither tagged nor named).
    assert [tg["arn"] for tg in snap["target_groups"]] == [ids["tg"]]
    assert snap["target_groups"][0]["protocol"] == "HTTP"
    assert snap["target_groups"][0]["health_check"] == {"protocol": "HTTP", "path": "/health", "matcher": "200-399"}
    groups = {group["id"]: group for group in snap["security_groups"]}
    assert set(groups) == {ids["link_sg"], ids["alb_sg"]}
    assert groups[ids["alb_sg"]]["ingress"][0]["group_pairs"][0]["group_id"] == ids["link_sg"]
    assert groups[ids["alb_sg"]]["egress"][0]["protocol"] == "-1"  # AWS's default egress rule

    hops = judge_alb(snap, ids)
    assert failed(hops) == [], [(h["hop"], h["detail"]) for h in hops.values() if h["status"] == "fail"]
    assert hops["nlb"]["resource"] == f"ALB open-banking-alb ({alb_arn})"
    assert hops["listener"]["detail"] == (
        "HTTP:80 /payments, /payments/* -> open-banking-payments-http by rule 1 (/payments, /payments/*)"
    )


def test_alb_rule_forwarding_elsewhere_read_from_the_account_fails_the_listener(
    capsys, monkeypatch, integration_fidelity
):
    ids = alb_account(rule_target="other")
    snap = run(ARGS, capsys)["gateway"]
    # The target group the rule forwards to is read too (it belongs to the ALB's rules).
    assert sorted(tg["arn"] for tg in snap["target_groups"]) == sorted([ids["tg"], ids["other_tg"]])
    hops = judge_alb(snap, ids)
    assert failed(hops) == ["listener"], hops
    assert "rule 1 (/payments, /payments/*), the rule of payments, forwards to open-banking-other-http" in (
        hops["listener"]["detail"]
    )
    assert f"modify rule 1 to forward to {ids['tg']}" in hops["listener"]["fix"]


def test_alb_security_group_without_the_link_read_from_the_account_fails_its_hop(
    capsys, monkeypatch, integration_fidelity
):
    ids = alb_account()
    boto3.client("ec2", region_name=REGION).revoke_security_group_ingress(
        GroupId=ids["alb_sg"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": ids["link_sg"]}]}
        ],
    )
    hops = judge_alb(run(ARGS, capsys)["gateway"], ids)
    assert failed(hops) == ["alb_security_group"], hops
    assert f"admits no tcp/80 from the VPC link v2 {ids['link']}" in hops["alb_security_group"]["detail"]
    assert f"authorize ingress tcp/80 from {ids['link_sg']}" in hops["alb_security_group"]["fix"]


# ---------------------------------------------------------------------------------------------
# Governance (version 0.4.0): authorizers, usage plans and keys, stage policy, custom domain
# ---------------------------------------------------------------------------------------------

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:partner-authorizer"
GOVERNED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}],
}
LOG_GROUP = f"arn:aws:logs:{REGION}:123456789012:log-group:/aws/apigateway/open-banking/v1/access"
GOVERNED_ARGS = dict(ARGS, paths=["payments", "cards"], governance=True, domain_name="api.bank.example")


def governed_account():
    """gateway_account() with governance: /cards behind a Lambda authorizer and an API key, two partners' usage
    plans with their keys (one bound to the stage, one tagged and bound to nothing any more), a foreign plan of
    another API, the stage's settings, a web ACL, a resource policy (as AWS returns it: escaped) and a custom
    domain mapped to the stage."""
    ids = gateway_account()
    apigw = ids["apigw"]
    api = ids["api"]
    authorizer = apigw.create_authorizer(
        restApiId=api,
        name="partner-jwt",
        type="TOKEN",
        authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION}/invocations",
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=300,
    )["id"]
    root = next(item["id"] for item in apigw.get_resources(restApiId=api)["items"] if item["path"] == "/")
    cards = apigw.create_resource(restApiId=api, parentId=root, pathPart="cards")["id"]
    apigw.put_method(
        restApiId=api,
        resourceId=cards,
        httpMethod="ANY",
        authorizationType="CUSTOM",
        authorizerId=authorizer,
        apiKeyRequired=True,
    )
    apigw.put_integration(
        restApiId=api,
        resourceId=cards,
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri=f"http://{ids['nlb']['DNSName']}:8080/",
        connectionType="VPC_LINK",
        connectionId=ids["link"],
    )
    deploy(ids, "by hand")
    tags = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}
    keys, plans = {}, {}
    for name in ("open-banking-fintech-a", "open-banking-fintech-b", "foreign"):
        keys[name] = apigw.create_api_key(name=name, enabled=name != "open-banking-fintech-b", tags=tags)["id"]
    plans["a"] = apigw.create_usage_plan(
        name="open-banking-fintech-a",
        apiStages=[{"apiId": api, "stage": "v1", "throttle": {"/cards/ANY": {"rateLimit": 50.0, "burstLimit": 100}}}],
        quota={"limit": 10000, "period": "DAY", "offset": 0},
        tags=tags,
    )["id"]
    plans["b"] = apigw.create_usage_plan(name="open-banking-fintech-b", tags=tags)["id"]
    plans["foreign"] = apigw.create_usage_plan(name="foreign", apiStages=[{"apiId": "otherapi", "stage": "v1"}])["id"]
    for plan, key in (("a", "open-banking-fintech-a"), ("b", "open-banking-fintech-b"), ("foreign", "foreign")):
        apigw.create_usage_plan_key(usagePlanId=plans[plan], keyId=keys[key], keyType="API_KEY")
    apigw.update_stage(
        restApiId=api,
        stageName="v1",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "200"},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
            {"op": "replace", "path": "/~1cards/ANY/throttling/rateLimit", "value": "20"},
            {"op": "replace", "path": "/~1cards/ANY/throttling/burstLimit", "value": "40"},
            {"op": "replace", "path": "/tracingEnabled", "value": "true"},
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": LOG_GROUP},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
        ],
    )
    wafv2 = boto3.client("wafv2", region_name=REGION)
    acl = wafv2.create_web_acl(
        Name="open-banking",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "ob"},
    )["Summary"]["ARN"]
    wafv2.associate_web_acl(WebACLArn=acl, ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/v1")
    escaped = json.dumps(GOVERNED_POLICY).replace('"', '\\"')
    apigw.update_rest_api(restApiId=api, patchOperations=[{"op": "replace", "path": "/policy", "value": escaped}])
    certificate = f"arn:aws:acm:{REGION}:123456789012:certificate/0123"
    apigw.create_domain_name(
        domainName="api.bank.example",
        regionalCertificateArn=certificate,
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy="TLS_1_2",
    )
    apigw.create_base_path_mapping(domainName="api.bank.example", restApiId=api, stage="v1")
    values = [apigw.get_api_key(apiKey=key, includeValue=True)["value"] for key in keys.values()]
    return dict(ids, authorizer=authorizer, keys=keys, plans=plans, acl=acl, certificate=certificate, values=values)


GOVERNANCE_CALLS = [
    ("sts", "GetCallerIdentity"),
    ("apigateway", "GetRestApis"),
    ("apigateway", "GetResources"),
    ("apigateway", "GetStage"),
    ("apigateway", "GetDeployment"),
    ("apigateway", "GetExport"),
    ("apigateway", "GetAuthorizers"),
    ("apigateway", "GetUsagePlans"),
    ("apigateway", "GetUsagePlanKeys"),
    ("apigateway", "GetUsagePlanKeys"),
    ("apigateway", "GetApiKeys"),
    ("apigateway", "GetDomainName"),
    ("apigateway", "GetBasePathMappings"),
] + V1_CALLS[4:]


def test_governance_reads_authorizers_plans_keys_stage_policy_and_domain(capsys, monkeypatch, integration_fidelity):
    ids = governed_account()
    calls = record_calls(monkeypatch)
    result = run(GOVERNED_ARGS, capsys)
    assert calls == GOVERNANCE_CALLS
    snap = result["gateway"]
    cards = next(item for item in snap["resources"] if item["path"] == "/cards")["methods"]["ANY"]
    assert (cards["authorization_type"], cards["authorizer_id"], cards["api_key_required"]) == (
        "CUSTOM",
        ids["authorizer"],
        True,
    )
    payments = next(item for item in snap["resources"] if item["path"] == "/payments")["methods"]["ANY"]
    assert (payments["authorizer_id"], payments["authorization_scopes"], payments["api_key_required"]) == (
        None,
        [],
        False,
    )
    governance = snap["governance"]
    assert governance["authorizers"] == [
        {
            "id": ids["authorizer"],
            "name": "partner-jwt",
            "type": "TOKEN",
            "authorizer_uri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION}/invocations",
            "provider_arns": [],
            "identity_source": "method.request.header.Authorization",
            "identity_validation_expression": None,
            "result_ttl": 300,
        }
    ]
    # The bound plan and the tagged one (bound to nothing); not the plan of another API.
    assert [plan["name"] for plan in governance["usage_plans"]] == ["open-banking-fintech-a", "open-banking-fintech-b"]
    plan_a, plan_b = governance["usage_plans"]
    assert plan_a["api_stages"] == [
        {"api_id": ids["api"], "stage": "v1", "throttle": {"/cards/ANY": {"rate_limit": 50.0, "burst_limit": 100}}}
    ]
    assert plan_a["quota"] == {"limit": 10000, "period": "DAY", "offset": 0} and plan_a["throttle"] is None
    assert plan_a["keys"] == [
        {
            "id": ids["keys"]["open-banking-fintech-a"],
            "name": "open-banking-fintech-a",
            "type": "API_KEY",
            "enabled": True,
        }
    ]
    assert plan_b["api_stages"] == [] and plan_b["keys"][0]["enabled"] is False
    stage = snap["stage"]
    assert stage["method_settings"]["*/*"]["throttling_rate_limit"] == 100.0
    assert stage["method_settings"]["*/*"]["throttling_burst_limit"] == 200
    assert stage["method_settings"]["*/*"]["logging_level"] == "INFO"
    assert stage["method_settings"]["*/*"]["metrics_enabled"] is True
    assert stage["method_settings"]["~1cards/ANY"]["throttling_rate_limit"] == 20.0
    assert stage["access_log"] == {"destination_arn": LOG_GROUP, "format": "$context.requestId"}
    assert stage["tracing_enabled"] is True and stage["web_acl_arn"] == ids["acl"]
    assert snap["rest_api"]["policy"] == GOVERNED_POLICY and "policy_unparsed" not in snap["rest_api"]
    assert snap["domain_name"] == "api.bank.example"
    assert snap["domain"]["status"] == "AVAILABLE" and snap["domain"]["endpoint_type"] == "REGIONAL"
    assert snap["domain"]["certificate_arn"] == ids["certificate"]
    assert snap["domain"]["mappings"] == [{"base_path": "", "rest_api_id": ids["api"], "stage": "v1"}]
    # No API key value anywhere in the result (GetUsagePlanKeys returned them).
    text = json.dumps(result)
    assert all(value and value not in text for value in ids["values"])


def test_governance_read_from_the_account_is_judged(capsys, monkeypatch, integration_fidelity):
    """The snapshot of the account, judged: ok where it is as declared, each fault on its own hop."""
    ids = governed_account()
    snap = run(GOVERNED_ARGS, capsys)["gateway"]
    service = {"name": "cards", "port": 8080, "path": "cards", "targets": ["10.0.1.25"]}
    governance = {
        "authorizers": [{"name": "partner-jwt", "type": "TOKEN", "function_arn": FUNCTION, "result_ttl": 300}],
        "services": {"cards": {"authorization": "CUSTOM", "authorizer": "partner-jwt", "api_key_required": True}},
        "partners": [
            {
                "name": "fintech-a",
                "resource_name": "open-banking-fintech-a",
                "services": ["cards"],
                "quota": {"limit": 10000, "period": "DAY"},
                "methods": {"/cards/ANY": {"rate_limit": 50, "burst_limit": 100}},
            }
        ],
        "stage": {
            "throttle": {"rate_limit": 100, "burst_limit": 200},
            "logging_level": "INFO",
            "metrics": True,
            "tracing": True,
            "access_log": {"destination_arn": LOG_GROUP + ":*", "format": "$context.requestId"},
            "web_acl": {"name": "open-banking"},
        },
        "policy": GOVERNED_POLICY,
        "domain": {"name": "api.bank.example", "certificate_arn": ids["certificate"], "base_path": ""},
    }
    gateway = {"name": "shared", "snapshot": snap, "gateway_tag": "open-banking"}
    provider = {"name": "cards", "account_id": "222222222222", "services": [service], "snapshot": {}}

    def governance_hops():
        result = topology.evaluate(gateway, [provider], governance)["services"][0]
        return {hop["hop"]: hop for hop in result["hops"][-4:]}

    hops = governance_hops()
    # cards has its own method setting (20/40) that governance() does not declare; the unbound tagged plan of
    # fintech-b is no partner's and is not bound: it is not a caller.
    assert hops["stage_policy"]["status"] == "fail"
    assert hops["stage_policy"]["detail"] == (
        "method setting ~1cards/ANY overrides the stage for ANY /cards (throttle 20/40), cards declares no throttle"
    )
    governance["services"]["cards"]["throttle"] = {"rate_limit": 20, "burst_limit": 40}
    hops = governance_hops()
    assert {name: hop["status"] for name, hop in hops.items()} == {
        "authorization": "ok",
        "partners": "ok",
        "stage_policy": "ok",
        "domain": "ok",
    }, hops
    governance["partners"][0]["enabled"] = False
    governance["stage"]["tracing"] = False
    hops = governance_hops()
    assert hops["partners"]["detail"] == (
        f"partner fintech-a: API key open-banking-fintech-a ({ids['keys']['open-banking-fintech-a']}) is enabled, "
        "expected disabled"
    )
    assert hops["stage_policy"]["detail"] == "X-Ray tracing on, expected off"


def test_a_method_that_names_an_authorizer_reads_the_authorizers_without_governance(capsys, monkeypatch):
    ids = governed_account()
    calls = record_calls(monkeypatch)
    snap = run(ARGS, capsys)["gateway"]
    assert [call for call in calls if call[0] == "apigateway"] == [
        ("apigateway", "GetRestApis"),
        ("apigateway", "GetResources"),
        ("apigateway", "GetStage"),
        ("apigateway", "GetDeployment"),
        ("apigateway", "GetExport"),
        ("apigateway", "GetAuthorizers"),
        ("apigateway", "GetVpcLinks"),
    ]
    assert "governance" not in snap and "domain" not in snap and "domain_name" not in snap
    # The authorizer's name (not its id) is in the fingerprint, and the API's policy gives the governed ones.
    assert len(snap["config"]["governed_fingerprints"]) == 6
    assert ids["authorizer"]


def test_missing_domain_and_api_without_governance_objects(capsys, monkeypatch):
    gateway_account()
    calls = record_calls(monkeypatch)
    snap = run(dict(ARGS, governance=True, domain_name="nowhere.bank.example"), capsys)["gateway"]
    assert snap["domain"] is None and snap["domain_name"] == "nowhere.bank.example"
    assert snap["governance"] == {"authorizers": [], "usage_plans": []}
    # No plan, no key: no GetUsagePlanKeys and no GetApiKeys; no domain: no GetBasePathMappings.
    assert [call[1] for call in calls if call[0] == "apigateway"] == [
        "GetRestApis",
        "GetResources",
        "GetStage",
        "GetAuthorizers",
        "GetUsagePlans",
        "GetDomainName",
        "GetVpcLinks",
    ]
    assert snap["rest_api"]["policy"] is None and "governed_fingerprints" not in snap["config"]


def test_the_configuration_rest_api_deploys_with_authorizers_and_a_policy_is_current(capsys, monkeypatch):
    """rest_api fingerprints its routes with their authorization, its authorizers and its policy; the
    fingerprints read back from the account must contain the deployed one (stage_deployment ok)."""
    from ansible_collections.multiaccount.apigateway.plugins.modules import rest_api

    routes = [
        {
            "path": "payments",
            "target_url": "http://payments.example.internal",
            "connection_type": "INTERNET",
            "authorization_type": "AWS_IAM",
        },
        {
            "path": "cards",
            "target_url": "http://cards.example.internal",
            "connection_type": "INTERNET",
            "authorization_type": "CUSTOM",
            "authorizer": "partner-jwt",
            "api_key_required": True,
        },
    ]
    authorizers = [{"name": "partner-jwt", "type": "TOKEN", "function_arn": FUNCTION}]
    variants = [
        {"routes": routes, "authorizers": authorizers, "policy": GOVERNED_POLICY},
        {"routes": routes, "authorizers": authorizers},
        # No authorizer: the routes alone (IAM and an API key), as before rest_api managed authorizers.
        {"routes": [dict(routes[0], api_key_required=True), dict(routes[0], path="cards")]},
    ]
    for index, extra in enumerate(variants):
        name = f"governed-{index}"
        published = run_module(rest_api.main, dict(extra, name=name, stage_name="v1"), capsys)
        assert published["changed"] is True, published
        snap = run({"rest_api_name": name, "stage_name": "v1", "paths": ["payments", "cards"]}, capsys)["gateway"]
        service = {"name": "cards", "port": 80, "path": "cards", "targets": []}
        gateway = {"name": "shared", "snapshot": snap}
        provider = {"name": "cards", "services": [service], "snapshot": {}}
        result = topology.evaluate(gateway, [provider])["services"][0]
        hop = next(hop for hop in result["hops"] if hop["hop"] == "stage_deployment")
        assert hop["status"] == "ok", (extra.keys(), hop)
        assert hop["detail"].startswith("deployed configuration is current")


def test_governance_normalisers():
    escaped = json.dumps(GOVERNED_POLICY).replace('"', '\\"')
    assert path_reads.parse_policy(escaped) == (GOVERNED_POLICY, None)
    assert path_reads.parse_policy(json.dumps(GOVERNED_POLICY)) == (GOVERNED_POLICY, None)
    assert path_reads.parse_policy(None) == (None, None)
    assert path_reads.parse_policy("{not json") == (None, "{not json")
    assert path_reads.normalise_stage_settings({}) == {
        "method_settings": {},
        "access_log": None,
        "tracing_enabled": False,
        "web_acl_arn": None,
    }
    plan = path_reads.normalise_usage_plan(
        {"id": "p", "name": "n", "apiStages": [{"apiId": "a", "stage": "v1"}], "tags": [{"Key": "k", "Value": "v"}]},
        [],
    )
    assert plan["api_stages"] == [{"api_id": "a", "stage": "v1", "throttle": {}}]
    assert plan["tags"] == {"k": "v"} and plan["quota"] is None and plan["throttle"] is None
    key = path_reads.normalise_usage_plan_key({"id": "k", "name": "n", "type": "API_KEY", "value": "secret"})
    assert key == {"id": "k", "name": "n", "type": "API_KEY", "enabled": None}
    domain = path_reads.normalise_domain(
        {"domainName": "d", "mutualTlsAuthentication": {"truststoreUri": "s3://b/k"}},
        [{"basePath": "(none)", "restApiId": "a", "stage": "v1"}, {"basePath": "v2", "restApiId": "a", "stage": "v2"}],
    )
    assert domain["truststore_uri"] == "s3://b/k"
    assert [item["base_path"] for item in domain["mappings"]] == ["", "v2"]


# ---------------------------------------------------------------------------------------------
# Transit gateway (connectivity transit_gateway, hub and spoke)
# ---------------------------------------------------------------------------------------------

TGW_SPEC = {
    "name": "open-banking-tgw",
    "route_tables": {"hub": "open-banking-tgw-gateway", "spokes": "open-banking-tgw-providers"},
    "hub": {"name": "open-banking-gateway"},
}
TGW_CALLS = [
    ("ec2", "DescribeTransitGateways"),
    ("ec2", "DescribeTransitGatewayRouteTables"),
    ("ec2", "DescribeTransitGatewayVpcAttachments"),
    ("ec2", "GetTransitGatewayRouteTableAssociations"),
    ("ec2", "GetTransitGatewayRouteTablePropagations"),
    ("ec2", "SearchTransitGatewayRoutes"),
    ("ec2", "GetTransitGatewayRouteTableAssociations"),
    ("ec2", "GetTransitGatewayRouteTablePropagations"),
    ("ec2", "SearchTransitGatewayRoutes"),
]


def named(kind, name, tags=()):
    return [{"ResourceType": kind, "Tags": list(tags) + [{"Key": "Name", "Value": name}]}]


def hub_and_spoke(ids):
    """The gateway's transit gateway: hub and spokes route tables, the gateway VPC's attachment and one provider
    VPC's, associated and propagating as the collection builds them, a route of the gateway VPC to it, and a
    namesake transit gateway that is not ours."""
    ec2 = boto3.client("ec2", region_name=REGION)
    options = {
        "AutoAcceptSharedAttachments": "disable",
        "DefaultRouteTableAssociation": "disable",
        "DefaultRouteTablePropagation": "disable",
    }
    tgw = ec2.create_transit_gateway(
        Options=options, TagSpecifications=named("transit-gateway", "open-banking-tgw", TAGS)
    )["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway(TagSpecifications=named("transit-gateway", "open-banking-tgw"))

    def route_table(name):
        return ec2.create_transit_gateway_route_table(
            TransitGatewayId=tgw, TagSpecifications=named("transit-gateway-route-table", name, TAGS)
        )["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]

    hub, spokes = route_table("open-banking-tgw-gateway"), route_table("open-banking-tgw-providers")
    provider_vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"][0]["VpcId"]
    provider_subnet = ec2.create_subnet(VpcId=provider_vpc, CidrBlock="10.0.250.0/28", AvailabilityZone=f"{REGION}a")
    hub_attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw,
        VpcId=ids["vpc"],
        SubnetIds=ids["subnets"],
        TagSpecifications=named("transit-gateway-attachment", "open-banking-gateway", TAGS),
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    spoke = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=provider_vpc, SubnetIds=[provider_subnet["Subnet"]["SubnetId"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    for table, attachment in ((hub, hub_attachment), (spokes, spoke)):
        ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment
        )
    for table, attachment in ((hub, spoke), (spokes, hub_attachment)):
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment
        )
    # moto 5.2.5 makes no propagated route: static ones stand in for them.
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.0.0.0/16", TransitGatewayRouteTableId=hub, TransitGatewayAttachmentId=spoke
    )
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.100.0.0/16",
        TransitGatewayRouteTableId=spokes,
        TransitGatewayAttachmentId=hub_attachment,
    )
    ec2.create_route(RouteTableId=ids["table"], DestinationCidrBlock="10.0.0.0/8", TransitGatewayId=tgw)
    return {
        "tgw": tgw,
        "hub": hub,
        "spokes": spokes,
        "hub_attachment": hub_attachment,
        "spoke": spoke,
        "provider_vpc": provider_vpc,
    }


def test_without_transit_gateway_the_calls_stay_those_of_a_peering_installation(capsys, monkeypatch):
    ids = gateway_account()
    hub_and_spoke(ids)
    calls = record_calls(monkeypatch)
    snap = run(ARGS, capsys)["gateway"]
    assert calls == V1_CALLS and "transit_gateway" not in snap


def test_reads_the_transit_gateway_its_route_tables_and_attachments_in_fixed_calls(capsys, monkeypatch):
    ids = gateway_account()
    tgw = hub_and_spoke(ids)
    calls = record_calls(monkeypatch)
    snap = run(dict(ARGS, transit_gateway=TGW_SPEC), capsys)["gateway"]
    # Whatever the number of providers: 9 calls at most, after those of a peering installation.
    assert calls == V1_CALLS + TGW_CALLS
    view = snap["transit_gateway"]
    assert view["name"] == "open-banking-tgw" and view["hub_attachment_name"] == "open-banking-gateway"
    assert view["route_table_names"] == TGW_SPEC["route_tables"]
    found = view["transit_gateway"]
    assert (found["id"], found["state"], found["name"]) == (tgw["tgw"], "available", "open-banking-tgw")
    assert found["options"]["auto_accept_shared_attachments"] == "disable"
    # The namesake without our tags is reported, not read.
    assert len(view["foreign"]) == 1 and view["foreign"][0]["id"] != tgw["tgw"] and view["duplicates"] == []
    hub, spokes = view["route_tables"]["hub"], view["route_tables"]["spokes"]
    assert (hub["id"], hub["name"], spokes["id"], spokes["name"]) == (
        tgw["hub"],
        "open-banking-tgw-gateway",
        tgw["spokes"],
        "open-banking-tgw-providers",
    )
    assert [(link["attachment_id"], link["state"]) for link in hub["associations"]] == [
        (tgw["hub_attachment"], "associated")
    ]
    assert [(link["attachment_id"], link["state"]) for link in hub["propagations"]] == [(tgw["spoke"], "enabled")]
    assert [(link["attachment_id"], link["state"]) for link in spokes["associations"]] == [(tgw["spoke"], "associated")]
    assert [(link["attachment_id"], link["state"]) for link in spokes["propagations"]] == [
        (tgw["hub_attachment"], "enabled")
    ]
    assert [(route["destination"], route["state"], route["type"]) for route in hub["routes"]] == [
        ("10.0.0.0/16", "active", "static")
    ]
    assert [route["destination"] for route in spokes["routes"]] == ["10.100.0.0/16"]
    attachments = {item["id"]: item for item in view["attachments"]}
    assert set(attachments) == {tgw["hub_attachment"], tgw["spoke"]}
    assert (
        attachments[tgw["spoke"]]["vpc_id"] == tgw["provider_vpc"] and attachments[tgw["spoke"]]["state"] == "available"
    )
    assert sorted(attachments[tgw["hub_attachment"]]["subnet_ids"]) == sorted(ids["subnets"])
    # The gateway VPC's route to the transit gateway keeps its target.
    table = next(item for item in snap["route_tables"] if item["id"] == ids["table"])
    route = next(item for item in table["routes"] if item["destination"] == "10.0.0.0/8")
    assert (route["target"], route["target_type"]) == (tgw["tgw"], "transit_gateway")


def test_a_missing_transit_gateway_costs_one_call(capsys, monkeypatch):
    gateway_account()
    calls = record_calls(monkeypatch)
    snap = run(dict(ARGS, transit_gateway={"name": "open-banking-tgw"}), capsys)["gateway"]
    assert calls == V1_CALLS + TGW_CALLS[:1]
    assert snap["transit_gateway"] == {
        "name": "open-banking-tgw",
        "route_table_names": {"hub": "open-banking-tgw-gateway", "spokes": "open-banking-tgw-providers"},
        "hub_attachment_name": "open-banking-gateway",
        "transit_gateway": None,
        "foreign": [],
        "duplicates": [],
        "route_tables": {"hub": None, "spokes": None},
        "attachments": [],
    }


def test_normalise_tgw_route():
    route = path_reads.normalise_tgw_route(
        {
            "DestinationCidrBlock": "10.0.0.0/16",
            "TransitGatewayAttachments": [
                {"ResourceId": "vpc-1", "TransitGatewayAttachmentId": "tgw-attach-1", "ResourceType": "vpc"}
            ],
            "Type": "propagated",
            "State": "active",
        }
    )
    assert route == {
        "destination": "10.0.0.0/16",
        "state": "active",
        "type": "propagated",
        "attachment_ids": ["tgw-attach-1"],
        "resource_ids": ["vpc-1"],
        "target": "tgw-attach-1",
        "target_type": "transit_gateway_attachment",
    }
    blackhole = path_reads.normalise_tgw_route({"DestinationCidrBlock": "10.1.0.0/16", "State": "blackhole"})
    assert (blackhole["attachment_ids"], blackhole["target"], blackhole["state"]) == ([], None, "blackhole")


# target_health: what this run's converge read already


def reading(arn, states=("healthy",), age=5.0):
    """An entry of gateway_load_balancers' target_groups: its read of the group's targets, ``age`` seconds ago."""
    return {
        "arn": arn,
        "name": "ignored-here",
        "target_health": [
            {
                "ip": f"10.0.1.{25 + index}",
                "port": 8080,
                "availability_zone": "all",
                "health_state": state,
                "health_reason": None,
                "health_description": None,
            }
            for index, state in enumerate(states)
        ],
        "target_health_read_at": time.time() - age,
    }


def test_a_fresh_healthy_reading_of_this_run_is_not_read_again(capsys, monkeypatch):
    ids = gateway_account()
    calls = record_calls(monkeypatch)
    snap = run(dict(ARGS, target_health=[reading(ids["tg"])]), capsys)["gateway"]
    assert calls == [call for call in V1_CALLS if call != ("elbv2", "DescribeTargetHealth")]
    group = snap["target_groups"][0]
    assert group["targets_read_by"] == "gateway_load_balancers" and 5.0 <= group["targets_age_seconds"] <= 60
    assert [(target["ip"], target["health_state"]) for target in group["targets"]] == [("10.0.1.25", "healthy")]


@pytest.mark.parametrize(
    "given, max_age",
    [
        (lambda arn: reading(arn, age=61.0), 60),  # too old
        (lambda arn: reading(arn, states=("healthy", "unhealthy")), 60),  # not every target healthy
        (lambda arn: reading(arn, states=()), 60),  # no target
        (lambda arn: reading(arn, age=-30.0), 60),  # from the future
        (reading, 0),  # reuse off
        (lambda arn: reading(arn + "-another-group"), 60),  # another group
        (lambda arn: dict(reading(arn), target_health_read_at=None), 60),  # never read
    ],
    ids=["stale", "unhealthy", "empty", "future", "max-age-0", "other-arn", "unread"],
)
def test_any_other_reading_is_read_again(given, max_age, capsys, monkeypatch):
    ids = gateway_account()
    calls = record_calls(monkeypatch)
    args = dict(ARGS, target_health=[given(ids["tg"])], target_health_max_age=max_age)
    group = run(args, capsys)["gateway"]["target_groups"][0]
    assert calls == V1_CALLS
    assert group["targets_read_by"] == "gateway_path_info" and group["targets_age_seconds"] == 0
    assert [(target["ip"], target["port"]) for target in group["targets"]] == [("10.0.1.25", 8080)]


def test_fresh_target_health_keeps_only_fresh_all_healthy_readings():
    now = 1000.0
    good = {"arn": "a", "target_health": [{"health_state": "healthy", "ip": "10.0.0.1"}], "target_health_read_at": 990}
    assert path_reads.fresh_target_health([good], now, 60) == {
        "a": ([{"health_state": "healthy", "ip": "10.0.0.1"}], 10.0)
    }
    assert path_reads.fresh_target_health([good], now, 10) == {
        "a": ([{"health_state": "healthy", "ip": "10.0.0.1"}], 10.0)
    }
    assert path_reads.fresh_target_health([good], now, 9) == {}
    for bad in (
        dict(good, target_health_read_at=True),
        dict(good, target_health_read_at="990"),
        dict(good, target_health=None),
        dict(good, target_health=["healthy"]),
        dict(good, arn=None),
        dict(good, target_health=[{"health_state": "draining"}]),
        "not a reading",
    ):
        assert path_reads.fresh_target_health([bad], now, 60) == {}, bad
    assert path_reads.fresh_target_health(None, now, 60) == {}
    assert path_reads.fresh_target_health([good], now, 0) == {}
