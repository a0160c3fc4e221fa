"""The diarium intake's tables (written by hand: unique source keys, partial indexes).

A draft is one piece of incoming post (a scan from the watched folder, an upload, a message
of the shared mailbox) waiting for the registrator. ``source_key`` is unique, so the same
scan or the same mail (Message-ID, else the message's SHA-256) never becomes two drafts;
``mail_state`` tracks where the mail is on the IMAP server (``inbox`` until it is moved to
the taken folder after the draft's commit, ``taken``, ``filed`` after registration).
"""

from core.db import ddl

ID = "2026-12-02T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium intake: drafts of scanned post, uploads and the shared mailbox"

TABLES = (
    """CREATE TABLE IF NOT EXISTS diarium_draft (
        id {pk},
        source VARCHAR(10) NOT NULL,
        source_key VARCHAR(300) NOT NULL UNIQUE,
        status VARCHAR(12) NOT NULL DEFAULT 'new',
        received_at BIGINT NOT NULL DEFAULT 0,
        received_date VARCHAR(10) NOT NULL DEFAULT '',
        filename VARCHAR(255) NOT NULL DEFAULT '',
        mime VARCHAR(100) NOT NULL DEFAULT '',
        original_sha256 VARCHAR(64) NOT NULL DEFAULT '',
        pdfa_sha256 VARCHAR(64) NOT NULL DEFAULT '',
        files {json} NOT NULL DEFAULT '[]',
        content_text TEXT NOT NULL DEFAULT '',
        search_text TEXT NOT NULL DEFAULT '',
        pages INTEGER NOT NULL DEFAULT 0,
        ocr_ms INTEGER NOT NULL DEFAULT 0,
        letter_date VARCHAR(10) NOT NULL DEFAULT '',
        suggested_sender VARCHAR(300) NOT NULL DEFAULT '',
        sender_email VARCHAR(254) NOT NULL DEFAULT '',
        suggested_subject VARCHAR(500) NOT NULL DEFAULT '',
        barcodes {json} NOT NULL DEFAULT '[]',
        suggested_case_number VARCHAR(40) NOT NULL DEFAULT '',
        series_code VARCHAR(20) NOT NULL DEFAULT '',
        case_file_id INTEGER NULL,
        document_type VARCHAR(120) NOT NULL DEFAULT '',
        note VARCHAR(1000) NOT NULL DEFAULT '',
        has_personnummer BOOLEAN NOT NULL DEFAULT FALSE,
        personnummer_masked {json} NOT NULL DEFAULT '[]',
        personnummer_encrypted TEXT NOT NULL DEFAULT '',
        mail_message_id VARCHAR(998) NOT NULL DEFAULT '',
        mail_uidvalidity BIGINT NULL,
        mail_uid BIGINT NULL,
        mail_state VARCHAR(10) NOT NULL DEFAULT '',
        receipt_to VARCHAR(254) NOT NULL DEFAULT '',
        receipt_language VARCHAR(5) NOT NULL DEFAULT 'sv',
        document_id INTEGER NULL,
        document_number VARCHAR(50) NOT NULL DEFAULT '',
        registered_at BIGINT NULL,
        registered_by VARCHAR(150) NOT NULL DEFAULT '',
        discarded_at BIGINT NULL,
        discarded_by VARCHAR(150) NOT NULL DEFAULT '',
        discard_reason VARCHAR(500) NOT NULL DEFAULT '',
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS diarium_draft_status ON diarium_draft (status, created_at, id)",
    "CREATE INDEX IF NOT EXISTS diarium_draft_mail_uid ON diarium_draft "
    "(mail_uidvalidity, mail_uid)",
    "CREATE INDEX IF NOT EXISTS diarium_draft_mail_pending ON diarium_draft (id) "
    "WHERE mail_state IN ('inbox', 'taken')",
)
DROPS = ("diarium_draft",)


async def forwards():
    return ddl.migration(
        ID,
        "diarium",
        DESCRIPTION,
        ddl.typed(TABLES),
        [f"DROP TABLE IF EXISTS {table}" for table in DROPS],
    )
