"""The situation area's tables (written by hand: unique and covering indexes).

Topics and areas the crisis team keeps; the tags of crisis contacts (one row per contact and
event, one row per topic of it, with the hour, channel and area copied so the lägesbild
counts each from one covering index, without joins or table reads) and the running counts
per event, hour, topic, channel and area that tagging keeps (``crisis_tag_count``, topic 0
= the tagged contact itself, area 0 = none); the kept lägesbilder; the on-call roster, its
call-ins and the shifts.
"""

from core.db import ddl

ID = "2026-12-02T03:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Crisis mode situation picture: topics, tags, lägesbilder, roster, call-ins, shifts"

TABLES = (
    """CREATE TABLE IF NOT EXISTS crisis_topic (
        id {pk},
        code VARCHAR(40) NOT NULL UNIQUE,
        label_sv VARCHAR(120) NOT NULL,
        label_en VARCHAR(120) NOT NULL DEFAULT '',
        active BOOLEAN NOT NULL DEFAULT TRUE,
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        event_id BIGINT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_area (
        id {pk},
        code VARCHAR(40) NOT NULL UNIQUE,
        label_sv VARCHAR(120) NOT NULL,
        label_en VARCHAR(120) NOT NULL DEFAULT '',
        active BOOLEAN NOT NULL DEFAULT TRUE,
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_tag (
        id {pk},
        event_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        contact_number VARCHAR(40) NOT NULL DEFAULT '',
        channel VARCHAR(12) NOT NULL DEFAULT '',
        received_at BIGINT NOT NULL DEFAULT 0,
        hour_start BIGINT NOT NULL DEFAULT 0,
        area_id BIGINT NULL,
        question VARCHAR(500) NOT NULL DEFAULT '',
        tagged_by VARCHAR(150) NOT NULL DEFAULT '',
        tagged_at BIGINT NOT NULL DEFAULT 0,
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_tag_topic (
        id {pk},
        tag_id BIGINT NOT NULL,
        event_id BIGINT NOT NULL,
        topic_id BIGINT NOT NULL,
        hour_start BIGINT NOT NULL DEFAULT 0,
        channel VARCHAR(12) NOT NULL DEFAULT '',
        area_id BIGINT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_tag_count (
        id {pk},
        event_id BIGINT NOT NULL,
        hour_start BIGINT NOT NULL,
        topic_id BIGINT NOT NULL,
        channel VARCHAR(12) NOT NULL DEFAULT '',
        area_id BIGINT NOT NULL DEFAULT 0,
        n INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_situation_report (
        id {pk},
        event_id BIGINT NOT NULL,
        kind VARCHAR(12) NOT NULL DEFAULT 'on_demand',
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        period_start BIGINT NOT NULL DEFAULT 0,
        period_end BIGINT NOT NULL DEFAULT 0,
        contacts INTEGER NOT NULL DEFAULT 0,
        report TEXT NOT NULL DEFAULT '{{}}',
        summary_sv TEXT NOT NULL DEFAULT '',
        summary_en TEXT NOT NULL DEFAULT '',
        chart_svg TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_roster_person (
        id {pk},
        name VARCHAR(120) NOT NULL,
        kind VARCHAR(12) NOT NULL DEFAULT 'jour',
        phone VARCHAR(40) NOT NULL DEFAULT '',
        email VARCHAR(254) NOT NULL DEFAULT '',
        languages TEXT NOT NULL DEFAULT '[]',
        username VARCHAR(64) NOT NULL DEFAULT '',
        on_call BOOLEAN NOT NULL DEFAULT TRUE,
        active BOOLEAN NOT NULL DEFAULT TRUE,
        note VARCHAR(300) NOT NULL DEFAULT '',
        updated_by VARCHAR(150) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_call_in (
        id {pk},
        event_id BIGINT NOT NULL,
        person_id BIGINT NOT NULL,
        status VARCHAR(10) NOT NULL DEFAULT 'asked',
        asked_at BIGINT NOT NULL DEFAULT 0,
        asked_by VARCHAR(150) NOT NULL DEFAULT '',
        emailed BOOLEAN NOT NULL DEFAULT FALSE,
        code_hash VARCHAR(64) NOT NULL DEFAULT '',
        confirmed_at BIGINT NULL,
        arrived_at BIGINT NULL,
        declined_at BIGINT NULL,
        updated_by VARCHAR(150) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_shift (
        id {pk},
        starts_at BIGINT NOT NULL,
        ends_at BIGINT NOT NULL,
        username VARCHAR(64) NOT NULL DEFAULT '',
        person_id BIGINT NULL,
        role VARCHAR(60) NOT NULL DEFAULT '',
        note VARCHAR(300) NOT NULL DEFAULT '',
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_tag_contact ON crisis_tag (event_id, contact_id)",
    "CREATE INDEX IF NOT EXISTS crisis_tag_hour ON crisis_tag (event_id, hour_start, area_id)",
    "CREATE INDEX IF NOT EXISTS crisis_tag_question ON crisis_tag (event_id, received_at) "
    "WHERE question <> ''",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_tag_topic_once ON crisis_tag_topic "
    "(tag_id, topic_id)",
    "CREATE INDEX IF NOT EXISTS crisis_tag_topic_hour ON crisis_tag_topic "
    "(event_id, hour_start, topic_id, channel, area_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_tag_count_cell ON crisis_tag_count "
    "(event_id, hour_start, topic_id, channel, area_id)",
    "CREATE INDEX IF NOT EXISTS crisis_situation_report_event ON crisis_situation_report "
    "(event_id, created_at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_call_in_once ON crisis_call_in (event_id, person_id)",
    "CREATE INDEX IF NOT EXISTS crisis_call_in_code ON crisis_call_in (code_hash)",
    "CREATE INDEX IF NOT EXISTS crisis_shift_span ON crisis_shift (ends_at, starts_at)",
)
DROPS = (
    "crisis_tag_count",
    "crisis_shift",
    "crisis_call_in",
    "crisis_roster_person",
    "crisis_situation_report",
    "crisis_tag_topic",
    "crisis_tag",
    "crisis_area",
    "crisis_topic",
)


async def forwards():
    return ddl.migration(
        ID,
        "crisis_mode",
        DESCRIPTION,
        ddl.typed(TABLES),
        [f"DROP TABLE IF EXISTS {table}" for table in DROPS],
    )
