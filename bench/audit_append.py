"""Audit appends per second: one and two writer processes, SQLite and PostgreSQL.

Each writer is a separate OS process (multiprocessing 'spawn') that configures the
installation like ``kontakt serve`` does and runs N transactions of
``async with core.db.transaction(): core.audit.record(...)``, with one entry per transaction
(the realistic case: one change, one entry) or ten (a batch). Two writers start at the same
instant and append to the same chain. Afterwards the parent proves the chain with
:func:`core.audit.verify.verify_chain` and checks that no entry was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from bench.common import Installation, Report, installation, log, use_installation

WRITERS = (1, 2)
BATCHES = (1, 10)


@dataclass(frozen=True)
class Plan:
    """How much work: transactions per writer for each batch size, warm-up transactions."""

    tx_single: int
    tx_batch: int
    warmup: int

    def transactions(self, batch: int) -> int:
        return self.tx_single if batch == 1 else self.tx_batch


FULL = Plan(tx_single=2000, tx_batch=500, warmup=20)
QUICK = Plan(tx_single=40, tx_batch=10, warmup=3)

COLUMNS = [
    ("backend", "backend"),
    ("durability", "durability"),
    ("writers", "writers"),
    ("entries_per_tx", "entries/tx"),
    ("transactions", "tx"),
    ("entries", "entries"),
    ("seconds", "seconds"),
    ("tx_per_s", "tx/s"),
    ("entries_per_s", "entries/s"),
    ("chain_ok", "chain"),
]


# --- the writer process ----------------------------------------------------------------------


async def _append(worker: int, transactions: int, batch: int) -> None:
    from core import audit, db

    actor = f"bench-writer-{worker}"
    for tx in range(transactions):
        async with db.transaction():
            for item in range(batch):
                audit.record(
                    actor,
                    "bench.append",
                    "bench",
                    f"{worker}-{tx}-{item}",
                    {"worker": worker, "tx": tx, "item": item},
                )


async def _writer_loop(env: dict[str, str], conn: Connection, worker: int, warmup: int) -> None:
    from core import db
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))
    await db.open_pool()
    loop = asyncio.get_running_loop()
    try:
        await _append(worker, warmup, 1)
        conn.send(("ready",))
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "stop":
                return
            _, transactions, batch, start_at = command
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
            started = time.monotonic()
            await _append(worker, transactions, batch)
            conn.send(("done", started, time.monotonic()))
    finally:
        await db.close_pool()


def writer_main(env: dict[str, str], conn: Connection, worker: int, warmup: int) -> None:
    """Entry point of a writer process: warm up, then run the parent's commands."""
    try:
        asyncio.run(_writer_loop(env, conn, worker, warmup))
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
        raise


class Writers:
    """Writer processes for one installation and one durability setting."""

    def __init__(self, env: dict[str, str], count: int, warmup: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for worker in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=writer_main, args=(env, child, worker, warmup), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        try:
            for conn in self.conns:
                self._expect(conn, "ready", timeout=180)
        except BaseException:
            self.close()
            raise

    def _expect(self, conn: Connection, kind: str, timeout: float) -> tuple:
        if not conn.poll(timeout):
            raise RuntimeError(f"writer process did not answer within {timeout:.0f}s")
        try:
            message = conn.recv()
        except EOFError:
            raise RuntimeError("writer process exited unexpectedly") from None
        if message[0] == "error":
            raise RuntimeError(f"writer process failed:\n{message[1]}")
        if message[0] != kind:
            raise RuntimeError(f"writer process said {message!r}, expected {kind!r}")
        return message

    def run(self, writers: int, transactions: int, batch: int) -> tuple[float, list[float]]:
        """Start ``writers`` processes at one instant; wall seconds and each one's seconds."""
        start_at = time.monotonic() + 0.1
        active = self.conns[:writers]
        for conn in active:
            conn.send(("run", transactions, batch, start_at))
        spans = [self._expect(conn, "done", timeout=1800)[1:] for conn in active]
        wall = max(end for _, end in spans) - min(start for start, _ in spans)
        return wall, [end - start for start, end in spans]

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for proc in self.procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)


# --- the parent ------------------------------------------------------------------------------


async def _chain_state() -> tuple[Any, str]:
    """verify_chain() of the configured database, and PostgreSQL's synchronous_commit."""
    from core import db
    from core.audit.tables import AuditEntry
    from core.audit.verify import verify_chain

    try:
        result = await verify_chain()
        sync = ""
        if db.get_engine().engine_type == "postgres":
            rows = await AuditEntry.raw("SHOW synchronous_commit")
            sync = rows[0]["synchronous_commit"]
        return result, sync
    finally:
        await db.close_pool()


def chain_state(inst: Installation) -> tuple[Any, str]:
    use_installation(inst)
    return asyncio.run(_chain_state())


def measure(report: Report, inst: Installation, synchronous: str | None, plan: Plan) -> None:
    """Every (writers, batch) scenario on one installation with one durability setting."""
    env = dict(inst.env)
    if synchronous:
        env["KONTAKT_SQLITE_SYNCHRONOUS"] = synchronous
    before, pg_sync = chain_state(inst)
    if not before.ok:
        raise RuntimeError(f"chain broken before the benchmark: {before.line()}")
    durability = f"synchronous={synchronous}" if synchronous else f"synchronous_commit={pg_sync}"
    log(f"audit: {inst.backend} {durability}: starting {max(WRITERS)} writer processes")
    writers = Writers(env, max(WRITERS), plan.warmup)
    expected = before.entries + max(WRITERS) * plan.warmup
    try:
        for count in WRITERS:
            for batch in BATCHES:
                transactions = plan.transactions(batch)
                log(f"audit: {inst.backend} {durability}: {count} writer(s) x {transactions} tx")
                wall, each = writers.run(count, transactions, batch)
                total_tx = count * transactions
                expected += total_tx * batch
                result, _ = chain_state(inst)
                complete = result.entries == expected
                report.add(
                    {
                        "bench": "audit_append",
                        "backend": inst.backend,
                        "durability": durability,
                        "writers": count,
                        "entries_per_tx": batch,
                        "transactions": total_tx,
                        "entries": total_tx * batch,
                        "seconds": round(wall, 3),
                        "tx_per_s": round(total_tx / wall, 1),
                        "entries_per_s": round(total_tx * batch / wall, 1),
                        "writer_seconds": [round(s, 3) for s in each],
                        "chain_ok": bool(result.ok and complete),
                        "chain": result.line()
                        + ("" if complete else f" (expected {expected} entries)"),
                    }
                )
                log(f"audit: {result.line()}")
    finally:
        writers.close()


def run(report: Report, backends: list[str], quick: bool) -> None:
    """The audit-append benchmark on the given backends."""
    plan = QUICK if quick else FULL
    for backend in backends:
        log(f"audit: provisioning a {backend} installation")
        with installation(backend, with_redis=False) as inst:
            if backend == "sqlite":
                for synchronous in ("NORMAL", "FULL"):
                    measure(report, inst, synchronous, plan)
            else:
                measure(report, inst, None, plan)
