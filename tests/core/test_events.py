"""Live events over the websocket /api/v1/events, against real ``kontakt serve`` processes and
a real websocket client: refused without a token, filtered by permission and by user, closed
when the session ends, and carried between two API processes by Redis pub/sub.

The module's server uses this session's backend: in-memory events on SQLite, Redis pub/sub on
PostgreSQL. The two-process test always configures Redis (it is always available).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from core.audit.tables import AuditEntry
from core.auth import service
from tests.conftest import ROLE_PASSWORD
from tests.support import services

NOTICE = "/api/v1/events/notice"
WAIT = 15  # seconds; generous for a loaded machine, only spent when something is wrong


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime) -> Iterator[services.Process]:
    proc = services.start_server(tmp_path_factory.mktemp("events-server"))
    yield proc
    proc.stop()


def _ws_url(server: services.Process, token: str | None = None) -> str:
    url = server.url.replace("http://", "ws://") + "/api/v1/events"
    return f"{url}?token={token}" if token else url


async def _post(server: services.Process, path: str, body=None, token: str = ""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        return await http.post(path, json=body, headers=headers)


async def _login(server: services.Process, username: str, password: str = ROLE_PASSWORD) -> str:
    body = {"username": username, "password": password}
    response = await _post(server, "/api/v1/auth/login", body)
    assert response.status_code == 200, response.text
    return response.json()["token"]


async def _notice(server: services.Process, token: str, **body) -> httpx.Response:
    return await _post(server, NOTICE, body, token)


async def _open(server: services.Process, token: str, in_query: bool = False) -> ClientConnection:
    """A connected socket that has received its hello (so its subscription is live)."""
    if in_query:
        ws = await connect(_ws_url(server, token), open_timeout=WAIT)
    else:
        ws = await connect(
            _ws_url(server),
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=WAIT,
        )
    hello = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert hello["type"] == "hello"
    return ws


async def _next(ws: ClientConnection) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


@pytest.fixture(scope="module")
async def tokens(server, role_users) -> dict[str, str]:
    """Tokens on the module's server for the roles the tests use."""
    return {role: await _login(server, role_users[role]) for role in ("agent", "supervisor")}


async def test_connection_without_a_valid_token_is_refused(server):
    for url, headers in (
        (_ws_url(server), {}),
        (_ws_url(server, "not-a-token"), {}),
        (_ws_url(server), {"Authorization": "Bearer not-a-token"}),
    ):
        with pytest.raises((InvalidStatus, ConnectionClosed)) as refused:
            async with connect(url, additional_headers=headers, open_timeout=WAIT) as ws:
                await asyncio.wait_for(ws.recv(), WAIT)
        if isinstance(refused.value, InvalidStatus):
            assert refused.value.response.status_code in (401, 403)


async def test_token_in_header_or_query_and_ping(server, tokens):
    for in_query in (False, True):
        ws = await _open(server, tokens["agent"], in_query=in_query)
        await ws.send("ping")
        assert (await _next(ws))["type"] == "pong"
        await ws.close()


async def test_events_follow_the_permission_of_their_type(server, tokens):
    agent = await _open(server, tokens["agent"])
    lead = await _open(server, tokens["supervisor"])
    try:
        tag = uuid.uuid4().hex[:8]
        response = await _notice(
            server, tokens["supervisor"], message=f"leads {tag}", audience="leads"
        )
        assert response.status_code == 202, response.text
        assert (
            await _notice(server, tokens["supervisor"], message=f"all {tag}")
        ).status_code == 202

        first = await _next(lead)
        assert first["type"] == "system.lead_notice"
        assert first["data"] == {"message": f"leads {tag}", "from": "supervisor-user"}
        assert "users" not in first
        assert (await _next(lead))["data"]["message"] == f"all {tag}"
        # the agent lacks events.broadcast: the lead notice never reached it
        only = await _next(agent)
        assert only["type"] == "system.notice" and only["data"]["message"] == f"all {tag}"
    finally:
        await agent.close()
        await lead.close()


async def test_events_narrowed_to_users_reach_only_them(server, tokens, client):
    names = [f"evt-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for name in names:
        await service.create_user("test", name, "Event Tester", ROLE_PASSWORD, ["agent"])
    first, second = [await _open(server, await _login(server, name)) for name in names]
    try:
        tag = uuid.uuid4().hex[:8]
        sent = await _notice(server, tokens["supervisor"], message=f"only {tag}", users=[names[0]])
        assert sent.status_code == 202, sent.text
        assert (
            await _notice(server, tokens["supervisor"], message=f"all {tag}")
        ).status_code == 202
        assert (await _next(first))["data"]["message"] == f"only {tag}"
        assert (await _next(first))["data"]["message"] == f"all {tag}"
        assert (await _next(second))["data"]["message"] == f"all {tag}"
    finally:
        await first.close()
        await second.close()


async def test_socket_closes_when_the_session_ends(server, client):
    name = f"evt-{uuid.uuid4().hex[:8]}"
    await service.create_user("test", name, "Event Tester", ROLE_PASSWORD, ["reception"])
    token = await _login(server, name)
    ws = await _open(server, token)
    logout = await _post(server, "/api/v1/auth/logout", token=token)
    assert logout.status_code == 204
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await _next(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_notice_is_validated_and_audited(server, tokens, role_users):
    assert (await _notice(server, tokens["agent"], message="hello")).status_code == 403
    for body in (
        {"message": ""},
        {"message": "   "},
        {"message": "x" * 501},
        {"message": "hi", "audience": "everybody"},
        {"message": "hi", "users": ["x" * 65]},
        {"message": "hi", "colour": "red"},
        {},
    ):
        response = await _notice(server, tokens["supervisor"], **body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["title"] == "Felaktig begäran"
    tag = uuid.uuid4().hex
    assert (
        await _notice(server, tokens["supervisor"], message=f"audited {tag}")
    ).status_code == 202
    rows = await AuditEntry.select(AuditEntry.actor, AuditEntry.details).where(
        AuditEntry.action == "events.notice"
    )
    mine = [r for r in rows if tag in r["details"]]
    assert len(mine) == 1 and mine[0]["actor"] == role_users["supervisor"]


async def test_two_api_processes_share_events_through_redis(server_factory, role_users):
    redis = {"KONTAKT_REDIS_URL": services.REDIS_URL}
    first = server_factory(redis)
    second = server_factory(redis)
    token_a = await _login(first, role_users["agent"])
    token_b = await _login(second, role_users["supervisor"])
    ws = await _open(first, token_a)
    try:
        tag = uuid.uuid4().hex[:8]
        response = await _notice(second, token_b, message=f"from B {tag}")
        assert response.status_code == 202, response.text
        event = await _next(ws)
        assert event["type"] == "system.notice"
        assert event["data"] == {"message": f"from B {tag}", "from": role_users["supervisor"]}
    finally:
        await ws.close()
