# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test fixture for the transit_gateway_attachment target: the RAM calls no Ansible module makes.

Neither amazon.aws nor community.aws has a RAM module. Credentials, region and endpoint come from the
environment (boto3 reads AWS_ENDPOINT_URL itself).

    python ram_fixture.py share <name> <principal>   -> {"arn": "arn:aws:ram:..."} (a share without resources)
    python ram_fixture.py delete <arn>               -> {"deleted": true}
    python ram_fixture.py invitations                -> {"<share arn>": "PENDING", ...} of the calling account
"""

import json
import sys

import boto3


def main(command, *args):
    ram = boto3.client("ram")
    if command == "share":
        name, principal = args
        created = ram.create_resource_share(name=name, principals=[principal], allowExternalPrincipals=True)
        print(json.dumps({"arn": created["resourceShare"]["resourceShareArn"]}))
    elif command == "delete":
        print(json.dumps({"deleted": ram.delete_resource_share(resourceShareArn=args[0]).get("returnValue", True)}))
    elif command == "invitations":
        found = ram.get_paginator("get_resource_share_invitations").paginate().build_full_result()
        print(json.dumps({item["resourceShareArn"]: item["status"] for item in found["resourceShareInvitations"]}))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
