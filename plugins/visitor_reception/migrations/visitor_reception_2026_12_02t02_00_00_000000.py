"""The visitor reception's tables (written by hand: unique and partial indexes).

One statement list for SQLite and PostgreSQL; only the primary key type differs. Who is
inside is read through a partial index on ``status = 'inside'``; the retention job reads
signed-out visits by ``checked_out_at``; a badge's QR code finds its visit by its hash.
"""

from core.db import ddl

ID = "2026-12-02T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Visitor kiosks, hosts, visits and roll calls"

TABLES = (
    """CREATE TABLE IF NOT EXISTS visitor_kiosk (
        id {pk},
        name VARCHAR(80) NOT NULL,
        location VARCHAR(120) NOT NULL DEFAULT '',
        token_hash VARCHAR(64) NOT NULL UNIQUE,
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        revoked_at BIGINT NULL,
        last_seen_at BIGINT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS visitor_host (
        id {pk},
        username VARCHAR(64) NOT NULL UNIQUE,
        unit VARCHAR(120) NOT NULL DEFAULT '',
        location VARCHAR(120) NOT NULL DEFAULT '',
        protected BOOLEAN NOT NULL DEFAULT FALSE,
        accepts BOOLEAN NOT NULL DEFAULT TRUE,
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS visitor_visit (
        id {pk},
        number VARCHAR(20) NOT NULL UNIQUE,
        visitor_name VARCHAR(120) NOT NULL,
        organisation VARCHAR(120) NOT NULL DEFAULT '',
        purpose VARCHAR(300) NOT NULL DEFAULT '',
        needs_assistance BOOLEAN NOT NULL DEFAULT FALSE,
        language VARCHAR(5) NOT NULL DEFAULT 'sv',
        host_id INTEGER NOT NULL,
        host_username VARCHAR(64) NOT NULL,
        location VARCHAR(120) NOT NULL DEFAULT '',
        protected BOOLEAN NOT NULL DEFAULT FALSE,
        kiosk_id INTEGER NULL,
        registered_by VARCHAR(150) NOT NULL DEFAULT '',
        status VARCHAR(10) NOT NULL DEFAULT 'inside',
        checked_in_at BIGINT NOT NULL DEFAULT 0,
        checked_out_at BIGINT NULL,
        checkout_kind VARCHAR(10) NOT NULL DEFAULT '',
        signout_hash VARCHAR(64) NOT NULL DEFAULT '',
        contact_number VARCHAR(40) NOT NULL DEFAULT '',
        local_day VARCHAR(10) NOT NULL DEFAULT '',
        acknowledged_at BIGINT NULL,
        safe_roll_call INTEGER NULL,
        safe_at BIGINT NULL,
        safe_by VARCHAR(150) NOT NULL DEFAULT '',
        anonymised BOOLEAN NOT NULL DEFAULT FALSE,
        expected_at BIGINT NULL,
        invite_email VARCHAR(254) NOT NULL DEFAULT '',
        invite_hash VARCHAR(64) NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS visitor_roll_call (
        id {pk},
        reason VARCHAR(200) NOT NULL DEFAULT '',
        actor VARCHAR(150) NOT NULL DEFAULT '',
        started_at BIGINT NOT NULL DEFAULT 0,
        people INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS visitor_visit_inside ON visitor_visit (checked_in_at) "
    "WHERE status = 'inside'",
    "CREATE INDEX IF NOT EXISTS visitor_visit_out ON visitor_visit (checked_out_at) "
    "WHERE status = 'out' AND anonymised = FALSE",
    "CREATE INDEX IF NOT EXISTS visitor_visit_signout ON visitor_visit (signout_hash)",
    "CREATE INDEX IF NOT EXISTS visitor_visit_expected ON visitor_visit (expected_at) "
    "WHERE status = 'expected'",
    "CREATE INDEX IF NOT EXISTS visitor_visit_invite ON visitor_visit (invite_hash) "
    "WHERE status = 'expected'",
)
DROPS = ("visitor_roll_call", "visitor_visit", "visitor_host", "visitor_kiosk")


async def forwards():
    return ddl.migration(
        ID,
        "visitor_reception",
        DESCRIPTION,
        ddl.typed(TABLES),
        [f"DROP TABLE IF EXISTS {table}" for table in DROPS],
    )
