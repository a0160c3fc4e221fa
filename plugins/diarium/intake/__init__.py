"""Intake: scanned post (watched folder and upload, OCR with Tesseract's Swedish model, PDF/A)
and the shared IMAP mailbox, each becoming a draft the registrator registers."""

from __future__ import annotations

import random
from typing import Any


def tables() -> list[Any]:
    """This area's Piccolo table classes."""
    from plugins.diarium.intake.models import TABLES

    return list(TABLES)


def routes() -> list[Any]:
    """This area's route handlers and controllers."""
    from plugins.diarium.intake.api import ROUTES

    return list(ROUTES)


def periodic_tasks() -> list[Any]:
    """This area's periodic tasks: the watched folder and the shared mailbox, every minute
    (each run does nothing when its setting is empty)."""
    from core.contracts import PeriodicTask
    from plugins.diarium.intake.mailbox import run_poll_mailbox
    from plugins.diarium.intake.scans import run_poll_folder

    return [
        PeriodicTask("diarium.intake_folder", run_poll_folder, minute="*"),
        PeriodicTask("diarium.intake_mailbox", run_poll_mailbox, minute="*/2"),
    ]


def event_types() -> list[Any]:
    """This area's live-event types."""
    from core.contracts import EventType

    return [EventType("diarium.draft_created", "diarium.register", "A new draft of incoming post")]


async def seed_demo(rng: random.Random, actor: str) -> None:
    """This area's demo data: a couple of drafts (a scanned letter, a mail)."""
    from plugins.diarium.intake.demo import seed

    await seed(rng, actor)
