"""Permissions and live-event types of contacts, cases, parties and the organisation."""

from core.contracts import EventType, Permission

FRONT = ("agent", "reception", "registrator", "case_officer", "supervisor", "crisis_team")
WRITERS = ("agent", "registrator", "case_officer", "supervisor", "crisis_team")

PERMISSIONS = [
    Permission("contacts.register", "Register contacts in any channel", FRONT),
    Permission("cases.read", "See cases, their timeline and timers", FRONT),
    Permission("cases.write", "Work on cases: notes, status, forward, merge", WRITERS),
    Permission("cases.secret", "See and mark secret cases", ("supervisor",)),
    Permission(
        "cases.close_department",
        "Close cases of types the contact center may not close (in one's own department)",
        ("case_officer",),
    ),
    Permission(
        "cases.monitor", "Receive every service-level warning live", ("supervisor", "crisis_team")
    ),
    Permission("parties.read", "Find citizens and organisations", FRONT),
    Permission("parties.manage", "Register and change parties", (*WRITERS, "reception")),
    Permission(
        "parties.protected", "See details of protected identities", ("supervisor", "case_officer")
    ),
    Permission("parties.merge", "Merge two parties that are one citizen", ("supervisor",)),
    Permission(
        "org.read",
        "See departments, answer groups, case types and competence",
        (*FRONT, "it_admin"),
    ),
    Permission(
        "org.manage",
        "Change departments, answer groups, case types and competence",
        ("supervisor", "it_admin"),
    ),
    Permission("open311.manage", "Create and revoke Open311 API keys", ("it_admin", "supervisor")),
    Permission(
        "reports.read",
        "See statistics, service level, backlog and effect goals",
        ("supervisor", "crisis_team"),
    ),
    Permission(
        "reports.cost", "See the cost allocation per department", ("supervisor", "it_admin")
    ),
    Permission("reports.manage", "Change the effect-goal targets", ("supervisor",)),
]

EVENT_TYPES = [
    EventType("case.created", "cases.read", "A case was created"),
    EventType("case.changed", "cases.read", "A case changed"),
    EventType("sla.warning", "cases.read", "A case crossed its warning line"),
    EventType("sla.breach", "cases.read", "A case passed its due time"),
    EventType("sla.monitor", "cases.monitor", "Any case crossed a warning or due line"),
]
