"""PDF documents: the visitor's badge (name, host, date, a QR code for signing out) and the
evacuation roll call. The QR code is drawn as vector squares (segno's matrix), the text in
DejaVu Sans (shipped with matplotlib, a core dependency) so every name prints.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
import segno
from fpdf import FPDF

from core.i18n import N_, gettext
from plugins.visitor_reception.languages import RTL

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"


def _pdf(orientation: str = "P", format: Any = "A4") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format=format)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_creator("Kontaktcenter")
    return pdf


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """A QR code of ``data`` as filled squares, ``size`` mm wide, at (x, y)."""
    matrix = list(segno.make(data, error="m").matrix_iter(border=2))
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + col_index * module, y + row_index * module, module, module, "F")


def local_time(epoch: int, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.fromtimestamp(epoch, zone).strftime(fmt)


def badge(visit: dict[str, Any], code: str, lang: str, zone: ZoneInfo) -> bytes:
    """The badge (A6 landscape): the visitor's name (left out for a protected visit), the
    host, the date, the visit number and the sign-out QR code. Arabic script is shaped and
    laid out right to left (HarfBuzz)."""
    pdf = _pdf("L", (105, 148))
    if lang in RTL:
        pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, gettext(N_("Visitor"), lang).upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 20)
    name = visit["visitor_name"] if not visit["protected"] else gettext(N_("Visitor"), lang)
    pdf.multi_cell(85, 9, name or "", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 12)
    pdf.ln(2)
    pdf.multi_cell(85, 6, f"{gettext(N_('Visiting'), lang)}: {visit['host']['name']}",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.cell(85, 6, local_time(visit["checked_in_at"], zone), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(85, 6, f"{gettext(N_('Visit number'), lang)}: {visit['number']}",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    draw_qr(pdf, code, 100, 14, 40)
    pdf.set_xy(95, 56)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(50, 4, gettext(N_("Scan at the kiosk to sign out"), lang), align="C")
    return bytes(pdf.output())


ROLL_COLUMNS = (
    (N_("Safe"), 14),
    (N_("Visitor"), 70),
    (N_("Organisation"), 50),
    (N_("Host"), 55),
    (N_("Location"), 50),
    (N_("Needs assistance"), 38),
)
ROW_MM = 6.0
CHARS_PER_MM = 0.5  # 9 pt DejaVu Sans: about two characters per 4 mm


def _row(pdf: FPDF, y: float, cells: tuple[str, ...]) -> None:
    """One table row drawn with ``text`` and lines: ``cell`` lays out each text through the
    full line-breaking machinery and is several times slower for a thousand rows."""
    x = pdf.l_margin
    for text, (_, width) in zip(cells, ROLL_COLUMNS, strict=True):
        pdf.text(x + 1.5, y + 4.2, text[: int(width * CHARS_PER_MM) - 1])
        pdf.line(x, y, x, y + ROW_MM)
        x += width
    pdf.line(x, y, x, y + ROW_MM)
    pdf.line(pdf.l_margin, y + ROW_MM, x, y + ROW_MM)


def roll_call(
    people: list[dict[str, Any]], started_at: int, printed_at: int, lang: str, zone: ZoneInfo
) -> bytes:
    """The roll call (A4 landscape): everyone signed in, in the order given."""
    pdf = _pdf("L")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, gettext(N_("Evacuation roll call"), lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    started = f"{gettext(N_('Started'), lang)}: {local_time(started_at, zone)}"
    printed = f"{gettext(N_('Printed'), lang)}: {local_time(printed_at, zone)}"
    count = f"{gettext(N_('People inside'), lang)}: {len(people)}"
    pdf.cell(0, 6, f"{started}    {printed}    {count}", new_x="LMARGIN", new_y="NEXT")
    titles = tuple(gettext(title, lang) for title, _ in ROLL_COLUMNS)
    bottom = pdf.h - pdf.b_margin
    y = pdf.get_y() + 2
    pdf.set_line_width(0.2)

    def header(top: float) -> float:
        pdf.line(pdf.l_margin, top, pdf.l_margin + sum(w for _, w in ROLL_COLUMNS), top)
        pdf.set_font(FONT, "B", 9)
        _row(pdf, top, titles)
        pdf.set_font(FONT, "", 9)
        return top + ROW_MM

    y = header(y)
    yes = gettext(N_("YES"), lang)
    for person in people:
        if y + ROW_MM > bottom:
            pdf.add_page()
            y = header(pdf.t_margin)
        cells = (
            "☑" if person["safe_at"] else "☐",
            person["visitor_name"] or "",
            person["organisation"] or "",
            person["host"]["name"],
            person["location"],
            yes if person["needs_assistance"] else "",
        )
        _row(pdf, y, cells)
        y += ROW_MM
    return bytes(pdf.output())
