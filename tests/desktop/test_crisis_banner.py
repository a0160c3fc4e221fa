"""The crisis banner and the approved crisis text against a real ``kontakt serve`` with the
crisis mode plugin on: nothing while crisis mode is off; when the crisis team activates an
exercise over the API the banner arrives over the live events (amber, ÖVNING) and the approved
text shows beside the contact form in the language picked; deactivation takes the banner away.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.ui.app import DesktopApp
from desktop.ui.crisis_banner import EXERCISE_STYLE
from tests.conftest import ROLE_PASSWORD
from tests.desktop.conftest import until
from tests.desktop.test_contact_flow import sign_in, signed_in

PLUGIN = "crisis_mode"
BASE = "/api/v1/plugins/crisis_mode"
APPROVER = "kris-desk-andra"


@pytest.fixture
async def crisis_ready(runtime, role_users):
    """The plugin enabled for servers started afterwards, a plan and an approved exercise
    message in Swedish and English; crisis mode ended and the plugin disabled afterwards."""
    from core.auth import service as auth
    from core.plugin_admin import service
    from plugins.crisis_mode.activation import events, plan
    from plugins.crisis_mode.activation import service as crisis
    from plugins.crisis_mode.messages import service as messages

    await service.set_enabled("test", PLUGIN, True)
    try:
        await auth.get_user(APPROVER)
    except Exception:
        await auth.create_user("test", APPROVER, "Kris Andra", ROLE_PASSWORD, ["crisis_team"])
    suffix = uuid.uuid4().hex[:6]
    draft = messages.DraftInput(
        texts=[
            messages.TextInput("sv", f"Koka vattnet {suffix}", "Bakterier i vattnet.", "Koka."),
            messages.TextInput("en", f"Boil the water {suffix}", "Bacteria in the water.", "Boil."),
        ],
        exercise=True,
    )
    version = await messages.create_draft(role_users["crisis_team"], draft)
    await messages.approve(APPROVER, version["id"])
    await plan.save("test", [{"kind": "opening_hours"}])
    yield {"suffix": suffix, "team": role_users["crisis_team"]}
    if await events.current() is not None:
        await crisis.deactivate("test", "test ended")
    await service.set_enabled("test", PLUGIN, False)


def test_the_banner_and_the_approved_text_follow_crisis_mode(
    crisis_ready, server_factory, role_users, run, qtbot
):
    server = server_factory()
    desktop = DesktopApp()

    async def scenario() -> dict:
        sign_in(desktop, server, role_users["agent"])
        main = await signed_in(desktop)
        qtbot.addWidget(main)
        banner = main.crisis_banner
        text = banner.approved_text
        await until(lambda: banner.model.loaded, what="the crisis state")
        assert not banner.isVisibleTo(main) and not text.isVisibleTo(main)

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            login = {"username": crisis_ready["team"], "password": ROLE_PASSWORD}
            token = (await http.post("/api/v1/auth/login", json=login)).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            body = {"reason": "Bakterier i dricksvattnet", "level": "heightened",
                    "exercise": True}  # fmt: skip
            sent = time.perf_counter()
            answer = await http.post(f"{BASE}/activate", json=body, headers=headers)
            assert answer.status_code == 201, answer.text
            await until(lambda: banner.isVisibleTo(main), what="the banner")
            seconds = time.perf_counter() - sent
            assert banner.text() == (
                "ÖVNING – KRISLÄGE – Höjd beredskap i kontaktcenter: Bakterier i dricksvattnet"
            )
            assert banner.styleSheet() == EXERCISE_STYLE
            assert banner.accessibleName() == "Krisläge"

            await until(lambda: text.isVisibleTo(main) and text.language.count() == 2,
                        what="the approved text")  # fmt: skip
            assert text.title() == "Godkänd krisinformation"
            shown = text.text.toPlainText()
            assert f"Koka vattnet {crisis_ready['suffix']}" in shown and "ÖVNING" in shown
            assert f"godkänd av {APPROVER}" in shown
            QTest.keyClick(main, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)  # Språk för te&xten
            assert text.language.hasFocus()
            while text.language.currentData() != "en":
                QTest.keyClick(text.language, Qt.Key.Key_Down)
            assert f"Boil the water {crisis_ready['suffix']}" in text.text.toPlainText()

            answer = await http.post(
                f"{BASE}/deactivate", json={"reason": "Övningen är slut"}, headers=headers
            )
            assert answer.status_code == 200, answer.text
            await until(lambda: not banner.isVisibleTo(main), what="the banner to go")
            assert not text.isVisibleTo(main)
        await desktop.session.stop()
        return {"seconds": seconds}

    done = run(scenario(), timeout=90)
    assert done["seconds"] < 5  # live, not a poll (the bench measures it under load)
