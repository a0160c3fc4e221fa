"""The requests' own alarm: when the core's SLA sweep raises a warning or a breach on the
core case of an open request (the ``sla_breached`` hook), everyone holding
``diarium.requests`` gets the live event ``diarium.request_overdue`` with the request's
number — also for a request from the web form, whose core case has no owner to tell."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from core import events
from core.contracts import Event
from core.db import raw

log = logging.getLogger(__name__)
OVERDUE_EVENT = "diarium.request_overdue"
_pending: set[asyncio.Task] = set()


def sla_breached(case: dict[str, Any], kind: str, level: int) -> None:
    """The hook (sync, called by the sweep on its event loop): look the request up and
    announce it without holding the sweep up."""
    number = str(case.get("number") or "")
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # no loop: nothing can be announced from here
    task = loop.create_task(announce(number, kind, level))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def announce(case_number: str, kind: str, level: int) -> None:
    """Publish ``diarium.request_overdue`` if ``case_number`` is an open request's case."""
    try:
        row = await raw.fetchrow(
            "SELECT number, status, received_at FROM diarium_request WHERE kc_case_number = ?",
            case_number,
        )
        if row is None or row["status"] not in ("received", "in_progress"):
            return
        events.publish(
            Event(
                OVERDUE_EVENT,
                {"number": row["number"], "case": case_number, "state": kind, "level": level},
            )
        )
    except Exception:
        log.exception("the alarm of the request with case %s failed", case_number)
