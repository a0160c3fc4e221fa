"""The written decision on a request refused in whole or in part (OSL 6:3), with the appeal
notice: the requester may appeal to the administrative court of appeal (kammarrätten, OSL
6:7); the appeal is sent to the authority that decided and must have arrived within three
weeks from the day the requester got the decision (förvaltningslagen 43-44 §§).

A PDF in the requester's language (Swedish or English), text in DejaVu Sans.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF

from core.i18n import N_, gettext, language

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"

TITLE = {
    "refused": N_("Decision: request for public documents refused"),
    "partly_handed_out": N_("Decision: request for public documents partly refused"),
}
OPERATIVE = {
    "refused": N_("The request to see the document is refused."),
    "partly_handed_out": N_(
        "The document is handed out with the parts covered by secrecy masked. "
        "The request is refused for the masked parts."
    ),
}
#: What was decided for one document, in the list of a decision.
DOCUMENT_OUTCOME = {
    "handed_out": N_("handed out"),
    "partly_handed_out": N_("handed out with the parts covered by secrecy masked"),
    "refused": N_("refused"),
}
PER_DOCUMENT = N_("The request is decided for each document as listed under Documents.")
APPEAL = N_(
    "How to appeal: you may appeal against this decision to {court}. Write to {authority} "
    "and say which decision you appeal against (the number {number}), how you want it "
    "changed and why. Your appeal must have arrived at {authority} within three weeks from "
    "the day you got the decision. {authority} sends the appeal on to {court}."
)


def _pdf() -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_creator("Kontaktcenter diarium")
    pdf.set_margins(22, 20, 22)
    return pdf


def _line(pdf: FPDF, label: str, value: str) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.cell(45, 6, label)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 6, value or "-", new_x="LMARGIN", new_y="NEXT")


def render(
    request: dict[str, Any],
    *,
    outcome: str,
    provisions: list[str],
    reason: str,
    decided_by: str,
    authority: str,
    court: str,
    zone: ZoneInfo,
    decided_at: int,
    documents: list[tuple[str, str]] | None = None,
) -> bytes:
    """The decision PDF for ``request`` (a row of ``diarium_request``); ``documents`` lists
    each document the request names with what was decided for it (number, outcome)."""
    lang = language(request["language"])

    def _(message: str) -> str:
        return gettext(message, lang)

    pdf = _pdf()
    pdf.set_title(_(TITLE[outcome]))
    pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, authority, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    when = datetime.fromtimestamp(decided_at, zone)
    pdf.cell(0, 6, f"{_(N_('Date'))}: {when:%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, _(TITLE[outcome]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    received = datetime.fromtimestamp(request["received_at"], zone)
    _line(pdf, _(N_("Request")), request["number"])
    _line(pdf, _(N_("Received on")), f"{received:%Y-%m-%d %H:%M}")
    requester = request["requester_name"] or _(N_("Anonymous requester"))
    _line(pdf, _(N_("Requester")), requester)
    documents = documents or []
    if len(documents) <= 1:
        _line(pdf, _(N_("Document")), request["document_ref"])
    if request["description"]:
        _line(pdf, _(N_("The request")), request["description"][:1500])
    if documents:
        pdf.ln(2)
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 7, _(N_("Documents")), new_x="LMARGIN", new_y="NEXT")
        for number, decided in documents:
            _line(pdf, number, _(DOCUMENT_OUTCOME[decided]))
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, _(N_("Decision")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    mixed = len({decided for _, decided in documents}) > 1 or len(documents) > 1
    operative = _(PER_DOCUMENT) if mixed else _(OPERATIVE[outcome])
    pdf.multi_cell(0, 6, operative, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, _(N_("Grounds")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    grounds = _(N_("Secrecy applies under {provisions} of the Public Access to Information and "
                   "Secrecy Act (2009:400)."))  # fmt: skip
    pdf.multi_cell(0, 6, grounds.format(provisions=", ".join(provisions)),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    if reason:
        pdf.ln(1)
        pdf.multi_cell(0, 6, reason, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _line(pdf, _(N_("Decided by")), decided_by)
    pdf.ln(6)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, _(N_("How to appeal")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    notice = _(APPEAL).format(court=court, authority=authority, number=request["number"])
    pdf.multi_cell(0, 6, notice, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
