"""Disposal (gallring by decision) and export of closed case files to the e-archive in FGS 2.0
(E-ARK CSIP/SIP with CITS ERMS)."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    return []


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
