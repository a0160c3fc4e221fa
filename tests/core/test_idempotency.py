"""``Idempotency-Key`` on contact registration: a repeat registers nothing new."""

from __future__ import annotations

import asyncio
import time
import uuid

from core import db, idempotency
from core.db import raw


def _key() -> str:
    return f"desktop-{uuid.uuid4()}"


async def _contacts_with(summary: str) -> int:
    rows = await raw.fetch("SELECT count(*) AS n FROM contact WHERE summary = ?", summary)
    return int(rows[0]["n"])


def _body(summary: str, **extra) -> dict:
    return {"channel": "phone", "summary": summary, **extra}


async def test_a_repeated_request_returns_the_first_answer_and_registers_once(client, auth_headers):
    agent = {**await auth_headers("agent"), "Idempotency-Key": _key()}
    summary = f"Fråga om sophämtning {uuid.uuid4()}"
    first = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await _contacts_with(summary) == 1


async def test_the_body_is_compared_by_content_not_by_spelling(client, auth_headers):
    agent = {**await auth_headers("agent"), "Idempotency-Key": _key()}
    summary = f"Ordning {uuid.uuid4()}"
    first = await client.post(
        "/api/v1/contacts", headers=agent, content=f'{{"channel":"phone","summary":"{summary}"}}'
    )
    assert first.status_code == 201, first.text
    respelled = f'{{ "summary": "{summary}",  "channel": "phone" }}'
    again = await client.post("/api/v1/contacts", headers=agent, content=respelled)
    assert again.json()["contact"]["number"] == first.json()["contact"]["number"]
    assert await _contacts_with(summary) == 1


async def test_a_key_reused_with_another_body_is_refused(client, auth_headers):
    agent = {**await auth_headers("agent"), "Idempotency-Key": _key()}
    summary = f"Första {uuid.uuid4()}"
    first = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
    assert first.status_code == 201
    other = await client.post("/api/v1/contacts", headers=agent, json=_body(summary + " ändrad"))
    assert other.status_code == 422
    problem = other.json()
    assert problem["type"].endswith("idempotency-key-reused")
    assert "redan använts" in problem["detail"]
    assert await _contacts_with(summary + " ändrad") == 0


async def test_keys_belong_to_their_user(client, auth_headers):
    key = _key()
    summary = f"Två användare {uuid.uuid4()}"
    for role in ("agent", "supervisor"):
        headers = {**await auth_headers(role), "Idempotency-Key": key}
        response = await client.post("/api/v1/contacts", headers=headers, json=_body(summary))
        assert response.status_code == 201, response.text
    assert await _contacts_with(summary) == 2


async def test_bad_keys_are_400_problems(client, auth_headers):
    agent = await auth_headers("agent")
    for bad in ("x" * 201, "mellan slag", "å"):
        response = await client.post(
            "/api/v1/contacts",
            headers={**agent, "Idempotency-Key": bad.encode()},
            json=_body("Fel nyckel"),
        )
        assert response.status_code == 400, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await _contacts_with("Fel nyckel") == 0


async def test_a_failed_registration_does_not_use_up_the_key(client, auth_headers):
    agent = {**await auth_headers("agent"), "Idempotency-Key": _key()}
    summary = f"Rättad {uuid.uuid4()}"
    refused = await client.post(
        "/api/v1/contacts", headers=agent, json=_body(summary, case_type="finns-inte")
    )
    assert refused.status_code == 400
    accepted = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
    assert accepted.status_code == 201, accepted.text
    assert await _contacts_with(summary) == 1


async def test_two_concurrent_sends_of_one_key_register_once(client, auth_headers):
    agent = {**await auth_headers("agent"), "Idempotency-Key": _key()}
    summary = f"Samtidigt {uuid.uuid4()}"
    answers = await asyncio.gather(
        *(client.post("/api/v1/contacts", headers=agent, json=_body(summary)) for _ in range(4))
    )
    assert [answer.status_code for answer in answers] == [201] * 4
    assert len({answer.json()["contact"]["number"] for answer in answers}) == 1
    assert await _contacts_with(summary) == 1


async def test_keys_expire_after_a_day_and_are_purged(client, auth_headers):
    key = _key()
    agent = {**await auth_headers("agent"), "Idempotency-Key": key}
    summary = f"Gammal nyckel {uuid.uuid4()}"
    first = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
    day_ago = int(time.time()) - idempotency.TTL_SECONDS - 1
    async with db.transaction():
        await raw.fetch("UPDATE idempotency_key SET created_at = ? WHERE key = ?", day_ago, key)
    again = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
    assert again.status_code == 201
    assert again.json()["contact"]["number"] != first.json()["contact"]["number"]
    assert await _contacts_with(summary) == 2
    async with db.transaction():
        await raw.fetch("UPDATE idempotency_key SET created_at = ? WHERE key = ?", day_ago, key)
    assert await idempotency.purge_expired() >= 1
    assert await raw.fetch("SELECT id FROM idempotency_key WHERE key = ?", key) == []


async def test_without_a_key_every_request_registers(client, auth_headers):
    agent = await auth_headers("agent")
    summary = f"Utan nyckel {uuid.uuid4()}"
    for _ in range(2):
        response = await client.post("/api/v1/contacts", headers=agent, json=_body(summary))
        assert response.status_code == 201
    assert await _contacts_with(summary) == 2


async def test_the_worker_purges_expired_keys_every_hour(runtime):
    from core import jobs

    assert "core.purge_idempotency_keys" in jobs.periodic_task_names()


async def test_the_header_is_documented_in_openapi(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    parameters = schema["paths"]["/api/v1/contacts"]["post"]["parameters"]
    header = next(p for p in parameters if p["name"] == idempotency.HEADER)
    assert header["in"] == "header" and not header.get("required", False)
    assert header["schema"]["pattern"] == idempotency.KEY_PATTERN or any(
        option.get("pattern") == idempotency.KEY_PATTERN
        for option in header["schema"].get("oneOf", [])
    )
