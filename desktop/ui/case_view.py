"""The case window: fields and timers, the timeline, notes, status, forward, call-back,
feedback — each action with its shortcut."""

from __future__ import annotations

import html
import time

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels import labels, sla
from desktop.viewmodels.case_view import FEEDBACK_CHANNELS, FORWARD_KINDS, STATUSES, CaseViewModel


class CaseWindow(QDialog):
    def __init__(self, model: CaseViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(_("Case {number}").format(number=model.number))
        self.resize(900, 700)
        name(self, self.windowTitle())

        self.header = QLabel("", self)
        self.header.setWordWrap(True)
        name(self.header, _("Case summary"))
        self.timeline = QTextBrowser(self)
        name(self.timeline, _("Timeline"))

        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(70)
        self.note_public = QCheckBox(_("&Public (shown to the citizen)"), self)
        note_box = QGroupBox(_("Note"), self)
        note_layout = QVBoxLayout(note_box)
        note_layout.addWidget(label_for(_("&Note text"), self.note, self))
        note_layout.addWidget(self.note)
        row = QHBoxLayout()
        row.addWidget(self.note_public)
        row.addWidget(button(self, _("Add note"), "Ctrl+N", self.add_note))
        note_layout.addLayout(row)

        self.status = QComboBox(self)
        for code, label in STATUSES:
            self.status.addItem(_(label), code)
        self.status_reason = QLineEdit(self)
        self.status_reason.setPlaceholderText(_("Closing reason (required to close)"))
        name(self.status_reason, _("Closing reason"))
        self.forward_kind = QComboBox(self)
        for code, label in FORWARD_KINDS:
            self.forward_kind.addItem(_(label), code)
        self.forward_target = QLineEdit(self)
        self.forward_reason = QLineEdit(self)
        self.callback_phone = QLineEdit(self)
        self.feedback_channel = QComboBox(self)
        for code, label in FEEDBACK_CHANNELS:
            self.feedback_channel.addItem(_(label), code)
        self.feedback_text = QLineEdit(self)
        actions = QFormLayout()
        actions.addRow(
            label_for(_("&Status"), self.status, self),
            self._with(
                self.status,
                self.status_reason,
                button(self, _("Change status"), "Ctrl+U", self.change_status),
            ),
        )
        actions.addRow(
            label_for(_("&Forward to"), self.forward_kind, self),
            self._with(self.forward_kind, self.forward_target),
        )
        actions.addRow(
            label_for(_("&Reason"), self.forward_reason, self),
            self._with(self.forward_reason, button(self, _("Forward"), "Ctrl+F", self.forward)),
        )
        actions.addRow(
            label_for(_("Call-&back number"), self.callback_phone, self),
            self._with(
                self.callback_phone, button(self, _("Request call-back"), "Ctrl+B", self.callback)
            ),
        )
        actions.addRow(
            label_for(_("Feedbac&k"), self.feedback_text, self),
            self._with(
                self.feedback_channel,
                self.feedback_text,
                button(self, _("Send feedback"), "Ctrl+K", self.feedback),
            ),
        )
        self.message = QLabel("", self)
        name(self.message, _("Result of the last action"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(note_box)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(button(self, _("Close"), "Escape", self.close))
        name(self.forward_target, _("Forward target"))
        name(self.feedback_channel, _("Feedback channel"))
        model.subscribe(self.refresh)
        tasks.spawn(model.load())

    @staticmethod
    def _with(*widgets: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            row.addWidget(widget)
        return holder

    def refresh(self) -> None:
        case = self.model.case
        timers = case.get("timers") or {}
        resolution = timers.get("resolution") or {}
        left = sla.format_left(sla.seconds_left(resolution.get("due"), time.time()))
        self.header.setText(
            "<b>{number}</b> — {subject}<br>{status}: {status_value} · {party}: {party_value} · "
            "{type}: {type_value} · {sla_label}: {sla_value} {left}".format(
                number=html.escape(case.get("number", "")),
                subject=html.escape(case.get("subject", "")),
                status=_("Status"),
                status_value=html.escape(case.get("public_status") or case.get("status", "")),
                party=_("Party"),
                party_value=html.escape(case.get("party_name") or "—"),
                type=_("Case type"),
                type_value=html.escape(case.get("case_type") or "—"),
                sla_label=_("Service level"),
                sla_value=sla.state_label(timers.get("state", "none")),
                left=html.escape(left),
            )
        )
        items = []
        for event in reversed(self.model.timeline()):
            data = event.get("data") or {}
            text = event.get("text") or ""
            if event.get("kind") == "status" and data.get("to"):
                text = (
                    f"{labels.label(labels.STATUS, data.get('from'))} → "
                    + labels.label(labels.STATUS, data.get("to"))
                    + (f"\n{text}" if text else "")
                )
            when = html.escape(labels.local_time(event.get("at")))
            who = html.escape(event.get("actor", ""))
            marker = f" ({html.escape(_('public'))})" if event.get("public") else ""
            kind = html.escape(labels.label(labels.EVENT, event.get("kind")))
            body = html.escape(text).replace("\n", "<br>")
            items.append(f"<p><b>{when}</b> {who} · <i>{kind}</i>{marker}<br>{body}</p>")
        self.timeline.setHtml("".join(items) or _("No events yet."))

    def _run(self, coroutine, done: str) -> None:
        async def go() -> None:
            try:
                await coroutine
                self.message.setText(done)
            except Exception as exc:  # shown to the agent, the case stays open
                self.message.setText(str(getattr(exc, "detail", exc)))

        tasks.spawn(go())

    def add_note(self) -> None:
        text = self.note.toPlainText().strip()
        if text:
            self._run(self.model.add_note(text, self.note_public.isChecked()), _("Note added."))
            self.note.clear()

    def change_status(self) -> None:
        self._run(
            self.model.change_status(
                self.status.currentData(), reason=self.status_reason.text().strip()
            ),
            _("Status changed."),
        )

    def forward(self) -> None:
        self._run(
            self.model.forward(
                self.forward_kind.currentData(),
                self.forward_target.text().strip(),
                self.forward_reason.text().strip(),
            ),
            _("Forwarded."),
        )

    def callback(self) -> None:
        self._run(
            self.model.request_callback(self.callback_phone.text().strip(), ""),
            _("Call-back requested."),
        )

    def feedback(self) -> None:
        self._run(
            self.model.feedback(
                self.feedback_channel.currentData(), self.feedback_text.text().strip()
            ),
            _("Feedback recorded."),
        )
