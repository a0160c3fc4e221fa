"""The users API: list, get, create, change, new password; bad input gives Swedish 400/409
problems; every change leaves an audit entry."""

from __future__ import annotations

import uuid

import pytest

from core.audit.tables import AuditEntry

USERS = "/api/v1/users"
PASSWORD = "a-good-password-42"


def _name(prefix: str = "api") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _new(username: str, **extra) -> dict:
    return {
        "username": username,
        "full_name": "Anna Andersson",
        "password": PASSWORD,
        "roles": ["agent"],
        **extra,
    }


async def _audit(username: str) -> list[dict]:
    rows = (
        await AuditEntry.select(AuditEntry.actor, AuditEntry.action)
        .where((AuditEntry.object_type == "user") & (AuditEntry.object_id == username))
        .order_by(AuditEntry.seq)
    )
    return rows


async def _every_user(client, headers: dict[str, str], limit: int = 500) -> list[dict]:
    """Every account, page after page through the list's cursor."""
    users, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await client.get(USERS, params=params, headers=headers)
        assert page.status_code == 200, page.text
        users += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            assert len(users) == page.json()["total"]
            return users


@pytest.fixture
async def admin(auth_headers, role_users) -> dict[str, str]:
    return await auth_headers("it_admin")


async def test_create_get_list_change_and_audit(client, admin, role_users):
    username = _name()
    actor = role_users["it_admin"]
    created = await client.post(
        USERS,
        json=_new(
            username, email="anna@example.se", phone_extension="4711", languages=["sv", "en"]
        ),
        headers=admin,
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["username"] == username
    assert user["roles"] == ["agent"]
    assert user["languages"] == ["sv", "en"]
    assert user["active"] is True and "locked" not in user
    assert "password" not in user and "password_hash" not in user

    got = await client.get(f"{USERS}/{username}", headers=admin)
    assert got.status_code == 200 and got.json() == user
    assert username in [u["username"] for u in await _every_user(client, admin)]

    changed = await client.patch(
        f"{USERS}/{username}",
        json={"full_name": "Anna Berg", "roles": ["agent", "reception"], "phone_extension": "12"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["full_name"] == "Anna Berg"
    assert changed.json()["roles"] == ["agent", "reception"]

    password = await client.put(
        f"{USERS}/{username}/password", json={"password": "brand-new-pass-1"}, headers=admin
    )
    assert password.status_code == 204, password.text
    assert (
        await client.patch(f"{USERS}/{username}", json={"active": False}, headers=admin)
    ).status_code == 200

    entries = await _audit(username)
    assert [e["action"] for e in entries] == [
        "user.create",
        "user.update",
        "user.password_reset",
        "user.update",
    ]
    assert {e["actor"] for e in entries} == {actor}


async def test_supervisor_may_read_but_not_change(client, auth_headers):
    headers = await auth_headers("supervisor")
    assert (await client.get(USERS, headers=headers)).status_code == 200
    response = await client.post(USERS, json=_new(_name()), headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        ({"username": "Bad Name!"}, None, "Användarnamnet måste vara 2–64 tecken"),
        ({"username": "a"}, None, "Användarnamnet måste vara 2–64 tecken"),
        ({"password": "short"}, None, "Lösenordet måste ha minst 10 tecken"),
        ({"roles": ["agent", "wizard"]}, "roles", None),
        ({"roles": []}, "roles", None),
        ({"full_name": "Anna\u0000Andersson"}, "full_name", None),
        ({"username": "anna\u0000x"}, "username", None),
        ({"email": "a\u0000@example.se"}, "email", None),
        ({"email": "not-an-address"}, None, "Ogiltig e-postadress: not-an-address"),
        ({"phone_extension": "12ab"}, None, "Ogiltigt anknytningsnummer: 12ab"),
        ({"languages": ["svenska"]}, "languages", None),
        ({"full_name": "   "}, None, "Namnet får inte vara tomt"),
        ({"full_name": "x" * 201}, "full_name", None),
        ({"password": "p" * 2000}, "password", None),
        ({"roles": "agent"}, "roles", None),
        ({"shoe_size": 42}, "shoe_size", None),
    ],
)
async def test_bad_new_user_is_a_swedish_400(client, admin, change, field, detail):
    username = _name("bad")
    response = await client.post(USERS, json={**_new(username), **change}, headers=admin)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] == "Felaktig begäran"
    if detail:
        assert body["detail"].startswith(detail), body
    if field:
        assert any(e["field"].startswith(field) for e in body["errors"]), body
    probe = change.get("username", username)[:64].replace("\u0000", "")
    missing = await client.get(f"{USERS}/{probe}", headers=admin)
    assert missing.status_code in (400, 404)  # nothing was created


async def test_duplicate_username_is_409(client, admin):
    username = _name()
    assert (await client.post(USERS, json=_new(username), headers=admin)).status_code == 201
    again = await client.post(USERS, json=_new(username), headers=admin)
    assert again.status_code == 409
    assert again.json()["detail"] == f"Användarnamnet {username} är upptaget"
    assert [e["action"] for e in await _audit(username)] == ["user.create"]


async def test_bad_changes_are_400_and_unknown_users_404(client, admin):
    username = _name()
    assert (await client.post(USERS, json=_new(username), headers=admin)).status_code == 201
    for change in ({"roles": ["nope"]}, {"email": "x@"}, {"active": "yes"}, {"username": "x"}):
        response = await client.patch(f"{USERS}/{username}", json=change, headers=admin)
        assert response.status_code == 400, (change, response.text)
    short = await client.put(
        f"{USERS}/{username}/password", json={"password": "short"}, headers=admin
    )
    assert short.status_code == 400
    assert short.json()["detail"] == "Lösenordet måste ha minst 10 tecken"
    ghost = _name("ghost")
    for response in (
        await client.get(f"{USERS}/{ghost}", headers=admin),
        await client.patch(f"{USERS}/{ghost}", json={"full_name": "X"}, headers=admin),
        await client.put(f"{USERS}/{ghost}/password", json={"password": PASSWORD}, headers=admin),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"Det finns ingen användare som heter {ghost}"
    assert [e["action"] for e in await _audit(username)] == ["user.create"]


async def test_a_user_without_roles_is_refused(client, admin):
    from core.auth import service
    from core.errors import InvalidInput

    username = _name("noroles")
    with pytest.raises(InvalidInput, match="at least one role"):
        await service.create_user("test", username, "No Roles", PASSWORD, [])
    created = await client.post(USERS, json=_new(_name("someroles")), headers=admin)
    assert created.status_code == 201
    emptied = await client.patch(
        f"{USERS}/{created.json()['username']}", json={"roles": []}, headers=admin
    )
    assert emptied.status_code == 400
    assert any(e["field"] == "roles" for e in emptied.json()["errors"])


async def test_roles_are_an_enum_in_the_openapi_document(client):
    from core.contracts import ROLES

    schema = (await client.get("/api/schema/openapi.json")).json()
    body = schema["paths"]["/api/v1/users"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rpartition("/")[2]
    roles = schema["components"]["schemas"][ref]["properties"]["roles"]
    assert roles["minItems"] == 1
    assert sorted(roles["items"]["enum"]) == sorted(ROLES)
    answer = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"]["content"]
    ref = answer["application/json"]["schema"]["$ref"].rpartition("/")[2]
    login = schema["components"]["schemas"][ref]["properties"]
    assert login["expires_at"]["type"] == "string"
    for path, method in (
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/password", "put"),
        ("/api/v1/users/{username}/password", "put"),
    ):
        back_off = schema["paths"][path][method]["responses"]["429"]
        assert "application/problem+json" in back_off["content"], path


async def test_the_list_pages_by_username_without_repeats(client, admin):
    for _ in range(3):
        created = await client.post(USERS, json=_new(_name("page")), headers=admin)
        assert created.status_code == 201, created.text
    small = await _every_user(client, admin, limit=2)
    names = [u["username"] for u in small]
    assert names == sorted(names) and len(set(names)) == len(names) >= 3
    assert small == await _every_user(client, admin)


@pytest.mark.parametrize("query", ["cursor=%%%", "cursor=WyJvdGhlciIsImEiLDFd", "limit=0"])
async def test_the_list_refuses_a_bad_cursor_or_limit(client, admin, query):
    response = await client.get(f"{USERS}?{query}", headers=admin)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
