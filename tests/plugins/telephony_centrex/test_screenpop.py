"""Screen pop over a real websocket of a real ``kontakt serve``: the ringing and the
answering agent get the caller's party, open cases, latest contacts and articles; protected
identity and secret cases stay hidden; anonymous callers pop too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from core import db
from core.auth.service import Principal
from core.cases import service as cases
from core.parties.service import create_party
from plugins.telephony_centrex import screenpop
from tests.conftest import ROLE_PASSWORD
from tests.plugins.telephony_centrex.conftest import BASE, GROUP, call_id
from tests.support import services

WAIT = 15


@pytest.fixture(scope="module")
def server(tmp_path_factory, telephony) -> Iterator[services.Process]:
    proc = services.start_server(tmp_path_factory.mktemp("telephony-server"))
    yield proc
    proc.stop()


async def _login(server: services.Process, username: str) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": username, "password": ROLE_PASSWORD}
        )
    assert response.status_code == 200, response.text
    return response.json()["token"]


async def _open(server: services.Process, token: str) -> ClientConnection:
    url = server.url.replace("http://", "ws://") + "/api/v1/events"
    ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"})
    assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "hello"
    return ws


async def _pop(ws: ClientConnection) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if message["type"] == "telephony.screen_pop":
            return message


async def _post(server: services.Process, token: str, body: dict) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        return await http.post(
            f"{BASE}/webhook/centrex", json=body, headers={"X-Kontakt-Token": token}
        )


async def _party(name: str, phone: str, protected: bool = False) -> int:
    async with db.transaction():
        return await create_party(
            "test",
            {"kind": "person", "name": name, "phone": phone, "protected_identity": protected},
        )


async def test_ringing_and_answering_agent_get_the_pop(server, telephony, role_users):
    agent = role_users["agent"]
    party = await _party("Bo Ringer", "+46706660001")
    principal = Principal(1, "admin", "Admin", ("it_admin",), frozenset({"contacts.register"}))
    opened = await cases.register_contact(
        principal,
        cases.ContactInput(
            channel="phone",
            party_id=party,
            open_case=True,
            case_type=None or await _any_case_type(),
            subject="Trasig lampa",
        ),
    )
    ws = await _open(server, await _login(server, agent))
    other = await _open(server, await _login(server, role_users["supervisor"]))
    try:
        cid = call_id("pop")
        body = {
            "event": "newCall",
            "from": "070-666 00 01",
            "to": "0850050000",
            "direction": "in",
            "callId": cid,
            "queue": GROUP,
            "user": agent,
        }
        assert (await _post(server, telephony["token"], body)).status_code == 200
        pop = await _pop(ws)
        data = pop["data"]
        assert data["kind"] == "ringing" and data["call"]["caller"] == "+46706660001"
        assert [p["name"] for p in data["parties"]] == ["Bo Ringer"]
        assert opened["case"]["number"] in [c["number"] for c in data["open_cases"]]
        assert opened["contact"]["number"] in [c["number"] for c in data["contacts"]]
        answer = {"event": "answer", "callId": cid, "user": agent, "direction": "in"}
        assert (await _post(server, telephony["token"], answer)).status_code == 200
        answered = await _pop(ws)
        assert answered["data"]["kind"] == "answered" and answered["data"]["call"]["agent"] == agent
        # the supervisor may see pops but neither rings nor sits in the group: only a pong
        await other.send("ping")
        seen = []
        while not seen or seen[-1] != "pong":
            seen.append(json.loads(await asyncio.wait_for(other.recv(), WAIT))["type"])
        assert "telephony.screen_pop" not in seen and "telephony.presence" in seen
    finally:
        await ws.close()
        await other.close()


async def _any_case_type() -> str:
    from core.org import service as org

    await org.save_case_type(
        "test", "tel-lampa", {"name_sv": "Gatubelysning", "department": "TELDEP"}
    )
    return "tel-lampa"


async def test_protected_identity_and_secret_cases_stay_hidden(telephony):
    party = await _party("Hemlig Person", "+46706660002", protected=True)
    pop = await screenpop.build({"caller": "+46706660002", "answer_group": GROUP}, "new")
    assert pop["parties"] == [
        {"id": party, "kind": "person", "protected_identity": True, "name": "Skyddad identitet"}
    ]
    assert pop["open_cases"] == [] and pop["contacts"] == []
    open_party = await _party("Öppen Person", "+46706660003")
    principal = Principal(1, "admin", "Admin", ("it_admin",), frozenset({"contacts.register"}))
    result = await cases.register_contact(
        principal,
        cases.ContactInput(
            channel="phone",
            party_id=open_party,
            open_case=True,
            case_type=await _any_case_type(),
            subject="Hemligt",
            secret=True,
        ),
    )
    pop = await screenpop.build({"caller": "+46706660003", "answer_group": GROUP}, "new")
    assert pop["secret_cases"] == 1 and pop["open_cases"] == []
    assert result["contact"]["number"] not in [c["number"] for c in pop["contacts"]]


async def test_anonymous_callers_pop_to_the_group(telephony, role_users):
    from plugins.telephony_centrex import presence

    await presence.set_state(role_users["agent"], "ready", groups=[GROUP])
    call = {"caller": "", "answer_group": GROUP, "agent": None}
    pop = await screenpop.build(call, "new")
    assert pop["anonymous"] is True and pop["parties"] == []
    assert role_users["agent"] in await screenpop.recipients(call, "new", None)
    await presence.set_state(role_users["agent"], "offline")
    assert await screenpop.recipients(call, "new", None) == []
