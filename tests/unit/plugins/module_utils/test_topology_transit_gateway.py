# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""topology.py, transit gateway connectivity (hub and spoke): a golden snapshot where both providers reach the
gateway through the transit gateway passes every hop, ``transit_gateway`` in the place of ``peering``; each
fault fails exactly its own hop; a move from the peering is judged on the path the routes take; a provider
on its peering is judged as before."""

import copy

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import topology

from . import test_topology as base

A, P, C = base.A, base.P, base.C
TGW = "tgw-0123"
HUB_RT, SPOKES_RT = "tgw-rtb-hub", "tgw-rtb-spokes"
ATT_GW, ATT_PAY, ATT_CARDS = "tgw-attach-gw", "tgw-attach-pay", "tgw-attach-cards"
TGW_HOPS = [topology.TRANSIT_GATEWAY if name == "peering" else name for name in topology.HOPS]
OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking", "Name": "open-banking-tgw"}


def vpc_route(destination, target, state="active"):
    """A VPC route as path_reads normalises it (a transit gateway target keeps its id)."""
    kind = "transit_gateway" if target.startswith("tgw-") else "local" if target == "local" else "peering"
    return {"destination": destination, "target": target, "target_type": kind, "state": state}


def tgw_route(destination, attachment, vpc, state="active", kind="propagated"):
    return {
        "destination": destination,
        "state": state,
        "type": kind,
        "attachment_ids": [attachment] if attachment else [],
        "resource_ids": [vpc] if vpc else [],
        "target": attachment,
        "target_type": "transit_gateway_attachment" if attachment else None,
    }


def link(attachment, vpc, owner, state):
    return {
        "attachment_id": attachment,
        "resource_id": vpc,
        "resource_owner_id": owner,
        "resource_type": "vpc",
        "state": state,
    }


def attachment(attachment_id, vpc, owner, subnets, state="available", name=None):
    return {
        "id": attachment_id,
        "transit_gateway_id": TGW,
        "transit_gateway_owner_id": A,
        "vpc_id": vpc,
        "vpc_owner_id": owner,
        "resource_type": "vpc",
        "state": state,
        "subnet_ids": list(subnets),
        "dns_support": "enable",
        "association": None,
        "tags": {"Name": name} if name else {},
    }


def tgw_view():
    """gateway_path_info's ``transit_gateway`` of a healthy hub and spoke with payments and cards."""
    return {
        "name": "open-banking-tgw",
        "route_table_names": {"hub": "open-banking-tgw-gateway", "spokes": "open-banking-tgw-providers"},
        "hub_attachment_name": "open-banking-gateway",
        "transit_gateway": {
            "id": TGW,
            "arn": f"arn:aws:ec2:us-east-1:{A}:transit-gateway/{TGW}",
            "owner_id": A,
            "state": "available",
            "description": "",
            "name": "open-banking-tgw",
            "amazon_side_asn": 64512,
            "options": {
                "auto_accept_shared_attachments": "disable",
                "default_route_table_association": "disable",
                "default_route_table_propagation": "disable",
            },
            "tags": dict(OURS),
        },
        "foreign": [],
        "duplicates": [],
        "route_tables": {
            "hub": {
                "id": HUB_RT,
                "transit_gateway_id": TGW,
                "state": "available",
                "name": "open-banking-tgw-gateway",
                "tags": {},
                "associations": [link(ATT_GW, "vpc-a", A, "associated")],
                "propagations": [link(ATT_PAY, "vpc-p", P, "enabled"), link(ATT_CARDS, "vpc-c", C, "enabled")],
                "routes": [tgw_route("10.0.0.0/16", ATT_PAY, "vpc-p"), tgw_route("10.1.0.0/16", ATT_CARDS, "vpc-c")],
            },
            "spokes": {
                "id": SPOKES_RT,
                "transit_gateway_id": TGW,
                "state": "available",
                "name": "open-banking-tgw-providers",
                "tags": {},
                "associations": [link(ATT_PAY, "vpc-p", P, "associated"), link(ATT_CARDS, "vpc-c", C, "associated")],
                "propagations": [link(ATT_GW, "vpc-a", A, "enabled")],
                "routes": [tgw_route("10.100.0.0/16", ATT_GW, "vpc-a")],
            },
        },
        "attachments": [
            attachment(ATT_CARDS, "vpc-c", C, ["subnet-c-tgw"]),
            attachment(ATT_GW, "vpc-a", A, ["subnet-a1", "subnet-a2"], name="open-banking-gateway"),
            attachment(ATT_PAY, "vpc-p", P, ["subnet-p-tgw"]),
        ],
    }


def to_tgw(gw, providers, names=("payments", "cards")):
    """The golden topology moved to the transit gateway (the peerings gone) for the providers ``names``."""
    gw["transit_gateway"] = tgw_view()
    subnets = {"payments": ("vpc-p", "10.0", "subnet-p", ATT_PAY), "cards": ("vpc-c", "10.1", "subnet-c", ATT_CARDS)}
    table = gw["route_tables"][0]
    for name in names:
        vpc, prefix, subnet, attachment_id = subnets[name]
        provider = providers[name]
        provider["connectivity"] = "transit_gateway"
        provider["region"] = "us-east-1"
        snap = provider["snapshot"]
        snap["region"] = "us-east-1"
        snap["subnets"] = [
            {"id": subnet, "cidr": f"{prefix}.1.0/24", "availability_zone": "us-east-1a", "vpc_id": vpc},
            {"id": f"{subnet}-tgw", "cidr": f"{prefix}.250.0/28", "availability_zone": "us-east-1a", "vpc_id": vpc},
        ]
        rtb = snap["route_tables"][0]
        rtb["routes"] = [rtb["routes"][0], vpc_route("10.100.0.0/16", TGW)]
        snap["peerings"] = []
        snap["transit_gateway"] = {
            "attachments": [attachment(attachment_id, vpc, snap["account_id"], [f"{subnet}-tgw"])],
            "invitations": [],
            "invitations_error": None,
        }
        pcx = "pcx-pay" if name == "payments" else "pcx-cards"
        gw["peerings"] = [item for item in gw["peerings"] if item["id"] != pcx]
        table["routes"] = [vpc_route(r["destination"], TGW) if r["target"] == pcx else r for r in table["routes"]]


def run_tgw(mutate=None, names=("payments", "cards")):
    def both(gw, providers):
        to_tgw(gw, providers, names)
        if mutate:
            mutate(gw, providers)

    return base.run(both)


def hops_of(evaluation, service="payments"):
    return base.hops_of(evaluation, service)


def tables(gw):
    return gw["transit_gateway"]["route_tables"]


def tgw_attachments(gw):
    return {item["id"]: item for item in gw["transit_gateway"]["attachments"]}


def pay_side(providers):
    return providers["payments"]["snapshot"]["transit_gateway"]


# ---------------------------------------------------------------------------------------------
# The golden hub and spoke
# ---------------------------------------------------------------------------------------------


def test_tgw_golden_passes_every_hop_with_the_transit_gateway_in_the_peering_place():
    evaluation = run_tgw()
    assert evaluation["ok"], evaluation["failed"]
    for service in evaluation["services"]:
        assert [hop["hop"] for hop in service["hops"]] == TGW_HOPS
        assert {hop["status"] for hop in service["hops"]} == {"ok"}
    assert evaluation["summary"][0] == "payments (/payments, provider payments): ok (13 hops checked)"
    hops = hops_of(evaluation)
    assert hops["transit_gateway"]["account"] == f"{A} <-> {P}"
    assert hops["transit_gateway"]["resource"] == f"{TGW} (open-banking-tgw), {ATT_PAY}"
    assert f"{TGW} (open-banking-tgw) available" in hops["transit_gateway"]["detail"]
    assert f"hub {ATT_GW} (vpc-a) available" in hops["transit_gateway"]["detail"]
    assert hops["transit_gateway"]["detail"] == (
        f"{TGW} (open-banking-tgw) available; hub {ATT_GW} (vpc-a) available; {ATT_PAY} (vpc-p) available; "
        f"hub 10.0.0.0/16 -> {ATT_PAY}; spokes 10.100.0.0/16 -> {ATT_GW}"
    )
    assert f"10.0.0.0/16 -> {TGW}" in hops["gateway_route"]["detail"]
    assert f"10.100.0.0/16 -> {TGW}" in hops["provider_route"]["detail"]
    resolved = evaluation["services"][0]["resolved"]
    assert {key: resolved[key] for key in ("connectivity", "connectivity_path", "transit_gateway_id")} == {
        "connectivity": "transit_gateway",
        "connectivity_path": "transit_gateway",
        "transit_gateway_id": TGW,
    }
    assert resolved["hub_attachment_id"] == ATT_GW and resolved["transit_gateway_attachment_ids"] == [ATT_PAY]


def test_a_provider_on_its_peering_is_judged_as_before_next_to_one_on_the_transit_gateway():
    evaluation = run_tgw(names=("payments",))
    assert evaluation["ok"], evaluation["failed"]
    assert [hop["hop"] for hop in hops_of(evaluation).values()] == TGW_HOPS
    cards = next(item for item in evaluation["services"] if item["name"] == "cards")
    assert [hop["hop"] for hop in cards["hops"]] == list(topology.HOPS)
    assert cards["resolved"] == base.run()["services"][1]["resolved"]
    assert cards["hops"] == base.run()["services"][1]["hops"]


def test_connectivity_is_copied_only_when_given():
    services = topology.expected_services(
        {},
        [
            {"name": "p", "connectivity": "transit_gateway", "services": [{"name": "a", "port": 1, "targets": []}]},
            {"name": "q", "services": [{"name": "b", "port": 2, "targets": [], "connectivity": "transit_gateway"}]},
            {"name": "r", "services": [{"name": "c", "port": 3, "targets": []}]},
        ],
    )
    assert [service.get("connectivity") for service in services] == ["transit_gateway", "transit_gateway", None]
    assert "connectivity" not in services[2]
    assert topology.expected_connectivity(services[2]) == "peering"


def test_hop_order_puts_the_transit_gateway_where_the_peering_is():
    assert topology.hop_order(path="transit_gateway") == tuple(TGW_HOPS)
    alb = topology.hop_order(alb=True, path="transit_gateway")
    assert alb.index("transit_gateway") == topology.ALB_HOPS.index("peering") and "peering" not in alb
    assert topology.hop_order() == topology.HOPS


def test_transit_gateway_not_read_is_skipped_not_failed():
    evaluation = run_tgw(lambda gw, providers: gw.pop("transit_gateway"))
    assert evaluation["ok"], evaluation["failed"]
    hops = hops_of(evaluation)
    assert hops["transit_gateway"]["status"] == "skipped"
    assert "gateway_path_info reads it with its transit_gateway option" in hops["transit_gateway"]["detail"]
    assert "see transit_gateway" in hops["gateway_route"]["detail"]


# ---------------------------------------------------------------------------------------------
# Faults: each fails exactly its own hop
# ---------------------------------------------------------------------------------------------


def tgw_missing(gw, providers):
    gw["transit_gateway"]["transit_gateway"] = None


def tgw_foreign(gw, providers):
    gw["transit_gateway"]["transit_gateway"] = None
    gw["transit_gateway"]["foreign"] = [{"id": "tgw-theirs", "owner_id": A, "state": "available", "tags": {}}]


def tgw_pending(gw, providers):
    gw["transit_gateway"]["transit_gateway"]["state"] = "pending"


def attachment_pending_acceptance(gw, providers):
    tgw_attachments(gw)[ATT_PAY]["state"] = "pendingAcceptance"
    pay_side(providers)["attachments"][0]["state"] = "pendingAcceptance"


def attachment_pending(gw, providers):
    tgw_attachments(gw)[ATT_PAY]["state"] = "pending"
    pay_side(providers)["attachments"][0]["state"] = "pending"


def attachment_missing(gw, providers):
    gw["transit_gateway"]["attachments"] = [
        item for item in gw["transit_gateway"]["attachments"] if item["id"] != ATT_PAY
    ]
    pay_side(providers)["attachments"] = []


def attachment_missing_invitation_pending(gw, providers):
    attachment_missing(gw, providers)
    pay_side(providers)["invitations"] = [
        {
            "arn": "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/1",
            "share_arn": "arn:aws:ram:us-east-1:111111111111:resource-share/1",
            "share_name": "open-banking-tgw",
            "sender_account_id": A,
            "receiver_account_id": P,
            "status": "PENDING",
        }
    ]


def attachment_rejected(gw, providers):
    tgw_attachments(gw)[ATT_PAY]["state"] = "rejected"
    pay_side(providers)["attachments"][0]["state"] = "rejected"


def attachment_without_the_target_az(gw, providers):
    # The target's subnet is in us-east-1b, the attachment's only subnet in us-east-1a.
    providers["payments"]["snapshot"]["subnets"][0]["availability_zone"] = "us-east-1b"


def attachment_not_associated(gw, providers):
    spokes = tables(gw)["spokes"]
    spokes["associations"] = [item for item in spokes["associations"] if item["attachment_id"] != ATT_PAY]


def attachment_associated_with_the_hub(gw, providers):
    attachment_not_associated(gw, providers)
    tables(gw)["hub"]["associations"].append(link(ATT_PAY, "vpc-p", P, "associated"))


def attachment_not_propagating_into_the_hub(gw, providers):
    hub = tables(gw)["hub"]
    hub["propagations"] = [item for item in hub["propagations"] if item["attachment_id"] != ATT_PAY]
    hub["routes"] = [item for item in hub["routes"] if item["target"] != ATT_PAY]


def hub_route_blackhole(gw, providers):
    tables(gw)["hub"]["routes"][0].update(state="blackhole", attachment_ids=[], target=None)


def hub_route_to_another_attachment(gw, providers):
    tables(gw)["hub"]["routes"][0].update(attachment_ids=[ATT_CARDS], target=ATT_CARDS)


def attachment_propagating_into_the_spokes(gw, providers):
    # cards' routes reach the spokes table: every provider reaches cards.
    spokes = tables(gw)["spokes"]
    spokes["propagations"].append(link(ATT_CARDS, "vpc-c", C, "enabled"))
    spokes["routes"].append(tgw_route("10.1.0.0/16", ATT_CARDS, "vpc-c"))


def static_route_to_a_provider_in_the_spokes(gw, providers):
    tables(gw)["spokes"]["routes"].append(tgw_route("10.0.0.0/16", ATT_PAY, "vpc-p", kind="static"))


def spokes_route_back_missing(gw, providers):
    spokes = tables(gw)["spokes"]
    spokes["propagations"] = []
    spokes["routes"] = []


def hub_attachment_not_associated(gw, providers):
    tables(gw)["hub"]["associations"] = []


def hub_attachment_without_an_nlb_az(gw, providers):
    tgw_attachments(gw)[ATT_GW]["subnet_ids"] = ["subnet-a1"]


def hub_attachment_missing(gw, providers):
    gw["transit_gateway"]["attachments"] = [
        item for item in gw["transit_gateway"]["attachments"] if item["id"] != ATT_GW
    ]


def spokes_route_table_missing(gw, providers):
    tables(gw)["spokes"] = None


def provider_in_another_region(gw, providers):
    providers["cards"]["region"] = "us-west-2"
    providers["cards"]["snapshot"]["region"] = "us-west-2"


def gateway_route_missing(gw, providers):
    gw["route_tables"][0]["routes"] = [r for r in gw["route_tables"][0]["routes"] if r["destination"] != "10.0.0.0/16"]


def gateway_route_to_another_tgw(gw, providers):
    gw["route_tables"][0]["routes"][1]["target"] = "tgw-other"


def gateway_route_more_specific_elsewhere(gw, providers):
    gw["route_tables"][0]["routes"].append(vpc_route("10.0.1.0/24", "pcx-stale"))


def gateway_route_blackhole(gw, providers):
    gw["route_tables"][0]["routes"][1]["state"] = "blackhole"


def provider_route_missing(gw, providers):
    rtb = providers["payments"]["snapshot"]["route_tables"][0]
    rtb["routes"] = [rtb["routes"][0], vpc_route("10.100.1.0/24", TGW)]


def provider_route_diverted(gw, providers):
    providers["payments"]["snapshot"]["route_tables"][0]["routes"].append(vpc_route("10.100.2.0/24", "pcx-stale"))


def sg_by_reference_to_the_nlb_group(gw, providers):
    # Over the transit gateway a rule naming the NLB's security group does not count.
    gw["load_balancers"][0]["security_groups"] = ["sg-nlb"]
    rule = providers["payments"]["snapshot"]["security_groups"][0]["ingress"][0]
    rule["cidrs"] = []
    rule["group_pairs"] = [{"group_id": "sg-nlb", "user_id": A}]


def both_services(hop):
    return [("cards", hop), ("payments", hop)]


TGW_FAULTS = [
    (tgw_missing, both_services("transit_gateway")),
    (tgw_foreign, both_services("transit_gateway")),
    (tgw_pending, both_services("transit_gateway")),
    (attachment_pending_acceptance, [("payments", "transit_gateway")]),
    (attachment_pending, [("payments", "transit_gateway")]),
    (attachment_missing, [("payments", "transit_gateway")]),
    (attachment_missing_invitation_pending, [("payments", "transit_gateway")]),
    (attachment_rejected, [("payments", "transit_gateway")]),
    (attachment_without_the_target_az, [("payments", "transit_gateway")]),
    (attachment_not_associated, [("payments", "transit_gateway")]),
    (attachment_associated_with_the_hub, [("payments", "transit_gateway")]),
    (attachment_not_propagating_into_the_hub, [("payments", "transit_gateway")]),
    (hub_route_blackhole, [("payments", "transit_gateway")]),
    (hub_route_to_another_attachment, [("payments", "transit_gateway")]),
    (attachment_propagating_into_the_spokes, both_services("transit_gateway")),
    (static_route_to_a_provider_in_the_spokes, both_services("transit_gateway")),
    (spokes_route_back_missing, both_services("transit_gateway")),
    (hub_attachment_not_associated, both_services("transit_gateway")),
    (hub_attachment_without_an_nlb_az, both_services("transit_gateway")),
    (hub_attachment_missing, both_services("transit_gateway")),
    (spokes_route_table_missing, both_services("transit_gateway")),
    (provider_in_another_region, [("cards", "transit_gateway")]),
    (gateway_route_missing, [("payments", "gateway_route")]),
    (gateway_route_to_another_tgw, [("payments", "gateway_route")]),
    (gateway_route_more_specific_elsewhere, [("payments", "gateway_route")]),
    (gateway_route_blackhole, [("payments", "gateway_route")]),
    (provider_route_missing, [("payments", "provider_route")]),
    (provider_route_diverted, [("payments", "provider_route")]),
    (sg_by_reference_to_the_nlb_group, [("payments", "security_group")]),
]


@pytest.mark.parametrize("mutate, expected", TGW_FAULTS, ids=[f.__name__ for f, dummy in TGW_FAULTS])
def test_tgw_fault_fails_exactly_its_hop(mutate, expected):
    evaluation = run_tgw(mutate)
    assert base.failed_pairs(evaluation) == expected, [hop["detail"] for hop in evaluation["failed"]]
    for hop in evaluation["failed"]:
        assert hop["fix"] and hop["account"] and hop["resource"] and hop["detail"], hop
    for service in evaluation["services"]:
        assert [hop["hop"] for hop in service["hops"]] == TGW_HOPS


def tgw_fault_hop(mutate, hop="transit_gateway", service="payments"):
    return hops_of(run_tgw(mutate), service)[hop]


def test_tgw_missing_names_the_tags_and_the_play():
    hop = tgw_fault_hop(tgw_missing)
    assert hop["resource"] == "transit gateway open-banking-tgw"
    assert hop["detail"] == (
        "no transit gateway named open-banking-tgw with the tags ManagedBy=multiaccount.apigateway, "
        f"multiaccount:gateway=open-banking in account {A}"
    )
    assert hop["fix"] == "create it: run site.yml (shared_gateway, transit_gateway play)"
    assert "tgw-theirs named open-banking-tgw lack(s) those tags (not ours)" in tgw_fault_hop(tgw_foreign)["detail"]
    # The routes to the transit gateway are not blamed for it.
    assert tgw_fault_hop(tgw_missing, "gateway_route")["status"] == "ok"
    assert "see transit_gateway" in tgw_fault_hop(tgw_missing, "provider_route")["detail"]


def test_pending_acceptance_says_the_gateway_accepts_it():
    hop = tgw_fault_hop(attachment_pending_acceptance)
    assert f"{ATT_PAY} (vpc-p) is pendingAcceptance" in hop["detail"]
    assert hop["fix"] == "the gateway accepts it: run site.yml (shared_gateway, transit_gateway play)"
    assert "not available yet" in tgw_fault_hop(attachment_pending)["detail"]


def test_missing_attachment_names_the_vpc_the_invitation_and_the_attachment_play():
    hop = tgw_fault_hop(attachment_missing)
    assert hop["detail"] == f"no attachment of vpc-p (account {P}) to {TGW}"
    assert hop["fix"] == (
        f"attach vpc-p to {TGW}, one subnet in each AZ of the target subnets: "
        "run site.yml (providers, transit_gateway_attachment play)"
    )
    hop = tgw_fault_hop(attachment_missing_invitation_pending)
    assert f"the RAM invitation to the share open-banking-tgw from account {A} is PENDING" in hop["detail"]
    assert hop["fix"].startswith("accept the RAM invitation and attach vpc-p")
    assert f"the attachment {ATT_PAY} of vpc-p is rejected" in tgw_fault_hop(attachment_rejected)["detail"]


def test_attachment_elsewhere_is_named():
    def elsewhere(gw, providers):
        attachment_missing(gw, providers)
        pay_side(providers)["attachments"] = [
            dict(attachment("tgw-attach-x", "vpc-p", P, []), transit_gateway_id="tgw-x")
        ]

    assert "(vpc-p is attached to tgw-x instead)" in tgw_fault_hop(elsewhere)["detail"]


def test_az_fault_names_the_target_the_zone_and_the_fix():
    hop = tgw_fault_hop(attachment_without_the_target_az)
    assert hop["detail"] == (
        f"10.0.1.25 is in us-east-1b (subnet-p), where {ATT_PAY} (vpc-p) has no subnet: it cannot answer through "
        "the transit gateway"
    )
    assert hop["fix"].startswith(f"give {ATT_PAY} a subnet in us-east-1b (one subnet in each AZ of the target subnets)")


def test_the_provider_view_of_its_own_subnets_wins():
    # The gateway's view lacks the subnets; the provider's view has them (its attachment, its subnets).
    def gateway_view_without_subnets(gw, providers):
        tgw_attachments(gw)[ATT_PAY]["subnet_ids"] = None
        attachment_without_the_target_az(gw, providers)

    assert base.failed_pairs(run_tgw(gateway_view_without_subnets)) == [("payments", "transit_gateway")]


def test_association_and_propagation_faults_name_the_route_tables():
    detail = tgw_fault_hop(attachment_not_associated)["detail"]
    assert (
        detail
        == f"{ATT_PAY} (vpc-p) is not associated with the spokes route table open-banking-tgw-providers ({SPOKES_RT})"
    )
    detail = tgw_fault_hop(attachment_associated_with_the_hub)["detail"]
    assert f"(it is associated with the hub route table open-banking-tgw-gateway ({HUB_RT}))" in detail
    hop = tgw_fault_hop(attachment_not_propagating_into_the_hub)
    assert f"{ATT_PAY} (vpc-p) does not propagate into the hub route table" in hop["detail"]
    assert "has no route to 10.0.1.25" in hop["detail"]
    assert hop["fix"] == (
        f"enable the propagation of {ATT_PAY} into open-banking-tgw-gateway: run site.yml (shared_gateway, "
        "transit_gateway play)"
    )
    assert "10.0.0.0/16 to 10.0.1.25 is blackhole" in tgw_fault_hop(hub_route_blackhole)["detail"]
    assert (
        f"sends 10.0.1.25 (10.0.0.0/16) to {ATT_CARDS}, not {ATT_PAY}"
        in tgw_fault_hop(hub_route_to_another_attachment)["detail"]
    )


def test_isolation_faults_say_the_providers_would_reach_each_other():
    cards = tgw_fault_hop(attachment_propagating_into_the_spokes, service="cards")
    assert f"{ATT_CARDS} (vpc-c) propagates into the spokes route table" in cards["detail"]
    assert f"disable the propagation of {ATT_CARDS} into open-banking-tgw-providers" in cards["fix"]
    payments = tgw_fault_hop(attachment_propagating_into_the_spokes)
    assert payments["detail"] == (
        f"the spokes route table open-banking-tgw-providers ({SPOKES_RT}) routes 10.1.0.0/16 to {ATT_CARDS} "
        f"(vpc-c, account {C}): the providers would reach each other"
    )
    assert "remove static routes to providers" in payments["fix"]


def test_hub_faults_name_the_hub():
    assert (
        f"hub {ATT_GW} (vpc-a) is not associated with the hub route table"
        in tgw_fault_hop(hub_attachment_not_associated)["detail"]
    )
    detail = tgw_fault_hop(hub_attachment_without_an_nlb_az)["detail"]
    assert f"hub {ATT_GW} (vpc-a) has no subnet in us-east-1b, where the NLB has subnets" in detail
    detail = tgw_fault_hop(spokes_route_back_missing)["detail"]
    assert "does not propagate into the spokes route table" in detail and "has no route back to 10.100.1.0/24" in detail
    assert (
        f"no attachment of the gateway VPC vpc-a (open-banking-gateway) to {TGW}"
        in tgw_fault_hop(hub_attachment_missing)["detail"]
    )
    assert "no spokes route table open-banking-tgw-providers on" in tgw_fault_hop(spokes_route_table_missing)["detail"]


def test_hub_attachment_found_by_the_gateway_vpc_without_its_name_tag():
    # moto and cross-account views may carry no tags: the gateway VPC's attachment is the hub.
    evaluation = run_tgw(lambda gw, providers: tgw_attachments(gw)[ATT_GW].update(tags={}))
    assert evaluation["ok"], evaluation["failed"]


def test_region_fault_says_an_attachment_cannot_cross_regions():
    hop = tgw_fault_hop(provider_in_another_region, service="cards")
    assert "the provider VPC is in us-west-2, the transit gateway in us-east-1" in hop["detail"]


def test_route_faults_name_the_transit_gateway():
    hop = tgw_fault_hop(gateway_route_missing, "gateway_route")
    assert "no route to 10.0.1.25" in hop["detail"]
    assert hop["fix"].startswith(f"route the provider CIDR (10.0.0.0/16) to {TGW} in every route table of the NLB")
    hop = tgw_fault_hop(gateway_route_to_another_tgw, "gateway_route")
    assert f"10.0.1.25 goes to tgw-other (10.0.0.0/16), not the transit gateway {TGW}" in hop["detail"]
    hop = tgw_fault_hop(gateway_route_more_specific_elsewhere, "gateway_route")
    assert f"10.0.1.25 goes to pcx-stale (10.0.1.0/24), not the transit gateway {TGW}" in hop["detail"]
    assert "(a blackhole)" in tgw_fault_hop(gateway_route_blackhole, "gateway_route")["detail"]
    hop = tgw_fault_hop(provider_route_missing, "provider_route")
    assert hop["detail"] == "rtb-vpc-p (subnet-p): no route to 10.100.2.0/24"  # 10.100.1.0/24 has its route
    assert hop["fix"] == (
        f"add return routes to 10.100.1.0/24, 10.100.2.0/24 via {TGW} in the route table of each service subnet: "
        "run site.yml (providers, transit_gateway_attachment play)"
    )
    hop = tgw_fault_hop(provider_route_diverted, "provider_route")
    assert "10.100.2.0/24 goes to pcx-stale (10.100.2.0/24)" in hop["detail"]


# ---------------------------------------------------------------------------------------------
# A move from the peering to the transit gateway: the path the routes take is judged
# ---------------------------------------------------------------------------------------------


def keep_the_peering(gw, providers):
    """payments keeps its active peering and its routes through it, more specific than the aggregates
    through the transit gateway (10.0.0.0/8 in the gateway, 10.100.0.0/16 in the provider)."""
    gw["peerings"].append(base.peering("pcx-pay", "vpc-p", P))
    providers["payments"]["snapshot"]["peerings"] = [base.peering("pcx-pay", "vpc-p", P)]
    routes = gw["route_tables"][0]["routes"]
    routes[:] = [r for r in routes if r["destination"] != "10.0.0.0/16"]
    routes += [vpc_route("10.0.0.0/16", "pcx-pay"), vpc_route("10.0.0.0/8", TGW)]
    rtb = providers["payments"]["snapshot"]["route_tables"][0]
    rtb["routes"] += [vpc_route("10.100.1.0/24", "pcx-pay"), vpc_route("10.100.2.0/24", "pcx-pay")]


def test_routes_still_through_the_peering_are_judged_on_the_peering():
    def moving(gw, providers):
        keep_the_peering(gw, providers)
        # The transit gateway side is not finished: it does not matter while the routes take the peering.
        attachment_pending_acceptance(gw, providers)

    evaluation = run_tgw(moving)
    assert evaluation["ok"], evaluation["failed"]
    payments = evaluation["services"][0]
    assert [hop["hop"] for hop in payments["hops"]] == list(topology.HOPS)
    hops = hops_of(evaluation)
    assert "the routes in use take this peering" in hops["peering"]["detail"]
    assert "10.0.0.0/16 -> pcx-pay" in hops["gateway_route"]["detail"]
    assert payments["resolved"]["connectivity_path"] == "peering"
    # cards is already on the transit gateway.
    assert [hop["hop"] for hop in hops_of(evaluation, "cards").values()] == TGW_HOPS


def test_peering_path_of_a_move_fails_as_a_peering_does():
    def moving(gw, providers):
        keep_the_peering(gw, providers)
        rtb = providers["payments"]["snapshot"]["route_tables"][0]
        rtb["routes"] = [r for r in rtb["routes"] if r["destination"] != "10.100.2.0/24"]
        rtb["routes"].append(vpc_route("10.100.2.0/24", "pcx-other"))

    evaluation = run_tgw(moving)
    assert base.failed_pairs(evaluation) == [("payments", "provider_route")]
    assert "peering" in hops_of(evaluation)


def test_mixed_routes_take_the_transit_gateway_and_the_active_peering():
    def mixed(gw, providers):
        # The gateway sends to the transit gateway; the provider still answers over its active peering.
        gw["peerings"].append(base.peering("pcx-pay", "vpc-p", P))
        providers["payments"]["snapshot"]["peerings"] = [base.peering("pcx-pay", "vpc-p", P)]
        rtb = providers["payments"]["snapshot"]["route_tables"][0]
        rtb["routes"] += [vpc_route("10.100.1.0/24", "pcx-pay"), vpc_route("10.100.2.0/24", "pcx-pay")]

    evaluation = run_tgw(mixed)
    assert evaluation["ok"], evaluation["failed"]
    hops = hops_of(evaluation)
    assert hops["transit_gateway"]["status"] == "ok"
    assert "(the peering, more specific than the route to the transit gateway)" in hops["provider_route"]["detail"]


def test_mixed_routes_through_a_peering_that_is_gone_fail_the_route():
    def mixed(gw, providers):
        peering = base.peering("pcx-pay", "vpc-p", P, status="deleted")
        gw["peerings"].append(peering)
        providers["payments"]["snapshot"]["peerings"] = [copy.deepcopy(peering)]
        rtb = providers["payments"]["snapshot"]["route_tables"][0]
        rtb["routes"] += [vpc_route("10.100.1.0/24", "pcx-pay", "blackhole")]

    evaluation = run_tgw(mixed)
    assert base.failed_pairs(evaluation) == [("payments", "provider_route")]
    assert "(a peering that is not active), not the transit gateway" in hops_of(evaluation)["provider_route"]["detail"]


# ---------------------------------------------------------------------------------------------
# The picture and the report
# ---------------------------------------------------------------------------------------------


def test_graph_draws_the_transit_gateway_between_the_vpcs():
    gateway, providers = base.golden()
    to_tgw(gateway["snapshot"], {p["name"]: p for p in providers}, names=("payments",))
    attachment_not_associated(gateway["snapshot"], None)
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    node = graph.nodes[f"tgw_{TGW.replace('-', '_')}"]
    assert node["lines"] == [
        "Transit Gateway open-banking-tgw",
        f"{TGW} · account {A} · available",
        f"hub attachment {ATT_GW}",
    ]
    assert node["kind"] == "transit_gateway" and node["status"] == "fail" and node["failed"] == ["transit_gateway"]
    assert ("tg_open_banking_payments", node_id(TGW), "") in graph.edges
    assert (node_id(TGW), f"ip_{P}_10_0_1_25", f"tcp/8080 · {ATT_PAY}") in graph.edges
    # cards keeps its peering node.
    assert "pcx_pcx_cards" in graph.nodes and (("pcx_pcx_cards", f"ip_{C}_10_1_1_10", "tcp/8081") in graph.edges)
    mermaid = topology.render_mermaid(graph)
    assert f'{node_id(TGW)}(["Transit Gateway open-banking-tgw' in mermaid
    assert "FAILED: transit_gateway" in mermaid and "VPC peering pcx-cards" in mermaid
    dot = topology.render_dot(graph)
    assert "shape=doubleoctagon" in dot and "shape=hexagon" in dot
    markdown = topology.render_markdown(gateway, evaluation, mermaid)
    assert f"## payments: /payments (provider payments, port 8080, transit gateway {TGW}) FAIL" in markdown
    assert "## cards: /cards (provider cards, port 8081) OK" in markdown
    assert "| 9 | transit_gateway | **FAIL** | 111111111111 <-> 222222222222 |" in markdown


def node_id(tgw):
    return "tgw_" + tgw.replace("-", "_")


def test_markdown_says_when_the_routes_still_take_the_peering():
    gateway, providers = base.golden()
    to_tgw(gateway["snapshot"], {p["name"]: p for p in providers}, names=("payments",))
    keep_the_peering(gateway["snapshot"], {p["name"]: p for p in providers})
    evaluation = topology.evaluate(gateway, providers)
    graph = topology.build_graph(gateway, providers, evaluation)
    markdown = topology.render_markdown(gateway, evaluation, topology.render_mermaid(graph))
    assert (
        "## payments: /payments (provider payments, port 8080, transit gateway planned, the routes still take the "
        "peering) OK" in markdown
    )
    assert "pcx_pcx_pay" in graph.nodes
