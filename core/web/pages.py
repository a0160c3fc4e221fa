"""What the appliance's own web pages share: the route serving a page's shipped files, and
the core's script for staff pages (``/api/v1/static/staff-page.js``: sign-in, token, calls,
live events), used by the wallboard and the roll-call page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import PathParameter

from core.errors import NotFound

CORE_STATIC = Path(__file__).parent / "static"
SCRIPT = "text/javascript; charset=utf-8"
STYLE = "text/css; charset=utf-8"
FILE_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def static_route(
    directory: Path, types: Mapping[str, str], path: str = "/static"
) -> HTTPRouteHandler:
    """``GET {path}/{name}``: one of the files named in ``types`` (name → media type) from
    ``directory``, public; any other name is a 404 problem (nothing else on disk is reachable)."""

    @get(path + "/{name:str}", opt={"public": True}, include_in_schema=False)
    async def static_file(name: Annotated[str, PathParameter(max_length=40)]) -> Response[bytes]:
        kind = types.get(name)
        if kind is None:
            raise NotFound("There is no file {name}", name=name[:40])
        return Response((directory / name).read_bytes(), media_type=kind, headers=FILE_HEADERS)

    return static_file


ROUTES = [static_route(CORE_STATIC, {"staff-page.js": SCRIPT}, "/api/v1/static")]
