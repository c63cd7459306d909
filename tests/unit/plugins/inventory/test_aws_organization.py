# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_organization inventory: the pure parts on hand-made snapshots, then boto3 and the plugin on moto."""

import os
import re
import sys

import botocore.client
import botocore.session
import pytest
import yaml
from ansible_collections.multiaccount.apigateway.plugins.module_utils import organization as org
from ansible_collections.multiaccount.apigateway.plugins.module_utils.organization import (
    OrganizationInventoryError,
)

GATEWAY_ID = "111111111111"
PAYMENTS_ID = "222222222222"
CARDS_ID = "333333333333"
SANDBOX_ID = "444444444444"
CLOSED_ID = "555555555555"
MANAGEMENT_ID = "999999999999"
ROOT = "r-ab12"
PLATFORM = "ou-ab12-platform1"
WORKLOADS = "ou-ab12-workload1"
CARDS_OU = "ou-ab12-cardsou01"
SANDBOX = "ou-ab12-sandbox01"

OPTIONS = {
    "organizational_units": [],
    "gateway_account_id": None,
    "gateway_ou": None,
    "provider_ous": ["/Workloads"],
    "group_tag": "apigateway:role",
    "hostname_tag": "apigateway:hostname",
    "var_tag_prefix": "apigateway:var:",
    "service_tag_prefix": "apigateway:service:",
    "catalogue_dir": None,
    "catalogue_required": True,
    "account_role_name": "OrganizationAccountAccessRole",
    "default_region": "us-east-1",
}

GATEWAY_ENTRY = {
    "shared_gateway_vpc_cidr": "10.100.0.0/16",
    "shared_gateway_subnets": [{"cidr": "10.100.1.0/24", "az": "us-east-1a"}],
    "api_publish_name": "open-banking",
}
PAYMENTS_SERVICES = [{"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]}]


def account(account_id, name, parent, tags=None, state="ACTIVE", partition="aws"):
    return {
        "id": account_id,
        "name": name,
        "arn": f"arn:{partition}:organizations::{MANAGEMENT_ID}:account/o-abc/{account_id}",
        "status": state,
        "state": state,
        "parent": parent,
        "tags": dict(tags or {}),
    }


def snapshot(accounts=None):
    """Root > Platform (gateway, tagged), Workloads (payments) > Cards (cards), Sandbox; management at the root."""
    return {
        "organization": {"id": "o-abc", "management_account_id": MANAGEMENT_ID},
        "roots": [{"id": ROOT, "name": "Root"}],
        "ous": {
            ROOT: {"id": ROOT, "name": "Root", "parent": None},
            PLATFORM: {"id": PLATFORM, "name": "Platform", "parent": ROOT},
            WORKLOADS: {"id": WORKLOADS, "name": "Workloads", "parent": ROOT},
            CARDS_OU: {"id": CARDS_OU, "name": "Cards", "parent": WORKLOADS},
            SANDBOX: {"id": SANDBOX, "name": "Sandbox", "parent": ROOT},
        },
        "accounts": (
            accounts
            if accounts is not None
            else [
                account(MANAGEMENT_ID, "Management", ROOT),
                account(GATEWAY_ID, "Shared Services", PLATFORM, {"apigateway:role": "gateway"}),
                account(
                    PAYMENTS_ID,
                    "Payments",
                    WORKLOADS,
                    {
                        "apigateway:var:provider_vpc_cidr": "10.0.0.0/16",
                        "apigateway:service:payments": "port=8080 path=payments targets=10.0.1.25",
                    },
                ),
                account(
                    CARDS_ID,
                    "Cards Prod",
                    CARDS_OU,
                    {"apigateway:hostname": "cards", "apigateway:var:aws_region": "us-west-2"},
                ),
                account(SANDBOX_ID, "Sandbox", SANDBOX),
                account(CLOSED_ID, "Old Payments", WORKLOADS, state="SUSPENDED"),
            ]
        ),
    }


def write(directory, name, data):
    path = os.path.join(str(directory), name)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    return path


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def catalogue(tmp_path, **files):
    for name, data in files.items():
        write(tmp_path, name, data)
    return dict(OPTIONS, catalogue_dir=str(tmp_path))


# --------------------------------------------------------------------------------------------
# OU references, paths, subtrees
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref, expected",
    [
        (CARDS_OU, CARDS_OU),
        (ROOT, ROOT),
        ("/", ROOT),
        ("Root", ROOT),
        ("/Workloads", WORKLOADS),
        ("/Workloads/Cards", CARDS_OU),
        ("Root/Workloads/Cards/", CARDS_OU),
        (" /Platform ", PLATFORM),
    ],
)
def test_resolve_ou(ref, expected):
    assert org.resolve_ou(snapshot(), ref, "provider_ous") == expected


@pytest.mark.parametrize(
    "ref, words",
    [
        ("/Workloads/Payments", ["provider_ous", "Root/Workloads has no OU named 'Payments'", "its OUs: Cards"]),
        ("/workloads", ["provider_ous", "no OU named 'workloads'", "case-sensitive"]),
        ("Workloads/Cards", ["provider_ous", "start the path with / or with the root's name (Root)"]),
        ("ou-ab12-missing01", ["provider_ous", "ou-ab12-missing01 is not a root or OU of organisation o-abc"]),
        ("", ["provider_ous", "is not an OU reference"]),
    ],
)
def test_resolve_ou_errors_name_the_option_and_the_fix(ref, words):
    with pytest.raises(OrganizationInventoryError) as error:
        org.resolve_ou(snapshot(), ref, "provider_ous")
    for word in words:
        assert word in str(error.value)


def test_a_path_from_the_root_needs_a_single_root():
    data = snapshot()
    data["roots"].append({"id": "r-cd34", "name": "Other"})
    data["ous"]["r-cd34"] = {"id": "r-cd34", "name": "Other", "parent": None}
    with pytest.raises(OrganizationInventoryError, match="has 2 roots"):
        org.resolve_ou(data, "/Workloads", "gateway_ou")
    assert org.resolve_ou(data, "Other", "gateway_ou") == "r-cd34"


def test_ancestry_path_and_subtree():
    data = snapshot()
    assert org.ancestry(data, CARDS_OU) == [ROOT, WORKLOADS, CARDS_OU]
    assert org.ou_path(data, CARDS_OU) == "Root/Workloads/Cards"
    assert org.ou_path(data, ROOT) == "Root"
    assert org.subtree(data, [WORKLOADS]) == {WORKLOADS, CARDS_OU}
    assert org.subtree(data, [ROOT]) == set(data["ous"])


# --------------------------------------------------------------------------------------------
# Host names and groups
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Shared Services", "shared-services"),
        ("Payments_Prod (EU)", "payments-prod-eu"),
        ("  --Cards--  ", "cards"),
        ("Zürich Bank", "z-rich-bank"),
        ("", ""),
    ],
)
def test_sanitise_host_name(name, expected):
    assert org.sanitise_host_name(name) == expected


def test_host_name_tag_first_then_the_account_name_then_the_id():
    assert (
        org.host_name(
            account(CARDS_ID, "Cards Prod", CARDS_OU, {"apigateway:hostname": "cards"}), "apigateway:hostname"
        )
        == "cards"
    )
    assert org.host_name(account(CARDS_ID, "Cards Prod", CARDS_OU), "apigateway:hostname") == "cards-prod"
    assert org.host_name(account(CARDS_ID, "***", CARDS_OU), "apigateway:hostname") == f"account-{CARDS_ID}"
    # An empty option reads no tag.
    assert (
        org.host_name(account(CARDS_ID, "Cards Prod", CARDS_OU, {"apigateway:hostname": "cards"}), "") == "cards-prod"
    )


def test_an_invalid_host_name_tag_names_account_and_tag():
    bad = account(CARDS_ID, "Cards Prod", CARDS_OU, {"apigateway:hostname": "cards prod"})
    with pytest.raises(OrganizationInventoryError) as error:
        org.host_name(bad, "apigateway:hostname")
    assert f"Cards Prod ({CARDS_ID}): tag apigateway:hostname='cards prod' is not a valid host name" in str(error.value)


def resolved(**changes):
    options = dict(OPTIONS, provider_ous=[WORKLOADS])
    options.update(changes)
    return options


@pytest.mark.parametrize(
    "tags, ancestors, options, expected",
    [
        ({"apigateway:role": "gateway"}, [ROOT, SANDBOX], resolved(), ("shared", "tag apigateway:role=gateway")),
        ({"apigateway:role": "Provider"}, [ROOT], resolved(), ("provider", "tag apigateway:role=Provider")),
        # The tag wins over the OUs.
        ({"apigateway:role": "gateway"}, [ROOT, WORKLOADS], resolved(), ("shared", "tag apigateway:role=gateway")),
        ({}, [ROOT], resolved(gateway_account_id=PAYMENTS_ID), ("shared", "option gateway_account_id")),
        ({}, [ROOT, PLATFORM], resolved(gateway_ou=PLATFORM), ("shared", f"under gateway_ou {PLATFORM}")),
        # gateway_ou before provider_ous; nested OUs count.
        ({}, [ROOT, WORKLOADS, CARDS_OU], resolved(gateway_ou=CARDS_OU), ("shared", f"under gateway_ou {CARDS_OU}")),
        ({}, [ROOT, WORKLOADS, CARDS_OU], resolved(), ("provider", f"under provider_ous {WORKLOADS}")),
        (
            {},
            [ROOT, SANDBOX],
            resolved(),
            (None, "no apigateway:role tag, not gateway_account_id, not under gateway_ou or provider_ous"),
        ),
        # With group_tag empty, the tag is not read.
        (
            {"apigateway:role": "gateway"},
            [ROOT, SANDBOX],
            resolved(group_tag=""),
            (None, "not gateway_account_id, not under gateway_ou or provider_ous"),
        ),
    ],
)
def test_choose_kind(tags, ancestors, options, expected):
    assert org.choose_kind(account(PAYMENTS_ID, "Payments", ancestors[-1], tags), ancestors, options) == expected


def test_a_group_tag_of_another_value_is_an_error():
    with pytest.raises(OrganizationInventoryError) as error:
        org.choose_kind(account(PAYMENTS_ID, "Payments", ROOT, {"apigateway:role": "consumer"}), [ROOT], resolved())
    assert "Payments (222222222222): tag apigateway:role='consumer' is neither gateway nor provider" in str(error.value)


@pytest.mark.parametrize(
    "tag_value, gateway_id",
    [("provider", PAYMENTS_ID), ("gateway", GATEWAY_ID)],
)
def test_a_group_tag_contradicting_gateway_account_id_is_an_error(tag_value, gateway_id):
    payments = account(PAYMENTS_ID, "Payments", ROOT, {"apigateway:role": tag_value})
    with pytest.raises(OrganizationInventoryError, match="contradicts the option gateway_account_id"):
        org.choose_kind(payments, [ROOT], resolved(gateway_account_id=gateway_id))


# --------------------------------------------------------------------------------------------
# Tags as catalogue
# --------------------------------------------------------------------------------------------

# AWS Organizations' TagValue pattern (botocore model), \p{L} \p{Z} \p{N} written as Python classes.
TAG_VALUE_RE = re.compile(r"^[\w\s.:/=+\-@]*$")


def test_the_tag_pattern_here_is_the_one_of_the_aws_model():
    model = botocore.session.get_session().get_service_model("organizations")
    assert model.shape_for("TagValue").metadata["pattern"] == r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"
    assert model.shape_for("TagValue").metadata["max"] == 256


def test_parse_service_tag():
    value = "port=8080 path=payments/v2 targets=10.0.1.25+10.0.2.25 listener_port=9080"
    assert TAG_VALUE_RE.match(value), "the documented encoding must be a valid AWS tag value"
    assert org.parse_service_tag(account(PAYMENTS_ID, "Payments", ROOT), "k", "payments", value) == {
        "name": "payments",
        "port": 8080,
        "path": "payments/v2",
        "targets": ["10.0.1.25", "10.0.2.25"],
        "listener_port": 9080,
    }
    # Not a number: left as it is, for the preflight to name.
    assert org.parse_service_tag(account(PAYMENTS_ID, "Payments", ROOT), "k", "x", "port=08080")["port"] == "08080"


@pytest.mark.parametrize(
    "value, words",
    [
        (
            "port=8080 path payments",
            ["tag apigateway:service:payments: 'path' is not key=value", "targets=10.0.1.25+10.0.2.25"],
        ),
        ("port=8080 port=8081", ["port is given twice"]),
        ("port=", ["'port=' is not key=value"]),
    ],
)
def test_parse_service_tag_errors(value, words):
    with pytest.raises(OrganizationInventoryError) as error:
        org.parse_service_tag(account(PAYMENTS_ID, "Payments", ROOT), "apigateway:service:payments", "payments", value)
    for word in ["Payments (222222222222)"] + words:
        assert word in str(error.value)


def test_tag_vars():
    tags = {
        "apigateway:var:provider_vpc_cidr": "10.0.0.0/16",
        "apigateway:var:aws_region": "eu-west-3",
        "apigateway:service:zeta": "port=8081 path=zeta targets=10.0.1.26",
        "apigateway:service:alpha": "port=8080 path=alpha targets=10.0.1.25",
        "team": "payments",
    }
    result = org.tag_vars(account(PAYMENTS_ID, "Payments", ROOT, tags), "apigateway:var:", "apigateway:service:")
    assert result == {
        "provider_vpc_cidr": "10.0.0.0/16",
        "aws_region": "eu-west-3",
        "provider_vpc_services": [
            {"name": "alpha", "port": 8080, "path": "alpha", "targets": ["10.0.1.25"]},
            {"name": "zeta", "port": 8081, "path": "zeta", "targets": ["10.0.1.26"]},
        ],
    }
    # Empty prefixes read nothing.
    assert org.tag_vars(account(PAYMENTS_ID, "Payments", ROOT, tags), "", "") == {}


@pytest.mark.parametrize(
    "tags, words",
    [
        (
            {"apigateway:var:vpc-cidr": "10.0.0.0/16"},
            ["tag apigateway:var:vpc-cidr: 'vpc-cidr' is not a variable name"],
        ),
        (
            {"apigateway:var:aws_account_id": "123456789012"},
            ["aws_account_id comes from the organisation; remove the tag"],
        ),
        (
            {"apigateway:var:provider_vpc_services": "x", "apigateway:service:a": "port=1 path=a targets=10.0.0.1"},
            ["both set the services"],
        ),
    ],
)
def test_tag_vars_errors(tags, words):
    with pytest.raises(OrganizationInventoryError) as error:
        org.tag_vars(account(PAYMENTS_ID, "Payments", ROOT, tags), "apigateway:var:", "apigateway:service:")
    for word in words:
        assert word in str(error.value)


# --------------------------------------------------------------------------------------------
# Catalogue files and the merge
# --------------------------------------------------------------------------------------------


def test_find_catalogue_file_by_id_or_host_name(tmp_path):
    payments = account(PAYMENTS_ID, "Payments", WORKLOADS)
    assert org.find_catalogue_file(str(tmp_path), payments, "payments") is None
    by_host = write(tmp_path, "payments.yaml", {})
    assert org.find_catalogue_file(str(tmp_path), payments, "payments") == by_host
    by_id = write(tmp_path, f"{PAYMENTS_ID}.yml", {})
    with pytest.raises(OrganizationInventoryError) as error:
        org.find_catalogue_file(str(tmp_path), payments, "payments")
    assert f"catalogue files {by_id}, {by_host} all describe host payments; keep one" in str(error.value)


@pytest.mark.parametrize(
    "data, words",
    [
        (["provider_vpc_cidr"], ["holds list, not a mapping"]),
        ({"provider vpc cidr": "10.0.0.0/16"}, ["'provider vpc cidr' is not a variable name"]),
        (
            {"aws_account_id": "123456789012"},
            ["aws_account_id is '123456789012', but the file describes account 222222222222"],
        ),
    ],
)
def test_check_catalogue_entry_errors(data, words):
    with pytest.raises(OrganizationInventoryError) as error:
        org.check_catalogue_entry(account(PAYMENTS_ID, "Payments", WORKLOADS), "cat/payments.yml", data)
    for word in ["Payments (222222222222): catalogue file cat/payments.yml"] + words:
        assert word in str(error.value)


def test_check_catalogue_entry_accepts_an_empty_file_and_the_right_account_id():
    payments = account(PAYMENTS_ID, "Payments", WORKLOADS)
    assert org.check_catalogue_entry(payments, "p.yml", None) == {}
    assert org.check_catalogue_entry(payments, "p.yml", {"aws_account_id": PAYMENTS_ID}) == {
        "aws_account_id": PAYMENTS_ID
    }


def test_merge_vars_precedence_and_conflicts():
    payments = account(PAYMENTS_ID, "Payments", WORKLOADS)
    base = {"aws_region": "us-east-1", "aws_account_id": PAYMENTS_ID}
    merged = org.merge_vars(
        payments,
        base,
        {"aws_region": "eu-west-3", "provider_vpc_cidr": "10.0.0.0/16"},
        {"provider_vpc_cidr": "10.0.0.0/16", "provider_vpc_demo_instances": True},
        "p.yml",
        ["apigateway:var:*"],
    )
    assert merged == {
        "aws_region": "eu-west-3",
        "aws_account_id": PAYMENTS_ID,
        "provider_vpc_cidr": "10.0.0.0/16",
        "provider_vpc_demo_instances": True,
    }
    with pytest.raises(OrganizationInventoryError) as error:
        org.merge_vars(
            payments, base, {"aws_region": "eu-west-3"}, {"aws_region": "us-west-2"}, "p.yml", ["apigateway:var:*"]
        )
    assert (
        "Payments (222222222222): aws_region is set both by account tags (apigateway:var:*) and in catalogue file p.yml"
        in str(error.value)
    )


def test_role_arn_takes_the_partition_of_the_account():
    assert org.role_arn(account(GATEWAY_ID, "G", ROOT), "Deployer") == f"arn:aws:iam::{GATEWAY_ID}:role/Deployer"
    assert (
        org.role_arn(account(GATEWAY_ID, "G", ROOT, partition="aws-us-gov"), "Deployer")
        == f"arn:aws-us-gov:iam::{GATEWAY_ID}:role/Deployer"
    )


# --------------------------------------------------------------------------------------------
# build_hosts: the whole pure path
# --------------------------------------------------------------------------------------------


def test_build_hosts(tmp_path):
    options = catalogue(
        tmp_path,
        **{
            f"{GATEWAY_ID}.yml": GATEWAY_ENTRY,
            "cards.yml": {"provider_vpc_cidr": "10.1.0.0/16", "provider_vpc_services": []},
        },
    )
    hosts, notes = org.build_hosts(snapshot(), options, load_file=load_yaml)
    by_name = {host["name"]: host for host in hosts}
    assert [host["name"] for host in hosts] == ["cards", "payments", "shared-services"]
    assert {name: host["group"] for name, host in by_name.items()} == {
        "cards": "providers",
        "payments": "providers",
        "shared-services": "shared_services",
    }
    gateway = by_name["shared-services"]["vars"]
    assert gateway["aws_account_id"] == GATEWAY_ID
    assert gateway["aws_region"] == "us-east-1"
    assert gateway["ansible_connection"] == "local"
    assert gateway["aws_role_arn"] == f"arn:aws:iam::{GATEWAY_ID}:role/OrganizationAccountAccessRole"
    assert gateway["shared_gateway_vpc_cidr"] == "10.100.0.0/16"
    assert gateway["aws_organization_ou_path"] == "Root/Platform"
    assert by_name["shared-services"]["catalogue"] == os.path.join(str(tmp_path), f"{GATEWAY_ID}.yml")
    payments = by_name["payments"]["vars"]
    assert payments["provider_vpc_services"] == PAYMENTS_SERVICES
    assert payments["provider_vpc_cidr"] == "10.0.0.0/16"
    assert by_name["payments"]["catalogue"] is None
    # Values from tags are marked raw (never templated); catalogue values are not.
    assert "provider_vpc_services" in by_name["payments"]["raw_vars"]
    assert "provider_vpc_cidr" not in by_name["cards"]["raw_vars"]
    assert "aws_region" in by_name["cards"]["raw_vars"]
    cards = by_name["cards"]["vars"]
    assert cards["aws_region"] == "us-west-2"
    assert cards["aws_organization_ou_path"] == "Root/Workloads/Cards"
    assert cards["aws_organization_account_name"] == "Cards Prod"
    assert notes == [
        f"Management ({MANAGEMENT_ID}): left out, in no group (no apigateway:role tag, not gateway_account_id, "
        "not under gateway_ou or provider_ous)",
        f"Sandbox ({SANDBOX_ID}): left out, in no group (no apigateway:role tag, not gateway_account_id, "
        "not under gateway_ou or provider_ous)",
        f"Old Payments ({CLOSED_ID}): left out, state SUSPENDED",
    ]


def test_build_hosts_by_ou_options_and_without_role_name(tmp_path):
    data = snapshot()
    data["accounts"][1]["tags"] = {}  # the gateway is chosen by gateway_ou now
    options = catalogue(tmp_path, **{"shared-services.yml": GATEWAY_ENTRY, "cards.yml": {"provider_vpc_services": []}})
    options.update(
        gateway_ou="/Platform", provider_ous=["Root/Workloads/Cards"], account_role_name="", default_region="eu-west-3"
    )
    hosts, notes = org.build_hosts(data, options, load_file=load_yaml)
    assert {host["name"]: host["group"] for host in hosts} == {
        "cards": "providers",
        "shared-services": "shared_services",
    }
    assert all("aws_role_arn" not in host["vars"] for host in hosts)
    assert {host["name"]: host["vars"]["aws_region"] for host in hosts} == {
        "cards": "us-west-2",
        "shared-services": "eu-west-3",
    }
    assert any(note.startswith(f"Payments ({PAYMENTS_ID}): left out, in no group") for note in notes)


def test_a_provider_without_an_entry_names_the_account_and_the_file(tmp_path):
    options = catalogue(tmp_path, **{f"{GATEWAY_ID}.yml": GATEWAY_ENTRY})
    with pytest.raises(OrganizationInventoryError) as error:
        org.build_hosts(snapshot(), options, load_file=load_yaml)
    message = str(error.value)
    assert message.startswith(f"Cards Prod ({CARDS_ID}): provider account (host cards) has no catalogue entry; ")
    assert f"create {tmp_path}/{CARDS_ID}.yml (or {tmp_path}/cards.yml) with provider_vpc_cidr" in message
    assert "or tag the account apigateway:var:* / apigateway:service:*" in message
    assert "catalogue_required: false" in message


def test_a_gateway_without_an_entry_is_an_error_unless_not_required(tmp_path):
    options = dict(OPTIONS, catalogue_dir=None, var_tag_prefix="", service_tag_prefix="")
    with pytest.raises(OrganizationInventoryError) as error:
        org.build_hosts(snapshot(), options, load_file=load_yaml)
    assert "gateway account (host shared-services) has no catalogue entry; set the option catalogue_dir" in str(
        error.value
    )
    hosts, _notes = org.build_hosts(snapshot(), dict(options, catalogue_required=False), load_file=load_yaml)
    assert len(hosts) == 3


def test_gateway_keys_in_tags_make_an_entry():
    data = snapshot()
    data["accounts"][1]["tags"]["apigateway:var:api_publish_name"] = "open-banking"
    data["accounts"][3]["tags"]["apigateway:service:cards"] = "port=8081 path=cards targets=10.1.1.10"
    hosts, _notes = org.build_hosts(data, OPTIONS, load_file=load_yaml)
    assert {host["name"]: host["vars"].get("api_publish_name") for host in hosts}["shared-services"] == "open-banking"


def test_two_accounts_with_one_host_name_is_an_error():
    data = snapshot()
    data["accounts"][3]["tags"]["apigateway:hostname"] = "payments"
    with pytest.raises(OrganizationInventoryError) as error:
        org.build_hosts(data, dict(OPTIONS, catalogue_required=False), load_file=load_yaml)
    assert (
        f"Cards Prod ({CARDS_ID}) and Payments ({PAYMENTS_ID}) both become host payments; give one of them "
        "a apigateway:hostname tag" in str(error.value)
    )


@pytest.mark.parametrize("value", ["11111111111", 111111111111.0, "account-1"])
def test_gateway_account_id_must_be_12_digits(value):
    with pytest.raises(OrganizationInventoryError, match="gateway_account_id: .* is not a 12-digit account id"):
        org.build_hosts(snapshot(), dict(OPTIONS, gateway_account_id=value), load_file=load_yaml)


def test_an_unknown_provider_ou_names_the_option():
    with pytest.raises(OrganizationInventoryError, match="^provider_ous: '/Workload'"):
        org.build_hosts(snapshot(), dict(OPTIONS, provider_ous=["/Workload"]), load_file=load_yaml)


# --------------------------------------------------------------------------------------------
# boto3 on moto: read_organization, then the plugin itself
# --------------------------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch):
    """moto in-process with dummy credentials; an organisation like the snapshot above."""
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        ous = {}
        for path, parent in (("Platform", root), ("Workloads", root), ("Workloads/Cards", None), ("Sandbox", root)):
            parent = parent or ous[path.rsplit("/", 1)[0]]
            ous[path] = client.create_organizational_unit(ParentId=parent, Name=path.rsplit("/", 1)[-1])[
                "OrganizationalUnit"
            ]["Id"]
        ids = {}
        for host, name, ou, tags in (
            ("shared-services", "Shared Services", "Platform", {"apigateway:role": "gateway"}),
            (
                "payments",
                "Payments",
                "Workloads",
                {"apigateway:service:payments": "port=8080 path=payments targets=10.0.1.25"},
            ),
            (
                "cards",
                "Cards Prod",
                "Workloads/Cards",
                {"apigateway:hostname": "cards", "apigateway:var:aws_region": "us-west-2"},
            ),
            ("sandbox", "Sandbox", "Sandbox", {}),
            ("closed", "Closed", "Workloads", {"apigateway:service:old": "port=1 path=old targets=10.0.0.1"}),
        ):
            status = client.create_account(
                AccountName=name, Email=f"{host}@example.com", Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )["CreateAccountStatus"]
            ids[host] = status["AccountId"]
            client.move_account(AccountId=ids[host], SourceParentId=root, DestinationParentId=ous[ou])
        client.close_account(AccountId=ids["closed"])
        yield {"client": client, "root": root, "ous": ous, "ids": ids}


def calls_of(monkeypatch):
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        recorded.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


def test_read_organization_whole(aws, monkeypatch):
    calls = calls_of(monkeypatch)
    data = org.read_organization(aws["client"])
    by_id = {entry["id"]: entry for entry in data["accounts"]}
    ids = aws["ids"]
    assert set(ids.values()) < set(by_id)  # the management account too
    assert data["organization"]["management_account_id"] == "123456789012"
    assert by_id[ids["cards"]]["parent"] == aws["ous"]["Workloads/Cards"]
    assert org.ou_path(data, by_id[ids["cards"]]["parent"]) == "Root/Workloads/Cards"
    assert by_id[ids["cards"]]["tags"] == {"apigateway:hostname": "cards", "apigateway:var:aws_region": "us-west-2"}
    assert by_id[ids["closed"]]["status"] == "SUSPENDED"
    # No tags are read for an inactive account; one tag call per active account.
    assert by_id[ids["closed"]]["tags"] == {}
    assert calls.count("ListTagsForResource") == len(by_id) - 1
    assert calls.count("ListOrganizationalUnitsForParent") == 5  # the root and its 4 OUs
    assert set(calls) == {
        "DescribeOrganization",
        "ListRoots",
        "ListOrganizationalUnitsForParent",
        "ListAccountsForParent",
        "ListTagsForResource",
    }


def test_read_organization_scoped_to_ous(aws):
    data = org.read_organization(aws["client"], ["/Workloads", aws["ous"]["Platform"]])
    ids = aws["ids"]
    assert {entry["id"] for entry in data["accounts"]} == {
        ids["shared-services"],
        ids["payments"],
        ids["cards"],
        ids["closed"],
    }
    with pytest.raises(OrganizationInventoryError, match="^organizational_units: '/Nowhere'"):
        org.read_organization(aws["client"], ["/Nowhere"])


@pytest.fixture(scope="module")
def plugin_loader():
    """The collection loader, as ansible-inventory sets it up; afterwards sys.modules as it was.

    The collection must be imported through the loader (it loads its metadata), so the modules of
    ``ansible_collections`` that plain imports loaded are set aside for these tests and put back after.
    """
    from ansible.plugins.loader import init_plugin_loader, inventory_loader
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "ansible_collections"}
    for name in saved:
        del sys.modules[name]
    here = os.path.dirname(os.path.abspath(__file__))
    collections = os.path.abspath(os.path.join(here, "..", "..", "..", "..", ".venv", "collections"))
    init_plugin_loader([collections] if os.path.isdir(collections) else [])
    try:
        yield inventory_loader
    finally:
        _AnsibleCollectionFinder._remove()
        for name in [name for name in sys.modules if name.split(".")[0] == "ansible_collections"]:
            del sys.modules[name]
        sys.modules.update(saved)


def run_plugin(plugin_loader, tmp_path, config, catalogue_files=None, cache=False):
    from ansible.inventory.data import InventoryData
    from ansible.parsing.dataloader import DataLoader

    (tmp_path / "catalogue").mkdir(exist_ok=True)
    for name, data in (catalogue_files or {}).items():
        write(tmp_path / "catalogue", name, data)
    path = write(
        tmp_path, "test.aws_organization.yml", dict({"plugin": "multiaccount.apigateway.aws_organization"}, **config)
    )
    plugin = plugin_loader.get("multiaccount.apigateway.aws_organization")
    assert plugin.verify_file(path)
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), path, cache=cache)
    if cache:
        plugin.update_cache_if_changed()  # as ansible's InventoryManager does after parse
    return inventory


def hostvars(inventory, host):
    return inventory.get_host(host).get_vars()


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts()) if group in inventory.groups else []


def test_plugin_builds_the_inventory(plugin_loader, aws, tmp_path):
    ids = aws["ids"]
    inventory = run_plugin(
        plugin_loader,
        tmp_path,
        {
            "provider_ous": ["/Workloads"],
            "catalogue_dir": "catalogue",
            "keyed_groups": [{"key": "aws_region", "prefix": "region"}],
            "groups": {"cross_region": "aws_region != 'us-east-1'"},
            "compose": {"account_label": "aws_organization_account_name ~ ' ' ~ aws_account_id"},
        },
        {
            f"{ids['shared-services']}.yml": GATEWAY_ENTRY,
            "cards.yml": {"provider_vpc_cidr": "10.1.0.0/16", "provider_vpc_services": [], "note": "{{ 6 * 7 }}"},
        },
    )
    assert members(inventory, "shared_services") == ["shared-services"]
    assert members(inventory, "providers") == ["cards", "payments"]
    assert members(inventory, "region_us_west_2") == ["cards"]
    assert members(inventory, "cross_region") == ["cards"]
    assert "sandbox" not in inventory.hosts and "closed" not in inventory.hosts
    payments = hostvars(inventory, "payments")
    assert payments["aws_account_id"] == ids["payments"]
    assert payments["aws_role_arn"] == f"arn:aws:iam::{ids['payments']}:role/OrganizationAccountAccessRole"
    assert payments["provider_vpc_services"] == PAYMENTS_SERVICES
    assert payments["account_label"] == f"Payments {ids['payments']}"
    assert payments["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    cards = hostvars(inventory, "cards")
    assert cards["aws_region"] == "us-west-2"
    assert cards["provider_vpc_cidr"] == "10.1.0.0/16"
    assert hostvars(inventory, "shared-services")["api_publish_name"] == "open-banking"

    # The interpreter and catalogue values may be templates; values from AWS tags never are.
    try:
        from ansible.template import is_trusted_as_template
    except ImportError:  # ansible-core < 2.19
        from ansible.utils.unsafe_proxy import AnsibleUnsafe

        def is_trusted_as_template(value):
            return not isinstance(value, AnsibleUnsafe)

    assert is_trusted_as_template(payments["ansible_python_interpreter"])
    assert is_trusted_as_template(cards["note"])
    assert not is_trusted_as_template(cards["aws_region"])
    assert not is_trusted_as_template(payments["provider_vpc_services"][0]["path"])


def test_plugin_caches_the_organisation(plugin_loader, aws, tmp_path, monkeypatch):
    config = {
        "provider_ous": ["/Workloads"],
        "catalogue_required": False,
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(tmp_path / "cache"),
    }
    calls = calls_of(monkeypatch)
    run_plugin(plugin_loader, tmp_path, config, cache=True)
    first = len(calls)
    assert first > 0
    inventory = run_plugin(plugin_loader, tmp_path, config, cache=True)
    assert len(calls) == first, "a second run must come from the cache"
    assert members(inventory, "providers") == ["cards", "payments"]
    # Another scope is not what the cache holds: read again.
    inventory = run_plugin(plugin_loader, tmp_path, dict(config, organizational_units=["/Workloads/Cards"]), cache=True)
    assert len(calls) > first
    assert members(inventory, "providers") == ["cards"]
    assert members(inventory, "shared_services") == []


@pytest.mark.parametrize(
    "config, words",
    [
        ({"catalogue_dir": "missing"}, ["catalogue_dir:", "missing is not a directory"]),
        ({"provider_ous": ["/Workloads/Payments"]}, ["provider_ous: '/Workloads/Payments'", "its OUs: Cards"]),
        ({"provider_ous": ["/Workloads", " "]}, ["provider_ous: ['/Workloads', ' '] is not a list of OU ids or paths"]),
        (
            {"provider_ous": ["/Workloads"], "catalogue_dir": "catalogue"},
            ["provider account (host cards) has no catalogue entry"],
        ),
    ],
)
def test_plugin_errors_name_the_option(plugin_loader, aws, tmp_path, config, words):
    from ansible.errors import AnsibleError

    with pytest.raises(AnsibleError) as error:
        run_plugin(plugin_loader, tmp_path, config, {f"{aws['ids']['shared-services']}.yml": GATEWAY_ENTRY})
    message = " ".join(str(error.value).split())
    for word in words:
        assert word in message


def test_plugin_names_a_catalogue_file_that_is_not_yaml(plugin_loader, aws, tmp_path):
    from ansible.errors import AnsibleError

    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "payments.yml").write_text("provider_vpc_cidr: [10.0.0.0/16\n")
    with pytest.raises(AnsibleError) as error:
        run_plugin(
            plugin_loader,
            tmp_path,
            {"provider_ous": ["/Workloads"], "catalogue_dir": "catalogue", "catalogue_required": False},
        )
    assert f"catalogue file {tmp_path}/catalogue/payments.yml is not valid YAML" in str(error.value)
    assert "fix its syntax" in str(error.value)


def test_plugin_outside_an_organisation(plugin_loader, monkeypatch, tmp_path):
    from ansible.errors import AnsibleError

    moto = pytest.importorskip("moto")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        with pytest.raises(AnsibleError) as error:
            run_plugin(plugin_loader, tmp_path, {})
    message = str(error.value)
    assert "DescribeOrganization failed" in message
    assert "not in an organisation; run with credentials of the management account" in message


def test_plugin_only_reads_its_own_files(plugin_loader, tmp_path):
    plugin = plugin_loader.get("multiaccount.apigateway.aws_organization")
    other = tmp_path / "hosts.yml"
    other.write_text("all: {}\n")
    assert not plugin.verify_file(str(other))
    mine = tmp_path / "prod.aws_organization.yaml"
    mine.write_text("plugin: multiaccount.apigateway.aws_organization\n")
    assert plugin.verify_file(str(mine))
