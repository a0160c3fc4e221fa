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
    return []


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks."""
    return []


def event_types() -> list[Any]:
    """This area's live-event types."""
    return []


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data."""
