#!/usr/bin/env bash
# Run ansible-test sanity on a copy of this checkout placed in a temporary ansible_collections
# tree (ansible-test needs .../ansible_collections/<namespace>/<name>). Ignore files stay empty.
# Usage: tools/sanity.sh [extra ansible-test sanity args, e.g. --test validate-modules]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/ma-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/multiaccount/apigateway"
mkdir -p "$dest"
# Tracked and untracked-but-not-ignored files, as they are in the working tree.
(cd "$root" && git ls-files --cached --others --exclude-standard -z) |
  (cd "$root" && xargs -0 cp --parents -t "$dest" 2>/dev/null || true)
# ansible-test only looks at files git knows about when it runs inside a git work tree.
git -C "$dest" init -q && git -C "$dest" add -A
cd "$dest"
export ANSIBLE_COLLECTIONS_PATH="$work:$root/.venv/lib/python3.11/site-packages"
"$bin/ansible-test" sanity --color no --venv --python 3.11 "$@"
