"""Activation and deactivation by the crisis team: audited, a live banner to every user, the
plan run with each step reported (done / skipped / failed, with what to do by hand), a failing
step never stopping the others, and deactivation undoing the plan. Bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from core.cases import pauses
from core.db import raw
from core.org import lookup
from core.sla import calendar as business
from core.sla import service as sla
from tests.core.cases.test_case_flow import open_case
from tests.plugins.crisis_mode.activation.conftest import activate, deactivate, without
from tests.plugins.crisis_mode.conftest import BASE

SUNDAY_NIGHT = int(dt.datetime(2026, 12, 6, 3, 0, tzinfo=ZoneInfo("Europe/Stockholm")).timestamp())


async def _audit(action: str, event_id: int) -> list[dict]:
    return await raw.fetch(
        "SELECT actor, details FROM audit_entry WHERE action = ? AND object_type = "
        "'crisis_event' AND object_id = ? ORDER BY seq",
        action,
        str(event_id),
    )


async def _plan(client, headers, **settings) -> None:
    steps = [
        {"kind": "crisis_message"},
        {"kind": "answer_group", "settings": settings.get("answer_group", {"group": "kris"})},
        {"kind": "opening_hours"},
        {"kind": "case_types", "settings": {"case_types": settings.get("case_types", [])}},
        {"kind": "roll_call", "settings": {"reason": "Utrymning"}},
        {"kind": "roster"},
    ]
    saved = await client.put(f"{BASE}/plan", json={"steps": steps}, headers=headers)
    assert saved.status_code == 200, saved.text


async def test_only_the_crisis_team_switches_and_everyone_sees_the_state(
    client, auth_headers, crisis, ended
):
    for role in ("agent", "supervisor", "reception", "it_admin"):
        refused = await activate(client, await auth_headers(role))
        assert refused.status_code == 403, role
        assert (await deactivate(client, await auth_headers(role))).status_code == 403
    for role in ("agent", "case_officer", "registrator", "it_admin"):
        state = await client.get(f"{BASE}/state", headers=await auth_headers(role))
        assert state.status_code == 200 and state.json()["active"] is False


async def test_bad_input_is_refused_and_activates_nothing(client, crisis, crisis_headers, ended):
    leader = await crisis_headers("leader")
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_event")
    cases = [
        ({"level": "novel"}, "heightened"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"exercise": "ja"}, "exercise"),
        ({"building": "b" * 201}, "building"),
        ({"colour": "red"}, "colour"),
    ]
    for body, named in cases:
        response = await activate(client, leader, **body)
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")
        assert named in response.text
    swedish = await activate(client, {**leader, "Accept-Language": "sv"}, reason="   ")
    assert swedish.status_code == 400 and swedish.json()["detail"] == "Ett skäl behövs"
    english = await activate(client, {**leader, "Accept-Language": "en"}, reason="   ")
    assert english.json()["detail"] == "A reason is needed"
    assert await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_event") == before
    nothing = await deactivate(client, {**leader, "Accept-Language": "sv"})
    assert nothing.status_code == 409 and nothing.json()["detail"] == "Krisläget är inte aktivt"


async def test_activation_runs_the_plan_and_deactivation_undoes_it(
    app, client, auth_headers, crisis, crisis_headers, case_types, listener, ended
):
    """Telephony and reception switched off: their steps say so, the others are done."""
    leader, second = await crisis_headers("leader"), await crisis_headers("second")
    agent = await auth_headers("agent")
    await _plan(client, await auth_headers("supervisor"), case_types=case_types["codes"][:1])
    running = await open_case(client, agent, case_types["codes"][0])
    other = await open_case(client, agent, case_types["codes"][1])
    async with without(app):
        async with listener:
            response = await activate(
                client, leader, level="extraordinary", exercise=True, building="Stadshuset"
            )
            assert response.status_code == 201, response.text
            body = response.json()
            again = await activate(client, second)
            assert again.status_code == 409
        event = body["event"]
        assert event["status"] == "active" and event["exercise"] is True
        assert event["level"] == "extraordinary" and event["building"] == "Stadshuset"
        assert event["activated_by"] == "kris-ledare" and event["activated_at"].endswith("Z")
        assert event["label"] == {"sv": "ÖVNING", "en": "EXERCISE"}
        steps = {s["step"]: s for s in body["steps"]}
        assert [s["step"] for s in body["steps"]] == [
            "crisis_message", "answer_group", "opening_hours", "case_types", "roll_call", "roster"
        ]  # fmt: skip
        assert steps["answer_group"]["status"] == "skipped"
        assert steps["answer_group"]["detail"] == "skipped: no telephony plugin enabled"
        assert steps["answer_group"]["manual_sv"].startswith("Öppna krisgruppen")
        assert steps["roll_call"]["status"] == "skipped"
        assert "no reception plugin" in steps["roll_call"]["detail"]
        assert steps["roll_call"]["manual"].startswith("Start the roll call")
        assert steps["opening_hours"]["status"] == "done"
        assert steps["case_types"]["status"] == "done", steps["case_types"]
        assert steps["case_types"]["data"]["paused"] == [
            {"code": case_types["codes"][0], "cases": 1}
        ]
        assert steps["crisis_message"]["status"] in ("skipped", "done", "failed")
        for step in body["steps"]:
            assert step["status"] in ("done", "skipped", "failed")
            assert step["detail"] and step["detail_sv"] and step["name_sv"]
            if step["status"] == "failed":
                assert step["manual"] and step["manual_sv"]

        # the banner went to every user at once, before the plan's steps
        kinds = [m["type"] for m in listener.messages if m["type"].startswith("crisis.")]
        assert kinds[0] == "crisis.mode_changed" and kinds.count("crisis.plan_step") == 6
        banner = listener.of("crisis.mode_changed")[0]["data"]
        assert banner["active"] is True and banner["event"]["id"] == event["id"]
        assert banner["text_sv"].startswith("ÖVNING – KRISLÄGE – Extraordinär händelse")
        assert banner["text_en"].startswith("EXERCISE – CRISIS MODE")
        state = (await client.get(f"{BASE}/state", headers=agent)).json()
        assert state["active"] is True and state["event"]["id"] == event["id"]

        # the plan's effects: calendars 24/7, the ordinary case type's cases paused
        assert business.is_open(await sla.calendar_for(None), SUNDAY_NIGHT)
        type_id = (await lookup.case_type(case_types["codes"][0]))["id"]
        assert await pauses.is_paused(type_id)
        row = await raw.fetchrow("SELECT sla_state FROM kc_case WHERE number = ?", running)
        assert row["sla_state"] == "paused"
        row = await raw.fetchrow("SELECT sla_state FROM kc_case WHERE number = ?", other)
        assert row["sla_state"] == "ok"
        reasons = await raw.fetch(
            "SELECT reason, ref FROM case_type_pause WHERE ref = ?",
            f"crisis_mode:event:{event['id']}",
        )
        assert reasons[0]["reason"].startswith("ÖVNING / EXERCISE: Vattenläcka")

        audits = await _audit("crisis.activate", event["id"])
        assert audits[0]["actor"] == "kris-ledare"
        assert json.loads(audits[0]["details"])["exercise"] is True
        assert len(await _audit("crisis.plan_step", event["id"])) == 6

        async with listener:
            ended_now = await deactivate(client, second)
        assert ended_now.status_code == 200, ended_now.text
    result = ended_now.json()
    assert result["event"]["status"] == "ended"
    assert result["event"]["deactivated_by"] == "kris-andra"
    assert result["event"]["deactivation_reason"] == "Läget är under kontroll"
    undone = {s["step"]: s for s in result["steps"]}
    assert undone["opening_hours"]["status"] == "done"
    assert undone["case_types"]["status"] == "done"
    assert "answer_group" not in undone  # skipped at activation: nothing to undo
    assert not business.is_open(await sla.calendar_for(None), SUNDAY_NIGHT)
    assert not await pauses.is_paused(type_id)
    row = await raw.fetchrow("SELECT sla_state FROM kc_case WHERE number = ?", running)
    assert row["sla_state"] == "ok"
    off = [m for m in listener.of("crisis.mode_changed") if m["data"]["active"] is False]
    assert off and off[0]["data"]["text_sv"] == "ÖVNING – Krisläget är avslutat"
    assert (await client.get(f"{BASE}/state", headers=agent)).json()["active"] is False
    assert len(await _audit("crisis.deactivate", event["id"])) == 1
    final = await raw.fetch(
        "SELECT kind FROM crisis_situation_report WHERE event_id = ? AND kind = 'final'",
        event["id"],
    )
    assert len(final) == 1  # the last lägesbild, kept for the event's record

    shown = await client.get(f"{BASE}/events/{event['id']}", headers=agent)
    assert shown.status_code == 200
    timeline = shown.json()["timeline"]
    kinds = [line["kind"] for line in timeline]
    assert kinds[0] == "activated" and kinds[1:7] == ["step"] * 6 and "deactivated" in kinds
    assert kinds[-1] == "undo"
    for line in timeline:
        assert line["at"].endswith("Z")
    listed = (await client.get(f"{BASE}/events", headers=agent, params={"limit": 1})).json()
    assert listed["items"][0]["id"] == event["id"] and listed["total"] >= 1
    assert listed["next_cursor"] is None or isinstance(listed["next_cursor"], str)
    assert (await client.get(f"{BASE}/events/999999", headers=agent)).status_code == 404
    assert (await deactivate(client, second)).status_code == 409


async def test_with_telephony_and_reception_a_failing_step_stops_nothing(
    client, auth_headers, crisis, crisis_headers, telephony, reception, ended
):
    """The telephony refuses an unknown crisis group: that step fails with what to do by hand;
    the roll call and the rest still run."""
    await _plan(client, await auth_headers("supervisor"), answer_group={"group": "finns-inte"})
    leader = await crisis_headers("leader")
    response = await activate(client, leader, building="Stadshuset, plan 2")
    assert response.status_code == 201, response.text
    steps = {s["step"]: s for s in response.json()["steps"]}
    assert steps["answer_group"]["status"] == "failed"
    assert steps["answer_group"]["detail"] == "failed: Unknown answer group: finns-inte"
    assert steps["answer_group"]["detail_sv"].startswith("misslyckades: ")
    assert steps["answer_group"]["manual"].startswith("Open the crisis answer group")
    assert steps["roll_call"]["status"] == "done", steps["roll_call"]
    assert steps["roll_call"]["data"]["roll_call"] is not None
    assert steps["opening_hours"]["status"] == "done"
    assert steps["case_types"]["status"] == "skipped"  # the plan names none
    roll = await raw.fetchrow("SELECT reason, actor FROM visitor_roll_call ORDER BY id DESC")
    assert roll["reason"] == "Utrymning (Stadshuset, plan 2)" and roll["actor"] == "kris-ledare"
    await deactivate(client, leader)


async def test_the_crisis_answer_group_opens_and_closes_with_crisis_mode(
    client, auth_headers, crisis, crisis_headers, telephony, ended
):
    from core.org import service as org
    from plugins.telephony_centrex import messages

    await org.save_group(
        "test", "kris-c1", {"name_sv": "Krisinformation", "name_en": "Crisis information",
                            "active": False},
    )  # fmt: skip
    draft = await messages.create_draft("test", "menu", "sv", "Välkommen", [])
    await messages.activate("test", draft["id"])
    group = {"group": "kris-c1", "menu_key": "8"}
    await _plan(client, await auth_headers("supervisor"), answer_group=group)
    leader = await crisis_headers("leader")
    response = await activate(client, leader)
    steps = {s["step"]: s for s in response.json()["steps"]}
    assert steps["answer_group"]["status"] == "done", steps["answer_group"]
    assert (await lookup.answer_group("kris-c1"))["active"]
    menu = (await messages.active("menu", "sv"))["menu"]
    assert menu[0] == {"key": "8", "label": "Krisinformation", "group": "kris-c1"}
    result = (await deactivate(client, leader)).json()
    undone = {s["step"]: s for s in result["steps"]}
    assert undone["answer_group"]["status"] == "done"
    assert not (await lookup.answer_group("kris-c1"))["active"]
    assert (await messages.active("menu", "sv"))["menu"] == []
