"""``kontakt plugins list|show|enable|disable``."""

from __future__ import annotations

import json

import click

from core.cli_support import actor, echo_table, run_db, settings_from
from core.plugin_admin import service
from core.plugin_admin.runtime import describe
from core.plugin_host import PluginHost


def _host(ctx: click.Context) -> PluginHost:
    settings = settings_from(ctx)

    async def go() -> PluginHost:
        host = PluginHost()
        host.load(await service.enabled_names(), settings)
        return host

    return run_db(settings, go)


@click.group("plugins")
def plugins_group() -> None:
    """Manage plugins."""


@plugins_group.command("list")
@click.pass_context
def list_plugins(ctx: click.Context) -> None:
    """Installed plugins, whether enabled, and their state (with the reason if it failed)."""
    rows = [s.as_dict() for s in _host(ctx).statuses()]
    for row in rows:
        row["enabled"] = "yes" if row["enabled"] else "no"
    echo_table(rows, ["name", "version", "enabled", "state", "reason"])


@plugins_group.command("show")
@click.argument("name")
@click.pass_context
def show(ctx: click.Context, name: str) -> None:
    """A plugin's manifest, state and settings as JSON."""
    click.echo(json.dumps(describe(_host(ctx), name), indent=2, ensure_ascii=False, default=str))


@plugins_group.command("enable")
@click.argument("name")
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Enable a plugin (runs its migrations). Restart the service to load it."""
    run_db(settings_from(ctx), lambda: service.set_enabled(actor(), name, True))
    state = _host(ctx).status[name]
    click.echo(
        f"plugin {name} enabled; state: {state.state}"
        + (f" ({state.reason})" if state.reason else "")
    )


@plugins_group.command("disable")
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Disable a plugin; its data is kept."""
    run_db(settings_from(ctx), lambda: service.set_enabled(actor(), name, False))
    click.echo(f"plugin {name} disabled (its data is kept)")
