"""The drafts API without OCR (drafts made by the intake's own service from text): the list
with its cursor, search and filters, corrections of the suggestions, discarding, registering
into a new case file, refusals that change nothing, permissions, the demo drafts and the
plugin's messages in Swedish."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from core.db import raw
from core.i18n import catalogue
from plugins.diarium.intake import drafts
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.drafts import make_draft as make
from tests.support.msgids import scan

ROOT = Path(__file__).resolve().parents[4]


LETTER = (
    "Per Olsson\nKyrkvägen 2\n123 47 Ekeby\n\nÄrende: Trasig belysning i Ekparken\n\n"
    "Hej!\nLamporna längs gångvägen har varit släckta i två veckor.\n\n"
    "Med vänlig hälsning\nPer Olsson\n"
)


async def test_list_search_and_page_the_drafts(client, auth_headers, intake):
    registrator = await auth_headers("registrator")
    tag = uuid.uuid4().hex[:8]
    made = [await make(f"{LETTER}\nreferens {tag} nummer {n}") for n in range(3)]
    page = await client.get(f"{BASE}/drafts", params={"q": tag, "limit": 2}, headers=registrator)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 3 and len(body["items"]) == 2 and body["next_cursor"]
    assert [d["id"] for d in body["items"]] == [made[2]["id"], made[1]["id"]]
    assert "text" not in body["items"][0] and body["items"][0]["snippet"].startswith("Per")
    rest = await client.get(
        f"{BASE}/drafts",
        params={"q": tag, "limit": 2, "cursor": body["next_cursor"]},
        headers=registrator,
    )
    assert [d["id"] for d in rest.json()["items"]] == [made[0]["id"]]
    assert rest.json()["next_cursor"] is None
    # Swedish letters in any case (SQLite's own LOWER() folds only ASCII)
    shouting = await make(f"VI KLAGAR PÅ SNÖRÖJNINGEN VID ÅN {tag}")
    found = await client.get(
        f"{BASE}/drafts", params={"q": f"snöröjningen  vid ån {tag}"}, headers=registrator
    )
    assert [d["id"] for d in found.json()["items"]] == [shouting["id"]]
    first = made[0]
    assert first["suggestions"]["sender"] == "Per Olsson"
    assert first["suggestions"]["subject"] == "Trasig belysning i Ekparken"
    # filters are checked, unknown parameters refused
    for params in ({"status": "lost"}, {"source": "fax"}, {"limit": 0}, {"cursor": "nonsense"}):
        bad = await client.get(f"{BASE}/drafts", params=params, headers=registrator)
        assert bad.status_code == 400, (params, bad.text)
    unknown = await client.get(f"{BASE}/drafts", params={"sort": "x"}, headers=registrator)
    assert unknown.status_code == 400


async def test_correct_discard_and_refusals(client, auth_headers, intake):
    registrator = await auth_headers("registrator")
    draft = await make(LETTER)
    url = f"{BASE}/drafts/{draft['id']}"
    changed = await client.patch(
        url,
        json={"subject": "Belysning Ekparken", "received_date": "2026-11-30", "note": "Ring"},
        headers=registrator,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["suggestions"]["subject"] == "Belysning Ekparken"
    assert body["received_date"] == "2026-11-30" and body["note"] == "Ring"
    assert body["suggestions"]["sender"] == "Per Olsson"  # untouched
    audited = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'diarium.draft_updated' AND object_id = ?",
        str(draft["id"]),
    )
    assert audited is not None
    for bad in (
        {"received_date": "30/11/2026"},
        {"received_date": "2026-02-30"},
        {"received_date": ""},
        {"series_code": "NOPE"},
        {"case_file_id": 999999},
        {"colour": "red"},
    ):
        response = await client.patch(url, json=bad, headers=registrator)
        assert response.status_code in (400, 422), (bad, response.text)
    assert (await client.get(url, headers=registrator)).json() == body  # nothing changed
    # discard needs a reason; once discarded nothing more can be done
    no_reason = await client.post(f"{url}/discard", json={"reason": "  "}, headers=registrator)
    assert no_reason.status_code == 400
    gone = await client.post(f"{url}/discard", json={"reason": "Reklam"}, headers=registrator)
    assert gone.status_code == 200 and gone.json()["status"] == "discarded"
    assert gone.json()["discarded"]["reason"] == "Reklam"
    for method, path, payload in (
        ("patch", url, {"note": "x"}),
        ("post", f"{url}/discard", {"reason": "igen"}),
        ("post", f"{url}/register", {"series_code": intake["series"]["code"]}),
    ):
        response = await getattr(client, method)(path, json=payload, headers=registrator)
        assert response.status_code == 409, (path, response.text)
        assert "discarded" in response.json()["detail"]
    missing = await client.get(f"{BASE}/drafts/999999", headers=registrator)
    assert missing.status_code == 404


async def test_register_into_a_new_case_file(client, auth_headers, intake):
    registrator = await auth_headers("registrator")
    draft = await make(LETTER)
    url = f"{BASE}/drafts/{draft['id']}/register"
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_case_file")
    # refusals change nothing: no series, both a case file and a new one, a bad date
    for bad in (
        {},
        {
            "series_code": intake["series"]["code"],
            "case_file_id": intake["case_file"]["id"],
            "new_case_file": {"title_public": "X", "classification_code": "1.2.2"},
        },
        {"series_code": intake["series"]["code"], "document_date": "igår"},
        {"series_code": "OKÄND"},
    ):
        response = await client.post(url, json=bad, headers=registrator)
        assert response.status_code in (400, 404, 422), (bad, response.text)
    assert (await client.get(f"{BASE}/drafts/{draft['id']}", headers=registrator)).json()[
        "status"
    ] == "new"
    response = await client.post(
        url,
        json={
            "series_code": intake["series"]["code"],
            "new_case_file": {
                "title_public": "Belysning i Ekparken",
                "classification_code": "1.2.2",
                "officer": intake["officer"],
            },
            "public_text": "Trasig belysning i Ekparken",
        },
        headers=registrator,
    )
    assert response.status_code == 201, response.text
    result = response.json()
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_case_file")
    assert after["n"] == before["n"] + 1
    assert result["draft"]["case_file_id"] is not None
    assert result["draft"]["registration"]["number"] == result["document"]["number"]
    # no receipt for a draft without a sender's address
    outbox = await raw.fetch(
        "SELECT id FROM outbound_message WHERE template = 'diarium_receipt' AND body LIKE ?",
        f"%{result['document']['number']}%",
    )
    assert outbox == []


async def test_only_registrators_reach_the_drafts(client, auth_headers, intake):
    draft = await make(LETTER)
    for role in ("agent", "case_officer", "reception"):
        headers = await auth_headers(role)
        for method, path in (
            ("get", f"{BASE}/drafts"),
            ("get", f"{BASE}/drafts/{draft['id']}"),
            ("post", f"{BASE}/intake/folder/poll"),
            ("post", f"{BASE}/intake/mailbox/poll"),
        ):
            response = await getattr(client, method)(path, headers=headers)
            assert response.status_code == 403, (role, path, response.text)
    head = await auth_headers("head_registrator")
    status = await client.get(f"{BASE}/intake/status", headers=head)
    assert status.status_code == 200 and status.json()["folder"]["configured"] is True


async def test_demo_drafts(intake):
    import random

    from plugins.diarium.intake.demo import seed

    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_draft")
    first = await seed(random.Random(7), "demo")
    again = await seed(random.Random(7), "demo")  # idempotent
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_draft")
    assert after["n"] == before["n"] + first and again == 0
    letter = await drafts.find_by_key("demo:scan:skanning-0001")
    assert letter is not None and letter["personnummer"]["masked"] == ["19811218-****"]
    assert letter["suggestions"]["sender"] == "Karin Sjöberg"


def test_every_message_of_the_intake_has_a_swedish_text(intake):
    found, problems = scan(ROOT / "plugins" / "diarium" / "intake", ROOT)
    assert problems == []
    swedish = catalogue("sv")
    texts = {m.text for m in found}
    assert len(texts) > 15
    assert sorted(t for t in texts if t not in swedish) == []


async def test_every_intake_route_is_in_the_permission_matrix(
    client, app, auth_headers, role_users, intake
):
    from tests.conftest import ROLE_PASSWORD, login
    from tests.support import permission_matrix

    async def fresh(role: str) -> dict[str, str]:
        return await login(client, role_users[role], ROLE_PASSWORD)

    def ours(op: Any) -> bool:
        return op.path.startswith((f"{BASE}/drafts", f"{BASE}/intake"))

    schema = (await client.get("/api/schema/openapi.json")).json()
    found = [op for op in permission_matrix.operations(app, schema) if ours(op)]
    assert len(found) == 10
    assert {op.permission for op in found} == {"diarium.register"}
    problems = await permission_matrix.check(client, app, auth_headers, fresh, only=ours)
    assert problems == []
