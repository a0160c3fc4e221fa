"""The case list's Qt model: rows from :class:`CaseListModel`, fetched in pages as the view
scrolls (``canFetchMore``/``fetchMore``), and the SLA column ticking every second."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor

from desktop.i18n import N_, _
from desktop.ui import tasks
from desktop.viewmodels import labels, sla
from desktop.viewmodels.case_list import CaseListModel

COLUMNS = (
    ("number", N_("Case")),
    ("sla", N_("Time left")),
    ("sla_state", N_("Service level")),
    ("status", N_("Status")),
    ("subject", N_("Subject")),
    ("party_name", N_("Party")),
    ("case_type", N_("Case type")),
    ("priority", N_("Priority")),
)
SLA_COLUMN = 1
STATE_COLUMN = 2
COLOURS = {"breached": "#f8d7da", "warning": "#fff3cd"}
Index = QModelIndex | QPersistentModelIndex
ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.AccessibleTextRole,
    }
)


class CaseTableModel(QAbstractTableModel):
    """A table over the rows fetched so far; more come when the view asks."""

    def __init__(
        self,
        source: CaseListModel,
        case_type_names: dict[str, str] | None = None,
        clock=time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.case_type_names = case_type_names if case_type_names is not None else {}
        self.clock = clock
        self._shown = 0
        self._due: list[float | None] = []
        source.subscribe(self._source_changed)
        self.timer = QTimer(self, interval=1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(COLUMNS[section][1])
        return None

    def row(self, index: int) -> dict[str, Any]:
        return self.source.rows[index]

    def _state(self, row: int, now: float) -> str:
        """The live SLA state from the cached due time (no date parsing while painting)."""
        state = self.source.rows[row].get("sla_state") or "none"
        due = self._due[row]
        if state in ("ok", "warning") and due is not None and due < now:
            return "breached"
        return state

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        case = self.source.rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            key = COLUMNS[column][0]
            if column == SLA_COLUMN:
                due = self._due[row]
                return sla.format_left(None if due is None else int(due - self.clock()))
            if column == STATE_COLUMN:
                return sla.state_label(self._state(row, self.clock()))
            if key == "status":
                return labels.label(labels.STATUS, case.get("status"))
            if key == "priority":
                return labels.label(labels.PRIORITY, case.get("priority"))
            if key == "case_type":
                code = case.get("case_type") or ""
                return self.case_type_names.get(code, code)
            if key == "party_name" and case.get("secret"):
                return _("(secret)")
            return str(case.get(key) or "")
        if role == Qt.ItemDataRole.BackgroundRole and column in (SLA_COLUMN, STATE_COLUMN):
            colour = COLOURS.get(self._state(row, self.clock()))
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{_(COLUMNS[column][1])}: {self.data(index)}"
        return None

    # --- paging ----------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return self._shown < len(self.source.rows) or not self.source.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        if self._shown < len(self.source.rows):
            self._show_fetched()
        elif not self.source.loading:
            tasks.spawn(self.source.fetch_more())

    def _show_fetched(self) -> None:
        start, end = self._shown, len(self.source.rows)
        if end <= start:
            return
        self.beginInsertRows(QModelIndex(), start, end - 1)
        self._due.extend(sla.epoch(r.get("resolution_due")) for r in self.source.rows[start:])
        self._shown = end
        self.endInsertRows()

    def _source_changed(self) -> None:
        if len(self.source.rows) < self._shown:  # reloaded from the first page
            self.beginResetModel()
            self._shown = 0
            self._due = []
            self.endResetModel()
        if len(self.source.rows) > self._shown:  # a new page: only the new rows appear
            self._show_fetched()
        elif self._shown:  # rows changed in place (a live event)
            self._due = [sla.epoch(r.get("resolution_due")) for r in self.source.rows]
            self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, len(COLUMNS) - 1))

    def tick(self) -> None:
        """Repaint the timers (only the two SLA columns change)."""
        if self._shown:
            self.dataChanged.emit(
                self.index(0, SLA_COLUMN), self.index(self._shown - 1, STATE_COLUMN)
            )
