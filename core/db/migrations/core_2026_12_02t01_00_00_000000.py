"""Case search and keyset paging (written by hand; see core/cases/search.py).

- Indexes for the keyset pages: cases by ``(created_at, id)``, by status, party, owner and
  assignee with the same order; contacts by ``(received_at, id)``, per party and per case;
  call-backs by ``(outcome, created_at, id)``.
- ``callback.assignee``: who is to make the call (the "mine" view of the call-back list).
- The free-text index of cases, built like the knowledge base's (stemmed Swedish text):
  SQLite: FTS5 table ``kc_case_fts(document)`` with rowid = case id and a trigger dropping the
  row of a deleted case; PostgreSQL: ``kc_case_search(case_id, document tsvector)`` with a GIN
  index. Existing cases are indexed at once.
"""

from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from core.db import ddl

ID = "2026-12-02T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Case search: paging indexes, call-back assignee, full-text index of cases"

INDEXES = [
    "CREATE INDEX IF NOT EXISTS kc_case_page ON kc_case (created_at, id)",
    "CREATE INDEX IF NOT EXISTS kc_case_status_page ON kc_case (status, created_at, id)",
    "CREATE INDEX IF NOT EXISTS kc_case_party_page ON kc_case (party, created_at, id)",
    "CREATE INDEX IF NOT EXISTS kc_case_owner_page ON kc_case (owner, created_at, id)",
    "CREATE INDEX IF NOT EXISTS kc_case_assignee_page ON kc_case (assignee_user, created_at, id)",
    "CREATE INDEX IF NOT EXISTS kc_case_updated ON kc_case (updated_at)",
    "CREATE INDEX IF NOT EXISTS contact_page ON contact (received_at, id)",
    "CREATE INDEX IF NOT EXISTS contact_party_page ON contact (party, received_at, id)",
    'CREATE INDEX IF NOT EXISTS contact_case_page ON contact ("case", received_at, id)',
    "CREATE INDEX IF NOT EXISTS callback_page ON callback (outcome, created_at, id)",
]
ASSIGNEE = (
    "ALTER TABLE callback ADD COLUMN assignee INTEGER NULL "
    "REFERENCES kc_user (id) ON DELETE SET NULL"
)
ASSIGNEE_INDEX = "CREATE INDEX IF NOT EXISTS callback_assignee ON callback (assignee)"
SQLITE_TEXT = [
    "CREATE VIRTUAL TABLE kc_case_fts USING fts5("
    "document, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER kc_case_fts_delete AFTER DELETE ON kc_case BEGIN "
    "DELETE FROM kc_case_fts WHERE rowid = old.id; END",
]
POSTGRES_TEXT = [
    "CREATE TABLE kc_case_search ("
    "case_id integer PRIMARY KEY REFERENCES kc_case (id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    "CREATE INDEX kc_case_search_document ON kc_case_search USING GIN (document)",
]
SQLITE_INSERT = "INSERT INTO kc_case_fts (rowid, document) VALUES ({}, {})"
POSTGRES_INSERT = (
    "INSERT INTO kc_case_search (case_id, document) VALUES ({}, to_tsvector('swedish', {}))"
)
BACKWARDS = [
    "DROP TRIGGER IF EXISTS kc_case_fts_delete",
    "DROP TABLE IF EXISTS kc_case_fts",
    "DROP TABLE IF EXISTS kc_case_search",
    "DROP INDEX IF EXISTS callback_assignee",
    "ALTER TABLE callback DROP COLUMN assignee",
    *(f"DROP INDEX IF EXISTS {statement.split()[5]}" for statement in INDEXES),
]


async def _forwards():
    from core.knowledge.search import analyse

    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for statement in [
        *INDEXES,
        ASSIGNEE,
        ASSIGNEE_INDEX,
        *(POSTGRES_TEXT if postgres else SQLITE_TEXT),
    ]:
        await engine.run_ddl(statement)
    rows = await engine.run_querystring(
        QueryString("SELECT id, subject, description, language FROM kc_case ORDER BY id")
    )
    for row in rows or []:
        text = analyse(f"{row['subject']}\n{row['description']}", row["language"])
        await engine.run_querystring(
            QueryString(POSTGRES_INSERT if postgres else SQLITE_INSERT, row["id"], text)
        )


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, _forwards, BACKWARDS)
