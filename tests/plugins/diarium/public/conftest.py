"""Fixtures of the public side's tests: diary entries registered through the registry's own
service, each with public text and protected text that must never reach the public (one of
them secret-marked, with a PDF whose secret parts the masking tests black out)."""

from __future__ import annotations

from typing import Any

import pytest
from fpdf import FPDF

from plugins.diarium.public.decision import FONT_DIR

#: Words that exist only in protected fields: a hostile query for any of them finds nothing.
SECRETS = (
    "Hemligsson",
    "Orosanmälan",
    "hemligtord",
    "Skyddadgatan",
    "19121212-1212",
    "191212121212",
    "Testakt, skyddad rubrik",
)
PROVISION = "OSL 26 kap. 1 §"
#: The public side's own series: the other areas register in the shared ``TKS`` series in the
#: same session, so every search of these tests is scoped to this one.
WEB_SERIES = {
    "code": "WEB",
    "name": "Webbdiariets testserie",
    "board": "Kommunstyrelsen",
    "pattern": "{code} {year}/{seq}",
}


def letter_pdf() -> bytes:
    """A one-page letter whose second line names the secret person."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 14)
    pdf.set_xy(72, 72)
    pdf.cell(400, 20, "Till socialnämnden i Exempelkommun")
    pdf.set_xy(72, 110)
    pdf.cell(400, 20, "Orosanmälan gällande Lisa Hemligsson på Skyddadgatan 3.")
    pdf.set_xy(72, 150)
    pdf.cell(400, 20, "Skolan har sett frånvaro under hösten.")
    return bytes(pdf.output())


@pytest.fixture(scope="session")
async def entries(diarium) -> dict[str, Any]:
    """Three documents in the test case file and one standing alone: ``public`` (a building
    permit letter), ``secret`` (secret-marked, with a PDF), ``broken`` (a "PDF" that is not
    one), ``alone`` (a series number of its own, drawn up)."""
    from plugins.diarium.registry import casefiles, documents, files, series

    try:
        await series.get_by_code(WEB_SERIES["code"])
    except Exception:
        await series.create("test", **WEB_SERIES)
    case_file = await casefiles.open_case_file(
        "test",
        series_code=WEB_SERIES["code"],
        title_public="Testakt för registreringen",
        title_protected="Testakt, skyddad rubrik",
        classification_code="1.2.1",
        officer=diarium["officer"],
    )
    registrator = diarium["registrator"]
    public = await documents.register(
        registrator,
        case_file_id=case_file["id"],
        direction="in",
        document_date="2026-11-20",
        counterpart_public="Per Persson",
        counterpart_protected="Kalle Hemligsson, Skyddadgatan 3",
        public_text="Ansökan om bygglovet för Storgatan 12",
        protected_text="hemligtord: sökandens granne 19121212-1212 har synpunkter",
    )
    sha = await files.store(letter_pdf(), "application/pdf")
    secret = await documents.register(
        registrator,
        case_file_id=case_file["id"],
        direction="in",
        document_date="2026-11-21",
        counterpart_public="Skolan",
        counterpart_protected="Kalle Hemligsson",
        public_text="Anmälan enligt socialtjänstlagen",
        protected_text="Orosanmälan gällande barnet Lisa Hemligsson",
        files=[("anmalan.pdf", sha, "original")],
        secrecy={
            "provision": PROVISION,
            "authority": "Socialnämnden",
            "reason": "Uppgifter om enskilds personliga förhållanden",
        },
    )
    junk = await files.store(b"%PDF-1.4 this is not really a pdf", "application/pdf")
    broken = await documents.register(
        registrator,
        case_file_id=case_file["id"],
        direction="out",
        document_date="2026-11-22",
        counterpart_public="Per Persson",
        public_text="Svar på fråga om bygglovet",
        files=[("svar.pdf", junk, "original")],
    )
    alone = await documents.register(
        registrator,
        series_code=WEB_SERIES["code"],
        direction="drawn_up",
        document_date="2026-11-23",
        public_text="Tjänsteanteckning om parkeringsplatser",
    )
    return {
        "case_file": case_file,
        "public": public,
        "secret": secret,
        "broken": broken,
        "alone": alone,
        "pdf_sha": sha,
    }


@pytest.fixture
def forget_web_requests():
    """Each test of the web form starts with a clean hourly rate counter."""

    async def clear() -> None:
        from core import db
        from core.db import raw

        async with db.transaction():
            await raw.fetch("UPDATE diarium_request SET client_key = '' WHERE channel = 'web'")

    return clear
