"""A page of 100 cases out of 1 000 000 (goal: under 20 ms), first page and deep pages.

A fresh installation is bulk-loaded outside the API (sqlite3 ``executemany``; asyncpg
``copy_records_to_table`` on PostgreSQL) with ``--cases`` cases over about a year: 90 % closed,
2 % secret (owned by someone else, so the agent's secrecy rule has rows to skip), one in ten
with a party. Then, in a fresh process, :func:`core.cases.search.list_cases` is timed as the
agent would call it through ``GET /api/v1/cases``: the first page of open cases, a deep page
(a cursor half-way through the year), the first page of closed cases, and one citizen's cases
(party filter, with its total). Prints p50/p95 of each.

    python -m bench.case_paging [--cases 1000000] [--postgres] [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
from typing import Any

from bench.common import in_child, installation, log

COLUMNS = (
    "number",
    "case_type",
    "department",
    "status",
    "priority",
    "subject",
    "description",
    "channel",
    "feedback_channel",
    "language",
    "secret",
    "party",
    "owner",
    "assignee_kind",
    "assignee_external",
    "access_code_hash",
    "merged_into",
    "created_at",
    "updated_at",
    "closed_at",
    "paused_seconds",
    "sla_state",
    "sla_escalation_level",
)
PARTIES = 10_000
GOAL_MS = 20.0


def seed_main(env: dict[str, str], queue: Any) -> None:
    """Department, case type and the users; returns their ids."""
    from core import db
    from core.auth import service as users
    from core.org import lookup
    from core.org import service as org
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> dict[str, int]:
        try:
            await org.save_department("bench", "TN", {"name_sv": "Tekniska nämnden"})
            await org.save_case_type(
                "bench", "snorojning", {"name_sv": "Snöröjning", "department": "TN"}
            )
            await users.create_user("bench", "bench-other", "Other", "other-pw-1234", ["agent"])
            agent, other = await users.get_user("bench-agent"), await users.get_user("bench-other")
            return {
                "department": (await lookup.department("TN"))["id"],
                "case_type": (await lookup.case_type("snorojning"))["id"],
                "agent": agent["id"],
                "other": other["id"],
            }
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def rows(ids: dict[str, int], cases: int, now: int, first_party: int):
    """The cases, oldest first: one every ~30 s over the year before ``now``."""
    rng = random.Random(20261202)
    step = max(1, 365 * 86400 // max(cases, 1))
    for i in range(cases):
        created = now - (cases - i) * step
        closed = rng.random() < 0.9
        secret = rng.random() < 0.02
        party = first_party + rng.randrange(PARTIES) if rng.random() < 0.1 else None
        yield (
            f"BENCH-{i:07d}",
            ids["case_type"],
            ids["department"],
            "closed" if closed else rng.choice(("received", "in_progress", "waiting")),
            "normal",
            "Snöröjning på gatan",
            "",
            "phone",
            "email",
            "sv",
            secret,
            party,
            ids["other"] if secret else ids["agent"],
            "none",
            "",
            "",
            "",
            created,
            created + 600,
            created + 3600 if closed else None,
            0,
            "ok",
            0,
        )


def load_sqlite(path: str, ids: dict[str, int], cases: int, now: int) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.executemany(
        "INSERT INTO party (kind, name, id_number_kind, org_number, email, phone, address, "
        "preferred_language, preferred_channel, protected_identity, created_at, updated_at) "
        "VALUES ('person', ?, '', '', '', '', '', 'sv', 'email', ?, 0, 0)",
        ((f"Invånare {n}", n % 100 == 0) for n in range(PARTIES)),
    )
    first_party = con.execute("SELECT min(id) FROM party").fetchone()[0]
    sql = f"INSERT INTO kc_case ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch, generated = 100_000, rows(ids, cases, now, first_party)
    for start in range(0, cases, batch):
        con.executemany(sql, (next(generated) for _ in range(min(batch, cases - start))))
        con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA synchronous=FULL")
    con.close()


def load_postgres(url: str, ids: dict[str, int], cases: int, now: int) -> None:
    import asyncpg

    async def go() -> None:
        con = await asyncpg.connect(url)
        try:
            await con.executemany(
                "INSERT INTO party (kind, name, id_number_kind, org_number, email, phone, "
                "address, preferred_language, preferred_channel, protected_identity, created_at, "
                "updated_at) VALUES ('person', $1, '', '', '', '', '', 'sv', 'email', $2, 0, 0)",
                [(f"Invånare {n}", n % 100 == 0) for n in range(PARTIES)],
            )
            first_party = await con.fetchval("SELECT min(id) FROM party")
            await con.copy_records_to_table(
                "kc_case", records=rows(ids, cases, now, first_party), columns=COLUMNS
            )
            await con.execute("ANALYZE")
        finally:
            await con.close()

    asyncio.run(go())


def measure_main(env: dict[str, str], ids: dict[str, int], repeat: int, queue: Any) -> None:
    from core import db, paging
    from core.auth.service import Principal
    from core.cases import search
    from core.db import raw
    from core.plugin_host import PluginHost
    from core.runtime import configure_services, configure_storage
    from core.settings import load_settings

    settings = load_settings(env=env)
    configure_storage(settings)
    configure_services(settings, PluginHost())
    agent = Principal(ids["agent"], "bench-agent", "Bench Agent", ("agent",), frozenset())

    async def timed(filters: search.CaseFilters, cursor: str | None) -> dict[str, Any]:
        for _ in range(5):  # warm the pool, caches and pages
            await search.list_cases(agent, filters, limit=100, cursor=cursor)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            page = await search.list_cases(agent, filters, limit=100, cursor=cursor)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        return {
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
            "rows": len(page["items"]),
            "total": page["total"],
        }

    async def go() -> dict[str, Any]:
        await db.open_pool()  # as the API process does at start-up (PostgreSQL)
        try:
            middle = await raw.fetchrow(
                "SELECT created_at, id FROM kc_case WHERE number = ?",
                f"BENCH-{ids['cases'] // 2:07d}",
            )
            deep = paging.encode_cursor("cases", (middle["created_at"], middle["id"]))
            party = await raw.fetchrow(
                "SELECT party FROM kc_case WHERE party IS NOT NULL AND NOT secret LIMIT 1"
            )
            return {
                "first_page": await timed(search.CaseFilters(), None),
                "deep_page": await timed(search.CaseFilters(), deep),
                "closed_first_page": await timed(search.CaseFilters(statuses=("closed",)), None),
                "one_party": await timed(search.CaseFilters(party=party["party"]), None),
            }
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    with installation(backend, with_redis=False) as inst:
        ids = in_child(seed_main, inst.env, timeout=300)
        ids["cases"] = args.cases
        now = int(time.time())
        log(f"loading {args.cases} cases on {backend}")
        started = time.perf_counter()
        if args.postgres:
            load_postgres(inst.database_url, ids, args.cases, now)
        else:
            load_sqlite(str(inst.data_dir / "kontakt.sqlite3"), ids, args.cases, now)
        load_seconds = time.perf_counter() - started
        log(f"loaded in {load_seconds:.1f} s; measuring")
        result = in_child(measure_main, inst.env, ids, args.repeat, timeout=1200)
    worst = max(figures["p95_ms"] for figures in result.values())
    print(
        json.dumps(
            {
                "bench": "case_paging",
                "backend": backend,
                "cases": args.cases,
                "load_seconds": round(load_seconds, 1),
                "goal_ms": GOAL_MS,
                **result,
            }
        )
    )
    for name, figures in result.items():
        print(
            f"{backend} {name:18} p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms"
            f"  ({figures['rows']} rows, total {figures['total']})"
        )
    print(f"goal: a page of 100 under {GOAL_MS:.0f} ms; worst p95 {worst:.2f} ms")
    return 0 if worst < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
