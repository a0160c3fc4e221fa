"""Bad input over HTTP: always an RFC 9457 problem (application/problem+json) with a 4xx
status, in Swedish by default and in English on request, listing the offending fields."""

from __future__ import annotations

import json
import uuid

import pytest

from core.i18n import gettext
from core.web.problems import HTTP_TITLES, PROBLEM_JSON

LOGIN = "/api/v1/auth/login"
USERS = "/api/v1/users"
JSON_HEADERS = {"content-type": "application/json"}


def _problem(response, status: int, lang: str = "sv") -> dict:
    """Assert the response is a well-formed problem of ``status`` in ``lang``; return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["content-language"] == lang
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["instance"] == response.request.url.path
    title = HTTP_TITLES[status]
    assert body["title"] == gettext(title, lang)
    if lang == "sv":
        assert body["title"] != title, f"no Swedish title for {status}"
    assert body["detail"]
    return body


def _fields(body: dict) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


async def test_malformed_json_is_400_in_swedish(client):
    response = await client.post(LOGIN, content=b'{"username": "a", ', headers=JSON_HEADERS)
    body = _problem(response, 400)
    assert body["type"].endswith("/malformed-json")
    assert body["detail"] == "Begärans innehåll är inte giltig JSON"
    assert body["errors"][0]["source"] == "body"


async def test_english_on_request(client):
    response = await client.post(
        LOGIN, content=b"{oops", headers={**JSON_HEADERS, "Accept-Language": "en-GB,en;q=0.9"}
    )
    body = _problem(response, 400, "en")
    assert body["title"] == "Bad request"
    assert body["detail"] == "The request body is not valid JSON"


async def test_accept_language_q_values_pick_the_best(client):
    headers = {**JSON_HEADERS, "Accept-Language": "de, en;q=0.4, sv;q=0.8"}
    _problem(await client.post(LOGIN, content=b"[", headers=headers), 400, "sv")
    headers["Accept-Language"] = "fr, sv;q=0, en;q=0.1"
    _problem(await client.post(LOGIN, content=b"[", headers=headers), 400, "en")


async def test_unknown_field_names_the_field(client):
    response = await client.post(LOGIN, json={"username": "a", "password": "b", "admin": True})
    body = _problem(response, 400)
    assert body["type"].endswith("/invalid-input")
    assert body["detail"] == "Begärans innehåll eller parametrar är ogiltiga"
    assert _fields(body) == {"admin"}


async def test_wrong_type_names_the_field(client):
    response = await client.post(LOGIN, json={"username": 17, "password": "b"})
    assert _fields(_problem(response, 400)) == {"username"}


async def test_missing_field_names_the_field(client):
    response = await client.post(LOGIN, json={"username": "a"})
    assert _fields(_problem(response, 400)) == {"password"}


async def test_missing_body_is_400(client):
    body = _problem(await client.post(LOGIN), 400)
    assert body["errors"][0]["message"] == "Begäran måste ha ett innehåll i JSON"


async def test_json_of_the_wrong_shape_is_400(client):
    _problem(await client.post(LOGIN, json=["username", "password"]), 400)
    _problem(await client.post(LOGIN, content=b"null", headers=JSON_HEADERS), 400)


async def test_several_bad_fields_are_all_listed(client, auth_headers):
    headers = await auth_headers("it_admin")
    response = await client.post(
        USERS,
        json={"username": "x" * 65, "full_name": 5, "password": "p", "roles": "agent"},
        headers=headers,
    )
    body = _problem(response, 400)
    assert body["errors"], body
    assert _fields(body) <= {"username", "full_name", "roles"}


async def test_oversize_body_is_413(client, settings):
    payload = json.dumps({"username": "a" * (settings.max_body_bytes + 10), "password": "b"})
    body = _problem(await client.post(LOGIN, content=payload, headers=JSON_HEADERS), 413)
    assert str(settings.max_body_bytes) in body["detail"]
    assert body["type"].endswith("/too-large")


async def test_unknown_route_is_404(client):
    body = _problem(await client.get("/api/v1/no-such-thing"), 404)
    assert body["detail"] == "Resursen finns inte: /api/v1/no-such-thing"
    _problem(await client.get("/no/such/page", headers={"Accept-Language": "en"}), 404, "en")


async def test_wrong_method_is_405_with_allow(client):
    response = await client.delete(LOGIN)
    body = _problem(response, 405)
    assert "DELETE" in body["detail"]
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_non_json_body_is_415(client, content_type):
    response = await client.post(
        LOGIN, content=b'{"username": "a", "password": "b"}', headers={"content-type": content_type}
    )
    body = _problem(response, 415)
    assert body["type"].endswith("/media-type")


async def test_json_with_charset_and_vendor_types_are_accepted(client):
    for content_type in ("application/json; charset=utf-8", "application/problem+json"):
        response = await client.post(
            LOGIN,
            content=b'{"username": "nobody-here", "password": "wrong-password"}',
            headers={"content-type": content_type},
        )
        assert response.status_code == 401, response.text


async def test_path_parameter_validation_is_400(client, auth_headers):
    headers = await auth_headers("it_admin")
    body = _problem(await client.get(f"{USERS}/{'x' * 65}", headers=headers), 400)
    assert body["errors"] == [
        {"field": "username", "source": "path", "message": body["errors"][0]["message"]}
    ]


async def test_query_parameter_validation_is_400(client, auth_headers):
    headers = await auth_headers("supervisor")
    for query in ("limit=abc", "limit=0", "limit=100000", "before_seq=-1"):
        body = _problem(await client.get(f"/api/v1/audit?{query}", headers=headers), 400)
        field = query.split("=")[0]
        assert body["errors"][0] == {
            "field": field,
            "source": "query",
            "message": body["errors"][0]["message"],
        }


async def test_auth_problems_are_swedish(client, auth_headers):
    body = _problem(await client.get(USERS), 401)
    assert body["detail"] == "Logga in med en giltig token (Bearer)"
    forbidden = await client.get(USERS, headers=await auth_headers("agent"))
    assert _problem(forbidden, 403)["detail"] == "Din roll tillåter inte detta"


async def test_domain_errors_render_their_message_in_swedish(client, auth_headers):
    headers = await auth_headers("it_admin")
    name = f"ghost-{uuid.uuid4().hex[:8]}"
    body = _problem(await client.get(f"{USERS}/{name}", headers=headers), 404)
    assert body["detail"] == f"Det finns ingen användare som heter {name}"
    english = await client.get(f"{USERS}/{name}", headers={**headers, "Accept-Language": "en"})
    assert _problem(english, 404, "en")["detail"] == f"No user named {name}"


async def test_garbage_never_gives_a_server_error(client, auth_headers):
    headers = await auth_headers("it_admin")
    bodies = [
        b"\xff\xfe\x00garbage",
        b'{"username": "\\ud800", "password": "x"}',
        b'{"username": "a", "password": "b"' + b" " * 1000,
        b"1e999999",
        b'{"a": ' * 2000 + b"1" + b"}" * 2000,
        b'"just a string"',
    ]
    for path in (LOGIN, USERS, f"{USERS}/admin/password", "/api/v1/events/notice"):
        for raw in bodies:
            for method in ("POST", "PUT", "PATCH"):
                response = await client.request(
                    method, path, content=raw, headers={**JSON_HEADERS, **headers}
                )
                assert 400 <= response.status_code < 500, (method, path, raw[:20], response.text)
                assert response.headers["content-type"].startswith(PROBLEM_JSON)
