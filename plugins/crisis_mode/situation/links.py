"""The situation area's only ways into the other areas of the plugin: the crisis events of
``activation`` (C1's contract ``plugins.crisis_mode.activation.events``) and the message
history of ``messages`` (``plugins.crisis_mode.messages.service``). Imported lazily, so this
area loads while the others are being built."""

from __future__ import annotations

import time
from typing import Any


async def event(event_id: int) -> dict[str, Any]:
    """The crisis event (NotFound from the activation area for an unknown id)."""
    from plugins.crisis_mode.activation import events

    return await events.get(event_id)


async def current() -> dict[str, Any] | None:
    """The active crisis event, or None."""
    from plugins.crisis_mode.activation import events

    return await events.current()


async def timeline(event_id: int) -> list[dict[str, Any]]:
    """Activation, plan steps and deactivation of the event."""
    from plugins.crisis_mode.activation import events

    return await events.timeline(event_id)


async def message_history(event_id: int) -> list[dict[str, Any]]:
    """Every version of the event's crisis messages with its approvals."""
    from plugins.crisis_mode.messages import service

    return await service.history(event_id)


def window(event: dict[str, Any], now: int | None = None) -> tuple[int, int]:
    """[start, end) of the event in epoch seconds: from activation up to and including the
    second of deactivation (or of now, while active), so a contact taken in the very second
    the crisis ends still belongs to it."""
    start = int(event["activated_at"])
    end = event.get("deactivated_at")
    if end is None:
        end = int(now if now is not None else time.time())
    return start, max(start + 1, int(end) + 1)


def is_active(event: dict[str, Any]) -> bool:
    return event.get("status") == "active"
