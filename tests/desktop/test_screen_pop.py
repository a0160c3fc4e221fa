"""The telephony panel against a real server with the plugin on: a call event posted to the
plugin's webhook (as the switch does) pops the caller, open cases and latest contacts on the
agent's screen; the panel fills the contact form from the call."""

from __future__ import annotations

import uuid

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.panels.telephony import TelephonyPanel
from desktop.ui.app import DesktopApp
from tests.desktop.conftest import until
from tests.desktop.test_contact_flow import sign_in, signed_in

PLUGIN = "telephony_centrex"
TOKEN = "desktop-test-token-" + uuid.uuid4().hex


@pytest.fixture
async def telephony_on(runtime):
    """The plugin enabled (persisted, migrations run) with its webhook token, for servers
    started afterwards; disabled again at the end."""
    from core.plugin_admin import service
    from core.secrets import keystore
    from plugins.telephony_centrex import runtime as telephony

    keystore.put(telephony.WEBHOOK_TOKEN_SECRET, TOKEN)
    await service.set_enabled("test", PLUGIN, True)
    yield
    await service.set_enabled("test", PLUGIN, False)


def test_a_webhook_call_event_pops_the_caller(
    telephony_on, server_factory, role_users, desk_org, run, qtbot
):
    server = server_factory()
    desktop = DesktopApp()
    agent = role_users["agent"]

    async def scenario() -> None:
        sign_in(desktop, server, agent)
        main = await signed_in(desktop)
        qtbot.addWidget(main)
        panel = next(p for p in main.panels if isinstance(p, TelephonyPanel))
        assert any(main.tabs.tabText(i) == "Telefoni (F7)" for i in range(main.tabs.count()))
        await until(lambda: desktop.session.live.connected, what="the live events")
        form = {
            "event": "newCall",
            "from": desk_org["phone"],
            "to": "0850050000",
            "direction": "in",
            "callId": f"desk-{uuid.uuid4().hex[:10]}",
            "user": agent,
        }
        async with httpx.AsyncClient(base_url=server.url) as http:
            answer = await http.post(
                f"/api/v1/plugins/{PLUGIN}/webhook/centrex",
                data=form,
                headers={"X-Kontakt-Token": TOKEN},
            )
        assert answer.status_code == 200, answer.text + server.log()[-3000:]
        await until(lambda: panel.pop.pop, what="the screen pop")
        assert main.tabs.currentWidget() is panel  # the panel comes forward by itself
        assert panel.headline.text().startswith("Ringer:")
        assert "Astrid Lindqvist" in panel.headline.text()
        QTest.keyClick(
            main,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        assert main.tabs.currentWidget() is main.contact_form
        assert main.contact_model.draft.party_id == desk_org["party"]
        assert main.contact_form.party_chosen.text() == "Astrid Lindqvist"
        assert main.contact_model.draft.call_ref == form["callId"]
        await desktop.session.stop()

    run(scenario())
