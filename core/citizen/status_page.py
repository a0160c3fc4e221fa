"""Mina ärenden: a citizen follows a case with its number and access code.

Only the public status and the public timeline entries (public notes, status changes,
feedback) are shown; never internal notes, staff names or party details. Secret cases show
the status alone. A wrong code and an unknown number give the same answer.

Failed look-ups are counted per case number and per client address (behind a reverse proxy
listed in ``trusted_proxies`` the address comes from X-Forwarded-For). After
:data:`CASE_MAX_FAILURES` failures in :data:`WINDOW_S` a case's code is not checked at all until
the window has passed, so guessing one code stays infeasible. After :data:`MAX_FAILURES`
failures an address may only try cases whose own counter is clean: a citizen behind the same
guest network or carrier NAT as a guesser still gets in with the right code, while the guesser
gets one try per case and window.

Served as server-rendered HTML (``/mina-arenden``, Swedish by default, English with
``?lang=en`` or Accept-Language) and as JSON for apps (``POST /api/v1/public/case-status``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response, get, post
from litestar.params import JSONBody
from litestar.static_files import create_static_files_router

from core import audit, db
from core.auth.client_address import client_address
from core.cases import states
from core.cases.service import check_access_code
from core.cases.tables import Case, CaseEvent
from core.citizen.tables import AccessAttempt
from core.clock import iso_utc
from core.db import raw
from core.i18n import LANGUAGES, N_, negotiate, translator
from core.web.problems import problem
from core.web.types import text

PAGE_PATH = "/mina-arenden"
STATIC_PATH = "/static/citizen"
PAGE_OPT = {"public": True, "query": ("lang",)}  # ?lang= read by page_language()
STATIC_DIR = Path(__file__).parent / "static"
WINDOW_S = 15 * 60
MAX_FAILURES = 10  # per client address in WINDOW_S
CASE_MAX_FAILURES = 10  # per case number in WINDOW_S
KEEP_ATTEMPTS_S = 24 * 3600
PUBLIC_KINDS = ("status", "note", "feedback", "reopen", "merge")
DUMMY_HASH = "0" * 64
ACTOR = "anonymous"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "html"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# The page's texts by template key; msgids (English) translated with core.i18n.
TEXTS: dict[str, str] = {
    "title": N_("My cases"),
    "skip": N_("Skip to main content"),
    "intro": N_(
        "Enter the case number and the code you were given when the case was registered. "
        "You will see how the case is going and what we have told you."
    ),
    "number": N_("Case number"),
    "number_hint": N_("For example KC-2026-000123."),
    "code": N_("Code"),
    "code_hint": N_("Ten characters, in the receipt you got by e-mail or from the officer."),
    "submit": N_("Show the case"),
    "error_heading": N_("The case could not be shown"),
    "missing_number": N_("Enter the case number."),
    "missing_code": N_("Enter the code."),
    "no_match": N_(
        "We cannot find a case with that number and code. Check what you entered and try again."
    ),
    "too_many_title": N_("Too many attempts"),
    "too_many": N_(
        "You have made too many attempts with a wrong case number or code. "
        "Wait {minutes} minutes and try again."
    ),
    "status": N_("Status"),
    "case_type": N_("Concerns"),
    "received": N_("Received"),
    "updated": N_("Last changed"),
    "timeline": N_("What has happened"),
    "no_events": N_("Nothing to show yet."),
    "secret": N_("The case is confidential, so only its status is shown."),
    "merged": N_("The case has been merged with another case. Contact us to know more."),
    "ev_status": N_("Status changed to: {status}"),
    "ev_note": N_("Message"),
    "ev_feedback": N_("Answer to you"),
    "ev_reopen": N_("The case was reopened"),
    "ev_merge": N_("The case was merged with another case"),
    "another": N_("Show another case"),
    "contact": N_("Questions? Contact the contact center."),
    "time_note": N_("Times are Swedish time."),
    "language": N_("Language"),
}
# The link to the other language is named in that language, so it is not translated.
SWITCH_LABELS = {"sv": "På svenska", "en": "In English"}


def texts(lang: str) -> dict[str, str]:
    """The page's texts in ``lang`` (sv or en), by template key."""
    _ = translator(lang)
    translated = {key: _(msgid) for key, msgid in TEXTS.items()}
    translated["switch"] = SWITCH_LABELS["en" if lang == "sv" else "sv"]
    return translated


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


# -- the look-up (no HTTP) ---------------------------------------------------------------
class NoMatch(Exception):
    """No case with that number and code (the same for both, against enumeration)."""


class RateLimited(Exception):
    """Too many failed look-ups from this client; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed look-ups; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class PublicCase:
    """What a citizen may see of a case."""

    number: str
    status: str
    secret: bool
    merged: bool
    case_type: dict[str, str] = field(default_factory=dict)
    received_at: int | None = None
    updated_at: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


def normalise_number(value: str) -> str:
    return "".join(value.split())[:40]


def normalise_code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())[:40]


def _wait(recent: list[int], limit: int, now: int) -> int | None:
    """Seconds until fewer than ``limit`` of the ``recent`` failures (newest first, at most
    ``limit`` of them) lie in the window, or None when there are fewer already."""
    if len(recent) < limit:
        return None
    return max(1, recent[limit - 1] + WINDOW_S - now + 1)


async def _recent(where: Any, limit: int, now: int) -> list[int]:
    """The times of the newest ``limit`` failures matching ``where`` in the window."""
    rows = (
        await AccessAttempt.select(AccessAttempt.at)
        .where(where & (AccessAttempt.at > now - WINDOW_S))
        .order_by(AccessAttempt.at, ascending=False)
        .limit(limit)
    )
    return [row["at"] for row in rows]


@dataclass(frozen=True)
class Counters:
    """What the guessing guard knows before a look-up."""

    case_failures: int
    case_wait: int | None
    address_wait: int | None

    def refusal(self) -> int | None:
        """Seconds to wait if the code must not even be checked, else None."""
        if self.case_wait is not None:
            return self.case_wait  # the case's code is being guessed: nobody may try it
        if self.address_wait is not None and self.case_failures:
            return self.address_wait  # a busy address may only try cases with a clean counter
        return None


async def counters(client: str, number: str, now: int | None = None) -> Counters:
    """The failures counted against case ``number`` and against ``client``."""
    now = now or int(time.time())
    by_case = await _recent(AccessAttempt.case_number == _case_key(number), CASE_MAX_FAILURES, now)
    by_address = await _recent(AccessAttempt.client == client[:64], MAX_FAILURES, now)
    return Counters(
        len(by_case), _wait(by_case, CASE_MAX_FAILURES, now), _wait(by_address, MAX_FAILURES, now)
    )


def _case_key(number: str) -> str:
    return normalise_number(number).upper()


async def _record_failure(client: str, number: str, now: int) -> None:
    async with db.transaction():
        await AccessAttempt.delete().where(AccessAttempt.at < now - KEEP_ATTEMPTS_S)
        await AccessAttempt.insert(
            AccessAttempt(client=client[:64], at=now, case_number=_case_key(number))
        )
        audit.record(ACTOR, "citizen.lookup_failed", "case", number, {"client": client[:64]})


async def lookup(number: str, code: str, client: str) -> PublicCase:
    """The public view of case ``number`` if ``code`` is its access code.

    Raises :class:`RateLimited` while the case's code is being guessed, or when ``client``
    has failed too often and the case's counter is not clean (a wrong code from such an
    address is counted and answered so too); :class:`NoMatch` when the number or the code is
    wrong (and counts the failure).
    """
    now = int(time.time())
    number, code = normalise_number(number), normalise_code(code)
    guard = await counters(client, number, now)
    wait = guard.refusal()
    if wait is not None:
        raise RateLimited(wait)
    row = (
        await Case.select(
            Case.id,
            Case.number,
            Case.status,
            Case.secret,
            Case.merged_into,
            Case.access_code_hash,
            Case.created_at,
            Case.updated_at,
            Case.case_type.name_sv,
            Case.case_type.name_en,
        )
        .where(Case.number.is_in(sorted({number, number.upper()})))
        .first()
        if number
        else None
    )
    # compare against a dummy hash for unknown numbers, so both answers take as long
    matches = check_access_code(row["access_code_hash"] if row else DUMMY_HASH, code)
    if row is None or not matches:
        await _record_failure(client, number, now)
        if guard.address_wait is not None:
            raise RateLimited(guard.address_wait)
        raise NoMatch()
    view = PublicCase(
        number=row["number"],
        status=row["status"],
        secret=bool(row["secret"]),
        merged=bool(row["merged_into"]),
    )
    if view.secret:
        async with db.transaction():
            audit.record_read(ACTOR, "case", row["number"], {"secret": True, "via": "citizen"})
        return view
    view.case_type = {"sv": row["case_type.name_sv"], "en": row["case_type.name_en"]}
    view.received_at, view.updated_at = row["created_at"], row["updated_at"]
    events = (
        await CaseEvent.select(CaseEvent.at, CaseEvent.kind, CaseEvent.text, CaseEvent.data)
        .where(
            (CaseEvent.case == row["id"])
            & (CaseEvent.public == True)  # noqa: E712
            & CaseEvent.kind.is_in(list(PUBLIC_KINDS))
        )
        .order_by(CaseEvent.at)
        .order_by(CaseEvent.id)
    )
    for event in events:
        data = raw.json_column(event["data"], {})
        if not isinstance(data, dict):
            data = {}
        entry: dict[str, Any] = {"at": event["at"], "kind": event["kind"], "text": ""}
        if event["kind"] in ("note", "feedback", "reopen"):
            entry["text"] = event["text"]
        if event["kind"] == "status":
            entry["text"] = event["text"]
            entry["status"] = data.get("to") or ""
        elif event["kind"] == "reopen":
            entry["status"] = "in_progress"
        elif event["kind"] == "merge":
            entry["status"] = "closed"
        if event["kind"] in ("note", "feedback") and not entry["text"]:
            continue
        view.events.append(entry)
    return view


def public_json(view: PublicCase, lang: str) -> dict[str, Any]:
    """The JSON document of a public case view."""
    body: dict[str, Any] = {
        "number": view.number,
        "status": view.status,
        "public_status": states.public_status(view.status, lang),
        "language": lang,
    }
    if view.secret:
        return body
    body.update(
        {
            "case_type": view.case_type.get(lang) or view.case_type.get("sv"),
            "received_at": _iso(view.received_at),
            "updated_at": _iso(view.updated_at),
            "merged": view.merged,
            "timeline": [
                {
                    "at": _iso(e["at"]),
                    "kind": e["kind"],
                    "public_status": states.public_status(e["status"], lang)
                    if e.get("status")
                    else None,
                    "text": e["text"],
                }
                for e in view.events
            ],
        }
    )
    return body


_iso = iso_utc


# -- HTML ----------------------------------------------------------------------------------
def page_language(request: Request, explicit: str | None = None) -> str:
    """sv or en: an explicit choice (?lang= or the form), else Accept-Language, else default."""
    for value in (explicit, request.query_params.get("lang")):
        if value in LANGUAGES:
            return value
    default = getattr(request.app.state, "default_language", "sv")
    return negotiate(request.headers.get("accept-language"), default)


def _local(epoch: int | None, zone: str) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _render(request: Request, lang: str, status_code: int = 200, **context: Any) -> Response:
    settings = request.app.state.settings
    other = "en" if lang == "sv" else "sv"
    values: dict[str, Any] = {
        "lang": lang,
        "t": texts(lang),
        "other_lang": other,
        "switch_url": f"{PAGE_PATH}?{urlencode({'lang': other})}",
        "page_url": f"{PAGE_PATH}?{urlencode({'lang': lang})}",
        "css_url": f"{STATIC_PATH}/mina-arenden.css",
        "municipality": settings.municipality_name,
        "form": {"number": "", "code": ""},
        "errors": {},
        "error_summary": "",
        "case": None,
        "too_many": "",
        **context,
    }
    html = _env.get_template("mina_arenden.html").render(**values)
    headers = {**SECURITY_HEADERS, "Content-Language": lang}
    if "retry" in context:
        headers["Retry-After"] = str(context["retry"])
    return Response(html, status_code=status_code, media_type=MediaType.HTML, headers=headers)


def _case_context(view: PublicCase, lang: str, zone: str) -> dict[str, Any]:
    t = texts(lang)
    events = []
    for e in view.events:
        if e["kind"] == "status":
            heading = t["ev_status"].format(status=states.public_status(e["status"], lang))
        else:
            heading = t[f"ev_{e['kind']}"]
        events.append(
            {
                "when": _local(e["at"], zone),
                "iso": _iso(e["at"]),
                "heading": heading,
                "text": e["text"],
            }
        )
    return {
        "number": view.number,
        "status": states.public_status(view.status, lang),
        "secret": view.secret,
        "merged": view.merged,
        "case_type": view.case_type.get(lang) or view.case_type.get("sv") or "",
        "received": _local(view.received_at, zone),
        "received_iso": _iso(view.received_at),
        "updated": _local(view.updated_at, zone),
        "updated_iso": _iso(view.updated_at),
        "events": list(reversed(events)),  # newest first
    }


class LookupForm(msgspec.Struct, forbid_unknown_fields=True):
    """The Mina ärenden form (application/x-www-form-urlencoded)."""

    number: text(200) = ""
    code: text(200) = ""
    lang: text(5) = ""


class CaseStatusQuery(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/v1/public/case-status: a case number and its access code (no NUL)."""

    number: text(40, min_length=1)
    code: text(40, min_length=1)


@get(PAGE_PATH, opt=PAGE_OPT, include_in_schema=False, name="mina-arenden")
async def status_form(request: Request) -> Response:
    """The empty look-up form."""
    return _render(request, page_language(request))


@post(PAGE_PATH, opt=PAGE_OPT, include_in_schema=False, status_code=200)
async def status_lookup(request: Request) -> Response:
    """Look a case up from the form and show its public status and timeline."""
    raw = await request.form()
    values = {key: raw.get(key) for key in raw}
    try:
        form = msgspec.convert(values, LookupForm)
    except msgspec.ValidationError:
        form = LookupForm()
        values = {}
    lang = page_language(request, form.lang)
    t = texts(lang)
    shown = {"number": form.number[:40], "code": ""}
    if not values:
        return _render(request, lang, 400, form=shown)
    errors = {}
    if not normalise_number(form.number):
        errors["number"] = t["missing_number"]
    if not normalise_code(form.code):
        errors["code"] = t["missing_code"]
    if errors:
        return _render(request, lang, 400, form=shown, errors=errors)
    try:
        view = await lookup(form.number, form.code, client_address(request))
    except RateLimited as exc:
        minutes = exc.retry_after // 60 + 1
        return _render(
            request,
            lang,
            429,
            too_many=t["too_many"].format(minutes=minutes),
            retry=exc.retry_after,
        )
    except NoMatch:
        return _render(request, lang, 404, form=shown, error_summary=t["no_match"])
    zone = request.app.state.settings.timezone
    return _render(request, lang, case=_case_context(view, lang, zone))


@post(
    "/api/v1/public/case-status",
    opt=PAGE_OPT,
    status_code=200,
    tags=["public"],
    summary="Mina ärenden for apps: the public status and timeline of a case",
)
async def case_status(request: Request, data: JSONBody[CaseStatusQuery]) -> Response:
    """The public status of a case given its number and access code (rate-limited)."""
    lang = page_language(request)
    t = texts(lang)
    try:
        view = await lookup(data.number, data.code, client_address(request))
    except RateLimited as exc:
        response = problem(
            request,
            429,
            "too-many-requests",
            t["too_many"].format(minutes=exc.retry_after // 60 + 1),
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except NoMatch:
        return problem(request, 404, "no-such-case", t["no_match"])
    return Response(public_json(view, lang), headers={"Content-Language": lang})


static_files = create_static_files_router(
    path=STATIC_PATH,
    directories=[STATIC_DIR],
    name="citizen-static",
    opt={"public": True},
    include_in_schema=False,
)

ROUTES = [status_form, status_lookup, case_status, static_files]
