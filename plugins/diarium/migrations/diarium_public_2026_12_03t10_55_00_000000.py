"""Requests for public documents may name several documents: ``diarium_requested_document``,
one row per document number a request names (in the order given), resolved to the diary
document when it exists, with what was decided for it and its masked copy.

The request's own ``document_ref``/``document_id`` stay: they are the first of the list (what
clients that know one document only read and write). Existing requests that name a document
get their row here.
"""

from core.db import ddl

ID = "2026-12-03T10:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium public side: the documents a request names, each with its outcome"

TABLES = (
    """CREATE TABLE IF NOT EXISTS diarium_requested_document (
        id {pk},
        request_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        document_ref VARCHAR(60) NOT NULL,
        document_id INTEGER NULL,
        outcome VARCHAR(20) NOT NULL DEFAULT '',
        masked_copy_sha256 VARCHAR(64) NOT NULL DEFAULT ''
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS diarium_requested_document_position "
    "ON diarium_requested_document (request_id, position)",
    "CREATE INDEX IF NOT EXISTS diarium_requested_document_document "
    "ON diarium_requested_document (document_id)",
    """INSERT INTO diarium_requested_document
        (request_id, position, document_ref, document_id, outcome, masked_copy_sha256)
    SELECT id, 0, document_ref, document_id, outcome, masked_copy_sha256
    FROM diarium_request r
    WHERE document_ref <> '' AND NOT EXISTS (
        SELECT 1 FROM diarium_requested_document d WHERE d.request_id = r.id
    )""",
)
BACK = ["DROP TABLE IF EXISTS diarium_requested_document"]


async def forwards():
    return ddl.migration(ID, "diarium", DESCRIPTION, ddl.typed(TABLES), BACK)
