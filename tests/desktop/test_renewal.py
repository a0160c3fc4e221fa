"""Token renewal against a real ``kontakt serve``: the client swaps its token through
``/api/v1/auth/renew`` before it expires (no password kept), two calls at once renew once,
and a token revoked on the server brings the sign-in window back."""

from __future__ import annotations

import asyncio

import httpx
from PySide6.QtWidgets import QApplication

from desktop.api.client import ApiClient
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import AGENT_PASSWORD, until
from tests.desktop.test_contact_flow import sign_in, signed_in


def test_the_client_renews_through_the_renew_endpoint(desk_server, role_users, run):
    server = desk_server

    async def scenario() -> tuple[str, str, list[int]]:
        client = ApiClient(server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        assert not hasattr(client, "_credentials")  # the password is not kept
        first = client.token
        client.expires_at = 0  # about to expire: the next calls renew, two at once once
        await asyncio.gather(client.case_types(), client.get("/api/v1/auth/me"))
        second = client.token
        statuses = []
        for token in (first, second):
            async with httpx.AsyncClient(base_url=server.url) as http:
                me = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            statuses.append(me.status_code)
        await client.sign_out()
        await client.close()
        return first, second, statuses

    first, second, statuses = run(scenario())
    assert first != second
    assert statuses == [401, 200]  # the old token revoked by the renewal, the new one works


def test_a_revoked_token_brings_back_the_sign_in_window(desk_server, role_users, run, qtbot):
    server = desk_server
    desktop = DesktopApp()
    last_window_closed: list[bool] = []  # the application would quit there
    QApplication.instance().lastWindowClosed.connect(lambda: last_window_closed.append(True))

    async def scenario() -> None:
        sign_in(desktop, server, role_users["agent"])
        await signed_in(desktop)  # closed and deleted by the client itself below
        client = desktop.session.client
        await until(lambda: desktop.session.live.connected, what="the live events")
        async with httpx.AsyncClient(base_url=server.url) as http:  # revoked elsewhere
            answer = await http.post(
                "/api/v1/auth/logout", headers={"Authorization": f"Bearer {client.token}"}
            )
        assert answer.status_code == 204
        # the server closes the live socket; reconnecting, renewal is refused: sign in again
        await until(lambda: desktop.main is None, what="the main window to close")
        assert desktop.signin is not None and desktop.signin.isVisible()
        assert "logga in igen" in desktop.signin.message.text().lower()
        assert client.token == ""
        # the sign-in window came up before the main window closed: never a moment without one
        assert last_window_closed == []

    run(scenario())
    qtbot.addWidget(desktop.signin)  # closed after the test, outside the client's loop
