"""The SQL of the reports: aggregates on indexed columns, never contact rows in Python.

Contacts are selected by their local day (``contact.local_day`` between the period's first
and last day, a covering index ``contact_report`` serves every grouping here); cases by
``kc_case.created_at`` in the period's epoch bounds. Each function returns a handful of
aggregated rows (one per hour and day, per group, per distinct waiting time …). The SQL is
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core import db
from core.reports.model import Filters, Period

OPEN_STATES = ("received", "in_progress", "investigating", "waiting", "decided")
AGE_BUCKETS = (  # (key, lower bound in days, upper bound in days or None)
    ("lt_1d", 0, 1),
    ("d1_3", 1, 3),
    ("d3_7", 3, 7),
    ("d7_30", 7, 30),
    ("gt_30d", 30, None),
)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one read query (``{}`` placeholders) and return its rows as dicts."""
    from piccolo.querystring import QueryString

    rows = await db.get_engine().run_querystring(QueryString(sql, *args))
    return [dict(row) for row in rows or []]


def _ints(row: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL returns SUM() of bigints as Decimal; make those ints."""
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def contact_where(period: Period, filters: Filters, alias: str = "") -> tuple[str, list[Any]]:
    """WHERE clause (without the keyword) for contacts of the period and filters."""
    p = f"{alias}." if alias else ""
    parts = [f"{p}local_day >= {{}}", f"{p}local_day <= {{}}"]
    args: list[Any] = [period.first.isoformat(), period.last.isoformat()]
    for column, value in (
        ("channel", filters.channel),
        ("department", filters.department_id),
        ("answer_group", filters.answer_group_id),
        ("case_type", filters.case_type_id),
    ):
        if value is not None:
            parts.append(f"{p}{column} = {{}}")
            args.append(value)
    return " AND ".join(parts), args


def case_filter(filters: Filters, alias: str = "c") -> tuple[str, list[Any]]:
    """Extra conditions on cases: department, case type, channel, and answer group (a case
    one of whose contacts was taken in that group)."""
    parts: list[str] = [f"{alias}.merged_into = ''"]
    args: list[Any] = []
    for column, value in (
        ("department", filters.department_id),
        ("case_type", filters.case_type_id),
        ("channel", filters.channel),
    ):
        if value is not None:
            parts.append(f"{alias}.{column} = {{}}")
            args.append(value)
    if filters.answer_group_id is not None:
        parts.append(
            f'EXISTS (SELECT 1 FROM contact k WHERE k."case" = {alias}.id '
            "AND k.answer_group = {})"
        )
        args.append(filters.answer_group_id)
    return " AND ".join(parts), args


FLAG_SUMS = (
    "COUNT(*) AS contacts, "
    "SUM(CASE WHEN resolved_first_contact THEN 1 ELSE 0 END) AS resolved, "
    "SUM(CASE WHEN forwarded THEN 1 ELSE 0 END) AS forwarded"
)


TIME_SUMS = (
    "COUNT(wait_seconds) AS wait_n, SUM(wait_seconds) AS wait_sum, "
    "COUNT(handle_seconds) AS talk_n, SUM(handle_seconds) AS talk_sum"
)


async def contacts_by_day_hour(period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Per local day and hour: contacts, resolved at first contact, forwarded, and the count
    and sum of known waiting and talk times (the index's order: no sorting)."""
    where, args = contact_where(period, filters)
    rows = await fetch(
        f"SELECT local_day, local_hour, {FLAG_SUMS}, {TIME_SUMS} FROM contact WHERE {where} "
        "GROUP BY local_day, local_hour",
        *args,
    )
    return [{k: v or 0 if k.endswith("_sum") else v for k, v in _ints(r).items()} for r in rows]


async def contacts_by_group(period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Per channel, answer group and case type (with department): the same three counts."""
    where, args = contact_where(period, filters)
    rows = await fetch(
        "SELECT g.channel, g.answer_group, g.case_type, g.department, g.contacts, g.resolved, "
        "g.forwarded, ag.code AS group_code, ag.name_sv AS group_sv, ag.name_en AS group_en, "
        "ct.code AS type_code, ct.name_sv AS type_sv, ct.name_en AS type_en, "
        "d.code AS dept_code, d.name_sv AS dept_sv, d.name_en AS dept_en "
        f"FROM (SELECT channel, answer_group, case_type, department, {FLAG_SUMS} "
        f"FROM contact WHERE {where} GROUP BY channel, answer_group, case_type, department) g "
        "LEFT JOIN answer_group ag ON ag.id = g.answer_group "
        "LEFT JOIN case_type ct ON ct.id = g.case_type "
        "LEFT JOIN department d ON d.id = g.department",
        *args,
    )
    for row in rows:
        for key in ("contacts", "resolved", "forwarded"):
            row[key] = int(row[key] or 0)
    return rows


async def histogram(period: Period, filters: Filters, column: str) -> list[tuple[str, int, int]]:
    """(channel, value, count) of a seconds column (wait_seconds | handle_seconds) where it
    is known, ordered by channel and value."""
    if column not in ("wait_seconds", "handle_seconds"):
        raise ValueError(column)
    where, args = contact_where(period, filters)
    rows = await fetch(
        f"SELECT channel, {column} AS v, COUNT(*) AS n FROM contact WHERE {where} "
        f"AND {column} IS NOT NULL GROUP BY channel, {column} ORDER BY channel, {column}",
        *args,
    )
    return [(r["channel"], int(r["v"]), int(r["n"])) for r in rows]


async def contact_totals(period: Period, filters: Filters) -> dict[str, int]:
    """Contacts, resolved at first contact and forwarded, in total."""
    where, args = contact_where(period, filters)
    rows = await fetch(f"SELECT {FLAG_SUMS} FROM contact WHERE {where}", *args)
    row = rows[0] if rows else {}
    return {k: int(row.get(k) or 0) for k in ("contacts", "resolved", "forwarded")}


async def calls_answered_within(period: Period, filters: Filters, seconds: int) -> dict[str, int]:
    """Phone contacts with a known waiting time, and those answered within ``seconds``."""
    if filters.channel not in (None, "phone"):
        return {"calls": 0, "within": 0}
    where, args = contact_where(period, filters)
    rows = await fetch(
        "SELECT COUNT(*) AS calls, SUM(CASE WHEN wait_seconds <= {} THEN 1 ELSE 0 END) AS within "
        f"FROM contact WHERE {where} AND channel = 'phone' AND wait_seconds IS NOT NULL",
        seconds,
        *args,
    )
    row = rows[0] if rows else {}
    return {"calls": int(row.get("calls") or 0), "within": int(row.get("within") or 0)}


def local_day_expression(column: str, tz: str, lo: int, hi: int) -> tuple[str, list[Any]]:
    """SQL for the local day number (days since 1970-01-01 local) of an epoch ``column``,
    exact for instants in [lo, hi] (the zone's UTC offsets there as a CASE)."""
    zone = ZoneInfo(tz)
    segments: list[tuple[int, int]] = []  # (from epoch, offset seconds)

    def offset(t: int) -> int:
        value = datetime.fromtimestamp(t, UTC).astimezone(zone).utcoffset()
        return int(value.total_seconds()) if value else 0

    t, current = lo, offset(lo)
    segments.append((lo, current))
    step = 6 * 3600
    while t < hi:
        nxt = min(t + step, hi)
        if offset(nxt) != current:
            a, b = t, nxt  # find the first second with the new offset
            while b - a > 1:
                mid = (a + b) // 2
                if offset(mid) == current:
                    a = mid
                else:
                    b = mid
            current = offset(b)
            segments.append((b, current))
        t = nxt
    # The offsets and boundaries are computed integers, written into the SQL as literals
    # (PostgreSQL cannot infer the type of a parameter inside CASE … THEN).
    if len(segments) == 1:
        return f"(({column} + {int(segments[0][1])}) / 86400)", []
    parts = [
        f"WHEN {column} < {int(boundary)} THEN {int(off)}"
        for (_, off), (boundary, _) in zip(segments, segments[1:], strict=False)
    ]
    return f"(({column} + CASE {' '.join(parts)} ELSE {int(segments[-1][1])} END) / 86400)", []


async def web_same_day(period: Period, filters: Filters, tz: str) -> dict[str, int]:
    """Web cases created in the period, and those first answered or closed the same local
    day they were created."""
    if filters.channel not in (None, "web"):
        return {"cases": 0, "same_day": 0}
    lo, hi = period.start - 86400, period.end + 2 * 86400
    created, a1 = local_day_expression("c.created_at", tz, lo, hi)
    handled, a2 = local_day_expression("COALESCE(c.first_response_at, c.closed_at)", tz, lo, hi)
    extra, a3 = case_filter(filters)
    rows = await fetch(
        f"SELECT COUNT(*) AS cases, SUM(CASE WHEN COALESCE(c.first_response_at, c.closed_at) "
        f"IS NOT NULL AND {handled} = {created} THEN 1 ELSE 0 END) AS same_day "
        "FROM kc_case c WHERE c.created_at >= {} AND c.created_at < {} AND c.channel = 'web' "
        f"AND {extra}",
        *a2,
        *a1,
        period.start,
        period.end,
        *a3,
    )
    row = rows[0] if rows else {}
    return {"cases": int(row.get("cases") or 0), "same_day": int(row.get("same_day") or 0)}


async def sla_compliance(period: Period, filters: Filters, now: int) -> list[dict[str, Any]]:
    """Per department and case type, for cases created in the period: first response and
    resolution met, breached (done late), open and overdue, open within time."""
    extra, args = case_filter(filters)
    sums = []
    for name, done in (("fr", "c.first_response_at"), ("res", "c.closed_at")):
        due = "c.first_response_due" if name == "fr" else "c.resolution_due"
        sums += [
            f"SUM(CASE WHEN {due} IS NOT NULL AND {done} IS NOT NULL AND {done} <= {due} "
            f"THEN 1 ELSE 0 END) AS {name}_met",
            f"SUM(CASE WHEN {due} IS NOT NULL AND {done} IS NOT NULL AND {done} > {due} "
            f"THEN 1 ELSE 0 END) AS {name}_breached",
            f"SUM(CASE WHEN {due} IS NOT NULL AND {done} IS NULL AND c.paused_since IS NULL "
            f"AND {due} < {{}} THEN 1 ELSE 0 END) AS {name}_open_overdue",
            f"SUM(CASE WHEN {due} IS NOT NULL AND {done} IS NULL AND (c.paused_since IS NOT NULL "
            f"OR {due} >= {{}}) THEN 1 ELSE 0 END) AS {name}_open_on_time",
        ]
    rows = await fetch(
        "SELECT g.*, d.code AS dept_code, d.name_sv AS dept_sv, d.name_en AS dept_en, "
        "ct.code AS type_code, ct.name_sv AS type_sv, ct.name_en AS type_en FROM ("
        f"SELECT c.department, c.case_type, COUNT(*) AS cases, {', '.join(sums)} "
        "FROM kc_case c WHERE c.created_at >= {} AND c.created_at < {} "
        f"AND {extra} GROUP BY c.department, c.case_type) g "
        "JOIN department d ON d.id = g.department JOIN case_type ct ON ct.id = g.case_type "
        "ORDER BY d.code, ct.code",
        *([now, now] * 2),
        period.start,
        period.end,
        *args,
    )
    return [_ints(r) for r in rows]


async def backlog(filters: Filters, at: int, now: int) -> list[dict[str, Any]]:
    """Open cases at instant ``at`` per department and case type, by age bucket."""
    extra, args = case_filter(filters)
    if at >= now:
        states = ", ".join(f"'{s}'" for s in OPEN_STATES)
        open_cond, open_args = f"c.status IN ({states}) AND c.created_at <= {{}}", [at]
    else:
        open_cond = "c.created_at <= {} AND (c.closed_at IS NULL OR c.closed_at > {})"
        open_args = [at, at]
    buckets, bucket_args = [], []
    for key, low, high in AGE_BUCKETS:
        cond = "{} - c.created_at >= {}"
        bucket_args += [at, low * 86400]
        if high is not None:
            cond += " AND {} - c.created_at < {}"
            bucket_args += [at, high * 86400]
        buckets.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {key}")
    rows = await fetch(
        "SELECT g.*, d.code AS dept_code, d.name_sv AS dept_sv, d.name_en AS dept_en, "
        "ct.code AS type_code, ct.name_sv AS type_sv, ct.name_en AS type_en FROM ("
        f"SELECT c.department, c.case_type, COUNT(*) AS open_cases, {', '.join(buckets)}, "
        "MIN(c.created_at) AS oldest, SUM({} - c.created_at) AS age_sum "
        f"FROM kc_case c WHERE {open_cond} AND {extra} "
        "GROUP BY c.department, c.case_type) g "
        "JOIN department d ON d.id = g.department JOIN case_type ct ON ct.id = g.case_type "
        "ORDER BY d.code, ct.code",
        *bucket_args,
        at,
        *open_args,
        *args,
    )
    return [_ints(r) for r in rows]


async def volumes_by_case_type(period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Contacts per department and case type, with the case type's unit price."""
    where, args = contact_where(period, filters, "k")
    rows = await fetch(
        "SELECT g.department, g.case_type, g.contacts, ct.code AS type_code, "
        "ct.name_sv AS type_sv, ct.name_en AS type_en, ct.unit_price_ore "
        "FROM (SELECT k.department, k.case_type, COUNT(*) AS contacts FROM contact k "
        f"WHERE {where} AND k.case_type IS NOT NULL AND k.department IS NOT NULL "
        "GROUP BY k.department, k.case_type) g JOIN case_type ct ON ct.id = g.case_type "
        "ORDER BY ct.code",
        *args,
    )
    for row in rows:
        row["contacts"] = int(row["contacts"])
        row["unit_price_ore"] = int(row["unit_price_ore"] or 0)
    return rows


async def agreements(department_id: int | None) -> list[dict[str, Any]]:
    """Every agreement (department, validity, yearly base fee), optionally of one department."""
    sql = "SELECT department, valid_from, valid_to, base_fee_ore FROM sla_agreement"
    args: list[Any] = []
    if department_id is not None:
        sql += " WHERE department = {}"
        args.append(department_id)
    return await fetch(sql + " ORDER BY department, valid_from", *args)


async def departments(ids: set[int]) -> dict[int, dict[str, Any]]:
    """id -> {code, name_sv, name_en} for these departments."""
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    rows = await fetch(
        f"SELECT id, code, name_sv, name_en FROM department WHERE id IN ({marks})", *sorted(ids)
    )
    return {int(r["id"]): r for r in rows}


def day_bounds(first, last, tz: str) -> tuple[int, int]:
    """Epoch seconds of local midnight starting ``first`` and ending ``last``."""
    zone = ZoneInfo(tz)
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    after = last + timedelta(days=1)
    end = datetime(after.year, after.month, after.day, tzinfo=zone)
    return int(start.timestamp()), int(end.timestamp())
