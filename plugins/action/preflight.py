# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.preflight: the checks and the planner on the controller.

The preflight step is pure Python (``module_utils/plan.py``) and needs nothing of the host, so it runs
here, in the controller's worker process, instead of in a module process that would import and
compile Ansible's module support again (about a second of CPU per run). The result is the module's.
"""

import glob
import os

import yaml
from ansible.plugins.action import ActionBase
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight_step import (
    PREFLIGHT_ARGUMENT_SPEC,
    known_regions,
    preflight_outcome,
)

# The collection's roles, next to plugins/ (in a checkout and in an installed collection alike).
ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def role_argument_specs(roles_dir=ROLES_DIR):
    """``{role: its meta/argument_specs.yml, loaded}`` of the collection's roles."""
    specs = {}
    for path in sorted(glob.glob(os.path.join(roles_dir, "*", "meta", "argument_specs.yml"))):
        with open(path, encoding="utf-8") as handle:
            specs[os.path.basename(os.path.dirname(os.path.dirname(path)))] = yaml.safe_load(handle)
    return specs


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=PREFLIGHT_ARGUMENT_SPEC)
        # The roles' own variables are checked here, once for every host, so that the playbooks can
        # include the roles without their per-host argument validation (rolespec_validate: false).
        outcome, warnings, failure = preflight_outcome(args["accounts"], known_regions(), role_argument_specs())
        result.update(outcome)
        if warnings:
            result["warnings"] = warnings
        if failure:
            result.update(failed=True, msg=failure)
        return result
