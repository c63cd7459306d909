# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Kill a command hard as soon as the emulator has served a given AWS call, like a lost controller.

    python interrupt.py --call 'elasticloadbalancing:CreateLoadBalancer' --timeout 300 --log run1.log \\
        [--not-reached 'apigateway:POST /vpclinks' ...] [--interval 0.2] -- ansible-playbook ...args

Starts the command in a process group (and session) of its own, its output to --log, and polls the
calls endpoint of the emulator at $AWS_ENDPOINT_URL (``GET /moto-api/emulator/calls``; only a loopback
emulator is accepted) every --interval seconds. As soon as the count of the call key --call rises above
its value at start, the command is killed with SIGKILL: its process group, then every other process
descended from it. ansible-playbook's workers call setsid(), so they, and the modules they run, are in
sessions of their own that a kill of the process group alone would miss: a module in flight would go
on and finish its work after its controller is gone. This tool becomes a child subreaper (Linux) so
that the descendants of a killed process are re-parented to it, kills until none is left, and reaps
them. No graceful stop: nothing of the command runs after the kill.

The emulator answers the call --pause seconds late (default 30; ``POST /moto-api/emulator/pause``), so
the kill lands while the module that made the call still waits for its answer: nothing after it runs,
however late a loaded machine lets this tool poll. With --pause 0, the kill lands within one poll (plus
the time to walk /proc) after the call: a module that makes many calls in quick succession may have
made a few more by then, and which ones varies from run to run.

A key names one counter of the emulator exactly, as the endpoint reports it: ``service:Action`` for
query and JSON protocols (``elasticloadbalancing:CreateLoadBalancer``, ``ec2:CreateVpc``), and
``service:METHOD /path`` with every id segment as ``*`` for REST ones. ``apigateway:POST /restapis``
is CreateRestApi only: it does not match ``apigateway:POST /restapis/*/resources/*``, which starts
with the same text.

Exit status:
  0  the call was seen and the command killed; prints the key, how long the run lasted, and the
     write calls (not Describe/Get/List/GET) the run made, kill included, with their counts;
  1  the command ended by itself before the call was seen (the interruption did not happen), a
     --not-reached key rose during the run (the run got past the phase it was meant to stop in, or
     created again what an earlier run created), or an AWS call arrived after the kill (something
     survived it);
  2  usage: bad arguments, AWS_ENDPOINT_URL missing or not loopback, emulator not answering;
  3  --timeout seconds passed without the call (the command is killed too).
"""

import argparse
import ctypes
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

PR_SET_CHILD_SUBREAPER = 36
READS = ("Describe", "Get", "List")


def die(message, status=2):
    print(f"interrupt: {message}", file=sys.stderr)
    sys.exit(status)


def endpoint_calls_url():
    """The calls endpoint of the emulator at $AWS_ENDPOINT_URL; exit 2 unless it is on loopback."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    parsed = urllib.parse.urlsplit(endpoint)
    host = parsed.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parsed.scheme != "http" or not loopback:
        die(f"AWS_ENDPOINT_URL must be an http URL of a loopback emulator, not {endpoint!r}")
    return endpoint.rstrip("/") + "/moto-api/emulator/calls"


def set_pause(url, call, seconds):
    """Ask the emulator to answer the next ``call`` ``seconds`` late (``seconds`` 0: end the pause)."""
    pause = url.replace("/moto-api/emulator/calls", "/moto-api/emulator/pause")
    body = json.dumps({"call": call, "seconds": seconds}).encode() if seconds else None
    request = urllib.request.Request(pause, data=body, method="POST" if seconds else "DELETE")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:  # nosec - a loopback emulator only
        return json.load(answer)


def read_calls(url):
    """``{key: count}`` of every AWS call the emulator has served."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)["calls"]


def become_subreaper():
    """Orphaned descendants come to this process instead of init (Linux); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(root):
    """Pids of every live process below ``root``, read from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, the last ")" ends it.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry)] = int(fields[1])
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def reap():
    """Collect the exit status of every child that has ended (re-parented orphans included)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all(proc):
    """SIGKILL the command's process group and every process descended from this one; the pids killed."""
    # The tree is read before the first kill, while every process still hangs below the command, and
    # killed in one go; the later passes catch what forked in between (re-parented to this process).
    alive = descendants(os.getpid())
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    killed = set()
    deadline = time.monotonic() + 30
    while alive:
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        if proc.returncode is None:
            proc.wait(timeout=30)  # before reap(): Popen must collect its own exit status
        reap()
        if time.monotonic() > deadline:
            die(f"processes still alive after the kill: {sorted(descendants(os.getpid()))}", 1)
        time.sleep(0.05)
        alive = descendants(os.getpid())
    proc.wait(timeout=30)
    reap()
    return killed


def writes(before, after):
    """``key +n`` for every call that is not a read and rose between the two counts."""
    return [
        f"{key} +{after[key] - before.get(key, 0)}"
        for key in sorted(after)
        if after[key] > before.get(key, 0)
        and not key.split(":", 1)[1].startswith(READS)
        and not key.split(":", 1)[1].startswith("GET ")
    ]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Kill a command (SIGKILL, whole process tree) as soon as the emulator served a given call."
    )
    parser.add_argument("--call", required=True, help="the call key to wait for, exactly as the emulator counts it")
    parser.add_argument("--timeout", type=float, default=300, help="give up (and kill) after that many seconds")
    parser.add_argument("--log", required=True, help="file for the output of the command")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between two polls (default 0.2)")
    parser.add_argument(
        "--pause",
        type=float,
        default=30,
        help=(
            "the emulator answers the first --call that many seconds late (default 30; 0: not), so that the kill"
            " lands while the run waits for that answer, however slowly a loaded machine lets this tool poll"
        ),
    )
    parser.add_argument(
        "--not-reached",
        action="append",
        default=[],
        metavar="KEY",
        help=(
            "a call key the run must not make before it is killed (repeatable): one of a later phase (else the"
            " kill came too late) or the creation of what an earlier run created (else it is created twice)"
        ),
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("no command: give it after --")
    if not 0 <= args.pause <= 600:
        parser.error("--pause is from 0 to 600 seconds")
    if ":" not in args.call or any(":" not in key for key in args.not_reached):
        parser.error(
            "a call key is service:Action or service:METHOD /path, e.g. elasticloadbalancing:CreateLoadBalancer"
        )
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    url = endpoint_calls_url()
    try:
        start = read_calls(url)
        if args.pause:
            set_pause(url, args.call, args.pause)
    except (OSError, ValueError, KeyError) as error:
        die(f"the emulator does not answer at {url}: {error}")
    try:
        return interrupt(args, url, start)
    finally:
        if args.pause:
            set_pause(url, args.call, 0)


def interrupt(args, url, start):
    """Run the command, kill it once ``args.call`` is seen; the exit status of main()."""
    subreaper = become_subreaper()
    began = time.monotonic()
    with open(args.log, "wb") as log:
        proc = subprocess.Popen(
            args.command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    outcome = None
    while outcome is None:
        ended = proc.poll() is not None
        try:
            seen = read_calls(url).get(args.call, 0) > start.get(args.call, 0)
        except (OSError, ValueError, KeyError) as error:
            kill_all(proc)
            die(f"the emulator stopped answering at {url}: {error}")
        if ended:
            outcome = "ended"
        elif seen:
            outcome = "seen"
        elif time.monotonic() - began > args.timeout:
            outcome = "timeout"
        else:
            time.sleep(args.interval)
    lasted = time.monotonic() - began
    killed = kill_all(proc) if outcome != "ended" else set()
    if outcome == "seen" and proc.returncode != -signal.SIGKILL:
        outcome = "ended"  # it ended by itself between the last two polls: not an interruption either
    after = read_calls(url)
    time.sleep(1)
    late = {key: n - after.get(key, 0) for key, n in read_calls(url).items() if n > after.get(key, 0)}
    made = writes(start, after)
    print(f"interrupt: write calls of the run: {', '.join(made) or 'none'}")
    if outcome == "ended":
        print(
            f"interrupt: FAILED: the command ended by itself (exit {proc.returncode}) after {lasted:.1f} s, "
            f"{'having called' if after.get(args.call, 0) > start.get(args.call, 0) else 'without calling'} "
            f"{args.call}: nothing was interrupted (output in {args.log})",
            file=sys.stderr,
        )
        return 1
    if outcome == "timeout":
        print(f"interrupt: FAILED: no {args.call} within {args.timeout:g} s; the command was killed", file=sys.stderr)
        return 3
    print(
        f"interrupt: saw {args.call} after {lasted:.1f} s, killed the command with SIGKILL "
        f"({len(killed)} processes{'' if subreaper else ', no subreaper: orphans of killed parents may be missed'})"
    )
    problems = []
    too_late = [key for key in args.not_reached if after.get(key, 0) > start.get(key, 0)]
    if too_late:
        problems.append(
            f"the run called {', '.join(too_late)} before it was killed: the kill came too late (after the phase"
            " it was meant to stop in), or the run created again what an earlier run had created"
        )
    if late:
        problems.append(f"AWS calls arrived after the kill (something survived it): {late}")
    if problems:
        print(f"interrupt: FAILED: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
