# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.path_verify: judge the paths and write the report on the controller.

The module talks to no AWS API; it joins the snapshots the accounts read, judges every hop and writes
the report files of the controller (the role delegates it to localhost). So it runs here, in the
controller's worker process, instead of in a module process that would import and compile Ansible's
module support again (about a second of CPU per run). The result is the module's
(``module_utils/path_report.py`` does the work for both).
"""

import shutil
import subprocess

from ansible.plugins.action import ActionBase
from ansible_collections.multiaccount.apigateway.plugins.module_utils.path_report import (
    ARGUMENT_SPEC,
    ReportError,
    verify_paths,
)


def run_command(argv, data):
    """``(rc, stdout, stderr)`` of ``argv`` run with ``data`` (text) on its standard input."""
    done = subprocess.run(argv, input=data, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            outcome, failure = verify_paths(
                args, bool(self._play_context.check_mode), lambda: shutil.which("dot"), run_command
            )
        except ReportError as error:
            result.update(failed=True, msg=str(error))
            return result
        result.update(outcome)
        if failure:
            result.update(failed=True, msg=failure)
        return result
