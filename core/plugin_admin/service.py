"""Enable and disable plugins: persisted, audited, migrations run on enable."""

from __future__ import annotations

import time
from typing import Any

from core import audit, db
from core.db.migrate import migrate_apps
from core.errors import Conflict, NotFound
from core.plugin_admin.tables import PluginState
from core.plugin_host import discover, register_piccolo_app


async def enabled_names() -> set[str]:
    """Names of the plugins persisted as enabled."""
    rows = await PluginState.select(PluginState.name).where(PluginState.enabled == True)  # noqa: E712
    return {row["name"] for row in rows}


async def set_enabled(actor: str, name: str, enabled: bool) -> dict[str, Any]:
    """Enable (running the plugin's migrations first) or disable a plugin; audited.

    Idempotent: enabling an enabled plugin changes nothing and records nothing (its pending
    migrations, if any, still run). Raises NotFound for an unknown plugin and Conflict when
    a dependency is not enabled (or, on disable, an enabled plugin depends on this one).
    """
    installed = discover()
    info = installed.get(name)
    if info is None:
        raise NotFound("No plugin named {name} is installed", name=name)
    current = await enabled_names()
    if enabled:
        if info.manifest is None:
            raise Conflict(
                "The plugin {name} cannot be enabled: {reason}",
                name=name,
                reason=info.manifest_error,
            )
        missing = [dep for dep in info.manifest.dependencies if dep not in current]
        if missing:
            raise Conflict(
                "Enable the plugin(s) {deps} first; {name} depends on them",
                deps=", ".join(missing),
                name=name,
            )
        if info.piccolo_app:
            register_piccolo_app(info)
            await migrate_apps([name])
    else:
        dependants = sorted(
            other.name
            for other in installed.values()
            if other.manifest and name in other.manifest.dependencies and other.name in current
        )
        if dependants:
            raise Conflict(
                "Disable {deps} first; they depend on {name}", deps=", ".join(dependants), name=name
            )
    async with db.transaction():
        row = await PluginState.objects().where(PluginState.name == name).first()
        was = bool(row and row.enabled)
        if was != enabled:
            if row is None:
                row = PluginState(name=name)
            row.enabled, row.changed_by, row.changed_at = enabled, actor, int(time.time())
            await row.save()
            audit.record(
                actor,
                "plugin.enable" if enabled else "plugin.disable",
                "plugin",
                name,
                {"was_enabled": was},
            )
    return {
        "name": name,
        "enabled": enabled,
        "changed": was != enabled,
        "restart_required": was != enabled,
    }
