"""The OpenAPI document is the truth: problems for every 4xx, security as it is enforced,
bounded integers, enums for closed lists, ISO 8601 times and JSON arrays as arrays."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from core.web.problems import PROBLEM_JSON

SCHEMA = "/api/schema/openapi.json"
METHODS = ("get", "put", "post", "delete", "patch")
# the request schemas of these paths are bounded by core/web/types.py
BOUNDED = re.compile(
    r"^/api/v1/(sla|knowledge|org|audit|admin/plugins|events|public/knowledge)(/|$)"
)
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
async def document(client) -> dict[str, Any]:
    response = await client.get(SCHEMA)
    assert response.status_code == 200
    return response.json()


def _operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def _integers(document: dict[str, Any], schema: dict[str, Any], where: str, seen=()):
    """Every integer schema inside ``schema`` (following references), with its place."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = (*seen, schema["$ref"])
        schema = _resolve(document, schema)
    if schema.get("type") == "integer" or "integer" in (schema.get("type") or []):
        yield where, schema
    for key in ("oneOf", "anyOf", "allOf"):
        for option in schema.get(key, []):
            if option.get("type") == "integer":
                # Litestar puts a nullable parameter's bounds next to the oneOf
                yield where, {**option, **{k: v for k, v in schema.items() if k != key}}
            else:
                yield from _integers(document, option, where, seen)
    for name, sub in (schema.get("properties") or {}).items():
        yield from _integers(document, sub, f"{where}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        yield from _integers(document, schema["items"], f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _integers(document, schema["additionalProperties"], f"{where}{{}}", seen)


def test_every_4xx_is_a_problem(document):
    assert document["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    wrong = []
    for path, method, operation in _operations(document):
        codes = operation["responses"]
        assert "400" in codes and "404" in codes, (method, path)
        for code, response in codes.items():
            if code.startswith("4"):
                content = response.get("content", {})
                schema = content.get(PROBLEM_JSON, {}).get("schema", {})
                # the Problem schema, or a route's own problem with extension members
                if schema.get("$ref") != "#/components/schemas/Problem" and not schema:
                    wrong.append(f"{method} {path} {code}")
                if "application/json" in content and not path.startswith("/open311"):
                    wrong.append(f"{method} {path} {code}: application/json")
    assert wrong == []


def test_security_is_documented_as_enforced(document, app):
    from core.web.openapi import _handlers_by_operation

    handlers = _handlers_by_operation(app)
    assert document["security"] == [{"bearer": []}]
    for path, method, operation in _operations(document):
        public = bool(handlers[(path, method)].opt.get("public"))
        assert (operation.get("security") == []) is public, (method, path)
        # Open311 answers a bad api_key with the GeoReport v2 403 (documented by the route)
        key_refusal = (path, method) == ("/open311/v2/{resource}", "post")
        assert ("403" in operation["responses"]) is not public or key_refusal, (method, path)
        assert "401" in operation["responses"], (method, path)  # public: wrong credentials
    public = document["paths"]["/api/v1/public/knowledge"]["get"]
    assert public["security"] == []


async def test_problem_responses_match_the_document(client, auth_headers, document):
    """A real 400, 401, 403 and 404 against the documented Problem schema."""
    problem = document["components"]["schemas"]["Problem"]
    agent = await auth_headers("agent")
    answers = [
        await client.get("/api/v1/audit?limit=0", headers=await auth_headers("supervisor")),
        await client.get("/api/v1/audit"),
        await client.get("/api/v1/audit", headers=agent),
        await client.get("/api/v1/knowledge/articles/999999", headers=agent),
    ]
    assert [r.status_code for r in answers] == [400, 401, 403, 404]
    for response in answers:
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        body = response.json()
        assert set(problem["required"]) <= set(body)
        assert set(body) <= set(problem["properties"]), body


def test_request_integers_are_bounded(document):
    unbounded = []
    count = 0
    for path, method, operation in _operations(document):
        if not BOUNDED.match(path):
            continue
        places = [
            (f"{p['in']} {p['name']}", p.get("schema", {})) for p in operation.get("parameters", [])
        ]
        for media in (operation.get("requestBody") or {}).get("content", {}).values():
            places.append(("body", media.get("schema", {})))
        for where, schema in places:
            for field, integer in _integers(document, schema, where):
                count += 1
                low, high = integer.get("minimum"), integer.get("maximum")
                if low is None or high is None or high > 2**63 - 1:
                    unbounded.append(f"{method} {path} {field}: {low}..{high}")
    assert count > 20
    assert unbounded == []


def test_closed_lists_are_enums(document):
    schemas = document["components"]["schemas"]
    new_article = next(s for name, s in schemas.items() if name.endswith("NewArticle"))
    assert sorted(_resolve(document, new_article["properties"]["kind"])["enum"]) == [
        "checklist",
        "faq",
        "script",
    ]
    department = next(s for name, s in schemas.items() if name.endswith("DepartmentBody"))
    assert "committee" in _resolve(document, department["properties"]["kind"])["enum"]
    params = document["paths"]["/api/v1/knowledge/articles"]["get"]["parameters"]
    status = next(p for p in params if p["name"] == "status")
    assert set(status["schema"]["enum"]) == {"draft", "published", "archived", None}


async def test_an_unknown_query_value_names_the_valid_ones(client, auth_headers):
    headers = {**(await auth_headers("agent")), "Accept-Language": "en"}
    response = await client.get("/api/v1/knowledge/articles?kind=novel", headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [
        {
            "field": "kind",
            "source": "query",
            "message": "Unknown value 'novel'; valid values: checklist, faq, script",
        }
    ]


async def test_article_times_are_iso_8601_with_an_offset(client, auth_headers):
    headers = await auth_headers("supervisor")
    created = await client.post(
        "/api/v1/knowledge/articles",
        json={"kind": "faq", "title": f"Tid {uuid.uuid4().hex[:6]}", "body": "Text."},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    article = created.json()
    assert ISO_WITH_OFFSET.match(article["updated_at"]), article
    url = f"/api/v1/knowledge/articles/{article['id']}"
    (version,) = (await client.get(f"{url}/versions", headers=headers)).json()
    assert ISO_WITH_OFFSET.match(version["created_at"]), version
    one = (await client.get(f"{url}/versions/1", headers=headers)).json()
    assert one["created_at"] == version["created_at"]
    listed = (await client.get("/api/v1/knowledge/articles?status=draft", headers=headers)).json()
    assert all(ISO_WITH_OFFSET.match(row["updated_at"]) for row in listed)


async def test_case_type_keywords_are_a_json_array(client, auth_headers):
    headers = await auth_headers("admin")
    code = f"nyckel-{uuid.uuid4().hex[:6]}"
    department = await client.put(
        f"/api/v1/org/departments/{code}", json={"name_sv": "Förvaltning"}, headers=headers
    )
    assert department.status_code == 200, department.text
    body = {
        "name_sv": "Nyckelord",
        "department": code,
        "keywords": ["bygglov", "altan"],
    }
    saved = await client.put(f"/api/v1/org/case-types/{code}", json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["keywords"] == ["bygglov", "altan"]
    listed = (await client.get("/api/v1/org/case-types?limit=500", headers=headers)).json()
    assert next(t for t in listed["items"] if t["code"] == code)["keywords"] == ["bygglov", "altan"]


def test_answers_that_are_not_json_document_their_media_types(document):
    export = document["paths"]["/api/v1/audit/export"]["get"]["responses"]["200"]
    assert set(export["content"]) == {"application/x-ndjson", "text/csv; charset=utf-8"}
