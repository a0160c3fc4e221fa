"""Likely duplicates of parties without a number: same name, same phone or e-mail."""

from __future__ import annotations

from tests.core.parties.conftest import new_personnummer, unique_name


async def create(client, headers, **body):
    return await client.post("/api/v1/parties", headers=headers, json=body)


async def test_look_alike_without_number_is_409_unless_created_anyway(client, auth_headers):
    agent = await auth_headers("agent")
    token = unique_name("Åsa")
    first = await create(client, agent, name=f"{token} Öberg", phone="070-555 12 34")
    assert first.status_code == 201, first.text
    # the same name folded (case, spaces, Swedish letters) and the phone in E.164
    clash = await create(client, agent, name=f"  {token.upper()}   ÖBERG ", phone="+46705551234")
    assert clash.status_code == 409, clash.text
    assert clash.json()["candidate_party_ids"] == [first.json()["id"]]
    assert clash.json()["type"].endswith("/party-duplicate")
    anyway = await create(
        client, agent, name=f"{token} Öberg", phone="0705551234", create_anyway=True
    )
    assert anyway.status_code == 201, anyway.text
    listed = await client.get(f"/api/v1/parties/{anyway.json()['id']}/duplicates", headers=agent)
    assert listed.status_code == 200, listed.text
    assert [p["id"] for p in listed.json()["items"]] == [first.json()["id"]]
    assert listed.json()["total"] == 1 and listed.json()["next_cursor"] is None


async def test_email_matches_case_insensitively_and_other_names_do_not(client, auth_headers):
    agent = await auth_headers("agent")
    name = unique_name("Erik")
    first = await create(client, agent, name=name, email="erik.e@example.org")
    assert (await create(client, agent, name=name, email="Erik.E@EXAMPLE.org")).status_code == 409
    other = await create(client, agent, name=f"{name} Jr", email="erik.e@example.org")
    assert other.status_code == 201, other.text
    no_contact = await create(client, agent, name=name)
    assert no_contact.status_code == 201
    shown = await client.get(f"/api/v1/parties/{first.json()['id']}/duplicates", headers=agent)
    assert shown.json()["items"] == []


async def test_a_party_with_a_number_is_not_held_back_by_look_alikes(client, auth_headers):
    agent = await auth_headers("agent")
    name = unique_name("Fia")
    assert (await create(client, agent, name=name, phone="0705550199")).status_code == 201
    numbered = await create(
        client, agent, name=name, phone="0705550199", id_number=new_personnummer()
    )
    assert numbered.status_code == 201, numbered.text


async def test_duplicates_of_unknown_or_huge_ids(client, auth_headers):
    agent = await auth_headers("agent")
    assert (
        await client.get("/api/v1/parties/999999999/duplicates", headers=agent)
    ).status_code == 404
    huge = await client.get(f"/api/v1/parties/{2**70}/duplicates", headers=agent)
    assert huge.status_code == 400
