"""The supervisor's live SLA monitor: every warning and breach as it arrives."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.ui.widgets import name
from desktop.viewmodels.sla_monitor import SlaMonitorModel

COLOURS = {"breach": "#f8d7da", "warning": "#fff3cd"}


class SlaMonitorView(QWidget):
    def __init__(self, model: SlaMonitorModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        name(self, _("Live SLA monitor"))
        self.summary = QLabel("", self)
        self.summary.setStyleSheet("font-size: 14pt;")
        name(self.summary, _("Warnings and breaches"))
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(
            [_("Time"), _("Case"), _("Service level"), _("Owner"), _("Assignee")]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((90, 170, 140, 160)):
            self.table.setColumnWidth(column, width)
        self.table.verticalHeader().setVisible(False)
        name(self.table, _("Warnings and breaches"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        model.subscribe(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        counts = self.model.counts()
        self.summary.setText(_("Breaches: {breach}   Warnings: {warning}").format(**counts))
        self.table.setRowCount(len(self.model.rows))
        for r, row in enumerate(self.model.rows):
            state = row.get("state", "")
            label = _("Breached") if state == "breach" else _("Warning")
            values = (
                datetime.fromtimestamp(row["seen_at"]).strftime("%H:%M:%S"),
                row.get("number", ""),
                label,
                row.get("owner") or "",
                row.get("assignee") or "",
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if state in COLOURS:
                    item.setBackground(QBrush(QColor(COLOURS[state])))
                self.table.setItem(r, c, item)
