# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure network helpers (no boto3): validation, CIDR overlap, target AZ choice, port checks.

Every function raises ``ValueError`` with a message that names the offending field, so callers
can fail before any AWS call with ``module.fail_json(msg=str(error))``.
"""

import ipaddress
import re

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")


def parse_ipv4(value, field):
    """Return an IPv4Address or raise ValueError naming ``field``."""
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not an IPv4 address (expected e.g. 10.0.1.25)") from None
    if address.version != 4:
        raise ValueError(f"{field}: {value!r} is an IPv6 address; only IPv4 targets are supported")
    return address


def parse_cidr(value, field):
    """Return an IPv4Network (strict: host bits must be zero) or raise ValueError naming ``field``."""
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=True)
    except ValueError as error:
        raise ValueError(f"{field}: {value!r} is not a valid IPv4 CIDR block ({error})") from None
    if network.version != 4:
        raise ValueError(f"{field}: {value!r} is an IPv6 CIDR; an IPv4 block is required")
    return network


def parse_port(value, field):
    """Return an int port in 1..65535 or raise ValueError naming ``field``."""
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {value!r} is not a port number (1-65535)") from None
    if isinstance(value, bool) or str(value).strip() != str(port) or not 1 <= port <= 65535:
        raise ValueError(f"{field}: {value!r} is not a port number (1-65535)")
    return port


def check_account_id(value, field):
    """Return the account id as a 12-digit string or raise ValueError naming ``field``."""
    text = str(value)
    if not ACCOUNT_ID_RE.match(text):
        raise ValueError(f'{field}: {value!r} is not a 12-digit AWS account id (quote it in YAML: "012345678901")')
    return text


def cidrs_overlap(first, second):
    """True when two CIDR strings share at least one address."""
    return ipaddress.ip_network(first).overlaps(ipaddress.ip_network(second))


def find_overlaps(labelled_cidrs):
    """Pairs of labels whose CIDRs overlap.

    ``labelled_cidrs`` is a list of ``(label, cidr)``; returns a list of
    ``(label_a, cidr_a, label_b, cidr_b)`` in input order.
    """
    parsed = [(label, cidr, ipaddress.ip_network(cidr)) for label, cidr in labelled_cidrs]
    overlaps = []
    for index, (label_a, cidr_a, net_a) in enumerate(parsed):
        for label_b, cidr_b, net_b in parsed[index + 1 :]:
            if net_a.overlaps(net_b):
                overlaps.append((label_a, cidr_a, label_b, cidr_b))
    return overlaps


def ip_in_cidrs(ip, cidrs):
    """True when ``ip`` lies inside any CIDR of ``cidrs``."""
    address = ipaddress.ip_address(ip)
    return any(address in ipaddress.ip_network(cidr) for cidr in cidrs)


def choose_availability_zone(ip, vpc_cidrs, requested=None):
    """AZ to register an IP target with.

    AWS requires ``all`` for an IP outside every CIDR of the target group's VPC (a peered VPC or
    on-premises address); inside the VPC the AZ is left to AWS (``None``) unless one was asked for.
    """
    if requested:
        return requested
    return None if ip_in_cidrs(ip, vpc_cidrs) else "all"


def port_collisions(labelled_ports):
    """Ports claimed by more than one label: ``{port: [label, ...]}`` for each collision."""
    owners = {}
    for label, port in labelled_ports:
        owners.setdefault(int(port), []).append(label)
    return {port: labels for port, labels in owners.items() if len(labels) > 1}


def normalise_path(value, field):
    """Return an API path segment list such as ``payments/v2`` (no slashes at either end).

    Raises ValueError naming ``field`` for empty paths, ``{}`` placeholders or characters API
    Gateway does not accept in a resource path part.
    """
    text = str(value or "").strip().strip("/")
    if not text:
        raise ValueError(f"{field}: the path is empty; give a resource path such as 'payments'")
    for part in text.split("/"):
        if not re.match(r"^[A-Za-z0-9._\-~]+$", part):
            raise ValueError(
                f"{field}: {value!r} has an invalid path part {part!r}; use letters, digits and . _ - ~ separated by /"
            )
    return text
