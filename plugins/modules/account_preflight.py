#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: account_preflight
version_added: 0.3.0
short_description: Check, read-only, what only an account's AWS knows before the first write of a run
description:
  - The per-account half of M(multiaccount.apigateway.preflight), run in play 1 of
    C(multiaccount.apigateway.site) on every account whose plan needs it, after the credentials and
    before any AWS change in any account (the play stops every host on the first failure).
  - Checks that every Availability Zone the host's subnets name exists in its region for this
    account (C(DescribeAvailabilityZones)), with a did-you-mean.
  - For a provider that adopts a VPC (C(provider_vpc_id) or C(provider_vpc_tags)), checks with one
    C(DescribeVpcs) that exactly one such VPC exists, that C(provider_vpc_cidr) (when given) is one
    of its CIDRs, that every target IP of its services lies in it, and that it does not overlap the
    gateway VPC.
  - For a gateway with C(shared_gateway_certificate_arn) (private integration V(alb-v2) over HTTPS), checks
    with one C(acm:DescribeCertificate) that the certificate exists in the account and region and is
    C(ISSUED), and returns its names (RV(certificate)), from which the HTTPS integrations take their host.
  - Every problem is reported at once, naming the host, the inventory field and the fix.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  host:
    description: The inventory host (account) checked, for the messages.
    type: str
    required: true
  checks:
    description:
      - The host's C(aws_checks) from the plan (C(preflight_plan.accounts[inventory_hostname].aws_checks)).
    type: dict
    required: true
    suboptions:
      needed:
        description: False when there is nothing to check (the module then makes no call).
        type: bool
        default: true
      availability_zones:
        description: The zones named by the host's subnets, each with the field that names it.
        type: list
        elements: dict
        default: []
        suboptions:
          az:
            description: The zone name, for example C(us-east-1a), or zone id (C(use1-az1)).
            type: str
            required: true
          field:
            description: The inventory field that names it, for example C(shared_gateway_subnets[0].az).
            type: str
            required: true
      vpc:
        description: How to find the VPC a provider adopts, and what must hold of it; null when the VPC is created.
        type: dict
        suboptions:
          filters:
            description: DescribeVpcs filters (C(vpc-id), or C(tag:<key>)).
            type: dict
            required: true
          field:
            description: The field that names the VPC, C(provider_vpc_id) or C(provider_vpc_tags).
            type: str
            required: true
          cidr:
            description: The C(provider_vpc_cidr) given, or null.
            type: str
          targets:
            description: Target IPs of the provider's services, which must lie in the VPC.
            type: list
            elements: str
            default: []
          gateway_vpc_cidr:
            description: The gateway VPC's CIDR, which the VPC must not overlap.
            type: str
      certificate:
        description: The ACM certificate the gateway's ALB listens HTTPS with; null when there is none.
        type: dict
        version_added: 0.3.0
        suboptions:
          arn:
            description: Its ARN.
            type: str
            required: true
          field:
            description: The field that names it, C(shared_gateway_certificate_arn).
            type: str
            required: true
notes:
  - Read-only; the same checks run in check mode.
seealso:
  - module: multiaccount.apigateway.preflight
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details: Read-only; check mode checks the same.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Check in each account what only AWS knows, before any write
  multiaccount.apigateway.account_preflight:
    host: "{{ inventory_hostname }}"
    checks: "{{ preflight_plan.accounts[inventory_hostname].aws_checks }}"
  when: preflight_plan.accounts[inventory_hostname].aws_checks.needed
"""

RETURN = r"""
availability_zones:
  description: The zone names the account has in the region (empty when no zone was to be checked).
  returned: success
  type: list
  elements: str
  sample: [us-east-1a, us-east-1b, us-east-1c]
vpc:
  description: The adopted VPC found, or null when none is adopted.
  returned: success
  type: dict
  contains:
    id:
      description: Its id.
      type: str
      sample: vpc-0123456789abcdef0
    cidrs:
      description: Its IPv4 CIDR blocks, primary first.
      type: list
      elements: str
      sample: [10.0.0.0/16]
certificate:
  description: The certificate checked (C(checks.certificate)), or null when there is none.
  returned: success
  type: dict
  version_added: 0.3.0
  contains:
    arn:
      description: Its ARN.
      type: str
    status:
      description: Its status, C(ISSUED).
      type: str
    domain_name:
      description: Its domain name.
      type: str
      sample: api.bank.example
    subject_alternative_names:
      description: Its names.
      type: list
      elements: str
      sample: [api.bank.example]
problems:
  description: Each problem found, with the field that causes it (on failure).
  returned: failure
  type: list
  elements: dict
  sample: [{"field": "shared_gateway_subnets[1].az", "message": "Availability Zone us-east-1z does not exist ..."}]
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.account_checks import (
    ec2_filters,
    judge_certificate,
    judge_vpc,
    judge_zones,
    option_problems,
)


def main():
    argument_spec = dict(
        host=dict(type="str", required=True),
        checks=dict(
            type="dict",
            required=True,
            options=dict(
                needed=dict(type="bool", default=True),
                availability_zones=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(az=dict(type="str", required=True), field=dict(type="str", required=True)),
                ),
                vpc=dict(
                    type="dict",
                    options=dict(
                        filters=dict(type="dict", required=True),
                        field=dict(type="str", required=True),
                        cidr=dict(type="str"),
                        targets=dict(type="list", elements="str", default=[]),
                        gateway_vpc_cidr=dict(type="str"),
                    ),
                ),
                certificate=dict(
                    type="dict",
                    options=dict(arn=dict(type="str", required=True), field=dict(type="str", required=True)),
                ),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    host, checks = module.params["host"], module.params["checks"]
    bad_options = option_problems(checks)
    if bad_options:
        module.fail_json(msg=f"{host}: " + "; ".join(bad_options))
    if not checks["needed"] or not (checks["availability_zones"] or checks["vpc"] or checks["certificate"]):
        module.exit_json(changed=False, availability_zones=[], vpc=None, certificate=None)
    region = module.region
    ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    problems, zone_names, found, certificate = [], [], None, None
    try:
        if checks["certificate"]:
            acm = module.client("acm", retry_decorator=AWSRetry.jittered_backoff())
            try:
                raw = acm.describe_certificate(aws_retry=True, CertificateArn=checks["certificate"]["arn"])
                raw = raw["Certificate"]
            except botocore.exceptions.ClientError as e:
                if e.response.get("Error", {}).get("Code") not in ("ResourceNotFoundException", "ValidationException"):
                    raise
                raw = None
            problems += judge_certificate(checks["certificate"], raw)
            if raw is not None:
                certificate = {
                    "arn": raw.get("CertificateArn"),
                    "status": raw.get("Status"),
                    "domain_name": raw.get("DomainName"),
                    "subject_alternative_names": list(raw.get("SubjectAlternativeNames") or []),
                }
        if checks["availability_zones"]:
            zones = ec2.describe_availability_zones(aws_retry=True)["AvailabilityZones"]
            zone_names = sorted(zone["ZoneName"] for zone in zones)
            zone_ids = [zone["ZoneId"] for zone in zones if zone.get("ZoneId")]
            problems += judge_zones(checks["availability_zones"], zone_names, zone_ids, region)
        if checks["vpc"]:
            vpcs = ec2.describe_vpcs(aws_retry=True, Filters=ec2_filters(checks["vpc"]["filters"]))["Vpcs"]
            vpc_problems, found = judge_vpc(checks["vpc"], vpcs, region)
            problems += vpc_problems
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"{host}: could not read the account's Availability Zones, VPCs or certificate")
    if problems:
        module.fail_json(
            msg=f"{host}: " + "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems),
            problems=problems,
        )
    module.exit_json(changed=False, availability_zones=zone_names, vpc=found, certificate=certificate)


if __name__ == "__main__":
    main()
