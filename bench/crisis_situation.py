"""The lägesbild over 50 000 crisis contacts in 24 hours (goal: under 0.5 s), on SQLite and
PostgreSQL.

A fresh installation per backend gets the crisis_mode plugin enabled (its migrations run as
the admin API runs them), 12 topics and 6 areas, and a crisis event activated 24 hours ago.
Then ``--contacts`` core contacts spread over those 24 hours (phone 70 %, e-mail 20 %, web
10 %; one topic rising fast in the last hour) are bulk-loaded outside the API (sqlite3
``executemany``; asyncpg ``copy_records_to_table``), each tagged with one or two topics and an
area, one in ten with a question that had no approved answer, with the running counts tagging
keeps (``crisis_tag_count``). In a fresh process
:func:`plugins.crisis_mode.situation.situation.build` — the report the API answers at
``GET /situation`` — is timed, and so are the chart (SVG), and keeping a lägesbild
(``situation.keep``: the report in Swedish and English, the chart, stored and audited).

    python -m bench.crisis_situation [--contacts 50000] [--repeat 30] [--backend both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import BACKENDS, clean_environ, ensure_services, installation, log, machine

GOAL_S = 0.5
ZONE = ZoneInfo("Europe/Stockholm")  # the installation's default time zone
TOPICS = 12
AREAS = 6
RISING = 0  # the topic rising fast in the last hour
CONTACT_COLUMNS = (
    "number", "channel", "direction", "received_at", "registered_at", "local_day",
    "local_hour", "local_weekday", "summary", "resolved_first_contact", "forwarded",
    "language", "external_ref", "created_by",
)  # fmt: skip
TAG_COLUMNS = (
    "event_id", "contact_id", "contact_number", "channel", "received_at", "hour_start",
    "area_id", "question", "tagged_by", "tagged_at", "updated_at",
)  # fmt: skip
TOPIC_COLUMNS = ("tag_id", "event_id", "topic_id", "hour_start", "channel", "area_id")
COUNT_COLUMNS = ("event_id", "hour_start", "topic_id", "channel", "area_id", "n")


def seed_main(env: dict[str, str], queue: Any) -> None:
    """The plugin enabled, topics, areas and the event; returns their ids."""
    from core import db
    from core.db import raw
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> dict[str, Any]:
        from core.plugin_admin import service as plugins

        try:
            await plugins.set_enabled("bench", "crisis_mode", True)
            from plugins.crisis_mode.situation import topics

            topic_ids = [
                (await topics.create("bench", f"amne-{n}", f"Ämne {n}", f"Topic {n}"))["id"]
                for n in range(TOPICS)
            ]
            area_ids = [
                (await topics.create("bench", f"omrade-{n}", f"Område {n}", "", "area"))["id"]
                for n in range(AREAS)
            ]
            now = int(time.time())
            async with db.transaction():
                event_id = await raw.insert(
                    "crisis_event",
                    {"status": "active", "level": "extraordinary", "exercise": True,
                     "reason": "Bench: förorenat dricksvatten", "activated_by": "bench",
                     "activated_at": now - 24 * 3600},
                )  # fmt: skip
            return {"topics": topic_ids, "areas": area_ids, "event": event_id, "now": now}
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def generate(ids: dict[str, Any], contacts: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Contacts, their tags and the tags' topics (contact ids 1..n in a fresh database)."""
    rng = random.Random(20261202)
    now, event = ids["now"], ids["event"]
    start = now - 24 * 3600
    last_hour = now - now % 3600
    contact_rows, tag_rows, topic_rows = [], [], []
    channels = ("phone",) * 7 + ("email",) * 2 + ("web",)
    for n in range(contacts):
        # 4 % of all contacts land in the last hour as a surge of the rising topic
        surge = n % 25 == 0
        received = rng.randint(last_hour, now) if surge else rng.randint(start, now)
        channel = rng.choice(channels)
        local = datetime.fromtimestamp(received, ZONE)  # as the core stores them
        contact_rows.append((
            f"BENCH-K{n:07d}", channel, "in", received, received, local.strftime("%Y-%m-%d"),
            local.hour, local.weekday(), "Krisfråga", True, False, "sv", "", "bench",
        ))  # fmt: skip
        hour = received - received % 3600
        area = rng.choice(ids["areas"])
        question = "Kan jag dricka vattnet?" if n % 10 == 0 else ""
        tag_id = n + 1
        tag_rows.append((event, n + 1, f"BENCH-K{n:07d}", channel, received, hour, area,
                         question, "bench", received, received))  # fmt: skip
        first = ids["topics"][RISING] if surge else rng.choice(ids["topics"])
        chosen = {first}
        if rng.random() < 0.3:
            chosen.add(rng.choice(ids["topics"]))
        topic_rows.extend((tag_id, event, t, hour, channel, area) for t in chosen)
    return contact_rows, tag_rows, topic_rows


def running_counts(tags: list[tuple], topics: list[tuple]) -> list[tuple]:
    """The counts tagging keeps in ``crisis_tag_count`` (as ``tagging.count`` adds them)."""
    cells: Counter = Counter()
    for event, _c, _n, channel, _r, hour, area, *_ in tags:
        cells[(event, hour, 0, channel, area or 0)] += 1
    for _tag, event, topic, hour, channel, area in topics:
        cells[(event, hour, topic, channel, area or 0)] += 1
    return [(*key, n) for key, n in cells.items()]


def _insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def load_sqlite(path: str, data: tuple[list, list, list]) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    contacts, tags, topics = data
    con.executemany(_insert("contact", CONTACT_COLUMNS), contacts)
    con.executemany(_insert("crisis_tag", TAG_COLUMNS), tags)
    con.executemany(_insert("crisis_tag_topic", TOPIC_COLUMNS), topics)
    con.executemany(_insert("crisis_tag_count", COUNT_COLUMNS), running_counts(tags, topics))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def load_postgres(url: str, data: tuple[list, list, list]) -> None:
    import asyncpg

    async def go() -> None:
        con = await asyncpg.connect(url)
        try:
            contacts, tags, topics = data
            await con.copy_records_to_table("contact", records=contacts, columns=CONTACT_COLUMNS)
            await con.copy_records_to_table("crisis_tag", records=tags, columns=TAG_COLUMNS)
            await con.copy_records_to_table("crisis_tag_topic", records=topics,
                                            columns=TOPIC_COLUMNS)  # fmt: skip
            await con.copy_records_to_table(
                "crisis_tag_count", records=running_counts(tags, topics), columns=COUNT_COLUMNS
            )
            await con.execute("ANALYZE")
        finally:
            await con.close()

    asyncio.run(go())


def _summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_s": round(statistics.median(samples), 4),
        "p95_s": round(samples[max(int(len(samples) * 0.95) - 1, 0)], 4),
        "max_s": round(samples[-1], 4),
    }


def measure_main(env: dict[str, str], ids: dict[str, Any], repeat: int, queue: Any) -> None:
    from core import db
    from core.plugin_host import PluginHost
    from core.runtime import configure_services, configure_storage
    from core.settings import load_settings

    settings = load_settings(env=env)
    configure_storage(settings)
    configure_services(settings, PluginHost())

    async def go() -> dict[str, Any]:
        from plugins.crisis_mode.situation import chart, situation

        await db.open_pool()
        try:
            event = ids["event"]
            for _ in range(3):  # warm the pool, caches and pages
                report = await situation.build(event)
            builds, charts = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                report = await situation.build(event)
                builds.append(time.perf_counter() - started)
                started = time.perf_counter()
                chart.svg(report)
                charts.append(time.perf_counter() - started)
            keeps = []
            for _ in range(max(3, repeat // 10)):
                started = time.perf_counter()
                await situation.keep(event, "bench", "on_demand")
                keeps.append(time.perf_counter() - started)
            return {
                "build": _summary(builds),
                "chart": _summary(charts),
                "keep": _summary(keeps),
                "contacts_counted": report["totals"]["contacts"],
                "tagged": report["totals"]["tagged"],
                "hours": len(report["hours"]),
                "rising": report["rising"],
                "questions": report["questions"]["total"],
            }
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def run_backend(backend: str, contacts: int, repeat: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with installation(backend, with_redis=False) as inst:
        queue = ctx.Queue()
        proc = ctx.Process(target=seed_main, args=(inst.env, queue))
        proc.start()
        ids = queue.get(timeout=300)
        proc.join()
        log(f"loading {contacts} crisis contacts on {backend}")
        started = time.perf_counter()
        data = generate(ids, contacts)
        if backend == "postgres":
            load_postgres(inst.database_url, data)
        else:
            load_sqlite(str(inst.data_dir / "kontakt.sqlite3"), data)
        load_seconds = time.perf_counter() - started
        log(f"loaded in {load_seconds:.1f} s; measuring")
        proc = ctx.Process(target=measure_main, args=(inst.env, ids, repeat, queue))
        proc.start()
        result = queue.get(timeout=1200)
        proc.join()
    return {"bench": "crisis_situation", "backend": backend, "contacts": contacts,
            "load_seconds": round(load_seconds, 1), "goal_s": GOAL_S, **result}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    args = parser.parse_args(argv)
    backends = list(BACKENDS) if args.backend == "both" else [args.backend]
    clean_environ()
    if "postgres" in backends:
        ensure_services()
    results = []
    for backend in backends:
        result = run_backend(backend, args.contacts, args.repeat)
        print(json.dumps({**result, "machine": machine()}), flush=True)
        results.append(result)
    ok = True
    for r in results:
        b, c, k = r["build"], r["chart"], r["keep"]
        print(
            f"{r['backend']:8} lägesbild over {r['contacts_counted']} contacts / {r['hours']} h: "
            f"p50 {b['p50_s'] * 1000:7.1f} ms  p95 {b['p95_s'] * 1000:7.1f} ms  "
            f"max {b['max_s'] * 1000:7.1f} ms | chart p50 {c['p50_s'] * 1000:5.1f} ms | "
            f"keep (sv+en, chart, stored) p50 {k['p50_s'] * 1000:7.1f} ms | rising {r['rising']}"
        )
        ok = ok and b["p95_s"] < GOAL_S
    print(f"goal: the lägesbild under {GOAL_S} s (p95)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
