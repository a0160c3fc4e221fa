"""A read-only table of API rows (dicts): each column a translated header and a function of
the row, an optional colour per row (a timer's warning or breach, a secrecy marking) and bold
rows (a visitor needing assistance), rows chosen with the arrow keys and kept selected over a
reload. The diarium's and the reception's lists are such tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.i18n import _
from desktop.ui.widgets import name

Index = QModelIndex | QPersistentModelIndex
Row = dict[str, Any]
Column = tuple[str, Callable[[Row], str]]  # (msgid of the header, the cell's text)


class RowTableModel(QAbstractTableModel):
    """Rows of an API list; ``colour(row)`` gives a background colour or "", ``bold(row)``
    whether the row is set in bold."""

    def __init__(
        self,
        columns: list[Column],
        key: Callable[[Row], Any],
        colour: Callable[[Row], str] | None = None,
        parent: QObject | None = None,
        bold: Callable[[Row], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = columns
        self.key = key
        self.colour = colour
        self.bold = bold
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
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
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.columns[index.column()][1](row)
        if role == Qt.ItemDataRole.BackgroundRole and self.colour is not None:
            colour = self.colour(row)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.FontRole and self.bold is not None and self.bold(row):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def text(self) -> str:
        """Every cell, ``|``-separated (what a screen reader or a test reads)."""
        return " | ".join(
            self.columns[c][1](row) for row in self.rows for c in range(len(self.columns))
        )


class RowTable(QTableView):
    """A read-only, row-selecting table named for screen readers; Enter activates a row.
    ``fit``: columns as wide as their contents on one line (else the user's widths, wrapped)."""

    def __init__(
        self,
        columns: list[Column],
        title: str,
        key: Callable[[Row], Any],
        colour: Callable[[Row], str] | None = None,
        parent: QWidget | None = None,
        *,
        bold: Callable[[Row], bool] | None = None,
        fit: bool = True,
    ) -> None:
        super().__init__(parent)
        self.rows = RowTableModel(columns, key, colour, self, bold)
        self.setModel(self.rows)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        if fit:
            self.setWordWrap(False)
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        name(self, title)

    def set_rows(self, rows: list[Row]) -> None:
        """Show ``rows``, keeping the selected row selected when it is still there."""
        chosen = self.selected()
        was = None if chosen is None else self.rows.key(chosen)
        self.rows.set_rows(rows)
        if (was is None or not self.select_key(was)) and rows:
            self.selectRow(0)

    def selected(self) -> Row | None:
        """The selected row (None when none)."""
        chosen = self.selectionModel().selectedRows() if self.selectionModel() else []
        return self.rows.rows[chosen[0].row()] if chosen else None

    def select_key(self, key: Any) -> bool:
        """Select the row whose key is ``key`` (True when it is shown)."""
        for number, row in enumerate(self.rows.rows):
            if self.rows.key(row) == key:
                self.selectRow(number)
                return True
        return False
