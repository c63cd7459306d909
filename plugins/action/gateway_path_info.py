# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.gateway_path_info: Ansible's normal action, the module run in a child
forked from the worker when it can (plugins/plugin_utils/in_process.py)."""

from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import InProcessAction, warm

warm(__name__)


class ActionModule(InProcessAction):
    """The action of multiaccount.apigateway.gateway_path_info."""
