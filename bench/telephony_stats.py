"""Call statistics for a month of 300 000 calls (goal: under 0.5 s).

``python -m bench.telephony_stats [--calls N] [--runs N] [--backend sqlite|postgres] [--quick]``

Makes a fresh installation, enables the telephony plugin (its migrations, including the
covering index ``telephony_call_stats``), bulk-loads N finished calls into one month (March
2025) straight through the database driver: busy Mondays, the opening hours' morning peak and
lunch dip, six answer groups, ten agents, 85 % answered, abandons (some short) and missed
calls with waiting and talk times. Then times the whole ``telephony`` report as the API builds
it (every roll-up: half hour, hour, day, group, agent):

- ``summarise``: the first request after the bulk load, which summarises the month's days into
  ``telephony_stats_row`` (once per installation, or after a migration of old calls);
- ``report_cold``: the first request of a fresh process (spawned per run), summaries persisted;
- ``report``: further requests of a warm process (every day's version checked every time);
- ``report_changed``: the request after a call of one finished day changed (that day rebuilt);
- ``figures`` (what the core's reports get) and ``staffing`` (the Erlang C forecast).

Prints one JSON line per measurement and a table.
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
    from plugins.telephony_centrex import daily

    sql = daily.AGGREGATE_SQL.replace("{keys}", daily.SLOT_KEYS).replace("{days}", daily.DAY_RANGE)
    conn = sqlite3.connect(path)
    try:
        args = [5, 5, 5, 120, 5, FIRST.isoformat(), LAST.isoformat()]
        plan = conn.execute(
            "EXPLAIN QUERY PLAN " + sql.replace("{where}", "").replace("{}", "?"), args
        )
        return [row[-1] for row in plan]
    finally:
        conn.close()


def _period() -> tuple[int, int]:
    from core.reports import service

    period = service.parse_period(FIRST.isoformat(), LAST.isoformat())
    return period.start, period.end


def cold_report(env: dict[str, str], answer: multiprocessing.Queue) -> None:
    """In a fresh process: the time of its first ``telephony`` report (seconds). The modules
    an API process has loaded at its start are imported first (not part of a request)."""
    import core.cases.service  # noqa: F401
    from core import db
    from core.runtime import configure_storage
    from core.settings import load_settings
    from plugins.telephony_centrex import stats

    configure_storage(load_settings(env=env))
    start, end = _period()

    async def go() -> float:
        try:
            began = time.perf_counter()
            await stats.telephony_report(start, end, {})
            return time.perf_counter() - began
        finally:
            await db.close_pool()

    answer.put(asyncio.run(go()))


def time_cold(env: dict[str, str], runs: int) -> list[float]:
    """The first request's time in ``runs`` fresh processes."""
    ctx = multiprocessing.get_context("spawn")
    samples = []
    for _ in range(runs):
        answer = ctx.Queue()
        proc = ctx.Process(target=cold_report, args=(env, answer))
        proc.start()
        samples.append(answer.get(timeout=300))
        proc.join(timeout=60)
    return samples


async def time_stats(runs: int) -> dict[str, list[float]]:
    from core import db
    from plugins.telephony_centrex import daily, stats

    db.bind_tables()
    start, end = _period()
    names = ("summarise", "report", "report_changed", "figures", "staffing")
    timings: dict[str, list[float]] = {name: [] for name in names}

    async def change_a_day(n: int) -> None:
        async with db.transaction():
            await daily.mark_changed((FIRST + timedelta(days=n % 28)).isoformat())

    try:
        began = time.perf_counter()
        first = await stats.compute(FIRST, LAST, None, 120, 5)
        timings["summarise"].append(time.perf_counter() - began)
        level = first.total.figures()["service_level"]
        log(f"{first.total.offered:,} offered, service level {level} %")
        for n in range(runs):
            for name, work in (
                ("report", lambda: stats.telephony_report(start, end, {})),
                ("report_changed", lambda: stats.telephony_report(start, end, {})),
                ("figures", lambda: stats.report_figures("times", start, end, {})),
                ("staffing", lambda: stats.staffing_report(start, end, {})),
            ):
                if name == "report_changed":
                    await change_a_day(n)
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
        timings["report_cold"] = time_cold(inst.env, runs)
        for name, samples in timings.items():
            ms = sorted(s * 1000 for s in samples)
            report.add({
                "bench": "telephony_stats", "backend": backend, "measure": name,
                "calls": total, "runs": len(ms), "min_ms": round(ms[0], 1),
                "median_ms": round(statistics.median(ms), 1), "max_ms": round(ms[-1], 1),
                "goal_met": None if name == "summarise"  # once, after the bulk load
                else statistics.median(ms) < GOAL_SECONDS * 1000,
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
    goals = ("report", "report_cold")
    return 0 if all(r["goal_met"] for r in report.rows if r["measure"] in goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
