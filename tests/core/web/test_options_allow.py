"""The automatic OPTIONS answer lists every method its path serves (Allow), also where a
controller serves one path with several handlers."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/knowledge/articles", {"GET", "POST", "OPTIONS"}),
        ("/api/v1/sla/agreements/1", {"GET", "PATCH", "DELETE", "OPTIONS"}),
        ("/api/v1/users", {"GET", "POST", "OPTIONS"}),
    ],
)
async def test_allow_names_every_method_of_the_path(client, auth_headers, path, methods):
    response = await client.options(path, headers=await auth_headers("admin"))
    assert response.status_code == 204, response.text
    assert set(response.headers["allow"].split(", ")) == methods
