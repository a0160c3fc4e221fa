"""The SLA sweep over 1 000 000 open cases of which 1 000 become due (goal: under 1 s).

A fresh SQLite installation is bulk-loaded (sqlite3 ``executemany``, outside the API) with open
cases whose next check lies in the future, except ``--due`` of them whose warning line has just
passed. The sweep (core.cases.sweep.sweep) then runs once in a fresh process and is timed;
it must mark exactly the due cases, with their timeline entries and audit entries.

    python -m bench.sla_sweep [--cases 1000000] [--due 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sqlite3
import sys
import time
from typing import Any

from bench.common import installation, log


def seed_org_main(env: dict[str, str]) -> None:
    from core import db
    from core.org import service as org
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> None:
        try:
            await org.save_department("bench", "TN", {"name_sv": "Tekniska nämnden"})
            await org.save_case_type(
                "bench", "snorojning", {"name_sv": "Snöröjning", "department": "TN"}
            )
        finally:
            await db.close_pool()

    asyncio.run(go())


def load(path: str, cases: int, due: int, now: int) -> float:
    """Bulk-load open cases; returns seconds taken."""
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    dept = con.execute("SELECT id FROM department WHERE code='TN'").fetchone()[0]
    case_type = con.execute("SELECT id FROM case_type WHERE code='snorojning'").fetchone()[0]
    columns = (
        "number, case_type, department, status, priority, subject, description, channel, "
        "feedback_channel, language, secret, assignee_kind, assignee_external, "
        "access_code_hash, merged_into, created_at, updated_at, first_response_due, "
        "resolution_due, first_response_warn, resolution_warn, paused_seconds, "
        "sla_state, sla_next_check, sla_escalation_level"
    )
    sql = f"INSERT INTO kc_case ({columns}) VALUES ({', '.join('?' * 25)})"

    def rows(start: int, stop: int):
        for i in range(start, stop):
            is_due = i < due
            warn = now - 10 if is_due else now + 86400 + i
            yield (
                f"BENCH-{i:07d}",
                case_type,
                dept,
                "in_progress",
                "normal",
                "Snöröjning",
                "",
                "phone",
                "email",
                "sv",
                False,
                "none",
                "",
                "",
                "",
                now - 3600,
                now - 3600,
                warn + 3600,
                warn + 7200,
                warn,
                warn + 5400,
                0,
                "ok",
                warn,
                0,
            )

    batch = 50_000
    for start in range(0, cases, batch):
        con.executemany(sql, rows(start, min(cases, start + batch)))
        con.commit()
    con.execute("PRAGMA synchronous=FULL")
    con.close()
    return time.perf_counter() - started


def sweep_main(env: dict[str, str], now: int, queue: Any) -> None:
    from core import db
    from core.cases.sweep import sweep
    from core.runtime import configure_storage
    from core.settings import load_settings

    settings = load_settings(env=env)
    configure_storage(settings)
    from core.plugin_host import PluginHost
    from core.runtime import configure_services

    configure_services(settings, PluginHost())

    async def go() -> dict[str, Any]:
        try:
            await sweep(None, now=now - 60, batch=10)  # warm the pool and caches on no rows
            started = time.perf_counter()
            result = await sweep(None, now=now)
            seconds = time.perf_counter() - started
            return {
                "seconds": seconds,
                "examined": result.examined,
                "warnings": len(result.warnings),
                "breaches": len(result.breaches),
            }
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args(argv)
    ctx = multiprocessing.get_context("spawn")
    with installation("sqlite") as inst:
        proc = ctx.Process(target=seed_org_main, args=(inst.env,))
        proc.start()
        proc.join()
        now = int(time.time())
        log(f"loading {args.cases} open cases ({args.due} due)")
        seconds = load(str(inst.data_dir / "kontakt.sqlite3"), args.cases, args.due, now)
        log(f"loaded in {seconds:.1f} s; sweeping")
        queue = ctx.Queue()
        proc = ctx.Process(target=sweep_main, args=(inst.env, now, queue))
        proc.start()
        result = queue.get(timeout=600)
        proc.join()
    result.update(
        {
            "bench": "sla_sweep",
            "open_cases": args.cases,
            "due": args.due,
            "load_seconds": round(seconds, 1),
            "goal_seconds": 1.0,
            "verified": result["warnings"] == args.due,
        }
    )
    print(json.dumps(result))
    print(
        f"SLA sweep: {args.due} due of {args.cases} open cases handled in "
        f"{result['seconds'] * 1000:.0f} ms (goal < 1000 ms); "
        f"{result['warnings']} warnings recorded"
    )
    return 0 if result["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
