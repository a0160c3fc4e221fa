"""The crisis mode plugin ``crisis_mode``: in one audited step the contact center becomes the
municipality's information central — the prepared plan run through core hooks, one approved
text on every output, the situation picture and the event's record.

This module holds the hook implementations only; they gather what each area package
(``plugins.crisis_mode.areas``) offers:
- ``activation``: Activation and deactivation (audited, live banner), the prepared plan and its
  steps run through core hooks, SLA calendar override and paused case types.
- ``messages``: Crisis messages: draft → approved by another user, versioned, in several
  languages; published as IVR text, knowledge-base script/FAQ, public crisis page and a CAP 1.2
  feed.
- ``situation``: The situation picture (lägesbild): topics, tagged contacts per
  hour/channel/area, rising topics, unanswered questions; on-call roster and call-in, shifts;
  the event's record and its export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import i18n
from core.contracts import EventType, PeriodicTask, Permission
from core.hookspecs import hookimpl

PLUGIN_DIR = Path(__file__).resolve().parent


@hookimpl
def register_piccolo_app() -> Any:
    from plugins.crisis_mode.piccolo_app import APP_CONFIG

    return APP_CONFIG


@hookimpl
def register_routes() -> list[Any]:
    from plugins.crisis_mode import areas

    return [route for area in areas.modules() for route in area.routes()]


@hookimpl
def register_permissions() -> list[Permission]:
    from plugins.crisis_mode.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_event_types() -> list[EventType]:
    from plugins.crisis_mode import areas

    return [event for area in areas.modules() for event in area.event_types()]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from plugins.crisis_mode import areas

    return [task for area in areas.modules() for task in area.periodic_tasks()]


@hookimpl
def plugin_setup(config: dict[str, Any]) -> None:
    from plugins.crisis_mode import areas, runtime

    for area in areas.modules():
        i18n.add_locale_dir(Path(area.__file__).parent / "locale")
    runtime.configure(config)


@hookimpl
async def seed_demo_data(rng: Any, actor: str) -> None:
    from plugins.crisis_mode import areas

    for area in areas.modules():
        await area.seed_demo(rng, actor)
