# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import vpc_links as vl
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_link_info as module_under_test

LINKS = [
    vl.normalise_vpc_link({"id": "a", "name": "pay", "tags": {"team": "a"}}, "v1"),
    vl.normalise_vpc_link({"id": "b", "name": "cards", "tags": {"team": "b"}}, "v1"),
    vl.normalise_vpc_link({"VpcLinkId": "c", "Name": "pay", "Tags": {"team": "a"}}, "v2"),
]


class FakeModule:
    def __init__(self, **params):
        self.params = dict(dict(vpc_link_ids=None, name=None, tags=None, version="all"), **params)
        self.clients = []

    def client(self, service):
        self.clients.append(service)
        return service


@pytest.fixture
def calls(monkeypatch):
    recorded = []

    def list_vpc_links(clients, versions):
        recorded.append(("list", tuple(versions), tuple(sorted(clients.values()))))
        return [link for link in LINKS if link["version"] in versions]

    def get_vpc_link(clients, version, link_id):
        recorded.append(("get", version, link_id))
        return next((link for link in LINKS if link["id"] == link_id and link["version"] == version), None)

    monkeypatch.setattr(module_under_test, "list_vpc_links", list_vpc_links)
    monkeypatch.setattr(module_under_test, "get_vpc_link", get_vpc_link)
    return recorded


def ids(links):
    return [link["id"] for link in links]


def test_lists_both_flavours_by_default(calls):
    assert ids(module_under_test.describe_links(FakeModule())) == ["a", "b", "c"]
    assert calls == [("list", ("v1", "v2"), ("apigateway", "apigatewayv2"))]


def test_one_flavour_uses_one_client(calls):
    module = FakeModule(version="v2")
    assert ids(module_under_test.describe_links(module)) == ["c"]
    assert module.clients == ["apigatewayv2"]


def test_name_and_tags_filter(calls):
    assert ids(module_under_test.describe_links(FakeModule(name="pay"))) == ["a", "c"]
    assert ids(module_under_test.describe_links(FakeModule(name="pay", version="v1"))) == ["a"]
    assert ids(module_under_test.describe_links(FakeModule(tags={"team": "b"}))) == ["b"]
    assert ids(module_under_test.describe_links(FakeModule(tags={"team": "b"}, name="pay"))) == []


def test_ids_are_fetched_one_by_one_in_each_flavour(calls):
    assert ids(module_under_test.describe_links(FakeModule(vpc_link_ids=["c", "a", "zz", "a"]))) == ["a", "c"]
    assert [call for call in calls if call[0] == "list"] == []
    assert ("get", "v2", "zz") in calls
    assert len([call for call in calls if call[2] == "a"]) == 2  # duplicates asked once per flavour
