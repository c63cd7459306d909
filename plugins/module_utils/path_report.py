# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What multiaccount.apigateway.path_verify does, for the module and for its action plugin.

``verify_paths`` joins the snapshots, judges every hop (``topology.evaluate``), renders the report
(Markdown with Mermaid, DOT, and SVG/PNG when Graphviz is there) and writes the files whose content
changed. It talks to no AWS API; it reads and writes the report files of the machine it runs on.
"""

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.multiaccount.apigateway.plugins.module_utils import topology
from ansible_collections.multiaccount.apigateway.plugins.module_utils.diffs import file_diff

THROTTLE_OPTIONS = dict(rate_limit=dict(type="float", required=True), burst_limit=dict(type="int", required=True))

ARGUMENT_SPEC = dict(
    gateway=dict(
        type="dict",
        required=True,
        options=dict(
            name=dict(type="str"),
            account_id=dict(type="str"),
            region=dict(type="str"),
            snapshot=dict(type="dict", required=True),
            state=dict(type="dict"),
        ),
    ),
    providers=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            name=dict(type="str", required=True),
            account_id=dict(type="str"),
            region=dict(type="str"),
            services=dict(type="list", elements="dict", required=True),
            snapshot=dict(type="dict", default={}),
            connectivity=dict(type="str", default="peering", choices=list(topology.CONNECTIVITY_MODES)),
        ),
    ),
    probes=dict(type="list", elements="dict", default=[]),
    report_dir=dict(type="path", default="reports"),
    report_name=dict(type="str", default="path-verify"),
    render_images=dict(type="bool", default=True),
    fail_on_broken=dict(type="bool", default=True),
    dry_run=dict(type="bool", default=False),
    governance=dict(
        type="dict",
        options=dict(
            authorizers=dict(
                type="list",
                elements="dict",
                options=dict(
                    name=dict(type="str", required=True),
                    type=dict(type="str", required=True, choices=list(topology.AUTHORIZER_TYPES)),
                    function_arn=dict(type="str"),
                    user_pool_arns=dict(type="list", elements="str"),
                    identity_source=dict(type="str"),
                    result_ttl=dict(type="int"),
                ),
            ),
            services=dict(type="dict"),
            partners=dict(
                type="list",
                elements="dict",
                options=dict(
                    name=dict(type="str", required=True),
                    resource_name=dict(type="str"),
                    description=dict(type="str"),
                    services=dict(type="list", elements="str"),
                    enabled=dict(type="bool"),
                    quota=dict(
                        type="dict",
                        options=dict(
                            limit=dict(type="int", required=True),
                            period=dict(type="str", required=True, choices=list(topology.QUOTA_PERIODS)),
                            offset=dict(type="int"),
                        ),
                    ),
                    throttle=dict(type="dict", options=THROTTLE_OPTIONS),
                    methods=dict(type="dict"),
                ),
            ),
            stage=dict(
                type="dict",
                options=dict(
                    throttle=dict(type="dict", options=THROTTLE_OPTIONS),
                    logging_level=dict(type="str", choices=list(topology.LOGGING_LEVELS)),
                    data_trace=dict(type="bool"),
                    metrics=dict(type="bool"),
                    tracing=dict(type="bool"),
                    access_log=dict(
                        type="dict",
                        options=dict(
                            destination_arn=dict(type="str", required=True),
                            format=dict(type="str", required=True),
                        ),
                    ),
                    web_acl=dict(
                        type="dict",
                        options=dict(arn=dict(type="str"), name=dict(type="str")),
                        mutually_exclusive=[["arn", "name"]],
                        required_one_of=[["arn", "name"]],
                    ),
                ),
            ),
            policy=dict(type="raw"),
            domain=dict(
                type="dict",
                options=dict(
                    name=dict(type="str", required=True),
                    certificate_arn=dict(type="str"),
                    security_policy=dict(type="str", choices=list(topology.SECURITY_POLICIES)),
                    base_path=dict(type="str"),
                    truststore_uri=dict(type="str"),
                    truststore_version=dict(type="str"),
                ),
            ),
        ),
    ),
)


class ReportError(Exception):
    """A problem that fails the task before or while writing the report (the message names it)."""


def judge_probes(probes):
    judged = []
    for probe in probes:
        entry = dict(probe)
        entry["ok"] = str(probe.get("status")) == str(probe.get("expected"))
        judged.append(entry)
    return judged


DRY_RUN_NOTE = (
    "Dry run (check mode): the paths were judged on the resources as they are now, before the changes "
    "this run would make; a hop it would build or repair may show as failed here."
)


def read_file(path):
    """The bytes of ``path``, or None when it cannot be read (it does not exist yet)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def write_if_changed(path, content):
    """Write ``content`` (bytes) to ``path`` atomically unless it already holds it; True when written."""
    if read_file(path) == content:
        return False
    directory = os.path.dirname(path)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".path-verify-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    return True


def render_image(run_command, dot_bin, source, fmt):
    """Run ``dot -T<fmt>`` on ``source``; the image bytes. ReportError on a dot error.

    ``run_command(argv, data)`` runs a command with ``data`` on its standard input and returns
    ``(rc, stdout, stderr)`` as text.
    """
    fd, temporary = tempfile.mkstemp(prefix=".path-verify-", suffix="." + fmt)
    os.close(fd)
    try:
        rc, dummy, err = run_command([dot_bin, f"-T{fmt}", "-o", temporary], source)
        if rc != 0:
            raise ReportError(f"Graphviz dot failed to render {fmt}: {err.strip()}")
        with open(temporary, "rb") as handle:
            return handle.read()
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def report_diff(files):
    """The diff of the report: the Markdown as text (the other files say the same in other forms), or
    the first other text file that changes without it; binary images are not shown."""
    changed = [(path, old, new) for path, old, new, text in files if text and old != new]
    if not changed:
        return {"before": {}, "after": {}}
    path, old, new = next((item for item in changed if item[0].endswith(".md")), changed[0])
    return file_diff(
        path,
        to_text(old, errors="surrogate_or_strict") if old is not None else None,
        to_text(new, errors="surrogate_or_strict"),
    )


def verify_paths(params, check_mode, find_dot, run_command):
    """``(result, failure)``: the module's result, and the message that fails the task (None when it passes).

    ``params``: the checked options; ``check_mode``: write nothing; ``find_dot()``: the path of
    Graphviz ``dot`` or None; ``run_command``: see ``render_image``. Raises ReportError.
    """
    gateway = dict(params["gateway"])
    gateway["gateway_tag"] = (gateway.get("snapshot") or {}).get("gateway_tag")
    providers = [dict(provider) for provider in params["providers"]]
    for provider in providers:
        for index, service in enumerate(provider["services"]):
            missing = [key for key in ("name", "port") if service.get(key) in (None, "")]
            if missing:
                raise ReportError(f"providers[{provider['name']}].services[{index}]: missing {', '.join(missing)}")

    governance = params.get("governance")
    if governance is not None:
        # Checked (every bad field named) before anything is judged; the defaults filled in.
        names = [service.get("name") for provider in providers for service in provider["services"]]
        try:
            governance = topology.expected_governance(governance, names)
        except topology.GovernanceError as error:
            raise ReportError(str(error))
    evaluation = topology.evaluate(gateway, providers, governance)
    probes = judge_probes(params["probes"])
    graph = topology.build_graph(gateway, providers, evaluation)
    mermaid = topology.render_mermaid(graph)
    gw = gateway.get("snapshot") or {}
    verdict = (
        f"all {len(evaluation['services'])} published paths pass every hop"
        if evaluation["ok"]
        else "BROKEN: " + ", ".join(f"{hop['service']} {hop['hop']}" for hop in evaluation["failed"])
    )
    title = f"{gw.get('rest_api_name') or 'REST API'} stage {gw.get('stage_name') or '?'}: {verdict}"
    if params["dry_run"]:
        title += " (dry run: the state before the run's changes)"
    dot_source = topology.render_dot(graph, title)

    directory = os.path.abspath(params["report_dir"])
    base = os.path.join(directory, params["report_name"])
    report = {
        "markdown": base + ".md",
        "mermaid": base + ".mmd",
        "dot": base + ".dot",
        "svg": None,
        "png": None,
        "notes": [],
    }
    dot_bin = find_dot() if params["render_images"] else None
    images = {}
    if dot_bin:
        report["svg"], report["png"] = base + ".svg", base + ".png"
        images = {"svg": os.path.basename(report["svg"]), "png": os.path.basename(report["png"])}
    elif params["render_images"]:
        report["notes"].append(
            "Graphviz `dot` is not on the PATH, so no SVG/PNG was rendered; install graphviz (e.g. apt-get install graphviz) "
            f"or render {os.path.basename(report['dot'])} elsewhere. The Mermaid diagram above renders on GitHub/GitLab."
        )
    markdown = topology.render_markdown(gateway, evaluation, mermaid, images, report["notes"], probes)

    if params["dry_run"]:
        title_line, rest = markdown.split("\n", 1)
        markdown = f"{title_line}\n\n> **{DRY_RUN_NOTE}**\n{rest}"

    # Every file with its current and its new content: check mode predicts the change (and the diff)
    # from them, a real run writes the files whose content differs.
    files = [
        (report["markdown"], to_bytes(markdown), True),
        (report["mermaid"], to_bytes(mermaid), True),
        (report["dot"], to_bytes(dot_source), True),
    ]
    if dot_bin:
        files.append((report["svg"], render_image(run_command, dot_bin, dot_source, "svg"), False))
        files.append((report["png"], render_image(run_command, dot_bin, dot_source, "png"), False))
    compared = [(path, read_file(path), content, text) for path, content, text in files]
    changed = any(item[1] != item[2] for item in compared)
    report["written"] = False
    if not check_mode:
        try:
            os.makedirs(directory, exist_ok=True)
            for path, content, dummy in files:
                write_if_changed(path, content)
        except OSError as error:
            raise ReportError(f"report_dir: cannot write the report into {directory}: {error}")
        report["written"] = True

    failed_probes = [probe for probe in probes if not probe["ok"]]
    ok = evaluation["ok"] and not failed_probes
    lines = [topology.failure_message(evaluation)] if evaluation["failed"] else []
    for probe in failed_probes:
        lines.append(
            f"- live probe {probe.get('kind')} of {probe.get('service')} ({probe.get('target')}): status "
            f"{probe.get('status')}, expected {probe.get('expected')}"
        )
    if ok:
        lines.append(f"All {len(evaluation['services'])} published path(s) pass every hop.")
    if params["dry_run"]:
        lines.append(DRY_RUN_NOTE)
    if report["written"]:
        lines.append(f"Report: {report['markdown']}")
    else:
        lines.append(
            f"Report: {report['markdown']} (not written in check mode; to write the report of a dry run, give the "
            "task check_mode: false and dry_run: true)"
        )
    message = "\n".join(lines)
    result = dict(
        changed=changed,
        ok=ok,
        message=message,
        services=evaluation["services"],
        failures=evaluation["failed"],
        summary=evaluation["summary"],
        probes=probes,
        report=report,
        diff=report_diff(compared),
    )
    failure = message if not ok and params["fail_on_broken"] else None
    return result, failure
