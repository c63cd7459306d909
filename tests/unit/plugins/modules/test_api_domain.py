# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""api_domain's main() against moto in-process (no network), every API call recorded.

In-process moto 5.2.5 lacks what the module relies on for custom domain names (UpdateDomainName, mutual
TLS kept, tags on the domain's ARN, a certificate check, the mappings of a domain without any), so every
test applies the emulator's patches G28 and G29 (tools/emulator/patches.py), undone after the test.
"""

import datetime
import importlib.util
import os
import re

import boto3
import pytest
from ansible_collections.multiaccount.apigateway.plugins.modules import api_domain

from .moto_harness import mocked_aws, record_api_calls, run_module, writes

moto = pytest.importorskip("moto")

REGION = "us-east-1"
DOMAIN = "api.example.com"
MANAGED = {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
NO_OP_CALLS = ["GetDomainName", "GetBasePathMappings"]


def domain_fidelity(monkeypatch):
    """The emulator's patches G28 (domain names) and G29 (base path mappings), undone after the test."""
    spec = importlib.util.spec_from_file_location(
        "emulator_patches", os.path.join(ROOT, "tools", "emulator", "patches.py")
    )
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    from moto.apigateway import urls
    from moto.apigateway.models import APIGatewayBackend, DomainName
    from moto.apigateway.responses import APIGatewayResponse

    monkeypatch.setattr(DomainName, "to_json", DomainName.to_json)
    for name in ("create_domain_name", "get_tags", "tag_resource", "untag_resource"):
        monkeypatch.setattr(APIGatewayResponse, name, getattr(APIGatewayResponse, name))
    monkeypatch.setattr(APIGatewayResponse, "update_domain_name", None, raising=False)
    for name in ("create_domain_name", "delete_domain_name", "create_base_path_mapping"):
        monkeypatch.setattr(APIGatewayBackend, name, getattr(APIGatewayBackend, name))
    monkeypatch.setattr(urls, "url_paths", dict(urls.url_paths))
    patches.patch_G28()
    patches.patch_G29()


def import_certificate(host=DOMAIN):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return boto3.client("acm", region_name=REGION).import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )["CertificateArn"]


def make_api(ag, stages=("v1",)):
    """A REST API with the given stages deployed; its id."""
    api = ag.create_rest_api(name="open-banking", endpointConfiguration={"types": ["REGIONAL"]})
    ag.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK")
    for stage in stages:
        ag.create_deployment(restApiId=api["id"], stageName=stage)
    return api["id"]


@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch, REGION):
        domain_fidelity(monkeypatch)
        ag = boto3.client("apigateway", region_name=REGION)
        yield {
            "ag": ag,
            "cert": import_certificate(),
            "cert2": import_certificate(),
            "api": make_api(ag, ("v1", "v2")),
            "api2": make_api(ag),
        }


@pytest.fixture
def calls(monkeypatch):
    return record_api_calls(monkeypatch)


def run(args, capsys, check_mode=False):
    return run_module(api_domain.main, args, capsys, check_mode, REGION)


def args(aws, mappings=None, **extra):
    base = {
        "domain_name": DOMAIN,
        "certificate_arn": aws["cert"],
        "mappings": [{"base_path": "", "rest_api_id": aws["api"], "stage": "v1"}] if mappings is None else mappings,
        "tags": dict(MANAGED),
    }
    base.update(extra)
    return base


def read_back(ag):
    """The domain and its mappings, read from API Gateway (not from the module)."""
    domain = ag.get_domain_name(domainName=DOMAIN)
    domain.pop("ResponseMetadata", None)
    items = ag.get_paginator("get_base_path_mappings").paginate(domainName=DOMAIN).build_full_result()["items"]
    return domain, sorted((item["basePath"], item["restApiId"], item["stage"]) for item in items)


def test_check_mode_then_create_then_nothing_to_do(aws, capsys, calls):
    ag = aws["ag"]
    checked = run(args(aws), capsys, check_mode=True)
    assert checked["changed"] is True
    assert writes(calls) == []
    assert calls == ["GetDomainName", "GetStage"]
    assert checked["changes"] == [
        f"create domain name {DOMAIN} (REGIONAL, TLS_1_2, {aws['cert']})",
        f"create base path mapping {DOMAIN} (root) -> {aws['api']}/v1",
    ]
    assert checked["domain"]["regional_domain_name"] is None and checked["dns"]["target"] is None
    assert checked["diff"]["before"] == {}
    assert checked["diff"]["after"]["mappings"] == {"(none)": {"rest_api_id": aws["api"], "stage": "v1"}}
    assert ag.get_domain_names()["items"] == []

    del calls[:]
    created = run(args(aws), capsys)
    assert created["changed"] is True and created["changes"] == checked["changes"]
    assert writes(calls) == ["CreateDomainName", "CreateBasePathMapping"]
    domain, mappings = read_back(ag)
    assert domain["regionalCertificateArn"] == aws["cert"] and domain["securityPolicy"] == "TLS_1_2"
    assert domain["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert domain["tags"] == MANAGED
    assert mappings == [("(none)", aws["api"], "v1")]
    assert created["domain"]["regional_domain_name"] == domain["regionalDomainName"]
    assert created["dns"]["target"] == domain["regionalDomainName"]
    assert created["dns"]["alias_hosted_zone_id"] == domain["regionalHostedZoneId"]
    assert created["mappings"] == [
        {"base_path": "", "rest_api_id": aws["api"], "stage": "v1", "url": f"https://{DOMAIN}"}
    ]
    assert created["diff"]["after"] == checked["diff"]["after"]

    del calls[:]
    again = run(args(aws), capsys)
    assert again["changed"] is False and again["changes"] == []
    assert calls == NO_OP_CALLS
    assert again["diff"]["before"] == again["diff"]["after"]

    del calls[:]
    assert run(args(aws), capsys, check_mode=True)["changed"] is False
    assert calls == NO_OP_CALLS


def test_changes_are_patched_in_place(aws, capsys, calls):
    ag = aws["ag"]
    run(args(aws), capsys)
    mappings = [
        {"base_path": "", "rest_api_id": aws["api"], "stage": "v1"},
        {"base_path": "v1", "rest_api_id": aws["api"], "stage": "v1"},
    ]

    # Add a mapping and change the security policy: one UpdateDomainName, one CreateBasePathMapping.
    del calls[:]
    changed = run(args(aws, mappings, security_policy="TLS_1_0"), capsys)
    assert writes(calls) == ["UpdateDomainName", "CreateBasePathMapping"]
    assert changed["changes"] == [
        f"update domain name {DOMAIN} (replace /securityPolicy)",
        f"create base path mapping {DOMAIN}/v1 -> {aws['api']}/v1",
    ]
    assert changed["diff"]["before"]["security_policy"] == "TLS_1_2"
    assert changed["diff"]["after"]["security_policy"] == "TLS_1_0"
    domain, read = read_back(ag)
    assert domain["securityPolicy"] == "TLS_1_0"
    assert read == [("(none)", aws["api"], "v1"), ("v1", aws["api"], "v1")]
    assert [item["url"] for item in changed["mappings"]] == [f"https://{DOMAIN}", f"https://{DOMAIN}/v1"]

    # Mutual TLS (back to TLS_1_2) and another certificate: one call with three operations.
    mtls = {"truststore_uri": "s3://truststores/ca.pem", "truststore_version": "v3"}
    del calls[:]
    with_mtls = run(args(aws, mappings, certificate_arn=aws["cert2"], mutual_tls=mtls), capsys)
    assert writes(calls) == ["UpdateDomainName"]
    assert with_mtls["changes"] == [
        f"update domain name {DOMAIN} (replace /regionalCertificateArn, replace /securityPolicy, "
        "replace /mutualTlsAuthentication/truststoreUri, replace /mutualTlsAuthentication/truststoreVersion)"
    ]
    domain, _read = read_back(ag)
    assert domain["regionalCertificateArn"] == aws["cert2"]
    assert domain["mutualTlsAuthentication"] == {"truststoreUri": "s3://truststores/ca.pem", "truststoreVersion": "v3"}
    assert with_mtls["domain"]["mutual_tls"]["truststore_uri"] == "s3://truststores/ca.pem"
    assert with_mtls["diff"]["after"]["mutual_tls"] == mtls

    del calls[:]
    same = run(
        args(aws, mappings, certificate_arn=aws["cert2"], mutual_tls=dict(mtls, truststore_version=None)), capsys
    )
    assert same["changed"] is False and calls == NO_OP_CALLS

    # Mutual TLS off: the truststore URI is replaced with an empty value.
    del calls[:]
    checked = run(args(aws, mappings, certificate_arn=aws["cert2"]), capsys, check_mode=True)
    assert writes(calls) == []
    assert checked["changes"] == [f"update domain name {DOMAIN} (replace /mutualTlsAuthentication/truststoreUri)"]
    assert checked["domain"]["mutual_tls"] is None
    assert "mutualTlsAuthentication" in read_back(ag)[0]
    run(args(aws, mappings, certificate_arn=aws["cert2"]), capsys)
    assert "mutualTlsAuthentication" not in read_back(ag)[0]

    # The root moves to another API and stage (patched in place), v1 goes (purge).
    moved = [{"base_path": "", "rest_api_id": aws["api2"], "stage": "v1"}]
    del calls[:]
    result = run(args(aws, moved, certificate_arn=aws["cert2"]), capsys)
    assert writes(calls) == ["UpdateBasePathMapping", "DeleteBasePathMapping"]
    assert "CreateBasePathMapping" not in calls
    assert read_back(ag)[1] == [("(none)", aws["api2"], "v1")]
    assert result["diff"]["before"]["mappings"] == {
        "(none)": {"rest_api_id": aws["api"], "stage": "v1"},
        "v1": {"rest_api_id": aws["api"], "stage": "v1"},
    }
    assert result["diff"]["after"]["mappings"] == {"(none)": {"rest_api_id": aws["api2"], "stage": "v1"}}

    # Without purge, a listed mapping is added and the others stay.
    del calls[:]
    kept = run(
        args(
            aws,
            [{"base_path": "v2", "rest_api_id": aws["api"], "stage": "v2"}],
            certificate_arn=aws["cert2"],
            purge_mappings=False,
        ),
        capsys,
    )
    assert writes(calls) == ["CreateBasePathMapping"]
    assert read_back(ag)[1] == [("(none)", aws["api2"], "v1"), ("v2", aws["api"], "v2")]
    assert [item["base_path"] for item in kept["mappings"]] == ["", "v2"]


def test_tags_are_reconciled_and_the_mark_kept(aws, capsys, calls):
    ag = aws["ag"]
    run(args(aws, tags={"team": "platform", "env": "test"}), capsys)
    assert read_back(ag)[0]["tags"] == {"ManagedBy": "multiaccount.apigateway", "team": "platform", "env": "test"}

    del calls[:]
    result = run(args(aws, tags={"team": "payments"}), capsys)
    assert writes(calls) == ["UntagResource", "TagResource"]
    assert result["changes"] == [f"untag domain name {DOMAIN} (env)", f"tag domain name {DOMAIN} (team)"]
    assert read_back(ag)[0]["tags"] == {"ManagedBy": "multiaccount.apigateway", "team": "payments"}
    assert result["domain"]["tags"] == {"ManagedBy": "multiaccount.apigateway", "team": "payments"}

    del calls[:]
    assert run(args(aws, tags={"other": "x"}, purge_tags=False), capsys)["changes"] == [
        f"tag domain name {DOMAIN} (other)"
    ]
    del calls[:]
    assert run(args(aws, tags=None), capsys)["changed"] is False
    assert calls == NO_OP_CALLS


def test_foreign_domain_fails_and_stays(aws, capsys, calls):
    ag = aws["ag"]
    ag.create_domain_name(
        domainName=DOMAIN,
        regionalCertificateArn=aws["cert"],
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy="TLS_1_0",
        tags={"team": "someone-else"},
    )
    ag.create_base_path_mapping(domainName=DOMAIN, restApiId=aws["api2"], stage="v1")
    before = read_back(ag)
    for state_args in (args(aws), {"domain_name": DOMAIN, "state": "absent"}):
        del calls[:]
        result = run(state_args, capsys)
        assert result["failed"] is True
        assert result["msg"].startswith(
            f"domain_name: custom domain name '{DOMAIN}' exists and is owned by someone else"
        )
        assert "remove it from the inventory or tag it ManagedBy=multiaccount.apigateway" in result["msg"]
        assert writes(calls) == []
    assert read_back(ag) == before


def test_absent_deletes_the_mappings_then_the_domain(aws, capsys, calls):
    ag = aws["ag"]
    mappings = [
        {"base_path": "", "rest_api_id": aws["api"], "stage": "v1"},
        {"base_path": "v1", "rest_api_id": aws["api"], "stage": "v1"},
    ]
    run(args(aws, mappings), capsys)
    absent = {"domain_name": DOMAIN, "state": "absent"}

    del calls[:]
    checked = run(absent, capsys, check_mode=True)
    assert checked["changed"] is True and writes(calls) == []
    assert checked["diff"]["after"] == {} and set(checked["diff"]["before"]["mappings"]) == {"(none)", "v1"}
    assert read_back(ag)[1] != []

    del calls[:]
    result = run(absent, capsys)
    assert writes(calls) == ["DeleteBasePathMapping", "DeleteBasePathMapping", "DeleteDomainName"]
    assert result["changes"] == [
        f"delete base path mapping {DOMAIN} (root) (was {aws['api']}/v1)",
        f"delete base path mapping {DOMAIN}/v1 (was {aws['api']}/v1)",
        f"delete domain name {DOMAIN}",
    ]
    assert ag.get_domain_names()["items"] == []

    del calls[:]
    again = run(absent, capsys)
    assert again["changed"] is False and calls == ["GetDomainName"]


def test_bad_input_fails_before_any_call(aws, capsys, calls):
    cases = [
        (args(aws, domain_name="API.Example.com"), r"^domain_name: 'API.Example.com' has upper-case letters"),
        (
            args(aws, certificate_arn=aws["cert"].replace(REGION, "eu-west-1")),
            r"^certificate_arn: the certificate is in eu-west-1",
        ),
        (args(aws, certificate_arn=None), r"^certificate_arn: required with state=present"),
        (
            args(aws, security_policy="TLS_1_0", mutual_tls={"truststore_uri": "s3://truststores/ca.pem"}),
            r"^mutual_tls: mutual TLS needs security_policy TLS_1_2",
        ),
        (args(aws, mutual_tls={"truststore_uri": "b/k"}), r"^mutual_tls.truststore_uri: 'b/k' is not an S3 URI"),
        (
            args(
                aws,
                [
                    {"base_path": "v1", "rest_api_id": aws["api"], "stage": "v1"},
                    {"base_path": "/v1/", "rest_api_id": aws["api"], "stage": "v2"},
                ],
            ),
            r"^mappings\[1\]\.base_path: 'v1' duplicates mappings\[0\]\.base_path",
        ),
        (args(aws, [{"base_path": "v1", "stage": "v1"}]), r"^mappings\[0\]\.rest_api_id: required"),
        (args(aws, [{"base_path": "a/b", "rest_api_id": aws["api"], "stage": "v1"}]), r"^mappings\[0\]\.base_path: "),
    ]
    for case_args, pattern in cases:
        del calls[:]
        result = run(case_args, capsys)
        assert result["failed"] is True, case_args
        assert re.search(pattern, result["msg"]), result["msg"]
        assert calls == [], (pattern, calls)


def test_missing_stage_or_api_fails_before_any_write(aws, capsys, calls):
    ag = aws["ag"]
    mappings = [
        {"base_path": "", "rest_api_id": aws["api"], "stage": "v9"},
        {"base_path": "v1", "rest_api_id": "zzzzzzzzzz", "stage": "v1"},
    ]
    result = run(args(aws, mappings), capsys)
    assert result["failed"] is True
    assert f"mappings[0].stage: REST API {aws['api']} has no stage 'v9'" in result["msg"]
    assert f"mappings[1].rest_api_id: no REST API 'zzzzzzzzzz' in {REGION}" in result["msg"]
    assert result["msg"].endswith("Nothing was changed.")
    assert writes(calls) == []
    assert ag.get_domain_names()["items"] == []


def test_edge_domain_is_refused(aws, capsys, calls):
    aws["ag"].create_domain_name(
        domainName=DOMAIN,
        certificateArn=aws["cert"],
        endpointConfiguration={"types": ["EDGE"]},
        tags={"ManagedBy": "multiaccount.apigateway"},
    )
    del calls[:]
    result = run(args(aws), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(f"domain_name: custom domain name '{DOMAIN}' is EDGE; this module manages REGIONAL")
    assert writes(calls) == []


def test_certificate_refused_by_aws_is_reported(aws, capsys, calls):
    missing = f"arn:aws:acm:{REGION}:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    result = run(args(aws, certificate_arn=missing), capsys)
    assert result["failed"] is True
    assert "create domain name" in result["msg"] and "BadRequestException" in str(result)
    assert writes(calls) == ["CreateDomainName"]
