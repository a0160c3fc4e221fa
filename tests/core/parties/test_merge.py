"""An audited merge of two parties: contacts and cases move, the merged party points on."""

from __future__ import annotations

import json

from core.audit.tables import AuditEntry
from core.db import raw
from tests.core.parties.conftest import new_personnummer, register, unique_name


async def create(client, headers, **body) -> int:
    response = await client.post(
        "/api/v1/parties", headers=headers, json={"create_anyway": True, **body}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def merge(client, headers, party_id, **body):
    return await client.post(f"/api/v1/parties/{party_id}/merge", headers=headers, json=body)


async def test_merge_moves_contacts_and_cases_and_is_audited(client, auth_headers, case_type):
    agent = await auth_headers("agent")
    supervisor = await auth_headers("supervisor")
    name = unique_name("Gun")
    number = new_personnummer()
    survivor = await create(client, agent, name=name, phone="0705550301")
    twin = await create(client, agent, name=name, id_number=number, email="gun@example.org")
    contact = (await register(client, agent, party_id=twin)).json()["contact"]["number"]
    opened = await register(client, agent, party_id=twin, case_type=case_type, open_case=True)
    assert opened.status_code == 201, opened.text
    case = opened.json()["case"]["number"]

    done = await merge(client, supervisor, twin, into=survivor, reason="Samma person")
    assert done.status_code == 200, done.text
    result = done.json()
    assert (result["merged_party_id"], result["contacts_moved"], result["cases_moved"]) == (
        twin,
        2,
        1,
    )
    # the survivor took over the number and the e-mail it lacked, kept its phone
    assert result["party"]["id"] == survivor
    assert result["party"]["id_number"] == number.replace("-", "")
    assert result["party"]["email"] == "gun@example.org"
    assert result["party"]["phone"] == "+46705550301"
    for table, key, value in (("contact", "number", contact), ("kc_case", "number", case)):
        row = await raw.fetchrow(f"SELECT party FROM {table} WHERE {key} = ?", value)
        assert row["party"] == survivor
    shown = await client.get(f"/api/v1/cases/{case}", headers=agent)
    assert shown.json()["party"] == survivor
    old = (await client.get(f"/api/v1/parties/{twin}", headers=agent)).json()
    assert old["merged_into"] == survivor and old["merged_at"].endswith(("Z", "+00:00"))
    found = await client.get("/api/v1/parties", params={"id_number": number}, headers=agent)
    assert [p["id"] for p in found.json()["items"]] == [survivor]
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "party.merge") & (AuditEntry.object_id == str(twin)))
        .first()
    )
    details = json.loads(entry["details"])
    assert entry["actor"] == "supervisor-user"
    assert details["into"] == survivor and details["reason"] == "Samma person"
    assert details["contacts"] == 2 and details["cases"] == 1
    assert number.replace("-", "") not in entry["details"]
    # a merged party can be neither merged again nor merged into
    other = await create(client, agent, name=unique_name())
    again = await merge(client, supervisor, twin, into=other, reason="Igen")
    assert again.status_code == 409
    into_old = await merge(client, supervisor, other, into=twin, reason="Igen")
    assert into_old.status_code == 409
    assert str(survivor) in into_old.json()["detail"]


async def test_parties_with_different_numbers_are_not_merged(client, auth_headers):
    agent = await auth_headers("agent")
    supervisor = await auth_headers("supervisor")
    one = await create(client, agent, name=unique_name(), id_number=new_personnummer())
    two = await create(client, agent, name=unique_name(), id_number=new_personnummer())
    refused = await merge(client, supervisor, one, into=two, reason="Fel")
    assert refused.status_code == 409, refused.text
    assert (await raw.fetchrow("SELECT merged_into FROM party WHERE id = ?", one))[
        "merged_into"
    ] is None


async def test_merge_is_for_supervisors_and_checks_its_input(client, auth_headers):
    agent = await auth_headers("agent")
    supervisor = await auth_headers("supervisor")
    one = await create(client, agent, name=unique_name())
    two = await create(client, agent, name=unique_name())
    assert (await merge(client, agent, one, into=two, reason="x")).status_code == 403
    assert (await merge(client, supervisor, one, into=one, reason="x")).status_code == 400
    assert (await merge(client, supervisor, one, into=two, reason="")).status_code == 400
    assert (await merge(client, supervisor, one, into=two)).status_code == 400
    assert (await merge(client, supervisor, one, into=2**70, reason="x")).status_code == 400
    assert (await merge(client, supervisor, one, into=two, reason="a\x00b")).status_code == 400
    assert (await merge(client, supervisor, one, into=999999999, reason="x")).status_code == 404
    assert (await merge(client, supervisor, 999999999, into=two, reason="x")).status_code == 404


async def test_the_survivor_of_a_protected_party_is_protected(client, auth_headers):
    agent = await auth_headers("agent")
    supervisor = await auth_headers("supervisor")
    name = unique_name("Hemlig")
    survivor = await create(client, agent, name=name)
    hidden = await create(client, agent, name=name, address="Okänd 1", protected_identity=True)
    done = await merge(client, supervisor, hidden, into=survivor, reason="Samma person")
    assert done.status_code == 200, done.text
    seen = (await client.get(f"/api/v1/parties/{survivor}", headers=agent)).json()
    assert seen["protected_identity"] is True and seen["name"] == "Skyddad identitet"
    assert "address" not in seen
