# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run one ``make test`` lane and report its wall time and the CPU time of everything it ran.

Usage: python tools/lane_time.py NAME COMMAND [ARG...]

Prints ``lane NAME: wall W s, cpu C s (user U s, sys S s)`` when COMMAND ends, and appends
``NAME<TAB>status<TAB>wall<TAB>cpu`` to the file named by $LANE_TIMES when it is set, so that
``make test`` can print one table of every lane. The CPU time is that of the waited-for process
tree (the emulator of the lane reports its own when it stops). Exits with COMMAND's status.
"""

import os
import resource
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    name, command = argv[1], argv[2:]
    started = time.monotonic()
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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
