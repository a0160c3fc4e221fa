"""Demo data (through ``seed_demo_data``): the crisis team's topics and areas, an on-call
roster (jour, POSOM, interpreters) and shifts for the next day; and, when the demo has a
crisis event (the activation area's demo exercise), the call-in of the roster, and phone and
e-mail contacts over the event's hours (up to six; the current one when it just began) tagged
by agents — with one topic (drinking water) rising fast in the latest
hour — some with a question that had no approved answer, and a kept lägesbild.

Idempotent: nothing is added twice when the topics already exist.
"""

from __future__ import annotations

import random
import time
from typing import Any

from core import db
from core.auth.service import Principal
from core.cases import service as cases
from core.db import raw
from plugins.crisis_mode.situation import links, roster, shifts, situation, tagging, topics

TOPICS = (
    ("dricksvatten", "Dricksvatten", "Drinking water"),
    ("evakuering", "Evakuering", "Evacuation"),
    ("skola", "Skola och förskola", "School and preschool"),
    ("el", "Elavbrott", "Power cut"),
    ("trafik", "Vägar och kollektivtrafik", "Roads and public transport"),
    ("oro", "Oro och stöd", "Worry and support"),
)
AREAS = (
    ("centrum", "Ekeby centrum", "Ekeby centre"),
    ("norra", "Norra Ekeby", "North Ekeby"),
    ("hamnen", "Hamnen", "The harbour"),
    ("landsbygd", "Landsbygden", "Countryside"),
)
PEOPLE = (
    ("Göran Wik", "jour", "070-111 22 33", "goran.wik@ekeby.example", ["sv", "en"], "goran.wik"),
    ("Maria Lind", "jour", "070-222 33 44", "maria.lind@ekeby.example", ["sv"], ""),
    ("Per Holm", "posom", "070-333 44 55", "per.holm@ekeby.example", ["sv"], ""),
    ("Aisha Noor", "posom", "070-444 55 66", "aisha.noor@ekeby.example", ["sv", "so"], ""),
    ("Dawit Tesfaye", "interpreter", "070-555 66 77", "", ["ti", "am", "sv"], ""),
    (
        "Leyla Karimi",
        "interpreter",
        "070-666 77 88",
        "leyla.karimi@ekeby.example",
        ["fa", "sv", "en"],
        "",
    ),
)
QUESTIONS = (
    "Kan jag duscha i vattnet?",
    "Gäller kokningsrådet även för husdjur?",
    "Var hämtar jag vatten om jag inte har bil?",
    "Får barnen gå till förskolan i morgon?",
)
AGENTS = ("agent-user", "sara.nilsson", "olle.berg")


async def _agent() -> Principal:
    row = await raw.fetchrow(
        "SELECT id, username, full_name FROM kc_user WHERE active = ? ORDER BY id LIMIT 1", True
    )
    for name in AGENTS:
        found = await raw.fetchrow(
            "SELECT id, username, full_name FROM kc_user WHERE username = ?", name
        )
        if found:
            row = found
            break
    assert row is not None
    return Principal(
        user_id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        roles=("agent",),
        permissions=frozenset({"contacts.register", "crisis.view"}),
    )


async def seed(rng: random.Random, actor: str = "demo") -> dict[str, int]:
    """Seed the area's demo data; returns what was made."""
    made = {"topics": 0, "people": 0, "contacts": 0}
    if await raw.fetchrow("SELECT id FROM crisis_topic WHERE code = ?", TOPICS[0][0]):
        return made
    for code, sv, en in TOPICS:
        await topics.create(actor, code, sv, en, "topic")
        made["topics"] += 1
    for code, sv, en in AREAS:
        await topics.create(actor, code, sv, en, "area")
    people = []
    for name, kind, phone, email, languages, username in PEOPLE:
        known = username and await raw.fetchrow(
            "SELECT id FROM kc_user WHERE username = ?", username
        )
        data = {
            "name": name,
            "kind": kind,
            "phone": phone,
            "email": email,
            "languages": languages,
            "username": username if known else "",
        }
        people.append(await roster.create(actor, data))
        made["people"] += 1
    start = tagging.hour_of(int(time.time())) + 3600
    for n, person in enumerate(people[:3]):
        await shifts.create(
            actor,
            start + n * 8 * 3600,
            start + (n + 1) * 8 * 3600,
            person_id=person["id"],
            role="Jour kontaktcenter",
        )
    event = await links.current()
    if event is not None:
        # the activation area's demo exercise ran its plan before this roster existed
        await roster.call_in(int(event["id"]), actor)
        made["contacts"] = await seed_contacts(rng, event, actor)
    return made


async def seed_contacts(rng: random.Random, event: dict[str, Any], actor: str) -> int:
    """Contacts over the event's hours (up to six), tagged, drinking water rising fast in the
    latest hour; then a kept lägesbild. Returns how many contacts."""
    now = int(time.time())
    start, _ = links.window(event, now)
    topic_ids = {t["code"]: t["id"] for t in await topics.list_all("topic")}
    area_ids = [a["id"] for a in await topics.list_all("area")]
    agent = await _agent()
    last_hour = tagging.hour_of(now)
    hours = [h for h in range(last_hour - 5 * 3600, last_hour + 1, 3600) if h + 3599 >= start]
    count = 0
    for index, hour in enumerate(hours):
        async with db.transaction():  # one commit per hour of demo contacts
            count += await _seed_hour(rng, event, agent, topic_ids, area_ids, hour, index,
                                      hour == last_hour, start, now)  # fmt: skip
    if count:
        await situation.keep(int(event["id"]), actor, "on_demand")
    return count


async def _seed_hour(
    rng: random.Random,
    event: dict[str, Any],
    agent: Principal,
    topic_ids: dict[str, int],
    area_ids: list[int],
    hour: int,
    index: int,
    latest: bool,
    start: int,
    now: int,
) -> int:
    """One hour of demo contacts, registered and tagged (in the caller's transaction)."""
    count = 0
    plan = {
        "dricksvatten": 14 if latest else 2 + index % 2,
        "evakuering": 3,
        "skola": 2,
        "el": 1 + index % 2,
        "trafik": 1,
        "oro": 1,
    }
    for code, n in plan.items():
        for _ in range(n):
            low = max(hour, start)
            high = min(hour + 3599, now)
            if high < low:
                continue
            received = rng.randint(low, high)
            channel = "phone" if rng.random() < 0.8 else "email"
            done = await cases.register_contact(
                agent,
                cases.ContactInput(
                    channel=channel,
                    summary=f"Krisfråga: {code}",
                    received_at=received,
                    resolved_first_contact=True,
                ),
            )
            chosen = [topic_ids[code]]
            if code == "dricksvatten" and not latest and rng.random() < 0.3:
                chosen.append(topic_ids["oro"])
            question = (
                rng.choice(QUESTIONS)
                if code == "dricksvatten" and latest and (rng.random() < 0.4)
                else ""
            )
            await tagging.tag(
                agent,
                chosen,
                contact_number=done["contact"]["number"],
                area_id=rng.choice(area_ids),
                question=question,
                event_id=int(event["id"]),
            )
            count += 1
    return count
