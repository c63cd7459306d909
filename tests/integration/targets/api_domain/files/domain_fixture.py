# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Set up, read back and clean up what the api_domain target needs, straight from AWS (not the module).

Credentials, region and endpoint come from the environment (boto3 reads AWS_ENDPOINT_URL itself).

    python domain_fixture.py certificate HOST           -> ARN of a self-signed certificate imported into ACM
    python domain_fixture.py delete-certificate ARN
    python domain_fixture.py truststore BUCKET KEY      -> s3://BUCKET/KEY, a PEM CA bundle (bucket created)
    python domain_fixture.py delete-truststore BUCKET
    python domain_fixture.py foreign DOMAIN CERT_ARN    -> create DOMAIN without the ManagedBy tag
    python domain_fixture.py delete-domain DOMAIN       -> delete DOMAIN (and its mappings) whatever its tags
    python domain_fixture.py state DOMAIN               -> {"exists", "certificate_arn", "security_policy",
                                                            "endpoint_types", "mutual_tls", "tags",
                                                            "regional_domain_name", "mappings": {base path: ...}}
"""

import datetime
import json
import sys

import boto3
import botocore


def self_signed(host):
    """A self-signed certificate for ``host`` and its key, both PEM."""
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
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def certificate(host):
    cert, key = self_signed(host)
    return boto3.client("acm").import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]


def delete_certificate(arn):
    try:
        boto3.client("acm").delete_certificate(CertificateArn=arn)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    return "deleted"


def truststore(bucket, key):
    s3 = boto3.client("s3")
    region = s3.meta.region_name
    params = {"Bucket": bucket}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**params)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
    cert, _key = self_signed("clients.example.com")
    s3.put_object(Bucket=bucket, Key=key, Body=cert)
    return f"s3://{bucket}/{key}"


def delete_truststore(bucket):
    s3 = boto3.client("s3")
    try:
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucket":
            raise
    return "deleted"


def foreign(domain, cert_arn):
    client = boto3.client("apigateway")
    client.create_domain_name(
        domainName=domain,
        regionalCertificateArn=cert_arn,
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy="TLS_1_0",
        tags={"team": "someone-else"},
    )
    return "created"


def delete_domain(domain):
    client = boto3.client("apigateway")
    try:
        client.delete_domain_name(domainName=domain)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
    return "deleted"


def state(domain):
    client = boto3.client("apigateway")
    try:
        raw = client.get_domain_name(domainName=domain)
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return {"exists": False}
        raise
    items = client.get_paginator("get_base_path_mappings").paginate(domainName=domain).build_full_result()
    region = client.meta.region_name
    tags = client.get_tags(resourceArn=f"arn:aws:apigateway:{region}::/domainnames/{domain}").get("tags", {})
    mtls = raw.get("mutualTlsAuthentication") or {}
    return {
        "exists": True,
        "certificate_arn": raw.get("regionalCertificateArn"),
        "security_policy": raw.get("securityPolicy"),
        "endpoint_types": (raw.get("endpointConfiguration") or {}).get("types", []),
        "regional_domain_name": raw.get("regionalDomainName"),
        "mutual_tls": {"truststore_uri": mtls["truststoreUri"]} if mtls.get("truststoreUri") else None,
        "tags": tags,
        "mappings": {
            item["basePath"]: {"rest_api_id": item["restApiId"], "stage": item.get("stage")}
            for item in items.get("items", [])
        },
    }


COMMANDS = {
    "certificate": certificate,
    "delete-certificate": delete_certificate,
    "truststore": truststore,
    "delete-truststore": delete_truststore,
    "foreign": foreign,
    "delete-domain": delete_domain,
    "state": state,
}


def main():
    result = COMMANDS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(result, sort_keys=True) if isinstance(result, dict) else result)


if __name__ == "__main__":
    main()
