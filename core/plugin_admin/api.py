"""HTTP API for IT administrators: list, show, enable and disable plugins."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post

from core.errors import NotFound
from core.plugin_admin import runtime, service
from core.web.security import principal_of
from core.web.types import text_path

Name = Annotated[str, text_path(100)]


class PluginController(Controller):
    path = "/api/v1/admin/plugins"
    tags = ["admin"]

    @get("/", opt={"permission": "plugins.read"}, summary="Installed plugins and their state")
    async def list_plugins(self, request: Request) -> list[dict[str, Any]]:
        return [status.as_dict() for status in request.app.state.host.statuses()]

    @get("/{name:str}", opt={"permission": "plugins.read"}, summary="One plugin and its manifest")
    async def show_plugin(self, request: Request, name: Name) -> dict[str, Any]:
        return runtime.describe(request.app.state.host, name)

    @post(
        "/{name:str}/enable",
        opt={"permission": "plugins.manage"},
        status_code=200,
        summary="Enable a plugin (runs its migrations)",
    )
    async def enable(self, request: Request, name: Name) -> dict[str, Any]:
        actor = principal_of(request).username
        result = await service.set_enabled(actor, name, True)
        return {**result, **await runtime.apply(request.app, name, True, actor)}

    @post(
        "/{name:str}/disable",
        opt={"permission": "plugins.manage"},
        status_code=200,
        summary="Disable a plugin (keeps its data)",
    )
    async def disable(self, request: Request, name: Name) -> dict[str, Any]:
        actor = principal_of(request).username
        result = await service.set_enabled(actor, name, False)
        return {**result, **await runtime.apply(request.app, name, False, actor)}


__all__ = ["NotFound", "PluginController"]
