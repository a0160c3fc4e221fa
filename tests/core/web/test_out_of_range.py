"""Integers beyond 64 bits and NUL characters never reach the database as a 500: bounded
schemas refuse them naming the field, and what slips through is a 400 problem."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from core.web.problems import EXCEPTION_HANDLERS, PROBLEM_JSON

HUGE = 2**70


def _bad_request(response) -> dict:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return response.json()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/knowledge/articles/{HUGE}",
        f"/api/v1/knowledge/articles/{HUGE}/versions/1",
        f"/api/v1/sla/agreements/{HUGE}",
        f"/api/v1/sla/agreements/{HUGE}/targets",
        f"/api/v1/knowledge/articles/1/versions/{HUGE}",
        f"/api/v1/sla/agreements?department_id={HUGE}",
        f"/api/v1/audit?before_seq={HUGE}",
        f"/api/v1/audit/export?since_seq={HUGE}",
        f"/api/v1/public/knowledge?limit={HUGE}",
        f"/api/v1/parties/{HUGE}",
    ],
)
async def test_huge_integers_in_paths_and_queries(client, auth_headers, path):
    headers = await auth_headers("admin")
    _bad_request(await client.get(path, headers=headers))


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/sla/agreements",
            {"department_id": HUGE, "name": "x", "valid_from": "2026-01-01"},
            "department_id",
        ),
        (
            "/api/v1/sla/agreements",
            {"department_id": 1, "name": "x", "valid_from": "2026-01-01", "base_fee_ore": HUGE},
            "base_fee_ore",
        ),
        ("/api/v1/knowledge/articles", {"kind": "faq", "title": "a\x00b", "body": "b"}, "title"),
        ("/api/v1/events/notice", {"message": "hej\x00"}, "message"),
    ],
)
async def test_bounded_bodies_name_the_field(client, auth_headers, path, body, field):
    headers = {**(await auth_headers("admin")), "Accept-Language": "en"}
    problem = _bad_request(await client.post(path, json=body, headers=headers))
    assert field in {e["field"] for e in problem["errors"]}, problem
    if "\x00" in str(body):
        messages = {e["message"] for e in problem["errors"] if e["field"] == field}
        assert messages == {"The text must not contain NUL characters"}


async def _raise(exc: Exception) -> dict:
    raise exc


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        asyncpg.exceptions.NumericValueOutOfRangeError("integer out of range"),
        asyncpg.exceptions.CharacterNotInRepertoireError('invalid byte sequence for "UTF8": 0x00'),
        asyncpg.exceptions._base.DataError("invalid input for query argument $1"),
    ],
)
async def test_what_slips_through_is_a_400_problem(error):
    """The drivers' own exceptions, raised where a query would raise them."""

    @get("/probe")
    async def probe() -> dict:
        return await _raise(error)

    app = Litestar([probe], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as client:
        response = await client.get("/probe", headers={"Accept-Language": "en"})
    body = _bad_request(response)
    assert body["type"].endswith("/out-of-range")
    assert body["detail"] == "A value in the request is out of range (too large a number?)"
    assert body["status"] == 400


async def test_sqlite_overflow_from_a_real_query_is_400(client, auth_headers):
    """A column compared with a huge number in a route without bounds of its own."""
    headers = await auth_headers("admin")
    response = await client.post(f"/api/v1/open311/clients/{HUGE}/revoke", headers=headers)
    _bad_request(response)
