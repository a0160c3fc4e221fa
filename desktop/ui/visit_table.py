"""A Qt table model over visits as the visitor reception's API gives them (the reception
panel's lists and its roll call), and the keyboard-friendly view that shows one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from desktop.i18n import N_, _
from desktop.ui.widgets import name
from desktop.viewmodels import labels
from desktop.viewmodels.reception import host_name, visitor_name

Index = QModelIndex | QPersistentModelIndex
Column = tuple[str, Callable[[dict[str, Any]], str]]

CELLS: dict[str, Column] = {
    "number": (N_("Visit"), lambda v: str(v.get("number") or "")),
    "visitor": (N_("Visitor"), visitor_name),
    "organisation": (N_("Organisation"), lambda v: str(v.get("organisation") or "")),
    "host": (N_("Host"), host_name),
    "location": (N_("Location"), lambda v: str(v.get("location") or "")),
    "assistance": (N_("Needs assistance"), lambda v: _("YES") if v.get("needs_assistance") else ""),
    "checked_in": (N_("Checked in"), lambda v: labels.local_time(v.get("checked_in_at"))),
    "safe_at": (N_("Safe"), lambda v: labels.local_time(v.get("safe_at"))),
    "safe_by": (N_("Ticked off by"), lambda v: str(v.get("safe_by") or "")),
}


class VisitTableModel(QAbstractTableModel):
    """Rows of visits; ``columns`` are keys of :data:`CELLS`."""

    def __init__(self, columns: tuple[str, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = [CELLS[key] for key in columns]
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.columns[section][0])
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        visit = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.columns[index.column()][1](visit)
        if role == Qt.ItemDataRole.FontRole and visit.get("needs_assistance"):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def number(self, row: int) -> str:
        return str(self.rows[row].get("number") or "")


class VisitTable(QTableView):
    """A read-only, row-selecting table of visits, named for screen readers."""

    def __init__(self, columns: tuple[str, ...], title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.visits = VisitTableModel(columns, self)
        self.setModel(self.visits)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        name(self, title)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        """Show ``rows``, keeping the selected visit selected when it is still there."""
        chosen = self.selected_number()
        self.visits.set_rows(rows)
        for row in range(len(rows)):
            if self.visits.number(row) == chosen:
                self.selectRow(row)
                return
        if rows:
            self.selectRow(0)

    def selected_number(self) -> str:
        """The visit number of the selected row ("" when none)."""
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return self.visits.number(rows[0].row()) if rows else ""
