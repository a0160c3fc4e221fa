"""The activation area as a whole: every route of it in the permission matrix (the state for
every signed-in user, switching for crisis.manage only), and a Swedish text for every message
of it."""

from __future__ import annotations

from pathlib import Path

from core.i18n import catalogue
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.crisis_mode.conftest import BASE
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[4]
OURS = ("/state", "/activate", "/deactivate", "/plan")


def ours(op: permission_matrix.Operation) -> bool:
    path = op.path.removeprefix(BASE)
    events = path == "/events" or (path.startswith("/events/") and path.count("/") == 2)
    return op.path.startswith(BASE) and (path.startswith(OURS) or events)


async def test_every_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, crisis
):
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    operations = [op for op in permission_matrix.operations(app, schema) if ours(op)]
    mine = {(op.method, op.path): op.permission for op in operations}
    assert mine == {
        ("get", f"{BASE}/state"): "events.subscribe",
        ("post", f"{BASE}/activate"): "crisis.manage",
        ("post", f"{BASE}/deactivate"): "crisis.manage",
        ("get", f"{BASE}/plan"): "crisis.view",
        ("put", f"{BASE}/plan"): "crisis.write",
        ("get", f"{BASE}/events"): "crisis.view",
        ("get", f"{BASE}/events/{{event_id}}"): "crisis.view",
    }
    assert await permission_matrix.check(client, app, auth_headers, fresh, only=ours) == []


def test_every_message_of_the_area_has_a_swedish_text(crisis):
    found, problems = scan(ROOT / "plugins" / "crisis_mode" / "activation", ROOT)
    assert problems == []
    texts = {m.text for m in found}
    assert len(texts) >= 15
    swedish = catalogue("sv")
    assert sorted(t for t in texts if t not in swedish) == []
