"""Password changes: one's own needs the current password and keeps this session only; an
administrator's reset of another user needs none, is audited as a reset and ends every
session of that user."""

from __future__ import annotations

import uuid

from core.audit.tables import AuditEntry
from core.auth import service

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
OWN = "/api/v1/auth/password"
PASSWORD = "a-good-password-42"
NEW = "a-newer-password-43"


async def _new_user(role: str = "agent") -> str:
    username = f"pw-{uuid.uuid4().hex[:10]}"
    await service.create_user("test", username, "Password Tester", PASSWORD, [role])
    return username


async def _token(web, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = await web.post(LOGIN, json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def _actions(username: str) -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where((AuditEntry.object_type == "user") & (AuditEntry.object_id == username))
        .order_by(AuditEntry.seq)
    )
    return [r["action"] for r in rows if r["action"].startswith("user.")]


async def test_own_change_needs_the_current_password(as_client):
    username = await _new_user()
    web = as_client()
    this, other = await _token(web, username), await _token(web, username)
    missing = await web.put(OWN, json={"password": NEW}, headers=this)
    assert missing.status_code == 400
    assert any(e["field"] == "current_password" for e in missing.json()["errors"])
    empty = await web.put(OWN, json={"current_password": "", "password": NEW}, headers=this)
    assert empty.status_code == 400
    assert empty.json()["detail"] == "Ange ditt nuvarande lösenord för att byta det"
    wrong = await web.put(
        OWN, json={"current_password": "not-my-password", "password": NEW}, headers=this
    )
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["detail"] == "Det nuvarande lösenordet är fel"
    assert (await web.get(ME, headers=other)).status_code == 200  # nothing changed yet
    changed = await web.put(OWN, json={"current_password": PASSWORD, "password": NEW}, headers=this)
    assert changed.status_code == 204, changed.text
    assert (await web.get(ME, headers=this)).status_code == 200  # this session stays
    assert (await web.get(ME, headers=other)).status_code == 401  # the others end
    refused = await web.post(LOGIN, json={"username": username, "password": PASSWORD})
    assert refused.status_code == 401
    await _token(web, username, NEW)
    actions = await _actions(username)
    assert "user.password_change_refused" in actions and actions[-1] == "user.password"


async def test_wrong_current_passwords_are_slowed_like_logins(as_client, settings):
    username = await _new_user()
    web = as_client()
    headers = await _token(web, username)
    body = {"current_password": "not-my-password", "password": NEW}
    for _ in range(settings.lockout_threshold):
        assert (await web.put(OWN, json=body, headers=headers)).status_code == 403
    waiting = await web.put(OWN, json={**body, "current_password": PASSWORD}, headers=headers)
    assert waiting.status_code == 429 and "retry-after" in waiting.headers


async def test_an_admin_resets_another_users_password_without_it(client, as_client, auth_headers):
    username = await _new_user()
    web = as_client()
    sessions = [await _token(web, username), await _token(web, username)]
    admin = await auth_headers("it_admin")
    reset = await client.put(
        f"/api/v1/users/{username}/password", json={"password": NEW}, headers=admin
    )
    assert reset.status_code == 204, reset.text
    for headers in sessions:
        assert (await web.get(ME, headers=headers)).status_code == 401
    await _token(web, username, NEW)
    assert (await _actions(username))[-1] == "user.password_reset"
    rows = await AuditEntry.select(AuditEntry.actor).where(
        (AuditEntry.action == "user.password_reset") & (AuditEntry.object_id == username)
    )
    assert [r["actor"] for r in rows] == [(await client.get(ME, headers=admin)).json()["username"]]


async def test_an_admin_changing_their_own_password_gives_the_current_one(as_client):
    username = await _new_user("it_admin")
    web = as_client()
    headers = await _token(web, username)
    url = f"/api/v1/users/{username}/password"
    bare = await web.put(url, json={"password": NEW}, headers=headers)
    assert bare.status_code == 400, bare.text
    assert bare.json()["detail"] == "Ange ditt nuvarande lösenord för att byta det"
    wrong = await web.put(
        url, json={"password": NEW, "current_password": "wrong-one-1"}, headers=headers
    )
    assert wrong.status_code == 403
    right = await web.put(
        url, json={"password": NEW, "current_password": PASSWORD}, headers=headers
    )
    assert right.status_code == 204, right.text
    assert (await web.get(ME, headers=headers)).status_code == 200
    assert (await _actions(username))[-1] == "user.password"


async def test_every_role_may_change_its_own_password_but_not_reset_others(
    client, as_client, auth_headers
):
    username = await _new_user("reception")
    web = as_client()
    headers = await _token(web, username)
    someone = await _new_user()
    refused = await web.put(
        f"/api/v1/users/{someone}/password", json={"password": NEW}, headers=headers
    )
    assert refused.status_code == 403
    changed = await web.put(
        OWN, json={"current_password": PASSWORD, "password": NEW}, headers=headers
    )
    assert changed.status_code == 204


async def test_bad_password_bodies_are_400(as_client):
    username = await _new_user()
    web = as_client()
    headers = await _token(web, username)
    for body, field in (
        ({"current_password": PASSWORD, "password": "short"}, None),
        ({"current_password": PASSWORD, "password": "x" * 2000}, "password"),
        ({"current_password": PASSWORD, "password": "with\u0000nul-inside"}, "password"),
        ({"current_password": PASSWORD, "password": NEW, "extra": 1}, "extra"),
        ({"current_password": 12, "password": NEW}, "current_password"),
    ):
        response = await web.put(OWN, json=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        if field:
            assert any(e["field"] == field for e in response.json()["errors"]), response.json()
    assert (await web.get(ME, headers=headers)).status_code == 200  # nothing changed
