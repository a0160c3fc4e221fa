"""What the plugin holds in this process: its validated settings."""

from __future__ import annotations

from typing import Any

CONFIG: dict[str, Any] = {}


def configure(config: dict[str, Any]) -> None:
    """Install the settings (from ``plugin_setup``)."""
    CONFIG.clear()
    CONFIG.update(config)


def setting(name: str, default: Any = None) -> Any:
    """One setting of the plugin (``default`` until the plugin is set up)."""
    value = CONFIG.get(name)
    return default if value is None else value
