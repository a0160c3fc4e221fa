"""The "My groups" view: the agent's answer groups and, for the chosen one, its queue."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import button, name
from desktop.viewmodels import labels
from desktop.viewmodels.my_groups import MyGroupsModel


class MyGroupsView(QWidget):
    """Groups on the left (name, department, members, queue size), the queue on the right."""

    def __init__(self, model: MyGroupsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        name(self, _("My groups"))
        self.groups = QTableWidget(0, 4, self)
        self.groups.setHorizontalHeaderLabels(
            [_("Group"), _("Department"), _("Members"), _("In queue")]
        )
        self.groups.verticalHeader().setVisible(False)
        self.groups.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.groups.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        name(self.groups, _("My groups"))
        self.queue = QTableWidget(0, 4, self)
        self.queue.setHorizontalHeaderLabels(
            [_("Received"), _("Channel"), _("Number"), _("Summary")]
        )
        self.queue.horizontalHeader().setStretchLastSection(True)
        self.queue.verticalHeader().setVisible(False)
        name(self.queue, _("Queue of the group"))
        row = QHBoxLayout()
        row.addWidget(self.groups, 2)
        row.addWidget(self.queue, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(button(self, _("Refresh my groups"), "Ctrl+Shift+G", self.reload))
        self.groups.itemSelectionChanged.connect(self.show_queue)
        model.subscribe(self.show_groups)

    def reload(self) -> None:
        tasks.spawn(self.model.load())

    def show_groups(self) -> None:
        groups = self.model.groups
        self.groups.setRowCount(len(groups))
        for r, group in enumerate(groups):
            values = (
                group.get("name_sv") or group["code"],
                group.get("department") or "",
                str(len(group.get("members") or [])),
                str(self.model.queue_total(group["code"])),
            )
            for c, value in enumerate(values):
                self.groups.setItem(r, c, QTableWidgetItem(value))
        if groups and not self.groups.selectedItems():
            self.groups.selectRow(0)
        self.show_queue()

    def current_code(self) -> str | None:
        row = self.groups.currentRow()
        if 0 <= row < len(self.model.groups):
            return self.model.groups[row]["code"]
        return None

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
