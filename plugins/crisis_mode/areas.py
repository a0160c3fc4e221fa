"""The plugin's areas, each a package with its own tables, routes, periodic tasks and demo
data. Every area package offers ``tables()``, ``routes()``, ``periodic_tasks()``,
``event_types()`` and ``async seed_demo(rng, actor)``; the hook implementations in
``plugins.crisis_mode`` gather them in this order (the order of the demo data, too).
"""

from __future__ import annotations

import importlib
from types import ModuleType

AREAS = (
    "activation",
    "messages",
    "situation",
)


def modules() -> list[ModuleType]:
    """The area packages, imported."""
    return [importlib.import_module(f"plugins.crisis_mode.{area}") for area in AREAS]
