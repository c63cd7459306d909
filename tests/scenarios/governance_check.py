# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read back the gateway's policy of inventories/local for tests/scenarios/governance.sh.

    python governance_check.py secrets LOG   # fails when a partner's API key value is in LOG (or no key exists)
    python governance_check.py state         # {"deployments": n, "plans": {name: {quota, throttle}}, "keys": [names]}

Against the emulator at AWS_ENDPOINT_URL, as the gateway account's administrator (not the collection's
roles). The key values are read here only, to search the log for them; they are never printed.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from foreign_resources import GATEWAY, session  # noqa: E402  pylint: disable=wrong-import-position

API_NAME = "open-banking"


def secrets(log_path):
    apigw = session(*GATEWAY).client("apigateway")
    keys = apigw.get_api_keys(includeValues=True)["items"]
    with open(log_path, encoding="utf-8", errors="replace") as stream:
        log = stream.read()
    found = [key["name"] for key in keys if key.get("value") and key["value"] in log]
    print(json.dumps({"keys": len(keys), "log_bytes": len(log), "values_in_log": found}))
    if not keys:
        sys.exit("no API key exists: nothing was checked")
    if found:
        sys.exit(f"the value of the API key(s) {', '.join(found)} is in {log_path}")


def state():
    apigw = session(*GATEWAY).client("apigateway")
    apis = [api for api in apigw.get_rest_apis()["items"] if api["name"] == API_NAME]
    deployments = len(apigw.get_deployments(restApiId=apis[0]["id"])["items"]) if apis else 0
    plans = {
        plan["name"]: {"quota": plan.get("quota"), "throttle": plan.get("throttle")}
        for plan in apigw.get_usage_plans()["items"]
    }
    keys = sorted(key["name"] for key in apigw.get_api_keys()["items"])
    print(json.dumps({"deployments": deployments, "plans": plans, "keys": keys}, sort_keys=True))


def main():
    if sys.argv[1:2] == ["secrets"] and len(sys.argv) == 3:
        secrets(sys.argv[2])
    elif sys.argv[1:] == ["state"]:
        state()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
