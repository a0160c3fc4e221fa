"""The telephony plugin's HTTP API, mounted at ``/api/v1/plugins/telephony_centrex``.

Only translation to the services: the switch's webhook (public, guarded by the token), the
agent's wrap-up, presence, call-backs, talsvar messages and the driver's state.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.params import Body, PathParameter, QueryParameter

from core.errors import DomainError
from core.web.security import principal_of
from core.web.types import NO_NUL, Id, text, text_path
from plugins.telephony_centrex import presence, runtime, service
from plugins.telephony_centrex.drivers import webhook

log = logging.getLogger(__name__)

SourcePath = Annotated[str, PathParameter(pattern=r"^[a-z0-9_-]{1,20}$")]
CallIdPath = Annotated[str, text_path(120)]
GroupQuery = Annotated[str | None, QueryParameter(pattern=NO_NUL, max_length=60)]
TokenQuery = Annotated[str | None, QueryParameter(pattern=NO_NUL, max_length=200)]


class WrapUpBody(msgspec.Struct, forbid_unknown_fields=True):
    """What the agent adds to the call's contact."""

    summary: text(10000) = ""  # type: ignore[valid-type]
    case_type: text(60) | None = None  # type: ignore[valid-type]
    resolved_first_contact: bool = False
    open_case: bool = False
    join_case: text(40) | None = None  # type: ignore[valid-type]
    subject: text(200) = ""  # type: ignore[valid-type]
    party_id: Id | None = None
    language: Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}$")] = "sv"


class PresenceBody(msgspec.Struct, forbid_unknown_fields=True):
    """Sign in (ready), pause (with a reason) or sign out, in some answer groups."""

    state: text(12, 1)  # type: ignore[valid-type]
    reason: text(60) = ""  # type: ignore[valid-type]
    groups: Annotated[list[text(60, 1)], msgspec.Meta(max_length=50)] | None = None  # type: ignore[valid-type]


class WebhookController(Controller):
    path = "/webhook"
    tags = ["telephony"]

    @post(
        "/{source:str}",
        opt={"public": True},
        status_code=200,
        summary="Call events from the switch (Zammad/sipgate CTI shape), guarded by the token",
    )
    async def receive(
        self, request: Request, source: SourcePath, token: TokenQuery = None
    ) -> Response:
        webhook.check_token(webhook.token_of(request.headers, token))
        content_type = request.headers.get("content-type", "")
        try:
            fields, as_json = webhook.read_body(await request.body(), content_type)
            event = webhook.to_event(source, fields)
            result = await service.ingest(event)
        except DomainError as exc:
            if exc.status == 400:
                log.warning("telephony webhook %s: refused event (%s)", source, exc)
            raise
        wants_json = as_json or "json" in request.headers.get("accept", "")
        body, media = webhook.render_action(result.action, wants_json)
        return Response(body, media_type=media)


class CallController(Controller):
    path = "/calls"
    tags = ["telephony"]

    @get(
        "/{source:str}/{call_id:str}",
        opt={"permission": "telephony.use"},
        summary="One call as the switch reported it",
    )
    async def show(self, source: SourcePath, call_id: CallIdPath) -> dict[str, Any]:
        return await service.get_call(source, call_id)

    @post(
        "/{source:str}/{call_id:str}/wrapup",
        opt={"permission": "telephony.use"},
        status_code=201,
        summary="Wrap up an ended call: it is registered as a contact with case type and summary",
    )
    async def wrap_up(
        self,
        request: Request,
        source: SourcePath,
        call_id: CallIdPath,
        data: Annotated[WrapUpBody, Body()],
    ) -> dict[str, Any]:
        wrap = service.WrapUp(**msgspec.structs.asdict(data))
        number = await service.wrap_up(principal_of(request), source, call_id, wrap)
        return {"contact": number, "call": await service.get_call(source, call_id)}


class PresenceController(Controller):
    path = "/presence"
    tags = ["telephony"]

    @get(
        "/",
        opt={"permission": "telephony.use"},
        summary="Signed-in agents with state, groups, competence and case types",
    )
    async def list_agents(self, group: GroupQuery = None) -> list[dict[str, Any]]:
        return await presence.signed_in(group)

    @put("/me", opt={"permission": "telephony.use"}, summary="Sign in, pause or sign out")
    async def set_mine(
        self, request: Request, data: Annotated[PresenceBody, Body()]
    ) -> dict[str, Any]:
        username = principal_of(request).username
        return await presence.set_state(username, data.state, data.reason, data.groups)


class DriverController(Controller):
    path = "/driver"
    tags = ["telephony"]

    @get("/", opt={"permission": "telephony.admin"}, summary="The switch driver and its state")
    async def show(self) -> dict[str, Any]:
        return runtime.driver().describe()


ROUTES = [WebhookController, CallController, PresenceController, DriverController]
