"""The public crisis page against a real ``kontakt serve`` in headless Chromium: WCAG 2.1 AA
(axe-core, no violations) in Swedish, English and Arabic (right to left) on a phone-sized
screen, ÖVNING / EXERCISE shown for an exercise, one small document without script, and a
page that says so when no message is approved."""

from __future__ import annotations

import httpx

from tests.plugins.crisis_mode.messages.conftest import MESSAGES, PUBLIC, TEXTS, draft_body
from tests.support.accessibility import Browser, assert_accessible, axe_source

RULES = ("html-has-lang", "valid-lang", "document-title", "color-contrast", "link-name")
PHONE = {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True}
MAX_BYTES = 14 * 1024  # one round trip of TCP's initial window


async def test_the_crisis_page_is_accessible_small_and_right_to_left_in_arabic(
    client, clean, crisis_headers, auth_headers, server_factory, tmp_path
):
    writer = await auth_headers("supervisor")
    leader = await crisis_headers("leader")
    body = draft_body(exercise=True)
    draft = (await client.post(MESSAGES, json=body, headers=writer)).json()
    approved = await client.post(f"{MESSAGES}/{draft['id']}/approve", json={}, headers=leader)
    assert approved.status_code == 200, approved.text

    server = server_factory()
    url = f"{server.url}{PUBLIC}/page"
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(url, params={"lang": "ar"})
        assert response.status_code == 200
        assert len(response.content) < MAX_BYTES, len(response.content)
        assert "<script" not in response.text and "<img" not in response.text
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "style-src 'sha256-" in csp
        assert response.headers["content-language"] == "ar"
        again = await http.get(
            url, params={"lang": "ar"}, headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304 and again.content == b""
        negotiated = await http.get(url, headers={"Accept-Language": "fi-FI,fi;q=0.9"})
        assert '<html lang="fi"' in negotiated.text

    source = axe_source()
    browser = Browser(tmp_path / "profile")
    try:
        browser.call("Emulation.setDeviceMetricsOverride", PHONE, session=browser.session)
        for lang, direction, label in (("sv", "ltr", "ÖVNING"), ("en", "ltr", "EXERCISE"),
                                       ("ar", "rtl", "EXERCISE")):  # fmt: skip
            browser.goto(f"{url}?lang={lang}")
            assert browser.evaluate("document.documentElement.lang") == lang
            assert browser.evaluate("document.documentElement.dir") == direction
            assert (
                browser.evaluate("document.querySelector('h1').textContent")
                == (TEXTS[lang]["title"])
            )
            assert "ÖVNING" in browser.evaluate("document.querySelector('.exercise').innerText")
            assert browser.evaluate("document.title").startswith(f"{label}: ")
            assert TEXTS[lang]["instruction"] in browser.evaluate("document.body.innerText")
            assert browser.evaluate("document.scripts.length") == 0
            assert browser.evaluate("performance.getEntriesByType('resource').length") == 0
            # the inline style sheet applies (its hash is in the CSP) and nothing scrolls sideways
            assert (
                browser.evaluate(
                    "getComputedStyle(document.querySelector('header')).backgroundColor"
                )
                == "rgb(11, 61, 107)"
            )
            assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            assert_accessible(browser, source, f"crisis page ({lang})", RULES)
        # the language links name each language in itself
        names = browser.evaluate("[...document.querySelectorAll('nav a')].map(a => a.lang)")
        assert names == ["sv", "en", "fi", "ar"]
        browser.press_tab()
        assert browser.evaluate("document.activeElement.className") == "skip-link"

        await client.post(f"{MESSAGES}/cancel", json={}, headers=leader)
        browser.goto(f"{url}?lang=sv")
        assert browser.evaluate("document.querySelector('h1').textContent") == (
            "Det finns inget krismeddelande just nu"
        )
        assert_accessible(browser, source, "crisis page without a message", RULES[:4])
    finally:
        browser.close()
