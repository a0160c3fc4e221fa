"""Login, bearer tokens, expiry, logout, lockout and disabled accounts, over real HTTP calls
to the app and a real database."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from datetime import datetime

from core.auth import service
from core.auth.tables import AuthToken, User
from core.settings import Settings

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
PASSWORD = "a-good-password-42"


async def _new_user(role: str = "agent") -> str:
    username = f"login-{uuid.uuid4().hex[:10]}"
    await service.create_user("test", username, "Login Tester", PASSWORD, [role])
    return username


async def _login(client, username: str, password: str = PASSWORD):
    return await client.post(LOGIN, json={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_gives_a_bearer_token_that_works(client):
    username = await _new_user()
    response = await _login(client, username)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["username"] == username
    assert "password_hash" not in body["user"]
    assert _epoch(body["expires_at"]) > time.time()
    assert body["expires_at"].endswith("Z")  # ISO 8601 UTC, as every time in the API
    me = await client.get(ME, headers=_bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["username"] == username
    assert "session.self" in me.json()["permissions"]


async def test_token_is_stored_only_as_its_sha256(client, settings: Settings):
    username = await _new_user()
    token = (await _login(client, username)).json()["token"]
    rows = await AuthToken.select().where(AuthToken.token_hash == _sha256(token))
    assert len(rows) == 1
    for row in await AuthToken.select():
        assert token not in " ".join(str(value) for value in row.values())
    if not settings.is_postgres:  # not even in the database file or its write-ahead log
        # read by another process: closing a descriptor of the database file in this process
        # would drop SQLite's POSIX locks on it
        files = [str(p) for p in settings.data_dir.glob("kontakt.sqlite3*")]
        assert files
        grep = await asyncio.create_subprocess_exec("grep", "-lF", "-e", token, "--", *files)
        assert await grep.wait() == 1, "the plaintext token is in the database file"


async def test_password_is_hashed_with_argon2id(client):
    username = await _new_user()
    row = await User.select(User.password_hash).where(User.username == username).first()
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_expired_token_is_refused(client):
    username = await _new_user()
    token = (await _login(client, username)).json()["token"]
    assert (await client.get(ME, headers=_bearer(token))).status_code == 200
    await AuthToken.update({AuthToken.expires_at: int(time.time()) - 1}).where(
        AuthToken.token_hash == _sha256(token)
    )
    response = await client.get(ME, headers=_bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_token_lifetime_is_the_setting(client, settings: Settings):
    username = await _new_user()
    before = int(time.time())
    body = (await _login(client, username)).json()
    ttl = settings.token_ttl_minutes * 60
    assert before + ttl <= _epoch(body["expires_at"]) <= int(time.time()) + ttl
    row = await AuthToken.select().where(AuthToken.token_hash == _sha256(body["token"])).first()
    assert row["expires_at"] == _epoch(body["expires_at"])


async def test_logout_revokes_the_token(client):
    username = await _new_user()
    token = (await _login(client, username)).json()["token"]
    other = (await _login(client, username)).json()["token"]
    assert (await client.post("/api/v1/auth/logout", headers=_bearer(token))).status_code == 204
    assert (await client.get(ME, headers=_bearer(token))).status_code == 401
    assert (await client.post("/api/v1/auth/logout", headers=_bearer(token))).status_code == 401
    assert (await client.get(ME, headers=_bearer(other))).status_code == 200  # only that one


async def test_unknown_user_and_wrong_password_look_the_same(client):
    username = await _new_user()
    wrong = await _login(client, username, "not-the-password")
    unknown = await _login(client, f"nobody-{uuid.uuid4().hex[:8]}", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"] == "Fel användarnamn eller lösenord"


async def test_disabled_user_cannot_log_in_and_loses_tokens(client, auth_headers):
    username = await _new_user()
    token = (await _login(client, username)).json()["token"]
    admin = await auth_headers("it_admin")
    response = await client.patch(
        f"/api/v1/users/{username}", json={"active": False}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert (await client.get(ME, headers=_bearer(token))).status_code == 401
    refused = await _login(client, username)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Fel användarnamn eller lösenord"
    response = await client.patch(f"/api/v1/users/{username}", json={"active": True}, headers=admin)
    assert response.status_code == 200
    assert (await client.get(ME, headers=_bearer(token))).status_code == 401  # stays revoked
    assert (await _login(client, username)).status_code == 200


async def test_new_password_ends_sessions(client, auth_headers):
    username = await _new_user()
    token = (await _login(client, username)).json()["token"]
    response = await client.put(
        f"/api/v1/users/{username}/password",
        json={"password": "another-password-1"},
        headers=await auth_headers("it_admin"),
    )
    assert response.status_code == 204, response.text
    assert (await client.get(ME, headers=_bearer(token))).status_code == 401
    assert (await _login(client, username)).status_code == 401
    assert (await _login(client, username, "another-password-1")).status_code == 200


async def test_garbage_tokens_are_401(client):
    for value in (
        "Bearer",
        "Bearer ",
        "Bearer x",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer " + "a" * 5000,
    ):
        response = await client.get(ME, headers={"Authorization": value})
        assert response.status_code == 401, value


def _epoch(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
