#!/usr/bin/env bash
# Scenario: the execution environment for AWX / Ansible Automation Platform. There is no container
# engine here, so this checks everything up to the image build: `ansible-builder create` on
# execution-environment.yml (with the tarball of this checkout beside it, as the README says) writes a
# build context whose Containerfile installs ansible-core, the galaxy requirements and the collection,
# and whose _build/ holds requirements.yml, requirements.txt and bindep.txt of this checkout; then the
# introspection step of that Containerfile, run here on the installed collection (with amazon.aws and
# community.aws of the pinned `ansible` package), must merge the collection's own
# meta/execution-environment.yml: boto3, botocore and graphviz.
# Needs no AWS (it accepts the emulator the Makefile lanes start). Last line:
# "execution_environment: passed in N s".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)
bin="$root/.venv/bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/execution_environment.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "execution_environment: FAILED: $*" >&2
  exit 1
}
step() { echo "=== execution_environment: $* (at $(($(date +%s) - started)) s)"; }

while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^ANSIBLE_' || true)
: >"$tmp/empty.cfg"
export ANSIBLE_CONFIG="$tmp/empty.cfg" ANSIBLE_NOCOLOR=1

step "the definition, its requirement files and the collection tarball in one directory"
mkdir -p "$tmp/src"
cp "$root/execution-environment.yml" "$root/requirements.yml" "$root/requirements.txt" "$root/bindep.txt" "$tmp/src/"
"$bin/ansible-galaxy" collection build "$root" --output-path "$tmp/src"
tarball=$(cd "$tmp/src" && ls multiaccount-apigateway-*.tar.gz)

step "ansible-builder create"
"$bin/ansible-builder" create --file "$tmp/src/execution-environment.yml" --context "$tmp/context" \
  --output-filename Containerfile
ctx="$tmp/context"
containerfile="$ctx/Containerfile"
[ -s "$containerfile" ] || fail "no Containerfile in the build context"
find "$ctx" -type f | sed "s:^$ctx/:  :" | sort

step "the context holds this checkout's requirements and the tarball"
cmp "$root/requirements.yml" "$ctx/_build/requirements.yml" || fail "_build/requirements.yml is not requirements.yml"
cmp "$root/requirements.txt" "$ctx/_build/requirements.txt" || fail "_build/requirements.txt is not requirements.txt"
cmp "$root/bindep.txt" "$ctx/_build/bindep.txt" || fail "_build/bindep.txt is not bindep.txt"
cmp "$tmp/src/$tarball" "$ctx/_build/collections/$tarball" || fail "_build/collections/$tarball is not the built tarball"

step "the Containerfile installs ansible-core, the galaxy requirements, the collection, and merges the dependencies"
core_pin=$(sed -n 's/^ansible-core==//p' "$root/requirements/dev.txt")
expect_line() {
  grep -qE "$1" "$containerfile" || fail "the Containerfile has no line matching: $1 ($2)"
}
expect_line "ARG ANSIBLE_INSTALL_REFS=\"ansible-core==${core_pin//./\\.} ansible-runner" "ansible-core of requirements/dev.txt"
expect_line 'ansible-galaxy collection install .*-r requirements\.yml' "galaxy requirements"
expect_line "ansible-galaxy collection install --no-deps .*/build/collections/multiaccount-apigateway-\*\.tar\.gz" "the collection"
expect_line 'introspect\.py introspect --user-pip=requirements\.txt --user-bindep=bindep\.txt' "dependency merge"
expect_line 'install-from-bindep' "system packages"
# The galaxy requirements name the same ranges as galaxy.yml, each with an upper bound.
"$bin/python" - "$ctx/_build/requirements.yml" "$root/galaxy.yml" <<'EOF'
import sys

import yaml

requirements = {c["name"]: c["version"] for c in yaml.safe_load(open(sys.argv[1]))["collections"]}
dependencies = yaml.safe_load(open(sys.argv[2]))["dependencies"]
assert requirements == dependencies, f"requirements.yml {requirements} differs from galaxy.yml dependencies {dependencies}"
for name, version in sorted(requirements.items()):
    assert "<" in version, f"requirements.yml: {name} {version!r} has no upper bound"
    print(f"galaxy requirement {name} {version}")
EOF

step "the introspection of the builder stage merges the collection's meta/execution-environment.yml"
"$bin/ansible-galaxy" collection install "$tmp/src/$tarball" -p "$tmp/tree" --no-deps
# Declared, not inferred: meta/execution-environment.yml names the two files (AAP certification wants it).
"$bin/python" - "$tmp/tree/ansible_collections/multiaccount/apigateway" <<'EOF'
import os
import sys

import yaml

collection = sys.argv[1]
meta = os.path.join(collection, "meta", "execution-environment.yml")
assert os.path.isfile(meta), "the installed collection has no meta/execution-environment.yml"
dependencies = yaml.safe_load(open(meta))["dependencies"]
assert dependencies == {"python": "requirements.txt", "system": "bindep.txt"}, f"{meta}: dependencies {dependencies}"
for name in dependencies.values():
    assert os.path.isfile(os.path.join(collection, name)), f"{name} (named by meta/execution-environment.yml) is not installed"
print(f"meta/execution-environment.yml: {dependencies}")
EOF
site=$("$bin/python" -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[0]))')
for name in amazon/aws community/aws; do
  mkdir -p "$tmp/tree/ansible_collections/${name%/*}"
  ln -s "$site/ansible_collections/$name" "$tmp/tree/ansible_collections/$name"
done
introspect=("$bin/python" "$ctx/_build/scripts/introspect.py" introspect)
# The collection alone: its own files are what the builder finds.
"${introspect[@]}" "$tmp/tree" >"$tmp/collections.txt"
cat "$tmp/collections.txt"
for requirement in "boto3>=1.34.0,<2.0.0" "botocore>=1.34.0,<2.0.0" graphviz; do
  grep -qF "$requirement  # from collection multiaccount.apigateway" "$tmp/collections.txt" ||
    fail "introspection does not find $requirement from multiaccount.apigateway (meta/execution-environment.yml)"
done
# As the Containerfile runs it: with the user files of _build, writing what the builder installs.
(cd "$ctx/_build" && "${introspect[@]}" --user-pip=requirements.txt --user-bindep=bindep.txt \
  --write-pip="$tmp/pip.txt" --write-bindep="$tmp/bindep.txt" "$tmp/tree" >/dev/null)
echo "pip installs:" && sed 's/^/  /' "$tmp/pip.txt"
echo "bindep installs:" && sed 's/^/  /' "$tmp/bindep.txt"
grep -qE '^boto3>=1\.34\.0,<2\.0\.0' "$tmp/pip.txt" || fail "the merged Python requirements lack boto3"
grep -qE '^botocore>=1\.34\.0,<2\.0\.0' "$tmp/pip.txt" || fail "the merged Python requirements lack botocore"
grep -qE '^graphviz( |$)' "$tmp/bindep.txt" || fail "the merged system requirements lack graphviz"

echo "execution_environment: passed in $(($(date +%s) - started)) s"
