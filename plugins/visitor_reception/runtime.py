"""What the plugin holds in this process: its validated settings."""

from __future__ import annotations

from typing import Any

CONFIG: dict[str, Any] = {}
DEFAULTS: dict[str, Any] = {
    "auto_signout_time": "19:00",
    "default_location": "Huvudentrén",
    "host_ack_minutes": 0,
    "kiosk_checkins_per_minute": 30,
    "kiosk_languages": "sv,en",
    "kiosk_searches_per_minute": 120,
    "reception_email": "",
    "retention_days": 365,
    "retention_decision": "",
    "retention_action": "anonymise",
}


def configure(config: dict[str, Any]) -> None:
    """Install the settings (from ``plugin_setup``)."""
    CONFIG.clear()
    CONFIG.update(config)


def setting(name: str) -> Any:
    """One setting of the plugin (the manifest's default until the plugin is set up)."""
    value = CONFIG.get(name)
    return DEFAULTS[name] if value is None else value


def auto_signout_minutes(value: str) -> int:
    """Minutes after local midnight of an ``HH:MM`` time; ValueError when it is not one."""
    hours, sep, minutes = value.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        raise ValueError(f"auto_signout_time must be HH:MM, not {value!r}")
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"auto_signout_time must be HH:MM, not {value!r}")
    return int(hours) * 60 + int(minutes)
