"""Business calendars and their exceptions (persistence, validation, audit) and the cached
look-ups the rest of the appliance uses: :func:`calendar_for` and :func:`resolve_target`.

Look-ups are cached in-process. Changes made through this package invalidate the caches
(at once and again after commit); a short TTL lets other processes' changes show within
``CACHE_TTL`` seconds. Agreements and targets are edited in :mod:`core.sla.agreements`.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core import audit, db, paging
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from core.org.tables import Department
from core.sla import crisis
from core.sla.calendar import (
    DEFAULT_TIMEZONE,
    STANDARD,
    STANDARD_KEY,
    Calendar,
    check_timezone,
    format_intervals,
    parse_intervals,
    parse_weekly,
)
from core.sla.tables import Agreement, AgreementTarget, BusinessCalendar, CalendarException
from core.sla.timers import Target

log = logging.getLogger(__name__)

CACHE_TTL = 30.0
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
STANDARD_NAME = "Standard (mån-fre 08-17)"


# --------------------------------------------------------------------------- caches


@dataclass(frozen=True, slots=True)
class _Period:
    agreement_id: int
    valid_from: date
    valid_to: date | None
    targets: dict[int, Target]


_generation = 0
_calendars: dict[str, tuple[float, Calendar | None]] = {}
_department_keys: dict[int, tuple[float, str | None]] = {}
_periods: dict[int, tuple[float, tuple[_Period, ...]]] = {}
_instances: dict[str, Calendar] = {}  # last built calendar per key, reused while unchanged


def invalidate() -> None:
    """Forget every cached calendar, department calendar key and agreement."""
    global _generation
    _generation += 1
    _calendars.clear()
    _department_keys.clear()
    _periods.clear()


def invalidate_on_commit() -> None:
    """Invalidate now and once more after the current transaction commits."""
    invalidate()
    db.on_commit(invalidate)


def _fresh(entry: tuple[float, Any] | None) -> bool:
    return entry is not None and entry[0] > time.monotonic()


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def local_today(timezone: str = DEFAULT_TIMEZONE) -> date:
    return datetime.now(check_timezone(timezone)).date()


# --------------------------------------------------------------------------- look-ups


async def _load_calendar(key: str) -> Calendar | None:
    rows = await BusinessCalendar.select().where(BusinessCalendar.key == key)
    if not rows:
        return STANDARD if key == STANDARD_KEY else None
    row = rows[0]
    exceptions = await CalendarException.select(
        CalendarException.day, CalendarException.closed, CalendarException.hours
    ).where(CalendarException.calendar == row["id"])
    cal = Calendar.from_config(
        key,
        raw.json_column(row["hours"], {}),
        timezone=row["timezone"],
        closed_on_de_facto_holidays=bool(row["closed_on_de_facto_holidays"]),
        exceptions=[
            (as_date(e["day"]), bool(e["closed"]), raw.json_column(e["hours"], []))
            for e in exceptions
        ],
    )
    previous = _instances.get(key)
    if previous is not None and previous.fingerprint() == cal.fingerprint():
        return previous  # keep its warm per-day caches
    _instances[key] = cal
    return cal


async def get_calendar(key: str) -> Calendar | None:
    """The calendar named ``key`` (the built-in standard one if not stored), or None."""
    entry = _calendars.get(key)
    if entry is not None and _fresh(entry):
        return entry[1]
    generation = _generation
    cal = await _load_calendar(key)
    if generation == _generation:
        _calendars[key] = (time.monotonic() + CACHE_TTL, cal)
    return cal


async def calendar_or_404(key: str) -> Calendar:
    cal = await get_calendar(key)
    if cal is None:
        raise NotFound("There is no business calendar {key}", key=key)
    return cal


async def calendar_for(department_id: int | None) -> Calendar:
    """The business calendar of a department (the standard one if it names none we know);
    open around the clock while a crisis override covers it (:mod:`core.sla.crisis`)."""
    return await crisis.apply(await _department_calendar(department_id))


async def _department_calendar(department_id: int | None) -> Calendar:
    if department_id is None:
        return await get_calendar(STANDARD_KEY) or STANDARD
    entry = _department_keys.get(department_id)
    if entry is not None and _fresh(entry):
        key = entry[1]
    else:
        generation = _generation
        rows = await Department.select(Department.calendar).where(Department.id == department_id)
        key = (rows[0]["calendar"] or STANDARD_KEY) if rows else None
        if generation == _generation:
            _department_keys[department_id] = (time.monotonic() + CACHE_TTL, key)
    cal = await get_calendar(key or STANDARD_KEY)
    if cal is None:
        log.warning("department %s names unknown calendar %r; using standard", department_id, key)
        cal = await get_calendar(STANDARD_KEY) or STANDARD
    return cal


def _target_of(row: dict[str, Any], department_id: int) -> Target:
    return Target(
        first_response_minutes=row["first_response_minutes"],
        resolution_minutes=row["resolution_minutes"],
        warning_percent=int(row["warning_percent"]),
        escalation=tuple(raw.json_column(row["escalation"], [])),
        agreement_id=row["agreement"],
        target_id=row["id"],
        department_id=department_id,
        case_type_id=row["case_type"],
    )


async def _load_periods(department_id: int) -> tuple[_Period, ...]:
    agreements = await Agreement.select(
        Agreement.id, Agreement.valid_from, Agreement.valid_to
    ).where(Agreement.department == department_id)
    if not agreements:
        return ()
    ids = [a["id"] for a in agreements]
    targets = await AgreementTarget.select().where(AgreementTarget.agreement.is_in(ids))
    by_agreement: dict[int, dict[int, Target]] = {i: {} for i in ids}
    for row in targets:
        by_agreement[row["agreement"]][row["case_type"]] = _target_of(row, department_id)
    periods = [
        _Period(a["id"], as_date(a["valid_from"]), as_date(a["valid_to"]), by_agreement[a["id"]])
        for a in agreements
    ]
    return tuple(sorted(periods, key=lambda p: p.valid_from))


async def resolve_target(
    department_id: int, case_type_id: int, on_date: date | None = None
) -> Target | None:
    """The target for a case type under the department's agreement valid on ``on_date``
    (today in Europe/Stockholm if omitted), or None when no agreement or target applies."""
    entry = _periods.get(department_id)
    if entry is not None and _fresh(entry):
        periods = entry[1]
    else:
        generation = _generation
        periods = await _load_periods(department_id)
        if generation == _generation:
            _periods[department_id] = (time.monotonic() + CACHE_TTL, periods)
    day = on_date or local_today()
    for period in periods:
        if period.valid_from <= day and (period.valid_to is None or day <= period.valid_to):
            return period.targets.get(case_type_id)
    return None


# --------------------------------------------------------------------------- calendars


def _calendar_dict(row: dict[str, Any]) -> dict[str, Any]:
    weekly = parse_weekly(raw.json_column(row["hours"], {}))
    return {
        "key": row["key"],
        "name": row["name"],
        "timezone": row["timezone"],
        "hours": Calendar(key=row["key"], timezone=row["timezone"], weekly=weekly).hours(),
        "closed_on_de_facto_holidays": bool(row["closed_on_de_facto_holidays"]),
        "builtin": False,
    }


def _standard_dict() -> dict[str, Any]:
    return {
        "key": STANDARD_KEY,
        "name": STANDARD_NAME,
        "timezone": STANDARD.timezone,
        "hours": STANDARD.hours(),
        "closed_on_de_facto_holidays": STANDARD.closed_on_de_facto_holidays,
        "builtin": True,
    }


def _check_key(key: str) -> None:
    if not KEY_RE.match(key or ""):
        raise InvalidInput(
            "A calendar key must be 2-64 characters a-z, 0-9, '_' or '-': {key}", key=key
        )


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("The name must be 1-200 characters")
    return name


def _normalised_hours(hours: Any) -> dict[str, list[list[str]]]:
    weekly = parse_weekly(hours)
    return Calendar(weekly=weekly).hours()


async def list_calendars(
    cursor: str | None = None, limit: int = paging.DEFAULT_LIMIT
) -> dict[str, Any]:
    """One page of the calendars by key (keyset on the unique key), with their number: the
    stored ones and the built-in standard one unless a row overrides it."""
    scope = "calendars"
    after = paging.decode_cursor(scope, cursor, (str,))
    query = BusinessCalendar.select().order_by(BusinessCalendar.key).limit(limit + 1)
    if after is not None:
        query = query.where(BusinessCalendar.key > after[0])
    items = [_calendar_dict(r) for r in await query]
    stored = await BusinessCalendar.exists().where(BusinessCalendar.key == STANDARD_KEY)
    if not stored and (after is None or str(after[0]) < STANDARD_KEY):
        items = sorted([*items, _standard_dict()], key=lambda c: c["key"])
    page, next_cursor = paging.cut(items, limit, scope, lambda c: (c["key"],))
    total = await BusinessCalendar.count() + (0 if stored else 1)
    return paging.page(page, next_cursor, total)


async def _calendar_row(key: str) -> dict[str, Any] | None:
    rows = await BusinessCalendar.select().where(BusinessCalendar.key == key)
    return rows[0] if rows else None


async def get_calendar_info(key: str) -> dict[str, Any]:
    """One calendar in stored form, with the departments that use it."""
    row = await _calendar_row(key)
    if row is None and key != STANDARD_KEY:
        raise NotFound("There is no business calendar {key}", key=key)
    info = _calendar_dict(row) if row else _standard_dict()
    departments = await Department.select(Department.id, Department.code).where(
        Department.calendar == key
    )
    info["departments"] = [{"id": d["id"], "code": d["code"]} for d in departments]
    return info


async def create_calendar(
    actor: str,
    key: str,
    name: str,
    hours: dict[str, Any],
    timezone: str = DEFAULT_TIMEZONE,
    closed_on_de_facto_holidays: bool = True,
) -> dict[str, Any]:
    """Store a new calendar; the key must be new (``standard`` may be stored to override)."""
    _check_key(key)
    name = _check_name(name)
    check_timezone(timezone)
    stored_hours = _normalised_hours(hours)
    async with db.transaction():
        if await BusinessCalendar.exists().where(BusinessCalendar.key == key):
            raise Conflict("There is already a business calendar {key}", key=key)
        row = BusinessCalendar(
            key=key,
            name=name,
            timezone=timezone,
            hours=stored_hours,
            closed_on_de_facto_holidays=closed_on_de_facto_holidays,
        )
        await row.save()
        audit.record(
            actor,
            "sla.calendar.create",
            "business_calendar",
            key,
            {
                "name": name,
                "timezone": timezone,
                "hours": stored_hours,
                "closed_on_de_facto_holidays": closed_on_de_facto_holidays,
            },
        )
        invalidate_on_commit()
    return await get_calendar_info(key)


async def _materialise(actor: str, key: str) -> dict[str, Any]:
    """The calendar's row, creating the standard one from the built-in default if needed."""
    row = await _calendar_row(key)
    if row is not None:
        return row
    if key != STANDARD_KEY:
        raise NotFound("There is no business calendar {key}", key=key)
    default = _standard_dict()
    await BusinessCalendar(
        key=key,
        name=default["name"],
        timezone=default["timezone"],
        hours=default["hours"],
        closed_on_de_facto_holidays=default["closed_on_de_facto_holidays"],
    ).save()
    audit.record(actor, "sla.calendar.create", "business_calendar", key, {"builtin": True})
    row = await _calendar_row(key)
    assert row is not None
    return row


async def update_calendar(actor: str, key: str, **changes: Any) -> dict[str, Any]:
    """Change name, timezone, hours or closed_on_de_facto_holidays of a calendar."""
    allowed = {"name", "timezone", "hours", "closed_on_de_facto_holidays"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("Unknown field(s): {fields}", fields=", ".join(sorted(unknown)))
    values: dict[Any, Any] = {}
    if "name" in changes:
        values[BusinessCalendar.name] = changes["name"] = _check_name(changes["name"])
    if "timezone" in changes:
        check_timezone(changes["timezone"])
        values[BusinessCalendar.timezone] = changes["timezone"]
    if "hours" in changes:
        changes["hours"] = _normalised_hours(changes["hours"])
        values[BusinessCalendar.hours] = changes["hours"]
    if "closed_on_de_facto_holidays" in changes:
        values[BusinessCalendar.closed_on_de_facto_holidays] = bool(
            changes["closed_on_de_facto_holidays"]
        )
    async with db.transaction():
        row = await _materialise(actor, key)
        if values:
            await BusinessCalendar.update(values).where(BusinessCalendar.id == row["id"])
            audit.record(actor, "sla.calendar.update", "business_calendar", key, changes)
        invalidate_on_commit()
    return await get_calendar_info(key)


async def delete_calendar(actor: str, key: str) -> None:
    """Delete a stored calendar and its exceptions; refused while a department uses it.

    Deleting the stored ``standard`` calendar brings back the built-in default.
    """
    async with db.transaction():
        row = await _calendar_row(key)
        if row is None:
            raise NotFound("There is no business calendar {key}", key=key)
        if key != STANDARD_KEY:
            users = await Department.select(Department.code).where(Department.calendar == key)
            if users:
                raise Conflict(
                    "The calendar {key} is used by {departments}",
                    key=key,
                    departments=", ".join(sorted(u["code"] for u in users)),
                )
        await BusinessCalendar.delete().where(BusinessCalendar.id == row["id"])
        audit.record(actor, "sla.calendar.delete", "business_calendar", key, {})
        invalidate_on_commit()


# --------------------------------------------------------------------------- exceptions


def _exception_dict(row: dict[str, Any], key: str) -> dict[str, Any]:
    day = as_date(row["day"])
    return {
        "id": row["id"],
        "calendar": key,
        "day": day.isoformat() if day else None,
        "closed": bool(row["closed"]),
        "hours": format_intervals(parse_intervals(raw.json_column(row["hours"], []))),
        "note": row["note"],
    }


def parse_day(value: Any) -> date:
    """A date from "YYYY-MM-DD" (or a date)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("Not a date in the form YYYY-MM-DD: {value}", value=str(value)) from None


def _check_exception(closed: bool, hours: Any, note: str) -> list[list[str]]:
    if len(note or "") > 200:
        raise InvalidInput("The note must be at most 200 characters")
    if closed:
        if hours:
            raise InvalidInput("A closed day has no opening hours")
        return []
    intervals = parse_intervals(hours or [])
    if not intervals:
        raise InvalidInput("A day with special hours needs at least one opening interval")
    return format_intervals(intervals)


async def list_exceptions(
    key: str, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """The calendar's exceptions by day, optionally within [start, end]."""
    row = await _calendar_row(key)
    if row is None:
        if key == STANDARD_KEY:
            return []
        raise NotFound("There is no business calendar {key}", key=key)
    query = CalendarException.select().where(CalendarException.calendar == row["id"])
    if start is not None:
        query = query.where(CalendarException.day >= start)
    if end is not None:
        query = query.where(CalendarException.day <= end)
    rows = await query.order_by(CalendarException.day)
    return [_exception_dict(r, key) for r in rows]


async def _exception_row(calendar_id: int, day: date) -> dict[str, Any] | None:
    rows = await CalendarException.select().where(
        (CalendarException.calendar == calendar_id) & (CalendarException.day == day)
    )
    return rows[0] if rows else None


async def _existing_exception(key: str, day: date) -> dict[str, Any]:
    """The stored exception of calendar ``key`` on ``day``; 404 when there is none."""
    cal = await _calendar_row(key)
    current = await _exception_row(cal["id"], day) if cal else None
    if cal is None or current is None:
        raise NotFound("The calendar {key} has no exception on {day}", key=key, day=day.isoformat())
    return current


async def _audit_exception(
    actor: str,
    action: str,
    key: str,
    calendar_id: int,
    day: date,
    closed: bool,
    stored_hours: list[list[str]],
    note: str,
) -> dict[str, Any]:
    """Audit a stored exception day, drop the caches on commit and return the row as stored."""
    audit.record(
        actor,
        action,
        "calendar_exception",
        f"{key}/{day.isoformat()}",
        {"closed": closed, "hours": stored_hours, "note": note or ""},
    )
    invalidate_on_commit()
    row = await _exception_row(calendar_id, day)
    assert row is not None
    return row


async def create_exception(
    actor: str, key: str, day: date, closed: bool = True, hours: Any = None, note: str = ""
) -> dict[str, Any]:
    """Close a day (a klämdag) or give it special hours; one exception per day."""
    stored_hours = _check_exception(closed, hours, note)
    async with db.transaction():
        cal = await _materialise(actor, key)
        if await _exception_row(cal["id"], day) is not None:
            raise Conflict(
                "The calendar {key} already has an exception on {day}", key=key, day=day.isoformat()
            )
        row = CalendarException(
            calendar=cal["id"], day=day, closed=closed, hours=stored_hours, note=note or ""
        )
        await row.save()
        created = await _audit_exception(
            actor, "sla.exception.create", key, cal["id"], day, closed, stored_hours, note
        )
    return _exception_dict(created, key)


async def update_exception(actor: str, key: str, day: date, **changes: Any) -> dict[str, Any]:
    """Change whether an exception day is closed, its hours or its note."""
    async with db.transaction():
        current = await _existing_exception(key, day)
        closed = bool(changes.get("closed", current["closed"]))
        hours = changes.get("hours", [] if closed else raw.json_column(current["hours"], []))
        note = changes.get("note", current["note"])
        stored_hours = _check_exception(closed, hours, note)
        await CalendarException.update(
            {
                CalendarException.closed: closed,
                CalendarException.hours: stored_hours,
                CalendarException.note: note or "",
            }
        ).where(CalendarException.id == current["id"])
        updated = await _audit_exception(
            actor, "sla.exception.update", key, current["calendar"], day, closed, stored_hours, note
        )
    return _exception_dict(updated, key)


async def delete_exception(actor: str, key: str, day: date) -> None:
    """Remove the exception on ``day``: the day follows the weekly hours again."""
    async with db.transaction():
        current = await _existing_exception(key, day)
        await CalendarException.delete().where(CalendarException.id == current["id"])
        audit.record(
            actor, "sla.exception.delete", "calendar_exception", f"{key}/{day.isoformat()}", {}
        )
        invalidate_on_commit()
