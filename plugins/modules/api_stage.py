#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: api_stage
version_added: 0.3.0
short_description: Govern a REST API stage - throttling, logging, metrics, tracing, access logs, web ACL
description:
  - Sets the policy of an existing stage of an Amazon API Gateway REST API (v1), typically the stage that
    M(multiaccount.apigateway.rest_api) deployed - the stage default and per-method throttles, execution
    logging, detailed metrics, X-Ray tracing and access logging, the association with an AWS WAFv2
    REGIONAL web ACL - and the account-level CloudWatch role that API Gateway needs to write logs.
  - None of these needs a new deployment. The module reads the stage with C(GetStage), makes at most one
    C(UpdateStage) call with every patch operation needed, and never calls C(CreateDeployment). The web
    ACL is associated or disassociated with WAFv2 (C(AssociateWebACL), C(DisassociateWebACL)) and the
    account role is set with C(UpdateAccount).
  - Only what the module manages is compared (API Gateway fills every method setting with defaults, for
    example caching), so a second identical run reports RV(ignore:changed=false).
  - The stage must exist. Without it the module fails and says to run
    M(multiaccount.apigateway.rest_api) with O(stage_name) first; in check mode it only warns and reports
    what it would set.
  - The module changes only a stage deployed by this collection, one that carries the tag
    V(ManagedBy=multiaccount.apigateway) or the tag V(multiaccount:deployed-config) that
    M(multiaccount.apigateway.rest_api) puts on every stage it deploys; it fails naming any other stage
    instead of changing it.
  - "Every option is checked before the first AWS call, and errors name the field and the fix, for example
    C(method_throttles['/payments/FETCH']: '/payments/FETCH' ends with 'FETCH', not one of ANY, DELETE, ...)."
author:
  - multiaccount.apigateway maintainers (@multiaccount)
options:
  rest_api_id:
    description:
      - Id of the REST API, as returned in RV(multiaccount.apigateway.rest_api#module:rest_api.id).
    type: str
    required: true
  stage_name:
    description:
      - Name of the stage. Letters, digits, V(-) and V(_), up to 128 characters.
    type: str
    required: true
  default_method_settings:
    description:
      - The stage's default method settings (the method setting V(*/*)), which apply to every method
        without an override.
      - Omitted, or any suboption omitted, means the suboption's default, so the stage has no throttle of its
        own, no execution logging, no data trace and no detailed metrics unless said here.
    type: dict
    suboptions:
      throttle:
        description:
          - The stage's throttle. Null means no stage throttle, so the account's limits apply (API Gateway
            reports and takes the limits V(-1) for that).
          - Both limits are always written together, because API Gateway fills a missing one with its own
            default.
        type: dict
        suboptions:
          rate_limit:
            description:
              - Steady-state requests per second, a number V(>=0).
            type: float
            required: true
          burst_limit:
            description:
              - Burst of requests, a whole number V(>=0).
            type: int
            required: true
      logging_level:
        description:
          - Execution logging to CloudWatch Logs (log group C(API-Gateway-Execution-Logs_<api id>/<stage>)).
          - V(ERROR) and V(INFO) need the account-level CloudWatch role (see O(cloudwatch_role_arn)).
          - Quote V("OFF") in YAML, where a bare V(OFF) reads as the boolean V(false).
        type: str
        choices: ["OFF", ERROR, INFO]
        default: "OFF"
      data_trace:
        description:
          - Log full requests and responses. Needs O(default_method_settings.logging_level) V(ERROR) or V(INFO).
          - Full request and response logs can contain sensitive data; AWS advises against them in production.
        type: bool
        default: false
      metrics:
        description:
          - Detailed CloudWatch metrics per method.
        type: bool
        default: false
  method_throttles:
    description:
      - Throttles of single methods, overriding the stage throttle. Each key is
        V(/<resource path>/<METHOD>) as the caller knows the method, for example V(/payments/ANY) or
        V(/cards/limits/{proxy+}/ANY) (V(/GET) is the root resource's V(GET)), and each value a dict with
        V(rate_limit) (a number V(>=0)) and V(burst_limit) (a whole number V(>=0)), both required.
      - The module turns a key into API Gateway's method setting key, the resource path escaped as a JSON
        pointer member (V(~1cards~1limits~1{proxy+}/ANY)), and writes the patch paths
        V(/~1cards~1limits~1{proxy+}/ANY/throttling/rateLimit) and V(.../throttling/burstLimit).
      - API Gateway keeps a full set of settings per method override, so the module also writes the stage
        default's logging level, data trace and metrics to every override it manages; the override then
        changes only the throttle.
      - The resources do not have to exist; API Gateway applies the override when they do.
    type: dict
    default: {}
  purge_method_throttles:
    description:
      - Remove the method settings (overrides) of the stage's other methods, that is every method setting
        other than V(*/*) and those of O(method_throttles).
      - With V(false), other overrides are left alone.
    type: bool
    default: true
  access_log:
    description:
      - Access logging to a CloudWatch Logs log group. Null (or omitted) turns access logging off (the
        stage's C(accessLogSettings) are removed when set).
      - Access logging needs the account-level CloudWatch role (see O(cloudwatch_role_arn)).
    type: dict
    suboptions:
      destination_arn:
        description:
          - ARN of the log group, V(arn:aws:logs:<region>:<account>:log-group:<name>), without the trailing
            V(:*) that C(DescribeLogGroups) shows.
        type: str
        required: true
      format:
        description:
          - Format of an access log line, using C($context) variables. It must contain
            V($context.requestId) or V($context.extendedRequestId), as AWS requires.
        type: str
        required: true
  tracing:
    description:
      - AWS X-Ray tracing of the stage.
    type: bool
    default: false
  web_acl_arn:
    description:
      - The AWS WAFv2 web ACL of the stage, an ARN of a REGIONAL web ACL of the stage's region or the name of
        one (a name is resolved with one paginated C(ListWebACLs) of scope REGIONAL; an unknown name is an
        error, and only a warning in check mode).
      - Null or V("") means no web ACL, so an associated one is disassociated.
      - Omitted (not given at all, for example V("{{ acl | default(omit) }}")), the association is left
        alone and not read.
      - The association is made with WAFv2 on the stage ARN V(arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>);
        associating another web ACL replaces the previous association.
    type: str
  cloudwatch_role_arn:
    description:
      - ARN of the IAM role API Gateway assumes to write CloudWatch logs (trusted by
        V(apigateway.amazonaws.com), for example with the managed policy
        V(arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs)). This is an
        account-level setting of API Gateway, one per account and region (C(GetAccount),
        C(UpdateAccount) V(/cloudwatchRoleArn)).
      - It is set when the account has no role yet or already has this one. When the account has B(another)
        role, that role is left alone with a warning, because it is account-wide and may belong to someone
        else, unless O(replace_cloudwatch_role=true).
      - Null leaves the account setting alone.
      - Execution logging (O(default_method_settings.logging_level) other than V(OFF)) or access logging with
        no role anywhere (null here and none on the account) is an error before any change, as AWS refuses
        it (C(CloudWatch Logs role ARN must be set in account settings to enable logging)).
    type: str
  replace_cloudwatch_role:
    description:
      - Replace another CloudWatch role the account already has with O(cloudwatch_role_arn).
    type: bool
    default: false
notes:
  - Check mode makes no write call at all and returns the would-be changes in RV(changes) and the diff.
  - Reads - C(GetStage); C(GetAccount) only with O(cloudwatch_role_arn) or with logging on; C(ListWebACLs)
    only when O(web_acl_arn) is a name; C(GetWebACLForResource) only when O(web_acl_arn) is given. Writes -
    C(UpdateAccount), one C(UpdateStage), then C(AssociateWebACL) or C(DisassociateWebACL), each only when
    something differs.
  - Throttled calls (C(TooManyRequestsException), WAFv2 C(ThrottlingException)) are retried with jittered
    backoff, and so is C(WAFUnavailableEntityException), which AWS answers for a web ACL created moments ago.
  - Method settings of methods outside O(method_throttles) can hold more than a throttle (caching, for
    example); O(purge_method_throttles) removes them whole.
seealso:
  - module: multiaccount.apigateway.rest_api
  - module: community.aws.wafv2_web_acl
  - module: amazon.aws.iam_role
  - module: amazon.aws.cloudwatchlogs_log_group
  - name: Set up CloudWatch logging for REST APIs in API Gateway
    description: Execution and access logging, and the account-level CloudWatch role.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
  - name: Throttle requests to your REST APIs
    description: Account, stage and method throttles.
    link: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    details:
      - Reads the stage, the account and the web ACL association and makes no write call; RV(changes), the
        result and the diff say what a real run would do. A missing stage or an unknown web ACL name is then a
        warning instead of an error.
  diff_mode:
    support: full
    details:
      - The managed policy before and after - the method settings keyed V(*/*) and V(/<resource path>/<METHOD>)
        (throttle, logging level, data trace, metrics), the access log, tracing, the web ACL ARN and the
        account's CloudWatch role.
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Govern the stage of the central gateway
  multiaccount.apigateway.api_stage:
    rest_api_id: "{{ gateway.rest_api.id }}"
    stage_name: v1
    default_method_settings:
      throttle:
        rate_limit: 500
        burst_limit: 1000
      logging_level: INFO
      metrics: true
    method_throttles:
      /payments/ANY: {rate_limit: 100, burst_limit: 200}
      /cards/limits/{proxy+}/ANY: {rate_limit: 50, burst_limit: 100}
    access_log:
      destination_arn: "{{ access_logs.arn | regex_replace(':\\*$', '') }}"
      format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","status":"$context.status"}'
    tracing: true
    web_acl_arn: open-banking-regional
    cloudwatch_role_arn: "{{ apigw_logs_role.iam_role.arn }}"

- name: Cross-account - govern the stage from the shared-services account with an assumed role
  block:
    - name: Assume the deployment role of the shared-services account
      amazon.aws.sts_assume_role:
        role_arn: arn:aws:iam::111111111111:role/platform-deployer
        role_session_name: api-stage
      register: shared_services

    - name: Throttle the stage and keep the method overrides someone else made
      multiaccount.apigateway.api_stage:
        access_key: "{{ shared_services.sts_creds.access_key }}"
        secret_key: "{{ shared_services.sts_creds.secret_key }}"
        session_token: "{{ shared_services.sts_creds.session_token }}"
        region: eu-west-1
        rest_api_id: a1b2c3d4e5
        stage_name: v1
        default_method_settings:
          throttle: {rate_limit: 1000, burst_limit: 2000}
        purge_method_throttles: false

- name: Turn access logging and the web ACL off, leave the account role alone
  multiaccount.apigateway.api_stage:
    rest_api_id: a1b2c3d4e5
    stage_name: v1
    access_log: null
    web_acl_arn: ""

- name: Preview the changes without making any
  multiaccount.apigateway.api_stage:
    rest_api_id: a1b2c3d4e5
    stage_name: v1
    default_method_settings:
      logging_level: ERROR
    cloudwatch_role_arn: arn:aws:iam::111111111111:role/apigateway-cloudwatch
  check_mode: true
  diff: true
  register: preview
"""

RETURN = r"""
stage:
  description: The managed policy of the stage after the run (in check mode, what a real run would leave).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the stage.
      type: str
      sample: v1
    default_method_settings:
      description: The stage default (method setting V(*/*)).
      type: dict
      contains:
        throttle:
          description: V(rate_limit) and V(burst_limit) of the stage, null when the stage has no throttle of its own.
          type: dict
          sample: {rate_limit: 500.0, burst_limit: 1000}
        logging_level:
          description: Execution logging level.
          type: str
          sample: INFO
        data_trace:
          description: Whether full requests and responses are logged.
          type: bool
          sample: false
        metrics:
          description: Whether detailed metrics are on.
          type: bool
          sample: true
    method_throttles:
      description:
        - Every method override of the stage, keyed V(/<resource path>/<METHOD>), with its V(rate_limit) and
          V(burst_limit) (null for an override without a throttle).
      type: dict
      sample: {"/payments/ANY": {rate_limit: 100.0, burst_limit: 200}}
    access_log:
      description: V(destination_arn) and V(format) of access logging, null when it is off.
      type: dict
      sample: {destination_arn: "arn:aws:logs:us-east-1:111111111111:log-group:open-banking-access",
               format: '{"requestId":"$context.requestId"}'}
    tracing:
      description: Whether X-Ray tracing is on.
      type: bool
      sample: true
    web_acl_arn:
      description: ARN of the stage's web ACL, null when it has none.
      type: str
      sample: arn:aws:wafv2:us-east-1:111111111111:regional/webacl/open-banking-regional/0123abcd-0123-4567-89ab-0123456789ab
account:
  description: The account-level API Gateway settings the module read.
  returned: always
  type: dict
  contains:
    cloudwatch_role_arn:
      description:
        - The account's CloudWatch role after the run; null when the account has none, or when the module did
          not read it (O(cloudwatch_role_arn) null and logging off).
      type: str
      sample: arn:aws:iam::111111111111:role/apigateway-cloudwatch
web_acl_arn:
  description:
    - The web ACL ARN O(web_acl_arn) resolved to (a name is looked up); null when O(web_acl_arn) is omitted,
      null or empty, and in check mode for a name that does not exist yet.
  returned: always
  type: str
  sample: arn:aws:wafv2:us-east-1:111111111111:regional/webacl/open-banking-regional/0123abcd-0123-4567-89ab-0123456789ab
changes:
  description: What the run changed (or, in check mode, would change), one line per write call.
  returned: always
  type: list
  elements: str
  sample: ["update account (replace /cloudwatchRoleArn)",
           "update stage v1 (replace /*/*/logging/loglevel, replace /~1payments/ANY/throttling/rateLimit)",
           "associate web ACL arn:aws:wafv2:us-east-1:111111111111:regional/webacl/open-banking-regional/0123abcd with stage v1"]
diff:
  description:
    - The managed policy before and after, with the keys C(method_settings) (V(*/*) and V(/<resource path>/<METHOD>),
      each with C(throttle), C(logging_level), C(data_trace), C(metrics)), C(access_log), C(tracing), C(web_acl_arn)
      and C(cloudwatch_role_arn).
  returned: always
  type: dict
  sample: {before: {tracing: false}, after: {tracing: true}}
"""

from ansible.module_utils import basic
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_stages
from ansible_collections.multiaccount.apigateway.plugins.module_utils.api_stages import AnsibleApiStageError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import MANAGED_TAG_KEY, MANAGED_TAG_VALUE
from ansible_collections.multiaccount.apigateway.plugins.module_utils.rest_apis import DEPLOYED_TAG


def option_given(name, value):
    """True when the task gave the option at all (also as null), False when it was omitted.

    AnsibleModule gives an omitted option and an option set to null the same value (None); the raw task
    arguments (``_load_params``, meant for modules that need them) tell them apart. Should they be
    unreadable, only a value that is not null counts as given, which never disassociates anything.
    """
    try:
        return name in (basic._load_params() or {})
    except Exception:  # pylint: disable=broad-except
        return value is not None


def read_stage(module, client, desired):
    """The stage (GetStage), or a placeholder with ``missing`` set in check mode when it does not exist."""
    stage = api_stages.get_stage(client, desired["rest_api_id"], desired["stage_name"])
    if stage is not None:
        return stage, False
    message = (
        f"stage_name: REST API {desired['rest_api_id']!r} has no stage {desired['stage_name']!r} in "
        f"{module.region} (or there is no such REST API); run multiaccount.apigateway.rest_api with "
        "stage_name first"
    )
    if not module.check_mode:
        module.fail_json(msg=message)
    module.warn(message + "; check mode reports what would be set on it")
    return {"stageName": desired["stage_name"], "methodSettings": {}}, True


def resolve_web_acl(module, waf, desired):
    """The ARN of the desired web ACL ("" for none); None in check mode for an unknown name."""
    spec = desired["web_acl"]
    if spec["arn"] or not spec["name"]:
        return spec["arn"] or ""
    summary = api_stages.find_web_acl(api_stages.list_web_acls(waf), spec["name"])
    if summary is not None:
        return summary["ARN"]
    message = (
        f"web_acl_arn: no REGIONAL web ACL named {spec['name']!r} in {module.region}; create it first (for example "
        "with community.aws.wafv2_web_acl) or give its ARN"
    )
    if not module.check_mode:
        module.fail_json(msg=message)
    module.warn(message + "; check mode assumes it will exist")
    return None


def policy_view(stage, web_acl_arn, role):
    return {
        "method_settings": api_stages.method_settings_view(stage),
        "access_log": api_stages.access_log_view(stage),
        "tracing": bool(stage.get("tracingEnabled")),
        "web_acl_arn": web_acl_arn or None,
        "cloudwatch_role_arn": role,
    }


def run(module, client, waf, desired):
    stage_name = desired["stage_name"]
    changes = []

    # ---- reads
    stage, missing = read_stage(module, client, desired)
    current_role = None
    if desired["cloudwatch_role_arn"] is not None or api_stages.logging_needs_role(desired):
        current_role = api_stages.get_account(client).get("cloudwatchRoleArn") or None
    arn = api_stages.stage_arn(module.region, desired["rest_api_id"], stage_name)
    manage_acl = desired["web_acl"]["manage"]
    wanted_acl = current_acl = stage.get("webAclArn") or None
    if manage_acl:
        wanted_acl = resolve_web_acl(module, waf, desired)
        current_acl = None if missing else api_stages.get_web_acl_arn_for_resource(waf, arn)

    # ---- plan (and every refusal) before the first write
    role_write, role_after, warning = api_stages.plan_account_role(
        current_role, desired["cloudwatch_role_arn"], desired["replace_cloudwatch_role"]
    )
    if warning:
        module.warn(warning)
    if api_stages.logging_needs_role(desired) and not role_after:
        what = []
        if desired["default"]["logging_level"] != "OFF":
            what.append(
                f"execution logging (default_method_settings.logging_level {desired['default']['logging_level']})"
            )
        if desired["access_log"] is not None:
            what.append("access logging (access_log)")
        module.fail_json(
            msg=(
                f"cloudwatch_role_arn: {' and '.join(what)} {'need' if len(what) > 1 else 'needs'} the account-level "
                "CloudWatch role of API Gateway, "
                f"and the account has none in {module.region}; AWS refuses it ('CloudWatch Logs role ARN must be set "
                "in account settings to enable logging'). Give cloudwatch_role_arn, a role trusted by "
                "apigateway.amazonaws.com with the policy AmazonAPIGatewayPushToCloudWatchLogs"
            )
        )
    ops = api_stages.plan_stage_ops(stage, desired)
    acl_action = None
    if manage_acl:
        if not desired["web_acl"]["arn"] and not desired["web_acl"]["name"]:
            acl_action = "disassociate" if current_acl else None
        elif wanted_acl is None or wanted_acl != current_acl:  # None: a name check mode could not resolve
            acl_action = "associate"
    if (ops or acl_action) and not missing and not api_stages.is_stage_ours(stage):
        module.fail_json(
            msg=(
                f"stage_name: stage {stage_name!r} of REST API {desired['rest_api_id']!r} carries neither the tag "
                f"{MANAGED_TAG_KEY}={MANAGED_TAG_VALUE} nor {DEPLOYED_TAG}, so it was not deployed by "
                "multiaccount.apigateway.rest_api; refusing to change it. Deploy the stage with rest_api, or tag it "
                f"{MANAGED_TAG_KEY}={MANAGED_TAG_VALUE} to hand it over"
            ),
            changes_refused=[api_stages.describe_stage_update(stage_name, ops)] if ops else [],
        )

    # ---- writes: the account role first (logging needs it), then the stage, then the web ACL
    if role_write:
        changes.append("update account (replace /cloudwatchRoleArn)")
        if not module.check_mode:
            api_stages.update_account_role(client, role_write)
    after = api_stages.apply_stage_ops(stage, ops)
    if ops:
        changes.append(api_stages.describe_stage_update(stage_name, ops))
        if not module.check_mode:
            after = api_stages.update_stage(client, desired["rest_api_id"], stage_name, ops)
    acl_after = current_acl
    if acl_action == "associate":
        label = wanted_acl or f"named {desired['web_acl']['name']}"
        changes.append(f"associate web ACL {label} with stage {stage_name}")
        if not module.check_mode:
            api_stages.associate_web_acl(waf, wanted_acl, arn)
        acl_after = wanted_acl
    elif acl_action == "disassociate":
        changes.append(f"disassociate web ACL {current_acl} from stage {stage_name}")
        if not module.check_mode:
            api_stages.disassociate_web_acl(waf, arn)
        acl_after = None

    return {
        "changed": bool(changes),
        "changes": changes,
        "stage": api_stages.stage_view(after, stage_name, acl_after),
        "account": {"cloudwatch_role_arn": role_after},
        "web_acl_arn": (wanted_acl or None) if manage_acl else None,
        "diff": {
            "before": policy_view(stage, current_acl, current_role),
            "after": policy_view(after, acl_after, role_after),
        },
    }


def main():
    throttle_spec = dict(
        rate_limit=dict(type="float", required=True),
        burst_limit=dict(type="int", required=True),
    )
    default_spec = dict(
        throttle=dict(type="dict", options=throttle_spec),
        logging_level=dict(type="str", choices=api_stages.LOGGING_LEVELS, default="OFF"),
        data_trace=dict(type="bool", default=False),
        metrics=dict(type="bool", default=False),
    )
    access_log_spec = dict(
        destination_arn=dict(type="str", required=True),
        format=dict(type="str", required=True),
    )
    argument_spec = dict(
        rest_api_id=dict(type="str", required=True),
        stage_name=dict(type="str", required=True),
        default_method_settings=dict(type="dict", options=default_spec),
        method_throttles=dict(type="dict", default={}),
        purge_method_throttles=dict(type="bool", default=True),
        access_log=dict(type="dict", options=access_log_spec),
        tracing=dict(type="bool", default=False),
        web_acl_arn=dict(type="str"),
        cloudwatch_role_arn=dict(type="str"),
        replace_cloudwatch_role=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    # Everything the user gave is checked before the first AWS call.
    try:
        desired = api_stages.validate_params(
            module.params, module.region, option_given("web_acl_arn", module.params["web_acl_arn"])
        )
    except ValueError as error:
        module.fail_json(msg=str(error))

    client = module.client("apigateway")
    waf = module.client("wafv2") if desired["web_acl"]["manage"] else None
    try:
        result = run(module, client, waf, desired)
    except AnsibleApiStageError as error:
        module.fail_json_aws_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
