"""The visitor reception panel against a real server with the plugin on: visitors checked in
at the kiosk over HTTP appear inside, the desk signs one out and runs the evacuation roll call
with the keyboard (ticks reach the server, ticks from elsewhere arrive live), the offline copy
is kept on disk with its refresh time, the reception registers a visitor on their behalf, and a
host is told when their visitor arrives."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from desktop.panels.reception import OFFLINE_SECONDS, ReceptionPanel
from desktop.ui.app import DesktopApp
from desktop.ui.visit_table import VisitTable
from tests.desktop.conftest import (
    RECEPTION_BASE,
    kiosk_check_in,
    type_text,
    until,
    user_http,
)
from tests.desktop.test_contact_flow import open_panel_tab, sign_in, signed_in

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def press(widget, key: Qt.Key, modifiers=CTRL_SHIFT) -> None:
    QTest.keyClick(widget, key, modifiers)


def choose(table: VisitTable, number: str) -> None:
    """Move to ``number``'s row with the arrow keys."""
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_Home)
    for _ in range(table.visits.rowCount()):
        if table.selected_number() == number:
            return
        QTest.keyClick(table, Qt.Key.Key_Down)
    assert table.selected_number() == number, f"{number} not in the list"


def numbers(table: VisitTable) -> list[str]:
    return [table.visits.key(visit) for visit in table.visits.rows]


def cells(table: VisitTable) -> str:
    model = table.visits
    return " | ".join(
        str(model.data(model.index(r, c)))
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    )


async def open_panel(desktop: DesktopApp, server, username: str, qtbot):
    tab = "Besökare (F12)"
    return await open_panel_tab(
        desktop, server, username, qtbot, ReceptionPanel, tab, Qt.Key.Key_F12
    )


def test_the_desk_signs_out_and_runs_the_roll_call(
    reception_server, role_users, desktop_dir, run, qtbot
):
    server, token = reception_server["server"], reception_server["kiosk_token"]
    suffix = uuid.uuid4().hex[:6]
    greta = kiosk_check_in(server, token, reception_server["host"]["id"], f"Greta Gran {suffix}")
    hugo = kiosk_check_in(
        server,
        token,
        reception_server["host"]["id"],
        f"Hugo Holm {suffix}",
        organisation="Ekeby Bygg AB",
        needs_assistance=True,
    )
    secret = kiosk_check_in(
        server, token, reception_server["social"]["id"], f"Sonja Skyddad {suffix}"
    )
    desk = user_http(server, role_users["reception"])
    desktop = DesktopApp()

    async def scenario() -> None:
        main, panel = await open_panel(desktop, server, role_users["reception"], qtbot)
        await until(lambda: hugo["number"] in numbers(panel.inside), what="the inside list")
        assert {greta["number"], secret["number"]} <= set(numbers(panel.inside))
        # a protected visit as the server gives it: no name, no organisation, no purpose
        shown = cells(panel.inside)
        assert f"Greta Gran {suffix}" in shown and "Ekeby Bygg AB" in shown
        assert "Sonja Skyddad" not in shown and "Skyddat besök" in shown

        # sign Greta out from the panel: the server has her out, by the reception
        choose(panel.inside, greta["number"])
        press(main, Qt.Key.Key_O)
        await until(lambda: greta["number"] not in numbers(panel.inside), what="the sign-out")
        visit = desk.get(f"{RECEPTION_BASE}/visits/{greta['number']}").json()
        assert visit["status"] == "out" and visit["checkout_kind"] == "reception"

        # the roll call, started from the panel with a reason typed after Alt+S (Or&sak)
        QTest.keyClick(main, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
        assert panel.reason.hasFocus()
        type_text(panel.reason, "Brandövning")
        press(main, Qt.Key.Key_E)
        await until(  # a roll call of earlier tests may be the latest before this one
            lambda: (panel.model.roll or {}).get("roll_call", {}).get("reason") == "Brandövning",
            what="the roll call",
        )
        await until(lambda: hugo["number"] in numbers(panel.unaccounted), what="the list")
        latest = desk.get(f"{RECEPTION_BASE}/roll-calls/latest").json()
        assert latest["roll_call"]["reason"] == "Brandövning"
        assert latest["roll_call"]["id"] == panel.model.roll["roll_call"]["id"]
        assert {hugo["number"], secret["number"]} <= {p["number"] for p in latest["people"]}
        assert greta["number"] not in numbers(panel.unaccounted)
        assert f"Sonja Skyddad {suffix}" in cells(panel.unaccounted)  # the server shows it here
        assert panel.unaccounted.visits.rows[0]["needs_assistance"]  # assistance first
        assert "Närvarolistan startades" in panel.counts.text()

        # tick Hugo off as safe from the panel: it reaches the server
        choose(panel.unaccounted, hugo["number"])
        press(main, Qt.Key.Key_M)
        await until(lambda: hugo["number"] in numbers(panel.safe_list), what="the tick")
        people = {
            p["number"]: p for p in desk.get(f"{RECEPTION_BASE}/roll-calls/latest").json()["people"]
        }
        assert (
            people[hugo["number"]]["safe_at"]
            and people[hugo["number"]]["safe_by"] == (role_users["reception"])
        )
        assert hugo["number"] not in numbers(panel.unaccounted)

        # a tick at another desk (over the API) arrives live
        roll_id = latest["roll_call"]["id"]
        other = user_http(server, role_users["crisis_team"])
        ticked = other.put(
            f"{RECEPTION_BASE}/roll-calls/{roll_id}/safe/{secret['number']}", json={"safe": True}
        )
        assert ticked.status_code == 200, ticked.text
        await until(lambda: secret["number"] in numbers(panel.safe_list), what="the live tick")
        assert secret["number"] not in numbers(panel.unaccounted)

        # the offline copy on disk, with its refresh time, refreshed by the minute timer
        path = panel.model.offline_file
        assert path.is_relative_to(desktop_dir)
        await until(lambda: path.exists() and "Hugo Holm" in path.read_text(), what="the copy")
        assert panel.offline_timer.interval() == OFFLINE_SECONDS * 1000
        assert panel.offline_timer.isActive()
        first = panel.model.offline_refreshed
        await asyncio.sleep(1.1)
        panel.offline_timer.timeout.emit()
        await until(lambda: panel.model.offline_refreshed != first, what="the refresh")
        page = path.read_text(encoding="utf-8")
        stamp = re.search(r'<meta name="kontakt-refreshed" content="([^"]+)"', page).group(1)
        refreshed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert abs(refreshed.timestamp() - time.time()) < 30
        assert "Reservkopia, senast uppdaterad" in page
        assert f"Hugo Holm {suffix}" in page and "<script" not in page
        assert "Reservkopian uppdaterades" in panel.offline_state.text()

        # the button opens it inside the client
        press(main, Qt.Key.Key_K)
        dialog = panel.offline_dialog
        assert dialog.isVisible() and f"Hugo Holm {suffix}" in dialog.page.toPlainText()
        dialog.accept()

        # the reminder the plugin's job sends the desk when a host has not acknowledged (the
        # event as acknowledge.py publishes it; the job runs in the worker, not in this server)
        panel.on_event(
            {
                "type": "reception.host_not_acknowledged",
                "data": {"visit_number": hugo["number"], "host": "Vilma Värd", "minutes": 10,
                         "location": "Plan 2", "checked_in_at": 0},
            }
        )  # fmt: skip
        assert panel.message.text() == (
            f"Vilma Värd har inte bekräftat besök {hugo['number']} inom 10 minuter. "
            "Besökaren väntar vid: Plan 2."
        )
        assert main.statusBar().currentMessage() == panel.message.text()

        # every control of the panel a user can reach has an accessible name
        from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit

        kinds = QAbstractButton | QComboBox | QLineEdit | QAbstractItemView
        unnamed = [
            type(widget).__name__
            for widget in panel.findChildren(QWidget)
            if isinstance(widget, kinds)
            and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
            and not widget.accessibleName()
        ]
        assert unnamed == []
        await desktop.session.stop()

    run(scenario(), timeout=90)


def test_the_reception_registers_a_visitor_for_them(reception_server, role_users, run, qtbot):
    server = reception_server["server"]
    host = reception_server["host"]
    visitor = f"Ines Ivarsson {uuid.uuid4().hex[:6]}"
    desktop = DesktopApp()

    async def scenario() -> None:
        main, panel = await open_panel(desktop, server, role_users["reception"], qtbot)
        QTest.keyClick(main, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)  # &Värd
        assert panel.host_query.hasFocus()
        type_text(panel.host_query, "vilma " + host["name"].split()[-1])
        QTest.keyClick(panel.host_query, Qt.Key.Key_Return)
        await until(lambda: "hittades" in panel.message.text(), what="the host search")
        assert panel.host.count() == 1, panel.message.text()
        assert panel.host.currentData() == host["id"]
        QTest.keyClick(main, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
        assert panel.visitor.hasFocus()
        type_text(panel.visitor, visitor)
        QTest.keyClick(main, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
        type_text(panel.purpose, "Bygglovsmöte")
        press(main, Qt.Key.Key_I)
        await until(lambda: "är registrerad" in panel.message.text(), what="the registration")
        number = panel.message.text().split()[0]
        await until(lambda: number in numbers(panel.inside), what="the new visit inside")
        http = user_http(server, role_users["supervisor"])
        visit = http.get(f"{RECEPTION_BASE}/visits/{number}").json()
        assert visit["visitor_name"] == visitor and visit["status"] == "inside"
        assert visit["host"]["id"] == host["id"] and visit["purpose"] == "Bygglovsmöte"
        assert panel.visitor.text() == ""
        await desktop.session.stop()

    run(scenario(), timeout=90)


def test_the_host_is_told_when_their_visitor_arrives(reception_server, run, qtbot):
    server, token = reception_server["server"], reception_server["kiosk_token"]
    host = reception_server["host"]
    visitor = f"Jonas Jarl {uuid.uuid4().hex[:6]}"
    desktop = DesktopApp()

    async def scenario() -> None:
        sign_in(desktop, server, host["username"])
        main = await signed_in(desktop)
        qtbot.addWidget(main)
        panel = next(p for p in main.panels if isinstance(p, ReceptionPanel))
        assert panel.model is None  # a host without reception.desk: the notices only
        await until(lambda: desktop.session.live.connected, what="the live events")
        visit = kiosk_check_in(server, token, host["id"], visitor, organisation="Jarl & Co")
        await until(lambda: visitor in panel.notice.text(), what="the notice")
        assert panel.notice.text() == (
            f"Din besökare {visitor} (Jarl & Co) har kommit ({visit['number']})."
        )
        assert visitor in main.statusBar().currentMessage()
        assert visitor in panel.arrivals.stringList()[0]
        # the host acknowledges with the keyboard: the server has the time, the reception is
        # not reminded
        await until(main.isActiveWindow, what="the main window active")
        QTest.keyClick(main, Qt.Key.Key_F12)  # to the panel
        press(main, Qt.Key.Key_A)
        await until(lambda: "har sett" in panel.message.text(), what="the acknowledgement")
        http = user_http(server, host["username"])  # asking again answers the first time
        answer = http.post(f"{RECEPTION_BASE}/visits/{visit['number']}/acknowledge")
        assert answer.status_code == 200 and answer.json()["host_acknowledged_at"]
        await desktop.session.stop()

    run(scenario(), timeout=90)
