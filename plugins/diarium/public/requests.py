"""Requests for public documents (begäran om allmän handling, TF 2 kap., OSL 6 kap.).

A request is logged with the time it was received: from the webbdiarium's form, or by staff
for a request made by phone, at the desk or by letter or e-mail. The requester may stay
anonymous (TF 2:18): name and contact are optional.

"Skyndsamt" runs on the core's SLA machinery, not on a copy of it: each request opens a core
case of the dedicated case type (setting ``requests_case_type``, in the department
``requests_department``) whose agreement target gives a first-response budget (someone has
started) and a tight resolution budget (the answer) in business time. The core's sweep then
raises the warning and the breach like for any case: timeline entry, audit, the
``sla_breached`` hook, live events and e-mails to the escalation chain
(``requests_escalate_to``). The department, the case type and the target are created on
first use (:func:`ensure_setup`), each step audited by the core's own services.

Statuses: received → in_progress → handed_out | partly_handed_out | refused (received may
go straight to an outcome). Starting the request moves the core case to in_progress (the first
response); an outcome closes it (the resolution). A partly handed out request needs a masked
copy; a refusal or a partial refusal produces the written decision with the appeal notice.
Every step is one transaction with its audit entry and an entry in the request's history.

A request may name several documents (``diarium_requested_document``, in the order given, each
resolved to the diary document when the number exists); the request's ``document_ref`` is the
first of them. A decision records what was decided for each document (handed out, handed out
masked, refused); the request's outcome follows from them (``partly_handed_out`` when mixed).

A requester who gives an e-mail address gets, through the core's outbox
(:mod:`plugins.diarium.public.mail`), a receipt with the request's number when it is logged and
the decision when it is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from core import audit, db, events, paging
from core.auth.service import Principal
from core.cases import service as cases
from core.cases import timers
from core.clock import iso_utc
from core.contracts import Event
from core.db import raw
from core.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from core.org import lookup
from core.secrets import keystore
from plugins.diarium import runtime
from plugins.diarium.public import mail

log = logging.getLogger(__name__)

STATUSES = ("received", "in_progress", "handed_out", "partly_handed_out", "refused")
OUTCOMES = ("handed_out", "partly_handed_out", "refused")
OPEN = ("received", "in_progress")
CHANNELS = ("web", "phone", "desk", "mail", "email")
STAFF_CHANNELS = ("phone", "desk", "mail", "email")
DELIVERIES = ("email", "post", "pickup", "view")
#: The core channel each request channel registers its contact in.
CORE_CHANNEL = {
    "web": "web",
    "phone": "phone",
    "desk": "visit",
    "mail": "letter",
    "email": "email",
}
CLIENT_KEY_SECRET = "diarium-request-client-key"
RECEIVED_EVENT = "diarium.request_received"
WEB_ACTOR = "webbdiarium"
MAX_BACKDATE_S = 366 * 86400
DEFAULTS: dict[str, Any] = {
    "request_number_pattern": "BAH-{year}-{seq:05d}",
    "requests_department": "REGISTRATUR",
    "requests_department_name": "Registraturen",
    "requests_case_type": "ALLMAN-HANDLING",
    "request_first_response_minutes": 60,
    "request_resolution_minutes": 480,
    "request_warning_percent": 50,
    "requests_escalate_to": "",
    "public_requests_per_hour": 5,
    "public_requests_per_hour_all": 200,
}
OUTCOME_REASON = {
    "handed_out": "Begäran om allmän handling avgjord: handlingen lämnad ut",
    "partly_handed_out": "Begäran om allmän handling avgjord: handlingen delvis utlämnad",
    "refused": "Begäran om allmän handling avgjord: avslag",
}
REQUEST_SQL = "SELECT * FROM diarium_request"
DOCUMENTS_SQL = (
    "SELECT request_id, position, document_ref, document_id, outcome, masked_copy_sha256 "
    "FROM diarium_requested_document"
)
#: How many documents one request may name, and how long one number may be.
MAX_DOCUMENTS = 20
MAX_REF = 60
_SEPARATORS = re.compile(r"[\n\r,;]+|\s+(?:och|and|&)\s+", re.IGNORECASE)
_SHORT = re.compile(r"^-\s*(\d+)$")
_DOC_SEQ = re.compile(r"^(.*-)\d+$")


def setting(name: str) -> Any:
    """One of the plugin's settings for requests (its default until configured)."""
    return runtime.setting(name, DEFAULTS[name])


def web_principal() -> Principal:
    """The system principal the webbdiarium's form acts as (no staff user behind it)."""
    return Principal(
        user_id=None,  # type: ignore[arg-type]
        username=WEB_ACTOR,
        full_name="Webbdiarium",
        roles=(),
        permissions=frozenset(),
    )


# -- the core case type and its SLA target ---------------------------------------------------
_ready: set[str] = set()


async def ensure_setup(actor: str) -> dict[str, Any]:
    """The department, the case type and the SLA target requests run on (created when
    missing, through the core's own audited services). Returns the case type."""
    from core.org import service as org
    from core.org.tables import CaseType, Department
    from core.sla import agreements
    from core.sla import service as sla

    code = str(setting("requests_case_type"))
    department_code = str(setting("requests_department"))
    if code in _ready:
        found = await lookup.case_type(code)
        if found is not None:
            return found
    department = (
        await Department.select(Department.id).where(Department.code == department_code).first()
    )
    if department is None:
        await org.save_department(
            actor,
            department_code,
            {"name_sv": setting("requests_department_name"), "name_en": "Registry office"},
        )
        department = (
            await Department.select(Department.id).where(Department.code == department_code).first()
        )
    assert department is not None
    if not await CaseType.exists().where(CaseType.code == code):
        await org.save_case_type(
            actor,
            code,
            {
                "name_sv": "Begäran om allmän handling",
                "name_en": "Request for public documents",
                "department": department_code,
                "rosa_level": 3,
                "kc_may_close": True,
                "description_sv": "Begäran om att ta del av allmän handling (TF 2 kap.); "
                "ska handläggas skyndsamt.",
                "description_en": "A request to see or get a copy of a public document; "
                "handled promptly.",
                "keywords": ["allmän handling", "diarium", "utlämnande"],
            },
        )
    case_type = await lookup.case_type(code)
    assert case_type is not None
    today = datetime.now(UTC).date()
    target = await sla.resolve_target(department["id"], case_type["id"], today)
    if target is None:
        listed = await agreements.list_agreements(department_id=department["id"])
        current = [
            a
            for a in listed["items"]
            if date.fromisoformat(a["valid_from"]) <= today
            and (a["valid_to"] is None or date.fromisoformat(a["valid_to"]) >= today)
        ]
        if current:
            agreement_id = current[0]["id"]
        else:
            created = await agreements.create_agreement(
                actor,
                department["id"],
                "Begäran om allmän handling (skyndsamt)",
                date(2000, 1, 1),
                notes="Skapad av diariet: tidsgränser för utlämnande av allmän handling",
            )
            agreement_id = created["id"]
        escalate = [w.strip() for w in str(setting("requests_escalate_to")).split(",") if w]
        with contextlib.suppress(Conflict):  # another process created it meanwhile
            await agreements.create_target(
                actor,
                agreement_id,
                case_type["id"],
                first_response_minutes=int(setting("request_first_response_minutes")),
                resolution_minutes=int(setting("request_resolution_minutes")),
                warning_percent=int(setting("request_warning_percent")),
                escalation=[{"level": 1, "notify": escalate}] if escalate else [],
            )
    _ready.add(code)
    return case_type


# -- logging a request -----------------------------------------------------------------------
@dataclass
class NewRequest:
    """What is known of a request when it is logged."""

    channel: str
    description: str
    document_ref: str = ""
    #: Further document numbers (after ``document_ref``, which stays the first).
    document_refs: list[str] = field(default_factory=list)
    requester_name: str = ""
    requester_email: str = ""
    requester_address: str = ""
    delivery: str = "email"
    language: str = "sv"
    received_at: int | None = None


def _clean(value: str, limit: int) -> str:
    return " ".join(value.split())[:limit]


def split_refs(text: str) -> list[str]:
    """Document numbers written one per line or separated by commas, semicolons or "och"/
    "and"; a short form ``-2`` after ``KS 2026/123-1`` means ``KS 2026/123-2``."""
    refs: list[str] = []
    for part in (" ".join(p.split()) for p in _SEPARATORS.split(text)):
        if not part:
            continue
        short, previous = _SHORT.match(part), _DOC_SEQ.match(refs[-1]) if refs else None
        refs.append(previous.group(1) + short.group(1) if short and previous else part)
    return refs


def document_refs(first: str, more: list[str]) -> list[str]:
    """The documents a request names: ``first`` (the one-document field, which may itself
    list several) then ``more``, whitespace tidied, each once, in the order given; 400 for
    too many or a number too long."""
    refs: list[str] = []
    for ref in [*split_refs(first), *(r for m in more for r in split_refs(m))]:
        if len(ref) > MAX_REF:
            raise InvalidInput(
                "A document number is at most {count} characters: {number}",
                count=MAX_REF,
                number=ref[:80],
                location=("body", "document_numbers"),
            )
        if ref not in refs:
            refs.append(ref)
    if len(refs) > MAX_DOCUMENTS:
        raise InvalidInput(
            "A request can name at most {count} documents; make several requests",
            count=MAX_DOCUMENTS,
            location=("body", "document_numbers"),
        )
    return refs


def valid_email(value: str) -> bool:
    """A plausible e-mail address (one @, a dot in the domain, no spaces or controls)."""
    local, at, domain = value.partition("@")
    return bool(
        local
        and at
        and "@" not in domain
        and "." in domain.strip(".")
        and len(value) <= 254
        and not any(c.isspace() or ord(c) < 32 for c in value)
    )


def _check(data: NewRequest, now: int) -> None:
    if data.channel not in CHANNELS:
        raise InvalidInput(
            "Unknown channel: {channel}; the channels are {valid}",
            channel=data.channel,
            valid=", ".join(CHANNELS),
        )
    if data.delivery not in DELIVERIES:
        raise InvalidInput(
            "Unknown way of delivery: {delivery}; the ways are {valid}",
            delivery=data.delivery,
            valid=", ".join(DELIVERIES),
        )
    if not data.description.strip() and not data.document_ref.strip():
        raise InvalidInput(
            "Say which document you ask for: its number or a description",
            location=("body", "description"),
        )
    if data.received_at is not None:
        if data.received_at > now + 300:
            raise InvalidInput("A request cannot be received in the future")
        if data.received_at < now - MAX_BACKDATE_S:
            raise InvalidInput("The request was received more than a year ago")
    if data.requester_email and not valid_email(data.requester_email):
        raise InvalidInput(
            "Not a valid e-mail address: {email}",
            email=data.requester_email[:254],
            location=("body", "requester_email"),
        )


def client_key(address: str) -> str:
    """A keyed hash of a client address (the rate limit counts these, never addresses)."""
    key = keystore.get(CLIENT_KEY_SECRET)
    if key is None:
        key = secrets.token_urlsafe(32)
        keystore.put(CLIENT_KEY_SECRET, key)
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()


async def check_rate(key: str, now: int) -> None:
    """Refuse (429) a web request above the per-address or the overall hourly limit."""
    since = now - 3600
    mine = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM diarium_request WHERE client_key = ? AND received_at > ?",
        key,
        since,
    )
    if mine and int(mine["n"]) >= int(setting("public_requests_per_hour")):
        raise TooManyRequests("Too many requests from your address; try again in an hour")
    everyone = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM diarium_request WHERE channel = 'web' AND received_at > ?",
        since,
    )
    if everyone and int(everyone["n"]) >= int(setting("public_requests_per_hour_all")):
        raise TooManyRequests("The form takes no more requests just now; try again later")


async def _document_ids(refs: list[str]) -> dict[str, int]:
    """The diary documents among ``refs``: number -> id (numbers not registered are left out)."""
    if not refs:
        return {}
    marks = ", ".join("?" for _ in refs)
    rows = await raw.fetch(
        f"SELECT id, number FROM diarium_document WHERE number IN ({marks})", *refs
    )
    return {r["number"]: int(r["id"]) for r in rows}


async def log_request(
    principal: Principal, data: NewRequest, *, client: str | None = None
) -> dict[str, Any]:
    """Log a request (web form: ``principal`` is :func:`web_principal` and ``client`` the
    client address; staff: their principal). One transaction: the number, the core case with
    its SLA timers, the request, its history and the audit entry. Returns the staff view."""
    now = int(time.time())
    data.description = data.description.strip()[:5000]
    refs = document_refs(data.document_ref, data.document_refs)
    data.document_ref = refs[0] if refs else ""
    data.requester_name = _clean(data.requester_name, 200)
    data.requester_email = data.requester_email.strip()[:254]
    data.requester_address = data.requester_address.strip()[:500]
    _check(data, now)
    received = data.received_at or now
    key = ""
    if client is not None:
        key = client_key(client)
        await check_rate(key, now)
    case_type = await ensure_setup(principal.username)
    year = datetime.fromtimestamp(received, UTC).year
    async with db.transaction():
        from core.cases import numbers

        number = await numbers.next_number(
            "diarium_request", str(setting("request_number_pattern")), year
        )
        resolved = await _document_ids(refs)
        document_id = resolved.get(data.document_ref)
        registered = await cases.register_contact(
            principal,
            cases.ContactInput(
                channel=CORE_CHANNEL[data.channel],
                summary=f"Begäran om allmän handling {number}",
                received_at=received,
                case_type=case_type["code"],
                open_case=True,
                subject=f"Begäran om allmän handling {number}",
                description=(f"Handlingar: {', '.join(refs)}\n" if refs else ""),
                language=data.language,
                feedback_channel="none",
                external_ref=f"diarium-request:{number}",
            ),
        )
        row = {
            "number": number,
            "channel": data.channel,
            "received_at": received,
            "registered_at": now,
            "registered_by": principal.username,
            "status": "received",
            "requester_name": data.requester_name,
            "requester_email": data.requester_email,
            "requester_address": data.requester_address,
            "delivery": data.delivery,
            "language": data.language,
            "description": data.description,
            "document_ref": data.document_ref,
            "document_id": document_id,
            "kc_case_number": registered["case"]["number"],
            "client_key": key,
            "provisions": [],
            "updated_at": now,
        }
        row["id"] = await raw.insert("diarium_request", row)
        await raw.executemany(
            "INSERT INTO diarium_requested_document "
            "(request_id, position, document_ref, document_id) VALUES (?, ?, ?, ?)",
            [(row["id"], position, ref, resolved.get(ref)) for position, ref in enumerate(refs)],
        )
        await _event(
            row["id"],
            "received",
            principal.username,
            "",
            {"channel": data.channel, "received_at": received},
            now,
        )
        audit.record(
            principal.username,
            "diarium.request.log",
            "diarium_request",
            number,
            {
                "channel": data.channel,
                "received_at": received,
                "document": data.document_ref,
                "documents": refs,
                "anonymous": not (data.requester_name or data.requester_email),
                "case": registered["case"]["number"],
            },
        )
        if data.requester_email:
            await mail.queue_receipt(principal.username, row, refs)
        db.on_commit(lambda: _publish(number, data.channel, data.document_ref))
    return await get(int(row["id"]))


def _publish(number: str, channel: str, document: str) -> None:
    try:
        events.publish(
            Event(RECEIVED_EVENT, {"number": number, "channel": channel, "document": document})
        )
    except Exception:
        log.exception("live event %s failed", RECEIVED_EVENT)


async def _event(
    request_id: int,
    kind: str,
    actor: str,
    text: str,
    data: dict[str, Any],
    at: int | None = None,
) -> None:
    await raw.insert(
        "diarium_request_event",
        {
            "request_id": request_id,
            "at": at or int(time.time()),
            "kind": kind,
            "actor": actor,
            "text": text,
            "data": data,
        },
    )


# -- reading -----------------------------------------------------------------------------
async def row(request_id: int) -> dict[str, Any]:
    """The request's row (404 when there is none)."""
    found = await raw.fetchrow(REQUEST_SQL + " WHERE id = ?", request_id)
    if found is None:
        raise NotFound("No request with id {id}", id=request_id)
    return found


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value or "null") or default
        except ValueError:
            return default
    return value if value is not None else default


CASE_SLA_SQL = (
    "SELECT number, status, department, sla_state, first_response_due, first_response_warn, "
    "resolution_due, resolution_warn, first_response_at, closed_at, paused_since, "
    "paused_seconds FROM kc_case WHERE number IN "
)


async def sla_view(case_number: str, now: int | None = None) -> dict[str, Any] | None:
    """The "skyndsamt" timers of a request: its core case's SLA state and due times."""
    return (await sla_views([case_number], now)).get(case_number)


async def sla_views(case_numbers: list[str], now: int | None = None) -> dict[str, dict[str, Any]]:
    """:func:`sla_view` of several core cases, read in one query (case number -> view)."""
    numbers = sorted({number for number in case_numbers if number})
    if not numbers:
        return {}
    now = now or int(time.time())
    return {
        case["number"]: await _sla_of(case, now)
        for case in await raw.fetch(f"{CASE_SLA_SQL}({raw.marks(numbers)})", *numbers)
    }


async def _sla_of(case: dict[str, Any], now: int) -> dict[str, Any]:
    state = case["sla_state"]
    if case["status"] != "closed" and state not in ("none", "paused"):
        live = timers.state_at(case, now)
        severity = {"ok": 0, "warning": 1, "breached": 2}
        if severity.get(live, 0) > severity.get(state, 0):
            state = live
    shown = await timers.view(case, now)
    return {
        "case": case["number"],
        "state": state,
        "first_response_due": iso_utc(case["first_response_due"]),
        "resolution_due": iso_utc(case["resolution_due"]),
        "resolution_warning": iso_utc(case["resolution_warn"]),
        "resolution_business_seconds_left": shown.get("resolution", {}).get(
            "business_seconds_left"
        ),
    }


async def documents_of(request_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The documents each request names, in order (request id -> rows)."""
    if not request_ids:
        return {}
    marks = ", ".join("?" for _ in request_ids)
    rows = await raw.fetch(
        f"{DOCUMENTS_SQL} WHERE request_id IN ({marks}) ORDER BY request_id, position",
        *request_ids,
    )
    result: dict[int, list[dict[str, Any]]] = {int(i): [] for i in request_ids}
    for r in rows:
        result[int(r["request_id"])].append(r)
    return result


def document_view(doc: dict[str, Any]) -> dict[str, Any]:
    """One document a request names, as staff see it."""
    return {
        "number": doc["document_ref"],
        "document_id": doc["document_id"],
        "registered": doc["document_id"] is not None,
        "outcome": doc["outcome"] or None,
        "masked_copy": doc["masked_copy_sha256"] or None,
    }


def view(found: dict[str, Any], documents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A request as staff see it (without the history and timers); ``documents`` are its
    rows of ``diarium_requested_document``."""
    return {
        "id": found["id"],
        "number": found["number"],
        "channel": found["channel"],
        "status": found["status"],
        "received_at": iso_utc(found["received_at"]),
        "registered_at": iso_utc(found["registered_at"]),
        "registered_by": found["registered_by"],
        "anonymous": not (found["requester_name"] or found["requester_email"]),
        "requester": {
            "name": found["requester_name"],
            "email": found["requester_email"],
            "address": found["requester_address"],
        },
        "delivery": found["delivery"],
        "language": found["language"],
        "description": found["description"],
        "document_ref": found["document_ref"],
        "document_id": found["document_id"],
        "documents": [document_view(d) for d in documents or []],
        "kc_case": found["kc_case_number"],
        "handled_by": found["handled_by"],
        "started_at": iso_utc(found["started_at"]),
        "decided_at": iso_utc(found["decided_at"]),
        "decided_by": found["decided_by"],
        "outcome": found["outcome"] or None,
        "provisions": _json(found["provisions"], []),
        "decision_reason": found["decision_reason"],
        "masked_copy": found["masked_copy_sha256"] or None,
        "decision": found["decision_sha256"] or None,
    }


async def get(request_id: int) -> dict[str, Any]:
    """One request with its history and its "skyndsamt" timers."""
    found = await row(request_id)
    result = view(found, (await documents_of([request_id]))[request_id])
    history = await raw.fetch(
        "SELECT at, kind, actor, text, data FROM diarium_request_event WHERE request_id = ? "
        "ORDER BY id",
        request_id,
    )
    result["history"] = [
        {
            "at": iso_utc(h["at"]),
            "kind": h["kind"],
            "actor": h["actor"],
            "text": h["text"],
            "data": _json(h["data"], {}),
        }
        for h in history
    ]
    result["sla"] = await sla_view(found["kc_case_number"]) if found["kc_case_number"] else None
    return result


async def list_requests(
    status: str | None = None, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """One page of requests, newest first (optionally one status, or ``open``)."""
    after = paging.decode_cursor("diarium-requests", cursor, (int,))
    where: list[str] = []
    args: list[Any] = []
    if status == "open":
        where.append("status IN ('received', 'in_progress')")
    elif status:
        if status not in STATUSES:
            raise InvalidInput(
                "Unknown status: {status}; the statuses are {valid}",
                status=status,
                valid=", ".join(("open", *STATUSES)),
            )
        where.append("status = ?")
        args.append(status)
    if after is not None:
        where.append("id < ?")
        args.append(after[0])
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = await raw.fetch(f"{REQUEST_SQL}{clause} ORDER BY id DESC LIMIT ?", *args, limit + 1)
    items, next_cursor = paging.cut(rows, limit, "diarium-requests", lambda r: (int(r["id"]),))
    named = await documents_of([int(item["id"]) for item in items])
    slas = await sla_views([item["kc_case_number"] for item in items])
    shown = [
        {**view(item, named[int(item["id"])]), "sla": slas.get(item["kc_case_number"])}
        for item in items
    ]
    return {"items": shown, "next_cursor": next_cursor, "total": None}


# -- handling ------------------------------------------------------------------------------
async def _locked(request_id: int) -> dict[str, Any]:
    """The request's row inside the caller's transaction (row-locked on PostgreSQL)."""
    suffix = " FOR UPDATE" if db.get_engine().engine_type == "postgres" else ""
    found = await raw.fetchrow(REQUEST_SQL + " WHERE id = ?" + suffix, request_id)
    if found is None:
        raise NotFound("No request with id {id}", id=request_id)
    return found


async def start(principal: Principal, request_id: int, note: str = "") -> dict[str, Any]:
    """Someone has started on the request: in_progress (the first response of its core
    case's timers)."""
    now = int(time.time())
    async with db.transaction():
        found = await _locked(request_id)
        if found["status"] != "received":
            raise Conflict(
                "The request {number} is {status}; only a received request can be started",
                number=found["number"],
                status=found["status"],
            )
        await raw.fetch(
            "UPDATE diarium_request SET status = 'in_progress', handled_by = ?, started_at = ?, "
            "updated_at = ? WHERE id = ?",
            principal.username,
            now,
            now,
            request_id,
        )
        if found["kc_case_number"]:
            await cases.change_status(principal, found["kc_case_number"], "in_progress")
        await _event(request_id, "started", principal.username, note.strip()[:2000], {}, now)
        audit.record(
            principal.username,
            "diarium.request.start",
            "diarium_request",
            found["number"],
            {"from": found["status"], "to": "in_progress"},
        )
    return await get(request_id)


async def set_file(
    principal: Principal, document_ids: list[int], name: str, role: str, sha: str
) -> None:
    """Link a stored file (masked copy or decision) to the registered documents a request
    names, through the registry's file store (in the caller's transaction)."""
    from plugins.diarium.registry import files

    for document_id in dict.fromkeys(document_ids):
        await files.attach(principal.username, document_id, sha, name, role)


def combined_outcome(outcomes: list[str]) -> str:
    """The request's outcome from its documents' ones: handed_out or refused when all agree,
    else partly_handed_out."""
    kinds = set(outcomes)
    if kinds == {"handed_out"}:
        return "handed_out"
    if kinds == {"refused"}:
        return "refused"
    return "partly_handed_out"


def per_document(
    found: dict[str, Any],
    docs: list[dict[str, Any]],
    outcome: str,
    chosen: dict[str, str],
) -> list[tuple[dict[str, Any], str]]:
    """Each document of the request with what is decided for it: its entry in ``chosen``
    (document number -> outcome), else ``outcome``; 400 for a number the request does not
    name."""
    known = {d["document_ref"] for d in docs}
    for ref, value in chosen.items():
        if ref not in known:
            raise InvalidInput(
                "The request {number} names no document {document}",
                number=found["number"],
                document=ref,
                location=("body", "documents"),
            )
        if value not in OUTCOMES:
            raise InvalidInput(
                "Unknown outcome: {outcome}; the outcomes are {valid}",
                outcome=value,
                valid=", ".join(OUTCOMES),
            )
    return [(d, chosen.get(d["document_ref"], outcome)) for d in docs]


async def decide(
    principal: Principal,
    request_id: int,
    outcome: str,
    *,
    provisions: list[str] | None = None,
    reason: str = "",
    documents: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Record the outcome; closes the core case (its resolution timer).

    ``documents`` (document number -> outcome) decides the documents one by one; those left
    out take ``outcome``, and the request's outcome then follows from them
    (:func:`combined_outcome`). A refusal or a partial refusal names the OSL provision(s) and
    its reasons and produces the written decision listing what was decided per document, with
    the appeal notice (:mod:`plugins.diarium.public.decision`, stored through the registry's
    file store); a document handed out in part needs its masked copy first. A requester with
    an e-mail address is sent the decision (:mod:`plugins.diarium.public.mail`)."""
    from plugins.diarium.registry import files

    if outcome not in OUTCOMES:
        raise InvalidInput(
            "Unknown outcome: {outcome}; the outcomes are {valid}",
            outcome=outcome,
            valid=", ".join(OUTCOMES),
        )
    current = await row(request_id)
    docs = (await documents_of([request_id]))[request_id]
    if documents and not docs:
        raise InvalidInput(
            "The request {number} names no documents to decide one by one",
            number=current["number"],
            location=("body", "documents"),
        )
    decided = per_document(current, docs, outcome, documents or {})
    if decided:
        outcome = combined_outcome([o for _, o in decided])
    provisions = [" ".join(p.split())[:120] for p in (provisions or []) if p.strip()][:10]
    if outcome != "handed_out" and not provisions:
        raise InvalidInput(
            "A refusal names the provision of the secrecy act it rests on",
            location=("body", "provisions"),
        )
    if outcome != "handed_out" and not reason.strip():
        raise InvalidInput("A refusal gives its reasons", location=("body", "reason"))
    now = int(time.time())
    ensure_open(current)
    unmasked = [d["document_ref"] for d, o in decided if o == "partly_handed_out"
                and not d["masked_copy_sha256"]]  # fmt: skip
    if unmasked or (
        not decided and outcome == "partly_handed_out" and not current["masked_copy_sha256"]
    ):
        raise Conflict(
            "A document handed out in part needs its masked copy first: {documents}",
            number=current["number"],
            documents=", ".join(unmasked) or current["number"],
        )
    outcomes = [(d["document_ref"], o) for d, o in decided]
    decision_sha = ""
    pdf: bytes | None = None
    if outcome != "handed_out":
        pdf = render_decision(current, principal, outcome, provisions, reason.strip(), now,
                              outcomes)  # fmt: skip
        decision_sha = await files.store(pdf, "application/pdf")
    async with db.transaction():
        found = await _locked(request_id)
        ensure_open(found)
        await raw.fetch(
            "UPDATE diarium_request SET status = ?, outcome = ?, decided_at = ?, decided_by = ?, "
            "provisions = ?, decision_reason = ?, decision_sha256 = ?, updated_at = ?, "
            "handled_by = CASE WHEN handled_by = '' THEN ? ELSE handled_by END WHERE id = ?",
            outcome,
            outcome,
            now,
            principal.username,
            json.dumps(provisions, ensure_ascii=False),
            reason.strip()[:5000],
            decision_sha,
            now,
            principal.username,
            request_id,
        )
        await raw.executemany(
            "UPDATE diarium_requested_document SET outcome = ? "
            "WHERE request_id = ? AND position = ?",
            [(value, request_id, doc["position"]) for doc, value in decided],
        )
        if decision_sha:
            registered = [d["document_id"] for d in docs if d["document_id"] is not None]
            await set_file(principal, registered, mail.decision_filename(found["number"]),
                           "decision", decision_sha)  # fmt: skip
        if found["kc_case_number"]:
            await cases.change_status(
                principal, found["kc_case_number"], "closed", reason=OUTCOME_REASON[outcome]
            )
        per_doc = [{"number": ref, "outcome": value} for ref, value in outcomes]
        await _event(
            request_id,
            "decided",
            principal.username,
            reason.strip()[:2000],
            {
                "outcome": outcome,
                "provisions": provisions,
                "decision": decision_sha or None,
                "documents": per_doc,
            },
            now,
        )
        audit.record(
            principal.username,
            f"diarium.request.{outcome}",
            "diarium_request",
            found["number"],
            {
                "outcome": outcome,
                "provisions": provisions,
                "decision": decision_sha or None,
                "masked_copy": found["masked_copy_sha256"] or None,
                "documents": per_doc,
            },
        )
        if found["requester_email"]:
            await mail.queue_decision(
                principal.username,
                {**found, "outcome": outcome},
                outcomes,
                provisions,
                reason.strip(),
                decision_authority(),
                appeal_court(found["language"]),
                pdf,
            )
    return await get(request_id)


async def named_document(found: dict[str, Any], ref: str = "") -> dict[str, Any]:
    """The document of the request to copy: the one numbered ``ref`` (400 when the request
    does not name it), by default the first one registered in the diary (409 when none is)."""
    docs = (await documents_of([int(found["id"])]))[int(found["id"])]
    if ref:
        ref = " ".join(ref.split())
        for doc in docs:
            if doc["document_ref"] == ref:
                break
        else:
            raise InvalidInput(
                "The request {number} names no document {document}",
                number=found["number"],
                document=ref,
                location=("body", "document"),
            )
    else:
        doc = next((d for d in docs if d["document_id"] is not None), None)
    if doc is None or doc["document_id"] is None:
        raise Conflict(
            "The request {number} names no registered document to copy", number=found["number"]
        )
    return doc


async def add_masked_copy(
    principal: Principal,
    request_id: int,
    pdf: bytes,
    details: dict[str, Any],
    doc: dict[str, Any],
) -> dict[str, Any]:
    """Store a masked copy of the request's document ``doc`` (a PDF made by
    :mod:`plugins.diarium.public.masking`) through the registry's file store as that
    document's ``masked_copy`` file; audited with what was masked, of which document and on
    which provisions. The request's ``masked_copy`` is the latest one made."""
    ensure_open(await row(request_id))
    from plugins.diarium.registry import files

    sha = await files.store(pdf, "application/pdf")
    now = int(time.time())
    details = {**details, "document": doc["document_ref"]}
    async with db.transaction():
        found = await _locked(request_id)
        ensure_open(found)
        await raw.fetch(
            "UPDATE diarium_request SET masked_copy_sha256 = ?, updated_at = ? WHERE id = ?",
            sha,
            now,
            request_id,
        )
        await raw.fetch(
            "UPDATE diarium_requested_document SET masked_copy_sha256 = ? "
            "WHERE request_id = ? AND position = ?",
            sha,
            request_id,
            doc["position"],
        )
        await set_file(
            principal,
            [doc["document_id"]],
            mail.masked_copy_filename(found["number"]),
            "masked_copy",
            sha,
        )
        await _event(request_id, "masked_copy", principal.username, "", {"sha256": sha, **details})
        audit.record(
            principal.username,
            "diarium.request.masked_copy",
            "diarium_request",
            found["number"],
            {"sha256": sha, **details},
        )
    return await get(request_id)


def decision_authority() -> str:
    """The authority that decides (setting ``decision_authority``, else the municipality)."""
    return (
        str(runtime.setting("decision_authority", "") or "")
        or cases.current_settings().municipality_name
    )


def appeal_court(lang: str) -> str:
    """The kammarrätt an appeal goes to (setting ``appeal_court``), in ``lang``."""
    from core.i18n import gettext, language

    return str(runtime.setting("appeal_court", "") or "") or gettext(
        "the administrative court of appeal", language(lang)
    )


def render_decision(
    found: dict[str, Any],
    principal: Principal,
    outcome: str,
    provisions: list[str],
    reason: str,
    now: int,
    documents: list[tuple[str, str]] | None = None,
) -> bytes:
    """The written decision PDF of a refusal or partial refusal, in the requester's language:
    what was decided per document (``documents``: number and outcome), the authority
    (:func:`decision_authority`) and the kammarrätt (:func:`appeal_court`) named in the
    appeal notice."""
    from zoneinfo import ZoneInfo

    from plugins.diarium.public import decision

    settings = cases.current_settings()
    return decision.render(
        found,
        outcome=outcome,
        provisions=provisions,
        reason=reason,
        decided_by=principal.full_name or principal.username,
        authority=decision_authority(),
        court=appeal_court(found["language"]),
        zone=ZoneInfo(settings.timezone),
        decided_at=now,
        documents=documents or [],
    )


def ensure_open(found: dict[str, Any]) -> None:
    """Refuse (409) work on a request already decided."""
    if found["status"] not in OPEN:
        raise Conflict(
            "The request {number} is already decided ({status})",
            number=found["number"],
            status=found["status"],
        )


async def source_pdf(
    found: dict[str, Any], principal: Principal, doc: dict[str, Any]
) -> tuple[bytes, str]:
    """The PDF of the request's document ``doc`` to mask (its PDF/A, else its original PDF)
    and its SHA-256; the read of a secret-marked document is audited."""
    from plugins.diarium.registry import files

    document_id = doc["document_id"]
    rows = await raw.fetch(
        "SELECT f.sha256, f.role, b.mime FROM diarium_document_file f "
        "LEFT JOIN diarium_blob b ON b.sha256 = f.sha256 "
        "WHERE f.document_id = ? AND f.role IN ('pdfa', 'original') ORDER BY f.id",
        document_id,
    )
    pdfs = [r for r in rows if (r["mime"] or "application/pdf") == "application/pdf"]
    pdfs.sort(key=lambda r: 0 if r["role"] == "pdfa" else 1)
    if not pdfs:
        raise Conflict("The document has no PDF to copy", number=found["number"])
    record = await raw.fetchrow(
        "SELECT number, secret FROM diarium_document WHERE id = ?", document_id
    )
    sha = pdfs[0]["sha256"]
    async with db.transaction():
        audit.record_read(
            principal.username,
            "diarium_document",
            record["number"] if record else document_id,
            {"file": sha, "for": found["number"], "secret": bool(record and record["secret"])},
        )
    return files.open_blob(sha).read_bytes(), sha


async def stored_file(request_id: int, kind: str, document: str = "") -> tuple[bytes, str]:
    """The request's decision PDF, or its masked copy (the latest, or the one of the document
    numbered ``document``), and a file name (404 if none yet)."""
    from plugins.diarium.registry import files

    found = await row(request_id)
    sha = found["masked_copy_sha256"] if kind == "masked_copy" else found["decision_sha256"]
    if kind == "masked_copy" and document:
        doc = await named_document(found, document)
        sha = doc["masked_copy_sha256"]
    if not sha:
        raise NotFound("The request {number} has no such file yet", number=found["number"])
    if kind == "masked_copy":
        return files.open_blob(sha).read_bytes(), mail.masked_copy_filename(found["number"])
    return files.open_blob(sha).read_bytes(), mail.decision_filename(found["number"])
