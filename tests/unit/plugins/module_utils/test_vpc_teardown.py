# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure half of vpc_teardown: what is foreign in a VPC of ours, and what may go."""

from ansible_collections.multiaccount.apigateway.plugins.module_utils import vpc_teardown as vt

GW = "open-banking"
OURS = [{"Key": "ManagedBy", "Value": "multiaccount.apigateway"}, {"Key": "multiaccount:gateway", "Value": GW}]
OTHER_GW = [{"Key": "ManagedBy", "Value": "multiaccount.apigateway"}, {"Key": "multiaccount:gateway", "Value": "other"}]
VPC = "vpc-0000000000000000a"
PCX = "pcx-0000000000000000a"


def table(table_id, tags, routes=(), associations=(), main=False):
    assoc = [{"Main": True, "RouteTableAssociationId": f"{table_id}-main"}] if main else []
    assoc += [{"RouteTableAssociationId": f"{table_id}-{s}", "SubnetId": s} for s in associations]
    return {
        "RouteTableId": table_id,
        "Tags": list(tags),
        "Associations": assoc,
        "Routes": [{"DestinationCidrBlock": "10.100.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"}]
        + list(routes),
    }


def tbl(contents, table_id):
    (found,) = [t for t in contents["route_tables"] if t["id"] == table_id]
    return found


def base(**extra):
    raw = {
        "vpc": {"VpcId": VPC, "CidrBlock": "10.100.0.0/16", "Tags": OURS + [{"Key": "Name", "Value": "gw"}]},
        "subnets": [
            {"SubnetId": "subnet-a", "CidrBlock": "10.100.1.0/24", "AvailabilityZone": "us-east-1a", "Tags": OURS},
            {"SubnetId": "subnet-b", "CidrBlock": "10.100.2.0/24", "AvailabilityZone": "us-east-1b", "Tags": OURS},
        ],
        "route_tables": [
            table("rtb-main", [], main=True),
            table(
                "rtb-gw",
                OURS,
                routes=[{"DestinationCidrBlock": "10.0.0.0/16", "VpcPeeringConnectionId": PCX, "State": "blackhole"}],
                associations=["subnet-a", "subnet-b"],
            ),
        ],
        "security_groups": [{"GroupId": "sg-default", "GroupName": "default"}],
        "interfaces": [],
        "internet_gateways": [],
        "peerings": [],
        "load_balancers": [],
        "target_groups": [],
    }
    raw.update(extra)
    return vt.normalise_contents(GW, raw)


def test_clean_vpc_goes_entirely_in_dependency_order():
    plan = vt.plan_teardown(base(), [PCX])
    assert plan["foreign"] == [] and plan["kept"] == []
    assert [a["subnet_id"] for a in plan["disassociate"]] == ["subnet-a", "subnet-b"]
    assert [t["id"] for t in plan["delete_route_tables"]] == ["rtb-gw"]
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-a", "subnet-b"]
    assert plan["delete_routes"] == [] and plan["delete_vpc"] is True


def test_route_through_unlisted_peering_is_foreign_and_keeps_the_table_not_our_routes():
    contents = base()
    tbl(contents, "rtb-gw")["routes"].append(
        vt.route_entry({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"})
    )
    plan = vt.plan_teardown(contents, [PCX])
    assert [f["id"] for f in plan["foreign"]] == ["rtb-gw:0.0.0.0/0"]
    assert plan["foreign"][0]["label"] == "route 0.0.0.0/0 -> igw-1 in route table rtb-gw"
    assert plan["delete_route_tables"] == []
    assert [a["subnet_id"] for a in plan["disassociate"]] == ["subnet-a", "subnet-b"]
    # only our route leaves the table; the foreign one and the local one stay
    assert plan["delete_routes"] == [{"route_table_id": "rtb-gw", "dest": "10.0.0.0/16", "target": PCX}]
    # the subnets may still go (their association goes with them); the VPC stays
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-a", "subnet-b"]
    assert plan["delete_vpc"] is False
    assert [k["kind"] for k in plan["kept"]] == ["route_table", "vpc"]
    assert "holds route 0.0.0.0/0 -> igw-1" in plan["kept"][0]["reason"]


def test_peering_routes_are_ours_only_when_listed():
    plan = vt.plan_teardown(base(), [])
    assert [f["id"] for f in plan["foreign"]] == ["rtb-gw:10.0.0.0/16"]
    assert "(blackhole)" in plan["foreign"][0]["label"]


def test_foreign_route_in_the_main_table_keeps_the_vpc():
    contents = base()
    tbl(contents, "rtb-main")["routes"].append(
        vt.route_entry({"DestinationCidrBlock": "192.168.0.0/16", "TransitGatewayId": "tgw-1"})
    )
    plan = vt.plan_teardown(contents, [PCX])
    assert plan["delete_vpc"] is False
    assert [f["where"] for f in plan["foreign"]] == ["rtb-main"]
    assert [t["id"] for t in plan["delete_route_tables"]] == ["rtb-gw"]


def test_foreign_security_group_target_group_and_subnet_keep_the_vpc_only():
    contents = base(
        security_groups=[
            {"GroupId": "sg-default", "GroupName": "default"},
            {"GroupId": "sg-legacy", "GroupName": "legacy-db", "Tags": [{"Key": "team", "Value": "db"}]},
            {"GroupId": "sg-ours", "GroupName": "svc", "Tags": OURS},
            {"GroupId": "sg-other-gw", "GroupName": "svc", "Tags": OTHER_GW},
        ],
        target_groups=[{"TargetGroupArn": "arn:tg/legacy/1", "TargetGroupName": "legacy"}],
    )
    contents["subnets"].append(
        {"id": "subnet-x", "cidr": "10.100.9.0/24", "az": "us-east-1a", "name": "theirs", "ours": False}
    )
    plan = vt.plan_teardown(contents, [PCX])
    assert sorted(f["id"] for f in plan["foreign"]) == ["arn:tg/legacy/1", "sg-legacy", "sg-other-gw", "subnet-x"]
    assert [g["id"] for g in plan["delete_security_groups"]] == ["sg-ours"]
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-a", "subnet-b"]
    assert plan["delete_vpc"] is False and [k["kind"] for k in plan["kept"]] == ["vpc"]
    message = vt.failure_message(VPC, plan, 4)
    assert message.startswith(f"kept VPC {VPC} (gw) 10.100.0.0/16:")
    assert "security group sg-legacy (legacy-db) in " + VPC in message
    assert "target group legacy in " + VPC in message
    assert "Done in " + VPC + ": 4 change(s)" in message
    assert plan["kept"][-1]["reason"] == "holds 4 resource(s) this collection did not create"


def test_foreign_instance_keeps_its_subnet_and_the_vpc():
    contents = base(
        interfaces=[
            {
                "NetworkInterfaceId": "eni-1",
                "SubnetId": "subnet-b",
                "Description": "",
                "Attachment": {"InstanceId": "i-1"},
                "InterfaceType": "interface",
            }
        ]
    )
    plan = vt.plan_teardown(contents, [PCX])
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-a"]
    assert plan["foreign"] == [
        {"kind": "interface", "id": "eni-1", "label": "network interface eni-1 (instance i-1)", "where": "subnet-b"}
    ]
    assert [k["id"] for k in plan["kept"]] == ["subnet-b", "rtb-gw", VPC]
    assert plan["kept"][0]["reason"] == "holds network interface eni-1 (instance i-1)"
    # the table of the subnet that stays stays too (its routing must not change); subnet-a leaves it
    assert plan["kept"][1]["reason"] == "associated with subnet-b, which stays"
    assert [a["subnet_id"] for a in plan["disassociate"]] == ["subnet-a"]
    assert plan["delete_routes"] == [{"route_table_id": "rtb-gw", "dest": "10.0.0.0/16", "target": PCX}]


def test_interfaces_of_a_deleted_load_balancer_are_transient_not_foreign():
    eni = {
        "NetworkInterfaceId": "eni-2",
        "SubnetId": "subnet-a",
        "Description": "ELB net/gw-nlb/50dc6c495c0c9188",
        "InterfaceType": "network_load_balancer",
    }
    contents = base(interfaces=[eni])
    assert [e["id"] for e in vt.transient_interfaces(contents)] == ["eni-2"]
    waiting = vt.plan_teardown(contents, [PCX])
    assert waiting["foreign"] == [] and [k["id"] for k in waiting["kept"]] == ["subnet-a", "rtb-gw", VPC]
    assert "run again" in waiting["kept"][0]["reason"]
    assert vt.plan_teardown(contents, [PCX], transient_gone=True)["delete_vpc"] is True
    # the same interface while its load balancer exists: the load balancer is what keeps things
    live = base(
        interfaces=[eni],
        load_balancers=[
            {
                "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/gw-nlb/50dc6c495c0c9188",
                "LoadBalancerName": "gw-nlb",
                "AvailabilityZones": [{"SubnetId": "subnet-a"}],
            }
        ],
    )
    assert vt.transient_interfaces(live) == []
    plan = vt.plan_teardown(live, [PCX])
    assert sorted(f["kind"] for f in plan["foreign"]) == ["interface", "load_balancer"]
    assert "load balancer gw-nlb" in plan["kept"][0]["reason"]


def test_live_foreign_peering_and_internet_gateway_are_foreign():
    contents = base(
        peerings=[
            {
                "VpcPeeringConnectionId": "pcx-0000000000000000b",
                "Status": {"Code": "active"},
                "RequesterVpcInfo": {"VpcId": "vpc-theirs"},
                "AccepterVpcInfo": {"VpcId": VPC},
            },
            {"VpcPeeringConnectionId": PCX, "Status": {"Code": "active"}, "RequesterVpcInfo": {"VpcId": VPC}},
            {"VpcPeeringConnectionId": "pcx-0000000000000000c", "Status": {"Code": "active"}, "Tags": OURS},
        ],
        internet_gateways=[{"InternetGatewayId": "igw-1"}],
    )
    plan = vt.plan_teardown(contents, [PCX])
    labels = [f["label"] for f in plan["foreign"]]
    assert labels == ["internet gateway igw-1 (attached)", "peering pcx-0000000000000000b with vpc-theirs (active)"]


def test_table_of_ours_associated_with_a_foreign_subnet_stays():
    contents = base()
    contents["subnets"].append(
        {"id": "subnet-x", "cidr": "10.100.9.0/24", "az": "us-east-1a", "name": None, "ours": False}
    )
    tbl(contents, "rtb-gw")["associations"].append({"id": "a-x", "subnet_id": "subnet-x", "gateway_id": None})
    plan = vt.plan_teardown(contents, [PCX])
    assert plan["delete_route_tables"] == []
    kept = {k["id"]: k["reason"] for k in plan["kept"]}
    assert kept["rtb-gw"] == "associated with subnet-x, which is not ours"
    # an association with a subnet that is gone (the emulator keeps them) is simply undone
    tbl(contents, "rtb-gw")["associations"].append({"id": "a-gone", "subnet_id": "subnet-gone", "gateway_id": None})
    plan = vt.plan_teardown(contents, [PCX])
    assert "a-gone" in [a["association_id"] for a in plan["disassociate"]]
    assert plan["delete_routes"] == [{"route_table_id": "rtb-gw", "dest": "10.0.0.0/16", "target": PCX}]


def test_propagated_and_ipv6_routes_are_foreign():
    route6 = vt.route_entry({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"})
    propagated = vt.route_entry(
        {"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"}
    )
    assert vt.route_label(route6) == "route ::/0 -> eigw-1"
    assert vt.route_label(propagated) == "route 172.16.0.0/12 -> vgw-1 (propagated)"
    assert not vt.route_is_ours(propagated, {"vgw-1"})
    assert vt.route_is_ours(vt.route_entry({"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "local"}), set())


LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/gw-nlb/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/gw-tg/73e2d6bc24d8a067"


def eni(eni_id, subnet_id, description="", instance_id=None, kind="interface"):
    raw = {"NetworkInterfaceId": eni_id, "SubnetId": subnet_id, "Description": description, "InterfaceType": kind}
    if instance_id:
        raw["Attachment"] = {"InstanceId": instance_id}
    return raw


def converged():
    """A VPC of ours as a converged deployment leaves it before the teardown's earlier steps ran."""
    return base(
        load_balancers=[
            {
                "LoadBalancerArn": LB_ARN,
                "LoadBalancerName": "gw-nlb",
                "AvailabilityZones": [{"SubnetId": "subnet-a"}, {"SubnetId": "subnet-b"}],
            }
        ],
        target_groups=[{"TargetGroupArn": TG_ARN, "TargetGroupName": "gw-tg"}],
        elb_tags={LB_ARN: {t["Key"]: t["Value"] for t in OURS}, TG_ARN: {t["Key"]: t["Value"] for t in OURS}},
        interfaces=[
            eni("eni-lb-a", "subnet-a", "ELB net/gw-nlb/50dc6c495c0c9188", kind="network_load_balancer"),
            eni("eni-lb-b", "subnet-b", "ELB net/gw-nlb/50dc6c495c0c9188", kind="network_load_balancer"),
            eni("eni-demo", "subnet-b", "Primary network interface", instance_id="i-demo"),
            eni("eni-extra", "subnet-a", "extra"),
        ],
    )


def test_without_gone_leaves_out_the_listed_resources_and_their_interfaces_only():
    contents = converged()
    before = vt.plan_teardown(contents, [PCX], transient_gone=True)
    assert before["delete_subnets"] == [] and before["delete_vpc"] is False

    remaining = vt.without_gone(contents, [LB_ARN, TG_ARN, "i-demo"])
    assert remaining["load_balancers"] == [] and remaining["target_groups"] == []
    assert [e["id"] for e in remaining["interfaces"]] == ["eni-extra"]
    # the rest of the description is untouched, and so is the original
    assert remaining["subnets"] == contents["subnets"] and remaining["route_tables"] == contents["route_tables"]
    assert len(contents["load_balancers"]) == 1 and len(contents["interfaces"]) == 4
    assert vt.left_out(contents, remaining) == [
        {"kind": "load_balancer", "id": LB_ARN, "label": "load balancer gw-nlb"},
        {"kind": "target_group", "id": TG_ARN, "label": "target group gw-tg"},
        {
            "kind": "interface",
            "id": "eni-demo",
            "label": "network interface eni-demo (Primary network interface, instance i-demo)",
        },
        {
            "kind": "interface",
            "id": "eni-lb-a",
            "label": "network interface eni-lb-a (ELB net/gw-nlb/50dc6c495c0c9188, network_load_balancer)",
        },
        {
            "kind": "interface",
            "id": "eni-lb-b",
            "label": "network interface eni-lb-b (ELB net/gw-nlb/50dc6c495c0c9188, network_load_balancer)",
        },
    ]

    # eni-extra is not listed: it keeps subnet-a (and the VPC); subnet-b, held only by gone resources, goes
    plan = vt.plan_teardown(remaining, [PCX], transient_gone=True)
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-b"]
    assert [f["id"] for f in plan["foreign"]] == ["eni-extra"]
    assert [k["id"] for k in plan["kept"]] == ["subnet-a", "rtb-gw", VPC]

    # listing the interface too: nothing is left, everything goes
    everything = vt.without_gone(contents, [LB_ARN, TG_ARN, "i-demo", "eni-extra"])
    plan = vt.plan_teardown(everything, [PCX], transient_gone=True)
    assert plan["foreign"] == [] and plan["kept"] == []
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-a", "subnet-b"] and plan["delete_vpc"] is True


def test_without_gone_each_kind_alone():
    contents = converged()
    only_lb = vt.without_gone(contents, [LB_ARN])
    assert only_lb["load_balancers"] == [] and [t["arn"] for t in only_lb["target_groups"]] == [TG_ARN]
    assert [e["id"] for e in only_lb["interfaces"]] == ["eni-demo", "eni-extra"]

    only_tg = vt.without_gone(contents, [TG_ARN])
    assert only_tg["target_groups"] == [] and only_tg["load_balancers"] == contents["load_balancers"]
    assert only_tg["interfaces"] == contents["interfaces"]

    only_instance = vt.without_gone(contents, ["i-demo"])
    assert [e["id"] for e in only_instance["interfaces"]] == ["eni-extra", "eni-lb-a", "eni-lb-b"]
    assert only_instance["load_balancers"] == contents["load_balancers"]

    only_eni = vt.without_gone(contents, ["eni-lb-a"])
    assert [e["id"] for e in only_eni["interfaces"]] == ["eni-demo", "eni-extra", "eni-lb-b"]


def test_without_gone_ignores_what_is_not_in_the_vpc_and_an_empty_list():
    contents = converged()
    assert vt.without_gone(contents, []) == contents
    assert vt.without_gone(contents, None) == contents
    other = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/other/0123456789abcdef"
    unrelated = vt.without_gone(contents, [other, "i-other", "eni-other", " "])
    assert unrelated == contents and vt.left_out(contents, unrelated) == []
    # an interface without an instance is not left out because of an empty instance id
    assert [e["id"] for e in vt.without_gone(contents, [""])["interfaces"]] == [e["id"] for e in contents["interfaces"]]


def test_interfaces_of_a_listed_load_balancer_go_even_if_its_name_is_shared():
    # another load balancer with the same name but another id keeps its interfaces
    other_arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/gw-nlb/0000000000000001"
    contents = base(
        load_balancers=[
            {"LoadBalancerArn": LB_ARN, "LoadBalancerName": "gw-nlb", "AvailabilityZones": [{"SubnetId": "subnet-a"}]},
            {
                "LoadBalancerArn": other_arn,
                "LoadBalancerName": "gw-nlb",
                "AvailabilityZones": [{"SubnetId": "subnet-b"}],
            },
        ],
        interfaces=[
            eni("eni-1", "subnet-a", "ELB net/gw-nlb/50dc6c495c0c9188"),
            eni("eni-2", "subnet-b", "ELB net/gw-nlb/0000000000000001"),
        ],
    )
    remaining = vt.without_gone(contents, [LB_ARN])
    assert [lb["arn"] for lb in remaining["load_balancers"]] == [other_arn]
    assert [e["id"] for e in remaining["interfaces"]] == ["eni-2"]
    plan = vt.plan_teardown(remaining, [PCX], transient_gone=True)
    assert [s["id"] for s in plan["delete_subnets"]] == ["subnet-a"]
    assert plan["kept"][0]["id"] == "subnet-b"


def transit_routes():
    """A provider VPC of ours before transit_gateway_attachment (state=absent) deleted its return routes."""
    tgw = {"TransitGatewayId": "tgw-1"}
    return base(
        route_tables=[
            table(
                "rtb-main",
                [],
                routes=[
                    dict(tgw, DestinationCidrBlock="10.200.1.0/24"),
                    dict(tgw, DestinationIpv6CidrBlock="2600:1f18::/56"),
                    dict(tgw, DestinationPrefixListId="pl-0123456789abcdef0"),
                ],
                main=True,
            ),
            table(
                "rtb-gw",
                OURS,
                routes=[
                    {"DestinationCidrBlock": "10.0.0.0/16", "VpcPeeringConnectionId": PCX},
                    dict(tgw, DestinationCidrBlock="10.200.1.0/24"),
                ],
                associations=["subnet-a", "subnet-b"],
            ),
        ]
    )


def test_without_gone_leaves_out_a_listed_route_of_its_table_only():
    contents = transit_routes()
    before = vt.plan_teardown(contents, [PCX])
    assert before["delete_vpc"] is False
    assert [f["id"] for f in before["foreign"]] == [
        "rtb-gw:10.200.1.0/24",
        "rtb-main:10.200.1.0/24",
        "rtb-main:2600:1f18::/56",
        "rtb-main:pl-0123456789abcdef0",
    ]

    remaining = vt.without_gone(contents, ["rtb-main:10.200.1.0/24"])
    # the same destination in another table stays, and so do the other routes of the table
    assert [r["dest"] for r in tbl(remaining, "rtb-main")["routes"]] == [
        "10.100.0.0/16",
        "2600:1f18::/56",
        "pl-0123456789abcdef0",
    ]
    assert tbl(remaining, "rtb-gw")["routes"] == tbl(contents, "rtb-gw")["routes"]
    assert len(tbl(contents, "rtb-main")["routes"]) == 4  # the original is untouched
    assert remaining["subnets"] == contents["subnets"] and remaining["interfaces"] == contents["interfaces"]
    assert vt.left_out(contents, remaining) == [
        {
            "kind": "route",
            "id": "rtb-main:10.200.1.0/24",
            "label": "route 10.200.1.0/24 -> tgw-1 in route table rtb-main",
        }
    ]
    plan = vt.plan_teardown(remaining, [PCX])
    assert "rtb-main:10.200.1.0/24" not in [f["id"] for f in plan["foreign"]]
    assert plan["delete_vpc"] is False


def test_a_vpc_whose_main_table_held_only_a_listed_route_goes():
    contents = base()
    tbl(contents, "rtb-main")["routes"].append(
        vt.route_entry({"DestinationCidrBlock": "10.200.1.0/24", "TransitGatewayId": "tgw-1"})
    )
    assert vt.plan_teardown(contents, [PCX])["delete_vpc"] is False
    remaining = vt.without_gone(contents, ["rtb-main:10.200.1.0/24", "rtb-other:10.200.2.0/24"])
    plan = vt.plan_teardown(remaining, [PCX])
    assert plan["foreign"] == [] and plan["kept"] == [] and plan["delete_vpc"] is True
    assert [t["id"] for t in plan["delete_route_tables"]] == ["rtb-gw"]
    assert [a["id"] for a in vt.left_out(contents, remaining)] == ["rtb-main:10.200.1.0/24"]


def test_without_gone_routes_of_every_destination_kind_and_never_the_local_route():
    contents = transit_routes()
    gone = [
        "rtb-main:10.200.1.0/24",
        "RTB-MAIN:2600:1F18:0::/56",  # the canonical form of the same IPv6 CIDR
        "rtb-main:pl-0123456789abcdef0",
        "rtb-gw:10.200.1.0/24",
        "rtb-main:10.100.0.0/16",  # the local route: no task deletes it
    ]
    remaining = vt.without_gone(contents, gone)
    assert [r["dest"] for r in tbl(remaining, "rtb-main")["routes"]] == ["10.100.0.0/16"]
    assert [r["dest"] for r in tbl(remaining, "rtb-gw")["routes"]] == ["10.100.0.0/16", "10.0.0.0/16"]
    assert [a["id"] for a in vt.left_out(contents, remaining)] == [
        "rtb-gw:10.200.1.0/24",
        "rtb-main:10.200.1.0/24",
        "rtb-main:2600:1f18::/56",
        "rtb-main:pl-0123456789abcdef0",
    ]
    plan = vt.plan_teardown(remaining, [PCX])
    assert plan["foreign"] == [] and plan["delete_vpc"] is True
    # a route of ours (through our peering) listed as gone is not deleted again in the plan
    ours_gone = vt.without_gone(contents, ["rtb-gw:10.0.0.0/16"])
    assert [r["dest"] for r in tbl(ours_gone, "rtb-gw")["routes"]] == ["10.100.0.0/16", "10.200.1.0/24"]


def test_without_gone_ignores_routes_of_tables_or_destinations_not_in_the_vpc():
    contents = transit_routes()
    unrelated = vt.without_gone(contents, ["rtb-other:10.200.1.0/24", "rtb-main:10.200.9.0/24", "rtb-main:"])
    assert unrelated == contents and vt.left_out(contents, unrelated) == []
