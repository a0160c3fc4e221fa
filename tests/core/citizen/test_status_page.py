"""Mina ärenden: the public status and public timeline of a case, nothing else; no
enumeration; a guessing guard per client address; Swedish and English; and the JSON twin."""

from __future__ import annotations

import re
import uuid

from core.audit.tables import AuditEntry
from core.citizen import status_page
from core.citizen.tables import AccessAttempt
from tests.core.citizen.conftest import open_case, unique_client_address

PAGE = "/mina-arenden"
JSON_URL = "/api/v1/public/case-status"


async def case_with_history(client, auth_headers, citizen_org) -> dict:
    """A case with internal and public entries; returns number, code and the secret texts."""
    agent = await auth_headers("agent")
    tag = uuid.uuid4().hex[:8]
    created = await open_case(
        client,
        agent,
        citizen_org.public_type,
        summary=f"Gungan är trasig SUMMARY-{tag}",
        description=f"Ringer om gungan DESCRIPTION-{tag}",
        party={"kind": "person", "name": f"Berit Bengtsson {tag}", "phone": "070-111 22 33"},
    )
    number = created["case"]["number"]
    base = f"/api/v1/cases/{number}"
    steps = [
        ("notes", {"text": f"Internt: medborgaren var arg INTERNAL-{tag}"}),
        ("notes", {"text": f"Vi har beställt en ny gunga PUBLIC-{tag}", "public": True}),
        (
            "forward",
            {"kind": "department", "target": citizen_org.department, "reason": f"FWD-{tag}"},
        ),
        ("status", {"status": "investigating", "public_text": f"Vi utreder STATUS-{tag}"}),
        ("feedback", {"channel": "phone", "text": f"Ringde och berättade FEEDBACK-{tag}"}),
    ]
    for path, body in steps:
        response = await client.post(f"{base}/{path}", json=body, headers=agent)
        assert response.status_code in (200, 201), (path, response.text)
    return {"number": number, "code": created["access_code"], "tag": tag}


def error_text(html: str) -> str:
    found = re.search(r'<p id="lookup-error">(.*?)</p>', html, re.S)
    assert found, html
    return found.group(1)


async def test_form_is_swedish_by_default_and_english_on_request(as_client):
    web = as_client()
    sv = await web.get(PAGE)
    assert sv.status_code == 200
    assert sv.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in sv.text
    assert "Ärendenummer" in sv.text and 'for="number"' in sv.text and 'for="code"' in sv.text
    assert 'href="#main"' in sv.text and 'id="main"' in sv.text
    assert 'hreflang="en"' in sv.text and "?lang=en" in sv.text
    en = await web.get(PAGE, params={"lang": "en"})
    assert '<html lang="en">' in en.text and "Case number" in en.text
    negotiated = await web.get(PAGE, headers={"Accept-Language": "en-GB,en;q=0.8,sv;q=0.2"})
    assert '<html lang="en">' in negotiated.text
    assert negotiated.headers["content-language"] == "en"
    css = await web.get("/static/citizen/mina-arenden.css")
    assert css.status_code == 200 and "focus-visible" in css.text


async def test_lookup_shows_public_entries_and_nothing_internal(
    client, as_client, auth_headers, citizen_org
):
    case = await case_with_history(client, auth_headers, citizen_org)
    tag = case["tag"]
    web = as_client()
    # a citizen types number and code in lower case, with spaces
    code = case["code"].lower()[:5] + " " + case["code"].lower()[5:]
    page = await web.post(PAGE, data={"number": f" {case['number'].lower()} ", "code": code})
    assert page.status_code == 200, page.text
    html = page.text
    assert case["number"] in html
    assert "Under utredning" in html  # the public status text
    assert "Status ändrad till: Mottaget" in html and "Status ändrad till: Pågår" in html
    assert "Status ändrad till: Under utredning" in html
    for visible in (f"PUBLIC-{tag}", f"STATUS-{tag}", f"FEEDBACK-{tag}", "Trasiga lekredskap"):
        assert visible in html
    for hidden in (
        f"INTERNAL-{tag}",
        f"FWD-{tag}",
        f"SUMMARY-{tag}",
        f"DESCRIPTION-{tag}",
        f"Berit Bengtsson {tag}",
        "+46701112233",
        "agent-user",
        "Test agent",
        citizen_org.department,
    ):
        assert hidden not in html, hidden
    assert page.headers["cache-control"] == "no-store"
    english = await web.post(
        PAGE, data={"number": case["number"], "code": case["code"], "lang": "en"}
    )
    assert '<html lang="en">' in english.text and "Under investigation" in english.text
    assert f"INTERNAL-{tag}" not in english.text


async def test_json_twin_shows_the_same_public_view(client, as_client, auth_headers, citizen_org):
    case = await case_with_history(client, auth_headers, citizen_org)
    tag = case["tag"]
    api = as_client()
    response = await api.post(JSON_URL, json={"number": case["number"], "code": case["code"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["number"] == case["number"]
    assert body["status"] == "investigating" and body["public_status"] == "Under utredning"
    statuses = [e["public_status"] for e in body["timeline"] if e["kind"] == "status"]
    assert statuses == ["Mottaget", "Pågår", "Under utredning"]
    texts = " ".join(entry["text"] for entry in body["timeline"])
    assert f"PUBLIC-{tag}" in texts and f"FEEDBACK-{tag}" in texts and f"STATUS-{tag}" in texts
    assert f"INTERNAL-{tag}" not in response.text and f"FWD-{tag}" not in response.text
    assert "agent-user" not in response.text and "actor" not in response.text
    english = await api.post(
        JSON_URL,
        json={"number": case["number"], "code": case["code"]},
        headers={"Accept-Language": "en"},
    )
    assert english.json()["public_status"] == "Under investigation"
    unknown_field = await api.post(
        JSON_URL, json={"number": case["number"], "code": case["code"], "extra": 1}
    )
    assert unknown_field.status_code == 400
    missing = await api.post(JSON_URL, json={"number": case["number"]})
    assert missing.status_code == 400


async def test_wrong_code_and_unknown_number_look_the_same(
    client, as_client, auth_headers, citizen_org
):
    agent = await auth_headers("agent")
    created = await open_case(client, agent, citizen_org.public_type)
    number = created["case"]["number"]
    wrong_code = "A" * 10 if created["access_code"] != "A" * 10 else "B" * 10
    web = as_client()
    wrong = await web.post(PAGE, data={"number": number, "code": wrong_code})
    unknown = await web.post(PAGE, data={"number": "KC-1999-999999", "code": wrong_code})
    assert wrong.status_code == unknown.status_code == 404
    assert error_text(wrong.text) == error_text(unknown.text)
    assert "Vi hittar inget ärende" in error_text(wrong.text)
    assert 'aria-describedby="number-hint lookup-error"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    assert wrong_code not in wrong.text  # the code is never echoed back
    api = as_client()
    json_wrong = await api.post(JSON_URL, json={"number": number, "code": wrong_code})
    json_unknown = await api.post(JSON_URL, json={"number": "KC-1999-999999", "code": "X" * 10})
    assert json_wrong.status_code == json_unknown.status_code == 404
    assert json_wrong.json()["detail"] == json_unknown.json()["detail"]
    assert json_wrong.headers["content-type"].startswith("application/problem+json")
    failures = await AuditEntry.select().where(
        (AuditEntry.action == "citizen.lookup_failed") & (AuditEntry.object_id == number)
    )
    assert len(failures) == 2


async def test_missing_fields_are_explained_and_not_counted(as_client):
    address = unique_client_address()
    web = as_client(address)
    page = await web.post(PAGE, data={"number": "", "code": ""})
    assert page.status_code == 400
    assert 'id="number-error"' in page.text and 'id="code-error"' in page.text
    assert 'aria-describedby="number-hint number-error"' in page.text
    assert 'aria-describedby="code-hint code-error"' in page.text
    assert "Skriv in ärendenumret." in page.text
    assert await AccessAttempt.count().where(AccessAttempt.client == address) == 0


async def test_guessing_a_case_is_stopped_after_ten_failures(
    client, as_client, auth_headers, citizen_org
):
    agent = await auth_headers("agent")
    created = await open_case(client, agent, citizen_org.public_type)
    number, code = created["case"]["number"], created["access_code"]
    guesser = as_client()
    for attempt in range(status_page.CASE_MAX_FAILURES - 1):
        response = await guesser.post(PAGE, data={"number": number, "code": f"WRONG{attempt:05d}"})
        assert response.status_code == 404
    for _ in range(3):  # successful look-ups do not count
        assert (await guesser.post(PAGE, data={"number": number, "code": code})).status_code == 200
    last = await guesser.post(PAGE, data={"number": number, "code": "WRONGLAST1"})
    assert last.status_code == 404
    blocked = await guesser.post(PAGE, data={"number": number, "code": code})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= status_page.WINDOW_S + 1
    assert "För många försök" in blocked.text and '<html lang="sv">' in blocked.text
    assert "Under utredning" not in blocked.text and "Mottaget" not in blocked.text
    json_blocked = await guesser.post(JSON_URL, json={"number": number, "code": code})
    assert json_blocked.status_code == 429 and "retry-after" in json_blocked.headers
    # the case's code is locked for everyone, so spreading guesses over addresses is no use
    other = as_client()
    spread = await other.post(JSON_URL, json={"number": number.lower(), "code": code})
    assert spread.status_code == 429


async def test_a_guesser_does_not_lock_out_citizens_behind_the_same_address(
    client, as_client, auth_headers, citizen_org
):
    agent = await auth_headers("agent")
    target = await open_case(client, agent, citizen_org.public_type)
    neighbour = await open_case(client, agent, citizen_org.public_type)
    typo = await open_case(client, agent, citizen_org.public_type)
    shared = unique_client_address()  # a municipal guest network or a carrier's NAT
    guesser = as_client(shared)
    for attempt in range(status_page.MAX_FAILURES):  # many cases, one guess each
        wrong = await guesser.post(
            JSON_URL, json={"number": f"KC-2026-9{attempt:05d}", "code": "GUESS00000"}
        )
        assert wrong.status_code == 404
    # a citizen behind the same address, with the right code for a clean case: let in
    citizen = as_client(shared)
    body = {"number": neighbour["case"]["number"], "code": neighbour["access_code"]}
    assert (await citizen.post(JSON_URL, json=body)).status_code == 200
    page = await citizen.post(PAGE, data=body)
    assert page.status_code == 200 and "Mottaget" in page.text
    # the busy address is slowed: a wrong code is answered 429 and counts for that case ...
    slip = {"number": typo["case"]["number"], "code": "WRONGCODE1"}
    assert (await citizen.post(JSON_URL, json=slip)).status_code == 429
    # ... after which that case, no longer clean, is not tried from the busy address at all
    right = {"number": typo["case"]["number"], "code": typo["access_code"]}
    assert (await citizen.post(JSON_URL, json=right)).status_code == 429
    # but elsewhere one failure is far from the case's own limit
    assert (await as_client().post(JSON_URL, json=right)).status_code == 200
    # the guesser's target case was never touched
    body = {"number": target["case"]["number"], "code": target["access_code"]}
    assert (await as_client().post(JSON_URL, json=body)).status_code == 200
    counted = await AccessAttempt.count().where(AccessAttempt.case_number == typo["case"]["number"])
    assert counted == 1


async def test_json_guessing_counts_too(client, as_client, auth_headers, citizen_org):
    agent = await auth_headers("agent")
    created = await open_case(client, agent, citizen_org.public_type)
    api = as_client()
    for attempt in range(status_page.CASE_MAX_FAILURES):
        wrong = await api.post(
            JSON_URL, json={"number": created["case"]["number"], "code": f"NOPE{attempt:06d}"}
        )
        assert wrong.status_code == 404
    right = await api.post(
        JSON_URL, json={"number": created["case"]["number"], "code": created["access_code"]}
    )
    assert right.status_code == 429
    assert right.json()["status"] == 429


async def test_secret_case_shows_only_its_status(client, as_client, auth_headers, citizen_org):
    case = await case_with_history(client, auth_headers, citizen_org)
    supervisor = await auth_headers("supervisor")
    marked = await client.post(
        f"/api/v1/cases/{case['number']}/secrecy", json={"secret": True}, headers=supervisor
    )
    assert marked.status_code == 200, marked.text
    web = as_client()
    page = await web.post(PAGE, data={"number": case["number"], "code": case["code"]})
    assert page.status_code == 200
    assert "Under utredning" in page.text and "sekretess" in page.text
    for hidden in ("PUBLIC-", "STATUS-", "FEEDBACK-", "INTERNAL-", "Trasiga lekredskap"):
        assert hidden not in page.text, hidden
    body = (await web.post(JSON_URL, json={"number": case["number"], "code": case["code"]})).json()
    assert set(body) == {"number", "status", "public_status", "language"}
    reads = await AuditEntry.select().where(
        (AuditEntry.action == "read") & (AuditEntry.object_id == case["number"])
    )
    assert any("citizen" in r["details"] for r in reads)


def test_page_texts_come_from_the_catalogues():
    swedish, english = status_page.texts("sv"), status_page.texts("en")
    assert set(swedish) == set(english) == set(status_page.TEXTS) | {"switch"}
    assert english == {**status_page.TEXTS, "switch": "På svenska"}  # msgids are English
    assert (swedish["title"], swedish["switch"]) == ("Mina ärenden", "In English")
    assert swedish["too_many"].format(minutes=5).endswith("Vänta 5 minuter och försök igen.")
    untranslated = [key for key in status_page.TEXTS if swedish[key] == english[key]]
    assert untranslated == ["status"]  # "Status" is the same word in Swedish


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found, html
    return found.group(1)


async def test_the_page_title_names_mina_arenden_once(
    client, as_client, auth_headers, citizen_org, settings
):
    web = as_client()
    town = settings.municipality_name
    assert _title((await web.get(PAGE)).text) == f"Mina ärenden – {town}"
    assert _title((await web.get(PAGE + "?lang=en")).text) == f"My cases – {town}"
    created = await open_case(client, await auth_headers("agent"), citizen_org.public_type)
    number = created["case"]["number"]
    shown = await web.post(PAGE, data={"number": number, "code": created["access_code"]})
    assert _title(shown.text) == f"{number} – Mina ärenden – {town}"
    missed = await web.post(PAGE, data={"number": number, "code": "WRONGCODE1"})
    assert _title(missed.text) == f"Det gick inte att visa ärendet – Mina ärenden – {town}"


async def test_nul_characters_are_refused_without_counting(as_client):
    address = unique_client_address()
    web = as_client(address)
    for body, field in (
        ({"number": "KC-2026-000001\u0000", "code": "ABCDEFGHJK"}, "number"),
        ({"number": "KC-2026-000001", "code": "ABC\u0000DEFGHJK"}, "code"),
    ):
        refused = await web.post(JSON_URL, json=body)
        assert refused.status_code == 400, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
        page = await web.post(PAGE, data=body)
        assert page.status_code == 400 and '<html lang="sv">' in page.text
    assert await AccessAttempt.count().where(AccessAttempt.client == address) == 0
