# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""account_credentials' module against moto in-process: by method, the calls it makes (one AssumeRole;
one GetCallerIdentity for a profile or the environment, none unverified), the credentials and the
identity it returns, the account check, and bad input refused before any call, naming the option."""

import hashlib

import botocore.client
import botocore.exceptions
import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import credentials
from ansible_collections.multiaccount.apigateway.plugins.modules import account_credentials as module_under_test

from .moto_harness import mocked_aws, record_api_calls, run_module, throttle_first

ACCOUNT = "222222222222"
MOTO_ACCOUNT = "123456789012"  # who moto's dummy credentials act as
SESSION = "multiaccount-apigateway-payments"


def get(monkeypatch, capsys, check_mode=False, **args):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(
            module_under_test.main,
            dict({"account_id": ACCOUNT, "role_session_name": SESSION}, **args),
            capsys,
            check_mode=check_mode,
        )
    return result, calls


def test_assume_role_one_call_credentials_and_identity_from_its_answer(monkeypatch, capsys):
    result, calls = get(monkeypatch, capsys, role_name="ApiGatewayProviderDeployer")
    assert not result.get("failed"), result
    assert calls == ["AssumeRole"]
    assert result["changed"] is False and result["method"] == "assume_role"
    creds = result["credentials"]
    assert set(creds) == {"access_key", "secret_key", "session_token", "region"}
    assert creds["region"] == "us-east-1"
    arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/ApiGatewayProviderDeployer/{SESSION}"
    assert result["arn"] == arn and result["account_id"] == ACCOUNT
    fingerprint = "key:" + hashlib.sha256(creds["access_key"].encode()).hexdigest()[:16]
    assert result["identity"] == {"account_id": ACCOUNT, "region": "us-east-1", "arn": arn, "credentials": fingerprint}


def test_check_mode_makes_the_same_call(monkeypatch, capsys):
    result, calls = get(monkeypatch, capsys, check_mode=True)
    assert not result.get("failed"), result
    assert calls == ["AssumeRole"] and result["credentials"]["session_token"]


def test_the_request_takes_the_role_arn_a_cleaned_session_name_the_duration_and_external_id(monkeypatch, capsys):
    seen = {}
    with mocked_aws(monkeypatch):
        original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

        def spy(self, operation, params):
            seen.update(params)
            return original(self, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
        role = f"arn:aws:iam::{ACCOUNT}:role/team/Deployer"
        result = run_module(
            module_under_test.main,
            {
                "account_id": ACCOUNT,
                "role_arn": role,
                "role_session_name": "multiaccount-apigateway-pay ments/" + "x" * 80,
                "duration_seconds": 900,
                "external_id": "partner-secret-id",
            },
            capsys,
        )
    assert not result.get("failed"), result
    assert seen == {
        "RoleArn": role,
        "RoleSessionName": ("multiaccount-apigateway-pay-ments-" + "x" * 80)[:64],
        "DurationSeconds": 900,
        "ExternalId": "partner-secret-id",
    }


def test_environment_asks_sts_once_and_checks_the_account(monkeypatch, capsys):
    result, calls = get(monkeypatch, capsys, method="environment", account_id=MOTO_ACCOUNT)
    assert not result.get("failed"), result
    assert calls == ["GetCallerIdentity"]
    assert result["credentials"] == {"region": "us-east-1"}
    assert result["identity"]["credentials"] == "environment"
    assert result["identity"]["account_id"] == MOTO_ACCOUNT and result["account_id"] == MOTO_ACCOUNT


@pytest.mark.parametrize(
    "args, operation",
    [({}, "AssumeRole"), ({"method": "environment", "account_id": MOTO_ACCOUNT}, "GetCallerIdentity")],
)
def test_a_throttled_sts_call_is_retried_with_backoff(monkeypatch, capsys, args, operation):
    """STS throttles AssumeRole per caller account when many accounts are assumed side by side: the call
    is made again after a backoff, past botocore's own retries, and the credentials come."""
    with mocked_aws(monkeypatch):
        sleeps = throttle_first(monkeypatch, operation, 3)
        calls = record_api_calls(monkeypatch)
        result = run_module(module_under_test.main, dict({"account_id": ACCOUNT}, **args), capsys)
    assert not result.get("failed"), result
    assert calls == [operation] * 4 and len(sleeps) == 3
    assert result["identity"]["arn"] == result["arn"]


def test_credentials_acting_in_another_account_fail_naming_both(monkeypatch, capsys):
    result, calls = get(monkeypatch, capsys, method="environment")
    assert result["failed"] and calls == ["GetCallerIdentity"]
    assert f"the credentials from method environment act in account {MOTO_ACCOUNT}" in result["msg"]
    assert f"expected account_id {ACCOUNT}" in result["msg"]
    assert "credentials" not in result and "identity" not in result


def test_unverified_environment_or_profile_makes_no_call(monkeypatch, capsys):
    result, calls = get(monkeypatch, capsys, method="environment", verify=False)
    assert not result.get("failed"), result
    assert calls == [] and result["identity"] == {} and result["arn"] is None
    result, calls = get(monkeypatch, capsys, account_profile="payments", verify=False)
    assert not result.get("failed"), result
    assert calls == [] and result["method"] == "profile"
    assert result["credentials"] == {"profile": "payments", "region": "us-east-1"}


def test_a_profile_is_asked_with_its_own_credentials(monkeypatch, capsys, tmp_path):
    config = tmp_path / "credentials"
    config.write_text("[payments]\naws_access_key_id = AKIAPAYMENTS0000TEST\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    keys = []
    with mocked_aws(monkeypatch):
        original = botocore.client.BaseClient._make_api_call  # pylint: disable=protected-access

        def spy(self, operation, params):
            keys.append(self._request_signer._credentials.access_key)  # pylint: disable=protected-access
            return original(self, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
        result = run_module(module_under_test.main, {"account_id": MOTO_ACCOUNT, "account_profile": "payments"}, capsys)
    assert not result.get("failed"), result
    assert keys == ["AKIAPAYMENTS0000TEST"]  # not the environment's "testing"
    assert result["method"] == "profile"
    assert result["credentials"] == {"profile": "payments", "region": "us-east-1"}
    assert result["identity"]["credentials"] == "profile:payments"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"account_id": None}, "account_id is not set: give the 12-digit id"),
        ({"account_id": "12345"}, "account_id: '12345' is not a 12-digit AWS account id"),
        ({"method": "profile"}, "method is profile but account_profile (the host's aws_profile) is empty"),
        ({"role_arn": "arn:aws:iam::2222:role/x"}, "role_arn: 'arn:aws:iam::2222:role/x' is not an IAM role ARN"),
        (
            {"role_arn": "arn:aws:iam::333333333333:role/x"},
            f"role_arn: 'arn:aws:iam::333333333333:role/x' is in account 333333333333, not in account_id {ACCOUNT}",
        ),
        ({"role_session_name": "a"}, "role_session_name: 'a' must be 2 to 64 characters"),
        ({"duration_seconds": 899}, "duration_seconds: 899 is outside 900..43200 seconds"),
    ],
)
def test_bad_input_fails_before_any_call_naming_the_option(monkeypatch, capsys, args, message):
    result, calls = get(monkeypatch, capsys, **args)
    assert result["failed"] and message in result["msg"], result
    assert calls == []


def test_an_aws_refusal_fails_naming_the_role_and_the_account(monkeypatch, capsys):
    def refuse(self, operation, params):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}}, operation
        )

    with mocked_aws(monkeypatch):
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
        result = run_module(module_under_test.main, {"account_id": ACCOUNT}, capsys)
    assert result["failed"] and "AccessDenied" in str(result)
    assert result["msg"].startswith(
        f"Could not assume arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole for account_id {ACCOUNT}"
    )


# The pure helpers.


def test_session_name_replaces_refused_characters_and_cuts_at_64():
    assert credentials.session_name("multiaccount-apigateway-cards") == "multiaccount-apigateway-cards"
    assert credentials.session_name("p-a b/c:d") == "p-a-b-c-d"
    assert len(credentials.session_name("x" * 100)) == 64


@pytest.mark.parametrize(
    "method, profile, expected",
    [("auto", "", "assume_role"), ("auto", "payments", "profile"), ("environment", "payments", "environment")],
)
def test_auto_is_profile_when_the_account_has_one(method, profile, expected):
    assert credentials.resolve_method(method, profile) == expected


def test_the_default_role_is_role_name_in_the_account():
    params = {"account_id": ACCOUNT, "role_name": "ApiGatewayPathVerifier", "role_arn": None}
    assert credentials.role_arn_of(params) == f"arn:aws:iam::{ACCOUNT}:role/ApiGatewayPathVerifier"
    assert credentials.role_arn_of(dict(params, role_arn="arn:aws:iam::1:role/x")) == "arn:aws:iam::1:role/x"


def test_what_is_returned_by_method():
    assume = {"credentials": {"access_key": "A", "secret_key": "S", "session_token": "T"}, "fingerprint": "key:f"}
    got = credentials.published("assume_role", "eu-west-1", ACCOUNT, acting_arn="arn:x", assume=assume)
    assert got["credentials"] == {"access_key": "A", "secret_key": "S", "session_token": "T", "region": "eu-west-1"}
    assert got["identity"] == {"account_id": ACCOUNT, "region": "eu-west-1", "arn": "arn:x", "credentials": "key:f"}
    got = credentials.published("profile", "eu-west-1", ACCOUNT, account_profile="p", verify=False)
    assert got == {"credentials": {"profile": "p", "region": "eu-west-1"}, "identity": {}}
