"""Hook implementations for a plugin built of area packages (``plugins/<name>/areas.py`` lists
them; each area offers ``tables()``, ``routes()``, ``periodic_tasks()``, ``event_types()``,
``async seed_demo(rng, actor)``, its ``locale/`` catalogue and optionally ``sla_breached``).

A plugin's ``__init__`` installs them with ``globals().update(area_hooks(__name__))``: the host
registers the plugin module with pluggy, which finds these functions among its attributes.
The plugin package must also hold ``piccolo_app.py``, ``permissions.py`` (``PERMISSIONS``) and
``runtime.py`` (``configure(config)``); its e-mail templates, if any, are in
``<package>/templates/mail/``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import i18n
from core.hookspecs import hookimpl


def area_hooks(package: str) -> dict[str, Callable[..., Any]]:
    """The hook implementations of the area-built plugin ``package`` (e.g. ``plugins.diarium``),
    by hook name; every import is lazy, so loading the plugin module stays cheap."""

    def modules() -> list[Any]:
        return importlib.import_module(f"{package}.areas").modules()

    @hookimpl
    def register_piccolo_app() -> Any:
        return importlib.import_module(f"{package}.piccolo_app").APP_CONFIG

    @hookimpl
    def register_routes() -> list[Any]:
        return [route for area in modules() for route in area.routes()]

    @hookimpl
    def register_permissions() -> list[Any]:
        return list(importlib.import_module(f"{package}.permissions").PERMISSIONS)

    @hookimpl
    def register_event_types() -> list[Any]:
        return [event for area in modules() for event in area.event_types()]

    @hookimpl
    def register_periodic_tasks() -> list[Any]:
        return [task for area in modules() for task in area.periodic_tasks()]

    @hookimpl
    def register_mail_templates() -> list[Any]:
        folder = Path(importlib.import_module(package).__file__).parent / "templates" / "mail"
        return [folder] if folder.is_dir() else []

    @hookimpl
    def plugin_setup(config: dict[str, Any]) -> None:
        for area in modules():
            i18n.add_locale_dir(Path(area.__file__).parent / "locale")
        importlib.import_module(f"{package}.runtime").configure(config)

    @hookimpl
    async def seed_demo_data(rng: Any, actor: str) -> None:
        for area in modules():
            await area.seed_demo(rng, actor)

    @hookimpl
    def sla_breached(case: dict[str, Any], kind: str, level: int) -> None:
        for area in modules():
            handler = getattr(area, "sla_breached", None)
            if handler is not None:
                handler(case, kind, level)

    hooks = (
        register_piccolo_app,
        register_routes,
        register_permissions,
        register_event_types,
        register_periodic_tasks,
        register_mail_templates,
        plugin_setup,
        seed_demo_data,
        sla_breached,
    )
    return {hook.__name__: hook for hook in hooks}
