#!/usr/bin/env bash
# Smoke test of the collection on the other Ansible releases we claim to support, each in a
# virtualenv of its own (.cache/compat/<label>): ansible-test sanity, the unit tests of the plugins,
# one converge of inventories/local followed by a no-op re-run that must report changed=0, against the emulator at
# $AWS_ENDPOINT_URL (fresh; the caller starts it, e.g. tools/with-emulator.sh 127.0.0.1 5015 ...).
#
# Which releases:
#   newest   the newest `ansible` package on the package index, with the collections it bundles
#            (amazon.aws, community.aws), when it is newer than the pin in requirements/dev.txt;
#            when the pin is the newest, the script says so and skips it (nothing newer to prove).
#   minimum  the newest patch release of the lowest ansible-core that meta/runtime.yml accepts
#            (requires_ansible), with the amazon.aws / community.aws of the pinned `ansible`
#            package (they declare the same lower bound).
# COMPAT_RELEASES="newest minimum" (default) selects them; COMPAT_SKIP_SANITY=1 skips sanity, and
# COMPAT_SANITY_TESTS names the ansible-test sanity tests to run (default: the version-dependent ones).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)
: "${AWS_ENDPOINT_URL:?the emulator URL; run through tools/with-emulator.sh}"
case "$AWS_ENDPOINT_URL" in
  http://127.*) ;;
  *) echo "compat_smoke: AWS_ENDPOINT_URL must be a loopback emulator, not $AWS_ENDPOINT_URL" >&2; exit 2 ;;
esac
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
pins="$root/requirements/dev.txt"
pin_of() { sed -n "s/^$1==//p" "$pins"; }
pinned_ansible=$(pin_of ansible)
pinned_core=$(pin_of ansible-core)
pinned_site="$root/.venv/lib/python3.11/site-packages/ansible_collections"
# --no-compile: a release of the ansible package bundles every collection; compileall below compiles
# only what is used.
pip_quiet=(--quiet --disable-pip-version-check --no-compile)
COMPAT_SANITY_TESTS=${COMPAT_SANITY_TESTS:-validate-modules ansible-doc import compile action-plugin-docs runtime-metadata yamllint changelog}

# Newest release of a package on the index (pip index prints "name (version)" first).
newest_on_index() {
  "$root/.venv/bin/pip" index versions "$1" --disable-pip-version-check 2>/dev/null | sed -n '1s/.*(\(.*\))/\1/p'
}
# Newest patch of a major.minor series of ansible-core on the index.
newest_patch() {
  "$root/.venv/bin/pip" index versions ansible-core --disable-pip-version-check 2>/dev/null |
    sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ' | grep -E "^${1//./\\.}\.[0-9]+$" | head -n 1
}
# Newer of two versions (sort -V), to compare the index with the pin.
newer() { printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1; }

# One release: $1 label, $2 pip requirement for Ansible, $3 "bundled" or "pinned" collections.
smoke() {
  local label=$1 requirement=$2 collections=$3
  local venv="$root/.cache/compat/$label" tree core
  echo "=== compat $label: $requirement"
  if [ ! -x "$venv/bin/ansible-playbook" ] || [ "$(cat "$venv/.requirement" 2>/dev/null)" != "$requirement" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # Everything but Ansible itself (and resolvelib, whose range follows ansible-core) at the versions
    # of the pinned development closure.
    grep -vE '^(ansible|ansible-core|ansible-lint|ansible-compat|molecule|molecule-plugins|resolvelib)==' "$pins" >"$venv/constraints.txt"
    "$venv/bin/pip" install "${pip_quiet[@]}" -c "$venv/constraints.txt" "$requirement" \
      boto3 botocore "moto[server]" pytest pytest-xdist PyYAML
    # Compiled here rather than by pip: all but the bundled collections this project does not use
    # (PYTHONDONTWRITEBYTECODE may be set, and then every process would compile its imports again).
    "$venv/bin/python" -m compileall -q -j 0 \
      -x 'site-packages/ansible_collections/(?!(amazon/aws|community/aws|ansible/posix)/)' \
      "$venv"/lib/python3*/site-packages >/dev/null
    echo "$requirement" >"$venv/.requirement"
  fi
  core=$("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)')
  echo "=== compat $label: ansible-core $core"
  # A collections tree of its own: this checkout, plus amazon.aws / community.aws of the pinned
  # ansible package when the release under test does not bundle them.
  tree="$venv/collections/ansible_collections"
  rm -rf "$venv/collections"
  mkdir -p "$tree/multiaccount" "$tree/amazon" "$tree/community"
  ln -s "$root" "$tree/multiaccount/apigateway"
  if [ "$collections" = pinned ]; then
    ln -s "$pinned_site/amazon/aws" "$tree/amazon/aws"
    ln -s "$pinned_site/community/aws" "$tree/community/aws"
  fi
  export ANSIBLE_COLLECTIONS_PATH="$venv/collections"

  if [ "${COMPAT_SKIP_SANITY:-0}" != 1 ]; then
    # The tests whose verdict depends on the ansible-core release (its documentation schema, its
    # module loader and import rules, its runtime.yml schema); the style linters (pylint, pep8 and
    # the others) judge the same code the same way and run in full on the pinned core (make sanity).
    echo "=== compat $label: sanity (ansible-test $core: ${COMPAT_SANITY_TESTS// /, })"
    local tests=() name
    for name in $COMPAT_SANITY_TESTS; do tests+=(--test "$name"); done
    SANITY_CORE=$core "$root/tools/sanity.sh" "${tests[@]}"
  fi

  # The tests of the plugins that use ansible-core's APIs (action, inventory, filter plugins and the
  # module_utils they share); the module tests (moto in-process) run on the pinned core, and this
  # release runs every module in the converge below.
  echo "=== compat $label: unit tests (action, inventory, module_utils, plugin_utils)"
  (cd "$root" && PYTHONPATH="$venv/collections" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/unit/plugins/action tests/unit/plugins/inventory tests/unit/plugins/module_utils \
    tests/unit/plugins/plugin_utils)

  echo "=== compat $label: a module of the collection runs in a child forked from the worker"
  local proof="$root/.cache/compat/$label-in-process.log"
  (cd "$root" && ANSIBLE_CONFIG="$root/ansible.cfg" "$venv/bin/ansible" localhost -c local -vvv \
    -m multiaccount.apigateway.vpc_link_info -a region=us-east-1 \
    -e 'ansible_python_interpreter={{ ansible_playbook_python }}') >"$proof" 2>&1 ||
    { tail -n 30 "$proof"; echo "compat $label: vpc_link_info failed (log: $proof)" >&2; return 1; }
  grep -h "the module runs" "$proof" | sed 's/^/    /'
  grep -q "runs in a child forked from the worker" "$proof" ||
    { echo "compat $label: the module did not run in a forked child (log: $proof)" >&2; return 1; }

  echo "=== compat $label: converge inventories/local, then a no-op re-run"
  curl -sf -X POST "$AWS_ENDPOINT_URL/moto-api/reset" >/dev/null
  local log="$root/.cache/compat/$label-converge.log"
  # The no-op re-run skips the verify play (read-only; the converge ran it).
  local skip=()
  for run in converge no-op; do
    [ "$run" = no-op ] && skip=(--skip-tags verify)
    (cd "$root" && PATH="$venv/bin:$PATH" ANSIBLE_CONFIG="$root/ansible.cfg" \
      "$venv/bin/ansible-playbook" -i inventories/local site.yml -e verify_report_dir="$venv/reports" \
      "${skip[@]}") >"$log" 2>&1 ||
      { tail -n 60 "$log"; echo "compat $label: $run failed (log: $log)" >&2; return 1; }
    tail -n 5 "$log"
    if [ "$run" = no-op ] && grep -E '^[a-z0-9_.-]+ +: ok=' "$log" | grep -vqE 'changed=0 '; then
      echo "compat $label: the no-op re-run changed something (log: $log)" >&2
      return 1
    fi
  done
  unset ANSIBLE_COLLECTIONS_PATH
  echo "=== compat $label: passed (ansible-core $core)"
}

releases=${COMPAT_RELEASES:-newest minimum}
for release in $releases; do
  case $release in
    newest)
      newest=$(newest_on_index ansible)
      if [ -z "$newest" ]; then
        echo "compat_smoke: cannot read the newest ansible release from the package index" >&2
        exit 1
      elif [ "$(newer "$newest" "$pinned_ansible")" = "$pinned_ansible" ]; then
        echo "=== compat newest: the newest ansible on the package index is the pinned $pinned_ansible" \
          "(ansible-core $pinned_core), which make test already runs; nothing newer to smoke"
      else
        smoke "ansible-$newest" "ansible==$newest" bundled
      fi
      ;;
    minimum)
      floor=$(sed -n 's/^requires_ansible: *"*>=\([0-9]*\.[0-9]*\).*/\1/p' "$root/meta/runtime.yml")
      patch=$(newest_patch "$floor")
      [ -n "$patch" ] || { echo "compat_smoke: no ansible-core $floor.x on the package index" >&2; exit 1; }
      smoke "ansible-core-$patch" "ansible-core==$patch" pinned
      ;;
    *) echo "compat_smoke: unknown release '$release' (newest, minimum)" >&2; exit 2 ;;
  esac
done
echo "compat_smoke: passed in $(($(date +%s) - started)) s"
