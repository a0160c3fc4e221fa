"""``/api/v1/audit``: browse with filters, export (streamed, audited), verify; who may."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from core import audit, db
from core.audit.export import FIELDS
from core.audit.tables import AuditEntry

STOCKHOLM_WINTER = timezone(timedelta(hours=1))


@pytest.fixture(scope="module")
async def seeded(runtime) -> dict:
    """Five entries by a unique actor on two objects, each in its own transaction."""
    actor = f"auditor-{uuid.uuid4().hex[:8]}"
    objects = [f"obj-{uuid.uuid4().hex[:6]}", f"obj-{uuid.uuid4().hex[:6]}"]
    for n in range(5):
        async with db.transaction():
            audit.record(
                actor, "test.poke" if n % 2 else "test.look", "gadget", objects[n % 2], {"n": n}
            )
        await asyncio.sleep(0.002)  # distinct times
    rows = await (
        AuditEntry.select(AuditEntry.seq, AuditEntry.at)
        .where(AuditEntry.actor == actor)
        .order_by(AuditEntry.seq)
    )
    return {"actor": actor, "objects": objects, "rows": rows}


async def browse(client, headers, **params):
    response = await client.get("/api/v1/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_browse_filters(client, auth_headers, seeded) -> None:
    headers = await auth_headers("supervisor")
    actor, objects, rows = seeded["actor"], seeded["objects"], seeded["rows"]
    page = await browse(client, headers, actor=actor)
    assert [e["seq"] for e in page["items"]] == [r["seq"] for r in reversed(rows)]
    assert page["next_cursor"] is None and page["total"] is None
    first = page["items"][-1]
    assert first["details"] == {"n": 0} and first["action"] == "test.look"
    assert set(first) >= {"seq", "at", "actor", "action", "object_type", "object_id", "hash"}

    page = await browse(client, headers, actor=actor, action="test.poke")
    assert [e["details"]["n"] for e in page["items"]] == [3, 1]
    page = await browse(client, headers, object_type="gadget", object_id=objects[0])
    assert [e["details"]["n"] for e in page["items"]] == [4, 2, 0]
    page = await browse(client, headers, actor=actor, object_type="nothing-like-it")
    assert page["items"] == []


async def test_browse_paging(client, auth_headers, seeded) -> None:
    headers = await auth_headers("it_admin")
    actor, rows = seeded["actor"], seeded["rows"]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"actor": actor, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await browse(client, headers, **params)
        seen += [e["seq"] for e in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["seq"] for r in reversed(rows)]
    assert pages == (len(rows) + 1) // 2  # a full last page is not followed by an empty one
    below = await browse(client, headers, actor=actor, before_seq=rows[-1]["seq"])
    assert [e["seq"] for e in below["items"]] == [r["seq"] for r in reversed(rows[:-1])]


async def test_browse_by_time(client, auth_headers, seeded) -> None:
    headers = await auth_headers("supervisor")
    actor, rows = seeded["actor"], seeded["rows"]
    second = datetime.fromisoformat(rows[1]["at"].replace("Z", "+00:00"))
    fourth = datetime.fromisoformat(rows[3]["at"].replace("Z", "+00:00"))
    page = await browse(
        client,
        headers,
        actor=actor,
        **{"from": rows[1]["at"], "to": fourth.astimezone(STOCKHOLM_WINTER).isoformat()},
    )
    # from is inclusive, to exclusive; the +01:00 time is converted to UTC.
    assert [e["seq"] for e in page["items"]] == [rows[2]["seq"], rows[1]["seq"]]
    page = await browse(client, headers, actor=actor, **{"from": second.isoformat()})
    assert len(page["items"]) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"from": "2026-01-01T08:00:00"},  # no time zone
        {"to": "2026-13-01T00:00:00Z"},
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "many"},
        {"before_seq": "0"},
        {"before_seq": "x"},
        {"cursor": "nonsense"},
        {"cursor": "WyJ1c2VycyIsImEiLDFd"},  # a cursor of the users list
        {"actor": "a" * 151},
    ],
)
async def test_browse_bad_input(client, auth_headers, params) -> None:
    response = await client.get(
        "/api/v1/audit", params=params, headers=await auth_headers("supervisor")
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 400


async def test_limit_of_1000_is_allowed(client, auth_headers) -> None:
    page = await browse(client, await auth_headers("supervisor"), limit=1000)
    assert 0 < len(page["items"]) <= 1000


async def export_entries(actor: str) -> list[dict]:
    return await (
        AuditEntry.select()
        .where((AuditEntry.actor == actor) & (AuditEntry.action == "audit.export"))
        .order_by(AuditEntry.seq)
    )


async def test_export_csv_is_streamed_and_audited(client, auth_headers, role_users) -> None:
    headers = await auth_headers("supervisor")
    before = await export_entries(role_users["supervisor"])
    response = await client.get("/api/v1/audit/export", params={"format": "csv"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="kontakt-audit-')
    assert disposition.endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == FIELDS
    seqs = [int(r["seq"]) for r in rows]
    assert seqs == list(range(1, len(seqs) + 1))

    after = await export_entries(role_users["supervisor"])
    assert len(after) == len(before) + 1
    entry = after[-1]
    assert json.loads(entry["details"]) == {
        "format": "csv",
        "since_seq": 0,
        "through_seq": seqs[-1],
        "via": "api",
    }
    assert entry["seq"] > seqs[-1]  # the export's own entry comes after what it exported


async def test_export_jsonl_since(client, auth_headers, role_users, seeded) -> None:
    since = seeded["rows"][2]["seq"]
    response = await client.get(
        "/api/v1/audit/export",
        params={"format": "jsonl", "since_seq": since},
        headers=await auth_headers("it_admin"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('.jsonl"')
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert rows[0]["seq"] == since + 1 and list(rows[0]) == FIELDS
    assert rows[0]["details"] == '{"n":3}'  # as stored, so hashes can be recomputed
    entry = (await export_entries(role_users["it_admin"]))[-1]
    assert json.loads(entry["details"])["since_seq"] == since


@pytest.mark.parametrize(
    "params", [{"format": "xml"}, {"format": ""}, {"since_seq": "-1"}, {"since_seq": "x"}]
)
async def test_export_bad_input(client, auth_headers, role_users, params) -> None:
    before = len(await export_entries(role_users["supervisor"]))
    response = await client.get(
        "/api/v1/audit/export", params=params, headers=await auth_headers("supervisor")
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert len(await export_entries(role_users["supervisor"])) == before


async def test_verify_endpoint(client, auth_headers, seeded) -> None:
    response = await client.get("/api/v1/audit/verify", headers=await auth_headers("it_admin"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is True and result["first_bad_seq"] is None
    assert result["entries"] >= seeded["rows"][-1]["seq"]
    assert result["message"].startswith("audit chain intact")


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/export", "/api/v1/audit/verify"])
@pytest.mark.parametrize("role", ["agent", "reception", "case_officer"])
async def test_staff_without_audit_rights_get_403(client, auth_headers, path, role) -> None:
    response = await client.get(path, headers=await auth_headers(role))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/export", "/api/v1/audit/verify"])
async def test_anonymous_gets_401(client, path) -> None:
    response = await client.get(path)
    assert response.status_code == 401
