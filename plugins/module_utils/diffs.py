# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``diff`` return value of the collection's modules, shared so that every module reads alike.

Every module that can change something returns ``diff`` with ``before`` and ``after`` (dicts), in
check mode and in a real run alike, whether or not ``--diff`` was asked for; ansible-core shows it
with ``--diff``. Inside them, resources are keyed by what a person recognises (a service, a CIDR, a
port, a path, an IP) and the AWS id comes as a complement; a resource that does not exist yet shows
``(new)`` where its id will be. A file a module writes is shown as text (``before_header`` /
``after_header``), as ansible.builtin.copy does. Pure functions, free of boto3.
"""

NEW = "(new)"


def new_or(resource_id):
    """The id of a resource, or ``(new)`` for one this run creates (check mode: not created yet)."""
    return resource_id if resource_id else NEW


def labelled(main, *details):
    """``main (detail, detail)``; empty details are left out, ``main`` alone when none is left."""
    shown = [str(detail) for detail in details if detail not in (None, "", [], ())]
    return f"{main} ({', '.join(shown)})" if shown else str(main)


def services_text(services, none="no service"):
    """``payments, refunds`` (or ``none``) for the services an IP or a resource serves."""
    names = sorted({name for name in services or [] if name})
    return ", ".join(names) if names else none


def ip_label(ips, services, resource_id=None):
    """``10.0.1.25 payments (eni-0abc)``: the IPs, the services they are a target of (``not a target``),
    then the id."""
    text = f"{', '.join(ips)} {services_text(services, 'not a target')}"
    return labelled(text, resource_id)


def module_diff(before, after):
    """``{"before": ..., "after": ...}`` with ``{}`` for a side that has nothing (created, deleted)."""
    return {"before": before if before else {}, "after": after if after else {}}


def file_diff(path, before, after):
    """The diff of one text file a module writes: its old text (empty when it did not exist) and its new
    text, with the path as both headers."""
    return {
        "before_header": path,
        "after_header": path,
        "before": before if before is not None else "",
        "after": after if after is not None else "",
    }


def has_changes(diff):
    """True when a diff shows something: a ``prepared`` text, or ``before`` different from ``after``;
    ``diff`` may be one dict or a list of them (ansible-core accepts both)."""
    entries = diff if isinstance(diff, list) else [diff]
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if entry.get("prepared") or entry.get("before") != entry.get("after"):
            return True
    return False
