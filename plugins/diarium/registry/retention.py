"""The informationshanteringsplan per nämnd as data: for each document type (optionally
within a process of the classification plan) whether it is kept (bevaras) or disposed of
(gallras) and after how many years, with the decision it rests on.

Rows are kept one by one (create, change, delete; audited) or imported for a board from CSV or
XLSX, which replaces that board's plan as a whole after every row passed (422 naming row and
column otherwise, nothing changed). The archive area reads :func:`rules_for` for disposal.
"""

from __future__ import annotations

import time
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import InvalidInput, NotFound
from core.i18n import N_
from plugins.diarium.registry import tabular
from plugins.diarium.registry.errors import Unprocessable

ACTIONS = {
    "keep": "keep",
    "bevaras": "keep",
    "bevara": "keep",
    "dispose": "dispose",
    "gallras": "dispose",
    "gallra": "dispose",
}
ALIASES = {
    "board": ("nämnd", "namnd", "board"),
    "document_type": ("handlingstyp", "dokumenttyp", "handling", "document type", "document_type"),
    "process_code": ("process", "processkod", "klass", "process_code"),
    "action": ("bevaras/gallras", "åtgärd", "atgard", "bevara/gallra", "action"),
    "period_years": ("gallringsfrist", "frist", "år", "period", "period_years"),
    "decision_ref": ("beslut", "beslutsreferens", "decision", "decision_ref"),
    "note": ("anmärkning", "kommentar", "note"),
}
COLUMNS = (
    "id, board, document_type, process_code, action, period_years, decision_ref, note, "
    "updated_at, updated_by"
)


class RuleFault(Unprocessable):
    """A rule that breaks the plan's form; in an import it names the row and the column
    (``Rad 3, kolumn gallringsfrist: …``)."""

    ROW_PREFIX = N_("Row {row}, column {column}: {problem}")

    def __init__(
        self, message: str, *, field: str, where: tuple[int, dict[str, str]] | None = None
    ) -> None:
        column = where[1][field] if where else field
        super().__init__(message, location=("body", column))
        self.row = where[0] if where else None
        self.column = column

    def render(self, translate) -> str:
        problem = translate(self.message)
        if self.row is None:
            return problem
        return translate(self.ROW_PREFIX).format(row=self.row, column=self.column, problem=problem)

    def __str__(self) -> str:
        return self.render(lambda text: text)


def check_rule(
    *,
    board: str,
    document_type: str,
    action: str,
    period_years: int | None,
    process_code: str | None = None,
    decision_ref: str = "",
    note: str = "",
    where: tuple[int, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A rule's fields, cleaned; faults name the row and column of an import (``where``)."""

    board = " ".join(board.split())
    document_type = " ".join(document_type.split())
    if not board:
        raise RuleFault("A board (nämnd) is required", field="board", where=where)
    if not document_type:
        raise RuleFault("A document type is required", field="document_type", where=where)
    if len(document_type) > 120 or len(board) > 200:
        raise RuleFault("The text is too long", field="document_type", where=where)
    canonical = ACTIONS.get(str(action).strip().lower())
    if canonical is None:
        raise RuleFault(
            "The action must be keep (bevaras) or dispose (gallras)", field="action", where=where
        )
    if canonical == "dispose" and period_years is None:
        raise RuleFault(
            "A document type that is disposed of needs a period in years",
            field="period_years",
            where=where,
        )
    if period_years is not None and not 0 <= period_years <= 200:
        raise RuleFault("The period must be 0 to 200 years", field="period_years", where=where)
    return {
        "board": board,
        "document_type": document_type,
        "process_code": (process_code or "").strip() or None,
        "action": canonical,
        "period_years": period_years if canonical == "dispose" else None,
        "decision_ref": " ".join(decision_ref.split())[:200],
        "note": note[:5000],
    }


def _years(text: str, row: int, column: str) -> int | None:
    text = text.strip().lower().removesuffix("år").removesuffix("years").strip()
    if not text or text in ("-", "–"):
        return None
    try:
        return int(float(text.replace(",", ".")))
    except ValueError:
        raise Unprocessable(
            "Row {row}, column {column}: {value} is not a number of years",
            row=row,
            column=column,
            value=text,
            location=("body", column),
        ) from None


async def import_plan(actor: str, data: bytes, filename: str, *, board: str) -> dict[str, Any]:
    """Replace ``board``'s informationshanteringsplan by the rows of a CSV or XLSX file (a
    ``nämnd`` column, when present, must name the same board)."""
    board = " ".join(board.split())
    if not board:
        raise InvalidInput("A board (nämnd) is required", location=("query", "board"))
    meta, *rows = tabular.read(data, filename, ALIASES)
    names = {key: spellings[0] for key, spellings in ALIASES.items()}
    for needed in ("document_type", "action"):
        if needed not in meta["_columns"]:
            raise Unprocessable(
                "The file has no column {column}", column=names[needed], location=("body", needed)
            )
    rules = []
    for row in rows:
        number = row["_row"]
        if row.get("board") and " ".join(row["board"].split()).lower() != board.lower():
            raise Unprocessable(
                "Row {row}, column {column}: the row is for {value}, not {board}",
                row=number,
                column=names["board"],
                value=row["board"],
                board=board,
                location=("body", names["board"]),
            )
        rules.append(
            check_rule(
                board=board,
                document_type=row.get("document_type", ""),
                action=row.get("action", ""),
                period_years=_years(row.get("period_years", ""), number, names["period_years"]),
                process_code=row.get("process_code"),
                decision_ref=row.get("decision_ref", ""),
                note=row.get("note", ""),
                where=(number, names),
            )
        )
    if not rules:
        raise Unprocessable("The file holds no rows")
    now = int(time.time())
    async with db.transaction():
        await raw.fetch("DELETE FROM diarium_retention_rule WHERE board = ?", board)
        await raw.executemany(
            "INSERT INTO diarium_retention_rule (board, document_type, process_code, action, "
            "period_years, decision_ref, note, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r["board"],
                    r["document_type"],
                    r["process_code"],
                    r["action"],
                    r["period_years"],
                    r["decision_ref"],
                    r["note"],
                    now,
                    actor,
                )
                for r in rules
            ],
        )
        audit.record(
            actor,
            "diarium.retention.import",
            "diarium_retention_plan",
            board[:100],
            {"filename": filename[:200], "rules": len(rules)},
        )
    return {"board": board, "rules": len(rules)}


async def create(actor: str, **fields: Any) -> dict[str, Any]:
    """Add a rule to a board's plan."""
    rule = check_rule(**fields)
    async with db.transaction():
        rule_id = await raw.insert(
            "diarium_retention_rule",
            {**rule, "updated_at": int(time.time()), "updated_by": actor},
        )
        audit.record(actor, "diarium.retention.create", "diarium_retention_rule", rule_id, rule)
    return await get(rule_id)


async def update(actor: str, rule_id: int, **fields: Any) -> dict[str, Any]:
    """Replace a rule's fields."""
    await get(rule_id)
    rule = check_rule(**fields)
    async with db.transaction():
        sets = ", ".join(f"{column} = ?" for column in rule)
        await raw.fetch(
            f"UPDATE diarium_retention_rule SET {sets}, updated_at = ?, updated_by = ? "
            "WHERE id = ?",
            *rule.values(),
            int(time.time()),
            actor,
            rule_id,
        )
        audit.record(actor, "diarium.retention.update", "diarium_retention_rule", rule_id, rule)
    return await get(rule_id)


async def delete(actor: str, rule_id: int) -> None:
    """Remove a rule."""
    rule = await get(rule_id)
    async with db.transaction():
        await raw.fetch("DELETE FROM diarium_retention_rule WHERE id = ?", rule_id)
        audit.record(
            actor,
            "diarium.retention.delete",
            "diarium_retention_rule",
            rule_id,
            {"board": rule["board"], "document_type": rule["document_type"]},
        )


async def get(rule_id: int) -> dict[str, Any]:
    """One rule (404 if there is none)."""
    row = await raw.fetchrow(f"SELECT {COLUMNS} FROM diarium_retention_rule WHERE id = ?", rule_id)
    if row is None:
        raise NotFound("No rule with id {id} in the informationshanteringsplan", id=rule_id)
    return row


async def rules_for(board: str | None = None) -> list[dict[str, Any]]:
    """The rules of one board's plan (every board's when None), by board and document type."""
    if board:
        return await raw.fetch(
            f"SELECT {COLUMNS} FROM diarium_retention_rule WHERE board = ? "
            "ORDER BY document_type, id",
            board,
        )
    return await raw.fetch(
        f"SELECT {COLUMNS} FROM diarium_retention_rule ORDER BY board, document_type, id"
    )


async def document_types(board: str) -> set[str]:
    """The document types a board's plan names (lower case)."""
    rows = await raw.fetch(
        "SELECT document_type FROM diarium_retention_rule WHERE board = ?", board
    )
    return {r["document_type"].lower() for r in rows}
