"""The host acknowledges their visitor's arrival; when they have not within
``host_ack_minutes``, a periodic job tells the reception once: the live event
``reception.host_not_acknowledged`` to ``reception.desk`` holders and an e-mail to
``reception_email`` (core outbox). Neither names the visitor: the reception's shared screens
and mailbox get the visit number, the host and where the visitor waits.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from core import audit, db, events
from core.auth.service import Principal
from core.citizen import notify
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, Forbidden
from plugins.visitor_reception import runtime, visits

log = logging.getLogger(__name__)
EVENT = "reception.host_not_acknowledged"  # registered in __init__.register_event_types
TEMPLATE = "visitor_not_acknowledged"
DUE = (
    "v.status = 'inside' AND v.acknowledged_at IS NULL AND v.reception_reminded_at IS NULL "
    "AND v.checked_in_at <= ? ORDER BY v.checked_in_at, v.id"
)


async def acknowledge(principal: Principal, number: str) -> dict[str, Any]:
    """The visit's host acknowledges it (once; a second call answers with the same time)."""
    row = await visits.get_row(number)
    if row["host_username"] != principal.username:
        raise Forbidden("Only the visit's host can acknowledge it")
    if row["status"] == "expected":
        raise Conflict("Visit {number} has not arrived yet", number=number)
    if row["acknowledged_at"] is None:
        now = int(time.time())
        async with db.transaction():
            done = await raw.fetch(
                "UPDATE visitor_visit SET acknowledged_at = ? "
                "WHERE id = ? AND acknowledged_at IS NULL RETURNING id",
                now,
                row["id"],
            )
            if done:
                audit.record(principal.username, "reception.acknowledged", "visitor_visit", number)
        row = await visits.get_row(number)
    return (await visits.views_for(principal, [row], "acknowledge"))[0]


async def remind(now: int | None = None) -> int:
    """Tell the reception of every visitor inside whose host has not acknowledged within
    ``host_ack_minutes`` (never twice for a visit); returns how many. 0 minutes: off."""
    minutes = int(runtime.setting("host_ack_minutes") or 0)
    if minutes <= 0:
        return 0
    now = now or int(time.time())
    rows = await visits.fetch_visits(DUE, now - minutes * 60)
    if not rows:
        return 0
    email = str(runtime.setting("reception_email") or "").strip()
    reminded: list[dict[str, Any]] = []
    async with db.transaction():
        for row in rows:
            claimed = await raw.fetch(
                "UPDATE visitor_visit SET reception_reminded_at = ? "
                "WHERE id = ? AND reception_reminded_at IS NULL RETURNING id",
                now,
                row["id"],
            )
            if not claimed:
                continue  # another worker was first
            reminded.append(row)
            if email:
                await notify.queue(email, TEMPLATE, "sv", **_facts(row, minutes))
        if reminded:
            numbers = [r["number"] for r in reminded]
            details = {"count": len(reminded), "minutes": minutes, "numbers": numbers}
            audit.record("system", "reception.host_not_acknowledged", "visitor_visit", "", details)
            db.on_commit(lambda: _publish(reminded, minutes))
    return len(reminded)


def _facts(row: dict[str, Any], minutes: int) -> dict[str, Any]:
    return {
        "visit_number": row["number"],
        "host": row["host_name"] or row["host_username"],
        "location": row["location"],
        "minutes": minutes,
        "checked_in_at": row["checked_in_at"],
    }


def _publish(rows: list[dict[str, Any]], minutes: int) -> None:
    for row in rows:
        try:
            events.publish(Event(EVENT, _facts(row, minutes)))
        except Exception:
            log.exception("live event %s failed", EVENT)


def run_remind() -> None:
    """The worker's periodic task (every minute)."""
    from core import jobs

    jobs.run_async(remind())
