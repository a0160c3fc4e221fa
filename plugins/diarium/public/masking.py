"""A copy of a PDF with its secret parts masked (maskerad kopia).

Two ways to say what is secret, combinable: black boxes over given areas (page, x, y, width,
height in PDF points from the page's top left corner), and text to redact wherever it occurs
(found in the PDF's text layer with PDFium). Each masked area carries the OSL provision it
rests on, printed in the box, and every page ends with a band naming the copy and the
provisions.

The copy is rebuilt from rendered pages (150 dpi): nothing under a box survives, neither the
text layer, nor hidden text, nor metadata, annotations or attachments of the original. A PDF
that PDFium cannot read is a 400, never a 500.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from core.errors import InvalidInput
from core.i18n import N_, gettext

DPI = 150
SCALE = DPI / 72
BAND_PT = 22
MAX_PAGES = 200
MAX_MASKS = 500
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILE = FONT_DIR / "DejaVuSans.ttf"


@dataclass(frozen=True)
class Box:
    """An area to black out: page (1-based), x, y from the top left, width, height (points)."""

    page: int
    x: float
    y: float
    width: float
    height: float
    provision: str


@dataclass(frozen=True)
class Redaction:
    """Text to black out wherever it occurs (case-insensitive)."""

    text: str
    provision: str


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(data)
        pages = len(document)
    except (pdfium.PdfiumError, ValueError, TypeError):
        raise InvalidInput("The file is not a readable PDF") from None
    if pages == 0:
        raise InvalidInput("The file is not a readable PDF")
    if pages > MAX_PAGES:
        raise InvalidInput("The PDF has more than {count} pages", count=MAX_PAGES)
    return document


def _areas(
    document: pdfium.PdfDocument, boxes: list[Box], texts: list[Redaction]
) -> tuple[dict[int, list[tuple[float, float, float, float, str]]], dict[str, int]]:
    """Per page index the rectangles to black out (left, top, right, bottom in points from
    the top left) and how often each text was found."""
    areas: dict[int, list[tuple[float, float, float, float, str]]] = {}
    for box in boxes:
        if not 1 <= box.page <= len(document):
            raise InvalidInput(
                "The PDF has no page {page}", page=box.page, location=("body", "boxes")
            )
        if box.width <= 0 or box.height <= 0:
            raise InvalidInput("A box needs a width and a height", location=("body", "boxes"))
        areas.setdefault(box.page - 1, []).append(
            (box.x, box.y, box.x + box.width, box.y + box.height, box.provision)
        )
    found = {r.text: 0 for r in texts}
    for index in range(len(document)):
        page = document[index]
        height = page.get_height()
        if not texts:
            continue
        textpage = page.get_textpage()
        for redaction in texts:
            searcher = textpage.search(redaction.text, match_case=False)
            while True:
                hit = searcher.get_next()
                if hit is None:
                    break
                start, count = hit
                found[redaction.text] += 1
                for n in range(textpage.count_rects(start, count)):
                    left, bottom, right, top = textpage.get_rect(n)
                    areas.setdefault(index, []).append(
                        (left - 1, height - top - 1, right + 1, height - bottom + 1,
                         redaction.provision)
                    )  # fmt: skip
    return areas, found


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size)


def _paint(image: Image.Image, rects: list[tuple[float, float, float, float, str]]) -> None:
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom, provision in rects:
        box = [left * SCALE, top * SCALE, right * SCALE, bottom * SCALE]
        draw.rectangle(box, fill=(0, 0, 0))
        height = box[3] - box[1]
        size = int(min(height * 0.7, 28))
        if size >= 9 and provision:
            font = _font(size)
            width = draw.textlength(provision, font=font)
            if width <= box[2] - box[0] - 4:
                draw.text((box[0] + 2, box[1] + (height - size) / 2), provision,
                          fill=(255, 255, 255), font=font)  # fmt: skip


def masked_copy(
    data: bytes,
    boxes: list[Box],
    texts: list[Redaction],
    *,
    label: str,
    lang: str = "sv",
) -> tuple[bytes, dict[str, Any]]:
    """The masked copy of the PDF ``data`` and what was masked (per text the number of hits,
    the number of boxes, the provisions). ``label`` names the copy in each page's band
    (e.g. the request and the document number). A text that is not found is a 400: the copy
    would otherwise look masked while the secret is still there, or the text was mistyped."""
    if not boxes and not texts:
        raise InvalidInput("Say what to mask: boxes or texts")
    if len(boxes) + len(texts) > MAX_MASKS:
        raise InvalidInput("At most {count} masks", count=MAX_MASKS)
    for item in [*boxes, *texts]:
        if not item.provision.strip():
            raise InvalidInput(
                "Each masked part names the provision of the secrecy act it rests on",
                location=("body", "provision"),
            )
    for redaction in texts:
        if len(redaction.text.strip()) < 2:
            raise InvalidInput("A text to mask has at least two characters")
    document = _open(data)
    try:
        areas, found = _areas(document, boxes, texts)
        missing = [text for text, hits in found.items() if hits == 0]
        if missing:
            raise InvalidInput(
                "The text to mask was not found in the PDF: {text}",
                text=missing[0][:80],
                location=("body", "texts"),
            )
        provisions = sorted({b.provision.strip() for b in [*boxes, *texts]})
        note = gettext(
            N_("Masked copy of {label}. Masked with support of {provisions}."), lang
        ).format(label=label, provisions=", ".join(provisions))
        pdf = FPDF(unit="pt")
        pdf.set_auto_page_break(False)
        pdf.add_font("DejaVu", "", str(FONT_FILE))
        pdf.set_creator("Kontaktcenter diarium")
        pdf.set_title(note)
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_width(), page.get_height()
            image = page.render(scale=SCALE).to_pil().convert("RGB")
            _paint(image, areas.get(index, []))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            pdf.add_page(format=(width, height + BAND_PT))
            pdf.image(buffer, x=0, y=0, w=width, h=height)
            pdf.set_font("DejaVu", "", 7)
            pdf.set_xy(6, height + 4)
            pdf.multi_cell(width - 12, 8, f"{note} {index + 1}/{len(document)}")
        result = bytes(pdf.output())
    finally:
        document.close()
    details = {
        "boxes": len(boxes),
        # how often each text was found, never the secret text itself
        "text_hits": [found[r.text] for r in texts],
        "provisions": provisions,
        "pages": len(areas),
    }
    return result, details
