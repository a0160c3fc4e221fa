"""axe-core checks of pages in headless Chromium (the browser of ``tests/core/citizen``),
shared by the pages' tests (the reception's kiosk, the public crisis page)."""

from __future__ import annotations

from typing import Any

from tests.core.citizen.browser import Browser, axe_source

__all__ = ["Browser", "assert_accessible", "axe_source", "wait_for"]

RULES = ("html-has-lang", "document-title", "color-contrast", "label")


def wait_for(browser: Browser, condition: str) -> object:
    """Poll a page expression until it is truthy; returns its value."""
    return browser.evaluate(
        "new Promise(resolve => { const t = setInterval(() => { const v = (" + condition + ");"
        " if (v) { clearInterval(t); resolve(v); } }, 100); })",
        await_promise=True,
    )


def assert_accessible(
    browser: Browser, source: str, label: str, rules: tuple[str, ...] = RULES
) -> dict[str, Any]:
    """axe-core's WCAG 2.1 A/AA rules find no violation on the page, and ``rules`` ran on it
    (passed), so an empty result cannot come from a page axe did not look at."""
    result = browser.axe(source)
    assert result["violations"] == [], f"{label}: {result['violations']}"
    for rule in rules:
        assert rule in result["passes"], f"{label}: {rule} did not run"
    return result
