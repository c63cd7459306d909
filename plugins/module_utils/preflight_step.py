# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight step as the preflight module and its action plugin run it.

``preflight_outcome`` runs the pure planner (``plan.build_plan``) and shapes the task result; the
only thing it reads besides its input is the list of regions the controller's botocore knows
(``known_regions``, local data, no AWS call), kept out of the planner so that the planner stays
free of boto3 and botocore.
"""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import APPLY_KEYS, build_plan
from ansible_collections.multiaccount.apigateway.plugins.module_utils.preflight import format_finding

PREFLIGHT_ARGUMENT_SPEC = dict(
    accounts=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            host=dict(type="str", required=True),
            kind=dict(type="str", required=True, choices=["shared", "provider"]),
            vars=dict(type="dict", default={}),
        ),
    ),
)


def known_regions():
    """Every region the controller's botocore knows, in every partition; None without botocore."""
    try:
        import botocore.session
    except ImportError:
        return None
    session = botocore.session.get_session()
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return sorted(regions) or None


def apply_key_specs(argument_specs):
    """``{variable: (role, its option spec)}`` of the apply-time variables (``plan.APPLY_KEYS``, the ``*_plan``
    facts left out: the preflight makes them) from ``{role: its meta/argument_specs.yml, loaded}``.

    A variable that several entry points or roles declare has one spec (a unit test keeps them equal).
    """
    specs = {}
    for role in sorted(argument_specs or {}):
        for _entry, entry_spec in sorted(((argument_specs[role] or {}).get("argument_specs") or {}).items()):
            for name, option in sorted((entry_spec.get("options") or {}).items()):
                if name in APPLY_KEYS and not name.endswith("_plan"):
                    specs.setdefault(name, (role, option))
    return specs


def apply_key_problems(accounts, specs):
    """Errors (the planner's ``{host, field, message}``) of the apply-time variables each host sets,
    checked against the roles' argument specs (``apply_key_specs``).

    The planner checks the inventory contract; these are the variables only the roles read (waits,
    report, probe, credentials options). Checked here once for every host, before any AWS change, the
    playbooks can include the roles with ``rolespec_validate: false``.
    """
    errors = []
    for account in accounts:
        values = account.get("vars") or {}
        # One variable at a time, so that each error names its variable without parsing the message.
        for name in sorted(set(values) & set(specs)):
            role, option = specs[name]
            for error in ArgumentSpecValidator({name: option}).validate({name: values[name]}).errors:
                errors.append(
                    {
                        "host": account["host"],
                        "field": name,
                        "message": f"{error}; ansible-doc -t role multiaccount.apigateway.{role} lists what it takes",
                    }
                )
    return errors


def preflight_outcome(accounts, regions, argument_specs=None):
    """``(result, warnings, failure)`` of the preflight step over ``accounts``.

    ``argument_specs``: ``{role: its meta/argument_specs.yml, loaded}``; with them, the apply-time
    variables each host sets are checked against them too (``apply_key_problems``).

    ``result`` holds ``changed``, ``checked``, ``services`` and ``plan`` (and ``errors`` when the
    inventory has problems); ``warnings`` one line per warning; ``failure`` the message that names
    every problem, None when there is none.
    """
    report = build_plan(accounts, regions)
    if argument_specs:
        extra = apply_key_problems(accounts, apply_key_specs(argument_specs))
        if extra:
            report["errors"] = list(report["errors"]) + extra
            report["plan"] = None
    result = dict(changed=False, checked=report["checked"], services=report["services"], plan=report["plan"])
    warnings = [format_finding(warning) for warning in report["warnings"]]
    errors = report["errors"]
    if not errors:
        return result, warnings, None
    count = len(errors)
    lines = "\n".join(f"- {format_finding(error)}" for error in errors)
    result["errors"] = errors
    failure = (
        f"preflight found {count} problem{'s' if count > 1 else ''} in the inventory; nothing was changed:\n{lines}"
    )
    return result, warnings, failure
