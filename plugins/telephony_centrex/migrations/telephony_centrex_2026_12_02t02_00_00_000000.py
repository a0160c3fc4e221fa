"""Persisted day summaries of the call statistics (written by hand; see ``daily.py``).

``telephony_stats_change`` holds a version per local day, bumped by ingest whenever a call of
a day before today changes; ``telephony_stats_day`` says which days are summarised (per
service-level and short-abandon limit) at which version; ``telephony_stats_row`` holds the
summaries' counters per half hour and group (``slot``) and per group and agent (``agent``).
The index on ``telephony_call.updated_at`` served only the per-process day cache these
tables replace, so it is dropped (one index fewer to write on every event).
"""

from core.db import ddl

ID = "2026-12-02T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Persisted day summaries of the telephony statistics"

COUNTERS = (
    "offered", "answered", "abandoned", "short_abandoned", "missed", "within",
    "wait_answered", "wait_all", "talk", "max_wait",
)  # fmt: skip
FORWARDS = (
    """CREATE TABLE IF NOT EXISTS telephony_stats_change (
        id {pk},
        local_day VARCHAR(10) NOT NULL,
        version BIGINT NOT NULL DEFAULT 1,
        changed_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS telephony_stats_day (
        id {pk},
        limit_seconds INTEGER NOT NULL,
        short_seconds INTEGER NOT NULL,
        local_day VARCHAR(10) NOT NULL,
        version BIGINT NOT NULL DEFAULT 0,
        built_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS telephony_stats_row (
        id {pk},
        limit_seconds INTEGER NOT NULL,
        short_seconds INTEGER NOT NULL,
        local_day VARCHAR(10) NOT NULL,
        kind VARCHAR(5) NOT NULL,
        local_half_hour INTEGER NULL,
        answer_group VARCHAR(60) NULL,
        agent VARCHAR(80) NULL,
        """
    + ",\n        ".join(f"{name} BIGINT NOT NULL DEFAULT 0" for name in COUNTERS)
    + "\n    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS telephony_stats_change_day "
    "ON telephony_stats_change (local_day)",
    "CREATE UNIQUE INDEX IF NOT EXISTS telephony_stats_day_key "
    "ON telephony_stats_day (limit_seconds, short_seconds, local_day)",
    "CREATE INDEX IF NOT EXISTS telephony_stats_row_day "
    "ON telephony_stats_row (limit_seconds, short_seconds, local_day)",
    "DROP INDEX IF EXISTS telephony_call_changed",
)
BACKWARDS = (
    "DROP TABLE IF EXISTS telephony_stats_row",
    "DROP TABLE IF EXISTS telephony_stats_day",
    "DROP TABLE IF EXISTS telephony_stats_change",
    "CREATE INDEX IF NOT EXISTS telephony_call_changed ON telephony_call (updated_at, local_day)",
)


async def forwards():
    return ddl.migration(ID, "telephony_centrex", DESCRIPTION, ddl.typed(FORWARDS), BACKWARDS)
