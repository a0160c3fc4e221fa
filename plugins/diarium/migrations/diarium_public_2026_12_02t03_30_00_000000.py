"""The diarium's public side: requests for public documents (begäran om allmän handling) with
their history, and the public search index.

Public search: on SQLite it reads the registry's FTS5 table ``diarium_document_fts`` through a
column filter on the public columns only; on PostgreSQL it has its own GIN index over a
``tsvector`` of the public fields (never the protected ones), which the query repeats
expression for expression.
"""

from core.db import ddl

ID = "2026-12-02T03:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium public side: requests for public documents and the public search index"

#: The text the public search looks in (PostgreSQL): public fields only. Repeated verbatim
#: by plugins.diarium.public.search (an expression index is used only for the same text).
PUBLIC_TSVECTOR = (
    "to_tsvector('simple'::regconfig, translate(number, '/-', '  ') || ' ' || "
    "counterpart_public || ' ' || public_text || ' ' || document_type)"
)

TABLES = (
    """CREATE TABLE IF NOT EXISTS diarium_request (
        id {pk},
        number VARCHAR(30) NOT NULL UNIQUE,
        channel VARCHAR(10) NOT NULL,
        received_at BIGINT NOT NULL,
        registered_at BIGINT NOT NULL DEFAULT 0,
        registered_by VARCHAR(150) NOT NULL DEFAULT '',
        status VARCHAR(20) NOT NULL DEFAULT 'received',
        requester_name VARCHAR(200) NOT NULL DEFAULT '',
        requester_email VARCHAR(254) NOT NULL DEFAULT '',
        requester_address VARCHAR(500) NOT NULL DEFAULT '',
        delivery VARCHAR(10) NOT NULL DEFAULT 'email',
        language VARCHAR(5) NOT NULL DEFAULT 'sv',
        description TEXT NOT NULL DEFAULT '',
        document_ref VARCHAR(60) NOT NULL DEFAULT '',
        document_id INTEGER NULL,
        kc_case_number VARCHAR(40) NOT NULL DEFAULT '',
        client_key VARCHAR(64) NOT NULL DEFAULT '',
        handled_by VARCHAR(150) NOT NULL DEFAULT '',
        started_at BIGINT NULL,
        decided_at BIGINT NULL,
        decided_by VARCHAR(150) NOT NULL DEFAULT '',
        outcome VARCHAR(20) NOT NULL DEFAULT '',
        provisions {json} NOT NULL DEFAULT '[]',
        decision_reason TEXT NOT NULL DEFAULT '',
        masked_copy_sha256 VARCHAR(64) NOT NULL DEFAULT '',
        decision_sha256 VARCHAR(64) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS diarium_request_event (
        id {pk},
        request_id INTEGER NOT NULL,
        at BIGINT NOT NULL,
        kind VARCHAR(20) NOT NULL,
        actor VARCHAR(150) NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        data {json} NOT NULL DEFAULT '{{}}'
    )""",
    "CREATE INDEX IF NOT EXISTS diarium_request_status ON diarium_request (status, id)",
    "CREATE INDEX IF NOT EXISTS diarium_request_client ON diarium_request "
    "(client_key, received_at)",
    "CREATE INDEX IF NOT EXISTS diarium_request_received ON diarium_request (received_at)",
    "CREATE INDEX IF NOT EXISTS diarium_request_document ON diarium_request (document_id)",
    "CREATE INDEX IF NOT EXISTS diarium_request_case ON diarium_request (kc_case_number)",
    "CREATE INDEX IF NOT EXISTS diarium_request_event_request ON diarium_request_event "
    "(request_id, id)",
)

SEARCH = {
    "postgres": [
        f"CREATE INDEX IF NOT EXISTS diarium_document_public_tsv ON diarium_document "
        f"USING gin (({PUBLIC_TSVECTOR}))",
    ],
    "sqlite": [],
}


def _forwards() -> dict[str, list[str]]:
    typed = ddl.typed(TABLES)
    return {engine: [*typed[engine], *SEARCH[engine]] for engine in typed}


def _backwards() -> dict[str, list[str]]:
    drops = ["DROP TABLE IF EXISTS diarium_request_event", "DROP TABLE IF EXISTS diarium_request"]
    return {
        "postgres": ["DROP INDEX IF EXISTS diarium_document_public_tsv", *drops],
        "sqlite": drops,
    }


async def forwards():
    return ddl.migration(ID, "diarium", DESCRIPTION, _forwards(), _backwards())
