"""Fixtures of the situation area's tests: a crisis event activated some hours ago (a row in
the activation area's ``crisis_event`` table, backdated so the lägesbild has hours to
compare), topics and areas, and contacts registered through the core's service with their
``received_at`` in the event's hours."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core import db
from core.auth.service import Principal
from core.cases import service as cases
from core.db import raw

BASE = "/api/v1/plugins/crisis_mode"
HOURS_BACK = 5


async def make_event(activated_at: int, exercise: bool = True, active: bool = True) -> dict:
    """A crisis event row as the activation area writes it."""
    from plugins.crisis_mode.activation import events

    row: dict[str, Any] = {
        "status": "active" if active else "ended",
        "level": "extraordinary",
        "exercise": exercise,
        "reason": "Förorenat dricksvatten i Ekeby",
        "activated_by": "kris-ledare",
        "activated_at": activated_at,
    }
    if not active:
        row.update(deactivated_by="kris-ledare", deactivated_at=activated_at + 3600,
                   deactivation_reason="Klart")  # fmt: skip
    async with db.transaction():
        event_id = await raw.insert("crisis_event", row)
    return await events.get(event_id)


async def end_event(event_id: int) -> None:
    async with db.transaction():
        await raw.fetch(
            "UPDATE crisis_event SET status = 'ended', deactivated_at = ?, deactivated_by = ?, "
            "deactivation_reason = ? WHERE id = ? AND status = 'active'",
            int(time.time()) + 1,
            "kris-ledare",
            "Testet klart",
            event_id,
        )


@pytest.fixture(scope="module")
async def event(crisis) -> AsyncIterator[dict[str, Any]]:
    """An active exercise activated HOURS_BACK hours (and a bit) ago; ended afterwards."""
    from plugins.crisis_mode.activation import events

    current = await events.current()
    assert current is None, f"another test left crisis event {current} active"
    now = int(time.time())
    start = now - now % 3600 - HOURS_BACK * 3600 + 60
    made = await make_event(start)
    yield made
    await end_event(int(made["id"]))


@pytest.fixture(scope="module")
async def labels(crisis, auth_headers) -> dict[str, Any]:
    """Topics and areas, made through the API by the crisis team (codes unique per module)."""
    from plugins.crisis_mode.situation import topics

    suffix = f"{time.time_ns() % 10**8}"
    made: dict[str, Any] = {"topics": {}, "areas": {}}
    for code, sv, en in (
        ("vatten", "Dricksvatten", "Drinking water"),
        ("skola", "Skola", "School"),
        ("el", "Elavbrott", "Power cut"),
    ):
        made["topics"][code] = await topics.create("test", f"{code}-{suffix}", sv, en, "topic")
    for code, sv in (("norr", "Norra Ekeby"), ("hamn", "Hamnen")):
        made["areas"][code] = await topics.create("test", f"{code}-{suffix}", sv, "", "area")
    return made


def agent_principal(username: str = "agent-user") -> Principal:
    return Principal(
        user_id=None,  # type: ignore[arg-type]
        username=username,
        full_name="Test agent",
        roles=("agent",),
        permissions=frozenset({"contacts.register", "crisis.view"}),
    )


async def register(received_at: int, channel: str = "phone", summary: str = "Krisfråga") -> dict:
    """A core contact received at ``received_at`` (the core's own registration)."""
    done = await cases.register_contact(
        agent_principal(),
        cases.ContactInput(
            channel=channel, summary=summary, received_at=received_at, resolved_first_contact=True
        ),
    )
    row = await raw.fetchrow(
        "SELECT id, number FROM contact WHERE number = ?", done["contact"]["number"]
    )
    assert row is not None
    return row


async def counts_agree(event_id: int) -> bool:
    """Whether the running counts equal the tags themselves (per hour, topic, channel, area;
    topic 0 = the tagged contacts)."""
    kept = await raw.fetch(
        "SELECT hour_start, topic_id, channel, area_id, n FROM crisis_tag_count "
        "WHERE event_id = ? AND n <> 0",
        event_id,
    )
    topics = await raw.fetch(
        "SELECT hour_start, topic_id, channel, area_id, COUNT(*) AS n FROM crisis_tag_topic "
        "WHERE event_id = ? GROUP BY hour_start, topic_id, channel, area_id",
        event_id,
    )
    tags = await raw.fetch(
        "SELECT hour_start, 0 AS topic_id, channel, area_id, COUNT(*) AS n FROM crisis_tag "
        "WHERE event_id = ? GROUP BY hour_start, channel, area_id",
        event_id,
    )

    def cells(rows: list[dict]) -> dict:
        return {
            (r["hour_start"], r["topic_id"], r["channel"], r["area_id"] or 0): int(r["n"])
            for r in rows
        }

    return cells(kept) == cells(topics + tags) and bool(kept)
