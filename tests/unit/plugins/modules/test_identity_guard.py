# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""identity_guard's module against moto in-process (moto's caller is account 123456789012)."""

from ansible_collections.multiaccount.apigateway.plugins.modules import identity_guard as module_under_test

from .moto_harness import mocked_aws, record_api_calls, run_module

MOTO_ACCOUNT = "123456789012"


def test_the_right_account_and_region_pass_with_one_sts_call(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(module_under_test.main, {"account_id": MOTO_ACCOUNT, "account_region": "us-east-1"}, capsys)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["verified_by"] == "sts"
    assert result["account_id"] == MOTO_ACCOUNT and result["region"] == "us-east-1"
    assert calls == ["GetCallerIdentity"]


def test_another_account_fails_naming_both_and_the_fix(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(
            module_under_test.main, {"account_id": "111111111111", "account_region": "us-east-1"}, capsys
        )
    assert result["failed"]
    assert f"act in account {MOTO_ACCOUNT}" in result["msg"]
    assert "not in the host's aws_account_id 111111111111" in result["msg"]
    assert "module_defaults" in result["msg"]
    assert calls == ["GetCallerIdentity"]


def test_another_region_fails_even_in_check_mode(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        result = run_module(
            module_under_test.main, {"account_id": MOTO_ACCOUNT, "account_region": "eu-west-1"}, capsys, check_mode=True
        )
    assert result["failed"] and "region us-east-1, not in the host's region eu-west-1" in result["msg"]


def test_no_credentials_fail_with_how_to_wire_them(monkeypatch, capsys, tmp_path):
    with mocked_aws(monkeypatch):
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
        monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
        result = run_module(module_under_test.main, {"account_id": MOTO_ACCOUNT, "account_region": "us-east-1"}, capsys)
    assert result["failed"]
    assert result["msg"].startswith(f"no AWS credentials for account {MOTO_ACCOUNT} reach this task")
    assert "module_defaults" in result["msg"]


def test_an_unmet_precondition_fails_before_the_sts_call(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(
            module_under_test.main,
            {
                "account_id": MOTO_ACCOUNT,
                "account_region": "us-east-1",
                "preconditions": [{"ok": False, "msg": "shared_gateway_state is missing: run shared_gateway first"}],
            },
            capsys,
        )
    assert result["failed"] and result["msg"] == "shared_gateway_state is missing: run shared_gateway first"
    assert calls == []
