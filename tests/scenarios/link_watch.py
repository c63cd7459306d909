# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Watch the REST API's integrations while a converge moves the private integration (nlb-v1, nlb-v2, alb-v2).

    python link_watch.py watch OUT.json   # samples until SIGTERM, then writes OUT.json
    python link_watch.py state            # one sample, as JSON, plus the links and groups that exist
    python link_watch.py certificate HOST # import a self-signed ACM certificate for HOST, print its ARN

A sample reads the gateway account's REST API ``open-banking`` (GetResources with the methods
embedded), and for every integration over a VPC link the link it names: a v2 link with the
apigatewayv2 API when that API knows the id, else a REST (v1) link. The integration is *broken* when
its link is missing or not AVAILABLE (INACTIVE counts as available: AWS reactivates it on use), when
a v2 link has no ``integrationTarget``, or when the load balancer it names is missing or not active.
``watch`` keeps every broken sample (time, path, method, link, why), the number of samples and the
link flavours seen, so a test can assert that at no sampled moment of the move did an integration
point at a link (or load balancer) that could not carry it. Only talks to
the emulator at $AWS_ENDPOINT_URL (loopback).
"""

import json
import signal
import sys
import time

from foreign_resources import GATEWAY, session

API_NAME = "open-banking"
LINK_OK = ("AVAILABLE", "INACTIVE")
INTERVAL = 0.25


class Gateway:
    def __init__(self):
        account_session = session(*GATEWAY)
        self.apigw = account_session.client("apigateway")
        self.apigw2 = account_session.client("apigatewayv2")
        self.ec2 = account_session.client("ec2")
        self.elb = account_session.client("elbv2")

    def balancers(self):
        """``{arn: (name, type, state)}`` of every load balancer of the account."""
        return {
            lb["LoadBalancerArn"]: (lb["LoadBalancerName"], lb["Type"], lb["State"]["Code"])
            for lb in self.elb.describe_load_balancers()["LoadBalancers"]
        }

    def api_id(self):
        apis = [api for api in self.apigw.get_rest_apis(limit=500)["items"] if api["name"] == API_NAME]
        return (apis[0]["id"], apis[0].get("tags") or {}) if apis else (None, {})

    def link(self, link_id):
        """``(version, status)`` of a link, ``(None, "missing")`` when neither API knows it."""
        v2 = {link["VpcLinkId"]: link for link in self.apigw2.get_vpc_links()["Items"]}
        if link_id in v2:
            return "v2", v2[link_id]["VpcLinkStatus"]
        try:
            return "v1", self.apigw.get_vpc_link(vpcLinkId=link_id)["status"]
        except self.apigw.exceptions.NotFoundException:
            return None, "missing"

    def sample(self):
        api_id, tags = self.api_id()
        integrations = []
        balancers = self.balancers()
        if api_id:
            items = self.apigw.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
            for item in items:
                for method, detail in (item.get("resourceMethods") or {}).items():
                    integration = detail.get("methodIntegration") or {}
                    if integration.get("connectionType") != "VPC_LINK":
                        continue
                    version, status = self.link(integration.get("connectionId"))
                    why = None
                    if status not in LINK_OK:
                        why = f"link {integration.get('connectionId')} is {status}"
                    elif version == "v2" and not integration.get("integrationTarget"):
                        why = "a VPC link v2 without integrationTarget"
                    elif (
                        version == "v2"
                        and (balancers.get(integration["integrationTarget"]) or ("", "", "missing"))[2] != "active"
                    ):
                        why = f"load balancer {integration['integrationTarget']} is missing or not active"
                    integrations.append(
                        {
                            "path": item["path"],
                            "method": method,
                            "connection_id": integration.get("connectionId"),
                            "uri": integration.get("uri"),
                            "version": version,
                            "status": status,
                            "integration_target": integration.get("integrationTarget"),
                            "target_type": (balancers.get(integration.get("integrationTarget")) or (None, None))[1],
                            "broken": why,
                        }
                    )
        return {"tag": tags.get("multiaccount:private-integration"), "integrations": integrations}

    def links(self):
        """Every VPC link of the account (both flavours), the security groups of the links v2 and the
        ALB, and the load balancers by type."""
        names = ["*-gateway-link", "*-gateway-alb-link", "*-gateway-alb"]
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": names}])
        balancers = self.balancers().values()
        return {
            "v1": sorted(link["name"] for link in self.apigw.get_vpc_links(limit=500)["items"]),
            "v2": sorted(link["Name"] for link in self.apigw2.get_vpc_links()["Items"]),
            "link_security_groups": sorted(group["GroupName"] for group in groups["SecurityGroups"]),
            "network": sorted(name for name, kind, _state in balancers if kind == "network"),
            "application": sorted(name for name, kind, _state in balancers if kind == "application"),
        }


def watch(out):
    gateway = Gateway()
    summary = {"samples": 0, "broken": [], "versions_seen": []}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_args: stop.append(True))
    while not stop:
        sample = gateway.sample()
        summary["samples"] += 1
        for integration in sample["integrations"]:
            if integration["version"] and integration["version"] not in summary["versions_seen"]:
                summary["versions_seen"].append(integration["version"])
            if integration["broken"]:
                summary["broken"].append(dict(integration, at=round(time.time(), 2)))
        time.sleep(INTERVAL)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=1, sort_keys=True)


def certificate(host):
    """Import a self-signed certificate for ``host`` into the gateway account's ACM (ISSUED, as an
    imported certificate is) and return its ARN: the ALB's HTTPS listener of alb-v2 needs one."""
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
    acm = session(*GATEWAY).client("acm")
    return acm.import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )["CertificateArn"]


def main():
    if sys.argv[1] == "watch":
        watch(sys.argv[2])
    elif sys.argv[1] == "certificate":
        print(certificate(sys.argv[2]))
    else:
        gateway = Gateway()
        print(json.dumps(dict(gateway.sample(), links=gateway.links()), sort_keys=True))


if __name__ == "__main__":
    main()
