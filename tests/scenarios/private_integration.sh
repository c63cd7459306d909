#!/usr/bin/env bash
# Scenario: shared_gateway_private_integration moves nlb-v1 -> alb-v2 -> nlb-v1 -> nlb-v2 -> alb-v2 (the
# last one over HTTPS, with an imported certificate) on a converged inventories/local without
# downtime, then teardown. Against the emulator at $AWS_ENDPOINT_URL (fresh;
# the caller starts it, e.g. tools/with-emulator.sh 127.0.0.1 5190 tests/scenarios/private_integration.sh),
# with new VPC links PENDING for 4 s (the realism knob), so that re-pointing the API before a link is
# AVAILABLE would be seen.
#
# Every converge runs site.yml (it ends with the verifier: a broken hop fails the run). During each
# move, tests/scenarios/link_watch.py samples the REST API every 0.25 s and records any integration
# whose VPC link is missing or not AVAILABLE (or a v2 link without integrationTarget, or naming a load
# balancer that is missing or not active): there must be none. After each move: the API's tag names
# the new mode (the move is complete), only the new mode's links, load balancers and security groups
# exist, and after the first three moves a second run changes nothing. Before the first move, a dry run
# (--check --diff) must show it (each route with its new link and ALB, the new groups and target
# groups) and leave everything as it was.
# Finally teardown, in alb-v2, leaves no VPC link, no security group of ours and nothing tagged, and every
# call the collection's least-privilege roles made is allowed by their policies (policies/).
set -euo pipefail
started=$(date +%s)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the emulator (tools/with-emulator.sh does)}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "private_integration: AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is not a local emulator" >&2; exit 1 ;;
esac
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
python=${PYTHON:-python}
work=$(mktemp -d "${TMPDIR:-/tmp}/private_integration.XXXXXX")
watcher=""
cleanup() {
  if [ -n "$watcher" ]; then
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "=== private_integration: $*"; }
fail() { echo "private_integration: FAILED: $*" >&2; exit 1; }
watch="$root/tests/scenarios/link_watch.py"

curl -fsS -X POST -H 'Content-Type: application/json' -d '{"vpc_link_pending_seconds": 4}' \
  "$AWS_ENDPOINT_URL/moto-api/emulator" >/dev/null

# $1: mode, $2: log name. Fails unless site.yml passes. $https: extra arguments (the certificate).
https=""
converge() {
  # The verifier's report goes to a directory of this run (other lanes converge inventories/local too).
  # shellcheck disable=SC2086 # $https is empty or one -e argument
  if ! ansible-playbook -i inventories/local playbooks/site.yml -e "shared_gateway_private_integration=$1" $https \
    -e "verify_report_dir=$work/reports" \
    >"$work/$2.log" 2>&1; then
    tail -40 "$work/$2.log" >&2
    fail "site.yml with $1 ($2) failed"
  fi
}

# $1: log name. Every host of the recap changed nothing.
unchanged() {
  if grep -E '^[a-z-]+ +: ok=' "$work/$1.log" | grep -vq 'changed=0 '; then
    grep -E '^[a-z-]+ +: ok=' "$work/$1.log" >&2
    grep -B2 -E '^changed:' "$work/$1.log" | grep TASK >&2 || true
    fail "$1 changed something"
  fi
}

# $1: mode, $2: log name. The move, watched.
move() {
  "$python" "$watch" watch "$work/$2.watch.json" &
  watcher=$!
  sleep 1
  converge "$1" "$2"
  kill "$watcher"
  wait "$watcher" || true
  watcher=""
  "$python" - "$work/$2.watch.json" "$1" <<'EOF_PY'
import json, sys
summary = json.load(open(sys.argv[1]))
if summary["samples"] < 20:
    sys.exit(f"only {summary['samples']} samples during the move")
if summary["broken"]:
    sys.exit(f"an integration pointed at a link that could not carry it: {summary['broken'][:3]}")
print(f"    {summary['samples']} samples during the move to {sys.argv[2]}, none broken; links seen {sorted(summary['versions_seen'])}")
EOF_PY
}

# $1: mode. The API says the move is complete and only that mode's links, load balancers and groups exist.
in_place() {
  "$python" "$watch" state >"$work/state.json"
  "$python" - "$work/state.json" "$1" <<'EOF_PY'
import json, sys
state, mode = json.load(open(sys.argv[1])), sys.argv[2]
want = "v1" if mode == "nlb-v1" else "v2"
expected = {
    "nlb-v1": {"v2": [], "link_security_groups": [], "application": [], "network": ["open-banking"]},
    "nlb-v2": {
        "v1": [],
        "v2": ["open-banking-gateway"],
        "link_security_groups": ["open-banking-gateway-link"],
        "application": [],
        "network": ["open-banking"],
    },
    "alb-v2": {
        "v1": [],
        "v2": ["open-banking-gateway-alb"],
        "link_security_groups": ["open-banking-gateway-alb", "open-banking-gateway-alb-link"],
        "application": ["open-banking-alb"],
        "network": [],
    },
}[mode]
problems = []
if (state["tag"] or "nlb-v1") != mode:
    problems.append(f"API tag {state['tag']!r}, expected {mode}")
versions = {i["version"] for i in state["integrations"]}
if versions != {want}:
    problems.append(f"integrations use {versions}")
kinds = {i["target_type"] for i in state["integrations"]}
if kinds != ({"application"} if mode == "alb-v2" else {"network"} if mode == "nlb-v2" else {None}):
    problems.append(f"integrations name load balancers of type {kinds}")
if any(i["broken"] for i in state["integrations"]):
    problems.append("a broken integration")
links = state["links"]
for key, value in expected.items():
    if links[key] != value:
        problems.append(f"{key} {links[key]}, expected {value}")
if mode == "nlb-v1" and not links["v1"]:
    problems.append("no VPC link v1")
if problems:
    sys.exit(f"after the move to {mode}: " + "; ".join(problems))
print(f"    in place: {mode}, {len(state['integrations'])} integrations over {want} links {links[want]}")
EOF_PY
}

# (The second run of the nlb-v1 converge is molecule "default"'s idempotence step.)
step "converge nlb-v1 (the default)"
converge nlb-v1 v1-cold
in_place nlb-v1

step "dry run of the move to alb-v2 (--check --diff): it shows the move and changes nothing"
if ! ansible-playbook -i inventories/local playbooks/site.yml -e shared_gateway_private_integration=alb-v2 \
  -e "verify_report_dir=$work/reports" \
  --check --diff >"$work/check-alb-v2.log" 2>&1; then
  tail -40 "$work/check-alb-v2.log" >&2
  fail "site.yml --check --diff with alb-v2 failed"
fi
# (the debug output wraps long lines: each string is one line of it)
for expected in "- /payments -> VPC link v2 open-banking-gateway-alb (new) -> ALB open-banking-alb" \
  "+        open-banking-alb:" "+        open-banking-payments-http:" "+    group_name: open-banking-gateway-alb"; do
  grep -qF -- "$expected" "$work/check-alb-v2.log" || fail "the dry run does not show: $expected"
done
in_place nlb-v1

for mode in alb-v2 nlb-v1 nlb-v2; do
  step "move to $mode, watched; then again: nothing changes"
  move "$mode" "to-$mode"
  in_place "$mode"
  converge "$mode" "again-$mode"
  unchanged "again-$mode"
done

step "move nlb-v2 -> alb-v2 over HTTPS (shared_gateway_certificate_arn), watched (one VPC link v2 replaces the other)"
certificate=$("$python" "$watch" certificate api.open-banking.example)
https="-e shared_gateway_certificate_arn=$certificate"
move alb-v2 to-alb-v2-https
in_place alb-v2
"$python" "$watch" state >"$work/state.json"
"$python" - "$work/state.json" <<'EOF_PY'
import json, sys
state = json.load(open(sys.argv[1]))
uris = sorted({i["uri"].split("/")[2] for i in state["integrations"]})
if uris != ["api.open-banking.example"] or not all(i["uri"].startswith("https://") for i in state["integrations"]):
    sys.exit(f"HTTPS integrations call {uris}, expected https://api.open-banking.example")
print(f"    {len(state['integrations'])} integrations call https://api.open-banking.example (the certificate's host)")
EOF_PY
converge alb-v2 again-alb-v2-https
unchanged again-alb-v2-https

step "teardown in alb-v2: no VPC link, no security group of ours, nothing tagged"
# shellcheck disable=SC2086 # $https is one -e argument
if ! ansible-playbook -i inventories/local playbooks/teardown.yml -e shared_gateway_private_integration=alb-v2 $https \
  >"$work/teardown.log" 2>&1; then
  tail -40 "$work/teardown.log" >&2
  fail "teardown failed"
fi
"$python" "$watch" state >"$work/state.json"
"$python" - "$work/state.json" <<'EOF_PY'
import json, sys
state = json.load(open(sys.argv[1]))
links = state["links"]
if any(links.values()) or state["integrations"]:
    sys.exit(f"teardown left {links} and {len(state['integrations'])} integrations")
EOF_PY
left=$("$python" tests/scenarios/foreign_resources.py ours)
[ -z "$left" ] || fail "teardown left tagged resources: $left"

step "every call the collection's roles made on this path is allowed by policies/ (tools/iam_policies.py --allowed-only)"
"$python" tools/iam_policies.py check --allowed-only --record-from "$AWS_ENDPOINT_URL" | sed 's/^/    /'

echo "private_integration: passed in $(($(date +%s) - started)) s"
