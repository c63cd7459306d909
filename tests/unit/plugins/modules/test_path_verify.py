# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""path_verify: verdict, report files, idempotence, check mode, Graphviz present or not."""

import json
import os
import sys
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible_collections.multiaccount.apigateway.plugins.module_utils.path_report import DRY_RUN_NOTE
from ansible_collections.multiaccount.apigateway.plugins.modules import path_verify

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils"))
import test_topology as golden  # noqa: E402  pylint: disable=wrong-import-position

from ..module_utils import test_topology_governance as governed  # noqa: E402  pylint: disable=wrong-import-position
from ..module_utils import test_topology_transit_gateway as tgw  # noqa: E402  pylint: disable=wrong-import-position


def module_args(tmp_path, mutate=None, **extra):
    gateway, providers = golden.golden()
    if mutate:
        mutate(gateway["snapshot"], {p["name"]: p for p in providers})
    args = {
        "gateway": {"name": gateway["name"], "snapshot": gateway["snapshot"]},
        "providers": [
            {
                "name": p["name"],
                "account_id": p["account_id"],
                "region": p["region"],
                "services": p["services"],
                "snapshot": p["snapshot"],
            }
            for p in providers
        ],
        "report_dir": str(tmp_path / "reports"),
    }
    args.update(extra)
    return args


def run(args, capsys, check_mode=False, dot=None):
    """Run main(); ``dot``: None (no Graphviz) or a fake ``dot`` that writes ``IMG:<fmt>`` files."""
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        patch_module_args = None
    if patch_module_args is not None:
        context = patch_module_args(args)
    else:
        context = mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8"))
    calls = []

    def fake_run_command(self, command, data=None, binary_data=False):
        calls.append(command)
        fmt = command[1][2:]
        with open(command[3], "wb") as handle:
            handle.write(f"IMG:{fmt}:{len(data)}".encode())
        return 0, "", ""

    with context, mock.patch.object(
        basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: dot
    ), mock.patch.object(basic.AnsibleModule, "run_command", fake_run_command):
        with pytest.raises(SystemExit):
            path_verify.main()
    return json.loads(capsys.readouterr().out), calls


def test_healthy_writes_the_report_without_graphviz(tmp_path, capsys):
    result, calls = run(module_args(tmp_path), capsys)
    assert result["ok"] is True and result["changed"] is True
    assert "failed" not in result or result["failed"] is False
    assert result["failures"] == []
    assert [s["status"] for s in result["services"]] == ["ok", "ok"]
    assert calls == []
    report = result["report"]
    assert report["svg"] is None and report["png"] is None
    assert "Graphviz `dot` is not on the PATH" in report["notes"][0]
    assert sorted(os.listdir(tmp_path / "reports")) == ["path-verify.dot", "path-verify.md", "path-verify.mmd"]
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert "**ALL PATHS OK**" in markdown and "```mermaid" in markdown and "> Graphviz" in markdown
    assert result["message"].startswith("All 2 published path(s) pass every hop.")


def test_second_run_changes_nothing(tmp_path, capsys):
    run(module_args(tmp_path), capsys)
    again, dummy = run(module_args(tmp_path), capsys)
    assert again["changed"] is False


def test_whose_reading_of_the_targets_does_not_change_the_report(tmp_path, capsys):
    # One run's verifier came within verify_target_health_max_age of its converge and took the converge's
    # reading, the next one did not and read the targets itself: the same paths, the same report.
    def read_by(who, age):
        def mutate(gw, providers):
            for group in gw["target_groups"]:
                group.update(targets_read_by=who, targets_age_seconds=age)

        return mutate

    first, dummy = run(module_args(tmp_path, read_by("gateway_load_balancers", 12.5)), capsys, dot="/usr/bin/dot")
    again, dummy = run(module_args(tmp_path, read_by("gateway_path_info", 0.0)), capsys, dot="/usr/bin/dot")
    assert first["changed"] is True and again["changed"] is False
    assert {s["resolved"]["targets_read_by"] for s in first["services"]} == {"gateway_load_balancers"}
    assert {s["resolved"]["targets_read_by"] for s in again["services"]} == {"gateway_path_info"}


def test_graphviz_renders_svg_and_png(tmp_path, capsys):
    result, calls = run(module_args(tmp_path), capsys, dot="/usr/bin/dot")
    assert [call[:2] for call in calls] == [["/usr/bin/dot", "-Tsvg"], ["/usr/bin/dot", "-Tpng"]]
    assert result["report"]["svg"].endswith("/reports/path-verify.svg")
    assert (tmp_path / "reports" / "path-verify.png").read_bytes().startswith(b"IMG:png:")
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert "![topology (png)](path-verify.png)" in markdown and "![topology (svg)](path-verify.svg)" in markdown
    assert not [name for name in os.listdir(tmp_path / "reports") if name.startswith(".path-verify-")]


def test_check_mode_writes_nothing_but_predicts_the_change_and_says_so(tmp_path, capsys):
    result, calls = run(module_args(tmp_path), capsys, check_mode=True, dot="/usr/bin/dot")
    # A real run would write the report: check mode says so (changed, the Markdown as the diff), writes nothing.
    assert result["changed"] is True and result["ok"] is True
    assert not (tmp_path / "reports").exists()
    assert result["report"]["markdown"] == str(tmp_path / "reports" / "path-verify.md")
    assert result["report"]["written"] is False
    assert "(not written in check mode;" in result["message"]
    assert result["diff"]["before"] == "" and result["diff"]["after"].startswith("# Path verification")
    assert result["diff"]["after_header"] == result["report"]["markdown"]
    # The images are rendered to compare them, never into the report directory.
    assert [call[1] for call in calls] == ["-Tsvg", "-Tpng"]


def test_check_mode_after_a_real_run_predicts_no_change(tmp_path, capsys):
    first, dummy = run(module_args(tmp_path), capsys, dot="/usr/bin/dot")
    assert first["changed"] is True and first["report"]["written"] is True
    assert first["diff"]["after"] == (tmp_path / "reports" / "path-verify.md").read_text()
    before = {name: (tmp_path / "reports" / name).read_bytes() for name in os.listdir(tmp_path / "reports")}
    again, dummy = run(module_args(tmp_path), capsys, check_mode=True, dot="/usr/bin/dot")
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}
    after = {name: (tmp_path / "reports" / name).read_bytes() for name in os.listdir(tmp_path / "reports")}
    assert after == before


def test_dry_run_report_says_it_judges_the_state_before_the_changes(tmp_path, capsys):
    plain, dummy = run(module_args(tmp_path), capsys)
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert "Dry run" not in markdown and DRY_RUN_NOTE not in plain["message"]
    dry, dummy = run(module_args(tmp_path, dry_run=True), capsys)
    assert dry["changed"] is True and dry["report"]["written"] is True
    marked = (tmp_path / "reports" / "path-verify.md").read_text()
    lines = marked.splitlines()
    assert lines[0] == markdown.splitlines()[0] and lines[2] == f"> **{DRY_RUN_NOTE}**"
    assert DRY_RUN_NOTE in dry["message"]
    assert "(dry run: the state before the run's changes)" in (tmp_path / "reports" / "path-verify.dot").read_text()
    # The diff is the Markdown: only the added note differs.
    assert dry["diff"]["before"] == markdown and dry["diff"]["after"] == marked


def test_broken_path_fails_naming_hop_account_resource_fix(tmp_path, capsys):
    result, dummy = run(module_args(tmp_path, golden.drop_provider_return_route), capsys)
    assert result["failed"] is True and result["ok"] is False
    assert [(f["service"], f["hop"]) for f in result["failures"]] == [("payments", "provider_route")]
    assert result["msg"].startswith(
        "1 hop(s) failed:\n- payments / provider_route (account 222222222222, route tables rtb-vpc-p)"
    )
    assert "Fix: add return routes" in result["msg"]
    assert result["msg"].endswith("Report: " + str(tmp_path / "reports" / "path-verify.md"))
    assert (tmp_path / "reports" / "path-verify.md").exists()
    assert "BROKEN at provider_route" in result["summary"][0]


def test_fail_on_broken_false_only_reports(tmp_path, capsys):
    result, dummy = run(module_args(tmp_path, golden.stage_not_redeployed, fail_on_broken=False), capsys)
    assert result.get("failed") is not True
    assert result["ok"] is False
    assert sorted(f["service"] for f in result["failures"]) == ["cards", "payments"]
    assert "stage_deployment" in result["message"]


def test_failed_probe_fails_the_verdict(tmp_path, capsys):
    probes = [
        {"service": "payments", "kind": "http-get", "target": "https://x/v1/payments", "status": 200, "expected": 200},
        {"service": "cards", "kind": "test-invoke ANY", "target": "/cards", "status": 504, "expected": 200},
    ]
    result, dummy = run(module_args(tmp_path, probes=probes), capsys)
    assert result["failed"] is True
    assert [p["ok"] for p in result["probes"]] == [True, False]
    assert result["failures"] == []
    assert "live probe test-invoke ANY of cards (/cards): status 504, expected 200" in result["msg"]
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert "## Live probe" in markdown and "| cards | test-invoke ANY | /cards | 504 | 200 | FAIL |" in markdown


def test_service_without_port_is_refused(tmp_path, capsys):
    args = module_args(tmp_path)
    del args["providers"][0]["services"][0]["port"]
    result, dummy = run(args, capsys)
    assert result["failed"] is True
    assert result["msg"] == "providers[payments].services[0]: missing port"


def test_unwritable_report_dir_fails_clearly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result, dummy = run(module_args(tmp_path, report_dir=str(blocker / "reports")), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("report_dir: cannot write the report into ")


def test_alb_v2_paths_are_judged_with_their_alb_hop_and_drawn(tmp_path, capsys):
    result, dummy = run(module_args(tmp_path, golden.to_alb), capsys)
    assert result["ok"] is True, result["message"]
    for service in result["services"]:
        assert [hop["hop"] for hop in service["hops"]] == list(golden.topology.ALB_HOPS)
        assert service["resolved"]["load_balancer_type"] == "application"
        assert service["resolved"]["listener_rule"]["target_group_arns"] == [service["resolved"]["target_group_arn"]]
    assert result["summary"][0] == "payments (/payments, provider payments): ok (14 hops checked)"
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert "ALB open-banking-alb" in markdown and "| 5 | alb_security_group | ok |" in markdown

    broken, dummy = run(
        module_args(
            tmp_path,
            lambda gw, providers: (
                golden.to_alb(gw, providers),
                golden.alb_sg_without_ingress_from_the_link(gw, providers),
            ),
        ),
        capsys,
    )
    assert broken["failed"] is True
    assert sorted((hop["service"], hop["hop"]) for hop in broken["failures"]) == [
        ("cards", "alb_security_group"),
        ("payments", "alb_security_group"),
    ]
    assert "payments / alb_security_group (account 111111111111, security group(s) sg-alb of ALB" in broken["msg"]


# ---------------------------------------------------------------------------------------------
# Governance (version 0.4.0)
# ---------------------------------------------------------------------------------------------


def governed_args(tmp_path, mutate=None, **extra):
    args = module_args(tmp_path, lambda gw, providers: governed.govern(gw))
    wanted = governed.governance()
    if mutate:
        mutate(args["gateway"]["snapshot"], wanted)
    args["governance"] = wanted
    args.update(extra)
    return args


def test_governance_hops_the_access_section_and_the_summary(tmp_path, capsys):
    result, dummy = run(governed_args(tmp_path), capsys)
    assert result["ok"] is True, result["message"]
    for service in result["services"]:
        assert [hop["hop"] for hop in service["hops"]][-4:] == ["authorization", "partners", "stage_policy", "domain"]
    assert result["services"][0]["access"]["partners"] == ["fintech-a", "fintech-b"]
    assert result["summary"] == [
        "payments (/payments, provider payments): ok (17 hops checked) auth=CUSTOM key=fintech-a,fintech-b",
        "cards (/cards, provider cards): ok (17 hops checked) auth=COGNITO_USER_POOLS key=fintech-a",
    ]
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert "## Who can call each service" in markdown
    assert "- API key: with an API key of: fintech-a, fintech-b" in markdown
    again, dummy = run(governed_args(tmp_path), capsys)
    assert again["changed"] is False


def test_a_governance_fault_fails_the_module_naming_its_hop(tmp_path, capsys):
    result, dummy = run(governed_args(tmp_path, governed.stage_tracing_off), capsys)
    assert result["failed"] is True
    assert sorted((f["service"], f["hop"]) for f in result["failures"]) == [
        ("cards", "stage_policy"),
        ("payments", "stage_policy"),
    ]
    assert "- payments / stage_policy (account 111111111111, stage v1 of api123): X-Ray tracing off, expected on." in (
        result["msg"]
    )
    assert "api_publish_tracing" in result["msg"]


def test_without_governance_the_module_result_is_unchanged(tmp_path, capsys):
    plain, dummy = run(module_args(tmp_path / "plain"), capsys)
    snapshot_only, dummy = run(module_args(tmp_path / "governed", lambda gw, providers: governed.govern(gw)), capsys)
    assert [hop["hop"] for hop in snapshot_only["services"][0]["hops"]] == list(golden.topology.HOPS)
    assert all("access" not in service for service in snapshot_only["services"])
    assert snapshot_only["summary"][0] == plain["summary"][0]


def test_bad_governance_fails_before_judging_naming_the_field(tmp_path, capsys):
    result, dummy = run(
        governed_args(tmp_path, lambda gw, wanted: wanted["partners"][1].update(services=["loans"])), capsys
    )
    assert result["failed"] is True and "services" not in result
    assert result["msg"] == (
        "governance: governance.partners[1].services[0]: no provider publishes a service named loans "
        "(known: cards, payments)"
    )
    assert not (tmp_path / "reports").exists()
    # The option's own checks (type, choices) name the field too.
    result, dummy = run(
        governed_args(tmp_path, lambda gw, wanted: wanted["partners"][0]["quota"].update(period="YEAR")), capsys
    )
    assert result["failed"] is True
    assert "period" in result["msg"] and "YEAR" in result["msg"] and "governance" in result["msg"]


def test_the_action_plugin_judges_the_governance_like_the_module(tmp_path, capsys):
    from ansible_collections.multiaccount.apigateway.plugins.action import path_verify as verify_action

    module_result, dummy = run(governed_args(tmp_path / "module", governed.partner_key_disabled), capsys)
    task = mock.MagicMock()
    task.args = governed_args(tmp_path / "action", governed.partner_key_disabled)
    task.check_mode = False
    task.async_val = 0
    play_context = mock.MagicMock()
    play_context.check_mode = False
    plugin = verify_action.ActionModule(task, mock.MagicMock(), play_context, None, None, None)
    with mock.patch.object(verify_action.shutil, "which", return_value=None):
        result = plugin.run(task_vars={"inventory_hostname": "shared-services"})
    assert result["failed"] is True
    for key in ("services", "failures", "summary"):
        assert result[key] == module_result[key]
    assert [(f["service"], f["hop"]) for f in result["failures"]] == [("payments", "partners")]


def tgw_args(tmp_path, mutate=None):
    """The golden paths with both providers on the transit gateway, as the verify role passes them."""
    gateway, providers = golden.golden()
    by_name = {p["name"]: p for p in providers}
    tgw.to_tgw(gateway["snapshot"], by_name)
    if mutate:
        mutate(gateway["snapshot"], by_name)
    args = module_args(tmp_path)
    args["gateway"]["snapshot"] = gateway["snapshot"]
    args["providers"] = [
        {
            "name": p["name"],
            "account_id": p["account_id"],
            "region": p["region"],
            "services": p["services"],
            "snapshot": p["snapshot"],
            "connectivity": p["connectivity"],
        }
        for p in providers
    ]
    return args


def test_providers_on_the_transit_gateway_are_judged_and_drawn_through_it(tmp_path, capsys):
    result, dummy = run(tgw_args(tmp_path), capsys)
    assert result["ok"] is True, result["failures"]
    assert [hop["hop"] for hop in result["services"][0]["hops"]] == tgw.TGW_HOPS
    assert result["services"][0]["resolved"]["transit_gateway_id"] == tgw.TGW
    markdown = (tmp_path / "reports" / "path-verify.md").read_text()
    assert f"transit gateway {tgw.TGW}) OK" in markdown and "Transit Gateway open-banking-tgw" in markdown

    failed, dummy = run(tgw_args(tmp_path / "broken", tgw.attachment_pending_acceptance), capsys)
    assert failed["failed"] is True
    assert [(item["service"], item["hop"]) for item in failed["failures"]] == [("payments", "transit_gateway")]
    assert "the gateway accepts it: run site.yml (shared_gateway, transit_gateway play)" in failed["msg"]


def test_connectivity_defaults_to_peering_and_is_checked(tmp_path, capsys):
    args = module_args(tmp_path)
    result, dummy = run(args, capsys)
    assert [hop["hop"] for hop in result["services"][0]["hops"]] == list(golden.topology.HOPS)
    args["providers"][0]["connectivity"] = "vpn"
    result, dummy = run(args, capsys)
    assert result["failed"] is True and "connectivity" in result["msg"]
