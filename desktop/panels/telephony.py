"""The telephony plugin's panel: the incoming call (screen pop), presence, the wallboard."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _
from desktop.panels import PanelContext, PanelSpec
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels import labels
from desktop.viewmodels.presence import PAUSE_REASONS, STATE_LABELS, PresenceModel
from desktop.viewmodels.screen_pop import ScreenPopModel


class TelephonyPanel(QWidget):
    """F9 ready, F10 pause, Ctrl+Shift+R take the caller into the contact form."""

    def __init__(self, context: PanelContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.pop = ScreenPopModel()
        self.presence = PresenceModel(context.session.client)
        name(self, _("Incoming call"))

        self.headline = QLabel(_("No call"), self)
        self.headline.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.headline.setWordWrap(True)
        name(self.headline, _("Caller"))
        self.details = QTextBrowser(self)
        name(self.details, _("Open cases and latest contacts of the caller"))
        take = button(self, _("Register contact for the call"), "Ctrl+Shift+R", self.take_call)
        call_box = QGroupBox(_("Incoming call"), self)
        call_layout = QVBoxLayout(call_box)
        call_layout.addWidget(self.headline)
        call_layout.addWidget(self.details, 1)
        call_layout.addWidget(take)

        self.state = QLabel("", self)
        name(self.state, _("My presence"))
        self.reason = QComboBox(self)
        for code, label in PAUSE_REASONS:
            self.reason.addItem(_(label), code)
        presence_box = QGroupBox(_("Presence"), self)
        row = QHBoxLayout(presence_box)
        row.addWidget(self.state, 1)
        row.addWidget(button(self, _("Ready"), "F9", lambda: self._presence("ready")))
        row.addWidget(label_for(_("Pause &reason"), self.reason, self))
        row.addWidget(self.reason)
        row.addWidget(button(self, _("Pause"), "F10", lambda: self._presence("paused")))

        self.wallboard = QTableWidget(0, 4, self)
        self.wallboard.setHorizontalHeaderLabels(
            [_("Agent"), _("Presence"), _("Reason"), _("Groups")]
        )
        self.wallboard.horizontalHeader().setStretchLastSection(True)
        self.wallboard.verticalHeader().setVisible(False)
        name(self.wallboard, _("Wallboard"))
        wall_box = QGroupBox(_("Wallboard"), self)
        wall_layout = QVBoxLayout(wall_box)
        wall_layout.addWidget(self.wallboard)
        wall_layout.addWidget(button(self, _("Refresh wallboard"), "Ctrl+W", self.refresh_wall))

        layout = QVBoxLayout(self)
        layout.addWidget(call_box, 2)
        layout.addWidget(presence_box)
        layout.addWidget(wall_box, 1)

        self.pop.subscribe(self.show_pop)
        self.presence.subscribe(self.show_presence)
        context.session.on_event(self.on_event)
        context.session.on_gap(self.refresh_wall)
        self.show_presence()

    # --- events ----------------------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> None:
        if self.pop.apply_event(event):
            window = self.window()
            if hasattr(window, "show_panel"):
                window.show_panel(self)
        elif self.presence.apply_event(event):
            self.refresh_wall()

    def show_pop(self) -> None:
        pop = self.pop.pop or {}
        self.headline.setText(self.pop.headline())
        self.headline.setStyleSheet(
            "font-size: 15pt; font-weight: 600;"
            + (" color: #a1260d;" if self.pop.protected else "")
        )
        parts = []
        if pop.get("open_cases"):
            parts.append("<h3>" + html.escape(_("Open cases")) + "</h3><ul>")
            for case in pop["open_cases"]:
                parts.append(
                    f"<li><b>{html.escape(case.get('number', ''))}</b> "
                    f"{html.escape(case.get('subject') or '')} "
                    f"({html.escape(labels.label(labels.STATUS, case.get('status')))})</li>"
                )
            parts.append("</ul>")
        if pop.get("secret_cases"):
            parts.append(
                "<p>" + html.escape(_("{count} secret cases").format(count=pop["secret_cases"]))
            )
        if pop.get("contacts"):
            parts.append("<h3>" + html.escape(_("Latest contacts")) + "</h3><ul>")
            for contact in pop["contacts"]:
                parts.append(
                    f"<li>{html.escape(labels.local_time(contact.get('received_at')))} "
                    f"{html.escape(labels.label(labels.CHANNEL, contact.get('channel')))}: "
                    f"{html.escape(contact.get('summary') or '')}</li>"
                )
            parts.append("</ul>")
        if pop.get("articles"):
            parts.append("<h3>" + html.escape(_("Support")) + "</h3><ul>")
            for article in pop["articles"]:
                parts.append(f"<li>{html.escape(article.get('title', ''))}</li>")
            parts.append("</ul>")
        self.details.setHtml("".join(parts))

    def take_call(self) -> None:
        """Fill the contact form from the call: channel phone, the caller, the call id."""
        form = self.context.contact_form
        call = (self.pop.pop or {}).get("call") or {}
        form.update(channel="phone", call_ref=str(call.get("call_id") or ""))
        form.choose_party(self.pop.party())
        window = self.window()
        if hasattr(window, "show_contact_form"):
            window.show_contact_form()

    # --- presence --------------------------------------------------------------------------

    def _presence(self, state: str) -> None:
        reason = self.reason.currentData() if state == "paused" else ""
        tasks.spawn(self.presence.set_state(state, reason))

    def show_presence(self) -> None:
        state = self.presence.mine.get("state", "offline")
        text = _(STATE_LABELS.get(state, state))
        if self.presence.mine.get("reason"):
            text += f" — {self.presence.mine['reason']}"
        self.state.setText(_("My presence: {state}").format(state=text))
        agents = self.presence.agents
        self.wallboard.setRowCount(len(agents))
        for r, agent in enumerate(agents):
            values = (
                agent.get("full_name") or agent.get("username", ""),
                _(STATE_LABELS.get(agent.get("state", ""), agent.get("state", ""))),
                agent.get("reason") or "",
                ", ".join(agent.get("groups") or []),
            )
            for c, value in enumerate(values):
                self.wallboard.setItem(r, c, QTableWidgetItem(str(value)))

    def refresh_wall(self) -> None:
        tasks.spawn(self.presence.load_wallboard())


PANEL = PanelSpec(
    plugin="telephony_centrex",
    permission="telephony.use",
    title=N_("Telephony"),
    shortcut="F7",
    create=lambda context, parent: TelephonyPanel(context, parent),
)
