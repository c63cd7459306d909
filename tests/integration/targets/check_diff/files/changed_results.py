# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every changed result of a playbook run printed by the ansible.posix.json callback, with its diff.

    python changed_results.py <json output file>
    -> {"changed": [{"host", "task", "action", "item", "diff_shown", "diff_text"}], "failed": [...], "stats": {...}}

``diff_shown`` is what ``--diff`` shows a person: a ``prepared`` text, or a ``before`` different from
``after`` (a dict or a list of dicts); ``diff_text`` is the diff as one string, to look for labels in it.
"""

import json
import sys


def diff_shown(diff):
    entries = diff if isinstance(diff, list) else [diff]
    return any(
        isinstance(entry, dict) and bool(entry.get("prepared") or entry.get("before") != entry.get("after"))
        for entry in entries
    )


def main(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    # The callback prints one JSON document; anything before it (a warning) or after it (another
    # callback's recap) is skipped.
    data, dummy = json.JSONDecoder().raw_decode(text[text.index("{") :])
    changed, failed = [], []
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            name = task["task"]["name"]
            for host, result in task.get("hosts", {}).items():
                items = result["results"] if isinstance(result.get("results"), list) else [result]
                for item in items:
                    row = {
                        "host": host,
                        "task": name,
                        "action": result.get("action") or item.get("action") or "",
                        "item": str(item.get("_ansible_item_label", "")) if item is not result else "",
                    }
                    if item.get("failed"):
                        failed.append(dict(row, msg=str(item.get("msg", ""))[:500]))
                    if item.get("changed"):
                        diff = item.get("diff") or {}
                        row["diff_shown"] = diff_shown(diff)
                        row["diff_text"] = json.dumps(diff, sort_keys=True)
                        changed.append(row)
    print(json.dumps({"changed": changed, "failed": failed, "stats": data.get("stats", {})}))


if __name__ == "__main__":
    main(sys.argv[1])
