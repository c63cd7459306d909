#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: vpc_link_info
version_added: 0.1.0
short_description: List Amazon API Gateway VPC links (REST v1 and v2)
description:
  - List the API Gateway VPC links of one account and region, REST API (V(v1)) links, V(v2) links
    or both, filtered by id, name and tags.
  - Every filter given must match. Unlike M(multiaccount.apigateway.vpc_link), the name filter
    also matches links that do not carry the C(ManagedBy=multiaccount.apigateway) tag; add that
    tag to O(tags) to see only the links this collection manages.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  vpc_link_ids:
    description:
      - Only these links. Ids that do not exist are left out of the result (no error).
    type: list
    elements: str
    aliases: [ids]
  name:
    description:
      - Only links with exactly this name (names are not unique on AWS).
    type: str
  tags:
    description:
      - Only links that carry every one of these tags with the same value.
    type: dict
  version:
    description:
      - Which flavour to list, V(v1) (REST API VPC links), V(v2), or V(all).
    type: str
    choices: [v1, v2, all]
    default: all
notes:
  - Operations are retried with jittered backoff, including C(TooManyRequestsException).
seealso:
  - module: multiaccount.apigateway.vpc_link
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Read-only; check mode lists the same links.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Every VPC link of the account, both flavours
  multiaccount.apigateway.vpc_link_info:
  register: all_links

- name: The managed REST API link called open-banking-payments
  multiaccount.apigateway.vpc_link_info:
    name: open-banking-payments
    version: v1
    tags:
      ManagedBy: multiaccount.apigateway
  register: payments

- name: Ids of the links that are not AVAILABLE yet
  ansible.builtin.debug:
    msg: "{{ all_links.vpc_links | rejectattr('status', 'equalto', 'AVAILABLE') | map(attribute='id') }}"

- name: Two links by id
  multiaccount.apigateway.vpc_link_info:
    vpc_link_ids: [a1b2c3, d4e5f6g7]

# Cross-account: read the links of the shared-services (gateway) account with an assumed role.
- name: Assume the read-only role in the gateway account
  amazon.aws.sts_assume_role:
    role_arn: arn:aws:iam::111111111111:role/apigateway-auditor
    role_session_name: vpc-link-info
  register: gateway_role

- name: List the managed links of the gateway account
  module_defaults:
    group/multiaccount.apigateway.aws:
      access_key: "{{ gateway_role.sts_creds.access_key }}"
      secret_key: "{{ gateway_role.sts_creds.secret_key }}"
      session_token: "{{ gateway_role.sts_creds.session_token }}"
      region: us-east-1
  multiaccount.apigateway.vpc_link_info:
    tags:
      ManagedBy: multiaccount.apigateway
  register: gateway_links
"""

RETURN = r"""
vpc_links:
  description:
    - The matching links, V(v1) links first, in the shape M(multiaccount.apigateway.vpc_link)
      returns; keys of the other flavour are empty lists (or null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the link.
      type: str
      sample: a1b2c3
    arn:
      description: ARN of the link (used for tagging).
      type: str
      sample: "arn:aws:apigateway:us-east-1::/vpclinks/a1b2c3"
    name:
      description: Name of the link.
      type: str
      sample: open-banking-payments
    description:
      description: Description (V(v1) links; null for V(v2)).
      type: str
      sample: API Gateway to the payments NLB
    version:
      description: Flavour of the link, V(v1) or V(v2).
      type: str
      sample: v1
    status:
      description: V(PENDING), V(AVAILABLE), V(DELETING), V(FAILED) (V(v2) also V(INACTIVE)).
      type: str
      sample: AVAILABLE
    status_message:
      description: The status message AWS gives, notably the cause of V(FAILED).
      type: str
      sample: Your vpc link is ready for use
    target_arns:
      description: NLB ARNs of a V(v1) link (empty for V(v2)).
      type: list
      elements: str
      sample: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/0123456789abcdef"]
    subnet_ids:
      description: Subnets of a V(v2) link (empty for V(v1)).
      type: list
      elements: str
      sample: []
    security_group_ids:
      description: Security groups of a V(v2) link (empty for V(v1)).
      type: list
      elements: str
      sample: []
    tags:
      description: Tags of the link.
      type: dict
      sample: {"ManagedBy": "multiaccount.apigateway", "team": "platform"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.vpc_links import (
    VERSIONS,
    filter_links,
    get_vpc_link,
    list_vpc_links,
)


def describe_links(module):
    params = module.params
    versions = list(VERSIONS) if params["version"] == "all" else [params["version"]]
    clients = {version: module.client("apigateway" if version == "v1" else "apigatewayv2") for version in versions}
    ids = params["vpc_link_ids"]
    if ids:
        # GetVpcLink per id rather than listing everything: cheaper for a few ids.
        links = []
        for version in versions:
            for vpc_link_id in dict.fromkeys(ids):
                link = get_vpc_link(clients, version, vpc_link_id)
                if link:
                    links.append(link)
    else:
        links = list_vpc_links(clients, versions)
    return filter_links(links, vpc_link_ids=ids, name=params["name"], tags=params["tags"])


def main():
    argument_spec = dict(
        vpc_link_ids=dict(type="list", elements="str", aliases=["ids"]),
        name=dict(type="str"),
        tags=dict(type="dict"),
        version=dict(type="str", default="all", choices=["v1", "v2", "all"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        links = describe_links(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, vpc_links=links)


if __name__ == "__main__":
    main()
