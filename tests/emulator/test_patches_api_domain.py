# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Regression tests of the emulator patches G28 and G29 (custom domain names and their base path
mappings), which multiaccount.apigateway.api_domain relies on.

Each test holds on AWS and on the patched emulator, and fails on stock moto 5.2.5: start the emulator
with ``EMULATOR_DISABLE_PATCHES=G28`` (or ``G29``) to see the tests of that patch fail.
"""

import datetime

import pytest
from botocore.exceptions import ClientError

DOMAIN = "api.g28.example.com"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def import_certificate(aws, host=DOMAIN):
    """An imported (so ISSUED) self-signed ACM certificate for ``host``; its ARN."""
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
    return aws.client("acm").import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )["CertificateArn"]


def make_domain(aws, name=DOMAIN, **extra):
    params = {
        "domainName": name,
        "regionalCertificateArn": import_certificate(aws, name),
        "endpointConfiguration": {"types": ["REGIONAL"]},
        "securityPolicy": "TLS_1_2",
        "tags": {"ManagedBy": "multiaccount.apigateway"},
    }
    params.update(extra)
    return aws.client("apigateway").create_domain_name(**params)


def make_stage(ag, stage="v1"):
    """A REST API with a deployed stage; its id."""
    api = ag.create_rest_api(name="g29", endpointConfiguration={"types": ["REGIONAL"]})
    ag.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK")
    ag.create_deployment(restApiId=api["id"], stageName=stage)
    return api["id"]


def mappings(ag, name=DOMAIN):
    items = ag.get_paginator("get_base_path_mappings").paginate(domainName=name).build_full_result()["items"]
    return sorted((item["basePath"], item["restApiId"], item["stage"]) for item in items)


# ---- G28 -----------------------------------------------------------------------------------------


def test_g28_domain_keeps_mutual_tls(aws):
    ag = aws.client("apigateway")
    created = make_domain(aws, mutualTlsAuthentication={"truststoreUri": "s3://truststores/ca.pem"})
    assert created["mutualTlsAuthentication"]["truststoreUri"] == "s3://truststores/ca.pem"
    read = ag.get_domain_name(domainName=DOMAIN)
    assert read["mutualTlsAuthentication"]["truststoreUri"] == "s3://truststores/ca.pem"
    listed = [item for item in ag.get_domain_names()["items"] if item["domainName"] == DOMAIN]
    assert listed[0]["mutualTlsAuthentication"]["truststoreUri"] == "s3://truststores/ca.pem"


def test_g28_mutual_tls_needs_tls_1_2(aws):
    with pytest.raises(ClientError) as excinfo:
        make_domain(aws, securityPolicy="TLS_1_0", mutualTlsAuthentication={"truststoreUri": "s3://truststores/ca.pem"})
    assert error_code(excinfo) == "BadRequestException"


def test_g28_update_domain_name(aws):
    ag = aws.client("apigateway")
    make_domain(aws)
    other = import_certificate(aws)

    updated = ag.update_domain_name(
        domainName=DOMAIN,
        patchOperations=[
            {"op": "replace", "path": "/regionalCertificateArn", "value": other},
            {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_0"},
        ],
    )
    assert updated["regionalCertificateArn"] == other and updated["securityPolicy"] == "TLS_1_0"
    read = ag.get_domain_name(domainName=DOMAIN)
    assert read["regionalCertificateArn"] == other and read["securityPolicy"] == "TLS_1_0"
    assert "mutualTlsAuthentication" not in read

    # Mutual TLS needs TLS_1_2: refused while the policy is TLS_1_0, nothing changes.
    with pytest.raises(ClientError) as excinfo:
        ag.update_domain_name(
            domainName=DOMAIN,
            patchOperations=[{"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": "s3://t/a"}],
        )
    assert error_code(excinfo) == "BadRequestException"
    assert "mutualTlsAuthentication" not in ag.get_domain_name(domainName=DOMAIN)

    ag.update_domain_name(
        domainName=DOMAIN,
        patchOperations=[
            {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_2"},
            {"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": "s3://t/a.pem"},
            {"op": "replace", "path": "/mutualTlsAuthentication/truststoreVersion", "value": "v7"},
        ],
    )
    assert ag.get_domain_name(domainName=DOMAIN)["mutualTlsAuthentication"] == {
        "truststoreUri": "s3://t/a.pem",
        "truststoreVersion": "v7",
    }

    # "To disable mutual TLS ... remove the truststore": replace the URI with an empty value.
    ag.update_domain_name(
        domainName=DOMAIN,
        patchOperations=[{"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": ""}],
    )
    assert "mutualTlsAuthentication" not in ag.get_domain_name(domainName=DOMAIN)

    with pytest.raises(ClientError) as excinfo:
        ag.update_domain_name(
            domainName=DOMAIN, patchOperations=[{"op": "replace", "path": "/domainName", "value": "x"}]
        )
    assert error_code(excinfo) == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        ag.update_domain_name(
            domainName="missing.example.com",
            patchOperations=[{"op": "replace", "path": "/securityPolicy", "value": "TLS_1_2"}],
        )
    assert error_code(excinfo) == "NotFoundException"


def test_g28_certificate_must_exist(aws):
    ag = aws.client("apigateway")
    missing = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as excinfo:
        ag.create_domain_name(
            domainName=DOMAIN,
            regionalCertificateArn=missing,
            endpointConfiguration={"types": ["REGIONAL"]},
            securityPolicy="TLS_1_2",
        )
    assert error_code(excinfo) == "BadRequestException"
    with pytest.raises(ClientError) as excinfo:
        ag.get_domain_name(domainName=DOMAIN)
    assert error_code(excinfo) == "NotFoundException"

    make_domain(aws)
    with pytest.raises(ClientError) as excinfo:
        ag.update_domain_name(
            domainName=DOMAIN, patchOperations=[{"op": "replace", "path": "/regionalCertificateArn", "value": missing}]
        )
    assert error_code(excinfo) == "BadRequestException"


def test_g28_tags_on_domain_name(aws):
    ag = aws.client("apigateway")
    make_domain(aws)
    arn = f"arn:aws:apigateway:us-east-1::/domainnames/{DOMAIN}"
    ag.tag_resource(resourceArn=arn, tags={"team": "platform", "env": "test"})
    ag.untag_resource(resourceArn=arn, tagKeys=["env"])
    expected = {"ManagedBy": "multiaccount.apigateway", "team": "platform"}
    assert ag.get_tags(resourceArn=arn)["tags"] == expected
    assert ag.get_domain_name(domainName=DOMAIN)["tags"] == expected


# ---- G29 -----------------------------------------------------------------------------------------


def test_g29_domain_without_mappings_has_an_empty_list(aws):
    ag = aws.client("apigateway")
    make_domain(aws)
    assert mappings(ag) == []
    with pytest.raises(ClientError) as excinfo:
        ag.get_base_path_mapping(domainName=DOMAIN, basePath="(none)")
    assert error_code(excinfo) == "NotFoundException"


def test_g29_deleted_domain_takes_its_mappings(aws):
    ag = aws.client("apigateway")
    api_id = make_stage(ag)
    make_domain(aws)
    ag.create_base_path_mapping(domainName=DOMAIN, restApiId=api_id, stage="v1", basePath="v1")
    ag.delete_domain_name(domainName=DOMAIN)
    make_domain(aws)
    assert mappings(ag) == []


def test_g29_root_mapping_is_unique_and_named_none(aws):
    ag = aws.client("apigateway")
    api_id = make_stage(ag)
    other_id = make_stage(ag, "v2")
    make_domain(aws)
    ag.create_base_path_mapping(domainName=DOMAIN, restApiId=api_id, stage="v1")
    ag.create_base_path_mapping(domainName=DOMAIN, restApiId=api_id, stage="v1", basePath="v1")
    assert mappings(ag) == [("(none)", api_id, "v1"), ("v1", api_id, "v1")]
    with pytest.raises(ClientError) as excinfo:
        ag.create_base_path_mapping(domainName=DOMAIN, restApiId=other_id, stage="v2")
    assert error_code(excinfo) == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        ag.create_base_path_mapping(domainName=DOMAIN, restApiId=other_id, stage="v2", basePath="v1")
    assert error_code(excinfo) == "ConflictException"
    assert mappings(ag) == [("(none)", api_id, "v1"), ("v1", api_id, "v1")]

    # The root is "(none)" in the request URI of the single-mapping calls.
    ag.update_base_path_mapping(
        domainName=DOMAIN,
        basePath="(none)",
        patchOperations=[
            {"op": "replace", "path": "/restapiId", "value": other_id},
            {"op": "replace", "path": "/stage", "value": "v2"},
        ],
    )
    assert ag.get_base_path_mapping(domainName=DOMAIN, basePath="(none)")["restApiId"] == other_id
    ag.delete_base_path_mapping(domainName=DOMAIN, basePath="(none)")
    assert mappings(ag) == [("v1", api_id, "v1")]
