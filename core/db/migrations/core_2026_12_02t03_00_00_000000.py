"""Login back-off counters and per-case counting of Mina ärenden look-ups (written by hand).

``login_throttle`` holds one counter per username and per client address (see
core/auth/throttle.py); ``access_attempt.case_number`` lets Mina ärenden count failed
look-ups per case as well as per address (see core/citizen/status_page.py).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

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


async def _forwards():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for ddl in [POSTGRES_TABLE if postgres else SQLITE_TABLE, *FORWARDS]:
        await engine.run_ddl(ddl)


async def _backwards():
    engine = engine_finder()
    for ddl in BACKWARDS:
        await engine.run_ddl(ddl)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
