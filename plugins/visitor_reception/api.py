"""The visitor reception's HTTP API, mounted at ``/api/v1/plugins/visitor_reception``.

Only translation to the services. ``/kiosk/…`` is public to the core's authentication and
guarded by the kiosk's own token (:func:`kiosk_guard`, run before the body is read); the
reception's and the administrator's endpoints need the plugin's permissions.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody, PathParameter, QueryParameter

from core.web.problems import language_of
from core.web.security import principal_of
from core.web.types import Id, IdPath, bounded_int, text, text_path
from plugins.visitor_reception import (
    acknowledge,
    hosts,
    invitations,
    kiosks,
    languages,
    notice,
    pdf,
    rollcall,
    visit_case,
    visits,
)

PDF = "application/pdf"
Language = Annotated[str, msgspec.Meta(pattern=r"^(sv|en)$")]
LanguageQuery = Annotated[str | None, QueryParameter(pattern=r"^(sv|en)$")]
KioskLanguage = Annotated[str, msgspec.Meta(pattern=languages.PATTERN)]
KioskLanguageQuery = Annotated[str | None, QueryParameter(pattern=languages.PATTERN)]
HostQuery = Annotated[str, QueryParameter(pattern=r"^[^\x00]*$", min_length=2, max_length=60)]
NumberPath = Annotated[str, PathParameter(pattern=r"^B\d{4}-\d{5,9}$")]
UsernamePath = Annotated[str, text_path(64)]
Email = Annotated[
    str, msgspec.Meta(pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$", max_length=254)
]
Epoch = bounded_int(0, 2**40)
CodeQuery = Annotated[str, QueryParameter(pattern=r"^VI1-[A-Za-z0-9_-]{1,60}$")]


class CheckInBody(msgspec.Struct, forbid_unknown_fields=True):
    """A visitor's check-in (at the kiosk, or by the reception on their behalf)."""

    visitor_name: text(120, 1)  # type: ignore[valid-type]
    host_id: Id
    purpose: text(300) = ""  # type: ignore[valid-type]
    organisation: text(120) = ""  # type: ignore[valid-type]
    needs_assistance: bool = False
    language: KioskLanguage = "sv"


class CodeBody(msgspec.Struct, forbid_unknown_fields=True):
    """The badge's QR code (read by the kiosk's scanner or typed)."""

    code: text(80, 1)  # type: ignore[valid-type]


class InviteBody(msgspec.Struct, forbid_unknown_fields=True):
    """A pre-registration: whom the host (or the reception) expects, and when."""

    visitor_name: text(120, 1)  # type: ignore[valid-type]
    email: Email
    expected_at: Epoch
    host_id: Id | None = None
    purpose: text(300) = ""  # type: ignore[valid-type]
    organisation: text(120) = ""  # type: ignore[valid-type]
    needs_assistance: bool = False
    language: Language = "sv"


class PairBody(msgspec.Struct, forbid_unknown_fields=True):
    name: text(80, 1)  # type: ignore[valid-type]
    location: text(120) = ""  # type: ignore[valid-type]


class HostBody(msgspec.Struct, forbid_unknown_fields=True):
    """Whether a member of staff accepts visitors, in which unit, where they are."""

    unit: text(120) = ""  # type: ignore[valid-type]
    location: text(120) = ""  # type: ignore[valid-type]
    protected: bool = False
    accepts: bool = True


class RollCallBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: text(200) = ""  # type: ignore[valid-type]


class SafeBody(msgspec.Struct, forbid_unknown_fields=True):
    safe: bool = True


class VisitCaseBody(msgspec.Struct, forbid_unknown_fields=True):
    """Open a new case from a visit (``case_type``, ``summary``) or join one (``case``)."""

    case_type: text(60, 1) | None = None  # type: ignore[valid-type]
    summary: text(2000) = ""  # type: ignore[valid-type]
    case: text(40, 1) | None = None  # type: ignore[valid-type]


def _check_in(body: CheckInBody) -> visits.CheckIn:
    return visits.CheckIn(
        visitor_name=body.visitor_name,
        host_id=body.host_id,
        purpose=body.purpose,
        organisation=body.organisation,
        needs_assistance=body.needs_assistance,
        language=body.language,
    )


async def kiosk_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Only a paired, unrevoked kiosk's token passes (401 otherwise, users' tokens too)."""
    kiosk = await kiosks.authenticate(connection.headers.get("authorization", ""))
    connection.scope.setdefault("state", {})["kiosk"] = kiosk


def _kiosk(request: Request) -> dict[str, Any]:
    return request.scope["state"]["kiosk"]


KIOSK_OPT = {"public": True, "own_token": True}


class KioskController(Controller):
    path = "/kiosk"
    tags = ["visitor reception: kiosk"]
    guards = [kiosk_guard]

    @get("/hosts", opt=KIOSK_OPT, summary="Search hosts accepting visitors by name or unit")
    async def search_hosts(self, request: Request, q: HostQuery) -> dict[str, Any]:
        kiosks.limit(_kiosk(request)["id"], "search")
        return {"items": await hosts.search(q)}

    @get("/notice", opt=KIOSK_OPT, summary="The GDPR Art. 13 notice in the visitor's language")
    async def notice(self, request: Request, lang: KioskLanguageQuery = None) -> dict[str, Any]:
        return notice.texts(lang or language_of(request))

    @post("/check-in", opt=KIOSK_OPT, status_code=201, summary="Check a visitor in")
    async def check_in(self, request: Request, data: JSONBody[CheckInBody]) -> dict[str, Any]:
        kiosk = _kiosk(request)
        kiosks.limit(kiosk["id"], "checkin")
        return await visits.check_in(_check_in(data), kiosk=kiosk)

    @post("/badge", opt=KIOSK_OPT, status_code=200, summary="The badge of a visit as PDF")
    async def badge(self, request: Request, data: JSONBody[CodeBody]) -> Response[bytes]:
        kiosks.limit(_kiosk(request)["id"], "checkin")
        row = await visits.row_by_code(data.code)
        view = visits.view(row, reveal=True)
        body = pdf.badge(view, data.code, row["language"], visits.zone())
        return Response(body, media_type=PDF)

    @post("/arrive", opt=KIOSK_OPT, status_code=201, summary="Check in with an invitation's code")
    async def arrive(self, request: Request, data: JSONBody[CodeBody]) -> dict[str, Any]:
        kiosk = _kiosk(request)
        kiosks.limit(kiosk["id"], "checkin")
        return await invitations.arrive(data.code, kiosk)

    @post("/sign-out", opt=KIOSK_OPT, status_code=200, summary="Sign out with the badge's code")
    async def sign_out(self, request: Request, data: JSONBody[CodeBody]) -> dict[str, Any]:
        kiosk = _kiosk(request)
        kiosks.limit(kiosk["id"], "checkin")
        return {"visit": await visits.sign_out_by_code(data.code, kiosk)}


DESK = {"permission": "reception.desk"}


class VisitController(Controller):
    path = "/visits"
    tags = ["visitor reception"]

    @get("/inside", opt=DESK, summary="Everyone signed in now")
    async def inside(self, request: Request) -> dict[str, Any]:
        rows = await visits.inside()
        items = await visits.views_for(principal_of(request), rows, "inside")
        return {"items": items, "next_cursor": None, "total": len(items)}

    @get("/overdue", opt=DESK, summary="Visits not signed out by the last automatic sign-out")
    async def overdue(self, request: Request) -> dict[str, Any]:
        rows = await visits.overdue()
        items = await visits.views_for(principal_of(request), rows, "overdue")
        return {"items": items, "next_cursor": None, "total": len(items)}

    @get("/expected", opt=DESK, summary="Pre-registered visitors expected today")
    async def expected(self, request: Request) -> dict[str, Any]:
        rows = await invitations.expected_today()
        items = await visits.views_for(principal_of(request), rows, "expected")
        return {"items": items, "next_cursor": None, "total": len(items)}

    @get("/hosts", opt=DESK, summary="Search hosts accepting visitors (registering for a visitor)")
    async def search_hosts(self, q: HostQuery) -> dict[str, Any]:
        return {"items": await hosts.search(q)}

    @post("/", opt=DESK, status_code=201, summary="Register a visitor on their behalf")
    async def register(self, request: Request, data: JSONBody[CheckInBody]) -> dict[str, Any]:
        return await visits.check_in(_check_in(data), principal=principal_of(request))

    @get("/{number:str}", opt=DESK, summary="One visit")
    async def get_visit(self, request: Request, number: NumberPath) -> dict[str, Any]:
        row = await visits.get_row(number)
        return (await visits.views_for(principal_of(request), [row], "visit"))[0]

    @post("/{number:str}/sign-out", opt=DESK, status_code=200, summary="Sign a visitor out")
    async def sign_out(self, request: Request, number: NumberPath) -> dict[str, Any]:
        return await visits.sign_out(principal_of(request), number)

    @post("/{number:str}/case", opt=DESK, status_code=200, summary="Open or join a case")
    async def case(
        self, request: Request, number: NumberPath, data: JSONBody[VisitCaseBody]
    ) -> dict[str, Any]:
        return await visit_case.open_or_join(
            principal_of(request),
            number,
            case_type=data.case_type,
            summary=data.summary,
            join_case=data.case,
        )


@post(
    "/visits/{number:str}/acknowledge",
    opt={"permission": "reception.host"},
    status_code=200,
    tags=["visitor reception"],
    summary="The host acknowledges their visitor's arrival (idempotent)",
)
async def acknowledge_visit(request: Request, number: NumberPath) -> dict[str, Any]:
    return await acknowledge.acknowledge(principal_of(request), number)


class RollCallController(Controller):
    path = "/roll-calls"
    tags = ["visitor reception"]

    @post("/", opt=DESK, status_code=201, summary="Start the evacuation roll call")
    async def start(self, request: Request, data: JSONBody[RollCallBody]) -> dict[str, Any]:
        principal = principal_of(request)
        roll = await rollcall.start(principal.username, data.reason)
        return rollcall.summary(roll, await rollcall.people(principal, roll))

    @get("/latest", opt=DESK, summary="The latest roll call with everyone in it")
    async def latest(self, request: Request) -> dict[str, Any]:
        roll = await rollcall.latest()
        return rollcall.summary(roll, await rollcall.people(principal_of(request), roll))

    @get("/latest/pdf", opt=DESK, summary="The latest roll call as a printable PDF")
    async def latest_pdf(self, request: Request, lang: LanguageQuery = None) -> Response[bytes]:
        roll = await rollcall.latest()
        listed = await rollcall.people(principal_of(request), roll)
        return Response(rollcall.as_pdf(roll, listed, lang or language_of(request)), media_type=PDF)

    @get("/latest/offline", opt=DESK, summary="The latest roll call as a self-contained HTML copy")
    async def latest_offline(self, request: Request, lang: LanguageQuery = None) -> Response[str]:
        roll = await rollcall.latest()
        listed = await rollcall.people(principal_of(request), roll)
        html = rollcall.as_offline_html(roll, listed, lang or language_of(request))
        headers = {"Content-Disposition": 'attachment; filename="utrymning.html"'}
        return Response(html, media_type="text/html", headers=headers)

    @put("/{roll_id:int}/safe/{number:str}", opt=DESK, summary="Tick a visitor off as safe")
    async def safe(
        self, request: Request, roll_id: IdPath, number: NumberPath, data: JSONBody[SafeBody]
    ) -> dict[str, Any]:
        return await rollcall.mark_safe(principal_of(request), roll_id, number, data.safe)


@post(
    "/invitations",
    opt={"permission": "reception.host"},
    status_code=201,
    tags=["visitor reception"],
    summary="Pre-register a visitor: an invitation e-mail with a QR code for the kiosk",
)
async def invite(request: Request, data: JSONBody[InviteBody]) -> dict[str, Any]:
    return await invitations.invite(
        principal_of(request),
        data.host_id,
        data.visitor_name,
        data.email,
        data.expected_at,
        visits.CheckIn(
            visitor_name=data.visitor_name,
            host_id=data.host_id or 0,
            purpose=data.purpose,
            organisation=data.organisation,
            needs_assistance=data.needs_assistance,
            language=data.language,
        ),
    )


@get(
    "/invitation-qr",
    opt={"public": True},
    tags=["visitor reception"],
    summary="The QR code of an invitation code (SVG), linked from the invitation e-mail",
)
async def invitation_qr(code: CodeQuery) -> Response[bytes]:
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(invitations.qr_svg(code), media_type="image/svg+xml", headers=headers)


ADMIN = {"permission": "reception.admin"}


class AdminController(Controller):
    tags = ["visitor reception: administration"]

    @post("/kiosks", opt=ADMIN, status_code=201, summary="Pair a kiosk (its token shown once)")
    async def pair(self, request: Request, data: JSONBody[PairBody]) -> dict[str, Any]:
        return await kiosks.pair(principal_of(request).username, data.name, data.location)

    @get("/kiosks", opt=ADMIN, summary="Every paired kiosk")
    async def kiosks(self) -> dict[str, Any]:
        items = await kiosks.list_all()
        return {"items": items, "next_cursor": None, "total": len(items)}

    @delete("/kiosks/{kiosk_id:int}", opt=ADMIN, status_code=200, summary="Revoke a kiosk")
    async def revoke(self, request: Request, kiosk_id: IdPath) -> dict[str, Any]:
        return await kiosks.revoke(principal_of(request).username, kiosk_id)

    @get("/hosts", opt=ADMIN, summary="Staff marked as accepting visitors")
    async def hosts(self) -> dict[str, Any]:
        items = await hosts.list_all()
        return {"items": items, "next_cursor": None, "total": len(items)}

    @put("/hosts/{username:str}", opt=ADMIN, summary="Whether a member of staff accepts visitors")
    async def save_host(
        self, request: Request, username: UsernamePath, data: JSONBody[HostBody]
    ) -> dict[str, Any]:
        return await hosts.save(
            principal_of(request).username,
            username,
            data.unit,
            data.location,
            data.protected,
            data.accepts,
        )


ROUTES = [
    KioskController,
    VisitController,
    RollCallController,
    AdminController,
    invite,
    invitation_qr,
    acknowledge_visit,
]
