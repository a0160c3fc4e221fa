"""Plain SQL for the hot paths, without Piccolo's query building.

Piccolo builds every query from its column objects, which costs far more than SQLite takes to
run a small statement. Paths that run on every request (registration, authentication, the
audit chain) use these helpers instead: SQL written once with ``?`` placeholders (turned into
``$1, $2 …`` on PostgreSQL), run in the current transaction if there is one, else on a pooled
connection. Rows come back as dicts, as from Piccolo.

On SQLite, :func:`fetch` outside a transaction runs on the event loop's thread (a read-only
connection): use it for point queries through an index, not for reports or scans.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sized
from typing import Any

from core import db


def json_column(value: Any, default: Any = None) -> Any:
    """A JSON column's value as read: text on SQLite (decoded here), already decoded by the
    PostgreSQL driver; NULL (or empty text) is ``default``."""
    if value is None or value in ("", b""):
        return default
    return json.loads(value) if isinstance(value, str | bytes) else value


def json_list(value: Any) -> list[Any]:
    """A JSON list column's value as a list (NULL or empty: ``[]``)."""
    return list(json_column(value) or [])


def marks(values: Sized) -> str:
    """``?, ?, …``: one placeholder for each of ``values`` (for ``IN (…)``)."""
    return ", ".join("?" * len(values))


@functools.lru_cache(maxsize=512)
def dollar_placeholders(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's numbered ``$n`` (the SQL must not contain ``?``
    otherwise)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one statement and return its rows."""
    engine = db.get_engine()
    tx = engine.current_transaction.get()
    if engine.engine_type == "postgres":
        sql = dollar_placeholders(sql)
        if tx is not None:
            records = await tx.connection.fetch(sql, *args)
        elif engine.pool is not None:
            async with engine.pool.acquire() as connection:
                records = await connection.fetch(sql, *args)
        else:
            records = await engine._run_in_new_connection(sql, args)
        return [dict(record) for record in records]
    if tx is not None:
        return await engine._run_in_existing_connection(tx.connection, sql, args)
    return engine.read_inline(sql, args)


async def fetch_custom_plan(sql: str, *args: Any) -> list[dict[str, Any]]:
    """:func:`fetch`, planned for these arguments every time (PostgreSQL).

    asyncpg prepares every statement, and after five runs PostgreSQL may keep a generic plan
    that cannot see the arguments: for a search whose filters are rare among the newest rows
    (an old month of one series) it then walks the primary key backwards over most of the
    table instead of asking the filters' own index. Here the statement runs with
    ``plan_cache_mode = force_custom_plan`` for its transaction only (a short one of its own
    outside a transaction; restored afterwards inside one). SQLite plans every run anyway."""
    engine = db.get_engine()
    if engine.engine_type != "postgres":
        return await fetch(sql, *args)
    tx = engine.current_transaction.get()
    if tx is not None:
        connection = tx.connection
        before = await connection.fetchval("SELECT current_setting('plan_cache_mode')")
        await connection.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        try:
            return await fetch(sql, *args)
        finally:
            await connection.execute("SELECT set_config('plan_cache_mode', $1, true)", before)
    if engine.pool is None:
        async with db.transaction():
            return await fetch_custom_plan(sql, *args)
    async with engine.pool.acquire() as connection, connection.transaction():
        await connection.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        records = await connection.fetch(dollar_placeholders(sql), *args)
    return [dict(record) for record in records]


async def estimated_rows(sql: str, *args: Any) -> float | None:
    """The planner's estimate of how many rows ``sql`` returns for these arguments
    (PostgreSQL ``EXPLAIN``, nothing run), for choosing how to ask; None on SQLite."""
    if db.get_engine().engine_type != "postgres":
        return None
    row = await fetchrow("EXPLAIN (FORMAT JSON) " + sql, *args)
    plan = json_column(next(iter(row.values()))) if row else None
    return float(plan[0]["Plan"]["Plan Rows"]) if plan else None


async def fetchrow(sql: str, *args: Any) -> dict[str, Any] | None:
    """The first row of a statement, or None."""
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING "id"'


# json.dumps(value, ensure_ascii=False) without building an encoder for every call
_json_text = json.JSONEncoder(ensure_ascii=False).encode


def sql_value(value: Any) -> Any:
    """A Python value as a statement argument (dicts and lists as JSON text)."""
    if isinstance(value, dict | list):
        return _json_text(value)
    return value


async def insert(table: str, row: dict[str, Any]) -> int:
    """Insert one row (column name → value; dicts and lists stored as JSON) and return its
    ``id``. Column names come from code, never from input."""
    if db.get_engine().current_transaction.get() is None:
        raise RuntimeError("insert() needs core.db.transaction()")
    sql = _insert_sql(table, tuple(row))
    rows = await fetch(sql, *(sql_value(value) for value in row.values()))
    return int(rows[0]["id"])


async def executemany(sql: str, rows: list[tuple]) -> None:
    """Run one statement for many rows in the current transaction, in one round trip to the
    driver (sqlite3 / asyncpg ``executemany``)."""
    if not rows:
        return
    engine = db.get_engine()
    tx = engine.current_transaction.get()
    if tx is None:
        raise RuntimeError("executemany() needs core.db.transaction()")
    if engine.engine_type == "postgres":
        sql = dollar_placeholders(sql)
    await tx.connection.executemany(sql, rows)


def get_engine():
    """The process's engine (see :func:`core.db.get_engine`)."""
    return db.get_engine()
