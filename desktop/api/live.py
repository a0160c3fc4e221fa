"""Live events over the websocket, reconnecting with back-off.

:meth:`LiveEvents.run` keeps one connection open for as long as it runs. When the connection
drops it waits 0.5 s, 1 s, 2 s … (at most 30 s, with jitter) and tries again; every
(re)connection after the first calls ``on_gap`` so the views fetch what they missed while
the socket was down. ``on_state(True/False)`` drives the offline banner.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable

log = logging.getLogger(__name__)

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
PING_SECONDS = 20.0
CLOSE_SIGNED_OUT = 4401


def backoff(attempt: int, jitter: float | None = None) -> float:
    """Seconds to wait before reconnection ``attempt`` (0, 1, 2 …)."""
    delay = min(MAX_DELAY, FIRST_DELAY * 2**attempt)
    share = random.random() if jitter is None else jitter
    return delay * (0.75 + 0.5 * share)


class LiveEvents:
    """The event stream of one signed-in session."""

    def __init__(
        self,
        client: ApiClient,
        on_event: Callable[[dict[str, Any]], None],
        on_state: Callable[[bool], None] = lambda connected: None,
        on_gap: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.on_event = on_event
        self.on_state = on_state
        self.on_gap = on_gap
        self.connected = False
        self.connections = 0

    def url(self) -> str:
        base = self.client.base_url
        scheme = "wss" if base.startswith("https") else "ws"
        return scheme + base[base.index("://") :] + "/api/v1/events"

    async def run(self) -> None:
        """Connect and deliver events until cancelled or signed out."""
        attempt = 0
        while self.client.signed_in:
            try:
                await self._session()
                attempt = 0
            except asyncio.CancelledError:
                raise
            except InvalidStatus as exc:
                if exc.response.status_code == 401:
                    with contextlib.suppress(ApiError, Unreachable):
                        await self.client.renew()
            except ConnectionClosed as exc:
                log.info("live events: %s", exc)
                if exc.rcvd is not None and exc.rcvd.code == CLOSE_SIGNED_OUT:
                    # the server ended this token's session: renew it, or sign in again
                    with contextlib.suppress(ApiError, Unreachable):
                        await self.client.renew()
            except (OSError, WebSocketException, TimeoutError) as exc:
                log.info("live events: %s", exc)
            self._set_state(False)
            if not self.client.signed_in:
                return
            await asyncio.sleep(backoff(attempt))
            attempt += 1

    async def _session(self) -> None:
        headers = {"Authorization": f"Bearer {self.client.token}"}
        context = self.client.ssl_context()
        kwargs: dict[str, Any] = {"additional_headers": headers, "open_timeout": 10, "proxy": None}
        if context is not None:
            kwargs["ssl"] = context
        async with connect(self.url(), **kwargs) as socket:
            pinger = asyncio.create_task(self._ping(socket))
            try:
                async for frame in socket:
                    message = json.loads(frame)
                    if message.get("type") == "hello":
                        self.connections += 1
                        self._set_state(True)
                        if self.connections > 1:
                            self.on_gap()
                    elif message.get("type") != "pong":
                        self.on_event(message)
            finally:
                pinger.cancel()

    async def _ping(self, socket: Any) -> None:
        while True:
            await asyncio.sleep(PING_SECONDS)
            await socket.send("ping")

    def _set_state(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.on_state(connected)
