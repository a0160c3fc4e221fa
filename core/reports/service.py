"""Statistics for follow-up and charging: contacts, service level, backlog, effect goals and
cost allocation, for any period and filters; plugins add reports and figures through hooks.

Every report is computed from SQL aggregates (:mod:`core.reports.queries`); Python only
arranges the aggregated rows into tables with Swedish and English headings.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from core import audit, db
from core.cases import states
from core.errors import InvalidInput, NotFound
from core.org import lookup
from core.reports import queries
from core.reports.model import (
    Chart,
    Column,
    Figure,
    Filters,
    Period,
    Report,
    ReportDefinition,
    ReportTable,
)
from core.reports.tables import EffectGoal

log = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Stockholm"
MAX_PERIOD_YEARS = 3
ANSWER_SECONDS = 120  # "besvaras inom 2 minuter"

WEEKDAYS = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
SEASONS = (  # (key, months, sv, en) — meteorological seasons
    ("winter", (12, 1, 2), "vinter", "winter"),
    ("spring", (3, 4, 5), "vår", "spring"),
    ("summer", (6, 7, 8), "sommar", "summer"),
    ("autumn", (9, 10, 11), "höst", "autumn"),
)
CHANNEL_NAMES = {
    "phone": ("telefon", "phone"),
    "email": ("e-post", "e-mail"),
    "letter": ("brev", "letter"),
    "web": ("webb", "web"),
    "visit": ("besök", "visit"),
    "sms": ("sms", "SMS"),
    "chat": ("chatt", "chat"),
    "fax": ("fax", "fax"),
    "internal": ("intern", "internal"),
    "social": ("sociala medier", "social media"),
}
AGE_NAMES = {
    "lt_1d": ("under 1 dag", "under 1 day"),
    "d1_3": ("1–3 dagar", "1–3 days"),
    "d3_7": ("3–7 dagar", "3–7 days"),
    "d7_30": ("7–30 dagar", "7–30 days"),
    "gt_30d": ("över 30 dagar", "over 30 days"),
}
NONE_LABEL = ("(ingen)", "(none)")


@dataclass(frozen=True)
class GoalSpec:
    """An effect goal the core knows how to measure; ``lower_is_better`` flips the test."""

    key: str
    target: float
    minimum: float
    label_sv: str
    label_en: str
    lower_is_better: bool = False


# Defaults from seed 003 (Danderyd's effect goals, minimum/target) and seed 004 (70 %).
GOALS = (
    GoalSpec(
        "first_contact_resolution",
        70.0,
        50.0,
        "Lösta vid första kontakten",
        "Resolved at first contact",
    ),
    GoalSpec(
        "calls_answered_2min",
        80.0,
        70.0,
        "Samtal besvarade inom 2 minuter",
        "Calls answered within 2 minutes",
    ),
    GoalSpec(
        "web_same_day",
        90.0,
        80.0,
        "Webbärenden hanterade samma dag",
        "Web cases handled the same day",
    ),
    GoalSpec(
        "forwarded_share",
        30.0,
        50.0,
        "Kontakter vidare till förvaltningarna (50/70 % färre)",
        "Contacts forwarded to departments (50/70 % fewer)",
        lower_is_better=True,
    ),
)
GOAL_SPECS = {g.key: g for g in GOALS}


# --- period and filters ----------------------------------------------------------------------


def _date(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "{name} is not a date (YYYY-MM-DD): {value}", name=name, value=value[:40]
        ) from None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_period(
    first: str | None, last: str | None, tz: str = DEFAULT_TZ, today: date | None = None
) -> Period:
    """The period of local days ``first``..``last`` (default: this month up to today).

    Refused: unparseable dates, ``last`` before ``first``, a period longer than three years.
    """
    today = today or datetime.now(ZoneInfo(tz)).date()
    a, b = _date(first, "from"), _date(last, "to")
    if a is None and b is None:
        a, b = today.replace(day=1), today
    elif a is None:
        assert b is not None
        a = b.replace(day=1)
    elif b is None:
        b = max(a, today) if a.year == today.year and a.month == today.month else _month_end(a)
    if b < a:
        raise InvalidInput(
            "The period ends ({to}) before it starts ({start})",
            to=b.isoformat(),
            start=a.isoformat(),
        )
    if b >= _add_years(a, MAX_PERIOD_YEARS):
        raise InvalidInput("The period is longer than {years} years", years=MAX_PERIOD_YEARS)
    start, end = queries.day_bounds(a, b, tz)
    return Period(a, b, start, end)


def _month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


async def resolve_filters(
    department: str | None = None,
    answer_group: str | None = None,
    case_type: str | None = None,
    channel: str | None = None,
) -> Filters:
    """Filters from codes; an unknown code is refused."""
    result = Filters(
        department=department or None,
        answer_group=answer_group or None,
        case_type=case_type or None,
        channel=channel or None,
    )
    if result.channel and result.channel not in states.CHANNELS:
        raise InvalidInput("Unknown channel: {channel}", channel=result.channel[:40])
    if result.department:
        row = await lookup.department(result.department)
        if row is None:
            raise InvalidInput("Unknown department: {code}", code=result.department[:40])
        result.department_id = row["id"]
    if result.answer_group:
        row = await lookup.answer_group(result.answer_group)
        if row is None:
            raise InvalidInput("Unknown answer group: {code}", code=result.answer_group[:40])
        result.answer_group_id = row["id"]
    if result.case_type:
        row = await lookup.case_type(result.case_type)
        if row is None:
            raise InvalidInput("Unknown case type: {code}", code=result.case_type[:60])
        result.case_type_id = row["id"]
    return result


# --- small helpers ---------------------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """Percent with two decimals; None when there is nothing to divide by."""
    return round(100 * part / whole, 2) if whole else None


def percentile(hist: list[tuple[int, int]], pct: float) -> int | None:
    """Nearest-rank percentile of a (value, count) histogram sorted by value."""
    total = sum(n for _, n in hist)
    if not total:
        return None
    rank = max(1, math.ceil(pct / 100 * total))
    seen = 0
    for value, count in hist:
        seen += count
        if seen >= rank:
            return value
    return hist[-1][0]


def time_figures(prefix: str, hist: list[tuple[int, int]], sv: str, en: str) -> list[Figure]:
    """Count, mean, p50 and p90 of a seconds histogram."""
    total = sum(n for _, n in hist)
    mean = round(sum(v * n for v, n in hist) / total, 1) if total else None
    return [
        Figure(f"{prefix}_count", total, f"{sv}: antal mätta", f"{en}: measured", "int"),
        Figure(f"{prefix}_avg_seconds", mean, f"{sv}: medel (s)", f"{en}: mean (s)", "seconds"),
        Figure(
            f"{prefix}_p50_seconds",
            percentile(hist, 50),
            f"{sv}: median (s)",
            f"{en}: median (s)",
            "seconds",
        ),
        Figure(
            f"{prefix}_p90_seconds",
            percentile(hist, 90),
            f"{sv}: 90:e percentil (s)",
            f"{en}: 90th percentile (s)",
            "seconds",
        ),
    ]


def _name(row: dict[str, Any], prefix: str, lang: str) -> str:
    code = row.get(f"{prefix}_code")
    if code is None:
        return NONE_LABEL[1 if lang == "en" else 0]
    return row.get(f"{prefix}_{'en' if lang == 'en' else 'sv'}") or row.get(f"{prefix}_sv") or code


DEPARTMENT_COLUMNS = (
    Column("department", "Förvaltning", "Department", "text"),
    Column("department_name", "Förvaltningens namn", "Department name", "text"),
)
CASE_TYPE_COLUMNS = (
    *DEPARTMENT_COLUMNS,
    Column("case_type", "Ärendetyp", "Case type", "text"),
    Column("case_type_name", "Ärendetypens namn", "Case type name", "text"),
)


def _case_type_labels(row: dict[str, Any], lang: str) -> dict[str, Any]:
    """The values of :data:`CASE_TYPE_COLUMNS` for a row with dept_* and type_* columns."""
    return {
        "department": row["dept_code"],
        "department_name": _name(row, "dept", lang),
        "case_type": row["type_code"],
        "case_type_name": _name(row, "type", lang),
    }


def ore_to_kr(ore: int) -> Decimal:
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))


COUNT_COLUMNS = [
    Column("contacts", "Kontakter", "Contacts"),
    Column("share", "Andel (%)", "Share (%)", "percent"),
    Column("resolved", "Lösta direkt", "Resolved at first contact"),
    Column("resolved_share", "Lösta direkt (%)", "Resolved at first contact (%)", "percent"),
    Column("forwarded", "Vidarebefordrade", "Forwarded"),
    Column("forwarded_share", "Vidarebefordrade (%)", "Forwarded (%)", "percent"),
]


def _counts(values: dict[str, int], total: int) -> dict[str, Any]:
    n = values.get("contacts", 0)
    return {
        "contacts": n,
        "share": share(n, total),
        "resolved": values.get("resolved", 0),
        "resolved_share": share(values.get("resolved", 0), n),
        "forwarded": values.get("forwarded", 0),
        "forwarded_share": share(values.get("forwarded", 0), n),
    }


TIME_KEYS = ("wait_n", "wait_sum", "talk_n", "talk_sum")
MEAN_TIME_COLUMNS = [
    Column("wait_avg_seconds", "Väntetid, medel (s)", "Waiting time, mean (s)", "seconds"),
    Column("talk_avg_seconds", "Samtalstid, medel (s)", "Talk time, mean (s)", "seconds"),
]


def _mean_times(values: dict[str, int]) -> dict[str, float | None]:
    """Mean waiting and talk time (one decimal) from counts and sums."""
    return {
        f"{name}_avg_seconds": round(values[f"{name}_sum"] / values[f"{name}_n"], 1)
        if values.get(f"{name}_n")
        else None
        for name in ("wait", "talk")
    }


def _add(acc: dict[Any, dict[str, int]], key: Any, row: dict[str, Any]) -> None:
    slot = acc.setdefault(key, {"contacts": 0, "resolved": 0, "forwarded": 0})
    for name in slot:
        slot[name] += int(row.get(name) or 0)


# --- the contact report ----------------------------------------------------------------------


async def contacts_report(period: Period, filters: Filters, lang: str) -> Report:
    """Contact frequency and its distribution by hour, weekday, month, season, day, channel,
    answer group and case type; resolved at first contact; forwarded; waiting and talk time."""
    en = lang == "en"
    # Two independent aggregates, each on its own pooled connection: SQLite runs them in
    # parallel threads (it releases the GIL while it works), PostgreSQL in parallel sessions.
    cells, groups = await asyncio.gather(
        queries.contacts_by_day_hour(period, filters),
        queries.contacts_by_group(period, filters),
    )
    by_hour: dict[int, dict[str, int]] = {}
    by_day: dict[str, dict[str, int]] = {}
    times: dict[str, int] = dict.fromkeys(TIME_KEYS, 0)
    hour_times: dict[int, dict[str, int]] = {}
    for cell in cells:
        _add(by_hour, int(cell["local_hour"]), cell)
        _add(by_day, cell["local_day"], cell)
        slot = hour_times.setdefault(int(cell["local_hour"]), dict.fromkeys(TIME_KEYS, 0))
        for key in TIME_KEYS:
            slot[key] += int(cell[key])
            times[key] += int(cell[key])
    totals = {"contacts": 0, "resolved": 0, "forwarded": 0}
    for values in by_day.values():
        for name in totals:
            totals[name] += values[name]
    n = totals["contacts"]
    by_weekday: dict[int, dict[str, int]] = {}
    by_month: dict[str, dict[str, int]] = {}
    by_season: dict[str, dict[str, int]] = {}
    season_of = {m: key for key, months, _, _ in SEASONS for m in months}
    for day, values in by_day.items():
        parsed = date.fromisoformat(day)
        _add(by_weekday, parsed.weekday(), values)
        _add(by_month, day[:7], values)
        _add(by_season, season_of[parsed.month], values)

    label = Column("label", "Kategori", "Category", "text")
    days = (period.last - period.first).days + 1
    tables = [
        ReportTable(
            "by_hour",
            "Per timme",
            "By hour of day",
            [Column("hour", "Timme", "Hour"), *COUNT_COLUMNS, *MEAN_TIME_COLUMNS],
            [
                {
                    "hour": h,
                    **_counts(by_hour.get(h, {}), n),
                    **_mean_times(hour_times.get(h, {})),
                }
                for h in range(24)
            ],
        ),
        ReportTable(
            "by_weekday",
            "Per veckodag",
            "By weekday",
            [Column("weekday", "Veckodag (0 = måndag)", "Weekday (0 = Monday)"), label]
            + COUNT_COLUMNS,
            [
                {"weekday": d, "label": WEEKDAYS[lang][d], **_counts(by_weekday.get(d, {}), n)}
                for d in range(7)
            ],
        ),
        ReportTable(
            "by_month",
            "Per månad",
            "By month",
            [Column("month", "Månad", "Month", "text"), *COUNT_COLUMNS],
            [{"month": m, **_counts(by_month.get(m, {}), n)} for m in _months(period)],
        ),
        ReportTable(
            "by_season",
            "Per säsong",
            "By season",
            [Column("season", "Säsong", "Season", "text"), label, *COUNT_COLUMNS],
            [
                {"season": key, "label": en_ if en else sv, **_counts(by_season.get(key, {}), n)}
                for key, _, sv, en_ in SEASONS
            ],
        ),
        ReportTable(
            "by_day",
            "Per dag",
            "By day",
            [Column("day", "Dag", "Day", "text"), *COUNT_COLUMNS],
            [
                {"day": d.isoformat(), **_counts(by_day.get(d.isoformat(), {}), n)}
                for d in (period.first + timedelta(days=i) for i in range(days))
            ],
        ),
    ]
    by_channel: dict[str, dict[str, int]] = {}
    by_group: dict[Any, dict[str, int]] = {}
    by_type: dict[Any, dict[str, int]] = {}
    group_info: dict[Any, dict[str, Any]] = {}
    type_info: dict[Any, dict[str, Any]] = {}
    for row in groups:
        _add(by_channel, row["channel"], row)
        _add(by_group, row["group_code"], row)
        group_info[row["group_code"]] = row
        _add(by_type, row["type_code"], row)
        type_info[row["type_code"]] = row
    tables += [
        ReportTable(
            "by_channel",
            "Per kanal",
            "By channel",
            [Column("channel", "Kanal", "Channel", "text"), label, *COUNT_COLUMNS],
            [
                {
                    "channel": ch,
                    "label": CHANNEL_NAMES.get(ch, (ch, ch))[1 if en else 0],
                    **_counts(by_channel[ch], n),
                }
                for ch in sorted(by_channel, key=lambda c: (-by_channel[c]["contacts"], c))
            ],
        ),
        ReportTable(
            "by_answer_group",
            "Per svarsgrupp",
            "By answer group",
            [Column("answer_group", "Svarsgrupp", "Answer group", "text"), label, *COUNT_COLUMNS],
            [
                {
                    "answer_group": code,
                    "label": _name(group_info[code], "group", lang),
                    **_counts(by_group[code], n),
                }
                for code in sorted(by_group, key=lambda c: (-by_group[c]["contacts"], c or ""))
            ],
        ),
        ReportTable(
            "by_case_type",
            "Per ärendetyp",
            "By case type",
            [
                Column("case_type", "Ärendetyp", "Case type", "text"),
                label,
                Column("department", "Förvaltning", "Department", "text"),
                *COUNT_COLUMNS,
            ],
            [
                {
                    "case_type": code,
                    "label": _name(type_info[code], "type", lang),
                    "department": type_info[code]["dept_code"],
                    **_counts(by_type[code], n),
                }
                for code in sorted(by_type, key=lambda c: (-by_type[c]["contacts"], c or ""))
            ],
        ),
    ]
    summary = [
        Figure("contacts", n, "Kontakter", "Contacts", "int"),
        Figure("days", days, "Dagar i perioden", "Days in the period", "int"),
        Figure(
            "contacts_per_day",
            round(n / days, 2),
            "Kontakter per dag",
            "Contacts per day",
            "float",
        ),
        Figure("resolved", totals["resolved"], "Lösta direkt", "Resolved at first contact", "int"),
        Figure(
            "resolved_share",
            share(totals["resolved"], n),
            "Lösta direkt (%)",
            "Resolved at first contact (%)",
            "percent",
        ),
        Figure(
            "forwarded",
            totals["forwarded"],
            "Vidarebefordrade till förvaltning",
            "Forwarded to the back office",
            "int",
        ),
        Figure(
            "forwarded_share",
            share(totals["forwarded"], n),
            "Vidarebefordrade (%)",
            "Forwarded (%)",
            "percent",
        ),
        Figure(
            "wait_count", times["wait_n"], "Väntetid: antal mätta", "Waiting time: measured", "int"
        ),
        Figure(
            "wait_avg_seconds",
            _mean_times(times)["wait_avg_seconds"],
            "Väntetid: medel (s)",
            "Waiting time: mean (s)",
            "seconds",
        ),
        Figure(
            "talk_count", times["talk_n"], "Samtalstid: antal mätta", "Talk time: measured", "int"
        ),
        Figure(
            "talk_avg_seconds",
            _mean_times(times)["talk_avg_seconds"],
            "Samtalstid: medel (s)",
            "Talk time: mean (s)",
            "seconds",
        ),
    ]
    charts = [
        Chart("hour", "by_hour", "hour", "contacts", "Kontakter per timme", "Contacts by hour"),
        Chart(
            "weekday",
            "by_weekday",
            "label",
            "contacts",
            "Kontakter per veckodag",
            "Contacts by weekday",
        ),
        Chart("month", "by_month", "month", "contacts", "Kontakter per månad", "Contacts by month"),
        Chart(
            "season", "by_season", "label", "contacts", "Kontakter per säsong", "Contacts by season"
        ),
        Chart("day", "by_day", "day", "contacts", "Kontakter per dag", "Contacts by day"),
        Chart(
            "channel",
            "by_channel",
            "label",
            "contacts",
            "Kontakter per kanal",
            "Contacts by channel",
        ),
    ]
    return Report("contacts", *CORE_TITLES["contacts"], period, filters, summary, tables, charts)


def _months(period: Period) -> list[str]:
    months, day = [], period.first.replace(day=1)
    while day <= period.last:
        months.append(day.strftime("%Y-%m"))
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


# --- waiting and talk times ------------------------------------------------------------------

WAIT_BUCKETS = (  # (key, from seconds, to seconds or None, sv, en)
    ("s0_30", 0, 30, "under 30 s", "under 30 s"),
    ("s30_60", 30, 60, "30–60 s", "30–60 s"),
    ("s60_120", 60, 120, "1–2 min", "1–2 min"),
    ("s120_300", 120, 300, "2–5 min", "2–5 min"),
    ("s300_600", 300, 600, "5–10 min", "5–10 min"),
    ("s600", 600, None, "över 10 min", "over 10 min"),
)


async def times_report(period: Period, filters: Filters, lang: str) -> Report:
    """Waiting and talk times where they are known (calls, visits): count, mean, median and
    90th percentile, per channel, and the distribution of waiting times."""
    waits, talks = await asyncio.gather(
        queries.histogram(period, filters, "wait_seconds"),
        queries.histogram(period, filters, "handle_seconds"),
    )

    def merged(rows: list[tuple[str, int, int]], channel: str | None = None):
        hist: dict[int, int] = {}
        for ch, value, count in rows:
            if channel is None or ch == channel:
                hist[value] = hist.get(value, 0) + count
        return sorted(hist.items())

    def stats(hist: list[tuple[int, int]]) -> dict[str, Any]:
        total = sum(n for _, n in hist)
        return {
            "count": total,
            "avg": round(sum(v * n for v, n in hist) / total, 1) if total else None,
            "p50": percentile(hist, 50),
            "p90": percentile(hist, 90),
        }

    channels = sorted({ch for ch, _, _ in waits} | {ch for ch, _, _ in talks})
    rows = []
    for ch in channels:
        w, t = stats(merged(waits, ch)), stats(merged(talks, ch))
        rows.append(
            {
                "channel": ch,
                "label": CHANNEL_NAMES.get(ch, (ch, ch))[1 if lang == "en" else 0],
                **{f"wait_{k}": v for k, v in w.items()},
                **{f"talk_{k}": v for k, v in t.items()},
            }
        )
    all_waits = merged(waits)
    total_waits = sum(n for _, n in all_waits)
    buckets = []
    for key, low, high, sv, en in WAIT_BUCKETS:
        count = sum(n for v, n in all_waits if v >= low and (high is None or v < high))
        buckets.append(
            {
                "bucket": key,
                "label": en if lang == "en" else sv,
                "contacts": count,
                "share": share(count, total_waits),
            }
        )
    stat_columns = []
    for prefix, sv, en in (
        ("wait", "Väntetid", "Waiting time"),
        ("talk", "Samtalstid", "Talk time"),
    ):
        stat_columns += [
            Column(f"{prefix}_count", f"{sv}: antal", f"{en}: count"),
            Column(f"{prefix}_avg", f"{sv}: medel (s)", f"{en}: mean (s)", "seconds"),
            Column(f"{prefix}_p50", f"{sv}: median (s)", f"{en}: median (s)", "seconds"),
            Column(
                f"{prefix}_p90",
                f"{sv}: 90:e percentil (s)",
                f"{en}: 90th percentile (s)",
                "seconds",
            ),
        ]
    tables = [
        ReportTable(
            "by_channel",
            "Per kanal",
            "By channel",
            [
                Column("channel", "Kanal", "Channel", "text"),
                Column("label", "Kategori", "Category", "text"),
                *stat_columns,
            ],
            rows,
        ),
        ReportTable(
            "wait_distribution",
            "Fördelning av väntetider",
            "Distribution of waiting times",
            [
                Column("bucket", "Intervall", "Interval", "text"),
                Column("label", "Kategori", "Category", "text"),
                Column("contacts", "Kontakter", "Contacts"),
                Column("share", "Andel (%)", "Share (%)", "percent"),
            ],
            buckets,
        ),
    ]
    summary = [
        *time_figures("wait", all_waits, "Väntetid", "Waiting time"),
        *time_figures("talk", merged(talks), "Samtalstid", "Talk time"),
    ]
    charts = [
        Chart(
            "wait",
            "wait_distribution",
            "label",
            "contacts",
            "Väntetider",
            "Waiting times",
        )
    ]
    return Report("times", *CORE_TITLES["times"], period, filters, summary, tables, charts)


# --- service level and backlog ---------------------------------------------------------------

SLA_KINDS = (("fr", "Första svar", "First response"), ("res", "Avslut", "Resolution"))


def _sla_columns() -> list[Column]:
    columns = []
    for prefix, sv, en in SLA_KINDS:
        columns += [
            Column(f"{prefix}_met", f"{sv}: i tid", f"{en}: met"),
            Column(f"{prefix}_breached", f"{sv}: försenade", f"{en}: breached"),
            Column(f"{prefix}_open_overdue", f"{sv}: öppna, försenade", f"{en}: open, overdue"),
            Column(f"{prefix}_open_on_time", f"{sv}: öppna, i tid", f"{en}: open, on time"),
            Column(f"{prefix}_share", f"{sv}: andel i tid (%)", f"{en}: met (%)", "percent"),
        ]
    return columns


def _sla_shares(row: dict[str, Any]) -> dict[str, Any]:
    for prefix, _, _ in SLA_KINDS:
        decided = row[f"{prefix}_met"] + row[f"{prefix}_breached"] + row[f"{prefix}_open_overdue"]
        row[f"{prefix}_share"] = share(row[f"{prefix}_met"], decided)
    return row


SLA_KEYS = [
    f"{p}_{k}" for p, _, _ in SLA_KINDS for k in ("met", "breached", "open_overdue", "open_on_time")
]


async def sla_report(period: Period, filters: Filters, lang: str, now: int) -> Report:
    """Service-level compliance per department and case type for cases created in the period:
    met, breached (done late), open and overdue, open within time, and the share met."""
    rows = await queries.sla_compliance(period, filters, now)
    lines, per_dept = [], {}
    totals = dict.fromkeys(["cases", *SLA_KEYS], 0)
    for row in rows:
        values = {k: int(row[k]) for k in ["cases", *SLA_KEYS]}
        lines.append(_sla_shares({**_case_type_labels(row, lang), **values}))
        slot = per_dept.setdefault(
            row["dept_code"],
            {
                "department": row["dept_code"],
                "department_name": _name(row, "dept", lang),
                **dict.fromkeys(["cases", *SLA_KEYS], 0),
            },
        )
        for key, value in values.items():
            slot[key] += value
            totals[key] += value
    _sla_shares(totals)
    cases_col = Column("cases", "Ärenden", "Cases")
    tables = [
        ReportTable(
            "by_department",
            "Per förvaltning",
            "By department",
            [*DEPARTMENT_COLUMNS, cases_col, *_sla_columns()],
            [_sla_shares(v) for v in per_dept.values()],
        ),
        ReportTable(
            "by_case_type",
            "Per förvaltning och ärendetyp",
            "By department and case type",
            [*CASE_TYPE_COLUMNS, cases_col, *_sla_columns()],
            lines,
        ),
    ]
    summary = [Figure("cases", totals["cases"], "Ärenden", "Cases", "int")]
    for col in _sla_columns():
        summary.append(Figure(col.key, totals[col.key], col.sv, col.en, col.kind))
    charts = [
        Chart(
            "department",
            "by_department",
            "department",
            "res_share",
            "Avslutade i tid per förvaltning (%)",
            "Resolved on time by department (%)",
        )
    ]
    return Report("sla", *CORE_TITLES["sla"], period, filters, summary, tables, charts)


async def backlog_report(period: Period, filters: Filters, lang: str, now: int) -> Report:
    """Open cases at the end of the period (or now, if that is earlier), by age."""
    at = min(now, period.end)
    rows = await queries.backlog(filters, at, now)
    keys = [key for key, _, _ in queries.AGE_BUCKETS]
    bucket_cols = [Column(k, *AGE_NAMES[k]) for k in keys]
    totals = dict.fromkeys(["open_cases", *keys], 0)
    age_sum, oldest = 0, None
    lines = []
    for row in rows:
        values = {k: int(row[k]) for k in ["open_cases", *keys]}
        for key, value in values.items():
            totals[key] += value
        age_sum += int(row["age_sum"])
        oldest = row["oldest"] if oldest is None else min(oldest, row["oldest"])
        lines.append(
            {
                **_case_type_labels(row, lang),
                **values,
                "avg_age_days": round(int(row["age_sum"]) / values["open_cases"] / 86400, 1),
                "oldest_days": round((at - int(row["oldest"])) / 86400, 1),
            }
        )
    n = totals["open_cases"]
    tables = [
        ReportTable(
            "by_age",
            "Per ålder",
            "By age",
            [
                Column("age", "Ålder", "Age", "text"),
                Column("label", "Kategori", "Category", "text"),
                Column("open_cases", "Öppna ärenden", "Open cases"),
                Column("share", "Andel (%)", "Share (%)", "percent"),
            ],
            [
                {
                    "age": k,
                    "label": AGE_NAMES[k][1 if lang == "en" else 0],
                    "open_cases": totals[k],
                    "share": share(totals[k], n),
                }
                for k in keys
            ],
        ),
        ReportTable(
            "by_case_type",
            "Per förvaltning och ärendetyp",
            "By department and case type",
            [
                *CASE_TYPE_COLUMNS,
                Column("open_cases", "Öppna ärenden", "Open cases"),
                *bucket_cols,
                Column("avg_age_days", "Medelålder (dagar)", "Mean age (days)", "float"),
                Column("oldest_days", "Äldsta (dagar)", "Oldest (days)", "float"),
            ],
            lines,
        ),
    ]
    summary = [
        Figure("open_cases", n, "Öppna ärenden", "Open cases", "int"),
        Figure(
            "as_of",
            datetime.fromtimestamp(at, ZoneInfo(DEFAULT_TZ)).isoformat(timespec="seconds"),
            "Per",
            "As of",
            "text",
        ),
        Figure(
            "avg_age_days",
            round(age_sum / n / 86400, 1) if n else None,
            "Medelålder (dagar)",
            "Mean age (days)",
            "float",
        ),
        Figure(
            "oldest_days",
            round((at - oldest) / 86400, 1) if oldest is not None else None,
            "Äldsta (dagar)",
            "Oldest (days)",
            "float",
        ),
        *(Figure(k, totals[k], *AGE_NAMES[k], "int") for k in keys),
    ]
    charts = [
        Chart(
            "age", "by_age", "label", "open_cases", "Öppna ärenden per ålder", "Open cases by age"
        )
    ]
    return Report("backlog", *CORE_TITLES["backlog"], period, filters, summary, tables, charts)


# --- effect goals ----------------------------------------------------------------------------


async def list_goals() -> list[dict[str, Any]]:
    """Every effect goal with its target and minimum (stored values over the defaults)."""
    stored = {r["key"]: r for r in await EffectGoal.select()}
    goals = []
    for spec in GOALS:
        row = stored.get(spec.key)
        goals.append(
            {
                "key": spec.key,
                "target": float(row["target"]) if row else spec.target,
                "minimum": float(row["minimum"])
                if row and row["minimum"] is not None
                else spec.minimum,
                "label_sv": (row["label_sv"] if row else "") or spec.label_sv,
                "label_en": (row["label_en"] if row else "") or spec.label_en,
                "lower_is_better": spec.lower_is_better,
                "default_target": spec.target,
                "default_minimum": spec.minimum,
            }
        )
    return goals


def _check_percent(name: str, value: float | None) -> None:
    if value is not None and not (0 <= value <= 100) or (value is not None and value != value):
        raise InvalidInput("{name} must be a percentage between 0 and 100", name=name)


async def update_goal(
    actor: str,
    key: str,
    *,
    target: float | None = None,
    minimum: float | None = None,
    label_sv: str | None = None,
    label_en: str | None = None,
) -> dict[str, Any]:
    """Change an effect goal's target, minimum or labels (audited)."""
    spec = GOAL_SPECS.get(key)
    if spec is None:
        raise NotFound("There is no effect goal {key}", key=key[:60])
    _check_percent("target", target)
    _check_percent("minimum", minimum)
    for label in (label_sv, label_en):
        if label is not None and len(label) > 200:
            raise InvalidInput("A label may be at most 200 characters long")
    async with db.transaction():
        before = next(g for g in await list_goals() if g["key"] == key)
        after = {
            "target": before["target"] if target is None else float(target),
            "minimum": before["minimum"] if minimum is None else float(minimum),
            "label_sv": before["label_sv"] if label_sv is None else label_sv.strip(),
            "label_en": before["label_en"] if label_en is None else label_en.strip(),
        }
        if spec.lower_is_better and after["minimum"] < after["target"]:
            raise InvalidInput(
                "For {key} lower is better: the minimum must not be below the target", key=key
            )
        if not spec.lower_is_better and after["minimum"] > after["target"]:
            raise InvalidInput("The minimum must not be above the target")
        if await EffectGoal.exists().where(EffectGoal.key == key):
            await EffectGoal.update(
                {
                    EffectGoal.target: after["target"],
                    EffectGoal.minimum: after["minimum"],
                    EffectGoal.label_sv: after["label_sv"],
                    EffectGoal.label_en: after["label_en"],
                }
            ).where(EffectGoal.key == key)
        else:
            await EffectGoal.insert(EffectGoal(key=key, **after))
        audit.record(
            actor,
            "reports.goal.update",
            "effect_goal",
            key,
            {
                "before": {k: before[k] for k in after},
                "after": after,
            },
        )
    return next(g for g in await list_goals() if g["key"] == key)


def goal_status(actual: float | None, target: float, minimum: float, lower: bool) -> str:
    """met | minimum (only the minimum reached) | not_met | no_data."""
    if actual is None:
        return "no_data"
    if lower:
        return "met" if actual <= target else "minimum" if actual <= minimum else "not_met"
    return "met" if actual >= target else "minimum" if actual >= minimum else "not_met"


async def effect_goals_report(period: Period, filters: Filters, lang: str, tz: str) -> Report:
    """Each effect goal's actual value in the period against its minimum and target."""
    totals = await queries.contact_totals(period, filters)
    calls = await queries.calls_answered_within(period, filters, ANSWER_SECONDS)
    web = await queries.web_same_day(period, filters, tz)
    measured = {
        "first_contact_resolution": (totals["resolved"], totals["contacts"]),
        "calls_answered_2min": (calls["within"], calls["calls"]),
        "web_same_day": (web["same_day"], web["cases"]),
        "forwarded_share": (totals["forwarded"], totals["contacts"]),
    }
    status_names = {
        "met": ("uppnått", "met"),
        "minimum": ("miniminivå uppnådd", "minimum reached"),
        "not_met": ("ej uppnått", "not met"),
        "no_data": ("underlag saknas", "no data"),
    }
    rows, summary = [], []
    for goal in await list_goals():
        part, whole = measured[goal["key"]]
        actual = share(part, whole)
        status = goal_status(actual, goal["target"], goal["minimum"], goal["lower_is_better"])
        label = goal["label_en"] if lang == "en" else goal["label_sv"]
        rows.append(
            {
                "goal": goal["key"],
                "label": label,
                "actual": actual,
                "minimum": goal["minimum"],
                "target": goal["target"],
                "numerator": part,
                "denominator": whole,
                "lower_is_better": goal["lower_is_better"],
                "status": status,
                "status_text": status_names[status][1 if lang == "en" else 0],
            }
        )
        summary.append(Figure(goal["key"], actual, goal["label_sv"], goal["label_en"], "percent"))
    table = ReportTable(
        "goals",
        "Effektmål",
        "Effect goals",
        [
            Column("goal", "Mål", "Goal", "text"),
            Column("label", "Beskrivning", "Description", "text"),
            Column("actual", "Utfall (%)", "Actual (%)", "percent"),
            Column("minimum", "Miniminivå (%)", "Minimum (%)", "percent"),
            Column("target", "Målnivå (%)", "Target (%)", "percent"),
            Column("numerator", "Täljare", "Numerator"),
            Column("denominator", "Nämnare", "Denominator"),
            Column("status_text", "Status", "Status", "text"),
        ],
        rows,
    )
    charts = [
        Chart(
            "goals", "goals", "label", "actual", "Effektmål: utfall (%)", "Effect goals: actual (%)"
        )
    ]
    return Report(
        "effect-goals", *CORE_TITLES["effect-goals"], period, filters, summary, [table], charts
    )


# --- cost allocation -------------------------------------------------------------------------


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def prorated_fee(fee_ore: int, valid_from: date, valid_to: date | None, period: Period) -> Fraction:
    """The part of a yearly fee that falls on the period's days within the agreement's
    validity, year by year (a day is 1/365 or 1/366 of its year's fee)."""
    lo = max(valid_from, period.first)
    hi = min(valid_to or period.last, period.last)
    if hi < lo or not fee_ore:
        return Fraction(0)
    amount = Fraction(0)
    for year in range(lo.year, hi.year + 1):
        a, b = max(lo, date(year, 1, 1)), min(hi, date(year, 12, 31))
        year_days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        amount += Fraction(fee_ore * ((b - a).days + 1), year_days)
    return amount


def round_ore(value: Fraction) -> int:
    """Round to whole öre, halves up (fees are never negative)."""
    return math.floor(value + Fraction(1, 2))


async def cost_report(period: Period, filters: Filters, lang: str) -> Report:
    """Göteborg's model: each department pays its agreement's yearly base fee pro rata for the
    period, plus the unit price of each case type times the contacts registered for it."""
    volumes = await queries.volumes_by_case_type(period, filters)
    dept_filter = filters.department_id
    if filters.case_type_id is not None and dept_filter is None:
        case_type = await lookup.case_type_by_id(filters.case_type_id)
        dept_filter = case_type["department"] if case_type else None
    fees: dict[int, Fraction] = {}
    for agreement in await queries.agreements(dept_filter):
        dept = int(agreement["department"])
        fee = prorated_fee(
            int(agreement["base_fee_ore"] or 0),
            _as_date(agreement["valid_from"]),
            _as_date(agreement["valid_to"]),
            period,
        )
        if fee:
            fees[dept] = fees.get(dept, Fraction(0)) + fee
    dept_ids = set(fees) | {int(v["department"]) for v in volumes}
    names = await queries.departments(dept_ids)
    base_ore = {d: round_ore(f) for d, f in fees.items()}
    lines: list[dict[str, Any]] = []
    per_dept: dict[int, dict[str, Any]] = {}
    en = lang == "en"
    for dept in sorted(dept_ids, key=lambda d: names[d]["code"]):
        info = names[dept]
        dept_name = info["name_en" if en else "name_sv"] or info["name_sv"]
        slot = {
            "department": info["code"],
            "department_name": dept_name,
            "base_fee_ore": base_ore.get(dept, 0),
            "contacts": 0,
            "volume_ore": 0,
        }
        lines.append(
            {
                "department": info["code"],
                "department_name": dept_name,
                "item": "base_fee",
                "item_name": "Grundabonnemang" if not en else "Base subscription",
                "contacts": None,
                "unit_price_kr": None,
                "amount_ore": slot["base_fee_ore"],
            }
        )
        for v in (v for v in volumes if int(v["department"]) == dept):
            amount = v["unit_price_ore"] * v["contacts"]
            slot["contacts"] += v["contacts"]
            slot["volume_ore"] += amount
            lines.append(
                {
                    "department": info["code"],
                    "department_name": dept_name,
                    "item": v["type_code"],
                    "item_name": (v["type_en"] if en else v["type_sv"]) or v["type_sv"],
                    "contacts": v["contacts"],
                    "unit_price_kr": ore_to_kr(v["unit_price_ore"]),
                    "amount_ore": amount,
                }
            )
        slot["total_ore"] = slot["base_fee_ore"] + slot["volume_ore"]
        per_dept[dept] = slot
    for line in lines:
        line["amount_kr"] = ore_to_kr(line["amount_ore"])
    dept_rows = []
    for slot in per_dept.values():
        dept_rows.append(
            {
                **slot,
                "base_fee_kr": ore_to_kr(slot["base_fee_ore"]),
                "volume_kr": ore_to_kr(slot["volume_ore"]),
                "total_kr": ore_to_kr(slot["total_ore"]),
            }
        )
    base_total = sum(s["base_fee_ore"] for s in per_dept.values())
    volume_total = sum(s["volume_ore"] for s in per_dept.values())
    tables = [
        ReportTable(
            "by_department",
            "Per förvaltning",
            "By department",
            [
                *DEPARTMENT_COLUMNS,
                Column("base_fee_kr", "Grundabonnemang (kr)", "Base subscription (SEK)", "kr"),
                Column("contacts", "Kontakter", "Contacts"),
                Column("volume_kr", "Volymkostnad (kr)", "Volume cost (SEK)", "kr"),
                Column("total_kr", "Summa (kr)", "Total (SEK)", "kr"),
            ],
            dept_rows,
        ),
        ReportTable(
            "lines",
            "Rader per ärendetyp",
            "Lines by case type",
            [
                *DEPARTMENT_COLUMNS,
                Column("item", "Post", "Item", "text"),
                Column("item_name", "Benämning", "Description", "text"),
                Column("contacts", "Kontakter", "Contacts"),
                Column("unit_price_kr", "Styckpris (kr)", "Unit price (SEK)", "kr"),
                Column("amount_kr", "Belopp (kr)", "Amount (SEK)", "kr"),
            ],
            lines,
        ),
    ]
    summary = [
        Figure(
            "base_fee_kr",
            ore_to_kr(base_total),
            "Grundabonnemang (kr)",
            "Base subscriptions (SEK)",
            "kr",
        ),
        Figure(
            "volume_kr", ore_to_kr(volume_total), "Volymkostnad (kr)", "Volume cost (SEK)", "kr"
        ),
        Figure("total_kr", ore_to_kr(base_total + volume_total), "Summa (kr)", "Total (SEK)", "kr"),
        Figure("total_ore", base_total + volume_total, "Summa (öre)", "Total (öre)", "int"),
    ]
    charts = [
        Chart(
            "department",
            "by_department",
            "department",
            "total_kr",
            "Kostnad per förvaltning (kr)",
            "Cost by department (SEK)",
        )
    ]
    return Report("cost", *CORE_TITLES["cost"], period, filters, summary, tables, charts)


# --- the catalogue of reports and plugin figures ---------------------------------------------

CORE_TITLES = {
    "contacts": ("Kontakter: frekvens och fördelning", "Contacts: frequency and distribution"),
    "times": ("Väntetider och samtalstider", "Waiting and talk times"),
    "sla": (
        "Servicenivå per förvaltning och ärendetyp",
        "Service level by department and case type",
    ),
    "backlog": ("Balans och ålder på öppna ärenden", "Backlog and age of open cases"),
    "effect-goals": ("Effektmål", "Effect goals"),
    "cost": ("Kostnadsfördelning per förvaltning", "Cost allocation by department"),
}
RESERVED_NAMES = {*CORE_TITLES, "goals"}  # "goals" is the effect-goal targets' path
CORE_PERMISSIONS = {name: "reports.read" for name in CORE_TITLES} | {"cost": "reports.cost"}
CORE_MAIN_TABLE = {
    "contacts": "by_hour",
    "times": "by_channel",
    "sla": "by_case_type",
    "backlog": "by_case_type",
    "effect-goals": "goals",
    "cost": "lines",
}


def _impls(host: Any, hook: str) -> list[Any]:
    caller = getattr(getattr(host, "pm", None) and host.pm.hook, hook, None) if host else None
    return list(reversed(caller.get_hookimpls())) if caller is not None else []


def _call(impl: Any, **kwargs: Any) -> Any:
    return impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})


def plugin_reports(host: Any) -> dict[str, tuple[str, ReportDefinition]]:
    """name -> (plugin name, definition) of every report plugins add; a plugin that fails or
    returns a name the core already uses is logged and left out."""
    found: dict[str, tuple[str, ReportDefinition]] = {}
    for impl in _impls(host, "register_reports"):
        try:
            items = _call(impl) or []
        except Exception:
            log.exception("plugin %s failed in register_reports", impl.plugin_name)
            continue
        for item in items:
            if not isinstance(item, ReportDefinition) or item.name in RESERVED_NAMES:
                log.warning("plugin %s: report %r refused", impl.plugin_name, item)
                continue
            found.setdefault(item.name, (impl.plugin_name, item))
    return found


def available(host: Any, lang: str) -> list[dict[str, Any]]:
    """Every report that can be asked for: the core's and those plugins add."""
    result = [
        {
            "name": name,
            "title": titles[1] if lang == "en" else titles[0],
            "source": "core",
            "permission": CORE_PERMISSIONS[name],
        }
        for name, titles in CORE_TITLES.items()
    ]
    for name, (plugin, definition) in sorted(plugin_reports(host).items()):
        result.append(
            {
                "name": name,
                "title": definition.title(lang),
                "source": plugin,
                "permission": definition.permission,
            }
        )
    return result


def permission_for(name: str, host: Any) -> str:
    """The permission a report needs (404 if there is no such report)."""
    if name in CORE_PERMISSIONS:
        return CORE_PERMISSIONS[name]
    found = plugin_reports(host).get(name)
    if found is None:
        raise NotFound("There is no report {name}", name=name[:60])
    return found[1].permission


async def _maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _plugin_report(definition: ReportDefinition, result: Any, period, filters) -> Report:
    report = Report(
        definition.name,
        definition.title_sv,
        definition.title_en,
        period,
        filters,
        charts=list(definition.charts),
    )
    if isinstance(result, Report):
        report.summary, report.tables = result.summary, result.tables
        return report
    if isinstance(result, list):
        report.tables = [t for t in result if isinstance(t, ReportTable)]
        return report
    if isinstance(result, dict):
        report.summary = _figures(result.get("summary") or {}, "plugin")
        for name, rows in (result.get("tables") or {}).items():
            if isinstance(rows, ReportTable):
                report.tables.append(rows)
                continue
            keys = list(rows[0]) if rows else []
            report.tables.append(
                ReportTable(name, name, name, [Column(k, k, k, "text") for k in keys], rows)
            )
    return report


def _figures(value: Any, source: str) -> list[Figure]:
    """Figures from what a plugin returned: Figure objects, or a dict of key -> value (or of
    key -> {"value", "label_sv", "label_en", "kind"})."""
    figures: list[Figure] = []
    if isinstance(value, Figure):
        value = [value]
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict):
                figures.append(
                    Figure(
                        str(key),
                        item.get("value"),
                        item.get("label_sv", ""),
                        item.get("label_en", ""),
                        item.get("kind", "float"),
                    )
                )
            else:
                figures.append(Figure(str(key), item))
    elif isinstance(value, list | tuple):
        figures.extend(f for f in value if isinstance(f, Figure))
    for figure in figures:
        figure.source = source
    return figures


async def plugin_figures(host: Any, report: Report) -> list[Figure]:
    """Extra figures plugins fill in for ``report`` (``report_figures``); failures are logged."""
    figures: list[Figure] = []
    for impl in _impls(host, "report_figures"):
        try:
            value = await _maybe(
                _call(
                    impl,
                    report=report.name,
                    period_start=report.period.start,
                    period_end=report.period.end,
                    filters=report.filters.codes(),
                )
            )
        except Exception:
            log.exception("plugin %s failed in report_figures", impl.plugin_name)
            continue
        figures.extend(_figures(value, impl.plugin_name))
    return figures


async def compute(
    name: str,
    period: Period,
    filters: Filters,
    *,
    lang: str = "sv",
    host: Any = None,
    tz: str = DEFAULT_TZ,
    now: int | None = None,
) -> Report:
    """Compute one report by name (core or plugin), with the figures plugins add."""
    now = int(time.time()) if now is None else now
    if name == "contacts":
        report = await contacts_report(period, filters, lang)
    elif name == "times":
        report = await times_report(period, filters, lang)
    elif name == "sla":
        report = await sla_report(period, filters, lang, now)
    elif name == "backlog":
        report = await backlog_report(period, filters, lang, now)
    elif name == "effect-goals":
        report = await effect_goals_report(period, filters, lang, tz)
    elif name == "cost":
        report = await cost_report(period, filters, lang)
    else:
        found = plugin_reports(host).get(name)
        if found is None:
            raise NotFound("There is no report {name}", name=name[:60])
        definition = found[1]
        impl_args = inspect.signature(definition.compute).parameters
        kwargs = {
            "period_start": period.start,
            "period_end": period.end,
            "filters": filters.codes(),
        }
        result = await _maybe(
            definition.compute(**{k: v for k, v in kwargs.items() if k in impl_args})
        )
        report = _plugin_report(definition, result, period, filters)
    report.summary.extend(await plugin_figures(host, report))
    return report


def main_table(report: Report) -> str:
    """The table a CSV export gives when none is named."""
    name = CORE_MAIN_TABLE.get(report.name)
    if name and report.table(name):
        return name
    return report.tables[0].name if report.tables else ""
