"""Call-back chosen in the talsvar menu: the menu's ``callback`` action, the webhook's ``dtmf``
event and the AMI ``UserEvent`` (KontaktMenu) end the call as "call-back requested" and put it
once on the group's call-back list with the agreed time of the menu's choice."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.db import raw
from plugins.telephony_centrex import service
from tests.plugins.telephony_centrex.ami_peer import AmiPeer, Call
from tests.plugins.telephony_centrex.conftest import BASE, GROUP, call_id
from tests.plugins.telephony_centrex.test_ami import ami_driver

HOOK = f"{BASE}/webhook/centrex"
MESSAGES = f"{BASE}/messages"
MINUTES = 240


@pytest.fixture
async def menu(client, auth_headers, telephony):
    """An active Swedish menu: 1 waits in the group's queue, 2 asks for a call-back."""
    lead = await auth_headers("supervisor")
    body = {
        "kind": "menu",
        "language": "sv",
        "text": "Välkommen. Tryck 1 för att vänta, 2 för att bli uppringd.",
        "menu": [
            {"key": "1", "label": "Vård och omsorg", "group": GROUP},
            {"key": "2", "label": "Bli uppringd", "group": GROUP, "action": "callback",
             "callback_minutes": MINUTES},
        ],
    }  # fmt: skip
    created = await client.post(MESSAGES, json=body, headers=lead)
    assert created.status_code == 201, created.text
    assert created.json()["menu"][1]["action"] == "callback"
    activated = await client.post(f"{MESSAGES}/{created.json()['id']}/activate", headers=lead)
    assert activated.status_code == 200, activated.text
    return activated.json()


async def _callback(callback_id: int) -> dict:
    row = await raw.fetchrow(
        "SELECT cb.phone, cb.preferred_from, cb.preferred_to, cb.outcome, cb.notes, "
        "g.code AS answer_group FROM callback cb "
        "LEFT JOIN answer_group g ON g.id = cb.answer_group WHERE cb.id = ?",
        callback_id,
    )
    assert row is not None
    return dict(row)


async def _pending_for(phone: str) -> int:
    rows = await raw.fetch("SELECT id FROM callback WHERE phone = ? AND outcome = 'pending'", phone)
    return len(rows)


async def _check_requested(source: str, cid: str, phone: str, before: int) -> dict:
    call = await service.get_call(source, cid)
    assert (call["state"], call["outcome"], call["answer_group"]) == ("ended", "callback", GROUP)
    assert call["callback_id"] and call["contact_number"]
    callback = await _callback(call["callback_id"])
    assert (callback["phone"], callback["answer_group"], callback["outcome"]) == (
        phone,
        GROUP,
        "pending",
    )
    window = callback["preferred_to"] - callback["preferred_from"]
    assert window == MINUTES * 60 and callback["preferred_from"] >= before
    assert callback["notes"] == "Uppringaren valde återuppringning i menyn"
    contact = await raw.fetchrow(
        "SELECT summary, channel FROM contact WHERE number = ?", call["contact_number"]
    )
    assert contact["summary"] == "Uppringaren valde återuppringning i menyn"
    assert await _pending_for(phone) == 1
    return call


async def test_a_dtmf_callback_choice_by_webhook_lands_on_the_list_once(client, telephony, menu):
    cid, before = call_id("dtmf"), int(time.time())
    token = {"token": telephony["token"]}
    new = {"event": "newCall", "from": "0707771234", "to": "0850050000", "direction": "in",
           "callId": cid}  # fmt: skip
    assert (await client.post(HOOK, data=new, params=token)).status_code == 200
    dtmf = {"event": "dtmf", "dtmf": "2", "callId": cid, "direction": "in"}
    assert (await client.post(HOOK, data=dtmf, params=token)).status_code == 200
    first = await _check_requested("centrex", cid, "+46707771234", before)
    # the switch's own hang-up, and the dtmf posted again, change nothing
    hangup = {"event": "hangup", "callId": cid, "cause": "normalClearing", "direction": "in"}
    assert (await client.post(HOOK, data=hangup, params=token)).status_code == 200
    assert (await client.post(HOOK, data=dtmf, params=token)).status_code == 200
    again = await _check_requested("centrex", cid, "+46707771234", before)
    assert (again["contact_number"], again["callback_id"]) == (
        first["contact_number"],
        first["callback_id"],
    )
    assert await service.event_count("centrex", cid) == 3


async def test_a_queue_choice_sets_the_group_and_the_call_goes_on(client, telephony, menu):
    cid = call_id("dtmf1")
    token = {"token": telephony["token"]}
    new = {"event": "newCall", "from": "0707771235", "callId": cid, "direction": "in"}
    assert (await client.post(HOOK, data=new, params=token)).status_code == 200
    dtmf = {"event": "dtmf", "dtmf": "1", "callId": cid, "direction": "in"}
    assert (await client.post(HOOK, data=dtmf, params=token)).status_code == 200
    call = await service.get_call("centrex", cid)
    assert (call["state"], call["answer_group"], call["callback_id"]) == ("ringing", GROUP, None)


@pytest.mark.parametrize("digits", ["", "x", "1" * 21])
async def test_a_dtmf_event_without_a_key_is_a_400(client, telephony, digits):
    body = {"event": "dtmf", "dtmf": digits, "callId": call_id("bad"), "direction": "in"}
    response = await client.post(HOOK, data=body, params={"token": telephony["token"]})
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "choice",
    [
        {"key": "2", "label": "Bli uppringd", "action": "callback"},  # no group
        {"key": "2", "label": "X", "group": GROUP, "action": "transfer"},
        {"key": "2", "label": "X", "group": GROUP, "callback_minutes": 60},  # not a call-back
        {"key": "2", "label": "X", "group": GROUP, "action": "callback", "callback_minutes": 1},
    ],
)
async def test_bad_callback_choices_are_refused(client, auth_headers, telephony, choice):
    body = {"kind": "menu", "language": "sv", "menu": [choice]}
    response = await client.post(MESSAGES, json=body, headers=await auth_headers("supervisor"))
    assert response.status_code == 400, response.text


async def test_an_ami_menu_user_event_requests_a_callback(telephony, menu) -> None:
    peer = await AmiPeer().start()
    made = ami_driver(peer.port)
    await made.start(service.ingest)
    try:
        await made.wait_connected()
        before = int(time.time())
        call = Call(caller="0707771236", queue=GROUP)
        choice = {"Event": "UserEvent", "Privilege": "user,all", **call.caller_leg(),
                  "UserEvent": "KontaktMenu", "Digits": "2"}  # fmt: skip
        leave = {"Event": "QueueCallerLeave", "Privilege": "agent,all", **call.caller_leg(),
                 "Queue": GROUP, "Count": "0", "Position": "1"}  # fmt: skip
        hangup = {"Event": "Hangup", "Privilege": "call,all", **call.caller_leg(),
                  "Cause": "16", "Cause-txt": "Normal Clearing"}  # fmt: skip
        await peer.send([*call.joined(), choice, leave, hangup])
        for _ in range(200):
            if made.state.events >= 3:
                break
            await asyncio.sleep(0.02)
        assert made.state.events == 3  # new, dtmf, hangup
        await _check_requested("ami", call.uniqueid, "+46707771236", before)
        # a replay after a reconnect applies once
        await peer.send([choice, hangup])
        await asyncio.sleep(0.2)
        await _check_requested("ami", call.uniqueid, "+46707771236", before)
        assert await service.event_count("ami", call.uniqueid) == 3
    finally:
        await made.stop()
        await peer.close()
