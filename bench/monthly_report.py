"""The monthly statistics report over 2 000 000 contacts on SQLite (goal: under 0.5 s).

``python -m bench.monthly_report [--contacts N] [--runs N] [--quick]``

Makes a fresh SQLite installation (migrations included, so the report's covering index is
there as in production), adds a small organisation through the core services, then bulk-loads
N contacts spread over 2025 with a realistic rhythm straight through sqlite3 (executemany in
big transactions): busy Mondays, quiet weekends, peaks at 9–11 and 13–14, a quiet July and
December and a busy August; phone, e-mail, web and visits with waiting and talk times on
calls. Then times the main contact report (frequency, distribution by hour, weekday, month,
season, day, channel, group and case type; shares; waiting and talk times) for one month with
all filters off, through :func:`core.reports.service.contacts_report` exactly as the API calls
it. Prints one JSON line per measurement and a table: wall-clock time (the goal) and the
process's CPU time (all threads), which says more on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import Report, clean_environ, installation, log, machine, use_installation

ZONE = ZoneInfo("Europe/Stockholm")
YEAR = 2025
GOAL_SECONDS = 0.5
WEEKDAY_WEIGHT = (1.3, 1.15, 1.05, 1.0, 0.85, 0.1, 0.05)
MONTH_WEIGHT = (1.1, 1.0, 1.0, 1.05, 1.1, 0.95, 0.6, 1.15, 1.05, 1.0, 1.0, 0.8)
HOUR_WEIGHT = (
    0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.4, 1.0, 1.5, 1.6, 1.3,
    0.9, 1.4, 1.3, 1.0, 0.7, 0.3, 0.2, 0.15, 0.1, 0.08, 0.05, 0.03,
)  # fmt: skip
CHANNELS = (("phone", 0.6), ("email", 0.2), ("web", 0.12), ("visit", 0.05), ("letter", 0.03))
DEPARTMENTS = ("KS", "BUN", "SN", "ÄN", "SBN", "TN")
COLUMNS = (
    "number, channel, direction, received_at, registered_at, local_day, local_hour, "
    "local_weekday, answer_group, case_type, department, summary, resolved_first_contact, "
    "forwarded, language, wait_seconds, handle_seconds, external_ref, created_by"
)


async def make_organisation() -> tuple[list[int], list[tuple[int, int]]]:
    """Departments, one answer group each, three case types each; returns group ids and
    (case type id, department id) pairs."""
    from core import db
    from core.org import lookup
    from core.org import service as org

    db.bind_tables()  # tables imported after the engine was configured
    groups, types = [], []
    try:
        for dept in DEPARTMENTS:
            await org.save_department("bench", dept, {"name_sv": dept, "name_en": dept})
            code = f"grp-{dept.lower()}"
            await org.save_group("bench", code, {"name_sv": f"Grupp {dept}", "department": dept})
            groups.append((await lookup.answer_group(code))["id"])
            dept_id = (await lookup.department(dept))["id"]
            for n in range(3):
                type_code = f"typ-{dept.lower()}-{n}"
                await org.save_case_type(
                    "bench",
                    type_code,
                    {"name_sv": type_code, "department": dept, "unit_price_ore": 1500 * (n + 1)},
                )
                types.append(((await lookup.case_type(type_code))["id"], dept_id))
    finally:
        await db.close_pool()
    return groups, types


def day_counts(total: int) -> list[tuple[date, int]]:
    """Contacts per day of the year, by weekday and month weights, summing to ``total``."""
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    weights = [WEEKDAY_WEIGHT[d.weekday()] * MONTH_WEIGHT[d.month - 1] for d in days]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[0] += total - sum(counts)
    return list(zip(days, counts, strict=True))


def load_contacts(db_path: str, total: int, groups: list[int], types: list[tuple[int, int]]):
    """Bulk-insert ``total`` contacts in chronological order; returns seconds taken."""
    rng = random.Random(20251122)
    hours = list(range(24))
    channel_names = [c for c, _ in CHANNELS]
    channel_weights = [w for _, w in CHANNELS]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    seq = 0
    batch: list[tuple] = []
    for day, count in day_counts(total):
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp())
        local_day, weekday = day.isoformat(), day.weekday()
        picked = sorted(rng.choices(hours, HOUR_WEIGHT, k=count))
        for hour in picked:
            seq += 1
            channel = rng.choices(channel_names, channel_weights)[0]
            type_id, dept_id = rng.choice(types)
            resolved = rng.random() < 0.68
            forwarded = not resolved and rng.random() < 0.8
            phone = channel == "phone"
            batch.append(
                (
                    f"B{YEAR}-{seq:07d}",
                    channel,
                    "in",
                    midnight + hour * 3600 + rng.randrange(3600),
                    midnight + hour * 3600 + 3599,
                    local_day,
                    hour,
                    weekday,
                    rng.choice(groups) if phone else None,
                    type_id,
                    dept_id,
                    "",
                    resolved,
                    forwarded,
                    "sv",
                    int(rng.expovariate(1 / 70)) if phone else None,
                    int(60 + rng.expovariate(1 / 180)) if phone or channel == "visit" else None,
                    "",
                    "bench",
                )
            )
            if len(batch) >= 200_000:
                _flush(conn, batch)
                log(f"loaded {seq:,} contacts")
    _flush(conn, batch)
    conn.close()
    return time.perf_counter() - started


def _flush(conn: sqlite3.Connection, batch: list[tuple]) -> None:
    if not batch:
        return
    marks = ", ".join("?" * len(batch[0]))
    with conn:
        conn.executemany(f"INSERT INTO contact ({COLUMNS}) VALUES ({marks})", batch)
    batch.clear()


def query_plan(db_path: str) -> list[str]:
    from core.reports import queries
    from core.reports.model import Filters, Period

    period = Period(date(YEAR, 3, 1), date(YEAR, 3, 31), 0, 0)
    where, args = queries.contact_where(period, Filters())
    sql = (
        f"SELECT local_day, local_hour, {queries.FLAG_SUMS} FROM contact WHERE "
        + where.replace("{}", "?")
        + " GROUP BY local_day, local_hour"
    )
    conn = sqlite3.connect(db_path)
    try:
        return [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args)]
    finally:
        conn.close()


async def time_reports(runs: int, month: int) -> dict[str, list[float]]:
    """Seconds per run of the month's report (all filters off), the year's, and the month's
    for one department."""
    from core import db
    from core.reports import service

    db.bind_tables()
    names = ("month", "year", "month_one_department")
    timings: dict[str, list[float]] = {n: [] for n in names} | {f"{n}_cpu": [] for n in names}
    month_start = date(YEAR, month, 1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    try:
        month_period = service.parse_period(month_start.isoformat(), month_end.isoformat())
        year_period = service.parse_period(f"{YEAR}-01-01", f"{YEAR}-12-31")
        no_filters = await service.resolve_filters()
        one_department = await service.resolve_filters(department=DEPARTMENTS[1])
        result = await service.contacts_report(month_period, no_filters, "sv")  # warm-up
        figures = {f.key: f.value for f in result.summary}
        log(f"month {month_start:%Y-%m}: {figures['contacts']:,} contacts")
        for _ in range(runs):
            for name, period, filters in (
                ("month", month_period, no_filters),
                ("year", year_period, no_filters),
                ("month_one_department", month_period, one_department),
            ):
                started, cpu = time.perf_counter(), time.process_time()
                await service.contacts_report(period, filters, "sv")
                timings[name].append(time.perf_counter() - started)
                timings[f"{name}_cpu"].append(time.process_time() - cpu)
        timings["_figures"] = figures  # type: ignore[assignment]
    finally:
        await db.close_pool()
    return timings


def run(report: Report, total: int, runs: int) -> None:
    clean_environ()
    with installation("sqlite") as inst:
        settings = use_installation(inst)
        groups, types = asyncio.run(make_organisation())
        log(f"loading {total:,} contacts into {settings.sqlite_path}")
        load_seconds = load_contacts(str(settings.sqlite_path), total, groups, types)
        log(f"loaded in {load_seconds:.1f}s")
        plan = query_plan(str(settings.sqlite_path))
        log(f"query plan: {plan}")
        use_installation(inst)
        timings = asyncio.run(time_reports(runs, month=3))
        figures = timings.pop("_figures")
        for name, samples in timings.items():
            if name.endswith("_cpu"):
                continue
            ms = sorted(s * 1000 for s in samples)
            cpu_ms = statistics.median(s * 1000 for s in timings[f"{name}_cpu"])
            report.add(
                {
                    "bench": "monthly_report",
                    "backend": "sqlite",
                    "report": name,
                    "contacts_total": total,
                    "contacts_in_period": figures["contacts"] if name == "month" else None,
                    "runs": len(samples),
                    "min_ms": round(ms[0], 1),
                    "median_ms": round(statistics.median(ms), 1),
                    "max_ms": round(ms[-1], 1),
                    "cpu_median_ms": round(cpu_ms, 1),
                    "goal_ms": GOAL_SECONDS * 1000 if name == "month" else None,
                    "goal_met": (statistics.median(ms) < GOAL_SECONDS * 1000)
                    if name == "month"
                    else None,
                    "load_s": round(load_seconds, 1),
                    "index_only": any("COVERING INDEX contact_report" in p for p in plan),
                }
            )


TABLE = [
    ("report", "report"),
    ("contacts_total", "contacts"),
    ("runs", "runs"),
    ("min_ms", "min ms"),
    ("median_ms", "median ms"),
    ("max_ms", "max ms"),
    ("cpu_median_ms", "CPU ms"),
    ("goal_met", "goal <500 ms"),
    ("index_only", "covering index"),
    ("load_s", "load s"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monthly_report", description=__doc__)
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="200 000 contacts, 3 runs")
    args = parser.parse_args(argv)
    total, runs = (200_000, 3) if args.quick else (args.contacts, args.runs)
    report = Report(args.quick)
    run(report, total, runs)
    print()
    print(f"Monthly statistics report (SQLite) on {machine()}")
    print(report.table("monthly_report", TABLE))
    month = next(r for r in report.rows if r["report"] == "month")
    return 0 if month["goal_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
