"""Applying a plugin's enabled state to a running API process.

Enabling loads the plugin into this process's host, installs its permissions and live-event
types, puts its periodic tasks on the schedule, mounts its routes and awaits its ``startup``
hook. Disabling unregisters it from pluggy; its routes answer 404 from then on (Litestar cannot
remove routes, so a middleware on the plugin's router checks the state) and vanish from the
OpenAPI document. Plugins that were ``not_ready`` are retried every
``settings.plugins_retry_seconds`` by a background task. Other API processes pick an
enable/disable up at their next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from litestar import Litestar, Router
from litestar.exceptions import NotFoundException
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send

from core.errors import NotFound
from core.plugin_host import PluginHost, discover
from core.web.security import check_routes

log = logging.getLogger(__name__)


def describe(host: PluginHost, name: str) -> dict[str, Any]:
    """A plugin's status, manifest and settings for ``plugins show``."""
    info = host.installed.get(name) or discover().get(name)
    if info is None:
        raise NotFound("No plugin named {name} is installed", name=name)
    status = host.status.get(name)
    manifest = json.loads(_manifest_json(info)) if info.manifest else None
    return {
        **(status.as_dict() if status else {"name": name, "enabled": False, "state": "disabled"}),
        "module": info.module_name,
        "source": info.source,
        "manifest": manifest,
        "manifest_error": info.manifest_error,
        "config": status.config if status else {},
    }


def _manifest_json(info: Any) -> bytes:
    import msgspec

    return msgspec.json.encode(info.manifest)


def _plugin_of(scope: Scope) -> str | None:
    handler = scope.get("route_handler")
    return handler.opt.get("plugin") if handler is not None else None


def plugin_enabled_middleware(app: ASGIApp) -> ASGIApp:
    """Routes of a plugin that is not loaded (disabled, or failed) answer 404."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        host: PluginHost = scope["litestar_app"].state.host
        name = _plugin_of(scope)
        status = host.status.get(name) if name else None
        if status is None or status.state != "loaded":
            raise NotFoundException()
        await app(scope, receive, send)

    return middleware


def plugin_routers(host: PluginHost, only: str | None = None) -> list[Router]:
    """One router per loaded plugin (or just ``only``), at ``/api/v1/plugins/<name>``."""
    routers = []
    for name, handlers in host.each("register_routes"):
        if name == "core" or not handlers or (only is not None and name != only):
            continue
        routers.append(
            Router(
                path=f"/api/v1/plugins/{name}",
                route_handlers=list(handlers),
                middleware=[plugin_enabled_middleware],
                opt={"plugin": name},
                tags=[name],
            )
        )
    return routers


def refresh_openapi(app: Litestar) -> None:
    """Show exactly the routes of the core and of loaded plugins in the OpenAPI document."""
    from litestar._openapi.plugin import OpenAPIPlugin

    plugin = app.plugins.get(OpenAPIPlugin)
    host: PluginHost = app.state.host
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        names = {h.opt.get("plugin") for h in route.route_handlers} - {None}
        if not names:
            continue
        loaded = all(host.status.get(n) and host.status[n].state == "loaded" for n in names)
        if loaded and any(h.resolve_include_in_schema() for h in route.route_handlers):
            plugin.included_routes[route.path] = route
        else:
            plugin.included_routes.pop(route.path, None)
    # Litestar caches both the model and its JSON form; runtime changes must rebuild them.
    plugin._openapi = None
    plugin._openapi_schema = None


def _handlers(route: Any) -> list[Any]:
    return list(getattr(route, "route_handlers", None) or [route.route_handler])


async def _activate(app: Litestar, name: str) -> None:
    """Make a freshly loaded plugin take effect in this process."""
    from core import jobs
    from core.runtime import refresh_registries

    host: PluginHost = app.state.host
    refresh_registries(host)
    mounted: set[str] = set(getattr(app.state, "mounted_plugins", set()))
    if name not in mounted:
        routers = plugin_routers(host, only=name)
        try:
            for router in routers:
                check_routes([h for route in router.routes for h in _handlers(route)])
        except RuntimeError as exc:  # an unguarded route is never mounted
            host.fail(name, "broken", str(exc))
            refresh_registries(host)
            return
        for router in routers:
            app.register(router)
        mounted.add(name)
        app.state.mounted_plugins = mounted
    with contextlib.suppress(jobs.JobsNotConfigured):
        jobs.add_periodic_tasks(host.plugin_items("register_periodic_tasks", name))
    await host.call_async("startup", only=name, app=app, settings=app.state.settings)
    refresh_openapi(app)


async def apply(app: Litestar, name: str, enabled: bool, actor: str = "") -> dict[str, Any]:
    """Load or unload the plugin in this process; returns its new state and reason."""
    from core import events, jobs
    from core.contracts import Event
    from core.plugin_admin.service import enabled_names
    from core.runtime import refresh_registries

    host: PluginHost = app.state.host
    if enabled:
        persisted = await enabled_names()
        info = discover().get(name)
        for dep in info.manifest.dependencies if info and info.manifest else []:
            dep_status = host.status.get(dep)
            if dep in persisted and (dep_status is None or dep_status.state != "loaded"):
                await apply(app, dep, True, actor)
        was_loaded = host.status.get(name) is not None and host.status[name].state == "loaded"
        host.load_one_by_name(name, app.state.settings, persisted)
        if host.status[name].state == "loaded" and not was_loaded:
            await _activate(app, name)
    else:
        status = host.status.get(name)
        if status is not None and status.state == "loaded":
            with contextlib.suppress(jobs.JobsNotConfigured):
                tasks = host.plugin_items("register_periodic_tasks", name)
                jobs.remove_periodic_tasks([task.name for task in tasks])
            await host.call_async("shutdown", only=name, app=app)
        host.unload(name)
        refresh_registries(host)
        refresh_openapi(app)
    status = host.status.get(name)
    state = status.state if status else "disabled"
    host.notify("plugin_state_changed", name=name, enabled=enabled, actor=actor)
    events.publish(
        Event("system.plugin_changed", {"name": name, "enabled": enabled, "state": state})
    )
    return {"state": state, "reason": status.reason if status else ""}


async def retry_not_ready(app: Litestar) -> list[str]:
    """Retry every ``not_ready`` plugin once; activate (routes, tasks …) those that loaded."""
    host: PluginHost = app.state.host
    loaded = host.retry_not_ready(app.state.settings)
    for name in loaded:
        log.info("plugin %s is ready now", name)
        await _activate(app, name)
    return loaded


async def _retry_loop(app: Litestar, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await retry_not_ready(app)
        except Exception:  # the loop must survive a plugin misbehaving on retry
            log.exception("retrying plugins that were not ready failed")


def start_retry(app: Litestar) -> None:
    """Start the background task that retries ``not_ready`` plugins (API start-up)."""
    interval = float(getattr(app.state.settings, "plugins_retry_seconds", 30))
    if interval > 0:
        app.state.plugin_retry_task = asyncio.get_running_loop().create_task(
            _retry_loop(app, interval), name="kontakt-plugin-retry"
        )


async def stop_retry(app: Litestar) -> None:
    """Stop the retry task (API shutdown)."""
    task = getattr(app.state, "plugin_retry_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app.state.plugin_retry_task = None
