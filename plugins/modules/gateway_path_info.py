#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: gateway_path_info
version_added: 0.1.0
short_description: Read the gateway account's half of every published API path
description:
  - Reads, in the shared-services account (account A) only, every hop that a request to a REST API
    published through a VPC link crosses before it leaves the account, and returns it as one JSON
    snapshot for M(multiaccount.apigateway.path_verify).
  - The REST API's resources, methods and integrations (type, URI, connectionId, and the integration
    target of an integration over a VPC link v2); the stage and the deployment it serves, and whether
    that deployment was made from the current configuration; the VPC links (REST v1, and the VPC links
    v2 that the integrations use, with their security groups and egress rules); the network and
    application load balancers, their listeners (and the rules of an application load balancer's HTTP
    and HTTPS listeners), target groups (with their health check) and registered targets with their
    health and availability zone; the security groups of the application load balancers; the subnets,
    route tables and VPC peering connections of the load balancers' VPC.
  - Deployment currency. AWS does not say when an integration last changed, so the module compares
    fingerprints. M(multiaccount.apigateway.rest_api) writes
    V(multiaccount.apigateway config sha256:<hex>) into the description of every deployment it
    makes; this module computes the same fingerprint from the API as it is now (the whole API, and
    the part that O(paths) owns) and returns both next to the deployed one. A deployment without
    that marker (made by other tools) is compared through C(GetExport) with the integration
    extensions instead; when the export carries no integrations the currency is reported as not
    verifiable.
  - Which load balancers, target groups and links are read. Those the API's integrations name
    (connectionId, integrationTarget, and the NLB whose DNS name is the URI host), those tagged
    V(multiaccount:gateway=<gateway>) when O(gateway) is set, those given explicitly, and those
    connected to any of these (the NLBs of the links and target groups, the target groups of the
    listeners, the links that target the NLBs).
  - VPC links v2 (C(apigatewayv2) C(GetVpcLinks), and one C(ec2:DescribeSecurityGroups) for their
    security groups) are read only when an integration carries an integration target, or an
    integration or O(vpc_link_ids) names a link that is not a REST v1 link. An API whose integrations
    all use REST v1 links costs no call more.
  - Application load balancers (V(alb-v2)) cost one C(elbv2:DescribeRules) per HTTP or HTTPS listener, and
    their security groups are read in the same C(ec2:DescribeSecurityGroups) call as those of the VPC links
    v2. An installation without an application load balancer makes no call more.
  - Governance (version 0.4.0). Every method carries what it says about its callers (authorizer, scopes, API
    key requirement), the stage its policy settings (method settings, access log, X-Ray tracing, web ACL) and
    the API its resource policy - they come with the reads above, at no call more. With O(governance) the
    module also reads the API's authorizers, the usage plans bound to the stage with their API keys (never
    their values) and whether each key is enabled; with O(domain_name) the custom domain and its base path
    mappings. Without them it makes exactly the calls it made before, except one C(GetAuthorizers) when a
    method names an authorizer (its name is part of the configuration fingerprint).
  - Transit gateway (version 0.5.0, only with O(transit_gateway)). The gateway's transit gateway, its hub and
    spokes route tables with their associations, propagations and routes, and every VPC attachment on it (the
    providers' too), in a fixed number of calls. Without it no transit gateway call is made.
  - Read-only. Makes no change, supports check mode, and always returns RV(ignore:changed=false).
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  account_id:
    description:
      - The account the credentials act in, when the caller knows it (the plan does); the snapshot's
        C(account_id) is then this value and no C(sts:GetCallerIdentity) call is made. Without it the
        module asks STS.
    type: str
  rest_api_id:
    description:
      - Id of the REST API. One of O(rest_api_id) and O(rest_api_name) is required.
    type: str
    aliases: [id]
  rest_api_name:
    description:
      - Name of the REST API. When several APIs carry the name, the one with the
        V(ManagedBy=multiaccount.apigateway) tag is read; when that does not settle it, the module fails.
    type: str
    aliases: [name]
  stage_name:
    description:
      - The published stage.
    type: str
    required: true
  gateway:
    description:
      - Value of the V(multiaccount:gateway) tag the collection puts on the gateway's load balancers,
        target groups and links (the shared host's C(api_publish_name)). Resources with that tag are
        read even when no integration names them, so a service whose route is missing is still seen.
    type: str
  paths:
    description:
      - The published resource paths (for example V(payments) or V(cards/limits)). The fingerprint
        of the part of the API they own (the paths, their V({proxy+}) children and their ancestors)
        is returned next to the fingerprint of the whole API, and O(test_invoke) probes them.
    type: list
    elements: str
    default: []
  load_balancer_arns:
    description:
      - Further load balancers to read.
    type: list
    elements: str
    default: []
  target_group_arns:
    description:
      - Further target groups to read.
    type: list
    elements: str
    default: []
  vpc_link_ids:
    description:
      - Further VPC links to read. An id that is not a REST v1 link is looked up among the VPC links v2.
    type: list
    elements: str
    default: []
  test_invoke:
    description:
      - Also call C(TestInvokeMethod) on each published path (O(paths), or every resource whose
        integration uses a VPC link), with the method V(GET) when the resource has one, else the
        method it has (for example V(ANY)). This sends a request to the backend through the VPC link;
        it changes nothing, but it needs the real AWS data plane (the local emulator cannot serve it).
    type: bool
    default: false
  governance:
    description:
      - Also read who may call the API - one paginated C(GetAuthorizers), one paginated C(GetUsagePlans)
        (keeping the plans bound to the API's O(stage_name), and those tagged V(multiaccount:gateway=<gateway>)
        when O(gateway) is set, so that a partner's plan that lost its binding is still seen), one
        C(GetUsagePlanKeys) per plan kept, and one paginated C(GetApiKeys) (without values) when a plan has a key,
        for whether each key is enabled.
      - API key values are never read or returned - C(GetUsagePlanKeys) returns them, and they are dropped
        before anything else sees the answer.
      - M(multiaccount.apigateway.path_verify) needs it to judge its O(multiaccount.apigateway.path_verify#module:governance).
    type: bool
    default: false
    version_added: 0.3.0
  domain_name:
    description:
      - A custom domain name to read with its base path mappings (C(GetDomainName), and paginated
        C(GetBasePathMappings) when it exists), for the C(domain) hop of M(multiaccount.apigateway.path_verify).
    type: str
    version_added: 0.3.0
  target_health:
    description:
      - Target health this run read already - the RV(multiaccount.apigateway.gateway_load_balancers#module:target_groups)
        of M(multiaccount.apigateway.gateway_load_balancers), each with C(arn), C(target_health) and
        C(target_health_read_at).
      - A target group whose reading is at most O(target_health_max_age) seconds old and shows every target
        V(healthy) is not read again; any other group is read with C(DescribeTargetHealth), as without this
        option. Each target group of the snapshot says which (C(targets_read_by), C(targets_age_seconds)).
      - C(DescribeTargetHealth) reads one target group per call, and ELB lets an account make 10 reads a
        second once a burst of 40 is spent - at 100 services a converge and its verification would make 200 of
        them. A reading that does not show the path healthy is never taken.
    type: list
    elements: dict
    default: []
    version_added: 0.3.0
  target_health_max_age:
    description:
      - How old (seconds) a reading of O(target_health) may be. V(0) reads every target group.
    type: int
    default: 60
    version_added: 0.3.0
  transit_gateway:
    description:
      - Also read the gateway's transit gateway (the V(transit_gateway) connectivity, hub and spoke), for the
        C(transit_gateway) hop of M(multiaccount.apigateway.path_verify). Omitted, no transit gateway call is made.
      - The transit gateway is found by its C(Name) tag and must carry the collection's tags
        (V(ManagedBy=multiaccount.apigateway), and V(multiaccount:gateway=<gateway>) when O(gateway) is set); one
        that has the name without the tags is reported as foreign, not read further.
      - "A fixed number of calls, whatever the number of providers: one C(DescribeTransitGateways), then (when it
        exists) one C(DescribeTransitGatewayRouteTables) and one C(DescribeTransitGatewayVpcAttachments) on the
        transit gateway, and for each of the two route tables found one C(GetTransitGatewayRouteTableAssociations),
        one C(GetTransitGatewayRouteTablePropagations) and one C(SearchTransitGatewayRoutes) (active and blackhole
        routes) - at most 9."
      - The routes of the gateway VPC's route tables (read anyway) show the transit gateway as their C(target)
        with C(target_type) V(transit_gateway).
    type: dict
    version_added: 0.3.0
    suboptions:
      name:
        description: The C(Name) tag of the transit gateway (the planner's V(<gateway>-tgw)).
        type: str
        required: true
      route_tables:
        description: The C(Name) tags of its two route tables.
        type: dict
        default: {}
        suboptions:
          hub:
            description:
              - The hub route table, associated with the gateway VPC's attachment; every provider attachment
                propagates into it. Default V(<name>-gateway).
            type: str
          spokes:
            description:
              - The spokes route table, associated with every provider attachment; only the gateway VPC's attachment
                propagates into it. Default V(<name>-providers).
            type: str
      hub:
        description: The gateway VPC's attachment (the hub).
        type: dict
        default: {}
        suboptions:
          name:
            description:
              - Its C(Name) tag (default V(<gateway>-gateway)); without a match the attachment of the load balancers'
                VPC is the hub.
            type: str
notes:
  - Every call is retried with jittered backoff, including C(TooManyRequestsException).
  - Run it with the credentials of the gateway account; M(multiaccount.apigateway.provider_path_info)
    reads the other half in each provider account.
seealso:
  - module: multiaccount.apigateway.provider_path_info
  - module: multiaccount.apigateway.path_verify
  - module: multiaccount.apigateway.rest_api
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Read-only; check mode makes the same reads and returns the same snapshot. With O(test_invoke),
        the same C(TestInvokeMethod) calls too, which send a request through each integration to the
        backend and change nothing in AWS.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Read the gateway half of the open-banking API
  multiaccount.apigateway.gateway_path_info:
    rest_api_name: open-banking
    stage_name: v1
    gateway: open-banking
    paths: [payments, cards, cards/limits]
  register: gateway_paths

- name: Read the gateway half with its transit gateway (hub and spoke connectivity)
  multiaccount.apigateway.gateway_path_info:
    rest_api_name: open-banking
    stage_name: v1
    gateway: open-banking
    paths: [payments, cards]
    transit_gateway:
      name: open-banking-tgw
      route_tables: {hub: open-banking-tgw-gateway, spokes: open-banking-tgw-providers}
      hub: {name: open-banking-gateway}
  register: gateway_paths

- name: Read the gateway half with its governance (authorizers, partners' usage plans, custom domain)
  multiaccount.apigateway.gateway_path_info:
    rest_api_name: open-banking
    stage_name: v1
    gateway: open-banking
    paths: [payments, cards]
    governance: true
    domain_name: api.bank.example
  register: gateway_paths

# Cross-account: account A's credentials come from an assumed role.
- name: Assume the gateway account's role
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::111111111111:role/platform-gateway
    role_session_name: verify
  register: gateway_role

- name: Read the gateway half with those credentials
  multiaccount.apigateway.gateway_path_info:
    access_key: "{{ gateway_role.sts_creds.access_key }}"
    secret_key: "{{ gateway_role.sts_creds.secret_key }}"
    session_token: "{{ gateway_role.sts_creds.session_token }}"
    region: us-east-1
    rest_api_id: a1b2c3d4e5
    stage_name: v1
    test_invoke: true
  register: gateway_paths

- name: Show the stage's deployment and whether it is current
  ansible.builtin.debug:
    msg: >-
      {{ gateway_paths.gateway.deployment.fingerprint ==
         gateway_paths.gateway.config.published_fingerprint }}
"""

RETURN = r"""
gateway:
  description: Snapshot of the gateway account's half of the paths, the input of M(multiaccount.apigateway.path_verify).
  returned: always
  type: dict
  contains:
    account_id:
      description: The account that was read (from C(GetCallerIdentity)).
      type: str
      returned: always
      sample: "111111111111"
    region:
      description: The region that was read.
      type: str
      returned: always
      sample: us-east-1
    rest_api_name:
      description: The name asked for (or the API's name).
      type: str
      returned: always
      sample: open-banking
    stage_name:
      description: The stage asked for.
      type: str
      returned: always
      sample: v1
    gateway_tag:
      description: The O(gateway) tag value used for discovery.
      type: str
      returned: always
      sample: open-banking
    rest_api:
      description:
        - The REST API (V(null) when it does not exist).
        - Since version 0.4.0 also C(policy), its resource policy as a dict (V(null) without one; AWS returns it
          as a JSON string with escaped quotes), and C(policy_unparsed), the text, only when it is not JSON.
      type: dict
      returned: always
      sample: {"id": "a1b2c3d4e5", "name": "open-banking", "endpoint_type": "REGIONAL", "tags": {}, "policy": null}
    resources:
      description:
        - Every resource of the API with its methods, keyed by method; each method has
          C(authorization_type), C(request_parameters) and C(integration) (C(type), C(http_method),
          C(uri), C(connection_type), C(connection_id), C(timeout_in_millis), C(request_parameters)).
        - An integration over a VPC link v2 also has C(integration_target), the ARN of the load balancer
          it reaches (C(integrationTarget)); the key is absent from other integrations (version 0.3.0).
        - Since version 0.4.0 each method also has C(authorizer_id) (V(null) without one),
          C(authorization_scopes) and C(api_key_required).
      type: list
      elements: dict
      returned: always
      sample:
        - id: abc123
          path: /payments
          methods:
            ANY:
              authorization_type: NONE
              authorizer_id: null
              authorization_scopes: []
              api_key_required: false
              request_parameters: {}
              integration:
                type: HTTP_PROXY
                http_method: ANY
                uri: http://gw-nlb-0123.elb.us-east-1.amazonaws.com:8080/
                connection_type: VPC_LINK
                connection_id: x1y2z3
                timeout_in_millis: 29000
                request_parameters: {}
    config:
      description:
        - Fingerprints of the API as it is now (C(fingerprint) for the whole API,
          C(published_fingerprint) for the part O(paths) owns, V(null) without O(paths)), in the form
          M(multiaccount.apigateway.rest_api) fingerprints its configuration (a method's authorizer, scopes and API
          key requirement count when it has them).
        - Since version 0.4.0 also C(governed_fingerprints), only when the API has authorizers (read) or a resource
          policy - the same fingerprints with the authorizers, with the policy and with both, which rest_api
          counts when it manages them.
      type: dict
      returned: always
      sample: {"fingerprint": "9f86d0...", "published_fingerprint": "9f86d0...", "paths": ["/payments"]}
    stage:
      description:
        - The stage (V(null) when missing) with C(deployment_id), C(invoke_url) and C(variables) (a connectionId
          written as V(${stageVariables.<name>}) is resolved through them).
        - Since version 0.4.0 also C(method_settings) (keyed as AWS keys them - V(*/*) for every method,
          V(~1payments/ANY) for one method, each with C(throttling_rate_limit), C(throttling_burst_limit),
          C(logging_level), C(data_trace_enabled), C(metrics_enabled), C(caching_enabled)), C(access_log)
          (C(destination_arn) and C(format), V(null) when off), C(tracing_enabled) and C(web_acl_arn).
      type: dict
      returned: always
      sample:
        name: v1
        deployment_id: d1e2f3
        invoke_url: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1
        variables: {}
        method_settings:
          "*/*": {"throttling_rate_limit": 100.0, "throttling_burst_limit": 200, "logging_level": INFO,
                  "data_trace_enabled": false, "metrics_enabled": true, "caching_enabled": false}
        access_log: null
        tracing_enabled: true
        web_acl_arn: arn:aws:wafv2:us-east-1:111111111111:regional/webacl/open-banking/abcd-1234
    deployment:
      description:
        - The deployment the stage serves (V(null) when none) with C(id), C(description),
          C(created_date), C(fingerprint) (from the description) and C(exported_integrations)
          (only when the description has no fingerprint; V(null) when the export has no integrations).
      type: dict
      returned: always
    vpc_links:
      description:
        - VPC links (C(id), C(name), C(version), C(description), C(status), C(status_message), C(target_arns),
          C(tags)); REST v1 links are read always, VPC links v2 when RV(gateway.vpc_link_versions) has V(v2).
        - A link v2 (C(version) V(v2), version 0.3.0) has an empty C(target_arns) and also C(subnet_ids) and
          C(security_group_ids); its C(status) is C(PENDING), C(AVAILABLE), C(INACTIVE), C(FAILED), C(DELETING).
      type: list
      elements: dict
      returned: always
      sample:
        - {"id": "x1y2z3", "name": "open-banking", "version": "v1", "description": null, "status": "AVAILABLE",
           "status_message": null, "target_arns": ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/open-banking/0123"],
           "tags": {}}
        - {"id": "abcd12", "name": "open-banking-gateway", "version": "v2", "description": null, "status": "AVAILABLE",
           "status_message": null, "target_arns": [], "subnet_ids": ["subnet-0a1", "subnet-0b2"],
           "security_group_ids": ["sg-0c3"], "tags": {"multiaccount:gateway": "open-banking"}}
    vpc_link_versions:
      description:
        - The VPC link flavours that were read - always V(v1), and V(v2) when an integration carries an
          integration target or an integration (or O(vpc_link_ids)) names a link that is not a REST v1 link.
          A link v2 that is missing from RV(gateway.vpc_links) while V(v2) is not here was not looked for.
      type: list
      elements: str
      returned: always
      sample: ["v1", "v2"]
      version_added: 0.3.0
    security_groups:
      description:
        - The security groups of the VPC links v2 in RV(gateway.vpc_links) and, since version 0.3.0, of the
          application load balancers in RV(gateway.load_balancers) (empty without such a link or balancer),
          with C(id), C(name), C(vpc_id), C(owner_id), C(tags), C(ingress) and C(egress) (rules with
          C(protocol), C(from_port), C(to_port), C(cidrs), C(group_pairs), C(prefix_list_ids)). A group that
          does not exist is not in the list. The groups of a network load balancer are not read.
      type: list
      elements: dict
      returned: always
      sample:
        - id: sg-0c3
          name: open-banking-gateway-link
          vpc_id: vpc-0a1
          owner_id: "111111111111"
          tags: {}
          ingress: []
          egress:
            - {"protocol": "tcp", "from_port": 8080, "to_port": 8081, "cidrs": ["10.100.0.0/16"], "group_pairs": [],
               "prefix_list_ids": []}
      version_added: 0.3.0
    load_balancers:
      description:
        - Load balancers (C(arn), C(name), C(dns_name), C(type), C(scheme), C(state), C(state_reason),
          C(vpc_id), C(subnet_ids), C(availability_zones), C(security_groups), C(tags)).
        - Since version 0.3.0 application load balancers too (C(type) V(application), before only V(network)
          ones were read), and C(security_group_ids), the same ids as C(security_groups).
      type: list
      elements: dict
      returned: always
      sample:
        - arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/open-banking-alb/0123
          name: open-banking-alb
          dns_name: internal-open-banking-alb-0123.us-east-1.elb.amazonaws.com
          type: application
          scheme: internal
          state: active
          state_reason: null
          vpc_id: vpc-0a1
          subnet_ids: [subnet-0a1, subnet-0b2]
          availability_zones: [us-east-1a, us-east-1b]
          security_groups: [sg-0d4]
          security_group_ids: [sg-0d4]
          tags: {"multiaccount:gateway": "open-banking"}
    listeners:
      description:
        - Their listeners (C(arn), C(load_balancer_arn), C(port), C(protocol), C(target_group_arns) of the
          default actions).
        - Since version 0.3.0 also C(default_action_type) (the type of the default action that answers, for
          example V(forward) or V(fixed-response)), and, on the HTTP and HTTPS listeners of an application
          load balancer, C(rules) - every rule, default rule last, with C(arn), C(priority) (V(null) for the
          default rule), C(is_default), C(path_patterns) (the values of its C(path-pattern) conditions),
          C(other_conditions) (the fields of its other conditions), C(action_type) and C(target_group_arns).
          A listener whose rules were not read has no C(rules).
      type: list
      elements: dict
      returned: always
      sample:
        - arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/open-banking-alb/0123/4567
          load_balancer_arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/open-banking-alb/0123
          port: 80
          protocol: HTTP
          target_group_arns: []
          default_action_type: fixed-response
          rules:
            - arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/open-banking-alb/0123/4567/89ab
              priority: 1
              is_default: false
              path_patterns: [/payments, /payments/*]
              other_conditions: []
              action_type: forward
              target_group_arns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/open-banking-payments-http/cdef]
            - arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/open-banking-alb/0123/4567/ffff
              priority: null
              is_default: true
              path_patterns: []
              other_conditions: []
              action_type: fixed-response
              target_group_arns: []
    target_groups:
      description:
        - Target groups (C(arn), C(name), C(target_type), C(protocol), C(port), C(vpc_id), C(load_balancer_arns),
          C(tags)) with C(targets) (C(ip), C(port), C(availability_zone), C(health_state), C(health_reason)).
        - Since version 0.3.0 also C(health_check) - C(protocol), C(path) and C(matcher) (the HTTP codes; V(null)
          for a TCP health check).
        - Since version 0.5.0 also C(targets_read_by) - V(gateway_path_info) when this run read the targets, or
          V(gateway_load_balancers) when they come from O(target_health) - and C(targets_age_seconds), how old that
          reading was (V(0) for a read of this run).
      type: list
      elements: dict
      returned: always
      sample:
        - arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/open-banking-payments-http/cdef
          name: open-banking-payments-http
          target_type: ip
          protocol: HTTP
          port: 8080
          vpc_id: vpc-0a1
          load_balancer_arns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/open-banking-alb/0123]
          health_check: {"protocol": "HTTP", "path": /health, "matcher": 200-399}
          tags: {"multiaccount:service": "payments"}
          targets: [{"ip": 10.0.1.25, "port": 8080, "availability_zone": all, "health_state": healthy, "health_reason": null}]
          targets_read_by: gateway_path_info
          targets_age_seconds: 0
    vpcs:
      description: The load balancers' VPCs (C(id), C(cidrs)).
      type: list
      elements: dict
      returned: always
    subnets:
      description: Subnets of those VPCs (C(id), C(cidr), C(availability_zone), C(vpc_id)).
      type: list
      elements: dict
      returned: always
    route_tables:
      description: Route tables of those VPCs (C(id), C(main), C(subnet_ids), C(routes) with
        C(destination), C(target), C(target_type), C(state)); a route through a transit gateway has its id as
        C(target) and C(target_type) V(transit_gateway).
      type: list
      elements: dict
      returned: always
    peerings:
      description: VPC peering connections of those VPCs, either side (C(id), C(status), C(status_message),
        C(requester) and C(accepter) with C(vpc_id), C(owner_id), C(region), C(cidrs)).
      type: list
      elements: dict
      returned: always
    test_invoke:
      description: C(TestInvokeMethod) results (C(path), C(http_method), C(status), C(latency), C(log_tail),
        C(error)); empty unless O(test_invoke).
      type: list
      elements: dict
      returned: always
    governance:
      description:
        - Who may call the API (no key value anywhere) - C(authorizers) (C(id), C(name), C(type), C(authorizer_uri),
          C(provider_arns), C(identity_source), C(identity_validation_expression), C(result_ttl)) and
          C(usage_plans) (C(id), C(name), C(description), C(api_stages) with C(api_id), C(stage) and C(throttle) -
          the per-method throttles keyed V(/<resource path>/<METHOD>), each C(rate_limit) and C(burst_limit) -,
          C(throttle), C(quota) with C(limit), C(period), C(offset), C(tags), and C(keys) with C(id), C(name),
          C(type) and C(enabled)).
        - Both lists are empty when the API does not exist.
      type: dict
      returned: when O(governance)
      version_added: 0.3.0
      sample:
        authorizers:
          - id: au1
            name: partner-jwt
            type: TOKEN
            authorizer_uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:jwt/invocations
            provider_arns: []
            identity_source: method.request.header.Authorization
            identity_validation_expression: null
            result_ttl: 300
        usage_plans:
          - id: up1
            name: open-banking-fintech-a
            description: Partner fintech-a of open-banking
            api_stages:
              - api_id: a1b2c3d4e5
                stage: v1
                throttle: {"/payments/ANY": {"rate_limit": 50.0, "burst_limit": 100}}
            throttle: null
            quota: {"limit": 10000, "period": DAY, "offset": 0}
            tags: {"multiaccount:gateway": open-banking}
            keys: [{"id": "k1", "name": "open-banking-fintech-a", "type": "API_KEY", "enabled": true}]
    domain_name:
      description: The O(domain_name) asked for.
      type: str
      returned: when O(domain_name)
      version_added: 0.3.0
      sample: api.bank.example
    domain:
      description:
        - The custom domain (V(null) when it does not exist) - C(domain_name), C(status), C(status_message),
          C(endpoint_type), C(certificate_arn), C(security_policy), C(truststore_uri) (V(null) without mutual TLS),
          C(regional_domain_name), C(regional_hosted_zone_id) and C(mappings) (C(base_path), V("") for the root
          that AWS calls V((none)), C(rest_api_id), C(stage)).
      type: dict
      returned: when O(domain_name)
      version_added: 0.3.0
      sample:
        domain_name: api.bank.example
        status: AVAILABLE
        status_message: null
        endpoint_type: REGIONAL
        certificate_arn: arn:aws:acm:us-east-1:111111111111:certificate/0123
        security_policy: TLS_1_2
        truststore_uri: null
        regional_domain_name: d-abc123.execute-api.us-east-1.amazonaws.com
        regional_hosted_zone_id: Z1UJRXOUMOOFQ8
        mappings: [{"base_path": "", "rest_api_id": "a1b2c3d4e5", "stage": "v1"}]
    transit_gateway:
      description:
        - The transit gateway of O(transit_gateway) - C(name), C(route_table_names) (C(hub), C(spokes)) and
          C(hub_attachment_name) as looked for; C(transit_gateway), ours (C(id), C(arn), C(owner_id), C(state),
          C(name), C(description), C(amazon_side_asn), C(options), C(tags); V(null) when there is none);
          C(foreign), the transit gateways with the name but without our tags (C(id), C(owner_id), C(state),
          C(tags)); C(duplicates), the ids of further ones of ours (the available one is read);
          C(route_tables) with C(hub) and C(spokes) (each V(null) when missing, else C(id), C(transit_gateway_id),
          C(state), C(name), C(tags), C(associations) and C(propagations) - C(attachment_id), C(resource_id),
          C(resource_owner_id), C(resource_type), C(state) - and C(routes) - C(destination), C(state), C(type),
          C(attachment_ids), C(resource_ids), C(target)); and C(attachments), every VPC attachment of the transit
          gateway, the providers' too (C(id), C(transit_gateway_id), C(vpc_id), C(vpc_owner_id), C(state),
          C(subnet_ids), C(tags)...).
      type: dict
      returned: when O(transit_gateway)
      version_added: 0.3.0
      sample:
        name: open-banking-tgw
        route_table_names: {hub: open-banking-tgw-gateway, spokes: open-banking-tgw-providers}
        hub_attachment_name: open-banking-gateway
        transit_gateway: {id: tgw-0a1, owner_id: "111111111111", state: available, name: open-banking-tgw}
        foreign: []
        duplicates: []
        route_tables:
          hub:
            id: tgw-rtb-0h1
            name: open-banking-tgw-gateway
            state: available
            associations: [{attachment_id: tgw-attach-0g1, resource_id: vpc-0a1, state: associated}]
            propagations: [{attachment_id: tgw-attach-0p1, resource_id: vpc-0b2, state: enabled}]
            routes: [{destination: 10.0.0.0/16, state: active, type: propagated, attachment_ids: [tgw-attach-0p1],
                      resource_ids: [vpc-0b2], target: tgw-attach-0p1}]
          spokes: null
        attachments:
          - {id: tgw-attach-0p1, transit_gateway_id: tgw-0a1, vpc_id: vpc-0b2, vpc_owner_id: "222222222222",
             state: available, subnet_ids: [subnet-0b3]}
invoke_url:
  description: The stage's invoke URL (V(null) when the API or stage is missing).
  returned: always
  type: str
  sample: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization as authz
from ansible_collections.multiaccount.apigateway.plugins.module_utils import elbv2, path_reads, rest_apis
from ansible_collections.multiaccount.apigateway.plugins.module_utils import transit_gateways as tgws
from ansible_collections.multiaccount.apigateway.plugins.module_utils import vpc_links
from ansible_collections.multiaccount.apigateway.plugins.module_utils.api_authorization import AUTHORIZER_KINDS
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import MANAGED_TAG_KEY, MANAGED_TAG_VALUE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.topology import (
    GATEWAY_TAG,
    api_path,
    connection_id_of,
    parse_integration_uri,
    subset_paths,
)

METHOD_KEYS = ("authorization_type", "request_parameters", "integration")
# The load balancers a VPC link reaches: NLBs (nlb-v1, nlb-v2) and ALBs (alb-v2, over a VPC link v2).
LOAD_BALANCER_TYPES = ("network", "application")
# The listeners of an application load balancer whose rules are read.
RULE_PROTOCOLS = ("HTTP", "HTTPS")


def find_rest_api(module, client):
    params = module.params
    if params["rest_api_id"]:
        return rest_apis.get_rest_api(client, params["rest_api_id"])
    namesakes = [api for api in rest_apis.list_rest_apis(client) if api.get("name") == params["rest_api_name"]]
    if len(namesakes) > 1:
        managed = [api for api in namesakes if (api.get("tags") or {}).get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE]
        if len(managed) != 1:
            module.fail_json(
                msg=(
                    f"rest_api_name: {len(namesakes)} REST APIs are named {params['rest_api_name']!r} "
                    f"({', '.join(sorted(api['id'] for api in namesakes))}); give rest_api_id"
                )
            )
        namesakes = managed
    return namesakes[0] if namesakes else None


def read_resources(client, api_id):
    """The API's resources with complete methods (integration included, and what each method says about
    its callers: authorizer id, scopes, API key requirement)."""
    raw_items = rest_apis.get_resources(client, api_id)
    tree = rest_apis.current_tree(raw_items)
    callers = {
        (item.get("path"), name): path_reads.normalise_method_governance(raw)
        for item in raw_items
        for name, raw in (item.get("resourceMethods") or {}).items()
    }
    for path, node in tree.items():
        for method, state in list(node["methods"].items()):
            if state.get("complete", True):
                continue
            raw = rest_apis.get_method(client, api_id, node["id"], method)
            if raw is None:
                del node["methods"][method]
            else:
                node["methods"][method] = rest_apis.normalise_method(raw)
                callers[(path, method)] = path_reads.normalise_method_governance(raw)
    resources = []
    for path in sorted(tree):
        node = tree[path]
        methods = {}
        for name, state in node["methods"].items():
            methods[name] = {key: state.get(key) for key in METHOD_KEYS}
            methods[name].update(callers.get((path, name)) or path_reads.normalise_method_governance({}))
        resources.append({"id": node["id"], "path": path, "methods": methods})
    return resources


def fingerprint_tree(resources, authorizer_names):
    """The API's resources in the form rest_api fingerprints its desired tree in: each method's authorization
    type, request parameters and integration, plus its authorizer (by name), scopes and API key requirement
    only when it has them (so that an API without them keeps the fingerprint it always had)."""
    tree = {}
    for item in resources:
        methods = {}
        for name, method in item["methods"].items():
            entry = {key: method.get(key) for key in METHOD_KEYS}
            if method.get("authorizer_id") and method.get("authorization_type") in AUTHORIZER_KINDS:
                entry["authorizer"] = authorizer_names.get(method["authorizer_id"], method["authorizer_id"])
            if method.get("authorization_scopes"):
                entry["authorization_scopes"] = sorted(method["authorization_scopes"])
            if method.get("api_key_required"):
                entry["api_key_required"] = True
            methods[name] = entry
        tree[item["path"]] = {"methods": methods}
    return tree


def fingerprints(resources, paths, authorizers=None, policy=None):
    """The fingerprint of the whole API and of the part ``paths`` own.

    ``authorizers``: the API's authorizers as GetAuthorizers gives them (None when they were not read);
    ``policy``: its resource policy (a dict or None). rest_api fingerprints the authorizers and the policy
    only when it manages them, so the fingerprints with them (with each, and with both) are returned as
    ``governed_fingerprints``, only when the API has any.
    """
    names = {raw.get("id"): raw.get("name") for raw in authorizers or []}
    tree = fingerprint_tree(resources, names)
    result = {
        "fingerprint": rest_apis.fingerprint(tree) if resources else None,
        "published_fingerprint": None,
        "paths": [],
    }
    owned = subset_paths(sorted(tree), paths) if paths and resources else []
    if owned:
        result["published_fingerprint"] = rest_apis.fingerprint({path: tree[path] for path in owned})
        result["paths"] = owned
    forms = []
    for raw in authorizers or []:
        form = authz.normalise_authorizer(raw)
        form.pop("id", None)
        forms.append(form)
    canonical = authz.canonical_policy(policy) if policy else ""
    governed = []
    if resources and (forms or canonical):
        for with_authorizers in ([], forms) if forms else ([],):
            for with_policy in ("", canonical) if canonical else ("",):
                if not with_authorizers and not with_policy:
                    continue
                governed.append(rest_apis.fingerprint(tree, with_authorizers, with_policy))
                if owned:
                    governed.append(
                        rest_apis.fingerprint({path: tree[path] for path in owned}, with_authorizers, with_policy)
                    )
    if governed:
        result["governed_fingerprints"] = governed
    return result


def read_stage(client, module, api, resources):
    stage_name = module.params["stage_name"]
    stage = rest_apis.get_stage(client, api["id"], stage_name)
    if stage is None:
        return None, None
    stage_view = {
        "name": stage_name,
        "deployment_id": stage.get("deploymentId"),
        "invoke_url": rest_apis.invoke_url(api["id"], module.region, stage_name),
        "variables": dict(stage.get("variables") or {}),
    }
    # The stage's policy settings (version 0.4.0): method settings, access log, tracing, web ACL.
    stage_view.update(path_reads.normalise_stage_settings(stage))
    deployment = None
    if stage.get("deploymentId"):
        raw = rest_apis.get_deployment(client, api["id"], stage["deploymentId"])
        if raw is not None:
            created = raw.get("createdDate")
            deployment = {
                "id": raw.get("id"),
                "description": raw.get("description"),
                "created_date": created.isoformat() if hasattr(created, "isoformat") else created,
                "fingerprint": rest_apis.fingerprint_from_description(raw.get("description")),
                "exported_integrations": None,
            }
            if deployment["fingerprint"] is None and resources:
                body = path_reads.get_export(client, api["id"], stage_name)
                deployment["exported_integrations"] = path_reads.exported_integrations(body)
    return stage_view, deployment


def elb_tags(client, arns):
    tags = {}
    arns = sorted(set(arns))
    for start in range(0, len(arns), path_reads.ELB_TAGS_BATCH):
        tags.update(
            path_reads.tags_by_arn(
                path_reads.describe_elb_tags(client, arns[start : start + path_reads.ELB_TAGS_BATCH])
            )
        )
    return tags


def tagged_for(tags, gateway):
    return bool(gateway) and (tags or {}).get(GATEWAY_TAG) == gateway


def vpc_link_integrations(resources):
    """The integrations of every method that go through a VPC link."""
    return [
        method["integration"]
        for resource in resources
        for method in resource["methods"].values()
        if method.get("integration") and method["integration"].get("connection_type") == "VPC_LINK"
    ]


def snapshot_link(link):
    """A link of either flavour in the snapshot's shape (v1 links keep the shape they always had)."""
    link = dict(link)
    link.pop("arn", None)
    if link["version"] == "v1":
        link.pop("subnet_ids", None)
        link.pop("security_group_ids", None)
    return link


def read_load_balancing(module, apigw, elb, resources, stage=None):
    """Links, load balancers (NLBs and ALBs), listeners (with the rules of an ALB's HTTP(S) listeners) and
    target groups that the API names or that carry the gateway tag.

    The VPC links v2 (apigatewayv2) are read only when an integration (or O(vpc_link_ids)) names a
    link that is not a REST v1 link, or carries an integration target: a v1 installation makes no
    call more than it did before links v2 existed. Returns the links, the flavours read, the load
    balancers, listeners and target groups.
    """
    params = module.params
    gateway = params["gateway"]
    integrations = vpc_link_integrations(resources)
    stage_view = {"stage": stage or {}}
    link_ids = {connection_id_of(integration, stage_view) for integration in integrations} - {None}
    link_ids.update(params["vpc_link_ids"])
    uri_hosts = {parse_integration_uri(integration.get("uri"))[0] for integration in integrations} - {None}
    integration_targets = {integration.get("integration_target") for integration in integrations} - {None}

    all_links = [snapshot_link(vpc_links.normalise_vpc_link(raw, "v1")) for raw in vpc_links.get_v1_vpc_links(apigw)]
    links = {link["id"]: link for link in all_links if link["id"] in link_ids or tagged_for(link["tags"], gateway)}
    versions = ["v1"]
    if integration_targets or link_ids - {link["id"] for link in all_links}:
        versions.append("v2")
        apigwv2 = module.client("apigatewayv2")
        for raw in vpc_links.get_v2_vpc_links(apigwv2):
            link = snapshot_link(vpc_links.normalise_vpc_link(raw, "v2"))
            if link["id"] in link_ids or tagged_for(link["tags"], gateway):
                links.setdefault(link["id"], link)

    all_lbs = [lb for lb in path_reads.describe_load_balancers(elb) if lb.get("Type") in LOAD_BALANCER_TYPES]
    all_tgs = elbv2.describe_target_groups(elb)
    tags = elb_tags(elb, [lb["LoadBalancerArn"] for lb in all_lbs] + [tg["TargetGroupArn"] for tg in all_tgs])
    lbs = {
        lb["LoadBalancerArn"]: path_reads.normalise_load_balancer(lb, tags.get(lb["LoadBalancerArn"])) for lb in all_lbs
    }
    tgs = {tg["TargetGroupArn"]: tg for tg in all_tgs}

    wanted_lbs = set(params["load_balancer_arns"]) | integration_targets
    for link in links.values():
        wanted_lbs.update(link["target_arns"])
    for arn, lb in lbs.items():
        if (lb["dns_name"] or "").lower() in uri_hosts or tagged_for(lb["tags"], gateway):
            wanted_lbs.add(arn)
    wanted_tgs = set(params["target_group_arns"])
    for arn, tg in tgs.items():
        if tagged_for(tags.get(arn), gateway) or wanted_lbs & set(tg.get("LoadBalancerArns") or []):
            wanted_tgs.add(arn)
    for arn in list(wanted_tgs):
        wanted_lbs.update((tgs.get(arn) or {}).get("LoadBalancerArns") or [])
    for link in all_links:
        if wanted_lbs & set(link["target_arns"]):
            links.setdefault(link["id"], link)

    listeners = []
    for arn in sorted(wanted_lbs & set(lbs)):
        listeners.extend(path_reads.normalise_listener(raw) for raw in path_reads.describe_listeners(elb, arn))
    for listener in listeners:
        wanted_tgs.update(arn for arn in listener["target_group_arns"] if arn in tgs)
        # An application load balancer routes on its listener rules: one DescribeRules per HTTP(S) listener.
        balancer = lbs.get(listener["load_balancer_arn"]) or {}
        if balancer.get("type") == "application" and listener["protocol"] in RULE_PROTOCOLS:
            listener["rules"] = [
                path_reads.normalise_listener_rule(raw) for raw in elbv2.describe_rules(elb, listener["arn"])
            ]
            listener["rules"].sort(key=lambda rule: (rule["is_default"], rule["priority"] or 0))
            for rule in listener["rules"]:
                wanted_tgs.update(arn for arn in rule["target_group_arns"] if arn in tgs)

    target_groups = []
    # What this run read already (gateway_load_balancers), fresh and all healthy, is not read again.
    fresh = path_reads.fresh_target_health(params["target_health"], time.time(), params["target_health_max_age"])
    for arn in sorted(wanted_tgs & set(tgs)):
        if arn in fresh:
            targets, age = fresh[arn]
            read_by = "gateway_load_balancers"
        else:
            targets, age = elbv2.targets_from_health(elbv2.describe_target_health(elb, arn) or []), 0.0
            read_by = "gateway_path_info"
        group = path_reads.normalise_target_group(tgs[arn], tags.get(arn), targets)
        group.update(targets_read_by=read_by, targets_age_seconds=round(age, 1))
        target_groups.append(group)
    load_balancers = [lbs[arn] for arn in sorted(wanted_lbs & set(lbs))]
    return {
        "vpc_links": sorted(links.values(), key=lambda link: link["id"]),
        "vpc_link_versions": versions,
        "load_balancers": load_balancers,
        "listeners": listeners,
        "target_groups": target_groups,
    }


def read_governance(client, api, stage_name, gateway, raw_authorizers):
    """The API's authorizers (``raw_authorizers``, read once by the caller), the usage plans bound to its
    stage (and those with the gateway tag, so that a plan that lost its binding is still seen) with their
    keys, and whether each key is enabled.

    One paginated GetUsagePlans, one GetUsagePlanKeys per plan kept, and one paginated GetApiKeys when a
    plan has a key. No API key value is read or kept.
    """
    if api is None:
        return {"authorizers": [], "usage_plans": []}
    authorizers = [path_reads.normalise_authorizer(raw) for raw in raw_authorizers or []]
    kept = []
    for raw in path_reads.get_usage_plans(client):
        bound = any(
            entry.get("apiId") == api["id"] and entry.get("stage") == stage_name for entry in raw.get("apiStages") or []
        )
        tags = raw.get("tags") or {}
        if isinstance(tags, list):
            tags = path_reads.tags_dict(tags)
        if bound or tagged_for(tags, gateway):
            kept.append(raw)
    kept.sort(key=lambda raw: (raw.get("name") or "", raw.get("id") or ""))
    keys = {raw["id"]: path_reads.get_usage_plan_keys(client, raw["id"]) for raw in kept}
    api_keys = {}
    if any(keys.values()):
        api_keys = {key.get("id"): key for key in path_reads.get_api_keys(client)}
    plans = [
        path_reads.normalise_usage_plan(
            raw,
            [path_reads.normalise_usage_plan_key(key, api_keys.get(key.get("id"))) for key in keys[raw["id"]]],
        )
        for raw in kept
    ]
    return {
        "authorizers": sorted(authorizers, key=lambda item: (item["name"] or "", item["id"] or "")),
        "usage_plans": plans,
    }


def read_domain(client, domain_name):
    """The custom domain with its base path mappings (None when it does not exist)."""
    raw = path_reads.get_domain_name(client, domain_name)
    if raw is None:
        return None
    return path_reads.normalise_domain(raw, path_reads.get_base_path_mappings(client, domain_name))


def read_network(ec2, vpc_ids):
    if not vpc_ids:
        return [], [], [], []
    vpcs = [path_reads.normalise_vpc(raw) for raw in path_reads.describe_vpcs(ec2, sorted(vpc_ids))]
    return (vpcs, *path_reads.read_vpc_network(ec2, vpc_ids))


def owned_by(tags, gateway):
    """Ours: the ManagedBy tag, and the gateway tag with O(gateway)'s value when it is given."""
    tags = tags or {}
    if gateway:
        return tgws.is_ours(tags, gateway)
    return tags.get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE


def _first_live(entries):
    """The live entries, the available ones first (then by id); the first of them or None."""
    live = sorted(
        (entry for entry in entries if tgws.is_live(entry)),
        key=lambda entry: (entry.get("state") != tgws.AVAILABLE, entry.get("id") or ""),
    )
    return live[0] if live else None


def read_transit_gateway(ec2, spec, gateway):
    """The gateway's transit gateway (hub and spoke) as the ``transit_gateway`` hop judges it.

    ``spec``: O(transit_gateway) (the names to look for). A fixed number of calls, whatever the number of
    providers: one DescribeTransitGateways (by its Name tag), and when one of ours is there one
    DescribeTransitGatewayRouteTables and one DescribeTransitGatewayVpcAttachments (on the transit gateway),
    then per route table found (hub, spokes) one GetTransitGatewayRouteTableAssociations, one
    GetTransitGatewayRouteTablePropagations and one SearchTransitGatewayRoutes (active and blackhole routes):
    at most 9.
    """
    name = spec["name"]
    tables = spec.get("route_tables") or {}
    names = {"hub": tables.get("hub") or f"{name}-gateway", "spokes": tables.get("spokes") or f"{name}-providers"}
    view = {
        "name": name,
        "route_table_names": names,
        "hub_attachment_name": (spec.get("hub") or {}).get("name") or (f"{gateway}-gateway" if gateway else None),
        "transit_gateway": None,
        "foreign": [],
        "duplicates": [],
        "route_tables": {"hub": None, "spokes": None},
        "attachments": [],
    }
    found = [
        tgws.normalise_transit_gateway(raw) for raw in tgws.describe_transit_gateways(ec2, filters={"tag:Name": [name]})
    ]
    named = [entry for entry in found if tgws.is_live(entry) and entry["name"] == name]
    ours = [entry for entry in named if owned_by(entry["tags"], gateway)]
    view["foreign"] = sorted(
        (
            {"id": entry["id"], "owner_id": entry["owner_id"], "state": entry["state"], "tags": entry["tags"]}
            for entry in named
            if entry not in ours
        ),
        key=lambda entry: entry["id"] or "",
    )
    chosen = _first_live(ours)
    if chosen is None:
        return view
    view["transit_gateway"] = chosen
    view["duplicates"] = sorted(entry["id"] for entry in ours if entry["id"] != chosen["id"])
    on_tgw = {"transit-gateway-id": [chosen["id"]]}
    route_tables = [
        tgws.normalise_route_table(raw) for raw in tgws.describe_transit_gateway_route_tables(ec2, filters=on_tgw)
    ]
    view["attachments"] = sorted(
        (tgws.normalise_attachment(raw) for raw in tgws.describe_transit_gateway_vpc_attachments(ec2, filters=on_tgw)),
        key=lambda entry: entry["id"] or "",
    )
    for role in ("hub", "spokes"):
        table = _first_live([entry for entry in route_tables if entry["name"] == names[role]])
        if table is None:
            continue
        table = dict(
            table,
            associations=[
                tgws.normalise_link(raw) for raw in tgws.get_transit_gateway_route_table_associations(ec2, table["id"])
            ],
            propagations=[
                tgws.normalise_link(raw) for raw in tgws.get_transit_gateway_route_table_propagations(ec2, table["id"])
            ],
            routes=[
                path_reads.normalise_tgw_route(raw)
                for raw in tgws.search_transit_gateway_routes(ec2, table["id"], {"state": ["active", "blackhole"]})
            ],
        )
        view["route_tables"][role] = table
    return view


def run_test_invoke(client, api, resources, paths):
    wanted = {api_path(path) for path in paths}
    results = []
    for resource in resources:
        if wanted and resource["path"] not in wanted:
            continue
        methods = resource["methods"]
        if not wanted and not any(
            (m.get("integration") or {}).get("connection_type") == "VPC_LINK" for m in methods.values()
        ):
            continue
        if not methods or "{" in resource["path"]:
            continue
        method = "GET" if "GET" in methods else sorted(methods)[0]
        try:
            raw = path_reads.test_invoke_method(client, api["id"], resource["id"], method, resource["path"])
            results.append(path_reads.normalise_test_invoke(resource["path"], method, raw))
        except AnsibleAWSError as error:
            results.append(
                {
                    "path": resource["path"],
                    "http_method": method,
                    "status": None,
                    "latency": None,
                    "log_tail": "",
                    "error": str(error),
                }
            )
    return results


def read_gateway(module):
    params = module.params
    apigw = module.client("apigateway")
    elb = module.client("elbv2")
    ec2 = module.client("ec2")
    identity = (
        {"Account": params["account_id"]}
        if params.get("account_id")
        else path_reads.get_caller_identity(module.client("sts"))
    )

    api = find_rest_api(module, apigw)
    resources, stage, deployment, tests = [], None, None, []
    raw_authorizers = None
    if api is not None:
        resources = read_resources(apigw, api["id"])
        stage, deployment = read_stage(apigw, module, api, resources)
        # The authorizers: with governance, and whenever a method names one (its name is in the fingerprint).
        named = any(method.get("authorizer_id") for item in resources for method in item["methods"].values())
        if params["governance"] or named:
            raw_authorizers = path_reads.get_authorizers(apigw, api["id"])
    policy, unparsed = path_reads.parse_policy((api or {}).get("policy"))
    governance = None
    if params["governance"]:
        governance = read_governance(apigw, api, params["stage_name"], params["gateway"], raw_authorizers)
    domain = None
    if params["domain_name"]:
        domain = read_domain(apigw, params["domain_name"])
    balancing = read_load_balancing(module, apigw, elb, resources, stage)
    vpc_ids = {lb["vpc_id"] for lb in balancing["load_balancers"] if lb.get("vpc_id")}
    vpc_ids.update(tg["vpc_id"] for tg in balancing["target_groups"] if tg.get("vpc_id"))
    vpcs, subnets, route_tables, peerings = read_network(ec2, vpc_ids)
    # The security groups of the VPC links v2 and of the application load balancers (one call, none
    # without such a link or balancer; an NLB's groups are not read).
    link_groups = [
        group_id
        for link in balancing["vpc_links"]
        if link["version"] == "v2"
        for group_id in link.get("security_group_ids") or []
    ]
    alb_groups = [
        group_id
        for balancer in balancing["load_balancers"]
        if balancer.get("type") == "application"
        for group_id in balancer.get("security_group_ids") or []
    ]
    security_groups = path_reads.read_security_groups_with_egress(ec2, link_groups + alb_groups)
    # The transit gateway (hub and spoke): only when asked, so that a peering installation makes no call more.
    transit_gateway = None
    if params["transit_gateway"]:
        transit_gateway = read_transit_gateway(ec2, params["transit_gateway"], params["gateway"])
    if api is not None and params["test_invoke"]:
        tests = run_test_invoke(apigw, api, resources, params["paths"])

    snapshot = {
        "account_id": identity.get("Account"),
        "region": module.region,
        "rest_api_name": (api or {}).get("name") or params["rest_api_name"],
        "stage_name": params["stage_name"],
        "gateway_tag": params["gateway"],
        "rest_api": None,
        "resources": resources,
        "config": fingerprints(resources, params["paths"], raw_authorizers, policy),
        "stage": stage,
        "deployment": deployment,
        "vpc_links": balancing["vpc_links"],
        "vpc_link_versions": balancing["vpc_link_versions"],
        "security_groups": security_groups,
        "load_balancers": balancing["load_balancers"],
        "listeners": balancing["listeners"],
        "target_groups": balancing["target_groups"],
        "vpcs": vpcs,
        "subnets": subnets,
        "route_tables": route_tables,
        "peerings": peerings,
        "test_invoke": tests,
    }
    if params["governance"]:
        snapshot["governance"] = governance
    if params["transit_gateway"]:
        snapshot["transit_gateway"] = transit_gateway
    if params["domain_name"]:
        snapshot["domain_name"] = params["domain_name"]
        snapshot["domain"] = domain
    if api is not None:
        snapshot["rest_api"] = {
            "id": api["id"],
            "name": api.get("name"),
            "endpoint_type": rest_apis.endpoint_type_of(api),
            "tags": dict(api.get("tags") or {}),
            "policy": policy,
        }
        if unparsed:
            snapshot["rest_api"]["policy_unparsed"] = unparsed
    return snapshot


def main():
    argument_spec = dict(
        account_id=dict(type="str"),
        rest_api_id=dict(type="str", aliases=["id"]),
        rest_api_name=dict(type="str", aliases=["name"]),
        stage_name=dict(type="str", required=True),
        gateway=dict(type="str"),
        paths=dict(type="list", elements="str", default=[]),
        load_balancer_arns=dict(type="list", elements="str", default=[]),
        target_group_arns=dict(type="list", elements="str", default=[]),
        vpc_link_ids=dict(type="list", elements="str", default=[]),
        test_invoke=dict(type="bool", default=False),
        governance=dict(type="bool", default=False),
        domain_name=dict(type="str"),
        target_health=dict(type="list", elements="dict", default=[]),
        target_health_max_age=dict(type="int", default=60),
        transit_gateway=dict(
            type="dict",
            options=dict(
                name=dict(type="str", required=True),
                route_tables=dict(
                    type="dict",
                    default={},
                    options=dict(hub=dict(type="str"), spokes=dict(type="str")),
                ),
                hub=dict(type="dict", default={}, options=dict(name=dict(type="str"))),
            ),
        ),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[["rest_api_id", "rest_api_name"]],
        mutually_exclusive=[["rest_api_id", "rest_api_name"]],
        supports_check_mode=True,
    )
    try:
        snapshot = read_gateway(module)
    except AnsibleAWSError as error:
        module.fail_json_aws_error(error)
    invoke_url = (snapshot.get("stage") or {}).get("invoke_url")
    module.exit_json(changed=False, gateway=snapshot, invoke_url=invoke_url)


if __name__ == "__main__":
    main()
