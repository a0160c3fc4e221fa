"""The shared diarium plugin ``diarium``: one public-records registry for the whole municipality
(OSL 5 kap), with scanned post and the shared mailbox flowing into it as drafts, a public
webbdiarium, requests for public documents, disposal and export to the e-archive.

This module holds the hook implementations only; they gather what each area package
(``plugins.diarium.areas``) offers:
- ``registry``: The registry: diary series and gap-free numbers, case files (akter), documents
  with public and protected text, classification plan, informationshanteringsplan, secrecy
  marking, content-addressed files.
- ``intake``: Intake: scanned post (watched folder and upload, OCR with Tesseract's Swedish
  model, PDF/A) and the shared IMAP mailbox, each becoming a draft the registrator registers.
- ``public``: The public side: the webbdiarium (public fields only) and requests for public
  documents (begäran om allmän handling) with their timer, masking and refusal decisions.
- ``archive``: Disposal (gallring by decision) and export of closed case files to the e-archive
  in FGS 2.0 (E-ARK CSIP/SIP with CITS ERMS).
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
    from plugins.diarium.piccolo_app import APP_CONFIG

    return APP_CONFIG


@hookimpl
def register_routes() -> list[Any]:
    from plugins.diarium import areas

    return [route for area in areas.modules() for route in area.routes()]


@hookimpl
def register_permissions() -> list[Permission]:
    from plugins.diarium.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_event_types() -> list[EventType]:
    from plugins.diarium import areas

    return [event for area in areas.modules() for event in area.event_types()]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from plugins.diarium import areas

    return [task for area in areas.modules() for task in area.periodic_tasks()]


@hookimpl
def plugin_setup(config: dict[str, Any]) -> None:
    from plugins.diarium import areas, runtime

    for area in areas.modules():
        i18n.add_locale_dir(Path(area.__file__).parent / "locale")
    runtime.configure(config)


@hookimpl
async def seed_demo_data(rng: Any, actor: str) -> None:
    from plugins.diarium import areas

    for area in areas.modules():
        await area.seed_demo(rng, actor)


@hookimpl
def sla_breached(case: dict[str, Any], kind: str, level: int) -> None:
    from plugins.diarium import areas

    for area in areas.modules():
        handler = getattr(area, "sla_breached", None)
        if handler is not None:
            handler(case, kind, level)
