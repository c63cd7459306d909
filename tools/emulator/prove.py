# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prove that every fidelity patch is needed: its regression tests must fail without it.

    python tools/emulator/prove.py [G1 G5 ...]

For each patch id (default: all), start an emulator on a free loopback port with
``EMULATOR_DISABLE_PATCHES=<id>``, run the tests named ``test_<id>_*`` of
tests/emulator/test_patches*.py against it, and expect them to fail. Prints one line per patch and
exits 1 when a patch's tests pass without it (the patch is no longer needed: moto fixed the gap) or
when a patch has no test.
"""

import glob
import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAUNCHER = os.path.join(HERE, "launcher.py")
# test_patches.py and the test_patches_<module>.py files of later modules.
TESTS = sorted(glob.glob(os.path.join(ROOT, "tests", "emulator", "test_patches*.py")))
sys.path.insert(0, HERE)
import patches  # noqa: E402  pylint: disable=wrong-import-position


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prove(patch_id, state_dir):
    port = str(free_port())
    env = dict(os.environ, EMULATOR_DISABLE_PATCHES=patch_id)
    base = [sys.executable, LAUNCHER, "--port", port, "--state-dir", state_dir]
    started = subprocess.run(base + ["start"], env=env, capture_output=True, text=True, check=False)
    if started.returncode != 0:
        return "ERROR", f"emulator did not start: {started.stderr.strip()}"
    try:
        env["EMULATOR_URL"] = f"http://127.0.0.1:{port}"
        env.pop("EMULATOR_DISABLE_PATCHES")
        selector = f"test_{patch_id.lower()}_"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", *TESTS, "-q", "-k", selector, "-p", "no:cacheprovider"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
    finally:
        subprocess.run(base + ["stop"], capture_output=True, check=False)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr.strip()
    if run.returncode == 1:
        return "ok", summary
    if run.returncode == 5:
        return "ERROR", f"no test named {selector}*"
    if run.returncode == 0:
        return "NOT NEEDED", summary
    return "ERROR", summary


def main(argv):
    ids = patches.parse_ids(",".join(argv)) if argv else list(patches.PATCHES)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="emulator-prove-") as state_dir:
        for patch_id in ids:
            verdict, detail = prove(patch_id, state_dir)
            failures += verdict != "ok"
            print(f"{patch_id:4} {verdict:10} without the patch: {detail}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
