"""The diarium archive's tables (written by hand): disposal runs (gallring by decision) with
the documents each lists, the files a run is to remove from the store, and the FGS 2.0
packages exported to the e-archive.

The registry entry of a disposed document stays as it is; the disposal is recorded here, in
its run's item (``status = 'disposed'``, ``disposed_at``, ``decision_ref``; at most one per
document). ``diarium_document`` itself is not written: on SQLite each update of it re-indexes
the entry's FTS row, which made a large execution take minutes.
"""

from core.db import ddl

ID = "2026-12-02T03:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium archive: disposal runs and their items, FGS 2.0 exports"

TABLES = (
    """CREATE TABLE IF NOT EXISTS diarium_disposal_run (
        id {pk},
        status VARCHAR(10) NOT NULL DEFAULT 'proposed',
        board VARCHAR(200) NOT NULL DEFAULT '',
        as_of BIGINT NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        proposed_by VARCHAR(150) NOT NULL DEFAULT '',
        proposed_at BIGINT NOT NULL DEFAULT 0,
        decided_by VARCHAR(150) NOT NULL DEFAULT '',
        decided_at BIGINT NULL,
        decision_ref VARCHAR(200) NOT NULL DEFAULT '',
        decision_note TEXT NOT NULL DEFAULT '',
        executed_by VARCHAR(150) NOT NULL DEFAULT '',
        executed_at BIGINT NULL,
        items INTEGER NOT NULL DEFAULT 0,
        disposed INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        files_removed INTEGER NOT NULL DEFAULT 0,
        bytes_removed BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_disposal_item (
        id {pk},
        run_id INTEGER NOT NULL,
        document_id INTEGER NOT NULL,
        document_number VARCHAR(50) NOT NULL,
        case_file_id INTEGER NOT NULL,
        case_number VARCHAR(40) NOT NULL,
        document_type VARCHAR(120) NOT NULL DEFAULT '',
        rule_id INTEGER NOT NULL,
        rule_ref VARCHAR(200) NOT NULL DEFAULT '',
        period_years INTEGER NOT NULL DEFAULT 0,
        due_at BIGINT NOT NULL DEFAULT 0,
        files INTEGER NOT NULL DEFAULT 0,
        bytes BIGINT NOT NULL DEFAULT 0,
        status VARCHAR(10) NOT NULL DEFAULT 'listed',
        skipped_reason VARCHAR(200) NOT NULL DEFAULT '',
        disposed_at BIGINT NULL,
        decision_ref VARCHAR(200) NOT NULL DEFAULT '',
        UNIQUE (run_id, document_id)
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_disposal_blob (
        id {pk},
        run_id INTEGER NOT NULL,
        sha256 CHAR(64) NOT NULL,
        size BIGINT NOT NULL DEFAULT 0,
        removed_at BIGINT NULL,
        UNIQUE (run_id, sha256)
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_export (
        id {pk},
        case_file_id INTEGER NOT NULL,
        case_number VARCHAR(40) NOT NULL,
        objid VARCHAR(80) NOT NULL UNIQUE,
        format VARCHAR(4) NOT NULL,
        sha256 CHAR(64) NOT NULL DEFAULT '',
        size BIGINT NOT NULL DEFAULT 0,
        documents INTEGER NOT NULL DEFAULT 0,
        files INTEGER NOT NULL DEFAULT 0,
        status VARCHAR(10) NOT NULL DEFAULT 'stored',
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        purged_at BIGINT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS diarium_disposal_item_document ON diarium_disposal_item "
    "(document_id, status)",
    "CREATE INDEX IF NOT EXISTS diarium_disposal_blob_pending ON diarium_disposal_blob "
    "(run_id) WHERE removed_at IS NULL",
    "CREATE INDEX IF NOT EXISTS diarium_export_case_file ON diarium_export (case_file_id, id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS diarium_disposal_item_disposed ON "
    "diarium_disposal_item (document_id) WHERE status = 'disposed'",
)
DROPS = ("diarium_export", "diarium_disposal_blob", "diarium_disposal_item", "diarium_disposal_run")


def _backwards() -> list[str]:
    return [f"DROP TABLE IF EXISTS {table}" for table in DROPS]


async def forwards():
    return ddl.migration(ID, "diarium", DESCRIPTION, ddl.typed(TABLES), _backwards())
