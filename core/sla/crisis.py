"""The crisis override of the business calendars: open around the clock while it lasts.

Crisis mode (or another caller) starts an override with a reason; until it ends, the
calendars it names — every calendar when it names none — count every hour of every day,
holidays included, as business time (:func:`apply`, used by
:func:`core.sla.service.calendar_for`). Due times computed meanwhile follow the 24/7 hours;
ending the override brings the stored calendars back. Each start and end is audited. Several
callers may hold overrides at once (one active per ``ref``); their calendars add up.

The active overrides are cached in-process; changes made here invalidate the cache at once
and after commit, other processes see them within ``CACHE_TTL`` seconds.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from core.sla.calendar import Calendar, Interval

CACHE_TTL = 30.0
MAX_REASON = 500
MAX_REF = 100
COLUMNS = "id, reason, ref, calendars, started_by, started_at, ended_by, ended_at"
ACTIVE_SQL = f"SELECT {COLUMNS} FROM sla_crisis_override WHERE ended_at IS NULL ORDER BY id"
ALL_DAY: tuple[Interval, ...] = ((0, 24 * 60),)

_cache: tuple[float, tuple[dict[str, Any], ...]] | None = None
_around: dict[str, Calendar] = {}


class AroundTheClock(Calendar):
    """A calendar open 00:00-24:00 every day, holidays and exceptions included."""

    def local_intervals(self, day: date) -> tuple[Interval, ...]:
        return ALL_DAY


def around_the_clock(cal: Calendar) -> Calendar:
    """The 24/7 stand-in for ``cal`` (same key and time zone; one instance per key)."""
    stand_in = _around.get(cal.key)
    if stand_in is None or stand_in.timezone != cal.timezone:
        stand_in = AroundTheClock(key=cal.key, timezone=cal.timezone, weekly=(ALL_DAY,) * 7)
        _around[cal.key] = stand_in
    return stand_in


def invalidate() -> None:
    """Forget the cached overrides."""
    global _cache
    _cache = None


def _view(row: dict[str, Any]) -> dict[str, Any]:
    view = dict(row)
    view["calendars"] = raw.json_list(view["calendars"])
    return view


async def active() -> tuple[dict[str, Any], ...]:
    """The overrides in force now (cached for ``CACHE_TTL`` seconds)."""
    global _cache
    entry = _cache
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    rows = tuple(_view(r) for r in await raw.fetch(ACTIVE_SQL))
    _cache = (time.monotonic() + CACHE_TTL, rows)
    return rows


async def apply(cal: Calendar) -> Calendar:
    """``cal`` itself, or its 24/7 stand-in while an override covers it."""
    overrides = await active()
    if not overrides:
        return cal
    for override in overrides:
        if not override["calendars"] or cal.key in override["calendars"]:
            return around_the_clock(cal)
    return cal


def _check(reason: str, ref: str) -> tuple[str, str]:
    reason, ref = (reason or "").strip(), (ref or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("A reason of 1-500 characters is needed")
    if not ref or len(ref) > MAX_REF:
        raise InvalidInput("A reference of 1-100 characters is needed")
    return reason, ref


async def start(
    actor: str, reason: str, ref: str, calendars: list[str] | None = None
) -> dict[str, Any]:
    """Open ``calendars`` (every calendar when empty or None) around the clock, audited.

    ``ref`` names the caller (e.g. ``crisis_mode:event:3``); a second start with the same
    ``ref`` while the first lasts is a Conflict. Unknown calendar keys are refused.
    """
    reason, ref = _check(reason, ref)
    keys = sorted({str(k) for k in calendars or []})
    if keys:
        marks = ", ".join("?" for _ in keys)
        known = {
            r["key"]
            for r in await raw.fetch(
                f"SELECT key FROM business_calendar WHERE key IN ({marks})", *keys
            )
        }
        unknown = sorted(set(keys) - known - {"standard"})
        if unknown:
            raise InvalidInput(
                "Unknown business calendar(s): {keys}", keys=", ".join(unknown)[:200]
            )
    now = int(time.time())
    async with db.transaction():
        if await raw.fetchrow(
            "SELECT id FROM sla_crisis_override WHERE ref = ? AND ended_at IS NULL", ref
        ):
            raise Conflict("A calendar override for {ref} is already in force", ref=ref)
        override_id = await raw.insert(
            "sla_crisis_override",
            {
                "reason": reason,
                "ref": ref,
                "calendars": keys,
                "started_by": actor,
                "started_at": now,
            },
        )
        audit.record(
            actor,
            "sla.crisis_override.start",
            "sla_crisis_override",
            override_id,
            {"reason": reason, "ref": ref, "calendars": keys or "all"},
        )
        invalidate()
        db.on_commit(invalidate)
    return await get(override_id)


async def get(override_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(f"SELECT {COLUMNS} FROM sla_crisis_override WHERE id = ?", override_id)
    if row is None:
        raise NotFound("There is no calendar override {id}", id=override_id)
    return _view(row)


async def end(actor: str, ref: str) -> dict[str, Any] | None:
    """End the override ``ref`` started (audited); None when none of it is in force."""
    ref = (ref or "").strip()
    now = int(time.time())
    async with db.transaction():
        row = await raw.fetchrow(
            "SELECT id, started_at FROM sla_crisis_override WHERE ref = ? AND ended_at IS NULL",
            ref,
        )
        if row is None:
            return None
        await raw.fetch(
            "UPDATE sla_crisis_override SET ended_by = ?, ended_at = ? WHERE id = ?",
            actor,
            now,
            row["id"],
        )
        audit.record(
            actor,
            "sla.crisis_override.end",
            "sla_crisis_override",
            row["id"],
            {"ref": ref, "seconds": now - int(row["started_at"])},
        )
        invalidate()
        db.on_commit(invalidate)
    return await get(row["id"])
