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
joined while the group kept growing (loop turn by loop turn, at most ``GROUP_WINDOW_S``, only
while there is concurrency). Each
transaction's ``async with`` returns only after that commit, so nothing is acknowledged
before it is durable; a transaction that fails rolls back to its savepoint and leaves the
others alone.

What could block the loop is kept off it:

* waiting for another process's write lock: ``BEGIN IMMEDIATE`` runs with a zero busy
  timeout and the wait is an ``asyncio.sleep`` back-off, up to the configured busy timeout;
* checkpoints (copying the WAL into the database file, with fsync): automatic checkpoints
  are off on this connection; :meth:`GroupWriter._checkpoint` copies the bulk on a worker
  thread and only the last few pages with writes paused.

The group's ``COMMIT`` itself (page writes to the WAL, and the fsync with
``synchronous=FULL``) stays on the loop thread: handing it to a worker thread was measured
far slower (895 → 640 registrations/s, p99 40 → 90 ms), because the worker must win the GIL
back from the busy loop thread to return.
"""

from __future__ import annotations

import asyncio
import contextlib
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


# How long a group may stay open for more transactions, while the previous group had company:
# it is committed as soon as a loop turn passes in which no transaction joined it, so the loop
# never sits idle waiting for a window while every request in flight waits for the commit
# (a fixed 2 ms window left one ``kontakt serve`` 40 % idle at 16 concurrent webhook senders;
# committing at every next loop turn made groups too small). A writer working alone commits
# at the next loop turn and never waits.
GROUP_WINDOW_S = 0.002
# Commits between two checkpoints (a group commit adds some tens of WAL pages).
CHECKPOINT_EVERY = 50
# A checkpoint copies in the background until at most this many pages are left, then copies
# those with writes paused (a few milliseconds); at most BULK_ROUNDS background rounds.
CATCH_UP_FRAMES = 256
BULK_ROUNDS = 4
# The WAL file is cut back to this size when it starts over after a checkpoint.
WAL_SIZE_LIMIT = 64 * 1024 * 1024
# Busy timeout for statements after BEGIN IMMEDIATE succeeded (the write lock is ours; SQLite
# may still wait briefly on the WAL index during another connection's recovery).
IN_TRANSACTION_BUSY_MS = 2000


def rows_of(connection: sqlite3.Connection, sql: str, args: Any = ()) -> list[Any]:
    """Run one statement on a ``sqlite3`` connection and return its rows."""
    cursor = connection.execute(sql, args or ())
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class InlineWriteConnection:
    """A configured ``sqlite3`` connection used only inside write transactions on one loop.

    The engine runs every query of a write transaction through :meth:`fetchall`
    (synchronously); ``core.db.raw.executemany`` uses the awaitable :meth:`executemany`.
    """

    def __init__(self, raw: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self.raw = raw
        self.busy_timeout_ms = busy_timeout_ms
        self.commits = 0

    def fetchall(self, sql: str, args: Any = ()) -> list[Any]:
        """Run one statement and return its rows (dicts)."""
        return rows_of(self.raw, sql, args)

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
                    if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
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
    raw.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    return InlineWriteConnection(raw, busy_timeout_ms)


class InlineTransaction:
    """What Piccolo sees as the current transaction while a write transaction's body runs:
    its queries go to ``connection``; a nested ``engine.transaction()`` joins it."""

    def __init__(self, engine: Any, connection: InlineWriteConnection) -> None:
        self.engine = engine
        self.connection = connection


class GroupWriter:
    """Write transactions of one event loop: serialised, run inline, committed in groups.

    A transaction body must not wait for I/O other than this database (no HTTP calls, no
    waiting for another request): the next transactions of the loop queue behind it.
    """

    SAVEPOINT = "kontakt_tx"

    def __init__(
        self,
        engine: Any,
        connection: InlineWriteConnection,
        current: contextvars.ContextVar,
        bulk_checkpoint: Callable[[], Awaitable[tuple[int, int]]],
    ) -> None:
        self.connection = connection
        self._engine = engine
        self._current = current
        self._bulk_checkpoint = bulk_checkpoint
        self._lock = asyncio.Lock()
        self._batch: list[asyncio.Future] = []
        self._flush_task: asyncio.Task | None = None
        self._checkpoint_task: asyncio.Task | None = None
        self._checkpointed_at = 0
        self._last_group = 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One write transaction; returns (or raises) once its group commit is done."""
        raw = self.connection.raw
        async with self._lock:
            if not raw.in_transaction:
                await self.connection.begin_immediate()
            token = self._current.set(InlineTransaction(self._engine, self.connection))
            try:
                raw.execute(f"SAVEPOINT {self.SAVEPOINT}")
                try:
                    yield
                    raw.execute(f"RELEASE {self.SAVEPOINT}")
                except BaseException:
                    self._undo()
                    raise
                done = asyncio.get_running_loop().create_future()
                self._batch.append(done)
            finally:
                self._current.reset(token)
                self._schedule_flush()
        await done

    def _undo(self) -> None:
        """Roll back the failed transaction's savepoint. If SQLite has already rolled back the
        whole open transaction (disk full, I/O error, ``ON CONFLICT ROLLBACK``), the group's
        earlier transactions are gone too: they are told so."""
        raw = self.connection.raw
        if raw.in_transaction:
            try:
                raw.execute(f"ROLLBACK TO {self.SAVEPOINT}")
                raw.execute(f"RELEASE {self.SAVEPOINT}")
                return
            except sqlite3.Error:
                log.exception("rolling back a savepoint failed; abandoning the group")
                self._rollback_quietly()
        batch, self._batch = self._batch, []
        _fail(batch, GroupLost("The database undid the change; try again"))

    def _rollback_quietly(self) -> None:
        try:
            if self.connection.raw.in_transaction:
                self.connection.raw.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("ROLLBACK failed")

    def _schedule_flush(self) -> None:
        if not self.connection.raw.in_transaction and not self._batch:
            return
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.get_running_loop().create_task(
                self._flush(), context=contextvars.Context()
            )

    async def _flush(self) -> None:
        """Once the group stops growing: commit the open transaction, answer its waiters."""
        await self._gather()
        async with self._lock:
            self._commit_group()
        if self.connection.commits - self._checkpointed_at >= CHECKPOINT_EVERY and (
            self._checkpoint_task is None or self._checkpoint_task.done()
        ):
            self._checkpointed_at = self.connection.commits
            self._checkpoint_task = asyncio.get_running_loop().create_task(
                self._checkpoint(), context=contextvars.Context()
            )

    async def _gather(self) -> None:
        """Keep the group open while it grows: one loop turn at a time, for as long as a
        transaction joined it during the last turn, at most ``GROUP_WINDOW_S`` (only when the
        previous group had company; a writer working alone commits at the next turn)."""
        await asyncio.sleep(0)
        if self._last_group <= 1:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GROUP_WINDOW_S
        size = 0
        while len(self._batch) > size and loop.time() < deadline:
            size = len(self._batch)
            await asyncio.sleep(0)

    def _commit_group(self) -> None:
        """COMMIT and resolve every waiter (or fail them all); called holding the lock."""
        batch, self._batch = self._batch, []
        self._last_group = max(1, len(batch))
        if not self.connection.raw.in_transaction:  # rolled back under us: nothing was kept
            _fail(batch, GroupLost("The database undid the change; try again"))
            return
        try:
            self.connection.raw.execute("COMMIT")
        except BaseException as exc:
            _fail(batch, exc if isinstance(exc, Exception) else GroupLost("Interrupted"))
            self._rollback_quietly()
            if not isinstance(exc, Exception):
                raise
            return
        self.connection.commits += 1
        for waiter in batch:
            if not waiter.done():
                waiter.set_result(None)

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database so the WAL can start over instead of growing: the
        bulk on another thread while writes go on (repeated while much is left), then, with
        writes paused for a moment, the few pages committed meanwhile. The next transaction
        then rewrites the WAL from its start (``journal_size_limit`` caps the file's size)."""
        try:
            for _ in range(BULK_ROUNDS):
                frames, copied = await self._bulk_checkpoint()
                if frames - copied <= CATCH_UP_FRAMES:
                    break
            async with self._lock:
                self._commit_group()
                result = self.connection.fetchall("PRAGMA wal_checkpoint(PASSIVE)")[0]
            busy, frames, copied = result["busy"], result["log"], result["checkpointed"]
            if busy or copied < frames:
                log.info("WAL checkpoint incomplete (%s of %s frames)", copied, frames)
        except Exception:
            log.exception("WAL checkpoint failed")

    async def close(self) -> None:
        """Commit what is pending and close the connection."""
        for task in (self._flush_task, self._checkpoint_task):
            if task is not None and not task.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        async with self._lock:
            self._commit_group()
        await self.connection.close()


class GroupLost(Unavailable):
    """The database rolled back a whole group of changes (disk full, I/O error): this change
    was not kept."""

    code = "database-error"


def _fail(waiters: list[asyncio.Future], error: BaseException) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_exception(error)
