"""The classification plan in the KLASSA structure (verksamhetsområde → processgrupp →
process, dot codes such as ``1.2.3``), imported from the municipality's CSV or XLSX.

An import replaces one plan version as a whole, in one transaction, after every row passed:
a code that is not a dot code, a level that does not match the code's depth, a missing
parent, a code twice or a missing title is a 422 naming the row and the column, and nothing
changes. Every case file is classified under a process of the plan (:func:`check_process`).
"""

from __future__ import annotations

import re
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import NotFound
from plugins.diarium.registry import tabular
from plugins.diarium.registry.errors import Unprocessable

LEVELS = ("verksamhetsomrade", "processgrupp", "process")
LEVEL_ALIASES = {
    "verksamhetsomrade": "verksamhetsomrade",
    "verksamhetsområde": "verksamhetsomrade",
    "processgrupp": "processgrupp",
    "process": "process",
    "1": "verksamhetsomrade",
    "2": "processgrupp",
    "3": "process",
}
CODE_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){0,2}$")
ALIASES = {
    "code": ("kod", "klass", "klasskod", "referenskod", "code"),
    "level": ("nivå", "niva", "level", "typ"),
    "title": ("rubrik", "benämning", "namn", "title", "name"),
    "description": ("beskrivning", "description", "kommentar"),
}
COLUMN_ORDER = ["code", "level", "title", "description"]
VERSION_RE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


def _problem(message: str, row: int, column: str, **params: Any) -> Unprocessable:
    return Unprocessable(message, row=row, column=column, location=("body", column), **params)


def parse(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The classes of a plan file, validated (422 naming row and column at the first fault)."""
    meta, *rows = tabular.read(data, filename, ALIASES)
    columns = meta["_columns"]
    for needed in ("code", "title"):
        if needed not in columns:
            raise Unprocessable(
                "The file has no column {column}",
                column=ALIASES[needed][0],
                location=("body", needed),
            )
    seen: dict[str, dict[str, Any]] = {}
    out = []
    for row in rows:
        number = row["_row"]
        code = row["code"].strip().rstrip(".")
        if not CODE_RE.match(code):
            raise _problem(
                "Row {row}, column {column}: {value} is not a KLASSA dot code (e.g. 1.2.3)",
                number,
                "kod",
                value=code or "''",
            )
        depth = code.count(".")
        expected = LEVELS[depth]
        level_text = (row.get("level") or "").strip().lower()
        if level_text:
            level = LEVEL_ALIASES.get(level_text)
            if level is None:
                raise _problem(
                    "Row {row}, column {column}: the level must be verksamhetsomrade, "
                    "processgrupp or process, not {value}",
                    number,
                    "nivå",
                    value=level_text,
                )
            if level != expected:
                raise _problem(
                    "Row {row}, column {column}: {code} is a {expected} by its code, not a {value}",
                    number,
                    "nivå",
                    code=code,
                    expected=expected,
                    value=level,
                )
        if code in seen:
            raise _problem(
                "Row {row}, column {column}: the code {code} is already on row {first}",
                number,
                "kod",
                code=code,
                first=seen[code]["_row"],
            )
        parent = code.rsplit(".", 1)[0] if depth else ""
        if parent and parent not in seen:
            raise _problem(
                "Row {row}, column {column}: the parent {parent} of {code} is not above it",
                number,
                "kod",
                parent=parent,
                code=code,
            )
        title = " ".join(row["title"].split())
        if not title:
            raise _problem("Row {row}, column {column}: a title is required", number, "rubrik")
        if len(title) > 300:
            raise _problem(
                "Row {row}, column {column}: the title is longer than 300 characters",
                number,
                "rubrik",
            )
        item = {
            "_row": number,
            "code": code,
            "level": expected,
            "title": title,
            "description": (row.get("description") or "")[:5000],
            "parent_code": parent,
        }
        seen[code] = item
        out.append(item)
    if not out:
        raise Unprocessable("The file holds no classes")
    return out


async def import_plan(
    actor: str, data: bytes, filename: str, *, plan_version: str = "1"
) -> dict[str, Any]:
    """Import a plan from CSV or XLSX; errors name the row and column (422), nothing changes.
    The version's classes are replaced as a whole; case files keep their codes."""
    if not VERSION_RE.match(plan_version):
        raise Unprocessable(
            "A plan version is 1 to 40 letters, digits, dots or dashes",
            location=("query", "plan_version"),
        )
    classes = parse(data, filename)
    async with db.transaction():
        await raw.fetch("DELETE FROM diarium_class WHERE plan_version = ?", plan_version)
        await raw.executemany(
            "INSERT INTO diarium_class (plan_version, code, level, title, description, "
            "parent_code) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    plan_version,
                    c["code"],
                    c["level"],
                    c["title"],
                    c["description"],
                    c["parent_code"],
                )
                for c in classes
            ],
        )
        audit.record(
            actor,
            "diarium.plan.import",
            "diarium_plan",
            plan_version,
            {"filename": filename[:200], "classes": len(classes)},
        )
    counts = {level: sum(1 for c in classes if c["level"] == level) for level in LEVELS}
    return {"plan_version": plan_version, "classes": len(classes), "levels": counts}


async def classes(plan_version: str | None = None) -> list[dict[str, Any]]:
    """The classes of a plan version (every version when None), by version and code."""
    sql = "SELECT plan_version, code, level, title, description, parent_code FROM diarium_class"
    rows = await (
        raw.fetch(sql + " WHERE plan_version = ? ORDER BY code", plan_version)
        if plan_version
        else raw.fetch(sql + " ORDER BY plan_version, code")
    )
    return sorted(rows, key=lambda r: (r["plan_version"], [int(p) for p in r["code"].split(".")]))


async def versions() -> list[dict[str, Any]]:
    """The plan versions with their number of classes."""
    return await raw.fetch(
        "SELECT plan_version, COUNT(*) AS classes FROM diarium_class GROUP BY plan_version "
        "ORDER BY plan_version"
    )


async def check_process(code: str) -> dict[str, Any]:
    """The class a case file is classified under: a process of the plan (422 otherwise)."""
    code = str(code or "").strip()
    row = await raw.fetchrow(
        "SELECT plan_version, code, level, title FROM diarium_class WHERE code = ? "
        "ORDER BY plan_version DESC",
        code,
    )
    if row is None:
        raise Unprocessable(
            "The classification code {code} is not in the classification plan",
            code=code or "''",
            location=("body", "classification_code"),
        )
    if row["level"] != "process":
        raise Unprocessable(
            "A case file is classified under a process; {code} is a {level}",
            code=code,
            level=row["level"],
            location=("body", "classification_code"),
        )
    return row


async def get(code: str) -> dict[str, Any]:
    """One class (the newest version that has it)."""
    row = await raw.fetchrow(
        "SELECT plan_version, code, level, title, description, parent_code FROM diarium_class "
        "WHERE code = ? ORDER BY plan_version DESC",
        code,
    )
    if row is None:
        raise NotFound("No class {code} in the classification plan", code=code)
    return row
