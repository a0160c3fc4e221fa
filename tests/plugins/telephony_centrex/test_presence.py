"""Presence: signing in to answer groups, pauses with a reason, calls moving the agent to
in-call and wrap-up, colleagues' view with competence; bad input refused."""

from __future__ import annotations

import time

import pytest

from plugins.telephony_centrex import service
from tests.plugins.telephony_centrex.conftest import BASE, GROUP, call_id, event

ME = f"{BASE}/presence/me"


async def _mine(client, headers, username: str) -> dict:
    listed = (await client.get(f"{BASE}/presence", headers=headers)).json()
    return next(a for a in listed if a["username"] == username)


async def test_sign_in_pause_and_colleagues_view(client, auth_headers, telephony, role_users):
    from core.org import service as org

    await org.set_competence("test", role_users["agent"], [], [GROUP])
    agent = await auth_headers("agent")
    response = await client.put(ME, json={"state": "ready", "groups": [GROUP]}, headers=agent)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "ready" and response.json()["groups"] == [GROUP]
    colleague = await auth_headers("supervisor")
    mine = await _mine(client, colleague, role_users["agent"])
    assert mine["state"] == "ready" and mine["competence_groups"] == [GROUP]
    assert "case_types" in mine and mine["full_name"]
    paused = await client.put(ME, json={"state": "paused", "reason": "Lunch"}, headers=agent)
    assert paused.json()["reason"] == "Lunch"
    in_group = await client.get(f"{BASE}/presence", params={"group": GROUP}, headers=colleague)
    assert role_users["agent"] in [a["username"] for a in in_group.json()]
    out = await client.put(ME, json={"state": "offline"}, headers=agent)
    assert out.status_code == 200
    listed = (await client.get(f"{BASE}/presence", headers=colleague)).json()
    assert role_users["agent"] not in [a["username"] for a in listed]


async def test_a_virtual_member_from_a_department_joins_the_group(client, auth_headers, telephony):
    officer = await auth_headers("case_officer")
    response = await client.put(ME, json={"state": "ready", "groups": [GROUP]}, headers=officer)
    assert response.status_code == 200 and response.json()["groups"] == [GROUP]
    await client.put(ME, json={"state": "offline"}, headers=officer)


async def test_calls_move_the_agent_to_in_call_and_wrap_up(client, auth_headers, telephony):
    agent = await auth_headers("agent")
    await client.put(ME, json={"state": "ready", "groups": [GROUP]}, headers=agent)
    cid, t0 = call_id(), time.time() - 100
    await service.ingest(event(cid, "new", t0, from_number="0701231231", queue=GROUP))
    await service.ingest(event(cid, "answer", t0 + 5, user=telephony["agent"]))
    supervisor = await auth_headers("supervisor")
    mine = await _mine(client, supervisor, telephony["agent"])
    assert (mine["state"], mine["call_id"], mine["groups"]) == ("in_call", cid, [GROUP])
    await service.ingest(event(cid, "hangup", t0 + 65, cause="normalClearing"))
    assert (await _mine(client, supervisor, telephony["agent"]))["state"] == "wrap_up"
    wrap = await client.post(
        f"{BASE}/calls/test/{cid}/wrapup",
        json={"summary": "Frågade om hemtjänst", "resolved_first_contact": True},
        headers=agent,
    )
    assert wrap.status_code == 201, wrap.text
    assert (await _mine(client, supervisor, telephony["agent"]))["state"] == "ready"
    await client.put(ME, json={"state": "offline"}, headers=agent)


@pytest.mark.parametrize(
    "body",
    [
        {"state": "in_call"},
        {"state": "sleeping"},
        {"state": ""},
        {"state": "paused", "reason": "x" * 61},
        {"state": "ready", "groups": ["no-such-group"]},
        {"state": "ready", "groups": "tel-vard"},
        {"state": "ready", "extra": 1},
        {},
    ],
)
async def test_bad_presence_is_refused(client, auth_headers, telephony, body):
    response = await client.put(ME, json=body, headers=await auth_headers("agent"))
    assert response.status_code == 400, response.text


async def test_presence_needs_the_permission(client, auth_headers, telephony):
    registrator = await auth_headers("registrator")
    assert (await client.get(f"{BASE}/presence", headers=registrator)).status_code == 403
    assert (await client.put(ME, json={"state": "ready"}, headers=registrator)).status_code == 403
    assert (await client.get(f"{BASE}/presence")).status_code == 401
    bad = await client.get(f"{BASE}/presence", params={"group": "x" * 61}, headers=registrator)
    assert bad.status_code in (400, 403)
    agent = await auth_headers("agent")
    too_long = await client.get(f"{BASE}/presence", params={"group": "x" * 61}, headers=agent)
    assert too_long.status_code == 400
