# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gateway_load_balancers: input checks and planning on hand-made snapshots (pure), then main()
against moto in-process (no network), for network load balancers and for internal application load
balancers with path rules (with the emulator's patches G22 and G23, which in-process moto lacks)."""

import importlib.util
import os
import time

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import gateway_load_balancers as glb

from .moto_harness import record_api_calls, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
VPC = "vpc-0a1b2c3d4e5f67890"
OWN = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "gw"}
PREFIX = "arn:aws:elasticloadbalancing:us-east-1:111111111111"


def params(**overrides):
    base = {
        "state": "present",
        "gateway": "gw",
        "vpc_id": VPC,
        "subnet_ids": ["subnet-a", "subnet-b"],
        "load_balancers": [
            {
                "name": "gw-shared",
                "listeners": [
                    {"port": 8081, "target_group": "gw-a"},
                    {"port": 9082, "target_group": "gw-b"},
                ],
            }
        ],
        "target_groups": [
            {"name": "gw-a", "port": 8081, "targets": [{"ip": "10.1.0.5"}]},
            {"name": "gw-b", "port": 8082, "targets": [{"ip": "10.1.0.6"}]},
        ],
        "tags": None,
        "purge_tags": False,
        "purge": True,
        "wait": False,
        "wait_timeout": 600,
    }
    base.update(overrides)
    return base


def problems_of(**overrides):
    with pytest.raises(glb.InputProblems) as raised:
        glb.validate_params(params(**overrides))
    return raised.value.problems


# ------------------------------------------------------------------------------ input checks


def test_valid_input_is_normalised_with_defaults():
    spec = glb.validate_params(params())
    balancer = spec["load_balancers"][0]
    assert (balancer["type"], balancer["scheme"], balancer["cross_zone"]) == ("network", "internal", True)
    assert balancer["tags"] == OWN
    assert balancer["listeners"][1] == {
        "field": "load_balancers[0].listeners[1]",
        "port": 9082,
        "protocol": "TCP",
        "target_group": "gw-b",
        "certificate_arn": None,
        "ssl_policy": None,
        "rules": None,
    }
    assert balancer["security_groups"] is None and spec["keep"] == []
    group = spec["target_groups"][0]
    assert group["health_check"] == {
        "protocol": "TCP",
        "port": "traffic-port",
        "interval": 30,
        "healthy_threshold": 3,
        "unhealthy_threshold": 3,
        "timeout": None,
        "path": None,
        "matcher": None,
    }
    assert group["targets"] == [
        {"field": "target_groups[0].targets[0]", "ip": "10.1.0.5", "port": None, "availability_zone": None}
    ]
    assert spec["served_by"] == {"gw-a": "gw-shared", "gw-b": "gw-shared"}
    assert spec["listener_tags"] == OWN


def test_every_input_problem_is_reported_at_once_naming_its_field():
    problems = problems_of(
        load_balancers=[
            {
                "name": "-bad",
                "listeners": [
                    {"port": 1, "target_group": "nope"},
                    {"port": 1, "target_group": "gw-a"},
                ],
            },
            {"name": "gw-two", "listeners": [{"port": 2, "target_group": "gw-a"}]},
        ],
        target_groups=[{"name": "gw-a", "port": 80, "targets": [{"ip": "10.1.0.5"}, {"ip": "10.0.0.x"}]}],
    )
    assert problems == [
        "load_balancers[0].name: '-bad' is not a valid load balancer name (1-32 letters, digits and hyphens, "
        "not starting or ending with a hyphen)",
        "load_balancers[0].listeners[1].port: 1 is listed twice on load balancer '-bad' "
        "(load_balancers[0].listeners[0] and load_balancers[0].listeners[1]); give each listener its own port",
        "target_groups[0].targets[1].ip: '10.0.0.x' is not an IPv4 address (expected e.g. 10.0.1.25)",
        "load_balancers[0].listeners[0].target_group: 'nope' is not the name of an entry of target_groups "
        "(listed: gw-a); add the target group or fix the name",
        "load_balancers[1].listeners[0].target_group: target group 'gw-a' is also forwarded by load balancer '-bad' "
        "(load_balancers[0].listeners[1]); a target group serves one load balancer only: give each load balancer "
        "its own target group",
    ]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"gateway": ""}, "gateway: '' is not a valid tag value"),
        ({"vpc_id": "vpc_1"}, "vpc_id: 'vpc_1' is not a VPC id"),
        ({"vpc_id": None}, "vpc_id: required with state=present"),
        ({"wait_timeout": 0}, "wait_timeout: 0 must be a positive number of seconds"),
        ({"subnet_ids": ["subnet-a", "subnet-a"]}, "subnet_ids[1]: subnet-a is listed twice"),
        ({"subnet_ids": ["sn-1"]}, "subnet_ids[0]: 'sn-1' is not a subnet id"),
        ({"tags": {"aws:x": "1"}}, "tags: tag key 'aws:x' starts with 'aws:'"),
        ({"tags": {"ManagedBy": "me"}}, "tags.ManagedBy: 'me' differs from 'multiaccount.apigateway'"),
        ({"tags": {"multiaccount:gateway": "other"}}, "tags.multiaccount:gateway: 'other' differs from 'gw'"),
        ({"tags": {"team": None}}, "tags.team: tag values are strings"),
        (
            {"load_balancers": [{"name": "internal-gw", "listeners": []}]},
            "load_balancers[0].name: 'internal-gw' starts with 'internal-'",
        ),
        (
            {"load_balancers": [{"name": "a" * 33, "listeners": []}]},
            "load_balancers[0].name: '" + "a" * 33 + "' is not a valid load balancer name",
        ),
        (
            {"load_balancers": [{"name": "gw", "listeners": [{"port": 70000, "target_group": "gw-a"}]}]},
            "load_balancers[0].listeners[0].port: 70000 is not a port number (1-65535)",
        ),
        (
            {"load_balancers": [{"name": "gw", "listeners": [{"port": 1, "protocol": "TLS", "target_group": "gw-a"}]}]},
            "load_balancers[0].listeners[0].certificate_arn: a TLS listener needs a certificate",
        ),
        (
            {
                "load_balancers": [
                    {
                        "name": "gw",
                        "listeners": [{"port": 1, "target_group": "gw-a", "certificate_arn": "arn:aws:acm:x"}],
                    }
                ]
            },
            "load_balancers[0].listeners[0].certificate_arn: only TLS listeners take a certificate_arn",
        ),
        (
            {"load_balancers": [{"name": "gw", "listeners": [{"port": 1, "protocol": "UDP", "target_group": "gw-a"}]}]},
            "load_balancers[0].listeners[0].protocol: a UDP listener cannot forward to TCP target group 'gw-a'",
        ),
        (
            {
                "load_balancers": [
                    {"name": "gw", "listeners": [{"port": p, "target_group": "gw-a"} for p in range(1, 52)]}
                ]
            },
            "load_balancers[0].listeners: 51 listeners; a network load balancer takes 50",
        ),
        ({"target_groups": [{"name": "gw-a", "port": 0}]}, "target_groups[0].port: 0 is not a port number"),
        (
            {"target_groups": [{"name": "gw-a", "port": 80}, {"name": "gw-a", "port": 81}]},
            "target_groups[1].name: target group 'gw-a' is listed twice (target_groups[0] and target_groups[1])",
        ),
        (
            {"target_groups": [{"name": "gw-a", "port": 80, "health_check": {"interval": 1}}]},
            "target_groups[0].health_check.interval: 1 is out of range; give a whole number from 5 to 300",
        ),
        (
            {"target_groups": [{"name": "gw-a", "port": 80, "health_check": {"interval": 10, "timeout": 20}}]},
            "target_groups[0].health_check.timeout: 20 is longer than the interval (10)",
        ),
        (
            {"target_groups": [{"name": "gw-a", "port": 80, "health_check": {"path": "/health"}}]},
            "target_groups[0].health_check.path: only HTTP and HTTPS health checks take a path",
        ),
        (
            {"target_groups": [{"name": "gw-a", "port": 80, "health_check": {"protocol": "HTTP", "matcher": "ok"}}]},
            "target_groups[0].health_check.matcher: 'ok' is not a list of HTTP codes",
        ),
        (
            {"target_groups": [{"name": "gw-a", "port": 80, "health_check": {"port": "http"}}]},
            "target_groups[0].health_check.port: 'http' is not a port number (1-65535)",
        ),
        (
            {
                "target_groups": [
                    {"name": "gw-a", "port": 80, "targets": [{"ip": "10.1.0.5", "availability_zone": "x y"}]}
                ]
            },
            "target_groups[0].targets[0].availability_zone: 'x y' is not an availability zone name",
        ),
    ],
)
def test_input_problems_name_the_field(overrides, message):
    assert any(message in problem for problem in problems_of(**overrides)), problems_of(**overrides)


def test_ownership_tags_may_repeat_their_own_values():
    spec = glb.validate_params(params(tags=dict(OWN, team="platform")))
    assert spec["listener_tags"] == dict(OWN, team="platform")


def test_absent_ignores_the_lists_and_needs_no_vpc():
    spec = glb.validate_params(params(state="absent", vpc_id=None, load_balancers=[{"name": "-bad"}]))
    assert spec["load_balancers"] == [] and spec["vpc_id"] is None


# ---------------------------------------------------------------------------------- planning


def lb_arn(name):
    return f"{PREFIX}:loadbalancer/net/{name}/0123456789abcdef"


def tg_arn(name):
    return f"{PREFIX}:targetgroup/{name}/0123456789abcdef"


def listener(balancer, port, group, ours=True, tags=None, protocol="TCP"):
    return {
        "arn": f"{PREFIX}:listener/net/{balancer}/0123456789abcdef/{port:016x}",
        "load_balancer_arn": lb_arn(balancer),
        "port": port,
        "protocol": protocol,
        "target_group_arns": [tg_arn(group)],
        "certificate_arn": None,
        "ssl_policy": None,
        "tags": dict(OWN) if tags is None and ours else dict(tags or {}),
        "ours": ours,
    }


def balancer(
    name, listeners=None, ours=True, vpc=VPC, cross_zone=True, subnets=("subnet-a", "subnet-b"), scheme="internal"
):
    zones = {"subnet-a": "us-east-1a", "subnet-b": "us-east-1b", "subnet-c": "us-east-1c"}
    return {
        "name": name,
        "arn": lb_arn(name),
        "dns_name": f"{name}.elb.amazonaws.com",
        "state": "active",
        "type": "network",
        "scheme": scheme,
        "vpc_id": vpc,
        "subnet_ids": list(subnets),
        "zones": {subnet: zones[subnet] for subnet in subnets},
        "tags": dict(OWN) if ours else {},
        "ours": ours,
        "listeners": listeners,
        "attributes": (
            {"load_balancing.cross_zone.enabled": "true" if cross_zone else "false"} if listeners is not None else None
        ),
    }


def group(name, port, ips=(), ours=True, balancers=(), vpc=VPC, read=True):
    targets = [
        {
            "ip": ip,
            "port": port,
            "availability_zone": "all",
            "health_state": "healthy",
            "health_reason": None,
            "health_description": None,
        }
        for ip in ips
    ]
    return {
        "name": name,
        "arn": tg_arn(name),
        "port": port,
        "protocol": "TCP",
        "vpc_id": vpc,
        "target_type": "ip",
        "ip_address_type": "ipv4",
        "health_check": {
            "protocol": "TCP",
            "port": "traffic-port",
            "interval": 30,
            "timeout": 10,
            "healthy_threshold": 3,
            "unhealthy_threshold": 3,
            "path": None,
            "matcher": None,
        },
        "load_balancer_arns": [lb_arn(item) for item in balancers],
        "tags": dict(OWN) if ours else {},
        "ours": ours,
        "targets": targets if read else None,
    }


def snapshot(balancers=(), groups=(), links=None, subnets=None):
    return {
        "cidrs": ["10.210.0.0/16"],
        "balancers": {item["name"]: item for item in balancers},
        "groups": {item["name"]: item for item in groups},
        "subnets": subnets,
        "links": links,
    }


def shared_snapshot(**extra):
    return snapshot(
        balancers=[balancer("gw-shared", [listener("gw-shared", 8081, "gw-a"), listener("gw-shared", 9082, "gw-b")])]
        + list(extra.get("balancers", [])),
        groups=[
            group("gw-a", 8081, ["10.1.0.5"], balancers=["gw-shared"]),
            group("gw-b", 8082, ["10.1.0.6"], balancers=["gw-shared"]),
        ]
        + list(extra.get("groups", [])),
        links=extra.get("links"),
    )


def plan(snap, **overrides):
    spec = glb.validate_params(params(**overrides))
    planner = glb.Planner(spec, snap)
    if spec["state"] == "present":
        planner.plan_present()
    else:
        planner.plan_absent()
    return planner


def kinds(planner):
    return [entry["kind"] for entry in planner.ordered_ops()]


def actions(planner):
    return [entry["action"] for entry in planner.ordered_ops()]


def test_nothing_to_do_when_aws_matches():
    planner = plan(shared_snapshot())
    assert planner.problems == [] and planner.ordered_ops() == []
    assert planner.before == planner.after
    assert planner.after["load_balancers"]["gw-shared"]["listeners"] == {"8081": "TCP -> gw-a", "9082": "TCP -> gw-b"}
    assert planner.after["target_groups"]["gw-a"]["targets"] == ["10.1.0.5:8081 (az all)"]


def test_creation_order_and_predicted_results():
    subnets = {
        "subnet-a": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
        "subnet-b": {"vpc_id": VPC, "availability_zone": "us-east-1b"},
    }
    planner = plan(snapshot(subnets=subnets))
    assert kinds(planner) == [
        "create_group",
        "create_group",
        "register",
        "register",
        "create_balancer",
        "set_attributes",
        "create_listener",
        "create_listener",
    ]
    create = planner.ordered_ops()[0]
    assert create["params"]["TargetType"] == "ip" and create["params"]["Tags"] == [
        {"Key": "ManagedBy", "Value": "multiaccount.apigateway"},
        {"Key": "multiaccount:gateway", "Value": "gw"},
    ]
    assert planner.ordered_ops()[2]["targets"] == [{"ip": "10.1.0.5", "port": 8081, "availability_zone": "all"}]
    assert actions(planner)[4] == (
        "create load balancer gw-shared (network, internal, subnets subnet-a, subnet-b in us-east-1a, us-east-1b)"
    )
    result = planner.balancer_results["gw-shared"]
    assert (result["arn"], result["dns_name"], result["state"]) == (None, None, None)
    assert [(item["port"], item["target_group"], item["arn"]) for item in result["listeners"]] == [
        (8081, "gw-a", None),
        (9082, "gw-b", None),
    ]
    assert planner.before == {"load_balancers": {}, "target_groups": {}}
    assert planner.after["target_groups"]["gw-b"]["targets"] == ["10.1.0.6:8082 (az all)"]


def test_creating_a_load_balancer_needs_subnets():
    planner = plan(snapshot(), subnet_ids=None)
    assert planner.problems == [
        "subnet_ids: required to create load balancer 'gw-shared' (load_balancers[0]); give the subnets (one per "
        "Availability Zone) of the VPC"
    ]


def test_subnets_in_another_vpc_or_twice_in_a_zone_are_problems():
    subnets = {
        "subnet-a": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
        "subnet-b": {"vpc_id": "vpc-other", "availability_zone": "us-east-1b"},
        "subnet-c": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
    }
    planner = plan(snapshot(subnets=subnets), subnet_ids=["subnet-a", "subnet-b", "subnet-c", "subnet-d"])
    assert planner.problems[0].startswith("subnet_ids[1]: subnet subnet-b is in VPC vpc-other, not in vpc_id")
    assert planner.problems[1].startswith("subnet_ids[2]: subnet subnet-c is in us-east-1a like subnet-a")
    assert planner.problems[2] == "subnet_ids[3]: subnet subnet-d not found in this account and region"


def test_target_ip_change_registers_first_then_deregisters_with_the_zone():
    groups = params()["target_groups"]
    groups[0] = {"name": "gw-a", "port": 8081, "targets": [{"ip": "10.1.0.9"}]}
    planner = plan(shared_snapshot(), target_groups=groups)
    assert kinds(planner) == ["register", "deregister"]
    assert actions(planner) == [
        "register 10.1.0.9:8081 (az all) with target group gw-a",
        "deregister 10.1.0.5:8081 (az all) from target group gw-a",
    ]
    assert planner.before["target_groups"]["gw-a"]["targets"] == ["10.1.0.5:8081 (az all)"]
    assert planner.after["target_groups"]["gw-a"]["targets"] == ["10.1.0.9:8081 (az all)"]
    assert [(t["ip"], t["health_state"]) for t in planner.group_results["gw-a"]["targets"]] == [("10.1.0.9", None)]


def test_omitted_targets_are_left_alone_and_an_inside_ip_gets_no_zone():
    groups = [
        {"name": "gw-a", "port": 8081},
        {"name": "gw-b", "port": 8082, "targets": [{"ip": "10.1.0.6"}, {"ip": "10.210.1.9", "port": 9000}]},
    ]
    planner = plan(shared_snapshot(), target_groups=groups)
    assert [entry["targets"] for entry in planner.ordered_ops()] == [
        [{"ip": "10.210.1.9", "port": 9000, "availability_zone": None}]
    ]


def test_public_target_ip_is_a_problem_naming_the_field():
    groups = [{"name": "gw-a", "port": 8081, "targets": [{"ip": "8.8.8.8"}]}, {"name": "gw-b", "port": 8082}]
    planner = plan(shared_snapshot(), target_groups=groups)
    assert planner.problems[0].startswith(
        "target_groups[0].targets[0].ip: '8.8.8.8' is outside the VPC (10.210.0.0/16)"
    )


def test_duplicate_target_through_the_default_port_is_a_problem():
    groups = [
        {"name": "gw-a", "port": 8081, "targets": [{"ip": "10.1.0.5"}, {"ip": "10.1.0.5", "port": 8081}]},
        {"name": "gw-b", "port": 8082},
    ]
    planner = plan(shared_snapshot(), target_groups=groups)
    assert planner.problems == [
        "target_groups[0].targets[1]: 10.1.0.5:8081 is listed twice (target_groups[0].targets[0] and "
        "target_groups[0].targets[1]); a target is an IP and a port"
    ]


def test_immutable_settings_and_foreign_names_are_problems_found_before_any_change():
    snap = shared_snapshot(
        balancers=[balancer("foreign", [], ours=False)], groups=[group("other-vpc", 80, vpc="vpc-2")]
    )
    snap["groups"]["gw-b"]["port"] = 8000
    snap["balancers"]["gw-shared"]["scheme"] = "internet-facing"
    planner = plan(
        snap,
        load_balancers=[
            {
                "name": "gw-shared",
                "listeners": [{"port": 8081, "target_group": "gw-a"}, {"port": 9082, "target_group": "gw-b"}],
            },
            {"name": "foreign", "listeners": []},
        ],
        target_groups=params()["target_groups"] + [{"name": "other-vpc", "port": 80}],
    )
    assert [problem.split(":")[0] for problem in planner.problems] == [
        "target_groups[1].port",
        "target_groups[2]",
        "load_balancers[0].scheme",
        "load_balancers[1].name",
    ]
    assert "AWS cannot change the port of a target group: remove the entry, converge" in planner.problems[0]
    assert "is in VPC vpc-2, not in vpc_id" in planner.problems[1]
    assert "is not managed by gateway 'gw' (ManagedBy=None, multiaccount:gateway=None)" in planner.problems[3]


def test_removing_a_service_deletes_its_listener_then_its_group():
    snap = shared_snapshot()
    snap["balancers"]["gw-shared"]["listeners"].append(listener("gw-shared", 8083, "gw-c"))
    snap["groups"]["gw-c"] = group("gw-c", 8083, balancers=["gw-shared"], read=False)
    planner = plan(snap)
    assert actions(planner) == [
        "delete listener 8083 (TCP -> gw-c) of load balancer gw-shared: not listed",
        "delete target group gw-c: not listed",
    ]
    assert "gw-c" in planner.before["target_groups"] and "gw-c" not in planner.after["target_groups"]
    assert planner.after["load_balancers"]["gw-shared"]["listeners"] == {"8081": "TCP -> gw-a", "9082": "TCP -> gw-b"}


def test_purge_false_leaves_unlisted_things_alone():
    snap = shared_snapshot(balancers=[balancer("gw-old", [])], groups=[group("gw-c", 8083, read=False)])
    snap["balancers"]["gw-shared"]["listeners"].append(listener("gw-shared", 8083, "gw-c"))
    planner = plan(snap, purge=False)
    assert planner.ordered_ops() == []
    assert [item["port"] for item in planner.balancer_results["gw-shared"]["listeners"]] == [8081, 8083, 9082]


def test_moving_to_dedicated_releases_each_group_before_the_new_listener_and_deletes_the_old_balancer():
    subnets = {
        "subnet-a": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
        "subnet-b": {"vpc_id": VPC, "availability_zone": "us-east-1b"},
    }
    snap = shared_snapshot()
    snap["subnets"] = subnets
    snap["links"] = []
    planner = plan(
        snap,
        load_balancers=[
            {"name": "gw-a", "listeners": [{"port": 8081, "target_group": "gw-a"}]},
            {"name": "gw-b", "listeners": [{"port": 9082, "target_group": "gw-b"}]},
        ],
    )
    assert kinds(planner) == [
        "create_balancer",
        "create_balancer",
        "set_attributes",
        "set_attributes",
        "delete_listener",
        "delete_listener",
        "create_listener",
        "create_listener",
        "delete_balancer",
    ]
    assert actions(planner)[4] == (
        "delete listener 8081 (TCP -> gw-a) of load balancer gw-shared: target group(s) gw-a move to load balancer(s) gw-a"
    )
    assert actions(planner)[-1] == (
        "delete load balancer gw-shared with listener(s) 8081 (TCP -> gw-a), 9082 (TCP -> gw-b): not listed"
    )
    assert set(planner.after["load_balancers"]) == {"gw-a", "gw-b"}


def test_a_balancer_a_vpc_link_targets_is_kept_and_only_the_moving_listeners_go():
    link = {
        "id": "abc123",
        "name": "gw-shared",
        "status": "AVAILABLE",
        "target_arns": [lb_arn("gw-shared")],
        "tags": OWN,
    }
    snap = shared_snapshot(links=[link], balancers=[balancer("gw-new", [])])
    snap["balancers"]["gw-shared"]["listeners"].append(listener("gw-shared", 8083, "gw-c"))
    snap["groups"]["gw-c"] = group("gw-c", 8083, balancers=["gw-shared"], read=False)
    planner = plan(
        snap,
        load_balancers=[
            {
                "name": "gw-new",
                "listeners": [{"port": 8081, "target_group": "gw-a"}, {"port": 9082, "target_group": "gw-b"}],
            }
        ],
    )
    assert [entry["kind"] for entry in planner.ordered_ops()].count("delete_balancer") == 0
    assert planner.kept[0] == {
        "resource": "load_balancer",
        "name": "gw-shared",
        "arn": lb_arn("gw-shared"),
        "vpc_links": [{"id": "abc123", "name": "gw-shared", "status": "AVAILABLE", "ours": True}],
        "reason": "REST API VPC link(s) abc123 (gw-shared) target it; delete the link(s), then run again to delete it",
    }
    # gw-c stays forwarded by the kept balancer's listener 8083: kept too, with a warning.
    assert planner.kept[1]["name"] == "gw-c" and "listener 8083 of load balancer gw-shared" in planner.kept[1]["reason"]
    assert planner.warnings == [
        "target group 'gw-c' is not deleted: forwarded by listener 8083 of load balancer gw-shared, which stay(s)"
    ]
    assert planner.after["load_balancers"]["gw-shared"]["listeners"] == {"8083": "TCP -> gw-c"}


def test_a_swap_of_groups_between_two_balancers_deletes_one_listener_first():
    snap = snapshot(
        balancers=[balancer("gw-x", [listener("gw-x", 1, "gw-a")]), balancer("gw-y", [listener("gw-y", 1, "gw-b")])],
        groups=[group("gw-a", 8081, balancers=["gw-x"]), group("gw-b", 8082, balancers=["gw-y"])],
    )
    planner = plan(
        snap,
        load_balancers=[
            {"name": "gw-x", "listeners": [{"port": 1, "target_group": "gw-b"}]},
            {"name": "gw-y", "listeners": [{"port": 1, "target_group": "gw-a"}]},
        ],
        target_groups=[{"name": "gw-a", "port": 8081}, {"name": "gw-b", "port": 8082}],
    )
    assert kinds(planner) == ["delete_listener", "modify_listener", "create_listener"]
    assert planner.after["load_balancers"]["gw-x"]["listeners"] == {"1": "TCP -> gw-b"}
    assert planner.after["load_balancers"]["gw-y"]["listeners"] == {"1": "TCP -> gw-a"}


def test_same_port_with_another_group_is_modified_in_place():
    planner = plan(
        shared_snapshot(),
        load_balancers=[
            {
                "name": "gw-shared",
                "listeners": [{"port": 8081, "target_group": "gw-b"}, {"port": 9082, "target_group": "gw-a"}],
            }
        ],
    )
    assert kinds(planner) == ["modify_listener", "modify_listener"]
    assert actions(planner)[0] == "modify listener 8081 (TCP -> gw-a) of load balancer gw-shared: forward TCP -> gw-b"
    assert planner.ordered_ops()[0]["params"] == {}


def test_a_listener_that_is_not_ours_in_the_way_is_a_problem():
    snap = shared_snapshot()
    snap["balancers"]["gw-shared"]["listeners"][0] = listener(
        "gw-shared", 8081, "foreign", ours=False, tags={"ManagedBy": "x"}
    )
    planner = plan(snap)
    assert planner.problems == [
        "load_balancers[0].listeners[0]: port 8081 of load balancer 'gw-shared' is taken by listener 8081 (TCP -> "
        "foreign) of load balancer gw-shared, which is not managed by gateway 'gw'; delete that listener or choose "
        "another port"
    ]


def test_moving_a_group_away_from_a_listener_that_is_not_ours_is_a_problem():
    snap = shared_snapshot(balancers=[balancer("foreign", [listener("foreign", 80, "gw-a", ours=False)], ours=False)])
    snap["groups"]["gw-a"]["load_balancer_arns"].append(lb_arn("foreign"))
    planner = plan(snap)
    assert planner.problems == [
        "target_groups[0]: target group 'gw-a' is forwarded by listener 80 (TCP -> gw-a) of load balancer foreign, "
        "which is not managed by gateway 'gw'; a target group serves one load balancer only: delete that listener "
        "before moving the group to load balancer 'gw-shared'"
    ]


def test_untagged_listeners_of_our_balancer_are_ours_and_get_the_tags():
    snap = shared_snapshot()
    for item in snap["balancers"]["gw-shared"]["listeners"]:
        item["tags"] = {}
    planner = plan(snap, tags={"team": "platform"})
    assert sorted(set(kinds(planner))) == ["tag_balancer", "tag_group", "tag_listener"]
    assert actions(planner)[-1] == (
        "tag listener 9082 of load balancer gw-shared: set ManagedBy=multiaccount.apigateway, "
        "multiaccount:gateway=gw, team=platform"
    )
    assert glb.listener_is_ours({}, True, "gw") is True
    assert glb.listener_is_ours({"multiaccount:gateway": "other"}, True, "gw") is False


def test_health_check_tags_cross_zone_and_subnets_of_existing_resources():
    snap = shared_snapshot()
    snap["subnets"] = {
        "subnet-c": {"vpc_id": VPC, "availability_zone": "us-east-1c"},
        "subnet-a": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
    }
    snap["balancers"]["gw-shared"]["tags"]["old"] = "x"
    groups = params()["target_groups"]
    groups[0]["health_check"] = {"interval": 10, "timeout": 10}
    planner = plan(
        snap,
        subnet_ids=["subnet-a", "subnet-c"],
        target_groups=groups,
        load_balancers=[dict(params()["load_balancers"][0], cross_zone=False)],
        purge_tags=True,
    )
    assert actions(planner) == [
        "modify the health check of target group gw-a: interval 30 -> 10",
        "add subnet(s) subnet-c to load balancer gw-shared",
        "tag load balancer gw-shared: remove old",
        "set cross-zone load balancing of load balancer gw-shared to false",
    ]
    assert planner.ordered_ops()[1]["subnet_ids"] == ["subnet-a", "subnet-b", "subnet-c"]
    assert planner.warnings == [
        "subnet_ids: load balancer 'gw-shared' keeps subnet(s) subnet-b that subnet_ids does not list; AWS does not "
        "remove subnets from a network load balancer (delete and recreate it to drop them)"
    ]
    assert planner.balancer_results["gw-shared"]["cross_zone"] is False


def test_a_subnet_in_a_zone_the_balancer_covers_is_reported_not_added():
    snap = shared_snapshot()
    snap["subnets"] = {
        "subnet-d": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
        "subnet-b": {"vpc_id": VPC, "availability_zone": "us-east-1b"},
    }
    planner = plan(snap, subnet_ids=["subnet-d", "subnet-b"])
    assert planner.ordered_ops() == []
    assert planner.warnings[0].startswith(
        "subnet_ids: subnet subnet-d (us-east-1a) is not added to load balancer 'gw-shared', which already has subnet subnet-a"
    )


def test_absent_deletes_balancers_then_groups_and_fails_on_a_vpc_link():
    snap = shared_snapshot(groups=[group("foreign", 80, ours=False)])
    snap["links"] = []
    planner = plan(snap, state="absent")
    assert actions(planner) == [
        "delete load balancer gw-shared with listener(s) 8081 (TCP -> gw-a), 9082 (TCP -> gw-b): state=absent",
        "delete target group gw-a: state=absent",
        "delete target group gw-b: state=absent",
    ]
    assert planner.after == {"load_balancers": {}, "target_groups": {}}
    snap["links"] = [
        {"id": "abc", "name": "l", "status": "AVAILABLE", "target_arns": [lb_arn("gw-shared")], "tags": {}}
    ]
    planner = plan(snap, state="absent")
    assert planner.problems == [
        "load balancer 'gw-shared' is the target of REST API VPC link abc (l, not managed by this gateway); delete "
        "the VPC link first"
    ]
    assert planner.ordered_ops() == []


def test_read_helpers_decide_what_else_to_read():
    snap = shared_snapshot(
        balancers=[balancer("gw-old", None)], groups=[group("gw-c", 1, balancers=["gw-old"], read=False)]
    )
    spec = glb.validate_params(params())
    assert glb.unlisted_balancers(spec, snap) == ["gw-old"]
    assert glb.balancers_to_delete(spec, snap) == (["gw-old"], [])
    assert glb.listener_sources(spec, snap, ["gw-old"]) == ["gw-old"]
    snap["links"] = [{"id": "x", "name": "x", "target_arns": [lb_arn("gw-old")]}]
    assert glb.balancers_to_delete(spec, snap) == ([], ["gw-old"])
    spec = glb.validate_params(params(purge=False))
    assert glb.balancers_to_delete(spec, snap) == ([], [])
    assert glb.needs_subnets(spec, snap) is False
    assert glb.needs_subnets(glb.validate_params(params(subnet_ids=["subnet-c"])), snap) is True


# ------------------------------------------------------------------ main() with moto in-process


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with moto.mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.210.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.210.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for index, zone in ((1, "a"), (2, "b"))
        ]
        yield {"vpc": vpc, "subnets": subnets, "elbv2": boto3.client("elbv2", region_name=REGION)}


def run(args, capsys, check_mode=False):
    return run_module(glb.main, args, capsys, check_mode, REGION)


def module_args(aws, **overrides):
    args = {
        "gateway": "gw",
        "vpc_id": aws["vpc"],
        "subnet_ids": aws["subnets"],
        "load_balancers": [
            {
                "name": "gw-shared",
                "listeners": [{"port": 8081, "target_group": "gw-a"}, {"port": 9082, "target_group": "gw-b"}],
            }
        ],
        "target_groups": [
            {"name": "gw-a", "port": 8081, "targets": [{"ip": "10.1.0.5"}]},
            {"name": "gw-b", "port": 8082, "targets": [{"ip": "10.1.0.6"}]},
        ],
    }
    args.update(overrides)
    return args


def names(aws):
    balancers = sorted(item["LoadBalancerName"] for item in aws["elbv2"].describe_load_balancers()["LoadBalancers"])
    groups = sorted(item["TargetGroupName"] for item in aws["elbv2"].describe_target_groups()["TargetGroups"])
    return balancers, groups


def test_check_mode_creates_nothing_then_apply_then_idempotent(aws, capsys):
    predicted = run(module_args(aws), capsys, check_mode=True)
    assert predicted["changed"] is True and len(predicted["actions"]) == 8
    assert predicted["load_balancers"][0]["arn"] is None
    assert names(aws) == ([], [])

    applied = run(module_args(aws), capsys)
    assert applied["changed"] is True and applied["actions"] == predicted["actions"]
    assert names(aws) == (["gw-shared"], ["gw-a", "gw-b"])
    shared = applied["load_balancers"][0]
    assert shared["arn"] and shared["dns_name"] and shared["cross_zone"] is True
    assert [(item["port"], item["target_group"]) for item in shared["listeners"]] == [(8081, "gw-a"), (9082, "gw-b")]
    listeners = aws["elbv2"].describe_listeners(LoadBalancerArn=shared["arn"])["Listeners"]
    assert sorted(item["Port"] for item in listeners) == [8081, 9082]
    tags = aws["elbv2"].describe_tags(ResourceArns=[listeners[0]["ListenerArn"]])["TagDescriptions"][0]["Tags"]
    assert {item["Key"]: item["Value"] for item in tags} == OWN

    again = run(module_args(aws), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_target_health_is_what_this_run_read_with_its_time(aws, capsys):
    predicted = run(module_args(aws), capsys, check_mode=True)
    assert [(item["target_health"], item["target_health_read_at"]) for item in predicted["target_groups"]] == [
        (None, None),
        (None, None),
    ]
    started = time.time()
    applied = run(module_args(aws), capsys)
    # Read again after the registration: the targets as AWS has them now, with the time of that read.
    for item in applied["target_groups"]:
        assert [(target["ip"], target["port"]) for target in item["target_health"]] == [
            (target["ip"], target["port"]) for target in item["targets"]
        ]
        assert started <= item["target_health_read_at"] <= time.time()
    # Deregistered, the target is draining: gone from targets, still in target_health.
    arn = applied["target_groups"][0]["arn"]
    aws["elbv2"].register_targets(
        TargetGroupArn=arn, Targets=[{"Id": "10.1.0.9", "Port": 8081, "AvailabilityZone": "all"}]
    )
    aws["elbv2"].deregister_targets(
        TargetGroupArn=arn, Targets=[{"Id": "10.1.0.9", "Port": 8081, "AvailabilityZone": "all"}]
    )
    states = {
        item["Target"]["Id"]: item["TargetHealth"]["State"]
        for item in aws["elbv2"].describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    }
    read_from = time.time()
    again = run(module_args(aws), capsys)
    first = again["target_groups"][0]
    assert again["changed"] is False
    assert [target["ip"] for target in first["targets"]] == ["10.1.0.5"]
    health = {target["ip"]: target["health_state"] for target in first["target_health"]}
    assert health == states and ("10.1.0.9" in health) is (states.get("10.1.0.9") == "draining")
    assert read_from <= first["target_health_read_at"] <= time.time()


def test_move_to_dedicated_then_absent_twice(aws, capsys):
    run(module_args(aws), capsys)
    arns = {
        item["TargetGroupName"]: item["TargetGroupArn"]
        for item in aws["elbv2"].describe_target_groups()["TargetGroups"]
    }
    dedicated = module_args(
        aws,
        load_balancers=[
            {"name": "gw-a", "listeners": [{"port": 8081, "target_group": "gw-a"}]},
            {"name": "gw-b", "listeners": [{"port": 9082, "target_group": "gw-b"}]},
        ],
    )
    moved = run(dedicated, capsys)
    assert moved["changed"] is True, moved
    assert names(aws) == (["gw-a", "gw-b"], ["gw-a", "gw-b"])
    assert {item["name"]: item["arn"] for item in moved["target_groups"]} == arns
    assert run(dedicated, capsys)["changed"] is False

    gone = run({"gateway": "gw", "state": "absent", "vpc_id": aws["vpc"]}, capsys)
    assert gone["changed"] is True and names(aws) == ([], [])
    assert run({"gateway": "gw", "state": "absent"}, capsys)["changed"] is False


def test_check_mode_gone_links_hold_no_balancer_in_check_mode_only(aws, capsys):
    applied = run(module_args(aws), capsys)
    arn = applied["load_balancers"][0]["arn"]
    link = boto3.client("apigateway", region_name=REGION).create_vpc_link(name="gw-shared", targetArns=[arn], tags=OWN)
    absent = {"gateway": "gw", "state": "absent", "vpc_id": aws["vpc"]}

    # A dry run of the teardown: the link is deleted by an earlier task, which check mode did not run.
    dry = run(dict(absent, check_mode_gone=[link["id"]]), capsys, check_mode=True)
    assert dry.get("failed") is not True, dry
    assert dry["changed"] is True
    assert [item["name"] for item in dry["deleted"]["load_balancers"]] == ["gw-shared"]
    assert dry["deleted"]["load_balancers"][0]["arn"] == arn
    assert sorted(item["name"] for item in dry["deleted"]["target_groups"]) == ["gw-a", "gw-b"]
    assert names(aws) == (["gw-shared"], ["gw-a", "gw-b"])

    # Without the option, or another link's id, the dry run says what a real run would say.
    for gone in ([], ["other-link"]):
        refused = run(dict(absent, check_mode_gone=gone), capsys, check_mode=True)
        assert refused["failed"] is True
        assert f"VPC link {link['id']}" in refused["msg"] and "delete the VPC link first" in refused["msg"]

    # Outside check mode the option is ignored: the link is still there, so nothing is deleted.
    real = run(dict(absent, check_mode_gone=[link["id"]]), capsys)
    assert real["failed"] is True and "delete the VPC link first" in real["msg"]
    assert names(aws) == (["gw-shared"], ["gw-a", "gw-b"])


def test_deleted_names_what_went(aws, capsys):
    applied = run(module_args(aws), capsys)
    assert applied["deleted"] == {"load_balancers": [], "target_groups": []}
    arns = {item["name"]: item["arn"] for item in applied["target_groups"]}
    gone = run({"gateway": "gw", "state": "absent", "vpc_id": aws["vpc"]}, capsys)
    assert gone["deleted"]["load_balancers"] == [{"name": "gw-shared", "arn": applied["load_balancers"][0]["arn"]}]
    assert gone["deleted"]["target_groups"] == [{"name": name, "arn": arn} for name, arn in sorted(arns.items())]


@pytest.mark.parametrize("value", ["", "  "])
def test_check_mode_gone_entries_must_be_ids(value):
    problems = problems_of(check_mode_gone=["abc", value])
    assert problems == [
        f"check_mode_gone[1]: {value!r} is not a VPC link id; give the ids of the links to count as gone"
    ]


def test_input_problems_fail_before_any_aws_call(aws, capsys):
    result = run(module_args(aws, target_groups=[{"name": "gw-a", "port": 8081}]), capsys)
    assert result["failed"] is True
    assert result["problems"] == [
        "load_balancers[0].listeners[1].target_group: 'gw-b' is not the name of an entry of target_groups (listed: "
        "gw-a); add the target group or fix the name"
    ]
    assert names(aws) == ([], [])


def test_unknown_vpc_fails_naming_vpc_id(aws, capsys):
    result = run(module_args(aws, vpc_id="vpc-0000000000"), capsys)
    assert (
        result["failed"] is True and result["msg"] == "vpc_id: VPC vpc-0000000000 not found in this account and region"
    )


def test_vpc_cidrs_given_spare_the_vpc_read_and_place_the_targets_alike(aws, capsys, monkeypatch):
    calls = record_api_calls(monkeypatch)
    read = run(module_args(aws), capsys, check_mode=True)
    assert calls.count("DescribeVpcs") == 1
    del calls[:]
    given = run(module_args(aws, vpc_cidrs=["10.210.0.0/16"]), capsys, check_mode=True)
    assert "DescribeVpcs" not in calls
    # The same plan: the targets outside the VPC go to zone "all" either way.
    assert given["actions"] == read["actions"] and given["diff"] == read["diff"]
    assert any("(az all)" in action for action in read["actions"]), read["actions"]
    # A target inside the given blocks gets no zone (AWS takes its subnet's); outside, "all".
    inside = module_args(aws, vpc_cidrs=["10.1.0.0/16"])
    planned = run(inside, capsys, check_mode=True)
    assert not any("(az all)" in action for action in planned["actions"]), planned["actions"]


@pytest.mark.parametrize(
    "value, message",
    [
        (["10.210.0.0/33"], "vpc_cidrs[0]: '10.210.0.0/33' is not a valid IPv4 CIDR block"),
        (["10.210.0.1/16"], "vpc_cidrs[0]: '10.210.0.1/16' is not a valid IPv4 CIDR block"),
        (["fd00::/8"], "vpc_cidrs[0]: 'fd00::/8' is an IPv6 CIDR"),
        ([], "vpc_cidrs: empty; give the VPC's CIDR blocks, or omit it to read them"),
    ],
)
def test_bad_vpc_cidrs_fail_before_any_call_naming_the_entry(aws, capsys, monkeypatch, value, message):
    calls = record_api_calls(monkeypatch)
    result = run(module_args(aws, vpc_cidrs=value), capsys)
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert calls == []


def test_option_vpc_links_returns_our_links_from_one_read_shared_with_the_deletion_check(aws, capsys, monkeypatch):
    applied = run(module_args(aws), capsys)
    assert applied["vpc_links"] == []
    arn = applied["load_balancers"][0]["arn"]
    apigw = boto3.client("apigateway", region_name=REGION)
    ours = apigw.create_vpc_link(name="gw-shared", targetArns=[arn], tags=OWN)
    apigw.create_vpc_link(name="someone", targetArns=[arn], tags={"team": "x"})
    apigw.create_vpc_link(name="other", targetArns=[arn], tags=dict(OWN, **{"multiaccount:gateway": "other"}))
    calls = record_api_calls(monkeypatch)

    result = run(module_args(aws, vpc_links=True), capsys)
    assert result["changed"] is False
    assert [link["id"] for link in result["vpc_links"]] == [ours["id"]]
    link = result["vpc_links"][0]
    assert (link["name"], link["target_arns"], link["version"], link["tags"]) == ("gw-shared", [arn], "v1", OWN)
    assert link["arn"].endswith(f"/vpclinks/{ours['id']}")
    assert calls.count("GetVpcLinks") == 1
    assert [call for call in calls if call.startswith(("Create", "Delete", "Update", "Tag"))] == []

    # Without the option, no VPC link is read while no load balancer of ours would be deleted.
    del calls[:]
    assert run(module_args(aws), capsys)["vpc_links"] == []
    assert "GetVpcLinks" not in calls

    # A load balancer to delete: its links are checked from the same single read.
    del calls[:]
    dedicated = module_args(
        aws,
        vpc_links=True,
        load_balancers=[
            {"name": "gw-a", "listeners": [{"port": 8081, "target_group": "gw-a"}]},
            {"name": "gw-b", "listeners": [{"port": 9082, "target_group": "gw-b"}]},
        ],
    )
    moved = run(dedicated, capsys)
    assert calls.count("GetVpcLinks") == 1
    assert [item["name"] for item in moved["kept"]] == ["gw-shared"]
    assert [link["id"] for link in moved["vpc_links"]] == [ours["id"]]


# The API calls of an NLB-only gateway, pinned: application load balancer support adds none of its
# reads (DescribeRules, DescribeSecurityGroups) and none of its writes to them.
NLB_CALLS = {
    "create": [
        "DescribeVpcs",
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeSubnets",
        "CreateTargetGroup",
        "CreateTargetGroup",
        "RegisterTargets",
        "RegisterTargets",
        "CreateLoadBalancer",
        "ModifyLoadBalancerAttributes",
        "CreateListener",
        "CreateListener",
        "DescribeTargetHealth",
        "DescribeTargetHealth",
    ],
    "rerun": [
        "DescribeVpcs",
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeListeners",
        "DescribeLoadBalancerAttributes",
        "DescribeTags",
        "DescribeTargetHealth",
        "DescribeTargetHealth",
    ],
    "change": [
        "DescribeVpcs",
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeListeners",
        "DescribeLoadBalancerAttributes",
        "DescribeTags",
        "DescribeTargetHealth",
        "DescribeTargetHealth",
        "ModifyTargetGroup",
        "RegisterTargets",
        "DeregisterTargets",
        "DeleteListener",
        "DescribeTargetHealth",
    ],
    "dedicated": [
        "DescribeVpcs",
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeTags",
        "GetVpcLinks",
        "DescribeListeners",
        "DescribeTags",
        "DescribeTargetHealth",
        "DescribeTargetHealth",
        "DescribeSubnets",
        "ModifyTargetGroup",
        "RegisterTargets",
        "DeregisterTargets",
        "CreateLoadBalancer",
        "CreateLoadBalancer",
        "ModifyLoadBalancerAttributes",
        "ModifyLoadBalancerAttributes",
        "DeleteListener",
        "CreateListener",
        "CreateListener",
        "DeleteLoadBalancer",
        "DescribeTargetHealth",
    ],
    "absent": [
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeTags",
        "GetVpcLinks",
        "DescribeListeners",
        "DescribeListeners",
        "DescribeTags",
        "DeleteLoadBalancer",
        "DeleteLoadBalancer",
        "DeleteTargetGroup",
        "DeleteTargetGroup",
    ],
}


def test_nlb_call_list_is_pinned(aws, capsys, monkeypatch):
    calls = record_api_calls(monkeypatch)
    seen = {}
    run(module_args(aws), capsys)
    seen["create"], calls[:] = list(calls), []
    run(module_args(aws), capsys)
    seen["rerun"], calls[:] = list(calls), []
    args = module_args(aws)
    args["target_groups"][0]["targets"] = [{"ip": "10.1.0.9"}]
    args["target_groups"][0]["health_check"] = {"interval": 10}
    args["load_balancers"][0]["listeners"] = args["load_balancers"][0]["listeners"][:1]
    run(args, capsys)
    seen["change"], calls[:] = list(calls), []
    dedicated = module_args(
        aws,
        load_balancers=[
            {"name": "gw-a", "listeners": [{"port": 8081, "target_group": "gw-a"}]},
            {"name": "gw-b", "listeners": [{"port": 9082, "target_group": "gw-b"}]},
        ],
    )
    run(dedicated, capsys)
    seen["dedicated"], calls[:] = list(calls), []
    run({"gateway": "gw", "state": "absent", "vpc_id": aws["vpc"]}, capsys)
    seen["absent"] = list(calls)
    assert seen == NLB_CALLS


# ------------------------------------------------------------- application load balancers: input


def alb_params(**overrides):
    """An internal ALB, listener 80 with a 404 default and three path rules to three HTTP groups."""
    health = {"protocol": "HTTP", "path": "/health", "matcher": "200-399"}
    base = params(
        load_balancers=[
            {
                "name": "gw-alb",
                "type": "application",
                "security_groups": ["gw-alb"],
                "listeners": [
                    {
                        "port": 80,
                        "protocol": "HTTP",
                        "rules": [
                            {"priority": 10, "path_patterns": ["/a", "/a/*"], "target_group": "gw-a"},
                            {"priority": 20, "path_patterns": ["/b/*"], "target_group": "gw-b"},
                            {"priority": 30, "path_patterns": ["/c/*"], "target_group": "gw-c"},
                        ],
                    }
                ],
            }
        ],
        target_groups=[
            {"name": name, "protocol": "HTTP", "port": port, "health_check": dict(health), "targets": [{"ip": ip}]}
            for name, port, ip in (("gw-a", 8081, "10.1.0.5"), ("gw-b", 8082, "10.1.0.6"), ("gw-c", 8083, "10.1.0.7"))
        ],
    )
    base.update(overrides)
    return base


def alb_problems(mutate):
    args = alb_params()
    mutate(args)
    with pytest.raises(glb.InputProblems) as raised:
        glb.validate_params(args)
    return raised.value.problems


def test_alb_input_is_normalised():
    spec = glb.validate_params(alb_params(keep=["gw-nlb", "gw-tcp"]))
    balancer = spec["load_balancers"][0]
    assert balancer["security_groups"] == [{"field": "load_balancers[0].security_groups[0]", "name": "gw-alb"}]
    listener = balancer["listeners"][0]
    assert (listener["protocol"], listener["target_group"]) == ("HTTP", None)
    assert listener["rules"][0] == {
        "field": "load_balancers[0].listeners[0].rules[0]",
        "priority": 10,
        "path_patterns": ["/a", "/a/*"],
        "key": ("/a", "/a/*"),
        "target_group": "gw-a",
    }
    assert spec["served_by"] == {"gw-a": "gw-alb", "gw-b": "gw-alb", "gw-c": "gw-alb"}
    assert spec["target_groups"][0]["health_check"]["protocol"] == "HTTP"
    assert spec["keep"] == ["gw-nlb", "gw-tcp"]
    # the listener protocol defaults by type: HTTP on an application load balancer
    args = alb_params()
    del args["load_balancers"][0]["listeners"][0]["protocol"]
    assert glb.validate_params(args)["load_balancers"][0]["listeners"][0]["protocol"] == "HTTP"


def first_rule(args):
    return args["load_balancers"][0]["listeners"][0]["rules"][0]


def first_listener(args):
    return args["load_balancers"][0]["listeners"][0]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda a: a["load_balancers"][0].update(type="gateway"),
            "load_balancers[0].type: 'gateway' is not supported; use one of network, application",
        ),
        (
            lambda a: a["load_balancers"][0].update(type="network"),
            "load_balancers[0].security_groups: only application load balancers take security groups here",
        ),
        (
            lambda a: a["load_balancers"][0].update(security_groups=[]),
            "load_balancers[0].security_groups: an application load balancer needs at least one security group",
        ),
        (
            lambda a: a["load_balancers"][0].update(security_groups=["sg-12"]),
            "load_balancers[0].security_groups[0]: 'sg-12' is not a security group id",
        ),
        (
            lambda a: a["load_balancers"][0].update(security_groups=["web", "web"]),
            "load_balancers[0].security_groups[1]: web is listed twice",
        ),
        (
            lambda a: a["load_balancers"][0].update(cross_zone=False),
            "load_balancers[0].cross_zone: an application load balancer always balances across zones",
        ),
        (
            lambda a: first_listener(a).update(protocol="TCP"),
            "load_balancers[0].listeners[0].protocol: 'TCP' is not an application listener protocol (HTTP, HTTPS)",
        ),
        (
            lambda a: first_listener(a).update(protocol="HTTPS"),
            "load_balancers[0].listeners[0].certificate_arn: an HTTPS listener needs a certificate; give its ARN",
        ),
        (
            lambda a: first_listener(a).update(ssl_policy="ELBSecurityPolicy-2016-08"),
            "load_balancers[0].listeners[0].ssl_policy: only HTTPS listeners take a ssl_policy",
        ),
        (
            lambda a: first_listener(a).update(rules=None),
            "load_balancers[0].listeners[0].target_group: a listener needs a target_group, or rules",
        ),
        (
            lambda a: first_rule(a).update(priority=0),
            "load_balancers[0].listeners[0].rules[0].priority: 0 is out of range; give a whole number from 1 to 50000",
        ),
        (
            lambda a: first_rule(a).update(priority=20),
            "load_balancers[0].listeners[0].rules[1].priority: 20 is also the priority of "
            "load_balancers[0].listeners[0].rules[0]",
        ),
        (
            lambda a: first_rule(a).update(path_patterns=[]),
            "load_balancers[0].listeners[0].rules[0].path_patterns: give a list of 1 to 5 path patterns",
        ),
        (
            lambda a: first_rule(a).update(path_patterns=["/" + str(n) for n in range(6)]),
            "load_balancers[0].listeners[0].rules[0].path_patterns: give a list of 1 to 5 path patterns",
        ),
        (
            lambda a: first_rule(a).update(path_patterns=["/a b"]),
            "load_balancers[0].listeners[0].rules[0].path_patterns[0]: '/a b' is not a path pattern",
        ),
        (
            lambda a: first_rule(a).update(path_patterns=["/x", "/x"]),
            "load_balancers[0].listeners[0].rules[0].path_patterns[1]: '/x' is listed twice in this rule",
        ),
        (
            lambda a: first_rule(a).update(path_patterns=["/c/*"]),
            "load_balancers[0].listeners[0].rules[2].path_patterns: /c/* are also the path patterns of "
            "load_balancers[0].listeners[0].rules[0]",
        ),
        (
            lambda a: first_rule(a).update(target_group="nope"),
            "load_balancers[0].listeners[0].rules[0].target_group: 'nope' is not the name of an entry of target_groups",
        ),
        (
            lambda a: a["target_groups"][0].update(protocol="TCP", health_check={"protocol": "TCP"}),
            "load_balancers[0].listeners[0].rules[0].target_group: a rule of the HTTP listener cannot forward to TCP "
            "target group 'gw-a' (it takes HTTP, HTTPS)",
        ),
        (
            lambda a: a["target_groups"][0].update(health_check={"protocol": "TCP"}),
            "target_groups[0].health_check.protocol: 'TCP' cannot check an HTTP target group",
        ),
        (
            lambda a: a["target_groups"][0].update(health_check={"interval": 10, "timeout": 10}),
            "target_groups[0].health_check.timeout: 10 equals the interval",
        ),
        (
            lambda a: a.update(keep=["gw-b"]),
            "keep[0]: 'gw-b' is also listed in target_groups[1]; a name in keep is neither created, changed nor deleted",
        ),
        (
            lambda a: a.update(keep=["gw-alb"]),
            "keep[0]: 'gw-alb' is also listed in load_balancers[0]",
        ),
        (lambda a: a.update(keep=["old", "old"]), "keep[1]: 'old' is listed twice (keep[0] and keep[1])"),
        (lambda a: a.update(keep=["-x"]), "keep[0]: '-x' is not a valid load balancer or target group name"),
    ],
)
def test_alb_input_problems_name_the_field(mutate, message):
    problems = alb_problems(mutate)
    assert any(message in problem for problem in problems), problems


def test_rules_only_on_application_http_listeners_and_nlb_groups_stay_apart():
    problems = problems_of(
        load_balancers=[
            {
                "name": "gw",
                "listeners": [
                    {
                        "port": 1,
                        "target_group": "gw-a",
                        "rules": [{"priority": 1, "path_patterns": ["/"], "target_group": "gw-a"}],
                    },
                    {"port": 2, "protocol": "HTTP", "target_group": "gw-a"},
                    {"port": 3, "target_group": "gw-h"},
                ],
            }
        ],
        target_groups=[{"name": "gw-a", "port": 80}, {"name": "gw-h", "port": 81, "protocol": "HTTP"}],
    )
    assert problems == [
        "load_balancers[0].listeners[0].rules: a network TCP listener has no rules (only application load balancers "
        "take rules); remove them",
        "load_balancers[0].listeners[1].protocol: 'HTTP' is not a network listener protocol (TCP, UDP, TCP_UDP, TLS)",
        "load_balancers[0].listeners[2].protocol: a TCP listener cannot forward to HTTP target group 'gw-h' (it takes "
        "TCP, TCP_UDP)",
    ]


# ------------------------------------------------------------- application load balancers: plans


def test_plan_rules_swaps_shifts_and_conflicts():
    from ansible_collections.multiaccount.apigateway.plugins.module_utils import elbv2

    def current(priority, patterns, group):
        return {
            "arn": f"rule-{priority}",
            "priority": priority,
            "is_default": False,
            "path_patterns": patterns,
            "key": elbv2.pattern_key(patterns),
            "action_type": "forward",
            "target_group_arns": [tg_arn(group)],
        }

    def desired(priority, patterns, group):
        return {
            "priority": priority,
            "key": elbv2.pattern_key(patterns),
            "target_group": group,
            "path_patterns": patterns,
        }

    rules = [current(10, ["/a"], "gw-a"), current(20, ["/b"], "gw-b"), current(30, ["/c"], "gw-c")]
    plan = elbv2.plan_rules(
        rules,
        [desired(10, ["/b"], "gw-b"), desired(20, ["/a"], "gw-a"), desired(30, ["/d"], "gw-d")],
        purge=True,
    )
    assert [(rule["arn"], priority) for rule, priority in plan["priorities"]] == [("rule-10", 20), ("rule-20", 10)]
    assert [(rule["arn"], reason) for rule, reason in plan["delete"]] == [("rule-30", "not listed")]
    assert [item["key"] for item in plan["create"]] == [("/d",)]
    assert plan["modify"] == [] and plan["conflicts"] == []
    # purge=false leaves /c at 30, where /d wants to go: a conflict, named
    plan = elbv2.plan_rules(rules, [desired(30, ["/d"], "gw-d")], purge=False)
    assert [rule["arn"] for rule in plan["left"]] == ["rule-10", "rule-20", "rule-30"]
    assert [(item["priority"], rule["arn"]) for item, rule in plan["conflicts"]] == [(30, "rule-30")]
    # a group bound for another load balancer leaves even with purge=false
    plan = elbv2.plan_rules(rules, [], purge=False, moving={"gw-b"})
    assert [(rule["arn"], reason) for rule, reason in plan["delete"]] == [("rule-20", "moving")]


def alb_listener(port=80, group=None, rules=None, ours=True):
    item = listener("gw-alb", port, group or "none", ours=ours, protocol="HTTP")
    if group is None:
        item["target_group_arns"] = []
        item["default_action_type"] = "fixed-response"
        item["fixed_response"] = dict(glb.FIXED_RESPONSE)
    else:
        item["default_action_type"] = "forward"
        item["fixed_response"] = None
    item["rules"] = rules
    return item


def alb_rule(priority, patterns, group):
    return {
        "arn": f"{PREFIX}:listener-rule/app/gw-alb/1/2/{priority}",
        "priority": priority,
        "is_default": False,
        "path_patterns": list(patterns),
        "key": tuple(sorted(patterns)),
        "conditions": 1,
        "action_type": "forward",
        "target_group_arns": [tg_arn(group)],
    }


def alb_snapshot(rules=None, default=None, security_groups=("sg-0123456789abcdef0",)):
    lb = balancer("gw-alb", [alb_listener(group=default, rules=rules)])
    lb.update(type="application", attributes={}, security_group_ids=list(security_groups))
    lb["arn"] = lb["arn"].replace("/net/", "/app/")
    groups = []
    for name, port in (("gw-a", 8081), ("gw-b", 8082), ("gw-c", 8083)):
        item = group(name, port, ["10.1.0.5"], balancers=["gw-alb"])
        item["protocol"] = "HTTP"
        item["load_balancer_arns"] = [lb["arn"]]
        item["health_check"].update(protocol="HTTP", path="/health", matcher="200-399", timeout=5)
        item["targets"][0]["port"] = port
        groups.append(item)
    snap = snapshot(balancers=[lb], groups=groups)
    snap["security_groups"] = {"gw-alb": "sg-0123456789abcdef0"}
    return snap


def converged_rules():
    return [alb_rule(10, ["/a", "/a/*"], "gw-a"), alb_rule(20, ["/b/*"], "gw-b"), alb_rule(30, ["/c/*"], "gw-c")]


def alb_plan(snap, **overrides):
    args = alb_params(**overrides)
    for item in args["target_groups"]:
        item["targets"] = [{"ip": "10.1.0.5"}]
    spec = glb.validate_params(args)
    planner = glb.Planner(spec, snap)
    planner.plan_present()
    return planner


def test_alb_plan_nothing_to_do_when_aws_matches():
    planner = alb_plan(alb_snapshot(converged_rules()))
    assert planner.problems == [] and planner.ordered_ops() == []
    view = planner.after["load_balancers"]["gw-alb"]
    assert view["listeners"] == {"80": "HTTP -> fixed-response 404"}
    assert view["rules"] == {"80": {"10": "/a, /a/* -> gw-a", "20": "/b/* -> gw-b", "30": "/c/* -> gw-c"}}
    assert view["security_groups"] == ["sg-0123456789abcdef0"] and "cross_zone" not in view


def test_alb_plan_default_action_security_groups_and_an_unlisted_rule_with_purge_false():
    rules = converged_rules() + [alb_rule(40, ["/old"], "gw-c")]
    snap = alb_snapshot(rules, default="gw-a", security_groups=("sg-0aaaaaaaaaaaaaaaa",))
    planner = alb_plan(snap, purge=False)
    assert actions(planner) == [
        "set the security groups of load balancer gw-alb to sg-0123456789abcdef0 (was sg-0aaaaaaaaaaaaaaaa)",
        "modify listener 80 (HTTP -> gw-a) of load balancer gw-alb: forward HTTP -> fixed-response 404",
    ]
    assert planner.after["load_balancers"]["gw-alb"]["rules"]["80"]["40"] == "/old -> gw-c"
    # that rule holds a priority a listed rule wants: a problem naming the field
    args = alb_params(purge=False)
    first_rule(args).update(priority=40)
    for item in args["target_groups"]:
        item["targets"] = [{"ip": "10.1.0.5"}]
    planner = glb.Planner(glb.validate_params(args), snap)
    planner.plan_present()
    assert planner.problems == [
        "load_balancers[0].listeners[0].rules[0].priority: 40 is the priority of rule 40 (/old -> gw-c) of listener 80 "
        "of load balancer gw-alb, which is not listed and stays (purge=false); give another priority, or let "
        "purge=true delete that rule"
    ]


def test_alb_plan_unknown_security_group_name_and_a_foreign_listener_with_rules_are_problems():
    snap = alb_snapshot(converged_rules())
    snap["security_groups"] = {}
    snap["balancers"]["gw-alb"]["listeners"][0]["ours"] = False
    snap["balancers"]["gw-alb"]["listeners"][0]["tags"] = {"ManagedBy": "someone"}
    planner = alb_plan(snap)
    assert planner.problems == [
        f"load_balancers[0].security_groups[0]: no security group named 'gw-alb' in VPC {VPC}; create it first, or "
        "give the id of a group of that VPC",
    ]
    snap["security_groups"] = {"gw-alb": "sg-0123456789abcdef0"}
    planner = alb_plan(snap)
    assert planner.problems[0].startswith(
        "load_balancers[0].listeners[0].rules: port 80 of load balancer 'gw-alb' is taken by listener 80 (HTTP -> "
        "fixed-response 404) of load balancer gw-alb, which is not managed by gateway 'gw'"
    )


def test_alb_plan_a_group_moving_from_an_alb_rule_leaves_it_first():
    """gw-c moves from a rule of gw-alb (whose rules are not listed) to its own NLB-less ALB listener."""
    snap = alb_snapshot(converged_rules())
    snap["subnets"] = {
        "subnet-a": {"vpc_id": VPC, "availability_zone": "us-east-1a"},
        "subnet-b": {"vpc_id": VPC, "availability_zone": "us-east-1b"},
    }
    args = alb_params()
    args["load_balancers"][0]["listeners"][0]["rules"] = [
        {"priority": 10, "path_patterns": ["/a", "/a/*"], "target_group": "gw-a"},
        {"priority": 20, "path_patterns": ["/b/*"], "target_group": "gw-b"},
    ]
    args["load_balancers"].append(
        {
            "name": "gw-c",
            "type": "application",
            "security_groups": ["gw-alb"],
            "listeners": [{"port": 80, "protocol": "HTTP", "target_group": "gw-c"}],
        }
    )
    args["purge"] = False
    for item in args["target_groups"]:
        item["targets"] = [{"ip": "10.1.0.5"}]
    planner = glb.Planner(glb.validate_params(args), snap)
    planner.plan_present()
    assert planner.problems == []
    assert kinds(planner) == ["create_balancer", "delete_rule", "create_listener"]
    assert actions(planner)[1] == (
        "delete rule 30 (/c/* -> gw-c) of listener 80 of load balancer gw-alb: target group(s) gw-c move to another "
        "load balancer"
    )


def test_alb_creation_needs_two_zones():
    snap = snapshot(subnets={"subnet-a": {"vpc_id": VPC, "availability_zone": "us-east-1a"}})
    args = alb_params(subnet_ids=["subnet-a"])
    planner = glb.Planner(glb.validate_params(args), dict(snap, security_groups={"gw-alb": "sg-0123456789abcdef0"}))
    planner.plan_present()
    assert planner.problems == [
        "subnet_ids: an application load balancer needs subnets in at least 2 Availability Zones; load balancer "
        "'gw-alb' (load_balancers[0]) would have us-east-1a: add a subnet of another zone"
    ]


def test_keep_reports_without_changing_and_protects_from_purge_and_absent():
    snap = shared_snapshot(
        groups=[group("gw-tcp", 8090, balancers=["gw-nlb"], read=False)], balancers=[balancer("gw-nlb", None)]
    )
    snap["links"] = []
    planner = plan(snap, keep=["gw-nlb", "gw-tcp", "gw-absent"])
    assert planner.ordered_ops() == []
    assert [(item["resource"], item["name"], item["reason"]) for item in planner.kept] == [
        ("load_balancer", "gw-nlb", "listed in keep; this run neither changes nor deletes it"),
        ("target_group", "gw-tcp", "listed in keep; this run neither changes nor deletes it"),
    ]
    planner = plan(snap, state="absent", keep=["gw-nlb", "gw-tcp"])
    assert actions(planner) == [
        "delete load balancer gw-shared with listener(s) 8081 (TCP -> gw-a), 9082 (TCP -> gw-b): state=absent",
        "delete target group gw-a: state=absent",
        "delete target group gw-b: state=absent",
    ]
    assert set(planner.after["load_balancers"]) == {"gw-nlb"} and set(planner.after["target_groups"]) == {"gw-tcp"}


# ------------------------------------------------------- application load balancers: main() on moto


@pytest.fixture
def alb_aws(aws, monkeypatch):
    """``aws`` plus a security group, with the emulator's patches G22 (SetRulePriorities takes the new
    order as a whole) and G23 (an ALB spans two zones), undone after the test."""
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
    spec = importlib.util.spec_from_file_location(
        "emulator_patches", os.path.join(root, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    from moto.elbv2.models import ELBv2Backend

    monkeypatch.setattr(ELBv2Backend, "set_rule_priorities", ELBv2Backend.set_rule_priorities)
    monkeypatch.setattr(ELBv2Backend, "create_load_balancer", ELBv2Backend.create_load_balancer)
    patches.patch_G22()
    patches.patch_G23()
    ec2 = boto3.client("ec2", region_name=REGION)
    aws["sg"] = ec2.create_security_group(GroupName="gw-alb", Description="ALB", VpcId=aws["vpc"])["GroupId"]
    aws["sg2"] = ec2.create_security_group(GroupName="gw-alb-2", Description="ALB", VpcId=aws["vpc"])["GroupId"]
    return aws


def alb_args(aws, rules=None, **overrides):
    args = alb_params(vpc_id=aws["vpc"], subnet_ids=aws["subnets"], tags=None, purge_tags=False, purge=True, wait=False)
    for key in ("state", "wait_timeout"):
        args.pop(key)
    if rules is not None:
        first_listener(args)["rules"] = rules
    args.update(overrides)
    return args


def read_rules(aws):
    """``{priority: (patterns, group name)}`` of gw-alb's listener 80, read from AWS."""
    elb = aws["elbv2"]
    (lb,) = elb.describe_load_balancers(Names=["gw-alb"])["LoadBalancers"]
    (item,) = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    rules = {}
    for rule in elb.describe_rules(ListenerArn=item["ListenerArn"])["Rules"]:
        if rule["IsDefault"]:
            assert rule["Actions"][0]["Type"] == "fixed-response"
            continue
        patterns = rule["Conditions"][0]["PathPatternConfig"]["Values"]
        rules[int(rule["Priority"])] = (sorted(patterns), rule["Actions"][0]["TargetGroupArn"].split("/")[-2])
    return rules


CONVERGED = {10: (["/a", "/a/*"], "gw-a"), 20: (["/b/*"], "gw-b"), 30: (["/c/*"], "gw-c")}


def test_alb_check_mode_then_create_with_group_names_then_idempotent(alb_aws, capsys, monkeypatch):
    aws = alb_aws
    calls = record_api_calls(monkeypatch)
    predicted = run(alb_args(aws), capsys, check_mode=True)
    assert writes(calls) == [] and names(aws) == ([], [])
    assert predicted["changed"] is True and predicted["load_balancers"][0]["arn"] is None
    assert predicted["diff"]["after"]["load_balancers"]["gw-alb"]["rules"] == {
        "80": {"10": "/a, /a/* -> gw-a", "20": "/b/* -> gw-b", "30": "/c/* -> gw-c"}
    }
    assert calls.count("DescribeSecurityGroups") == 1

    del calls[:]
    applied = run(alb_args(aws), capsys)
    assert applied["changed"] is True and applied["actions"] == predicted["actions"]
    assert writes(calls) == [
        "CreateTargetGroup",
        "CreateTargetGroup",
        "CreateTargetGroup",
        "RegisterTargets",
        "RegisterTargets",
        "RegisterTargets",
        "CreateLoadBalancer",
        "CreateListener",
        "CreateRule",
        "CreateRule",
        "CreateRule",
    ]
    assert "DescribeLoadBalancerAttributes" not in calls and "ModifyLoadBalancerAttributes" not in calls
    alb = applied["load_balancers"][0]
    assert (alb["type"], alb["security_group_ids"], alb["cross_zone"]) == ("application", [aws["sg"]], True)
    (listener_80,) = alb["listeners"]
    assert listener_80["default_action"] == {
        "type": "fixed-response",
        "target_group": None,
        "fixed_response": {
            "status_code": "404",
            "content_type": "text/plain",
            "message_body": "no route for this path",
        },
    }
    assert [(rule["priority"], rule["target_group"]) for rule in listener_80["rules"]] == [
        (10, "gw-a"),
        (20, "gw-b"),
        (30, "gw-c"),
    ]
    assert all(rule["arn"] and rule["target_group_arn"] for rule in listener_80["rules"])
    # read back from AWS
    assert read_rules(aws) == CONVERGED
    (lb,) = aws["elbv2"].describe_load_balancers(Names=["gw-alb"])["LoadBalancers"]
    assert (lb["Type"], lb["Scheme"], lb["SecurityGroups"]) == ("application", "internal", [aws["sg"]])
    (tg,) = aws["elbv2"].describe_target_groups(Names=["gw-a"])["TargetGroups"]
    assert (tg["Protocol"], tg["HealthCheckProtocol"], tg["HealthCheckPath"], tg["Matcher"]) == (
        "HTTP",
        "HTTP",
        "/health",
        {"HttpCode": "200-399"},
    )
    rule_arn = listener_80["rules"][0]["arn"]
    tags = aws["elbv2"].describe_tags(ResourceArns=[rule_arn])["TagDescriptions"][0]["Tags"]
    assert {item["Key"]: item["Value"] for item in tags} == OWN

    del calls[:]
    again = run(alb_args(aws), capsys)
    assert again["changed"] is False and again["actions"] == [] and writes(calls) == []
    assert again["diff"]["before"] == again["diff"]["after"]
    assert calls == [
        "DescribeVpcs",
        "DescribeSecurityGroups",
        "DescribeLoadBalancers",
        "DescribeTargetGroups",
        "DescribeListeners",
        "DescribeTags",
        "DescribeRules",
        "DescribeTargetHealth",
        "DescribeTargetHealth",
        "DescribeTargetHealth",
    ]
    # security groups by id need no DescribeSecurityGroups
    del calls[:]
    by_id = alb_args(aws)
    by_id["load_balancers"][0]["security_groups"] = [aws["sg"]]
    assert run(by_id, capsys)["changed"] is False
    assert "DescribeSecurityGroups" not in calls and writes(calls) == []


def test_alb_group_names_resolve_with_vpc_cidrs_given_too(alb_aws, capsys, monkeypatch):
    # vpc_cidrs spares the VPC read, not the lookup of the security groups named by the ALB.
    aws = alb_aws
    calls = record_api_calls(monkeypatch)
    applied = run(alb_args(aws, vpc_cidrs=["10.210.0.0/16"]), capsys)
    assert applied["changed"] is True, applied.get("msg")
    assert "DescribeVpcs" not in calls and calls.count("DescribeSecurityGroups") == 1
    assert applied["load_balancers"][0]["security_group_ids"] == [aws["sg"]]
    del calls[:]
    again = run(alb_args(aws, vpc_cidrs=["10.210.0.0/16"]), capsys)
    assert again["changed"] is False and again["actions"] == []
    assert "DescribeVpcs" not in calls


def test_alb_rule_changes_insert_retarget_remove_and_groups(alb_aws, capsys, monkeypatch):
    aws = alb_aws
    run(alb_args(aws), capsys)
    calls = record_api_calls(monkeypatch)

    # a rule inserted in the middle: the next ones shift in ONE SetRulePriorities, then CreateRule
    inserted = [
        {"priority": 10, "path_patterns": ["/a", "/a/*"], "target_group": "gw-a"},
        {"priority": 20, "path_patterns": ["/new/*"], "target_group": "gw-c"},
        {"priority": 30, "path_patterns": ["/b/*"], "target_group": "gw-b"},
        {"priority": 40, "path_patterns": ["/c/*"], "target_group": "gw-c"},
    ]
    result = run(alb_args(aws, inserted), capsys)
    assert writes(calls) == ["SetRulePriorities", "CreateRule"], result
    assert result["actions"] == [
        "set the priorities of rules of listener 80 of load balancer gw-alb: 20 (/b/*) -> 30, 30 (/c/*) -> 40",
        "create rule 20 (/new/* -> gw-c) on listener 80 of load balancer gw-alb",
    ]
    assert read_rules(aws) == {
        10: (["/a", "/a/*"], "gw-a"),
        20: (["/new/*"], "gw-c"),
        30: (["/b/*"], "gw-b"),
        40: (["/c/*"], "gw-c"),
    }
    del calls[:]
    assert run(alb_args(aws, inserted), capsys)["changed"] is False and writes(calls) == []

    # a rule's target group changes: ModifyRule only
    inserted[3]["target_group"] = "gw-a"
    result = run(alb_args(aws, inserted), capsys, check_mode=True)
    assert result["diff"]["after"]["load_balancers"]["gw-alb"]["rules"]["80"]["40"] == "/c/* -> gw-a"
    assert writes(calls) == []
    result = run(alb_args(aws, inserted), capsys)
    assert writes(calls) == ["ModifyRule"]
    assert result["actions"] == [
        "modify rule 40 (/c/* -> gw-c) of listener 80 of load balancer gw-alb: forward to gw-a"
    ]
    assert read_rules(aws)[40] == (["/c/*"], "gw-a")

    # two rules swap their priorities: one SetRulePriorities
    del calls[:]
    swapped = [dict(inserted[0], priority=30), inserted[1], dict(inserted[2], priority=10), inserted[3]]
    run(alb_args(aws, swapped), capsys)
    assert writes(calls) == ["SetRulePriorities"]
    assert read_rules(aws)[10] == (["/b/*"], "gw-b") and read_rules(aws)[30] == (["/a", "/a/*"], "gw-a")

    # a rule removed: DeleteRule; its group gw-b then serves nothing and, unlisted, is deleted after it
    del calls[:]
    removed = [swapped[0], swapped[1], swapped[3]]
    args = alb_args(aws, removed)
    args["target_groups"] = [item for item in args["target_groups"] if item["name"] != "gw-b"]
    result = run(args, capsys)
    assert writes(calls) == ["DeleteRule", "DeleteTargetGroup"], result["actions"]
    assert read_rules(aws) == {20: (["/new/*"], "gw-c"), 30: (["/a", "/a/*"], "gw-a"), 40: (["/c/*"], "gw-a")}
    assert names(aws) == (["gw-alb"], ["gw-a", "gw-c"])
    del calls[:]
    assert run(args, capsys)["changed"] is False and writes(calls) == []

    # a group no rule forwards any more but still listed stays; purge=false leaves an unlisted rule
    del calls[:]
    args = alb_args(aws, [removed[1]], purge=False)
    args["target_groups"] = [item for item in args["target_groups"] if item["name"] != "gw-b"]
    assert run(args, capsys)["changed"] is False and writes(calls) == []


def test_alb_security_groups_default_action_and_health_check_are_fixed(alb_aws, capsys, monkeypatch):
    aws = alb_aws
    applied = run(alb_args(aws), capsys)
    listener_arn = applied["load_balancers"][0]["listeners"][0]["arn"]
    group_arn = applied["target_groups"][0]["arn"]
    aws["elbv2"].modify_listener(
        ListenerArn=listener_arn, DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}]
    )
    aws["elbv2"].modify_target_group(TargetGroupArn=group_arn, HealthCheckPath="/", Matcher={"HttpCode": "200"})
    calls = record_api_calls(monkeypatch)
    args = alb_args(aws)
    args["load_balancers"][0]["security_groups"] = ["gw-alb", aws["sg2"]]
    result = run(args, capsys)
    assert writes(calls) == ["ModifyTargetGroup", "SetSecurityGroups", "ModifyListener"], result["actions"]
    assert (
        result["actions"][0]
        == "modify the health check of target group gw-a: path / -> /health, matcher 200 -> 200-399"
    )
    assert result["diff"]["before"]["load_balancers"]["gw-alb"]["security_groups"] == [aws["sg"]]
    assert result["diff"]["after"]["load_balancers"]["gw-alb"]["security_groups"] == sorted([aws["sg"], aws["sg2"]])
    (lb,) = aws["elbv2"].describe_load_balancers(Names=["gw-alb"])["LoadBalancers"]
    assert sorted(lb["SecurityGroups"]) == sorted([aws["sg"], aws["sg2"]])
    (item,) = aws["elbv2"].describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert item["DefaultActions"][0]["FixedResponseConfig"]["MessageBody"] == "no route for this path"
    (tg,) = aws["elbv2"].describe_target_groups(Names=["gw-a"])["TargetGroups"]
    assert (tg["HealthCheckPath"], tg["Matcher"]["HttpCode"]) == ("/health", "200-399")
    del calls[:]
    assert run(args, capsys)["changed"] is False and writes(calls) == []


def test_alb_input_and_lookup_problems_fail_before_any_write(alb_aws, capsys, monkeypatch):
    aws = alb_aws
    calls = record_api_calls(monkeypatch)
    args = alb_args(aws)
    args["load_balancers"][0]["security_groups"] = ["nope"]
    result = run(args, capsys)
    assert result["failed"] is True and writes(calls) == []
    assert result["problems"] == [
        f"load_balancers[0].security_groups[0]: no security group named 'nope' in VPC {aws['vpc']}; create it first, "
        "or give the id of a group of that VPC"
    ]
    # A dry run predicts the load balancer with the group a real run would create first (a warning says so).
    predicted = run(args, capsys, check_mode=True)
    assert "failed" not in predicted and predicted["changed"] is True and writes(calls) == []
    assert any("no security group named 'nope'" in str(warning) for warning in predicted["warnings"])
    assert predicted["diff"]["after"]["load_balancers"]["gw-alb"]["security_groups"] == ["nope"]
    del calls[:]
    result = run(alb_args(aws, subnet_ids=aws["subnets"][:1]), capsys)
    assert result["failed"] is True and writes(calls) == []
    assert result["problems"][0].startswith("subnet_ids: an application load balancer needs subnets in at least 2")
    del calls[:]
    args = alb_args(aws)
    first_rule(args)["path_patterns"] = ["/b/*"]
    result = run(args, capsys)
    assert result["failed"] is True and calls == []
    # type is immutable: an existing ALB listed as a network one is named, before any write
    run(alb_args(aws), capsys)
    del calls[:]
    nlb = alb_args(aws)
    nlb["load_balancers"][0].update(type="network", security_groups=None)
    nlb["load_balancers"][0]["listeners"] = [{"port": 80, "target_group": "gw-t"}]
    nlb["target_groups"] = nlb["target_groups"] + [{"name": "gw-t", "port": 80}]
    result = run(nlb, capsys)
    assert result["failed"] is True and writes(calls) == []
    assert any(
        problem.startswith("load_balancers[0].type: load balancer 'gw-alb' is of type 'application' on AWS")
        for problem in result["problems"]
    )


def test_alb_keep_is_neither_deleted_nor_created(alb_aws, capsys, monkeypatch):
    """A move from an NLB (TCP groups) to an ALB: the NLB side is kept while the ALB side is created."""
    aws = alb_aws
    run(module_args(aws), capsys)  # NLB gw-shared, groups gw-a, gw-b (TCP)
    calls = record_api_calls(monkeypatch)
    args = alb_args(aws, keep=["gw-shared", "gw-a", "gw-b", "gw-gone"])
    for item, name in zip(args["target_groups"], ("gw-ha", "gw-hb", "gw-hc")):
        item["name"] = name
    for rule, name in zip(first_listener(args)["rules"], ("gw-ha", "gw-hb", "gw-hc")):
        rule["target_group"] = name
    result = run(args, capsys)
    assert not result.get("failed"), result
    assert [item["name"] for item in result["kept"]] == ["gw-shared", "gw-a", "gw-b"]
    assert all(item["reason"].startswith("listed in keep") for item in result["kept"])
    assert names(aws) == (["gw-alb", "gw-shared"], ["gw-a", "gw-b", "gw-ha", "gw-hb", "gw-hc"])
    assert not [call for call in writes(calls) if call.startswith(("Delete", "Modify", "Deregister", "SetSub"))]
    del calls[:]
    assert run(args, capsys)["changed"] is False and writes(calls) == []
    # without keep, purge deletes the other flavour
    del args["keep"]
    result = run(args, capsys)
    assert names(aws) == (["gw-alb"], ["gw-ha", "gw-hb", "gw-hc"])
    assert run({"gateway": "gw", "state": "absent", "vpc_id": aws["vpc"], "keep": ["gw-hc"]}, capsys)["changed"] is True
    assert names(aws) == ([], ["gw-hc"])


# ------------------------------------------------------------- subnet_zones: subnets the caller knows


def test_subnets_with_their_zones_given_are_not_read(aws, capsys, monkeypatch):
    """subnet_zones (vpc_target_subnets' subnets of the same run): a new load balancer without DescribeSubnets;
    a subnet it does not name is read; the zones are checked like zones read from AWS."""
    calls = record_api_calls(monkeypatch)
    zones = {aws["subnets"][0]: f"{REGION}a", aws["subnets"][1]: f"{REGION}b"}
    result = run(module_args(aws, subnet_zones=zones), capsys)
    assert result["changed"] is True and "DescribeSubnets" not in calls
    created = result["load_balancers"][0]
    assert sorted(created["subnet_ids"]) == sorted(aws["subnets"])

    del calls[:]
    one = {aws["subnets"][0]: f"{REGION}a"}
    dedicated = module_args(
        aws,
        subnet_zones=one,
        load_balancers=[{"name": "gw-new", "listeners": [{"port": 7083, "target_group": "gw-a"}]}],
        purge=False,
    )
    run(dedicated, capsys)
    assert calls.count("DescribeSubnets") == 1

    del calls[:]
    same_zone = module_args(
        aws,
        subnet_zones={aws["subnets"][0]: f"{REGION}a", aws["subnets"][1]: f"{REGION}a"},
        load_balancers=[{"name": "gw-other", "listeners": [{"port": 7084, "target_group": "gw-a"}]}],
        purge=False,
    )
    failed = run(same_zone, capsys)
    assert failed["failed"] is True and "like " + aws["subnets"][0] in failed["msg"]
    assert "DescribeSubnets" not in calls


@pytest.mark.parametrize(
    "zones, message",
    [
        ({"subnet-0123456789abcdef0": "us-east-1a"}, "subnet_zones: subnet-0123456789abcdef0 is not in subnet_ids"),
        ({"subnet-0123456789abcdef0": "us-east-1a", "x": 1}, "subnet_zones: x is not in subnet_ids"),
        ("us-east-1a", "argument 'subnet_zones' is of type str"),
    ],
)
def test_subnet_zones_are_checked_before_any_call(aws, capsys, monkeypatch, zones, message):
    calls = record_api_calls(monkeypatch)
    result = run(module_args(aws, subnet_zones=zones), capsys)
    assert result["failed"] is True and message in result["msg"]
    assert calls == []


def test_check_subnet_zones_names_each_problem():
    problems = []
    assert glb.check_subnet_zones(None, ["subnet-a"], problems) == {} and problems == []
    assert glb.check_subnet_zones({"subnet-a": "us-east-1a"}, None, problems) == {}
    assert problems.pop() == "subnet_zones: subnet-a is not in subnet_ids; name the zones of those subnets only"
    assert glb.check_subnet_zones(["subnet-a"], ["subnet-a"], problems) == {}
    zones = glb.check_subnet_zones({"subnet-a": " us-east-1a ", "subnet-b": ""}, ["subnet-a", "subnet-b"], problems)
    assert zones == {"subnet-a": "us-east-1a"}
    assert problems == [
        "subnet_zones: expected a dictionary of subnet id -> Availability Zone name",
        "subnet_zones.subnet-b: '' is not an Availability Zone name (e.g. us-east-1a)",
    ]
