"""Identity numbers unique among parties; search keys; merged parties (written by hand).

Adds ``party.name_key`` / ``address_key`` (folded texts, see core/parties/normalise.py),
``merged_into`` / ``merged_at``, then partial UNIQUE indexes on ``id_number_index`` and on
non-empty ``org_number``. An existing database may already hold one citizen as several
parties: before the indexes are created, each group of parties sharing a blind index (or an
organisation number) is merged into its oldest member — contacts and cases are moved to it,
the others keep their rows, marked ``merged_into`` it, without the number. (Parties whose
numbers were indexed under different blind-index key versions are not grouped here; key
rotation re-indexes every row under the current key.)
"""

import time

from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from core.db import ddl

ID = "2026-12-02T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique identity numbers of parties, search keys, merged parties"

COLUMNS = [
    "ALTER TABLE party ADD COLUMN name_key VARCHAR(200) NOT NULL DEFAULT ''",
    "ALTER TABLE party ADD COLUMN address_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE party ADD COLUMN merged_into BIGINT NULL DEFAULT NULL",
    "ALTER TABLE party ADD COLUMN merged_at BIGINT NULL DEFAULT NULL",
    "CREATE INDEX IF NOT EXISTS party_name_key ON party (name_key)",
    "CREATE INDEX IF NOT EXISTS party_merged_into ON party (merged_into)",
]
UNIQUE_INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS party_id_number_unique ON party (id_number_index) "
    "WHERE id_number_index IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS party_org_number_unique ON party (org_number) "
    "WHERE org_number <> ''",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS party_org_number_unique",
    "DROP INDEX IF EXISTS party_id_number_unique",
    "DROP INDEX IF EXISTS party_merged_into",
    "DROP INDEX IF EXISTS party_name_key",
    "ALTER TABLE party DROP COLUMN merged_at",
    "ALTER TABLE party DROP COLUMN merged_into",
    "ALTER TABLE party DROP COLUMN address_key",
    "ALTER TABLE party DROP COLUMN name_key",
]
# {key} is a column name from this module, never input; {now} the migration's time.
MARK_DUPLICATES = (
    "UPDATE party SET merged_into = (SELECT MIN(q.id) FROM party q WHERE q.{key} = party.{key}), "
    "merged_at = {now} WHERE {key} IS NOT NULL AND {key} <> '' AND merged_into IS NULL "
    "AND id > (SELECT MIN(q.id) FROM party q WHERE q.{key} = party.{key})"
)
MOVE_LINKS = (
    "UPDATE {table} SET party = (SELECT p.merged_into FROM party p WHERE p.id = {table}.party) "
    "WHERE party IN (SELECT id FROM party WHERE merged_into IS NOT NULL)"
)
CLEAR_NUMBERS = (
    "UPDATE party SET id_number_cipher = NULL, id_number_index = NULL, id_number_kind = '', "
    "org_number = '' WHERE merged_into IS NOT NULL"
)


async def fill_keys() -> None:
    """Store the folded name and address of every party."""
    from core.parties.normalise import text_key

    engine = engine_finder()
    rows = await engine.run_querystring(QueryString("SELECT id, name, address FROM party"))
    for row in rows or []:
        await engine.run_querystring(
            QueryString(
                "UPDATE party SET name_key = {}, address_key = {} WHERE id = {}",
                text_key(row["name"] or "")[:200],
                text_key(row["address"] or ""),
                row["id"],
            )
        )


async def merge_duplicates() -> None:
    """Merge the parties that share an identity or organisation number into the oldest."""
    engine = engine_finder()
    now = int(time.time())
    for key in ("id_number_index", "org_number"):
        await engine.run_ddl(MARK_DUPLICATES.format(key=key, now=now))
    for table in ("contact", "kc_case"):
        await engine.run_ddl(MOVE_LINKS.format(table=table))
    await engine.run_ddl(CLEAR_NUMBERS)


async def create_unique_indexes() -> None:
    for statement in UNIQUE_INDEXES:
        await engine_finder().run_ddl(statement)


async def _forwards() -> None:
    engine = engine_finder()
    for statement in COLUMNS:
        await engine.run_ddl(statement)
    await fill_keys()
    await merge_duplicates()
    await create_unique_indexes()


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, _forwards, BACKWARDS)
