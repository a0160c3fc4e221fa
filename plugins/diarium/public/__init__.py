"""The public side: the webbdiarium (public fields only) and requests for public documents
(begäran om allmän handling) with their timer, masking and refusal decisions."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.diarium.public.tables import TABLES

    return list(TABLES)


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.diarium.public import api, page

    return [*page.ROUTES, *api.ROUTES]


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks (none: the core's SLA sweep runs the requests' timers)."""
    return []


def event_types() -> list[Any]:
    """This area's live-event types."""
    from core.contracts import EventType

    return [
        EventType(
            "diarium.request_received",
            "diarium.requests",
            "A request for public documents has been received",
        ),
        EventType(
            "diarium.request_overdue",
            "diarium.requests",
            "A request for public documents is about to miss or has missed its time",
        ),
    ]


def sla_breached(case: dict[str, Any], kind: str, level: int) -> None:
    """The core's SLA sweep warned of or breached a case (the plugin's ``sla_breached``
    hook): the requests' own alarm."""
    from plugins.diarium.public import alarms

    alarms.sla_breached(case, kind, level)


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data: requests for public documents in several states."""
    from plugins.diarium.public import demo

    await demo.seed(rng, actor)
