"""Database engines: Piccolo's SQLite and PostgreSQL engines, configured for the appliance.

SQLite runs in WAL mode with a busy timeout and ``synchronous`` from the settings. Piccolo's
stock SQLite engine opens a new connection (and thread) for every query; ``PooledSQLiteEngine``
keeps a small pool of configured connections per event loop instead, so the pragmas are set
once and the API does not pay for a thread per query. Write transactions run on the loop's
own thread and are committed in groups (see :mod:`core.db.inline_writer`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from core.db.inline_writer import (
    GroupWriter,
    InlineWriteConnection,
    open_inline,
    open_reader,
    rows_of,
)
from core.settings import Settings


class PooledSQLiteTransaction(SQLiteTransaction):
    """A SQLite transaction that hands its connection back to the pool instead of closing it."""

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.connection.close()
            self.engine.current_transaction.reset(self.context)
            raise
        await self.engine.release_connection(self.connection)
        self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with persistent, pre-configured connections."""

    def __init__(self, path: str, *, synchronous: str, busy_timeout_ms: int, pool_size: int):
        super().__init__(path=path, timeout=busy_timeout_ms / 1000, check_same_thread=False)
        self.synchronous = synchronous.upper()
        self.pool_size = pool_size
        self.busy_timeout_ms = busy_timeout_ms
        self._pools: dict[int, list[aiosqlite.Connection]] = {}
        self._writers: dict[int, GroupWriter] = {}
        self._readers: dict[int, sqlite3.Connection] = {}

    def group_writer(self) -> GroupWriter:
        """The running loop's writer: write transactions, run inline and committed in groups."""
        loop_id = id(asyncio.get_running_loop())
        writer = self._writers.get(loop_id)
        if writer is None:
            connection = open_inline(
                self.connection_kwargs, self.synchronous, self.busy_timeout_ms, dict_factory
            )
            writer = GroupWriter(self, connection, self.current_transaction, self.checkpoint)
            self._writers[loop_id] = writer
        return writer

    def read_inline(self, sql: str, args: Any = ()) -> list[Any]:
        """Run a point query on the loop thread (a read-only connection per loop)."""
        loop_id = id(asyncio.get_running_loop())
        reader = self._readers.get(loop_id)
        if reader is None:
            reader = self._readers[loop_id] = open_reader(self.connection_kwargs, dict_factory)
        return rows_of(reader, sql, args)

    async def checkpoint(self) -> tuple[int, int]:
        """A passive WAL checkpoint on a pooled connection (on its thread, not the loop's);
        returns (frames in the WAL, frames copied into the database)."""
        connection = await self.get_connection()
        try:
            async with connection.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
                row = await cursor.fetchone()
        finally:
            await self.release_connection(connection)
        return int(row["log"]), int(row["checkpointed"])

    def _pool(self) -> list[aiosqlite.Connection]:
        return self._pools.setdefault(id(asyncio.get_running_loop()), [])

    async def get_connection(self) -> aiosqlite.Connection:
        pool = self._pool()
        if pool:
            return pool.pop()
        pending = aiosqlite.connect(**self.connection_kwargs)
        # A pooled connection's worker thread must not keep the process alive at exit
        # (committed data is on disk; an open transaction rolls back as on any crash).
        pending._thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def release_connection(self, connection: aiosqlite.Connection) -> None:
        pool = self._pool()
        if connection.in_transaction:
            await connection.rollback()
        if len(pool) < self.pool_size:
            pool.append(connection)
        else:
            await connection.close()

    async def close_pool(self) -> None:
        """Close every pooled connection of the running event loop (and its writer)."""
        loop_id = id(asyncio.get_running_loop())
        writer = self._writers.pop(loop_id, None)
        if writer is not None:
            await writer.close()
        pool = self._pools.pop(loop_id, [])
        for connection in pool:
            await connection.close()
        reader = self._readers.pop(loop_id, None)
        if reader is not None:
            reader.close()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        connection = await self.get_connection()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
        except BaseException:
            await connection.close()
            raise
        await self.release_connection(connection)
        return rows

    async def _run_in_existing_connection(
        self, connection, query, args=None, query_type="generic", table=None
    ):
        if isinstance(connection, InlineWriteConnection):
            return connection.fetchall(query, args)
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


class LoopPooledPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with one asyncpg pool per event loop.

    asyncpg connections belong to the loop that made them; with a pool per loop, code running
    on another loop (a test portal, a worker's job loop) never borrows a foreign connection.
    """

    def __init__(self, config: dict[str, Any], pool_size: int = 10) -> None:
        self._pools: dict[int, Any] = {}
        self.pool_size = pool_size
        super().__init__(config=config)

    @property  # type: ignore[override]
    def pool(self) -> Any:
        try:
            loop_id = id(asyncio.get_running_loop())
        except RuntimeError:
            return None
        return self._pools.get(loop_id)

    @pool.setter
    def pool(self, value: Any) -> None:
        try:
            loop_id = id(asyncio.get_running_loop())
        except RuntimeError:
            return
        if value is None:
            self._pools.pop(loop_id, None)
        else:
            self._pools[loop_id] = value


def postgres_config(url: str, password: str | None = None) -> dict[str, Any]:
    """asyncpg connection settings from a ``postgresql://`` URL (password from keyring)."""
    parts = urlsplit(url)
    config: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "database": (parts.path or "/").lstrip("/") or "postgres",
        "user": unquote(parts.username) if parts.username else "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    elif password:
        config["password"] = password
    return config


def make_engine(settings: Settings, db_password: str | None = None) -> Engine:
    """Build the engine the settings ask for (PostgreSQL if a URL is given, else SQLite)."""
    if settings.is_postgres:
        return LoopPooledPostgresEngine(
            postgres_config(settings.database_url, db_password), settings.db_pool_size
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return PooledSQLiteEngine(
        str(settings.sqlite_path),
        synchronous=settings.sqlite_synchronous,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.db_pool_size,
    )


def sqlite_version() -> str:
    return sqlite3.sqlite_version
