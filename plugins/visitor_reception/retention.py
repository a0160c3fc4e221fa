"""Retention of visits under the municipality's gallringsbeslut: a daily job anonymises (or
deletes) visits signed out, or expected and never arrived, longer ago than ``retention_days``,
each run audited with its counts, the cut-off and the decision's reference.

Anonymising keeps the visit number, host, times and the core contact (so the statistics still
count the walk-in) and removes what names the visitor: name, organisation, purpose and the
badge's code. ``retention_action = delete`` removes the rows instead.
"""

from __future__ import annotations

import time
from typing import Any

from core import audit, db
from core.db import raw
from plugins.visitor_reception import runtime

DAY_S = 86400
PAST = "((status = 'out' AND checked_out_at < ?) OR (status = 'expected' AND expected_at < ?))"
ANONYMISE_SQL = (
    "UPDATE visitor_visit SET visitor_name = '', organisation = '', purpose = '', "
    "signout_hash = '', invite_email = '', invite_hash = '', anonymised = ? "
    f"WHERE anonymised = ? AND {PAST} RETURNING id"
)
DELETE_SQL = f"DELETE FROM visitor_visit WHERE {PAST} RETURNING id"


async def purge(now: int | None = None, actor: str = "system") -> dict[str, Any]:
    """Apply the retention period once; returns what was done (also the audit's details)."""
    now = now or int(time.time())
    days = int(runtime.setting("retention_days"))
    action = str(runtime.setting("retention_action"))
    cutoff = now - days * DAY_S
    async with db.transaction():
        if action == "delete":
            rows = await raw.fetch(DELETE_SQL, cutoff, cutoff)
        else:
            rows = await raw.fetch(ANONYMISE_SQL, True, False, cutoff, cutoff)
        details = {
            "action": action,
            "count": len(rows),
            "retention_days": days,
            "cutoff": cutoff,
            "decision": str(runtime.setting("retention_decision")),
        }
        audit.record(actor, "reception.retention", "visitor_visit", "", details)
    return details


def run_purge() -> None:
    """The worker's periodic task (daily)."""
    from core import jobs

    jobs.run_async(purge())
