# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The identity guard's pure logic: fingerprints, the trust without a call, the messages."""

import hashlib

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import identity

ACCOUNT = {"account_id": "111111111111", "region": "eu-west-1"}
KEY = "ASIAPROVIDERACCOUNT"
FINGERPRINT = "key:" + hashlib.sha256(KEY.encode()).hexdigest()[:16]
VERIFIED = {
    "account_id": "111111111111",
    "region": "eu-west-1",
    "arn": "arn:aws:sts::111111111111:x",
    "credentials": FINGERPRINT,
}


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"access_key": KEY, "secret_key": "s"}, FINGERPRINT),
        ({"aws_access_key_id": KEY}, FINGERPRINT),
        ({"ec2_access_key": KEY, "profile": "ignored-when-a-key-is-given"}, FINGERPRINT),
        ({"profile": "payments"}, "profile:payments"),
        ({"aws_profile": "payments"}, "profile:payments"),
        ({}, "environment"),
        ({"access_key": "", "profile": None}, "environment"),
    ],
)
def test_the_fingerprint_names_which_credentials_without_carrying_them(args, expected):
    assert identity.credentials_fingerprint(args) == expected
    assert KEY not in identity.credentials_fingerprint(args)


def test_region_aliases():
    assert identity.region_of({"aws_region": "eu-west-1"}) == "eu-west-1"
    assert identity.region_of({"ec2_region": "eu-west-1"}) == "eu-west-1"
    assert identity.region_of({}) is None


def test_expected_account_names_the_bad_option():
    account, problems = identity.expected_account({"account_id": " 111111111111 ", "account_region": "eu-west-1"})
    assert account == ACCOUNT and problems == []
    problems = identity.expected_account({"account_id": "1111", "account_region": ""})[1]
    assert problems == [
        "account_id: 1111 is not a 12-digit AWS account id",
        "account_region: empty; give the region the host's resources live in",
    ]


def test_the_verified_credentials_in_their_account_and_region_are_trusted_without_a_call():
    args = {"access_key": KEY, "secret_key": "s", "session_token": "t", "region": "eu-west-1"}
    assert identity.trusted_without_a_call(ACCOUNT, VERIFIED, args)


@pytest.mark.parametrize(
    "account, verified, args",
    [
        # no module_defaults: the ambient credentials, not the verified assumed role
        (ACCOUNT, VERIFIED, {}),
        # the verified credentials but another region
        (ACCOUNT, VERIFIED, {"access_key": KEY, "region": "us-east-1"}),
        # the verified credentials but no region (boto3 would pick the environment's)
        (ACCOUNT, VERIFIED, {"access_key": KEY}),
        # credentials of another host (another key)
        (ACCOUNT, VERIFIED, {"access_key": "ASIAOTHERACCOUNT", "region": "eu-west-1"}),
        # verified for another account
        ({"account_id": "222222222222", "region": "eu-west-1"}, VERIFIED, {"access_key": KEY, "region": "eu-west-1"}),
        # verified in another region
        (ACCOUNT, dict(VERIFIED, region="us-east-1"), {"access_key": KEY, "region": "eu-west-1"}),
        # nothing verified
        (ACCOUNT, {}, {"access_key": KEY, "region": "eu-west-1"}),
        (ACCOUNT, None, {"access_key": KEY, "region": "eu-west-1"}),
    ],
)
def test_anything_else_is_asked_of_sts(account, verified, args):
    assert not identity.trusted_without_a_call(account, verified, args)


def test_the_environment_verified_is_trusted_for_a_task_without_credentials():
    verified = dict(VERIFIED, credentials="environment")
    assert identity.trusted_without_a_call(ACCOUNT, verified, {"region": "eu-west-1"})


def test_mismatch_names_both_accounts_both_regions_and_the_fix():
    assert identity.mismatch(ACCOUNT, "111111111111", "arn", "eu-west-1") is None
    message = identity.mismatch(ACCOUNT, "999999999999", "arn:aws:iam::999999999999:user/me", "us-east-1")
    assert "act in account 999999999999 (arn:aws:iam::999999999999:user/me)" in message
    assert "not in the host's aws_account_id 111111111111" in message
    assert "region us-east-1, not in the host's region eu-west-1" in message
    assert "Nothing was changed" in message
    assert 'group/multiaccount.apigateway.aws: "{{ account_credentials_module_defaults }}"' in message
    only_region = identity.mismatch(ACCOUNT, "111111111111", "arn", None)
    assert only_region.startswith("the task would act in region")
    assert "(none: no region given and no default)" in only_region


def test_no_credentials_and_no_region_say_how_to_wire_them():
    assert "no AWS credentials for account 111111111111" in identity.no_credentials(
        ACCOUNT, "Unable to locate credentials"
    )
    assert "module_defaults" in identity.no_credentials(ACCOUNT, "x")
    message = identity.no_region(ACCOUNT)
    assert "no AWS region reaches this task" in message and "eu-west-1" in message and "module_defaults" in message
