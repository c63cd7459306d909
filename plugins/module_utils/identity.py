# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The identity guard: do the credentials a task would use act in the host's account and region?

Pure logic shared by the ``identity_guard`` action plugin (controller, no AWS call) and module (one
STS GetCallerIdentity call). ``multiaccount.apigateway.account_credentials`` verifies each host's
credentials once per run and publishes who they are as ``account_credentials_identity``::

    {"account_id": "111111111111", "region": "eu-west-1", "arn": "...", "credentials": "key:3f2a..."}

where ``credentials`` is a fingerprint of the credentials (never the credentials): ``key:`` and the
first 16 hex digits of the SHA-256 of the access key id, ``profile:<name>``, or ``environment``
(the ambient credentials of the controller). A task whose arguments (module_defaults included)
carry the same fingerprint, for the same account and region, needs no AWS call to be trusted.
"""

import hashlib
import re

from ansible.module_utils.parsing.convert_bool import boolean

ACCOUNT_ID = re.compile(r"^[0-9]{12}$")

# The option names and aliases of amazon.aws's common options that decide which credentials and
# region a module uses (amazon.aws.common.modules, amazon.aws.region.modules).
ACCESS_KEY_NAMES = ("access_key", "aws_access_key_id", "aws_access_key", "ec2_access_key")
PROFILE_NAMES = ("profile", "aws_profile")
REGION_NAMES = ("region", "aws_region", "ec2_region")

WIRING = (
    "Give the play the account's credentials: run multiaccount.apigateway.account_credentials on these hosts "
    "first (play 1 of multiaccount.apigateway.site does), then set on the play that runs this role\n"
    "  module_defaults:\n"
    '    group/multiaccount.apigateway.aws: "{{ account_credentials_module_defaults }}"\n'
    "(README: Reusing the roles)."
)


def _first(args, names):
    for name in names:
        value = args.get(name)
        if value not in (None, ""):
            return value
    return None


def fingerprint_of_key(access_key):
    """The fingerprint of credentials with this access key id (never the key itself)."""
    return "key:" + hashlib.sha256(str(access_key).encode("utf-8")).hexdigest()[:16]


def credentials_fingerprint(args):
    """The fingerprint of the credentials that a module given ``args`` uses (see the module docstring)."""
    access_key = _first(args, ACCESS_KEY_NAMES)
    if access_key is not None:
        return fingerprint_of_key(access_key)
    profile = _first(args, PROFILE_NAMES)
    if profile is not None:
        return f"profile:{profile}"
    return "environment"


def region_of(args):
    """The region given in ``args`` (module_defaults included), or None (then boto3's own default)."""
    return _first(args, REGION_NAMES)


def failed_precondition(args):
    """The message of the first of ``args["preconditions"]`` that does not hold, or None.

    Each is ``{"ok": <bool>, "msg": <str>}``, ``ok`` evaluated by the task (``"{{ ... }}"``): what the
    role needs before anything else (its plan, the state an earlier role published). A precondition
    that is not a mapping with a boolean ``ok`` and a ``msg`` is a problem of the task, named by its
    index."""
    preconditions = args.get("preconditions") or []
    if not isinstance(preconditions, list):
        return "preconditions: must be a list of {ok, msg}"
    for index, precondition in enumerate(preconditions):
        try:
            holds = boolean(precondition.get("ok"), strict=True) if isinstance(precondition, dict) else None
        except TypeError:
            holds = None
        if holds is None:
            return f"preconditions[{index}].ok: must be a boolean (true or false), the result of the check"
        if not holds:
            return str(precondition.get("msg") or f"preconditions[{index}] does not hold").strip()
    return None


def expected_account(args):
    """``{account_id, region}`` from the options account_id and account_region, and the problems found."""
    account = {
        "account_id": str(args.get("account_id") or "").strip(),
        "region": str(args.get("account_region") or "").strip(),
    }
    problems = []
    if not ACCOUNT_ID.match(account["account_id"]):
        problems.append(f"account_id: {account['account_id'] or '(empty)'} is not a 12-digit AWS account id")
    if not account["region"]:
        problems.append("account_region: empty; give the region the host's resources live in")
    return account, problems


def trusted_without_a_call(account, verified, args):
    """True when ``args`` use the credentials that account_credentials verified for this account and region."""
    if not isinstance(verified, dict) or not verified:
        return False
    return (
        str(verified.get("account_id") or "") == str(account["account_id"])
        and verified.get("region") == account["region"]
        and region_of(args) == account["region"]
        and verified.get("credentials") == credentials_fingerprint(args)
    )


def mismatch(account, acting_account, acting_arn, acting_region):
    """None when the caller acts in the expected account and region, else the message that says so."""
    problems = []
    if acting_account != str(account["account_id"]):
        problems.append(
            f"the credentials of this task act in account {acting_account} ({acting_arn}), "
            f"not in the host's aws_account_id {account['account_id']}"
        )
    if acting_region != account["region"]:
        problems.append(
            f"the task would act in region {acting_region or '(none: no region given and no default)'}, "
            f"not in the host's region {account['region']}"
        )
    if not problems:
        return None
    return "; ".join(problems) + ". Nothing was changed. " + WIRING


def no_credentials(account, detail):
    """The message when no credentials at all are found for the task."""
    return (
        f"no AWS credentials for account {account['account_id']} reach this task ({detail}). Nothing was changed. "
        + WIRING
    )


def no_region(account):
    """The message when the task has no region at all (no argument, no environment, no profile)."""
    return (
        f"no AWS region reaches this task (the host's resources are in {account['region']}, account "
        f"{account['account_id']}). Nothing was changed. " + WIRING
    )
