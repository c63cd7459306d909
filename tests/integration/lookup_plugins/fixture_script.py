# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a fixture script of an integration target (``files/*.py``, boto3) in the Ansible worker and
return what it printed, for tests/integration/run_target.yml (a lookup plugin next to a playbook is
found by name).

    lookup('fixture_script', role_path ~ '/files/api_state.py', 'by-id', api_id,
           environment={'AWS_ACCESS_KEY_ID': ..., 'AWS_DEFAULT_REGION': ...}, stdin='{"a": 1}')

The script runs as ``python script args...`` would (``__name__ == "__main__"``, ``sys.argv``, the
variables of ``environment`` added to the process environment, ``stdin`` on its standard input), in
the worker of the task, which already holds boto3 and botocore: about 0.13 CPU-s, where
``ansible.builtin.command`` took about 0.7 (AnsiballZ, then a new Python importing boto3). A script that
raises or exits non-zero fails the task with what it wrote to its standard error. Whatever the script
changed in the worker (environment, boto3's default session) is put back; the worker exits after the
task anyway.
"""

import contextlib
import io
import os
import runpy
import sys
import traceback

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

try:
    import boto3
except ImportError:  # the scripts need it; their own import fails with a clear message
    boto3 = None


@contextlib.contextmanager
def _environment(variables):
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update({name: str(value) for name, value in variables.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _fresh_boto3_session():
    """boto3.client() caches a default session with the credentials of its first call: none across runs."""
    saved = getattr(boto3, "DEFAULT_SESSION", None)
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        if boto3 is not None:
            boto3.DEFAULT_SESSION = saved


def run_script(script, args, environment=None, stdin=""):
    """``(status, stdout, stderr)`` of ``python script *args`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    saved_argv, saved_stdin = sys.argv, sys.stdin
    sys.argv, sys.stdin = [script] + [str(arg) for arg in args], io.StringIO(stdin or "")
    status = 0
    try:
        with _environment(environment or {}), _fresh_boto3_session():
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    runpy.run_path(script, run_name="__main__")
                except SystemExit as exit_:
                    code = exit_.code
                    status = code if isinstance(code, int) else (0 if code is None else 1)
                    if not isinstance(code, (int, type(None))):
                        err.write(f"{code}\n")
                except Exception:  # pylint: disable=broad-except
                    status = 1
                    err.write(traceback.format_exc())
    finally:
        sys.argv, sys.stdin = saved_argv, saved_stdin
    return status, out.getvalue(), err.getvalue()


class LookupModule(LookupBase):
    """The lookup ``fixture_script``: terms are the script and its arguments."""

    def run(self, terms, variables=None, **kwargs):
        if not terms:
            raise AnsibleError("fixture_script: the first term is the script to run")
        unknown = sorted(set(kwargs) - {"environment", "stdin"})
        if unknown:
            raise AnsibleError(f"fixture_script: unknown option(s) {', '.join(unknown)} (environment, stdin)")
        script, args = str(terms[0]), list(terms[1:])
        status, stdout, stderr = run_script(script, args, kwargs.get("environment"), kwargs.get("stdin"))
        if status != 0:
            raise AnsibleError(
                f"fixture_script: {os.path.basename(script)} {' '.join(map(str, args))} exited {status}: {stderr}"
            )
        return [stdout]
