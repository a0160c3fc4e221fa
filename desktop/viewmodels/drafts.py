"""The contact being typed, saved to disk as it is typed, so a crash loses nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.api import storage


class DraftStore:
    """One draft file (``<data dir>/draft.json``), replaced atomically on every save."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, draft: dict[str, Any]) -> None:
        storage.atomic_write_json(self.path, draft)

    def load(self) -> dict[str, Any] | None:
        value = storage.read_json(self.path)
        return value if isinstance(value, dict) else None

    def clear(self) -> None:
        storage.remove(self.path)
