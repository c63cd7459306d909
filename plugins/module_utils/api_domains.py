# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""API Gateway custom domain name (REST, v1) layer used by ``multiaccount.apigateway.api_domain``.

Two halves:

* pure functions (no boto3) that validate the options, turn GetDomainName / GetBasePathMappings
  answers into plain views, and plan the changes between them and the options (UpdateDomainName patch
  operations, base path mappings to create, patch or delete), so they unit-test in milliseconds;
* one small function per API Gateway call, retried with the collection's ``aws_retry`` and with
  ``NotFoundException`` turned into ``None`` / ``[]`` in one place (:class:`ApiDomainErrorHandler`).

Base paths are kept in the user's form inside the module: ``""`` is the root, which API Gateway
calls ``(none)`` (:data:`AWS_ROOT_BASE_PATH`); the conversion happens in :func:`aws_base_path` and
:func:`user_base_path` only.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.multiaccount.apigateway.plugins.module_utils.common import aws_retry
from ansible_collections.multiaccount.apigateway.plugins.module_utils.rest_apis import (
    partition_of,
    validate_stage_name,
)

ENDPOINT_TYPE = "REGIONAL"
SECURITY_POLICIES = ["TLS_1_0", "TLS_1_2"]
DEFAULT_SECURITY_POLICY = "TLS_1_2"
AWS_ROOT_BASE_PATH = "(none)"
PAGE_SIZE = 500  # the largest page GetBasePathMappings accepts

# A DNS label: letters, digits and hyphens, 1-63 characters, no hyphen at either end.
DNS_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# arn:<partition>:acm:<region>:<account>:certificate/<id>
CERTIFICATE_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):acm:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+):"
    r"(?P<account>[0-9]{12}):certificate/(?P<id>[A-Za-z0-9-]+)$"
)
# s3://<bucket>/<key>: bucket names are 3-63 lowercase letters, digits, dots and hyphens.
TRUSTSTORE_URI_RE = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>\S+)$")
# A base path mapping of the REST API (v1) CreateBasePathMapping call: one path segment of letters,
# digits and $-_.+!*'() (the characters AWS accepts in a base path).
BASE_PATH_RE = re.compile(r"^[A-Za-z0-9$_.+!*'()-]+$")
REST_API_ID_RE = re.compile(r"^[a-z0-9]{10}$")


# ---------------------------------------------------------------------------------------------
# Validation (before any AWS call; every message names the field and says the fix)
# ---------------------------------------------------------------------------------------------


def validate_domain_name(value, field="domain_name"):
    """Return the custom domain name or raise ValueError naming ``field``."""
    text = str(value or "").strip()
    example = "a DNS name such as api.example.com"
    if not text:
        raise ValueError(f"{field}: required; give {example}")
    if text.endswith("."):
        raise ValueError(f"{field}: {value!r} ends with a dot; give it without the trailing dot ({example})")
    if text.startswith("*."):
        raise ValueError(
            f"{field}: {value!r} is a wildcard domain name, which this module does not manage; give {example}"
        )
    if text != text.lower():
        raise ValueError(f"{field}: {value!r} has upper-case letters; write it in lower case ({text.lower()!r})")
    if len(text) > 253:
        raise ValueError(f"{field}: {value!r} is longer than 253 characters; give {example}")
    labels = text.split(".")
    if len(labels) < 2:
        raise ValueError(f"{field}: {value!r} is not a fully qualified domain name; give {example}")
    for label in labels:
        if not DNS_LABEL_RE.match(label):
            raise ValueError(
                f"{field}: {value!r} has an invalid label {label!r}; labels are 1-63 letters, digits or "
                f"hyphens, not starting or ending with a hyphen ({example})"
            )
    if labels[-1].isdigit():
        raise ValueError(f"{field}: {value!r} looks like an IP address, not a DNS name; give {example}")
    return text


def validate_certificate_arn(value, region, field="certificate_arn"):
    """Return the ACM certificate ARN or raise ValueError naming ``field``.

    A REGIONAL custom domain name takes a certificate of its own region (and partition).
    """
    text = str(value or "").strip()
    match = CERTIFICATE_ARN_RE.match(text)
    if not match:
        raise ValueError(
            f"{field}: {value!r} is not an ACM certificate ARN; expected "
            f"arn:{partition_of(region)}:acm:{region}:<12-digit account>:certificate/<id>"
        )
    if match.group("region") != region:
        raise ValueError(
            f"{field}: the certificate is in {match.group('region')}, but a REGIONAL custom domain name needs a "
            f"certificate of its own region {region}; request or import one in {region}"
        )
    if match.group("partition") != partition_of(region):
        raise ValueError(
            f"{field}: partition {match.group('partition')!r} does not match region {region} "
            f"(expected {partition_of(region)!r})"
        )
    return text


def validate_mutual_tls(value, security_policy, field="mutual_tls"):
    """Return ``None`` (no mutual TLS) or ``{"truststore_uri", "truststore_version"}``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{field}: expected a dict with truststore_uri (s3://bucket/key), or null for no mutual TLS")
    uri = str(value.get("truststore_uri") or "").strip()
    if not uri:
        raise ValueError(f"{field}.truststore_uri: required when mutual_tls is set (s3://bucket/key of the truststore)")
    if not TRUSTSTORE_URI_RE.match(uri):
        raise ValueError(
            f"{field}.truststore_uri: {value.get('truststore_uri')!r} is not an S3 URI; expected s3://bucket/key "
            "(a PEM bundle of the certificate authorities clients' certificates chain to)"
        )
    version = value.get("truststore_version")
    if version is not None:
        version = str(version).strip()
        if not version:
            raise ValueError(
                f"{field}.truststore_version: empty; give the S3 object version id or omit it to use the latest"
            )
    if security_policy != "TLS_1_2":
        raise ValueError(
            f"{field}: mutual TLS needs security_policy TLS_1_2 (got {security_policy}); set security_policy: TLS_1_2"
        )
    return {"truststore_uri": uri, "truststore_version": version}


def validate_base_path(value, field):
    """Return the base path in the user's form (``""`` for the root) or raise ValueError naming ``field``."""
    text = ("" if value is None else str(value)).strip().strip("/")
    if text in ("", AWS_ROOT_BASE_PATH):
        return ""
    if "/" in text:
        raise ValueError(
            f"{field}: {value!r} has several path segments; this module maps one segment per base path "
            "(for example v1), which the REST API base path mappings take"
        )
    if not BASE_PATH_RE.match(text):
        raise ValueError(
            f"{field}: {value!r} has characters API Gateway refuses in a base path; use letters, digits and "
            "$-_.+!*'() only, or an empty string for the root"
        )
    return text


def validate_mappings(mappings):
    """Normalise the ``mappings`` option; raise ValueError listing every problem, each naming its field.

    Returns a list of ``{"field", "base_path", "rest_api_id", "stage"}`` (``base_path`` ``""`` is the root).
    """
    errors = []
    result = []
    seen = {}
    for index, mapping in enumerate(mappings or []):
        prefix = f"mappings[{index}]"
        if not isinstance(mapping, dict):
            errors.append(f"{prefix}: expected a dict with base_path, rest_api_id and stage")
            continue
        problems = []
        base_path = None
        try:
            base_path = validate_base_path(mapping.get("base_path"), f"{prefix}.base_path")
        except ValueError as error:
            problems.append(str(error))
        if base_path is not None:
            if base_path in seen:
                shown = repr(base_path) if base_path else "'' (the root)"
                problems.append(
                    f"{prefix}.base_path: {shown} duplicates mappings[{seen[base_path]}].base_path; "
                    "each base path maps to one stage"
                )
            else:
                seen[base_path] = index
        rest_api_id = str(mapping.get("rest_api_id") or "").strip()
        if not rest_api_id:
            problems.append(f"{prefix}.rest_api_id: required (the id of the REST API, such as a1b2c3d4e5)")
        elif not REST_API_ID_RE.match(rest_api_id):
            problems.append(
                f"{prefix}.rest_api_id: {mapping.get('rest_api_id')!r} is not a REST API id "
                "(10 lower-case letters or digits, such as a1b2c3d4e5)"
            )
        stage = mapping.get("stage")
        if stage is None or not str(stage).strip():
            problems.append(f"{prefix}.stage: required (the stage of the REST API to map, such as v1)")
        else:
            try:
                stage = validate_stage_name(str(stage).strip(), f"{prefix}.stage")
            except ValueError as error:
                problems.append(str(error))
        if problems:
            errors.extend(problems)
            continue
        result.append({"field": prefix, "base_path": base_path, "rest_api_id": rest_api_id, "stage": stage})
    if errors:
        raise ValueError("; ".join(errors))
    return result


def validate_params(params, region):
    """Check every option before the first AWS call; return the normalised values.

    Raises ValueError with every problem found, each naming its field.
    """
    if not region:
        raise ValueError("region: required (the region of the custom domain name and its certificate)")
    errors = []
    checked = {"state": params["state"]}

    def collect(key, func, *args):
        try:
            checked[key] = func(*args)
        except ValueError as error:
            errors.append(str(error))
            checked[key] = None

    collect("domain_name", validate_domain_name, params.get("domain_name"))
    if params["state"] == "present":
        if not params.get("certificate_arn"):
            errors.append(
                "certificate_arn: required with state=present (an ACM certificate ARN of this region, "
                f"arn:{partition_of(region)}:acm:{region}:<account>:certificate/<id>)"
            )
            checked["certificate_arn"] = None
        else:
            collect("certificate_arn", validate_certificate_arn, params["certificate_arn"], region)
        checked["security_policy"] = params.get("security_policy") or DEFAULT_SECURITY_POLICY
        collect("mutual_tls", validate_mutual_tls, params.get("mutual_tls"), checked["security_policy"])
        collect("mappings", validate_mappings, params.get("mappings"))
    if errors:
        raise ValueError("; ".join(errors))
    return checked


# ---------------------------------------------------------------------------------------------
# Views of what AWS returns (pure)
# ---------------------------------------------------------------------------------------------


def aws_base_path(base_path):
    """The base path as API Gateway names it: ``(none)`` for the root."""
    return base_path if base_path else AWS_ROOT_BASE_PATH


def user_base_path(base_path):
    """The base path in the user's form: ``""`` for the root."""
    return "" if base_path in (None, "", AWS_ROOT_BASE_PATH) else base_path


def mutual_tls_of(raw):
    """``{"truststore_uri", "truststore_version", "truststore_warnings"}`` of a DomainName, None without."""
    mtls = (raw or {}).get("mutualTlsAuthentication") or {}
    if not mtls.get("truststoreUri"):
        return None
    return {
        "truststore_uri": mtls["truststoreUri"],
        "truststore_version": mtls.get("truststoreVersion") or None,
        "truststore_warnings": list(mtls.get("truststoreWarnings") or []),
    }


def endpoint_types_of(raw):
    return list(((raw or {}).get("endpointConfiguration") or {}).get("types") or [])


def domain_view(raw):
    """The module's ``domain`` result for a DomainName answer (``{}`` for none)."""
    if not raw:
        return {}
    return {
        "domain_name": raw.get("domainName"),
        "regional_domain_name": raw.get("regionalDomainName"),
        "regional_hosted_zone_id": raw.get("regionalHostedZoneId"),
        "certificate_arn": raw.get("regionalCertificateArn"),
        "security_policy": raw.get("securityPolicy"),
        "mutual_tls": mutual_tls_of(raw),
        "status": raw.get("domainNameStatus"),
        "tags": dict(raw.get("tags") or {}),
    }


def mapping_view(raw):
    """``{"base_path", "rest_api_id", "stage"}`` of a BasePathMapping answer."""
    return {
        "base_path": user_base_path(raw.get("basePath")),
        "rest_api_id": raw.get("restApiId"),
        "stage": raw.get("stage"),
    }


def sort_mappings(mappings):
    """Root first, then by base path."""
    return sorted(mappings, key=lambda mapping: (mapping["base_path"] != "", mapping["base_path"]))


def mapping_url(domain_name, base_path):
    """``https://<domain>/<base_path>``, ``https://<domain>`` for the root."""
    return f"https://{domain_name}/{base_path}" if base_path else f"https://{domain_name}"


def mapping_results(domain_name, mappings):
    """The ``mappings`` result: each mapping with its URL, root first."""
    return [
        {
            "base_path": mapping["base_path"],
            "rest_api_id": mapping["rest_api_id"],
            "stage": mapping["stage"],
            "url": mapping_url(domain_name, mapping["base_path"]),
        }
        for mapping in sort_mappings(mappings)
    ]


def dns_hint(domain_name, domain):
    """What DNS must say for the domain to reach API Gateway (the module does not manage Route 53)."""
    target = (domain or {}).get("regional_domain_name")
    zone = (domain or {}).get("regional_hosted_zone_id")
    if target:
        message = (
            f"point {domain_name} at {target}: a CNAME record, or in Route 53 an alias A/AAAA record to that name "
            f"in hosted zone {zone}"
        )
    else:
        message = f"{domain_name} gets its regional domain name when it is created"
    return {
        "record_name": domain_name,
        "record_type": "CNAME",
        "target": target,
        "alias_hosted_zone_id": zone,
        "message": message,
    }


def diff_state(domain, mappings):
    """One side of the diff: the domain's settings and its mappings keyed by base path (``(none)`` for root)."""
    if not domain:
        return {}
    return {
        "domain_name": domain.get("domain_name"),
        "certificate_arn": domain.get("certificate_arn"),
        "security_policy": domain.get("security_policy"),
        "mutual_tls": plain_mutual_tls(domain.get("mutual_tls")),
        "mappings": {
            aws_base_path(mapping["base_path"]): {"rest_api_id": mapping["rest_api_id"], "stage": mapping["stage"]}
            for mapping in sort_mappings(mappings or [])
        },
        "tags": dict(domain.get("tags") or {}),
    }


def plain_mutual_tls(mtls):
    if not mtls:
        return None
    return {"truststore_uri": mtls.get("truststore_uri"), "truststore_version": mtls.get("truststore_version")}


# ---------------------------------------------------------------------------------------------
# Planning (pure)
# ---------------------------------------------------------------------------------------------


def domain_patch_ops(current, desired):
    """UpdateDomainName operations that bring ``current`` (a :func:`domain_view`) to ``desired``.

    ``desired``: ``certificate_arn``, ``security_policy`` and ``mutual_tls`` (None: mutual TLS off;
    a ``truststore_version`` of None: whatever version the domain has).
    """
    ops = []
    if current.get("certificate_arn") != desired["certificate_arn"]:
        ops.append({"op": "replace", "path": "/regionalCertificateArn", "value": desired["certificate_arn"]})
    if current.get("security_policy") != desired["security_policy"]:
        ops.append({"op": "replace", "path": "/securityPolicy", "value": desired["security_policy"]})
    have = current.get("mutual_tls")
    want = desired["mutual_tls"]
    if want is None:
        if have:
            # AWS: "To disable mutual TLS for a custom domain name, remove the truststore from your
            # custom domain name" (replace /mutualTlsAuthentication/truststoreUri with "").
            ops.append({"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": ""})
        return ops
    uri_changes = not have or have.get("truststore_uri") != want["truststore_uri"]
    if uri_changes:
        ops.append({"op": "replace", "path": "/mutualTlsAuthentication/truststoreUri", "value": want["truststore_uri"]})
    if want["truststore_version"] is not None and (
        uri_changes or (have or {}).get("truststore_version") != want["truststore_version"]
    ):
        ops.append(
            {"op": "replace", "path": "/mutualTlsAuthentication/truststoreVersion", "value": want["truststore_version"]}
        )
    return ops


def apply_domain_ops(domain, ops):
    """The domain view after ``ops`` (check mode, and the diff before the answer is read)."""
    after = dict(domain)
    mtls = dict(domain.get("mutual_tls") or {}) or None
    for op in ops:
        if op["path"] == "/regionalCertificateArn":
            after["certificate_arn"] = op["value"]
        elif op["path"] == "/securityPolicy":
            after["security_policy"] = op["value"]
        elif op["path"] == "/mutualTlsAuthentication/truststoreUri":
            if op["value"]:
                old_uri = (mtls or {}).get("truststore_uri")
                mtls = dict(mtls or {}, truststore_uri=op["value"], truststore_warnings=[])
                if old_uri != op["value"]:
                    mtls["truststore_version"] = None
            else:
                mtls = None
        elif op["path"] == "/mutualTlsAuthentication/truststoreVersion":
            mtls = dict(mtls or {}, truststore_version=op["value"])
    after["mutual_tls"] = mtls
    return after


def plan_mappings(current, desired, purge):
    """Actions on the base path mappings, in the order they run: updates, creations, then deletions.

    ``current``: :func:`mapping_view` dicts; ``desired``: :func:`validate_mappings` output. A mapping
    whose base path stays but whose API or stage changes is patched with UpdateBasePathMapping
    (``/restapiId``, ``/stage``), which AWS supports, so the base path never stops answering.
    Each action: ``action`` (create, update, delete), ``base_path``, ``rest_api_id``, ``stage``,
    ``field`` (the option entry, None for a deletion), and for updates ``patch_operations`` and ``before``.
    """
    have = {mapping["base_path"]: mapping for mapping in current}
    want = {mapping["base_path"]: mapping for mapping in desired}
    updates, creates, deletes = [], [], []
    for base_path, mapping in want.items():
        existing = have.get(base_path)
        if existing is None:
            creates.append(dict(mapping, action="create"))
            continue
        ops = []
        if existing["rest_api_id"] != mapping["rest_api_id"]:
            ops.append({"op": "replace", "path": "/restapiId", "value": mapping["rest_api_id"]})
        if existing["stage"] != mapping["stage"]:
            ops.append({"op": "replace", "path": "/stage", "value": mapping["stage"]})
        if ops:
            updates.append(dict(mapping, action="update", patch_operations=ops, before=existing))
    if purge:
        for base_path, mapping in have.items():
            if base_path not in want:
                deletes.append(
                    {
                        "action": "delete",
                        "field": None,
                        "base_path": base_path,
                        "rest_api_id": mapping["rest_api_id"],
                        "stage": mapping["stage"],
                    }
                )
    return sort_mappings(updates) + sort_mappings(creates) + sort_mappings(deletes)


def apply_mapping_plan(current, actions):
    """The mappings after ``actions``."""
    result = {mapping["base_path"]: dict(mapping) for mapping in current}
    for action in actions:
        if action["action"] == "delete":
            result.pop(action["base_path"], None)
        else:
            result[action["base_path"]] = {
                "base_path": action["base_path"],
                "rest_api_id": action["rest_api_id"],
                "stage": action["stage"],
            }
    return sort_mappings(result.values())


def describe_mapping_action(domain_name, action):
    """One ``changes`` line for a mapping action."""
    where = f"{domain_name}/{action['base_path']}" if action["base_path"] else f"{domain_name} (root)"
    target = f"{action['rest_api_id']}/{action['stage']}"
    if action["action"] == "create":
        return f"create base path mapping {where} -> {target}"
    if action["action"] == "update":
        before = action["before"]
        return f"update base path mapping {where}: {before['rest_api_id']}/{before['stage']} -> {target}"
    return f"delete base path mapping {where} (was {target})"


def describe_domain_ops(domain_name, ops):
    return f"update domain name {domain_name} (" + ", ".join(f"{op['op']} {op['path']}" for op in ops) + ")"


def stages_to_check(actions):
    """``{(rest_api_id, stage): field}`` of the stages the creations and updates point at."""
    wanted = {}
    for action in actions:
        if action["action"] in ("create", "update"):
            wanted.setdefault((action["rest_api_id"], action["stage"]), action["field"])
    return wanted


def domain_arn(region, domain_name):
    """ARN used by TagResource/UntagResource for a (public) custom domain name."""
    return f"arn:{partition_of(region)}:apigateway:{region}::/domainnames/{domain_name}"


# ---------------------------------------------------------------------------------------------
# API Gateway calls: one small function each, retried, NotFoundException -> None / [] in one place
# ---------------------------------------------------------------------------------------------


class AnsibleApiDomainError(AnsibleAWSError):
    pass


class ApiDomainErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleApiDomainError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


@ApiDomainErrorHandler.list_error_handler("get domain name")
@aws_retry
def get_domain_name(client, domain_name):
    return client.get_domain_name(domainName=domain_name)


@ApiDomainErrorHandler.list_error_handler("get base path mappings", [])
@aws_retry
def get_base_path_mappings(client, domain_name):
    paginator = client.get_paginator("get_base_path_mappings")
    pages = paginator.paginate(domainName=domain_name, PaginationConfig={"PageSize": PAGE_SIZE})
    return pages.build_full_result().get("items", [])


@ApiDomainErrorHandler.common_error_handler("create domain name")
@aws_retry
def create_domain_name(client, domain_name, certificate_arn, security_policy, mutual_tls, tags):
    params = {
        "domainName": domain_name,
        "regionalCertificateArn": certificate_arn,
        "endpointConfiguration": {"types": [ENDPOINT_TYPE]},
        "securityPolicy": security_policy,
        "tags": tags,
    }
    if mutual_tls:
        params["mutualTlsAuthentication"] = {"truststoreUri": mutual_tls["truststore_uri"]}
        if mutual_tls.get("truststore_version"):
            params["mutualTlsAuthentication"]["truststoreVersion"] = mutual_tls["truststore_version"]
    return client.create_domain_name(**params)


@ApiDomainErrorHandler.common_error_handler("update domain name")
@aws_retry
def update_domain_name(client, domain_name, patch_operations):
    return client.update_domain_name(domainName=domain_name, patchOperations=patch_operations)


@ApiDomainErrorHandler.deletion_error_handler("delete domain name")
@aws_retry
def delete_domain_name(client, domain_name):
    client.delete_domain_name(domainName=domain_name)
    return True


@ApiDomainErrorHandler.common_error_handler("create base path mapping")
@aws_retry
def create_base_path_mapping(client, domain_name, base_path, rest_api_id, stage):
    params = {"domainName": domain_name, "restApiId": rest_api_id, "stage": stage}
    if base_path:
        params["basePath"] = base_path
    return client.create_base_path_mapping(**params)


@ApiDomainErrorHandler.common_error_handler("update base path mapping")
@aws_retry
def update_base_path_mapping(client, domain_name, base_path, patch_operations):
    return client.update_base_path_mapping(
        domainName=domain_name, basePath=aws_base_path(base_path), patchOperations=patch_operations
    )


@ApiDomainErrorHandler.deletion_error_handler("delete base path mapping")
@aws_retry
def delete_base_path_mapping(client, domain_name, base_path):
    client.delete_base_path_mapping(domainName=domain_name, basePath=aws_base_path(base_path))
    return True


@ApiDomainErrorHandler.list_error_handler("get REST API")
@aws_retry
def get_rest_api(client, rest_api_id):
    return client.get_rest_api(restApiId=rest_api_id)


@ApiDomainErrorHandler.list_error_handler("get stage")
@aws_retry
def get_stage(client, rest_api_id, stage_name):
    return client.get_stage(restApiId=rest_api_id, stageName=stage_name)


@ApiDomainErrorHandler.common_error_handler("tag domain name")
@aws_retry
def tag_resource(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=tags)
    return True


@ApiDomainErrorHandler.common_error_handler("untag domain name")
@aws_retry
def untag_resource(client, arn, tag_keys):
    client.untag_resource(resourceArn=arn, tagKeys=tag_keys)
    return True
