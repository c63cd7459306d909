# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one ``make test`` lane and report its wall time and the CPU time of everything it ran.

Usage: python tools/lane_time.py NAME COMMAND [ARG...]
       python tools/lane_time.py --failures

Prints ``lane NAME: wall W s, cpu C s (user U s, sys S s)`` when COMMAND ends, and appends
``NAME<TAB>status<TAB>wall<TAB>cpu`` to the file named by $LANE_TIMES when it is set, so that
``make test`` can print one table of every lane. The CPU time is that of the waited-for process
tree (the emulator of the lane reports its own when it stops). Exits with COMMAND's status.

When $LANE_LOGS names a directory, COMMAND's output (standard output and error) also goes to
``$LANE_LOGS/NAME.log``, and is printed when COMMAND ends instead of as it comes (``make test`` prints
each lane's output when the lane ends anyway: ``--output-sync``).

``--failures`` prints, for each lane that $LANE_TIMES records as failed, the last lines of its log
(colours taken out) and then what failed (see ``failures``: the task failure that ended its failed
playbook run, molecule's verdict): the end of ``make test``'s output, which is what a CI page shows first,
then says why it failed, not only which lane did. A molecule scenario tears down after a failure and an
integration target cleans up, so the cause is often well before the last lines.
"""

import os
import re
import resource
import shutil
import subprocess
import sys
import time

TAIL_LINES = 40
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Molecule draws its playbook output in a box: "  │ fatal: [...]" (the indentation after it is kept).
FRAME = re.compile(r"^\s*[\u2502\u2514\u250c]\u2500* ?")
FATAL = re.compile(r"^(fatal|failed): \[")
VERDICT = re.compile(r"Idempotence test failed|^CRITICAL\b")
LISTED = re.compile(r"^\* \[[^\]]+\] => ")
MESSAGE = re.compile(r"^(\s*)msg:")
HEADERS = ("TASK [", "PLAY [", "PLAY RECAP", "RUNNING HANDLER [")
COUNTED = re.compile(r"\b(failed|unreachable)=[1-9]")
RECAP_LINES = 100
FAILURES_KEPT, HOSTS_KEPT, BLOCK_LINES, LINE_CHARS = 2, 4, 12, 300


def run_lane(name, command):
    logs = os.environ.get("LANE_LOGS")
    started = time.monotonic()
    if logs:
        os.makedirs(logs, exist_ok=True)
        path = os.path.join(logs, f"{name}.log")
        # A file, not a pipe: a process the lane leaves behind (an emulator that outlives a failure) cannot
        # keep this script waiting for the end of its output.
        with open(path, "wb") as log:
            status = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, close_fds=False)
        sys.stdout.flush()
        with open(path, "rb") as log:
            shutil.copyfileobj(log, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        status = subprocess.call(command, close_fds=False)  # keeps make's jobserver for sub-makes
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    verdict = "passed" if status == 0 else f"FAILED (exit {status})"
    print(
        f"lane {name}: {verdict}, wall {wall:.0f} s, cpu {cpu:.0f} s "
        f"(user {usage.ru_utime:.0f} s, sys {usage.ru_stime:.0f} s)",
        flush=True,
    )
    record = os.environ.get("LANE_TIMES")
    if record:
        with open(record, "a", encoding="utf-8") as handle:
            handle.write(f"{name}\t{'passed' if status == 0 else 'failed'}\t{wall:.0f}\t{cpu:.0f}\n")
    return status


def failed_lanes(times_path):
    """The names of the lanes that ``times_path`` (the $LANE_TIMES file) records as failed, in its order."""
    try:
        with open(times_path, encoding="utf-8") as handle:
            rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
    except OSError:
        return []
    return [row[0] for row in rows if len(row) > 1 and row[1] == "failed"]


def read_lines(path):
    """The lines of ``path``, colours and molecule's frame taken out, right-stripped; None when unreadable."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    return [FRAME.sub("", ANSI.sub("", line)).rstrip() for line in text.splitlines()]


def _message(block):
    """The first line of a failed task's result and its ``msg`` (with the lines that continue it)."""
    for index, line in enumerate(block):
        found = MESSAGE.match(line)
        if found:
            indent = len(found.group(1))
            end = index + 1
            while end < len(block) and len(block[end]) - len(block[end].lstrip()) > indent:
                end += 1
            return [block[0]] + block[index:end]
    return block


def _recap(lines, index):
    """The host lines of the play recap at ``index`` (up to the first blank line)."""
    hosts = []
    for line in lines[index + 1 : index + 1 + RECAP_LINES]:
        if not line.strip():
            break
        hosts.append(line)
    return hosts


def _tasks(lines, start, stop):
    """The failures of ``lines[start:stop]`` that were not ignored, in order, a list per task that has any
    (see failures)."""
    found, task, ignored, index = [], [], False, start
    while index < stop:
        line = lines[index]
        end = index + 1
        if line.startswith(HEADERS):
            found.extend([] if ignored or not task else [task])
            task, ignored = [], False
        elif line.strip().endswith("...ignoring"):
            ignored = True
        elif FATAL.search(line):
            while end < stop and lines[end] and not lines[end].startswith(HEADERS) and not FATAL.search(lines[end]):
                end += 1
            task.append(_message(lines[index:end]))
        elif VERDICT.search(line):
            while end < stop and LISTED.search(lines[end]):
                end += 1
            task.append(lines[index:end])
        index = end
    found.extend([] if ignored or not task else [task])
    return found


def _blocks(lines, start, stop):
    """The failures of ``lines[start:stop]`` that were not ignored, in order."""
    return [block for task in _tasks(lines, start, stop) for block in task]


def failures(lines):
    """What made a lane fail, as lists of lines: the failures that ended the last playbook run whose recap
    counts a failed or unreachable host (Ansible ``fatal:`` / ``failed:`` results: the first line and the
    ``msg`` of each host's), then what molecule said after it (``CRITICAL ...``, or the tasks that were not
    idempotent).

    Only that run's last failed task: the tests fail tasks on purpose, and a failure that a block rescued
    looks the same in the output (one that was ignored says ``...ignoring``, and is left out). Every host
    of that task, up to HOSTS_KEPT: in a play with any_errors_fatal the host whose failure stopped the
    others is often not the last one printed. Without such a recap (an idempotence verdict, pytest), the
    last molecule verdicts only."""
    recaps = [index for index, line in enumerate(lines) if line.startswith("PLAY RECAP")]
    failed_runs = [index for index in recaps if any(COUNTED.search(line) for line in _recap(lines, index))]
    kept = []
    if failed_runs:
        recap = failed_runs[-1]
        begin = max([index for index in recaps if index < recap], default=-1) + 1
        kept = ([[]] + _tasks(lines, begin, recap))[-1][:HOSTS_KEPT]
        after = recap
    else:
        after = 0
    kept += [block for block in _blocks(lines, after, len(lines)) if VERDICT.search(block[0])][-FAILURES_KEPT:]
    return [[line[:LINE_CHARS] for line in block[:BLOCK_LINES]] for block in kept]


def print_failures():
    times, logs = os.environ.get("LANE_TIMES"), os.environ.get("LANE_LOGS")
    for name in failed_lanes(times) if times else []:
        path = os.path.join(logs, f"{name}.log") if logs else None
        lines = read_lines(path) if path else None
        if lines is None:
            print(f"=== lane {name} failed (no log of its output: run make test-{name} to see it)")
            continue
        print(f"=== lane {name} failed; the last {TAIL_LINES} lines of its output ({path}):")
        print("\n".join(lines[-TAIL_LINES:]))
        blocks = failures(lines)
        if blocks:
            print(
                f"=== lane {name}: what failed (the failed task that ended its failed playbook run, each host's"
                " failure, and molecule's verdict):"
            )
            for block in blocks:
                print("\n".join(block))
    return 0


def main(argv):
    if argv[1:] == ["--failures"]:
        return print_failures()
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    return run_lane(argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
