# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tools/get_pip_standin.py: get-pip's job (the requested pip, setuptools and wheel unless left out) in
one pip run from the interpreter's bundled pip wheel, or after ensurepip without one."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "get_pip_standin.py"
SPEC = importlib.util.spec_from_file_location("get_pip_standin_under_test", TOOL)
standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(standin)

ANSIBLE_TEST_ARGS = ["--no-setuptools", "--no-wheel", "--disable-pip-version-check", "pip==24.2"]


def test_one_run_of_the_bundled_pip_for_ansible_tests_arguments():
    steps = standin.steps(ANSIBLE_TEST_ARGS, "/py/ensurepip/_bundled/pip-23.2.1-py3-none-any.whl")
    assert steps == [
        [
            sys.executable,
            "/py/ensurepip/_bundled/pip-23.2.1-py3-none-any.whl/pip",
            "install",
            "--upgrade",
            "--disable-pip-version-check",
            "pip==24.2",
        ]
    ]


@pytest.mark.parametrize(
    "argv, added",
    [
        ([], ["pip", "setuptools", "wheel"]),
        (["pip<25"], ["setuptools", "wheel"]),
        (["--no-wheel", "Setuptools==70.0"], ["pip"]),
        (["--no-setuptools"], ["pip", "wheel"]),
    ],
)
def test_what_get_pip_installs_unless_told_otherwise(argv, added):
    [step] = standin.steps(argv, "pip.whl")
    assert step[4:] == [arg for arg in argv if arg not in standin.OWN_FLAGS] + added


def test_without_a_bundled_wheel_ensurepip_first_and_setuptools_out_when_asked():
    steps = standin.steps(ANSIBLE_TEST_ARGS, None)
    assert steps[0] == [sys.executable, "-m", "ensurepip", "--upgrade"]
    assert steps[1] == [sys.executable, "-m", "pip", "install", "--upgrade", "--disable-pip-version-check", "pip==24.2"]
    assert steps[2] == [sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"]
    assert len(standin.steps(["pip==24.2"], None)) == 2


def test_the_bundled_wheel_is_a_pip_this_python_runs():
    wheel = standin.bundled_pip()
    if wheel is None:
        pytest.skip("this Python bundles no pip wheel")
    done = subprocess.run(
        [sys.executable, f"{wheel}/pip", "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.startswith("pip ")


def test_the_first_failing_step_stops_the_stand_in(monkeypatch):
    calls = []
    monkeypatch.setattr(standin, "bundled_pip", lambda: None)
    monkeypatch.setattr(standin.sys, "argv", ["get-pip.py", "pip==24.2"])
    monkeypatch.setattr(standin.subprocess, "call", lambda step: calls.append(step) or 7)
    assert standin.main() == 7
    assert len(calls) == 1
