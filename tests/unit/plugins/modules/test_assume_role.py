# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""assume_role's module against moto in-process: one AssumeRole call, the identity and fingerprint
from its answer, bad options refused before any call, and the same in check mode."""

import hashlib

import botocore.client
import botocore.exceptions
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import assume_role as module_under_test

from .moto_harness import mocked_aws, record_api_calls, run_module, throttle_first

ROLE = "arn:aws:iam::222222222222:role/ApiGatewayPlatformDeployer"
SESSION = "multiaccount-apigateway-payments"


def assume(monkeypatch, capsys, check_mode=False, **args):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(
            module_under_test.main,
            dict({"role_arn": ROLE, "role_session_name": SESSION, "region": "us-east-1"}, **args),
            capsys,
            check_mode=check_mode,
        )
    return result, calls


def test_one_call_gives_the_credentials_who_they_act_as_and_their_fingerprint(monkeypatch, capsys):
    result, calls = assume(monkeypatch, capsys)
    assert not result.get("failed"), result
    assert calls == ["AssumeRole"]
    assert result["changed"] is False
    creds = result["credentials"]
    assert creds["access_key"] and creds["secret_key"] and creds["session_token"] and creds["expiration"]
    assert result["account_id"] == "222222222222"
    assert result["arn"] == f"arn:aws:sts::222222222222:assumed-role/ApiGatewayPlatformDeployer/{SESSION}"
    assert result["assumed_role_id"].endswith(":" + SESSION)
    # The fingerprint the identity guard compares: never the key, 16 hex digits of its SHA-256.
    expected = "key:" + hashlib.sha256(creds["access_key"].encode()).hexdigest()[:16]
    assert result["fingerprint"] == expected
    assert creds["access_key"] not in result["fingerprint"]


def test_check_mode_makes_the_same_call(monkeypatch, capsys):
    result, calls = assume(monkeypatch, capsys, check_mode=True)
    assert not result.get("failed"), result
    assert calls == ["AssumeRole"] and result["changed"] is False
    assert result["account_id"] == "222222222222"


def test_duration_and_external_id_reach_the_call(monkeypatch, capsys):
    seen = {}
    with mocked_aws(monkeypatch):

        original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

        def spy(self, operation, params):
            if operation == "AssumeRole":
                seen.update(params)
            return original(self, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
        result = run_module(
            module_under_test.main,
            {
                "role_arn": ROLE,
                "role_session_name": SESSION,
                "region": "us-east-1",
                "duration_seconds": 900,
                "external_id": "partner-secret-id",
            },
            capsys,
        )
    assert not result.get("failed"), result
    assert seen == {
        "RoleArn": ROLE,
        "RoleSessionName": SESSION,
        "DurationSeconds": 900,
        "ExternalId": "partner-secret-id",
    }


@pytest.mark.parametrize(
    "args, message",
    [
        ({"role_arn": "arn:aws:iam::2222:role/x"}, "role_arn: 'arn:aws:iam::2222:role/x' is not an IAM role ARN"),
        ({"role_arn": "arn:aws:iam::222222222222:user/x"}, "role_arn: 'arn:aws:iam::222222222222:user/x' is not"),
        ({"role_session_name": "a"}, "role_session_name: 'a' must be 2 to 64 characters"),
        ({"role_session_name": "bad name"}, "role_session_name: 'bad name' must be 2 to 64 characters"),
        ({"role_session_name": "x" * 65}, "must be 2 to 64 characters"),
        ({"duration_seconds": 899}, "duration_seconds: 899 is outside 900..43200 seconds"),
        ({"duration_seconds": 43201}, "duration_seconds: 43201 is outside 900..43200 seconds"),
    ],
)
def test_bad_options_fail_before_any_call_naming_the_option(monkeypatch, capsys, args, message):
    result, calls = assume(monkeypatch, capsys, **args)
    assert result["failed"] and message in result["msg"], result
    assert calls == []


def test_a_throttled_assume_role_is_retried_with_backoff(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        sleeps = throttle_first(monkeypatch, "AssumeRole", 2)
        calls = record_api_calls(monkeypatch)
        result = run_module(
            module_under_test.main, {"role_arn": ROLE, "role_session_name": SESSION, "region": "us-east-1"}, capsys
        )
    assert not result.get("failed"), result
    assert calls == ["AssumeRole"] * 3 and len(sleeps) == 2
    assert result["credentials"]["session_token"]


def test_an_aws_refusal_fails_naming_the_role(monkeypatch, capsys):

    def refuse(self, operation, params):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}}, operation
        )

    with mocked_aws(monkeypatch):

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
        result = run_module(
            module_under_test.main, {"role_arn": ROLE, "role_session_name": SESSION, "region": "us-east-1"}, capsys
        )
    assert result["failed"]
    assert result["msg"].startswith(f"Could not assume {ROLE}")
    assert "AccessDenied" in str(result)
