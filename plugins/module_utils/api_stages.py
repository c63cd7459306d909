# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stage policy layer (REST API v1) used by ``multiaccount.apigateway.api_stage``.

Two halves:

* pure functions (no boto3) that validate the options, read the managed part of a stage from one
  ``GetStage`` answer (method settings, access logging, X-Ray tracing), plan the ``UpdateStage`` patch
  operations that bring it to the desired policy and apply them to a copy (check mode, diff), so they
  unit-test in milliseconds;
* one small function per API Gateway and WAFv2 call, retried with jittered backoff and with the
  "does not exist" answer (``NotFoundException``, ``WAFNonexistentItemException``) turned into ``None``
  in one place (:class:`ApiStageErrorHandler`, :class:`WebAclErrorHandler`).

Method settings are keyed as API Gateway keys them: ``*/*`` for the stage default and
``<escaped resource path>/<METHOD>`` for a method, where the resource path is escaped as a JSON
pointer member (``~`` as ``~0``, every ``/`` as ``~1``): ``/cards/limits/{proxy+}`` + ``ANY`` is
``~1cards~1limits~1{proxy+}/ANY`` and the root's ``GET`` is ``~1/GET``. The patch path of a setting is
``/<key>/<setting>``, for example ``/~1payments/ANY/throttling/rateLimit``; ``remove /<key>`` deletes
the method's setting. Users write method keys as ``/<resource path>/<METHOD>`` (``/payments/ANY``).
"""

import copy
import math
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.multiaccount.apigateway.plugins.module_utils import rest_apis
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry, is_managed

LOGGING_LEVELS = ["OFF", "ERROR", "INFO"]
HTTP_METHODS = list(rest_apis.HTTP_METHODS)
DEFAULT_KEY = "*/*"
# How API Gateway reports (and Terraform writes) "no throttle at this level": the level above applies.
NO_THROTTLE = (-1.0, -1)
# AWS refuses an access log format without one of these.
REQUEST_ID_VARIABLES = ("$context.requestId", "$context.extendedRequestId")
WAF_PAGE_SIZE = 100  # the largest page ListWebACLs accepts

REST_API_ID_RE = re.compile(r"^[A-Za-z0-9]{1,64}$")
LOG_GROUP_ARN_RE = re.compile(r"^arn:aws(?:-[a-z]+)*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9._/#-]{1,512}$")
ROLE_ARN_RE = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
WEB_ACL_ARN_RE = re.compile(
    r"^arn:aws(?:-[a-z]+)*:wafv2:(?P<region>[a-z0-9-]*):[0-9]{12}:(?P<scope>regional|global)/webacl/"
    r"(?P<name>[A-Za-z0-9_-]{1,128})/[A-Za-z0-9-]{1,128}$"
)
WEB_ACL_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
PATH_PART_RE = re.compile(r"^(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9._-]+\+?\})$")
METHOD_KEY_EXAMPLE = "/<resource path>/<METHOD> such as /payments/ANY or /cards/limits/{proxy+}/ANY"


# ---------------------------------------------------------------------------------------------
# Validation (before any AWS call; every message names the field and says the fix)
# ---------------------------------------------------------------------------------------------


def _number(value, field, kind):
    """``value`` as a float (``kind="float"``) or an int (``kind="int"``) >= 0, or ValueError naming ``field``."""
    what = "a number" if kind == "float" else "a whole number"
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{field}: {value!r} is not {what}; give {what} >= 0")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {value!r} is not {what}; give {what} >= 0") from None
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{field}: {value!r} is not {what}; give {what} >= 0")
    if kind == "int" and not number.is_integer():
        raise ValueError(f"{field}: {value!r} is not a whole number (requests); give a whole number >= 0")
    if number < 0:
        raise ValueError(
            f"{field}: {value!r} is negative; give {what} >= 0 (to leave the level without a throttle, "
            "omit the throttle instead)"
        )
    return number if kind == "float" else int(number)


def validate_throttle(value, field):
    """``{rate_limit, burst_limit}`` -> ``{"rate_limit": float, "burst_limit": int}`` (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{field}: expected a dict with rate_limit (requests per second) and burst_limit")
    problems = []
    unknown = sorted(set(value) - {"rate_limit", "burst_limit"})
    if unknown:
        problems.append(f"{field}: unknown key(s) {', '.join(unknown)}; only rate_limit and burst_limit are accepted")
    result = {}
    for key, kind in (("rate_limit", "float"), ("burst_limit", "int")):
        if value.get(key) is None:
            problems.append(
                f"{field}.{key}: required; a throttle needs both rate_limit and burst_limit (API Gateway fills a "
                "missing one with its own default)"
            )
            continue
        try:
            result[key] = _number(value[key], f"{field}.{key}", kind)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ValueError("; ".join(problems))
    return result


def validate_default_settings(value, problems):
    """The ``default_method_settings`` option with its defaults applied (problems appended)."""
    field = "default_method_settings"
    value = value or {}
    if not isinstance(value, dict):
        problems.append(f"{field}: expected a dict (throttle, logging_level, data_trace, metrics)")
        value = {}
    result = {"throttle": None, "logging_level": "OFF", "data_trace": False, "metrics": False}
    try:
        result["throttle"] = validate_throttle(value.get("throttle"), f"{field}.throttle")
    except ValueError as error:
        problems.append(str(error))
    level = str(value.get("logging_level") or "OFF").upper()
    if level not in LOGGING_LEVELS:
        problems.append(
            f"{field}.logging_level: {value.get('logging_level')!r} is not one of {', '.join(LOGGING_LEVELS)}"
        )
        level = "OFF"
    result["logging_level"] = level
    result["data_trace"] = bool(value.get("data_trace"))
    result["metrics"] = bool(value.get("metrics"))
    if result["data_trace"] and level == "OFF":
        problems.append(
            f"{field}.data_trace: true needs {field}.logging_level ERROR or INFO (full request and response "
            "logging is part of execution logging, which logging_level OFF turns off); set logging_level, or "
            "data_trace false"
        )
    return result


def parse_method_key(key, field):
    """``/cards/limits/{proxy+}/ANY`` -> ``("/cards/limits/{proxy+}", "ANY")``; ``/GET`` is the root's GET."""
    text = str(key).strip()
    if text == DEFAULT_KEY:
        raise ValueError(f"{field}: */* is the stage default; set it with default_method_settings.throttle")
    if not text.startswith("/") or text.endswith("/"):
        raise ValueError(f"{field}: {key!r} is not a method key; expected {METHOD_KEY_EXAMPLE}")
    path, method = text.rsplit("/", 1)
    method = method.upper()
    if method not in HTTP_METHODS:
        raise ValueError(f"{field}: {key!r} ends with {text.rsplit('/', 1)[1]!r}, not one of {', '.join(HTTP_METHODS)}")
    parts = path.split("/")[1:] if path else []
    bad = [part for part in parts if not PATH_PART_RE.match(part)]
    if bad:
        raise ValueError(
            f"{field}: {key!r} has an invalid resource path part {bad[0]!r}; expected {METHOD_KEY_EXAMPLE} "
            "(letters, digits, . _ - ~ or a {variable} / {proxy+} part, no empty parts)"
        )
    return path or "/", method


def escape_path(resource_path):
    """A resource path as a JSON pointer member, as API Gateway keys method settings (``/a/b`` -> ``~1a~1b``)."""
    return resource_path.replace("~", "~0").replace("/", "~1")


def unescape_path(text):
    return text.replace("~1", "/").replace("~0", "~")


def method_setting_key(resource_path, http_method):
    """API Gateway's key of a method's setting: ``~1payments/ANY`` (root: ``~1/GET``)."""
    return f"{escape_path(resource_path)}/{http_method}"


def display_key(key):
    """A method setting key in the form users write it (``~1cards~1limits/ANY`` -> ``/cards/limits/ANY``)."""
    if key == DEFAULT_KEY or "/" not in key:
        return key
    path, method = key.rsplit("/", 1)
    path = unescape_path(path)
    return f"{path.rstrip('/')}/{method}"


def validate_method_throttles(value, problems):
    """``method_throttles`` -> ``{aws key: {"key": user key, "rate_limit", "burst_limit"}}`` in key order."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"method_throttles: expected a dict of {METHOD_KEY_EXAMPLE} -> {{rate_limit, burst_limit}}")
        return {}
    result = {}
    seen = {}
    for key in sorted(value, key=str):
        field = f"method_throttles[{key!r}]"
        try:
            path, method = parse_method_key(key, field)
            throttle = validate_throttle(value[key], field)
        except ValueError as error:
            problems.append(str(error))
            continue
        if throttle is None:
            problems.append(f"{field}: needs rate_limit and burst_limit; remove the key to drop the method's throttle")
            continue
        aws_key = method_setting_key(path, method)
        if aws_key in seen:
            problems.append(f"{field}: names the same method as method_throttles[{seen[aws_key]!r}]")
            continue
        seen[aws_key] = key
        result[aws_key] = dict(throttle, key=display_key(aws_key))
    return result


def validate_access_log(value, problems):
    """``access_log`` -> ``{"destination_arn", "format"}`` or None (access logging off)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(
            "access_log: expected a dict with destination_arn and format, or null to turn access logging off"
        )
        return None
    destination = str(value.get("destination_arn") or "").strip()
    log_format = value.get("format")
    result = {"destination_arn": destination, "format": log_format}
    if not destination:
        problems.append("access_log.destination_arn: required; give the ARN of a CloudWatch Logs log group")
    elif destination.endswith(":*"):
        problems.append(
            f"access_log.destination_arn: {destination!r} ends with ':*'; API Gateway takes the log group ARN "
            f"without it ({destination[:-2]!r})"
        )
    elif not LOG_GROUP_ARN_RE.match(destination):
        problems.append(
            f"access_log.destination_arn: {destination!r} is not a CloudWatch Logs log group ARN "
            "(arn:aws:logs:<region>:<account>:log-group:<name>)"
        )
    if not isinstance(log_format, str) or not log_format.strip():
        problems.append(
            "access_log.format: required; give the access log format, for example "
            '\'{"requestId":"$context.requestId","status":"$context.status"}\''
        )
    elif not any(variable in log_format for variable in REQUEST_ID_VARIABLES):
        problems.append(
            "access_log.format: must contain $context.requestId or $context.extendedRequestId (API Gateway "
            "refuses a format without one); add one of them"
        )
    return result


def validate_web_acl(value, given, region, problems):
    """``web_acl_arn`` -> ``{"manage": bool, "arn": str|None, "name": str|None}``.

    Omitted (``given`` false): the association is left alone. Null or ``""``: no web ACL. An ARN must be
    a REGIONAL web ACL of the stage's region; anything else is a web ACL name, resolved later.
    """
    if not given:
        return {"manage": False, "arn": None, "name": None}
    text = "" if value is None else str(value).strip()
    if not text:
        return {"manage": True, "arn": None, "name": None}
    if text.startswith("arn:"):
        match = WEB_ACL_ARN_RE.match(text)
        if not match:
            problems.append(
                f"web_acl_arn: {text!r} is not a WAFv2 web ACL ARN "
                "(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); give the ARN or the name"
            )
        elif match.group("scope") != "regional":
            problems.append(
                f"web_acl_arn: {text!r} is a CLOUDFRONT (global) web ACL; a REST API stage takes a REGIONAL "
                "web ACL of its own region"
            )
        elif region and match.group("region") != region:
            problems.append(
                f"web_acl_arn: {text!r} is in region {match.group('region')}, the stage is in {region}; "
                "give a REGIONAL web ACL of the stage's region"
            )
        return {"manage": True, "arn": text, "name": None}
    if not WEB_ACL_NAME_RE.match(text):
        problems.append(
            f"web_acl_arn: {text!r} is neither a web ACL ARN nor a web ACL name (1-128 letters, digits, - and _)"
        )
    return {"manage": True, "arn": None, "name": text}


def validate_params(params, region=None, web_acl_given=True):
    """Normalise the module's options; raise ValueError listing every problem, each naming its field.

    Returns ``{"rest_api_id", "stage_name", "default", "methods", "purge_methods", "access_log",
    "tracing", "web_acl", "cloudwatch_role_arn", "replace_cloudwatch_role"}``.
    """
    problems = []
    rest_api_id = str(params.get("rest_api_id") or "").strip()
    if not REST_API_ID_RE.match(rest_api_id):
        problems.append(
            f"rest_api_id: {params.get('rest_api_id')!r} is not a REST API id (letters and digits, such as "
            "a1b2c3d4e5); give the id multiaccount.apigateway.rest_api returns in rest_api.id"
        )
    stage_name = None
    try:
        stage_name = rest_apis.validate_stage_name(params.get("stage_name"))
    except ValueError as error:
        problems.append(str(error))
    if stage_name is None and not any(problem.startswith("stage_name") for problem in problems):
        problems.append("stage_name: required; give the stage rest_api deployed (for example v1)")
    default = validate_default_settings(params.get("default_method_settings"), problems)
    methods = validate_method_throttles(params.get("method_throttles"), problems)
    access_log = validate_access_log(params.get("access_log"), problems)
    web_acl = validate_web_acl(params.get("web_acl_arn"), web_acl_given, region, problems)
    role = params.get("cloudwatch_role_arn")
    role = str(role).strip() if role is not None else None
    if role == "":
        role = None
    if role is not None and not ROLE_ARN_RE.match(role):
        problems.append(
            f"cloudwatch_role_arn: {role!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>); give the "
            "role API Gateway assumes to write CloudWatch logs, or null to leave the account setting alone"
        )
    if problems:
        raise ValueError("; ".join(problems))
    return {
        "rest_api_id": rest_api_id,
        "stage_name": stage_name,
        "default": default,
        "methods": methods,
        "purge_methods": params.get("purge_method_throttles", True) is not False,
        "access_log": access_log,
        "tracing": bool(params.get("tracing")),
        "web_acl": web_acl,
        "cloudwatch_role_arn": role,
        "replace_cloudwatch_role": bool(params.get("replace_cloudwatch_role")),
    }


def logging_needs_role(desired):
    """True when the desired policy logs to CloudWatch (execution or access logging), which needs the
    account-level CloudWatch role of API Gateway."""
    return desired["default"]["logging_level"] != "OFF" or desired["access_log"] is not None


# ---------------------------------------------------------------------------------------------
# The stage as GetStage returns it -> what the module manages
# ---------------------------------------------------------------------------------------------


def throttle_of(raw):
    """``{"rate_limit", "burst_limit"}`` of a method setting, or None when it sets no throttle (-1 / absent)."""
    raw = raw or {}
    rate = raw.get("throttlingRateLimit")
    burst = raw.get("throttlingBurstLimit")
    if (rate is None or float(rate) < 0) and (burst is None or int(burst) < 0):
        return None
    return {
        "rate_limit": None if rate is None else float(rate),
        "burst_limit": None if burst is None else int(burst),
    }


def setting_view(raw):
    """The managed fields of a method setting (absent setting: API Gateway's defaults)."""
    raw = raw or {}
    return {
        "throttle": throttle_of(raw),
        "logging_level": str(raw.get("loggingLevel") or "OFF").upper(),
        "data_trace": bool(raw.get("dataTraceEnabled")),
        "metrics": bool(raw.get("metricsEnabled")),
    }


def access_log_view(stage):
    settings = (stage or {}).get("accessLogSettings") or {}
    if not settings.get("destinationArn") and not settings.get("format"):
        return None
    return {"destination_arn": settings.get("destinationArn"), "format": settings.get("format")}


def method_settings_view(stage):
    """``{"*/*": {...}, "/payments/ANY": {...}}``: the managed fields of every method setting of the stage."""
    settings = (stage or {}).get("methodSettings") or {}
    view = {}
    if DEFAULT_KEY in settings:
        view[DEFAULT_KEY] = setting_view(settings[DEFAULT_KEY])
    for key in sorted(settings):
        if key != DEFAULT_KEY:
            view[display_key(key)] = setting_view(settings[key])
    return view


def stage_view(stage, stage_name, web_acl_arn):
    """The module's ``stage`` result."""
    stage = stage or {}
    settings = stage.get("methodSettings") or {}
    return {
        "name": stage.get("stageName") or stage_name,
        "default_method_settings": setting_view(settings.get(DEFAULT_KEY)),
        "method_throttles": {
            display_key(key): throttle_of(settings[key]) for key in sorted(settings) if key != DEFAULT_KEY
        },
        "access_log": access_log_view(stage),
        "tracing": bool(stage.get("tracingEnabled")),
        "web_acl_arn": web_acl_arn or None,
    }


def is_stage_ours(stage):
    """True when the stage was deployed by this collection: it carries the managed-by mark, or the tag
    ``rest_api`` puts on every stage it deploys (``multiaccount:deployed-config``)."""
    tags = (stage or {}).get("tags") or {}
    return is_managed(tags) or rest_apis.DEPLOYED_TAG in tags


# ---------------------------------------------------------------------------------------------
# Patch operations
# ---------------------------------------------------------------------------------------------


def _bool_text(value):
    return "true" if value else "false"


def _rate_text(value):
    return repr(float(value))


def _replace(path, value):
    return {"op": "replace", "path": path, "value": value}


def desired_method_view(spec, default):
    """A method's override: its throttle, with the stage default's logging, data trace and metrics.

    API Gateway keeps a full set of settings per method override and does not fall back to ``*/*`` for
    the ones the override did not set, so the override repeats them to change only the throttle.
    """
    return {
        "throttle": {"rate_limit": spec["rate_limit"], "burst_limit": spec["burst_limit"]},
        "logging_level": default["logging_level"],
        "data_trace": default["data_trace"],
        "metrics": default["metrics"],
    }


def setting_ops(key, current, desired):
    """UpdateStage operations that bring the method setting ``key`` (``current``: GetStage's dict, None
    when absent) to ``desired`` (a :func:`setting_view`-shaped dict). A throttle is always written as
    both limits: API Gateway fills a missing one with its default."""
    prefix = f"/{key}/"
    view = setting_view(current)
    ops = []
    if view["logging_level"] != desired["logging_level"]:
        ops.append(_replace(prefix + "logging/loglevel", desired["logging_level"]))
    if view["data_trace"] != desired["data_trace"]:
        ops.append(_replace(prefix + "logging/dataTrace", _bool_text(desired["data_trace"])))
    if view["metrics"] != desired["metrics"]:
        ops.append(_replace(prefix + "metrics/enabled", _bool_text(desired["metrics"])))
    throttle = desired["throttle"]
    if throttle is None:
        # No throttle at this level. A setting this run creates gets AWS's defaults, so say -1 explicitly.
        want = NO_THROTTLE
        write = (current is None and bool(ops)) or (current is not None and view["throttle"] is not None)
    else:
        want = (float(throttle["rate_limit"]), int(throttle["burst_limit"]))
        write = view["throttle"] != {"rate_limit": want[0], "burst_limit": want[1]}
    if write:
        ops.append(_replace(prefix + "throttling/rateLimit", _rate_text(want[0])))
        ops.append(_replace(prefix + "throttling/burstLimit", str(want[1])))
    return ops


def plan_stage_ops(stage, desired):
    """Every UpdateStage operation (one call) that brings ``stage`` to the desired policy, in order:
    the stage default, the method overrides (key order), removals of other overrides (with purge),
    access logging, tracing."""
    settings = (stage or {}).get("methodSettings") or {}
    ops = setting_ops(DEFAULT_KEY, settings.get(DEFAULT_KEY), desired["default"])
    for key, spec in desired["methods"].items():
        ops.extend(setting_ops(key, settings.get(key), desired_method_view(spec, desired["default"])))
    if desired["purge_methods"]:
        for key in sorted(settings):
            if key != DEFAULT_KEY and key not in desired["methods"]:
                ops.append({"op": "remove", "path": f"/{key}"})
    current_log = access_log_view(stage)
    wanted_log = desired["access_log"]
    if wanted_log is None:
        if current_log is not None:
            ops.append({"op": "remove", "path": "/accessLogSettings"})
    else:
        current_log = current_log or {}
        if current_log.get("destination_arn") != wanted_log["destination_arn"]:
            ops.append(_replace("/accessLogSettings/destinationArn", wanted_log["destination_arn"]))
        if current_log.get("format") != wanted_log["format"]:
            ops.append(_replace("/accessLogSettings/format", wanted_log["format"]))
    if bool((stage or {}).get("tracingEnabled")) != desired["tracing"]:
        ops.append(_replace("/tracingEnabled", _bool_text(desired["tracing"])))
    return ops


SETTING_FIELDS = {
    "logging/loglevel": ("loggingLevel", str),
    "logging/dataTrace": ("dataTraceEnabled", lambda value: value == "true"),
    "metrics/enabled": ("metricsEnabled", lambda value: value == "true"),
    "throttling/rateLimit": ("throttlingRateLimit", float),
    "throttling/burstLimit": ("throttlingBurstLimit", int),
}


def apply_stage_ops(stage, ops):
    """The stage ``ops`` would leave (nothing is called; check mode and the diff)."""
    result = copy.deepcopy(stage or {})
    settings = result.setdefault("methodSettings", {})
    for op in ops:
        path = op["path"]
        if path == "/tracingEnabled":
            result["tracingEnabled"] = op["value"] == "true"
        elif path == "/accessLogSettings":
            result.pop("accessLogSettings", None)
        elif path.startswith("/accessLogSettings/"):
            log = dict(result.get("accessLogSettings") or {})
            log[path.rsplit("/", 1)[1]] = op["value"]
            result["accessLogSettings"] = log
        elif op["op"] == "remove":
            settings.pop(path[1:], None)
        else:
            first, second, setting = path[1:].split("/", 2)
            field, convert = SETTING_FIELDS[setting]
            settings.setdefault(f"{first}/{second}", {})[field] = convert(op["value"])
    return result


def describe_stage_update(stage_name, ops):
    """The ``changes`` line of the run's UpdateStage."""
    return f"update stage {stage_name} (" + ", ".join(f"{op['op']} {op['path']}" for op in ops) + ")"


# ---------------------------------------------------------------------------------------------
# Account role and web ACL decisions
# ---------------------------------------------------------------------------------------------


def plan_account_role(current_role, desired_role, replace):
    """``(role to write or None, role after the run, warning or None)`` for the account's CloudWatch role."""
    current_role = current_role or None
    if desired_role is None or desired_role == current_role:
        return None, current_role, None
    if current_role is None or replace:
        return desired_role, desired_role, None
    warning = (
        f"cloudwatch_role_arn: the account already gives API Gateway the CloudWatch role {current_role} in this "
        f"region; it is account-wide and may belong to someone else, so it was left alone (not replaced by "
        f"{desired_role}). Set replace_cloudwatch_role to true to replace it."
    )
    return None, current_role, warning


def find_web_acl(web_acls, name):
    """The summary of the REGIONAL web ACL named ``name`` among ListWebACLs summaries, or None."""
    for summary in web_acls:
        if summary.get("Name") == name:
            return summary
    return None


def stage_arn(region, rest_api_id, stage_name):
    """The ARN WAFv2 knows a stage by: ``arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>``."""
    return rest_apis.stage_arn(region, rest_api_id, stage_name)


# ---------------------------------------------------------------------------------------------
# API Gateway and WAFv2 calls: one small function each, retried, "not found" -> None in one place
# ---------------------------------------------------------------------------------------------


class AnsibleApiStageError(AnsibleAWSError):
    pass


class ApiStageErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleApiStageError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


class WebAclErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleApiStageError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("WAFNonexistentItemException")


# A web ACL created a moment ago may not be associable yet ("WAFUnavailableEntityException": AWS says
# retry); WAFv2 throttles with ThrottlingException / WAFLimitsExceededException.
waf_retry = AWSRetry.jittered_backoff(
    retries=10,
    delay=2,
    max_delay=30,
    catch_extra_error_codes=["WAFUnavailableEntityException", "WAFLimitsExceededException"],
)


@ApiStageErrorHandler.list_error_handler("get stage")
@aws_retry
def get_stage(client, rest_api_id, stage_name):
    return client.get_stage(restApiId=rest_api_id, stageName=stage_name)


@ApiStageErrorHandler.common_error_handler("update stage")
@aws_retry
def update_stage(client, rest_api_id, stage_name, patch_operations):
    return client.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=patch_operations)


@ApiStageErrorHandler.common_error_handler("get the API Gateway account settings")
@aws_retry
def get_account(client):
    return client.get_account()


# A role created moments before (the api_publish role makes it in the same run) can take a few seconds
# before API Gateway may assume it: AWS answers BadRequestException ("The role ARN does not have required
# permissions set to API Gateway") until IAM has propagated it.
ROLE_PROPAGATION_ATTEMPTS = 6
ROLE_PROPAGATION_DELAY = 5


@ApiStageErrorHandler.common_error_handler("update the API Gateway account settings")
def update_account_role(client, role_arn, sleep=time.sleep):
    for attempt in range(ROLE_PROPAGATION_ATTEMPTS):
        try:
            return _update_account_role(client, role_arn)
        except is_boto3_error_code("BadRequestException") as error:
            message = error.response.get("Error", {}).get("Message", "")
            if "role" not in message.lower() or attempt + 1 == ROLE_PROPAGATION_ATTEMPTS:
                raise
            sleep(ROLE_PROPAGATION_DELAY)
    return None


@aws_retry
def _update_account_role(client, role_arn):
    return client.update_account(patchOperations=[_replace("/cloudwatchRoleArn", role_arn)])


@WebAclErrorHandler.common_error_handler("list REGIONAL web ACLs")
@waf_retry
def list_web_acls(client):
    summaries = []
    params = {"Scope": "REGIONAL", "Limit": WAF_PAGE_SIZE}
    while True:
        page = client.list_web_acls(**params)
        summaries.extend(page.get("WebACLs") or [])
        marker = page.get("NextMarker")
        if not marker or not page.get("WebACLs"):
            return summaries
        params["NextMarker"] = marker


@WebAclErrorHandler.list_error_handler("get the web ACL of the stage")
@waf_retry
def get_web_acl_arn_for_resource(client, resource_arn):
    """ARN of the web ACL associated with ``resource_arn``, or None."""
    return (client.get_web_acl_for_resource(ResourceArn=resource_arn).get("WebACL") or {}).get("ARN")


@WebAclErrorHandler.common_error_handler("associate the web ACL with the stage")
@waf_retry
def associate_web_acl(client, web_acl_arn, resource_arn):
    client.associate_web_acl(WebACLArn=web_acl_arn, ResourceArn=resource_arn)
    return True


@WebAclErrorHandler.deletion_error_handler("disassociate the web ACL from the stage")
@waf_retry
def disassociate_web_acl(client, resource_arn):
    client.disassociate_web_acl(ResourceArn=resource_arn)
    return True
