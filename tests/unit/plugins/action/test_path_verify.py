# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The path_verify action plugin: the module's verdict and report, written on the controller, no module run."""

import copy
import os
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.multiaccount.apigateway.plugins.action import path_verify as verify_action

from ..modules.test_path_verify import module_args
from ..modules.test_path_verify import run as run_module


def run(args, check_mode=False):
    task = mock.MagicMock()
    task.args = copy.deepcopy(args)
    task.check_mode = check_mode
    task.async_val = 0
    play_context = mock.MagicMock()
    play_context.check_mode = check_mode
    plugin = verify_action.ActionModule(task, mock.MagicMock(), play_context, None, None, None)
    plugin._execute_module = mock.MagicMock(side_effect=AssertionError("no module run"))
    with mock.patch.object(verify_action.shutil, "which", return_value=None):
        return plugin.run(task_vars={"inventory_hostname": "shared-services"})


def comparable(result):
    return {key: value for key, value in result.items() if key not in ("invocation", "warnings", "_ansible_no_log")}


def test_the_verdict_and_the_report_are_the_modules(tmp_path, capsys):
    module_result, _calls = run_module(module_args(tmp_path / "module"), capsys)
    result = run(module_args(tmp_path / "action"))
    assert result["ok"] is True and result["changed"] is True and not result.get("failed")
    assert result["report"]["written"] is True
    with open(result["report"]["markdown"], encoding="utf-8") as action_md:
        with open(module_result["report"]["markdown"], encoding="utf-8") as module_md:
            assert action_md.read() == module_md.read()
    for key in ("services", "failures", "summary", "probes"):
        assert result[key] == module_result[key]
    again = run(module_args(tmp_path / "action"))
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}


def test_check_mode_writes_nothing(tmp_path):
    result = run(module_args(tmp_path), check_mode=True)
    assert result["changed"] is True and result["report"]["written"] is False
    assert not os.path.exists(result["report"]["markdown"])


def test_a_broken_path_fails_naming_the_hop(tmp_path):
    def break_listener(gateway_snapshot, providers):
        gateway_snapshot["listeners"] = []

    result = run(module_args(tmp_path, mutate=break_listener))
    assert result["failed"] is True and result["ok"] is False
    assert "listener" in result["msg"]
    assert os.path.exists(result["report"]["markdown"])


def test_a_service_without_a_port_fails_before_the_report(tmp_path):
    args = module_args(tmp_path)
    del args["providers"][0]["services"][0]["port"]
    result = run(args)
    assert result["failed"] is True and result["msg"].endswith("services[0]: missing port")
    assert not os.path.exists(tmp_path / "reports")


def test_arguments_are_checked_like_the_modules(tmp_path):
    with pytest.raises(AnsibleActionFail, match="gateway"):
        run({"providers": [], "report_dir": str(tmp_path)})


def test_graphviz_renders_through_a_subprocess(tmp_path):
    dot = tmp_path / "dot"
    dot.write_text('#!/bin/sh\nout="$3"\ncat > /dev/null\nprintf "IMG:%s" "$1" > "$out"\n')
    dot.chmod(0o755)
    task_args = module_args(tmp_path)
    task = mock.MagicMock()
    task.args = task_args
    task.check_mode = False
    task.async_val = 0
    play_context = mock.MagicMock()
    play_context.check_mode = False
    plugin = verify_action.ActionModule(task, mock.MagicMock(), play_context, None, None, None)
    with mock.patch.object(verify_action.shutil, "which", return_value=str(dot)):
        result = plugin.run(task_vars={})
    assert result["report"]["png"] and open(result["report"]["png"], "rb").read() == b"IMG:-Tpng"
    assert open(result["report"]["svg"], "rb").read() == b"IMG:-Tsvg"
