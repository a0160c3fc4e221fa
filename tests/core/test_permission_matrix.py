"""Every route, every role: 401 without a token, 403 without the permission, through with it."""

from tests.conftest import ROLE_PASSWORD, login
from tests.support import permission_matrix


async def test_every_route_guards_every_role(client, app, auth_headers, role_users):
    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    problems = await permission_matrix.check(client, app, auth_headers, fresh)
    assert problems == []


async def test_matrix_covers_the_admin_routes(client, app):
    schema = (await client.get("/api/schema/openapi.json")).json()
    ops = permission_matrix.operations(app, schema)
    paths = {op.path for op in ops}
    assert "/api/v1/users" in paths or "/api/v1/users/" in paths
    assert any(p.startswith("/api/v1/admin/plugins") for p in paths)
    assert all(op.public or op.permission for op in ops)
