"""The wallboard: figures per answer group from real calls, presence and call-backs; its data
endpoint, the live event, and the wall-screen page (axe-core clean in headless Chromium
against a real ``kontakt serve``)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from core.auth import service as auth
from core.org import service as org
from plugins.telephony_centrex import presence, service, wallboard
from tests.conftest import ROLE_PASSWORD
from tests.core.citizen.browser import Browser, axe_source
from tests.plugins.telephony_centrex.conftest import BASE, call_id, event
from tests.support import services

WAIT = 20


@pytest.fixture(scope="module")
async def board(telephony) -> dict[str, str]:
    """A group of its own with one signed-in agent, two callers waiting, one call answered in
    20 s and one abandoned after a minute (which leaves a call-back)."""
    suffix = uuid.uuid4().hex[:6]
    group, agent = f"wb-{suffix}", f"wb-agent-{suffix}"
    await org.save_department("test", f"WB{suffix.upper()}", {"name_sv": "Väggförvaltningen"})
    await org.save_group("test", group, {"name_sv": "Väggtavlegruppen",
                                         "department": f"WB{suffix.upper()}"})  # fmt: skip
    await auth.create_user("test", agent, "Vägg Agent", ROLE_PASSWORD, ["agent"])
    await org.set_members("test", group, [{"username": agent}])
    await presence.set_state(agent, "ready", groups=[group])
    now = time.time()
    for wait in (30, 90):
        await service.ingest(event(call_id("wb"), "new", now - wait, queue=group,
                                   from_number="0701234567"))  # fmt: skip
    answered = call_id("wb")
    await service.ingest(event(answered, "new", now - 300, queue=group, from_number="0702222222"))
    await service.ingest(event(answered, "answer", now - 280, queue=group, user=agent))
    await service.ingest(event(answered, "hangup", now - 200, cause="normalClearing"))
    await presence.wrapped_up(agent, answered)
    gone = call_id("wb")
    await service.ingest(event(gone, "new", now - 160, queue=group, from_number="0703333333"))
    await service.ingest(event(gone, "hangup", now - 100, cause="abandon"))
    return {"group": group, "agent": agent}


def _row(snapshot: dict, group: str) -> dict:
    return next(r for r in snapshot["groups"] if r["answer_group"] == group)


async def test_snapshot_per_group(board) -> None:
    snapshot = await wallboard.snapshot()
    row = _row(snapshot, board["group"])
    assert row["name_sv"] == "Väggtavlegruppen"
    assert row["waiting"] == 2 and 88 <= row["longest_wait_seconds"] <= 120
    assert snapshot["at"] - row["waiting_since"] == row["longest_wait_seconds"]
    assert (row["agents_ready"], row["agents_busy"], row["agents_paused"]) == (1, 0, 0)
    assert (row["offered"], row["answered"], row["abandoned"]) == (2, 1, 1)
    assert (row["service_level"], row["abandon_rate"], row["asa_seconds"]) == (50.0, 50.0, 20.0)
    assert row["callbacks_waiting"] == 1
    assert snapshot["total"]["waiting"] >= 2 and snapshot["service_level_seconds"] == 120


async def test_a_paused_agent_and_an_answered_caller_change_the_board(board) -> None:
    await presence.set_state(board["agent"], "paused", "Lunch", groups=[board["group"]])
    try:
        row = _row(await wallboard.snapshot(), board["group"])
        assert (row["agents_ready"], row["agents_paused"]) == (0, 1)
    finally:
        await presence.set_state(board["agent"], "ready", groups=[board["group"]])


async def test_data_endpoint_permissions_and_bad_input(client, auth_headers, board) -> None:
    url = f"{BASE}/wallboard/data"
    response = await client.get(url, headers=await auth_headers("supervisor"))
    assert response.status_code == 200, response.text
    assert _row(response.json(), board["group"])["waiting"] == 2
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=await auth_headers("it_admin"))).status_code == 403
    bad = await client.get(url, params={"group": "x"}, headers=await auth_headers("agent"))
    assert bad.status_code == 400 and "group" in bad.text


async def test_page_and_its_files(client) -> None:
    page = await client.get(f"{BASE}/wallboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (
        '<html lang="sv">' in page.text
        and "script-src 'self'" in page.headers["content-security-policy"]
    )
    for name, kind in (("wallboard.js", "javascript"), ("wallboard.css", "text/css")):
        response = await client.get(f"{BASE}/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
    assert (await client.get(f"{BASE}/static/nothing.js")).status_code == 404


async def test_publisher_sends_only_changes(board) -> None:
    publisher = wallboard.Publisher(seconds=1)
    now = time.time()
    assert await publisher.publish_if_changed(now)
    # the waits grew by a minute, nothing else changed: the page counts waits up itself
    assert not await publisher.publish_if_changed(now + 60)
    await service.ingest(event(call_id("wb"), "new", time.time(), queue=board["group"]))
    assert await publisher.publish_if_changed()


@pytest.fixture(scope="module")
def server(tmp_path_factory, telephony) -> Iterator[services.Process]:
    proc = services.start_server(
        tmp_path_factory.mktemp("wallboard-server"),
        {"KONTAKT_PLUGIN_TELEPHONY_CENTREX_WALLBOARD_SECONDS": "1"},
    )
    yield proc
    proc.stop()


async def test_live_event_reaches_a_websocket(server, role_users, board) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post("/api/v1/auth/login", json={
            "username": role_users["supervisor"], "password": ROLE_PASSWORD})  # fmt: skip
        token = login.json()["token"]
        url = server.url.replace("http://", "ws://") + "/api/v1/events"
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            await service.ingest(event(call_id("wb"), "new", time.time(), queue=board["group"]))

            async def wallboard_event() -> dict:
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "telephony.wallboard":
                        row = _row(message["data"], board["group"])
                        if row["waiting"] >= 3:
                            return row

            row = await asyncio.wait_for(wallboard_event(), WAIT)
            assert row["agents_ready"] == 1


def test_wall_screen_page_meets_wcag_21_aa(server, role_users, board, tmp_path) -> None:
    source = axe_source()
    browser = Browser(tmp_path / "profile")
    try:
        browser.goto(f"{server.url}{BASE}/wallboard")
        assert browser.evaluate("document.documentElement.lang") == "sv"
        result = browser.axe(source)
        assert result["violations"] == [], f"sign-in: {result['violations']}"
        for rule in ("html-has-lang", "document-title", "color-contrast", "label", "bypass"):
            assert rule in result["passes"], f"sign-in: {rule} did not run"
        browser.evaluate(
            f"document.getElementById('username').value = {json.dumps(role_users['supervisor'])};"
            f"document.getElementById('password').value = {json.dumps(ROLE_PASSWORD)};"
            "document.getElementById('login-form').requestSubmit();"
        )
        deadline = time.monotonic() + WAIT
        expected = "Väggtavlegruppen"
        while expected not in (browser.evaluate("document.getElementById('groups').innerText")
                               or ""):  # fmt: skip
            assert time.monotonic() < deadline, "the board did not fill"
            time.sleep(0.2)
        assert browser.evaluate("document.getElementById('login').hidden")
        # the longest wait is counted up in the page from waiting_since (a caller waits 90 s)
        wait = browser.evaluate(
            "[...document.querySelectorAll('#groups tbody tr')].find(r => r.cells[0].innerText"
            f" === {json.dumps(expected)}).cells[2].innerText"
        )
        minutes, seconds = (int(part) for part in wait.split(":"))
        assert 88 <= minutes * 60 + seconds <= 150, wait
        result = browser.axe(source)
        assert result["violations"] == [], f"board: {result['violations']}"
        for rule in ("color-contrast", "th-has-data-cells", "td-headers-attr"):
            assert rule in result["passes"], f"board: {rule} did not run ({result['passes']})"
    finally:
        browser.close()
