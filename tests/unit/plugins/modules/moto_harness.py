# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the module tests that run a module's main() against moto in-process share.

``mocked_aws`` gives a test dummy credentials, a region and moto (no endpoint, no profile: nothing
can reach AWS); ``record_api_calls`` records the operation name of every botocore call;
``throttle_first`` makes the first calls of an operation fail with a throttle;
``run_module`` runs a module's ``main()`` with arguments and returns the JSON it printed.
"""

import contextlib
import json
from unittest import mock

import botocore.client
import botocore.exceptions
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


def throttle_first(monkeypatch, operation, times, code="Throttling"):
    """The first ``times`` calls of ``operation`` fail with ``code``, as botocore raises a throttle once its
    own retries are spent; later calls (and every other operation) go through. The collection's backoff
    (amazon.aws' AWSRetry) does not sleep: returns the list of the sleeps it asked for."""
    from ansible_collections.amazon.aws.plugins.module_utils import cloud  # pylint: disable=import-outside-toplevel

    sleeps = []
    monkeypatch.setattr(cloud.time, "sleep", sleeps.append)
    original = botocore.client.BaseClient._make_api_call
    left = {"throttles": times}

    def throttled(self, operation_name, api_params):
        if operation_name == operation and left["throttles"] > 0:
            left["throttles"] -= 1
            raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", throttled)
    return sleeps


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
