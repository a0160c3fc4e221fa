"""Call statistics from ``telephony_call``: offered, answered, abandoned, service level, ASA,
AHT, waiting and talk time, per half hour, hour, day, answer group and agent.

Definitions (the same on the wallboard, in the reports and in the effect goal):

- Only finished inbound calls count (``direction = 'in'``, an outcome set); live calls are the
  wallboard's business.
- **Short abandons**: calls abandoned within ``short_abandon_seconds`` (default 5 s; misdials,
  callers who hear the menu and hang up) are counted apart and left out of *offered*.
- **Offered** = answered + abandoned (not short) + missed (the switch gave up: no agent, busy).
- **Service level** = answered within ``service_level_seconds`` (default 120 s) / offered, in
  percent: a call abandoned after the limit counts against it, a short abandon does not.
  The effect goal "80 % of calls answered within 2 minutes" is this figure with 120 s.
- **ASA** (average speed of answer) = mean waiting time of answered calls; **AHT** = mean talk
  time of answered calls (the switch does not report the wrap-up, so it is not included).
- **Abandon rate** = abandoned (not short) / offered.

Everything comes from one aggregate query grouped by ``(local_day, local_half_hour,
answer_group)``, which the covering index ``telephony_call_stats`` serves in index order
(the roll-ups per hour, day and group are sums of those few thousand rows), and one grouped
by group and agent. Finished days (before today) are kept per process as those rows and
reused until a call of that day changes: ``updated_at`` (set on every change, indexed) tells
which days did, so a month's report reads today's calls and a few thousand cached rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.reports.model import Chart, Column, Figure, ReportDefinition, ReportTable
from core.reports.queries import fetch
from core.reports.service import share
from plugins.telephony_centrex import erlang, runtime

log = logging.getLogger(__name__)

COUNTERS = ("offered", "answered", "abandoned", "short_abandoned", "missed", "within",
            "wait_answered", "wait_all", "talk", "max_wait")  # fmt: skip
STATS_SQL = """
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
WHERE local_day >= {} AND local_day <= {} AND direction = 'in' AND outcome <> ''{where}
GROUP BY {keys}
"""
# the group's figures per day and half hour stream out of the covering index in its order;
# the agents' figures need a second pass (few rows, sorted by agent)
SLOT_KEYS = "local_day, local_half_hour, answer_group"
AGENT_KEYS = "answer_group, agent"
HAS_AGENT = " AND agent IS NOT NULL"
# the ordered, limited subquery keeps SQLite on the updated_at index (grouped directly, it
# scans the (local_day, …) index instead: every call, not just the recent changes)
CHANGED_SQL = (
    "SELECT local_day, MAX(updated_at) AS changed FROM (SELECT local_day, updated_at "
    "FROM telephony_call WHERE updated_at >= {} ORDER BY updated_at LIMIT 100000000) AS recent "
    "GROUP BY local_day"
)
CHANGE_MARGIN = 60
MAX_CACHED_DAYS = 3 * 366
DEFAULT_TZ = "Europe/Stockholm"
DEPARTMENT_GROUPS_SQL = (
    "SELECT g.code FROM answer_group g JOIN department d ON d.id = g.department WHERE d.code = {}"
)


@dataclass
class Tally:
    """Additive counters of a set of calls, and the figures derived from them."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    missed: int = 0
    within: int = 0
    wait_answered: int = 0
    wait_all: int = 0
    talk: int = 0
    max_wait: int = 0

    def add(self, row: dict[str, Any]) -> None:
        """Add a row of counters (ints, as :func:`_rows` returns them)."""
        self.offered += row["offered"]
        self.answered += row["answered"]
        self.abandoned += row["abandoned"]
        self.short_abandoned += row["short_abandoned"]
        self.missed += row["missed"]
        self.within += row["within"]
        self.wait_answered += row["wait_answered"]
        self.wait_all += row["wait_all"]
        self.talk += row["talk"]
        if row["max_wait"] > self.max_wait:
            self.max_wait = row["max_wait"]

    def merge(self, other: Tally) -> None:
        self.add(vars(other))

    def figures(self) -> dict[str, Any]:
        """The counts with service level, abandon rate (percent), ASA, AHT and mean wait."""
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned,
            "missed": self.missed,
            "answered_within": self.within,
            "service_level": share(self.within, self.offered),
            "abandon_rate": share(self.abandoned, self.offered),
            "asa_seconds": _mean(self.wait_answered, self.answered),
            "aht_seconds": _mean(self.talk, self.answered),
            "wait_avg_seconds": _mean(self.wait_all, self.offered),
            "wait_max_seconds": self.max_wait,
            "talk_total_seconds": self.talk,
        }


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


@dataclass
class CallStats:
    """The statistics of a period, rolled up every way the reports need."""

    first: date
    last: date
    limit_seconds: int
    short_seconds: int
    total: Tally = field(default_factory=Tally)
    by_half_hour: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_day: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_group: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_agent: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def by_hour(self) -> dict[int, Tally]:
        hours: dict[int, Tally] = defaultdict(Tally)
        for slot, tally in self.by_half_hour.items():
            hours[slot // 2].merge(tally)
        return hours

    def days_with_calls(self) -> int:
        return sum(1 for t in self.by_day.values() if t.offered)


def local_days(period_start: int, period_end: int, tz: str | None = None) -> tuple[date, date]:
    """The local days ``[start, end)`` covers (as the core's report periods are given)."""
    zone = ZoneInfo(tz or _timezone())
    first = datetime.fromtimestamp(period_start, zone).date()
    last = datetime.fromtimestamp(max(period_start, period_end - 1), zone).date()
    return first, last


def _timezone() -> str:
    from core.cases import service as cases

    try:
        return cases.current_settings().timezone
    except RuntimeError:  # a tool without the domain services (the benchmark)
        return DEFAULT_TZ


async def groups_of(filters: dict[str, Any]) -> list[str] | None:
    """The answer groups a report's filters select (None: all)."""
    if filters.get("answer_group"):
        return [filters["answer_group"]]
    if filters.get("department"):
        rows = await fetch(DEPARTMENT_GROUPS_SQL, filters["department"])
        return [r["code"] for r in rows]
    return None


def applicable(filters: dict[str, Any]) -> bool:
    """Calls have no case type and are all phone: other filters select no calls."""
    return not filters.get("case_type") and filters.get("channel") in (None, "", "phone")


async def compute(
    first: date,
    last: date,
    groups: Iterable[str] | None = None,
    limit_seconds: int | None = None,
    short_seconds: int | None = None,
    with_agents: bool = True,
) -> CallStats:
    """The statistics of the local days ``first``..``last`` (optionally some groups; the
    per-agent figures only ``with_agents``). Days before today come from the day cache."""
    limit = int(limit_seconds if limit_seconds is not None else
                runtime.setting("service_level_seconds", 120))  # fmt: skip
    short = int(short_seconds if short_seconds is not None else
                runtime.setting("short_abandon_seconds", 5))  # fmt: skip
    result = CallStats(first, last, limit, short)
    wanted = set(groups) if groups is not None else None
    if wanted is not None and not wanted:
        return result
    current = today()
    closed = [first + timedelta(days=n) for n in range((min(last, current - timedelta(days=1))
                                                         - first).days + 1)]  # fmt: skip
    slots: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    for day in await _closed_days(closed, limit, short):
        slots.extend(day.slots)
        agents.extend(day.agents)
    if last >= current:
        live = (max(first, current), last)
        clause, extra = "", []
        if wanted is not None:
            clause = " AND answer_group IN (" + ", ".join("{}" for _ in wanted) + ")"
            extra = sorted(wanted)
        slots += await _rows(*live, limit, short, SLOT_KEYS, clause, extra)
        if with_agents:
            agents += await _rows(*live, limit, short, AGENT_KEYS, clause + HAS_AGENT, extra)
    for row in slots:
        if wanted is None or row["answer_group"] in wanted:
            result.total.add(row)
            result.by_half_hour[int(row["local_half_hour"])].add(row)
            result.by_day[row["local_day"]].add(row)
            result.by_group[row["answer_group"] or ""].add(row)
    if with_agents:
        for row in agents:
            if wanted is None or row["answer_group"] in wanted:
                result.by_agent[row["agent"]].add(row)
    return result


async def _rows(first: date, last: date, limit: int, short: int, keys: str, where: str = "",
                extra: Iterable[Any] = ()) -> list[dict[str, Any]]:  # fmt: skip
    args = [short, short, short, limit, short, first.isoformat(), last.isoformat(), *extra]
    rows = await fetch(stats_sql(keys, where), *args)
    for row in rows:  # PostgreSQL sums are Decimal, an empty MAX is NULL
        for name in COUNTERS:
            row[name] = int(row[name] or 0)
    return rows


@dataclass
class _Day:
    """One finished day's aggregate rows; valid while no call of the day changed after
    ``built_at`` (``updated_at`` is set on every change of a call)."""

    built_at: int
    slots: list[dict[str, Any]]
    agents: list[dict[str, Any]]


_days: dict[tuple[int, int, str], _Day] = {}  # (limit, short, local day) -> rows


async def _closed_days(days: list[date], limit: int, short: int) -> list[_Day]:
    """The cached rows of finished days, rebuilding those never built or changed since."""
    if not days:
        return []

    def key(day: date) -> tuple[int, int, str]:
        return (limit, short, day.isoformat())

    stale = {d for d in days if key(d) not in _days}
    known = [_days[key(d)] for d in days if d not in stale]
    if known:
        for row in await fetch(CHANGED_SQL, min(entry.built_at for entry in known)):
            entry = _days.get((limit, short, row["local_day"]))
            if entry is not None and int(row["changed"]) >= entry.built_at:
                stale.add(date.fromisoformat(row["local_day"]))
    if stale:
        if len(_days) > MAX_CACHED_DAYS:
            _days.clear()
        # a change committed while the rows are read may carry an earlier updated_at:
        # anything changed in the last minute before the build is checked again next time
        built_at = int(time.time()) - CHANGE_MARGIN
        lo, hi = min(stale), max(stale)
        by_day: dict[str, _Day] = {
            (lo + timedelta(days=n)).isoformat(): _Day(built_at, [], [])
            for n in range((hi - lo).days + 1)
        }
        for row in await _rows(lo, hi, limit, short, SLOT_KEYS):
            by_day[row["local_day"]].slots.append(row)
        for row in await _rows(lo, hi, limit, short, "local_day, " + AGENT_KEYS, HAS_AGENT):
            by_day[row["local_day"]].agents.append(row)
        for day, entry in by_day.items():
            _days[(limit, short, day)] = entry
    return [_days[key(d)] for d in days]


def stats_sql(keys: str, where: str = "") -> str:
    """The aggregate statement grouped by ``keys`` with extra ``where`` conditions."""
    return STATS_SQL.replace("{keys}", keys).replace("{where}", where)


async def for_period(
    period_start: int, period_end: int, filters: dict[str, Any], with_agents: bool = True
) -> CallStats:
    """The statistics of a report's period and filters."""
    first, last = local_days(period_start, period_end)
    groups = await groups_of(filters) if applicable(filters) else []
    return await compute(first, last, groups, with_agents=with_agents)


# --- what the reports show -------------------------------------------------------------------

FIGURE_LABELS = {
    "offered": ("Erbjudna samtal", "Calls offered", "int"),
    "answered": ("Besvarade samtal", "Calls answered", "int"),
    "abandoned": ("Avbrutna samtal", "Calls abandoned", "int"),
    "short_abandoned": ("Korta avbrott (räknas ej)", "Short abandons (not counted)", "int"),
    "missed": ("Missade samtal", "Calls missed", "int"),
    "answered_within": ("Besvarade inom gränsen", "Answered within the limit", "int"),
    "service_level": ("Servicenivå (%)", "Service level (%)", "percent"),
    "abandon_rate": ("Andel avbrutna (%)", "Abandon rate (%)", "percent"),
    "asa_seconds": ("Genomsnittlig svarstid (s)", "Average speed of answer (s)", "seconds"),
    "aht_seconds": ("Genomsnittlig samtalstid (s)", "Average handling time (s)", "seconds"),
    "wait_avg_seconds": ("Genomsnittlig väntetid (s)", "Average wait (s)", "seconds"),
    "wait_max_seconds": ("Längsta väntetid (s)", "Longest wait (s)", "seconds"),
    "talk_total_seconds": ("Total samtalstid (s)", "Total talk time (s)", "seconds"),
}
TALLY_COLUMNS = [
    Column("offered", "Erbjudna", "Offered"),
    Column("answered", "Besvarade", "Answered"),
    Column("abandoned", "Avbrutna", "Abandoned"),
    Column("short_abandoned", "Korta avbrott", "Short abandons"),
    Column("missed", "Missade", "Missed"),
    Column("service_level", "Servicenivå (%)", "Service level (%)", "percent"),
    Column("abandon_rate", "Avbrutna (%)", "Abandoned (%)", "percent"),
    Column("asa_seconds", "Svarstid (s)", "ASA (s)", "seconds"),
    Column("aht_seconds", "Samtalstid (s)", "AHT (s)", "seconds"),
    Column("wait_max_seconds", "Längsta väntan (s)", "Longest wait (s)", "int"),
]


def figures(stats: CallStats, prefix: str = "telephony_") -> list[Figure]:
    """The period's totals as report figures (keys prefixed, labels in sv and en)."""
    values = stats.total.figures()
    return [
        Figure(prefix + key, values[key], sv, en, kind)
        for key, (sv, en, kind) in FIGURE_LABELS.items()
    ]


def goal_figure(stats: CallStats) -> Figure:
    """The effect goal "80 % of calls answered within 2 minutes" from the calls themselves."""
    return Figure(
        "telephony_calls_answered_2min",
        stats.total.figures()["service_level"],
        f"Samtal besvarade inom {stats.limit_seconds // 60} minuter (växeln, %)",
        f"Calls answered within {stats.limit_seconds // 60} minutes (switch, %)",
        "percent",
    )


def _table(
    name: str, sv: str, en: str, key: Column, rows: Iterable[tuple[Any, Tally]]
) -> ReportTable:
    return ReportTable(
        name, sv, en, [key, *TALLY_COLUMNS],
        [{key.key: k, **t.figures()} for k, t in rows],
    )  # fmt: skip


def tables(stats: CallStats) -> list[ReportTable]:
    """Per hour, day, answer group and agent."""
    hours = stats.by_hour()
    return [
        _table("by_hour", "Per timme", "By hour", Column("hour", "Timme", "Hour", "text"),
               ((f"{h:02d}:00", hours[h]) for h in sorted(hours))),
        _table("by_day", "Per dag", "By day", Column("day", "Dag", "Day", "text"),
               sorted(stats.by_day.items())),
        _table("by_group", "Per svarsgrupp", "By answer group",
               Column("answer_group", "Svarsgrupp", "Answer group", "text"),
               sorted(stats.by_group.items())),
        _table("by_agent", "Per handläggare", "By agent", Column("agent", "Handläggare", "Agent",
               "text"), sorted(stats.by_agent.items())),
    ]  # fmt: skip


def staffing(stats: CallStats, target_level: float | None = None,
             shrinkage: float | None = None) -> list[erlang.Staffing]:  # fmt: skip
    """Erlang C forecast per half hour from the period's mean arrivals and AHT per slot."""
    days = stats.days_with_calls()
    if not days:
        return []
    level = (
        target_level
        if target_level is not None
        else runtime.setting("service_level_target", 80) / 100
    )
    shrink = shrinkage if shrinkage is not None else runtime.setting("staffing_shrinkage", 0.3)
    overall = stats.total.figures()["aht_seconds"] or 180.0
    arrivals = [
        (slot, tally.offered / days, _mean(tally.talk, tally.answered) or overall)
        for slot, tally in stats.by_half_hour.items()
    ]
    return erlang.forecast(arrivals, stats.limit_seconds, float(level), float(shrink))


def staffing_table(rows: list[erlang.Staffing]) -> ReportTable:
    return ReportTable(
        "staffing",
        "Bemanningsbehov per halvtimme (Erlang C)",
        "Staffing per half hour (Erlang C)",
        [
            Column("slot", "Halvtimme", "Half hour", "text"),
            Column("calls", "Samtal (medel)", "Calls (mean)", "float"),
            Column("aht_seconds", "Samtalstid (s)", "AHT (s)", "seconds"),
            Column("erlangs", "Trafik (erlang)", "Traffic (Erlang)", "float"),
            Column("agents", "Handläggare i telefon", "Agents on the phones"),
            Column("scheduled", "Att schemalägga", "To schedule"),
            Column("service_level", "Beräknad servicenivå (%)", "Expected service level (%)",
                   "percent"),
            Column("asa_seconds", "Beräknad svarstid (s)", "Expected ASA (s)", "seconds"),
        ],
        [
            {"slot": r.label, "calls": round(r.calls, 2), "aht_seconds": round(r.aht_seconds, 1),
             "erlangs": round(r.erlangs, 2), "agents": r.agents, "scheduled": r.scheduled,
             "service_level": round(100 * r.service_level, 2),
             "asa_seconds": round(r.asa_seconds, 1)}
            for r in rows
        ],
    )  # fmt: skip


async def telephony_report(period_start: int, period_end: int, filters: dict[str, Any]) -> dict:
    """The plugin's report ``telephony``: figures and the four tables."""
    stats = await for_period(period_start, period_end, filters)
    summary = {
        f.key: {"value": f.value, "label_sv": f.label_sv, "label_en": f.label_en, "kind": f.kind}
        for f in [*figures(stats, prefix=""), goal_figure(stats)]
    }
    return {"summary": summary, "tables": {t.name: t for t in tables(stats)}}


async def staffing_report(period_start: int, period_end: int, filters: dict[str, Any]) -> list:
    """The plugin's report ``telephony-staffing``: agents needed per half hour."""
    stats = await for_period(period_start, period_end, filters, with_agents=False)
    return [staffing_table(staffing(stats))]


REPORTS = [
    ReportDefinition(
        "telephony",
        "Telefoni: samtal, servicenivå och tider",
        "Telephony: calls, service level and times",
        telephony_report,
        description="Offered, answered and abandoned calls, service level, ASA and AHT",
        charts=(
            Chart(
                "offered_by_hour",
                "by_hour",
                "hour",
                "offered",
                "Erbjudna samtal per timme",
                "Calls offered by hour",
            ),
            Chart(
                "service_level_by_group",
                "by_group",
                "answer_group",
                "service_level",
                "Servicenivå per svarsgrupp (%)",
                "Service level by answer group (%)",
            ),
        ),  # fmt: skip
    ),
    ReportDefinition(
        "telephony-staffing",
        "Telefoni: bemanningsprognos (Erlang C)",
        "Telephony: staffing forecast (Erlang C)",
        staffing_report,
        description="Agents needed per half hour for the service-level target",
        charts=(
            Chart(
                "agents_by_half_hour",
                "staffing",
                "slot",
                "scheduled",
                "Handläggare att schemalägga",
                "Agents to schedule",
            ),
        ),  # fmt: skip
    ),
]
FIGURES_FOR = {"contacts", "times", "effect-goals", "sla"}


async def report_figures(
    report: str, period_start: int, period_end: int, filters: dict[str, Any]
) -> list[Figure] | None:
    """The ``report_figures`` hook: the switch's own figures for the core's reports."""
    if report not in FIGURES_FOR or not applicable(filters):
        return None
    stats = await for_period(period_start, period_end, filters, with_agents=False)
    if report == "effect-goals":
        return [goal_figure(stats)]
    return figures(stats)


_warming: set[asyncio.Task[Any]] = set()


def start_warm_up(days: int = 35) -> None:
    """Fill the day cache with the last ``days`` finished days in the background (called at
    the API's start, so the first month's report does not read every call)."""
    yesterday = today() - timedelta(days=1)

    async def warm() -> None:
        try:
            await compute(yesterday - timedelta(days=days - 1), yesterday)
        except Exception:  # only a cache: the reports read the calls themselves then
            log.exception("telephony statistics: warm-up failed")

    task = asyncio.get_running_loop().create_task(warm(), name="telephony-stats-warm-up")
    _warming.add(task)
    task.add_done_callback(_warming.discard)


def today(tz: str | None = None, now: float | None = None) -> date:
    """Today's local date."""
    return datetime.fromtimestamp(now or time.time(), ZoneInfo(tz or _timezone())).date()
