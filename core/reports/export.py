"""Reports as files: one table as CSV, the whole report as an XLSX workbook (openpyxl).

Headings are in the request's language (Swedish by default). CSV is UTF-8 with a byte-order
mark (so Excel shows å, ä and ö), comma-separated, with a decimal point.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

from core.errors import InvalidInput
from core.reports.model import Report, ReportTable

CSV_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" to every text/* type
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {"kr": "#,##0.00", "percent": "0.00", "float": "0.0", "seconds": "0.0"}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def to_csv(report: Report, table_name: str, lang: str) -> bytes:
    """One table of ``report`` as CSV (first row: the headings)."""
    table = report.table(table_name)
    if table is None:
        raise InvalidInput(
            "The report {report} has no table {table}", report=report.name, table=table_name[:60]
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.heading(lang) for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(c.key)) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]\*\?/\\:]", "-", title)[:31] or "Blad"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return str(value)
    return value


def to_xlsx(report: Report, lang: str) -> bytes:
    """The whole report as a workbook: a summary sheet, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    en = lang == "en"
    book = Workbook()
    used: set[str] = set()
    sheet = book.active
    sheet.title = _sheet_title("Summary" if en else "Sammanfattning", used)
    bold = Font(bold=True)
    sheet.append([report.title(lang)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        ["Period", f"{report.period.first.isoformat()} – {report.period.last.isoformat()}"]
    )
    for key, value in report.filters.codes().items():
        sheet.append([key, value])
    sheet.append([])
    sheet.append(["Figure" if en else "Mått", "Value" if en else "Värde"])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for figure in report.summary:
        sheet.append([figure.label(lang), _xlsx_value(figure.value)])
        if figure.kind in NUMBER_FORMATS:
            sheet.cell(sheet.max_row, 2).number_format = NUMBER_FORMATS[figure.kind]
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 20
    for table in report.tables:
        _table_sheet(book.create_sheet(_sheet_title(table.title(lang), used)), table, lang, bold)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table_sheet(sheet: Any, table: ReportTable, lang: str, bold: Any) -> None:
    sheet.append([c.heading(lang) for c in table.columns])
    for cell in sheet[1]:
        cell.font = bold
    for row in table.rows:
        sheet.append([_xlsx_value(row.get(c.key)) for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = max(10, min(40, len(column.heading(lang)) + 2))
        fmt = NUMBER_FORMATS.get(column.kind)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
