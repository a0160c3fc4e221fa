"""The reception panel's tables of visits as the visitor reception's API gives them (its lists
and its roll call): a :class:`~desktop.ui.row_table.RowTable` with the visit's cells, keyed
by the visit number, visitors needing assistance in bold."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.i18n import N_, _
from desktop.ui.row_table import Column, RowTable
from desktop.viewmodels import labels
from desktop.viewmodels.reception import host_name, visitor_name


def number_of(visit: dict[str, Any]) -> str:
    """A visit's number (the key of its row)."""
    return str(visit.get("number") or "")


CELLS: dict[str, Column] = {
    "number": (N_("Visit"), number_of),
    "visitor": (N_("Visitor"), visitor_name),
    "organisation": (N_("Organisation"), lambda v: str(v.get("organisation") or "")),
    "host": (N_("Host"), host_name),
    "location": (N_("Location"), lambda v: str(v.get("location") or "")),
    "assistance": (N_("Needs assistance"), lambda v: _("YES") if v.get("needs_assistance") else ""),
    "checked_in": (N_("Checked in"), lambda v: labels.local_time(v.get("checked_in_at"))),
    "safe_at": (N_("Safe"), lambda v: labels.local_time(v.get("safe_at"))),
    "safe_by": (N_("Ticked off by"), lambda v: str(v.get("safe_by") or "")),
}


class VisitTable(RowTable):
    """A read-only, row-selecting table of visits; ``columns`` are keys of :data:`CELLS`."""

    def __init__(self, columns: tuple[str, ...], title: str, parent: QWidget | None = None):
        super().__init__(
            [CELLS[key] for key in columns],
            title,
            number_of,
            parent=parent,
            bold=lambda v: bool(v.get("needs_assistance")),
            fit=False,
        )
        self.visits = self.rows

    def selected_number(self) -> str:
        """The visit number of the selected row ("" when none)."""
        chosen = self.selected()
        return number_of(chosen) if chosen is not None else ""
