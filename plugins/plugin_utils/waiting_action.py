# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugin of a module that waits (vpc_link, demo_instances, gateway_load_balancers,
nlb_ip_targets): the wait runs on the controller.

A module cannot print while it runs. When the task waits, the plugin runs the module with its wait
off (it makes the changes and returns), then polls what is still pending with a read-only module and
prints a progress line at least every 30 seconds (see module_utils/waits.py). In check mode, with
``async`` or without a wait, the module runs as it is. Arguments are never printed.

Each plugin is a subclass that names its wait (``_waiter``, a ``ModuleWait`` of module_utils/waits.py)
and calls ``in_process.warm(__name__)`` at its import, as every action plugin of this collection does.
"""

import time

from ansible.plugins.action import ActionBase
from ansible_collections.multiaccount.apigateway.plugins.module_utils.waits import run_with_wait
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import InProcessModules


class WaitingAction(InProcessModules, ActionBase):
    """Runs ``_waiter.module`` without its wait, then polls what it left pending (see module docstring)."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    # Injectable for unit tests.
    _clock = staticmethod(time.monotonic)
    _sleep = staticmethod(time.sleep)
    _waiter = None  # the subclass's ModuleWait class

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp

        waiter = self._waiter(self._task.args)  # pylint: disable=not-callable
        try:
            waits = waiter.enabled()
        except ValueError:
            waits = False  # the module itself fails, naming the option and its bad value
        if self._task.check_mode or self._task.async_val or not waits:
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result

        def execute(module_name, module_args):
            return self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)

        host = task_vars.get("inventory_hostname") or "localhost"
        result.update(run_with_wait(execute, self._display.display, host, waiter, sleep=self._sleep, clock=self._clock))
        self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
