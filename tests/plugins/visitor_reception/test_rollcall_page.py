"""The reception's live roll-call page against a real ``kontakt serve``: WCAG 2.1 AA (axe-core
in headless Chromium, 0 violations) in Swedish and English under a strict CSP; a desk signs in,
starts a roll call, sees those needing assistance first and the counts, ticks a visitor off in
the page (the server's roll call changes), and sees another desk's tick arrive live."""

from __future__ import annotations

import time

import httpx

from tests.conftest import ROLE_PASSWORD
from tests.core.citizen.browser import Browser, axe_source
from tests.plugins.visitor_reception.conftest import BASE, kiosk_headers
from tests.support.accessibility import assert_accessible, wait_for


def row_of(number: str) -> str:
    return f"document.querySelector('tr[data-number=\"{number}\"]')"


def table_of(number: str) -> str:
    return f"({row_of(number)} && {row_of(number)}.closest('table').id)"


async def test_the_roll_call_page_ticks_visitors_off_and_follows_other_desks(
    reception, server_factory, tmp_path
):
    server = server_factory()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "reception-user", "password": ROLE_PASSWORD}
        )
        assert login.status_code == 200, login.text
        desk = {"Authorization": f"Bearer {login.json()['token']}"}
        numbers = {}
        for name, assist in (("Örjan Ört", False), ("Hjördis Hjälp", True)):
            body = {"visitor_name": name, "host_id": reception["host"]["id"],
                    "needs_assistance": assist}  # fmt: skip
            checked = await http.post(
                f"{BASE}/kiosk/check-in",
                json=body,
                headers=kiosk_headers(reception["kiosk"]["token"]),
            )
            assert checked.status_code == 201, checked.text
            numbers[name] = checked.json()["visit"]["number"]
        page = await http.get(f"{BASE}/roll-call", params={"lang": "sv"})
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text and " style=" not in page.text
        assert (await http.get(f"{BASE}/roll-call", params={"lang": "xx"})).status_code == 400

    helped, other = numbers["Hjördis Hjälp"], numbers["Örjan Ört"]
    source = axe_source()
    browser = Browser(tmp_path / "profile")
    try:
        browser.goto(f"{server.url}{BASE}/roll-call?lang=sv")
        assert browser.evaluate("document.documentElement.lang") == "sv"
        assert_accessible(browser, source, "roll call, sign-in (sv)")
        browser.press_tab()
        assert browser.evaluate("document.activeElement.className") == "skip-link"
        browser.evaluate(  # an account without reception.desk is turned away
            "document.getElementById('username').value = 'agent-user';"
            f"document.getElementById('password').value = '{ROLE_PASSWORD}';"
            "document.getElementById('login-form').requestSubmit();"
        )
        refused = wait_for(browser, "document.getElementById('login-error').textContent")
        assert refused == "Kontot får inte se närvarolistan."
        assert browser.evaluate("document.getElementById('roll').hidden")
        browser.evaluate(
            "document.getElementById('username').value = 'reception-user';"
            f"document.getElementById('password').value = '{ROLE_PASSWORD}';"
            "document.getElementById('login-form').requestSubmit();"
        )
        wait_for(browser, "!document.getElementById('roll').hidden")
        wait_for(browser, "document.getElementById('status').textContent")
        browser.evaluate(
            "document.getElementById('reason').value = 'Brandlarm plan 3';"
            "document.getElementById('start-form').requestSubmit();"
        )
        wait_for(
            browser, "document.getElementById('status').textContent.includes('Brandlarm plan 3')"
        )
        assert wait_for(browser, table_of(helped)) == "missing"
        assert browser.evaluate(table_of(other)) == "missing"
        first = browser.evaluate("document.querySelector('#missing tbody tr').dataset.number")
        assert browser.evaluate(f"{row_of(first)}.classList.contains('assist')")
        assert browser.evaluate(f"{row_of(helped)}.textContent").count("JA") == 1
        counts = browser.evaluate("document.getElementById('counts').textContent")
        assert "I säkerhet: 0" in counts and "Saknas:" in counts
        assert_accessible(browser, source, "roll call with people (sv)")

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            latest = (await http.get(f"{BASE}/roll-calls/latest", headers=desk)).json()
            roll_id = latest["roll_call"]["id"]
            assert latest["roll_call"]["reason"] == "Brandlarm plan 3"
            inside = latest["counts"]["inside"]
            assert counts.startswith(f"Personer i huset: {inside} ")
            waiting = sum(1 for p in latest["people"] if p["needs_assistance"] and not p["safe_at"])
            assert counts.endswith(f"Behöver hjälp, ännu inte i säkerhet: {waiting}")

            # ticked off in the page: the server's roll call changes
            browser.evaluate(f"{row_of(helped)}.querySelector('button').click()")
            assert wait_for(browser, f"{table_of(helped)} === 'safe' && 'safe'") == "safe"
            person = {
                p["number"]: p
                for p in (await http.get(f"{BASE}/roll-calls/latest", headers=desk)).json()[
                    "people"
                ]
            }[helped]
            assert person["safe_at"] is not None and person["safe_by"] == "reception-user"
            after = browser.evaluate("document.getElementById('counts').textContent")
            assert "I säkerhet: 1" in after, after
            assert after.endswith(f"Behöver hjälp, ännu inte i säkerhet: {waiting - 1}"), after
            assert_accessible(browser, source, "roll call after a tick (sv)")

            # another desk ticks over the API: the page follows the live event
            crisis = await http.post(
                "/api/v1/auth/login",
                json={"username": "crisis-team-user", "password": ROLE_PASSWORD},
            )
            other_desk = {"Authorization": f"Bearer {crisis.json()['token']}"}
            ticked = await http.put(
                f"{BASE}/roll-calls/{roll_id}/safe/{other}", json={"safe": True}, headers=other_desk
            )
            assert ticked.status_code == 200, ticked.text
            begun = time.monotonic()
            assert wait_for(browser, f"{table_of(other)} === 'safe' && 'safe'") == "safe"
            assert time.monotonic() - begun < 10  # the live event, not the 30 s poll
            # and takes a tick back
            untick = await http.put(
                f"{BASE}/roll-calls/{roll_id}/safe/{helped}",
                json={"safe": False},
                headers=other_desk,
            )
            assert untick.status_code == 200
            assert wait_for(browser, f"{table_of(helped)} === 'missing' && 'missing'") == "missing"

        # the PDF and the offline copy, fetched with the desk's token
        browser.evaluate(
            "window.blobs = []; const made = URL.createObjectURL;"
            "URL.createObjectURL = (b) => { window.blobs.push(b.type); return made.call(URL, b); };"
            "document.getElementById('pdf').click(); document.getElementById('offline').click();"
        )
        kinds = wait_for(browser, "window.blobs.length === 2 && window.blobs.sort()")
        assert kinds == ["application/pdf", "text/html; charset=utf-8"], kinds

        browser.goto(f"{server.url}{BASE}/roll-call?lang=en")  # still signed in (session)
        wait_for(browser, f"{table_of(other)} === 'safe'")
        assert browser.evaluate("document.documentElement.lang") == "en"
        assert "Unaccounted for" in browser.evaluate("document.body.innerText")
        assert_accessible(browser, source, "roll call (en)")
    finally:
        browser.close()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for number in numbers.values():
            await http.post(f"{BASE}/visits/{number}/sign-out", headers=desk)
