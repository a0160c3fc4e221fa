"""The webbdiarium's own full-text index on SQLite: ``diarium_public_fts``, an FTS5 table over
the public fields of ``diarium_document`` only (number, public counterpart, public text,
document type), with prefix indexes, kept in step by triggers.

The public search matches stemmed words as prefixes; without a prefix index FTS5 merges the
doclists of every token with that prefix before it can answer (the cost grows with the
number of matches), with one it reads a single doclist newest first and stops after a page.
Holding only public columns, no query on it can reach protected text at all. PostgreSQL has
its GIN index from the first public migration.
"""

from core.db import ddl

ID = "2026-12-02T03:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium public side: FTS5 index of the public fields with prefix indexes"

COLUMNS = "number, counterpart_public, public_text, document_type"
NEW = "new.id, new.number, new.counterpart_public, new.public_text, new.document_type"
OLD = "old.id, old.number, old.counterpart_public, old.public_text, old.document_type"

SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS diarium_public_fts USING fts5("
    f"{COLUMNS}, content='diarium_document', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='3 4 5 6 7 8')",
    f"""CREATE TRIGGER IF NOT EXISTS diarium_public_fts_ai AFTER INSERT ON diarium_document
    BEGIN
        INSERT INTO diarium_public_fts (rowid, {COLUMNS}) VALUES ({NEW});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS diarium_public_fts_ad AFTER DELETE ON diarium_document
    BEGIN
        INSERT INTO diarium_public_fts (diarium_public_fts, rowid, {COLUMNS})
        VALUES ('delete', {OLD});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS diarium_public_fts_au AFTER UPDATE OF {COLUMNS}
    ON diarium_document
    BEGIN
        INSERT INTO diarium_public_fts (diarium_public_fts, rowid, {COLUMNS})
        VALUES ('delete', {OLD});
        INSERT INTO diarium_public_fts (rowid, {COLUMNS}) VALUES ({NEW});
    END""",
    "INSERT INTO diarium_public_fts (diarium_public_fts) VALUES ('rebuild')",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS diarium_public_fts_ai",
    "DROP TRIGGER IF EXISTS diarium_public_fts_ad",
    "DROP TRIGGER IF EXISTS diarium_public_fts_au",
    "DROP TABLE IF EXISTS diarium_public_fts",
]


async def forwards():
    return ddl.migration(
        ID,
        "diarium",
        DESCRIPTION,
        {"sqlite": SQLITE, "postgres": []},
        {"sqlite": SQLITE_BACK, "postgres": []},
    )
