# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Joins of the plan with what AWS assigned at run time (pure, no boto3).

The planner (``plan.py``) knows every name before any AWS call; some module arguments also need
ids that exist only once an earlier play created them (the provider VPC id a peering request
names, the peering a route goes through, the DNS name of the load balancer an integration calls).
These functions make those joins, so that the roles stay free of Jinja programs; the filter
plugins of ``plugins/filter/apply.py`` expose them to the roles. Every function is unit-tested.
"""

from ansible_collections.multiaccount.apigateway.plugins.module_utils import connectivity as conn
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import MANAGED_TAG_KEY, MANAGED_TAG_VALUE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import (
    CONTRACT_KEYS,
    DEFAULT_PRIVATE_INTEGRATION,
    GATEWAY_TAG,
    KNOWN_KEYS,
    PREFIXES,
    PRIVATE_INTEGRATION_TAG,
    PROVIDER_TAG,
    RUNTIME_FACTS,
)

# Peering states in which a request is still usable (anything else is dead or going away).
LIVE_PEERING_STATES = ("initiating-request", "pending-acceptance", "provisioning", "active")
ACTIVE_PEERING_STATES = ("active", "provisioning")
PENDING = "pending-acceptance"
# A route to a peering in these states is taken by AWS (while pending acceptance it is a blackhole).
ROUTABLE_PEERING_STATES = ACTIVE_PEERING_STATES + (PENDING,)


# ---------------------------------------------------------------------------------------------
# Inventory
# ---------------------------------------------------------------------------------------------


def inventory_accounts(hostvars, shared_hosts, provider_hosts):
    """``[{host, kind, vars}]`` for the planner: each host's contract keys, the other keys the roles know
    (``provider_connectivity``...) and keys with our prefixes.

    ``hostvars`` is Ansible's ``hostvars`` (any mapping of host -> mapping works). Facts the roles
    publish at run time and Ansible's own variables are left out.
    """
    accounts = []
    for kind, hosts in (("shared", shared_hosts), ("provider", provider_hosts)):
        for host in hosts or []:
            values = hostvars[host]
            picked = {}
            for key in list(values.keys()):
                if key in RUNTIME_FACTS:
                    continue
                if key in CONTRACT_KEYS or key in KNOWN_KEYS or key.startswith(PREFIXES):
                    picked[key] = values[key]
            accounts.append({"host": host, "kind": kind, "vars": picked})
    return accounts


def hostvar_map(hosts, hostvars, name):
    """``{host: hostvars[host][name]}`` for the hosts that have that variable (others are left out)."""
    result = {}
    for host in hosts or []:
        values = hostvars[host] if host in hostvars else {}
        if name in values:
            result[host] = values[name]
    return result


# ---------------------------------------------------------------------------------------------
# Peering
# ---------------------------------------------------------------------------------------------


def _code(peering):
    return ((peering or {}).get("status") or {}).get("code")


def _side(peering, side):
    return (peering or {}).get(f"{side}_vpc_info") or {}


def _is_ours(tags, gateway_name):
    tags = tags or {}
    return tags.get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE and tags.get(GATEWAY_TAG) == gateway_name


def _missing_tags(current, desired):
    current = current or {}
    return any(current.get(key) != value for key, value in (desired or {}).items())


def peering_requests(gateway_plan, provider_states, existing, vpc_id):
    """What the gateway must do about its peering requests.

    ``gateway_plan``: the plan's ``gateway``; ``provider_states``: ``{host: provider_vpc_state}``;
    ``existing``: ``vpc_peering_connections`` of amazon.aws.ec2_vpc_peering_info for the gateway VPC
    (filters are checked again here: an emulator may ignore them); ``vpc_id``: the gateway VPC.

    Returns ``live`` ({provider: {id, status, vpc_id}}: the usable request of each provider, active
    ones first), ``create`` (requests to make: provider, peer_vpc_id, peer_owner_id, peer_region
    (null in the same region), tags), ``retag`` ([{provider, id, tags}]), ``stale`` (our live requests
    to providers that left the inventory or changed VPC: [{provider, id, status, and the accepter's
    account_id, vpc_id, region}]) and ``unknown``
    (providers of the plan whose VPC id is not known in this run: nothing is created or removed for them).
    """
    name = gateway_plan["name"]
    found = [peering for peering in existing or [] if _side(peering, "requester").get("vpc_id") == vpc_id]
    live, create, retag, unknown = {}, [], [], []
    for planned in gateway_plan.get("peerings") or []:
        provider = planned["provider"]
        state = (provider_states or {}).get(provider) or {}
        peer_vpc = state.get("vpc_id")
        if not peer_vpc:
            unknown.append(provider)
            continue
        candidates = [
            peering
            for peering in found
            if _side(peering, "accepter").get("vpc_id") == peer_vpc
            and str(_side(peering, "accepter").get("owner_id")) == planned["account_id"]
            and _code(peering) in LIVE_PEERING_STATES
        ]
        candidates.sort(key=lambda peering: (0 if _code(peering) in ACTIVE_PEERING_STATES else 1))
        if candidates:
            chosen = candidates[0]
            live[provider] = {"id": chosen["vpc_peering_connection_id"], "status": _code(chosen), "vpc_id": peer_vpc}
            if _missing_tags(chosen.get("tags"), planned["tags"]):
                retag.append({"provider": provider, "id": chosen["vpc_peering_connection_id"], "tags": planned["tags"]})
        elif planned.get("create") is False:
            # On transit_gateway: a peering it still has is kept (above), none is requested.
            continue
        else:
            create.append(
                {
                    "provider": provider,
                    "peer_vpc_id": peer_vpc,
                    "peer_owner_id": planned["account_id"],
                    "peer_region": planned["region"] if planned.get("cross_region") else None,
                    "tags": planned["tags"],
                }
            )
    kept = {peering["id"] for peering in live.values()}
    stale = [
        {
            "provider": (peering.get("tags") or {}).get(PROVIDER_TAG, "?"),
            "id": peering["vpc_peering_connection_id"],
            "status": _code(peering),
            "account_id": str(_side(peering, "accepter").get("owner_id") or "?"),
            "vpc_id": _side(peering, "accepter").get("vpc_id") or "?",
            "region": _side(peering, "accepter").get("region") or "",
        }
        for peering in found
        if _is_ours(peering.get("tags"), name)
        and _code(peering) in LIVE_PEERING_STATES
        and peering["vpc_peering_connection_id"] not in kept
        and (peering.get("tags") or {}).get(PROVIDER_TAG) not in unknown
    ]
    return {"live": live, "create": create, "retag": retag, "stale": stale, "unknown": unknown}


def peering_specs(peerings, provider_states):
    """The ``peerings`` option of vpc_peering_requests: the plan's ``gateway.peerings`` with the
    VPC id each provider published in this run (empty when unknown: nothing is requested for it)
    and its VPC's CIDR blocks (``cidrs``, routed through the request with the option ``routes``)."""
    specs = []
    for planned in peerings or []:
        state = (provider_states or {}).get(planned["provider"]) or {}
        specs.append(
            {
                "provider": planned["provider"],
                "account_id": planned["account_id"],
                "vpc_id": state.get("vpc_id") or "",
                "region": planned["region"],
                "tags": planned["tags"],
                # A provider on transit_gateway: no request, no route through its peering (the
                # connectivity step routes it once its attachment is ready).
                "create": planned.get("create", True),
                "cidrs": list(state.get("vpc_cidrs") or []) if planned.get("route", True) else [],
            }
        )
    return specs


def gateway_routes(requests, provider_states, accept_states=None):
    """Routes of the gateway route table: every CIDR of each provider VPC through its peering.

    A peering that is active, provisioning or still pending acceptance is routed: AWS takes a route
    to a peering that waits for acceptance (the route is a blackhole until the peering is active),
    so the gateway routes right after its requests, while the providers accept. A peering in any
    other status (failed, rejected, expired, deleted...) gets no route.

    ``requests``: the result of ``peering_requests``; ``accept_states``: ``{host: peering_accept_state}``
    of the providers that accepted earlier in this run (the accepter's view of the status wins).
    Returns ``routes`` ([{dest, vpc_peering_connection_id}]), ``owned_targets`` (every peering of ours,
    live or stale: routes through them may be replaced or removed) and ``inactive``
    ([{provider, id, status}]: no route for them in this run).
    """
    routes, inactive = [], []
    for provider in sorted(requests.get("live") or {}):
        peering = requests["live"][provider]
        status = peering["status"]
        accepted = (accept_states or {}).get(provider) or {}
        if accepted.get("peering_id") == peering["id"] and accepted.get("status"):
            status = accepted["status"]
        if status not in ROUTABLE_PEERING_STATES:
            inactive.append({"provider": provider, "id": peering["id"], "status": status})
            continue
        for cidr in ((provider_states or {}).get(provider) or {}).get("vpc_cidrs") or []:
            routes.append({"dest": cidr, "vpc_peering_connection_id": peering["id"]})
    owned = sorted({peering["id"] for peering in (requests.get("live") or {}).values()})
    owned += sorted({peering["id"] for peering in requests.get("stale") or []} - set(owned))
    return {"routes": routes, "owned_targets": owned, "inactive": inactive}


def peering_choice(existing, provider_plan, vpc_id, requester_vpc_id=None):
    """Which request a provider accepts, and which routes are its.

    ``existing``: ``vpc_peering_connections`` of ec2_vpc_peering_info for peerings to ``vpc_id`` (this
    provider's VPC); the expected requester is the plan's gateway account and the gateway VPC, by id
    when ``requester_vpc_id`` is known, else by the gateway VPC's CIDR. An active request wins; a
    single pending one is chosen; several pending ones are ambiguous (nothing is accepted).

    Returns ``chosen`` ({id, status, requester_vpc_id} or {}), ``accept`` (it is pending),
    ``tag`` (its tags lack planned ones), ``ambiguous`` (ids), ``owned_targets`` (every request of the
    gateway VPC to this VPC, any status: return routes through them are ours) and ``unexpected``
    (other requests waiting for this VPC: reported, never accepted).
    """
    peering_plan = provider_plan["peering"]
    account = peering_plan["requester_account_id"]
    to_me = [peering for peering in existing or [] if _side(peering, "accepter").get("vpc_id") == vpc_id]

    def from_gateway(peering):
        requester = _side(peering, "requester")
        if str(requester.get("owner_id")) != account:
            return False
        if requester_vpc_id:
            return requester.get("vpc_id") == requester_vpc_id
        return requester.get("cidr_block") == peering_plan["requester_vpc_cidr"]

    matches = [peering for peering in to_me if from_gateway(peering)]
    active = [peering for peering in matches if _code(peering) in ACTIVE_PEERING_STATES]
    pending = [peering for peering in matches if _code(peering) == PENDING]
    chosen = active[0] if active else (pending[0] if len(pending) == 1 else None)
    ambiguous = [] if active or len(pending) < 2 else [peering["vpc_peering_connection_id"] for peering in pending]
    chosen_id = chosen["vpc_peering_connection_id"] if chosen else None
    unexpected = [
        {
            "id": peering["vpc_peering_connection_id"],
            "vpc_id": _side(peering, "requester").get("vpc_id"),
            "cidr_block": _side(peering, "requester").get("cidr_block"),
            "owner_id": str(_side(peering, "requester").get("owner_id")),
            "region": _side(peering, "requester").get("region"),
        }
        for peering in to_me
        if _code(peering) == PENDING
        and peering["vpc_peering_connection_id"] != chosen_id
        and peering["vpc_peering_connection_id"] not in ambiguous
    ]
    return {
        "chosen": (
            {"id": chosen_id, "status": _code(chosen), "requester_vpc_id": _side(chosen, "requester").get("vpc_id")}
            if chosen
            else {}
        ),
        "accept": bool(chosen) and _code(chosen) == PENDING,
        "tag": bool(chosen)
        and bool(peering_plan.get("tag"))
        and _missing_tags(chosen.get("tags"), peering_plan["tags"]),
        "ambiguous": ambiguous,
        "owned_targets": sorted(peering["vpc_peering_connection_id"] for peering in matches),
        "unexpected": unexpected,
    }


# ---------------------------------------------------------------------------------------------
# Gateway resources
# ---------------------------------------------------------------------------------------------


def by_name(items):
    """``{name: item}`` of a list of dicts with a ``name``."""
    return {item["name"]: item for item in items or [] if item.get("name")}


def rest_api_routes(api_plan, gateway_state):
    """The ``routes`` of multiaccount.apigateway.rest_api for the plan's API routes.

    Each needs the id of its VPC link and the DNS name of its load balancer from
    ``shared_gateway_state``, and over a VPC link v2 the ARN of the load balancer it names
    (``integration_target``); a route whose link or load balancer is not known yet (check mode on a
    new gateway) is left out and named in ``unrouted``.
    """
    balancers = by_name((gateway_state or {}).get("load_balancers"))
    links = by_name((gateway_state or {}).get("vpc_links"))
    routes, unrouted, pending = [], [], []
    for route in api_plan.get("routes") or []:
        balancer = balancers.get(route["load_balancer"]) or {}
        link = links.get(route["vpc_link"]) or {}
        target = None
        if route.get("integration_target"):
            target = (balancers.get(route["integration_target"]) or {}).get("arn")
        if not balancer.get("dns_name") or not link.get("id") or (route.get("integration_target") and not target):
            unrouted.append(route["service"])
            pending.append(
                _pending_route(route, missing_link=not link.get("id"), missing_lb=not balancer.get("dns_name"))
            )
            continue
        target_url = f"http://{balancer['dns_name']}:{route['listener_port']}"
        if route.get("scheme") == "https":
            # API Gateway verifies the ALB's certificate against the host of the URI.
            host = (gateway_state or {}).get("certificate_host")
            if not host:
                unrouted.append(route["service"])
                pending.append(_pending_route(route, missing_link=False, missing_lb=False) + " (certificate not read)")
                continue
            target_url = f"https://{host}" + ("" if route["listener_port"] == 443 else f":{route['listener_port']}")
        entry = {
            "path": route["path"],
            "connection_type": "VPC_LINK",
            "connection_id": link["id"],
            "integration_target": target,
            "target_url": target_url,
            "proxy": True,
            "timeout_in_millis": api_plan["timeout_in_millis"],
        }
        # An ALB routes on the path: its integrations keep the API path (an NLB's get /).
        if route.get("backend_path"):
            entry["backend_path"] = route["backend_path"]
        # Who may call it (the plan's governance; a route without it is open to anyone).
        for key in ("authorization_type", "authorizer", "authorization_scopes", "api_key_required"):
            if route.get(key) and route[key] != "NONE":
                entry[key] = route[key]
        routes.append(entry)
    return {"routes": routes, "unrouted": unrouted, "pending": pending}


def _pending_route(route, missing_link, missing_lb):
    """``/limits -> VPC link v2 gw-gateway-alb (new) -> ALB gw-alb :80 /limits (new)``: where a route
    goes once its link and load balancer exist (check mode before they do)."""
    link = f"VPC link{' v2' if route.get('vpc_link_version') == 'v2' else ''} {route['vpc_link']}"
    kind = "ALB" if route.get("load_balancer_type") == "application" else "NLB"
    balancer = f"{kind} {route['load_balancer']} :{route['listener_port']}"
    if route.get("backend_path"):
        balancer += f" {route['backend_path']}"
    return f"/{route['path']} -> {link}{' (new)' if missing_link else ''} -> {balancer}{' (new)' if missing_lb else ''}"


def certificate_host(certificate, gateway_name):
    """The host name the HTTPS integrations call for the ALB's certificate (``certificate`` of account_preflight):
    its domain name, or for a wildcard its first other name that is no wildcard, else the wildcard with
    the gateway name in place of ``*``; "" without a certificate."""
    names = [(certificate or {}).get("domain_name") or ""] + list(
        (certificate or {}).get("subject_alternative_names") or []
    )
    names = [name for name in names if name]
    for name in names:
        if not name.startswith("*."):
            return name.lower()
    if names:
        return f"{gateway_name}.{names[0][2:]}".lower()
    return ""


def private_integration_in_place(rest_api):
    """The private integration the REST API's tag says is the only one in place (no tag: nlb-v1)."""
    tags = (rest_api or {}).get("tags") or {}
    return tags.get(PRIVATE_INTEGRATION_TAG) or DEFAULT_PRIVATE_INTEGRATION


def route_urls(routes, api_plan):
    """``{service: {path, invoke_url}}`` from the ``routes`` multiaccount.apigateway.rest_api returned."""
    urls = {str(route.get("path") or "").strip("/"): route.get("invoke_url") or "" for route in routes or []}
    return {
        route["service"]: {"path": route["path"], "invoke_url": urls.get(str(route["path"]).strip("/"), "")}
        for route in (api_plan or {}).get("routes") or []
    }


def gateway_waits(gateway_plan, gateway_state, targets="none"):
    """What gateway_ready must wait for: the load balancer ARNs and VPC link ids of the plan that
    exist and are not yet ``active`` / ``AVAILABLE`` in the state (what this run read or created: a
    link the create answered ``AVAILABLE``, or a load balancer found active, is not polled again), the
    target group ARNs when ``targets`` is not ``none``, and ``needed``: false when nothing is left to
    wait for (a converged gateway needs no wait, and no module run)."""
    balancers = by_name((gateway_state or {}).get("load_balancers"))
    links = by_name((gateway_state or {}).get("vpc_links"))
    found_balancers = [
        balancers[balancer["name"]]
        for balancer in gateway_plan.get("load_balancers") or []
        if (balancers.get(balancer["name"]) or {}).get("arn")
    ]
    planned_links = list(gateway_plan.get("vpc_links") or []) + list(gateway_plan.get("vpc_links_v2") or [])
    found_links = [links[link["name"]] for link in planned_links if (links.get(link["name"]) or {}).get("id")]
    pending_balancers = [balancer for balancer in found_balancers if balancer.get("state") != "active"]
    pending_links = [link for link in found_links if link.get("status") != "AVAILABLE"]
    groups = []
    if targets and targets != "none":
        groups = [group["arn"] for group in (gateway_state or {}).get("target_groups") or [] if group.get("arn")]
    return {
        "load_balancer_arns": [balancer["arn"] for balancer in pending_balancers],
        "vpc_link_ids": [link["id"] for link in pending_links],
        # v2 links are looked up with the apigatewayv2 API at once (no v1 lookup first).
        "vpc_link_versions": {link["id"]: "v2" for link in pending_links if link.get("version") == "v2"},
        "target_group_arns": groups,
        "needed": bool(groups or pending_balancers or pending_links),
    }


def _unique_by_name(links):
    """``{name: link}`` of the links whose name no other link has (a duplicate name is ambiguous: the
    vpc_link module then decides, and fails naming them)."""
    by_name_all = {}
    for link in links or []:
        by_name_all.setdefault(link.get("name"), []).append(link)
    return {name: found[0] for name, found in by_name_all.items() if len(found) == 1}


def vpc_link_changes(planned_links, existing, balancer_arns):
    """Which planned REST VPC links need multiaccount.apigateway.vpc_link, and which are fine as they are.

    ``existing``: ``vpc_links`` of vpc_link_info (our v1 links); ``balancer_arns``: load balancer name ->
    ARN. A link is fine when one of ours with its name targets exactly its load balancer, with its
    description and at least its tags; the others (missing, another target, drift) go to ``apply``.
    A link whose load balancer has no ARN yet (check mode on a new gateway) is in neither list.
    Returns ``{apply: [planned links], unchanged: [existing links]}``, so a converged gateway runs no
    vpc_link module at all, whatever the number of links.
    """
    current_of = _unique_by_name(existing)
    apply, unchanged = [], []
    for link in planned_links or []:
        arn = (balancer_arns or {}).get(link["load_balancer"])
        if not arn:
            continue
        current = current_of.get(link["name"])
        if (
            current
            and list(current.get("target_arns") or []) == [arn]
            and (current.get("description") or "") == link["description"]
            and not _missing_tags(current.get("tags"), link["tags"])
        ):
            unchanged.append(current)
        else:
            apply.append(link)
    return {"apply": apply, "unchanged": unchanged}


def vpc_link_v2_changes(planned_links, existing, subnet_ids, security_group_ids):
    """Which planned VPC links v2 need multiaccount.apigateway.vpc_link, and which are fine as they are.

    ``existing``: ``vpc_links`` of vpc_link_info (our v2 links); ``subnet_ids`` and
    ``security_group_ids``: what the links must be placed in (the gateway subnets, the link's security
    group). A link is fine when exactly one of ours with its name has exactly those subnets and
    security groups (AWS cannot change them) and at least its tags. While the subnets or the group do
    not exist yet (check mode on a new gateway) no link is in either list. Returns
    ``{apply: [planned links with subnet_ids and security_group_ids], unchanged: [existing links]}``.
    """
    if not subnet_ids or not security_group_ids:
        return {"apply": [], "unchanged": []}
    current_of = _unique_by_name(existing)
    apply, unchanged = [], []
    for link in planned_links or []:
        current = current_of.get(link["name"])
        if (
            current
            and sorted(current.get("subnet_ids") or []) == sorted(subnet_ids)
            and sorted(current.get("security_group_ids") or []) == sorted(security_group_ids)
            and not _missing_tags(current.get("tags"), link["tags"])
        ):
            unchanged.append(current)
        else:
            apply.append(dict(link, subnet_ids=list(subnet_ids), security_group_ids=list(security_group_ids)))
    return {"apply": apply, "unchanged": unchanged}


def security_group_ids(groups):
    """``{name: id}`` of the security groups ec2_security_group made (its loop results) or found."""
    result = {}
    for group in groups or []:
        if group.get("group_name") and group.get("group_id"):
            result[group["group_name"]] = group["group_id"]
    return result


def groups_in_order(groups, names):
    """The groups (ec2_security_group_info) in the order of ``names`` (e.g. the ALB's group before the
    group its rules refer to); groups with other names are left out."""
    by_group_name = {}
    for group in groups or []:
        by_group_name.setdefault(group.get("group_name"), []).append(group)
    return [group for name in names or [] for group in by_group_name.get(name, [])]


def foreign_groups(groups, ownership_tags):
    """The ids of the security groups (ec2_security_group_info) that lack one of ``ownership_tags``."""
    return [group.get("group_id") for group in groups or [] if _missing_tags(group.get("tags"), ownership_tags)]


def stale_vpc_links(kept, planned_links):
    """Our VPC links that block the removal of a load balancer the plan no longer has."""
    planned = {link["name"] for link in planned_links or []}
    links = []
    for balancer in kept or []:
        for link in balancer.get("vpc_links") or []:
            if link.get("managed") and link.get("name") not in planned and link["id"] not in [x["id"] for x in links]:
                links.append({"id": link["id"], "name": link.get("name"), "load_balancer": balancer.get("name")})
    return links


# ---------------------------------------------------------------------------------------------
# Provider resources
# ---------------------------------------------------------------------------------------------


def demo_instance_specs(demo_plan, targets, groups):
    """The ``instances`` of multiaccount.apigateway.demo_instances.

    ``targets``: RV(vpc_target_subnets.targets) (ip -> {subnet_id, cidr}); ``groups``: RV(service_security_groups.groups)
    (service -> group_id). An IP without a subnet yet (check mode) is left out. The subnet's CIDR block
    goes with it (``subnet_cidr``), so that demo_instances does not read the subnet again.
    """
    group_ids = {group["service"]: group.get("group_id") for group in groups or []}
    specs = []
    for instance in (demo_plan or {}).get("instances") or []:
        target = (targets or {}).get(instance["ip"]) or {}
        subnet = target.get("subnet_id")
        if not subnet:
            continue
        specs.append(
            {
                "ip": instance["ip"],
                "subnet_id": subnet,
                **({"subnet_cidr": target["cidr"]} if target.get("cidr") else {}),
                "security_group_ids": [group_ids[name] for name in instance["services"] if group_ids.get(name)],
                "name": instance["name"],
                "tags": instance["tags"],
            }
        )
    return specs


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def service_lines(plan, api_state, provider_states):
    """One line per published service: invoke URL -> VPC link -> NLB port -> provider and targets."""
    urls = ((api_state or {}).get("services") or {}) if api_state else {}
    services = plan.get("services") or []
    routes = ((plan.get("gateway") or {}).get("api") or {}).get("routes") or []
    ports = {route["service"]: route["listener_port"] for route in routes}
    if not services:
        return ["no service published"]
    width = max(len(service["name"]) for service in services)
    texts = [(urls.get(service["name"]) or {}).get("invoke_url") or "(not deployed yet)" for service in services]
    url_width = max(len(text) for text in texts)
    lines = []
    for service, text in zip(services, texts):
        provider = service["provider"]
        account = ((plan.get("accounts") or {}).get(provider) or {}).get("account_id", "?")
        vpc = ((provider_states or {}).get(provider) or {}).get("vpc_id") or "vpc ?"
        link = "VPC link v2" if service.get("vpc_link_version") == "v2" else "VPC link"
        if service.get("load_balancer_type") == "application":
            hop = f"ALB :{ports.get(service['name'], '?')} /{service['path']}"
        else:
            hop = f"NLB :{service['listener_port']}"
        lines.append(
            f"{service['name'].ljust(width)}  {text.ljust(url_width)}  -> {link} -> {hop} "
            f"-> {provider} (account {account}, {vpc}) {','.join(service['targets'])}:{service['port']}"
        )
    return lines


def verify_providers(plan, gateway_state, snapshots):
    """The ``providers`` of multiaccount.apigateway.path_verify: the plan's services with the ARNs and
    ids the gateway published, each account's snapshot, and how the gateway reaches the account
    (``connectivity``: the provider's in the plan, else the gateway's ``connectivity.providers`` entry,
    else its ``connectivity.default``, else ``peering``)."""
    connectivity = (plan.get("gateway") or {}).get("connectivity") or {}
    balancers = by_name((gateway_state or {}).get("load_balancers"))
    groups = by_name((gateway_state or {}).get("target_groups"))
    links = by_name((gateway_state or {}).get("vpc_links"))
    providers = []
    for host, provider in sorted((plan.get("providers") or {}).items()):
        services = []
        for service in provider.get("services") or []:
            entry = {key: service[key] for key in ("name", "port", "listener_port", "path", "targets")}
            arn = (groups.get(service["target_group"]) or {}).get("arn")
            nlb = (balancers.get(service["load_balancer"]) or {}).get("arn")
            link = (links.get(service["vpc_link"]) or {}).get("id")
            version = service.get("vpc_link_version") or "v1"
            entry.update(
                {
                    "target_group_arn": arn,
                    # The service's load balancer: its NLB, or its ALB with alb-v2.
                    "nlb_arn": nlb,
                    "load_balancer_type": service.get("load_balancer_type") or "network",
                    "vpc_link_id": link,
                    "vpc_link_version": version,
                    # Over a VPC link v2 the integration names the service's load balancer (integrationTarget).
                    "integration_target_arn": nlb if version == "v2" else None,
                }
            )
            if service.get("health_check"):
                entry["health_check"] = dict(service["health_check"])
            # HTTPS to the ALB: the integrations name the certificate's host, not the ALB's DNS name.
            if entry["load_balancer_type"] == "application" and (gateway_state or {}).get("certificate_host"):
                entry["integration_host"] = gateway_state["certificate_host"]
            services.append(entry)
        providers.append(
            {
                "name": host,
                "account_id": provider["account_id"],
                "region": provider["region"],
                "services": services,
                "snapshot": (snapshots or {}).get(host) or {},
                "connectivity": provider.get("connectivity")
                or (connectivity.get("providers") or {}).get(host)
                or connectivity.get("default")
                or "peering",
            }
        )
    return providers


def probe_results(services, test_invokes, http_results, expected):
    """The ``probes`` of multiaccount.apigateway.path_verify from TestInvokeMethod results (of
    gateway_path_info) and the GET results of ansible.builtin.uri (a loop over the services)."""
    by_path = {str(service["path"]).strip("/"): service["name"] for service in services or []}
    probes = []
    for test in test_invokes or []:
        path = str(test.get("path") or "").strip("/")
        status = test.get("status")
        probes.append(
            {
                "service": by_path.get(path, test.get("path")),
                "kind": f"test-invoke {test.get('http_method')}",
                "target": test.get("path"),
                "status": status if status is not None else (test.get("error") or "error"),
                "expected": expected,
            }
        )
    for result in http_results or []:
        if result.get("skipped"):
            continue
        probes.append(
            {
                "service": (result.get("item") or {}).get("name"),
                "kind": "http-get",
                "target": result.get("url", ""),
                "status": result.get("status", -1),
                "expected": expected,
            }
        )
    return probes


def transit_gateway_spokes(spokes, provider_states):
    """The ``spokes`` option of the transit_gateway module: the plan's spokes with the VPC id and CIDRs
    each provider published in this run (an empty VPC id: its attachment is left as it is)."""
    result = []
    for spoke in spokes or []:
        state = (provider_states or {}).get(spoke["name"]) or {}
        result.append(
            {
                "name": spoke["name"],
                "account_id": spoke["account_id"],
                "vpc_id": state.get("vpc_id") or "",
                "cidrs": list(state.get("vpc_cidrs") or []),
            }
        )
    return result


def connectivity_routes(connectivity, provider_states, peerings, accept_states, spokes, transit_gateway_id):
    """The gateway route table's routes to every provider, through its peering or the Transit Gateway.

    ``connectivity``: the plan's ``gateway.connectivity``; ``peerings``: the gateway's live peerings
    (``shared_gateway_state.peerings``), whose status the providers' ``peering_accept_state`` refines;
    ``spokes``: the ``spokes`` result of the transit_gateway module (``ready`` per provider).
    Returns ``connectivity.gateway_route_targets`` plus ``owned_targets`` (the Transit Gateway and every
    live peering: routes through them may move).
    """
    live = {}
    for name, peering in (peerings or {}).items():
        status = peering.get("status")
        accepted = (accept_states or {}).get(name) or {}
        if accepted.get("peering_id") == peering.get("id") and accepted.get("status"):
            status = accepted["status"]
        live[name] = {"id": peering.get("id"), "status": status}
    providers = [
        {
            "name": name,
            "mode": mode,
            "cidrs": list(((provider_states or {}).get(name) or {}).get("vpc_cidrs") or []),
        }
        for name, mode in sorted((connectivity.get("providers") or {}).items())
    ]
    ready = {spoke["name"]: bool(spoke.get("ready")) for spoke in spokes or []}
    result = conn.gateway_route_targets(providers, live, ready, transit_gateway_id or "")
    result["owned_targets"] = sorted(
        {peering["id"] for peering in live.values() if peering.get("id")}
        | ({transit_gateway_id} if transit_gateway_id else set())
    )
    return result


def deleted_route_keys(results):
    """``["<route table id>:<destination>", ...]``, sorted and unique: the routes that the results of
    vpc_routes or transit_gateway_attachment in ``results`` deleted (in check mode, would delete), from
    their RV ``route_tables[].deleted``. A result without ``route_tables`` (a skipped task) adds nothing.
    vpc_teardown takes these keys in ``check_mode_gone``."""
    keys = set()
    for result in results or []:
        for table in (result or {}).get("route_tables") or []:
            for route in table.get("deleted") or []:
                if table.get("id") and route.get("dest"):
                    keys.add(f"{table['id']}:{route['dest']}")
    return sorted(keys)


def attachment_subnets(subnets, dedicated=None):
    """The subnets of a Transit Gateway VPC attachment: ``dedicated`` when given, else one per
    Availability Zone among ``subnets`` (vpc_target_subnets' result, sorted by CIDR: the first of each
    zone), so that every zone with a target can reach the Transit Gateway."""
    if dedicated:
        return list(dedicated)
    chosen = {}
    for subnet in subnets or []:
        if subnet.get("id") and subnet.get("az") and subnet["az"] not in chosen:
            chosen[subnet["az"]] = subnet["id"]
    return [chosen[zone] for zone in sorted(chosen)]
