"""Disposal (gallring by decision) and export of closed case files to the e-archive in FGS 2.0
(E-ARK CSIP/SIP with CITS ERMS)."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.diarium.archive.tables import TABLES

    return list(TABLES)


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.diarium.archive.api import ROUTES

    return list(ROUTES)


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks: finish removing content a disposal released (a crash
    between the commit and the removal leaves it pending), and once a night collect what
    nothing in the store references any more (:mod:`.collect`)."""
    from core.contracts import PeriodicTask
    from plugins.diarium.archive.collect import run_collect
    from plugins.diarium.archive.disposal import run_finish_removals

    return [
        PeriodicTask("diarium.archive.finish_removals", run_finish_removals, minute="40"),
        PeriodicTask("diarium.archive.collect_store", run_collect, hour="3", minute="50"),
    ]


def event_types() -> list[Any]:
    """This area's live-event types."""
    return []


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data: a closed case file ready for export and a disposal proposal."""
    from plugins.diarium.archive import demo

    await demo.seed(rng, actor)
