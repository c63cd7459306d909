#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: account_credentials
version_added: 0.3.0
short_description: Get an account's credentials and check that they act in it
description:
  - Gets the credentials of one AWS account by O(method), checks that they act in it, and returns them
    with who they are.
  - The role C(multiaccount.apigateway.account_credentials) runs it on each account host at the start of
    every playbook, then publishes what it returns as host facts - one module run where the role had
    four tasks (a check of the inputs, the call, a second check, and a skipped call of the other methods).
  - Checks the options before any call, naming the option and the fix (O(account_id) a 12-digit id, the
    role ARN in that account, a profile for O(method=profile)).
  - Then gets the credentials by O(method). V(assume_role) makes one STS C(AssumeRole) call with the
    caller's credentials (environment, or O(profile)) and reads who they act as from the answer.
    V(profile) and V(environment) use the account's named profile (O(account_profile)) or the caller's
    environment as they are, and ask STS C(GetCallerIdentity) who they are when O(verify) is on.
  - STS throttles C(AssumeRole) per caller account when many accounts are assumed at once (one task per
    account host, side by side). A throttled call is retried with the collection's backoff (10 retries,
    jittered, up to 30 s apart), as every other AWS call of the collection, before it fails.
  - With O(verify) on, fails when the credentials act in another account than O(account_id).
  - Returns RV(credentials), the values a play gives its AWS modules through C(module_defaults), and
    RV(identity), who they are without them, as M(multiaccount.apigateway.identity_guard) compares it. It
    returns no C(ansible_facts), which a fact cache would keep.
  - The action plugin hides a successful result (it carries credentials) as C(no_log) would, and shows a
    failure, which never carries them. So the task needs no C(no_log), and its errors stay readable.
    A variable registered from it holds the whole result.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  account_id:
    description:
      - The 12-digit id of the account this host stands for (the host's C(aws_account_id)).
    type: str
  method:
    description:
      - How the credentials are obtained. V(auto) is V(profile) when O(account_profile) is set, else
        V(assume_role).
    type: str
    choices: [auto, assume_role, profile, environment]
    default: auto
  role_arn:
    description:
      - The role to assume (O(method=assume_role)); its account must be O(account_id).
      - Defaults to C(arn:aws:iam::<account_id>:role/<role_name>).
    type: str
  role_name:
    description:
      - The name of the role to assume when O(role_arn) is not given.
    type: str
    default: OrganizationAccountAccessRole
  role_session_name:
    description:
      - The session name CloudTrail records (O(method=assume_role)). Characters outside
        C([A-Za-z0-9+=,.@_-]) become C(-) and it is cut at 64 characters; it must keep at least 2.
    type: str
    default: multiaccount-apigateway
  duration_seconds:
    description:
      - How long assumed credentials last, 900 to 43200 seconds (the role's maximum session duration
        bounds it).
    type: int
    default: 3600
  external_id:
    description:
      - The external id that the role's trust policy asks for, if any. Never printed.
    type: str
  account_profile:
    description:
      - The named profile whose credentials act in the account (O(method=profile); the host's
        C(aws_profile)). O(profile) is the caller's, for the C(AssumeRole) call.
    type: str
  verify:
    description:
      - Check that the credentials act in O(account_id) and publish who they are. Off, V(profile) and
        V(environment) make no call, and C(<fact_name>_identity) is empty (the identity guard then asks
        STS before each write).
    type: bool
    default: true
notes:
  - Obtaining credentials changes nothing in any account, so the module reports C(changed=false) and
    makes its calls in check mode too.
seealso:
  - module: multiaccount.apigateway.assume_role
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
    details: The action plugin of the same name hides a successful result and runs the module in a child forked from the worker when it can.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: The calls change nothing, so they are made in check mode too (later tasks need the credentials).
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: This account's credentials, as the role multiaccount.apigateway.account_credentials gets them
  multiaccount.apigateway.account_credentials:
    account_id: "{{ aws_account_id }}"
    role_arn: "{{ aws_role_arn | default(omit) }}"
    role_session_name: "multiaccount-apigateway-{{ inventory_hostname }}"
    region: eu-west-1
  register: credentials
  check_mode: false

- name: Keep them for the play's module_defaults
  ansible.builtin.set_fact:
    account_credentials_module_defaults: "{{ credentials.credentials }}"
  no_log: true

- name: Every AWS module of the play then acts in the account
  amazon.aws.ec2_vpc_net_info:
  module_defaults:
    group/multiaccount.apigateway.aws: "{{ account_credentials_module_defaults }}"
"""

RETURN = r"""
credentials:
  description:
    - The credentials and the region, as a play's C(module_defaults) give them to its modules -
      C(access_key), C(secret_key), C(session_token) and C(region) for V(assume_role), C(profile) and
      C(region) for V(profile), C(region) alone for V(environment) (the caller's environment).
  returned: success
  type: dict
  sample: {"access_key": "ASIA...", "secret_key": "...", "session_token": "...", "region": "eu-west-1"}
identity:
  description: Who the credentials are, without them; empty when O(verify) is off.
  returned: success
  type: dict
  contains:
    account_id:
      description: The account they act in, O(account_id).
      type: str
      sample: "222222222222"
    region:
      description: The region.
      type: str
      sample: eu-west-1
    arn:
      description: Who they act as.
      type: str
      sample: arn:aws:sts::222222222222:assumed-role/ApiGatewayPlatformDeployer/multiaccount-apigateway-payments
    credentials:
      description:
        - Their fingerprint - V(key:) and 16 hex digits of the SHA-256 of the access key id,
          V(profile:<name>), or V(environment).
      type: str
      sample: key:3f2a9c0d81b47e65
method:
  description: The method used (V(auto) resolved).
  returned: always
  type: str
  sample: assume_role
account_id:
  description: The account the credentials act in (null when no call told, O(verify) off).
  returned: success, and when they act in another account than O(account_id)
  type: str
  sample: "222222222222"
arn:
  description: Who the credentials act as (null when no call told, O(verify) off).
  returned: success, and when they act in another account than O(account_id)
  type: str
  sample: arn:aws:sts::222222222222:assumed-role/ApiGatewayPlatformDeployer/multiaccount-apigateway-payments
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.credentials import (
    account_problems,
    assume_request,
    assumed,
    mismatch,
    published,
    resolve_method,
    role_arn_of,
    session_name,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ram_shares import account_of_arn


def main():
    argument_spec = dict(
        account_id=dict(type="str"),
        method=dict(type="str", default="auto", choices=["auto", "assume_role", "profile", "environment"]),
        role_arn=dict(type="str"),
        role_name=dict(type="str", default="OrganizationAccountAccessRole"),
        role_session_name=dict(type="str", default="multiaccount-apigateway"),
        duration_seconds=dict(type="int", default=3600),
        external_id=dict(type="str", no_log=True),
        account_profile=dict(type="str"),
        verify=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = dict(module.params)
    params["method"] = method = resolve_method(params["method"], params["account_profile"])
    params["role_arn"] = role_arn_of(params)
    problems = account_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems), method=method)

    account_id, verify = params["account_id"], params["verify"]
    assume, acting_arn = None, None
    if method == "assume_role":
        request = assume_request(
            params["role_arn"],
            session_name(params["role_session_name"]),
            params["duration_seconds"],
            params["external_id"],
        )
        try:
            sts = module.client("sts", retry_decorator=aws_retry)
            assume = assumed(sts.assume_role(aws_retry=True, **request))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e, msg=f"Could not assume {params['role_arn']} for account_id {account_id}", method=method
            )
        acting_arn = assume["arn"]
    elif verify:
        # A profile's own credentials, never keys of the environment (which amazon.aws reads into the
        # connection otherwise); the environment's as they are.
        extra = {}
        if method == "profile":
            extra = dict(
                profile_name=params["account_profile"],
                aws_access_key_id=None,
                aws_secret_access_key=None,
                aws_session_token=None,
            )
        try:
            sts = module.client("sts", retry_decorator=aws_retry, **extra)
            acting_arn = sts.get_caller_identity(aws_retry=True)["Arn"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e, msg=f"Could not ask STS who the {method} credentials of account_id {account_id} are", method=method
            )

    if verify:
        problem = mismatch(method, account_id, acting_arn)
        if problem:
            module.fail_json(msg=problem, method=method, account_id=account_of_arn(acting_arn), arn=acting_arn)

    answer = published(
        method,
        module.region,
        account_id,
        acting_arn=acting_arn,
        assume=assume,
        account_profile=params["account_profile"],
        verify=verify,
    )
    module.exit_json(
        changed=False,
        method=method,
        account_id=account_of_arn(acting_arn) or None,
        arn=acting_arn,
        **answer,
    )


if __name__ == "__main__":
    main()
