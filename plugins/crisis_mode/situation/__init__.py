"""The situation picture (lägesbild): topics, tagged contacts per hour/channel/area, rising
topics, unanswered questions; on-call roster and call-in, shifts; the event's record and its
export.

Modules: ``topics`` (topics and areas the crisis team keeps), ``tagging`` (crisis contacts
tagged), ``situation`` (the lägesbild: report, ``chart`` and text, kept with the event, hourly
by the worker), ``roster`` (people on call and the call-in), ``shifts`` (24/7 shifts, who is
signed in now), ``record`` (the event's record as JSON, CSV or PDF), ``links`` (the other
areas' contracts), ``api`` and ``demo``.

Contracts for the other areas: ``roster.call_in(event_id, actor)``,
``situation.build(event_id, ...)`` and ``record.export(event_id, fmt)``.
"""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.crisis_mode.situation.tables import TABLES

    return list(TABLES)


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.crisis_mode.situation.api import ROUTES

    return list(ROUTES)


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks: the hourly lägesbild while a crisis is active."""
    from core.contracts import PeriodicTask
    from plugins.crisis_mode.situation.situation import run_hourly

    return [PeriodicTask("crisis_mode.situation_hourly", run_hourly, minute="0")]


def event_types() -> list[Any]:
    """This area's live-event types."""
    from core.contracts import EventType

    return [
        EventType(
            "crisis.situation_report",
            "crisis.view",
            "A lägesbild was made and kept (with the topics rising fast)",
        )
    ]


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data: topics, areas, a roster, and — when the demo has an active
    crisis event — tagged contacts over some hours with one rising topic."""
    from plugins.crisis_mode.situation import demo

    await demo.seed(rng, actor)
