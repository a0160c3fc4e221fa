"""Used Idempotency-Keys of registrations (written by hand; see core/idempotency.py).

One row per (user, key) with a hash of the request and the stored answer; ``created_at``
is indexed for the expiry after 24 hours.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Idempotency keys of registrations"

FORWARDS = [
    "CREATE TABLE IF NOT EXISTS idempotency_key ("
    "id {serial} PRIMARY KEY, user_id BIGINT NOT NULL, key VARCHAR(200) NOT NULL, "
    "request_hash VARCHAR(64) NOT NULL, response TEXT NOT NULL DEFAULT '', "
    "created_at BIGINT NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idempotency_key_user_key ON idempotency_key (user_id, key)",
    "CREATE INDEX IF NOT EXISTS idempotency_key_created_at ON idempotency_key (created_at)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS idempotency_key_created_at",
    "DROP INDEX IF EXISTS idempotency_key_user_key",
    "DROP TABLE IF EXISTS idempotency_key",
]


async def _create():
    engine = engine_finder()
    serial = "BIGSERIAL" if engine.engine_type == "postgres" else "INTEGER"
    for statement in FORWARDS:
        await engine.run_ddl(statement.format(serial=serial))


async def _drop():
    engine = engine_finder()
    for statement in BACKWARDS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
