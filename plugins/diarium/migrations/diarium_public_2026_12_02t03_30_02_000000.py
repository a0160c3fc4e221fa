"""The webbdiarium's text on PostgreSQL as a stored column: ``diarium_document.public_tsv``,
the ``tsvector`` of the public fields only (generated, so every writer keeps it right), with
its GIN index in place of the expression index of the first public migration.

Measured at 1 000 000 entries: whichever plan PostgreSQL picks — the GIN index for rare
words, the primary key backwards with a filter for common ones — it had to compute
``to_tsvector`` again for every row it looked at (the recheck of a bitmap scan, the filter of
an index scan); a stored column makes that a comparison.
"""

from core.db import ddl

ID = "2026-12-02T03:30:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "Diarium public side: stored tsvector of the public fields (PostgreSQL)"

PUBLIC_TSVECTOR = (
    "to_tsvector('simple'::regconfig, translate(number, '/-', '  ') || ' ' || "
    "counterpart_public || ' ' || public_text || ' ' || document_type)"
)

POSTGRES = [
    "ALTER TABLE diarium_document ADD COLUMN IF NOT EXISTS public_tsv tsvector "
    f"GENERATED ALWAYS AS ({PUBLIC_TSVECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS diarium_document_public_tsv_column ON diarium_document "
    "USING gin (public_tsv)",
    "DROP INDEX IF EXISTS diarium_document_public_tsv",
]
POSTGRES_BACK = [
    f"CREATE INDEX IF NOT EXISTS diarium_document_public_tsv ON diarium_document "
    f"USING gin (({PUBLIC_TSVECTOR}))",
    "DROP INDEX IF EXISTS diarium_document_public_tsv_column",
    "ALTER TABLE diarium_document DROP COLUMN IF EXISTS public_tsv",
]


async def forwards():
    return ddl.migration(
        ID,
        "diarium",
        DESCRIPTION,
        {"postgres": POSTGRES, "sqlite": []},
        {"postgres": POSTGRES_BACK, "sqlite": []},
    )
