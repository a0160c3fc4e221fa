"""Drafts: incoming post (a scan, an upload, a mail) waiting for the registrator, with what
the intake read from it (OCR text, received date, suggested sender and subject, barcodes,
personnummer found), and the registrator's work on it: check and change the suggestions,
discard, or register it into a series and case file with a secrecy marking.

A draft is written in one transaction with its audit entry; its files are in the registry's
content-addressed store before that (a blob written for a draft that then fails is only an
unreferenced blob). ``source_key`` is unique, so the same scan or mail never becomes two
drafts, whichever worker or retry gets to it (``INSERT … ON CONFLICT DO NOTHING``).
Personnummer found in the text are stored only encrypted (the core's field key) and shown
masked; the stored text has them masked as well.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import audit, db, events, paging
from core.auth.service import Principal
from core.cases import service as cases
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from core.secrets import fields
from plugins.diarium.intake import suggest
from plugins.diarium.intake.models import PERSONNUMMER_CONTEXT

log = logging.getLogger(__name__)

CREATED = "diarium.draft_created"
STATUSES = ("new", "registered", "discarded")
SOURCES = ("scan", "upload", "mail")
ROLES = ("original", "pdfa", "ocr_text", "attachment", "mail")
COLUMNS = (
    "id, source, source_key, status, received_at, received_date, filename, mime, "
    "original_sha256, pdfa_sha256, files, content_text, pages, ocr_ms, letter_date, "
    "suggested_sender, sender_email, suggested_subject, barcodes, suggested_case_number, "
    "series_code, case_file_id, document_type, note, has_personnummer, personnummer_masked, "
    "mail_message_id, mail_state, receipt_to, receipt_language, document_id, document_number, "
    "registered_at, registered_by, discarded_at, discarded_by, discard_reason, created_by, "
    "created_at, updated_at"
)
LIST_COLUMNS = COLUMNS.replace("content_text, ", "")
SNIPPET = 300


@dataclass
class NewDraft:
    """What the intake read from one incoming item (before it is stored)."""

    source: str
    source_key: str
    received_at: int
    filename: str = ""
    mime: str = ""
    text: str = ""
    pages: int = 0
    ocr_ms: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    barcodes: list[dict[str, str]] = field(default_factory=list)
    sender: str = ""
    sender_email: str = ""
    subject: str = ""
    mail_message_id: str = ""
    mail_uidvalidity: int | None = None
    mail_uid: int | None = None
    receipt_to: str = ""
    receipt_language: str = "sv"


def zone() -> ZoneInfo:
    return ZoneInfo(cases.current_settings().timezone)


def local_date(epoch: float) -> str:
    """The local (municipality's time zone) date of ``epoch`` as YYYY-MM-DD."""
    return datetime.fromtimestamp(epoch, zone()).strftime("%Y-%m-%d")


async def case_number_from_codes(codes: list[dict[str, str]]) -> str:
    """The diarienummer a cover sheet's code names, when a case file has it (else '')."""
    for code in codes:
        text = code.get("data", "").strip()
        for candidate in (text, text.split(":", 1)[-1].strip()):
            if 0 < len(candidate) <= 40:
                row = await raw.fetchrow(
                    "SELECT number FROM diarium_case_file WHERE number = ?", candidate
                )
                if row:
                    return str(row["number"])
    return ""


async def create(new: NewDraft, actor: str) -> tuple[dict[str, Any], bool]:
    """Store a draft (committed when this returns); (draft, True), or (the existing draft,
    False) when its source key is already taken."""
    numbers = suggest.personnummer(new.text)
    text = suggest.masked_text(new.text)
    sender = new.sender or suggest.sender(text)
    subject = new.subject or suggest.subject(text)
    case_number = await case_number_from_codes(new.barcodes)
    now = int(time.time())
    files_list = new.files
    original = next((f["sha256"] for f in files_list if f["role"] in ("original", "mail")), "")
    pdfa = next((f["sha256"] for f in files_list if f["role"] == "pdfa"), "")
    row = {
        "source": new.source,
        "source_key": new.source_key[:300],
        "status": "new",
        "received_at": new.received_at,
        "received_date": local_date(new.received_at),
        "filename": new.filename[:255],
        "mime": new.mime[:100],
        "original_sha256": original,
        "pdfa_sha256": pdfa,
        "files": files_list,
        "content_text": text,
        "search_text": search_text(text, sender, subject),
        "pages": new.pages,
        "ocr_ms": new.ocr_ms,
        "letter_date": suggest.letter_date(text),
        "suggested_sender": sender[:300],
        "sender_email": new.sender_email[:254],
        "suggested_subject": subject[:500],
        "barcodes": new.barcodes,
        "suggested_case_number": case_number,
        "has_personnummer": bool(numbers),
        "personnummer_masked": [suggest.mask(n) for n in numbers],
        "personnummer_encrypted": (
            fields.encrypt(json.dumps(numbers), PERSONNUMMER_CONTEXT) if numbers else ""
        ),
        "mail_message_id": new.mail_message_id[:998],
        "mail_uidvalidity": new.mail_uidvalidity,
        "mail_uid": new.mail_uid,
        "mail_state": "inbox" if new.source == "mail" else "",
        "receipt_to": new.receipt_to[:254],
        "receipt_language": new.receipt_language,
        "created_by": actor[:150],
        "created_at": now,
        "updated_at": now,
    }
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    async with db.transaction():
        inserted = await raw.fetch(
            f"INSERT INTO diarium_draft ({names}) VALUES ({marks}) "
            "ON CONFLICT (source_key) DO NOTHING RETURNING id",
            *(raw.sql_value(value) for value in row.values()),
        )
        if inserted:
            draft_id = int(inserted[0]["id"])
            audit.record(
                actor,
                "diarium.draft_created",
                "diarium_draft",
                draft_id,
                {
                    "source": new.source,
                    "filename": new.filename[:255],
                    "sha256": original,
                    "personnummer": len(numbers),
                    "mail_message_id": new.mail_message_id[:200],
                },
            )
            db.on_commit(lambda: _publish(draft_id, new.source))
    if inserted:
        return await get(draft_id), True
    existing = await raw.fetchrow(
        "SELECT id FROM diarium_draft WHERE source_key = ?", new.source_key[:300]
    )
    assert existing is not None
    return await get(int(existing["id"])), False


def search_text(text: str, sender: str, subject: str) -> str:
    """What ``q`` searches: text, sender and subject lower-cased here (SQLite's LOWER() folds
    only ASCII, so Å, Ä and Ö would not match otherwise), spaces tidied."""
    return " ".join(f"{sender}\n{subject}\n{text}".lower().split())


def _publish(draft_id: int, source: str) -> None:
    events.publish(Event(CREATED, {"draft_id": draft_id, "source": source}))


async def find_by_key(source_key: str) -> dict[str, Any] | None:
    """The draft of a source key, or None."""
    row = await raw.fetchrow(
        f"SELECT {COLUMNS} FROM diarium_draft WHERE source_key = ?", source_key[:300]
    )
    return view(row) if row else None


async def _row(draft_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(f"SELECT {COLUMNS} FROM diarium_draft WHERE id = ?", draft_id)
    if row is None:
        raise NotFound("There is no draft {id}", id=draft_id)
    return row


async def audit_read(actor: str, draft_id: int, what: str) -> None:
    """Record a read of a draft's unmasked content (its scan shows the personnummer)."""
    async with db.transaction():
        audit.record_read(actor, "diarium_draft", draft_id, {"what": what})


async def get(draft_id: int) -> dict[str, Any]:
    """One draft with its full (masked) text."""
    return view(await _row(draft_id))


def view(row: dict[str, Any], full: bool = True) -> dict[str, Any]:
    """A draft as the API shows it (personnummer only masked)."""
    text = row.get("content_text", "") or ""
    out = {
        "id": row["id"],
        "source": row["source"],
        "status": row["status"],
        "received_at": row["received_at"],
        "received_date": row["received_date"],
        "filename": row["filename"],
        "mime": row["mime"],
        "pages": row["pages"],
        "ocr_ms": row["ocr_ms"],
        "files": raw.json_column(row["files"], []),
        "suggestions": {
            "sender": row["suggested_sender"],
            "sender_email": row["sender_email"],
            "subject": row["suggested_subject"],
            "letter_date": row["letter_date"],
            "case_number": row["suggested_case_number"],
        },
        "barcodes": raw.json_column(row["barcodes"], []),
        "personnummer": {
            "found": bool(row["has_personnummer"]),
            "masked": raw.json_column(row["personnummer_masked"], []),
        },
        "series_code": row["series_code"],
        "case_file_id": row["case_file_id"],
        "document_type": row["document_type"],
        "note": row["note"],
        "mail": (
            {"message_id": row["mail_message_id"], "state": row["mail_state"]}
            if row["source"] == "mail"
            else None
        ),
        "registration": (
            {
                "document_id": row["document_id"],
                "number": row["document_number"],
                "registered_at": row["registered_at"],
                "registered_by": row["registered_by"],
            }
            if row["status"] == "registered"
            else None
        ),
        "discarded": (
            {
                "at": row["discarded_at"],
                "by": row["discarded_by"],
                "reason": row["discard_reason"],
            }
            if row["status"] == "discarded"
            else None
        ),
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    if full:
        out["text"] = text
    else:
        out["snippet"] = row.get("snippet", "") or ""
    return out


async def list_page(
    status: str | None = "new",
    source: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Drafts, newest first, with a keyset cursor; ``q`` searches the text, sender and
    subject (case-insensitive)."""
    where, args = ["1 = 1"], []
    if status:
        where.append("status = ?")
        args.append(status)
    if source:
        where.append("source = ?")
        args.append(source)
    if q:
        words = " ".join(q.lower().split())
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        where.append("search_text LIKE ? ESCAPE '\\'")
        args.append(pattern)
    total_row = await raw.fetchrow(
        f"SELECT COUNT(*) AS n FROM diarium_draft WHERE {' AND '.join(where)}", *args
    )
    after = paging.decode_cursor("diarium-drafts", cursor, (int, int))
    page_where = list(where)
    page_args = list(args)
    if after:
        page_where.append(paging.keyset_clause(("created_at", "id")))
        page_args += list(after)
    rows = await raw.fetch(
        f"SELECT {LIST_COLUMNS}, SUBSTR(content_text, 1, {SNIPPET}) AS snippet "
        f"FROM diarium_draft WHERE {' AND '.join(page_where)} "
        "ORDER BY created_at DESC, id DESC LIMIT ?",
        *page_args,
        limit + 1,
    )
    items, next_cursor = paging.cut(
        rows, limit, "diarium-drafts", lambda r: (r["created_at"], r["id"])
    )
    return {
        "items": [view(row, full=False) for row in items],
        "next_cursor": next_cursor,
        "total": int(total_row["n"]) if total_row else 0,
    }


# -- the registrator's work ----------------------------------------------------------------
EDITABLE = (
    "suggested_sender",
    "suggested_subject",
    "sender_email",
    "received_date",
    "letter_date",
    "series_code",
    "case_file_id",
    "document_type",
    "note",
)


def _check_date(value: str, name: str) -> str:
    if value == "":
        return value
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InvalidInput(
            "Give the date as YYYY-MM-DD: {value}", value=value, location=("body", name)
        ) from exc


async def _open_row(draft_id: int) -> dict[str, Any]:
    """The draft's row inside the caller's transaction, refusing one no longer new (409)."""
    row = await _row(draft_id)
    if row["status"] != "new":
        raise Conflict(
            "Draft {id} is {status} already; only a new draft can be changed",
            id=draft_id,
            status=row["status"],
        )
    return row


async def _check_series(code: str) -> None:
    if code and not await raw.fetchrow(
        "SELECT id FROM diarium_series WHERE code = ? AND active = ?", code, True
    ):
        raise InvalidInput(
            "There is no active diary series {code}", code=code, location=("body", "series_code")
        )


async def _check_case_file(case_file_id: int | None) -> None:
    if case_file_id is not None and not await raw.fetchrow(
        "SELECT id FROM diarium_case_file WHERE id = ?", case_file_id
    ):
        raise InvalidInput(
            "There is no case file {id}", id=case_file_id, location=("body", "case_file_id")
        )


async def update(principal: Principal, draft_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a new draft's suggestions (only the keys given), audited."""
    changes = {key: value for key, value in changes.items() if key in EDITABLE}
    for name in ("received_date", "letter_date"):
        if name in changes:
            changes[name] = _check_date(str(changes[name]), name)
    if changes.get("received_date") == "":
        raise InvalidInput(
            "A draft needs the date it was received", location=("body", "received_date")
        )
    if "series_code" in changes:
        await _check_series(str(changes["series_code"]))
    if "case_file_id" in changes:
        await _check_case_file(changes["case_file_id"])
    async with db.transaction():
        await _open_row(draft_id)
        if changes:
            if {"suggested_sender", "suggested_subject"} & set(changes):
                row = await _row(draft_id)
                changes["search_text"] = search_text(
                    row["content_text"],
                    str(changes.get("suggested_sender", row["suggested_sender"])),
                    str(changes.get("suggested_subject", row["suggested_subject"])),
                )
            sets = ", ".join(f"{name} = ?" for name in changes)
            await raw.fetch(
                f"UPDATE diarium_draft SET {sets}, updated_at = ? WHERE id = ?",
                *changes.values(),
                int(time.time()),
                draft_id,
            )
            audit.record(
                principal.username,
                "diarium.draft_updated",
                "diarium_draft",
                draft_id,
                {"fields": sorted(set(changes) - {"search_text"})},
            )
    return await get(draft_id)


async def discard(principal: Principal, draft_id: int, reason: str) -> dict[str, Any]:
    """Discard a new draft (not a public record: e.g. advertising, a duplicate), audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why the draft is discarded", location=("body", "reason"))
    async with db.transaction():
        await _open_row(draft_id)
        now = int(time.time())
        await raw.fetch(
            "UPDATE diarium_draft SET status = 'discarded', discarded_at = ?, discarded_by = ?, "
            "discard_reason = ?, updated_at = ? WHERE id = ?",
            now,
            principal.username,
            reason[:500],
            now,
            draft_id,
        )
        audit.record(
            principal.username,
            "diarium.draft_discarded",
            "diarium_draft",
            draft_id,
            {"reason": reason[:500]},
        )
    return await get(draft_id)


@dataclass
class Registration:
    """How the registrator registers a draft (empty texts fall back to the suggestions)."""

    series_code: str = ""
    case_file_id: int | None = None
    new_case_file: dict[str, Any] | None = None
    document_date: str = ""
    counterpart_public: str | None = None
    counterpart_protected: str = ""
    public_text: str | None = None
    protected_text: str = ""
    document_type: str = ""
    secrecy: dict[str, Any] | None = None
    send_receipt: bool = True


def _document_files(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(filename, sha256, role) of the draft's files as the registry takes them."""
    out = []
    for item in raw.json_column(row["files"], []):
        role = item["role"]
        registry_role = {"mail": "original", "attachment": "original"}.get(role, role)
        out.append((item["filename"], item["sha256"], registry_role))
    return out


async def register(principal: Principal, draft_id: int, data: Registration) -> dict[str, Any]:
    """Register a new draft as an incoming document: in one transaction the registry takes
    the number (in the case file, new or existing, or the series), the draft is marked
    registered and, for a mail, the sender's receipt with the diarienummer goes to the
    outbox; the mail is moved to the registered folder by the next mailbox run."""
    from plugins.diarium.registry import casefiles, documents

    row = await _row(draft_id)
    series_code = data.series_code or row["series_code"]
    if not series_code:
        raise InvalidInput("Choose the diary series", location=("body", "series_code"))
    await _check_series(series_code)
    case_file_id = data.case_file_id if data.case_file_id is not None else row["case_file_id"]
    if data.new_case_file and case_file_id is not None:
        raise InvalidInput(
            "Give either a case file or a new case file, not both",
            location=("body", "new_case_file"),
        )
    await _check_case_file(case_file_id)
    document_date = _check_date(data.document_date or row["received_date"], "document_date")
    if not document_date:
        raise InvalidInput("A document needs a date", location=("body", "document_date"))
    counterpart = (
        data.counterpart_public if data.counterpart_public is not None else row["suggested_sender"]
    )
    public_text = data.public_text if data.public_text is not None else row["suggested_subject"]
    actor = principal.username
    async with db.transaction():
        await _open_row(draft_id)
        if data.new_case_file:
            opened = await casefiles.open_case_file(
                actor, series_code=series_code, **data.new_case_file
            )
            case_file_id = int(opened["id"])
        document = await documents.register(
            actor,
            series_code=series_code,
            case_file_id=case_file_id,
            direction="in",
            document_date=document_date,
            counterpart_public=counterpart,
            counterpart_protected=data.counterpart_protected,
            public_text=public_text,
            protected_text=data.protected_text,
            document_type=data.document_type or row["document_type"],
            files=_document_files(row),
            draft_id=draft_id,
            secrecy=data.secrecy,
        )
        number = str(document["number"])
        now = int(time.time())
        await raw.fetch(
            "UPDATE diarium_draft SET status = 'registered', document_id = ?, "
            "document_number = ?, registered_at = ?, registered_by = ?, series_code = ?, "
            "case_file_id = ?, updated_at = ? WHERE id = ?",
            int(document["id"]),
            number,
            now,
            actor,
            series_code,
            case_file_id,
            now,
            draft_id,
        )
        receipt = bool(data.send_receipt and row["receipt_to"])
        if receipt:
            await _queue_receipt(row, number, document_date)
        audit.record(
            actor,
            "diarium.draft_registered",
            "diarium_draft",
            draft_id,
            {"document_id": int(document["id"]), "number": number, "receipt": receipt},
        )
    return {"draft": await get(draft_id), "document": document}


RECEIPT = {
    "sv": (
        "Mottagningsbevis: diarienummer {number}",
        "Hej!\n\nVi har tagit emot ditt meddelande och registrerat det i kommunens diarium.\n\n"
        "Diarienummer: {number}\nMottaget: {received}\n\nAnge diarienumret om du hör av dig "
        "i samma ärende.\n\nMed vänlig hälsning\nRegistraturen, {municipality}\n",
    ),
    "en": (
        "Receipt: reference number {number}",
        "Hello,\n\nWe have received your message and registered it in the municipality's "
        "records.\n\nReference number: {number}\nReceived: {received}\n\nPlease quote the "
        "reference number if you contact us about this matter.\n\nKind regards\n"
        "The registry, {municipality}\n",
    ),
}


async def _queue_receipt(row: dict[str, Any], number: str, received: str) -> None:
    """The sender's receipt in the core's outbox (sent over SMTP by the worker's mailer), in
    the caller's transaction."""
    from core.citizen import notify

    lang = row["receipt_language"] if row["receipt_language"] in RECEIPT else "sv"
    subject, body = RECEIPT[lang]
    try:
        municipality = notify.current_settings().municipality_name
    except RuntimeError:
        municipality = "Kommunen"
    context = {"number": number, "received": received, "municipality": municipality}
    await raw.insert(
        "outbound_message",
        {
            "recipient": row["receipt_to"],
            "subject": subject.format(**context)[:300],
            "body": body.format(**context),
            "template": "diarium_receipt",
            "language": lang,
            "case_number": "",
            "created_at": int(time.time()),
            "headers": {"X-Diarium-Number": number},
        },
    )
