"""The supervisor's reports view: choose a report and period, see its tables and a bar
chart (drawn with QPainter: this PySide6 has no QtCharts), export CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name
from desktop.viewmodels.reports import ReportsModel


class BarChart(QWidget):
    """Horizontal bars of ``(label, value)`` pairs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: list[tuple[str, float]] = []
        self.setMinimumHeight(160)
        name(self, _("Chart of the report"))

    def set_series(self, series: list[tuple[str, float]]) -> None:
        self.series = series
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.series:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _("Nothing to chart"))
            return
        top = max(value for _label, value in self.series) or 1.0
        height = self.height() / len(self.series)
        label_width = self.width() * 0.3
        for n, (label, value) in enumerate(self.series):
            y = n * height
            painter.setPen(QColor("black"))
            painter.drawText(
                QRectF(4, y, label_width - 8, height),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                label,
            )
            width = (self.width() - label_width - 60) * value / top
            painter.fillRect(
                QRectF(label_width, y + height * 0.15, width, height * 0.7), QColor("#1f5fa8")
            )
            painter.drawText(
                QRectF(label_width + width + 4, y, 56, height),
                Qt.AlignmentFlag.AlignVCenter,
                f"{value:g}",
            )


class ReportsView(QWidget):
    def __init__(self, model: ReportsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        name(self, _("Reports"))
        self.report = QComboBox(self)
        self.first = QDateEdit(QDate.currentDate().addDays(-30), self)
        self.last = QDateEdit(QDate.currentDate(), self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.tables = QComboBox(self)
        self.grid = QTableWidget(0, 0, self)
        self.grid.verticalHeader().setVisible(False)
        name(self.grid, _("Report table"))
        self.chart = BarChart(self)
        top = QHBoxLayout()
        top.addWidget(label_for(_("&Report"), self.report, self))
        top.addWidget(self.report, 2)
        top.addWidget(label_for(_("F&rom"), self.first, self))
        top.addWidget(self.first)
        top.addWidget(label_for(_("&To"), self.last, self))
        top.addWidget(self.last)
        top.addWidget(button(self, _("Show report"), "Ctrl+Shift+V", self.show_report))
        middle = QHBoxLayout()
        middle.addWidget(label_for(_("Ta&ble"), self.tables, self))
        middle.addWidget(self.tables, 1)
        middle.addWidget(button(self, _("Export CSV"), "Ctrl+Shift+C", self.export_csv))
        middle.addWidget(button(self, _("Export XLSX"), "Ctrl+Shift+X", self.export_xlsx))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle)
        layout.addWidget(self.grid, 2)
        layout.addWidget(self.chart, 1)
        self.tables.activated.connect(lambda i: self.model.choose_table(self.tables.itemData(i)))
        model.subscribe(self.refresh)

    def reload(self) -> None:
        tasks.spawn(self.model.load_list())

    def show_report(self) -> None:
        code = self.report.currentData()
        if code:
            first = self.first.date().toString("yyyy-MM-dd")
            last = self.last.date().toString("yyyy-MM-dd")
            tasks.spawn(self.model.show(code, first, last))

    def refresh(self) -> None:
        if self.report.count() != len(self.model.available):
            self.report.clear()
            for item in self.model.available:
                self.report.addItem(item.get("title") or item["name"], item["name"])
        tables = self.model.report.get("tables") or {}
        self.tables.clear()
        for key, table in tables.items():
            self.tables.addItem(table.get("title") or key, key)
        if self.model.table_name:
            self.tables.setCurrentIndex(self.tables.findData(self.model.table_name))
        headings, rows = self.model.headings(), self.model.rows()
        self.grid.clear()
        self.grid.setColumnCount(len(headings))
        self.grid.setHorizontalHeaderLabels(headings)
        self.grid.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.grid.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        self.grid.resizeColumnsToContents()  # every heading whole, not cut off
        self.chart.set_series(self.model.series())

    def export_csv(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export CSV"), "", "CSV (*.csv)")
        if path:
            self.model.export_csv(Path(path))

    def export_xlsx(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export XLSX"), "", "Excel (*.xlsx)")
        if path:
            self.model.export_xlsx(Path(path))
