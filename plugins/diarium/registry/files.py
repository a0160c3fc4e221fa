"""Content-addressed file storage: a file's content is stored once under its SHA-256 at
``<data_dir>/diarium/blobs/<aa>/<sha256>``, written to a temporary file in the same folder,
fsynced, then hard-linked into place (a link never replaces an existing file, so a stored
blob is never overwritten, even by two processes storing the same content at once) and the
folder fsynced. The ``diarium_blob`` row is inserted after the content is durable.

Large content (an FGS package of a case file of scanned post) is written by its maker to a
file in :func:`spool_root` (same file system as the store) and taken in by :func:`store_file`,
which hashes it in chunks and links it into place: it is never held in memory."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from core import audit, db
from core.cases import service as cases
from core.db import raw
from core.errors import InvalidInput, NotFound

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,60}/[a-z0-9][a-z0-9!#$&^_.+-]{0,60}$")
ROLES = ("original", "pdfa", "ocr_text", "masked_copy", "decision")
MAX_BYTES = 200 * 1024 * 1024
CHUNK = 1 << 20


def blob_root() -> Path:
    """The folder of the stored blobs."""
    return Path(cases.current_settings().data_dir) / "diarium" / "blobs"


def spool_root() -> Path:
    """A folder for content being made before it is stored (next to the blobs, so that it is
    linked into the store, not copied); created on demand."""
    folder = Path(cases.current_settings().data_dir) / "diarium" / "spool"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_sha(sha256: str) -> str:
    sha256 = str(sha256).strip().lower()
    if not SHA_RE.match(sha256):
        raise InvalidInput("{value} is not a SHA-256 in hex", value=sha256[:80])
    return sha256


def _path(sha256: str) -> Path:
    return blob_root() / sha256[:2] / sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_into_place(temp: str | Path, final: Path) -> None:
    """Link a durable file into the store under its name (never replacing one there)."""
    os.chmod(temp, 0o440)
    with contextlib.suppress(FileExistsError):  # stored meanwhile: the same content
        os.link(temp, final)
    _fsync_dir(final.parent)


def _write_once(data: bytes, sha256: str) -> None:
    final = _path(sha256)
    if final.exists():
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _link_into_place(temp, final)
    finally:
        os.unlink(temp)


def _take_file(path: Path) -> tuple[str, int]:
    """Hash ``path`` in chunks, make it durable and link it into the store (blocking)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(handle.fileno())
    sha256 = digest.hexdigest()
    final = _path(sha256)
    if size and not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            _link_into_place(path, final)
        except OSError as exc:  # another file system: copy it in, in chunks
            if exc.errno != errno.EXDEV:
                raise
            fd, temp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as out, path.open("rb") as handle:
                    shutil.copyfileobj(handle, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                _link_into_place(temp, final)
            finally:
                os.unlink(temp)
    return sha256, size


async def _record(sha256: str, size: int, mime: str) -> None:
    """The store's row of durable content: inserted once; content stored again is marked
    ``seen_at`` (a disposal or the store's collection then leaves its row alone)."""
    mime = (mime or "application/octet-stream").split(";")[0].strip().lower()
    if not MIME_RE.match(mime):
        mime = "application/octet-stream"
    now = int(time.time())
    async with db.transaction():
        seen = await raw.fetch(
            "UPDATE diarium_blob SET seen_at = ? WHERE sha256 = ? RETURNING sha256", now, sha256
        )
        if not seen:
            await raw.fetch(
                "INSERT INTO diarium_blob (sha256, size, mime, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET seen_at = excluded.created_at",
                sha256,
                size,
                mime,
                now,
            )


async def store(data: bytes, mime: str = "application/octet-stream") -> str:
    """Store ``data`` (once per content) and return its SHA-256 (hex). Idempotent: the same
    content stored again returns the same hash and writes nothing."""
    if not data:
        raise InvalidInput("The file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput("The file is larger than {max} bytes", max=MAX_BYTES)
    sha256 = hashlib.sha256(data).hexdigest()
    _write_once(data, sha256)
    await _record(sha256, len(data), mime)
    # A disposal's removal of the same content may have taken the file between the write
    # and the row (it checks for the row first): write it again; the row keeps it now.
    _write_once(data, sha256)
    return sha256


async def store_file(path: Path, mime: str = "application/octet-stream") -> tuple[str, int]:
    """Store the content of the file at ``path`` (made in :func:`spool_root`) without reading
    it into memory; returns its SHA-256 and size. The caller removes ``path`` afterwards (the
    store keeps its own link). No size limit: this is for content the server made itself."""
    path = Path(path)
    sha256, size = await asyncio.to_thread(_take_file, path)
    if not size:
        raise InvalidInput("The file is empty")
    await _record(sha256, size, mime)
    if not _path(sha256).exists():  # removed between the link and the row (see store)
        await asyncio.to_thread(_take_file, path)
    return sha256, size


async def blob(sha256: str) -> dict[str, Any]:
    """A stored blob's row (404 if it is not stored)."""
    row = await raw.fetchrow(
        "SELECT sha256, size, mime, created_at FROM diarium_blob WHERE sha256 = ?",
        check_sha(sha256),
    )
    if row is None:
        raise NotFound("No stored file {sha256}", sha256=sha256)
    return row


def open_blob(sha256: str) -> Path:
    """The path of a stored blob's content (NotFound if it is not stored)."""
    path = _path(check_sha(sha256))
    if not path.is_file():
        raise NotFound("No stored file {sha256}", sha256=sha256)
    return path


def verify(sha256: str) -> bool:
    """Whether the stored content still hashes to its name."""
    digest = hashlib.sha256()
    with open_blob(sha256).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256


async def attach(
    actor: str, document_id: int, sha256: str, filename: str, role: str = "original"
) -> int:
    """Link a stored blob to a document (in the caller's transaction if there is one)."""
    if role not in ROLES:
        raise InvalidInput(
            "A file's role is one of {roles}", roles=", ".join(ROLES), location=("body", "role")
        )
    await blob(sha256)
    filename = os.path.basename(str(filename).replace("\\", "/")).strip()[:255] or sha256[:12]
    async with db.transaction():
        file_id = await raw.insert(
            "diarium_document_file",
            {
                "document_id": document_id,
                "sha256": sha256,
                "filename": filename,
                "role": role,
                "created_at": int(time.time()),
                "created_by": actor,
            },
        )
        audit.record(
            actor,
            "diarium.file.attach",
            "diarium_document",
            document_id,
            {"sha256": sha256, "filename": filename, "role": role},
        )
    return file_id


async def of_document(document_id: int) -> list[dict[str, Any]]:
    """The files of a document, with their size and type."""
    return await raw.fetch(
        "SELECT f.id, f.sha256, f.filename, f.role, f.created_at, f.created_by, b.size, b.mime "
        "FROM diarium_document_file f JOIN diarium_blob b ON b.sha256 = f.sha256 "
        "WHERE f.document_id = ? ORDER BY f.id",
        document_id,
    )
