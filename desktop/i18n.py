"""The desktop's own gettext catalogues (``desktop/locale/<lang>/LC_MESSAGES/desktop.po``).

Swedish is the default, English selectable. The ``.po`` files are read directly (no compile
step, no server-side import): ``_("Sign in")`` returns the text in the chosen language, the
msgid itself when a translation is missing.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("sv", "en")
_language = "sv"


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr of a ``.po`` file (plain entries; empty msgstr left out)."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value:
                entries[key] = value

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    return entries


@cache
def catalogue(language: str) -> dict[str, str]:
    path = LOCALE / language / "LC_MESSAGES" / "desktop.po"
    return parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}


def set_language(language: str) -> None:
    """Choose the interface language (``sv`` or ``en``)."""
    global _language
    _language = language if language in LANGUAGES else "sv"


def language() -> str:
    return _language


def _(message: str) -> str:
    """``message`` in the chosen language."""
    return catalogue(_language).get(message, message)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; translate it where it is shown."""
    return message
