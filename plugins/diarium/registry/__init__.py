"""The registry: diary series and gap-free numbers, case files (akter), documents with public
and protected text, classification plan, informationshanteringsplan, secrecy marking, content-
addressed files."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.diarium.registry.tables import TABLES

    return list(TABLES)


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.diarium.registry.api import ROUTES

    return list(ROUTES)


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks."""
    return []


def event_types() -> list[Any]:
    """This area's live-event types."""
    from core.contracts import EventType
    from plugins.diarium.registry.documents import REGISTERED

    return [EventType(REGISTERED, "diarium.read", "A document was registered in the diarium")]


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data."""
    from plugins.diarium.registry import demo

    await demo.seed(rng, actor)
