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
if .venv/bin/kontakt --help | grep -q '^  demo'; then .venv/bin/kontakt demo; fi
.venv/bin/kontakt worker > "$KONTAKT_DATA_DIR/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT
echo "API docs: http://127.0.0.1:$PORT/api/schema   (worker log: $KONTAKT_DATA_DIR/worker.log)"
.venv/bin/kontakt serve --port "$PORT"
