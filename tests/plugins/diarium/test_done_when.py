"""Issue 10's "Done when", end to end over the HTTP API with the role users: a letter scanned to
the watched folder and an e-mail (a real Dovecot, as the intake's tests start it) to the shared
mailbox become drafts with Swedish OCR text; the registrator registers both in the right series
and case file, the letter with a secrecy marking; a citizen finds the public entry in the
webbdiarium without the protected text and asks for a copy with the public web form; the
request is tracked (timer, start, masked copy, decision) until answered; the case officer closes
the case file and its FGS 2.0 export passes eark-validator and the ERMS schema + Schematron.

Two OCR runs (the scan, the mail's scanned attachment); one module, run on either backend."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from lxml import etree

from core.db import raw
from tests.plugins.diarium.archive import validators
from tests.plugins.diarium.archive.test_package import eark_errors
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.intake.conftest import (  # noqa: F401 (fixtures)
    as_pdf,
    as_tiff,
    intake,  # noqa: F811
    intake_dir,
    scan_image,
)
from tests.plugins.diarium.intake.test_mailbox import (  # noqa: F401 (fixtures)
    imap,
    message,
    shared_mailbox,  # noqa: F811
)

pytestmark = pytest.mark.timeout(180)

SERIES = {
    "code": "DWKS",
    "name": "Kommunstyrelsens diarium (godkännande)",
    "board": "Kommunstyrelsen",
    "pattern": "{code}-{year}-{seq:04}",
}
SUBJECT = "Ansökan om strandskyddsdispens för brygga"
PERSONNUMMER = "19811218-9876"
LETTER = (
    "Signe Öhrström",
    "Sjövägen 4",
    "123 45 Ekeby",
    "",
    "Ekeby kommun",
    "Kommunstyrelsen",
    "",
    "Ekeby den 30 november 2026",
    "",
    f"Ärende: {SUBJECT}",
    "",
    "Hej!",
    "Jag ansöker om dispens från strandskyddet för en brygga vid sjön.",
    f"Mitt personnummer är {PERSONNUMMER}.",
    "Tack på förhand för ett snabbt besked.",
    "",
    "Med vänlig hälsning",
    "Signe Öhrström",
)
ATTACHED = (
    "Yttrande från grannarna",
    "",
    "Vi har inget att invända mot bryggan",
    "som Signe Öhrström vill bygga vid sjön.",
)
SECRECY = {
    "provision": "OSL 26 kap. 1 §",
    "authority": "Kommunstyrelsen",
    "reason": "Uppgift om enskilds personliga förhållanden",
}
PROTECTED = f"Sökande Signe Öhrström {PERSONNUMMER}, skyddad adress Hemlighetsgränd 9"
FORM = f"{BASE}/public/webbdiarium/begaran"
REQUESTS = f"{BASE}/requests"


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.fixture(scope="module")
async def case_file(client, auth_headers, diarium, role_users) -> dict[str, Any]:
    """A series of its own (made by the head registrator) and a case file opened in it by the
    registrator, with the case officer as its officer."""
    admin = await auth_headers("head_registrator")
    made = await client.post(f"{BASE}/series", json=SERIES, headers=admin)
    assert made.status_code in (201, 409), made.text
    registrator = await auth_headers("registrator")
    opened = await client.post(
        f"{BASE}/case-files",
        json={
            "series_code": SERIES["code"],
            "title_public": "Strandskyddsdispens för brygga vid Sjövägen",
            "title_protected": "Strandskyddsdispens, sökande med skyddad adress",
            "classification_code": "1.2.1",
            "officer": role_users["case_officer"],
        },
        headers=registrator,
    )
    assert opened.status_code == 201, opened.text
    return opened.json()


async def test_post_to_registry_to_webbdiarium_to_request_to_e_archive(
    client,
    auth_headers,
    case_file,
    intake,  # noqa: F811
    shared_mailbox,  # noqa: F811
    tmp_path: Path,
):
    registrator = await auth_headers("registrator")
    number = case_file["number"]
    assert re.fullmatch(rf"{SERIES['code']}-\d{{4}}-\d{{4}}", number), number

    # 1. the scanned letter in the watched folder, the e-mail in the shared mailbox
    (intake["dir"] / f"skanning-{uuid.uuid4().hex[:6]}.tif").write_bytes(
        as_tiff(scan_image(LETTER))
    )
    polled = await client.post(f"{BASE}/intake/folder/poll", headers=registrator)
    assert polled.status_code == 200, polled.text
    [scan_draft] = polled.json()["drafts"]
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    shared_mailbox.append(
        "INBOX",
        message(
            "Yttrande om strandskyddsdispens",
            f"Hej!\nHär kommer grannarnas yttrande i ärende {number}.\n\n"
            "Med vänlig hälsning\nKarl Öberg\n",
            scan=as_pdf(scan_image(ATTACHED)),
            message_id=message_id,
        ),
    )
    polled = await client.post(f"{BASE}/intake/mailbox/poll", headers=registrator)
    assert polled.status_code == 200, polled.text
    [mail_draft] = polled.json()["drafts"]
    assert message_id not in shared_mailbox.message_ids("INBOX")

    scan = (await client.get(f"{BASE}/drafts/{scan_draft}", headers=registrator)).json()
    assert scan["source"] == "scan" and scan["status"] == "new"
    for word in ("strandskyddsdispens", "Öhrström", "Sjövägen", "ansöker", "hälsning"):
        assert word in scan["text"], (word, scan["text"])
    assert scan["suggestions"]["subject"] == SUBJECT
    assert scan["personnummer"]["masked"] == ["19811218-****"] and "9876" not in scan["text"]
    mail = (await client.get(f"{BASE}/drafts/{mail_draft}", headers=registrator)).json()
    assert mail["source"] == "mail"
    assert mail["suggestions"]["subject"] == "Yttrande om strandskyddsdispens"
    for word in ("grannarnas yttrande", "Yttrande från grannarna", "invända", "Öhrström"):
        assert word in mail["text"], (word, mail["text"])  # the attached scan OCR'd in Swedish

    # 2. registered in the series and the case file, the letter secret-marked
    registered = {}
    for key, draft_id, extra in (
        ("scan", scan_draft, {"protected_text": PROTECTED, "secrecy": SECRECY}),
        ("mail", mail_draft, {"send_receipt": False}),
    ):
        response = await client.post(
            f"{BASE}/drafts/{draft_id}/register",
            json={"series_code": SERIES["code"], "case_file_id": case_file["id"], **extra},
            headers=registrator,
        )
        assert response.status_code == 201, response.text
        registered[key] = response.json()["document"]
        assert registered[key]["number"].startswith(number)
    letter, answer = registered["scan"], registered["mail"]
    shown = await client.get(f"{BASE}/case-files/{case_file['id']}", headers=registrator)
    assert shown.status_code == 200
    listed = {d["number"] for d in shown.json()["documents"]}
    assert {letter["number"], answer["number"]} <= listed
    marking = await raw.fetchrow(
        "SELECT provision, authority FROM diarium_secrecy WHERE document_id = ? "
        "AND lifted_at IS NULL",
        letter["id"],
    )
    assert marking == {"provision": SECRECY["provision"], "authority": "Kommunstyrelsen"}
    stored = await raw.fetchrow(
        "SELECT public_text, protected_text FROM diarium_document WHERE id = ?", letter["id"]
    )
    assert stored["public_text"] == SUBJECT and "9876" not in str(stored["protected_text"])

    # 3. the citizen finds the public entry without the protected text ...
    client.cookies.clear()
    found = await client.get(f"{BASE}/public/search", params={"q": "strandskyddsdispens brygga"})
    assert found.status_code == 200, found.text
    item = next(i for i in found.json()["items"] if i["number"] == letter["number"])
    assert item["text"] == SUBJECT and item["secret"] is True
    assert item["secrecy_provisions"] == [SECRECY["provision"]]
    assert item["case_file"]["number"] == number
    page = await client.get(f"{BASE}/public/webbdiarium", params={"q": "strandskyddsdispens"})
    assert page.status_code == 200 and letter["number"] in page.text
    for body in (found.text, page.text):
        for hidden in ("Hemlighetsgränd", "9876", "skyddad adress", "sökande med skyddad"):
            assert hidden not in body, hidden

    # ... and asks for a copy with the public form (no login)
    async with raw_transaction():  # the form's hourly limit per address starts afresh
        await raw.fetch("UPDATE diarium_request SET client_key = '' WHERE channel = 'web'")
    form = await client.get(FORM, params={"document": letter["number"], "lang": "sv"})
    assert form.status_code == 200 and f">{letter['number']}</textarea>" in form.text
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    sent = await client.post(
        FORM,
        data={
            "csrf": token,
            "lang": "sv",
            "document": letter["number"],
            "description": "Jag vill ha en kopia av ansökan.",
            "name": "Bertil Medborgare",
            "email": "bertil@example.org",
            "delivery": "email",
        },
    )
    assert sent.status_code == 201, sent.text
    request_number = re.search(r"BAH-\d{4}-\d{5}", sent.text).group(0)

    # 4. tracked until answered: the timer, started, a masked copy, the decision
    staff = await auth_headers("case_officer")
    open_requests = (await client.get(REQUESTS, params={"status": "open"}, headers=staff)).json()
    request = next(r for r in open_requests["items"] if r["number"] == request_number)
    assert request["document_id"] == letter["id"] and request["status"] == "received"
    assert request["sla"]["state"] == "ok" and request["sla"]["resolution_due"]
    started = await client.post(
        f"{REQUESTS}/{request['id']}/start", json={"note": "Tar fram ansökan"}, headers=staff
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress"
    masked = await client.post(
        f"{REQUESTS}/{request['id']}/masked-copy",
        json={"texts": [{"text": PERSONNUMMER, "provision": SECRECY["provision"]}]},
        headers=staff,
    )
    assert masked.status_code == 201, masked.text
    copy = await client.get(f"{REQUESTS}/{request['id']}/masked-copy", headers=staff)
    copy_text = pdf_text(copy.content)
    assert "9876" not in copy_text  # the copy is pixels only, with a line naming the provision
    assert f"Maskerad kopia av {letter['number']}" in copy_text and "26 kap. 1" in copy_text
    decided = await client.post(
        f"{REQUESTS}/{request['id']}/decision",
        json={
            "outcome": "partly_handed_out",
            "provisions": [SECRECY["provision"]],
            "reason": "Personnumret rör den enskildes personliga förhållanden.",
        },
        headers=staff,
    )
    assert decided.status_code == 200, decided.text
    answered = (await client.get(f"{REQUESTS}/{request['id']}", headers=staff)).json()
    assert answered["status"] == "partly_handed_out" and answered["outcome"] == "partly_handed_out"
    decision = await client.get(f"{REQUESTS}/{request['id']}/decision", headers=staff)
    assert "kammarrätt" in pdf_text(decision.content).lower()
    core_case = await raw.fetchrow(
        "SELECT status FROM kc_case WHERE number = ?", answered["kc_case"]
    )
    assert core_case["status"] == "closed"

    # 5. the case officer closes the case file; its FGS 2.0 export passes both validators
    closed = await client.post(
        f"{BASE}/case-files/{case_file['id']}/close",
        json={"decision": "Dispens från strandskyddet beviljas"},
        headers=staff,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    archivist = await auth_headers("supervisor")
    made = await client.post(
        f"{BASE}/exports", json={"case_file_id": case_file["id"], "format": "zip"},
        headers=archivist,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["documents"] == 2 and made.json()["case_number"] == number
    download = await client.get(f"{BASE}/exports/{made.json()['id']}/package", headers=archivist)
    assert download.status_code == 200
    package = tmp_path / "package.zip"
    package.write_bytes(download.content)
    root = tmp_path / "unpacked"
    shutil.unpack_archive(package, root, format="zip")
    (folder,) = list(root.iterdir())
    assert eark_errors(package, tmp_path / "eark", folder / "METS.xml") == []
    erms = (folder / "metadata" / "descriptive" / "erms.xml").read_bytes()
    assert validators.erms_problems(erms) == []
    tree = etree.parse(io.BytesIO(erms))
    assert number.encode() in etree.tostring(tree)
    assert letter["number"].encode() in erms and answer["number"].encode() in erms


def raw_transaction():
    from core import db

    return db.transaction()
