"""E-mail to the requester of public documents, through the core's outbox
(:mod:`core.citizen.notify`): the receipt with the request's number when it is logged and the
decision when it is made, in the request's language, in the same transaction as the step.

The templates are the plugin's own (``plugins/diarium/templates/mail/``, registered by the
plugin host). The decision e-mail carries the decision in full (per document, the
provisions, the reasons and the appeal notice) and, for a refusal in whole or in part, the
written decision PDF as an attachment (the same bytes ``GET /requests/{id}/decision``
serves). Each message queued is audited (``diarium.request.mail``: which one and the
attachment's name, never the address), and the core audits the sending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import audit
from core.citizen import notify
from core.i18n import N_, gettext, language

RECEIPT = "diarium_request_receipt"
DECISION = "diarium_request_decision"
DELIVERY = {
    "email": N_("by e-mail"),
    "post": N_("by post"),
    "pickup": N_("to collect"),
    "view": N_("to read on site"),
}


def decision_filename(number: str) -> str:
    """The file name of a request's written decision (as served and as attached)."""
    return f"{number}-beslut.pdf"


def masked_copy_filename(number: str) -> str:
    """The file name of a request's masked copy (as filed with the document and as served)."""
    return f"{number}-maskerad-kopia.pdf"


def _lang(row: dict[str, Any]) -> str:
    return language(row.get("language"))


def _when(epoch: int) -> str:
    zone = ZoneInfo(notify.current_settings().timezone)
    return datetime.fromtimestamp(epoch, zone).strftime("%Y-%m-%d %H:%M")


def _record(actor: str, number: str, template: str, **details: Any) -> None:
    audit.record(
        actor,
        "diarium.request.mail",
        "diarium_request",
        number,
        {"template": template, "to": "requester", **details},
    )


async def queue_receipt(actor: str, row: dict[str, Any], refs: list[str]) -> None:
    """The receipt of a request just logged (in its transaction)."""
    await notify.queue(
        row["requester_email"],
        RECEIPT,
        _lang(row),
        row["number"],
        number=row["number"],
        name=row["requester_name"],
        received=_when(row["received_at"]),
        documents=refs,
        description=row["description"],
    )
    _record(actor, row["number"], RECEIPT, documents=len(refs))


async def queue_decision(
    actor: str,
    row: dict[str, Any],
    documents: list[tuple[str, str]],
    provisions: list[str],
    reason: str,
    authority: str,
    court: str,
    pdf: bytes | None = None,
) -> None:
    """The decision on a request (in the transaction that records it): the outcome per
    document, and for a refusal the provisions, the reasons and the appeal notice, with the
    written decision ``pdf`` attached (``<number>-beslut.pdf``)."""
    from plugins.diarium.public import decision

    lang = _lang(row)
    outcome = row["outcome"]
    appeal = ""
    if outcome != "handed_out":
        appeal = gettext(decision.APPEAL, lang).format(
            court=court, authority=authority, number=row["number"]
        )
    attachment = decision_filename(row["number"]) if pdf else ""
    await notify.queue(
        row["requester_email"],
        DECISION,
        lang,
        row["number"],
        attachments=[(attachment, "application/pdf", pdf)] if pdf else None,
        attachment=attachment,
        number=row["number"],
        name=row["requester_name"],
        outcome=outcome,
        documents=[(ref, gettext(decision.DOCUMENT_OUTCOME[o], lang)) for ref, o in documents],
        provisions=", ".join(provisions),
        reason=reason,
        appeal=appeal,
        authority=authority,
        delivery=gettext(DELIVERY.get(row["delivery"], DELIVERY["email"]), lang),
    )
    _record(actor, row["number"], DECISION, outcome=outcome, attachment=attachment or None)
