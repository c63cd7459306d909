# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ram_shares: the pure helpers, and the API layer's pagination, parameters and "not found" handling
with a stub client (no AWS, no moto)."""

import datetime

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import ram_shares

botocore = pytest.importorskip("botocore")

SHARE_ARN = "arn:aws:ram:us-east-1:111111111111:resource-share/7c8d9e0f-1a2b-3c4d-5e6f-7a8b9c0d1e2f"
INVITATION_ARN = "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/2f0a3c3e-1f7b-4c8e-9d7a-0a1b2c3d4e5f"
TGW_ARN = "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-0123456789abcdef0"


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def test_tags_dict_to_ram_list_and_back():
    tags = {"Name": "gw", "ManagedBy": "multiaccount.apigateway", "Count": 3, "Empty": None}
    listed = ram_shares.ram_tag_list(tags)
    assert listed == [
        {"key": "Count", "value": "3"},
        {"key": "Empty", "value": ""},
        {"key": "ManagedBy", "value": "multiaccount.apigateway"},
        {"key": "Name", "value": "gw"},
    ]
    assert ram_shares.ram_tag_dict(listed) == {
        "Count": "3",
        "Empty": "",
        "ManagedBy": "multiaccount.apigateway",
        "Name": "gw",
    }
    assert ram_shares.ram_tag_list(None) == [] and ram_shares.ram_tag_dict(None) == {}


def test_ram_tag_dict_reads_ec2_style_keys_and_skips_keyless_entries():
    assert ram_shares.ram_tag_dict([{"Key": "a", "Value": "b"}, {"value": "orphan"}, {"key": "c"}]) == {
        "a": "b",
        "c": "",
    }


@pytest.mark.parametrize(
    "arn, account, resource_id",
    [
        (TGW_ARN, "111111111111", "tgw-0123456789abcdef0"),
        (SHARE_ARN, "111111111111", "7c8d9e0f-1a2b-3c4d-5e6f-7a8b9c0d1e2f"),
        ("arn:aws:ec2:us-east-1:222222222222:subnet/subnet-1", "222222222222", "subnet-1"),
        ("not-an-arn", "", ""),
        (None, "", ""),
    ],
)
def test_account_and_id_of_arn(arn, account, resource_id):
    assert ram_shares.account_of_arn(arn) == account
    assert ram_shares.resource_id_of_arn(arn) == resource_id


def test_normalise_invitation_snake_case_with_short_names():
    when = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    raw = {
        "resourceShareInvitationArn": INVITATION_ARN,
        "resourceShareName": "open-banking-tgw",
        "resourceShareArn": SHARE_ARN,
        "senderAccountId": "111111111111",
        "receiverAccountId": "222222222222",
        "invitationTimestamp": when,
        "status": "PENDING",
        "receiverArn": "arn:aws:iam::222222222222:root",
    }
    assert ram_shares.normalise_invitation(raw) == {
        "arn": INVITATION_ARN,
        "share_arn": SHARE_ARN,
        "share_name": "open-banking-tgw",
        "sender_account_id": "111111111111",
        "receiver_account_id": "222222222222",
        "status": "PENDING",
        "invitation_timestamp": "2025-01-02T03:04:05+00:00",
        "receiver_arn": "arn:aws:iam::222222222222:root",
    }
    empty = ram_shares.normalise_invitation(None)
    assert empty["arn"] is None and empty["sender_account_id"] == "" and empty["status"] is None


def test_normalise_share_and_liveness():
    raw = {
        "resourceShareArn": SHARE_ARN,
        "name": "open-banking-tgw",
        "owningAccountId": "111111111111",
        "allowExternalPrincipals": True,
        "status": "ACTIVE",
        "tags": [{"key": "ManagedBy", "value": "multiaccount.apigateway"}],
    }
    share = ram_shares.normalise_share(raw)
    assert share == {
        "arn": SHARE_ARN,
        "name": "open-banking-tgw",
        "owner_account_id": "111111111111",
        "status": "ACTIVE",
        "status_message": None,
        "allow_external_principals": True,
        "tags": {"ManagedBy": "multiaccount.apigateway"},
    }
    assert ram_shares.is_live(share)
    assert ram_shares.is_live(dict(share, status="PENDING"))
    assert not ram_shares.is_live(dict(share, status="DELETED"))
    assert not ram_shares.is_live(None)
    # Without owningAccountId, the account of the share's ARN
    assert ram_shares.normalise_share({"resourceShareArn": SHARE_ARN})["owner_account_id"] == "111111111111"


def test_normalise_resource_and_association():
    resource = ram_shares.normalise_resource(
        {"arn": TGW_ARN, "type": "ec2:TransitGateway", "resourceShareArn": SHARE_ARN, "status": "AVAILABLE"}
    )
    assert resource == {
        "arn": TGW_ARN,
        "id": "tgw-0123456789abcdef0",
        "type": "ec2:TransitGateway",
        "share_arn": SHARE_ARN,
        "owner_account_id": "111111111111",
        "status": "AVAILABLE",
    }
    association = ram_shares.normalise_association(
        {
            "resourceShareArn": SHARE_ARN,
            "resourceShareName": "gw",
            "associatedEntity": "222222222222",
            "associationType": "PRINCIPAL",
            "status": "ASSOCIATED",
            "external": True,
        }
    )
    assert association["associated_entity"] == "222222222222" and association["external"] is True


# ---------------------------------------------------------------------------------------------
# API layer with a stub client
# ---------------------------------------------------------------------------------------------


class StubRam:
    """Answers each operation from a list of pages (or raises a ClientError), recording the calls."""

    def __init__(self, pages=None, error=None, paginated=True):
        self.pages = pages or {}
        self.error = error
        self.paginated = paginated
        self.calls = []

    def can_paginate(self, operation):
        return self.paginated

    def _answer(self, operation, params):
        self.calls.append((operation, dict(params)))
        if self.error:
            raise botocore.exceptions.ClientError({"Error": {"Code": self.error, "Message": "x"}}, operation)
        pages = self.pages.get(operation) or [{}]
        index = int(params.get("nextToken") or 0)
        return pages[index]

    def get_paginator(self, operation):
        return StubPaginator(self, operation)

    def __getattr__(self, operation):
        return lambda **params: self._answer(operation, params)


class StubPaginator:
    """botocore's paginate(...).build_full_result(): every page of an operation, its lists merged."""

    def __init__(self, stub, operation):
        self.stub = stub
        self.operation = operation
        self.params = {}

    def paginate(self, **params):
        self.params = params
        return self

    def build_full_result(self):
        merged, token = {}, None
        while True:
            page = self.stub._answer(self.operation, dict(self.params, **({"nextToken": token} if token else {})))
            for key, value in page.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
            token = page.get("nextToken")
            if not token:
                return merged


def test_get_resource_shares_pages_and_passes_only_given_filters():
    stub = StubRam(
        {
            "get_resource_shares": [
                {"resourceShares": [{"name": "a"}], "nextToken": "1"},
                {"resourceShares": [{"name": "b"}]},
            ]
        }
    )
    shares = ram_shares.get_resource_shares(stub, ram_shares.OTHER_ACCOUNTS, name="gw")
    assert [share["name"] for share in shares] == ["a", "b"]
    assert stub.calls[0] == ("get_resource_shares", {"resourceOwner": "OTHER-ACCOUNTS", "name": "gw"})
    assert stub.calls[1][1]["nextToken"] == "1"


def test_owner_must_be_self_or_other_accounts():
    with pytest.raises(ValueError, match="SELF, OTHER-ACCOUNTS"):
        ram_shares.get_resource_shares(StubRam(), "ME")


def test_next_token_is_followed_where_botocore_has_no_paginator():
    stub = StubRam(
        {
            "list_resources": [
                {"resources": [{"arn": TGW_ARN}], "nextToken": "1"},
                {"resources": [{"arn": "arn:aws:ec2:us-east-1:111111111111:subnet/subnet-1"}]},
            ]
        },
        paginated=False,
    )
    found = ram_shares.list_resources(stub, ram_shares.OTHER_ACCOUNTS, ram_shares.TRANSIT_GATEWAY_TYPE, [SHARE_ARN])
    assert [item["arn"] for item in found] == [TGW_ARN, "arn:aws:ec2:us-east-1:111111111111:subnet/subnet-1"]
    first = {"resourceOwner": "OTHER-ACCOUNTS", "resourceType": "ec2:TransitGateway", "resourceShareArns": [SHARE_ARN]}
    assert stub.calls == [("list_resources", first), ("list_resources", dict(first, nextToken="1"))]


def test_not_found_is_an_empty_answer_in_one_place():
    stub = StubRam(error="UnknownResourceException")
    assert ram_shares.get_resource_shares(stub, ram_shares.SELF, arns=[SHARE_ARN]) == []
    assert (
        ram_shares.list_resources(stub, ram_shares.OTHER_ACCOUNTS, ram_shares.TRANSIT_GATEWAY_TYPE, [SHARE_ARN]) == []
    )
    assert ram_shares.delete_resource_share(stub, SHARE_ARN) is False
    assert ram_shares.disassociate_resource_share(stub, SHARE_ARN, principals=["222222222222"]) is False


def test_other_errors_raise_the_layer_error():
    stub = StubRam(error="OperationNotPermittedException")
    with pytest.raises(ram_shares.AnsibleRamError, match="Failed to accept the resource share invitation"):
        ram_shares.accept_resource_share_invitation(stub, INVITATION_ARN)


def test_create_and_associate_send_ram_shaped_parameters():
    stub = StubRam(
        {
            "create_resource_share": [{"resourceShare": {"resourceShareArn": SHARE_ARN}}],
            "associate_resource_share": [{"resourceShareAssociations": [{"associatedEntity": "333333333333"}]}],
        }
    )
    created = ram_shares.create_resource_share(stub, "gw", [TGW_ARN], [222222222222], False, {"Name": "gw"})
    assert created == {"resourceShareArn": SHARE_ARN}
    assert stub.calls[0] == (
        "create_resource_share",
        {
            "name": "gw",
            "allowExternalPrincipals": False,
            "resourceArns": [TGW_ARN],
            "principals": ["222222222222"],
            "tags": [{"key": "Name", "value": "gw"}],
        },
    )
    associated = ram_shares.associate_resource_share(stub, SHARE_ARN, principals=["333333333333"])
    assert associated == [{"associatedEntity": "333333333333"}]
    assert stub.calls[1] == (
        "associate_resource_share",
        {"resourceShareArn": SHARE_ARN, "principals": ["333333333333"]},
    )
    ram_shares.tag_resource(stub, SHARE_ARN, {"a": "b"})
    assert stub.calls[2] == ("tag_resource", {"resourceShareArn": SHARE_ARN, "tags": [{"key": "a", "value": "b"}]})


def test_association_type_is_checked():
    with pytest.raises(ValueError, match="PRINCIPAL or RESOURCE"):
        ram_shares.get_resource_share_associations(StubRam(), "principal")
    stub = StubRam({"get_resource_share_associations": [{"resourceShareAssociations": [{"status": "ASSOCIATED"}]}]})
    found = ram_shares.get_resource_share_associations(stub, ram_shares.PRINCIPAL, [SHARE_ARN], principal=222222222222)
    assert found == [{"status": "ASSOCIATED"}]
    assert stub.calls[0][1] == {
        "associationType": "PRINCIPAL",
        "resourceShareArns": [SHARE_ARN],
        "principal": "222222222222",
    }
