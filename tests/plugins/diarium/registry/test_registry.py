"""The registry end to end through the HTTP API: series, case files, documents with public
and protected text, secrecy marking, files, cancellation, problems for bad input."""

from __future__ import annotations

import hashlib
from datetime import date

from tests.plugins.diarium.conftest import BASE


async def test_register_document_in_case_file(client, diarium, auth_headers) -> None:
    headers = await auth_headers("registrator")
    case_file = diarium["case_file"]
    response = await client.post(
        f"{BASE}/documents",
        headers=headers,
        json={
            "case_file_id": case_file["id"],
            "direction": "in",
            "document_date": date.today().isoformat(),
            "counterpart_public": "Bostadsrättsföreningen Eken",
            "counterpart_protected": "Anna Andersson, 19811218-9876",
            "public_text": "Ansökan om bidrag",
            "protected_text": "Uppgifter om hälsa för 19811218-9876",
        },
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["number"].startswith(case_file["number"] + "-")
    assert doc["protected"]["text"] == "Uppgifter om hälsa för 19811218-9876"
    assert doc["has_personnummer"] is True
    from core.db import raw

    stored = await raw.fetchrow(
        "SELECT protected_text, counterpart_protected, personnummer_encrypted "
        "FROM diarium_document WHERE id = ?",
        doc["id"],
    )
    assert "9876" not in stored["protected_text"] + stored["counterpart_protected"]
    assert stored["personnummer_encrypted"].startswith("v")
    # a case officer who is not the officer of the file sees only the public side
    officer = await client.get(
        f"{BASE}/documents/{doc['id']}", headers=await auth_headers("supervisor")
    )
    assert officer.status_code == 200, officer.text
    assert officer.json()["protected"] is None
    assert officer.json()["protected_withheld"] is True
