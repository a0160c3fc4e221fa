"""Ingest: every switch event applied once, in order or not, and every call a core contact.

:func:`ingest` stores the event (``telephony_call_event``, unique per call and kind) and the
call it changes (``telephony_call``) in one transaction, committed before the driver
acknowledges the event; a repeated event finds its row and changes nothing. Fields are merged
so that any order of ``new`` / ``answer`` / ``hangup`` gives the same call.

How a call becomes a contact (``core.cases.service.register_contact``):

- an **unanswered** call (abandoned, missed) at once, in the transaction of the event that
  ends it (a savepoint: if registering fails, the event is still stored and the sweep retries),
  with a call-back offered on the group's list (``request_callback``) when the caller left a
  number;
- an **answered** call when the agent wraps it up (:func:`wrap_up`: case type, summary,
  resolved at first contact, optionally a new or joined case) or, if nobody does within
  ``wrapup_seconds``, by :func:`register_overdue` (the worker's periodic task) with what the
  switch told: answer group, agent, waiting and talk time, caller and party.

A contact is registered in the same transaction that stores its number on the call, so a
crash never leaves a call with two contacts or none for long: the sweep finds every ended call
without a contact.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from core import audit, clock, db
from core.auth.service import Principal
from core.cases import service as cases
from core.db import raw
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.i18n import N_, gettext
from core.org import lookup
from core.parties import service as parties
from plugins.telephony_centrex import callbacks, daily, messages, presence, runtime, screenpop
from plugins.telephony_centrex.callevents import CallEvent

log = logging.getLogger(__name__)

SYSTEM = "system:telephony_centrex"
ANONYMOUS = frozenset({"", "anonymous", "unknown", "restricted", "private", "withheld"})
MISSED_CAUSES = frozenset(
    {"noanswer", "busy", "congestion", "notfound", "forwarded", "failed", "callback"}
)
SOURCE_RE = re.compile(r"^[a-z0-9_-]{1,20}$")
EXTENSION_RE = re.compile(r"^\d{2,6}$")
# A Swedish number, national or +46, whose national significant number has a length
# phonenumbers' possible-number check accepts for SE (6-10 or 12 digits): E.164 without a
# parse (a parse costs far more than the rest of an event's ingest).
SWEDISH_RE = re.compile(r"^(?:\+46|0)([1-9](?:\d{5,9}|\d{11}))$")
SWEEP_BATCH = 200
DTMF_SQL = (
    "SELECT payload FROM telephony_call_event WHERE source = ? AND call_id = ? AND kind = 'dtmf'"
)

ABANDONED = N_("Abandoned call after {seconds} s")
MISSED = N_("Missed call ({cause})")
CALLBACK_NOTE = N_("Call-back offered after an unanswered call")
CALLBACK_CHOSEN = N_("The caller chose call-back in the menu")
CALLBACK_CAUSE = "callback"

CALL_SQL = "SELECT * FROM telephony_call WHERE source = ? AND call_id = ?"
EVENT_SQL = (
    "INSERT INTO telephony_call_event (source, call_id, kind, at, received_at, payload) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, call_id, kind) DO NOTHING RETURNING id"
)
CALL_COLUMNS = (
    "direction",
    "caller",
    "called",
    "answer_group",
    "agent",
    "state",
    "outcome",
    "offered_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "local_day",
    "local_hour",
    "local_half_hour",
    "party_id",
    "cause",
    "overflowed",
    "updated_at",
)
UPDATE_SQL = (
    "UPDATE telephony_call SET "
    + ", ".join(f"{name} = ?" for name in CALL_COLUMNS)
    + " WHERE id = ?"
)
INSERT_SQL = (
    "INSERT INTO telephony_call (source, call_id, "
    + ", ".join(CALL_COLUMNS)
    + ") VALUES (?, ?, "
    + ", ".join("?" for _ in CALL_COLUMNS)
    + ") ON CONFLICT (source, call_id) DO NOTHING RETURNING id"
)
PARTY_BY_PHONE = "SELECT id FROM party WHERE phone = ? LIMIT 2"
USER_SQL = "SELECT id, username FROM kc_user WHERE username = ?"
USER_BY_EXTENSION = "SELECT username FROM kc_user WHERE phone_extension = ? AND active = ? LIMIT 2"
PENDING_CALLBACK = "SELECT id FROM callback WHERE phone = ? AND outcome = 'pending' LIMIT 1"
WAITING_SQL = (
    "SELECT COUNT(*) AS n, MIN(offered_at) AS oldest FROM telephony_call "
    "WHERE local_day = ? AND answer_group = ? AND state = 'ringing'"
)
OVERDUE_SQL = (
    "SELECT source, call_id, outcome, ended_at FROM telephony_call "
    "WHERE contact_number IS NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?"
)


@dataclass
class IngestResult:
    """What ingest did: ``stored`` is False for a repeated event (nothing changed);
    ``action`` is what the switch should do with a new call (``dial`` / ``reject``)."""

    stored: bool
    call: dict[str, Any]
    action: dict[str, str] | None = None
    contact: str | None = None


@dataclass
class WrapUp:
    """What the agent adds after the call."""

    summary: str = ""
    case_type: str | None = None
    resolved_first_contact: bool = False
    open_case: bool = False
    join_case: str | None = None
    subject: str = ""
    party_id: int | None = None
    language: str = "sv"
    extra: dict[str, Any] = field(default_factory=dict)


def normalise_number(value: str, region: str | None = None) -> str:
    """A caller or called number as E.164 (see :func:`_normalise`; cached: a switch sends
    the same numbers over and over)."""
    return _normalise(value or "", region or cases.current_settings().phone_region)


@functools.lru_cache(maxsize=8192)
def _normalise(value: str, region: str) -> str:
    """A caller or called number as E.164; ``''`` for anonymous; short internal extensions
    (2-6 digits) as they are. Numbers in any national or international form; international
    numbers without ``+`` (as sipgate sends them) are recognised. InvalidInput otherwise."""
    text = (value or "").strip()
    if text.lower() in ANONYMOUS:
        return ""
    compact = re.sub(r"[\s\-()/.]", "", text)
    if EXTENSION_RE.match(compact):
        return compact
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.isdigit() and not compact.startswith("0") and len(compact) >= 10:
        compact = "+" + compact
    swedish = SWEDISH_RE.match(compact) if region == "SE" else None
    if swedish:
        return "+46" + swedish.group(1)
    return parties.normalise_phone(compact, region)


def _local(epoch: int) -> tuple[str, int, int]:
    """Local day, hour and half hour of an instant."""
    local = clock.local_minute(epoch, cases.current_settings().timezone)
    return local.strftime("%Y-%m-%d"), local.hour, local.hour * 2 + local.minute // 30


def check_event(event: CallEvent) -> None:
    """Refuse an event that cannot be a call event (InvalidInput)."""
    if not SOURCE_RE.match(event.source):
        raise InvalidInput("Unknown event source: {source}", source=event.source[:40])
    if not event.call_id or len(event.call_id) > 120:
        raise InvalidInput("The call id must be 1 to 120 characters")
    if event.kind not in ("new", "answer", "dtmf", "hangup"):
        raise InvalidInput("Unknown call event: {event}", event=str(event.kind)[:40])
    if event.direction not in ("in", "out"):
        raise InvalidInput("The direction must be 'in' or 'out'")
    if not 0 < event.at < 2**40:
        raise InvalidInput("The event time is out of range")
    for value, limit in ((event.queue, 60), (event.user, 80), (event.cause, 40)):
        if value is not None and len(value) > limit:
            raise InvalidInput("A field of the call event is too long")


def merge(call: dict[str, Any] | None, event: CallEvent, caller: str, called: str) -> dict:
    """The call after ``event``, whatever order the events arrive in (pure)."""
    at = int(event.at)
    row: dict[str, Any] = (
        dict(call)
        if call
        else {
            "direction": event.direction,
            "caller": caller,
            "called": called,
            "answer_group": None,
            "agent": None,
            "offered_at": at,
            "answered_at": None,
            "ended_at": None,
            "party_id": None,
            "cause": "",
            "overflowed": False,
        }
    )
    if event.kind == "new":
        row["offered_at"] = min(row["offered_at"], at)
        row["direction"] = event.direction
    elif event.kind == "answer":
        row["answered_at"] = at
        row["agent"] = event.user or row["agent"]
    elif event.kind == "hangup" and event.cause == CALLBACK_CAUSE:  # call-back chosen
        row["ended_at"] = at if row["ended_at"] is None else min(row["ended_at"], at)
        row["cause"] = CALLBACK_CAUSE
    elif event.kind == "hangup":
        if row["cause"] != CALLBACK_CAUSE:  # the switch's hang-up after a call-back choice
            row["ended_at"] = at
            row["cause"] = event.cause[:40]
        row["agent"] = row["agent"] or event.user or None
    row["caller"] = row["caller"] or caller
    row["called"] = row["called"] or called
    row["answer_group"] = event.queue or row["answer_group"]
    return derive(row)


def derive(row: dict[str, Any]) -> dict[str, Any]:
    """State, outcome, waiting and talk time and the local time parts of a call."""
    offered, answered, ended = row["offered_at"], row["answered_at"], row["ended_at"]
    if answered is not None and answered < offered:
        row["offered_at"] = offered = answered
    row["state"] = "ended" if ended is not None else "answered" if answered else "ringing"
    if ended is None:
        row["outcome"] = ""
    elif answered is not None or (row["cause"] == "normalClearing" and row["agent"]):
        row["outcome"] = "answered"  # a hang-up after an answer we have not seen yet
    elif row["cause"] == CALLBACK_CAUSE and row["direction"] == "in":
        row["outcome"] = "callback"  # the caller chose call-back in the menu
    elif row["direction"] == "out" or row["cause"].lower() in MISSED_CAUSES:
        row["outcome"] = "missed"
    else:
        row["outcome"] = "abandoned"
    until = answered if answered is not None else ended
    row["wait_seconds"] = max(0, until - offered) if until is not None else None
    row["talk_seconds"] = (
        max(0, ended - answered) if ended is not None and answered is not None else None
    )
    row["local_day"], row["local_hour"], row["local_half_hour"] = _local(offered)
    row["updated_at"] = int(time.time())
    return row


async def _agent_for(event: CallEvent) -> str | None:
    """The answering agent: the event's user, else the user with the answering extension."""
    if event.user or not event.answering_number:
        return event.user
    rows = await raw.fetch(USER_BY_EXTENSION, event.answering_number[:20], True)
    return rows[0]["username"] if len(rows) == 1 else None


async def _party_for(caller: str) -> int | None:
    """The one party with this number (None when there is none or several)."""
    if not caller.startswith("+"):
        return None
    rows = await raw.fetch(PARTY_BY_PHONE, caller)
    return rows[0]["id"] if len(rows) == 1 else None


def _payload(event: CallEvent) -> dict[str, Any]:
    return {
        "direction": event.direction,
        "from": event.from_number[:40],
        "to": event.to_number[:40],
        "queue": event.queue,
        "user": event.user,
        "answering_number": event.answering_number[:40],
        "cause": event.cause,
        **{k: str(v)[:200] for k, v in list(event.extra.items())[:20]},
    }


async def _menu_event(event: CallEvent) -> CallEvent:
    """What a ``dtmf`` event means: the active menu's choice for its digits. A call-back
    choice ends the call as a hang-up with cause ``callback`` in the choice's group (its
    agreed time in ``extra``); another choice puts the call in the choice's group."""
    digits = event.extra.get("digits", "")[:1]
    choice = (
        await messages.menu_choice(digits, event.extra.get("language", "sv")) if digits else None
    )
    if choice is None:
        return event
    action = choice.get("action", "queue")
    extra = {**event.extra, "choice": action}
    if choice.get("callback_minutes"):
        extra["callback_minutes"] = str(choice["callback_minutes"])
    if action == "callback":
        return replace(event, kind="hangup", cause=CALLBACK_CAUSE, queue=choice["group"],
                       extra=extra)  # fmt: skip
    return replace(event, queue=choice["group"] or event.queue, extra=extra)


async def ingest(event: CallEvent) -> IngestResult:
    """Apply one call event once; returns when it is durable (acknowledge after this)."""
    check_event(event)
    kind = event.kind  # the stored kind (a repeat is refused by it)
    if kind == "dtmf":
        event = await _menu_event(event)
    caller = normalise_number(event.from_number)
    called = normalise_number(event.to_number)
    if event.kind != "new" and event.answering_number and not event.user:
        event = _with_user(event, await _agent_for(event))
    postgres = db.get_engine().engine_type == "postgres"
    action: dict[str, str] | None = None
    async with db.transaction():
        stored = await raw.fetch(
            EVENT_SQL,
            event.source,
            event.call_id,
            kind,
            float(event.at),
            int(time.time()),
            raw.sql_value(_payload(event)),
        )
        current = await raw.fetchrow(
            CALL_SQL + (" FOR UPDATE" if postgres else ""), event.source, event.call_id
        )
        if not stored:
            return IngestResult(False, _view(current) if current else {})
        row = merge(current, event, caller, called)
        if current is None:
            row["party_id"] = await _party_for(caller)
            if event.kind == "new":
                action = await _action_for(row)
                row["overflowed"] = bool(action and action["action"] == "dial")
            values = [row[name] for name in CALL_COLUMNS]
            inserted = await raw.fetch(INSERT_SQL, event.source, event.call_id, *values)
            if not inserted:  # another process inserted it meanwhile (PostgreSQL)
                current = await raw.fetchrow(CALL_SQL + " FOR UPDATE", event.source, event.call_id)
                row = merge(current, event, caller, called)
            else:
                row["id"] = inserted[0]["id"]
        if current is not None:
            await raw.fetch(UPDATE_SQL, *[row[name] for name in CALL_COLUMNS], current["id"])
        await daily.mark_changed(row["local_day"], current["local_day"] if current else None)
        row.update(source=event.source, call_id=event.call_id)
        row.setdefault("contact_number", None)
        await presence.follow_call(row, event.kind)
        view = _view(row)
        if kind in ("new", "answer"):
            db.on_commit(lambda: screenpop.schedule(view, event.kind, event.user))
        result = IngestResult(True, view, action)
        if row["state"] == "ended" and row["outcome"] != "answered" and not row["contact_number"]:
            result.contact = await _register_unanswered(event)
    return result


async def _register_unanswered(event: CallEvent) -> str | None:
    """The unanswered call's contact, in the event's transaction (one commit to wait for);
    None if it fails: the event is kept and the sweep registers the call later."""
    try:
        async with db.savepoint():
            return await register_call(event.source, event.call_id)
    except Exception:
        log.exception("telephony: call %s could not be registered yet", event.call_id)
        return None


def _with_user(event: CallEvent, user: str | None) -> CallEvent:
    return replace(event, user=user) if user else event


async def _action_for(row: dict[str, Any]) -> dict[str, str] | None:
    """A reject for a blocked caller; a dial to the answering service when the overflow rule
    holds for the call's group (queue length or longest wait)."""
    blocked = {n.strip() for n in str(runtime.setting("reject_numbers", "")).split(",")}
    if row["caller"] and row["caller"] in blocked:
        return {"action": "reject", "reason": "busy"}
    number = str(runtime.setting("overflow_number", "") or "")
    length = int(runtime.setting("overflow_queue_length", 0) or 0)
    longest = int(runtime.setting("overflow_longest_wait_seconds", 0) or 0)
    if not number or row["direction"] != "in" or not row["answer_group"] or not (length or longest):
        return None
    waiting = await raw.fetchrow(WAITING_SQL, row["local_day"], row["answer_group"])
    count = int(waiting["n"] or 0) if waiting else 0
    oldest = waiting["oldest"] if waiting else None
    if (length and count >= length) or (
        longest and oldest is not None and row["offered_at"] - int(oldest) >= longest
    ):
        return {"action": "dial", "number": number}
    return None


def _view(row: dict[str, Any]) -> dict[str, Any]:
    """A call as the API shows it."""
    keys = ("source", "call_id", *CALL_COLUMNS[:-1], "contact_number", "callback_id")
    view = {key: row.get(key) for key in keys}
    view["overflowed"] = bool(view["overflowed"])
    return view


async def _user(username: str | None) -> dict[str, Any] | None:
    return await raw.fetchrow(USER_SQL, username) if username else None


async def _group_code(code: str | None) -> str | None:
    """The answer group code if the core knows it (active), else None (logged)."""
    if not code:
        return None
    group = await lookup.answer_group(code)
    if group is None or not group["active"]:
        log.warning("telephony: unknown answer group %r; contact registered without it", code)
        return None
    return code


def _system(user_id: int | None = None) -> Principal:
    """The plugin acting for the switch (``user_id``: the agent who took the call)."""
    return Principal(
        user_id=user_id,  # type: ignore[arg-type]
        username=SYSTEM,
        full_name="Telephony",
        roles=(),
        permissions=frozenset({"contacts.register"}),
    )


async def register_call(
    source: str,
    call_id: str,
    principal: Principal | None = None,
    wrap: WrapUp | None = None,
    offer_callback: bool = True,
) -> str:
    """Register the ended call as a core contact (once); returns the contact number.

    ``principal``/``wrap``: the agent's wrap-up; without them the switch's data is used and
    the contact is the system's on behalf of the answering agent.
    """
    postgres = db.get_engine().engine_type == "postgres"
    async with db.transaction():
        row = await raw.fetchrow(CALL_SQL + (" FOR UPDATE" if postgres else ""), source, call_id)
        if row is None:
            raise NotFound("No call {call_id}", call_id=call_id)
        if row["contact_number"]:
            if wrap is not None:
                raise Conflict(
                    "The call is already registered as contact {number}",
                    number=row["contact_number"],
                )
            return row["contact_number"]
        if row["state"] != "ended":
            raise Conflict("The call has not ended yet")
        agent = await _user(row["agent"])
        if principal is None:
            principal = _system(agent["id"] if agent else None)
        wrap = wrap or WrapUp(summary=_summary(row))
        data = cases.ContactInput(
            channel="phone",
            direction=row["direction"],
            summary=wrap.summary,
            received_at=int(row["offered_at"]),
            case_type=wrap.case_type,
            answer_group=await _group_code(row["answer_group"]),
            party_id=wrap.party_id or row["party_id"],
            resolved_first_contact=wrap.resolved_first_contact,
            open_case=wrap.open_case,
            join_case=wrap.join_case,
            subject=wrap.subject,
            language=wrap.language,
            external_ref=f"telephony:{source}:{call_id}",
            wait_seconds=row["wait_seconds"],
            handle_seconds=row["talk_seconds"],
        )
        registered = await cases.register_contact(principal, data)
        number = registered["contact"]["number"]
        callback_id = await _offer_callback(row) if offer_callback else None
        await raw.fetch(
            "UPDATE telephony_call SET contact_number = ?, callback_id = ?, updated_at = ? "
            "WHERE id = ?",
            number,
            callback_id,
            int(time.time()),
            row["id"],
        )
        audit.record(
            principal.username,
            "telephony.contact",
            "telephony_call",
            call_id,
            {"contact": number, "outcome": row["outcome"]},
        )
    return number


def _summary(row: dict[str, Any]) -> str:
    if row["outcome"] == "callback":
        return gettext(CALLBACK_CHOSEN, "sv")
    if row["outcome"] == "abandoned":
        return gettext(ABANDONED, "sv").format(seconds=row["wait_seconds"] or 0)
    if row["outcome"] == "missed":
        return gettext(MISSED, "sv").format(cause=row["cause"] or "-")
    return ""


async def _offer_callback(row: dict[str, Any]) -> int | None:
    """A call-back on the group's list for an unanswered incoming call with a number (one
    pending call-back per number is enough)."""
    if (
        row["outcome"] == "answered"
        or row["direction"] != "in"
        or not str(row["caller"]).startswith("+")
        or not (runtime.setting("callback_on_abandon", True) or row["cause"] == "callback")
    ):
        return None
    pending = await raw.fetchrow(PENDING_CALLBACK, row["caller"])
    if pending:
        return int(pending["id"])
    now = int(time.time())
    window = int(runtime.setting("callback_window_minutes", 120) or 120)
    if row["outcome"] == "callback":
        window = await _chosen_window(row) or window
    callback = await cases.request_callback(
        _system(),
        None,
        row["caller"],
        preferred_from=now,
        preferred_to=now + window * 60,
        answer_group=await _group_code(row["answer_group"]),
        notes=gettext(CALLBACK_CHOSEN if row["outcome"] == "callback" else CALLBACK_NOTE, "sv"),
    )
    return int(callbacks.plain(callback)["id"])


async def _chosen_window(row: dict[str, Any]) -> int | None:
    """The agreed time (minutes) of the menu's call-back choice the caller made, if it set one."""
    stored = await raw.fetchrow(DTMF_SQL, row["source"], row["call_id"])
    payload = stored["payload"] if stored else None
    if isinstance(payload, str):
        payload = json.loads(payload)
    minutes = str((payload or {}).get("callback_minutes", ""))
    return int(minutes) if minutes.isdigit() else None


async def wrap_up(principal: Principal, source: str, call_id: str, wrap: WrapUp) -> str:
    """The agent completes the call: registers it as a contact with the wrap-up (only the
    call's agent, or a supervisor); the agent is ready again afterwards."""
    row = await raw.fetchrow(CALL_SQL, source, call_id)
    if row is None:
        raise NotFound("No call {call_id}", call_id=call_id)
    if row["agent"] != principal.username and not principal.can("telephony.supervise"):
        raise Forbidden("Only the agent who took the call may wrap it up")
    number = await register_call(source, call_id, principal, wrap)
    if row["agent"] == principal.username:
        await presence.wrapped_up(principal.username, call_id)
    return number


async def register_overdue(now: int | None = None) -> list[str]:
    """Register every ended call whose wrap-up time is over (unanswered ones after a minute,
    as a retry of ingest's own attempt); returns the contact numbers."""
    now = int(time.time()) if now is None else now
    wrapup = int(runtime.setting("wrapup_seconds", 300) or 0)
    rows = await raw.fetch(OVERDUE_SQL, now - min(60, wrapup), SWEEP_BATCH)
    numbers = []
    for row in rows:
        if row["outcome"] == "answered" and row["ended_at"] > now - wrapup:
            continue
        try:
            numbers.append(await register_call(row["source"], row["call_id"]))
        except Exception:
            log.exception("telephony: call %s could not be registered", row["call_id"])
    return numbers


async def get_call(source: str, call_id: str) -> dict[str, Any]:
    row = await raw.fetchrow(CALL_SQL, source, call_id)
    if row is None:
        raise NotFound("No call {call_id}", call_id=call_id)
    return _view(row)


async def event_count(source: str, call_id: str) -> int:
    """How many events of a call are stored (tests and the bench)."""
    rows = await raw.fetch(
        "SELECT COUNT(*) AS n FROM telephony_call_event WHERE source = ? AND call_id = ?",
        source,
        call_id,
    )
    return int(rows[0]["n"])


def run_sweep() -> None:
    """The worker's periodic task: register overdue calls as contacts."""
    from core import jobs

    jobs.run_async(register_overdue())
