# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of module_utils/peerings.py: normalisation and the shared poll."""

from ansible_collections.multiaccount.apigateway.plugins.module_utils import peerings


def raw(pcx, code):
    return {
        "VpcPeeringConnectionId": pcx,
        "Status": {"Code": code},
        "AccepterVpcInfo": {"VpcId": "vpc-0a", "OwnerId": "222222222222", "Region": "us-east-1"},
        "RequesterVpcInfo": {"VpcId": "vpc-0b", "OwnerId": "111111111111", "CidrBlock": "10.100.0.0/16"},
        "Tags": [{"Key": "Name", "Value": pcx}],
    }


def test_normalise_is_the_shape_of_ec2_vpc_peering_info():
    entry = peerings.normalise(raw("pcx-1", "active"))
    assert entry["vpc_peering_connection_id"] == "pcx-1"
    assert entry["status"] == {"code": "active"}
    assert entry["tags"] == {"Name": "pcx-1"}
    assert entry["requester_vpc_info"]["cidr_block"] == "10.100.0.0/16"
    assert peerings.summary(entry) == {
        "id": "pcx-1",
        "status": "active",
        "vpc_id": "vpc-0a",
        "owner_id": "222222222222",
        "region": "us-east-1",
    }
    assert peerings.status_code(None) is None


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_polls_every_peering_in_one_call_until_none_moves(monkeypatch):
    states = iter([{"pcx-1": "initiating-request", "pcx-2": "pending-acceptance"}, {"pcx-1": "pending-acceptance"}])
    polls = []

    def describe(client, filters=None, peering_ids=None):
        polls.append(list(peering_ids))
        current = next(states)
        return [raw(pcx, current.get(pcx, "pending-acceptance")) for pcx in peering_ids]

    monkeypatch.setattr(peerings, "describe_peerings", describe)
    clock = Clock()
    current, still = peerings.wait_until_settled(
        None, ["pcx-2", "pcx-1", "pcx-1"], timeout=60, delay=2, clock=clock, sleep=clock.sleep
    )
    assert still == []
    assert polls == [["pcx-1", "pcx-2"], ["pcx-1", "pcx-2"]]
    assert clock.sleeps == [2]
    assert peerings.status_code(current["pcx-1"]) == "pending-acceptance"


def test_wait_gives_up_at_the_timeout_and_says_which_still_move(monkeypatch):
    monkeypatch.setattr(
        peerings, "describe_peerings", lambda client, filters=None, peering_ids=None: [raw("pcx-1", "provisioning")]
    )
    clock = Clock()
    current, still = peerings.wait_until_settled(None, ["pcx-1"], timeout=5, delay=2, clock=clock, sleep=clock.sleep)
    assert still == ["pcx-1"]
    assert clock.sleeps == [2, 2, 2]
    assert peerings.status_code(current["pcx-1"]) == "provisioning"


def test_wait_without_peerings_makes_no_call(monkeypatch):
    polls = []
    monkeypatch.setattr(peerings, "describe_peerings", lambda *args, **kwargs: polls.append(args) or [])
    assert peerings.wait_until_settled(None, [], timeout=5) == ({}, [])
    assert polls == []
