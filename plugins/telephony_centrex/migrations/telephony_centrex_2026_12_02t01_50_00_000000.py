"""An index on ``telephony_call.updated_at`` (written by hand; see ``stats.py``).

The statistics keep finished days' figures and ask which days had a call changed since they
were computed (``WHERE updated_at >= …``): with this index that reads only the recent changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of telephony calls by their last change"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS telephony_call_changed ON telephony_call (updated_at, local_day)"
)
BACKWARDS = "DROP INDEX IF EXISTS telephony_call_changed"


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
