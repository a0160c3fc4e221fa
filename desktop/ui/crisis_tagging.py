"""The crisis tagging box under the contact form (crisis mode plugin): shown while a crisis
is active to users holding ``crisis.view``; after a contact is saved the agent ticks its
topics (Space in the list), chooses an area, notes a question that had no approved answer,
and tags it with Ctrl+T. :func:`mount` puts it into the contact form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels.crisis_tagging import MAX_QUESTION, PERMISSION, CrisisTaggingModel

if TYPE_CHECKING:
    from desktop.viewmodels.contact_form import ContactFormModel
    from desktop.viewmodels.session import Session

TOPIC_ROLE = Qt.ItemDataRole.UserRole


class CrisisTaggingView(QGroupBox):
    """Topics, area and question of the contact just saved; Ctrl+T tags it."""

    def __init__(self, model: CrisisTaggingModel, parent: QWidget | None = None) -> None:
        super().__init__(_("Crisis: tag the contact"), parent)
        self.model = model
        self._loading = False
        name(self, _("Crisis: tag the contact"))
        self.contact = QLabel("", self)
        name(self.contact, _("Contact to tag"))
        self.topics = QListWidget(self)
        self.topics.setMaximumHeight(120)
        name(self.topics, _("Topics"))
        self.area = QComboBox(self)
        self.question = QLineEdit(self)
        self.question.setMaxLength(MAX_QUESTION)
        self.question.setPlaceholderText(_("A question that had no approved answer (optional)"))
        self.outcome = QLabel("", self)
        self.outcome.setWordWrap(True)
        name(self.outcome, _("Result of tagging"))
        self.tag_button = button(self, _("Tag contact"), "Ctrl+T", self.tag)

        form = QFormLayout()
        form.addRow(_("Contact"), self.contact)
        form.addRow(label_for(_("T&opics"), self.topics, self), self.topics)
        form.addRow(label_for(_("Ar&ea"), self.area, self), self.area)
        form.addRow(label_for(_("&Question without answer"), self.question, self), self.question)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.outcome)
        layout.addWidget(self.tag_button)

        self.topics.itemChanged.connect(self._ticked)
        self.area.currentIndexChanged.connect(self._area_chosen)
        self.question.textChanged.connect(self._typed)
        model.subscribe(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self._loading = True
        try:
            m = self.model
            self.setVisible(m.active)
            self.contact.setText(m.contact_number or _("Save a contact first; then tag it."))
            self.topics.clear()
            for topic in m.topics:
                item = QListWidgetItem(topic.get("label_sv") or topic["code"])
                item.setData(TOPIC_ROLE, topic["id"])
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = topic["id"] in m.chosen
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.topics.addItem(item)
            self.area.clear()
            self.area.addItem(_("(no area)"), None)
            for area in m.areas:
                self.area.addItem(area.get("label_sv") or area["code"], area["id"])
            index = self.area.findData(m.area_id)
            self.area.setCurrentIndex(max(index, 0))
            if self.question.text() != m.question:
                self.question.setText(m.question)
            self.tag_button.setEnabled(bool(m.contact_number))
            self.outcome.setText(m.last.message if m.last else "")
        finally:
            self._loading = False

    def _ticked(self, item: QListWidgetItem) -> None:
        if not self._loading:
            self.model.toggle(item.data(TOPIC_ROLE), item.checkState() == Qt.CheckState.Checked)

    def _area_chosen(self, _index: int) -> None:
        if not self._loading:
            self.model.area_id = self.area.currentData()

    def _typed(self, text: str) -> None:
        if not self._loading:
            self.model.question = text

    def tag(self) -> None:
        tasks.spawn(self.model.tag())


def mount(
    form: QWidget, session: Session, contact_model: ContactFormModel
) -> CrisisTaggingView | None:
    """Put the tagging box at the bottom of the contact form when the user may tag (the
    crisis mode plugin is on and grants ``crisis.view``); it follows the crisis state."""
    if not session.can(PERMISSION):
        return None
    model = CrisisTaggingModel(session.client)
    view = CrisisTaggingView(model, form)
    form.layout().addWidget(view)
    contact_model.on_sent.append(model.contact_saved)

    def on_event(event: dict) -> None:
        if model.apply_event(event):
            tasks.spawn(model.refresh())

    session.on_event(on_event)
    session.on_gap(lambda: tasks.spawn(model.refresh()))
    tasks.spawn(model.refresh())
    return view
