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

Everything comes from one aggregate grouped by ``(local_day, local_half_hour, answer_group)``
(the roll-ups per hour, day and group are sums of those rows) and one grouped by group and
agent. Settled days (before today) are read as those rows from their persisted summaries
(:mod:`plugins.telephony_centrex.daily`, rebuilt when a call of the day changed), only today
from the calls, through the covering indexes ``telephony_call_stats`` and
``telephony_call_agents``: a month's report reads a few thousand rows, in any process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.reports.model import Chart, Column, Figure, ReportDefinition, ReportTable
from core.reports.queries import fetch
from core.reports.service import share
from plugins.telephony_centrex import daily, erlang, runtime
from plugins.telephony_centrex.daily import today as today  # the wallboard's

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
    zone = ZoneInfo(tz or daily._timezone())
    first = datetime.fromtimestamp(period_start, zone).date()
    last = datetime.fromtimestamp(max(period_start, period_end - 1), zone).date()
    return first, last


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
    per-agent figures only ``with_agents``). Settled days come from their persisted
    summaries (:mod:`plugins.telephony_centrex.daily`), the rest from the calls."""
    limit, short = _limits(limit_seconds, short_seconds)
    result = CallStats(first, last, limit, short)
    wanted = sorted(set(groups)) if groups is not None else None
    if wanted is not None and not wanted:
        return result
    settled = daily.settled_day()
    slots: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    summarised_last = min(last, settled - timedelta(days=1))
    if first <= summarised_last:
        for row in await daily.summarised_rows(first, summarised_last, limit, short, wanted):
            (slots if row["kind"] == "slot" else agents).append(row)
    if last >= settled:
        span = (max(first, settled).isoformat(), last.isoformat())
        clause = "" if wanted is None else daily.in_clause("answer_group", wanted)
        extra = wanted or []
        slots += await daily.aggregate(limit, short, daily.SLOT_KEYS, daily.DAY_RANGE, span,
                                       clause, extra)  # fmt: skip
        if with_agents:
            agents += await daily.aggregate(limit, short, daily.AGENT_KEYS, daily.DAY_RANGE,
                                            span, clause + daily.HAS_AGENT, extra)  # fmt: skip
    for row in slots:
        result.total.add(row)
        result.by_half_hour[int(row["local_half_hour"])].add(row)
        result.by_day[row["local_day"]].add(row)
        result.by_group[row["answer_group"] or ""].add(row)
    if with_agents:
        for row in agents:
            result.by_agent[row["agent"]].add(row)
    return result


def _limits(limit_seconds: int | None, short_seconds: int | None) -> tuple[int, int]:
    """The service-level and short-abandon limits given, else the plugin's settings."""
    limit = int(limit_seconds if limit_seconds is not None else
                runtime.setting("service_level_seconds", 120))  # fmt: skip
    short = int(short_seconds if short_seconds is not None else
                runtime.setting("short_abandon_seconds", 5))  # fmt: skip
    return limit, short


async def summarise_recent(days: int = 40) -> int:
    """Summarise the last ``days`` settled days that need it, with the configured limits
    (the worker's periodic task: the first report after midnight or a history import then
    reads summaries only); returns how many days were built."""
    last = daily.settled_day() - timedelta(days=1)
    return await daily.summarise(last - timedelta(days=days - 1), last, *_limits(None, None))


def run_summarise() -> None:
    """The worker's periodic task (see :func:`summarise_recent`)."""
    from core import jobs

    jobs.run_async(summarise_recent())


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
