"""The store's rows say when their content was last stored again: ``diarium_blob.seen_at``
(epoch seconds; 0 when only stored once).

``files.store`` of content already in the store sets it, so that a disposal or the store's
collection that found the content unreferenced a moment before does not delete the row a new
reference (a draft being written) is about to rely on: both delete only a row not seen since
they began.
"""

from core.db import ddl

ID = "2026-12-03T11:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium archive: diarium_blob.seen_at (content stored again)"

FORWARDS = {
    "sqlite": ["ALTER TABLE diarium_blob ADD COLUMN seen_at BIGINT NOT NULL DEFAULT 0"],
    "postgres": [
        "ALTER TABLE diarium_blob ADD COLUMN IF NOT EXISTS seen_at BIGINT NOT NULL DEFAULT 0"
    ],
}
BACKWARDS = {
    "sqlite": ["ALTER TABLE diarium_blob DROP COLUMN seen_at"],
    "postgres": ["ALTER TABLE diarium_blob DROP COLUMN IF EXISTS seen_at"],
}


async def forwards():
    return ddl.migration(ID, "diarium", DESCRIPTION, FORWARDS, BACKWARDS)
