# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the custom domain name layer: validation, views, patch operations, mapping plan."""

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_domains

REGION = "eu-west-1"
CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
CERT_2 = "arn:aws:acm:eu-west-1:111111111111:certificate/99999999-4e5f-6789-abcd-ef0123456789"
API = "a1b2c3d4e5"
API_2 = "f6g7h8i9j0"


def params(**extra):
    base = {
        "state": "present",
        "domain_name": "api.example.com",
        "certificate_arn": CERT,
        "security_policy": "TLS_1_2",
        "mutual_tls": None,
        "mappings": [],
    }
    base.update(extra)
    return base


def mapping(base_path="", rest_api_id=API, stage="v1"):
    return {"base_path": base_path, "rest_api_id": rest_api_id, "stage": stage}


def desired(*items):
    return api_domains.validate_mappings(list(items))


def domain(**extra):
    view = {
        "domain_name": "api.example.com",
        "regional_domain_name": "d-abc.execute-api.eu-west-1.amazonaws.com",
        "regional_hosted_zone_id": "ZLY8HYME6SFDD",
        "certificate_arn": CERT,
        "security_policy": "TLS_1_2",
        "mutual_tls": None,
        "status": "AVAILABLE",
        "tags": {"ManagedBy": "multiaccount.apigateway"},
    }
    view.update(extra)
    return view


def wanted(**extra):
    base = {"certificate_arn": CERT, "security_policy": "TLS_1_2", "mutual_tls": None}
    base.update(extra)
    return base


# ---- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["api.example.com", "a.b", "x-1.api.example.co.uk"])
def test_domain_name_valid(name):
    assert api_domains.validate_domain_name(name) == name


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "required"),
        ("API.example.com", "lower case ('api.example.com')"),
        ("api.example.com.", "without the trailing dot"),
        ("*.example.com", "wildcard"),
        ("localhost", "not a fully qualified"),
        ("-api.example.com", "invalid label '-api'"),
        ("api_x.example.com", "invalid label 'api_x'"),
        ("10.0.0.1", "IP address"),
        ("a" * 64 + ".example.com", "invalid label"),
    ],
)
def test_domain_name_invalid(name, message):
    with pytest.raises(ValueError, match=r"^domain_name: ") as excinfo:
        api_domains.validate_domain_name(name)
    assert message in str(excinfo.value)


def test_certificate_arn_must_be_acm_of_the_region_and_partition():
    assert api_domains.validate_certificate_arn(CERT, REGION) == CERT
    with pytest.raises(
        ValueError, match=r"^certificate_arn: .* not an ACM certificate ARN; expected arn:aws:acm:eu-west-1"
    ):
        api_domains.validate_certificate_arn("arn:aws:iam::111111111111:server-certificate/x", REGION)
    with pytest.raises(ValueError, match=r"^certificate_arn: the certificate is in us-east-1, .* region eu-west-1"):
        api_domains.validate_certificate_arn(CERT.replace(REGION, "us-east-1"), REGION)
    with pytest.raises(ValueError, match=r"^certificate_arn: partition 'aws-cn' does not match region eu-west-1"):
        api_domains.validate_certificate_arn(CERT.replace("arn:aws:", "arn:aws-cn:"), REGION)
    china = "arn:aws-cn:acm:cn-north-1:111111111111:certificate/abc"
    assert api_domains.validate_certificate_arn(china, "cn-north-1") == china


def test_mutual_tls():
    assert api_domains.validate_mutual_tls(None, "TLS_1_0") is None
    assert api_domains.validate_mutual_tls({"truststore_uri": "s3://bucket/ca.pem"}, "TLS_1_2") == {
        "truststore_uri": "s3://bucket/ca.pem",
        "truststore_version": None,
    }
    assert api_domains.validate_mutual_tls(
        {"truststore_uri": "s3://bucket/a/ca.pem", "truststore_version": "v1"}, "TLS_1_2"
    ) == {"truststore_uri": "s3://bucket/a/ca.pem", "truststore_version": "v1"}
    with pytest.raises(ValueError, match=r"^mutual_tls.truststore_uri: required"):
        api_domains.validate_mutual_tls({"truststore_uri": None}, "TLS_1_2")
    with pytest.raises(ValueError, match=r"^mutual_tls.truststore_uri: 'https://b/k' is not an S3 URI"):
        api_domains.validate_mutual_tls({"truststore_uri": "https://b/k"}, "TLS_1_2")
    with pytest.raises(ValueError, match=r"^mutual_tls.truststore_uri: 's3://bucket' is not an S3 URI"):
        api_domains.validate_mutual_tls({"truststore_uri": "s3://bucket"}, "TLS_1_2")
    with pytest.raises(ValueError, match=r"^mutual_tls.truststore_version: empty"):
        api_domains.validate_mutual_tls({"truststore_uri": "s3://bucket/k", "truststore_version": " "}, "TLS_1_2")
    with pytest.raises(
        ValueError, match=r"^mutual_tls: mutual TLS needs security_policy TLS_1_2 .*set security_policy"
    ):
        api_domains.validate_mutual_tls({"truststore_uri": "s3://bucket/k"}, "TLS_1_0")


@pytest.mark.parametrize(
    "value, expected", [(None, ""), ("", ""), ("/", ""), ("(none)", ""), ("/v1/", "v1"), ("a$_.+!*'()-", "a$_.+!*'()-")]
)
def test_base_path_valid(value, expected):
    assert api_domains.validate_base_path(value, "mappings[0].base_path") == expected


@pytest.mark.parametrize(
    "value, message", [("v1/payments", "several path segments"), ("v 1", "characters"), ("é", "characters")]
)
def test_base_path_invalid(value, message):
    with pytest.raises(ValueError, match=r"^mappings\[0\]\.base_path: ") as excinfo:
        api_domains.validate_base_path(value, "mappings[0].base_path")
    assert message in str(excinfo.value)


def test_mappings_report_every_problem_naming_the_field():
    with pytest.raises(ValueError) as excinfo:
        api_domains.validate_mappings(
            [
                mapping(""),
                mapping("/"),
                {"base_path": "v1", "rest_api_id": None, "stage": "v1"},
                {"base_path": "v2", "rest_api_id": "NOT-AN-ID", "stage": "v1.0"},
                {"base_path": "v3", "rest_api_id": API},
                "v4",
            ]
        )
    message = str(excinfo.value)
    assert "mappings[1].base_path: '' (the root) duplicates mappings[0].base_path" in message
    assert "mappings[2].rest_api_id: required" in message
    assert "mappings[3].rest_api_id: 'NOT-AN-ID' is not a REST API id" in message
    assert "mappings[3].stage: 'v1.0' is not a valid stage name" in message
    assert "mappings[4].stage: required" in message
    assert "mappings[5]: expected a dict" in message


def test_validate_params_collects_every_error():
    with pytest.raises(ValueError) as excinfo:
        api_domains.validate_params(
            params(
                domain_name="API.example.com",
                certificate_arn=None,
                security_policy="TLS_1_0",
                mutual_tls={"truststore_uri": "s3://bucket/k"},
                mappings=[mapping("v1/x")],
            ),
            REGION,
        )
    message = str(excinfo.value)
    for field in (
        "domain_name:",
        "certificate_arn: required",
        "mutual_tls: mutual TLS needs",
        "mappings[0].base_path:",
    ):
        assert field in message
    with pytest.raises(ValueError, match=r"^region: required"):
        api_domains.validate_params(params(), None)


def test_validate_params_absent_needs_only_the_name():
    checked = api_domains.validate_params(
        params(state="absent", certificate_arn=None, mappings=[{"base_path": "x/y"}]), REGION
    )
    assert checked == {"state": "absent", "domain_name": "api.example.com"}


def test_validate_params_present():
    checked = api_domains.validate_params(params(security_policy=None, mappings=[mapping("/v1")]), REGION)
    assert checked["security_policy"] == "TLS_1_2"
    assert checked["mappings"] == [{"field": "mappings[0]", "base_path": "v1", "rest_api_id": API, "stage": "v1"}]


# ---- views ----------------------------------------------------------------------------------------


def test_domain_view_and_mutual_tls():
    raw = {
        "domainName": "api.example.com",
        "regionalDomainName": "d-abc.execute-api.eu-west-1.amazonaws.com",
        "regionalHostedZoneId": "ZLY8HYME6SFDD",
        "regionalCertificateArn": CERT,
        "securityPolicy": "TLS_1_2",
        "domainNameStatus": "AVAILABLE",
        "endpointConfiguration": {"types": ["REGIONAL"]},
        "mutualTlsAuthentication": {"truststoreUri": "s3://b/k", "truststoreWarnings": ["expired"]},
        "tags": {"ManagedBy": "multiaccount.apigateway"},
    }
    view = api_domains.domain_view(raw)
    assert view["mutual_tls"] == {
        "truststore_uri": "s3://b/k",
        "truststore_version": None,
        "truststore_warnings": ["expired"],
    }
    assert view["certificate_arn"] == CERT and view["status"] == "AVAILABLE"
    assert api_domains.endpoint_types_of(raw) == ["REGIONAL"]
    assert api_domains.mutual_tls_of({"mutualTlsAuthentication": {"truststoreUri": ""}}) is None
    assert api_domains.domain_view(None) == {}


def test_base_paths_urls_and_dns():
    assert api_domains.aws_base_path("") == "(none)" and api_domains.aws_base_path("v1") == "v1"
    assert api_domains.user_base_path("(none)") == "" and api_domains.user_base_path("v1") == "v1"
    assert api_domains.mapping_view({"basePath": "(none)", "restApiId": API, "stage": "v1"}) == mapping("")
    results = api_domains.mapping_results("api.example.com", [mapping("v1"), mapping("")])
    assert [item["url"] for item in results] == ["https://api.example.com", "https://api.example.com/v1"]
    hint = api_domains.dns_hint("api.example.com", domain())
    assert hint["target"] == "d-abc.execute-api.eu-west-1.amazonaws.com" and hint["record_type"] == "CNAME"
    assert "point api.example.com at d-abc" in hint["message"]
    assert api_domains.dns_hint("api.example.com", {})["target"] is None
    assert api_domains.domain_arn("eu-west-1", "api.example.com") == (
        "arn:aws:apigateway:eu-west-1::/domainnames/api.example.com"
    )


def test_diff_state_keys_mappings_by_aws_base_path():
    state = api_domains.diff_state(domain(), [mapping("v1"), mapping("", API_2, "v2")])
    assert state["mappings"] == {
        "(none)": {"rest_api_id": API_2, "stage": "v2"},
        "v1": {"rest_api_id": API, "stage": "v1"},
    }
    assert set(state) == {"domain_name", "certificate_arn", "security_policy", "mutual_tls", "mappings", "tags"}
    assert api_domains.diff_state({}, []) == {}


# ---- domain patch operations ------------------------------------------------------------------------


def test_no_ops_when_nothing_drifted():
    assert api_domains.domain_patch_ops(domain(), wanted()) == []
    mtls = {"truststore_uri": "s3://b/k", "truststore_version": "v2", "truststore_warnings": []}
    # An omitted version is not compared.
    assert (
        api_domains.domain_patch_ops(
            domain(mutual_tls=mtls), wanted(mutual_tls={"truststore_uri": "s3://b/k", "truststore_version": None})
        )
        == []
    )


def test_certificate_policy_and_truststore_ops():
    ops = api_domains.domain_patch_ops(
        domain(),
        wanted(
            certificate_arn=CERT_2,
            security_policy="TLS_1_2",
            mutual_tls={"truststore_uri": "s3://b/k", "truststore_version": "v1"},
        ),
    )
    assert ops == [
        {"op": "replace", "path": "/regionalCertificateArn", "value": CERT_2},
        {"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": "s3://b/k"},
        {"op": "replace", "path": "/mutualTlsAuthentication/truststoreVersion", "value": "v1"},
    ]
    after = api_domains.apply_domain_ops(domain(), ops)
    assert after["certificate_arn"] == CERT_2
    assert after["mutual_tls"] == {"truststore_uri": "s3://b/k", "truststore_version": "v1", "truststore_warnings": []}
    assert api_domains.describe_domain_ops("api.example.com", ops) == (
        "update domain name api.example.com (replace /regionalCertificateArn, "
        "replace /mutualTlsAuthentication/truststoreUri, replace /mutualTlsAuthentication/truststoreVersion)"
    )


def test_truststore_version_alone_and_mutual_tls_off():
    mtls = {"truststore_uri": "s3://b/k", "truststore_version": "v1", "truststore_warnings": []}
    ops = api_domains.domain_patch_ops(
        domain(mutual_tls=mtls), wanted(mutual_tls={"truststore_uri": "s3://b/k", "truststore_version": "v2"})
    )
    assert ops == [{"op": "replace", "path": "/mutualTlsAuthentication/truststoreVersion", "value": "v2"}]
    off = api_domains.domain_patch_ops(
        domain(mutual_tls=mtls, security_policy="TLS_1_2"), wanted(security_policy="TLS_1_0")
    )
    assert off == [
        {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_0"},
        {"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": ""},
    ]
    after = api_domains.apply_domain_ops(domain(mutual_tls=mtls), off)
    assert after["mutual_tls"] is None and after["security_policy"] == "TLS_1_0"


# ---- mapping plan -----------------------------------------------------------------------------------


def test_plan_nothing_to_do():
    current = [mapping(""), mapping("v1")]
    assert api_domains.plan_mappings(current, desired(mapping("v1"), mapping("")), purge=True) == []


def test_plan_create_update_delete_in_order():
    current = [mapping("", API, "v1"), mapping("old"), mapping("v1", API, "v1")]
    actions = api_domains.plan_mappings(
        current, desired(mapping("v2", API_2, "v2"), mapping("", API_2, "v2"), mapping("v1", API, "v1")), purge=True
    )
    assert [(action["action"], action["base_path"]) for action in actions] == [
        ("update", ""),
        ("create", "v2"),
        ("delete", "old"),
    ]
    assert actions[0]["patch_operations"] == [
        {"op": "replace", "path": "/restapiId", "value": API_2},
        {"op": "replace", "path": "/stage", "value": "v2"},
    ]
    lines = [api_domains.describe_mapping_action("api.example.com", action) for action in actions]
    assert lines == [
        f"update base path mapping api.example.com (root): {API}/v1 -> {API_2}/v2",
        f"create base path mapping api.example.com/v2 -> {API_2}/v2",
        f"delete base path mapping api.example.com/old (was {API}/v1)",
    ]
    after = api_domains.apply_mapping_plan(current, actions)
    assert after == [mapping("", API_2, "v2"), mapping("v1"), mapping("v2", API_2, "v2")]
    assert api_domains.stages_to_check(actions) == {(API_2, "v2"): "mappings[1]"}


def test_plan_stage_only_change_and_no_purge():
    current = [mapping("v1", API, "v1"), mapping("other")]
    actions = api_domains.plan_mappings(current, desired(mapping("v1", API, "v2")), purge=False)
    assert len(actions) == 1 and actions[0]["patch_operations"] == [{"op": "replace", "path": "/stage", "value": "v2"}]
