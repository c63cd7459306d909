# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.nlb_ip_targets: the wait (IP targets registered or healthy (and deregistered ones gone)) on the controller.

The module runs once with its wait off, then the plugin polls what is still pending and prints a
progress line (see plugin_utils/waiting_action.py).
"""

from ansible_collections.multiaccount.apigateway.plugins.module_utils.waits import TargetsWait
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import warm
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.waiting_action import WaitingAction

warm(__name__)


class ActionModule(WaitingAction):
    _waiter = TargetsWait
