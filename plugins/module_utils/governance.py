# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The central gateway's policy, planned from the inventory (pure, no boto3).

Who may call each service (authorization, authorizers, API keys), the partners (an API key and a usage
plan each), the stage policy (throttling, logging, tracing, access logs, web ACL), the resource policy
and the custom domain. :func:`plan_governance` checks the gateway's keys and each service's access keys
and returns what the roles apply and what the verifier expects; every problem is recorded with the
inventory key it comes from, before any AWS call.
"""

import ipaddress
import re

from ansible_collections.multiaccount.apigateway.plugins.module_utils import api_authorization as authz

# Gateway keys of the contract (all optional) with their defaults; null counts as not set.
GOVERNANCE_OPTIONS = {
    "api_publish_default_authorization": None,
    "api_publish_default_authorizer": None,
    "api_publish_default_api_key_required": False,
    "api_publish_authorizers": [],
    "api_publish_partners": [],
    "api_publish_throttle": None,
    "api_publish_logging_level": "OFF",
    "api_publish_data_trace": False,
    "api_publish_metrics": False,
    "api_publish_tracing": False,
    "api_publish_access_log": None,
    "api_publish_cloudwatch_role_arn": None,
    "api_publish_web_acl": None,
    "api_publish_resource_policy": None,
    "api_publish_source_ip_allow": None,
    "api_publish_domain": None,
}
# Per service (provider_vpc_services items).
SERVICE_ACCESS_KEYS = ("authorization", "authorizer", "authorization_scopes", "api_key_required", "throttle")

LOGGING_LEVELS = ("OFF", "ERROR", "INFO")
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
SECURITY_POLICIES = ("TLS_1_0", "TLS_1_2")
# CloudWatch Logs retention values.
RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DEFAULT_RETENTION_DAYS = 30
# One JSON object per request: who called (never a credential: the API key's id, not its value).
DEFAULT_ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","caller":"$context.identity.caller",'
    '"user":"$context.identity.user","apiKeyId":"$context.identity.apiKeyId",'
    '"principal":"$context.authorizer.principalId","requestTime":"$context.requestTime",'
    '"httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"integrationLatency":"$context.integrationLatency"}'
)
PARTNER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
LOG_GROUP_RE = re.compile(r"^[A-Za-z0-9_./#-]{1,512}$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
WEB_ACL_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:wafv2:(?P<region>[a-z0-9-]+):[0-9]{12}:regional/webacl/[A-Za-z0-9_-]{1,128}/[a-f0-9-]{36}$"
)
WEB_ACL_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CERTIFICATE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):[0-9]{12}:certificate/[A-Za-z0-9-]+$")
BASE_PATH_RE = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
TRUSTSTORE_RE = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$")
MAX_ROLE_NAME = 64


def _partition(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class _Recorder:
    """Errors and warnings in the plan's report, each with its host and inventory key."""

    def __init__(self, report, host):
        self.report = report
        self.host = host

    def error(self, field, message, host=None):
        self.report["errors"].append({"host": host or self.host, "field": field, "message": message})

    def warn(self, field, message, host=None):
        self.report["warnings"].append({"host": host or self.host, "field": field, "message": message})

    def errors_of(self, error, prefix, host=None):
        """Record the ``field: message; field: message`` of a ValueError under ``prefix``."""
        for part in str(error).split("; "):
            field, _sep, message = part.partition(": ")
            self.error(prefix + field, message, host)


# ---------------------------------------------------------------------------------------------
# Per service (preflight's catalogue calls this for each service item)
# ---------------------------------------------------------------------------------------------


def check_service_access(findings, host, field, service):
    """The access keys of one service item, as given (``None`` where not set); ``None`` when wrong.

    ``findings`` has ``error(host, field, message)``. Cross-checks with the gateway (authorizer
    names, defaults) are :func:`plan_governance`'s.
    """
    access = {key: service.get(key) for key in SERVICE_ACCESS_KEYS}
    valid = True
    kind = access["authorization"]
    if kind is not None:
        kind = str(kind).strip().upper()
        if kind not in authz.AUTHORIZATION_TYPES:
            findings.error(
                host,
                f"{field}.authorization",
                f"{service.get('authorization')!r} is not one of {', '.join(authz.AUTHORIZATION_TYPES)}",
            )
            valid = False
        access["authorization"] = kind
    if access["authorizer"] is not None and not isinstance(access["authorizer"], str):
        findings.error(host, f"{field}.authorizer", "must be the name of an authorizer of api_publish_authorizers")
        valid = False
    scopes = access["authorization_scopes"]
    if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes)):
        findings.error(host, f"{field}.authorization_scopes", "must be a list of OAuth scopes, e.g. [bank/read]")
        valid = False
    key_required = access["api_key_required"]
    if key_required is not None and not isinstance(key_required, bool):
        findings.error(host, f"{field}.api_key_required", f"{key_required!r} is not a boolean; use true or false")
        valid = False
    if access["throttle"] is not None:
        throttle = _throttle(lambda message: findings.error(host, f"{field}.throttle", message), access["throttle"])
        valid = valid and throttle is not None
        access["throttle"] = throttle
    return access if valid else None


def _number(value, integer=False):
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number < 0 or (integer and number != int(number)):
        return None
    return int(number) if integer else number


def _throttle(fail, value):
    """``{rate_limit, burst_limit}`` (requests per second, bucket size) or None after ``fail(message)``."""
    example = "use e.g. {rate_limit: 100, burst_limit: 200} (requests per second, burst bucket)"
    if not isinstance(value, dict) or set(value) - {"rate_limit", "burst_limit"}:
        fail(f"must be a mapping with rate_limit and burst_limit; {example}")
        return None
    rate = _number(value.get("rate_limit"))
    burst = _number(value.get("burst_limit"), integer=True)
    if rate is None or burst is None:
        fail(f"rate_limit must be a number >= 0 and burst_limit a whole number >= 0; {example}")
        return None
    return {"rate_limit": rate, "burst_limit": burst}


def method_keys(path, http_method="ANY"):
    """The usage plan / stage method keys of a service's two methods: ``/<path>/<METHOD>`` and
    ``/<path>/{proxy+}/ANY``."""
    return [f"/{path}/{http_method}", f"/{path}/{{proxy+}}/ANY"]


# ---------------------------------------------------------------------------------------------
# The gateway
# ---------------------------------------------------------------------------------------------


def _value(values, key):
    value = values.get(key)
    return GOVERNANCE_OPTIONS[key] if value is None else value


def _bool(rec, values, key):
    value = _value(values, key)
    if isinstance(value, bool):
        return value
    rec.error(key, f"{value!r} is not a boolean; use true or false")
    return GOVERNANCE_OPTIONS[key]


def _authorizers(rec, values):
    raw = _value(values, "api_publish_authorizers")
    if not isinstance(raw, list):
        rec.error(
            "api_publish_authorizers", "must be a list of authorizers, e.g. [{name: partner-jwt, type: TOKEN, ...}]"
        )
        return []
    try:
        return authz.validate_authorizers(raw)
    except ValueError as error:
        rec.errors_of(error, "api_publish_")
        return []


def _access(rec, values, services, authorizers):
    """Per service: the resolved authorization, or errors naming the key."""
    default_kind = values.get("api_publish_default_authorization")
    if default_kind is not None:
        default_kind = str(default_kind).strip().upper()
        if default_kind not in authz.AUTHORIZATION_TYPES:
            rec.error(
                "api_publish_default_authorization",
                f"{values.get('api_publish_default_authorization')!r} is not one of {', '.join(authz.AUTHORIZATION_TYPES)}",
            )
            default_kind = None
    default_authorizer = values.get("api_publish_default_authorizer")
    default_key = _bool(rec, values, "api_publish_default_api_key_required")
    by_name = {item["name"]: item for item in authorizers}
    unset = [service["name"] for service in services if (service.get("access") or {}).get("authorization") is None]
    if (
        unset
        and default_kind is None
        and "api_publish_default_authorization" not in {error["field"] for error in rec.report["errors"]}
    ):
        rec.error(
            "api_publish_default_authorization",
            "is not set, and these services say nobody may or may not call them (no authorization): "
            + ", ".join(unset)
            + ". Nothing is published open by accident: set api_publish_default_authorization (NONE to keep them "
            "open to anyone, AWS_IAM, CUSTOM or COGNITO_USER_POOLS with api_publish_default_authorizer), or "
            "authorization on each service",
        )
    access = {}
    for service in services:
        own = service.get("access") or {}
        field = service.get("field") or service["name"]
        host = service.get("provider")
        kind = own.get("authorization") or default_kind or "NONE"
        authorizer = own.get("authorizer")
        if authorizer is None and kind in authz.AUTHORIZER_KINDS:
            authorizer = default_authorizer
        if kind in authz.AUTHORIZER_KINDS:
            declared = by_name.get(authorizer)
            if not authorizer:
                rec.error(
                    f"{field}.authorizer",
                    f"authorization {kind} needs an authorizer: name one of api_publish_authorizers "
                    "(or set api_publish_default_authorizer)",
                    host,
                )
            elif declared is None:
                rec.error(
                    f"{field}.authorizer",
                    f"{authorizer!r} is not in api_publish_authorizers ({', '.join(sorted(by_name)) or 'none declared'})",
                    host,
                )
            elif declared["type"] not in authz.AUTHORIZER_KINDS[kind]:
                rec.error(
                    f"{field}.authorizer",
                    f"{authorizer!r} is a {declared['type']} authorizer, which authorization {kind} cannot use "
                    "(CUSTOM takes TOKEN or REQUEST, COGNITO_USER_POOLS takes COGNITO_USER_POOLS)",
                    host,
                )
        elif own.get("authorizer"):
            rec.error(
                f"{field}.authorizer", f"only authorization CUSTOM or COGNITO_USER_POOLS uses one, not {kind}", host
            )
        scopes = sorted(set(own.get("authorization_scopes") or []))
        if scopes and kind != "COGNITO_USER_POOLS":
            rec.error(
                f"{field}.authorization_scopes", f"only authorization COGNITO_USER_POOLS takes scopes, not {kind}", host
            )
        key_required = own.get("api_key_required")
        access[service["name"]] = {
            "authorization_type": kind,
            "authorizer": authorizer if kind in authz.AUTHORIZER_KINDS else None,
            "authorization_scopes": scopes if kind == "COGNITO_USER_POOLS" else [],
            "api_key_required": default_key if key_required is None else key_required,
            "throttle": own.get("throttle"),
        }
    return access


def _quota(fail, value):
    if value is None:
        return None
    example = "use e.g. {limit: 10000, period: DAY}"
    if not isinstance(value, dict) or set(value) - {"limit", "period", "offset"}:
        fail(f"must be a mapping with limit, period and optionally offset; {example}")
        return None
    limit = _number(value.get("limit"), integer=True)
    period = str(value.get("period") or "").upper()
    offset = _number(value.get("offset", 0), integer=True)
    if not limit or period not in QUOTA_PERIODS or offset is None:
        fail(f"limit must be a whole number > 0, period one of {', '.join(QUOTA_PERIODS)}; {example}")
        return None
    bound = {"DAY": 1, "WEEK": 7, "MONTH": 28}[period]
    if offset >= bound:
        fail(f"offset {offset} is too large for period {period} (at most {bound - 1})")
        return None
    return {"limit": limit, "period": period, "offset": offset}


def _partners(rec, values, api_name, services, access, stage_throttle):
    raw = _value(values, "api_publish_partners")
    if not isinstance(raw, list):
        rec.error("api_publish_partners", "must be a list of partners, e.g. [{name: fintech-a, services: [payments]}]")
        return []
    by_name = {service["name"]: service for service in services}
    keyed = sorted(name for name, item in access.items() if item["api_key_required"])
    partners, seen = [], {}
    for index, item in enumerate(raw):
        field = f"api_publish_partners[{index}]"
        if not isinstance(item, dict):
            rec.error(field, "must be a mapping with name and services")
            continue
        extra = sorted(set(item) - {"name", "services", "quota", "throttle", "enabled", "description"})
        for key in extra:
            rec.error(
                f"{field}.{key}",
                "is not a partner key; the keys are name, services, quota, throttle, enabled, description",
            )
        name = str(item.get("name") or "").strip()
        if not PARTNER_NAME_RE.match(name):
            rec.error(
                f"{field}.name", f"{item.get('name')!r} is not a partner name (letters, digits, . _ -, at most 63)"
            )
            continue
        if name in seen:
            rec.error(f"{field}.name", f"{name!r} duplicates api_publish_partners[{seen[name]}].name")
            continue
        seen[name] = index
        allowed = item.get("services")
        if not isinstance(allowed, list) or not allowed or not all(isinstance(svc, str) for svc in allowed):
            rec.error(f"{field}.services", "must list the names of the services the partner may call")
            continue
        unknown = sorted(set(allowed) - set(by_name))
        if unknown:
            rec.error(
                f"{field}.services",
                f"names services that are not published: {', '.join(unknown)} (published: {', '.join(sorted(by_name))})",
            )
            continue
        open_ones = sorted(svc for svc in set(allowed) if not access[svc]["api_key_required"])
        if open_ones:
            rec.warn(
                f"{field}.services",
                f"{', '.join(open_ones)} need no API key: anyone allowed by their authorization calls them without "
                "one; the partner's plan only throttles the partner's own key there (set api_key_required: true)",
            )
        quota = _quota(lambda message, f=f"{field}.quota": rec.error(f, message), item.get("quota"))
        throttle = None
        if item.get("throttle") is not None:
            throttle = _throttle(lambda message, f=f"{field}.throttle": rec.error(f, message), item["throttle"])
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            rec.error(f"{field}.enabled", f"{enabled!r} is not a boolean")
            enabled = True
        methods = {}
        for service_name in sorted(set(allowed)):
            limit = throttle or access[service_name]["throttle"] or stage_throttle
            if limit is not None:
                for key in method_keys(by_name[service_name]["path"]):
                    methods[key] = dict(limit)
        # AWS has no allow list of methods per key: the partner's key is blocked (a throttle of 0) on every
        # other service that needs a key.
        for service_name in keyed:
            if service_name not in allowed:
                for key in method_keys(by_name[service_name]["path"]):
                    methods[key] = {"rate_limit": 0.0, "burst_limit": 0}
        partners.append(
            {
                "name": name,
                "resource_name": f"{api_name}-{name}",
                "description": str(item.get("description") or f"Partner {name} of {api_name}"),
                "services": sorted(set(allowed)),
                "enabled": enabled,
                "quota": quota,
                "throttle": throttle,
                "methods": methods,
            }
        )
    callers = {svc for partner in partners for svc in partner["services"]}
    lonely = [svc for svc in keyed if svc not in callers]
    if lonely:
        rec.warn(
            "api_publish_partners",
            f"{', '.join(lonely)} need an API key but no partner may call them: every call gets 403 until a partner "
            "lists them",
        )
    return partners


def _access_log(rec, values, api_name, stage, region, account_id, tags):
    value = values.get("api_publish_access_log")
    if value is None or value is False:
        return None, None
    if value is True:
        value = {}
    if not isinstance(value, dict) or set(value) - {"log_group", "format", "retention_days"}:
        rec.error(
            "api_publish_access_log",
            "must be true or a mapping with log_group, format and retention_days (all optional)",
        )
        return None, None
    group = str(value.get("log_group") or f"/aws/apigateway/{api_name}/{stage}/access")
    if not LOG_GROUP_RE.match(group):
        rec.error("api_publish_access_log.log_group", f"{group!r} is not a CloudWatch Logs log group name")
    text = str(value.get("format") or DEFAULT_ACCESS_LOG_FORMAT)
    if "$context.requestId" not in text and "$context.extendedRequestId" not in text:
        rec.error(
            "api_publish_access_log.format",
            "must contain $context.requestId or $context.extendedRequestId (API Gateway requires it)",
        )
    retention = value.get("retention_days", DEFAULT_RETENTION_DAYS)
    if retention not in RETENTION_DAYS or isinstance(retention, bool):
        rec.error(
            "api_publish_access_log.retention_days",
            f"{retention!r} is not a CloudWatch Logs retention; use one of {', '.join(map(str, RETENTION_DAYS))}",
        )
        retention = DEFAULT_RETENTION_DAYS
    arn = f"arn:{_partition(region)}:logs:{region}:{account_id}:log-group:{group}"
    return {"destination_arn": arn, "format": text}, {"name": group, "retention_days": retention, "tags": tags}


def _policy(rec, values):
    policy = values.get("api_publish_resource_policy")
    allow = values.get("api_publish_source_ip_allow")
    if policy is not None and allow is not None:
        rec.error(
            "api_publish_source_ip_allow",
            "and api_publish_resource_policy are both set; put the source IP condition in the policy, or drop it",
        )
        return None
    if policy is not None:
        try:
            return authz.policy_document(policy, "api_publish_resource_policy")
        except ValueError as error:
            rec.errors_of(error, "")
            return None
    if allow is None:
        return None
    if not isinstance(allow, list) or not allow:
        rec.error("api_publish_source_ip_allow", "must be a list of CIDR blocks, e.g. [203.0.113.0/24]")
        return None
    cidrs = []
    for index, cidr in enumerate(allow):
        try:
            cidrs.append(str(ipaddress.ip_network(str(cidr).strip(), strict=True)))
        except ValueError:
            rec.error(f"api_publish_source_ip_allow[{index}]", f"{cidr!r} is not a CIDR block")
    if len(cidrs) != len(allow):
        return None
    statement = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    deny = dict(statement, Effect="Deny", Condition={"NotIpAddress": {"aws:SourceIp": cidrs}})
    return {"Version": "2012-10-17", "Statement": [statement, deny]}


DEFAULT_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
RULE_GROUP_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# WAF's rate-based rules count requests per client IP over 5 minutes; AWS accepts 10 to 2,000,000,000.
MIN_RATE_LIMIT = 10
MAX_RATE_LIMIT = 2000000000


def _rule(name, priority, statement, metric, block=False):
    rule = {
        "name": name,
        "priority": priority,
        "statement": statement,
        "visibility_config": {
            "sampled_requests_enabled": True,
            "cloud_watch_metrics_enabled": True,
            "metric_name": metric,
        },
    }
    rule.update({"action": {"block": {}}} if block else {"override_action": {"none": {}}})
    return rule


def _managed_web_acl(rec, value, api_name, tags):
    """A web ACL the collection owns (community.aws.wafv2_web_acl): AWS managed rule groups, then a
    rate limit per client IP. ``None`` after recording the errors."""
    field = "api_publish_web_acl"
    keys = {"name", "rate_limit", "managed_rule_groups"}
    if set(value) - keys:
        rec.error(field, f"a web ACL of the collection takes {', '.join(sorted(keys))}")
        return None
    name = str(value.get("name") or f"{api_name}-api")
    if not WEB_ACL_NAME_RE.match(name):
        rec.error(f"{field}.name", f"{name!r} is not a web ACL name (letters, digits, - and _)")
        return None
    groups = value.get("managed_rule_groups")
    groups = list(DEFAULT_RULE_GROUPS) if groups is None else groups
    if not isinstance(groups, list) or not all(
        isinstance(group, str) and RULE_GROUP_RE.match(group) for group in groups
    ):
        rec.error(
            f"{field}.managed_rule_groups",
            "must list AWS managed rule group names, e.g. [AWSManagedRulesCommonRuleSet]",
        )
        return None
    rate = value.get("rate_limit")
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int) or not MIN_RATE_LIMIT <= rate <= MAX_RATE_LIMIT
    ):
        rec.error(
            f"{field}.rate_limit",
            f"{rate!r} is not a number of requests per client IP over 5 minutes ({MIN_RATE_LIMIT} to {MAX_RATE_LIMIT})",
        )
        return None
    rules = [
        _rule(group, index, {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}}, f"{name}-{group}")
        for index, group in enumerate(groups)
    ]
    if rate is not None:
        statement = {"rate_based_statement": {"limit": rate, "aggregate_key_type": "IP"}}
        rules.append(_rule("rate-limit-per-ip", len(rules), statement, f"{name}-rate-limit", block=True))
    return {"name": name, "metric_name": name, "rules": rules, "tags": tags}


def _web_acl(rec, values, region, api_name=None, tags=None):
    """``(the web ACL the stage is associated with, the web ACL the collection manages or None)``."""
    value = values.get("api_publish_web_acl")
    if value is None:
        return None, None
    if isinstance(value, dict):
        managed = _managed_web_acl(rec, value, api_name, tags)
        return ({"name": managed["name"]} if managed else None), managed
    text = str(value).strip()
    match = WEB_ACL_ARN_RE.match(text)
    if match:
        if match.group("region") != region:
            rec.error(
                "api_publish_web_acl", f"is a web ACL of region {match.group('region')}; the gateway is in {region}"
            )
        return {"arn": text}, None
    if text.startswith("arn:") or not WEB_ACL_NAME_RE.match(text):
        rec.error(
            "api_publish_web_acl",
            f"{value!r} is neither a REGIONAL WAFv2 web ACL ARN "
            "(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>), a web ACL name, nor a mapping of a "
            "web ACL for the collection to manage ({name, rate_limit, managed_rule_groups})",
        )
        return None, None
    return {"name": text}, None


def _domain(rec, values, region):
    value = values.get("api_publish_domain")
    if value is None:
        return None
    keys = {"name", "certificate_arn", "security_policy", "base_path", "truststore_uri", "truststore_version"}
    if not isinstance(value, dict) or set(value) - keys:
        rec.error("api_publish_domain", f"must be a mapping with {', '.join(sorted(keys))}")
        return None
    name = str(value.get("name") or "").strip().lower()
    if not DOMAIN_RE.match(name):
        rec.error("api_publish_domain.name", f"{value.get('name')!r} is not a DNS name such as api.bank.example")
    certificate = str(value.get("certificate_arn") or "").strip()
    match = CERTIFICATE_ARN_RE.match(certificate)
    if not match:
        rec.error(
            "api_publish_domain.certificate_arn",
            "must be the ARN of an ACM certificate for the domain (arn:aws:acm:<region>:<account>:certificate/<id>)",
        )
    elif match.group("region") != region:
        rec.error(
            "api_publish_domain.certificate_arn",
            f"is a certificate of region {match.group('region')}; a regional domain needs one of {region}",
        )
    policy = str(value.get("security_policy") or "TLS_1_2").upper()
    if policy not in SECURITY_POLICIES:
        rec.error("api_publish_domain.security_policy", f"{policy!r} is not one of {', '.join(SECURITY_POLICIES)}")
    base_path = str(value.get("base_path") or "").strip("/")
    if base_path and not BASE_PATH_RE.match(base_path):
        rec.error("api_publish_domain.base_path", f"{base_path!r} is not a base path (letters, digits, . _ ~ -)")
    truststore = value.get("truststore_uri")
    if truststore is not None and not TRUSTSTORE_RE.match(str(truststore)):
        rec.error("api_publish_domain.truststore_uri", "must be an S3 URI of the truststore, s3://bucket/key.pem")
    return {
        "name": name,
        "certificate_arn": certificate,
        "security_policy": policy,
        "base_path": base_path,
        "truststore_uri": str(truststore) if truststore else None,
        "truststore_version": str(value["truststore_version"]) if value.get("truststore_version") else None,
        # The mutual_tls option of multiaccount.apigateway.api_domain.
        "mutual_tls": (
            {"truststore_uri": str(truststore), "truststore_version": value.get("truststore_version")}
            if truststore
            else None
        ),
    }


def _stage_policy(rec, values, api_name, stage, region, account_id, tags, services, access):
    throttle = None
    if values.get("api_publish_throttle") is not None:
        throttle = _throttle(lambda message: rec.error("api_publish_throttle", message), values["api_publish_throttle"])
    level = str(_value(values, "api_publish_logging_level")).upper()
    if level not in LOGGING_LEVELS:
        rec.error("api_publish_logging_level", f"{level!r} is not one of {', '.join(LOGGING_LEVELS)}")
        level = "OFF"
    data_trace = _bool(rec, values, "api_publish_data_trace")
    if data_trace and level == "OFF":
        rec.error(
            "api_publish_data_trace", "needs api_publish_logging_level ERROR or INFO (full request logs go there)"
        )
    if data_trace:
        rec.warn(
            "api_publish_data_trace",
            "logs full requests and responses, which may hold tokens and personal data; keep it for debugging",
        )
    access_log, log_group = _access_log(rec, values, api_name, stage, region, account_id, tags)
    role_arn = values.get("api_publish_cloudwatch_role_arn")
    role = None
    if level != "OFF" or access_log is not None:
        if role_arn is not None:
            if not ROLE_ARN_RE.match(str(role_arn)):
                rec.error("api_publish_cloudwatch_role_arn", f"{role_arn!r} is not an IAM role ARN")
            role = {"arn": str(role_arn), "name": str(role_arn).rsplit("/", 1)[-1], "create": False}
        else:
            name = f"{api_name}-apigateway-logs"[:MAX_ROLE_NAME]
            role = {
                "arn": f"arn:{_partition(region)}:iam::{account_id}:role/{name}",
                "name": name,
                "create": True,
                "tags": tags,
            }
    web_acl, managed_acl = _web_acl(rec, values, region, api_name, tags)
    by_name = {service["name"]: service for service in services}
    method_throttles = {}
    for name, item in sorted(access.items()):
        if item["throttle"] is not None:
            for key in method_keys(by_name[name]["path"]):
                method_throttles[key] = dict(item["throttle"])
    return (
        {
            "default_method_settings": {
                "throttle": throttle,
                "logging_level": level,
                "data_trace": data_trace,
                "metrics": _bool(rec, values, "api_publish_metrics"),
            },
            "method_throttles": method_throttles,
            "access_log": access_log,
            "tracing": _bool(rec, values, "api_publish_tracing"),
            "web_acl": web_acl,
        },
        log_group,
        role,
        managed_acl,
    )


def plan_governance(report, host, values, api, services, region, account_id, tags):
    """The gateway's policy: ``{authorizers, access, open_services, partners, stage, log_group,
    cloudwatch_role, policy, domain, verify}``.

    ``api``: ``{name, stage}``; ``services``: the catalogue's services (``name``, ``path``, ``host``,
    ``field`` and ``access`` from :func:`check_service_access`). Problems go to ``report``.
    """
    rec = _Recorder(report, host)
    authorizers = _authorizers(rec, values)
    access = _access(rec, values, services, authorizers)
    stage, log_group, role, web_acl = _stage_policy(
        rec, values, api["name"], api["stage"], region, account_id, tags, services, access
    )
    partners = _partners(rec, values, api["name"], services, access, stage["default_method_settings"]["throttle"])
    open_services = sorted(name for name, item in access.items() if item["authorization_type"] == "NONE")
    policy = _policy(rec, values)
    domain = _domain(rec, values, region)
    verify = {
        "authorizers": [
            {
                "name": item["name"],
                "type": item["type"],
                "function_arn": item["function_arn"],
                "user_pool_arns": list(item["user_pool_arns"]),
                "identity_source": item["identity_source"],
                "result_ttl": item["result_ttl"],
            }
            for item in authorizers
        ],
        "services": {
            name: {
                "authorization": item["authorization_type"],
                "authorizer": item["authorizer"],
                "scopes": list(item["authorization_scopes"]),
                "api_key_required": item["api_key_required"],
                "throttle": item["throttle"],
            }
            for name, item in access.items()
        },
        "partners": partners,
        "stage": {
            "throttle": stage["default_method_settings"]["throttle"],
            "logging_level": stage["default_method_settings"]["logging_level"],
            "data_trace": stage["default_method_settings"]["data_trace"],
            "metrics": stage["default_method_settings"]["metrics"],
            "tracing": stage["tracing"],
            "access_log": stage["access_log"],
            "web_acl": stage["web_acl"],
        },
        "policy": policy,
        "domain": {key: value for key, value in domain.items() if key != "mutual_tls"} if domain else None,
    }
    return {
        "authorizers": authorizers,
        "access": access,
        "open_services": open_services,
        "partners": partners,
        "stage": stage,
        "log_group": log_group,
        "cloudwatch_role": role,
        "web_acl": web_acl,
        # The options of multiaccount.apigateway.api_partners: the AWS names of keys and plans.
        "usage_plans": [
            {
                "name": partner["resource_name"],
                "description": partner["description"],
                "enabled": partner["enabled"],
                "quota": partner["quota"],
                "throttle": partner["throttle"],
                "methods": partner["methods"],
            }
            for partner in partners
        ],
        "policy": policy,
        "domain": domain,
        "verify": verify,
    }
