# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""topology.py: a golden healthy snapshot passes; each fault fails exactly its own hop."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import topology

A, P, C = "111111111111", "222222222222", "333333333333"
NLB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{A}:loadbalancer/net/open-banking/0123456789abcdef"
DECOY_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{A}:loadbalancer/net/decoy/fedcba9876543210"
TG_PAY = f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/open-banking-payments/1111"
TG_CARDS = f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/open-banking-cards/2222"
DNS = "open-banking-0123.elb.us-east-1.amazonaws.com"
FP = "a" * 64


def integration(port, link="lnk111", path="/", host=DNS):
    return {
        "type": "HTTP_PROXY",
        "http_method": "ANY",
        "uri": f"http://{host}:{port}{path}",
        "connection_type": "VPC_LINK",
        "connection_id": link,
        "timeout_in_millis": 29000,
        "request_parameters": {},
    }


def method(integ):
    return {"ANY": {"authorization_type": "NONE", "request_parameters": {}, "integration": integ}}


def peering(pcx, vpc_b, owner_b, region_b="us-east-1", status="active"):
    return {
        "id": pcx,
        "status": status,
        "status_message": status,
        "requester": {"vpc_id": "vpc-a", "owner_id": A, "region": "us-east-1", "cidrs": ["10.100.0.0/16"]},
        "accepter": {"vpc_id": vpc_b, "owner_id": owner_b, "region": region_b, "cidrs": []},
        "tags": {},
    }


def route(destination, target, state="active"):
    kind = "local" if target == "local" else "peering"
    return {"destination": destination, "target": target, "target_type": kind, "state": state}


def tg(arn, name, port, ip, service):
    return {
        "arn": arn,
        "name": name,
        "target_type": "ip",
        "protocol": "TCP",
        "port": port,
        "vpc_id": "vpc-a",
        "load_balancer_arns": [NLB_ARN],
        "tags": {
            "ManagedBy": "multiaccount.apigateway",
            "multiaccount:gateway": "open-banking",
            "multiaccount:service": service,
        },
        "targets": [{"ip": ip, "port": port, "availability_zone": "all", "health_state": "healthy"}],
    }


def golden_gateway():
    return {
        "account_id": A,
        "region": "us-east-1",
        "rest_api_name": "open-banking",
        "stage_name": "v1",
        "gateway_tag": "open-banking",
        "rest_api": {"id": "api123", "name": "open-banking", "endpoint_type": "REGIONAL", "tags": {}},
        "resources": [
            {"id": "root", "path": "/", "methods": {}},
            {"id": "r1", "path": "/payments", "methods": method(integration(8080))},
            {"id": "r2", "path": "/payments/{proxy+}", "methods": method(integration(8080, path="/{proxy}"))},
            {"id": "r3", "path": "/cards", "methods": method(integration(8081))},
        ],
        "config": {"fingerprint": FP, "published_fingerprint": FP, "paths": []},
        "stage": {
            "name": "v1",
            "deployment_id": "dep1",
            "invoke_url": "https://api123.execute-api.us-east-1.amazonaws.com/v1",
        },
        "deployment": {"id": "dep1", "description": "x", "fingerprint": FP, "exported_integrations": None},
        "vpc_links": [
            {
                "id": "lnk111",
                "name": "open-banking",
                "status": "AVAILABLE",
                "status_message": None,
                "target_arns": [NLB_ARN],
                "tags": {},
            }
        ],
        "load_balancers": [
            {
                "arn": NLB_ARN,
                "name": "open-banking",
                "dns_name": DNS,
                "type": "network",
                "scheme": "internal",
                "state": "active",
                "vpc_id": "vpc-a",
                "subnet_ids": ["subnet-a1", "subnet-a2"],
                "security_groups": [],
                "tags": {"multiaccount:gateway": "open-banking"},
            }
        ],
        "listeners": [
            {"arn": "l1", "load_balancer_arn": NLB_ARN, "port": 8080, "protocol": "TCP", "target_group_arns": [TG_PAY]},
            {
                "arn": "l2",
                "load_balancer_arn": NLB_ARN,
                "port": 8081,
                "protocol": "TCP",
                "target_group_arns": [TG_CARDS],
            },
        ],
        "target_groups": [
            tg(TG_PAY, "open-banking-payments", 8080, "10.0.1.25", "payments"),
            tg(TG_CARDS, "open-banking-cards", 8081, "10.1.1.10", "cards"),
        ],
        "vpcs": [{"id": "vpc-a", "cidrs": ["10.100.0.0/16"]}],
        "subnets": [
            {"id": "subnet-a1", "cidr": "10.100.1.0/24", "availability_zone": "us-east-1a", "vpc_id": "vpc-a"},
            {"id": "subnet-a2", "cidr": "10.100.2.0/24", "availability_zone": "us-east-1b", "vpc_id": "vpc-a"},
        ],
        "route_tables": [
            {
                "id": "rtb-a",
                "vpc_id": "vpc-a",
                "main": False,
                "subnet_ids": ["subnet-a1", "subnet-a2"],
                "routes": [
                    route("10.100.0.0/16", "local"),
                    route("10.0.0.0/16", "pcx-pay"),
                    route("10.1.0.0/16", "pcx-cards"),
                ],
            },
            {
                "id": "rtb-main-a",
                "vpc_id": "vpc-a",
                "main": True,
                "subnet_ids": [],
                "routes": [route("10.100.0.0/16", "local")],
            },
        ],
        "peerings": [peering("pcx-pay", "vpc-p", P), peering("pcx-cards", "vpc-c", C, "us-west-2")],
        "test_invoke": [],
    }


def provider_snapshot(account, region, vpc, cidr, ip, subnet, pcx, sg_rules):
    return {
        "account_id": account,
        "region": region,
        "targets": [
            {
                "ip": ip,
                "port": None,
                "service": None,
                "vpc_id": vpc,
                "subnet_id": subnet,
                "eni": {
                    "id": f"eni-{vpc}",
                    "status": "in-use",
                    "subnet_id": subnet,
                    "vpc_id": vpc,
                    "security_group_ids": [f"sg-{vpc}"],
                },
            }
        ],
        "vpcs": [{"id": vpc, "cidrs": [cidr]}],
        "subnets": [{"id": subnet, "cidr": ip.rsplit(".", 1)[0] + ".0/24", "vpc_id": vpc}],
        "route_tables": [
            {
                "id": f"rtb-{vpc}",
                "vpc_id": vpc,
                "main": True,
                "subnet_ids": [],
                "routes": [route(cidr, "local")] + [route(dest, pcx) for dest in sg_rules["routes"]],
            }
        ],
        "security_groups": [
            {
                "id": f"sg-{vpc}",
                "vpc_id": vpc,
                "ingress": [
                    {
                        "protocol": "tcp",
                        "from_port": sg_rules["port"],
                        "to_port": sg_rules["port"],
                        "cidrs": sg_rules["cidrs"],
                        "group_pairs": [],
                    }
                ],
            }
        ],
        "peerings": [
            peering(pcx, vpc, account, region),
        ],
    }


def golden():
    gateway = {
        "name": "shared-services",
        "account_id": A,
        "region": "us-east-1",
        "snapshot": golden_gateway(),
        "gateway_tag": "open-banking",
    }
    payments = {
        "name": "payments",
        "account_id": P,
        "region": "us-east-1",
        "services": [{"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]}],
        "snapshot": provider_snapshot(
            P,
            "us-east-1",
            "vpc-p",
            "10.0.0.0/16",
            "10.0.1.25",
            "subnet-p",
            "pcx-pay",
            {"routes": ["10.100.1.0/24", "10.100.2.0/24"], "port": 8080, "cidrs": ["10.100.1.0/24", "10.100.2.0/24"]},
        ),
    }
    cards = {
        "name": "cards",
        "account_id": C,
        "region": "us-west-2",
        "services": [{"name": "cards", "port": 8081, "path": "/cards/", "targets": ["10.1.1.10"]}],
        "snapshot": provider_snapshot(
            C,
            "us-west-2",
            "vpc-c",
            "10.1.0.0/16",
            "10.1.1.10",
            "subnet-c",
            "pcx-cards",
            {"routes": ["10.100.0.0/16"], "port": 8081, "cidrs": ["10.100.0.0/16"]},
        ),
    }
    return gateway, [payments, cards]


def failed_pairs(evaluation):
    return sorted((hop["service"], hop["hop"]) for hop in evaluation["failed"])


def run(mutate=None):
    gateway, providers = golden()
    if mutate:
        mutate(gateway["snapshot"], {p["name"]: p for p in providers})
    return topology.evaluate(gateway, providers)


# ---------------------------------------------------------------------------------------------
# The golden snapshot
# ---------------------------------------------------------------------------------------------


def test_golden_snapshot_passes_every_hop():
    evaluation = run()
    assert evaluation["ok"], evaluation["failed"]
    assert [s["name"] for s in evaluation["services"]] == ["payments", "cards"]
    for service in evaluation["services"]:
        assert [hop["hop"] for hop in service["hops"]] == list(topology.HOPS)
        assert {hop["status"] for hop in service["hops"]} == {"ok"}
        assert all(hop["fix"] is None for hop in service["hops"])
    assert evaluation["summary"][0] == "payments (/payments, provider payments): ok (13 hops checked)"


def test_golden_resolution_uses_tags_and_listener():
    evaluation = run()
    resolved = evaluation["services"][0]["resolved"]
    assert resolved["nlb_arn"] == NLB_ARN
    assert resolved["target_group_arn"] == TG_PAY
    assert resolved["vpc_link_id"] == "lnk111"
    assert resolved["found_by"]["target_group"] == "tag multiaccount:service=payments"
    assert resolved["found_by"]["listener_port"] == "the listener forwarding to the target group"


def test_hop_shape_names_account_and_resource():
    evaluation = run()
    hops = {hop["hop"]: hop for hop in evaluation["services"][0]["hops"]}
    assert set(hops["api_route"]) == {"hop", "status", "account", "resource", "detail", "fix"}
    assert hops["api_route"]["account"] == A
    assert hops["provider_route"]["account"] == P
    assert hops["security_group"]["resource"] == "sg-vpc-p"
    assert hops["peering"]["account"] == f"{A} <-> {P}"


# ---------------------------------------------------------------------------------------------
# The issue's faults: each fails exactly its hop
# ---------------------------------------------------------------------------------------------


def drop_provider_return_route(gw, providers):
    table = providers["payments"]["snapshot"]["route_tables"][0]
    table["routes"] = [r for r in table["routes"] if r["destination"] != "10.100.2.0/24"]


def sg_not_admitting_nlb_subnets(gw, providers):
    providers["payments"]["snapshot"]["security_groups"][0]["ingress"][0]["cidrs"] = ["10.100.1.0/24", "192.168.0.0/16"]


def target_without_az_all(gw, providers):
    gw["target_groups"][0]["targets"][0]["availability_zone"] = "us-east-1a"


def target_group_port_without_service(gw, providers):
    gw["target_groups"][0]["targets"][0]["port"] = 9090


def target_group_port_without_service_tg_level(gw, providers):
    # A target group created on the wrong port: its targets inherit that port.
    group = gw["target_groups"][0]
    group["port"] = 9090
    group["targets"][0]["port"] = 9090


def vpc_link_not_available(gw, providers):
    gw["vpc_links"][0].update(status="FAILED", status_message="NLB ARN is malformed")


def vpc_link_pending(gw, providers):
    gw["vpc_links"][0].update(status="PENDING")


def vpc_link_to_another_nlb(gw, providers):
    decoy = copy.deepcopy(gw["load_balancers"][0])
    decoy.update(arn=DECOY_ARN, name="decoy", dns_name="decoy-1.elb.us-east-1.amazonaws.com", tags={})
    gw["load_balancers"].append(decoy)
    gw["vpc_links"].append(
        {"id": "lnk222", "name": "decoy", "status": "AVAILABLE", "target_arns": [DECOY_ARN], "tags": {}}
    )
    for resource in gw["resources"]:
        if resource["path"].startswith("/payments"):
            resource["methods"]["ANY"]["integration"]["connection_id"] = "lnk222"


def integration_unknown_connection_id(gw, providers):
    gw["resources"][1]["methods"]["ANY"]["integration"]["connection_id"] = "nosuchlink"


def integration_port_without_listener(gw, providers):
    gw["resources"][1]["methods"]["ANY"]["integration"]["uri"] = f"http://{DNS}:9999/"


def peering_deleted(gw, providers):
    gw["peerings"][0]["status"] = "deleted"
    providers["payments"]["snapshot"]["peerings"][0]["status"] = "deleted"


def peering_pending(gw, providers):
    gw["peerings"][0]["status"] = "pending-acceptance"
    providers["payments"]["snapshot"]["peerings"][0]["status"] = "pending-acceptance"


def peering_gone(gw, providers):
    gw["peerings"] = gw["peerings"][1:]
    providers["payments"]["snapshot"]["peerings"] = []


def stage_not_redeployed(gw, providers):
    gw["config"] = {"fingerprint": "b" * 64, "published_fingerprint": "b" * 64, "paths": []}


ISSUE_FAULTS = [
    (drop_provider_return_route, [("payments", "provider_route")]),
    (sg_not_admitting_nlb_subnets, [("payments", "security_group")]),
    (target_without_az_all, [("payments", "target")]),
    (target_group_port_without_service, [("payments", "target_group")]),
    (target_group_port_without_service_tg_level, [("payments", "target_group")]),
    (vpc_link_not_available, [("cards", "vpc_link"), ("payments", "vpc_link")]),
    (vpc_link_pending, [("cards", "vpc_link"), ("payments", "vpc_link")]),
    (vpc_link_to_another_nlb, [("payments", "vpc_link")]),
    (integration_unknown_connection_id, [("payments", "integration")]),
    (integration_port_without_listener, [("payments", "integration")]),
    (peering_deleted, [("payments", "peering")]),
    (peering_pending, [("payments", "peering")]),
    (peering_gone, [("payments", "peering")]),
    (stage_not_redeployed, [("cards", "stage_deployment"), ("payments", "stage_deployment")]),
]


@pytest.mark.parametrize("mutate, expected", ISSUE_FAULTS, ids=[f.__name__ for f, dummy in ISSUE_FAULTS])
def test_issue_fault_fails_exactly_its_hop(mutate, expected):
    evaluation = run(mutate)
    assert failed_pairs(evaluation) == expected
    for hop in evaluation["failed"]:
        assert hop["fix"], hop
        assert hop["account"] and hop["resource"] and hop["detail"]


def test_fault_details_name_the_resource_and_fix():
    evaluation = run(drop_provider_return_route)
    hop = evaluation["failed"][0]
    assert hop["account"] == P
    assert "rtb-vpc-p" in hop["resource"]
    assert "no route to 10.100.2.0/24" in hop["detail"]
    assert "pcx-pay" in hop["fix"] and "10.100.2.0/24" in hop["fix"]

    hop = run(vpc_link_to_another_nlb)["failed"][0]
    assert "lnk222" in hop["resource"] and DECOY_ARN in hop["detail"] and NLB_ARN in hop["fix"]

    hop = run(integration_port_without_listener)["failed"][0]
    assert "URI port 9999 matches no listener" in hop["detail"] and "expected 8080" in hop["detail"]

    hop = run(integration_unknown_connection_id)["failed"][0]
    assert "connectionId nosuchlink matches no VPC link" in hop["detail"]

    hop = run(peering_pending)["failed"][0]
    assert "accept it in account 222222222222" in hop["fix"]

    hop = run(stage_not_redeployed)["failed"][0]
    assert "not redeployed" in hop["detail"] and "create-deployment" in hop["fix"]

    hop = run(target_without_az_all)["failed"][0]
    assert "us-east-1a" in hop["detail"] and "availability_zone all" in hop["fix"]

    hop = run(sg_not_admitting_nlb_subnets)["failed"][0]
    assert "10.100.2.0/24" in hop["detail"] and hop["resource"] == "sg-vpc-p"


# ---------------------------------------------------------------------------------------------
# The other hops
# ---------------------------------------------------------------------------------------------


def missing_route_resource(gw, providers):
    gw["resources"] = [r for r in gw["resources"] if not r["path"].startswith("/payments")]


def resource_without_method(gw, providers):
    gw["resources"][1]["methods"] = {}
    gw["resources"] = [r for r in gw["resources"] if r["path"] != "/payments/{proxy+}"]


def nlb_provisioning(gw, providers):
    gw["load_balancers"][0]["state"] = "provisioning"


def nlb_internet_facing(gw, providers):
    gw["load_balancers"][0]["scheme"] = "internet-facing"


def listener_forwards_elsewhere(gw, providers):
    gw["listeners"][0]["target_group_arns"] = [TG_CARDS]


def listener_missing(gw, providers):
    gw["listeners"] = gw["listeners"][1:]


def stray_target(gw, providers):
    gw["target_groups"][0]["targets"].append({"ip": "10.0.1.99", "port": 8080, "availability_zone": "all"})


def target_not_registered(gw, providers):
    gw["target_groups"][0]["targets"] = []


def gateway_route_missing(gw, providers):
    gw["route_tables"][0]["routes"] = [r for r in gw["route_tables"][0]["routes"] if r["target"] != "pcx-pay"]


def gateway_route_blackhole(gw, providers):
    gw["route_tables"][0]["routes"][1]["state"] = "blackhole"


def gateway_route_elsewhere(gw, providers):
    gw["route_tables"][0]["routes"][1]["target"] = "tgw-0123"


def gateway_route_diverted(gw, providers):
    gw["route_tables"][0]["routes"].append(route("10.0.1.0/24", "tgw-0123"))


def eni_missing(gw, providers):
    providers["payments"]["snapshot"]["targets"][0]["eni"] = None


def eni_unattached(gw, providers):
    providers["payments"]["snapshot"]["targets"][0]["eni"]["status"] = "available"


def target_unhealthy(gw, providers):
    gw["target_groups"][0]["targets"][0].update(health_state="unhealthy", health_reason="Target.FailedHealthChecks")


OTHER_FAULTS = [
    (missing_route_resource, [("payments", "api_route")]),
    (resource_without_method, [("payments", "api_route")]),
    (nlb_provisioning, [("cards", "nlb"), ("payments", "nlb")]),
    (nlb_internet_facing, [("cards", "nlb"), ("payments", "nlb")]),
    (listener_forwards_elsewhere, [("payments", "listener")]),
    (listener_missing, [("payments", "listener")]),
    (stray_target, [("payments", "target")]),
    (target_not_registered, [("payments", "target")]),
    (gateway_route_missing, [("payments", "gateway_route")]),
    (gateway_route_blackhole, [("payments", "gateway_route")]),
    (gateway_route_elsewhere, [("payments", "gateway_route")]),
    (gateway_route_diverted, [("payments", "gateway_route")]),
    (eni_missing, [("payments", "service_endpoint")]),
    (eni_unattached, [("payments", "service_endpoint")]),
    (target_unhealthy, [("payments", "service_endpoint")]),
]


@pytest.mark.parametrize("mutate, expected", OTHER_FAULTS, ids=[f.__name__ for f, dummy in OTHER_FAULTS])
def test_other_fault_fails_exactly_its_hop(mutate, expected):
    assert failed_pairs(run(mutate)) == expected


def test_missing_route_skips_the_integration():
    hops = {hop["hop"]: hop for hop in run(missing_route_resource)["services"][0]["hops"]}
    assert hops["integration"]["status"] == "skipped"
    assert hops["vpc_link"]["status"] == "ok"


def test_missing_eni_skips_the_security_group():
    hops = {hop["hop"]: hop for hop in run(eni_missing)["services"][0]["hops"]}
    assert hops["security_group"]["status"] == "skipped"
    assert hops["provider_route"]["status"] == "ok"


def test_unhealthy_target_is_not_blamed_when_a_static_hop_fails():
    def both(gw, providers):
        target_unhealthy(gw, providers)
        sg_not_admitting_nlb_subnets(gw, providers)

    assert failed_pairs(run(both)) == [("payments", "security_group")]


def test_whose_reading_of_the_targets_is_resolved_not_in_the_hop():
    own = run()["services"][0]
    assert own["resolved"]["targets_read_by"] is None  # the golden snapshot predates targets_read_by

    def read_by(who, age):
        def mutate(gw, providers):
            gw["target_groups"][0].update(targets_read_by=who, targets_age_seconds=age)

        return run(mutate)["services"][0]

    mine, converge = read_by("gateway_path_info", 0.0), read_by("gateway_load_balancers", 42.5)
    assert mine["resolved"]["targets_read_by"] == "gateway_path_info"
    assert converge["resolved"]["targets_read_by"] == "gateway_load_balancers"
    # The hops (what the report shows) are the same: which reading it is depends on how long the run took,
    # and a report that said it differed between two no-op runs (path_verify rewrote it: changed).
    assert converge["hops"] == mine["hops"] == own["hops"]


def test_route_through_deleted_peering_is_the_peering_hops_fault():
    hops = {hop["hop"]: hop for hop in run(peering_deleted)["services"][0]["hops"]}
    assert hops["gateway_route"]["status"] == "ok"
    assert "see peering" in hops["gateway_route"]["detail"]


def test_new_peering_with_stale_routes_fails_both_routes():
    def replaced(gw, providers):
        peering_deleted(gw, providers)
        gw["peerings"].append(peering("pcx-new", "vpc-p", P))
        providers["payments"]["snapshot"]["peerings"].append(peering("pcx-new", "vpc-p", P))

    assert failed_pairs(run(replaced)) == [("payments", "gateway_route"), ("payments", "provider_route")]


def test_connection_id_from_a_stage_variable():
    def via_variable(gw, providers, value="lnk111"):
        gw["stage"]["variables"] = {"paymentsLink": value}
        for resource in gw["resources"]:
            if resource["path"].startswith("/payments"):
                resource["methods"]["ANY"]["integration"]["connection_id"] = "${stageVariables.paymentsLink}"

    assert run(via_variable)["ok"]
    evaluation = run(lambda gw, providers: via_variable(gw, providers, value=None))
    assert failed_pairs(evaluation) == [("payments", "integration")]
    assert "names a stage variable the stage does not set" in evaluation["failed"][0]["detail"]


def test_missing_api_fails_api_route_and_skips_stage():
    def no_api(gw, providers):
        gw["rest_api"] = None
        gw["resources"] = []
        gw["stage"] = gw["deployment"] = None

    evaluation = run(no_api)
    assert failed_pairs(evaluation) == [("cards", "api_route"), ("payments", "api_route")]
    hops = {hop["hop"]: hop["status"] for hop in evaluation["services"][0]["hops"]}
    assert hops["integration"] == hops["stage_deployment"] == "skipped"


def test_missing_stage_fails_stage_deployment():
    def no_stage(gw, providers):
        gw["stage"] = gw["deployment"] = None

    assert failed_pairs(run(no_stage)) == [("cards", "stage_deployment"), ("payments", "stage_deployment")]


def test_deployment_without_marker_uses_the_export():
    def unmarked(gw, providers, drift=False):
        gw["deployment"]["fingerprint"] = None
        exported = []
        for resource in gw["resources"]:
            for name, item in resource["methods"].items():
                integ = item["integration"]
                exported.append(
                    {
                        "path": resource["path"],
                        "http_method": name,
                        "type": integ["type"],
                        "uri": integ["uri"],
                        "connection_id": integ["connection_id"],
                    }
                )
        if drift:
            exported[0]["uri"] = "http://old:8080/"
        gw["deployment"]["exported_integrations"] = exported

    assert run(unmarked)["ok"]
    evaluation = run(lambda gw, providers: unmarked(gw, providers, drift=True))
    assert failed_pairs(evaluation) == [("cards", "stage_deployment"), ("payments", "stage_deployment")]
    assert "/payments" in evaluation["failed"][0]["detail"]


def test_deployment_without_marker_or_export_is_not_verifiable_but_ok():
    def unmarked(gw, providers):
        gw["deployment"]["fingerprint"] = None

    evaluation = run(unmarked)
    assert evaluation["ok"]
    assert "not verifiable" in evaluation["services"][0]["hops"][2]["detail"]


def test_published_fingerprint_alone_is_enough():
    def partial(gw, providers):
        gw["config"]["fingerprint"] = "c" * 64

    assert run(partial)["ok"]


def test_security_group_wider_cidr_and_union():
    def wide(gw, providers):
        providers["payments"]["snapshot"]["security_groups"][0]["ingress"][0]["cidrs"] = ["0.0.0.0/0"]

    def union(gw, providers):
        rules = providers["payments"]["snapshot"]["security_groups"][0]["ingress"]
        rules[0]["cidrs"] = ["10.100.1.0/25", "10.100.1.128/25"]
        rules.append({"protocol": "-1", "cidrs": ["10.100.2.0/24"], "group_pairs": []})

    def wrong_port(gw, providers):
        rule = providers["payments"]["snapshot"]["security_groups"][0]["ingress"][0]
        rule["from_port"] = rule["to_port"] = 443

    assert run(wide)["ok"]
    assert run(union)["ok"]
    assert failed_pairs(run(wrong_port)) == [("payments", "security_group")]


def test_security_group_reference_to_the_nlb_group_counts_in_the_same_region_only():
    def by_reference(gw, providers):
        gw["load_balancers"][0]["security_groups"] = ["sg-nlb"]
        for name in ("payments", "cards"):
            rule = providers[name]["snapshot"]["security_groups"][0]["ingress"][0]
            rule["cidrs"] = []
            rule["group_pairs"] = [{"group_id": "sg-nlb", "user_id": A}]

    # payments is in us-east-1 like the gateway; cards is in us-west-2 (cross-region peering).
    assert failed_pairs(run(by_reference)) == [("cards", "security_group")]


def test_nested_path_and_shared_state_resolution():
    gateway, providers = golden()
    snap = gateway["snapshot"]
    snap["resources"].append({"id": "r9", "path": "/cards/limits", "methods": method(integration(8082))})
    limits_tg = tg(
        TG_PAY.replace("payments/1111", "limits/3333"), "open-banking-limits", 8082, "10.1.2.20", "card-limits"
    )
    limits_tg["tags"] = {}
    snap["target_groups"].append(limits_tg)
    snap["listeners"].append(
        {
            "arn": "l3",
            "load_balancer_arn": NLB_ARN,
            "port": 8082,
            "protocol": "TCP",
            "target_group_arns": [limits_tg["arn"]],
        }
    )
    cards = providers[1]
    cards["services"].append({"name": "card-limits", "port": 8082, "path": "cards/limits", "targets": ["10.1.2.20"]})
    target = copy.deepcopy(cards["snapshot"]["targets"][0])
    target.update(ip="10.1.2.20", subnet_id="subnet-c")
    cards["snapshot"]["targets"].append(target)
    cards["snapshot"]["security_groups"][0]["ingress"].append(
        {"protocol": "tcp", "from_port": 8082, "to_port": 8082, "cidrs": ["10.100.0.0/16"], "group_pairs": []}
    )
    gateway["state"] = {"services": {"card-limits": {"target_group_arn": limits_tg["arn"], "listener_port": 8082}}}
    evaluation = topology.evaluate(gateway, providers)
    assert evaluation["ok"], evaluation["failed"]
    limits = evaluation["services"][-1]
    assert limits["path"] == "/cards/limits"
    assert limits["resolved"]["found_by"]["target_group"] == "published state"
    assert limits["resolved"]["found_by"]["listener_port"] == "inventory/state listener_port"


def test_dedicated_strategy_nlb_found_by_service_tag():
    def dedicated(gw, providers):
        gw["target_groups"][0]["load_balancer_arns"] = []
        gw["load_balancers"][0]["tags"] = {"multiaccount:gateway": "open-banking", "multiaccount:service": "payments"}

    evaluation = run(dedicated)
    assert evaluation["services"][0]["resolved"]["found_by"]["nlb"] == "tag multiaccount:service=payments"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def test_parse_integration_uri():
    assert topology.parse_integration_uri("http://Host.example:8080/x") == ("host.example", 8080)
    assert topology.parse_integration_uri("https://h/") == ("h", 443)
    assert topology.parse_integration_uri("http://h") == ("h", 80)
    assert topology.parse_integration_uri("http://h:notaport/") == (None, None)
    assert topology.parse_integration_uri(None) == (None, None)


def test_covering_route_longest_prefix_and_diverted():
    routes = [
        route("10.0.0.0/8", "pcx-a"),
        route("10.1.0.0/16", "pcx-b"),
        route("10.1.1.128/25", "tgw-x"),
        {"destination": "pl-123"},
    ]
    chosen, diverted = topology.covering_route(routes, "10.1.1.0/24")
    assert chosen["target"] == "pcx-b"
    assert [r["target"] for r in diverted] == ["tgw-x"]
    chosen, diverted = topology.covering_route(routes, "10.1.1.200")
    assert chosen["target"] == "tgw-x"
    assert topology.covering_route(routes, "192.168.0.1") == (None, [])


def test_cidr_covered():
    assert topology.cidr_covered("10.0.1.0/24", ["10.0.0.0/16"])
    assert topology.cidr_covered("10.0.1.0/24", ["10.0.1.0/25", "10.0.1.128/25"])
    assert not topology.cidr_covered("10.0.1.0/24", ["10.0.1.0/25"])
    assert topology.cidr_covered("10.0.1.0/24", ["0.0.0.0/0"])
    assert not topology.cidr_covered("bogus", ["0.0.0.0/0"])


def test_rule_admits_port():
    assert topology.rule_admits_port({"protocol": "tcp", "from_port": 8000, "to_port": 8100}, 8080)
    assert not topology.rule_admits_port({"protocol": "tcp", "from_port": 80, "to_port": 80}, 8080)
    assert topology.rule_admits_port({"protocol": "-1"}, 8080)
    assert not topology.rule_admits_port({"protocol": "udp", "from_port": 0, "to_port": 65535}, 8080)


def test_route_table_for_subnet_prefers_explicit_association():
    tables = [
        {"id": "main", "vpc_id": "v", "main": True, "subnet_ids": []},
        {"id": "explicit", "vpc_id": "v", "main": False, "subnet_ids": ["s1"]},
    ]
    assert topology.route_table_for_subnet(tables, "s1", "v")["id"] == "explicit"
    assert topology.route_table_for_subnet(tables, "s2", "v")["id"] == "main"
    assert topology.route_table_for_subnet(tables, "s2", "other") is None


def test_subset_paths():
    paths = ["/", "/cards", "/cards/limits", "/cards/limits/{proxy+}", "/other", "/payments", "/payments/{proxy+}"]
    assert topology.subset_paths(paths, ["payments", "cards/limits"]) == [
        "/",
        "/cards",
        "/cards/limits",
        "/cards/limits/{proxy+}",
        "/payments",
        "/payments/{proxy+}",
    ]


def test_expected_services_defaults():
    services = topology.expected_services(
        {}, [{"name": "p", "services": [{"name": "svc", "port": "8080", "targets": ["10.0.0.1"]}]}]
    )
    assert services == [
        {
            "name": "svc",
            "provider": "p",
            "port": 8080,
            "listener_port": None,
            "path": "/svc",
            "targets": ["10.0.0.1"],
            "target_group_arn": None,
            "nlb_arn": None,
            "vpc_link_id": None,
        }
    ]


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def test_graph_and_renderings():
    gateway, providers = golden()
    drop_provider_return_route(gateway["snapshot"], {p["name"]: p for p in providers})
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    failed_nodes = [node for node in graph.nodes.values() if node["status"] == "fail"]
    assert len(failed_nodes) == 1 and failed_nodes[0]["failed"] == ["provider_route"]
    assert "10.0.1.25:8080 (payments)" in failed_nodes[0]["lines"][0]

    mermaid = topology.render_mermaid(graph)
    assert mermaid.startswith("flowchart TB\n")
    assert "account 111111111111" in mermaid and "account 222222222222" in mermaid and "account 333333333333" in mermaid
    assert "vpc-a · 10.100.0.0/16" in mermaid
    assert "NLB open-banking" in mermaid and "listener TCP:8080" in mermaid
    assert "VPC peering pcx-pay" in mermaid
    assert "classDef fail" in mermaid and "FAILED: provider_route" in mermaid
    assert mermaid.count("subgraph") == mermaid.count("\n  end") + mermaid.count("\n    end") + mermaid.count(
        "\n      end"
    )

    dot = topology.render_dot(graph, 'title "quoted"')
    assert dot.startswith("digraph paths {") and dot.rstrip().endswith("}")
    assert "subgraph cluster_acct_111111111111" in dot
    assert 'label="title \\"quoted\\""' in dot
    assert "shape=hexagon" in dot
    assert dot.count("{") == dot.count("}")

    markdown = topology.render_markdown(gateway, evaluation, mermaid, {"png": "path-verify.png"}, ["a note"])
    assert markdown.startswith("# Path verification: open-banking (stage v1)")
    assert "**BROKEN**: 1 of 2 published path(s) pass every hop." in markdown
    assert "```mermaid\nflowchart TB" in markdown
    assert "![topology (png)](path-verify.png)" in markdown
    assert "> a note" in markdown
    assert "| 11 | provider_route | **FAIL** | 222222222222 |" in markdown


def test_failure_message_lists_each_failed_hop():
    evaluation = run(integration_port_without_listener)
    message = topology.failure_message(evaluation)
    assert message.startswith("1 hop(s) failed:")
    assert "payments / integration (account 111111111111" in message and "Fix: point the integration" in message
    assert "BROKEN at integration [111111111111]" in evaluation["summary"][0]


# ---------------------------------------------------------------------------------------------
# VPC link v2 (shared_gateway_private_integration: nlb-v2): one link in the gateway subnets with
# its own security group, integrations that name the NLB in integrationTarget
# ---------------------------------------------------------------------------------------------

LINK_V2 = "lnkv2"
LINK_SG = "sg-link"
OTHER_NLB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{A}:loadbalancer/net/other/aaaabbbbccccdddd"


def link_v2(**changes):
    link = {
        "id": LINK_V2,
        "name": "open-banking-gateway",
        "version": "v2",
        "description": None,
        "status": "AVAILABLE",
        "status_message": None,
        "target_arns": [],
        "subnet_ids": ["subnet-a1", "subnet-a2"],
        "security_group_ids": [LINK_SG],
        "tags": {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"},
    }
    link.update(changes)
    return link


def link_security_group(egress):
    return {
        "id": LINK_SG,
        "name": "open-banking-gateway-link",
        "vpc_id": "vpc-a",
        "owner_id": A,
        "tags": {},
        "ingress": [],
        "egress": egress,
    }


def egress_rule(from_port, to_port, cidrs, protocol="tcp", group_pairs=None):
    return {
        "protocol": protocol,
        "from_port": from_port,
        "to_port": to_port,
        "cidrs": cidrs,
        "group_pairs": group_pairs or [],
        "prefix_list_ids": [],
    }


def to_v2(gw, providers, service_keys=True):
    """The golden topology as shared_gateway_private_integration: nlb-v2 builds it.

    ``service_keys``: the services carry what joins.verify_providers gives them (``vpc_link_version``,
    ``integration_target_arn``, ``nlb_arn``, ``vpc_link_id``); with ``"version"`` only the version.
    """
    gw["vpc_links"] = [link_v2()]
    gw["vpc_link_versions"] = ["v1", "v2"]
    # The plan's rule: TCP from the lowest to the highest listener port, to the gateway VPC CIDR.
    gw["security_groups"] = [link_security_group([egress_rule(8080, 8081, ["10.100.0.0/16"])])]
    for resource in gw["resources"]:
        for spec in resource["methods"].values():
            spec["integration"].update(connection_id=LINK_V2, integration_target=NLB_ARN)
    for provider in providers.values():
        for service in provider["services"]:
            service["vpc_link_version"] = "v2"
            if service_keys is True:
                service.update(integration_target_arn=NLB_ARN, nlb_arn=NLB_ARN, vpc_link_id=LINK_V2)


def run_v2(mutate=None, service_keys=True):
    def both(gw, providers):
        to_v2(gw, providers, service_keys)
        if mutate:
            mutate(gw, providers)

    return run(both)


def hops_of(evaluation, service="payments"):
    result = next(item for item in evaluation["services"] if item["name"] == service)
    return {hop["hop"]: hop for hop in result["hops"]}


def payments_integrations(gw):
    return [
        spec["integration"]
        for resource in gw["resources"]
        if resource["path"].startswith("/payments")
        for spec in resource["methods"].values()
    ]


@pytest.mark.parametrize("service_keys", [True, "version"], ids=["joins-keys", "version-only"])
def test_v2_golden_passes_every_hop(service_keys):
    evaluation = run_v2(service_keys=service_keys)
    assert evaluation["ok"], evaluation["failed"]
    for service in evaluation["services"]:
        assert [hop["hop"] for hop in service["hops"]] == list(topology.HOPS)
        assert {hop["status"] for hop in service["hops"]} == {"ok"}
        assert service["resolved"]["vpc_link_id"] == LINK_V2
        assert service["resolved"]["vpc_link_version"] == "v2"
        assert service["resolved"]["integration_target_arn"] == NLB_ARN
        assert service["resolved"]["nlb_arn"] == NLB_ARN
    hops = hops_of(evaluation)
    assert hops["vpc_link"]["resource"] == f"VPC link v2 open-banking-gateway ({LINK_V2})"
    assert hops["vpc_link"]["detail"] == (
        f"AVAILABLE, subnets subnet-a1, subnet-a2 in vpc-a, egress tcp/8080 to 10.100.1.0/24 ({LINK_SG} "
        f"10.100.0.0/16); 10.100.2.0/24 ({LINK_SG} 10.100.0.0/16)"
    )
    assert f"(integrationTarget {NLB_ARN})" in hops["integration"]["detail"]
    assert hops_of(evaluation, "cards")["vpc_link"]["detail"].startswith("AVAILABLE, subnets")


def test_v2_link_is_found_by_the_gateway_tag_when_the_state_does_not_name_it():
    def no_route(gw, providers):
        missing_route_resource(gw, providers)
        providers["payments"]["services"][0].pop("vpc_link_id")

    hops = hops_of(run_v2(no_route))
    assert hops["api_route"]["status"] == "fail" and hops["integration"]["status"] == "skipped"
    assert hops["vpc_link"]["status"] == "ok" and LINK_V2 in hops["vpc_link"]["resource"]


def test_v2_inactive_link_carries_traffic():
    evaluation = run_v2(lambda gw, providers: gw["vpc_links"][0].update(status="INACTIVE"))
    assert evaluation["ok"], evaluation["failed"]
    assert "INACTIVE (AWS reactivates it on the next request)" in hops_of(evaluation)["vpc_link"]["detail"]


@pytest.mark.parametrize(
    "egress",
    [
        [egress_rule(None, None, ["0.0.0.0/0"], protocol="-1")],  # the default egress rule of a group
        [egress_rule(8080, 8081, ["10.100.1.0/24"]), egress_rule(8000, 9000, ["10.100.2.0/24"])],  # a union
        [egress_rule(0, 65535, ["10.0.0.0/8"])],  # a wider block
    ],
    ids=["all-traffic", "union-of-rules", "wider-block"],
)
def test_v2_link_egress_that_covers_the_nlb_subnets_counts(egress):
    evaluation = run_v2(lambda gw, providers: gw.update(security_groups=[link_security_group(egress)]))
    assert evaluation["ok"], evaluation["failed"]


def test_v2_link_egress_to_the_nlb_security_group_counts():
    def nlb_group(gw, providers):
        gw["load_balancers"][0]["security_groups"] = ["sg-nlb"]
        rule = egress_rule(8080, 8081, [], group_pairs=[{"group_id": "sg-nlb", "user_id": A, "peering_id": None}])
        gw["security_groups"] = [link_security_group([rule])]

    assert run_v2(nlb_group)["ok"]


# The new faults: each fails exactly its own hop, the others stay ok (or skipped).


def v2_link_pending(gw, providers):
    gw["vpc_links"][0].update(status="PENDING")


def v2_link_failed(gw, providers):
    gw["vpc_links"][0].update(status="FAILED", status_message="Subnet subnet-a2 has no free IP address")


def v2_link_deleting(gw, providers):
    gw["vpc_links"][0].update(status="DELETING")


def v2_link_subnet_outside_the_nlb_vpc(gw, providers):
    gw["vpc_links"][0]["subnet_ids"] = ["subnet-a1", "subnet-elsewhere"]


def v2_link_without_subnet(gw, providers):
    gw["vpc_links"][0]["subnet_ids"] = []


def v2_link_sg_without_the_egress_port(gw, providers):
    # Only the cards listener port: payments (listener 8080) cannot be reached.
    gw["security_groups"] = [link_security_group([egress_rule(8081, 8081, ["10.100.0.0/16"])])]


def v2_link_sg_egress_to_one_nlb_subnet(gw, providers):
    gw["security_groups"] = [link_security_group([egress_rule(8080, 8081, ["10.100.1.0/24"])])]


def v2_link_sg_without_egress(gw, providers):
    gw["security_groups"] = [link_security_group([])]


def v2_link_without_security_group(gw, providers):
    gw["vpc_links"][0]["security_group_ids"] = []
    gw["security_groups"] = []


def v2_link_security_group_gone(gw, providers):
    gw["security_groups"] = []


def v2_link_gone(gw, providers):
    gw["vpc_links"] = []


def v2_integration_target_missing(gw, providers):
    for integ in payments_integrations(gw):
        integ.pop("integration_target")


def v2_integration_target_another_load_balancer(gw, providers):
    other = copy.deepcopy(gw["load_balancers"][0])
    other.update(arn=OTHER_NLB_ARN, name="other", dns_name="other-1.elb.us-east-1.amazonaws.com", tags={})
    gw["load_balancers"].append(other)
    for integ in payments_integrations(gw):
        integ["integration_target"] = OTHER_NLB_ARN


def v2_integration_over_a_v1_link(gw, providers):
    # The inventory says nlb-v2; the payments integrations still use the old REST v1 link.
    gw["vpc_links"].append(
        {"id": "lnk111", "name": "open-banking", "version": "v1", "status": "AVAILABLE", "target_arns": [NLB_ARN]}
    )
    for integ in payments_integrations(gw):
        integ.pop("integration_target")
        integ["connection_id"] = "lnk111"


BOTH_LINKS = [("cards", "vpc_link"), ("payments", "vpc_link")]
V2_FAULTS = [
    (v2_link_pending, BOTH_LINKS),
    (v2_link_failed, BOTH_LINKS),
    (v2_link_deleting, BOTH_LINKS),
    (v2_link_subnet_outside_the_nlb_vpc, BOTH_LINKS),
    (v2_link_without_subnet, BOTH_LINKS),
    (v2_link_sg_without_the_egress_port, [("payments", "vpc_link")]),
    (v2_link_sg_egress_to_one_nlb_subnet, BOTH_LINKS),
    (v2_link_sg_without_egress, BOTH_LINKS),
    (v2_link_without_security_group, BOTH_LINKS),
    (v2_link_security_group_gone, BOTH_LINKS),
    (v2_link_gone, BOTH_LINKS + [("cards", "integration"), ("payments", "integration")]),
    (v2_integration_target_missing, [("payments", "integration")]),
    (v2_integration_target_another_load_balancer, [("payments", "integration")]),
    (v2_integration_over_a_v1_link, [("payments", "integration")]),
]


@pytest.mark.parametrize("service_keys", [True, "version"], ids=["joins-keys", "version-only"])
@pytest.mark.parametrize("mutate, expected", V2_FAULTS, ids=[f.__name__ for f, dummy in V2_FAULTS])
def test_v2_fault_fails_exactly_its_hop(mutate, expected, service_keys):
    evaluation = run_v2(mutate, service_keys)
    assert failed_pairs(evaluation) == sorted(expected)
    for hop in evaluation["failed"]:
        assert hop["fix"] and hop["account"] == A and hop["resource"] and hop["detail"], hop
    for result in evaluation["services"]:
        statuses = {hop["hop"]: hop["status"] for hop in result["hops"]}
        failed = {hop for service, hop in expected if service == result["name"]}
        assert {name for name, status in statuses.items() if status != "ok"} == failed, statuses


def v2_fault_hop(mutate, hop="vpc_link", service_keys=True):
    evaluation = run_v2(mutate, service_keys)
    return next(item for item in evaluation["failed"] if item["service"] == "payments" and item["hop"] == hop)


def test_v2_link_status_faults_name_the_status_and_the_fix():
    hop = v2_fault_hop(v2_link_pending)
    assert hop["resource"] == f"VPC link v2 open-banking-gateway ({LINK_V2})"
    assert hop["detail"] == "status PENDING"
    assert hop["fix"] == "wait until it is AVAILABLE (it can take minutes), then re-run verify"

    hop = v2_fault_hop(v2_link_failed)
    assert hop["detail"] == "status FAILED: Subnet subnet-a2 has no free IP address"
    assert "create the VPC link v2 again" in hop["fix"] and "shared_gateway_private_integration: nlb-v2" in hop["fix"]


def test_v2_link_subnet_fault_names_the_subnet_and_the_vpc():
    hop = v2_fault_hop(v2_link_subnet_outside_the_nlb_vpc)
    assert hop["detail"] == "subnet(s) subnet-elsewhere not in the NLB's VPC vpc-a"
    assert "subnets of vpc-a (the NLB's: subnet-a1, subnet-a2" in hop["fix"] and "shared_gateway role" in hop["fix"]


def test_v2_link_egress_fault_names_the_port_the_group_and_the_fix():
    hop = v2_fault_hop(v2_link_sg_without_the_egress_port)
    assert hop["detail"] == f"{LINK_SG} allows no egress tcp/8080 to 10.100.1.0/24, 10.100.2.0/24 (the NLB's subnets)"
    assert hop["fix"] == (
        f"authorize egress tcp/8080 to 10.100.0.0/16 on {LINK_SG} (the link's security group: shared_gateway role)"
    )
    hop = v2_fault_hop(v2_link_sg_egress_to_one_nlb_subnet)
    assert "allows no egress tcp/8080 to 10.100.2.0/24 (the NLB's subnets)" in hop["detail"]


def test_v2_link_without_security_group_says_why():
    hop = v2_fault_hop(v2_link_without_security_group)
    assert hop["detail"].startswith("no security group (AWS then gives the link the VPC's default group")
    hop = v2_fault_hop(v2_link_security_group_gone)
    assert hop["detail"] == f"security group(s) {LINK_SG} not found in account {A}"


def test_v2_integration_target_faults_name_the_field_and_the_fix():
    hop = v2_fault_hop(v2_integration_target_missing, "integration")
    assert f"ANY /payments: no integrationTarget; over the VPC link v2 {LINK_V2} it must name" in hop["detail"]
    assert NLB_ARN in hop["detail"]
    assert hop["fix"] == (
        f"point the integration at the VPC link v2 {LINK_V2} with integrationTarget {NLB_ARN} and "
        f"http://{DNS}:8080/ (re-run the api_publish role, shared_gateway_private_integration: nlb-v2), "
        "then redeploy the stage"
    )

    for service_keys in (True, "version"):
        hop = v2_fault_hop(v2_integration_target_another_load_balancer, "integration", service_keys)
        assert f"integrationTarget {OTHER_NLB_ARN} (other) is not the service's NLB open-banking ({NLB_ARN})" in (
            hop["detail"]
        )
        assert f"with integrationTarget {NLB_ARN}" in hop["fix"]


def test_v2_expected_but_the_integration_uses_a_v1_link():
    evaluation = run_v2(v2_integration_over_a_v1_link)
    hop = evaluation["failed"][0]
    assert "uses the VPC link v1 lnk111, but the service's private integration expects a VPC link v2" in hop["detail"]
    assert f"VPC link v2 {LINK_V2}" in hop["fix"]
    # The link the API really uses is judged on its own facts: a working v1 link.
    assert hops_of(evaluation)["vpc_link"]["resource"] == "VPC link open-banking (lnk111)"


def test_v2_link_gone_fails_the_link_and_the_integration_that_names_it():
    hops = hops_of(run_v2(v2_link_gone))
    assert (
        hops["vpc_link"]["detail"]
        == f"no VPC link v2 {LINK_V2} in account {A} (published state, tag multiaccount:gateway)"
    )
    assert f"connectionId {LINK_V2} matches no VPC link" in hops["integration"]["detail"]


def test_v2_link_not_read_is_skipped_not_failed():
    # No integration at all (the API lost its routes): the reader had no reason to read the links v2.
    def no_routes(gw, providers):
        missing_route_resource(gw, providers)
        gw["vpc_links"] = []
        gw["vpc_link_versions"] = ["v1"]

    hops = hops_of(run_v2(no_routes))
    assert hops["api_route"]["status"] == "fail"
    assert hops["vpc_link"]["status"] == "skipped"
    assert hops["vpc_link"]["detail"] == "VPC links v2 were not read: no integration uses one (see integration)"


def v1_integration_with_a_target(gw, providers):
    gw["resources"][1]["methods"]["ANY"]["integration"]["integration_target"] = NLB_ARN


def v1_expected_but_the_integration_uses_a_v2_link(gw, providers):
    gw["vpc_links"].append(link_v2())
    gw["security_groups"] = [link_security_group([egress_rule(8080, 8081, ["10.100.0.0/16"])])]
    for integ in payments_integrations(gw):
        integ.update(connection_id=LINK_V2, integration_target=NLB_ARN)


@pytest.mark.parametrize(
    "mutate",
    [v1_integration_with_a_target, v1_expected_but_the_integration_uses_a_v2_link],
    ids=lambda f: f.__name__,
)
def test_v1_integration_fault_fails_exactly_the_integration(mutate):
    evaluation = run(mutate)
    assert failed_pairs(evaluation) == [("payments", "integration")]
    assert {hop["status"] for hop in hops_of(evaluation).values() if hop["hop"] != "integration"} == {"ok"}
    hop = evaluation["failed"][0]
    assert "shared_gateway_private_integration: nlb-v1" in hop["fix"] and "without integrationTarget" in hop["fix"]


def test_v1_integration_fault_details():
    hop = run(v1_integration_with_a_target)["failed"][0]
    assert hop["detail"] == (
        f"ANY /payments: integrationTarget {NLB_ARN} over the VPC link v1 lnk111: only a VPC link v2 takes one"
    )
    assert hop["fix"].startswith("point the integration at the VPC link v1 lnk111, without integrationTarget")
    # No vpc_link_version: a v1 service (old callers); the v2 link the API uses is still judged as a v2 link.
    evaluation = run(v1_expected_but_the_integration_uses_a_v2_link)
    assert "uses the VPC link v2 lnkv2, but the service's private integration expects a VPC link v1" in (
        evaluation["failed"][0]["detail"]
    )
    assert hops_of(evaluation)["vpc_link"]["resource"] == f"VPC link v2 open-banking-gateway ({LINK_V2})"
    # The fix names the REST v1 link that targets the service's NLB.
    assert evaluation["failed"][0]["fix"].startswith("point the integration at the VPC link v1 lnk111, without")


def test_v2_nlb_resolution():
    # Published state: the integration target the state names (joins gives it as integration_target_arn).
    def state_target_only(gw, providers):
        for provider in providers.values():
            for service in provider["services"]:
                service.pop("nlb_arn")

    assert run_v2(state_target_only)["services"][0]["resolved"]["found_by"]["nlb"] == "published state"

    # Nothing else says which NLB: the integration's integrationTarget (the other NLB has no gateway tag,
    # the target groups name no load balancer).
    def only_the_integration_says(gw, providers):
        gw["load_balancers"][0]["tags"] = {}
        other = copy.deepcopy(gw["load_balancers"][0])
        other.update(arn=OTHER_NLB_ARN, name="other", dns_name="other-1.elb.us-east-1.amazonaws.com")
        gw["load_balancers"].append(other)
        for group in gw["target_groups"]:
            group["load_balancer_arns"] = []

    evaluation = run_v2(only_the_integration_says, service_keys="version")
    assert evaluation["services"][0]["resolved"]["nlb_arn"] == NLB_ARN
    assert evaluation["services"][0]["resolved"]["found_by"]["nlb"] == "the integration's integrationTarget"
    assert evaluation["ok"], evaluation["failed"]


def test_v2_stage_export_compares_integration_targets_when_it_has_them():
    def exported(target):
        def mutate(gw, providers):
            gw["deployment"].update(fingerprint=None)
            gw["deployment"]["exported_integrations"] = [
                {
                    "path": resource["path"],
                    "http_method": name,
                    "type": spec["integration"]["type"],
                    "uri": spec["integration"]["uri"],
                    "connection_type": "VPC_LINK",
                    "connection_id": spec["integration"]["connection_id"],
                    "integration_target": target,
                }
                for resource in gw["resources"]
                for name, spec in resource["methods"].items()
            ]

        return mutate

    assert run_v2(exported(NLB_ARN))["ok"]
    evaluation = run_v2(exported(OTHER_NLB_ARN))
    assert failed_pairs(evaluation) == [("cards", "stage_deployment"), ("payments", "stage_deployment")]


def test_expected_services_copies_the_link_flavour_only_when_given():
    provider = {
        "name": "p",
        "services": [
            {"name": "a", "port": 1, "targets": [], "vpc_link_version": "v2", "integration_target_arn": NLB_ARN},
            {"name": "b", "port": 2, "targets": [], "vpc_link_version": "v1", "integration_target_arn": None},
            {"name": "c", "port": 3, "targets": []},
        ],
    }
    state = {"services": {"c": {"vpc_link_version": "v2", "integration_target_arn": NLB_ARN}}}
    services = {svc["name"]: svc for svc in topology.expected_services({"state": state}, [provider])}
    assert (services["a"]["vpc_link_version"], services["a"]["integration_target_arn"]) == ("v2", NLB_ARN)
    assert services["b"]["vpc_link_version"] == "v1" and "integration_target_arn" not in services["b"]
    assert (services["c"]["vpc_link_version"], services["c"]["integration_target_arn"]) == ("v2", NLB_ARN)
    assert [topology.expected_link_version(svc) for svc in ({}, {"vpc_link_version": "V2"}, services["b"])] == [
        "v1",
        "v2",
        "v1",
    ]


def test_v2_graph_draws_the_link_v2_in_the_gateway_vpc():
    gateway, providers = golden()
    to_v2(gateway["snapshot"], {p["name"]: p for p in providers})
    v2_link_sg_without_the_egress_port(gateway["snapshot"], None)
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    node = graph.nodes[f"link_{LINK_V2}"]
    assert node["lines"] == [
        "VPC link v2 open-banking-gateway",
        f"{LINK_V2} · AVAILABLE",
        f"sg {LINK_SG}",
    ]
    assert node["cluster"] == "vpc_a_vpc_a" and node["status"] == "fail" and node["failed"] == ["vpc_link"]
    assert (f"link_{LINK_V2}", "nlb_open_banking", "integrationTarget") in graph.edges
    mermaid = topology.render_mermaid(graph)
    assert "VPC link v2 open-banking-gateway" in mermaid and "FAILED: vpc_link" in mermaid
    assert '-->|"integrationTarget"| nlb_open_banking' in mermaid
    dot = topology.render_dot(graph)
    assert 'label="VPC link v2 open-banking-gateway\\n' in dot

    # v1 stays as it was: "VPC link <name>" in the account, an unlabelled edge to the NLB.
    gateway, providers = golden()
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    assert graph.nodes["link_lnk111"]["lines"][0] == "VPC link open-banking"
    assert graph.nodes["link_lnk111"]["cluster"] == "acct_111111111111"
    assert ("link_lnk111", "nlb_open_banking", "") in graph.edges


# ---------------------------------------------------------------------------------------------
# alb-v2 (shared_gateway_private_integration: alb-v2): one VPC link v2, an internal ALB with its own
# security group, one HTTP listener on 80 (fixed 404 by default) with a forward rule per service path,
# HTTP IP target groups with a health check
# ---------------------------------------------------------------------------------------------

ALB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{A}:loadbalancer/app/open-banking-alb/00aa11bb22cc33dd"
ALB_DNS = "internal-open-banking-alb-0123.us-east-1.elb.amazonaws.com"
ALB_SG = "sg-alb"
ALB_LISTENER = f"arn:aws:elasticloadbalancing:us-east-1:{A}:listener/app/open-banking-alb/00aa11bb22cc33dd/l80"
TG_PAY_HTTP = f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/open-banking-payments-http/4444"
TG_CARDS_HTTP = f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/open-banking-cards-http/5555"
TG_LIMITS_HTTP = f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/open-banking-card-limits-http/6666"
HEALTH = {"payments": {"path": "/health", "matcher": "200-399"}, "cards": {"path": "/", "matcher": "200-399"}}


def alb_rule(priority, path, target, **changes):
    rule = {
        "arn": f"rule-{priority}",
        "priority": priority,
        "is_default": False,
        "path_patterns": [f"/{path}", f"/{path}/*"],
        "other_conditions": [],
        "action_type": "forward",
        "target_group_arns": [target],
    }
    rule.update(changes)
    return rule


DEFAULT_RULE = {
    "arn": "rule-default",
    "priority": None,
    "is_default": True,
    "path_patterns": [],
    "other_conditions": [],
    "action_type": "fixed-response",
    "target_group_arns": [],
}


def alb_security_group(ingress=None, egress=None):
    return {
        "id": ALB_SG,
        "name": "open-banking-gateway-alb",
        "vpc_id": "vpc-a",
        "owner_id": A,
        "tags": {},
        "ingress": (
            ingress
            if ingress is not None
            else [egress_rule(80, 80, [], group_pairs=[{"group_id": LINK_SG, "user_id": A, "peering_id": None}])]
        ),
        "egress": egress if egress is not None else [egress_rule(None, None, ["0.0.0.0/0"], protocol="-1")],
    }


def http_tg(arn, name, port, ip, service, health):
    group = tg(arn, name, port, ip, service)
    group.update(
        protocol="HTTP",
        load_balancer_arns=[ALB_ARN],
        health_check={"protocol": "HTTP", "path": health["path"], "matcher": health["matcher"]},
    )
    return group


def to_alb(gw, providers, service_keys=True):
    """The golden topology as shared_gateway_private_integration: alb-v2 builds it.

    ``service_keys``: the services carry what joins.verify_providers gives them; with ``"type"`` only
    ``vpc_link_version`` and ``load_balancer_type`` (the rest is found by tags and rules).
    """
    gw["load_balancers"] = [
        {
            "arn": ALB_ARN,
            "name": "open-banking-alb",
            "dns_name": ALB_DNS,
            "type": "application",
            "scheme": "internal",
            "state": "active",
            "vpc_id": "vpc-a",
            "subnet_ids": ["subnet-a1", "subnet-a2"],
            "security_groups": [ALB_SG],
            "security_group_ids": [ALB_SG],
            "tags": {"multiaccount:gateway": "open-banking"},
        }
    ]
    gw["listeners"] = [
        {
            "arn": ALB_LISTENER,
            "load_balancer_arn": ALB_ARN,
            "port": 80,
            "protocol": "HTTP",
            "target_group_arns": [],
            "default_action_type": "fixed-response",
            "rules": [alb_rule(1, "payments", TG_PAY_HTTP), alb_rule(2, "cards", TG_CARDS_HTTP), DEFAULT_RULE],
        }
    ]
    gw["target_groups"] = [
        http_tg(TG_PAY_HTTP, "open-banking-payments-http", 8080, "10.0.1.25", "payments", HEALTH["payments"]),
        http_tg(TG_CARDS_HTTP, "open-banking-cards-http", 8081, "10.1.1.10", "cards", HEALTH["cards"]),
    ]
    gw["vpc_links"] = [link_v2()]
    gw["vpc_link_versions"] = ["v1", "v2"]
    # The link: egress tcp/80 to the gateway VPC; the ALB: ingress tcp/80 from the link's group.
    gw["security_groups"] = [link_security_group([egress_rule(80, 80, ["10.100.0.0/16"])]), alb_security_group()]
    for resource in gw["resources"]:
        base = "/payments" if resource["path"].startswith("/payments") else "/cards"
        suffix = "/{proxy}" if resource["path"].endswith("{proxy+}") else ""
        for spec in resource["methods"].values():
            spec["integration"].update(
                uri=f"http://{ALB_DNS}:80{base}{suffix}", connection_id=LINK_V2, integration_target=ALB_ARN
            )
    for provider in providers.values():
        for service in provider["services"]:
            service.update(vpc_link_version="v2", load_balancer_type="application")
            if service_keys is True:
                service.update(
                    listener_port=80,
                    integration_target_arn=ALB_ARN,
                    nlb_arn=ALB_ARN,
                    vpc_link_id=LINK_V2,
                    health_check=dict(HEALTH[service["name"]]),
                    target_group_arn=TG_PAY_HTTP if service["name"] == "payments" else TG_CARDS_HTTP,
                )


def run_alb(mutate=None, service_keys=True):
    def both(gw, providers):
        to_alb(gw, providers, service_keys)
        if mutate:
            mutate(gw, providers)

    return run(both)


def alb_fault_hop(mutate, hop, service="payments"):
    evaluation = run_alb(mutate)
    return next(item for item in evaluation["failed"] if item["service"] == service and item["hop"] == hop)


@pytest.mark.parametrize("service_keys", [True, "type"], ids=["joins-keys", "type-only"])
def test_alb_golden_passes_every_hop(service_keys):
    evaluation = run_alb(service_keys=service_keys)
    assert evaluation["ok"], evaluation["failed"]
    for service in evaluation["services"]:
        assert [hop["hop"] for hop in service["hops"]] == list(topology.ALB_HOPS)
        assert {hop["status"] for hop in service["hops"]} == {"ok"}
        resolved = service["resolved"]
        assert (resolved["nlb_arn"], resolved["vpc_link_id"], resolved["vpc_link_version"]) == (ALB_ARN, LINK_V2, "v2")
        assert (resolved["integration_target_arn"], resolved["load_balancer_type"]) == (ALB_ARN, "application")
        assert service["listener_port"] == 80
    assert evaluation["summary"][0] == "payments (/payments, provider payments): ok (14 hops checked)"
    hops = hops_of(evaluation)
    assert hops["nlb"]["resource"] == f"ALB open-banking-alb ({ALB_ARN})"
    assert hops["nlb"]["detail"] == f"internal, active, 2 subnets, {ALB_DNS}"
    assert hops["listener"]["resource"] == "listener HTTP:80 on ALB open-banking-alb"
    assert hops["listener"]["detail"] == (
        "HTTP:80 /payments, /payments/* -> open-banking-payments-http by rule 1 (/payments, /payments/*)"
    )
    assert hops["alb_security_group"]["resource"] == f"security group(s) {ALB_SG} of ALB open-banking-alb"
    assert hops["alb_security_group"]["detail"] == (
        f"ingress tcp/80 from the link's group ({ALB_SG} <- {LINK_SG}), egress tcp/8080 to 10.0.1.25 "
        f"({ALB_SG} 0.0.0.0/0)"
    )
    assert hops["vpc_link"]["detail"].startswith("AVAILABLE, subnets subnet-a1, subnet-a2 in vpc-a, egress tcp/80")
    assert hops["target_group"]["detail"] == "HTTP, type ip, port 8080, health check HTTP /health 200-399"
    assert evaluation["services"][0]["resolved"]["listener_rule"] == {
        "priority": 1,
        "is_default": False,
        "path_patterns": ["/payments", "/payments/*"],
        "target_group_arns": [TG_PAY_HTTP],
    }
    if service_keys == "type":
        found_by = evaluation["services"][0]["resolved"]["found_by"]
        assert found_by["nlb"] == "the target group's load balancer"
        assert found_by["listener_port"] == "the listener forwarding to the target group"


def test_nlb_paths_keep_their_thirteen_hops_and_resolution():
    for evaluation in (run(), run_v2()):
        for service in evaluation["services"]:
            assert [hop["hop"] for hop in service["hops"]] == list(topology.HOPS)
            assert "alb_security_group" not in [hop["hop"] for hop in service["hops"]]
            assert service["resolved"]["load_balancer_type"] == "network"
            assert "listener_rule" not in service["resolved"]


@pytest.mark.parametrize(
    "ingress",
    [
        [egress_rule(80, 80, ["10.100.1.0/24", "10.100.2.0/24"])],  # the link's subnets by CIDR
        [egress_rule(0, 65535, ["10.100.0.0/16"])],  # a wider block
        [egress_rule(None, None, [], protocol="-1", group_pairs=[{"group_id": LINK_SG}])],  # all traffic from the link
    ],
    ids=["link-subnet-cidrs", "gateway-vpc-cidr", "all-from-the-link-group"],
)
def test_alb_security_group_admitting_the_link_otherwise_counts(ingress):
    evaluation = run_alb(lambda gw, providers: gw["security_groups"].__setitem__(1, alb_security_group(ingress)))
    assert evaluation["ok"], evaluation["failed"]


def test_alb_default_health_check_and_unspecified_health_check_pass():
    def no_health_check(gw, providers):
        for provider in providers.values():
            for service in provider["services"]:
                service.pop("health_check")
        gw["target_groups"][0]["health_check"].update(path="/", matcher="200")

    assert run_alb(no_health_check)["ok"]


# Each alb-v2 fault fails exactly its own hop, the others stay ok.


def alb_is_a_network_lb(gw, providers):
    gw["load_balancers"][0]["type"] = "network"


def alb_internet_facing(gw, providers):
    gw["load_balancers"][0]["scheme"] = "internet-facing"


def alb_provisioning(gw, providers):
    gw["load_balancers"][0]["state"] = "provisioning"


def alb_in_one_subnet(gw, providers):
    gw["load_balancers"][0]["subnet_ids"] = ["subnet-a1"]


def alb_listener_missing(gw, providers):
    gw["listeners"] = []


def alb_listener_on_another_port(gw, providers):
    gw["listeners"][0]["port"] = 8000


def alb_rule_missing(gw, providers):
    gw["listeners"][0]["rules"] = gw["listeners"][0]["rules"][1:]


def alb_rule_forwards_elsewhere(gw, providers):
    gw["listeners"][0]["rules"][0]["target_group_arns"] = [TG_CARDS_HTTP]


def alb_rule_fixed_response(gw, providers):
    gw["listeners"][0]["rules"][0].update(action_type="fixed-response", target_group_arns=[])


def alb_rule_without_the_sub_paths(gw, providers):
    gw["listeners"][0]["rules"][0]["path_patterns"] = ["/payments"]


def alb_rule_taken_first_by_a_wider_rule(gw, providers):
    gw["listeners"][0]["rules"].insert(0, alb_rule(0, "pay", TG_CARDS_HTTP, path_patterns=["/pay*"]))


def alb_rule_with_a_host_condition(gw, providers):
    gw["listeners"][0]["rules"][0]["other_conditions"] = ["host-header"]


def alb_tg_protocol_tcp(gw, providers):
    gw["target_groups"][0]["protocol"] = "TCP"


def alb_tg_health_check_path(gw, providers):
    gw["target_groups"][0]["health_check"]["path"] = "/"


def alb_tg_health_check_matcher(gw, providers):
    gw["target_groups"][0]["health_check"]["matcher"] = "200"


def alb_tg_health_check_tcp(gw, providers):
    gw["target_groups"][0]["health_check"].update(protocol="TCP", path=None, matcher=None)


def alb_sg_without_ingress_from_the_link(gw, providers):
    gw["security_groups"][1] = alb_security_group(ingress=[])


def alb_sg_ingress_on_another_port(gw, providers):
    gw["security_groups"][1] = alb_security_group(
        ingress=[egress_rule(443, 443, [], group_pairs=[{"group_id": LINK_SG}])]
    )


def alb_sg_ingress_from_another_group(gw, providers):
    gw["security_groups"][1] = alb_security_group(ingress=[egress_rule(80, 80, [], group_pairs=[{"group_id": "sg-x"}])])


def alb_sg_without_egress(gw, providers):
    gw["security_groups"][1] = alb_security_group(egress=[])


def alb_sg_egress_to_cards_only(gw, providers):
    gw["security_groups"][1] = alb_security_group(egress=[egress_rule(8081, 8081, ["10.0.0.0/8"])])


def alb_without_security_group(gw, providers):
    gw["load_balancers"][0].update(security_groups=[], security_group_ids=[])


def alb_security_group_gone(gw, providers):
    del gw["security_groups"][1]


def alb_link_without_egress_to_80(gw, providers):
    gw["security_groups"][0] = link_security_group([egress_rule(8080, 8081, ["10.100.0.0/16"])])


def alb_link_subnet_outside_the_alb_vpc(gw, providers):
    gw["vpc_links"][0]["subnet_ids"] = ["subnet-a1", "subnet-elsewhere"]


def alb_integration_target_another_lb(gw, providers):
    other = copy.deepcopy(gw["load_balancers"][0])
    other.update(arn=OTHER_NLB_ARN, name="other", dns_name="other-1.elb.us-east-1.amazonaws.com", tags={})
    gw["load_balancers"].append(other)
    for integ in payments_integrations(gw):
        integ["integration_target"] = OTHER_NLB_ARN


def alb_integration_host_not_the_alb(gw, providers):
    gw["resources"][1]["methods"]["ANY"]["integration"]["uri"] = "http://elsewhere.example:80/payments"


def alb_integration_path_not_the_service(gw, providers):
    # An NLB-style URI: the ALB's default action (404) answers it.
    gw["resources"][1]["methods"]["ANY"]["integration"]["uri"] = f"http://{ALB_DNS}:80/"


def alb_integration_proxy_path_not_the_service(gw, providers):
    gw["resources"][2]["methods"]["ANY"]["integration"]["uri"] = f"http://{ALB_DNS}:80/{{proxy}}"


def alb_integration_port_not_the_listener(gw, providers):
    gw["resources"][1]["methods"]["ANY"]["integration"]["uri"] = f"http://{ALB_DNS}:8080/payments"


BOTH = ["cards", "payments"]
ALB_FAULTS = [
    (alb_is_a_network_lb, BOTH, "nlb"),
    (alb_internet_facing, BOTH, "nlb"),
    (alb_provisioning, BOTH, "nlb"),
    (alb_in_one_subnet, BOTH, "nlb"),
    (alb_listener_missing, BOTH, "listener"),
    (alb_listener_on_another_port, BOTH, "listener"),
    (alb_rule_missing, ["payments"], "listener"),
    (alb_rule_forwards_elsewhere, ["payments"], "listener"),
    (alb_rule_fixed_response, ["payments"], "listener"),
    (alb_rule_without_the_sub_paths, ["payments"], "listener"),
    (alb_rule_taken_first_by_a_wider_rule, ["payments"], "listener"),
    (alb_rule_with_a_host_condition, ["payments"], "listener"),
    (alb_tg_protocol_tcp, ["payments"], "target_group"),
    (alb_tg_health_check_path, ["payments"], "target_group"),
    (alb_tg_health_check_matcher, ["payments"], "target_group"),
    (alb_tg_health_check_tcp, ["payments"], "target_group"),
    (alb_sg_without_ingress_from_the_link, BOTH, "alb_security_group"),
    (alb_sg_ingress_on_another_port, BOTH, "alb_security_group"),
    (alb_sg_ingress_from_another_group, BOTH, "alb_security_group"),
    (alb_sg_without_egress, BOTH, "alb_security_group"),
    (alb_sg_egress_to_cards_only, ["payments"], "alb_security_group"),
    (alb_without_security_group, BOTH, "alb_security_group"),
    (alb_security_group_gone, BOTH, "alb_security_group"),
    (alb_link_without_egress_to_80, BOTH, "vpc_link"),
    (alb_link_subnet_outside_the_alb_vpc, BOTH, "vpc_link"),
    (alb_integration_target_another_lb, ["payments"], "integration"),
    (alb_integration_host_not_the_alb, ["payments"], "integration"),
    (alb_integration_path_not_the_service, ["payments"], "integration"),
    (alb_integration_proxy_path_not_the_service, ["payments"], "integration"),
    (alb_integration_port_not_the_listener, ["payments"], "integration"),
]
# A load balancer of the wrong type: its listeners and groups say nothing about the path (skipped).
ALB_SKIPPED = {alb_is_a_network_lb: {"listener", "alb_security_group"}}


@pytest.mark.parametrize("mutate, services, hop", ALB_FAULTS, ids=[f.__name__ for f, dummy, dummy2 in ALB_FAULTS])
def test_alb_fault_fails_exactly_its_hop(mutate, services, hop):
    evaluation = run_alb(mutate)
    assert failed_pairs(evaluation) == [(service, hop) for service in services]
    for item in evaluation["failed"]:
        assert item["fix"] and item["account"] == A and item["resource"] and item["detail"], item
    skipped = ALB_SKIPPED.get(mutate, set())
    for result in evaluation["services"]:
        statuses = {item["hop"]: item["status"] for item in result["hops"]}
        assert list(statuses) == list(topology.ALB_HOPS)
        expected = {hop} if result["name"] in services else set()
        assert {name for name, status in statuses.items() if status == "fail"} == expected, statuses
        assert {name for name, status in statuses.items() if status == "skipped"} == skipped, statuses


def test_alb_type_faults_name_both_types():
    hop = alb_fault_hop(alb_is_a_network_lb, "nlb")
    assert hop["resource"] == f"NLB open-banking-alb ({ALB_ARN})"
    assert hop["detail"] == "type network, expected application"
    assert "internal application load balancer" in hop["fix"] and "alb-v2" in hop["fix"]
    listener = hops_of(run_alb(alb_is_a_network_lb))["listener"]
    assert listener["detail"] == "open-banking-alb is a network load balancer, the service expects an ALB (see nlb)"

    # Vice versa: an nlb-v2 service whose load balancer is an ALB fails its nlb hop, and gets no ALB hop.
    def nlb_is_an_alb(gw, providers):
        gw["load_balancers"][0]["type"] = "application"

    evaluation = run_v2(nlb_is_an_alb)
    assert failed_pairs(evaluation) == [("cards", "nlb"), ("payments", "nlb")]
    hops = hops_of(evaluation)
    assert list(hops) == list(topology.HOPS)
    assert hops["nlb"]["resource"] == f"ALB open-banking ({NLB_ARN})"
    assert hops["nlb"]["detail"] == "type application, expected network"
    assert hops["listener"]["status"] == "skipped"


def test_alb_subnet_fault_names_the_subnets():
    hop = alb_fault_hop(alb_in_one_subnet, "nlb")
    assert hop["detail"] == "in 1 subnet(s) (subnet-a1), an ALB needs at least two (in two availability zones)"


def test_alb_listener_faults_name_the_rule_and_the_fix():
    hop = alb_fault_hop(alb_rule_missing, "listener")
    assert hop["detail"] == (
        "no rule forwards /payments, /payments/* to open-banking-payments-http: the default rule answers with its "
        "fixed-response action (listener default action fixed-response)"
    )
    assert hop["fix"] == (
        "add a rule to the listener 80 of open-banking-alb: path-pattern /payments, /payments/*, forward to "
        f"{TG_PAY_HTTP}, with a lower priority number than any rule whose patterns take the path (shared_gateway "
        "role, shared_gateway_private_integration: alb-v2)"
    )

    hop = alb_fault_hop(alb_rule_forwards_elsewhere, "listener")
    assert hop["detail"] == (
        "rule 1 (/payments, /payments/*), the rule of payments, forwards to open-banking-cards-http, not "
        "open-banking-payments-http"
    )
    assert hop["fix"] == (
        f"modify rule 1 to forward to {TG_PAY_HTTP} (shared_gateway role, shared_gateway_private_integration: alb-v2)"
    )

    hop = alb_fault_hop(alb_rule_without_the_sub_paths, "listener")
    assert hop["detail"].startswith("no rule forwards /payments/* to open-banking-payments-http")

    hop = alb_fault_hop(alb_rule_taken_first_by_a_wider_rule, "listener")
    assert hop["detail"] == (
        "rule 0 (/pay*) takes /payments, /payments/* first (priority 0) before rule 1 (/payments, /payments/*) "
        "of payments: it forwards to open-banking-cards-http"
    )
    assert hop["fix"].startswith("give rule 1 of payments a lower priority number than rule 0 (deeper paths first")

    hop = alb_fault_hop(alb_rule_with_a_host_condition, "listener")
    assert "only when host-header also match" in hop["detail"]

    hop = alb_fault_hop(alb_listener_missing, "listener")
    assert hop["detail"] == "no listener on port 80" and "fixed-response 404" in hop["fix"]


def test_alb_target_group_faults_name_the_health_check():
    hop = alb_fault_hop(alb_tg_health_check_path, "target_group")
    assert hop["detail"] == "health check path /, expected /health"
    assert hop["fix"].startswith("set the health check of open-banking-payments-http to path /health")
    hop = alb_fault_hop(alb_tg_health_check_matcher, "target_group")
    assert hop["detail"] == "health check matcher 200, expected 200-399"
    hop = alb_fault_hop(alb_tg_protocol_tcp, "target_group")
    assert hop["detail"] == "protocol TCP, an ALB target group is HTTP or HTTPS"
    assert "recreate the target group as HTTP, type ip, port 8080" in hop["fix"]


def test_alb_security_group_faults_name_the_group_and_the_fix():
    hop = alb_fault_hop(alb_sg_without_ingress_from_the_link, "alb_security_group")
    assert hop["resource"] == f"security group(s) {ALB_SG} of ALB open-banking-alb"
    assert hop["detail"] == (
        f"{ALB_SG} admits no tcp/80 from the VPC link v2 {LINK_V2}: not from its security group(s) {LINK_SG} "
        "nor from 10.100.1.0/24, 10.100.2.0/24 (its subnets)"
    )
    assert hop["fix"] == (
        f"authorize ingress tcp/80 from {LINK_SG} (the VPC link v2's security group) on {ALB_SG} (shared_gateway "
        "role, shared_gateway_private_integration: alb-v2)"
    )
    hop = alb_fault_hop(alb_sg_without_egress, "alb_security_group")
    assert hop["detail"] == f"{ALB_SG} allows no egress tcp/8080 to 10.0.1.25 (the targets of payments)"
    assert hop["fix"].startswith(f"authorize egress tcp/8080 to 10.0.0.0/16 on {ALB_SG}")
    hop = alb_fault_hop(alb_security_group_gone, "alb_security_group")
    assert hop["detail"] == f"security group(s) {ALB_SG} not found in account {A}"
    hop = alb_fault_hop(alb_without_security_group, "alb_security_group")
    assert hop["detail"] == "the ALB has no security group"


def test_alb_link_and_integration_faults_say_alb():
    hop = alb_fault_hop(alb_link_without_egress_to_80, "vpc_link")
    assert hop["detail"] == f"{LINK_SG} allows no egress tcp/80 to 10.100.1.0/24, 10.100.2.0/24 (the ALB's subnets)"
    hop = alb_fault_hop(alb_link_subnet_outside_the_alb_vpc, "vpc_link")
    assert hop["detail"] == "subnet(s) subnet-elsewhere not in the ALB's VPC vpc-a"
    assert "subnets of vpc-a (the ALB's: subnet-a1, subnet-a2" in hop["fix"]

    hop = alb_fault_hop(alb_integration_target_another_lb, "integration")
    assert f"integrationTarget {OTHER_NLB_ARN} (other) is not the service's ALB open-banking-alb ({ALB_ARN})" in (
        hop["detail"]
    )
    assert hop["fix"] == (
        f"point the integration at the VPC link v2 {LINK_V2} with integrationTarget {ALB_ARN} and "
        f"http://{ALB_DNS}:80/payments (re-run the api_publish role, shared_gateway_private_integration: alb-v2), "
        "then redeploy the stage"
    )
    hop = alb_fault_hop(alb_integration_host_not_the_alb, "integration")
    assert f"URI host elsewhere.example is not the service's ALB ({ALB_DNS})" in hop["detail"]
    hop = alb_fault_hop(alb_integration_path_not_the_service, "integration")
    assert hop["detail"] == (
        "ANY /payments: URI path / is outside /payments, /payments/*: the ALB routes on the path, the request "
        "never reaches the rule of payments (expected /payments)"
    )
    hop = alb_fault_hop(alb_integration_proxy_path_not_the_service, "integration")
    assert "expected /payments/{proxy}" in hop["detail"]
    hop = alb_fault_hop(alb_integration_port_not_the_listener, "integration")
    assert "URI port 8080 matches no listener of the service (expected 80; ALB listeners: 80)" in hop["detail"]


def card_limits(gw, providers, limits_first=True):
    """A nested service on the same ALB: /cards/limits, whose rule must come before the rule of /cards."""
    limits = http_tg(TG_LIMITS_HTTP, "open-banking-card-limits-http", 8082, "10.1.2.20", "card-limits", HEALTH["cards"])
    gw["target_groups"].append(limits)
    gw["resources"].append(
        {
            "id": "r9",
            "path": "/cards/limits",
            "methods": method(
                dict(integration(80, link=LINK_V2, path="/cards/limits", host=ALB_DNS), integration_target=ALB_ARN)
            ),
        }
    )
    rules = gw["listeners"][0]["rules"]
    cards_rule = rules[1]
    limits_rule = alb_rule(2, "cards/limits", TG_LIMITS_HTTP)
    if limits_first:
        cards_rule["priority"] = 3
        rules[1:2] = [limits_rule, cards_rule]
    else:
        limits_rule["priority"] = 3
        rules[2:2] = [limits_rule]
    cards = providers["cards"]
    service = dict(cards["services"][0], name="card-limits", port=8082, path="cards/limits", targets=["10.1.2.20"])
    service["target_group_arn"] = TG_LIMITS_HTTP
    cards["services"].append(service)
    target = copy.deepcopy(cards["snapshot"]["targets"][0])
    target.update(ip="10.1.2.20")
    cards["snapshot"]["targets"].append(target)
    cards["snapshot"]["security_groups"][0]["ingress"].append(
        {"protocol": "tcp", "from_port": 8082, "to_port": 8082, "cidrs": ["10.100.0.0/16"], "group_pairs": []}
    )


def test_alb_nested_paths_deeper_rule_first_passes():
    evaluation = run_alb(card_limits)
    assert evaluation["ok"], evaluation["failed"]
    limits = hops_of(evaluation, "card-limits")["listener"]
    assert limits["detail"] == (
        "HTTP:80 /cards/limits, /cards/limits/* -> open-banking-card-limits-http by rule 2 (/cards/limits, "
        "/cards/limits/*)"
    )


def test_alb_wider_rule_of_another_service_first_fails_only_the_nested_service():
    evaluation = run_alb(lambda gw, providers: card_limits(gw, providers, limits_first=False))
    assert failed_pairs(evaluation) == [("card-limits", "listener")]
    hop = evaluation["failed"][0]
    assert hop["detail"] == (
        "rule 2 (/cards, /cards/*) takes /cards/limits, /cards/limits/* first (priority 2) before rule 3 "
        "(/cards/limits, /cards/limits/*) of card-limits: it forwards to open-banking-cards-http"
    )
    assert hop["fix"].startswith("give rule 3 of card-limits a lower priority number than rule 2 (deeper paths first")
    for name in ("payments", "cards"):
        assert {item["status"] for item in hops_of(evaluation, name).values()} == {"ok"}


def test_alb_resolution_by_tags_and_rules():
    # Without tags or registered targets, the target group is the one the ALB's rule for the path forwards to.
    snap = golden_gateway()
    to_alb(snap, {})
    for group in snap["target_groups"]:
        group.update(tags={}, targets=[])
    service = {
        "name": "payments",
        "port": 8080,
        "path": "/payments",
        "targets": [],
        "load_balancer_type": "application",
    }
    resolved = topology.resolve_service(service, snap, "open-banking")
    assert resolved["nlb"]["arn"] == ALB_ARN and resolved["how"]["nlb"] == "the gateway's ALB"
    assert resolved["target_group"]["arn"] == TG_PAY_HTTP
    assert resolved["how"]["target_group"] == "rule 1 (/payments, /payments/*) of the ALB's listener 80"
    assert resolved["listener_port"] == 80

    # A network service is not resolved to the gateway's ALB (and an application one not to its NLB).
    # (only the integration that names it finds it then, so that the nlb hop says it is of the wrong type)
    network = topology.resolve_service(dict(service, load_balancer_type=None), snap, "open-banking")
    assert network["how"]["nlb"] == "the integration's integrationTarget"
    gateway = golden_gateway()
    for group in gateway["target_groups"]:
        group.update(tags={}, targets=[], load_balancer_arns=[])
    assert topology.resolve_service(service, gateway, "open-banking")["nlb"] is None
    assert topology.resolve_service(dict(service, load_balancer_type=None), gateway, "open-banking")["nlb"]

    # While a gateway moves from nlb-v2 to alb-v2 both target groups carry the service tag: each service
    # takes the one of its load balancer's kind.
    both = golden_gateway()
    to_alb(both, {})
    both["target_groups"] += golden_gateway()["target_groups"]
    both["target_groups"].reverse()
    assert topology.resolve_service(service, both, "open-banking")["target_group"]["arn"] == TG_PAY_HTTP
    network = dict(service, load_balancer_type="network")
    assert (
        topology.resolve_service(network, dict(both, target_groups=both["target_groups"][::-1]), None)["target_group"][
            "arn"
        ]
        == TG_PAY
    )


def test_expected_services_copies_the_load_balancer_type_and_health_check_only_when_given():
    provider = {
        "name": "p",
        "services": [
            {
                "name": "a",
                "port": 1,
                "targets": [],
                "load_balancer_type": "application",
                "health_check": {"path": "/h", "matcher": "200"},
            },
            {"name": "b", "port": 2, "targets": []},
        ],
    }
    state = {"services": {"b": {"load_balancer_type": "network"}}}
    services = {svc["name"]: svc for svc in topology.expected_services({"state": state}, [provider])}
    assert services["a"]["load_balancer_type"] == "application"
    assert services["a"]["health_check"] == {"path": "/h", "matcher": "200"}
    assert services["b"]["load_balancer_type"] == "network" and "health_check" not in services["b"]
    assert [topology.expected_lb_type(svc) for svc in ({}, services["a"], {"load_balancer_type": "Application"})] == [
        "network",
        "application",
        "application",
    ]


def test_path_patterns_and_rule_claims():
    assert topology.path_pattern_matches(["/cards/*"], "/cards/limits")
    assert topology.path_pattern_matches(["/cards/*"], "/cards/")
    assert not topology.path_pattern_matches(["/cards/*"], "/cards")
    assert topology.path_pattern_matches(["/car?s"], "/cards")
    assert not topology.path_pattern_matches(["/Cards"], "/cards")  # case-sensitive
    assert topology.path_pattern_matches(["/a.b"], "/a.b") and not topology.path_pattern_matches(["/a.b"], "/axb")
    assert topology.service_patterns("cards/limits") == ["/cards/limits", "/cards/limits/*"]
    listener = {
        "default_action_type": "fixed-response",
        "target_group_arns": [],
        "rules": [
            alb_rule(5, "cards", "tg-cards"),
            alb_rule(2, "x", "tg-x", path_patterns=[], other_conditions=["host-header"]),
        ],
    }
    claims = topology.rule_claims(listener, "/cards")
    # A rule without a path pattern (only a host-header) matches every path, and comes first here.
    assert {rule["priority"] for rule in claims.values()} == {2}
    claims = topology.rule_claims(dict(listener, rules=listener["rules"][:1]), "/other")
    assert {rule["is_default"] for rule in claims.values()} == {True}


def test_alb_graph_draws_the_alb_and_the_rule():
    gateway, providers = golden()
    to_alb(gateway["snapshot"], {p["name"]: p for p in providers})
    alb_sg_without_ingress_from_the_link(gateway["snapshot"], None)
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    node = graph.nodes["alb_open_banking_alb"]
    assert node["lines"] == [
        "ALB open-banking-alb",
        "internal · active",
        "subnets 10.100.1.0/24, 10.100.2.0/24",
        f"sg {ALB_SG}",
    ]
    assert node["status"] == "fail" and node["failed"] == ["alb_security_group"]
    rule = graph.nodes["rule_open_banking_alb_80_payments"]
    assert rule["lines"] == [
        "HTTP:80 /payments, /payments/* -> open-banking-payments-http",
        "rule 1 (/payments, /payments/*)",
    ]
    assert rule["status"] == "ok"
    assert (f"link_{LINK_V2}", "alb_open_banking_alb", "integrationTarget") in graph.edges
    assert ("alb_open_banking_alb", "rule_open_banking_alb_80_payments", "") in graph.edges
    assert ("rule_open_banking_alb_80_payments", "tg_open_banking_payments_http", "") in graph.edges
    assert graph.nodes["tg_open_banking_payments_http"]["lines"][1] == "HTTP · ip · port 8080"
    mermaid = topology.render_mermaid(graph)
    assert "ALB open-banking-alb" in mermaid and "FAILED: alb_security_group" in mermaid
    assert "HTTP:80 /payments, /payments/* -#gt; open-banking-payments-http" in mermaid
    assert "NLB" not in mermaid
    dot = topology.render_dot(graph)
    assert 'label="ALB open-banking-alb\\n' in dot
    markdown = topology.render_markdown(gateway, evaluation, mermaid)
    assert "| 5 | alb_security_group | **FAIL** | 111111111111 |" in markdown

    # A missing rule: the rule node says so and carries the listener's failure.
    gateway, providers = golden()
    to_alb(gateway["snapshot"], {p["name"]: p for p in providers})
    alb_rule_missing(gateway["snapshot"], None)
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    rule = graph.nodes["rule_open_banking_alb_80_payments"]
    assert rule["lines"] == ["HTTP:80 /payments, /payments/* -> open-banking-payments-http", "no rule"]
    assert rule["failed"] == ["listener"]


# alb-v2 with shared_gateway_certificate_arn: HTTPS on 443, the integrations name the certificate's host.
CERT_HOST = "api.bank.example"


def to_https(gw, providers, host=CERT_HOST):
    gw["listeners"][0].update(port=443, protocol="HTTPS")
    https_in = [egress_rule(443, 443, [], group_pairs=[{"group_id": LINK_SG, "user_id": A, "peering_id": None}])]
    gw["security_groups"] = [
        link_security_group([egress_rule(443, 443, ["10.100.0.0/16"])]),
        alb_security_group(ingress=https_in),
    ]
    for resource in gw["resources"]:
        for spec in resource["methods"].values():
            spec["integration"]["uri"] = spec["integration"]["uri"].replace(f"http://{ALB_DNS}:80", f"https://{host}")
    for provider in providers.values():
        for service in provider["services"]:
            service.update(listener_port=443, integration_host=CERT_HOST)


def test_alb_https_golden_passes_every_hop():
    evaluation = run_alb(to_https)
    assert evaluation["failed"] == [], [item["detail"] for item in evaluation["failed"]]


def test_alb_https_integration_naming_the_alb_dns_fails_only_the_integration():
    evaluation = run_alb(lambda gw, providers: to_https(gw, providers, host=ALB_DNS))
    assert {item["hop"] for item in evaluation["failed"]} == {"integration"}
    failure = next(item for item in evaluation["failed"] if item["service"] == "payments")
    assert f"is not the host of its ALB's certificate ({CERT_HOST})" in failure["detail"]
