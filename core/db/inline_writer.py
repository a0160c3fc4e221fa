"""SQLite write transactions on the event loop's own thread, committed in groups.

A write transaction holds SQLite's single write lock from ``BEGIN IMMEDIATE`` to ``COMMIT``.
Through aiosqlite every statement is a hop to the connection's thread and back to the event
loop, and while the loop serves other requests between hops the lock stays held: a
registration's dozen statements held it for ~12 ms under load. Statements on a local SQLite
file take microseconds, so write transactions run them directly on the loop thread instead,
through one connection per loop (:class:`InlineWriteConnection`).

Committing is then the largest cost: every commit writes each page it changed (a table's
last leaf, each index's) to the WAL. :class:`GroupWriter` runs each transaction as a
savepoint inside one open SQLite transaction and commits once for all transactions that
finished within a short window (``GROUP_WINDOW_S``, only while there is concurrency). Each
transaction's ``async with`` returns only after that commit, so nothing is acknowledged
before it is durable; a transaction that fails rolls back to its savepoint and leaves the
others alone.

What could block the loop is kept off it:

* waiting for another process's write lock: ``BEGIN IMMEDIATE`` runs with a zero busy
  timeout and the wait is an ``asyncio.sleep`` back-off, up to the configured busy timeout;
* checkpoints (copying the WAL into the database file, with fsync): automatic checkpoints
  are off on this connection and :class:`Checkpointer` runs them on a worker thread.

The group's ``COMMIT`` itself (page writes to the WAL, and the fsync with
``synchronous=FULL``) stays on the loop thread: handing it to a worker thread was measured
far slower (895 → 640 registrations/s, p99 40 → 90 ms), because the worker must win the GIL
back from the busy loop thread to return.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from core.errors import Unavailable

log = logging.getLogger(__name__)


class DatabaseBusy(Unavailable):
    """Another process held SQLite's write lock for longer than the busy timeout."""

    code = "database-busy"


# How long a group stays open for more transactions before it is committed, while the
# previous group had company: under load, a few milliseconds gather several transactions into
# one commit (measured: ~25 % more registrations per second than committing each at the next
# loop turn). A writer working alone commits at the next loop turn and never waits.
GROUP_WINDOW_S = 0.002
# Commits between two background checkpoints (each commit adds a few WAL pages).
CHECKPOINT_EVERY = 200
# Busy timeout for statements after BEGIN IMMEDIATE succeeded (the write lock is ours; SQLite
# may still wait briefly on the WAL index during another connection's recovery).
IN_TRANSACTION_BUSY_MS = 2000


class InlineWriteConnection:
    """A configured ``sqlite3`` connection used only inside write transactions on one loop.

    It offers the subset of aiosqlite's interface that code holding the current transaction's
    ``connection`` uses (awaitable ``execute``, ``executemany``, ``rollback``, ``close``,
    ``in_transaction``) plus :meth:`fetchall`, which the engine calls synchronously for every
    Piccolo query inside a write transaction.
    """

    def __init__(self, raw: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self.raw = raw
        self.busy_timeout_ms = busy_timeout_ms
        self.commits = 0

    def fetchall(self, sql: str, args: list[Any] | tuple[Any, ...] | None = None) -> list[Any]:
        """Run one statement and return its rows (dicts)."""
        cursor = self.raw.execute(sql, args or ())
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    async def execute(self, sql: str, args: list[Any] | tuple[Any, ...] | None = None) -> None:
        self.raw.execute(sql, args or ()).close()

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.raw.executemany(sql, rows).close()

    async def begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE`` without blocking the loop while another process writes."""
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        delay = 0.001
        self.raw.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.raw.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if time.monotonic() + delay > deadline:
                        raise DatabaseBusy(
                            "The database stayed busy for {seconds} s; try again",
                            seconds=round(self.busy_timeout_ms / 1000, 1),
                        ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
        finally:
            self.raw.execute(f"PRAGMA busy_timeout = {IN_TRANSACTION_BUSY_MS}")

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    async def rollback(self) -> None:
        if self.raw.in_transaction:
            self.raw.execute("ROLLBACK")

    async def close(self) -> None:
        self.raw.close()


def open_reader(
    connection_kwargs: dict[str, Any], row_factory: Callable[[sqlite3.Cursor, tuple], Any]
) -> sqlite3.Connection:
    """A read-only connection for point queries on the loop thread (``core.db.raw.fetch``
    outside a transaction): in WAL mode readers never wait for writers."""
    raw = sqlite3.connect(**{**connection_kwargs, "check_same_thread": False})
    raw.row_factory = row_factory
    raw.execute(f"PRAGMA busy_timeout = {IN_TRANSACTION_BUSY_MS}")
    raw.execute("PRAGMA query_only = 1")
    return raw


def open_inline(
    connection_kwargs: dict[str, Any],
    synchronous: str,
    busy_timeout_ms: int,
    row_factory: Callable[[sqlite3.Cursor, tuple], Any],
) -> InlineWriteConnection:
    """Open and configure the write connection (WAL, synchronous, foreign keys, no
    automatic checkpoints)."""
    raw = sqlite3.connect(**{**connection_kwargs, "check_same_thread": False})
    raw.row_factory = row_factory
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute(f"PRAGMA synchronous = {synchronous}")
    raw.execute("PRAGMA foreign_keys = 1")
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    # Each transaction is a savepoint, whose undo pages go to a sub-journal: in memory rather
    # than a temporary file (measured: savepoint + two inserts 114 µs → 68 µs).
    raw.execute("PRAGMA temp_store = MEMORY")
    return InlineWriteConnection(raw, busy_timeout_ms)


class Checkpointer:
    """Passive WAL checkpoints off the loop thread, every ``CHECKPOINT_EVERY`` commits of the
    inline writer (PASSIVE never blocks writers or readers). ``run`` does the checkpoint
    (the engine runs it on a pooled aiosqlite connection, i.e. on that connection's thread)."""

    def __init__(self, run: Callable[[], Awaitable[None]]) -> None:
        self._run = run
        self._task: asyncio.Task | None = None
        self._last = 0

    def after_commit(self, writer: InlineWriteConnection) -> None:
        if writer.commits - self._last < CHECKPOINT_EVERY:
            return
        if self._task is not None and not self._task.done():
            return
        self._last = writer.commits
        self._task = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            await self._run()
        except Exception:
            log.exception("WAL checkpoint failed")

    async def wait(self) -> None:
        """Wait for a running checkpoint (before the pool closes)."""
        if self._task is not None:
            await self._task


class InlineTransaction:
    """What Piccolo sees as the current transaction while a write transaction's body runs:
    its queries go to ``connection``; a nested ``engine.transaction()`` joins it."""

    def __init__(self, engine: Any, connection: InlineWriteConnection) -> None:
        self.engine = engine
        self.connection = connection


class GroupWriter:
    """Write transactions of one event loop: serialised, run inline, committed in groups."""

    SAVEPOINT = "kontakt_tx"

    def __init__(
        self,
        engine: Any,
        connection: InlineWriteConnection,
        current: contextvars.ContextVar,
        checkpointer: Checkpointer,
    ) -> None:
        self.connection = connection
        self.checkpointer = checkpointer
        self._engine = engine
        self._current = current
        self.loop = asyncio.get_running_loop()
        self._lock = asyncio.Lock()
        self._batch: list[asyncio.Future] = []
        self._flush_task: asyncio.Task | None = None
        self._last_group = 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One write transaction; returns (or raises) once its group commit is done."""
        raw = self.connection.raw
        async with self._lock:
            if not raw.in_transaction:
                await self.connection.begin_immediate()
            raw.execute(f"SAVEPOINT {self.SAVEPOINT}")
            token = self._current.set(InlineTransaction(self._engine, self.connection))
            try:
                yield
            except BaseException:
                raw.execute(f"ROLLBACK TO {self.SAVEPOINT}")
                raw.execute(f"RELEASE {self.SAVEPOINT}")
                self._schedule_flush()
                raise
            finally:
                self._current.reset(token)
            raw.execute(f"RELEASE {self.SAVEPOINT}")
            done = asyncio.get_running_loop().create_future()
            self._batch.append(done)
            self._schedule_flush()
        await done

    def _schedule_flush(self) -> None:
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        """Commit the open SQLite transaction and resolve every waiting transaction."""
        await asyncio.sleep(GROUP_WINDOW_S if self._last_group > 1 else 0)
        async with self._lock:
            batch, self._batch = self._batch, []
            self._last_group = len(batch)
            if not self.connection.in_transaction:
                return
            try:
                self._commit()
            except BaseException as exc:
                await self.connection.rollback()
                for waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                return
        for waiter in batch:
            if not waiter.done():
                waiter.set_result(None)
        self.checkpointer.after_commit(self.connection)

    def _commit(self) -> None:
        self.connection.raw.execute("COMMIT")
        self.connection.commits += 1

    async def close(self) -> None:
        """Commit what is pending and close the connection."""
        if self._flush_task is not None:
            await self._flush_task
        await self.checkpointer.wait()
        await self.connection.close()
