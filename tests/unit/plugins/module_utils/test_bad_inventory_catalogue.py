# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bad-inventory catalogue (issue 12): one-defect inventories, each rejected naming host, field and fix.

``CATALOGUE`` is the table: every case applies one defect a user could type to ``BASELINE``, a good
inventory (one gateway, a provider that adopts its VPC, a cross-region provider that creates one), and
names the host and the field the rejection must name, a piece of the fix it must give, and where it is
caught:

* ``planner``: ``build_plan`` (play 1, on the controller, before any AWS call), with the regions the
  controller's botocore knows, as the ``preflight`` module runs it;
* ``account``: the planner lets it through (only AWS knows), and the judgement of the
  ``account_preflight`` module (``account_checks.judge_zones`` / ``judge_vpc``, run as that module runs
  them on each account's ``aws_checks``) rejects it from what its two read-only calls would answer,
  ``AWS`` below, before the first write of the run.

``docs/bad-inventory-catalogue.md`` shows the table; a test keeps the two in step.
"""

import copy
import os
import re
from collections import namedtuple

import pytest
from ansible_collections.multiaccount.apigateway.plugins.module_utils.account_checks import (
    ec2_filters,
    judge_vpc,
    judge_zones,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import build_plan
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight import format_finding
from ansible_collections.multiaccount.apigateway.plugins.modules.preflight import known_regions

from .test_plan import INVENTORY, ROOT, set_var
from .test_preflight import host_vars

DOC = os.path.join(ROOT, "docs", "bad-inventory-catalogue.md")
MIN_CASES = 45

PLANNER = "planner"
ACCOUNT = "account"
WHERE = {
    PLANNER: "planner, before any AWS call",
    ACCOUNT: "account preflight, read-only, before any write",
}

# --- the baseline ----------------------------------------------------------------------------------

ADOPTED_VPC = "vpc-0a1b2c3d4e5f60718"

# test_plan's inventory (shared-services in us-east-1; payments in us-east-1; cards in us-west-2 with
# card-limits on listener port 9082, target port 8082), plus: payments adopts its VPC (declared CIDR)
# with one service subnet and a second service; cards (creates its VPC) names its service subnets.
BASELINE = copy.deepcopy(INVENTORY)
set_var(BASELINE, "payments", "provider_vpc_id", ADOPTED_VPC)
set_var(BASELINE, "payments", "provider_vpc_subnets", [{"cidr": "10.0.1.0/24", "az": "us-east-1a"}])
host_vars(BASELINE, "payments")["provider_vpc_services"].append(
    {"name": "refunds", "port": 8090, "path": "refunds", "targets": ["10.0.1.26"]}
)
set_var(
    BASELINE,
    "cards",
    "provider_vpc_subnets",
    [{"cidr": "10.1.1.0/24", "az": "us-west-2a"}, {"cidr": "10.1.2.0/24", "az": "us-west-2b"}],
)

# What the read-only calls of account_preflight would answer: the zones of each region
# (DescribeAvailabilityZones: name -> id) and the VPCs of each account and region (DescribeVpcs).
AWS = {
    "zones": {
        "us-east-1": {f"us-east-1{letter}": f"use1-az{index}" for index, letter in enumerate("abcdef", 1)},
        "us-west-2": {f"us-west-2{letter}": f"usw2-az{index}" for index, letter in enumerate("abcd", 1)},
    },
    "vpcs": {
        ("222222222222", "us-east-1"): [
            {
                "VpcId": ADOPTED_VPC,
                "CidrBlock": "10.0.0.0/16",
                "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}}],
                "Tags": [{"Key": "Name", "Value": "payments"}, {"Key": "Env", "Value": "prod"}],
            },
            {
                "VpcId": "vpc-0fedcba9876543210",
                "CidrBlock": "10.50.0.0/16",
                "Tags": [{"Key": "Name", "Value": "payments-old"}, {"Key": "Env", "Value": "prod"}],
            },
        ],
    },
}

REGIONS = known_regions()


def baseline():
    return copy.deepcopy(BASELINE)


def _describe_vpcs(vpcs, filters):
    """DescribeVpcs with the EC2 filters the module sends (vpc-id, cidr-block, tag:<key>)."""

    def value_of(vpc, name):
        if name.startswith("tag:"):
            return {tag["Key"]: tag["Value"] for tag in vpc.get("Tags", [])}.get(name[4:])
        return {"vpc-id": vpc["VpcId"], "cidr-block": vpc["CidrBlock"]}[name]

    return [vpc for vpc in vpcs if all(value_of(vpc, item["Name"]) in item["Values"] for item in filters)]


def account_preflight(plan, aws):
    """What account_preflight reports in each account of ``plan`` when AWS answers ``aws``.

    As the module does: nothing for an account whose checks are not needed; the zones, then the VPC;
    each problem of the account is ``<host>: <field>: <message>``.
    """
    findings = []
    for host, account in sorted(plan["accounts"].items()):
        checks = account["aws_checks"]
        if not checks["needed"]:
            continue
        region = account["region"]
        problems = []
        if checks["availability_zones"]:
            zones = aws["zones"][region]
            problems += judge_zones(checks["availability_zones"], sorted(zones), list(zones.values()), region)
        if checks["vpc"]:
            vpcs = _describe_vpcs(
                aws["vpcs"].get((account["account_id"], region), []), ec2_filters(checks["vpc"]["filters"])
            )
            problems += judge_vpc(checks["vpc"], vpcs, region)[0]
        findings += [{"host": host, "field": problem["field"], "message": problem["message"]} for problem in problems]
    return findings


# --- mutations: each returns a function that applies it to an inventory ------------------------------

DROP = object()


def _parent(accounts, host, path):
    """The container of ``path`` (the notation of the findings' fields: a.b[1].c) and its last key."""
    parts = [int(part[1:-1]) if part.startswith("[") else part for part in re.findall(r"\[\d+\]|[^.\[\]]+", path)]
    node = host_vars(accounts, host)
    for part in parts[:-1]:
        node = node[part]
    return node, parts[-1]


def put(host, path, value):
    """Set ``path`` of ``host`` to ``value``, or remove it when ``value`` is DROP."""

    def apply(accounts):
        node, key = _parent(accounts, host, path)
        if value is DROP:
            del node[key]
        else:
            node[key] = copy.deepcopy(value)

    return apply


def rename(host, old, new):
    """The key ``old`` of ``host`` typed as ``new`` (same value)."""

    def apply(accounts):
        values = host_vars(accounts, host)
        values[new] = values.pop(old)

    return apply


def renumber(host, old, new):
    """Every CIDR and IP of ``host`` that starts with ``old`` starts with ``new`` instead."""

    def swap(value):
        if isinstance(value, str):
            return new + value[len(old) :] if value.startswith(old) else value
        if isinstance(value, list):
            return [swap(item) for item in value]
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        return value

    def apply(accounts):
        values = host_vars(accounts, host)
        values.update(swap(values))

    return apply


def also_in_providers(host):
    """``host`` listed in the providers group as well."""

    def apply(accounts):
        account = next(account for account in accounts if account["host"] == host)
        accounts.append({"host": host, "kind": "provider", "vars": copy.deepcopy(account["vars"])})

    return apply


def more_providers(count):
    """``count`` more provider accounts, each with its own account, VPC and one service."""

    def apply(accounts):
        for index in range(count):
            accounts.append(
                {
                    "host": f"team-{index:03d}",
                    "kind": "provider",
                    "vars": {
                        "aws_account_id": f"{400000000000 + index}",
                        "provider_vpc_cidr": f"10.2.{index}.0/24",
                        "provider_vpc_services": [
                            {
                                "name": f"team-{index:03d}",
                                "port": 10000 + index,
                                "path": f"team-{index:03d}",
                                "targets": [f"10.2.{index}.10"],
                            }
                        ],
                    },
                }
            )

    return apply


# --- the catalogue ----------------------------------------------------------------------------------

Case = namedtuple("Case", "id defect host field fix where mutate")


def planner(case_id, defect, host, field, fix, *mutate):
    return Case(case_id, defect, host, field, fix, PLANNER, mutate)


def account(case_id, defect, host, field, fix, *mutate):
    return Case(case_id, defect, host, field, fix, ACCOUNT, mutate)


GW = "shared-services"
SUBNETS = "shared_gateway_subnets"
SVC = "provider_vpc_services"

CATALOGUE = [
    # Required keys left out, per kind of host.
    planner(
        "gateway-account-id-missing",
        "gateway host without aws_account_id",
        GW,
        "aws_account_id",
        'aws_account_id: "012345678901"',
        put(GW, "aws_account_id", DROP),
    ),
    planner(
        "gateway-vpc-cidr-missing",
        "gateway host without shared_gateway_vpc_cidr",
        GW,
        "shared_gateway_vpc_cidr",
        "shared_gateway_vpc_cidr: 10.100.0.0/16",
        put(GW, "shared_gateway_vpc_cidr", DROP),
    ),
    planner(
        "gateway-subnets-missing",
        "gateway host without shared_gateway_subnets",
        GW,
        SUBNETS,
        "list the NLB subnets",
        put(GW, SUBNETS, DROP),
    ),
    planner(
        "api-name-missing",
        "gateway host without api_publish_name",
        GW,
        "api_publish_name",
        "set the name of the REST API",
        put(GW, "api_publish_name", DROP),
    ),
    planner(
        "api-stage-missing",
        "gateway host without api_publish_stage",
        GW,
        "api_publish_stage",
        "api_publish_stage: v1",
        put(GW, "api_publish_stage", DROP),
    ),
    planner(
        "gateway-subnet-az-missing",
        "a gateway subnet given as {cidr} only",
        GW,
        f"{SUBNETS}[1].az",
        "use an Availability Zone name of the account's region",
        put(GW, f"{SUBNETS}[1].az", DROP),
    ),
    planner(
        "provider-account-id-missing",
        "provider host without aws_account_id",
        "cards",
        "aws_account_id",
        'aws_account_id: "012345678901"',
        put("cards", "aws_account_id", DROP),
    ),
    planner(
        "provider-services-missing",
        "provider host without provider_vpc_services",
        "payments",
        SVC,
        "list the services",
        put("payments", SVC, DROP),
    ),
    planner(
        "provider-vpc-missing",
        "provider that neither creates (provider_vpc_cidr) nor adopts a VPC",
        "cards",
        "provider_vpc_cidr",
        "set provider_vpc_cidr to create a VPC",
        put("cards", "provider_vpc_cidr", DROP),
    ),
    planner(
        "service-targets-missing",
        "a service without targets",
        "cards",
        f"{SVC}[1].targets",
        "list the private IPv4 addresses of the service",
        put("cards", f"{SVC}[1].targets", DROP),
    ),
    # Wrong types.
    planner(
        "account-id-unquoted",
        "aws_account_id written as a YAML number",
        GW,
        "aws_account_id",
        "quote it in YAML",
        put(GW, "aws_account_id", 111111111111),
    ),
    planner(
        "gateway-subnets-not-a-list",
        "shared_gateway_subnets given as one {cidr, az} mapping",
        GW,
        SUBNETS,
        "list the NLB subnets",
        put(GW, SUBNETS, {"cidr": "10.100.1.0/24", "az": "us-east-1a"}),
    ),
    planner(
        "api-stage-a-number",
        "api_publish_stage: 1 (a YAML number)",
        GW,
        "api_publish_stage",
        "api_publish_stage: v1",
        put(GW, "api_publish_stage", 1),
    ),
    planner(
        "services-keyed-by-name",
        "provider_vpc_services as a mapping keyed by service name",
        "payments",
        SVC,
        "list the services",
        put("payments", SVC, {"payments": {"port": 8080, "path": "payments", "targets": ["10.0.1.25"]}}),
    ),
    planner(
        "targets-a-string",
        "targets: 10.1.1.10 instead of a list",
        "cards",
        f"{SVC}[0].targets",
        "targets: [10.0.1.25]",
        put("cards", f"{SVC}[0].targets", "10.1.1.10"),
    ),
    # Account ids: malformed, or the account of another host.
    planner(
        "account-id-eleven-digits",
        "aws_account_id with a digit missing",
        "payments",
        "aws_account_id",
        "set the 12-digit id of the account",
        put("payments", "aws_account_id", "22222222222"),
    ),
    planner(
        "account-id-with-dashes",
        "aws_account_id copied from the console as 3333-3333-3333",
        "cards",
        "aws_account_id",
        "set the 12-digit id of the account",
        put("cards", "aws_account_id", "3333-3333-3333"),
    ),
    planner(
        "provider-in-gateway-account",
        "a provider given the gateway's aws_account_id",
        "cards",
        "aws_account_id",
        "fix the account id",
        put("cards", "aws_account_id", "111111111111"),
    ),
    planner(
        "two-providers-one-account",
        "two provider hosts with the same aws_account_id",
        "cards",
        "aws_account_id",
        "list every service of that account under payments",
        put("cards", "aws_account_id", "222222222222"),
    ),
    planner(
        "host-in-both-groups",
        "the gateway host also listed under providers",
        GW,
        "groups",
        "keep the host in one group",
        also_in_providers(GW),
    ),
    # Regions.
    planner(
        "region-unknown",
        "aws_region: us-nowhere-9",
        "cards",
        "aws_region",
        "use an existing region",
        put("cards", "aws_region", "us-nowhere-9"),
    ),
    planner(
        "region-typo",
        "aws_region: us-wset-2 (well formed, no such region)",
        "cards",
        "aws_region",
        "did you mean us-west-2?",
        put("cards", "aws_region", "us-wset-2"),
    ),
    planner(
        "region-is-an-az",
        "aws_region: us-west-2a (a zone, not a region)",
        "cards",
        "aws_region",
        "use a region such as us-east-1",
        put("cards", "aws_region", "us-west-2a"),
    ),
    # Availability Zones the planner can judge.
    planner(
        "az-of-another-region",
        "a gateway subnet in us-west-2b, the gateway being in us-east-1",
        GW,
        f"{SUBNETS}[1].az",
        "use an Availability Zone name of the account's region",
        put(GW, f"{SUBNETS}[1].az", "us-west-2b"),
    ),
    planner(
        "az-id-instead-of-name",
        "az: use1-az1 (a zone id)",
        GW,
        f"{SUBNETS}[0].az",
        "use an Availability Zone name",
        put(GW, f"{SUBNETS}[0].az", "use1-az1"),
    ),
    planner(
        "gateway-subnets-one-az",
        "both gateway subnets in us-east-1a",
        GW,
        f"{SUBNETS}[1].az",
        "put each subnet in a different AZ",
        put(GW, f"{SUBNETS}[1].az", "us-east-1a"),
    ),
    planner(
        "gateway-subnets-empty",
        "shared_gateway_subnets: []",
        GW,
        SUBNETS,
        "at least one subnet is required",
        put(GW, SUBNETS, []),
    ),
    # CIDRs.
    planner(
        "vpc-cidr-host-bits",
        "shared_gateway_vpc_cidr: 10.100.1.0/16 (host bits set)",
        GW,
        "shared_gateway_vpc_cidr",
        "set the CIDR of the gateway VPC",
        put(GW, "shared_gateway_vpc_cidr", "10.100.1.0/16"),
    ),
    planner(
        "vpc-cidr-too-large",
        "provider_vpc_cidr: 10.0.0.0/8",
        "cards",
        "provider_vpc_cidr",
        "AWS accepts VPC CIDR blocks from /16 to /28",
        put("cards", "provider_vpc_cidr", "10.0.0.0/8"),
    ),
    planner(
        "overlap-gateway-provider",
        "a provider VPC (its subnets and targets) numbered in the gateway's 10.100.0.0/16",
        "cards",
        "provider_vpc_cidr",
        "give every VPC a distinct range",
        renumber("cards", "10.1.", "10.100."),
    ),
    planner(
        "overlap-two-providers",
        "two provider VPCs both numbered 10.0.0.0/16",
        "cards",
        "provider_vpc_cidr",
        "give every VPC a distinct range",
        renumber("cards", "10.1.", "10.0."),
    ),
    planner(
        "gateway-subnet-outside-vpc",
        "a gateway subnet 10.101.2.0/24 outside 10.100.0.0/16",
        GW,
        f"{SUBNETS}[1].cidr",
        "give a block inside shared_gateway_vpc_cidr",
        put(GW, f"{SUBNETS}[1].cidr", "10.101.2.0/24"),
    ),
    planner(
        "provider-subnet-outside-vpc",
        "a provider subnet 10.11.2.0/24 outside 10.1.0.0/16",
        "cards",
        "provider_vpc_subnets[1].cidr",
        "give a block inside provider_vpc_cidr",
        put("cards", "provider_vpc_subnets[1].cidr", "10.11.2.0/24"),
    ),
    planner(
        "gateway-subnet-too-small",
        "a /28 gateway subnet (a load balancer needs a /27)",
        GW,
        f"{SUBNETS}[1].cidr",
        "use a larger block",
        put(GW, f"{SUBNETS}[1].cidr", "10.100.2.0/28"),
    ),
    planner(
        "provider-subnet-too-small",
        "a /29 provider subnet",
        "cards",
        "provider_vpc_subnets[1].cidr",
        "use a larger block",
        put("cards", "provider_vpc_subnets[1].cidr", "10.1.2.0/29"),
    ),
    planner(
        "gateway-subnets-overlap",
        "gateway subnets 10.100.1.0/24 and 10.100.1.128/25",
        GW,
        f"{SUBNETS}[1].cidr",
        "give every subnet its own range",
        put(GW, f"{SUBNETS}[1].cidr", "10.100.1.128/25"),
    ),
    # Services.
    planner(
        "service-name-uppercase",
        "service name Card-Limits",
        "cards",
        f"{SVC}[1].name",
        "use lowercase letters, digits and hyphens",
        put("cards", f"{SVC}[1].name", "Card-Limits"),
    ),
    planner(
        "service-name-too-long",
        "service name refunds-and-chargebacks (23 characters)",
        "payments",
        f"{SVC}[1].name",
        "shorten it",
        put("payments", f"{SVC}[1].name", "refunds-and-chargebacks"),
    ),
    planner(
        "service-name-twice-in-provider",
        "a provider's service entry copied without renaming it",
        "cards",
        f"{SVC}[1].name",
        "rename one",
        put("cards", f"{SVC}[1].name", "cards"),
    ),
    planner(
        "service-name-across-providers",
        "a service named like another provider's",
        "cards",
        f"{SVC}[0].name",
        "rename one",
        put("cards", f"{SVC}[0].name", "payments"),
    ),
    planner(
        "path-duplicate",
        "path payments/ of another provider's payments",
        "cards",
        f"{SVC}[1].path",
        "every service needs its own API path",
        put("cards", f"{SVC}[1].path", "payments/"),
    ),
    planner(
        "path-placeholder",
        "path payments/{id}",
        "payments",
        f"{SVC}[0].path",
        "use letters, digits and . _ - ~ separated by /",
        put("payments", f"{SVC}[0].path", "payments/{id}"),
    ),
    planner(
        "listener-port-across-providers",
        "two providers' services on port 8080 behind the shared NLB",
        "cards",
        f"{SVC}[0].port",
        "set a distinct listener_port",
        put("cards", f"{SVC}[0].port", 8080),
    ),
    planner(
        "listener-port-in-provider",
        "listener_port 8081, the port of the provider's other service",
        "cards",
        f"{SVC}[1].listener_port",
        "set a distinct listener_port",
        put("cards", f"{SVC}[1].listener_port", 8081),
    ),
    planner(
        "port-out-of-range",
        "port 80900",
        "payments",
        f"{SVC}[1].port",
        "give the TCP port the service listens on (1-65535)",
        put("payments", f"{SVC}[1].port", 80900),
    ),
    planner(
        "port-with-protocol",
        "port: 8081/tcp",
        "cards",
        f"{SVC}[0].port",
        "give the TCP port the service listens on (1-65535)",
        put("cards", f"{SVC}[0].port", "8081/tcp"),
    ),
    planner(
        "listener-port-out-of-range",
        "listener_port 0",
        "cards",
        f"{SVC}[1].listener_port",
        "give the NLB listener port (1-65535)",
        put("cards", f"{SVC}[1].listener_port", 0),
    ),
    # Targets.
    planner(
        "target-outside-provider-vpc",
        "a target in another provider's range",
        "cards",
        f"{SVC}[0].targets[0]",
        "use an IP of the provider VPC",
        put("cards", f"{SVC}[0].targets[0]", "10.0.1.10"),
    ),
    planner(
        "target-public-ip",
        "the public IP of the instance as target",
        "cards",
        f"{SVC}[0].targets[0]",
        "use the service's private IP",
        put("cards", f"{SVC}[0].targets[0]", "54.201.3.7"),
    ),
    planner(
        "target-hostname",
        "a DNS name as target",
        "payments",
        f"{SVC}[0].targets[0]",
        "list the private IPv4 addresses of the service",
        put("payments", f"{SVC}[0].targets[0]", "payments.internal"),
    ),
    # Typos of keys with the collection's prefixes: an error with a did-you-mean.
    planner(
        "typo-nlb-strategy",
        "shared_gateway_nlb_stratgy: dedicated",
        GW,
        "shared_gateway_nlb_stratgy",
        "did you mean shared_gateway_nlb_strategy?",
        put(GW, "shared_gateway_nlb_strategy", DROP),
        put(GW, "shared_gateway_nlb_stratgy", "dedicated"),
    ),
    planner(
        "typo-vpc-cidr",
        "provider_vpc_cidr_blok: 10.1.0.0/16",
        "cards",
        "provider_vpc_cidr_blok",
        "did you mean provider_vpc_cidr?",
        rename("cards", "provider_vpc_cidr", "provider_vpc_cidr_blok"),
    ),
    planner(
        "typo-services",
        "provider_vpc_service (singular)",
        "payments",
        "provider_vpc_service",
        "did you mean provider_vpc_services?",
        rename("payments", SVC, "provider_vpc_service"),
    ),
    planner(
        "typo-peering-routes",
        "peering_accept_route: false",
        "payments",
        "peering_accept_route",
        "did you mean peering_accept_routes?",
        put("payments", "peering_accept_route", False),
    ),
    # Values outside an enumeration.
    planner(
        "nlb-strategy-capitalised",
        "shared_gateway_nlb_strategy: Dedicated",
        GW,
        "shared_gateway_nlb_strategy",
        "use shared (one NLB, one listener port per service) or dedicated",
        put(GW, "shared_gateway_nlb_strategy", "Dedicated"),
    ),
    planner(
        "provider-state-unknown",
        "provider_state: removed",
        "cards",
        "provider_state",
        "is not one of present, absent",
        put("cards", "provider_state", "removed"),
    ),
    planner(
        "endpoint-type-lowercase",
        "api_publish_endpoint_type: regional",
        GW,
        "api_publish_endpoint_type",
        "is not one of REGIONAL, EDGE, PRIVATE",
        put(GW, "api_publish_endpoint_type", "regional"),
    ),
    planner(
        "every-provider-absent",
        "provider_state: absent on every provider",
        "inventory",
        "provider_state",
        "remove the whole installation with playbooks/teardown.yml",
        put("payments", "provider_state", "absent"),
        put("cards", "provider_state", "absent"),
    ),
    # Other optional keys and quotas.
    planner(
        "reserved-tag",
        "shared_gateway_tags: {ManagedBy: terraform}",
        GW,
        "shared_gateway_tags",
        "remove them",
        put(GW, "shared_gateway_tags", {"ManagedBy": "terraform"}),
    ),
    planner(
        "too-many-providers",
        "126 providers on peering: more peerings than the VPC's quota (50 by default, 125 at most)",
        GW,
        "shared_gateway_connectivity",
        "set shared_gateway_connectivity: transit_gateway",
        more_providers(124),
    ),
    # What only the account's AWS knows: accepted by the planner, rejected read-only in the account.
    account(
        "az-nonexistent",
        "a gateway subnet in us-east-1z",
        GW,
        f"{SUBNETS}[1].az",
        "its zones are us-east-1a, us-east-1b",
        put(GW, f"{SUBNETS}[1].az", "us-east-1z"),
    ),
    account(
        "az-nonexistent-cross-region",
        "a subnet of the us-west-2 provider in us-west-2e",
        "cards",
        "provider_vpc_subnets[1].az",
        "its zones are us-west-2a, us-west-2b, us-west-2c, us-west-2d",
        put("cards", "provider_vpc_subnets[1].az", "us-west-2e"),
    ),
    account(
        "vpc-id-nonexistent",
        "provider_vpc_id with one digit wrong",
        "payments",
        "provider_vpc_id",
        "check the id (or tags), the account and aws_region",
        put("payments", "provider_vpc_id", "vpc-0a1b2c3d4e5f60719"),
    ),
    account(
        "vpc-tags-match-none",
        "provider_vpc_tags: {Name: payment} (no such VPC)",
        "payments",
        "provider_vpc_tags",
        "check the id (or tags)",
        put("payments", "provider_vpc_id", DROP),
        put("payments", "provider_vpc_tags", {"Name": "payment"}),
    ),
    account(
        "vpc-tags-match-two",
        "provider_vpc_tags: {Env: prod}, which two VPCs carry",
        "payments",
        "provider_vpc_tags",
        "the tags must name exactly one VPC, or give provider_vpc_id",
        put("payments", "provider_vpc_id", DROP),
        put("payments", "provider_vpc_tags", {"Env": "prod"}),
    ),
    account(
        "adopted-vpc-other-cidr",
        "provider_vpc_cidr: 10.0.0.0/20 for an adopted VPC of 10.0.0.0/16",
        "payments",
        "provider_vpc_cidr",
        "give one of those",
        put("payments", "provider_vpc_cidr", "10.0.0.0/20"),
    ),
    account(
        "adopted-vpc-target-outside",
        "a target outside the adopted VPC, whose CIDR is not declared",
        "payments",
        "provider_vpc_services[].targets",
        "targets must be private IPs of the VPC",
        put("payments", "provider_vpc_cidr", DROP),
        put("payments", f"{SVC}[1].targets", ["10.10.1.26"]),
    ),
    account(
        "adopted-vpc-overlaps-gateway",
        "the gateway VPC numbered like an adopted VPC whose CIDR is not declared",
        "payments",
        "provider_vpc_id",
        "adopt another VPC or change shared_gateway_vpc_cidr",
        put("payments", "provider_vpc_cidr", DROP),
        renumber(GW, "10.100.", "10.0."),
    ),
    planner(
        "authorization-unsaid",
        "no api_publish_default_authorization, and services with no authorization of their own",
        GW,
        "api_publish_default_authorization",
        "set api_publish_default_authorization",
        put(GW, "api_publish_default_authorization", DROP),
    ),
    planner(
        "partner-unknown-service",
        "a partner that lists a service nobody publishes",
        GW,
        "api_publish_partners[0].services",
        "published:",
        put(GW, "api_publish_partners", [{"name": "fintech-a", "services": ["loans"]}]),
    ),
    planner(
        "authorizer-undeclared",
        "a service whose authorizer is not in api_publish_authorizers",
        "cards",
        f"{SVC}[0].authorizer",
        "is not in api_publish_authorizers",
        put("cards", f"{SVC}[0].authorization", "CUSTOM"),
        put("cards", f"{SVC}[0].authorizer", "jwt"),
    ),
]


def mutated(case):
    accounts = baseline()
    for change in case.mutate:
        change(accounts)
    return accounts


# --- the tests --------------------------------------------------------------------------------------


def test_the_baseline_plans_and_passes_the_account_checks_with_no_finding():
    report = build_plan(baseline(), REGIONS)
    assert report["errors"] == [] and report["warnings"] == [], report["errors"] + report["warnings"]
    plan = report["plan"]
    assert account_preflight(plan, AWS) == []
    # What the catalogue relies on: one adopted and one created VPC, a cross-region provider, a
    # listener port that differs from its target port, and account checks in every account.
    assert (plan["providers"]["payments"]["vpc"]["mode"], plan["providers"]["cards"]["vpc"]["mode"]) == (
        "adopt",
        "create",
    )
    assert plan["providers"]["cards"]["cross_region"] and not plan["providers"]["payments"]["cross_region"]
    assert any(service["listener_port"] != service["port"] for service in plan["services"])
    assert all(account["aws_checks"]["needed"] for account in plan["accounts"].values())


def test_the_catalogue_cannot_shrink():
    ids = [case.id for case in CATALOGUE]
    assert len(ids) >= MIN_CASES, f"the catalogue has {len(ids)} cases; issue 12 asks for at least {MIN_CASES}"
    assert len(set(ids)) == len(ids), sorted(case_id for case_id in ids if ids.count(case_id) > 1)
    assert {case.where for case in CATALOGUE} == {PLANNER, ACCOUNT}


@pytest.mark.parametrize("case", CATALOGUE, ids=[case.id for case in CATALOGUE])
def test_each_defect_is_rejected_naming_host_field_and_fix(case):
    report = build_plan(mutated(case), REGIONS)
    if case.where == PLANNER:
        assert report["plan"] is None
        findings = report["errors"]
    else:
        # Only AWS knows: the planner lets it through, the account's read-only check stops it.
        assert report["errors"] == [], [format_finding(error) for error in report["errors"]]
        findings = account_preflight(report["plan"], AWS)
    lines = [format_finding(finding) for finding in findings]
    named = [finding for finding in findings if (finding["host"], finding["field"]) == (case.host, case.field)]
    assert named, f"nothing names {case.host}: {case.field}: {lines}"
    line = format_finding(named[0])
    assert line.startswith(f"{case.host}: {case.field}: "), line
    # The fix follows "; " (the choices of an enumeration key are their own fix: no "; " there).
    assert case.fix in named[0]["message"].split("; ", 1)[-1], line
    # Blamed on that host only.
    assert {finding["host"] for finding in findings} == {case.host}, lines


def catalogue_table():
    """The Markdown table of docs/bad-inventory-catalogue.md."""
    rows = ["| id | defect | host | field | caught by |", "| --- | --- | --- | --- | --- |"]
    for case in CATALOGUE:
        defect = case.defect.replace("|", "\\|")
        rows.append(f"| `{case.id}` | {defect} | `{case.host}` | `{case.field}` | {WHERE[case.where]} |")
    return "\n".join(rows) + "\n"


def test_the_documented_catalogue_is_this_one():
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    table = catalogue_table()
    counts = {where: sum(case.where == where for case in CATALOGUE) for where in WHERE}
    summary = (
        f"{len(CATALOGUE)} cases: {counts[PLANNER]} rejected by the planner before any AWS call, "
        f"{counts[ACCOUNT]} by the account preflight, read-only, before any write."
    )
    assert table in text, f"docs/bad-inventory-catalogue.md should hold this table:\n{table}"
    assert summary in text, f"docs/bad-inventory-catalogue.md should say: {summary}"
