"""The contact form, with the chosen case type's scripts, checklists and FAQ beside it."""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels.contact_form import CHANNELS, MODES, ContactFormModel

KIND_TITLES = {"script": N_("Script"), "checklist": N_("Checklist"), "faq": N_("FAQ")}
DRAFT_DELAY_MS = 300


class ContactFormView(QWidget):
    """Keyboard first: Alt+letter moves to a field, Ctrl+S saves, Ctrl+Shift+N clears."""

    def __init__(self, model: ContactFormModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._loading = False
        name(self, _("Contact form"))

        self.channel = QComboBox(self)
        for code, label in CHANNELS:
            self.channel.addItem(_(label), code)
        self.party_query = QLineEdit(self)
        self.party_query.setPlaceholderText(_("Personal identity number, phone or name — Enter"))
        self.party_results = QListWidget(self)
        self.party_results.setMaximumHeight(90)
        name(self.party_results, _("Parties found"))
        self.party_chosen = QLabel(_("No party chosen"), self)
        name(self.party_chosen, _("Chosen party"))
        self.case_type = QComboBox(self)
        self.summary = QPlainTextEdit(self)
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText(_("What did the citizen want, what was answered?"))
        self.subject = QLineEdit(self)
        self.resolved = QCheckBox(_("&Resolved at first contact"), self)
        self.mode = QComboBox(self)
        for code, label in MODES:
            self.mode.addItem(_(label), code)
        self.join_case = QLineEdit(self)
        self.join_case.setPlaceholderText(_("Case number, e.g. KC-2026-000123"))
        self.outcome = QLabel("", self)
        self.outcome.setWordWrap(True)
        name(self.outcome, _("Result of saving"))

        form = QFormLayout()
        form.addRow(label_for(_("C&hannel"), self.channel, self), self.channel)
        form.addRow(label_for(_("&Party"), self.party_query, self), self.party_query)
        form.addRow("", self.party_results)
        form.addRow("", self.party_chosen)
        form.addRow(label_for(_("Case &type"), self.case_type, self), self.case_type)
        form.addRow(label_for(_("&Summary"), self.summary, self), self.summary)
        form.addRow(label_for(_("Su&bject"), self.subject, self), self.subject)
        form.addRow("", self.resolved)
        form.addRow(label_for(_("&Case"), self.mode, self), self.mode)
        form.addRow(label_for(_("&Join case number"), self.join_case, self), self.join_case)

        self.save_button = button(self, _("Save contact"), "Ctrl+S", self.save)
        self.clear_button = button(self, _("Clear"), "Ctrl+Shift+N", self.model.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.outcome, 1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addLayout(buttons)

        self.support = QTextBrowser(self)
        name(self.support, _("Scripts, checklists and FAQ for the case type"))
        support_box = QGroupBox(_("Support for the case type"), self)
        QVBoxLayout(support_box).addWidget(self.support)

        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(support_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        QVBoxLayout(self).addWidget(splitter)

        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._store_draft)
        for signal in (
            self.summary.textChanged,
            self.subject.textChanged,
            self.join_case.textChanged,
            self.resolved.toggled,
            self.channel.currentIndexChanged,
            self.mode.currentIndexChanged,
        ):
            signal.connect(self._typed)
        self.case_type.activated.connect(self._case_type_chosen)
        self.party_query.returnPressed.connect(self._find_party)
        self.party_results.itemActivated.connect(self._party_chosen)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        model.subscribe(self.refresh)
        self.refresh()

    # --- model → widgets -------------------------------------------------------------------

    def refresh(self) -> None:
        self._loading = True
        try:
            d = self.model.draft
            if self.case_type.count() != len(self.model.case_types) + 1:
                self.case_type.clear()
                self.case_type.addItem(_("(no case type)"), "")
                for item in self.model.case_types:
                    self.case_type.addItem(item.get("name_sv") or item["code"], item["code"])
            self._select(self.case_type, d.case_type)
            self._select(self.channel, d.channel)
            self._select(self.mode, d.mode)
            if self.summary.toPlainText() != d.summary:
                self.summary.setPlainText(d.summary)
            if self.subject.text() != d.subject:
                self.subject.setText(d.subject)
            if self.join_case.text() != d.join_case:
                self.join_case.setText(d.join_case)
            self.resolved.setChecked(d.resolved_first_contact)
            self.join_case.setEnabled(d.mode == "join")
            self.party_chosen.setText(d.party_label or _("No party chosen"))
            self.party_results.clear()
            for party in self.model.parties:
                text = party.get("name") or "?"
                if party.get("protected_identity"):
                    text = _("Protected identity")
                item = QListWidgetItem(f"{text}  {party.get('phone') or ''}".strip())
                item.setData(256, party)
                self.party_results.addItem(item)
            self.party_results.setVisible(bool(self.model.parties))
            self.support.setHtml(self._support_html())
            last = self.model.last
            if last is not None:
                self.outcome.setText(self._outcome_text())
        finally:
            self._loading = False

    def _outcome_text(self) -> str:
        last = self.model.last
        if last is None:
            return ""
        if last.status == "sent":
            contact = last.answer.get("contact") or {}
            case = last.answer.get("case") or {}
            text = _("Registered as {number}.").format(number=contact.get("number", ""))
            if case:
                text += " " + _("Case {number}.").format(number=case.get("number", ""))
            return text
        if last.status == "queued":
            return _("Saved on this computer; it is sent when the server answers.")
        return last.message

    def _support_html(self) -> str:
        if not self.model.articles:
            return "<p><i>" + html.escape(_("Choose a case type to see its support.")) + "</i></p>"
        parts = []
        for article in self.model.articles:
            kind = _(KIND_TITLES.get(article.get("kind", ""), article.get("kind", "")))
            body = html.escape(article.get("body") or "").replace("\n", "<br>")
            title = html.escape(article.get("title", ""))
            parts.append(f"<h3>{html.escape(kind)}: {title}</h3><p>{body}</p>")
        return "".join(parts)

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index >= 0 and index != combo.currentIndex():
            combo.setCurrentIndex(index)

    # --- widgets → model -------------------------------------------------------------------

    def _typed(self, *_args: object) -> None:
        if not self._loading:
            self._draft_timer.start()

    def _store_draft(self) -> None:
        self.model.update(
            channel=self.channel.currentData(),
            summary=self.summary.toPlainText(),
            subject=self.subject.text(),
            join_case=self.join_case.text(),
            resolved_first_contact=self.resolved.isChecked(),
            mode=self.mode.currentData(),
        )
        self.join_case.setEnabled(self.mode.currentData() == "join")

    def _case_type_chosen(self, _index: int) -> None:
        tasks.spawn(self.model.choose_case_type(self.case_type.currentData() or ""))

    def _find_party(self) -> None:
        async def find() -> None:
            found = await self.model.find_party(self.party_query.text())
            if found:
                self.party_results.setFocus()
                self.party_results.setCurrentRow(0)

        tasks.spawn(find())

    def _party_chosen(self, item: QListWidgetItem) -> None:
        self.model.choose_party(item.data(256))
        self.case_type.setFocus()

    def save(self) -> None:
        self._draft_timer.stop()
        self._store_draft()
        self.save_button.setEnabled(False)

        async def run() -> None:
            try:
                await self.model.save()
            finally:
                self.save_button.setEnabled(True)
                self.channel.setFocus()

        tasks.spawn(run())
