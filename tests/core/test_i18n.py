"""The gettext catalogues: every user-facing message in core has a Swedish translation with
the same placeholders, and Accept-Language picks the language.

When this fails after you added a message: add its msgid and Swedish msgstr to
``core/locale/sv/LC_MESSAGES/kontakt.po`` (and the msgid to the English catalogue).
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.i18n import catalogue, gettext, language, negotiate, translator
from core.web.problems import HTTP_DETAILS, HTTP_TITLES
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
LOCALE = CORE / "locale"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def msgids() -> dict[str, str]:
    found, problems = scan(CORE, ROOT)
    assert problems == [], "messages built at run time cannot be translated:\n" + "\n".join(
        problems
    )
    result: dict[str, str] = {}
    for item in found:
        result.setdefault(item.text, item.where)
    return result


def test_the_scan_finds_the_known_kinds_of_message(msgids):
    assert "Wrong username or password" in msgids  # Unauthorized(...) in auth/service.py
    assert "No user named {username}" in msgids  # NotFound(...)
    assert "The username {username} is taken" in msgids  # Conflict(...)
    assert set(HTTP_TITLES.values()) <= set(msgids)  # N_(...) in the titles dict
    assert {detail for detail, _ in HTTP_DETAILS.values()} <= set(msgids)


def test_every_core_message_has_a_swedish_translation(msgids):
    swedish = catalogue("sv")
    missing = [f"{where}: {text!r}" for text, where in msgids.items() if text not in swedish]
    assert missing == [], "no Swedish translation for:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders(msgids):
    swedish = catalogue("sv")
    wrong = [
        f"{text!r} -> {swedish[text]!r}"
        for text in msgids
        if text in swedish and _placeholders(text) != _placeholders(swedish[text])
    ]
    assert wrong == []


def test_titles_are_translated_and_differ_from_english():
    for status, title in HTTP_TITLES.items():
        assert gettext(title, "sv") != title, status
        assert gettext(title, "en") == title


def test_catalogues_parse_and_english_is_complete(msgids):
    for lang in ("sv", "en"):
        path = LOCALE / lang / "LC_MESSAGES" / "kontakt.po"
        with path.open("rb") as fh:
            parsed = read_po(fh)
        assert str(parsed.locale) == lang
        assert not [m.id for m in parsed if m.id and m.fuzzy], f"fuzzy entries in {path}"
    english = {str(m.id) for m in read_po((LOCALE / "en/LC_MESSAGES/kontakt.po").open("rb"))}
    assert set(msgids) - english == set()


def test_language_keeps_only_the_languages_spoken():
    assert [language(v) for v in ("sv", "en", "fi", None, "")] == ["sv", "en", "sv", "sv", "sv"]
    assert language("de", "en") == "en" and language("sv", "en") == "sv"


def test_translator_formats_and_falls_back():
    _ = translator("sv")
    assert _("No user named {username}").format(username="eva") == (
        "Det finns ingen användare som heter eva"
    )
    assert _("A message nobody translated") == "A message nobody translated"
    assert translator("en")("Wrong username or password") == "Wrong username or password"


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        (None, "sv", "sv"),
        (None, "en", "en"),
        ("", "sv", "sv"),
        ("en", "sv", "en"),
        ("en-US,en;q=0.9", "sv", "en"),
        ("sv-SE", "en", "sv"),
        ("de, fr;q=0.8", "sv", "sv"),
        ("de, en;q=0.3, sv;q=0.7", "en", "sv"),
        ("sv;q=0, en;q=0.1", "sv", "en"),
        ("en;q=abc, sv;q=0.5", "en", "sv"),
        ("*", "sv", "sv"),
        (";;;,,,", "sv", "sv"),
    ],
)
def test_accept_language_negotiation(header, default, expected):
    assert negotiate(header, default) == expected


def test_no_two_catalogues_translate_one_message_differently(tmp_path):
    """Catalogues merge into one table; a plugin text that reworded the core's (or another
    plugin's) would change screens it does not own. The core wins; this keeps them apart."""
    from pathlib import Path

    from core import i18n

    root = Path(i18n.__file__).parent.parent
    areas = sorted(p for p in root.glob("core/*/**/locale") if p.is_dir())
    folders = [root / "core" / "locale", *areas, *sorted(root.glob("plugins/**/locale"))]
    assert root / "core" / "sla" / "locale" in folders and len(folders) > 10
    assert i18n.conflicts(folders) == []

    for name, text in (("a", "Mottaget"), ("b", "Mottagen")):
        po = tmp_path / name / "sv" / "LC_MESSAGES" / "kontakt.po"
        po.parent.mkdir(parents=True)
        po.write_text(f'msgid "Received"\nmsgstr "{text}"\n', encoding="utf-8")
    found = i18n.conflicts([tmp_path / "a", tmp_path / "b"])
    assert found == [("sv", "Received", "Mottaget", "Mottagen")]
