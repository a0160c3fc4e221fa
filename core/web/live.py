"""The live-event websocket (``/api/v1/events``) and ``POST /api/v1/events/notice``.

The socket takes the token from ``Authorization: Bearer`` or ``?token=`` (browsers cannot set
headers on websockets); a connection without a valid token is refused before it is accepted.
When a user's sessions end (logout, new password, account disabled) a ``system.session_ended``
event makes their open sockets re-check the token and close with code 4401 if it is no longer
valid; a client's ``ping`` does the same check.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, WebSocket, post, websocket
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import JSONBody

from core import audit, db, events
from core.auth.service import authenticate
from core.contracts import Event
from core.errors import InvalidInput
from core.web.security import principal_of
from core.web.types import text

log = logging.getLogger(__name__)

NOTICE = "system.notice"
LEAD_NOTICE = "system.lead_notice"
CLOSE_UNAUTHORIZED = 4401
MAX_NOTICE_LENGTH = 500


async def _token_valid(token: str) -> bool:
    try:
        return await authenticate(token) is not None
    except Exception:  # the database is briefly unreachable: keep the socket open
        log.warning("could not re-check a live-event token", exc_info=True)
        return True


@websocket("/api/v1/events", opt={"permission": "events.subscribe"})
async def events_socket(socket: WebSocket, channels: NamedDependency[ChannelsPlugin]) -> None:
    """Stream the live events this user may see, as JSON text frames.

    The first frame is ``{"type": "hello"}``, sent once the subscription is live; the client may
    send ``ping`` and gets ``{"type": "pong"}``.
    """
    principal = principal_of(socket)
    token = str(socket.auth or "")
    await socket.accept()
    closed = asyncio.Event()

    async def close_if_signed_out() -> None:
        if not closed.is_set() and not await _token_valid(token):
            closed.set()
            await socket.close(code=CLOSE_UNAUTHORIZED, reason="session ended")

    async def forward(raw: bytes) -> None:
        message = json.loads(raw)
        if message.get("type") == events.SESSION_ENDED:
            if principal.username in (message.get("users") or []):
                await close_if_signed_out()
            return
        if closed.is_set():
            return
        if events.visible_to(message, principal.username, principal.permissions):
            message.pop("users", None)
            await socket.send_json(message)

    async with (
        channels.start_subscription([events.channel_name()]) as subscriber,
        subscriber.run_in_background(forward),
    ):
        await socket.send_json({"type": "hello", "data": {"user": principal.username}})
        try:
            while not closed.is_set():
                text = await socket.receive_text()
                if text == "ping":
                    await close_if_signed_out()
                    if not closed.is_set():
                        await socket.send_json({"type": "pong", "data": {}})
        except (WebSocketDisconnect, asyncio.CancelledError, RuntimeError):
            pass


class NoticeBody(msgspec.Struct, forbid_unknown_fields=True):
    """A notice to signed-in users; ``audience`` ``leads`` reaches only those who may
    broadcast (supervisors, crisis team, IT); ``users`` narrows it to some usernames."""

    message: text(MAX_NOTICE_LENGTH, 1)
    audience: Literal["everyone", "leads"] = "everyone"
    users: Annotated[list[text(64, 1)], msgspec.Meta(max_length=200)] = msgspec.field(
        default_factory=list
    )


@post(
    "/api/v1/events/notice",
    opt={"permission": "events.broadcast"},
    status_code=202,
    tags=["events"],
    summary="Send a notice to signed-in users as a live event (audited)",
)
async def post_notice(request: Request, data: JSONBody[NoticeBody]) -> dict[str, Any]:
    """Publish a ``system.notice`` (or ``system.lead_notice``) event after the audit commit."""
    text = data.message.strip()
    if not text:
        raise InvalidInput("The message must not be empty")
    sender = principal_of(request).username
    kind = NOTICE if data.audience == "everyone" else LEAD_NOTICE
    users = tuple(sorted(set(data.users)))
    event = Event(kind, {"message": text, "from": sender}, users=users)
    events.encode(event)  # refuses an unregistered type before anything is recorded
    async with db.transaction():
        audit.record(
            sender, "events.notice", "event", kind, {"message": text, "users": list(users)}
        )
        db.on_commit(lambda: events.publish(event))
    return {"type": kind, "message": text, "users": list(users)}
