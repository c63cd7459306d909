#!/usr/bin/env bash
# Run a command with a fresh emulator on HOST:PORT, and stop it afterwards whatever happens.
# Usage: tools/with-emulator.sh 127.0.0.1 5001 make integration
set -euo pipefail
host=$1 port=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
launcher=("$root/.venv/bin/python" "$root/tools/emulator/launcher.py" --host "$host" --port "$port")
"${launcher[@]}" stop >/dev/null
trap '"${launcher[@]}" stop | sed "s/^/with-emulator: /"' EXIT
"${launcher[@]}" start
export AWS_ENDPOINT_URL="http://$host:$port"
"$@"
