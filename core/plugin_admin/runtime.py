"""Applying a plugin's enabled state to a running API process.

Enabling loads the plugin into this process's host and mounts its routes; disabling
unregisters it from pluggy and its routes answer 404 from then on (Litestar cannot remove
routes; a guard checks the state). Other API processes pick the change up at their next
start.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

from core.errors import NotFound
from core.plugin_host import PluginHost, discover
from core.web.security import check_routes


def describe(host: PluginHost, name: str) -> dict[str, Any]:
    """A plugin's status, manifest and settings schema for ``plugins show``."""
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


def plugin_enabled_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Routes of a plugin disabled after start-up answer 404."""
    host: PluginHost = connection.app.state.host
    name = handler.opt.get("plugin")
    status = host.status.get(name) if name else None
    if status is None or status.state != "loaded":
        raise NotFoundException()


def plugin_routers(host: PluginHost) -> list[Router]:
    """One router per loaded plugin, at ``/api/v1/plugins/<name>``."""
    routers = []
    for name, handlers in host.each("register_routes"):
        if name == "core" or not handlers:
            continue
        router = Router(
            path=f"/api/v1/plugins/{name}",
            route_handlers=list(handlers),
            guards=[plugin_enabled_guard],
            opt={"plugin": name},
            tags=[name],
        )
        routers.append(router)
    return routers


async def apply(app: Litestar, name: str, enabled: bool) -> dict[str, Any]:
    """Load or unload the plugin in this process; returns its new state."""
    host: PluginHost = app.state.host
    if enabled:
        mounted = set(getattr(app.state, "mounted_plugins", set()))
        host.load_one_by_name(name, app.state.settings)
        if host.status[name].state == "loaded" and name not in mounted:
            for router in plugin_routers_for(host, name):
                app.register(router)
                check_routes(list(router.route_handlers))
            mounted.add(name)
            app.state.mounted_plugins = mounted
    else:
        host.unload(name)
    status = host.status.get(name)
    return {
        "state": status.state if status else "disabled",
        "reason": status.reason if status else "",
    }


def plugin_routers_for(host: PluginHost, name: str) -> list[Router]:
    return [router for router in plugin_routers(host) if router.opt.get("plugin") == name]
