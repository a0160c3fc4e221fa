"""The core's own hook implementations: its permissions, live-event types and periodic tasks.

Registered with the plugin host under the name ``core``, so core and plugins extend the
appliance through exactly the same hooks.
"""

from __future__ import annotations

from core.cases import permissions as cases_permissions
from core.contracts import ROLES, EventType, PeriodicTask, Permission
from core.hookspecs import hookimpl

ALL_ROLES = ROLES
ADMINS = ("supervisor", "it_admin")
SLA_READERS = ("agent", "case_officer", "supervisor", "crisis_team", "it_admin")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("session.self", "See and end one's own session", ALL_ROLES),
        Permission("events.subscribe", "Receive live events", ALL_ROLES),
        Permission(
            "events.broadcast",
            "Send notices to signed-in users",
            ("supervisor", "crisis_team", "it_admin"),
        ),
        Permission("users.read", "List staff accounts", ADMINS),
        Permission("users.manage", "Create, change and disable staff accounts", ("it_admin",)),
        Permission("plugins.read", "See installed plugins and their state", ADMINS),
        Permission("plugins.manage", "Enable and disable plugins", ("it_admin",)),
        Permission("audit.read", "Browse the audit trail", ADMINS),
        Permission("audit.export", "Export the audit trail", ADMINS),
        Permission("system.health_details", "See why a component is unhealthy", ("it_admin",)),
        Permission("knowledge.read", "Search and read knowledge articles", ALL_ROLES),
        Permission("knowledge.manage", "Write, publish and archive knowledge articles", ADMINS),
        Permission("sla.read", "See business calendars, agreements and targets", SLA_READERS),
        Permission("sla.manage", "Edit business calendars, agreements and targets", ADMINS),
        *cases_permissions.PERMISSIONS,
    ]


@hookimpl
def register_event_types() -> list[EventType]:
    return [
        EventType("system.plugin_changed", "plugins.read", "A plugin was enabled or disabled"),
        EventType("system.notice", "events.subscribe", "A message to every signed-in user"),
        EventType("system.lead_notice", "events.broadcast", "A message to those who lead"),
        EventType("system.session_ended", "session.self", "A user's sessions ended"),
        *cases_permissions.EVENT_TYPES,
    ]


@hookimpl
def register_periodic_tasks() -> list[PeriodicTask]:
    from core import idempotency
    from core.maintenance import purge_expired_tokens, send_mail, sla_sweep, write_audit_checkpoint

    return [
        PeriodicTask("core.audit_checkpoint", write_audit_checkpoint, minute="*/10"),
        PeriodicTask("core.purge_expired_tokens", purge_expired_tokens, minute="17"),
        PeriodicTask("core.sla_sweep", sla_sweep, minute="*"),
        PeriodicTask("core.send_mail", send_mail, minute="*"),
        PeriodicTask("core.purge_idempotency_keys", idempotency.purge_expired_keys, minute="23"),
    ]
