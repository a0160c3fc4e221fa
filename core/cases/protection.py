"""A protected identity protects the case: when a party is marked skyddad identitet later,
its open cases become secret too (one timeline entry and one audit entry per case)."""

from __future__ import annotations

import time

from core import audit
from core.db import raw

OPEN_PUBLIC_CASES_SQL = (
    "SELECT id, number FROM kc_case WHERE party = ? AND secret = ? AND status <> 'closed' "
    "ORDER BY id"
)
MAKE_SECRET_SQL = "UPDATE kc_case SET secret = ?, updated_at = ? WHERE id = ?"


async def protect_open_cases(actor: str, party_id: int) -> list[str]:
    """Make the party's open, not yet secret cases secret (in the current transaction);
    returns their numbers."""
    now = int(time.time())
    rows = await raw.fetch(OPEN_PUBLIC_CASES_SQL, party_id, False)
    for row in rows:
        await raw.fetch(MAKE_SECRET_SQL, True, now, row["id"])
        details = {"secret": True, "reason": "protected_identity", "party": party_id}
        await raw.insert(
            "case_event",
            {
                "case": row["id"],
                "at": now,
                "kind": "secrecy",
                "actor": actor,
                "public": False,
                "text": "",
                "data": details,
            },
        )
        audit.record(actor, "case.secrecy", "case", row["number"], details)
    return [row["number"] for row in rows]
