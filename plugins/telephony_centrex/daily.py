"""Persisted day summaries of the call statistics: a month's report reads a few thousand
summary rows instead of every call, in a fresh process as well as in a warm one.

``telephony_stats_row`` holds, per settled day and per ``(service level limit, short abandon
limit)``, the aggregate counters of the calls grouped by half hour and answer group (kind
``slot``) and by answer group and agent (kind ``agent``); ``telephony_stats_day`` says which
days are summarised and at which *version* of the day. Consistency without locks:

- ingest bumps the day's version (``telephony_stats_change``, :func:`mark_changed`) in the
  same transaction as it writes a call of a day before today, so a late event, a repeated
  import or a call moved to another day by an out-of-order ``new`` marks the days it touches;
  today's calls (nearly every event) write nothing extra;
- a summary is built (:func:`summarised_rows`) from the version read *before* the calls are
  aggregated, so a change the aggregate missed has a newer version and the day is rebuilt on
  the next read; a day is fresh exactly when its summary's version is the day's version;
- a day is summarised only ``SETTLE_SECONDS`` after its midnight (before that it is read from
  the calls like today): ingest decides "before today" by its own clock, and a transaction that
  began before midnight has long committed by then.

Nothing else keeps derived state: no per-process cache, so every process answers the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from core import clock, db
from core.db import raw
from core.reports.queries import fetch

COUNTERS = ("offered", "answered", "abandoned", "short_abandoned", "missed", "within",
            "wait_answered", "wait_all", "talk", "max_wait")  # fmt: skip
AGGREGATE_SQL = """
SELECT {keys},
  SUM(CASE WHEN outcome = 'abandoned' AND wait_seconds < {} THEN 0 ELSE 1 END) AS offered,
  SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END) AS answered,
  SUM(CASE WHEN outcome = 'abandoned' AND wait_seconds >= {} THEN 1 ELSE 0 END) AS abandoned,
  SUM(CASE WHEN outcome = 'abandoned' AND wait_seconds < {} THEN 1 ELSE 0 END) AS short_abandoned,
  SUM(CASE WHEN outcome = 'missed' THEN 1 ELSE 0 END) AS missed,
  SUM(CASE WHEN outcome = 'answered' AND wait_seconds <= {} THEN 1 ELSE 0 END) AS within,
  SUM(CASE WHEN outcome = 'answered' THEN wait_seconds ELSE 0 END) AS wait_answered,
  SUM(CASE WHEN outcome = 'abandoned' AND wait_seconds < {} THEN 0
           ELSE COALESCE(wait_seconds, 0) END) AS wait_all,
  SUM(CASE WHEN outcome = 'answered' THEN COALESCE(talk_seconds, 0) ELSE 0 END) AS talk,
  MAX(wait_seconds) AS max_wait
FROM telephony_call
WHERE {days} AND direction = 'in' AND outcome <> ''{where}
GROUP BY {keys}
"""
# the group's figures per day and half hour stream out of the covering index
# telephony_call_stats in its order; the agents' out of telephony_call_agents
SLOT_KEYS = "local_day, local_half_hour, answer_group"
AGENT_KEYS = "local_day, answer_group, agent"
HAS_AGENT = " AND agent IS NOT NULL"
DAY_RANGE = "local_day >= {} AND local_day <= {}"
DEFAULT_TZ = "Europe/Stockholm"
SETTLE_SECONDS = 600

MARK_SQL = (
    "INSERT INTO telephony_stats_change (local_day, version, changed_at) VALUES (?, 1, ?) "
    "ON CONFLICT (local_day) DO UPDATE SET version = telephony_stats_change.version + 1, "
    "changed_at = excluded.changed_at"
)
VERSIONS_SQL = "SELECT local_day, version FROM telephony_stats_change WHERE " + DAY_RANGE
BUILT_SQL = (
    "SELECT local_day, version FROM telephony_stats_day "
    "WHERE limit_seconds = {} AND short_seconds = {} AND " + DAY_RANGE
)
ENTRY_SQL = (
    "INSERT INTO telephony_stats_day (limit_seconds, short_seconds, local_day, version, "
    "built_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (limit_seconds, short_seconds, local_day) "
    "DO UPDATE SET version = excluded.version, built_at = excluded.built_at"
)
CLEAR_SQL = (
    "DELETE FROM telephony_stats_row WHERE limit_seconds = ? AND short_seconds = ? "
    "AND local_day = ?"
)
ROW_COLUMNS = ("limit_seconds", "short_seconds", "local_day", "kind", "local_half_hour",
               "answer_group", "agent", *COUNTERS)  # fmt: skip
INSERT_SQL = (
    f"INSERT INTO telephony_stats_row ({', '.join(ROW_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in ROW_COLUMNS)})"
)
READ_SQL = (
    "SELECT kind, local_day, local_half_hour, answer_group, agent, " + ", ".join(COUNTERS)
    + " FROM telephony_stats_row WHERE limit_seconds = {} AND short_seconds = {} AND "
    + DAY_RANGE
)  # fmt: skip


def _timezone() -> str:
    from core.cases import service as cases

    try:
        return cases.current_settings().timezone
    except RuntimeError:  # a tool without the domain services (the benchmark)
        return DEFAULT_TZ


def today(tz: str | None = None, now: float | None = None) -> date:
    """Today's local date (at ``now``, epoch seconds)."""
    return clock.local_minute(now or time.time(), tz or _timezone()).date()


def settled_day(now: float | None = None) -> date:
    """The first day that is not summarised yet (today, or yesterday just after midnight)."""
    return today(now=(now or time.time()) - SETTLE_SECONDS)


def in_clause(column: str, values: Sequence[Any]) -> str:
    """`` AND column IN ({}, …)`` for ``values`` (given as arguments)."""
    return f" AND {column} IN (" + ", ".join("{}" for _ in values) + ")"


async def aggregate(
    limit: int,
    short: int,
    keys: str,
    days: str,
    day_args: Sequence[Any],
    where: str = "",
    extra: Iterable[Any] = (),
) -> list[dict[str, Any]]:
    """The counters of finished inbound calls of the ``days`` condition, grouped by ``keys``."""
    sql = AGGREGATE_SQL.replace("{keys}", keys).replace("{days}", days)
    rows = await fetch(sql.replace("{where}", where), short, short, short, limit, short,
                       *day_args, *extra)  # fmt: skip
    for row in rows:  # PostgreSQL sums are Decimal, an empty MAX is NULL
        for name in COUNTERS:
            row[name] = int(row[name] or 0)
    return rows


async def mark_changed(*days: str | None) -> None:
    """In ingest's transaction: a call of these local days changed; days before today get a
    new version (their summaries are rebuilt when next read)."""
    current = today().isoformat()
    now = int(time.time())
    for day in sorted({d for d in days if d and d < current}):
        await raw.fetch(MARK_SQL, day, now)


async def summarised_rows(
    first: date, last: date, limit: int, short: int, groups: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The summary rows (kinds ``slot`` and ``agent``) of the settled days ``first``..``last``
    (of some answer groups), summarising first the days never summarised or changed since."""
    await summarise(first, last, limit, short)
    clause, extra = ("", []) if groups is None else (in_clause("answer_group", groups), groups)
    return await fetch(READ_SQL + clause, limit, short, first.isoformat(), last.isoformat(),
                       *extra)  # fmt: skip


async def summarise(first: date, last: date, limit: int, short: int) -> int:
    """Summarise the settled days ``first``..``last`` never summarised or changed since;
    returns how many days were (re)built."""
    span = (first.isoformat(), last.isoformat())
    versions = {r["local_day"]: int(r["version"]) for r in await fetch(VERSIONS_SQL, *span)}
    built = {r["local_day"]: int(r["version"]) for r in await fetch(BUILT_SQL, limit, short,
                                                                     *span)}  # fmt: skip
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    stale = [d for d in days if built.get(d) != versions.get(d, 0)]
    if stale:
        await _summarise(stale, {d: versions.get(d, 0) for d in stale}, limit, short)
    return len(stale)


async def _summarise(days: list[str], versions: dict[str, int], limit: int, short: int) -> None:
    """Aggregate the calls of ``days`` (outside any write transaction) and replace their
    summaries at the ``versions`` read before."""
    marks = ", ".join("{}" for _ in days)
    condition = f"local_day IN ({marks})"
    rows: dict[str, list[tuple[Any, ...]]] = {day: [] for day in days}
    for kind, keys, where in (("slot", SLOT_KEYS, ""), ("agent", AGENT_KEYS, HAS_AGENT)):
        for row in await aggregate(limit, short, keys, condition, days, where):
            rows[row["local_day"]].append((
                limit, short, row["local_day"], kind, row.get("local_half_hour"),
                row["answer_group"], row.get("agent"), *[row[c] for c in COUNTERS],
            ))  # fmt: skip
    now = int(time.time())
    async with db.transaction():
        for day in days:  # the entry first: concurrent builders of a day take turns here
            await raw.fetch(ENTRY_SQL, limit, short, day, versions[day], now)
            await raw.fetch(CLEAR_SQL, limit, short, day)
            await raw.executemany(INSERT_SQL, rows[day])
