#!/usr/bin/env bash
# Scenario: bad input and misuse are stopped before any AWS write. Against inventories/local (copied
# and given one defect at a time) and the emulator at $AWS_ENDPOINT_URL (fresh; the caller starts
# it, e.g. tools/with-emulator.sh 127.0.0.1 5190 tests/scenarios/safety.sh).
#
# 1. site.yml with one defect per run, each found only by reading AWS or across hosts: two providers
#    in one account, a well-formed Availability Zone that does not exist, an unknown region, a typo of
#    an optional key, a well-formed provider_vpc_id that does not exist. Each run fails naming the
#    host and the field, and the emulator has served no write (only STS and reads).
# Then a role of the collection reused by FQCN in a playbook of one's own (README: Reusing the roles):
# 2. play 1 as in site.yml (preflight, account_credentials), then multiaccount.apigateway.provider_vpc
#    in a play WITHOUT the account's module_defaults: the role's identity guard fails on every
#    provider, naming the account the task would act in and the host's, and the emulator has served
#    no write at all (only STS and reads);
# 3. the same play with the module_defaults, in check mode: the guard passes on the controller
#    (verified_by account_credentials: no module run) and the role runs.
# 4. site.yml in check mode before anything exists: it gets through every play and writes nothing.
# 5. once converged, teardown.yml in check mode: each step counts what the steps before it would have
#    deleted as gone (check_mode_gone), so the dry run gets through every play, says it would delete
#    the gateway's and the providers' subnets and VPCs, and writes nothing.
set -euo pipefail
started=$(date +%s)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the emulator (tools/with-emulator.sh does)}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "safety: AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is not a local emulator" >&2; exit 1 ;;
esac
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
python=${PYTHON:-python}
work=$(mktemp -d "${TMPDIR:-/tmp}/safety.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "=== safety: $*"; }

# $1: "" (no module_defaults) or "wired"
write_playbook() {
  cat <<'EOF_PLAY'
---
- name: Plan every account and get its credentials, as play 1 of site.yml does
  hosts: all
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Plan
      ansible.builtin.import_role:
        name: multiaccount.apigateway.preflight
    - name: Credentials
      ansible.builtin.import_role:
        name: multiaccount.apigateway.account_credentials

- name: Reuse provider_vpc in a play of one's own
  hosts: providers
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
EOF_PLAY
  if [ "$1" = wired ]; then
    cat <<'EOF_PLAY'
  module_defaults:
    group/multiaccount.apigateway.aws: "{{ account_credentials_module_defaults }}"
EOF_PLAY
  fi
  cat <<'EOF_PLAY'
  tasks:
    - name: The provider VPC
      ansible.builtin.include_role:
        name: multiaccount.apigateway.provider_vpc
EOF_PLAY
}

reset_calls() { curl -sf -X DELETE "$AWS_ENDPOINT_URL/moto-api/emulator/calls" >/dev/null; }
# Fails unless the emulator served no write since reset_calls; prints what it served.
no_writes() {
  curl -sf "$AWS_ENDPOINT_URL/moto-api/emulator/calls" >"$work/calls.json"
  "$python" - "$work/calls.json" "$1" <<'EOF_PY'
import json, sys
counts = json.load(open(sys.argv[1]))["calls"]
reads = ("Describe", "Get", "List", "GET ")  # query APIs by action name, REST APIs (API Gateway) by verb
writes = {k: n for k, n in counts.items() if k != "sts:AssumeRole" and not k.split(":", 1)[1].startswith(reads)}
print(f"  emulator calls: {sum(counts.values())} ({', '.join(f'{k} {n}' for k, n in counts.items()) or 'none'}); writes: {sum(writes.values())}")
if writes:
    sys.exit(f"safety: {sys.argv[2]}: writes were made: {writes}")
EOF_PY
}

# One defect: $1 label, $2 host whose host_vars change, $3 Python that edits `values` (the host's
# variables), then the texts the failure must contain.
defect() {
  local label=$1 host=$2 edit=$3
  shift 3
  step "bad inventory: $label"
  rm -rf "$work/inventory" && cp -r inventories/local "$work/inventory"
  "$python" - "$work/inventory/host_vars/$host.yml" "$edit" <<'EOF_PY'
import sys, yaml
path, edit = sys.argv[1], sys.argv[2]
values = yaml.safe_load(open(path))
exec(edit)
yaml.safe_dump(values, open(path, "w"), sort_keys=False)
EOF_PY
  reset_calls
  if ansible-playbook -i "$work/inventory" playbooks/site.yml >"$work/defect.log" 2>&1; then
    cat "$work/defect.log"; echo "safety: $label: site.yml succeeded" >&2; exit 1
  fi
  for text in "$@"; do
    grep -qF -- "$text" "$work/defect.log" ||
      { tail -n 40 "$work/defect.log"; echo "safety: $label: the failure does not say: $text" >&2; exit 1; }
  done
  # The line that says it (its last text).
  grep -m1 -F -- "${*: -1}" "$work/defect.log" | sed 's/^ */  /' | cut -c1-240
  no_writes "$label"
}

defect "two providers in one account" cards 'values["aws_account_id"] = "222222222222"' \
  "cards: aws_account_id: 222222222222 is also the account of payments"
defect "an Availability Zone that does not exist" shared-services 'values["shared_gateway_subnets"][1]["az"] = "us-east-1z"' \
  "shared-services: shared_gateway_subnets[1].az: Availability Zone us-east-1z does not exist in us-east-1"
defect "an unknown region" cards 'values["aws_region"] = "us-nowhere-9"' \
  "cards: aws_region: us-nowhere-9 is not a region the AWS SDK of the controller knows"
defect "a typo of an optional key" shared-services 'values["shared_gateway_nlb_stratgy"] = values.pop("shared_gateway_nlb_strategy")' \
  "shared-services: shared_gateway_nlb_stratgy: is not a variable of multiaccount.apigateway; did you mean shared_gateway_nlb_strategy?"
defect "a provider_vpc_id that does not exist" payments 'values["provider_vpc_id"] = "vpc-0123456789abcdef0"' \
  "payments: provider_vpc_id: no VPC vpc-0123456789abcdef0 in this account in us-east-1"

step "provider_vpc reused without module_defaults"
write_playbook "" >"$work/naive.yml"
reset_calls
if ansible-playbook -i inventories/local "$work/naive.yml" >"$work/naive.log" 2>&1; then
  cat "$work/naive.log"; echo "safety: the play without module_defaults succeeded" >&2; exit 1
fi
for host in payments cards; do
  grep -qE "^fatal: \[$host\]" "$work/naive.log" ||
    { cat "$work/naive.log"; echo "safety: $host did not fail" >&2; exit 1; }
done
grep -q "not in the host's aws_account_id" "$work/naive.log" ||
  { cat "$work/naive.log"; echo "safety: no failure names the host's account" >&2; exit 1; }
grep -q 'group/multiaccount.apigateway.aws: "{{ account_credentials_module_defaults }}"' "$work/naive.log" ||
  { cat "$work/naive.log"; echo "safety: the failure does not say how to wire the credentials" >&2; exit 1; }
grep -m1 -A1 "^    msg:" "$work/naive.log" | cut -c1-240
no_writes "role reuse without module_defaults"

step "provider_vpc reused with module_defaults, check mode"
write_playbook wired >"$work/wired.yml"
ansible-playbook -i inventories/local "$work/wired.yml" --check -v >"$work/wired.log" 2>&1 ||
  { cat "$work/wired.log"; echo "safety: the wired play failed" >&2; exit 1; }
verified=$(grep -cE 'verified_by"?: "?account_credentials' "$work/wired.log" || true)
[ "$verified" -eq 2 ] ||
  { cat "$work/wired.log"; echo "safety: the guard ran the module ($verified of 2 answered on the controller)" >&2; exit 1; }
tail -n 5 "$work/wired.log"

# Nothing exists yet in any account (the defects above failed before any write): a dry run of the whole
# converge on the governed inventory must get through every play, the REST API's policy included, and write nothing.
step "a dry run of site.yml before anything exists (--check): it succeeds and writes nothing"
reset_calls
ansible-playbook -i inventories/local playbooks/site.yml --check >"$work/dry.log" 2>&1 ||
  { tail -n 40 "$work/dry.log"; echo "safety: the dry run of site.yml failed" >&2; exit 1; }
grep -E '^[a-z-]+ +: ok=' "$work/dry.log" | sed 's/^/  /'
no_writes "dry run of site.yml"

step "a dry run of teardown.yml once converged (--check): it gets through every step and writes nothing"
ansible-playbook -i inventories/local playbooks/site.yml >"$work/converge.log" 2>&1 ||
  { tail -n 40 "$work/converge.log"; echo "safety: the converge failed" >&2; exit 1; }
reset_calls
ansible-playbook -i inventories/local playbooks/teardown.yml --check >"$work/teardown-dry.log" 2>&1 ||
  { tail -n 60 "$work/teardown-dry.log"; echo "safety: the dry run of teardown.yml failed" >&2; exit 1; }
grep -E '^[a-z-]+ +: ok=' "$work/teardown-dry.log" | sed 's/^/  /'
no_writes "dry run of teardown.yml"
# The last steps, which the first ones used to stop: each would delete the VPC of its account.
for expected in \
  'shared-services.*Delete the gateway route tables, subnets and VPC' \
  'payments.*Delete the subnets and the VPC this role created' \
  'cards.*Delete the subnets and the VPC this role created'; do
  "$python" - "$work/teardown-dry.log" "$expected" <<'EOF_PY' || { tail -n 60 "$work/teardown-dry.log"; exit 1; }
import re, sys
log, expected = open(sys.argv[1]).read(), sys.argv[2]
host, task = expected.split(".*")
# The task's block of output: its TASK line up to the next TASK line; the host must be "changed" there.
blocks = re.findall(r"^TASK \[[^\]]*" + re.escape(task) + r"[^\]]*\].*?(?=^TASK |^PLAY )", log, re.M | re.S)
if not any(re.search(r"^changed: \[" + re.escape(host) + r"\]", block, re.M) for block in blocks):
    sys.exit(f"safety: the dry run of teardown.yml does not say {host} would run '{task}' (changed)")
print(f"  {host}: would run '{task}'")
EOF_PY
done
echo "safety: passed in $(($(date +%s) - started)) s"
