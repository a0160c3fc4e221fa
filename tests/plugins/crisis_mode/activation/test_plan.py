"""The prepared plan: the default until the municipality stores its own; editable with
crisis.write (audited); unknown steps or settings and wrong types are refused."""

from __future__ import annotations

import pytest

from core.db import raw
from tests.plugins.crisis_mode.conftest import BASE, forget_stored_plan

PLAN = f"{BASE}/plan"


async def test_the_plan_is_read_by_the_crisis_roles_and_kept_by_crisis_write(
    client, auth_headers, crisis
):
    await forget_stored_plan()  # an earlier test may have stored one
    agent = await auth_headers("agent")
    shown = await client.get(PLAN, headers=agent)
    assert shown.status_code == 200
    assert [s["kind"] for s in shown.json()["steps"]][:2] == ["crisis_message", "answer_group"]
    assert (await client.get(PLAN, headers=await auth_headers("case_officer"))).status_code == 403
    steps = [
        {"kind": "opening_hours", "settings": {"calendars": ["standard"]}},
        {"kind": "crisis_message", "enabled": False},
        {"kind": "case_types", "settings": {"case_types": ["b-typ", "a-typ", "a-typ"]}},
    ]
    assert (await client.put(PLAN, json={"steps": steps}, headers=agent)).status_code == 403
    saved = await client.put(PLAN, json={"steps": steps}, headers=await auth_headers("supervisor"))
    assert saved.status_code == 200, saved.text
    plan = saved.json()
    assert plan["stored"] is True and plan["updated_by"] == "supervisor-user"
    assert [(s["kind"], s["position"], s["enabled"]) for s in plan["steps"]] == [
        ("opening_hours", 1, True),
        ("crisis_message", 2, False),
        ("case_types", 3, True),
    ]
    assert plan["steps"][2]["settings"] == {"case_types": ["a-typ", "b-typ"]}
    assert plan["steps"][1]["settings"] == {"cancel_at_end": True}
    assert plan["steps"][0]["name_sv"] == "Förläng öppettiderna till dygnet runt"
    assert (await client.get(PLAN, headers=agent)).json()["steps"] == plan["steps"]
    entry = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = 'crisis.plan.update' ORDER BY seq DESC"
    )
    assert entry["actor"] == "supervisor-user"


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [{"kind": "teleport"}],
        [{"kind": "roster"}, {"kind": "roster"}],
        [{"kind": "opening_hours", "settings": {"group": "kris"}}],
        [{"kind": "opening_hours", "settings": {"calendars": ["Inte En Kod"]}}],
        [{"kind": "answer_group", "settings": {"menu_key": "11"}}],
        [{"kind": "answer_group", "settings": {"group": "Kris Grupp"}}],
        [{"kind": "roll_call", "settings": {"reason": "x" * 151}}],
        [{"kind": "roster", "enabled": "ja"}],
        [{"kind": "roster", "colour": "red"}],
    ],
)
async def test_a_bad_plan_is_refused_and_changes_nothing(client, auth_headers, crisis, steps):
    lead = await auth_headers("supervisor")
    before = (await client.get(PLAN, headers=lead)).json()
    refused = await client.put(PLAN, json={"steps": steps}, headers=lead)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(PLAN, headers=lead)).json() == before
