"""The service-level sweep: cases whose warning or due instant has passed since the last run.

It reads ``kc_case`` through the index on ``sla_next_check``, so its cost grows with the
number of cases that become due, not with the number of open cases. For each it records the
new state on the timeline and in the audit trail, calls the ``sla_breached`` hook, sends a live
event to the owner and the assignee, and e-mails the escalation chain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import audit, db, events
from core.auth.tables import User
from core.cases import timers
from core.cases.tables import Case, CaseEvent
from core.contracts import Event
from core.db import raw
from core.sla import service as sla

log = logging.getLogger(__name__)
SEVERITY = {"none": 0, "ok": 0, "met": 0, "paused": 0, "warning": 1, "breached": 2}
BATCH = 1000


@dataclass
class SweepResult:
    examined: int = 0
    warnings: list[str] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)


async def sweep(host: Any = None, now: int | None = None, batch: int = BATCH) -> SweepResult:
    """Handle every case whose next check is due; returns what changed."""
    now = now or int(time.time())
    result = SweepResult()
    while True:
        rows = (
            await Case.select(
                Case.id,
                Case.number,
                Case.status,
                Case.department,
                Case.case_type,
                Case.first_response_at,
                Case.closed_at,
                Case.first_response_due,
                Case.first_response_warn,
                Case.resolution_due,
                Case.resolution_warn,
                Case.sla_state,
                Case.sla_escalation_level,
                Case.owner.username,
                Case.assignee_user.username,
            )
            .where((Case.sla_next_check <= now) & Case.sla_next_check.is_not_null())
            .order_by(Case.sla_next_check)
            .limit(batch)
        )
        if not rows:
            return result
        announcements = []
        async with db.transaction():
            updates: list[tuple[Any, ...]] = []
            new_events: list[CaseEvent] = []
            for row in rows:
                result.examined += 1
                new_state = timers.state_at(row, now)
                state, level = row["sla_state"], row["sla_escalation_level"]
                if SEVERITY[new_state] > SEVERITY.get(state, 0):
                    state = new_state
                    level += 1 if new_state == "breached" else 0
                    kind = "breach" if new_state == "breached" else "warning"
                    (result.breaches if kind == "breach" else result.warnings).append(row["number"])
                    new_events.append(
                        CaseEvent(
                            case=row["id"],
                            at=now,
                            kind="sla",
                            actor="system",
                            public=False,
                            text="",
                            data={"state": new_state},
                        )
                    )
                    audit.record(
                        "system", f"sla.{kind}", "case", row["number"], {"state": new_state}
                    )
                    announcements.append((row, kind))
                updates.append((timers.next_check(row, now), state, level, row["id"]))
            await raw.executemany(
                "UPDATE kc_case SET sla_next_check = ?, sla_state = ?, "
                "sla_escalation_level = ? WHERE id = ?",
                updates,
            )
            if new_events:
                await CaseEvent.insert(*new_events)
            for row, kind in announcements:
                await _escalate(row, kind)
        for row, kind in announcements:
            _announce(host, row, kind)
        if len(rows) < batch:
            return result


async def _escalate(row: dict[str, Any], kind: str) -> None:
    """E-mail the escalation chain of the case's agreement (queued in this transaction)."""
    from core.citizen import notify

    on_date = datetime.fromtimestamp(
        row["first_response_due"] or row["resolution_due"] or int(time.time()), timers.ZONE
    ).date()
    target = await sla.resolve_target(row["department"], row["case_type"], on_date)
    if target is None:
        return
    recipients: list[str] = []
    for level in target.escalation or []:
        for who in level.get("notify", []):
            if "@" in who:
                recipients.append(who)
            else:
                user = await User.select(User.email).where(User.username == who).first()
                if user and user["email"]:
                    recipients.append(user["email"])
    if recipients:
        await notify.queue_escalation(row, sorted(set(recipients)), kind)


def _announce(host: Any, row: dict[str, Any], kind: str) -> None:
    users = tuple(filter(None, {row["owner.username"], row["assignee_user.username"]}))
    data = {
        "number": row["number"],
        "state": kind,
        "owner": row["owner.username"],
        "assignee": row["assignee_user.username"],
    }
    try:
        events.publish(Event(f"sla.{kind}", data, users=users))
        events.publish(Event("sla.monitor", data))  # every supervisor's overview
    except Exception:
        log.exception("live event for %s failed", row["number"])
    if host is not None:
        host.notify(
            "sla_breached",
            case={"number": row["number"], "id": row["id"]},
            kind=kind,
            level=row["sla_escalation_level"] + (kind == "breach"),
        )


async def run_forever(host: Any, interval: float) -> None:
    """Sweep every ``interval`` seconds until cancelled (the API process on one box, where
    the in-memory live events cannot be reached from the worker)."""
    while True:
        try:
            await sweep(host)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("SLA sweep failed; trying again in %s s", interval)
        await asyncio.sleep(interval)
