"""Issue 11's "Done when" over the HTTP API with role users, the telephony and reception
plugins enabled (their own fixtures): the crisis team activates an exercise, the reception's
roll call starts with the visitor inside, the approved message becomes the callers' crisis
message (its text, with audio), the banner state and the approved text are served to agents,
agents tag questions, the hourly lägesbild flags the rising topic, the message is served as
CAP 1.2 and as the public page in three languages, and deactivation leaves a record whose CSV
and PDF hold the activation, the plan steps, the message versions and the lägesbild."""

from __future__ import annotations

import csv
import io
import time

import pypdfium2 as pdfium
import pytest

from tests.plugins.crisis_mode.activation.conftest import activate, deactivate
from tests.plugins.crisis_mode.conftest import BASE, forget_stored_plan
from tests.plugins.crisis_mode.messages.conftest import (  # noqa: F401 (fixture)
    MESSAGES,
    PUBLIC,
    clean,
    draft_body,
)
from tests.plugins.crisis_mode.messages.test_cap import _infos, check_cap
from tests.plugins.crisis_mode.situation.conftest import register
from tests.plugins.telephony_centrex.conftest import telephony  # noqa: F401 (fixture)
from tests.plugins.visitor_reception.conftest import BASE as RECEPTION
from tests.plugins.visitor_reception.conftest import (  # noqa: F401 (fixture)
    kiosk_headers,
    reception,
)

pytestmark = pytest.mark.timeout(120)
BUILDING = "Stadshuset"


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


async def test_an_exercise_from_activation_to_its_record(
    client,
    auth_headers,
    crisis,
    crisis_headers,
    clean,  # noqa: F811
    telephony,  # noqa: F811
    reception,  # noqa: F811
):
    from plugins.crisis_mode.situation import situation, topics
    from plugins.telephony_centrex import messages as ivr

    await forget_stored_plan()  # the default plan, whatever earlier modules stored
    leader, second = await crisis_headers("leader"), await crisis_headers("second")
    team, agent = await auth_headers("crisis_team"), await auth_headers("agent")
    writer = await auth_headers("supervisor")

    # a visitor inside the building before anything happens
    visitor = await client.post(
        f"{RECEPTION}/kiosk/check-in",
        json={"visitor_name": "Greta Gäst", "purpose": "Möte", "host_id": reception["host"]["id"]},
        headers=kiosk_headers(reception["kiosk"]["token"]),
    )
    assert visitor.status_code == 201, visitor.text
    visit_number = visitor.json()["visit"]["number"]

    # 1. the crisis team activates an exercise
    started = await activate(
        client, leader, reason="Övning: förorenat dricksvatten", exercise=True, building=BUILDING
    )
    assert started.status_code == 201, started.text
    event = started.json()["event"]
    assert event["exercise"] is True and event["label"] == {"sv": "ÖVNING", "en": "EXERCISE"}
    steps = {s["step"]: s for s in started.json()["steps"]}
    for step in steps.values():
        assert step["status"] in ("done", "skipped", "failed"), step
        assert "no telephony plugin" not in step["detail"]
        assert "no reception plugin" not in step["detail"]
    assert steps["roll_call"]["status"] == "done", steps["roll_call"]

    # the reception's roll call lists the visitor inside
    desk = await auth_headers("reception")
    roll = (await client.get(f"{RECEPTION}/roll-calls/latest", headers=desk)).json()
    assert visit_number in {p["number"] for p in roll["people"]}
    assert BUILDING in roll["roll_call"]["reason"]

    # the banner's data for every agent
    state = (await client.get(f"{BASE}/state", headers=agent)).json()
    assert state["active"] is True and state["event"]["id"] == event["id"]
    assert state["event"]["exercise"] is True

    # 2. a message drafted, approved by another person: the callers' crisis message
    draft = await client.post(MESSAGES, json=draft_body(), headers=writer)
    assert draft.status_code == 201, draft.text
    approved = await client.post(
        f"{MESSAGES}/{draft.json()['id']}/approve", json={}, headers=leader
    )
    assert approved.status_code == 200, approved.text
    published = approved.json()["published"]
    ivr_steps = [s for s in published["steps"] if s["output"] == "ivr"]
    assert ivr_steps and all(s["status"] == "done" for s in ivr_steps), published
    current = (await client.get(f"{MESSAGES}/current", headers=agent)).json()
    assert current["active"] is True and current["event_id"] == event["id"]
    sv = next(i for i in current["items"] if i["language"] == "sv")
    assert sv["label"] == "ÖVNING" and sv["title"].endswith("Strömavbrott i norra Ekeby")
    for lang in ("sv", "en"):
        active = await ivr.active("crisis", lang)
        assert active is not None and active["status"] == "active"
        assert active["text"] == next(
            i["ivr_text"] for i in current["items"] if i["language"] == lang
        )
    assert (await ivr.active("crisis", "sv"))["has_audio"] is True

    # 3. agents tag questions; drinking water rises in the event's hour
    suffix = f"{time.time_ns() % 10**8}"
    water = await topics.create("test", f"dw-vatten-{suffix}", "Dricksvatten", "Water", "topic")
    school = await topics.create("test", f"dw-skola-{suffix}", "Skola", "School", "topic")
    now = int(time.time())
    for i in range(7):
        contact = await register(now, summary="Kan vi dricka vattnet?")
        body = {"contact_id": contact["id"], "topic_ids": [water["id"]]}
        if i == 0:
            body = {
                **body,
                "topic_ids": [water["id"], school["id"]],
                "question": "Får barnen bada?",
            }
        tagged = await client.post(f"{BASE}/tags", json=body, headers=agent)
        assert tagged.status_code == 200, tagged.text
    hourly = await situation.hourly(now + 3600)  # as the schedule runs it at the next full hour
    assert hourly is not None and hourly["kind"] == "scheduled"
    kept = (await client.get(f"{BASE}/situation/reports/{hourly['id']}", headers=agent)).json()
    rising = kept["report"]["rising"]
    assert rising == [water["code"]], rising  # six of seven: school (one) is not rising
    assert kept["summary_sv"].startswith("ÖVNING") and "Dricksvatten" in kept["summary_sv"]

    # 4. CAP 1.2 and the public page in three languages
    cap = await client.get(f"{PUBLIC}/cap.xml")
    assert cap.status_code == 200
    infos = _infos(check_cap(cap.content))
    assert {"sv", "en", "ar"} <= {code[:2] for code in infos}
    for lang, expected in (("sv", "Strömavbrott"), ("en", "Power cut"), ("ar", "انقطاع")):
        page = await client.get(f"{PUBLIC}/page", params={"lang": lang})
        assert page.status_code == 200 and expected in page.text, lang
        assert page.headers["content-language"] == lang

    # 5. deactivation; the record is complete and exportable
    ended = await deactivate(client, second)
    assert ended.status_code == 200, ended.text
    url = f"{BASE}/events/{event['id']}/record"
    record = (await client.get(url, headers=team)).json()
    assert record["timeline_error"] == "" and record["messages_error"] == ""
    assert len(record["situation_reports"]) >= 1
    as_csv = await client.get(url, params={"format": "csv"}, headers=team)
    assert as_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    sections = {row[0] for row in rows[1:]}
    assert {
        "event",
        "timeline",
        "message",
        "lägesbild",
        "volume_hour",
        "topic_total",
        "question",
    } <= sections, sections
    assert "Får barnen bada?" in as_csv.content.decode("utf-8-sig")
    flat = as_csv.content.decode("utf-8-sig")
    for needed in ("roll_call", "Strömavbrott i norra Ekeby", "Dricksvatten"):
        assert needed in flat, needed
    pdf = await client.get(url, params={"format": "pdf"}, headers=team)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    for heading in ("Tidslinje", "Meddelanden", "Lägesbilder", "Kontaktvolymer per timme"):
        assert heading in text, heading
    assert "Strömavbrott i norra Ekeby" in text and "Dricksvatten" in text
