"""The on-call roster and the call-in: people with contact details and languages (every read
of them audited), ``roster.call_in`` e-mailing everyone on call through the core's outbox and
a real SMTP server, the answer page the e-mail links to (confirmed / declined), the crisis
team recording arrivals; shifts for 24/7 opening with their gaps, and who is signed in now."""

from __future__ import annotations

import re
import time

from core.citizen import notify
from core.db import raw
from plugins.crisis_mode.situation import roster
from tests.plugins.crisis_mode.situation.conftest import BASE
from tests.support.smtp import SmtpServer

PEOPLE = (
    {"name": "Jonna Jour", "kind": "jour", "phone": "070-123 45 67",
     "email": "jonna.jour@ekeby.example", "languages": ["sv", "en"]},
    {"name": "Pelle Posom", "kind": "posom", "phone": "070-234 56 78",
     "email": "pelle.posom@ekeby.example", "languages": ["en"]},
    {"name": "Tina Tolk", "kind": "interpreter", "phone": "070-345 67 89",
     "languages": ["ti", "sv"]},
    {"name": "Ledig Lars", "kind": "jour", "email": "lars@ekeby.example", "on_call": False},
)  # fmt: skip


async def test_the_roster_keeps_people_and_audits_every_read(client, auth_headers, crisis):
    team, agent = await auth_headers("crisis_team"), await auth_headers("agent")
    body = {"name": "Rut Roster", "kind": "posom", "phone": "070-000 00 01",
            "email": "rut@ekeby.example", "languages": ["sv", "so"]}  # fmt: skip
    assert (await client.post(f"{BASE}/roster", json=body, headers=agent)).status_code == 403
    made = await client.post(f"{BASE}/roster", json=body, headers=team)
    assert made.status_code == 201, made.text
    person = made.json()
    assert person["languages"] == ["sv", "so"] and person["on_call"] is True
    for bad in ({**body, "kind": "chef"}, {**body, "email": "inte-en-adress"},
                {**body, "name": ""}, {**body, "phone": "ring mig"},
                {**body, "username": "ingen-sadan-anvandare"}):  # fmt: skip
        assert (await client.post(f"{BASE}/roster", json=bad, headers=team)).status_code == 400
    listed = await client.get(f"{BASE}/roster", params={"kind": "posom"}, headers=team)
    assert listed.status_code == 200
    assert person["id"] in [p["id"] for p in listed.json()["items"]]
    read = await raw.fetchrow(
        "SELECT actor, object_id, details FROM audit_entry WHERE action = 'read' "
        "AND object_type = 'crisis_roster_person' ORDER BY seq DESC"
    )
    assert read["actor"] == "crisis-team-user" and read["object_id"] == "list"
    assert str(person["id"]) in read["details"]
    one = await client.get(f"{BASE}/roster/{person['id']}", headers=team)
    assert one.status_code == 200 and one.json()["phone"] == "070-000 00 01"
    read = await raw.fetchrow(
        "SELECT object_id FROM audit_entry WHERE action = 'read' "
        "AND object_type = 'crisis_roster_person' ORDER BY seq DESC"
    )
    assert read["object_id"] == str(person["id"])
    assert (await client.get(f"{BASE}/roster", headers=agent)).status_code == 403
    changed = await client.patch(
        f"{BASE}/roster/{person['id']}", json={"on_call": False, "active": False}, headers=team
    )
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert changed.json()["email"] == "rut@ekeby.example"  # the rest unchanged
    missing = await client.patch(f"{BASE}/roster/99999999", json={}, headers=team)
    assert missing.status_code == 404


async def test_call_in_emails_those_on_call_and_records_their_answers(
    client, auth_headers, settings, event
):
    team = await auth_headers("crisis_team")
    made = []
    for body in PEOPLE:
        response = await client.post(f"{BASE}/roster", json=body, headers=team)
        assert response.status_code == 201, response.text
        made.append(response.json())
    jonna, pelle, tina, lars = made

    result = await roster.call_in(int(event["id"]), "kris-ledare")
    assert result["status"] == "done"
    asked = {a["person_id"]: a for a in result["asked"]}
    assert {jonna["id"], pelle["id"], tina["id"]} <= set(asked) and lars["id"] not in asked
    assert asked[tina["id"]]["emailed"] is False
    assert tina["id"] in [p["person_id"] for p in result["without_email"]]
    assert "Tina Tolk" in result["detail"]  # call her by phone
    shown = await raw.fetchrow(
        "SELECT actor, details FROM audit_entry WHERE action = 'read' "
        "AND object_type = 'crisis_roster_person' AND object_id = 'call_in' ORDER BY seq DESC"
    )
    assert shown["actor"] == "kris-ledare" and str(tina["id"]) in shown["details"]

    with SmtpServer() as smtp:
        sent = await notify.send_pending(settings.replace(smtp_host=smtp.host, smtp_port=smtp.port))
        assert sent["sent"] >= 2
        to_jonna = smtp.wait_for(lambda m: "jonna.jour@ekeby.example" in m.rcpt_tos)
        to_pelle = smtp.wait_for(lambda m: "pelle.posom@ekeby.example" in m.rcpt_tos)
    assert to_jonna["Subject"].startswith("ÖVNING – Inkallning till kontaktcenter")
    assert "Förorenat dricksvatten" in to_jonna["Subject"]
    assert "Detta är en ÖVNING" in to_jonna.text and "Hej Jonna Jour" in to_jonna.text
    assert to_pelle["Subject"].startswith("EXERCISE – Call-in")  # his first language is English
    link = re.search(r"(\S+/roster/answer\?code=(KI1-[\w-]+))", to_jonna.text)
    assert link is not None
    code = link.group(2)
    assert code in to_jonna.text.split(link.group(1), 1)[1]  # the code to give by phone, too

    again = await roster.call_in(int(event["id"]), "kris-ledare")
    assert again["asked"] == [] and again["already_asked"] >= 3  # nobody asked twice

    page = await client.get(f"{BASE}/roster/answer", params={"code": code})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Jonna Jour" in page.text and 'name="answer" value="yes"' in page.text
    answered = await client.post(
        f"{BASE}/roster/answer",
        content=f"code={code}&answer=yes",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "sv"},
    )
    assert answered.status_code == 200, answered.text
    assert "du har svarat att du kommer" in answered.text
    unknown = await client.get(f"{BASE}/roster/answer", params={"code": "KI1-okand"})
    assert unknown.status_code == 404
    assert (await client.get(f"{BASE}/roster/answer", params={"code": "x"})).status_code == 400

    listed = await client.get(f"{BASE}/roster/call-ins", headers=team)
    assert listed.status_code == 200
    by_person = {c["person_id"]: c for c in listed.json()["items"]}
    assert by_person[jonna["id"]]["status"] == "confirmed"
    assert by_person[pelle["id"]]["status"] == "asked"
    assert "email" not in by_person[jonna["id"]]  # names and states only
    arrived = await client.put(
        f"{BASE}/roster/call-ins/{by_person[jonna['id']]['id']}",
        json={"status": "arrived"},
        headers=team,
    )
    assert arrived.status_code == 200 and arrived.json()["arrived_at"] is not None
    declined = await client.put(
        f"{BASE}/roster/call-ins/{by_person[pelle['id']]['id']}",
        json={"status": "declined"},
        headers=team,
    )
    assert declined.json()["status"] == "declined"
    bad = await client.put(
        f"{BASE}/roster/call-ins/{by_person[pelle['id']]['id']}",
        json={"status": "maybe"},
        headers=team,
    )
    assert bad.status_code == 400
    counts = (await client.get(f"{BASE}/roster/call-ins", headers=team)).json()["counts"]
    assert counts["arrived"] >= 1 and counts["declined"] >= 1
    # an arrival is not undone by a late answer through the link
    late = await client.post(
        f"{BASE}/roster/answer",
        content=f"code={code}&answer=no",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert late.status_code == 200 and "registrerad som på plats" in late.text
    actions = {
        r["action"]
        for r in await raw.fetch(
            "SELECT action FROM audit_entry WHERE action LIKE 'crisis.call_in%'"
        )
    }
    assert {"crisis.call_in", "crisis.call_in_confirmed", "crisis.call_in_arrived"} <= actions
    for person in made:  # leave nobody on call for other tests
        await client.patch(f"{BASE}/roster/{person['id']}", json={"active": False}, headers=team)


async def test_shifts_show_the_gaps_of_round_the_clock_opening(client, auth_headers, crisis):
    team, agent = await auth_headers("crisis_team"), await auth_headers("agent")
    day = int(time.time()) // 86400 * 86400 + 30 * 86400  # a day no other test uses
    made = []
    for start, end, user in (
        (0, 8, "agent-user"),
        (8, 16, "supervisor-user"),
        (18, 24, "agent-user"),
    ):
        body = {"starts_at": day + start * 3600, "ends_at": day + end * 3600, "username": user,
                "role": "Handläggare"}  # fmt: skip
        response = await client.post(f"{BASE}/shifts", json=body, headers=team)
        assert response.status_code == 201, response.text
        made.append(response.json())
    assert made[0]["name"] == "Test agent"
    found = await client.get(
        f"{BASE}/shifts", params={"from": day, "to": day + 86400}, headers=agent
    )
    assert found.status_code == 200
    coverage = found.json()
    assert coverage["covered"] is False and len(coverage["items"]) == 3
    assert coverage["gaps"] == [{"from": day + 16 * 3600, "to": day + 18 * 3600}]
    for bad in ({"starts_at": day, "ends_at": day, "username": "agent-user"},
                {"starts_at": day, "ends_at": day + 25 * 3600, "username": "agent-user"},
                {"starts_at": day, "ends_at": day + 3600},
                {"starts_at": day, "ends_at": day + 3600, "username": "ingen-alls"},
                {"starts_at": -1, "ends_at": day, "username": "agent-user"}):  # fmt: skip
        assert (await client.post(f"{BASE}/shifts", json=bad, headers=team)).status_code == 400
    body = {"starts_at": day, "ends_at": day + 3600, "username": "agent-user"}
    assert (await client.post(f"{BASE}/shifts", json=body, headers=agent)).status_code == 403
    reversed_period = await client.get(
        f"{BASE}/shifts", params={"from": day, "to": day - 1}, headers=agent
    )
    assert reversed_period.status_code == 400
    removed = await client.delete(f"{BASE}/shifts/{made[1]['id']}", headers=team)
    assert removed.status_code == 200
    coverage = (
        await client.get(f"{BASE}/shifts", params={"from": day, "to": day + 86400}, headers=agent)
    ).json()
    assert coverage["gaps"] == [{"from": day + 8 * 3600, "to": day + 18 * 3600}]
    assert (await client.delete(f"{BASE}/shifts/99999999", headers=team)).status_code == 404

    now = int(time.time())
    current = await client.post(
        f"{BASE}/shifts",
        json={"starts_at": now - 60, "ends_at": now + 3600, "username": "registrator-user"},
        headers=team,
    )
    assert current.status_code == 201
    state = (await client.get(f"{BASE}/shifts/now", headers=agent)).json()
    online = {u["username"] for u in state["signed_in"]}
    assert {"agent-user", "crisis-team-user"} <= online  # their sessions of this test run
    assert "registrator-user" in [s["username"] for s in state["on_shift"]]
    if "registrator-user" not in online:
        assert "registrator-user" in [s["username"] for s in state["on_shift_not_signed_in"]]
    await client.delete(f"{BASE}/shifts/{current.json()['id']}", headers=team)
