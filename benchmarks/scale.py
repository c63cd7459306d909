"""Publish many services on the local emulator and report what it costs.

Generates an inventory with one shared-services account and P provider accounts holding S
services in all (default 4 x 30 = 120), converges playbooks/site.yml on it twice (cold, then the
idempotent re-run), and prints per run: wall time, AWS API calls served by the emulator (total
and the most frequent actions), and the PLAY RECAP totals (ok / changed / failed). Read-only
afterwards: the numbers are the output, nothing is asserted.

    make benchmark                      # 120 services, on a fresh emulator
    .venv/bin/python benchmarks/scale.py --services 200 --providers 8

Needs AWS_ENDPOINT_URL on loopback (the Makefile's benchmark target starts an emulator).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")


def endpoint():
    url = os.environ.get("AWS_ENDPOINT_URL", "")
    host = urllib.parse.urlsplit(url).hostname or ""
    if not host.startswith("127."):
        sys.exit(
            "benchmarks/scale.py runs only against the local emulator: set AWS_ENDPOINT_URL=http://127.0.0.1:<port>"
        )
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        sys.exit("no AWS_ACCESS_KEY_ID: run it with `make benchmark`, which gives the emulator its dummy credentials")
    return url.rstrip("/")


def emulator(url, path, method="GET"):
    request = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec - loopback emulator only
        body = response.read()
    return json.loads(body) if body.strip().startswith(b"{") else None


def write_inventory(directory, providers, services):
    """One shared account, `providers` provider accounts, `services` services spread evenly."""
    host_vars = os.path.join(directory, "host_vars")
    os.makedirs(host_vars)
    names = [f"provider{index:02d}" for index in range(1, providers + 1)]
    with open(os.path.join(directory, "hosts.yml"), "w", encoding="utf-8") as handle:
        json.dump(
            {
                "all": {
                    "children": {
                        "shared_services": {"hosts": {"shared-services": {}}},
                        "providers": {"hosts": {name: {} for name in names}},
                    }
                }
            },
            handle,
        )
    os.makedirs(os.path.join(directory, "group_vars"))
    with open(os.path.join(ROOT, "inventories", "local", "group_vars", "all.yml"), encoding="utf-8") as source:
        all_vars = source.read()
    with open(os.path.join(directory, "group_vars", "all.yml"), "w", encoding="utf-8") as handle:
        handle.write(all_vars)
    with open(os.path.join(directory, "group_vars", "providers.yml"), "w", encoding="utf-8") as handle:
        handle.write("provider_vpc_demo_instances: true\n")
    shared = {
        "aws_account_id": "100000000000",
        "aws_region": "us-east-1",
        "shared_gateway_vpc_cidr": "10.200.0.0/16",
        "shared_gateway_subnets": [
            {"cidr": "10.200.1.0/24", "az": "us-east-1a"},
            {"cidr": "10.200.2.0/24", "az": "us-east-1b"},
        ],
        "shared_gateway_nlb_strategy": "shared",
        "api_publish_name": "bench",
        "api_publish_stage": "v1",
    }
    with open(os.path.join(host_vars, "shared-services.yml"), "w", encoding="utf-8") as handle:
        json.dump(shared, handle)
    for index, name in enumerate(names, start=1):
        mine = [number for number in range(services) if number % providers == index - 1]
        provider = {
            "aws_account_id": f"{200000000000 + index}",
            "aws_region": "us-east-1",
            "provider_vpc_cidr": f"10.{index}.0.0/16",
            "provider_vpc_services": [
                {
                    "name": f"svc{number:03d}",
                    "port": 8000 + number,
                    "path": f"svc{number:03d}",
                    "targets": [f"10.{index}.{1 + number // 200}.{10 + number % 200}"],
                }
                for number in mine
            ],
        }
        with open(os.path.join(host_vars, f"{name}.yml"), "w", encoding="utf-8") as handle:
            json.dump(provider, handle)


def converge(url, inventory, label, log_dir):
    emulator(url, "/moto-api/emulator/calls", "DELETE")
    log_path = os.path.join(log_dir, f"{label}.log")
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        status = subprocess.call(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "site.yml"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wall = time.monotonic() - started
    calls = emulator(url, "/moto-api/emulator/calls")
    totals = {"ok": 0, "changed": 0, "failed": 0, "skipped": 0}
    with open(log_path, encoding="utf-8") as log:
        for line in log:
            match = RECAP.match(line)
            if match:
                totals["ok"] += int(match.group(2))
                totals["changed"] += int(match.group(3))
                totals["failed"] += int(match.group(5)) + int(match.group(4))
                totals["skipped"] += int(match.group(6))
    return {
        "label": label,
        "status": status,
        "wall_s": round(wall, 1),
        "calls": calls,
        "recap": totals,
        "log": log_path,
    }


def report(run, services):
    calls = run["calls"]
    recap = run["recap"]
    print(f"\n== {run['label']}: exit {run['status']}, log {run['log']}")
    print(f"   wall time        {run['wall_s']:8.1f} s   ({run['wall_s'] / services:.2f} s per service)")
    print(f"   AWS API calls    {calls['total']:8d}     ({calls['total'] / services:.1f} per service)")
    print(f"   tasks ok         {recap['ok']:8d}")
    print(f"   tasks changed    {recap['changed']:8d}")
    print(f"   tasks failed     {recap['failed']:8d}")
    print("   most frequent calls:")
    for action, count in sorted(calls["calls"].items(), key=lambda item: -item[1])[:10]:
        print(f"     {count:6d}  {action}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=120)
    parser.add_argument("--providers", type=int, default=4)
    args = parser.parse_args()
    url = endpoint()
    emulator(url, "/moto-api/reset", "POST")
    with tempfile.TemporaryDirectory(prefix="ma-bench-") as directory:
        inventory = os.path.join(directory, "inventory")
        write_inventory(inventory, args.providers, args.services)
        log_dir = os.path.join(ROOT, "reports", "benchmark")
        os.makedirs(log_dir, exist_ok=True)
        print(
            f"benchmark: {args.services} services in {args.providers} provider accounts + 1 gateway account, emulator {url}"
        )
        runs = [
            converge(url, inventory, "cold-converge", log_dir),
            converge(url, inventory, "idempotent-rerun", log_dir),
        ]
    for run in runs:
        report(run, args.services)
    return 0 if all(run["status"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
