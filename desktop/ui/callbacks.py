"""The call-back list: pending call-backs, refreshed with F5."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.api.client import ApiClient
from desktop.i18n import N_, _
from desktop.ui import tasks
from desktop.ui.widgets import button, name

COLUMNS = (
    ("phone", N_("Phone")),
    ("case", N_("Case")),
    ("preferred_from", N_("From")),
    ("preferred_to", N_("To")),
    ("attempts", N_("Attempts")),
    ("notes", N_("Notes")),
)


class CallbacksView(QWidget):
    def __init__(self, client: ApiClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        name(self, _("Call-back list"))
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_(label) for _key, label in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        name(self.table, _("Call-back list"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(button(self, _("Refresh"), "Ctrl+R", self.reload))

    def reload(self) -> None:
        async def run() -> None:
            page = await self.client.callbacks()
            rows = page["items"] if isinstance(page, dict) else page
            self.table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for c, (key, _label) in enumerate(COLUMNS):
                    value = row.get(key)
                    if isinstance(value, dict):
                        value = value.get("number")
                    text = (
                        str(value or "")[:16].replace("T", " ")
                        if "preferred" in key
                        else str(value or "")
                    )
                    self.table.setItem(r, c, QTableWidgetItem(text))

        tasks.spawn(run())
