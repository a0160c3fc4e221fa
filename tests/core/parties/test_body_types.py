"""Party bodies take JSON's own types, as the OpenAPI document states them: a string where a
boolean or an integer is documented is a 400 naming the field, never converted."""

from __future__ import annotations

import pytest

from tests.core.parties.conftest import unique_name


@pytest.mark.parametrize(
    ("field", "value"),
    [("protected_identity", "true"), ("create_anyway", "1"), ("protected_identity", 1)],
)
async def test_a_new_party_with_a_value_of_another_type_is_a_400(
    client, auth_headers, field, value
):
    agent = await auth_headers("agent")
    name = unique_name("Typ")
    response = await client.post(
        "/api/v1/parties", json={"name": name, field: value}, headers=agent
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    found = await client.get("/api/v1/parties", params={"name": name}, headers=agent)
    assert found.json()["items"] == []


async def test_a_change_with_a_string_for_a_boolean_is_a_400_and_changes_nothing(
    client, auth_headers
):
    agent = await auth_headers("agent")
    created = await client.post("/api/v1/parties", json={"name": unique_name("Typ")}, headers=agent)
    assert created.status_code == 201, created.text
    url = f"/api/v1/parties/{created.json()['id']}"
    refused = await client.patch(url, json={"protected_identity": "true"}, headers=agent)
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["protected_identity"]
    assert (await client.get(url, headers=agent)).json()["protected_identity"] is False
    changed = await client.patch(url, json={"phone": "070-123 45 67"}, headers=agent)
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "+46701234567"


async def test_a_merge_target_given_as_a_string_is_a_400(client, auth_headers):
    agent = await auth_headers("supervisor")
    created = await client.post("/api/v1/parties", json={"name": unique_name("Typ")}, headers=agent)
    merged = await client.post(
        f"/api/v1/parties/{created.json()['id']}/merge",
        json={"into": "1", "reason": "Samma person"},
        headers=agent,
    )
    assert merged.status_code == 400, merged.text
    assert [e["field"] for e in merged.json()["errors"]] == ["into"]
