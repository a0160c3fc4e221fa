"""The diarium's registrator search over 1 000 000 diary entries, PostgreSQL and SQLite.

``python -m bench.diarium_search [--quick] [--backend postgres|sqlite|both] [--entries N]``

For each backend: a throwaway installation with the plugin ``diarium`` enabled (its migrations:
tsvector columns with GIN indexes on PostgreSQL, FTS5 on SQLite), six diary series, 200 000
case files and 1 000 000 documents generated from a vocabulary of municipal words, places and
names (two thirds in case files, the rest standing alone; ten years; in/drawn_up/out; a
protected text on every third). They are bulk-loaded (COPY on PostgreSQL; one transaction on
SQLite, the FTS index rebuilt afterwards) — what is measured is the search, not the load. Then
searches as a registrator types them, through :func:`plugins.diarium.registry.search.search`
(the service behind ``GET /search``), 100 of each kind:

- ``common``: one frequent word (about 1 entry in 60 has it)
- ``two_words``: a frequent word and a place
- ``rare``: a name (first and last) found in a few dozen entries
- ``number``: an exact diarienummer
- ``word_series_year``: a word with the series and year filters
- ``filters``: series, direction and a month's date range, no words
- ``case_file``: every document of one case file
- ``public_only``: a frequent word for a user without ``diarium.secret`` (public columns only)

Prints p50/p95/p99 in milliseconds per kind and over all; the goal is p95 < 50 ms.

``--explain KIND`` (PostgreSQL, repeatable) also prints ``EXPLAIN (ANALYZE, BUFFERS)`` of
every statement the search sends for the first two samples of that kind, after the timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.common import (
    Report,
    entries_main,
    installation,
    log,
    percentile,
)
from bench.knowledge_search import NOUNS

GOAL_P95_MS = 50.0
# what a registrator types: words of three letters or more
SEARCHABLE = [noun[0] for noun in NOUNS if len(noun[0]) >= 3]
SEED = 20261202
SERIES = (
    ("KS", "Kommunstyrelsen", "{code} {year}/{seq}"),
    ("BUN", "Barn- och utbildningsnämnden", "{code}-{year}-{seq:05}"),
    ("SBN", "Samhällsbyggnadsnämnden", "{code} {year}.{seq}"),
    ("SN", "Socialnämnden", "{code} {year}/{seq}"),
    ("TN", "Tekniska nämnden", "{code} {year}/{seq}"),
    ("KFN", "Kultur- och fritidsnämnden", "{code} {year}/{seq}"),
)
YEARS = tuple(range(2017, 2027))
DIRECTIONS = ("in", "in", "in", "drawn_up", "out")
SUBJECTS = ("Ansökan om", "Fråga om", "Klagomål på", "Beslut om", "Yttrande över",
            "Begäran om", "Anmälan om", "Synpunkt på", "Svar angående",
            "Underrättelse om")  # fmt: skip
DISTRICTS = ("Ekeby", "Norrby", "Söderby", "Västanå", "Österås", "Kyrkbyn", "Hamnen", "Lunden",
             "Björkhagen", "Strandvik", "Tallåsen", "Mossen")  # fmt: skip
FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Ali", "Fatima", "Mohammed",
         "Liisa", "Per", "Ingrid", "Olof", "Emma", "Ahmed", "Birgitta", "Nora", "Stefan", "Jenny",
         "Peter", "Kristina", "Göran", "Helena", "Sofia", "Tomas", "Marie", "Joakim", "Fartun",
         "Elin")  # fmt: skip
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
        "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
        "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
        "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind",
        "Lundgren", "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson",
        "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson",
        "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson")  # fmt: skip
ORGS = ("Wallins Bygg AB", "Ekeby Energi AB", "Länsstyrelsen", "Skolverket", "Trafikverket",
        "Bostadsrättsföreningen Eken", "Föreningen Lärkan", "Ekeby IF", "Naturskyddsföreningen",
        "Polismyndigheten", "Region Ekeby", "Arkitektkontoret Linje")  # fmt: skip
KINDS = ("common", "two_words", "rare", "number", "word_series_year", "filters", "case_file",
         "public_only")  # fmt: skip


@dataclass(frozen=True)
class Plan:
    entries: int
    case_files: int
    searches: int


FULL = Plan(entries=1_000_000, case_files=200_000, searches=100)
QUICK = Plan(entries=20_000, case_files=4_000, searches=20)

COLUMNS = [
    ("backend", "backend"),
    ("kind", "search"),
    ("entries", "entries"),
    ("n", "n"),
    ("mean_hits", "hits"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("max_ms", "max ms"),
    ("goal_met", "p95<50"),
    ("load_s", "load s"),
    ("errors", "errors"),
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _number(code: str, pattern: str, year: int, seq: int) -> str:
    return pattern.format(code=code, year=year, seq=seq)


def generate(plan: Plan) -> tuple[list[tuple], list[tuple], list[dict[str, Any]]]:
    """(case file rows, document rows, samples to search for) — deterministic."""
    rng = random.Random(SEED)
    counters: dict[tuple[int, int], int] = {}
    case_files: list[tuple] = []
    docs: list[tuple] = []
    samples: list[dict[str, Any]] = []
    per_file = max(1, round(plan.entries * 2 / 3 / plan.case_files))

    def take(series_id: int, year: int) -> int:
        counters[(series_id, year)] = counters.get((series_id, year), 0) + 1
        return counters[(series_id, year)]

    def text(rng: random.Random) -> tuple[str, str, str, str]:
        noun = rng.choice(NOUNS)
        place = f"{rng.choice(DISTRICTS)} {rng.randint(1, 40)}:{rng.randint(1, 99)}"
        public = f"{rng.choice(SUBJECTS)} {rng.choice(noun)}, {place}"
        counterpart = rng.choice(ORGS) if rng.random() < 0.4 else _name(rng)
        return public, counterpart, noun[0], place.split()[0]

    doc_id = 0
    for cf in range(1, plan.case_files + 1):
        series_id = rng.randint(1, len(SERIES))
        code, _, pattern = SERIES[series_id - 1]
        year = YEARS[min(len(YEARS) - 1, int(len(YEARS) * cf / (plan.case_files + 1)))]
        seq = take(series_id, year)
        number = _number(code, pattern, year, seq)
        public, _, noun, _ = text(rng)
        case_files.append((cf, series_id, year, seq, number, public, "1.2.1", "open", per_file))
        for k in range(1, per_file + 1):
            doc_id += 1
            docs.append(_doc(rng, doc_id, cf, series_id, year, None, k, f"{number}-{k}", text))
    while doc_id < plan.entries:
        doc_id += 1
        series_id = rng.randint(1, len(SERIES))
        code, _, pattern = SERIES[series_id - 1]
        year = YEARS[min(len(YEARS) - 1, int(len(YEARS) * doc_id / (plan.entries + 1)))]
        seq = take(series_id, year)
        docs.append(
            _doc(
                rng, doc_id, None, series_id, year, seq, 0, _number(code, pattern, year, seq), text
            )
        )
    picks = random.Random(SEED + 1)
    for _ in range(plan.searches):
        row = picks.choice(docs)
        samples.append(
            {
                "noun": picks.choice(SEARCHABLE),
                "district": picks.choice(DISTRICTS),
                "name": f"{picks.choice(FIRST)} {picks.choice(LAST)}",
                "number": row[6],
                "series": SERIES[row[2] - 1][0],
                "year": row[3],
                "date": row[8],
                "case_file_id": picks.randint(1, plan.case_files),
            }
        )
    return case_files, docs, samples


def _doc(rng, doc_id, cf, series_id, year, seq, doc_seq, number, text) -> tuple:
    public, counterpart, _, _ = text(rng)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    protected = ""
    counterpart_protected = ""
    if doc_id % 3 == 0:
        counterpart_protected = _name(rng)
        protected = f"Uppgifter om {rng.choice(rng.choice(NOUNS))} för {counterpart_protected}"
    return (
        doc_id, cf, series_id, year, seq, doc_seq, number, rng.choice(DIRECTIONS),
        f"{year}-{month:02d}-{day:02d}", 1_700_000_000 + doc_id, "bench-registrator",
        counterpart, counterpart_protected, public, protected, "", "registered", False,
    )  # fmt: skip


DOC_COLUMNS = (
    "id", "case_file_id", "series_id", "year", "seq", "doc_seq", "number", "direction",
    "document_date", "registered_at", "registered_by", "counterpart_public",
    "counterpart_protected", "public_text", "protected_text", "document_type", "status", "secret",
)  # fmt: skip
CF_COLUMNS = (
    "id", "series_id", "year", "seq", "number", "title_public", "classification_code", "status",
    "last_doc_seq",
)  # fmt: skip


async def _load_postgres(url: str, case_files: list[tuple], docs: list[tuple]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'diarium_document' "
            "AND indexdef LIKE '%gin%'"
        )
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        await conn.copy_records_to_table(
            "diarium_case_file", records=case_files, columns=list(CF_COLUMNS)
        )
        await conn.copy_records_to_table(
            "diarium_document", records=docs, columns=list(DOC_COLUMNS)
        )
        log(f"postgres: copied {len(docs)} documents; building the GIN indexes")
        for index in indexes:
            started = time.monotonic()
            await conn.execute(index["indexdef"])
            log(f"postgres: {index['indexname']} in {time.monotonic() - started:.0f}s")
        await conn.execute("SELECT setval(pg_get_serial_sequence('diarium_document', 'id'), "
                           "(SELECT max(id) FROM diarium_document))")  # fmt: skip
        await conn.execute("VACUUM ANALYZE diarium_document")
        await conn.execute("VACUUM ANALYZE diarium_case_file")
    finally:
        await conn.close()


def _load_sqlite(path: str, case_files: list[tuple], docs: list[tuple]) -> None:
    import sqlite3

    from plugins.diarium.migrations import diarium_registry_2026_12_02t03_10_00_000000 as mig

    conn = sqlite3.connect(path)
    try:
        triggers = [s for s in mig.SEARCH["sqlite"] if s.lstrip().startswith("CREATE TRIGGER")]
        for name in (
            "diarium_document_fts_ai",
            "diarium_document_fts_ad",
            "diarium_document_fts_au",
        ):
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        marks = ", ".join("?" for _ in CF_COLUMNS)
        conn.executemany(
            f"INSERT INTO diarium_case_file ({', '.join(CF_COLUMNS)}) VALUES ({marks})", case_files
        )
        marks = ", ".join("?" for _ in DOC_COLUMNS)
        conn.executemany(
            f"INSERT INTO diarium_document ({', '.join(DOC_COLUMNS)}) VALUES ({marks})", docs
        )
        conn.commit()
        log(f"sqlite: inserted {len(docs)} documents; building the FTS5 index")
        conn.execute("INSERT INTO diarium_document_fts (diarium_document_fts) VALUES ('rebuild')")
        for statement in triggers:
            conn.execute(statement)
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


def _queries(sample: dict[str, Any]) -> dict[str, dict[str, Any]]:
    month = sample["date"][:7]
    return {
        "common": {"q": sample["noun"]},
        "two_words": {"q": f"{sample['noun']} {sample['district']}"},
        "rare": {"q": sample["name"]},
        "number": {"q": sample["number"]},
        "word_series_year": {
            "q": sample["noun"],
            "series_code": sample["series"],
            "year": sample["year"],
        },  # fmt: skip
        "filters": {
            "series_code": sample["series"],
            "direction": "out",
            "date_from": f"{month}-01",
            "date_to": f"{month}-28",
        },  # fmt: skip
        "case_file": {"case_file_id": sample["case_file_id"]},
        "public_only": {"q": sample["noun"]},
    }


#: Kinds whose statements are explained after the timing (set by ``main``; PostgreSQL only).
EXPLAIN: list[str] = []


async def _explain(samples: list[dict[str, Any]], kinds: list[str], who: Any) -> list[str]:
    """The plans of the statements :func:`search.search` sends for two samples per kind."""
    from core.db import raw
    from plugins.diarium.registry import search

    lines: list[str] = []
    fetch = raw.fetch
    for kind in kinds:
        for sample in samples[:2]:
            params = _queries(sample)[kind]
            sent: list[tuple[str, tuple]] = []

            async def spy(sql: str, *args: Any, _sent: list = sent) -> list[dict[str, Any]]:
                _sent.append((sql, args))
                return await fetch(sql, *args)

            raw.fetch = spy
            try:
                await search.search(who, **params, limit=50)
            finally:
                raw.fetch = fetch
            lines.append(f"== {kind} {params}")
            for sql, args in sent:
                lines.append(f"-- {sql}  {args}")
                plan = await fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
                lines += [str(next(iter(row.values()))) for row in plan]
    return lines


async def _measure(samples: list[dict[str, Any]]) -> dict[str, tuple[list, list, list]]:
    from core.auth.service import Principal
    from plugins.diarium.registry import search

    secret = Principal(1, "bench-registrator", "Bench", ("registrator",),
                       frozenset({"diarium.read", "diarium.secret"}))  # fmt: skip
    public = Principal(2, "bench-reader", "Bench", ("supervisor",), frozenset({"diarium.read"}))
    results: dict[str, tuple[list[float], list[int], list[str]]] = {k: ([], [], []) for k in KINDS}
    for warm in samples[:5]:  # warm the caches a little (the first query of each kind)
        for kind, params in _queries(warm).items():
            with contextlib.suppress(Exception):
                await search.search(secret if kind != "public_only" else public, **params)
    for sample in samples:
        for kind, params in _queries(sample).items():
            who = public if kind == "public_only" else secret
            started = time.perf_counter()
            try:
                page = await search.search(who, **params, limit=50)
            except Exception as exc:  # counted and shown, never hidden
                log(f"{kind} {params}: {exc!r}")
                results[kind][2].append(repr(exc))
                continue
            results[kind][0].append(time.perf_counter() - started)
            results[kind][1].append(len(page["items"]))
    if EXPLAIN:
        log("\n".join(await _explain(samples, EXPLAIN, secret)))
    return results


def child_main(
    env: dict[str, str], backend: str, plan: Plan, url: str, queue, explain: list[str] | None = None
) -> None:
    """One backend: enable the plugin, load the entries, run the searches (own process)."""
    EXPLAIN[:] = list(explain or []) if backend == "postgres" else []
    from core import db
    from core.plugin_admin import service as plugins
    from core.runtime import configure_storage
    from core.settings import load_settings

    settings = load_settings(env=env)
    configure_storage(settings)

    async def go() -> dict[str, Any]:
        try:
            await plugins.set_enabled("bench", "diarium", True)
            from plugins.diarium.registry import series

            for code, board, pattern in SERIES:
                await series.create("bench", code=code, name=f"{board}s diarium", board=board,
                                    pattern=pattern)  # fmt: skip
            log(f"{backend}: generating {plan.entries} entries")
            case_files, docs, samples = generate(plan)
            started = time.monotonic()
            if backend == "postgres":
                await _load_postgres(url, case_files, docs)
            else:
                await db.close_pool()
                _load_sqlite(str(settings.sqlite_path), case_files, docs)
            load_s = time.monotonic() - started
            del case_files, docs
            log(f"{backend}: loaded in {load_s:.0f}s; searching")
            await db.open_pool()
            measured = await _measure(samples)
            return {"load_s": load_s, "results": measured}
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def run(report: Report, backends: list[str], quick: bool, entries: int | None = None) -> None:
    plan = QUICK if quick else FULL
    if entries:
        plan = Plan(entries=entries, case_files=max(1, entries // 5), searches=plan.searches)
    ctx = multiprocessing.get_context("spawn")
    for backend in backends:
        with installation(backend, with_redis=False) as inst:
            queue = ctx.Queue()
            proc = ctx.Process(
                target=child_main,
                args=(inst.env, backend, plan, inst.database_url, queue, list(EXPLAIN)),
            )
            proc.start()
            outcome = _wait(proc, queue)
            proc.join()
            if proc.exitcode:
                raise RuntimeError(f"{backend}: the search benchmark failed")
            every: list[float] = []
            errors = 0
            for kind in KINDS:
                seconds, hits, failed = outcome["results"][kind]
                every.extend(seconds)
                errors += len(failed)
                row = _row(backend, kind, plan, seconds, hits, outcome["load_s"])
                report.add({**row, "errors": len(failed)})
            report.add({**_row(backend, "all", plan, every, [], outcome["load_s"]),
                        "errors": errors})  # fmt: skip


def _wait(proc, queue) -> dict[str, Any]:
    """The child's result, or an error as soon as the child died without one."""
    import queue as queues

    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not proc.is_alive():
                raise RuntimeError("the search benchmark's process died (see above)") from None


def _row(backend, kind, plan, seconds, hits, load_s) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    p95 = round(percentile(ms, 95), 2)
    return {
        "bench": "diarium_search",
        "backend": backend,
        "kind": kind,
        "entries": plan.entries,
        "n": len(ms),
        "mean_hits": round(sum(hits) / len(hits), 1) if hits else "",
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": p95,
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "goal_met": p95 < GOAL_P95_MS,
        "load_s": round(load_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--explain", action="append", choices=KINDS, default=[])
    ours, rest = parser.parse_known_args(argv)
    EXPLAIN[:] = ours.explain
    return entries_main(
        rest,
        prog="python -m bench.diarium_search",
        description=__doc__,
        bench="diarium_search",
        columns=COLUMNS,
        run=run,
    )


if __name__ == "__main__":
    sys.exit(main())
