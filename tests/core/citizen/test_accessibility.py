"""WCAG 2.1 AA on Mina ärenden: axe-core in headless Chromium against a real ``kontakt serve``,
on the form, a real case, the error pages and the too-many-attempts page."""

from __future__ import annotations

from core import db
from core.citizen import status_page
from core.citizen.tables import AccessAttempt
from tests.core.citizen.browser import Browser, axe_source
from tests.core.citizen.conftest import open_case

LOCAL = "127.0.0.1"


async def forget_attempts() -> None:
    """The real server sees this test as 127.0.0.1; leave no failures behind for others."""
    async with db.transaction():
        await AccessAttempt.delete().where(AccessAttempt.client == LOCAL)


def assert_accessible(browser: Browser, source: str, label: str, form: bool = True) -> None:
    result = browser.axe(source)
    assert result["violations"] == [], f"{label}: {result['violations']}"
    # axe really looked: the rules that matter most here ran and passed
    rules = ["html-has-lang", "document-title", "color-contrast", "bypass"]
    for rule in rules + (["label"] if form else []):
        assert rule in result["passes"], f"{label}: {rule} did not run ({result['passes']})"


async def test_mina_arenden_meets_wcag_21_aa(
    client, auth_headers, citizen_org, server_factory, tmp_path
):
    agent = await auth_headers("agent")
    created = await open_case(client, agent, citizen_org.public_type, subject="Trasig gunga")
    number, code = created["case"]["number"], created["access_code"]
    for path, body in (
        ("notes", {"text": "Vi har beställt en ny kedja till gungan.", "public": True}),
        ("status", {"status": "in_progress", "public_text": "Tekniska förvaltningen åtgärdar."}),
    ):
        response = await client.post(f"/api/v1/cases/{number}/{path}", json=body, headers=agent)
        assert response.status_code == 200, response.text
    await forget_attempts()
    server = server_factory()
    source = axe_source()
    browser = Browser(tmp_path / "profile")
    try:
        browser.goto(f"{server.url}/mina-arenden?lang=sv")  # Chromium asks for en-US
        assert browser.evaluate("document.documentElement.lang") == "sv"
        assert_accessible(browser, source, "form (sv)")
        browser.press_tab()
        focused = browser.evaluate(
            "(el => [el.className, getComputedStyle(el).outlineStyle,"
            " el.getBoundingClientRect().top >= 0])(document.activeElement)"
        )
        assert focused == ["skip-link", "solid", True]  # the skip link comes first, visibly

        browser.goto(f"{server.url}/mina-arenden?lang=en")
        assert browser.evaluate("document.documentElement.lang") == "en"
        assert_accessible(browser, source, "form (en)")

        browser.goto(f"{server.url}/mina-arenden?lang=sv")
        browser.submit({"number": number, "code": code})
        text = browser.evaluate("document.body.innerText")
        assert "Vi har beställt en ny kedja" in text and "Status ändrad till: Pågår" in text
        assert_accessible(browser, source, "result", form=False)

        browser.goto(f"{server.url}/mina-arenden?lang=sv")
        browser.submit({"number": number, "code": "WRONGCODE1"})
        assert browser.evaluate("document.getElementById('lookup-error') !== null")
        assert (
            browser.evaluate("document.getElementById('code').getAttribute('aria-describedby')")
            == "code-hint lookup-error"
        )
        assert_accessible(browser, source, "no match")

        browser.goto(f"{server.url}/mina-arenden?lang=sv")
        browser.submit({"number": "", "code": ""})
        assert browser.evaluate("document.getElementById('number-error') !== null")
        assert_accessible(browser, source, "missing fields")

        for attempt in range(status_page.MAX_FAILURES):
            browser.goto(f"{server.url}/mina-arenden?lang=sv")
            browser.submit({"number": number, "code": f"WRONG{attempt:05d}"})
        assert "För många försök" in browser.evaluate("document.body.innerText")
        assert_accessible(browser, source, "too many attempts", form=False)
    finally:
        browser.close()
        await forget_attempts()
