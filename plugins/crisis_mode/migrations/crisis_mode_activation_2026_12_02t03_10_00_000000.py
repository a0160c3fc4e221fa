"""Crisis mode, activation area: crisis events, the prepared plan and each event's timeline
(written by hand: a partial unique index keeps at most one event active).

``crisis_event`` holds one row per activation; ``crisis_plan_step`` the plan the municipality
prepared (ordered steps with their settings); ``crisis_timeline`` what happened during an
event: activation, each plan step done/skipped/failed with what to do by hand, deactivation.
"""

from core.db import ddl

ID = "2026-12-02T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Crisis mode: events, the prepared plan and the events' timelines"

TABLES = (
    """CREATE TABLE IF NOT EXISTS crisis_event (
        id {pk},
        status VARCHAR(10) NOT NULL DEFAULT 'active',
        level VARCHAR(20) NOT NULL DEFAULT 'heightened',
        exercise BOOLEAN NOT NULL DEFAULT FALSE,
        reason VARCHAR(500) NOT NULL DEFAULT '',
        building VARCHAR(200) NULL,
        activated_by VARCHAR(150) NOT NULL DEFAULT '',
        activated_at BIGINT NOT NULL DEFAULT 0,
        deactivated_by VARCHAR(150) NULL,
        deactivated_at BIGINT NULL,
        deactivation_reason VARCHAR(500) NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_event_one_active ON crisis_event (status) "
    "WHERE status = 'active'",
    "CREATE INDEX IF NOT EXISTS crisis_event_activated ON crisis_event (activated_at)",
    """CREATE TABLE IF NOT EXISTS crisis_plan_step (
        id {pk},
        position INTEGER NOT NULL,
        kind VARCHAR(30) NOT NULL,
        enabled BOOLEAN NOT NULL DEFAULT TRUE,
        settings {json} NOT NULL,
        updated_by VARCHAR(150) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_plan_step_kind ON crisis_plan_step (kind)",
    """CREATE TABLE IF NOT EXISTS crisis_timeline (
        id {pk},
        event_id BIGINT NOT NULL,
        at BIGINT NOT NULL DEFAULT 0,
        kind VARCHAR(20) NOT NULL,
        step VARCHAR(30) NOT NULL DEFAULT '',
        status VARCHAR(10) NOT NULL DEFAULT '',
        actor VARCHAR(150) NOT NULL DEFAULT '',
        detail VARCHAR(1000) NOT NULL DEFAULT '',
        manual VARCHAR(1000) NOT NULL DEFAULT '',
        data {json} NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS crisis_timeline_event ON crisis_timeline (event_id, id)",
)
DROPS = ("crisis_timeline", "crisis_plan_step", "crisis_event")


async def forwards():
    return ddl.migration(
        ID,
        "crisis_mode",
        DESCRIPTION,
        ddl.typed(TABLES),
        [f"DROP TABLE IF EXISTS {table}" for table in DROPS],
    )
