#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: api_partners
version_added: 0.3.0
short_description: Reconcile the API keys and usage plans of the partners of one REST API stage
description:
  - Gives each partner (for example a fintech customer of a bank) of an Amazon API Gateway REST API (v1)
    stage one API key and one usage plan bound to that stage, and reconciles all partners of the stage in
    one call, by diff. The key and the plan are both named O(partners[].name).
  - "Everything is read once: one paginated C(GetUsagePlans), one paginated C(GetApiKeys) (without key
    values) and one C(GetUsagePlanKeys) per usage plan of the module. Only the differences are written, so
    a second identical run reports RV(ignore:changed=false) and makes only those reads."
  - An API key is created by AWS with a generated value, which the module never sends, returns, shows
    or logs. An existing key of the partner is kept, never rotated or recreated; only its
    O(partners[].enabled) and O(partners[].description) are patched (C(UpdateApiKey)).
  - A usage plan is created with its quota, its throttle, the tags and this API stage with its per-method
    throttles (C(CreateUsagePlan)). Drift is fixed with C(UpdateUsagePlan) patch operations on
    V(/quota/*), V(/throttle/*) and
    V(/apiStages/<rest_api_id>:<stage_name>/throttle/<escaped resource path>/<HTTP method>/rateLimit)
    (and V(burstLimit)); the per-method throttle map of this API stage is reconciled to exactly
    O(partners[].methods). Other API stages of a plan are left alone.
  - Each plan holds exactly its partner's key (C(CreateUsagePlanKey)); another key of the module on it is
    removed (C(DeleteUsagePlanKey)); a key that does not carry the ownership tags is left on it, with a
    warning naming its id.
  - Ownership. A plan or key belongs to the module when it carries every tag of O(tags) (and
    V(ManagedBy=multiaccount.apigateway), which the module always adds). A plan belongs to this API stage
    when it is bound to O(rest_api_id) and O(stage_name). A plan of the module with the partner's name and
    no API stage at all (left over by an interrupted run) is adopted, and so is a key of the module with the
    partner's name that is on no usage plan. The module fails, before any change, when a usage plan or API
    key named like a partner exists without V(ManagedBy=multiaccount.apigateway), naming it and its id.
  - "Removing a partner: its key leaves the plan (C(DeleteUsagePlanKey)), the plan leaves this API stage
    (C(UpdateUsagePlan) V(remove /apiStages), which AWS requires before C(DeleteUsagePlan)), the plan is
    deleted, then the partner's key (C(DeleteApiKey)), unless that key is also on another usage plan. A plan
    that is also bound to another API stage only leaves this one, and keeps its keys."
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  state:
    description:
      - V(present) reconciles the partners in O(partners).
      - V(absent) deletes every usage plan of the module bound to this API stage, and the API keys of the
        module that are on them and named like them (teardown). O(partners) is then ignored.
    type: str
    choices: [present, absent]
    default: present
  rest_api_id:
    description:
      - Id of the REST API (10 lowercase letters and digits), for example the C(rest_api.id)
        that M(multiaccount.apigateway.rest_api) returns.
    type: str
    required: true
  stage_name:
    description:
      - Deployed stage of the API the usage plans are bound to.
    type: str
    required: true
  partners:
    description:
      - The partners of the API stage. Every problem in the list is reported before any AWS call, naming
        the field, for example C(partners[1].quota.period).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of both the API key and the usage plan, for example V(open-banking-fintech-a). Required and
            unique in the list.
          - 1 to 128 letters, digits, V(.), V(_) or V(-), starting with a letter or digit.
        type: str
      description:
        description:
          - Description of the API key and of the usage plan. Left alone when omitted.
        type: str
      enabled:
        description:
          - Whether the partner's API key is enabled. A disabled key keeps its value and its plan.
        type: bool
        default: true
      quota:
        description:
          - The plan's quota. Omitted or null means no quota (an existing one is removed).
        type: dict
        suboptions:
          limit:
            description:
              - Maximum number of requests per period, more than 0. Required.
            type: int
          period:
            description:
              - V(DAY), V(WEEK) or V(MONTH). Required.
            type: str
          offset:
            description:
              - Day the period starts. V(0) for V(DAY); V(0) to V(6) for V(WEEK) (V(0) is Sunday); V(0) to
                V(27) for V(MONTH).
            type: int
            default: 0
      throttle:
        description:
          - The plan's throttle for the key (all methods). Omitted or null means none (an existing one is
            removed).
        type: dict
        suboptions:
          rate_limit:
            description:
              - Steady-state requests per second, V(0) or more. Required.
            type: float
          burst_limit:
            description:
              - Burst capacity in requests, V(0) or more. Required.
            type: int
      methods:
        description:
          - Per-method throttles of the plan's API stage, keyed C(<resource path>/<HTTP method>) exactly as
            API Gateway keys C(apiStages[].throttle), for example V(/payments/ANY) or
            V(/payments/{proxy+}/ANY) (V(//GET) for the root resource). Each value is a dict with
            C(rate_limit) (a number, V(0) or more) and C(burst_limit) (a whole number, V(0) or more).
          - The stage's throttle map of the plan is reconciled to exactly this map (other keys are removed).
          - V(rate_limit=0) with V(burst_limit=0) blocks the method for this partner's key; API Gateway has
            no per-key allow list, so this is how a partner is denied the other key-required methods.
        type: dict
        default: {}
  purge_partners:
    description:
      - With O(state=present), delete the usage plans of the module bound to this API stage whose name is
        not in O(partners), with their keys (see the description).
    type: bool
    default: true
  tags:
    description:
      - Tags put on every API key and usage plan the module creates, and the ownership filter (see the
        description). V(ManagedBy=multiaccount.apigateway) is always added; another value of C(ManagedBy) is
        refused.
      - Give tags that tell this API stage's partners apart, for example the gateway name, so that two
        calls for two API stages with the same partner names do not see each other's keys.
      - Tags of existing keys and plans are not changed.
    type: dict
    default: {}
notes:
  - Check mode makes no write call at all; the result, RV(changes) and the diff say what a real run would
    do (ids of keys and plans it would create are null).
  - Usage plans throttle and count only the methods that require an API key (C(apiKeyRequired)).
  - "Throttled calls (C(TooManyRequestsException)) are retried with jittered backoff. Permissions needed:
    C(apigateway:GET) on V(/usageplans), V(/usageplans/*/keys) and V(/apikeys); C(apigateway:POST),
    C(apigateway:PATCH) and C(apigateway:DELETE) on V(/usageplans*) and V(/apikeys*)."
seealso:
  - module: multiaccount.apigateway.rest_api
  - name: Usage plans and API keys for REST APIs
    description: How API Gateway meters and throttles clients by API key.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Reads the plans and keys and makes no write call; RV(partners), RV(changes) and the diff say what a
        real run would do, with null ids for keys and plans it would create.
  diff_mode:
    support: full
    details:
      - Per partner name, before and after, the API key id, the usage plan id, the description, whether the
        key is enabled, the quota, the throttle and the per-method throttles. Never an API key value. Partners
        this run removes are only in C(before).
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Give two fintechs a key and a plan on the open-banking API stage v1
  multiaccount.apigateway.api_partners:
    rest_api_id: "{{ gateway.rest_api.id }}"
    stage_name: v1
    tags:
      ManagedBy: multiaccount.apigateway
      "multiaccount:gateway": open-banking
    partners:
      - name: open-banking-fintech-a
        description: Fintech A (contract 2025-117)
        quota: {limit: 100000, period: MONTH}
        throttle: {rate_limit: 50, burst_limit: 100}
        methods:
          /payments/ANY: {rate_limit: 10, burst_limit: 20}
          /payments/{proxy+}/ANY: {rate_limit: 10, burst_limit: 20}
          # no access to the cards service for this partner
          /cards/ANY: {rate_limit: 0, burst_limit: 0}
          /cards/{proxy+}/ANY: {rate_limit: 0, burst_limit: 0}
      - name: open-banking-fintech-b
        quota: {limit: 5000, period: DAY}
  register: partners

- name: Show the key id of each partner (fetch values with the AWS console or CLI, never through Ansible)
  ansible.builtin.debug:
    msg: "{{ partners.partners | items2dict(key_name='name', value_name='api_key_id') }}"

- name: Suspend a partner without losing its key
  multiaccount.apigateway.api_partners:
    rest_api_id: a1b2c3d4e5
    stage_name: v1
    tags: {"multiaccount:gateway": open-banking}
    purge_partners: false
    partners:
      - name: open-banking-fintech-b
        enabled: false
        quota: {limit: 5000, period: DAY}

- name: Cross-account - reconcile the partners in the shared-services account with an assumed role
  block:
    - name: Assume the deployment role of the shared-services account
      amazon.aws.sts_assume_role:
        role_arn: arn:aws:iam::111111111111:role/platform-deployer
        role_session_name: api-partners
      register: shared_services

    - name: Reconcile the partners there
      multiaccount.apigateway.api_partners:
        access_key: "{{ shared_services.sts_creds.access_key }}"
        secret_key: "{{ shared_services.sts_creds.secret_key }}"
        session_token: "{{ shared_services.sts_creds.session_token }}"
        region: eu-west-1
        rest_api_id: a1b2c3d4e5
        stage_name: v1
        tags: {"multiaccount:gateway": open-banking}
        partners: "{{ open_banking_partners }}"

- name: Preview the changes without making any
  multiaccount.apigateway.api_partners:
    rest_api_id: a1b2c3d4e5
    stage_name: v1
    tags: {"multiaccount:gateway": open-banking}
    partners: "{{ open_banking_partners }}"
  check_mode: true
  diff: true

- name: Teardown - delete every plan and key of the module on the stage
  multiaccount.apigateway.api_partners:
    rest_api_id: a1b2c3d4e5
    stage_name: v1
    tags: {"multiaccount:gateway": open-banking}
    state: absent
"""

RETURN = r"""
partners:
  description:
    - One entry per partner of O(partners), in the same order (empty with O(state=absent)).
    - Never contains an API key value.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the partner, its API key and its usage plan.
      type: str
      sample: open-banking-fintech-a
    description:
      description: Description (null when neither given nor set).
      type: str
      sample: Fintech A (contract 2025-117)
    api_key_id:
      description: Id of the partner's API key (null for a key that check mode would create).
      type: str
      sample: 3tshwtlq4n
    usage_plan_id:
      description: Id of the partner's usage plan (null for a plan that check mode would create).
      type: str
      sample: 5t5vnpeudu
    enabled:
      description: Whether the API key is enabled.
      type: bool
      sample: true
    quota:
      description: The plan's quota (null for none).
      type: dict
      contains:
        limit:
          description: Requests per period.
          type: int
        period:
          description: V(DAY), V(WEEK) or V(MONTH).
          type: str
        offset:
          description: Day the period starts.
          type: int
      sample: {limit: 100000, period: MONTH, offset: 0}
    throttle:
      description: The plan's throttle (null for none).
      type: dict
      contains:
        rate_limit:
          description: Requests per second.
          type: float
        burst_limit:
          description: Burst capacity.
          type: int
      sample: {rate_limit: 50.0, burst_limit: 100}
    methods:
      description: Per-method throttles of the plan's API stage, keyed C(<resource path>/<HTTP method>).
      type: dict
      sample: {"/payments/ANY": {rate_limit: 10.0, burst_limit: 20}, "/cards/ANY": {rate_limit: 0.0, burst_limit: 0}}
changes:
  description: What the run changed (or, in check mode, would change), one line per write call, with ids.
  returned: always
  type: list
  elements: str
  sample: ["create API key open-banking-fintech-a", "create usage plan open-banking-fintech-a",
           "add API key 3tshwtlq4n to usage plan open-banking-fintech-a (5t5vnpeudu)",
           "update usage plan open-banking-fintech-b (h1j2k3l4m5: replace /quota/limit)"]
diff:
  description:
    - Before and after, keyed by partner name (see the diff_mode attribute). Returned with and without C(--diff).
  returned: always
  type: dict
  contains:
    before:
      description: C(partners) - the partners of the stage as they were (those the run touches or lists).
      type: dict
    after:
      description: C(partners) - the partners as the run leaves them.
      type: dict
  sample:
    before: {partners: {}}
    after:
      partners:
        open-banking-fintech-a:
          api_key_id: 3tshwtlq4n
          usage_plan_id: 5t5vnpeudu
          description: null
          enabled: true
          quota: {limit: 100000, period: MONTH, offset: 0}
          throttle: null
          methods: {}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import usage_plans
from ansible_collections.multiaccount.apigateway.plugins.module_utils.usage_plans import AnsibleUsagePlanError


def read_state(client, rest_api_id, stage_name):
    """Every usage plan and API key (values never asked for), normalised."""
    plans = [usage_plans.normalise_plan(raw, rest_api_id, stage_name) for raw in usage_plans.list_usage_plans(client)]
    keys = [usage_plans.normalise_key(raw) for raw in usage_plans.list_api_keys(client)]
    return plans, keys


def plans_of_key(client, key_id):
    return [plan.get("id") for plan in usage_plans.list_usage_plans(client, key_id=key_id)]


def find_partner_keys(module, client, desired, chosen, plan_keys, keys, keys_by_id, ownership):
    """The key of each partner: the one of the module on its plan, else one of the module that is on no
    usage plan (adopted), else None (to create)."""
    found = {}
    problems = []
    for index, partner in enumerate(desired):
        name = partner["name"]
        key = usage_plans.key_on_plan(name, chosen.get(name), plan_keys, keys_by_id, ownership)
        if key is None:
            candidates = usage_plans.orphan_candidates(name, keys, plan_keys, ownership)
            adoptable = [candidate for candidate in candidates if not plans_of_key(client, candidate["id"])]
            if len(adoptable) > 1:
                problems.append(
                    f"partners[{index}].name: {len(adoptable)} API keys named {name!r} carry the ownership tags and "
                    f"are on no usage plan ({', '.join(key['id'] for key in adoptable)}); delete the extra ones"
                )
            key = adoptable[0] if adoptable else None
        found[name] = key
    if problems:
        module.fail_json(msg="; ".join(problems))
    return found


def run_steps(module, client, steps, ownership):
    """Make the writes in order (none in check mode); returns ``(changes, ids)`` with ids per partner name."""
    params = module.params
    changes = []
    ids = {}
    for step in steps:
        name = step["name"]
        known = ids.setdefault(name, {})
        action = step["action"]
        if not module.check_mode:
            if action == "create_key":
                partner = step["partner"]
                created = usage_plans.create_api_key(
                    client, name, partner["enabled"], ownership, partner["description"]
                )
                known["key"] = created["id"]
            elif action == "update_key":
                usage_plans.update_api_key(client, step["key_id"], step["patch_operations"])
            elif action == "create_plan":
                created = usage_plans.create_usage_plan(
                    client, step["partner"], params["rest_api_id"], params["stage_name"], ownership
                )
                known["plan"] = created["id"]
            elif action == "update_plan":
                usage_plans.update_usage_plan(client, step["plan_id"], step["patch_operations"])
            elif action == "add_plan_key":
                usage_plans.create_usage_plan_key(
                    client, step["plan_id"] or known["plan"], step["key_id"] or known["key"]
                )
            elif action == "remove_plan_key":
                usage_plans.delete_usage_plan_key(client, step["plan_id"], step["key_id"])
            elif action == "delete_plan":
                usage_plans.delete_usage_plan(client, step["plan_id"])
            elif action == "delete_key":
                usage_plans.delete_api_key(client, step["key_id"])
        changes.append(usage_plans.describe_step(step, known))
    return changes, ids


def ensure(module, client, desired, ownership):
    params = module.params
    state = params["state"]
    stage_id = usage_plans.stage_key(params["rest_api_id"], params["stage_name"])
    if state == "absent":
        desired = []

    plans, keys = read_state(client, params["rest_api_id"], params["stage_name"])
    keys_by_id = {key["id"]: key for key in keys}
    problems = usage_plans.namesake_problems(desired, plans, keys)
    chosen, delete, more = usage_plans.select_plans(
        desired, plans, ownership, state, params["purge_partners"], stage_id
    )
    problems.extend(more)
    if problems:
        module.fail_json(msg="; ".join(problems))

    plan_keys = {}
    for plan in [chosen[partner["name"]] for partner in desired if chosen.get(partner["name"])] + delete:
        plan_keys[plan["id"]] = usage_plans.list_usage_plan_keys(client, plan["id"])
    partner_keys = find_partner_keys(module, client, desired, chosen, plan_keys, keys, keys_by_id, ownership)
    key_plans = {}
    for plan in delete:
        if len(plan["stages"]) == 1:
            for key in usage_plans.keys_to_delete(plan, plan_keys, keys_by_id, ownership):
                key_plans[key["id"]] = plans_of_key(client, key["id"])

    steps = []
    warnings = []
    for partner in desired:
        more_steps, more_warnings = usage_plans.partner_steps(
            partner,
            chosen.get(partner["name"]),
            partner_keys[partner["name"]],
            plan_keys,
            keys_by_id,
            ownership,
            stage_id,
        )
        steps.extend(more_steps)
        warnings.extend(more_warnings)
    for plan in delete:
        more_steps, more_warnings = usage_plans.deletion_steps(
            plan, plan_keys, keys_by_id, ownership, stage_id, key_plans
        )
        steps.extend(more_steps)
        warnings.extend(more_warnings)
    for warning in warnings:
        module.warn(warning)

    changes, ids = run_steps(module, client, steps, ownership)

    before = {}
    after = {}
    results = []
    for partner in desired:
        name = partner["name"]
        plan, key = chosen.get(name), partner_keys[name]
        if plan or key:
            before[name] = usage_plans.partner_view(key, plan)
        key_id = key["id"] if key else ids.get(name, {}).get("key")
        plan_id = plan["id"] if plan else ids.get(name, {}).get("plan")
        current_description = (plan or key or {}).get("description")
        view = usage_plans.desired_view(partner, key_id, plan_id, current_description)
        after[name] = view
        results.append(dict(name=name, **{field: view[field] for field in view}))
    for plan in delete:
        gone = usage_plans.keys_to_delete(plan, plan_keys, keys_by_id, ownership)
        before[plan["name"]] = usage_plans.partner_view(gone[0] if gone else None, plan)

    return {
        "changed": bool(changes),
        "changes": changes,
        "partners": results,
        "diff": {"before": {"partners": before}, "after": {"partners": after}},
    }


def main():
    quota_spec = dict(
        limit=dict(type="int"),
        period=dict(type="str"),
        offset=dict(type="int", default=0),
    )
    throttle_spec = dict(rate_limit=dict(type="float"), burst_limit=dict(type="int"))
    partner_spec = dict(
        name=dict(type="str"),
        description=dict(type="str"),
        enabled=dict(type="bool", default=True),
        quota=dict(type="dict", options=quota_spec),
        throttle=dict(type="dict", options=throttle_spec),
        methods=dict(type="dict", default={}),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        rest_api_id=dict(type="str", required=True),
        stage_name=dict(type="str", required=True),
        partners=dict(type="list", elements="dict", options=partner_spec, default=[]),
        purge_partners=dict(type="bool", default=True),
        tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    # Everything the user gave is checked before the first AWS call.
    try:
        usage_plans.validate_rest_api_id(module.params["rest_api_id"])
        usage_plans.validate_stage_name(module.params["stage_name"])
        ownership = usage_plans.validate_tags(module.params["tags"])
        desired = usage_plans.validate_partners(module.params["partners"])
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = module.client("apigateway")
    try:
        result = ensure(module, client, desired, ownership)
    except AnsibleUsagePlanError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
