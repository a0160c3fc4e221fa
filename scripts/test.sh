#!/usr/bin/env bash
# The whole test suite, on SQLite and on PostgreSQL + Redis side by side. Installs what it needs.
#   scripts/test.sh [pytest args...]
# The SQLite pass prints as it runs; the PostgreSQL pass is printed when it ends (its log is
# also kept in .cache/test-logs/postgres.log). Exits non-zero when either pass fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BOOTSTRAP_SERVICES=1 scripts/bootstrap.sh
scripts/services.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: files need formatting (run: .venv/bin/ruff format .)" >&2; exit 1; }
mkdir -p .cache/test-logs .cache/pycache
# Compiled bytecode is kept (outside the source tree) even where PYTHONDONTWRITEBYTECODE is set:
# the suite starts some 150 Python processes, and each would compile the project from source.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$ROOT/.cache/pycache"
# every pass names its slowest tests at the end
PYTEST=(.venv/bin/python -m pytest --durations=25)
PG_LOG=.cache/test-logs/postgres.log
KONTAKT_TEST_BACKEND=postgres "${PYTEST[@]}" "$@" >"$PG_LOG" 2>&1 &
pg_pid=$!
trap 'kill "$pg_pid" 2>/dev/null || true' INT TERM
echo "=== tests on SQLite (PostgreSQL + Redis runs alongside: $PG_LOG) ==="
sqlite_rc=0
KONTAKT_TEST_BACKEND=sqlite "${PYTEST[@]}" "$@" || sqlite_rc=$?
pg_rc=0
wait "$pg_pid" || pg_rc=$?
echo "=== tests on PostgreSQL + Redis ==="
cat "$PG_LOG"
if [ "$sqlite_rc" != 0 ] || [ "$pg_rc" != 0 ]; then
  echo "test.sh: SQLite pass exit $sqlite_rc, PostgreSQL pass exit $pg_rc" >&2
  exit 1
fi
