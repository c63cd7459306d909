# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure readiness logic of gateway_ready: validation, verdicts, messages, poll loop, read composition."""

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import readiness

ACCOUNT = "111111111111"
LB_A = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/net/open-banking/50dc6c495c0c9188"
LB_B = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/cards-alb/0123456789abcdef"
TG_A = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/payments-8080/73e2d6bc24d8a067"
TG_B = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/cards-8081/0a1b2c3d4e5f6789"


def params(**overrides):
    base = {
        "load_balancer_arns": [],
        "vpc_link_ids": [],
        "vpc_link_versions": {},
        "target_group_arns": [],
        "targets": "none",
        "wait_timeout": 900,
        "poll_interval": 5,
        "progress_interval": 30,
    }
    base.update(overrides)
    return base


def lb(arn, state, reason=None, name=None):
    entry = {"LoadBalancerArn": arn, "LoadBalancerName": name or readiness.name_from_arn(arn), "Type": "network"}
    entry["DNSName"] = f"{entry['LoadBalancerName']}.elb.amazonaws.com"
    entry["State"] = {"Code": state}
    if reason:
        entry["State"]["Reason"] = reason
    return entry


def link(status, name="open-banking", message=None, version="v1"):
    return {"name": name, "version": version, "status": status, "status_message": message}


def target(ip, state, port=8080, reason=None, description=None):
    return {
        "ip": ip,
        "port": port,
        "availability_zone": "all",
        "health_state": state,
        "health_reason": reason,
        "health_description": description,
    }


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"load_balancer_arns": [LB_A, "open-banking"]},
            "load_balancer_arns[1]: 'open-banking' is not a load balancer ARN (arn:aws:elasticloadbalancing:",
        ),
        ({"load_balancer_arns": [TG_A]}, "load_balancer_arns[0]: "),
        ({"load_balancer_arns": [None]}, "load_balancer_arns[0]: None is not a load balancer ARN"),
        ({"target_group_arns": [LB_A]}, "target_group_arns[0]: "),
        ({"target_group_arns": ["payments-8080"]}, "is not a target group ARN (arn:aws:elasticloadbalancing:"),
        ({"vpc_link_ids": ["abc123", "open banking"]}, "vpc_link_ids[1]: 'open banking' is not a VPC link id"),
        (
            {"vpc_link_ids": ["arn:aws:apigateway:us-east-1::/vpclinks/abc123"]},
            "give the id, not the name or the ARN",
        ),
        ({"vpc_link_ids": [""]}, "vpc_link_ids[0]: '' is not a VPC link id"),
        (
            {"vpc_link_ids": ["abc123"], "vpc_link_versions": {"def456": "v2"}},
            "vpc_link_versions.def456: 'def456' is not in vpc_link_ids",
        ),
        (
            {"vpc_link_ids": ["abc123"], "vpc_link_versions": {"abc123": "v3"}},
            "vpc_link_versions.abc123: 'v3' is not a VPC link version (v1 or v2)",
        ),
        ({"targets": "green"}, "targets: 'green' is not one of none, registered, healthy"),
        ({"wait_timeout": -1}, "wait_timeout: -1 must be a whole number of seconds, 0 or more seconds"),
        ({"wait_timeout": True}, "wait_timeout: True must be a whole number"),
        ({"poll_interval": 0}, "poll_interval: 0 must be a whole number of seconds, at least 1 second"),
        ({"progress_interval": 0}, "progress_interval: 0 must be a whole number of seconds, at least 1 second"),
    ],
)
def test_validation_names_the_field(overrides, message):
    with pytest.raises(ValueError) as raised:
        readiness.validate_params(params(**overrides))
    assert message in str(raised.value)


def test_validation_refuses_an_arn_of_another_region():
    other = LB_A.replace("us-east-1", "eu-west-1")
    with pytest.raises(ValueError) as raised:
        readiness.validate_params(params(load_balancer_arns=[other]), region="us-east-1")
    assert "load_balancer_arns[0]: " in str(raised.value)
    assert "is in region eu-west-1, but the module talks to us-east-1" in str(raised.value)


def test_validation_normalises_and_deduplicates_in_order():
    options = readiness.validate_params(
        params(
            load_balancer_arns=[LB_B, f" {LB_A} ", LB_B],
            vpc_link_ids=["abc123", " def456", "abc123"],
            vpc_link_versions={"def456": " V2 "},
            target_group_arns=[TG_A, TG_A],
            targets=None,
            wait_timeout=0,
        ),
        region="us-east-1",
    )
    assert options["load_balancer_arns"] == [LB_B, LB_A]
    assert options["vpc_link_ids"] == ["abc123", "def456"]
    assert options["vpc_link_versions"] == {"def456": "v2"}
    assert options["target_group_arns"] == [TG_A]
    assert options["targets"] == "none"
    assert (options["wait_timeout"], options["poll_interval"], options["progress_interval"]) == (0, 5, 30)


def test_validation_accepts_nothing_to_wait_for():
    options = readiness.validate_params(params(load_balancer_arns=None, vpc_link_ids=None, vpc_link_versions=None))
    assert options["load_balancer_arns"] == options["vpc_link_ids"] == options["target_group_arns"] == []


def test_name_from_arn():
    assert readiness.name_from_arn(LB_A) == "open-banking"
    assert readiness.name_from_arn(LB_B) == "cards-alb"
    assert readiness.name_from_arn(TG_A) == "payments-8080"
    assert readiness.name_from_arn("something") == "something"


# ------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize(
    "state, reason, verdict",
    [
        ("active", None, "ready"),
        ("provisioning", None, "pending"),
        ("active_impaired", "not enough capacity to scale", "pending"),
        ("failed", "subnet has no free addresses", "failed"),
    ],
)
def test_load_balancer_states(state, reason, verdict):
    record, got, item = readiness.assess_load_balancer(LB_A, lb(LB_A, state, reason))
    assert got == verdict
    assert record["arn"] == LB_A and record["name"] == "open-banking" and record["state"] == state
    assert record["state_reason"] == reason and record["type"] == "network"
    if verdict == "ready":
        assert item is None
    else:
        assert item == {"kind": "load_balancer", "id": LB_A, "name": "open-banking", "status": state, "detail": reason}


def test_missing_load_balancer_is_a_failure():
    record, verdict, item = readiness.assess_load_balancer(LB_A, None)
    assert verdict == "failed"
    assert record["state"] is None and record["name"] == "open-banking"
    assert item["status"] == "missing" and item["detail"] == "not found"


@pytest.mark.parametrize(
    "status, verdict",
    [
        ("AVAILABLE", "ready"),
        ("INACTIVE", "ready"),
        ("PENDING", "pending"),
        ("FAILED", "failed"),
        ("DELETING", "failed"),
    ],
)
def test_vpc_link_statuses(status, verdict):
    record, got, item = readiness.assess_vpc_link("abc123", link(status, message="msg"), ["v1"])
    assert got == verdict
    assert record == {
        "id": "abc123",
        "name": "open-banking",
        "version": "v1",
        "status": status,
        "status_message": "msg",
    }
    if verdict == "ready":
        assert item is None
    else:
        assert item["kind"] == "vpc_link" and item["status"] == status and item["name"] == "open-banking"


def test_failed_vpc_link_carries_its_status_message():
    message = "NLB ARN is malformed or the load balancer does not exist"
    verdict, item = readiness.assess_vpc_link("abc123", link("FAILED", message=message), ["v1"])[1:]
    assert verdict == "failed" and item["detail"] == message
    assert readiness.describe_entry(item, detail=True) == f"VPC link open-banking (abc123) FAILED: {message}"


def test_deleting_vpc_link_says_so():
    verdict, item = readiness.assess_vpc_link("abc123", link("DELETING"), ["v1"])[1:]
    assert verdict == "failed" and item["detail"] == "the link is being deleted"


def test_unknown_vpc_link_status_is_pending():
    verdict = readiness.assess_vpc_link("abc123", link("SOMETHING_NEW"), ["v1"])[1]
    assert verdict == "pending"


@pytest.mark.parametrize(
    "looked_up, detail",
    [
        (["v1", "v2"], "not found as a v1 or v2 VPC link"),
        (["v1"], "not found as a v1 VPC link (see vpc_link_versions)"),
        (["v2"], "not found as a v2 VPC link (see vpc_link_versions)"),
    ],
)
def test_missing_vpc_link_says_where_it_was_looked_up(looked_up, detail):
    record, verdict, item = readiness.assess_vpc_link("abc123", None, looked_up)
    assert verdict == "failed"
    assert record["status"] is None
    assert item["status"] == "missing" and item["detail"] == detail
    assert readiness.describe_entry(item) == "VPC link abc123 missing"


def test_missing_target_group_is_a_failure_in_every_mode():
    for mode in readiness.TARGETS_CHOICES:
        verdict, item = readiness.assess_target_group(TG_A, {"exists": False, "targets": None}, mode)[1:]
        assert verdict == "failed" and item["status"] == "missing" and item["name"] == "payments-8080"
    verdict = readiness.assess_target_group(TG_A, None, "none")[1]
    assert verdict == "failed"


def test_targets_none_only_needs_the_group():
    record, verdict, item = readiness.assess_target_group(TG_A, {"exists": True, "targets": None}, "none")
    assert (verdict, item) == ("ready", None)
    assert record == {"arn": TG_A, "name": "payments-8080", "targets": None}


@pytest.mark.parametrize("mode", ["registered", "healthy"])
def test_a_group_without_targets_is_pending(mode):
    verdict, item = readiness.assess_target_group(TG_A, {"exists": True, "targets": []}, mode)[1:]
    assert verdict == "pending" and item["status"] == "no targets"


@pytest.mark.parametrize("mode", ["registered", "healthy"])
def test_draining_targets_are_not_waited_for(mode):
    found = {"exists": True, "targets": [target("10.0.1.5", "draining"), target("10.0.1.6", "healthy")]}
    verdict = readiness.assess_target_group(TG_A, found, mode)[1]
    assert verdict == "ready"
    only_draining = {"exists": True, "targets": [target("10.0.1.5", "draining")]}
    verdict, item = readiness.assess_target_group(TG_A, only_draining, mode)[1:]
    assert verdict == "pending" and item["status"] == "no targets"


def test_initial_targets_are_registered_but_not_healthy():
    found = {
        "exists": True,
        "targets": [
            target("10.0.1.5", "initial", reason="Elb.RegistrationInProgress", description="in progress"),
            target("10.0.1.6", "healthy"),
            target("10.0.1.7", "unused", port=8443, reason="Target.NotInUse"),
        ],
    }
    verdict = readiness.assess_target_group(TG_A, found, "registered")[1]
    assert verdict == "ready"
    record, verdict, item = readiness.assess_target_group(TG_A, found, "healthy")
    assert verdict == "pending"
    assert item["status"] == "1/3 healthy"
    assert item["detail"] == (
        "10.0.1.5:8080 (expected healthy, is initial, Elb.RegistrationInProgress: in progress); "
        "10.0.1.7:8443 (expected healthy, is unused, Target.NotInUse)"
    )
    assert len(record["targets"]) == 3


def test_assess_keeps_option_order_and_sorts_verdicts():
    options = readiness.validate_params(
        params(
            load_balancer_arns=[LB_A, LB_B],
            vpc_link_ids=["abc123", "def456", "ghi789"],
            target_group_arns=[TG_A, TG_B],
            targets="healthy",
        )
    )
    result = readiness.assess(
        {LB_A: lb(LB_A, "active"), LB_B: lb(LB_B, "provisioning")},
        {
            "abc123": (link("PENDING", message="VPC link is provisioning ENIs"), ["v1"]),
            "def456": (link("AVAILABLE", name="cards", version="v2"), ["v1", "v2"]),
            "ghi789": (None, ["v1", "v2"]),
        },
        {TG_A: {"exists": True, "targets": [target("10.0.1.5", "healthy")]}, TG_B: {"exists": False, "targets": None}},
        options,
    )
    assert result["ready"] is False
    assert [item["id"] for item in result["pending"]] == [LB_B, "abc123"]
    assert [item["id"] for item in result["failures"]] == ["ghi789", TG_B]
    assert [record["arn"] for record in result["load_balancers"]] == [LB_A, LB_B]
    assert [record["id"] for record in result["vpc_links"]] == ["abc123", "def456", "ghi789"]
    assert result["vpc_links"][1]["version"] == "v2"
    assert [record["arn"] for record in result["target_groups"]] == [TG_A, TG_B]
    assert readiness.counts(result) == (3, 7)


def test_assess_everything_ready():
    options = readiness.validate_params(params(load_balancer_arns=[LB_A], vpc_link_ids=["abc123"]))
    result = readiness.assess({LB_A: lb(LB_A, "active")}, {"abc123": (link("AVAILABLE"), ["v1"])}, {}, options)
    assert result["ready"] is True and result["pending"] == [] and result["failures"] == []
    assert readiness.counts(result) == (2, 2)


def test_assess_nothing_asked_is_ready():
    result = readiness.assess({}, {}, {}, readiness.validate_params(params()))
    assert result["ready"] is True and readiness.counts(result) == (0, 0)
    assert readiness.ready_message(0) == "nothing to wait for"
    assert readiness.ready_message(1) == "1 resource ready"
    assert readiness.ready_message(3) == "3 resources ready"


# ------------------------------------------------------------------------- messages


PENDING_LINK = {"kind": "vpc_link", "id": "abc123", "name": "open-banking", "status": "PENDING", "detail": "ENIs"}
PENDING_LB = {"kind": "load_balancer", "id": LB_A, "name": "open-banking", "status": "provisioning", "detail": None}
PENDING_TG = {"kind": "targets", "id": TG_A, "name": "payments-8080", "status": "0/1 healthy", "detail": "10.0.1.5"}


def test_describe_entry_short_and_detailed():
    assert readiness.describe_entry(PENDING_LINK) == "VPC link open-banking (abc123) PENDING"
    assert readiness.describe_entry(PENDING_LB) == "load balancer open-banking provisioning"
    assert readiness.describe_entry(PENDING_LB, detail=True) == f"load balancer open-banking ({LB_A}) provisioning"
    assert readiness.describe_entry(PENDING_TG) == "target group payments-8080 0/1 healthy"
    assert (
        readiness.describe_entry(PENDING_TG, detail=True)
        == f"target group payments-8080 ({TG_A}) 0/1 healthy: 10.0.1.5"
    )


def test_progress_line():
    line = readiness.progress_line("shared-services", 35.4, 900, [PENDING_LINK, PENDING_LB], 1, 3)
    assert line == (
        "[shared-services] waiting 35 s / 900 s: VPC link open-banking (abc123) PENDING; "
        "load balancer open-banking provisioning; 1/3 ready"
    )


def test_timeout_and_failure_messages_name_every_resource():
    message = readiness.timeout_message([PENDING_LINK, PENDING_TG], 12.6, 12)
    assert message.startswith("Timed out after 13 s (wait_timeout 12 s) with 2 resources not ready: ")
    assert "VPC link open-banking (abc123) PENDING: ENIs" in message
    assert f"target group payments-8080 ({TG_A}) 0/1 healthy: 10.0.1.5" in message
    failed = dict(PENDING_LINK, status="FAILED", detail="NLB not found")
    assert readiness.failure_message([failed]) == (
        "1 resource will not become ready: VPC link open-banking (abc123) FAILED: NLB not found"
    )


# ------------------------------------------------------------------------- poll loop


class FakeClock:
    def __init__(self, check_cost=0.0):
        self.now = 100.0
        self.check_cost = check_cost
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def sequence_check(clock, results):
    results = list(results)

    def check():
        clock.now += clock.check_cost
        return results.pop(0) if len(results) > 1 else results[0]

    return check


def test_poll_stops_when_done():
    clock = FakeClock()
    check = sequence_check(clock, [{"ready": False}, {"ready": False}, {"ready": True}])
    result, elapsed, polls = readiness.poll(check, lambda r: r["ready"], 60, 5, sleep=clock.sleep, clock=clock)
    assert result == {"ready": True} and polls == 3 and elapsed == 10 and clock.sleeps == [5, 5]


def test_poll_never_sleeps_past_the_deadline_and_checks_at_it():
    clock = FakeClock(check_cost=1.0)
    check = sequence_check(clock, [{"ready": False}])
    result, elapsed, polls = readiness.poll(check, lambda r: r["ready"], 12, 5, sleep=clock.sleep, clock=clock)
    # checks at 0 (ends 1), sleep 5 -> 6 (ends 7), sleep 5 -> 12 ... ends 13 >= 12: stop.
    assert clock.sleeps == [5, 5]
    assert polls == 3 and elapsed == 13 and result == {"ready": False}
    clock = FakeClock()
    readiness.poll(
        sequence_check(clock, [{"ready": False}]), lambda r: r["ready"], 12, 5, sleep=clock.sleep, clock=clock
    )
    assert clock.sleeps == [5, 5, 2]


def test_poll_with_timeout_zero_checks_once():
    clock = FakeClock()
    lines = []
    reporter = readiness.ProgressReporter(lines.append, "h", 0, 1)
    result, elapsed, polls = readiness.poll(
        sequence_check(clock, [{"ready": False}]),
        lambda r: r["ready"],
        0,
        5,
        progress=reporter,
        sleep=clock.sleep,
        clock=clock,
    )
    assert polls == 1 and elapsed == 0 and clock.sleeps == [] and lines == []


PENDING_RESULT = {"pending": [PENDING_LINK], "failures": [], "load_balancers": [{}], "vpc_links": [{}]}


def test_progress_lines_come_at_each_multiple_of_the_interval_even_with_slow_checks():
    clock = FakeClock()
    lines = []
    starts = []

    def check():
        starts.append(clock.now - 100)
        clock.now += 1.5
        return PENDING_RESULT

    reporter = readiness.ProgressReporter(lines.append, "shared-services", 100, 30)
    readiness.poll(check, lambda r: False, 100, 5, progress=reporter, sleep=clock.sleep, clock=clock)
    assert lines == [
        "[shared-services] waiting 30 s / 100 s: VPC link open-banking (abc123) PENDING; 1/2 ready",
        "[shared-services] waiting 60 s / 100 s: VPC link open-banking (abc123) PENDING; 1/2 ready",
        "[shared-services] waiting 90 s / 100 s: VPC link open-banking (abc123) PENDING; 1/2 ready",
    ]
    # The lines do not shift the checks: each starts 5 s after the end of the previous one.
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
    assert gaps[:-1] == pytest.approx([6.5] * (len(gaps) - 1))
    assert starts[-1] == pytest.approx(100)


def test_progress_lines_between_rare_checks():
    clock = FakeClock()
    lines = []
    checks = []

    def check():
        checks.append(clock.now - 100)
        return PENDING_RESULT

    reporter = readiness.ProgressReporter(lines.append, "h", 50, 5)
    result, elapsed, polls = readiness.poll(
        check, lambda r: False, 50, 20, progress=reporter, sleep=clock.sleep, clock=clock
    )
    assert checks == [0, 20, 40, 50]
    assert [line.split(":")[0] for line in lines] == [f"[h] waiting {s} s / 50 s" for s in range(5, 55, 5)]
    assert polls == 4 and elapsed == 50


def test_progress_reporter_keeps_to_its_grid_when_called_late():
    lines = []
    reporter = readiness.ProgressReporter(lines.append, "h", 900, 30)
    for elapsed in (0, 29, 31, 58, 62, 89, 95):
        reporter(PENDING_RESULT, elapsed)
    assert [line.split(":")[0] for line in lines] == [f"[h] waiting {s} s / 900 s" for s in (31, 62, 95)]
    assert reporter.due == 120 and reporter.lines == 3


# ------------------------------------------------------------------------- read composition


def test_read_load_balancers_batches_and_finds_the_missing_one(monkeypatch):
    arns = [LB_A.replace("50dc6c495c0c9188", f"{index:016x}") for index in range(25)]
    missing = arns[21]
    calls = []

    def describe(client, batch):
        calls.append(list(batch))
        if missing in batch:
            return None
        return [lb(arn, "active") for arn in batch]

    monkeypatch.setattr(readiness, "describe_load_balancers", describe)
    found = readiness.read_load_balancers("elbv2", arns)
    assert [len(batch) for batch in calls] == [20, 5, 1, 1, 1, 1, 1]
    assert found[missing] is None
    assert all(found[arn]["LoadBalancerArn"] == arn for arn in arns if arn != missing)


def test_read_vpc_links_falls_back_to_v2_only_without_a_version(monkeypatch):
    calls = []
    v1 = {"abc123": {"id": "abc123", "name": "rest", "status": "AVAILABLE"}}
    v2 = {"def456": {"VpcLinkId": "def456", "Name": "http", "VpcLinkStatus": "PENDING"}}

    def getter(table, version):
        def get(client, link_id):
            calls.append((version, client, link_id))
            return table.get(link_id)

        return get

    monkeypatch.setattr(readiness, "get_v1_vpc_link", getter(v1, "v1"))
    monkeypatch.setattr(readiness, "get_v2_vpc_link", getter(v2, "v2"))
    found = readiness.read_vpc_links(
        lambda version: f"client-{version}", ["abc123", "def456", "ghi789", "jkl012"], {"ghi789": "v1"}
    )
    assert found["abc123"][0]["version"] == "v1" and found["abc123"][1] == ["v1"]
    assert found["def456"][0]["status"] == "PENDING" and found["def456"][1] == ["v1", "v2"]
    assert found["ghi789"] == (None, ["v1"])
    assert found["jkl012"] == (None, ["v1", "v2"])
    assert calls == [
        ("v1", "client-v1", "abc123"),
        ("v1", "client-v1", "def456"),
        ("v2", "client-v2", "def456"),
        ("v1", "client-v1", "ghi789"),
        ("v1", "client-v1", "jkl012"),
        ("v2", "client-v2", "jkl012"),
    ]


def test_read_target_groups_without_targets_uses_one_describe(monkeypatch):
    calls = []

    def describe(client, arns=None, names=None):
        calls.append(list(arns))
        return [] if TG_B in arns else [{"TargetGroupArn": arn} for arn in arns]

    monkeypatch.setattr(readiness, "describe_target_groups", describe)
    monkeypatch.setattr(readiness, "describe_target_health", lambda *a: pytest.fail("no DescribeTargetHealth"))
    assert readiness.read_target_groups("elbv2", [TG_A], "none") == {TG_A: {"exists": True, "targets": None}}
    assert calls == [[TG_A]]
    calls.clear()
    found = readiness.read_target_groups("elbv2", [TG_A, TG_B], "none")
    assert found == {TG_A: {"exists": True, "targets": None}, TG_B: {"exists": False, "targets": None}}
    assert calls == [[TG_A, TG_B], [TG_A], [TG_B]]
    assert readiness.read_target_groups("elbv2", [], "none") == {}


def test_read_target_groups_with_targets_uses_target_health(monkeypatch):
    health = {TG_A: [{"Target": {"Id": "10.0.1.5", "Port": 8080}, "TargetHealth": {"State": "healthy"}}], TG_B: None}
    monkeypatch.setattr(readiness, "describe_target_groups", lambda *a, **k: pytest.fail("no DescribeTargetGroups"))
    monkeypatch.setattr(readiness, "describe_target_health", lambda client, arn: health[arn])
    found = readiness.read_target_groups("elbv2", [TG_A, TG_B], "healthy")
    assert found[TG_A]["exists"] is True and found[TG_A]["targets"][0]["health_state"] == "healthy"
    assert found[TG_B] == {"exists": False, "targets": None}
