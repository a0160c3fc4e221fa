"""The evacuation roll call: one action lists everyone inside with host, location and the
assistance mark; "safe" ticked over the API; the same list as a PDF and as a self-contained
offline HTML copy with its refresh time; crisis mode starts it through the core hook."""

from __future__ import annotations

import inspect
import re

from core.db import raw
from tests.plugins.visitor_reception.conftest import BASE
from tests.plugins.visitor_reception.test_visits import check_in


async def test_the_roll_call_lists_everyone_inside_and_ticks_them_off(
    client, app, auth_headers, reception
):
    helped = (await check_in(client, reception, visitor_name="Eva Ek", needs_assistance=True))[
        "visit"
    ]["number"]
    other = (await check_in(client, reception, visitor_name="Filip Fors"))["visit"]["number"]
    desk = await auth_headers("reception")
    started = await client.post(f"{BASE}/roll-calls", json={"reason": "Brandlarm"}, headers=desk)
    assert started.status_code == 201, started.text
    roll = started.json()
    people = {p["number"]: p for p in roll["people"]}
    assert {helped, other} <= set(people)
    assert people[helped]["needs_assistance"] and not people[other]["needs_assistance"]
    assert people[helped]["host"]["name"] == "Vera Värdsson"
    assert people[helped]["location"] == "Plan 3, rum 301"
    assert roll["people"][0]["needs_assistance"]  # those needing help come first
    assert roll["roll_call"]["reason"] == "Brandlarm" and roll["counts"]["safe"] == 0
    roll_id = roll["roll_call"]["id"]

    url = f"{BASE}/roll-calls/{roll_id}/safe/{helped}"
    ticked = await client.put(url, json={"safe": True}, headers=desk)
    assert ticked.status_code == 200 and ticked.json()["safe_by"] == "reception-user"
    assert (await client.put(url, json={"safe": "ja"}, headers=desk)).status_code == 400
    missing = f"{BASE}/roll-calls/999999/safe/{helped}"
    assert (await client.put(missing, json={}, headers=desk)).status_code == 404
    latest = (await client.get(f"{BASE}/roll-calls/latest", headers=desk)).json()
    assert latest["roll_call"]["id"] == roll_id and latest["counts"]["safe"] == 1
    assert {p["number"]: p for p in latest["people"]}[helped]["safe_at"] is not None

    pdf = await client.get(f"{BASE}/roll-calls/latest/pdf", params={"lang": "sv"}, headers=desk)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    bad = await client.get(f"{BASE}/roll-calls/latest/pdf", params={"lang": "xx"}, headers=desk)
    assert bad.status_code == 400

    offline = await client.get(
        f"{BASE}/roll-calls/latest/offline", params={"lang": "sv"}, headers=desk
    )
    assert offline.status_code == 200 and offline.headers["content-type"].startswith("text/html")
    html = offline.text
    assert "Eva Ek" in html and "Filip Fors" in html and "Vera Värdsson" in html
    assert "Reservkopia, senast uppdaterad" in html
    assert re.search(r'<meta name="kontakt-refreshed" content="\d{4}-\d\d-\d\dT', html)
    assert "<script" not in html and "src=" not in html and 'rel="stylesheet"' not in html
    row = re.search(r"<tr><td>[^<]*</td><td>Eva Ek</td>.*?</tr>", html).group(0)
    assert "☑" in row and "JA" in row  # safe, and needs assistance

    for role in ("agent", "it_admin"):
        headers = await auth_headers(role)
        assert (await client.get(f"{BASE}/roll-calls/latest", headers=headers)).status_code == 403

    # crisis mode starts it through the core hook
    result = app.state.host.hook.start_roll_call(reason="Utrymning: gas", actor="crisis-user")
    if inspect.isawaitable(result):
        result = await result
    assert result["roll_call"]["id"] > roll_id and result["roll_call"]["actor"] == "crisis-user"
    assert {helped, other} <= {p["number"] for p in result["people"]}
    assert all(p["safe_at"] is None for p in result["people"])  # a new roll call starts over
    entry = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = 'reception.roll_call' ORDER BY seq DESC"
    )
    assert entry["actor"] == "crisis-user"
    for number in (helped, other):
        await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)
