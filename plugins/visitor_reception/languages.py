"""The kiosk's languages: which ones the plugin ships catalogues for (the kiosk texts and the
GDPR notice), which ones the municipality has chosen (the setting ``kiosk_languages``), and
which of them are written right to left."""

from __future__ import annotations

from core.i18n import negotiate
from plugins.visitor_reception import runtime

SHIPPED: dict[str, str] = {
    "sv": "Svenska",
    "en": "English",
    "fi": "Suomi",
    "ar": "العربية",
    "so": "Soomaali",
    "uk": "Українська",
}
"""Language code -> the language's own name (shown on the kiosk's language links)."""
RTL = frozenset({"ar"})
PATTERN = "^(" + "|".join(SHIPPED) + ")$"
"""A regular expression matching every shipped language code (request validation)."""


def parse(value: str) -> tuple[str, ...]:
    """The language codes of a ``kiosk_languages`` value (comma-separated, in the order the
    kiosk offers them); ValueError naming an unknown code, or when none is given."""
    codes = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [code for code in codes if code not in SHIPPED]
    if unknown:
        raise ValueError(
            f"kiosk_languages: unknown language {', '.join(map(repr, unknown))}; "
            f"the kiosk ships {', '.join(SHIPPED)}"
        )
    if not codes:
        raise ValueError("kiosk_languages must name at least one language, e.g. sv,en")
    return codes


def configured() -> tuple[str, ...]:
    """The languages the kiosk offers, first the default."""
    return parse(str(runtime.setting("kiosk_languages")))


def choose(requested: str | None, accept_language: str | None) -> str:
    """The kiosk page's language: the requested one if offered, else the browser's best offered
    one, else the first configured."""
    offered = configured()
    if requested in offered:
        return str(requested)
    return negotiate(accept_language, offered[0], offered)


def direction(lang: str) -> str:
    """``rtl`` or ``ltr`` (the page's ``dir``)."""
    return "rtl" if lang in RTL else "ltr"
