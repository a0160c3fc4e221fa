"""Fixtures of the archive's tests: a series of its own board (so that the disposal lists of
these tests see only their own documents), the board's informationshanteringsplan, and case
files built through the registry's own services:

- ``closed``: closed three years ago; a received application (kept, with a PDF and a secrecy
  marking, a personnummer in the protected text), a decision sent (kept), working material
  (disposed of after 2 years: due) and a copy for information (disposed of after 5 years:
  not yet due).
- ``fresh``: closed now; working material (2 years: not yet due).
- ``open``: still open; working material.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from core import db
from core.db import raw

BOARD = "Arkivnämnden (test)"
SERIES = {
    "code": "ARK",
    "name": "Arkivtestets diarium",
    "board": BOARD,
    "pattern": "{code} {year}/{seq}",
}
PERSONNUMMER = "19121212-1212"
#: Bytes of a minimal PDF (what a scanned letter is stored as).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
YEAR = 365 * 24 * 3600


async def _rule(document_type: str, action: str, years: int | None, ref: str) -> dict:
    from plugins.diarium.registry import retention

    for rule in await retention.rules_for(BOARD):
        if rule["document_type"] == document_type:
            return rule
    return await retention.create(
        "test",
        board=BOARD,
        document_type=document_type,
        action=action,
        period_years=years,
        decision_ref=ref,
    )


async def _case_file(title: str, officer: str) -> dict[str, Any]:
    from plugins.diarium.registry import casefiles

    return await casefiles.open_case_file(
        "test",
        series_code=SERIES["code"],
        title_public=title,
        title_protected=f"{title} (skyddad rubrik)",
        classification_code="1.2.1",
        officer=officer,
        department="KANSLI",
    )


async def _document(case_file_id: int, document_type: str, direction: str, text: str, **kw):
    from plugins.diarium.registry import documents

    return await documents.register(
        "test",
        case_file_id=case_file_id,
        direction=direction,
        document_date=kw.pop("document_date", "2026-01-15"),
        counterpart_public=kw.pop(
            "counterpart_public", "" if direction == "drawn_up" else "Anna A"
        ),
        public_text=text,
        document_type=document_type,
        **kw,
    )


@pytest.fixture(scope="module")
async def archive_data(diarium, role_users) -> dict[str, Any]:
    """The case files, documents and blobs described in the module doc (new per module)."""
    from plugins.diarium.registry import casefiles, files, series

    try:
        await series.get_by_code(SERIES["code"])
    except Exception:
        await series.create("test", **SERIES)
    rules = {
        "ansökan": await _rule("Ansökan", "keep", None, "IHP ARK 1.1"),
        "beslut": await _rule("Beslut", "keep", None, "IHP ARK 1.2"),
        "arbetsmaterial": await _rule("Arbetsmaterial", "dispose", 2, "IHP ARK 1.3"),
        "kopia": await _rule("Kopia för kännedom", "dispose", 5, "IHP ARK 1.4"),
    }
    officer = role_users["case_officer"]
    stamp = time.time_ns()
    pdf = await files.store(PDF + f"%{stamp}\n".encode(), "application/pdf")
    notes = await files.store(f"Anteckningar {stamp}\n".encode(), "text/plain")
    shared = await files.store(f"Bilaga i två handlingar {stamp}\n".encode(), "text/plain")

    closed = await _case_file("Bygglov Storgatan 1", officer)
    application = await _document(
        closed["id"],
        "Ansökan",
        "in",
        "Ansökan om bygglov",
        counterpart_protected=f"Anna Andersson {PERSONNUMMER}",
        protected_text=f"Sökande {PERSONNUMMER}, skyddad adress",
        files=[("Ansökan från Anna.pdf", pdf, "original"), ("bilaga.txt", shared, "original")],
        secrecy={
            "provision": "OSL 21 kap. 3 §",
            "authority": BOARD,
            "reason": "Skyddad adress",
        },
    )
    material = await _document(
        closed["id"],
        "Arbetsmaterial",
        "drawn_up",
        "Minnesanteckningar från platsbesök",
        files=[("anteckningar.txt", notes, "original"), ("bilaga.txt", shared, "original")],
    )
    copy = await _document(closed["id"], "Kopia för kännedom", "in", "Kopia av grannens yttrande")
    decision = await _document(closed["id"], "Beslut", "out", "Beslut om bygglov")
    await casefiles.close("test", closed["id"], decision="Bygglov beviljas")
    three_years_ago = int(time.time()) - 3 * YEAR
    async with db.transaction():  # as if it had been closed three years ago
        await raw.fetch(
            "UPDATE diarium_case_file SET closed_at = ?, opened_at = ? WHERE id = ?",
            three_years_ago,
            three_years_ago - YEAR,
            closed["id"],
        )

    fresh = await _case_file("Remiss om detaljplan", officer)
    fresh_material = await _document(fresh["id"], "Arbetsmaterial", "drawn_up", "Utkast till svar")
    await casefiles.close("test", fresh["id"], decision="Yttrande lämnat")

    still_open = await _case_file("Pågående ärende", officer)
    open_material = await _document(
        still_open["id"], "Arbetsmaterial", "drawn_up", "Utkast i pågående ärende"
    )
    return {
        "rules": rules,
        "closed": await casefiles.row(closed["id"]),
        "fresh": await casefiles.row(fresh["id"]),
        "open": await casefiles.row(still_open["id"]),
        "application": application,
        "material": material,
        "copy": copy,
        "decision": decision,
        "fresh_material": fresh_material,
        "open_material": open_material,
        "blobs": {"pdf": pdf, "notes": notes, "shared": shared},
    }
