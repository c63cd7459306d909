#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Seed an AWS organisation on the emulator at $AWS_ENDPOINT_URL for tests/scenarios/org_inventory.sh.

    python tests/scenarios/seed_organization.py > org.json

The caller's account (the emulator's default, with the dummy keys) creates the organisation and becomes
its management account. Tree and accounts (the management account has no tags, so it stays out of the
inventory):

    Root
    +- Platform                  "Shared Services"  apigateway:role=gateway            -> shared-services
    +- Workloads                 "Payments"         (provider: under provider_ous)     -> payments
       +- Cards                  "Cards Prod"       apigateway:hostname=cards,
                                                    apigateway:var:aws_region=us-west-2 -> cards

The emulator gives the accounts random 12-digit ids; for each one this proves that STS AssumeRole into
arn:aws:iam::<id>:role/OrganizationAccountAccessRole yields credentials that act in that account
(GetCallerIdentity, and an EC2 read that sees the account's own default VPC), which is what the
account_credentials role does. Prints JSON: root and OU ids, and {host: account id}.
"""

import json
import os
import sys

import boto3

ROLE_NAME = "OrganizationAccountAccessRole"
# (host, account name, OU, tags): the OU is a path below the root.
ACCOUNTS = (
    ("shared-services", "Shared Services", "Platform", {"apigateway:role": "gateway"}),
    ("payments", "Payments", "Workloads", {"team": "payments"}),
    (
        "cards",
        "Cards Prod",
        "Workloads/Cards",
        {"apigateway:hostname": "cards", "apigateway:var:aws_region": "us-west-2"},
    ),
)


def fail(message):
    print(f"seed_organization: {message}", file=sys.stderr)
    sys.exit(1)


def check_assume_role(sts, account_id):
    """Credentials from AssumeRole into the account's role must act in that account."""
    arn = f"arn:aws:iam::{account_id}:role/{ROLE_NAME}"
    credentials = sts.assume_role(RoleArn=arn, RoleSessionName="org-inventory-seed")["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    acting = session.client("sts").get_caller_identity()["Account"]
    if acting != account_id:
        fail(f"AssumeRole into {arn} gives credentials acting in {acting}, not {account_id}")
    vpcs = session.client("ec2").describe_vpcs()["Vpcs"]
    owners = {vpc["OwnerId"] for vpc in vpcs}
    if owners - {account_id}:
        fail(f"credentials of {account_id} see VPCs of other accounts: {sorted(owners)}")


def main():
    if not os.environ.get("AWS_ENDPOINT_URL", "").startswith("http://127."):
        fail("AWS_ENDPOINT_URL must point at the local emulator (http://127.x.x.x:port)")
    org = boto3.client("organizations", region_name="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    root = org.list_roots()["Roots"][0]["Id"]

    ous = {"": root}
    for path in sorted({ou for _host, _name, ou, _tags in ACCOUNTS} | {"Workloads"}):
        parent = ""
        for part in path.split("/"):
            current = f"{parent}/{part}".lstrip("/")
            if current not in ous:
                created = org.create_organizational_unit(ParentId=ous[parent], Name=part)
                ous[current] = created["OrganizationalUnit"]["Id"]
            parent = current

    hosts = {}
    for host, name, ou, tags in ACCOUNTS:
        status = org.create_account(
            AccountName=name,
            Email=f"{host}@example.com",
            RoleName=ROLE_NAME,
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
        )["CreateAccountStatus"]
        if status["State"] != "SUCCEEDED":
            fail(f"create_account {name}: {status}")
        account_id = status["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ous[ou])
        check_assume_role(sts, account_id)
        hosts[host] = account_id

    json.dump(
        {
            "organization_id": organization["Id"],
            "management_account_id": organization["MasterAccountId"],
            "root_id": root,
            "ous": {path: ou_id for path, ou_id in ous.items() if path},
            "hosts": hosts,
        },
        sys.stdout,
        indent=2,
    )
    print()


if __name__ == "__main__":
    main()
