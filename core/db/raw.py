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
from typing import Any

from core import db


def json_column(value: Any) -> Any:
    """A JSON column's value as read: text on SQLite (decoded here), already decoded by the
    PostgreSQL driver; NULL stays None."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def json_list(value: Any) -> list[Any]:
    """A JSON list column's value as a list (NULL or empty: ``[]``)."""
    return list(json_column(value) or [])


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
