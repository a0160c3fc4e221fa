"""The archive's demo data (hook ``seed_demo_data``, after the registry's): a closed case file
of the Samhällsbyggnadsnämnd ready for export to the e-archive (an application with its PDF
and the decision sent), and a disposal proposal awaiting its decision: complaints of a case
file closed six years ago, which the board's informationshanteringsplan disposes of after
five (complaints) and two (letters) years. Seeded once, and only when the registry's demo
series SBN is there."""

from __future__ import annotations

import logging
import random
import time
from datetime import date, timedelta

from fpdf import FPDF

from core import db
from core.db import raw
from core.errors import Conflict
from plugins.diarium.archive import disposal
from plugins.diarium.registry import casefiles, documents, files

SERIES = "SBN"
EXPORT_TITLE = "Bygglov för tillbyggnad av garage, Ekeby 2:7"
DISPOSAL_TITLE = "Klagomål på buller från byggarbetsplats, Ekeby 1:3"
PROPOSER = "annika.lindqvist"
OFFICER = "lars.eklund"
YEAR = 365 * 24 * 3600
log = logging.getLogger(__name__)


def _pdf(lines: list[str]) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def seed(rng: random.Random, actor: str = "demo") -> int:
    """Seed once; returns the number of case files made (0 when already there or when the
    registry's demo data is missing)."""
    if not await raw.fetchrow("SELECT id FROM diarium_series WHERE code = ?", SERIES):
        return 0
    if await raw.fetchrow("SELECT id FROM diarium_case_file WHERE title_public = ?", EXPORT_TITLE):
        return 0
    users = {r["username"] for r in await raw.fetch("SELECT username FROM kc_user")}
    officer = OFFICER if OFFICER in users else ""
    proposer = PROPOSER if PROPOSER in users else actor
    today = date.today()

    # A closed case file ready for export.
    ready = await casefiles.open_case_file(
        actor,
        series_code=SERIES,
        title_public=EXPORT_TITLE,
        classification_code="3.1.1",
        officer=officer,
        department="BYGG",
    )
    application = await files.store(
        _pdf(["Ansökan om bygglov", "Tillbyggnad av garage, Ekeby 2:7", "Ritningar bifogas"]),
        "application/pdf",
    )
    await documents.register(
        actor,
        case_file_id=ready["id"],
        direction="in",
        document_date=(today - timedelta(days=40 + rng.randint(0, 5))).isoformat(),
        counterpart_public="Privatperson",
        public_text="Ansökan om bygglov för tillbyggnad av garage",
        document_type="Ansökan om bygglov",
        files=[("ansokan-bygglov.pdf", application, "original")],
    )
    await documents.register(
        actor,
        case_file_id=ready["id"],
        direction="out",
        document_date=(today - timedelta(days=5)).isoformat(),
        counterpart_public="Sökanden",
        public_text="Beslut om bygglov: beviljas",
        document_type="Beslut om bygglov",
    )
    await casefiles.close(actor, ready["id"], decision="Bygglov beviljas med villkor")

    # A case file closed six years ago whose complaints and letters are due for disposal.
    old = await casefiles.open_case_file(
        actor,
        series_code=SERIES,
        title_public=DISPOSAL_TITLE,
        classification_code="3.1.2",
        officer=officer,
        department="BYGG",
    )
    complaint = await files.store(
        _pdf(["Klagomål", "Buller från byggarbetsplatsen vid Ekeby 1:3 sena kvällar"]),
        "application/pdf",
    )
    six_years = today - timedelta(days=6 * 366)
    await documents.register(
        actor,
        case_file_id=old["id"],
        direction="in",
        document_date=six_years.isoformat(),
        counterpart_public="Boende i närheten",
        public_text="Klagomål på buller kvällstid",
        document_type="Klagomål",
        files=[("klagomal.pdf", complaint, "original")],
    )
    await documents.register(
        actor,
        case_file_id=old["id"],
        direction="out",
        document_date=(six_years + timedelta(days=10)).isoformat(),
        counterpart_public="Byggherren",
        public_text="Skrivelse om arbetstider",
        document_type="Skrivelse",
    )
    await casefiles.close(actor, old["id"], decision="Tillsynen avslutad utan åtgärd")
    closed_at = int(time.time()) - 6 * YEAR
    async with db.transaction():  # the demo's history: closed six years ago
        await raw.fetch(
            "UPDATE diarium_case_file SET opened_at = ?, closed_at = ? WHERE id = ?",
            closed_at - 30 * 24 * 3600,
            closed_at,
            old["id"],
        )
    try:
        await disposal.propose(
            proposer,
            board=old["board"],
            note="Årlig gallring enligt informationshanteringsplanen (demo)",
        )
    except Conflict:  # the board's plan was changed so that nothing is due
        log.warning("demo: no disposal proposal, nothing due for %s", old["board"])
    return 2
