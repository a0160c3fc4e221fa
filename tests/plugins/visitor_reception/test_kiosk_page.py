"""The kiosk page against a real ``kontakt serve``: WCAG 2.1 AA (axe-core in headless
Chromium, 0 violations) in Swedish and English, the skip link first for the keyboard, and a
visitor checking in through the page while the host's websocket gets the live event."""

from __future__ import annotations

import asyncio
import json

import httpx
from websockets.asyncio.client import connect

from tests.conftest import ROLE_PASSWORD
from tests.core.citizen.browser import Browser, axe_source
from tests.plugins.visitor_reception.conftest import BASE
from tests.support.accessibility import assert_accessible, wait_for

WAIT = 20


async def test_the_kiosk_page_is_accessible_and_checks_a_visitor_in(
    reception, server_factory, tmp_path
):
    server = server_factory()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "vr-host", "password": ROLE_PASSWORD}
        )
    assert login.status_code == 200, login.text
    ws_url = server.url.replace("http://", "ws://") + "/api/v1/events"
    ws = await connect(
        ws_url, additional_headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    source = axe_source()
    browser = Browser(tmp_path / "profile")
    try:
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "hello"
        page = f"{server.url}{BASE}/page"
        browser.goto(f"{page}?lang=en")
        assert browser.evaluate("document.documentElement.lang") == "en"
        assert "public interest" in browser.evaluate("document.body.innerText")
        assert_accessible(browser, source, "kiosk (en)")

        token = reception["kiosk"]["token"]
        browser.goto(f"{page}?lang=sv#token={token}")
        assert browser.evaluate("document.documentElement.lang") == "sv"
        assert browser.evaluate("location.hash") == ""  # the token left the address bar
        assert "allmänt intresse" in browser.evaluate("document.body.innerText")
        assert_accessible(browser, source, "kiosk (sv)")
        browser.press_tab()
        assert browser.evaluate("document.activeElement.className") == "skip-link"

        browser.evaluate(
            "document.getElementById('visitor_name').value = 'Greta Grön';"
            "document.getElementById('purpose').value = 'Möte om bygglov';"
            "document.getElementById('needs_assistance').checked = true;"
            "const q = document.getElementById('host_query'); q.value = 'Bygglov';"
            "q.dispatchEvent(new Event('input'));"
        )
        wait_for(browser, "document.querySelector('input[name=host]')")
        assert_accessible(browser, source, "kiosk with host choices")
        browser.evaluate(
            "document.querySelector('input[name=host]').checked = true;"
            "document.getElementById('checkin').requestSubmit();"
        )
        status = wait_for(
            browser, "document.getElementById('status').textContent.includes('B') &&"
            " document.getElementById('status').textContent"
        )  # fmt: skip
        assert str(status).startswith("Välkommen! Ditt besöksnummer är B")
        number = str(status).rsplit(" ", 1)[1]
        assert_accessible(browser, source, "kiosk after check-in")

        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            if message["type"] == "reception.visitor_arrived":
                break
        assert message["data"]["number"] == number
        assert message["data"]["visitor_name"] == "Greta Grön"
        assert message["data"]["needs_assistance"] is True
    finally:
        browser.close()
        await ws.close()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "reception-user", "password": ROLE_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        inside = (await http.get(f"{BASE}/visits/inside", headers=headers)).json()["items"]
        assert number in [v["number"] for v in inside]
        assert (await http.post(f"{BASE}/visits/{number}/sign-out", headers=headers)).is_success
