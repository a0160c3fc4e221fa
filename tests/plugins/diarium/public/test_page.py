"""The webbdiarium against a real ``kontakt serve`` in headless Chromium: WCAG 2.1 AA (axe-core,
0 violations) on the search page, its results, the request form, its errors and the receipt,
in Swedish and English; the skip link first for the keyboard; a citizen finds the public
entry without its protected text and asks for a copy, without any script on the page."""

from __future__ import annotations

from core.db import raw
from tests.core.citizen.browser import Browser, axe_source
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.public.conftest import SECRETS
from tests.support.accessibility import RULES, assert_accessible

PAGE_RULES = (*RULES, "bypass")


async def test_a_citizen_finds_an_entry_and_asks_for_a_copy(entries, server_factory, tmp_path):
    from core import db

    async with db.transaction():  # the real server sees 127.0.0.1: a clean hourly counter
        await raw.fetch("UPDATE diarium_request SET client_key = '' WHERE channel = 'web'")
    server = server_factory()
    source = axe_source()
    browser = Browser(tmp_path / "profile")
    page = f"{server.url}{BASE}/public/webbdiarium"
    try:
        browser.goto(f"{page}?lang=sv")
        assert browser.evaluate("document.documentElement.lang") == "sv"
        assert browser.evaluate("document.scripts.length") == 0
        assert_accessible(browser, source, "search (sv)", PAGE_RULES)
        browser.press_tab()
        assert browser.evaluate("document.activeElement.className") == "skip-link"

        browser.submit({"q": "socialtjänstlagen"})
        text = browser.evaluate("document.body.innerText")
        assert entries["secret"]["number"] in text and "Sekretessmarkerad" in text
        for word in SECRETS:
            assert word not in text, word
        assert_accessible(browser, source, "results (sv)", PAGE_RULES)

        browser.goto(f"{page}?lang=en&q=bygglov")
        assert browser.evaluate("document.documentElement.lang") == "en"
        assert "Ansökan om bygglovet för Storgatan 12" in browser.evaluate(
            "document.body.innerText"
        )
        assert_accessible(browser, source, "results (en)", PAGE_RULES)
        browser.goto(f"{page}?lang=en&q=bygglovet&direction=sideways")
        assert_accessible(browser, source, "search error (en)", PAGE_RULES)

        browser.goto(f"{page}?lang=sv&q={entries['public']['number']}")
        link = browser.evaluate("document.querySelector('.entry a').href")
        browser.goto(link)
        assert (
            browser.evaluate("document.getElementById('document').value")
            == (entries["public"]["number"])
        )
        assert_accessible(browser, source, "request form (sv)", PAGE_RULES)
        browser.evaluate("document.getElementById('delivery-post').checked = true")
        browser.submit({"description": "Ritningarna också"})
        assert browser.evaluate("document.getElementById('error-summary') !== null")
        assert_accessible(browser, source, "request form with errors (sv)", PAGE_RULES)
        too_many = "\n".join(f"KS 2026/{n}" for n in range(25))
        browser.submit({"document": too_many, "description": ""})
        assert browser.evaluate("document.getElementById('document-error') !== null")
        assert "högst 20" in browser.evaluate("document.getElementById('document-error').innerText")
        assert_accessible(browser, source, "request form, too many documents (sv)", PAGE_RULES)

        two = f"{entries['public']['number']}\n{entries['alone']['number']}"
        browser.evaluate("document.getElementById('delivery-pickup').checked = true")
        browser.submit({"document": two, "description": "Ritningarna också"})
        text = browser.evaluate("document.body.innerText")
        assert "Din begäran har tagits emot" in text, text
        number = browser.evaluate("document.querySelector('.receipt-number').textContent")
        receipt_rules = ("html-has-lang", "document-title", "color-contrast", "bypass")
        assert_accessible(browser, source, "receipt (sv)", receipt_rules)
        browser.goto(f"{server.url}{BASE}/public/webbdiarium/begaran?lang=en")
        assert_accessible(browser, source, "request form (en)", PAGE_RULES)
    finally:
        browser.close()
    row = await raw.fetchrow(
        "SELECT channel, delivery, document_ref, description FROM diarium_request WHERE number = ?",
        number,
    )
    assert row is not None and row["channel"] == "web" and row["delivery"] == "pickup"
    assert row["document_ref"] == entries["public"]["number"]
    assert row["description"] == "Ritningarna också"
    named = await raw.fetch(
        "SELECT d.document_ref, d.document_id FROM diarium_requested_document d "
        "JOIN diarium_request r ON r.id = d.request_id WHERE r.number = ? ORDER BY d.position",
        number,
    )
    assert [(n["document_ref"], n["document_id"]) for n in named] == [
        (entries["public"]["number"], entries["public"]["id"]),
        (entries["alone"]["number"], entries["alone"]["id"]),
    ]
