"""Registering contacts and following cases until they are closed (no HTTP here).

Every function takes the acting :class:`Principal`, works in one write transaction with its
audit entries, and announces what happened after commit: the ``contact_registered``,
``case_created`` and ``case_changed`` hooks and live events to the case's owner and assignee.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core import audit, clock, db, events
from core.auth.service import Principal
from core.auth.tables import User
from core.cases import closing, numbers, pauses, search, states, timers
from core.cases.schemas import CallbackItem, moment
from core.cases.tables import Case, CaseEvent, Contact
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.org import lookup
from core.org.tables import AnswerGroup, Department
from core.parties import inline as party_inline
from core.parties import service as parties
from core.parties.tables import Party
from core.secrets import keystore
from core.settings import Settings

log = logging.getLogger(__name__)

ACCESS_CODE_SECRET = "access-code-key"
ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_BACKDATE_DAYS = 366
ASSIGNEE_KINDS = ("user", "group", "department", "external")

_settings: Settings | None = None
_host: Any = None
_channels: frozenset[str] = frozenset(states.CHANNELS)
CHANNEL_RE = re.compile(r"^[a-z]{2,12}$")


def configure(settings: Settings, host: Any) -> None:
    """Give the service its settings and the plugin host (for hooks)."""
    global _settings, _host, _channels
    numbers.validate_pattern(settings.case_number_pattern)
    numbers.validate_pattern(settings.contact_number_pattern)
    _settings, _host = settings, host
    _channels = frozenset(states.CHANNELS) | plugin_channels(host)


def plugin_channels(host: Any) -> frozenset[str]:
    """Channels added by plugins through ``register_channels`` (invalid names are skipped)."""
    if host is None:
        return frozenset()
    names = set()
    for name in host.collect("register_channels"):
        if isinstance(name, str) and CHANNEL_RE.match(name):
            names.add(name)
        else:
            log.warning("ignored channel name %r from a plugin", name)
    return frozenset(names)


def channels() -> frozenset[str]:
    """Every channel a contact may be registered in: the core's and the plugins'."""
    return _channels


def check_channel(channel: str) -> None:
    """Refuse (400, naming the valid ones) a channel neither the core nor a plugin has."""
    if channel not in _channels:
        raise InvalidInput(
            "Unknown channel: {channel}; the channels are {valid}",
            channel=channel,
            valid=", ".join(sorted(_channels)),
        )


def _cfg() -> Settings:
    if _settings is None:
        raise RuntimeError("core.cases.service is not configured")
    return _settings


@dataclass
class ContactInput:
    """What an agent (or a channel adapter) knows about one interaction."""

    channel: str
    summary: str = ""
    direction: str = "in"
    received_at: int | None = None  # epoch seconds; default now
    case_type: str | None = None  # code
    answer_group: str | None = None  # code
    party_id: int | None = None
    party: dict[str, Any] | None = None  # a new party to create
    resolved_first_contact: bool = False
    open_case: bool = False
    join_case: str | None = None  # an existing case number
    subject: str = ""
    description: str = ""
    priority: str = "normal"
    language: str = "sv"
    feedback_channel: str | None = None
    secret: bool = False
    external_ref: str = ""
    wait_seconds: int | None = None
    handle_seconds: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _now() -> int:
    return int(time.time())


def local_parts(epoch: int) -> tuple[str, int, int]:
    """(YYYY-MM-DD, hour, weekday) in the appliance's time zone."""
    local = clock.local_minute(epoch, _cfg().timezone)
    return local.strftime("%Y-%m-%d"), local.hour, local.weekday()


def _access_code_hash(code: str) -> str:
    key = keystore.get(ACCESS_CODE_SECRET)
    if key is None:
        key = secrets.token_urlsafe(32)
        keystore.put(ACCESS_CODE_SECRET, key)
    return hmac.new(key.encode(), code.upper().encode(), hashlib.sha256).hexdigest()


def check_access_code(stored_hash: str, code: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(stored_hash, _access_code_hash(code))


def _new_access_code() -> str:
    """Ten characters from a 32-letter alphabet (50 bits), from one read of the OS's CSPRNG."""
    return "".join(ACCESS_CODE_ALPHABET[byte % 32] for byte in secrets.token_bytes(10))


PARTY_SQL = (
    "SELECT id AS party_id, email, name AS party_name, protected_identity AS party_protected, "
    "merged_into FROM party WHERE id = ?"
)
MERGE_HOPS = 5  # core.parties.merge repoints earlier merges, so one hop is the rule
FIRST_CONTACT_REASON = "Resolved at the first contact"


async def _live_party(party_id: int) -> dict[str, Any]:
    """The party's row, or its survivor's when it was merged into another (400 if none)."""
    row = await raw.fetchrow(PARTY_SQL, search.row_id(party_id))
    hops = 0
    while row is not None and row["merged_into"] is not None and hops < MERGE_HOPS:
        row = await raw.fetchrow(PARTY_SQL, row["merged_into"])
        hops += 1
    if row is None or row["merged_into"] is not None:
        raise InvalidInput("No party with id {id}", id=party_id)
    return row


def _validate_contact(data: ContactInput, now: int) -> None:
    check_channel(data.channel)
    if data.direction not in ("in", "out"):
        raise InvalidInput("The direction must be 'in' or 'out'")
    if data.received_at is not None:
        if data.received_at > now + 300:
            raise InvalidInput("The contact cannot be received in the future")
        if data.received_at < now - MAX_BACKDATE_DAYS * 86400:
            raise InvalidInput("The contact was received more than a year ago")
    if data.priority not in states.PRIORITIES:
        raise InvalidInput("Unknown priority: {priority}", priority=data.priority)
    if data.feedback_channel and data.feedback_channel not in states.FEEDBACK_CHANNELS:
        raise InvalidInput("Unknown feedback channel: {channel}", channel=data.feedback_channel)
    if data.open_case and data.join_case:
        raise InvalidInput("A contact either opens a new case or joins an existing one")
    if data.open_case and not data.case_type:
        raise InvalidInput("A new case needs a case type")
    if data.party_id is not None and data.party is not None:
        raise InvalidInput("Give either an existing party or a new one, not both")
    if len(data.summary) > 10000 or len(data.description) > 20000:
        raise InvalidInput("The text is too long")


async def register_contact(principal: Principal, data: ContactInput) -> dict[str, Any]:
    """Register one contact; optionally open a case or join an existing one.

    Returns ``{"contact": …, "case": … | None, "access_code": … | None}``; the access code
    for Mina ärenden is returned only here, when the case is created.
    """
    now = _now()
    _validate_contact(data, now)
    case_type = None
    if data.case_type:
        case_type = await lookup.case_type(data.case_type)
        if case_type is None or not case_type["active"]:
            raise InvalidInput("Unknown case type: {code}", code=data.case_type)
    group = None
    if data.answer_group:
        group = await lookup.answer_group(data.answer_group)
        if group is None or not group["active"]:
            raise InvalidInput("Unknown answer group: {code}", code=data.answer_group)
    if (
        data.resolved_first_contact
        and data.open_case
        and case_type
        and not case_type["kc_may_close"]
    ):
        raise InvalidInput(
            "The contact center may not close cases of type {code}", code=data.case_type
        )
    received = data.received_at or now
    day, hour, weekday = local_parts(received)
    year = datetime.fromtimestamp(now, UTC).year
    settings = _cfg()
    result: dict[str, Any] = {"case": None, "access_code": None}
    hooks: list[tuple[str, dict[str, Any]]] = []
    case_full = None
    async with db.transaction():
        party_id = data.party_id
        party_row: dict[str, Any] | None = None
        if party_id is not None:
            party_row = await _live_party(party_id)
            party_id = party_row["party_id"]
        if data.party is not None:
            inline = await party_inline.resolve(principal.username, data.party)
            party_id, result["party"] = inline.party_id, inline.summary()
            party_row = await raw.fetchrow(PARTY_SQL, party_id)
        case_row = None
        if data.join_case or data.open_case:
            case_row, result["access_code"], hook = await _case_of_contact(
                principal, data, case_type, party_id, party_row, now, year
            )
            hooks.append(hook)
            if data.open_case and party_row and party_row["email"]:
                from core.citizen import notify

                await notify.queue_receipt(case_row, party_row["email"], result["access_code"])
        contact_number = await numbers.next_number("contact", settings.contact_number_pattern, year)
        contact = {
            "number": contact_number,
            "channel": data.channel,
            "direction": data.direction,
            "received_at": received,
            "registered_at": now,
            "local_day": day,
            "local_hour": hour,
            "local_weekday": weekday,
            "agent": principal.user_id,
            "answer_group": group["id"] if group else None,
            "party": party_id,
            "case": case_row["id"] if case_row else None,
            "case_type": case_type["id"] if case_type else None,
            "department": case_type["department"] if case_type else None,
            "summary": data.summary,
            "resolved_first_contact": data.resolved_first_contact,
            "forwarded": False,
            "language": data.language,
            "wait_seconds": data.wait_seconds,
            "handle_seconds": data.handle_seconds,
            "external_ref": data.external_ref[:200],
            "created_by": principal.username,
        }
        contact["id"] = await raw.insert("contact", contact)
        if case_row is not None:
            await _event(
                case_row["id"],
                "contact",
                principal.username,
                False,
                data.summary[:500],
                {"contact": contact_number, "channel": data.channel},
            )
            if data.resolved_first_contact and data.open_case:
                await _set_status(principal, case_row, "closed", now, "", FIRST_CONTACT_REASON)
                case_full = await raw.fetchrow(CASE_SQL, case_row["number"])
            elif data.open_case:
                case_full = _fresh_case_row(case_row, case_type, principal, party_row)
            else:
                case_full = await raw.fetchrow(CASE_SQL, case_row["number"])
        if case_full is not None and case_full["secret"]:
            # the answer shows the secret case: a read of secret data, audited like any other
            audit.record_read(principal.username, "case", case_full["number"], {"secret": True})
        audit.record(
            principal.username,
            "contact.register",
            "contact",
            contact_number,
            {
                "channel": data.channel,
                "case": case_row["number"] if case_row else None,
                "resolved": data.resolved_first_contact,
            },
        )
    result["contact"] = contact_view(contact, data.case_type, case_row)
    if case_full is not None:
        result["case"] = await case_view(case_full, principal)

    _after(principal, "contact_registered", contact)
    for hook, row in hooks:
        _after(principal, hook, row)
    return result


async def case_numbers_of_contacts(contact_numbers: Iterable[str]) -> dict[str, str]:
    """The case each of ``contact_numbers`` belongs to, for those in a case (contact number ->
    case number), one query."""
    wanted = sorted({number for number in contact_numbers if number})
    if not wanted:
        return {}
    rows = await raw.fetch(
        'SELECT c.number AS contact, k.number AS "case" FROM contact c '
        f'JOIN kc_case k ON k.id = c."case" WHERE c.number IN ({raw.marks(wanted)})',
        *wanted,
    )
    return {row["contact"]: row["case"] for row in rows}


async def attach_contact(
    principal: Principal,
    contact_number: str,
    *,
    case_type: str | None = None,
    summary: str = "",
    join_case: str | None = None,
    secret: bool = False,
) -> dict[str, Any]:
    """Put a contact registered earlier (e.g. a visit's) into a case: open a new case of
    ``case_type`` from it, or let it join the open case ``join_case``.

    A contact belongs to one case (409 when it already has one); a closed case must be
    reopened first (409). Audited as ``contact.attach``, with a ``contact`` timeline entry
    and the ``case_created`` / ``case_changed`` hooks after commit. Returns
    ``{"case": …, "access_code": … | None}``.
    """
    if bool(case_type) == bool(join_case):
        raise InvalidInput("A contact either opens a new case or joins an existing one")
    summary = summary.strip()
    if len(summary) > 10000:
        raise InvalidInput("The text is too long")
    type_row = None
    if case_type:
        type_row = await lookup.case_type(case_type)
        if type_row is None or not type_row["active"]:
            raise NotFound("Unknown case type: {code}", code=case_type)
    now = _now()
    async with db.transaction():
        contact = await raw.fetchrow(
            'SELECT id, number, channel, received_at, language, party, "case" FROM contact '
            "WHERE number = ?",
            contact_number,
        )
        if contact is None:
            raise NotFound("No contact numbered {number}", number=contact_number)
        if contact["case"] is not None:
            raise Conflict("The contact {number} is already in a case", number=contact_number)
        party_row = await _live_party(contact["party"]) if contact["party"] else None
        data = ContactInput(
            channel=contact["channel"],
            summary=summary,
            received_at=contact["received_at"],
            language=contact["language"] or "sv",
            open_case=not join_case,
            join_case=join_case,
            secret=secret,
        )
        year = datetime.fromtimestamp(now, UTC).year
        case_row, access_code, hook = await _case_of_contact(
            principal, data, type_row, contact["party"], party_row, now, year
        )
        attached = await raw.fetch(
            'UPDATE contact SET "case" = ?, case_type = ?, department = ? '
            'WHERE id = ? AND "case" IS NULL RETURNING id',
            case_row["id"],
            case_row["case_type"],
            case_row["department"],
            contact["id"],
        )
        if not attached:  # another request attached it first
            raise Conflict("The contact {number} is already in a case", number=contact_number)
        await _event(
            case_row["id"],
            "contact",
            principal.username,
            False,
            summary[:500],
            {"contact": contact_number, "channel": contact["channel"]},
        )
        audit.record(
            principal.username,
            "contact.attach",
            "contact",
            contact_number,
            {"case": case_row["number"], "opened": not join_case},
        )
        case_full = await raw.fetchrow(CASE_SQL, case_row["number"])
        assert case_full is not None
        if case_full["secret"]:
            audit.record_read(principal.username, "case", case_full["number"], {"secret": True})
    _after(principal, *hook)
    return {"case": await case_view(case_full, principal), "access_code": access_code}


async def _case_of_contact(
    principal: Principal,
    data: ContactInput,
    case_type: dict[str, Any] | None,
    party_id: int | None,
    party_row: dict[str, Any] | None,
    now: int,
    year: int,
) -> tuple[dict[str, Any], str | None, tuple[str, dict[str, Any]]]:
    """The case a contact goes into, in the caller's transaction: the open case
    ``data.join_case`` (409 when closed) or a new one of ``case_type`` (secret when asked or
    when the party is protected). Returns the case row, the new case's access code (None on
    joining) and the hook to call after commit."""
    if data.join_case:
        case_row = await _writable(principal, data.join_case)
        if case_row["status"] == "closed":
            raise Conflict("The case {number} is closed; reopen it first", number=data.join_case)
        return case_row, None, ("case_changed", {**case_row, "_change": "contact"})
    assert case_type is not None
    code = _new_access_code()
    protected = bool(party_row and party_row["party_protected"])
    case_row = await _create_case(
        principal,
        data,
        case_type,
        party_id,
        now,
        year,
        _access_code_hash(code),
        secret=data.secret or protected,
    )
    return case_row, code, ("case_created", case_row)


async def _create_case(
    principal: Principal,
    data: ContactInput,
    case_type: dict[str, Any],
    party_id: int | None,
    now: int,
    year: int,
    access_hash: str,
    *,
    secret: bool,
) -> dict[str, Any]:
    """Insert a case (protected identity of the party makes it secret) with its first event."""
    number = await numbers.next_number("case", _cfg().case_number_pattern, year)
    row: dict[str, Any] = {
        "number": number,
        "case_type": case_type["id"],
        "department": case_type["department"],
        "status": "received",
        "priority": data.priority,
        "subject": (data.subject or data.summary or case_type["name_sv"])[:300],
        "description": data.description,
        "channel": data.channel,
        "feedback_channel": data.feedback_channel or "email",
        "language": data.language,
        "secret": secret,
        "party": party_id,
        "owner": principal.user_id,
        "assignee_kind": "none",
        "access_code_hash": access_hash,
        "created_at": data.received_at or now,
        "updated_at": now,
    }
    row.update(await timers.initial(case_type, data.received_at or now))
    row["id"] = await raw.insert("kc_case", row)
    await _event(
        row["id"], "status", principal.username, True, "", {"from": None, "to": "received"}
    )
    await search.index_case(row["id"], row["subject"], row["description"], data.language)
    audit.record(
        principal.username,
        "case.create",
        "case",
        number,
        {"type": case_type["code"], "channel": data.channel, "secret": secret},
    )
    return row


async def _event(
    case_id: int,
    kind: str,
    actor: str,
    public: bool,
    text: str,
    data: dict[str, Any] | None = None,
    at: int | None = None,
) -> None:
    await raw.insert(
        "case_event",
        {
            "case": case_id,
            "at": at or _now(),
            "kind": kind,
            "actor": actor,
            "public": public,
            "text": text,
            "data": data or {},
        },
    )


async def _case_for_update(number: str) -> dict[str, Any]:
    row = await Case.select().where(Case.number == number).first()
    if row is None:
        raise NotFound("No case numbered {number}", number=number)
    return row


def _may_see(principal: Principal, row: dict[str, Any]) -> bool:
    """Secret cases are visible to their owner, their assignee and holders of cases.secret."""
    if not row["secret"]:
        return True
    return (
        principal.can("cases.secret")
        or row["owner"] == principal.user_id
        or row["assignee_user"] == principal.user_id
    )


async def _writable(principal: Principal, number: str) -> dict[str, Any]:
    row = await _case_for_update(number)
    if not _may_see(principal, row):
        raise NotFound("No case numbered {number}", number=number)
    return row


def _after(principal: Principal, hook: str, row: dict[str, Any]) -> None:
    """After commit: call the hook in every plugin and send a live event to the people
    concerned. Inside a caller's transaction (the telephony plugin's, core.idempotency's) this
    waits for the outermost commit and is dropped on rollback. Failures here are logged and
    never undo or hide the committed change."""
    if db.in_transaction():
        db.on_commit(lambda: _announce(principal, hook, row))
    else:
        _announce(principal, hook, row)


def _announce(principal: Principal, hook: str, row: dict[str, Any]) -> None:
    """Call ``hook`` in every plugin and publish the matching live event (now)."""
    if _host is not None:
        kwargs: dict[str, Any] = {"actor": principal.username}
        if hook == "contact_registered":
            kwargs["contact"] = row
        else:
            kwargs["case"] = {k: v for k, v in row.items() if not k.startswith("_")}
            kwargs["change"] = row.get("_change", "created")
        _host.notify(hook, **kwargs)
    if hook in ("case_created", "case_changed"):
        users = tuple(filter(None, {row.get("_owner_name"), row.get("_assignee_name")}))
        event_type = "case.created" if hook == "case_created" else "case.changed"
        try:
            events.publish(
                Event(
                    event_type,
                    {
                        "number": row["number"],
                        "status": row["status"],
                        "change": row.get("_change", "created"),
                    },
                    users=users,
                )
            )
        except Exception:
            log.exception("live event %s failed", event_type)


async def _set_status(
    principal: Principal,
    row: dict[str, Any],
    new: str,
    now: int,
    public_text: str,
    reason: str = "",
) -> dict[str, Any]:
    """Move ``row`` to ``new``; ending a case needs the right to end it and a reason."""
    current = row["status"]
    if not states.can_move(current, new):
        raise Conflict("A case cannot go from {current} to {new}", current=current, new=new)
    change: dict[str, Any] = {"from": current, "to": new}
    if new in states.TERMINAL_STATES:
        change["reason"] = closing.closing_reason(reason)
        await closing.check_may_close(principal, row)
    changes: dict[Any, Any] = {Case.status: new, Case.updated_at: now}
    if current == "waiting" and new != "waiting" and not await pauses.is_paused(row["case_type"]):
        changes.update(await timers.resumed(row, now))  # (a type set aside stays paused)
        await _event(row["id"], "resume", principal.username, False, "", {})
    if new == "waiting":
        changes.update(await timers.paused(row, now))
        await _event(row["id"], "pause", principal.username, False, "", {})
    if new in ("decided", "closed"):
        changes.update(await timers.stopped(row, now))
        if new == "closed":
            changes[Case.closed_at] = now
    if row.get("first_response_at") is None and current == "received":
        changes[Case.first_response_at] = now
    await Case.update(changes).where(Case.id == row["id"])
    await _event(row["id"], "status", principal.username, True, public_text, change)
    audit.record(principal.username, "case.status", "case", row["number"], change)
    return {**row, "status": new}


async def change_status(
    principal: Principal, number: str, new: str, public_text: str = "", reason: str = ""
) -> dict[str, Any]:
    """Move a case to another state (transitions are enforced; 'waiting' pauses the clock;
    closing needs a reason and, for types the KC may not close, the department)."""
    if new not in states.STATES:
        raise InvalidInput("Unknown status: {status}", status=new)
    async with db.transaction():
        row = await _writable(principal, number)
        updated = await _set_status(principal, row, new, _now(), public_text[:2000], reason)
    _after(principal, "case_changed", {**updated, "_change": "status"})
    return await get_case(principal, number)


async def add_note(
    principal: Principal, number: str, text: str, public: bool = False
) -> dict[str, Any]:
    """An internal note, or a public note the citizen sees on Mina ärenden."""
    text = text.strip()
    if not text:
        raise InvalidInput("The note must not be empty")
    if len(text) > 10000:
        raise InvalidInput("The text is too long")
    now = _now()
    async with db.transaction():
        row = await _writable(principal, number)
        await _event(row["id"], "note", principal.username, public, text)
        changes: dict[Any, Any] = {Case.updated_at: now}
        if public and row["first_response_at"] is None:
            changes[Case.first_response_at] = now
        await Case.update(changes).where(Case.id == row["id"])
        audit.record(principal.username, "case.note", "case", number, {"public": public})
    _after(principal, "case_changed", {**row, "_change": "note"})
    return await get_case(principal, number)


async def forward(
    principal: Principal, number: str, kind: str, target: str, reason: str
) -> dict[str, Any]:
    """Hand the work to a case officer, answer group, department or external contractor.

    The contact-center owner keeps the follow-up duty; the reason is on the timeline.
    """
    if kind not in ASSIGNEE_KINDS:
        raise InvalidInput("Unknown assignee kind: {kind}", kind=kind)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("A forward needs a reason")
    changes: dict[Any, Any] = {
        Case.assignee_kind: kind,
        Case.assignee_user: None,
        Case.assignee_group: None,
        Case.assignee_department: None,
        Case.assignee_external: "",
    }
    label = target
    assignee_name = None
    if kind == "user":
        user = (
            await User.select(User.id, User.active, User.full_name)
            .where(User.username == target)
            .first()
        )
        if user is None:
            raise InvalidInput("No user named {username}", username=target)
        if not user["active"]:
            raise Conflict(
                "The user {username} is not active; choose someone else", username=target
            )
        changes[Case.assignee_user] = user["id"]
        assignee_name = target
    elif kind == "group":
        group = (
            await AnswerGroup.select(AnswerGroup.id, AnswerGroup.active)
            .where(AnswerGroup.code == target)
            .first()
        )
        if group is None or not group["active"]:
            raise InvalidInput("Unknown answer group: {code}", code=target)
        changes[Case.assignee_group] = group["id"]
    elif kind == "department":
        dept = (
            await Department.select(Department.id, Department.active)
            .where(Department.code == target)
            .first()
        )
        if dept is None or not dept["active"]:
            raise InvalidInput("Unknown department: {code}", code=target)
        changes[Case.assignee_department] = dept["id"]
    else:
        if not target.strip() or len(target) > 200:
            raise InvalidInput("Name the external contractor")
        changes[Case.assignee_external] = target.strip()
    now = _now()
    async with db.transaction():
        row = await _writable(principal, number)
        if row["status"] == "closed":
            raise Conflict("The case {number} is closed; reopen it first", number=number)
        changes[Case.updated_at] = now
        if row["status"] == "received":
            changes[Case.status] = "in_progress"
            await _event(
                row["id"],
                "status",
                principal.username,
                True,
                "",
                {"from": "received", "to": "in_progress"},
            )
            if row["first_response_at"] is None:
                changes[Case.first_response_at] = now
        await Case.update(changes).where(Case.id == row["id"])
        await Contact.update({Contact.forwarded: True}).where(Contact.case == row["id"])
        await _event(
            row["id"],
            "forward",
            principal.username,
            False,
            reason[:2000],
            {"kind": kind, "target": label},
        )
        audit.record(
            principal.username, "case.forward", "case", number, {"kind": kind, "target": label}
        )
    _after(
        principal, "case_changed", {**row, "_change": "forward", "_assignee_name": assignee_name}
    )
    return await get_case(principal, number)


async def reopen(principal: Principal, number: str, reason: str) -> dict[str, Any]:
    """Reopen a closed case; the resolution clock starts again from now."""
    if not reason.strip():
        raise InvalidInput("A reopen needs a reason")
    now = _now()
    async with db.transaction():
        row = await _writable(principal, number)
        if row["status"] != "closed":
            raise Conflict("Only a closed case can be reopened")
        if row["merged_into"]:
            raise Conflict("The case was merged into {number}", number=row["merged_into"])
        case_type = await lookup.case_type_by_id(row["case_type"])
        changes = {
            Case.status: "in_progress",
            Case.closed_at: None,
            Case.updated_at: now,
            **await timers.initial(case_type, now),
        }
        await Case.update(changes).where(Case.id == row["id"])
        await _event(
            row["id"],
            "reopen",
            principal.username,
            True,
            reason.strip()[:2000],
            {"from": "closed", "to": "in_progress"},
        )
        audit.record(principal.username, "case.reopen", "case", number, {})
    _after(principal, "case_changed", {**row, "status": "in_progress", "_change": "reopen"})
    return await get_case(principal, number)


async def merge(principal: Principal, duplicate: str, into: str, reason: str) -> dict[str, Any]:
    """Merge a duplicate case into another: contacts move, the duplicate is closed (which
    needs a reason and the right to close it)."""
    if duplicate == into:
        raise InvalidInput("A case cannot be merged into itself")
    reason = closing.closing_reason(reason)
    now = _now()
    async with db.transaction():
        source = await _writable(principal, duplicate)
        target = await _writable(principal, into)
        if target["status"] == "closed":
            raise Conflict("The case {number} is closed; reopen it first", number=into)
        if source["merged_into"]:
            raise Conflict("The case was merged into {number}", number=source["merged_into"])
        if source["status"] in states.TERMINAL_STATES:
            raise Conflict("The case {number} is closed; reopen it first", number=duplicate)
        await closing.check_may_close(principal, source)
        await Contact.update({Contact.case: target["id"]}).where(Contact.case == source["id"])
        await Case.update(
            {
                Case.status: "closed",
                Case.closed_at: now,
                Case.updated_at: now,
                Case.merged_into: into,
                **await timers.stopped(source, now),
            }
        ).where(Case.id == source["id"])
        await _event(
            source["id"],
            "merge",
            principal.username,
            True,
            "",
            {"into": into, "from": source["status"], "to": "closed", "reason": reason},
        )
        await _event(target["id"], "merge", principal.username, False, "", {"merged": duplicate})
        audit.record(
            principal.username, "case.merge", "case", duplicate, {"into": into, "reason": reason}
        )
    _after(principal, "case_changed", {**target, "_change": "merge"})
    return await get_case(principal, into)


async def set_priority(principal: Principal, number: str, priority: str) -> dict[str, Any]:
    if priority not in states.PRIORITIES:
        raise InvalidInput("Unknown priority: {priority}", priority=priority)
    async with db.transaction():
        row = await _writable(principal, number)
        if row["status"] in states.TERMINAL_STATES:
            raise Conflict("The case {number} is closed; reopen it first", number=number)
        await Case.update({Case.priority: priority, Case.updated_at: _now()}).where(
            Case.id == row["id"]
        )
        await _event(
            row["id"],
            "priority",
            principal.username,
            False,
            "",
            {"from": row["priority"], "to": priority},
        )
        audit.record(
            principal.username,
            "case.priority",
            "case",
            number,
            {"from": row["priority"], "to": priority},
        )
    return await get_case(principal, number)


async def set_secret(principal: Principal, number: str, secret: bool) -> dict[str, Any]:
    """Mark a case secret (sekretess) or public; needs cases.secret."""
    if not principal.can("cases.secret"):
        raise Forbidden("Only those allowed to handle secret cases may change secrecy")
    async with db.transaction():
        row = await _writable(principal, number)
        await Case.update({Case.secret: secret, Case.updated_at: _now()}).where(
            Case.id == row["id"]
        )
        await _event(row["id"], "secrecy", principal.username, False, "", {"secret": secret})
        audit.record(principal.username, "case.secrecy", "case", number, {"secret": secret})
    return await get_case(principal, number)


async def record_feedback(
    principal: Principal, number: str, channel: str, text: str
) -> dict[str, Any]:
    """Återkoppling: feedback given to the citizen, in which channel (e-mail is sent)."""
    if channel not in states.FEEDBACK_CHANNELS or channel == "none":
        raise InvalidInput("Unknown feedback channel: {channel}", channel=channel)
    text = text.strip()
    if not text:
        raise InvalidInput("The feedback must not be empty")
    now = _now()
    async with db.transaction():
        row = await _writable(principal, number)
        recipient = None
        if channel == "email":
            party = (
                await Party.select(Party.email).where(Party.id == row["party"]).first()
                if row["party"]
                else None
            )
            recipient = party["email"] if party else ""
            if not recipient:
                raise Conflict("The citizen of case {number} has no e-mail address", number=number)
            from core.citizen import notify

            await notify.queue_feedback(row, recipient, text)
        await _event(
            row["id"], "feedback", principal.username, True, text[:5000], {"channel": channel}
        )
        changes: dict[Any, Any] = {Case.updated_at: now}
        if row["first_response_at"] is None:
            changes[Case.first_response_at] = now
        await Case.update(changes).where(Case.id == row["id"])
        audit.record(principal.username, "case.feedback", "case", number, {"channel": channel})
    _after(principal, "case_changed", {**row, "_change": "feedback"})
    return await get_case(principal, number)


USER_ID_SQL = "SELECT id FROM kc_user WHERE username = ?"
CASE_ID_SQL = "SELECT id, secret, owner, assignee_user FROM kc_case WHERE number = ?"
CALLBACK_ROW_SQL = 'SELECT attempts, outcome, notes, "case" FROM callback WHERE id = ?'
# conditional, so two attempts recorded at once count twice and only one may end it
CALLBACK_ATTEMPT_SQL = (
    "UPDATE callback SET attempts = attempts + 1, outcome = ?, updated_at = ?, notes = ? "
    "WHERE id = ? AND outcome = 'pending' RETURNING attempts"
)


async def request_callback(
    principal: Principal,
    number: str | None,
    phone: str,
    preferred_from: int | None = None,
    preferred_to: int | None = None,
    answer_group: str | None = None,
    notes: str = "",
    assignee: str | None = None,
) -> CallbackItem:
    """Put a call-back on the contact list (instead of the citizen waiting in a queue),
    optionally for one member of staff (``assignee``, a username) to make.

    Plain SQL (:mod:`core.db.raw`): the telephony plugin offers one for every abandoned call."""
    phone_e164 = parties.normalise_phone(phone, _cfg().phone_region)
    if preferred_from and preferred_to and preferred_to <= preferred_from:
        raise InvalidInput("The preferred time window ends before it starts")
    group_id = None
    if answer_group:
        group = await lookup.answer_group(answer_group)
        if group is None:
            raise InvalidInput("Unknown answer group: {code}", code=answer_group)
        group_id = group["id"]
    assignee_id = None
    if assignee:
        user = await raw.fetchrow(USER_ID_SQL, assignee)
        if user is None:
            raise InvalidInput("No user named {username}", username=assignee)
        assignee_id = user["id"]
    now = _now()
    notes = notes[:2000]
    async with db.transaction():
        case_id = None
        if number:
            row = await raw.fetchrow(CASE_ID_SQL, number)
            if row is None or not _may_see(principal, row):
                raise NotFound("No case numbered {number}", number=number)
            case_id = row["id"]
        callback_id = await raw.insert(
            "callback",
            {
                "case": case_id,
                "contact": None,
                "phone": phone_e164,
                "preferred_from": preferred_from,
                "preferred_to": preferred_to,
                "answer_group": group_id,
                "assignee": assignee_id,
                "attempts": 0,
                "outcome": "pending",
                "notes": notes,
                "created_at": now,
                "updated_at": now,
            },
        )
        if case_id:
            await _event(
                case_id,
                "callback",
                principal.username,
                False,
                notes[:500],
                {"callback": callback_id, "phone": phone_e164},
            )
        audit.record(
            principal.username, "callback.create", "callback", callback_id, {"case": number}
        )
    # what search.get_callback would read back: nothing has changed it since
    return CallbackItem(
        id=callback_id,
        case=number or None,
        phone=phone_e164,
        preferred_from=moment(preferred_from),
        preferred_to=moment(preferred_to),
        answer_group=answer_group or None,
        assignee=assignee or None,
        attempts=0,
        outcome="pending",
        notes=notes,
        created_at=moment(now),
        updated_at=moment(now),
    )


async def record_callback_attempt(
    principal: Principal, callback_id: int, outcome: str, notes: str = ""
) -> CallbackItem:
    """Record an attempt: reached, no_answer (stays on the list) or cancelled."""
    if outcome not in ("reached", "no_answer", "cancelled"):
        raise InvalidInput("Unknown call-back outcome: {outcome}", outcome=outcome)
    now = _now()
    async with db.transaction():
        await search.get_callback(principal, callback_id)  # 404 unless the user may see it
        row = await raw.fetchrow(CALLBACK_ROW_SQL, callback_id)
        if row is None:
            raise NotFound("No call-back with id {id}", id=callback_id)
        new_outcome = "pending" if outcome == "no_answer" else outcome
        updated = await raw.fetchrow(
            CALLBACK_ATTEMPT_SQL,
            new_outcome,
            now,
            (row["notes"] + "\n" + notes).strip()[:4000],
            callback_id,
        )
        if updated is None:
            raise Conflict("The call-back is already done")
        attempt = int(updated["attempts"])
        if row["case"]:
            await _event(
                row["case"],
                "callback",
                principal.username,
                False,
                notes[:500],
                {"callback": callback_id, "outcome": outcome, "attempt": attempt},
            )
        audit.record(
            principal.username, "callback.attempt", "callback", callback_id, {"outcome": outcome}
        )
    return await search.get_callback(principal, callback_id)


def contact_view(
    contact: dict[str, Any], case_type_code: str | None, case_row: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "number": contact["number"],
        "channel": contact["channel"],
        "direction": contact["direction"],
        "received_at": contact["received_at"],
        "registered_at": contact["registered_at"],
        "case_type": case_type_code,
        "case": case_row["number"] if case_row else None,
        "summary": contact["summary"],
        "resolved_first_contact": bool(contact["resolved_first_contact"]),
        "party": contact["party"],
    }


# A case row with the codes and names of what it refers to (keys as Piccolo names them).
CASE_SQL = (
    'SELECT c.*, ct.code AS "case_type.code", d.code AS "department.code", '
    'o.username AS "owner.username", au.username AS "assignee_user.username", '
    'ag.code AS "assignee_group.code", ad.code AS "assignee_department.code", '
    f"{search.PARTY_COLUMNS} "
    "FROM kc_case c "
    "LEFT JOIN case_type ct ON ct.id = c.case_type "
    "LEFT JOIN department d ON d.id = c.department "
    "LEFT JOIN kc_user o ON o.id = c.owner "
    "LEFT JOIN kc_user au ON au.id = c.assignee_user "
    "LEFT JOIN answer_group ag ON ag.id = c.assignee_group "
    "LEFT JOIN department ad ON ad.id = c.assignee_department "
    "LEFT JOIN party p ON p.id = c.party "
    "WHERE c.number = ?"
)


def _fresh_case_row(
    row: dict[str, Any],
    case_type: dict[str, Any],
    principal: Principal,
    party_row: dict[str, Any] | None,
) -> dict[str, Any]:
    """What ``CASE_SQL`` would read for a case just created by ``principal`` (nothing has
    changed it since, so there is no need to read it back)."""
    return {
        "assignee_user": None,
        "assignee_group": None,
        "assignee_department": None,
        "assignee_external": "",
        "merged_into": "",
        "closed_at": None,
        "first_response_at": None,
        **row,
        "case_type.code": case_type["code"],
        "department.code": case_type["department.code"],
        "owner.username": principal.username,
        "assignee_user.username": None,
        "assignee_group.code": None,
        "assignee_department.code": None,
        "party_id": party_row["party_id"] if party_row else None,
        "party_name": party_row["party_name"] if party_row else None,
        "party_protected": party_row["party_protected"] if party_row else False,
    }


async def case_view(row: dict[str, Any], principal: Principal, lang: str = "sv") -> dict[str, Any]:
    """What staff see of a case row read with ``CASE_SQL``: its fields, assignee, timers and
    the party's display name."""
    assignee = {
        "kind": row["assignee_kind"],
        "target": {
            "user": row["assignee_user.username"],
            "group": row["assignee_group.code"],
            "department": row["assignee_department.code"],
            "external": row["assignee_external"],
        }.get(row["assignee_kind"]),
    }
    return {
        "number": row["number"],
        "case_type": row["case_type.code"],
        "department": row["department.code"],
        "status": row["status"],
        "public_status": states.public_status(row["status"], lang),
        "priority": row["priority"],
        "subject": row["subject"],
        "description": row["description"],
        "channel": row["channel"],
        "feedback_channel": row["feedback_channel"],
        "language": row["language"],
        "secret": bool(row["secret"]),
        "party": row["party"],
        "party_name": search.party_name(principal, row, lang),
        "owner": row["owner.username"],
        "assignee": assignee,
        "merged_into": row["merged_into"] or None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "closed_at": row["closed_at"],
        "timers": await timers.view(row, _now()),
    }


async def get_case(
    principal: Principal, number: str, timeline: bool = True, lang: str = "sv"
) -> dict[str, Any]:
    """A case with its timers (and timeline and contacts unless ``timeline=False``)."""
    row = await raw.fetchrow(CASE_SQL, number)
    if row is None or not _may_see(principal, row):
        raise NotFound("No case numbered {number}", number=number)
    if row["secret"]:
        async with db.transaction():
            audit.record_read(principal.username, "case", number, {"secret": True})
    view = await case_view(row, principal, lang)
    if timeline:
        view["timeline"] = [
            {
                "at": e["at"],
                "kind": e["kind"],
                "actor": e["actor"],
                "public": bool(e["public"]),
                "text": e["text"],
                "data": e["data"],
            }
            for e in await CaseEvent.select()
            .where(CaseEvent.case == row["id"])
            .order_by(CaseEvent.at)
            .order_by(CaseEvent.id)
            .output(load_json=True)
        ]
        view["contacts"] = [
            {
                "number": c["number"],
                "channel": c["channel"],
                "received_at": c["received_at"],
                "summary": c["summary"],
            }
            for c in await Contact.select(
                Contact.number, Contact.channel, Contact.received_at, Contact.summary
            )
            .where(Contact.case == row["id"])
            .order_by(Contact.received_at)
        ]
    return view


def plugin_host() -> Any:
    """The plugin host given to :func:`configure` (None before start-up)."""
    return _host


def current_settings() -> Settings:
    """The settings given to :func:`configure`."""
    return _cfg()
