"""The visitor reception plugin's panel (F12).

Every host (``reception.host``) gets the notices of their own visitors' arrivals. Reception
staff (``reception.desk``) also get who is inside now, expected today and overdue sign-outs,
registering a visitor on their behalf, signing out, the evacuation roll call with live ticks,
and the offline copy kept on disk and refreshed every minute while the panel is open.
"""

from __future__ import annotations

import time
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QStringListModel, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _
from desktop.panels import PanelContext, PanelSpec
from desktop.ui import tasks
from desktop.ui.offline_copy import OfflineCopyDialog
from desktop.ui.visit_table import VisitTable
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels import labels
from desktop.viewmodels.reception import (
    DESK,
    HOST,
    NOT_ACKNOWLEDGED,
    HostNotices,
    ReceptionModel,
    reminder_text,
)

LIST_SECONDS = 15
OFFLINE_SECONDS = 60
NOTICE_MS = 30000
LIST_COLUMNS = ("number", "visitor", "organisation", "host", "location", "checked_in")
ROLL_COLUMNS = ("visitor", "assistance", "host", "location", "number")
SAFE_COLUMNS = ("visitor", "host", "safe_at", "safe_by", "number")


class ReceptionPanel(QWidget):
    """The host's notices; for the reception desk its lists, actions and the roll call."""

    def __init__(self, context: PanelContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = context.session
        name(self, _("Visitors"))
        self.notices = HostNotices(self.session.client)
        self.notice = QLabel(_("No visitor has arrived for you."), self)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("font-size: 13pt; font-weight: 600;")
        name(self.notice, _("Latest visitor for you"))
        self.arrivals = QStringListModel(self)
        self.arrival_list = QListView(self)
        self.arrival_list.setModel(self.arrivals)
        name(self.arrival_list, _("Your visitors today"))
        host_box = QGroupBox(_("Your visitors"), self)
        host_layout = QVBoxLayout(host_box)
        host_layout.addWidget(self.notice)
        host_layout.addWidget(
            button(host_box, _("Acknowledge visitor"), "Ctrl+Shift+A", self.acknowledge)
        )
        host_layout.addWidget(self.arrival_list)

        layout = QVBoxLayout(self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        name(self.message, _("Message"))
        layout.addWidget(self.message)
        self.model: ReceptionModel | None = None
        if self.session.can(DESK):
            self.model = ReceptionModel(self.session.client)
            columns = QHBoxLayout()
            columns.addLayout(self._lists(), 3)
            right = QVBoxLayout()
            right.addWidget(self._register_box())
            right.addWidget(self._roll_call_box(), 1)
            columns.addLayout(right, 2)
            layout.addLayout(columns, 1)
            host_box.setMaximumHeight(160)
            self.model.subscribe(self.show_desk)
            self.list_timer = QTimer(self, interval=LIST_SECONDS * 1000)
            self.list_timer.timeout.connect(self.reload)
            self.list_timer.start()
            self.offline_timer = QTimer(self, interval=OFFLINE_SECONDS * 1000)
            self.offline_timer.timeout.connect(self.refresh_offline)
            self.offline_timer.start()
            self.reload()
            self.refresh_offline()
        layout.addWidget(host_box, 0 if self.model else 1)
        self.notices.subscribe(self.show_notices)
        self.session.on_event(self.on_event)
        self.session.on_gap(self.reload)

    # --- building --------------------------------------------------------------------------

    def _lists(self) -> QVBoxLayout:
        self.inside = VisitTable(LIST_COLUMNS, _("Inside now"), self)
        self.expected = VisitTable(LIST_COLUMNS[:-1], _("Expected today"), self)
        self.overdue = VisitTable(LIST_COLUMNS, _("Overdue sign-outs"), self)
        self._sign_out_from = self.inside
        for table in (self.inside, self.overdue):
            table.clicked.connect(lambda _i, t=table: self._choose_sign_out(t))
            table.activated.connect(lambda _i, t=table: self._choose_sign_out(t))
        self.inside_box = QGroupBox(_("Inside now"), self)
        self.expected_box = QGroupBox(_("Expected today"), self)
        self.overdue_box = QGroupBox(_("Overdue sign-outs"), self)
        column = QVBoxLayout()
        for box, table in (
            (self.inside_box, self.inside),
            (self.expected_box, self.expected),
            (self.overdue_box, self.overdue),
        ):
            inner = QVBoxLayout(box)
            inner.addWidget(table)
            column.addWidget(box, 2 if table is self.inside else 1)
        row = QHBoxLayout()
        row.addWidget(
            button(self, _("Sign out the selected visitor"), "Ctrl+Shift+O", self.sign_out)
        )
        row.addWidget(button(self, _("Refresh the lists"), "Ctrl+Shift+L", self.reload))
        column.addLayout(row)
        return column

    def _register_box(self) -> QGroupBox:
        box = QGroupBox(_("Register a visitor"), self)
        form = QFormLayout(box)
        self.visitor = QLineEdit(box)
        self.visitor.setMaxLength(120)
        self.organisation = QLineEdit(box)
        self.organisation.setMaxLength(120)
        self.host_query = QLineEdit(box)
        self.host_query.setMaxLength(60)
        self.host_query.returnPressed.connect(self.search_hosts)
        self.host = QComboBox(box)
        name(self.host, _("Host found"))
        name(self.host.view(), _("Host found"))
        self.purpose = QLineEdit(box)
        self.purpose.setMaxLength(300)
        self.assistance = QCheckBox(_("Needs &assistance in an evacuation"), box)
        name(self.assistance, _("Needs assistance in an evacuation"))
        form.addRow(label_for(_("Visitor's &name"), self.visitor, box), self.visitor)
        form.addRow(label_for(_("&Organisation"), self.organisation, box), self.organisation)
        search = QHBoxLayout()
        search.addWidget(self.host_query, 1)
        search.addWidget(button(box, _("Search host"), "Ctrl+Shift+H", self.search_hosts))
        form.addRow(label_for(_("&Host (name or unit)"), self.host_query, box), search)
        form.addRow(label_for(_("Ho&st found"), self.host, box), self.host)
        form.addRow(label_for(_("P&urpose"), self.purpose, box), self.purpose)
        form.addRow(self.assistance)
        form.addRow(button(box, _("Register visitor"), "Ctrl+Shift+I", self.register))
        return box

    def _roll_call_box(self) -> QGroupBox:
        box = QGroupBox(_("Evacuation roll call"), self)
        column = QVBoxLayout(box)
        self.reason = QLineEdit(box)
        self.reason.setMaxLength(200)
        start = QHBoxLayout()
        start.addWidget(label_for(_("R&eason"), self.reason, box))
        start.addWidget(self.reason, 1)
        start.addWidget(button(box, _("Start the roll call"), "Ctrl+Shift+E", self.start_roll_call))
        column.addLayout(start)
        self.counts = QLabel(_("No roll call has been started."), box)
        self.counts.setWordWrap(True)
        self.counts.setStyleSheet("font-weight: 600;")
        name(self.counts, _("Roll call counts"))
        column.addWidget(self.counts)
        self.unaccounted = VisitTable(ROLL_COLUMNS, _("Unaccounted for"), box)
        self.safe_list = VisitTable(SAFE_COLUMNS, _("Safe"), box)
        column.addWidget(QLabel(_("Unaccounted for"), box))
        column.addWidget(self.unaccounted, 2)
        ticks = QHBoxLayout()
        ticks.addWidget(button(box, _("Mark safe"), "Ctrl+Shift+M", self.mark_safe))
        ticks.addWidget(button(box, _("Undo safe"), "Ctrl+Shift+U", self.undo_safe))
        column.addLayout(ticks)
        column.addWidget(QLabel(_("Safe"), box))
        column.addWidget(self.safe_list, 1)
        self.offline_state = QLabel("", box)
        self.offline_state.setWordWrap(True)
        name(self.offline_state, _("Offline copy"))
        offline = QHBoxLayout()
        offline.addWidget(self.offline_state, 1)
        offline.addWidget(
            button(box, _("Open the offline copy"), "Ctrl+Shift+K", self.open_offline)
        )
        column.addLayout(offline)
        return box

    # --- showing ---------------------------------------------------------------------------

    def show_desk(self) -> None:
        model = self.model
        assert model is not None
        self.inside.set_rows(model.inside)
        self.expected.set_rows(model.expected)
        self.overdue.set_rows(model.overdue)
        self.inside_box.setTitle(_("Inside now ({count})").format(count=len(model.inside)))
        self.expected_box.setTitle(_("Expected today ({count})").format(count=len(model.expected)))
        self.overdue_box.setTitle(_("Overdue sign-outs ({count})").format(count=len(model.overdue)))
        self.unaccounted.set_rows(model.unaccounted())
        self.safe_list.set_rows(model.safe())
        if model.roll is None:
            self.counts.setText(_("No roll call has been started."))
        else:
            roll, counts = model.roll["roll_call"], model.roll["counts"]
            self.counts.setText(
                _(
                    "Roll call started {started}: {inside} inside, {safe} safe, "
                    "{missing} unaccounted for, {assist} need assistance."
                ).format(
                    started=labels.local_time(roll.get("started_at")),
                    inside=counts["inside"],
                    safe=counts["safe"],
                    missing=len(model.unaccounted()),
                    assist=counts["needs_assistance"],
                )
            )
        if model.offline_refreshed is None:
            state = _("No offline copy yet.")
        else:
            state = _("Offline copy refreshed {time}.").format(
                time=time.strftime("%H:%M:%S", time.localtime(model.offline_refreshed))
            )
        if model.offline_error:
            state += " " + _("Last refresh failed: {error}").format(error=model.offline_error)
        self.offline_state.setText(state)

    def show_notices(self) -> None:
        texts = [
            f"{time.strftime('%H:%M', time.localtime(a['at']))} {HostNotices.text(a)}"
            for a in self.notices.arrivals
        ]
        self.arrivals.setStringList(texts)
        if self.notices.arrivals:
            self.notice.setText(HostNotices.text(self.notices.arrivals[0]))

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)

    # --- events ----------------------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> None:
        arrival = self.notices.apply_event(event)
        if arrival is not None:
            window = self.window()
            if hasattr(window, "statusBar"):
                window.statusBar().showMessage(HostNotices.text(arrival), NOTICE_MS)
            QApplication.alert(window)
        elif self.model is not None and event.get("type") == NOT_ACKNOWLEDGED:
            reminder = reminder_text(event.get("data") or {})
            self.say(reminder)
            window = self.window()
            if hasattr(window, "statusBar"):
                window.statusBar().showMessage(reminder, NOTICE_MS)
            QApplication.alert(window)
        elif self.model is not None and self.model.apply_event(event):
            tasks.spawn(self.model.load_roll_call())

    # --- actions ---------------------------------------------------------------------------

    def _act(self, coroutine: Coroutine[Any, Any, Any], done: str = "") -> None:
        """Run an action; its problem (in the user's language, from the server) is shown."""
        tasks.act(coroutine, self.say, done)

    def acknowledge(self) -> None:
        """The host has seen the newest arrival: the reception is not reminded of it."""
        self._act(self.notices.acknowledge(), _("The reception knows you have seen your visitor."))

    def reload(self) -> None:
        if self.model is not None and self.session.client.signed_in:
            self._act(self.model.load())

    def refresh_offline(self) -> None:
        if self.model is not None and self.session.client.signed_in:
            tasks.spawn(self.model.refresh_offline())

    def _choose_sign_out(self, table: VisitTable) -> None:
        self._sign_out_from = table

    def sign_out(self) -> None:
        table = self.overdue if self.overdue.hasFocus() else self._sign_out_from
        number = table.selected_number() or self.inside.selected_number()
        if not number or self.model is None:
            self.say(_("Choose a visitor in the list first."))
            return
        self._act(self.model.sign_out(number), _("{number} is signed out.").format(number=number))

    def search_hosts(self) -> None:
        query = self.host_query.text().strip()
        if self.model is None or len(query) < 2:
            self.say(_("Type at least 2 letters of the host's name or unit."))
            return

        async def searching() -> None:
            assert self.model is not None
            found = await self.model.search_hosts(query)
            self.host.clear()
            for host in found:
                unit = f" — {host['unit']}" if host.get("unit") else ""
                self.host.addItem(f"{host['name']}{unit}", host["id"])
            self.say(_("{count} hosts found.").format(count=len(found)))
            if found:
                self.host.setFocus()

        self._act(searching())

    def register(self) -> None:
        if self.model is None:
            return
        visitor = self.visitor.text().strip()
        host_id = self.host.currentData()
        if not visitor or host_id is None:
            self.say(_("Give the visitor's name and choose the host."))
            return

        async def registering() -> None:
            assert self.model is not None
            visit = await self.model.register(
                visitor,
                int(host_id),
                self.organisation.text().strip(),
                self.purpose.text().strip(),
                self.assistance.isChecked(),
            )
            for field in (self.visitor, self.organisation, self.purpose):
                field.clear()
            self.assistance.setChecked(False)
            self.say(_("{number} is registered.").format(number=visit["number"]))
            self.visitor.setFocus()

        self._act(registering())

    def start_roll_call(self) -> None:
        if self.model is not None:
            self._act(
                self.model.start_roll_call(self.reason.text().strip()),
                _("The roll call has started."),
            )
            self.unaccounted.setFocus()

    def _tick(self, table: VisitTable, safe: bool) -> None:
        number = table.selected_number()
        if self.model is None or self.model.roll is None:
            self.say(_("Start the roll call first."))
            return
        if not number:
            self.say(_("Choose a visitor in the list first."))
            return
        done = _("{number} is safe.") if safe else _("{number} is unaccounted for again.")
        self._act(self.model.mark_safe(number, safe), done.format(number=number))

    def mark_safe(self) -> None:
        self._tick(self.unaccounted, True)

    def undo_safe(self) -> None:
        self._tick(self.safe_list, False)

    def open_offline(self) -> None:
        if self.model is None:
            return
        self.offline_dialog = OfflineCopyDialog(
            self.model.offline_file, self.model.offline_copy(), self
        )
        self.offline_dialog.show()


PANEL = PanelSpec(
    plugin="visitor_reception",
    permission=HOST,
    title=N_("Visitors"),
    shortcut="F12",
    create=lambda context, parent: ReceptionPanel(context, parent),
)
