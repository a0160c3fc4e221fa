"""The information notice GDPR Art. 13 requires at check-in, in the visitor's language:
controller, purpose, legal basis (a task in the public interest, Art. 6.1 e — not legitimate
interest, which public authorities may not rely on for their tasks), retention under the
municipality's gallringsbeslut, recipients and the visitor's rights."""

from __future__ import annotations

from typing import Any

from core.citizen import notify
from core.i18n import N_, gettext
from plugins.visitor_reception import runtime

TITLE = N_("How we handle your personal data")
PARTS = (
    ("controller", N_("Who is responsible"),
     N_("{municipality} is responsible for the personal data you give here.")),
    ("purpose", N_("Why"),
     N_("We register every visitor to tell the person you visit that you have arrived, to "
        "know who is in the building if it has to be evacuated, and to keep the public record "
        "of visits the municipality must keep.")),
    ("legal_basis", N_("Legal basis"),
     N_("The processing is necessary for a task carried out in the public interest and in the "
        "exercise of official authority (GDPR article 6.1 e). Telling us whether you need help "
        "in an evacuation is voluntary.")),
    ("retention", N_("How long"),
     N_("The visit is kept for {days} days after you sign out and then removed, as decided by "
        "the municipality's decision on disposal of records{decision}.")),
    ("recipients", N_("Who sees it"),
     N_("The person you visit and the reception. Visits to some units are protected: your name "
        "is then not shown on shared screens.")),
    ("rights", N_("Your rights"),
     N_("You may ask for a copy of your data and have wrong data corrected, and you may object "
        "to the processing. Contact the municipality's data protection officer; you may also "
        "complain to the Swedish Authority for Privacy Protection (IMY).")),
)  # fmt: skip


def texts(lang: str) -> dict[str, Any]:
    """The notice in ``lang``: a title and its parts (key, heading, text)."""
    try:
        municipality = notify.current_settings().municipality_name
    except RuntimeError:  # a process without configured notifications (tools, tests)
        municipality = "Kommunen"
    reference = str(runtime.setting("retention_decision")).strip()
    values = {
        "municipality": municipality,
        "days": int(runtime.setting("retention_days")),
        "decision": f" ({reference})" if reference else "",
    }
    parts = [
        {"key": key, "heading": gettext(head, lang), "text": gettext(body, lang).format(**values)}
        for key, head, body in PARTS
    ]
    return {"title": gettext(TITLE, lang), "language": lang, "parts": parts}
