"""The kiosk's web page (Swedish and English), served by the appliance for a tablet or PC at
the entrance in Chromium's kiosk mode.

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
from litestar.params import PathParameter, QueryParameter

from core.errors import NotFound
from core.i18n import LANGUAGES, negotiate, translator
from plugins.visitor_reception import notice

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {
    "kiosk.js": "text/javascript; charset=utf-8",
    "kiosk.css": "text/css; charset=utf-8",
}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    undefined=StrictUndefined,
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)


def render(lang: str) -> str:
    """The kiosk page in ``lang``."""
    other = "en" if lang == "sv" else "sv"
    return _env.get_template("kiosk.html").render(
        lang=lang,
        _=translator(lang),
        notice=notice.texts(lang),
        other_lang=other,
        switch_url="page?" + urlencode({"lang": other}),
    )


@get(
    "/page",
    opt={"public": True, "query": ("lang",)},
    include_in_schema=False,
    summary="The kiosk page",
)
async def kiosk_page(
    request: Request, lang: Annotated[str | None, QueryParameter(pattern=r"^(sv|en)$")] = None
) -> Response[str]:
    chosen = lang if lang in LANGUAGES else negotiate(request.headers.get("accept-language"))
    headers = {**PAGE_HEADERS, "Content-Language": chosen}
    return Response(render(chosen), media_type="text/html; charset=utf-8", headers=headers)


@get("/static/{name:str}", opt={"public": True}, include_in_schema=False)
async def static_file(name: Annotated[str, PathParameter(max_length=40)]) -> Response[bytes]:
    """The page's script and style sheet (only the files shipped in ``static/``)."""
    kind = STATIC_TYPES.get(name)
    if kind is None:
        raise NotFound("There is no file {name}", name=name[:40])
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return Response((STATIC_DIR / name).read_bytes(), media_type=kind, headers=headers)


ROUTES = [kiosk_page, static_file]
