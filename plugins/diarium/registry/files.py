"""Content-addressed file storage: a file's content is stored once under its SHA-256 at
``<data_dir>/diarium/blobs/<aa>/<sha256>`` (temp file + fsync + rename), never overwritten."""

from __future__ import annotations

from pathlib import Path


async def store(data: bytes, mime: str) -> str:
    """Store ``data`` (once per content) and return its SHA-256 (hex). Idempotent: the same
    content stored again returns the same hash and writes nothing."""
    raise NotImplementedError


def open_blob(sha256: str) -> Path:
    """The path of a stored blob's content (NotFound if it is not stored)."""
    raise NotImplementedError
