"""Diary series per nämnd with their number patterns, and the gap-free yearly counters.

A series' ``pattern`` makes the diarienummer of its case files (and of documents standing
alone in the series) from ``{code}``, ``{year}`` and ``{seq}`` (``{seq:05}`` pads with
zeros); ``doc_pattern`` makes a document's number within a case file from ``{case}`` (the
case file's number) and ``{doc}`` (``{doc:03}``). Every pattern must contain ``{seq}`` (or
``{doc}``) exactly once, and nothing but these fields.

Numbers: :func:`take_number` raises the counter of the series and year in the caller's
write transaction (``INSERT … ON CONFLICT DO UPDATE … RETURNING``). On PostgreSQL that holds
the counter row's lock until the transaction that inserts the numbered row commits; on SQLite
the write transaction holds the database's write lock. A rolled-back registration takes its
number back with it, so numbers stay gap-free; a committed number is never given again (a
cancelled case file or document keeps it, status ``cancelled``).
"""

from __future__ import annotations

import re
import string
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import audit, db
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.diarium.registry.errors import Unprocessable

CODE_RE = re.compile(r"^[A-ZÅÄÖ][A-ZÅÄÖ0-9]{0,19}$")
CASE_FIELDS = {"code": "", "year": "", "seq": "d"}
DOC_FIELDS = {"case": "", "doc": "d"}
SPEC_RE = re.compile(r"^0?[1-9]?$")
COLUMNS = "id, code, name, board, pattern, doc_pattern, active, created_at, created_by"
CASE_MAX, DOC_MAX = 40, 50


def check_pattern(pattern: str, fields: dict[str, str], sequence: str, field: str) -> str:
    """``pattern`` if it is a valid number pattern with ``{sequence}`` once (422 otherwise)."""
    pattern = pattern.strip()
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        raise Unprocessable(
            "The number pattern {pattern} is not valid", pattern=pattern, location=("body", field)
        ) from None
    names = [name for _, name, _, _ in parsed if name is not None]
    if names.count(sequence) != 1:
        raise Unprocessable(
            "The number pattern {pattern} must contain {{{sequence}}} exactly once",
            pattern=pattern,
            sequence=sequence,
            location=("body", field),
        )
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in fields or conversion:
            raise Unprocessable(
                "The number pattern {pattern} has an unknown field {{{name}}}; use {fields}",
                pattern=pattern,
                name=name,
                fields=", ".join("{" + f + "}" for f in fields),
                location=("body", field),
            )
        if spec and (not fields[name] or not SPEC_RE.match(spec)):
            raise Unprocessable(
                "The number pattern {pattern} has a format {spec} that is not allowed; "
                "only zero padding of the sequence, e.g. {{seq:05}}",
                pattern=pattern,
                spec=spec,
                location=("body", field),
            )
    return pattern


def _format(pattern: str, **values: Any) -> str:
    return pattern.format(**{k: (int(v) if k in ("seq", "doc") else v) for k, v in values.items()})


def case_number(series: dict[str, Any], year: int, seq: int) -> str:
    """The diarienummer of number ``seq`` of ``year`` in ``series``."""
    return _format(series["pattern"], code=series["code"], year=year, seq=seq)


def document_number(series: dict[str, Any], case: str, doc: int) -> str:
    """The number of document ``doc`` within the case file numbered ``case``."""
    return _format(series["doc_pattern"] or "{case}-{doc}", case=case, doc=doc)


def check_code(code: str) -> str:
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(
            "A series code is 1 to 20 capital letters or digits, starting with a letter",
            location=("body", "code"),
        )
    return code


def _sample_lengths(pattern: str, doc_pattern: str, code: str) -> None:
    """Refuse patterns whose numbers would not fit the columns (a big year and sequence)."""
    sample = _format(pattern, code=code, year=2099, seq=999999)
    if len(sample) > CASE_MAX:
        raise Unprocessable(
            "Numbers of the pattern {pattern} would be longer than {max} characters",
            pattern=pattern,
            max=CASE_MAX,
            location=("body", "pattern"),
        )
    if len(_format(doc_pattern, case=sample, doc=9999)) > DOC_MAX:
        raise Unprocessable(
            "Numbers of the pattern {pattern} would be longer than {max} characters",
            pattern=doc_pattern,
            max=DOC_MAX,
            location=("body", "doc_pattern"),
        )


def view(row: dict[str, Any]) -> dict[str, Any]:
    """A series as the API shows it, with an example number."""
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "board": row["board"],
        "pattern": row["pattern"],
        "doc_pattern": row["doc_pattern"],
        "active": bool(row["active"]),
        "created_at": row["created_at"],
        "example": document_number(row, case_number(row, 2026, 45), 3),
    }


async def create(
    actor: str,
    *,
    code: str,
    name: str,
    board: str,
    pattern: str,
    doc_pattern: str = "",
) -> dict[str, Any]:
    """Create a series; a pattern without ``{seq}`` is refused (422), a code in use is 409."""
    code = check_code(code)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("The series needs a name", location=("body", "name"))
    pattern = check_pattern(pattern, CASE_FIELDS, "seq", "pattern")
    doc_pattern = check_pattern(doc_pattern or "{case}-{doc}", DOC_FIELDS, "doc", "doc_pattern")
    _sample_lengths(pattern, doc_pattern, code)
    now = int(time.time())
    async with db.transaction():
        if await raw.fetchrow("SELECT id FROM diarium_series WHERE code = ?", code):
            raise Conflict("There is already a series {code}", code=code)
        series_id = await raw.insert(
            "diarium_series",
            {
                "code": code,
                "name": name,
                "board": " ".join(board.split()),
                "pattern": pattern,
                "doc_pattern": doc_pattern,
                "active": True,
                "created_at": now,
                "created_by": actor,
                "updated_at": now,
            },
        )
        audit.record(actor, "diarium.series.create", "diarium_series", code, {"pattern": pattern})
    return view(await _row(series_id))


async def update(
    actor: str,
    code: str,
    *,
    name: str | None = None,
    board: str | None = None,
    pattern: str | None = None,
    doc_pattern: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change a series (its numbers taken so far keep the form they were given)."""
    current = await get_by_code(code)
    changes: dict[str, Any] = {}
    if name is not None:
        if not " ".join(name.split()):
            raise InvalidInput("The series needs a name", location=("body", "name"))
        changes["name"] = " ".join(name.split())
    if board is not None:
        changes["board"] = " ".join(board.split())
    if pattern is not None:
        changes["pattern"] = check_pattern(pattern, CASE_FIELDS, "seq", "pattern")
    if doc_pattern is not None:
        changes["doc_pattern"] = check_pattern(doc_pattern, DOC_FIELDS, "doc", "doc_pattern")
    if active is not None:
        changes["active"] = active
    merged = {**current, **changes}
    _sample_lengths(merged["pattern"], merged["doc_pattern"], current["code"])
    if changes:
        changes["updated_at"] = int(time.time())
        sets = ", ".join(f"{column} = ?" for column in changes)
        async with db.transaction():
            await raw.fetch(
                f"UPDATE diarium_series SET {sets} WHERE id = ?", *changes.values(), current["id"]
            )
            audit.record(
                actor,
                "diarium.series.update",
                "diarium_series",
                current["code"],
                {k: v for k, v in changes.items() if k != "updated_at"},
            )
    return view(await _row(current["id"]))


async def _row(series_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(f"SELECT {COLUMNS} FROM diarium_series WHERE id = ?", series_id)
    if row is None:
        raise NotFound("No diary series with id {id}", id=series_id)
    return row


async def get_by_code(code: str) -> dict[str, Any]:
    """The series with this code (NotFound, 404, if there is none)."""
    row = await raw.fetchrow(
        f"SELECT {COLUMNS} FROM diarium_series WHERE code = ?", str(code).strip().upper()
    )
    if row is None:
        raise NotFound("No diary series {code}", code=code)
    return row


async def get(series_id: int) -> dict[str, Any]:
    """The series with this id (404 if there is none)."""
    return await _row(series_id)


async def list_all() -> list[dict[str, Any]]:
    """Every series by code."""
    rows = await raw.fetch(f"SELECT {COLUMNS} FROM diarium_series ORDER BY code")
    return [view(row) for row in rows]


def current_year(now: float | None = None) -> int:
    """The year in Swedish time (the yearly reset follows the municipality's new year)."""
    return datetime.fromtimestamp(now or time.time(), ZoneInfo("Europe/Stockholm")).year


async def take_number(series_id: int, year: int) -> int:
    """The next number of the series in ``year`` (1 after a new year): call inside the write
    transaction that inserts the numbered row."""
    if not db.in_transaction():
        raise RuntimeError("take_number() needs core.db.transaction()")
    row = await raw.fetchrow(
        "INSERT INTO diarium_counter (series_id, year, last_value) VALUES (?, ?, 1) "
        "ON CONFLICT (series_id, year) DO UPDATE SET last_value = diarium_counter.last_value + 1 "
        "RETURNING last_value",
        series_id,
        year,
    )
    assert row is not None
    return int(row["last_value"])


async def counters(series_id: int) -> list[dict[str, Any]]:
    """The last number taken in each year of a series."""
    return await raw.fetch(
        "SELECT year, last_value FROM diarium_counter WHERE series_id = ? ORDER BY year",
        series_id,
    )
