"""Case files (akter): opened with a number taken gap-free from the series, classified under
a process of the classification plan, handled by an officer, decided and closed; a core KC
case can be linked into one, or registered into the diarium as a new one. Both sides show the
link: the case file names the KC case, and the KC case's timeline gets an internal note
naming the diarienummer (through the core's case service; the core knows nothing of the
diarium)."""

from __future__ import annotations

import time
from typing import Any

from core import audit, db, paging
from core.auth import service as auth
from core.cases import service as cases
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.diarium.registry import access, classification, pnr, secrecy, series
from plugins.diarium.registry.errors import Unprocessable

STATUSES = ("open", "closed", "cancelled")
COLUMNS = (
    "c.id, c.series_id, c.year, c.seq, c.number, c.title_public, c.title_protected, "
    "c.classification_code, c.board, c.department, c.officer, c.status, c.opened_at, "
    "c.closed_at, c.closed_by, c.decision, c.kc_case_id, c.kc_case_number, c.last_doc_seq, "
    "c.created_by, c.updated_at, c.cancelled_reason, c.personnummer_encrypted, "
    "s.code AS series_code"
)
FROM = "FROM diarium_case_file c JOIN diarium_series s ON s.id = c.series_id"


async def row(case_file_id: int) -> dict[str, Any]:
    """A case file's row (404 if there is none)."""
    found = await raw.fetchrow(f"SELECT {COLUMNS} {FROM} WHERE c.id = ?", case_file_id)
    if found is None:
        raise NotFound("No case file with id {id}", id=case_file_id)
    return found


async def row_by_number(number: str) -> dict[str, Any]:
    found = await raw.fetchrow(f"SELECT {COLUMNS} {FROM} WHERE c.number = ?", number.strip())
    if found is None:
        raise NotFound("No case file numbered {number}", number=number)
    return found


async def _check_officer(officer: str) -> str:
    officer = officer.strip()
    if not officer:
        return ""
    try:
        await auth.get_user(officer)
    except Exception:
        raise Unprocessable(
            "No user {username} to be the case file's officer",
            username=officer,
            location=("body", "officer"),
        ) from None
    return officer


def _title(text: str, field: str, required: bool) -> str:
    text = " ".join(str(text or "").split())
    if required and not text:
        raise Unprocessable("A case file needs a public title", location=("body", field))
    if len(text) > 500:
        raise InvalidInput("The title is longer than 500 characters", location=("body", field))
    return text


async def open_case_file(
    actor: str,
    *,
    series_code: str,
    title_public: str,
    title_protected: str = "",
    classification_code: str,
    officer: str = "",
    department: str = "",
    kc_case_id: int | None = None,
    kc_case_number: str = "",
) -> dict[str, Any]:
    """Open a case file in the series (its diarienummer taken gap-free), audited. Returns the
    case file's row (as :func:`view` shows it in full)."""
    found = await series.get_by_code(series_code)
    if not found["active"]:
        raise Conflict("The diary series {code} is closed for new numbers", code=found["code"])
    title_public = _title(title_public, "title_public", True)
    title_protected = _title(title_protected, "title_protected", False)
    pnr.refuse_in_public({"title_public": title_public})
    sealed, cipher = pnr.seal({"title_protected": title_protected})
    klass = await classification.check_process(classification_code)
    officer = await _check_officer(officer)
    now = int(time.time())
    year = series.current_year(now)
    async with db.transaction():
        seq = await series.take_number(found["id"], year)
        number = series.case_number(found, year, seq)
        case_file_id = await raw.insert(
            "diarium_case_file",
            {
                "series_id": found["id"],
                "year": year,
                "seq": seq,
                "number": number,
                "title_public": title_public,
                "title_protected": sealed["title_protected"],
                "classification_code": klass["code"],
                "board": found["board"],
                "department": department.strip()[:40],
                "officer": officer,
                "status": "open",
                "opened_at": now,
                "kc_case_id": kc_case_id,
                "kc_case_number": kc_case_number,
                "created_by": actor,
                "updated_at": now,
                "personnummer_encrypted": cipher,
            },
        )
        audit.record(
            actor,
            "diarium.case_file.open",
            "diarium_case_file",
            number,
            {"classification": klass["code"], "officer": officer, "series": found["code"]},
        )
    return full(await row(case_file_id))


def full(case_file: dict[str, Any]) -> dict[str, Any]:
    """A case file row as a registrator sees it (protected title in clear), without reads."""
    return _view(case_file, reveal=True, markings=[])


def _view(
    case_file: dict[str, Any], reveal: bool, markings: list[dict[str, Any]]
) -> dict[str, Any]:
    out = {
        "id": case_file["id"],
        "number": case_file["number"],
        "series": case_file["series_code"],
        "year": case_file["year"],
        "seq": case_file["seq"],
        "title_public": case_file["title_public"],
        "classification_code": case_file["classification_code"],
        "board": case_file["board"],
        "department": case_file["department"],
        "officer": case_file["officer"],
        "status": case_file["status"],
        "opened_at": case_file["opened_at"],
        "closed_at": case_file["closed_at"],
        "closed_by": case_file["closed_by"],
        "decision": case_file["decision"],
        "cancelled_reason": case_file["cancelled_reason"],
        "kc_case": (
            {"id": case_file["kc_case_id"], "number": case_file["kc_case_number"]}
            if case_file["kc_case_id"]
            else None
        ),
        "created_by": case_file["created_by"],
        "secrecy": secrecy.warning(markings),
        "protected": None,
        "protected_withheld": False,
    }
    has_protected = bool(case_file["title_protected"])
    if reveal:
        if has_protected:
            clear = pnr.unseal(
                {"title": case_file["title_protected"]}, case_file["personnummer_encrypted"]
            )
            out["protected"] = {"title": clear["title"]}
    else:
        out["protected_withheld"] = has_protected or bool(markings)
    return out


async def get(case_file_id: int, principal: Any) -> dict[str, Any]:
    """One case file with its documents as ``principal`` may see it (protected title only
    with ``diarium.secret`` or to its officer; secrecy warnings shown; reads of marked or
    protected content audited)."""
    from plugins.diarium.registry import documents

    case_file = await row(case_file_id)
    markings = await secrecy.in_force(case_file_id=case_file_id)
    reveal = access.may_see_protected(principal, case_file)
    view = _view(case_file, reveal, markings)
    docs = await documents.rows_of_case_file(case_file_id)
    view["documents"] = [documents.brief(d, reveal) for d in docs]
    view["classification"] = await _class_title(case_file["classification_code"])
    if markings or (
        reveal and (case_file["title_protected"] or any(d["protected_text"] for d in docs))
    ):
        async with db.transaction():
            audit.record_read(
                principal.username,
                "diarium_case_file",
                case_file["number"],
                {"marked": bool(markings), "protected_shown": reveal},
            )
    return view


async def _class_title(code: str) -> dict[str, Any] | None:
    try:
        klass = await classification.get(code)
    except NotFound:
        return None
    return {"code": klass["code"], "title": klass["title"], "plan_version": klass["plan_version"]}


async def list_page(
    principal: Any,
    *,
    series_code: str | None = None,
    year: int | None = None,
    status: str | None = None,
    officer: str | None = None,
    kc_case: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Case files newest first (by id), filtered; the page shape with a keyset cursor."""
    where, args = [], []
    if series_code:
        found = await series.get_by_code(series_code)
        where.append("c.series_id = ?")
        args.append(found["id"])
    if year is not None:
        where.append("c.year = ?")
        args.append(year)
    if status:
        if status not in STATUSES:
            raise InvalidInput("Unknown status: {status}", status=status)
        where.append("c.status = ?")
        args.append(status)
    if officer:
        where.append("c.officer = ?")
        args.append(officer)
    if kc_case:
        where.append("c.kc_case_number = ?")
        args.append(kc_case)
    after = paging.decode_cursor("diarium-case-files", cursor, (int,))
    if after is not None:
        where.append("c.id < ?")
        args.append(after[0])
    sql = f"SELECT {COLUMNS} {FROM}" + (" WHERE " + " AND ".join(where) if where else "")
    rows = await raw.fetch(sql + " ORDER BY c.id DESC LIMIT ?", *args, limit + 1)
    page, next_cursor = paging.cut(rows, limit, "diarium-case-files", lambda r: (r["id"],))
    marked = await _marked_case_files([r["id"] for r in page])
    items = []
    for r in page:
        item = _view(
            r,
            access.may_see_protected(principal, r) and not marked.get(r["id"]),
            marked.get(r["id"], []),
        )
        items.append(item)
    return paging.page(items, next_cursor)


async def _marked_case_files(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = await raw.fetch(
        f"SELECT {secrecy.COLUMNS} FROM diarium_secrecy WHERE lifted_at IS NULL "
        f"AND case_file_id IN ({marks}) ORDER BY id",
        *ids,
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["case_file_id"], []).append(r)
    return out


async def update(
    actor: str,
    case_file_id: int,
    *,
    officer: str | None = None,
    title_public: str | None = None,
    title_protected: str | None = None,
    classification_code: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """Change an open case file's officer, titles, classification or department, audited."""
    current = await row(case_file_id)
    if current["status"] != "open":
        raise Conflict(
            "The case file {number} is {status}", number=current["number"], status=current["status"]
        )
    changes: dict[str, Any] = {}
    if officer is not None:
        changes["officer"] = await _check_officer(officer)
    if title_public is not None:
        changes["title_public"] = _title(title_public, "title_public", True)
        pnr.refuse_in_public({"title_public": changes["title_public"]})
    if title_protected is not None:
        sealed, cipher = pnr.seal({"t": _title(title_protected, "title_protected", False)})
        changes["title_protected"] = sealed["t"]
        changes["personnummer_encrypted"] = cipher
    if classification_code is not None:
        changes["classification_code"] = (await classification.check_process(classification_code))[
            "code"
        ]
    if department is not None:
        changes["department"] = department.strip()[:40]
    if changes:
        changes["updated_at"] = int(time.time())
        sets = ", ".join(f"{c} = ?" for c in changes)
        async with db.transaction():
            await raw.fetch(
                f"UPDATE diarium_case_file SET {sets} WHERE id = ?", *changes.values(), case_file_id
            )
            audit.record(
                actor,
                "diarium.case_file.update",
                "diarium_case_file",
                current["number"],
                {
                    k: v
                    for k, v in changes.items()
                    if k in ("officer", "classification_code", "department")
                }
                | {"fields": sorted(k for k in changes if k != "updated_at")},
            )
    return full(await row(case_file_id))


async def decide(actor: str, case_file_id: int, decision: str) -> dict[str, Any]:
    """Record the decision of an open case file (it stays open until closed)."""
    decision = decision.strip()
    if not decision:
        raise Unprocessable("The decision must not be empty", location=("body", "decision"))
    current = await row(case_file_id)
    if current["status"] != "open":
        raise Conflict(
            "The case file {number} is {status}", number=current["number"], status=current["status"]
        )
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_case_file SET decision = ?, updated_at = ? WHERE id = ?",
            decision[:20000],
            int(time.time()),
            case_file_id,
        )
        audit.record(actor, "diarium.case_file.decide", "diarium_case_file", current["number"], {})
    return full(await row(case_file_id))


async def close(actor: str, case_file_id: int, *, decision: str = "") -> dict[str, Any]:
    """Close an open case file with its decision (given now or recorded before), audited."""
    current = await row(case_file_id)
    if current["status"] != "open":
        raise Conflict(
            "The case file {number} is {status}", number=current["number"], status=current["status"]
        )
    decision = decision.strip() or current["decision"]
    if not decision:
        raise Unprocessable(
            "A case file is closed with its decision", location=("body", "decision")
        )
    now = int(time.time())
    async with db.transaction():
        done = await raw.fetch(
            "UPDATE diarium_case_file SET status = 'closed', decision = ?, closed_at = ?, "
            "closed_by = ?, updated_at = ? WHERE id = ? AND status = 'open' RETURNING id",
            decision[:20000],
            now,
            actor,
            now,
            case_file_id,
        )
        if not done:
            raise Conflict("The case file {number} is not open", number=current["number"])
        audit.record(actor, "diarium.case_file.close", "diarium_case_file", current["number"], {})
    return full(await row(case_file_id))


async def reopen(actor: str, case_file_id: int, reason: str) -> dict[str, Any]:
    """Reopen a closed case file (head registrator), audited with the reason."""
    current = await row(case_file_id)
    if current["status"] != "closed":
        raise Conflict("Only a closed case file can be reopened")
    if not reason.strip():
        raise Unprocessable("Give a reason", location=("body", "reason"))
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_case_file SET status = 'open', closed_at = NULL, closed_by = '', "
            "updated_at = ? WHERE id = ?",
            int(time.time()),
            case_file_id,
        )
        audit.record(
            actor,
            "diarium.case_file.reopen",
            "diarium_case_file",
            current["number"],
            {"reason": reason.strip()[:500]},
        )
    return full(await row(case_file_id))


async def cancel(actor: str, case_file_id: int, reason: str) -> dict[str, Any]:
    """Cancel a case file opened by mistake: its number stays taken, recorded as cancelled;
    a case file with registered documents cannot be cancelled (409)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Unprocessable("Give a reason", location=("body", "reason"))
    current = await row(case_file_id)
    if current["status"] != "open":
        raise Conflict(
            "The case file {number} is {status}", number=current["number"], status=current["status"]
        )
    async with db.transaction():
        live = await raw.fetchrow(
            "SELECT COUNT(*) AS n FROM diarium_document WHERE case_file_id = ? "
            "AND status = 'registered'",
            case_file_id,
        )
        if live and live["n"]:
            raise Conflict(
                "The case file {number} holds registered documents; cancel them first",
                number=current["number"],
            )
        await raw.fetch(
            "UPDATE diarium_case_file SET status = 'cancelled', cancelled_reason = ?, "
            "updated_at = ? WHERE id = ?",
            reason[:500],
            int(time.time()),
            case_file_id,
        )
        audit.record(
            actor,
            "diarium.case_file.cancel",
            "diarium_case_file",
            current["number"],
            {"reason": reason[:500]},
        )
    return full(await row(case_file_id))


# -- the core's KC cases --------------------------------------------------------------------


async def _kc_case(principal: Any, kc_number: str) -> tuple[dict[str, Any], int]:
    case = await cases.get_case(principal, kc_number.strip(), timeline=False)
    found = await raw.fetchrow("SELECT id FROM kc_case WHERE number = ?", case["number"])
    assert found is not None
    return case, int(found["id"])


def _note(case_file: dict[str, Any]) -> str:
    return (
        f"Diariefört i akt {case_file['number']} ({case_file['series_code']}): "
        f"{case_file['title_public']}"
    )


async def link_kc_case(principal: Any, case_file_id: int, kc_number: str) -> dict[str, Any]:
    """Link a core case into an open case file: the case file names it and the core case's
    timeline gets an internal note naming the diarienummer — one transaction, audited."""
    case_file = await row(case_file_id)
    if case_file["status"] != "open":
        raise Conflict(
            "The case file {number} is {status}",
            number=case_file["number"],
            status=case_file["status"],
        )
    case, kc_id = await _kc_case(principal, kc_number)
    if case_file["kc_case_id"] and case_file["kc_case_id"] != kc_id:
        raise Conflict(
            "The case file {number} is already linked to {case}",
            number=case_file["number"],
            case=case_file["kc_case_number"],
        )
    async with db.transaction():
        await raw.fetch(
            "UPDATE diarium_case_file SET kc_case_id = ?, kc_case_number = ?, updated_at = ? "
            "WHERE id = ?",
            kc_id,
            case["number"],
            int(time.time()),
            case_file_id,
        )
        await cases.add_note(principal, case["number"], _note(case_file), public=False)
        audit.record(
            principal.username,
            "diarium.case_file.link_kc",
            "diarium_case_file",
            case_file["number"],
            {"kc_case": case["number"]},
        )
    return full(await row(case_file_id))


async def register_kc_case(
    principal: Any,
    kc_number: str,
    *,
    series_code: str,
    classification_code: str,
    title_public: str = "",
    title_protected: str = "",
    officer: str = "",
) -> dict[str, Any]:
    """Register a core case into the diarium: a new case file (titled by the case's subject
    unless a public title is given) linked to it, the link noted on the core case."""
    case, kc_id = await _kc_case(principal, kc_number)
    taken = await raw.fetchrow(
        "SELECT number FROM diarium_case_file WHERE kc_case_id = ? AND status <> 'cancelled'",
        kc_id,
    )
    if taken:
        raise Conflict(
            "The case {case} is already registered in case file {number}",
            case=case["number"],
            number=taken["number"],
        )
    async with db.transaction():
        opened = await open_case_file(
            principal.username,
            series_code=series_code,
            title_public=title_public or case["subject"],
            title_protected=title_protected,
            classification_code=classification_code,
            officer=officer,
            department=case.get("department") or "",
            kc_case_id=kc_id,
            kc_case_number=case["number"],
        )
        case_file = await row(opened["id"])
        await cases.add_note(principal, case["number"], _note(case_file), public=False)
        audit.record(
            principal.username,
            "diarium.case_file.register_kc",
            "diarium_case_file",
            case_file["number"],
            {"kc_case": case["number"]},
        )
    return full(await row(opened["id"]))
