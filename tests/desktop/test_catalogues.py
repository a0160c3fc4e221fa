"""The desktop's own catalogues and its layering: every message has a Swedish translation
with the same placeholders, and nothing in desktop/ imports the server side."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from desktop import i18n

DESKTOP = Path(__file__).resolve().parents[2] / "desktop"
SERVER_PACKAGES = {"core", "plugins", "installer", "litestar", "piccolo", "huey"}


def _messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(DESKTOP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.setdefault(node.args[0].value, f"{path.name}:{node.lineno}")
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_swedish_translation_with_its_placeholders():
    messages = _messages()
    assert len(messages) > 100
    swedish = i18n.catalogue("sv")
    missing = [f"{where}: {text!r}" for text, where in messages.items() if text not in swedish]
    assert missing == [], "add to desktop/locale/sv/LC_MESSAGES/desktop.po:\n" + "\n".join(missing)
    wrong = [text for text in messages if _placeholders(text) != _placeholders(swedish[text])]
    assert wrong == []
    english = i18n.catalogue("en")
    assert [text for text in messages if text not in english] == []


def test_the_language_can_be_switched():
    try:
        i18n.set_language("en")
        assert i18n._("Save contact") == "Save contact"
        i18n.set_language("sv")
        assert i18n._("Save contact") == "Spara kontakt"
        i18n.set_language("xx")
        assert i18n.language() == "sv"
    finally:
        i18n.set_language("sv")


def test_the_po_reader_joins_continued_lines():
    text = 'msgid ""\nmsgstr "header"\n\nmsgid "A "\n"b"\nmsgstr "Ett "\n"b"\n'
    assert i18n.parse_po(text) == {"A b": "Ett b"}


def test_the_desktop_imports_nothing_from_the_server_side():
    offenders = []
    for path in sorted(DESKTOP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in SERVER_PACKAGES]
    assert offenders == []


def test_the_api_and_view_model_layers_import_no_qt():
    for layer in ("api", "viewmodels"):
        for path in (DESKTOP / layer).rglob("*.py"):
            assert "PySide6" not in path.read_text(encoding="utf-8"), path
