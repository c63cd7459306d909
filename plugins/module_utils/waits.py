# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waits with progress lines, run on the controller by the action plugins of the modules that wait.

A module cannot print while it runs, so a module whose wait can exceed 30 seconds comes with an action
plugin of the same name that runs it with its wait switched off (it makes the changes and returns at
once), then polls what is still pending with a read-only module, every ``POLL_INTERVAL`` seconds, and
prints a progress line at each multiple of ``PROGRESS_INTERVAL`` seconds of the wait, naming what is
pending, for example ``[payments] waiting 30 s / 300 s: demo instance 10.0.1.40 (i-0abc) pending;
1/2 ready``. The result is the module's, with the states the last poll saw; a failure or a timeout
fails the task with the same message as the module's own wait.

One class per module says how (:class:`VpcLinkWait`, :class:`DemoInstancesWait`,
:class:`LoadBalancersWait`, :class:`TargetsWait`); :func:`run_with_wait` runs any of them with an
``execute(module_name, module_args)`` callable (the action plugin's ``_execute_module``), so this file
needs no ansible-core controller code and unit-tests with fakes. The read-only modules are
M(multiaccount.apigateway.gateway_ready) (load balancers, VPC links, targets), M(multiaccount.apigateway.vpc_link_info)
(a VPC link being deleted) and M(amazon.aws.ec2_instance_info) (instances); they get only the
connection options of the task (credentials, region, endpoint), never printed.
"""

import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.multiaccount.apigateway.plugins.module_utils.ec2_services import (
    describe_waiting,
    pending_instances,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.elbv2 import (
    describe_pending,
    format_target,
    pending_targets,
    registered_targets,
    target_key,
)
from ansible_collections.multiaccount.apigateway.plugins.module_utils.readiness import (
    ProgressReporter,
    entry,
    poll,
)

POLL_INTERVAL = 5
PROGRESS_INTERVAL = 30

GATEWAY_READY = "multiaccount.apigateway.gateway_ready"
VPC_LINK_INFO = "multiaccount.apigateway.vpc_link_info"
INSTANCE_INFO = "amazon.aws.ec2_instance_info"


def _connection_option_names():
    names = set()
    for name, spec in aws_argument_spec().items():
        names.add(name)
        names.update(spec.get("aliases") or [])
    return frozenset(names)


CONNECTION_OPTIONS = _connection_option_names()


def connection_args(args):
    """The credentials, region and endpoint options of a task (module_defaults merged), for the read-only
    modules that poll on its behalf."""
    return {key: value for key, value in args.items() if key in CONNECTION_OPTIONS}


def int_option(args, name, default, minimum=1):
    """The int value of a timing option (a templated value may be a string); ValueError naming it."""
    value = args.get(name)
    if value is None:
        return default
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ValueError(f"{name}: {value!r} must be a whole number of seconds, at least {minimum}")
    return number


def bool_option(args, name, default):
    """The bool value of an option (``yes``, ``"true"``...); ValueError naming it."""
    value = args.get(name)
    if value is None:
        return default
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise ValueError(f"{name}: {value!r} is not a boolean (true or false)") from None


def assessment(pending, failures, total, **extra):
    """What one poll found: the shape :class:`ProgressReporter` and :func:`run_with_wait` read."""
    result = {"ready": not pending and not failures, "pending": pending, "failures": failures, "total": total}
    result.update(extra)
    return result


class ModuleWait:
    """How a module waits: which option turns the wait off, what to wait for, how to poll it, and how
    the last poll ends up in the result. Subclasses set ``module``, ``wait_option`` (and the value that
    turns it off, ``no_wait``), ``timeout_option`` and ``default_timeout``."""

    module = None
    wait_option = "wait"
    no_wait = False
    timeout_option = "wait_timeout"
    default_timeout = 300

    def __init__(self, args):
        self.args = dict(args)

    def enabled(self):
        """Whether the task waits at all (then the module runs with its wait off, and this waits)."""
        return bool_option(self.args, self.wait_option, True)

    def timeout(self):
        return int_option(self.args, self.timeout_option, self.default_timeout)

    def first_args(self):
        return dict(self.args, **{self.wait_option: self.no_wait})

    def plan(self, result):
        """What the result of the first run leaves to wait for (falsy: nothing)."""
        raise NotImplementedError

    def check(self, execute, want):
        """One poll: an :func:`assessment`, or a failed module result (``failed``, ``msg``)."""
        raise NotImplementedError

    def finish(self, result, want, last, elapsed):
        """Put what the last poll saw into ``result``; set ``failed`` and ``msg`` on failure or timeout."""
        raise NotImplementedError


def run_with_wait(
    execute,
    emit,
    host,
    waiter,
    poll_interval=POLL_INTERVAL,
    progress_interval=PROGRESS_INTERVAL,
    sleep=time.sleep,
    clock=time.monotonic,
):
    """Run ``waiter.module`` with its wait off, then wait for what it left pending, printing progress.

    ``execute(module_name, module_args)`` runs a module and returns its result; ``emit(line)`` prints.
    Returns the module's result (``changed``, ``diff`` and the rest of the first run), updated by the
    last poll; with ``waited`` and ``polls`` when something was waited for.
    """
    try:
        timeout = waiter.timeout()
    except ValueError as error:
        return {"failed": True, "msg": str(error), "changed": False}
    result = execute(waiter.module, waiter.first_args())
    if result.get("failed"):
        return result
    want = waiter.plan(result)
    if not want:
        return result
    reporter = ProgressReporter(emit, host, timeout, progress_interval)
    last, elapsed, polls = poll(
        lambda: waiter.check(execute, want),
        lambda found: bool(found.get("failed")) or found["ready"] or bool(found["failures"]),
        timeout,
        poll_interval,
        progress=reporter,
        sleep=sleep,
        clock=clock,
    )
    result = dict(result)
    result["waited"] = int(round(elapsed))
    result["polls"] = polls
    if last.get("failed"):
        result.update(failed=True, msg=last.get("msg") or "the wait failed")
        return result
    waiter.finish(result, want, last, elapsed)
    return result


# ---------------------------------------------------------------------------------------------
# VPC links (vpc_link): AVAILABLE through gateway_ready, deleted through vpc_link_info
# ---------------------------------------------------------------------------------------------


class VpcLinkWait(ModuleWait):
    """``vpc_link`` with O(wait): a created (or still PENDING) link until AVAILABLE, a deleted link until
    it is gone. A replacement (O(replace_on_change)) keeps the module's own wait, which deletes the old
    link only once the new one is AVAILABLE."""

    module = "multiaccount.apigateway.vpc_link"
    default_timeout = 900

    def enabled(self):
        if not bool_option(self.args, "wait", True):
            return False
        present = (self.args.get("state") or "present") == "present"
        return not (present and bool_option(self.args, "replace_on_change", False))

    def plan(self, result):
        return list(result.get("pending") or [])

    def check(self, execute, want):
        connection = connection_args(self.args)
        links = [item for item in want if item["until"] == "available"]
        gone = [item for item in want if item["until"] == "deleted"]
        pending, failures, records = [], [], {}
        if links:
            found = execute(
                GATEWAY_READY,
                dict(
                    connection,
                    vpc_link_ids=[item["id"] for item in links],
                    vpc_link_versions={item["id"]: item["version"] for item in links},
                    wait_timeout=0,
                ),
            )
            if found.get("failed") and not found.get("failures"):
                return found
            # A FAILED link fails gateway_ready: it ends the wait like the module's own.
            pending.extend(found.get("pending") or [])
            failures.extend(found.get("failures") or [])
            records.update({record["id"]: record for record in found.get("vpc_links") or []})
        for version in sorted({item["version"] for item in gone}):
            ids = [item["id"] for item in gone if item["version"] == version]
            found = execute(VPC_LINK_INFO, dict(connection, vpc_link_ids=ids, version=version))
            if found.get("failed"):
                return found
            listed = {link["id"]: link for link in found.get("vpc_links") or []}
            for item in gone:
                if item["id"] in listed:
                    link = listed[item["id"]]
                    pending.append(entry("vpc_link", item["id"], item.get("name"), link.get("status"), "until deleted"))
        return assessment(pending, failures, len(want), records=records)

    def finish(self, result, want, last, elapsed):
        """Failure and timeout messages as the module's own wait words them (vpc_links.wait_message)."""
        versions = {item["id"]: item["version"] for item in want}
        targets = {item["id"]: item["until"] for item in want}
        link = result.get("vpc_link") or {}
        record = last["records"].get(link.get("id"))
        if record:
            result["vpc_link"] = dict(link, status=record.get("status"), status_message=record.get("status_message"))
        if last["failures"]:
            messages = []
            for item in last["failures"]:
                link = f"VPC link {item['id']} ({versions.get(item['id'])})"
                if item.get("status") == "FAILED":
                    messages.append(f"{link} is FAILED: {item.get('detail') or 'no statusMessage given'}")
                else:
                    messages.append(
                        f"{link} did not become available: status {item.get('status')}: {item.get('detail')}"
                    )
            result.update(failed=True, msg="; ".join(messages))
            return
        if last["pending"]:
            messages = []
            for item in last["pending"]:
                wanted = "become available" if targets.get(item["id"]) == "available" else "be deleted"
                messages.append(
                    f"Timed out after {self.timeout()} s waiting for VPC link {item['id']} "
                    f"({versions.get(item['id'])}) to {wanted}; last status {item.get('status')}"
                )
            result.update(failed=True, msg="; ".join(messages))
            result["pending"] = [item for item in want if item["id"] in {p["id"] for p in last["pending"]}]
            return
        result["pending"] = []


# ---------------------------------------------------------------------------------------------
# Demo instances (demo_instances): running / terminated through amazon.aws.ec2_instance_info
# ---------------------------------------------------------------------------------------------


class DemoInstancesWait(ModuleWait):
    """``demo_instances`` with O(wait): launched instances until V(running), terminated ones until
    V(terminated)."""

    module = "multiaccount.apigateway.demo_instances"
    default_timeout = 300

    def plan(self, result):
        want, labels = {}, {}
        for item in result.get("instances") or []:
            if item.get("created") and item.get("instance_id"):
                want[item["instance_id"]] = "running"
                labels[item["instance_id"]] = item.get("ip")
        for item in result.get("terminated") or []:
            want[item["instance_id"]] = "terminated"
            labels[item["instance_id"]] = item.get("ip")
        return {"want": want, "labels": labels} if want else None

    def check(self, execute, want):
        found = execute(INSTANCE_INFO, dict(connection_args(self.args), instance_ids=sorted(want["want"])))
        if found.get("failed"):
            return found
        states = {
            instance["instance_id"]: (instance.get("state") or {}).get("name")
            for instance in found.get("instances") or []
        }
        pending, failed = pending_instances(states, want["want"])

        def entries(rows):
            return [
                entry("instance", instance_id, want["labels"].get(instance_id), state, f"expected {expected}")
                for instance_id, expected, state in rows
            ]

        return assessment(entries(pending), entries(failed), len(want["want"]), states=states, rows=(pending, failed))

    def finish(self, result, want, last, elapsed):
        states = last["states"]
        instances = []
        for item in result.get("instances") or []:
            item = dict(item)
            if item.get("instance_id") in states:
                item["state"] = states[item["instance_id"]]
            instances.append(item)
        result["instances"] = instances
        pending, failed = last["rows"]
        if failed:
            result.update(failed=True, msg=f"Demo instances that will never run: {describe_waiting(failed)}")
        elif pending:
            result.update(
                failed=True,
                msg=f"Timed out after {self.timeout()} s waiting for demo instances: {describe_waiting(pending)}",
            )


# ---------------------------------------------------------------------------------------------
# Load balancers (gateway_load_balancers): active through gateway_ready
# ---------------------------------------------------------------------------------------------


class LoadBalancersWait(ModuleWait):
    """``gateway_load_balancers`` with O(wait): the listed load balancers until V(active)."""

    module = "multiaccount.apigateway.gateway_load_balancers"
    default_timeout = 600

    def enabled(self):
        return bool_option(self.args, "wait", False)

    def plan(self, result):
        return [
            balancer["arn"]
            for balancer in result.get("load_balancers") or []
            if balancer.get("arn") and balancer.get("state") != "active"
        ]

    def check(self, execute, want):
        found = execute(GATEWAY_READY, dict(connection_args(self.args), load_balancer_arns=list(want), wait_timeout=0))
        records = {record["arn"]: record for record in found.get("load_balancers") or []}
        if found.get("failed") and not found.get("failures"):
            return found
        # A failed load balancer fails gateway_ready: it ends the wait like the module's own.
        return assessment(found.get("pending") or [], found.get("failures") or [], len(want), records=records)

    def finish(self, result, want, last, elapsed):
        balancers = []
        for balancer in result.get("load_balancers") or []:
            record = last["records"].get(balancer.get("arn"))
            balancers.append(dict(balancer, state=record["state"]) if record else dict(balancer))
        result["load_balancers"] = balancers
        left = last["failures"] + last["pending"]
        if not left:
            return
        pending = [{"name": item["name"], "state": item["status"]} for item in left]
        states = ", ".join(f"{item['name']} ({item['state']})" for item in pending)
        if last["failures"]:
            names = ", ".join(item["name"] for item in last["failures"])
            message = f"Load balancer(s) {names} failed to provision: {states}"
        else:
            message = f"Timed out after {self.timeout()} s waiting for the load balancers to be active: {states}"
        result.update(failed=True, msg=message, pending=pending)


# ---------------------------------------------------------------------------------------------
# IP targets (nlb_ip_targets): registered / healthy through gateway_ready's target health
# ---------------------------------------------------------------------------------------------


class TargetsWait(ModuleWait):
    """``nlb_ip_targets`` with O(wait_for): the listed targets until registered (or healthy), the
    deregistered ones until gone (or draining)."""

    module = "multiaccount.apigateway.nlb_ip_targets"
    wait_option = "wait_for"
    no_wait = "none"
    default_timeout = 300

    def enabled(self):
        return (self.args.get("wait_for") or "none") in ("registered", "healthy")

    def plan(self, result):
        arn = result.get("target_group_arn")
        if not arn:
            return None
        gone = [target_key(target) for target in result.get("deregistered") or []]
        if (self.args.get("state") or "present") == "absent":
            desired = []
        elif self.args.get("targets") is not None:
            desired = [(str(t["ip"]).strip(), int(t.get("port") or result["port"])) for t in self.args["targets"]]
        else:
            desired = [target_key(target) for target in result.get("targets") or []]
        return {"arn": arn, "name": result.get("target_group_name"), "desired": desired, "gone": gone}

    def check(self, execute, want):
        found = execute(
            GATEWAY_READY,
            dict(connection_args(self.args), target_group_arns=[want["arn"]], targets="registered", wait_timeout=0),
        )
        if found.get("failed"):
            return found
        groups = found.get("target_groups") or [{}]
        targets = groups[0].get("targets") or []
        pending = pending_targets(targets, want["desired"], want["gone"], self.args["wait_for"])
        entries = [
            entry("target", want["arn"], format_target(item), item["state"], f"expected {item['expected']}")
            for item in pending
        ]
        total = len(want["desired"]) + len(want["gone"])
        return assessment(entries, [], total, targets=targets, rows=pending)

    def finish(self, result, want, last, elapsed):
        result["targets"] = registered_targets(last["targets"])
        if last["rows"]:
            result.update(
                failed=True,
                msg=(
                    f"Timed out after {self.timeout()} s waiting for the targets of {want['name']!r} "
                    f"to be {self.args['wait_for']}: {describe_pending(last['rows'])}"
                ),
                pending=last["rows"],
            )
