"""An index on ``telephony_call.updated_at`` (written by hand; see ``stats.py``).

The statistics keep finished days' figures and ask which days had a call changed since they
were computed (``WHERE updated_at >= …``): with this index that reads only the recent changes.
"""

from core.db import ddl

ID = "2026-12-02T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of telephony calls by their last change"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS telephony_call_changed ON telephony_call (updated_at, local_day)"
)
BACKWARDS = "DROP INDEX IF EXISTS telephony_call_changed"


async def forwards():
    return ddl.migration(ID, "telephony_centrex", DESCRIPTION, [FORWARDS], [BACKWARDS])
