# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.identity_guard: the check without an AWS call, when it can.

The task's arguments hold what ``module_defaults`` merged into them (credentials and region of the
action group ``multiaccount.apigateway.aws``). When their fingerprint, account and region are the
ones account_credentials verified in this run (option ``verified``), the task passes here, on the
controller, without starting the module; otherwise the module asks STS. The ``preconditions`` (what
the role needs, such as its plan) are checked here first. Failures are prefixed with
the host. Arguments are never printed.
"""

from ansible.plugins.action import ActionBase
from ansible_collections.multiaccount.apigateway.plugins.module_utils.identity import (
    expected_account,
    failed_precondition,
    trusted_without_a_call,
)
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import InProcessModules, warm

warm(__name__)


class ActionModule(InProcessModules, ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        host = task_vars.get("inventory_hostname") or "localhost"
        args = self._task.args
        # What the role needs comes first (its plan, an earlier role's state): no identity to check without it.
        unmet = failed_precondition(args)
        if unmet:
            result.update(failed=True, msg=f"{host}: {unmet}")
            return result
        account, problems = expected_account(args)
        if problems:
            result.update(failed=True, msg=f"{host}: " + "; ".join(problems))
            return result
        verified = args.get("verified") or {}
        if trusted_without_a_call(account, verified, args):
            result.update(
                changed=False,
                account_id=account["account_id"],
                region=account["region"],
                arn=verified.get("arn", ""),
                verified_by="account_credentials",
            )
            return result
        result.update(self._execute_module(task_vars=task_vars))
        self._remove_tmp_path(self._connection._shell.tmpdir)
        if result.get("failed") and result.get("msg"):
            result["msg"] = f"{host}: {result['msg']}"
        return result
