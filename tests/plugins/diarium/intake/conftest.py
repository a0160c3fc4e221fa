"""Fixtures of the intake's tests: the diarium enabled (the shared ``diarium`` fixture), the
intake's settings pointing at a watched folder of this session, and a Swedish letter made
as a 300 dpi A4 scan (Pillow renders the text, a QR code of a cover sheet in the corner)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

LETTER_LINES = (
    "Anna Åkesson",
    "Storgatan 12",
    "123 45 Ekeby",
    "",
    "Ekeby kommun",
    "Kommunstyrelsen",
    "",
    "Ekeby den 28 november 2026",
    "",
    "Ärende: Ansökan om bygglov för förråd",
    "",
    "Hej!",
    "Jag önskar söka bygglov för ett förråd på min tomt.",
    "Mitt personnummer är 19811218-9876.",
    "Jag bifogar ritningar och en situationsplan.",
    "Tack på förhand för er återkoppling.",
    "",
    "Med vänlig hälsning",
    "Anna Åkesson",
)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
A4_300DPI = (2480, 3508)


def scan_image(lines: tuple[str, ...] = LETTER_LINES, qr: str = "") -> Any:
    """A white A4 page at 300 dpi with ``lines`` in black (50 px ≈ 12 pt) and, when given, a
    cover sheet's QR code in the top right corner."""
    import segno
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 50)
    y = 300
    for line in lines:
        draw.text((250, y), line, font=font, fill=0)
        y += 75
    if qr:
        buffer = io.BytesIO()
        segno.make_qr(qr, error="m").save(buffer, kind="png", scale=12, border=4)
        code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
        page.paste(code, (A4_300DPI[0] - 200 - code.width, 200))
    return page


def as_tiff(page: Any) -> bytes:
    buffer = io.BytesIO()
    page.save(buffer, format="TIFF", dpi=(300, 300), compression="tiff_lzw")
    return buffer.getvalue()


def as_pdf(page: Any) -> bytes:
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=300)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def intake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("diarium-intake")


@pytest.fixture(scope="session")
def intake(diarium, intake_dir: Path) -> Iterator[dict[str, Any]]:
    """The diarium with the watched folder set (files taken at once); yields the shared
    ``diarium`` fixture's dict plus ``dir``."""
    from plugins.diarium import runtime

    saved = dict(runtime.CONFIG)
    runtime.CONFIG.update({"intake_dir": str(intake_dir), "settle_seconds": 0})
    yield {**diarium, "dir": intake_dir}
    runtime.CONFIG.clear()
    runtime.CONFIG.update(saved)


@pytest.fixture
def intake_setting():
    """Change intake settings for one test: ``intake_setting(max_scan_bytes=100)``."""
    from plugins.diarium import runtime

    saved: dict[str, Any] = {}

    def change(**values: Any) -> None:
        for key, value in values.items():
            saved.setdefault(key, runtime.CONFIG.get(key))
            runtime.CONFIG[key] = value

    yield change
    for key, value in saved.items():
        runtime.CONFIG[key] = value
