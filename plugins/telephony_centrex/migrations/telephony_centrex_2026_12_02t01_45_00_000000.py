"""A covering index for the call statistics (written by hand; see ``stats.py``).

The statistics read calls by ``local_day`` and group them by half hour, answer group and
agent, counting outcomes and summing waiting and talk times. With all of those in one index,
in that order, SQLite and PostgreSQL read the index only, already grouped, never the rows.
"""

from core.db import ddl

ID = "2026-12-02T01:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Covering index of telephony calls for the statistics"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS telephony_call_stats ON telephony_call (local_day, "
    "local_half_hour, answer_group, agent, direction, outcome, wait_seconds, talk_seconds)"
)
BACKWARDS = "DROP INDEX IF EXISTS telephony_call_stats"


async def forwards():
    return ddl.migration(ID, "telephony_centrex", DESCRIPTION, [FORWARDS], [BACKWARDS])
