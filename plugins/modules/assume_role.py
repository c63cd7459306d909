#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: assume_role
version_added: 0.3.0
short_description: Assume an account's IAM role and say who the temporary credentials act as
description:
  - One STS C(AssumeRole) call with the caller's credentials (environment, or O(profile)). Returns the
    temporary credentials, the identity they act as (account and ARN, read from the answer, with no
    second call) and their fingerprint, the form in which the identity guard of the collection's roles
    (M(multiaccount.apigateway.identity_guard)) recognises them without another call.
  - The role C(multiaccount.apigateway.account_credentials) runs it once per account host at the start
    of every playbook. It does what M(amazon.aws.sts_assume_role) does for that role, as a module of
    this collection, so that it runs in a child forked from the Ansible worker
    (C(plugins/plugin_utils/in_process.py)) instead of a new Python, one such run per account and
    playbook.
  - The answer carries credentials. Give the task C(no_log=true); the module never prints them
    itself, and fails before any call, naming the option, on a bad O(role_arn), O(role_session_name)
    or O(duration_seconds).
  - A throttled C(AssumeRole) (STS throttles per caller account when many accounts are assumed at once)
    is retried with the collection's backoff (10 retries, jittered, up to 30 s apart) before it fails.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  role_arn:
    description:
      - The ARN of the role to assume, C(arn:<partition>:iam::<12-digit account>:role/<path/name>).
    type: str
    required: true
  role_session_name:
    description:
      - The session name CloudTrail records; 2 to 64 characters of letters, digits and V(+=,.@_-).
    type: str
    required: true
  duration_seconds:
    description:
      - How long the credentials last, 900 to 43200 seconds (the role's maximum session duration
        bounds it; AWS refuses more).
    type: int
    default: 3600
  external_id:
    description:
      - The external id that the role's trust policy asks for, if any. Never printed.
    type: str
notes:
  - Obtaining temporary credentials changes nothing in any account, so the module reports
    C(changed=false) and makes its call in check mode too.
seealso:
  - module: amazon.aws.sts_assume_role
  - module: multiaccount.apigateway.identity_guard
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  action:
    support: full
    details: The action plugin of the same name runs the module in a child forked from the worker when it can.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: The call changes nothing, so it is made in check mode too (later tasks need the credentials).
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Assume the deployer role of the payments account
  multiaccount.apigateway.assume_role:
    role_arn: arn:aws:iam::222222222222:role/ApiGatewayPlatformDeployer
    role_session_name: multiaccount-apigateway-payments
    region: eu-west-1
  register: payments_role
  no_log: true

- name: Use the credentials in the next task
  amazon.aws.ec2_vpc_net_info:
    access_key: "{{ payments_role.credentials.access_key }}"
    secret_key: "{{ payments_role.credentials.secret_key }}"
    session_token: "{{ payments_role.credentials.session_token }}"
    region: eu-west-1
"""

RETURN = r"""
credentials:
  description: The temporary credentials (give the task C(no_log)).
  returned: success
  type: dict
  contains:
    access_key:
      description: The access key id.
      type: str
      sample: ASIAIOSFODNN7EXAMPLE
    secret_key:
      description: The secret access key.
      type: str
      sample: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    session_token:
      description: The session token.
      type: str
      sample: FQoGZXIvYXdzE...
    expiration:
      description: When they expire (ISO 8601, UTC).
      type: str
      sample: "2026-12-04T18:30:00+00:00"
account_id:
  description: The account the credentials act in (from the ARN of the assumed role's session).
  returned: success
  type: str
  sample: "222222222222"
arn:
  description: Who the credentials act as, the assumed role's session.
  returned: success
  type: str
  sample: arn:aws:sts::222222222222:assumed-role/ApiGatewayPlatformDeployer/multiaccount-apigateway-payments
assumed_role_id:
  description: The id of the assumed role's session.
  returned: success
  type: str
  sample: AROA3XFRBF535PLBIFPI4:multiaccount-apigateway-payments
fingerprint:
  description:
    - Which credentials these are, never the credentials themselves - V(key:) and the first 16 hex
      digits of the SHA-256 of the access key id, as M(multiaccount.apigateway.identity_guard) compares them.
  returned: success
  type: str
  sample: key:3f2a9c0d81b47e65
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.credentials import (
    assume_problems,
    assume_request,
    assumed,
)


def problems_of(params):
    """What is wrong with the options, each naming the option and the fix (empty: nothing)."""
    return assume_problems(params["role_arn"], params["role_session_name"], params["duration_seconds"])


def result_of(answer):
    """The module's result from an AssumeRole answer."""
    return dict(changed=False, **assumed(answer))


def main():
    argument_spec = dict(
        role_arn=dict(type="str", required=True),
        role_session_name=dict(type="str", required=True),
        duration_seconds=dict(type="int", default=3600),
        external_id=dict(type="str", no_log=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = problems_of(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    request = assume_request(
        module.params["role_arn"],
        module.params["role_session_name"],
        module.params["duration_seconds"],
        module.params["external_id"],
    )
    client = module.client("sts", retry_decorator=aws_retry)
    try:
        answer = client.assume_role(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not assume {module.params['role_arn']}")
    module.exit_json(**result_of(answer))


if __name__ == "__main__":
    main()
