# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""account_preflight against moto in-process: reads only, every problem named with its field."""

import boto3
from ansible_collections.multiaccount.apigateway.plugins.modules import account_preflight as module_under_test

from .moto_harness import REGION, mocked_aws, record_api_calls, run_module, writes


def checks(zones=(), vpc=None):
    return {
        "needed": bool(zones or vpc),
        "availability_zones": [{"az": az, "field": f"shared_gateway_subnets[{i}].az"} for i, az in enumerate(zones)],
        "vpc": vpc,
    }


def test_nothing_needed_makes_no_call(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        result = run_module(module_under_test.main, {"host": "payments", "checks": checks()}, capsys)
    assert result["changed"] is False and calls == []


def test_existing_zones_and_vpc_pass_with_two_reads(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        vpc_id = boto3.client("ec2", region_name=REGION).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        calls = record_api_calls(monkeypatch)
        vpc = {
            "filters": {"vpc-id": vpc_id},
            "field": "provider_vpc_id",
            "cidr": "10.0.0.0/16",
            "targets": ["10.0.1.25"],
        }
        result = run_module(
            module_under_test.main, {"host": "payments", "checks": checks(["us-east-1a", "us-east-1b"], vpc)}, capsys
        )
    assert not result.get("failed"), result
    assert "us-east-1a" in result["availability_zones"]
    assert result["vpc"] == {"id": vpc_id, "cidrs": ["10.0.0.0/16"]}
    assert calls == ["DescribeAvailabilityZones", "DescribeVpcs"] and writes(calls) == []


def test_a_missing_zone_and_a_missing_vpc_fail_together_naming_host_and_fields(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        vpc = {"filters": {"vpc-id": "vpc-0123456789abcdef0"}, "field": "provider_vpc_id", "targets": []}
        result = run_module(
            module_under_test.main,
            {"host": "shared-services", "checks": checks(["us-east-1a", "us-east-1z"], vpc)},
            capsys,
            check_mode=True,
        )
    assert result["failed"]
    assert result["msg"].startswith(
        "shared-services: shared_gateway_subnets[1].az: Availability Zone us-east-1z does not exist"
    )
    assert "provider_vpc_id: no VPC vpc-0123456789abcdef0 in this account in us-east-1" in result["msg"]
    assert [problem["field"] for problem in result["problems"]] == ["shared_gateway_subnets[1].az", "provider_vpc_id"]


def test_a_target_that_is_not_an_ip_fails_naming_the_option_before_any_call(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        calls = record_api_calls(monkeypatch)
        vpc = {"filters": {"vpc-id": "vpc-0123456789abcdef0"}, "field": "provider_vpc_id", "targets": ["not-an-ip"]}
        result = run_module(module_under_test.main, {"host": "payments", "checks": checks(["us-east-1a"], vpc)}, capsys)
    assert result["failed"] and calls == []
    assert result["msg"] == "payments: checks.vpc.targets[0]: 'not-an-ip' is not an IP address (e.g. 10.0.1.25)"


def import_certificate(host):
    """A self-signed certificate for ``host`` imported into ACM (imported certificates are ISSUED)."""
    import datetime

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
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return boto3.client("acm", region_name=REGION).import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM), PrivateKey=pem_key
    )["CertificateArn"]


def certificate_checks(arn):
    return dict(
        checks(["us-east-1a"]), needed=True, certificate={"arn": arn, "field": "shared_gateway_certificate_arn"}
    )


def test_an_issued_certificate_passes_with_one_read_and_returns_its_names(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        arn = import_certificate("api.bank.example")
        calls = record_api_calls(monkeypatch)
        result = run_module(
            module_under_test.main, {"host": "shared-services", "checks": certificate_checks(arn)}, capsys
        )
    assert not result.get("failed"), result
    assert result["certificate"]["domain_name"] == "api.bank.example"
    assert result["certificate"]["status"] == "ISSUED"
    assert calls == ["DescribeCertificate", "DescribeAvailabilityZones"] and writes(calls) == []


def test_a_certificate_not_issued_or_unknown_fails_naming_the_field(monkeypatch, capsys):
    with mocked_aws(monkeypatch):
        acm = boto3.client("acm", region_name=REGION)
        pending = acm.request_certificate(DomainName="api.bank.example")["CertificateArn"]
        result = run_module(
            module_under_test.main, {"host": "shared-services", "checks": certificate_checks(pending)}, capsys
        )
        assert result["failed"]
        assert (
            "shared_gateway_certificate_arn: " in result["msg"] and "is in status PENDING_VALIDATION" in result["msg"]
        )
        unknown = pending[:-4] + "0000"
        result = run_module(
            module_under_test.main, {"host": "shared-services", "checks": certificate_checks(unknown)}, capsys
        )
    assert result["failed"]
    assert "is not a certificate of this account and region" in result["msg"]
