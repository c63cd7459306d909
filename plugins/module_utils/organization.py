# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Organizations as an inventory source, for the ``aws_organization`` inventory plugin.

Two halves:

* thin API layer: one small function per boto3 call, paginated and retried with the collection's
  jittered backoff (``aws_retry``), and ``read_organization`` that walks the OU tree once and returns
  a plain, cacheable *snapshot* ``{organization, roots, ous, accounts}``;
* pure logic with no boto3 (OU references and paths, host names, gateway/provider choice, account
  tags decoded into inventory variables, the catalogue merge), unit-tested: ``build_hosts`` turns a
  snapshot and the plugin options into hosts of the public inventory contract.

Nothing here plans or validates the contract keys themselves: the planner (``plan.py``, run by the
preflight role) does that. Every error raised here is an ``OrganizationInventoryError`` whose message
names the option, tag or file at fault and how to fix it.
"""

import os
import re

from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry

SHARED = "shared"
PROVIDER = "provider"
# Inventory groups of the public contract (DESIGN.md): one gateway account, any number of providers.
GROUPS = {SHARED: "shared_services", PROVIDER: "providers"}
# Values of the group tag (option group_tag) and the kind they select.
TAG_KINDS = {"gateway": SHARED, "provider": PROVIDER}

ACTIVE = "ACTIVE"
ACCOUNT_ID_RE = re.compile(r"^[0-9]{12}$")
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ROOT_ID_RE = re.compile(r"^r-[0-9a-z]{4,32}$")
VAR_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HOST_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_HOST_UNSAFE = re.compile(r"[^a-z0-9]+")
CATALOGUE_SUFFIXES = (".yml", ".yaml")
# Keys the inventory sets from the organisation itself; a catalogue entry may not contradict them.
OWNED_KEYS = ("aws_account_id",)
# The keys a provider needs in its catalogue entry (or tags), named in the "missing entry" error.
PROVIDER_ENTRY_HINT = "provider_vpc_cidr (or provider_vpc_id) and provider_vpc_services"
GATEWAY_ENTRY_HINT = "shared_gateway_vpc_cidr, shared_gateway_subnets and api_publish_name"


class OrganizationInventoryError(ValueError):
    """A problem with the plugin options, the organisation or the catalogue, worded for the user."""


# --------------------------------------------------------------------------------------------
# API layer: organizations (paginated, retried)
# --------------------------------------------------------------------------------------------


@aws_retry
def describe_organization(client):
    return client.describe_organization()["Organization"]


@aws_retry
def list_roots(client):
    return client.get_paginator("list_roots").paginate().build_full_result().get("Roots", [])


@aws_retry
def list_organizational_units_for_parent(client, parent_id):
    paginator = client.get_paginator("list_organizational_units_for_parent")
    return paginator.paginate(ParentId=parent_id).build_full_result().get("OrganizationalUnits", [])


@aws_retry
def list_accounts_for_parent(client, parent_id):
    paginator = client.get_paginator("list_accounts_for_parent")
    return paginator.paginate(ParentId=parent_id).build_full_result().get("Accounts", [])


@aws_retry
def list_tags_for_resource(client, resource_id):
    paginator = client.get_paginator("list_tags_for_resource")
    return paginator.paginate(ResourceId=resource_id).build_full_result().get("Tags", [])


def read_organization(client, scope=None):
    """Walk the organisation once and return a JSON-able snapshot (what the inventory cache keeps).

    The OU tree is always read whole from the root(s) (one ListOrganizationalUnitsForParent per OU),
    so OU paths and ids resolve without more calls; accounts (and their tags) are read only under
    the OUs of ``scope`` (a list of OU references, see ``resolve_ou``; empty: the whole organisation).
    """
    organization = describe_organization(client)
    roots = [{"id": root["Id"], "name": root.get("Name") or "Root"} for root in list_roots(client)]
    ous = {}
    pending = []
    for root in roots:
        ous[root["id"]] = {"id": root["id"], "name": root["name"], "parent": None}
        pending.append(root["id"])
    while pending:
        parent = pending.pop(0)
        for child in list_organizational_units_for_parent(client, parent):
            ous[child["Id"]] = {"id": child["Id"], "name": child.get("Name") or child["Id"], "parent": parent}
            pending.append(child["Id"])

    snapshot = {
        "organization": {
            "id": organization.get("Id"),
            "management_account_id": organization.get("MasterAccountId"),
        },
        "roots": roots,
        "ous": ous,
        "accounts": [],
    }
    starts = [resolve_ou(snapshot, ref, "organizational_units") for ref in scope or []] or [r["id"] for r in roots]
    for parent in sorted(subtree(snapshot, starts)):
        for account in list_accounts_for_parent(client, parent):
            entry = {
                "id": account["Id"],
                "name": account.get("Name") or "",
                "arn": account.get("Arn") or "",
                "status": account.get("Status"),
                "state": account.get("State"),
                "parent": parent,
                "tags": {},
            }
            if is_active(entry):
                entry["tags"] = {tag["Key"]: tag["Value"] for tag in list_tags_for_resource(client, account["Id"])}
            snapshot["accounts"].append(entry)
    snapshot["accounts"].sort(key=lambda item: item["id"])
    return snapshot


# --------------------------------------------------------------------------------------------
# Pure logic: the OU tree
# --------------------------------------------------------------------------------------------


def account_label(account):
    """``payments (222222222222)``: how messages name an account."""
    name = account.get("name")
    return f"{name} ({account['id']})" if name else account["id"]


def is_active(account):
    """Only ACTIVE accounts become hosts (``State``, or the older ``Status`` when State is absent)."""
    return (account.get("state") or account.get("status")) == ACTIVE


def ancestry(snapshot, parent_id):
    """Ids from the root down to ``parent_id`` (included)."""
    chain = []
    current = parent_id
    while current is not None and current in snapshot["ous"] and current not in chain:
        chain.append(current)
        current = snapshot["ous"][current]["parent"]
    return list(reversed(chain))


def ou_path(snapshot, parent_id):
    """``Root/Workloads/Cards``: the names from the root down to ``parent_id``."""
    return "/".join(snapshot["ous"][node]["name"] for node in ancestry(snapshot, parent_id))


def subtree(snapshot, starts):
    """The ids of ``starts`` and of every OU below them."""
    children = {}
    for node in snapshot["ous"].values():
        children.setdefault(node["parent"], []).append(node["id"])
    seen = set()
    pending = list(starts)
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        pending.extend(children.get(node, []))
    return seen


def resolve_ou(snapshot, ref, option):
    """The id of the root or OU ``ref`` names, or an error naming ``option``.

    ``ref`` is a root id (``r-...``), an OU id (``ou-...``) or a path of OU names from the root:
    ``/Workloads/Cards`` or, with the root's name first, ``Root/Workloads/Cards``; ``/`` is the root.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise OrganizationInventoryError(
            f"{option}: {ref!r} is not an OU reference; give an OU id (ou-...), a root id (r-...) "
            "or a path of OU names such as /Workloads/Cards"
        )
    ref = ref.strip()
    if ROOT_ID_RE.match(ref) or OU_ID_RE.match(ref):
        if ref not in snapshot["ous"]:
            raise OrganizationInventoryError(
                f"{option}: {ref} is not a root or OU of organisation {snapshot['organization'].get('id')}; "
                "check the id (aws organizations list-organizational-units-for-parent) or give a path such as /Workloads"
            )
        return ref
    parts = ref.split("/")
    roots = snapshot["roots"]
    if parts[0] == "":
        if len(roots) != 1:
            raise OrganizationInventoryError(
                f"{option}: {ref!r} starts at the root, but the organisation has {len(roots)} roots; "
                "start the path with the root's name or give an OU id"
            )
        current = roots[0]["id"]
    else:
        match = [root for root in roots if root["name"] == parts[0]]
        if not match:
            names = ", ".join(root["name"] for root in roots)
            raise OrganizationInventoryError(
                f"{option}: {ref!r} is neither an OU id (ou-...), a root id (r-...) nor a path from the root; "
                f"start the path with / or with the root's name ({names}), e.g. /Workloads/Cards"
            )
        current = match[0]["id"]
    for name in [part for part in parts[1:] if part != ""]:
        children = sorted(
            (node for node in snapshot["ous"].values() if node["parent"] == current), key=lambda node: node["name"]
        )
        found = [node for node in children if node["name"] == name]
        if not found:
            known = ", ".join(node["name"] for node in children) or "none"
            raise OrganizationInventoryError(
                f"{option}: {ref!r}: {ou_path(snapshot, current)} has no OU named {name!r} "
                f"(its OUs: {known}); fix the path (names are case-sensitive) or give the OU id"
            )
        current = found[0]["id"]
    return current


# --------------------------------------------------------------------------------------------
# Pure logic: host names and groups
# --------------------------------------------------------------------------------------------


def sanitise_host_name(name):
    """An account name as a host name: lower case, runs of other characters than [a-z0-9] become ``-``."""
    return _HOST_UNSAFE.sub("-", str(name or "").lower()).strip("-")


def host_name(account, hostname_tag):
    """The inventory host name of an account: its ``hostname_tag`` tag, else its name made safe."""
    tags = account.get("tags") or {}
    if hostname_tag and hostname_tag in tags:
        value = tags[hostname_tag].strip()
        if not HOST_NAME_RE.match(value):
            raise OrganizationInventoryError(
                f"{account_label(account)}: tag {hostname_tag}={tags[hostname_tag]!r} is not a valid host name; "
                "use letters, digits, '-', '_' and '.', starting with a letter or digit (or set the option "
                "hostname_tag to another tag key)"
            )
        return value
    return sanitise_host_name(account.get("name")) or f"account-{account['id']}"


def choose_kind(account, ancestors, options):
    """``(kind, reason)``: ``shared``, ``provider`` or None (left out), and why.

    Precedence: the ``group_tag`` tag of the account (``gateway`` / ``provider``), then
    ``gateway_account_id``, then ``gateway_ou``, then ``provider_ous`` (an account anywhere below one
    of them). ``ancestors`` are the ids from the root to the account's parent; ``gateway_ou`` and
    ``provider_ous`` are resolved ids.
    """
    tag_key = options.get("group_tag")
    tags = account.get("tags") or {}
    gateway_id = options.get("gateway_account_id")
    if tag_key and tag_key in tags:
        value = tags[tag_key].strip().lower()
        if value not in TAG_KINDS:
            raise OrganizationInventoryError(
                f"{account_label(account)}: tag {tag_key}={tags[tag_key]!r} is neither gateway nor provider; "
                f"set it to gateway or provider, or remove it to leave the account out"
            )
        kind = TAG_KINDS[value]
        if gateway_id and (kind == SHARED) != (account["id"] == gateway_id):
            raise OrganizationInventoryError(
                f"{account_label(account)}: tag {tag_key}={tags[tag_key]} contradicts the option "
                f"gateway_account_id ({gateway_id}); fix the tag or the option"
            )
        return kind, f"tag {tag_key}={tags[tag_key]}"
    if gateway_id and account["id"] == gateway_id:
        return SHARED, "option gateway_account_id"
    gateway_ou = options.get("gateway_ou")
    if gateway_ou and gateway_ou in ancestors:
        return SHARED, f"under gateway_ou {gateway_ou}"
    for ou in options.get("provider_ous") or []:
        if ou in ancestors:
            return PROVIDER, f"under provider_ous {ou}"
    return None, (
        f"no {tag_key} tag, not gateway_account_id, not under gateway_ou or provider_ous"
        if tag_key
        else "not gateway_account_id, not under gateway_ou or provider_ous"
    )


# --------------------------------------------------------------------------------------------
# Pure logic: catalogue (account tags and one YAML file per account)
# --------------------------------------------------------------------------------------------


def _scalar(text):
    """``8080`` -> 8080 (ports); anything else stays a string."""
    return int(text) if text.isdigit() and (text == "0" or not text.startswith("0")) else text


def parse_service_tag(account, key, name, value):
    """One service from a tag ``<service_tag_prefix><name>`` = ``port=8080 path=payments targets=10.0.1.25+10.0.2.25``.

    AWS Organizations tag values accept only letters, digits, spaces and ``_ . : / = + - @``, so a
    service is space-separated ``key=value`` pairs; ``targets`` lists IPs joined with ``+``.
    """
    service = {"name": name}
    for token in value.split():
        field, sep, text = token.partition("=")
        if not sep or not field or not text:
            raise OrganizationInventoryError(
                f"{account_label(account)}: tag {key}: {token!r} is not key=value; write the service as "
                "'port=8080 path=payments targets=10.0.1.25+10.0.2.25' (optional listener_port=9080)"
            )
        if field in service:
            raise OrganizationInventoryError(
                f"{account_label(account)}: tag {key}: {field} is given twice; keep one {field}=..."
            )
        if field == "targets":
            service[field] = [ip for ip in text.split("+") if ip]
        else:
            service[field] = _scalar(text)
    return service


def tag_vars(account, var_prefix, service_prefix):
    """Inventory variables an account's tags carry.

    ``<var_prefix><key>`` = value sets ``key`` (a string); ``<service_prefix><name>`` = a service
    (``parse_service_tag``), collected, by name, into ``provider_vpc_services``.
    """
    result = {}
    services = []
    for key in sorted(account.get("tags") or {}):
        value = account["tags"][key]
        if var_prefix and key.startswith(var_prefix):
            name = key[len(var_prefix) :]
            if not VAR_NAME_RE.match(name):
                raise OrganizationInventoryError(
                    f"{account_label(account)}: tag {key}: {name!r} is not a variable name; "
                    f"name an inventory key after {var_prefix}, e.g. {var_prefix}provider_vpc_cidr"
                )
            if name in OWNED_KEYS:
                raise OrganizationInventoryError(
                    f"{account_label(account)}: tag {key}: {name} comes from the organisation; remove the tag"
                )
            result[name] = value
        elif service_prefix and key.startswith(service_prefix):
            services.append(parse_service_tag(account, key, key[len(service_prefix) :], value))
    if services:
        if "provider_vpc_services" in result:
            raise OrganizationInventoryError(
                f"{account_label(account)}: tags {var_prefix}provider_vpc_services and {service_prefix}* both "
                f"set the services; use {service_prefix}<name> tags only"
            )
        result["provider_vpc_services"] = services
    return result


def catalogue_files(directory, account_id, host):
    """Candidate catalogue files of an account: ``<id>.yml|.yaml`` then ``<host>.yml|.yaml``."""
    return [os.path.join(directory, stem + suffix) for stem in (account_id, host) for suffix in CATALOGUE_SUFFIXES]


def find_catalogue_file(directory, account, host, exists=os.path.isfile):
    """The one catalogue file of an account, None when it has none; two files are an error."""
    found = [path for path in catalogue_files(directory, account["id"], host) if exists(path)]
    if len(found) > 1:
        raise OrganizationInventoryError(
            f"{account_label(account)}: catalogue files {', '.join(found)} all describe host {host}; keep one"
        )
    return found[0] if found else None


def check_catalogue_entry(account, path, data):
    """A catalogue file's content: a mapping of variable names, not contradicting the organisation."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise OrganizationInventoryError(
            f"{account_label(account)}: catalogue file {path} holds {type(data).__name__}, not a mapping; "
            "write the host's variables as key: value lines (provider_vpc_cidr: ..., provider_vpc_services: [...])"
        )
    for key in data:
        if not isinstance(key, str) or not VAR_NAME_RE.match(key):
            raise OrganizationInventoryError(
                f"{account_label(account)}: catalogue file {path}: {key!r} is not a variable name; fix the key"
            )
    if "aws_account_id" in data and str(data["aws_account_id"]) != account["id"]:
        raise OrganizationInventoryError(
            f"{account_label(account)}: catalogue file {path}: aws_account_id is {data['aws_account_id']!r}, but the "
            f"file describes account {account['id']}; fix or remove aws_account_id (the inventory sets it)"
        )
    return data


def merge_vars(account, base, from_tags, from_file, path, tag_prefixes):
    """``base`` (what the organisation and options give), then tag values, then catalogue values.

    A key that tags and the catalogue file both set to different values is an error (one source
    per key).
    """
    for key in sorted(set(from_tags) & set(from_file)):
        if from_tags[key] != from_file[key]:
            raise OrganizationInventoryError(
                f"{account_label(account)}: {key} is set both by account tags ({' / '.join(tag_prefixes)}) and in "
                f"catalogue file {path}, with different values; keep it in one place"
            )
    result = dict(base)
    result.update(from_tags)
    result.update(from_file)
    return result


def role_arn(account, role_name):
    """``arn:<partition>:iam::<id>:role/<role_name>``; the partition comes from the account's ARN."""
    partition = "aws"
    arn = account.get("arn") or ""
    if arn.startswith("arn:"):
        partition = arn.split(":")[1] or partition
    return f"arn:{partition}:iam::{account['id']}:role/{role_name}"


def missing_entry_error(account, host, kind, directory, tag_prefixes):
    hint = PROVIDER_ENTRY_HINT if kind == PROVIDER else GATEWAY_ENTRY_HINT
    what = "provider" if kind == PROVIDER else "gateway"
    where = []
    if directory:
        files = catalogue_files(directory, account["id"], host)
        where.append(f"create {files[0]} (or {files[2]}) with {hint}")
    if tag_prefixes:
        where.append(f"tag the account {' / '.join(tag_prefixes)}")
    if not where:
        where.append("set the option catalogue_dir")
    return OrganizationInventoryError(
        f"{account_label(account)}: {what} account (host {host}) has no catalogue entry; "
        + ", or ".join(where)
        + " (or set catalogue_required: false when group_vars/host_vars next to the inventory give them)"
    )


def build_hosts(snapshot, options, load_file=None, exists=os.path.isfile):
    """Hosts of the public inventory contract from an organisation snapshot.

    Returns ``(hosts, notes)``: ``hosts`` is a list of ``{name, group, vars, raw_vars}`` sorted by
    name (``raw_vars`` are the keys that came from AWS tags: the caller marks them unsafe for
    templating), ``notes`` one line per account left out (shown with -vvv).

    ``options``: ``gateway_account_id``, ``gateway_ou``, ``provider_ous`` (references, resolved here),
    ``group_tag``, ``hostname_tag``, ``var_tag_prefix``, ``service_tag_prefix``, ``catalogue_dir``
    (absolute), ``catalogue_required``, ``account_role_name``, ``default_region``.
    ``load_file(path)`` returns a catalogue file's parsed YAML.
    """
    gateway_id = options.get("gateway_account_id")
    if gateway_id is not None:
        gateway_id = str(gateway_id).strip()
        if not ACCOUNT_ID_RE.match(gateway_id):
            raise OrganizationInventoryError(
                f"gateway_account_id: {options['gateway_account_id']!r} is not a 12-digit account id; "
                'quote it in YAML: gateway_account_id: "012345678901"'
            )
    resolved = dict(options)
    resolved["gateway_account_id"] = gateway_id
    resolved["gateway_ou"] = (
        resolve_ou(snapshot, options["gateway_ou"], "gateway_ou") if options.get("gateway_ou") else None
    )
    resolved["provider_ous"] = [resolve_ou(snapshot, ref, "provider_ous") for ref in options.get("provider_ous") or []]
    directory = options.get("catalogue_dir")
    tag_prefixes = [
        f"{prefix}*" for prefix in (options.get("var_tag_prefix"), options.get("service_tag_prefix")) if prefix
    ]

    hosts = []
    notes = []
    names = {}
    for account in snapshot["accounts"]:
        if not is_active(account):
            notes.append(f"{account_label(account)}: left out, state {account.get('state') or account.get('status')}")
            continue
        ancestors = ancestry(snapshot, account["parent"])
        kind, reason = choose_kind(account, ancestors, resolved)
        if kind is None:
            notes.append(f"{account_label(account)}: left out, in no group ({reason})")
            continue
        name = host_name(account, options.get("hostname_tag"))
        if name in names:
            raise OrganizationInventoryError(
                f"{account_label(account)} and {account_label(names[name])} both become host {name}; give one of them "
                f"a {options.get('hostname_tag') or 'hostname_tag'} tag with another host name"
            )
        names[name] = account

        base = {
            "ansible_connection": "local",
            "aws_account_id": account["id"],
            "aws_region": options.get("default_region") or "us-east-1",
            "aws_organization_account_name": account.get("name") or "",
            "aws_organization_id": snapshot["organization"].get("id"),
            "aws_organization_ou_path": ou_path(snapshot, account["parent"]),
            "aws_organization_parent_id": account["parent"],
            "aws_organization_tags": dict(account.get("tags") or {}),
        }
        if options.get("account_role_name"):
            base["aws_role_arn"] = role_arn(account, options["account_role_name"])
        from_tags = tag_vars(account, options.get("var_tag_prefix"), options.get("service_tag_prefix"))
        path = find_catalogue_file(directory, account, name, exists) if directory else None
        from_file = check_catalogue_entry(account, path, load_file(path)) if path else {}
        if options.get("catalogue_required", True) and not path and not _has_entry(kind, from_tags):
            raise missing_entry_error(account, name, kind, directory, tag_prefixes)
        values = merge_vars(account, base, from_tags, from_file, path, tag_prefixes)
        raw = sorted((set(from_tags) - set(from_file)) | {"aws_organization_tags", "aws_organization_account_name"})
        hosts.append(
            {
                "name": name,
                "account": account,
                "group": GROUPS[kind],
                "reason": reason,
                "catalogue": path,
                "vars": values,
                "raw_vars": raw,
            }
        )
    hosts.sort(key=lambda host: host["name"])
    return hosts, notes


def _has_entry(kind, from_tags):
    """Whether tags alone make a catalogue entry: a provider's services, or any gateway key."""
    if kind == PROVIDER:
        return "provider_vpc_services" in from_tags
    return any(key.startswith(("shared_gateway_", "api_publish_")) for key in from_tags)
