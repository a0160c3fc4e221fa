"""Visitor reception plugin ``visitor_reception``: visitors check in at a kiosk, their host is
told at once, the reception sees who is inside, and an evacuation roll call lists everyone.

This module holds the hook implementations only; see ``kiosks`` (pairing and the kiosk's
token), ``hosts``, ``visits`` (check-in and sign-out), ``acknowledge`` (the host's acknowledgement
and the reception's reminder), ``rollcall``, ``pdf``, ``notice``
(GDPR Art. 13), ``languages`` (the kiosk's), ``page`` (the kiosk's web page),
``rollcall_page`` (the reception's live roll call) and ``api``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import i18n
from core.contracts import EventType, PeriodicTask, Permission, PluginSetupError
from core.hookspecs import hookimpl

PLUGIN_DIR = Path(__file__).resolve().parent
HOSTS = ("agent", "reception", "registrator", "case_officer", "supervisor", "crisis_team")


@hookimpl
def register_piccolo_app() -> Any:
    from plugins.visitor_reception.piccolo_app import APP_CONFIG

    return APP_CONFIG


@hookimpl
def register_routes() -> list[Any]:
    from plugins.visitor_reception.api import ROUTES
    from plugins.visitor_reception.page import ROUTES as PAGE_ROUTES
    from plugins.visitor_reception.rollcall_page import ROUTES as ROLL_CALL_PAGE_ROUTES

    return [*ROUTES, *PAGE_ROUTES, *ROLL_CALL_PAGE_ROUTES]


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(
            "reception.desk",
            "Reception: who is inside, register and sign out visitors, the roll call",
            ("reception", "supervisor", "crisis_team"),
        ),
        Permission("reception.host", "Receive visitors: be told when they arrive", HOSTS),
        Permission(
            "reception.protected",
            "See visitors' names of protected visits (every read audited)",
            ("supervisor",),
        ),
        Permission(
            "reception.admin",
            "Pair and revoke kiosks, say who accepts visitors",
            ("it_admin", "supervisor"),
        ),  # fmt: skip
    ]


@hookimpl
def register_event_types() -> list[EventType]:
    return [
        EventType("reception.visitor_arrived", "reception.host", "A visitor has arrived"),
        EventType(
            "reception.roll_call",
            "reception.desk",
            "The roll call changed: started, or someone ticked off as safe",
        ),
        EventType(
            "reception.host_not_acknowledged",
            "reception.desk",
            "A host has not acknowledged their visitor within host_ack_minutes",
        ),
    ]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from plugins.visitor_reception.acknowledge import run_remind
    from plugins.visitor_reception.retention import run_purge
    from plugins.visitor_reception.visits import run_auto_sign_out

    return [
        PeriodicTask("visitor_reception.auto_sign_out", run_auto_sign_out, minute="*/15"),
        PeriodicTask("visitor_reception.retention", run_purge, minute="15", hour="3"),
        PeriodicTask("visitor_reception.host_reminder", run_remind, minute="*"),
    ]


@hookimpl
def register_mail_templates() -> list[Path]:
    return [PLUGIN_DIR / "templates" / "mail"]


@hookimpl
def plugin_setup(config: dict[str, Any]) -> None:
    from plugins.visitor_reception import languages, runtime

    i18n.add_locale_dir(PLUGIN_DIR / "locale")
    try:
        runtime.auto_signout_minutes(str(config.get("auto_signout_time") or "19:00"))
        languages.parse(str(config.get("kiosk_languages") or "sv,en"))
    except ValueError as exc:
        raise PluginSetupError(str(exc)) from exc
    if str(config.get("retention_action") or "anonymise") not in ("anonymise", "delete"):
        raise PluginSetupError("retention_action must be anonymise or delete")
    if int(config.get("host_ack_minutes") or 0) < 0:
        raise PluginSetupError("host_ack_minutes must be 0 (off) or more")
    runtime.configure(config)


@hookimpl
async def start_roll_call(reason: str, actor: str) -> Any:
    from plugins.visitor_reception import rollcall

    return await rollcall.start_for_hook(actor, reason)


@hookimpl
async def seed_demo_data(rng: Any, actor: str) -> None:
    from plugins.visitor_reception import demo

    await demo.seed(rng, actor)
