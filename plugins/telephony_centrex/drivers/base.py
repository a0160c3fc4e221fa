"""The switch driver interface: declared capabilities, connection state, reconnect back-off.

A driver turns its switch's call events into :class:`~plugins.telephony_centrex.callevents.
CallEvent` and hands them to the sink it is started with (``service.ingest``). What a driver
can do besides delivering events it declares in ``capabilities``; the plugin asks before it
offers click-to-call, a call-back dial, a transfer or a message upload, and a driver that
lacks one raises :class:`NotSupported`. Its :class:`ConnectionState` is what ``kontakt
doctor`` and the plugin's admin view show.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from plugins.telephony_centrex.callevents import CallEvent

log = logging.getLogger(__name__)

Sink = Callable[[CallEvent], Awaitable[Any]]


class Capability(StrEnum):
    """What a driver can do with the switch."""

    EVENTS = "events"
    CLICK_TO_CALL = "click_to_call"
    TRANSFER = "transfer"
    PARK = "park"
    CONFERENCE = "conference"
    QUEUE_CONTROL = "queue_control"
    MESSAGE_UPLOAD = "message_upload"
    OVERFLOW = "overflow"


class NotSupported(Exception):
    """The driver (or its switch) cannot do this."""


class DriverAuthFailed(Exception):
    """The switch refused the driver's credentials (no point retrying until they change)."""


@dataclass
class ConnectionState:
    """How the driver's link to the switch stands.

    ``state``: ``passive`` (the switch calls us: webhook), ``connecting``, ``connected``,
    ``disconnected`` (retrying after ``retry_in`` seconds), ``auth_failed`` or ``stopped``.
    """

    state: str = "stopped"
    since: float = field(default_factory=time.time)
    last_error: str = ""
    attempts: int = 0
    retry_in: float = 0.0
    last_event_at: float | None = None
    events: int = 0

    def set(self, state: str, error: str = "") -> None:
        """Move to ``state`` (the time is kept when the state does not change)."""
        if state != self.state:
            self.state, self.since = state, time.time()
        self.last_error = error

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Backoff:
    """Exponential reconnect delays with full jitter, capped, reset after a good connection."""

    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    attempt: int = 0

    def next_delay(self, rng: random.Random | None = None) -> float:
        """The delay before the next attempt (grows with every failure)."""
        ceiling = min(self.maximum, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return (rng or random).uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0


class Driver:
    """Base class of switch drivers; subclasses set ``name`` and ``capabilities``."""

    name = "none"
    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.state = ConnectionState()
        self.sink: Sink | None = None

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def check_config(self) -> None:
        """Raise ``core.contracts.PluginNotReady`` / ``PluginAuthFailed`` / ``ValueError``
        when the configuration cannot work (called from ``plugin_setup``)."""

    async def start(self, sink: Sink) -> None:
        """Begin delivering events to ``sink`` (a long-running driver starts its task)."""
        self.sink = sink
        self.state.set("passive")

    async def stop(self) -> None:
        self.state.set("stopped")

    async def deliver(self, event: CallEvent) -> Any:
        """Hand one event to the sink and count it."""
        if self.sink is None:
            raise RuntimeError(f"driver {self.name} is not started")
        result = await self.sink(event)
        self.state.events += 1
        self.state.last_event_at = time.time()
        return result

    def describe(self) -> dict[str, Any]:
        """Name, capabilities and connection state, for the admin view and the doctor."""
        return {
            "driver": self.name,
            "capabilities": sorted(c.value for c in self.capabilities),
            **self.state.as_dict(),
        }

    # -- actions; a driver overrides those it declares -------------------------------------
    async def originate(self, agent: str, number: str) -> str:
        """Dial ``number`` for ``agent`` (click-to-call, call-back); returns the call id."""
        raise NotSupported(Capability.CLICK_TO_CALL)

    async def transfer(self, call_id: str, target: str) -> None:
        raise NotSupported(Capability.TRANSFER)

    async def park(self, call_id: str) -> str:
        raise NotSupported(Capability.PARK)

    async def conference(self, call_id: str, number: str) -> None:
        raise NotSupported(Capability.CONFERENCE)

    async def set_paused(self, agent: str, paused: bool, reason: str = "") -> None:
        raise NotSupported(Capability.QUEUE_CONTROL)

    async def upload_message(self, kind: str, language: str, audio: bytes) -> None:
        raise NotSupported(Capability.MESSAGE_UPLOAD)


class ReconnectingDriver(Driver):
    """A driver holding a connection to the switch (AMI): ``connect_and_run`` is retried with
    :class:`Backoff` until ``stop``; :class:`DriverAuthFailed` ends the retries."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.backoff = Backoff()
        self._task: asyncio.Task[None] | None = None

    async def connect_and_run(self) -> None:
        """Connect, log in, then deliver events until the connection ends (subclasses).
        Call ``self.connected()`` once logged in."""
        raise NotImplementedError

    def connected(self) -> None:
        self.backoff.reset()
        self.state.attempts = 0
        self.state.retry_in = 0.0
        self.state.set("connected")

    async def start(self, sink: Sink) -> None:
        self.sink = sink
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.state.set("connecting", self.state.last_error)
            self.state.attempts += 1
            try:
                await self.connect_and_run()
                error = "connection closed"
            except asyncio.CancelledError:
                raise
            except DriverAuthFailed as exc:
                self.state.set("auth_failed", str(exc))
                log.warning("telephony driver %s: credentials refused (%s)", self.name, exc)
                return
            except Exception as exc:  # any failure of the link: retry later
                error = f"{type(exc).__name__}: {exc}"
            delay = self.backoff.next_delay()
            self.state.retry_in = round(delay, 2)
            self.state.set("disconnected", error)
            log.info("telephony driver %s: %s; retrying in %.1f s", self.name, error, delay)
            await asyncio.sleep(delay)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.state.set("stopped")
