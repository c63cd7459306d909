# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whole-inventory preflight (pure, no boto3).

``check_inventory(accounts)`` looks at every account host of the inventory at once and reports
every problem it finds, so a run fails before any AWS change instead of half-way through. Each
finding is ``{host, field, message}`` where the message reads ``<what is wrong>; <how to fix>``;
``format_finding`` turns it into the one-line ``<host>: <field>: <message>`` form.

``accounts`` is a list of ``{host, kind, vars}`` with ``kind`` ``shared`` (the gateway account,
group ``shared_services``) or ``provider`` (group ``providers``) and ``vars`` the host's inventory
variables of the public contract (see DESIGN.md). A key that is absent or ``None`` counts as
missing, which lets the role pass every contract key with ``default(None)``.
"""

import difflib
import re

from ansible_collections.multiaccount.apigateway.plugins.module_utils.governance import (
    SERVICE_ACCESS_KEYS,
    check_service_access,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import (
    check_account_id,
    find_overlaps,
    ip_in_cidrs,
    normalise_path,
    parse_cidr,
    parse_ipv4,
    parse_port,
    port_collisions,
)

SHARED = "shared"
PROVIDER = "provider"
KINDS = (SHARED, PROVIDER)
# Host and field used for findings about the inventory as a whole (groups, not one host's vars).
INVENTORY = "inventory"
SHARED_GROUP = "shared_services"
PROVIDER_GROUP = "providers"

DEFAULT_REGION = "us-east-1"
NLB_STRATEGIES = ("shared", "dedicated")
DEFAULT_NLB_STRATEGY = "shared"

# Generated NLB / target group names (32 characters at most) embed the service name.
MAX_SERVICE_NAME_LENGTH = 20
SERVICE_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
SERVICE_KEYS = ("name", "port", "path", "targets", "listener_port", "health_check") + SERVICE_ACCESS_KEYS
HEALTH_CHECK_KEYS = ("path", "matcher")
# An ALB health check: a path of at most 1024 characters, and HTTP codes 200-499 as 200, 200,202 or 200-299.
HEALTH_CHECK_PATH_RE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$")
HEALTH_CHECK_MATCHER_RE = re.compile(r"^(?:[2-4][0-9]{2}(?:-[2-4][0-9]{2})?)(?:,[2-4][0-9]{2}(?:-[2-4][0-9]{2})?)*$")
STAGE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
VPC_ID_RE = re.compile(r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
REGION_RE = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$")
# us-east-1a, and Local Zones such as us-east-1-bos-1a; group 1 is the region.
AZ_NAME_RE = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)(?:-[a-z]+-\d+)?[a-z]$")

# AWS accepts VPC and subnet CIDR blocks from /16 to /28; a load balancer subnet needs /27 or larger.
MIN_PREFIX = 16
MAX_PREFIX = 28
MAX_NLB_SUBNET_PREFIX = 27
# An NLB registers IP targets outside its own VPC only from these ranges.
IP_TARGET_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")


def format_finding(finding):
    """One line: ``<host>: <field>: <what is wrong>; <how to fix>``."""
    return f"{finding['host']}: {finding['field']}: {finding['message']}"


class Findings:
    """Errors and warnings collected over the whole inventory."""

    def __init__(self):
        self.errors = []
        self.warnings = []
        self.cidrs = 0

    def error(self, host, field, message):
        self.errors.append({"host": host, "field": field, "message": message})

    def warn(self, host, field, message):
        self.warnings.append({"host": host, "field": field, "message": message})


def _describe_type(value):
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _missing(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(findings, host, field, parser, value, fix=None):
    """Run a ``network`` validator; on ValueError record its message (minus the field prefix) plus ``fix``."""
    try:
        return parser(value, field)
    except ValueError as error:
        text = str(error)
        if text.startswith(f"{field}: "):
            text = text[len(field) + 2 :]
        findings.error(host, field, f"{text}; {fix}" if fix else text)
        return None


def _require(findings, host, values, key, expected, fix):
    """Value of a required key of ``expected`` type, or None after recording why it is unusable."""
    value = values.get(key)
    if _missing(value):
        findings.error(host, key, f"is missing; {fix}")
        return None
    if not isinstance(value, expected):
        findings.error(host, key, f"must be {_describe_type(expected())}, got {_describe_type(value)}; {fix}")
        return None
    return value


def _account_id(findings, host, values):
    fix = 'set the 12-digit id of the account as a quoted string, e.g. aws_account_id: "012345678901"'
    value = values.get("aws_account_id")
    if _missing(value):
        findings.error(host, "aws_account_id", f"is missing; {fix}")
        return None
    if not isinstance(value, str):
        findings.error(
            host,
            "aws_account_id",
            f"{value!r} is {_describe_type(value)}, not a string; quote it in YAML so leading zeros survive, "
            'e.g. aws_account_id: "012345678901"',
        )
        return None
    return _parse(findings, host, "aws_account_id", check_account_id, value.strip(), fix)


def _region(findings, host, values):
    value = values.get("aws_region")
    if _missing(value):
        return DEFAULT_REGION
    if not isinstance(value, str) or not REGION_RE.match(value):
        findings.error(
            host, "aws_region", f"{value!r} is not an AWS region name; use a region such as us-east-1 or eu-west-3"
        )
        return None
    return value


def _vpc_cidr(findings, host, field, value, fix):
    if not isinstance(value, str):
        findings.error(host, field, f"must be a string, got {_describe_type(value)}; {fix}")
        return None
    network = _parse(findings, host, field, parse_cidr, value, fix)
    if network is None:
        return None
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        findings.error(
            host,
            field,
            f"{value} is a /{network.prefixlen}; AWS accepts VPC CIDR blocks from /{MIN_PREFIX} to /{MAX_PREFIX}",
        )
        return None
    findings.cidrs += 1
    return network


def _check_shared(findings, host, values):
    """Validate the gateway account's variables; return what the cross-account checks need."""
    gateway = {"host": host, "kind": SHARED}
    gateway["account"] = _account_id(findings, host, values)
    gateway["region"] = _region(findings, host, values)

    vpc_fix = "set the CIDR of the gateway VPC, e.g. shared_gateway_vpc_cidr: 10.100.0.0/16"
    value = _require(findings, host, values, "shared_gateway_vpc_cidr", str, vpc_fix)
    gateway["vpc_cidr"] = (
        None if value is None else _vpc_cidr(findings, host, "shared_gateway_vpc_cidr", value, vpc_fix)
    )

    gateway["subnets"] = _check_gateway_subnets(findings, host, values, gateway)

    strategy = values.get("shared_gateway_nlb_strategy")
    if _missing(strategy):
        strategy = DEFAULT_NLB_STRATEGY
    elif strategy not in NLB_STRATEGIES:
        findings.error(
            host,
            "shared_gateway_nlb_strategy",
            f"{strategy!r} is not a strategy; use shared (one NLB, one listener port per service) "
            "or dedicated (one NLB and one VPC link per service)",
        )
        strategy = None
    gateway["strategy"] = strategy

    name = _require(findings, host, values, "api_publish_name", str, "set the name of the REST API, e.g. open-banking")
    gateway["api_name"] = name.strip() if name else None

    stage_fix = "use letters, digits, underscores and hyphens (at most 128), e.g. api_publish_stage: v1"
    stage = _require(findings, host, values, "api_publish_stage", str, stage_fix)
    if stage is not None and not STAGE_NAME_RE.match(stage):
        findings.error(host, "api_publish_stage", f"{stage!r} is not a valid stage name; {stage_fix}")
        stage = None
    gateway["stage"] = stage
    return gateway


def _check_gateway_subnets(findings, host, values, gateway):
    key = "shared_gateway_subnets"
    fix = "list the NLB subnets, e.g. [{cidr: 10.100.1.0/24, az: us-east-1a}, {cidr: 10.100.2.0/24, az: us-east-1b}]"
    subnets = _require(findings, host, values, key, list, fix)
    if subnets is None:
        return []
    if not subnets:
        findings.error(host, key, f"is empty; at least one subnet is required; {fix}")
        return []
    parsed = _check_subnets(findings, host, key, subnets, gateway, "shared_gateway_vpc_cidr", MAX_NLB_SUBNET_PREFIX)
    by_az = {}
    for subnet in parsed:
        if subnet["az"] is None:
            continue
        if subnet["az"] in by_az:
            findings.error(
                host,
                subnet["az_field"],
                f"{subnet['az']} is already the AZ of {by_az[subnet['az']]}; a load balancer takes one subnet "
                "per Availability Zone: put each subnet in a different AZ",
            )
        else:
            by_az[subnet["az"]] = subnet["field"]
    if len(by_az) == 1:
        findings.warn(
            host,
            key,
            f"covers only one Availability Zone ({next(iter(by_az))}); add a subnet in a second AZ "
            "so the NLB survives the loss of one zone",
        )
    return parsed


def _check_subnets(findings, host, key, subnets, vpc, vpc_field, max_prefix):
    """``{cidr, az}`` items: valid, inside the VPC CIDR (when known), not overlapping, AZ in the region."""
    parsed = []
    for index, subnet in enumerate(subnets):
        field = f"{key}[{index}]"
        if not isinstance(subnet, dict):
            findings.error(
                host,
                field,
                f"must be a mapping {{cidr, az}}, got {_describe_type(subnet)}; e.g. {{cidr: 10.0.1.0/24, az: us-east-1a}}",
            )
            continue
        for extra in sorted(set(subnet) - {"cidr", "az"}):
            findings.warn(host, f"{field}.{extra}", "is not a subnet key and is ignored; use cidr and az only")
        cidr = _check_subnet_cidr(
            findings, host, f"{field}.cidr", subnet.get("cidr"), vpc["vpc_cidr"], vpc_field, max_prefix
        )
        az = _check_az(findings, host, f"{field}.az", subnet.get("az"), vpc["region"])
        if cidr is not None:
            parsed.append({"field": f"{field}.cidr", "cidr": cidr, "az": az, "az_field": f"{field}.az"})

    for label_a, cidr_a, label_b, cidr_b in find_overlaps([(s["field"], str(s["cidr"])) for s in parsed]):
        findings.error(host, label_b, f"{cidr_b} overlaps {label_a} {cidr_a}; give every subnet its own range")
    return parsed


def _check_subnet_cidr(findings, host, field, value, vpc_cidr, vpc_field, max_prefix):
    fix = f"give a block inside {vpc_field}, e.g. a /24 of it"
    if _missing(value):
        findings.error(host, field, f"is missing; {fix}")
        return None
    if not isinstance(value, str):
        findings.error(host, field, f"must be a string, got {_describe_type(value)}; {fix}")
        return None
    network = _parse(findings, host, field, parse_cidr, value, fix)
    if network is None:
        return None
    findings.cidrs += 1
    if network.prefixlen > max_prefix:
        reason = (
            f"a load balancer subnet needs at least a /{max_prefix} (8 free addresses)"
            if max_prefix == MAX_NLB_SUBNET_PREFIX
            else f"AWS accepts subnets from /{MIN_PREFIX} to /{MAX_PREFIX}"
        )
        findings.error(host, field, f"{value} is a /{network.prefixlen}; {reason}: use a larger block")
    if vpc_cidr is not None and not network.subnet_of(vpc_cidr):
        findings.error(host, field, f"{value} is not inside {vpc_field} {vpc_cidr}; {fix}")
        return None
    return network


def _check_az(findings, host, field, value, region):
    fix = f"use an Availability Zone name of the account's region, e.g. {region or DEFAULT_REGION}a"
    if _missing(value):
        findings.error(host, field, f"is missing; {fix}")
        return None
    match = AZ_NAME_RE.match(value) if isinstance(value, str) else None
    if not match:
        findings.error(host, field, f"{value!r} is not an Availability Zone name; {fix}")
        return None
    if region is not None and match.group(1) != region:
        findings.error(host, field, f"{value} is not in the account's region {region} (aws_region); {fix}")
        return None
    return value


def _check_provider(findings, host, values):
    """Validate one provider account's variables and its services."""
    provider = {"host": host, "kind": PROVIDER}
    provider["account"] = _account_id(findings, host, values)
    provider["region"] = _region(findings, host, values)

    vpc_id = values.get("provider_vpc_id")
    if _missing(vpc_id):
        vpc_id = None
    elif not isinstance(vpc_id, str) or not VPC_ID_RE.match(vpc_id):
        findings.error(
            host,
            "provider_vpc_id",
            f"{vpc_id!r} is not a VPC id; give the id of the VPC to adopt, e.g. vpc-0a1b2c3d4e5f60718",
        )
        vpc_id = False
    provider["vpc_id"] = vpc_id or None

    tags = values.get("provider_vpc_tags")
    if _missing(tags) or tags == {}:
        tags = None
    elif not isinstance(tags, dict) or not all(isinstance(key, str) and key.strip() for key in tags):
        findings.error(
            host,
            "provider_vpc_tags",
            f"{tags!r} is not a mapping of tag keys to values; give the tags of the one VPC to adopt, "
            "e.g. provider_vpc_tags: {Name: payments}",
        )
        tags = False
    provider["vpc_tags"] = tags or None

    if vpc_id:
        adopted = f"the adopted VPC {vpc_id}"
    elif tags:
        adopted = f"the VPC adopted by provider_vpc_tags {tags}"
    else:
        adopted = None

    provider["vpc_cidr"] = None
    cidr = values.get("provider_vpc_cidr")
    if not _missing(cidr):
        cidr_fix = "set the CIDR of the provider VPC, e.g. provider_vpc_cidr: 10.0.0.0/16"
        provider["vpc_cidr"] = _vpc_cidr(findings, host, "provider_vpc_cidr", cidr, cidr_fix)
    elif vpc_id is None and tags is None:
        findings.error(
            host,
            "provider_vpc_cidr",
            "is missing and so are provider_vpc_id and provider_vpc_tags; set provider_vpc_cidr to create a VPC, "
            "or provider_vpc_id (or provider_vpc_tags) to adopt an existing one",
        )
    elif adopted:
        findings.warn(
            host,
            "provider_vpc_cidr",
            f"is not set for {adopted}: its overlap and target IP checks are deferred to the provider_vpc "
            "role; set provider_vpc_cidr to the VPC's CIDR to check them now",
        )

    subnets = values.get("provider_vpc_subnets")
    if subnets is not None and not isinstance(subnets, list):
        findings.error(
            host,
            "provider_vpc_subnets",
            f"must be a list, got {_describe_type(subnets)}; list the service subnets as {{cidr, az}} or leave it out",
        )
    elif subnets:
        _check_subnets(findings, host, "provider_vpc_subnets", subnets, provider, "provider_vpc_cidr", MAX_PREFIX)

    provider["services"] = _check_provider_services(findings, host, values, provider)
    return provider


def _check_provider_services(findings, host, values, provider):
    key = "provider_vpc_services"
    fix = "list the services, e.g. [{name: payments, port: 8080, path: payments, targets: [10.0.1.25]}]"
    services = _require(findings, host, values, key, list, fix)
    if services is None:
        return []
    if not services:
        findings.warn(host, key, "is empty: this provider publishes nothing; add its services or remove the host")
        return []
    parsed = []
    for index, service in enumerate(services):
        field = f"{key}[{index}]"
        if not isinstance(service, dict):
            findings.error(host, field, f"must be a mapping, got {_describe_type(service)}; {fix}")
            continue
        parsed.append(_check_service(findings, host, field, service, provider))
    return parsed


def _check_service(findings, host, field, service, provider):
    result = {"host": host, "field": field}
    for extra in sorted(set(service) - set(SERVICE_KEYS)):
        findings.warn(
            host, f"{field}.{extra}", f"is not a service key and is ignored; the keys are {', '.join(SERVICE_KEYS)}"
        )

    result["name"] = _check_service_name(findings, host, f"{field}.name", service.get("name"))

    port_fix = "give the TCP port the service listens on (1-65535)"
    port = service.get("port")
    if _missing(port):
        findings.error(host, f"{field}.port", f"is missing; {port_fix}")
        result["port"] = None
    else:
        result["port"] = _parse(findings, host, f"{field}.port", parse_port, port, port_fix)

    listener_port = service.get("listener_port")
    if listener_port is None:
        result["listener_port"] = result["port"]
        result["listener_field"] = f"{field}.port"
    else:
        result["listener_port"] = _parse(
            findings,
            host,
            f"{field}.listener_port",
            parse_port,
            listener_port,
            "give the NLB listener port (1-65535) or leave it out to use port",
        )
        result["listener_field"] = f"{field}.listener_port"

    path = service.get("path")
    if path is not None and not isinstance(path, str):
        findings.error(host, f"{field}.path", f"must be a string, got {_describe_type(path)}; use e.g. payments/v2")
        result["path"] = None
    else:
        result["path"] = _parse(findings, host, f"{field}.path", normalise_path, path)

    result["targets"] = _check_targets(findings, host, f"{field}.targets", service.get("targets"), provider)
    result["health_check"] = _check_health_check(findings, host, f"{field}.health_check", service.get("health_check"))
    result["access"] = check_service_access(findings, host, field, service)
    result["valid"] = all(
        result[key] is not None
        for key in ("name", "port", "listener_port", "path", "targets", "health_check", "access")
    )
    return result


def _check_health_check(findings, host, field, value):
    """The service's ALB health check ``{path, matcher}`` (each optional), {} when not set, None when wrong.

    Only the ALB of shared_gateway_private_integration alb-v2 uses it (the NLB checks are TCP)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        findings.error(
            host,
            field,
            f"must be a mapping, got {_describe_type(value)}; use e.g. {{path: /health, matcher: '200-299'}}",
        )
        return None
    valid = True
    for extra in sorted(set(value) - set(HEALTH_CHECK_KEYS)):
        findings.error(
            host, f"{field}.{extra}", f"is not a health check key; the keys are {', '.join(HEALTH_CHECK_KEYS)}"
        )
        valid = False
    result = {}
    path = value.get("path")
    if path is not None:
        if not isinstance(path, str) or not HEALTH_CHECK_PATH_RE.match(path):
            findings.error(
                host,
                f"{field}.path",
                f"{path!r} is not a health check path; start it with / and use at most 1024 URL characters, e.g. /health",
            )
            valid = False
        else:
            result["path"] = path
    matcher = value.get("matcher")
    if matcher is not None:
        text = (
            str(matcher).replace(" ", "") if isinstance(matcher, (str, int)) and not isinstance(matcher, bool) else ""
        )
        if not HEALTH_CHECK_MATCHER_RE.match(text):
            findings.error(
                host,
                f"{field}.matcher",
                f"{matcher!r} is not a set of HTTP codes; give codes from 200 to 499 as 200, 200,202 or 200-299",
            )
            valid = False
        else:
            result["matcher"] = text
    return result if valid else None


def _check_service_name(findings, host, field, name):
    fix = (
        f"use lowercase letters, digits and hyphens, at most {MAX_SERVICE_NAME_LENGTH} characters, "
        "starting and ending with a letter or digit, e.g. payments"
    )
    if _missing(name):
        findings.error(host, field, f"is missing; {fix}")
        return None
    if not isinstance(name, str) or not SERVICE_NAME_RE.match(name):
        findings.error(host, field, f"{name!r} is not a valid service name; {fix}")
        return None
    if len(name) > MAX_SERVICE_NAME_LENGTH:
        findings.error(
            host,
            field,
            f"{name!r} has {len(name)} characters; generated NLB and target group names (32 characters at most) "
            f"need service names of at most {MAX_SERVICE_NAME_LENGTH}: shorten it",
        )
        return None
    return name


def _check_targets(findings, host, field, targets, provider):
    fix = "list the private IPv4 addresses of the service, e.g. targets: [10.0.1.25]"
    if targets is None or targets == "":
        findings.error(host, field, f"is missing; {fix}")
        return None
    if not isinstance(targets, list):
        findings.error(host, field, f"must be a list, got {_describe_type(targets)}; {fix}")
        return None
    if not targets:
        findings.error(host, field, f"is empty; {fix}")
        return None
    parsed = []
    ok = True
    for index, target in enumerate(targets):
        target_field = f"{field}[{index}]"
        address = _parse(findings, host, target_field, parse_ipv4, target, fix)
        if address is None:
            ok = False
            continue
        ip = str(address)
        if ip in parsed:
            findings.error(host, target_field, f"{ip} is listed twice; remove the duplicate")
            continue
        if not ip_in_cidrs(ip, IP_TARGET_RANGES):
            findings.error(
                host,
                target_field,
                f"{ip} is not a private address; an NLB registers IP targets outside its VPC only from "
                f"{', '.join(IP_TARGET_RANGES)}: use the service's private IP",
            )
            ok = False
        elif provider["vpc_cidr"] is not None and address not in provider["vpc_cidr"]:
            findings.error(
                host,
                target_field,
                f"{ip} is outside provider_vpc_cidr {provider['vpc_cidr']}; traffic reaches the provider only "
                "through the peered VPC: use an IP of the provider VPC or fix provider_vpc_cidr",
            )
            ok = False
        parsed.append(ip)
    return parsed if ok else None


def _split_accounts(findings, accounts):
    """Shared and provider ``(host, vars)`` pairs, after the inventory-level structure checks."""
    shared, providers, seen = [], [], {}
    for index, account in enumerate(accounts or []):
        if not isinstance(account, dict):
            findings.error(INVENTORY, f"accounts[{index}]", "must be a mapping {host, kind, vars}; fix the caller")
            continue
        host = account.get("host")
        kind = account.get("kind")
        values = account.get("vars")
        if _missing(host) or not isinstance(host, str):
            findings.error(INVENTORY, f"accounts[{index}].host", "is missing; give the inventory host name")
            continue
        if kind not in KINDS:
            findings.error(host, "kind", f"{kind!r} is not an account kind; use shared or provider")
            continue
        if values is None:
            values = {}
        if not isinstance(values, dict):
            findings.error(host, "vars", f"must be a mapping, got {_describe_type(values)}; pass the host's variables")
            continue
        if host in seen:
            if seen[host] == kind:
                findings.error(host, "host", "is listed twice; list every account host once")
            else:
                findings.error(
                    host,
                    "groups",
                    f"is in both {SHARED_GROUP} and {PROVIDER_GROUP}; a provider in the gateway account is out "
                    f"of scope: keep the host in one group",
                )
            continue
        seen[host] = kind
        (shared if kind == SHARED else providers).append((host, values))

    if not shared:
        findings.error(INVENTORY, SHARED_GROUP, "has no host; put exactly one host (the gateway account) in the group")
    elif len(shared) > 1:
        names = ", ".join(host for host, _values in shared)
        findings.error(
            INVENTORY,
            SHARED_GROUP,
            f"has {len(shared)} hosts ({names}); keep exactly one (the gateway account) and run one inventory per gateway",
        )
    if not providers:
        findings.error(INVENTORY, PROVIDER_GROUP, "has no host; add one host per account that publishes services")
    return shared, providers


def _check_account_ids(findings, gateways, providers):
    """One host per account: a provider in the gateway account, or two providers in one account."""
    gateway_accounts = {gateway["account"]: gateway["host"] for gateway in gateways if gateway["account"]}
    provider_accounts = {}
    for provider in providers:
        owner = gateway_accounts.get(provider["account"])
        first = provider_accounts.setdefault(provider["account"], provider["host"]) if provider["account"] else None
        if owner:
            findings.error(
                provider["host"],
                "aws_account_id",
                f"{provider['account']} is also the gateway account ({owner}: aws_account_id); a provider in the "
                "gateway account is out of scope: publish only services of other accounts, or fix the account id",
            )
        elif first is not None and first != provider["host"]:
            findings.error(
                provider["host"],
                "aws_account_id",
                f"{provider['account']} is also the account of {first} (aws_account_id); each AWS account is one "
                f"host: list every service of that account under {first}, or fix the account id",
            )


def _check_known_regions(findings, accounts, known_regions):
    """Regions that are well formed but that the AWS SDK does not know (``known_regions``)."""
    known = set(known_regions)
    for account in accounts:
        region = account["region"]
        if region is None or region in known:
            continue
        close = difflib.get_close_matches(region, sorted(known), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        findings.error(
            account["host"],
            "aws_region",
            f"{region} is not a region the AWS SDK of the controller knows; {hint}use an existing region "
            "(a region newer than the installed botocore needs a newer botocore)",
        )


def _check_vpcs(findings, gateways, providers):
    """CIDR overlaps across every VPC, and two providers adopting the same VPC."""
    vpcs = []
    for gateway in gateways:
        if gateway["vpc_cidr"] is not None:
            vpcs.append((gateway, "shared_gateway_vpc_cidr", gateway["vpc_cidr"]))
    for provider in providers:
        if provider["vpc_cidr"] is not None:
            vpcs.append((provider, "provider_vpc_cidr", provider["vpc_cidr"]))

    adopted = {}
    same_vpc = set()
    for provider in providers:
        if not provider["account"] or not provider["region"]:
            continue
        if provider["vpc_id"]:
            field, what, identity = "provider_vpc_id", provider["vpc_id"], provider["vpc_id"]
        elif provider["vpc_tags"]:
            field, what = "provider_vpc_tags", provider["vpc_tags"]
            identity = tuple(sorted((str(key), str(value)) for key, value in what.items()))
        else:
            continue
        key = (provider["account"], provider["region"], field, identity)
        if key in adopted:
            first = adopted[key]
            same_vpc.add((first["host"], provider["host"]))
            findings.error(
                provider["host"],
                field,
                f"{what} is also adopted by {first['host']} ({field}) in account {provider['account']}, "
                f"region {provider['region']}; list all services of one VPC under one provider host",
            )
        else:
            adopted[key] = provider

    labelled = [(index, str(cidr)) for index, (_account, _field, cidr) in enumerate(vpcs)]
    for index_a, cidr_a, index_b, cidr_b in find_overlaps(labelled):
        first, field_a, _net = vpcs[index_a]
        second, field_b, _net = vpcs[index_b]
        if (first["host"], second["host"]) in same_vpc:
            continue
        where = ""
        if first["kind"] == second["kind"] == PROVIDER and (first["account"], first["region"]) == (
            second["account"],
            second["region"],
        ):
            where = f" (both in account {first['account']}, region {first['region']})"
        findings.error(
            second["host"],
            field_b,
            f"{cidr_b} overlaps {first['host']}: {field_a} {cidr_a}{where}; give every VPC a distinct range "
            "(peering fails and routes clash on overlapping CIDRs)",
        )


def _check_services(findings, gateways, providers):
    """Unique names and paths, listener ports on a shared NLB; return the normalised service list."""
    strategy = gateways[0]["strategy"] if len(gateways) == 1 else None
    services = [service for provider in providers for service in provider["services"]]

    names = {}
    paths = {}
    for service in services:
        name = service["name"]
        if name is not None:
            if name in names:
                first = names[name]
                service["valid"] = False
                findings.error(
                    service["host"],
                    f"{service['field']}.name",
                    f"{name!r} is already the name of {first['host']}: {first['field']}.name; service names must be "
                    "unique across all providers (they name target groups and API resources): rename one",
                )
            else:
                names[name] = service
        path = service["path"]
        if path is not None:
            if path in paths:
                first = paths[path]
                service["valid"] = False
                findings.error(
                    service["host"],
                    f"{service['field']}.path",
                    f"/{path} is already the path of {first['host']}: {first['field']}.path (after removing slashes); "
                    "every service needs its own API path: change one",
                )
            else:
                paths[path] = service

    for path, service in paths.items():
        for other_path, other in paths.items():
            if path.startswith(other_path + "/"):
                findings.warn(
                    service["host"],
                    f"{service['field']}.path",
                    f"/{path} is nested under /{other_path} of {other['host']}: {other['field']}.path; requests to "
                    f"/{path}/... go to this service, all other /{other_path}/... to that one: check this is intended",
                )

    if strategy == "shared":
        labelled = [(index, service["listener_port"]) for index, service in enumerate(services)]
        labelled = [(index, port) for index, port in labelled if port is not None]
        for port, indexes in port_collisions(labelled).items():
            first = services[indexes[0]]
            for index in indexes[1:]:
                service = services[index]
                service["valid"] = False
                findings.error(
                    service["host"],
                    service["listener_field"],
                    f"listener port {port} is already taken on the shared NLB by {first['host']}: "
                    f"{first['listener_field']}; on a shared NLB every service needs its own listener port: "
                    "set a distinct listener_port (or use shared_gateway_nlb_strategy: dedicated)",
                )

    return [
        {
            "name": service["name"],
            "provider": service["host"],
            "port": service["port"],
            "listener_port": service["listener_port"],
            "path": service["path"],
            "targets": service["targets"],
            "health_check": service["health_check"],
            "access": service["access"],
            "field": service["field"],
        }
        for service in services
        if service["valid"]
    ]


def check_inventory(accounts, known_regions=None):
    """Check every account at once.

    ``known_regions``: the region names the controller's AWS SDK knows (every partition); when given,
    a well-formed region outside it is an error. None skips that check (the planner stays pure: the
    preflight module reads them from botocore).

    Returns ``{errors, warnings, services, checked}``: ``errors`` and ``warnings`` are lists of
    ``{host, field, message}``; ``services`` the normalised service list (name, provider, port,
    listener_port, path, targets) of the services that passed every check; ``checked`` the counts of
    accounts, services and CIDR blocks looked at.
    """
    findings = Findings()
    shared, providers = _split_accounts(findings, accounts)
    gateways = [_check_shared(findings, host, values) for host, values in shared]
    provider_checks = [_check_provider(findings, host, values) for host, values in providers]
    _check_account_ids(findings, gateways, provider_checks)
    if known_regions is not None:
        _check_known_regions(findings, gateways + provider_checks, known_regions)
    _check_vpcs(findings, gateways, provider_checks)
    services = _check_services(findings, gateways, provider_checks)
    return {
        "errors": findings.errors,
        "warnings": findings.warnings,
        "services": services,
        "checked": {
            "accounts": len(shared) + len(providers),
            "services": sum(len(provider["services"]) for provider in provider_checks),
            "cidrs": findings.cidrs,
        },
    }
