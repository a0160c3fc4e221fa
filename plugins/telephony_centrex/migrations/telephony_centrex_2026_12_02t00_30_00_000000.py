"""The telephony plugin's tables (written by hand: composite, unique and partial indexes).

One statement list for SQLite and PostgreSQL; only the primary key and JSON column types
differ. The statistics read ``telephony_call`` by ``(local_day, answer_group)``; ingest finds a
call by ``(source, call_id)`` and refuses a repeated event by ``(source, call_id, kind)``; the
contact sweep reads ended calls without a contact through a partial index.
"""

from core.db import ddl

ID = "2026-12-02T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Telephony calls, call events, agent presence and talsvar messages"

TABLES = (
    """CREATE TABLE IF NOT EXISTS telephony_call (
        id {pk},
        source VARCHAR(20) NOT NULL,
        call_id VARCHAR(120) NOT NULL,
        direction VARCHAR(3) NOT NULL DEFAULT 'in',
        caller VARCHAR(20) NOT NULL DEFAULT '',
        called VARCHAR(20) NOT NULL DEFAULT '',
        answer_group VARCHAR(60) NULL,
        agent VARCHAR(80) NULL,
        state VARCHAR(12) NOT NULL DEFAULT 'ringing',
        outcome VARCHAR(12) NOT NULL DEFAULT '',
        offered_at BIGINT NOT NULL DEFAULT 0,
        answered_at BIGINT NULL,
        ended_at BIGINT NULL,
        wait_seconds INTEGER NULL,
        talk_seconds INTEGER NULL,
        local_day VARCHAR(10) NOT NULL DEFAULT '',
        local_hour INTEGER NOT NULL DEFAULT 0,
        local_half_hour INTEGER NOT NULL DEFAULT 0,
        contact_number VARCHAR(40) NULL,
        party_id INTEGER NULL,
        cause VARCHAR(40) NOT NULL DEFAULT '',
        callback_id INTEGER NULL,
        overflowed BOOLEAN NOT NULL DEFAULT FALSE,
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS telephony_call_event (
        id {pk},
        source VARCHAR(20) NOT NULL,
        call_id VARCHAR(120) NOT NULL,
        kind VARCHAR(12) NOT NULL,
        at DOUBLE PRECISION NOT NULL DEFAULT 0,
        received_at BIGINT NOT NULL DEFAULT 0,
        payload {json} NOT NULL DEFAULT '{{}}'
    )""",
    """CREATE TABLE IF NOT EXISTS telephony_agent_state (
        id {pk},
        username VARCHAR(150) NOT NULL UNIQUE,
        state VARCHAR(12) NOT NULL DEFAULT 'offline',
        reason VARCHAR(60) NOT NULL DEFAULT '',
        groups {json} NOT NULL DEFAULT '[]',
        call_id VARCHAR(120) NOT NULL DEFAULT '',
        since BIGINT NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS telephony_message (
        id {pk},
        kind VARCHAR(12) NOT NULL,
        language VARCHAR(5) NOT NULL DEFAULT 'sv',
        version INTEGER NOT NULL DEFAULT 1,
        text TEXT NOT NULL DEFAULT '',
        menu {json} NOT NULL DEFAULT '[]',
        audio_file VARCHAR(200) NOT NULL DEFAULT '',
        audio_sha256 VARCHAR(64) NOT NULL DEFAULT '',
        audio_source VARCHAR(10) NOT NULL DEFAULT '',
        status VARCHAR(10) NOT NULL DEFAULT 'draft',
        delivery VARCHAR(12) NOT NULL DEFAULT '',
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        activated_by VARCHAR(150) NOT NULL DEFAULT '',
        activated_at BIGINT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS telephony_call_key ON telephony_call (source, call_id)",
    "CREATE INDEX IF NOT EXISTS telephony_call_day_group "
    "ON telephony_call (local_day, answer_group)",
    "CREATE INDEX IF NOT EXISTS telephony_call_uncontacted ON telephony_call (ended_at) "
    "WHERE contact_number IS NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS telephony_call_event_key "
    "ON telephony_call_event (source, call_id, kind)",
    "CREATE UNIQUE INDEX IF NOT EXISTS telephony_message_version "
    "ON telephony_message (kind, language, version)",
)
DROPS = ("telephony_message", "telephony_agent_state", "telephony_call_event", "telephony_call")


async def forwards():
    return ddl.migration(
        ID,
        "telephony_centrex",
        DESCRIPTION,
        ddl.typed(TABLES),
        [f"DROP TABLE IF EXISTS {table}" for table in DROPS],
    )
