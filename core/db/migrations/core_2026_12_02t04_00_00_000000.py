"""An index for the outbox backlog (written by hand; see core/health.py).

``kontakt doctor`` and ``GET /api/v1/health`` count the unsent notification e-mails and find
the oldest one's age with one query on ``status`` and ``created_at``. With both in one index
that query reads the index only, however long the outbox table has grown with sent mail.
"""

from core.db import ddl

ID = "2026-12-02T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of the outbox by status and age"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS outbound_message_backlog ON outbound_message (status, created_at)"
)
BACKWARDS = "DROP INDEX IF EXISTS outbound_message_backlog"


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, [FORWARDS], [BACKWARDS])
