"""The "My groups" view: the agent's answer groups and, for the chosen one, its open cases
(timers live, Enter opens the case) and its latest contacts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QLabel,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.case_list import case_table, follow
from desktop.ui.widgets import button, name
from desktop.viewmodels import labels
from desktop.viewmodels.my_groups import MyGroupsModel

OPEN_CASES_COLUMN = 3


def _nothing(number: str) -> None:
    """The default ``open_case``: a view shown on its own opens no case window."""


class MyGroupsView(QWidget):
    """The groups on top (name, department, members, open cases, contacts); the chosen
    group's cases and contacts below."""

    def __init__(
        self,
        model: MyGroupsModel,
        parent: QWidget | None = None,
        open_case: Callable[[str], None] = _nothing,
        case_type_names: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.open_case = open_case
        self.case_type_names = case_type_names if case_type_names is not None else {}
        name(self, _("My groups"))
        self.groups = QTableWidget(0, 5, self)
        self.groups.setHorizontalHeaderLabels(
            [_("Group"), _("Department"), _("Members"), _("Open cases"), _("In queue")]
        )
        self.groups.verticalHeader().setVisible(False)
        self.groups.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.groups.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        name(self.groups, _("My groups"))
        self.cases = QStackedWidget(self)
        name(self.cases, _("Cases of the group"))
        self.case_tables: dict[str, QTableView] = {}
        self.empty = QLabel(_("You are not a member of any answer group."), self.cases)
        self.cases.addWidget(self.empty)
        self.queue = QTableWidget(0, 4, self)
        self.queue.setHorizontalHeaderLabels(
            [_("Received"), _("Channel"), _("Number"), _("Summary")]
        )
        self.queue.horizontalHeader().setStretchLastSection(True)
        self.queue.verticalHeader().setVisible(False)
        name(self.queue, _("Queue of the group"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.groups, 1)
        for title, widget, stretch in (
            (_("Cases of the group"), self.cases, 3),
            (_("Queue of the group"), self.queue, 2),
        ):
            heading = QLabel(title, self)
            heading.setStyleSheet("font-weight: 600;")
            heading.setBuddy(widget)
            layout.addWidget(heading)
            layout.addWidget(widget, stretch)
        layout.addWidget(button(self, _("Refresh my groups"), "Ctrl+Shift+G", self.reload))
        self.groups.itemSelectionChanged.connect(self.show_group)
        model.subscribe(self.show_groups)

    def reload(self) -> None:
        tasks.spawn(self.model.load())

    def apply_event(self, event: dict) -> None:
        """A live event: the state of a shown case; a new or changed case reloads the
        groups' case lists (not the groups)."""
        follow(self.model.case_lists.values(), event)

    def show_groups(self) -> None:
        groups = self.model.groups
        self.groups.setRowCount(len(groups))
        for r, group in enumerate(groups):
            values = (
                group.get("name_sv") or group["code"],
                group.get("department") or "",
                str(len(group.get("members") or [])),
                self.model.cases_count(group["code"]),
                str(self.model.queue_total(group["code"])),
            )
            for c, value in enumerate(values):
                self.groups.setItem(r, c, QTableWidgetItem(value))
        self.groups.resizeColumnsToContents()
        if groups and not self.groups.selectedItems():
            self.groups.selectRow(0)
        self.show_group()

    def show_counts(self) -> None:
        """Refresh the open-case counts (a group's list was reloaded or grew a page)."""
        for r, group in enumerate(self.model.groups[: self.groups.rowCount()]):
            self.groups.setItem(
                r, OPEN_CASES_COLUMN, QTableWidgetItem(self.model.cases_count(group["code"]))
            )

    def current_code(self) -> str | None:
        row = self.groups.currentRow()
        if 0 <= row < len(self.model.groups):
            return self.model.groups[row]["code"]
        return None

    def show_group(self) -> None:
        """Show the chosen group's cases and contacts."""
        code = self.current_code()
        self.cases.setCurrentWidget(self.case_table(code) if code else self.empty)
        self.show_queue()

    def case_table(self, code: str) -> QTableView:
        """The table of the group's cases, made the first time the group is shown."""
        table = self.case_tables.get(code)
        if table is None:
            source = self.model.cases(code)
            table = case_table(
                source, self.case_type_names, self.open_case, _("Cases of the group"), self.cases
            )
            self.cases.addWidget(table)
            self.case_tables[code] = table
            source.subscribe(self.show_counts)
        return table

    def show_queue(self) -> None:
        code = self.current_code()
        items = self.model.queue(code) if code else []
        self.queue.setRowCount(len(items))
        for r, item in enumerate(items):
            values = (
                labels.local_time(item.get("received_at")),
                labels.label(labels.CHANNEL, item.get("channel")),
                str(item.get("number") or ""),
                item.get("summary") or "",
            )
            for c, value in enumerate(values):
                self.queue.setItem(r, c, QTableWidgetItem(value))
        for column in range(self.queue.columnCount() - 1):  # the summary takes the rest
            self.queue.resizeColumnToContents(column)
