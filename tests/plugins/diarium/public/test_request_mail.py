"""Requests naming several documents, and the requester's e-mail: the receipt when a request
is logged and the decision (per document, with the appeal notice) when it is decided, through
the core's outbox and a real SMTP server, also rendered and sent by a real worker process;
bad input is a 400 in Swedish and English that logs nothing."""

from __future__ import annotations

import os
import re

from core import jobs
from core.citizen import notify
from core.db import raw
from plugins.diarium.public import requests
from tests.plugins.diarium.public.conftest import PROVISION
from tests.plugins.diarium.public.test_requests import (
    FORM,
    REQUESTS,
    audit_actions,
    count_requests,
    pdf_text,
    staff_request,
    token_of,
)
from tests.support.smtp import SmtpServer, mail_worker, outbox, unique_email, wait_until_sent

NUMBER = re.compile(r"BAH-\d{4}-\d{5}")


async def test_a_web_request_for_several_documents_gets_its_receipt_by_email(
    client, settings, entries, forget_web_requests
):
    await forget_web_requests()
    client.cookies.clear()
    form = await client.get(FORM, params={"lang": "sv"})
    assert "Dina personuppgifter" in form.text and "personuppgifter" in form.text
    email = unique_email("greta")
    public, alone = entries["public"]["number"], entries["alone"]["number"]
    sent = await client.post(
        FORM,
        data={
            "csrf": token_of(form.text),
            "lang": "sv",
            # one per line, commas, a repeat and a number that is not in the diary
            "document": f"{public}\n{alone}, KS 1999/1-1\n{public}",
            "description": "",
            "delivery": "pickup",
            "email": email,
        },
    )
    assert sent.status_code == 201, sent.text
    number = NUMBER.search(sent.text).group(0)
    found = await raw.fetchrow("SELECT * FROM diarium_request WHERE number = ?", number)
    assert found["document_ref"] == public and found["document_id"] == entries["public"]["id"]
    named = (await requests.documents_of([found["id"]]))[found["id"]]
    assert [(d["document_ref"], d["document_id"]) for d in named] == [
        (public, entries["public"]["id"]),
        (alone, entries["alone"]["id"]),
        ("KS 1999/1-1", None),
    ]
    [queued] = await outbox(number)
    assert queued["template"] == "diarium_request_receipt" and queued["recipient"] == email
    with SmtpServer() as smtp:
        await notify.send_pending(settings.replace(smtp_host=smtp.host, smtp_port=smtp.port))
        mail = smtp.wait_for(lambda m: email in m.rcpt_tos)
    assert mail["Subject"] == f"Vi har tagit emot din begäran om allmän handling {number}"
    assert mail["X-Kontakt-Case"] == number
    for ref in (public, alone, "KS 1999/1-1"):
        assert f"- {ref}" in mail.text
    assert "skyndsamt" in mail.text and "Registraturen" in mail.text
    assert [m["status"] for m in await outbox(number)] == ["sent"]
    actions = await audit_actions(number)
    assert actions[:2] == ["diarium.request.log", "diarium.request.mail"]
    details = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'diarium.request.mail' AND object_id = ?",
        number,
    )
    assert email not in str(details["details"])  # which mail, never the address
    assert "mail.sent" in await audit_actions(str(queued["id"]))


async def test_a_decision_per_document_is_listed_in_the_pdf_and_mailed(
    client, settings, entries, auth_headers
):
    staff = await auth_headers("registrator")
    email = unique_email("john")
    secret, alone, public = (entries[k]["number"] for k in ("secret", "alone", "public"))
    logged = await client.post(
        REQUESTS,
        json={
            "channel": "email",
            "document_number": secret,
            "document_numbers": [alone, public],
            "requester_name": "John Doe",
            "requester_email": email,
            "language": "en",
        },
        headers=staff,
    )
    assert logged.status_code == 201, logged.text
    request = logged.json()
    assert request["document_ref"] == secret
    assert [d["number"] for d in request["documents"]] == [secret, alone, public]
    assert all(d["registered"] and d["outcome"] is None for d in request["documents"])
    listed = (await client.get(REQUESTS, params={"status": "open"}, headers=staff)).json()
    mine = next(r for r in listed["items"] if r["id"] == request["id"])
    assert [d["number"] for d in mine["documents"]] == [secret, alone, public]
    decision = {
        "outcome": "handed_out",
        "provisions": [PROVISION],
        "reason": "Parts concern a child's personal circumstances.",
        "documents": [
            {"number": secret, "outcome": "partly_handed_out"},
            {"number": alone, "outcome": "refused"},
        ],
    }
    url = f"{REQUESTS}/{request['id']}/decision"
    early = await client.post(url, json=decision, headers={**staff, "Accept-Language": "en"})
    assert early.status_code == 409 and secret in early.json()["detail"]  # no masked copy
    masked = await client.post(
        f"{REQUESTS}/{request['id']}/masked-copy",
        json={"document": secret, "texts": [{"text": "Lisa Hemligsson", "provision": PROVISION}]},
        headers=staff,
    )
    assert masked.status_code == 201, masked.text
    by_doc = {d["number"]: d for d in masked.json()["documents"]}
    assert by_doc[secret]["masked_copy"] and by_doc[alone]["masked_copy"] is None
    copy = await client.get(
        f"{REQUESTS}/{request['id']}/masked-copy", params={"document": secret}, headers=staff
    )
    assert copy.status_code == 200 and "Hemligsson" not in pdf_text(copy.content)
    assert secret in pdf_text(copy.content)
    none_yet = await client.get(
        f"{REQUESTS}/{request['id']}/masked-copy", params={"document": alone}, headers=staff
    )
    assert none_yet.status_code == 404
    for unnamed in (  # a document the request does not name: a 400 that stores nothing
        client.post(
            f"{REQUESTS}/{request['id']}/masked-copy",
            json={"document": "KS 1999/9", "texts": [{"text": "Lisa", "provision": PROVISION}]},
            headers={**staff, "Accept-Language": "sv"},
        ),
        client.get(
            f"{REQUESTS}/{request['id']}/masked-copy",
            params={"document": "KS 1999/9"},
            headers={**staff, "Accept-Language": "sv"},
        ),
    ):
        refused = await unnamed
        assert refused.status_code == 400, refused.text
        assert "gäller ingen handling KS 1999/9" in refused.json()["detail"]
    shown = (await client.get(f"{REQUESTS}/{request['id']}", headers=staff)).json()
    assert shown["masked_copy"] == by_doc[secret]["masked_copy"]

    decided = await client.post(url, json=decision, headers=staff)
    assert decided.status_code == 200, decided.text
    result = decided.json()
    assert result["status"] == "partly_handed_out" and result["outcome"] == "partly_handed_out"
    assert {d["number"]: d["outcome"] for d in result["documents"]} == {
        secret: "partly_handed_out",
        alone: "refused",
        public: "handed_out",  # not named: the request's outcome given
    }
    served = await client.get(url, headers=staff)
    assert served.status_code == 200
    text = pdf_text(served.content)
    assert "Documents" in text and "partly refused" in text and "three weeks" in text
    assert f"{alone}" in text and "refused" in text and "handed out with the parts" in text
    assert "decided for each document" in text
    files = await raw.fetch(
        "SELECT document_id FROM diarium_document_file WHERE role = 'decision' AND sha256 = ?",
        result["decision"],
    )
    assert {f["document_id"] for f in files} == {
        entries["secret"]["id"],
        entries["alone"]["id"],
        entries["public"]["id"],
    }
    entry = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'diarium.request.partly_handed_out' "
        "AND object_id = ?",
        request["number"],
    )
    assert alone in str(entry["details"]) and "refused" in str(entry["details"])

    with SmtpServer() as smtp:
        await notify.send_pending(settings.replace(smtp_host=smtp.host, smtp_port=smtp.port))
        receipt = smtp.wait_for(lambda m: email in m.rcpt_tos and "received" in m["Subject"])
        answer = smtp.wait_for(lambda m: email in m.rcpt_tos and "Decision" in m["Subject"])
    assert receipt["Subject"] == (
        f"We have received your request for public documents {request['number']}"
    )
    assert answer["Subject"] == f"Decision on your request for public documents {request['number']}"
    body = answer.text
    assert "partly granted" in body and f"- {alone}: refused" in body
    assert f"- {secret}: handed out with the parts covered by secrecy masked" in body
    assert f"- {public}: handed out" in body and PROVISION in body
    assert "three weeks" in body and "Hello John Doe" in body
    name = f"{request['number']}-beslut.pdf"
    assert f"The written decision is attached to this e-mail as a PDF ({name})" in body
    [pdf] = list(answer.message.iter_attachments())
    assert pdf.get_filename() == name and pdf.get_content_type() == "application/pdf"
    assert pdf.get_payload(decode=True) == served.content  # the bytes the route serves
    assert served.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert not receipt.message.is_multipart()  # the receipt: plain text as before
    assert [m["template"] for m in await outbox(request["number"])] == [
        "diarium_request_receipt",
        "diarium_request_decision",
    ]
    actions = await audit_actions(request["number"])
    assert actions.count("diarium.request.mail") == 2
    mailed = await raw.fetch(
        "SELECT details FROM audit_entry WHERE action = 'diarium.request.mail' AND object_id = ? "
        "ORDER BY id",
        request["number"],
    )
    assert [raw.json_column(m["details"]).get("attachment") for m in mailed] == [None, name]
    [decision_row] = [m for m in await outbox(request["number"]) if m["attachments"]]
    sent = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'mail.sent' AND object_id = ?",
        str(decision_row["id"]),
    )
    assert raw.json_column(sent["details"])["attachments"] == [
        {"filename": name, "mime": "application/pdf", "size": len(served.content)}
    ]


async def test_a_decision_without_email_sends_nothing_and_old_clients_still_work(
    client, entries, auth_headers
):
    staff = await auth_headers("registrator")
    request = await staff_request(client, staff, entries["public"]["number"], "phone")
    assert [d["number"] for d in request["documents"]] == [entries["public"]["number"]]
    decided = await client.post(
        f"{REQUESTS}/{request['id']}/decision", json={"outcome": "handed_out"}, headers=staff
    )
    assert decided.status_code == 200 and decided.json()["documents"][0]["outcome"] == "handed_out"
    assert await outbox(request["number"]) == []
    assert "diarium.request.mail" not in await audit_actions(request["number"])


async def test_bad_input_is_a_problem_in_swedish_and_english_that_logs_nothing(
    client, entries, auth_headers, forget_web_requests
):
    staff = await auth_headers("registrator")
    cases = [
        ({"requester_email": "not-an-address"}, "Ogiltig e-postadress", "Not a valid e-mail"),
        ({"requester_email": "a@b@c.se"}, "Ogiltig e-postadress", "Not a valid e-mail"),
        (
            {"document_numbers": [f"KS 2026/{n}" for n in range(requests.MAX_DOCUMENTS + 1)]},
            "högst 20 handlingar",
            "at most 20 documents",
        ),
        # longer than the field: the body's own bound, the core's generic message
        ({"document_numbers": ["9" * 61]}, "ogiltiga", "not valid"),
    ]
    for extra, swedish, english in cases:
        body = {"channel": "phone", "description": "Protokoll", **extra}
        before = await count_requests()
        for lang, expected in (("sv", swedish), ("en", english)):
            response = await client.post(
                REQUESTS, json=body, headers={**staff, "Accept-Language": lang}
            )
            assert response.status_code == 400, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert expected in response.json()["detail"], (lang, response.json())
        assert await count_requests() == before
    request = await staff_request(client, staff, entries["public"]["number"], "desk")
    url = f"{REQUESTS}/{request['id']}/decision"
    for documents, swedish in (
        ([{"number": "KS 1999/9", "outcome": "refused"}], "gäller ingen handling KS 1999/9"),
        (
            [{"number": entries["public"]["number"], "outcome": "refused"}] * 2,
            "har två beslut",
        ),
    ):
        response = await client.post(
            url,
            json={"outcome": "handed_out", "documents": documents},
            headers={**staff, "Accept-Language": "sv"},
        )
        assert response.status_code == 400 and swedish in response.json()["detail"]
    assert (await requests.row(request["id"]))["status"] == "received"
    # the web form: a malformed address and too many documents, each at its field
    await forget_web_requests()
    client.cookies.clear()
    form = await client.get(FORM, params={"lang": "en"})
    before = await count_requests()
    sent = await client.post(
        FORM,
        data={
            "csrf": token_of(form.text),
            "lang": "en",
            "document": ", ".join(f"KS 2026/{n}" for n in range(30)),
            "delivery": "pickup",
            "email": "john@@example",
        },
    )
    assert sent.status_code == 400
    assert 'id="document-error"' in sent.text and "at most 20 documents" in sent.text
    assert 'id="email-error"' in sent.text
    too_long = await client.post(
        FORM,
        data={
            "csrf": token_of(sent.text),
            "lang": "sv",
            "document": "KS 2026/1\n" + "9" * 61,
            "delivery": "pickup",
        },
    )
    assert too_long.status_code == 400 and "högst 60 tecken" in too_long.text
    assert await count_requests() == before


async def test_the_worker_renders_the_plugins_template_and_sends_it(
    client, entries, auth_headers, tmp_path
):
    """The worker process loads the diarium like the API does: a job there queues the
    diarium's receipt (its own template) and the worker's mail task sends it."""
    staff = await auth_headers("registrator")
    request = await staff_request(client, staff, entries["alone"]["number"], "mail")
    assert await outbox(request["number"]) == []  # no address given: nothing queued here
    email = unique_email("worker")
    with SmtpServer() as smtp:
        jobs.enqueue("tests.plugins.diarium.public.mail_jobs:queue_receipt", request["id"], email)
        jobs.enqueue_periodic_now("core.send_mail")
        async with mail_worker(smtp, tmp_path / "worker.log"):
            mail = smtp.wait_for(lambda m: email in m.rcpt_tos, timeout=90)
            await wait_until_sent(request["number"])
    assert mail["Subject"] == (
        f"Vi har tagit emot din begäran om allmän handling {request['number']}"
    )
    assert f"- {entries['alone']['number']}" in mail.text
    [row] = await outbox(request["number"])
    assert row["status"] == "sent" and row["template"] == "diarium_request_receipt"
    queued_by = await raw.fetchrow(
        "SELECT actor FROM audit_entry WHERE action = 'diarium.request.mail' AND object_id = ?",
        request["number"],
    )  # rendered and queued in the worker process, not in this one
    assert queued_by["actor"].startswith("worker-test-")
    assert queued_by["actor"] != f"worker-test-{os.getpid()}"


def test_several_numbers_are_read_the_way_citizens_write_them():
    assert requests.document_refs("KS 2026/123-1, -2 och -4", []) == [
        "KS 2026/123-1",
        "KS 2026/123-2",
        "KS 2026/123-4",
    ]
    assert requests.document_refs("KS 2026/1-1\n\n  BUN  2026/5-2 ;KS 2026/1-1", ["-3"]) == [
        "KS 2026/1-1",
        "BUN 2026/5-2",
        "-3",  # a short form names nothing without a number before it in the same field
    ]
    assert requests.document_refs("", ["KS 1 and KS 2", "KS 1"]) == ["KS 1", "KS 2"]
    assert requests.document_refs("", []) == []


async def test_requests_logged_before_the_migration_get_their_document_as_a_row(
    client, entries, auth_headers
):
    from core import db
    from plugins.diarium.migrations import diarium_public_2026_12_03t10_55_00_000000 as m

    staff = await auth_headers("registrator")
    request_id = (await staff_request(client, staff, entries["public"]["number"], "desk"))["id"]
    async with db.transaction():  # as a request of the old schema: no rows of its documents
        await raw.fetch("DELETE FROM diarium_requested_document WHERE request_id = ?", request_id)
        await raw.fetch(m.TABLES[-1])  # the migration's copy of the old one-document field
        await raw.fetch(m.TABLES[-1])  # and again: once only
    shown = (await client.get(f"{REQUESTS}/{request_id}", headers=staff)).json()
    assert [(d["number"], d["document_id"]) for d in shown["documents"]] == [
        (entries["public"]["number"], entries["public"]["id"])
    ]


async def test_the_decision_mail_says_the_pdf_is_attached_only_when_it_is(client):
    from plugins.diarium.public import mail

    context = {
        "number": "BAH-2026-00009",
        "name": "",
        "documents": [],
        "provisions": PROVISION,
        "reason": "Skäl.",
        "appeal": "Överklagande.",
        "authority": "Kommunstyrelsen",
        "delivery": "per e-post",
    }
    name = mail.decision_filename("BAH-2026-00009")
    refused = {**context, "outcome": "refused", "attachment": name}
    _, swedish = notify.render(mail.DECISION, "sv", **refused)
    _, english = notify.render(mail.DECISION, "en", **refused)
    assert f"Det skriftliga beslutet är bifogat i det här e-postmeddelandet som PDF ({name})" in (
        " ".join(swedish.split())
    )
    assert f"The written decision is attached to this e-mail as a PDF ({name})" in english
    for lang in ("sv", "en"):
        _, granted = notify.render(mail.DECISION, lang, **context, outcome="handed_out",
                                   attachment="")  # fmt: skip
        assert "PDF" not in granted and name not in granted
