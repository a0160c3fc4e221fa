"""A covering index for the statistics (written by hand; see core/reports/queries.py).

Every contact report selects contacts by ``local_day`` and groups by local day and hour,
channel, department, answer group and case type, summing the first-contact and forwarded
flags and counting waiting and talk times. With all of those in one index the reports read
the index only, never the contact rows themselves (SQLite and PostgreSQL alike).
"""

from core.db import ddl

ID = "2026-11-22T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Covering index of contacts for the reports"

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS contact_report ON contact (local_day, local_hour, channel, "
    "department, answer_group, case_type, resolved_first_contact, forwarded, wait_seconds, "
    "handle_seconds)"
)
BACKWARDS = "DROP INDEX IF EXISTS contact_report"


async def forwards():
    return ddl.migration(ID, "core", DESCRIPTION, [FORWARDS], [BACKWARDS])
