"""The shared mailbox: an IMAP mailbox read on a schedule (and on demand); each message with its
attachments becomes a draft; after registration the message moves to the registered folder
and the sender gets a receipt with the diarienummer (the core's outbox and mailer).

Nothing is lost and nothing is taken twice, whichever side stops halfway:
- a message is copied out with ``BODY.PEEK`` (the inbox is not changed by reading), its
  draft committed, and only then moved (``UID MOVE``) from the inbox to the taken folder;
- the draft's unique source key is the message's Message-ID (or the SHA-256 of the whole
  message when it has none), kept with the mailbox's UIDVALIDITY and the UID: a message still
  in the inbox whose draft exists (the appliance or the server stopped between the commit and
  the move) is only moved on the next run, never drafted again;
- registration marks the draft; the next run moves the message from the taken folder to the
  registered folder (``mail_state`` taken → filed).

A message larger than ``max_mail_bytes`` is left in the inbox untouched and reported. The IMAP
password is the keyring secret ``diarium-imap-password`` (``kontakt secrets set …``).
imaplib is blocking: each IMAP round trip runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import hashlib
import html
import imaplib
import logging
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from core.db import raw
from core.secrets import keystore
from plugins.diarium import runtime
from plugins.diarium.intake import drafts, ocr, suggest

log = logging.getLogger(__name__)

PASSWORD_SECRET = "diarium-imap-password"
ACTOR = "system:diarium-mailbox"
TIMEOUT_S = 30
SECURITY = ("ssl", "starttls", "none")
NO_RECEIPT = re.compile(r"^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster)@", re.I)
UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
INTERNALDATE = re.compile(rb'INTERNALDATE "[^"]+"')


class MailboxError(RuntimeError):
    """The IMAP server refused or failed a step (the run stops; nothing is lost)."""


def configured() -> bool:
    return bool(str(runtime.setting("mailbox_host", "") or "").strip())


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Session:
    """One IMAP connection (blocking; call its methods through ``asyncio.to_thread``)."""

    def __init__(self) -> None:
        host = str(runtime.setting("mailbox_host", "")).strip()
        port = int(runtime.setting("mailbox_port", 993))
        security = str(runtime.setting("mailbox_security", "ssl"))
        user = str(runtime.setting("mailbox_username", ""))
        if security not in SECURITY:
            raise MailboxError(
                f"mailbox_security is {security!r}; it must be one of {', '.join(SECURITY)}"
            )
        password = keystore.get(PASSWORD_SECRET)
        if password is None:
            raise MailboxError(f"the keyring has no {PASSWORD_SECRET}")
        if security == "ssl":
            context = ssl.create_default_context()
            self.conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, port, ssl_context=context, timeout=TIMEOUT_S
            )
        else:
            self.conn = imaplib.IMAP4(host, port, timeout=TIMEOUT_S)
            if security == "starttls":
                self.conn.starttls(ssl.create_default_context())
        try:
            self.conn.login(user, password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise MailboxError(f"IMAP login refused for {user!r}: {exc}") from exc
        self.selected = ""

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may be gone already
            self.conn.logout()

    def _ok(self, typ: str, data: Any, what: str) -> Any:
        if typ != "OK":
            raise MailboxError(f"IMAP {what} failed: {data!r}")
        return data

    def ensure(self, folder: str) -> None:
        """Create ``folder`` when missing (and subscribe to it)."""
        typ, data = self.conn.list('""', _quote(folder))
        if typ == "OK" and data and data[0]:
            return
        self._ok(*self.conn.create(_quote(folder)), f"CREATE {folder}")
        self.conn.subscribe(_quote(folder))

    def select(self, folder: str) -> int:
        """Select ``folder`` for writing; returns its UIDVALIDITY."""
        self._ok(*self.conn.select(_quote(folder)), f"SELECT {folder}")
        self.selected = folder
        typ, data = self.conn.response("UIDVALIDITY")
        if data and data[0]:
            return int(data[0])
        typ, data = self.conn.status(_quote(folder), "(UIDVALIDITY)")
        match = UIDVALIDITY.search(data[0] if data and data[0] else b"")
        return int(match.group(1)) if match else 0

    def uids(self) -> list[int]:
        data = self._ok(*self.conn.uid("SEARCH", None, "ALL"), "SEARCH")
        return [int(uid) for uid in (data[0] or b"").split()]

    def search_message_id(self, message_id: str) -> list[int]:
        data = self._ok(
            *self.conn.uid("SEARCH", None, "HEADER", "Message-ID", _quote(message_id)), "SEARCH"
        )
        return [int(uid) for uid in (data[0] or b"").split()]

    def peek(self, uid: int) -> tuple[int, str]:
        """(size, Message-ID) of a message, without marking it read."""
        data = self._ok(
            *self.conn.uid(
                "FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            ),
            "FETCH",
        )
        size, header = 0, b""
        for part in data:
            if isinstance(part, tuple):
                match = SIZE.search(part[0])
                size = int(match.group(1)) if match else size
                header = part[1]
        parsed = email.message_from_bytes(header, policy=email.policy.default)
        return size, str(parsed.get("Message-ID", "") or "").strip()

    def fetch(self, uid: int) -> tuple[bytes, int]:
        """(the whole message, the server's INTERNALDATE as epoch), without marking it read."""
        data = self._ok(*self.conn.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])"), "FETCH")
        for part in data:
            if isinstance(part, tuple):
                stamp = imaplib.Internaldate2tuple(part[0])
                received = int(time.mktime(stamp)) if stamp else int(time.time())
                return part[1], received
        raise MailboxError(f"IMAP FETCH of UID {uid} returned no message")

    def move(self, uid: int, folder: str) -> None:
        """Move a message of the selected folder (UID MOVE, or COPY + delete + EXPUNGE)."""
        if "MOVE" in self.conn.capabilities:
            self._ok(*self.conn.uid("MOVE", str(uid), _quote(folder)), f"MOVE to {folder}")
            return
        self._ok(*self.conn.uid("COPY", str(uid), _quote(folder)), f"COPY to {folder}")
        self._ok(*self.conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
        if "UIDPLUS" in self.conn.capabilities:
            self._ok(*self.conn.uid("EXPUNGE", str(uid)), "EXPUNGE")
        else:
            self._ok(*self.conn.expunge(), "EXPUNGE")


async def _io(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def source_key(message_id: str, message: bytes | None) -> str:
    """The draft's unique key: the Message-ID, else the SHA-256 of the whole message."""
    if message_id:
        key = message_id.strip().lower()
        return "mail:" + (key if len(key) <= 250 else hashlib.sha256(key.encode()).hexdigest())
    assert message is not None
    return "mail-sha256:" + hashlib.sha256(message).hexdigest()


# -- a message to a draft ------------------------------------------------------------------
def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, ValueError):
        payload = body.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace")
    if body.get_content_subtype() == "html":
        text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text.replace("\x00", "").strip()


def _sender(message: EmailMessage) -> tuple[str, str]:
    addresses = getaddresses([str(message.get("From", "") or "")])
    if not addresses:
        return "", ""
    name, address = addresses[0]
    return (name or address).strip(), address.strip()


def _wants_receipt(message: EmailMessage, address: str) -> bool:
    auto = str(message.get("Auto-Submitted", "no") or "no").strip().lower()
    precedence = str(message.get("Precedence", "") or "").strip().lower()
    return bool(
        address
        and "@" in address
        and auto == "no"
        and precedence not in ("bulk", "list", "junk")
        and not message.get("List-Id")
        and not NO_RECEIPT.match(address)
    )


async def _store(data: bytes, mime: str) -> str:
    from plugins.diarium.registry import files

    return await files.store(data, mime)


async def make_mail_draft(
    message_bytes: bytes, key: str, message_id: str, received_at: int, uidvalidity: int, uid: int
) -> tuple[dict[str, Any], bool]:
    """Store the message and its attachments, OCR its scanned attachments, commit the draft."""
    message = email.message_from_bytes(message_bytes, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    subject = " ".join(str(message.get("Subject", "") or "").split())
    name, address = _sender(message)
    files = [
        {
            "filename": "meddelande.eml",
            "sha256": await _store(message_bytes, "message/rfc822"),
            "mime": "message/rfc822",
            "size": len(message_bytes),
            "role": "mail",
        }
    ]
    texts = [_body_text(message)]
    pages = 0
    ocr_ms = 0
    codes: list[dict[str, str]] = []
    for index, part in enumerate(message.iter_attachments(), 1):
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename() or f"bilaga-{index}"
        mime = part.get_content_type()
        files.append(
            {
                "filename": filename[:200],
                "sha256": await _store(payload, mime),
                "mime": mime,
                "size": len(payload),
                "role": "attachment",
            }
        )
        if runtime.setting("mail_ocr_attachments", True) and ocr.sniff(payload):
            try:
                result = await ocr.run_ocr(payload, "", filename)
            except Exception as exc:  # a bad attachment is kept as it is, unread
                log.warning("diarium mailbox: attachment %s not OCR'd: %s", filename, exc)
                continue
            stem = filename.rsplit(".", 1)[0]
            files.append(
                {
                    "filename": f"{stem}.pdf",
                    "sha256": await _store(result.pdfa, ocr.PDF),
                    "mime": ocr.PDF,
                    "size": len(result.pdfa),
                    "role": "pdfa",
                }
            )
            texts.append(f"[{filename}]\n{result.text}")
            pages += result.pages
            ocr_ms += int(result.seconds * 1000)
            codes += [c for c in result.barcodes if c not in codes]
    lang = str(message.get("Content-Language", "sv") or "sv").strip().lower()[:2]
    return await drafts.create(
        drafts.NewDraft(
            source="mail",
            source_key=key,
            received_at=received_at,
            filename="meddelande.eml",
            mime="message/rfc822",
            text="\n\n".join(t for t in texts if t),
            pages=pages,
            ocr_ms=ocr_ms,
            files=files,
            barcodes=codes,
            sender=name,
            sender_email=address,
            subject=subject or suggest.subject("\n\n".join(texts)),
            mail_message_id=message_id,
            mail_uidvalidity=uidvalidity,
            mail_uid=uid,
            receipt_to=address if _wants_receipt(message, address) else "",
            receipt_language="en" if lang == "en" else "sv",
        ),
        ACTOR,
    )


async def _mark(draft_id: int, state: str, uidvalidity: int | None = None, uid: int | None = None):
    from core import db

    async with db.transaction():
        if uid is None:
            await raw.fetch(
                "UPDATE diarium_draft SET mail_state = ?, updated_at = ? WHERE id = ?",
                state,
                int(time.time()),
                draft_id,
            )
        else:
            await raw.fetch(
                "UPDATE diarium_draft SET mail_state = ?, mail_uidvalidity = ?, mail_uid = ?, "
                "updated_at = ? WHERE id = ?",
                state,
                uidvalidity,
                uid,
                int(time.time()),
                draft_id,
            )


async def move_taken(session: Session, uid: int, folder: str) -> None:
    """Move a message whose draft is committed out of the inbox (a step of its own, so the
    tests can stop the server right here)."""
    await _io(session.move, uid, folder)


# -- the run -------------------------------------------------------------------------------
async def _file_registered(session: Session, taken: str, registered: str) -> int:
    """Move the messages of registered drafts from the taken folder to the registered one."""
    rows = await raw.fetch(
        "SELECT id, mail_message_id, source_key FROM diarium_draft "
        "WHERE mail_state = 'taken' AND status = 'registered' ORDER BY id LIMIT 200"
    )
    if not rows:
        return 0
    await _io(session.select, taken)
    moved = 0
    for row in rows:
        uids = (
            await _io(session.search_message_id, row["mail_message_id"])
            if row["mail_message_id"]
            else []
        )
        for uid in uids:
            await _io(session.move, uid, registered)
        await _mark(int(row["id"]), "filed" if uids else "missing")
        moved += len(uids)
    return moved


Hook = Callable[[dict[str, Any]], Awaitable[None]]


async def poll_mailbox(limit: int | None = None) -> dict[str, Any]:
    """One run over the shared mailbox: file registered messages, then draft what is new in
    the inbox. Returns what it did (``too_big``: messages left in the inbox as too large)."""
    if not configured():
        return {"configured": False, "drafts": [], "moved": 0, "filed": 0, "too_big": []}
    inbox = str(runtime.setting("mailbox_folder", "INBOX"))
    taken = str(runtime.setting("mailbox_taken_folder", "Diarium/Mottaget"))
    registered = str(runtime.setting("mailbox_registered_folder", "Diarium/Registrerat"))
    most = int(runtime.setting("max_mail_bytes", 25 * 1024 * 1024))
    batch = limit or int(runtime.setting("mailbox_batch", 50))
    session: Session = await _io(Session)
    made: list[int] = []
    moved = 0
    too_big: list[dict[str, Any]] = []
    try:
        for folder in (taken, registered):
            await _io(session.ensure, folder)
        filed = await _file_registered(session, taken, registered)
        uidvalidity = await _io(session.select, inbox)
        for uid in (await _io(session.uids))[:batch]:
            size, message_id = await _io(session.peek, uid)
            known = await raw.fetchrow(
                "SELECT id, status FROM diarium_draft WHERE mail_uidvalidity = ? AND mail_uid = ? "
                "AND source = 'mail'",
                uidvalidity,
                uid,
            )
            if known is None and message_id:
                known = await drafts.find_by_key(source_key(message_id, None))
            if known is None:
                if size > most:
                    too_big.append({"uid": uid, "message_id": message_id, "size": size})
                    log.warning(
                        "diarium mailbox: message %s (%s bytes) is over max_mail_bytes %s; "
                        "left in %s",
                        message_id or uid,
                        size,
                        most,
                        inbox,
                    )
                    continue
                message_bytes, received_at = await _io(session.fetch, uid)
                key = source_key(message_id, message_bytes)
                known = await drafts.find_by_key(key)
                if known is None:
                    draft, created = await make_mail_draft(
                        message_bytes, key, message_id, received_at, uidvalidity, uid
                    )
                    if created:
                        made.append(int(draft["id"]))
                    known = draft
            if known["status"] == "registered":  # registered before its message left the inbox
                await _io(session.move, uid, registered)
                await _mark(int(known["id"]), "filed", uidvalidity, uid)
            else:
                await move_taken(session, uid, taken)
                await _mark(int(known["id"]), "taken", uidvalidity, uid)
            moved += 1
    finally:
        await _io(session.close)
    return {
        "configured": True,
        "drafts": made,
        "moved": moved,
        "filed": filed,
        "too_big": too_big,
    }


def run_poll_mailbox() -> None:
    """The worker's periodic task."""
    from core import jobs

    try:
        result = jobs.run_async(poll_mailbox())
    except (MailboxError, OSError, imaplib.IMAP4.error) as exc:
        log.warning("diarium mailbox run stopped (nothing lost; retried next run): %s", exc)
        return
    if result.get("drafts") or result.get("too_big"):
        log.info("diarium mailbox: %s", result)
