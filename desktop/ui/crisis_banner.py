"""The crisis banner at the top of the main window (every signed-in user, while crisis mode is
on; amber for an exercise, red otherwise) and the approved crisis text beside the contact form
(holders of ``crisis.view``), in the language the agent picks — so what they say matches the
web. :func:`mount` puts both into the main window."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import label_for, name
from desktop.viewmodels.crisis_banner import TEXT_PERMISSION, CrisisBannerModel

if TYPE_CHECKING:
    from desktop.viewmodels.session import Session

EXERCISE_STYLE = "background: #7a4a00; color: white; padding: 8px; font-weight: 700;"
CRISIS_STYLE = "background: #8b0000; color: white; padding: 8px; font-weight: 700;"


class CrisisBanner(QLabel):
    """One line across the window while crisis mode is on."""

    def __init__(self, model: CrisisBannerModel, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.model = model
        self.setWordWrap(True)
        name(self, _("Crisis mode"))
        model.subscribe(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        self.setText(m.banner_text())
        self.setStyleSheet(EXERCISE_STYLE if m.exercise else CRISIS_STYLE)
        self.setAccessibleDescription(m.banner_text())
        self.setVisible(m.active)


class ApprovedTextView(QGroupBox):
    """The approved crisis text in one language, with its version and who approved it."""

    def __init__(self, model: CrisisBannerModel, parent: QWidget | None = None) -> None:
        super().__init__(_("Approved crisis text"), parent)
        self.model = model
        self._loading = False
        name(self, _("Approved crisis text"))
        self.language = QComboBox(self)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        name(self.text, _("What to tell the caller"))
        layout = QVBoxLayout(self)
        layout.addWidget(label_for(_("Language of the te&xt"), self.language, self))
        layout.addWidget(self.language)
        layout.addWidget(self.text, 1)
        self.language.currentIndexChanged.connect(lambda _i: self._show())
        model.subscribe(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        self.setVisible(m.active and m.may_read_texts)
        self._loading = True
        try:
            chosen = self.language.currentData()
            self.language.clear()
            for item in m.approved:
                self.language.addItem(item.get("name") or item["language"], item["language"])
            index = self.language.findData(chosen or "sv")
            self.language.setCurrentIndex(max(index, 0))
        finally:
            self._loading = False
        self._show()

    def _show(self) -> None:
        if self._loading:
            return
        self.text.setHtml(self.html(self.language.currentData() or "sv"))

    def html(self, language: str) -> str:
        """The approved text as shown (escaped; right to left where the language is)."""
        item = self.model.approved_in(language)
        if item is None:
            return f"<p>{html.escape(_('No crisis text has been approved yet.'))}</p>"
        direction = "rtl" if item.get("dir") == "rtl" else "ltr"
        parts = [f'<div dir="{direction}">']
        if item.get("exercise"):
            parts.append(f"<p><b>{html.escape(item.get('label') or _('EXERCISE'))}</b></p>")
        parts.append(f"<h3>{html.escape(item.get('title', ''))}</h3>")
        for paragraph in str(item.get("body", "")).split("\n\n"):
            parts.append(f"<p>{html.escape(paragraph)}</p>")
        if item.get("instruction"):
            parts.append(f"<p><i>{html.escape(item['instruction'])}</i></p>")
        parts.append("</div>")
        footer = _("Version {version}, approved by {user}").format(
            version=item.get("version", "?"), user=item.get("approved_by", "?")
        )
        parts.append(f"<p><small>{html.escape(footer)}</small></p>")
        return "".join(parts)


def mount(window: QMainWindow, session: Session, contact_form: QWidget) -> CrisisBanner:
    """The banner on top of the window's content and the approved text beside the contact
    form; both follow ``crisis.mode_changed`` (and the state again after a gap)."""
    model = CrisisBannerModel(session.client, session.can(TEXT_PERMISSION))
    banner = CrisisBanner(model, window)
    window.centralWidget().layout().insertWidget(0, banner)
    text = ApprovedTextView(model, contact_form)
    splitter = contact_form.findChild(QSplitter)
    if splitter is not None:
        splitter.insertWidget(1, text)
    else:
        contact_form.layout().addWidget(text)
    banner.approved_text = text  # type: ignore[attr-defined]

    def on_event(event: dict) -> None:
        if model.apply_event(event):
            tasks.spawn(model.reload_texts())

    session.on_event(on_event)
    session.on_gap(lambda: tasks.spawn(model.refresh()))
    tasks.spawn(model.refresh())
    return banner
