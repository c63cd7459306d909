# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible's ``normal`` action for the test playbooks: the amazon.aws and community.aws modules that
they run themselves, to build, read back and break their fixtures, run in a child forked from the
Ansible worker, as this collection's own modules do (plugins/plugin_utils/in_process.py), instead of in
a new Python each: about 0.5 CPU-s less a run (gateway_load_balancers: 48 such runs, 39.8 -> 15.4 CPU-s).

Where it applies: next to tests/integration/run_target.yml, Ansible takes it for that playbook's plays
(a playbook's ``action_plugins`` directory comes before Ansible's own), and the molecule scenarios name
this directory in their ``action_plugins`` setting. Users' playbooks, the scenario scripts and
``make demo`` never see it.

What still runs the usual way (AnsiballZ, a Python of its own):
- a task of a role of this collection: what the roles run in a molecule converge is what they run for
  users (this collection's modules have action plugins of their own, which this file does not change);
- every module but amazon.aws' and community.aws' (ansible.builtin's);
- an AWS module for which :func:`in_process.ineligible` finds a reason (``multiaccount_apigateway_in_process:
  false``, a task environment, ``async``, another interpreter, another connection...)."""

from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import (
    COLLECTION,
    InProcessAction,
    warm,
)

warm()


def role_of_this_collection(task):
    """The name of the role of this collection that ``task`` belongs to, or None."""
    role = getattr(task, "_role", None)
    if role is None or getattr(role, "_role_collection", None) != COLLECTION:
        return None
    return role.get_name()


class ActionModule(InProcessAction):
    IN_PROCESS_COLLECTIONS = ("amazon.aws", "community.aws")

    def _in_process_refusal(self, name, task_vars, wrap_async):
        role = role_of_this_collection(self._task)
        if role:
            return f"a task of the role {role}, which runs its stock modules the usual way, as for users"
        return super()._in_process_refusal(name, task_vars, wrap_async)
