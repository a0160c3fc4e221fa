"""The reception's reminder when a host does not acknowledge a visitor: when it was sent.

The host's acknowledgement itself goes into ``visitor_visit.acknowledged_at`` (there since the
first migration). One column, nullable, on both engines.
"""

from core.db import ddl

ID = "2026-12-02T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Visits: when the reception was reminded of an unacknowledged visitor"

FORWARDS = ["ALTER TABLE visitor_visit ADD COLUMN reception_reminded_at BIGINT NULL"]
BACKWARDS = ["ALTER TABLE visitor_visit DROP COLUMN reception_reminded_at"]


async def forwards():
    return ddl.migration(ID, "visitor_reception", DESCRIPTION, FORWARDS, BACKWARDS)
