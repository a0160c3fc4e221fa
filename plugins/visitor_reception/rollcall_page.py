"""The reception's live roll-call web page (Swedish and English) for an evacuation.

The page holds no data: its script (``static/rollcall.js``) asks for a sign-in, then reads the
latest roll call with the user's token (``reception.desk``), ticks people off as safe through
``PUT roll-calls/{id}/safe/{number}``, starts a new roll call, fetches the PDF and the offline
copy, and follows the live event ``reception.roll_call`` so a tick at another desk shows at
once.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import QueryParameter

from core.i18n import LANGUAGES, negotiate, translator
from plugins.visitor_reception.languages import SHIPPED
from plugins.visitor_reception.page import TEMPLATES, html


def render(lang: str) -> str:
    """The roll-call page in ``lang`` (sv or en)."""
    other = "en" if lang == "sv" else "sv"
    return TEMPLATES.get_template("rollcall.html").render(
        lang=lang,
        _=translator(lang),
        other_lang=other,
        other_name=SHIPPED[other],
        switch_url="roll-call?" + urlencode({"lang": other}),
    )


@get(
    "/roll-call",
    opt={"public": True, "query": ("lang",)},
    include_in_schema=False,
    summary="The reception's live roll-call page",
)
async def roll_call_page(
    request: Request, lang: Annotated[str | None, QueryParameter(pattern=r"^(sv|en)$")] = None
) -> Response[str]:
    chosen = lang if lang in LANGUAGES else negotiate(request.headers.get("accept-language"))
    return html(render(chosen), chosen)


ROUTES = [roll_call_page]
