"""Crisis support in the core (written by hand: partial indexes).

``sla_crisis_override``: while a row has no ``ended_at`` the business calendars it names
(``calendars``, a JSON list of keys; empty = every calendar) are open around the clock (see
core/sla/crisis.py). ``case_type_pause``: while a row has no ``resumed_at`` the service-level
timers of that case type's open cases stand still, with a reason (see core/cases/pauses.py).
``ref`` names who asked (e.g. ``crisis_mode:event:3``), so the same caller can undo it.
"""

from core.db import ddl

ID = "2026-12-02T07:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Crisis override of the business calendars and paused case types"

FORWARDS = (
    """CREATE TABLE IF NOT EXISTS sla_crisis_override (
        id {pk},
        reason VARCHAR(500) NOT NULL DEFAULT '',
        ref VARCHAR(100) NOT NULL DEFAULT '',
        calendars {json} NOT NULL,
        started_by VARCHAR(150) NOT NULL DEFAULT '',
        started_at BIGINT NOT NULL DEFAULT 0,
        ended_by VARCHAR(150) NULL,
        ended_at BIGINT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS sla_crisis_override_active ON sla_crisis_override (ref) "
    "WHERE ended_at IS NULL",
    """CREATE TABLE IF NOT EXISTS case_type_pause (
        id {pk},
        case_type INTEGER NOT NULL REFERENCES case_type (id) ON DELETE CASCADE,
        reason VARCHAR(500) NOT NULL DEFAULT '',
        ref VARCHAR(100) NOT NULL DEFAULT '',
        paused_by VARCHAR(150) NOT NULL DEFAULT '',
        paused_at BIGINT NOT NULL DEFAULT 0,
        cases INTEGER NOT NULL DEFAULT 0,
        resumed_by VARCHAR(150) NULL,
        resumed_at BIGINT NULL,
        resumed_cases INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS case_type_pause_active ON case_type_pause (case_type) "
    "WHERE resumed_at IS NULL",
)
BACKWARDS = (
    "DROP TABLE IF EXISTS case_type_pause",
    "DROP TABLE IF EXISTS sla_crisis_override",
)


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, ddl.typed(FORWARDS), list(BACKWARDS))
