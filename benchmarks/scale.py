"""What a converge costs: this collection against a hand-written stock baseline, and at scale.

Runs ansible-playbook on the local emulator and prints figures; nothing is asserted. Each case starts
on a reset emulator with the realism knobs at 0 (VPC links AVAILABLE and targets healthy at once):

  A  3 accounts / 3 services (inventories/local, without the gateway's policy): this collection (site.yml) against the
     stock baseline (benchmarks/stock/site.yml), cold converge then no-op, interleaved, --pairs times; and the
     collection again with multiaccount_apigateway_in_process=false ("ansiballz": every module run in a new
     Python, the usual way), to show what running the modules in a forked child saves
  B  3 and 24 services over the same two provider accounts (collection): cold + no-op each
  C  24 services over 4 provider accounts (collection): cold + no-op (with B: cost of an account)
  D  100 services over 20 provider accounts (collection): cold + no-op (scale); the shared NLB
     strategy, which the planner spreads over 2 NLBs (one NLB takes at most 50 listeners)
  E  shared_gateway_private_integration alb-v2: 3 and 60 services over the same two provider accounts
     (collection): cold + no-op each; 60 services sit behind one ALB (a rule each, no listener-port wall)
  F  the gateway's policy: inventories/local as it is (authorizer, partners, throttling, logs, tracing,
     web ACL) against the same inventory with it stripped (case A's collection inventory): cold + no-op
  G  shared_gateway_connectivity transit_gateway: 100 services over 10 and over 51 provider accounts, all in
     the gateway's region (collection): cold + no-op each; the 51-provider inventory on peering is refused
     by preflight (the quota named: 51 is the first size over the default quotas of 50 peerings per VPC
     and 50 routes per route table), and the gateway account's module runs are the same at 10 and 51

Case A compares like with like: the stock baseline publishes every service open, with no partner or
stage policy, so A's collection inventory is inventories/local with the gateway's policy stripped
(api_publish_default_authorization NONE, no governance key); F is what the policy costs.

Per run: wall time, AWS API calls counted by the emulator (writes / reads), AWS module executions and
tasks executed per host (counted by benchmarks/callback_plugins/bench_stats.py), changed, failed, and
the CPU seconds of ansible-playbook with every process it started (workers, module runs) and of the
emulator (its own counter): on a machine of few CPUs, a run that keeps them all busy is CPU-bound, and
its wall follows its CPU, not its AWS calls.
Then the figures derived from them, each next to its acceptance criterion with PASS or FAIL. The exit
status is 0 when every ansible-playbook run exited 0, 1 otherwise (never because of a figure).

    make benchmark                                   # every case, on a fresh emulator of its own
    make benchmark BENCH_ARGS="--cases A --pairs 1"  # one case
    .venv/bin/python benchmarks/scale.py --cases B,C --keep-logs

Needs AWS_ENDPOINT_URL on 127.0.0.0/8 and dummy credentials (the Makefile's benchmark target gives
both). Logs, per-run counts and results.json go to reports/benchmark/.
"""

import argparse
import ipaddress
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STOCK_PLAYBOOK = os.path.join(ROOT, "benchmarks", "stock", "site.yml")
CALLBACK_DIR = os.path.join(ROOT, "benchmarks", "callback_plugins")
LOG_DIR = os.path.join(ROOT, "reports", "benchmark")
LOCAL_INVENTORY = os.path.join(ROOT, "inventories", "local")
KNOBS = {"vpc_link_pending_seconds": 0, "target_initial_seconds": 0}
RUN_TIMEOUT = 3600
PROGRESS = sys.stdout.isatty()  # "running ..." before each run, overwritten by its figures
CASES = "ABCDEFG"
NLB_LISTENER_QUOTA = 50
PHASE_NAMES = {"cold": "cold", "noop": "no-op"}

# Emulator counter names: "ec2:DescribeVpcs" (query and JSON protocols), "apigateway:GET /restapis" (REST).
READ_PREFIXES = ("Describe", "Get", "List", "Search")
READ_METHODS = ("GET", "HEAD")
STS_READS = frozenset(("sts:AssumeRole", "sts:GetCallerIdentity"))

# The accounts of inventories/local, reused by the generated inventories (B, C, D) so that B's 3-service
# inventory is the local one and B's 24 services sit in the same two provider accounts.
GATEWAY_VARS = {
    "aws_account_id": "111111111111",
    "aws_region": "us-east-1",
    "shared_gateway_vpc_cidr": "10.100.0.0/16",
    "shared_gateway_subnets": [
        {"cidr": "10.100.1.0/24", "az": "us-east-1a"},
        {"cidr": "10.100.2.0/24", "az": "us-east-1b"},
    ],
    "shared_gateway_nlb_strategy": "shared",
    "api_publish_name": "open-banking",
    "api_publish_stage": "v1",
    "api_publish_default_authorization": "NONE",
}
LOCAL_PROVIDERS = [
    (
        "payments",
        {"aws_account_id": "222222222222", "aws_region": "us-east-1", "provider_vpc_cidr": "10.0.0.0/16"},
        [{"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]}],
    ),
    (
        "cards",
        {"aws_account_id": "333333333333", "aws_region": "us-west-2", "provider_vpc_cidr": "10.1.0.0/16"},
        [
            {"name": "cards", "port": 8081, "path": "cards", "targets": ["10.1.1.10"]},
            {"name": "card-limits", "port": 8082, "path": "limits", "targets": ["10.1.2.20"]},
        ],
    ),
]

COLUMNS = (  # key, title, width, decimals
    ("wall", "wall s", 7, 1),
    ("calls", "calls", 6, 0),
    ("writes", "writes", 6, 0),
    ("reads", "reads", 6, 0),
    ("module_runs", "modules", 7, 0),
    ("tasks_max", "tasks/host max", 14, 0),
    ("tasks_mean", "mean", 6, 1),
    ("changed", "changed", 7, 0),
    ("failed", "failed", 6, 0),
    ("cpu", "cpu s", 6, 1),
    ("emulator_cpu", "emu cpu s", 9, 1),
)


# ---------------------------------------------------------------------------------------------------
# emulator
# ---------------------------------------------------------------------------------------------------


def endpoint():
    """AWS_ENDPOINT_URL, refused unless it is an IPv4 address in 127.0.0.0/8."""
    url = os.environ.get("AWS_ENDPOINT_URL", "")
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        loopback = ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(
            "benchmarks/scale.py runs only against the local emulator: "
            f"AWS_ENDPOINT_URL={url!r} is not http://127.x.y.z:<port> (use `make benchmark`)"
        )
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        sys.exit("no AWS_ACCESS_KEY_ID: run it with `make benchmark`, which gives the emulator its dummy credentials")
    return url.rstrip("/")


def emulator(url, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(url + path, method=method, data=data)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec - loopback emulator only
        text = response.read()
    return json.loads(text) if text.strip().startswith(b"{") else None


def emulator_cpu(url):
    """The emulator's own CPU seconds so far (0.0 from an emulator that does not tell them)."""
    return float((emulator(url, "/moto-api/emulator") or {}).get("cpu_seconds") or 0.0)


def children_cpu():
    """CPU seconds (user + system) of this process's children that ended and were waited for, with
    every process they waited for in turn (ansible-playbook's workers and module runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reset(url):
    """Forget every resource; realism knobs at 0 (set again after the reset, whatever it keeps)."""
    emulator(url, "/moto-api/reset", "POST")
    emulator(url, "/moto-api/emulator", "POST", KNOBS)


def classify(calls):
    """(writes, reads) of an emulator call counter."""
    writes = reads = 0
    for action, count in calls.items():
        name = action.partition(":")[2]
        if action in STS_READS or name.startswith(READ_PREFIXES) or name.split(" ", 1)[0] in READ_METHODS:
            reads += count
        else:
            writes += count
    return writes, reads


# ---------------------------------------------------------------------------------------------------
# inventories
# ---------------------------------------------------------------------------------------------------


def _dump(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)


def provider_layout(providers, services, region=None):
    """[(host, host_vars, services)]: the local inventory's providers and services first, then more.

    Provider 3 and up: provider03 ... (account 4000000000NN, 10.<N-1>.0.0/16, us-east-1 when N is odd,
    us-west-2 when even, so half of the peerings are cross-region as in the local inventory). Services
    4 and up, svcNNN on port 9000+NNN, each go to the provider with the fewest services; the target of the
    j-th extra service of a provider is 10.<x>.<1 + j % 2>.<100 + j // 2> (two /24s per provider).
    """
    if providers < 2 or services < 3:
        raise ValueError("the generated inventories keep the local inventory's 2 providers and 3 services")
    layout = [(host, dict(host_vars), [dict(s) for s in svcs]) for host, host_vars, svcs in LOCAL_PROVIDERS]
    if region:
        for _host, host_vars, _svcs in layout:
            host_vars["aws_region"] = region
    for number in range(3, providers + 1):
        host_vars = {
            "aws_account_id": f"{400000000000 + number}",
            "aws_region": region or ("us-east-1" if number % 2 else "us-west-2"),
            "provider_vpc_cidr": f"10.{number - 1}.0.0/16",
        }
        layout.append((f"provider{number:02d}", host_vars, []))
    extra = {entry[0]: 0 for entry in layout}
    for number in range(3, services):
        host, host_vars, svcs = min(layout, key=lambda entry: len(entry[2]))
        second_octet = host_vars["provider_vpc_cidr"].split(".")[1]
        j = extra[host]
        extra[host] += 1
        svcs.append(
            {
                "name": f"svc{number:03d}",
                "port": 9000 + number,
                "path": f"svc{number:03d}",
                "targets": [f"10.{second_octet}.{1 + j % 2}.{100 + j // 2}"],
            }
        )
    return layout


def strategy(services):
    """The local inventory's shared strategy at every size: past NLB_LISTENER_QUOTA services the planner
    spreads them over more shared NLBs (<gateway>, <gateway>-2, ...), each with its VPC link."""
    del services
    return "shared"


# The gateway's policy: gateway keys (module_utils/governance.py) and service keys.
GOVERNANCE_PREFIXES = ("api_publish_default_", "api_publish_authorizers", "api_publish_partners")
GOVERNANCE_KEYS = (
    "api_publish_throttle",
    "api_publish_logging_level",
    "api_publish_data_trace",
    "api_publish_metrics",
    "api_publish_tracing",
    "api_publish_access_log",
    "api_publish_cloudwatch_role_arn",
    "api_publish_web_acl",
    "api_publish_resource_policy",
    "api_publish_source_ip_allow",
    "api_publish_domain",
)
SERVICE_ACCESS_KEYS = ("authorization", "authorizer", "authorization_scopes", "api_key_required", "throttle")


def strip_governance(directory):
    """The inventory at ``directory`` without the gateway's policy: every service open (NONE), as the
    stock baseline publishes them."""
    host_vars = os.path.join(directory, "host_vars")
    for name in sorted(os.listdir(host_vars)):
        path = os.path.join(host_vars, name)
        with open(path, encoding="utf-8") as stream:
            values = yaml.safe_load(stream) or {}
        values = {
            key: value
            for key, value in values.items()
            if not key.startswith(GOVERNANCE_PREFIXES) and key not in GOVERNANCE_KEYS
        }
        if "api_publish_name" in values:
            values["api_publish_default_authorization"] = "NONE"
        for service in values.get("provider_vpc_services") or []:
            for key in SERVICE_ACCESS_KEYS:
                service.pop(key, None)
        with open(path, "w", encoding="utf-8") as stream:
            yaml.safe_dump(values, stream, sort_keys=False)


def write_inventory(directory, providers, services, gateway_vars=None, region=None):
    """An inventory in the shape of inventories/local (same group_vars), with more providers/services
    (and ``gateway_vars`` on top of the gateway's)."""
    shutil.copytree(os.path.join(LOCAL_INVENTORY, "group_vars"), os.path.join(directory, "group_vars"))
    host_vars = os.path.join(directory, "host_vars")
    os.makedirs(host_vars)
    layout = provider_layout(providers, services, region)
    _dump(
        os.path.join(directory, "hosts.yml"),
        {
            "all": {
                "children": {
                    "shared_services": {"hosts": {"shared-services": {}}},
                    "providers": {"hosts": {entry[0]: {} for entry in layout}},
                }
            }
        },
    )
    _dump(
        os.path.join(host_vars, "shared-services.yml"),
        dict(GATEWAY_VARS, shared_gateway_nlb_strategy=strategy(services), **(gateway_vars or {})),
    )
    for host, values, svcs in layout:
        _dump(os.path.join(host_vars, f"{host}.yml"), dict(values, provider_vpc_services=svcs))
    return directory


# ---------------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, url, collection_root, keep_logs, work_dir):
        self.url = url
        self.collection_root = collection_root
        self.keep_logs = keep_logs
        self.work_dir = work_dir
        self.runs = []

    def inventory(self, name, providers=None, services=None, gateway_vars=None, governed=False, region=None):
        directory = os.path.join(self.work_dir, "inventories", name)
        if os.path.isdir(directory):
            return directory
        if providers is None:
            shutil.copytree(LOCAL_INVENTORY, directory)
            if not governed:
                strip_governance(directory)
            return directory
        return write_inventory(directory, providers, services, gateway_vars, region)

    def preflight_only(self, inventory):
        """The first play of site.yml alone (--tags never runs only the always-tagged play 1): the planner's
        verdict, before any AWS call. Returns its first error line, or 'accepted'."""
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory]
        command += [os.path.join(self.collection_root, "site.yml"), "--tags", "never"]
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(self.collection_root, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        done = subprocess.run(  # nosec - our own playbook against the loopback emulator
            command, cwd=self.collection_root, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
        )
        if done.returncode == 0:
            return "accepted"
        quota = [line.strip() for line in done.stdout.splitlines() if "quota" in line]
        return "refused: " + (quota[0][:300] if quota else f"exit {done.returncode}")

    def playbook(self, product):
        if product == "stock":
            return ROOT, STOCK_PLAYBOOK
        return self.collection_root, os.path.join(self.collection_root, "site.yml")

    def run(self, case, label, product, phase, inventory):
        """One ansible-playbook run; returns (and prints) its figures."""
        name = f"{case}-{label}-{product}-{phase}".replace(" ", "")
        log_path = os.path.join(LOG_DIR, f"{name}.log")
        stats_path = os.path.join(LOG_DIR, f"{name}.stats.json")
        for path in (log_path, stats_path):
            if os.path.exists(path):
                os.remove(path)
        cwd, playbook = self.playbook(product)
        env = dict(
            os.environ,
            ANSIBLE_CONFIG=os.path.join(cwd, "ansible.cfg"),
            ANSIBLE_CALLBACK_PLUGINS=CALLBACK_DIR,
            ANSIBLE_CALLBACKS_ENABLED="bench_stats",
            BENCH_STATS_FILE=stats_path,
            BENCH_CALLS_URL=self.url + "/moto-api/emulator/calls",
            ANSIBLE_NOCOLOR="1",
        )
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, playbook]
        if product == "ansiballz":
            # The collection with every module run the usual way (a new Python per module run).
            command += ["-e", "multiaccount_apigateway_in_process=false"]
        if PROGRESS:
            print(f"   running {case} {label} {product} {phase} ...", end="", flush=True)
        emulator(self.url, "/moto-api/emulator/calls", "DELETE")
        emulator_before, cpu_before = emulator_cpu(self.url), children_cpu()
        started = time.monotonic()
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                status = process.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
                status = 124
                log.write(f"\nbenchmarks/scale.py: stopped after {RUN_TIMEOUT} s\n")
        wall = time.monotonic() - started
        cpu = children_cpu() - cpu_before
        emulator_used = emulator_cpu(self.url) - emulator_before
        calls = emulator(self.url, "/moto-api/emulator/calls") or {"total": 0, "calls": {}}
        stats = {}
        if os.path.exists(stats_path):
            with open(stats_path, encoding="utf-8") as handle:
                stats = json.load(handle)
        hosts = stats.get("hosts", {})
        tasks = [counts["tasks"] for counts in hosts.values()] or [0]
        totals = stats.get("totals", {})
        writes, reads = classify(calls["calls"])
        run = {
            "case": case,
            "label": label,
            "product": product,
            "phase": phase,
            "exit": status,
            "wall": round(wall, 1),
            "calls": calls["total"],
            "writes": writes,
            "reads": reads,
            "module_runs": totals.get("aws_module_runs", 0),
            "tasks_max": max(tasks),
            "tasks_mean": round(statistics.mean(tasks), 1),
            "tasks_per_host": {host: counts["tasks"] for host, counts in hosts.items()},
            # Every task a host ran or skipped: each one a worker process forked by ansible-playbook.
            "task_runs": sum(counts["tasks"] + counts.get("skipped", 0) for counts in hosts.values()),
            "module_runs_per_host": {host: counts.get("aws_module_runs", 0) for host, counts in hosts.items()},
            "changed": totals.get("changed", 0),
            "failed": totals.get("failed", 0) + totals.get("unreachable", 0),
            "cpu": round(cpu, 1),
            "emulator_cpu": round(emulator_used, 1),
            "aws_modules": stats.get("aws_modules", {}),
            "call_counts": calls["calls"],
            # The calls of the plays before the verification, and of the verification (None without it).
            "converge_calls": (stats.get("calls_before_verify") or {}).get("total"),
            "log": log_path,
        }
        run["verify_calls"] = None if run["converge_calls"] is None else run["calls"] - run["converge_calls"]
        if not stats:
            run["failed"] = max(run["failed"], 1)
        self.runs.append(run)
        print(("\r" if PROGRESS else "") + row(f"{case} {label}", f"{product} {phase}", run), flush=True)
        if status != 0:
            print(f"      exit {status}: see {log_path}", flush=True)
        return run


def header():
    return f"   {'case':<14} {'run':<16} {'exit':>4} " + " ".join(column[1].rjust(column[2]) for column in COLUMNS)


def row(case, run_name, run):
    cells = []
    for key, _title, width, decimals in COLUMNS:
        value = run[key]
        if decimals or value != int(value):
            text = f"{value:.{max(decimals, 1)}f}"
        else:
            text = str(int(value))
        cells.append(text.rjust(width))
    return f"   {case:<14} {run_name:<16} {run['exit']:>4} " + " ".join(cells)


def split_text(run):
    """``; converge N, verification M`` of a run of site.yml, empty without the split (the stock baseline)."""
    if run.get("converge_calls") is None:
        return ""
    return f"; converge {run['converge_calls']:.0f}, verification {run['verify_calls']:.0f}"


def cpu_budget(name, run):
    """``<name>: X CPU-s (ansible-playbook Y + emulator Z) in W s on N CPUs (B% busy)``: how much of the
    machine a run kept busy."""
    cpus = os.cpu_count() or 1
    total = run["cpu"] + run["emulator_cpu"]
    busy = 100.0 * total / (run["wall"] * cpus) if run["wall"] else 0.0
    return (
        f"{name}: {total:.1f} CPU-s (ansible-playbook {run['cpu']:.1f} + emulator {run['emulator_cpu']:.1f})"
        f" in {run['wall']:.1f} s on {cpus} CPUs ({busy:.0f}% busy)"
    )


def cpu_floor(name, run, base):
    """``<name>``'s CPU work (ansible-playbook and emulator) spread over every CPU with none idle: the
    shortest wall it allows, and its ratio to ``base``'s wall; then the task runs of both (ran or
    skipped, one worker process each) and their CPU per task run."""
    cpus = os.cpu_count() or 1
    total = run["cpu"] + run["emulator_cpu"]
    floor = total / cpus
    ratio = floor / base["wall"] if base["wall"] else float("inf")
    per_run = [
        f"{1000.0 * (each['cpu'] + each['emulator_cpu']) / each['task_runs']:.0f}" if each.get("task_runs") else "?"
        for each in (run, base)
    ]
    return (
        f"{name}'s {total:.1f} CPU-s on {cpus} CPUs with none idle: at least {floor:.1f} s = {ratio:.2f}x;"
        f" task runs {run.get('task_runs', '?')} on {len(run['tasks_per_host'])} hosts against"
        f" {base.get('task_runs', '?')} on {len(base['tasks_per_host'])}, {per_run[0]} / {per_run[1]} ms CPU each"
    )


def median_run(runs):
    """Column-wise median of several runs (exit: the worst)."""
    merged = dict(runs[0])
    for column in COLUMNS:
        key = column[0]
        merged[key] = statistics.median(run[key] for run in runs)
    for key in ("converge_calls", "verify_calls"):
        values = [run.get(key) for run in runs]
        merged[key] = None if None in values else statistics.median(values)
    merged["exit"] = max(run["exit"] for run in runs)
    return merged


# ---------------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------------


def case_a(bench, pairs):
    print("\nA. 3 accounts / 3 services (copy of inventories/local): collection vs stock baseline, interleaved")
    print(header())
    inventory = bench.inventory("A-local")
    series = {}
    for pair in range(1, pairs + 1):
        order = ("collection", "stock", "ansiballz") if pair % 2 else ("stock", "ansiballz", "collection")
        for product in order:
            reset(bench.url)
            for phase in ("cold", "noop"):
                series.setdefault((product, phase), []).append(bench.run("A", f"pair{pair}", product, phase, inventory))
    medians = {}
    for (product, phase), runs in sorted(series.items()):
        medians[(product, phase)] = median_run(runs)
        print(row("A median", f"{product} {phase}", medians[(product, phase)]))
    return medians


def case_pair(bench, case, label, providers, services, gateway_vars=None):
    reset(bench.url)
    inventory = bench.inventory(f"{case}-{label}", providers, services, gateway_vars)
    return {phase: bench.run(case, label, "collection", phase, inventory) for phase in ("cold", "noop")}


def case_b(bench):
    print("\nB. 3 vs 24 services over the same two provider accounts (collection)")
    print(header())
    return {
        3: case_pair(bench, "B", "3svc-2prov", 2, 3),
        24: case_pair(bench, "B", "24svc-2prov", 2, 24),
    }


def case_c(bench):
    print("\nC. 24 services over 4 provider accounts (collection)")
    print(header())
    return case_pair(bench, "C", "24svc-4prov", 4, 24)


def case_d(bench):
    print(f"\nD. 100 services over 20 provider accounts (collection; NLB strategy {strategy(100)})")
    print(header())
    return case_pair(bench, "D", "100svc-20prov", 20, 100)


def case_f(bench):
    print("\nF. the gateway's policy: inventories/local as it is vs without the policy (collection)")
    print(header())
    runs = {}
    for governed in (False, True):
        reset(bench.url)
        label = "governed" if governed else "open"
        inventory = bench.inventory(f"F-{label}", governed=governed)
        runs[governed] = {phase: bench.run("F", label, "collection", phase, inventory) for phase in ("cold", "noop")}
    return runs


TGW = {"shared_gateway_connectivity": "transit_gateway"}


def case_g(bench):
    print(
        "\nG. transit_gateway: 100 services over 10 and over 51 provider accounts in the gateway's region (collection)"
    )
    print(header())
    runs = {}
    for providers in (10, 51):
        reset(bench.url)
        inventory = bench.inventory(f"G-tgw-{providers}prov", providers, 100, TGW, region="us-east-1")
        runs[providers] = {
            phase: bench.run("G", f"tgw-{providers}prov", "collection", phase, inventory) for phase in ("cold", "noop")
        }
    # The same 51 providers on peering: preflight refuses them before any AWS call, naming the quota.
    peering = bench.inventory("G-peering-51prov", 51, 100, region="us-east-1")
    runs["refused"] = bench.preflight_only(peering)
    print(f"   G peering-51prov  preflight: {runs['refused']}")
    return runs


def case_e(bench):
    print("\nE. alb-v2: 3 vs 60 services over the same two provider accounts (collection)")
    print(header())
    mode = {"shared_gateway_private_integration": "alb-v2"}
    return {
        3: case_pair(bench, "E", "alb-3svc-2prov", 2, 3, mode),
        60: case_pair(bench, "E", "alb-60svc-2prov", 2, 60, mode),
    }


# ---------------------------------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------------------------------


class Summary:
    def __init__(self):
        self.lines = []

    def check(self, criterion, figure, passed, runs=()):
        broken = [f"{r['case']} {r['label']} {r['product']} {r['phase']}" for r in runs if r["exit"] != 0]
        if broken:
            verdict = "FAIL"
            figure = f"{figure}  (from failed run(s): {', '.join(broken)})"
        else:
            verdict = "PASS" if passed else "FAIL"
        self.lines.append(f"   {verdict}  {criterion}\n         {figure}")

    def missing(self, criterion, cases):
        self.lines.append(f"   n/a   {criterion}\n         (needs case{'s' if len(cases) > 1 else ''} {cases})")


def per_host_diff(first, second):
    hosts = set(first["tasks_per_host"]) & set(second["tasks_per_host"])
    return max((abs(second["tasks_per_host"][h] - first["tasks_per_host"][h]) for h in hosts), default=0)


def summarize(results, pairs):
    s = Summary()
    a, b, c, d, e, f, g = (results.get(case) for case in CASES)

    # A: against the stock baseline, medians of the pairs.
    for phase, limit in (("cold", 1.0), ("noop", 0.5)):
        criterion = f"3 services, {PHASE_NAMES[phase]} wall at most {limit}x the stock baseline's (same run)"
        if a:
            mine, stock = a[("collection", phase)], a[("stock", phase)]
            ratio = mine["wall"] / stock["wall"] if stock["wall"] else float("inf")
            s.check(
                criterion,
                f"{ratio:.2f}x: collection {mine['wall']:.1f} s / stock {stock['wall']:.1f} s (medians of {pairs} pair(s))",
                ratio <= limit,
                (mine, stock),
            )
        else:
            s.missing(criterion, "A")
    # A: what running the modules in a forked child saves (figures only, no criterion).
    for phase in ("cold", "noop"):
        if a and ("ansiballz", phase) in a:
            mine, usual = a[("collection", phase)], a[("ansiballz", phase)]
            ratio = mine["wall"] / usual["wall"] if usual["wall"] else float("inf")
            s.lines.append(
                f"   info  3 services, {PHASE_NAMES[phase]}: modules run in a forked child vs the usual way (AnsiballZ)\n"
                f"         {ratio:.2f}x: {mine['wall']:.1f} s / {usual['wall']:.1f} s; the same module runs "
                f"({mine['module_runs']:.0f} / {usual['module_runs']:.0f}) and AWS calls ({mine['calls']:.0f} / {usual['calls']:.0f})"
            )
    for phase, minimum in (("cold", 59), ("noop", 33)):
        criterion = f"3 services, {PHASE_NAMES[phase]} AWS calls at most 2x the minimum (about {minimum}): at most {2 * minimum}"
        run = a[("collection", phase)] if a else (b[3][phase] if b else None)
        if run:
            stock = f"; stock baseline {a[('stock', phase)]['calls']:.0f}" if a else ""
            s.check(
                criterion,
                f"{run['calls']:.0f} calls ({run['writes']:.0f} writes / {run['reads']:.0f} reads{split_text(run)}){stock}",
                run["calls"] <= 2 * minimum,
                (run,),
            )
        else:
            s.missing(criterion, "A or B")

    # B: marginal cost per added service, accounts fixed.
    criterion = "module runs per cold converge and per no-op the same (within 2) at 3 and 24 services, 2 providers"
    if b:
        diffs = {phase: b[24][phase]["module_runs"] - b[3][phase]["module_runs"] for phase in ("cold", "noop")}
        s.check(
            criterion,
            "cold {} -> {} ({:+}), no-op {} -> {} ({:+})".format(
                b[3]["cold"]["module_runs"],
                b[24]["cold"]["module_runs"],
                diffs["cold"],
                b[3]["noop"]["module_runs"],
                b[24]["noop"]["module_runs"],
                diffs["noop"],
            ),
            all(abs(diff) <= 2 for diff in diffs.values()),
            (b[3]["cold"], b[3]["noop"], b[24]["cold"], b[24]["noop"]),
        )
        criterion = "tasks executed per host the same (within 2) at 3 and 24 services, 2 providers"
        diffs = {phase: per_host_diff(b[3][phase], b[24][phase]) for phase in ("cold", "noop")}
        s.check(
            criterion,
            "largest per-host difference: cold {}, no-op {} (max tasks/host {} -> {} cold, {} -> {} no-op)".format(
                diffs["cold"],
                diffs["noop"],
                b[3]["cold"]["tasks_max"],
                b[24]["cold"]["tasks_max"],
                b[3]["noop"]["tasks_max"],
                b[24]["noop"]["tasks_max"],
            ),
            all(diff <= 2 for diff in diffs.values()),
            (b[3]["cold"], b[3]["noop"], b[24]["cold"], b[24]["noop"]),
        )
        for phase, limit in (("cold", 20), ("noop", 2)):
            first, second = b[3][phase], b[24][phase]
            per_service = (second["calls"] - first["calls"]) / 21
            modules = (second["module_runs"] - first["module_runs"]) / 21
            s.check(
                f"marginal AWS calls per added service, {PHASE_NAMES[phase]}, accounts fixed: at most {limit}",
                f"{per_service:.1f} calls per service ({first['calls']} -> {second['calls']} calls for 21 more services;"
                f" writes {first['writes']} -> {second['writes']}); {modules:.2f} module runs per service",
                per_service <= limit,
                (first, second),
            )
    else:
        for criterion in (
            criterion,
            "tasks executed per host the same (within 2) at 3 and 24 services",
            "marginal AWS calls per added service, cold: at most 20, no-op: at most 2",
        ):
            s.missing(criterion, "B")

    # B vs C (and C vs D): marginal cost per added provider account.
    if b and c:
        first, second = b[24]["noop"], c["noop"]
        per_account = (second["calls"] - first["calls"]) / 2
        s.check(
            "marginal AWS calls per added provider account, no-op, 24 services: at most 15",
            f"{per_account:.1f} calls per account ({first['calls']} -> {second['calls']} calls, 2 -> 4 providers)",
            per_account <= 15,
            (first, second),
        )
        modules = {phase: (c[phase]["module_runs"] - b[24][phase]["module_runs"]) / 2 for phase in ("cold", "noop")}
        figure = f"B24->C (2 -> 4 providers, 24 services): {modules['cold']:.1f} cold, {modules['noop']:.1f} no-op per account"
        passed = True
        involved = [b[24]["cold"], b[24]["noop"], c["cold"], c["noop"]]
        if d:
            # C -> D adds 16 accounts and 76 services: take off 76 times the module runs per added service of B.
            per_service = {phase: (b[24][phase]["module_runs"] - b[3][phase]["module_runs"]) / 21 for phase in modules}
            later = {
                phase: (d[phase]["module_runs"] - c[phase]["module_runs"] - 76 * per_service[phase]) / 16
                for phase in modules
            }
            figure += (
                f"; C->D (4 -> 20 providers, 24 -> 100 services): {later['cold']:.1f} cold, {later['noop']:.1f} no-op"
            )
            passed = all(abs(later[phase] - modules[phase]) <= 1 for phase in modules)
            involved += [d["cold"], d["noop"]]
            figure += " (PASS when both estimates agree within 1 module run per account)"
            if strategy(100) != strategy(24):
                figure += f"; D uses the {strategy(100)} NLB strategy, B and C {strategy(24)}"
        else:
            figure += " (run D too to see that it stays fixed)"
        s.check("an added provider account costs a fixed, small number of module runs", figure, passed, involved)
    else:
        s.missing(
            "marginal AWS calls per added provider account, no-op: at most 15; fixed module runs per account", "B and C"
        )
    if d and c:
        per_account_calls = {phase: (d[phase]["calls"] - c[phase]["calls"]) / 16 for phase in ("cold", "noop")}
        s.lines.append(
            "   info  C->D (16 more providers and 76 more services): {:.1f} cold / {:.1f} no-op calls per added account,"
            " services included".format(per_account_calls["cold"], per_account_calls["noop"])
        )

    # D against the 3-service converge of the same run.
    criterion = "100 services / 20 providers: cold wall within 3x the 3-service cold converge (same run)"
    base = a[("collection", "cold")] if a else (b[3]["cold"] if b else None)
    if d and base:
        ratio = d["cold"]["wall"] / base["wall"] if base["wall"] else float("inf")
        s.check(
            criterion,
            f"{ratio:.2f}x: {d['cold']['wall']:.1f} s / {base['wall']:.1f} s"
            f" ({'A median' if a else 'B 3 services'}); no-op {d['noop']['wall']:.1f} s"
            f"; NLB strategy {strategy(100)} at 100 services, {strategy(3)} at 3",
            ratio <= 3.0,
            (d["cold"], base),
        )
        s.lines.append("         " + cpu_budget("D cold", d["cold"]))
        s.lines.append("         " + cpu_budget("3 services cold", base))
        s.lines.append("         floor: " + cpu_floor("D cold", d["cold"], base))
    else:
        s.missing(criterion, "D and A (or B)")

    # E: alb-v2 at 3 and 60 services, accounts fixed.
    criterion = "alb-v2: 60 services behind one ALB converge; module runs the same (within 2) at 3 and 60 services"
    if e:
        diffs = {phase: e[60][phase]["module_runs"] - e[3][phase]["module_runs"] for phase in ("cold", "noop")}
        created = {
            key: e[60]["cold"]["call_counts"].get(f"elasticloadbalancing:{key}", 0)
            for key in ("CreateLoadBalancer", "CreateRule", "CreateTargetGroup")
        }
        per_service = (e[60]["noop"]["calls"] - e[3]["noop"]["calls"]) / 57
        s.check(
            criterion,
            "cold {} -> {} ({:+}), no-op {} -> {} ({:+}) module runs; the 60-service cold run made {} load balancer(s),"
            " {} rules, {} target groups; no-op calls {} -> {} ({:.1f} per added service); cold wall {:.1f} -> {:.1f} s".format(
                e[3]["cold"]["module_runs"],
                e[60]["cold"]["module_runs"],
                diffs["cold"],
                e[3]["noop"]["module_runs"],
                e[60]["noop"]["module_runs"],
                diffs["noop"],
                created["CreateLoadBalancer"],
                created["CreateRule"],
                created["CreateTargetGroup"],
                e[3]["noop"]["calls"],
                e[60]["noop"]["calls"],
                per_service,
                e[3]["cold"]["wall"],
                e[60]["cold"]["wall"],
            ),
            all(abs(diff) <= 2 for diff in diffs.values()) and created["CreateLoadBalancer"] == 1,
            (e[3]["cold"], e[3]["noop"], e[60]["cold"], e[60]["noop"]),
        )
    else:
        s.missing(criterion, "E")

    # F: what the gateway's policy costs (a figure, no criterion of issue 8).
    if f:
        figures = []
        for phase in ("cold", "noop"):
            open_run, governed = f[False][phase], f[True][phase]
            figures.append(
                f"{PHASE_NAMES[phase]}: module runs {open_run['module_runs']} -> {governed['module_runs']}, "
                f"calls {open_run['calls']} -> {governed['calls']}, wall {open_run['wall']:.1f} -> {governed['wall']:.1f} s"
            )
        s.lines.append(
            "   info  the gateway's policy (F, inventories/local without -> with it)\n         " + "; ".join(figures)
        )

    # G: Transit Gateway connectivity at 10 and 51 provider accounts (issue 10).
    criterion = (
        "transit_gateway: 100 services over 51 providers converge (peering refused by preflight), the gateway "
        "account's module runs the same at 10 and 51 providers"
    )
    if g:
        gateway = {
            (providers, phase): g[providers][phase]["module_runs_per_host"].get("shared-services", 0)
            for providers in (10, 51)
            for phase in ("cold", "noop")
        }
        per_provider = {
            phase: (g[51][phase]["module_runs"] - g[10][phase]["module_runs"]) / 41 for phase in ("cold", "noop")
        }
        s.check(
            criterion,
            "gateway module runs cold {} -> {}, no-op {} -> {}; per added provider account {:.1f} cold / {:.1f} no-op"
            " module runs, {:.1f} no-op calls; cold wall {:.1f} -> {:.1f} s; peering at 51: {}".format(
                gateway[(10, "cold")],
                gateway[(51, "cold")],
                gateway[(10, "noop")],
                gateway[(51, "noop")],
                per_provider["cold"],
                per_provider["noop"],
                (g[51]["noop"]["calls"] - g[10]["noop"]["calls"]) / 41,
                g[10]["cold"]["wall"],
                g[51]["cold"]["wall"],
                g["refused"],
            ),
            all(gateway[(10, phase)] == gateway[(51, phase)] for phase in ("cold", "noop"))
            and g["refused"].startswith("refused"),
            (g[10]["cold"], g[10]["noop"], g[51]["cold"], g[51]["noop"]),
        )
    else:
        s.missing(criterion, "G")

    # no-op changed = 0 everywhere (the collection's runs; the stock baseline's are shown beside).
    noops = [r for r in results["_runs"] if r["phase"] == "noop" and r["product"] in ("collection", "ansiballz")]
    criterion = "no-op changed = 0 everywhere (every no-op run of the collection)"
    if noops:
        changed = [f"{r['case']} {r['label']}: {r['changed']}" for r in noops if r["changed"]]
        stock = [r["changed"] for r in results["_runs"] if r["phase"] == "noop" and r["product"] == "stock"]
        figure = ("changed in " + ", ".join(changed)) if changed else f"0 changed in {len(noops)} no-op run(s)"
        if stock:
            figure += f"; stock baseline no-op changed: {', '.join(str(n) for n in stock)}"
        s.check(criterion, figure, not changed, noops)
    else:
        s.missing(criterion, "any")
    return s.lines


# ---------------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--cases", default="A,B,C,D,E", help="comma-separated cases to run, from A,B,C,D,E,F,G (default A-E)"
    )
    parser.add_argument("--pairs", type=int, default=3, help="collection/stock pairs in case A (default 3)")
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the playbook logs, per-run counts and inventories of successful runs in reports/benchmark/"
        " (the logs of failed runs are always kept)",
    )
    parser.add_argument(
        "--collection-root",
        default=ROOT,
        help="checkout whose site.yml and ansible.cfg are benchmarked (default this one); the stock baseline"
        " always runs from this checkout",
    )
    args = parser.parse_args(argv)
    cases = [case.strip().upper() for case in args.cases.split(",") if case.strip()]
    unknown = [case for case in cases if case not in CASES]
    if unknown or not cases:
        parser.error(f"--cases: {', '.join(unknown) or 'nothing'} not among {','.join(CASES)}")
    args.cases = [case for case in CASES if case in cases]
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    args.collection_root = os.path.abspath(args.collection_root)
    if not os.path.isfile(os.path.join(args.collection_root, "site.yml")):
        parser.error(f"--collection-root: no site.yml in {args.collection_root}")
    return args


def main(argv=None):
    args = parse_args(argv)
    url = endpoint()
    os.makedirs(LOG_DIR, exist_ok=True)
    info = emulator(url, "/moto-api/emulator") or {}
    print(
        f"benchmark: cases {','.join(args.cases)} on emulator {url} (moto {info.get('moto', '?')},"
        f" knobs {json.dumps(KNOBS)}), {os.cpu_count()} CPUs; collection {args.collection_root}/site.yml,"
        f" stock baseline {os.path.relpath(STOCK_PLAYBOOK, ROOT)}; logs in {os.path.relpath(LOG_DIR, ROOT)}/"
    )
    started = time.monotonic()
    work_dir = LOG_DIR if args.keep_logs else tempfile.mkdtemp(prefix="ma-bench-")
    if args.keep_logs:
        shutil.rmtree(os.path.join(work_dir, "inventories"), ignore_errors=True)
    bench = Bench(url, args.collection_root, args.keep_logs, work_dir)
    results = {}
    try:
        if "A" in args.cases:
            results["A"] = case_a(bench, args.pairs)
        if "B" in args.cases:
            results["B"] = case_b(bench)
        if "C" in args.cases:
            results["C"] = case_c(bench)
        if "D" in args.cases:
            results["D"] = case_d(bench)
        if "E" in args.cases:
            results["E"] = case_e(bench)
        if "F" in args.cases:
            results["F"] = case_f(bench)
        if "G" in args.cases:
            results["G"] = case_g(bench)
    finally:
        if not args.keep_logs:
            shutil.rmtree(work_dir, ignore_errors=True)
    results["_runs"] = bench.runs
    print("\nSummary: the issue's acceptance criteria (figures from this run; nothing here fails the command)")
    for line in summarize(results, args.pairs):
        print(line)
    ok = all(run["exit"] == 0 for run in bench.runs)
    _dump(
        os.path.join(LOG_DIR, "results.json"),
        {"cases": args.cases, "pairs": args.pairs, "knobs": KNOBS, "runs": bench.runs},
    )
    if not args.keep_logs:
        for run in bench.runs:
            if run["exit"] == 0:
                for path in (run["log"], run["log"][: -len(".log")] + ".stats.json"):
                    if os.path.exists(path):
                        os.remove(path)
    print(
        f"\n{len(bench.runs)} runs in {time.monotonic() - started:.0f} s; "
        f"{'every ansible-playbook run exited 0' if ok else 'some ansible-playbook runs FAILED (their logs are kept)'};"
        f" figures in {os.path.relpath(os.path.join(LOG_DIR, 'results.json'), ROOT)}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
