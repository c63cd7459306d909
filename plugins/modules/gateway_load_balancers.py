#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: gateway_load_balancers
version_added: 0.2.0
short_description: Reconcile every load balancer, listener, target group and IP target of one gateway
description:
  - One call per gateway account reconciles, by difference with what AWS holds, B(all) the load
    balancers of one gateway, their listeners, their target groups (type V(ip)) and the IP targets of
    those groups. It replaces a per-service loop over M(community.aws.elb_target_group),
    M(multiaccount.apigateway.nlb_ip_targets) and M(community.aws.elb_network_lb).
  - Load balancers are network load balancers (TCP, UDP, TCP_UDP and TLS listeners, one target group
    per listener) or, since 0.3.0, application load balancers (HTTP and HTTPS listeners that route by
    path - O(load_balancers[].listeners[].rules) - to HTTP or HTTPS target groups), for example the
    internal ALB of a REST API private integration through a VPC link v2.
  - "Ownership: every resource the module creates carries the tags C(ManagedBy=multiaccount.apigateway)
    and C(multiaccount:gateway=<gateway>). It modifies and deletes only resources that carry both, the
    second with the value of O(gateway). A listener counts as ours when it carries both tags, or neither
    of them and sits on a load balancer of ours (listeners created before the module tagged them)."
  - "Every input is checked before the first AWS call, and every error names its field and the fix, for
    example C(load_balancers[0].listeners[2].port: 9080 is listed twice on load balancer 'gw').
    Problems found after reading AWS (a name taken by a resource that is not ours, a setting AWS cannot
    change, a listener that is not ours in the way) are all reported at once, before the first write."
  - "Changes are made in this order: target groups (created with their tags), targets (registrations
    before deregistrations), load balancers (created with their tags), their subnets and security groups,
    load balancer attributes, listeners and rules (listener deletions, rule deletions, one
    C(SetRulePriorities) per listener whose rules move, listener and rule modifications, listener
    creations, rule creations), load balancers to delete, target groups to delete."
  - A target group can be the forward target of listeners (and listener rules) of one load balancer
    only. When a listed target group is forwarded by a listener or a rule of another load balancer (a
    service moves from a shared load balancer to a dedicated one, for example), that listener or rule
    is modified (when it is listed with another target group) or deleted first, then the new one is
    created; a listener that is not ours in the way is an error. This also happens with O(purge=false),
    because the listed group cannot be forwarded otherwise.
  - Targets follow M(multiaccount.apigateway.nlb_ip_targets) - a target is an IP and a port, an IP
    outside every CIDR block of the VPC is registered in availability zone V(all), registrations come
    before deregistrations, and a target is deregistered with the zone AWS reports for it.
  - The module makes few API calls - a run that changes nothing makes one C(DescribeLoadBalancers), one
    C(DescribeTargetGroups), one C(DescribeTags) per 20 resources, one C(DescribeListeners) per listed
    load balancer, one C(DescribeLoadBalancerAttributes) per listed network load balancer, one
    C(DescribeRules) per existing listener of ours with O(load_balancers[].listeners[].rules), one
    C(DescribeTargetHealth) per listed target group and one C(ec2:DescribeVpcs).
    C(ec2:DescribeSecurityGroups) is called once when a listed load balancer names a security group by
    its name, C(apigateway:GetVpcLinks) once with O(vpc_links=true), otherwise only when a load balancer
    of ours would be deleted, and C(ec2:DescribeSubnets) only when a load balancer is created or gets
    subnets that O(subnet_zones) does not name. C(DescribeRules) is also called for the other
    listeners of an application load balancer that may forward, by a rule, a target group that moves
    or goes.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) makes the load balancers, listeners, target groups and targets of the gateway match
        O(load_balancers) and O(target_groups).
      - V(absent) deletes every load balancer (its listeners go with it) and every target group that is
        ours for O(gateway) in the account and region, in every VPC, or only in O(vpc_id) when given.
        O(load_balancers) and O(target_groups) are then ignored. It fails before any change when a REST
        API VPC link still targets one of those load balancers, naming the link.
    type: str
    choices: [present, absent]
    default: present
  gateway:
    description:
      - Name of the gateway, the ownership scope. It is the value of the C(multiaccount:gateway) tag of
        everything the module creates, and the module changes only resources with that tag (and
        C(ManagedBy=multiaccount.apigateway)).
      - "1 to 256 letters, digits, spaces and C(_ . : / = + - @)."
    type: str
    required: true
  vpc_id:
    description:
      - VPC of the load balancers and target groups.
      - Required with O(state=present). With O(state=absent), limits the deletion to this VPC.
      - Load balancers and target groups of other VPCs are not touched, except that a listed name in use
        in another VPC is an error.
    type: str
  vpc_cidrs:
    description:
      - The IPv4 CIDR blocks of O(vpc_id), when the caller has just read them (M(multiaccount.apigateway.vpc_target_subnets)
        returns them as C(vpc_cidrs)). The module then does not read the VPC again.
      - Omitted, one C(DescribeVpcs) reads them, which also fails the run when O(vpc_id) does not exist.
      - They decide which targets are in the VPC (an Availability Zone of their subnet) and which are
        elsewhere (C(all)).
    type: list
    elements: str
    version_added: 0.3.0
  subnet_ids:
    description:
      - Subnets of the load balancers, one per Availability Zone, all in O(vpc_id).
      - Required when a listed load balancer does not exist yet.
      - A listed load balancer that lacks some of them gets them (C(SetSubnets)). Subnets a load balancer
        has and this list does not are reported in a warning and left in place, as AWS does not remove
        subnets from a network load balancer; a subnet in a zone the load balancer already covers with
        another subnet is reported the same way.
      - Omitted, the subnets of existing load balancers are left alone.
    type: list
    elements: str
  subnet_zones:
    description:
      - The Availability Zone of each subnet of O(subnet_ids) (subnet id -> zone name), when the caller
        has just read or made these subnets in O(vpc_id)
        (RV(multiaccount.apigateway.vpc_target_subnets#module:subnets) has them). The module checks the
        zones (one subnet per zone, enough zones for a new load balancer) with them and does not read
        these subnets (C(ec2:DescribeSubnets)); a subnet of O(subnet_ids) it does not name is read.
      - Every key must be in O(subnet_ids).
    type: dict
    version_added: 0.3.0
  load_balancers:
    description:
      - Every load balancer of the gateway in O(vpc_id).
      - With O(purge=true) (the default), our load balancers of O(vpc_id) that are not listed are deleted,
        except those a REST API VPC link targets (see RV(kept)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the load balancer, unique per account and region. 1 to 32 letters, digits and
            hyphens, not starting or ending with a hyphen, not starting with C(internal-).
        type: str
        required: true
      type:
        description:
          - Type of the load balancer. Immutable - a different type on an existing load balancer is an error
            that names the field.
          - V(network) takes TCP, UDP, TCP_UDP and TLS listeners that forward to one target group each.
          - V(application) (since 0.3.0) takes HTTP and HTTPS listeners with path rules
            (O(load_balancers[].listeners[].rules)) that forward to HTTP or HTTPS target groups. It needs
            subnets in at least two Availability Zones and may have O(load_balancers[].security_groups).
        type: str
        choices: [network, application]
        default: network
      scheme:
        description:
          - Scheme of the load balancer. AWS cannot change it, so a different scheme on an existing load
            balancer is an error that names the field.
        type: str
        choices: [internal, internet-facing]
        default: internal
      cross_zone:
        description:
          - Cross-zone load balancing (attribute C(load_balancing.cross_zone.enabled)) of a network load
            balancer.
          - An application load balancer always balances across zones (AWS cannot turn it off) - its attribute
            is neither read nor changed, and V(false) is an error.
        type: bool
        default: true
      security_groups:
        description:
          - Security groups of an V(application) load balancer, by id (C(sg-...)) or by name (a group of
            O(vpc_id); the names are resolved in one C(ec2:DescribeSecurityGroups) call, and a name with no
            group is an error, before any change). In check mode a name with no group is a warning instead
            (the dry run of the task that would create the group created nothing) and the prediction keeps
            the name.
          - A new load balancer is created with them; an existing one whose groups differ gets them
            (C(SetSecurityGroups)). Omitted, a new application load balancer gets the default group of the
            VPC (AWS chooses) and the groups of an existing one are left alone.
          - Refused for a V(network) load balancer.
        type: list
        elements: str
        version_added: 0.3.0
      tags:
        description:
          - Tags of this load balancer, on top of O(tags) (the ownership tags are always added).
        type: dict
      listeners:
        description:
          - The listeners of the load balancer, one per port.
          - A listener that exists on the same port with another target group (or default action), protocol
            or certificate is modified (C(ModifyListener)).
          - With O(purge=true), our listeners of this load balancer on other ports are deleted.
        type: list
        elements: dict
        default: []
        suboptions:
          port:
            description:
              - Port the load balancer listens on, 1 to 65535. It may differ from the port of the target
                group (and of its targets).
            type: int
            required: true
          protocol:
            description:
              - Protocol of the listener. V(TCP), V(UDP), V(TCP_UDP) and V(TLS) on a network load balancer,
                V(HTTP) and V(HTTPS) on an application one; another is an error that names the field.
              - Omitted, V(TCP) on a network load balancer, V(HTTP) on an application one.
              - V(TCP) and V(TLS) listeners forward to V(TCP) (or V(TLS) for V(TLS), V(TCP_UDP) for V(TCP))
                target groups, V(UDP) to V(UDP) or V(TCP_UDP), V(TCP_UDP) to V(TCP_UDP); V(HTTP) and
                V(HTTPS) listeners (and their rules) to V(HTTP) or V(HTTPS) target groups.
            type: str
            choices: [TCP, UDP, TCP_UDP, TLS, HTTP, HTTPS]
          target_group:
            description:
              - The O(target_groups[].name) of the target group the listener forwards to (its default
                action).
              - A target group may be forwarded by several listeners (and rules) of one load balancer, never
                by listeners or rules of two load balancers.
              - Required unless O(load_balancers[].listeners[].rules) is given. A listener with rules and no
                target group answers the requests no rule matches with a fixed response - status 404,
                content type C(text/plain), body C(no route for this path) - which is compared and restored
                (C(ModifyListener)) when it differs.
            type: str
          certificate_arn:
            description:
              - ARN of the ACM or IAM certificate of a V(TLS) or V(HTTPS) listener (required for them,
                refused otherwise).
            type: str
          ssl_policy:
            description:
              - Security policy of a V(TLS) or V(HTTPS) listener. Omitted, AWS chooses one and an existing
                listener keeps its policy.
            type: str
          rules:
            description:
              - The path rules of an V(HTTP) or V(HTTPS) listener (application load balancers only), each a
                forward to a target group when the request path matches one of its patterns. Rules are
                evaluated by priority, lowest first; the default action (O(load_balancers[].listeners[].target_group),
                or the 404) answers the rest.
              - A rule is identified by its set of path patterns. An existing rule with the same set is kept,
                its target group changed (C(ModifyRule)) and its priority moved when they differ - all the
                priority changes of a listener in one C(SetRulePriorities) call, so that rules may swap or
                shift priorities. Missing rules are created (C(CreateRule), with the ownership tags and
                O(tags)), after the deletions.
              - With O(purge=true), rules of the listener whose pattern set is not listed are deleted
                (C(DeleteRule)); with O(purge=false) they stay, and a listed priority one of them holds is
                an error.
              - A listener of ours owns its rules; the rules of a listener that is not ours are never
                changed (listing rules for it is an error).
              - Omitted, the rules of the listener are left alone (and not read, unless a target group
                they may forward moves or goes).
            type: list
            elements: dict
            version_added: 0.3.0
            suboptions:
              priority:
                description:
                  - Priority of the rule, 1 to 50000, unique per listener.
                type: int
                required: true
                version_added: 0.3.0
              path_patterns:
                description:
                  - 1 to 5 path patterns (up to 128 characters each, with the wildcards C(*) and C(?)), for
                    example V(/orders) and V(/orders/*). A set of patterns is unique per listener.
                type: list
                elements: str
                required: true
                version_added: 0.3.0
              target_group:
                description:
                  - The O(target_groups[].name) of the V(HTTP) or V(HTTPS) target group the rule forwards to.
                  - A target group forwarded by a rule counts as served by that load balancer, and is not
                    deleted while a rule that stays forwards to it.
                type: str
                required: true
                version_added: 0.3.0
  target_groups:
    description:
      - Every target group of the gateway in O(vpc_id). Their target type is always V(ip) (IPv4).
      - AWS cannot change the port, protocol or VPC of a target group. A difference is an error that
        names the group and the field; to change them, remove the entry, converge (the group is
        deleted), then add it back with the new settings (or use a new name).
      - With O(purge=true) (the default), our target groups of O(vpc_id) that are not listed are deleted
        once the listeners that use them are gone. A group still forwarded by a listener that stays (a
        listener that is not ours, or one of a load balancer kept for a VPC link) is kept, with a warning
        and an entry in RV(kept).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the target group, unique per account and region. 1 to 32 letters, digits and
            hyphens, not starting or ending with a hyphen.
        type: str
        required: true
      protocol:
        description:
          - Protocol of the target group. Immutable.
          - V(HTTP) and V(HTTPS) groups (since 0.3.0) serve application load balancers, the others network
            load balancers; a group a listener or rule of the other kind forwards to is an error that names
            the field.
        type: str
        choices: [TCP, UDP, TCP_UDP, TLS, HTTP, HTTPS]
        default: TCP
      port:
        description:
          - Port of the target group, the default port of its targets. Immutable.
        type: int
        required: true
      health_check:
        description:
          - Health check settings. Those given are compared with the group and changed with
            C(ModifyTargetGroup) when they differ.
        type: dict
        suboptions:
          protocol:
            description:
              - Protocol of the health check.
              - Omitted, V(TCP) for a TCP, UDP, TCP_UDP or TLS group, V(HTTP) for an HTTP or HTTPS group (which
                takes V(HTTP) or V(HTTPS) only).
            type: str
            choices: [TCP, HTTP, HTTPS]
          port:
            description:
              - Port of the health check, 1 to 65535, or V(traffic-port) (the port of each target).
            type: str
            default: traffic-port
          interval:
            description:
              - Seconds between two health checks, 5 to 300.
            type: int
            default: 30
          healthy_threshold:
            description:
              - Consecutive successes before a target counts as healthy, 2 to 10.
            type: int
            default: 3
          unhealthy_threshold:
            description:
              - Consecutive failures before a target counts as unhealthy, 2 to 10.
            type: int
            default: 3
          timeout:
            description:
              - Seconds without an answer that make a check fail, 2 to 120, at most O(target_groups[].health_check.interval)
                (shorter than it for an HTTP or HTTPS group).
              - Omitted, AWS chooses it and it is not compared.
            type: int
          path:
            description:
              - Path of an V(HTTP) or V(HTTPS) health check, starting with C(/). Set at creation, compared and
                changed (C(ModifyTargetGroup)) when given; omitted, AWS chooses it (V(/)).
            type: str
          matcher:
            description:
              - HTTP codes of a successful V(HTTP) or V(HTTPS) health check, for example V(200-399). Set at
                creation, compared and changed when given; omitted, AWS chooses it (V(200)).
            type: str
      targets:
        description:
          - The IP targets of the group. Targets are compared on IP and port; registered targets that are
            not listed are deregistered.
          - Omitted, the targets of an existing group are left alone. An empty list deregisters every
            target.
        type: list
        elements: dict
        suboptions:
          ip:
            description:
              - IPv4 address of the target, in the VPC or in a private range (V(10.0.0.0/8),
                V(100.64.0.0/10), V(172.16.0.0/12), V(192.168.0.0/16)); any other address is refused before
                any change.
            type: str
            required: true
          port:
            description:
              - Port of the target. Defaults to O(target_groups[].port).
            type: int
          availability_zone:
            description:
              - Availability zone to register the target in, or V(all).
              - Defaults to V(all) when the IP lies outside every CIDR block of the VPC (a peered VPC), and
                is otherwise left to AWS. A registered target keeps its zone (a warning says so when another
                one is asked for).
            type: str
      tags:
        description:
          - Tags of this target group, on top of O(tags) (the ownership tags are always added).
        type: dict
  tags:
    description:
      - Tags for every load balancer, listener and target group of the gateway, on top of the two
        ownership tags, which are always set and never removed.
      - Tags are additive - the keys listed are set, other keys on a resource are kept unless
        O(purge_tags=true).
      - An ownership tag may be listed only with its own value.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove, from our resources that stay, the tag keys that neither O(tags) nor the entry's own C(tags)
        list. The ownership tags and C(aws:) tags are never removed.
    type: bool
    default: false
  purge:
    description:
      - Delete what is ours and not listed - listeners of the listed load balancers on ports that are not
        listed, target groups that are not listed (after the listeners that use them), and load balancers
        that are not listed.
      - A load balancer that a REST API VPC link (C(GetVpcLinks), C(targetArns)) targets is not deleted;
        it is returned in RV(kept) with the links, and whether each link is ours. Delete the link
        (M(multiaccount.apigateway.vpc_link) with O(multiaccount.apigateway.vpc_link#module:state=absent)),
        then run again.
      - With V(false) nothing that is not listed is touched, except a listener that forwards a listed
        target group that must move to another load balancer.
    type: bool
    default: true
  keep:
    description:
      - Names of load balancers and target groups of ours that this run neither creates, changes nor
        deletes, even with O(purge=true) or O(state=absent) - for example the resources of the other
        flavour while the gateway moves from one private integration to another (an NLB and its TCP groups
        kept while the ALB and its HTTP groups are created, until the integrations have moved).
      - Those that exist are returned in RV(kept); names that exist nowhere cost nothing. A group that a
        kept load balancer forwards to is kept too.
      - A name also listed in O(load_balancers) or O(target_groups) is an error.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  check_mode_gone:
    description:
      - Ids of REST API VPC links that earlier tasks of the same run delete; playbooks/teardown.yml deletes
        the gateway's VPC links before its load balancers.
      - In check mode those tasks changed nothing, so the module does not count the listed links as targeting
        a load balancer when it decides what a real run would delete (with O(state=absent), or O(purge)).
        A load balancer that only listed links target is reported as deleted instead of failing (or being
        kept).
      - Outside check mode the option is ignored; a link that is still there always counts.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  wait:
    description:
      - Wait until every listed load balancer is V(active), polling C(DescribeLoadBalancers) for all of them
        together every 5 seconds, at most O(wait_timeout) seconds. On timeout, or when one is V(failed),
        the module fails naming each load balancer and its state.
      - Never waits in check mode.
      - "The wait runs in the action plugin of the same name, on the controller, which prints a progress
        line every 30 seconds, for example
        C([shared-services] waiting 30 s / 600 s: load balancer open-banking provisioning; 0/1 ready).
        It polls through M(multiaccount.apigateway.gateway_ready) with the task's credentials. With
        C(async) the module waits by itself, silently."
      - To wait for the load balancers together with VPC links and targets created elsewhere, leave
        O(wait=false) and use M(multiaccount.apigateway.gateway_ready) once, as the
        M(multiaccount.apigateway.shared_gateway) role does.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds O(wait) waits at most.
    type: int
    default: 600
  vpc_links:
    description:
      - Also return RV(vpc_links), the REST API (v1) VPC links of O(gateway) in the account and region
        (both ownership tags), as M(multiaccount.apigateway.vpc_link_info) returns them, so that the
        caller needs no module run of its own to find them. One C(apigateway:GetVpcLinks) call, shared
        with the check of the load balancers to delete.
      - Read only - the module never creates, changes or deletes a VPC link.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  action:
    support: full
    details:
      - With O(wait), the action plugin of the same name runs the module with O(wait=false), then polls
        the load balancers (through M(multiaccount.apigateway.gateway_ready)) on the controller and prints a
        progress line every 30 seconds (see O(wait)).
  async:
    support: full
    details: With C(async) the module waits by itself, without progress lines.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reads AWS, makes no change and returns the predicted result (new resources with null ARNs).
  diff_mode:
    support: full
    details:
      - Load balancers (with their listeners by port) and target groups (with their targets) keyed by name.
      - Application load balancers also show their security groups and the rules of listeners by port, then
        priority (C(patterns -> target group)).
  platform:
    platforms: aws
notes:
  - "Permissions needed - C(elasticloadbalancing:DescribeLoadBalancers), C(elasticloadbalancing:DescribeTargetGroups),
    C(elasticloadbalancing:DescribeTags), C(elasticloadbalancing:DescribeListeners),
    C(elasticloadbalancing:DescribeLoadBalancerAttributes), C(elasticloadbalancing:DescribeTargetHealth),
    C(elasticloadbalancing:DescribeRules), C(ec2:DescribeVpcs), C(ec2:DescribeSubnets),
    C(ec2:DescribeSecurityGroups), C(apigateway:GET) (C(GetVpcLinks)) for reading;
    C(elasticloadbalancing:CreateTargetGroup), C(elasticloadbalancing:ModifyTargetGroup),
    C(elasticloadbalancing:DeleteTargetGroup), C(elasticloadbalancing:RegisterTargets),
    C(elasticloadbalancing:DeregisterTargets), C(elasticloadbalancing:CreateLoadBalancer),
    C(elasticloadbalancing:DeleteLoadBalancer), C(elasticloadbalancing:SetSubnets),
    C(elasticloadbalancing:ModifyLoadBalancerAttributes), C(elasticloadbalancing:CreateListener),
    C(elasticloadbalancing:ModifyListener), C(elasticloadbalancing:DeleteListener),
    C(elasticloadbalancing:CreateRule), C(elasticloadbalancing:ModifyRule), C(elasticloadbalancing:DeleteRule),
    C(elasticloadbalancing:SetRulePriorities), C(elasticloadbalancing:SetSecurityGroups),
    C(elasticloadbalancing:AddTags) and C(elasticloadbalancing:RemoveTags) for changes (tags are set in
    the create calls, so C(AddTags) is needed for creation too)."
  - The module talks to one account, the one that owns the load balancers. Targets in a peered VPC of
    another account are plain IP addresses to it.
  - Only REST API (v1) VPC links keep a load balancer; a v2 VPC link does not name load balancers, so an
    HTTP or REST API integration through a v2 link to a load balancer of ours does not stop its deletion.
  - Operations are retried with jittered backoff, including C(TooManyRequestsException); C(DeleteTargetGroup)
    also retries C(ResourceInUse) for a short while after the listeners that used the group are deleted.
seealso:
  - module: multiaccount.apigateway.nlb_ip_targets
  - module: multiaccount.apigateway.vpc_link
  - module: amazon.aws.elb_application_lb_info
  - module: community.aws.elb_target_group_info
  - name: Network Load Balancers
    description: AWS documentation of Network Load Balancers, their listeners and target groups.
    link: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/introduction.html
  - name: Listener rules for Application Load Balancers
    description: AWS documentation of the rules, priorities and path patterns of an ALB listener.
    link: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html
"""

EXAMPLES = r"""
- name: One shared internal NLB, one listener per service (listener port 9082 forwards to port 8082)
  multiaccount.apigateway.gateway_load_balancers:
    gateway: open-banking
    vpc_id: vpc-0a1b2c3d4e5f67890
    subnet_ids:
      - subnet-0123456789abcdef0
      - subnet-0fedcba9876543210
    load_balancers:
      - name: open-banking
        listeners:
          - {port: 8080, target_group: open-banking-payments}
          - {port: 9082, target_group: open-banking-cards}
    target_groups:
      - name: open-banking-payments
        port: 8080
        targets:
          - ip: 10.0.1.25
          - ip: 10.0.2.25
      - name: open-banking-cards
        port: 8082
        health_check:
          interval: 10
        targets:
          - ip: 10.1.1.40
    tags:
      team: platform
  register: gateway_lbs

- name: DNS name of the shared NLB (for the VPC link and the integrations)
  ansible.builtin.debug:
    msg: "{{ gateway_lbs.load_balancers[0].dns_name }}"

- name: Dedicated strategy - one NLB per service; the groups move, the shared NLB goes (unless a VPC link uses it)
  multiaccount.apigateway.gateway_load_balancers:
    gateway: open-banking
    vpc_id: vpc-0a1b2c3d4e5f67890
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    load_balancers:
      - name: open-banking-payments
        listeners: [{port: 8080, target_group: open-banking-payments}]
      - name: open-banking-cards
        listeners: [{port: 9082, target_group: open-banking-cards}]
    target_groups:
      - {name: open-banking-payments, port: 8080, targets: [{ip: 10.0.1.25}, {ip: 10.0.2.25}]}
      - {name: open-banking-cards, port: 8082, targets: [{ip: 10.1.1.40}]}
    wait: true
  register: gateway_lbs

- name: Say which load balancers a VPC link still keeps
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.reason }}"
  loop: "{{ gateway_lbs.kept }}"

- name: Preview a change (nothing is changed; the result and diff say what would be)
  multiaccount.apigateway.gateway_load_balancers:
    gateway: open-banking
    vpc_id: vpc-0a1b2c3d4e5f67890
    load_balancers:
      - name: open-banking
        listeners: [{port: 8080, target_group: open-banking-payments}]
    target_groups:
      - {name: open-banking-payments, port: 8080, targets: [{ip: 10.0.1.26}]}
  check_mode: true
  diff: true
  register: preview

- name: Delete every load balancer and target group of the gateway in the account
  multiaccount.apigateway.gateway_load_balancers:
    gateway: open-banking
    state: absent

# Private integration alb-v2: REST API -> VPC link v2 -> this internal ALB -> IP target groups. The
# listener answers 404 unless a path rule matches; the NLB of the former integration is kept until
# the integrations have moved.
- name: One internal ALB, two path rules to two HTTP target groups
  multiaccount.apigateway.gateway_load_balancers:
    gateway: open-banking
    vpc_id: vpc-0a1b2c3d4e5f67890
    subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]  # two Availability Zones
    load_balancers:
      - name: open-banking-alb
        type: application
        security_groups: [open-banking-alb]  # a name in the VPC, or sg-...
        listeners:
          - port: 80
            protocol: HTTP
            rules:
              - {priority: 10, path_patterns: [/payments, /payments/*], target_group: open-banking-payments-http}
              - {priority: 20, path_patterns: [/cards/*], target_group: open-banking-cards-http}
    target_groups:
      - name: open-banking-payments-http
        protocol: HTTP
        port: 8080
        health_check: {protocol: HTTP, path: /health, matcher: "200-399"}
        targets: [{ip: 10.0.1.25}, {ip: 10.0.2.25}]
      - name: open-banking-cards-http
        protocol: HTTP
        port: 8082
        health_check: {protocol: HTTP, path: /health, matcher: "200-399"}
        targets: [{ip: 10.1.1.40}]
    keep: [open-banking, open-banking-payments, open-banking-cards]
  register: gateway_lbs

- name: The rules of the ALB's listener
  ansible.builtin.debug:
    msg: "{{ item.priority }}: {{ item.path_patterns | join(', ') }} -> {{ item.target_group }}"
  loop: "{{ gateway_lbs.load_balancers[0].listeners[0].rules }}"

# Cross-account: the load balancers live in the shared-services (gateway) account 111111111111 and
# the services in a VPC of the provider account 222222222222 (10.0.0.0/16) peered with it: their IPs
# lie outside the gateway VPC and are registered in availability zone "all". Every call runs with
# the gateway account's credentials, obtained once by assuming a role there.
- name: Assume the deployment role of the gateway account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::111111111111:role/apigateway-deployer
    role_session_name: gateway-load-balancers
  register: gateway_role

- name: Work in the gateway account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ gateway_role.sts_creds.access_key }}"
      secret_key: "{{ gateway_role.sts_creds.secret_key }}"
      session_token: "{{ gateway_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Reconcile the gateway's load balancers
      multiaccount.apigateway.gateway_load_balancers:
        gateway: open-banking
        vpc_id: vpc-0a1b2c3d4e5f67890
        subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
        load_balancers:
          - name: open-banking
            listeners: [{port: 8080, target_group: open-banking-payments}]
        target_groups:
          - name: open-banking-payments
            port: 8080
            targets: [{ip: 10.0.1.25}, {ip: 10.0.2.25}]
      register: gateway_lbs

    - name: Every provider target sits in zone "all"
      ansible.builtin.assert:
        that:
          - gateway_lbs.target_groups[0].targets | map(attribute='availability_zone') | unique | list == ['all']
"""

RETURN = r"""
load_balancers:
  description:
    - The listed load balancers after the run, in the order of O(load_balancers) (with O(state=absent), an
      empty list).
    - In check mode, what they would be; a load balancer to create has null RV(load_balancers[].arn),
      RV(load_balancers[].dns_name) and RV(load_balancers[].state).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the load balancer.
      type: str
      sample: open-banking
    arn:
      description: ARN of the load balancer.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/50dc6c495c0c9188
    dns_name:
      description: DNS name of the load balancer.
      type: str
      sample: open-banking-50dc6c495c0c9188.elb.us-east-1.amazonaws.com
    state:
      description: State, V(provisioning), V(active), V(active_impaired) or V(failed) (after O(wait), the state seen last).
      type: str
      sample: active
    type:
      description: Type of the load balancer, V(network) or V(application).
      type: str
      sample: network
    scheme:
      description: Scheme of the load balancer.
      type: str
      sample: internal
    vpc_id:
      description: VPC of the load balancer.
      type: str
      sample: vpc-0a1b2c3d4e5f67890
    subnet_ids:
      description: Subnets of the load balancer, sorted.
      type: list
      elements: str
      sample: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    security_group_ids:
      description:
        - Security groups of the load balancer, sorted (an application load balancer's; empty for a network
          one). In check mode, a new load balancer shows the listed ones (empty when none is listed).
      type: list
      elements: str
      sample: [sg-0123456789abcdef0]
      version_added: 0.3.0
    cross_zone:
      description: Whether cross-zone load balancing is on (always for an application load balancer).
      type: bool
      sample: true
    listeners:
      description: The listeners of the load balancer, sorted by port, including ones that are not ours.
      type: list
      elements: dict
      contains:
        port:
          description: Port of the listener.
          type: int
          sample: 9082
        protocol:
          description: Protocol of the listener.
          type: str
          sample: TCP
        arn:
          description: ARN of the listener (null in check mode for a listener to create).
          type: str
        target_group:
          description: Name of the target group the listener forwards to (null when its default action is the
            fixed 404 of a listener that routes by rules).
          type: str
          sample: open-banking-cards
        default_action:
          description: What the listener does with the requests no rule matches.
          type: dict
          version_added: 0.3.0
          contains:
            type:
              description: V(forward) or V(fixed-response) (or the type of an action the module did not set).
              type: str
              sample: fixed-response
            target_group:
              description: Name of the target group of a V(forward), else null.
              type: str
            fixed_response:
              description: The fixed response (C(status_code), C(content_type), C(message_body)), else null.
              type: dict
              sample: {"status_code": "404", "content_type": "text/plain", "message_body": "no route for this path"}
        rules:
          description:
            - The rules of the listener (its default rule left out), sorted by priority, when the listener's
              rules are listed (or were read); null otherwise.
            - In check mode, a rule to create has a null RV(load_balancers[].listeners[].rules[].arn).
          type: list
          elements: dict
          version_added: 0.3.0
          contains:
            arn:
              description: ARN of the rule.
              type: str
            priority:
              description: Priority of the rule.
              type: int
              sample: 10
            path_patterns:
              description: Path patterns of the rule (empty for a rule with other conditions).
              type: list
              elements: str
              sample: [/orders, /orders/*]
            target_group:
              description: Name of the target group the rule forwards to.
              type: str
              sample: open-banking-orders
            target_group_arn:
              description: ARN of that target group (null in check mode for a group to create).
              type: str
    tags:
      description: Tags of the load balancer.
      type: dict
      sample: {"ManagedBy": "multiaccount.apigateway", "multiaccount:gateway": "open-banking"}
target_groups:
  description:
    - The listed target groups after the run, in the order of O(target_groups) (with O(state=absent), an
      empty list).
    - In check mode, what they would be; a group to create has a null RV(target_groups[].arn), targets to
      register have null health.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the target group.
      type: str
      sample: open-banking-cards
    arn:
      description: ARN of the target group.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/open-banking-cards/73e2d6bc24d8a067
    port:
      description: Port of the target group.
      type: int
      sample: 8082
    protocol:
      description: Protocol of the target group.
      type: str
      sample: TCP
    vpc_id:
      description: VPC of the target group.
      type: str
      sample: vpc-0a1b2c3d4e5f67890
    load_balancer:
      description: Name of the listed load balancer whose listeners forward to the group (null when none).
      type: str
      sample: open-banking
    health_check:
      description: Health check settings.
      type: dict
      contains:
        protocol:
          description: Protocol.
          type: str
        port:
          description: Port, or V(traffic-port).
          type: str
        interval:
          description: Seconds between checks.
          type: int
        timeout:
          description: Seconds before a check fails.
          type: int
        healthy_threshold:
          description: Successes before healthy.
          type: int
        unhealthy_threshold:
          description: Failures before unhealthy.
          type: int
        path:
          description: Path (HTTP and HTTPS checks).
          type: str
        matcher:
          description: HTTP codes of success (HTTP and HTTPS checks).
          type: str
      sample: {"protocol": "TCP", "port": "traffic-port", "interval": 30, "timeout": 10,
               "healthy_threshold": 3, "unhealthy_threshold": 3, "path": null, "matcher": null}
    targets:
      description:
        - Registered targets sorted by IP then port (draining ones left out), with their health.
      type: list
      elements: dict
      contains:
        ip:
          description: IP address.
          type: str
          sample: 10.1.1.40
        port:
          description: Port.
          type: int
          sample: 8082
        availability_zone:
          description: Availability zone, V(all) for an IP outside the VPC.
          type: str
          sample: all
        health_state:
          description: Health state (null in check mode for a target to register).
          type: str
          sample: healthy
        health_reason:
          description: Reason code when the target is not V(healthy).
          type: str
        health_description:
          description: Text that explains the health state.
          type: str
    target_health:
      description:
        - What this run read of the group's targets (C(DescribeTargetHealth)), draining ones included, each with
          the keys of RV(target_groups[].targets); null when the run did not read them (a group it creates without
          targets, or would create in check mode).
        - Read when the module looked at the group, or again after it registered or deregistered targets; in check
          mode, AWS as it is, before the changes the run predicts.
          M(multiaccount.apigateway.gateway_path_info) takes it (O(multiaccount.apigateway.gateway_path_info#module:target_health))
          instead of a read of its own while it is fresh and every target in it is healthy.
      type: list
      elements: dict
      version_added: 0.3.0
    target_health_read_at:
      description: When RV(target_groups[].target_health) was read, in seconds since the epoch (null with it).
      type: float
      sample: 1764929000.25
      version_added: 0.3.0
    tags:
      description: Tags of the target group.
      type: dict
kept:
  description:
    - What O(purge) (or a group still in use) keeps although it is ours and not listed, with the reason.
    - A load balancer that a REST API VPC link targets is kept with the links; delete the links, then run
      again to delete it.
    - The resources of ours named in O(keep) that exist, load balancers first, reason C(listed in keep).
  returned: always
  type: list
  elements: dict
  contains:
    resource:
      description: V(load_balancer) or V(target_group).
      type: str
      sample: load_balancer
    name:
      description: Name of the resource.
      type: str
      sample: open-banking
    arn:
      description: ARN of the resource.
      type: str
    reason:
      description:
        - Why it is kept and what to do - REST API VPC links that target it, a listener or rule that stays
          and forwards to it, or C(listed in keep) (O(keep)).
      type: str
      sample: REST API VPC link(s) a1b2c3 (open-banking) target it; delete the link(s), then run again to delete it
    vpc_links:
      description: The REST API VPC links that target the load balancer.
      type: list
      elements: dict
      contains:
        id:
          description: Id of the link.
          type: str
        name:
          description: Name of the link.
          type: str
        status:
          description: Status of the link.
          type: str
        ours:
          description: Whether the link carries both ownership tags for O(gateway).
          type: bool
vpc_links:
  description:
    - With O(vpc_links=true), the REST API (v1) VPC links of O(gateway) (both ownership tags), in the
      shape of RV(multiaccount.apigateway.vpc_link_info#module:vpc_links); empty otherwise.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the link.
      type: str
      sample: a1b2c3
    name:
      description: Name of the link.
      type: str
      sample: open-banking
    description:
      description: Description of the link.
      type: str
    status:
      description: V(PENDING), V(AVAILABLE), V(DELETING) or V(FAILED).
      type: str
      sample: AVAILABLE
    status_message:
      description: AWS's message about the status.
      type: str
    target_arns:
      description: The load balancer the link targets.
      type: list
      elements: str
    subnet_ids:
      description: Always empty (a v1 link has no subnets of its own).
      type: list
      elements: str
    security_group_ids:
      description: Always empty.
      type: list
      elements: str
    tags:
      description: Tags of the link.
      type: dict
    version:
      description: Always V(v1).
      type: str
    arn:
      description: ARN of the link (for tagging).
      type: str
deleted:
  description:
    - The load balancers (with their listeners) and target groups of ours this run deleted (in check mode,
      would delete), by name and ARN. When a change fails, those deleted before it.
    - playbooks/teardown.yml gives these ARNs to M(multiaccount.apigateway.vpc_teardown) in check mode
      (its O(multiaccount.apigateway.vpc_teardown#module:check_mode_gone)).
  returned: always
  type: dict
  version_added: 0.3.0
  contains:
    load_balancers:
      description: C(name) and C(arn) of each load balancer.
      type: list
      elements: dict
    target_groups:
      description: C(name) and C(arn) of each target group.
      type: list
      elements: dict
  sample:
    load_balancers:
      - name: open-banking
        arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/50dc6c495c0c9188
    target_groups:
      - name: open-banking-cards
        arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/open-banking-cards/6d0ecf831eec9f09
actions:
  description: One line per change made (in check mode, per change that would be made), in the order made.
  returned: always
  type: list
  elements: str
  sample:
    - create target group open-banking-cards (TCP 8082, type ip, VPC vpc-0a1b2c3d4e5f67890)
    - register 10.1.1.40:8082 (az all) with target group open-banking-cards
    - create listener 9082 (TCP -> open-banking-cards) on load balancer open-banking
diff:
  description:
    - Our load balancers and target groups of the scope before and after the run, keyed by name. Listeners
      are keyed by port (C(PROTOCOL -> target group), or C(PROTOCOL -> fixed-response 404)) and targets
      written C(ip:port (az zone)).
    - An application load balancer also shows C(security_groups) (ids, sorted) and C(rules), the rules of
      its listeners by port, then by priority (C(/orders, /orders/* -> target group)).
  returned: always
  type: dict
  contains:
    before:
      description: As they were.
      type: dict
    after:
      description: As they are (or would be, in check mode).
      type: dict
  sample:
    before:
      load_balancers:
        open-banking: {"listeners": {"8080": "TCP -> open-banking-payments"}, "scheme": "internal"}
      target_groups:
        open-banking-payments: {"port": 8080, "targets": ["10.0.1.25:8080 (az all)"]}
    after:
      load_balancers:
        open-banking: {"listeners": {"8080": "TCP -> open-banking-payments", "9082": "TCP -> open-banking-cards"}}
      target_groups:
        open-banking-cards: {"port": 8082, "targets": ["10.1.1.40:8082 (az all)"]}
        open-banking-payments: {"port": 8080, "targets": ["10.0.1.25:8080 (az all)"]}
problems:
  description: Every problem found in the input or in AWS when the module fails before any change.
  returned: on failure before any change
  type: list
  elements: str
pending:
  description: The load balancers not active when O(wait) timed out, with their state.
  returned: when O(wait) fails
  type: list
  elements: dict
"""
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.elbv2 import (
    LB_FAILED,
    OWNERSHIP_TAG_KEYS,
    AnsibleELBv2Error,
    add_tags,
    apply_tag_differences,
    create_listener,
    create_load_balancer,
    create_rule,
    create_target_group,
    delete_listener,
    delete_load_balancer,
    delete_rule,
    delete_target_group,
    deregister_targets,
    describe_all_target_groups,
    describe_listeners,
    describe_load_balancer_attributes,
    describe_load_balancers,
    describe_rules,
    describe_security_groups_by_name,
    describe_subnets,
    describe_target_health,
    describe_vpcs,
    format_target,
    has_ownership_tag,
    is_ours,
    modify_listener,
    modify_load_balancer_attributes,
    modify_rule,
    modify_target_group,
    name_from_arn,
    normalise_listener,
    normalise_load_balancer,
    normalise_rule,
    normalise_target_group,
    order_listener_modifications,
    ownership_tags,
    pattern_key,
    plan_rules,
    register_targets,
    registered_targets,
    remove_tags,
    rule_groups,
    set_rule_priorities,
    set_security_groups,
    set_subnets,
    sort_key,
    tag_differences,
    tags_by_arn,
    target_description,
    target_ip_allowed,
    target_key,
    targets_from_health,
    vpc_cidrs,
    wait_for_load_balancers,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.network import (
    choose_availability_zone,
    parse_cidr,
    parse_ipv4,
    parse_port,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.vpc_links import (
    AnsibleVpcLinkError,
    get_v1_vpc_links,
    normalise_vpc_link,
    vpc_link_arn,
)

NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
VPC_ID_RE = re.compile(r"^vpc-[0-9a-zA-Z]+$")
SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-zA-Z]+$")
AVAILABILITY_ZONE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
GATEWAY_RE = re.compile(r"^[A-Za-z0-9 _.:/=+@-]{1,256}$")
MATCHER_RE = re.compile(r"^[2-5][0-9]{2}(?:-[2-5][0-9]{2})?(?:,[2-5][0-9]{2}(?:-[2-5][0-9]{2})?)*$")
CERTIFICATE_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:(?:acm|iam):[a-z0-9-]*:\d{12}:(?:certificate|server-certificate)/\S+$"
)

# What each load balancer type accepts; the planning code reads everything type-dependent from here.
LB_TYPES = {
    "network": {
        "listener_protocols": ("TCP", "UDP", "TCP_UDP", "TLS"),
        "default_listener_protocol": "TCP",
        "group_protocols": ("TCP", "UDP", "TCP_UDP", "TLS"),
        # listener protocol -> target group protocols it can forward to
        "forwards_to": {
            "TCP": ("TCP", "TCP_UDP"),
            "UDP": ("UDP", "TCP_UDP"),
            "TCP_UDP": ("TCP_UDP",),
            "TLS": ("TCP", "TLS"),
        },
        "certificate_protocols": ("TLS",),
        "default_listener_quota": 50,
        # load_balancing.cross_zone.enabled of a new load balancer of this type
        "cross_zone_default": False,
        # whether the module reads and sets load_balancing.cross_zone.enabled
        "manages_cross_zone": True,
        "security_groups": False,
        "rule_protocols": (),
        "min_zones": 1,
    },
    "application": {
        "listener_protocols": ("HTTP", "HTTPS"),
        "default_listener_protocol": "HTTP",
        "group_protocols": ("HTTP", "HTTPS"),
        "forwards_to": {
            "HTTP": ("HTTP", "HTTPS"),
            "HTTPS": ("HTTP", "HTTPS"),
        },
        "certificate_protocols": ("HTTPS",),
        "default_listener_quota": 50,
        # always on for application load balancers: AWS cannot turn it off
        "cross_zone_default": True,
        "manages_cross_zone": False,
        "security_groups": True,
        "rule_protocols": ("HTTP", "HTTPS"),
        "min_zones": 2,
    },
}
LISTENER_PROTOCOLS = ("TCP", "UDP", "TCP_UDP", "TLS", "HTTP", "HTTPS")
GROUP_PROTOCOLS = ("TCP", "UDP", "TCP_UDP", "TLS", "HTTP", "HTTPS")
HTTP_GROUP_PROTOCOLS = ("HTTP", "HTTPS")
HEALTH_CHECK_PROTOCOLS = ("TCP", "HTTP", "HTTPS")
HTTP_HEALTH_CHECKS = ("HTTP", "HTTPS")
TRAFFIC_PORT = "traffic-port"
CROSS_ZONE_ATTRIBUTE = "load_balancing.cross_zone.enabled"

# The default action of a listener that has rules and no target_group: requests no rule matches.
FIXED_RESPONSE = {"status_code": "404", "content_type": "text/plain", "message_body": "no route for this path"}
RULE_PRIORITIES = (1, 50000)
MAX_PATH_PATTERNS = 5
# AWS: up to 128 characters, A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & (as &amp;), * and ?
PATH_PATTERN_RE = re.compile(r"^[A-Za-z0-9_\-.$/~\"'@:+&*?]{1,128}$")
SECURITY_GROUP_ID_RE = re.compile(r"^sg-[0-9a-f]{8}(?:[0-9a-f]{9})?$")


class InputProblems(ValueError):
    """Every problem found, each naming its field; raised once, after looking at everything."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(describe_problems(self.problems))


def describe_problems(problems):
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems: " + "; ".join(problems)


# ---------------------------------------------------------------------------------------------
# Input validation (pure: collects every problem, each naming its field)
# ---------------------------------------------------------------------------------------------


def check_name(value, field, kind, problems):
    text = "" if value is None else str(value)
    if not NAME_RE.match(text):
        problems.append(
            f"{field}: {value!r} is not a valid {kind} name (1-32 letters, digits and hyphens, "
            "not starting or ending with a hyphen)"
        )
        return None
    if kind == "load balancer" and text.lower().startswith("internal-"):
        problems.append(f"{field}: {value!r} starts with 'internal-', which AWS reserves; choose another name")
        return None
    return text


def check_port(value, field, problems):
    try:
        return parse_port(value, field)
    except ValueError as error:
        problems.append(str(error))
        return None


def check_range(value, field, low, high, problems):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{field}: {value!r} is out of range; give a whole number from {low} to {high}")
        return None
    return value


def check_tags(value, field, gateway, problems):
    """A tag dict with string values; the ownership tags may only repeat their own values."""
    if value is None:
        return {}
    tags = {}
    owned = ownership_tags(gateway) if gateway else {}
    for key, tag_value in value.items():
        key_text = str(key)
        if not 1 <= len(key_text) <= 128:
            problems.append(f"{field}: tag key {key_text!r} must be 1 to 128 characters long")
            continue
        if key_text.lower().startswith("aws:"):
            problems.append(f"{field}: tag key {key_text!r} starts with 'aws:', which AWS reserves; remove it")
            continue
        if isinstance(tag_value, (dict, list)) or tag_value is None:
            problems.append(f"{field}.{key_text}: tag values are strings, got {tag_value!r}")
            continue
        text = str(tag_value)
        if len(text) > 256:
            problems.append(f"{field}.{key_text}: tag values are at most 256 characters long")
            continue
        if key_text in owned and text != owned[key_text]:
            problems.append(
                f"{field}.{key_text}: {text!r} differs from {owned[key_text]!r}; the module sets this ownership tag "
                "itself: remove it from the tags"
            )
            continue
        tags[key_text] = text
    return tags


def check_availability_zone(value, field, problems):
    text = str(value).strip().lower()
    if not text:
        return None
    if text == "all" or AVAILABILITY_ZONE_RE.match(text):
        return text
    problems.append(f"{field}: {value!r} is not an availability zone name (e.g. us-east-1a) or 'all'")
    return None


def check_health_check(value, field, problems, group_protocol="TCP"):
    value = dict(value or {})
    default = "HTTP" if group_protocol in HTTP_GROUP_PROTOCOLS else "TCP"
    protocol = (value.get("protocol") or default).upper()
    checked = {
        "protocol": protocol,
        "port": TRAFFIC_PORT,
        "interval": check_range(value.get("interval", 30), f"{field}.interval", 5, 300, problems),
        "healthy_threshold": check_range(
            value.get("healthy_threshold", 3), f"{field}.healthy_threshold", 2, 10, problems
        ),
        "unhealthy_threshold": check_range(
            value.get("unhealthy_threshold", 3), f"{field}.unhealthy_threshold", 2, 10, problems
        ),
        "timeout": check_range(value.get("timeout"), f"{field}.timeout", 2, 120, problems),
        "path": value.get("path"),
        "matcher": value.get("matcher"),
    }
    if protocol not in HEALTH_CHECK_PROTOCOLS:
        problems.append(
            f"{field}.protocol: {value.get('protocol')!r} is not one of {', '.join(HEALTH_CHECK_PROTOCOLS)}"
        )
    port = value.get("port")
    if port is not None and str(port).strip() != TRAFFIC_PORT:
        number = check_port(port, f"{field}.port", problems)
        checked["port"] = str(number) if number is not None else None
    if checked["timeout"] is not None and checked["interval"] is not None and checked["timeout"] > checked["interval"]:
        problems.append(
            f"{field}.timeout: {checked['timeout']} is longer than the interval ({checked['interval']}); "
            "give a timeout no longer than the interval"
        )
    elif (
        group_protocol in HTTP_GROUP_PROTOCOLS
        and checked["timeout"] is not None
        and checked["timeout"] == checked["interval"]
    ):
        problems.append(
            f"{field}.timeout: {checked['timeout']} equals the interval; the health check of an {group_protocol} target "
            "group needs a timeout shorter than the interval"
        )
    if group_protocol in HTTP_GROUP_PROTOCOLS and protocol not in HTTP_HEALTH_CHECKS:
        problems.append(
            f"{field}.protocol: {protocol!r} cannot check an {group_protocol} target group (an application load "
            "balancer's); use HTTP or HTTPS"
        )
    for key in ("path", "matcher"):
        if checked[key] is not None and protocol not in HTTP_HEALTH_CHECKS:
            problems.append(f"{field}.{key}: only HTTP and HTTPS health checks take a {key}; remove it or set protocol")
    path = checked["path"]
    if path is not None and (not str(path).startswith("/") or len(str(path)) > 1024):
        problems.append(f"{field}.path: {path!r} must start with '/' and be at most 1024 characters long")
    matcher = checked["matcher"]
    if matcher is not None and not MATCHER_RE.match(str(matcher)):
        problems.append(f"{field}.matcher: {matcher!r} is not a list of HTTP codes such as 200, 200-399 or 200,202")
    return checked


def check_targets(targets, field, problems):
    if targets is None:
        return None
    checked = []
    for index, target in enumerate(targets):
        item = f"{field}[{index}]"
        try:
            ip = str(parse_ipv4(target.get("ip"), f"{item}.ip"))
        except ValueError as error:
            problems.append(str(error))
            continue
        port = target.get("port")
        if port is not None:
            port = check_port(port, f"{item}.port", problems)
        zone = target.get("availability_zone")
        if zone is not None:
            zone = check_availability_zone(zone, f"{item}.availability_zone", problems)
        checked.append({"field": item, "ip": ip, "port": port, "availability_zone": zone})
    return checked


def check_subnet_zones(value, subnet_ids, problems):
    """``subnet_zones``: subnet id -> Availability Zone name, each subnet one of ``subnet_ids``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append("subnet_zones: expected a dictionary of subnet id -> Availability Zone name")
        return {}
    zones = {}
    for subnet_id, zone in value.items():
        if subnet_id not in (subnet_ids or []):
            problems.append(f"subnet_zones: {subnet_id} is not in subnet_ids; name the zones of those subnets only")
        elif not isinstance(zone, str) or not zone.strip():
            problems.append(f"subnet_zones.{subnet_id}: {zone!r} is not an Availability Zone name (e.g. us-east-1a)")
        else:
            zones[subnet_id] = zone.strip()
    return zones


def check_subnet_ids(value, problems):
    if value is None:
        return None
    subnet_ids, seen = [], set()
    for index, subnet_id in enumerate(value):
        text = str(subnet_id).strip()
        if not SUBNET_ID_RE.match(text):
            problems.append(f"subnet_ids[{index}]: {subnet_id!r} is not a subnet id (subnet-...)")
        elif text in seen:
            problems.append(f"subnet_ids[{index}]: {text} is listed twice")
        else:
            seen.add(text)
            subnet_ids.append(text)
    return subnet_ids


def article(word):
    """``a`` or ``an`` before a type or protocol name (an application, an HTTP, a UDP)."""
    text = str(word)
    return "an" if text.upper() in ("HTTP", "HTTPS") or text[:1].lower() in "aeio" else "a"


def check_security_groups(value, field, lb_type, problems):
    """``[{"field", "id"} or {"field", "name"}]`` of an application load balancer; None when omitted."""
    if value is None or (not value and not LB_TYPES[lb_type]["security_groups"]):
        return None
    if not LB_TYPES[lb_type]["security_groups"]:
        problems.append(
            f"{field}: only application load balancers take security groups here; remove it or set type to application"
        )
        return None
    if not value:
        problems.append(
            f"{field}: an application load balancer needs at least one security group; give one, or omit the option "
            "to leave the groups of an existing load balancer alone"
        )
        return None
    groups, seen = [], {}
    for index, item in enumerate(value):
        item_field = f"{field}[{index}]"
        text = "" if item is None else str(item).strip()
        if text.startswith("sg-"):
            if not SECURITY_GROUP_ID_RE.match(text):
                problems.append(f"{item_field}: {item!r} is not a security group id (sg- and 8 or 17 hex digits)")
                continue
            entry = {"field": item_field, "id": text}
        elif 1 <= len(text) <= 255:
            entry = {"field": item_field, "name": text}
        else:
            problems.append(f"{item_field}: {item!r} is neither a security group id (sg-...) nor a group name")
            continue
        if text in seen:
            problems.append(f"{item_field}: {text} is listed twice ({seen[text]} and {item_field})")
            continue
        seen[text] = item_field
        groups.append(entry)
    return groups


def check_rules(value, field, protocol, lb_type, problems):
    """The listed rules of one listener (priority, path patterns, target group); None when omitted."""
    if value is None:
        return None
    allowed = LB_TYPES[lb_type]["rule_protocols"]
    if protocol not in allowed:
        takes = (
            f"{' and '.join(allowed)} listeners take rules" if allowed else "only application load balancers take rules"
        )
        problems.append(f"{field}: a {lb_type} {protocol} listener has no rules ({takes}); remove them")
        return None
    rules, priorities, keys = [], {}, {}
    for index, rule in enumerate(value):
        item = f"{field}[{index}]"
        rule = rule or {}
        priority = check_range(rule.get("priority"), f"{item}.priority", *RULE_PRIORITIES, problems)
        if rule.get("priority") is None:
            problems.append(f"{item}.priority: required; give a whole number from 1 to 50000 (lowest first)")
        patterns = rule.get("path_patterns")
        if not isinstance(patterns, list) or not 1 <= len(patterns) <= MAX_PATH_PATTERNS:
            problems.append(
                f"{item}.path_patterns: give a list of 1 to {MAX_PATH_PATTERNS} path patterns, for example ['/orders/*']"
            )
            patterns = []
        checked = []
        for pattern_index, pattern in enumerate(patterns):
            text = "" if pattern is None else str(pattern)
            if not PATH_PATTERN_RE.match(text):
                problems.append(
                    f"{item}.path_patterns[{pattern_index}]: {pattern!r} is not a path pattern (1-128 characters: "
                    "letters, digits, _ - . $ / ~ \" ' @ : + &, and the wildcards * and ?)"
                )
            elif text in checked:
                problems.append(f"{item}.path_patterns[{pattern_index}]: {text!r} is listed twice in this rule")
            else:
                checked.append(text)
        if priority is not None:
            if priority in priorities:
                problems.append(
                    f"{item}.priority: {priority} is also the priority of {priorities[priority]}; give each rule of a "
                    "listener its own priority"
                )
            else:
                priorities[priority] = item
        key = pattern_key(checked) if checked and len(checked) == len(patterns) else None
        if key is not None:
            if key in keys:
                problems.append(
                    f"{item}.path_patterns: {', '.join(key)} are also the path patterns of {keys[key]}; a rule is "
                    "identified by its path patterns: merge the two rules"
                )
            else:
                keys[key] = item
        rules.append(
            {
                "field": item,
                "priority": priority,
                "path_patterns": checked,
                "key": key,
                "target_group": rule.get("target_group"),
            }
        )
    return rules


def check_load_balancer(entry, field, gateway, base_tags, problems):
    name = check_name(entry.get("name"), f"{field}.name", "load balancer", problems)
    lb_type = entry.get("type") or "network"
    rules = LB_TYPES.get(lb_type)
    if rules is None:
        problems.append(f"{field}.type: {lb_type!r} is not supported; use one of {', '.join(LB_TYPES)}")
        lb_type = "network"
        rules = LB_TYPES["network"]
    tags = dict(base_tags)
    tags.update(check_tags(entry.get("tags"), f"{field}.tags", gateway, problems))
    tags.update(ownership_tags(gateway))
    if not rules["manages_cross_zone"] and entry.get("cross_zone") is False:
        problems.append(
            f"{field}.cross_zone: an {lb_type} load balancer always balances across zones (AWS cannot turn it off); "
            "remove cross_zone or set it to true"
        )
    security_groups = check_security_groups(entry.get("security_groups"), f"{field}.security_groups", lb_type, problems)
    listeners, ports = [], {}
    for index, listener in enumerate(entry.get("listeners") or []):
        item = f"{field}.listeners[{index}]"
        port = check_port(listener.get("port"), f"{item}.port", problems)
        protocol = (listener.get("protocol") or rules["default_listener_protocol"]).upper()
        if protocol not in rules["listener_protocols"]:
            problems.append(
                f"{item}.protocol: {listener.get('protocol')!r} is not {article(lb_type)} {lb_type} listener protocol "
                f"({', '.join(rules['listener_protocols'])})"
            )
        certificate = listener.get("certificate_arn")
        ssl_policy = listener.get("ssl_policy")
        if protocol in rules["certificate_protocols"]:
            if not certificate:
                problems.append(
                    f"{item}.certificate_arn: {article(protocol)} {protocol} listener needs a certificate; give its ARN"
                )
            elif not CERTIFICATE_ARN_RE.match(str(certificate)):
                problems.append(f"{item}.certificate_arn: {certificate!r} is not an ACM or IAM certificate ARN")
        else:
            secure = rules["certificate_protocols"][0]
            for key, value in (("certificate_arn", certificate), ("ssl_policy", ssl_policy)):
                if value:
                    problems.append(
                        f"{item}.{key}: only {secure} listeners take a {key}; remove it or set protocol {secure}"
                    )
        if port is not None:
            if port in ports:
                problems.append(
                    f"{item}.port: {port} is listed twice on load balancer {name or entry.get('name')!r} "
                    f"({ports[port]} and {item}); give each listener its own port"
                )
            else:
                ports[port] = item
        listener_rules = None
        if protocol in rules["listener_protocols"]:
            listener_rules = check_rules(listener.get("rules"), f"{item}.rules", protocol, lb_type, problems)
        target_group = listener.get("target_group")
        if not target_group and not listener_rules and protocol in rules["listener_protocols"]:
            if rules["rule_protocols"]:
                problems.append(
                    f"{item}.target_group: a listener needs a target_group, or rules (then requests that no rule "
                    "matches get a 404); give one of them"
                )
            else:
                problems.append(f"{item}.target_group: required; give the name of the target group it forwards to")
        listeners.append(
            {
                "field": item,
                "port": port,
                "protocol": protocol,
                "target_group": target_group or None,
                "certificate_arn": certificate or None,
                "ssl_policy": ssl_policy or None,
                "rules": listener_rules,
            }
        )
    return {
        "field": field,
        "name": name,
        "label": str(entry.get("name")),
        "type": lb_type,
        "scheme": entry.get("scheme") or "internal",
        "cross_zone": True if entry.get("cross_zone") is None else bool(entry.get("cross_zone")),
        "security_groups": security_groups,
        "tags": tags,
        "listeners": listeners,
    }


def check_target_group(entry, field, gateway, base_tags, problems):
    name = check_name(entry.get("name"), f"{field}.name", "target group", problems)
    protocol = (entry.get("protocol") or "TCP").upper()
    if protocol not in GROUP_PROTOCOLS:
        problems.append(f"{field}.protocol: {entry.get('protocol')!r} is not one of {', '.join(GROUP_PROTOCOLS)}")
    port = check_port(entry.get("port"), f"{field}.port", problems)
    tags = dict(base_tags)
    tags.update(check_tags(entry.get("tags"), f"{field}.tags", gateway, problems))
    tags.update(ownership_tags(gateway))
    return {
        "field": field,
        "name": name,
        "protocol": protocol,
        "port": port,
        "health_check": check_health_check(entry.get("health_check"), f"{field}.health_check", problems, protocol),
        "targets": check_targets(entry.get("targets"), f"{field}.targets", problems),
        "tags": tags,
    }


def check_references(balancers, groups, problems):
    """Listeners name listed groups, with a protocol that can forward to them, each group served by
    one load balancer. Returns ``{group name: load balancer name}``."""
    by_name = {}
    for group in groups:
        if group["name"] is None:
            continue
        if group["name"] in by_name:
            problems.append(
                f"{group['field']}.name: target group {group['name']!r} is listed twice "
                f"({by_name[group['name']]['field']} and {group['field']})"
            )
        else:
            by_name[group["name"]] = group
    seen_balancers = {}
    for balancer in balancers:
        if balancer["name"] is None:
            continue
        if balancer["name"] in seen_balancers:
            problems.append(
                f"{balancer['field']}.name: load balancer {balancer['name']!r} is listed twice "
                f"({seen_balancers[balancer['name']]} and {balancer['field']})"
            )
        else:
            seen_balancers[balancer["name"]] = balancer["field"]
    served_by = {}
    for balancer in balancers:
        rules = LB_TYPES.get(balancer["type"], LB_TYPES["network"])
        quota = rules["default_listener_quota"]
        if len(balancer["listeners"]) > quota:
            problems.append(
                f"{balancer['field']}.listeners: {len(balancer['listeners'])} listeners; a {balancer['type']} load "
                f"balancer takes {quota}: split the services over more load balancers"
            )
        for listener in balancer["listeners"]:
            forwards = []
            if listener["target_group"] is not None:
                forwards.append(
                    (
                        listener["target_group"],
                        listener["field"],
                        f"{listener['field']}.protocol",
                        article(listener["protocol"]),
                    )
                )
            for rule in listener["rules"] or []:
                forwards.append((rule["target_group"], rule["field"], f"{rule['field']}.target_group", "a rule of the"))
            for group_name, where, protocol_field, what in forwards:
                group = by_name.get(group_name)
                if group is None:
                    known = ", ".join(sorted(by_name)) or "none"
                    problems.append(
                        f"{where}.target_group: {group_name!r} is not the name of an entry of target_groups "
                        f"(listed: {known}); add the target group or fix the name"
                    )
                    continue
                allowed = rules["forwards_to"].get(listener["protocol"], ())
                if listener["protocol"] in rules["forwards_to"] and group["protocol"] not in allowed:
                    problems.append(
                        f"{protocol_field}: {what} {listener['protocol']} listener cannot forward to "
                        f"{group['protocol']} target group {group_name!r} (it takes {', '.join(allowed)})"
                    )
                first = served_by.get(group_name)
                if first is None:
                    served_by[group_name] = (balancer["name"] or balancer["label"], where)
                elif first[0] != (balancer["name"] or balancer["label"]):
                    problems.append(
                        f"{where}.target_group: target group {group_name!r} is also forwarded by load "
                        f"balancer {first[0]!r} ({first[1]}); a target group serves one load balancer only: give each "
                        "load balancer its own target group"
                    )
    return {name: balancer for name, (balancer, _field) in served_by.items()}


def check_keep(value, balancers, groups, problems):
    """Names of load balancers and target groups this run leaves exactly as they are."""
    listed = {}
    for entry in balancers:
        listed.setdefault(entry["name"], entry["field"])
    for entry in groups:
        listed.setdefault(entry["name"], entry["field"])
    keep, seen = [], {}
    for index, name in enumerate(value or []):
        field = f"keep[{index}]"
        text = check_name(name, field, "load balancer or target group", problems)
        if text is None:
            continue
        if text in seen:
            problems.append(f"{field}: {text!r} is listed twice ({seen[text]} and {field})")
            continue
        seen[text] = field
        if text in listed:
            problems.append(
                f"{field}: {text!r} is also listed in {listed[text]}; a name in keep is neither created, changed nor "
                "deleted: remove it from one of the two lists"
            )
            continue
        keep.append(text)
    return keep


def validate_params(params):
    """Everything that can be checked without AWS. Raises InputProblems listing every problem."""
    problems = []
    gateway = params.get("gateway")
    gateway = "" if gateway is None else str(gateway)
    if not GATEWAY_RE.match(gateway):
        problems.append(
            f"gateway: {params.get('gateway')!r} is not a valid tag value (1-256 letters, digits, spaces and _ . : / = + - @)"
        )
        gateway = None
    state = params.get("state") or "present"
    vpc_id = params.get("vpc_id")
    if vpc_id is not None and not VPC_ID_RE.match(str(vpc_id)):
        problems.append(f"vpc_id: {vpc_id!r} is not a VPC id (vpc-...)")
    if state == "present" and not vpc_id:
        problems.append("vpc_id: required with state=present (the VPC of the load balancers and target groups)")
    known_cidrs = None
    if params.get("vpc_cidrs") is not None:
        networks = set()
        for index, value in enumerate(params["vpc_cidrs"]):
            try:
                networks.add(parse_cidr(value, f"vpc_cidrs[{index}]"))
            except ValueError as error:
                problems.append(str(error))
        if not params["vpc_cidrs"]:
            problems.append("vpc_cidrs: empty; give the VPC's CIDR blocks, or omit it to read them")
        known_cidrs = [str(network) for network in sorted(networks)]
    wait_timeout = params.get("wait_timeout")
    if wait_timeout is not None and wait_timeout < 1:
        problems.append(f"wait_timeout: {wait_timeout!r} must be a positive number of seconds")
    base_tags = check_tags(params.get("tags"), "tags", gateway, problems)
    subnet_ids = check_subnet_ids(params.get("subnet_ids"), problems)
    subnet_zones = check_subnet_zones(params.get("subnet_zones"), subnet_ids, problems)
    balancers, groups, served_by = [], [], {}
    if state == "present":
        balancers = [
            check_load_balancer(entry, f"load_balancers[{index}]", gateway or "", base_tags, problems)
            for index, entry in enumerate(params.get("load_balancers") or [])
        ]
        groups = [
            check_target_group(entry, f"target_groups[{index}]", gateway or "", base_tags, problems)
            for index, entry in enumerate(params.get("target_groups") or [])
        ]
        served_by = check_references(balancers, groups, problems)
    keep = check_keep(params.get("keep"), balancers, groups, problems)
    gone = []
    for index, value in enumerate(params.get("check_mode_gone") or []):
        if not isinstance(value, str) or not value.strip():
            problems.append(
                f"check_mode_gone[{index}]: {value!r} is not a VPC link id; give the ids of the links to count as gone"
            )
        else:
            gone.append(value.strip())
    if problems:
        raise InputProblems(problems)
    listener_tags = dict(base_tags)
    listener_tags.update(ownership_tags(gateway))
    return {
        "state": state,
        "gateway": gateway,
        "vpc_id": vpc_id,
        "vpc_cidrs": known_cidrs,
        "subnet_ids": subnet_ids,
        "subnet_zones": subnet_zones,
        "load_balancers": balancers,
        "target_groups": groups,
        "served_by": served_by,
        "keep": keep,
        "check_mode_gone": gone,
        "listener_tags": listener_tags,
        "purge": params.get("purge", True),
        "purge_tags": params.get("purge_tags", False),
        "wait": params.get("wait", False),
        "wait_timeout": wait_timeout or 600,
        "vpc_links": bool(params.get("vpc_links", False)),
    }


# ---------------------------------------------------------------------------------------------
# Views (diff and results)
# ---------------------------------------------------------------------------------------------


def target_text(target):
    """``10.1.0.5:8080 (az all)`` for diffs and actions."""
    zone = target.get("availability_zone")
    return f"{format_target(target)} (az {zone})" if zone else format_target(target)


def listener_text(protocol, group):
    return f"{protocol} -> {group}"


def default_text(listener):
    """What a listener result's default action does, for diffs: a group name, or a fixed response."""
    action = listener.get("default_action") or {}
    if action.get("type") == "fixed-response":
        return f"fixed-response {(action.get('fixed_response') or {}).get('status_code')}"
    if listener.get("target_group") is None and action.get("type") not in (None, "forward"):
        return action["type"]
    return listener.get("target_group")


def rule_text(rule):
    """``/orders, /orders/* -> gw-orders`` for diffs and actions."""
    group = rule.get("target_group")
    if isinstance(group, list):
        group = ", ".join(group) or "nothing"
    return f"{', '.join(rule.get('path_patterns') or ['(other conditions)'])} -> {group}"


def listener_groups(listener):
    return [name_from_arn(arn) for arn in listener["target_group_arns"]]


def current_default_text(listener):
    """What the default action of a current listener does: its target group(s), or a fixed response."""
    groups = listener_groups(listener)
    if groups:
        return ", ".join(groups)
    if listener.get("default_action_type") == "fixed-response":
        return f"fixed-response {(listener.get('fixed_response') or {}).get('status_code')}"
    return ""


def balancer_view(balancer, listeners):
    """A load balancer in the diff: keyed by its name outside, listeners by port inside (and, for an
    application load balancer, its security groups and the rules of listeners by port, then priority)."""
    view = {
        "type": balancer.get("type"),
        "scheme": balancer.get("scheme"),
        "vpc_id": balancer.get("vpc_id"),
        "subnet_ids": list(balancer.get("subnet_ids") or []),
        "cross_zone": balancer.get("cross_zone"),
        "tags": dict(balancer.get("tags") or {}),
    }
    if balancer.get("type") == "application":
        # Always on for an ALB, and neither read nor set by the module.
        del view["cross_zone"]
        view["security_groups"] = sorted(balancer.get("security_group_ids") or [])
    if listeners is not None:
        ordered = sorted(listeners, key=lambda item: item["port"])
        view["listeners"] = {str(item["port"]): listener_text(item["protocol"], default_text(item)) for item in ordered}
        rules = {
            str(item["port"]): {
                str(rule["priority"]): rule_text(rule)
                for rule in sorted(item["rules"], key=lambda rule: rule["priority"])
            }
            for item in ordered
            if item.get("rules") is not None
        }
        if rules:
            view["rules"] = rules
    return view


def group_view(group):
    view = {
        "protocol": group.get("protocol"),
        "port": group.get("port"),
        "vpc_id": group.get("vpc_id"),
        "health_check": dict(group.get("health_check") or {}),
        "tags": dict(group.get("tags") or {}),
    }
    if group.get("targets") is not None:
        view["targets"] = [target_text(target) for target in sorted(group["targets"], key=sort_key)]
    return view


def default_action_result(kind, group=None, fixed=None):
    return {
        "type": kind,
        "target_group": group,
        "fixed_response": dict(fixed) if fixed else None,
    }


def desired_default_action(desired):
    """The default action result of a listed listener: forward to its target_group, or the 404."""
    if desired["target_group"] is not None:
        return default_action_result("forward", desired["target_group"])
    return default_action_result("fixed-response", fixed=FIXED_RESPONSE)


def rule_result(rule):
    """A current rule (normalise_rule) as a result entry."""
    groups = rule_groups(rule)
    return {
        "arn": rule["arn"],
        "priority": rule["priority"],
        "path_patterns": list(rule["path_patterns"] or []),
        "target_group": groups[0] if len(groups) == 1 else (groups or None),
        "target_group_arn": rule["target_group_arns"][0] if len(rule["target_group_arns"]) == 1 else None,
    }


def desired_rule_result(desired, arn=None, group_arn=None):
    return {
        "arn": arn,
        "priority": desired["priority"],
        "path_patterns": list(desired["path_patterns"]),
        "target_group": desired["target_group"],
        "target_group_arn": group_arn,
    }


def listener_result(listener):
    """A current listener as a result entry."""
    groups = listener_groups(listener)
    kind = listener.get("default_action_type")
    group = groups[0] if len(groups) == 1 else (groups or None)
    rules = listener.get("rules")
    return {
        "port": listener["port"],
        "protocol": listener["protocol"],
        "arn": listener["arn"],
        "target_group": group,
        "default_action": default_action_result(
            kind,
            group if kind == "forward" else None,
            listener.get("fixed_response") if kind == "fixed-response" else None,
        ),
        "rules": (
            [rule_result(rule) for rule in sorted(rules, key=lambda rule: rule["priority"]) if not rule["is_default"]]
            if rules is not None
            else None
        ),
    }


def current_cross_zone(balancer):
    if not LB_TYPES.get(balancer.get("type"), LB_TYPES["network"])["manages_cross_zone"]:
        return True
    attributes = balancer.get("attributes")
    if attributes is None or CROSS_ZONE_ATTRIBUTE not in attributes:
        return None
    return str(attributes[CROSS_ZONE_ATTRIBUTE]).lower() == "true"


def current_group_result(group):
    return {
        "name": group["name"],
        "arn": group["arn"],
        "port": group["port"],
        "protocol": group["protocol"],
        "vpc_id": group["vpc_id"],
        "health_check": dict(group["health_check"]),
        "targets": (
            [dict(target) for target in registered_targets(group["targets"])]
            if group.get("targets") is not None
            else None
        ),
        "target_health": [dict(target) for target in group["targets"]] if group.get("targets") is not None else None,
        "target_health_read_at": group.get("targets_read_at") if group.get("targets") is not None else None,
        "tags": dict(group.get("tags") or {}),
    }


def current_balancer_result(balancer):
    return {
        "name": balancer["name"],
        "arn": balancer["arn"],
        "dns_name": balancer.get("dns_name"),
        "state": balancer.get("state"),
        "type": balancer.get("type"),
        "scheme": balancer.get("scheme"),
        "vpc_id": balancer.get("vpc_id"),
        "subnet_ids": list(balancer.get("subnet_ids") or []),
        "security_group_ids": list(balancer.get("security_group_ids") or []),
        "cross_zone": current_cross_zone(balancer),
        "listeners": (
            [listener_result(item) for item in balancer["listeners"]] if balancer.get("listeners") is not None else None
        ),
        "tags": dict(balancer.get("tags") or {}),
    }


# ---------------------------------------------------------------------------------------------
# Reading helpers (pure: decide what to read next from what was read)
# ---------------------------------------------------------------------------------------------


def in_scope(resource, vpc_id):
    return vpc_id is None or resource.get("vpc_id") == vpc_id


def listener_is_ours(tags, balancer_ours, gateway):
    """A listener is ours when it carries both ownership tags, or carries neither and sits on a
    load balancer of ours (listeners created before listeners were tagged)."""
    if is_ours(tags, gateway):
        return True
    return bool(balancer_ours) and not has_ownership_tag(tags)


def unlisted_balancers(spec, snap):
    """Our load balancers in scope that the list does not name (purge candidates), by name; those
    named in ``keep`` are not candidates."""
    listed = {item["name"] for item in spec["load_balancers"]} | set(spec.get("keep") or [])
    return sorted(
        name
        for name, balancer in snap["balancers"].items()
        if balancer["ours"] and in_scope(balancer, spec["vpc_id"]) and name not in listed
    )


def kept_by_option(spec, snap):
    """``[(resource, name, arn)]`` of our resources in scope that ``keep`` names, load balancers first."""
    kept = []
    for resource, collection in (("load_balancer", "balancers"), ("target_group", "groups")):
        for name in spec.get("keep") or []:
            item = snap[collection].get(name)
            if item is not None and item["ours"] and in_scope(item, spec["vpc_id"]):
                kept.append((resource, name, item["arn"]))
    return kept


def link_users(links, arn):
    """The REST API VPC links whose targetArns hold ``arn``."""
    return [link for link in links or [] if arn in (link.get("target_arns") or [])]


def link_summary(link, gateway):
    return {
        "id": link.get("id"),
        "name": link.get("name"),
        "status": link.get("status"),
        "ours": is_ours(link.get("tags"), gateway),
    }


def balancers_to_delete(spec, snap):
    """``(delete, kept)``: names of our unlisted load balancers to delete, and of those a VPC link keeps."""
    if spec["state"] == "present" and not spec["purge"]:
        return [], []
    candidates = (
        unlisted_balancers(spec, snap)
        if spec["state"] == "present"
        else sorted(
            name
            for name, balancer in snap["balancers"].items()
            if balancer["ours"] and in_scope(balancer, spec["vpc_id"]) and name not in (spec.get("keep") or [])
        )
    )
    delete, kept = [], []
    for name in candidates:
        (kept if link_users(snap.get("links"), snap["balancers"][name]["arn"]) else delete).append(name)
    return delete, kept


def listener_sources(spec, snap, deleted):
    """Names of load balancers whose listeners must be read (besides the listed ones): those that
    forward a listed group bound for another load balancer, those about to be deleted (for the
    diff) and those still forwarding an unlisted group of ours that would be deleted."""
    by_arn = {balancer["arn"]: name for name, balancer in snap["balancers"].items()}
    names = set(deleted)
    served_by = spec.get("served_by") or {}
    for name, group in snap["groups"].items():
        if not in_scope(group, spec["vpc_id"]):
            continue
        if name in served_by:
            wanted = [by_arn[arn] for arn in group["load_balancer_arns"] if arn in by_arn]
            names.update(balancer for balancer in wanted if balancer != served_by[name])
        elif group["ours"] and (spec["state"] == "absent" or spec["purge"]):
            if spec["state"] == "present" and name in {item["name"] for item in spec["target_groups"]}:
                continue
            if name in (spec.get("keep") or []):
                continue
            names.update(by_arn[arn] for arn in group["load_balancer_arns"] if arn in by_arn)
    return sorted(name for name in names if snap["balancers"][name].get("listeners") is None)


def rule_sources(spec, snap, deleted):
    """``[(balancer name, listener)]`` whose rules must be read besides the listed ones: listeners of
    application load balancers in scope that may forward, through a rule, a listed target group bound
    for another load balancer, or (when they stay) an unlisted target group of ours that would be
    deleted. Not needed while no group moves or goes."""
    by_arn = {balancer["arn"]: name for name, balancer in snap["balancers"].items()}
    names = set()
    served_by = spec.get("served_by") or {}
    listed = {item["name"] for item in spec["target_groups"]} if spec["state"] == "present" else set()
    keep = set(spec.get("keep") or [])
    for name, group in snap["groups"].items():
        if not in_scope(group, spec["vpc_id"]):
            continue
        holders = [by_arn[arn] for arn in group["load_balancer_arns"] if arn in by_arn]
        if name in served_by:
            names.update(balancer for balancer in holders if balancer != served_by[name])
        elif group["ours"] and name not in listed and name not in keep and (spec["state"] == "absent" or spec["purge"]):
            names.update(balancer for balancer in holders if balancer not in deleted)
    sources = []
    for name in sorted(names):
        balancer = snap["balancers"][name]
        if balancer.get("type") != "application" or not in_scope(balancer, spec["vpc_id"]):
            continue
        sources.extend(
            (name, listener) for listener in balancer.get("listeners") or [] if listener.get("rules") is None
        )
    return sources


# ---------------------------------------------------------------------------------------------
# Planning (pure)
# ---------------------------------------------------------------------------------------------


def health_check_params(check):
    params = {
        "HealthCheckProtocol": check["protocol"],
        "HealthCheckPort": check["port"],
        "HealthCheckIntervalSeconds": check["interval"],
        "HealthyThresholdCount": check["healthy_threshold"],
        "UnhealthyThresholdCount": check["unhealthy_threshold"],
    }
    if check.get("timeout") is not None:
        params["HealthCheckTimeoutSeconds"] = check["timeout"]
    if check.get("path") is not None:
        params["HealthCheckPath"] = check["path"]
    if check.get("matcher") is not None:
        params["Matcher"] = {"HttpCode": str(check["matcher"])}
    return params


# The health-check settings of a target group the module compares and sets.
HEALTH_CHECK_KEYS = (
    "protocol",
    "port",
    "interval",
    "timeout",
    "healthy_threshold",
    "unhealthy_threshold",
    "path",
    "matcher",
)


def health_check_changes(current, desired):
    """``[(setting, current, desired)]`` for the settings given that differ."""
    changes = []
    for key in HEALTH_CHECK_KEYS:
        want = desired.get(key)
        if want is None:
            continue
        have = current.get(key)
        if key in ("port", "matcher", "path"):
            same = str(have) == str(want) if have is not None else False
        else:
            same = have == want
        if not same:
            changes.append((key, have, want))
    return changes


def expected_health_check(current, desired):
    after = dict(current)
    for key, _have, want in health_check_changes(current, desired):
        after[key] = want
    return after


def new_health_check(desired):
    return {key: desired.get(key) for key in HEALTH_CHECK_KEYS}


def resolve_group_targets(group, cidrs, problems):
    """Fill in port and availability zone of the listed targets; None when targets are not managed."""
    if group["targets"] is None:
        return None
    resolved, seen = [], {}
    for target in group["targets"]:
        port = target["port"] if target["port"] is not None else group["port"]
        if not target_ip_allowed(target["ip"], cidrs):
            problems.append(
                f"{target['field']}.ip: {target['ip']!r} is outside the VPC ({', '.join(cidrs)}) and not a private "
                "address (10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16); AWS refuses it as a target"
            )
            continue
        item = {
            "field": target["field"],
            "ip": target["ip"],
            "port": int(port),
            "availability_zone": choose_availability_zone(target["ip"], cidrs, target["availability_zone"]),
            "explicit_zone": target["availability_zone"] is not None,
        }
        key = target_key(item)
        if key in seen:
            problems.append(
                f"{target['field']}: {format_target(item)} is listed twice ({seen[key]} and {target['field']}); "
                "a target is an IP and a port"
            )
            continue
        seen[key] = target["field"]
        resolved.append(item)
    return resolved


def plan_targets(current, desired, cidrs):
    """``(register, deregister, keep)`` as in nlb_ip_targets (purge: unlisted targets go)."""
    registered = {target_key(target): target for target in registered_targets(current or [])}
    wanted = {target_key(target): target for target in desired}
    register = sorted((plain_target(target) for key, target in wanted.items() if key not in registered), key=sort_key)
    deregister = []
    for key, target in registered.items():
        if key in wanted:
            continue
        item = plain_target(target)
        if not item["availability_zone"]:
            item["availability_zone"] = choose_availability_zone(item["ip"], cidrs)
        deregister.append(item)
    keep = [dict(target) for key, target in registered.items() if key in wanted]
    return register, sorted(deregister, key=sort_key), sorted(keep, key=sort_key)


def plain_target(target):
    return {"ip": target["ip"], "port": int(target["port"]), "availability_zone": target.get("availability_zone")}


def zone_warnings(group_name, current, desired):
    registered = {target_key(target): target for target in registered_targets(current or [])}
    warnings = []
    for target in desired:
        existing = registered.get(target_key(target))
        if not target.get("explicit_zone") or existing is None or not existing.get("availability_zone"):
            continue
        if existing["availability_zone"] != target["availability_zone"]:
            warnings.append(
                f"{target['field']}.availability_zone: {format_target(target)} is registered with target group "
                f"{group_name!r} in {existing['availability_zone']!r}, not {target['availability_zone']!r}; a "
                "registered target keeps its zone (remove it, converge, then add it back to move it)"
            )
    return warnings


def tag_text(to_set, to_remove):
    parts = []
    if to_set:
        parts.append("set " + ", ".join(f"{key}={value}" for key, value in sorted(to_set.items())))
    if to_remove:
        parts.append("remove " + ", ".join(to_remove))
    return "; ".join(parts)


class Planner:
    """Turns the validated input (``spec``) and what AWS holds (``snap``) into ordered operations,
    the problems that forbid any change, warnings, and the before/after views. Pure: no boto3."""

    PHASES = (
        "create_group",
        "modify_group",
        "tag_group",
        "register",
        "deregister",
        "create_balancer",
        "set_subnets",
        "set_security_groups",
        "tag_balancer",
        "set_attributes",
        "delete_listener",
        "delete_rule",
        "set_rule_priorities",
        # listener default actions and rule actions together, in the order order_listener_modifications gives
        "modify_listener",
        "create_listener",
        "create_rule",
        "tag_listener",
        "delete_balancer",
        "delete_group",
    )

    def __init__(self, spec, snap):
        self.spec = spec
        self.snap = snap
        self.gateway = spec["gateway"]
        self.vpc_id = spec["vpc_id"]
        self.problems = []
        self.warnings = []
        self.ops = {phase: [] for phase in self.PHASES}
        self.kept = []
        self.before = {"load_balancers": {}, "target_groups": {}}
        self.after = {"load_balancers": {}, "target_groups": {}}
        self.balancer_results = {}
        self.group_results = {}
        self.listeners_after = {}

    # -- helpers -----------------------------------------------------------------------------

    def op(self, phase, action, kind=None, **fields):
        entry = dict(fields, kind=kind or phase, action=action)
        self.ops[phase].append(entry)
        return entry

    def ordered_ops(self):
        return [entry for phase in self.PHASES for entry in self.ops[phase]]

    def ownership_text(self, tags):
        tags = tags or {}
        return ", ".join(f"{key}={tags.get(key)!r}" for key in OWNERSHIP_TAG_KEYS)

    def record_before(self):
        """Views of everything of ours in scope as it is now."""
        for name, balancer in sorted(self.snap["balancers"].items()):
            if balancer["ours"] and in_scope(balancer, self.vpc_id):
                view_source = dict(balancer, cross_zone=current_cross_zone(balancer))
                listeners = balancer.get("listeners")
                self.before["load_balancers"][name] = balancer_view(
                    view_source, [listener_result(item) for item in listeners] if listeners is not None else None
                )
        for name, group in sorted(self.snap["groups"].items()):
            if group["ours"] and in_scope(group, self.vpc_id):
                self.before["target_groups"][name] = group_view(
                    dict(
                        group,
                        targets=registered_targets(group["targets"]) if group.get("targets") is not None else None,
                    )
                )

    # -- state=present -----------------------------------------------------------------------

    def record_keep(self):
        """Our resources that ``keep`` names: reported, never changed."""
        for resource, name, arn in kept_by_option(self.spec, self.snap):
            self.kept.append(
                {
                    "resource": resource,
                    "name": name,
                    "arn": arn,
                    "vpc_links": [],
                    "reason": "listed in keep; this run neither changes nor deletes it",
                }
            )

    def plan_present(self):
        self.record_before()
        self.record_keep()
        self.check_subnets()
        groups = [self.plan_group(group) for group in self.spec["target_groups"]]
        balancers = [self.plan_balancer(balancer) for balancer in self.spec["load_balancers"]]
        self.plan_listeners([item for item in balancers if item is not None])
        deleted_balancers = self.plan_balancer_deletions()
        self.plan_group_deletions(deleted_balancers)
        self.finish_after(groups, balancers, deleted_balancers)
        return self

    def check_subnets(self):
        subnets = self.snap.get("subnets")
        if subnets is None or not self.spec["subnet_ids"]:
            return
        zones = {}
        for index, subnet_id in enumerate(self.spec["subnet_ids"]):
            subnet = subnets.get(subnet_id)
            field = f"subnet_ids[{index}]"
            if subnet is None:
                self.problems.append(f"{field}: subnet {subnet_id} not found in this account and region")
                continue
            if subnet["vpc_id"] != self.vpc_id:
                self.problems.append(
                    f"{field}: subnet {subnet_id} is in VPC {subnet['vpc_id']}, not in vpc_id {self.vpc_id}; give subnets "
                    "of the load balancers' VPC"
                )
                continue
            zone = subnet["availability_zone"]
            if zone in zones:
                self.problems.append(
                    f"{field}: subnet {subnet_id} is in {zone} like {zones[zone]}; a load balancer takes one subnet per "
                    "Availability Zone: keep one of them"
                )
            zones.setdefault(zone, subnet_id)

    def plan_group(self, group):
        name = group["name"]
        current = self.snap["groups"].get(name)
        problems_before = len(self.problems)
        if current is not None:
            if not current["ours"]:
                self.problems.append(
                    f"{group['field']}.name: target group {name!r} already exists ({current['arn']}) and is not managed "
                    f"by gateway {self.gateway!r} ({self.ownership_text(current.get('tags'))}); rename the entry, or "
                    "delete the existing group"
                )
                return None
            if current["vpc_id"] != self.vpc_id:
                self.problems.append(
                    f"{group['field']}: target group {name!r} is in VPC {current['vpc_id']}, not in vpc_id {self.vpc_id}; "
                    "AWS cannot move a target group: remove the entry, converge (the group is deleted there), then add "
                    "it back, or give it a new name"
                )
            for key, label in (("port", "port"), ("protocol", "protocol")):
                if current[key] != group[key]:
                    self.problems.append(
                        f"{group['field']}.{key}: target group {name!r} has {label} {current[key]} on AWS, not "
                        f"{group[key]}; AWS cannot change the {label} of a target group: remove the entry, converge "
                        "(the group is deleted), then add it back with the new settings, or give it a new name"
                    )
            if current["target_type"] != "ip" or current.get("ip_address_type", "ipv4") != "ipv4":
                self.problems.append(
                    f"{group['field']}: target group {name!r} has target type {current['target_type']!r} "
                    f"({current.get('ip_address_type')}) on AWS, not 'ip' (ipv4); AWS cannot change it: remove the entry, "
                    "converge, then add it back, or give it a new name"
                )
        desired_targets = resolve_group_targets(group, self.snap["cidrs"], self.problems)
        if len(self.problems) > problems_before:
            return None

        if current is None:
            params = {
                "Name": name,
                "Protocol": group["protocol"],
                "Port": group["port"],
                "VpcId": self.vpc_id,
                "TargetType": "ip",
                "IpAddressType": "ipv4",
                "Tags": [{"Key": key, "Value": value} for key, value in sorted(group["tags"].items())],
            }
            params.update(health_check_params(group["health_check"]))
            result = {
                "name": name,
                "arn": None,
                "port": group["port"],
                "protocol": group["protocol"],
                "vpc_id": self.vpc_id,
                "health_check": new_health_check(group["health_check"]),
                "targets": [],
                "target_health": None,
                "target_health_read_at": None,
                "tags": dict(group["tags"]),
            }
            self.op(
                "create_group",
                f"create target group {name} ({group['protocol']} {group['port']}, type ip, VPC {self.vpc_id})",
                name=name,
                params=params,
                result=result,
            )
            register, deregister, keep = plan_targets([], desired_targets or [], self.snap["cidrs"])
        else:
            result = current_group_result(current)
            changes = health_check_changes(current["health_check"], group["health_check"])
            if changes:
                params = health_check_params(group["health_check"])
                text = ", ".join(f"{key} {have} -> {want}" for key, have, want in changes)
                self.op(
                    "modify_group", f"modify the health check of target group {name}: {text}", name=name, params=params
                )
                result["health_check"] = expected_health_check(current["health_check"], group["health_check"])
            tags = self.plan_tags("tag_group", f"target group {name}", current.get("tags"), group["tags"], name=name)
            if tags is not None:
                result["tags"] = tags
            if desired_targets is not None:
                self.warnings.extend(zone_warnings(name, current["targets"], desired_targets))
                register, deregister, keep = plan_targets(current["targets"], desired_targets, self.snap["cidrs"])
            else:
                register, deregister, keep = [], [], None
        if register:
            self.op(
                "register",
                f"register {', '.join(target_text(item) for item in register)} with target group {name}",
                name=name,
                targets=register,
            )
        if deregister:
            self.op(
                "deregister",
                f"deregister {', '.join(target_text(item) for item in deregister)} from target group {name}",
                name=name,
                targets=deregister,
            )
        if desired_targets is not None:
            new = [dict(item, health_state=None, health_reason=None, health_description=None) for item in register]
            result["targets"] = sorted((keep or []) + new, key=sort_key)
        result["load_balancer"] = self.spec["served_by"].get(name)
        result["targets_changed"] = bool(register or deregister)
        self.group_results[name] = result
        return result

    def plan_balancer(self, balancer):
        name = balancer["name"]
        current = self.snap["balancers"].get(name)
        rules = LB_TYPES[balancer["type"]]
        if current is not None:
            found = []
            if not current["ours"]:
                self.problems.append(
                    f"{balancer['field']}.name: load balancer {name!r} already exists ({current['arn']}) and is not "
                    f"managed by gateway {self.gateway!r} ({self.ownership_text(current.get('tags'))}); rename the "
                    "entry, or delete the existing load balancer"
                )
                return None
            if current["vpc_id"] != self.vpc_id:
                found.append(
                    f"{balancer['field']}: load balancer {name!r} is in VPC {current['vpc_id']}, not in vpc_id "
                    f"{self.vpc_id}; AWS cannot move a load balancer: remove the entry, converge (it is deleted), then "
                    "add it back, or give it a new name"
                )
            if current["type"] != balancer["type"]:
                found.append(
                    f"{balancer['field']}.type: load balancer {name!r} is of type {current['type']!r} on AWS, not "
                    f"{balancer['type']!r}; AWS cannot change it: remove the entry, converge, then add it back, or give "
                    "it a new name"
                )
            if current["scheme"] != balancer["scheme"]:
                found.append(
                    f"{balancer['field']}.scheme: load balancer {name!r} is {current['scheme']!r} on AWS, not "
                    f"{balancer['scheme']!r}; AWS cannot change the scheme: remove the entry, converge, then add it "
                    "back, or give it a new name"
                )
            if found:
                self.problems.extend(found)
                return None
            return self.plan_existing_balancer(balancer, current)
        if not self.spec["subnet_ids"]:
            self.problems.append(
                f"subnet_ids: required to create load balancer {name!r} ({balancer['field']}); give the subnets "
                "(one per Availability Zone) of the VPC"
            )
            return None
        subnets = self.snap.get("subnets") or {}
        zone_list = [(subnets.get(item) or {}).get("availability_zone") for item in self.spec["subnet_ids"]]
        known_zones = set(zone_list)
        # unknown subnets and two subnets in one zone are reported by check_subnets
        if (
            self.snap.get("subnets") is not None
            and None not in known_zones
            and len(known_zones) == len(zone_list)
            and len(known_zones) < rules["min_zones"]
        ):
            self.problems.append(
                f"subnet_ids: an {balancer['type']} load balancer needs subnets in at least {rules['min_zones']} "
                f"Availability Zones; load balancer {name!r} ({balancer['field']}) would have "
                f"{', '.join(sorted(known_zones)) or 'none'}: add a subnet of another zone"
            )
            return None
        security_group_ids = self.security_group_ids(balancer)
        if security_group_ids is False:
            return None
        params = {
            "Name": name,
            "Subnets": list(self.spec["subnet_ids"]),
            "Scheme": balancer["scheme"],
            "Type": balancer["type"],
            "IpAddressType": "ipv4",
            "Tags": [{"Key": key, "Value": value} for key, value in sorted(balancer["tags"].items())],
        }
        if security_group_ids is not None:
            params["SecurityGroups"] = security_group_ids
        result = {
            "name": name,
            "arn": None,
            "dns_name": None,
            "state": None,
            "type": balancer["type"],
            "scheme": balancer["scheme"],
            "vpc_id": self.vpc_id,
            "subnet_ids": sorted(self.spec["subnet_ids"]),
            "security_group_ids": sorted(security_group_ids or []),
            "cross_zone": balancer["cross_zone"],
            "listeners": [],
            "tags": dict(balancer["tags"]),
        }
        zones = sorted({(subnets.get(item) or {}).get("availability_zone") or "?" for item in self.spec["subnet_ids"]})
        groups_text = f", security groups {', '.join(security_group_ids)}" if security_group_ids else ""
        self.op(
            "create_balancer",
            f"create load balancer {name} ({balancer['type']}, {balancer['scheme']}, subnets "
            f"{', '.join(self.spec['subnet_ids'])} in {', '.join(zones)}{groups_text})",
            name=name,
            params=params,
            result=result,
        )
        if balancer["cross_zone"] != rules["cross_zone_default"]:
            value = "true" if balancer["cross_zone"] else "false"
            self.op(
                "set_attributes",
                f"set cross-zone load balancing of load balancer {name} to {value}",
                name=name,
                attributes={CROSS_ZONE_ATTRIBUTE: value},
            )
        self.balancer_results[name] = result
        return {"spec": balancer, "current": None, "result": result}

    def plan_existing_balancer(self, balancer, current):
        name = balancer["name"]
        result = current_balancer_result(current)
        result["listeners"] = []
        wanted = self.spec["subnet_ids"]
        if wanted:
            subnets = self.snap.get("subnets") or {}
            have_zones = dict(current.get("zones") or {})
            used = {zone: subnet for subnet, zone in have_zones.items()}
            add = []
            for subnet_id in wanted:
                if subnet_id in current["subnet_ids"]:
                    continue
                zone = (subnets.get(subnet_id) or {}).get("availability_zone")
                if zone is None:
                    continue  # reported by check_subnets
                if zone in used:
                    self.warnings.append(
                        f"subnet_ids: subnet {subnet_id} ({zone}) is not added to load balancer {name!r}, which already "
                        f"has subnet {used[zone]} in {zone}; a load balancer takes one subnet per Availability Zone"
                    )
                    continue
                used[zone] = subnet_id
                add.append(subnet_id)
            extra = [subnet_id for subnet_id in current["subnet_ids"] if subnet_id not in wanted]
            if extra and balancer["type"] == "network":
                self.warnings.append(
                    f"subnet_ids: load balancer {name!r} keeps subnet(s) {', '.join(extra)} that subnet_ids does not "
                    "list; AWS does not remove subnets from a network load balancer (delete and recreate it to drop them)"
                )
            elif extra:
                self.warnings.append(
                    f"subnet_ids: load balancer {name!r} keeps subnet(s) {', '.join(extra)} that subnet_ids does not "
                    "list; the module only adds subnets (remove them with SetSubnets if they must go)"
                )
            if add:
                subnet_ids = list(current["subnet_ids"]) + add
                self.op(
                    "set_subnets",
                    f"add subnet(s) {', '.join(add)} to load balancer {name}",
                    name=name,
                    subnet_ids=subnet_ids,
                )
                result["subnet_ids"] = sorted(subnet_ids)
        security_group_ids = self.security_group_ids(balancer)
        if security_group_ids is False:
            return None
        have_groups = sorted(current.get("security_group_ids") or [])
        if security_group_ids is not None and sorted(security_group_ids) != have_groups:
            self.op(
                "set_security_groups",
                f"set the security groups of load balancer {name} to {', '.join(security_group_ids)} (was "
                f"{', '.join(have_groups) or 'none'})",
                name=name,
                group_ids=security_group_ids,
            )
            result["security_group_ids"] = sorted(security_group_ids)
        have = current_cross_zone(current)
        if LB_TYPES[balancer["type"]]["manages_cross_zone"] and have != balancer["cross_zone"]:
            value = "true" if balancer["cross_zone"] else "false"
            self.op(
                "set_attributes",
                f"set cross-zone load balancing of load balancer {name} to {value}",
                name=name,
                attributes={CROSS_ZONE_ATTRIBUTE: value},
            )
            result["cross_zone"] = balancer["cross_zone"]
        tags = self.plan_tags("tag_balancer", f"load balancer {name}", current.get("tags"), balancer["tags"], name=name)
        if tags is not None:
            result["tags"] = tags
        self.balancer_results[name] = result
        return {"spec": balancer, "current": current, "result": result}

    def security_group_ids(self, balancer):
        """The listed security groups of a load balancer as ids (names resolved in its VPC); None when
        not listed, False after a problem (a name with no group)."""
        if balancer["security_groups"] is None:
            return None
        found = self.snap.get("security_groups") or {}
        ids, fine = [], True
        for entry in balancer["security_groups"]:
            if "id" in entry:
                ids.append(entry["id"])
            elif entry["name"] in found:
                ids.append(found[entry["name"]])
            elif self.spec.get("check_mode"):
                # A dry run of the task that creates the group (earlier in the same run) made nothing.
                self.warnings.append(
                    f"{entry['field']}: no security group named {entry['name']!r} in VPC {self.vpc_id} yet; "
                    "check mode predicts the load balancer with it, as a real run that creates it first would"
                )
                ids.append(entry["name"])
            else:
                self.problems.append(
                    f"{entry['field']}: no security group named {entry['name']!r} in VPC {self.vpc_id}; create it "
                    "first, or give the id of a group of that VPC"
                )
                fine = False
        return ids if fine else False

    # -- listeners ---------------------------------------------------------------------------

    def listener_matches(self, current, desired):
        groups = listener_groups(current)
        if desired["target_group"] is not None:
            default_matches = groups == [desired["target_group"]]
        else:
            default_matches = (
                not groups
                and current.get("default_action_type") == "fixed-response"
                and current.get("fixed_response") == FIXED_RESPONSE
            )
        return (
            current["protocol"] == desired["protocol"]
            and default_matches
            and (desired["certificate_arn"] is None or current["certificate_arn"] == desired["certificate_arn"])
            and (desired["ssl_policy"] is None or current["ssl_policy"] == desired["ssl_policy"])
        )

    def moving_groups(self, groups, balancer_name):
        """The listed groups of ``groups`` that are bound for another load balancer."""
        served_by = self.spec["served_by"]
        return [
            group
            for group in groups
            if group in self.group_results and group in served_by and served_by[group] != balancer_name
        ]

    def group_arn(self, name):
        return (self.snap["groups"].get(name) or {}).get("arn")

    def listener_label(self, current, balancer_name):
        default = current_default_text(current) or "no target group"
        return f"listener {current['port']} ({listener_text(current['protocol'], default)}) of load balancer {balancer_name}"

    def rule_label(self, rule, port, balancer_name):
        text = rule_text({"path_patterns": rule["path_patterns"], "target_group": rule_groups(rule) or None})
        return f"rule {rule['priority']} ({text}) of listener {port} of load balancer {balancer_name}"

    def plan_listeners(self, balancers):
        served_by = self.spec["served_by"]
        keep = set(self.spec["keep"])
        planned = {item["spec"]["name"]: item for item in balancers}
        deleted_names, _kept = balancers_to_delete(self.spec, self.snap)
        deletes, modifications, creates = [], [], []
        survivors = {}  # balancer name -> [listener dicts that stay as they are]
        rule_plans = []  # (balancer name, current listener, desired listener): rules reconciled by difference
        rule_deletes = []  # (rule, action): rules of listeners whose rules are not listed, forwarding a moving group
        foreign_in_the_way = False

        for balancer_name, balancer in sorted(self.snap["balancers"].items()):
            listeners = balancer.get("listeners")
            if listeners is None or not in_scope(balancer, self.vpc_id):
                continue
            item = planned.get(balancer_name)
            wanted = {listener["port"]: listener for listener in item["spec"]["listeners"]} if item else {}
            for current in listeners:
                groups = listener_groups(current)
                moving = self.moving_groups(groups, balancer_name)
                desired = wanted.get(current["port"])
                label = self.listener_label(current, balancer_name)
                if desired is not None:
                    if desired["rules"] is not None and not current["ours"]:
                        self.problems.append(
                            f"{desired['field']}.rules: port {current['port']} of load balancer {balancer_name!r} is "
                            f"taken by {label}, which is not managed by gateway {self.gateway!r}; the module manages the "
                            "rules of its own listeners only: delete that listener or choose another port"
                        )
                        foreign_in_the_way = True
                        continue
                    if desired["rules"] is not None:
                        rule_plans.append((balancer_name, current, desired))
                    elif not self.stray_rules(balancer_name, current, keep, rule_deletes):
                        foreign_in_the_way = True
                    if self.listener_matches(current, desired):
                        survivors.setdefault(balancer_name, []).append(current)
                        continue
                    if not current["ours"]:
                        self.problems.append(
                            f"{desired['field']}: port {current['port']} of load balancer {balancer_name!r} is taken by "
                            f"{label}, which is not managed by gateway {self.gateway!r}; delete that listener or choose "
                            "another port"
                        )
                        foreign_in_the_way = True
                        continue
                    modifications.append(
                        {
                            "kind": "listener",
                            "key": current["arn"],
                            "load_balancer": balancer_name,
                            "old_groups": groups,
                            "new_group": desired["target_group"],
                            "current": current,
                            "desired": desired,
                            "label": label,
                        }
                    )
                    continue
                if moving:
                    if not current["ours"] or balancer_name in keep:
                        why = (
                            f"which is not managed by gateway {self.gateway!r}"
                            if not current["ours"]
                            else "whose load balancer is listed in keep"
                        )
                        for group in moving:
                            field = next(
                                entry["field"] for entry in self.spec["target_groups"] if entry["name"] == group
                            )
                            self.problems.append(
                                f"{field}: target group {group!r} is forwarded by {label}, {why}; a target group serves "
                                f"one load balancer only: delete that listener before moving the group to load balancer "
                                f"{served_by[group]!r}"
                            )
                        foreign_in_the_way = True
                        continue
                    deletes.append(
                        (
                            current,
                            f"delete {label}: target group(s) {', '.join(moving)} move to load balancer(s) "
                            f"{', '.join(sorted({served_by[group] for group in moving}))}",
                        )
                    )
                    continue
                if item is not None and current["ours"] and self.spec["purge"]:
                    deletes.append((current, f"delete {label}: not listed"))
                    continue
                if not self.stray_rules(balancer_name, current, keep, rule_deletes):
                    foreign_in_the_way = True
                survivors.setdefault(balancer_name, []).append(current)

        if foreign_in_the_way:
            return
        rules_after = {}  # (balancer name, port) -> rule results
        rule_ops = []  # (balancer name, current listener, desired listener, plan)
        deleted_rules = {rule["arn"] for rule, _action in rule_deletes}
        conflicts = False
        for balancer_name, current, desired in rule_plans:
            moving = set(
                self.moving_groups(
                    [group for rule in current.get("rules") or [] for group in rule_groups(rule)], balancer_name
                )
            )
            plan = plan_rules(current.get("rules") or [], desired["rules"], self.spec["purge"], moving)
            for item, rule in plan["conflicts"]:
                self.problems.append(
                    f"{item['field']}.priority: {item['priority']} is the priority of "
                    f"{self.rule_label(rule, current['port'], balancer_name)}, which is not listed and stays "
                    "(purge=false); give another priority, or let purge=true delete that rule"
                )
                conflicts = True
            rule_ops.append((balancer_name, current, desired, plan))
        if conflicts:
            return

        # Target groups forwarded once the deletions are done (balancer deletions come later, so
        # their other listeners still count), by default actions and by rules that stay.
        attachments = {}

        def attach(groups, balancer_name):
            for group in groups:
                users = attachments.setdefault(group, {})
                users[balancer_name] = users.get(balancer_name, 0) + 1

        for balancer_name, listeners in survivors.items():
            for current in listeners:
                attach(listener_groups(current), balancer_name)
        for balancer_name, current, _desired, plan in rule_ops:
            for rule, item in plan["matched"]:
                attach(rule_groups(rule), balancer_name)
                if (rule, item) in plan["modify"]:
                    modifications.append(
                        {
                            "kind": "rule",
                            "key": rule["arn"],
                            "load_balancer": balancer_name,
                            "old_groups": rule_groups(rule),
                            "new_group": item["target_group"],
                            "rule": rule,
                            "desired": item,
                            "port": current["port"],
                            # modified after SetRulePriorities: named with its priority by then
                            "label": self.rule_label(
                                dict(rule, priority=item["priority"]), current["port"], balancer_name
                            ),
                        }
                    )
            for rule in plan["left"]:
                attach(rule_groups(rule), balancer_name)
        for balancer_name, listeners in survivors.items():
            for current in listeners:
                if any(current is planned_listener for _name, planned_listener, _d, _p in rule_ops):
                    continue
                for rule in current.get("rules") or []:
                    if rule["arn"] not in deleted_rules:
                        attach(rule_groups(rule), balancer_name)
        for modification in modifications:
            if modification["kind"] == "listener":
                attach(modification["old_groups"], modification["load_balancer"])
                if modification["current"].get("rules") is not None and modification["desired"]["rules"] is None:
                    for rule in modification["current"]["rules"]:
                        if rule["arn"] not in deleted_rules:
                            attach(rule_groups(rule), modification["load_balancer"])
        ordered, broken = order_listener_modifications(modifications, attachments)
        broken_listeners = {item["key"] for item in broken if item["kind"] == "listener"}

        for current, action in deletes:
            self.op("delete_listener", action, arn=current["arn"])
        for modification in broken:
            if modification["kind"] == "listener":
                self.op(
                    "delete_listener",
                    f"delete {modification['label']}: it is created again after the other listener changes (two load "
                    "balancers swap target groups)",
                    arn=modification["key"],
                )
                creates.append((modification["load_balancer"], modification["desired"]))
        for rule, action in rule_deletes:
            self.op("delete_rule", action, arn=rule["arn"])

        for balancer_name, current, desired, plan in rule_ops:
            port = current["port"]
            if current["arn"] in broken_listeners:
                continue  # its rules go with it and are created again with it
            for rule, reason in plan["delete"]:
                why = (
                    "not listed"
                    if reason == "not listed"
                    else (
                        f"target group(s) {', '.join(self.moving_groups(rule_groups(rule), balancer_name))} move to another "
                        "load balancer"
                    )
                )
                self.op("delete_rule", f"delete {self.rule_label(rule, port, balancer_name)}: {why}", arn=rule["arn"])
            for modification in broken:
                if modification["kind"] == "rule" and modification["rule"] in [rule for rule, _item in plan["matched"]]:
                    self.op(
                        "delete_rule",
                        f"delete {modification['label']}: it is created again after the other changes (two load "
                        "balancers swap target groups)",
                        arn=modification["key"],
                    )
            broken_rules = {item["key"] for item in broken if item["kind"] == "rule"}
            moves = [(rule, priority) for rule, priority in plan["priorities"] if rule["arn"] not in broken_rules]
            if moves:
                text = ", ".join(
                    f"{rule['priority']} ({', '.join(rule['path_patterns'])}) -> {priority}" for rule, priority in moves
                )
                self.op(
                    "set_rule_priorities",
                    f"set the priorities of rules of listener {port} of load balancer {balancer_name}: {text}",
                    priorities=[(rule["arn"], priority) for rule, priority in moves],
                )
            after = [rule_result(rule) for rule in plan["left"]]
            for rule, item in plan["matched"]:
                if rule["arn"] in broken_rules:
                    continue
                after.append(desired_rule_result(item, rule["arn"], self.group_arn(item["target_group"])))
            for item in plan["create"] + [
                modification["desired"]
                for modification in broken
                if modification["kind"] == "rule"
                and modification["key"] in {rule["arn"] for rule, _i in plan["matched"]}
            ]:
                after.append(self.create_rule_op(balancer_name, port, item))
            rules_after[(balancer_name, port)] = after

        for modification in ordered:
            if modification["kind"] == "rule":
                if modification["port"] is not None and any(
                    broken_item["kind"] == "listener"
                    and broken_item["load_balancer"] == modification["load_balancer"]
                    and broken_item["current"]["port"] == modification["port"]
                    for broken_item in broken
                ):
                    continue
                item = modification["desired"]
                self.op(
                    "modify_listener",
                    f"modify {modification['label']}: forward to {item['target_group']}",
                    kind="modify_rule",
                    arn=modification["key"],
                    group=item["target_group"],
                )
                continue
            current, desired = modification["current"], modification["desired"]
            result = {
                "port": current["port"],
                "protocol": desired["protocol"],
                "arn": current["arn"],
                "target_group": desired["target_group"],
                "default_action": desired_default_action(desired),
                "rules": listener_result(current)["rules"],
            }
            params = {"Protocol": desired["protocol"]} if desired["protocol"] != current["protocol"] else {}
            if desired["certificate_arn"] is not None:
                params["Certificates"] = [{"CertificateArn": desired["certificate_arn"]}]
            if desired["ssl_policy"] is not None:
                params["SslPolicy"] = desired["ssl_policy"]
            forward = desired["target_group"] if desired["target_group"] is not None else "fixed-response 404"
            self.op(
                "modify_listener",
                f"modify {modification['label']}: forward {listener_text(desired['protocol'], forward)}",
                arn=current["arn"],
                balancer=modification["load_balancer"],
                group=desired["target_group"],
                params=params,
                result=result,
            )
            self.listener_tags(modification["load_balancer"], current)
            self.listeners_after.setdefault(modification["load_balancer"], []).append(result)

        for balancer_name, item in planned.items():
            existing = {listener["port"] for listener in (item["current"] or {}).get("listeners") or []}
            for desired in item["spec"]["listeners"]:
                if desired["port"] not in existing:
                    creates.append((balancer_name, desired))
        for balancer_name, desired in creates:
            result = {
                "port": desired["port"],
                "protocol": desired["protocol"],
                "arn": None,
                "target_group": desired["target_group"],
                "default_action": desired_default_action(desired),
                "rules": None,
            }
            params = {"Protocol": desired["protocol"], "Port": desired["port"]}
            if desired["certificate_arn"] is not None:
                params["Certificates"] = [{"CertificateArn": desired["certificate_arn"]}]
            if desired["ssl_policy"] is not None:
                params["SslPolicy"] = desired["ssl_policy"]
            params["Tags"] = [{"Key": key, "Value": value} for key, value in sorted(self.spec["listener_tags"].items())]
            forward = desired["target_group"] if desired["target_group"] is not None else "fixed-response 404"
            self.op(
                "create_listener",
                f"create listener {desired['port']} ({listener_text(desired['protocol'], forward)}) on "
                f"load balancer {balancer_name}",
                balancer=balancer_name,
                port=desired["port"],
                group=desired["target_group"],
                params=params,
                result=result,
            )
            if desired["rules"] is not None:
                rules_after[(balancer_name, desired["port"])] = [
                    self.create_rule_op(balancer_name, desired["port"], rule) for rule in desired["rules"]
                ]
            self.listeners_after.setdefault(balancer_name, []).append(result)

        for balancer_name, listeners in survivors.items():
            for current in listeners:
                if balancer_name in planned:
                    self.listener_tags(balancer_name, current)
                result = listener_result(current)
                if result["rules"] is not None:
                    result["rules"] = [rule for rule in result["rules"] if rule["arn"] not in deleted_rules]
                self.listeners_after.setdefault(balancer_name, []).append(result)
        for balancer_name, listeners in self.listeners_after.items():
            for result in listeners:
                rules = rules_after.get((balancer_name, result["port"]))
                if rules is not None:
                    result["rules"] = sorted(rules, key=lambda rule: rule["priority"])
                elif result["rules"] is not None and deleted_rules:
                    result["rules"] = [rule for rule in result["rules"] if rule["arn"] not in deleted_rules]
        for balancer_name in deleted_names:
            self.listeners_after.pop(balancer_name, None)

    def stray_rules(self, balancer_name, current, keep, rule_deletes):
        """Rules (read because a group moves) of a listener that stays and whose rules are not listed:
        those that forward a group bound for another load balancer are deleted. False when one of
        them cannot be (a listener that is not ours, or of a load balancer in keep): a problem."""
        fine = True
        for rule in current.get("rules") or []:
            moving = self.moving_groups(rule_groups(rule), balancer_name)
            if not moving:
                continue
            label = self.rule_label(rule, current["port"], balancer_name)
            if not current["ours"] or balancer_name in keep:
                why = (
                    f"whose listener is not managed by gateway {self.gateway!r}"
                    if not current["ours"]
                    else "whose load balancer is listed in keep"
                )
                for group in moving:
                    field = next(entry["field"] for entry in self.spec["target_groups"] if entry["name"] == group)
                    self.problems.append(
                        f"{field}: target group {group!r} is forwarded by {label}, {why}; a target group serves one "
                        f"load balancer only: delete that rule before moving the group to load balancer "
                        f"{self.spec['served_by'][group]!r}"
                    )
                fine = False
                continue
            targets = ", ".join(sorted({self.spec["served_by"][group] for group in moving}))
            rule_deletes.append(
                (rule, f"delete {label}: target group(s) {', '.join(moving)} move to load balancer(s) {targets}")
            )
        return fine

    def create_rule_op(self, balancer_name, port, item):
        """Plan CreateRule for a listed rule; returns its predicted result."""
        result = desired_rule_result(item, None, self.group_arn(item["target_group"]))
        self.op(
            "create_rule",
            f"create rule {item['priority']} ({rule_text(item)}) on listener {port} of load balancer {balancer_name}",
            balancer=balancer_name,
            port=port,
            group=item["target_group"],
            params={
                "Priority": item["priority"],
                "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": list(item["path_patterns"])}}],
                "Tags": [{"Key": key, "Value": value} for key, value in sorted(self.spec["listener_tags"].items())],
            },
            result=result,
        )
        return result

    def listener_tags(self, balancer_name, current):
        if not current["ours"]:
            return
        label = f"listener {current['port']} of load balancer {balancer_name}"
        self.plan_tags("tag_listener", label, current.get("tags"), self.spec["listener_tags"], arn=current["arn"])

    def plan_tags(self, kind, label, current, desired, **where):
        """Plan the tag changes of one resource (``kind`` tag_group, tag_balancer or tag_listener) and
        return its tags after them, or None when nothing changes."""
        to_set, to_remove = tag_differences(current, desired, self.spec["purge_tags"])
        if not to_set and not to_remove:
            return None
        resource = {"tag_group": "target group", "tag_balancer": "load balancer", "tag_listener": "listener"}[kind]
        self.op(
            kind,
            f"tag {label}: {tag_text(to_set, to_remove)}",
            resource=resource,
            to_set=to_set,
            to_remove=to_remove,
            **where,
        )
        return apply_tag_differences(current, to_set, to_remove)

    # -- deletions ---------------------------------------------------------------------------

    def plan_balancer_deletions(self):
        deleted, kept = balancers_to_delete(self.spec, self.snap)
        for name in kept:
            balancer = self.snap["balancers"][name]
            links = [link_summary(link, self.gateway) for link in link_users(self.snap.get("links"), balancer["arn"])]
            names = ", ".join(f"{link['id']} ({link['name']})" for link in links)
            self.kept.append(
                {
                    "resource": "load_balancer",
                    "name": name,
                    "arn": balancer["arn"],
                    "vpc_links": links,
                    "reason": f"REST API VPC link(s) {names} target it; delete the link(s), then run again to delete it",
                }
            )
        for name in deleted:
            balancer = self.snap["balancers"][name]
            listeners = balancer.get("listeners")
            detail = ""
            if listeners:
                detail = " with listener(s) " + ", ".join(
                    f"{item['port']} ({listener_text(item['protocol'], current_default_text(item))})"
                    for item in sorted(listeners, key=lambda item: item["port"])
                )
            reason = "not listed" if self.spec["state"] == "present" else "state=absent"
            self.op("delete_balancer", f"delete load balancer {name}{detail}: {reason}", name=name, arn=balancer["arn"])
        return deleted

    def plan_group_deletions(self, deleted_balancers):
        spec = self.spec
        if spec["state"] == "present" and not spec["purge"]:
            return
        listed = {item["name"] for item in spec["target_groups"]} if spec["state"] == "present" else set()
        by_arn = {balancer["arn"]: name for name, balancer in self.snap["balancers"].items()}
        kept_balancers = {item["name"] for item in self.kept if item["resource"] == "load_balancer"}
        keep = set(spec["keep"])

        def forwards(group, name):
            return group == name or (isinstance(group, list) and name in group)

        for name, group in sorted(self.snap["groups"].items()):
            if not group["ours"] or not in_scope(group, self.vpc_id) or name in listed or name in keep:
                continue
            holders = []
            # the load balancers AWS names first, then any other one read (a rule or listener it does not report)
            names = [by_arn[arn] for arn in group["load_balancer_arns"] if arn in by_arn]
            names += sorted(set(self.listeners_after) - set(names))
            for balancer_name in names:
                if balancer_name in deleted_balancers:
                    continue
                if balancer_name in kept_balancers and self.snap["balancers"][balancer_name].get("listeners") is None:
                    holders.append(f"load balancer {balancer_name} (kept)")
                    continue
                for listener in self.listeners_after.get(balancer_name, []):
                    if forwards(listener["target_group"], name):
                        holders.append(f"listener {listener['port']} of load balancer {balancer_name}")
                    for rule in listener.get("rules") or []:
                        if forwards(rule["target_group"], name):
                            holders.append(
                                f"rule {rule['priority']} of listener {listener['port']} of load balancer {balancer_name}"
                            )
            if holders:
                reason = f"forwarded by {', '.join(holders)}, which stay(s)"
                self.kept.append(
                    {"resource": "target_group", "name": name, "arn": group["arn"], "vpc_links": [], "reason": reason}
                )
                self.warnings.append(f"target group {name!r} is not deleted: {reason}")
                continue
            reason = "not listed" if spec["state"] == "present" else "state=absent"
            self.op("delete_group", f"delete target group {name}: {reason}", name=name, arn=group["arn"])

    # -- after -------------------------------------------------------------------------------

    def finish_after(self, groups, balancers, deleted_balancers):
        for item in balancers:
            if item is None:
                continue
            name = item["spec"]["name"]
            result = item["result"]
            result["listeners"] = sorted(self.listeners_after.get(name, []), key=lambda entry: entry["port"])
        # after = before, minus what goes, plus / updated by what is listed
        after_balancers = {
            name: view for name, view in self.before["load_balancers"].items() if name not in deleted_balancers
        }
        for name, view in list(after_balancers.items()):
            described = self.snap["balancers"].get(name, {}).get("listeners") is not None
            if described and name not in self.balancer_results:
                view = dict(view)
                fresh = balancer_view(view, self.listeners_after.get(name, []))
                view["listeners"] = fresh["listeners"]
                view.pop("rules", None)
                if "rules" in fresh:
                    view["rules"] = fresh["rules"]
                after_balancers[name] = view
        for name, result in self.balancer_results.items():
            after_balancers[name] = balancer_view(result, result["listeners"])
        deleted_groups = {entry["name"] for entry in self.ops["delete_group"]}
        after_groups = {name: view for name, view in self.before["target_groups"].items() if name not in deleted_groups}
        for name, result in self.group_results.items():
            after_groups[name] = group_view(result)
        self.after = {
            "load_balancers": dict(sorted(after_balancers.items())),
            "target_groups": dict(sorted(after_groups.items())),
        }

    # -- state=absent ------------------------------------------------------------------------

    def plan_absent(self):
        self.record_before()
        self.record_keep()
        for name, balancer in sorted(self.snap["balancers"].items()):
            if not (balancer["ours"] and in_scope(balancer, self.vpc_id)) or name in self.spec["keep"]:
                continue
            for link in link_users(self.snap.get("links"), balancer["arn"]):
                summary = link_summary(link, self.gateway)
                self.problems.append(
                    f"load balancer {name!r} is the target of REST API VPC link {summary['id']} ({summary['name']}, "
                    f"{'ours' if summary['ours'] else 'not managed by this gateway'}); delete the VPC link first"
                )
        if self.problems:
            return self
        self.listeners_after = {
            name: [listener_result(item) for item in balancer["listeners"]]
            for name, balancer in self.snap["balancers"].items()
            if balancer.get("listeners") is not None
        }
        deleted = self.plan_balancer_deletions()
        self.plan_group_deletions(deleted)
        deleted_groups = {entry["name"] for entry in self.ops["delete_group"]}
        self.after = {
            "load_balancers": {
                name: view for name, view in self.before["load_balancers"].items() if name not in deleted
            },
            "target_groups": {
                name: view for name, view in self.before["target_groups"].items() if name not in deleted_groups
            },
        }
        return self


# ---------------------------------------------------------------------------------------------
# Module: reading, applying
# ---------------------------------------------------------------------------------------------


def normalise_link(raw):
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "status": raw.get("status"),
        "target_arns": list(raw.get("targetArns") or []),
        "tags": dict(raw.get("tags") or {}),
    }


def security_group_names(spec):
    """Names of security groups the listed load balancers give (resolved in one call), sorted."""
    return sorted(
        {
            entry["name"]
            for balancer in spec["load_balancers"]
            for entry in balancer.get("security_groups") or []
            if "name" in entry
        }
    )


def needs_subnets(spec, snap):
    """DescribeSubnets is needed when a listed load balancer is created or misses a listed subnet."""
    if spec["state"] != "present" or not spec["subnet_ids"]:
        return False
    for balancer in spec["load_balancers"]:
        current = snap["balancers"].get(balancer["name"])
        if current is None or any(subnet_id not in current["subnet_ids"] for subnet_id in spec["subnet_ids"]):
            return True
    return False


class Reconciler:
    """Reads what the plan needs (few calls), then applies the planned operations in order."""

    def __init__(self, module, spec):
        self.module = module
        self.spec = spec
        self.elbv2 = module.client("elbv2")
        self.ec2 = module.client("ec2") if spec["state"] == "present" else None
        self.done = []
        self.arns = {"target group": {}, "load balancer": {}, "listener": {}}
        self.raw_links = []
        self._apigateway = None

    def apigateway(self):
        if self._apigateway is None:
            self._apigateway = self.module.client("apigateway")
        return self._apigateway

    def our_links(self):
        """Our REST (v1) VPC links as vpc_link_info returns them (read once by ``read``)."""
        return [
            normalise_vpc_link(raw, "v1", vpc_link_arn(self.apigateway(), raw.get("id")))
            for raw in self.raw_links
            if is_ours(raw.get("tags"), self.spec["gateway"])
        ]

    # -- reading -----------------------------------------------------------------------------

    def read(self):
        spec = self.spec
        vpc_id = spec["vpc_id"]
        snap = {"cidrs": [], "balancers": {}, "groups": {}, "subnets": None, "links": None, "security_groups": None}
        if spec["state"] == "present":
            if spec.get("vpc_cidrs"):
                # Read by the caller just before (vpc_target_subnets): no second DescribeVpcs.
                snap["cidrs"] = list(spec["vpc_cidrs"])
            else:
                vpcs = describe_vpcs(self.ec2, [vpc_id])
                if not vpcs:
                    self.module.fail_json(msg=f"vpc_id: VPC {vpc_id} not found in this account and region")
                snap["cidrs"] = vpc_cidrs(vpcs[0])
            names = security_group_names(spec)
            if names:
                snap["security_groups"] = {
                    group["GroupName"]: group["GroupId"]
                    for group in describe_security_groups_by_name(self.ec2, vpc_id, names)
                }
        for raw in describe_load_balancers(self.elbv2):
            balancer = normalise_load_balancer(raw)
            balancer.update(tags=None, ours=False, listeners=None, attributes=None)
            snap["balancers"][balancer["name"]] = balancer
        for raw in describe_all_target_groups(self.elbv2):
            group = normalise_target_group(raw)
            group.update(tags=None, ours=False, targets=None)
            snap["groups"][group["name"]] = group

        listed_balancers = {item["name"]: item for item in spec["load_balancers"]}
        listed_groups = {item["name"] for item in spec["target_groups"]}
        for name, item in listed_balancers.items():
            balancer = snap["balancers"].get(name)
            if balancer is not None and in_scope(balancer, vpc_id) and balancer["type"] == item["type"]:
                balancer["listeners"] = [
                    normalise_listener(raw) for raw in describe_listeners(self.elbv2, balancer["arn"])
                ]
                if LB_TYPES[item["type"]]["manages_cross_zone"]:
                    balancer["attributes"] = describe_load_balancer_attributes(self.elbv2, balancer["arn"]) or {}
                else:
                    balancer["attributes"] = {}
        arns = [
            balancer["arn"]
            for name, balancer in snap["balancers"].items()
            if in_scope(balancer, vpc_id) or name in listed_balancers
        ]
        arns += [
            group["arn"] for name, group in snap["groups"].items() if in_scope(group, vpc_id) or name in listed_groups
        ]
        arns += [listener["arn"] for balancer in snap["balancers"].values() for listener in balancer["listeners"] or []]
        tags = tags_by_arn(self.elbv2, arns) if arns else {}
        for balancer in snap["balancers"].values():
            if balancer["arn"] in tags:
                balancer["tags"] = tags[balancer["arn"]]
                balancer["ours"] = is_ours(balancer["tags"], spec["gateway"])
            self.mark_listeners(balancer, tags)
        for group in snap["groups"].values():
            if group["arn"] in tags:
                group["tags"] = tags[group["arn"]]
                group["ours"] = is_ours(group["tags"], spec["gateway"])

        if spec.get("vpc_links"):
            self.raw_links = get_v1_vpc_links(self.apigateway())
            snap["links"] = [normalise_link(raw) for raw in self.raw_links]
        deleted, _kept = balancers_to_delete(spec, snap)
        if deleted and snap["links"] is None:
            snap["links"] = [normalise_link(raw) for raw in get_v1_vpc_links(self.apigateway())]
            deleted, _kept = balancers_to_delete(spec, snap)
        extra = listener_sources(spec, snap, deleted)
        for name in extra:
            balancer = snap["balancers"][name]
            balancer["listeners"] = [normalise_listener(raw) for raw in describe_listeners(self.elbv2, balancer["arn"])]
        extra_arns = [listener["arn"] for name in extra for listener in snap["balancers"][name]["listeners"]]
        if extra_arns:
            extra_tags = tags_by_arn(self.elbv2, extra_arns)
            for name in extra:
                self.mark_listeners(snap["balancers"][name], extra_tags)
        for name, item in listed_balancers.items():
            balancer = snap["balancers"].get(name)
            if balancer is None or balancer.get("listeners") is None or not balancer["ours"]:
                continue
            ports = {listener["port"] for listener in item["listeners"] if listener["rules"] is not None}
            for listener in balancer["listeners"]:
                if listener["port"] in ports and listener["ours"]:
                    self.read_rules(listener)
        for _name, listener in rule_sources(spec, snap, deleted):
            self.read_rules(listener)

        for item in spec["target_groups"]:
            group = snap["groups"].get(item["name"])
            if group is not None and group["ours"] and in_scope(group, vpc_id):
                group["targets"] = targets_from_health(describe_target_health(self.elbv2, group["arn"]) or [])
                group["targets_read_at"] = time.time()
        if needs_subnets(spec, snap):
            # The subnets whose zone the caller gave (it has just read or made them in vpc_id) are not read.
            snap["subnets"] = {
                subnet_id: {"vpc_id": spec["vpc_id"], "availability_zone": zone}
                for subnet_id, zone in spec["subnet_zones"].items()
            }
            unread = [subnet_id for subnet_id in spec["subnet_ids"] if subnet_id not in spec["subnet_zones"]]
            if unread:
                snap["subnets"].update(
                    {
                        subnet["SubnetId"]: {
                            "vpc_id": subnet.get("VpcId"),
                            "availability_zone": subnet.get("AvailabilityZone"),
                        }
                        for subnet in describe_subnets(self.ec2, unread)
                    }
                )
        return snap

    def read_rules(self, listener):
        """The rules of a listener, the default rule left out (one DescribeRules, pages of 400)."""
        if listener.get("rules") is None:
            rules = [normalise_rule(raw) for raw in describe_rules(self.elbv2, listener["arn"])]
            listener["rules"] = [rule for rule in rules if not rule["is_default"]]

    def mark_listeners(self, balancer, tags):
        for listener in balancer["listeners"] or []:
            if listener["arn"] in tags or "tags" not in listener:
                listener["tags"] = tags.get(listener["arn"], listener.get("tags") or {})
            listener["ours"] = listener_is_ours(listener["tags"], balancer["ours"], self.spec["gateway"])

    # -- applying ----------------------------------------------------------------------------

    def apply(self, ops, snap):
        for name, balancer in snap["balancers"].items():
            self.arns["load balancer"][name] = balancer["arn"]
            for listener in balancer.get("listeners") or []:
                self.arns["listener"][(name, listener["port"])] = listener["arn"]
        for name, group in snap["groups"].items():
            self.arns["target group"][name] = group["arn"]
        for entry in ops:
            getattr(self, "do_" + entry["kind"])(entry)
            self.done.append(entry["action"])

    def do_create_group(self, entry):
        group = normalise_target_group(create_target_group(self.elbv2, entry["params"]))
        self.arns["target group"][entry["name"]] = group["arn"]
        entry["result"]["arn"] = group["arn"]
        entry["result"]["health_check"] = group["health_check"]

    def do_modify_group(self, entry):
        modify_target_group(self.elbv2, self.arns["target group"][entry["name"]], entry["params"])

    def _tag(self, arn, entry):
        if entry["to_set"]:
            add_tags(self.elbv2, arn, entry["to_set"])
        if entry["to_remove"]:
            remove_tags(self.elbv2, arn, entry["to_remove"])

    def do_tag_group(self, entry):
        self._tag(self.arns["target group"][entry["name"]], entry)

    def do_tag_balancer(self, entry):
        self._tag(self.arns["load balancer"][entry["name"]], entry)

    def do_tag_listener(self, entry):
        self._tag(entry["arn"], entry)

    def do_register(self, entry):
        register_targets(
            self.elbv2,
            self.arns["target group"][entry["name"]],
            [target_description(item) for item in entry["targets"]],
        )

    def do_deregister(self, entry):
        deregister_targets(
            self.elbv2,
            self.arns["target group"][entry["name"]],
            [target_description(item) for item in entry["targets"]],
        )

    def do_create_balancer(self, entry):
        balancer = normalise_load_balancer(create_load_balancer(self.elbv2, entry["params"]))
        self.arns["load balancer"][entry["name"]] = balancer["arn"]
        entry["result"].update(
            arn=balancer["arn"],
            dns_name=balancer["dns_name"],
            state=balancer["state"],
            subnet_ids=balancer["subnet_ids"],
        )
        if entry["params"].get("Type") == "application":
            entry["result"]["security_group_ids"] = balancer["security_group_ids"]

    def do_set_security_groups(self, entry):
        set_security_groups(self.elbv2, self.arns["load balancer"][entry["name"]], entry["group_ids"])

    def do_set_subnets(self, entry):
        set_subnets(self.elbv2, self.arns["load balancer"][entry["name"]], entry["subnet_ids"])

    def do_set_attributes(self, entry):
        modify_load_balancer_attributes(self.elbv2, self.arns["load balancer"][entry["name"]], entry["attributes"])

    def do_delete_listener(self, entry):
        delete_listener(self.elbv2, entry["arn"])

    def forward(self, group):
        """Forward to ``group``; None: the fixed 404 of a listener that routes by rules only."""
        if group is None:
            return [
                {
                    "Type": "fixed-response",
                    "FixedResponseConfig": {
                        "StatusCode": FIXED_RESPONSE["status_code"],
                        "ContentType": FIXED_RESPONSE["content_type"],
                        "MessageBody": FIXED_RESPONSE["message_body"],
                    },
                }
            ]
        return [{"Type": "forward", "TargetGroupArn": self.arns["target group"][group]}]

    def do_modify_listener(self, entry):
        params = dict(entry["params"], DefaultActions=self.forward(entry["group"]))
        modify_listener(self.elbv2, entry["arn"], params)

    def do_create_listener(self, entry):
        params = dict(
            entry["params"],
            LoadBalancerArn=self.arns["load balancer"][entry["balancer"]],
            DefaultActions=self.forward(entry["group"]),
        )
        listener = normalise_listener(create_listener(self.elbv2, params))
        entry["result"]["arn"] = listener["arn"]
        self.arns["listener"][(entry["balancer"], entry["port"])] = listener["arn"]

    def do_delete_rule(self, entry):
        delete_rule(self.elbv2, entry["arn"])

    def do_set_rule_priorities(self, entry):
        set_rule_priorities(self.elbv2, entry["priorities"])

    def do_modify_rule(self, entry):
        modify_rule(self.elbv2, entry["arn"], self.forward(entry["group"]))

    def do_create_rule(self, entry):
        params = dict(
            entry["params"],
            ListenerArn=self.arns["listener"][(entry["balancer"], entry["port"])],
            Actions=self.forward(entry["group"]),
        )
        rule = normalise_rule(create_rule(self.elbv2, params))
        entry["result"]["arn"] = rule["arn"]
        entry["result"]["target_group_arn"] = self.arns["target group"][entry["group"]]

    def do_delete_balancer(self, entry):
        delete_load_balancer(self.elbv2, entry["arn"])

    def do_delete_group(self, entry):
        delete_target_group(self.elbv2, entry["arn"])

    # -- after -------------------------------------------------------------------------------

    def fill_rule_groups(self, balancer_results):
        """The ARN of target groups created by this run, in the rules that forward to them."""
        for result in balancer_results:
            for listener in result.get("listeners") or []:
                for rule in listener.get("rules") or []:
                    if rule.get("target_group_arn") is None and isinstance(rule.get("target_group"), str):
                        rule["target_group_arn"] = self.arns["target group"].get(rule["target_group"])

    def refresh_targets(self, group_results):
        for result in group_results:
            if result.get("targets_changed") and result.get("arn"):
                health = targets_from_health(describe_target_health(self.elbv2, result["arn"]) or [])
                result["targets"] = registered_targets(health)
                result["target_health"] = health
                result["target_health_read_at"] = time.time()

    def wait(self, balancer_results):
        waiting = [result for result in balancer_results if result.get("arn") and result.get("state") != "active"]
        if not waiting:
            return []
        arns = [result["arn"] for result in waiting]
        balancers, pending = wait_for_load_balancers(
            lambda: [normalise_load_balancer(raw) for raw in describe_load_balancers(self.elbv2, arns)],
            self.spec["wait_timeout"],
        )
        by_name = {balancer["name"]: balancer for balancer in balancers}
        for result in waiting:
            if result["name"] in by_name:
                result["state"] = by_name[result["name"]]["state"]
                result["dns_name"] = by_name[result["name"]]["dns_name"]
        return pending


def without_gone_links(snap, gone):
    """``snap`` without the VPC links listed in ``gone`` (check mode: an earlier task of the run deletes
    them), so that they hold no load balancer; ``snap`` itself when nothing is listed or no link was read."""
    gone = set(gone or [])
    if not gone or snap.get("links") is None:
        return snap
    return dict(snap, links=[link for link in snap["links"] if link["id"] not in gone])


def deleted_resources(ops):
    """RV(deleted): the load balancers and target groups that ``ops`` delete, by name and ARN."""
    return {
        "load_balancers": [
            {"name": entry["name"], "arn": entry["arn"]} for entry in ops if entry["kind"] == "delete_balancer"
        ],
        "target_groups": [
            {"name": entry["name"], "arn": entry["arn"]} for entry in ops if entry["kind"] == "delete_group"
        ],
    }


def public_group(result):
    return {key: value for key, value in result.items() if key != "targets_changed"}


def ensure(module, spec):
    reconciler = Reconciler(module, spec)
    snap = reconciler.read()
    if module.check_mode:
        snap = without_gone_links(snap, spec.get("check_mode_gone"))
    planner = Planner(dict(spec, check_mode=module.check_mode), snap)
    if spec["state"] == "present":
        planner.plan_present()
    else:
        planner.plan_absent()
    if planner.problems:
        module.fail_json(msg=describe_problems(planner.problems), problems=planner.problems, changed=False, actions=[])
    for warning in planner.warnings:
        module.warn(warning)

    ops = planner.ordered_ops()
    listed_balancers = [planner.balancer_results[item["name"]] for item in spec["load_balancers"]]
    listed_groups = [planner.group_results[item["name"]] for item in spec["target_groups"]]
    result = {
        "changed": bool(ops),
        "kept": planner.kept,
        "actions": [entry["action"] for entry in ops],
        "diff": {"before": planner.before, "after": planner.after},
        "load_balancers": listed_balancers,
        "target_groups": [public_group(item) for item in listed_groups],
        "vpc_links": reconciler.our_links(),
        "deleted": deleted_resources(ops),
    }
    if module.check_mode or not ops:
        if spec["wait"] and not module.check_mode:
            pending = reconciler.wait(listed_balancers)
            fail_on_pending(module, spec, pending, result)
        return result

    try:
        reconciler.apply(ops, snap)
    except (AnsibleELBv2Error, AnsibleVpcLinkError) as error:
        result["actions"] = reconciler.done
        result["changed"] = bool(reconciler.done)
        result.pop("diff")
        result["deleted"] = deleted_resources(ops[: len(reconciler.done)])
        failed = ops[len(reconciler.done)]["action"]
        done = "; ".join(reconciler.done) or "nothing"
        message = f"{error.message} while trying to {failed} (done before: {done})"
        if error.exception:
            module.fail_json_aws(error.exception, msg=message, **result)
        module.fail_json(msg=message, **result)
    reconciler.fill_rule_groups(listed_balancers)
    reconciler.refresh_targets(listed_groups)
    result["target_groups"] = [public_group(item) for item in listed_groups]
    if spec["wait"]:
        pending = reconciler.wait(listed_balancers)
        fail_on_pending(module, spec, pending, result)
    return result


def fail_on_pending(module, spec, pending, result):
    if not pending:
        return
    states = ", ".join(f"{name} ({state})" for name, state in pending)
    failed = [name for name, state in pending if state == LB_FAILED]
    if failed:
        message = f"Load balancer(s) {', '.join(failed)} failed to provision: {states}"
    else:
        message = f"Timed out after {spec['wait_timeout']} s waiting for the load balancers to be active: {states}"
    module.fail_json(msg=message, pending=[{"name": name, "state": state} for name, state in pending], **result)


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        gateway=dict(type="str", required=True),
        vpc_id=dict(type="str"),
        vpc_cidrs=dict(type="list", elements="str"),
        subnet_ids=dict(type="list", elements="str"),
        subnet_zones=dict(type="dict"),
        load_balancers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                type=dict(type="str", default="network", choices=list(LB_TYPES)),
                scheme=dict(type="str", default="internal", choices=["internal", "internet-facing"]),
                cross_zone=dict(type="bool", default=True),
                security_groups=dict(type="list", elements="str"),
                tags=dict(type="dict"),
                listeners=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(
                        port=dict(type="int", required=True),
                        protocol=dict(type="str", choices=list(LISTENER_PROTOCOLS)),
                        target_group=dict(type="str"),
                        certificate_arn=dict(type="str"),
                        ssl_policy=dict(type="str"),
                        rules=dict(
                            type="list",
                            elements="dict",
                            options=dict(
                                priority=dict(type="int", required=True),
                                path_patterns=dict(type="list", elements="str", required=True),
                                target_group=dict(type="str", required=True),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        target_groups=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                protocol=dict(type="str", default="TCP", choices=list(GROUP_PROTOCOLS)),
                port=dict(type="int", required=True),
                health_check=dict(
                    type="dict",
                    apply_defaults=True,
                    options=dict(
                        protocol=dict(type="str", choices=list(HEALTH_CHECK_PROTOCOLS)),
                        port=dict(type="str", default=TRAFFIC_PORT),
                        interval=dict(type="int", default=30),
                        healthy_threshold=dict(type="int", default=3),
                        unhealthy_threshold=dict(type="int", default=3),
                        timeout=dict(type="int"),
                        path=dict(type="str"),
                        matcher=dict(type="str"),
                    ),
                ),
                targets=dict(
                    type="list",
                    elements="dict",
                    options=dict(
                        ip=dict(type="str", required=True),
                        port=dict(type="int"),
                        availability_zone=dict(type="str"),
                    ),
                ),
                tags=dict(type="dict"),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=False),
        purge=dict(type="bool", default=True),
        keep=dict(type="list", elements="str", default=[]),
        check_mode_gone=dict(type="list", elements="str", default=[]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        vpc_links=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["vpc_id"]]],
        supports_check_mode=True,
    )
    try:
        spec = validate_params(module.params)
    except InputProblems as error:
        module.fail_json(msg=str(error), problems=error.problems)
    try:
        result = ensure(module, spec)
    except (AnsibleELBv2Error, AnsibleVpcLinkError) as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
