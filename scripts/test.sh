#!/usr/bin/env bash
# The whole test suite, on SQLite and then on PostgreSQL + Redis. Installs what it needs.
#   scripts/test.sh [pytest args...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BOOTSTRAP_SERVICES=1 scripts/bootstrap.sh
scripts/services.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: files need formatting (run: .venv/bin/ruff format .)" >&2; exit 1; }
echo "=== tests on SQLite ==="
KONTAKT_TEST_BACKEND=sqlite .venv/bin/python -m pytest "$@"
echo "=== tests on PostgreSQL + Redis ==="
KONTAKT_TEST_BACKEND=postgres .venv/bin/python -m pytest "$@"
