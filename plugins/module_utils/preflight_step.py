# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight step as the preflight module and its action plugin run it.

``preflight_outcome`` runs the pure planner (``plan.build_plan``) and shapes the task result; the
only thing it reads besides its input is the list of regions the controller's botocore knows
(``known_regions``, local data, no AWS call), kept out of the planner so that the planner stays
free of boto3 and botocore.
"""

from ansible_collections.multiaccount.apigateway.plugins.module_utils.plan import build_plan
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


def preflight_outcome(accounts, regions):
    """``(result, warnings, failure)`` of the preflight step over ``accounts``.

    ``result`` holds ``changed``, ``checked``, ``services`` and ``plan`` (and ``errors`` when the
    inventory has problems); ``warnings`` one line per warning; ``failure`` the message that names
    every problem, None when there is none.
    """
    report = build_plan(accounts, regions)
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
