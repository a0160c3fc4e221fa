"""The small value types that hooks return, and the errors a plugin's setup may raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "agent",
    "reception",
    "registrator",
    "head_registrator",
    "case_officer",
    "supervisor",
    "crisis_team",
    "it_admin",
)


@dataclass(frozen=True)
class Permission:
    """A named right; ``roles`` are the roles that have it."""

    name: str
    description: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeriodicTask:
    """A plain sync function run by the worker on a cron schedule (huey ``crontab`` fields)."""

    name: str
    func: Callable[[], Any]
    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"


@dataclass(frozen=True)
class SettingSpec:
    """One plugin setting: its type (str, int, bool, float), default and description."""

    name: str
    type: str = "str"
    default: Any = None
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class EventType:
    """A kind of live event; only users holding ``permission`` receive it."""

    name: str
    permission: str
    description: str = ""


@dataclass
class Event:
    """A live event for desktop clients. ``users`` narrows delivery to those usernames."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    users: tuple[str, ...] = ()


class PluginSetupError(Exception):
    """Base of the three honest ways a plugin's setup can fail."""

    state = "broken"


class PluginNotReady(PluginSetupError):
    """Something the plugin depends on is not there yet (retry later)."""

    state = "not_ready"


class PluginAuthFailed(PluginSetupError):
    """The plugin's credentials were refused."""

    state = "bad_credentials"
