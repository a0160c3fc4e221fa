"""Crisis messages: draft → approved by another user, versioned, in several languages; published
as IVR text, knowledge-base script/FAQ, public crisis page and a CAP 1.2 feed."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.crisis_mode.messages.tables import (
        CrisisMessage,
        CrisisMessageArticle,
        CrisisMessageLog,
        CrisisMessageText,
        CrisisMessageVersion,
    )

    return [
        CrisisMessage,
        CrisisMessageVersion,
        CrisisMessageText,
        CrisisMessageLog,
        CrisisMessageArticle,
    ]


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.crisis_mode.messages.api import ROUTES

    return list(ROUTES)


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks."""
    return []


def event_types() -> list[Any]:
    """This area's live-event types."""
    from core.contracts import EventType
    from plugins.crisis_mode.messages.service import EVENT_APPROVED

    return [
        EventType(
            EVENT_APPROVED,
            "crisis.view",
            "A new version of the crisis message was approved (agents refresh the text)",
        )
    ]


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data: an approved exercise message in Swedish, English, Arabic and
    Finnish (written by one member of the crisis team, approved by another)."""
    from plugins.crisis_mode.messages import demo

    await demo.seed(actor)
