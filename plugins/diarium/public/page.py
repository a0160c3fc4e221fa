"""The webbdiarium's pages (server-rendered HTML, Swedish and English, no script at all):
the public search and the form to request a copy of a document.

The request form is CSRF-safe without a session: the form page sets a random cookie
(``HttpOnly``, ``SameSite=Strict``, the plugin's public path only) and puts a signed token
in the form (a timestamp and an HMAC over the cookie's value and the timestamp, valid for
:data:`FORM_TTL_S`). A post must carry both, matching, and an ``Origin`` header (when the
browser sends one; the pages' ``Referrer-Policy: same-origin`` makes it name this site)
naming this site; a form posted from another site has no cookie and is
refused. Web requests are rate-limited per client address (stored only as a keyed hash) and
overall (:func:`plugins.diarium.public.requests.check_rate`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import Cookie

from core.auth.client_address import client_address
from core.clock import iso_utc
from core.db import raw
from core.errors import DomainError
from core.i18n import LANGUAGES, N_, negotiate, translator
from core.secrets import keystore
from core.web import pages
from plugins.diarium.public import requests, search

HERE = Path(__file__).parent
BASE = "/api/v1/plugins/diarium"
SEARCH_PATH = "/public/webbdiarium"
REQUEST_PATH = "/public/webbdiarium/begaran"
STATIC_PATH = "/public/static"
BASE_CSS = "/static/citizen/mina-arenden.css"
COOKIE = "diarium_form"
FORM_SECRET = "diarium-form-key"
FORM_TTL_S = 2 * 3600
PAGE_SIZE = 20
SEARCH_QUERY = ("lang", "q", "series", "direction", "from", "to", "cursor")
STATIC_TYPES = {"webbdiarium.css": pages.STYLE}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # same-origin: the browser names this site in the Origin header of the form's post
    # (with no-referrer it would send "null", which a foreign form's post sends too)
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

TEXTS: dict[str, str] = {
    "title": N_("Public diary"),
    "skip": N_("Skip to main content"),
    "language": N_("Language"),
    "intro": N_(
        "Search the municipality's diary of public documents: letters received, documents "
        "drawn up and sent. Entries show only what is public; you can ask for a copy of any "
        "document."
    ),
    "search_label": N_("Search the diary"),
    "q": N_("Search words or diary number"),
    "q_hint": N_("For example bygglov Storgatan, or KS 2026/12."),
    "series": N_("Diary series"),
    "all_series": N_("All series"),
    "direction": N_("Kind"),
    "all_directions": N_("All kinds"),
    "date_from": N_("Dated from"),
    "date_to": N_("Dated until"),
    "search": N_("Search"),
    "results": N_("Results"),
    "no_results": N_("No entries match your search."),
    "count_one": N_("1 entry."),
    "count_many": N_("{count} entries."),
    "count_more": N_("More than {count} entries; the newest are shown first."),
    "count_page": N_("Entries {first} to {last}, newest first."),
    "date": N_("Date"),
    "content": N_("Content"),
    "counterpart": N_("Sender or recipient"),
    "document_type": N_("Type of document"),
    "case_file": N_("Case file"),
    "status": N_("Status"),
    "cancelled": N_("Cancelled number"),
    "secret_mark": N_("Secrecy marked"),
    "ask_copy": N_("Ask for a copy"),
    "ask_other": N_("Ask for a document that is not listed"),
    "pages": N_("Result pages"),
    "first_page": N_("First page"),
    "next_page": N_("Next page"),
    "error_heading": N_("There is a problem"),
    "in": N_("Incoming"),
    "drawn_up": N_("Drawn up"),
    "out": N_("Outgoing"),
    "request_title": N_("Ask for a public document"),
    "request_intro": N_(
        "Say which document you want to see or get a copy of. We handle your request "
        "promptly, usually within a working day."
    ),
    "anonymous_note": N_(
        "You do not have to say who you are or why you ask. Give a way to reach you only if "
        "you want the copy sent to you."
    ),
    "document_number": N_("Diary numbers of the documents"),
    "document_hint": N_(
        "If you know them, for example KS 2026/12-3. Several documents: one number per line "
        "or separated by commas (at most {count})."
    ),
    "description": N_("What you ask for"),
    "description_hint": N_("Describe the document if you do not know its number."),
    "name": N_("Your name"),
    "optional": N_("Optional."),
    "delivery": N_("How do you want the document?"),
    "by_email": N_("By e-mail"),
    "by_post": N_("By post"),
    "pickup": N_("I will collect it"),
    "view": N_("I will read it on site"),
    "email": N_("E-mail address"),
    "email_hint": N_(
        "Optional. We send you a receipt with the number of your request and the decision; "
        "needed for a copy by e-mail."
    ),
    "privacy_title": N_("Your personal data"),
    "privacy": N_(
        "Your name, e-mail address and postal address are personal data. The municipality "
        "uses them only to handle your request: to send you the receipt, the decision and "
        "the copies. They are kept with the request, which is itself a public document, as "
        "long as the municipality's rules for keeping documents say. You have the right to "
        "know what we hold about you and to have wrong data corrected; ask the registry "
        "office."
    ),
    "address": N_("Postal address"),
    "address_hint": N_("Optional; needed for a copy by post."),
    "send": N_("Send the request"),
    "back_to_search": N_("Back to the search"),
    "receipt_title": N_("Your request has been received"),
    "receipt_number": N_("The number of your request:"),
    "receipt_received": N_("Received on"),
    "receipt_next": N_(
        "We will handle it promptly. If the document or part of it is secret you get a "
        "written decision that you can appeal."
    ),
    "missing_request": N_("Give the diary number or describe the document."),
    "bad_email": N_("Enter an e-mail address like name@example.se."),
    "need_email": N_("Give an e-mail address to get the copy by e-mail, or choose another way."),
    "need_address": N_("Give a postal address to get the copy by post, or choose another way."),
    "form_expired": N_(
        "The form has expired or was not sent from this site. Open the form again and send it."
    ),
    "too_many": N_("Too many requests have been sent from your address; try again in an hour."),
    "not_found": N_("The page was not found"),
    "footer": N_("Questions? Contact the registry office of the municipality."),
}
SWITCH_LABELS = {"sv": "På svenska", "en": "In English"}
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


def texts(lang: str) -> dict[str, str]:
    """The pages' texts in ``lang``, by template key."""
    _ = translator(lang)
    translated = {key: _(msgid) for key, msgid in TEXTS.items()}
    translated["switch"] = SWITCH_LABELS["en" if lang == "sv" else "sv"]
    translated["document_hint"] = translated["document_hint"].format(count=requests.MAX_DOCUMENTS)
    return translated


def language(request: Request, explicit: str | None = None) -> str:
    """sv or en: an explicit choice (?lang= or the form), else Accept-Language."""
    for value in (explicit, request.query_params.get("lang")):
        if value in LANGUAGES:
            return value
    default = getattr(request.app.state, "default_language", "sv")
    return negotiate(request.headers.get("accept-language"), default)


def _url(path: str, **params: str) -> str:
    shown = {k: v for k, v in params.items() if v}
    return BASE + path + ("?" + urlencode(shown) if shown else "")


def _render(
    request: Request,
    lang: str,
    mode: str,
    page_title: str,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    switch_params: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    settings = request.app.state.settings
    other = "en" if lang == "sv" else "sv"
    path = SEARCH_PATH if mode == "search" else REQUEST_PATH
    values: dict[str, Any] = {
        "lang": lang,
        "t": texts(lang),
        "mode": mode,
        "page_title": page_title,
        "other_lang": other,
        "switch_url": _url(path, **{**(switch_params or {}), "lang": other}),
        "search_url": _url(SEARCH_PATH, lang=lang),
        "search_path": BASE + SEARCH_PATH,
        "request_path": _url(REQUEST_PATH, lang=lang),
        "request_form_url": BASE + REQUEST_PATH,
        "base_css": BASE_CSS,
        "css_url": BASE + STATIC_PATH + "/webbdiarium.css",
        "municipality": settings.municipality_name,
        "errors": {},
        "error_summary": "",
        **context,
    }
    html = _env.get_template("webbdiarium.html").render(**values)
    headers = {**SECURITY_HEADERS, "Content-Language": lang}
    return Response(
        html,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=headers,
        cookies=cookies or [],
    )


# -- the search page -----------------------------------------------------------------------
async def _series() -> list[dict[str, Any]]:
    return await raw.fetch(
        "SELECT code, name FROM diarium_series WHERE active = ? ORDER BY code", True
    )


def _count_text(t: dict[str, str], result: dict[str, Any], first: bool) -> str:
    items = result["items"]
    if not items:
        return t["no_results"]
    total = result.get("total")
    if total is None and result.get("total_at_least"):
        return t["count_more"].format(count=result["total_at_least"])
    if total is not None and first:
        return t["count_one"] if total == 1 else t["count_many"].format(count=total)
    return t["count_page"].format(first=1, last=len(items)) if first else ""


@get(SEARCH_PATH, opt={"public": True, "query": SEARCH_QUERY}, include_in_schema=False)
async def search_page(request: Request) -> Response:
    """The public search page: the form, and results when anything was asked."""
    params = request.query_params
    lang = language(request)
    t = texts(lang)
    form = {
        "q": str(params.get("q") or "")[:200],
        "series": str(params.get("series") or "")[:20],
        "direction": str(params.get("direction") or "")[:10],
        "date_from": str(params.get("from") or "")[:10],
        "date_to": str(params.get("to") or "")[:10],
    }
    cursor = params.get("cursor") or None
    asked = any(form.values()) or cursor is not None or "q" in params
    directions = [(d, t[d]) for d in search.DIRECTIONS]
    context: dict[str, Any] = {
        "form": form,
        "series": await _series(),
        "directions": directions,
        "direction_names": dict(directions),
        "result": None,
        "errors": {},
        "count_text": "",
        "next_url": "",
        "first_url": "",
    }
    link = {
        "q": form["q"],
        "series": form["series"],
        "direction": form["direction"],
        "from": form["date_from"],
        "to": form["date_to"],
    }
    status = 200
    if asked:
        filters = search.Filters(
            q=form["q"],
            series=form["series"],
            direction=form["direction"],
            date_from=form["date_from"],
            date_to=form["date_to"],
        )
        try:
            result = await search.search(filters, cursor, PAGE_SIZE)
        except DomainError as exc:
            field = exc.location[1] if exc.location else "q"
            context["errors"] = {field: exc.render(translator(lang))}
            status = exc.status
        else:
            for item in result["items"]:
                item["request_url"] = _url(REQUEST_PATH, lang=lang, document=item["number"])
            context["result"] = result
            context["count_text"] = _count_text(t, result, cursor is None)
            if result["next_cursor"]:
                context["next_url"] = _url(
                    SEARCH_PATH, **link, lang=lang, cursor=result["next_cursor"]
                )
            if cursor is not None:
                context["first_url"] = _url(SEARCH_PATH, **link, lang=lang)
    title = t["results"] if context["result"] is not None else t["search_label"]
    if context["errors"]:
        title = t["error_heading"]
    return _render(request, lang, "search", title, status, switch_params=link, **context)


# -- the request form ------------------------------------------------------------------------
def _form_key() -> bytes:
    key = keystore.get(FORM_SECRET)
    if key is None:
        key = secrets.token_urlsafe(32)
        keystore.put(FORM_SECRET, key)
    return key.encode()


def form_token(nonce: str, now: int | None = None) -> str:
    """The token the form carries for the cookie value ``nonce``."""
    stamp = str(now or int(time.time()))
    mac = hmac.new(_form_key(), f"{nonce}.{stamp}".encode(), hashlib.sha256).hexdigest()
    return f"{stamp}.{mac}"


def check_token(nonce: str | None, token: str, now: int | None = None) -> bool:
    """Whether ``token`` was issued for ``nonce`` less than :data:`FORM_TTL_S` ago."""
    if not nonce or not token or "." not in token or len(token) > 100:
        return False
    stamp, _, mac = token.partition(".")
    if not stamp.isdigit():
        return False
    now = now or int(time.time())
    if not 0 <= now - int(stamp) <= FORM_TTL_S:
        return False
    expected = form_token(nonce, int(stamp)).partition(".")[2]
    return hmac.compare_digest(expected, mac)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers; the SameSite cookie still has to be there
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def _cookie(request: Request, nonce: str) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=nonce,
        path=BASE + "/public/",
        max_age=FORM_TTL_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _deliveries(t: dict[str, str]) -> list[tuple[str, str]]:
    return [("email", t["by_email"]), ("post", t["by_post"]), ("pickup", t["pickup"]),
            ("view", t["view"])]  # fmt: skip


def _request_form(
    request: Request, lang: str, form: dict[str, str], status: int = 200, **context: Any
) -> Response:
    t = texts(lang)
    nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(18)
    if len(nonce) > 64:
        nonce = secrets.token_urlsafe(18)
    title = t["error_heading"] if context.get("errors") or context.get("error_summary") else ""
    return _render(
        request,
        lang,
        "request",
        title or t["request_title"],
        status,
        cookies=[_cookie(request, nonce)],
        switch_params={"document": form.get("document", "")},
        form=form,
        csrf=form_token(nonce),
        deliveries=_deliveries(t),
        **context,
    )


EMPTY_FORM = {
    "document": "",
    "description": "",
    "name": "",
    "email": "",
    "address": "",
    "delivery": "email",
}


@get(REQUEST_PATH, opt={"public": True, "query": ("lang", "document")}, include_in_schema=False)
async def request_page(request: Request) -> Response:
    """The form to ask for a document (prefilled with ``?document=`` from a search result)."""
    lang = language(request)
    form = {**EMPTY_FORM, "document": str(request.query_params.get("document") or "")[:60]}
    # ?document= from a search result names one document; the field takes several
    return _request_form(request, lang, form)


@post(REQUEST_PATH, opt={"public": True, "query": ("lang",)}, include_in_schema=False,
      status_code=201)  # fmt: skip
async def request_post(request: Request) -> Response:
    """Log a request from the form and show its receipt (or the form with what to fix)."""
    raw_form = await request.form()
    values = {key: str(raw_form.get(key) or "") for key in raw_form}
    lang = language(request, values.get("lang"))
    t = texts(lang)
    form = {key: values.get(key, default)[:5000] for key, default in EMPTY_FORM.items()}
    if form["delivery"] not in requests.DELIVERIES:
        form["delivery"] = "email"
    if not _same_origin(request) or not check_token(
        request.cookies.get(COOKIE), values.get("csrf", "")
    ):
        return _request_form(request, lang, form, 403, error_summary=t["form_expired"])
    errors: dict[str, str] = {}
    refs: list[str] = []
    try:
        refs = requests.document_refs(form["document"], [])
    except DomainError as exc:
        errors["document"] = exc.render(translator(lang))
    if not refs and not form["description"].strip() and "document" not in errors:
        errors["description"] = t["missing_request"]
    email = form["email"].strip()
    if email and not requests.valid_email(email):
        errors["email"] = t["bad_email"]
    elif form["delivery"] == "email" and not email:
        errors["email"] = t["need_email"]
    if form["delivery"] == "post" and not form["address"].strip():
        errors["address"] = t["need_address"]
    if errors:
        return _request_form(request, lang, form, 400, errors=errors)
    try:
        created = await requests.log_request(
            requests.web_principal(),
            requests.NewRequest(
                channel="web",
                description=form["description"],
                document_ref=refs[0] if refs else "",
                document_refs=refs[1:],
                requester_name=form["name"],
                requester_email=email,
                requester_address=form["address"],
                delivery=form["delivery"],
                language=lang,
            ),
            client=client_address(request),
        )
    except DomainError as exc:
        if exc.status == 429:
            return _request_form(request, lang, form, 429, error_summary=t["too_many"])
        return _request_form(request, lang, form, exc.status,
                             error_summary=exc.render(translator(lang)))  # fmt: skip
    zone = ZoneInfo(request.app.state.settings.timezone)
    received = int(datetime.fromisoformat(created["received_at"]).timestamp())
    receipt = {
        "number": created["number"],
        "received": datetime.fromtimestamp(received, zone).strftime("%Y-%m-%d %H:%M"),
        "received_iso": iso_utc(received),
    }
    return _render(request, lang, "receipt", t["receipt_title"], 201, receipt=receipt)


ROUTES = [
    search_page,
    request_page,
    request_post,
    pages.static_route(HERE / "static", STATIC_TYPES, STATIC_PATH),
]
