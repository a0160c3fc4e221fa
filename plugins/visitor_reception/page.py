"""The kiosk's web page (in the languages of the setting ``kiosk_languages``: Swedish and
English by default, Finnish, Arabic, Somali and Ukrainian shipped too), served by the
appliance for a tablet or PC at the entrance in Chromium's kiosk mode.

The page itself holds no data and needs no token; its script keeps the kiosk's token (given
once in the pairing link's fragment, ``page#token=kiosk_…``) in the browser's local storage
and sends it to the ``/kiosk/…`` endpoints. Built for touch, large text and the keyboard alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response, get
from litestar.params import QueryParameter

from core.i18n import LANGUAGES, translator
from core.web import pages
from plugins.visitor_reception import languages, notice

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {
    "kiosk.js": pages.SCRIPT,
    "kiosk.css": pages.STYLE,
    "rollcall.js": pages.SCRIPT,
    "rollcall.css": pages.STYLE,
}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    undefined=StrictUndefined,
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)


def render(lang: str) -> str:
    """The kiosk page in ``lang``, with links to the other configured languages."""
    others = [
        {
            "code": code,
            "name": languages.SHIPPED[code],
            "dir": languages.direction(code),
            "url": "page?" + urlencode({"lang": code}),
        }
        for code in languages.configured()
        if code != lang
    ]
    return TEMPLATES.get_template("kiosk.html").render(
        lang=lang,
        dir=languages.direction(lang),
        _=translator(lang),
        notice=notice.texts(lang),
        others=others,
        server_texts="yes" if lang in LANGUAGES else "no",
    )


def html(body: str, lang: str) -> Response[str]:
    """A page of the plugin with its strict headers (CSP ``script-src 'self'``)."""
    headers = {**PAGE_HEADERS, "Content-Language": lang}
    return Response(body, media_type="text/html", headers=headers)


@get(
    "/page",
    opt={"public": True, "query": ("lang",)},
    include_in_schema=False,
    summary="The kiosk page",
)
async def kiosk_page(
    request: Request,
    lang: Annotated[str | None, QueryParameter(pattern=r"^[a-z]{2}$")] = None,
) -> Response[str]:
    """The kiosk page in ``lang`` if the kiosk offers it, else in the browser's best offered
    language, else in the first of ``kiosk_languages``."""
    chosen = languages.choose(lang, request.headers.get("accept-language"))
    return html(render(chosen), chosen)


ROUTES = [kiosk_page, pages.static_route(STATIC_DIR, STATIC_TYPES)]
