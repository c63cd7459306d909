#!/usr/bin/env bash
# Scenario: the collection as a user gets it. Build the tarball, check it holds only what works from an
# installed collection, install it, and from a directory outside this checkout, with no ansible.cfg and
# a copy of inventories/local as "my inventory", run the playbooks by FQCN against the emulator at
# $AWS_ENDPOINT_URL (fresh; the caller starts it, e.g. tools/with-emulator.sh 127.0.0.1 5175 ...):
#
#   multiaccount.apigateway.site      converge, cold, interrupted three times (issue 12): killed with
#                                     SIGKILL, as a lost controller, with its workers and modules, right
#                                     after it creates the load balancer (elasticloadbalancing:
#                                     CreateLoadBalancer), then, run again from what that left, right after
#                                     the VPC link (apigateway:POST /vpclinks) (these two runs limited to
#                                     the gateway account, which builds both from the plan alone), then after the REST API
#                                     (apigateway:POST /restapis) (tests/scenarios/interrupt.py; each killed
#                                     run must not have reached the next phase nor created again what an
#                                     earlier one created); then run a fourth time, to the end (its verify
#                                     play skipped: the next step runs it). No duplicates, nothing untagged:
#                                     every account holds exactly what one clean converge leaves, counted
#                                     kind by kind, ours or not (foreign_resources.py count)
#   multiaccount.apigateway.verify    verify every path, on its own
#   multiaccount.apigateway.teardown  remove everything (imported by a one-line playbook, as a project
#                                     of AWX / Automation Platform runs it): first with resources of
#                                     someone else planted inside our VPCs (tests/scenarios/
#                                     foreign_resources.py), which it must keep with their containers,
#                                     name, and fail; then again once they are gone, to the end; then
#                                     nothing of ours is left, tagged or not: nothing orphaned by the
#                                     killed converges either
#
# The interpreter: the first python3 (and python3.X) on PATH is a bare virtualenv without boto3, and the
# inventory copy does not set ansible_python_interpreter, so interpreter discovery would pick a Python
# that cannot run the AWS modules: the plays must pick the controller's Python (ansible_playbook_python)
# themselves. Then the user's override must win: ansible_python_interpreter set to that bare Python in
# the inventory (group_vars/all.yml) or with -e must be used, and fail with a message that names it.
# amazon.aws and community.aws come from the pinned `ansible` package of .venv (Galaxy is not reachable
# here, hence --no-deps). Last line: "install_tarball: passed in N s".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)
: "${AWS_ENDPOINT_URL:?the emulator URL; run through tools/with-emulator.sh}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "install_tarball: AWS_ENDPOINT_URL must be a loopback emulator, not $AWS_ENDPOINT_URL" >&2; exit 2 ;;
esac
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE
bin="$root/.venv/bin"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/install_tarball.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "install_tarball: FAILED: $*" >&2
  exit 1
}
step() { echo "=== install_tarball: $* (at $(($(date +%s) - started)) s)"; }

# No configuration from the checkout or the caller: an empty ansible.cfg, no ANSIBLE_* variables
# (the Makefile exports ANSIBLE_CONFIG), the installed collection only.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^ANSIBLE_' || true)
: >"$tmp/empty.cfg"
export ANSIBLE_CONFIG="$tmp/empty.cfg"
export ANSIBLE_COLLECTIONS_PATH="$tmp/collections"
export ANSIBLE_NOCOLOR=1

step "build the tarball"
"$bin/ansible-galaxy" collection build "$root" --output-path "$tmp/dist"
tarballs=("$tmp"/dist/multiaccount-apigateway-*.tar.gz)
[ "${#tarballs[@]}" -eq 1 ] && [ -f "${tarballs[0]}" ] || fail "expected one tarball in $tmp/dist, found: ${tarballs[*]}"
tarball=${tarballs[0]}
tar -tzf "$tarball" | sed 's:/$::' | sort >"$tmp/contents.txt"
echo "$(wc -l <"$tmp/contents.txt") entries in $(basename "$tarball")"

step "check the tarball holds only what works from an installed collection"
# Development only: the toolchain, the emulator and what needs it, the checkout's own configuration.
forbidden='^(tests|extensions|tools|benchmarks|requirements|reports|context|inventories/local|changelogs/fragments|\.[^/]+)(/|$)'
forbidden+='|^(Makefile|ansible\.cfg|site\.yml|execution-environment\.yml|pyproject\.toml)$|\.tar\.gz$|__pycache__|\.pyc$'
if grep -E "$forbidden" "$tmp/contents.txt" >"$tmp/forbidden.txt"; then
  sed 's/^/  /' "$tmp/forbidden.txt" >&2
  fail "the tarball ships development files (listed above): add them to build_ignore in galaxy.yml"
fi
for required in MANIFEST.json FILES.json README.md LICENSE meta/runtime.yml meta/execution-environment.yml \
  requirements.txt bindep.txt requirements.yml playbooks/site.yml playbooks/verify.yml playbooks/verify_paths.yml \
  playbooks/teardown.yml \
  plugins/modules/preflight.py plugins/module_utils/plan.py roles/account_credentials/tasks/main.yml \
  roles/preflight/meta/argument_specs.yml inventories/example/hosts.yml changelogs/changelog.yaml \
  policies/README.md policies/account-roles.cfn.yaml policies/gateway-deployer.json; do
  grep -qxF "$required" "$tmp/contents.txt" || fail "the tarball lacks $required"
done
# Every dependency range has an upper bound (a new major of amazon.aws / community.aws is untested).
tar -xzOf "$tarball" MANIFEST.json | "$bin/python" -c '
import json, sys
deps = json.load(sys.stdin)["collection_info"]["dependencies"]
assert deps, "MANIFEST.json names no dependencies"
for name, spec in sorted(deps.items()):
    assert "<" in spec, f"dependency {name} {spec!r} has no upper bound (galaxy.yml dependencies)"
    print(f"dependency {name} {spec}")
'

step "install it with ansible-galaxy (no ansible.cfg, outside the checkout)"
"$bin/ansible-galaxy" collection install "$tarball" -p "$tmp/collections" --no-deps
"$bin/ansible-galaxy" collection list >"$tmp/collections.txt" 2>&1
grep -E '^(# |multiaccount|amazon\.aws|community\.aws)' "$tmp/collections.txt" || true
# The installed copy, not the checkout (.venv/collections links the checkout for development).
grep -qF "# $tmp/collections/ansible_collections" "$tmp/collections.txt" || fail "ansible-galaxy does not list $tmp/collections"
if grep -qF "$root/.venv/collections" "$tmp/collections.txt"; then
  fail "the checkout's .venv/collections is on the collection path: the scenario would not run the installed copy"
fi
for name in amazon.aws community.aws; do
  grep -qE "^$name " "$tmp/collections.txt" || fail "$name is not found (it comes with the ansible package of .venv)"
done

step "a first python3 on PATH without boto3"
# A bare virtualenv (no site packages) named like every Python that discovery tries first.
"$bin/python" -m venv --without-pip "$tmp/bare"
bare="$tmp/bare/bin/python3"
for version in 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
  [ -e "$tmp/bare/bin/python$version" ] || ln -s python3 "$tmp/bare/bin/python$version"
done
if "$bare" -c 'import boto3' 2>/dev/null; then
  fail "$bare imports boto3: the scenario cannot prove the interpreter choice"
fi
export PATH="$tmp/bare/bin:$PATH"
[ "$(command -v python3)" = "$bare" ] || fail "python3 on PATH is $(command -v python3), not $bare"

step "copy inventories/local as the user's inventory, without ansible_python_interpreter"
mkdir -p "$tmp/work"
cp -r "$root/inventories/local" "$tmp/work/inventory"
# The checkout's inventory sets it for development; a user's inventory need not.
find "$tmp/work/inventory" -name '*.yml' -exec sed -i '/^ansible_python_interpreter:/d' {} +
if grep -rq 'ansible_python_interpreter' "$tmp/work/inventory"; then
  fail "the inventory copy still sets ansible_python_interpreter"
fi
cd "$tmp/work"
case "$PWD" in "$root"*) fail "the working directory $PWD is inside the checkout" ;; esac

# Without the plays' choice, discovery picks the bare Python (ad hoc, same inventory, no play vars).
"$bin/ansible" -i inventory payments -m ansible.builtin.setup -a 'gather_subset=!all,!min,python' >"$tmp/discovery.txt" 2>&1 ||
  { cat "$tmp/discovery.txt" >&2; fail "ad hoc setup on payments failed"; }
grep -qF "\"executable\": \"$tmp/bare/bin/python3" "$tmp/discovery.txt" ||
  { grep -F '"executable"' "$tmp/discovery.txt" >&2 || true; fail "interpreter discovery did not pick the bare Python; the scenario proves nothing"; }
echo "interpreter discovery alone picks $(grep -oE '"executable": "[^"]+"' "$tmp/discovery.txt")"

# Run an installed playbook; $1 is a log name, the rest the ansible-playbook arguments.
playbook() {
  local log="$tmp/$1.log"
  shift
  local rc=0
  "$bin/ansible-playbook" "$@" >"$log" 2>&1 || rc=$?
  return $rc
}

step "override: ansible_python_interpreter in the inventory (group_vars/all.yml) is honoured"
cp -r inventory inventory-override
printf 'ansible_python_interpreter: %s\n' "$bare" >>inventory-override/group_vars/all.yml
for run in inventory extra-vars; do
  if [ "$run" = inventory ]; then
    args=(-i inventory-override multiaccount.apigateway.site)
  else
    args=(-i inventory multiaccount.apigateway.site -e "ansible_python_interpreter=$bare")
  fi
  if playbook "override-$run" "${args[@]}"; then
    tail -n 20 "$tmp/override-$run.log" >&2
    fail "override ($run): the run succeeded although ansible_python_interpreter is a Python without boto3"
  fi
  # The clear message of account_credentials, naming the interpreter: the assume-role call (no_log,
  # its answer carries credentials) fails censored, and its rescue says why.
  if ! grep -qF "cannot import boto3 and botocore" "$tmp/override-$run.log" ||
    ! grep -qF "$bare" "$tmp/override-$run.log"; then
    tail -n 30 "$tmp/override-$run.log" >&2
    fail "override ($run): no failure naming $bare and boto3"
  fi
  if ! grep -qE "rescued=1 " "$tmp/override-$run.log"; then
    tail -n 30 "$tmp/override-$run.log" >&2
    fail "override ($run): the failure did not go through the rescue of the assume-role call"
  fi
  grep -m1 -oE "[a-z-]+: the Python interpreter that runs this account's AWS modules, [^ ]+" "$tmp/override-$run.log" || true
done
echo "override honoured in the inventory and with -e; the failure names the interpreter"

# A converge killed hard (SIGKILL to ansible-playbook, its workers and the modules they run: a lost
# controller) right after the emulator served the call named first, must not have made the calls named
# after it: those of a later phase, and those that would create again what an earlier killed run created.
# Its temporary files stay under $tmp. The write calls it made are printed (tests/scenarios/interrupt.py).
interrupt=("$bin/python" "$root/tests/scenarios/interrupt.py" --timeout 300 --interval 0.05)
foreign=("$bin/python" "$root/tests/scenarios/foreign_resources.py")
killed=0
# $1: the call to kill at, $2: the hosts the run is limited to, the rest: calls it must not have made.
converge_killed_after() {
  local call=$1 limit=$2 later
  shift 2
  killed=$((killed + 1))
  local args=(--call "$call" --log "$tmp/site-killed-$killed.log")
  for later in "$@"; do args+=(--not-reached "$later"); done
  ANSIBLE_LOCAL_TEMP="$tmp/ansible-tmp" ANSIBLE_REMOTE_TEMP="$tmp/ansible-tmp" "${interrupt[@]}" "${args[@]}" -- \
    "$bin/ansible-playbook" -i inventory multiaccount.apigateway.site --skip-tags verify --limit "$limit" ||
    { tail -n 20 "$tmp/site-killed-$killed.log" >&2; fail "converge $killed, to be killed right after $call: interrupt.py says why (above)"; }
}
nlb='elasticloadbalancing:CreateLoadBalancer' link='apigateway:POST /vpclinks' api='apigateway:POST /restapis'

# The load balancer and the VPC link come from the gateway's plan only (play 2 runs it next to the
# providers' plays): the first two runs are limited to the gateway account, to spare the test suite two
# provider converges; the third needs the providers (the peerings come before the REST API).
step "converge 1 (gateway account), killed right after it creates the load balancer (before any VPC link or REST API)"
converge_killed_after "$nlb" shared-services "$link" "$api"
step "converge 2 (gateway account), from what 1 left, killed right after it creates the VPC link (the load balancer not again, no REST API)"
converge_killed_after "$link" shared-services "$nlb" "$api"
step "converge 3 (every account), from what 2 left, killed right after it creates the REST API (the load balancer and the VPC link not again)"
converge_killed_after "$api" all "$nlb" "$link"

step "converge 4: multiaccount.apigateway.site from what 3 left, to the end (--skip-tags verify: a later step verifies)"
playbook site -i inventory multiaccount.apigateway.site --skip-tags verify ||
  { tail -n 40 "$tmp/site.log" >&2; fail "multiaccount.apigateway.site failed (log above)"; }
sed -n '/PLAY RECAP/,$p' "$tmp/site.log"
if grep -qE 'failed=[1-9]|unreachable=[1-9]' "$tmp/site.log"; then fail "multiaccount.apigateway.site reports failed hosts"; fi
for host in shared-services payments cards; do
  grep -qE "^$host +: ok=[1-9]" "$tmp/site.log" || fail "multiaccount.apigateway.site did not run on $host"
done

step "no duplicates, nothing untagged: exactly what one clean converge of this inventory leaves, in every account"
# Every resource of each kind, ours or not (AWS's defaults aside), and how many carry ManagedBy: the
# numbers of a clean cold converge of inventories/local (update them with the inventory).
"${foreign[@]}" count >"$tmp/count.txt" || fail "could not count the resources"
cat >"$tmp/count-expected.txt" <<'EOF_COUNT'
111111111111 vpc all=1 ours=1
111111111111 subnet all=2 ours=2
111111111111 route-table all=1 ours=1
111111111111 security-group all=0 ours=0
111111111111 instance all=0 ours=0
111111111111 peering all=2 ours=2
111111111111 load-balancer all=1 ours=1
111111111111 listener all=3 ours=3
111111111111 target-group all=3 ours=3
111111111111 vpc-link all=1 ours=1
111111111111 rest-api all=1 ours=1
111111111111 rest-api-resource all=7 ours=-
111111111111 stage all=1 ours=-
222222222222 vpc all=1 ours=1
222222222222 subnet all=1 ours=1
222222222222 route-table all=0 ours=0
222222222222 security-group all=1 ours=1
222222222222 instance all=1 ours=1
222222222222 peering all=1 ours=1
333333333333 vpc all=1 ours=1
333333333333 subnet all=2 ours=2
333333333333 route-table all=0 ours=0
333333333333 security-group all=2 ours=2
333333333333 instance all=2 ours=2
333333333333 peering all=1 ours=1
EOF_COUNT
diff -u "$tmp/count-expected.txt" "$tmp/count.txt" ||
  fail "the interrupted converges and their re-run left other resources than one clean converge (diff above)"
echo "as after one clean converge: 1 load balancer, 3 listeners, 3 target groups, 1 VPC link, 1 REST API, every VPC and security group once"

step "verify every path: multiaccount.apigateway.verify"
playbook verify -i inventory multiaccount.apigateway.verify ||
  { tail -n 40 "$tmp/verify.log" >&2; fail "multiaccount.apigateway.verify failed (log above)"; }
sed -n '/PLAY RECAP/,$p' "$tmp/verify.log"
[ -s reports/path-verify.md ] || fail "the verify play wrote no reports/path-verify.md under the working directory"

step "plant resources of someone else inside the collection's VPCs (gateway: a security group, a target group, an internet gateway and a route to it in our route table; cards: an instance in our subnet)"
"${foreign[@]}" plant >"$tmp/planted.json" || fail "could not plant the foreign resources"

step "teardown: multiaccount.apigateway.teardown, from a one-line project playbook (as an AWX job template runs it); it must keep what holds them, name them and fail"
cat >teardown.yml <<'EOF_PLAYBOOK'
---
- name: Remove what multiaccount.apigateway created
  ansible.builtin.import_playbook: multiaccount.apigateway.teardown
EOF_PLAYBOOK
rc=0
playbook teardown-kept -i inventory teardown.yml || rc=$?
sed -n '/PLAY RECAP/,$p' "$tmp/teardown-kept.log"
[ "$rc" -ne 0 ] || fail "the teardown succeeded although resources of someone else are inside its VPCs"
for named in 'security group sg-[0-9a-f]+ \(legacy-db\)' 'target group legacy-tg' 'route 0\.0\.0\.0/0 -> igw-[0-9a-f]+' \
  'internet gateway igw-[0-9a-f]+ \(attached\)' 'network interface eni-[0-9a-f]+ \([^)]*instance i-[0-9a-f]+\)' 'teardown is not complete'; do
  grep -qE "$named" "$tmp/teardown-kept.log" ||
    { tail -n 40 "$tmp/teardown-kept.log" >&2; fail "the failed teardown does not name: $named"; }
done
grep -oE 'kept [^:]+: they hold' "$tmp/teardown-kept.log" | sort -u
"${foreign[@]}" check "$tmp/planted.json" || fail "the teardown touched a foreign resource"
# What stays of ours: exactly the containers that hold them (gateway VPC and route table, cards VPC and
# the one subnet with the instance); the rest went (gateway subnets, cards' other subnet, payments).
"${foreign[@]}" ours | sed -E 's/vpc-[0-9a-f]+/vpc-x/' >"$tmp/ours-kept.txt"
printf '%s\n' '111111111111 route-table' '111111111111 vpc vpc-x' '333333333333 subnet 10.1.1.0/24' '333333333333 vpc vpc-x' \
  >"$tmp/ours-expected.txt"
diff -u "$tmp/ours-expected.txt" "$tmp/ours-kept.txt" || fail "the teardown kept other resources than the containers of the foreign ones (diff above)"

step "their owner removes them; the teardown runs again and finishes"
"${foreign[@]}" remove "$tmp/planted.json"
playbook teardown -i inventory teardown.yml ||
  { tail -n 40 "$tmp/teardown.log" >&2; fail "multiaccount.apigateway.teardown failed (log above)"; }
sed -n '/PLAY RECAP/,$p' "$tmp/teardown.log"
left=$("${foreign[@]}" ours)
[ -z "$left" ] || fail "still tagged after the teardown: $left"
# Nor anything untagged: no load balancer, VPC link, REST API... of a killed converge that no run found again.
left=$("${foreign[@]}" count | grep -v ' all=0 ' || true)
[ -z "$left" ] || fail "still there after the teardown: $left"

echo "install_tarball: passed in $(($(date +%s) - started)) s"
