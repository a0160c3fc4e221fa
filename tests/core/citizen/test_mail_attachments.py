"""Attachments of outbox e-mails against a real SMTP server: stored with the message in its
transaction, sent intact as MIME parts (bytes, safe file name, type), refused beyond the
limits with nothing queued, deleted with their message, never sent without them."""

from __future__ import annotations

import os
import uuid

import pytest

from core import db
from core.citizen import mail_attachments, notify
from core.db import raw
from core.i18n import translator
from tests.support.smtp import SmtpServer, outbox, unique_email


def mail_settings(settings, smtp: SmtpServer):
    return settings.replace(smtp_host=smtp.host, smtp_port=smtp.port)


def case_number() -> str:
    return f"ATT-{uuid.uuid4().hex[:10]}"


async def queue(recipient: str, number: str, attachments=None) -> int:
    async with db.transaction():
        return await notify.queue(
            recipient,
            "feedback",
            "sv",
            number,
            attachments=attachments,
            subject="Bilagor",
            text="Se bifogade filer.",
        )


async def stored_attachments(message_id: int) -> int:
    found = await raw.fetchrow(
        "SELECT COUNT(*) AS n FROM outbound_attachment WHERE message = ?", message_id
    )
    return int(found["n"])


async def test_attachments_arrive_intact_and_plain_messages_stay_plain(client, settings):
    pdf = b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n"
    note = "Beslut om åtgärd\r\n".encode() + bytes(range(256))
    number, plain_number = case_number(), case_number()
    email, plain_email = unique_email("bilaga"), unique_email("utan")
    message_id = await queue(
        email,
        number,
        [
            ("BAH-2026-00001-beslut.pdf", "application/pdf", pdf),
            ("../../etc/Beslut: åtgärd.txt", "Text/Plain; charset=latin-1", note),
        ],
    )
    await queue(plain_email, plain_number)
    [row] = await outbox(number)
    [plain_row] = await outbox(plain_number)
    assert row["id"] == message_id and row["attachments"] == 2 and plain_row["attachments"] == 0
    assert await stored_attachments(message_id) == 2
    with SmtpServer() as smtp:
        result = await notify.send_pending(mail_settings(settings, smtp))
        assert result["sent"] >= 2
        mail = smtp.wait_for(lambda m: email in m.rcpt_tos)
        plain = smtp.wait_for(lambda m: plain_email in m.rcpt_tos)
    assert "Se bifogade filer." in mail.text
    parts = list(mail.message.iter_attachments())
    assert [p.get_filename() for p in parts] == ["BAH-2026-00001-beslut.pdf", "Beslut_ åtgärd.txt"]
    assert [p.get_content_type() for p in parts] == ["application/pdf", "text/plain"]
    assert parts[0].get_payload(decode=True) == pdf
    assert parts[1].get_payload(decode=True) == note
    # a message without attachments is sent as before: one text/plain part
    assert not plain.message.is_multipart()
    assert plain.message.get_content_type() == "text/plain" and "Se bifogade" in plain.text
    [sent] = await outbox(number)
    assert sent["status"] == "sent" and sent["attempts"] == 1
    entry = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'mail.sent' AND object_id = ?",
        str(message_id),
    )
    details = raw.json_column(entry["details"])
    assert details["attachments"] == [
        {"filename": "BAH-2026-00001-beslut.pdf", "mime": "application/pdf", "size": len(pdf)},
        {"filename": "Beslut_ åtgärd.txt", "mime": "text/plain", "size": len(note)},
    ]
    plain_entry = await raw.fetchrow(
        "SELECT details FROM audit_entry WHERE action = 'mail.sent' AND object_id = ?",
        str(plain_row["id"]),
    )
    assert "attachments" not in raw.json_column(plain_entry["details"])


@pytest.mark.parametrize(
    ("files", "swedish", "english"),
    [
        (
            [(f"f{n}.txt", "text/plain", b"x") for n in range(mail_attachments.MAX_COUNT + 1)],
            "För många bilagor: 11, högst 10",
            "Too many attachments: 11, at most 10 per message",
        ),
        (
            [
                ("a.pdf", "application/pdf", b"a" * (mail_attachments.MAX_TOTAL_BYTES // 2)),
                ("b.pdf", "application/pdf", b"b" * (mail_attachments.MAX_TOTAL_BYTES // 2 + 1)),
            ],
            "för stora",
            "The attachments are too large: 10485761 bytes, at most 10 MB per message",
        ),
        ([("a.txt", "text/plain", "text, not bytes")], "inget binärt", "no binary content"),
    ],
)
async def test_attachments_beyond_the_limits_are_refused_and_nothing_is_queued(
    client, files, swedish, english
):
    number = case_number()
    before = await raw.fetchrow("SELECT COUNT(*) AS n FROM outbound_attachment")
    async with db.transaction():  # the caller may go on: nothing of the message was written
        with pytest.raises(notify.AttachmentRefused) as refused:
            await notify.queue(
                unique_email("stor"),
                "feedback",
                "sv",
                number,
                attachments=files,
                subject="Bilagor",
                text="x",
            )
    assert english in str(refused.value)  # a 400 problem, in the caller's language
    assert swedish in refused.value.render(translator("sv"))
    assert refused.value.status == 400
    assert await outbox(number) == []
    after = await raw.fetchrow("SELECT COUNT(*) AS n FROM outbound_attachment")
    assert after["n"] == before["n"]


async def test_the_limits_themselves_are_accepted(client):
    number = case_number()
    files = [(f"f{n}.bin", "application/octet-stream", b"z") for n in range(9)]
    files.append(("big.bin", "", b"y" * (mail_attachments.MAX_TOTAL_BYTES - 9)))
    message_id = await queue(unique_email("grans"), number, files)
    assert await stored_attachments(message_id) == mail_attachments.MAX_COUNT
    stored = await mail_attachments.of_message(message_id)
    assert sum(a.size for a in stored) == mail_attachments.MAX_TOTAL_BYTES
    assert stored[-1].mime == "application/octet-stream"
    async with db.transaction():  # 10 MB the other tests' batches need not send
        await raw.fetch("DELETE FROM outbound_message WHERE id = ?", message_id)


async def test_attachments_go_with_their_message(client):
    number = case_number()
    message_id = await queue(unique_email("bort"), number, [("a.txt", "text/plain", b"hej")])
    assert await stored_attachments(message_id) == 1
    async with db.transaction():
        await raw.fetch("DELETE FROM outbound_message WHERE id = ?", message_id)
    assert await stored_attachments(message_id) == 0


async def test_a_message_is_never_sent_without_its_attachments(client, settings):
    number, email = case_number(), unique_email("saknas")
    message_id = await queue(email, number, [("a.txt", "text/plain", b"hej")])
    async with db.transaction():  # as if the file were lost
        await raw.fetch("DELETE FROM outbound_attachment WHERE message = ?", message_id)
    with SmtpServer() as smtp:
        result = await notify.send_pending(mail_settings(settings, smtp))
        assert smtp.to(email) == []
    assert result["retry"] >= 1
    [row] = await outbox(number)
    assert row["status"] == "queued" and row["attempts"] == 1
    assert "1 attachments recorded, 0 stored" in row["last_error"]
    async with db.transaction():  # out of the way of the other tests' batches
        await raw.fetch("DELETE FROM outbound_message WHERE id = ?", message_id)


def test_file_names_and_types_are_made_safe():
    safe = mail_attachments.safe_filename
    assert safe("../../etc/passwd") == "passwd"
    assert safe("..\\..\\x\\beslut.pdf") == "beslut.pdf"
    assert safe(" .dold\r\nfil.pdf") == "doldfil.pdf"
    assert safe("Beslut om åtgärd.pdf") == "Beslut om åtgärd.pdf"
    assert safe("") == safe("...") == "attachment"
    long = safe("x" * 300 + ".pdf")
    assert len(long) == mail_attachments.MAX_FILENAME and long.endswith(".pdf")
    assert mail_attachments.safe_mime("Application/PDF; x=1") == "application/pdf"
    assert mail_attachments.safe_mime("nonsense") == "application/octet-stream"
    assert mail_attachments.safe_mime("multipart/mixed") == "application/octet-stream"
