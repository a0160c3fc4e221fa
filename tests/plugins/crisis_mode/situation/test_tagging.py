"""Topics and areas kept by the crisis team (extended during the event), and agents tagging
crisis contacts over the API by the contact's id or number: replaced on a second tagging,
refused (and nothing changed) for a contact outside the event, an unknown or retired topic,
or a contact that does not exist."""

from __future__ import annotations

import time

from core.db import raw
from tests.plugins.crisis_mode.situation.conftest import BASE, counts_agree, register


async def test_the_crisis_team_keeps_topics_and_agents_only_read_them(
    client, auth_headers, crisis, event
):
    team, agent = await auth_headers("crisis_team"), await auth_headers("agent")
    code = f"ny-{time.time_ns() % 10**8}"
    body = {"code": code, "label_sv": "Nytt ämne", "label_en": "New topic"}
    assert (await client.post(f"{BASE}/topics", json=body, headers=agent)).status_code == 403
    made = await client.post(f"{BASE}/topics", json=body, headers=team)
    assert made.status_code == 201, made.text
    topic = made.json()
    assert topic["event_id"] == event["id"]  # added during the event
    again = await client.post(f"{BASE}/topics", json=body, headers=team)
    assert again.status_code == 409 and code in again.json()["detail"]
    for bad in ({**body, "code": "X"}, {**body, "code": "ok-code", "label_sv": ""},
                {**body, "code": "ok-code", "extra": 1}):  # fmt: skip
        assert (await client.post(f"{BASE}/topics", json=bad, headers=team)).status_code == 400
    listed = (await client.get(f"{BASE}/topics", headers=agent)).json()
    assert code in [t["code"] for t in listed["items"]]
    retired = await client.patch(
        f"{BASE}/topics/{topic['id']}", json={"active": False}, headers=team
    )
    assert retired.status_code == 200 and retired.json()["active"] is False
    listed = (await client.get(f"{BASE}/topics", headers=agent)).json()
    assert code not in [t["code"] for t in listed["items"]]
    everything = await client.get(
        f"{BASE}/topics", params={"include_inactive": "true"}, headers=agent
    )
    assert code in [t["code"] for t in everything.json()["items"]]
    missing = await client.patch(f"{BASE}/topics/99999999", json={"active": True}, headers=team)
    assert missing.status_code == 404
    swedish = await client.patch(
        f"{BASE}/topics/99999999", json={}, headers={**team, "Accept-Language": "sv"}
    )
    assert "Inget ämne" in swedish.json()["detail"]
    entry = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = 'crisis.topic_created' AND object_id = ?",
        code,
    )
    assert entry["actor"] == "crisis-team-user"
    areas = await client.get(f"{BASE}/topics/areas", headers=agent)
    assert areas.status_code == 200


async def test_an_agent_tags_a_crisis_contact_and_tags_it_again(
    client, auth_headers, event, labels
):
    agent = await auth_headers("agent")
    water, school = labels["topics"]["vatten"]["id"], labels["topics"]["skola"]["id"]
    north = labels["areas"]["norr"]["id"]
    contact = await register(int(time.time()) - 60)
    body = {"contact_number": contact["number"], "topic_ids": [water, school], "area_id": north,
            "question": "  Kan jag   duscha? "}  # fmt: skip
    tagged = await client.post(f"{BASE}/tags", json=body, headers=agent)
    assert tagged.status_code == 200, tagged.text
    tag = tagged.json()
    assert tag["event_id"] == event["id"] and tag["contact_id"] == contact["id"]
    assert sorted(tag["topic_ids"]) == sorted([water, school]) and tag["area_id"] == north
    assert tag["question"] == "Kan jag duscha?" and tag["tagged_by"] == "agent-user"
    assert tag["channel"] == "phone"

    again = await client.post(
        f"{BASE}/tags", json={"contact_id": contact["id"], "topic_ids": [school]}, headers=agent
    )
    assert again.status_code == 200
    assert again.json()["topic_ids"] == [school] and again.json()["area_id"] is None
    assert again.json()["id"] == tag["id"]
    rows = await raw.fetch("SELECT topic_id FROM crisis_tag_topic WHERE tag_id = ?", tag["id"])
    assert [r["topic_id"] for r in rows] == [school]
    shown = await client.get(
        f"{BASE}/tags/contact", params={"contact_number": contact["number"]}, headers=agent
    )
    assert shown.status_code == 200 and shown.json()["topic_ids"] == [school]
    assert await counts_agree(int(event["id"]))  # the running counts were taken back too
    page = (await client.get(f"{BASE}/tags", params={"limit": 1}, headers=agent)).json()
    assert len(page["items"]) == 1 and page["items"][0]["contact_number"] == contact["number"]
    actions = [
        r["action"]
        for r in await raw.fetch(
            "SELECT action FROM audit_entry WHERE object_type = 'contact' AND object_id = ? "
            "ORDER BY seq",
            contact["number"],
        )
    ]
    assert actions[-2:] == ["crisis.contact_tagged", "crisis.contact_retagged"]


async def test_bad_tagging_is_refused_and_changes_nothing(client, auth_headers, event, labels):
    agent = await auth_headers("agent")
    water = labels["topics"]["vatten"]["id"]
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_tag")
    old = await register(int(event["activated_at"]) - 600)  # before the activation
    inside = await register(int(time.time()) - 30)
    retired = await client.post(
        f"{BASE}/topics",
        json={"code": f"gammal-{time.time_ns() % 10**8}", "label_sv": "Gammalt"},
        headers=await auth_headers("crisis_team"),
    )
    await client.patch(
        f"{BASE}/topics/{retired.json()['id']}",
        json={"active": False},
        headers=await auth_headers("crisis_team"),
    )
    cases = [
        ({"contact_id": old["id"], "topic_ids": [water]}, 409),
        ({"contact_id": inside["id"], "topic_ids": [99999999]}, 400),
        ({"contact_id": inside["id"], "topic_ids": [retired.json()["id"]]}, 400),
        ({"contact_id": inside["id"], "topic_ids": []}, 400),
        ({"contact_id": inside["id"], "topic_ids": [water], "area_id": 99999999}, 400),
        ({"contact_id": 99999999, "topic_ids": [water]}, 404),
        ({"topic_ids": [water]}, 400),
        ({"contact_id": inside["id"], "contact_number": inside["number"], "topic_ids": [water]},
         400),
        ({"contact_id": inside["id"], "topic_ids": [water], "question": "x" * 501}, 400),
        ({"contact_id": inside["id"], "topic_ids": [water], "event_id": 99999999}, 404),
    ]  # fmt: skip
    for body, status in cases:
        response = await client.post(f"{BASE}/tags", json=body, headers=agent)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    refused = await client.post(
        f"{BASE}/tags",
        json={"contact_id": old["id"], "topic_ids": [water]},
        headers={**agent, "Accept-Language": "sv"},
    )
    assert "togs inte emot under krishändelse" in refused.json()["detail"]
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_tag")
    assert after["n"] == before["n"]
    it = await auth_headers("it_admin")
    body = {"contact_id": inside["id"], "topic_ids": [water]}
    assert (await client.post(f"{BASE}/tags", json=body, headers=it)).status_code == 403


async def test_untagged_crisis_contacts_are_listed_until_tagged(
    client, auth_headers, event, labels
):
    agent = await auth_headers("agent")
    water = labels["topics"]["vatten"]["id"]
    now = int(time.time())  # newer than any other contact of the session
    first, second = await register(now), await register(now)  # the same second: by id
    page = await client.get(
        f"{BASE}/tags/untagged", params={"mine": "true", "limit": 1}, headers=agent
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert [c["contact_number"] for c in body["items"]] == [second["number"]]
    assert body["items"][0]["registered_by"] == "agent-user"
    assert "summary" not in body["items"][0]
    more = await client.get(
        f"{BASE}/tags/untagged",
        params={"mine": "true", "limit": 1, "cursor": body["next_cursor"]},
        headers=agent,
    )
    assert [c["contact_number"] for c in more.json()["items"]] == [first["number"]]
    await client.post(
        f"{BASE}/tags", json={"contact_id": second["id"], "topic_ids": [water]}, headers=agent
    )
    left = await client.get(f"{BASE}/tags/untagged", params={"mine": "true"}, headers=agent)
    numbers = [c["contact_number"] for c in left.json()["items"]]
    assert second["number"] not in numbers and first["number"] in numbers
    bad = await client.get(f"{BASE}/tags/untagged", params={"cursor": "x"}, headers=agent)
    assert bad.status_code == 400
    await client.post(
        f"{BASE}/tags", json={"contact_id": first["id"], "topic_ids": [water]}, headers=agent
    )
