"""The shared keyset cursor: round trip, and every malformed cursor refused as InvalidInput."""

from __future__ import annotations

import base64
import json

import pytest

from core import paging
from core.errors import InvalidInput


def test_cursor_round_trip_and_scope() -> None:
    cursor = paging.encode_cursor("cases", (1_800_000_000, 42))
    assert paging.decode_cursor("cases", cursor, (int, int)) == (1_800_000_000, 42)
    assert paging.decode_cursor("cases", None, (int, int)) is None
    with pytest.raises(InvalidInput):
        paging.decode_cursor("contacts", cursor, (int, int))


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !!",
        "%%%",
        _raw({"a": 1}),
        _raw(["cases", 1]),
        _raw(["cases", "x", 1]),
        _raw(["cases", True, 1]),
        _raw(["cases", 2**70, 1]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "A" * (paging.MAX_CURSOR_CHARS + 1),
    ],
)
def test_bad_cursor_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        paging.decode_cursor("cases", cursor, (int, int))


def test_cut_and_keyset_clause() -> None:
    rows = [{"id": n, "at": 100 - n} for n in range(4)]
    items, cursor = paging.cut(rows, 3, "x", lambda r: (r["at"], r["id"]))
    assert [r["id"] for r in items] == [0, 1, 2]
    assert paging.decode_cursor("x", cursor, (int, int)) == (98, 2)
    assert paging.cut(rows, 4, "x", lambda r: (r["at"], r["id"])) == (rows, None)
    assert paging.keyset_clause(("c.a", "c.id")) == "(c.a, c.id) < (?, ?)"
    assert paging.keyset_clause(("a",), descending=False) == "(a) > (?)"
    assert paging.page([1], None, 1) == {"items": [1], "next_cursor": None, "total": 1}
