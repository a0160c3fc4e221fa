"""Crisis mode, messages area: crisis messages, their versions and texts per language, the
steps of their approval and publication, and the knowledge-base articles they keep up to date
(written by hand: unique indexes per version and language).

``crisis_message`` is one message series (a CAP alert with its updates until it is cancelled);
``crisis_message_version`` one version of it (draft → approved by another user; a newer
approved version supersedes it); ``crisis_message_text`` its text in one language;
``crisis_message_log`` every step (drafted, edited, approved, rejected, superseded, cancelled,
published); ``crisis_message_article`` the script and FAQ article of the series per language.
"""

from core.db import ddl

ID = "2026-12-02T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Crisis mode: messages, versions, texts per language, approval log, KB articles"

TABLES = (
    """CREATE TABLE IF NOT EXISTS crisis_message (
        id {pk},
        status VARCHAR(10) NOT NULL DEFAULT 'open',
        exercise BOOLEAN NOT NULL DEFAULT FALSE,
        event_id INTEGER NULL,
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        cancelled_by VARCHAR(150) NULL,
        cancelled_at BIGINT NULL,
        cancel_note VARCHAR(1000) NOT NULL DEFAULT '',
        cancel_identifier VARCHAR(200) NULL
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_message_version (
        id {pk},
        message_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        status VARCHAR(12) NOT NULL DEFAULT 'draft',
        event_id INTEGER NULL,
        category VARCHAR(12) NOT NULL DEFAULT 'Safety',
        event_type VARCHAR(120) NOT NULL DEFAULT '',
        response_type VARCHAR(12) NOT NULL DEFAULT '',
        urgency VARCHAR(12) NOT NULL DEFAULT 'Immediate',
        severity VARCHAR(12) NOT NULL DEFAULT 'Severe',
        certainty VARCHAR(12) NOT NULL DEFAULT 'Observed',
        area_desc VARCHAR(300) NOT NULL DEFAULT '',
        web VARCHAR(500) NOT NULL DEFAULT '',
        expires_at BIGINT NULL,
        authors {json} NOT NULL DEFAULT '[]',
        created_by VARCHAR(150) NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL DEFAULT 0,
        updated_by VARCHAR(150) NOT NULL DEFAULT '',
        updated_at BIGINT NOT NULL DEFAULT 0,
        approved_by VARCHAR(150) NULL,
        approved_at BIGINT NULL,
        rejected_by VARCHAR(150) NULL,
        rejected_at BIGINT NULL,
        reject_reason VARCHAR(1000) NOT NULL DEFAULT '',
        superseded_at BIGINT NULL,
        msg_type VARCHAR(10) NULL,
        cap_identifier VARCHAR(200) NULL
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_message_text (
        id {pk},
        version_id INTEGER NOT NULL,
        language VARCHAR(8) NOT NULL,
        title VARCHAR(300) NOT NULL,
        body TEXT NOT NULL,
        instruction TEXT NOT NULL DEFAULT '',
        ivr_text TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_message_log (
        id {pk},
        message_id INTEGER NOT NULL,
        version_id INTEGER NULL,
        at BIGINT NOT NULL DEFAULT 0,
        actor VARCHAR(150) NOT NULL DEFAULT '',
        action VARCHAR(20) NOT NULL,
        event_id INTEGER NULL,
        detail {json} NOT NULL DEFAULT '{{}}'
    )""",
    """CREATE TABLE IF NOT EXISTS crisis_message_article (
        id {pk},
        message_id INTEGER NOT NULL,
        kind VARCHAR(10) NOT NULL,
        language VARCHAR(8) NOT NULL,
        article_id INTEGER NOT NULL,
        version_id INTEGER NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_message_version_no "
    "ON crisis_message_version (message_id, version)",
    "CREATE INDEX IF NOT EXISTS crisis_message_version_status "
    "ON crisis_message_version (status, message_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_message_version_cap "
    "ON crisis_message_version (cap_identifier)",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_message_text_lang "
    "ON crisis_message_text (version_id, language)",
    "CREATE INDEX IF NOT EXISTS crisis_message_log_message ON crisis_message_log (message_id, id)",
    "CREATE INDEX IF NOT EXISTS crisis_message_log_event ON crisis_message_log (event_id, id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS crisis_message_article_one "
    "ON crisis_message_article (message_id, kind, language)",
)
DROPS = (
    "crisis_message_article",
    "crisis_message_log",
    "crisis_message_text",
    "crisis_message_version",
    "crisis_message",
)


async def forwards():
    return ddl.migration(
        ID,
        "crisis_mode",
        DESCRIPTION,
        ddl.typed(TABLES),
        [f"DROP TABLE IF EXISTS {table}" for table in DROPS],
    )
