"""Registration throughput of the diarium with 4 concurrent registrators on PostgreSQL, and the
check that the numbers stayed unique and gap-free.

``python -m bench.diarium_register [--quick] [--registrators 4] [--seconds 20]
[--backend postgres|sqlite|both]``

A throwaway installation with the plugin ``diarium`` enabled, one diary series and one open
case file. Each registrator is an OS process of its own (multiprocessing ``spawn``: its own
engine and connection pool) that registers documents through
:func:`plugins.diarium.registry.documents.register` — the service behind
``POST /documents``: the number taken under the counter's row lock, the row, the audit entry,
one transaction each — for the given time after a common start: two thirds standing alone in
the series (the series counter, the contended row), one third in the shared case file (its
document counter). Afterwards the parent checks that the series' numbers are 1…n and the
case file's document numbers 1…m without a gap or a duplicate, and that the audit chain is
intact. Prints registrations per second overall and per registrator, and latency p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from datetime import date
from typing import Any

from bench.common import (
    BACKENDS,
    Report,
    installation,
    latency_summary,
    log,
    machine,
    prepare_backends,
    use_installation,
)

SERIES = "KS"
COLUMNS = [
    ("backend", "backend"),
    ("registrators", "registrators"),
    ("registrations", "registered"),
    ("seconds", "seconds"),
    ("per_second", "per s"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("series_numbers", "series n"),
    ("case_file_numbers", "file n"),
    ("gap_free", "gap-free"),
    ("chain_ok", "audit"),
]


def setup_main(env: dict[str, str], queue) -> None:
    """The plugin enabled, a series, a plan and a case file (own process)."""
    from core import db
    from core.plugin_admin import service as plugins
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> int:
        try:
            await plugins.set_enabled("bench", "diarium", True)
            from plugins.diarium.registry import casefiles, classification, series

            await series.create("bench", code=SERIES, name="Kommunstyrelsens diarium",
                                board="Kommunstyrelsen", pattern="{code} {year}/{seq}")  # fmt: skip
            await classification.import_plan(
                "bench", b"kod;rubrik\n1;Styra\n1.1;Planera\n1.1.1;Besluta\n", "plan.csv"
            )
            opened = await casefiles.open_case_file(
                "bench", series_code=SERIES, title_public="Samlingsakt",
                classification_code="1.1.1",
            )  # fmt: skip
            return int(opened["id"])
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def registrator_main(env: dict[str, str], worker: int, case_file_id: int, start_at: float,
                     seconds: float, queue) -> None:  # fmt: skip
    """One registrator: register until the time is up; report counts and latencies."""
    from core import db
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> dict[str, Any]:
        from plugins.diarium.registry import documents

        await db.open_pool()
        latencies: list[float] = []
        today = date.today().isoformat()
        try:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            end = time.time() + seconds
            n = 0
            while time.time() < end:
                started = time.perf_counter()
                await documents.register(
                    f"bench-registrator-{worker}",
                    series_code=SERIES,
                    case_file_id=case_file_id if n % 3 == 2 else None,
                    direction="in",
                    document_date=today,
                    counterpart_public=f"Avsändare {worker}-{n}",
                    public_text=f"Skrivelse nummer {n} från registrator {worker}",
                    protected_text="Uppgifter om enskild" if n % 4 == 0 else "",
                )
                latencies.append(time.perf_counter() - started)
                n += 1
            return {"worker": worker, "count": n, "latencies": latencies}
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


async def _check(case_file_id: int) -> dict[str, Any]:
    from core.audit.verify import verify_chain
    from core.db import raw

    series = await raw.fetch(
        "SELECT seq FROM diarium_document WHERE case_file_id IS NULL UNION ALL "
        "SELECT seq FROM diarium_case_file"
    )
    seqs = sorted(r["seq"] for r in series)
    in_file = sorted(
        r["doc_seq"]
        for r in await raw.fetch(
            "SELECT doc_seq FROM diarium_document WHERE case_file_id = ?", case_file_id
        )
    )
    counter = await raw.fetchrow("SELECT MAX(last_value) AS n FROM diarium_counter")
    chain = await verify_chain()
    gap_free = (
        seqs == list(range(1, len(seqs) + 1))
        and in_file == list(range(1, len(in_file) + 1))
        and counter["n"] == len(seqs)
    )
    return {
        "series_numbers": len(seqs),
        "case_file_numbers": len(in_file),
        "gap_free": gap_free,
        "chain_ok": chain.ok,
    }


def run(report: Report, backends: list[str], quick: bool, registrators: int, seconds: float):
    ctx = multiprocessing.get_context("spawn")
    for backend in backends:
        with installation(backend, with_redis=False) as inst:
            queue = ctx.Queue()
            setup = ctx.Process(target=setup_main, args=(inst.env, queue))
            setup.start()
            case_file_id = queue.get(timeout=300)
            setup.join()
            start_at = time.time() + 8  # every process imported and connected by then
            procs = [
                ctx.Process(
                    target=registrator_main,
                    args=(inst.env, w, case_file_id, start_at, seconds, queue),
                )
                for w in range(registrators)
            ]
            for proc in procs:
                proc.start()
            log(f"{backend}: {registrators} registrators for {seconds:.0f}s")
            results = [queue.get(timeout=seconds + 300) for _ in procs]
            for proc in procs:
                proc.join()
            use_installation(inst)
            checked = asyncio.run(_checked(case_file_id))
            total = sum(r["count"] for r in results)
            every = [s for r in results for s in r["latencies"]]
            report.add(
                {
                    "bench": "diarium_register",
                    "backend": backend,
                    "registrators": registrators,
                    "registrations": total,
                    "seconds": seconds,
                    "per_second": round(total / seconds, 1),
                    "per_registrator": [
                        r["count"] for r in sorted(results, key=lambda r: r["worker"])
                    ],
                    **latency_summary(every),
                    **checked,
                }
            )


async def _checked(case_file_id: int) -> dict[str, Any]:
    from core import db

    try:
        return await _check(case_file_id)
    finally:
        await db.close_pool()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.diarium_register", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 seconds: a smoke run")
    parser.add_argument("--registrators", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="postgres")
    args = parser.parse_args(argv)
    backends = prepare_backends(args.backend)
    report = Report(args.quick)
    report.add({"bench": "machine", **machine()})
    seconds = 3.0 if args.quick else args.seconds
    try:
        run(report, backends, args.quick, args.registrators, seconds)
    finally:
        print(report.table("diarium_register", COLUMNS))
    broken = [r for r in report.rows if r.get("gap_free") is False or r.get("chain_ok") is False]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
