"""The call-back list: abandoned calls and agents put call-backs on the group's list with the
agreed time; attempts recorded; dialling only where the driver can; bad input refused."""

from __future__ import annotations

import time

import pytest

from plugins.telephony_centrex import service
from tests.plugins.telephony_centrex.conftest import BASE, GROUP, call_id, event

CALLBACKS = f"{BASE}/callbacks"


async def test_an_agent_offers_a_callback_and_records_the_attempts(client, auth_headers, telephony):
    agent = await auth_headers("agent")
    now = int(time.time())
    body = {
        "phone": "070-777 88 99",
        "answer_group": GROUP,
        "preferred_from": now + 600,
        "preferred_to": now + 3600,
        "notes": "Ringer om färdtjänst",
    }
    response = await client.post(CALLBACKS, json=body, headers=agent)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["phone"] == "+46707778899" and created["preferred_to"]
    listed = await client.get(CALLBACKS, params={"group": GROUP}, headers=agent)
    assert created["id"] in [c["id"] for c in listed.json()]
    row = next(c for c in listed.json() if c["id"] == created["id"])
    assert row["answer_group"] == GROUP and row["outcome"] == "pending"
    assert (row["preferred_from"], row["preferred_to"]) == (now + 600, now + 3600)
    url = f"{CALLBACKS}/{created['id']}/attempt"
    first = await client.post(
        url, json={"outcome": "no_answer", "notes": "Inget svar"}, headers=agent
    )
    assert first.json()["attempts"] == 1 and first.json()["outcome"] == "pending"
    done = await client.post(url, json={"outcome": "reached"}, headers=agent)
    assert done.json()["outcome"] == "reached" and done.json()["attempts"] == 2
    again = await client.post(url, json={"outcome": "reached"}, headers=agent)
    assert again.status_code == 409
    reached = await client.get(CALLBACKS, params={"outcome": "reached"}, headers=agent)
    assert created["id"] in [c["id"] for c in reached.json()]


async def test_a_caller_who_chose_callback_in_the_menu_lands_on_the_list(client, telephony):
    cid, t0 = call_id(), time.time() - 20
    await service.ingest(event(cid, "new", t0, from_number="0707770001", queue=GROUP))
    result = await service.ingest(event(cid, "hangup", t0 + 8, cause="callback"))
    call = await service.get_call("test", cid)
    assert call["outcome"] == "callback" and call["callback_id"] and result.contact


async def test_dialling_needs_a_driver_that_can(client, auth_headers, telephony):
    agent = await auth_headers("agent")
    created = (await client.post(CALLBACKS, json={"phone": "0707770002"}, headers=agent)).json()
    response = await client.post(f"{CALLBACKS}/{created['id']}/dial", headers=agent)
    assert response.status_code == 409  # the webhook driver cannot originate calls
    assert (
        "ring"
        in (
            await client.post(
                f"{CALLBACKS}/{created['id']}/dial", headers={**agent, "Accept-Language": "sv"}
            )
        ).json()["detail"]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "not a phone"},
        {"phone": ""},
        {"phone": "0701234567", "answer_group": "no-such-group"},
        {"phone": "0701234567", "preferred_from": 200, "preferred_to": 100},
        {"phone": "0701234567", "preferred_to": 2**41},
        {"phone": "0701234567", "preferred_to": 1000},
        {"phone": "0701234567", "case": "NO-SUCH-CASE"},
        {"phone": "0701234567", "unknown": True},
    ],
)
async def test_bad_callbacks_are_refused(client, auth_headers, telephony, body):
    response = await client.post(CALLBACKS, json=body, headers=await auth_headers("agent"))
    assert response.status_code in (400, 404), response.text


async def test_bad_list_and_attempt_parameters(client, auth_headers, telephony):
    agent = await auth_headers("agent")
    assert (
        await client.get(CALLBACKS, params={"outcome": "maybe"}, headers=agent)
    ).status_code == 400
    assert (await client.get(CALLBACKS, params={"limit": 0}, headers=agent)).status_code == 400
    assert (await client.get(CALLBACKS, params={"limit": 2**70}, headers=agent)).status_code == 400
    bad = await client.post(f"{CALLBACKS}/1/attempt", json={"outcome": "later"}, headers=agent)
    assert bad.status_code == 400
    missing = await client.post(
        f"{CALLBACKS}/{2**52}/attempt", json={"outcome": "reached"}, headers=agent
    )
    assert missing.status_code == 404
    assert (await client.post(f"{CALLBACKS}/0/dial", headers=agent)).status_code == 400
    registrator = await auth_headers("registrator")
    assert (await client.get(CALLBACKS, headers=registrator)).status_code == 403
