# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 layer of ``service_security_groups`` and ``demo_instances``.

Two halves:

* thin API layer: one small function per boto3 call, retried with the collection's jittered backoff
  (calls that follow the creation of a group or an instance also retry the "not found yet" answers of
  EC2's eventual consistency), paginated where the API paginates, "not found" turned into an empty
  answer in one place (``Ec2ServicesErrorHandler``);
* pure logic with no boto3: input validation that names the field, ownership tags, normalisation of
  security groups, rules, network interfaces and instances, and the desired-vs-current plans of both
  modules (groups and their exact ingress, the groups of every interface that holds a target IP, the
  demo instances to launch, change and terminate), unit-tested without AWS.

Ownership: a resource is ours when it carries ``ManagedBy=multiaccount.apigateway`` and
``multiaccount:gateway=<gateway>``; a security group of ours is the group of the service named by its
``multiaccount:service`` tag; a demo instance of ours also carries ``multiaccount:demo=true``.
"""

import ipaddress
import re
import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import (
    MANAGED_TAG_KEY,
    MANAGED_TAG_VALUE,
    RETRY_ERROR_CODES,
    aws_retry,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import parse_cidr, parse_ipv4, parse_port

GATEWAY_TAG_KEY = "multiaccount:gateway"
SERVICE_TAG_KEY = "multiaccount:service"
DEMO_TAG_KEY = "multiaccount:demo"
DEMO_TAG_VALUE = "true"
NAME_TAG_KEY = "Name"

NOT_FOUND_CODES = [
    "InvalidGroup.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidInstanceID.NotFound",
    "InvalidNetworkInterfaceID.NotFound",
]

# EC2 takes at most 200 values per filter: longer lists are split into several calls.
FILTER_VALUES_MAX = 200

# Instance states that count as a live demo instance (shutting-down and terminated ones are gone).
LIVE_INSTANCE_STATES = ("pending", "running", "stopping", "stopped")
# A launched instance in one of these states will never be running.
LAUNCH_FAILED_STATES = ("shutting-down", "terminated")

DEFAULT_IMAGE_NAME = "al2023-ami-2023.*-x86_64"
DEFAULT_IMAGE_OWNER = "amazon"
IMAGE_ARCHITECTURE = "x86_64"
WAIT_DELAY = 5

PROTOCOLS = ("tcp", "udp")
# The egress rule EC2 gives every new group (revoked at once: our groups have no egress rule).
DEFAULT_EGRESS = {
    "kind": "cidr",
    "protocol": "-1",
    "from_port": None,
    "to_port": None,
    "peer": "0.0.0.0/0",
    "cidr": "0.0.0.0/0",
    "description": None,
}
# DescribeSecurityGroups reports protocols by name, or by number for the ones without a name.
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}

VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")
GROUP_ID_RE = re.compile(r"^sg-[0-9a-f]{8,17}$")
IMAGE_ID_RE = re.compile(r"^ami-[0-9a-f]{8,17}$")
INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
SERVICE_RE = re.compile(r"^[A-Za-z0-9-]+$")
# Group names, group descriptions and rule descriptions: what EC2 accepts in a VPC.
EC2_TEXT_RE = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")
EC2_TEXT_CHARS = "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"


class AnsibleEc2ServicesError(AnsibleAWSError):
    """An EC2 call of service_security_groups or demo_instances failed."""


class Ec2ServicesErrorHandler(AWSErrorHandler):
    """``NOT_FOUND_CODES`` become an empty result (or False for deletions), the rest a failure."""

    _CUSTOM_EXCEPTION = AnsibleEc2ServicesError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND_CODES)


# Right after CreateSecurityGroup or RunInstances, EC2 may answer "not found" for the new id for a moment.
aws_retry_new = AWSRetry.jittered_backoff(
    retries=10,
    delay=1,
    max_delay=30,
    catch_extra_error_codes=RETRY_ERROR_CODES + ["InvalidGroup.NotFound", "InvalidInstanceID.NotFound"],
)
# Right after its interfaces were changed, a group may still count as in use for a moment.
aws_retry_delete = AWSRetry.jittered_backoff(
    retries=5, delay=2, max_delay=10, catch_extra_error_codes=RETRY_ERROR_CODES + ["DependencyViolation"]
)


# ---------------------------------------------------------------------------------------------
# API layer: security groups
# ---------------------------------------------------------------------------------------------


@Ec2ServicesErrorHandler.list_error_handler("describe security groups", [])
@aws_retry
def describe_security_groups(client, filters):
    """Security groups matching ``filters`` (boto3 Filters), every page."""
    paginator = client.get_paginator("describe_security_groups")
    return paginator.paginate(Filters=list(filters)).build_full_result()["SecurityGroups"]


@Ec2ServicesErrorHandler.common_error_handler("describe the new security groups")
@aws_retry_new
def describe_new_security_groups(client, group_ids):
    """Groups just created, by id (retried while EC2 does not know them yet)."""
    paginator = client.get_paginator("describe_security_groups")
    return paginator.paginate(GroupIds=list(group_ids)).build_full_result()["SecurityGroups"]


@Ec2ServicesErrorHandler.common_error_handler("create security group")
@aws_retry
def create_security_group(client, name, description, vpc_id, tags):
    """Create a group with its tags in the same call; returns the group id."""
    response = client.create_security_group(
        GroupName=name,
        Description=description,
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": boto3_tags(tags)}],
    )
    return response["GroupId"]


@Ec2ServicesErrorHandler.deletion_error_handler("delete security group")
@aws_retry_delete
def delete_security_group(client, group_id):
    """Delete a group; False when it is already gone."""
    client.delete_security_group(GroupId=group_id)
    return True


@Ec2ServicesErrorHandler.common_error_handler("authorize security group ingress")
@aws_retry_new
def authorize_ingress(client, group_id, permissions):
    client.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
    return True


@Ec2ServicesErrorHandler.common_error_handler("revoke security group ingress")
@aws_retry_new
def revoke_ingress(client, group_id, permissions):
    client.revoke_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
    return True


@Ec2ServicesErrorHandler.common_error_handler("revoke security group egress")
@aws_retry_new
def revoke_egress(client, group_id, permissions):
    client.revoke_security_group_egress(GroupId=group_id, IpPermissions=list(permissions))
    return True


@Ec2ServicesErrorHandler.common_error_handler("update security group rule descriptions")
@aws_retry_new
def update_ingress_descriptions(client, group_id, permissions):
    client.update_security_group_rule_descriptions_ingress(GroupId=group_id, IpPermissions=list(permissions))
    return True


@Ec2ServicesErrorHandler.common_error_handler("tag EC2 resources")
@aws_retry_new
def create_tags(client, resource_ids, tags):
    client.create_tags(Resources=list(resource_ids), Tags=boto3_tags(tags))
    return True


# ---------------------------------------------------------------------------------------------
# API layer: network interfaces
# ---------------------------------------------------------------------------------------------


@Ec2ServicesErrorHandler.list_error_handler("describe network interfaces", [])
@aws_retry
def describe_network_interfaces(client, filters):
    """Network interfaces matching ``filters`` (boto3 Filters), every page."""
    paginator = client.get_paginator("describe_network_interfaces")
    return paginator.paginate(Filters=list(filters)).build_full_result()["NetworkInterfaces"]


def network_interfaces_where(client, name, values, vpc_id=None):
    """Interfaces whose filter ``name`` matches any of ``values`` (OR), in ``FILTER_VALUES_MAX`` batches.

    Returns them once each (an interface can match two batches), in the order EC2 listed them.
    """
    found = {}
    values = list(values)
    for start in range(0, len(values), FILTER_VALUES_MAX):
        filters = [{"Name": name, "Values": values[start : start + FILTER_VALUES_MAX]}]
        if vpc_id:
            filters.append({"Name": "vpc-id", "Values": [vpc_id]})
        for interface in describe_network_interfaces(client, filters):
            found.setdefault(interface["NetworkInterfaceId"], interface)
    return list(found.values())


@Ec2ServicesErrorHandler.common_error_handler("modify the security groups of a network interface")
@aws_retry_new
def modify_interface_groups(client, interface_id, group_ids):
    """Replace the security groups of a network interface."""
    client.modify_network_interface_attribute(NetworkInterfaceId=interface_id, Groups=list(group_ids))
    return True


# ---------------------------------------------------------------------------------------------
# API layer: instances, images and subnets
# ---------------------------------------------------------------------------------------------


@Ec2ServicesErrorHandler.list_error_handler("describe instances", [])
@aws_retry
def describe_instances(client, filters):
    """Instances matching ``filters`` (boto3 Filters), every page, flattened out of their reservations."""
    paginator = client.get_paginator("describe_instances")
    reservations = paginator.paginate(Filters=list(filters)).build_full_result()["Reservations"]
    return [instance for reservation in reservations for instance in reservation.get("Instances", [])]


def instances_by_id(client, instance_ids):
    """Instance id -> state name, by ``instance-id`` filter (an id EC2 does not show yet is simply absent)."""
    states = {}
    ids = list(instance_ids)
    for start in range(0, len(ids), FILTER_VALUES_MAX):
        filters = [{"Name": "instance-id", "Values": ids[start : start + FILTER_VALUES_MAX]}]
        for instance in describe_instances(client, filters):
            states[instance["InstanceId"]] = (instance.get("State") or {}).get("Name")
    return states


@Ec2ServicesErrorHandler.list_error_handler("describe images", [])
@aws_retry
def describe_images(client, owners, filters):
    return client.describe_images(Owners=list(owners), Filters=list(filters))["Images"]


@Ec2ServicesErrorHandler.list_error_handler("describe subnets", [])
@aws_retry
def describe_subnets(client, subnet_ids):
    """Subnets with these ids (by filter: an unknown id is simply not returned)."""
    paginator = client.get_paginator("describe_subnets")
    filters = [{"Name": "subnet-id", "Values": list(subnet_ids)}]
    return paginator.paginate(Filters=filters).build_full_result()["Subnets"]


@Ec2ServicesErrorHandler.common_error_handler("launch a demo instance")
@aws_retry_new
def run_instance(client, params):
    """RunInstances for one instance; ``params`` carries a ClientToken, so a retried call launches once."""
    return client.run_instances(**params)["Instances"][0]


@Ec2ServicesErrorHandler.deletion_error_handler("terminate demo instances")
@aws_retry
def terminate_instances(client, instance_ids):
    client.terminate_instances(InstanceIds=list(instance_ids))
    return True


def client_token():
    """A fresh idempotency token for RunInstances (the retries of one call reuse it)."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------------------------
# Pure helpers: tags and ownership
# ---------------------------------------------------------------------------------------------


def boto3_tags(tags):
    """``{"k": "v"}`` -> ``[{"Key": "k", "Value": "v"}]``, sorted by key."""
    return [{"Key": key, "Value": str(value)} for key, value in sorted((tags or {}).items())]


def tags_dict(tag_list):
    """``[{"Key", "Value"}]`` -> dict."""
    return {tag["Key"]: tag.get("Value", "") for tag in tag_list or []}


def ownership_tags(gateway):
    return {MANAGED_TAG_KEY: MANAGED_TAG_VALUE, GATEWAY_TAG_KEY: gateway}


def is_ours(tags, gateway):
    """True when a tag dict carries both ownership tags, the second with this gateway."""
    tags = tags or {}
    return tags.get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE and tags.get(GATEWAY_TAG_KEY) == gateway


def ownership_filters(gateway):
    """DescribeInstances/DescribeSecurityGroups filters that keep only what is ours."""
    return [
        {"Name": f"tag:{MANAGED_TAG_KEY}", "Values": [MANAGED_TAG_VALUE]},
        {"Name": f"tag:{GATEWAY_TAG_KEY}", "Values": [gateway]},
    ]


def tags_to_set(current, desired):
    """The tags of ``desired`` that ``current`` lacks or holds with another value (tags are additive)."""
    current = current or {}
    return {key: str(value) for key, value in (desired or {}).items() if current.get(key) != str(value)}


def format_tags(tags):
    return ", ".join(f"{key}={value}" for key, value in sorted(tags.items()))


def ip_sort_key(ip):
    return ipaddress.ip_address(ip)


# ---------------------------------------------------------------------------------------------
# Pure helpers: validation (raise ValueError naming the field)
# ---------------------------------------------------------------------------------------------


def check_id(value, pattern, field, example):
    text = str(value or "").strip()
    if not pattern.match(text):
        raise ValueError(f"{field}: {value!r} is not a valid id (expected e.g. {example})")
    return text


def check_vpc_id(value, field="vpc_id"):
    return check_id(value, VPC_ID_RE, field, "vpc-0a1b2c3d4e5f67890")


def check_gateway(value, field="gateway"):
    text = str(value or "").strip()
    if not text or len(text) > 256:
        raise ValueError(f"{field}: {value!r} must be a gateway name of 1 to 256 characters (the ownership tag value)")
    return text


def check_ec2_text(value, field, what, required=True):
    """A group name, group description or rule description as EC2 accepts it (at most 255 characters)."""
    if value is None:
        if required:
            raise ValueError(f"{field}: a {what} is required")
        return None
    text = str(value)
    if required and not text.strip():
        raise ValueError(f"{field}: the {what} is empty")
    if len(text) > 255:
        raise ValueError(f"{field}: the {what} has {len(text)} characters; EC2 accepts at most 255")
    if not EC2_TEXT_RE.match(text):
        bad = sorted({char for char in text if not EC2_TEXT_RE.match(char)})
        raise ValueError(f"{field}: {value!r} contains {''.join(bad)!r}; a {what} may hold only {EC2_TEXT_CHARS}")
    return text


def check_group_name(value, field):
    name = check_ec2_text(value, field, "security group name")
    if name.lower().startswith("sg-"):
        raise ValueError(f"{field}: {value!r} starts with 'sg-', which EC2 refuses in a group name")
    if name.lower() == "default":
        raise ValueError(f"{field}: 'default' is the name of the VPC's default group; choose another name")
    return name


def check_tags(tags, field, reserved=None):
    """A dict of user tags: keys of 1-128 characters, not ``aws:``; values of at most 256 characters.

    ``reserved`` maps the keys the module sets itself to the value it sets (None: a value that differs
    per resource). Such a key is accepted with exactly that value (and left out of the result, the
    module adds it anyway); any other value is an error.
    """
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise ValueError(f"{field}: expected a dictionary of tags, got {type(tags).__name__}")
    reserved = reserved or {}
    checked = {}
    for key, value in tags.items():
        key_text = str(key)
        if not key_text or len(key_text) > 128:
            raise ValueError(f"{field}: tag key {key!r} must have 1 to 128 characters")
        if key_text.lower().startswith("aws:"):
            raise ValueError(f"{field}.{key_text}: keys starting with 'aws:' are reserved by AWS")
        text = "" if value is None else str(value)
        if key_text in reserved:
            expected = reserved[key_text]
            if expected is None:
                raise ValueError(f"{field}.{key_text}: the module sets this tag on each resource; remove it")
            if text != expected:
                raise ValueError(
                    f"{field}.{key_text}: the module sets this ownership tag to {expected!r}; remove it or give {expected!r}"
                )
            continue
        if len(text) > 256:
            raise ValueError(f"{field}.{key_text}: the value has {len(text)} characters; AWS accepts at most 256")
        checked[key_text] = text
    return checked


def reserved_tags(gateway, **others):
    """The tags the module sets: ownership (when the gateway is known) plus ``others`` (key: value or None)."""
    reserved = {MANAGED_TAG_KEY: MANAGED_TAG_VALUE, GATEWAY_TAG_KEY: gateway}
    reserved.update(others)
    return reserved


def check_ip_list(values, field):
    """Unique IPv4 addresses in their first order."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise ValueError(f"{field}: expected a list of IPv4 addresses")
    ips = []
    for index, value in enumerate(values):
        ip = str(parse_ipv4(value, f"{field}[{index}]"))
        if ip not in ips:
            ips.append(ip)
    return ips


def validate_rule(rule, field):
    """One entry of ``groups[].rules``: ``[{field, protocol, port, cidr, description}]``, one per CIDR."""
    if not isinstance(rule, dict):
        raise ValueError(f"{field}: expected a dictionary with protocol, port, cidrs and description")
    protocol = str(rule.get("protocol") or "tcp").strip().lower()
    if protocol not in PROTOCOLS:
        raise ValueError(f"{field}.protocol: {rule.get('protocol')!r} is not one of {', '.join(PROTOCOLS)}")
    if rule.get("port") is None:
        raise ValueError(f"{field}.port: a port number (1-65535) is required")
    port = parse_port(rule.get("port"), f"{field}.port")
    cidrs = rule.get("cidrs")
    if not isinstance(cidrs, list) or not cidrs:
        raise ValueError(f"{field}.cidrs: a non-empty list of IPv4 CIDR blocks is required (e.g. [10.100.1.0/24])")
    description = check_ec2_text(rule.get("description"), f"{field}.description", "rule description", False)
    entries = []
    for index, cidr in enumerate(cidrs):
        network = parse_cidr(cidr, f"{field}.cidrs[{index}]")
        entries.append(
            {
                "field": f"{field}.cidrs[{index}]",
                "protocol": protocol,
                "port": port,
                "cidr": str(network),
                "description": description,
            }
        )
    return entries


def validate_groups(groups, gateway=None):
    """Check ``groups`` of service_security_groups before any AWS call.

    Returns one dict per group: field, service, name, description (None when not given), rules (one
    entry per protocol, port and CIDR), targets (unique IPs) and tags.
    """
    checked = []
    services, names = {}, {}
    for index, group in enumerate(groups or []):
        field = f"groups[{index}]"
        if not isinstance(group, dict):
            raise ValueError(f"{field}: expected a dictionary with service, name, description, rules and targets")
        service = str(group.get("service") or "").strip()
        if not SERVICE_RE.match(service):
            raise ValueError(
                f"{field}.service: {group.get('service')!r} is not a service name (letters, digits and hyphens)"
            )
        if len(service) > 256:
            raise ValueError(f"{field}.service: the name has {len(service)} characters; a tag value holds 256")
        if service in services:
            raise ValueError(f"{field}.service: {service!r} is listed twice ({services[service]} and {field})")
        services[service] = field
        name = check_group_name(group.get("name"), f"{field}.name")
        if name.lower() in names:
            raise ValueError(
                f"{field}.name: {name!r} is also the name of {names[name.lower()]}; group names are unique in a VPC"
            )
        names[name.lower()] = field
        description = group.get("description")
        if description is not None:
            description = check_ec2_text(description, f"{field}.description", "group description")
        rules, seen = [], {}
        for rule_index, rule in enumerate(group.get("rules") or []):
            for entry in validate_rule(rule, f"{field}.rules[{rule_index}]"):
                key = rule_key(entry)
                if key in seen:
                    raise ValueError(
                        f"{entry['field']}: {format_rule(entry)} is already given by {seen[key]}; list each "
                        "protocol, port and CIDR once"
                    )
                seen[key] = entry["field"]
                rules.append(entry)
        checked.append(
            {
                "field": field,
                "service": service,
                "name": name,
                "description": description,
                "rules": rules,
                "targets": check_ip_list(group.get("targets"), f"{field}.targets"),
                "tags": check_tags(
                    group.get("tags"), f"{field}.tags", reserved_tags(gateway, **{SERVICE_TAG_KEY: service})
                ),
            }
        )
    return checked


def validate_service_groups_params(params):
    """Everything service_security_groups can check without AWS; raises ValueError naming the field."""
    check_vpc_id(params.get("vpc_id"))
    gateway = check_gateway(params.get("gateway"))
    tags = check_tags(params.get("tags"), "tags", reserved_tags(gateway, **{SERVICE_TAG_KEY: None}))
    present = params.get("state", "present") == "present"
    groups = validate_groups(params.get("groups"), gateway) if present else []
    return {"groups": groups, "tags": tags}


def validate_instances(instances, gateway=None):
    """Check ``instances`` of demo_instances: ip, subnet_id, security_group_ids, name, tags.

    An empty ``security_group_ids`` counts as omitted (None): the groups are then not managed.
    """
    checked, ips = [], {}
    for index, instance in enumerate(instances or []):
        field = f"instances[{index}]"
        if not isinstance(instance, dict):
            raise ValueError(f"{field}: expected a dictionary with ip and subnet_id")
        ip = str(parse_ipv4(instance.get("ip"), f"{field}.ip"))
        if ip in ips:
            raise ValueError(f"{field}.ip: {ip} is listed twice ({ips[ip]} and {field})")
        ips[ip] = field
        subnet_id = check_id(instance.get("subnet_id"), SUBNET_ID_RE, f"{field}.subnet_id", "subnet-0a1b2c3d4e5f67890")
        subnet_cidr = instance.get("subnet_cidr")
        if subnet_cidr is not None:
            subnet_cidr = str(parse_cidr(subnet_cidr, f"{field}.subnet_cidr"))
            if ipaddress.ip_address(ip) not in ipaddress.ip_network(subnet_cidr):
                raise ValueError(
                    f"{field}.ip: {ip} is not in {field}.subnet_cidr {subnet_cidr}; list the subnet that contains it"
                )
        group_ids = instance.get("security_group_ids")
        if group_ids is not None:
            if not isinstance(group_ids, list):
                raise ValueError(f"{field}.security_group_ids: expected a list of security group ids")
            group_ids = [
                check_id(value, GROUP_ID_RE, f"{field}.security_group_ids[{position}]", "sg-0a1b2c3d4e5f67890")
                for position, value in enumerate(group_ids)
            ]
            group_ids = list(dict.fromkeys(group_ids)) or None
            if group_ids and len(group_ids) > 16:
                raise ValueError(f"{field}.security_group_ids: {len(group_ids)} groups; an interface takes at most 16")
        name = instance.get("name")
        if name is not None:
            name = str(name)
            if len(name) > 256:
                raise ValueError(f"{field}.name: the name has {len(name)} characters; a tag value holds 256")
        tags = check_tags(
            instance.get("tags"), f"{field}.tags", reserved_tags(gateway, **{DEMO_TAG_KEY: DEMO_TAG_VALUE})
        )
        if NAME_TAG_KEY in tags:
            if name is not None and tags[NAME_TAG_KEY] != name:
                raise ValueError(
                    f"{field}.tags.Name: {tags[NAME_TAG_KEY]!r} differs from {field}.name {name!r}; give one"
                )
            name = tags.pop(NAME_TAG_KEY)
        checked.append(
            {
                "field": field,
                "ip": ip,
                "subnet_id": subnet_id,
                "subnet_cidr": subnet_cidr,
                "security_group_ids": group_ids,
                "name": name,
                "tags": tags,
            }
        )
    return checked


def validate_free_ips(values):
    """``free_ips`` of demo_instances: IPv4 addresses, as a set of strings; raises ValueError naming the field."""
    if values is None:
        return set()
    if not isinstance(values, list):
        raise ValueError("free_ips: expected a list of IPv4 addresses")
    return {str(parse_ipv4(value, f"free_ips[{index}]")) for index, value in enumerate(values)}


def validate_demo_params(params):
    """Everything demo_instances can check without AWS; raises ValueError naming the field."""
    check_vpc_id(params.get("vpc_id"))
    gateway = check_gateway(params.get("gateway"))
    if params.get("image_id"):
        check_id(params["image_id"], IMAGE_ID_RE, "image_id", "ami-0a1b2c3d4e5f67890")
    if not str(params.get("image_name") or "").strip():
        raise ValueError("image_name: an image name pattern is required when image_id is not given")
    if not str(params.get("image_owner") or "").strip():
        raise ValueError("image_owner: an owner (account id or alias such as 'amazon') is required")
    instance_type = str(params.get("instance_type") or "")
    if not INSTANCE_TYPE_RE.match(instance_type):
        raise ValueError(f"instance_type: {params.get('instance_type')!r} is not an instance type (e.g. t3.micro)")
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 1:
        raise ValueError(f"wait_timeout: {params['wait_timeout']!r} must be a positive number of seconds")
    present = params.get("state", "present") == "present"
    instances = validate_instances(params.get("instances"), gateway) if present else []
    return {"instances": instances, "free_ips": validate_free_ips(params.get("free_ips")) if present else set()}


# ---------------------------------------------------------------------------------------------
# Pure helpers: rules
# ---------------------------------------------------------------------------------------------


def rule_key(entry):
    """Identity of a rule entry: kind, protocol, port range and peer (the description is not part of it)."""
    return (
        entry.get("kind", "cidr"),
        entry["protocol"],
        entry.get("from_port", entry.get("port")),
        entry.get("to_port", entry.get("port")),
        entry.get("cidr") or entry.get("peer"),
    )


def normalise_protocol(value):
    text = str(value).lower()
    return PROTOCOL_NAMES.get(text, text)


def permission_entries(permissions):
    """IpPermissions (ingress or egress) as flat entries, one per peer.

    An entry: kind (``cidr``, ``ipv6``, ``group`` or ``prefix_list``), protocol, from_port, to_port,
    peer (the CIDR, group id or prefix list id), cidr (for ``cidr`` entries), description and, for
    ``group`` entries, user_id.
    """
    entries = []
    for permission in permissions or []:
        protocol = normalise_protocol(permission.get("IpProtocol", "-1"))
        from_port = permission.get("FromPort")
        to_port = permission.get("ToPort")
        if protocol == "-1":
            from_port = to_port = None
        base = {"protocol": protocol, "from_port": from_port, "to_port": to_port}
        for item in permission.get("IpRanges") or []:
            entries.append(
                dict(base, kind="cidr", peer=item["CidrIp"], cidr=item["CidrIp"], description=item.get("Description"))
            )
        for item in permission.get("Ipv6Ranges") or []:
            entries.append(dict(base, kind="ipv6", peer=item["CidrIpv6"], description=item.get("Description")))
        for item in permission.get("UserIdGroupPairs") or []:
            entries.append(
                dict(
                    base,
                    kind="group",
                    peer=item.get("GroupId") or item.get("GroupName"),
                    user_id=item.get("UserId"),
                    description=item.get("Description"),
                )
            )
        for item in permission.get("PrefixListIds") or []:
            entries.append(
                dict(base, kind="prefix_list", peer=item["PrefixListId"], description=item.get("Description"))
            )
    return entries


def desired_entry(rule):
    """A validated rule (protocol, port, cidr, description) as a permission entry."""
    return {
        "kind": "cidr",
        "protocol": rule["protocol"],
        "from_port": rule["port"],
        "to_port": rule["port"],
        "peer": rule["cidr"],
        "cidr": rule["cidr"],
        "description": rule.get("description"),
    }


def permission_for(entry, with_description=True):
    """One entry as a boto3 IpPermission (for authorize, revoke and description updates)."""
    permission = {"IpProtocol": entry["protocol"]}
    if entry["protocol"] != "-1" and entry.get("from_port") is not None:
        permission["FromPort"] = entry["from_port"]
        permission["ToPort"] = entry["to_port"]
    kind = entry.get("kind", "cidr")
    described = {"Description": entry["description"]} if with_description and entry.get("description") else {}
    if kind == "cidr":
        permission["IpRanges"] = [dict({"CidrIp": entry["peer"]}, **described)]
    elif kind == "ipv6":
        permission["Ipv6Ranges"] = [dict({"CidrIpv6": entry["peer"]}, **described)]
    elif kind == "group":
        pair = {"GroupId": entry["peer"]}
        if entry.get("user_id"):
            pair["UserId"] = entry["user_id"]
        permission["UserIdGroupPairs"] = [dict(pair, **described)]
    else:
        permission["PrefixListIds"] = [dict({"PrefixListId": entry["peer"]}, **described)]
    return permission


def format_ports(entry):
    if entry["protocol"] == "-1":
        return "all traffic"
    low, high = entry.get("from_port", entry.get("port")), entry.get("to_port", entry.get("port"))
    ports = str(low) if low == high else f"{low}-{high}"
    return f"{entry['protocol']} {ports}"


def format_rule(entry, direction="from"):
    """``tcp 8080 from 10.100.1.0/24 (gateway)``, ``all traffic to 0.0.0.0/0``."""
    text = f"{format_ports(entry)} {direction} {entry.get('cidr') or entry.get('peer')}"
    if entry.get("description"):
        text += f" ({entry['description']})"
    return text


def rule_sort_key(entry):
    peer = entry.get("cidr") or entry.get("peer") or ""
    try:
        peer_key = (0, ipaddress.ip_network(peer, strict=False).version, ipaddress.ip_network(peer, strict=False))
    except ValueError:
        peer_key = (1, 0, peer)
    port = entry.get("from_port", entry.get("port"))
    return (entry["protocol"], -1 if port is None else port, peer_key[0], peer_key[1], str(peer_key[2]))


def plan_rules(current_entries, desired_rules):
    """Exact ingress: what to authorize, revoke and re-describe.

    ``current_entries`` from ``permission_entries``; ``desired_rules`` validated rules. A current rule
    that is not an IPv4 CIDR rule for exactly one port of a listed protocol is extra (revoked). A
    description is only compared when the desired rule gives one.
    """
    current = {rule_key(entry): entry for entry in current_entries}
    wanted = {rule_key(desired_entry(rule)): desired_entry(rule) for rule in desired_rules}
    authorize = [entry for key, entry in wanted.items() if key not in current]
    revoke = [entry for key, entry in current.items() if key not in wanted]
    describe = [
        entry
        for key, entry in wanted.items()
        if key in current and entry.get("description") and entry["description"] != current[key].get("description")
    ]
    after = []
    for key, entry in wanted.items():
        kept = dict(current.get(key) or entry)
        if entry.get("description"):
            kept["description"] = entry["description"]
        after.append(kept)
    return {
        "authorize": sorted(authorize, key=rule_sort_key),
        "revoke": sorted(revoke, key=rule_sort_key),
        "describe": sorted(describe, key=rule_sort_key),
        "after": sorted(after, key=rule_sort_key),
    }


def rule_result(entry):
    """A rule entry as returned to the user."""
    return {
        "protocol": entry["protocol"],
        "port": entry.get("from_port", entry.get("port")),
        "cidr": entry.get("cidr"),
        "description": entry.get("description"),
    }


# ---------------------------------------------------------------------------------------------
# Pure helpers: security groups and interfaces
# ---------------------------------------------------------------------------------------------


def normalise_group(group, gateway):
    """A DescribeSecurityGroups entry: id, name, description, tags, ours, service, ingress, egress."""
    tags = tags_dict(group.get("Tags"))
    ours = is_ours(tags, gateway)
    return {
        "group_id": group["GroupId"],
        "name": group.get("GroupName"),
        "description": group.get("Description"),
        "vpc_id": group.get("VpcId"),
        "tags": tags,
        "ours": ours,
        "service": tags.get(SERVICE_TAG_KEY) if ours else None,
        "ingress": permission_entries(group.get("IpPermissions")),
        "egress": permission_entries(group.get("IpPermissionsEgress")),
    }


def normalise_interface(interface):
    """A DescribeNetworkInterfaces entry: id, private_ips (primary first), groups, requester_managed..."""
    ips = []
    if interface.get("PrivateIpAddress"):
        ips.append(interface["PrivateIpAddress"])
    for address in interface.get("PrivateIpAddresses") or []:
        ip = address.get("PrivateIpAddress")
        if ip and ip not in ips:
            ips.append(ip)
    return {
        "network_interface_id": interface["NetworkInterfaceId"],
        "private_ips": ips,
        "groups": [{"group_id": g["GroupId"], "group_name": g.get("GroupName")} for g in interface.get("Groups") or []],
        "requester_managed": bool(interface.get("RequesterManaged")),
        "interface_type": interface.get("InterfaceType"),
        "description": interface.get("Description") or "",
        "instance_id": (interface.get("Attachment") or {}).get("InstanceId"),
        "status": interface.get("Status"),
    }


def interface_label(interface):
    """``eni-0abc (10.0.1.10, 10.0.1.11)``."""
    return f"{interface['network_interface_id']} ({', '.join(interface['private_ips'])})"


def group_names(groups):
    return [group["group_name"] or group["group_id"] for group in groups]


def group_ref(group_id, group_name):
    return {"group_id": group_id, "group_name": group_name}


def plan_service_groups(desired, current_groups, gateway, purge, extra_tags, state="present"):
    """Desired groups vs the groups of the VPC.

    ``desired``: ``validate_groups`` output (ignored with ``state=absent``); ``current_groups``:
    ``normalise_group`` output for every group of the VPC. Returns a dict:

    * ``vpc_found``: the VPC's ``default`` group was listed (every VPC has one);
    * ``default_group``: ref of the VPC's default group, or None;
    * ``groups``: one plan per desired group: field, service, name, existing (normalised group or
      None), create, description, tags (all tags of the group), set_tags (tags to add on an existing
      group), revoke_egress, authorize, revoke, describe, rules_after;
    * ``remove``: our groups to detach and delete (services not listed with ``purge``, groups of a
      listed service under another name, everything with ``state=absent``), each with a reason;
    * ``ours_by_id``: group id -> ref (and service) of every group of ours this run manages: the groups
      of listed services and the groups to remove (without ``purge``, the groups of unlisted services
      are left alone, on the interfaces too);
    * ``problems``: what stops the run before any write (foreign groups with a listed name, missing
      descriptions); ``warnings``: what is reported but left alone (immutable descriptions).
    """
    default = next((g for g in current_groups if g["name"] == "default"), None)
    ours = [g for g in current_groups if g["ours"] and g["service"]]
    by_name = {g["name"].lower(): g for g in current_groups if g["name"]}
    plan = {
        "vpc_found": default is not None,
        "default_group": group_ref(default["group_id"], default["name"]) if default else None,
        "groups": [],
        "remove": [],
        "ours_by_id": {g["group_id"]: dict(group_ref(g["group_id"], g["name"]), service=g["service"]) for g in ours},
        "problems": [],
        "warnings": [],
    }
    if state == "absent":
        plan["remove"] = [dict(group, reason="state=absent") for group in sorted(ours, key=lambda g: g["service"])]
        return plan

    kept_ids = set()
    for wanted in desired:
        existing = by_name.get(wanted["name"].lower())
        if existing is not None and not (existing["ours"] and existing["service"]):
            owner = "another gateway" if existing["tags"].get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE else "no one"
            plan["problems"].append(
                f"{wanted['field']}.name: security group {existing['name']!r} ({existing['group_id']}) already exists "
                f"in the VPC and is not a service group of gateway {gateway!r} (managed by {owner}); rename it or "
                f"choose another name for service {wanted['service']!r}"
            )
            continue
        if existing is not None and existing["service"] != wanted["service"]:
            plan["problems"].append(
                f"{wanted['field']}.name: {existing['name']!r} ({existing['group_id']}) is the group of service "
                f"{existing['service']!r} of this gateway; group names are unique in a VPC: choose another name for "
                f"service {wanted['service']!r} or remove service {existing['service']!r} first"
            )
            continue
        tags = dict(extra_tags or {})
        tags.update(wanted["tags"])
        tags.update(ownership_tags(gateway))
        tags[SERVICE_TAG_KEY] = wanted["service"]
        if existing is None:
            if wanted["description"] is None:
                plan["problems"].append(
                    f"{wanted['field']}.description: required to create security group {wanted['name']!r} "
                    f"of service {wanted['service']!r}"
                )
                continue
            rules = plan_rules([], wanted["rules"])
            plan["groups"].append(
                dict(
                    _group_plan(wanted, None, tags),
                    create=True,
                    description=wanted["description"],
                    set_tags={},
                    revoke_egress=[dict(DEFAULT_EGRESS)],
                    **rules,
                )
            )
            continue
        kept_ids.add(existing["group_id"])
        if wanted["description"] is not None and wanted["description"] != existing["description"]:
            plan["warnings"].append(
                f"{wanted['field']}.description: security group {existing['name']!r} ({existing['group_id']}) has the "
                f"description {existing['description']!r}; EC2 cannot change a group's description, so it is kept"
            )
        rules = plan_rules(existing["ingress"], wanted["rules"])
        plan["groups"].append(
            dict(
                _group_plan(wanted, existing, tags),
                create=False,
                description=existing["description"],
                set_tags=tags_to_set(existing["tags"], tags),
                revoke_egress=sorted(existing["egress"], key=rule_sort_key),
                **rules,
            )
        )
    listed = {wanted["service"] for wanted in desired}
    for group in sorted(ours, key=lambda g: (g["service"], g["name"])):
        if group["group_id"] in kept_ids:
            continue
        if group["service"] in listed:
            plan["remove"].append(dict(group, reason=f"replaced: service {group['service']!r} has another group name"))
        elif purge:
            plan["remove"].append(dict(group, reason=f"service {group['service']!r} is not listed"))
    # Without purge, the groups of unlisted services are left alone, on the interfaces too.
    managed = kept_ids | {group["group_id"] for group in plan["remove"]}
    plan["ours_by_id"] = {group_id: ref for group_id, ref in plan["ours_by_id"].items() if group_id in managed}
    return plan


def _group_plan(wanted, existing, tags):
    return {
        "field": wanted["field"],
        "service": wanted["service"],
        "name": wanted["name"],
        "group_id": existing["group_id"] if existing else None,
        "existing": existing,
        "targets": wanted["targets"],
        "tags": tags,
    }


def group_changed(group_plan):
    return bool(
        group_plan["create"]
        or group_plan["set_tags"]
        or group_plan["revoke_egress"]
        or group_plan["authorize"]
        or group_plan["revoke"]
        or group_plan["describe"]
    )


def plan_attachments(interfaces, group_plans, ours_by_id, remove_ids, default_group, writable=True):
    """The groups every interface must carry.

    ``interfaces``: ``normalise_interface`` output (interfaces holding a target IP and interfaces
    carrying a group of ours); ``group_plans``: the ``groups`` of ``plan_service_groups`` (with their
    ``group_id``, None for a group still to be created); ``ours_by_id``: the groups of ours this run
    manages, by id (any other group is left on the interface);
    ``remove_ids``: ids of our groups about to be deleted; ``default_group``: the VPC's default group.

    An interface keeps its groups that are not ours and carries ours for the services whose targets it
    holds; one that would be left without any group gets the default group. Requester-managed
    interfaces are not changed (``writable`` False: none is): they are returned in ``manual``.

    Returns ``attachments`` (changeable interfaces: id, private_ips, groups_before, groups_after,
    changed, plus ``add``/``remove``), ``manual`` (requester-managed ones that need a change),
    ``unplaced_ips`` (target IPs no interface holds) and ``blocked`` (group id -> labels of the
    interfaces that keep a group that is to be deleted).
    """
    services_by_ip = {}
    for group in group_plans:
        for ip in group["targets"]:
            services_by_ip.setdefault(ip, []).append(group)
    held = set()
    attachments, manual, blocked = [], [], {}
    for interface in sorted(interfaces, key=lambda i: [ip_sort_key(ip) for ip in i["private_ips"]]):
        held.update(ip for ip in interface["private_ips"] if ip in services_by_ip)
        before = interface["groups"]
        needed = {}
        for ip in interface["private_ips"]:
            for group in services_by_ip.get(ip, []):
                needed[group["service"]] = group
        after = [group for group in before if group["group_id"] not in ours_by_id]
        after += [group_ref(needed[s]["group_id"], needed[s]["name"]) for s in sorted(needed)]
        if not after and default_group:
            after = [dict(default_group)]
        before_keys = {_ref_key(group) for group in before}
        after_keys = {_ref_key(group) for group in after}
        add = [group for group in after if _ref_key(group) not in before_keys]
        remove = [group for group in before if _ref_key(group) not in after_keys]
        entry = {
            "network_interface_id": interface["network_interface_id"],
            "private_ips": list(interface["private_ips"]),
            "instance_id": interface.get("instance_id"),
            "groups_before": [dict(group) for group in before],
            "groups_after": after,
            "add": add,
            "remove": remove,
            "changed": bool(add or remove),
        }
        if interface["requester_managed"] or not writable:
            if entry["changed"] and interface["requester_managed"]:
                manual.append(
                    dict(
                        entry,
                        interface_type=interface.get("interface_type"),
                        description=interface.get("description"),
                        changed=False,
                    )
                )
            for group in before:
                if group["group_id"] in remove_ids:
                    blocked.setdefault(group["group_id"], []).append(interface_label(interface))
            continue
        attachments.append(entry)
    unplaced = sorted((ip for ip in services_by_ip if ip not in held), key=ip_sort_key)
    return {"attachments": attachments, "manual": manual, "unplaced_ips": unplaced, "blocked": blocked}


def _ref_key(group):
    return group["group_id"] or f"new:{group['group_name']}"


def fill_group_ids(group_plans, created_ids):
    """After creation: give each created group plan its id (``created_ids`` maps service -> id)."""
    for group in group_plans:
        if group["group_id"] is None and group["service"] in created_ids:
            group["group_id"] = created_ids[group["service"]]


# ---------------------------------------------------------------------------------------------
# Pure helpers: demo instances
# ---------------------------------------------------------------------------------------------


def demo_filters(vpc_id, gateway):
    """DescribeInstances filters for the live demo instances of this gateway in the VPC."""
    return [
        {"Name": "vpc-id", "Values": [vpc_id]},
        *ownership_filters(gateway),
        {"Name": f"tag:{DEMO_TAG_KEY}", "Values": [DEMO_TAG_VALUE]},
        {"Name": "instance-state-name", "Values": list(LIVE_INSTANCE_STATES)},
    ]


def normalise_instance(instance):
    """A DescribeInstances entry: instance_id, ip, subnet_id, state, primary interface and its groups, tags."""
    primary = next(
        (
            interface
            for interface in instance.get("NetworkInterfaces") or []
            if (interface.get("Attachment") or {}).get("DeviceIndex", 0) == 0
        ),
        None,
    )
    groups = (primary or {}).get("Groups") or instance.get("SecurityGroups") or []
    tags = tags_dict(instance.get("Tags"))
    return {
        "instance_id": instance["InstanceId"],
        "ip": instance.get("PrivateIpAddress"),
        "subnet_id": instance.get("SubnetId"),
        "state": (instance.get("State") or {}).get("Name"),
        "primary_interface_id": (primary or {}).get("NetworkInterfaceId"),
        "security_groups": [group_ref(g["GroupId"], g.get("GroupName")) for g in groups],
        "tags": tags,
        "name": tags.get(NAME_TAG_KEY),
    }


def demo_tags(gateway, wanted):
    tags = dict(wanted.get("tags") or {})
    if wanted.get("name") is not None:
        tags[NAME_TAG_KEY] = wanted["name"]
    tags.update(ownership_tags(gateway))
    tags[DEMO_TAG_KEY] = DEMO_TAG_VALUE
    return tags


def plan_demo_instances(desired, current, interfaces, gateway, purge, state="present"):
    """Demo instances to launch, keep (and maybe change) and terminate.

    ``desired``: ``validate_instances`` output; ``current``: ``normalise_instance`` output of our live
    demo instances; ``interfaces``: ``normalise_interface`` output of the interfaces that hold listed
    IPs without a demo instance. Returns launch, keep, held, terminate, problems and ``extra_groups``
    (ids on kept instances beyond the listed ``security_group_ids``; the caller finds which of them are
    service groups of this gateway, which stay: see ``finish_demo_groups``).
    """
    by_ip = {}
    for instance in current:
        by_ip.setdefault(instance["ip"], []).append(instance)
    plan = {"launch": [], "keep": [], "held": [], "terminate": [], "problems": [], "extra_groups": []}
    if state == "absent":
        plan["terminate"] = sorted(current, key=lambda i: (ip_sort_key(i["ip"]), i["instance_id"]))
        return plan
    holders = {}
    for interface in interfaces:
        for ip in interface["private_ips"]:
            holders.setdefault(ip, interface)
    listed = set()
    extra = set()
    for wanted in desired:
        listed.add(wanted["ip"])
        mine = by_ip.get(wanted["ip"], [])
        if mine:
            instance = mine[0]
            plan["terminate"].extend(mine[1:])  # two live demo instances at one IP cannot both be ours
            if instance["subnet_id"] and instance["subnet_id"] != wanted["subnet_id"]:
                plan["problems"].append(
                    f"{wanted['field']}.subnet_id: the demo instance {instance['instance_id']} of {wanted['ip']} is in "
                    f"{instance['subnet_id']}, not {wanted['subnet_id']}; an IP lies in one subnet only: fix the subnet"
                )
                continue
            current_ids = [group["group_id"] for group in instance["security_groups"]]
            if wanted["security_group_ids"] is not None:
                extra.update(gid for gid in current_ids if gid not in wanted["security_group_ids"])
            plan["keep"].append(
                {
                    "field": wanted["field"],
                    "wanted": wanted,
                    "instance": instance,
                    "set_tags": tags_to_set(instance["tags"], demo_tags(gateway, wanted)),
                }
            )
            continue
        holder = holders.get(wanted["ip"])
        if holder is not None:
            plan["held"].append(
                {
                    "ip": wanted["ip"],
                    "network_interface_id": holder["network_interface_id"],
                    "instance_id": holder.get("instance_id"),
                    "description": holder.get("description"),
                }
            )
            continue
        plan["launch"].append(wanted)
    if purge:
        plan["terminate"].extend(instance for instance in current if instance["ip"] not in listed)
    plan["terminate"] = sorted(plan["terminate"], key=lambda i: (ip_sort_key(i["ip"]), i["instance_id"]))
    plan["extra_groups"] = sorted(extra)
    return plan


def finish_demo_groups(plan, service_group_ids):
    """Decide the groups of every kept instance once the service groups among ``extra_groups`` are known.

    The instance's primary interface carries the listed ``security_group_ids`` plus the service groups of
    this gateway it already carries (``service_security_groups`` decides where those go). Sets
    ``groups_after`` (ids) and ``set_groups`` (bool) on each ``keep`` entry.
    """
    service_group_ids = set(service_group_ids)
    for entry in plan["keep"]:
        current_ids = [group["group_id"] for group in entry["instance"]["security_groups"]]
        wanted_ids = entry["wanted"]["security_group_ids"]
        if wanted_ids is None:
            after = current_ids
        else:
            after = list(wanted_ids) + [
                gid for gid in current_ids if gid in service_group_ids and gid not in wanted_ids
            ]
        entry["groups_after"] = after
        entry["set_groups"] = set(after) != set(current_ids)
    return plan


def unread_launch_subnets(launches):
    """The subnet ids of the instances to launch whose CIDR block the caller did not give (``subnet_cidr``):
    the ones demo_instances must read (DescribeSubnets) before it launches, sorted."""
    return sorted({wanted["subnet_id"] for wanted in launches if not wanted.get("subnet_cidr")})


def check_launch_subnets(launches, subnets, vpc_id):
    """Problems with the subnet of each instance to launch (``subnets``: DescribeSubnets entries). An
    instance with ``subnet_cidr`` is checked against it: the caller read or made the subnet in ``vpc_id``."""
    by_id = {subnet["SubnetId"]: subnet for subnet in subnets}
    for wanted in launches:
        if wanted.get("subnet_cidr"):  # a subnet read as well (another instance lacks subnet_cidr) wins
            by_id.setdefault(
                wanted["subnet_id"],
                {"SubnetId": wanted["subnet_id"], "VpcId": vpc_id, "CidrBlock": wanted["subnet_cidr"]},
            )
    problems = []
    for wanted in launches:
        subnet = by_id.get(wanted["subnet_id"])
        field = wanted["field"]
        if subnet is None:
            problems.append(f"{field}.subnet_id: subnet {wanted['subnet_id']} not found in this account and region")
            continue
        if subnet.get("VpcId") != vpc_id:
            problems.append(
                f"{field}.subnet_id: subnet {wanted['subnet_id']} is in {subnet.get('VpcId')}, not {vpc_id}"
            )
            continue
        network = ipaddress.ip_network(subnet["CidrBlock"])
        address = ipaddress.ip_address(wanted["ip"])
        if address not in network:
            problems.append(
                f"{field}.ip: {wanted['ip']} is not in subnet {wanted['subnet_id']} ({subnet['CidrBlock']}); "
                "list the subnet that contains it"
            )
            continue
        offset = int(address) - int(network.network_address)
        if offset < 4 or address == network.broadcast_address:
            problems.append(
                f"{field}.ip: {wanted['ip']} is one of the five addresses AWS reserves in {subnet['CidrBlock']} "
                "(the first four and the last)"
            )
    return problems


def choose_image(images):
    """The newest image (by CreationDate, then name), or None."""
    if not images:
        return None
    return max(images, key=lambda image: (image.get("CreationDate") or "", image.get("Name") or ""))


def image_filters(name):
    return [
        {"Name": "name", "Values": [name]},
        {"Name": "architecture", "Values": [IMAGE_ARCHITECTURE]},
        {"Name": "state", "Values": ["available"]},
    ]


def run_params(wanted, image_id, instance_type, gateway, token):
    """RunInstances parameters for one demo instance: fixed private IP, no public IP, tags in the call."""
    interface = {
        "DeviceIndex": 0,
        "SubnetId": wanted["subnet_id"],
        "PrivateIpAddress": wanted["ip"],
        "AssociatePublicIpAddress": False,
        "DeleteOnTermination": True,
    }
    if wanted["security_group_ids"]:
        interface["Groups"] = list(wanted["security_group_ids"])
    tags = boto3_tags(demo_tags(gateway, wanted))
    return {
        "ImageId": image_id,
        "InstanceType": instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "ClientToken": token,
        "NetworkInterfaces": [interface],
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": tags},
            {"ResourceType": "network-interface", "Tags": tags},
        ],
    }


def pending_instances(states, want):
    """What a wait still waits for.

    ``states``: instance id -> state name from the last poll (an id missing from it is not visible
    yet, or gone); ``want``: instance id -> ``running`` or ``terminated``. Returns ``(pending,
    failed)``: sorted ``(id, expected, state)`` tuples; ``failed`` holds launched instances that will
    never run (``shutting-down``/``terminated``).
    """
    pending, failed = [], []
    for instance_id, expected in sorted(want.items()):
        state = states.get(instance_id)
        if expected == "terminated":
            if state is not None and state != "terminated":
                pending.append((instance_id, expected, state))
        elif state in LAUNCH_FAILED_STATES:
            failed.append((instance_id, expected, state))
        elif state != "running":
            pending.append((instance_id, expected, state or "not visible yet"))
    return pending, failed


def wait_for_instances(fetch, want, timeout, delay=WAIT_DELAY, sleep=time.sleep, clock=time.monotonic):
    """Poll ``fetch()`` (instance id -> state) until nothing in ``want`` is pending, all together.

    Returns ``(states, pending, failed)`` from the last poll; ``pending`` is empty on success.
    """
    deadline = clock() + timeout
    while True:
        states = fetch()
        pending, failed = pending_instances(states, want)
        remaining = deadline - clock()
        if failed or not pending or remaining <= 0:
            return states, pending, failed
        sleep(min(delay, remaining))


def describe_waiting(entries):
    return "; ".join(f"{instance_id} (expected {expected}, is {state})" for instance_id, expected, state in entries)
