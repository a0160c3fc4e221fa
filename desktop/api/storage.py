"""Files the client keeps on the agent's machine: where they live, and atomic writes.

A write goes to a temporary file in the same folder, is flushed and fsynced, then renamed
over the old file (``os.replace`` is atomic on Windows and POSIX) and the folder is synced
where the platform allows it: after a crash the file holds the old or the new content, never
a torn mix.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

APP_FOLDER = "Kontaktcenter"


def data_dir() -> Path:
    """The per-user data folder (``KONTAKT_DESKTOP_DIR`` overrides it)."""
    override = os.environ.get("KONTAKT_DESKTOP_DIR")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home())) / APP_FOLDER
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / APP_FOLDER
    else:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        base = Path(xdg) / "kontaktcenter"
    base.mkdir(parents=True, exist_ok=True)
    return base


def sync_folder(folder: Path) -> None:
    """fsync a folder so a rename or delete in it is durable (not possible on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_json(path: Path, value: Any) -> None:
    """Replace ``path`` with ``value`` as JSON, durably and all at once."""
    atomic_write_bytes(path, json.dumps(value, ensure_ascii=False, indent=1).encode())


def atomic_write_bytes(path: Path, data: bytes, private: bool = False) -> None:
    """Replace ``path`` with ``data``, durably and all at once (``private``: owner-only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    mode = 0o600 if private else 0o666  # the umask still applies
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    sync_folder(path.parent)


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remove(path: Path) -> None:
    """Delete ``path`` (if there) durably."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    sync_folder(path.parent)
