"""Secrecy marking (sekretessmarkering): the OSL provision, the date and the authority; shown
as a warning on every view of the document or case file, every read of it audited.

A marking of a case file covers every document in it (those registered later too). The
document rows carry a ``secret`` flag kept in step with the markings in force, so a search
can show the warning without reading the markings.
"""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

from core import audit, db
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.diarium.registry.errors import Unprocessable

PROVISION_RE = re.compile(r"(\d+\s*kap\.?\s*\d+\s*[a-z]?\s*§)|(\b\d+\s*:\s*\d+\b)", re.IGNORECASE)
COLUMNS = (
    "id, document_id, case_file_id, provision, marked_at, marked_by, authority, reason, "
    "marked_date, lifted_at, lifted_by"
)


def check_provision(provision: str) -> str:
    """An OSL provision such as ``OSL 26 kap. 1 §`` (or ``26:1 OSL``), 422 otherwise."""
    provision = " ".join(str(provision or "").split())
    if not provision or len(provision) > 120 or not PROVISION_RE.search(provision):
        raise Unprocessable(
            "A secrecy marking names the provision of the Public Access to Information and "
            "Secrecy Act, e.g. OSL 26 kap. 1 §",
            location=("body", "provision"),
        )
    if "osl" not in provision.lower() and "offentlighets" not in provision.lower():
        provision = f"OSL {provision}"
    return provision


def check_date(text: str | None, field: str = "date") -> str:
    """A ``YYYY-MM-DD`` date not after today (today when empty)."""
    if not text:
        return date.today().isoformat()
    try:
        value = date.fromisoformat(str(text))
    except ValueError:
        raise InvalidInput(
            "{value} is not a date (YYYY-MM-DD)", value=str(text)[:40], location=("body", field)
        ) from None
    if value > date.today():
        raise Unprocessable(
            "The date {value} is in the future", value=text, location=("body", field)
        )
    return value.isoformat()


def check_marking(marking: dict[str, Any]) -> dict[str, Any]:
    """A marking's fields (provision, authority, reason, date), cleaned."""
    authority = " ".join(str(marking.get("authority") or "").split())
    if not authority:
        raise Unprocessable(
            "A secrecy marking names the authority that marked it",
            location=("body", "authority"),
        )
    return {
        "provision": check_provision(str(marking.get("provision") or "")),
        "authority": authority[:200],
        "reason": " ".join(str(marking.get("reason") or "").split())[:500],
        "marked_date": check_date(marking.get("date") or marking.get("marked_date")),
    }


async def add(
    actor: str,
    marking: dict[str, Any],
    *,
    document_id: int | None = None,
    case_file_id: int | None = None,
) -> dict[str, Any]:
    """Mark a document or a case file (in the caller's transaction if there is one); the
    target must exist. Returns the marking."""
    if (document_id is None) == (case_file_id is None):
        raise InvalidInput("A secrecy marking is of a document or of a case file")
    fields = check_marking(marking)
    async with db.transaction():
        if document_id is not None:
            if not await raw.fetchrow("SELECT id FROM diarium_document WHERE id = ?", document_id):
                raise NotFound("No document with id {id}", id=document_id)
        elif not await raw.fetchrow("SELECT id FROM diarium_case_file WHERE id = ?", case_file_id):
            raise NotFound("No case file with id {id}", id=case_file_id)
        marking_id = await raw.insert(
            "diarium_secrecy",
            {
                **fields,
                "document_id": document_id,
                "case_file_id": case_file_id,
                "marked_at": int(time.time()),
                "marked_by": actor,
            },
        )
        await _flag(document_id, case_file_id)
        target = (
            ("diarium_document", document_id)
            if document_id
            else (
                "diarium_case_file",
                case_file_id,
            )
        )
        audit.record(actor, "diarium.secrecy.mark", target[0], target[1], fields)
    return await get(marking_id)


async def lift(actor: str, marking_id: int, reason: str = "") -> dict[str, Any]:
    """Lift a marking (the marking stays on record, with who lifted it and when)."""
    marking = await get(marking_id)
    if marking["lifted_at"] is not None:
        raise Conflict("The secrecy marking {id} is already lifted", id=marking_id)
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_secrecy SET lifted_at = ?, lifted_by = ? WHERE id = ?",
            int(time.time()),
            actor,
            marking_id,
        )
        await _flag(marking["document_id"], marking["case_file_id"])
        audit.record(
            actor,
            "diarium.secrecy.lift",
            "diarium_secrecy",
            marking_id,
            {"reason": " ".join(reason.split())[:500], "provision": marking["provision"]},
        )
    return await get(marking_id)


async def lift_of(
    actor: str,
    marking_id: int,
    reason: str = "",
    *,
    document_id: int | None = None,
    case_file_id: int | None = None,
) -> dict[str, Any]:
    """Lift a marking of the given document or case file; 404 when it marks another one."""
    marking = await get(marking_id)
    if document_id is not None:
        belongs = marking["document_id"] == document_id
    else:
        belongs = marking["case_file_id"] == case_file_id
    if not belongs:
        raise NotFound("No secrecy marking with id {id}", id=marking_id)
    return await lift(actor, marking_id, reason)


async def _flag(document_id: int | None, case_file_id: int | None) -> None:
    """Recompute the ``secret`` flag of the documents a marking concerns."""
    in_force = (
        "EXISTS (SELECT 1 FROM diarium_secrecy s WHERE s.lifted_at IS NULL AND "
        "(s.document_id = diarium_document.id OR (diarium_document.case_file_id IS NOT NULL "
        "AND s.case_file_id = diarium_document.case_file_id)))"
    )
    if document_id is not None:
        await raw.fetch(
            f"UPDATE diarium_document SET secret = {in_force} WHERE id = ?", document_id
        )
    else:
        await raw.fetch(
            f"UPDATE diarium_document SET secret = {in_force} WHERE case_file_id = ?",
            case_file_id,
        )


async def get(marking_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(f"SELECT {COLUMNS} FROM diarium_secrecy WHERE id = ?", marking_id)
    if row is None:
        raise NotFound("No secrecy marking with id {id}", id=marking_id)
    return row


async def in_force(
    document_id: int | None = None, case_file_id: int | None = None
) -> list[dict[str, Any]]:
    """The markings in force on a document (its own and its case file's) or a case file."""
    if document_id is not None:
        return await raw.fetch(
            f"SELECT {COLUMNS} FROM diarium_secrecy WHERE lifted_at IS NULL AND (document_id = ? "
            "OR case_file_id = (SELECT case_file_id FROM diarium_document WHERE id = ?)) "
            "ORDER BY id",
            document_id,
            document_id,
        )
    return await raw.fetch(
        f"SELECT {COLUMNS} FROM diarium_secrecy WHERE lifted_at IS NULL AND case_file_id = ? "
        "ORDER BY id",
        case_file_id,
    )


async def is_marked(document_id: int) -> bool:
    """Whether the document (or its case file) carries a secrecy marking in force."""
    return bool(await in_force(document_id=document_id))


def warning(markings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The warning field every view carries: None when nothing is marked, else the
    provisions, dates and authorities in force (Swedish and English text)."""
    if not markings:
        return None
    items = [
        {
            "id": m["id"],
            "provision": m["provision"],
            "date": m["marked_date"],
            "authority": m["authority"],
            "on": "document" if m["document_id"] is not None else "case_file",
        }
        for m in markings
    ]
    first = items[0]
    return {
        "marked": True,
        "markings": items,
        "text_sv": (
            f"Sekretessmarkerad enligt {first['provision']}, {first['date']}, "
            f"{first['authority']}. Sekretessprövning krävs före utlämnande."
        ),
        "text_en": (
            f"Marked secret under {first['provision']}, {first['date']}, {first['authority']}. "
            "A secrecy review is required before disclosure."
        ),
    }
