# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count what a playbook run executed, per host, for benchmarks/scale.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_stats
type: aggregate
short_description: Write per-host task and AWS module execution counts as JSON
description:
  - Used by C(benchmarks/scale.py) only, which enables it with E(ANSIBLE_CALLBACK_PLUGINS) and
    E(ANSIBLE_CALLBACKS_ENABLED); it is not part of the collection.
  - At the end of the run it writes JSON to the path in E(BENCH_STATS_FILE) (nothing when unset).
  - Per host, C(tasks) counts the task results that were not skipped (includes, C(set_fact) and
    C(assert) count too; a task with a loop counts once).
  - C(aws_module_runs) counts executions of modules that talk to AWS, that is whose resolved action is an
    C(amazon.aws.*), C(community.aws.*) or C(multiaccount.apigateway.*) module other than
    C(multiaccount.apigateway.preflight) and C(multiaccount.apigateway.path_verify) (which run locally);
    every loop item counts once, skipped items do not count. C(multiaccount.apigateway.identity_guard)
    counts only when its module ran (its action plugin answers on the controller when the credentials
    are the ones account_credentials verified).
  - C(changed) and C(failed) count task results (a task with a loop counts once), as in the play recap;
    C(failed) leaves out failures with C(ignore_errors), counted in C(ignored), and adds unreachable results.
  - With E(BENCH_CALLS_URL) (the emulator's call counter, on a 127.0.0.0/8 address), C(calls_before_verify)
    is what the counter held when the first play tagged C(verify) started, that is the calls of the converge
    (the plays before the verification; each play ends before the next starts). Absent without such a play.
requirements:
  - enabled in the callback allow list (E(ANSIBLE_CALLBACKS_ENABLED=bench_stats))
"""

import ipaddress
import json
import os
import urllib.parse
import urllib.request
from collections import Counter

from ansible.plugins.callback import CallbackBase

AWS_PREFIXES = ("amazon.aws.", "community.aws.", "multiaccount.apigateway.")
LOCAL_MODULES = frozenset(("multiaccount.apigateway.preflight", "multiaccount.apigateway.path_verify"))
GUARD = "multiaccount.apigateway.identity_guard"
COUNTERS = ("tasks", "aws_module_runs", "changed", "failed", "ignored", "unreachable", "skipped")


def _task(result):
    return getattr(result, "task", None) or result._task  # pylint: disable=protected-access


def _host(result):
    return (getattr(result, "host", None) or result._host).get_name()  # pylint: disable=protected-access


def _data(result):
    data = getattr(result, "result", None)
    return data if data is not None else result._result  # pylint: disable=protected-access


def read_calls(url):
    """The emulator's call counter (``{"total", "calls"}``) at ``url``; None unless it is on a loopback address."""
    try:
        loopback = ipaddress.ip_address(urllib.parse.urlsplit(url).hostname or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return None
    with urllib.request.urlopen(url, timeout=30) as response:  # nosec - loopback emulator only
        found = json.loads(response.read())
    return {"total": found.get("total", 0), "calls": found.get("calls", {})}


def _has_loop(task):
    return task.loop is not None or bool(task.loop_with)


def aws_module(task):
    """FQCN of the AWS module a task runs, or None (not an AWS module, or a local one)."""
    if getattr(task, "implicit", False):
        return None
    try:
        action = task.resolved_action or ""
    except Exception:  # pylint: disable=broad-except
        action = str(task.action or "")
    if action.startswith(AWS_PREFIXES) and action not in LOCAL_MODULES:
        return action
    return None


class CallbackModule(CallbackBase):
    """Aggregate counts per host, written as JSON to $BENCH_STATS_FILE by v2_playbook_on_stats."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_stats"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.hosts = {}
        self.modules = Counter()
        self.calls_before_verify = None

    def v2_playbook_on_play_start(self, play):
        url = os.environ.get("BENCH_CALLS_URL")
        if url and self.calls_before_verify is None and "verify" in (play.tags or []):
            self.calls_before_verify = read_calls(url)

    def _count(self, host, key, amount=1):
        counts = self.hosts.setdefault(host, dict.fromkeys(COUNTERS, 0))
        counts[key] += amount

    def _module_run(self, result):
        module = aws_module(_task(result))
        if module == GUARD and _data(result).get("verified_by") == "account_credentials":
            return  # its action plugin answered on the controller: no module ran, no AWS call
        if module:
            self._count(_host(result), "aws_module_runs")
            self.modules[module] += 1

    def _task_done(self, result, failed=False, ignored=False):
        task = _task(result)
        if getattr(task, "implicit", False):
            return
        host = _host(result)
        self._count(host, "tasks")
        if _data(result).get("changed"):
            self._count(host, "changed")
        if failed:
            self._count(host, "ignored" if ignored else "failed")
        if not _has_loop(task):
            self._module_run(result)

    def v2_runner_on_ok(self, result):
        self._task_done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._task_done(result, failed=True, ignored=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._count(_host(result), "tasks")
        self._count(_host(result), "unreachable")

    def v2_runner_on_skipped(self, result):
        self._count(_host(result), "skipped")

    def v2_runner_item_on_ok(self, result):
        self._module_run(result)

    def v2_runner_item_on_failed(self, result):
        self._module_run(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCH_STATS_FILE")
        if not path:
            return
        for host in stats.processed:
            self.hosts.setdefault(host, dict.fromkeys(COUNTERS, 0))
        totals = dict.fromkeys(COUNTERS, 0)
        for counts in self.hosts.values():
            for key in COUNTERS:
                totals[key] += counts[key]
        report = {
            "hosts": dict(sorted(self.hosts.items())),
            "totals": totals,
            "aws_modules": dict(sorted(self.modules.items())),
            "recap": {host: stats.summarize(host) for host in sorted(stats.processed)},
        }
        if self.calls_before_verify is not None:
            report["calls_before_verify"] = self.calls_before_verify
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1, sort_keys=True)
