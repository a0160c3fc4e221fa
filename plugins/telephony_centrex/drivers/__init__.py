"""Switch drivers by name; each module is imported only when its driver is configured."""

from __future__ import annotations

import importlib
from typing import Any

from plugins.telephony_centrex.drivers.base import Driver

DRIVERS = {
    "none": "plugins.telephony_centrex.drivers.base:Driver",
    "webhook": "plugins.telephony_centrex.drivers.webhook:WebhookDriver",
    "ami": "plugins.telephony_centrex.drivers.ami:AmiDriver",
    "simulator": "plugins.telephony_centrex.simulator:SimulatorDriver",
}


def make_driver(name: str, config: dict[str, Any]) -> Driver:
    """The configured driver; ``ValueError`` for an unknown name."""
    target = DRIVERS.get(name)
    if target is None:
        raise ValueError(f"unknown telephony driver {name!r}; known: {', '.join(sorted(DRIVERS))}")
    module_name, _, class_name = target.partition(":")
    driver_class = getattr(importlib.import_module(module_name), class_name)
    return driver_class(config)
