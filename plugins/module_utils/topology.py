# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure evaluation of the published paths (no boto3): join the snapshots, judge every hop, draw it.

Inputs are the snapshots that ``gateway_path_info`` (account A) and ``provider_path_info`` (each
provider account) return, plus the intent from the inventory (the services each provider publishes).
:func:`evaluate` turns them into one ordered hop list per service path::

    api_route -> integration -> stage_deployment -> vpc_link -> nlb -> listener -> target_group
    -> target -> peering -> gateway_route -> provider_route -> security_group -> service_endpoint

Every hop is ``{hop, status (ok|fail|skipped), account, resource, detail, fix}``.

Two flavours of private integration are judged. Over a REST (v1) VPC link the link targets the NLB
(``targetArns``) and the integration carries no integration target. Over a VPC link v2 (subnets and
security groups, ``shared_gateway_private_integration: nlb-v2``) the integration names the NLB in
``integrationTarget``, and the link must be usable (AVAILABLE, or INACTIVE, which AWS reactivates on
the next request), placed in subnets of the NLB's VPC, with a security group that lets it open TCP
connections to the NLB's subnets on the listener port. The flavour a service expects comes from its
``vpc_link_version`` (``v1`` when absent); the hops judge the link the integration really uses.

The third private integration (``alb-v2``) puts an internal Application Load Balancer behind the VPC
link v2: one HTTP(S) listener whose rules forward each service path (``/<path>`` and ``/<path>/*``)
to the service's HTTP target group. A service expects it when its ``load_balancer_type`` is
``application`` (``network`` when absent). The hops keep their ids (``nlb``, ``listener``,
``target_group``...) and their order, and say ALB where the load balancer is one; such a service gets
one hop more, ``alb_security_group`` between ``vpc_link`` and ``nlb`` (the ALB's security groups admit
the link on the listener port and let the ALB reach the targets), absent from the NLB paths::

    api_route -> integration -> stage_deployment -> vpc_link -> alb_security_group -> nlb -> listener
    -> target_group -> ... -> service_endpoint

With the expected governance (issue 11: :func:`expected_governance` checks it and fills its defaults),
every service gets three hops more after its path's hops, and a fourth with a custom domain::

    ... -> service_endpoint -> authorization -> partners -> stage_policy [-> domain]

``authorization`` judges the service's methods (type, authorizer, scopes, API key requirement),
``partners`` the partners' usage plans and API keys on the stage (and that the others are blocked),
``stage_policy`` the stage's settings, the service's method throttles and the API's resource policy,
``domain`` the custom domain and its base path mapping. They are skipped when the API (or the stage)
is missing, which is ``api_route``'s (or ``stage_deployment``'s) fault. Without governance the hops and
the result are exactly the ones of before.

Connectivity (version 0.5.0). A provider's path crosses either its VPC peering (``peering``, the
default) or the gateway's transit gateway (``transit_gateway``, hub and spoke), as the provider's
``connectivity`` says. For a provider on the transit gateway the ``peering`` hop is replaced, at the
same place, by a ``transit_gateway`` hop (:func:`_check_transit_gateway`): the transit gateway is ours
and available, the provider's VPC attachment is available in every Availability Zone of the target
subnets, associated with the spokes route table and propagating into the hub route table only, the
gateway VPC's attachment (the hub) associated with the hub route table and propagating into the
spokes route table, the hub route table routes the targets to the provider's attachment, the spokes
route table routes the gateway subnets to the hub and nothing to another provider (isolation).
``gateway_route`` and ``provider_route`` then expect the transit gateway as the target of the most
specific route. Longest prefix decides the path: while a provider moves from its peering to the
transit gateway, a more specific route through the (active) peering wins over an aggregate through the
transit gateway, and the judged path is the one the routes take - a provider on ``transit_gateway``
whose routes in use all take its active peering is judged on the peering (:func:`connectivity_path`).
A provider on ``peering`` is judged exactly as before::

    ... -> target -> transit_gateway -> gateway_route -> provider_route -> security_group -> ...

A fault fails exactly its own hop. Each hop is judged on its own facts against the *expected*
resources of the service, which are resolved once from the intent, the published state and the
tags (:func:`resolve_service`), never from what the previous hop happens to point at. So a VPC
link that targets another NLB fails ``vpc_link`` while the integration (which names an existing
link and the service's NLB and listener port) stays ``ok``; a route through a peering that is not
active is the ``peering`` hop's fault, not the route's. A hop whose subject cannot exist because
of another hop's fault is ``skipped`` (never ``fail``).

The second half renders the joined graph: a Mermaid flowchart for the Markdown report and a
Graphviz DOT source for SVG/PNG.
"""

import ipaddress
import json
import re
from urllib.parse import urlsplit

from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization as authz

HOPS = (
    "api_route",
    "integration",
    "stage_deployment",
    "vpc_link",
    "nlb",
    "listener",
    "target_group",
    "target",
    "peering",
    "gateway_route",
    "provider_route",
    "security_group",
    "service_endpoint",
)

# The hops of a service behind an application load balancer (alb-v2): one more, before the ALB.
ALB_HOPS = HOPS[:4] + ("alb_security_group",) + HOPS[4:]

# Connectivity between the gateway VPC and a provider VPC (version 0.5.0): the hop that judges it.
PEERING = "peering"
TRANSIT_GATEWAY = "transit_gateway"
CONNECTIVITY_MODES = (PEERING, TRANSIT_GATEWAY)
# States of transit gateways, their route tables and attachments (EC2's words).
TGW_AVAILABLE = "available"
TGW_PENDING_ACCEPTANCE = "pendingAcceptance"
TGW_DEAD_STATES = ("deleting", "deleted", "rejecting", "rejected", "failing", "failed")
# Where the transit gateway's parts come from: the fixes name the play that builds them.
TGW_PLAY = "run site.yml (shared_gateway, transit_gateway play)"
ATTACHMENT_PLAY = "run site.yml (providers, transit_gateway_attachment play)"

OK = "ok"
FAIL = "fail"
SKIPPED = "skipped"

NETWORK = "network"
APPLICATION = "application"
# The listener protocols of an application load balancer whose rules route on the path.
HTTP_PROTOCOLS = ("HTTP", "HTTPS")

SERVICE_TAG = "multiaccount:service"
GATEWAY_TAG = "multiaccount:gateway"
PROVIDER_TAG = "multiaccount:provider"

VPC_LINK_INTEGRATION_TYPES = ("HTTP", "HTTP_PROXY")
PROXY_PART = "{proxy+}"
TCP_PROTOCOLS = ("tcp", "6", "-1", "all")
ANY_IPV4 = "0.0.0.0/0"


# ---------------------------------------------------------------------------------------------
# Small pure helpers (also used by the info modules for their convenience summaries)
# ---------------------------------------------------------------------------------------------


def api_path(path):
    """``payments/v2`` or ``/payments/v2/`` -> ``/payments/v2`` (the API Gateway resource path)."""
    text = str(path or "").strip().strip("/")
    return "/" + text if text else "/"


def subset_paths(all_paths, published_paths):
    """Paths of the API that the published routes own: the root, every ancestor, each path and its proxy child."""
    wanted = {"/"}
    for path in published_paths:
        full = api_path(path)
        parts = full.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            wanted.add("/" + "/".join(parts[:depth]))
        wanted.add(full.rstrip("/") + "/" + PROXY_PART)
    return [path for path in all_paths if path in wanted]


def parse_integration_uri(uri):
    """``http://host:8080/x`` -> ``(host, port)``; the port defaults by scheme; ``(None, None)`` when unparsable."""
    if not uri:
        return None, None
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None, None
    if not parts.hostname:
        return None, None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return parts.hostname.lower(), port


def _network(value):
    try:
        return ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return None


def covering_route(routes, cidr):
    """The route traffic to ``cidr`` (an address or a block) takes: longest prefix whose block contains it.

    Returns ``(route, diverted)``: ``diverted`` lists the more specific routes inside ``cidr`` that
    take part of it elsewhere (they matter as much as the covering route).
    """
    wanted = _network(cidr)
    best = None
    best_len = -1
    diverted = []
    for route in routes or []:
        network = _network(route.get("destination"))
        if wanted is None or network is None or network.version != wanted.version:
            continue
        if wanted.subnet_of(network):
            if network.prefixlen > best_len:
                best, best_len = route, network.prefixlen
        elif network.subnet_of(wanted):
            diverted.append(route)
    return best, diverted


def cidr_covered(cidr, blocks):
    """True when the union of ``blocks`` contains every address of ``cidr``."""
    wanted = _network(cidr)
    if wanted is None:
        return False
    networks = [
        net for net in (_network(block) for block in blocks) if net is not None and net.version == wanted.version
    ]
    return any(wanted.subnet_of(net) for net in ipaddress.collapse_addresses(networks))


def rule_admits_port(rule, port):
    """True when an ingress rule lets TCP traffic reach ``port``."""
    protocol = str(rule.get("protocol", "")).lower()
    if protocol not in TCP_PROTOCOLS:
        return False
    if protocol in ("-1", "all"):
        return True
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None or high is None:
        return True
    if int(low) == -1:
        return True
    return int(low) <= int(port) <= int(high)


def sg_admission(security_groups, port, source_cidrs, source_group_ids=None, direction="ingress"):
    """Which ``source_cidrs`` the union of ``security_groups`` admits on TCP ``port``.

    A CIDR is admitted when the union of the CIDR rules for that port covers it (``0.0.0.0/0`` and
    wider blocks count), or when a rule names one of ``source_group_ids`` (the NLB's own security
    groups, in another account across the peering). Returns ``(admitted, missing, how)``: two lists
    of CIDRs and a dict cidr -> the rule(s) that admit it. With ``direction="egress"`` the same is
    asked of the egress rules: which destination CIDRs the groups let connections go to.
    """
    blocks = []
    by_group = []
    for group in security_groups or []:
        for rule in group.get(direction) or []:
            if not rule_admits_port(rule, port):
                continue
            for block in rule.get("cidrs") or []:
                blocks.append((block, group.get("id")))
            for pair in rule.get("group_pairs") or []:
                if pair.get("group_id") in set(source_group_ids or []):
                    by_group.append((pair.get("group_id"), group.get("id")))
    admitted, missing, how = [], [], {}
    for cidr in source_cidrs:
        if cidr_covered(cidr, [block for block, _dummy in blocks]):
            admitted.append(cidr)
            wanted = _network(cidr)
            reasons = sorted(
                {f"{gid} {block}" for block, gid in blocks if _network(block) and _network(block).overlaps(wanted)}
            )
            how[cidr] = ", ".join(reasons)
        elif by_group:
            admitted.append(cidr)
            how[cidr] = ", ".join(sorted({f"{gid} <- {src}" for src, gid in by_group}))
        else:
            missing.append(cidr)
    return admitted, missing, how


def route_table_for_subnet(route_tables, subnet_id, vpc_id=None):
    """The route table a subnet uses: its explicit association, else the main table of its VPC."""
    for table in route_tables or []:
        if subnet_id and subnet_id in (table.get("subnet_ids") or []):
            return table
    for table in route_tables or []:
        if table.get("main") and (vpc_id is None or table.get("vpc_id") == vpc_id):
            return table
    return None


def peering_vpcs(peering):
    return {
        (peering.get("requester") or {}).get("vpc_id"),
        (peering.get("accepter") or {}).get("vpc_id"),
    }


def peerings_between(peerings, vpc_a, vpc_b):
    """Peerings (merged by id) whose two sides are ``vpc_a`` and ``vpc_b``, active ones first."""
    found = {}
    for peering in peerings or []:
        if vpc_a and vpc_b and peering_vpcs(peering) == {vpc_a, vpc_b}:
            known = found.setdefault(peering["id"], dict(peering, views=[]))
            known["views"].append(status_code(peering))
    ordered = sorted(found.values(), key=lambda p: (0 if peering_active(p) else 1, p["id"]))
    return ordered


def status_code(peering):
    status = peering.get("status")
    if isinstance(status, dict):
        return status.get("code")
    return status


def peering_active(peering):
    views = peering.get("views") or [status_code(peering)]
    return all(view == "active" for view in views)


# ---------------------------------------------------------------------------------------------
# Intent and resolution of the expected resources
# ---------------------------------------------------------------------------------------------


def expected_services(gateway, providers):
    """One entry per published service, from the providers' intent and the gateway's published state.

    ``providers``: ``[{name, account_id, region, services: [{name, port, path, targets, listener_port?}], snapshot}]``;
    ``gateway['state']`` (optional): the ``shared_gateway_state`` fact, whose ``services`` map may name
    the target group, NLB, VPC link and listener port of each service.

    ``vpc_link_version`` (``v1`` or ``v2``) and ``integration_target_arn`` (the NLB an integration over
    a VPC link v2 names) are copied only when given: a service without them expects a REST v1 link.
    So are ``load_balancer_type`` (``network`` or ``application``; a service without it expects an NLB)
    and ``health_check`` (``{path, matcher}`` of an ALB target group), and ``integration_host`` (HTTPS to
    an ALB: the host of its certificate that the integration URIs name instead of the ALB's DNS name).
    ``nlb_arn`` is the service's load balancer, an ALB with ``load_balancer_type: application``.
    ``connectivity`` (``peering`` or ``transit_gateway``, the service's or else its provider's) too, only
    when given: a service without it is reached over its peering.
    """
    state_services = ((gateway or {}).get("state") or {}).get("services") or {}
    services = []
    for provider in providers or []:
        for service in provider.get("services") or []:
            published = state_services.get(service.get("name")) or {}
            listener_port = service.get("listener_port") or published.get("listener_port")
            services.append(
                {
                    "name": service["name"],
                    "provider": provider.get("name"),
                    "port": int(service["port"]),
                    "listener_port": int(listener_port) if listener_port else None,
                    "path": api_path(service.get("path") or service["name"]),
                    "targets": [str(ip) for ip in service.get("targets") or []],
                    "target_group_arn": service.get("target_group_arn") or published.get("target_group_arn"),
                    "nlb_arn": service.get("nlb_arn") or published.get("nlb_arn"),
                    "vpc_link_id": service.get("vpc_link_id") or published.get("vpc_link_id"),
                }
            )
            for key in (
                "vpc_link_version",
                "integration_target_arn",
                "load_balancer_type",
                "health_check",
                "integration_host",
            ):
                value = service.get(key) or published.get(key)
                if value:
                    services[-1][key] = value
            connectivity = service.get("connectivity") or provider.get("connectivity")
            if connectivity:
                services[-1]["connectivity"] = connectivity
    return services


def expected_connectivity(service):
    """How the service's provider VPC is reached: ``transit_gateway`` or (by default) ``peering``."""
    return TRANSIT_GATEWAY if str(service.get("connectivity") or PEERING).lower() == TRANSIT_GATEWAY else PEERING


def expected_link_version(service):
    """The VPC link flavour the service's integrations must use: ``v2`` or (by default) ``v1``."""
    return "v2" if str(service.get("vpc_link_version") or "v1").lower() == "v2" else "v1"


def link_version(link):
    """The flavour of a snapshot's VPC link (links of snapshots from before links v2 are REST v1)."""
    return (link or {}).get("version") or "v1"


def expected_lb_type(service):
    """The load balancer the service's path expects: ``application`` (alb-v2) or (by default) ``network``."""
    return APPLICATION if str(service.get("load_balancer_type") or NETWORK).lower() == APPLICATION else NETWORK


def lb_label(balancer, expected_type=NETWORK):
    """``ALB`` or ``NLB``: what the load balancer is, or (when there is none) what is expected."""
    kind = (balancer or {}).get("type") if balancer else expected_type
    return "ALB" if kind == APPLICATION else "NLB"


def lb_security_group_ids(balancer):
    return list((balancer or {}).get("security_group_ids") or (balancer or {}).get("security_groups") or [])


def _pattern_regex(pattern):
    """An ALB path pattern as a regex: ``*`` is any run of characters, ``?`` exactly one, case-sensitive."""
    parts = [".*" if char == "*" else "." if char == "?" else re.escape(char) for char in str(pattern)]
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def path_pattern_matches(patterns, path):
    """True when one of the path patterns of a rule matches the request path."""
    return any(_pattern_regex(pattern).match(path) for pattern in patterns or [])


def service_patterns(path):
    """The path patterns of a service's ALB rule: ``/<path>`` and ``/<path>/*``."""
    base = api_path(path).rstrip("/")
    return [base or "/", base + "/*"] if base else ["/*"]


def service_request_paths(path):
    """Request paths the ALB must send to the service: the path itself and paths below it."""
    base = api_path(path).rstrip("/")
    samples = [base or "/", base + "/", base + "/{proxy}", base + "/{proxy}/{proxy}"]
    return list(dict.fromkeys(samples))


def rule_claims(listener, path):
    """``{request path: rule}``: the rule of an ALB listener that answers each request path of a service.

    Rules are tried by priority (lower number first); a rule without a path pattern matches every path
    (its other conditions permitting). Paths no rule matches go to the default rule (the listener's
    default action).
    """
    rules = [rule for rule in listener.get("rules") or [] if not rule.get("is_default")]
    rules.sort(key=lambda rule: (rule.get("priority") is None, rule.get("priority") or 0))
    default = next((rule for rule in listener.get("rules") or [] if rule.get("is_default")), None) or {
        "priority": None,
        "is_default": True,
        "path_patterns": [],
        "other_conditions": [],
        "action_type": listener.get("default_action_type"),
        "target_group_arns": list(listener.get("target_group_arns") or []),
    }
    claims = {}
    for sample in service_request_paths(path):
        claims[sample] = default
        for rule in rules:
            patterns = rule.get("path_patterns") or []
            if not patterns or path_pattern_matches(patterns, sample):
                claims[sample] = rule
                break
    return claims


def rule_label(rule):
    if not rule or rule.get("is_default"):
        return "the default rule"
    return f"rule {rule.get('priority')} ({', '.join(rule.get('path_patterns') or []) or 'no path pattern'})"


def _by(items, key, value):
    for item in items or []:
        if value is not None and item.get(key) == value:
            return item
    return None


def _tagged(items, key, value):
    return [item for item in items or [] if (item.get("tags") or {}).get(key) == value]


def service_resources(snapshot, path):
    """The API resources a service path owns: ``/<path>`` and, when present, ``/<path>/{proxy+}``."""
    base = _by(snapshot.get("resources"), "path", path)
    proxy = _by(snapshot.get("resources"), "path", path.rstrip("/") + "/" + PROXY_PART)
    return base, proxy


def service_methods(snapshot, path):
    """``[(resource_path, method_name, method)]`` of a service's resources, base first."""
    found = []
    for resource in service_resources(snapshot, path):
        if not resource:
            continue
        for name in sorted(resource.get("methods") or {}):
            found.append((resource["path"], name, resource["methods"][name]))
    return found


STAGE_VARIABLE_RE = re.compile(r"^\$\{stageVariables\.([A-Za-z0-9_]+)\}$")


def connection_id_of(integration, snapshot):
    """The VPC link id an integration uses, resolving a ``${stageVariables.<name>}`` reference."""
    connection_id = (integration or {}).get("connection_id")
    match = STAGE_VARIABLE_RE.match(connection_id or "")
    if match:
        return ((snapshot.get("stage") or {}).get("variables") or {}).get(match.group(1))
    return connection_id


def _forwarded_groups(listener):
    """Target groups a listener forwards to: its default actions, and the rules of an ALB's listener."""
    arns = list(listener.get("target_group_arns") or [])
    for rule in listener.get("rules") or []:
        arns.extend(rule.get("target_group_arns") or [])
    return arns


def _listener_forwarding(listeners, nlb_arn, tg_arn, preferred_port=None):
    """The load balancer's listener that forwards to the target group (the one on ``preferred_port`` when
    several do); an ALB's listener forwards through its rules."""
    found = [
        listener
        for listener in listeners or []
        if listener.get("load_balancer_arn") == nlb_arn and tg_arn in _forwarded_groups(listener)
    ]
    for listener in found:
        if listener.get("port") == preferred_port:
            return listener
    return found[0] if found else None


def resolve_service(service, gateway_snapshot, gateway_tag=None):
    """The service's expected target group, NLB, listener port and VPC link, each with how it was found.

    Order of evidence: the published state (ARNs/ids), the tags the collection writes, then the
    registered targets; the integration's connectionId is used for the link because the link hop
    judges the link the API really uses.
    """
    snap = gateway_snapshot or {}
    tgs = snap.get("target_groups") or []
    nlbs = snap.get("load_balancers") or []
    links = snap.get("vpc_links") or []
    # Found by tags or as the gateway's only load balancer: one of the expected type (an NLB, or an ALB
    # with alb-v2); the published state names it whatever its type (a wrong one then fails the nlb hop).
    wanted_type = expected_lb_type(service)
    of_type = [item for item in nlbs if (item.get("type") or NETWORK) == wanted_type]
    resolved = {"target_group": None, "nlb": None, "listener_port": None, "vpc_link": None, "how": {}}

    # Target group: state ARN, tag, registered IPs.
    tg = _by(tgs, "arn", service.get("target_group_arn"))
    how = "published state"
    if tg is None:
        tagged = _tagged(tgs, SERVICE_TAG, service["name"])
        if gateway_tag and len(tagged) > 1:
            tagged = [item for item in tagged if (item.get("tags") or {}).get(GATEWAY_TAG) == gateway_tag] or tagged
        if len(tagged) > 1:
            # Both an NLB's (TCP) and an ALB's (HTTP) target group (a move between modes): the expected kind first.
            tagged.sort(key=lambda item: (item.get("protocol") in HTTP_PROTOCOLS) != (wanted_type == APPLICATION))
        tg = tagged[0] if tagged else None
        how = f"tag {SERVICE_TAG}={service['name']}"
    if tg is None and service["targets"]:
        wanted = set(service["targets"])
        for item in tgs:
            if wanted & {target.get("ip") for target in item.get("targets") or []}:
                tg = item
                how = "registered target IPs"
                break
    resolved["target_group"] = tg
    resolved["how"]["target_group"] = how if tg else None

    # NLB: state ARN (or the published integration target of a VPC link v2), service tag (dedicated),
    # the target group's load balancer, the gateway's only NLB, the integration's integrationTarget.
    nlb = _by(nlbs, "arn", service.get("nlb_arn")) or _by(nlbs, "arn", service.get("integration_target_arn"))
    how = "published state"
    if nlb is None:
        tagged = _tagged(of_type, SERVICE_TAG, service["name"])
        nlb = tagged[0] if tagged else None
        how = f"tag {SERVICE_TAG}={service['name']}"
    if nlb is None and tg:
        for arn in tg.get("load_balancer_arns") or []:
            nlb = _by(nlbs, "arn", arn)
            if nlb:
                how = "the target group's load balancer"
                break
    if nlb is None:
        shared = [
            item for item in _tagged(of_type, GATEWAY_TAG, gateway_tag) if SERVICE_TAG not in (item.get("tags") or {})
        ]
        candidates = shared if gateway_tag else []
        if not candidates and len(of_type) == 1:
            candidates = of_type
        if len(candidates) == 1:
            nlb = candidates[0]
            how = f"the gateway's {lb_label(nlb)}"
    if nlb is None:
        # Last: the load balancer the API really names over a VPC link v2 (only when nothing says
        # which one is expected, so that a wrong integrationTarget still fails the integration hop).
        for dummy_path, dummy_name, method in service_methods(snap, service["path"]):
            nlb = _by(nlbs, "arn", (method.get("integration") or {}).get("integration_target"))
            if nlb:
                how = "the integration's integrationTarget"
                break
    resolved["nlb"] = nlb
    resolved["how"]["nlb"] = how if nlb else None

    # Target group fallback: the one the NLB forwards the service port to, or the one the ALB's rule
    # for the service path forwards to.
    if tg is None and nlb and nlb.get("type") == APPLICATION:
        for listener in snap.get("listeners") or []:
            if listener.get("load_balancer_arn") != nlb["arn"] or listener.get("protocol") not in HTTP_PROTOCOLS:
                continue
            if service.get("listener_port") and listener.get("port") != service["listener_port"]:
                continue
            rule = rule_claims(listener, service["path"])[api_path(service["path"]).rstrip("/") or "/"]
            for arn in rule.get("target_group_arns") or []:
                tg = _by(tgs, "arn", arn)
                if tg:
                    resolved["target_group"] = tg
                    resolved["how"]["target_group"] = f"{rule_label(rule)} of the ALB's listener {listener.get('port')}"
                    break
            if tg:
                break
    elif tg is None and nlb:
        port = service.get("listener_port") or service["port"]
        for listener in snap.get("listeners") or []:
            if listener.get("load_balancer_arn") == nlb["arn"] and listener.get("port") == port:
                for arn in listener.get("target_group_arns") or []:
                    tg = _by(tgs, "arn", arn)
                    if tg:
                        resolved["target_group"] = tg
                        resolved["how"]["target_group"] = f"listener {port} of the NLB"
                        break

    # Listener port: intent, the listener that forwards to the service's target group, the service port.
    port = service.get("listener_port")
    how = "inventory/state listener_port"
    if port is None and nlb and resolved["target_group"]:
        listener = _listener_forwarding(
            snap.get("listeners"), nlb["arn"], resolved["target_group"]["arn"], service["port"]
        )
        if listener:
            port = listener.get("port")
            how = "the listener forwarding to the target group"
    if port is None and nlb and nlb.get("type") == APPLICATION:
        ports = sorted(
            listener.get("port")
            for listener in snap.get("listeners") or []
            if listener.get("load_balancer_arn") == nlb["arn"] and listener.get("protocol") in HTTP_PROTOCOLS
        )
        port = ports[0] if ports else 80
        how = "the ALB's HTTP(S) listener" if ports else "the HTTP port (the ALB has no HTTP(S) listener)"
    if port is None:
        port = service["port"]
        how = "the service port"
    resolved["listener_port"] = int(port)
    resolved["how"]["listener_port"] = how

    # VPC link: the one the integration uses (when it exists), the published one, then one that targets
    # the NLB (v1) or a VPC link v2 with the gateway tag (v2).
    link = None
    for dummy_path, dummy_name, method in service_methods(snap, service["path"]):
        link = _by(links, "id", connection_id_of(method.get("integration"), snap))
        if link:
            how = "the integration's connectionId"
            break
    if link is None:
        link = _by(links, "id", service.get("vpc_link_id"))
        how = "published state"
    if link is None and nlb and expected_link_version(service) == "v1":
        targeting = [item for item in links if nlb["arn"] in (item.get("target_arns") or [])]
        targeting.sort(key=lambda item: (0 if item.get("status") == "AVAILABLE" else 1, item.get("id") or ""))
        link = targeting[0] if targeting else None
        how = "a VPC link targeting the NLB"
    if link is None and gateway_tag and expected_link_version(service) == "v2":
        tagged = [item for item in _tagged(links, GATEWAY_TAG, gateway_tag) if link_version(item) == "v2"]
        tagged.sort(key=lambda item: (0 if item.get("status") == "AVAILABLE" else 1, item.get("id") or ""))
        link = tagged[0] if tagged else None
        how = f"a VPC link v2 with the tag {GATEWAY_TAG}={gateway_tag}"
    resolved["vpc_link"] = link
    resolved["how"]["vpc_link"] = how if link else None
    return resolved


# ---------------------------------------------------------------------------------------------
# Connectivity: peering or transit gateway (version 0.5.0)
# ---------------------------------------------------------------------------------------------


def tgw_attachments(view, provider_snapshot, tgw_id):
    """The VPC attachments of the transit gateway ``tgw_id`` as both accounts see them, merged by id: the
    gateway account's view (``view['attachments']``, every attachment on its transit gateway), completed by
    the provider account's view of its own (``provider_snapshot['transit_gateway']['attachments']``), whose
    subnets are taken when it has them (the subnets are the provider's)."""
    merged = {}
    for attachment in (view or {}).get("attachments") or []:
        if attachment.get("id"):
            merged[attachment["id"]] = dict(attachment)
    for attachment in ((provider_snapshot or {}).get("transit_gateway") or {}).get("attachments") or []:
        if not attachment.get("id") or attachment.get("transit_gateway_id") != tgw_id:
            continue
        entry = merged.setdefault(attachment["id"], dict(attachment))
        if attachment.get("subnet_ids") is not None:
            entry["subnet_ids"] = list(attachment["subnet_ids"])
    return [merged[key] for key in sorted(merged)]


def _attachment_rank(attachment):
    state = attachment.get("state")
    if state == TGW_AVAILABLE:
        order = 0
    elif state == TGW_PENDING_ACCEPTANCE:
        order = 1
    elif state in TGW_DEAD_STATES:
        order = 3
    else:
        order = 2
    return order, attachment.get("id") or ""


def choose_attachment(attachments):
    """The attachment that counts among several of one VPC: available, then waiting for acceptance, then on
    its way, and a dead one (rejected, failed, deleted...) only when there is nothing else; None for none."""
    ranked = sorted(attachments or [], key=_attachment_rank)
    return ranked[0] if ranked else None


def hub_attachment(view, attachments, vpc_a):
    """The gateway VPC's attachment (the hub): the one with the hub's Name tag, else the one of ``vpc_a``."""
    name = (view or {}).get("hub_attachment_name")
    named = [item for item in attachments if name and (item.get("tags") or {}).get("Name") == name]
    return choose_attachment(named or [item for item in attachments if vpc_a and item.get("vpc_id") == vpc_a])


def is_tgw_route(route):
    """True when a VPC route sends to a transit gateway."""
    return (route or {}).get("target_type") == TRANSIT_GATEWAY or str((route or {}).get("target") or "").startswith(
        "tgw-"
    )


def _active_peering_ids(ctx, vpc_b):
    return {peering["id"] for peering in ctx.peering_for(vpc_b)[1] if peering_active(peering)}


def routes_in_use(ctx):
    """``[(route, provider VPC)]``: the most specific routes (and the more specific ones inside them) that
    the service's traffic takes - in the route tables of the load balancer's subnets to each target, and in
    the route tables of the target subnets back to each load balancer subnet."""
    used = []
    for subnet in ctx.nlb_subnets:
        table = route_table_for_subnet(ctx.gw.get("route_tables"), subnet["id"], ctx.vpc_a)
        for target in ctx.targets:
            if table and target.get("vpc_id"):
                route, diverted = covering_route(table.get("routes"), target["ip"])
                used.extend((item, target["vpc_id"]) for item in [route] + diverted if item)
    for target in ctx.targets:
        if not target.get("subnet_id") or not target.get("vpc_id"):
            continue
        table = route_table_for_subnet(ctx.pv.get("route_tables"), target["subnet_id"], target["vpc_id"])
        for cidr in ctx.nlb_cidrs if table else []:
            route, diverted = covering_route(table.get("routes"), cidr)
            used.extend((item, target["vpc_id"]) for item in [route] + diverted if item)
    return used


def connectivity_path(ctx):
    """The connectivity the service's path is judged on: ``peering`` for a provider on its peering; for one on
    the transit gateway, ``transit_gateway`` - unless every route in use takes an active peering between the
    two VPCs and none takes a transit gateway (a move from the peering under way: longest prefix keeps the
    traffic on the peering, which is then what carries it and what is judged)."""
    if ctx.connectivity != TRANSIT_GATEWAY:
        return PEERING
    used = routes_in_use(ctx)
    via_peering = any(route.get("target") in _active_peering_ids(ctx, vpc_b) for route, vpc_b in used)
    via_tgw = any(is_tgw_route(route) for route, dummy in used)
    return PEERING if via_peering and not via_tgw else TRANSIT_GATEWAY


# ---------------------------------------------------------------------------------------------
# Hop evaluation
# ---------------------------------------------------------------------------------------------


def _hop(name, status, account, resource, detail, fix=None):
    return {
        "hop": name,
        "status": status,
        "account": account,
        "resource": resource,
        "detail": detail,
        "fix": fix if status == FAIL else None,
    }


def _name(item, fallback="?"):
    if not item:
        return fallback
    return item.get("name") or item.get("id") or item.get("arn") or fallback


class _Context:
    """Everything one service's hops look at, computed once."""

    def __init__(self, service, gateway, provider, governance=None):
        self.service = service
        # The expected governance (expected_governance's result), None without governance hops.
        self.governance = governance
        self.gateway = gateway or {}
        self.provider = provider or {}
        self.gw = self.gateway.get("snapshot") or {}
        self.pv = self.provider.get("snapshot") or {}
        self.account_a = str(self.gw.get("account_id") or self.gateway.get("account_id") or "?")
        self.account_b = str(self.pv.get("account_id") or self.provider.get("account_id") or "?")
        self.region_a = self.gw.get("region") or self.gateway.get("region")
        self.region_b = self.pv.get("region") or self.provider.get("region")
        self.resolved = resolve_service(service, self.gw, self.gateway.get("gateway_tag"))
        self.nlb = self.resolved["nlb"]
        self.tg = self.resolved["target_group"]
        self.link = self.resolved["vpc_link"]
        self.listener_port = self.resolved["listener_port"]
        # The flavour the service expects, and the load balancer its integrations name over a link v2.
        self.expected_version = expected_link_version(service)
        self.expected_target = service.get("integration_target_arn") or (self.nlb or {}).get("arn")
        # The load balancer the service expects (an NLB, or an ALB with alb-v2), what the one found is
        # called in the messages, and the private integration mode that builds the expected path.
        self.expected_type = expected_lb_type(service)
        self.lb = lb_label(self.nlb, self.expected_type)
        self.alb = self.expected_type == APPLICATION
        self.mode = "alb-v2" if self.alb else "nlb-v2"
        # The load balancer found is not of the expected type: its listeners say nothing (see nlb).
        self.type_mismatch = bool(self.nlb) and (self.nlb.get("type") or NETWORK) != self.expected_type
        self.alb_rule = None
        self.vpc_a = (self.nlb or {}).get("vpc_id") or (self.tg or {}).get("vpc_id")
        self.nlb_subnets = [
            _by(self.gw.get("subnets"), "id", subnet_id) or {"id": subnet_id, "cidr": None}
            for subnet_id in (self.nlb or {}).get("subnet_ids") or []
        ]
        self.nlb_cidrs = [subnet["cidr"] for subnet in self.nlb_subnets if subnet.get("cidr")]
        self.targets = []
        for ip in service["targets"]:
            entry = _by(self.pv.get("targets"), "ip", ip) or {"ip": ip, "eni": None, "vpc_id": None, "subnet_id": None}
            self.targets.append(entry)
        self.vpcs_b = sorted({t.get("vpc_id") for t in self.targets if t.get("vpc_id")})
        self.provider_cidrs = []
        for vpc_id in self.vpcs_b:
            for cidr in (_by(self.pv.get("vpcs"), "id", vpc_id) or {}).get("cidrs") or []:
                if cidr not in self.provider_cidrs:
                    self.provider_cidrs.append(cidr)
        self.peerings = list(self.gw.get("peerings") or []) + list(self.pv.get("peerings") or [])
        self.hops = {}
        # Connectivity (version 0.5.0): the planned mode; for a provider on the transit gateway, the transit
        # gateway the gateway account read (``tgw_view`` None when it was not read), its attachments as both
        # accounts see them, the hub and the provider's; and the path the routes in use take.
        self.connectivity = expected_connectivity(service)
        self.tgw_view = self.gw.get("transit_gateway") if self.connectivity == TRANSIT_GATEWAY else None
        self.tgw = (self.tgw_view or {}).get("transit_gateway")
        self.tgw_id = (self.tgw or {}).get("id")
        self.tgw_attachments = tgw_attachments(self.tgw_view, self.pv, self.tgw_id) if self.tgw else []
        self.hub_attachment = hub_attachment(self.tgw_view, self.tgw_attachments, self.vpc_a) if self.tgw else None
        self.spoke_attachments = {
            vpc_b: choose_attachment([item for item in self.tgw_attachments if item.get("vpc_id") == vpc_b])
            for vpc_b in self.vpcs_b
        }
        self.path = connectivity_path(self)

    def peering_for(self, vpc_b):
        candidates = peerings_between(self.peerings, self.vpc_a, vpc_b)
        return candidates[0] if candidates else None, candidates


def _check_api_route(ctx):
    svc, gw = ctx.service, ctx.gw
    api = gw.get("rest_api")
    if not api:
        return _hop(
            "api_route",
            FAIL,
            ctx.account_a,
            f"REST API {gw.get('rest_api_name') or '?'}",
            "the REST API does not exist in the gateway account",
            "publish it: run the api_publish role (multiaccount.apigateway.rest_api)",
        )
    resource_name = f"{api.get('name')} ({api.get('id')}) {svc['path']}"
    base, dummy_proxy = service_resources(gw, svc["path"])
    if not base:
        return _hop(
            "api_route",
            FAIL,
            ctx.account_a,
            resource_name,
            f"no resource {svc['path']} in the API",
            f"add the route {svc['path'].lstrip('/')} (api_publish role, multiaccount.apigateway.rest_api routes)",
        )
    if not base.get("methods"):
        return _hop(
            "api_route",
            FAIL,
            ctx.account_a,
            resource_name,
            f"resource {svc['path']} has no method",
            f"add the method (ANY) to {svc['path']} (api_publish role)",
        )
    methods = ", ".join(sorted(base["methods"]))
    return _hop("api_route", OK, ctx.account_a, resource_name, f"{svc['path']} answers {methods}")


def _integration_target_problems(ctx, where, integration, link):
    """What is wrong with the integration target (and the link flavour) of one integration."""
    problems = []
    connection_id = link.get("id")
    version = link_version(link)
    target = integration.get("integration_target")
    if version != ctx.expected_version:
        problems.append(
            f"{where}: uses the VPC link {version} {connection_id}, but the service's private integration "
            f"expects a VPC link {ctx.expected_version} (vpc_link_version; shared_gateway_private_integration)"
        )
    if version == "v2":
        nlb_name = _name(_by(ctx.gw.get("load_balancers"), "arn", ctx.expected_target), f"the service's {ctx.lb}")
        if not target:
            problems.append(
                f"{where}: no integrationTarget; over the VPC link v2 {connection_id} it must name the service's "
                f"{ctx.lb} {nlb_name} ({ctx.expected_target or 'unknown'})"
            )
        elif ctx.expected_target and target != ctx.expected_target:
            other = _by(ctx.gw.get("load_balancers"), "arn", target)
            problems.append(
                f"{where}: integrationTarget {target}{f' ({_name(other)})' if other else ''} is not the service's "
                f"{ctx.lb} {nlb_name} ({ctx.expected_target})"
            )
    elif target:
        problems.append(
            f"{where}: integrationTarget {target} over the VPC link v1 {connection_id}: only a VPC link v2 takes one"
        )
    return problems


def _alb_uri_path_problems(ctx, where, resource_path, uri):
    """An ALB routes on the request path: the integration must keep the service path (``/<path>``, and
    ``/<path>/{proxy}`` for the proxy child), or the request falls to another rule or the default action."""
    patterns = service_patterns(ctx.service["path"])
    try:
        sent = urlsplit(uri).path or "/"
    except ValueError:
        return []
    # What the ALB sees: a path parameter is replaced by a value.
    request = re.sub(r"\{[^}]*\}", "x", sent)
    if path_pattern_matches(patterns, request):
        return []
    expected = ctx.service["path"].rstrip("/") + ("/{proxy}" if resource_path.endswith("/" + PROXY_PART) else "")
    return [
        f"{where}: URI path {sent} is outside {', '.join(patterns)}: the ALB routes on the path, the request "
        f"never reaches the rule of {ctx.service['name']} (expected {expected})"
    ]


def _check_integration(ctx):
    svc, gw = ctx.service, ctx.gw
    methods = service_methods(gw, svc["path"])
    if ctx.hops["api_route"]["status"] != OK or not methods:
        return _hop("integration", SKIPPED, ctx.account_a, svc["path"], "no method to integrate (see api_route)")
    links = {link.get("id"): link for link in gw.get("vpc_links") or []}
    # HTTPS to an ALB: the URI names the host of its certificate (API Gateway verifies the certificate
    # against it; integrationTarget says where the connection goes).
    expected_dns = svc.get("integration_host") or (ctx.nlb or {}).get("dns_name")
    problems, seen, target_problems = [], [], []
    for path, name, method in methods:
        integration = method.get("integration")
        where = f"{name} {path}"
        if not integration:
            problems.append(f"{where}: no integration")
            continue
        uri = integration.get("uri")
        host, port = parse_integration_uri(uri)
        via = f"{where} -> {uri} via {integration.get('connection_id') or '-'}"
        if integration.get("integration_target"):
            via += f" (integrationTarget {integration['integration_target']})"
        seen.append(via)
        if integration.get("type") not in VPC_LINK_INTEGRATION_TYPES:
            problems.append(f"{where}: type {integration.get('type')}, expected HTTP_PROXY")
        if integration.get("connection_type") != "VPC_LINK":
            problems.append(f"{where}: connectionType {integration.get('connection_type')}, expected VPC_LINK")
            continue
        connection_id = connection_id_of(integration, gw)
        if not integration.get("connection_id"):
            problems.append(f"{where}: no connectionId")
        elif not connection_id:
            problems.append(
                f"{where}: connectionId {integration['connection_id']} names a stage variable the stage does not set"
            )
        elif connection_id not in links:
            problems.append(f"{where}: connectionId {connection_id} matches no VPC link in account {ctx.account_a}")
        else:
            target_problems.extend(_integration_target_problems(ctx, where, integration, links[connection_id]))
        if host is None:
            problems.append(f"{where}: URI {uri!r} has no host")
            continue
        if expected_dns and host != expected_dns.lower():
            what = "the host of its ALB's certificate" if svc.get("integration_host") else f"the service's {ctx.lb}"
            problems.append(f"{where}: URI host {host} is not {what} ({expected_dns})")
        if port != ctx.listener_port:
            listener_ports = sorted(
                listener.get("port")
                for listener in gw.get("listeners") or []
                if ctx.nlb and listener.get("load_balancer_arn") == ctx.nlb.get("arn")
            )
            problems.append(
                f"{where}: URI port {port} matches no listener of the service "
                f"(expected {ctx.listener_port}; {ctx.lb} listeners: {', '.join(map(str, listener_ports)) or 'none'})"
            )
        if ctx.alb:
            problems.extend(_alb_uri_path_problems(ctx, where, path, uri))
    problems.extend(target_problems)
    resource = f"{svc['path']} integration"
    if problems:
        target_url = f"http://{expected_dns or '<nlb dns>'}:{ctx.listener_port}/"
        if ctx.alb:
            scheme = "https" if svc.get("integration_host") else "http"
            target_url = f"{scheme}://{expected_dns or '<alb dns>'}:{ctx.listener_port}{svc['path']}"
        if ctx.expected_version == "v2":
            link = ctx.link if link_version(ctx.link) == "v2" else None
            link_hint = (link or {}).get("id") or svc.get("vpc_link_id") or "<vpc link v2 id>"
            placeholder = "<alb arn>" if ctx.alb else "<nlb arn>"
            fix = (
                f"point the integration at the VPC link v2 {link_hint} with integrationTarget "
                f"{ctx.expected_target or placeholder} and {target_url} (re-run the api_publish role, "
                f"shared_gateway_private_integration: {ctx.mode}), then redeploy the stage"
            )
        elif target_problems:
            link = ctx.link if ctx.link and link_version(ctx.link) == "v1" else None
            if link is None and ctx.nlb:
                link = next(
                    (item for item in gw.get("vpc_links") or [] if ctx.nlb["arn"] in (item.get("target_arns") or [])),
                    None,
                )
            link_hint = (link or {}).get("id") or svc.get("vpc_link_id") or "<vpc link v1 id>"
            fix = (
                f"point the integration at the VPC link v1 {link_hint}, without integrationTarget, and "
                f"{target_url} (re-run the api_publish role, shared_gateway_private_integration: nlb-v1), "
                "then redeploy the stage"
            )
        else:
            link_hint = ctx.link.get("id") if ctx.link else "<vpc link id>"
            fix = (
                f"point the integration at VPC link {link_hint} and {target_url} (api_publish role), "
                "then redeploy the stage"
            )
        return _hop("integration", FAIL, ctx.account_a, resource, "; ".join(problems), fix)
    return _hop("integration", OK, ctx.account_a, resource, "; ".join(seen))


def _check_stage_deployment(ctx):
    gw = ctx.gw
    stage = gw.get("stage")
    stage_name = gw.get("stage_name") or (stage or {}).get("name") or "?"
    api_id = (gw.get("rest_api") or {}).get("id")
    if not gw.get("rest_api"):
        return _hop("stage_deployment", SKIPPED, ctx.account_a, f"stage {stage_name}", "no REST API (see api_route)")
    resource = f"stage {stage_name} of {api_id}"
    redeploy = (
        f"redeploy: re-run the api_publish role (or aws apigateway create-deployment --rest-api-id {api_id} "
        f"--stage-name {stage_name})"
    )
    if not stage:
        return _hop("stage_deployment", FAIL, ctx.account_a, resource, f"stage {stage_name} does not exist", redeploy)
    deployment = gw.get("deployment")
    if not stage.get("deployment_id") or not deployment:
        return _hop("stage_deployment", FAIL, ctx.account_a, resource, "the stage has no deployment", redeploy)
    resource = f"stage {stage_name} -> deployment {deployment.get('id')}"
    deployed = deployment.get("fingerprint")
    config = gw.get("config") or {}
    current = [value for value in (config.get("fingerprint"), config.get("published_fingerprint")) if value]
    # The same with the API's authorizers and resource policy, which rest_api fingerprints when it manages them.
    current += list(config.get("governed_fingerprints") or [])
    if deployed:
        if deployed in current:
            return _hop(
                "stage_deployment",
                OK,
                ctx.account_a,
                resource,
                f"deployed configuration is current (sha256 {deployed[:12]})",
            )
        return _hop(
            "stage_deployment",
            FAIL,
            ctx.account_a,
            resource,
            f"the stage serves deployment {deployment.get('id')} made from configuration sha256 {deployed[:12]}, "
            f"the API is now sha256 {(current or ['?'])[0][:12]}: a change was not redeployed",
            redeploy,
        )
    exported = deployment.get("exported_integrations")
    if exported is not None:
        # Integration targets are compared only when the export carries them.
        with_targets = any("integration_target" in item for item in exported)
        live = {}
        for resource_item in gw.get("resources") or []:
            for name, method in (resource_item.get("methods") or {}).items():
                integration = method.get("integration") or {}
                live[f"{name} {resource_item['path']}"] = (
                    integration.get("uri"),
                    integration.get("connection_id"),
                    integration.get("type"),
                ) + ((integration.get("integration_target"),) if with_targets else ())
        deployed_map = {
            f"{item.get('http_method')} {item.get('path')}": (
                item.get("uri"),
                item.get("connection_id"),
                item.get("type"),
            )
            + ((item.get("integration_target"),) if with_targets else ())
            for item in exported
        }
        drift = sorted(key for key in set(live) | set(deployed_map) if live.get(key) != deployed_map.get(key))
        if drift:
            return _hop(
                "stage_deployment",
                FAIL,
                ctx.account_a,
                resource,
                "the deployed stage differs from the API for " + ", ".join(drift),
                redeploy,
            )
        return _hop("stage_deployment", OK, ctx.account_a, resource, "deployed integrations match the API (export)")
    return _hop(
        "stage_deployment",
        OK,
        ctx.account_a,
        resource,
        "deployed; currency not verifiable (no configuration fingerprint in the deployment description)",
    )


# A VPC link v2 turns INACTIVE after 60 days without traffic and AWS reactivates it on the next
# request: both statuses carry traffic.
V2_USABLE_STATUSES = ("AVAILABLE", "INACTIVE")


def _links_v2_read(gw):
    return "v2" in (gw.get("vpc_link_versions") or []) or any(
        link_version(link) == "v2" for link in gw.get("vpc_links") or []
    )


def _check_vpc_link_v2(ctx, link):
    """A VPC link v2: usable, in subnets of the load balancer's VPC, allowed to reach its listener port."""
    nlb, gw, port = ctx.nlb, ctx.gw, ctx.listener_port
    resource = f"VPC link v2 {link.get('name')} ({link.get('id')})"
    lb = ctx.lb
    recreate = (
        "create the VPC link v2 again in the gateway subnets with its security group (shared_gateway role, "
        f"shared_gateway_private_integration: {ctx.mode}; AWS cannot change a link's subnets or groups), then "
        "re-run the api_publish role"
    )
    problems, fixes, fine = [], [], []

    status = link.get("status")
    if status in V2_USABLE_STATUSES:
        fine.append(status + (" (AWS reactivates it on the next request)" if status == "INACTIVE" else ""))
    else:
        message = f": {link.get('status_message')}" if link.get("status_message") else ""
        problems.append(f"status {status}{message}")
        fixes.append(
            "wait until it is AVAILABLE (it can take minutes), then re-run verify" if status == "PENDING" else recreate
        )

    # Subnets: the link's network interfaces must be in the load balancer's VPC.
    vpc_id = (nlb or {}).get("vpc_id")
    link_subnets = list(link.get("subnet_ids") or [])
    vpc_subnets = {subnet.get("id") for subnet in gw.get("subnets") or [] if vpc_id and subnet.get("vpc_id") == vpc_id}
    if not link_subnets:
        problems.append("no subnet")
        fixes.append(recreate)
    elif not nlb:
        fine.append(f"subnets not judged: no {lb} (see nlb)")
    elif not vpc_subnets:
        fine.append(f"subnets {', '.join(link_subnets)} not judged: the snapshot has no subnet of {vpc_id}")
    else:
        outside = [subnet_id for subnet_id in link_subnets if subnet_id not in vpc_subnets]
        if outside:
            problems.append(f"subnet(s) {', '.join(outside)} not in the {lb}'s VPC {vpc_id}")
            fixes.append(
                f"create the VPC link v2 again in subnets of {vpc_id} (the {lb}'s: "
                f"{', '.join(nlb.get('subnet_ids') or []) or 'the gateway subnets'}; AWS cannot move a link) "
                "with the shared_gateway role, then re-run the api_publish role"
            )
        else:
            fine.append(f"subnets {', '.join(link_subnets)} in {vpc_id}")

    # Security groups: at least one, and together they let the link reach the load balancer's subnets on the port.
    group_ids = list(link.get("security_group_ids") or [])
    groups = [_by(gw.get("security_groups"), "id", group_id) for group_id in group_ids]
    gone = [group_id for group_id, group in zip(group_ids, groups) if group is None]
    if not group_ids:
        problems.append(
            "no security group (AWS then gives the link the VPC's default group, which this collection neither "
            "manages nor judges)"
        )
        fixes.append(recreate)
    elif gone:
        problems.append(f"security group(s) {', '.join(gone)} not found in account {ctx.account_a}")
        fixes.append(recreate)
    vpc_cidrs = (_by(gw.get("vpcs"), "id", vpc_id) or {}).get("cidrs") or []
    destinations = list(ctx.nlb_cidrs) or list(vpc_cidrs)
    if not group_ids or len(gone) == len(group_ids):
        pass  # already a problem; nothing to judge the egress on
    elif not nlb:
        fine.append(f"egress not judged: no {lb} (see nlb)")
    elif not destinations:
        fine.append(f"egress not judged: the {lb}'s subnets are unknown")
    else:
        present = [group for group in groups if group]
        dummy, missing, how = sg_admission(present, port, destinations, lb_security_group_ids(nlb), direction="egress")
        if missing:
            problems.append(
                f"{', '.join(group_ids)} {'allow' if len(group_ids) > 1 else 'allows'} no egress tcp/{port} to "
                f"{', '.join(missing)} (the {lb}'s subnets)"
            )
            fixes.append(
                f"authorize egress tcp/{port} to {', '.join(vpc_cidrs or missing)} on {group_ids[0]} (the link's "
                "security group: shared_gateway role)"
            )
        else:
            fine.append(f"egress tcp/{port} to " + "; ".join(f"{cidr} ({how[cidr]})" for cidr in destinations))
    return _v2_link_hop(ctx, resource, problems, fixes, fine)


def _v2_link_hop(ctx, resource, problems, fixes, fine):
    if problems:
        unique = []
        for fix in fixes:
            if fix not in unique:
                unique.append(fix)
        return _hop("vpc_link", FAIL, ctx.account_a, resource, "; ".join(problems), "; ".join(unique))
    return _hop("vpc_link", OK, ctx.account_a, resource, ", ".join(fine))


def _check_vpc_link(ctx):
    link, nlb = ctx.link, ctx.nlb
    if not link and ctx.expected_version == "v2":
        wanted = ctx.service.get("vpc_link_id")
        if not _links_v2_read(ctx.gw):
            return _hop(
                "vpc_link",
                SKIPPED,
                ctx.account_a,
                f"VPC link v2 {wanted or ''}".rstrip(),
                "VPC links v2 were not read: no integration uses one (see integration)",
            )
        return _hop(
            "vpc_link",
            FAIL,
            ctx.account_a,
            f"VPC link v2 {wanted or ''}".rstrip(),
            f"no VPC link v2 {wanted + ' ' if wanted else ''}in account {ctx.account_a} "
            f"(published state, tag {GATEWAY_TAG})",
            f"create it: shared_gateway role (shared_gateway_private_integration: {ctx.mode}), then re-run the "
            "api_publish role",
        )
    if link and link_version(link) == "v2":
        return _check_vpc_link_v2(ctx, link)
    if not link:
        return _hop(
            "vpc_link",
            FAIL,
            ctx.account_a,
            "VPC link",
            f"no VPC link targets the service's NLB {_name(nlb)}",
            "create one: shared_gateway role (multiaccount.apigateway.vpc_link with target_arns: [<nlb arn>])",
        )
    resource = f"VPC link {link.get('name')} ({link.get('id')})"
    problems = []
    if link.get("status") != "AVAILABLE":
        message = f": {link.get('status_message')}" if link.get("status_message") else ""
        problems.append(f"status {link.get('status')}{message}")
    targets = link.get("target_arns") or []
    if nlb and targets != [nlb.get("arn")]:
        problems.append(
            f"targets {', '.join(targets) or 'nothing'}, not the service's NLB {nlb.get('name')} ({nlb.get('arn')})"
        )
    if problems:
        if link.get("status") in ("PENDING", "DELETING"):
            fix = "wait until it is AVAILABLE (it can take minutes), then re-run verify"
        else:
            fix = (
                f"create a VPC link to {nlb.get('arn') if nlb else 'the NLB'} (multiaccount.apigateway.vpc_link, "
                "replace_on_change: true), point the integrations at it and redeploy"
            )
        return _hop("vpc_link", FAIL, ctx.account_a, resource, "; ".join(problems), fix)
    return _hop("vpc_link", OK, ctx.account_a, resource, f"AVAILABLE, targets {_name(nlb)}")


def _check_alb_security_group(ctx):
    """alb-v2: the ALB's security groups admit the VPC link v2 on the listener port (a rule naming the
    link's security group, or the CIDRs of the link's subnets) and let the ALB reach the targets."""
    alb, gw, port, svc = ctx.nlb, ctx.gw, ctx.listener_port, ctx.service
    if not alb:
        return _hop("alb_security_group", SKIPPED, ctx.account_a, "security groups of the ALB", "no ALB (see nlb)")
    if ctx.type_mismatch:
        return _hop(
            "alb_security_group",
            SKIPPED,
            ctx.account_a,
            f"security groups of {alb.get('name')}",
            f"{alb.get('name')} is not an application load balancer (see nlb)",
        )
    group_ids = lb_security_group_ids(alb)
    resource = f"security group(s) {', '.join(group_ids) or '-'} of ALB {alb.get('name')}"
    fix_role = f"shared_gateway role, shared_gateway_private_integration: {ctx.mode}"
    if not group_ids:
        return _hop(
            "alb_security_group",
            FAIL,
            ctx.account_a,
            resource,
            "the ALB has no security group",
            f"give the ALB its security group (the one named <gateway>-gateway-alb: {fix_role})",
        )
    groups = [_by(gw.get("security_groups"), "id", group_id) for group_id in group_ids]
    gone = [group_id for group_id, group in zip(group_ids, groups) if group is None]
    if len(gone) == len(group_ids):
        return _hop(
            "alb_security_group",
            FAIL,
            ctx.account_a,
            resource,
            f"security group(s) {', '.join(gone)} not found in account {ctx.account_a}",
            f"create the ALB's security group again and attach it ({fix_role})",
        )
    present = [group for group in groups if group]
    problems, fixes, fine = [], [], []
    if gone:
        fine.append(f"{', '.join(gone)} not found (the others are judged)")

    # Ingress: from the link's security groups (a rule naming one of them) or from the link's subnets.
    link = ctx.link if ctx.link and link_version(ctx.link) == "v2" else None
    if link is None:
        fine.append("ingress not judged: no VPC link v2 (see vpc_link)")
    else:
        link_groups = list(link.get("security_group_ids") or [])
        link_cidrs = [
            (_by(gw.get("subnets"), "id", subnet_id) or {}).get("cidr") for subnet_id in link.get("subnet_ids") or []
        ]
        link_cidrs = [cidr for cidr in link_cidrs if cidr]
        by_group = sorted(
            {
                f"{group.get('id')} <- {pair.get('group_id')}"
                for group in present
                for rule in group.get("ingress") or []
                if rule_admits_port(rule, port)
                for pair in rule.get("group_pairs") or []
                if pair.get("group_id") in link_groups
            }
        )
        if by_group:
            fine.append(f"ingress tcp/{port} from the link's group ({', '.join(by_group)})")
        else:
            dummy, missing, how = sg_admission(present, port, link_cidrs)
            if link_cidrs and not missing:
                fine.append(f"ingress tcp/{port} from " + "; ".join(f"{cidr} ({how[cidr]})" for cidr in link_cidrs))
            else:
                sources = ", ".join(link_groups) or "no group"
                unadmitted = f" nor from {', '.join(missing)} (its subnets)" if missing else ""
                problems.append(
                    f"{', '.join(group_ids)} {'admit' if len(group_ids) > 1 else 'admits'} no tcp/{port} from the "
                    f"VPC link v2 {link.get('id')}: not from its security group(s) {sources}{unadmitted}"
                )
                fixes.append(
                    f"authorize ingress tcp/{port} from {link_groups[0] if link_groups else 'the link security group'}"
                    f" (the VPC link v2's security group) on {group_ids[0]} ({fix_role})"
                )

    # Egress: the ALB opens the connections to the targets (an ALB group without egress rules blocks them).
    destinations = [f"{ip}/32" for ip in svc["targets"]]
    if not destinations:
        fine.append("egress not judged: no target")
    elif any("egress" not in group for group in present):
        fine.append("egress not judged: the snapshot has no egress rules")
    else:
        dummy, missing, how = sg_admission(present, svc["port"], destinations, direction="egress")
        if missing:
            ips = ", ".join(cidr.split("/")[0] for cidr in missing)
            problems.append(
                f"{', '.join(group_ids)} {'allow' if len(group_ids) > 1 else 'allows'} no egress tcp/{svc['port']} "
                f"to {ips} (the targets of {svc['name']})"
            )
            fixes.append(
                f"authorize egress tcp/{svc['port']} to {', '.join(ctx.provider_cidrs) or ips} on {group_ids[0]} "
                f"(the ALB's security group: {fix_role})"
            )
        else:
            fine.append(
                f"egress tcp/{svc['port']} to "
                + "; ".join(f"{cidr.split('/')[0]} ({how[cidr]})" for cidr in destinations)
            )
    if problems:
        return _hop("alb_security_group", FAIL, ctx.account_a, resource, "; ".join(problems), "; ".join(fixes))
    return _hop("alb_security_group", OK, ctx.account_a, resource, ", ".join(fine))


def _check_nlb(ctx):
    nlb, label = ctx.nlb, ctx.lb
    if not nlb:
        return _hop(
            "nlb",
            FAIL,
            ctx.account_a,
            label,
            f"no internal {label} found for {ctx.service['name']} (published state, tags, target group)",
            "create it: run the shared_gateway role"
            + (f" (shared_gateway_private_integration: {ctx.mode})" if ctx.alb else ""),
        )
    resource = f"{label} {nlb.get('name')} ({nlb.get('arn')})"
    problems = []
    if nlb.get("type") != ctx.expected_type:
        problems.append(f"type {nlb.get('type')}, expected {ctx.expected_type}")
    if nlb.get("scheme") != "internal":
        problems.append(f"scheme {nlb.get('scheme')}, expected internal")
    if nlb.get("state") != "active":
        reason = f" ({nlb.get('state_reason')})" if nlb.get("state_reason") else ""
        problems.append(f"state {nlb.get('state')}{reason}")
    subnets = nlb.get("subnet_ids") or []
    if ctx.alb and nlb.get("type") == APPLICATION and len(subnets) < 2:
        problems.append(
            f"in {len(subnets)} subnet(s) ({', '.join(subnets) or 'none'}), an ALB needs at least two (in two "
            "availability zones)"
        )
    if problems:
        if ctx.alb:
            fix = (
                "wait for provisioning, or recreate it as an internal application load balancer in at least two "
                f"gateway subnets (shared_gateway role, shared_gateway_private_integration: {ctx.mode})"
            )
        else:
            fix = "wait for provisioning, or recreate it as an internal network load balancer (shared_gateway role)"
        return _hop("nlb", FAIL, ctx.account_a, resource, "; ".join(problems), fix)
    if ctx.alb:
        return _hop(
            "nlb", OK, ctx.account_a, resource, f"internal, active, {len(subnets)} subnets, {nlb.get('dns_name')}"
        )
    return _hop("nlb", OK, ctx.account_a, resource, f"internal, active, {nlb.get('dns_name')}")


def _listener_on(gw, balancer, port):
    """The listener of ``balancer`` on ``port`` in the gateway snapshot (the last one read), or None."""
    listener = None
    for item in gw.get("listeners") or []:
        if item.get("load_balancer_arn") == balancer.get("arn") and item.get("port") == port:
            listener = item
    return listener


def _check_listener(ctx):
    nlb, tg = ctx.nlb, ctx.tg
    port = ctx.listener_port
    if not nlb:
        return _hop("listener", SKIPPED, ctx.account_a, f"listener :{port}", f"no {ctx.lb} (see nlb)")
    if ctx.type_mismatch:
        return _hop(
            "listener",
            SKIPPED,
            ctx.account_a,
            f"listener :{port} on {nlb.get('name')}",
            f"{nlb.get('name')} is a {nlb.get('type')} load balancer, the service expects an "
            f"{'ALB' if ctx.alb else 'NLB'} (see nlb)",
        )
    if ctx.alb:
        return _check_alb_listener(ctx)
    resource = f"listener :{port} on {nlb.get('name')}"
    listener = _listener_on(ctx.gw, nlb, port)
    if not listener:
        return _hop(
            "listener",
            FAIL,
            ctx.account_a,
            resource,
            f"no listener on port {port}",
            f"add a TCP listener on {port} forwarding to {_name(tg, 'the service target group')} (shared_gateway role)",
        )
    forwards = listener.get("target_group_arns") or []
    if tg and tg.get("arn") not in forwards:
        names = [_name(_by(ctx.gw.get("target_groups"), "arn", arn), arn) for arn in forwards]
        return _hop(
            "listener",
            FAIL,
            ctx.account_a,
            resource,
            f"forwards to {', '.join(names) or 'nothing'}, not {_name(tg)}",
            f"modify the listener's default action to forward to {tg.get('arn')} (shared_gateway role)",
        )
    if not tg and not forwards:
        return _hop(
            "listener", FAIL, ctx.account_a, resource, "forwards to nothing", "forward it to the service target group"
        )
    return _hop("listener", OK, ctx.account_a, resource, f"{listener.get('protocol')}:{port} -> {_name(tg)}")


def _forwards_to(rule, tg):
    """True when the rule's action forwards (only) to the service's target group (to one, without it)."""
    arns = rule.get("target_group_arns") or []
    if rule.get("action_type") not in (None, "forward") or not arns:
        return False
    return arns == [tg["arn"]] if tg else True


def _shown(samples, base):
    """Request paths as the service's patterns: ``/<path>`` and ``/<path>/*``."""
    shown = []
    for sample in samples:
        text = base if sample == base else base.rstrip("/") + "/*"
        if text not in shown:
            shown.append(text)
    return ", ".join(shown)


def _check_alb_listener(ctx):
    """alb-v2: the listener on the listener port (HTTP or HTTPS) sends the service's path to its target group
    through a rule: ``/<path>`` and ``/<path>/*``, forwarding to the target group, not taken first by a rule
    of lower priority number."""
    alb, tg, svc, port = ctx.nlb, ctx.tg, ctx.service, ctx.listener_port
    gw = ctx.gw
    resource = f"listener :{port} on ALB {alb.get('name')}"
    patterns = service_patterns(svc["path"])
    base = patterns[0]
    tg_name = _name(tg, "the service target group")
    tg_arn = (tg or {}).get("arn") or "<target group arn>"
    fix_role = f"shared_gateway role, shared_gateway_private_integration: {ctx.mode}"
    add_rule = (
        f"add a rule to the listener {port} of {alb.get('name')}: path-pattern {', '.join(patterns)}, forward to "
        f"{tg_arn}, with a lower priority number than any rule whose patterns take the path ({fix_role})"
    )
    listener = _listener_on(gw, alb, port)
    if not listener:
        return _hop(
            "listener",
            FAIL,
            ctx.account_a,
            resource,
            f"no listener on port {port}",
            f"add an HTTP listener on {port} (default action fixed-response 404) with a rule forwarding "
            f"{', '.join(patterns)} to {tg_name} ({fix_role})",
        )
    protocol = listener.get("protocol")
    resource = f"listener {protocol}:{port} on ALB {alb.get('name')}"
    if protocol not in HTTP_PROTOCOLS:
        return _hop(
            "listener",
            FAIL,
            ctx.account_a,
            resource,
            f"protocol {protocol}, an ALB listener routes paths over HTTP or HTTPS",
            f"recreate the listener on {port} as HTTP (or HTTPS with a certificate) ({fix_role})",
        )
    claims = rule_claims(listener, svc["path"])
    own = [
        rule
        for rule in listener.get("rules") or []
        if not rule.get("is_default") and set(patterns) <= set(rule.get("path_patterns") or [])
    ]
    own_rule = own[0] if own else None
    wrong = {}
    for sample, rule in claims.items():
        if not _forwards_to(rule, tg):
            wrong.setdefault(id(rule), (rule, []))[1].append(sample)
    if not wrong:
        rules = list({id(rule): rule for rule in claims.values()}.values())
        ctx.alb_rule = rules[0] if len(rules) == 1 else (own_rule or rules[0])
        extra = [rule for rule in rules if rule.get("other_conditions")]
        if extra:
            rule = extra[0]
            return _hop(
                "listener",
                FAIL,
                ctx.account_a,
                resource,
                f"{rule_label(rule)} forwards to {tg_name} only when {', '.join(rule['other_conditions'])} also "
                "match: the other requests get the next rule or the default action",
                f"keep only the path-pattern condition on {rule_label(rule)} ({fix_role})",
            )
        via = "; ".join(rule_label(rule) for rule in rules)
        return _hop(
            "listener",
            OK,
            ctx.account_a,
            resource,
            f"{protocol}:{port} {', '.join(patterns)} -> {tg_name} by {via}",
        )
    ctx.alb_rule = own_rule
    problems, fixes = [], []
    for rule, samples in wrong.values():
        paths = _shown(samples, base)
        targets = [_name(_by(gw.get("target_groups"), "arn", arn), arn) for arn in rule.get("target_group_arns") or []]
        answer = (
            f"forwards to {', '.join(targets)}"
            if rule.get("action_type") in (None, "forward") and targets
            else f"answers with its {rule.get('action_type') or 'no'} action"
        )
        if rule.get("is_default"):
            where = f", {rule_label(own_rule)} forwards elsewhere" if own_rule else ""
            problems.append(
                f"no rule forwards {paths} to {tg_name}{where}: {rule_label(rule)} {answer} (listener default action "
                f"{listener.get('default_action_type') or '?'})"
            )
            fixes.append(add_rule)
        elif set(patterns) <= set(rule.get("path_patterns") or []):
            problems.append(f"{rule_label(rule)}, the rule of {svc['name']}, {answer}, not {tg_name}")
            fixes.append(f"modify rule {rule.get('priority')} to forward to {tg_arn} ({fix_role})")
        else:
            later = (
                f"before {rule_label(own_rule)} of {svc['name']}"
                if own_rule
                else f"and {svc['name']} has no rule of its own"
            )
            problems.append(
                f"{rule_label(rule)} takes {paths} first (priority {rule.get('priority')}) {later}: it {answer}"
            )
            fixes.append(
                (
                    f"give rule {own_rule.get('priority')} of {svc['name']} a lower priority number than rule "
                    f"{rule.get('priority')} (deeper paths first: {fix_role})"
                )
                if own_rule
                else add_rule
            )
    unique = []
    for fix in fixes:
        if fix not in unique:
            unique.append(fix)
    return _hop("listener", FAIL, ctx.account_a, resource, "; ".join(problems), "; ".join(unique))


def _check_target_group(ctx):
    tg, svc = ctx.tg, ctx.service
    if not tg:
        return _hop(
            "target_group",
            FAIL,
            ctx.account_a,
            "target group",
            f"no target group for {svc['name']} (published state, tag {SERVICE_TAG}, registered IPs)",
            "create it: run the shared_gateway role",
        )
    resource = f"target group {tg.get('name')} ({tg.get('arn')})"
    problems = []
    if tg.get("target_type") != "ip":
        problems.append(f"target type {tg.get('target_type')}, expected ip")
    wanted = set(svc["targets"])
    ports = sorted({t.get("port") for t in tg.get("targets") or [] if t.get("ip") in wanted and t.get("port")})
    if ports and ports != [svc["port"]]:
        wrong = ", ".join(str(p) for p in ports if p != svc["port"])
        problems.append(f"sends to port {wrong}, but {svc['name']} listens on {svc['port']}")
    elif not ports and tg.get("port") != svc["port"]:
        problems.append(f"port {tg.get('port')}, but {svc['name']} listens on {svc['port']}")
    fix = (
        f"register the targets on port {svc['port']} (multiaccount.apigateway.nlb_ip_targets with port: "
        f"{svc['port']}), or recreate the target group with type ip and port {svc['port']}"
    )
    if ctx.alb:
        return _check_alb_target_group(ctx, resource, problems, fix)
    if problems:
        return _hop("target_group", FAIL, ctx.account_a, resource, "; ".join(problems), fix)
    return _hop("target_group", OK, ctx.account_a, resource, f"type ip, port {svc['port']}")


def _check_alb_target_group(ctx, resource, problems, fix):
    """alb-v2: an HTTP(S) target group whose health check is HTTP(S) with the service's path and matcher."""
    tg, svc = ctx.tg, ctx.service
    fixes = [fix] if problems else []
    recreate = []
    if tg.get("protocol") not in HTTP_PROTOCOLS:
        problems.append(f"protocol {tg.get('protocol')}, an ALB target group is HTTP or HTTPS")
        recreate.append("protocol HTTP")
    check = tg.get("health_check") or {}
    wanted = svc.get("health_check") or {}
    fine = [f"{tg.get('protocol')}, type ip, port {svc['port']}"]
    if check:
        modify = []
        if check.get("protocol") not in HTTP_PROTOCOLS:
            problems.append(f"health check protocol {check.get('protocol')}, expected HTTP")
            modify.append("protocol HTTP")
        if wanted.get("path") and check.get("path") != wanted["path"]:
            problems.append(f"health check path {check.get('path')}, expected {wanted['path']}")
            modify.append(f"path {wanted['path']}")
        if wanted.get("matcher") and str(check.get("matcher") or "").replace(" ", "") != str(wanted["matcher"]).replace(
            " ", ""
        ):
            problems.append(f"health check matcher {check.get('matcher')}, expected {wanted['matcher']}")
            modify.append(f"matcher {wanted['matcher']}")
        if modify:
            fixes.append(
                f"set the health check of {tg.get('name')} to {', '.join(modify)} (health_check of {svc['name']} in "
                f"provider_vpc_services; shared_gateway role, shared_gateway_private_integration: {ctx.mode})"
            )
        fine.append(f"health check {check.get('protocol')} {check.get('path')} {check.get('matcher')}")
    if recreate:
        fixes.append(
            f"recreate the target group as HTTP, type ip, port {svc['port']} (shared_gateway role, "
            f"shared_gateway_private_integration: {ctx.mode})"
        )
    if problems:
        return _hop("target_group", FAIL, ctx.account_a, resource, "; ".join(problems), "; ".join(fixes))
    return _hop("target_group", OK, ctx.account_a, resource, ", ".join(fine))


def _check_target(ctx):
    tg, svc = ctx.tg, ctx.service
    if not tg:
        return _hop("target", SKIPPED, ctx.account_a, "targets", "no target group (see target_group)")
    resource = f"targets of {tg.get('name')}"
    vpc_cidrs = []
    vpc = _by(ctx.gw.get("vpcs"), "id", tg.get("vpc_id"))
    if vpc:
        vpc_cidrs = vpc.get("cidrs") or []
    registered = tg.get("targets") or []
    problems, fine = [], []
    for ip in svc["targets"]:
        entries = [t for t in registered if t.get("ip") == ip]
        if not entries:
            problems.append(f"{ip} is not registered")
            continue
        outside = vpc_cidrs and not any(ipaddress.ip_address(ip) in ipaddress.ip_network(c) for c in vpc_cidrs)
        for entry in entries:
            zone = entry.get("availability_zone")
            if outside and zone != "all":
                problems.append(
                    f"{ip}:{entry.get('port')} has availability zone {zone or 'unset'}, IPs outside the VPC need all"
                )
            else:
                health = entry.get("health_state")
                fine.append(f"{ip}:{entry.get('port')} az {zone or '-'}" + (f" ({health})" if health else ""))
    strays = sorted({t.get("ip") for t in registered} - set(svc["targets"]))
    for ip in strays:
        problems.append(f"{ip} is registered but is not a target of {svc['name']}")
    # Not whose reading of the targets this is (the converge's or the verifier's, see gateway_path_info's
    # target_health): which one it is depends on how long the run took, and the report must be the same for
    # the same paths, or a no-op would rewrite it (changed). resolved.targets_read_by says it.
    if problems:
        return _hop(
            "target",
            FAIL,
            ctx.account_a,
            resource,
            "; ".join(problems),
            f"register {', '.join(svc['targets'])} with availability_zone all and purge the others "
            "(multiaccount.apigateway.nlb_ip_targets, purge_targets: true)",
        )
    return _hop("target", OK, ctx.account_a, resource, "; ".join(fine))


def _check_peering(ctx):
    hop = _peering_verdict(ctx)
    if ctx.connectivity == TRANSIT_GATEWAY:
        # A provider on the transit gateway whose routes in use all take its peering (see connectivity_path).
        hop["detail"] += (
            "; the provider's connectivity is transit_gateway, but the routes in use take this peering (more "
            "specific than any route to the transit gateway), so the peering is what carries the traffic"
        )
    return hop


def _peering_verdict(ctx):
    accounts = f"{ctx.account_a} <-> {ctx.account_b}"
    if not ctx.vpc_a or not ctx.vpcs_b:
        missing = "the gateway VPC (no NLB or target group)" if not ctx.vpc_a else "the provider VPC of the targets"
        return _hop("peering", SKIPPED, accounts, "VPC peering", f"cannot tell which VPCs to pair: unknown {missing}")
    problems, fine, resources = [], [], []
    for vpc_b in ctx.vpcs_b:
        peering, candidates = ctx.peering_for(vpc_b)
        if not peering:
            problems.append(f"no peering between {ctx.vpc_a} ({ctx.account_a}) and {vpc_b} ({ctx.account_b})")
            resources.append(f"{ctx.vpc_a} <-> {vpc_b}")
            continue
        resources.append(peering["id"])
        if peering_active(peering):
            fine.append(f"{peering['id']} active ({ctx.vpc_a} <-> {vpc_b})")
        else:
            codes = ", ".join(sorted({code for code in peering.get("views") or [] if code}))
            problems.append(f"{peering['id']} is {codes}, not active")
    resource = ", ".join(resources)
    if problems:
        pending = any("pending-acceptance" in problem for problem in problems)
        fix = (
            f"accept it in account {ctx.account_b} (peering_accept role)"
            if pending
            else f"request a new peering from account {ctx.account_a} (shared_gateway role), accept it in "
            f"{ctx.account_b} (peering_accept role); both roles then move the routes to it"
        )
        return _hop("peering", FAIL, accounts, resource, "; ".join(problems), fix)
    return _hop("peering", OK, accounts, resource, "; ".join(fine))


class _Verdict:
    """Problems with their fixes (each fix once) and what is fine, collected by a hop with many checks."""

    def __init__(self):
        self.problems, self.fixes, self.fine = [], [], []

    def fail(self, problem, fix):
        self.problems.append(problem)
        if fix not in self.fixes:
            self.fixes.append(fix)

    def ok(self, text):
        self.fine.append(text)


def _link(table, kind, attachment_id):
    """The association or propagation (``kind``) of an attachment in a transit gateway route table, or None."""
    for link in (table or {}).get(kind) or []:
        if attachment_id and link.get("attachment_id") == attachment_id:
            return link
    return None


def _table_label(view, role):
    table = ((view or {}).get("route_tables") or {}).get(role)
    name = ((view or {}).get("route_table_names") or {}).get(role) or (table or {}).get("name") or "?"
    return f"{role} route table {name}" + (f" ({table['id']})" if table and table.get("id") else "")


def _zones(subnets, subnet_ids):
    """``{subnet id: AZ}`` of the subnets among ``subnets`` (the ones whose AZ is known)."""
    return {
        subnet["id"]: subnet.get("availability_zone")
        for subnet in subnets or []
        if subnet.get("id") in set(subnet_ids or []) and subnet.get("availability_zone")
    }


def _judge_tgw_hub(ctx, verdict, hub_rt, spokes_rt):
    """The gateway VPC's attachment: there, available, in every AZ of the load balancer's subnets, associated
    with the hub route table and propagating into the spokes route table."""
    view, hub = ctx.tgw_view, ctx.hub_attachment
    if hub is None:
        verdict.fail(
            f"no attachment of the gateway VPC {ctx.vpc_a} ({view.get('hub_attachment_name') or 'the hub'}) to "
            f"{ctx.tgw_id}",
            f"attach the gateway VPC to {ctx.tgw_id}: {TGW_PLAY}",
        )
        return
    label = f"hub {hub['id']} ({hub.get('vpc_id')})"
    if hub.get("state") != TGW_AVAILABLE:
        verdict.fail(f"{label} is {hub.get('state')}, not available", f"attach the gateway VPC again: {TGW_PLAY}")
    else:
        verdict.ok(f"{label} available")
    if hub.get("subnet_ids") is not None:
        covered = set(_zones(ctx.gw.get("subnets"), hub["subnet_ids"]).values())
        needed = _zones(ctx.gw.get("subnets"), [subnet["id"] for subnet in ctx.nlb_subnets])
        missing = sorted({zone for zone in needed.values() if zone not in covered})
        if missing:
            verdict.fail(
                f"{label} has no subnet in {', '.join(missing)}, where the {ctx.lb} has subnets: the {ctx.lb} "
                "cannot reach the transit gateway from there",
                f"give the hub attachment a subnet in {', '.join(missing)}: {TGW_PLAY}",
            )
    hub_name = view["route_table_names"].get("hub")
    spokes_name = view["route_table_names"].get("spokes")
    if hub_rt:
        link = _link(hub_rt, "associations", hub["id"])
        if (link or {}).get("state") != "associated":
            verdict.fail(
                f"{label} is {(link or {}).get('state') or 'not associated'} with the {_table_label(view, 'hub')}",
                f"associate the hub attachment with {hub_name}: {TGW_PLAY}",
            )
    if spokes_rt:
        link = _link(spokes_rt, "propagations", hub["id"])
        if (link or {}).get("state") != "enabled":
            verdict.fail(
                f"{label} does not propagate into the {_table_label(view, 'spokes')}: the providers have no route "
                "back to the gateway VPC",
                f"enable the propagation of the hub attachment into {spokes_name}: {TGW_PLAY}",
            )


def _judge_tgw_spoke(ctx, verdict, vpc_b, hub_rt, spokes_rt):
    """The provider's attachment of ``vpc_b``: there, available, in every AZ of the target subnets, associated
    with the spokes route table, propagating into the hub route table and not into the spokes route table,
    and the hub route table sends the targets to it."""
    view = ctx.tgw_view
    if ctx.region_a and ctx.region_b and ctx.region_a != ctx.region_b:
        verdict.fail(
            f"the provider VPC is in {ctx.region_b}, the transit gateway in {ctx.region_a}: a VPC attachment cannot "
            "cross regions",
            f"reach {ctx.provider.get('name') or 'the provider'} over a peering (connectivity peering), or its VPC "
            f"in {ctx.region_a}",
        )
    attachment = ctx.spoke_attachments.get(vpc_b)
    if attachment is None or attachment.get("state") in TGW_DEAD_STATES:
        problem = (
            f"no attachment of {vpc_b} (account {ctx.account_b}) to {ctx.tgw_id}"
            if attachment is None
            else f"the attachment {attachment['id']} of {vpc_b} is {attachment.get('state')}"
        )
        side = ctx.pv.get("transit_gateway") or {}
        elsewhere = sorted(
            {
                item.get("transit_gateway_id")
                for item in side.get("attachments") or []
                if item.get("vpc_id") == vpc_b
                and item.get("transit_gateway_id") != ctx.tgw_id
                and item.get("state") not in TGW_DEAD_STATES
            }
        )
        if elsewhere:
            problem += f" ({vpc_b} is attached to {', '.join(elsewhere)} instead)"
        pending = [
            item
            for item in side.get("invitations") or []
            if item.get("status") == "PENDING" and item.get("sender_account_id") == ctx.account_a
        ]
        fix = f"attach {vpc_b} to {ctx.tgw_id}, one subnet in each AZ of the target subnets: {ATTACHMENT_PLAY}"
        if pending:
            shares = ", ".join(sorted({str(item.get("share_name") or item.get("share_arn")) for item in pending}))
            problem += f"; the RAM invitation to the share {shares} from account {ctx.account_a} is PENDING"
            fix = f"accept the RAM invitation and {fix}"
        verdict.fail(problem, fix)
        return None
    label = f"{attachment['id']} ({vpc_b})"
    state = attachment.get("state")
    if state == TGW_PENDING_ACCEPTANCE:
        verdict.fail(f"{label} is pendingAcceptance", f"the gateway accepts it: {TGW_PLAY}")
    elif state != TGW_AVAILABLE:
        verdict.fail(
            f"{label} is {state}, not available yet",
            f"wait until it is available (minutes), then verify again; {ATTACHMENT_PLAY} waits for it",
        )
    else:
        verdict.ok(f"{label} available")

    # One subnet per AZ: a target in an AZ where the attachment has no subnet cannot answer through it.
    subnets = ctx.pv.get("subnets")
    if attachment.get("subnet_ids") is not None:
        covered = set(_zones(subnets, attachment["subnet_ids"]).values())
        for target in ctx.targets:
            if target.get("vpc_id") != vpc_b or not target.get("subnet_id"):
                continue
            zone = _zones(subnets, [target["subnet_id"]]).get(target["subnet_id"])
            if zone and zone not in covered:
                verdict.fail(
                    f"{target['ip']} is in {zone} ({target['subnet_id']}), where {label} has no subnet: it cannot "
                    "answer through the transit gateway",
                    f"give {attachment['id']} a subnet in {zone} (one subnet in each AZ of the target subnets): "
                    f"{ATTACHMENT_PLAY}",
                )

    hub_name = view["route_table_names"].get("hub")
    spokes_name = view["route_table_names"].get("spokes")
    if spokes_rt:
        link = _link(spokes_rt, "associations", attachment["id"])
        if (link or {}).get("state") != "associated":
            instead = _link(hub_rt, "associations", attachment["id"])
            verdict.fail(
                f"{label} is {(link or {}).get('state') or 'not associated'} with the {_table_label(view, 'spokes')}"
                + (f" (it is associated with the {_table_label(view, 'hub')})" if instead else ""),
                f"associate {attachment['id']} with {spokes_name}: {TGW_PLAY}",
            )
    if hub_rt:
        link = _link(hub_rt, "propagations", attachment["id"])
        if (link or {}).get("state") != "enabled":
            verdict.fail(
                f"{label} does not propagate into the {_table_label(view, 'hub')}",
                f"enable the propagation of {attachment['id']} into {hub_name}: {TGW_PLAY}",
            )
        for target in ctx.targets:
            if target.get("vpc_id") != vpc_b:
                continue
            route, dummy = covering_route(hub_rt.get("routes"), target["ip"])
            fix = f"enable the propagation of {attachment['id']} into {hub_name}: {TGW_PLAY}"
            if route is None:
                verdict.fail(f"the {_table_label(view, 'hub')} has no route to {target['ip']}", fix)
            elif route.get("state") != "active":
                verdict.fail(
                    f"the {_table_label(view, 'hub')} route {route.get('destination')} to {target['ip']} is "
                    f"{route.get('state')}",
                    fix,
                )
            elif attachment["id"] not in (route.get("attachment_ids") or []):
                verdict.fail(
                    f"the {_table_label(view, 'hub')} sends {target['ip']} ({route.get('destination')}) to "
                    f"{', '.join(route.get('attachment_ids') or []) or 'no attachment'}, not {attachment['id']}",
                    fix,
                )
            else:
                verdict.ok(f"hub {route.get('destination')} -> {attachment['id']}")
    if spokes_rt:
        link = _link(spokes_rt, "propagations", attachment["id"])
        if link and link.get("state") in ("enabling", "enabled"):
            verdict.fail(
                f"{label} propagates into the {_table_label(view, 'spokes')}: the providers would reach each other",
                f"disable the propagation of {attachment['id']} into {spokes_name}: {TGW_PLAY}",
            )
    return attachment


def _judge_tgw_spokes_routes(ctx, verdict, spokes_rt):
    """The spokes route table sends every load balancer subnet to the hub, and nothing to a provider."""
    view, hub = ctx.tgw_view, ctx.hub_attachment
    hub_id = (hub or {}).get("id")
    label = _table_label(view, "spokes")
    fix = f"enable the propagation of the hub attachment into {view['route_table_names'].get('spokes')}: {TGW_PLAY}"
    for cidr in ctx.nlb_cidrs:
        route, diverted = covering_route(spokes_rt.get("routes"), cidr)
        if route is None:
            verdict.fail(f"the {label} has no route back to {cidr}", fix)
        elif route.get("state") != "active":
            verdict.fail(f"the {label} route {route.get('destination')} back to {cidr} is {route.get('state')}", fix)
        elif hub_id and hub_id not in (route.get("attachment_ids") or []):
            verdict.fail(
                f"the {label} sends {cidr} ({route.get('destination')}) to "
                f"{', '.join(route.get('attachment_ids') or []) or 'no attachment'}, not the hub {hub_id}",
                fix,
            )
        else:
            verdict.ok(f"spokes {route.get('destination')} -> {hub_id or '?'}")
        for extra in diverted:
            if hub_id and extra.get("state") == "active" and hub_id not in (extra.get("attachment_ids") or []):
                verdict.fail(
                    f"the {label} sends {extra.get('destination')} inside {cidr} to "
                    f"{', '.join(extra.get('attachment_ids') or []) or 'no attachment'}, not the hub {hub_id}",
                    fix,
                )
    # Isolation: a route to any attachment but the gateway VPC's lets every provider reach that one.
    by_id = {item["id"]: item for item in ctx.tgw_attachments}
    for route in spokes_rt.get("routes") or []:
        if route.get("state") != "active":
            continue
        others = [
            attachment_id
            for attachment_id in route.get("attachment_ids") or []
            if attachment_id != hub_id and (by_id.get(attachment_id) or {}).get("vpc_id") != ctx.vpc_a
        ]
        if not others:
            continue
        who = ", ".join(
            f"{attachment_id} ({(by_id.get(attachment_id) or {}).get('vpc_id') or '?'}, account "
            f"{(by_id.get(attachment_id) or {}).get('vpc_owner_id') or '?'})"
            for attachment_id in others
        )
        verdict.fail(
            f"the {label} routes {route.get('destination')} to {who}: the providers would reach each other",
            f"disable the propagation of {', '.join(others)} into {view['route_table_names'].get('spokes')} and "
            f"remove static routes to providers from it: {TGW_PLAY}",
        )


def _check_transit_gateway(ctx):
    """The ``transit_gateway`` hop: the hub and spoke between the gateway VPC and the provider VPC."""
    accounts = f"{ctx.account_a} <-> {ctx.account_b}"
    view = ctx.tgw_view
    if view is None:
        return _hop(
            TRANSIT_GATEWAY,
            SKIPPED,
            accounts,
            "transit gateway",
            "not read: the gateway snapshot has no transit_gateway (gateway_path_info reads it with its "
            "transit_gateway option)",
        )
    name = view.get("name") or "?"
    if not ctx.vpc_a or not ctx.vpcs_b:
        missing = "the gateway VPC (no NLB or target group)" if not ctx.vpc_a else "the provider VPC of the targets"
        return _hop(
            TRANSIT_GATEWAY,
            SKIPPED,
            accounts,
            f"transit gateway {name}",
            f"cannot tell which VPCs it connects: unknown {missing}",
        )
    tgw = ctx.tgw
    if not tgw:
        tags = f"ManagedBy=multiaccount.apigateway, {GATEWAY_TAG}={ctx.gateway.get('gateway_tag') or '?'}"
        problems = [f"no transit gateway named {name} with the tags {tags} in account {ctx.account_a}"]
        foreign = [item.get("id") for item in view.get("foreign") or []]
        if foreign:
            problems.append(f"{', '.join(foreign)} named {name} lack(s) those tags (not ours)")
        return _hop(
            TRANSIT_GATEWAY, FAIL, accounts, f"transit gateway {name}", "; ".join(problems), f"create it: {TGW_PLAY}"
        )
    verdict = _Verdict()
    resources = [f"{tgw['id']} ({name})"]
    if tgw.get("state") != TGW_AVAILABLE:
        verdict.fail(f"{tgw['id']} is {tgw.get('state')}, not available", f"wait until it is available: {TGW_PLAY}")
    else:
        verdict.ok(f"{tgw['id']} ({name}) available")
    tables = view.get("route_tables") or {}
    hub_rt, spokes_rt = tables.get("hub"), tables.get("spokes")
    for role, table in (("hub", hub_rt), ("spokes", spokes_rt)):
        if not table:
            verdict.fail(
                f"no {role} route table {view['route_table_names'].get(role)} on {tgw['id']}",
                f"create it: {TGW_PLAY}",
            )
        elif table.get("state") != TGW_AVAILABLE:
            verdict.fail(f"the {_table_label(view, role)} is {table.get('state')}", f"create it again: {TGW_PLAY}")
    _judge_tgw_hub(ctx, verdict, hub_rt, spokes_rt)
    for vpc_b in ctx.vpcs_b:
        attachment = _judge_tgw_spoke(ctx, verdict, vpc_b, hub_rt, spokes_rt)
        if attachment:
            resources.append(attachment["id"])
    if spokes_rt:
        _judge_tgw_spokes_routes(ctx, verdict, spokes_rt)
    resource = ", ".join(resources)
    if verdict.problems:
        return _hop(TRANSIT_GATEWAY, FAIL, accounts, resource, "; ".join(verdict.problems), "; ".join(verdict.fixes))
    return _hop(TRANSIT_GATEWAY, OK, accounts, resource, "; ".join(dict.fromkeys(verdict.fine)))


def _tgw_way(ctx, route, vpc_b):
    """``(ok, words)`` for a route of a provider on the transit gateway: the transit gateway of ours (its
    state is the ``transit_gateway`` hop's), or an active peering between the two VPCs (a move under way)."""
    target = route.get("target")
    if is_tgw_route(route):
        if ctx.tgw_id and target != ctx.tgw_id:
            return False, f", not the transit gateway {ctx.tgw_id}"
        if not ctx.tgw_id:
            return True, " (no transit gateway of ours to compare: see transit_gateway)"
        if route.get("state") == "blackhole":
            return False, " (a blackhole)"
        return True, ""
    peering = next((item for item in ctx.peering_for(vpc_b)[1] if item["id"] == target), None)
    if peering and peering_active(peering) and route.get("state") != "blackhole":
        return True, " (the peering, more specific than the route to the transit gateway)"
    if peering:
        return False, f" (a peering that is not active), not the transit gateway {ctx.tgw_id or ''}".rstrip()
    return False, f", not the transit gateway {ctx.tgw_id or '(none of ours)'}"


def _judge_tgw_route(ctx, route, diverted, destination, vpc_b):
    """``(ok, message)`` for the route traffic to ``destination`` takes, for a provider on the transit gateway."""
    problems = []
    for extra in diverted:
        good, words = _tgw_way(ctx, extra, vpc_b)
        if not good:
            problems.append(f"{extra.get('destination')} inside {destination} goes to {extra.get('target')}{words}")
    if route is None:
        return False, "; ".join([f"no route to {destination}"] + problems)
    good, words = _tgw_way(ctx, route, vpc_b)
    if not good:
        problems.insert(0, f"{destination} goes to {route.get('target')} ({route.get('destination')}){words}")
    if problems:
        return False, "; ".join(problems)
    return True, f"{route.get('destination')} -> {route.get('target')}{words}"


def _judge_route(ctx, route, diverted, destination, vpc_b, table_id):
    """``(ok, message)`` for the route traffic to ``destination`` takes, relative to the A-B peering."""
    peering, candidates = ctx.peering_for(vpc_b)
    between = {p["id"] for p in candidates}
    problems = []
    for extra in diverted:
        if extra.get("target") not in between:
            problems.append(f"{extra.get('destination')} inside {destination} goes to {extra.get('target')}")
    if route is None:
        return False, f"no route to {destination}"
    target = route.get("target")
    if target in between:
        used = next(p for p in candidates if p["id"] == target)
        if not peering_active(used) and peering_active(peering):
            problems.insert(
                0, f"{route.get('destination')} -> {target} (not active), not the active peering {peering['id']}"
            )
            return False, "; ".join(problems)
        if not peering_active(used):
            return not problems, f"{route.get('destination')} -> {target} (not active: see peering)" + (
                "; " + "; ".join(problems) if problems else ""
            )
        if route.get("state") == "blackhole":
            problems.append(f"{route.get('destination')} -> {target} is a blackhole")
        if problems:
            return False, "; ".join(problems)
        return True, f"{route.get('destination')} -> {target}"
    if peering and peering_active(peering):
        problems.insert(
            0, f"{destination} goes to {target} ({route.get('destination')}), not the peering {peering['id']}"
        )
        return False, "; ".join(problems)
    if str(target).startswith("pcx-") and not (peering and peering_active(peering)):
        return not problems, f"{route.get('destination')} -> {target} (no active peering to compare: see peering)"
    problems.insert(0, f"{destination} goes to {target} ({route.get('destination')}), not a peering with {vpc_b}")
    return False, "; ".join(problems)


def _check_gateway_route(ctx):
    where = f"route tables of the {ctx.lb} subnets"
    if not ctx.nlb:
        return _hop("gateway_route", SKIPPED, ctx.account_a, where, f"no {ctx.lb} (see nlb)")
    if not ctx.vpcs_b:
        return _hop("gateway_route", SKIPPED, ctx.account_a, where, "unknown provider VPC")
    problems, fine, tables = [], [], []
    for subnet in ctx.nlb_subnets:
        table = route_table_for_subnet(ctx.gw.get("route_tables"), subnet["id"], ctx.vpc_a)
        if not table:
            problems.append(f"no route table for {ctx.lb} subnet {subnet['id']}")
            continue
        label = f"{table['id']} ({subnet['id']})"
        if table["id"] not in tables:
            tables.append(table["id"])
        for target in ctx.targets:
            if not target.get("vpc_id"):
                continue
            route, diverted = covering_route(table.get("routes"), target["ip"])
            if ctx.path == TRANSIT_GATEWAY:
                good, message = _judge_tgw_route(ctx, route, diverted, target["ip"], target["vpc_id"])
            else:
                good, message = _judge_route(ctx, route, diverted, target["ip"], target["vpc_id"], label)
            (fine if good else problems).append(f"{label}: {message}")
    resource = "route tables " + (", ".join(tables) or "?")
    if problems and ctx.path == TRANSIT_GATEWAY:
        cidrs = ", ".join(ctx.provider_cidrs) or ", ".join(t["ip"] for t in ctx.targets)
        return _hop(
            "gateway_route",
            FAIL,
            ctx.account_a,
            resource,
            "; ".join(problems),
            f"route the provider CIDR ({cidrs}) to {ctx.tgw_id or '<tgw id>'} in every route table of the {ctx.lb} "
            f"subnets, with no more specific route elsewhere: {TGW_PLAY}",
        )
    if problems:
        peering, dummy = ctx.peering_for(ctx.vpcs_b[0])
        via = peering["id"] if peering else "<pcx id>"
        cidrs = ", ".join(ctx.provider_cidrs) or ", ".join(t["ip"] for t in ctx.targets)
        return _hop(
            "gateway_route",
            FAIL,
            ctx.account_a,
            resource,
            "; ".join(problems),
            f"add a route to the provider CIDR ({cidrs}) via {via} in every route table of the {ctx.lb} subnets "
            "(shared_gateway role, tasks_from: peering)",
        )
    return _hop("gateway_route", OK, ctx.account_a, resource, "; ".join(sorted(set(fine))))


def _check_provider_route(ctx):
    if not ctx.nlb or not ctx.nlb_cidrs:
        return _hop(
            "provider_route", SKIPPED, ctx.account_b, "provider route tables", f"{ctx.lb} subnets unknown (see nlb)"
        )
    problems, fine, tables = [], [], []
    for target in ctx.targets:
        if not target.get("subnet_id"):
            problems.append(f"no subnet of account {ctx.account_b} holds {target['ip']}")
            continue
        table = route_table_for_subnet(ctx.pv.get("route_tables"), target["subnet_id"], target.get("vpc_id"))
        if not table:
            problems.append(f"no route table for subnet {target['subnet_id']} ({target['ip']})")
            continue
        label = f"{table['id']} ({target['subnet_id']})"
        if table["id"] not in tables:
            tables.append(table["id"])
        for cidr in ctx.nlb_cidrs:
            route, diverted = covering_route(table.get("routes"), cidr)
            if ctx.path == TRANSIT_GATEWAY:
                good, message = _judge_tgw_route(ctx, route, diverted, cidr, target["vpc_id"])
            else:
                good, message = _judge_route(ctx, route, diverted, cidr, target["vpc_id"], label)
            (fine if good else problems).append(f"{label}: {message}")
    resource = "route tables " + (", ".join(tables) or "?")
    if problems and ctx.path == TRANSIT_GATEWAY:
        return _hop(
            "provider_route",
            FAIL,
            ctx.account_b,
            resource,
            "; ".join(problems),
            f"add return routes to {', '.join(ctx.nlb_cidrs)} via {ctx.tgw_id or '<tgw id>'} in the route table of "
            f"each service subnet: {ATTACHMENT_PLAY}",
        )
    if problems:
        peering, dummy = ctx.peering_for(ctx.vpcs_b[0]) if ctx.vpcs_b else (None, None)
        via = peering["id"] if peering else "<pcx id>"
        return _hop(
            "provider_route",
            FAIL,
            ctx.account_b,
            resource,
            "; ".join(problems),
            f"add return routes to {', '.join(ctx.nlb_cidrs)} via {via} in the route table of each service subnet "
            "(peering_accept role)",
        )
    return _hop("provider_route", OK, ctx.account_b, resource, "; ".join(sorted(set(fine))))


def _check_security_group(ctx):
    svc = ctx.service
    if not ctx.nlb or not ctx.nlb_cidrs:
        return _hop("security_group", SKIPPED, ctx.account_b, "security groups", f"{ctx.lb} subnets unknown (see nlb)")
    with_eni = [t for t in ctx.targets if t.get("eni")]
    if not with_eni:
        return _hop(
            "security_group", SKIPPED, ctx.account_b, "security groups", "no ENI at the targets (see service_endpoint)"
        )
    same_region = ctx.region_a == ctx.region_b
    # A rule naming the NLB's security group counts across a same-region peering only, not a transit gateway.
    nlb_groups = lb_security_group_ids(ctx.nlb) if same_region and ctx.path == PEERING else []
    problems, fine, names = [], [], []
    for target in with_eni:
        group_ids = target["eni"].get("security_group_ids") or []
        groups = [_by(ctx.pv.get("security_groups"), "id", gid) or {"id": gid, "ingress": []} for gid in group_ids]
        names.extend(gid for gid in group_ids if gid not in names)
        admitted, missing, how = sg_admission(groups, svc["port"], ctx.nlb_cidrs, nlb_groups)
        if missing:
            problems.append(
                f"{', '.join(group_ids) or 'no group'} on {target['ip']} do not admit {', '.join(missing)} on tcp/{svc['port']}"
            )
        else:
            fine.append(f"{target['ip']}: tcp/{svc['port']} from " + "; ".join(f"{c} ({how[c]})" for c in admitted))
    resource = ", ".join(names) or "security groups"
    if problems:
        return _hop(
            "security_group",
            FAIL,
            ctx.account_b,
            resource,
            "; ".join(problems),
            f"authorize tcp/{svc['port']} from {', '.join(ctx.nlb_cidrs)} (the {ctx.lb} subnets) on {names[0] if names else 'the group'} "
            "(provider_vpc role)",
        )
    return _hop("security_group", OK, ctx.account_b, resource, "; ".join(fine))


def _check_service_endpoint(ctx):
    svc = ctx.service
    problems, fine, enis = [], [], []
    for target in ctx.targets:
        eni = target.get("eni")
        if not eni:
            problems.append(f"no network interface has {target['ip']} in account {ctx.account_b}")
            continue
        enis.append(eni.get("id"))
        if eni.get("status") == "available":
            problems.append(f"{eni.get('id')} at {target['ip']} is attached to nothing")
            continue
        fine.append(f"{eni.get('id')} at {target['ip']} ({eni.get('status')})")
    static_ok = all(hop["status"] != FAIL for hop in ctx.hops.values())
    if static_ok and not problems and ctx.tg:
        for entry in ctx.tg.get("targets") or []:
            if entry.get("ip") in svc["targets"] and entry.get("health_state") == "unhealthy":
                problems.append(
                    f"every static hop is fine but the {ctx.lb} health check of {entry['ip']}:{entry.get('port')} fails "
                    f"({entry.get('health_reason') or entry.get('health_description') or 'unhealthy'}): nothing answers there"
                )
    resource = ", ".join(enis) or ", ".join(svc["targets"])
    if problems:
        return _hop(
            "service_endpoint",
            FAIL,
            ctx.account_b,
            resource,
            "; ".join(problems),
            f"start {svc['name']} on {', '.join(svc['targets'])} port {svc['port']} (or fix provider_vpc_services targets)",
        )
    return _hop("service_endpoint", OK, ctx.account_b, resource, "; ".join(fine))


# ---------------------------------------------------------------------------------------------
# Governance (issue 11): who may call each service, the partners' usage plans, the stage policy and
# the custom domain. Judged only when the caller gives the expected governance.
# ---------------------------------------------------------------------------------------------

# The hops every service gets after its path's hops when governance is given; ``domain`` only when a
# custom domain is expected.
GOVERNANCE_HOPS = ("authorization", "partners", "stage_policy")
DOMAIN_HOP = "domain"

AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM")
AUTHORIZER_TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS")
# The authorizer types a method's authorization type takes.
AUTHORIZER_TYPES_OF = {"CUSTOM": ("TOKEN", "REQUEST"), "COGNITO_USER_POOLS": ("COGNITO_USER_POOLS",)}
LOGGING_LEVELS = ("OFF", "ERROR", "INFO")
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
SECURITY_POLICIES = ("TLS_1_0", "TLS_1_2")
HTTP_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# The stage's method settings that apply to every method.
STAGE_DEFAULT_SETTINGS = "*/*"
# The key of a usage plan's per-method throttle: ``<resource path>/<METHOD>``.
PLAN_METHOD_KEY_RE = re.compile(r"^(/.*)/([A-Z]+)$")

# The inventory keys that declare each part of the governance (the fixes name them; module_utils/governance.py
# plans them).
INVENTORY_KEYS = {
    "authorization": "provider_vpc_services[].authorization",
    "authorizer": "provider_vpc_services[].authorizer",
    "scopes": "provider_vpc_services[].authorization_scopes",
    "api_key_required": "provider_vpc_services[].api_key_required",
    "throttle": "provider_vpc_services[].throttle",
    "authorizers": "api_publish_authorizers",
    "partners": "api_publish_partners",
    "stage_throttle": "api_publish_throttle",
    "logging_level": "api_publish_logging_level",
    "data_trace": "api_publish_data_trace",
    "metrics": "api_publish_metrics",
    "tracing": "api_publish_tracing",
    "access_log": "api_publish_access_log",
    "web_acl": "api_publish_web_acl",
    "policy": "api_publish_resource_policy (or api_publish_source_ip_allow)",
    "domain": "api_publish_domain",
}
RERUN = "re-run site.yml"

GOVERNANCE_KEYS = ("authorizers", "services", "partners", "stage", "policy", "domain")
AUTHORIZER_KEYS = ("name", "type", "function_arn", "user_pool_arns", "identity_source", "result_ttl")
SERVICE_GOVERNANCE_KEYS = ("authorization", "authorizer", "scopes", "api_key_required", "throttle")
# ``description`` (of a partner) and ``truststore_version`` (of the domain) are what the planner gives too;
# they are accepted and not judged.
PARTNER_KEYS = ("name", "resource_name", "description", "services", "enabled", "quota", "throttle", "methods")
STAGE_POLICY_KEYS = ("throttle", "logging_level", "data_trace", "metrics", "tracing", "access_log", "web_acl")
DOMAIN_KEYS = ("name", "certificate_arn", "security_policy", "base_path", "truststore_uri", "truststore_version")
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


class GovernanceError(ValueError):
    """The expected governance is not valid; ``problems`` lists each field with its fix."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("governance: " + "; ".join(self.problems))


def plan_method_key(resource_path, method):
    """The key of a usage plan's per-method throttle: ``/payments/{proxy+}/ANY``."""
    return f"{resource_path}/{method}"


def stage_setting_key(resource_path, method):
    """The key of a stage's method setting: the resource path with every ``/`` escaped as ``~1``, then the
    method (``/payments/{proxy+}`` ANY -> ``~1payments~1{proxy+}/ANY``), as in UpdateStage's patch paths."""
    return f"{resource_path.replace('/', '~1')}/{method}"


def authorizer_function(uri):
    """The Lambda function ARN of a Lambda authorizer's URI (``.../functions/<arn>/invocations``), or None."""
    match = re.search(r"/functions/(.+?)/invocations", uri or "")
    return match.group(1) if match else None


def web_acl_name(arn):
    """The name part of a WAFv2 web ACL ARN (``.../regional/webacl/<name>/<id>``), or None."""
    match = re.search(r"/webacl/([^/]+)/[^/]+$", arn or "")
    return match.group(1) if match else None


def base_path_of(value):
    """A base path mapping's path as the inventory writes it: the root (``(none)`` in API Gateway) is ``""``."""
    text = str(value or "").strip("/")
    return "" if text == "(none)" else text


def domain_url(domain, base_path, path):
    """``https://<domain>/<base_path>/<path>`` without empty parts."""
    parts = [part for part in (base_path_of(base_path), api_path(path).strip("/")) if part]
    return f"https://{domain}/" + "/".join(parts)


def _throttle_text(throttle):
    if not throttle:
        return "none"
    return f"{_number(throttle.get('rate_limit'))}/{throttle.get('burst_limit')}"


def _number(value):
    """``50.0`` -> ``50``, ``0.5`` -> ``0.5`` (rates are doubles in API Gateway)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else str(number)


def same_throttle(want, have):
    """True when a throttle (``{rate_limit, burst_limit}`` or None) is what is expected."""
    if not want or not have:
        return not want and not have
    try:
        return float(want["rate_limit"]) == float(have.get("rate_limit")) and int(want["burst_limit"]) == int(
            have.get("burst_limit")
        )
    except (TypeError, ValueError):
        return False


def blocked(throttle):
    """A per-method throttle of 0 requests per second and a burst of 0: the key may not call the method."""
    return same_throttle({"rate_limit": 0, "burst_limit": 0}, throttle)


def same_quota(want, have):
    if not want or not have:
        return not want and not have
    return (
        int(want["limit"]) == int(have.get("limit") or -1)
        and str(want["period"]) == str(have.get("period"))
        and int(want.get("offset") or 0) == int(have.get("offset") or 0)
    )


def _quota_text(quota):
    if not quota:
        return "none"
    offset = f" offset {quota.get('offset')}" if quota.get("offset") else ""
    return f"{quota.get('limit')} per {quota.get('period')}{offset}"


# ----- the expected governance: checked, defaults filled ------------------------------------


def _bool(value, field, problems, default):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    problems.append(f"{field}: {value!r} is not a boolean; write true or false")
    return default


def _int(value, field, problems, minimum=0, maximum=None):
    if isinstance(value, bool) or value is None:
        problems.append(f"{field}: {value!r} is not an integer; write a whole number >= {minimum}")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not number.is_integer():
        problems.append(f"{field}: {value!r} is not an integer; write a whole number >= {minimum}")
        return None
    number = int(number)
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        problems.append(f"{field}: {number} is out of range; write a whole number {bounds}")
        return None
    return number


def _rate(value, field, problems):
    if isinstance(value, bool) or value is None:
        problems.append(f"{field}: {value!r} is not a number; write requests per second >= 0")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(f"{field}: {value!r} is not a number; write requests per second >= 0")
        return None
    if number < 0:
        problems.append(f"{field}: {value} is negative; write requests per second >= 0")
        return None
    return number


def _choice(value, field, problems, choices, default=None):
    if value is None:
        return default
    text = str(value).upper()
    if text not in choices:
        problems.append(f"{field}: {value!r} is not one of {', '.join(choices)}")
        return default
    return text


def _unknown_keys(value, allowed, field, problems):
    extra = sorted(str(key) for key in value if key not in allowed)
    if extra:
        problems.append(f"{field}: unknown key(s) {', '.join(extra)}; the keys are {', '.join(allowed)}")


def _dict(value, field, problems, what):
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(f"{field}: expected {what}, got {type(value).__name__} {value!r}")
        return None
    return value


def _str(value, field, problems, required=False):
    if value is None or value == "":
        if required:
            problems.append(f"{field}: missing; it is required")
        return None
    if not isinstance(value, str):
        problems.append(f"{field}: {value!r} is not a string")
        return None
    return value


def _str_list(value, field, problems):
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        problems.append(f"{field}: expected a list of strings, got {value!r}")
        return []
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            problems.append(f"{field}[{index}]: {item!r} is not a non-empty string")
        else:
            items.append(item)
    return items


def _throttle(value, field, problems):
    value = _dict(value, field, problems, "{rate_limit, burst_limit} or null")
    if value is None:
        return None
    _unknown_keys(value, ("rate_limit", "burst_limit"), field, problems)
    missing = [key for key in ("rate_limit", "burst_limit") if value.get(key) is None]
    if missing:
        problems.append(f"{field}: missing {', '.join(missing)}; give both rate_limit and burst_limit, or null")
        return None
    rate = _rate(value["rate_limit"], f"{field}.rate_limit", problems)
    burst = _int(value["burst_limit"], f"{field}.burst_limit", problems)
    if rate is None or burst is None:
        return None
    return {"rate_limit": rate, "burst_limit": burst}


def _authorizers(value, problems):
    found = {}
    if value is None:
        return found
    if not isinstance(value, (list, tuple)):
        problems.append(f"governance.authorizers: expected a list, got {value!r}")
        return found
    for index, item in enumerate(value):
        field = f"governance.authorizers[{index}]"
        item = _dict(item, field, problems, "a dict")
        if item is None:
            continue
        _unknown_keys(item, AUTHORIZER_KEYS, field, problems)
        name = _str(item.get("name"), f"{field}.name", problems, required=True)
        kind = _choice(item.get("type"), f"{field}.type", problems, AUTHORIZER_TYPES)
        if item.get("type") is None:
            problems.append(f"{field}.type: missing; write one of {', '.join(AUTHORIZER_TYPES)}")
        entry = {
            "name": name,
            "type": kind,
            "function_arn": _str(item.get("function_arn"), f"{field}.function_arn", problems),
            "user_pool_arns": _str_list(item.get("user_pool_arns"), f"{field}.user_pool_arns", problems),
            "identity_source": _str(item.get("identity_source"), f"{field}.identity_source", problems),
            "result_ttl": (
                None
                if item.get("result_ttl") is None
                else _int(item["result_ttl"], f"{field}.result_ttl", problems, 0, 3600)
            ),
        }
        if kind in ("TOKEN", "REQUEST") and not entry["function_arn"]:
            problems.append(f"{field}.function_arn: a {kind} authorizer calls a Lambda function; give its ARN")
        if kind == "COGNITO_USER_POOLS" and not entry["user_pool_arns"]:
            problems.append(f"{field}.user_pool_arns: a COGNITO_USER_POOLS authorizer needs the user pool ARN(s)")
        if name in found:
            problems.append(f"{field}.name: {name} is declared twice; authorizer names are unique in an API")
        if name:
            found[name] = entry
    return found


def _service_governance(name, value, authorizers, problems):
    field = f"governance.services.{name}"
    value = _dict(value, field, problems, "a dict") or {}
    _unknown_keys(value, SERVICE_GOVERNANCE_KEYS, field, problems)
    authorization = _choice(value.get("authorization"), f"{field}.authorization", problems, AUTHORIZATION_TYPES, "NONE")
    authorizer = _str(value.get("authorizer"), f"{field}.authorizer", problems)
    scopes = _str_list(value.get("scopes"), f"{field}.scopes", problems)
    if authorization in AUTHORIZER_TYPES_OF:
        wanted = AUTHORIZER_TYPES_OF[authorization]
        if not authorizer:
            problems.append(f"{field}.authorizer: authorization {authorization} needs the name of an authorizer")
        elif authorizer not in authorizers:
            known = ", ".join(sorted(authorizers)) or "none"
            problems.append(
                f"{field}.authorizer: {authorizer} is not in governance.authorizers (declared: {known}); declare it"
            )
        elif authorizers[authorizer]["type"] and authorizers[authorizer]["type"] not in wanted:
            problems.append(
                f"{field}.authorizer: {authorizer} is a {authorizers[authorizer]['type']} authorizer, authorization "
                f"{authorization} takes a {' or '.join(wanted)} one"
            )
    elif authorizer:
        problems.append(f"{field}.authorizer: authorization {authorization} takes no authorizer; remove it")
    if scopes and authorization != "COGNITO_USER_POOLS":
        problems.append(f"{field}.scopes: only COGNITO_USER_POOLS authorization takes scopes; remove them")
    return {
        "authorization": authorization,
        "authorizer": authorizer if authorization in AUTHORIZER_TYPES_OF else None,
        "scopes": sorted(scopes) if authorization == "COGNITO_USER_POOLS" else [],
        "api_key_required": _bool(value.get("api_key_required"), f"{field}.api_key_required", problems, False),
        "throttle": _throttle(value.get("throttle"), f"{field}.throttle", problems),
    }


def _partners(value, service_names, problems):
    partners = []
    if value is None:
        return partners
    if not isinstance(value, (list, tuple)):
        problems.append(f"governance.partners: expected a list, got {value!r}")
        return partners
    names, resource_names = set(), set()
    for index, item in enumerate(value):
        field = f"governance.partners[{index}]"
        item = _dict(item, field, problems, "a dict")
        if item is None:
            continue
        _unknown_keys(item, PARTNER_KEYS, field, problems)
        name = _str(item.get("name"), f"{field}.name", problems, required=True)
        resource_name = _str(item.get("resource_name"), f"{field}.resource_name", problems) or name
        services = _str_list(item.get("services"), f"{field}.services", problems)
        for position, service in enumerate(services):
            if service not in service_names:
                problems.append(
                    f"{field}.services[{position}]: no provider publishes a service named {service} "
                    f"(known: {', '.join(sorted(service_names)) or 'none'})"
                )
        quota = _dict(item.get("quota"), f"{field}.quota", problems, "{limit, period, offset} or null")
        if quota is not None:
            _unknown_keys(quota, ("limit", "period", "offset"), f"{field}.quota", problems)
            period = _choice(quota.get("period"), f"{field}.quota.period", problems, QUOTA_PERIODS)
            if quota.get("period") is None:
                problems.append(f"{field}.quota.period: missing; write one of {', '.join(QUOTA_PERIODS)}")
            quota = {
                "limit": _int(quota.get("limit"), f"{field}.quota.limit", problems, 1),
                "period": period,
                "offset": _int(quota.get("offset") or 0, f"{field}.quota.offset", problems),
            }
        methods = {}
        raw_methods = _dict(item.get("methods"), f"{field}.methods", problems, "a dict") or {}
        for key, throttle in raw_methods.items():
            where = f"{field}.methods[{key!r}]"
            match = PLAN_METHOD_KEY_RE.match(str(key))
            if not match or match.group(2) not in HTTP_METHODS:
                problems.append(
                    f"{where}: write the key as <resource path>/<METHOD>, for example /payments/ANY or "
                    "/payments/{proxy+}/ANY"
                )
                continue
            value_throttle = _throttle(throttle, where, problems)
            if value_throttle is None and throttle is None:
                problems.append(f"{where}: give {{rate_limit, burst_limit}} (0 and 0 block the method for the key)")
            if value_throttle is not None:
                methods[str(key)] = value_throttle
        if name in names:
            problems.append(f"{field}.name: {name} is declared twice")
        if resource_name in resource_names:
            problems.append(f"{field}.resource_name: {resource_name} is the usage plan of another partner too")
        names.add(name)
        resource_names.add(resource_name)
        partners.append(
            {
                "name": name,
                "resource_name": resource_name,
                "services": services,
                "enabled": _bool(item.get("enabled"), f"{field}.enabled", problems, True),
                "quota": quota,
                "throttle": _throttle(item.get("throttle"), f"{field}.throttle", problems),
                "methods": methods,
            }
        )
    return partners


def _stage_policy(value, problems):
    field = "governance.stage"
    value = _dict(value, field, problems, "a dict") or {}
    _unknown_keys(value, STAGE_POLICY_KEYS, field, problems)
    access_log = _dict(value.get("access_log"), f"{field}.access_log", problems, "{destination_arn, format} or null")
    if access_log is not None:
        _unknown_keys(access_log, ("destination_arn", "format"), f"{field}.access_log", problems)
        access_log = {
            "destination_arn": _str(
                access_log.get("destination_arn"), f"{field}.access_log.destination_arn", problems, required=True
            ),
            "format": _str(access_log.get("format"), f"{field}.access_log.format", problems, required=True),
        }
        if access_log["destination_arn"]:
            access_log["destination_arn"] = access_log["destination_arn"].rstrip("*").rstrip(":")
    web_acl = _dict(value.get("web_acl"), f"{field}.web_acl", problems, "{arn} or {name} or null")
    if web_acl is not None:
        _unknown_keys(web_acl, ("arn", "name"), f"{field}.web_acl", problems)
        given = [key for key in ("arn", "name") if web_acl.get(key)]
        if len(given) != 1:
            problems.append(f"{field}.web_acl: give exactly one of arn and name")
        web_acl = {
            "arn": _str(web_acl.get("arn"), f"{field}.web_acl.arn", problems),
            "name": _str(web_acl.get("name"), f"{field}.web_acl.name", problems),
        }
    return {
        "throttle": _throttle(value.get("throttle"), f"{field}.throttle", problems),
        "logging_level": _choice(value.get("logging_level"), f"{field}.logging_level", problems, LOGGING_LEVELS, "OFF"),
        "data_trace": _bool(value.get("data_trace"), f"{field}.data_trace", problems, False),
        "metrics": _bool(value.get("metrics"), f"{field}.metrics", problems, False),
        "tracing": _bool(value.get("tracing"), f"{field}.tracing", problems, False),
        "access_log": access_log,
        "web_acl": web_acl,
    }


def _policy(value, problems):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError as error:
            problems.append(f"governance.policy: not a JSON policy document ({error}); give the document as a dict")
            return None
    if not isinstance(value, dict):
        problems.append(f"governance.policy: expected an IAM policy document (a dict) or null, got {value!r}")
        return None
    return value


def _domain(value, problems):
    field = "governance.domain"
    value = _dict(value, field, problems, "a dict or null")
    if value is None:
        return None
    _unknown_keys(value, DOMAIN_KEYS, field, problems)
    base_path = value.get("base_path")
    if base_path is not None and not isinstance(base_path, str):
        problems.append(f'{field}.base_path: {base_path!r} is not a string ("" is the root)')
        base_path = ""
    return {
        "name": (_str(value.get("name"), f"{field}.name", problems, required=True) or "").lower() or None,
        "certificate_arn": _str(value.get("certificate_arn"), f"{field}.certificate_arn", problems),
        "security_policy": _choice(
            value.get("security_policy"), f"{field}.security_policy", problems, SECURITY_POLICIES, "TLS_1_2"
        ),
        "base_path": base_path_of(base_path),
        "truststore_uri": _str(value.get("truststore_uri"), f"{field}.truststore_uri", problems),
    }


def expected_governance(governance, service_names):
    """The expected governance with every default filled in, or GovernanceError naming each bad field.

    ``governance``: path_verify's option (authorizers, services, partners, stage, policy, domain);
    ``service_names``: the services the providers publish. A service without an entry in ``services``
    expects no authorization (``NONE``), no API key and no method throttle; ``stage`` without a key
    expects API Gateway's defaults (logging ``OFF``, no data trace, no metrics, no tracing, no access log,
    no web ACL; a ``null`` throttle is not judged: the account's default applies); ``policy: null``
    leaves the resource policy unjudged (as rest_api leaves it alone), ``policy: {}`` expects none.
    Idempotent: its own result gives the same result.
    """
    problems = []
    if not isinstance(governance, dict):
        raise GovernanceError([f"governance: expected a dict, got {governance!r}"])
    _unknown_keys(governance, GOVERNANCE_KEYS, "governance", problems)
    names = list(dict.fromkeys(service_names or []))
    authorizers = _authorizers(governance.get("authorizers"), problems)
    declared = _dict(governance.get("services"), "governance.services", problems, "a dict keyed by service name") or {}
    for name in declared:
        if name not in names:
            problems.append(
                f"governance.services.{name}: no provider publishes a service named {name} "
                f"(known: {', '.join(names) or 'none'})"
            )
    services = {name: _service_governance(name, declared.get(name), authorizers, problems) for name in names}
    result = {
        "authorizers": [authorizers[name] for name in authorizers],
        "services": services,
        "partners": _partners(governance.get("partners"), set(names), problems),
        "stage": _stage_policy(governance.get("stage"), problems),
        "policy": _policy(governance.get("policy"), problems),
        "domain": _domain(governance.get("domain"), problems),
    }
    if problems:
        raise GovernanceError(problems)
    return result


# ----- the governance hops -----------------------------------------------------------------


def _governance_read(gw):
    """The governance part of the gateway snapshot (None when gateway_path_info was not asked for it)."""
    read = gw.get("governance")
    return read if isinstance(read, dict) else None


NOT_READ = (
    "the gateway snapshot has no governance reads (authorizers, usage plans): read it with "
    "multiaccount.apigateway.gateway_path_info governance: true"
)


def _skip_without_api(ctx, hop, resource):
    """The ``skipped`` hop when the API (or, for the stage hops, the stage) is missing, else None."""
    gw = ctx.gw
    if not gw.get("rest_api"):
        return _hop(hop, SKIPPED, ctx.account_a, resource, "no REST API (see api_route)")
    if hop in ("partners", "stage_policy") and not gw.get("stage"):
        stage = gw.get("stage_name") or "?"
        return _hop(hop, SKIPPED, ctx.account_a, resource, f"no stage {stage} (see stage_deployment)")
    return None


def _authorization_text(want, declared=None):
    """How a caller gets through the service's methods, in words."""
    kind = want["authorization"]
    if kind == "AWS_IAM":
        return "IAM-signed requests (AWS_IAM)"
    if kind == "CUSTOM":
        flavour = (declared or {}).get("type") or "TOKEN"
        what = "tokens" if flavour == "TOKEN" else "requests"
        return f"{what} accepted by Lambda authorizer {want['authorizer']} (CUSTOM, {flavour})"
    if kind == "COGNITO_USER_POOLS":
        pools = ", ".join((declared or {}).get("user_pool_arns") or []) or "?"
        scopes = f" with scope(s) {', '.join(want['scopes'])}" if want["scopes"] else ""
        return f"tokens of Cognito user pool(s) {pools}{scopes} (authorizer {want['authorizer']}, COGNITO_USER_POOLS)"
    return "anyone (NONE)"


def _authorizer_problems(found, declared, authorization):
    """What differs between the authorizer a method uses and the one the inventory declares."""
    name = found.get("name")
    problems = []
    if name != declared["name"]:
        problems.append(f"the methods use authorizer {name} ({found.get('id')}), expected {declared['name']}")
    allowed = AUTHORIZER_TYPES_OF.get(authorization, ())
    if found.get("type") != declared["type"] or found.get("type") not in allowed:
        problems.append(f"authorizer {name} is of type {found.get('type')}, expected {declared['type']}")
    if declared["type"] in ("TOKEN", "REQUEST") and declared["function_arn"]:
        function = authorizer_function(found.get("authorizer_uri"))
        if function != declared["function_arn"]:
            problems.append(
                f"authorizer {name} calls {function or 'no Lambda function'}, expected {declared['function_arn']}"
            )
    if declared["type"] == "COGNITO_USER_POOLS" and sorted(found.get("provider_arns") or []) != sorted(
        declared["user_pool_arns"]
    ):
        problems.append(
            f"authorizer {name} accepts the user pool(s) {', '.join(found.get('provider_arns') or []) or 'none'}, "
            f"expected {', '.join(declared['user_pool_arns'])}"
        )
    if declared["identity_source"] and found.get("identity_source") != declared["identity_source"]:
        problems.append(
            f"authorizer {name} reads {found.get('identity_source') or 'no identity source'}, expected "
            f"{declared['identity_source']}"
        )
    if declared["result_ttl"] is not None and found.get("result_ttl") != declared["result_ttl"]:
        problems.append(
            f"authorizer {name} caches for {found.get('result_ttl')} s, expected {declared['result_ttl']} s"
        )
    return problems


def _check_authorization(ctx):
    """Each method of the service has the expected authorization type, authorizer, scopes and API key requirement."""
    svc, gw, want = ctx.service, ctx.gw, ctx.governance["services"][ctx.service["name"]]
    resource = f"methods of {svc['path']}"
    skipped = _skip_without_api(ctx, "authorization", resource)
    if skipped:
        return skipped
    methods = service_methods(gw, svc["path"])
    if ctx.hops["api_route"]["status"] != OK or not methods:
        return _hop("authorization", SKIPPED, ctx.account_a, resource, "no method to authorize (see api_route)")
    declared = next((item for item in ctx.governance["authorizers"] if item["name"] == want["authorizer"]), None)
    read = _governance_read(gw)
    kind = want["authorization"]
    problems, authorizer_problems, used = [], [], {}
    for path, name, method in methods:
        where = f"{name} {path}"
        actual = method.get("authorization_type") or "NONE"
        if actual != kind:
            problems.append(f"{where}: authorization {actual}, expected {kind}")
        elif kind in AUTHORIZER_TYPES_OF:
            authorizer_id = method.get("authorizer_id")
            if read is None:
                problems.append(NOT_READ)
            elif not authorizer_id:
                problems.append(f"{where}: no authorizer, expected {want['authorizer']}")
            else:
                found = _by(read.get("authorizers"), "id", authorizer_id)
                if found is None:
                    problems.append(f"{where}: authorizerId {authorizer_id} names no authorizer of the API")
                else:
                    used[authorizer_id] = found
            if kind == "COGNITO_USER_POOLS" and sorted(method.get("authorization_scopes") or []) != want["scopes"]:
                problems.append(
                    f"{where}: scopes {', '.join(sorted(method.get('authorization_scopes') or [])) or 'none'}, "
                    f"expected {', '.join(want['scopes']) or 'none'}"
                )
        required = bool(method.get("api_key_required"))
        if required != want["api_key_required"]:
            problems.append(
                f"{where}: API key {'required' if required else 'not required'}, expected "
                f"{'required' if want['api_key_required'] else 'not required'}"
            )
    for found in used.values():
        for problem in _authorizer_problems(found, declared, kind):
            if problem not in authorizer_problems:
                authorizer_problems.append(problem)
    problems = list(dict.fromkeys(problems))
    key_words = "an API key required" if want["api_key_required"] else "no API key"
    resource = f"{resource} ({', '.join(f'{name} {path}' for path, name, dummy in methods)})"
    if problems or authorizer_problems:
        fixes = []
        if problems:
            keys = [INVENTORY_KEYS["authorization"], INVENTORY_KEYS["api_key_required"]]
            if kind in AUTHORIZER_TYPES_OF:
                keys.insert(1, INVENTORY_KEYS["authorizer"])
            if kind == "COGNITO_USER_POOLS":
                keys.append(INVENTORY_KEYS["scopes"])
            by = f" by {want['authorizer']}" if want["authorizer"] else ""
            fixes.append(
                f"{RERUN} so that rest_api sets authorization {kind}{by} and {key_words} on every method of "
                f"{svc['path']} and redeploys the stage ({', '.join(keys)} of {svc['name']}, or the "
                "api_publish_default_* keys)"
            )
        if authorizer_problems:
            fixes.append(
                f"{RERUN} so that rest_api puts the authorizer {want['authorizer']} back as declared "
                f"({INVENTORY_KEYS['authorizers']}), then redeploys the stage"
            )
        if NOT_READ in problems:
            fixes = ["read the gateway with multiaccount.apigateway.gateway_path_info governance: true, then verify"]
        return _hop(
            "authorization", FAIL, ctx.account_a, resource, "; ".join(problems + authorizer_problems), "; ".join(fixes)
        )
    detail = _authorization_text(want, declared)
    if kind in AUTHORIZER_TYPES_OF:
        ids = ", ".join(sorted(used))
        detail += f" [{ids}]"
    return _hop("authorization", OK, ctx.account_a, resource, f"{detail}; {key_words}")


def _bound_stage(plan, api_id, stage_name):
    """The plan's API stage entry for this API and stage (``{api_id, stage, throttle}``), or None."""
    for entry in plan.get("api_stages") or []:
        if entry.get("api_id") == api_id and entry.get("stage") == stage_name:
            return entry
    return None


def _plan_named(plans, name, api_id, stage_name):
    """The usage plan named ``name``, the one bound to the stage first."""
    named = [plan for plan in plans or [] if plan.get("name") == name]
    named.sort(key=lambda plan: (_bound_stage(plan, api_id, stage_name) is None, plan.get("id") or ""))
    return named[0] if named else None


def _check_partners(ctx):
    """The usage plans and API keys of the partners that may call the service (and of those that may not)."""
    svc, gw, gov = ctx.service, ctx.gw, ctx.governance
    want = gov["services"][svc["name"]]
    stage_name = gw.get("stage_name") or (gw.get("stage") or {}).get("name")
    resource = f"usage plans of stage {stage_name}"
    skipped = _skip_without_api(ctx, "partners", resource)
    if skipped:
        return skipped
    read = _governance_read(gw)
    if read is None:
        return _hop(
            "partners",
            FAIL,
            ctx.account_a,
            resource,
            NOT_READ,
            "read the gateway with multiaccount.apigateway.gateway_path_info governance: true, then verify",
        )
    api_id = gw["rest_api"].get("id")
    plans = read.get("usage_plans") or []
    methods = [plan_method_key(path, name) for path, name, dummy in service_methods(gw, svc["path"])]
    callers = [partner for partner in gov["partners"] if svc["name"] in partner["services"]]
    others = [partner for partner in gov["partners"] if svc["name"] not in partner["services"]]
    problems, fine, unexpected = [], [], []
    for partner in callers:
        who = f"partner {partner['name']}"
        plan = _plan_named(plans, partner["resource_name"], api_id, stage_name)
        if plan is None:
            problems.append(f"{who}: no usage plan {partner['resource_name']}")
            continue
        label = f"usage plan {plan.get('name')} ({plan.get('id')})"
        entry = _bound_stage(plan, api_id, stage_name)
        if entry is None:
            bound = ", ".join(f"{item.get('api_id')}:{item.get('stage')}" for item in plan.get("api_stages") or [])
            problems.append(
                f"{who}: {label} is not bound to {api_id} stage {stage_name} (bound to {bound or 'nothing'})"
            )
            continue
        throttles = entry.get("throttle") or {}
        shown = []
        for key in methods:
            expected, actual = partner["methods"].get(key), throttles.get(key)
            if not same_throttle(expected, actual):
                problems.append(
                    f"{who}: {label} throttles {key} at {_throttle_text(actual)}, expected {_throttle_text(expected)}"
                )
            elif expected:
                shown.append(f"{key} {_throttle_text(expected)}")
        if not same_throttle(partner["throttle"], plan.get("throttle")):
            problems.append(
                f"{who}: {label} throttle {_throttle_text(plan.get('throttle'))}, expected "
                f"{_throttle_text(partner['throttle'])}"
            )
        if not same_quota(partner["quota"], plan.get("quota")):
            problems.append(
                f"{who}: {label} quota {_quota_text(plan.get('quota'))}, expected {_quota_text(partner['quota'])}"
            )
        keys = plan.get("keys") or []
        own = [key for key in keys if key.get("name") == partner["resource_name"]]
        extra = [key for key in keys if key.get("name") != partner["resource_name"]]
        if not own:
            problems.append(f"{who}: {label} has no API key {partner['resource_name']}")
        if extra:
            names = ", ".join(f"{key.get('name') or '?'} ({key.get('id')})" for key in extra)
            problems.append(f"{who}: {label} also has the API key(s) {names}; a partner's plan has its key only")
        for key in own:
            if key.get("enabled") is not None and bool(key["enabled"]) != partner["enabled"]:
                state = "enabled" if key["enabled"] else "disabled"
                problems.append(
                    f"{who}: API key {key.get('name')} ({key.get('id')}) is {state}, expected "
                    f"{'enabled' if partner['enabled'] else 'disabled'}"
                )
        if len(own) > 1:
            problems.append(f"{who}: {label} has {len(own)} API keys named {partner['resource_name']}")
        fine.append(f"{partner['name']} ({plan.get('name')}" + (f": {', '.join(shown)})" if shown else ")"))
    blocked_for = []
    if want["api_key_required"]:
        for partner in others:
            plan = _plan_named(plans, partner["resource_name"], api_id, stage_name)
            entry = _bound_stage(plan, api_id, stage_name) if plan else None
            if entry is None:
                continue  # no plan on the stage: the partner's key opens nothing here
            throttles = entry.get("throttle") or {}
            open_keys = [key for key in methods if not blocked(throttles.get(key))]
            if open_keys:
                problems.append(
                    f"partner {partner['name']} may not call {svc['name']}, but usage plan {plan.get('name')} "
                    f"({plan.get('id')}) does not block {', '.join(open_keys)} (0/0)"
                )
            else:
                blocked_for.append(partner["name"])
        declared = {partner["resource_name"] for partner in gov["partners"]}
        for plan in plans:
            if plan.get("name") not in declared and _bound_stage(plan, api_id, stage_name):
                unexpected.append(plan)
                problems.append(
                    f"usage plan {plan.get('name')} ({plan.get('id')}) is bound to stage {stage_name} but no partner "
                    f"declares it: its keys can call {svc['name']}"
                )
    resource = f"{resource} ({', '.join(partner['resource_name'] for partner in callers) or 'none for ' + svc['name']})"
    if problems:
        fixes = [
            f"{RERUN} so that api_partners reconciles the usage plans and API keys of the partners "
            f"({INVENTORY_KEYS['partners']}: services, methods, throttle, quota, enabled)"
        ]
        for plan in unexpected:
            fixes.append(
                f"declare usage plan {plan.get('name')} in {INVENTORY_KEYS['partners']}, or remove its binding to "
                f"{api_id}:{stage_name} (aws apigateway update-usage-plan --usage-plan-id {plan.get('id')} "
                f"--patch-operations op=remove,path=/apiStages,value={api_id}:{stage_name})"
            )
        return _hop("partners", FAIL, ctx.account_a, resource, "; ".join(problems), "; ".join(fixes))
    if not want["api_key_required"] and not callers:
        return _hop("partners", OK, ctx.account_a, resource, "no API key needed")
    parts = ["API key required" if want["api_key_required"] else "no API key needed"]
    parts.append("callers: " + ("; ".join(fine) if fine else "no partner"))
    if blocked_for:
        parts.append(f"blocked (0/0) for {', '.join(blocked_for)}")
    return _hop("partners", OK, ctx.account_a, resource, ", ".join(parts))


def _settings_throttle(entry):
    """A method setting's throttle as ``{rate_limit, burst_limit}`` (None without one)."""
    if not entry or entry.get("throttling_rate_limit") is None:
        return None
    return {"rate_limit": entry.get("throttling_rate_limit"), "burst_limit": entry.get("throttling_burst_limit")}


def canonical_policy(policy):
    """A resource policy in the form two policies compare in (the one rest_api fingerprints): keys sorted,
    the API's ``arn:aws:execute-api:<region>:<account>:<api id>/`` resources (AWS expands them) written as
    ``execute-api:/``. ``""`` for no policy."""
    return authz.canonical_policy(policy)


def _check_stage_policy(ctx):
    """The stage's settings (``*/*`` throttle, logging, data trace, metrics; tracing; access log; web ACL),
    the service's per-method throttle, and the API's resource policy."""
    svc, gw, gov = ctx.service, ctx.gw, ctx.governance
    want, stage = gov["stage"], gw.get("stage") or {}
    stage_name = gw.get("stage_name") or stage.get("name")
    resource = f"stage {stage_name} of {(gw.get('rest_api') or {}).get('id')}"
    skipped = _skip_without_api(ctx, "stage_policy", resource)
    if skipped:
        return skipped
    if "method_settings" not in stage:
        return _hop(
            "stage_policy",
            FAIL,
            ctx.account_a,
            resource,
            "the stage snapshot has no settings (method settings, tracing, access log, web ACL): it was read by a "
            "gateway_path_info older than 0.4.0",
            "read the gateway again with multiaccount.apigateway.gateway_path_info 0.4.0 or later, then verify",
        )
    settings = stage.get("method_settings") or {}
    default = settings.get(STAGE_DEFAULT_SETTINGS) or {}
    # (problem, the inventory key that declares it)
    problems, fine = [], []
    if want["throttle"] is not None:
        have = _settings_throttle(default)
        if not same_throttle(want["throttle"], have):
            problems.append(
                (f"*/* throttle {_throttle_text(have)}, expected {_throttle_text(want['throttle'])}", "stage_throttle")
            )
        else:
            fine.append(f"*/* throttle {_throttle_text(have)}")
    level = str(default.get("logging_level") or "OFF").upper()
    if level != want["logging_level"]:
        problems.append((f"*/* logging level {level}, expected {want['logging_level']}", "logging_level"))
    else:
        fine.append(f"logging {level}")
    for key, label in (("data_trace", "data trace"), ("metrics", "metrics")):
        have = bool(default.get(f"{key}_enabled"))
        if have != want[key]:
            problems.append((f"*/* {label} {'on' if have else 'off'}, expected {'on' if want[key] else 'off'}", key))
    tracing = bool(stage.get("tracing_enabled"))
    if tracing != want["tracing"]:
        problems.append(
            (f"X-Ray tracing {'on' if tracing else 'off'}, expected {'on' if want['tracing'] else 'off'}", "tracing")
        )
    elif tracing:
        fine.append("X-Ray tracing on")
    access_log = stage.get("access_log") or None
    if access_log and not access_log.get("destination_arn"):
        access_log = None
    if want["access_log"] is None:
        if access_log:
            problems.append((f"access log to {access_log.get('destination_arn')}, expected none", "access_log"))
    elif not access_log:
        problems.append((f"no access log, expected one to {want['access_log']['destination_arn']}", "access_log"))
    else:
        destination = str(access_log.get("destination_arn") or "").rstrip("*").rstrip(":")
        if destination != want["access_log"]["destination_arn"]:
            problems.append(
                (f"access log to {destination}, expected {want['access_log']['destination_arn']}", "access_log")
            )
        elif access_log.get("format") != want["access_log"]["format"]:
            problems.append(
                (
                    f"access log format {access_log.get('format')!r}, expected {want['access_log']['format']!r}",
                    "access_log",
                )
            )
        else:
            fine.append(f"access log to {destination}")
    acl = stage.get("web_acl_arn") or None
    wanted_acl = want["web_acl"]
    if wanted_acl is None:
        if acl:
            problems.append((f"web ACL {acl}, expected none", "web_acl"))
    elif not acl:
        problems.append((f"no web ACL, expected {wanted_acl['arn'] or wanted_acl['name']}", "web_acl"))
    elif wanted_acl["arn"] and acl != wanted_acl["arn"]:
        problems.append((f"web ACL {acl}, expected {wanted_acl['arn']}", "web_acl"))
    elif wanted_acl["name"] and web_acl_name(acl) != wanted_acl["name"]:
        problems.append((f"web ACL {web_acl_name(acl) or acl} ({acl}), expected {wanted_acl['name']}", "web_acl"))
    else:
        fine.append(f"web ACL {web_acl_name(acl) or acl}")
    throttle = gov["services"][svc["name"]]["throttle"]
    for path, name, dummy in service_methods(gw, svc["path"]):
        key = stage_setting_key(path, name)
        entry = settings.get(key)
        if throttle is None:
            if entry is not None:
                problems.append(
                    (
                        f"method setting {key} overrides the stage for {name} {path} (throttle "
                        f"{_throttle_text(_settings_throttle(entry))}), {svc['name']} declares no throttle",
                        "throttle",
                    )
                )
        elif entry is None:
            problems.append((f"no method setting {key}, expected throttle {_throttle_text(throttle)}", "throttle"))
        elif not same_throttle(throttle, _settings_throttle(entry)):
            problems.append(
                (
                    f"method setting {key} throttle {_throttle_text(_settings_throttle(entry))}, expected "
                    f"{_throttle_text(throttle)}",
                    "throttle",
                )
            )
        else:
            fine.append(f"{key} throttle {_throttle_text(throttle)}")
    api = gw.get("rest_api") or {}
    if gov["policy"] is None:
        fine.append("resource policy not declared (not judged)")
    elif api.get("policy_unparsed"):
        problems.append(("the resource policy is not a JSON document", "policy"))
    elif canonical_policy(api.get("policy")) != canonical_policy(gov["policy"]):
        if not gov["policy"]:
            problems.append(("the API has a resource policy, expected none", "policy"))
        elif not api.get("policy"):
            problems.append(("the API has no resource policy, expected the declared one", "policy"))
        else:
            problems.append(("the resource policy differs from the declared one", "policy"))
    else:
        fine.append("resource policy as declared" if gov["policy"] else "no resource policy")
    if problems:
        keys = list(dict.fromkeys(key for dummy, key in problems))
        fixes = []
        stage_keys = [INVENTORY_KEYS[key] for key in keys if key not in ("throttle", "policy")]
        if stage_keys:
            fixes.append(f"{RERUN} so that api_stage sets the stage policy ({', '.join(stage_keys)})")
        if "throttle" in keys:
            fixes.append(
                f"{RERUN} so that api_stage sets the method throttles of {svc['name']} ({INVENTORY_KEYS['throttle']})"
            )
        if "policy" in keys:
            fixes.append(
                f"{RERUN} so that rest_api sets the resource policy ({INVENTORY_KEYS['policy']}) and redeploys the stage"
            )
        detail = "; ".join(problem for problem, dummy in problems)
        return _hop("stage_policy", FAIL, ctx.account_a, resource, detail, "; ".join(fixes))
    return _hop("stage_policy", OK, ctx.account_a, resource, ", ".join(fine))


def _check_domain(ctx):
    """The custom domain exists, is available and regional, has the certificate, TLS policy and truststore
    expected, and maps the base path to this API's stage."""
    gw, want = ctx.gw, ctx.governance["domain"]
    resource = f"custom domain {want['name']}"
    skipped = _skip_without_api(ctx, "domain", resource)
    if skipped:
        return skipped
    fix = f"{RERUN} so that api_domain sets the custom domain ({INVENTORY_KEYS['domain']})"
    if "domain" not in gw or str(gw.get("domain_name") or "").lower() != want["name"]:
        return _hop(
            "domain",
            FAIL,
            ctx.account_a,
            resource,
            f"the gateway snapshot has no read of {want['name']}",
            f"read the gateway with multiaccount.apigateway.gateway_path_info domain_name: {want['name']}, then verify",
        )
    domain = gw.get("domain")
    if not domain:
        return _hop(
            "domain", FAIL, ctx.account_a, resource, f"no custom domain {want['name']} in account {ctx.account_a}", fix
        )
    api_id, stage_name = gw["rest_api"].get("id"), gw.get("stage_name")
    problems = []
    if domain.get("status") != "AVAILABLE":
        message = f" ({domain.get('status_message')})" if domain.get("status_message") else ""
        problems.append(f"status {domain.get('status')}{message}")
    if domain.get("endpoint_type") != "REGIONAL":
        problems.append(f"endpoint type {domain.get('endpoint_type')}, expected REGIONAL")
    if want["certificate_arn"] and domain.get("certificate_arn") != want["certificate_arn"]:
        problems.append(f"certificate {domain.get('certificate_arn')}, expected {want['certificate_arn']}")
    if domain.get("security_policy") != want["security_policy"]:
        problems.append(f"security policy {domain.get('security_policy')}, expected {want['security_policy']}")
    if (domain.get("truststore_uri") or None) != want["truststore_uri"]:
        problems.append(
            f"mutual TLS truststore {domain.get('truststore_uri') or 'none'}, expected {want['truststore_uri'] or 'none'}"
        )
    shown = want["base_path"] or "(none)"
    mapping = next(
        (item for item in domain.get("mappings") or [] if base_path_of(item.get("base_path")) == want["base_path"]),
        None,
    )
    if mapping is None:
        problems.append(f"no base path mapping {shown}, expected {shown} -> {api_id}:{stage_name}")
    elif mapping.get("rest_api_id") != api_id or mapping.get("stage") != stage_name:
        problems.append(
            f"base path {shown} maps to {mapping.get('rest_api_id')}:{mapping.get('stage')}, expected {api_id}:{stage_name}"
        )
    resource = f"{resource} ({domain.get('regional_domain_name') or '-'})"
    if problems:
        return _hop("domain", FAIL, ctx.account_a, resource, "; ".join(problems), fix)
    return _hop(
        "domain",
        OK,
        ctx.account_a,
        resource,
        f"AVAILABLE, REGIONAL, {domain.get('security_policy')}, base path {shown} -> {api_id}:{stage_name}, "
        f"{domain_url(want['name'], want['base_path'], ctx.service['path'])}",
    )


GOVERNANCE_CHECKS = (
    ("authorization", _check_authorization),
    ("partners", _check_partners),
    ("stage_policy", _check_stage_policy),
    (DOMAIN_HOP, _check_domain),
)


def service_access(service, gateway, governance):
    """Who can call the service, as declared (the report's "Who can call each service" and the summary)."""
    gw = (gateway or {}).get("snapshot") or {}
    want = governance["services"][service["name"]]
    declared = next((item for item in governance["authorizers"] if item["name"] == want["authorizer"]), None)
    callers = [partner["name"] for partner in governance["partners"] if service["name"] in partner["services"]]
    blocked_for = [partner["name"] for partner in governance["partners"] if partner["name"] not in callers]
    urls = []
    invoke_url = (gw.get("stage") or {}).get("invoke_url")
    if invoke_url:
        urls.append(invoke_url.rstrip("/") + service["path"])
    if governance["domain"]:
        urls.append(domain_url(governance["domain"]["name"], governance["domain"]["base_path"], service["path"]))
    partner_throttles = {}
    methods = [plan_method_key(path, name) for path, name, dummy in service_methods(gw, service["path"])]
    for partner in governance["partners"]:
        if partner["name"] in callers:
            values = {key: partner["methods"][key] for key in methods if key in partner["methods"]}
            partner_throttles[partner["name"]] = {"plan": partner["throttle"], "methods": values}
    return {
        "authorization": want["authorization"],
        "authorizer": want["authorizer"],
        "authorizer_type": (declared or {}).get("type"),
        "scopes": list(want["scopes"]),
        "who": _authorization_text(want, declared),
        "api_key_required": want["api_key_required"],
        "partners": callers,
        "blocked_partners": blocked_for if want["api_key_required"] else [],
        "stage_throttle": governance["stage"]["throttle"],
        "throttle": want["throttle"],
        "partner_throttles": partner_throttles,
        "urls": urls,
    }


def access_suffix(access):
    """`` auth=AWS_IAM key=fintech-a,fintech-b`` for the summary line."""
    if access["api_key_required"]:
        keys = ",".join(access["partners"]) or "required-no-partner"
    else:
        keys = "none"
    return f" auth={access['authorization']} key={keys}"


CHECKS = (
    ("api_route", _check_api_route),
    ("integration", _check_integration),
    ("stage_deployment", _check_stage_deployment),
    ("vpc_link", _check_vpc_link),
    ("alb_security_group", _check_alb_security_group),
    ("nlb", _check_nlb),
    ("listener", _check_listener),
    ("target_group", _check_target_group),
    ("target", _check_target),
    ("peering", _check_peering),
    (TRANSIT_GATEWAY, _check_transit_gateway),
    ("gateway_route", _check_gateway_route),
    ("provider_route", _check_provider_route),
    ("security_group", _check_security_group),
    ("service_endpoint", _check_service_endpoint),
)


def hop_order(alb=False, governance=None, path=PEERING):
    """The hop ids of a service path: the NLB's or the ALB's, then the governance hops when governance is
    given (``domain`` only when a custom domain is expected). With ``path`` ``transit_gateway`` the
    ``transit_gateway`` hop takes the place of ``peering``."""
    order = ALB_HOPS if alb else HOPS
    if path == TRANSIT_GATEWAY:
        order = tuple(TRANSIT_GATEWAY if name == PEERING else name for name in order)
    if governance is not None:
        order = order + GOVERNANCE_HOPS + ((DOMAIN_HOP,) if governance.get("domain") else ())
    return order


def evaluate_service(service, gateway, provider, governance=None):
    """Ordered hop list of one service path, plus the resolved resources (for the picture).

    ``governance``: the expected governance as :func:`expected_governance` returns it; with it the
    service gets the governance hops and an ``access`` entry (who can call it, as declared).
    """
    ctx = _Context(service, gateway, provider, governance)
    order = hop_order(ctx.alb, governance, ctx.path)
    for name, check in CHECKS + GOVERNANCE_CHECKS:
        if name in order:
            ctx.hops[name] = check(ctx)
    hops = [ctx.hops[name] for name in order]
    failed = [hop for hop in hops if hop["status"] == FAIL]
    result = {
        "name": service["name"],
        "provider": service.get("provider"),
        "path": service["path"],
        "port": service["port"],
        "listener_port": ctx.listener_port,
        "targets": service["targets"],
        "status": FAIL if failed else OK,
        "failed_hops": [hop["hop"] for hop in failed],
        "hops": hops,
        "resolved": {
            "nlb_arn": (ctx.nlb or {}).get("arn"),
            "target_group_arn": (ctx.tg or {}).get("arn"),
            "vpc_link_id": (ctx.link or {}).get("id"),
            "vpc_link_version": link_version(ctx.link) if ctx.link else ctx.expected_version,
            "integration_target_arn": ctx.expected_target if ctx.expected_version == "v2" else None,
            "load_balancer_type": ctx.expected_type,
            "gateway_vpc_id": ctx.vpc_a,
            "provider_vpc_ids": ctx.vpcs_b,
            "found_by": ctx.resolved["how"],
            "targets_read_by": (ctx.tg or {}).get("targets_read_by"),
        },
    }
    if ctx.connectivity == TRANSIT_GATEWAY:
        # A provider on the transit gateway: the path judged (the one the routes take) and what it crosses.
        spokes = [item for item in ctx.spoke_attachments.values() if item]
        result["resolved"].update(
            {
                "connectivity": ctx.connectivity,
                "connectivity_path": ctx.path,
                "transit_gateway_id": ctx.tgw_id,
                "hub_attachment_id": (ctx.hub_attachment or {}).get("id"),
                "transit_gateway_attachment_ids": sorted(item["id"] for item in spokes),
            }
        )
    if ctx.alb:
        # The ALB's rule that sends the service path to its target group (or the one found in its place).
        rule = ctx.alb_rule
        result["resolved"]["listener_rule"] = (
            {key: rule.get(key) for key in ("priority", "is_default", "path_patterns", "target_group_arns")}
            if rule
            else None
        )
    if governance is not None:
        result["access"] = service_access(service, gateway, governance)
    return result


def evaluate(gateway, providers, governance=None):
    """Judge every published path.

    ``gateway``: ``{name, account_id, region, gateway_tag, snapshot, state}``;
    ``providers``: ``[{name, account_id, region, services, snapshot}]``;
    ``governance``: the expected governance (path_verify's option, checked by :func:`expected_governance`,
    which raises GovernanceError), or None for no governance hops.
    Returns ``{ok, services: [...], failed: [{service, hop, account, resource, detail, fix}], summary: [str]}``
    (and ``governance``, the expected governance with its defaults, when it was given).
    """
    by_name = {provider.get("name"): provider for provider in providers or []}
    services = expected_services(gateway, providers)
    if governance is not None:
        governance = expected_governance(governance, [service["name"] for service in services])
    results = []
    for service in services:
        results.append(evaluate_service(service, gateway, by_name.get(service["provider"]), governance))
    failed = []
    for result in results:
        for hop in result["hops"]:
            if hop["status"] == FAIL:
                failed.append(dict(hop, service=result["name"]))
    evaluation = {
        "ok": not failed,
        "services": results,
        "failed": failed,
        "summary": [summary_line(result) for result in results],
    }
    if governance is not None:
        evaluation["governance"] = governance
    return evaluation


def summary_line(result):
    """One line per service: ``payments (/payments): ok (13 hops)`` or the failed hops with their fix; with
    governance, who may call it: `` auth=AWS_IAM key=fintech-a,fintech-b``."""
    head = f"{result['name']} ({result['path']}, provider {result['provider']})"
    suffix = access_suffix(result["access"]) if result.get("access") else ""
    if result["status"] == OK:
        checked = sum(1 for hop in result["hops"] if hop["status"] == OK)
        return f"{head}: ok ({checked} hops checked){suffix}"
    parts = [
        f"{hop['hop']} [{hop['account']}] {hop['resource']}: {hop['detail']} -> fix: {hop['fix']}"
        for hop in result["hops"]
        if hop["status"] == FAIL
    ]
    return f"{head}: BROKEN at " + " | ".join(parts) + suffix


def failure_message(evaluation):
    """The module's failure message: every failed hop with service, account, resource and fix."""
    lines = [f"{len(evaluation['failed'])} hop(s) failed:"]
    for hop in evaluation["failed"]:
        lines.append(
            f"- {hop['service']} / {hop['hop']} (account {hop['account']}, {hop['resource']}): {hop['detail']}. "
            f"Fix: {hop['fix']}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The picture: graph model, Mermaid and Graphviz DOT
# ---------------------------------------------------------------------------------------------

# Which node a hop's verdict colours.
HOP_NODE = {
    "api_route": "resource",
    "integration": "resource",
    "stage_deployment": "api",
    "vpc_link": "link",
    "alb_security_group": "nlb",
    "nlb": "nlb",
    "listener": "listener",
    "target_group": "tg",
    "target": "tg",
    "peering": "peering",
    # The transit gateway takes the peering's place in the picture (version 0.5.0).
    TRANSIT_GATEWAY: "peering",
    "gateway_route": "nlb",
    "provider_route": "target",
    "security_group": "target",
    "service_endpoint": "target",
    "authorization": "resource",
    "partners": "api",
    "stage_policy": "api",
    "domain": "api",
}


def _node_id(*parts):
    text = "_".join(str(part) for part in parts if part is not None)
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


class Graph:
    """Clusters (accounts, VPCs) holding nodes, and edges; each node collects the hops that judged it."""

    def __init__(self):
        self.clusters = {}  # id -> {label, parent}
        self.nodes = {}  # id -> {label: [lines], cluster, kind, status, failed: []}
        self.edges = []  # (from, to, label)

    def cluster(self, cluster_id, label, parent=None):
        self.clusters.setdefault(cluster_id, {"label": label, "parent": parent})
        return cluster_id

    def node(self, node_id, lines, cluster=None, kind="box"):
        if node_id not in self.nodes:
            self.nodes[node_id] = {"lines": list(lines), "cluster": cluster, "kind": kind, "status": None, "failed": []}
        return node_id

    def edge(self, source, target, label=""):
        if source and target and (source, target, label) not in self.edges:
            self.edges.append((source, target, label))

    def mark(self, node_id, hop):
        node = self.nodes.get(node_id)
        if not node:
            return
        if hop["status"] == FAIL:
            node["status"] = FAIL
            if hop["hop"] not in node["failed"]:
                node["failed"].append(hop["hop"])
        elif hop["status"] == OK and node["status"] is None:
            node["status"] = OK


def build_graph(gateway, providers, evaluation):
    """The discovered topology of every evaluated path as a :class:`Graph`."""
    graph = Graph()
    gw = (gateway or {}).get("snapshot") or {}
    account_a = gw.get("account_id") or (gateway or {}).get("account_id") or "?"
    region_a = gw.get("region") or (gateway or {}).get("region") or "?"
    acct_a = graph.cluster(
        _node_id("acct", account_a), f"{(gateway or {}).get('name') or 'gateway'} · account {account_a} · {region_a}"
    )
    api = gw.get("rest_api") or {}
    stage = gw.get("stage") or {}
    api_node = graph.node(
        "api",
        [
            f"REST API {api.get('name') or gw.get('rest_api_name') or '?'} ({api.get('id') or 'missing'})",
            f"stage {gw.get('stage_name') or stage.get('name') or '?'} · deployment {stage.get('deployment_id') or '-'}",
        ],
        acct_a,
    )
    by_provider = {p.get("name"): p for p in providers or []}
    vpc_clusters = {}

    def vpc_cluster(snapshot, account_cluster, vpc_id, prefix):
        if not vpc_id:
            return account_cluster
        if vpc_id not in vpc_clusters:
            vpc = _by(snapshot.get("vpcs"), "id", vpc_id) or {}
            vpc_clusters[vpc_id] = graph.cluster(
                _node_id(prefix, vpc_id), f"{vpc_id} · {', '.join(vpc.get('cidrs') or []) or '?'}", account_cluster
            )
        return vpc_clusters[vpc_id]

    for result in evaluation.get("services") or []:
        hops = {hop["hop"]: hop for hop in result["hops"]}
        resolved = result["resolved"]
        provider = by_provider.get(result["provider"]) or {}
        pv = provider.get("snapshot") or {}
        account_b = pv.get("account_id") or provider.get("account_id") or "?"
        acct_b = graph.cluster(
            _node_id("acct", account_b),
            f"{provider.get('name') or '?'} · account {account_b} · {pv.get('region') or provider.get('region') or '?'}",
        )
        ids = {"api": api_node}
        methods = sorted({name for dummy, name, dummy2 in service_methods(gw, result["path"])}) or ["-"]
        ids["resource"] = graph.node(
            _node_id("res", result["path"]),
            [f"{result['path']} ({', '.join(methods)})", f"service {result['name']}"],
            acct_a,
        )
        graph.edge(api_node, ids["resource"])
        link = _by(gw.get("vpc_links"), "id", resolved.get("vpc_link_id"))
        gw_vpc = vpc_cluster(gw, acct_a, resolved.get("gateway_vpc_id"), "vpc_a")
        if link and link_version(link) == "v2":
            # A VPC link v2 has network interfaces in the gateway VPC's subnets: drawn inside the VPC.
            ids["link"] = graph.node(
                _node_id("link", link["id"]),
                [
                    f"VPC link v2 {link.get('name')}",
                    f"{link['id']} · {link.get('status')}",
                    f"sg {', '.join(link.get('security_group_ids') or []) or '-'}",
                ],
                gw_vpc,
            )
        elif link:
            ids["link"] = graph.node(
                _node_id("link", link["id"]),
                [f"VPC link {link.get('name')}", f"{link['id']} · {link.get('status')}"],
                acct_a,
            )
        else:
            label = "VPC link v2" if resolved.get("vpc_link_version") == "v2" else "VPC link"
            ids["link"] = graph.node(_node_id("link_missing", result["name"]), [label, "missing"], acct_a)
        graph.edge(ids["resource"], ids["link"], "VPC_LINK")
        nlb = _by(gw.get("load_balancers"), "arn", resolved.get("nlb_arn"))
        expected_type = resolved.get("load_balancer_type") or NETWORK
        label = lb_label(nlb, expected_type)
        tg = _by(gw.get("target_groups"), "arn", resolved.get("target_group_arn"))
        if nlb:
            cidrs = [
                (_by(gw.get("subnets"), "id", sid) or {}).get("cidr") or sid for sid in nlb.get("subnet_ids") or []
            ]
            lines = [
                f"{label} {nlb['name']}",
                f"{nlb.get('scheme')} · {nlb.get('state')}",
                "subnets " + ", ".join(cidrs),
            ]
            if label == "ALB":
                lines.append(f"sg {', '.join(lb_security_group_ids(nlb)) or '-'}")
            ids["nlb"] = graph.node(_node_id("alb" if label == "ALB" else "nlb", nlb["name"]), lines, gw_vpc)
        else:
            ids["nlb"] = graph.node(
                _node_id("alb_missing" if label == "ALB" else "nlb_missing", result["name"]), [label, "missing"], gw_vpc
            )
        graph.edge(ids["link"], ids["nlb"], "integrationTarget" if link and link_version(link) == "v2" else "")
        if expected_type == APPLICATION and label == "ALB":
            # An ALB routes on the path: one node per service's rule, on the listener it belongs to.
            listener = next(
                (
                    item
                    for item in gw.get("listeners") or []
                    if nlb
                    and item.get("load_balancer_arn") == nlb["arn"]
                    and item.get("port") == result["listener_port"]
                ),
                {},
            )
            rule = resolved.get("listener_rule") or {}
            patterns = rule.get("path_patterns") or service_patterns(result["path"])
            forwards = [
                _name(_by(gw.get("target_groups"), "arn", arn), arn) for arn in rule.get("target_group_arns") or []
            ]
            head = f"{listener.get('protocol') or 'HTTP'}:{result['listener_port']} {', '.join(patterns)}"
            ids["listener"] = graph.node(
                _node_id("rule", nlb["name"] if nlb else result["name"], result["listener_port"], result["name"]),
                [
                    f"{head} -> {', '.join(forwards) or (tg or {}).get('name') or '?'}",
                    rule_label(rule) if rule else "no rule",
                ],
                gw_vpc,
            )
        else:
            ids["listener"] = graph.node(
                _node_id("lst", nlb["name"] if nlb else result["name"], result["listener_port"]),
                [f"listener TCP:{result['listener_port']}"],
                gw_vpc,
            )
        graph.edge(ids["nlb"], ids["listener"])
        if tg:
            ids["tg"] = graph.node(
                _node_id("tg", tg["name"]),
                [
                    f"target group {tg['name']}",
                    # An ALB's target group says its protocol (HTTP); an NLB's keeps the line it had.
                    (f"{tg.get('protocol')} · " if tg.get("protocol") in HTTP_PROTOCOLS else "")
                    + f"{tg.get('target_type')} · port {tg.get('port')}",
                ],
                gw_vpc,
            )
        else:
            ids["tg"] = graph.node(_node_id("tg_missing", result["name"]), ["target group", "missing"], gw_vpc)
        graph.edge(ids["listener"], ids["tg"])
        link_label = f"tcp/{result['port']}"
        if TRANSIT_GATEWAY in hops:
            # Hub and spoke: one node per transit gateway between the gateway VPC and every provider VPC on
            # it; the edge to each target names the provider's attachment.
            view = gw.get("transit_gateway") or {}
            tgw = view.get("transit_gateway") or {}
            tgw_id = resolved.get("transit_gateway_id")
            ids["peering"] = graph.node(
                _node_id("tgw", tgw_id or view.get("name") or "missing"),
                [
                    f"Transit Gateway {view.get('name') or tgw.get('name') or '?'}",
                    f"{tgw_id or 'missing'} · account {account_a} · {tgw.get('state') or '-'}",
                    f"hub attachment {resolved.get('hub_attachment_id') or '-'}",
                ],
                None,
                kind=TRANSIT_GATEWAY,
            )
            attachments = resolved.get("transit_gateway_attachment_ids") or []
            link_label += f" · {', '.join(attachments) or 'no attachment'}"
        else:
            peering_hop = hops.get("peering") or {}
            pcx_label = peering_hop.get("resource") or "peering"
            pcx_state = "active" if peering_hop.get("status") == OK else peering_hop.get("status") or "?"
            ids["peering"] = graph.node(
                _node_id("pcx", pcx_label),
                [f"VPC peering {pcx_label}", f"{account_a} <-> {account_b} · {pcx_state}"],
                None,
                kind="peering",
            )
        ids["target"] = None
        for ip in result["targets"]:
            entry = _by(pv.get("targets"), "ip", ip) or {}
            eni = entry.get("eni") or {}
            registered = [t for t in (tg or {}).get("targets") or [] if t.get("ip") == ip]
            az = ", ".join(sorted({str(t.get("availability_zone") or "-") for t in registered})) or "not registered"
            cluster = vpc_cluster(pv, acct_b, entry.get("vpc_id"), "vpc_b")
            target_node = graph.node(
                _node_id("ip", account_b, ip),
                [
                    f"{ip}:{result['port']} ({result['name']})",
                    f"{eni.get('id') or 'no ENI'} · {', '.join(eni.get('security_group_ids') or []) or '-'}",
                    f"target az {az}",
                ],
                cluster,
            )
            graph.edge(ids["tg"], ids["peering"])
            graph.edge(ids["peering"], target_node, link_label)
            ids["target"] = target_node
            for hop_name in ("provider_route", "security_group", "service_endpoint"):
                graph.mark(target_node, hops[hop_name])
        for hop_name, node_key in HOP_NODE.items():
            if node_key == "target" or hop_name not in hops:
                continue
            graph.mark(ids.get(node_key), hops[hop_name])
    return graph


def _escape_mermaid(text):
    return str(text).replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def render_mermaid(graph):
    """Mermaid ``flowchart TB`` source (without the Markdown fence)."""
    lines = ["flowchart TB"]

    def emit(cluster_id, indent):
        for child_id, cluster in graph.clusters.items():
            if cluster["parent"] == cluster_id:
                lines.append(f'{indent}subgraph {child_id}["{_escape_mermaid(cluster["label"])}"]')
                emit(child_id, indent + "  ")
                lines.append(f"{indent}end")
        for node_id, node in graph.nodes.items():
            if node["cluster"] == cluster_id:
                label = "<br/>".join(_escape_mermaid(line) for line in _node_lines(node))
                if node["kind"] == "peering":
                    lines.append(f'{indent}{node_id}{{{{"{label}"}}}}')
                elif node["kind"] == TRANSIT_GATEWAY:
                    lines.append(f'{indent}{node_id}(["{label}"])')
                else:
                    lines.append(f'{indent}{node_id}["{label}"]')

    emit(None, "  ")
    for source, target, label in graph.edges:
        if label:
            lines.append(f'  {source} -->|"{_escape_mermaid(label)}"| {target}')
        else:
            lines.append(f"  {source} --> {target}")
    lines.append("  classDef ok fill:#e6f4ea,stroke:#1e8e3e,color:#0d3d1b")
    lines.append("  classDef fail fill:#fce8e6,stroke:#d93025,stroke-width:3px,color:#5c0b05")
    for status in (OK, FAIL):
        members = [node_id for node_id, node in graph.nodes.items() if node["status"] == status]
        if members:
            lines.append(f"  class {','.join(members)} {status}")
    return "\n".join(lines) + "\n"


def _node_lines(node):
    lines = list(node["lines"])
    if node["failed"]:
        lines.append("FAILED: " + ", ".join(node["failed"]))
    return lines


def _escape_dot(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def render_dot(graph, title=None):
    """Graphviz DOT source of the graph (clusters for accounts and VPCs, failed nodes in red)."""
    out = [
        "digraph paths {",
        "  graph [rankdir=TB, fontname=Helvetica, fontsize=12, nodesep=0.35, ranksep=0.5, compound=true];",
        '  node [shape=box, style="rounded,filled", fontname=Helvetica, fontsize=10, fillcolor="#ffffff"];',
        '  edge [fontname=Helvetica, fontsize=9, color="#555555"];',
    ]
    if title:
        out.append(f'  labelloc=t; label="{_escape_dot(title)}";')
    colours = {
        OK: ('"#e6f4ea"', '"#1e8e3e"', "1"),
        FAIL: ('"#fce8e6"', '"#d93025"', "3"),
        None: ('"#f1f3f4"', '"#80868b"', "1"),
    }

    def emit(cluster_id, indent):
        for child_id, cluster in graph.clusters.items():
            if cluster["parent"] == cluster_id:
                out.append(f"{indent}subgraph cluster_{child_id} {{")
                out.append(f'{indent}  label="{_escape_dot(cluster["label"])}"; style="rounded"; color="#9aa0a6";')
                emit(child_id, indent + "  ")
                out.append(f"{indent}}}")
        for node_id, node in graph.nodes.items():
            if node["cluster"] == cluster_id:
                fill, stroke, width = colours[node["status"]]
                label = "\\n".join(_escape_dot(line) for line in _node_lines(node))
                shape = {"peering": "hexagon", TRANSIT_GATEWAY: "doubleoctagon"}.get(node["kind"], "box")
                out.append(
                    f'{indent}{node_id} [label="{label}", shape={shape}, fillcolor={fill}, color={stroke}, penwidth={width}];'
                )

    emit(None, "  ")
    for source, target, label in graph.edges:
        suffix = f' [label="{_escape_dot(label)}"]' if label else ""
        out.append(f"  {source} -> {target}{suffix};")
    out.append("}")
    return "\n".join(out) + "\n"


def _cell(text):
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _throttle_words(throttle):
    return f"{_number(throttle['rate_limit'])} req/s, burst {throttle['burst_limit']}"


def render_access(evaluation):
    """The report's section "Who can call each service": authorization, API keys, throttles and URLs, as
    declared, with the verdict of the governance hops (never a key value: the snapshot has none)."""
    lines = ["## Who can call each service", ""]
    for result in evaluation["services"]:
        access = result["access"]
        hops = {hop["hop"]: hop for hop in result["hops"]}
        if access["api_key_required"]:
            keys = (
                f"with an API key of: {', '.join(access['partners'])}"
                if access["partners"]
                else "an API key is required, but no partner may call it"
            )
            if access["blocked_partners"]:
                keys += f" (blocked for: {', '.join(access['blocked_partners'])})"
        else:
            keys = "no API key"
        throttles = []
        if access["stage_throttle"]:
            throttles.append(f"stage {_throttle_words(access['stage_throttle'])} (*/*)")
        if access["throttle"]:
            throttles.append(f"its methods {_throttle_words(access['throttle'])}")
        for name, values in access["partner_throttles"].items():
            parts = [f"{key} {_throttle_text(value)}" for key, value in values["methods"].items()]
            if values["plan"]:
                parts.insert(0, f"plan {_throttle_words(values['plan'])}")
            if parts:
                throttles.append(f"{name}: {', '.join(parts)}")
        verdict = ", ".join(
            f"{name} {'**FAIL**' if hops[name]['status'] == FAIL else hops[name]['status']}"
            for name in GOVERNANCE_HOPS + (DOMAIN_HOP,)
            if name in hops
        )
        lines += [
            f"### {result['name']} ({result['path']})",
            "",
            f"- Authorization: {access['who']}",
            f"- API key: {keys}",
            f"- Throttles: {'; '.join(throttles) or 'the account defaults'}",
            f"- URLs: {', '.join(access['urls']) or 'none (no stage)'}",
            f"- Verdict: {verdict}",
            "",
        ]
    return lines


def connectivity_words(result):
    """``, transit gateway tgw-1`` in a service's heading when its provider is on the transit gateway (nothing
    for a peering, whose headings stay as they were)."""
    resolved = result.get("resolved") or {}
    if resolved.get("connectivity") != TRANSIT_GATEWAY:
        return ""
    if resolved.get("connectivity_path") == PEERING:
        return ", transit gateway planned, the routes still take the peering"
    return f", transit gateway {resolved.get('transit_gateway_id') or 'missing'}"


def render_markdown(gateway, evaluation, mermaid, images=None, notes=None, probes=None):
    """The Markdown report: verdict, Mermaid topology, image links and one hop table per service."""
    gw = (gateway or {}).get("snapshot") or {}
    api = gw.get("rest_api") or {}
    total = len(evaluation["services"])
    healthy = sum(1 for result in evaluation["services"] if result["status"] == OK)
    lines = [
        f"# Path verification: {api.get('name') or gw.get('rest_api_name') or 'REST API'} (stage {gw.get('stage_name') or '?'})",
        "",
        f"**{'ALL PATHS OK' if evaluation['ok'] else 'BROKEN'}**: {healthy} of {total} published path(s) pass every hop.",
        "",
    ]
    for line in evaluation["summary"]:
        lines.append(f"- {line}")
    lines += ["", "## Topology", "", "```mermaid", mermaid.rstrip("\n"), "```", ""]
    for kind, path in sorted((images or {}).items()):
        lines.append(f"![topology ({kind})]({path})")
    for note in notes or []:
        lines.append(f"> {note}")
    lines.append("")
    if probes:
        lines += [
            "## Live probe",
            "",
            "| service | probe | target | status | expected | result |",
            "|---|---|---|---|---|---|",
        ]
        for probe in probes:
            lines.append(
                "| "
                + " | ".join(_cell(probe.get(key)) for key in ("service", "kind", "target", "status", "expected"))
                + f" | {'ok' if probe.get('ok') else 'FAIL'} |"
            )
        lines.append("")
    if evaluation.get("governance") is not None:
        lines += render_access(evaluation)
    for result in evaluation["services"]:
        lines += [
            f"## {result['name']}: {result['path']} (provider {result['provider']}, port {result['port']}"
            f"{connectivity_words(result)}) {result['status'].upper()}",
            "",
            "| # | hop | status | account | resource | detail | fix |",
            "|---|---|---|---|---|---|---|",
        ]
        for index, hop in enumerate(result["hops"], start=1):
            status = {OK: "ok", FAIL: "**FAIL**", SKIPPED: "skipped"}[hop["status"]]
            lines.append(
                f"| {index} | {hop['hop']} | {status} | {_cell(hop['account'])} | {_cell(hop['resource'])} | "
                f"{_cell(hop['detail'])} | {_cell(hop['fix'] or '')} |"
            )
        lines.append("")
    return "\n".join(lines)
