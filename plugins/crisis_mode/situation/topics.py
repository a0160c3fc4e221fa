"""Topics and areas the crisis team keeps (and extends during an event): a stable code and a
Swedish and English label each. A topic is never deleted once tagged; it is set inactive and
stops being offered, while the lägesbild still counts what was tagged with it."""

from __future__ import annotations

import re
import time
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
KINDS = {"topic": "crisis_topic", "area": "crisis_area"}


def _table(kind: str) -> str:
    return KINDS[kind]


def view(row: dict[str, Any], kind: str = "topic") -> dict[str, Any]:
    """A topic or area as the API shows it."""
    out = {
        "id": row["id"],
        "code": row["code"],
        "label_sv": row["label_sv"],
        "label_en": row["label_en"] or row["label_sv"],
        "active": bool(row["active"]),
        "created_by": row["created_by"],
        "created_at": row["created_at"],
    }
    if kind == "topic":
        out["event_id"] = row.get("event_id")
    return out


def label(row: dict[str, Any], lang: str) -> str:
    """The label of a topic or area in ``lang`` (Swedish when there is no English)."""
    return (row.get("label_en") if lang == "en" else "") or row["label_sv"]


async def list_all(kind: str = "topic", include_inactive: bool = True) -> list[dict[str, Any]]:
    """Every topic (or area), active ones first, by Swedish label."""
    sql = f"SELECT * FROM {_table(kind)}"
    if not include_inactive:
        sql += " WHERE active = TRUE"
    rows = await raw.fetch(sql + " ORDER BY active DESC, label_sv, id")
    return [view(r, kind) for r in rows]


async def rows_by_id(kind: str = "topic") -> dict[int, dict[str, Any]]:
    """Every topic (or area) by id, for labelling counts."""
    return {int(r["id"]): r for r in await raw.fetch(f"SELECT * FROM {_table(kind)}")}


def _clean(label_sv: str, label_en: str) -> tuple[str, str]:
    sv, en = " ".join(label_sv.split()), " ".join(label_en.split())
    if not sv:
        raise InvalidInput("Give the Swedish label", location=("body", "label_sv"))
    return sv, en


async def create(
    actor: str,
    code: str,
    label_sv: str,
    label_en: str = "",
    kind: str = "topic",
    event_id: int | None = None,
) -> dict[str, Any]:
    """Add a topic (or area); 409 when the code is taken. Audited."""
    code = code.strip().lower()
    if not CODE.match(code):
        raise InvalidInput(
            "A code is 2 to 40 lowercase letters, digits, - or _", location=("body", "code")
        )
    sv, en = _clean(label_sv, label_en)
    table = _table(kind)
    now = int(time.time())
    async with db.transaction():
        if await raw.fetchrow(f"SELECT id FROM {table} WHERE code = ?", code):
            raise Conflict("The code {code} is already used", code=code)
        row: dict[str, Any] = {
            "code": code,
            "label_sv": sv,
            "label_en": en,
            "active": True,
            "created_by": actor,
            "created_at": now,
        }
        if kind == "topic":
            row["event_id"] = event_id
        new_id = await raw.insert(table, row)
        audit.record(
            actor, f"crisis.{kind}_created", table, code, {"label_sv": sv, "event": event_id}
        )
    return await get(new_id, kind)


async def get(item_id: int, kind: str = "topic") -> dict[str, Any]:
    row = await raw.fetchrow(f"SELECT * FROM {_table(kind)} WHERE id = ?", item_id)
    if row is None:
        if kind == "area":
            raise NotFound("No area with id {id}", id=item_id)
        raise NotFound("No topic with id {id}", id=item_id)
    return view(row, kind)


async def update(
    actor: str,
    item_id: int,
    kind: str = "topic",
    label_sv: str | None = None,
    label_en: str | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change a topic's (or area's) labels or set it (in)active. Audited."""
    current = await get(item_id, kind)
    sv, en = _clean(
        current["label_sv"] if label_sv is None else label_sv,
        (current["label_en"] if label_en is None else label_en),
    )
    on = current["active"] if active is None else active
    table = _table(kind)
    async with db.transaction():
        await raw.fetch(
            f"UPDATE {table} SET label_sv = ?, label_en = ?, active = ? WHERE id = ?",
            sv,
            en,
            on,
            item_id,
        )
        audit.record(
            actor,
            f"crisis.{kind}_changed",
            table,
            current["code"],
            {"label_sv": sv, "label_en": en, "active": on},
        )
    return await get(item_id, kind)
