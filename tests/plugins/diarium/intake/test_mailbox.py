"""The shared mailbox against a real Dovecot (started by the fixture, its own configuration in
a temporary folder): each message with its attachments becomes a draft and leaves the inbox
only after the draft is committed; a stop of the mail server between the commit and the move,
and a restart, neither lose the message nor draft it twice; a message too large stays in the
inbox; after registration the sender's receipt with the diarienummer goes out over SMTP (a
real SMTP peer) and the message moves to the registered folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from core.citizen import notify
from core.db import raw
from core.secrets import keystore
from plugins.diarium import runtime
from plugins.diarium.intake import mailbox
from tests.plugins.diarium.conftest import BASE
from tests.plugins.diarium.intake.conftest import as_pdf, scan_image
from tests.support.dovecot import DovecotServer, available
from tests.support.smtp import SmtpServer

SCANNED_LINES = (
    "Bilaga till överklagandet",
    "",
    "Läkarintyg om behov av färdtjänst",
    "Utfärdat vid vårdcentralen i Örebro",
)
TAKEN = "Diarium/Mottaget"
REGISTERED = "Diarium/Registrerat"


@pytest.fixture(scope="module")
def imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    assert available(), "Dovecot is missing: scripts/bootstrap.sh installs dovecot-imapd"
    with DovecotServer(tmp_path_factory.mktemp("dovecot")) as server:
        yield server


@pytest.fixture
def shared_mailbox(intake, imap: DovecotServer) -> Iterator[DovecotServer]:
    """The intake's mailbox settings pointing at the Dovecot, its password in the keyring."""
    values = {
        "mailbox_host": imap.host,
        "mailbox_port": imap.port,
        "mailbox_security": "none",
        "mailbox_username": imap.username,
        "mailbox_taken_folder": TAKEN,
        "mailbox_registered_folder": REGISTERED,
    }
    saved = {key: runtime.CONFIG.get(key) for key in values}
    runtime.CONFIG.update(values)
    keystore.put(mailbox.PASSWORD_SECRET, imap.password)
    yield imap
    runtime.CONFIG.update(saved)
    keystore.delete(mailbox.PASSWORD_SECRET)


def message(
    subject: str,
    body: str,
    attachment: bytes | None = None,
    scan: bytes | None = None,
    **headers: str,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = headers.pop("sender", "Karl Öberg <karl.oberg@example.org>")
    mail["To"] = "registrator@ekeby.example"
    mail["Subject"] = subject
    mail["Message-ID"] = headers.pop("message_id", f"<{uuid.uuid4().hex}@example.org>")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    if attachment is not None:
        mail.add_attachment(attachment, maintype="text", subtype="csv", filename="förteckning.csv")
    if scan is not None:
        mail.add_attachment(scan, maintype="application", subtype="pdf", filename="brev.pdf")
    return mail.as_bytes()


async def drafts_of(message_id: str) -> list[dict[str, Any]]:
    return await raw.fetch(
        "SELECT id, status, mail_state, mail_uid, files, receipt_to FROM diarium_draft "
        "WHERE mail_message_id = ?",
        message_id,
    )


async def test_a_mail_with_its_attachment_becomes_a_draft_then_leaves_the_inbox(
    client, auth_headers, shared_mailbox
):
    imap = shared_mailbox
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    imap.append(
        "INBOX",
        message(
            "Överklagande av beslut om färdtjänst",
            "Hej!\nJag vill överklaga beslutet om färdtjänst som jag fick förra veckan.\n"
            "Mitt personnummer är 19811218-9876.\n\nMed vänlig hälsning\nKarl Öberg\n",
            attachment=b"rad;datum\n1;2026-11-30\n",
            scan=as_pdf(scan_image(SCANNED_LINES)),
            message_id=message_id,
        ),
    )
    result = await mailbox.poll_mailbox()
    assert result["configured"] and len(result["drafts"]) == 1 and result["moved"] == 1
    assert message_id not in imap.message_ids("INBOX")
    assert message_id in imap.message_ids(TAKEN)

    registrator = await auth_headers("registrator")
    draft = (await client.get(f"{BASE}/drafts/{result['drafts'][0]}", headers=registrator)).json()
    assert draft["source"] == "mail" and draft["mail"]["state"] == "taken"
    assert draft["suggestions"]["subject"] == "Överklagande av beslut om färdtjänst"
    assert draft["suggestions"]["sender"] == "Karl Öberg"
    assert draft["suggestions"]["sender_email"] == "karl.oberg@example.org"
    assert "överklaga beslutet om färdtjänst" in draft["text"]
    assert draft["personnummer"]["masked"] == ["19811218-****"] and "9876" not in draft["text"]
    # the scanned letter attached: OCR'd with the Swedish model, its text in the draft
    for word in ("Läkarintyg", "färdtjänst", "överklagandet", "Örebro"):
        assert word in draft["text"], (word, draft["text"])
    assert draft["pages"] == 1
    assert [f["role"] for f in draft["files"]] == ["mail", "attachment", "attachment", "pdfa"]
    files = {f["role"]: f for f in draft["files"][:2]}
    assert files["mail"]["mime"] == "message/rfc822"
    assert files["attachment"]["filename"] == "förteckning.csv"
    from plugins.diarium.registry import files as store

    assert store.open_blob(files["attachment"]["sha256"]).read_bytes() == (
        b"rad;datum\n1;2026-11-30\n"
    )
    # a second run finds nothing new
    again = await mailbox.poll_mailbox()
    assert again["drafts"] == [] and again["moved"] == 0


async def test_a_stop_between_commit_and_move_neither_loses_nor_doubles_the_mail(
    shared_mailbox, monkeypatch
):
    imap = shared_mailbox
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    imap.append(
        "INBOX", message("Ansökan om bidrag", "Hej, här är vår ansökan.", message_id=message_id)
    )
    real_move = mailbox.move_taken

    async def server_stops_first(session, uid, folder):
        imap.stop()  # the mail server goes away right after the draft's commit
        await real_move(session, uid, folder)

    monkeypatch.setattr(mailbox, "move_taken", server_stops_first)
    with pytest.raises((OSError, EOFError, mailbox.imaplib.IMAP4.abort, mailbox.MailboxError)):
        await mailbox.poll_mailbox()
    monkeypatch.setattr(mailbox, "move_taken", real_move)
    [draft] = await drafts_of(message_id)  # the draft was committed
    assert draft["mail_state"] == "inbox"

    # the server is down: a run fails cleanly and changes nothing
    with pytest.raises((OSError, mailbox.MailboxError)):
        await mailbox.poll_mailbox()
    imap.start()  # back (same store): the message is still in the inbox
    assert message_id in imap.message_ids("INBOX")

    # the appliance restarted too: the next run moves the message, drafts nothing new
    result = await mailbox.poll_mailbox()
    assert result["drafts"] == [] and result["moved"] == 1
    assert message_id not in imap.message_ids("INBOX") and message_id in imap.message_ids(TAKEN)
    [after] = await drafts_of(message_id)
    assert after["id"] == draft["id"] and after["mail_state"] == "taken"

    # the same message delivered again (a copy with the same Message-ID): never taken twice
    imap.append(
        "INBOX", message("Ansökan om bidrag", "Hej, här är vår ansökan.", message_id=message_id)
    )
    result = await mailbox.poll_mailbox()
    assert result["drafts"] == [] and result["moved"] == 1
    assert len(await drafts_of(message_id)) == 1


async def test_a_mail_too_large_stays_in_the_inbox(shared_mailbox, intake_setting):
    imap = shared_mailbox
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    imap.append("INBOX", message("Stor bilaga", "x" * 5000, message_id=message_id))
    intake_setting(max_mail_bytes=2000)
    result = await mailbox.poll_mailbox()
    assert result["drafts"] == []
    assert [item["message_id"] for item in result["too_big"]] == [message_id]
    assert message_id in imap.message_ids("INBOX") and await drafts_of(message_id) == []
    # on a larger limit it is taken after all
    intake_setting(max_mail_bytes=10_000_000)
    assert len((await mailbox.poll_mailbox())["drafts"]) == 1


async def test_registration_sends_the_receipt_and_files_the_mail(
    client, auth_headers, shared_mailbox, intake, settings
):
    imap = shared_mailbox
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    sender = f"tove-{uuid.uuid4().hex[:6]}@example.org"
    imap.append(
        "INBOX",
        message(
            "Fråga om förskoleplats",
            "Hej!\nNär får vi besked om förskoleplatsen?\n\nHälsningar\nTove Ängström",
            sender=f"Tove Ängström <{sender}>",
            message_id=message_id,
        ),
    )
    [draft_id] = (await mailbox.poll_mailbox())["drafts"]
    registrator = await auth_headers("registrator")
    response = await client.post(
        f"{BASE}/drafts/{draft_id}/register",
        json={"series_code": intake["series"]["code"], "case_file_id": intake["case_file"]["id"]},
        headers=registrator,
    )
    assert response.status_code == 201, response.text
    number = response.json()["document"]["number"]
    with SmtpServer() as smtp:
        await notify.send_pending(settings.replace(smtp_host=smtp.host, smtp_port=smtp.port))
        receipt = smtp.wait_for(lambda m: sender in m.rcpt_tos, timeout=10)
    assert number in receipt["Subject"] and number in receipt.text
    assert receipt["X-Diarium-Number"] == number
    result = await mailbox.poll_mailbox()
    assert result["filed"] == 1
    assert message_id in imap.message_ids(REGISTERED) and message_id not in imap.message_ids(TAKEN)
    [draft] = await drafts_of(message_id)
    assert draft["status"] == "registered" and draft["mail_state"] == "filed"


async def test_a_misconfigured_mailbox_is_refused_before_connecting(
    client, auth_headers, shared_mailbox, intake_setting
):
    registrator = await auth_headers("registrator")
    intake_setting(mailbox_security="SSL ")  # a typo must never mean "no TLS"
    response = await client.post(f"{BASE}/intake/mailbox/poll", headers=registrator)
    assert response.status_code == 503 and "mailbox_security" in response.json()["detail"]
    intake_setting(mailbox_security="none")
    keystore.delete(mailbox.PASSWORD_SECRET)
    try:
        response = await client.post(f"{BASE}/intake/mailbox/poll", headers=registrator)
        assert response.status_code == 503 and mailbox.PASSWORD_SECRET in response.text
    finally:
        keystore.put(mailbox.PASSWORD_SECRET, shared_mailbox.password)


async def test_no_receipt_to_automatic_senders(shared_mailbox):
    imap = shared_mailbox
    message_id = f"<{uuid.uuid4().hex}@example.org>"
    imap.append(
        "INBOX",
        message(
            "Leveransrapport",
            "Automatiskt meddelande",
            sender="Systemet <no-reply@example.org>",
            message_id=message_id,
            Auto_Submitted="auto-generated",
        ),
    )
    await mailbox.poll_mailbox()
    [draft] = await drafts_of(message_id)
    assert draft["receipt_to"] == ""


async def test_a_mail_without_message_id_is_known_by_its_content(shared_mailbox):
    imap = shared_mailbox
    raw_message = (
        "From: Åsa Ek <asa.ek@example.org>\r\nTo: registrator@ekeby.example\r\n"
        f"Subject: Utan id {uuid.uuid4().hex}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Ett brev från en gammal e-postklient.\r\n"
    ).encode()
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_draft")
    imap.append("INBOX", raw_message)
    first = await mailbox.poll_mailbox()
    assert len(first["drafts"]) == 1
    imap.append("INBOX", raw_message)  # delivered again, byte for byte
    second = await mailbox.poll_mailbox()
    assert second["drafts"] == [] and second["moved"] == 1
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM diarium_draft")
    assert after["n"] == before["n"] + 1
    key = await raw.fetchrow(
        "SELECT source_key FROM diarium_draft WHERE id = ?", first["drafts"][0]
    )
    assert key["source_key"].startswith("mail-sha256:")
