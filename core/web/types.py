"""Bounded types for request schemas: use these instead of bare ``int`` and ``str``.

An unbounded integer lets a client send ``2**70``, which SQLite's driver refuses with an
``OverflowError`` (and PostgreSQL with "out of range"); an unbounded text lets a NUL
character through, which PostgreSQL cannot store. Each type below carries its bounds into
validation (a 400 problem naming the field) and into the OpenAPI document.

Body fields (msgspec structs)::

    class NewThing(msgspec.Struct, forbid_unknown_fields=True):
        department_id: Id              # 1 .. MAX_ID
        expected_volume: Count = 0     # 0 .. MAX_COUNT
        wait_seconds: Seconds = 0      # 0 .. MAX_SECONDS
        fee_ore: Ore = 0               # 0 .. MAX_ORE (money in öre)
        warning_percent: Percent = 80  # 0 .. 100
        title: text(200)               # no NUL, at most 200 characters
        note: Text = ""                # no NUL, at most MAX_TEXT characters

Query and path parameters (Litestar parameters)::

    async def handler(
        item_id: IdPath,                           # {item_id:int}
        department_id: IdQuery = None,             # ?department_id=
        limit: Annotated[int, query_int(1, 500)] = 100,
        q: TextQuery = None,                       # no NUL, at most MAX_QUERY_TEXT
        code: Annotated[str, text_path(60)],       # {code:str}
    ) -> ...

``MAX_ID`` is 2**53 - 1, the largest integer a JSON number carries exactly everywhere
(I-JSON, RFC 7493; JavaScript clients) and well inside SQLite's and PostgreSQL's 64 bits.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import PathParameter, QueryParameter

MAX_ID = 2**53 - 1
MAX_COUNT = 2**31 - 1
MAX_SECONDS = 10 * 366 * 24 * 3600  # ten years
MAX_ORE = 2**53 - 1
MAX_TEXT = 100_000
MAX_QUERY_TEXT = 500

# A JSON-Schema (ECMA 262) and Python regular expression matching any text without NUL.
NO_NUL = r"^[^\x00]*$"


def _documented(ge: int, le: int) -> dict[str, Any]:
    # Litestar leaves a bound of 0 out of the OpenAPI document (it skips falsy values);
    # "schema_extra" puts both bounds there as they are.
    return {"minimum": ge, "maximum": le}


def bounded_int(ge: int, le: int) -> Any:
    """A body integer from ``ge`` to ``le`` (inclusive)."""
    extra = {"extra": _documented(ge, le)}
    return Annotated[int, msgspec.Meta(ge=ge, le=le, extra_json_schema=extra)]


Id = bounded_int(1, MAX_ID)
Count = bounded_int(0, MAX_COUNT)
Seconds = bounded_int(0, MAX_SECONDS)
Minutes = bounded_int(0, MAX_SECONDS // 60)
Ore = bounded_int(0, MAX_ORE)
Percent = bounded_int(0, 100)
Text = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=MAX_TEXT)]


def text(max_length: int, min_length: int = 0) -> Any:
    """A body text field without NUL characters, ``min_length`` to ``max_length`` long."""
    return Annotated[
        str, msgspec.Meta(pattern=NO_NUL, min_length=min_length, max_length=max_length)
    ]


def query_int(ge: int, le: int) -> QueryParameter:  # type: ignore[valid-type]
    """Bounds for an integer query parameter: ``Annotated[int, query_int(1, 500)]``."""
    return QueryParameter(ge=ge, le=le, schema_extra=_documented(ge, le))


def query_text(
    max_length: int = MAX_QUERY_TEXT,
    min_length: int = 0,
    name: str | None = None,
    format: OpenAPIFormat | None = None,  # noqa: A002
) -> Any:
    """Bounds for a text query parameter without NUL: ``Annotated[str, query_text(60)]``;
    ``name`` when the parameter's name is not the argument's (``from``), ``format`` for
    the document (``OpenAPIFormat.DATE``: the handler parses the text as a date)."""
    return QueryParameter(
        pattern=NO_NUL, min_length=min_length, max_length=max_length, name=name, format=format
    )


def text_path(max_length: int, format: OpenAPIFormat | None = None) -> Any:  # noqa: A002
    """Bounds for a text path parameter without NUL: ``Annotated[str, text_path(60)]``."""
    return PathParameter(pattern=NO_NUL, min_length=1, max_length=max_length, format=format)


IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID, schema_extra=_documented(1, MAX_ID))]
IdQuery = Annotated[int | None, query_int(1, MAX_ID)]
TextQuery = Annotated[str | None, QueryParameter(pattern=NO_NUL, max_length=MAX_QUERY_TEXT)]
Limit = Annotated[int, query_int(1, 500)]
Offset = Annotated[int, query_int(0, MAX_COUNT)]

__all__ = [
    "MAX_COUNT",
    "MAX_ID",
    "MAX_ORE",
    "MAX_QUERY_TEXT",
    "MAX_SECONDS",
    "MAX_TEXT",
    "NO_NUL",
    "Count",
    "Id",
    "IdPath",
    "IdQuery",
    "Limit",
    "Minutes",
    "Offset",
    "Ore",
    "Percent",
    "Seconds",
    "Text",
    "TextQuery",
    "bounded_int",
    "query_int",
    "query_text",
    "text",
    "text_path",
]
