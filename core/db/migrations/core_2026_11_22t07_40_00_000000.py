"""Full-text index of knowledge articles (written by hand; see core/knowledge/search.py).

SQLite: an FTS5 table ``kb_article_fts(title, body)`` whose rowid is the article id, holding
the stemmed text, and a trigger that drops an article's row when the article is deleted.
PostgreSQL: ``kb_article_search(article, document tsvector)`` built with the ``swedish`` text
search configuration, with a GIN index. Existing articles are indexed at once.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-22T07:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Full-text index of knowledge articles"

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE kb_article_fts USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER kb_article_fts_delete AFTER DELETE ON kb_article BEGIN "
    "DELETE FROM kb_article_fts WHERE rowid = old.id; END",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS kb_article_fts_delete",
    "DROP TABLE IF EXISTS kb_article_fts",
]
POSTGRES_FORWARDS = [
    "CREATE TABLE kb_article_search ("
    "article integer PRIMARY KEY REFERENCES kb_article (id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    "CREATE INDEX kb_article_search_document ON kb_article_search USING GIN (document)",
]
POSTGRES_BACKWARDS = ["DROP TABLE IF EXISTS kb_article_search"]

SQLITE_INSERT = "INSERT INTO kb_article_fts (rowid, title, body) VALUES ({}, {}, {})"
POSTGRES_INSERT = (
    "INSERT INTO kb_article_search (article, document) VALUES ({}, "
    "setweight(to_tsvector('swedish', {}), 'A') || setweight(to_tsvector('swedish', {}), 'B'))"
)


async def _create_index():
    from core.knowledge.search import analyse

    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for ddl in POSTGRES_FORWARDS if postgres else SQLITE_FORWARDS:
        await engine.run_ddl(ddl)
    rows = await engine.run_querystring(
        QueryString("SELECT id, title, body, language FROM kb_article ORDER BY id")
    )
    for row in rows or []:
        await engine.run_querystring(
            QueryString(
                POSTGRES_INSERT if postgres else SQLITE_INSERT,
                row["id"],
                analyse(row["title"], row["language"]),
                analyse(row["body"], row["language"]),
            )
        )


async def _drop_index():
    engine = engine_finder()
    postgres = engine.engine_type == "postgres"
    for ddl in POSTGRES_BACKWARDS if postgres else SQLITE_BACKWARDS:
        await engine.run_ddl(ddl)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    manager.add_raw(_create_index)
    manager.add_raw_backwards(_drop_index)
    return manager
