#!/usr/bin/env bash
# Scenario: the gateway's policy of inventories/local (issue 11's "done when"), against the emulator at
# $AWS_ENDPOINT_URL (fresh; the caller starts it, e.g.
# tools/with-emulator.sh 127.0.0.1 5196 tests/scenarios/governance.sh):
# - a cold converge at -vvv verifies every hop (the governance ones included) and its output holds no
#   partner's API key value;
# - a second run changes nothing and deploys nothing;
# - a change of one partner's quota changes exactly that usage plan (one changed task) and deploys nothing;
# - removing a partner removes its key and plan, and nothing else;
# - a custom domain (an imported certificate) maps to the stage, prints its URL and verifies;
# - teardown leaves nothing tagged (the keys, plans, web ACL, log group and role included);
# - every call of the collection's least-privilege roles is allowed by policies/.
set -euo pipefail
started=$(date +%s)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the emulator (tools/with-emulator.sh does)}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "governance: AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is not a local emulator" >&2; exit 1 ;;
esac
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
python=${PYTHON:-python}
work=$(mktemp -d "${TMPDIR:-/tmp}/governance.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "=== governance: $*"; }
fail() { echo "governance: FAILED: $*" >&2; exit 1; }
check="$root/tests/scenarios/governance_check.py"

# $1: log name, then ansible-playbook arguments. Fails unless site.yml passes.
converge() {
  local name=$1
  shift
  # The verifier's report goes to a directory of this run: other lanes converge inventories/local side by
  # side, and a report they rewrite would count as a change here.
  if ! ansible-playbook -i inventories/local playbooks/site.yml -e "verify_report_dir=$work/reports" "$@" \
    >"$work/$name.log" 2>&1; then
    tail -40 "$work/$name.log" >&2
    fail "site.yml ($name) failed"
  fi
}

# $1: log name; $2: the changed count the gateway host must show. The providers change nothing.
changed_on_gateway() {
  local recap
  recap=$(grep -E '^[a-z-]+ +: ok=' "$work/$1.log")
  if ! echo "$recap" | grep -E '^shared-services ' | grep -q "changed=$2 " ||
    echo "$recap" | grep -vE '^shared-services ' | grep -vq 'changed=0 '; then
    echo "$recap" >&2
    grep -B2 -E '^changed:' "$work/$1.log" | grep TASK >&2 || true
    fail "$1: expected changed=$2 on the gateway and 0 elsewhere"
  fi
}

step "cold converge at -vvv: every hop verifies, the governance ones included"
converge cold -vvv
grep -qE "cards \(/cards, provider cards\): ok \([0-9]+ hops checked\) auth=CUSTOM key=fintech-a,fintech-b" "$work/cold.log" ||
  fail "the verifier's line for cards does not say who may call it"

step "no partner's API key value in the -vvv output"
"$python" "$check" secrets "$work/cold.log" | sed 's/^/    /'

step "second run: nothing changed, no new deployment"
"$python" "$check" state >"$work/before.json"
converge again
changed_on_gateway again 0
"$python" "$check" state >"$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "the second run changed $(diff "$work/before.json" "$work/after.json")"

step "one partner's quota: exactly that usage plan changes, nothing is deployed"
cat >"$work/quota.json" <<'EOF_JSON'
{"api_publish_partners": [
  {"name": "fintech-a", "services": ["cards", "card-limits"], "quota": {"limit": 100000, "period": "MONTH"},
   "throttle": {"rate_limit": 50, "burst_limit": 100}},
  {"name": "fintech-b", "services": ["cards"], "quota": {"limit": 2000, "period": "DAY"},
   "throttle": {"rate_limit": 5, "burst_limit": 10}}]}
EOF_JSON
converge quota -e "@$work/quota.json"
changed_on_gateway quota 1
grep -B2 -E '^changed:' "$work/quota.log" | grep -q "usage plans" || fail "the changed task is not the partners' one"
"$python" "$check" state >"$work/quota.json.state"
"$python" - "$work/after.json" "$work/quota.json.state" <<'EOF_PY'
import json, sys
before, after = (json.load(open(path)) for path in sys.argv[1:3])
if after["deployments"] != before["deployments"]:
    sys.exit(f"deployments {before['deployments']} -> {after['deployments']}")
changed = sorted(name for name in before["plans"] if before["plans"][name] != after["plans"].get(name))
if changed != ["open-banking-fintech-b"] or after["plans"]["open-banking-fintech-b"]["quota"]["limit"] != 2000:
    sys.exit(f"changed plans {changed}: {after['plans']}")
EOF_PY

step "a partner leaves: its key and plan go, nothing else"
cat >"$work/one.json" <<'EOF_JSON'
{"api_publish_partners": [
  {"name": "fintech-a", "services": ["cards", "card-limits"], "quota": {"limit": 100000, "period": "MONTH"},
   "throttle": {"rate_limit": 50, "burst_limit": 100}}]}
EOF_JSON
converge leave -e "@$work/one.json"
# The partners' task, and the verifier's report (its "who can call" section lists the partners).
changed_on_gateway leave 2
if ! { [ "$(grep -B2 -E '^changed:' "$work/leave.log" | grep -c TASK)" = 2 ] &&
  grep -B2 -E '^changed:' "$work/leave.log" | grep -q "usage plans" &&
  grep -B2 -E '^changed:' "$work/leave.log" | grep -q "write the report"; }; then
  fail "the changed tasks are not the partners' one and the report"
fi
"$python" "$check" state >"$work/leave.json"
"$python" - "$work/leave.json" <<'EOF_PY'
import json, sys
state = json.load(open(sys.argv[1]))
if state["keys"] != ["open-banking-fintech-a"] or sorted(state["plans"]) != ["open-banking-fintech-a"]:
    sys.exit(f"left: keys {state['keys']}, plans {sorted(state['plans'])}")
EOF_PY

step "a custom domain: mapped to the stage, its URL printed, the domain hop verified; then again: nothing changes"
certificate=$("$python" tests/scenarios/link_watch.py certificate api.open-banking.example)
printf '{"api_publish_domain": {"name": "api.open-banking.example", "certificate_arn": "%s"}}\n' "$certificate" \
  >"$work/domain.json"
converge domain -e "@$work/one.json" -e "@$work/domain.json"
grep -q "Custom domain: https://api.open-banking.example serves stage v1" "$work/domain.log" ||
  fail "the domain's URL is not printed"
grep -q "domain ok" "$work/reports/path-verify.md" || fail "the report does not show the domain hop ok"
converge domain-again -e "@$work/one.json" -e "@$work/domain.json"
changed_on_gateway domain-again 0

step "teardown: nothing tagged is left (keys, plans, domain, web ACL, log group and role included)"
if ! ansible-playbook -i inventories/local playbooks/teardown.yml -e "@$work/domain.json" >"$work/teardown.log" 2>&1; then
  tail -40 "$work/teardown.log" >&2
  fail "teardown failed"
fi
left=$("$python" tests/scenarios/foreign_resources.py ours)
[ -z "$left" ] || fail "teardown left tagged resources: $left"

step "every call the collection's roles made is allowed by policies/ (tools/iam_policies.py --allowed-only)"
"$python" tools/iam_policies.py check --allowed-only --record-from "$AWS_ENDPOINT_URL" | sed 's/^/    /'

echo "governance: passed in $(($(date +%s) - started)) s"
