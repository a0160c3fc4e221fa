"""The session: renewal before the token expires (the old token revoked), clean sign-out,
and a 401 problem for a wrong password shown as the server's Swedish text."""

from __future__ import annotations

import httpx
import pytest

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable
from tests.desktop.conftest import AGENT_PASSWORD


def test_renewal_and_sign_out(desk_server, role_users, run):
    server = desk_server

    async def scenario() -> tuple[str, str, str]:
        client = ApiClient(server.url)
        await client.sign_in(role_users["agent"], AGENT_PASSWORD)
        first = client.token
        client.expires_at = 0  # as if the token were about to expire: the next call renews
        await client.case_types()
        second = client.token
        await client.sign_out()
        await client.close()
        return first, second, client.token

    first, second, after = run(scenario())
    assert first != second and after == ""
    for token in (first, second):  # the old token is revoked at renewal, the new at sign-out
        answer = httpx.get(
            server.url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 401


def test_a_wrong_password_and_a_missing_server(desk_server, role_users, run):
    server = desk_server
    client = ApiClient(server.url)
    with pytest.raises(ApiError) as wrong:
        run(client.sign_in(role_users["agent"], "not-the-password"))
    assert wrong.value.status == 401 and "lösenord" in wrong.value.detail
    run(client.close())
    gone = ApiClient("http://127.0.0.1:9")
    with pytest.raises(Unreachable):
        run(gone.sign_in("agent", "x"))
    run(gone.close())
