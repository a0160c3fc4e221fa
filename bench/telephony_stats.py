"""Call statistics for a month of 300 000 calls (goal: under 0.5 s).

``python -m bench.telephony_stats [--calls N] [--runs N] [--backend sqlite|postgres] [--quick]``

Makes a fresh installation, enables the telephony plugin (its migrations, including the
covering index ``telephony_call_stats``), bulk-loads N finished calls into one month (March
2025) straight through the database driver: busy Mondays, the opening hours' morning peak and
lunch dip, six answer groups, ten agents, 85 % answered, abandons (some short) and missed
calls with waiting and talk times. Then times :func:`plugins.telephony_centrex.stats.compute`
and the whole ``telephony`` report as the API builds it (every roll-up: half hour, hour, day,
group, agent): cold (a fresh process, every day read from the calls) and warm (finished days
from the day cache, which is checked against the calls' ``updated_at`` on every request), the
figures the core's reports get, and the staffing forecast. Prints one JSON line per
measurement and a table.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sqlite3
import statistics
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import (
    BACKENDS,
    Report,
    clean_environ,
    installation,
    log,
    machine,
    use_installation,
)

ZONE = ZoneInfo("Europe/Stockholm")
FIRST, LAST = date(2025, 3, 1), date(2025, 3, 31)
GOAL_SECONDS = 0.5
GROUPS = (
    "vaxel",
    "aldreomsorg",
    "forskola-skola",
    "bygg-miljo",
    "gata-park-avfall",
    "socialtjanst",
)
AGENTS = tuple(f"agent.{n}" for n in range(10))
WEEKDAY = (1.28, 1.06, 1.0, 0.94, 0.78, 0.0, 0.0)
HOURS = {8: 0.9, 9: 1.45, 10: 1.3, 11: 1.0, 12: 0.5, 13: 1.1, 14: 1.15, 15: 0.9, 16: 0.6}
COLUMNS = (
    "source", "call_id", "direction", "caller", "called", "answer_group", "agent", "state",
    "outcome", "offered_at", "answered_at", "ended_at", "wait_seconds", "talk_seconds",
    "local_day", "local_hour", "local_half_hour", "cause", "updated_at",
)  # fmt: skip


def enable_plugin(env: dict[str, str]) -> None:
    """Enable the plugin (runs its migrations) in a fresh process, as provisioning does."""
    from core import db
    from core.plugin_admin import service
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> None:
        try:
            await service.set_enabled("bench", "telephony_centrex", True)
        finally:
            await db.close_pool()

    asyncio.run(go())


def calls(total: int) -> list[tuple]:
    """``total`` finished calls over the month's working days, in time order."""
    rng = random.Random(20250301)
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    weights = [WEEKDAY[d.weekday()] for d in days]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[max(range(len(days)), key=lambda i: weights[i])] += total - sum(counts)
    rows: list[tuple] = []
    for day, count in zip(days, counts, strict=True):
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp())
        for hour in sorted(rng.choices(list(HOURS), list(HOURS.values()), k=count)):
            minute = rng.randrange(60)
            offered = midnight + hour * 3600 + minute * 60 + rng.randrange(60)
            draw = rng.random()
            wait = int(rng.expovariate(1 / 60))
            answered_at = talk = agent = None
            if draw < 0.85:
                outcome, cause = "answered", "normalClearing"
                talk = int(30 + rng.expovariate(1 / 150))
                answered_at, agent = offered + wait, rng.choice(AGENTS)
                ended = answered_at + talk
            elif draw < 0.96:
                outcome, cause = "abandoned", "abandon"
                wait = rng.randrange(2) if draw < 0.88 else wait  # some short abandons
                ended = offered + wait
            else:
                outcome, cause, ended = "missed", "noAnswer", offered + wait
            rows.append((
                "bench", f"b-{len(rows)}", "in", f"+4670{rng.randrange(10**7):07d}",
                "+46123450000", rng.choice(GROUPS), agent, "ended", outcome, offered,
                answered_at, ended, wait, talk, day.isoformat(), hour,
                hour * 2 + minute // 30, cause, ended,
            ))  # fmt: skip
    return rows


def load_sqlite(path: str, rows: list[tuple]) -> None:
    conn = sqlite3.connect(path)
    try:
        marks = ", ".join("?" for _ in COLUMNS)
        with conn:
            conn.executemany(
                f"INSERT INTO telephony_call ({', '.join(COLUMNS)}) VALUES ({marks})", rows
            )
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def load_postgres(url: str, rows: list[tuple]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("telephony_call", records=rows, columns=list(COLUMNS))
        await conn.execute("VACUUM ANALYZE telephony_call")  # visibility map: index-only scans
    finally:
        await conn.close()


def sqlite_plan(path: str) -> list[str]:
    from plugins.telephony_centrex import stats

    sql = stats.stats_sql(stats.SLOT_KEYS).replace("{}", "?")
    conn = sqlite3.connect(path)
    try:
        args = [5, 5, 5, 120, 5, FIRST.isoformat(), LAST.isoformat()]
        return [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args)]
    finally:
        conn.close()


async def time_stats(runs: int) -> dict[str, list[float]]:
    from core import db
    from core.reports import service
    from plugins.telephony_centrex import stats

    db.bind_tables()
    period = service.parse_period(FIRST.isoformat(), LAST.isoformat())
    start, end = period.start, period.end
    names = ("report_cold", "report", "figures", "staffing")
    timings: dict[str, list[float]] = {name: [] for name in names}
    try:
        warm = await stats.compute(FIRST, LAST, None, 120, 5)
        level = warm.total.figures()["service_level"]
        log(f"{warm.total.offered:,} offered, service level {level} %")
        for _ in range(runs):
            for name, work in (
                ("report_cold", lambda: stats.telephony_report(start, end, {})),
                ("report", lambda: stats.telephony_report(start, end, {})),
                ("figures", lambda: stats.report_figures("times", start, end, {})),
                ("staffing", lambda: stats.staffing_report(start, end, {})),
            ):
                if name == "report_cold":
                    stats._days.clear()  # a fresh process: every day read from the calls
                began = time.perf_counter()
                await work()
                timings[name].append(time.perf_counter() - began)
    finally:
        await db.close_pool()
    return timings


def run(report: Report, backend: str, total: int, runs: int) -> None:
    clean_environ()
    with installation(backend, with_redis=False) as inst:
        ctx = multiprocessing.get_context("spawn")
        proc = ctx.Process(target=enable_plugin, args=(inst.env,))
        proc.start()
        proc.join(timeout=300)
        if proc.exitcode != 0:
            raise RuntimeError("enabling telephony_centrex failed (see above)")
        settings = use_installation(inst)
        rows = calls(total)
        log(f"loading {len(rows):,} calls ({backend})")
        began = time.perf_counter()
        if backend == "sqlite":
            load_sqlite(str(settings.sqlite_path), rows)
            plan = sqlite_plan(str(settings.sqlite_path))
            log(f"query plan: {plan}")
            covering = any("COVERING INDEX telephony_call_stats" in p for p in plan)
        else:
            asyncio.run(load_postgres(inst.database_url, rows))
            covering = None
        load_s = time.perf_counter() - began
        use_installation(inst)
        timings = asyncio.run(time_stats(runs))
        for name, samples in timings.items():
            ms = sorted(s * 1000 for s in samples)
            report.add({
                "bench": "telephony_stats", "backend": backend, "measure": name,
                "calls": total, "runs": len(ms), "min_ms": round(ms[0], 1),
                "median_ms": round(statistics.median(ms), 1), "max_ms": round(ms[-1], 1),
                "goal_met": statistics.median(ms) < GOAL_SECONDS * 1000,
                "covering_index": covering, "load_s": round(load_s, 1),
            })  # fmt: skip


TABLE = [
    ("backend", "backend"),
    ("measure", "measure"),
    ("calls", "calls"),
    ("runs", "runs"),
    ("min_ms", "min ms"),
    ("median_ms", "median ms"),
    ("max_ms", "max ms"),
    ("goal_met", "goal <500 ms"),
    ("covering_index", "covering index"),
    ("load_s", "load s"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telephony_stats", description=__doc__)
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="30 000 calls, 3 runs")
    args = parser.parse_args(argv)
    total, runs = (30_000, 3) if args.quick else (args.calls, args.runs)
    report = Report(args.quick)
    for backend in BACKENDS if args.backend == "both" else [args.backend]:
        run(report, backend, total, runs)
    print()
    print(f"Telephony statistics for a month of calls on {machine()}")
    print(report.table("telephony_stats", TABLE))
    return 0 if all(r["goal_met"] for r in report.rows if r["measure"] == "report") else 1


if __name__ == "__main__":
    raise SystemExit(main())
