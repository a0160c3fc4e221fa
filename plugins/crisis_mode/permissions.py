"""The crisis_mode plugin's permissions and the roles that hold them (see the permission matrix)."""

from core.contracts import Permission

PERMISSIONS = [
    Permission(
        "crisis.view",
        "Crisis mode: see the crisis state, the approved texts and the situation picture; tag "
        "crisis contacts",
        ("agent", "reception", "supervisor", "crisis_team"),
    ),
    Permission(
        "crisis.manage",
        "Crisis mode: activate and deactivate, run the plan, approve messages, keep topics, "
        "roster and shifts",
        ("crisis_team",),
    ),
    Permission(
        "crisis.write",
        "Crisis mode: draft crisis messages and keep the plan (approval needs crisis.manage)",
        ("crisis_team", "supervisor"),
    ),
]
