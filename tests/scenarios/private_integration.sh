#!/usr/bin/env bash
# Scenario: shared_gateway_private_integration moves nlb-v1 -> nlb-v2 -> nlb-v1 -> nlb-v2 on a converged
# inventories/local without downtime, then teardown. Against the emulator at $AWS_ENDPOINT_URL (fresh;
# the caller starts it, e.g. tools/with-emulator.sh 127.0.0.1 5190 tests/scenarios/private_integration.sh),
# with new VPC links PENDING for 4 s (the realism knob), so that re-pointing the API before a link is
# AVAILABLE would be seen.
#
# Every converge runs site.yml (it ends with the verifier: a broken hop fails the run). During each
# move, tests/scenarios/link_watch.py samples the REST API every 0.25 s and records any integration
# whose VPC link is missing or not AVAILABLE (or a v2 link without integrationTarget): there must be
# none. After each move: the API's tag names the new mode (the move is complete), only the new mode's
# links exist (the v2 link's security group only in nlb-v2), and after the first two moves a second
# run changes nothing.
# Finally teardown, in nlb-v2, leaves no VPC link, no link security group and nothing tagged, and every
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

# $1: mode, $2: log name. Fails unless site.yml passes.
converge() {
  if ! ansible-playbook -i inventories/local playbooks/site.yml -e "shared_gateway_private_integration=$1" \
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

# $1: mode. The API says the move is complete and only that mode's links (and group) exist.
in_place() {
  "$python" "$watch" state >"$work/state.json"
  "$python" - "$work/state.json" "$1" <<'EOF_PY'
import json, sys
state, mode = json.load(open(sys.argv[1])), sys.argv[2]
want = "v2" if mode == "nlb-v2" else "v1"
problems = []
if (state["tag"] or "nlb-v1") != mode:
    problems.append(f"API tag {state['tag']!r}, expected {mode}")
versions = {i["version"] for i in state["integrations"]}
if versions != {want}:
    problems.append(f"integrations use {versions}")
if any(i["broken"] for i in state["integrations"]):
    problems.append("a broken integration")
links = state["links"]
if want == "v2" and (links["v1"] or links["v2"] != ["open-banking-gateway"]):
    problems.append(f"links {links}")
if want == "v1" and (links["v2"] or not links["v1"]):
    problems.append(f"links {links}")
groups = ["open-banking-gateway-link"] if want == "v2" else []
if links["link_security_groups"] != groups:
    problems.append(f"link security groups {links['link_security_groups']}")
if problems:
    sys.exit(f"after the move to {mode}: " + "; ".join(problems))
print(f"    in place: {mode}, {len(state['integrations'])} integrations over {want} links {links[want]}")
EOF_PY
}

# (The second run of the nlb-v1 converge is molecule "default"'s idempotence step.)
step "converge nlb-v1 (the default)"
converge nlb-v1 v1-cold
in_place nlb-v1

for mode in nlb-v2 nlb-v1; do
  step "move to $mode, watched; then again: nothing changes"
  move "$mode" "to-$mode"
  in_place "$mode"
  converge "$mode" "again-$mode"
  unchanged "again-$mode"
done

step "move to nlb-v2 again, watched (the links v1 it retires were created by the move back)"
move nlb-v2 to-nlb-v2-again
in_place nlb-v2

step "teardown in nlb-v2: no VPC link, no link security group, nothing tagged"
if ! ansible-playbook -i inventories/local playbooks/teardown.yml -e shared_gateway_private_integration=nlb-v2 \
  >"$work/teardown.log" 2>&1; then
  tail -40 "$work/teardown.log" >&2
  fail "teardown failed"
fi
"$python" "$watch" state >"$work/state.json"
"$python" - "$work/state.json" <<'EOF_PY'
import json, sys
state = json.load(open(sys.argv[1]))
links = state["links"]
if links["v1"] or links["v2"] or links["link_security_groups"] or state["integrations"]:
    sys.exit(f"teardown left {links} and {len(state['integrations'])} integrations")
EOF_PY
left=$("$python" tests/scenarios/foreign_resources.py ours)
[ -z "$left" ] || fail "teardown left tagged resources: $left"

step "every call the collection's roles made on this path is allowed by policies/ (tools/iam_policies.py --allowed-only)"
"$python" tools/iam_policies.py check --allowed-only --record-from "$AWS_ENDPOINT_URL" | sed 's/^/    /'

echo "private_integration: passed in $(($(date +%s) - started)) s"
