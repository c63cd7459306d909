#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: preflight
version_added: 0.1.0
short_description: Check the whole multi-account inventory and plan every account, before any AWS change
description:
  - "Checks the variables of every account host of a C(multiaccount.apigateway) inventory at once and
    fails listing B(every) problem, each as C(<host>: <field>: <what is wrong>; <how to fix>), so a
    run stops before the first AWS change instead of half-way through."
  - "Checks the structure: exactly one account of kind V(shared) (the gateway account, group
    C(shared_services)), at least one of kind V(provider) (group C(providers)), the required keys
    of each with the right types."
  - "Checks the values: account ids (12 digits, a quoted string), regions, CIDR blocks (VPC blocks
    from /16 to /28, gateway subnets of at least /27), Availability Zone names (in the account's
    region), ports, API paths, stage and service names (lowercase letters, digits and hyphens, at
    most 20 characters so generated NLB and target group names fit the 32-character limit), VPC ids
    and target IPs."
  - "Checks across accounts: CIDR overlaps between every VPC (the gateway VPC and each provider
    VPC), gateway subnets inside the gateway VPC and not overlapping each other (one per
    Availability Zone), provider subnets inside the provider VPC, two providers adopting the same VPC
    (same id or same tags in one account and region), duplicate service names and API paths
    (compared after removing leading and trailing slashes), listener port collisions on a shared
    NLB, target IPs outside the provider VPC CIDR, a provider in the gateway account (out of
    scope), and two providers in one account (each AWS account is one host)."
  - "Checks that every region is one the controller's botocore knows (every partition), with a
    did-you-mean; without botocore on the controller that check is skipped."
  - "Warns (without failing) when the gateway subnets cover a single Availability Zone, when a
    provider adopts a VPC (C(provider_vpc_id) or C(provider_vpc_tags) in O(accounts[].vars)) without
    C(provider_vpc_cidr)
    (the overlap check of that VPC is then left to the C(multiaccount.apigateway.provider_vpc)
    role), for unknown service or subnet keys, for a provider without services, and when one API
    path is nested under another."
  - "Checks the optional planning keys (tags are mappings, flags booleans, health-check settings
    and the integration timeout in range) and fails on any key that carries one of the
    collection's prefixes (C(provider_vpc_), C(shared_gateway_), C(peering_accept_),
    C(api_publish_), C(verify_), C(account_credentials_), C(preflight_)) but is no variable of the
    collection, naming the closest known key (a typo is never silently ignored)."
  - "Its action plugin also checks the variables only the roles read (waits, the report, the probe,
    the credentials options: not the planning keys above) against the roles' C(meta/argument_specs.yml),
    for every host at once, naming host and variable. The collection's playbooks therefore include
    the roles with C(rolespec_validate: false) instead of validating every role, entry point and host
    in a task of its own. The module run the usual way (no action plugin) does not do this check."
  - "Then plans every account (RV(plan)): the desired state of the gateway account (VPC, subnets,
    route table, load balancers with listeners, target groups with IP targets, VPC links, peering
    requests, API routes) and of each provider account (VPC to adopt or create, service subnets,
    one security group per service, demo instances, the peering to accept, return routes), with
    every derived name, port, tag and default resolved once. The roles of the collection only
    apply their account's part."
  - The module only reads its input and never talks to AWS, so it needs no credentials and always
    returns RV(ignore:changed=false). Its action plugin runs the checks and the planner inside the
    controller's worker process (no module process, no upload). Run it once; the
    C(multiaccount.apigateway.preflight) role does that, builds O(accounts) from the inventory
    and publishes RV(plan) as the fact C(preflight_plan).
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  accounts:
    description:
      - Every account host of the inventory, gateway and providers, with its inventory variables.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description:
          - The inventory host name of the account, used to name the host in every finding.
        type: str
        required: true
      kind:
        description:
          - V(shared) for the gateway account (group C(shared_services)), V(provider) for an account
            that publishes services (group C(providers)).
        type: str
        required: true
        choices: [shared, provider]
      vars:
        description:
          - "The host's variables of the inventory contract. A key that is absent or V(null) counts
            as missing."
          - "Gateway account: C(aws_account_id), C(aws_region) (default V(us-east-1)),
            C(shared_gateway_vpc_cidr), C(shared_gateway_subnets) (list of C({cidr, az})),
            C(shared_gateway_nlb_strategy) (V(shared) or V(dedicated), default V(shared)),
            C(api_publish_name), C(api_publish_stage)."
          - "Provider account: C(aws_account_id), C(aws_region) (default V(us-east-1)),
            C(provider_vpc_cidr) to create a VPC, or C(provider_vpc_id) or C(provider_vpc_tags) to adopt
            one (with C(provider_vpc_cidr) as well, the CIDR checks of the adopted VPC run now),
            optional C(provider_vpc_subnets) (list of C({cidr, az}) inside C(provider_vpc_cidr)),
            C(provider_vpc_services) (list of C({name, port, path, targets}) with an optional
            C(listener_port) that defaults to C(port))."
          - "Optional planning keys of the gateway account: C(shared_gateway_name),
            C(shared_gateway_tags), C(shared_gateway_nlb_cross_zone), C(shared_gateway_private_integration),
            C(shared_gateway_health_check_interval), C(shared_gateway_healthy_threshold),
            C(shared_gateway_unhealthy_threshold), C(api_publish_endpoint_type),
            C(api_publish_description), C(api_publish_tags), C(api_publish_timeout_in_millis); of a
            provider account: C(provider_vpc_name), C(provider_vpc_resource_tags),
            C(provider_vpc_attach_security_groups), C(provider_vpc_demo_instances),
            C(provider_vpc_demo_instance_type), C(provider_vpc_demo_image_id),
            C(provider_vpc_demo_image_name), C(provider_vpc_demo_image_owner),
            C(peering_accept_tag_peering), C(peering_accept_routes). Their defaults are those of the
            roles' C(meta/argument_specs.yml)."
        type: dict
        default: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin runs the checks and the planner in the controller's worker, without a module process.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: The module never changes anything, so check mode runs the same checks.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - The module does not talk to AWS and takes no credentials; it is not part of the
    C(group/multiaccount.apigateway.aws) action group.
seealso:
  - module: multiaccount.apigateway.nlb_ip_targets
  - module: multiaccount.apigateway.rest_api
"""

EXAMPLES = r"""
- name: Check one gateway account and one provider account
  multiaccount.apigateway.preflight:
    accounts:
      - host: shared-services
        kind: shared
        vars:
          aws_account_id: "111111111111"
          shared_gateway_vpc_cidr: 10.100.0.0/16
          shared_gateway_subnets:
            - {cidr: 10.100.1.0/24, az: us-east-1a}
            - {cidr: 10.100.2.0/24, az: us-east-1b}
          shared_gateway_nlb_strategy: shared
          api_publish_name: open-banking
          api_publish_stage: v1
      - host: payments
        kind: provider
        vars:
          aws_account_id: "222222222222"
          provider_vpc_cidr: 10.0.0.0/16
          provider_vpc_services:
            - {name: payments, port: 8080, path: payments, targets: [10.0.1.25]}
  register: preflight

- name: Adopt an existing VPC in a second provider account (its CIDR given, so it is checked now)
  multiaccount.apigateway.preflight:
    accounts:
      - host: shared-services
        kind: shared
        vars:
          aws_account_id: "111111111111"
          shared_gateway_vpc_cidr: 10.100.0.0/16
          shared_gateway_subnets: [{cidr: 10.100.1.0/24, az: us-east-1a}, {cidr: 10.100.2.0/24, az: us-east-1b}]
          api_publish_name: open-banking
          api_publish_stage: v1
      - host: cards
        kind: provider
        vars:
          aws_account_id: "333333333333"
          aws_region: eu-west-1
          provider_vpc_id: vpc-0a1b2c3d4e5f60718
          provider_vpc_cidr: 10.1.0.0/16
          provider_vpc_services:
            - {name: cards, port: 8080, listener_port: 8081, path: cards/v2, targets: [10.1.2.10, 10.1.3.10]}

- name: Use the normalised service list
  ansible.builtin.debug:
    msg: "{{ item.name }}: /{{ item.path }} -> {{ item.targets | join(',') }}:{{ item.port }}"
  loop: "{{ preflight.services }}"

- name: Show the load balancers and listeners the gateway account would get
  ansible.builtin.debug:
    msg: "{{ item.name }}: listeners {{ item.listeners | map(attribute='port') | join(', ') }}"
  loop: "{{ preflight.plan.gateway.load_balancers }}"

- name: Collect the problems without stopping the play
  multiaccount.apigateway.preflight:
    accounts: "{{ my_accounts }}"  # a list of {host, kind, vars} as above
  register: preflight_report
  ignore_errors: true

- name: Show each problem
  ansible.builtin.debug:
    msg: "{{ item.host }}: {{ item.field }}: {{ item.message }}"
  loop: "{{ preflight_report.errors | default([]) }}"
"""

RETURN = r"""
checked:
  description: How much of the inventory was checked.
  returned: always
  type: dict
  contains:
    accounts:
      description: Number of account hosts (gateway and providers).
      type: int
      sample: 3
    services:
      description: Number of services declared by the providers.
      type: int
      sample: 2
    cidrs:
      description: Number of CIDR blocks checked (VPC blocks and gateway subnets).
      type: int
      sample: 5
  sample: {accounts: 3, services: 2, cidrs: 5}
services:
  description:
    - The normalised service list, in inventory order, of the services that passed every check
      (all of them on success).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Service name.
      type: str
      sample: payments
    provider:
      description: Inventory host of the provider account that owns the service.
      type: str
      sample: payments
    port:
      description: Port the service listens on in the provider VPC.
      type: int
      sample: 8080
    listener_port:
      description: NLB listener port of the service (the service port unless C(listener_port) was set).
      type: int
      sample: 8080
    path:
      description: API path without leading or trailing slashes.
      type: str
      sample: payments/v2
    targets:
      description: Target IPv4 addresses of the service.
      type: list
      elements: str
      sample: [10.0.1.25]
    target_group:
      description: Name of the service's target group in the gateway account (on success).
      type: str
      sample: open-banking-payments
    load_balancer:
      description: Name of the load balancer that serves it (on success).
      type: str
      sample: open-banking
    vpc_link:
      description: Name of the VPC link to that load balancer (on success).
      type: str
      sample: open-banking
plan:
  description:
    - The desired state of every account, or null when there are errors.
    - "C(gateway) - the gateway account (C(host), C(name), C(account_id), C(region), C(tags),
      C(ownership_tags), C(vpc), C(subnets), C(subnet_cidrs), C(route_table), C(strategy),
      C(load_balancers) with their C(listeners), C(target_groups) with their C(targets) and
      C(health_check), C(vpc_links), C(peerings), C(api) with its C(routes))."
    - "C(providers) - per provider host, C(account_id), C(region), C(gateway) (what it needs to know
      of the gateway), C(vpc) (C(mode) adopt or create, C(id), C(filters), C(cidr), C(name),
      C(tags)), C(subnets), C(targets), C(security_groups) (with C(rules) and C(targets)),
      C(attach_security_groups), C(demo), C(peering), C(return_routes), C(services),
      C(verify_targets)."
    - "C(accounts) - per host, C(kind), C(account_id), C(region) and C(aws_checks), what
      M(multiaccount.apigateway.account_preflight) checks read-only in the account before any write
      (C(needed), C(availability_zones) with the C(field) naming each, C(vpc) to adopt or null)."
    - "C(services) - the services, sorted by name, as in RV(services)."
    - "C(host_groups) - C(host) and C(groups) of each host that the role C(multiaccount.apigateway.preflight)
      adds to the inventory groups of the plays only some providers take part in
      (V(multiaccount_apigateway_transit_gateway): present providers on transit_gateway;
      V(multiaccount_apigateway_leaving): providers with C(provider_state) V(absent);
      V(multiaccount_apigateway_retire_attachment): filled by C(multiaccount.apigateway.site) once
      every path verified). The gateway host is in every group, so that each group exists; the plays
      take a group with C(:&providers)."
    - The layout is versioned by C(version) (currently V(1)).
  returned: always
  type: dict
  sample:
    version: 1
    accounts:
      shared-services:
        kind: shared
        account_id: "111111111111"
        region: us-east-1
        aws_checks:
          needed: true
          availability_zones: [{az: us-east-1a, field: "shared_gateway_subnets[0].az"}]
          vpc: null
      payments:
        kind: provider
        account_id: "222222222222"
        region: us-east-1
        aws_checks: {needed: false, availability_zones: [], vpc: null}
errors:
  description: Every problem found; the module fails when the list is not empty.
  returned: failure
  type: list
  elements: dict
  contains:
    host:
      description: Inventory host the problem belongs to (V(inventory) for group-level problems).
      type: str
      sample: payments
    field:
      description: The variable, with the index of list items, such as C(provider_vpc_services[0].port).
      type: str
      sample: provider_vpc_services[0].targets[1]
    message:
      description: What is wrong, then how to fix it, separated by a semicolon.
      type: str
      sample: >-
        10.9.0.4 is outside provider_vpc_cidr 10.0.0.0/16; traffic reaches the provider only through
        the peered VPC: use an IP of the provider VPC or fix provider_vpc_cidr
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight_step import (
    PREFLIGHT_ARGUMENT_SPEC,
    known_regions,
    preflight_outcome,
)


def main():
    module = AnsibleModule(argument_spec=PREFLIGHT_ARGUMENT_SPEC, supports_check_mode=True)
    result, warnings, failure = preflight_outcome(module.params["accounts"], known_regions())
    for warning in warnings:
        module.warn(warning)
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
