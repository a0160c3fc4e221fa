"""``kontakt plugins list|show|enable|disable``."""

from __future__ import annotations

import json
import logging

import click

from core.cli_support import actor, echo_table, run_db, settings_from
from core.plugin_admin import service
from core.plugin_admin.runtime import describe
from core.plugin_host import PluginHost

log = logging.getLogger(__name__)


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
    who = actor()
    run_db(settings_from(ctx), lambda: service.set_enabled(who, name, True))
    host = _host(ctx)
    host.notify("plugin_state_changed", name=name, enabled=True, actor=who)
    state = host.status[name]
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


def invoked_command(group: click.Group, argv: list[str]) -> str | None:
    """The sub-command named on the command line when it is not one of ``group``'s own."""
    for arg in argv:
        if arg.startswith("-"):
            continue  # the root group's options (--help, --version) take no values
        return None if arg in group.list_commands(None) else arg
    return None


def add_plugin_commands(group: click.Group, argv: list[str]) -> None:
    """Add ``kontakt <plugin> <command>`` for the enabled plugin named in ``argv``.

    Core commands never reach the database here: enabled plugins are only looked up when the
    sub-command is not a core one. Plugins are registered without running ``plugin_setup``.
    """
    wanted = invoked_command(group, argv)
    if wanted is None:
        return
    from core.settings import load_settings

    try:
        settings = load_settings()

        async def go() -> PluginHost:
            host = PluginHost()
            host.load(await service.enabled_names(), settings, setup=False)
            return host

        host = run_db(settings, go)
    except Exception as exc:  # fall through to click's "No such command"
        click.echo(f"kontakt: cannot look up plugin commands: {exc}", err=True)
        return
    for name, commands in host.each("register_cli_commands"):
        if name != wanted or not commands:
            continue
        status = host.status.get(name)
        plugin_group = click.Group(name, help=status.description if status else None)
        for command in commands:
            plugin_group.add_command(command)
        group.add_command(plugin_group)
