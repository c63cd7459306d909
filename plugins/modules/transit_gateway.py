#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: transit_gateway
version_added: 0.3.0
short_description: The hub of a hub-and-spoke Transit Gateway, reconciled in one call in the gateway account
description:
  - The gateway account's side of Transit Gateway connectivity between the gateway VPC (the hub) and the
    provider VPCs (the spokes), in one module call - the transit gateway, its two route tables, the hub
    attachment, the AWS RAM share that offers the transit gateway to the provider accounts, and the
    acceptance, association and propagation of each provider's attachment.
  - The transit gateway is found by its C(Name) tag O(name) and the ownership tags
    C(ManagedBy=multiaccount.apigateway) and C(multiaccount:gateway=<gateway>) (state not C(deleting) or
    C(deleted)). When none is ours and one with that name is not, the module fails and never touches it.
    It is created with C(AutoAcceptSharedAttachments=disable), C(DefaultRouteTableAssociation=disable),
    C(DefaultRouteTablePropagation=disable) and C(VpnEcmpSupport=enable); an existing one of ours whose DNS
    support, auto-accept, default association, default propagation, ASN or description differs is fixed
    with ModifyTransitGateway.
  - Isolation - the spokes route table (O(route_tables.spokes)) is associated with every spoke attachment
    and only the hub propagates into it, so a provider reaches the gateway VPC and never another provider
    (VPC peering was not transitive either). The hub route table (O(route_tables.hub)) is associated with
    the hub attachment and every spoke propagates into it. Any other propagation into the spokes route table
    is always removed and returned in RV(isolation).
  - A provider attachment (O(spokes)) is never created, rejected or deleted here - the provider account
    attaches its VPC (M(multiaccount.apigateway.transit_gateway_attachment)) and deletes its attachment.
    One in C(pendingAcceptance) is accepted, an C(available) one is associated with the spokes route table
    (after its association with the hub route table, if any, is removed) and propagates into the hub route
    table. A listed spoke without attachment is returned with C(state=missing), not an error.
  - A C(pendingAcceptance) attachment of a VPC that is not listed is returned in RV(unexpected) with a
    warning, and is never accepted or rejected.
  - Every input is checked before any AWS call and errors name the field; every read is made and judged
    before the first change.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) reconciles everything listed here.
      - V(absent) removes what is ours - propagations and associations of our route tables, the hub
        attachment (waiting until it is deleted), our route tables, the share named O(share.name) when it is
        ours, and the transit gateway. When attachments of other accounts (or VPCs other than the hub's) are
        still on the transit gateway, the module fails before any change, naming them; their accounts must
        delete them first. In check mode, O(check_mode_gone) names attachments that earlier tasks of the run
        delete, which then do not keep the transit gateway.
    type: str
    choices: [present, absent]
    default: present
  gateway:
    description:
      - Value of the C(multiaccount:gateway) ownership tag (the gateway this hub belongs to).
    type: str
    required: true
  name:
    description:
      - C(Name) tag of the transit gateway.
    type: str
    required: true
  description:
    description:
      - Description of the transit gateway; omitted, an existing description is left alone.
    type: str
  amazon_side_asn:
    description:
      - Private ASN of the Amazon side of BGP sessions, 64512 to 65534 or 4200000000 to 4294967294.
      - AWS changes it on an existing transit gateway only when no VPN, Direct Connect gateway or Connect
        attachment is on it; the module fails naming this option when AWS refuses.
    type: int
    default: 64512
  dns_support:
    description:
      - DNS support of the transit gateway.
    type: bool
    default: true
  tags:
    description:
      - Extra tags of everything the module creates (transit gateway, route tables, hub attachment, share),
        besides C(Name) and the ownership tags. Missing ones are added to existing resources; tags are never
        purged. C(Name) is set by the module (O(name), O(route_tables), O(hub.name)) and may not be given.
    type: dict
    default: {}
  route_tables:
    description:
      - C(Name) tags of the two route tables of ours on the transit gateway. Required with O(state=present).
    type: dict
    suboptions:
      hub:
        description:
          - The route table associated with the hub attachment; every spoke propagates into it.
        type: str
        required: true
      spokes:
        description:
          - The route table associated with every spoke attachment; only the hub propagates into it.
        type: str
        required: true
  hub:
    description:
      - The gateway VPC's attachment. Required with O(state=present).
    type: dict
    suboptions:
      vpc_id:
        description:
          - The gateway VPC (C(vpc-...)) in this account.
        type: str
        required: true
      subnet_ids:
        description:
          - The subnets of the attachment, exactly one per Availability Zone, all in O(hub.vpc_id) (checked
            with one DescribeSubnets when the attachment is created or its subnets change).
          - A changed list modifies the existing attachment (subnets added and removed).
        type: list
        elements: str
        required: true
      name:
        description:
          - C(Name) tag of the hub attachment.
        type: str
        required: true
  share:
    description:
      - The AWS RAM share that offers the transit gateway to the provider accounts. Required with
        O(state=present); with O(state=absent), the share to delete (omit it to leave shares alone).
      - The share is found by name among the shares this account owns, with the ownership tags. It holds
        exactly the transit gateway and exactly the listed principals.
    type: dict
    suboptions:
      name:
        description:
          - Name of the share.
        type: str
        required: true
      principals:
        description:
          - 12-digit ids of the provider accounts the transit gateway is shared with. An account outside the
            organization gets an invitation; its association stays C(ASSOCIATING) until it accepts.
        type: list
        elements: str
        default: []
      organization_arn:
        description:
          - ARN of the organization (C(arn:aws:organizations::<management account>:organization/o-...)) to
            share with, instead of or besides O(share.principals).
        type: str
      allow_external_principals:
        description:
          - Whether accounts outside the organization may be principals.
        type: bool
        default: true
  spokes:
    description:
      - The provider attachments expected on the transit gateway, one per provider VPC.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The provider (inventory host); keys RV(spokes). A name listed twice is an error.
        type: str
        required: true
      account_id:
        description:
          - The 12-digit account that owns the provider VPC.
        type: str
        required: true
      vpc_id:
        description:
          - The provider VPC (C(vpc-...)). Empty when not known in this run - nothing is done for the spoke,
            and the attachments of its account are left as they are (but for RV(isolation)).
        type: str
        default: ""
      cidrs:
        description:
          - The provider VPC's CIDR blocks, informational - the routes the spoke is expected to propagate into
            the hub route table (returned in RV(spokes)).
        type: list
        elements: str
        default: []
  purge:
    description:
      - Also remove, from our route tables, the associations and propagations of attachments of VPCs that are
        not listed (any state but C(pendingAcceptance); attachments of a spoke with an empty
        O(spokes[].vpc_id) are kept). Such attachments are never deleted - their owner deletes them.
    type: bool
    default: false
  wait:
    description:
      - Wait until the hub attachment and the spokes accepted in this run are C(available) (their
        associations and propagations are made once they are), and with O(state=absent) until the transit
        gateway is deleted. Everything waited for is polled together, every 5 seconds.
      - A transit gateway still C(pending) is always waited for when more is to be done on it, and with
        O(state=absent) the attachments being deleted are always waited for before the route tables and
        the transit gateway are deleted (AWS refuses before).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds each wait lasts at most.
    type: int
    default: 600
  check_mode_gone:
    description:
      - Ids of Transit Gateway attachments (C(tgw-attach-...)) or of VPCs (C(vpc-...)) whose attachments earlier
        tasks of the same run delete; playbooks/teardown.yml deletes the providers' attachments before the
        Transit Gateway.
      - In check mode those tasks changed nothing, so with O(state=absent) an attachment that is listed, or whose
        VPC is listed, counts as being deleted instead of keeping the Transit Gateway (its associations and
        propagations are not counted either). RV(check_mode_assumed_gone) lists those attachments.
      - "Outside check mode the option is ignored: an attachment that is still there always counts."
    type: list
    elements: str
    default: []
    version_added: 0.3.0
notes:
  - Permissions needed - C(ec2:DescribeTransitGateways), C(ec2:CreateTransitGateway),
    C(ec2:ModifyTransitGateway), C(ec2:DeleteTransitGateway), C(ec2:DescribeTransitGatewayRouteTables),
    C(ec2:CreateTransitGatewayRouteTable), C(ec2:DeleteTransitGatewayRouteTable),
    C(ec2:DescribeTransitGatewayVpcAttachments), C(ec2:DescribeTransitGatewayAttachments),
    C(ec2:CreateTransitGatewayVpcAttachment), C(ec2:ModifyTransitGatewayVpcAttachment),
    C(ec2:DeleteTransitGatewayVpcAttachment), C(ec2:AcceptTransitGatewayVpcAttachment),
    C(ec2:GetTransitGatewayRouteTableAssociations), C(ec2:GetTransitGatewayRouteTablePropagations),
    C(ec2:AssociateTransitGatewayRouteTable), C(ec2:DisassociateTransitGatewayRouteTable),
    C(ec2:EnableTransitGatewayRouteTablePropagation), C(ec2:DisableTransitGatewayRouteTablePropagation),
    C(ec2:DescribeSubnets), C(ec2:CreateTags), C(ram:GetResourceShares), C(ram:CreateResourceShare),
    C(ram:UpdateResourceShare), C(ram:DeleteResourceShare), C(ram:AssociateResourceShare),
    C(ram:DisassociateResourceShare), C(ram:GetResourceShareAssociations), C(ram:TagResource); sharing with
    an organization also needs sharing with AWS Organizations enabled (C(ram:EnableSharingWithAwsOrganization),
    once, by the management account).
  - "API calls of a run with nothing to change (O(state=present)) - one DescribeTransitGateways (filters
    C(tag:Name) and C(state)), one DescribeTransitGatewayRouteTables and one
    DescribeTransitGatewayVpcAttachments (filter C(transit-gateway-id)), GetTransitGatewayRouteTableAssociations
    and GetTransitGatewayRouteTablePropagations once per route table, one GetResourceShares (name, owner
    C(SELF)) and two GetResourceShareAssociations (C(PRINCIPAL), C(RESOURCE)) - 10 calls, whatever the number
    of spokes."
  - Changes add one call each - CreateTransitGateway, ModifyTransitGateway, CreateTags per resource lacking
    tags, CreateTransitGatewayRouteTable, one DescribeSubnets then CreateTransitGatewayVpcAttachment or
    ModifyTransitGatewayVpcAttachment, CreateResourceShare, UpdateResourceShare, AssociateResourceShare and
    DisassociateResourceShare (all principals and resources at once), TagResource,
    AcceptTransitGatewayVpcAttachment per spoke, and one Associate/Disassociate/Enable/Disable call per
    association or propagation; a wait polls with one DescribeTransitGateways or
    DescribeTransitGatewayAttachments per poll for everything it waits for.
  - With O(state=absent) the attachments are read with DescribeTransitGatewayAttachments (every type).
  - An attachment can be associated with one route table only; an association with a route table that is
    not ours makes AssociateTransitGatewayRouteTable fail, and the module fails with AWS's message.
seealso:
  - module: multiaccount.apigateway.transit_gateway_attachment
  - module: amazon.aws.ec2_transit_gateway
  - module: amazon.aws.ec2_transit_gateway_info
  - module: amazon.aws.ec2_transit_gateway_vpc_attachment_info
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Makes only the reads and returns what a real run would do; ids of resources to create are null.
      - With O(state=absent), attachments of other accounts still on the transit gateway fail in check mode
        too, except those listed (by attachment or VPC id) in O(check_mode_gone), which earlier tasks of a
        real run would have deleted (see RV(check_mode_assumed_gone)).
  diff_mode:
    support: full
    details:
      - Transit gateway options, route tables, hub subnets, share principals, and per route table the
        associations and propagations, named by spoke (C(spoke payments (tgw-attach-...))).
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: The hub in the gateway account, sharing the transit gateway with two provider accounts
  multiaccount.apigateway.transit_gateway:
    gateway: shared-gateway
    name: shared-gateway-tgw
    route_tables:
      hub: shared-gateway-hub
      spokes: shared-gateway-spokes
    hub:
      vpc_id: vpc-0a1b2c3d4e5f67890
      subnet_ids: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]
      name: shared-gateway-hub
    share:
      name: shared-gateway-tgw
      principals: ["222222222222", "333333333333"]
    spokes:
      - name: payments
        account_id: "222222222222"
        vpc_id: vpc-0123456789abcdef0
        cidrs: [10.1.0.0/16]
      - name: cards
        account_id: "333333333333"
        vpc_id: ""   # not known in this run: left alone
    tags:
      CostCenter: platform
  register: hub

# Cross-account: the provider account (its own credentials) accepts the share and attaches its VPC; the
# next run of this module in the gateway account accepts, associates and propagates the attachment.
- name: The provider's side, with the provider account's credentials
  multiaccount.apigateway.transit_gateway_attachment:
    gateway: shared-gateway
    share:
      name: shared-gateway-tgw
      owner_account_id: "111111111111"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0cccccccccccccccc]
    name: shared-gateway-payments
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ payments_role.sts_creds.access_key }}"
      secret_key: "{{ payments_role.sts_creds.secret_key }}"
      session_token: "{{ payments_role.sts_creds.session_token }}"
      region: us-east-1

- name: Spokes not ready yet
  ansible.builtin.debug:
    msg: "{{ hub.spokes | rejectattr('ready') | map(attribute='name') | list }}"

- name: Remove the hub (after the providers removed their attachments)
  multiaccount.apigateway.transit_gateway:
    state: absent
    gateway: shared-gateway
    name: shared-gateway-tgw
    share:
      name: shared-gateway-tgw

# A dry run (--check) of a teardown: the providers' earlier tasks deleted nothing, so their attachments are
# still there; count them as gone (by VPC id here; attachment ids work too).
- name: Remove the hub (dry run of the teardown)
  multiaccount.apigateway.transit_gateway:
    state: absent
    gateway: shared-gateway
    name: shared-gateway-tgw
    share:
      name: shared-gateway-tgw
    check_mode_gone: [vpc-0123456789abcdef0, tgw-attach-0bbbbbbbbbbbbbbbb]
  check_mode: true
  register: hub_dry_run
"""

RETURN = r"""
transit_gateway:
  description: The transit gateway after the run (in check mode, as it would be; C(id) null when created).
  returned: always
  type: dict
  contains:
    id:
      description: Transit gateway id.
      type: str
      sample: tgw-0123456789abcdef0
    arn:
      description: Its ARN.
      type: str
      sample: "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-0123456789abcdef0"
    owner_id:
      description: The gateway account.
      type: str
      sample: "111111111111"
    state:
      description: C(pending), C(available), C(modifying), C(deleting) or C(deleted); with O(state=absent), as
        read before the deletion.
      type: str
      sample: available
    name:
      description: Its Name tag.
      type: str
      sample: shared-gateway-tgw
    description:
      description: Its description.
      type: str
      sample: ""
    amazon_side_asn:
      description: The Amazon side ASN.
      type: int
      sample: 64512
    options:
      description: Options in snake_case with AWS's values.
      type: dict
      sample: {auto_accept_shared_attachments: disable, default_route_table_association: disable,
               default_route_table_propagation: disable, dns_support: enable, vpn_ecmp_support: enable}
    tags:
      description: Its tags.
      type: dict
      sample: {Name: shared-gateway-tgw}
route_tables:
  description: Ids of our two route tables (null when absent or to create in check mode).
  returned: always
  type: dict
  sample: {hub: tgw-rtb-0aaaaaaaaaaaaaaaa, spokes: tgw-rtb-0bbbbbbbbbbbbbbbb}
hub_attachment:
  description: The hub attachment (C(id) null when created in check mode; empty when there is none).
  returned: always
  type: dict
  sample: {id: tgw-attach-0aaaaaaaaaaaaaaaa, state: available, vpc_id: vpc-0a1b2c3d4e5f67890,
           subnet_ids: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]}
share:
  description:
    - The RAM share (C(arn) null when created in check mode; empty without O(share)), with each principal
      and the status of its association - C(ASSOCIATING) until an account outside the organization accepts
      the invitation, then C(ASSOCIATED); null for one still to add in check mode.
  returned: always
  type: dict
  sample: {arn: "arn:aws:ram:us-east-1:111111111111:resource-share/0f1e...", name: shared-gateway-tgw,
           principals: [{id: "222222222222", status: ASSOCIATED}, {id: "333333333333", status: ASSOCIATING}]}
spokes:
  description:
    - One entry per O(spokes) item, in order. C(state) is the attachment's state, C(missing) without
      attachment, C(unknown) with an empty O(spokes[].vpc_id). C(ready) is C(available) and associated with
      the spokes route table and propagating into the hub route table.
  returned: always
  type: list
  elements: dict
  sample: [{name: payments, account_id: "222222222222", vpc_id: vpc-0123456789abcdef0, cidrs: [10.1.0.0/16],
            attachment_id: tgw-attach-0bbbbbbbbbbbbbbbb, state: available, associated: true, propagated: true,
            ready: true, accepted_now: true}]
unexpected:
  description: Attachments waiting for acceptance from a VPC that is not listed; left alone.
  returned: always
  type: list
  elements: dict
  sample: [{attachment_id: tgw-attach-0ccccccccccccccccc, account_id: "999999999999", vpc_id: vpc-0ddddddddddddddd,
            state: pendingAcceptance}]
isolation:
  description: Propagations into the spokes route table other than the hub's, removed (in check mode, to remove).
  returned: always
  type: list
  elements: dict
  sample: [{attachment_id: tgw-attach-0bbbbbbbbbbbbbbbb, account_id: "222222222222", vpc_id: vpc-0123456789abcdef0,
            route_table_id: tgw-rtb-0bbbbbbbbbbbbbbbb}]
actions:
  description: What the run changed (in check mode, would change), one line each.
  returned: always
  type: list
  elements: str
  sample:
    - create transit gateway shared-gateway-tgw
    - accept attachment tgw-attach-0bbbbbbbbbbbbbbbb of spoke payments
check_mode_assumed_gone:
  description:
    - In check mode with O(state=absent), the attachments of other accounts (or VPCs) still on the transit
      gateway that the module counted as gone because they, or their VPCs, are in O(check_mode_gone) (a real
      run would have deleted them in an earlier task).
    - Empty outside check mode, with O(state=present), and when no listed attachment is on the transit gateway.
  returned: always
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    id:
      description: The attachment id.
      type: str
    account_id:
      description: The account that owns the attached resource (the provider account).
      type: str
    vpc_id:
      description: The attached VPC (or other resource).
      type: str
    state:
      description: The attachment's state, as read.
      type: str
  sample: [{id: tgw-attach-0bbbbbbbbbbbbbbbb, account_id: "222222222222", vpc_id: vpc-0123456789abcdef0,
            state: available}]
diff:
  description: Before and after - transit gateway options, route tables, hub subnets, share principals, and
    per route table its associations and propagations.
  returned: always
  type: dict
  sample:
    before: {transit_gateway: {}, route_tables: {}, hub_attachment: {}, share: {}}
    after:
      transit_gateway: {id: (new), amazon_side_asn: 64512, dns_support: enable}
      route_tables:
        hub: {id: (new), name: shared-gateway-hub, associations: ["hub shared-gateway-hub ((new))"],
              propagations: ["spoke payments (tgw-attach-0bbbbbbbbbbbbbbbb)"]}
"""


import re

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import ram_shares
from ansible_collections.multiaccount.apigateway.plugins.module_utils import transit_gateways as tgw
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import labelled, module_diff, new_or
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    VPC_ID_RE,
    AnsibleEc2NetworkError,
    check_resource_ids,
    check_tags,
    describe_subnets,
    ownership_tags,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import ACCOUNT_ID_RE, parse_cidr

ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
ORGANIZATION_ARN_RE = re.compile(r"^arn:aws[a-z-]*:organizations::\d{12}:organization/o-[a-z0-9]{10,32}$")
LIVE_TGW_STATES = ["pending", "available", "modifying"]
# Options every transit gateway of ours has (fixed when they differ; DnsSupport comes from dns_support),
# and the one set at creation only.
FIXED_OPTIONS = {
    "AutoAcceptSharedAttachments": "disable",
    "DefaultRouteTableAssociation": "disable",
    "DefaultRouteTablePropagation": "disable",
}
CREATION_OPTIONS = {"VpnEcmpSupport": "enable"}
SNAKE = {
    "AutoAcceptSharedAttachments": "auto_accept_shared_attachments",
    "DefaultRouteTableAssociation": "default_route_table_association",
    "DefaultRouteTablePropagation": "default_route_table_propagation",
    "DnsSupport": "dns_support",
    "VpnEcmpSupport": "vpn_ecmp_support",
}
# Attachment states on the way to available: waited for, never linked before they get there.
MOVING_STATES = ("initiating", "initiatingRequest", "pending", "modifying")
LIVE_SHARE_LINKS = ("ASSOCIATING", "ASSOCIATED")
ROLES = ("hub", "spokes")
ERRORS = (tgw.AnsibleTransitGatewayError, ram_shares.AnsibleRamError, AnsibleEc2NetworkError)
# What O(check_mode_gone) may list: attachments, or VPCs whose attachments earlier tasks of the run delete.
GONE_PREFIXES = ("tgw-attach-", "vpc-")


class Refused(Exception):
    """A reason to fail before any change."""


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def _text(value):
    return "" if value is None else str(value).strip()


def check_params(params):
    """``(checked, problems)``: the input normalised, and its problems, each naming its field."""
    problems = []
    gateway, name = _text(params["gateway"]), _text(params["name"])
    if not gateway:
        problems.append("gateway: give the value of the multiaccount:gateway ownership tag")
    if not name:
        problems.append("name: give the Name tag of the transit gateway")
    asn = params["amazon_side_asn"]
    if not any(low <= asn <= high for low, high in ASN_RANGES):
        problems.append(f"amazon_side_asn: {asn} is not a private ASN (64512 to 65534, or 4200000000 to 4294967294)")
    try:
        tags = check_tags(params["tags"], gateway, "tags")
    except ValueError as error:
        problems.append(str(error))
        tags = {}
    if "Name" in tags:
        problems.append("tags.Name: the module names each resource itself (name, route_tables, hub.name); remove it")
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout: must be 0 or more seconds")
    checked = dict(
        present=params["state"] == "present",
        gateway=gateway,
        name=name,
        description=params["description"],
        asn=asn,
        dns_support="enable" if params["dns_support"] else "disable",
        tags=tags,
        purge=params["purge"],
        wait=params["wait"],
        wait_timeout=params["wait_timeout"],
        route_tables=None,
        hub=check_hub(params["hub"], problems) if params["hub"] else None,
        share=check_share(params["share"], problems) if params["share"] else None,
        spokes=check_spokes(params["spokes"], problems),
        check_mode_gone=check_gone(params["check_mode_gone"], problems),
    )
    if params["route_tables"]:
        tables = {role: _text(params["route_tables"][role]) for role in ROLES}
        problems += [f"route_tables.{role}: give the Name tag of the route table" for role in ROLES if not tables[role]]
        if tables["hub"] and tables["hub"] == tables["spokes"]:
            problems.append(f"route_tables.spokes: {tables['spokes']!r} is also route_tables.hub; name them apart")
        checked["route_tables"] = tables
    return checked, problems


def check_gone(values, problems):
    """O(check_mode_gone) as a set of attachment and VPC ids; a problem naming each bad element."""
    gone = set()
    for index, value in enumerate(values or []):
        text = _text(value)
        if not text.startswith(GONE_PREFIXES) or text in GONE_PREFIXES:
            problems.append(
                f"check_mode_gone[{index}]: {value!r} is not the id of a Transit Gateway attachment (tgw-attach-...) "
                "or of a VPC (vpc-...); give the attachment, or the VPC whose attachment, an earlier task of the run "
                "deletes, or remove the element"
            )
            continue
        gone.add(text)
    return gone


def check_hub(hub, problems):
    if not VPC_ID_RE.match(_text(hub["vpc_id"])):
        problems.append(f"hub.vpc_id: {hub['vpc_id']!r} is not a VPC id (vpc-...)")
    if not _text(hub["name"]):
        problems.append("hub.name: give the Name tag of the hub attachment")
    if not hub["subnet_ids"]:
        problems.append("hub.subnet_ids: give one subnet per Availability Zone of the hub VPC")
    _subnets, subnet_problems, fields = check_resource_ids(hub["subnet_ids"], "subnet", "hub.subnet_ids")
    problems.extend(subnet_problems)
    return {"vpc_id": _text(hub["vpc_id"]), "subnet_ids": sorted(fields), "name": _text(hub["name"]), "fields": fields}


def check_share(share, problems):
    if not _text(share["name"]):
        problems.append("share.name: give the name of the RAM share")
    principals = []
    for index, value in enumerate(share["principals"]):
        field = f"share.principals[{index}]"
        if not ACCOUNT_ID_RE.match(_text(value)):
            problems.append(f"{field}: {value!r} is not a 12-digit AWS account id")
        elif _text(value) in principals:
            problems.append(f"{field}: {value} is listed twice")
        else:
            principals.append(_text(value))
    organization = _text(share["organization_arn"])
    if organization and not ORGANIZATION_ARN_RE.match(organization):
        problems.append(
            f"share.organization_arn: {organization!r} is not an organization ARN "
            "(arn:aws:organizations::<12 digits>:organization/o-...)"
        )
    elif organization:
        principals.append(organization)
    return {
        "name": _text(share["name"]),
        "principals": principals,
        "allow_external": share["allow_external_principals"],
    }


def check_spokes(spokes, problems):
    checked, names, vpcs = [], {}, {}
    for index, spoke in enumerate(spokes):
        field = f"spokes[{index}]"
        name, account, vpc = _text(spoke["name"]), _text(spoke["account_id"]), _text(spoke["vpc_id"])
        if not name:
            problems.append(f"{field}.name: give the provider's name")
        elif name in names:
            problems.append(f"{field}.name: {name!r} is listed twice ({names[name]} and {field})")
        names.setdefault(name, field)
        if not ACCOUNT_ID_RE.match(account):
            problems.append(f"{field}.account_id: {spoke['account_id']!r} is not a 12-digit AWS account id")
        if vpc and not VPC_ID_RE.match(vpc):
            problems.append(f"{field}.vpc_id: {vpc!r} is not a VPC id (vpc-...) nor empty (not known in this run)")
        elif vpc and (account, vpc) in vpcs:
            problems.append(f"{field}.vpc_id: {vpc} of {account} is also {vpcs[(account, vpc)]}.vpc_id")
        vpcs.setdefault((account, vpc), field)
        cidrs = []
        for position, value in enumerate(spoke["cidrs"]):
            try:
                cidrs.append(str(parse_cidr(value, f"{field}.cidrs[{position}]")))
            except ValueError as error:
                problems.append(str(error))
        checked.append({"name": name, "account_id": account, "vpc_id": vpc, "cidrs": cidrs})
    return checked


# ---------------------------------------------------------------------------------------------
# Reads (all of them before the first change)
# ---------------------------------------------------------------------------------------------


def pick_ours(ours, foreign, name, field, what, refuse_foreign=True):
    """The one entry of ours (None); Refused when two are ours, or (``refuse_foreign``) when none is ours and
    one with that name is not."""
    if len(ours) > 1:
        ids = ", ".join(sorted(entry["id"] for entry in ours))
        raise Refused(f"{field}: {len(ours)} {what}s of ours are named {name!r} ({ids}); delete the extra ones")
    if refuse_foreign and not ours and foreign:
        ids = ", ".join(sorted(entry["id"] for entry in foreign))
        raise Refused(
            f"{field}: the {what} named {name!r} ({ids}) is not ours (tags ManagedBy=multiaccount.apigateway and "
            "multiaccount:gateway); it is left alone: pick another name"
        )
    return ours[0] if ours else None


def find_ours(entries, gateway, name, field, what, refuse_foreign=True):
    """``(entry of ours named name or None, foreign same-named entries)`` among normalised EC2 entries."""
    ours, foreign = tgw.ours_named(entries, gateway, name)
    return pick_ours(ours, foreign, name, field, what, refuse_foreign), foreign


def read_share(ram, checked):
    """``(share, {principal: status}, {resource arn: status})`` of our share named O(share.name)."""
    spec = checked["share"]
    if spec is None:
        return None, {}, {}
    raw = ram_shares.get_resource_shares(ram, ram_shares.SELF, name=spec["name"])
    live = [ram_shares.normalise_share(entry) for entry in raw]
    live = [
        dict(share, id=share["arn"]) for share in live if ram_shares.is_live(share) and share["name"] == spec["name"]
    ]
    ours = [share for share in live if tgw.is_ours(share["tags"], checked["gateway"])]
    foreign = [share for share in live if share not in ours]
    share = pick_ours(ours, foreign, spec["name"], "share.name", "RAM share", checked["present"])
    if share is None:
        return None, {}, {}
    links = {}
    for kind in (ram_shares.PRINCIPAL, ram_shares.RESOURCE):
        links[kind] = {}
        for entry in ram_shares.get_resource_share_associations(ram, kind, [share["arn"]]):
            item = ram_shares.normalise_association(entry)
            if item["status"] in LIVE_SHARE_LINKS:
                links[kind][item["associated_entity"]] = item["status"]
    return share, links[ram_shares.PRINCIPAL], links[ram_shares.RESOURCE]


def read(module, ec2, ram, checked):
    """Everything the run judges: ``{tgw, tables {role or id: table}, attachments, associations
    {rt id: {attachment id: link}}, propagations, share, principals, resources, hub}``."""
    state = dict(tgw=None, tables={}, attachments=[], associations={}, propagations={}, hub=None)
    raw = tgw.describe_transit_gateways(ec2, filters={"tag:Name": [checked["name"]], "state": LIVE_TGW_STATES})
    entries = [tgw.normalise_transit_gateway(entry) for entry in raw]
    found, foreign = find_ours(
        entries, checked["gateway"], checked["name"], "name", "transit gateway", checked["present"]
    )
    for entry in foreign if found else []:
        module.warn(
            f"transit gateway {entry['id']} is also named {checked['name']!r} but is not ours; it is left alone"
        )
    state["tgw"] = found
    state["share"], state["principals"], state["resources"] = read_share(ram, checked)
    if found is not None:
        by_tgw = {"transit-gateway-id": [found["id"]]}
        tables = [tgw.normalise_route_table(e) for e in tgw.describe_transit_gateway_route_tables(ec2, filters=by_tgw)]
        if checked["present"]:
            for role in ROLES:
                name = checked["route_tables"][role]
                state["tables"][role] = find_ours(
                    tables, checked["gateway"], name, f"route_tables.{role}", "route table"
                )[0]
            raw = tgw.describe_transit_gateway_vpc_attachments(ec2, filters=by_tgw)
        else:
            for table in tables:
                if tgw.is_live(table) and tgw.is_ours(table["tags"], checked["gateway"]):
                    state["tables"][table["id"]] = table
            raw = tgw.describe_transit_gateway_attachments(ec2, filters=by_tgw)
        state["attachments"] = [tgw.normalise_attachment(entry) for entry in raw]
        for table in state["tables"].values():
            if table is not None:
                links = tgw.get_transit_gateway_route_table_associations(ec2, table["id"])
                state["associations"][table["id"]] = tgw.live_links(links)
                links = tgw.get_transit_gateway_route_table_propagations(ec2, table["id"])
                state["propagations"][table["id"]] = tgw.live_links(links)
    if checked["present"]:
        state["hub"] = attachment_of(
            state["attachments"], found["owner_id"] if found else None, checked["hub"]["vpc_id"]
        )
        if state["hub"] is None or state["hub"]["subnet_ids"] != checked["hub"]["subnet_ids"]:
            check_hub_subnets(ec2, checked["hub"])
    return state


def attachment_of(attachments, account_id, vpc_id):
    """The attachment of ``vpc_id`` of ``account_id`` that is not dead (AWS allows one per VPC)."""
    for attachment in attachments:
        if attachment["vpc_owner_id"] == account_id and attachment["vpc_id"] == vpc_id:
            if not tgw.is_dead_attachment(attachment):
                return attachment
    return None


def check_hub_subnets(ec2, hub):
    """One DescribeSubnets: every subnet exists, is in the hub VPC, and is alone in its Availability Zone."""
    found = {subnet["SubnetId"]: subnet for subnet in describe_subnets(ec2, {"subnet-id": hub["subnet_ids"]})}
    problems, zones = [], {}
    for subnet_id, field in hub["fields"].items():
        subnet = found.get(subnet_id)
        if subnet is None:
            problems.append(f"{field}: {subnet_id} does not exist in this account and region")
        elif subnet["VpcId"] != hub["vpc_id"]:
            problems.append(f"{field}: {subnet_id} is in {subnet['VpcId']}, not in hub.vpc_id {hub['vpc_id']}")
        elif subnet["AvailabilityZone"] in zones:
            zone = subnet["AvailabilityZone"]
            problems.append(
                f"{field}: {subnet_id} is in {zone} like {zones[zone]}; a transit gateway attachment takes exactly "
                "one subnet per Availability Zone"
            )
        else:
            zones[subnet["AvailabilityZone"]] = f"{subnet_id} ({field})"
    if problems:
        raise Refused("; ".join(problems))


# ---------------------------------------------------------------------------------------------
# Pure planning of the links (associations and propagations of our two route tables)
# ---------------------------------------------------------------------------------------------


def plan_links(ctx, purge):
    """The association and propagation changes of our two route tables, in the order they must be made.

    ``ctx``: ``{"associations": {role: set of attachment ids}, "propagations": {role: set}, "hub_id": the
    hub attachment (any state, None), "hub": the hub attachment when available (else None), "spokes": the
    available spoke attachments, "listed": the hub's and every listed spoke's attachment (any state),
    "kept": attachments purge leaves alone}``. Returns ``(ops, after)``: ops ``(kind, role, attachment id)``
    with kind ``disassociate``, ``associate``, ``disable``, ``enable``; ``after`` as ``ctx`` would read
    once they are made.
    """
    assoc, prop = ctx["associations"], ctx["propagations"]
    hub, spokes = ctx["hub"], sorted(ctx["spokes"])

    def unlisted(attachment_id):
        return purge and attachment_id not in ctx["listed"] and attachment_id not in ctx["kept"]

    ops = []
    if hub and hub in assoc["spokes"]:
        ops.append(("disassociate", "spokes", hub))
    ops += [("disassociate", "hub", spoke) for spoke in spokes if spoke in assoc["hub"]]
    for role in ROLES:
        ops += [("disassociate", role, other) for other in sorted(assoc[role]) if unlisted(other)]
    if hub and hub not in assoc["hub"]:
        ops.append(("associate", "hub", hub))
    ops += [("associate", "spokes", spoke) for spoke in spokes if spoke not in assoc["spokes"]]
    ops += [("disable", "spokes", other) for other in sorted(prop["spokes"]) if other != ctx["hub_id"]]
    ops += [("disable", "hub", other) for other in sorted(prop["hub"]) if unlisted(other)]
    if hub and hub not in prop["spokes"]:
        ops.append(("enable", "spokes", hub))
    ops += [("enable", "hub", spoke) for spoke in spokes if spoke not in prop["hub"]]
    after = {
        "associations": {role: set(assoc[role]) for role in ROLES},
        "propagations": {r: set(prop[r]) for r in ROLES},
    }
    for kind, role, attachment_id in ops:
        links = after["associations" if kind in ("associate", "disassociate") else "propagations"][role]
        (links.add if kind in ("associate", "enable") else links.discard)(attachment_id)
    return ops, after


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def ours_tags(checked, name):
    """Tags of a resource the module creates: the caller's, its Name and the ownership tags."""
    return dict(checked["tags"], Name=name, **ownership_tags(checked["gateway"]))


def tgw_view(entry):
    if not entry:
        return {}
    view = {"id": new_or(entry["id"]), "description": entry["description"], "amazon_side_asn": entry["amazon_side_asn"]}
    view.update({SNAKE[key]: entry["options"].get(SNAKE[key]) for key in list(FIXED_OPTIONS) + ["DnsSupport"]})
    return view


class Run:
    """One run: ``do`` makes a change (or, in check mode, only records it); ``actions`` lists them."""

    def __init__(self, module, ec2, ram, checked):
        self.module, self.ec2, self.ram, self.checked, self.state = module, ec2, ram, checked, None
        self.check_mode = module.check_mode
        # Attachments of others counted as gone because of O(check_mode_gone) (check mode, state=absent only).
        self.assumed_gone = []
        self.actions = []

    def do(self, line, call, *args, **kwargs):
        if self.check_mode:
            self.actions.append(line)
            return None
        answer = call(*args, **kwargs)
        self.actions.append(line)
        return answer

    def wait(self, want, what):
        """Wait (real runs only) for ``want`` (``tgw.wait_for_states`` entries); fail naming what is left."""
        if self.check_mode or not want:
            return {}
        states, unsettled = tgw.wait_for_states(self.ec2, want, self.checked["wait_timeout"])
        if unsettled:
            left = ", ".join(f"{item['label']} {item['id']} ({item['state'] or 'gone'})" for item in unsettled)
            self.fail(
                f"{what}: still not {'/'.join(unsettled[0]['until'])} after {self.checked['wait_timeout']} s: {left}"
            )
        return states

    def fail(self, message, **extra):
        self.module.fail_json(msg=message, changed=bool(self.actions), actions=self.actions, **extra)

    def tag(self, entry, kind, name):
        missing = tgw.missing_tags(entry.get("tags"), ours_tags(self.checked, name))
        if missing and entry.get("id"):
            self.do(
                f"tag {kind} {entry['id']} with {', '.join(sorted(missing))}",
                tgw.create_tags,
                self.ec2,
                [entry["id"]],
                missing,
            )

    # ------------------------------------------------------------------ present
    def present(self):
        checked, state = self.checked, self.state
        before = self.views(state["tgw"], state["hub"])
        hub_tgw = self.ensure_tgw()
        tables = self.ensure_tables(hub_tgw)
        hub = self.ensure_hub(hub_tgw)
        share = self.ensure_share(hub_tgw)
        spokes = self.accept_spokes()
        wait_for = (
            [dict(kind="attachment", id=hub["id"], until=("available",), label="hub attachment")]
            if hub["moving"]
            else []
        )
        wait_for += [
            dict(kind="attachment", id=s["attachment_id"], until=("available",), label=f"spoke {s['name']}")
            for s in spokes
            if s["moving"]
        ]
        if checked["wait"]:
            states = self.wait([item for item in wait_for if item["id"]], "attachments")
            hub["state"] = states.get(hub["id"], hub["state"])
            for spoke in spokes:
                spoke["state"] = states.get(spoke["attachment_id"], spoke["state"])
        links = self.ensure_links(tables, hub, spokes)
        result = self.result(hub_tgw, tables, hub, share, spokes, links)
        after = self.views(hub_tgw, hub)
        before["share"] = self.share_view(state["share"], state["principals"])
        after["share"] = self.share_view(share["entry"], {p["id"]: p["status"] for p in share["principals"]})
        before["route_tables"] = links["before"]
        after["route_tables"] = links["after"]
        result["diff"] = module_diff(before, after)
        return result

    def ensure_tgw(self):
        checked, entry = self.checked, self.state["tgw"]
        if entry is None:
            options = dict(
                FIXED_OPTIONS, DnsSupport=checked["dns_support"], AmazonSideAsn=checked["asn"], **CREATION_OPTIONS
            )
            raw = self.do(
                f"create transit gateway {checked['name']}",
                tgw.create_transit_gateway,
                self.ec2,
                checked["description"],
                options,
                ours_tags(checked, checked["name"]),
            )
            entry = tgw.normalise_transit_gateway(raw) if raw else self.planned_tgw(options)
        else:
            entry = self.fix_tgw(entry)
            self.tag(entry, "transit gateway", checked["name"])
        if entry["state"] == "pending":
            entry["state"] = self.wait(
                [dict(kind="transit_gateway", id=entry["id"], until=("available",), label="transit gateway")],
                "transit gateway",
            ).get(entry["id"], entry["state"])
        return entry

    def planned_tgw(self, options):
        checked = self.checked
        raw = {
            "Description": checked["description"],
            "Options": options,
            "Tags": [{"Key": k, "Value": v} for k, v in ours_tags(checked, checked["name"]).items()],
        }
        return dict(tgw.normalise_transit_gateway(raw), owner_id=None)

    def fix_tgw(self, entry):
        checked = self.checked
        wanted = dict(FIXED_OPTIONS, DnsSupport=checked["dns_support"])
        options = {key: value for key, value in wanted.items() if entry["options"].get(SNAKE[key]) != value}
        description = checked["description"]
        description = description if description is not None and description != entry["description"] else None
        if options or description is not None:
            changes = [
                f"{SNAKE[key]} {entry['options'].get(SNAKE[key])} -> {value}" for key, value in sorted(options.items())
            ]
            changes += ["description"] if description is not None else []
            raw = self.do(
                f"modify transit gateway {entry['id']}: {', '.join(changes)}",
                tgw.modify_transit_gateway,
                self.ec2,
                entry["id"],
                options,
                description,
            )
            entry = tgw.normalise_transit_gateway(raw) if raw else self.patched(entry, options, description)
        if entry["amazon_side_asn"] != checked["asn"]:
            line = (
                f"modify transit gateway {entry['id']}: amazon_side_asn {entry['amazon_side_asn']} -> {checked['asn']}"
            )
            try:
                raw = self.do(
                    line, tgw.modify_transit_gateway, self.ec2, entry["id"], {"AmazonSideAsn": checked["asn"]}
                )
            except tgw.AnsibleTransitGatewayError as error:
                current = entry["amazon_side_asn"]
                self.fail(
                    f"amazon_side_asn: AWS refused to change the ASN of {entry['id']} from {current} to "
                    f"{checked['asn']} ({error.exception}); it cannot change while a VPN, Direct Connect gateway or "
                    f"Connect attachment is on the transit gateway: remove them, or set amazon_side_asn to {current}"
                )
            entry = tgw.normalise_transit_gateway(raw) if raw else dict(entry, amazon_side_asn=checked["asn"])
        return entry

    @staticmethod
    def patched(entry, options, description):
        entry = dict(entry, options=dict(entry["options"]))
        entry["options"].update({SNAKE[key]: value for key, value in options.items()})
        if description is not None:
            entry["description"] = description
        return entry

    def ensure_tables(self, hub_tgw):
        tables = {}
        for role in ROLES:
            name = self.checked["route_tables"][role]
            table = self.state["tables"].get(role)
            if table is None:
                raw = self.do(
                    f"create {role} route table {name}",
                    tgw.create_transit_gateway_route_table,
                    self.ec2,
                    hub_tgw["id"],
                    ours_tags(self.checked, name),
                )
                table = tgw.normalise_route_table(raw) if raw else {"id": None, "name": name, "tags": {}}
            else:
                self.tag(table, "route table", name)
            tables[role] = table
        return tables

    def ensure_hub(self, hub_tgw):
        spec, entry = self.checked["hub"], self.state["hub"]
        if entry is None:
            raw = self.do(
                f"attach hub VPC {spec['vpc_id']} ({', '.join(spec['subnet_ids'])})",
                tgw.create_transit_gateway_vpc_attachment,
                self.ec2,
                hub_tgw["id"],
                spec["vpc_id"],
                spec["subnet_ids"],
                ours_tags(self.checked, spec["name"]),
                hub_tgw["options"]["dns_support"] == "enable",
            )
            entry = (
                tgw.normalise_attachment(raw)
                if raw
                else {
                    "id": None,
                    "state": "pending",
                    "vpc_id": spec["vpc_id"],
                    "subnet_ids": spec["subnet_ids"],
                    "tags": {},
                }
            )
            return dict(entry, moving=True)
        add = sorted(set(spec["subnet_ids"]) - set(entry["subnet_ids"]))
        remove = sorted(set(entry["subnet_ids"]) - set(spec["subnet_ids"]))
        moving = entry["state"] in MOVING_STATES
        if add or remove:
            changes = [f"add {', '.join(add)}"] if add else []
            changes += [f"remove {', '.join(remove)}"] if remove else []
            raw = self.do(
                f"modify hub attachment {entry['id']}: {'; '.join(changes)}",
                tgw.modify_transit_gateway_vpc_attachment,
                self.ec2,
                entry["id"],
                add,
                remove,
            )
            entry = (
                dict(tgw.normalise_attachment(raw), subnet_ids=spec["subnet_ids"])
                if raw
                else dict(entry, subnet_ids=spec["subnet_ids"])
            )
            moving = True
        self.tag(entry, "hub attachment", spec["name"])
        return dict(entry, moving=moving)

    def ensure_share(self, hub_tgw):
        spec, entry = self.checked["share"], self.state["share"]
        current, resources = self.state["principals"], self.state["resources"]
        arn = hub_tgw["arn"]
        kept = []
        if entry is None:
            raw = self.do(
                f"create RAM share {spec['name']} with {', '.join(spec['principals']) or 'no principal'}",
                ram_shares.create_resource_share,
                self.ram,
                spec["name"],
                [arn] if arn else [],
                spec["principals"],
                spec["allow_external"],
                dict(self.checked["tags"], **ownership_tags(self.checked["gateway"])),
            )
            entry = ram_shares.normalise_share(raw) if raw else {"arn": None, "name": spec["name"], "tags": {}}
            added = spec["principals"]
        else:
            added = [p for p in spec["principals"] if p not in current]
            # An account that still has a live attachment keeps the share until that attachment is gone
            # (its provider moved back to peering: it deletes the attachment once its path verified).
            attached = {a["vpc_owner_id"] for a in self.state["attachments"] if not tgw.is_dead_attachment(a)} - set(
                spec["principals"]
            )
            kept = sorted(p for p in current if p in attached)
            for principal in kept:
                self.module.warn(
                    f"share {entry['name']}: {principal} stays a principal while its attachment to the transit gateway "
                    "exists; it is removed on the first run after the attachment is gone"
                )
            removed = sorted(p for p in current if p not in spec["principals"] and p not in attached)
            add_resources = [arn] if arn and arn not in resources else []
            remove_resources = sorted(r for r in resources if r != arn)
            if added or add_resources:
                self.do(
                    f"share {entry['name']}: add {', '.join(added + add_resources)}",
                    ram_shares.associate_resource_share,
                    self.ram,
                    entry["arn"],
                    add_resources,
                    added,
                )
            if removed or remove_resources:
                self.do(
                    f"share {entry['name']}: remove {', '.join(removed + remove_resources)}",
                    ram_shares.disassociate_resource_share,
                    self.ram,
                    entry["arn"],
                    remove_resources,
                    removed,
                )
            if (
                entry["allow_external_principals"] is not None
                and entry["allow_external_principals"] != spec["allow_external"]
            ):
                self.do(
                    f"share {entry['name']}: allow_external_principals {spec['allow_external']}",
                    ram_shares.update_resource_share,
                    self.ram,
                    entry["arn"],
                    spec["allow_external"],
                )
            missing = tgw.missing_tags(
                entry["tags"], dict(self.checked["tags"], **ownership_tags(self.checked["gateway"]))
            )
            if missing:
                self.do(
                    f"tag share {entry['name']} with {', '.join(sorted(missing))}",
                    ram_shares.tag_resource,
                    self.ram,
                    entry["arn"],
                    missing,
                )
        status = None if self.check_mode else "ASSOCIATING"
        principals = [{"id": p, "status": status if p in added else current.get(p)} for p in spec["principals"]]
        principals += [{"id": p, "status": current.get(p)} for p in kept]
        return {"entry": entry, "principals": principals}

    def accept_spokes(self):
        hub_id = (self.state["hub"] or {}).get("id")
        spokes = []
        for spec in self.checked["spokes"]:
            spoke = dict(
                spec,
                attachment_id=None,
                state="unknown" if not spec["vpc_id"] else "missing",
                accepted_now=False,
                moving=False,
            )
            found = (
                attachment_of(self.state["attachments"], spec["account_id"], spec["vpc_id"]) if spec["vpc_id"] else None
            )
            if found and found["id"] != hub_id:
                spoke.update(attachment_id=found["id"], state=found["state"], moving=found["state"] in MOVING_STATES)
                if found["state"] == tgw.PENDING_ACCEPTANCE:
                    raw = self.do(
                        f"accept attachment {found['id']} of spoke {spec['name']}",
                        tgw.accept_transit_gateway_vpc_attachment,
                        self.ec2,
                        found["id"],
                    )
                    spoke.update(
                        accepted_now=True,
                        moving=True,
                        state=tgw.normalise_attachment(raw)["state"] if raw else "pending",
                    )
            spokes.append(spoke)
        return spokes

    def ensure_links(self, tables, hub, spokes):
        """Plan (on what the run made and waited for) and make the association and propagation changes."""
        ids = {role: tables[role]["id"] or f"(new {role} route table)" for role in ROLES}
        hub_id = hub["id"] or "(new hub attachment)"

        def usable(entry_state, moving):
            return entry_state == "available" or (
                self.check_mode and moving and entry_state not in tgw.DEAD_ATTACHMENT_STATES
            )

        listed = {hub_id} | {s["attachment_id"] for s in spokes if s["attachment_id"]}
        unknown = {s["account_id"] for s in self.checked["spokes"] if not s["vpc_id"]}
        kept = {
            a["id"]
            for a in self.state["attachments"]
            if a["vpc_owner_id"] in unknown or a["state"] == tgw.PENDING_ACCEPTANCE
        }
        ctx = {
            "associations": {role: set(self.state["associations"].get(ids[role], {})) for role in ROLES},
            "propagations": {role: set(self.state["propagations"].get(ids[role], {})) for role in ROLES},
            "hub_id": hub_id,
            "hub": hub_id if usable(hub["state"], hub["moving"]) else None,
            "spokes": {
                s["attachment_id"]
                for s in spokes
                if s["attachment_id"] and usable(s["state"], s["accepted_now"] or s["moving"])
            },
            "listed": listed,
            "kept": kept,
        }
        ops, after = plan_links(ctx, self.checked["purge"])
        labels = self.labels(hub, hub_id, spokes)
        isolation = []
        moved = {}
        calls = {
            "disassociate": tgw.disassociate_transit_gateway_route_table,
            "associate": tgw.associate_transit_gateway_route_table,
            "disable": tgw.disable_transit_gateway_route_table_propagation,
            "enable": tgw.enable_transit_gateway_route_table_propagation,
        }
        words = {
            "disassociate": "disassociate {} from",
            "associate": "associate {} with",
            "disable": "stop propagation of {} into",
            "enable": "propagate {} into",
        }
        for kind, role, attachment_id in ops:
            if kind == "associate" and moved and not self.check_mode:
                still = tgw.wait_disassociated(self.ec2, moved, self.checked["wait_timeout"])
                if still:
                    self.fail(f"attachments still associated after {self.checked['wait_timeout']} s: {still}")
                moved = {}
            line = f"{words[kind].format(labels(attachment_id))} {role} route table {ids[role]}"
            self.do(line, calls[kind], self.ec2, ids[role], attachment_id)
            if kind == "disassociate":
                moved.setdefault(ids[role], []).append(attachment_id)
            if kind == "disable" and role == "spokes":
                attachment = self.attachment(attachment_id)
                isolation.append(
                    {
                        "attachment_id": attachment_id,
                        "account_id": attachment.get("vpc_owner_id"),
                        "vpc_id": attachment.get("vpc_id"),
                        "route_table_id": ids[role],
                    }
                )

        def view(links):
            return {
                role: {
                    "id": new_or(tables[role]["id"]),
                    "name": self.checked["route_tables"][role],
                    "associations": sorted(labels(a) for a in links["associations"][role]),
                    "propagations": sorted(labels(a) for a in links["propagations"][role]),
                }
                for role in ROLES
            }

        before = view({"associations": ctx["associations"], "propagations": ctx["propagations"]})
        for role in ROLES:
            if self.state["tables"].get(role) is None:
                before.pop(role)
        return {
            "after_sets": after,
            "before": before,
            "after": view(after),
            "isolation": isolation,
            "hub_id": hub_id,
            "ids": ids,
        }

    def attachment(self, attachment_id):
        return next((a for a in self.state["attachments"] if a["id"] == attachment_id), {})

    def labels(self, hub, hub_id, spokes):
        names = {s["attachment_id"]: s["name"] for s in spokes if s["attachment_id"]}

        def label(attachment_id):
            if attachment_id == hub_id:
                return f"hub {self.checked['hub']['name']} ({hub['id'] or 'new'})"
            if attachment_id in names:
                return f"spoke {names[attachment_id]} ({attachment_id})"
            other = self.attachment(attachment_id)
            return labelled(attachment_id, other.get("vpc_owner_id"), other.get("vpc_id"))

        return label

    # ------------------------------------------------------------------ views and result
    @staticmethod
    def views(hub_tgw, hub):
        return {
            "transit_gateway": tgw_view(hub_tgw),
            "hub_attachment": (
                {"id": new_or(hub["id"]), "vpc_id": hub["vpc_id"], "subnet_ids": hub["subnet_ids"]} if hub else {}
            ),
        }

    @staticmethod
    def share_view(entry, principals):
        if not entry:
            return {}
        return {"name": entry["name"], "arn": new_or(entry["arn"]), "principals": sorted(principals)}

    def result(self, hub_tgw, tables, hub, share, spokes, links):
        after, ids = links["after_sets"], links["ids"]
        results = []
        for spoke in spokes:
            attachment_id = spoke["attachment_id"]
            associated = bool(attachment_id) and attachment_id in after["associations"]["spokes"]
            propagated = bool(attachment_id) and attachment_id in after["propagations"]["hub"]
            state = spoke["state"] if not (self.check_mode and spoke["accepted_now"]) else "pendingAcceptance"
            results.append(
                {
                    "name": spoke["name"],
                    "account_id": spoke["account_id"],
                    "vpc_id": spoke["vpc_id"],
                    "cidrs": spoke["cidrs"],
                    "attachment_id": attachment_id,
                    "state": state,
                    "associated": associated,
                    "propagated": propagated,
                    "ready": state == "available" and associated and propagated,
                    "accepted_now": spoke["accepted_now"],
                }
            )
        listed = {(s["account_id"], s["vpc_id"]) for s in self.checked["spokes"]}
        unknown = {s["account_id"] for s in self.checked["spokes"] if not s["vpc_id"]}
        unexpected = [
            {"attachment_id": a["id"], "account_id": a["vpc_owner_id"], "vpc_id": a["vpc_id"], "state": a["state"]}
            for a in self.state["attachments"]
            if a["state"] == tgw.PENDING_ACCEPTANCE
            and (a["vpc_owner_id"], a["vpc_id"]) not in listed
            and a["vpc_owner_id"] not in unknown
        ]
        for item in unexpected:
            self.module.warn(
                f"attachment {item['attachment_id']} of VPC {item['vpc_id']} of account {item['account_id']} waits for "
                f"acceptance on {hub_tgw['id']}; it is not a listed spoke and is left alone"
            )
        hub_entry = {key: hub.get(key) for key in ("id", "state", "vpc_id", "subnet_ids")}
        return dict(
            changed=bool(self.actions),
            actions=self.actions,
            transit_gateway=dict(hub_tgw),
            route_tables={role: tables[role]["id"] for role in ROLES},
            hub_attachment=hub_entry,
            share={"arn": share["entry"]["arn"], "name": share["entry"]["name"], "principals": share["principals"]},
            spokes=results,
            unexpected=unexpected,
            isolation=links["isolation"],
            check_mode_assumed_gone=[],
        )

    # ------------------------------------------------------------------ absent
    def absent(self):
        checked, state = self.checked, self.state
        entry = state["tgw"]
        mine, going = [], []
        if entry is not None:
            hub_vpc = checked["hub"]["vpc_id"] if checked["hub"] else None
            blockers = []
            for attachment in state["attachments"]:
                if attachment["state"] in ("deleted", "rejected", "failed"):
                    continue
                own = attachment["vpc_owner_id"] == entry["owner_id"] and attachment["resource_type"] == "vpc"
                if own and (tgw.is_ours(attachment["tags"], checked["gateway"]) or attachment["vpc_id"] == hub_vpc):
                    mine.append(attachment)
                elif attachment["state"] in ("deleting", "rejecting", "failing"):
                    going.append(attachment)
                else:
                    blockers.append(attachment)
            if self.check_mode and checked["check_mode_gone"]:
                # Earlier tasks of a real run delete these attachments; in check mode they changed nothing.
                gone = checked["check_mode_gone"]
                assumed = [a for a in blockers if a["id"] in gone or a["vpc_id"] in gone]
                blockers = [a for a in blockers if a not in assumed]
                going += assumed
                self.assumed_gone = [
                    {"id": a["id"], "account_id": a["vpc_owner_id"], "vpc_id": a["vpc_id"], "state": a["state"]}
                    for a in assumed
                ]
            if blockers:
                not_counted = hint = ""
                if self.assumed_gone:
                    not_counted = (
                        f" ({len(self.assumed_gone)} other attachment(s), listed in check_mode_gone, are counted as "
                        "gone in check mode)"
                    )
                if self.check_mode:
                    hint = (
                        ". In check mode, list in check_mode_gone the attachments (or their VPCs) that earlier tasks "
                        "of the run delete"
                    )
                raise Refused(
                    f"transit gateway {entry['id']} ({checked['name']}) still has attachments that are not ours: "
                    + ", ".join(
                        f"{a['id']} (account {a['vpc_owner_id']}, {a['resource_type']} {a['vpc_id']}, {a['state']})"
                        for a in blockers
                    )
                    + not_counted
                    + "; the provider accounts must remove their attachments first (the collection's teardown does, "
                    "with multiaccount.apigateway.transit_gateway_attachment state=absent)" + hint
                )
        before = {
            "transit_gateway": tgw_view(entry),
            "route_tables": {table["id"]: table["name"] for table in state["tables"].values()},
            "hub_attachments": sorted(a["id"] for a in mine),
            "share": self.share_view(state["share"], state["principals"]),
        }
        # A real run comes after the deletion of the attachments assumed gone: their links are gone too.
        skipped = {a["id"] for a in self.assumed_gone}
        for table in state["tables"].values():
            for attachment_id in sorted(set(state["propagations"][table["id"]]) - skipped):
                self.do(
                    f"stop propagation of {attachment_id} into {table['id']}",
                    tgw.disable_transit_gateway_route_table_propagation,
                    self.ec2,
                    table["id"],
                    attachment_id,
                )
            for attachment_id in sorted(set(state["associations"][table["id"]]) - skipped):
                self.do(
                    f"disassociate {attachment_id} from {table['id']}",
                    tgw.disassociate_transit_gateway_route_table,
                    self.ec2,
                    table["id"],
                    attachment_id,
                )
        for attachment in mine:
            if attachment["state"] != "deleting":
                self.do(
                    f"delete hub attachment {attachment['id']} ({attachment['vpc_id']})",
                    tgw.delete_transit_gateway_vpc_attachment,
                    self.ec2,
                    attachment["id"],
                )
        # Route tables and the transit gateway are deleted only once no attachment is left: always waited for.
        self.wait(
            [dict(kind="attachment", id=a["id"], until=("deleted",), label="attachment") for a in mine + going],
            "attachments",
        )
        for table in state["tables"].values():
            self.do(
                f"delete route table {table['id']} ({table['name']})",
                tgw.delete_transit_gateway_route_table,
                self.ec2,
                table["id"],
            )
        if state["share"]:
            self.do(
                f"delete RAM share {state['share']['name']}",
                ram_shares.delete_resource_share,
                self.ram,
                state["share"]["arn"],
            )
        if entry is not None:
            self.do(
                f"delete transit gateway {entry['id']} ({checked['name']})",
                tgw.delete_transit_gateway,
                self.ec2,
                entry["id"],
            )
            if checked["wait"]:
                self.wait(
                    [dict(kind="transit_gateway", id=entry["id"], until=("deleted",), label="transit gateway")],
                    "transit gateway",
                )
        return dict(
            changed=bool(self.actions),
            actions=self.actions,
            transit_gateway=entry or {},
            route_tables={},
            hub_attachment={},
            share=(
                {"arn": state["share"]["arn"], "name": state["share"]["name"], "principals": []}
                if state["share"]
                else {}
            ),
            spokes=[],
            unexpected=[],
            isolation=[],
            check_mode_assumed_gone=self.assumed_gone,
            diff=module_diff(before if self.actions else {}, {}),
        )


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        gateway=dict(type="str", required=True),
        name=dict(type="str", required=True),
        description=dict(type="str"),
        amazon_side_asn=dict(type="int", default=64512),
        dns_support=dict(type="bool", default=True),
        tags=dict(type="dict", default={}),
        route_tables=dict(
            type="dict", options=dict(hub=dict(type="str", required=True), spokes=dict(type="str", required=True))
        ),
        hub=dict(
            type="dict",
            options=dict(
                vpc_id=dict(type="str", required=True),
                subnet_ids=dict(type="list", elements="str", required=True),
                name=dict(type="str", required=True),
            ),
        ),
        share=dict(
            type="dict",
            options=dict(
                name=dict(type="str", required=True),
                principals=dict(type="list", elements="str", default=[]),
                organization_arn=dict(type="str"),
                allow_external_principals=dict(type="bool", default=True),
            ),
        ),
        spokes=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                account_id=dict(type="str", required=True),
                vpc_id=dict(type="str", default=""),
                cidrs=dict(type="list", elements="str", default=[]),
            ),
        ),
        purge=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        check_mode_gone=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ("route_tables", "hub", "share"))],
    )
    checked, problems = check_params(module.params)
    if problems:
        module.fail_json(msg=f"{'; '.join(problems)} (nothing was changed)")
    run = Run(module, module.client("ec2"), module.client("ram"), checked)
    try:
        run.state = read(module, run.ec2, run.ram, checked)
        result = run.present() if checked["present"] else run.absent()
    except Refused as error:
        module.fail_json(msg=f"{error} (nothing was changed)", changed=False, check_mode_assumed_gone=run.assumed_gone)
    except ERRORS as error:
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(run.actions)} changes",
            changed=bool(run.actions),
            actions=run.actions,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
