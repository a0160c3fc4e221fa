"""The public side's routes in the permission matrix (every role), and every message of the
public side with a Swedish text."""

from __future__ import annotations

from pathlib import Path

from core.i18n import catalogue
from tests.conftest import ROLE_PASSWORD, login
from tests.plugins.diarium.conftest import BASE
from tests.support import permission_matrix
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[4]
PREFIXES = (f"{BASE}/requests", f"{BASE}/public/search")


def _ours(op) -> bool:
    return op.path.startswith(PREFIXES)


async def test_every_request_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, diarium
) -> None:
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    schema = (await client.get("/api/schema/openapi.json")).json()
    ours = [op for op in permission_matrix.operations(app, schema) if _ours(op)]
    by_path = {(op.method, op.path): op for op in ours}
    for method, path in (
        ("get", f"{BASE}/requests"),
        ("post", f"{BASE}/requests"),
        ("get", f"{BASE}/requests/{{request_id}}"),
        ("post", f"{BASE}/requests/{{request_id}}/start"),
        ("post", f"{BASE}/requests/{{request_id}}/masked-copy"),
        ("get", f"{BASE}/requests/{{request_id}}/masked-copy"),
        ("post", f"{BASE}/requests/{{request_id}}/decision"),
        ("get", f"{BASE}/requests/{{request_id}}/decision"),
    ):
        assert by_path[(method, path)].permission == "diarium.requests", (method, path)
    assert by_path[("get", f"{BASE}/public/search")].public
    problems = await permission_matrix.check(client, app, auth_headers, fresh, only=_ours)
    assert problems == []


def test_every_public_message_has_a_swedish_text(diarium_plugin) -> None:
    found, problems = scan(ROOT / "plugins" / "diarium" / "public", ROOT)
    assert problems == []
    texts = {m.text for m in found}
    assert "A request can name at most {count} documents; make several requests" in texts
    swedish = catalogue("sv")
    assert sorted(t for t in texts if t not in swedish) == []
