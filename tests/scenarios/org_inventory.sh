#!/usr/bin/env bash
# Scenario: the inventory comes from AWS Organizations (multiaccount.apigateway.aws_organization).
#
# Runs against the emulator at $AWS_ENDPOINT_URL (started, fresh, by the caller):
#   cd /work/main && tools/with-emulator.sh 127.0.0.1 5170 tests/scenarios/org_inventory.sh
# with PATH (.venv/bin first), ANSIBLE_CONFIG and the dummy AWS_* variables exported (as the Makefile does).
#
# 1. seed an organisation (tests/scenarios/seed_organization.py): a gateway account and two providers,
#    one of them in a child OU, with tags; the emulator gives them random account ids;
# 2. write a catalogue that mirrors inventories/local (same services, CIDRs, ports, paths, regions;
#    cards in us-west-2 through an account tag) and an *.aws_organization.yml configuration;
# 3. ansible-inventory --list: groups and host variables as expected; a missing catalogue entry fails
#    naming the account and the file expected;
# 4. ansible-playbook playbooks/site.yml (ends with the verify play: every hop of every path), then the
#    same again, which must change nothing; both with the emulator refusing 20% of the AWS calls, drawn
#    at random, with the throttling error of each service (EMULATOR_THROTTLE_FRACTION, as AWS does under
#    load): the retries of the modules and of botocore must absorb them (each run must see some).
set -euo pipefail
started=$(date +%s)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the emulator (tools/with-emulator.sh does)}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "org_inventory: AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is not a local emulator" >&2; exit 1 ;;
esac
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
# An inventory source that fails to parse must fail the command, not leave an empty inventory.
export ANSIBLE_INVENTORY_UNPARSED_FAILED=true
python=${PYTHON:-python}

work=$(mktemp -d "${TMPDIR:-/tmp}/org-inventory.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "=== org_inventory: $*"; }

step "seed the organisation"
"$python" tests/scenarios/seed_organization.py >"$work/org.json"
gateway_id=$("$python" -c 'import json, sys; print(json.load(sys.stdin)["hosts"]["shared-services"])' <"$work/org.json")

step "write the catalogue and the inventory configuration"
mkdir -p "$work/inventory/catalogue"
# The gateway's entry is named by account id, the providers' by host name.
cat >"$work/inventory/catalogue/$gateway_id.yml" <<'EOF'
---
shared_gateway_vpc_cidr: 10.100.0.0/16
shared_gateway_subnets:
  - {cidr: 10.100.1.0/24, az: us-east-1a}
  - {cidr: 10.100.2.0/24, az: us-east-1b}
shared_gateway_nlb_strategy: shared
api_publish_name: open-banking
api_publish_stage: v1
api_publish_default_authorization: NONE
EOF
cat >"$work/inventory/catalogue/payments.yml" <<'EOF'
---
aws_region: us-east-1
provider_vpc_cidr: 10.0.0.0/16
provider_vpc_demo_instances: true
provider_vpc_services:
  - {name: payments, port: 8080, path: payments, targets: [10.0.1.25]}
EOF
# No aws_region here: the account tag apigateway:var:aws_region=us-west-2 gives it.
cat >"$work/inventory/catalogue/cards.yml" <<'EOF'
---
provider_vpc_cidr: 10.1.0.0/16
provider_vpc_demo_instances: true
provider_vpc_services:
  - {name: cards, port: 8081, path: cards, targets: [10.1.1.10]}
  - {name: card-limits, port: 8082, path: limits, targets: [10.1.2.20]}
EOF
config="$work/inventory/org.aws_organization.yml"
cat >"$config" <<'EOF'
---
plugin: multiaccount.apigateway.aws_organization
provider_ous: [/Workloads]
catalogue_dir: catalogue
keyed_groups:
  - key: aws_region
    prefix: region
groups:
  cross_region: aws_region != 'us-east-1'
EOF

step "ansible-inventory --list"
ansible-inventory -i "$config" --list >"$work/inventory.json"
"$python" - "$work/org.json" "$work/inventory.json" <<'EOF'
import json
import sys

org = json.load(open(sys.argv[1]))
inventory = json.load(open(sys.argv[2]))
ids = org["hosts"]


def plain(value):
    """ansible-inventory --list marks untrusted strings as {"__ansible_unsafe": ...}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


hostvars = plain(inventory["_meta"]["hostvars"])
problems = []


def expect(what, actual, wanted):
    if actual != wanted:
        problems.append(f"{what}: got {actual!r}, expected {wanted!r}")


def members(group):
    return sorted(inventory.get(group, {}).get("hosts", []))


expect("hosts", sorted(hostvars), ["cards", "payments", "shared-services"])
expect("group shared_services", members("shared_services"), ["shared-services"])
expect("group providers", members("providers"), ["cards", "payments"])
expect("keyed group region_us_west_2", members("region_us_west_2"), ["cards"])
expect("group cross_region", members("cross_region"), ["cards"])
regions = {"shared-services": "us-east-1", "payments": "us-east-1", "cards": "us-west-2"}
for host, account_id in ids.items():
    values = hostvars.get(host, {})
    expect(f"{host} aws_account_id", values.get("aws_account_id"), account_id)
    expect(f"{host} aws_region", values.get("aws_region"), regions[host])
    expect(f"{host} ansible_connection", values.get("ansible_connection"), "local")
    expect(
        f"{host} aws_role_arn",
        values.get("aws_role_arn"),
        f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
    )
expect("cards OU path", hostvars["cards"].get("aws_organization_ou_path"), "Root/Workloads/Cards")
expect(
    "payments provider_vpc_services",
    hostvars["payments"].get("provider_vpc_services"),
    [{"name": "payments", "port": 8080, "path": "payments", "targets": ["10.0.1.25"]}],
)
expect("cards services", [s["name"] for s in hostvars["cards"].get("provider_vpc_services", [])], ["cards", "card-limits"])
expect("gateway VPC CIDR", hostvars["shared-services"].get("shared_gateway_vpc_cidr"), "10.100.0.0/16")
if org["management_account_id"] in {v.get("aws_account_id") for v in hostvars.values()}:
    problems.append("the management account (no group) is in the inventory")
if problems:
    sys.exit("org_inventory: inventory check failed:\n  " + "\n  ".join(problems))
print(f"inventory ok: {len(hostvars)} hosts, accounts {ids}")
EOF

step "a provider without a catalogue entry fails, naming the account and the file expected"
mkdir -p "$work/incomplete/catalogue"
cp "$work/inventory/catalogue/$gateway_id.yml" "$work/inventory/catalogue/payments.yml" "$work/incomplete/catalogue/"
cp "$config" "$work/incomplete/"
cards_id=$("$python" -c 'import json, sys; print(json.load(sys.stdin)["hosts"]["cards"])' <"$work/org.json")
if ansible-inventory -i "$work/incomplete/org.aws_organization.yml" --list >"$work/incomplete.out" 2>&1; then
  echo "org_inventory: ansible-inventory succeeded without a catalogue entry for cards" >&2
  exit 1
fi
expected="Cards Prod ($cards_id): provider account (host cards) has no catalogue entry; create $work/incomplete/catalogue/$cards_id.yml"
if ! tr -s ' \n' ' ' <"$work/incomplete.out" | grep -qF "$expected"; then
  echo "org_inventory: the error does not say: $expected" >&2
  cat "$work/incomplete.out" >&2
  exit 1
fi
echo "missing entry reported: $expected"

# The PLAY RECAP lines of a log: exactly the three account hosts, none failed; with "nochange", none changed.
check_recap() {
  local log=$1 mode=$2
  "$python" - "$log" "$mode" <<'EOF'
import re
import sys

log, mode = sys.argv[1], sys.argv[2]
recap = {}
for line in open(log):
    match = re.match(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", line)
    if match:
        recap[match.group(1)] = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups()[1:])))
problems = []
if sorted(recap) != ["cards", "payments", "shared-services"]:
    problems.append(f"recap hosts {sorted(recap)}")
for host, counts in sorted(recap.items()):
    if counts["failed"] or counts["unreachable"]:
        problems.append(f"{host}: {counts}")
    if mode == "nochange" and counts["changed"]:
        problems.append(f"{host}: changed={counts['changed']} on the second run")
if problems:
    sys.exit(f"org_inventory: {log}: " + "; ".join(problems))
print("recap: " + ", ".join(f"{host} changed={counts['changed']}" for host, counts in sorted(recap.items())))
EOF
}

throttle() { curl -sf -X POST -H 'Content-Type: application/json' -d "{\"throttle_fraction\": $1}" "$AWS_ENDPOINT_URL/moto-api/emulator" >/dev/null; }
throttled() { curl -sf "$AWS_ENDPOINT_URL/moto-api/emulator/calls" | "$python" -c 'import json, sys; c = json.load(sys.stdin); print(c["throttled_total"], c["total"])'; }
trap 'throttle 0 || true' EXIT
throttle 0.2
for run in 1 2; do
  step "ansible-playbook playbooks/site.yml, run $run, 20% of the AWS calls throttled"
  curl -sf -X DELETE "$AWS_ENDPOINT_URL/moto-api/emulator/calls" >/dev/null
  run_started=$(date +%s)
  # Run 2 skips the verify play (read-only; run 1 ran it): what it proves is that nothing changes.
  skip=(); [ "$run" = 2 ] && skip=(--skip-tags verify)
  if ! ansible-playbook -i "$config" playbooks/site.yml -e "verify_report_dir=$work/reports" "${skip[@]}" >"$work/run$run.log" 2>&1; then
    tail -n 60 "$work/run$run.log" >&2
    echo "org_inventory: run $run of playbooks/site.yml failed" >&2
    exit 1
  fi
  if [ "$run" = 1 ]; then check_recap "$work/run$run.log" converge; else check_recap "$work/run$run.log" nochange; fi
  read -r refused served < <(throttled)
  [ "$refused" -gt 0 ] || { echo "org_inventory: run $run: the emulator throttled no call" >&2; exit 1; }
  echo "run $run: $(($(date +%s) - run_started)) s; $refused AWS calls throttled, $served served"
done
throttle 0

echo "org_inventory: passed in $(($(date +%s) - started)) s"
