# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure parts of module_utils/ec2_services.py: validation, rules, group and interface plans, demo plans."""

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import ec2_services as ec2s
from botocore.exceptions import ClientError

GATEWAY = "open-banking"
OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": GATEWAY}
NLB = ["10.100.1.0/24", "10.100.2.0/24"]


def client_error(code, operation="DescribeSecurityGroups"):
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, operation)


def tag_list(tags):
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def sg(group_id, name, tags=None, ingress=None, egress=None, description=None):
    """A DescribeSecurityGroups entry."""
    return ec2s.normalise_group(
        {
            "GroupId": group_id,
            "GroupName": name,
            "Description": description or name,
            "VpcId": "vpc-0123456789abcdef0",
            "Tags": tag_list(tags or {}),
            "IpPermissions": ingress or [],
            "IpPermissionsEgress": egress if egress is not None else [],
        },
        GATEWAY,
    )


def ours(service):
    return dict(OURS, **{"multiaccount:service": service})


def tcp(port, *cidrs, description=None):
    ranges = [dict({"CidrIp": cidr}, **({"Description": description} if description else {})) for cidr in cidrs]
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": ranges}


ALL_EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def eni(eni_id, ips, groups, requester_managed=False, instance_id=None):
    """A DescribeNetworkInterfaces entry; ``groups`` as (id, name) pairs."""
    interface = {
        "NetworkInterfaceId": eni_id,
        "PrivateIpAddress": ips[0],
        "PrivateIpAddresses": [{"PrivateIpAddress": ip, "Primary": index == 0} for index, ip in enumerate(ips)],
        "Groups": [{"GroupId": gid, "GroupName": name} for gid, name in groups],
        "RequesterManaged": requester_managed,
        "InterfaceType": "network_load_balancer" if requester_managed else "interface",
        "Description": "ELB net/gw/123" if requester_managed else "",
    }
    if instance_id:
        interface["Attachment"] = {"InstanceId": instance_id, "DeviceIndex": 0}
    return ec2s.normalise_interface(interface)


def groups_input(*entries):
    return ec2s.validate_groups(list(entries))


def group(service, name=None, targets=(), rules=None, description="d", tags=None):
    return {
        "service": service,
        "name": name or f"ob-{service}",
        "description": description,
        "rules": rules if rules is not None else [{"port": 8080, "cidrs": NLB}],
        "targets": list(targets),
        "tags": tags or {},
    }


# ------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "groups, message",
    [
        (
            [group("a"), group("b"), group("c", rules=[{"port": "http", "cidrs": NLB}])],
            "groups[2].rules[0].port: 'http' is not a port number (1-65535)",
        ),
        ([group("a", rules=[{"port": 70000, "cidrs": NLB}])], "groups[0].rules[0].port: 70000 is not a port number"),
        ([group("a", rules=[{"port": None, "cidrs": NLB}])], "groups[0].rules[0].port: a port number (1-65535) is"),
        ([group("a", rules=[{"port": 80, "cidrs": []}])], "groups[0].rules[0].cidrs: a non-empty list"),
        ([group("a", rules=[{"port": 80, "cidrs": ["10.0.0.1/24"]}])], "groups[0].rules[0].cidrs[0]: '10.0.0.1/24'"),
        ([group("a", rules=[{"port": 80, "protocol": "icmp", "cidrs": NLB}])], "groups[0].rules[0].protocol: 'icmp'"),
        (
            [group("a", rules=[{"port": 80, "cidrs": NLB}, {"port": 80, "cidrs": [NLB[1]]}])],
            "groups[0].rules[1].cidrs[0]: tcp 80 from 10.100.2.0/24 is already given by groups[0].rules[0].cidrs[1]",
        ),
        ([group("a_b")], "groups[0].service: 'a_b' is not a service name"),
        ([group("a"), group("a", name="x")], "groups[1].service: 'a' is listed twice (groups[0] and groups[1])"),
        ([group("a", name="X"), group("b", name="x")], "groups[1].name: 'x' is also the name of groups[0]"),
        ([group("a", name="sg-foo")], "groups[0].name: 'sg-foo' starts with 'sg-'"),
        ([group("a", name="default")], "groups[0].name: 'default' is the name of the VPC's default group"),
        ([group("a", name="ob a\u00e9")], "groups[0].name: 'ob a\u00e9' contains '\u00e9'"),
        ([group("a", description="x" * 256)], "groups[0].description: the group description has 256 characters"),
        ([group("a", targets=["10.0.1.x"])], "groups[0].targets[0]: '10.0.1.x' is not an IPv4 address"),
        (
            [group("a", tags={"ManagedBy": "me"})],
            "groups[0].tags.ManagedBy: the module sets this ownership tag to 'multiaccount.apigateway'",
        ),
        ([group("a", tags={"aws:x": "1"})], "groups[0].tags.aws:x: keys starting with 'aws:' are reserved"),
    ],
)
def test_validate_groups_names_the_field(groups, message):
    with pytest.raises(ValueError) as raised:
        ec2s.validate_groups(groups)
    assert message in str(raised.value)


def test_validate_groups_normalises():
    (checked,) = groups_input(
        group(
            "payments",
            targets=["10.0.1.25", "10.0.1.25", " 10.0.2.25"],
            rules=[
                {"port": "8080", "cidrs": NLB, "description": "nlb"},
                {"protocol": "UDP", "port": 53, "cidrs": NLB[:1]},
            ],
        )
    )
    assert checked["targets"] == ["10.0.1.25", "10.0.2.25"]
    assert [(r["protocol"], r["port"], r["cidr"], r["description"]) for r in checked["rules"]] == [
        ("tcp", 8080, "10.100.1.0/24", "nlb"),
        ("tcp", 8080, "10.100.2.0/24", "nlb"),
        ("udp", 53, "10.100.1.0/24", None),
    ]
    assert checked["field"] == "groups[0]" and checked["description"] == "d"


@pytest.mark.parametrize(
    "params, message",
    [
        ({"vpc_id": "vpc-1", "gateway": GATEWAY}, "vpc_id: 'vpc-1' is not a valid id"),
        ({"vpc_id": "vpc-0123456789abcdef0", "gateway": ""}, "gateway: '' must be a gateway name"),
        (
            {"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "tags": {"multiaccount:service": "x"}},
            "tags.multiaccount:service: the module sets this tag on each resource; remove it",
        ),
    ],
)
def test_validate_service_groups_params(params, message):
    with pytest.raises(ValueError) as raised:
        ec2s.validate_service_groups_params(params)
    assert message in str(raised.value)


def test_tags_the_module_sets_are_accepted_with_its_values():
    own = dict(OURS, **{"multiaccount:service": "payments", "Name": "ob-payments"})
    checked = ec2s.validate_service_groups_params(
        {"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "tags": OURS, "groups": [group("payments", tags=own)]}
    )
    assert checked["tags"] == {} and checked["groups"][0]["tags"] == {"Name": "ob-payments"}
    with pytest.raises(ValueError) as raised:
        ec2s.validate_service_groups_params(
            {"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "groups": [group("cards", tags=own)]}
        )
    assert "groups[0].tags.multiaccount:service: the module sets this ownership tag to 'cards'" in str(raised.value)
    demo = ec2s.validate_demo_params(
        demo_params(
            instances=[
                {
                    "ip": "10.0.1.5",
                    "subnet_id": "subnet-0123456789abcdef0",
                    "security_group_ids": [],
                    "tags": dict(OURS, **{"multiaccount:demo": "true", "multiaccount:service": "a b", "Name": "d"}),
                }
            ]
        )
    )["instances"][0]
    assert demo["tags"] == {"multiaccount:service": "a b"} and demo["name"] == "d"
    assert demo["security_group_ids"] is None


def test_absent_ignores_groups():
    params = {"vpc_id": "vpc-0123456789abcdef0", "gateway": GATEWAY, "state": "absent", "groups": [{"bad": 1}]}
    assert ec2s.validate_service_groups_params(params) == {"groups": [], "tags": {}}


def demo_params(**overrides):
    params = {
        "vpc_id": "vpc-0123456789abcdef0",
        "gateway": GATEWAY,
        "state": "present",
        "image_id": None,
        "image_name": ec2s.DEFAULT_IMAGE_NAME,
        "image_owner": "amazon",
        "instance_type": "t3.micro",
        "wait_timeout": 300,
        "instances": [{"ip": "10.0.1.25", "subnet_id": "subnet-0123456789abcdef0"}],
    }
    params.update(overrides)
    return params


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"instances": [{"ip": "10.0.1.x", "subnet_id": "subnet-0123456789abcdef0"}]}, "instances[0].ip: '10.0.1.x'"),
        (
            {"instances": [{"ip": "10.0.1.5", "subnet_id": "sub-1"}]},
            "instances[0].subnet_id: 'sub-1' is not a valid id",
        ),
        (
            {"instances": [{"ip": "10.0.1.5", "subnet_id": "subnet-0123456789abcdef0", "security_group_ids": ["x"]}]},
            "instances[0].security_group_ids[0]: 'x' is not a valid id",
        ),
        (
            {
                "instances": [
                    {"ip": "10.0.1.5", "subnet_id": "subnet-0123456789abcdef0"},
                    {"ip": "10.0.1.5", "subnet_id": "subnet-0123456789abcdef0"},
                ]
            },
            "instances[1].ip: 10.0.1.5 is listed twice (instances[0] and instances[1])",
        ),
        (
            {
                "instances": [
                    {"ip": "10.0.1.5", "subnet_id": "subnet-0123456789abcdef0", "name": "a", "tags": {"Name": "b"}}
                ]
            },
            "instances[0].tags.Name: 'b' differs from instances[0].name 'a'; give one",
        ),
        (
            {
                "instances": [
                    {"ip": "10.0.1.5", "subnet_id": "subnet-0123456789abcdef0", "tags": {"multiaccount:demo": "x"}}
                ]
            },
            "instances[0].tags.multiaccount:demo: the module sets this ownership tag to 'true'",
        ),
        ({"image_id": "img-1"}, "image_id: 'img-1' is not a valid id"),
        ({"instance_type": "large"}, "instance_type: 'large' is not an instance type"),
        ({"wait_timeout": 0}, "wait_timeout: 0 must be a positive number"),
    ],
)
def test_validate_demo_params_names_the_field(overrides, message):
    with pytest.raises(ValueError) as raised:
        ec2s.validate_demo_params(demo_params(**overrides))
    assert message in str(raised.value)


def test_validate_demo_params_dedupes_groups_and_keeps_none():
    checked = ec2s.validate_demo_params(
        demo_params(
            instances=[
                {
                    "ip": "10.0.1.5",
                    "subnet_id": "subnet-0123456789abcdef0",
                    "security_group_ids": ["sg-0123456789abcdef0"] * 2,
                },
                {"ip": "10.0.1.6", "subnet_id": "subnet-0123456789abcdef0"},
            ]
        )
    )["instances"]
    assert checked[0]["security_group_ids"] == ["sg-0123456789abcdef0"]
    assert checked[1]["security_group_ids"] is None


# ------------------------------------------------------------------------------------ rules


def test_permission_entries_flatten_every_kind_of_source():
    entries = ec2s.permission_entries(
        [
            tcp(8080, "10.0.0.0/8", description="d"),
            {"IpProtocol": "6", "FromPort": 80, "ToPort": 90, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {
                "IpProtocol": "-1",
                "FromPort": -1,
                "ToPort": -1,
                "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "1"}],
            },
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-1"}]},
        ]
    )
    assert [(e["kind"], e["protocol"], e["from_port"], e["to_port"], e["peer"]) for e in entries] == [
        ("cidr", "tcp", 8080, 8080, "10.0.0.0/8"),
        ("ipv6", "tcp", 80, 90, "::/0"),
        ("group", "-1", None, None, "sg-1"),
        ("prefix_list", "tcp", 443, 443, "pl-1"),
    ]
    assert entries[0]["description"] == "d"
    assert ec2s.format_rule(entries[1]) == "tcp 80-90 from ::/0"
    assert ec2s.format_rule(entries[2], "to") == "all traffic to sg-1"
    assert ec2s.permission_for(entries[2], False) == {
        "IpProtocol": "-1",
        "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "1"}],
    }
    assert ec2s.permission_for(entries[0]) == tcp(8080, "10.0.0.0/8", description="d")
    assert ec2s.permission_for(entries[0], False) == tcp(8080, "10.0.0.0/8")
    assert ec2s.permission_for(entries[3], False) == {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "PrefixListIds": [{"PrefixListId": "pl-1"}],
    }


def test_plan_rules_is_exact_and_keeps_unasked_descriptions():
    current = ec2s.permission_entries(
        [
            tcp(8080, "10.100.1.0/24", description="old"),
            tcp(8080, "10.100.2.0/24", description="keep"),
            tcp(9090, "10.100.1.0/24"),
            {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100, "IpRanges": [{"CidrIp": "10.100.1.0/24"}]},
        ]
    )
    desired = groups_input(
        group(
            "a",
            rules=[
                {"port": 8080, "cidrs": ["10.100.1.0/24"], "description": "new"},
                {"port": 8080, "cidrs": ["10.100.2.0/24"]},
                {"port": 8443, "cidrs": ["10.100.1.0/24"]},
            ],
        )
    )[0]["rules"]
    plan = ec2s.plan_rules(current, desired)
    assert [ec2s.format_rule(e) for e in plan["authorize"]] == ["tcp 8443 from 10.100.1.0/24"]
    assert [ec2s.format_rule(e) for e in plan["revoke"]] == [
        "tcp 8000-8100 from 10.100.1.0/24",
        "tcp 9090 from 10.100.1.0/24",
    ]
    assert [ec2s.format_rule(e) for e in plan["describe"]] == ["tcp 8080 from 10.100.1.0/24 (new)"]
    assert [ec2s.format_rule(e) for e in plan["after"]] == [
        "tcp 8080 from 10.100.1.0/24 (new)",
        "tcp 8080 from 10.100.2.0/24 (keep)",
        "tcp 8443 from 10.100.1.0/24",
    ]
    assert ec2s.plan_rules(ec2s.permission_entries([tcp(8443, "10.100.1.0/24")]), desired[2:])["authorize"] == []


# ------------------------------------------------------------------------------------ group plan


def test_plan_creates_missing_groups_and_predicts_the_egress_revoke():
    current = [sg("sg-default", "default", egress=ALL_EGRESS)]
    plan = ec2s.plan_service_groups(
        groups_input(group("payments", targets=["10.0.1.25"])), current, GATEWAY, True, {"env": "t"}
    )
    assert plan["vpc_found"] and plan["default_group"] == {"group_id": "sg-default", "group_name": "default"}
    (created,) = plan["groups"]
    assert created["create"] and created["group_id"] is None
    assert created["tags"] == dict(ours("payments"), env="t")
    assert [ec2s.format_rule(e, "to") for e in created["revoke_egress"]] == ["all traffic to 0.0.0.0/0"]
    assert len(created["authorize"]) == 2 and plan["problems"] == [] and plan["remove"] == []


def test_plan_without_default_group_means_no_vpc():
    assert not ec2s.plan_service_groups([], [], GATEWAY, True, {})["vpc_found"]


def test_plan_existing_group_revokes_egress_sets_missing_tags_and_warns_on_description():
    existing = sg(
        "sg-a", "ob-payments", dict(ours("payments"), env="old"), [tcp(8080, *NLB)], ALL_EGRESS, description="other"
    )
    desired = groups_input(group("payments", tags={"team": "p"}))
    plan = ec2s.plan_service_groups(desired, [sg("sg-d", "default"), existing], GATEWAY, True, {"env": "new"})
    (entry,) = plan["groups"]
    assert not entry["create"] and entry["group_id"] == "sg-a"
    assert entry["set_tags"] == {"env": "new", "team": "p"}
    assert [ec2s.format_rule(e, "to") for e in entry["revoke_egress"]] == ["all traffic to 0.0.0.0/0"]
    assert entry["authorize"] == entry["revoke"] == []
    assert ec2s.group_changed(entry)
    assert plan["warnings"] == [
        "groups[0].description: security group 'ob-payments' (sg-a) has the description 'other'; EC2 cannot change a "
        "group's description, so it is kept"
    ]


def test_plan_reports_every_conflict_before_any_write():
    current = [
        sg("sg-d", "default"),
        sg("sg-f", "ob-foreign"),
        sg("sg-o", "ob-other-gw", {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "other"}),
        sg("sg-c", "ob-cards", ours("cards")),
    ]
    desired = groups_input(
        group("payments", name="ob-foreign"),
        group("loans", name="ob-other-gw"),
        group("fx", name="ob-cards"),
        group("new", description=None),
    )
    plan = ec2s.plan_service_groups(desired, current, GATEWAY, True, {})
    assert plan["problems"] == [
        "groups[0].name: security group 'ob-foreign' (sg-f) already exists in the VPC and is not a service group of "
        "gateway 'open-banking' (managed by no one); rename it or choose another name for service 'payments'",
        "groups[1].name: security group 'ob-other-gw' (sg-o) already exists in the VPC and is not a service group of "
        "gateway 'open-banking' (managed by another gateway); rename it or choose another name for service 'loans'",
        "groups[2].name: 'ob-cards' (sg-c) is the group of service 'cards' of this gateway; group names are unique in "
        "a VPC: choose another name for service 'fx' or remove service 'cards' first",
        "groups[3].description: required to create security group 'ob-new' of service 'new'",
    ]


def test_plan_purges_unlisted_and_replaces_renamed_groups():
    current = [
        sg("sg-d", "default"),
        sg("sg-a", "ob-payments-old", ours("payments")),
        sg("sg-b", "ob-cards", ours("cards")),
        sg("sg-x", "provider", {"team": "x"}),
        sg("sg-n", "ob-untagged-service", OURS),  # ours, but no service: not a service group
    ]
    desired = groups_input(group("payments"))
    plan = ec2s.plan_service_groups(desired, current, GATEWAY, True, {})
    assert [(g["group_id"], g["reason"]) for g in plan["remove"]] == [
        ("sg-b", "service 'cards' is not listed"),
        ("sg-a", "replaced: service 'payments' has another group name"),
    ]
    assert sorted(plan["ours_by_id"]) == ["sg-a", "sg-b"]
    no_purge = ec2s.plan_service_groups(desired, current, GATEWAY, False, {})
    assert [g["group_id"] for g in no_purge["remove"]] == ["sg-a"]
    assert sorted(no_purge["ours_by_id"]) == ["sg-a"]  # cards is left alone, on the interfaces too
    absent = ec2s.plan_service_groups(desired, current, GATEWAY, True, {}, state="absent")
    assert absent["groups"] == [] and [g["group_id"] for g in absent["remove"]] == ["sg-b", "sg-a"]


# ------------------------------------------------------------------------------------ attachments


def placement(interfaces, desired, current, remove=(), writable=True):
    plan = ec2s.plan_service_groups(desired, current, GATEWAY, True, {})
    remove_ids = set(remove) | {g["group_id"] for g in plan["remove"]}
    return ec2s.plan_attachments(
        interfaces, plan["groups"], plan["ours_by_id"], remove_ids, plan["default_group"], writable=writable
    )


CURRENT = [
    sg("sg-d", "default"),
    sg("sg-p", "provider"),
    sg("sg-a", "ob-payments", ours("payments")),
    sg("sg-b", "ob-cards", ours("cards")),
]


def test_attachments_add_ours_keep_the_providers_and_share_an_ip():
    interfaces = [
        eni("eni-1", ["10.0.1.10", "10.0.1.11"], [("sg-p", "provider")], instance_id="i-1"),
        eni("eni-2", ["10.0.2.10"], [("sg-p", "provider"), ("sg-b", "ob-cards")]),
    ]
    desired = groups_input(
        group("payments", targets=["10.0.1.10", "10.0.2.10"]),
        group("cards", targets=["10.0.1.11", "10.0.2.10", "10.0.9.9"]),
    )
    result = placement(interfaces, desired, CURRENT)
    first, second = result["attachments"]
    assert ec2s.group_names(first["groups_after"]) == ["provider", "ob-cards", "ob-payments"]
    assert first["changed"] and first["instance_id"] == "i-1"
    assert ec2s.group_names(second["groups_after"]) == ["provider", "ob-cards", "ob-payments"]
    assert ec2s.group_names(second["add"]) == ["ob-payments"] and second["remove"] == []
    assert result["unplaced_ips"] == ["10.0.9.9"] and result["manual"] == [] and result["blocked"] == {}


def test_attachments_remove_ours_where_no_target_and_fall_back_to_default():
    interfaces = [
        eni("eni-1", ["10.0.1.10"], [("sg-p", "provider"), ("sg-a", "ob-payments")]),
        eni("eni-2", ["10.0.1.20"], [("sg-a", "ob-payments")]),
        eni("eni-3", ["10.0.1.30"], [("sg-p", "provider"), ("sg-a", "ob-payments")]),
    ]
    desired = groups_input(group("payments", targets=["10.0.1.30"]))
    first, second, third = placement(interfaces, desired, CURRENT)["attachments"]
    assert ec2s.group_names(first["groups_after"]) == ["provider"]
    assert ec2s.group_names(second["groups_after"]) == ["default"]
    assert not third["changed"]


def test_new_groups_have_no_id_until_created():
    interfaces = [eni("eni-1", ["10.0.1.10"], [("sg-p", "provider")])]
    desired = groups_input(group("loans", targets=["10.0.1.10"]))
    plan = ec2s.plan_service_groups(desired, CURRENT, GATEWAY, False, {})
    before = ec2s.plan_attachments(interfaces, plan["groups"], plan["ours_by_id"], set(), plan["default_group"])
    assert before["attachments"][0]["groups_after"][-1] == {"group_id": None, "group_name": "ob-loans"}
    ec2s.fill_group_ids(plan["groups"], {"loans": "sg-new"})
    after = ec2s.plan_attachments(interfaces, plan["groups"], plan["ours_by_id"], set(), plan["default_group"])
    assert after["attachments"][0]["groups_after"][-1] == {"group_id": "sg-new", "group_name": "ob-loans"}


def test_requester_managed_interfaces_go_to_manual_and_block_deletion():
    interfaces = [
        eni("eni-lb", ["10.0.1.50"], [("sg-b", "ob-cards")], requester_managed=True),
        eni("eni-1", ["10.0.1.10"], [("sg-p", "provider")]),
    ]
    desired = groups_input(group("payments", targets=["10.0.1.50", "10.0.1.10"]))
    result = placement(interfaces, desired, CURRENT)
    (manual,) = result["manual"]
    assert manual["network_interface_id"] == "eni-lb" and manual["interface_type"] == "network_load_balancer"
    assert ec2s.group_names(manual["add"]) == ["ob-payments"]
    assert ec2s.group_names(manual["remove"]) == ["ob-cards"]
    assert [a["network_interface_id"] for a in result["attachments"]] == ["eni-1"]
    assert result["blocked"] == {"sg-b": ["eni-lb (10.0.1.50)"]}
    assert result["unplaced_ips"] == []


def test_attach_false_changes_no_interface_but_reports_blocked_groups():
    interfaces = [eni("eni-2", ["10.0.2.10"], [("sg-p", "provider"), ("sg-b", "ob-cards")])]
    result = placement(interfaces, groups_input(group("payments")), CURRENT, writable=False)
    assert result["attachments"] == [] and result["manual"] == []
    assert result["blocked"] == {"sg-b": ["eni-2 (10.0.2.10)"]}


# ------------------------------------------------------------------------------------ demo instances

SUBNET_A = "subnet-0000000000000000a"
SG_APP, SG_SVC, SG_X, SG_NEW = (f"sg-00000000000000{n:03d}" for n in range(4))


def instance(instance_id, ip, subnet=SUBNET_A, groups=((SG_APP, "app"),), tags=None, state="running"):
    return ec2s.normalise_instance(
        {
            "InstanceId": instance_id,
            "PrivateIpAddress": ip,
            "SubnetId": subnet,
            "State": {"Name": state},
            "Tags": tag_list(tags if tags is not None else dict(OURS, **{"multiaccount:demo": "true"})),
            "SecurityGroups": [{"GroupId": "sg-stale", "GroupName": "stale"}],
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": f"eni-{instance_id}",
                    "Attachment": {"DeviceIndex": 0},
                    "Groups": [{"GroupId": gid, "GroupName": name} for gid, name in groups],
                }
            ],
        }
    )


def wanted(*entries):
    return ec2s.validate_instances(list(entries))


def test_normalise_instance_reads_the_primary_interface_groups():
    normal = instance("i-1", "10.0.1.20")
    assert normal["primary_interface_id"] == "eni-i-1"
    assert normal["security_groups"] == [{"group_id": SG_APP, "group_name": "app"}]


def test_demo_plan_launches_keeps_holds_and_purges():
    current = [instance("i-1", "10.0.1.20"), instance("i-2", "10.0.1.40")]
    holders = [eni("eni-p", ["10.0.1.10", "10.0.1.11"], [("sg-p", "provider")], instance_id="i-p")]
    desired = wanted(
        {"ip": "10.0.1.11", "subnet_id": SUBNET_A},
        {"ip": "10.0.1.20", "subnet_id": SUBNET_A, "security_group_ids": [SG_APP], "name": "one"},
        {"ip": "10.0.1.30", "subnet_id": SUBNET_A},
    )
    plan = ec2s.plan_demo_instances(desired, current, holders, GATEWAY, purge=True)
    assert [w["ip"] for w in plan["launch"]] == ["10.0.1.30"]
    assert plan["held"] == [
        {"ip": "10.0.1.11", "network_interface_id": "eni-p", "instance_id": "i-p", "description": ""}
    ]
    (kept,) = plan["keep"]
    assert kept["set_tags"] == {"Name": "one"}
    assert [i["instance_id"] for i in plan["terminate"]] == ["i-2"]
    assert plan["extra_groups"] == []
    assert ec2s.plan_demo_instances(desired, current, holders, GATEWAY, purge=False)["terminate"] == []
    absent = ec2s.plan_demo_instances([], current, [], GATEWAY, purge=False, state="absent")
    assert [i["instance_id"] for i in absent["terminate"]] == ["i-1", "i-2"]


def test_demo_plan_keeps_service_groups_it_did_not_list():
    current = [instance("i-1", "10.0.1.20", groups=((SG_APP, "app"), (SG_SVC, "ob-payments"), (SG_X, "x")))]
    desired = wanted({"ip": "10.0.1.20", "subnet_id": SUBNET_A, "security_group_ids": [SG_NEW]})
    plan = ec2s.plan_demo_instances(desired, current, [], GATEWAY, purge=True)
    assert plan["extra_groups"] == [SG_APP, SG_SVC, SG_X]
    ec2s.finish_demo_groups(plan, [SG_SVC])
    (kept,) = plan["keep"]
    assert kept["groups_after"] == [SG_NEW, SG_SVC] and kept["set_groups"]
    same = ec2s.finish_demo_groups(
        ec2s.plan_demo_instances(
            wanted({"ip": "10.0.1.20", "subnet_id": SUBNET_A, "security_group_ids": [SG_X, SG_APP]}),
            current,
            [],
            GATEWAY,
            purge=True,
        ),
        [SG_SVC],
    )
    assert not same["keep"][0]["set_groups"]
    unmanaged = ec2s.finish_demo_groups(
        ec2s.plan_demo_instances(wanted({"ip": "10.0.1.20", "subnet_id": SUBNET_A}), current, [], GATEWAY, True), []
    )
    assert not unmanaged["keep"][0]["set_groups"] and unmanaged["extra_groups"] == []


def test_demo_plan_refuses_another_subnet_for_an_existing_instance():
    plan = ec2s.plan_demo_instances(
        wanted({"ip": "10.0.1.20", "subnet_id": "subnet-0123456789abcdef0"}),
        [instance("i-1", "10.0.1.20", subnet="subnet-0fedcba987654321f")],
        [],
        GATEWAY,
        True,
    )
    assert plan["problems"] == [
        "instances[0].subnet_id: the demo instance i-1 of 10.0.1.20 is in subnet-0fedcba987654321f, not "
        "subnet-0123456789abcdef0; an IP lies in one subnet only: fix the subnet"
    ]


def test_check_launch_subnets():
    subnets = [
        {"SubnetId": "subnet-0000000000000000a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
        {"SubnetId": "subnet-0000000000000000b", "VpcId": "vpc-2", "CidrBlock": "10.0.2.0/24"},
    ]
    launches = wanted(
        {"ip": "10.0.1.20", "subnet_id": "subnet-0000000000000000a"},
        {"ip": "10.0.2.20", "subnet_id": "subnet-0000000000000000a"},
        {"ip": "10.0.1.3", "subnet_id": "subnet-0000000000000000a"},
        {"ip": "10.0.1.255", "subnet_id": "subnet-0000000000000000a"},
        {"ip": "10.0.2.21", "subnet_id": "subnet-0000000000000000b"},
        {"ip": "10.0.3.20", "subnet_id": "subnet-0000000000000000c"},
    )
    assert ec2s.check_launch_subnets(launches, subnets, "vpc-1") == [
        "instances[1].ip: 10.0.2.20 is not in subnet subnet-0000000000000000a (10.0.1.0/24); list the subnet that "
        "contains it",
        "instances[2].ip: 10.0.1.3 is one of the five addresses AWS reserves in 10.0.1.0/24 (the first four and the last)",
        "instances[3].ip: 10.0.1.255 is one of the five addresses AWS reserves in 10.0.1.0/24 (the first four and the "
        "last)",
        "instances[4].subnet_id: subnet subnet-0000000000000000b is in vpc-2, not vpc-1",
        "instances[5].subnet_id: subnet subnet-0000000000000000c not found in this account and region",
    ]


def test_choose_image_takes_the_newest():
    images = [
        {"ImageId": "ami-1", "Name": "a", "CreationDate": "2025-01-01T00:00:00.000Z"},
        {"ImageId": "ami-2", "Name": "b", "CreationDate": "2025-03-01T00:00:00.000Z"},
        {"ImageId": "ami-3", "Name": "c", "CreationDate": "2025-02-01T00:00:00.000Z"},
    ]
    assert ec2s.choose_image(images)["ImageId"] == "ami-2"
    assert ec2s.choose_image([]) is None


def test_run_params_pin_the_ip_and_refuse_a_public_ip():
    (entry,) = wanted({"ip": "10.0.1.20", "subnet_id": SUBNET_A, "name": "one", "tags": {"team": "x"}})
    params = ec2s.run_params(entry, "ami-1", "t3.micro", GATEWAY, "token")
    (interface,) = params["NetworkInterfaces"]
    assert interface == {
        "DeviceIndex": 0,
        "SubnetId": SUBNET_A,
        "PrivateIpAddress": "10.0.1.20",
        "AssociatePublicIpAddress": False,
        "DeleteOnTermination": True,
    }
    tags = ec2s.tags_dict(params["TagSpecifications"][0]["Tags"])
    assert tags == dict(OURS, **{"multiaccount:demo": "true", "Name": "one", "team": "x"})
    assert (params["MinCount"], params["MaxCount"], params["ClientToken"]) == (1, 1, "token")
    (with_groups,) = wanted({"ip": "10.0.1.21", "subnet_id": SUBNET_A, "security_group_ids": ["sg-0123456789abcdef0"]})
    assert ec2s.run_params(with_groups, "ami-1", "t3.micro", GATEWAY, "t")["NetworkInterfaces"][0]["Groups"] == [
        "sg-0123456789abcdef0"
    ]


def test_pending_instances():
    want = {"i-1": "running", "i-2": "running", "i-3": "terminated", "i-4": "terminated", "i-5": "running"}
    states = {"i-1": "running", "i-2": "pending", "i-3": "shutting-down", "i-5": "terminated"}
    pending, failed = ec2s.pending_instances(states, want)
    assert pending == [("i-2", "running", "pending"), ("i-3", "terminated", "shutting-down")]
    assert failed == [("i-5", "running", "terminated")]
    assert ec2s.pending_instances({}, {"i-9": "running"})[0] == [("i-9", "running", "not visible yet")]


def test_wait_for_instances_polls_all_together_until_done_or_timeout():
    polls = iter([{"i-1": "pending", "i-2": "running"}, {"i-1": "running", "i-2": "running"}])
    clock = iter(range(0, 100, 1))
    sleeps = []
    states, pending, failed = ec2s.wait_for_instances(
        lambda: next(polls), {"i-1": "running", "i-2": "running"}, 30, sleep=sleeps.append, clock=lambda: next(clock)
    )
    assert pending == failed == [] and states["i-1"] == "running" and sleeps == [5]
    ticks = iter([0, 10, 20, 31])
    pending = ec2s.wait_for_instances(
        lambda: {"i-1": "pending"}, {"i-1": "running"}, 30, sleep=sleeps.append, clock=lambda: next(ticks)
    )[1]
    assert pending == [("i-1", "running", "pending")]


# ------------------------------------------------------------------------------------ API layer


class FakeEc2:
    """Records describe_network_interfaces filters; answers with one interface per listed IP."""

    def __init__(self, error=None):
        self.calls = []
        self.error = error

    def get_paginator(self, name):
        fake = self

        class Paginator:
            def paginate(self, **params):
                fake.calls.append((name, params))
                if fake.error:
                    raise fake.error

                class Result:
                    def build_full_result(self):
                        values = params["Filters"][0]["Values"]
                        return {
                            "NetworkInterfaces": [{"NetworkInterfaceId": f"eni-{v}"} for v in values]
                            + [{"NetworkInterfaceId": "eni-shared"}]
                        }

                return Result()

        return Paginator()


def test_network_interfaces_where_batches_200_values_and_dedupes():
    client = FakeEc2()
    ips = [f"10.0.{i // 250}.{i % 250}" for i in range(450)]
    found = ec2s.network_interfaces_where(client, "addresses.private-ip-address", ips, "vpc-1")
    assert [len(call[1]["Filters"][0]["Values"]) for call in client.calls] == [200, 200, 50]
    assert client.calls[0][1]["Filters"][1] == {"Name": "vpc-id", "Values": ["vpc-1"]}
    assert len(found) == 451


def test_not_found_is_an_empty_answer_and_other_errors_raise():
    assert ec2s.describe_network_interfaces(FakeEc2(client_error("InvalidVpcID.NotFound")), []) == []
    with pytest.raises(ec2s.AnsibleEc2ServicesError):
        ec2s.describe_network_interfaces(FakeEc2(client_error("UnauthorizedOperation")), [])
