"""Fixture plugin ``kt_not_ready``: setup raises PluginNotReady until a marker file exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import get

from core.contracts import Permission, PluginNotReady
from core.hookspecs import hookimpl


@get("/status", opt={"permission": "kt_not_ready.use"}, summary="Says the plugin is ready")
async def status() -> dict[str, Any]:
    return {"ready": True}


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("kt_not_ready.use", "See the retry fixture's status", ("agent",))]


@hookimpl
def register_routes() -> list[Any]:
    return [status]


@hookimpl
def plugin_setup(config: dict[str, Any]) -> None:
    marker = config.get("marker") or ""
    if not marker or not Path(marker).exists():
        raise PluginNotReady(f"waiting for the marker file {marker or '(not set)'}")
