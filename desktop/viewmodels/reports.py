"""Supervisor reports: the core's (and plugins') reports as tables and a chart, exported to
CSV or XLSX exactly as shown (``GET /api/v1/reports/`` and ``/api/v1/reports/{name}``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from desktop.api.client import ApiClient
from desktop.viewmodels import labels
from desktop.viewmodels.observable import Observable

PERMISSION = "reports.read"
LABEL_KEY = "label"  # a report table's column naming its row in the user's language
CODE_LABELS = {"channel": labels.CHANNEL}  # code columns the desktop translates itself


class ReportsModel(Observable):
    """The list of reports, the one shown and which of its tables is chosen."""

    def __init__(self, client: ApiClient) -> None:
        super().__init__()
        self.client = client
        self.available: list[dict[str, Any]] = []
        self.report: dict[str, Any] = {}
        self.table_name = ""

    async def load_list(self) -> None:
        self.available = await self.client.get("/api/v1/reports/")
        self.changed()

    async def show(self, name: str, first: str | None = None, last: str | None = None) -> None:
        """Fetch one report for the period [first, last] (ISO dates; the server's default)."""
        period = {"from": first, "to": last}
        self.report = await self.client.get(f"/api/v1/reports/{name}", **period)
        tables = list((self.report.get("tables") or {}).keys())
        if self.table_name not in tables:
            self.table_name = tables[0] if tables else ""
        self.changed()

    def choose_table(self, name: str) -> None:
        self.table_name = name
        self.changed()

    def table(self, name: str | None = None) -> dict[str, Any]:
        return (self.report.get("tables") or {}).get(name or self.table_name) or {}

    def headings(self, name: str | None = None) -> list[str]:
        return [c["title"] for c in self.table(name).get("columns") or []]

    def rows(self, name: str | None = None) -> list[list[Any]]:
        """The table's cells, in column order (what the view and the exports show)."""
        table = self.table(name)
        keys = [c["key"] for c in table.get("columns") or []]
        return [[row.get(key) for key in keys] for row in table.get("rows") or []]

    def series(self) -> list[tuple[str, float]]:
        """The chart: the first numeric column as values, labelled by the first other column
        — a code the desktop knows (a channel: ``phone``) by its translated name ("Telefon"),
        otherwise by the table's ``label`` column (the name the server gives beside a code)
        when it has one."""
        rows = self.rows()
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        numeric = next(
            (
                i
                for i, col in enumerate(columns)
                if all(isinstance(v, int | float) and not isinstance(v, bool) for v in col)
            ),
            None,
        )
        if numeric is None:
            return []
        keys = [c["key"] for c in self.table().get("columns") or []]
        label = next((i for i, col in enumerate(columns) if i != numeric), None)
        codes = CODE_LABELS.get(keys[label]) if label is not None else None
        if codes is None and LABEL_KEY in keys and keys.index(LABEL_KEY) != numeric:
            label = keys.index(LABEL_KEY)

        def named(row: list[Any], n: int) -> str:
            if label is None:
                return str(n + 1)
            return labels.label(codes, row[label]) if codes else str(row[label])

        return [(named(row, n), float(row[numeric])) for n, row in enumerate(rows)]

    def export_csv(self, path: Path) -> None:
        """The shown table as CSV (UTF-8 with BOM and semicolons, as Swedish Excel reads it)."""
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(self.headings())
            writer.writerows(["" if v is None else v for v in row] for row in self.rows())

    def export_xlsx(self, path: Path) -> None:
        """Every table of the shown report, one sheet each, as XLSX."""
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for name, table in (self.report.get("tables") or {}).items():
            sheet = book.create_sheet((table.get("title") or name)[:31])
            sheet.append(self.headings(name))
            for row in self.rows(name):
                sheet.append(row)
        if not book.worksheets:
            book.create_sheet(str(self.report.get("title") or "report")[:31])
        book.save(path)
