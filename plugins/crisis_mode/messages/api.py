"""The messages area's HTTP API under ``/api/v1/plugins/crisis_mode``: ``/messages`` for the
crisis management and the agents, ``/public/…`` (no sign-in) for the crisis page and the
CAP 1.2 feed. Only translation to :mod:`plugins.crisis_mode.messages.service`."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter

from core import paging
from core.clock import iso_utc
from core.errors import NotFound
from core.web.security import principal_of
from core.web.types import IdPath, bounded_int, text
from plugins.crisis_mode.messages import cap, page, service

LanguageCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}$")]
LanguageQuery = Annotated[str | None, QueryParameter(pattern=r"^[a-z]{2,3}$")]
IdentifierPath = Annotated[str, PathParameter(pattern=r"^[^\s,<&\x00]{1,200}$", max_length=200)]
Epoch = bounded_int(0, 2**40)
Category = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
]  # fmt: skip
ResponseType = Literal[
    "", "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear",
    "None",
]  # fmt: skip
Urgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Certainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
TIME_FIELDS = (
    "created_at", "updated_at", "approved_at", "rejected_at", "superseded_at", "expires_at",
    "cancelled_at", "at",
)  # fmt: skip


class TextBody(msgspec.Struct, forbid_unknown_fields=True):
    """The message in one language."""

    language: LanguageCode
    title: text(service.MAX_TITLE, 1)  # type: ignore[valid-type]
    body: text(service.MAX_BODY, 1)  # type: ignore[valid-type]
    instruction: text(service.MAX_INSTRUCTION) = ""  # type: ignore[valid-type]
    ivr_text: text(service.MAX_IVR) = ""  # type: ignore[valid-type]


class DraftBody(msgspec.Struct, forbid_unknown_fields=True):
    """A draft: its texts (Swedish required) and the CAP alert's fields."""

    texts: Annotated[list[TextBody], msgspec.Meta(min_length=1, max_length=30)]
    category: Category = "Safety"
    event_type: text(service.MAX_EVENT) = ""  # type: ignore[valid-type]
    response_type: ResponseType = ""
    urgency: Urgency = "Immediate"
    severity: Severity = "Severe"
    certainty: Certainty = "Observed"
    area_desc: text(service.MAX_AREA) = ""  # type: ignore[valid-type]
    web: text(service.MAX_WEB) = ""  # type: ignore[valid-type]
    expires_at: Epoch | None = None
    exercise: bool | None = None
    expected_version: bounded_int(1, 1_000_000) | None = None  # type: ignore[valid-type]


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: text(service.MAX_NOTE) = ""  # type: ignore[valid-type]


class CancelBody(msgspec.Struct, forbid_unknown_fields=True):
    note: text(service.MAX_NOTE) = ""  # type: ignore[valid-type]


class ApproveBody(msgspec.Struct, forbid_unknown_fields=True):
    """Approval takes no fields (the body is there so nothing is approved by accident)."""


class PublishBody(msgspec.Struct, forbid_unknown_fields=True):
    """Publishing again takes no fields."""


def _draft(body: DraftBody) -> service.DraftInput:
    return service.DraftInput(
        texts=[
            service.TextInput(t.language, t.title, t.body, t.instruction, t.ivr_text)
            for t in body.texts
        ],
        category=body.category,
        event_type=body.event_type,
        response_type=body.response_type,
        urgency=body.urgency,
        severity=body.severity,
        certainty=body.certainty,
        area_desc=body.area_desc,
        web=body.web,
        expires_at=body.expires_at,
        exercise=body.exercise,
    )


def _times(value: Any) -> Any:
    """Epoch fields as ISO 8601 UTC text, all the way down (the API's one time format)."""
    if isinstance(value, list):
        return [_times(v) for v in value]
    if isinstance(value, dict):
        return {
            k: iso_utc(v) if k in TIME_FIELDS and isinstance(v, int) else _times(v)
            for k, v in value.items()
        }
    return value


class MessagesController(Controller):
    path = "/messages"
    tags = ["crisis mode: messages"]

    @get("/", opt={"permission": "crisis.view"}, summary="Crisis message versions, newest first")
    async def list_versions(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = paging.DEFAULT_LIMIT
    ) -> dict[str, Any]:
        return _times(await service.list_versions(cursor, limit))

    @post("/", opt={"permission": "crisis.write"}, status_code=201, summary="Write a draft")
    async def create_draft(self, request: Request, data: JSONBody[DraftBody]) -> dict[str, Any]:
        """A new draft version of the open crisis message (a new message when none is open)."""
        actor = principal_of(request).username
        return _times(await service.create_draft(actor, _draft(data)))

    @get(
        "/current",
        opt={"permission": "crisis.view"},
        summary="The approved text per language (what agents say beside a crisis contact)",
    )
    async def current(self, language: LanguageQuery = None) -> dict[str, Any]:
        from plugins.crisis_mode.activation import events as crisis_events

        event = await crisis_events.current()
        items = await service.current_approved(language)
        return _times(
            {
                "active": event is not None,
                "exercise": bool(items and items[0]["exercise"])
                or bool(event and event["exercise"]),
                "event_id": event["id"] if event else None,
                "languages": [
                    {"code": c, "name": service.language_name(c), "dir": service.direction(c)}
                    for c in service.languages()
                ],
                "page_url": service.page_url(),
                "items": items,
            }
        )

    @get("/history/{event_id:int}", opt={"permission": "crisis.view"}, summary="Event's messages")
    async def history(self, event_id: IdPath) -> dict[str, Any]:
        """Every version of the event's messages with its approvals (the record)."""
        items = await service.history(event_id)
        return _times({"items": items, "next_cursor": None, "total": len(items)})

    @get("/{version_id:int}", opt={"permission": "crisis.view"}, summary="One version")
    async def get_version(self, version_id: IdPath) -> dict[str, Any]:
        return _times(await service.get_version(version_id))

    @put("/{version_id:int}", opt={"permission": "crisis.write"}, summary="Change a draft")
    async def update_draft(
        self, request: Request, version_id: IdPath, data: JSONBody[DraftBody]
    ) -> dict[str, Any]:
        actor = principal_of(request).username
        return _times(
            await service.update_draft(actor, version_id, _draft(data), data.expected_version)
        )

    @post(
        "/{version_id:int}/approve",
        opt={"permission": "crisis.manage"},
        status_code=200,
        summary="Approve a draft (another user than its authors)",
    )
    async def approve(
        self, request: Request, version_id: IdPath, data: JSONBody[ApproveBody]
    ) -> dict[str, Any]:
        return _times(await service.approve(principal_of(request).username, version_id))

    @post(
        "/{version_id:int}/reject",
        opt={"permission": "crisis.manage"},
        status_code=200,
        summary="Send a draft back",
    )
    async def reject(
        self, request: Request, version_id: IdPath, data: JSONBody[ReasonBody]
    ) -> dict[str, Any]:
        actor = principal_of(request).username
        return _times(await service.reject(actor, version_id, data.reason))

    @post(
        "/cancel",
        opt={"permission": "crisis.manage"},
        status_code=200,
        summary="Cancel the open crisis message (CAP Cancel)",
    )
    async def cancel(self, request: Request, data: JSONBody[CancelBody]) -> dict[str, Any]:
        return _times(await service.cancel(principal_of(request).username, data.note))

    @post(
        "/publish",
        opt={"permission": "crisis.manage"},
        status_code=200,
        summary="Publish the approved message again (IVR, knowledge base) for the active event",
    )
    async def publish(self, request: Request, data: JSONBody[PublishBody]) -> dict[str, Any]:
        from plugins.crisis_mode.activation import events as crisis_events

        event = await crisis_events.current()
        return await service.publish(event, principal_of(request).username)


def _base(request: Request) -> str:
    return service.public_base() or str(request.base_url).rstrip("/")


_cache: dict[tuple[str, ...], tuple[int, Any]] = {}


def _hour() -> str:
    """The current hour: the feed's window of recently cancelled alerts moves with time."""
    return str(int(time.time()) // 3600)


async def _cached(key: tuple[str, ...], produce: Any) -> Any:
    """A public document, built again only when a message changed since (every change
    writes a log line, so the log's highest id is the messages' stamp; one point query per
    request in every API process, instead of building the document for each reader)."""
    stamp = await service.stamp()
    hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = await produce()
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = (stamp, value)
    return value


class PublicController(Controller):
    path = "/public"
    tags = ["crisis mode: public"]

    @get(
        "/page",
        opt={"public": True, "media_types": ("text/html",)},
        summary="The public crisis page (HTML, no script)",
    )
    async def crisis_page(self, request: Request, lang: LanguageQuery = None) -> Response[str]:
        accept = request.headers.get("accept-language")
        configured = service.languages()
        wanted = (lang or "", *page.preferences(accept, configured))

        async def produce() -> tuple[str, str, str]:
            html, chosen = await page.render(lang, accept)
            return html, chosen, page.etag(html)

        html, chosen, tag = await _cached(("page", *wanted), produce)
        headers = page.page_headers(chosen, tag)
        if tag in request.headers.get("if-none-match", ""):
            return Response("", status_code=304, headers=headers)
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)

    @get(
        "/cap.xml",
        opt={"public": True, "media_types": (cap.CAP_MEDIA,)},
        summary="The current CAP 1.2 alert",
    )
    async def current_alert(self, request: Request) -> Response[bytes]:
        base = _base(request)

        async def produce() -> bytes | None:
            alerts = await cap.current_alerts()
            return await cap.by_identifier(alerts[0]["identifier"], base) if alerts else None

        body = await _cached(("cap", base, _hour()), produce)
        if body is None:
            raise NotFound("There is no current CAP alert")
        return Response(body, media_type=cap.CAP_MEDIA, headers={"Cache-Control": "max-age=30"})

    @get(
        "/cap/{identifier:str}",
        opt={"public": True, "media_types": (cap.CAP_MEDIA,)},
        summary="One CAP 1.2 alert by its identifier",
    )
    async def alert(self, request: Request, identifier: IdentifierPath) -> Response[bytes]:
        base = _base(request)
        body = await _cached(
            ("alert", base, identifier), lambda: cap.by_identifier(identifier, base)
        )
        return Response(body, media_type=cap.CAP_MEDIA, headers={"Cache-Control": "max-age=30"})

    @get(
        "/alerts.atom",
        opt={"public": True, "media_types": (cap.ATOM_MEDIA,)},
        summary="Atom index of the current CAP alerts",
    )
    async def index(self, request: Request) -> Response[bytes]:
        base = _base(request)
        body = await _cached(("atom", base, _hour()), lambda: cap.atom_index(base))
        return Response(body, media_type=cap.ATOM_MEDIA, headers={"Cache-Control": "max-age=30"})


ROUTES = [MessagesController, PublicController]
