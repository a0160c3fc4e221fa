"""Registering documents (inkommande, upprättade, utgående) with the fields OSL 5:2 requires:
the number taken gap-free from the series (or the case file), the date received or drawn up,
the counterpart and the brief content, each as a public and a protected text.

A document in a case file is numbered within it (the series' ``doc_pattern``, e.g.
``KS 2026/45-3``; the case file's row lock orders concurrent registrations); a document
standing alone takes a number of the series itself. The number, the files, the secrecy
marking and the audit entry are written in one transaction: a failed registration takes
nothing, a committed one keeps its number for ever (a cancelled document stays, status
``cancelled``).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import date
from typing import Any

from core import audit, db, events
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.diarium.registry import access, pnr, retention, secrecy, series
from plugins.diarium.registry import files as file_store
from plugins.diarium.registry import secrecy as secrecy_service
from plugins.diarium.registry.errors import Unprocessable

try:
    from asyncpg.exceptions import UniqueViolationError
except ImportError:  # pragma: no cover
    UniqueViolationError = sqlite3.IntegrityError  # type: ignore[assignment,misc]

DIRECTIONS = ("in", "drawn_up", "out")
REGISTERED = "diarium.document_registered"
COLUMNS = (
    "d.id, d.case_file_id, d.series_id, d.year, d.seq, d.doc_seq, d.number, d.direction, "
    "d.document_date, d.registered_at, d.registered_by, d.counterpart_public, "
    "d.counterpart_protected, d.public_text, d.protected_text, d.document_type, d.status, "
    "d.cancelled_reason, d.cancelled_at, d.cancelled_by, d.draft_id, d.personnummer_encrypted, "
    "d.has_personnummer, d.secret, s.code AS series_code, s.board AS series_board, "
    "c.number AS case_file_number, c.officer AS officer"
)
FROM = (
    "FROM diarium_document d JOIN diarium_series s ON s.id = d.series_id "
    "LEFT JOIN diarium_case_file c ON c.id = d.case_file_id"
)


def check_document_date(value: str | None) -> str:
    """The date received or drawn up: required (OSL 5:2), ``YYYY-MM-DD``, not in the future."""
    if value is None or not str(value).strip():
        raise Unprocessable(
            "A document needs the date it was received or drawn up (OSL 5 kap. 2 §)",
            location=("body", "document_date"),
        )
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            "{value} is not a date (YYYY-MM-DD)",
            value=str(value)[:40],
            location=("body", "document_date"),
        ) from None
    if parsed > date.today():
        raise Unprocessable(
            "The date {value} is in the future", value=value, location=("body", "document_date")
        )
    return parsed.isoformat()


async def register(
    actor: str,
    *,
    series_code: str = "",
    case_file_id: int | None = None,
    direction: str,
    document_date: str | None,
    counterpart_public: str = "",
    counterpart_protected: str = "",
    public_text: str = "",
    protected_text: str = "",
    document_type: str = "",
    files: list[tuple[str, str, str]] | None = None,  # noqa: A002 - the shared name
    draft_id: int | None = None,
    secrecy: dict[str, Any] | None = None,  # noqa: A002
) -> dict[str, Any]:
    """Register a document: takes its number (in the case file, or a series number when it
    stands alone), links ``files`` ((filename, sha256, role) of stored blobs), optionally
    marks it secret (``secrecy``: provision, authority, reason, date) — one transaction,
    audited. Returns the document as :func:`get` shows it to a registrator.

    Refused, changing nothing: an unknown series or case file (404), a case file of another
    series or one not open (422/409), no date or a future one, no brief content, no
    counterpart for a document received or sent, a personnummer in a public field, a
    document type the board's informationshanteringsplan does not name (422), a draft
    already registered (409)."""
    from plugins.diarium.registry import casefiles

    attached = list(files or [])
    case_file = await casefiles.row(case_file_id) if case_file_id is not None else None
    if (
        case_file is not None
        and series_code
        and series_code.strip().upper() != case_file["series_code"]
    ):
        raise Unprocessable(
            "The case file {number} is in the series {code}",
            number=case_file["number"],
            code=case_file["series_code"],
            location=("body", "series_code"),
        )
    if case_file is None and not series_code:
        raise Unprocessable(
            "Name the series (or the case file) to register in", location=("body", "series_code")
        )
    found = await series.get_by_code(series_code or case_file["series_code"])  # type: ignore[index]
    if case_file is None and not found["active"]:
        raise Conflict("The diary series {code} is closed for new numbers", code=found["code"])
    if case_file is not None and case_file["status"] != "open":
        raise Conflict(
            "The case file {number} is {status}",
            number=case_file["number"],
            status=case_file["status"],
        )
    if direction not in DIRECTIONS:
        raise InvalidInput(
            "The direction is one of {values}",
            values=", ".join(DIRECTIONS),
            location=("body", "direction"),
        )
    document_date = check_document_date(document_date)
    texts = {
        "counterpart_public": " ".join(counterpart_public.split())[:300],
        "counterpart_protected": " ".join(counterpart_protected.split())[:300],
        "public_text": public_text.strip(),
        "protected_text": protected_text.strip(),
    }
    if not texts["public_text"] and not texts["protected_text"]:
        raise Unprocessable(
            "A document needs its brief content (public or protected text)",
            location=("body", "public_text"),
        )
    if direction != "drawn_up" and not (
        texts["counterpart_public"] or texts["counterpart_protected"]
    ):
        raise Unprocessable(
            "A document received or sent needs its sender or recipient",
            location=("body", "counterpart_public"),
        )
    pnr.refuse_in_public({k: texts[k] for k in ("counterpart_public", "public_text")})
    sealed, cipher = pnr.seal({k: texts[k] for k in ("counterpart_protected", "protected_text")})
    document_type = " ".join(document_type.split())[:120]
    board = case_file["board"] if case_file else found["board"]
    if document_type:
        known = await retention.document_types(board)
        if known and document_type.lower() not in known:
            raise Unprocessable(
                "The informationshanteringsplan of {board} has no document type {type}",
                board=board,
                type=document_type,
                location=("body", "document_type"),
            )
    for _, sha256, role in attached:
        await file_store.blob(sha256)
        if role not in file_store.ROLES:
            raise InvalidInput(
                "A file's role is one of {roles}",
                roles=", ".join(file_store.ROLES),
                location=("body", "files"),
            )
    marking = None
    if secrecy:
        marking = secrecy_service.check_marking(secrecy)
    now = int(time.time())
    try:
        async with db.transaction():
            if draft_id is not None and await raw.fetchrow(
                "SELECT number FROM diarium_document WHERE draft_id = ?", draft_id
            ):
                raise Conflict("The draft {id} is already registered", id=draft_id)
            if case_file is not None:
                taken = await raw.fetchrow(
                    "UPDATE diarium_case_file SET last_doc_seq = last_doc_seq + 1, "
                    "updated_at = ? WHERE id = ? AND status = 'open' RETURNING last_doc_seq",
                    now,
                    case_file["id"],
                )
                if taken is None:
                    raise Conflict("The case file {number} is not open", number=case_file["number"])
                doc_seq, seq, year = int(taken["last_doc_seq"]), None, case_file["year"]
                number = series.document_number(found, case_file["number"], doc_seq)
            else:
                year = series.current_year(now)
                seq, doc_seq = await series.take_number(found["id"], year), 0
                number = series.case_number(found, year, seq)
            document_id = await raw.insert(
                "diarium_document",
                {
                    "case_file_id": case_file["id"] if case_file else None,
                    "series_id": found["id"],
                    "year": year,
                    "seq": seq,
                    "doc_seq": doc_seq,
                    "number": number,
                    "direction": direction,
                    "document_date": document_date,
                    "registered_at": now,
                    "registered_by": actor,
                    "counterpart_public": texts["counterpart_public"],
                    "counterpart_protected": sealed["counterpart_protected"],
                    "public_text": texts["public_text"],
                    "protected_text": sealed["protected_text"],
                    "document_type": document_type,
                    "status": "registered",
                    "draft_id": draft_id,
                    "personnummer_encrypted": cipher,
                    "has_personnummer": bool(cipher),
                    "secret": False,
                },
            )
            for filename, sha256, role in attached:
                await file_store.attach(actor, document_id, sha256, filename, role)
            audit.record(
                actor,
                "diarium.document.register",
                "diarium_document",
                number,
                {
                    "direction": direction,
                    "case_file": case_file["number"] if case_file else None,
                    "files": len(attached),
                    "draft_id": draft_id,
                },
            )
            if marking is not None:
                await secrecy_service.add(actor, marking, document_id=document_id)
            elif case_file is not None:
                await raw.fetch(
                    "UPDATE diarium_document SET secret = EXISTS (SELECT 1 FROM diarium_secrecy "
                    "WHERE lifted_at IS NULL AND case_file_id = ?) WHERE id = ?",
                    case_file["id"],
                    document_id,
                )
            db.on_commit(lambda: _announce(number, document_id))
    except (sqlite3.IntegrityError, UniqueViolationError) as exc:
        if draft_id is not None and "draft" in str(exc):
            raise Conflict("The draft {id} is already registered", id=draft_id) from None
        raise
    return full(await row(document_id))


def _announce(number: str, document_id: int) -> None:
    # a live event must never undo or hide the registration
    with contextlib.suppress(Exception):
        events.publish(Event(REGISTERED, {"number": number, "id": document_id}))


async def row(document_id: int) -> dict[str, Any]:
    """A document's row (404 if there is none)."""
    found = await raw.fetchrow(f"SELECT {COLUMNS} {FROM} WHERE d.id = ?", document_id)
    if found is None:
        raise NotFound("No document with id {id}", id=document_id)
    return found


async def row_by_number(number: str) -> dict[str, Any]:
    found = await raw.fetchrow(f"SELECT {COLUMNS} {FROM} WHERE d.number = ?", number.strip())
    if found is None:
        raise NotFound("No document numbered {number}", number=number)
    return found


async def rows_of_case_file(case_file_id: int) -> list[dict[str, Any]]:
    return await raw.fetch(
        f"SELECT {COLUMNS} {FROM} WHERE d.case_file_id = ? ORDER BY d.doc_seq", case_file_id
    )


def brief(document: dict[str, Any], reveal: bool) -> dict[str, Any]:
    """A document as a line of a list (the public fields; protected ones when ``reveal``)."""
    out = {
        "id": document["id"],
        "number": document["number"],
        "case_file_id": document["case_file_id"],
        "case_file_number": document["case_file_number"],
        "series": document["series_code"],
        "year": document["year"],
        "direction": document["direction"],
        "document_date": document["document_date"],
        "registered_at": document["registered_at"],
        "registered_by": document["registered_by"],
        "counterpart_public": document["counterpart_public"],
        "public_text": document["public_text"],
        "document_type": document["document_type"],
        "status": document["status"],
        "cancelled_reason": document["cancelled_reason"],
        "draft_id": document["draft_id"],
        "has_personnummer": bool(document["has_personnummer"]),
        "secret": bool(document["secret"]),
        "protected": None,
        "protected_withheld": False,
    }
    has_protected = bool(document["counterpart_protected"] or document["protected_text"])
    if reveal and has_protected:
        clear = pnr.unseal(
            {
                "counterpart": document["counterpart_protected"],
                "text": document["protected_text"],
            },
            document["personnummer_encrypted"],
        )
        out["protected"] = clear
    elif not reveal:
        out["protected_withheld"] = has_protected or bool(document["secret"])
    return out


def full(document: dict[str, Any]) -> dict[str, Any]:
    """A document row as its registrator sees it right after registration (no read audit)."""
    return brief(document, reveal=True)


async def get(document_id: int, principal: Any) -> dict[str, Any]:
    """One document as ``principal`` may see it: protected text and counterpart only with
    ``diarium.secret`` (or to the case file's officer); a secret-marked document carries its
    ``secrecy`` warning and every read of it is audited (as is every read showing protected
    text)."""
    document = await row(document_id)
    markings = await secrecy.in_force(document_id=document_id)
    case_file = {"officer": document["officer"]} if document["case_file_id"] else None
    reveal = access.may_see_protected(principal, case_file)
    view = brief(document, reveal)
    view["secrecy"] = secrecy.warning(markings)
    view["files"] = [
        {k: f[k] for k in ("id", "sha256", "filename", "role", "size", "mime", "created_at")}
        for f in await file_store.of_document(document_id)
    ]
    view["files_withheld"] = bool(markings and view["files"]) and not reveal
    if markings or (reveal and view["protected"]):
        async with db.transaction():
            audit.record_read(
                principal.username,
                "diarium_document",
                document["number"],
                {"marked": bool(markings), "protected_shown": reveal},
            )
    return view


async def file_for(document_id: int, file_id: int, principal: Any) -> dict[str, Any]:
    """A file of a document for download: a marked document's files only for those who see
    its protected content (the read audited)."""
    document = await row(document_id)
    found = await raw.fetchrow(
        "SELECT f.id, f.sha256, f.filename, f.role, b.mime, b.size FROM diarium_document_file f "
        "JOIN diarium_blob b ON b.sha256 = f.sha256 WHERE f.id = ? AND f.document_id = ?",
        file_id,
        document_id,
    )
    if found is None:
        raise NotFound("No file {file} of document {id}", file=file_id, id=document_id)
    marked = bool(await secrecy.in_force(document_id=document_id))
    case_file = {"officer": document["officer"]} if document["case_file_id"] else None
    if marked and not access.may_see_protected(principal, case_file):
        from core.errors import Forbidden

        raise Forbidden("The document is marked secret; its files need the right to read secrets")
    if marked:
        async with db.transaction():
            audit.record_read(
                principal.username,
                "diarium_document",
                document["number"],
                {"file": found["filename"], "sha256": found["sha256"]},
            )
    return {**found, "path": file_store.open_blob(found["sha256"])}


async def cancel(actor: str, document_id: int, reason: str) -> dict[str, Any]:
    """Cancel a registration made in error: the number stays taken, status ``cancelled``
    with the reason (never given again), audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise Unprocessable("Give a reason", location=("body", "reason"))
    document = await row(document_id)
    now = int(time.time())
    async with db.transaction():
        done = await raw.fetch(
            "UPDATE diarium_document SET status = 'cancelled', cancelled_reason = ?, "
            "cancelled_at = ?, cancelled_by = ? WHERE id = ? AND status = 'registered' "
            "RETURNING id",
            reason[:500],
            now,
            actor,
            document_id,
        )
        if not done:
            raise Conflict("The document {number} is already cancelled", number=document["number"])
        audit.record(
            actor,
            "diarium.document.cancel",
            "diarium_document",
            document["number"],
            {"reason": reason[:500]},
        )
    return full(await row(document_id))


async def add_file(
    actor: str, document_id: int, sha256: str, filename: str, role: str
) -> dict[str, Any]:
    """Add a stored file to a registered document (a scan's PDF/A, a decision, a masked
    copy); the document's fields never change."""
    document = await row(document_id)
    if document["status"] != "registered":
        raise Conflict("The document {number} is cancelled", number=document["number"])
    await file_store.attach(actor, document_id, sha256, filename, role)
    return full(await row(document_id))
