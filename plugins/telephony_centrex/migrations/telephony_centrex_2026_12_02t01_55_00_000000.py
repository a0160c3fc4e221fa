"""A covering index for the agents' call statistics (written by hand; see ``stats.py``).

The per-agent figures group finished calls by ``(local_day, answer_group, agent)``; in that
order, with the outcome and times, they stream out of this index without a sort and without
reading the rows (SQLite otherwise picks ``(local_day, answer_group)`` and reads every row).
"""

from core.db import ddl

ID = "2026-12-02T01:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Covering index of telephony calls per group and agent"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS telephony_call_agents ON telephony_call (local_day, answer_group, "
    "agent, direction, outcome, wait_seconds, talk_seconds)"
)
BACKWARDS = "DROP INDEX IF EXISTS telephony_call_agents"


async def forwards():
    return ddl.migration(ID, "telephony_centrex", DESCRIPTION, [FORWARDS], [BACKWARDS])
