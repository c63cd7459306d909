# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An account's credentials: the checks of an AssumeRole request and the reading of its answer
(modules ``assume_role`` and ``account_credentials``), and what ``account_credentials`` returns.

Pure (no boto3): the modules make the calls. Every problem names the option and the fix.
"""

import re

from ansible_collections.multiaccount.apigateway.plugins.module_utils.identity import ACCOUNT_ID, fingerprint_of_key
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ram_shares import account_of_arn

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$")
SESSION_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{2,64}$")
SESSION_CHARACTERS = re.compile(r"[^A-Za-z0-9+=,.@_-]")
DURATION = (900, 43200)
METHODS = ("assume_role", "profile", "environment")


def assume_problems(role_arn, role_session_name, duration_seconds):
    """What is wrong with an AssumeRole request, each naming the option and the fix (empty: nothing)."""
    problems = []
    if not ROLE_ARN.match(role_arn or ""):
        problems.append(f"role_arn: {role_arn!r} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")
    if not SESSION_NAME.match(role_session_name or ""):
        problems.append(
            f"role_session_name: {role_session_name!r} must be 2 to 64 characters of letters, digits and +=,.@_-"
        )
    if not DURATION[0] <= duration_seconds <= DURATION[1]:
        problems.append(f"duration_seconds: {duration_seconds} is outside {DURATION[0]}..{DURATION[1]} seconds")
    return problems


def assume_request(role_arn, role_session_name, duration_seconds, external_id=None):
    """The keyword arguments of STS AssumeRole."""
    request = dict(RoleArn=role_arn, RoleSessionName=role_session_name, DurationSeconds=duration_seconds)
    if external_id:
        request["ExternalId"] = external_id
    return request


def assumed(answer):
    """What an AssumeRole answer gives: the credentials and who they act as."""
    creds = answer["Credentials"]
    user = answer.get("AssumedRoleUser") or {}
    expiration = creds.get("Expiration")
    return dict(
        credentials=dict(
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=expiration.isoformat() if hasattr(expiration, "isoformat") else expiration,
        ),
        account_id=account_of_arn(user.get("Arn")) or None,
        arn=user.get("Arn"),
        assumed_role_id=user.get("AssumedRoleId"),
        fingerprint=fingerprint_of_key(creds["AccessKeyId"]),
    )


def session_name(value):
    """A role session name made from ``value`` (a prefix and a host name): characters STS refuses
    become ``-``, and it is cut at 64 characters."""
    return SESSION_CHARACTERS.sub("-", str(value or ""))[:64]


def resolve_method(method, account_profile):
    """``auto`` is ``profile`` when the account has a profile, else ``assume_role``."""
    if method == "auto":
        return "profile" if account_profile else "assume_role"
    return method


def account_problems(params):
    """What is wrong with the options of ``account_credentials`` before any call (empty: nothing).
    ``params`` holds the module's options, ``method`` already resolved."""
    account_id = params.get("account_id")
    if account_id in (None, ""):
        return [
            'account_id is not set: give the 12-digit id of the account this host stands for (its aws_account_id, quoted: "123456789012")'
        ]
    problems = []
    if not ACCOUNT_ID.match(str(account_id)):
        problems.append(
            f'account_id: {str(account_id)!r} is not a 12-digit AWS account id (quote it in YAML: "012345678901")'
        )
    method = params["method"]
    if method == "profile" and not params.get("account_profile"):
        problems.append(
            "method is profile but account_profile (the host's aws_profile) is empty: set it, or choose another method"
        )
    if method == "assume_role":
        role_arn = params["role_arn"]
        name = session_name(params["role_session_name"])
        problems.extend(assume_problems(role_arn, name, params["duration_seconds"]))
        role_account = account_of_arn(role_arn)
        if ROLE_ARN.match(role_arn or "") and not problems and role_account != str(account_id):
            problems.append(
                f"role_arn: {role_arn!r} is in account {role_account}, not in account_id {account_id}: "
                "assume a role of the host's own account (aws_role_arn, or account_credentials_role_name)"
            )
    return problems


def role_arn_of(params):
    """The role to assume: ``role_arn``, else ``arn:aws:iam::<account_id>:role/<role_name>``."""
    if params.get("role_arn"):
        return params["role_arn"]
    return f"arn:aws:iam::{params.get('account_id') or ''}:role/{params.get('role_name') or ''}"


def mismatch(method, account_id, acting_arn):
    """The error when the credentials of ``method`` act in another account than ``account_id``, else None."""
    acting_account = account_of_arn(acting_arn) or "?"
    if acting_account == str(account_id):
        return None
    return (
        f"the credentials from method {method} act in account {acting_account} ({acting_arn}), expected account_id "
        f"{account_id}. Check aws_role_arn / aws_profile / account_credentials_role_name for this host."
    )


def published(method, region, account_id, acting_arn=None, assume=None, account_profile=None, verify=True):
    """What ``account_credentials`` returns for the role to publish: ``credentials``, the values every
    play gives its modules through module_defaults, and ``identity``, who they are without them (empty
    when not verified)."""
    if method == "assume_role":
        creds = assume["credentials"]
        value = dict(
            access_key=creds["access_key"],
            secret_key=creds["secret_key"],
            session_token=creds["session_token"],
            region=region,
        )
        fingerprint = assume["fingerprint"]
    elif method == "profile":
        value = dict(profile=account_profile, region=region)
        fingerprint = f"profile:{account_profile}"
    else:
        value = dict(region=region)
        fingerprint = "environment"
    identity = (
        dict(account_id=str(account_id), region=region, arn=acting_arn or "", credentials=fingerprint) if verify else {}
    )
    return dict(credentials=value, identity=identity)
