# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A module for the tests of plugins/plugin_utils/in_process.py: an AnsibleModule like the modules of
this collection, whose option ``behaviour`` says what it does.

``ok``: exit_json with ``changed`` and the keys of ``data``; ``modes``: reports the check mode and diff
mode it saw; ``secret``: puts its ``no_log`` option ``secret`` in its message (AnsibleModule masks it);
``fail``: fail_json with ``msg``; ``raise``: raises ValueError; ``exit3``: os._exit(3) without printing;
``killed``: kills itself with SIGKILL; ``hang``: sleeps 20 s; ``return``: main() returns without
exit_json; ``counter``: counts its runs in a module-level counter, sets FAKE_MODULE_RAN in os.environ
and reports the count; ``loader``: reports the id of the data loader of a new botocore session;
``tmpdir``: reports the module's temporary directory (``AnsibleModule.tmpdir``), which it creates.
"""

import os
import signal
import sys
import time

import botocore.session
from ansible.module_utils.basic import AnsibleModule

BEHAVIOURS = (
    "ok",
    "modes",
    "secret",
    "fail",
    "raise",
    "exit3",
    "killed",
    "hang",
    "return",
    "counter",
    "loader",
    "tmpdir",
    "warn",
    "stderr",
)
RUNS = {"count": 0}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            behaviour=dict(type="str", required=True, choices=list(BEHAVIOURS)),
            changed=dict(type="bool", default=False),
            data=dict(type="dict", default={}),
            msg=dict(type="str", default="the fake module failed"),
            secret=dict(type="str", no_log=True),
        ),
        supports_check_mode=True,
    )
    behaviour = module.params["behaviour"]
    if behaviour == "ok":
        module.exit_json(changed=module.params["changed"], **module.params["data"])
    if behaviour == "modes":
        module.exit_json(changed=False, check_mode=module.check_mode, diff=module._diff)
    if behaviour == "secret":
        module.exit_json(changed=False, msg=f"the secret is {module.params['secret']}")
    if behaviour == "fail":
        module.fail_json(msg=module.params["msg"])
    if behaviour == "raise":
        raise ValueError("the fake module cannot go on")
    if behaviour == "exit3":
        os._exit(3)
    if behaviour == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if behaviour == "hang":
        time.sleep(20)
    if behaviour == "counter":
        RUNS["count"] += 1
        os.environ["FAKE_MODULE_RAN"] = str(RUNS["count"])
        module.exit_json(changed=False, counter=RUNS["count"])
    if behaviour == "loader":
        module.exit_json(changed=False, loader=id(botocore.session.Session().get_component("data_loader")))
    if behaviour == "tmpdir":
        module.exit_json(changed=False, tmpdir=module.tmpdir)
    if behaviour == "stderr":
        sys.stderr.write("the fake module says something on its stderr\n")
        module.exit_json(changed=False)
    if behaviour == "warn":
        module.warn("the fake module warns")
        module.deprecate("the fake option goes away", version="9.0.0", collection_name="multiaccount.apigateway")
        module.exit_json(changed=False)
    # "return" (and "hang", once awake): main() ends without exit_json or fail_json


if __name__ == "__main__":
    main()
