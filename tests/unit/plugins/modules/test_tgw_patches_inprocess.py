# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's patches G32 (RAM shares to other accounts) and G33 (a shared transit gateway used
from the other account) applied to moto in-process, and undone after the test.

In-process moto (mock_aws) shares nothing across accounts: a module test that needs a transit gateway
shared through RAM applies the two patches of tools/emulator/patches.py for its duration::

    patches.undoable(monkeypatch)   # what the patches install goes through monkeypatch
    patches.patch_G32()
    patches.patch_G33()

The gateway account is moto's default account; the provider account is reached with the credentials
of a role assumed in moto, which moto maps to that account.
"""

import importlib.util
import os

import boto3
import pytest

from .moto_harness import mocked_aws

moto = pytest.importorskip("moto")

REGION = "us-east-1"
GATEWAY_ACCOUNT = "123456789012"  # moto's default account
PROVIDER_ACCOUNT = "222222222222"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def load_patches():
    spec = importlib.util.spec_from_file_location(
        "emulator_patches", os.path.join(ROOT, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    return patches


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        yield


def client(service, account=GATEWAY_ACCOUNT):
    if account == GATEWAY_ACCOUNT:
        return boto3.client(service, region_name=REGION)
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/deployer", RoleSessionName="unit-test"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_shared_transit_gateway_attached_and_accepted_in_process():
    from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend
    from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment
    from moto.ram import urls

    original_create = TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment
    patches = load_patches()
    with pytest.MonkeyPatch.context() as monkeypatch:
        patches.undoable(monkeypatch)
        patches.patch_G32()
        patches.patch_G33()

        ec2_a, ram_a = client("ec2"), client("ram")
        ec2_b, ram_b = client("ec2", PROVIDER_ACCOUNT), client("ram", PROVIDER_ACCOUNT)
        tgw = ec2_a.create_transit_gateway(
            Options={"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable"}
        )["TransitGateway"]
        share_arn = ram_a.create_resource_share(
            name="tgw-hub", resourceArns=[tgw["TransitGatewayArn"]], principals=[PROVIDER_ACCOUNT]
        )["resourceShare"]["resourceShareArn"]

        # the provider accepts the invitation and finds the gateway through the share
        (invitation,) = ram_b.get_resource_share_invitations(resourceShareArns=[share_arn])["resourceShareInvitations"]
        ram_b.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
        (resource,) = ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS", resourceType="ec2:TransitGateway")[
            "resources"
        ]
        tgw_id = resource["arn"].rsplit("/", 1)[1]
        (seen,) = ec2_b.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"]
        assert seen["OwnerId"] == GATEWAY_ACCOUNT

        # it attaches its VPC; the gateway's owner accepts
        vpc_id = ec2_b.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnet_id = ec2_b.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1a")[
            "Subnet"
        ]["SubnetId"]
        attachment = ec2_b.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=[subnet_id]
        )["TransitGatewayVpcAttachment"]
        assert attachment["State"] == "pendingAcceptance"
        accepted = ec2_a.accept_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=attachment["TransitGatewayAttachmentId"]
        )["TransitGatewayVpcAttachment"]
        assert (accepted["State"], accepted["VpcOwnerId"]) == ("available", PROVIDER_ACCOUNT)

    # undone: moto as it was
    assert TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment is original_create
    assert not hasattr(TransitGatewayAttachment, "accept_transit_gateway_vpc_attachment")
    assert "{0}/listresources$" not in urls.url_paths
    assert ec2_b.describe_transit_gateways()["TransitGateways"] == []
