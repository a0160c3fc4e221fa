"""What the plugin holds in this process: its validated settings and its switch driver."""

from __future__ import annotations

from typing import Any

from plugins.telephony_centrex.drivers.base import Driver

CONFIG: dict[str, Any] = {}
WEBHOOK_TOKEN_SECRET = "telephony-webhook-token"
AMI_SECRET = "telephony-ami-secret"
_driver: Driver | None = None


def configure(config: dict[str, Any], driver: Driver) -> None:
    """Install the settings and the driver (from ``plugin_setup``)."""
    global _driver
    CONFIG.clear()
    CONFIG.update(config)
    _driver = driver


def setting(name: str, default: Any = None) -> Any:
    """One setting of the plugin (the manifest's default until the plugin is set up)."""
    value = CONFIG.get(name)
    return default if value is None else value


def driver() -> Driver:
    """The configured driver (a capability-less one before setup)."""
    global _driver
    if _driver is None:
        _driver = Driver({})
    return _driver
