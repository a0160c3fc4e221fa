"""Demo data of the public side: requests for public documents in every state (received
from the web form anonymously, in progress from a phone call, handed out, refused with its
written decision, and partly handed out with a masked copy where a demo document has a PDF).

Requests name the demo registry's documents when there are any (the registry's demo data
runs first)."""

from __future__ import annotations

import random
import time
from typing import Any

from core.auth.service import Principal
from core.db import raw
from core.errors import DomainError
from plugins.diarium.public import masking, requests

PROVISION = "OSL 26 kap. 1 §"
FIRST_DEMO = "Jag vill ha protokollet från kommunstyrelsens senaste sammanträde."


def _staff(actor: str) -> Principal:
    return Principal(
        user_id=None,  # type: ignore[arg-type]
        username=actor,
        full_name="Registrator (demo)",
        roles=("registrator",),
        permissions=frozenset({"diarium.requests"}),
    )


async def seed(rng: random.Random, actor: str) -> None:
    """Log the demo requests (only once: nothing when the demo requests exist already)."""
    if await raw.fetchrow(
        "SELECT id FROM diarium_request WHERE description = ? LIMIT 1", FIRST_DEMO
    ):
        return
    staff = _staff(actor)
    docs = await raw.fetch(
        "SELECT id, number, secret FROM diarium_document WHERE status = 'registered' "
        "ORDER BY id LIMIT 20"
    )
    numbers = [d["number"] for d in docs]
    pick = (lambda: rng.choice(numbers)) if numbers else (lambda: "")

    async def logged(**fields: Any) -> dict[str, Any]:
        """A request logged by the staff member, naming a demo document."""
        return await requests.log_request(staff, requests.NewRequest(document_ref=pick(), **fields))

    now = int(time.time())
    await requests.log_request(
        requests.web_principal(),
        requests.NewRequest(
            channel="web",
            description=FIRST_DEMO,
            document_ref=pick(),
            delivery="email",
            requester_email="journalist@tidningen.example",
        ),
    )
    phoned = await logged(
        channel="phone",
        description="Bygglovshandlingar för Storgatan 12, ritningar och beslut.",
        requester_name="Per Persson",
        delivery="post",
        requester_address="Storgatan 14\n123 45 Exempelstad",
        received_at=now - 3600,
    )
    await requests.start(staff, phoned["id"], "Handlingarna tas fram ur akten.")
    handed = await logged(
        channel="desk",
        description="Vill läsa delegationsbeslut om parkeringstillstånd.",
        delivery="view",
        received_at=now - 2 * 86400,
    )
    await requests.start(staff, handed["id"])
    await requests.decide(staff, handed["id"], "handed_out")
    refused = await logged(
        channel="mail",
        description="Begär kopia av utredningen om en elevs skolgång.",
        requester_name="Anna Andersson",
        delivery="post",
        requester_address="Box 1\n123 45 Exempelstad",
        received_at=now - 86400,
    )
    reason = "Handlingen innehåller uppgifter om enskilds personliga förhållanden."
    await requests.decide(staff, refused["id"], "refused", provisions=[PROVISION], reason=reason)
    await _partly(staff, docs)


async def _partly(staff: Principal, docs: list[dict], letter: bool = True) -> None:
    """A partly handed out request, for the first demo document with a readable PDF (when
    there is none and ``letter``, a scanned letter is added to the first document)."""
    from plugins.diarium.registry import files

    for doc in docs:
        found_files = await raw.fetch(
            "SELECT f.sha256 FROM diarium_document_file f JOIN diarium_blob b "
            "ON b.sha256 = f.sha256 WHERE f.document_id = ? AND f.role IN ('pdfa', 'original') "
            "AND b.mime = 'application/pdf' ORDER BY f.id DESC",
            doc["id"],
        )
        if not found_files:
            continue
        boxes = [masking.Box(1, 50, 50, 200, 40, PROVISION)]
        data = files.open_blob(found_files[0]["sha256"]).read_bytes()
        texts = [masking.Redaction(DEMO_PERSON, PROVISION)]
        try:  # only a PDF that can be masked gets a demo request
            masking.masked_copy(data, boxes, texts, label="demo")
        except DomainError:
            texts = []  # not the demo letter: the box alone
            try:
                masking.masked_copy(data, boxes, texts, label="demo")
            except DomainError:
                continue
        logged = await requests.log_request(
            staff,
            requests.NewRequest(
                channel="email",
                description="Kopia av handlingen, med sekretessen maskerad.",
                document_ref=doc["number"],
                requester_email="medborgare@example.se",
            ),
        )
        found = await requests.row(logged["id"])
        named = await requests.named_document(found)
        source, sha = await requests.source_pdf(found, staff, named)
        pdf, details = masking.masked_copy(
            source, boxes, texts, label=f"{doc['number']} ({found['number']})"
        )
        await requests.add_masked_copy(staff, logged["id"], pdf, {**details, "source": sha}, named)
        await requests.decide(
            staff,
            logged["id"],
            "partly_handed_out",
            provisions=[PROVISION],
            reason="Uppgifter om enskilds hälsa har maskerats.",
        )
        return
    if docs and letter:  # no demo document has a readable PDF: a scanned letter for one
        await _scanned_letter(staff, docs[0])
        await _partly(staff, docs[:1], letter=False)


DEMO_PERSON = "Anna Exempelsson"


async def _scanned_letter(staff: Principal, doc: dict) -> None:
    """A scanned letter (PDF) for a demo document, naming a private person to be masked."""
    from fpdf import FPDF

    from plugins.diarium.public.decision import FONT_DIR
    from plugins.diarium.registry import files

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 13)
    for y, line in (
        (72, f"Diarienummer {doc['number']}"),
        (110, "Till kommunen"),
        (140, f"Jag skriver om min granne {DEMO_PERSON} och hennes hälsa."),
        (170, "Med vänlig hälsning"),
    ):
        pdf.set_xy(72, y)
        pdf.cell(450, 18, line)
    sha = await files.store(bytes(pdf.output()), "application/pdf")
    await files.attach(staff.username, doc["id"], sha, "inskannat-brev.pdf", "original")
