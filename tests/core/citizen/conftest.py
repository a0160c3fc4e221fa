"""A department with a public and an internal case type, and helpers to make real cases."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import httpx
import pytest

from core.org import service as org

_addresses = itertools.count(1)


def unique_client_address() -> str:
    """A client address no other test uses (the guessing guard counts per address)."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}::{next(_addresses):x}"


@pytest.fixture
async def as_client(app, client):
    """``as_client()`` -> an in-process HTTP client coming from a fresh client address
    (the app is already started by the session's ``client``)."""
    made: list[httpx.AsyncClient] = []

    def make(address: str | None = None) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address or unique_client_address(), 4711))
        new = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        made.append(new)
        return new

    yield make
    for made_client in made:
        await made_client.aclose()


@dataclass
class CitizenOrg:
    department: str
    department_name: str
    public_type: str
    internal_type: str


@pytest.fixture(scope="session")
async def citizen_org(client) -> CitizenOrg:
    suffix = uuid.uuid4().hex[:6]
    dept = f"TN{suffix.upper()}"
    await org.save_department(
        "test", dept, {"name_sv": "Tekniska nämnden", "name_en": "Technical committee"}
    )
    public_type = f"trasig-lekplats-{suffix}"
    await org.save_case_type(
        "test",
        public_type,
        {
            "name_sv": "Trasiga lekredskap",
            "name_en": "Broken playground equipment",
            "department": dept,
            "public": True,
            "description_sv": "Anmäl trasiga gungor, rutschkanor och klätterställningar.",
            "description_en": "Report broken swings, slides and climbing frames.",
            "keywords": ["lekplats", "gunga"],
        },
    )
    internal_type = f"intern-{suffix}"
    await org.save_case_type(
        "test", internal_type, {"name_sv": "Internt", "department": dept, "public": False}
    )
    return CitizenOrg(dept, "Tekniska nämnden", public_type, internal_type)


async def open_case(client, headers, case_type: str, **extra) -> dict:
    """Register a phone contact opening a case; returns the API's answer."""
    body = {"channel": "phone", "case_type": case_type, "open_case": True, **extra}
    response = await client.post("/api/v1/contacts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()
