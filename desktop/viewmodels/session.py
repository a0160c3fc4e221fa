"""The signed-in session: live events, online state, the outbox.

:class:`Session` owns what lives as long as the sign-in: the live-event stream (routed to
every subscriber), the offline banner's state, and the outbox, sent again whenever the
server answers after an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable
from desktop.api.live import LiveEvents
from desktop.api.outbox import Outbox
from desktop.viewmodels.drafts import DraftStore
from desktop.viewmodels.observable import Observable

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class Session(Observable):
    """One signed-in user's running session."""

    def __init__(self, client: ApiClient, data_dir: Path) -> None:
        super().__init__()
        self.client = client
        folder = data_dir / client.me.get("username", "user")
        self.outbox = Outbox(folder / "outbox")
        self.drafts = DraftStore(folder / "draft.json")
        self.online = True
        self.live = LiveEvents(client, self._event, self._live_state, self._gap)
        self._subscribers: list[Callable[[dict[str, Any]], None]] = []
        self._gap_listeners: list[Callable[[], None]] = []
        self._tasks: list[asyncio.Task[Any]] = []

    def can(self, permission: str) -> bool:
        return permission in self.client.permissions()

    def on_event(self, subscriber: Callable[[dict[str, Any]], None]) -> None:
        self._subscribers.append(subscriber)

    def on_gap(self, listener: Callable[[], None]) -> None:
        """Called after a reconnection: fetch what may have been missed."""
        self._gap_listeners.append(listener)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self.live.run()), loop.create_task(self._retry_outbox())]

    async def stop(self) -> None:
        """Sign out cleanly: stop the stream, revoke the token, close the connection."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.client.sign_out()
        await self.client.close()

    def _event(self, event: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("live event subscriber failed")

    def _gap(self) -> None:
        for listener in list(self._gap_listeners):
            listener()

    def _live_state(self, connected: bool) -> None:
        self.set_online(connected)

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.changed()

    async def flush_outbox(self) -> int:
        """Send waiting contacts; returns how many are still waiting."""
        if not len(self.outbox):
            return 0
        try:
            result = await self.outbox.flush(self.client.register_contact)
        except (ApiError, Unreachable):
            return len(self.outbox)
        if result.sent:
            self.set_online(True)
        self.changed()
        return result.waiting

    async def _retry_outbox(self) -> None:
        while True:
            await self.flush_outbox()
            await asyncio.sleep(RETRY_SECONDS)
