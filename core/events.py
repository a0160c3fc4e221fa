"""Live events to desktop clients over an authenticated websocket (``/api/v1/events``).

Built on Litestar's channels: an in-memory backend on one box, Redis pub/sub when
``KONTAKT_REDIS_URL`` is set, so an event published by any API process reaches clients
connected to any other. Each event type names the permission needed to receive it, and an
event may be narrowed to some usernames.

The websocket endpoint itself and ``POST /api/v1/events/notice`` live in
:mod:`core.web.live` (they need authentication and the audit trail, which sit above this
module).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.contracts import Event, EventType
from core.settings import Settings

if TYPE_CHECKING:  # Litestar is imported only by the server, keeping the CLI quick to start
    from litestar.channels import ChannelsPlugin

log = logging.getLogger(__name__)

_channels: ChannelsPlugin | None = None
_channel = "kontakt-events"
_redis_url = ""
_relay_path: Path | None = None  # one box: the API process's relay socket (core.live_relay)
_types: dict[str, EventType] = {}

SESSION_ENDED = "system.session_ended"


def channel_name() -> str:
    """The pub/sub channel every API process of this installation shares."""
    return _channel


class UnknownEventType(ValueError):
    pass


def configure_publisher(settings: Settings) -> None:
    """Let a process without the web app (the worker, the CLI) publish: with Redis its events
    go straight to the pub/sub channel every API process listens to; on one box they go to
    the API process through the relay socket (:mod:`core.live_relay`)."""
    global _channel, _redis_url, _relay_path
    from core import live_relay

    _channel = f"{settings.instance_name}-events"
    _redis_url = settings.redis_url
    _relay_path = None if settings.redis_url else live_relay.socket_path(settings)


def relay_path() -> Path | None:
    """Where the API process listens for events relayed from other processes (one box)."""
    return _relay_path if _channels is not None else None


def deliver_relayed(text: str) -> None:
    """Publish an event another process of this box encoded (a registered type only)."""
    if _channels is None:
        return
    if json.loads(text).get("type") not in _types:
        log.warning("relayed live event of an unknown type ignored")
        return
    _channels.publish(text, _channel)


def make_channels(settings: Settings) -> ChannelsPlugin:
    """The channels plugin for these settings (memory or Redis pub/sub)."""
    from litestar.channels import ChannelsPlugin
    from litestar.channels.backends.memory import MemoryChannelsBackend
    from litestar.channels.backends.redis import RedisChannelsPubSubBackend

    global _channels, _channel
    _channel = f"{settings.instance_name}-events"
    if settings.redis_url:
        from redis.asyncio import Redis

        backend: Any = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    else:
        backend = MemoryChannelsBackend()
    _channels = ChannelsPlugin(backend=backend, channels=[_channel])
    return _channels


def install_types(types: list[EventType]) -> None:
    """Replace the registry of event types (collected from ``register_event_types``)."""
    global _types
    _types = {item.name: item for item in types}


def event_types() -> list[EventType]:
    """Every registered live-event type, by name."""
    return sorted(_types.values(), key=lambda t: t.name)


def encode(event: Event) -> str:
    """The wire form of an event; refuses types nobody registered."""
    if event.type not in _types:
        raise UnknownEventType(f"unknown live event type {event.type!r}")
    return json.dumps(
        {"type": event.type, "data": event.data, "users": list(event.users), "at": time.time()},
        ensure_ascii=False,
        default=str,
    )


def publish(event: Event) -> None:
    """Send an event to every connected user allowed to see it (all API processes)."""
    if _channels is not None:
        _channels.publish(encode(event), _channel)
    elif _redis_url:
        _redis_client().publish(_channel, encode(event).encode())
    elif _relay_path is not None:
        # One box without Redis: only the API process holds the in-memory channel.
        from core import live_relay

        live_relay.send(_relay_path, encode(event))
    else:
        log.debug("no live-event channel in this process; dropped %s", event.type)


def _redis_client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(_redis_url)
    return _redis


_redis: Any = None


def visible_to(message: dict[str, Any], username: str, permissions: frozenset[str]) -> bool:
    """May this user see this (decoded) event: the type's permission, and the user narrowing."""
    kind = _types.get(message.get("type", ""))
    if kind is None or kind.permission not in permissions:
        return False
    users = message.get("users") or []
    return not users or username in users
