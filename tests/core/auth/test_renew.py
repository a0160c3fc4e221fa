"""Renewing a session token before it expires (``POST /api/v1/auth/renew``), over real HTTP
calls to the app and a real database."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from datetime import datetime

from core.auth import service
from core.auth.tables import AuthToken
from core.settings import Settings

RENEW = "/api/v1/auth/renew"
ME = "/api/v1/auth/me"
PASSWORD = "a-good-password-42"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _token(client) -> tuple[str, str]:
    username = f"renew-{uuid.uuid4().hex[:10]}"
    await service.create_user("test", username, "Renew Tester", PASSWORD, ["agent"])
    answer = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    return username, answer.json()["token"]


async def test_renew_gives_a_fresh_token_and_revokes_the_old(client, settings: Settings):
    username, old = await _token(client)
    digest = hashlib.sha256(old.encode()).hexdigest()
    await AuthToken.update({AuthToken.expires_at: int(time.time()) + 60}).where(
        AuthToken.token_hash == digest
    )  # about to expire
    before = int(time.time())
    response = await client.post(RENEW, headers=_bearer(old))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"] != old and body["user"]["username"] == username
    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    assert expires >= before + settings.token_ttl_minutes * 60
    me = await client.get(ME, headers=_bearer(body["token"]))
    assert me.status_code == 200 and me.json()["username"] == username
    assert (await client.get(ME, headers=_bearer(old))).status_code == 401
    assert (await client.post(RENEW, headers=_bearer(old))).status_code == 401


async def test_a_revoked_or_expired_token_cannot_be_renewed(client):
    _, token = await _token(client)
    assert (await client.post("/api/v1/auth/logout", headers=_bearer(token))).status_code == 204
    assert (await client.post(RENEW, headers=_bearer(token))).status_code == 401
    _, expired = await _token(client)
    await AuthToken.update({AuthToken.expires_at: int(time.time()) - 1}).where(
        AuthToken.token_hash == hashlib.sha256(expired.encode()).hexdigest()
    )
    assert (await client.post(RENEW, headers=_bearer(expired))).status_code == 401
    assert (await client.post(RENEW)).status_code == 401


async def test_two_renewals_of_one_token_give_one_new_token(client):
    username, token = await _token(client)
    answers = await asyncio.gather(
        client.post(RENEW, headers=_bearer(token)), client.post(RENEW, headers=_bearer(token))
    )
    assert sorted(a.status_code for a in answers) == [200, 401]
    user = (
        await AuthToken.select(AuthToken.user)
        .where(AuthToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
        .first()
    )["user"]
    live = await AuthToken.count().where(
        (AuthToken.user == user) & (AuthToken.revoked == False)  # noqa: E712
    )
    assert live == 1
