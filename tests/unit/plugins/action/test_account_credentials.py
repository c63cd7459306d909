# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""account_credentials' action plugin: a successful result (it carries credentials) is marked to be
censored as no_log would (ansible-core censors a result whose _ansible_no_log is true, whatever the
task's no_log); a failure (it carries none) is shown, so its reason is printed."""

from unittest import mock

from ansible_collections.multiaccount.apigateway.plugins.action import account_credentials as action

SUCCESS = {
    "changed": False,
    "method": "assume_role",
    "credentials": {"access_key": "ASIAKEY", "secret_key": "very-secret", "session_token": "token", "region": "r"},
    "identity": {"account_id": "222222222222", "region": "r", "arn": "arn:x", "credentials": "key:f"},
}
FAILURE = {"failed": True, "msg": "account_id: '12345' is not a 12-digit AWS account id", "method": "assume_role"}


def run(module_result):
    task = mock.MagicMock()
    task.args = {"account_id": "222222222222"}
    task.async_val = 0
    plugin = action.ActionModule(task, mock.MagicMock(), mock.MagicMock(), None, None, None)
    plugin._connection.has_native_async = False
    plugin._execute_module = lambda **kwargs: dict(module_result)
    plugin._remove_tmp_path = lambda path: None
    with mock.patch("ansible.plugins.action.ActionBase.run", return_value={}):
        return plugin.run(task_vars={})


def test_a_success_is_marked_no_log_and_keeps_its_values_for_register():
    result = run(SUCCESS)
    assert result["_ansible_no_log"] is True
    assert result["credentials"]["secret_key"] == "very-secret"  # what register holds


def test_a_failure_is_shown():
    result = run(FAILURE)
    assert "_ansible_no_log" not in result
    assert result["msg"].startswith("account_id: '12345'")
