"""The core's own hook implementations: its permissions, live-event types and periodic tasks.

Registered with the plugin host under the name ``core``, so core and plugins extend the
appliance through exactly the same hooks.
"""

from __future__ import annotations

from core.contracts import ROLES, EventType, PeriodicTask, Permission
from core.hookspecs import hookimpl

ALL_ROLES = ROLES
ADMINS = ("supervisor", "it_admin")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("session.self", "See and end one's own session", ALL_ROLES),
        Permission("events.subscribe", "Receive live events", ALL_ROLES),
        Permission("users.read", "List staff accounts", ADMINS),
        Permission("users.manage", "Create, change and disable staff accounts", ("it_admin",)),
        Permission("plugins.read", "See installed plugins and their state", ADMINS),
        Permission("plugins.manage", "Enable and disable plugins", ("it_admin",)),
        Permission("audit.read", "Browse the audit trail", ADMINS),
        Permission("audit.export", "Export the audit trail", ADMINS),
        Permission("system.health_details", "See why a component is unhealthy", ("it_admin",)),
    ]


@hookimpl
def register_event_types() -> list[EventType]:
    return [
        EventType("system.plugin_changed", "plugins.read", "A plugin was enabled or disabled"),
        EventType("system.notice", "events.subscribe", "A message to every signed-in user"),
    ]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from core.maintenance import purge_expired_tokens, write_audit_checkpoint

    return [
        PeriodicTask("core.audit_checkpoint", write_audit_checkpoint, minute="*/10"),
        PeriodicTask("core.purge_expired_tokens", purge_expired_tokens, minute="17"),
    ]
