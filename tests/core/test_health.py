"""The e-mail outbox in ``GET /api/v1/health``: how many messages wait and since when, from
one query that reads an index only."""

from __future__ import annotations

import time

from core import db
from core.clock import iso_utc
from core.db import raw
from core.health import BACKLOG_SQL, OutboxBacklog
from core.settings import Settings

HEALTH = "/api/v1/health"


async def _queue(created_at: int, status: str = "queued") -> int:
    async with db.transaction():
        return await raw.insert(
            "outbound_message",
            {
                "recipient": "medborgare@example.org",
                "subject": "Kvitto",
                "body": "Hej",
                "template": "receipt",
                "language": "sv",
                "case_number": "HEALTH-TEST",
                "status": status,
                "created_at": created_at,
                "headers": "{}",
            },
        )


async def _settle(ids: list[int]) -> None:
    async with db.transaction():
        await raw.fetch(
            f"UPDATE outbound_message SET status = 'sent' WHERE id IN ({','.join('?' * len(ids))})",
            *ids,
        )


async def test_health_reports_the_outbox_backlog_and_its_oldest_message(client):
    before = (await client.get(HEALTH)).json()["outbox"]
    now = int(time.time())
    old, recent, sending = now - 40 * 86400, now - 600, now - 60
    ids = [await _queue(old), await _queue(recent), await _queue(sending, "sending")]
    ids.append(await _queue(now - 50 * 86400, "failed"))  # given up: not in the backlog
    ids.append(await _queue(now - 60 * 86400, "sent"))
    try:
        response = await client.get(HEALTH)
        assert response.status_code == 200, response.text
        body = response.json()
        outbox = body["outbox"]
        assert outbox["unsent"] == before["unsent"] + 3
        assert outbox["oldest_at"] == iso_utc(old) and outbox["oldest_at"].endswith("Z")
        assert 40 * 86400 <= outbox["oldest_age_seconds"] < 40 * 86400 + 120
        assert outbox["ok"] is False  # older than outbox_alert_minutes (30)
        assert body["status"] == "degraded"
    finally:
        await _settle(ids)
    after = (await client.get(HEALTH)).json()["outbox"]
    assert after == {**before, "oldest_age_seconds": after["oldest_age_seconds"]}


def test_too_many_or_too_old_is_backed_up() -> None:
    settings = Settings(outbox_alert_count=3, outbox_alert_minutes=30)
    now = 1_800_000_000
    assert not OutboxBacklog(0, None, now).backed_up(settings)
    assert not OutboxBacklog(2, now - 29 * 60, now).backed_up(settings)
    assert OutboxBacklog(3, now, now).backed_up(settings)
    assert OutboxBacklog(1, now - 30 * 60, now).backed_up(settings)
    empty = OutboxBacklog(0, None, now).as_dict(settings)
    assert empty == {"ok": True, "unsent": 0, "oldest_at": None, "oldest_age_seconds": None}


async def test_the_backlog_query_reads_only_its_index(client, settings: Settings):
    if settings.is_postgres:
        rows = await raw.fetch(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'outbound_message_backlog'"
        )
        assert rows and "(status, created_at)" in rows[0]["indexdef"]
        return  # PostgreSQL's planner scans a table this small sequentially anyway
    plan = " ".join(str(r) for r in await raw.fetch("EXPLAIN QUERY PLAN " + BACKLOG_SQL))
    assert "COVERING INDEX outbound_message_backlog" in plan, plan
