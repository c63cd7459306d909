# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_path_info against moto in-process (no network): discovery, fingerprints, filters, VPC links v2."""

import importlib.util
import json
import os
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
