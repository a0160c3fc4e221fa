"""The on-call roster (jour, POSOM, interpreters) and the call-in of a crisis event.

A person on the roster has contact details and languages — personal data: the crisis team
reads them through the API and every such read is audited (``read`` entries naming what was
shown). :func:`call_in` — the activation plan's step "notify the on-call roster" — asks
everyone active and on call who has not been asked for this event yet: one ``crisis_call_in``
row each (``asked``) and an e-mail through the core's mailer (the outbox, sent by the worker)
in the same transaction. The e-mail carries a one-time code and a link to a small page where
the person answers (``confirmed`` / ``declined``); the crisis team records ``arrived`` (or
any answer given by phone) over the API.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any

from core import audit, db
from core.citizen import notify
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound
from plugins.crisis_mode.situation import links

KINDS = ("jour", "posom", "interpreter")
STATUSES = ("asked", "confirmed", "arrived", "declined")
CODE_PREFIX = "KI1-"
ANSWER_PATH = "/api/v1/plugins/crisis_mode/roster/answer"
PERSON_SQL = "SELECT * FROM crisis_roster_person"
CALL_IN_SQL = (
    "SELECT c.id, c.event_id, c.person_id, c.status, c.asked_at, c.asked_by, c.emailed, "
    "c.confirmed_at, c.arrived_at, c.declined_at, c.updated_by, c.updated_at, "
    "p.name, p.kind, p.phone, p.email, p.languages "
    "FROM crisis_call_in c JOIN crisis_roster_person p ON p.id = c.person_id"
)
KIND_TEXT = {
    "sv": {"jour": "jour", "posom": "POSOM", "interpreter": "tolk"},
    "en": {"jour": "on duty", "posom": "POSOM", "interpreter": "interpreter"},
}
LEVEL_TEXT = {
    "sv": {"heightened": "höjd beredskap", "extraordinary": "extraordinär händelse"},
    "en": {"heightened": "heightened alert", "extraordinary": "extraordinary event"},
}


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _languages(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [str(v) for v in value or []]


def view(row: dict[str, Any]) -> dict[str, Any]:
    """A roster person with contact details (an audited read where it is answered)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "phone": row["phone"],
        "email": row["email"],
        "languages": _languages(row["languages"]),
        "username": row["username"],
        "on_call": bool(row["on_call"]),
        "active": bool(row["active"]),
        "note": row["note"],
        "updated_by": row["updated_by"],
        "updated_at": row["updated_at"],
    }


def _check(kind: str, languages: list[str], username: str) -> list[str]:
    if kind not in KINDS:
        raise InvalidInput(
            "Unknown roster kind {kind}; use one of {kinds}",
            location=("body", "kind"),
            kind=kind,
            kinds=", ".join(KINDS),
        )
    cleaned = list(dict.fromkeys(code.strip().lower() for code in languages if code.strip()))
    return cleaned


async def _check_user(username: str) -> None:
    if username and not await raw.fetchrow("SELECT id FROM kc_user WHERE username = ?", username):
        raise InvalidInput("No user {username}", location=("body", "username"), username=username)


async def create(actor: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add a person to the roster; audited (the details themselves are not in the entry)."""
    name = " ".join(str(data["name"]).split())
    if not name:
        raise InvalidInput("Give the person's name", location=("body", "name"))
    languages = _check(data.get("kind", "jour"), data.get("languages") or ["sv"], "")
    await _check_user(data.get("username", ""))
    now = int(time.time())
    async with db.transaction():
        person_id = await raw.insert(
            "crisis_roster_person",
            {
                "name": name,
                "kind": data.get("kind", "jour"),
                "phone": str(data.get("phone", "")).strip(),
                "email": str(data.get("email", "")).strip(),
                "languages": json.dumps(languages),
                "username": data.get("username", ""),
                "on_call": bool(data.get("on_call", True)),
                "active": True,
                "note": str(data.get("note", "")).strip(),
                "updated_by": actor,
                "updated_at": now,
            },
        )
        audit.record(
            actor,
            "crisis.roster_added",
            "crisis_roster_person",
            person_id,
            {"kind": data.get("kind", "jour")},
        )
    return view(await _row(person_id))


async def update(actor: str, person_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a roster person (only the fields given); audited with the fields' names."""
    row = await _row(person_id)
    merged = {**view(row), **{k: v for k, v in changes.items() if v is not None}}
    name = " ".join(str(merged["name"]).split())
    if not name:
        raise InvalidInput("Give the person's name", location=("body", "name"))
    languages = _check(merged["kind"], merged["languages"], "")
    await _check_user(merged["username"])
    async with db.transaction():
        await raw.fetch(
            "UPDATE crisis_roster_person SET name = ?, kind = ?, phone = ?, email = ?, "
            "languages = ?, username = ?, on_call = ?, active = ?, note = ?, updated_by = ?, "
            "updated_at = ? WHERE id = ?",
            name,
            merged["kind"],
            str(merged["phone"]).strip(),
            str(merged["email"]).strip(),
            json.dumps(languages),
            merged["username"],
            bool(merged["on_call"]),
            bool(merged["active"]),
            str(merged["note"]).strip(),
            actor,
            int(time.time()),
            person_id,
        )
        audit.record(
            actor,
            "crisis.roster_changed",
            "crisis_roster_person",
            person_id,
            {"fields": sorted(k for k, v in changes.items() if v is not None)},
        )
    return view(await _row(person_id))


async def _row(person_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(PERSON_SQL + " WHERE id = ?", person_id)
    if row is None:
        raise NotFound("No person with id {id} on the roster", id=person_id)
    return row


async def read_person(actor: str, person_id: int) -> dict[str, Any]:
    """One person with contact details; the read is audited."""
    row = await _row(person_id)
    async with db.transaction():
        audit.record_read(actor, "crisis_roster_person", person_id, {"in": "person"})
    return view(row)


async def read_all(actor: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The roster with contact details, by kind and name; the read is audited (who was
    shown)."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(
            "Unknown roster kind {kind}; use one of {kinds}",
            location=("query", "kind"),
            kind=kind,
            kinds=", ".join(KINDS),
        )
    sql, args = PERSON_SQL, []
    if kind:
        sql += " WHERE kind = ?"
        args.append(kind)
    rows = await raw.fetch(sql + " ORDER BY active DESC, kind, name, id", *args)
    if rows:
        async with db.transaction():
            audit.record_read(
                actor, "crisis_roster_person", "list", {"ids": [r["id"] for r in rows]}
            )
    return [view(r) for r in rows]


def _answer_url(code: str) -> str:
    try:
        settings = notify.current_settings()
        base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    except RuntimeError:
        base = ""
    return f"{base}{ANSWER_PATH}?code={code}"


async def call_in(event_id: int, actor: str) -> dict[str, Any]:
    """Call in everyone active and on call not yet asked for ``event_id``: a call-in row
    (asked) each and an e-mail with an answer link through the core's outbox, in one audited
    transaction. Returns ``{status, asked, already_asked, without_email, detail}``; ``status``
    is ``done``, or ``skipped`` when nobody on the roster is on call."""
    event = await links.event(event_id)
    if not links.is_active(event):
        raise Conflict("Crisis event {event} is not active", event=event_id)
    people = await raw.fetch(
        PERSON_SQL + " WHERE active = ? AND on_call = ? ORDER BY kind, name, id", True, True
    )
    asked_before = {
        int(r["person_id"])
        for r in await raw.fetch(
            "SELECT person_id FROM crisis_call_in WHERE event_id = ?", event_id
        )
    }
    if not people:
        return {
            "status": "skipped",
            "event_id": event_id,
            "asked": [],
            "already_asked": 0,
            "without_email": [],
            "detail": "no one on call in the roster",
        }
    now = int(time.time())
    asked: list[dict[str, Any]] = []
    without_email: list[dict[str, Any]] = []
    async with db.transaction():
        for person in people:
            if int(person["id"]) in asked_before:
                continue
            code = CODE_PREFIX + secrets.token_urlsafe(18)
            email = (person["email"] or "").strip()
            await raw.insert(
                "crisis_call_in",
                {
                    "event_id": event_id,
                    "person_id": person["id"],
                    "status": "asked",
                    "asked_at": now,
                    "asked_by": actor,
                    "emailed": bool(email),
                    "code_hash": code_hash(code),
                    "updated_by": actor,
                    "updated_at": now,
                },
            )
            item = {
                "person_id": person["id"],
                "name": person["name"],
                "kind": person["kind"],
                "emailed": bool(email),
            }
            if email:
                await _mail(person, email, event, code)
            else:
                without_email.append({**item, "phone": person["phone"]})
            asked.append(item)
        audit.record(
            actor,
            "crisis.call_in",
            "crisis_event",
            event_id,
            {"asked": [a["person_id"] for a in asked], "without_email": len(without_email)},
        )
        if without_email:  # their phone numbers are in the answer: a read of personal data
            audit.record_read(
                actor,
                "crisis_roster_person",
                "call_in",
                {"ids": [p["person_id"] for p in without_email], "shown": "phone"},
            )
    detail = f"asked {len(asked)}, e-mailed {len(asked) - len(without_email)}"
    if without_email:
        detail += "; call by phone: " + ", ".join(p["name"] for p in without_email)
    return {
        "status": "done",
        "event_id": event_id,
        "asked": asked,
        "already_asked": len(asked_before),
        "without_email": without_email,
        "detail": detail,
    }


async def _mail(person: dict[str, Any], email: str, event: dict[str, Any], code: str) -> None:
    languages = _languages(person["languages"])
    lang = "en" if languages and languages[0] == "en" else "sv"
    level = str(event.get("level") or "")
    await notify.queue(
        email,
        "crisis_call_in",
        lang,
        name=person["name"],
        reason=event.get("reason") or "",
        level=LEVEL_TEXT[lang].get(level, level),
        kind=KIND_TEXT[lang].get(person["kind"], person["kind"]),
        exercise=bool(event.get("exercise")),
        answer_url=_answer_url(code),
        code=code,
    )


def call_in_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event_id"],
        "person_id": row["person_id"],
        "name": row["name"],
        "kind": row["kind"],
        "status": row["status"],
        "asked_at": row["asked_at"],
        "asked_by": row["asked_by"],
        "emailed": bool(row["emailed"]),
        "confirmed_at": row["confirmed_at"],
        "arrived_at": row["arrived_at"],
        "declined_at": row["declined_at"],
        "updated_by": row["updated_by"],
        "updated_at": row["updated_at"],
    }


async def call_ins(event_id: int) -> list[dict[str, Any]]:
    """The event's call-ins (names and states, no contact details), by kind and name."""
    rows = await raw.fetch(
        CALL_IN_SQL + " WHERE c.event_id = ? ORDER BY p.kind, p.name, c.id", event_id
    )
    return [call_in_view(r) for r in rows]


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    out = dict.fromkeys(STATUSES, 0)
    for item in items:
        out[item["status"]] += 1
    return out


async def _set_status(row: dict[str, Any], status: str, actor: str) -> dict[str, Any]:
    if status not in ("confirmed", "arrived", "declined"):
        raise InvalidInput(
            "Unknown call-in status {status}; use confirmed, arrived or declined",
            location=("body", "status"),
            status=status,
        )
    now = int(time.time())
    column = {"confirmed": "confirmed_at", "arrived": "arrived_at", "declined": "declined_at"}
    async with db.transaction():
        await raw.fetch(
            f"UPDATE crisis_call_in SET status = ?, {column[status]} = ?, updated_by = ?, "
            "updated_at = ? WHERE id = ?",
            status,
            now,
            actor,
            now,
            row["id"],
        )
        if status == "arrived" and row["confirmed_at"] is None:
            await raw.fetch(
                "UPDATE crisis_call_in SET confirmed_at = ? WHERE id = ?", now, row["id"]
            )
        audit.record(
            actor,
            f"crisis.call_in_{status}",
            "crisis_call_in",
            row["id"],
            {"event": row["event_id"], "person": row["person_id"]},
        )
    fresh = await raw.fetchrow(CALL_IN_SQL + " WHERE c.id = ?", row["id"])
    assert fresh is not None
    return call_in_view(fresh)


async def record_status(actor: str, call_in_id: int, status: str) -> dict[str, Any]:
    """The crisis team records an answer or an arrival (audited)."""
    row = await raw.fetchrow(CALL_IN_SQL + " WHERE c.id = ?", call_in_id)
    if row is None:
        raise NotFound("No call-in with id {id}", id=call_in_id)
    return await _set_status(row, status, actor)


async def by_code(code: str) -> dict[str, Any]:
    """The call-in of an e-mail's answer code (404 for an unknown one)."""
    row = None
    if code.strip().startswith(CODE_PREFIX):
        row = await raw.fetchrow(CALL_IN_SQL + " WHERE c.code_hash = ?", code_hash(code))
    if row is None:
        raise NotFound("The answer code is not known")
    return row


async def answer(code: str, coming: bool) -> dict[str, Any]:
    """The called-in person's own answer through the e-mail's link; an arrival already
    recorded is not undone."""
    row = await by_code(code)
    if row["status"] == "arrived":
        return call_in_view(row)
    return await _set_status(
        row, "confirmed" if coming else "declined", f"roster:{row['person_id']}"
    )
