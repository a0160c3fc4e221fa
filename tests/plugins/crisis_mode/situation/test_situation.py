"""The lägesbild over an event of six hours: contacts per hour and channel, topics per hour,
channel and area, the topic rising fast flagged by the documented rule (and a flat one and a
small one not), the unanswered questions; the SVG chart, the Swedish text for WIS (ÖVNING
for an exercise); kept on demand and by the hourly task (once per hour); the record as JSON,
CSV and PDF."""

from __future__ import annotations

import csv
import io
import random
import time
import xml.etree.ElementTree as ET

import pytest

from core import db
from core.db import raw
from plugins.crisis_mode.situation import situation, tagging
from tests.plugins.crisis_mode.situation.conftest import (
    BASE,
    agent_principal,
    counts_agree,
    register,
)

WATER = (2, 2, 3, 2, 3, 12)  # per hour of the event, the last hour running now
SCHOOL = (4, 4, 4, 4, 4, 4)
POWER = (0, 0, 0, 0, 0, 4)
QUESTIONS = ("Kan jag duscha?", "Gäller kokningsrådet husdjur?")


@pytest.fixture(scope="module")
async def seeded(event, labels) -> dict:
    """Contacts over the event's hours, tagged (drinking water rising in the last hour)."""
    rng = random.Random(11)
    now = int(time.time())
    first = tagging.hour_of(int(event["activated_at"]))
    agent = agent_principal()
    ids = {code: labels["topics"][code]["id"] for code in ("vatten", "skola", "el")}
    areas = [labels["areas"]["norr"]["id"], labels["areas"]["hamn"]["id"]]
    channels: dict[str, int] = {}
    asked = 0
    async with db.transaction():  # one commit for the whole seeding (fast on PostgreSQL)
        for hour_index in range(6):
            hour = first + hour_index * 3600
            low = max(hour, int(event["activated_at"]))
            high = min(hour + 3599, now)
            for code, plan in (("vatten", WATER), ("skola", SCHOOL), ("el", POWER)):
                for n in range(plan[hour_index]):
                    channel = "email" if n % 4 == 3 else "phone"
                    channels[channel] = channels.get(channel, 0) + 1
                    contact = await register(rng.randint(low, high), channel)
                    question = ""
                    if code == "vatten" and hour_index == 5 and asked < len(QUESTIONS):
                        question, asked = QUESTIONS[asked], asked + 1
                    await tagging.tag(agent, [ids[code]], contact_id=contact["id"],
                                      area_id=areas[n % 2], question=question,
                                      event_id=int(event["id"]))  # fmt: skip
    untagged = [await register(rng.randint(first + 3600, first + 7199)) for _ in range(3)]
    return {"ids": ids, "channels": channels, "untagged": untagged, "first": first}


def test_the_rising_rule():
    flags = situation.rising_flags([2, 2, 3, 2, 3, 12])
    assert [f for f, _ in flags] == [False, False, False, False, False, True]
    assert flags[-1][1] == pytest.approx(8 / 3)
    # the minimum: four contacts out of nothing are not "rising fast"
    assert [f for f, _ in situation.rising_flags([0, 0, 4])] == [False, False, False]
    assert [f for f, _ in situation.rising_flags([0, 0, 5])] == [False, False, True]
    # twice the mean is rising, just under is not
    assert situation.rising_flags([5, 5, 5, 10])[-1][0] is True
    assert situation.rising_flags([5, 5, 5, 9])[-1][0] is False
    # the event's first hour compares with 0 (nothing was counted before the event)
    assert situation.rising_flags([6]) == [(True, 0.0)]
    assert situation.rising_flags([4]) == [(False, 0.0)]
    assert situation.rising_flags([60, 130])[-1] == (True, 60.0)


async def test_the_lagesbild_counts_and_flags_the_rising_topic(
    client, auth_headers, event, labels, seeded
):
    agent = await auth_headers("agent")
    response = await client.get(f"{BASE}/situation", params={"lang": "sv"}, headers=agent)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["event"]["id"] == event["id"] and report["exercise"] is True
    assert await counts_agree(int(event["id"]))
    assert report["label"] == "ÖVNING"
    hours = report["hours"]
    assert len(hours) == 6 and hours[0]["hour"] == seeded["first"]
    topics = {t["code"]: t for t in report["topics"]}
    water, school, power = (topics[labels["topics"][c]["code"]] for c in ("vatten", "skola", "el"))
    assert water["per_hour"] == list(WATER) and water["total"] == sum(WATER)
    assert school["per_hour"] == list(SCHOOL) and power["per_hour"] == list(POWER)
    assert water["rising"] is True and water["this_hour"] == 12
    assert water["baseline"] == pytest.approx(8 / 3, abs=0.01)
    assert school["rising"] is False and power["rising"] is False  # flat; under the minimum
    assert report["rising"] == [water["code"]]
    assert water["rising_hours"] == [False] * 5 + [True]
    tagged = sum(WATER) + sum(SCHOOL) + sum(POWER)
    assert report["totals"]["tagged"] == tagged
    # every contact received during the event counts, tagged or not (other tests' too)
    assert report["totals"]["contacts"] >= tagged + 3
    window = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM contact WHERE received_at >= ? AND received_at < ?",
        report["period"]["start"],
        report["period"]["end"],
    )
    assert report["totals"]["contacts"] == window["n"]  # exactly the event's window
    assert report["totals"]["untagged"] == report["totals"]["contacts"] - tagged
    assert hours[1]["contacts"] >= WATER[1] + SCHOOL[1] + 3 and hours[1]["tagged"] == 6
    assert (
        sum(hours[i]["by_channel"].get("email", 0) for i in range(6)) >= seeded["channels"]["email"]
    )
    assert sum(water["by_channel"].values()) == water["total"]
    assert set(water["by_area"]) == {
        labels["areas"]["norr"]["code"],
        labels["areas"]["hamn"]["code"],
    }
    assert sum(a["total"] for a in report["areas"]) == tagged
    assert report["questions"]["total"] == 2
    assert {q["question"] for q in report["questions"]["latest"]} == set(QUESTIONS)
    assert all(q["topics"] == [water["code"]] for q in report["questions"]["latest"])
    assert report["rule"]["min"] == situation.RISING_MIN and "minst" in report["rule"]["text"]

    text = report["summary"]
    assert text.startswith("ÖVNING ÖVNING ÖVNING") and text.endswith("ÖVNING ÖVNING ÖVNING")
    assert "Lägesbild från kontaktcenter" in text
    assert "Ökar snabbt: Dricksvatten (12 senaste timmen mot i snitt 2,7 per timme" in text
    assert "Frågor utan godkänt svar: 2." in text and "Kan jag duscha?" in text
    english = await client.get(f"{BASE}/situation/summary", params={"lang": "en"}, headers=agent)
    assert english.status_code == 200 and english.headers["content-type"].startswith("text/plain")
    assert "Rising fast: Drinking water (12 in the latest hour" in english.text
    assert english.text.startswith("EXERCISE")

    svg = await client.get(f"{BASE}/situation/chart", params={"lang": "sv"}, headers=agent)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    assert "ÖVNING" in root.find(f"{ns}title").text
    assert len(root.findall(f"{ns}rect")) >= 6 + 1  # a bar per hour and the background
    assert len(root.findall(f"{ns}polyline")) == 3
    marks = [p for p in root.findall(f"{ns}path") if p.find(f"{ns}title") is not None]
    assert len(marks) == 1 and "Dricksvatten" in marks[0].find(f"{ns}title").text

    for role in ("it_admin", "registrator"):
        denied = await client.get(f"{BASE}/situation", headers=await auth_headers(role))
        assert denied.status_code == 403
    bad = await client.get(f"{BASE}/situation", params={"lang": "xx"}, headers=agent)
    assert bad.status_code == 400
    unknown = await client.get(f"{BASE}/situation", params={"event_id": 99999999}, headers=agent)
    assert unknown.status_code == 404


async def test_lagesbilder_are_kept_on_demand_and_hourly(client, auth_headers, event, seeded):
    team, agent = await auth_headers("crisis_team"), await auth_headers("agent")
    assert (
        await client.post(f"{BASE}/situation/reports", json={}, headers=agent)
    ).status_code == 403
    made = await client.post(f"{BASE}/situation/reports", json={}, headers=team)
    assert made.status_code == 201, made.text
    kept = made.json()
    assert kept["kind"] == "on_demand" and kept["event_id"] == event["id"]
    assert kept["created_by"] == "crisis-team-user" and kept["report"]["rising"]
    one = (await client.get(f"{BASE}/situation/reports/{kept['id']}", headers=agent)).json()
    assert one["summary_sv"].startswith("ÖVNING") and one["summary_en"].startswith("EXERCISE")
    assert one["report"]["totals"] == kept["report"]["totals"]
    chart = await client.get(f"{BASE}/situation/reports/{kept['id']}/chart", headers=agent)
    assert chart.status_code == 200 and chart.text.startswith("<svg")
    missing = await client.get(f"{BASE}/situation/reports/99999999", headers=agent)
    assert missing.status_code == 404

    now = int(time.time())
    hourly = await situation.hourly(now)
    assert hourly is not None and hourly["kind"] == "scheduled"
    assert hourly["period_end"] == tagging.hour_of(now)  # whole hours only
    assert len(hourly["report"]["hours"]) == 5  # the hour running now is not in it
    assert await situation.hourly(now) is None  # once per full hour
    listed = (await client.get(f"{BASE}/situation/reports", headers=agent)).json()["items"]
    assert [r["kind"] for r in listed][-2:] == ["on_demand", "scheduled"]
    entry = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = 'crisis.situation_kept' ORDER BY seq DESC"
    )
    assert entry["actor"] == "system"


async def test_the_record_exports_as_json_csv_and_pdf(client, auth_headers, event, seeded):
    team = await auth_headers("crisis_team")
    url = f"{BASE}/events/{event['id']}/record"
    as_json = await client.get(url, headers=team)
    assert as_json.status_code == 200, as_json.text
    record = as_json.json()
    assert record["event"]["id"] == event["id"] and record["exercise"] is True
    assert record["timeline_error"] == ""  # the activation area's timeline was read
    assert record["messages_error"] == ""  # and the messages area's history
    assert record["volumes"]["totals"]["tagged"] == sum(WATER) + sum(SCHOOL) + sum(POWER)
    assert len(record["situation_reports"]) >= 2
    assert record["questions"]["total"] == 2

    as_csv = await client.get(url, params={"format": "csv"}, headers=team)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "time", "item", "value", "detail"]
    sections = {row[0] for row in rows[1:]}
    assert {"event", "lägesbild", "volume_hour", "topic_total", "question"} <= sections
    assert any("ÖVNING" in row[4] for row in rows if row[0] == "event")

    pdf = await client.get(url, params={"format": "pdf"}, headers=team)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 5000
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf.content)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    assert all(page.get_textpage().get_text_range().startswith("ÖVNING") for page in document)
    for heading in ("Tidslinje", "Meddelanden", "Lägesbilder", "Kontaktvolymer per timme",
                    "Frågor utan godkänt svar", "Inkallning av jourlistan"):  # fmt: skip
        assert heading in text
    assert "Kan jag duscha?" in text and "Förorenat dricksvatten" in text

    assert (await client.get(url, params={"format": "doc"}, headers=team)).status_code == 400
    agent = await auth_headers("agent")
    assert (await client.get(url, headers=agent)).status_code == 403
    missing = await client.get(f"{BASE}/events/99999999/record", headers=team)
    assert missing.status_code == 404


def test_message_versions_and_their_log_become_record_lines():
    from plugins.crisis_mode.situation import record

    version = {
        "version": 2, "status": "approved", "created_by": "kris-ledare",
        "created_at": 1_800_000_000,
        "approved_by": "kris-andra", "approved_at": 1_800_000_600,
        "texts": [{"language": "sv", "title": "Koka vattnet"}, {"language": "en", "title": "Boil"}],
        "approvals": [{"at": 1_800_000_000, "actor": "kris-ledare", "action": "drafted"},
                      {"at": 1_800_000_600, "actor": "kris-andra", "action": "approved"}],
    }  # fmt: skip
    rows = record._message_rows([version])
    assert rows[0][0] == 1_800_000_000 and rows[0][1] == "v2 approved: sv: Koka vattnet; en: Boil"
    assert "approved by kris-andra" in rows[0][2]
    assert [r[1].strip() for r in rows[1:]] == ["drafted v2", "approved v2"]
    assert rows[2][2] == "by kris-andra"
