"""The situation area as a whole: every route of it in the permission matrix (the call-in
answer page the only public one), and a Swedish text for every message of it."""

from __future__ import annotations

from pathlib import Path

from core.i18n import catalogue
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.crisis_mode.situation.conftest import BASE
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[4]
OURS = ("/topics", "/tags", "/situation", "/roster", "/shifts")


def ours(op: permission_matrix.Operation) -> bool:
    path = op.path.removeprefix(BASE)
    return op.path.startswith(BASE) and (path.startswith(OURS) or path.endswith("/record"))


async def test_every_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, crisis
):
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    mine = [op for op in permission_matrix.operations(app, schema) if ours(op)]
    assert len(mine) >= 28 and all(op.public or op.permission for op in mine)
    assert {op.path for op in mine if op.public} == {f"{BASE}/roster/answer"}
    assert await permission_matrix.check(client, app, auth_headers, fresh, only=ours) == []


async def test_without_an_active_crisis_the_lagesbild_says_so(client, auth_headers, crisis):
    from plugins.crisis_mode.activation import events
    from plugins.crisis_mode.situation import situation

    assert await events.current() is None
    agent = await auth_headers("agent")
    for path in ("/situation", "/situation/chart", "/tags/untagged", "/roster/call-ins"):
        headers = agent if path != "/roster/call-ins" else await auth_headers("crisis_team")
        answer = await client.get(f"{BASE}{path}", headers={**headers, "Accept-Language": "sv"})
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["detail"] == "Inget krisläge är aktivt"
    assert await situation.hourly() is None  # the worker's task does nothing


def test_the_hourly_lagesbild_is_on_the_worker_schedule(crisis):
    from core import jobs

    assert "crisis_mode.situation_hourly" in jobs.periodic_task_names()


def test_every_message_of_the_area_has_a_swedish_text(crisis):
    found, problems = scan(ROOT / "plugins" / "crisis_mode" / "situation", ROOT)
    assert problems == []
    texts = {m.text for m in found}
    assert len(texts) > 30
    swedish = catalogue("sv")
    assert sorted(t for t in texts if t not in swedish) == []
