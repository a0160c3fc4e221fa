"""The case lists (mine, my groups, overdue, all open) with live timers; Enter opens the case."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTabWidget, QWidget

from desktop.api.client import ApiClient
from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.case_table import CaseTableModel
from desktop.ui.widgets import name
from desktop.viewmodels.case_list import LISTS, CaseListModel
from desktop.viewmodels.my_groups import MY_GROUPS_LIST

# the tabs, in the order agents work them
KINDS = (LISTS[0], MY_GROUPS_LIST, *LISTS[1:])


CASE_EVENTS = ("case.created", "case.changed")


def follow(sources: Iterable[CaseListModel], event: dict) -> None:
    """A live event for case lists: shown rows take a new SLA state or status; a new or
    changed case refreshes every list (coalesced per list)."""
    for source in sources:
        source.apply_event(event)
        if event.get("type") in CASE_EVENTS:
            tasks.spawn(source.refresh())


def case_table(
    source: CaseListModel,
    case_type_names: dict[str, str],
    open_case: Callable[[str], None],
    label: str,
    parent: QWidget,
) -> QTableView:
    """A table over ``source`` (paged as it scrolls, timers ticking); Enter or a double-click
    calls ``open_case(number)``."""
    table = QTableView(parent)
    table.setModel(CaseTableModel(source, case_type_names, parent=table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setColumnWidth(0, 140)
    table.setColumnWidth(4, 260)

    def activated(row: int) -> None:
        model = table.model()
        assert isinstance(model, CaseTableModel)
        open_case(model.row(row)["number"])

    table.activated.connect(lambda index: activated(index.row()))
    name(table, label)
    return table


class CaseListsView(QTabWidget):
    """One tab per list; ``open_case(number)`` is called on Enter or double-click."""

    def __init__(
        self,
        client: ApiClient,
        open_case: Callable[[str], None],
        case_type_names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        name(self, _("Case lists"))
        self.open_case = open_case
        self.models: list[CaseListModel] = []
        self.tables: list[QTableView] = []
        for kind in KINDS:
            source = CaseListModel(client, kind)
            table = case_table(source, case_type_names, open_case, _(kind.label), self)
            self.addTab(table, _(kind.label))
            self.models.append(source)
            self.tables.append(table)

    def reload(self) -> None:
        """Fetch every list again from its first page."""
        for source in self.models:
            tasks.spawn(source.reload())

    def apply_event(self, event: dict) -> None:
        follow(self.models, event)
