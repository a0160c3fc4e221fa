"""Demo calls for ``kontakt demo`` (hook ``seed_demo_data``).

The core's demo already has a year of phone contacts with waiting and handling times; the
last weeks of them become the answered calls they were (same contact, group, agent and
times), and abandoned calls are added at a rate that grows with the group's load, each
registered as a contact like a real one (call-backs only for today's).
"""

from __future__ import annotations

import random
import time
from typing import Any

from core import db
from core.db import raw
from plugins.telephony_centrex import daily, service
from plugins.telephony_centrex.service import CALL_COLUMNS, derive

SOURCE = "demo"
PHONE_SQL = (
    "SELECT k.number, k.received_at, k.wait_seconds, k.handle_seconds, k.direction, "
    "g.code AS answer_group, u.username AS agent, p.phone, k.party FROM contact k "
    "LEFT JOIN answer_group g ON g.id = k.answer_group LEFT JOIN kc_user u ON u.id = k.agent "
    "LEFT JOIN party p ON p.id = k.party "
    "WHERE k.channel = 'phone' AND k.received_at >= ? ORDER BY k.received_at"
)
INSERT_SQL = (
    "INSERT INTO telephony_call (source, call_id, contact_number, "
    + ", ".join(CALL_COLUMNS)
    + ") VALUES (?, ?, ?, "
    + ", ".join("?" for _ in CALL_COLUMNS)
    + ")"
)
DAYS_SQL = "SELECT DISTINCT local_day FROM telephony_call WHERE source = ?"
ABANDON_RATE = 0.08


def _mobile(rng: random.Random) -> str:
    return f"+4670{rng.randrange(10**7):07d}"


async def seed_calls(rng: random.Random, days: int, now: int | None = None) -> dict[str, int]:
    """Replace the demo calls with the last ``days`` days of the core's phone contacts and
    abandoned calls among them; returns the counts."""
    now = int(time.time()) if now is None else now
    since = now - days * 86400
    async with db.transaction():
        await daily.mark_changed(*[r["local_day"] for r in await raw.fetch(DAYS_SQL, SOURCE)])
        await raw.fetch("DELETE FROM telephony_call WHERE source = ?", SOURCE)
    contacts = await raw.fetch(PHONE_SQL, since)
    rows: list[tuple[Any, ...]] = []
    abandoned: list[str] = []
    for n, contact in enumerate(contacts):
        offered = int(contact["received_at"])
        wait = int(contact["wait_seconds"] or rng.randint(5, 90))
        talk = int(contact["handle_seconds"] or rng.randint(60, 400))
        call = derive(
            {
                "direction": contact["direction"] or "in",
                "caller": contact["phone"] or _mobile(rng),
                "called": "+46850050000",
                "answer_group": contact["answer_group"],
                "agent": contact["agent"],
                "offered_at": offered,
                "answered_at": offered + wait,
                "ended_at": offered + wait + talk,
                "party_id": contact["party"],
                "cause": "normalClearing",
                "overflowed": False,
            }
        )
        rows.append(
            (
                SOURCE,
                f"demo-{contact['number']}",
                contact["number"],
                *[call[c] for c in CALL_COLUMNS],
            )
        )
        if contact["answer_group"] and rng.random() < ABANDON_RATE:
            waited = int(rng.expovariate(1 / 70)) + 3
            lost = derive(
                {
                    **call,
                    "caller": _mobile(rng),
                    "agent": None,
                    "answered_at": None,
                    "offered_at": offered + 7,
                    "ended_at": offered + 7 + waited,
                    "party_id": None,
                    "cause": "cancel",
                }
            )
            call_id = f"demo-abandoned-{n}"
            rows.append((SOURCE, call_id, None, *[lost[c] for c in CALL_COLUMNS]))
            abandoned.append(call_id)
    async with db.transaction():
        await raw.executemany(INSERT_SQL, rows)
        await daily.mark_changed(*[r["local_day"] for r in await raw.fetch(DAYS_SQL, SOURCE)])
    today = now - now % 86400
    for call_id in abandoned:
        row = await raw.fetchrow(service.CALL_SQL, SOURCE, call_id)
        await service.register_call(SOURCE, call_id, offer_callback=row["ended_at"] >= today)
    return {"calls": len(rows), "abandoned": len(abandoned)}
