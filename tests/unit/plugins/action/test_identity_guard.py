# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The identity_guard action plugin: no module run when the credentials are the verified ones."""

import hashlib
from unittest import mock

from ansible_collections.multiaccount.apigateway.plugins.action import identity_guard as guard_action

KEY = "ASIAPROVIDERACCOUNT"
SECRETS = (KEY, "very-secret", "token-of-the-session")
VERIFIED = {
    "account_id": "111111111111",
    "region": "eu-west-1",
    "arn": "arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/s",
    "credentials": "key:" + hashlib.sha256(KEY.encode()).hexdigest()[:16],
}
DEFAULTS = {
    "access_key": KEY,
    "secret_key": "very-secret",
    "session_token": "token-of-the-session",
    "region": "eu-west-1",
}


def run(args, module_result=None):
    task = mock.MagicMock()
    task.args = dict(args)
    task.check_mode = False
    task.async_val = 0
    plugin = guard_action.ActionModule(task, mock.MagicMock(), mock.MagicMock(), None, None, None)
    plugin._remove_tmp_path = lambda path: None
    plugin._execute_module = mock.MagicMock(return_value=dict(module_result or {}))
    result = plugin.run(task_vars={"inventory_hostname": "payments"})
    return result, plugin._execute_module


def guard_args(**extra):
    return dict({"account_id": "111111111111", "account_region": "eu-west-1", "verified": VERIFIED}, **extra)


def test_the_verified_credentials_pass_on_the_controller_without_a_module_run():
    result, execute = run(guard_args(**DEFAULTS))
    execute.assert_not_called()
    assert not result.get("failed") and result["changed"] is False
    assert result["verified_by"] == "account_credentials"
    assert result["account_id"] == "111111111111" and result["region"] == "eu-west-1"
    for secret in SECRETS:
        assert secret not in str(result)


def test_without_module_defaults_the_module_asks_sts_and_its_failure_names_the_host():
    answer = {"failed": True, "msg": "the credentials of this task act in account 999999999999 ..."}
    result, execute = run(guard_args(), module_result=answer)
    execute.assert_called_once()
    assert result["failed"] and result["msg"].startswith(
        "payments: the credentials of this task act in account 999999999999"
    )


def test_other_credentials_for_the_same_account_are_checked_by_the_module():
    answer = {"changed": False, "verified_by": "sts", "account_id": "111111111111"}
    result, execute = run(
        guard_args(access_key="AKIAOTHERKEY", secret_key="x", region="eu-west-1"), module_result=answer
    )
    execute.assert_called_once()
    assert result["verified_by"] == "sts" and not result.get("failed")


def test_bad_options_fail_before_anything_naming_the_option():
    result, execute = run({"account_id": "12", "account_region": "eu-west-1"})
    execute.assert_not_called()
    assert result["failed"] and result["msg"] == "payments: account_id: 12 is not a 12-digit AWS account id"


def test_an_unmet_precondition_fails_first_with_its_message_and_no_module_run():
    preconditions = [
        {"ok": True, "msg": "never shown"},
        {"ok": False, "msg": "provider_vpc_plan is empty: run multiaccount.apigateway.preflight first"},
    ]
    # Even with options that would fail: the role's plan is what is missing.
    result, execute = run({"account_id": "", "account_region": "", "preconditions": preconditions})
    execute.assert_not_called()
    assert result["failed"]
    assert result["msg"] == "payments: provider_vpc_plan is empty: run multiaccount.apigateway.preflight first"


def test_preconditions_that_hold_leave_the_identity_check_as_it_was():
    result, execute = run(guard_args(preconditions=[{"ok": True, "msg": "plan"}], **DEFAULTS))
    execute.assert_not_called()
    assert not result.get("failed") and result["verified_by"] == "account_credentials"


def test_a_precondition_that_is_not_a_boolean_fails_naming_its_index():
    result, execute = run(guard_args(preconditions=[{"ok": True, "msg": "a"}, {"ok": "some text", "msg": "b"}]))
    execute.assert_not_called()
    assert result["msg"] == "payments: preconditions[1].ok: must be a boolean (true or false), the result of the check"


def test_a_precondition_that_is_no_mapping_or_has_no_ok_fails_naming_its_index():
    for preconditions in (["provider_vpc_plan is mapping"], [{"msg": "no ok"}]):
        result, execute = run(guard_args(preconditions=preconditions))
        execute.assert_not_called()
        assert result["msg"] == (
            "payments: preconditions[0].ok: must be a boolean (true or false), the result of the check"
        )
