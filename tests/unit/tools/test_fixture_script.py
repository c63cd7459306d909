# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tests/integration/lookup_plugins/fixture_script.py: a fixture script runs in-process as it would in a
Python of its own, and leaves the process as it found it."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleError

PLUGIN = Path(__file__).resolve().parents[2] / "integration" / "lookup_plugins" / "fixture_script.py"
SPEC = importlib.util.spec_from_file_location("fixture_script_under_test", PLUGIN)
fixture_script = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(fixture_script)

SCRIPT = """
import json, os, sys
if __name__ == "__main__":
    data = json.load(sys.stdin) if sys.argv[1] == "stdin" else None
    if sys.argv[1] == "fail":
        print("half", flush=True)
        sys.stderr.write("no such API\\n")
        sys.exit(3)
    if sys.argv[1] == "raise":
        raise RuntimeError("boom")
    print(json.dumps({"argv": sys.argv[1:], "stdin": data, "key": os.environ.get("FIXTURE_KEY")}))
"""


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "fixture.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return str(path)


def test_argv_environment_and_stdin_reach_the_script_and_are_put_back(script, monkeypatch):
    monkeypatch.delenv("FIXTURE_KEY", raising=False)
    argv, stdin = sys.argv, sys.stdin
    status, out, err = fixture_script.run_script(script, ["stdin", 7], {"FIXTURE_KEY": "k"}, '{"a": 1}')
    assert (status, err) == (0, "")
    assert out.strip() == '{"argv": ["stdin", "7"], "stdin": {"a": 1}, "key": "k"}'
    assert "FIXTURE_KEY" not in os.environ
    assert (sys.argv, sys.stdin) == (argv, stdin)


def test_an_existing_variable_gets_its_value_back(script, monkeypatch):
    monkeypatch.setenv("FIXTURE_KEY", "before")
    assert '"key": "during"' in fixture_script.run_script(script, ["x"], {"FIXTURE_KEY": "during"})[1]
    assert os.environ["FIXTURE_KEY"] == "before"


def test_exit_status_and_stderr_fail_the_lookup(script):
    assert fixture_script.run_script(script, ["fail"]) == (3, "half\n", "no such API\n")
    with pytest.raises(AnsibleError, match=r"fixture.py fail exited 3: no such API"):
        fixture_script.LookupModule().run([script, "fail"])


def test_an_exception_fails_with_its_traceback(script):
    status, stdout, err = fixture_script.run_script(script, ["raise"])
    assert (status, stdout) == (1, "") and "RuntimeError: boom" in err


def test_the_lookup_returns_what_the_script_printed_and_refuses_unknown_options(script):
    assert fixture_script.LookupModule().run([script, "x"], environment={"FIXTURE_KEY": "v"})[0].startswith('{"argv"')
    with pytest.raises(AnsibleError, match="unknown option"):
        fixture_script.LookupModule().run([script, "x"], env={})
    with pytest.raises(AnsibleError, match="first term"):
        fixture_script.LookupModule().run([])


def test_boto3_default_session_is_not_kept_across_runs(tmp_path):
    boto3 = pytest.importorskip("boto3")
    path = tmp_path / "session.py"
    path.write_text("import boto3\nboto3.setup_default_session(region_name='eu-west-1')\n", encoding="utf-8")
    before = boto3.DEFAULT_SESSION
    assert fixture_script.run_script(str(path), [])[0] == 0
    assert boto3.DEFAULT_SESSION is before
