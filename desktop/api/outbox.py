"""Contacts saved while the server could not be reached, kept on disk until it is back.

Each entry is one JSON file holding the request body and the ``Idempotency-Key`` chosen when
the agent pressed save. Sending an entry again after a lost answer is harmless: the server
returns the first registration for that key. An entry leaves the outbox only when the server
has answered it; one the server refuses (a 4xx problem) moves to ``failed/`` for the agent
to correct, never silently dropped.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.api import storage
from desktop.api.errors import ApiError, Unreachable

Sender = Callable[[dict[str, Any], str], Awaitable[dict[str, Any]]]


@dataclass
class Entry:
    """One contact waiting to be sent."""

    path: Path
    key: str
    body: dict[str, Any]
    saved_at: float
    error: str = ""


@dataclass
class FlushResult:
    sent: dict[str, dict[str, Any]]  # key -> the server's answer
    failed: list[Entry]
    waiting: int


class Outbox:
    """The outbox folder (``<data dir>/outbox``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.failed_folder = folder / "failed"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sending = asyncio.Lock()
        self._last_stamp = 0  # nanoseconds of the newest name given: names sort as saved

    def put(self, body: dict[str, Any], key: str | None = None) -> Entry:
        """Store a contact durably (fsync) and return its entry; the key is made here once."""
        key = key or str(uuid.uuid4())
        saved_at = time.time()
        # two contacts saved in the same instant keep their order (a millisecond stamp with a
        # random key after it did not): the stamp only grows
        self._last_stamp = max(time.time_ns(), self._last_stamp + 1)
        path = self.folder / f"{self._last_stamp:020d}-{key}.json"
        storage.atomic_write_json(path, {"key": key, "body": body, "saved_at": saved_at})
        return Entry(path, key, body, saved_at)

    def entries(self) -> list[Entry]:
        """Waiting entries, oldest first."""
        found = []
        for path in sorted(self.folder.glob("*.json")):
            value = storage.read_json(path)
            if isinstance(value, dict) and "key" in value and "body" in value:
                found.append(Entry(path, value["key"], value["body"], value.get("saved_at", 0)))
        return found

    def failed(self) -> list[Entry]:
        """Entries the server refused, with its reason."""
        found = []
        for path in sorted(self.failed_folder.glob("*.json")):
            value = storage.read_json(path) or {}
            found.append(
                Entry(path, value.get("key", ""), value.get("body", {}), 0, value.get("error", ""))
            )
        return found

    def __len__(self) -> int:
        return len(list(self.folder.glob("*.json")))

    def done(self, entry: Entry) -> None:
        storage.remove(entry.path)

    def refuse(self, entry: Entry, reason: str) -> None:
        """Move an entry the server refused to ``failed/`` with the reason."""
        target = self.failed_folder / entry.path.name
        storage.atomic_write_json(
            target,
            {"key": entry.key, "body": entry.body, "saved_at": entry.saved_at, "error": reason},
        )
        storage.remove(entry.path)

    async def flush(self, send: Sender) -> FlushResult:
        """Send every waiting entry in order; stop at the first unreachable server."""
        async with self._sending:
            return await self._flush(send)

    async def _flush(self, send: Sender) -> FlushResult:
        sent: dict[str, dict[str, Any]] = {}
        failed: list[Entry] = []
        for entry in self.entries():
            try:
                answer = await send(entry.body, entry.key)
            except Unreachable:
                break
            except ApiError as exc:
                if exc.retryable:
                    break
                self.refuse(entry, exc.detail)
                failed.append(entry)
                continue
            self.done(entry)
            sent[entry.key] = answer
        return FlushResult(sent, failed, len(self))
