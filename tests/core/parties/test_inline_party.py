"""A contact registration with an inline party reuses the citizen's existing party; its
contact details change only with the citizen's consent."""

from __future__ import annotations

import pytest

from core.audit.tables import AuditEntry
from core.db import raw
from core.errors import InvalidInput
from core.parties import inline
from tests.core.parties.conftest import new_personnummer, register, unique_name


async def party_row(party_id: int) -> dict:
    return await raw.fetchrow("SELECT * FROM party WHERE id = ?", party_id)


async def test_inline_party_with_an_existing_number_is_reused_unchanged(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    first = await register(
        client, agent, party={"name": unique_name("Bo"), "id_number": number, "phone": "0701230001"}
    )
    assert first.status_code == 201, first.text
    party_id = first.json()["contact"]["party"]
    assert first.json()["party"] == {
        "id": party_id,
        "reused": False,
        "details_updated": False,
        "duplicate_candidates": [],
    }
    again = await register(
        client,
        agent,
        party={"name": "Bo B", "id_number": number, "phone": "0709999999", "email": "bo@ex.se"},
    )
    assert again.status_code == 201, again.text
    assert again.json()["contact"]["party"] == party_id
    assert again.json()["party"]["reused"] is True
    assert again.json()["party"]["details_updated"] is False
    row = await party_row(party_id)
    assert (row["phone"], row["email"]) == ("+46701230001", "")
    count = await raw.fetchrow("SELECT COUNT(*) AS n FROM contact WHERE party = ?", party_id)
    assert count["n"] == 2


async def test_consent_lets_the_registration_update_contact_details(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    name = unique_name("Cecilia")
    first = await register(client, agent, party={"name": name, "id_number": number})
    party_id = first.json()["contact"]["party"]
    updated = await register(
        client,
        agent,
        party={
            "name": "Some Other Name",
            "id_number": number,
            "phone": "070-123 00 02",
            "email": "Cecilia@Example.org",
            "address": "Storgatan 1",
            "consent_to_update": True,
        },
    )
    assert updated.status_code == 201, updated.text
    assert updated.json()["party"]["reused"] is True
    assert updated.json()["party"]["details_updated"] is True
    row = await party_row(party_id)
    assert (row["phone"], row["email"], row["address"]) == (
        "+46701230002",
        "cecilia@example.org",
        "Storgatan 1",
    )
    assert row["name"] == name  # the name is not a contact detail
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "party.update") & (AuditEntry.object_id == str(party_id)))
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    assert '"consent":true' in entry["details"].replace(" ", "")


async def test_inline_party_without_number_reports_look_alikes(client, auth_headers):
    agent = await auth_headers("agent")
    name = unique_name("Dora")
    first = await register(client, agent, party={"name": name, "email": "dora@example.org"})
    original = first.json()["contact"]["party"]
    second = await register(
        client, agent, party={"name": name.upper(), "email": "DORA@example.org"}
    )
    assert second.status_code == 201, second.text
    assert second.json()["party"]["reused"] is False
    assert second.json()["contact"]["party"] != original
    assert second.json()["party"]["duplicate_candidates"] == [original]


async def test_inline_party_rejects_unknown_fields_and_nul(client, auth_headers):
    agent = await auth_headers("agent")
    unknown = await register(client, agent, party={"name": "X", "consent": True})
    assert unknown.status_code == 400
    nul = await register(client, agent, party={"name": "X\x00Y"})
    assert nul.status_code == 400
    assert [e["field"] for e in nul.json()["errors"]] == ["party.name"]


async def test_openapi_explains_the_consent_flag(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    inline = next(
        v for k, v in schema["components"]["schemas"].items() if k.endswith("InlineParty")
    )
    consent = inline["properties"]["consent_to_update"]
    assert consent["type"] == "boolean" and consent["default"] is False
    assert "agreed" in consent["description"]


async def test_the_service_refuses_nul_from_any_caller(runtime):
    with pytest.raises(InvalidInput) as refused:
        await inline.resolve("test", {"name": "Ada", "address": "Gata\x001"})
    assert refused.value.params == {"field": "address"}


async def test_consent_does_not_change_a_protected_identity(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    created = await client.post(
        "/api/v1/parties",
        headers=agent,
        json={"name": unique_name(), "id_number": number, "email": "real@example.org",
              "protected_identity": True},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    party_id = created.json()["id"]
    answer = await register(
        client,
        agent,
        party={"id_number": number, "email": "impostor@example.org", "consent_to_update": True},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["party"] == {
        "id": party_id,
        "reused": True,
        "details_updated": False,
        "duplicate_candidates": [],
    }
    assert (await party_row(party_id))["email"] == "real@example.org"
