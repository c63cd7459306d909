#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: identity_guard
version_added: 0.3.0
short_description: Fail before any write unless the task's AWS credentials act in the host's account and region
description:
  - The first task of every entry point of the collection's roles that write. It fails, before
    anything is changed, when the credentials and region that the task's AWS modules would use
    (their arguments and C(module_defaults)) are not those of the host's account. A role reused in a
    play without the account's C(module_defaults) would otherwise act with the controller's ambient
    credentials, in another account or region.
  - On the controller (action plugin), with no AWS call, when the credentials are the ones that
    the role C(multiaccount.apigateway.account_credentials) verified for this account and region in
    this run (O(verified), compared by fingerprint; the credentials themselves are never compared
    or printed). Otherwise it asks STS
    (C(GetCallerIdentity), one call) who the credentials are.
  - Without any credentials, or acting in another account or region, it fails with a message that
    names both and says how to give the play the account's credentials.
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  account_id:
    description:
      - The 12-digit AWS account id of the host, that the task must act in (the plan's
        C(account_id), from the host's C(aws_account_id)).
    type: str
    required: true
  account_region:
    description:
      - The region of the host's resources, that the task must act in (the plan's C(region)).
    type: str
    required: true
  preconditions:
    description:
      - What the role needs before anything else, such as its part of the plan or the state an earlier
        role published, each checked by the task itself (C(ok)); the first that does not hold fails
        the guard with its C(msg), prefixed with the host, before the identity is checked or any call
        is made. The collection's roles check their plan here, in the same task as the credentials.
    type: list
    elements: dict
    default: []
    version_added: 0.3.0
    suboptions:
      ok:
        description: Whether it holds, the result of the check (for example C("{{ my_plan is mapping }}")).
        type: bool
        required: true
      msg:
        description: What is missing and how to get it, when it does not hold.
        type: str
        required: true
  verified:
    description:
      - Who C(multiaccount.apigateway.account_credentials) found the host's credentials to be in this
        run (the fact C(account_credentials_identity)), with C(account_id), C(region), C(arn) and
        C(credentials), a fingerprint of the credentials (V(key:) and 16 hex digits of the SHA-256
        of the access key id, V(profile:<name>), or V(environment)).
      - Empty (the default) when that role did not verify them; then STS is asked.
    type: dict
    default: {}
notes:
  - Read-only; no credentials or keys are ever returned or printed.
seealso:
  - module: multiaccount.apigateway.preflight
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  action:
    support: full
    details: The comparison with O(verified) runs on the controller without starting the module.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Read-only; the same check runs in check mode.
  diff_mode:
    support: none
    details: The module changes nothing, so there is nothing to show.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
# A play that reuses a role of the collection: the guard in the role fails before any write when
# this module_defaults entry is missing (or gives another account's credentials).
- name: Publish the services of the payments account
  hosts: payments
  gather_facts: false
  module_defaults:
    group/multiaccount.apigateway.aws: "{{ account_credentials_module_defaults }}"
  tasks:
    - name: Check the credentials before writing anything
      multiaccount.apigateway.identity_guard:
        account_id: "{{ preflight_plan.accounts[inventory_hostname].account_id }}"
        account_region: "{{ preflight_plan.accounts[inventory_hostname].region }}"
        verified: "{{ account_credentials_identity | default({}) }}"

    # The same, and first that this host has a plan (one task instead of an assert and the guard).
    - name: Check the plan and the credentials before writing anything
      multiaccount.apigateway.identity_guard:
        preconditions:
          - ok: "{{ preflight_plan.providers[inventory_hostname] is defined }}"
            msg: no plan for this host; run multiaccount.apigateway.preflight first
        account_id: "{{ preflight_plan.accounts[inventory_hostname].account_id | default('') }}"
        account_region: "{{ preflight_plan.accounts[inventory_hostname].region | default('') }}"
        verified: "{{ account_credentials_identity | default({}) }}"
"""

RETURN = r"""
account_id:
  description: The account the credentials act in (equal to O(account_id) on success).
  returned: success
  type: str
  sample: "111111111111"
region:
  description: The region the task acts in (equal to O(account_region) on success).
  returned: success
  type: str
  sample: eu-west-1
arn:
  description: The identity of the credentials (from O(verified), or from STS).
  returned: success
  type: str
  sample: arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/multiaccount-apigateway-payments
verified_by:
  description:
    - V(account_credentials) when the fingerprint matched O(verified) (no AWS call, the module did
      not run), V(sts) when STS was asked.
  returned: success
  type: str
  sample: account_credentials
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils.identity import (
    expected_account,
    failed_precondition,
    mismatch,
    no_credentials,
    no_region,
)


def main():
    argument_spec = dict(
        preconditions=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(ok=dict(type="bool", required=True), msg=dict(type="str", required=True)),
        ),
        account_id=dict(type="str", required=True),
        account_region=dict(type="str", required=True),
        verified=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    unmet = failed_precondition(module.params)
    if unmet:
        module.fail_json(msg=unmet)
    account, problems = expected_account(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    region = module.region
    if not region:
        module.fail_json(msg=no_region(account))
    client = module.client("sts")
    try:
        identity = client.get_caller_identity()
    except botocore.exceptions.NoCredentialsError as e:
        module.fail_json(msg=no_credentials(account, str(e)))
    except is_boto3_error_code(("InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch")) as e:
        module.fail_json(msg=no_credentials(account, e.response["Error"]["Code"]))
    except (
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
    ) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="Could not ask STS who the credentials are")
    problem = mismatch(account, identity["Account"], identity["Arn"], region)
    if problem:
        module.fail_json(msg=problem, account_id=identity["Account"], arn=identity["Arn"], region=region)
    module.exit_json(
        changed=False, account_id=identity["Account"], arn=identity["Arn"], region=region, verified_by="sts"
    )


if __name__ == "__main__":
    main()
