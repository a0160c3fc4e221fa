"""The public crisis page: the approved message in the reader's language, for a phone.

One small HTML document (the style sheet inline, no script, no images): a heading, the text,
what to do, the other languages (right-to-left where the script is), and ÖVNING / EXERCISE
when the message belongs to an exercise. The page's own words (headings, links) are Swedish
or English; in another language they carry their own ``lang`` so a screen reader switches.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.cases import service as cases
from core.i18n import language, translator
from plugins.crisis_mode.messages import service

HERE = Path(__file__).parent
CSS = """\
*{box-sizing:border-box}
html{
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
  font-size:112.5%;line-height:1.55;color:#1a1a1a;background:#fff}
body{margin:0}
.wrap{max-width:42rem;margin:0 auto;padding:0 1rem}
header{background:#0b3d6b;color:#fff;padding:.75rem 0}
header p{margin:0;font-weight:700}
nav ul{list-style:none;margin:.5rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
nav a{color:#fff;text-decoration:underline;display:inline-block;padding:.35rem 0;
  min-height:44px;line-height:1.9}
nav a[aria-current]{font-weight:700;text-decoration-thickness:3px}
a{color:#0b4f9c}
a:focus,a:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.skip-link{position:absolute;top:-4rem;inset-inline-start:.5rem;background:#fff;
  color:#0b4f9c;padding:.5rem}
.skip-link:focus{top:.5rem;z-index:1}
.exercise{background:#ffd100;color:#1a1a1a;border:3px solid #1a1a1a;padding:.5rem .75rem;
  margin:1rem 0 0;font-weight:700}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0 .5rem}
h2{font-size:1.2rem;margin:1.5rem 0 .25rem}
.meta{color:#4a4a4a;font-size:.9rem;margin:0 0 1rem}
.instruction{border-inline-start:6px solid #0b3d6b;padding-inline-start:.75rem}
footer{border-top:1px solid #767676;margin-top:2rem;padding:1rem 0;font-size:.9rem}
"""  # inline, so the page is one request (hashed in the CSP)
CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
ZONE = ZoneInfo("Europe/Stockholm")
HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{CSS_HASH}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated each time: a 304 while the text stands
    "Vary": "Accept-Language",
}
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    undefined=StrictUndefined,
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n|\n", text or "") if part.strip()]


def preferences(accept_language: str | None, among: list[str]) -> list[str]:
    """The browser's languages (``Accept-Language``, in its order) that are ``among``."""
    found: list[str] = []
    for part in (accept_language or "").split(",")[:20]:
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in among and code not in found:
            found.append(code)
    return found


def choose(requested: str | None, accept_language: str | None, available: list[str]) -> str:
    """The page's language: the one asked for when the message has it, else the first of
    the browser's languages it has, else Swedish."""
    if requested in available:
        return str(requested)
    found = preferences(accept_language, available)
    return found[0] if found else "sv"


async def render(requested: str | None, accept_language: str | None) -> tuple[str, str]:
    """The page's HTML and its language."""
    version = await service.current_version()
    texts = {t["language"]: t for t in version["texts"]} if version else {}
    available = list(texts) or ["sv", "en"]
    lang = choose(requested, accept_language, available)
    ui_lang = language(lang, "en")
    text = texts.get(lang)
    exercise = bool(version and version["exercise"])
    heading = text["title"] if text else translator(ui_lang)("Crisis information")
    updated = datetime.fromtimestamp(version["approved_at"], ZONE) if version else None
    choices = [
        {"code": code, "name": service.language_name(code), "dir": service.direction(code)}
        for code in (texts if texts else ["sv", "en"])
    ]
    web = (version["web"] if version else "") or ""
    html = _env.get_template("public.html").render(
        lang=lang,
        dir=service.direction(lang),
        ui_lang=ui_lang,
        _=translator(ui_lang),
        css=CSS,
        municipality=cases.current_settings().municipality_name,
        exercise=exercise,
        label=service.exercise_label(lang),
        heading=heading,
        text=text,
        body=_paragraphs(text["body"]) if text else [],
        instruction=_paragraphs(text["instruction"]) if text else [],
        web=web,
        updated_iso=updated.isoformat(timespec="seconds") if updated else "",
        updated_local=updated.strftime("%Y-%m-%d %H:%M") if updated else "",
        choices=choices,
        cap_href=f"cap/{quote(version['cap_identifier'], safe='@.')}" if version else "",
    )
    return html, lang


def etag(html: str) -> str:
    """The page's entity tag (its content's hash), for conditional requests."""
    return '"' + hashlib.sha256(html.encode()).hexdigest()[:32] + '"'


def page_headers(lang: str, tag: str) -> dict[str, Any]:
    """The page's response headers (CSP with the inline style's hash, revalidation)."""
    return {**HEADERS, "Content-Language": lang, "ETag": tag}
