"""A covering index for the agents' call statistics (written by hand; see ``stats.py``).

The per-agent figures group finished calls by ``(local_day, answer_group, agent)``; in that
order, with the outcome and times, they stream out of this index without a sort and without
reading the rows (SQLite otherwise picks ``(local_day, answer_group)`` and reads every row).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T01:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Covering index of telephony calls per group and agent"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS telephony_call_agents ON telephony_call (local_day, answer_group, "
    "agent, direction, outcome, wait_seconds, talk_seconds)"
)
BACKWARDS = "DROP INDEX IF EXISTS telephony_call_agents"


async def _create_index():
    await engine_finder().run_ddl(FORWARDS)


async def _drop_index():
    await engine_finder().run_ddl(BACKWARDS)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="telephony_centrex", description=DESCRIPTION
    )
    manager.add_raw(_create_index)
    manager.add_raw_backwards(_drop_index)
    return manager
