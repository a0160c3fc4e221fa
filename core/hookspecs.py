"""Every hook a Kontaktcenter plugin can implement (pluggy project name ``kontakt``).

A plugin implements any subset, each with ``@hookimpl`` from this module, and may accept any
subset of a hook's arguments. Each hook is documented with an example in docs/plugin_hooks.md;
a test fails when one is missing there.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("kontakt")
hookimpl = pluggy.HookimplMarker("kontakt")


@hookspec
def register_piccolo_app() -> Any:
    """Return the plugin's Piccolo ``AppConfig`` (its tables and migrations folder).

    Called when the plugin host loads an enabled plugin and by ``kontakt migrate``; the app's
    migrations run when the plugin is enabled. The app should list ``core.piccolo_app`` in
    ``migration_dependencies``.
    """


@hookspec
def register_routes() -> list[Any]:
    """Return Litestar route handlers, controllers or routers to mount for this plugin.

    Called once when the web app is built. Handlers are mounted under
    ``/api/v1/plugins/<plugin name>``; each must carry ``opt={"permission": ...}`` or
    ``opt={"public": True}``, or the app refuses to start.
    """


@hookspec
def register_permissions() -> list[Any]:
    """Return :class:`core.contracts.Permission` objects this plugin defines.

    Called when roles are resolved at start-up; each permission names the roles that hold it.
    """


@hookspec
def register_periodic_tasks() -> list[Any]:
    """Return :class:`core.contracts.PeriodicTask` objects for the worker's schedule.

    Called in both the API and the worker process when the job queue is built; task functions
    are plain sync functions.
    """


@hookspec
def register_settings() -> list[Any]:
    """Return :class:`core.contracts.SettingSpec` objects for this plugin's settings.

    Called at load; together with the manifest's ``settings`` they form the plugin's schema.
    Values come from ``[plugins.<name>]`` in kontakt.toml and ``KONTAKT_PLUGIN_<NAME>_<KEY>``.
    """


@hookspec
def register_event_types() -> list[Any]:
    """Return :class:`core.contracts.EventType` objects for the live events this plugin publishes.

    Called when the app starts; events of unknown types are refused by ``events.publish``.
    """


@hookspec
def register_cli_commands() -> list[Any]:
    """Return click commands or groups to add under ``kontakt <plugin name> …``.

    Called when the ``kontakt`` command starts.
    """


@hookspec
def plugin_setup(config: dict[str, Any], settings: Any) -> None:
    """Set the plugin up with its validated settings ``config``.

    Called once per process at start-up, after migrations. Raise
    :class:`core.contracts.PluginNotReady`, :class:`core.contracts.PluginAuthFailed`, or any
    other exception (broken); the host records the state and the appliance keeps running.
    """


@hookspec
async def startup(app: Any, settings: Any) -> None:
    """Called (awaited) when the web app has started, for plugins whose setup succeeded."""


@hookspec
async def shutdown(app: Any) -> None:
    """Called (awaited) when the web app stops."""


@hookspec
def plugin_state_changed(name: str, enabled: bool, actor: str) -> None:
    """Called after an administrator enabled or disabled a plugin (in the same process)."""
