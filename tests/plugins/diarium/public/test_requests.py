"""Requests for public documents end to end: the web form (CSRF-safe, rate-limited, without
script), staff logging phone and desk requests, the "skyndsamt" timers of the core case and
the core's sweep raising the alarm, the masked copy, the refusal decision with the appeal
notice, and the audit trail of each step."""

from __future__ import annotations

import asyncio
import re
import time

import pypdfium2 as pdfium

from core.db import raw
from plugins.diarium import runtime
from plugins.diarium.public import page, requests
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.public.conftest import PROVISION

FORM = f"{BASE}/public/webbdiarium/begaran"
REQUESTS = f"{BASE}/requests"
NUMBER = re.compile(r"BAH-\d{4}-\d{5}")


def token_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def count_requests() -> int:
    row = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_request")
    return int(row["n"])


async def audit_actions(object_id: str) -> list[str]:
    rows = await raw.fetch(
        "SELECT action FROM audit_entry WHERE object_id = ? ORDER BY seq", object_id
    )
    return [r["action"] for r in rows]


async def test_the_web_form_logs_an_anonymous_request_with_its_timer(
    client, entries, auth_headers, forget_web_requests
):
    await forget_web_requests()
    client.cookies.clear()
    number = entries["secret"]["number"]
    form = await client.get(FORM, params={"document": number, "lang": "sv"})
    assert form.status_code == 200 and "<script" not in form.text
    assert 'name="document"' in form.text and f">{number}</textarea>" in form.text
    assert "samesite=strict" in form.headers["set-cookie"].lower()
    assert "httponly" in form.headers["set-cookie"].lower()
    before = int(time.time())
    sent = await client.post(
        FORM,
        data={
            "csrf": token_of(form.text),
            "lang": "sv",
            "document": number,
            "description": "",
            "delivery": "pickup",
        },
    )
    assert sent.status_code == 201, sent.text
    assert "Din begäran har tagits emot" in sent.text
    request_number = NUMBER.search(sent.text).group(0)
    staff = await auth_headers("registrator")
    listed = (await client.get(REQUESTS, params={"status": "received"}, headers=staff)).json()
    mine = next(r for r in listed["items"] if r["number"] == request_number)
    assert mine["anonymous"] is True and mine["channel"] == "web"
    assert mine["document_id"] == entries["secret"]["id"]
    assert mine["sla"]["state"] == "ok" and mine["sla"]["resolution_due"]
    case = await raw.fetchrow(
        "SELECT c.created_at, c.resolution_due, t.code FROM kc_case c "
        "JOIN case_type t ON t.id = c.case_type WHERE c.number = ?",
        mine["kc_case"],
    )
    assert case["code"] == "ALLMAN-HANDLING" and case["created_at"] >= before
    assert case["resolution_due"] > case["created_at"]
    assert "diarium.request.log" in await audit_actions(request_number)
    # the page of the form in English
    english = await client.get(FORM, headers={"Accept-Language": "en"})
    assert 'lang="en"' in english.text and "Ask for a public document" in english.text


async def test_a_forged_or_foreign_post_is_refused_and_logs_nothing(
    client, entries, forget_web_requests
):
    await forget_web_requests()
    client.cookies.clear()
    before = await count_requests()
    body = {"description": "Alla protokoll", "delivery": "pickup", "lang": "en"}
    no_cookie = await client.post(FORM, data={**body, "csrf": page.form_token("made-up")})
    assert no_cookie.status_code == 403 and "expired" in no_cookie.text
    form = await client.get(FORM)
    token = token_of(form.text)
    wrong = await client.post(FORM, data={**body, "csrf": token[:-4] + "0000"})
    assert wrong.status_code == 403
    foreign = await client.post(
        FORM, data={**body, "csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    old = page.form_token(client.cookies.get(page.COOKIE), int(time.time()) - 3 * 3600)
    assert (await client.post(FORM, data={**body, "csrf": old})).status_code == 403
    assert await count_requests() == before
    missing = await client.post(FORM, data={"csrf": token, "delivery": "post", "lang": "sv"})
    assert missing.status_code == 400
    assert "Ange diarienumret eller beskriv handlingen." in missing.text
    assert "Ange en postadress" in missing.text
    assert await count_requests() == before


async def test_the_form_is_rate_limited_per_address(client, entries, forget_web_requests):
    await forget_web_requests()
    client.cookies.clear()
    runtime.CONFIG["public_requests_per_hour"] = 2
    try:
        form = await client.get(FORM)
        token = token_of(form.text)
        body = {"csrf": token, "description": "Delegationsbeslut", "delivery": "view"}
        for _ in range(2):
            assert (await client.post(FORM, data=body)).status_code == 201
        before = await count_requests()
        refused = await client.post(FORM, data={**body, "lang": "sv"})
        assert refused.status_code == 429 and "För många" in refused.text
        assert await count_requests() == before
    finally:
        runtime.CONFIG.pop("public_requests_per_hour", None)
        await forget_web_requests()


async def test_staff_log_a_phone_request_and_refuse_it_with_the_written_decision(
    client, app, entries, auth_headers, monkeypatch
):
    staff = await auth_headers("registrator")
    received = int(time.time()) - 3 * 86400
    logged = await client.post(
        REQUESTS,
        json={
            "channel": "phone",
            "document_number": entries["public"]["number"],
            "requester_name": "Greta Granskare",
            "delivery": "post",
            "requester_address": "Box 7, 123 45 Exempelstad",
            "received_at": received,
        },
        headers=staff,
    )
    assert logged.status_code == 201, logged.text
    request = logged.json()
    assert request["received_at"].startswith(time.strftime("%Y-%m-%d", time.gmtime(received)))
    assert request["status"] == "received" and request["history"][0]["kind"] == "received"
    # three days later the core's sweep raises the alarm on its case like on any other
    from core.cases import sweep

    due = await raw.fetchrow(
        "SELECT resolution_due FROM kc_case WHERE number = ?", request["kc_case"]
    )
    from core import events

    published = []
    publish = events.publish

    def recording(event) -> None:  # still delivered; a copy is kept to look at
        publish(event)
        published.append(event)

    monkeypatch.setattr(events, "publish", recording)
    result = await sweep.sweep(app.state.host, now=due["resolution_due"])
    assert request["kc_case"] in result.breaches
    for _ in range(50):  # the hook announces on the loop, after the sweep's commit
        if any(e.type == "diarium.request_overdue" for e in published):
            break
        await asyncio.sleep(0.02)
    overdue = [e.data for e in published if e.type == "diarium.request_overdue"]
    assert {"number": request["number"], "case": request["kc_case"], "state": "breach",
            "level": 1} in overdue  # fmt: skip
    monkeypatch.undo()
    again = (await client.get(f"{REQUESTS}/{request['id']}", headers=staff)).json()
    assert again["sla"]["state"] == "breached"
    assert "sla.breach" in await audit_actions(request["kc_case"])

    started = await client.post(
        f"{REQUESTS}/{request['id']}/start", json={"note": "Tar fram akten"}, headers=staff
    )
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    no_provision = await client.post(
        f"{REQUESTS}/{request['id']}/decision",
        json={"outcome": "refused", "reason": "Sekretess"},
        headers={**staff, "Accept-Language": "sv"},
    )
    assert no_provision.status_code == 400
    assert "bestämmelse" in no_provision.json()["detail"]
    refused = await client.post(
        f"{REQUESTS}/{request['id']}/decision",
        json={
            "outcome": "refused",
            "provisions": [PROVISION],
            "reason": "Uppgifterna rör en enskilds personliga förhållanden.",
        },
        headers=staff,
    )
    assert refused.status_code == 200, refused.text
    decided = refused.json()
    assert decided["status"] == "refused" and decided["decision"]
    pdf = await client.get(f"{REQUESTS}/{request['id']}/decision", headers=staff)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "kammarrätten" in text and "inom tre veckor från den dag du fick del av beslutet" in text
    assert PROVISION in text and "Greta Granskare" in text and request["number"] in text
    case = await raw.fetchrow("SELECT status FROM kc_case WHERE number = ?", request["kc_case"])
    assert case["status"] == "closed"
    files = await raw.fetch(
        "SELECT role, sha256 FROM diarium_document_file WHERE document_id = ?",
        entries["public"]["id"],
    )
    assert ("decision", decided["decision"]) in [(f["role"], f["sha256"]) for f in files]
    twice = await client.post(
        f"{REQUESTS}/{request['id']}/decision", json={"outcome": "handed_out"}, headers=staff
    )
    assert twice.status_code == 409
    actions = await audit_actions(request["number"])
    assert actions[:3] == [
        "diarium.request.log",
        "diarium.request.start",
        "diarium.request.refused",
    ]


async def staff_request(client, staff: dict[str, str], number: str, channel: str) -> dict:
    """Log, as staff, a request for the document ``number`` that came by ``channel``; returns
    the request as staff see it."""
    logged = await client.post(
        REQUESTS, json={"channel": channel, "document_number": number}, headers=staff
    )
    assert logged.status_code == 201, logged.text
    return logged.json()


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


async def test_a_masked_copy_hides_the_secret_parts_and_the_request_is_partly_handed_out(
    client, entries, auth_headers
):
    staff = await auth_headers("case_officer")
    logged = await client.post(
        REQUESTS,
        json={
            "channel": "desk",
            "document_number": entries["secret"]["number"],
            "delivery": "pickup",
            "language": "en",
        },
        headers=staff,
    )
    assert logged.status_code == 201
    request_id = logged.json()["id"]
    early = await client.post(
        f"{REQUESTS}/{request_id}/decision",
        json={"outcome": "partly_handed_out", "provisions": [PROVISION], "reason": "Hälsa"},
        headers=staff,
    )
    assert early.status_code == 409  # no masked copy yet
    missing = await client.post(
        f"{REQUESTS}/{request_id}/masked-copy",
        json={"texts": [{"text": "Ingen sådan text", "provision": PROVISION}]},
        headers=staff,
    )
    assert missing.status_code == 400
    masked = await client.post(
        f"{REQUESTS}/{request_id}/masked-copy",
        json={
            "texts": [
                {"text": "Lisa Hemligsson", "provision": PROVISION},
                {"text": "Skyddadgatan 3", "provision": PROVISION},
            ],
            "boxes": [{"page": 1, "x": 72, "y": 150, "width": 300, "height": 20,
                       "provision": "OSL 23 kap. 2 §"}],
        },
        headers=staff,
    )  # fmt: skip
    assert masked.status_code == 201, masked.text
    copy = await client.get(f"{REQUESTS}/{request_id}/masked-copy", headers=staff)
    assert copy.status_code == 200
    text = pdf_text(copy.content)
    assert "Hemligsson" not in text and "Skyddadgatan" not in text and "frånvaro" not in text
    assert PROVISION in text and "Masked copy of" in text
    document = pdfium.PdfDocument(copy.content)
    try:
        image = document[0].render(scale=1).to_pil().convert("L")
        assert image.getpixel((250, 160)) < 40  # the box over "Skolan har sett frånvaro"
        assert image.getpixel((20, 20)) > 200  # the margin stays white
    finally:
        document.close()
    partly = await client.post(
        f"{REQUESTS}/{request_id}/decision",
        json={
            "outcome": "partly_handed_out",
            "provisions": [PROVISION],
            "reason": "The masked parts concern a child's personal circumstances.",
        },
        headers=staff,
    )
    assert partly.status_code == 200, partly.text
    decision = await client.get(f"{REQUESTS}/{request_id}/decision", headers=staff)
    english = pdf_text(decision.content)
    assert "partly refused" in english and "three weeks" in english
    roles = [
        r["role"]
        for r in await raw.fetch(
            "SELECT role FROM diarium_document_file WHERE document_id = ?",
            entries["secret"]["id"],
        )
    ]
    assert "masked_copy" in roles and "decision" in roles
    number = partly.json()["number"]
    actions = await audit_actions(number)
    assert (
        "diarium.request.masked_copy" in actions and "diarium.request.partly_handed_out" in actions
    )
    reads = await raw.fetch(
        "SELECT details FROM audit_entry WHERE action = 'read' AND object_id = ?",
        entries["secret"]["number"],
    )
    assert any(number in str(r["details"]) for r in reads)  # the read of the secret original
    for row in await raw.fetch("SELECT details FROM audit_entry WHERE object_id = ?", number):
        assert "Hemligsson" not in str(row["details"])  # never the masked text itself


async def test_a_broken_pdf_and_bad_input_are_problems_that_change_nothing(
    client, entries, auth_headers
):
    staff = await auth_headers("registrator")
    request_id = (await staff_request(client, staff, entries["broken"]["number"], "mail"))["id"]
    broken = await client.post(
        f"{REQUESTS}/{request_id}/masked-copy",
        json={"boxes": [{"page": 1, "x": 0, "y": 0, "width": 10, "height": 10,
                         "provision": PROVISION}]},
        headers={**staff, "Accept-Language": "sv"},
    )  # fmt: skip
    assert broken.status_code == 400 and "inte en läsbar PDF" in broken.json()["detail"]
    assert (await requests.row(request_id))["masked_copy_sha256"] == ""
    for body in (
        {"channel": "pigeon", "description": "x"},
        {"channel": "phone"},
        {"channel": "phone", "description": "x", "received_at": int(time.time()) + 86400},
        {"channel": "phone", "description": "x", "colour": "blue"},
    ):
        before = await count_requests()
        response = await client.post(REQUESTS, json=body, headers=staff)
        assert response.status_code == 400, (body, response.text)
        assert await count_requests() == before
    assert (await client.get(f"{REQUESTS}/999999", headers=staff)).status_code == 404
    bad_status = await client.get(REQUESTS, params={"status": "lost"}, headers=staff)
    assert bad_status.status_code == 400
    agent = await auth_headers("agent")
    assert (await client.get(REQUESTS, headers=agent)).status_code == 403
    assert (await client.get(REQUESTS)).status_code == 401
