#!/usr/bin/env bash
# Run the appliance on the embedded default (SQLite in ./data) with demo data.
# Prints the first administrator's password (first run only) and the API docs address.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/bootstrap.sh
export KONTAKT_DATA_DIR="${KONTAKT_DATA_DIR:-$ROOT/data}"
PORT="${KONTAKT_PORT:-8080}"
.venv/bin/kontakt init
# the telephony plugin with its simulator: calls arrive, wait and are answered, so the
# wallboard (/api/v1/plugins/telephony_centrex/wallboard/) is alive; enabled before the demo
# so that the demo's history gets its calls too
export KONTAKT_PLUGIN_TELEPHONY_CENTREX_DRIVER="${KONTAKT_PLUGIN_TELEPHONY_CENTREX_DRIVER:-simulator}"
.venv/bin/kontakt plugins enable telephony_centrex
# the reception, crisis mode and diarium plugins too, before the demo: the demo's crisis
# exercise then opens the answer group, puts its approved message on the IVR (with audio) and
# starts the reception's roll call, and the diarium's demo registry is there
for plugin in visitor_reception crisis_mode diarium; do .venv/bin/kontakt plugins enable "$plugin"; done
if .venv/bin/kontakt --help | grep -q '^  demo'; then .venv/bin/kontakt demo; fi
.venv/bin/kontakt worker > "$KONTAKT_DATA_DIR/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT
echo "API docs: http://127.0.0.1:$PORT/api/schema   (worker log: $KONTAKT_DATA_DIR/worker.log)"
echo "Wallboard: http://127.0.0.1:$PORT/api/v1/plugins/telephony_centrex/wallboard/"
.venv/bin/kontakt serve --port "$PORT"
