"""The database: one engine per process, bound to every Piccolo table, and the write transaction.

Use ``async with transaction():`` for every change. On SQLite it runs on the event loop's
thread as a savepoint of a ``BEGIN IMMEDIATE`` transaction that is committed for a group of
transactions at once (:mod:`core.db.inline_writer`); on PostgreSQL it is a normal
transaction. Audit entries recorded inside are chained and inserted just before commit, and
callbacks registered with :func:`on_commit` run after a successful commit (live events).
:func:`savepoint` lets a part of a transaction fail alone.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from piccolo.engine.base import Engine
from piccolo.table import TABLE_REGISTRY

from core.audit import chain, recorder
from core.db.engine import PooledSQLiteEngine, make_engine
from core.settings import Settings

log = logging.getLogger(__name__)

SAVEPOINT = "kontakt_part"

_engine: Engine | None = None
_after_commit: contextvars.ContextVar[list[Callable[[], Awaitable[None] | None]] | None] = (
    contextvars.ContextVar("kontakt_after_commit", default=None)
)


class DatabaseNotConfigured(RuntimeError):
    pass


def configure(settings: Settings, db_password: str | None = None) -> Engine:
    """Create the engine for these settings and bind every known table to it."""
    global _engine
    _engine = make_engine(settings, db_password)
    bind_tables()
    return _engine


def bind_tables() -> None:
    """Point every Piccolo table (core and plugins, imported so far) at the current engine."""
    if _engine is None:
        return
    for table in TABLE_REGISTRY:
        table._meta.db = _engine


def get_engine() -> Engine:
    if _engine is None:
        raise DatabaseNotConfigured("the database is not configured")
    return _engine


async def open_pool() -> None:
    """Start connection pooling (PostgreSQL); SQLite pools lazily."""
    engine = get_engine()
    if engine.engine_type == "postgres" and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=engine.pool_size)


async def close_pool() -> None:
    engine = _engine
    if engine is None:
        return
    if isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
    elif engine.engine_type == "postgres" and getattr(engine, "pool", None) is not None:
        await engine.close_connection_pool()


def in_transaction() -> bool:
    return _engine is not None and _engine.current_transaction.get() is not None


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """A write transaction; nested calls join the outer one. When the block exits without an
    error the change is committed (durable), and callbacks from :func:`on_commit` run."""
    engine = get_engine()
    if engine.current_transaction.get() is not None:
        yield
        return
    if isinstance(engine, PooledSQLiteEngine):
        scope = engine.group_writer().transaction()
    else:
        scope = engine.transaction()
    audit_token = recorder.begin()
    callbacks: list[Callable[[], Awaitable[None] | None]] = []
    commit_token = _after_commit.set(callbacks)
    try:
        async with scope:
            yield
            await chain.append(recorder.take())
    finally:
        recorder.end(audit_token)
        _after_commit.reset(commit_token)
    for callback in callbacks:
        try:
            result = callback()
            if result is not None:
                await result
        except Exception:  # an after-commit failure must not undo or hide the commit
            log.exception("after-commit callback failed")


@asynccontextmanager
async def savepoint() -> AsyncIterator[None]:
    """Inside :func:`transaction`: a part that may fail on its own. An error in the block
    undoes only the block's changes, audit entries and :func:`on_commit` callbacks, and is
    raised; the transaction itself goes on (and commits what came before)."""
    from core.db import raw

    callbacks = _after_commit.get()
    if callbacks is None or not in_transaction():
        raise RuntimeError("savepoint() called outside core.db.transaction()")
    audited, scheduled = recorder.queued(), len(callbacks)
    await raw.fetch(f"SAVEPOINT {SAVEPOINT}")
    try:
        yield
    except BaseException:
        await raw.fetch(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        await raw.fetch(f"RELEASE SAVEPOINT {SAVEPOINT}")
        recorder.discard_after(audited)
        del callbacks[scheduled:]
        raise
    await raw.fetch(f"RELEASE SAVEPOINT {SAVEPOINT}")


def on_commit(callback: Callable[[], Awaitable[None] | None]) -> None:
    """Run ``callback`` after the current transaction commits (now, if there is none)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("on_commit() called outside core.db.transaction()")
    callbacks.append(callback)
