"""Demo data: a couple of drafts waiting for the registrator — a scanned letter about a
building permit (its OCR text as Tesseract reads such a letter, with a personnummer found and
masked) and a mail to the shared mailbox with a receipt address. No OCR runs here (the demo
must be quick); the letter's file is a small PDF made with fpdf2."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from plugins.diarium.intake import drafts

LETTER = """Karin Sjöberg
Björkvägen 7
123 46 Ekeby

Ekeby kommun
Samhällsbyggnadsnämnden

Ekeby den 24 november 2026

Ärende: Klagomål på buller från byggarbetsplatsen vid Torget

Hej!
Sedan början av november pågår arbeten även på lördagar före klockan sju.
Mitt personnummer är 19811218-9876 om ni behöver nå mig.

Med vänlig hälsning
Karin Sjöberg
"""

MAIL = """Hej,

jag vill ansöka om en plats i förskola för min son från och med februari.
Vi har flyttat till Ekeby och bor på Ängsgatan 3.

Vänliga hälsningar
Omar Haddad
"""


def _letter_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # the same file each time
    pdf.add_page()
    pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, LETTER)
    return bytes(pdf.output())


async def seed(rng: random.Random, actor: str = "demo") -> int:
    """Two drafts (none when the demo already has them); returns how many were made."""
    from plugins.diarium.registry import files

    now = int(time.time())
    made = 0
    try:
        letter = _letter_pdf()
    except (OSError, RuntimeError):  # no DejaVu font on this machine: a text file instead
        letter = LETTER.encode()
    letter_mime = "application/pdf" if letter.startswith(b"%PDF") else "text/plain"
    letter_sha = await files.store(letter, letter_mime)
    _, created = await drafts.create(
        drafts.NewDraft(
            source="scan",
            source_key="demo:scan:skanning-0001",
            received_at=now - rng.randint(3600, 20000),
            filename="skanning-0001.pdf",
            mime=letter_mime,
            text=LETTER,
            pages=1,
            files=[
                {
                    "filename": "skanning-0001.pdf",
                    "sha256": letter_sha,
                    "mime": letter_mime,
                    "size": len(letter),
                    "role": "original",
                }
            ],
        ),
        actor,
    )
    made += created
    raw_mail = (
        "From: Omar Haddad <omar.haddad@example.org>\r\nTo: registrator@ekeby.example\r\n"
        "Subject: Ansökan om förskoleplats\r\nMessage-ID: <demo-1@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + MAIL.replace("\n", "\r\n")
    ).encode()
    mail_sha = await files.store(raw_mail, "message/rfc822")
    _, created = await drafts.create(
        drafts.NewDraft(
            source="mail",
            source_key="mail:<demo-1@example.org>",
            received_at=now - rng.randint(600, 3000),
            filename="meddelande.eml",
            mime="message/rfc822",
            text=MAIL,
            files=[
                {
                    "filename": "meddelande.eml",
                    "sha256": mail_sha,
                    "mime": "message/rfc822",
                    "size": len(raw_mail),
                    "role": "mail",
                }
            ],
            sender="Omar Haddad",
            sender_email="omar.haddad@example.org",
            subject="Ansökan om förskoleplats",
            mail_message_id="<demo-1@example.org>",
            receipt_to="omar.haddad@example.org",
        ),
        actor,
    )
    made += created
    return made
