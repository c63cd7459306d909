# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test fixture for the vpc_peering_accept target: a new peering request, even when one exists.

amazon.aws.ec2_vpc_peering returns the pending request between two VPCs instead of making a second
one; the ambiguous case needs two. Credentials, region and endpoint come from the environment
(boto3 reads AWS_ENDPOINT_URL itself).

    python request_peering.py <vpc_id> <peer_vpc_id> <peer_owner_id>   -> {"id": "pcx-...", "status": ...}
"""

import json
import sys

import boto3


def main(vpc_id, peer_vpc_id, peer_owner_id):
    created = boto3.client("ec2").create_vpc_peering_connection(
        VpcId=vpc_id, PeerVpcId=peer_vpc_id, PeerOwnerId=peer_owner_id
    )["VpcPeeringConnection"]
    print(json.dumps({"id": created["VpcPeeringConnectionId"], "status": created["Status"]["Code"]}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
