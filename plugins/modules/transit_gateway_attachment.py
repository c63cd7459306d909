#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: transit_gateway_attachment
version_added: 0.3.0
short_description: Accept the gateway's transit gateway share and attach a provider VPC to it, in one call
description:
  - The spoke side of the transit gateway connectivity, in the provider account. The gateway account
    owns a transit gateway and shares it through AWS RAM (M(multiaccount.apigateway.transit_gateway));
    this module accepts the share's invitation, attaches O(vpc_id) to the shared transit gateway in
    O(subnet_ids), and once the gateway account has accepted the attachment routes the gateway's
    subnets through the transit gateway in the listed route tables.
  - "Only the expected invitation is accepted: a C(PENDING) one whose share is named
    O(share.name) and whose sender is O(share.owner_account_id). Every other pending invitation is
    returned in RV(unexpected_invitations) and reported as a warning; it is never accepted nor
    rejected. A share already usable (accepted earlier, or shared with the whole organization) needs
    no accept."
  - Without a pending invitation and without a usable share, the module fails (the gateway account
    has not shared the transit gateway yet), except in check mode, where it warns.
  - The transit gateway is the one the share holds (ListResources); it must be exactly one transit
    gateway of O(share.owner_account_id), and O(transit_gateway_id), when given, must be it. AWS lists
    the resources of a share only once its invitation is accepted, so a run that accepts the
    invitation checks the transit gateway (and reads the attachment and the route tables) right after
    the accept; every other input is checked before it.
  - "The attachment is ours when it carries C(ManagedBy=multiaccount.apigateway) and
    C(multiaccount:gateway=<gateway>) (O(gateway)). AWS allows one attachment per VPC and transit
    gateway: one there without these tags fails the module and is never touched."
  - An attachment of ours whose subnets (or DNS support) differ from O(subnet_ids) (O(dns_support))
    is modified (ModifyTransitGatewayVpcAttachment) when it is C(available); in another state the
    module warns and leaves it for a later run. Tags of O(name) and O(tags) it lacks are added
    (CreateTags); no tag is ever removed.
  - "With O(routes), the routes are reconciled only when the attachment is C(available) (the gateway
    account has accepted it): every destination goes through the transit gateway in every listed
    table. A route to a listed destination through a target of O(routes.replace_targets) (such as the
    VPC peering used before), through this transit gateway, or a C(blackhole) route through a deleted
    VPC peering is ours and is replaced or kept; any other route to a listed destination is a
    conflict: when the routes are to move in this run the module fails before any route change (as
    M(multiaccount.apigateway.vpc_routes) does), else it warns. While the attachment waits for the
    gateway's acceptance, every route stays as it is (RV(routed) is V(false), RV(waiting_for) says
    why), so a peering keeps carrying the traffic until the transit gateway path is ready."
  - Every input is checked before any AWS call and errors name the field; every AWS read (the
    subnets, the attachment, the route tables) is made and judged before any change.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) accepts the invitation, attaches the VPC and, once the attachment is C(available),
        routes O(routes.destinations) through the transit gateway.
      - V(absent) deletes, with O(routes), the routes to O(routes.destinations) that go through the
        transit gateway (only those), then our attachment of O(vpc_id). The share and its invitation
        are left alone. Nothing of ours there is no change.
    type: str
    choices: [present, absent]
    default: present
  gateway:
    description:
      - The name of the gateway (deployment) the attachment belongs to, the value of its
        C(multiaccount:gateway) ownership tag.
    type: str
    required: true
  share:
    description:
      - The AWS RAM resource share of the gateway account that holds the transit gateway.
      - Required with O(state=present). With O(state=absent) it finds the transit gateway when
        O(transit_gateway_id) is not given; when the share is gone, our attachments of O(vpc_id) are
        found by their ownership tags.
    type: dict
    suboptions:
      name:
        description:
          - The name of the resource share.
        type: str
        required: true
      owner_account_id:
        description:
          - The 12-digit AWS account that owns the share and the transit gateway (the gateway account).
        type: str
        required: true
  transit_gateway_id:
    description:
      - The shared transit gateway (C(tgw-...)). When omitted it is found through O(share); when given
        it must be the share's transit gateway.
    type: str
  vpc_id:
    description:
      - The provider VPC (C(vpc-...)) of this account and region to attach.
    type: str
    required: true
  subnet_ids:
    description:
      - The subnets of O(vpc_id) the attachment uses, exactly one per Availability Zone (one
        DescribeSubnets call checks them before any change). Required with O(state=present).
    type: list
    elements: str
  name:
    description:
      - The C(Name) tag of the attachment.
    type: str
  tags:
    description:
      - Other tags of the attachment, added to C(Name) and the ownership tags. The ownership tags
        may only repeat their own values.
    type: dict
    default: {}
  dns_support:
    description:
      - DNS support of the attachment (resolves public DNS names of the other VPCs to private IPs).
    type: bool
    default: true
  routes:
    description:
      - The routes to the gateway through the transit gateway in route tables of O(vpc_id)'s account.
      - Omit it to leave every route table alone.
    type: dict
    suboptions:
      route_table_ids:
        description:
          - The route tables (C(rtb-...)) that get every route of O(routes.destinations). A table that
            does not exist is an error with O(state=present), reported before any change, and is
            skipped with O(state=absent). An empty list makes no route table call.
          - Give either this or O(routes.subnet_ids).
        type: list
        elements: str
      subnet_ids:
        description:
          - Subnets (C(subnet-...)) of O(vpc_id) whose route tables get every route of
            O(routes.destinations) - each subnet's explicitly associated table, else the VPC's main
            table, each table once. The same single DescribeRouteTables (of the VPC) finds the tables
            and reads their routes. An empty list makes no route table call.
          - Give either this or O(routes.route_table_ids).
        type: list
        elements: str
        version_added: 0.3.0
      main_table:
        description:
          - With O(routes.subnet_ids), also the VPC's main table, whether a listed subnet uses it or
            not - the table of target subnets not created yet (a new subnet without an association
            of its own is routed by it), so that check mode predicts their routes too.
        type: bool
        default: false
        version_added: 0.3.0
      destinations:
        description:
          - IPv4 CIDR blocks of the gateway side (the gateway's subnets), such as V(10.100.1.0/24),
            each routed through the transit gateway. A destination listed twice is an error.
        type: list
        elements: str
        default: []
      replace_targets:
        description:
          - Route targets (C(pcx-...), C(tgw-...)) whose routes to O(routes.destinations) are ours and
            are replaced by routes through the transit gateway once the attachment is C(available),
            such as the VPC peering a provider moves away from. With O(routes.purge), their routes
            to destinations not listed stay.
        type: list
        elements: str
        default: []
      purge:
        description:
          - Also delete the routes through this transit gateway to destinations not listed (with
            O(state=absent), every route through it in the listed tables).
        type: bool
        default: false
  wait:
    description:
      - With O(state=present), after the attachment is created (or when it is found being created),
        wait until it leaves C(pending) / C(initiating), that is until it is C(pendingAcceptance) or
        C(available). The module never waits for the gateway account's acceptance.
      - With O(state=absent), wait until the attachment is deleted.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait); the module fails when the attachment is still moving then.
    type: int
    default: 300
notes:
  - Permissions needed - C(ram:GetResourceShareInvitations), C(ram:GetResourceShares),
    C(ram:ListResources), C(ram:AcceptResourceShareInvitation),
    C(ec2:DescribeSubnets), C(ec2:DescribeTransitGatewayVpcAttachments),
    C(ec2:CreateTransitGatewayVpcAttachment), C(ec2:ModifyTransitGatewayVpcAttachment),
    C(ec2:DeleteTransitGatewayVpcAttachment), C(ec2:CreateTags) (on C(transit-gateway-attachment)
    resources); with O(wait) C(ec2:DescribeTransitGatewayAttachments); with O(routes)
    C(ec2:DescribeRouteTables), C(ec2:CreateRoute), C(ec2:ReplaceRoute) and C(ec2:DeleteRoute).
  - "API calls of O(state=present): one GetResourceShareInvitations, one GetResourceShares
    (C(resourceOwner=OTHER-ACCOUNTS), filtered by O(share.name)), one DescribeSubnets, (when the
    invitation is pending, one AcceptResourceShareInvitation,) one ListResources (C(ec2:TransitGateway)
    of the share), one DescribeTransitGatewayVpcAttachments (filters C(vpc-id) and
    C(transit-gateway-id)) and with O(routes) one DescribeRouteTables; then, when needed, one
    CreateTransitGatewayVpcAttachment or ModifyTransitGatewayVpcAttachment, one CreateTags, with
    O(wait) one DescribeTransitGatewayAttachments per poll (every 5 s), and one CreateRoute,
    ReplaceRoute or DeleteRoute per route change. A run with nothing to change makes only these
    reads (5 calls, 6 with O(routes)); check mode with the invitation pending stops before ListResources."
  - "API calls of O(state=absent): without O(transit_gateway_id), one GetResourceShares and one
    ListResources; one DescribeTransitGatewayVpcAttachments; with O(routes) one DescribeRouteTables;
    then one DeleteRoute per route and one DeleteTransitGatewayVpcAttachment per attachment."
  - Run it with the credentials of the provider account, in the transit gateway's region. The
    attachment's tags are kept per account, so the gateway account does not see them.
  - A pending RAM invitation expires after 7 days; the gateway's play then sends a new one.
seealso:
  - module: multiaccount.apigateway.transit_gateway
  - module: multiaccount.apigateway.vpc_routes
  - module: multiaccount.apigateway.vpc_peering_accept
  - module: community.aws.ec2_transit_gateway_vpc_attachment
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Reads the invitations, the share, the subnets, the attachment (and the route tables) and returns
        the accept, the attachment and the routes it would make, without any change.
      - A new attachment is predicted C(pending), so no route is predicted for it.
      - With the invitation still pending, the share's transit gateway is not listed yet (AWS lists the
        resources of accepted shares only), the attachment is predicted to O(transit_gateway_id) when
        given, else to the shared transit gateway without its id, and the route tables are checked
        with O(routes.replace_targets) as the only owned targets.
  diff_mode:
    support: full
    details:
      - The share's invitation keyed by share and owner, the attachment keyed by VPC and transit
        gateway (id, state, subnets, DNS support, the listed tags), and with O(routes) the routes in
        scope of each table.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Accept the gateway's share and attach the provider VPC (the gateway accepts it in its own play)
  multiaccount.apigateway.transit_gateway_attachment:
    gateway: open-banking
    share:
      name: open-banking-tgw
      owner_account_id: "111111111111"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0a1b2c3d4e5f67890, subnet-0fedcba9876543210]
    name: open-banking-payments
    wait: true
  register: attachment

# Moving from VPC peering to the transit gateway without downtime: while the attachment waits for
# the gateway's acceptance, the peering routes stay; the first run after the acceptance replaces them.
- name: Route the gateway's subnets through the transit gateway once it is available
  multiaccount.apigateway.transit_gateway_attachment:
    gateway: open-banking
    share:
      name: open-banking-tgw
      owner_account_id: "111111111111"
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0a1b2c3d4e5f67890, subnet-0fedcba9876543210]
    routes:
      route_table_ids: [rtb-0a1b2c3d4e5f67890]
      destinations: [10.100.1.0/24, 10.100.2.0/24]
      replace_targets: [pcx-0123456789abcdef0]
  register: attachment

- name: Say what the routes still wait for
  ansible.builtin.debug:
    msg: "{{ attachment.msg }}"
  when: attachment.waiting_for | length > 0

# Cross-account: every call runs with the provider account's credentials, obtained by assuming a role.
- name: Assume the deployment role of the provider account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::222222222222:role/apigateway-deployer
    role_session_name: tgw-attachment
  register: provider_role

- name: Detach the provider VPC (routes through the transit gateway first)
  multiaccount.apigateway.transit_gateway_attachment:
    state: absent
    gateway: open-banking
    share:
      name: open-banking-tgw
      owner_account_id: "111111111111"
    vpc_id: vpc-0123456789abcdef0
    routes:
      route_table_ids: [rtb-0a1b2c3d4e5f67890]
      destinations: [10.100.1.0/24, 10.100.2.0/24]
    wait: true
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ provider_role.sts_creds.access_key }}"
      secret_key: "{{ provider_role.sts_creds.secret_key }}"
      session_token: "{{ provider_role.sts_creds.session_token }}"
      region: us-east-1
"""

RETURN = r"""
invitation:
  description:
    - The invitation to the chosen share, or null when there is none (the share is shared with the
      organization, or the invitation is no longer listed). Always null with O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: The invitation's ARN.
      type: str
      sample: arn:aws:ram:us-east-1:111111111111:resource-share-invitation/2f0a3c3e-1f7b-4c8e-9d7a-0a1b2c3d4e5f
    status:
      description: Its status after the run (in check mode, as found), C(ACCEPTED) once accepted.
      type: str
      sample: ACCEPTED
    accepted_now:
      description: Whether the run accepted it (in check mode, would accept it).
      type: bool
      sample: true
unexpected_invitations:
  description: The other pending invitations of this account; reported, never accepted nor rejected.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The invitation's ARN.
      type: str
      sample: arn:aws:ram:us-east-1:999999999999:resource-share-invitation/6b1c0d2e-3f4a-5b6c-7d8e-9f0a1b2c3d4e
    share_name:
      description: The name of the share it offers.
      type: str
      sample: someone-else
    sender_account_id:
      description: The account that sent it.
      type: str
      sample: "999999999999"
share:
  description: The chosen resource share, or null when there is none (check mode, or O(state=absent) without it).
  returned: always
  type: dict
  contains:
    arn:
      description: The share's ARN.
      type: str
      sample: arn:aws:ram:us-east-1:111111111111:resource-share/7c8d9e0f-1a2b-3c4d-5e6f-7a8b9c0d1e2f
    name:
      description: Its name.
      type: str
      sample: open-banking-tgw
    owner_account_id:
      description: The account that owns it.
      type: str
      sample: "111111111111"
transit_gateway:
  description: The shared transit gateway, or null when it is not known.
  returned: always
  type: dict
  contains:
    id:
      description: The transit gateway id.
      type: str
      sample: tgw-0123456789abcdef0
    owner_id:
      description: The account that owns it.
      type: str
      sample: "111111111111"
attachment:
  description:
    - Our attachment of O(vpc_id) to the transit gateway after the run (in check mode, as it would be,
      with a null id when it would be created), or null when there is none.
  returned: always
  type: dict
  contains:
    id:
      description: The attachment id.
      type: str
      sample: tgw-attach-0123456789abcdef0
    state:
      description:
        - Its state, such as C(pending), C(pendingAcceptance) (the gateway account must accept it),
          C(available), C(modifying), C(deleting) or C(deleted).
      type: str
      sample: pendingAcceptance
    vpc_id:
      description: The attached VPC.
      type: str
      sample: vpc-0123456789abcdef0
    transit_gateway_id:
      description: The transit gateway.
      type: str
      sample: tgw-0123456789abcdef0
    subnet_ids:
      description: Its subnets, sorted.
      type: list
      elements: str
      sample: [subnet-0a1b2c3d4e5f67890, subnet-0fedcba9876543210]
    dns_support:
      description: C(enable) or C(disable).
      type: str
      sample: enable
    tags:
      description: Its tags in this account.
      type: dict
      sample: {Name: open-banking-payments, ManagedBy: multiaccount.apigateway, "multiaccount:gateway": open-banking}
routed:
  description:
    - Whether the routes of O(routes) go through the transit gateway after the run (in check mode,
      would). V(false) without O(routes) and while the attachment is not C(available).
  returned: always
  type: bool
  sample: false
waiting_for:
  description:
    - What the connectivity still waits for, empty when nothing. V(share) (check mode - the gateway has
      not shared the transit gateway yet), V(attachment) (AWS is still creating it), V(acceptance) (the
      gateway account must accept it), V(deletion) (O(state=absent) without O(wait)).
  returned: always
  type: str
  sample: acceptance
msg:
  description: What the run left for later, in words, when RV(waiting_for) is not empty.
  returned: when RV(waiting_for) is not empty
  type: str
  sample: >-
    routes left as they are: attachment tgw-attach-0123456789abcdef0 is pendingAcceptance; the gateway
    account 111111111111 must accept it (re-run then)
route_tables:
  description:
    - With O(routes), per listed table that exists (or table of the listed subnets), the route changes
      made (or that would be made in check mode), as RV(multiaccount.apigateway.vpc_routes#module:route_tables) of
      M(multiaccount.apigateway.vpc_routes); none while the attachment is not C(available).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Route table id.
      type: str
      sample: rtb-0a1b2c3d4e5f67890
    vpc_id:
      description: VPC of the table.
      type: str
      sample: vpc-0123456789abcdef0
    name:
      description: Name tag of the table, null when it has none.
      type: str
      sample: payments-private
    added:
      description: Routes added.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: tgw-0123456789abcdef0}]
    replaced:
      description: Routes replaced, with the target they had before.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: tgw-0123456789abcdef0, previous_target: pcx-0123456789abcdef0}]
    deleted:
      description: Routes deleted, with the target they had.
      type: list
      elements: dict
      sample: [{dest: 10.100.9.0/24, target: tgw-0123456789abcdef0}]
    conflicts:
      description:
        - Routes of someone else to a listed destination. With O(state=present) the module fails when
          there is one and the routes are to move in this run (the attachment is available), and warns
          while it is not; with O(state=absent) they are left alone.
      type: list
      elements: dict
      sample: [{dest: 10.100.1.0/24, target: igw-0123456789abcdef0}]
actions:
  description: What the run changed (in check mode, would change), one line each.
  returned: always
  type: list
  elements: str
  sample:
    - accept the invitation to share open-banking-tgw from 111111111111
    - attach vpc-0123456789abcdef0 to tgw-0123456789abcdef0 in subnet-0a1b2c3d4e5f67890, subnet-0fedcba9876543210
diff:
  description:
    - The share keyed by C(<name> from <owner>) (C(pending), C(accepted) or C(not shared)), the
      attachment keyed by C(<vpc> to <tgw>) (C({}) when there is none), and with O(routes) the routes
      in scope per table as C(dest -> target), before and after.
  returned: always
  type: dict
  sample:
    before:
      share: {"open-banking-tgw from 111111111111": pending}
      attachment: {}
    after:
      share: {"open-banking-tgw from 111111111111": accepted}
      attachment:
        "vpc-0123456789abcdef0 to tgw-0123456789abcdef0":
          id: (new)
          state: pending
          subnet_ids: [subnet-0a1b2c3d4e5f67890]
          dns_support: enable
          tags: {Name: open-banking-payments}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import ram_shares, transit_gateways
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import new_or
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_network import (
    GATEWAY_TAG_KEY,
    VPC_ID_RE,
    AnsibleEc2NetworkError,
    apply_route_plans,
    check_destinations,
    check_resource_id,
    check_resource_ids,
    check_route_scope,
    check_tags,
    describe_subnets,
    is_ours,
    is_stale_peering,
    ownership_tags,
    plan_read_route_tables,
    read_scope_route_tables,
    route_problems,
    target_kind,
    with_route_diff,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import ACCOUNT_ID_RE

# Attachment states.
CREATING_STATES = ("initiating", "initiatingRequest", "pending")
PENDING_ACCEPTANCE = transit_gateways.PENDING_ACCEPTANCE
AVAILABLE = transit_gateways.AVAILABLE
# Routes through the transit gateway work in these states.
ROUTABLE_STATES = (AVAILABLE, "modifying")
# What a wait after the create waits for: out of CREATING_STATES.
CREATED_STATES = (PENDING_ACCEPTANCE, AVAILABLE, "modifying")
DELETING = "deleting"
DELETED = "deleted"

NOT_SHARED = "not shared"
PENDING = "pending"
ACCEPTED = "accepted"
RERUN = "re-run then"
# Where the id of the share's transit gateway goes while it is not known (check mode, invitation pending).
SHARED_TGW = "(the shared transit gateway)"


# ---------------------------------------------------------------------------------------------
# Input checks (no AWS call)
# ---------------------------------------------------------------------------------------------


def check_params(params):
    """``(checked, problems)``: the normalised input, and one line per problem naming its field."""
    problems = []
    checked = {"state": params["state"], "wait": params["wait"], "wait_timeout": params["wait_timeout"]}

    gateway = str(params["gateway"] or "").strip()
    if not gateway:
        problems.append(
            "gateway: give the name of the gateway the attachment belongs to (the multiaccount:gateway tag)"
        )
    elif len(gateway) > 256:
        problems.append(f"gateway: {gateway[:20]!r}... is longer than 256 characters (a tag value)")
    checked["gateway"] = gateway

    share = params["share"]
    checked["share"] = None
    if share is None:
        if params["state"] == "present":
            problems.append("share: give the name and owner_account_id of the gateway's resource share")
    else:
        name = str(share["name"] or "").strip()
        owner = str(share["owner_account_id"] or "").strip()
        if not name:
            problems.append("share.name: give the name of the gateway's resource share")
        if not ACCOUNT_ID_RE.match(owner):
            problems.append(f"share.owner_account_id: {share['owner_account_id']!r} is not a 12-digit AWS account id")
        checked["share"] = {"name": name, "owner": owner}

    checked["transit_gateway_id"] = None
    if params["transit_gateway_id"] not in (None, ""):
        try:
            checked["transit_gateway_id"] = check_resource_id(params["transit_gateway_id"], "tgw", "transit_gateway_id")
        except ValueError as error:
            problems.append(str(error))

    vpc_id = str(params["vpc_id"] or "").strip().lower()
    if not VPC_ID_RE.match(vpc_id):
        problems.append(f"vpc_id: {params['vpc_id']!r} is not a VPC id (vpc-...)")
    checked["vpc_id"] = vpc_id

    _ids, subnet_problems, fields = check_resource_ids(params["subnet_ids"], "subnet", "subnet_ids")
    problems.extend(subnet_problems)
    subnets = [(field, subnet_id) for subnet_id, field in fields.items()]
    if params["state"] == "present" and not params["subnet_ids"]:
        problems.append("subnet_ids: give the subnets of vpc_id the attachment uses, one per Availability Zone")
    checked["subnet_ids"] = subnets

    name = params["name"]
    if name is not None and not str(name).strip():
        problems.append("name: give a non-empty Name tag, or leave name out")
    try:
        tags = check_tags(params["tags"], gateway, "tags")
    except ValueError as error:
        problems.append(str(error))
        tags = {}
    if name is not None and str(name).strip() and "Name" in tags and tags["Name"] != str(name).strip():
        problems.append(f"tags.Name: {tags['Name']!r} differs from name {name!r}; give the Name tag in name only")
    desired = dict(tags)
    if name is not None and str(name).strip():
        desired["Name"] = str(name).strip()
    desired.update(ownership_tags(gateway))
    checked["tags"] = desired
    checked["dns_support"] = "enable" if params["dns_support"] else "disable"

    if params["wait_timeout"] < 0:
        problems.append("wait_timeout: must be 0 or more seconds")

    routes, route_problems_found = check_routes(params["routes"], params["vpc_id"])
    checked["routes"] = routes
    problems.extend(route_problems_found)
    return checked, problems


def check_routes(spec, vpc_id):
    """``(checked, problems)`` of O(routes) (in O(vpc_id)'s tables); ``checked`` is None without the option."""
    if spec is None:
        return None, []
    table_ids, subnet_ids, problems = check_route_scope(spec, "routes")
    destinations, bad = check_destinations(spec["destinations"], "routes.destinations")
    problems += bad
    replace = set()
    for index, value in enumerate(spec["replace_targets"] or []):
        field = f"routes.replace_targets[{index}]"
        text = str(value or "").strip().lower()
        if target_kind(text)[0] is None:
            problems.append(f"{field}: {value!r} is not a route target this module replaces (pcx-..., tgw-...)")
            continue
        try:
            replace.add(check_resource_id(text, text.split("-", 1)[0], field))
        except ValueError as error:
            problems.append(str(error))
    return {
        "vpc_id": vpc_id,
        "route_table_ids": table_ids,
        "subnet_ids": subnet_ids,
        "main_table": bool(spec.get("main_table")),
        "destinations": destinations,
        "replace_targets": replace,
        "purge": spec["purge"],
    }, problems


# ---------------------------------------------------------------------------------------------
# Pure choices
# ---------------------------------------------------------------------------------------------


def choose_share(invitations, shares, name, owner):
    """Which share is the gateway's, from the normalised invitations of this account and the live shares
    named ``name`` it can use.

    Returns ``{"arn", "invitation", "accept", "unexpected", "candidates"}``: ``arn`` None when there is
    no share or several (``candidates`` lists them); ``invitation`` the pending invitation to it (to
    accept), else its latest accepted one, else None; ``unexpected`` every other pending invitation.
    """
    expected = [
        item
        for item in invitations
        if item["status"] == ram_shares.PENDING and item["share_name"] == name and item["sender_account_id"] == owner
    ]
    unexpected = [item for item in invitations if item["status"] == ram_shares.PENDING and item not in expected]
    usable = [share for share in shares if share["name"] == name and share["owner_account_id"] == owner]
    candidates = sorted({share["arn"] for share in usable} | {item["share_arn"] for item in expected})
    choice = {"arn": None, "invitation": None, "accept": False, "unexpected": unexpected, "candidates": candidates}
    if len(candidates) != 1:
        return choice
    arn = candidates[0]
    pending = [item for item in expected if item["share_arn"] == arn]
    accepted = sorted(
        (
            item
            for item in invitations
            if item["share_arn"] == arn and item["status"] == ram_shares.ACCEPTED and item["sender_account_id"] == owner
        ),
        key=lambda item: str(item.get("invitation_timestamp") or ""),
    )
    choice.update(arn=arn, invitation=(pending or accepted[-1:] or [None])[0], accept=bool(pending))
    return choice


def shared_transit_gateways(resources, owner, share_arns):
    """``[{id, arn, owner_id}]`` of the transit gateways among the normalised shared resources, with the
    accounts they belong to; ``(ours, others)``: of ``owner`` and of anyone else."""
    ours, others, seen = [], [], set()
    for resource in resources:
        if resource["type"] != ram_shares.TRANSIT_GATEWAY_TYPE or resource["arn"] in seen:
            continue
        if resource.get("share_arn") and share_arns and resource["share_arn"] not in share_arns:
            continue
        seen.add(resource["arn"])
        entry = {"id": resource["id"], "arn": resource["arn"], "owner_id": resource["owner_account_id"]}
        (ours if entry["owner_id"] == owner else others).append(entry)
    return ours, others


def check_subnets(raw_subnets, fields, vpc_id, region):
    """``(account_id, problems)`` of the DescribeSubnets entries of the listed subnets: each must exist,
    be in ``vpc_id`` and be alone in its Availability Zone. ``fields``: ``[(field, subnet_id)]``."""
    found = {raw["SubnetId"]: raw for raw in raw_subnets}
    problems, zones, account = [], {}, None
    for field, subnet_id in fields:
        raw = found.get(subnet_id)
        if raw is None:
            problems.append(f"{field}: {subnet_id} not found in {region}")
            continue
        account = account or str(raw.get("OwnerId") or "") or None
        if raw.get("VpcId") != vpc_id:
            problems.append(f"{field}: {subnet_id} is in {raw.get('VpcId')}, not in vpc_id {vpc_id}")
            continue
        zone = raw.get("AvailabilityZone")
        if zone in zones:
            other_field, other_id = zones[zone]
            problems.append(
                f"{field}: {subnet_id} is in {zone} like {other_field} ({other_id}); a transit gateway attachment "
                "takes exactly one subnet per Availability Zone"
            )
            continue
        zones[zone] = (field, subnet_id)
    return account, problems


def split_attachments(raw_attachments, vpc_id, transit_gateway_ids, gateway, account_id=None):
    """The normalised VPC attachments of ``vpc_id`` to one of ``transit_gateway_ids`` (any when empty),
    checked again in Python (an emulator may ignore filters), in this account when ``account_id`` is
    known. Returns ``(ours, foreign, deleting)``: live ones with and without our tags, and ours being
    deleted. Deleted, rejected and failed attachments are left out."""
    ours, foreign, deleting = [], [], []
    for raw in raw_attachments:
        entry = transit_gateways.normalise_attachment(raw)
        if entry["vpc_id"] != vpc_id:
            continue
        if transit_gateway_ids and entry["transit_gateway_id"] not in transit_gateway_ids:
            continue
        if account_id and entry["vpc_owner_id"] and entry["vpc_owner_id"] != account_id:
            continue
        mine = is_ours(entry["tags"], gateway)
        if entry["state"] == DELETING and mine:
            deleting.append(entry)
        elif not transit_gateways.is_dead_attachment(entry):
            (ours if mine else foreign).append(entry)
    return ours, foreign, deleting


def subnet_changes(attachment, subnet_ids, dns_support):
    """``(add, remove, options)`` that make ``attachment`` use ``subnet_ids`` with ``dns_support``."""
    current = set(attachment.get("subnet_ids") or [])
    wanted = set(subnet_ids)
    options = {"DnsSupport": dns_support} if attachment.get("dns_support") not in (None, dns_support) else {}
    return sorted(wanted - current), sorted(current - wanted), options


def attachment_result(entry):
    if not entry:
        return None
    return {
        "id": entry.get("id"),
        "state": entry.get("state"),
        "vpc_id": entry.get("vpc_id"),
        "transit_gateway_id": entry.get("transit_gateway_id"),
        "subnet_ids": sorted(entry.get("subnet_ids") or []),
        "dns_support": entry.get("dns_support"),
        "tags": dict(entry.get("tags") or {}),
    }


def attachment_diff(entry, tag_keys):
    """The diff side of an attachment: ``{id, state, subnet_ids, dns_support, tags}`` (the listed tags only)."""
    if not entry:
        return {}
    tags = entry.get("tags") or {}
    return {
        "id": new_or(entry.get("id")),
        "state": entry.get("state"),
        "subnet_ids": sorted(entry.get("subnet_ids") or []),
        "dns_support": entry.get("dns_support"),
        "tags": {key: tags[key] for key in tag_keys if key in tags},
    }


def waiting(state, owner):
    """``(waiting_for, why)`` of an attachment state."""
    if state in ROUTABLE_STATES:
        return "", ""
    if state == PENDING_ACCEPTANCE:
        return "acceptance", f"the gateway account {owner} must accept it"
    if state in CREATING_STATES:
        return "attachment", "AWS is still creating it"
    return "attachment", "it cannot carry traffic"


def share_label(checked):
    share = checked["share"]
    return f"{share['name']} from {share['owner']}"


def invitation_line(item):
    return (
        f"resource share invitation {item['arn']} to share {item['share_name']!r} from account "
        f"{item['sender_account_id']} is pending; it is not the gateway's and is left alone"
    )


def plan_routes(client, routes, state, target, owned, table_filter=None):
    """Read the listed tables, or those of the listed subnets (one DescribeRouteTables), and plan the routes of O(routes).

    ``target``: the transit gateway of the routes (None with O(state=absent)); ``owned``: the targets
    whose routes are ours. ``table_filter``: applied to each table read (absent: drop the routes the
    module must never delete). None without tables to route.
    """
    if routes is None or not (routes["route_table_ids"] or routes.get("subnet_ids") or routes.get("main_table")):
        return None
    tables, missing = read_scope_route_tables(
        client, routes["vpc_id"], routes["route_table_ids"], routes.get("subnet_ids"), routes.get("main_table")
    )
    if table_filter is not None:
        tables = [table_filter(table) for table in tables]
        missing = []
    checked = {
        "route_table_ids": [table["id"] for table in tables],
        "routes": [{"field": field, "dest": dest, "target": target} for field, dest in routes["destinations"]],
        "owned_targets": set(owned),
    }
    return plan_read_route_tables(tables, missing, checked, state, routes["purge"])


def without_stale_peerings(table):
    """A read table without its blackhole peering routes: with O(state=absent) only routes through the
    transit gateway are ever deleted."""
    return dict(table, routes={dest: r for dest, r in table["routes"].items() if not is_stale_peering(r)})


def cleared(route_tables):
    """Table results with no change (the routes are not applied)."""
    return [dict(entry, added=[], replaced=[], deleted=[]) for entry in route_tables]


# ---------------------------------------------------------------------------------------------
# state=present
# ---------------------------------------------------------------------------------------------


def fail(module, message, result):
    """Fail with ``message``, saying what the run changed before (``result["actions"]``), if anything."""
    done = result.get("actions") or []
    suffix = f"changed so far: {'; '.join(done)}" if done and not module.check_mode else "nothing was changed"
    module.fail_json(msg=f"{message} ({suffix})", **result)


def empty_result():
    return dict(
        changed=False,
        invitation=None,
        unexpected_invitations=[],
        share=None,
        transit_gateway=None,
        attachment=None,
        routed=False,
        waiting_for="",
        route_tables=[],
        actions=[],
    )


def read_share(module, ram, checked, result):
    """The gateway's share (``choose_share``), from one GetResourceShareInvitations and one GetResourceShares;
    fails when several shares match, or when there is none outside check mode."""
    name, owner = checked["share"]["name"], checked["share"]["owner"]
    invitations = [ram_shares.normalise_invitation(raw) for raw in ram_shares.get_resource_share_invitations(ram)]
    shares = [
        ram_shares.normalise_share(raw)
        for raw in ram_shares.get_resource_shares(ram, ram_shares.OTHER_ACCOUNTS, name=name)
    ]
    choice = choose_share(invitations, [item for item in shares if ram_shares.is_live(item)], name, owner)
    result["unexpected_invitations"] = [
        {"arn": item["arn"], "share_name": item["share_name"], "sender_account_id": item["sender_account_id"]}
        for item in choice["unexpected"]
    ]
    for item in choice["unexpected"]:
        module.warn(invitation_line(item))
    if len(choice["candidates"]) > 1:
        fail(
            module,
            f"share: {len(choice['candidates'])} resource shares named {name!r} from account {owner} are offered to "
            f"this account ({', '.join(choice['candidates'])}); keep one on the gateway side",
            result,
        )
    if choice["arn"] is not None:
        result["share"] = {"arn": choice["arn"], "name": name, "owner_account_id": owner}
        invitation = choice["invitation"]
        if invitation is not None:
            result["invitation"] = {"arn": invitation["arn"], "status": invitation["status"], "accepted_now": False}
    return choice


def find_transit_gateway(module, ram, checked, choice, result):
    """The one transit gateway of the share's owner the share holds (one ListResources, which lists
    the resources of an accepted share only); checked against O(transit_gateway_id)."""
    name, owner = checked["share"]["name"], checked["share"]["owner"]
    raw_resources = ram_shares.list_resources(
        ram, ram_shares.OTHER_ACCOUNTS, ram_shares.TRANSIT_GATEWAY_TYPE, [choice["arn"]]
    )
    resources = [ram_shares.normalise_resource(raw) for raw in raw_resources]
    tgws, others = shared_transit_gateways(resources, owner, [choice["arn"]])
    if len(tgws) != 1:
        found = ", ".join(f"{item['id']} (account {item['owner_id']})" for item in tgws + others) or "none"
        fail(
            module,
            f"share {name!r} ({choice['arn']}) must hold exactly one transit gateway of account {owner}; found: {found}",
            result,
        )
    tgw_id = tgws[0]["id"]
    result["transit_gateway"] = {"id": tgw_id, "owner_id": tgws[0]["owner_id"]}
    given = checked["transit_gateway_id"]
    if given and given != tgw_id:
        fail(
            module,
            f"transit_gateway_id: {given} is not the transit gateway of share {name!r} ({tgw_id}); give {tgw_id} or "
            "leave transit_gateway_id out",
            result,
        )
    return tgw_id


def read_subnets(module, ec2, checked, result):
    """One DescribeSubnets of O(subnet_ids), checked; returns the account that owns them."""
    account_id, problems = check_subnets(
        describe_subnets(ec2, {"subnet-id": [subnet_id for _field, subnet_id in checked["subnet_ids"]]}),
        checked["subnet_ids"],
        checked["vpc_id"],
        module.region,
    )
    if problems:
        fail(module, "; ".join(problems), result)
    return account_id


def read_attachment(module, ec2, checked, tgw_id, account_id, result):
    """Our attachment of O(vpc_id) to the transit gateway (None when there is none), from one
    DescribeTransitGatewayVpcAttachments; fails on an attachment that is not ours, or being deleted."""
    vpc_id = checked["vpc_id"]
    raw = transit_gateways.describe_transit_gateway_vpc_attachments(
        ec2, filters={"vpc-id": [vpc_id], "transit-gateway-id": [tgw_id]}
    )
    ours, foreign, deleting = split_attachments(raw, vpc_id, [tgw_id], checked["gateway"], account_id)
    owned = ", ".join(f"{key}={value}" for key, value in ownership_tags(checked["gateway"]).items())
    if foreign:
        item = foreign[0]
        fail(
            module,
            f"transit gateway attachment {item['id']} of {vpc_id} to {tgw_id} ({item['state']}) lacks the ownership "
            f"tags {owned}; it is not this collection's and is left alone: delete it, or tag it with them to adopt it",
            result,
        )
    if deleting:
        fail(
            module,
            f"transit gateway attachment {deleting[0]['id']} of {vpc_id} to {tgw_id} is being deleted; re-run once "
            "it is gone",
            result,
        )
    if len(ours) > 1:
        fail(
            module,
            f"{', '.join(item['id'] for item in ours)} all attach {vpc_id} to {tgw_id}; delete the extra ones",
            result,
        )
    return ours[0] if ours else None


def plan_attachment(module, checked, current, tgw_id):
    """``(change, after)``: what to do with the attachment (``create`` / ``modify`` / ``tag`` and their
    action lines) and how it would look after the run."""
    subnet_ids = sorted(subnet_id for _field, subnet_id in checked["subnet_ids"])
    desired_tags = checked["tags"]
    change = {"create": False, "modify": None, "tag": {}, "actions": []}
    if current is None:
        change.update(create=True, actions=[f"attach {checked['vpc_id']} to {tgw_id} in {', '.join(subnet_ids)}"])
        after = {
            "id": None,
            "state": "pending",
            "vpc_id": checked["vpc_id"],
            "transit_gateway_id": tgw_id,
            "subnet_ids": subnet_ids,
            "dns_support": checked["dns_support"],
            "tags": dict(desired_tags),
        }
        return change, after
    after = dict(current, tags=dict(current["tags"]))
    add, remove, options = subnet_changes(current, subnet_ids, checked["dns_support"])
    if (add or remove or options) and current["state"] != AVAILABLE:
        module.warn(
            f"transit gateway attachment {current['id']} is {current['state']}: its subnets or DNS support differ from "
            f"subnet_ids / dns_support; they are modified once it is available ({RERUN})"
        )
    elif add or remove or options:
        parts = [f"add subnets {', '.join(add)}"] if add else []
        parts += [f"remove subnets {', '.join(remove)}"] if remove else []
        parts += [f"set DNS support to {checked['dns_support']}"] if options else []
        change["modify"] = {"add": add, "remove": remove, "options": options}
        change["actions"].append(f"attachment {current['id']}: {', '.join(parts)}")
        after.update(subnet_ids=subnet_ids, dns_support=checked["dns_support"])
    change["tag"] = transit_gateways.missing_tags(current["tags"], desired_tags)
    if change["tag"]:
        change["actions"].append(f"tag attachment {current['id']} with {', '.join(change['tag'])}")
        after["tags"].update(change["tag"])
    return change, after


def apply_attachment(ec2, checked, current, tgw_id, change, done):
    """Create, modify or tag the attachment as ``change`` says; each change made is appended to ``done``.
    Returns the attachment after the changes (normalised)."""
    lines = iter(change["actions"])
    if change["create"]:
        created = transit_gateways.create_transit_gateway_vpc_attachment(
            ec2,
            tgw_id,
            checked["vpc_id"],
            sorted(subnet_id for _field, subnet_id in checked["subnet_ids"]),
            checked["tags"],
            checked["dns_support"] == "enable",
        )
        attachment = transit_gateways.normalise_attachment(created)
        attachment["tags"] = attachment["tags"] or dict(checked["tags"])
        done.append(next(lines))
        return attachment
    attachment = current
    if change["modify"]:
        modify = change["modify"]
        modified = transit_gateways.modify_vpc_attachment(
            ec2, current["id"], modify["add"], modify["remove"], modify["options"]
        )
        attachment = dict(transit_gateways.normalise_attachment(modified), tags=current["tags"])
        done.append(next(lines))
    if change["tag"]:
        transit_gateways.create_tags(ec2, [current["id"]], change["tag"])
        attachment = dict(attachment, tags=dict(attachment["tags"], **change["tag"]))
        done.append(next(lines))
    return attachment


def wait_created(module, ec2, checked, attachment, result):
    """With O(wait), poll an attachment being created until it leaves the creating states; fails on a
    timeout or when it ends where it will never carry traffic. Returns it with its last state."""
    if not checked["wait"] or attachment["state"] not in CREATING_STATES:
        return attachment
    states, unsettled = transit_gateways.wait_for_states(
        ec2, [{"kind": "attachment", "id": attachment["id"], "until": CREATED_STATES}], checked["wait_timeout"]
    )
    attachment = dict(attachment, state=states.get(attachment["id"]) or DELETED)
    if unsettled:
        result["attachment"] = attachment_result(attachment)
        if attachment["state"] in CREATING_STATES:
            message = (
                f"transit gateway attachment {attachment['id']} is still {attachment['state']} after wait_timeout "
                f"{checked['wait_timeout']} s; re-run later, or raise wait_timeout"
            )
        else:
            message = (
                f"transit gateway attachment {attachment['id']} is {attachment['state']}; it will never carry "
                "traffic: ask the gateway side, then re-run"
            )
        module.fail_json(msg=message, **result)
    return attachment


def finish_present(result, checked, choice, tgw_id, current, attachment, planned, routed):
    """Fill ``attachment``, ``routed``, ``waiting_for`` (and ``msg``) and ``diff`` of the result."""
    owner = checked["share"]["owner"]
    label = share_label(checked)
    key = f"{checked['vpc_id']} to {tgw_id or SHARED_TGW}"
    result["attachment"] = attachment_result(attachment)
    waiting_for, why = waiting(attachment["state"], owner)
    result["waiting_for"] = waiting_for
    result["routed"] = planned is not None and routed
    if waiting_for:
        subject = f"attachment {attachment['id']}" if attachment.get("id") else "the new attachment"
        lead = "routes left as they are: " if planned is not None else ""
        result["msg"] = f"{lead}{subject} is {attachment['state']}; {why} ({RERUN})"
    diff = {
        "before": {
            "share": {label: PENDING if choice["accept"] else ACCEPTED},
            "attachment": {key: attachment_diff(current, checked["tags"])} if current else {},
        },
        "after": {"share": {label: ACCEPTED}, "attachment": {key: attachment_diff(attachment, checked["tags"])}},
    }
    if planned is not None and not routed:
        # The routes stay as they are: before and after alike.
        planned = dict(planned, diff={"before": planned["diff"]["before"], "after": planned["diff"]["before"]})
    result["diff"] = with_route_diff(diff, planned)
    return result


def check_routes_first(module, ec2, checked, tgw_id, result):
    """Read and plan O(routes) (one DescribeRouteTables): a missing table fails the run before any further
    change; a route of someone else to a listed destination fails it only when the routes are to move
    (``fail_on_conflicts``), else it is a warning. None without O(routes)."""
    routes = checked["routes"]
    if routes is None:
        return None
    owned = set(routes["replace_targets"]) | ({tgw_id} if tgw_id else set())
    planned = plan_routes(ec2, routes, "present", tgw_id or SHARED_TGW, owned)
    if planned is not None:
        result["route_tables"] = planned["route_tables"]
        if planned["missing"]:
            result["route_tables"] = cleared(result["route_tables"])
            fail(module, route_problems(planned, module.region, "routes."), result)
        for warning in planned["warnings"]:
            module.warn(warning)
    return planned


def judge_conflicts(module, planned, routable, result):
    """Routes of someone else in the way: a failure (before any route change) when the routes move in this
    run, else a warning that they will be once the attachment is available (the routes stay as they are)."""
    if planned is None or not planned["conflicts"]:
        return
    problems = route_problems(planned, module.region, "routes.")
    if routable:
        result["route_tables"] = cleared(result["route_tables"])
        fail(module, problems, result)
    module.warn(f"once the attachment is available, its routes cannot move: {problems}")


def predict_accept(module, ec2, checked, choice, result):
    """Check mode with the invitation still pending: AWS lists the share's transit gateway only once the
    invitation is accepted, so the attachment is predicted new, to O(transit_gateway_id) when given."""
    tgw_id = checked["transit_gateway_id"]
    if tgw_id:
        result["transit_gateway"] = {"id": tgw_id, "owner_id": checked["share"]["owner"]}
    planned = check_routes_first(module, ec2, checked, tgw_id, result)
    judge_conflicts(module, planned, False, result)
    if planned is not None:
        result["route_tables"] = cleared(result["route_tables"])
    change, after = plan_attachment(module, checked, None, tgw_id or SHARED_TGW)
    after["transit_gateway_id"] = tgw_id
    actions = [accept_line(checked)] + change["actions"]
    result.update(changed=True, actions=actions)
    return finish_present(result, checked, choice, tgw_id, None, after, planned, False)


def accept_line(checked):
    return f"accept the invitation to share {checked['share']['name']} from {checked['share']['owner']}"


def run_present(module, ram, ec2, checked):
    result = empty_result()
    choice = read_share(module, ram, checked, result)
    if choice["arn"] is None:
        return not_shared(module, ec2, checked, result)
    account_id = read_subnets(module, ec2, checked, result)
    done = []

    def failed(error, total):
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(done)} of {total} changes",
            **dict(result, changed=bool(done), actions=list(done)),
        )

    if choice["accept"]:
        result["invitation"]["accepted_now"] = True
        if module.check_mode:
            return predict_accept(module, ec2, checked, choice, result)
        # The share's transit gateway is listed only once its invitation is accepted: accept first.
        try:
            accepted = ram_shares.accept_resource_share_invitation(ram, choice["invitation"]["arn"])
        except ram_shares.AnsibleRamError as error:
            failed(error, 1)
        result["invitation"]["status"] = accepted.get("status") or ram_shares.ACCEPTED
        done.append(accept_line(checked))
        result.update(changed=True, actions=list(done))

    # Every other read, judged before any (other) change.
    tgw_id = find_transit_gateway(module, ram, checked, choice, result)
    current = read_attachment(module, ec2, checked, tgw_id, account_id, result)
    planned = check_routes_first(module, ec2, checked, tgw_id, result)
    change, after = plan_attachment(module, checked, current, tgw_id)
    actions = list(done) + change["actions"]
    routable = current is not None and current["state"] in ROUTABLE_STATES
    judge_conflicts(module, planned, routable, result)
    route_actions = planned["actions"] if planned is not None and routable else []
    if planned is not None and not routable:
        result["route_tables"] = cleared(result["route_tables"])

    if module.check_mode:
        result.update(changed=bool(actions or route_actions), actions=actions + route_actions)
        return finish_present(result, checked, choice, tgw_id, current, after, planned, routable)

    try:
        attachment = apply_attachment(ec2, checked, current, tgw_id, change, done)
    except transit_gateways.AnsibleTransitGatewayError as error:
        failed(error, len(actions) + len(route_actions))
    result.update(changed=bool(done), actions=list(done))
    attachment = wait_created(module, ec2, checked, attachment, result)

    routed = planned is not None and attachment["state"] in ROUTABLE_STATES
    if routed and not routable:
        # Available just now (a transit gateway that accepts by itself): the routes move in this run.
        judge_conflicts(module, planned, True, dict(result, changed=bool(done), actions=list(done)))
    if routed:
        # Available now even when it was not before (a transit gateway that accepts by itself, and the wait):
        # the plan made before any change still holds, only this run changed anything since.
        result["route_tables"] = planned["route_tables"]
        try:
            apply_route_plans(ec2, planned["plans"], done)
        except AnsibleEc2NetworkError as error:
            failed(error, len(actions) + len(planned["actions"]))
        result.update(changed=bool(done), actions=list(done))
    return finish_present(result, checked, choice, tgw_id, current, attachment, planned, routed)


def not_shared(module, ec2, checked, result):
    """Check mode without a share: a warning; the subnets are still checked (the real run checks them too)."""
    name, owner = checked["share"]["name"], checked["share"]["owner"]
    message = (
        f"the gateway account {owner} has not shared {name!r} with this account yet: run the gateway's play first "
        f"(no pending invitation to it and no usable share of that name from {owner} in {module.region})"
    )
    if not module.check_mode:
        fail(module, message, result)
    module.warn(message)
    read_subnets(module, ec2, checked, result)
    side = {"share": {share_label(checked): NOT_SHARED}, "attachment": {}}
    result.update(waiting_for="share", msg=message, diff={"before": side, "after": dict(side)})
    return result


# ---------------------------------------------------------------------------------------------
# state=absent
# ---------------------------------------------------------------------------------------------


def run_absent(module, ram, ec2, checked):
    vpc_id = checked["vpc_id"]
    gateway = checked["gateway"]
    result = empty_result()
    tgw_id = checked["transit_gateway_id"]
    tgw_owner = None
    share = checked["share"]
    if tgw_id is None and share is not None:
        shares = [
            item
            for item in (
                ram_shares.normalise_share(raw)
                for raw in ram_shares.get_resource_shares(ram, ram_shares.OTHER_ACCOUNTS, name=share["name"])
            )
            if ram_shares.is_live(item) and item["name"] == share["name"] and item["owner_account_id"] == share["owner"]
        ]
        if shares:
            arns = sorted(item["arn"] for item in shares)
            if len(arns) == 1:
                result["share"] = {"arn": arns[0], "name": share["name"], "owner_account_id": share["owner"]}
            raw = ram_shares.list_resources(ram, ram_shares.OTHER_ACCOUNTS, ram_shares.TRANSIT_GATEWAY_TYPE, arns)
            tgws, _others = shared_transit_gateways(
                [ram_shares.normalise_resource(item) for item in raw], share["owner"], arns
            )
            if len(tgws) > 1:
                fail(
                    module,
                    f"share {share['name']!r} of account {share['owner']} holds several transit gateways "
                    f"({', '.join(item['id'] for item in tgws)}); give transit_gateway_id",
                    result,
                )
            if tgws:
                tgw_id, tgw_owner = tgws[0]["id"], tgws[0]["owner_id"]

    if tgw_id is not None:
        filters = {"vpc-id": [vpc_id], "transit-gateway-id": [tgw_id]}
    else:
        # No transit gateway known (the share is gone): our attachments of the VPC, by their tags.
        filters = {"vpc-id": [vpc_id]}
        filters.update({f"tag:{key}": [value] for key, value in ownership_tags(gateway).items()})
    raw_attachments = transit_gateways.describe_transit_gateway_vpc_attachments(ec2, filters=filters)
    ours, foreign, deleting = split_attachments(raw_attachments, vpc_id, [tgw_id] if tgw_id else [], gateway)
    for item in foreign if tgw_id else []:
        module.warn(
            f"transit gateway attachment {item['id']} of {vpc_id} to {item['transit_gateway_id']} lacks the ownership "
            f"tags ({GATEWAY_TAG_KEY}={gateway}...); it is not this collection's and is left alone"
        )
    tgw_ids = sorted({tgw_id} if tgw_id else {item["transit_gateway_id"] for item in ours + deleting})
    if tgw_ids:
        first = (ours + deleting)[0] if (ours + deleting) else {}
        result["transit_gateway"] = {
            "id": tgw_ids[0],
            "owner_id": tgw_owner or first.get("transit_gateway_owner_id") or (share or {}).get("owner"),
        }

    planned = plan_routes(ec2, checked["routes"], "absent", None, tgw_ids, without_stale_peerings) if tgw_ids else None
    route_actions = planned["actions"] if planned is not None else []
    if planned is not None:
        result["route_tables"] = planned["route_tables"]

    actions = list(route_actions)
    for item in ours:
        actions.append(f"delete attachment {item['id']} of {vpc_id} to {item['transit_gateway_id']}")
    before = {"attachment": {f"{vpc_id} to {item['transit_gateway_id']}": attachment_diff(item, []) for item in ours}}
    after = {"attachment": {}}
    for item in deleting:
        before["attachment"][f"{vpc_id} to {item['transit_gateway_id']}"] = attachment_diff(item, [])
        after["attachment"][f"{vpc_id} to {item['transit_gateway_id']}"] = attachment_diff(item, [])
    result["diff"] = with_route_diff({"before": before, "after": after}, planned)
    shown = (ours + deleting)[0] if (ours + deleting) else None

    if module.check_mode:
        result.update(changed=bool(actions), actions=actions)
        predicted = DELETED if checked["wait"] else DELETING
        result["attachment"] = attachment_result(dict(shown, state=predicted) if shown else None)
        if shown and predicted != DELETED:
            result.update(waiting_for="deletion", msg=f"attachment {shown['id']} would be {predicted}")
        return result

    done = []
    try:
        if planned is not None:
            apply_route_plans(ec2, planned["plans"], done)
        for item in ours:
            transit_gateways.delete_transit_gateway_vpc_attachment(ec2, item["id"])
            done.append(actions[len(done)])
    except (AnsibleEc2NetworkError, transit_gateways.AnsibleTransitGatewayError) as error:
        module.fail_json_aws(
            error.exception,
            msg=f"{error.message} after {len(done)} of {len(actions)} changes",
            **dict(result, changed=bool(done), actions=list(done)),
        )
    result.update(changed=bool(done), actions=list(done))

    gone = [item["id"] for item in ours + deleting]
    states = {item_id: DELETING for item_id in gone}
    if gone and checked["wait"]:
        states, unsettled = transit_gateways.wait_for_states(
            ec2,
            [{"kind": "attachment", "id": item_id, "until": (DELETED,)} for item_id in gone],
            checked["wait_timeout"],
        )
        if unsettled:
            result["attachment"] = attachment_result(dict(shown, state=unsettled[0]["state"]))
            module.fail_json(
                msg=(
                    f"transit gateway attachment {unsettled[0]['id']} is still {unsettled[0]['state']} after "
                    f"wait_timeout {checked['wait_timeout']} s; re-run later, or raise wait_timeout"
                ),
                **result,
            )
    if shown:
        state = states.get(shown["id"]) or DELETED
        result["attachment"] = attachment_result(dict(shown, state=state))
        if state != DELETED:
            result["waiting_for"] = "deletion"
            result["msg"] = f"attachment {shown['id']} is {state}; AWS deletes it in a few minutes"
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        gateway=dict(type="str", required=True),
        share=dict(
            type="dict",
            options=dict(
                name=dict(type="str", required=True),
                owner_account_id=dict(type="str", required=True),
            ),
        ),
        transit_gateway_id=dict(type="str"),
        vpc_id=dict(type="str", required=True),
        subnet_ids=dict(type="list", elements="str"),
        name=dict(type="str"),
        tags=dict(type="dict", default={}),
        dns_support=dict(type="bool", default=True),
        routes=dict(
            type="dict",
            options=dict(
                route_table_ids=dict(type="list", elements="str"),
                subnet_ids=dict(type="list", elements="str"),
                main_table=dict(type="bool", default=False),
                destinations=dict(type="list", elements="str", default=[]),
                replace_targets=dict(type="list", elements="str", default=[]),
                purge=dict(type="bool", default=False),
            ),
        ),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    checked, problems = check_params(module.params)
    if problems:
        module.fail_json(msg=f"{'; '.join(problems)} (nothing was changed)")
    ram = module.client("ram")
    ec2 = module.client("ec2")
    try:
        if checked["state"] == "present":
            result = run_present(module, ram, ec2, checked)
        else:
            result = run_absent(module, ram, ec2, checked)
    except (ram_shares.AnsibleRamError, transit_gateways.AnsibleTransitGatewayError, AnsibleEc2NetworkError) as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
