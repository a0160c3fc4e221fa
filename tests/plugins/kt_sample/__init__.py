"""Fixture plugin ``kt_sample``: one of everything a plugin can add to the appliance."""

from __future__ import annotations

from typing import Any

from core.contracts import EventType, PeriodicTask, Permission, SettingSpec
from core.hookspecs import hookimpl

CONFIG: dict[str, Any] = {}
CALLS: list[str] = []  # the hooks called in this process, in order (the tests read it)


@hookimpl
def register_piccolo_app() -> Any:
    from kt_sample.piccolo_app import APP_CONFIG

    return APP_CONFIG


@hookimpl
def register_routes() -> list[Any]:
    from kt_sample.api import ItemController

    return [ItemController]


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("kt_sample.use", "Use the sample plugin's items", ("agent",))]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from kt_sample.tasks import tick

    return [PeriodicTask("kt_sample.tick", tick, minute="*/5")]


@hookimpl
def register_settings() -> list[SettingSpec]:
    return [SettingSpec("max_items", "int", 100, "How many items a listing returns at most")]


@hookimpl
def register_event_types() -> list[EventType]:
    return [EventType("kt_sample.item_added", "kt_sample.use", "An item was added")]


@hookimpl
def register_cli_commands() -> list[Any]:
    from kt_sample.cli import COMMANDS

    return COMMANDS


@hookimpl
def plugin_setup(config: dict[str, Any]) -> None:
    CONFIG.clear()
    CONFIG.update(config)
    CALLS.append("plugin_setup")


@hookimpl
async def startup(app: Any) -> None:
    CALLS.append("startup")


@hookimpl
async def shutdown() -> None:
    CALLS.append("shutdown")


@hookimpl
def plugin_state_changed(name: str, enabled: bool) -> None:
    CALLS.append(f"plugin_state_changed:{name}:{enabled}")
