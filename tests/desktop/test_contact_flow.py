"""Against a real ``kontakt serve``: sign in, type a contact with the keyboard alone, see it
on the server, see its case in the list with its SLA timer ticking, open it with Enter and
forward it with a reason; every control has an accessible name."""

from __future__ import annotations

import time
import uuid

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.ui.app import DesktopApp
from desktop.ui.case_table import SLA_COLUMN
from desktop.ui.case_view import CaseWindow
from tests.desktop.conftest import AGENT_PASSWORD, admin_http, type_text, until


def sign_in(desktop: DesktopApp, server, username: str) -> None:
    """Type the sign-in form and press Enter (the server field starts focused)."""
    window = desktop.show_sign_in()
    window.address.clear()
    window.username.clear()
    QTest.keyClicks(window.address, server.url)
    QTest.keyClicks(window.username, username)
    QTest.keyClicks(window.password, AGENT_PASSWORD)
    QTest.keyClick(window.password, Qt.Key.Key_Return)


async def signed_in(desktop: DesktopApp):
    return await until(lambda: desktop.main, what="the main window")


async def open_panel_tab(
    desktop: DesktopApp, server, username: str, qtbot, kind: type, tab: str, *keys
):
    """Sign ``username`` in, wait for the live events, open the panel of class ``kind``, named
    ``tab``, with its shortcut ``keys`` (``QTest.keyClick``'s key and modifiers); the main
    window and the panel."""
    sign_in(desktop, server, username)
    main = await signed_in(desktop)
    qtbot.addWidget(main)
    panel = next(p for p in main.panels if isinstance(p, kind))
    assert any(main.tabs.tabText(i) == tab for i in range(main.tabs.count()))
    await until(lambda: desktop.session.live.connected, what="the live events")
    await until(main.isActiveWindow, what="the main window active")
    QTest.keyClick(main, *keys)
    assert main.tabs.currentWidget() is panel
    return main, panel


def test_an_agent_registers_a_contact_with_the_keyboard(
    desk_server, role_users, desk_org, run, qtbot
):
    server = desk_server
    desktop = DesktopApp()
    summary = f"Frågade om skolskjuts till Björkskolan {uuid.uuid4().hex[:6]}"

    async def scenario() -> dict:
        sign_in(desktop, server, role_users["agent"])
        main = await signed_in(desktop)
        qtbot.addWidget(main)
        form = main.contact_form
        assert "Logga in" not in main.windowTitle()
        await until(lambda: form.case_type.count() > 1, what="the case types")
        await until(lambda: desktop.session.live.connected, what="the live events")
        # Alt+T (Ärende&typ) moves to the case type; arrow keys choose one
        QTest.keyClick(main, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
        assert form.case_type.hasFocus()
        while form.case_type.currentData() != desk_org["case_type"]:
            QTest.keyClick(form.case_type, Qt.Key.Key_Down)
        # passing other case types on the way loads their articles first: wait for this one's
        titles = desk_org["titles"].values()
        await until(
            lambda: all(title in form.support.toPlainText() for title in titles),
            what="the case type's script, checklist and FAQ",
        )
        QTest.keyClick(main, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # &Sammanfattning
        assert form.summary.hasFocus()
        type_text(form.summary, summary)
        QTest.keyClick(form.summary, Qt.Key.Key_Tab)  # Tab leaves the summary
        QTest.keyClick(main, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # Ä&rende
        QTest.keyClick(form.mode, Qt.Key.Key_Down)  # "Öppna ett ärende"
        await until(lambda: form.model.draft.mode == "open", what="the draft to follow")
        QTest.keyClick(main, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        outcome = await until(
            lambda: form.model.last and form.model.last.status != "queued" and form.model.last,
            what="the registration",
        )
        assert outcome.status == "sent", outcome.message
        assert "Registrerad som" in form.outcome.text()
        assert form.summary.toPlainText() == ""  # cleared for the next call
        return outcome.answer

    answer = run(scenario())
    number = answer["contact"]["number"]
    case_number = answer["case"]["number"]
    http = admin_http(server)
    contact = http.get(f"/api/v1/contacts/{number}").json()
    assert contact["summary"] == summary
    assert contact["channel"] == "phone"
    case = http.get(f"/api/v1/cases/{case_number}").json()
    assert case["case_type"] == desk_org["case_type"]
    http.close()

    async def timers() -> None:
        main = desktop.main
        QTest.keyClick(main, Qt.Key.Key_F3)
        assert main.tabs.currentWidget() is main.case_lists
        table = main.case_lists.tables[0]  # Mina ärenden
        model = table.model()

        def row_of_case():
            for row in range(model.rowCount()):
                if model.row(row)["number"] == case_number:
                    return row + 1
            return 0

        row = await until(row_of_case, what="the new case in my list") - 1
        first = model.data(model.index(row, SLA_COLUMN))
        assert first and ":" in first
        started = time.monotonic()
        await until(lambda: model.data(model.index(row, SLA_COLUMN)) != first, within=3)
        assert time.monotonic() - started < 2.5

        # Enter opens the case; forward it to the department with a reason, keyboard only
        table.setFocus()
        table.setCurrentIndex(model.index(row, 0))
        QTest.keyClick(table, Qt.Key.Key_Return)
        window = await until(lambda: main.findChildren(CaseWindow), what="the case window")
        window = window[0]
        window.activateWindow()
        await until(lambda: window.model.case, what="the case")
        QTest.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)  # &Vidarebefordra
        assert window.forward_kind.hasFocus()
        while window.forward_kind.currentData() != "department":
            QTest.keyClick(window.forward_kind, Qt.Key.Key_Down)
        QTest.keyClick(window.forward_kind, Qt.Key.Key_Tab)
        assert window.forward_target.hasFocus()
        QTest.keyClicks(window.forward_target, desk_org["department"])
        QTest.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # &Motivering
        type_text(window.forward_reason, "Beslut om skolskjuts fattas av förvaltningen")
        QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: window.message.text() == "Vidarebefordrat.", what="the forward")
        unnamed = [
            type(widget).__name__
            for widget in main.findChildren(QWidget) + window.findChildren(QWidget)
            if widget.isVisible()
            and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
            and isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QPlainTextEdit)
            and not widget.accessibleName()
            and not (isinstance(widget, QAbstractButton) and widget.text())
        ]
        assert unnamed == [], "controls without an accessible name"
        window.close()
        await desktop.session.stop()

    run(timers())
    http = admin_http(server)
    case = http.get(f"/api/v1/cases/{case_number}").json()
    http.close()
    assert case["assignee"] == {"kind": "department", "target": desk_org["department"]}
