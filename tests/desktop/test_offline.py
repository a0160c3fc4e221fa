"""Never lose what was typed: a contact saved while the server is down waits on disk and
arrives exactly once when the server is back; a resend after a lost answer registers nothing
new; the draft survives a crash of the client."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.api.client import ApiClient
from desktop.api.outbox import Outbox
from desktop.ui.app import DesktopApp
from desktop.viewmodels.contact_form import ContactFormModel
from desktop.viewmodels.drafts import DraftStore
from tests.desktop.conftest import AGENT_PASSWORD, admin_http, start_on, type_text, until
from tests.desktop.test_contact_flow import sign_in, signed_in
from tests.support import services


def contacts_with(server, summary: str) -> list[dict]:
    http = admin_http(server)
    try:
        page = http.get("/api/v1/contacts", params={"limit": 200}).json()
    finally:
        http.close()
    return [item for item in page["items"] if item["summary"] == summary]


def test_a_contact_saved_while_the_server_is_down_arrives_once(
    tmp_path, runtime, role_users, run, qtbot, desktop_dir
):
    port = services.free_port()
    server = start_on(port, tmp_path)
    desktop = DesktopApp()
    summary = f"Sparad under avbrottet {uuid.uuid4().hex[:8]}"
    try:

        async def offline_save() -> None:
            sign_in(desktop, server, role_users["agent"])
            main = await signed_in(desktop)
            qtbot.addWidget(main)
            await until(lambda: desktop.session.live.connected, what="the live events")
            server.stop()  # the server goes away while the agent types
            await until(lambda: main.banner.isVisible(), what="the offline banner")
            form = main.contact_form
            form.summary.setFocus()
            type_text(form.summary, summary)
            QTest.keyClick(main, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
            outcome = await until(lambda: form.model.last, what="the save")
            assert outcome.status == "queued"
            assert "skickas när servern svarar" in form.outcome.text()
            assert len(desktop.session.outbox) == 1
            assert "1 kontakter väntar" in main.outbox_label.text()

        run(offline_save())
        saved = list((desktop_dir / role_users["agent"] / "outbox").glob("*.json"))
        assert len(saved) == 1 and summary in saved[0].read_text()

        server = start_on(port, tmp_path)  # back, on the same address

        async def back_online() -> None:
            main = desktop.main
            await until(lambda: not len(desktop.session.outbox), within=30, what="the send")
            await until(lambda: not main.banner.isVisible(), what="the banner to go")
            assert main.outbox_label.text() == ""
            await desktop.session.stop()

        run(back_online(), timeout=60)
        assert len(contacts_with(server, summary)) == 1
    finally:
        server.stop()


def test_a_resend_after_a_lost_answer_registers_nothing_new(
    desk_server, role_users, run, desktop_dir
):
    server = desk_server
    summary = f"Svaret försvann {uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[dict, dict]:
        client = ApiClient(server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        outbox = Outbox(desktop_dir / "outbox")
        entry = outbox.put({"channel": "phone", "summary": summary})
        first = await client.register_contact(entry.body, entry.key)  # answer "lost":
        result = await outbox.flush(client.register_contact)  # the entry is sent again
        await client.sign_out()
        await client.close()
        return first, result.sent[entry.key]

    first, again = run(scenario())
    assert again["contact"]["number"] == first["contact"]["number"]
    assert len(contacts_with(server, summary)) == 1


def test_the_draft_survives_a_crash(desk_server, role_users, run, desktop_dir):
    server = desk_server

    async def scenario() -> str:
        client = ApiClient(server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        drafts = DraftStore(desktop_dir / "draft.json")
        typing = ContactFormModel(client, Outbox(desktop_dir / "outbox"), drafts)
        typing.update(summary="Halvskriven fråga om bygglov", channel="visit")
        del typing  # the client dies here without saving
        after_restart = ContactFormModel(client, Outbox(desktop_dir / "outbox"), drafts)
        assert after_restart.restore()
        await client.close()
        return after_restart.draft.summary + "|" + after_restart.draft.channel

    assert run(scenario()) == "Halvskriven fråga om bygglov|visit"
