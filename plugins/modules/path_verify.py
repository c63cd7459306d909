#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: path_verify
version_added: 0.1.0
short_description: Prove that every published API path works, name the broken hop, draw the topology
description:
  - Joins the snapshot of the gateway account (M(multiaccount.apigateway.gateway_path_info)) and the
    snapshots of the provider accounts (M(multiaccount.apigateway.provider_path_info)) into one graph
    per published service and judges every hop of its path, in order -
    C(api_route) (the resource and a method exist),
    C(integration) (VPC_LINK, a connectionId that names an existing link of the flavour the service expects,
    URI host = the service's NLB, URI port = the service's listener port; over a VPC link v2 an integration
    target that is the service's NLB, over a REST v1 link no integration target),
    C(stage_deployment) (the stage serves a deployment made from the current configuration),
    C(vpc_link) (the link the integration uses - a REST v1 link is AVAILABLE and targets the service's NLB; a
    VPC link v2 is AVAILABLE or INACTIVE, its subnets are in the NLB's VPC, and it has security groups whose
    egress rules let TCP reach the NLB's subnets on the listener port),
    C(nlb) (internal, network, active),
    C(listener) (the listener port forwards to the service's target group),
    C(target_group) (type ip, traffic sent to the port the service listens on),
    C(target) (each IP registered, availability zone V(all) when outside the gateway VPC, no strays),
    C(peering) (an active peering between the two VPCs),
    C(gateway_route) (the route tables of the NLB subnets send each target IP to that peering),
    C(provider_route) (the target subnets' route tables send each NLB subnet back to it),
    C(security_group) (the target's groups admit every NLB subnet on the service port, by CIDR rules - V(0.0.0.0/0)
    and wider blocks count, and so does the union of several rules - or by a rule naming the NLB's own security
    group in the gateway account, which AWS honours across a same-region peering only),
    C(service_endpoint) (a network interface in use holds each target IP).
  - "A service behind an internal Application Load Balancer (C(load_balancer_type: application), the V(alb-v2)
    private integration: a VPC link v2, an ALB, one HTTP(S) listener with a forward rule per service path, HTTP
    target groups) is judged with the same hop ids, whose resources and messages then say ALB -
    C(integration) (the integration target is the ALB, the URI host is the ALB's DNS name and the URI path is
    inside the service's path, which the ALB routes on),
    C(vpc_link) (as for an NLB, towards the ALB's subnets and listener port),
    C(nlb) (internal, application, active, in at least two subnets),
    C(listener) (the listener on the listener port is HTTP or HTTPS, and its rules send V(/<path>) and V(/<path>/*)
    to the service's target group - a missing rule, a rule forwarding elsewhere, or a rule of lower priority
    number that takes the path first, such as V(/cards/*) before V(/cards/limits/*), fail it),
    C(target_group) (also protocol HTTP or HTTPS, and an HTTP(S) health check with the service's
    C(health_check) path and matcher) - and with one hop more, C(alb_security_group), between C(vpc_link) and
    C(nlb): the ALB's security groups admit the link's security group (or its subnets' CIDRs) on the listener
    port and let the ALB open connections to the targets on the service port. The paths of an NLB have no such
    hop. A load balancer of the other type than the service expects fails C(nlb), and its listener is not
    judged (V(skipped))."
  - "Governance (version 0.4.0, only with O(governance)): every service gets three hops more after its path's
    hops, four with a custom domain -
    C(authorization) (each of the service's methods, V(/<path>) and V(/<path>/{proxy+}), has the expected
    authorization type and API key requirement; with V(CUSTOM) or V(COGNITO_USER_POOLS) its authorizer exists
    with the expected name and type, Lambda function or user pools, identity source and cache TTL, and with
    V(COGNITO_USER_POOLS) the scopes are the expected ones),
    C(partners) (each partner that may call the service has its usage plan, bound to the API's stage, with the
    expected per-method throttles, plan throttle and quota, and exactly one API key, its own, enabled as expected;
    each partner that may not call a service that needs a key has its methods blocked, V(0/0); a usage plan bound
    to the stage that no partner declares fails it for every service that needs a key),
    C(stage_policy) (the stage's V(*/*) throttle, logging level, data trace and metrics, the service's
    per-method throttles, X-Ray tracing, the access log, the WAF web ACL, and the API's resource policy),
    C(domain) (the custom domain is AVAILABLE and REGIONAL with the expected certificate, TLS security policy and
    truststore, and maps the base path to the API's stage). They are skipped when the API (or, for C(partners)
    and C(stage_policy), the stage) is missing, which is another hop's fault. The report then has a section
    \"Who can call each service\" and each RV(summary) line ends with V(auth=<type> key=<partners>)."
  - "Transit gateway (version 0.5.0): for a provider whose O(providers[].connectivity) is V(transit_gateway), the
    C(transit_gateway) hop replaces C(peering) at the same place - the gateway's transit gateway exists, is ours
    and available; the provider's VPC attachment exists on it and is available (V(pendingAcceptance) - the gateway
    accepts it), has a subnet in every Availability Zone of the target subnets, is associated with the spokes
    route table, propagates into the hub route table and not into the spokes route table (or the providers would
    reach each other); the gateway VPC's attachment (the hub) is available in every Availability Zone of the NLB
    subnets, associated with the hub route table and propagates into the spokes route table; the hub route table
    routes each target to the provider's attachment; the spokes route table routes each NLB subnet to the hub and
    nothing to a provider. C(gateway_route) and C(provider_route) then want the transit gateway as the target of
    the most specific route (an active peering between the two VPCs counts too, as during a move), and a rule
    naming the NLB's security group does not count for C(security_group)."
  - Each hop is judged on its own facts against the service's expected resources (from the inventory,
    the published state and the collection's tags), so a fault fails exactly its own hop; a hop whose
    subject cannot exist because of another hop is V(skipped).
  - Writes a report into O(report_dir) - C(<report_name>.md) (verdict, a Mermaid diagram of the
    discovered topology, a hop table per service), C(<report_name>.mmd) and C(<report_name>.dot), and,
    when Graphviz C(dot) is on the PATH, C(<report_name>.svg) and C(<report_name>.png). Files are only
    rewritten when their content changes.
  - Talks to no AWS API. Run it on the controller (localhost).
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  gateway:
    description:
      - The gateway account.
    type: dict
    required: true
    suboptions:
      name:
        description: Inventory name of the shared host (a label for the report).
        type: str
      account_id:
        description: Account id (used when the snapshot has none).
        type: str
      region:
        description: Region (used when the snapshot has none).
        type: str
      snapshot:
        description: RV(multiaccount.apigateway.gateway_path_info#module:gateway) of that account.
        type: dict
        required: true
      state:
        description:
          - The C(shared_gateway_state) fact when the play has it. Its C(services) map (C(target_group_arn),
            C(nlb_arn), C(vpc_link_id), C(listener_port), and since version 0.3.0 C(vpc_link_version) and
            C(integration_target_arn) per service) names each service's expected resources; without it they
            are found by tags and registered IPs.
        type: dict
  providers:
    description:
      - One entry per provider account.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Inventory name of the provider host.
        type: str
        required: true
      account_id:
        description: Account id (used when the snapshot has none).
        type: str
      region:
        description: Region (used when the snapshot has none).
        type: str
      services:
        description:
          - The services the account publishes, as in the inventory's C(provider_vpc_services) -
            C(name), C(port), C(path), C(targets) and optionally C(listener_port).
          - Optionally the resources the gateway published for each service (the
            M(multiaccount.apigateway.verify) role joins them in) - C(target_group_arn), C(nlb_arn),
            C(vpc_link_id), and since version 0.3.0 C(vpc_link_version) (V(v1) or V(v2), the flavour of VPC
            link the service's integrations must use; V(v1) when absent) and C(integration_target_arn) (the
            load balancer an integration over a VPC link v2 must name; the service's NLB when absent).
          - Since version 0.3.0 also C(load_balancer_type) (V(network) or V(application), the kind of load balancer
            the service's path goes through; V(network) when absent) and, for an application load balancer,
            C(health_check) (C(path) and C(matcher) its target group's health check must have). C(nlb_arn) is the
            service's load balancer, its ALB with V(application).
          - Since version 0.3.0 also C(integration_host) - with HTTPS to an ALB, the host of its certificate,
            which the integration URIs must name instead of the ALB's DNS name.
        type: list
        elements: dict
        required: true
      snapshot:
        description:
          - RV(multiaccount.apigateway.provider_path_info#module:provider) of that account (with
            O(multiaccount.apigateway.provider_path_info#module:transit_gateway=true) for a provider on the transit
            gateway, so that its attachments' subnets are its own view).
        type: dict
        default: {}
      connectivity:
        description:
          - How the gateway VPC reaches the provider's VPC - V(peering) (its VPC peering) or V(transit_gateway) (the
            gateway's transit gateway, hub and spoke; the planner's C(connectivity) of the provider).
          - With V(transit_gateway) the C(transit_gateway) hop takes the place of C(peering), and C(gateway_route) and
            C(provider_route) expect the transit gateway as the target of the most specific route. The gateway
            snapshot must then come from M(multiaccount.apigateway.gateway_path_info) with
            O(multiaccount.apigateway.gateway_path_info#module:transit_gateway) (without it the hop is V(skipped)).
          - Longest prefix decides - while a provider moves from its peering to the transit gateway, its routes in use
            may still take the (active) peering, more specific than an aggregate route to the transit gateway; when
            every route in use takes the peering and none the transit gateway, the path is judged on the peering
            (hop C(peering), which says so).
        type: str
        choices: [peering, transit_gateway]
        default: peering
        version_added: 0.3.0
  probes:
    description:
      - Results of a live probe to include in the report and in the verdict. Each item has C(service),
        C(kind) (for example V(test-invoke) or V(http-get)), C(target), C(status) and C(expected); a probe
        whose status differs from the expected one fails the verification.
    type: list
    elements: dict
    default: []
  report_dir:
    description:
      - Directory of the report (created when missing). A relative path is relative to the current
        directory of the module.
    type: path
    default: reports
  report_name:
    description:
      - Base name of the report files.
    type: str
    default: path-verify
  render_images:
    description:
      - Render SVG and PNG with Graphviz C(dot) when it is on the PATH. Without C(dot) the report says
        how to get the images and keeps the Mermaid diagram and the DOT source.
    type: bool
    default: true
  fail_on_broken:
    description:
      - Fail when a hop or a probe fails, with a message that lists each failed hop with its account,
        resource and fix. With V(false) the verdict is only returned (RV(ok)).
    type: bool
    default: true
  dry_run:
    description:
      - The snapshots come from a dry run (C(--check)), so they show the resources as they are before the
        changes that run would make. The report says so in a line under its title (and in its Graphviz
        title), and so does RV(message); the verdict is the same.
      - A dry run writes its report when the task has C(check_mode=false) and O(dry_run=true) (for
        example O(dry_run) set to C({{ ansible_check_mode }})). The module reads no AWS API and writes
        only the report files, so running it for real in a dry run changes nothing in AWS. The
        M(multiaccount.apigateway.verify) role does that.
    type: bool
    default: false
    version_added: 0.2.0
  governance:
    description:
      - The governance the API is expected to have (the planner's C(verify) part of the gateway's plan). Without it
        (V(null)) no governance hop is judged and the result is the one of version 0.3.0.
      - Checked before anything is judged - a bad field fails the task with its name (for example
        V(governance.partners[1].quota.period)) and the fix.
      - The gateway snapshot must come from M(multiaccount.apigateway.gateway_path_info) with
        O(multiaccount.apigateway.gateway_path_info#module:governance=true) (and
        O(multiaccount.apigateway.gateway_path_info#module:domain_name) for O(governance.domain)).
    type: dict
    version_added: 0.3.0
    suboptions:
      authorizers:
        description: The authorizers declared on the API, by their name in API Gateway.
        type: list
        elements: dict
        suboptions:
          name:
            description: Name of the authorizer.
            type: str
            required: true
          type:
            description: Type of the authorizer.
            type: str
            required: true
            choices: [TOKEN, REQUEST, COGNITO_USER_POOLS]
          function_arn:
            description: The Lambda function of a V(TOKEN) or V(REQUEST) authorizer (its C(authorizerUri) must call it).
            type: str
          user_pool_arns:
            description: The user pools of a V(COGNITO_USER_POOLS) authorizer (compared as a set).
            type: list
            elements: str
          identity_source:
            description: The identity source, for example V(method.request.header.Authorization); not judged when omitted.
            type: str
          result_ttl:
            description: Seconds the answer is cached (0 to 3600); not judged when omitted.
            type: int
      services:
        description:
          - Per service name (the names of O(providers[].services)) - C(authorization) (V(NONE), V(AWS_IAM),
            V(COGNITO_USER_POOLS) or V(CUSTOM); default V(NONE)), C(authorizer) (the name of a declared authorizer,
            required with V(CUSTOM) and V(COGNITO_USER_POOLS)), C(scopes) (V(COGNITO_USER_POOLS) only),
            C(api_key_required) (default V(false)) and C(throttle) (C(rate_limit), C(burst_limit) of the service's
            method settings in the stage, or V(null) for none).
          - A service without an entry expects V(NONE), no API key and no method throttle.
        type: dict
      partners:
        description: The partners, one usage plan and one API key each.
        type: list
        elements: dict
        suboptions:
          name:
            description: Name of the partner.
            type: str
            required: true
          resource_name:
            description: Name of its usage plan and of its API key (default O(governance.partners[].name)).
            type: str
          description:
            description: Description of the partner (not judged).
            type: str
          services:
            description: The services the partner may call.
            type: list
            elements: str
          enabled:
            description: Whether its API key is enabled (default V(true)).
            type: bool
          quota:
            description: The plan's quota, V(null) for none.
            type: dict
            suboptions:
              limit:
                description: Requests per period.
                type: int
                required: true
              period:
                description: The period.
                type: str
                required: true
                choices: [DAY, WEEK, MONTH]
              offset:
                description: Days (or weeks) the period starts later (default 0).
                type: int
          throttle:
            description: The plan's throttle, V(null) for none.
            type: dict
            suboptions:
              rate_limit:
                description: Requests per second.
                type: float
                required: true
              burst_limit:
                description: Burst.
                type: int
                required: true
          methods:
            description:
              - The per-method throttles of the plan's stage, keyed V(/<resource path>/<METHOD>) (for example
                V(/payments/ANY) and V(/payments/{proxy+}/ANY)), each C(rate_limit) and C(burst_limit);
                V(0) and V(0) block the method for the partner's key.
            type: dict
      stage:
        description:
          - The stage policy. Omitted keys expect API Gateway's defaults.
        type: dict
        suboptions:
          throttle:
            description: The C(*/*) throttle (C(rate_limit), C(burst_limit)); V(null) is not judged (the account's default applies).
            type: dict
            suboptions:
              rate_limit:
                description: Requests per second.
                type: float
                required: true
              burst_limit:
                description: Burst.
                type: int
                required: true
          logging_level:
            description: The C(*/*) execution logging level (default V(OFF)).
            type: str
            choices: ["OFF", ERROR, INFO]
          data_trace:
            description: Full request and response logging (default V(false)).
            type: bool
          metrics:
            description: Detailed CloudWatch metrics (default V(false)).
            type: bool
          tracing:
            description: X-Ray tracing (default V(false)).
            type: bool
          access_log:
            description: The access log, V(null) for none.
            type: dict
            suboptions:
              destination_arn:
                description: ARN of the CloudWatch Logs log group (a trailing V(:*) is ignored).
                type: str
                required: true
              format:
                description: The log format.
                type: str
                required: true
          web_acl:
            description: The WAFv2 web ACL associated with the stage (by C(arn), or by C(name) - the name part of the ARN), V(null) for none.
            type: dict
            suboptions:
              arn:
                description: ARN of the web ACL.
                type: str
              name:
                description: Name of the web ACL.
                type: str
      policy:
        description:
          - The API's resource policy (an IAM policy document, or its JSON text), compared with the API's in the
            form API Gateway keeps it (C(execute-api:/...) resources expanded to the API's ARN count as equal).
          - V(null) does not judge the policy (rest_api then leaves it alone); V({}) expects none.
        type: raw
      domain:
        description: The custom domain, V(null) for none (no C(domain) hop).
        type: dict
        suboptions:
          name:
            description: The domain name.
            type: str
            required: true
          certificate_arn:
            description: The ACM certificate of the regional domain; not judged when omitted.
            type: str
          security_policy:
            description: The TLS security policy (default V(TLS_1_2)).
            type: str
            choices: [TLS_1_0, TLS_1_2]
          base_path:
            description: The base path that maps to the API's stage (V("") or omitted - the root).
            type: str
          truststore_uri:
            description: The mutual TLS truststore (V(s3://bucket/key)), V(null) for no mutual TLS.
            type: str
          truststore_version:
            description: The truststore's version (not judged).
            type: str
notes:
  - In check mode the module judges everything and compares the report with the files in O(report_dir);
    RV(ignore:changed) and the diff say whether and how they would change, but no file is written
    (RV(report.written) is V(false), and RV(message) says so). See O(dry_run) to write the report of a dry run.
seealso:
  - module: multiaccount.apigateway.gateway_path_info
  - module: multiaccount.apigateway.provider_path_info
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details:
      - The action plugin judges the paths and writes the report in the controller's worker process,
        without a module process; the result is the same.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Judges every path and says whether, and how, the report would change, without writing it (see
        O(dry_run) to write the report of a dry run).
  diff_mode:
    support: full
    details: The Markdown report, before and after, as text with its path as header.
  platform:
    platforms: posix
    details: Runs on the controller (its action plugin, or the module with C(delegate_to=localhost)); it talks to no AWS API.
"""

EXAMPLES = r"""
- name: Judge every published path (on the controller, after the two info modules ran)
  multiaccount.apigateway.path_verify:
    gateway:
      name: shared-services
      snapshot: "{{ hostvars['shared-services'].gateway_paths.gateway }}"
    providers:
      - name: payments
        services: "{{ hostvars['payments'].provider_vpc_services }}"
        snapshot: "{{ hostvars['payments'].payments_paths.provider }}"
    report_dir: "{{ playbook_dir }}/../reports"
  delegate_to: localhost
  run_once: true
  register: verdict

- name: Collect the verdict without failing, then print one line per service
  multiaccount.apigateway.path_verify:
    gateway: {snapshot: "{{ gateway_snapshot }}"}
    providers: "{{ provider_entries }}"
    fail_on_broken: false
  register: verdict

- name: One line per service
  ansible.builtin.debug:
    msg: "{{ verdict.summary }}"

- name: Judge the paths and the governance (who may call, partners, stage policy, custom domain)
  multiaccount.apigateway.path_verify:
    gateway:
      snapshot: "{{ gateway_snapshot }}"  # gateway_path_info with governance true and domain_name
    providers: "{{ provider_entries }}"
    governance:
      authorizers:
        - name: partner-jwt
          type: TOKEN
          function_arn: arn:aws:lambda:us-east-1:111111111111:function:partner-authorizer
      services:
        payments: {authorization: CUSTOM, authorizer: partner-jwt, api_key_required: true}
        cards: {authorization: AWS_IAM}
      partners:
        - name: fintech-a
          resource_name: open-banking-fintech-a
          services: [payments]
          quota: {limit: 10000, period: DAY}
          methods:
            /payments/ANY: {rate_limit: 50, burst_limit: 100}
            /payments/{proxy+}/ANY: {rate_limit: 50, burst_limit: 100}
      stage:
        throttle: {rate_limit: 100, burst_limit: 200}
        logging_level: ERROR
        metrics: true
        tracing: true
        web_acl: {name: open-banking}
      domain:
        name: api.bank.example
        certificate_arn: arn:aws:acm:us-east-1:111111111111:certificate/0123
        base_path: ""
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
ok:
  description: True when every hop of every path (and every probe) passed.
  returned: always
  type: bool
  sample: false
services:
  description: One entry per published service with its ordered hop list.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Service name.
      type: str
      returned: always
      sample: payments
    provider:
      description: Provider host.
      type: str
      returned: always
      sample: payments
    path:
      description: API resource path.
      type: str
      returned: always
      sample: /payments
    status:
      description: V(ok) or V(fail).
      type: str
      returned: always
      sample: fail
    failed_hops:
      description: Names of the failed hops.
      type: list
      elements: str
      returned: always
      sample: [provider_route]
    hops:
      description:
        - Every hop - C(hop), C(status) (V(ok), V(fail), V(skipped)), C(account), C(resource), C(detail), C(fix).
        - 13 hops; 14 for a service behind an application load balancer (C(alb_security_group) after C(vpc_link),
          version 0.3.0).
        - For a provider on the transit gateway (version 0.5.0) C(transit_gateway) is where C(peering) is (unless the
          routes in use all take the peering, see O(providers[].connectivity)).
        - With O(governance) (version 0.4.0) C(authorization), C(partners), C(stage_policy) and, with a custom
          domain, C(domain) come last.
      type: list
      elements: dict
      returned: always
      sample:
        - hop: provider_route
          status: fail
          account: "222222222222"
          resource: route tables rtb-0abc
          detail: "rtb-0abc (subnet-0abc): no route to 10.100.1.0/24 in rtb-0abc (subnet-0abc)"
          fix: add return routes to 10.100.1.0/24, 10.100.2.0/24 via pcx-0abc in the route table of each service subnet
    resolved:
      description:
        - The expected resources the hops were judged against, and how each was found - C(nlb_arn),
          C(target_group_arn), C(vpc_link_id), C(gateway_vpc_id), C(provider_vpc_ids), C(found_by).
        - Since version 0.3.0 also C(vpc_link_version) (the flavour of the link judged, or the expected one
          when there is none) and C(integration_target_arn) (the load balancer the integrations must name over
          a VPC link v2, V(null) for a REST v1 link).
        - Since version 0.3.0 also C(load_balancer_type) (the type the service expects, V(network) or
          V(application)) and, for an application load balancer only, C(listener_rule) (C(priority), C(is_default),
          C(path_patterns), C(target_group_arns) of the ALB rule that sends the service path to its target group,
          or of the service's own rule when the path goes elsewhere; V(null) when it has none).
        - Since version 0.5.0, for a provider on the transit gateway only, C(connectivity) (V(transit_gateway)),
          C(connectivity_path) (the path judged - V(transit_gateway), or V(peering) while the routes in use still take
          the peering), C(transit_gateway_id), C(hub_attachment_id) and C(transit_gateway_attachment_ids) (the
          provider's attachments).
        - Since version 0.5.0 also C(targets_read_by), whose reading of the target group's targets the C(target)
          hop judged - V(gateway_path_info) (the verifier's own) or V(gateway_load_balancers) (this run's converge,
          see the C(target_health) option of M(multiaccount.apigateway.gateway_path_info)); V(null) without a target
          group. The report does not say it - which one it is depends on how long the run took, and the report of
          the same paths is the same, so that a no-op does not rewrite it.
      type: dict
      returned: always
      sample:
        nlb_arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/0123
        target_group_arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/open-banking-payments/4567
        vpc_link_id: abcd12
        vpc_link_version: v2
        integration_target_arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/0123
        gateway_vpc_id: vpc-0a1
        provider_vpc_ids: [vpc-0b2]
        found_by: {"target_group": "published state", "nlb": "published state", "listener_port": "inventory/state listener_port",
                   "vpc_link": "the integration's connectionId"}
        targets_read_by: gateway_load_balancers
    access:
      description:
        - Who may call the service, as O(governance) declares it - C(authorization), C(authorizer),
          C(authorizer_type), C(scopes), C(who) (in words), C(api_key_required), C(partners) (the partners that may
          call it), C(blocked_partners), C(stage_throttle), C(throttle) (its methods'), C(partner_throttles) (per
          partner, C(plan) and C(methods)) and C(urls) (the execute-api URL and the custom domain's).
        - Never an API key value.
      type: dict
      returned: when O(governance)
      version_added: 0.3.0
      sample:
        authorization: CUSTOM
        authorizer: partner-jwt
        authorizer_type: TOKEN
        scopes: []
        who: tokens accepted by Lambda authorizer partner-jwt (CUSTOM, TOKEN)
        api_key_required: true
        partners: [fintech-a]
        blocked_partners: []
        stage_throttle: {"rate_limit": 100.0, "burst_limit": 200}
        throttle: null
        partner_throttles: {"fintech-a": {"plan": null, "methods": {"/payments/ANY": {"rate_limit": 50.0, "burst_limit": 100}}}}
        urls: [https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1/payments, https://api.bank.example/payments]
failures:
  description:
    - Every failed hop, flattened, with its C(service) (not called C(failed), which Ansible reserves for the task status).
  returned: always
  type: list
  elements: dict
message:
  description:
    - The verdict as text - every failed hop with its service, account, resource, detail and fix, every failed
      probe, and the report path (the failure message when the module fails).
  returned: always
  type: str
  sample: "1 hop(s) failed:\n- payments / provider_route (account 222222222222, route tables rtb-0abc): ...\nReport: /work/reports/path-verify.md"
summary:
  description:
    - One line per service (ok, or the failed hops with account, resource and fix).
    - With O(governance) each line ends with who may call the service, for example V(auth=CUSTOM key=fintech-a,fintech-b)
      (V(key=none) when it needs no API key).
  returned: always
  type: list
  elements: str
  sample: ["payments (/payments, provider payments): ok (13 hops checked)"]
probes:
  description: The O(probes) with their verdict C(ok).
  returned: always
  type: list
  elements: dict
report:
  description: Paths of the report files (written or, in check mode, to be written) and notes.
  returned: always
  type: dict
  contains:
    written:
      description:
        - Whether the report files are on disk as RV(report) describes them (V(false) in check mode,
          which writes nothing).
      type: bool
      returned: always
      sample: true
      version_added: 0.2.0
    markdown:
      description: The Markdown report.
      type: str
      returned: always
      sample: /work/reports/path-verify.md
    mermaid:
      description: The Mermaid source.
      type: str
      returned: always
    dot:
      description: The Graphviz source.
      type: str
      returned: always
    svg:
      description: The SVG picture (V(null) without Graphviz).
      type: str
      returned: always
    png:
      description: The PNG picture (V(null) without Graphviz).
      type: str
      returned: always
    notes:
      description: Notes about the rendering (for example Graphviz missing).
      type: list
      elements: str
      returned: always
diff:
  description:
    - The Markdown report as it was (empty when it did not exist) and as it is now (or would be, in check
      mode), with its path as header; empty C(before)/C(after) when no file changes. The images are not shown.
  returned: always
  type: dict
  version_added: 0.2.0
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.path_report import (
    ARGUMENT_SPEC,
    ReportError,
    verify_paths,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    def run_command(argv, data):
        return module.run_command(argv, data=data, binary_data=False)

    try:
        result, failure = verify_paths(
            module.params, module.check_mode, lambda: module.get_bin_path("dot"), run_command
        )
    except ReportError as error:
        module.fail_json(msg=str(error))
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
