# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the module tests that run a module's main() against moto in-process share.

``mocked_aws`` gives a test dummy credentials, a region and moto (no endpoint, no profile: nothing
can reach AWS); ``record_api_calls`` records the operation name of every botocore call;
``run_module`` runs a module's ``main()`` with arguments and returns the JSON it printed.
"""

import contextlib
import json
from unittest import mock

import botocore.client
import pytest
from ansible.module_utils import basic

REGION = "us-east-1"


@contextlib.contextmanager
def mocked_aws(monkeypatch, region=REGION):
    """Dummy credentials, ``region`` and moto, for the duration of the ``with``."""
    moto = pytest.importorskip("moto")
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    with moto.mock_aws():
        yield


def record_api_calls(monkeypatch):
    """The operation names of every API call made from now on (a list that fills up)."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        recorded.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


def writes(recorded):
    """The calls of ``recorded`` that may change something (not Describe*/Get*/List*)."""
    return [name for name in recorded if not name.startswith(("Describe", "Get", "List"))]


def _module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        patch_module_args = None
    if patch_module_args is not None:
        return patch_module_args(args)
    return mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8"))


def run_module(main, args, capsys, check_mode=False, region=REGION):
    """Run ``main()`` of a module with ``args`` (plus ``region``) and return the JSON it printed."""
    args = dict(args, region=region)
    if check_mode:
        args["_ansible_check_mode"] = True
    with _module_args(args):
        with pytest.raises(SystemExit):
            main()
    return json.loads(capsys.readouterr().out)
