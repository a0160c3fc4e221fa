"""The reception's offline copy, shown inside the client (it needs no server and no browser)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QTextBrowser, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.ui.widgets import button, name


class OfflineCopyDialog(QDialog):
    """The copy as it is on disk, with where the file is (to open it in a browser too)."""

    def __init__(self, path: Path, content: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Offline copy of who is inside"))
        name(self, self.windowTitle())
        self.resize(900, 650)
        self.where = QLabel(_("File: {path}").format(path=path), self)
        self.where.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        name(self.where, _("Where the offline copy is kept"))
        self.page = QTextBrowser(self)
        self.page.setOpenLinks(False)
        name(self.page, _("Offline copy"))
        if content is None:
            self.page.setPlainText(_("There is no offline copy on this computer yet."))
        else:
            self.page.setHtml(content)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.page, 1)
        layout.addWidget(button(self, _("Close"), "Esc", self.accept))
        self.page.setFocus()
