# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the gateway VPC reaches each provider VPC, planned from the inventory (pure, no boto3).

Two modes: ``peering`` (one VPC peering per provider, the seed's path) and ``transit_gateway`` (hub
and spoke: a Transit Gateway in the gateway account, shared through AWS RAM, one VPC attachment per
provider). :func:`plan_connectivity` resolves each provider's mode, checks the keys and the quotas
that decide between the two, and returns what the roles apply; :func:`gateway_route_targets` decides,
at run time, which path each provider CIDR takes from the gateway VPC so that a switch between the
modes never routes traffic to a path that is not ready.

A Transit Gateway is regional. Providers in another region than the gateway stay on VPC peering
(a cross-region peering works today; a TGW per region joined by TGW peering would be a second hub to
run for little gain): the plan says so with a warning, and ``provider_connectivity: transit_gateway``
on such a provider is an error.

Isolation: the TGW has two route tables. The gateway's attachment is associated with the ``hub``
table, into which every provider attachment propagates; every provider attachment is associated
with the ``spokes`` table, into which only the gateway's attachment propagates. Providers reach the
gateway VPC and never each other, as with peering (which is not transitive).
"""

import ipaddress
import re

PEERING = "peering"
TRANSIT_GATEWAY = "transit_gateway"
MODES = (PEERING, TRANSIT_GATEWAY)

# AWS quotas (defaults; Service Quotas can raise them): the inventory says when it has more.
ACTIVE_PEERINGS_PER_VPC = 50
MAX_ACTIVE_PEERINGS_PER_VPC = 125
ROUTES_PER_ROUTE_TABLE = 50
MAX_ROUTES_PER_ROUTE_TABLE = 1000

GATEWAY_OPTIONS = {
    "shared_gateway_connectivity": PEERING,
    "shared_gateway_transit_gateway_asn": 64512,
    # false, or the organization's ARN: share the TGW with the whole organization (no invitations).
    "shared_gateway_ram_share_with_organization": False,
    # Aggregate destinations routed to the TGW in the gateway VPC instead of one route per provider CIDR.
    "shared_gateway_transit_gateway_destinations": [],
    # The account's actual quotas, when raised through Service Quotas.
    "shared_gateway_peerings_quota": ACTIVE_PEERINGS_PER_VPC,
    "shared_gateway_routes_quota": ROUTES_PER_ROUTE_TABLE,
}
PROVIDER_OPTIONS = {
    "provider_connectivity": None,  # default: the gateway's shared_gateway_connectivity
    # Dedicated subnets for the TGW attachment (one per Availability Zone); default: the target subnets.
    "provider_transit_gateway_subnet_ids": [],
}

_ORG_ARN_RE = re.compile(r"^arn:aws[a-z-]*:organizations::\d{12}:organization/o-[a-z0-9]{10,32}$")
_SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")


def _value(values, options, key):
    value = values.get(key)
    return options[key] if value is None else value


def _error(report, host, field, message):
    report["errors"].append({"host": host, "field": field, "message": message})


def _warn(report, host, field, message):
    report["warnings"].append({"host": host, "field": field, "message": message})


def _integer(report, host, values, key, low, high):
    value = _value(values, GATEWAY_OPTIONS, key)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        _error(report, host, key, f"{value!r} is not a whole number from {low} to {high}")
        return GATEWAY_OPTIONS[key]
    number = int(str(value).strip())
    if not low <= number <= high:
        _error(report, host, key, f"{number} is not a whole number from {low} to {high}")
        return GATEWAY_OPTIONS[key]
    return number


def private_asn(number):
    """True for the private ASNs a Transit Gateway takes (16-bit and 32-bit ranges)."""
    return 64512 <= number <= 65534 or 4200000000 <= number <= 4294967294


def _networks(report, host, field, value):
    """A list of IPv4 CIDRs (host bits zero) as ip_network objects; errors name ``field[i]``."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        _error(report, host, field, f"{value!r} is not a list of IPv4 CIDR blocks; e.g. [10.0.0.0/8]")
        return []
    networks = []
    for index, item in enumerate(value):
        try:
            networks.append(ipaddress.IPv4Network(str(item).strip()))
        except ValueError:
            _error(report, host, f"{field}[{index}]", f"{item!r} is not an IPv4 CIDR block with its host bits zero")
    return networks


def _mode(report, host, field, value, default=None):
    if value is None:
        return default
    if value not in MODES:
        _error(report, host, field, f"{value!r} is not one of {', '.join(MODES)}")
        return default or PEERING
    return value


def _organization(report, host, values):
    value = _value(values, GATEWAY_OPTIONS, "shared_gateway_ram_share_with_organization")
    if value is False or value in ("", "false", "no"):
        return None
    if isinstance(value, str) and _ORG_ARN_RE.match(value.strip()):
        return value.strip()
    _error(
        report,
        host,
        "shared_gateway_ram_share_with_organization",
        f"{value!r} is neither false nor an organization ARN: give your organization's ARN "
        "(arn:aws:organizations::<management account>:organization/o-...; aws organizations describe-organization "
        "prints it), which needs RAM sharing with AWS Organizations enabled; or false to share with each provider account",
    )
    return None


def _subnet_ids(report, host, values):
    key = "provider_transit_gateway_subnet_ids"
    value = values.get(key) or []
    if not isinstance(value, list):
        _error(report, host, key, f"{value!r} is not a list of subnet ids (subnet-...), one per Availability Zone")
        return []
    ids = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _SUBNET_ID_RE.match(item.strip()):
            _error(report, host, f"{key}[{index}]", f"{item!r} is not a subnet id (subnet-...)")
        elif item.strip() in ids:
            _error(report, host, f"{key}[{index}]", f"{item} is listed twice")
        else:
            ids.append(item.strip())
    return ids


def collapse(cidrs):
    """The fewest CIDRs that cover exactly ``cidrs`` (adjacent blocks merge; nothing more is covered)."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.IPv4Network(str(cidr).strip()))
        except ValueError:
            continue
    return [str(network) for network in ipaddress.collapse_addresses(networks)]


def plan_connectivity(report, gateway, providers):
    """Check the connectivity keys and plan each provider's path to the gateway VPC.

    ``gateway``: ``{host, name, account_id, region, vpc_cidr, subnet_cidrs, tags, values}``;
    ``providers``: ``[{host, account_id, region, cidr (None when adopted), values}]`` of the present
    providers. Records errors and warnings in ``report``; returns ``{default, providers: {host:
    mode}, transit_gateway: {...}, peering_count, route_count}``.
    """
    host = gateway["host"]
    values = gateway["values"]
    name = gateway["name"]
    default = _mode(
        report, host, "shared_gateway_connectivity", _value(values, GATEWAY_OPTIONS, "shared_gateway_connectivity")
    )
    asn = _integer(report, host, values, "shared_gateway_transit_gateway_asn", 1, 4294967294)
    if not private_asn(asn):
        _error(
            report,
            host,
            "shared_gateway_transit_gateway_asn",
            f"{asn} is not a private ASN; use one from 64512 to 65534 or from 4200000000 to 4294967294",
        )
    organization = _organization(report, host, values)
    destinations = _networks(
        report,
        host,
        "shared_gateway_transit_gateway_destinations",
        _value(values, GATEWAY_OPTIONS, "shared_gateway_transit_gateway_destinations"),
    )
    gateway_vpc = ipaddress.IPv4Network(gateway["vpc_cidr"], strict=False)
    for index, network in enumerate(destinations):
        if network.overlaps(gateway_vpc):
            _error(
                report,
                host,
                f"shared_gateway_transit_gateway_destinations[{index}]",
                f"{network} overlaps the gateway VPC {gateway_vpc}: a destination must cover provider VPCs only",
            )
    peerings_quota = _integer(report, host, values, "shared_gateway_peerings_quota", 1, MAX_ACTIVE_PEERINGS_PER_VPC)
    routes_quota = _integer(report, host, values, "shared_gateway_routes_quota", 1, MAX_ROUTES_PER_ROUTE_TABLE)

    modes = {}
    stay = []
    for provider in providers:
        field = "provider_connectivity"
        own = _mode(report, provider["host"], field, provider["values"].get(field))
        cross_region = provider["region"] != gateway["region"]
        if own == TRANSIT_GATEWAY and cross_region:
            _error(
                report,
                provider["host"],
                field,
                f"is transit_gateway, but the provider is in {provider['region']} and the gateway's Transit Gateway in "
                f"{gateway['region']}: a Transit Gateway is regional; keep this provider on peering (a cross-region "
                "peering), or move it to the gateway's region",
            )
            own = PEERING
        mode = own or default
        if mode == TRANSIT_GATEWAY and cross_region:
            stay.append(provider["host"])
            mode = PEERING
        modes[provider["host"]] = mode
        if provider["values"].get("provider_transit_gateway_subnet_ids") and mode != TRANSIT_GATEWAY:
            _warn(
                report,
                provider["host"],
                "provider_transit_gateway_subnet_ids",
                "is set, but this provider is on peering: the subnets are not used",
            )
    if stay:
        _warn(
            report,
            host,
            "shared_gateway_connectivity",
            f"is transit_gateway, but {', '.join(stay)} {'is' if len(stay) == 1 else 'are'} in another region than "
            f"the gateway ({gateway['region']}): a Transit Gateway is regional, so cross-region providers stay on VPC "
            "peering",
        )

    on_tgw = [provider for provider in providers if modes[provider["host"]] == TRANSIT_GATEWAY]
    for provider in on_tgw:
        if destinations and provider["cidr"]:
            cidr = ipaddress.IPv4Network(provider["cidr"], strict=False)
            if not any(cidr.subnet_of(network) for network in destinations):
                _error(
                    report,
                    provider["host"],
                    "provider_vpc_cidr",
                    f"{cidr} is in none of shared_gateway_transit_gateway_destinations "
                    f"({', '.join(str(n) for n in destinations)}): the gateway VPC would have no route to it; "
                    "add a destination that covers it",
                )

    # The quotas that decide between the two modes, counted on the gateway VPC and its route table.
    peering_count = sum(1 for mode in modes.values() if mode == PEERING)
    if destinations:
        tgw_routes = len(destinations)
    else:
        known = collapse(provider["cidr"] for provider in on_tgw if provider["cidr"])
        tgw_routes = len(known) + sum(1 for provider in on_tgw if not provider["cidr"])
    route_count = peering_count + tgw_routes
    if peering_count > peerings_quota:
        _error(
            report,
            host,
            "shared_gateway_connectivity",
            f"{peering_count} providers on peering need {peering_count} peerings of the gateway VPC; the quota "
            f"'Active VPC peering connections per VPC' is {peerings_quota} (default {ACTIVE_PEERINGS_PER_VPC}, at most "
            f"{MAX_ACTIVE_PEERINGS_PER_VPC}): set shared_gateway_connectivity: transit_gateway (one attachment per "
            "provider, thousands per Transit Gateway), or raise the quota and set shared_gateway_peerings_quota",
        )
    if route_count > routes_quota:
        _error(
            report,
            host,
            "shared_gateway_connectivity",
            f"the gateway route table needs {route_count} routes to the provider VPCs; the quota 'Routes per route "
            f"table' is {routes_quota} (default {ROUTES_PER_ROUTE_TABLE}, at most {MAX_ROUTES_PER_ROUTE_TABLE}): set "
            "shared_gateway_connectivity: transit_gateway (adjacent provider CIDRs share a route to it; "
            "shared_gateway_transit_gateway_destinations aggregates them further), or raise the quota and set "
            "shared_gateway_routes_quota",
        )

    tgw_name = f"{name}-tgw"
    tags = dict(gateway["tags"])
    transit_gateway = {
        "enabled": bool(on_tgw),
        "name": tgw_name,
        "description": f"multiaccount.apigateway: {name} to its provider VPCs",
        "asn": asn,
        "route_tables": {"hub": f"{tgw_name}-gateway", "spokes": f"{tgw_name}-providers"},
        "hub": {"name": f"{name}-gateway"},
        "share": {
            "name": tgw_name,
            "principals": sorted({provider["account_id"] for provider in on_tgw}) if not organization else [],
            "organization_arn": organization,
        },
        # Every present provider of the gateway's region: an attachment of one that is on peering is
        # kept working until the retire play (after the path verified on its peering) removes it.
        "spokes": [
            {"name": provider["host"], "account_id": provider["account_id"]}
            for provider in providers
            if provider["region"] == gateway["region"]
        ],
        "destinations": [str(network) for network in destinations],
        "tags": tags,
    }
    return {
        "default": default,
        "providers": modes,
        "transit_gateway": transit_gateway,
        "peering_count": peering_count,
        "route_count": route_count,
    }


def provider_connectivity(gateway, connectivity, host, values, tags):
    """The provider's half: its mode and, on transit_gateway, what its attachment looks like."""
    mode = connectivity["providers"].get(host, PEERING)
    transit_gateway = connectivity["transit_gateway"]
    attachment_name = f"{gateway['name']}-{host}"
    return {
        "connectivity": mode,
        "transit_gateway": {
            "share": {"name": transit_gateway["share"]["name"], "owner_account_id": gateway["account_id"]},
            "name": attachment_name,
            "subnet_ids": list(values.get("provider_transit_gateway_subnet_ids") or []),
            "tags": dict(tags, Name=attachment_name),
            "destinations": list(gateway["subnet_cidrs"]),
        },
    }


def check_provider_options(report, host, values):
    """Provider keys that need a look of their own (the mode is checked with the gateway's)."""
    _subnet_ids(report, host, values)


def gateway_route_targets(providers, peerings, spokes, transit_gateway_id):
    """Which path each provider CIDR takes from the gateway VPC, decided at run time.

    ``providers``: ``[{name, mode, cidrs}]``; ``peerings``: ``{name: {id, status}}`` (the live peering of
    each provider, the accepter's view of its status); ``spokes``: ``{name: ready}`` (the TGW
    attachment is available, associated and propagating); ``transit_gateway_id``: '' when there is
    none. A route moves to the new path only once that path is ready, so a switch between the modes
    never sends traffic to a path that does not work yet:

    - transit_gateway: the TGW when the provider's attachment is ready, else its peering while one is
      live, else the TGW (a new provider: no traffic yet);
    - peering: the peering when it is active, else the TGW while the provider's attachment is ready
      (the move back waits for the accept), else the peering (a new provider: AWS takes a route to a
      peering that waits for acceptance).

    Returns ``{routes: [{dest, vpc_peering_connection_id | transit_gateway_id}], waiting: [names]}``;
    the TGW's destinations of providers that are adjacent collapse into fewer routes.
    """
    by_peering = []
    by_tgw = []
    waiting = []
    for provider in providers:
        name = provider["name"]
        peering = peerings.get(name) or {}
        ready = bool(spokes.get(name)) and bool(transit_gateway_id)
        active = peering.get("status") == "active"
        live = bool(peering.get("id"))
        if provider["mode"] == TRANSIT_GATEWAY:
            use_tgw = ready or not live
            if not ready:
                waiting.append(name)
        else:
            use_tgw = ready and not active
            if use_tgw:
                waiting.append(name)
        if use_tgw and transit_gateway_id:
            by_tgw.extend(provider["cidrs"])
        elif live:
            by_peering.extend({"dest": cidr, "vpc_peering_connection_id": peering["id"]} for cidr in provider["cidrs"])
    routes = sorted(by_peering, key=lambda route: route["dest"]) + [
        {"dest": dest, "transit_gateway_id": transit_gateway_id} for dest in collapse(by_tgw)
    ]
    return {"routes": routes, "waiting": sorted(waiting)}
