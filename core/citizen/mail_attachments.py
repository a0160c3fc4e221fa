"""Files attached to outbox e-mails (:mod:`core.citizen.notify`).

An attachment is stored with its message in ``outbound_attachment`` (same transaction; the
foreign key deletes it with the message) and added to the MIME message as its own part when
the worker sends it. ``outbound_message.attachments`` counts them, so messages without any
cost no extra query. Limits: :data:`MAX_COUNT` files and :data:`MAX_TOTAL_BYTES` in all per
message; file names are reduced to a safe base name, MIME types to ``type/subtype``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from core.db import raw
from core.errors import InvalidInput

MAX_COUNT = 10
MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 150
DEFAULT_MIME = "application/octet-stream"
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
_UNSAFE = re.compile(r"[^\w.\- ()+,]+")


class AttachmentRefused(InvalidInput):
    """Attachments beyond the limits, or not usable as files; nothing is queued (a 400
    problem in the caller's language when it reaches the web layer)."""


@dataclass(frozen=True)
class Attachment:
    """One file of a message: a safe file name, its MIME type and its bytes."""

    filename: str
    mime: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def safe_filename(name: str) -> str:
    """``name`` as a file name a mail client can save anywhere: no directories, no control or
    shell characters, no leading dots, at most :data:`MAX_FILENAME` characters (the
    extension kept); ``attachment`` when nothing is left."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" ._")
    name = re.sub(r"_{2,}", "_", name)
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 20:
            name = stem[: MAX_FILENAME - len(ext) - 1].rstrip(" ._") + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name or "attachment"


def safe_mime(mime: str) -> str:
    """``mime`` as a lower-case ``type/subtype`` (parameters dropped), else (also for the
    ``multipart`` and ``message`` containers) ``application/octet-stream``."""
    value = str(mime or "").split(";")[0].strip().lower()
    if not _MIME.match(value) or value.partition("/")[0] in ("multipart", "message"):
        return DEFAULT_MIME  # containers are not files
    return value


def checked(files: Iterable[tuple[str, str, bytes]] | None) -> list[Attachment]:
    """``(filename, mime, content)`` triples as attachments within the limits; raises
    :class:`AttachmentRefused` otherwise."""
    result: list[Attachment] = []
    for item in files or ():
        try:
            filename, mime, content = item
        except (TypeError, ValueError):
            raise AttachmentRefused(
                "An attachment is given as (file name, MIME type, content)"
            ) from None
        if not isinstance(content, bytes | bytearray | memoryview):
            raise AttachmentRefused(
                "The attachment {filename} has no binary content", filename=str(filename)[:150]
            )
        result.append(Attachment(safe_filename(filename), safe_mime(mime), bytes(content)))
    if len(result) > MAX_COUNT:
        raise AttachmentRefused(
            "Too many attachments: {count}, at most {limit} per message",
            count=len(result),
            limit=MAX_COUNT,
        )
    total = sum(a.size for a in result)
    if total > MAX_TOTAL_BYTES:
        raise AttachmentRefused(
            "The attachments are too large: {size} bytes, at most {limit} MB per message",
            size=total,
            limit=MAX_TOTAL_BYTES // (1024 * 1024),
        )
    return result


async def store(message_id: int, attachments: list[Attachment]) -> None:
    """Write ``attachments`` of outbox message ``message_id`` (in the caller's transaction)."""
    await raw.executemany(
        "INSERT INTO outbound_attachment (message, position, filename, mime, size, content) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (message_id, position, a.filename, a.mime, a.size, a.content)
            for position, a in enumerate(attachments)
        ],
    )


async def of_message(message_id: int) -> list[Attachment]:
    """The attachments of outbox message ``message_id``, in order."""
    rows = await raw.fetch(
        "SELECT filename, mime, content FROM outbound_attachment WHERE message = ? "
        "ORDER BY position, id",
        message_id,
    )
    return [Attachment(r["filename"], r["mime"], bytes(r["content"])) for r in rows]


def add_to(message: EmailMessage, attachments: list[Attachment]) -> None:
    """Add ``attachments`` to ``message`` as MIME parts (after its text)."""
    for a in attachments:
        maintype, _, subtype = a.mime.partition("/")
        message.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)


def summary(attachments: list[Attachment]) -> list[dict[str, Any]]:
    """What an audit entry names of the attachments: file name, type and size, no content."""
    return [{"filename": a.filename, "mime": a.mime, "size": a.size} for a in attachments]
