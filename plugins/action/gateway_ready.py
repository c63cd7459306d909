# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.gateway_ready: the wait, on the controller.

A module cannot print while it runs, so the wait loop lives here: the module is run with
``wait_timeout: 0`` (one check, no failure on pending) every ``poll_interval`` seconds, and a
progress line naming what the last check found pending goes to the display at each multiple of
``progress_interval`` seconds of the wait. Every other argument, including the credentials and region that ``module_defaults``
merged into the task's arguments, is passed to the module unchanged; arguments are never printed.
"""

import time

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.multiaccount.apigateway.plugins.module_utils.readiness import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_PROGRESS_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    ProgressReporter,
    describe_entry,
    poll,
    timeout_message,
)
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import InProcessModules, warm

warm(__name__)

MODULE = "multiaccount.apigateway.gateway_ready"


def interval_option(args, name, default, minimum):
    """The int value of one timing option (templated values may be strings); ValueError naming it."""
    value = args.get(name)
    if value is None:
        return default
    try:
        number = int(to_text(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number < minimum:
        unit = "0 or more seconds" if minimum == 0 else f"at least {minimum} second"
        raise ValueError(f"{name}: {value!r} must be a whole number of seconds, {unit}")
    return number


class ActionModule(InProcessModules, ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    # Injectable for unit tests.
    _clock = staticmethod(time.monotonic)
    _sleep = staticmethod(time.sleep)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp

        args = dict(self._task.args)
        try:
            wait_timeout = interval_option(args, "wait_timeout", DEFAULT_WAIT_TIMEOUT, 0)
            poll_interval = interval_option(args, "poll_interval", DEFAULT_POLL_INTERVAL, 1)
            progress_interval = interval_option(args, "progress_interval", DEFAULT_PROGRESS_INTERVAL, 1)
        except ValueError as error:
            result.update(failed=True, msg=to_text(error))
            return result

        check_mode = bool(self._task.check_mode)
        timeout = 0 if check_mode else wait_timeout
        host = task_vars.get("inventory_hostname") or "localhost"
        reporter = ProgressReporter(self._display.display, host, wait_timeout, progress_interval)

        def check():
            module_args = dict(args)
            module_args["wait_timeout"] = 0
            return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)

        def done(module_result):
            return bool(module_result.get("failed")) or bool(module_result.get("ready"))

        module_result, elapsed, polls = poll(
            check, done, timeout, poll_interval, progress=reporter, sleep=self._sleep, clock=self._clock
        )

        result.update(module_result)
        result["changed"] = False
        result["waited"] = int(round(elapsed))
        result["polls"] = polls
        if module_result.get("failed"):
            return result
        if check_mode:
            for item in module_result.get("failures") or []:
                self._display.warning(f"[{host}] check mode: {describe_entry(item, detail=True)}")
        elif not module_result.get("ready") and timeout > 0:
            result["failed"] = True
            result["msg"] = timeout_message(module_result.get("pending") or [], elapsed, wait_timeout)
        return result
