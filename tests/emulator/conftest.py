# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for the emulator regression tests.

One patched emulator per session: ``EMULATOR_URL`` when set (nothing is started or stopped), else the
launcher starts one on a free loopback port with its files in a temporary state dir and stops it at
the end. Every test starts from an empty emulator (moto reset API) with the realism knobs at 0.
"""

import os
import sys
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_support import (  # noqa: E402  pylint: disable=wrong-import-position
    Accounts,
    Emulator,
    free_port,
    launcher,
)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    url = os.environ.get("EMULATOR_URL")
    if url:
        host = urllib.parse.urlsplit(url).hostname or ""
        assert host.startswith("127."), f"EMULATOR_URL must name a loopback emulator, got {url}"
        yield Emulator(url.rstrip("/"))
        return
    port = free_port()
    state_dir = str(tmp_path_factory.mktemp("emulator-state"))
    started = launcher("--port", str(port), "--state-dir", state_dir, "start")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield Emulator(f"http://127.0.0.1:{port}", port, state_dir)
    finally:
        stopped = launcher("--port", str(port), "--state-dir", state_dir, "stop")
    # stop is part of the launcher's contract: SIGTERM, clean exit, pidfile gone, status "down"
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert not os.path.exists(os.path.join(state_dir, f"emulator-{port}.pid"))
    assert launcher("--port", str(port), "--state-dir", state_dir, "status").returncode == 3
    with open(os.path.join(state_dir, f"emulator-{port}.log"), encoding="utf-8") as handle:
        assert "stopped" in handle.read().splitlines()[-1]


@pytest.fixture(autouse=True)
def clean_state(emulator):
    emulator.reset()


@pytest.fixture
def aws(emulator):
    return Accounts(emulator.url)
