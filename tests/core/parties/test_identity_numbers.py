"""Identity and organisation numbers are unique among parties: 409 naming the existing party,
one party from simultaneous creates, a migration that merges duplicates of an older database."""

from __future__ import annotations

import asyncio
import importlib

import pytest

from core import db
from core.db import raw
from core.parties.tables import Party
from tests.core.parties.conftest import new_org_number, new_personnummer, register, unique_name

MIGRATION = importlib.import_module("core.db.migrations.core_2026_12_02t02_00_00_000000")


async def create(client, headers, **body):
    return await client.post("/api/v1/parties", headers=headers, json=body)


async def test_existing_personnummer_is_409_naming_the_party(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    first = await create(client, agent, name=unique_name("Anna"), id_number=number)
    assert first.status_code == 201, first.text
    # the same number written another way (12 digits without the dash)
    again = await create(client, agent, name="Someone Else", id_number=number.replace("-", ""))
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    problem = again.json()
    assert problem["existing_party_id"] == first.json()["id"]
    assert problem["type"].endswith("/party-exists")
    assert str(first.json()["id"]) in problem["detail"]


async def test_existing_org_number_is_409_in_english_too(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_org_number()
    first = await create(client, agent, kind="organisation", name="Bolag AB", org_number=number)
    assert first.status_code == 201, first.text
    again = await client.post(
        "/api/v1/parties",
        headers={**agent, "Accept-Language": "en"},
        json={"kind": "organisation", "name": "Bolaget", "org_number": number.replace("-", "")},
    )
    assert again.status_code == 409
    assert again.json()["existing_party_id"] == first.json()["id"]
    assert again.json()["detail"].startswith("A party with this identity number exists")


async def test_simultaneous_creates_of_one_number_give_one_party(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    answers = await asyncio.gather(
        *(create(client, agent, name=unique_name("Samtidig"), id_number=number) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    created = next(a for a in answers if a.status_code == 201).json()["id"]
    assert {a.json()["existing_party_id"] for a in answers if a.status_code == 409} == {created}
    found = await client.get("/api/v1/parties", params={"id_number": number}, headers=agent)
    assert [p["id"] for p in found.json()["items"]] == [created]


async def test_simultaneous_registrations_with_one_number_share_the_party(client, auth_headers):
    agent = await auth_headers("agent")
    party = {"name": unique_name("Ringer"), "id_number": new_personnummer()}
    answers = await asyncio.gather(*(register(client, agent, party=party) for _ in range(3)))
    assert [a.status_code for a in answers] == [201, 201, 201], answers[0].text
    assert len({a.json()["contact"]["party"] for a in answers}) == 1
    assert sorted(a.json()["party"]["reused"] for a in answers) == [False, True, True]


async def test_changing_to_another_partys_number_is_409(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    owner = (await create(client, agent, name=unique_name(), id_number=number)).json()["id"]
    other = (await create(client, agent, name=unique_name(), id_number=new_personnummer())).json()
    changed = await client.patch(
        f"/api/v1/parties/{other['id']}", headers=agent, json={"id_number": number}
    )
    assert changed.status_code == 409, changed.text
    assert changed.json()["existing_party_id"] == owner
    # its own number again is no conflict
    same = await client.patch(
        f"/api/v1/parties/{owner}", headers=agent, json={"id_number": number, "name": "Ny"}
    )
    assert same.status_code == 200, same.text


async def test_the_database_refuses_a_second_row_with_one_blind_index(client, auth_headers):
    agent = await auth_headers("agent")
    made = (await create(client, agent, name=unique_name(), id_number=new_personnummer())).json()
    index = (await Party.select(Party.id_number_index).where(Party.id == made["id"]).first())[
        "id_number_index"
    ]
    refused = False
    try:
        async with db.transaction():
            await raw.insert("party", {"kind": "person", "name": "Kopia", "id_number_index": index})
    except Exception as exc:  # the driver's integrity error, SQLite or PostgreSQL
        refused = "unique" in str(exc).lower()
    assert refused


COPY_NUMBER = {
    "person": "UPDATE party SET id_number_index = (SELECT id_number_index FROM party "
    "WHERE id = ?), id_number_cipher = (SELECT id_number_cipher FROM party WHERE id = ?) "
    "WHERE id = ?",
    "organisation": "UPDATE party SET org_number = (SELECT org_number FROM party WHERE id = ?) "
    "WHERE id = ? OR id = ?",
}
UNIQUE_INDEX = {"person": "party_id_number_unique", "organisation": "party_org_number_unique"}


@pytest.mark.parametrize("kind", ["person", "organisation"])
async def test_migration_merges_existing_duplicates_into_the_oldest(
    client, auth_headers, case_type, kind
):
    """An older database may hold one citizen twice: the migration keeps the oldest party,
    moves contacts and cases to it and marks the other merged, before the unique index is
    made."""
    agent = await auth_headers("agent")
    number = (
        {"id_number": new_personnummer()} if kind == "person" else {"org_number": new_org_number()}
    )
    oldest = (await create(client, agent, kind=kind, name=unique_name(), **number)).json()["id"]
    twin = (await create(client, agent, kind=kind, name=unique_name())).json()["id"]
    opened = await register(client, agent, party_id=twin, case_type=case_type, open_case=True)
    contact, case = opened.json()["contact"], opened.json()["case"]
    await db.get_engine().run_ddl(f"DROP INDEX {UNIQUE_INDEX[kind]}")
    try:
        async with db.transaction():
            await raw.fetch(COPY_NUMBER[kind], oldest, oldest, twin)
        await MIGRATION.merge_duplicates()
    finally:
        await MIGRATION.create_unique_indexes()
    row = await raw.fetchrow("SELECT * FROM party WHERE id = ?", twin)
    assert row["merged_into"] == oldest
    assert (row["id_number_index"], row["org_number"]) == (None, "")
    moved = await raw.fetchrow("SELECT party FROM contact WHERE number = ?", contact["number"])
    assert moved["party"] == oldest
    moved = await raw.fetchrow("SELECT party FROM kc_case WHERE number = ?", case["number"])
    assert moved["party"] == oldest
    seen = (await client.get(f"/api/v1/parties/{twin}", headers=agent)).json()
    assert seen["merged_into"] == oldest
    survivor = (await client.get(f"/api/v1/parties/{oldest}", headers=agent)).json()
    assert survivor.get("merged_into") is None
    assert (survivor["id_number"] or survivor["org_number"]) != ""


async def reads_of(party_id: int) -> list[dict]:
    from core.audit.tables import AuditEntry

    query = AuditEntry.select(AuditEntry.actor, AuditEntry.details).order_by(AuditEntry.seq)
    return await query.where(
        (AuditEntry.object_type == "party")
        & (AuditEntry.object_id == str(party_id))
        & (AuditEntry.action == "read")
    )


async def test_every_view_of_a_full_identity_number_is_audited(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    with_number = (await create(client, agent, name=unique_name(), id_number=number)).json()
    without = (await create(client, agent, name=unique_name(), phone="0705550909")).json()
    before = len(await reads_of(with_number["id"]))
    shown = (await client.get(f"/api/v1/parties/{with_number['id']}", headers=agent)).json()
    assert shown["id_number"] == number.replace("-", "")
    reads = await reads_of(with_number["id"])
    assert len(reads) == before + 1 and reads[-1]["actor"] == "agent-user"
    # a list shows the number masked: no read of the number
    await client.get("/api/v1/parties", params={"id_number": number}, headers=agent)
    assert len(await reads_of(with_number["id"])) == before + 1
    await client.get(f"/api/v1/parties/{without['id']}", headers=agent)
    assert await reads_of(without["id"]) == []


async def test_a_number_in_other_digits_is_the_same_number(client, auth_headers):
    agent = await auth_headers("agent")
    number = new_personnummer()
    first = await create(client, agent, name=unique_name(), id_number=number)
    assert first.status_code == 201, first.text
    for digits in ("٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９"):
        written = number.translate(str.maketrans("0123456789", digits))
        again = await create(client, agent, name=unique_name(), id_number=written)
        assert again.status_code == 409, again.text
        assert again.json()["existing_party_id"] == first.json()["id"]
