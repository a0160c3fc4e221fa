"""Party search by name, address, phone, e-mail and numbers; keyset paging; protected
identities; the OpenAPI document of the party endpoints."""

from __future__ import annotations

from tests.core.parties.conftest import new_personnummer, unique_name


async def create(client, headers, **body) -> int:
    response = await client.post(
        "/api/v1/parties", headers=headers, json={"create_anyway": True, **body}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def find(client, headers, **params):
    return await client.get("/api/v1/parties", params=params, headers=headers)


async def ids(client, headers, **params) -> list[int]:
    response = await find(client, headers, **params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


async def test_name_and_address_match_folded_swedish_letters(client, auth_headers):
    agent = await auth_headers("agent")
    token = unique_name("Ärla").split()[1]
    party = await create(
        client, agent, name=f"Åsa Öberg-Ärlig {token}", address=f"Ängsvägen 7 {token}"
    )
    assert await ids(client, agent, name=f"öBERG-ärlig {token.upper()}") == [party]
    assert await ids(client, agent, name=f"åsa öberg-ärlig {token}") == [party]
    assert await ids(client, agent, address=f"ÄNGSVÄGEN 7 {token}") == [party]
    assert await ids(client, agent, name=f"Öberg {token}") == []
    # LIKE's wildcards in the query match only themselves
    assert await ids(client, agent, name=f"%{token}") == []


async def test_phone_in_any_form_email_and_id_number(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    name = unique_name("Hans")
    party = await create(
        client, agent, name=name, phone="+46 70 555 04 01", email="hans@example.org",
        id_number=number,
    )  # fmt: skip
    for phone in ("070-555 04 01", "0705550401", "+46705550401", "0046 70 555 04 01"):
        assert party in await ids(client, agent, phone=phone)
    assert party in await ids(client, agent, email="HANS@Example.org")
    assert await ids(client, agent, id_number=number.replace("-", "")) == [party]
    assert await ids(client, agent, id_number=number, name="Someone else") == []
    shown = (await find(client, agent, id_number=number)).json()["items"][0]
    assert shown["id_number"].endswith("-XXXX") and "address" not in shown
    assert shown["created_at"].endswith("Z") and shown["updated_at"].endswith("Z")


async def test_pages_follow_the_cursor_and_count_the_total(client, auth_headers):
    agent = await auth_headers("agent")
    token = unique_name("Page").split()[1]
    made = [await create(client, agent, name=f"{token} {letter}") for letter in "abcde"]
    first = (await find(client, agent, name=token, limit=2)).json()
    assert first["total"] == 5 and [p["id"] for p in first["items"]] == made[:2]
    seen = [p["id"] for p in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await find(client, agent, name=token, limit=2, cursor=cursor)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == made
    assert (await find(client, agent, name=token, cursor="not-a-cursor")).status_code == 400


async def test_protected_identities_are_found_by_exact_criteria_only(client, auth_headers):
    agent = await auth_headers("agent")
    officer = await auth_headers("case_officer")
    number = new_personnummer()
    name = unique_name("Skyddad")
    party = await create(
        client, agent, name=name, id_number=number, phone="0705550777", protected_identity=True
    )
    other = await create(client, agent, name=f"{name} Öppen")
    assert await ids(client, agent, name=name) == [other]
    assert (await find(client, agent, name=name)).json()["total"] == 1
    placeholder = {"id": party, "kind": "person", "name": "Skyddad identitet",
                   "protected_identity": True}  # fmt: skip
    assert (await find(client, agent, id_number=number)).json()["items"] == [placeholder]
    assert (await find(client, agent, phone="0705550777")).json()["items"] == [placeholder]
    # a name or address beside the phone would confirm the hidden details
    assert await ids(client, agent, phone="0705550777", name=name) == []
    assert await ids(client, officer, name=name) == [party, other]


async def test_bad_search_input_is_400(client, auth_headers):
    agent = await auth_headers("agent")
    for params in (
        {},
        {"name": "a\x00b"},
        {"phone": "not a phone"},
        {"id_number": "19900101-0018"},
        {"name": "x", "limit": 0},
        {"name": "x", "limit": 2**70},
        {"name": "x" * 300},
    ):
        response = await find(client, agent, **params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_nul_in_a_party_text_is_400_naming_the_field(client, auth_headers):
    agent = await auth_headers("agent")
    created = await client.post("/api/v1/parties", headers=agent, json={"name": "A\x00B"})
    assert created.status_code == 400
    assert [e["field"] for e in created.json()["errors"]] == ["name"]
    party = await create(client, agent, name=unique_name())
    changed = await client.patch(
        f"/api/v1/parties/{party}", headers=agent, json={"address": "Gata\x001"}
    )
    assert changed.status_code == 400
    assert [e["field"] for e in changed.json()["errors"]] == ["address"]


async def test_openapi_shows_enums_and_times_of_parties(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    new_party = next(v for k, v in components.items() if k.endswith("NewParty"))
    props = new_party["properties"]
    assert props["kind"]["enum"] == ["person", "organisation", "anonymous"]
    assert set(props["preferred_channel"]["enum"]) == {"email", "phone", "sms", "letter", "none"}
    assert {"sv", "en", "fi", "so", "ar"} <= set(props["preferred_language"]["enum"])
    assert props["name"]["maxLength"] == 200 and "pattern" in props["name"]
    view = next(v for k, v in components.items() if k.endswith("PartyView"))
    times = view["properties"]["created_at"]
    assert any(option.get("format") == "date-time" for option in times.get("oneOf", [times]))
    ops = schema["paths"]
    assert "post" in ops["/api/v1/parties/{party_id}/merge"]
    assert "get" in ops["/api/v1/parties/{party_id}/duplicates"]


async def test_openapi_documents_the_conflict_members(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    create = schema["paths"]["/api/v1/parties"]["post"]
    conflict = create["responses"]["409"]["content"]["application/problem+json"]["schema"]
    ref = conflict["$ref"].rsplit("/", 1)[1]
    members = schema["components"]["schemas"][ref]["properties"]
    assert {"existing_party_id", "candidate_party_ids", "detail"} <= set(members)
