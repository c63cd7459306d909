# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of multiaccount.apigateway.demo_instances: the wait (demo instances running (and terminated ones terminated)) on the controller.

The module runs once with its wait off, then the plugin polls what is still pending and prints a
progress line (see plugin_utils/waiting_action.py).

The poll's read-only module (amazon.aws.ec2_instance_info) is imported once in the controller
too, so that no poll compiles it again (see plugin_utils/in_process.py).
"""

from ansible_collections.multiaccount.apigateway.plugins.module_utils.waits import INSTANCE_INFO, DemoInstancesWait
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.in_process import warm
from ansible_collections.multiaccount.apigateway.plugins.plugin_utils.waiting_action import WaitingAction

warm(__name__, foreign=(INSTANCE_INFO,))


class ActionModule(WaitingAction):
    _waiter = DemoInstancesWait
