# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""benchmarks/: the converge / verification split of the AWS calls of a site.yml run."""

import http.server
import importlib.util
import json
import os
import sys
import threading
from types import SimpleNamespace

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _load(name, *path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_stats = _load("bench_stats", "benchmarks", "callback_plugins", "bench_stats.py")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
scale = _load("scale", "benchmarks", "scale.py")


@pytest.fixture
def counter():
    """A call counter on 127.0.0.1 answering as the emulator's; ``counter["total"]`` is what it says next."""
    state = {"total": 0, "reads": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            state["reads"] += 1
            body = json.dumps({"total": state["total"], "calls": {"ec2:DescribeVpcs": state["total"]}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/moto-api/emulator/calls"
    yield state
    server.shutdown()


def play(*tags):
    return SimpleNamespace(tags=list(tags))


def stats():
    return SimpleNamespace(processed={}, summarize=lambda host: {})


def test_the_counter_is_read_when_the_first_verify_play_starts(counter, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_CALLS_URL", counter["url"])
    monkeypatch.setenv("BENCH_STATS_FILE", str(tmp_path / "stats.json"))
    callback = bench_stats.CallbackModule()
    counter["total"] = 5
    callback.v2_playbook_on_play_start(play("always"))
    counter["total"] = 122
    callback.v2_playbook_on_play_start(play("verify"))
    counter["total"] = 140
    callback.v2_playbook_on_play_start(play("verify"))  # the judge's play: not read again
    callback.v2_playbook_on_stats(stats())
    report = json.loads((tmp_path / "stats.json").read_text())
    assert report["calls_before_verify"] == {"total": 122, "calls": {"ec2:DescribeVpcs": 122}}
    assert counter["reads"] == 1


def test_no_split_without_a_verify_play_or_without_the_url(counter, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_STATS_FILE", str(tmp_path / "stats.json"))
    monkeypatch.setenv("BENCH_CALLS_URL", counter["url"])
    callback = bench_stats.CallbackModule()
    callback.v2_playbook_on_play_start(play())  # the stock baseline: no verify play
    callback.v2_playbook_on_stats(stats())
    assert "calls_before_verify" not in json.loads((tmp_path / "stats.json").read_text())

    monkeypatch.delenv("BENCH_CALLS_URL")
    callback = bench_stats.CallbackModule()
    callback.v2_playbook_on_play_start(play("verify"))
    callback.v2_playbook_on_stats(stats())
    assert "calls_before_verify" not in json.loads((tmp_path / "stats.json").read_text())
    assert counter["reads"] == 0


def test_only_a_loopback_counter_is_read(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("no request may leave the loopback")

    monkeypatch.setattr(bench_stats.urllib.request, "urlopen", refuse)
    assert bench_stats.read_calls("http://10.0.0.1:5050/moto-api/emulator/calls") is None
    assert bench_stats.read_calls("http://emulator.example:5050/moto-api/emulator/calls") is None


def test_the_summary_says_how_many_calls_the_verification_made():
    run = {"converge_calls": 39, "verify_calls": 27}
    assert scale.split_text(run) == "; converge 39, verification 27"
    assert scale.split_text({"converge_calls": None, "verify_calls": None}) == ""


KEYS = [column[0] for column in scale.COLUMNS]


def test_the_median_keeps_the_split_only_when_every_run_has_it():
    runs = [
        dict(dict.fromkeys(KEYS, 1), exit=0, converge_calls=120, verify_calls=27),
        dict(dict.fromkeys(KEYS, 2), exit=0, converge_calls=124, verify_calls=25),
        dict(dict.fromkeys(KEYS, 3), exit=2, converge_calls=122, verify_calls=26),
    ]
    merged = scale.median_run(runs)
    assert (merged["converge_calls"], merged["verify_calls"], merged["exit"]) == (122, 26, 2)
    runs[1]["converge_calls"] = runs[1]["verify_calls"] = None
    assert scale.median_run(runs)["converge_calls"] is None


def test_the_cpu_budget_says_how_busy_a_run_kept_the_machine(monkeypatch):
    monkeypatch.setattr(scale.os, "cpu_count", lambda: 2)
    run = {"cpu": 36.0, "emulator_cpu": 8.0, "wall": 25.0}
    assert scale.cpu_budget("D cold", run) == (
        "D cold: 44.0 CPU-s (ansible-playbook 36.0 + emulator 8.0) in 25.0 s on 2 CPUs (88% busy)"
    )


def test_the_cpu_floor_is_the_shortest_wall_the_cpu_work_allows(monkeypatch):
    monkeypatch.setattr(scale.os, "cpu_count", lambda: 2)
    d = {
        "cpu": 38.4,
        "emulator_cpu": 5.8,
        "wall": 25.1,
        "task_runs": 542,
        "tasks_per_host": dict.fromkeys("abcdefghijklmnopqrstu", 1),
    }
    a = {"cpu": 7.6, "emulator_cpu": 0.5, "wall": 5.9, "task_runs": 90, "tasks_per_host": dict.fromkeys("abc", 1)}
    assert scale.cpu_floor("D cold", d, a) == (
        "D cold's 44.2 CPU-s on 2 CPUs with none idle: at least 22.1 s = 3.75x;"
        " task runs 542 on 21 hosts against 90 on 3, 82 / 90 ms CPU each"
    )
    # Results of an older benchmark have no task runs: the rest is still said.
    del a["task_runs"]
    assert scale.cpu_floor("D cold", d, a).endswith("against ? on 3, 82 / ? ms CPU each")


def test_a_run_counts_the_cpu_of_what_it_started(monkeypatch, tmp_path):
    """Bench.run measures the CPU of the ansible-playbook it starts (here a stand-in that burns some) and
    the emulator's, from the counter of the control endpoint."""
    counter = iter([10.0, 12.5])
    replies = {"/moto-api/emulator/calls": {"total": 3, "calls": {"ec2:DescribeVpcs": 3}}}

    def fake_emulator(url, path, method="GET", body=None):
        if path == "/moto-api/emulator":
            return {"cpu_seconds": next(counter)}
        return replies.get(path) if method == "GET" else None

    monkeypatch.setattr(scale, "emulator", fake_emulator)
    monkeypatch.setattr(scale, "LOG_DIR", str(tmp_path))
    monkeypatch.setattr(scale, "PROGRESS", False)
    burner = tmp_path / "ansible-playbook"
    burner.write_text(
        f"#!{sys.executable}\nimport time\nend = time.process_time() + 0.3\nwhile time.process_time() < end:\n    pass\n"
    )
    burner.chmod(0o755)
    monkeypatch.setattr(scale.sys, "executable", str(tmp_path / "python"))
    bench = scale.Bench("http://127.0.0.1:1", str(tmp_path), keep_logs=True, work_dir=str(tmp_path))
    run = bench.run("A", "3svc", "collection", "cold", str(tmp_path / "inventory"))
    assert run["emulator_cpu"] == 2.5
    assert run["cpu"] >= 0.3
    assert run["calls"] == 3
