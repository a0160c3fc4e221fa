"""Crisis messages: written, approved in two steps, versioned, in several languages, and
published from the one approved text to every output.

A *message* (``crisis_message``) is one series: a CAP alert and its updates until it is
cancelled; at most one is open at a time. Each *version* starts as a draft (``crisis.write``)
with a text per language (Swedish required; the others from the ``languages`` setting) and
its CAP fields. A member of the crisis management (``crisis.manage``) who neither wrote nor
edited it approves it; the approved version supersedes the one before (history kept) and
becomes, without retyping:

- the knowledge base's script and FAQ article for agents (Swedish and English, through
  :mod:`core.knowledge.service`), updated in the approving transaction;
- the IVR message per language through the core hook ``set_active_message(kind="crisis")``,
  when a crisis is active (at approval, or when the activation plan calls :func:`publish`);
- the public crisis page and the CAP 1.2 alert (:mod:`plugins.crisis_mode.messages.cap`),
  read straight from the approved version.

A message is an exercise or not from its start (the active event's flag, else the draft's);
an exercise labels every output ÖVNING / EXERCISE. Contract for the other areas:
:func:`current_approved`, :func:`history` and :func:`publish`. Times are epoch seconds.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from core import audit, db, events
from core.cases import service as cases
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unavailable
from core.i18n import N_, gettext
from core.knowledge import service as knowledge
from plugins.crisis_mode import runtime

log = logging.getLogger(__name__)

EVENT_APPROVED = "crisis.message_approved"
DEFAULT_LANGUAGES = "sv,en,fi,ar,so,ti,fa"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
LANGUAGE_NAMES = {
    "sv": "Svenska",
    "en": "English",
    "fi": "Suomi",
    "ar": "العربية",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "fa": "فارسی",
    "es": "Español",
    "de": "Deutsch",
    "pl": "Polski",
    "uk": "Українська",
    "ru": "Русский",
    "se": "Davvisámegiella",
    "fit": "Meänkieli",
    "ku": "Kurdî",
    "ckb": "کوردی",
    "ur": "اردو",
    "ps": "پښتو",
    "prs": "دری",
    "bs": "Bosanski",
    "hr": "Hrvatski",
    "sr": "Srpski",
    "tr": "Türkçe",
    "th": "ไทย",
    "yi": "ייִדיש",
    "rom": "Romani",
}
RTL = frozenset({"ar", "fa", "ur", "ps", "prs", "ckb", "he", "yi"})
KB_LANGUAGES = knowledge.LANGUAGES  # the knowledge base speaks Swedish and English
EXERCISE_LABEL = {"sv": "ÖVNING"}  # every other language: EXERCISE

CATEGORIES = (
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
)  # fmt: skip
RESPONSE_TYPES = (
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None",
)  # fmt: skip
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

MAX_TITLE = 200
MAX_BODY = 4000
MAX_INSTRUCTION = 2000
MAX_IVR = 4500
MAX_EVENT = 120
MAX_AREA = 300
MAX_WEB = 500
MAX_NOTE = 1000
IVR_LIMIT = 5000  # the telephony plugin's limit on a message text
LOCK_KEY = 7_202_612_020  # pg_advisory_xact_lock key serialising message writes

VERSION_COLUMNS = (
    "id, message_id, version, status, event_id, category, event_type, response_type, urgency, "
    "severity, certainty, area_desc, web, expires_at, authors, created_by, created_at, "
    "updated_by, updated_at, approved_by, approved_at, rejected_by, rejected_at, reject_reason, "
    "superseded_at, msg_type, cap_identifier"
)
MESSAGE_COLUMNS = (
    "id, status, exercise, event_id, created_by, created_at, cancelled_by, cancelled_at, "
    "cancel_note, cancel_identifier"
)
VERSION_SQL = f"SELECT {VERSION_COLUMNS} FROM crisis_message_version"
MESSAGE_SQL = f"SELECT {MESSAGE_COLUMNS} FROM crisis_message"
TEXTS_SQL = (
    "SELECT version_id, language, title, body, instruction, ivr_text FROM crisis_message_text "
    "WHERE version_id = ? ORDER BY id"
)
LOG_SQL = (
    "SELECT id, message_id, version_id, at, actor, action, event_id, detail FROM crisis_message_log"
)


# --- settings and small helpers ---------------------------------------------------------


def languages() -> list[str]:
    """The municipality's message languages (setting ``languages``), Swedish first."""
    raw_value = str(runtime.setting("languages", DEFAULT_LANGUAGES))
    codes = [code.strip().lower() for code in raw_value.split(",") if code.strip()]
    bad = [code for code in codes if not LANGUAGE_CODE.match(code)]
    if bad:
        raise Unavailable(
            "The setting languages holds {code}, which is not a language code", code=bad[0][:12]
        )
    return ["sv", *(code for code in dict.fromkeys(codes) if code != "sv")]


def language_name(code: str) -> str:
    """The language's name in itself (the code when the appliance does not know it)."""
    return LANGUAGE_NAMES.get(code, code)


def direction(code: str) -> str:
    """``rtl`` for right-to-left scripts (Arabic, Persian …), else ``ltr``."""
    return "rtl" if code in RTL else "ltr"


def exercise_label(language: str) -> str:
    """ÖVNING in Swedish, EXERCISE in every other language."""
    return EXERCISE_LABEL.get(language, "EXERCISE")


def _clean(value: str, field_name: str, limit: int, required: bool = True) -> str:
    value = unicodedata.normalize("NFC", value or "").strip()
    if "\x00" in value:
        raise InvalidInput("{field} must not contain NUL characters", field=field_name)
    if required and not value:
        raise InvalidInput("{field} must not be empty", field=field_name)
    if len(value) > limit:
        raise InvalidInput(
            "{field} may be at most {limit} characters", field=field_name, limit=limit
        )
    return value


def _choice(value: str, allowed: tuple[str, ...], field_name: str) -> str:
    if value not in allowed:
        raise InvalidInput(
            "{field} must be one of {allowed}", field=field_name, allowed=", ".join(allowed)
        )
    return value


async def _lock() -> None:
    """Serialise message writes (PostgreSQL; SQLite's writer already holds the lock)."""
    if db.get_engine().engine_type == "postgres":
        await raw.fetch("SELECT pg_advisory_xact_lock(?)", LOCK_KEY)


async def _current_event() -> dict[str, Any] | None:
    from plugins.crisis_mode.activation import events as crisis_events

    return await crisis_events.current()


def public_base() -> str:
    """The appliance's public address (setting ``public_url``), without a trailing slash."""
    return (cases.current_settings().public_url or "").rstrip("/")


def page_url(language: str | None = None) -> str:
    """The public crisis page's address (absolute when ``public_url`` is set)."""
    url = f"{public_base()}/api/v1/plugins/crisis_mode/public/page"
    return f"{url}?lang={language}" if language else url


# --- input ------------------------------------------------------------------------------


@dataclass
class TextInput:
    """A version's text in one language."""

    language: str
    title: str
    body: str
    instruction: str = ""
    ivr_text: str = ""


@dataclass
class DraftInput:
    """What a draft holds: the texts and the CAP fields (``exercise`` None = as the event)."""

    texts: list[TextInput] = field(default_factory=list)
    category: str = "Safety"
    event_type: str = ""
    response_type: str = ""
    urgency: str = "Immediate"
    severity: str = "Severe"
    certainty: str = "Observed"
    area_desc: str = ""
    web: str = ""
    expires_at: int | None = None
    exercise: bool | None = None


def _checked(draft: DraftInput) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The version's columns and its texts, validated (InvalidInput names what is wrong)."""
    allowed = languages()
    texts: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in draft.texts:
        if item.language not in allowed:
            raise InvalidInput(
                "The language {language} is not one of the message languages: {languages}",
                language=item.language[:12],
                languages=", ".join(allowed),
            )
        if item.language in seen:
            raise InvalidInput("The language {language} is given twice", language=item.language)
        seen.add(item.language)
        text = {
            "language": item.language,
            "title": _clean(item.title, "title", MAX_TITLE),
            "body": _clean(item.body, "body", MAX_BODY),
            "instruction": _clean(item.instruction, "instruction", MAX_INSTRUCTION, False),
            "ivr_text": _clean(item.ivr_text, "ivr_text", MAX_IVR, False),
        }
        texts.append(text)
    if "sv" not in seen:
        raise InvalidInput("A crisis message needs its Swedish text")
    web = _clean(draft.web, "web", MAX_WEB, False)
    if web and not re.match(r"^https?://[^\s<>&,]+$", web):
        raise InvalidInput("web must be an http(s) address without spaces")
    if draft.expires_at is not None and draft.expires_at <= int(time.time()):
        raise InvalidInput("expires_at must be in the future")
    columns = {
        "category": _choice(draft.category, CATEGORIES, "category"),
        "event_type": _clean(draft.event_type, "event_type", MAX_EVENT, False),
        "response_type": (
            _choice(draft.response_type, RESPONSE_TYPES, "response_type")
            if draft.response_type
            else ""
        ),
        "urgency": _choice(draft.urgency, URGENCIES, "urgency"),
        "severity": _choice(draft.severity, SEVERITIES, "severity"),
        "certainty": _choice(draft.certainty, CERTAINTIES, "certainty"),
        "area_desc": _clean(draft.area_desc, "area_desc", MAX_AREA, False),
        "web": web,
        "expires_at": draft.expires_at,
    }
    for text in texts:  # the spoken message must fit the telephony's limit, labels included
        if len(ivr_text(text, True)) > IVR_LIMIT:
            raise InvalidInput(
                "The IVR text in {language} is longer than {limit} characters",
                language=text["language"],
                limit=IVR_LIMIT,
            )
    return columns, texts


# --- reading ----------------------------------------------------------------------------


def ivr_text(text: dict[str, Any], exercise: bool) -> str:
    """What callers hear: the text's own IVR words, else its title, body and instruction;
    an exercise starts and ends with ÖVNING / EXERCISE."""
    words = text.get("ivr_text") or " ".join(
        part.strip() for part in (text["title"], text["body"], text.get("instruction") or "")
        if part and part.strip()
    )  # fmt: skip
    if not exercise:
        return words
    label = exercise_label(text["language"])
    return f"{label}. {words} {label}."


async def _texts(version_id: int) -> list[dict[str, Any]]:
    rows = await raw.fetch(TEXTS_SQL, int(version_id))
    order = {code: n for n, code in enumerate(languages())}
    rows.sort(key=lambda r: (order.get(r["language"], 99), r["language"]))
    for row in rows:
        row.pop("version_id", None)
        row["name"] = language_name(row["language"])
        row["dir"] = direction(row["language"])
    return rows


async def _message(message_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(MESSAGE_SQL + " WHERE id = ?", int(message_id))
    if row is None:
        raise NotFound("There is no crisis message {id}", id=message_id)
    row["exercise"] = bool(row["exercise"])
    return row


async def _version_row(version_id: int) -> dict[str, Any]:
    row = await raw.fetchrow(VERSION_SQL + " WHERE id = ?", int(version_id))
    if row is None:
        raise NotFound("There is no crisis message version {id}", id=version_id)
    row["authors"] = raw.json_column(row["authors"], [])
    return row


async def _locked_draft(version_id: int, not_a_draft: str) -> dict[str, Any]:
    """The version's row under the message lock; 409 with ``not_a_draft`` unless a draft."""
    await _lock()
    row = await _version_row(version_id)
    if row["status"] != "draft":
        raise Conflict(not_a_draft, version=row["version"], status=row["status"])
    return row


async def _view(row: dict[str, Any], message: dict[str, Any] | None = None) -> dict[str, Any]:
    message = message or await _message(row["message_id"])
    view = dict(row)
    view["exercise"] = message["exercise"]
    view["message_status"] = message["status"]
    view["texts"] = await _texts(row["id"])
    return view


async def get_version(version_id: int) -> dict[str, Any]:
    """One version with its texts and its log (NotFound when there is none)."""
    row = await _version_row(version_id)
    view = await _view(row)
    view["log"] = await _log(version_id=row["id"])
    return view


async def _log(*, version_id: int | None = None, message_id: int | None = None) -> list[dict]:
    if version_id is not None:
        rows = await raw.fetch(LOG_SQL + " WHERE version_id = ? ORDER BY id", int(version_id))
    else:
        rows = await raw.fetch(LOG_SQL + " WHERE message_id = ? ORDER BY id", int(message_id or 0))
    for row in rows:
        row["detail"] = raw.json_column(row["detail"], {})
    return rows


async def list_versions(cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of every version, newest first (texts included)."""
    from core import paging

    after = paging.decode_cursor("crisis-message-versions", cursor, [int])
    sql = VERSION_SQL
    args: list[Any] = []
    if after is not None:
        sql += " WHERE id < ?"
        args.append(after[0])
    rows = await raw.fetch(sql + " ORDER BY id DESC LIMIT ?", *args, limit + 1)
    rows, next_cursor = paging.cut(rows, limit, "crisis-message-versions", lambda r: (r["id"],))
    total = (await raw.fetchrow("SELECT COUNT(*) AS n FROM crisis_message_version"))["n"]
    items = []
    for row in rows:
        row["authors"] = raw.json_column(row["authors"], [])
        items.append(await _view(row))
    return paging.page(items, next_cursor, int(total))


async def stamp() -> int:
    """The messages' change stamp: the highest log id (every change writes a log line)."""
    row = await raw.fetchrow("SELECT MAX(id) AS n FROM crisis_message_log")
    return int((row or {}).get("n") or 0)


async def _open_message() -> dict[str, Any] | None:
    row = await raw.fetchrow(MESSAGE_SQL + " WHERE status = 'open' ORDER BY id DESC LIMIT 1")
    if row:
        row["exercise"] = bool(row["exercise"])
    return row


async def current_version() -> dict[str, Any] | None:
    """The approved version of the open message with its texts, or None."""
    message = await _open_message()
    if message is None:
        return None
    row = await raw.fetchrow(
        VERSION_SQL + " WHERE message_id = ? AND status = 'approved'", message["id"]
    )
    if row is None:
        return None
    row["authors"] = raw.json_column(row["authors"], [])
    return await _view(row, message)


async def current_approved(language: str | None = None) -> list[dict[str, Any]]:
    """The approved version per language: ``language``, ``name``, ``dir``, ``title``,
    ``body``, ``instruction``, ``ivr_text`` (as callers hear it, labels included),
    ``version``, ``version_id``, ``message_id``, ``exercise``, ``label``, ``approved_by``,
    ``approved_at`` (epoch). Empty when no message is approved; ``language`` narrows it."""
    version = await current_version()
    if version is None:
        return []
    items = []
    for text in version["texts"]:
        if language is not None and text["language"] != language:
            continue
        items.append(
            {
                **text,
                "ivr_text": ivr_text(text, version["exercise"]),
                "version": version["version"],
                "version_id": version["id"],
                "message_id": version["message_id"],
                "exercise": version["exercise"],
                "label": exercise_label(text["language"]) if version["exercise"] else "",
                "approved_by": version["approved_by"],
                "approved_at": version["approved_at"],
                "web": version["web"] or page_url(text["language"]),
            }
        )
    return items


async def history(event_id: int) -> list[dict[str, Any]]:
    """Every version of the messages of a crisis event, oldest first, each with its texts and
    its ``approvals`` (the log: drafted, edited, approved, rejected, superseded, published,
    cancelled). A message belongs to the event when it was written, approved or published
    while the event was active. NotFound for an unknown event."""
    from plugins.crisis_mode.activation import events as crisis_events

    await crisis_events.get(event_id)
    ids = await raw.fetch(
        "SELECT id FROM crisis_message WHERE event_id = ? UNION "
        "SELECT message_id AS id FROM crisis_message_log WHERE event_id = ?",
        int(event_id),
        int(event_id),
    )
    result = []
    for message_id in sorted({int(r["id"]) for r in ids}):
        message = await _message(message_id)
        rows = await raw.fetch(VERSION_SQL + " WHERE message_id = ? ORDER BY version", message_id)
        entries = await _log(message_id=message_id)
        for row in rows:
            row["authors"] = raw.json_column(row["authors"], [])
            view = await _view(row, message)
            view["approvals"] = [e for e in entries if e["version_id"] == row["id"]]
            result.append(view)
        if message["status"] == "cancelled":
            result.append(
                {
                    "message_id": message_id,
                    "status": "cancelled",
                    "exercise": message["exercise"],
                    "cancelled_by": message["cancelled_by"],
                    "cancelled_at": message["cancelled_at"],
                    "cancel_note": message["cancel_note"],
                    "cap_identifier": message["cancel_identifier"],
                    "approvals": [e for e in entries if e["action"] == "cancelled"],
                }
            )
    return result


# --- writing ----------------------------------------------------------------------------


def _log_entry(
    message_id: int,
    version_id: int | None,
    actor: str,
    action: str,
    event_id: int | None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "version_id": version_id,
        "at": int(time.time()),
        "actor": actor,
        "action": action,
        "event_id": event_id,
        "detail": detail or {},
    }


def _kind_conflict(exercise: bool) -> Conflict:
    if exercise:
        return Conflict(
            "The open crisis message is an exercise; cancel it before writing one that is not"
        )
    return Conflict(
        "The open crisis message is not an exercise; cancel it before writing an exercise"
    )


async def _insert_texts(version_id: int, texts: list[dict[str, Any]]) -> None:
    for text in texts:
        await raw.insert("crisis_message_text", {"version_id": version_id, **text})


async def create_draft(actor: str, draft: DraftInput) -> dict[str, Any]:
    """A new draft version of the open message (a new message when none is open); 409 when
    the open message already has a draft, or its exercise flag differs from the one asked."""
    columns, texts = _checked(draft)
    event = await _current_event()
    now = int(time.time())
    async with db.transaction():
        await _lock()
        message = await _open_message()
        if message is None:
            exercise = draft.exercise
            if exercise is None:
                exercise = bool(event["exercise"]) if event else False
            message_id = await raw.insert(
                "crisis_message",
                {
                    "status": "open",
                    "exercise": bool(exercise),
                    "event_id": event["id"] if event else None,
                    "created_by": actor,
                    "created_at": now,
                },
            )
            message = await _message(message_id)
        elif draft.exercise is not None and draft.exercise != message["exercise"]:
            raise _kind_conflict(message["exercise"])
        waiting = await raw.fetchrow(
            "SELECT version FROM crisis_message_version WHERE message_id = ? AND status = 'draft'",
            message["id"],
        )
        if waiting:
            raise Conflict(
                "Version {version} is a draft waiting for approval; edit it instead",
                version=waiting["version"],
            )
        latest = await raw.fetchrow(
            "SELECT MAX(version) AS v FROM crisis_message_version WHERE message_id = ?",
            message["id"],
        )
        number = int((latest or {}).get("v") or 0) + 1
        version_id = await raw.insert(
            "crisis_message_version",
            {
                "message_id": message["id"],
                "version": number,
                "status": "draft",
                **columns,
                "authors": [actor],
                "created_by": actor,
                "created_at": now,
                "updated_by": actor,
                "updated_at": now,
            },
        )
        await _insert_texts(version_id, texts)
        event_id = event["id"] if event else None
        await raw.insert(
            "crisis_message_log",
            _log_entry(message["id"], version_id, actor, "drafted", event_id, {"version": number}),
        )
        audit.record(
            actor,
            "crisis.message.draft",
            "crisis_message_version",
            version_id,
            {
                "message": message["id"],
                "version": number,
                "languages": [t["language"] for t in texts],
                "exercise": message["exercise"],
            },
        )
    return await get_version(version_id)


async def update_draft(
    actor: str, version_id: int, draft: DraftInput, expected_version: int | None = None
) -> dict[str, Any]:
    """Replace a draft's texts and CAP fields (409 unless it is a draft); the editor becomes
    one of its authors, who may not approve it."""
    columns, texts = _checked(draft)
    event = await _current_event()
    now = int(time.time())
    async with db.transaction():
        row = await _locked_draft(
            version_id, N_("Version {version} is {status}; only a draft can be changed")
        )
        if expected_version is not None and expected_version != row["version"]:
            raise Conflict(
                "The draft is version {current}, not {expected}",
                current=row["version"],
                expected=expected_version,
            )
        message = await _message(row["message_id"])
        if draft.exercise is not None and draft.exercise != message["exercise"]:
            raise _kind_conflict(message["exercise"])
        authors = list(dict.fromkeys([*row["authors"], actor]))
        sets = ", ".join(f"{name} = ?" for name in columns)
        await raw.fetch(
            f"UPDATE crisis_message_version SET {sets}, authors = ?, updated_by = ?, "
            "updated_at = ? WHERE id = ?",
            *columns.values(),
            json.dumps(authors),
            actor,
            now,
            row["id"],
        )
        await raw.fetch("DELETE FROM crisis_message_text WHERE version_id = ?", row["id"])
        await _insert_texts(row["id"], texts)
        await raw.insert(
            "crisis_message_log",
            _log_entry(
                row["message_id"],
                row["id"],
                actor,
                "edited",
                event["id"] if event else None,
                {"version": row["version"], "languages": [t["language"] for t in texts]},
            ),
        )
        audit.record(
            actor,
            "crisis.message.edit",
            "crisis_message_version",
            row["id"],
            {"version": row["version"], "languages": [t["language"] for t in texts]},
        )
    return await get_version(version_id)


def cap_sender() -> str:
    """The CAP ``sender`` (setting ``cap_sender``, else ``krisinformation@<public host>``)."""
    from urllib.parse import urlsplit

    sender = str(runtime.setting("cap_sender", "") or "").strip()
    if not sender:
        host = urlsplit(public_base()).hostname or "kontaktcenter.invalid"
        sender = f"krisinformation@{host}"
    if re.search(r"[\s,<&]", sender):
        raise Unavailable("The setting cap_sender must not hold spaces, commas, < or &")
    return sender


def _identifier(message_id: int, part: str, at: int) -> str:
    return f"{cap_sender()}.kris.{message_id}.{part}.{at}"


async def approve(actor: str, version_id: int) -> dict[str, Any]:
    """Approve a draft (two-step: another user than its authors). The version before is
    superseded; the knowledge base's script and FAQ are updated in the same transaction; a
    crisis being active, the IVR messages are switched too (:func:`publish`). Returns the
    version and what was published."""
    event = await _current_event()
    now = int(time.time())
    async with db.transaction():
        await _lock()
        row = await _version_row(version_id)
        message = await _message(row["message_id"])
        if row["status"] != "draft":
            raise Conflict(
                "Version {version} is {status}; only a draft can be approved",
                version=row["version"],
                status=row["status"],
            )
        if actor in row["authors"]:
            raise Forbidden(
                "You wrote or edited this version; another member of the crisis management "
                "must approve it"
            )
        if message["status"] != "open":
            raise Conflict("The crisis message {id} is cancelled", id=message["id"])
        if event is not None and bool(event["exercise"]) != message["exercise"]:
            raise Conflict(
                "The active crisis event is an exercise and this message is not: write a new "
                "message for the event"
                if event["exercise"]
                else "The active crisis event is not an exercise and this message is one: write "
                "a new message for the event"
            )
        before = await raw.fetch(
            "SELECT id, version FROM crisis_message_version WHERE message_id = ? "
            "AND status IN ('approved', 'superseded') ORDER BY version",
            message["id"],
        )
        msg_type = "Update" if before else "Alert"
        identifier = _identifier(message["id"], str(row["version"]), now)
        event_id = event["id"] if event else None
        await raw.fetch(
            "UPDATE crisis_message_version SET status = 'superseded', superseded_at = ? "
            "WHERE message_id = ? AND status = 'approved'",
            now,
            message["id"],
        )
        for old in before:
            await raw.insert(
                "crisis_message_log",
                _log_entry(
                    message["id"], old["id"], actor, "superseded", event_id,
                    {"by_version": row["version"]},
                ),
            )  # fmt: skip
        await raw.fetch(
            "UPDATE crisis_message_version SET status = 'approved', approved_by = ?, "
            "approved_at = ?, msg_type = ?, cap_identifier = ?, event_id = ? WHERE id = ?",
            actor,
            now,
            msg_type,
            identifier,
            event_id,
            row["id"],
        )
        await raw.insert(
            "crisis_message_log",
            _log_entry(
                message["id"], row["id"], actor, "approved", event_id,
                {"version": row["version"], "msg_type": msg_type, "cap_identifier": identifier},
            ),
        )  # fmt: skip
        audit.record(
            actor,
            "crisis.message.approve",
            "crisis_message_version",
            row["id"],
            {
                "message": message["id"],
                "version": row["version"],
                "authors": row["authors"],
                "msg_type": msg_type,
                "exercise": message["exercise"],
            },
        )
        version = await _view(await _version_row(row["id"]), message)
        articles = await _sync_articles(actor, version)
        payload = {
            "message_id": message["id"],
            "version": row["version"],
            "version_id": row["id"],
            "exercise": message["exercise"],
            "languages": [t["language"] for t in version["texts"]],
        }
        db.on_commit(lambda: events.publish(Event(EVENT_APPROVED, payload)))
    published = None
    if event is not None:
        try:  # the approval is committed; an output failing is reported, never a 500
            published = await publish(event, actor)
        except Exception as exc:
            log.exception("crisis message: publishing version %s failed", row["version"])
            published = {
                "status": "failed",
                "detail": f"failed: {exc}"[:300],
                "detail_sv": f"misslyckades: {exc}"[:300],
                "manual": "Publish the message again (POST …/messages/publish)",
                "manual_sv": "Publicera meddelandet igen (POST …/messages/publish)",
                "steps": [],
            }
    return {"version": await get_version(row["id"]), "knowledge": articles, "published": published}


async def reject(actor: str, version_id: int, reason: str) -> dict[str, Any]:
    """Send a draft back: it becomes ``rejected`` (kept in the history) with the reason."""
    reason = _clean(reason, "reason", MAX_NOTE, False)
    event = await _current_event()
    now = int(time.time())
    async with db.transaction():
        row = await _locked_draft(
            version_id, N_("Version {version} is {status}; only a draft can be rejected")
        )
        await raw.fetch(
            "UPDATE crisis_message_version SET status = 'rejected', rejected_by = ?, "
            "rejected_at = ?, reject_reason = ? WHERE id = ?",
            actor,
            now,
            reason,
            row["id"],
        )
        await raw.insert(
            "crisis_message_log",
            _log_entry(
                row["message_id"], row["id"], actor, "rejected", event["id"] if event else None,
                {"version": row["version"], "reason": reason},
            ),
        )  # fmt: skip
        audit.record(
            actor,
            "crisis.message.reject",
            "crisis_message_version",
            row["id"],
            {"version": row["version"], "reason": reason},
        )
    return await get_version(row["id"])


async def cancel(actor: str, note: str = "") -> dict[str, Any]:
    """Cancel the open message: its CAP alert gets a Cancel (when one was sent), its
    knowledge-base articles are archived, a waiting draft is rejected. 404 when none is open."""
    note = _clean(note, "note", MAX_NOTE, False)
    event = await _current_event()
    now = int(time.time())
    event_id = event["id"] if event else None
    async with db.transaction():
        await _lock()
        message = await _open_message()
        if message is None:
            raise NotFound("There is no open crisis message")
        sent = await raw.fetchrow(
            "SELECT COUNT(*) AS n FROM crisis_message_version WHERE message_id = ? "
            "AND status IN ('approved', 'superseded')",
            message["id"],
        )
        identifier = _identifier(message["id"], "cancel", now) if sent and sent["n"] else None
        await raw.fetch(
            "UPDATE crisis_message SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?, "
            "cancel_note = ?, cancel_identifier = ? WHERE id = ?",
            actor,
            now,
            note,
            identifier,
            message["id"],
        )
        await raw.fetch(
            "UPDATE crisis_message_version SET status = 'rejected', rejected_by = ?, "
            "rejected_at = ?, reject_reason = ? WHERE message_id = ? AND status = 'draft'",
            actor,
            now,
            note or "cancelled",
            message["id"],
        )
        archived = []
        for link in await raw.fetch(
            "SELECT article_id FROM crisis_message_article WHERE message_id = ?", message["id"]
        ):
            article = await knowledge.get_article(link["article_id"], may_manage=True)
            if article["status"] == "published":
                await knowledge.set_status(actor, link["article_id"], "archived")
                archived.append(link["article_id"])
        await raw.insert(
            "crisis_message_log",
            _log_entry(
                message["id"], None, actor, "cancelled", event_id,
                {"note": note, "cap_identifier": identifier, "archived_articles": archived},
            ),
        )  # fmt: skip
        audit.record(
            actor,
            "crisis.message.cancel",
            "crisis_message",
            message["id"],
            {"note": note, "cap_identifier": identifier},
        )
    return {**await _message(message["id"]), "archived_articles": archived}


# --- publishing -------------------------------------------------------------------------


def _article(kind: str, lang: str, version: dict[str, Any]) -> tuple[str, str]:
    """Title and body of the script or FAQ article in ``lang`` (sv/en) from the version."""
    texts = {t["language"]: t for t in version["texts"]}
    main = texts[lang]
    label = f"{exercise_label(lang)}: " if version["exercise"] else ""
    web = version["web"] or page_url(lang)
    lines: list[str] = []
    if version["exercise"]:
        lines += [gettext("EXERCISE: this message belongs to a crisis exercise.", lang), ""]
    if kind == "script":
        title = f"{label}{gettext('Crisis message (script)', lang)}: {main['title']}"
        lines += [
            gettext("Approved crisis message, version {version}.", lang).format(
                version=version["version"]
            ),
            "",
            gettext("Say this:", lang),
            main["title"],
            main["body"],
        ]
        if main["instruction"]:
            lines += ["", gettext("What the caller should do:", lang), main["instruction"]]
        lines += ["", gettext("More information: {web}", lang).format(web=web)]
        others = [t for code, t in texts.items() if code != lang]
        if others:
            lines += ["", gettext("The message in other languages:", lang)]
            for other in others:
                lines += ["", f"[{other['name']} ({other['language']})]", other["title"]]
                lines += [other["body"]]
                if other["instruction"]:
                    lines.append(other["instruction"])
    else:
        title = f"{label}{gettext('Crisis FAQ', lang)}: {main['title']}"
        lines += [gettext("Question: What has happened?", lang), main["body"], ""]
        if main["instruction"]:
            lines += [gettext("Question: What should I do?", lang), main["instruction"], ""]
        lines += [gettext("Question: Where can I read more?", lang), web]
    return title[: knowledge.MAX_TITLE], "\n".join(lines)


async def _sync_articles(actor: str, version: dict[str, Any]) -> list[dict[str, Any]]:
    """The series' script and FAQ article per knowledge-base language, at this version."""
    done = []
    comment = f"crisis message version {version['version']}"
    present = {t["language"] for t in version["texts"]}
    async with db.transaction():
        for lang in (code for code in KB_LANGUAGES if code in present):
            for kind in ("script", "faq"):
                title, body = _article(kind, lang, version)
                link = await raw.fetchrow(
                    "SELECT id, article_id, version_id FROM crisis_message_article "
                    "WHERE message_id = ? AND kind = ? AND language = ?",
                    version["message_id"],
                    kind,
                    lang,
                )
                if link and link["version_id"] == version["id"]:
                    done.append(
                        {"kind": kind, "language": lang, "article_id": link["article_id"],
                         "status": "unchanged"}
                    )  # fmt: skip
                    continue
                if link:
                    article = await knowledge.update_article(
                        actor, link["article_id"], title=title, body=body, comment=comment
                    )
                    if article["status"] != "published":
                        article = await knowledge.set_status(actor, article["id"], "published")
                    await raw.fetch(
                        "UPDATE crisis_message_article SET version_id = ? WHERE id = ?",
                        version["id"],
                        link["id"],
                    )
                else:
                    article = await knowledge.create_article(
                        actor,
                        kind=kind,
                        title=title,
                        body=body,
                        audience="internal",
                        language=lang,
                        status="published",
                        comment=comment,
                    )
                    await raw.insert(
                        "crisis_message_article",
                        {
                            "message_id": version["message_id"],
                            "kind": kind,
                            "language": lang,
                            "article_id": article["id"],
                            "version_id": version["id"],
                        },
                    )
                done.append(
                    {"kind": kind, "language": lang, "article_id": article["id"],
                     "article_version": article["version"], "status": "done"}
                )  # fmt: skip
    return done


def _render(exc: DomainError, lang: str) -> str:
    return exc.render(lambda text: gettext(text, lang))


async def _set_ivr(text: dict[str, Any], exercise: bool, actor: str) -> dict[str, Any]:
    """One language's IVR message through the core hook (telephony plugin)."""
    step = {"output": "ivr", "language": text["language"]}
    host = cases.plugin_host()
    caller = getattr(getattr(host, "pm", None) and host.pm.hook, "set_active_message", None)
    if caller is None or not caller.get_hookimpls():
        return {
            **step,
            "status": "skipped",
            "detail": "skipped: no telephony plugin enabled",
            "detail_sv": "hoppades över: inget telefoniinsticksprogram är påslaget",
            "manual": "Record the crisis message in the switch's operator portal by hand",
            "manual_sv": "Spela in krismeddelandet i växelns operatörsportal för hand",
        }
    try:
        result = caller(
            kind="crisis", text=ivr_text(text, exercise), actor=actor, language=text["language"]
        )
        if inspect.isawaitable(result):
            result = await result
    except DomainError as exc:
        return {
            **step,
            "status": "failed",
            "detail": f"failed: {_render(exc, 'en')}",
            "detail_sv": f"misslyckades: {_render(exc, 'sv')}",
            "manual": "Record the crisis message in the switch's operator portal by hand",
            "manual_sv": "Spela in krismeddelandet i växelns operatörsportal för hand",
        }
    except Exception as exc:  # the telephony must not stop the other outputs
        log.exception("crisis message: IVR in %s failed", text["language"])
        return {
            **step,
            "status": "failed",
            "detail": f"failed: {exc}"[:300],
            "detail_sv": f"misslyckades: {exc}"[:300],
            "manual": "Record the crisis message in the switch's operator portal by hand",
            "manual_sv": "Spela in krismeddelandet i växelns operatörsportal för hand",
        }
    if result is None:
        return {
            **step,
            "status": "skipped",
            "detail": "skipped: no telephony plugin enabled",
            "detail_sv": "hoppades över: inget telefoniinsticksprogram är påslaget",
        }
    message_id = result.get("id") if isinstance(result, dict) else None
    return {
        **step,
        "status": "done",
        "detail": f"IVR message version {result.get('version', '?')} active"
        if isinstance(result, dict)
        else "IVR message active",
        "detail_sv": f"talsvarets version {result.get('version', '?')} aktiv"
        if isinstance(result, dict)
        else "talsvaret aktivt",
        "telephony_message_id": message_id,
        "has_audio": bool(result.get("has_audio")) if isinstance(result, dict) else False,
    }


async def publish(event: dict[str, Any] | None, actor: str) -> dict[str, Any]:
    """Publish the approved message for a crisis event (the activation plan's step "crisis
    message", and every approval during a crisis): the IVR text per language through
    ``set_active_message(kind="crisis")`` and the knowledge base's script/FAQ. Never raises
    for an output that fails; returns ``status`` (done | skipped | failed), ``detail`` /
    ``detail_sv``, ``manual`` / ``manual_sv`` (what to do by hand) and ``steps`` (one per
    output and language, each with its status)."""
    version = await current_version()
    if version is None:
        return {
            "status": "skipped",
            "detail": "skipped: no approved crisis message",
            "detail_sv": "hoppades över: inget godkänt krismeddelande",
            "manual": "Write a crisis message and have it approved; it is published then",
            "manual_sv": "Skriv ett krismeddelande och låt det godkännas; då publiceras det",
            "steps": [],
        }
    if event is not None and bool(event.get("exercise")) != version["exercise"]:
        return {
            "status": "failed",
            "detail": "failed: the approved message is "
            + ("an exercise" if version["exercise"] else "not an exercise")
            + " and the event is not",
            "detail_sv": "misslyckades: det godkända meddelandet är "
            + ("en övning" if version["exercise"] else "ingen övning")
            + " men händelsen är det inte",
            "manual": "Cancel the message and write and approve one for this event",
            "manual_sv": "Upphäv meddelandet och skriv och godkänn ett för den här händelsen",
            "steps": [],
            "version": version["version"],
        }
    steps: list[dict[str, Any]] = []
    try:
        for article in await _sync_articles(actor, version):
            steps.append({"output": "knowledge", **article})
    except DomainError as exc:
        steps.append(
            {"output": "knowledge", "status": "failed", "detail": _render(exc, "en"),
             "detail_sv": _render(exc, "sv")}
        )  # fmt: skip
    for text in version["texts"]:
        steps.append(await _set_ivr(text, version["exercise"], actor))
    failed = [s for s in steps if s["status"] == "failed"]
    ivr_done = [s for s in steps if s["output"] == "ivr" and s["status"] == "done"]
    status = "failed" if failed else "done"
    languages_done = ", ".join(s["language"] for s in ivr_done) or "-"
    result = {
        "status": status,
        "version": version["version"],
        "version_id": version["id"],
        "exercise": version["exercise"],
        "detail": f"crisis message version {version['version']}: IVR {languages_done}, "
        f"knowledge base updated; {len(failed)} failed",
        "detail_sv": f"krismeddelande version {version['version']}: talsvar {languages_done}, "
        f"kunskapsbanken uppdaterad; {len(failed)} misslyckades",
        "manual": "Record the failed languages in the switch's operator portal by hand"
        if failed
        else "",
        "manual_sv": "Spela in de misslyckade språken i växelns operatörsportal för hand"
        if failed
        else "",
        "steps": steps,
    }
    async with db.transaction():
        await raw.insert(
            "crisis_message_log",
            _log_entry(
                version["message_id"], version["id"], actor, "published",
                event["id"] if event else None,
                {"status": status, "steps": [
                    {k: s.get(k) for k in ("output", "language", "kind", "status", "detail")}
                    for s in steps
                ]},
            ),
        )  # fmt: skip
        audit.record(
            actor,
            "crisis.message.publish",
            "crisis_message_version",
            version["id"],
            {"event": event["id"] if event else None, "status": status, "failed": len(failed)},
        )
    return result
