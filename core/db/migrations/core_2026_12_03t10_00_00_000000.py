"""Index of contacts by answer group (written by hand).

The case lists' answer-group filter ("the group's cases") finds the cases of the group's
contacts through ``contact (answer_group, "case")`` instead of probing every open case, and
the telephony statistics per group read it too.
"""

from core.db import ddl

ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of contacts by answer group"

FORWARDS = [
    'CREATE INDEX IF NOT EXISTS contact_answer_group ON contact (answer_group, "case")',
]
BACKWARDS = ["DROP INDEX IF EXISTS contact_answer_group"]


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, ddl.typed(FORWARDS), BACKWARDS)
