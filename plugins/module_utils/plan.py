# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The planner: the whole inventory in, the desired state of every account out (pure, no boto3).

``build_plan(accounts)`` runs the preflight checks of ``preflight.check_inventory`` on every account
host at once (they are the planner's input check), validates the optional planning keys, and turns
the inventory into one normalised plan with every derived name, port, tag and default resolved once:

* ``gateway``: the shared-services account: its VPC, subnets and route table, load balancers with
  their listeners, target groups with their IP targets, VPC links (a REST v1 link per NLB, or with
  ``shared_gateway_private_integration: nlb-v2`` one VPC link v2 and its security group), peering
  requests and API routes;
* ``providers``: per provider account: its VPC (adopt or create), service subnets, one security group
  per service with its rules and targets, demo instances, the peering to accept and the return routes;
* ``leaving``: the same for each provider with ``provider_state: absent`` (no services): what its
  account removes; the gateway part leaves it out like a provider that is not in the inventory;
* ``accounts``: account id and region of every host (the credentials' region comes from here);
* ``services``: one flat entry per published service, with the names of everything that serves it;
* ``host_groups``: the inventory groups (:data:`PLAY_GROUPS`) that the preflight role puts hosts in,
  so that a play only some providers take part in targets just them (see :func:`host_groups`).

Roles read their own account's part and apply it; facts that pass between plays carry only what AWS
assigned (ids, ARNs, DNS names). Nothing here talks to AWS, so the whole plan is unit-tested.
"""

import difflib
import hashlib
import re

from ansible_collections.multiaccount.apigateway.plugins.module_utils import connectivity as conn
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import MANAGED_TAG_KEY, MANAGED_TAG_VALUE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.governance import (
    GOVERNANCE_OPTIONS,
    plan_governance,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight import (
    DEFAULT_REGION,
    INVENTORY,
    IP_TARGET_RANGES,
    PROVIDER,
    SHARED,
    check_inventory,
)

PLAN_VERSION = 1

GATEWAY_TAG = "multiaccount:gateway"
PROVIDER_TAG = "multiaccount:provider"
SERVICE_TAG = "multiaccount:service"
STRATEGY_TAG = "multiaccount:nlb-strategy"
DEMO_TAG = "multiaccount:demo"
# On the REST API: the private integration whose path is the only one in place (the links of the
# other mode were removed after the paths verified). No tag: nlb-v1, the seed's path.
PRIVATE_INTEGRATION_TAG = "multiaccount:private-integration"

# The groups the preflight role adds hosts to (add_host, once per run), so that the plays of
# playbooks/site.yml that only some providers take part in target those providers alone: a provider
# that a play's conditions would skip costs a task run all the same.
PLAY_GROUPS = {
    # Present providers on transit_gateway: they route back once the gateway accepted their attachment.
    "transit_gateway": "multiaccount_apigateway_transit_gateway",
    # Providers with provider_state: absent: they remove their side.
    "leaving": "multiaccount_apigateway_leaving",
    # Providers back on peering whose Transit Gateway attachment goes; filled by the gateway once
    # every path verified (site.yml), empty in the plan.
    "retire_attachment": "multiaccount_apigateway_retire_attachment",
}

# Load balancer and target group names: at most 32 characters of [A-Za-z0-9-].
LB_NAME_MAX = 32
LB_NAME_KEEP = 23

# AWS quotas the plan respects (defaults). A shared NLB takes at most LISTENERS_PER_NLB services: more
# services are spread over more shared NLBs (each with its VPC link). The others are adjustable, so
# the planner warns, naming the quota, when the inventory needs more.
LISTENERS_PER_NLB = 50
VPC_LINKS_PER_REGION = 20
RESOURCES_PER_REST_API = 300

DEFAULT_API_DESCRIPTION = "Services of the provider accounts, published over VPC links"
ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
# How the REST API reaches the load balancers: a REST (v1) VPC link per NLB (the seed's path, legacy
# for AWS since November 2025), or one VPC link v2 in the gateway subnets with the NLB named by each
# integration (integrationTarget).
PRIVATE_INTEGRATIONS = ("nlb-v1", "nlb-v2", "alb-v2")
DEFAULT_PRIVATE_INTEGRATION = "nlb-v1"
# alb-v2: one HTTP listener per ALB, one rule per service; the default quotas "Rules per Application
# Load Balancer" and "Target groups per Application Load Balancer" are both 100.
ALB_LISTENER_PORT = 80
# With shared_gateway_certificate_arn: an HTTPS listener on 443 (the integrations use https and the
# certificate's host name).
ALB_HTTPS_PORT = 443
_CERTIFICATE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate/[A-Za-z0-9-]+$")
ALB_RULES_PER_LISTENER = 100
# The health check of an ALB target group when the service sets none (AWS's defaults).
DEFAULT_HEALTH_CHECK = {"path": "/", "matcher": "200"}
# AWS's timeout of an HTTP health check of an IP target group (the plan sets none); the interval must
# be longer.
ALB_HEALTH_CHECK_TIMEOUT = 5
MAX_INTEGRATION_TIMEOUT_MS = 300000
MIN_INTEGRATION_TIMEOUT_MS = 50

# Keys that shape the desired state, per kind of account, with their defaults (the contract keys
# checked by preflight come on top). A key set to null counts as not set.
GATEWAY_OPTIONS = {
    "shared_gateway_name": None,  # default: api_publish_name
    "shared_gateway_tags": {},
    "shared_gateway_nlb_cross_zone": True,
    "shared_gateway_health_check_interval": 30,
    "shared_gateway_healthy_threshold": 3,
    "shared_gateway_unhealthy_threshold": 3,
    "api_publish_endpoint_type": "REGIONAL",
    "api_publish_description": DEFAULT_API_DESCRIPTION,
    "api_publish_tags": {},
    "api_publish_timeout_in_millis": 29000,
    "shared_gateway_private_integration": DEFAULT_PRIVATE_INTEGRATION,
    "shared_gateway_certificate_arn": None,
    # The central gateway's policy (module_utils/governance.py).
    **GOVERNANCE_OPTIONS,
    # Peering or Transit Gateway (module_utils/connectivity.py).
    **conn.GATEWAY_OPTIONS,
}
PROVIDER_STATES = ("present", "absent")
PROVIDER_OPTIONS = {
    "provider_state": "present",  # absent: the next run removes what the collection made for it
    "provider_vpc_name": None,  # default: <gateway name>-<host>
    "provider_vpc_resource_tags": {},
    "provider_vpc_attach_security_groups": True,
    "provider_vpc_demo_instances": False,
    "provider_vpc_demo_instance_type": "t3.micro",
    "provider_vpc_demo_image_id": "",
    "provider_vpc_demo_image_name": "al2023-ami-2023.*-x86_64",
    "provider_vpc_demo_image_owner": "amazon",
    "peering_accept_tag_peering": True,
    "peering_accept_routes": True,
    **conn.PROVIDER_OPTIONS,
}

# Every public variable of the collection's roles (their meta/argument_specs.yml; a unit test keeps
# the two in step). Inventory keys with one of PREFIXES that are in none of these lists are typos.
PREFIXES = (
    "account_credentials_",
    "api_publish_",
    "peering_accept_",
    "preflight_",
    "provider_vpc_",
    "shared_gateway_",
    "verify_",
)
CONTRACT_KEYS = (
    "aws_account_id",
    "aws_region",
    "aws_role_arn",
    "aws_profile",
    "shared_gateway_vpc_cidr",
    "shared_gateway_subnets",
    "shared_gateway_nlb_strategy",
    "api_publish_name",
    "api_publish_stage",
    "provider_vpc_cidr",
    "provider_vpc_id",
    "provider_vpc_tags",
    "provider_vpc_subnets",
    "provider_vpc_services",
    "provider_state",
)
APPLY_KEYS = (
    # account_credentials
    "account_credentials_fact_name",
    "account_credentials_method",
    "account_credentials_role_name",
    "account_credentials_session_prefix",
    "account_credentials_duration_seconds",
    "account_credentials_external_id",
    "account_credentials_source_profile",
    "account_credentials_default_region",
    "account_credentials_verify",
    # preflight
    "preflight_shared_group",
    "preflight_provider_group",
    # shared_gateway
    "shared_gateway_plan",
    "shared_gateway_nlb_wait_timeout",
    "shared_gateway_targets_wait_for",
    "shared_gateway_vpc_link_wait_timeout",
    "shared_gateway_vpc_link_replace_on_change",
    "shared_gateway_prune",
    "shared_gateway_progress_interval",
    # provider_vpc
    "provider_vpc_plan",
    "provider_vpc_remove_network",
    "provider_vpc_instance_wait_timeout",
    # peering_accept
    "peering_accept_plan",
    "peering_accept_wait",
    "peering_accept_purge_routes",
    # api_publish
    "api_publish_plan",
    "api_publish_purge_routes",
    "api_publish_deployment_description",
    # verify
    "verify_plan",
    "verify_report_dir",
    "verify_report_name",
    "verify_render_images",
    "verify_live_probe",
    "verify_expected_status",
    "verify_probe_timeout",
    "verify_probe_validate_certs",
    "verify_fail_on_broken",
    "verify_target_health_max_age",
)
# Facts the roles publish at run time: they carry our prefixes but are no inventory keys.
RUNTIME_FACTS = (
    "account_credentials",
    "account_credentials_module_defaults",
    "account_credentials_identity",
    "preflight_plan",
    "preflight_services",
    "preflight_certificate",
    "provider_vpc_state",
    "shared_gateway_state",
    "peering_accept_state",
    "api_publish_state",
    "verify_gateway_snapshot",
    "verify_provider_snapshot",
    "verify_result",
)
KNOWN_KEYS = frozenset(CONTRACT_KEYS) | frozenset(GATEWAY_OPTIONS) | frozenset(PROVIDER_OPTIONS) | frozenset(APPLY_KEYS)

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9-]")
_GATEWAY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")


# ---------------------------------------------------------------------------------------------
# Names and tags
# ---------------------------------------------------------------------------------------------


def lb_name(raw):
    """A load balancer / target group name: [A-Za-z0-9-], at most 32 characters.

    Other characters become ``-``; a longer name keeps its first 23 characters, then ``-`` and the
    first 8 hex digits of the SHA-1 of the whole (sanitised) name, so distinct long names stay distinct.
    """
    name = _NAME_UNSAFE.sub("-", str(raw))
    if len(name) <= LB_NAME_MAX:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]  # nosec - a name suffix, not security
    return f"{name[:LB_NAME_KEEP]}-{digest}"


def ownership_tags(gateway_name):
    """The two tags that mark a resource as created by this collection for this gateway."""
    return {MANAGED_TAG_KEY: MANAGED_TAG_VALUE, GATEWAY_TAG: gateway_name}


def merge_tags(extra, *fixed):
    """The user's extra tags, overridden by the fixed ones (ownership tags always win)."""
    result = {str(key): str(value) for key, value in (extra or {}).items()}
    for tags in fixed:
        result.update(tags)
    return result


# ---------------------------------------------------------------------------------------------
# Optional keys: validation with defaults
# ---------------------------------------------------------------------------------------------


class _Options:
    """Reads optional keys of one host, recording typed errors the way preflight does."""

    def __init__(self, report, host, values, defaults):
        self.report = report
        self.host = host
        self.values = values
        self.defaults = defaults

    def _error(self, key, message):
        self.report["errors"].append({"host": self.host, "field": key, "message": message})

    def raw(self, key):
        value = self.values.get(key)
        return self.defaults[key] if value is None else value

    def boolean(self, key):
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return value.strip().lower() in ("true", "yes", "on", "1")
        self._error(key, f"{value!r} is not a boolean; use true or false")
        return self.defaults[key]

    def integer(self, key, low, high):
        value = self.raw(key)
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, bool) or str(value).strip() != str(number) or not low <= number <= high:
            self._error(key, f"{value!r} is not a whole number from {low} to {high}")
            return self.defaults[key]
        return number

    def text(self, key, pattern=None, hint=""):
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str) or (pattern is not None and value and not pattern.match(value)):
            self._error(key, f"{value!r} is not a valid value{'; ' + hint if hint else ''}")
            return self.defaults[key]
        return value.strip()

    def choice(self, key, choices):
        value = self.raw(key)
        if value not in choices:
            self._error(key, f"{value!r} is not one of {', '.join(choices)}")
            return self.defaults[key]
        return value

    def tags(self, key):
        value = self.raw(key)
        if not isinstance(value, dict) or not all(isinstance(tag, str) and tag.strip() for tag in value):
            self._error(key, f"{value!r} is not a mapping of tag keys to values; e.g. {key}: {{CostCenter: '1234'}}")
            return {}
        reserved = sorted(tag for tag in value if tag == MANAGED_TAG_KEY or tag.startswith("multiaccount:"))
        if reserved:
            self._error(
                key,
                f"sets {', '.join(reserved)}, which the collection owns (they mark what it created); remove them",
            )
            return {}
        return {str(tag): "" if tag_value is None else str(tag_value) for tag, tag_value in value.items()}


def _unknown_keys(report, host, values):
    """Keys with one of our prefixes that no role knows: a typo would be silently ignored."""
    for key in sorted(values):
        if not key.startswith(PREFIXES) or key in KNOWN_KEYS or key in RUNTIME_FACTS:
            continue
        close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}?" if close else "remove it or check the role's documented variables"
        report["errors"].append(
            {"host": host, "field": key, "message": f"is not a variable of multiaccount.apigateway; {hint}"}
        )


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


def _gateway_options(report, host, values):
    options = _Options(report, host, values, GATEWAY_OPTIONS)
    name = options.text(
        "shared_gateway_name", _GATEWAY_NAME_RE, "use letters, digits, '-', '_' and '.', at most 63 characters"
    )
    return {
        "name": name or str(values.get("api_publish_name") or "").strip(),
        "tags": options.tags("shared_gateway_tags"),
        "cross_zone": options.boolean("shared_gateway_nlb_cross_zone"),
        "interval": options.integer("shared_gateway_health_check_interval", 5, 300),
        "healthy": options.integer("shared_gateway_healthy_threshold", 2, 10),
        "unhealthy": options.integer("shared_gateway_unhealthy_threshold", 2, 10),
        "endpoint_type": options.choice("api_publish_endpoint_type", ENDPOINT_TYPES),
        "api_description": options.text("api_publish_description") or "",
        "api_tags": options.tags("api_publish_tags"),
        "timeout": options.integer(
            "api_publish_timeout_in_millis", MIN_INTEGRATION_TIMEOUT_MS, MAX_INTEGRATION_TIMEOUT_MS
        ),
        "private_integration": options.choice("shared_gateway_private_integration", PRIVATE_INTEGRATIONS),
        "certificate_arn": options.text(
            "shared_gateway_certificate_arn",
            _CERTIFICATE_ARN_RE,
            "give the ARN of an ACM certificate, arn:aws:acm:<region>:<account>:certificate/<id>",
        ),
    }


def _provider_options(report, host, values):
    options = _Options(report, host, values, PROVIDER_OPTIONS)
    return {
        "state": options.choice("provider_state", PROVIDER_STATES),
        "vpc_name": options.text("provider_vpc_name", _GATEWAY_NAME_RE, "use letters, digits, '-', '_' and '.'"),
        "tags": options.tags("provider_vpc_resource_tags"),
        "attach": options.boolean("provider_vpc_attach_security_groups"),
        "demo": options.boolean("provider_vpc_demo_instances"),
        "instance_type": options.text(
            "provider_vpc_demo_instance_type", _INSTANCE_TYPE_RE, "an EC2 instance type such as t3.micro"
        ),
        "image_id": options.text("provider_vpc_demo_image_id") or "",
        "image_name": options.text("provider_vpc_demo_image_name") or "",
        "image_owner": options.text("provider_vpc_demo_image_owner") or "",
        "tag_peering": options.boolean("peering_accept_tag_peering"),
        "return_routes": options.boolean("peering_accept_routes"),
    }


def _values_by_host(accounts):
    result = {}
    for account in accounts or []:
        if isinstance(account, dict) and isinstance(account.get("host"), str) and isinstance(account.get("vars"), dict):
            result.setdefault(account["host"], (account.get("kind"), account["vars"]))
    return result


def _region(values):
    region = values.get("aws_region")
    return region.strip() if isinstance(region, str) and region.strip() else DEFAULT_REGION


def _gateway_plan(report, host, values, options, services, providers):
    name = options["name"]
    region = _region(values)
    base = merge_tags(options["tags"], ownership_tags(name))
    resource_name = f"{name}-gateway"
    strategy = values.get("shared_gateway_nlb_strategy") or "shared"
    vpc_cidr = str(values.get("shared_gateway_vpc_cidr")).strip()
    # Subnets are named <resource name>-<az> by vpc_target_subnets.
    subnets = [
        {"cidr": str(subnet["cidr"]).strip(), "az": str(subnet["az"]).strip()}
        for subnet in values.get("shared_gateway_subnets") or []
    ]

    mode = options["private_integration"]
    # Both families are planned in every mode: the mode's one is built, the other one's names are kept
    # (neither changed nor deleted) until the retire play, after a move, removes it.
    nlb = _nlb_family(name, base, strategy, services, options)
    alb = _alb_family(name, base, services, options)
    family, other = (alb, nlb) if mode == "alb-v2" else (nlb, alb)
    _family_checks(
        report,
        host,
        mode,
        subnets,
        services,
        nlb,
        alb,
        options.get("certificate_arn"),
        (region, str(values.get("aws_account_id")).strip()),
        options.get("interval"),
    )

    # The VPC link v2 of each v2 mode, with its security group: nlb-v2 and alb-v2 have their own, so that
    # a move between them builds the new link beside the old one.
    links_v2 = {
        "nlb-v2": {"name": resource_name, "security_group": f"{resource_name}-link"},
        "alb-v2": {"name": f"{resource_name}-alb", "security_group": f"{resource_name}-alb-link"},
    }
    alb_group_name = f"{resource_name}-alb"
    link_v2 = links_v2.get(mode)

    routes = []
    for service in services:
        placed = dict(family["services"][service["name"]])
        # The port of the load balancer's listener that serves it (the ALB's in alb-v2); the service's
        # own listener_port stays what the inventory says.
        service["lb_listener_port"] = placed.pop("listener_port")
        service.update(placed)
        service["vpc_link"] = link_v2["name"] if link_v2 else placed["load_balancer"]
        service["vpc_link_version"] = "v2" if link_v2 else "v1"
        routes.append(
            {
                "service": service["name"],
                "path": service["path"],
                "load_balancer": service["load_balancer"],
                "load_balancer_type": service["load_balancer_type"],
                "vpc_link": service["vpc_link"],
                "vpc_link_version": service["vpc_link_version"],
                # The load balancer an integration over a VPC link v2 names (integrationTarget).
                "integration_target": service["load_balancer"] if link_v2 else None,
                "listener_port": service["lb_listener_port"],
                # An ALB routes on the request path: the integration keeps the API path (None: /).
                "backend_path": f"/{service['path']}" if mode == "alb-v2" else None,
                # https: the integration names the host of the ALB's certificate (shared_gateway_state).
                "scheme": "https" if mode == "alb-v2" and options.get("certificate_arn") else "http",
            }
        )

    vpc_links = []
    if mode == "nlb-v1":
        for balancer in family["load_balancers"]:
            tags = merge_tags(base, {STRATEGY_TAG: strategy})
            if strategy == "dedicated":
                tags.update({SERVICE_TAG: balancer["tags"][SERVICE_TAG], PROVIDER_TAG: balancer["tags"][PROVIDER_TAG]})
            vpc_links.append(
                {
                    "name": balancer["name"],
                    "version": "v1",
                    "load_balancer": balancer["name"],
                    "description": f"{name} gateway: NLB {balancer['name']}",
                    "tags": tags,
                }
            )

    vpc_links_v2 = []
    security_groups = []
    if link_v2:
        vpc_links_v2.append(
            {
                "name": link_v2["name"],
                "version": "v2",
                "security_group": link_v2["security_group"],
                "tags": merge_tags(base, {"Name": link_v2["name"]}),
            }
        )
        ports = sorted({service["lb_listener_port"] for service in services})
        what = "its ALB listener" if mode == "alb-v2" else "its NLB listeners"
        security_groups.append(
            {
                "name": link_v2["security_group"],
                "description": f"multiaccount.apigateway: VPC link v2 of {name} to {what}",
                # No ingress: the link only opens connections, to the listeners in the gateway VPC.
                "ingress": [],
                "egress": (
                    [
                        {
                            "proto": "tcp",
                            "from_port": ports[0],
                            "to_port": ports[-1],
                            "cidr_ip": vpc_cidr,
                            "rule_desc": f"{name} {'ALB listener' if mode == 'alb-v2' else 'NLB listeners'}",
                        }
                    ]
                    if ports
                    else []
                ),
                "tags": merge_tags(base, {"Name": link_v2["security_group"]}),
            }
        )
    if mode == "alb-v2":
        target_ports = sorted({service["port"] for service in services})
        security_groups.append(
            {
                "name": alb_group_name,
                "description": f"multiaccount.apigateway: internal ALB of {name}, reached only by its VPC link v2",
                "ingress": [
                    {
                        "proto": "tcp",
                        "from_port": alb["listener_port"],
                        "to_port": alb["listener_port"],
                        "group_name": link_v2["security_group"],
                        "rule_desc": f"{name} VPC link v2",
                    }
                ],
                # To the targets: AWS takes IP targets outside the VPC only from these ranges.
                "egress": (
                    [
                        {
                            "proto": "tcp",
                            "from_port": target_ports[0],
                            "to_port": target_ports[-1],
                            "cidr_ip": list(IP_TARGET_RANGES),
                            "rule_desc": f"{name} service targets",
                        }
                    ]
                    if target_ports
                    else []
                ),
                "tags": merge_tags(base, {"Name": alb_group_name}),
            }
        )
    mode_groups = [group["name"] for group in security_groups]
    # Deleted in this order (the ALB's group refers to the ALB link's group).
    all_groups = [alb_group_name, links_v2["alb-v2"]["security_group"], links_v2["nlb-v2"]["security_group"]]

    peerings = [
        {
            "provider": provider["host"],
            "account_id": provider["account_id"],
            "region": provider["region"],
            "cross_region": provider["region"] != region,
            "tags": merge_tags(base, {"Name": f"{name}-{provider['host']}", PROVIDER_TAG: provider["host"]}),
        }
        for provider in providers
    ]

    api_name = str(values.get("api_publish_name")).strip()
    api_stage = str(values.get("api_publish_stage")).strip()
    api_tags = merge_tags(options["api_tags"], ownership_tags(api_name))
    policy = plan_governance(
        report,
        host,
        values,
        {"name": api_name, "stage": api_stage},
        services,
        region,
        str(values.get("aws_account_id")).strip(),
        merge_tags(options["api_tags"], ownership_tags(name)),
    )
    for route in routes:
        access = policy["access"].get(route["service"]) or {}
        route.update({key: value for key, value in access.items() if key != "throttle"})
    return {
        "host": host,
        "name": name,
        "account_id": str(values.get("aws_account_id")).strip(),
        "region": region,
        "tags": base,
        "ownership_tags": ownership_tags(name),
        "ownership_filters": _tag_filters(ownership_tags(name)),
        "vpc": {
            "name": resource_name,
            "cidr": vpc_cidr,
            "tags": merge_tags(base, {"Name": resource_name}),
            # The ``vpc`` of vpc_target_subnets: found again by its Name, marks and CIDR, else created.
            "spec": {
                "filters": dict(
                    _tag_filters(merge_tags({}, ownership_tags(name), {"Name": resource_name})),
                    **{"cidr-block": str(values.get("shared_gateway_vpc_cidr")).strip()},
                ),
                "cidr": str(values.get("shared_gateway_vpc_cidr")).strip(),
                "create": True,
                "tags": merge_tags(base, {"Name": resource_name}),
            },
        },
        "subnets": subnets,
        "subnet_cidrs": [subnet["cidr"] for subnet in subnets],
        "route_table": {"name": resource_name, "tags": merge_tags(base, {"Name": resource_name})},
        "strategy": strategy,
        "load_balancers": family["load_balancers"],
        "target_groups": family["target_groups"],
        # The other family's load balancers and target groups: a run neither changes nor deletes them
        # (gateway_load_balancers keep), so that the paths they serve keep working during a move.
        "keep": sorted(
            [balancer["name"] for balancer in other["load_balancers"]]
            + [group["name"] for group in other["target_groups"]]
        ),
        "private_integration": mode,
        # alb-v2 with shared_gateway_certificate_arn: the role reads its host name (ACM) for the
        # integrations.
        "certificate": (
            {"arn": options["certificate_arn"]} if mode == "alb-v2" and options.get("certificate_arn") else None
        ),
        "vpc_links": sorted(vpc_links, key=lambda link: link["name"]),
        "vpc_links_v2": vpc_links_v2,
        # The security groups of the mode, in the order they are made (a group a rule refers to first).
        "security_groups": security_groups,
        # Every group name the collection may make for the gateway in any mode, in the order of deletion:
        # teardown and retire find them by name and the ownership tags.
        "security_group_names": all_groups,
        # After a change of mode, once every path verified on the new one: what goes (our VPC links and
        # security groups of the other modes, and the other family's load balancers and target groups),
        # and the tag the REST API then gets.
        "retire": {
            "vpc_links_v1": mode != "nlb-v1",
            "vpc_links_v2": sorted(link["name"] for key, link in links_v2.items() if key != mode),
            "security_groups": [group for group in all_groups if group not in mode_groups],
            "api_tags": {PRIVATE_INTEGRATION_TAG: mode},
        },
        "peerings": peerings,
        "api": {
            "name": api_name,
            "stage": api_stage,
            "description": options["api_description"],
            "endpoint_type": options["endpoint_type"],
            "timeout_in_millis": options["timeout"],
            "tags": api_tags,
            "routes": sorted(routes, key=lambda route: route["service"]),
            # Who may call (authorizers and each route's authorization), the resource policy (None: left
            # alone), the partners' keys and usage plans, the stage policy with its log group and the
            # account's CloudWatch role, the custom domain, and what the verifier expects of all that.
            "authorizers": policy["authorizers"],
            "policy": policy["policy"],
            "open_services": policy["open_services"],
            "partners": policy["partners"],
            "stage_policy": policy["stage"],
            "log_group": policy["log_group"],
            "cloudwatch_role": policy["cloudwatch_role"],
            "web_acl": policy["web_acl"],
            "usage_plans": policy["usage_plans"],
            "domain": policy["domain"],
            "governance": policy["verify"],
        },
    }


def _family_checks(report, host, mode, subnets, services, nlb, alb, certificate_arn=None, where=None, interval=None):
    """What the load balancers of the mode need from the inventory, as errors and warnings."""
    match = _CERTIFICATE_ARN_RE.match(certificate_arn or "")
    if match and (match.group(1), match.group(2)) != where:
        report["errors"].append(
            {
                "host": host,
                "field": "shared_gateway_certificate_arn",
                "message": (
                    f"names a certificate of account {match.group(2)} in {match.group(1)}; the ALB takes only "
                    f"certificates of its own account and region ({where[1]} in {where[0]}): import or request "
                    "it there"
                ),
            }
        )
    if mode == "alb-v2" and len({subnet["az"] for subnet in subnets}) < 2:
        report["errors"].append(
            {
                "host": host,
                "field": "shared_gateway_subnets",
                "message": (
                    "an Application Load Balancer (shared_gateway_private_integration alb-v2) needs subnets in at "
                    "least two availability zones: add a subnet in another zone"
                ),
            }
        )
    if mode == "alb-v2" and interval is not None and interval <= ALB_HEALTH_CHECK_TIMEOUT:
        report["errors"].append(
            {
                "host": host,
                "field": "shared_gateway_health_check_interval",
                "message": (
                    f"{interval} s is too short for the ALB's HTTP health checks, whose timeout is "
                    f"{ALB_HEALTH_CHECK_TIMEOUT} s and must be shorter than the interval: give at least "
                    f"{ALB_HEALTH_CHECK_TIMEOUT + 1}"
                ),
            }
        )
    if mode != "alb-v2":
        if certificate_arn:
            report["warnings"].append(
                {
                    "host": host,
                    "field": "shared_gateway_certificate_arn",
                    "message": (
                        f"is used only by the ALB of shared_gateway_private_integration alb-v2 (the NLB of {mode} "
                        "passes TCP through): remove it, or move the gateway to alb-v2"
                    ),
                }
            )
        for service in services:
            if service.get("health_check"):
                report["warnings"].append(
                    {
                        "host": service["provider"],
                        "field": f"{service.get('field', 'provider_vpc_services')}.health_check",
                        "message": (
                            f"is used only by the ALB of shared_gateway_private_integration alb-v2; the NLB of {mode} "
                            "checks TCP connections: remove it, or move the gateway to alb-v2"
                        ),
                    }
                )
    # Both families are planned at once (the other one is kept during a move): a generated name must
    # not name a resource of each.
    owners = {}
    for family in (nlb, alb):
        for kind, items in (("load balancer", family["load_balancers"]), ("target group", family["target_groups"])):
            for item in items:
                owners.setdefault((kind, item["name"]), []).append(item)
    for (kind, name), items in sorted(owners.items()):
        if len(items) > 1:
            services_named = sorted({item["tags"].get(SERVICE_TAG) for item in items if item["tags"].get(SERVICE_TAG)})
            report["errors"].append(
                {
                    "host": host,
                    "field": "provider_vpc_services",
                    "message": (
                        f"the {kind} name {name} would serve both the NLB and the ALB private integration "
                        f"(services {', '.join(services_named) or 'of the gateway'}): rename one of those services"
                    ),
                }
            )


def _target_group(name, protocol, service, base, options, http_check=None):
    """An IP target group of the service's targets: TCP health checks for an NLB, HTTP ones on the
    service's path and codes for an ALB."""
    health_check = {"protocol": protocol}
    if http_check:
        health_check.update(path=http_check["path"], matcher=http_check["matcher"])
    health_check.update(
        interval=options["interval"], healthy_threshold=options["healthy"], unhealthy_threshold=options["unhealthy"]
    )
    return {
        "name": name,
        "protocol": protocol,
        "port": service["port"],
        "health_check": health_check,
        "targets": [{"ip": ip, "port": service["port"]} for ip in service["targets"]],
        "tags": merge_tags(base, {"Name": name, SERVICE_TAG: service["name"], PROVIDER_TAG: service["provider"]}),
    }


def _nlb_family(name, base, strategy, services, options):
    """The NLBs (shared, sharded by listener quota, or one per service), their TCP listeners and TCP
    target groups, and where each service sits on them."""
    target_groups = []
    load_balancers = {}
    placed = {}
    shard_of = _shared_shards(name, services) if strategy != "dedicated" else {}
    for service in services:
        group_name = lb_name(f"{name}-{service['name']}")
        balancer = group_name if strategy == "dedicated" else shard_of[service["name"]]
        placed[service["name"]] = {
            "target_group": group_name,
            "load_balancer": balancer,
            "load_balancer_type": "network",
            "listener_port": service["listener_port"],
        }
        target_groups.append(_target_group(group_name, "TCP", service, base, options))
        if balancer not in load_balancers:
            tags = merge_tags(base, {"Name": balancer, STRATEGY_TAG: strategy})
            if strategy == "dedicated":
                tags.update({SERVICE_TAG: service["name"], PROVIDER_TAG: service["provider"]})
            load_balancers[balancer] = {
                "name": balancer,
                "type": "network",
                "scheme": "internal",
                "cross_zone": options["cross_zone"],
                "tags": tags,
                "listeners": [],
            }
        load_balancers[balancer]["listeners"].append(
            {"port": service["listener_port"], "protocol": "TCP", "target_group": group_name}
        )
    for balancer in load_balancers.values():
        balancer["listeners"].sort(key=lambda listener: listener["port"])
    return {
        "load_balancers": sorted(load_balancers.values(), key=lambda balancer: balancer["name"]),
        "target_groups": sorted(target_groups, key=lambda group: group["name"]),
        "services": placed,
    }


def _alb_family(name, base, services, options):
    """alb-v2: internal ALBs (``ALB_RULES_PER_LISTENER`` services each), one HTTP listener each (HTTPS
    on 443 with the gateway's certificate) with a fixed 404 by default and a forward rule per service on its path, HTTP target groups with the
    service's health check, and where each service sits on them."""
    ordered = sorted(services, key=lambda service: service["name"])
    shard_of = {
        service["name"]: lb_name(
            f"{name}-alb" if index < ALB_RULES_PER_LISTENER else f"{name}-alb-{index // ALB_RULES_PER_LISTENER + 1}"
        )
        for index, service in enumerate(ordered)
    }
    # One listener per ALB: HTTP on 80, or HTTPS on 443 with the certificate.
    listener = {"port": ALB_LISTENER_PORT, "protocol": "HTTP"}
    if options.get("certificate_arn"):
        listener = {"port": ALB_HTTPS_PORT, "protocol": "HTTPS", "certificate_arn": options["certificate_arn"]}
    target_groups = []
    load_balancers = {}
    placed = {}
    for service in ordered:
        group_name = lb_name(f"{name}-{service['name']}-http")
        balancer = shard_of[service["name"]]
        check = dict(DEFAULT_HEALTH_CHECK, **(service.get("health_check") or {}))
        placed[service["name"]] = {
            "target_group": group_name,
            "load_balancer": balancer,
            "load_balancer_type": "application",
            "listener_port": listener["port"],
            "health_check": check,
        }
        target_groups.append(_target_group(group_name, "HTTP", service, base, options, check))
        if balancer not in load_balancers:
            load_balancers[balancer] = {
                "name": balancer,
                "type": "application",
                "scheme": "internal",
                "security_groups": [f"{name}-gateway-alb"],
                "tags": merge_tags(base, {"Name": balancer}),
                "listeners": [dict(listener, rules=[])],
            }
        load_balancers[balancer]["listeners"][0]["rules"].append(
            {"path_patterns": [f"/{service['path']}", f"/{service['path']}/*"], "target_group": group_name}
        )
    for balancer in load_balancers.values():
        rules = balancer["listeners"][0]["rules"]
        # Deeper paths first: /cards/* would otherwise take /cards/limits/... away from its own rule.
        rules.sort(key=lambda rule: (-rule["path_patterns"][0].count("/"), rule["path_patterns"][0]))
        for index, rule in enumerate(rules):
            rule["priority"] = index + 1
    return {
        "load_balancers": sorted(load_balancers.values(), key=lambda balancer: balancer["name"]),
        "target_groups": sorted(target_groups, key=lambda group: group["name"]),
        "services": placed,
        "listener_port": listener["port"],
    }


def _shared_shards(name, services):
    """Shared strategy: the NLB of each service, ``LISTENERS_PER_NLB`` services per NLB at most.

    Services are taken in listener-port order: the first NLB (named after the gateway, as with a single
    NLB) gets the lowest ports, the next one (``<gateway>-2``) the next ones, and so on. Up to the quota
    there is one NLB, so an inventory below it never changes; past it, a service with a lower port than
    the existing ones moves its neighbours up by one place.
    """
    ordered = sorted(services, key=lambda service: (service["listener_port"], service["name"]))
    shards = {}
    for index, service in enumerate(ordered):
        shard = index // LISTENERS_PER_NLB
        shards[service["name"]] = lb_name(name if shard == 0 else f"{name}-{shard + 1}")
    return shards


def _quota_warnings(report, gateway):
    """Adjustable AWS quotas the plan needs more of: a warning naming the quota and the figure."""
    host = gateway["host"]
    links = len(gateway["vpc_links"])
    if links > VPC_LINKS_PER_REGION:
        report["warnings"].append(
            {
                "host": host,
                "field": "shared_gateway_nlb_strategy",
                "message": (
                    f"the plan needs {links} VPC links; the default quota is {VPC_LINKS_PER_REGION} per account and "
                    "region: raise 'VPC links per account per Region' (API Gateway) first, or use the shared strategy"
                ),
            }
        )
    resources = sum(len(route["path"].split("/")) + 1 for route in gateway["api"]["routes"])
    if resources > RESOURCES_PER_REST_API:
        report["warnings"].append(
            {
                "host": host,
                "field": "api_publish_name",
                "message": (
                    f"the REST API needs about {resources} resources; the default quota is {RESOURCES_PER_REST_API} "
                    "per API: raise 'Resources per API' (API Gateway) first"
                ),
            }
        )
    # Peerings and routes per route table: module_utils/connectivity.py (they decide between the modes).


def _provider_plan(host, values, options, services, gateway):
    name = gateway["name"]
    region = _region(values)
    base = merge_tags(options["tags"], ownership_tags(name), {PROVIDER_TAG: host})
    vpc_name = options["vpc_name"] or f"{name}-{host}"
    vpc_id = values.get("provider_vpc_id") or None
    vpc_tags = values.get("provider_vpc_tags") or None
    cidr = values.get("provider_vpc_cidr") or None
    targets = sorted({ip for service in services for ip in service["targets"]}, key=_ip_sort_key)

    groups = []
    for service in services:
        group_name = f"{name}-{service['name']}"
        groups.append(
            {
                "service": service["name"],
                "name": group_name,
                "description": (
                    f"multiaccount.apigateway: NLB subnets of {name} to {service['name']} on tcp/{service['port']}"
                ),
                "rules": [
                    {
                        "protocol": "tcp",
                        "port": service["port"],
                        "cidrs": list(gateway["subnet_cidrs"]),
                        "description": f"{name} NLB subnets",
                    }
                ],
                "targets": list(service["targets"]),
                "tags": merge_tags(base, {"Name": group_name, SERVICE_TAG: service["name"]}),
            }
        )

    demo_instances = []
    if options["demo"]:
        for ip in targets:
            served = [service["name"] for service in services if ip in service["targets"]]
            demo_instances.append(
                {
                    "ip": ip,
                    "name": f"{vpc_name}-demo-{ip.replace('.', '-')}",
                    "services": served,
                    "tags": merge_tags(base, {DEMO_TAG: "true", SERVICE_TAG: " ".join(served)}),
                }
            )

    peering_tags = merge_tags(base, {"Name": f"{name}-{host}"})
    adopt = bool(vpc_id or vpc_tags)
    if vpc_id:
        vpc_filters = {"vpc-id": vpc_id}
    elif vpc_tags:
        vpc_filters = _tag_filters(vpc_tags)
    else:
        vpc_filters = {"tag:Name": vpc_name, f"tag:{MANAGED_TAG_KEY}": MANAGED_TAG_VALUE, "cidr-block": cidr}
    return {
        "host": host,
        "account_id": str(values.get("aws_account_id")).strip(),
        "region": region,
        "cross_region": region != gateway["region"],
        "tags": base,
        "gateway": {
            "name": name,
            "host": gateway["host"],
            "account_id": gateway["account_id"],
            "region": gateway["region"],
            "vpc_cidr": gateway["vpc"]["cidr"],
            "subnet_cidrs": list(gateway["subnet_cidrs"]),
        },
        "vpc": {
            "mode": "adopt" if adopt else "create",
            "id": vpc_id,
            # How to find it: the adopted VPC by id or tags, a created one by its Name, mark and CIDR.
            "filters": vpc_filters,
            "cidr": cidr,
            "name": vpc_name,
            "tags": merge_tags(base, {"Name": vpc_name}),
            # The ``vpc`` of vpc_target_subnets: adopted as it is, or created when missing.
            "spec": {
                "filters": vpc_filters,
                "cidr": cidr,
                "create": not adopt,
                "tags": {} if adopt else merge_tags(base, {"Name": vpc_name}),
            },
        },
        "subnets": [
            {"cidr": str(subnet["cidr"]).strip(), "az": str(subnet["az"]).strip()}
            for subnet in values.get("provider_vpc_subnets") or []
        ],
        "subnet_name": vpc_name,
        "targets": targets,
        "security_groups": groups,
        "attach_security_groups": options["attach"],
        "demo": {
            "enabled": options["demo"],
            "instance_type": options["instance_type"],
            "image_id": options["image_id"],
            "image_name": options["image_name"],
            "image_owner": options["image_owner"],
            "instances": demo_instances,
        },
        "peering": {
            "requester_account_id": gateway["account_id"],
            "requester_region": gateway["region"],
            "requester_vpc_cidr": gateway["vpc"]["cidr"],
            "tag": options["tag_peering"],
            "tags": peering_tags,
        },
        "return_routes": {
            "enabled": options["return_routes"],
            "cidrs": list(gateway["subnet_cidrs"]),
            # For vpc_routes state=absent (teardown): the destinations only.
            "dests": [{"dest": cidr} for cidr in gateway["subnet_cidrs"]],
        },
        "services": [
            dict(
                {
                    "name": service["name"],
                    "port": service["port"],
                    "listener_port": service["lb_listener_port"],
                    "path": service["path"],
                    "targets": list(service["targets"]),
                    "target_group": service["target_group"],
                    "load_balancer": service["load_balancer"],
                    "load_balancer_type": service["load_balancer_type"],
                    "vpc_link": service["vpc_link"],
                    "vpc_link_version": service["vpc_link_version"],
                },
                **({"health_check": service["health_check"]} if service["load_balancer_type"] == "application" else {}),
            )
            for service in services
        ],
        "verify_targets": [
            {"ip": ip, "port": service["port"], "service": service["name"]}
            for service in services
            for ip in service["targets"]
        ],
    }


def _tag_filters(tags):
    return {f"tag:{key}": str(value) for key, value in sorted(tags.items())}


def _ip_sort_key(ip):
    return tuple(int(part) for part in ip.split("."))


def build_plan(accounts, known_regions=None):
    """Check the inventory and plan every account.

    ``accounts``: ``[{host, kind: shared|provider, vars}]`` as for ``check_inventory``, where
    ``vars`` may hold any key of ``KNOWN_KEYS`` (keys with one of ``PREFIXES`` that are not known are
    errors, with a did-you-mean); ``known_regions`` as for ``check_inventory``. Returns ``{errors, warnings, checked, services, plan}``; ``plan`` is
    None when there are errors.
    """
    report = check_inventory(accounts, known_regions)
    by_host = _values_by_host(accounts)
    for host, (_kind, values) in sorted(by_host.items()):
        _unknown_keys(report, host, values)

    shared = [(host, values) for host, (kind, values) in by_host.items() if kind == SHARED]
    providers = [(host, values) for host, (kind, values) in by_host.items() if kind == PROVIDER]
    gateway_options = _gateway_options(report, shared[0][0], shared[0][1]) if len(shared) == 1 else None
    provider_options = {host: _provider_options(report, host, values) for host, values in providers}
    if gateway_options is not None and not gateway_options["name"]:
        report["errors"].append(
            {"host": shared[0][0], "field": "shared_gateway_name", "message": "is empty; set api_publish_name"}
        )

    if report["errors"] or gateway_options is None:
        report["plan"] = None
        return report

    gateway_host, gateway_values = shared[0]
    # Providers with provider_state: absent leave: nothing is published for them any more, the gateway
    # drops their peering, routes and load balancer parts, and their own account removes its side.
    leaving = sorted(host for host, _values in providers if provider_options[host]["state"] == "absent")
    if len(leaving) == len(providers):
        report["errors"].append(
            {
                "host": INVENTORY,
                "field": "provider_state",
                "message": (
                    "every provider is absent; keep at least one present, or remove the whole installation "
                    "with playbooks/teardown.yml (multiaccount.apigateway.teardown)"
                ),
            }
        )
        report["plan"] = None
        return report
    services = [dict(service) for service in report["services"] if service["provider"] not in leaving]
    provider_hosts = [host for host, _values in providers]
    provider_summaries = [
        {"host": host, "account_id": str(values.get("aws_account_id")).strip(), "region": _region(values)}
        for host, values in providers
        if host not in leaving
    ]
    gateway = _gateway_plan(report, gateway_host, gateway_values, gateway_options, services, provider_summaries)
    gateway["leaving"] = leaving
    _quota_warnings(report, gateway)
    present = [(host, values) for host, values in providers if host not in leaving]
    for host, values in providers:
        conn.check_provider_options(report, host, values)
    gateway["connectivity"] = conn.plan_connectivity(
        report,
        {
            "host": gateway_host,
            "name": gateway["name"],
            "account_id": gateway["account_id"],
            "region": gateway["region"],
            "vpc_cidr": gateway["vpc"]["cidr"],
            "subnet_cidrs": gateway["subnet_cidrs"],
            "tags": gateway["tags"],
            "values": gateway_values,
        },
        [
            {
                "host": host,
                "account_id": str(values.get("aws_account_id")).strip(),
                "region": _region(values),
                "cidr": values.get("provider_vpc_cidr") or None,
                "values": values,
            }
            for host, values in present
        ],
    )
    # A provider on transit_gateway gets no new peering and no route through one; a peering it still
    # has (a switch in progress) is kept until the retire play.
    for peering in gateway["peerings"]:
        on_peering = gateway["connectivity"]["providers"].get(peering["provider"]) == conn.PEERING
        peering["create"] = on_peering
        peering["route"] = on_peering
    if report["errors"]:
        report["plan"] = None
        return report
    all_plans = {}
    for host, values in providers:
        mine = [service for service in services if service["provider"] == host]
        all_plans[host] = _provider_plan(host, values, provider_options[host], mine, gateway)
        all_plans[host].update(
            conn.provider_connectivity(gateway, gateway["connectivity"], host, values, all_plans[host]["tags"])
        )
        all_plans[host]["state"] = provider_options[host]["state"]
    provider_plans = {host: plan for host, plan in all_plans.items() if host not in leaving}
    leaving_plans = {host: plan for host, plan in all_plans.items() if host in leaving}

    accounts_view = {
        gateway_host: {
            "kind": SHARED,
            "account_id": gateway["account_id"],
            "region": gateway["region"],
            "aws_checks": _aws_checks("shared_gateway_subnets", gateway["subnets"], certificate=gateway["certificate"]),
        }
    }
    for host in provider_hosts:
        provider = all_plans[host]
        accounts_view[host] = {
            "kind": PROVIDER,
            "account_id": provider["account_id"],
            "region": provider["region"],
            # A leaving provider is only removed: nothing of its inventory needs to hold any more.
            "aws_checks": (
                _aws_checks("provider_vpc_subnets", provider["subnets"], provider)
                if provider["state"] == "present"
                else _aws_checks("provider_vpc_subnets", [])
            ),
        }

    # Internal keys (the inventory field, the port of the load balancer's listener) stay in the plan.
    services = [
        {key: value for key, value in service.items() if key not in ("field", "lb_listener_port")}
        for service in services
    ]
    report["services"] = services
    report["plan"] = {
        "version": PLAN_VERSION,
        "gateway": gateway,
        "providers": provider_plans,
        # Providers with provider_state: absent, each with its plan (no services): what to remove.
        "leaving": leaving_plans,
        "accounts": accounts_view,
        "services": sorted(services, key=lambda service: service["name"]),
        "host_groups": host_groups(gateway_host, gateway["connectivity"]["providers"], leaving),
    }
    return report


def host_groups(gateway_host, providers, leaving):
    """The members of each of :data:`PLAY_GROUPS`, as ``[{"host", "groups"}]`` for ``add_host``.

    ``providers`` maps each present provider to its connectivity, ``leaving`` lists the leaving ones.
    The gateway host is in every group: Ansible warns about a play whose host pattern names a group
    that does not exist, and a group exists only with a member. The plays take a group with
    ``:&providers`` (the gateway is never a provider), so a group of the gateway alone matches no host
    and its play is skipped as a whole, without a task run per provider."""
    members = {gateway_host: list(PLAY_GROUPS.values())}
    for host, connectivity in sorted(providers.items()):
        if connectivity == conn.TRANSIT_GATEWAY:
            members.setdefault(host, []).append(PLAY_GROUPS["transit_gateway"])
    for host in sorted(leaving):
        members.setdefault(host, []).append(PLAY_GROUPS["leaving"])
    return [{"host": host, "groups": groups} for host, groups in members.items()]


def _aws_checks(subnets_key, subnets, provider=None, certificate=None):
    """What only the account's AWS can tell, checked read-only before the first write of the run.

    The Availability Zones that the host's subnets name (each with the field that names it), and for a
    provider that adopts a VPC, how to find it, the CIDR expected (or None), the target IPs that must
    sit in it and the gateway VPC CIDR it must not overlap. ``needed`` is False when there is nothing
    to ask (then no module runs).
    """
    zones = [
        {"az": subnet["az"], "field": f"{subnets_key}[{index}].az"}
        for index, subnet in enumerate(subnets)
        if subnet["az"]
    ]
    vpc = None
    if provider is not None and provider["vpc"]["mode"] == "adopt":
        vpc = {
            "filters": dict(provider["vpc"]["filters"]),
            "field": "provider_vpc_id" if provider["vpc"]["id"] else "provider_vpc_tags",
            "cidr": provider["vpc"]["cidr"],
            "targets": list(provider["targets"]),
            "gateway_vpc_cidr": provider["gateway"]["vpc_cidr"],
        }
    # alb-v2 over HTTPS: the ALB's certificate must exist in the gateway account and be ISSUED.
    cert = {"arn": certificate["arn"], "field": "shared_gateway_certificate_arn"} if certificate else None
    return {"needed": bool(zones or vpc or cert), "availability_zones": zones, "vpc": vpc, "certificate": cert}


def inventory_level(finding):
    """True for findings about the inventory as a whole (not one host's variables)."""
    return finding.get("host") == INVENTORY
