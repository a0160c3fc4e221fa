"""Used Idempotency-Keys of registrations (written by hand; see core/idempotency.py).

One row per (user, key) with a hash of the request and the stored answer; ``created_at``
is indexed for the expiry after 24 hours.
"""

from core.db import ddl

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


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, ddl.typed(FORWARDS), BACKWARDS)
