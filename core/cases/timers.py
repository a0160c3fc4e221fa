"""The service-level timers of a case: the glue between cases and :mod:`core.sla`.

A case stores its due and warning instants (business time already applied), the pause
state, and ``sla_next_check``: the next instant at which the sweep must look at it. The sweep
therefore reads only cases that become due, whatever the number of open cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.sla import calendar as business
from core.sla import service as sla

ZONE = ZoneInfo("Europe/Stockholm")


async def _calendar(department_id: int):
    return await sla.calendar_for(department_id)


def next_check(row: dict[str, Any], now: int) -> int | None:
    """The next warning or due instant after ``now`` of the timers still running."""
    candidates = []
    if row.get("first_response_at") is None:
        candidates += [row.get("first_response_warn"), row.get("first_response_due")]
    if row.get("status") not in ("decided", "closed"):
        candidates += [row.get("resolution_warn"), row.get("resolution_due")]
    future = [t for t in candidates if t is not None and t > now]
    return min(future) if future else None


async def initial(case_type: dict[str, Any], created_at: int) -> dict[str, Any]:
    """Due and warning instants for a new (or reopened) case from its department's agreement."""
    department_id = case_type["department"]
    on_date = datetime.fromtimestamp(created_at, ZONE).date()
    target = await sla.resolve_target(department_id, case_type["id"], on_date)
    empty = {
        "first_response_due": None,
        "first_response_warn": None,
        "resolution_due": None,
        "resolution_warn": None,
        "sla_state": "none",
        "sla_next_check": None,
        "paused_since": None,
        "paused_seconds": 0,
        "sla_escalation_level": 0,
    }
    if target is None:
        return empty
    cal = await _calendar(department_id)
    pct = max(1, min(99, int(target.warning_percent or 80)))
    values = dict(empty, sla_state="ok")
    for name, minutes in (
        ("first_response", target.first_response_minutes),
        ("resolution", target.resolution_minutes),
    ):
        if minutes:
            seconds = int(minutes) * 60
            values[f"{name}_due"] = int(business.add_business_seconds(cal, created_at, seconds))
            values[f"{name}_warn"] = int(
                business.add_business_seconds(cal, created_at, seconds * pct // 100)
            )
    values["sla_next_check"] = next_check({**values, "status": "received"}, created_at - 1)
    from core.cases import pauses  # pauses imports this module

    if await pauses.is_paused(case_type["id"]):  # its case type is set aside (crisis)
        values.update(paused_since=created_at, sla_state="paused", sla_next_check=None)
    return values


async def paused(row: dict[str, Any], now: int) -> dict[str, Any]:
    """Waiting for the citizen: stop the clock."""
    if row.get("paused_since") is not None:
        return {}
    return {"paused_since": now, "sla_state": "paused", "sla_next_check": None}


async def resumed(row: dict[str, Any], now: int) -> dict[str, Any]:
    """The citizen replied: every running due instant moves by the business time paused."""
    since = row.get("paused_since")
    if since is None:
        return {}
    cal = await _calendar(row["department"])
    paused_business = int(business.business_seconds_between(cal, since, now))
    values: dict[str, Any] = {
        "paused_since": None,
        "paused_seconds": int(row.get("paused_seconds") or 0) + max(0, now - since),
    }
    for name in ("first_response_due", "first_response_warn", "resolution_due", "resolution_warn"):
        # A line already crossed before the pause stays crossed; the others move on.
        if row.get(name) is not None and row[name] > since and paused_business:
            values[name] = int(business.add_business_seconds(cal, row[name], paused_business))
    merged = {**row, **values, "status": "in_progress"}
    values["sla_state"] = (
        "none"
        if row.get("resolution_due") is None and row.get("first_response_due") is None
        else state_at(merged, now)
    )
    values["sla_next_check"] = next_check(merged, now) if values["sla_state"] != "none" else None
    return values


async def stopped(row: dict[str, Any], now: int) -> dict[str, Any]:
    """Decided or closed: the resolution timer is done (met or breached)."""
    values: dict[str, Any] = {"sla_next_check": None}
    if row.get("paused_since") is not None:
        values["paused_since"] = None
        values["paused_seconds"] = int(row.get("paused_seconds") or 0) + max(
            0, now - row["paused_since"]
        )
    if row.get("sla_state") not in ("none", "breached"):
        first_done = row.get("first_response_at") or now
        late = (
            row.get("first_response_due") is not None
            and first_done > row["first_response_due"]
            or row.get("resolution_due") is not None
            and now > row["resolution_due"]
        )
        values["sla_state"] = "breached" if late else "met"
    return values


def state_at(row: dict[str, Any], now: int) -> str:
    """ok | warning | breached for the running timers at ``now``."""
    state = "ok"
    for name, done in (
        ("first_response", row.get("first_response_at")),
        ("resolution", row.get("closed_at")),
    ):
        due, warn = row.get(f"{name}_due"), row.get(f"{name}_warn")
        if done is not None or due is None:
            continue
        if now >= due:
            return "breached"
        if warn is not None and now >= warn:
            state = "warning"
    return state


async def view(row: dict[str, Any], now: int) -> dict[str, Any]:
    """All timers of a case at once, for display: due, done, business seconds left, paused."""
    result: dict[str, Any] = {
        "state": row.get("sla_state", "none"),
        "paused": row.get("paused_since") is not None,
        "paused_seconds": int(row.get("paused_seconds") or 0)
        + (now - row["paused_since"] if row.get("paused_since") else 0),
    }
    cal = None
    for name, done in (
        ("first_response", row.get("first_response_at")),
        ("resolution", row.get("closed_at")),
    ):
        due = row.get(f"{name}_due")
        item: dict[str, Any] = {"due": due, "warn": row.get(f"{name}_warn"), "done_at": done}
        if due is not None:
            end = done if done is not None else (row.get("paused_since") or now)
            if cal is None:
                cal = await _calendar(row["department"])
            if end <= due:
                item["business_seconds_left"] = int(
                    business.business_seconds_between(cal, end, due)
                )
            else:
                item["business_seconds_left"] = -int(
                    business.business_seconds_between(cal, due, end)
                )
            item["met"] = done is not None and done <= due
        result[name] = item
    return result
