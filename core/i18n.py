"""User-facing strings through gettext catalogues (sv, en).

Catalogues are the ``.po`` files under ``core/locale/<lang>/LC_MESSAGES/kontakt.po`` (plugins
may ship their own under ``<plugin>/locale``); they are read with Babel at first use, so no
compile step is needed. English is the msgid language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LANGUAGES = ("sv", "en")
_CORE = Path(__file__).parent
#: The catalogue folders, first the core's own (its areas' too, whichever modules a process
#: imports), then the plugins' (:func:`add_locale_dir`).
LOCALE_DIRS: list[Path] = [_CORE / "locale", _CORE / "sla" / "locale", _CORE / "reports" / "locale"]


def add_locale_dir(path: Path) -> None:
    """Let a plugin contribute its own catalogue folder."""
    if path not in LOCALE_DIRS:
        LOCALE_DIRS.append(path)
        _catalogue.cache_clear()


@lru_cache(maxsize=8)
def _catalogue(lang: str) -> dict[str, str]:
    """Every translated, non-fuzzy message of ``lang`` from all catalogue folders.

    The first folder to translate a msgid wins (the core's comes first): a plugin cannot
    change the core's texts, nor another plugin's; a differing translation is logged."""
    messages, differing = _merge(LOCALE_DIRS, lang)
    for folder, msgid, kept, _ in differing:
        log.warning("%s: %r is already translated %r; kept", folder, msgid, kept)
    return messages


def _merge(
    folders: list[Path], lang: str
) -> tuple[dict[str, str], list[tuple[Path, str, str, str]]]:
    """The messages of ``folders`` merged, the first translation of a msgid kept; and each
    differing later one as (its folder, msgid, kept translation, differing translation)."""
    messages: dict[str, str] = {}
    differing = []
    for folder in folders:
        for msgid, text in _read(folder, lang).items():
            if messages.setdefault(msgid, text) != text:
                differing.append((folder, msgid, messages[msgid], text))
    return messages, differing


def _read(folder: Path, lang: str) -> dict[str, str]:
    """The translated, non-fuzzy messages of one catalogue folder."""
    po = folder / lang / "LC_MESSAGES" / "kontakt.po"
    if not po.exists():
        return {}
    with po.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id and m.string and not m.fuzzy}


def conflicts(folders: list[Path] | None = None) -> list[tuple[str, str, str, str]]:
    """(language, msgid, first translation, differing one) across catalogue folders."""
    chosen = LOCALE_DIRS if folders is None else folders
    return [
        (lang, msgid, kept, other)
        for lang in LANGUAGES
        for _, msgid, kept, other in _merge(chosen, lang)[1]
    ]


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string as a msgid without translating it (for tables defined at import time)."""
    return message


def language(value: Any, default: str = "sv") -> str:
    """``value`` when it is a language the appliance speaks (:data:`LANGUAGES`), else
    ``default`` (a stored row's language column, a query parameter)."""
    return value if value in LANGUAGES else default


def gettext(message: str, lang: str) -> str:
    """The translation of ``message`` into ``lang`` (or ``message`` itself)."""
    if lang == "en":
        return message
    return _catalogue(lang).get(message, message)


def translator(lang: str) -> Callable[[str], str]:
    """A one-argument gettext function for ``lang``."""
    return lambda message: gettext(message, lang)


def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation for ``lang`` (a copy; used by tests and tools)."""
    return dict(_catalogue(lang))


def negotiate(
    accept_language: str | None, default: str = "sv", languages: tuple[str, ...] = LANGUAGES
) -> str:
    """Pick one of ``languages`` (sv or en) from an Accept-Language header, honouring
    q-values (q=0 never)."""
    if not accept_language:
        return default
    best, best_q = default, -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower().split("-")[0]
        if lang in languages and q > 0 and q > best_q:
            best, best_q = lang, q
    return best
