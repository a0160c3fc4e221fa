"""Telephony plugin ``telephony_centrex``: calls from a Centrex or Asterisk switch become
contacts, ring on the agents' screens, and fill the call-back list and the statistics.

This module holds the hook implementations only; see ``service`` (ingest), ``drivers``,
``screenpop``, ``presence``, ``callbacks`` and ``messages``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import i18n
from core.contracts import EventType, PeriodicTask, Permission, PluginSetupError
from core.hookspecs import hookimpl

PLUGIN_DIR = Path(__file__).resolve().parent


@hookimpl
def register_piccolo_app() -> Any:
    from plugins.telephony_centrex.piccolo_app import APP_CONFIG

    return APP_CONFIG


@hookimpl
def register_routes() -> list[Any]:
    from plugins.telephony_centrex.api import ROUTES
    from plugins.telephony_centrex.imports import ROUTES as IMPORT_ROUTES
    from plugins.telephony_centrex.wallboard import ROUTES as WALLBOARD_ROUTES

    return [*ROUTES, *WALLBOARD_ROUTES, *IMPORT_ROUTES]


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(
            "telephony.use",
            "Take calls: screen pop, presence, wrap-up and call-backs",
            ("agent", "case_officer", "supervisor", "crisis_team", "reception"),
        ),
        Permission("telephony.supervise", "See and act for every agent and group", ("supervisor",)),
        Permission(
            "telephony.messages",
            "Edit and switch the talsvar menu and recorded messages",
            ("supervisor", "crisis_team"),
        ),
        Permission("telephony.admin", "See the switch driver's state", ("it_admin", "supervisor")),
    ]


@hookimpl
def register_event_types() -> list[EventType]:
    return [
        EventType("telephony.screen_pop", "telephony.use", "A call rings or was answered"),
        EventType("telephony.presence", "telephony.use", "An agent's presence changed"),
        EventType("telephony.message", "telephony.messages", "A talsvar message was switched"),
        EventType("telephony.wallboard", "telephony.use", "The wallboard per answer group"),
    ]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from plugins.telephony_centrex.service import run_sweep
    from plugins.telephony_centrex.stats import run_summarise

    return [
        PeriodicTask("telephony_centrex.register_overdue", run_sweep, minute="*"),
        PeriodicTask("telephony_centrex.summarise_days", run_summarise, minute="*/15"),
    ]


@hookimpl
def plugin_setup(config: dict[str, Any]) -> None:
    from plugins.telephony_centrex import runtime
    from plugins.telephony_centrex.drivers import make_driver

    i18n.add_locale_dir(PLUGIN_DIR / "locale")
    try:
        driver = make_driver(str(config.get("driver") or "webhook"), config)
    except (ValueError, ImportError) as exc:
        raise PluginSetupError(f"driver: {exc}") from exc
    driver.check_config()
    runtime.configure(config, driver)


@hookimpl
async def startup() -> None:
    from plugins.telephony_centrex import runtime, service, wallboard

    await runtime.driver().start(service.ingest)
    await wallboard.start_publisher()


@hookimpl
async def shutdown() -> None:
    from plugins.telephony_centrex import runtime, wallboard

    await wallboard.stop_publisher()
    await runtime.driver().stop()


@hookimpl
async def set_active_message(kind: str, text: str, actor: str, language: str = "sv") -> Any:
    from plugins.telephony_centrex import messages

    return await messages.set_active(kind, text, actor, language or "sv")


@hookimpl
async def open_crisis_answer_group(
    group: str, open: bool, actor: str, reason: str, menu_key: str, state: dict[str, Any]
) -> Any:
    from plugins.telephony_centrex import crisis_group

    return await crisis_group.set_open(group, open, actor, reason, menu_key, state or {})


@hookimpl
async def seed_demo_data(rng: Any, days: int) -> None:
    from plugins.telephony_centrex import demo

    await demo.seed_calls(rng, min(days, 28))


@hookimpl
def register_reports() -> list[Any]:
    from plugins.telephony_centrex.stats import REPORTS

    return list(REPORTS)


@hookimpl
async def report_figures(
    report: str, period_start: int, period_end: int, filters: dict[str, Any]
) -> Any:
    from plugins.telephony_centrex import stats

    return await stats.report_figures(report, period_start, period_end, filters)
