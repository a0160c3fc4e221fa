"""The diarium's archive: drawing up a disposal run over a large registry, executing it, and
exporting a closed case file as an FGS 2.0 package, on PostgreSQL and SQLite.

``python -m bench.diarium_archive [--quick] [--backend postgres|sqlite|both] [--entries N]``

For each backend: a throwaway installation with the plugin ``diarium`` enabled, loaded with the
registrator search benchmark's entries (``bench.diarium_search``: six series, a fifth as many
case files as entries, ten years; bulk-loaded, not measured). Then every case file is closed
(at a time spread over the ten years), each document gets one of six document types, and each
board's informationshanteringsplan names them: two kept, four disposed of after 1, 2, 5 and
10 years (one of them kept for one process by a more specific rule). Measured:

- ``candidates``: :func:`plugins.diarium.archive.disposal.candidates` for one board (what
  ``GET /disposal/candidates`` runs), five times, and the number of documents it finds;
- ``propose``: drawing up that board's run (its items written, audited);
- ``execute``: executing it once approved (every item checked again, entries marked,
  audited), per run and per document;
- ``export``: :func:`plugins.diarium.archive.exports.export` of a closed case file with 50
  documents of one 100 kB PDF each (built, ERMS checked against its schema, zipped, stored,
  recorded), five times; the package's size;
- ``export_memory``: one more export of that case file, its peak memory: the Python heap's
  peak above what it held before (``tracemalloc``, every thread) and the process's resident
  set's peak above its level before (``/proc/self/status`` sampled every 5 ms).

``--export-documents N`` and ``--file-bytes B`` change the export's case file (e.g. 200
documents of 1 MB, a case file of scanned post); ``--skip-disposal`` measures only the export
(with ``--entries 1000`` a quick memory check).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import statistics
import sys
import threading
import time
import tracemalloc
from typing import Any

from bench import diarium_search as entries_bench
from bench.common import (
    Report,
    entries_main,
    installation,
    log,
)

TYPES = (
    ("Protokoll", "keep", None, None),
    ("Beslut", "keep", None, None),
    ("Skrivelse", "dispose", 2, None),
    ("Kopia", "dispose", 1, None),
    ("Klagomål", "dispose", 5, None),
    ("Underlag", "dispose", 10, None),
    ("Underlag", "keep", None, "1.2.1"),  # the more specific rule keeps this process's
)
BOARD = "Kommunstyrelsen"
EXPORT_DOCUMENTS = 50
FILE_BYTES = 100_000
#: The export's case file and whether to measure the disposal (set by ``main``).
OPTIONS = {"documents": EXPORT_DOCUMENTS, "file_bytes": FILE_BYTES, "disposal": True}
COLUMNS = [
    ("backend", "backend"),
    ("step", "step"),
    ("entries", "entries"),
    ("n", "n"),
    ("found", "documents"),
    ("median_ms", "median ms"),
    ("max_ms", "max ms"),
    ("per_item_ms", "ms/document"),
    ("bytes", "package bytes"),
    ("heap_peak_mb", "heap peak MB"),
    ("rss_peak_mb", "RSS peak MB"),
]


async def _prepare(backend: str) -> None:
    """Close every case file, type every document, write each board's plan."""
    from core import db
    from core.db import raw
    from plugins.diarium.registry import classification, retention

    await classification.import_plan(
        "bench", entries_bench_plan().encode(), "plan.csv", plan_version="bench"
    )
    now = int(time.time())
    span = 10 * 365 * 24 * 3600
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_case_file SET status = 'closed', board = (SELECT s.board FROM "
            "diarium_series s WHERE s.id = diarium_case_file.series_id), "
            f"closed_at = {now} - (id * 2654435761 % {span}), opened_at = {now - span - 86400}"
        )
        names = [t[0] for t in TYPES[:6]]
        cases = " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(names))
        await raw.fetch(f"UPDATE diarium_document SET document_type = CASE id % 6 {cases} END")
    boards = [board for _, board, _ in entries_bench.SERIES]
    for board in boards:
        for document_type, action, years, process in TYPES:
            await retention.create(
                "bench",
                board=board,
                document_type=document_type,
                action=action,
                period_years=years,
                process_code=process,
                decision_ref="IHP 2026",
            )
    counts = await raw.fetch(
        "SELECT c.board, d.document_type, COUNT(*) AS n, MIN(c.closed_at) AS first "
        "FROM diarium_document d JOIN diarium_case_file c ON c.id = d.case_file_id "
        "GROUP BY c.board, d.document_type ORDER BY c.board, d.document_type"
    )
    log(f"{backend}: {sum(r['n'] for r in counts)} documents in closed case files")
    if backend == "postgres":
        async with db.transaction():
            await raw.fetch(
                "SELECT setval(pg_get_serial_sequence('diarium_case_file', 'id'), "
                "(SELECT max(id) FROM diarium_case_file))"
            )
            await raw.fetch("ANALYZE diarium_document")
            await raw.fetch("ANALYZE diarium_case_file")


def entries_bench_plan() -> str:
    return (
        "kod;nivå;rubrik;beskrivning\n1;verksamhetsomrade;Styra;\n1.2;processgrupp;Stöd;\n"
        "1.2.1;process;Hantera allmänna handlingar;\n1.2.2;process;Synpunkter;\n"
    )


async def _export_case_file(documents_count: int, file_bytes: int) -> int:
    """A closed case file of ``documents_count`` documents with one PDF of ``file_bytes``
    each (through the services)."""
    from plugins.diarium.registry import casefiles, documents, files, series

    # A series of its own: the bulk-loaded entries took numbers without the counters.
    await series.create(
        "bench", code="EXP", name="Exportprov", board=BOARD, pattern="{code} {year}/{seq}"
    )
    case = await casefiles.open_case_file(
        "bench", series_code="EXP", title_public="Exportprov", classification_code="1.2.2"
    )
    for n in range(documents_count):
        # Scanned pages compress little: random bytes stand in for them.
        body = b"%PDF-1.4\n" + random.Random(n).randbytes(file_bytes) + b"\n%%EOF\n"
        sha = await files.store(body, "application/pdf")
        await documents.register(
            "bench",
            case_file_id=case["id"],
            direction="in",
            document_date="2026-01-15",
            counterpart_public="Privatperson",
            public_text=f"Handling {n}",
            document_type="Skrivelse",
            files=[(f"handling-{n}.pdf", sha, "original")],
        )
    await casefiles.close("bench", case["id"], decision="Avslutat")
    return int(case["id"])


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class _RssPeak:
    """The resident set's peak above its level at the start, sampled in a thread."""

    def __init__(self) -> None:
        self.base = _rss_bytes()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> _RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def above(self) -> int:
        return self.peak - self.base


async def _export_memory(case_id: int) -> tuple[float, float, float, int]:
    """One export (traced, so slower): its seconds, heap peak and RSS peak above the levels
    before it (MB), its size."""
    from plugins.diarium.archive import exports

    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    with _RssPeak() as rss:
        made = await exports.export("bench", case_id, "zip")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, (peak - before) / 1e6, rss.above / 1e6, int(made["size"])


async def _measure() -> dict[str, Any]:
    from plugins.diarium.archive import disposal, exports

    out: dict[str, Any] = {}
    if OPTIONS["disposal"]:
        seconds, found = [], 0
        for _ in range(5):
            started = time.perf_counter()
            found = len(await disposal.candidates(BOARD))
            seconds.append(time.perf_counter() - started)
        out["candidates"] = (seconds, found)
        started = time.perf_counter()
        run = await disposal.propose("bench-proposer", board=BOARD)
        out["propose"] = ([time.perf_counter() - started], len(run["documents"]))
        await disposal.decide(
            "bench-approver", run["id"], approve=True, decision_ref="KS 2026/1 §1"
        )
        started = time.perf_counter()
        done = await disposal.execute("bench-proposer", run["id"])
        out["execute"] = ([time.perf_counter() - started], done["disposed"])
    count = int(OPTIONS["documents"])
    case_id = await _export_case_file(count, int(OPTIONS["file_bytes"]))
    elapsed, heap, rss, size = await _export_memory(case_id)
    out["export_memory"] = ([elapsed], count, size, heap, rss)
    seconds = []
    for _ in range(5):
        started = time.perf_counter()
        made = await exports.export("bench", case_id, "zip")
        seconds.append(time.perf_counter() - started)
        size = made["size"]
    out["export"] = (seconds, count, size)
    return out


def child_main(
    env: dict[str, str], backend: str, plan, url: str, queue, options: dict[str, Any]
) -> None:
    """One backend: enable the plugin, load the entries, measure (own process)."""
    OPTIONS.update(options)
    from core import db
    from core.plugin_admin import service as plugins
    from core.runtime import bootstrap_async
    from core.settings import load_settings

    settings = load_settings(env=env)

    async def go() -> dict[str, Any]:
        try:
            await bootstrap_async(settings)
            await db.open_pool()  # PostgreSQL: one pool, as the server has
            await plugins.set_enabled("bench", "diarium", True)
            from plugins.diarium.registry import series

            for code, board, pattern in entries_bench.SERIES:
                await series.create("bench", code=code, name=f"{board}s diarium", board=board,
                                    pattern=pattern)  # fmt: skip
            log(f"{backend}: generating {plan.entries} entries")
            case_files, docs, _ = entries_bench.generate(plan)
            started = time.monotonic()
            if backend == "postgres":
                await entries_bench._load_postgres(url, case_files, docs)
            else:
                await db.close_pool()
                entries_bench._load_sqlite(str(settings.sqlite_path), case_files, docs)
                await db.open_pool()
            del case_files, docs
            await _prepare(backend)
            log(f"{backend}: loaded and prepared in {time.monotonic() - started:.0f}s; measuring")
            return await _measure()
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def run(report: Report, backends: list[str], quick: bool, entries: int | None = None) -> None:
    plan = entries_bench.QUICK if quick else entries_bench.Plan(200_000, 40_000, 0)
    if entries:
        plan = entries_bench.Plan(entries=entries, case_files=max(1, entries // 5), searches=0)
    ctx = multiprocessing.get_context("spawn")
    for backend in backends:
        with installation(backend, with_redis=False) as inst:
            queue = ctx.Queue()
            proc = ctx.Process(
                target=child_main,
                args=(inst.env, backend, plan, inst.database_url, queue, dict(OPTIONS)),
            )
            proc.start()
            outcome = entries_bench._wait(proc, queue)
            proc.join()
            if proc.exitcode:
                raise RuntimeError(f"{backend}: the archive benchmark failed")
            for step in ("candidates", "propose", "execute", "export", "export_memory"):
                if step not in outcome:
                    continue
                seconds, found, *extra = outcome[step]
                ms = [s * 1000 for s in seconds]
                memory = extra[1:] if step == "export_memory" else ("", "")
                report.add(
                    {
                        "bench": "diarium_archive",
                        "backend": backend,
                        "step": step,
                        "entries": plan.entries,
                        "n": len(ms),
                        "found": found,
                        "median_ms": round(statistics.median(ms), 1),
                        "max_ms": round(max(ms), 1),
                        "per_item_ms": round(statistics.median(ms) / found, 3) if found else "",
                        "bytes": extra[0] if extra else "",
                        "heap_peak_mb": round(memory[0], 1) if memory[0] != "" else "",
                        "rss_peak_mb": round(memory[1], 1) if memory[1] != "" else "",
                    }
                )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--export-documents", type=int, default=EXPORT_DOCUMENTS)
    parser.add_argument("--file-bytes", type=int, default=FILE_BYTES)
    parser.add_argument("--skip-disposal", action="store_true")
    ours, rest = parser.parse_known_args(argv)
    OPTIONS.update(
        documents=ours.export_documents,
        file_bytes=ours.file_bytes,
        disposal=not ours.skip_disposal,
    )
    return entries_main(
        rest,
        prog="python -m bench.diarium_archive",
        description=__doc__,
        bench="diarium_archive",
        columns=COLUMNS,
        run=run,
    )


if __name__ == "__main__":
    sys.exit(main())
