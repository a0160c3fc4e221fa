"""Reading the municipality's own spreadsheets: CSV (``;`` or ``,``, UTF-8 or Windows-1252)
and XLSX (the first sheet), as rows of named cells with their row numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from plugins.diarium.registry.errors import Unprocessable

MAX_ROWS = 20_000


def _norm(name: Any) -> str:
    return " ".join(str(name or "").strip().lower().split())


def read(data: bytes, filename: str, aliases: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file as ``{"_row": n, column: text}``, columns named by the
    header row through ``aliases`` (canonical name → accepted header spellings). Rows without
    any value are skipped."""
    xlsx = data[:2] == b"PK" or filename.lower().endswith(".xlsx")
    table = _xlsx(data) if xlsx else _csv(data)
    if not table:
        raise Unprocessable("The file is empty")
    header = [_norm(cell) for cell in table[0]]
    index: dict[str, int] = {}
    for canonical, spellings in aliases.items():
        for position, name in enumerate(header):
            if name in spellings or name == canonical:
                index[canonical] = position
                break
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(cell or "").strip() for cell in cells):
            continue
        row: dict[str, Any] = {"_row": number}
        for canonical, position in index.items():
            value = cells[position] if position < len(cells) else ""
            row[canonical] = "" if value is None else str(value).strip()
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise Unprocessable("The file has more than {max} rows", max=MAX_ROWS)
    return [{"_columns": set(index)}, *rows]


def _csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise Unprocessable("The file is neither CSV nor XLSX")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    if first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Unprocessable("The file is neither CSV nor XLSX") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for cells in sheet.iter_rows(values_only=True):
            rows.append(list(cells))
            if len(rows) > MAX_ROWS + 1:
                raise Unprocessable("The file has more than {max} rows", max=MAX_ROWS)
        return rows
    finally:
        book.close()


def column_letter(columns: list[str], name: str) -> str:
    """The spreadsheet letter of a column (A, B, …) by its place in ``columns``."""
    position = columns.index(name) if name in columns else 0
    return chr(ord("A") + position) if position < 26 else str(position + 1)
