# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.account_credentials: the module run as usual (in a child
forked from the worker when it can, plugins/plugin_utils/in_process.py), its successful result hidden.

A successful result carries the account's credentials (``credentials``): it is marked
``_ansible_no_log``, which censors it as the task's ``no_log`` would, before any callback sees it (a
variable registered from it holds the whole result). A failure carries none (the module fails before
or instead of returning them), so it is shown as it is: the task needs no ``no_log``, whose censoring
would hide which option is wrong."""

from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import InProcessAction, warm

warm(__name__)


class ActionModule(InProcessAction):
    """The action of multiaccount.apigateway.account_credentials."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if not result.get("failed"):
            result["_ansible_no_log"] = True
        return result
