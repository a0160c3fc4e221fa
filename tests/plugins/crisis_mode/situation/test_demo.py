"""The area's demo data: topics, areas, a roster and shifts; with a crisis active, tagged
contacts over the event's hours with drinking water rising fast in the latest hour, and a
kept lägesbild; a second run adds nothing."""

from __future__ import annotations

import random

from core import db
from core.db import raw
from plugins.crisis_mode.situation import demo, roster, situation


async def test_the_demo_shows_a_rising_topic(event, auth_headers, client):
    made = await demo.seed(random.Random(7), "demo")
    try:
        if made["topics"] == 0:  # the demo ran before in this database: nothing added
            assert await demo.seed(random.Random(7), "demo") == made
            return
        assert made["topics"] == len(demo.TOPICS) and made["people"] == len(demo.PEOPLE)
        assert made["contacts"] > 30
        called = {c["name"] for c in await roster.call_ins(int(event["id"]))}
        assert {name for name, *_ in demo.PEOPLE} <= called  # the roster was called in
        report = await situation.build(int(event["id"]))
        assert report["rising"] == ["dricksvatten"]
        assert len(report["hours"]) == 6 and report["questions"]["total"] >= 1
        kept = await situation.kept(int(event["id"]))
        assert kept and kept[-1]["created_by"] == "demo"
        assert (await demo.seed(random.Random(7), "demo"))["topics"] == 0  # once only
    finally:
        async with db.transaction():  # the demo's roster is on call; other tests call in theirs
            await raw.fetch(
                "UPDATE crisis_roster_person SET active = ? WHERE updated_by = ?", False, "demo"
            )
