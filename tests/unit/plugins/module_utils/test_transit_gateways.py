# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of module_utils/transit_gateways.py: normalisation, ownership, and the shared polls
(one Describe call per kind per poll for everything waited on together)."""

from ansible_collections.multiaccount.apigateway.plugins.module_utils import transit_gateways as tgw

OURS = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "gw"}


def tags(values):
    return [{"Key": key, "Value": value} for key, value in values.items()]


def test_normalise_transit_gateway():
    raw = {
        "TransitGatewayId": "tgw-1",
        "TransitGatewayArn": "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-1",
        "OwnerId": "111111111111",
        "State": "available",
        "Options": {
            "AmazonSideAsn": 64512,
            "AutoAcceptSharedAttachments": "disable",
            "DefaultRouteTableAssociation": "enable",
            "DefaultRouteTablePropagation": "disable",
            "DnsSupport": "enable",
            "VpnEcmpSupport": "enable",
        },
        "Tags": tags(dict(OURS, Name="hub")),
    }
    entry = tgw.normalise_transit_gateway(raw)
    assert entry["id"] == "tgw-1" and entry["owner_id"] == "111111111111" and entry["name"] == "hub"
    assert entry["amazon_side_asn"] == 64512 and entry["description"] == ""
    assert entry["options"] == {
        "auto_accept_shared_attachments": "disable",
        "default_route_table_association": "enable",
        "default_route_table_propagation": "disable",
        "dns_support": "enable",
        "vpn_ecmp_support": "enable",
    }
    # AmazonSideAsn as a string (the emulator) is an int too
    assert tgw.normalise_transit_gateway({"Options": {"AmazonSideAsn": "4200000000"}})["amazon_side_asn"] == 4200000000


def test_normalise_attachment_of_both_describe_calls():
    vpc = tgw.normalise_attachment(
        {
            "TransitGatewayAttachmentId": "tgw-attach-1",
            "TransitGatewayId": "tgw-1",
            "TransitGatewayOwnerId": "111111111111",
            "VpcId": "vpc-1",
            "VpcOwnerId": "222222222222",
            "State": "pendingAcceptance",
            "SubnetIds": ["subnet-b", "subnet-a"],
            "Options": {"DnsSupport": "enable"},
            "Tags": tags({"Name": "payments"}),
        }
    )
    assert vpc == {
        "id": "tgw-attach-1",
        "transit_gateway_id": "tgw-1",
        "transit_gateway_owner_id": "111111111111",
        "vpc_id": "vpc-1",
        "vpc_owner_id": "222222222222",
        "resource_type": "vpc",
        "state": "pendingAcceptance",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "dns_support": "enable",
        "association": None,
        "tags": {"Name": "payments"},
    }
    generic = tgw.normalise_attachment(
        {
            "TransitGatewayAttachmentId": "tgw-attach-2",
            "ResourceId": "vpn-1",
            "ResourceOwnerId": "111111111111",
            "ResourceType": "vpn",
            "State": "available",
            "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"},
        }
    )
    assert generic["vpc_id"] == "vpn-1" and generic["resource_type"] == "vpn" and generic["subnet_ids"] is None
    assert generic["association"] == {"route_table_id": "tgw-rtb-1", "state": "associated"}


def test_links_in_place_only():
    raw = [
        {"TransitGatewayAttachmentId": "a1", "ResourceId": "vpc-1", "ResourceType": "vpc", "State": "associated"},
        {"TransitGatewayAttachmentId": "a2", "ResourceId": "vpc-2", "ResourceType": "vpc", "State": "disassociating"},
        {"TransitGatewayAttachmentId": "a3", "ResourceId": "vpc-3", "ResourceType": "vpc", "State": "enabling"},
    ]
    assert sorted(tgw.live_links(raw)) == ["a1", "a3"]
    assert tgw.live_links(raw)["a1"]["resource_id"] == "vpc-1"


def test_ours_named_and_missing_tags():
    entries = [
        {"id": "tgw-1", "state": "available", "tags": dict(OURS, Name="hub")},
        {"id": "tgw-2", "state": "deleted", "tags": dict(OURS, Name="hub")},
        {"id": "tgw-3", "state": "available", "tags": {"Name": "hub"}},
        {"id": "tgw-4", "state": "available", "tags": dict(OURS, Name="other")},
        {"id": "tgw-5", "state": "available", "tags": dict(OURS, Name="hub", **{"multiaccount:gateway": "gw2"})},
    ]
    ours, foreign = tgw.ours_named(entries, "gw", "hub")
    assert [e["id"] for e in ours] == ["tgw-1"]
    assert [e["id"] for e in foreign] == ["tgw-3", "tgw-5"]
    assert tgw.missing_tags({"Name": "a", "x": "1"}, {"Name": "b", "x": "1", "y": "2"}) == {"Name": "b", "y": "2"}
    assert tgw.missing_tags(None, {}) == {}
    assert tgw.is_dead_attachment({"state": "rejected"}) and not tgw.is_dead_attachment({"state": "pending"})


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_polls_each_kind_once_per_poll(monkeypatch):
    """A transit gateway and two attachments: two calls per poll, ids in a filter; a vanished one is deleted."""
    polls = []
    rounds = iter(
        [
            ({"tgw-1": "pending"}, {"a1": "pending", "a2": "deleting"}),
            ({"tgw-1": "available"}, {"a1": "available"}),
        ]
    )
    current = {}

    def gateways(client, ids=None, filters=None):
        polls.append(("tgw", filters))
        return [{"TransitGatewayId": i, "State": s} for i, s in current["round"][0].items()]

    def attachments(client, filters=None, ids=None):
        polls.append(("attachment", filters))
        current["round"] = next(rounds)  # kinds are polled in name order: attachments first
        return [{"TransitGatewayAttachmentId": i, "State": s} for i, s in current["round"][1].items()]

    monkeypatch.setitem(
        tgw._WAIT_KINDS, "transit_gateway", (gateways, "transit-gateway-id", tgw.normalise_transit_gateway)
    )
    monkeypatch.setitem(
        tgw._WAIT_KINDS, "attachment", (attachments, "transit-gateway-attachment-id", tgw.normalise_attachment)
    )
    clock = Clock()
    want = [
        {"kind": "attachment", "id": "a1", "until": ["available"]},
        {"kind": "attachment", "id": "a2", "until": ["deleted"]},
        {"kind": "transit_gateway", "id": "tgw-1", "until": ["available"]},
    ]
    states, unsettled = tgw.wait_for_states(None, want, 60, clock=clock, sleep=clock.sleep)
    assert unsettled == []
    assert states == {"tgw-1": "available", "a1": "available", "a2": None}
    assert polls == [
        ("attachment", {"transit-gateway-attachment-id": ["a1", "a2"]}),
        ("tgw", {"transit-gateway-id": ["tgw-1"]}),
        ("attachment", {"transit-gateway-attachment-id": ["a1", "a2"]}),
        ("tgw", {"transit-gateway-id": ["tgw-1"]}),
    ]
    assert clock.sleeps == [5]


def test_wait_times_out_and_stops_on_hopeless(monkeypatch):
    def attachments(client, filters=None, ids=None):
        return [
            {"TransitGatewayAttachmentId": "a1", "State": "pending"},
            {"TransitGatewayAttachmentId": "a2", "State": "pending"},
        ]

    monkeypatch.setitem(
        tgw._WAIT_KINDS, "attachment", (attachments, "transit-gateway-attachment-id", tgw.normalise_attachment)
    )
    clock = Clock()
    want = [{"kind": "attachment", "id": "a1", "until": ["available"]}]
    _states, unsettled = tgw.wait_for_states(None, want, 12, clock=clock, sleep=clock.sleep)
    assert [(item["id"], item["state"]) for item in unsettled] == [("a1", "pending")]
    assert clock.sleeps == [5, 5, 5]

    def failed(client, filters=None, ids=None):
        return [{"TransitGatewayAttachmentId": "a1", "State": "failed"}]

    monkeypatch.setitem(
        tgw._WAIT_KINDS, "attachment", (failed, "transit-gateway-attachment-id", tgw.normalise_attachment)
    )
    clock = Clock()
    _states, unsettled = tgw.wait_for_states(None, want, 600, clock=clock, sleep=clock.sleep)
    assert unsettled[0]["state"] == "failed" and clock.sleeps == []
    assert tgw.wait_for_states(None, [], 600) == ({}, [])


def test_wait_disassociated(monkeypatch):
    answers = iter(
        [
            [{"TransitGatewayAttachmentId": "a1", "State": "disassociating"}],
            [{"TransitGatewayAttachmentId": "a1", "State": "disassociated"}],
        ]
    )
    seen = []

    def associations(client, table, filters=None):
        seen.append((table, filters))
        return next(answers)

    monkeypatch.setattr(tgw, "get_transit_gateway_route_table_associations", associations)
    clock = Clock()
    assert tgw.wait_disassociated(None, {"rtb-1": ["a1"]}, 60, clock=clock, sleep=clock.sleep) == {}
    assert seen == [("rtb-1", {"transit-gateway-attachment-id": ["a1"]})] * 2
    assert tgw.wait_disassociated(None, {}, 60) == {}
