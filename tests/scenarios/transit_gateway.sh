#!/usr/bin/env bash
# Scenario: Transit Gateway connectivity on inventories/local (without the gateway's policy) plus a third
# provider account (loans, 444444444444, us-east-1): a new installation directly on transit_gateway, then
# transit_gateway -> peering, one provider alone to transit_gateway (provider_connectivity), a switch of
# the others interrupted after they attached (the gateway's accept skipped: their peerings still carry
# their paths) and completed by the next run, one provider back to peering and again to transit_gateway
# while the others stay, a provider leaving (provider_state: absent), teardown.
# Against the emulator at $AWS_ENDPOINT_URL (fresh; the caller starts it, e.g. tools/with-emulator.sh
# 127.0.0.1 5195 tests/scenarios/transit_gateway.sh).
#
# Every converge runs site.yml (it ends with the verifier: a broken hop fails the run). During each
# switch, tests/scenarios/path_watch.py samples every 0.5 s the route the gateway route table takes to
# each provider's target and the routes back from the target's subnet, and records any route through a
# peering that is not active or through the Transit Gateway without an available, associated
# attachment and a TGW route on each side: there must be none (and it must see loans' return routes
# deleted by hand, which the next converge puts back). After each switch: what is in place (Transit Gateway, attachments, peerings) is the
# new mode's only - cards (us-west-2) stays on its peering, as a Transit Gateway is regional - and a
# second run changes nothing. A dry run (--check) of a switch changes nothing. Teardown leaves nothing
# tagged (Transit Gateway, its route tables and attachments, the RAM share included), and every call
# the collection's least-privilege roles made is allowed by their policies (policies/).
set -euo pipefail
started=$(date +%s)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the emulator (tools/with-emulator.sh does)}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "transit_gateway: AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is not a local emulator" >&2; exit 1 ;;
esac
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
python=${PYTHON:-python}
work=$(mktemp -d "${TMPDIR:-/tmp}/transit_gateway.XXXXXX")
watcher=""
cleanup() {
  if [ -n "$watcher" ]; then
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "=== transit_gateway: $*"; }
fail() { echo "transit_gateway: FAILED: $*" >&2; exit 1; }
watch="$root/tests/scenarios/path_watch.py"

# The inventory: inventories/local and a third provider in the gateway's region.
cp -r inventories/local "$work/inventory"
"$python" - "$work/inventory" <<'EOF_PY'
import sys, yaml
path = sys.argv[1]
hosts = yaml.safe_load(open(f"{path}/hosts.yml"))
hosts["all"]["children"]["providers"]["hosts"]["loans"] = {}
yaml.safe_dump(hosts, open(f"{path}/hosts.yml", "w"))
loans = {
    "aws_account_id": "444444444444",
    "aws_region": "us-east-1",
    "provider_vpc_cidr": "10.2.0.0/16",
    "provider_vpc_services": [{"name": "loans", "port": 8083, "path": "loans", "targets": ["10.2.1.10"]}],
}
yaml.safe_dump(loans, open(f"{path}/host_vars/loans.yml", "w"))
# Without the gateway's policy (tests/scenarios/governance.sh covers it): every converge here is about the network.
gateway = yaml.safe_load(open(f"{path}/host_vars/shared-services.yml"))
gateway = {k: v for k, v in gateway.items() if not k.startswith("api_publish_") or k in ("api_publish_name", "api_publish_stage")}
gateway["api_publish_default_authorization"] = "NONE"
yaml.safe_dump(gateway, open(f"{path}/host_vars/shared-services.yml", "w"))
for host in ("payments", "cards"):
    values = yaml.safe_load(open(f"{path}/host_vars/{host}.yml"))
    values["provider_vpc_services"] = [
        {k: v for k, v in service.items() if k in ("name", "port", "path", "targets")} for service in values["provider_vpc_services"]
    ]
    yaml.safe_dump(values, open(f"{path}/host_vars/{host}.yml", "w"))
EOF_PY
cat >"$work/providers.json" <<'EOF_JSON'
[{"name": "payments", "account": "222222222222", "region": "us-east-1", "target": "10.0.1.25"},
 {"name": "loans", "account": "444444444444", "region": "us-east-1", "target": "10.2.1.10"},
 {"name": "cards", "account": "333333333333", "region": "us-west-2", "target": "10.1.1.10"}]
EOF_JSON

# $1: connectivity, $2: log name; further arguments go to ansible-playbook. Fails unless site.yml passes.
converge() {
  local mode=$1 name=$2
  shift 2
  if ! ansible-playbook -i "$work/inventory" playbooks/site.yml -e "shared_gateway_connectivity=$mode" \
    -e "verify_report_dir=$work/reports" "$@" >"$work/$name.log" 2>&1; then
    tail -40 "$work/$name.log" >&2
    fail "site.yml with $mode ($name) failed"
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

# $1: connectivity, $2: log name. The switch, watched.
move() {
  "$python" "$watch" watch "$work/$2.watch.json" "$work/providers.json" &
  watcher=$!
  # The converge starts once the watcher has its first sample (seconds on a loaded machine).
  local started ended waited=0
  until [ -e "$work/$2.watch.json.ready" ]; do
    kill -0 "$watcher" 2>/dev/null || fail "the path watcher died before its first sample"
    [ "$waited" -lt 600 ] || fail "the path watcher took no sample in 60 s"
    sleep 0.1
    waited=$((waited + 1))
  done
  started=$(date +%s.%N)
  converge "$1" "$2"
  ended=$(date +%s.%N)
  kill "$watcher"
  wait "$watcher" || true
  watcher=""
  "$python" - "$work/$2.watch.json" "$1" "$started" "$ended" <<'EOF_PY'
import json, sys
summary = json.load(open(sys.argv[1]))
started, ended = float(sys.argv[3]), float(sys.argv[4])
# The samples cover the whole switch, however long the converge takes: the first before it started
# (the converge waited for it), the last within 10 s of its end, never 10 s without one (a sample
# reads every account: seconds, on a loaded machine).
first, last = summary.get("first", float("inf")), summary.get("last", 0.0)
if summary["samples"] < 3 or first > started or last < ended - 10 or summary.get("max_gap", 0) > 10:
    sys.exit(
        f"the samples do not cover the switch ({ended - started:.1f} s): {summary['samples']} samples, "
        f"first {first - started:+.1f} s, last {last - ended:+.1f} s "
        f"from its start and end, longest gap {summary.get('max_gap')} s ({summary.get('errors', [])[:2]})"
    )
if summary["broken"]:
    sys.exit(f"a path broke during the switch to {sys.argv[2]}: {summary['broken'][:3]}")
print(f"    {summary['samples']} samples during the switch to {sys.argv[2]}, no path broken; "
      f"targets seen {summary['targets_seen']}")
EOF_PY
}

# $1: connectivity; $2 (optional): the accounts on the Transit Gateway, comma-separated (default: every
# provider of the gateway's region with transit_gateway, none with peering). What exists is that only
# (cards, in another region, stays on peering in every mode).
in_place() {
  "$python" - "$1" "${2:-}" <<'EOF_PY'
import sys
sys.path.insert(0, "tests/scenarios")
from foreign_resources import GATEWAY, session
mode, accounts = sys.argv[1], sys.argv[2]
gw = session(*GATEWAY).client("ec2")
tgws = [t for t in gw.describe_transit_gateways()["TransitGateways"] if t["State"] not in ("deleted", "deleting")]
attachments = [
    a for a in gw.describe_transit_gateway_attachments()["TransitGatewayAttachments"]
    if a["State"] not in ("deleted", "deleting")
]
peerings = {
    p["AccepterVpcInfo"]["OwnerId"]: p["Status"]["Code"]
    for p in gw.describe_vpc_peering_connections()["VpcPeeringConnections"]
    if p["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")
}
problems = []
on_tgw = {"222222222222", "444444444444"} if mode == "transit_gateway" else set()
if accounts:
    on_tgw = set(accounts.split(","))
if on_tgw:
    if len(tgws) != 1:
        problems.append(f"{len(tgws)} transit gateways")
    owners = sorted(a["ResourceOwnerId"] for a in attachments if a["State"] == "available")
    if owners != sorted(["111111111111", *on_tgw]):
        problems.append(f"available attachments of {owners}")
    tables = [
        t for t in gw.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
        if t["State"] not in ("deleted", "deleting")
    ]
    spokes = [t for t in tables if any(tag["Value"] == "open-banking-tgw-providers" for tag in t.get("Tags") or [])]
    if len(spokes) != 1:
        problems.append(f"{len(spokes)} providers' route tables")
    else:
        routes = gw.search_transit_gateway_routes(
            TransitGatewayRouteTableId=spokes[0]["TransitGatewayRouteTableId"],
            Filters=[{"Name": "state", "Values": ["active", "blackhole"]}],
        )["Routes"]
        # Isolation: the providers' table knows the gateway VPC only.
        if sorted(r["DestinationCidrBlock"] for r in routes) != ["10.100.0.0/16"]:
            problems.append(f"the providers' TGW route table routes {[r['DestinationCidrBlock'] for r in routes]}")
elif tgws or attachments:
    problems.append(f"{len(tgws)} transit gateways and {len(attachments)} attachments left on peering")
expected = {account: "active" for account in ("222222222222", "333333333333", "444444444444") if account not in on_tgw}
if peerings != expected:
    problems.append(f"peerings {peerings}, expected {expected}")
if problems:
    sys.exit(f"after the switch to {mode}: " + "; ".join(problems))
print(f"    in place: {mode}; peerings {sorted(peerings)}; {len(tgws)} transit gateway(s), {len(attachments)} attachment(s)")
EOF_PY
}

step "a new installation directly on transit_gateway, three providers; then again: nothing changes"
converge transit_gateway cold
in_place transit_gateway
converge transit_gateway again-cold
unchanged again-cold

step "dry run of the switch to peering (--check): it changes nothing"
converge peering check --check
in_place transit_gateway

step "switch to peering, watched; then again: nothing changes"
move peering to-peering
in_place peering
converge peering again-peering
unchanged again-peering

step "one provider alone to transit_gateway (provider_connectivity: transit_gateway on loans), watched"
echo "provider_connectivity: transit_gateway" >>"$work/inventory/host_vars/loans.yml"
move peering loans-to-transit_gateway
in_place peering 444444444444
sed -i '/^provider_connectivity:/d' "$work/inventory/host_vars/loans.yml"

step "a switch of the others to transit_gateway that stops after they attached (the gateway's accept skipped): their peerings carry their paths"
converge transit_gateway interrupted --skip-tags gateway_routes,retire
"$python" "$watch" state "$work/providers.json" >"$work/interrupted.json"
"$python" - "$work/interrupted.json" <<'EOF_PY'
import json, sys
state = json.load(open(sys.argv[1]))
if state["broken"]:
    sys.exit(f"a path broke in the interrupted switch: {state['broken']}")
if state["targets"]["payments"] != ["pcx-"]:
    sys.exit(f"payments' routes left its peering before the Transit Gateway was ready: {state['targets']}")
print(f"    no path broken; payments' routes still take its peering: {state['targets']}")
EOF_PY
grep -q "pendingAcceptance" "$work/interrupted.log" || fail "the interrupted run did not leave an attachment waiting for the gateway"

step "switch to transit_gateway (completes the interrupted one), watched; then again: nothing changes"
move transit_gateway to-transit_gateway
in_place transit_gateway
converge transit_gateway again-transit_gateway
unchanged again-transit_gateway

step "one provider back to peering (provider_connectivity: peering on loans) while payments stays on transit_gateway, watched; then again: nothing changes; then loans back to transit_gateway, watched"
echo "provider_connectivity: peering" >>"$work/inventory/host_vars/loans.yml"
move transit_gateway loans-to-peering
in_place transit_gateway 222222222222
converge transit_gateway again-loans-peering
unchanged again-loans-peering
sed -i '/^provider_connectivity:/d' "$work/inventory/host_vars/loans.yml"
move transit_gateway loans-back-to-transit_gateway
in_place transit_gateway

step "the watcher sees a broken path: loans' return routes deleted by hand; a converge puts them back"
"$python" - <<'EOF_PY'
import sys
sys.path.insert(0, "tests/scenarios")
from foreign_resources import LOANS, session
ec2 = session(*LOANS).client("ec2")
for table in ec2.describe_route_tables()["RouteTables"]:
    for route in table["Routes"]:
        if route.get("TransitGatewayId") and route.get("DestinationCidrBlock", "").startswith("10.100."):
            ec2.delete_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=route["DestinationCidrBlock"])
EOF_PY
"$python" "$watch" state "$work/providers.json" >"$work/broken.json"
"$python" - "$work/broken.json" <<'EOF_PY'
import json, sys
broken = json.load(open(sys.argv[1]))["broken"]
if not [b for b in broken if b["provider"] == "loans" and b["direction"] == "back"]:
    sys.exit(f"the watcher did not see loans' missing return routes: {broken}")
if [b for b in broken if b["provider"] != "loans"]:
    sys.exit(f"the watcher saw more than loans broken: {broken}")
print(f"    the watcher reports {len(broken)} broken hop(s), all loans' way back: {broken[0]['why']}")
EOF_PY
converge transit_gateway repair
"$python" "$watch" state "$work/providers.json" >"$work/repaired.json"
"$python" -c 'import json, sys; b = json.load(open(sys.argv[1]))["broken"]; sys.exit(f"still broken: {b}" if b else 0)' \
  "$work/repaired.json"
echo "    a converge routed loans back through the Transit Gateway"

step "loans leaves (provider_state: absent) on transit_gateway: its attachment, share and routes go; then nothing changes"
echo "provider_state: absent" >>"$work/inventory/host_vars/loans.yml"
converge transit_gateway loans-leaves
converge transit_gateway again-loans-left
unchanged again-loans-left
"$python" - <<'EOF_PY'
import sys
sys.path.insert(0, "tests/scenarios")
from foreign_resources import GATEWAY, LOANS, session
gw = session(*GATEWAY)
attachments = [
    a for a in gw.client("ec2").describe_transit_gateway_attachments()["TransitGatewayAttachments"]
    if a["ResourceOwnerId"] == LOANS[0] and a["State"] not in ("deleted", "deleting")
]
routes = [
    r["DestinationCidrBlock"]
    for t in gw.client("ec2").describe_route_tables(Filters=[{"Name": "tag:Name", "Values": ["open-banking-gateway"]}])["RouteTables"]
    for r in t["Routes"]
    if r.get("DestinationCidrBlock", "").startswith("10.2.")
]
ram = gw.client("ram")
principals = [
    a["associatedEntity"]
    for s in ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] if s["status"] == "ACTIVE"
    for a in ram.get_resource_share_associations(associationType="PRINCIPAL", resourceShareArns=[s["resourceShareArn"]])["resourceShareAssociations"]
    if a["status"] in ("ASSOCIATED", "ASSOCIATING")
]
if attachments or routes or LOANS[0] in principals:
    sys.exit(f"loans left behind: attachments {attachments}, gateway routes {routes}, share principals {principals}")
print(f"    loans: no attachment, no gateway route, not a principal of the share ({principals})")
EOF_PY

# check mode deletes nothing: each step is told what the steps before it would have deleted (the
# providers' attachments and return routes among them), so the dry run gets through every play.
step "a dry run of the teardown on transit_gateway (--check): it succeeds and writes nothing"
curl -sf "$AWS_ENDPOINT_URL/moto-api/emulator/calls" >"$work/calls-before.json"
if ! ansible-playbook -i "$work/inventory" playbooks/teardown.yml -e shared_gateway_connectivity=transit_gateway --check \
  >"$work/teardown-dry.log" 2>&1; then
  tail -60 "$work/teardown-dry.log" >&2
  fail "the dry run of the teardown failed"
fi
curl -sf "$AWS_ENDPOINT_URL/moto-api/emulator/calls" >"$work/calls-after.json"
"$python" - "$work/calls-before.json" "$work/calls-after.json" <<'EOF_PY' || fail "the dry run of the teardown wrote"
import json, sys
before, after = (json.load(open(path))["calls"] for path in sys.argv[1:3])
reads = ("Describe", "Get", "List", "GET ")
writes = {k: n - before.get(k, 0) for k, n in after.items()
          if n != before.get(k, 0) and k != "sts:AssumeRole" and not k.split(":", 1)[1].startswith(reads)}
print(f"    dry run: {sum(after.values()) - sum(before.values())} calls, writes: {writes or 'none'}")
sys.exit(1 if writes else 0)
EOF_PY
grep -E '^[a-z-]+ +: ok=' "$work/teardown-dry.log" | sed 's/^/    /'

step "teardown on transit_gateway: nothing tagged is left"
if ! ansible-playbook -i "$work/inventory" playbooks/teardown.yml -e shared_gateway_connectivity=transit_gateway \
  >"$work/teardown.log" 2>&1; then
  tail -40 "$work/teardown.log" >&2
  fail "teardown failed"
fi
left=$("$python" tests/scenarios/foreign_resources.py ours)
[ -z "$left" ] || fail "teardown left tagged resources: $left"

step "every call the collection's roles made is allowed by policies/ (tools/iam_policies.py --allowed-only)"
"$python" tools/iam_policies.py check --allowed-only --record-from "$AWS_ENDPOINT_URL" | sed 's/^/    /'

echo "transit_gateway: passed in $(($(date +%s) - started)) s"
