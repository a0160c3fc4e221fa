"""Activation and deactivation (audited, live banner), the prepared plan and its steps run
through core hooks, SLA calendar override and paused case types."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.crisis_mode.activation.tables import CrisisEvent, CrisisPlanStep, CrisisTimeline

    return [CrisisEvent, CrisisPlanStep, CrisisTimeline]


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.crisis_mode.activation.api import ROUTES

    return list(ROUTES)


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks."""
    return []


def event_types() -> list[Any]:
    """This area's live-event types."""
    from core.contracts import EventType
    from plugins.crisis_mode.activation.service import MODE_CHANGED, PLAN_STEP

    return [
        EventType(MODE_CHANGED, "events.subscribe", "Crisis mode was switched on or off"),
        EventType(
            PLAN_STEP, "crisis.view", "A step of the crisis plan was done, skipped or failed"
        ),
    ]


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data: the prepared plan and an exercise activated by the crisis team."""
    from plugins.crisis_mode.activation import demo

    await demo.seed(actor)
