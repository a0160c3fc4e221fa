"""Keyset paging shared by every list endpoint: opaque cursors and the page shape.

A list answers ``{"items": [...], "next_cursor": str | null, "total": int | null}``. The
cursor is the sort key of the last row of the page (e.g. ``(created_at, id)``), tagged with the
list it belongs to and encoded as URL-safe base64 JSON; the next page is the rows after that
key in the same order (``WHERE (created_at, id) < (?, ?)``, a range scan of the sort index),
so a deep page costs what the first page costs and rows inserted meanwhile neither repeat nor
vanish. A cursor that does not decode, belongs to another list or has the wrong shape is a 400
problem, never a 500.

Typical use in a service::

    after = paging.decode_cursor("cases", cursor, (int, int))
    sql += " AND " + paging.keyset_clause(("c.created_at", "c.id")) if after else ""
    rows = await raw.fetch(sql + " ORDER BY c.created_at DESC, c.id DESC LIMIT ?", ...,
                           limit + 1)
    items, next_cursor = paging.cut(rows, limit, "cases", lambda r: (r["created_at"], r["id"]))
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter
from piccolo.columns.combination import WhereRaw
from piccolo.query import Select
from piccolo.table import Table

from core.errors import InvalidInput

T = TypeVar("T")
MAX_CURSOR_CHARS = 400
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
KeyValue = int | str

Cursor = Annotated[
    str | None,
    QueryParameter(
        max_length=MAX_CURSOR_CHARS,
        description="Opaque cursor: the next_cursor of the previous page",
    ),
]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Rows per page")]


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: its rows, the cursor of the next page (None on the last page)
    and the number of matching rows where counting them is cheap (else None)."""

    items: list[T]
    next_cursor: str | None = None
    total: int | None = None


def encode_cursor(scope: str, key: Sequence[KeyValue]) -> str:
    """The opaque cursor for the row whose sort key is ``key`` in the list ``scope``."""
    text = json.dumps([scope, *key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(
    scope: str, cursor: str | None, kinds: Sequence[type]
) -> tuple[KeyValue, ...] | None:
    """The sort key carried by ``cursor`` (None when there is no cursor).

    ``kinds`` are the types of the key's parts (``int`` or ``str``); anything else, a cursor
    of another list or one that does not decode is an :class:`InvalidInput` (400).
    """
    if cursor is None or cursor == "":
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("The cursor is not valid; use the next_cursor of a page") from None
    if (
        not isinstance(value, list)
        or len(value) != len(kinds) + 1
        or value[0] != scope
        or not all(_fits(part, kind) for part, kind in zip(value[1:], kinds, strict=True))
    ):
        raise InvalidInput("The cursor is not valid; use the next_cursor of a page")
    return tuple(value[1:])


def _fits(part: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(part, int) and not isinstance(part, bool) and abs(part) < 2**63
    return isinstance(part, kind)


def keyset_clause(columns: Sequence[str], descending: bool = True) -> str:
    """SQL selecting the rows after a cursor's key in ``ORDER BY columns`` (all descending or
    all ascending), with one ``?`` per column: ``(a, b) < (?, ?)``. Row values work on SQLite
    and PostgreSQL and both use a matching composite index for them."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    return f"({names}) {'<' if descending else '>'} ({marks})"


def cut(
    rows: list[dict[str, Any]],
    limit: int,
    scope: str,
    key: Callable[[dict[str, Any]], Sequence[KeyValue]],
) -> tuple[list[dict[str, Any]], str | None]:
    """The page and the next page's cursor from ``limit + 1`` rows read in list order."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(scope, key(page[-1]))


def page(items: list[Any], next_cursor: str | None, total: int | None = None) -> dict[str, Any]:
    """The response shape of every list: ``{"items", "next_cursor", "total"}``."""
    return {"items": items, "next_cursor": next_cursor, "total": total}


async def select_page(
    table: type[Table],
    query: Select,
    scope: str,
    keys: Sequence[tuple[str, type]],
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the Piccolo ``query`` over ``table`` in ascending order of the columns
    ``keys`` (name and kind; the last one unique, e.g. ``("code", str), ("id", int)``), and
    the next page's cursor: :func:`keyset_clause` and :func:`cut` for the ORM."""
    names = [name for name, _ in keys]
    query = query.order_by(*(table._meta.get_column_by_name(n) for n in names)).limit(limit + 1)
    after = decode_cursor(scope, cursor, [kind for _, kind in keys])
    if after is not None:
        columns = [f'"{table._meta.tablename}"."{name}"' for name in names]
        query = query.where(
            WhereRaw(keyset_clause(columns, descending=False).replace("?", "{}"), *after)
        )
    return cut(await query, limit, scope, lambda row: tuple(row[n] for n in names))
