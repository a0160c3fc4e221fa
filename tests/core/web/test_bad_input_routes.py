"""Bad input on the routes without a bad-input test of their own: an invalid query or path
parameter gives 400, an unknown id or code gives 404, both as problem details that change
nothing. (Bodies with unknown fields are walked for every route by the permission matrix.)"""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"

CASES = [
    # (role, method, path, status)
    ("supervisor", "GET", "/api/v1/cases?limit=0", 400),
    ("supervisor", "GET", "/api/v1/cases?limit=501", 400),
    ("supervisor", "GET", "/api/v1/cases?offset=-1", 400),
    ("supervisor", "GET", "/api/v1/cases?mine=maybe", 400),
    ("supervisor", "GET", "/api/v1/cases/KC-1999-999999", 404),
    ("supervisor", "GET", "/api/v1/cases/" + "K" * 41, 400),
    ("supervisor", "GET", "/api/v1/callbacks?limit=0", 400),
    ("supervisor", "GET", "/api/v1/callbacks?outcome=" + "x" * 13, 400),
    ("supervisor", "GET", "/api/v1/parties?id_number=19900101-0018", 400),
    ("supervisor", "GET", "/api/v1/parties/999999", 404),
    ("supervisor", "GET", "/api/v1/org/case-types/no-such-type", 404),
    ("supervisor", "GET", "/api/v1/org/case-types/" + "x" * 61, 400),
    ("supervisor", "GET", "/api/v1/org/competence/no-such-user", 404),
    ("admin", "GET", "/api/v1/admin/plugins/no-such-plugin", 404),
    ("admin", "POST", "/api/v1/admin/plugins/no-such-plugin/disable", 404),
    ("supervisor", "POST", "/api/v1/knowledge/articles/999999/publish", 404),
    ("supervisor", "POST", "/api/v1/knowledge/articles/999999/archive", 404),
    ("supervisor", "GET", "/api/v1/public/knowledge?limit=0", 400),
    ("supervisor", "GET", "/api/v1/public/knowledge?offset=-1", 400),
    ("supervisor", "GET", "/api/v1/sla/calendars/no-such/exceptions", 404),
    ("supervisor", "GET", "/api/v1/sla/calendars/no-such/exceptions?from=2025-13-01", 400),
    ("supervisor", "DELETE", "/api/v1/sla/calendars/no-such-calendar", 404),
    ("supervisor", "GET", "/api/v1/sla/agreements?department_id=abc", 400),
    ("supervisor", "GET", "/api/v1/sla/agreements/999999/targets", 404),
    ("supervisor", "DELETE", "/api/v1/sla/agreements/999999", 404),
    ("supervisor", "DELETE", "/api/v1/sla/agreements/999999/targets/999999", 404),
    ("admin", "POST", "/api/v1/open311/clients/999999/revoke", 404),
    ("supervisor", "GET", "/api/v1/reports/cost?from=2024-13-01&to=2024-12-31", 400),
    ("supervisor", "GET", "/api/v1/reports/cost?from=2024-06-01&to=2024-01-01", 400),
    ("supervisor", "GET", "/api/v1/reports/cost/chart?format=gif", 400),
    ("supervisor", "GET", "/api/v1/reports/cost/export?format=pdf", 400),
    ("supervisor", "GET", "/api/v1/reports/no-such-report/export", 404),
]


@pytest.mark.parametrize(("role", "method", "path", "status"), CASES)
async def test_bad_input_is_a_problem(client, auth_headers, role, method, path, status):
    headers = {**(await auth_headers(role)), "Accept-Language": "sv"}
    response = await client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == status
    assert response.headers["content-language"] == "sv"


@pytest.mark.parametrize(
    "path",
    [
        "/open311/no-such.json",
        "/open311/v2/requests",  # no format suffix
        "/static/citizen/no-such-file.css",
        "/static/citizen/../../../etc/passwd",
    ],
)
async def test_public_routes_refuse_unknown_paths(client, path):
    response = await client.get(path)
    assert 400 <= response.status_code < 500, response.text
