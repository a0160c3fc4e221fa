"""Login back-off counters and per-case counting of Mina ärenden look-ups (written by hand).

``login_throttle`` holds one counter per username and per client address (see
core/auth/throttle.py); ``access_attempt.case_number`` lets Mina ärenden count failed
look-ups per case as well as per address (see core/citizen/status_page.py).
"""

from core.db import ddl

ID = "2026-12-02T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Login back-off counters; Mina ärenden failures per case"

COLUMNS = (
    "subject VARCHAR(200) NOT NULL UNIQUE, failures INTEGER NOT NULL DEFAULT 0, "
    "last_failure BIGINT NOT NULL DEFAULT 0, blocked_until BIGINT NOT NULL DEFAULT 0)"
)
SQLITE_TABLE = "CREATE TABLE IF NOT EXISTS login_throttle (id INTEGER PRIMARY KEY, " + COLUMNS
POSTGRES_TABLE = "CREATE TABLE IF NOT EXISTS login_throttle (id SERIAL PRIMARY KEY, " + COLUMNS
FORWARDS = [
    "CREATE INDEX IF NOT EXISTS login_throttle_last_failure ON login_throttle (last_failure)",
    "ALTER TABLE access_attempt ADD COLUMN case_number VARCHAR(40) NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS access_attempt_case ON access_attempt (case_number, at)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS access_attempt_case",
    "ALTER TABLE access_attempt DROP COLUMN case_number",
    "DROP TABLE IF EXISTS login_throttle",
]


async def forwards():
    return ddl.migration(
        ID,
        "core",
        DESCRIPTION,
        {"postgres": [POSTGRES_TABLE, *FORWARDS], "sqlite": [SQLITE_TABLE, *FORWARDS]},
        BACKWARDS,
    )
