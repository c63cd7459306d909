# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tools/lane_time.py: a lane's status, time record and log, and the end of a failed make test."""

import importlib.util
import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_SPEC = importlib.util.spec_from_file_location("lane_time", os.path.join(ROOT, "tools", "lane_time.py"))
lane_time = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lane_time)

SCRIPT = "import sys; print('to stdout', flush=True); print('to stderr', file=sys.stderr, flush=True); sys.exit(3)"


def test_a_lane_with_logs_keeps_its_output_prints_it_and_records_the_failure(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("LANE_LOGS", str(tmp_path / "lanes"))
    monkeypatch.setenv("LANE_TIMES", str(tmp_path / "times.tsv"))
    assert lane_time.main(["lane_time.py", "unit", sys.executable, "-c", SCRIPT]) == 3
    out = capfd.readouterr().out
    assert "to stdout" in out and "to stderr" in out
    assert out.rstrip().splitlines()[-1].startswith("lane unit: FAILED (exit 3), wall ")
    log = (tmp_path / "lanes" / "unit.log").read_text()
    assert "to stdout" in log and "to stderr" in log
    row = (tmp_path / "times.tsv").read_text().split("\t")
    assert row[:2] == ["unit", "failed"]


def test_without_logs_the_output_passes_through_and_no_log_is_written(tmp_path, monkeypatch, capfd):
    monkeypatch.delenv("LANE_LOGS", raising=False)
    monkeypatch.setenv("LANE_TIMES", str(tmp_path / "times.tsv"))
    status = lane_time.main(["lane_time.py", "lint", sys.executable, "-c", "print('checked')"])
    captured = capfd.readouterr()
    assert status == 0 and "checked" in captured.out and "lane lint: passed, wall " in captured.out
    assert (tmp_path / "times.tsv").read_text().startswith("lint\tpassed\t")
    assert sorted(os.listdir(tmp_path)) == ["times.tsv"]


def test_a_process_the_lane_leaves_behind_does_not_hold_it(tmp_path, monkeypatch, capfd):
    # An emulator that outlives a failed lane keeps the lane's output open: the lane still ends.
    monkeypatch.setenv("LANE_LOGS", str(tmp_path / "lanes"))
    monkeypatch.delenv("LANE_TIMES", raising=False)
    pid_file = tmp_path / "pid"
    command = ["sh", "-c", f"sleep 300 & echo $! > {pid_file}; echo started; exit 1"]
    assert lane_time.main(["lane_time.py", "molecule-default"] + command) == 1
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)  # still running, holding the log open, and the lane has ended
        assert "started" in capfd.readouterr().out
    finally:
        os.kill(pid, signal.SIGTERM)


def test_failures_prints_the_end_of_each_failed_lanes_log_without_colours(tmp_path, monkeypatch, capsys):
    lanes = tmp_path / "lanes"
    lanes.mkdir()
    (tmp_path / "times.tsv").write_text(
        "lint\tpassed\t700\t90\nmolecule-dedicated\tfailed\t987\t53\nintegration-2\tfailed\t400\t80\n"
    )
    lines = [f"line {index}" for index in range(1, 51)]
    lines[-1] = "\x1b[31mIdempotence test failed because of the following tasks:\x1b[0m"
    (lanes / "molecule-dedicated.log").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("LANE_TIMES", str(tmp_path / "times.tsv"))
    monkeypatch.setenv("LANE_LOGS", str(lanes))
    assert lane_time.main(["lane_time.py", "--failures"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == f"=== lane molecule-dedicated failed; the last 40 lines of its output ({lanes}/molecule-dedicated.log):"
    )
    assert out[1:41] == lines[10:49] + ["Idempotence test failed because of the following tasks:"]
    assert out[41:43] == [
        "=== lane molecule-dedicated: what failed (the failed task that ended its failed playbook run, each host's failure,"
        " and molecule's verdict):",
        "Idempotence test failed because of the following tasks:",
    ]
    # A failed lane without a log (make test-<lane> run alone) is named, with how to see its output.
    assert out[43:] == ["=== lane integration-2 failed (no log of its output: run make test-integration-2 to see it)"]
    assert not any("lint" in line for line in out)


def test_failures_without_a_record_prints_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LANE_TIMES", str(tmp_path / "missing.tsv"))
    monkeypatch.delenv("LANE_LOGS", raising=False)
    assert lane_time.main(["lane_time.py", "--failures"]) == 0
    assert capsys.readouterr().out == ""


INTEGRATION = """\
PLAY [Run one integration target (-e integration_target=NAME)] *****************

TASK [vpc_routes : A conflict fails (expected)] ********************************
fatal: [localhost]: FAILED! =>
    changed: false
    msg: route conflicts
...ignoring

TASK [vpc_routes : A bad id fails, and the block rescues it] *******************
fatal: [localhost]: FAILED! =>
    msg: 'route_table_ids[0]: rtb-0 not found'

TASK [vpc_routes : The routes are there] ***************************************
fatal: [localhost]: FAILED! =>
    assertion: vpc_routes_result.changed
    changed: false
    evaluated_to: false
    msg: 'the second run changed: rtb-1: add route 10.0.0.0/16
        -> pcx-1'

TASK [vpc_routes : Clean up] ***************************************************
ok: [localhost]

PLAY RECAP *********************************************************************
localhost                  : ok=30   changed=3    unreachable=0    failed=1    skipped=0    rescued=1    ignored=1

make[2]: *** [Makefile:192: integration] Error 1
"""

MOLECULE_IDEMPOTENCE = """\
  \x1b[2m\u2502\x1b[0m PLAY RECAP
  \x1b[2m\u2502\x1b[0m   *******************************************
  \x1b[2m\u2502\x1b[0m shared-services            : ok=43   changed=1    unreachable=0    failed=0
  \x1b[2m\u2502\x1b[0m   skipped=12   rescued=0    ignored=0
  \x1b[2m\u2502\x1b[0m
\x1b[31mCRITICAL\x1b[0m Idempotence test failed because of the following tasks:
* [shared-services] => multiaccount.apigateway.verify : Judge every hop of every published path and write the report
WARNING  An error occurred during the test sequence action: 'idempotence'. Cleaning up.
  \x1b[2m\u2502\x1b[0m PLAY RECAP
  \x1b[2m\u2502\x1b[0m cards                      : ok=36   changed=4    unreachable=0    failed=0
"""

MOLECULE_CONVERGE = """\
  \u2502 TASK [multiaccount.apigateway.preflight : Check every account]
  \u2502 fatal: [shared-services]: FAILED! =>
  \u2502     changed: false
  \u2502     msg: 'shared-services: gateway_vpc_cidr: 10.0.0.0/8 overlaps payments'
  \u2502
  \u2502 PLAY RECAP
  \u2502 shared-services            : ok=3   changed=0    unreachable=0    failed=1
  \u2502
CRITICAL Ansible return code was 2, command was: ['ansible-playbook', 'converge.yml']
  \u2502 PLAY RECAP
  \u2502 shared-services            : ok=9   changed=0    unreachable=0    failed=0
"""


def lines_of(tmp_path, text):
    path = tmp_path / "lane.log"
    path.write_text(text)
    return lane_time.read_lines(str(path))


def test_the_failure_that_ended_the_run_not_the_ignored_or_rescued_ones(tmp_path):
    assert lane_time.failures(lines_of(tmp_path, INTEGRATION)) == [
        [
            "fatal: [localhost]: FAILED! =>",
            "    msg: 'the second run changed: rtb-1: add route 10.0.0.0/16",
            "        -> pcx-1'",
        ]
    ]


STOPPED_BY_ANOTHER = """\
TASK [multiaccount.apigateway.account_credentials : Get this account's credentials] ***
ok: [payments]
fatal: [cards]: FAILED! =>
    changed: false
    msg: 'Could not assume arn:aws:iam::111122223333:role/x: Throttling'

TASK [multiaccount.apigateway.account_credentials : Fail with the reason the credentials could not be had] ***
fatal: [cards]: FAILED! =>
    changed: false
    msg: 'cards: Could not assume arn:aws:iam::111122223333:role/x: Throttling'
fatal: [shared-services]: FAILED! =>
    changed: false
    msg: 'shared-services: stopped, not failed itself'
fatal: [payments]: FAILED! =>
    changed: false
    msg: 'payments: stopped, not failed itself'

PLAY RECAP *********************************************************************
cards                      : ok=2    changed=0    unreachable=0    failed=1    skipped=1    rescued=1    ignored=0
payments                   : ok=3    changed=0    unreachable=0    failed=1    skipped=1    rescued=0    ignored=0
shared-services            : ok=8    changed=0    unreachable=0    failed=1    skipped=1    rescued=0    ignored=0
"""


def test_every_host_of_the_last_failed_task_the_one_that_stopped_the_others_first(tmp_path):
    """any_errors_fatal: the host whose failure stopped the play is not the last one printed."""
    assert lane_time.failures(lines_of(tmp_path, STOPPED_BY_ANOTHER)) == [
        [
            "fatal: [cards]: FAILED! =>",
            "    msg: 'cards: Could not assume arn:aws:iam::111122223333:role/x: Throttling'",
        ],
        ["fatal: [shared-services]: FAILED! =>", "    msg: 'shared-services: stopped, not failed itself'"],
        ["fatal: [payments]: FAILED! =>", "    msg: 'payments: stopped, not failed itself'"],
    ]


def test_molecule_idempotence_verdict_with_its_tasks(tmp_path):
    assert lane_time.failures(lines_of(tmp_path, MOLECULE_IDEMPOTENCE)) == [
        [
            "CRITICAL Idempotence test failed because of the following tasks:",
            "* [shared-services] => multiaccount.apigateway.verify : Judge every hop of every published path and "
            "write the report",
        ]
    ]


def test_molecule_converge_failure_in_its_frame_then_molecules_verdict(tmp_path):
    lines = lines_of(tmp_path, MOLECULE_CONVERGE)
    assert lines[2] == "    changed: false"  # the frame is taken out, the indentation kept
    assert lane_time.failures(lines) == [
        [
            "fatal: [shared-services]: FAILED! =>",
            "    msg: 'shared-services: gateway_vpc_cidr: 10.0.0.0/8 overlaps payments'",
        ],
        ["CRITICAL Ansible return code was 2, command was: ['ansible-playbook', 'converge.yml']"],
    ]


def test_a_run_that_passed_has_no_failure(tmp_path):
    passed = INTEGRATION.replace("failed=1", "failed=0")
    assert lane_time.failures(lines_of(tmp_path, passed)) == []
