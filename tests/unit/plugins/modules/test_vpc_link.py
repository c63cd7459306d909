# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VpcLinkManager decisions with the API layer replaced by a recorder: what is called, in which
order, and that check mode calls nothing that writes."""

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import vpc_links as vl
from ansible_collections.multiaccount.apigateway.plugins.modules import vpc_link as module_under_test

MANAGED = {"ManagedBy": "multiaccount.apigateway"}
NLB_A = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/a/0123456789abcdef"
NLB_B = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/b/fedcba9876543210"

DEFAULTS = dict(
    state="present",
    name=None,
    vpc_link_id=None,
    version=None,
    target_arns=None,
    subnet_ids=None,
    security_group_ids=None,
    description=None,
    tags=None,
    purge_tags=True,
    replace_on_change=False,
    wait=True,
    wait_timeout=900,
    check_mode_gone=[],
)


class Exited(Exception):
    pass


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False, **params):
        self.params = dict(DEFAULTS, **params)
        self.check_mode = check_mode
        self._diff = True
        self.result = None

    def client(self, service):
        return service

    def exit_json(self, **result):
        self.result = result
        raise Exited()

    def fail_json(self, **result):
        self.result = result
        raise Failed(result["msg"])


def link(link_id="abc", name="payments", version="v1", status="AVAILABLE", tags=None, **extra):
    data = vl.planned_link(dict(name=name, version=version, tags=MANAGED if tags is None else tags))
    data.update(id=link_id, status=status, arn=f"arn:aws:apigateway:us-east-1::/vpclinks/{link_id}")
    if version == "v1":
        data.update(description="d", target_arns=[NLB_A])
    else:
        data.update(subnet_ids=["subnet-1"], security_group_ids=["sg-1"])
    data.update(extra)
    return data


class World:
    """Links by id, and every call the module makes."""

    def __init__(self, monkeypatch, links=(), usage=()):
        self.links = {item["id"]: dict(item) for item in links}
        self.usage_list = list(usage)
        self.calls = []
        self.reads = []

        def patch(name, replacement):
            monkeypatch.setattr(module_under_test, name, replacement)

        patch("get_vpc_link", self.get)
        patch("list_vpc_links", self.list)
        patch("find_vpc_link_usage", self.usage)
        patch("create_v1_vpc_link", self.create_v1)
        patch("create_v2_vpc_link", self.create_v2)
        patch("delete_v1_vpc_link", self.recorder("delete"))
        patch("delete_v2_vpc_link", self.recorder("delete"))
        patch("update_v1_vpc_link", self.recorder("update_v1"))
        patch("update_v2_vpc_link", self.recorder("update_v2"))
        patch("tag_v1_resource", self.recorder("tag"))
        patch("tag_v2_resource", self.recorder("tag"))
        patch("untag_v1_resource", self.recorder("untag"))
        patch("untag_v2_resource", self.recorder("untag"))
        patch("wait_for_vpc_link", self.wait)

    def recorder(self, name):
        def record(_client, *args):
            self.calls.append((name,) + args)

        return record

    def get(self, _clients, version, link_id):
        self.reads.append(link_id)
        found = self.links.get(link_id)
        return dict(found) if found and found["version"] == version else None

    def list(self, _clients, versions):
        self.calls.append(("list", tuple(versions)))
        return [dict(item) for item in self.links.values() if item["version"] in versions]

    def usage(self, _clients, target):
        self.calls.append(("usage", target["id"]))
        return self.usage_list

    def create_v1(self, _client, name, target_arns, description=None, tags=None):
        self.calls.append(("create_v1", name, tuple(target_arns), description, tuple(sorted(tags))))
        return {"id": "new1", "name": name, "targetArns": target_arns, "tags": tags, "status": "PENDING"}

    def create_v2(self, _client, name, subnet_ids, security_group_ids=None, tags=None):
        self.calls.append(("create_v2", name, tuple(subnet_ids), tuple(security_group_ids or ())))
        return {"VpcLinkId": "new2", "Name": name, "SubnetIds": subnet_ids, "Tags": tags, "VpcLinkStatus": "PENDING"}

    def wait(self, _client, version, link_id, target, timeout):
        self.calls.append(("wait", link_id, target, timeout))

    def names(self):
        return [call[0] for call in self.calls]


def run(check_mode=False, **params):
    module = FakeModule(check_mode=check_mode, **params)
    with pytest.raises((Exited, Failed)) as raised:
        module_under_test.VpcLinkManager(module).run()
    return module.result, raised.type is Failed


# ------------------------------------------------------------------------- create


def test_create_v1_tags_waits_and_reports(monkeypatch):
    world = World(monkeypatch)
    result, failed = run(name="payments", target_arns=[NLB_A], tags={"team": "a"}, wait_timeout=60)
    assert not failed and result["changed"]
    assert world.calls[0] == ("list", ("v1",))
    assert world.calls[1] == ("create_v1", "payments", (NLB_A,), None, ("ManagedBy", "team"))
    assert world.calls[2] == ("wait", "new1", "available", 60)
    # After the wait the link is read once, as it became.
    assert world.reads == ["new1"]
    assert result["diff"]["before"] == {}
    assert result["vpc_link"]["tags"] == {"team": "a", **MANAGED}


def test_without_wait_pending_says_what_is_left_to_wait_for(monkeypatch):
    world = World(monkeypatch)
    result, failed = run(name="payments", target_arns=[NLB_A], wait=False)
    assert not failed and result["changed"] and "wait" not in world.names()
    # The create answered the link: it is not read back.
    assert world.reads == [] and result["vpc_link"]["status"] == "PENDING"
    assert result["pending"] == [
        {
            "kind": "vpc_link",
            "id": "new1",
            "name": "payments",
            "version": "v1",
            "status": "PENDING",
            "until": "available",
        }
    ]
    # The diff is returned without --diff too.
    assert result["diff"]["before"] == {} and result["diff"]["after"]["id"] == "new1"


def test_without_wait_a_deleted_or_deleting_link_is_pending_until_gone(monkeypatch):
    world = World(monkeypatch, [link(), link(link_id="old", name="old", status="DELETING")])
    result, failed = run(vpc_link_id="abc", state="absent", wait=False)
    assert not failed and result["changed"] and world.names() == ["usage", "delete"]
    assert result["pending"] == [
        {"kind": "vpc_link", "id": "abc", "name": "payments", "version": "v1", "status": "DELETING", "until": "deleted"}
    ]
    result, failed = run(vpc_link_id="old", state="absent", wait=False)
    assert not failed and not result["changed"]
    assert [(item["id"], item["until"]) for item in result["pending"]] == [("old", "deleted")]


def test_after_a_wait_or_in_check_mode_nothing_is_pending(monkeypatch):
    World(monkeypatch, [link(status="PENDING")])
    assert run(name="payments")[0]["pending"] == []
    assert run(name="payments", state="absent", check_mode=True)[0]["pending"] == []


def test_create_in_check_mode_writes_nothing(monkeypatch):
    world = World(monkeypatch)
    result, failed = run(check_mode=True, name="orders", subnet_ids=["subnet-1"])
    assert not failed and result["changed"]
    assert world.names() == ["list"]
    assert result["vpc_link"]["id"] is None and result["vpc_link"]["version"] == "v2"


def test_create_without_flavour_explains_what_to_give(monkeypatch):
    World(monkeypatch)
    result, failed = run(name="payments")
    assert failed and "give target_arns" in result["msg"] and "subnet_ids" in result["msg"]


def test_unknown_id_is_an_error_for_present_and_a_no_op_for_absent(monkeypatch):
    World(monkeypatch)
    result, failed = run(vpc_link_id="nope", name="x", target_arns=[NLB_A])
    assert failed and "VPC link nope does not exist" in result["msg"]
    result, failed = run(vpc_link_id="nope", state="absent")
    assert not failed and not result["changed"] and result["vpc_link"] == {}


def test_v2_description_is_refused(monkeypatch):
    World(monkeypatch, [link("w", "orders", "v2")])
    result, failed = run(name="orders", subnet_ids=["subnet-1"], description="x")
    assert failed and "v2 VPC links have no description" in result["msg"]
    result, failed = run(name="orders", description="x")
    assert failed and "v2 VPC links have no description" in result["msg"]


def test_wrong_flavour_for_an_id(monkeypatch):
    World(monkeypatch, [link("w", "orders", "v2")])
    result, failed = run(vpc_link_id="w", target_arns=[NLB_A])
    assert failed and "w is a v2 link, but the options ask for a v1 link" in result["msg"]


# ------------------------------------------------------------------------- idempotence and update


def test_same_settings_change_nothing(monkeypatch):
    world = World(monkeypatch, [link(tags={"team": "a", **MANAGED})])
    result, failed = run(name="payments", target_arns=[NLB_A], description="d", tags={"team": "a"})
    assert not failed and not result["changed"]
    assert world.names() == ["list"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_update_name_description_and_tags(monkeypatch):
    world = World(monkeypatch, [link(tags={"team": "a", "old": "x", **MANAGED})])
    result, failed = run(vpc_link_id="abc", name="renamed", description="e", tags={"team": "b"})
    assert not failed and result["changed"]
    assert (
        "update_v1",
        "abc",
        [
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/description", "value": "e"},
        ],
    ) in world.calls
    assert ("untag", "arn:aws:apigateway:us-east-1::/vpclinks/abc", ["old"]) in world.calls
    assert ("tag", "arn:aws:apigateway:us-east-1::/vpclinks/abc", {"team": "b"}) in world.calls


def test_update_in_check_mode_predicts_and_writes_nothing(monkeypatch):
    world = World(monkeypatch, [link("w", "orders", "v2")])
    result, failed = run(check_mode=True, vpc_link_id="w", name="renamed", tags={"t": "1"})
    assert not failed and result["changed"]
    assert world.names() == []
    assert result["vpc_link"]["name"] == "renamed"
    assert result["vpc_link"]["tags"] == {"t": "1", **MANAGED}
    assert result["diff"]["before"]["name"] == "orders"


def test_v2_rename_uses_update_vpc_link(monkeypatch):
    world = World(monkeypatch, [link("w", "orders", "v2")])
    run(vpc_link_id="w", name="renamed")
    assert world.calls == [("update_v2", "w", "renamed")]


def test_pending_link_is_waited_for_without_change(monkeypatch):
    world = World(monkeypatch, [link(status="PENDING")])
    result, failed = run(name="payments")
    assert not failed and not result["changed"]
    assert ("wait", "abc", "available", 900) in world.calls
    world.calls.clear()
    run(name="payments", wait=False)
    assert "wait" not in world.names()


# ------------------------------------------------------------------------- replacement


def test_target_change_is_refused_without_replace_on_change(monkeypatch):
    world = World(monkeypatch, [link()])
    result, failed = run(name="payments", target_arns=[NLB_B])
    assert failed
    assert "cannot be updated in place: target_arns would change" in result["msg"]
    assert "Set replace_on_change=true" in result["msg"]
    assert world.names() == ["list"]


def test_replacement_creates_waits_then_deletes_the_old_link(monkeypatch):
    world = World(monkeypatch, [link(tags={"team": "a", **MANAGED})])
    result, failed = run(name="payments", target_arns=[NLB_B], replace_on_change=True)
    assert not failed and result["changed"]
    assert world.names() == ["list", "usage", "create_v1", "wait", "delete", "wait"]
    assert world.calls[2] == ("create_v1", "payments", (NLB_B,), "d", ("ManagedBy", "team"))
    assert world.calls[4] == ("delete", "abc")
    assert world.calls[5] == ("wait", "abc", "deleted", 900)
    assert result["diff"]["before"]["id"] == "abc"


def test_replacement_in_check_mode_writes_nothing(monkeypatch):
    world = World(monkeypatch, [link("w", "orders", "v2")])
    result, failed = run(check_mode=True, name="orders", security_group_ids=["sg-2"], replace_on_change=True)
    assert not failed and result["changed"]
    assert world.names() == ["list", "usage"]
    assert result["vpc_link"]["security_group_ids"] == ["sg-2"]
    assert result["vpc_link"]["subnet_ids"] == ["subnet-1"]


def test_replacement_of_a_link_in_use_is_refused_before_any_change(monkeypatch):
    usage = [dict(api_type="REST", api_id="api1", api_name="ob", path="/payments", method="GET", stage=None)]
    world = World(monkeypatch, [link()], usage)
    result, failed = run(name="payments", target_arns=[NLB_B], replace_on_change=True)
    assert failed and "REST API api1 (ob) GET /payments" in result["msg"]
    assert world.names() == ["list", "usage"]


def test_failed_link_surfaces_its_status_message(monkeypatch):
    World(monkeypatch, [link(status="FAILED", status_message="NLB ARN is malformed")])
    result, failed = run(name="payments")
    assert failed and "the link is FAILED (NLB ARN is malformed)" in result["msg"]


# ------------------------------------------------------------------------- absent


def test_absent_deletes_and_waits(monkeypatch):
    world = World(monkeypatch, [link()])
    result, failed = run(name="payments", state="absent")
    assert not failed and result["changed"] and result["vpc_link"] == {}
    assert world.names() == ["list", "usage", "delete", "wait"]
    assert result["diff"] == {"before": link(), "after": {}}


def test_absent_in_check_mode_checks_usage_but_deletes_nothing(monkeypatch):
    world = World(monkeypatch, [link()])
    result, failed = run(check_mode=True, name="payments", state="absent")
    assert not failed and result["changed"]
    assert world.names() == ["list", "usage"]


def test_absent_in_use_names_the_integrations(monkeypatch):
    usage = [
        dict(api_type="REST", api_id="api1", api_name="ob", path="/payments", method="GET", stage=None),
        dict(api_type="HTTP", api_id="h1", api_name="h", path="/orders", method="ANY", stage=None),
    ]
    world = World(monkeypatch, [link()], usage)
    result, failed = run(name="payments", state="absent")
    assert failed
    assert result["msg"] == (
        "Cannot delete VPC link abc (payments): it is still used by 2 integration(s): "
        "REST API api1 (ob) GET /payments; HTTP API h1 (h) ANY /orders. "
        "Point those integrations at another link or remove them first."
    )
    assert result["usage"] == usage
    assert "delete" not in world.names()


def test_absent_twice_is_a_no_op(monkeypatch):
    world = World(monkeypatch)
    result, failed = run(name="payments", state="absent")
    assert not failed and not result["changed"]
    assert world.calls == [("list", ("v1", "v2"))]


def test_absent_by_name_is_ambiguous_across_flavours(monkeypatch):
    World(monkeypatch, [link("a"), link("w", "payments", "v2")])
    result, failed = run(name="payments", state="absent")
    assert failed and "2 managed VPC links are named 'payments'" in result["msg"]
    result, failed = run(name="payments", state="absent", version="v2")
    assert not failed and result["changed"]


def test_deleting_link_is_only_waited_for(monkeypatch):
    world = World(monkeypatch, [link(status="DELETING")])
    result, failed = run(vpc_link_id="abc", state="absent")
    assert not failed and not result["changed"]
    assert world.names() == ["wait"]


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(name="x", target_arns=[NLB_A, NLB_B]), "exactly one Network Load Balancer ARN"),
        (dict(name="x", version="v2", target_arns=[NLB_A]), "version=v2 contradicts target_arns"),
        (dict(name="x", wait_timeout=0), "wait_timeout: must be a positive number"),
        (dict(name="x", version="v2", description="y"), "v2 VPC links have no description"),
        (dict(name="x", state="absent", check_mode_gone=[""]), "check_mode_gone[0]: '' is not an API id"),
        (dict(name="x", state="absent", check_mode_gone=["api1", "  "]), "check_mode_gone[1]: '  ' is not an API id"),
        (dict(name="x", state="absent", check_mode_gone=[None]), "check_mode_gone[0]: None is not an API id"),
    ],
)
def test_bad_input_fails_before_any_call(monkeypatch, params, message):
    world = World(monkeypatch)
    result, failed = run(**params)
    assert failed and message in result["msg"]
    assert world.calls == []


# ------------------------------------------------------------------------- check_mode_gone

GONE_USAGE = [
    dict(api_type="REST", api_id="gone1", api_name="ob", path="/cards", method="ANY", stage=None),
    dict(api_type="REST", api_id="gone1", api_name="ob", path="/payments", method="GET", stage="prod"),
]
KEPT_USAGE = [dict(api_type="HTTP", api_id="kept1", api_name="h", path="/orders", method="ANY", stage=None)]


def test_check_mode_gone_apis_are_not_counted_in_check_mode(monkeypatch):
    world = World(monkeypatch, [link()], GONE_USAGE)
    result, failed = run(check_mode=True, name="payments", state="absent", check_mode_gone=["gone1"])
    assert not failed and result["changed"]
    assert world.names() == ["list", "usage"]
    assert result["check_mode_assumed_gone"] == GONE_USAGE
    assert result["diff"] == {"before": link(), "after": {}}


def test_check_mode_gone_still_fails_on_the_integrations_of_other_apis(monkeypatch):
    world = World(monkeypatch, [link()], GONE_USAGE + KEPT_USAGE)
    result, failed = run(check_mode=True, name="payments", state="absent", check_mode_gone=["gone1", "other"])
    assert failed
    assert result["msg"] == (
        "Cannot delete VPC link abc (payments): it is still used by 1 integration(s): HTTP API kept1 (h) ANY /orders "
        "(2 other integration(s), of the APIs in check_mode_gone, are not counted in check mode). "
        "Point those integrations at another link or remove them first. "
        "In check mode, list in check_mode_gone the APIs that earlier tasks of the run delete."
    )
    assert "gone1" not in result["msg"]
    assert result["usage"] == KEPT_USAGE
    assert result["check_mode_assumed_gone"] == GONE_USAGE
    assert "delete" not in world.names()


def test_check_mode_gone_is_ignored_outside_check_mode(monkeypatch):
    world = World(monkeypatch, [link()], GONE_USAGE)
    result, failed = run(name="payments", state="absent", check_mode_gone=["gone1"])
    assert failed
    assert (
        "still used by 2 integration(s): REST API gone1 (ob) ANY /cards; REST API gone1 (ob) GET /payments via stage prod"
        in result["msg"]
    )
    assert "check_mode_gone" not in result["msg"]
    assert result["usage"] == GONE_USAGE
    assert result["check_mode_assumed_gone"] == []
    assert world.names() == ["list", "usage"]


def test_check_mode_gone_ids_are_matched_exactly_after_trimming(monkeypatch):
    World(monkeypatch, [link()], GONE_USAGE)
    result, failed = run(check_mode=True, name="payments", state="absent", check_mode_gone=[" gone1 "])
    assert not failed and result["changed"]
    result, failed = run(check_mode=True, name="payments", state="absent", check_mode_gone=["GONE1", "gone"])
    assert failed and result["usage"] == GONE_USAGE and result["check_mode_assumed_gone"] == []


def test_check_mode_gone_applies_to_a_replacement_in_check_mode(monkeypatch):
    world = World(monkeypatch, [link()], GONE_USAGE)
    params = dict(name="payments", target_arns=[NLB_B], replace_on_change=True, check_mode_gone=["gone1"])
    result, failed = run(check_mode=True, **params)
    assert not failed and result["changed"]
    assert world.names() == ["list", "usage"]
    assert result["vpc_link"]["id"] is None and result["vpc_link"]["target_arns"] == [NLB_B]
    assert result["check_mode_assumed_gone"] == GONE_USAGE
    world.calls.clear()
    result, failed = run(**params)
    assert failed and result["msg"].startswith("Cannot replace (target_arns would change")
    assert "VPC link abc (payments): it is still used by 2 integration(s)" in result["msg"]
    assert world.names() == ["list", "usage"]


def test_without_check_mode_gone_nothing_is_assumed_gone(monkeypatch):
    World(monkeypatch, [link()])
    result, failed = run(check_mode=True, name="payments", state="absent")
    assert not failed and result["check_mode_assumed_gone"] == []
    World(monkeypatch, [link()], GONE_USAGE)
    result, failed = run(check_mode=True, name="payments", state="absent")
    assert failed and "In check mode, list in check_mode_gone" in result["msg"]
