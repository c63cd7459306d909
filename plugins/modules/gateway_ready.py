#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: gateway_ready
version_added: 0.2.0
short_description: Wait until a gateway's load balancers, VPC links and target groups are ready
description:
  - Waits, in one task, for every load balancer, API Gateway VPC link and target group of an account
    to be ready, so that a converge can create them all without waiting (AWS needs minutes to
    provision a load balancer or a VPC link) and wait for them together before the REST API points
    at them.
  - Read-only; it never changes anything and always returns RV(ignore:changed=false).
  - A load balancer is ready when its state is V(active); V(provisioning) and V(active_impaired)
    are pending; V(failed), or a load balancer that does not exist, is a failure.
  - A VPC link is ready when its status is V(AVAILABLE) (or V(INACTIVE), which a V(v2) link turns
    into after 60 days without traffic and leaves on its own when used); V(PENDING) is pending;
    V(FAILED) is a failure that reports the link's C(statusMessage); V(DELETING), or a link that
    does not exist, is a failure.
  - A target group must exist; with O(targets=registered) it must hold at least one target that is
    not V(draining), with O(targets=healthy) every such target must be V(healthy). Targets in state
    V(draining) were deregistered and are not waited for.
  - A failure ends the wait at once and the module fails naming every failed resource, so a
    broken VPC link does not cost the whole O(wait_timeout).
  - "Every option is checked before the first AWS call; an error names the field, for example
    C(load_balancer_arns[1]: 'payments' is not a load balancer ARN), followed by the expected form."
  - "The module comes with an action plugin of the same name, which runs the module with
    O(wait_timeout=0) every O(poll_interval) seconds on the controller and prints a progress line
    every O(progress_interval) seconds, for example
    C([shared-services] waiting 35 s / 900 s: load balancer open-banking provisioning; 3/4 ready),
    where a VPC link appears with its name, id and status.
    Credentials and region from C(module_defaults) reach every run of the module. Run without the
    action plugin, the module polls by itself and prints nothing until it returns."
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  load_balancer_arns:
    description:
      - ARNs of Network or Application Load Balancers to wait for until they are V(active).
      - Duplicates are ignored.
    type: list
    elements: str
    default: []
  vpc_link_ids:
    description:
      - Ids of API Gateway VPC links to wait for until they are V(AVAILABLE).
      - A link is looked up as a REST API (V(v1)) link with the C(apigateway) API. When that API
        does not know the id and O(vpc_link_versions) does not name its version, it is looked up
        as a V(v2) link with the C(apigatewayv2) API, which costs one more call per poll; give the
        version of V(v2) links in O(vpc_link_versions) to save it.
      - Duplicates are ignored.
    type: list
    elements: str
    default: []
  vpc_link_versions:
    description:
      - The version of some or all links of O(vpc_link_ids), a dictionary of id to V(v1) (REST API
        VPC link, C(apigateway) API) or V(v2) (C(apigatewayv2) API).
      - A link listed here is looked up with that API only. Every key must be in O(vpc_link_ids).
    type: dict
    default: {}
  target_group_arns:
    description:
      - ARNs of target groups that must exist and, depending on O(targets), hold registered or
        healthy targets.
      - Duplicates are ignored.
    type: list
    elements: str
    default: []
  targets:
    description:
      - What the targets of every group of O(target_group_arns) must be.
      - V(none) only checks that the groups exist (one C(DescribeTargetGroups) call per poll).
      - V(registered) waits until each group holds at least one target that is not V(draining).
      - V(healthy) waits until each group holds at least one target that is not V(draining) and
        every such target is V(healthy). Targets of a group that no listener uses stay V(unused)
        and never become V(healthy).
      - V(registered) and V(healthy) cost one C(DescribeTargetHealth) call per group and poll.
    type: str
    choices: [none, registered, healthy]
    default: none
  wait_timeout:
    description:
      - How many seconds to wait at most. On timeout the task fails naming every resource that is
        not ready, with its status.
      - V(0) checks once and returns RV(ready=false) with RV(pending) instead of failing; failed and
        missing resources still fail the task.
    type: int
    default: 900
  poll_interval:
    description:
      - Seconds between two checks.
    type: int
    default: 5
  progress_interval:
    description:
      - The action plugin prints a progress line at each multiple of this many seconds of the wait
        (30 s, 60 s, ... by default), naming what the last check found pending, also between two
        checks when O(poll_interval) is longer. A line that falls due while a check runs comes when
        that check ends.
      - The module checks the value but does not use it otherwise.
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin polls the module and prints progress lines on the controller.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Checks once and never waits; pending, missing and failed resources are reported in RV(pending)
        and RV(failures) without failing, since the same run may be about to create them. The action
        plugin prints a warning for each failure.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
notes:
  - "Permissions needed: C(elasticloadbalancing:DescribeLoadBalancers) (with O(load_balancer_arns)),
    C(apigateway:GET) on C(arn:aws:apigateway:<region>::/vpclinks/*) (with O(vpc_link_ids), both
    versions), C(elasticloadbalancing:DescribeTargetGroups) (with O(target_group_arns) and
    O(targets=none)) and C(elasticloadbalancing:DescribeTargetHealth) (with O(target_group_arns)
    and O(targets=registered) or O(targets=healthy))."
  - "API calls per check: C(DescribeLoadBalancers) once per 20 load balancers (when one of them does
    not exist, once more per load balancer of that batch, to name it), C(GetVpcLink) once per link
    (twice for a V(v2) link missing from O(vpc_link_versions)), C(DescribeTargetGroups) once, or
    C(DescribeTargetHealth) once per target group."
  - The module talks to one account and region; a resource of another account is reported as
    missing. Give each account its own task (one per inventory host) with that account's
    credentials, as in the cross-account example.
seealso:
  - module: multiaccount.apigateway.vpc_link
  - module: multiaccount.apigateway.vpc_link_info
  - module: multiaccount.apigateway.nlb_ip_targets
  - module: community.aws.elb_network_lb
  - module: community.aws.elb_target_group_info
  - name: VPC links for REST APIs
    description: AWS documentation of REST API private integrations and VPC link statuses.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html
"""

EXAMPLES = r"""
- name: Create the NLB without waiting
  community.aws.elb_network_lb:
    name: open-banking
    scheme: internal
    subnets: "{{ gateway_subnet_ids }}"
    state: present
    wait: false
  register: gateway_nlb

- name: Create the REST API VPC link without waiting
  multiaccount.apigateway.vpc_link:
    name: open-banking
    target_arns:
      - "{{ gateway_nlb.load_balancer_arn }}"
    wait: false
  register: gateway_link

- name: Wait for both (and print a progress line every 30 s)
  multiaccount.apigateway.gateway_ready:
    load_balancer_arns:
      - "{{ gateway_nlb.load_balancer_arn }}"
    vpc_link_ids:
      - "{{ gateway_link.vpc_link.id }}"

- name: Wait for a v2 link and for every target of two groups to be healthy, at most 10 minutes
  multiaccount.apigateway.gateway_ready:
    vpc_link_ids: [a1b2c3, d4e5f6]
    vpc_link_versions:
      d4e5f6: v2
    target_group_arns: "{{ gateway_target_groups | map(attribute='target_group_arn') | list }}"
    targets: healthy
    wait_timeout: 600
    poll_interval: 10
    progress_interval: 60

- name: Only look, without waiting
  multiaccount.apigateway.gateway_ready:
    vpc_link_ids: ["{{ gateway_link.vpc_link.id }}"]
    wait_timeout: 0
  register: gateway_state

- name: Say what is still pending
  ansible.builtin.debug:
    msg: "{{ item.kind }} {{ item.name }} is {{ item.status }}"
  loop: "{{ gateway_state.pending }}"

# Cross-account: the load balancers and VPC links live in the shared-services (gateway) account
# 111111111111. The task runs with that account's credentials, obtained once by assuming a role
# there; module_defaults gives them to every run of the module made by the action plugin.
- name: Assume the deployment role of the gateway account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::111111111111:role/apigateway-deployer
    role_session_name: gateway-ready
  register: gateway_role

- name: Work in the gateway account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ gateway_role.sts_creds.access_key }}"
      secret_key: "{{ gateway_role.sts_creds.secret_key }}"
      session_token: "{{ gateway_role.sts_creds.session_token }}"
      region: us-east-1
  block:
    - name: Wait for every NLB and VPC link of the gateway
      multiaccount.apigateway.gateway_ready:
        load_balancer_arns: "{{ shared_gateway_state.load_balancers | map(attribute='arn') | list }}"
        vpc_link_ids: "{{ shared_gateway_state.vpc_links | map(attribute='id') | list }}"
        target_group_arns: "{{ shared_gateway_state.target_groups | map(attribute='arn') | list }}"
        targets: registered
      register: gateway_wait

    - name: Show how long it took
      ansible.builtin.debug:
        msg: "ready after {{ gateway_wait.waited }} s and {{ gateway_wait.polls }} checks"
"""

RETURN = r"""
ready:
  description: Whether every resource is ready (false when something is pending or failed).
  returned: always
  type: bool
  sample: true
pending:
  description:
    - The resources that are not ready yet, in the order of the options (load balancers, VPC links,
      target groups). Empty when RV(ready) is true.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(load_balancer), V(vpc_link) or V(targets) (a target group whose targets are not ready).
      type: str
      sample: vpc_link
    id:
      description: ARN of the load balancer or target group, id of the VPC link.
      type: str
      sample: a1b2c3
    name:
      description: Name of the resource.
      type: str
      sample: open-banking
    status:
      description:
        - State of a load balancer (V(provisioning), V(active_impaired)), status of a VPC link
          (V(PENDING)), or for a target group V(no targets) or C(<ready>/<total> healthy) (or
          C(registered)).
      type: str
      sample: PENDING
    detail:
      description:
        - State reason of a load balancer, C(statusMessage) of a VPC link, or each target that is
          not ready with its state and reason.
      type: str
      sample: VPC link is provisioning ENIs
  sample:
    - kind: vpc_link
      id: a1b2c3
      name: open-banking
      status: PENDING
      detail: VPC link is provisioning ENIs
failures:
  description:
    - The resources that will not become ready (failed, being deleted or missing), in the order of
      the options.
    - The task fails when this list is not empty, except in check mode.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(load_balancer), V(vpc_link) or V(targets) (a target group).
      type: str
      sample: vpc_link
    id:
      description: ARN of the load balancer or target group, id of the VPC link.
      type: str
      sample: d4e5f6
    name:
      description: Name of the resource (null for a VPC link that does not exist).
      type: str
      sample: open-banking-broken
    status:
      description:
        - V(missing) for a resource that does not exist, else the state of the load balancer
          (V(failed)) or the status of the VPC link (V(FAILED), V(DELETING)).
      type: str
      sample: FAILED
    detail:
      description: State reason of the load balancer, C(statusMessage) of the VPC link, or where it was looked for.
      type: str
      sample: NLB ARN is malformed or the load balancer does not exist
  sample:
    - kind: vpc_link
      id: d4e5f6
      name: open-banking-broken
      status: FAILED
      detail: "NLB ARN is malformed or the load balancer does not exist"
load_balancers:
  description: Every load balancer of O(load_balancer_arns), as the last check saw it.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: ARN of the load balancer.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/50dc6c495c0c9188
    name:
      description: Name of the load balancer.
      type: str
      sample: open-banking
    type:
      description: V(network) or V(application); null when the load balancer does not exist.
      type: str
      sample: network
    dns_name:
      description: DNS name of the load balancer; null when it does not exist.
      type: str
      sample: open-banking-50dc6c495c0c9188.elb.us-east-1.amazonaws.com
    state:
      description: V(provisioning), V(active), V(active_impaired) or V(failed); null when the load balancer does not exist.
      type: str
      sample: active
    state_reason:
      description: Reason AWS gives for the state, if any.
      type: str
      sample: null
vpc_links:
  description: Every VPC link of O(vpc_link_ids), as the last check saw it.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the link.
      type: str
      sample: a1b2c3
    name:
      description: Name of the link; null when it does not exist.
      type: str
      sample: open-banking
    version:
      description: V(v1) or V(v2), the API that knows the link; null when it does not exist.
      type: str
      sample: v1
    status:
      description: V(PENDING), V(AVAILABLE), V(FAILED), V(DELETING) or (V(v2)) V(INACTIVE); null when the link does not exist.
      type: str
      sample: AVAILABLE
    status_message:
      description: C(statusMessage) of the link.
      type: str
      sample: Your vpc link is ready for use
target_groups:
  description: Every target group of O(target_group_arns), as the last check saw it.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: ARN of the target group.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/payments-8080/73e2d6bc24d8a067
    name:
      description: Name of the target group (from its ARN).
      type: str
      sample: payments-8080
    targets:
      description:
        - Every target of the group with its health (draining ones included), sorted by IP then
          port; null with O(targets=none), which does not read the targets.
      type: list
      elements: dict
      contains:
        ip:
          description: IP address (or instance id) of the target.
          type: str
          sample: 10.0.1.25
        port:
          description: Port of the target.
          type: int
          sample: 8080
        availability_zone:
          description: Availability zone of the target (V(all) for an IP outside the group's VPC).
          type: str
          sample: all
        health_state:
          description: V(initial), V(healthy), V(unhealthy), V(unhealthy.draining), V(unused), V(draining) or V(unavailable).
          type: str
          sample: healthy
        health_reason:
          description: Reason code when the target is not V(healthy).
          type: str
          sample: Elb.RegistrationInProgress
        health_description:
          description: Text that explains the health state.
          type: str
          sample: Target registration is in progress
waited:
  description: Seconds spent waiting, from the first check to the last one (rounded).
  returned: always
  type: int
  sample: 35
polls:
  description: Number of checks made (each check reads every resource once).
  returned: always
  type: int
  sample: 8
actions:
  description: Always empty, as the module changes nothing; present like in the collection's other modules.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.elbv2 import AnsibleELBv2Error
from ansible_collections.multiaccount.apigateway.plugins.module_utils.readiness import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_PROGRESS_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    TARGETS_CHOICES,
    AnsibleReadinessError,
    assess,
    describe_entries,
    failure_message,
    poll,
    read_load_balancers,
    read_target_groups,
    read_vpc_links,
    ready_message,
    timeout_message,
    validate_params,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.vpc_links import AnsibleVpcLinkError


class Clients:
    """boto3 clients created on first use (a task without VPC links never creates an API Gateway client)."""

    SERVICES = {"v1": "apigateway", "v2": "apigatewayv2"}

    def __init__(self, module):
        self.module = module
        self.cache = {}

    def __call__(self, name):
        name = self.SERVICES.get(name, name)
        if name not in self.cache:
            self.cache[name] = self.module.client(name)
        return self.cache[name]


def check(clients, options):
    """One check of every resource: reads, then the pure verdict."""
    load_balancers = (
        read_load_balancers(clients("elbv2"), options["load_balancer_arns"]) if options["load_balancer_arns"] else {}
    )
    vpc_links = read_vpc_links(clients, options["vpc_link_ids"], options["vpc_link_versions"])
    target_groups = (
        read_target_groups(clients("elbv2"), options["target_group_arns"], options["targets"])
        if options["target_group_arns"]
        else {}
    )
    return assess(load_balancers, vpc_links, target_groups, options)


def run(module, options, check_fn):
    """Check (and wait) as the options and check mode say; returns the module result, failing
    the module when something failed or the wait timed out."""
    if module.check_mode or options["wait_timeout"] == 0:
        assessment, waited, polls = check_fn(), 0, 1
    else:
        assessment, waited, polls = poll(
            check_fn,
            lambda result: result["ready"] or bool(result["failures"]),
            options["wait_timeout"],
            options["poll_interval"],
        )
    result = dict(
        changed=False,
        ready=assessment["ready"],
        pending=assessment["pending"],
        failures=assessment["failures"],
        load_balancers=assessment["load_balancers"],
        vpc_links=assessment["vpc_links"],
        target_groups=assessment["target_groups"],
        waited=int(round(waited)),
        polls=polls,
        actions=[],
    )
    # In check mode failures are reported, not fatal: the same run may be about to (re)create the
    # resources. The action plugin turns them into warnings on the controller (AnsibleAWSModule.warn
    # would add a deprecation notice under ansible-core 2.19 with amazon.aws 10).
    if assessment["failures"] and not module.check_mode:
        module.fail_json(msg=failure_message(assessment["failures"]), **result)
    if assessment["pending"] and options["wait_timeout"] > 0 and not module.check_mode:
        module.fail_json(msg=timeout_message(assessment["pending"], waited, options["wait_timeout"]), **result)
    if assessment["ready"]:
        result["msg"] = ready_message(
            len(result["load_balancers"]) + len(result["vpc_links"]) + len(result["target_groups"])
        )
    else:
        result["msg"] = f"not ready: {describe_entries(assessment['failures'] + assessment['pending'], detail=True)}"
    return result


def main():
    argument_spec = dict(
        load_balancer_arns=dict(type="list", elements="str", default=[]),
        vpc_link_ids=dict(type="list", elements="str", default=[]),
        vpc_link_versions=dict(type="dict", default={}),
        target_group_arns=dict(type="list", elements="str", default=[]),
        targets=dict(type="str", default="none", choices=list(TARGETS_CHOICES)),
        wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
        poll_interval=dict(type="int", default=DEFAULT_POLL_INTERVAL),
        progress_interval=dict(type="int", default=DEFAULT_PROGRESS_INTERVAL),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    try:
        options = validate_params(module.params, module.region)
    except ValueError as error:
        module.fail_json(msg=str(error))

    clients = Clients(module)
    try:
        result = run(module, options, lambda: check(clients, options))
    except (AnsibleReadinessError, AnsibleELBv2Error, AnsibleVpcLinkError) as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
