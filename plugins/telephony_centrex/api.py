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
from core.web.types import NO_NUL, Id, IdPath, Limit, text, text_path
from plugins.telephony_centrex import callbacks, messages, presence, runtime, service
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


Epoch = Annotated[int, msgspec.Meta(ge=0, le=2**40)]
Kind = Annotated[str, msgspec.Meta(pattern=r"^(menu|closed|overload|crisis)$")]
Language = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}$")]
KindQuery = Annotated[str | None, QueryParameter(pattern=r"^(menu|closed|overload|crisis)$")]
LanguageQuery = Annotated[str | None, QueryParameter(pattern=r"^[a-z]{2}$")]
OutcomeQuery = Annotated[str, QueryParameter(pattern=r"^(pending|reached|cancelled)$")]


class CallbackBody(msgspec.Struct, forbid_unknown_fields=True):
    """A call-back an agent puts on the group's list for the citizen."""

    phone: text(40, 1)  # type: ignore[valid-type]
    answer_group: text(60) | None = None  # type: ignore[valid-type]
    preferred_from: Epoch | None = None
    preferred_to: Epoch | None = None
    notes: text(2000) = ""  # type: ignore[valid-type]
    case: text(40) | None = None  # type: ignore[valid-type]


class AttemptBody(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Annotated[str, msgspec.Meta(pattern=r"^(reached|no_answer|cancelled)$")]
    notes: text(2000) = ""  # type: ignore[valid-type]


class MenuChoice(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(pattern=r"^[0-9*#]$")]
    label: text(200, 1)  # type: ignore[valid-type]
    group: text(60) | None = None  # type: ignore[valid-type]
    action: Annotated[str, msgspec.Meta(pattern=r"^(queue|callback)$")] = "queue"
    callback_minutes: Annotated[int, msgspec.Meta(ge=5, le=10080)] | None = None


class MessageBody(msgspec.Struct, forbid_unknown_fields=True):
    """A new version (draft) of a talsvar message or of the menu."""

    kind: Kind
    language: Language = "sv"
    text: text(5000) = ""  # type: ignore[valid-type]
    menu: Annotated[list[MenuChoice], msgspec.Meta(max_length=12)] = []


class AudioBody(msgspec.Struct, forbid_unknown_fields=True):
    """An uploaded recording: a WAV file, base64 encoded (at most 10 MB)."""

    wav: Annotated[bytes, msgspec.Meta(max_length=messages.MAX_AUDIO)]


class WebhookController(Controller):
    path = "/webhook"
    tags = ["telephony"]

    @post(
        "/{source:str}",
        opt={"public": True, "own_token": True},
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


class CallbackController(Controller):
    path = "/callbacks"
    tags = ["telephony"]

    @get("/", opt={"permission": "telephony.use"}, summary="A group's call-back list")
    async def list_callbacks(
        self,
        request: Request,
        group: GroupQuery = None,
        outcome: OutcomeQuery = "pending",
        limit: Limit = 100,
    ) -> list[dict[str, Any]]:
        return await callbacks.group_list(principal_of(request), group, outcome, limit)

    @post(
        "/",
        opt={"permission": "telephony.use"},
        status_code=201,
        summary="Put a call-back on the group's list for the citizen, with its agreed time",
    )
    async def offer(
        self, request: Request, data: Annotated[CallbackBody, Body()]
    ) -> dict[str, Any]:
        return await callbacks.offer(
            principal_of(request),
            data.phone,
            data.answer_group,
            data.preferred_from,
            data.preferred_to,
            data.notes,
            data.case,
        )

    @post(
        "/{callback_id:int}/attempt",
        opt={"permission": "telephony.use"},
        status_code=200,
        summary="Record a call-back attempt and its outcome",
    )
    async def attempt(
        self, request: Request, callback_id: IdPath, data: Annotated[AttemptBody, Body()]
    ) -> dict[str, Any]:
        return await callbacks.attempt(principal_of(request), callback_id, data.outcome, data.notes)

    @post(
        "/{callback_id:int}/dial",
        opt={"permission": "telephony.use"},
        status_code=200,
        summary="Dial the call-back through the switch (where the driver can)",
    )
    async def dial(self, request: Request, callback_id: IdPath) -> dict[str, Any]:
        return await callbacks.dial(principal_of(request), callback_id)


class MessageController(Controller):
    path = "/messages"
    tags = ["telephony"]

    @get("/", opt={"permission": "telephony.messages"}, summary="Talsvar messages, every version")
    async def list_messages(
        self, kind: KindQuery = None, language: LanguageQuery = None
    ) -> list[dict[str, Any]]:
        return await messages.list_messages(kind, language)

    @post(
        "/",
        opt={"permission": "telephony.messages"},
        status_code=201,
        summary="A new draft version of a message or of the menu",
    )
    async def create(
        self, request: Request, data: Annotated[MessageBody, Body()]
    ) -> dict[str, Any]:
        menu = [msgspec.structs.asdict(choice) for choice in data.menu]
        return await messages.create_draft(
            principal_of(request).username, data.kind, data.language, data.text, menu
        )

    @get("/{message_id:int}", opt={"permission": "telephony.messages"}, summary="One version")
    async def show(self, message_id: IdPath) -> dict[str, Any]:
        return await messages.get(message_id)

    @post(
        "/{message_id:int}/render",
        opt={"permission": "telephony.messages"},
        status_code=200,
        summary="Render the draft's text to speech (espeak-ng)",
    )
    async def render(self, request: Request, message_id: IdPath) -> dict[str, Any]:
        return await messages.render(principal_of(request).username, message_id)

    @put(
        "/{message_id:int}/audio",
        opt={"permission": "telephony.messages"},
        summary="Upload a recording (WAV) for the draft",
    )
    async def upload(
        self, request: Request, message_id: IdPath, data: Annotated[AudioBody, Body()]
    ) -> dict[str, Any]:
        return await messages.upload(principal_of(request).username, message_id, data.wav)

    @get(
        "/{message_id:int}/audio",
        opt={"permission": "telephony.messages"},
        summary="The recording, for the operator's portal",
    )
    async def download(self, message_id: IdPath) -> Response:
        name, data = await messages.audio(message_id)
        return Response(
            data,
            media_type="audio/wav",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @post(
        "/{message_id:int}/activate",
        opt={"permission": "telephony.messages"},
        status_code=200,
        summary="Make the version active (pushed to the switch or marked for export)",
    )
    async def activate(self, request: Request, message_id: IdPath) -> dict[str, Any]:
        return await messages.activate(principal_of(request).username, message_id)


def routes() -> list[Any]:
    """Every route of the plugin: these and the wallboard's and history imports'."""
    from plugins.telephony_centrex import imports, wallboard

    return [*ROUTES, *wallboard.ROUTES, *imports.ROUTES]


ROUTES = [
    WebhookController,
    CallController,
    PresenceController,
    CallbackController,
    MessageController,
    DriverController,
]
