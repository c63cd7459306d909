# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible's ``normal`` action for the integration targets (next to run_target.yml, so it replaces the
builtin one for the plays of that playbook only): the amazon.aws and community.aws modules that the
targets run to build and read back their fixtures run in a child forked from the Ansible worker, as this
collection's own modules do (plugins/plugin_utils/in_process.py), instead of in a new Python each.

Each run of such a module costs about 0.1 CPU-s this way, against 0.6 to 0.9 under AnsiballZ. The
modules under test are this collection's and have action plugins of their own: this file does not
change how they run. Every other module (ansible.builtin's) runs the usual way, and so does an AWS
module whenever :func:`in_process.ineligible` finds a reason (``multiaccount_apigateway_in_process:
false``, a task environment, another interpreter...). Outside run_target.yml (molecule, the scenario
scripts, users' playbooks) Ansible's own ``normal`` action runs the stock modules."""

from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import InProcessAction, warm

warm()


class ActionModule(InProcessAction):
    IN_PROCESS_COLLECTIONS = ("amazon.aws", "community.aws")
