"""The diarium registry's tables (written by hand: unique keys, search indexes, FTS).

Series with their number patterns and gap-free yearly counters, case files (akter), documents
with a public and a protected text, secrecy markings, content-addressed blobs and the files of
a document, the classification plan (KLASSA) and the informationshanteringsplan.

Search: PostgreSQL gets stored ``tsvector`` columns with GIN indexes over the searchable text;
SQLite gets an external-content FTS5 table ``diarium_document_fts`` kept in step by triggers.
"""

from core.db import ddl

ID = "2026-12-02T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium registry: series, counters, case files, documents, secrecy, files, plan"

TABLES = (
    """CREATE TABLE IF NOT EXISTS diarium_series (
        id {pk},
        code VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(200) NOT NULL,
        board VARCHAR(200) NOT NULL DEFAULT '',
        pattern VARCHAR(80) NOT NULL,
        doc_pattern VARCHAR(80) NOT NULL DEFAULT '{{case}}-{{doc}}',
        active BOOLEAN NOT NULL DEFAULT TRUE,
        created_at BIGINT NOT NULL DEFAULT 0,
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_counter (
        id {pk},
        series_id INTEGER NOT NULL,
        year INTEGER NOT NULL,
        last_value INTEGER NOT NULL DEFAULT 0,
        UNIQUE (series_id, year)
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_case_file (
        id {pk},
        series_id INTEGER NOT NULL,
        year INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        number VARCHAR(40) NOT NULL UNIQUE,
        title_public VARCHAR(500) NOT NULL DEFAULT '',
        title_protected VARCHAR(500) NOT NULL DEFAULT '',
        classification_code VARCHAR(40) NOT NULL,
        board VARCHAR(200) NOT NULL DEFAULT '',
        department VARCHAR(40) NOT NULL DEFAULT '',
        officer VARCHAR(150) NOT NULL DEFAULT '',
        status VARCHAR(10) NOT NULL DEFAULT 'open',
        opened_at BIGINT NOT NULL DEFAULT 0,
        closed_at BIGINT NULL,
        closed_by VARCHAR(150) NOT NULL DEFAULT '',
        decision TEXT NOT NULL DEFAULT '',
        kc_case_id INTEGER NULL,
        last_doc_seq INTEGER NOT NULL DEFAULT 0,
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0,
        cancelled_reason VARCHAR(500) NOT NULL DEFAULT '',
        kc_case_number VARCHAR(40) NOT NULL DEFAULT '',
        personnummer_encrypted TEXT NOT NULL DEFAULT '',
        UNIQUE (series_id, year, seq)
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_document (
        id {pk},
        case_file_id INTEGER NULL,
        series_id INTEGER NOT NULL,
        year INTEGER NOT NULL,
        seq INTEGER NULL,
        doc_seq INTEGER NOT NULL DEFAULT 0,
        number VARCHAR(50) NOT NULL UNIQUE,
        direction VARCHAR(10) NOT NULL,
        document_date VARCHAR(10) NOT NULL,
        registered_at BIGINT NOT NULL DEFAULT 0,
        registered_by VARCHAR(150) NOT NULL DEFAULT '',
        counterpart_public VARCHAR(300) NOT NULL DEFAULT '',
        counterpart_protected VARCHAR(300) NOT NULL DEFAULT '',
        public_text TEXT NOT NULL DEFAULT '',
        protected_text TEXT NOT NULL DEFAULT '',
        document_type VARCHAR(120) NOT NULL DEFAULT '',
        status VARCHAR(10) NOT NULL DEFAULT 'registered',
        cancelled_reason VARCHAR(500) NOT NULL DEFAULT '',
        cancelled_at BIGINT NULL,
        cancelled_by VARCHAR(150) NOT NULL DEFAULT '',
        draft_id INTEGER NULL,
        personnummer_encrypted TEXT NOT NULL DEFAULT '',
        has_personnummer BOOLEAN NOT NULL DEFAULT FALSE,
        secret BOOLEAN NOT NULL DEFAULT FALSE
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_secrecy (
        id {pk},
        document_id INTEGER NULL,
        case_file_id INTEGER NULL,
        provision VARCHAR(120) NOT NULL,
        marked_at BIGINT NOT NULL DEFAULT 0,
        marked_by VARCHAR(150) NOT NULL DEFAULT '',
        authority VARCHAR(200) NOT NULL DEFAULT '',
        reason VARCHAR(500) NOT NULL DEFAULT '',
        marked_date VARCHAR(10) NOT NULL DEFAULT '',
        lifted_at BIGINT NULL,
        lifted_by VARCHAR(150) NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_blob (
        id {pk},
        sha256 CHAR(64) NOT NULL UNIQUE,
        size BIGINT NOT NULL DEFAULT 0,
        mime VARCHAR(120) NOT NULL DEFAULT 'application/octet-stream',
        created_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_document_file (
        id {pk},
        document_id INTEGER NOT NULL,
        sha256 CHAR(64) NOT NULL,
        filename VARCHAR(255) NOT NULL DEFAULT '',
        role VARCHAR(20) NOT NULL DEFAULT 'original',
        created_at BIGINT NOT NULL DEFAULT 0,
        created_by VARCHAR(150) NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_class (
        id {pk},
        plan_version VARCHAR(40) NOT NULL DEFAULT '1',
        code VARCHAR(40) NOT NULL,
        level VARCHAR(20) NOT NULL,
        title VARCHAR(300) NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        parent_code VARCHAR(40) NOT NULL DEFAULT '',
        UNIQUE (plan_version, code)
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_retention_rule (
        id {pk},
        board VARCHAR(200) NOT NULL,
        document_type VARCHAR(120) NOT NULL,
        process_code VARCHAR(40) NULL,
        action VARCHAR(10) NOT NULL,
        period_years INTEGER NULL,
        decision_ref VARCHAR(200) NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0,
        updated_by VARCHAR(150) NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS diarium_case_file_series ON diarium_case_file "
    "(series_id, year, seq)",
    "CREATE INDEX IF NOT EXISTS diarium_case_file_officer ON diarium_case_file (officer, status)",
    "CREATE INDEX IF NOT EXISTS diarium_case_file_kc ON diarium_case_file (kc_case_id)",
    "CREATE INDEX IF NOT EXISTS diarium_document_case ON diarium_document (case_file_id, doc_seq)",
    "CREATE INDEX IF NOT EXISTS diarium_document_series ON diarium_document (series_id, year, id)",
    "CREATE INDEX IF NOT EXISTS diarium_document_date ON diarium_document (document_date, id)",
    "CREATE INDEX IF NOT EXISTS diarium_document_series_date ON diarium_document "
    "(series_id, document_date)",
    "CREATE INDEX IF NOT EXISTS diarium_document_direction ON diarium_document (direction, id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS diarium_document_draft ON diarium_document (draft_id) "
    "WHERE draft_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS diarium_secrecy_document ON diarium_secrecy (document_id)",
    "CREATE INDEX IF NOT EXISTS diarium_secrecy_case_file ON diarium_secrecy (case_file_id)",
    "CREATE INDEX IF NOT EXISTS diarium_document_file_document ON diarium_document_file "
    "(document_id)",
    "CREATE INDEX IF NOT EXISTS diarium_document_file_sha ON diarium_document_file (sha256)",
    "CREATE INDEX IF NOT EXISTS diarium_retention_rule_board ON diarium_retention_rule "
    "(board, document_type)",
)

SEARCH = {
    "postgres": [
        # What a registrator searches, as word vectors kept in the row (generated columns):
        # the number, the public counterpart, content and document type; and apart from them
        # the protected counterpart and content. The 'simple' configuration (no stemming)
        # matches words and their prefixes, as SQLite's FTS5 table does.
        "ALTER TABLE diarium_document ADD COLUMN IF NOT EXISTS search_public tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', number || ' ' || counterpart_public || ' ' "
        "|| public_text || ' ' || document_type)) STORED",
        "ALTER TABLE diarium_document ADD COLUMN IF NOT EXISTS search_protected tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', counterpart_protected || ' ' "
        "|| protected_text)) STORED",
        "CREATE INDEX IF NOT EXISTS diarium_document_search_public ON diarium_document "
        "USING gin (search_public)",
        "CREATE INDEX IF NOT EXISTS diarium_document_search_protected ON diarium_document "
        "USING gin (search_protected)",
    ],
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS diarium_document_fts USING fts5("
        "number, counterpart_public, public_text, document_type, counterpart_protected, "
        "protected_text, content='diarium_document', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')",
        """CREATE TRIGGER IF NOT EXISTS diarium_document_fts_ai AFTER INSERT ON diarium_document
        BEGIN
            INSERT INTO diarium_document_fts (rowid, number, counterpart_public, public_text,
                document_type, counterpart_protected, protected_text)
            VALUES (new.id, new.number, new.counterpart_public, new.public_text,
                new.document_type, new.counterpart_protected, new.protected_text);
        END""",
        """CREATE TRIGGER IF NOT EXISTS diarium_document_fts_ad AFTER DELETE ON diarium_document
        BEGIN
            INSERT INTO diarium_document_fts (diarium_document_fts, rowid, number,
                counterpart_public, public_text, document_type, counterpart_protected,
                protected_text)
            VALUES ('delete', old.id, old.number, old.counterpart_public, old.public_text,
                old.document_type, old.counterpart_protected, old.protected_text);
        END""",
        """CREATE TRIGGER IF NOT EXISTS diarium_document_fts_au AFTER UPDATE ON diarium_document
        BEGIN
            INSERT INTO diarium_document_fts (diarium_document_fts, rowid, number,
                counterpart_public, public_text, document_type, counterpart_protected,
                protected_text)
            VALUES ('delete', old.id, old.number, old.counterpart_public, old.public_text,
                old.document_type, old.counterpart_protected, old.protected_text);
            INSERT INTO diarium_document_fts (rowid, number, counterpart_public, public_text,
                document_type, counterpart_protected, protected_text)
            VALUES (new.id, new.number, new.counterpart_public, new.public_text,
                new.document_type, new.counterpart_protected, new.protected_text);
        END""",
    ],
}

DROPS = (
    "diarium_retention_rule",
    "diarium_class",
    "diarium_document_file",
    "diarium_blob",
    "diarium_secrecy",
    "diarium_document",
    "diarium_case_file",
    "diarium_counter",
    "diarium_series",
)


def _forwards() -> dict[str, list[str]]:
    typed = ddl.typed(TABLES)
    return {engine: [*typed[engine], *SEARCH[engine]] for engine in typed}


def _backwards() -> dict[str, list[str]]:
    drops = [f"DROP TABLE IF EXISTS {table}" for table in DROPS]
    return {"postgres": drops, "sqlite": ["DROP TABLE IF EXISTS diarium_document_fts", *drops]}


async def forwards():
    return ddl.migration(ID, "diarium", DESCRIPTION, _forwards(), _backwards())
