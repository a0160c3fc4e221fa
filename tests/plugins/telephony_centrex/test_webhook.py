"""The generic CTI webhook (Zammad/sipgate shape): token, form and JSON, actions, bad input."""

from __future__ import annotations

import pytest

from core.db import raw
from plugins.telephony_centrex import runtime, service
from tests.plugins.telephony_centrex.conftest import BASE, GROUP, call_id

HOOK = f"{BASE}/webhook/centrex"


async def _stored(cid: str) -> int:
    rows = await raw.fetch("SELECT id FROM telephony_call_event WHERE call_id = ?", cid)
    return len(rows)


async def test_form_posts_in_sipgate_shape_make_a_call(client, telephony):
    cid = call_id("form")
    form = {
        "event": "newCall",
        "from": "4970123456",
        "to": "0850050000",
        "direction": "in",
        "callId": cid,
        "queue": GROUP,
        "user[]": telephony["agent"],
    }
    response = await client.post(HOOK, data=form, params={"token": telephony["token"]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response></Response>" in response.text
    answer = {"event": "answer", "callId": cid, "user": telephony["agent"], "direction": "in"}
    headers = {"X-Kontakt-Token": telephony["token"]}
    assert (await client.post(HOOK, data=answer, headers=headers)).status_code == 200
    hangup = {"event": "hangup", "callId": cid, "cause": "normalClearing", "direction": "in"}
    bearer = {"Authorization": f"Bearer {telephony['token']}"}
    assert (await client.post(HOOK, data=hangup, headers=bearer)).status_code == 200
    call = await service.get_call("centrex", cid)
    assert call["caller"] == "+4970123456" and call["called"] == "+46850050000"
    assert (call["state"], call["outcome"], call["agent"]) == ("ended", "answered", "agent-user")
    assert await _stored(cid) == 3


async def test_json_posts_in_zammad_shape_are_answered_in_json(client, telephony):
    cid = call_id("json")
    body = {
        "event": "newCall",
        "from": "0701230000",
        "to": "0850050000",
        "direction": "in",
        "callId": cid,
        "queue": GROUP,
    }
    headers = {"X-Kontakt-Token": telephony["token"]}
    response = await client.post(HOOK, json=body, headers=headers)
    assert response.status_code == 200 and response.json() == {}
    repeated = await client.post(HOOK, json=body, headers=headers)
    assert repeated.status_code == 200 and await _stored(cid) == 1
    hangup = {"event": "hangup", "callId": cid, "cause": "cancel", "direction": "in"}
    assert (await client.post(HOOK, json=hangup, headers=headers)).status_code == 200
    assert (await service.get_call("centrex", cid))["outcome"] == "abandoned"


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
async def test_a_wrong_or_missing_token_is_refused_and_stores_nothing(client, telephony, token):
    cid = call_id("token")
    body = {"event": "newCall", "from": "0701230000", "callId": cid, "direction": "in"}
    headers = {"X-Kontakt-Token": token} if token is not None else {}
    response = await client.post(HOOK, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await _stored(cid) == 0
    by_query = await client.post(HOOK, json=body, params={"token": "nope"})
    assert by_query.status_code == 401 and await _stored(cid) == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"event": "newCall", "callId": ', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"event": "ring", "callId": "x1"}', "application/json"),
        (b'{"event": "newCall"}', "application/json"),
        (b'{"event": "newCall", "callId": "x2", "direction": "up"}', "application/json"),
        (b'{"event": "newCall", "callId": "x3", "from": "abc"}', "application/json"),
        (b'{"event": "newCall", "callId": "x4", "from": {"a": 1}}', "application/json"),
        (b"event=newCall&callId=x5&from=12ab34", "application/x-www-form-urlencoded"),
        (b"<xml/>", "text/xml"),
        (b"\xff\xfe", "application/json"),
    ],
)
async def test_malformed_events_get_a_400_problem(client, telephony, body, content_type):
    headers = {
        "X-Kontakt-Token": telephony["token"],
        "Content-Type": content_type,
        "Accept-Language": "sv",
    }
    response = await client.post(HOOK, content=body, headers=headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["status"] == 400 and problem["detail"]


async def test_bad_source_and_unknown_query_parameter(client, telephony):
    headers = {"X-Kontakt-Token": telephony["token"]}
    body = {"event": "newCall", "callId": call_id(), "direction": "in"}
    assert (
        await client.post(f"{BASE}/webhook/Bad%20Source", json=body, headers=headers)
    ).status_code == 400
    unknown = await client.post(HOOK, json=body, headers=headers, params={"foo": "1"})
    assert unknown.status_code == 400


async def test_overflow_and_reject_actions(client, telephony, monkeypatch):
    headers = {"X-Kontakt-Token": telephony["token"]}
    monkeypatch.setitem(runtime.CONFIG, "overflow_number", "+46812345678")
    monkeypatch.setitem(runtime.CONFIG, "overflow_queue_length", 2)
    monkeypatch.setitem(runtime.CONFIG, "reject_numbers", "+46709990000")
    group = "tel-overflow"
    from core.org import service as org

    await org.save_group("test", group, {"name_sv": "Överflöd"})
    first, second, third = call_id(), call_id(), call_id()
    for cid in (first, second):
        body = {"event": "newCall", "from": "0701110000", "callId": cid, "queue": group}
        assert (await client.post(HOOK, json=body, headers=headers)).json() == {}
    body = {"event": "newCall", "from": "0701110000", "callId": third, "queue": group}
    assert (await client.post(HOOK, json=body, headers=headers)).json() == {
        "action": "dial",
        "number": "+46812345678",
    }
    assert (await service.get_call("centrex", third))["overflowed"] is True
    form = {"event": "newCall", "from": "0709990000", "callId": call_id(), "queue": group}
    xml = await client.post(HOOK, data=form, headers=headers)
    assert '<Reject reason="busy" />' in xml.text
