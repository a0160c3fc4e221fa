"""Attachments of outbox e-mails (written by hand: a binary column on both engines).

``outbound_attachment`` holds the files of a message in ``outbound_message``, in order
(``position``), written in the same transaction as the message and deleted with it (foreign
key ``ON DELETE CASCADE``). ``outbound_message.attachments`` counts them, so the sender reads
the attachment table only for messages that have any (see core/citizen/notify.py).
"""

from core.db import ddl

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Attachments of outbox e-mails"

FORWARDS = (
    "ALTER TABLE outbound_message ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE IF NOT EXISTS outbound_attachment (
        id {pk},
        message BIGINT NOT NULL REFERENCES outbound_message (id) ON DELETE CASCADE,
        position INTEGER NOT NULL DEFAULT 0,
        filename VARCHAR(200) NOT NULL,
        mime VARCHAR(100) NOT NULL,
        size BIGINT NOT NULL DEFAULT 0,
        content {bytes} NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS outbound_attachment_message "
    "ON outbound_attachment (message, position)",
)
BACKWARDS = (
    "DROP TABLE IF EXISTS outbound_attachment",
    "ALTER TABLE outbound_message DROP COLUMN attachments",
)


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, ddl.typed(FORWARDS), list(BACKWARDS))
