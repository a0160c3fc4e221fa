"""Asterisk Manager Interface (AMI) driver: an asyncio client of our own.

``panoramisk`` was considered; its last release (1.4) is from 2021, so the plugin speaks the
wire format itself, which is small: after a banner line (``Asterisk Call Manager/<version>``)
both sides exchange blocks of ``Key: Value`` lines ended by a blank line. The client sends
``Action:`` blocks with an ``ActionID``; the switch answers each with a ``Response:`` block
carrying the same ``ActionID`` and sends ``Event:`` blocks at any time. List actions
(``QueueStatus``) answer ``EventList: start`` and then events with that ``ActionID`` up to one
with ``EventList: Complete``.

Queue events become :class:`CallEvent` objects: ``QueueCallerJoin`` → ``new``,
``AgentConnect`` → ``answer``, ``QueueCallerAbandon`` and the caller channel's ``Hangup`` →
``hangup``. The caller's talsvar choice comes as a ``UserEvent`` the dialplan sends after
``Read()`` (``UserEvent(KontaktMenu,Digits: ${CHOICE})``) → ``dtmf`` (``DTMFEnd`` is not used:
it fires for every key pressed during the whole call, also after the answer). The call id
is the caller channel's ``Linkedid`` (``Uniqueid`` where Asterisk sends none), so every leg
of a call maps to the one call. A lost connection reconnects with exponential back-off, logs
in again and asks ``QueueStatus`` so calls waiting meanwhile are
known; refused credentials stop the driver in state ``auth_failed`` (the back-off and the
states are :class:`~plugins.telephony_centrex.drivers.base.ReconnectingDriver`'s).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from core.contracts import PluginNotReady
from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.drivers.base import Capability, DriverAuthFailed, ReconnectingDriver

log = logging.getLogger(__name__)

Message = dict[str, str]

# Q.850 hang-up causes as Asterisk numbers them, in the CallEvent's vocabulary
CAUSES = {
    "16": "normalClearing",
    "17": "busy",
    "18": "noAnswer",
    "19": "noAnswer",
    "21": "rejected",
    "0": "normalClearing",
}
MENU_USER_EVENT = "KontaktMenu"  # the dialplan's UserEvent carrying the menu choice

EXTENSION_SQL = "SELECT phone_extension FROM kc_user WHERE username = ?"
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def agent_fields(member: str, interface: str, agents: dict[str, str]) -> dict[str, Any]:
    """``user`` and ``answering_number`` of an answer from the switch's member name and
    interface (``PJSIP/4501``): a mapped name or interface, else a name shaped like a username; the
    extension lets ``service.ingest`` find the user when the name is a display name."""
    user = agents.get(member) or agents.get(interface)
    if user is None and USERNAME_RE.match(member):
        user = member
    # PJSIP/4501, SIP/4501-0000002a, Local/4501@from-queue/n -> 4501
    extension = re.split(r"[@/-]", interface.split("/", 1)[1])[0] if "/" in interface else ""
    return {"user": user, "answering_number": extension}


class AmiError(Exception):
    """The switch answered an action with ``Response: Error``."""


class AmiAuthFailed(AmiError):
    """The switch refused the login."""


def encode(message: Message) -> bytes:
    """One AMI block on the wire."""
    lines = [f"{key}: {value}" for key, value in message.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def parse_block(raw: bytes) -> Message:
    """The ``Key: Value`` lines of one block (the first ``:`` splits; later keys win)."""
    message: Message = {}
    for line in raw.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            message[key.strip()] = value.strip()
    return message


@dataclass
class AmiConfig:
    """Where the switch is and how the driver behaves (from the plugin's ``ami_*`` settings)."""

    host: str
    port: int = 5038
    username: str = ""
    secret: str = ""
    source: str = "ami"
    context: str = "from-internal"  # dial plan context for Originate/Redirect/Atxfer
    channel_template: str = "PJSIP/{extension}"  # an agent's device from the extension
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> AmiConfig:
        """``ami_host``, ``ami_port``, ``ami_username``, ``ami_secret`` (from the keyring),
        and optionally ``ami_context`` and ``ami_channel_template``."""
        return cls(
            host=str(config.get("ami_host") or "127.0.0.1"),
            port=int(config.get("ami_port") or 5038),
            username=str(config.get("ami_username") or ""),
            secret=str(config.get("ami_secret") or _keyring_secret()),
            context=str(config.get("ami_context") or "from-internal"),
            channel_template=str(config.get("ami_channel_template") or "PJSIP/{extension}"),
        )


def _keyring_secret() -> str:
    """The AMI secret from the keyring (``telephony-ami-secret``), '' when there is none."""
    from core.secrets import keystore
    from plugins.telephony_centrex.runtime import AMI_SECRET

    try:
        return keystore.get(AMI_SECRET) or ""
    except Exception:  # no keyring configured in this process (tools, tests)
        return ""


class AmiConnection:
    """One logged-in AMI session: actions with responses, events to a callback."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
        self.banner = ""
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self._lists: dict[str, list[Message]] = {}

    async def read_banner(self) -> str:
        """The greeting line (``Asterisk Call Manager/…``)."""
        line = await asyncio.wait_for(self.reader.readline(), self.timeout)
        self.banner = line.decode("utf-8", "replace").strip()
        if not self.banner.startswith("Asterisk Call Manager/"):
            raise AmiError(f"not an AMI peer: {self.banner[:80]!r}")
        return self.banner

    async def read_message(self) -> Message | None:
        """The next block, or None when the peer closed the connection."""
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        return parse_block(raw)

    def dispatch(self, message: Message) -> Message | None:
        """Route a response or a list item to its waiting action; other events are returned."""
        action_id = message.get("ActionID", "")
        if "Event" not in message and action_id in self._pending:
            future = self._pending[action_id]
            if message.get("EventList") == "start" and message["Response"] == "Success":
                self._lists[action_id] = [message]
            elif not future.done():
                future.set_result(message)
            return None
        if "Event" in message and action_id in self._lists:
            items = self._lists[action_id]
            if message.get("EventList") == "Complete":
                del self._lists[action_id]
                future = self._pending.get(action_id)
                if future is not None and not future.done():
                    future.set_result({"Response": "Success", "_items": items[1:]})  # type: ignore[dict-item]
            else:
                items.append(message)
            return None
        return message if "Event" in message else None

    async def action(self, name: str, **fields: str) -> Any:
        """Send an action and wait for its response (a list action: its items)."""
        action_id = f"kt-{next(self._ids)}"
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = future
        try:
            self.writer.write(encode({"Action": name, "ActionID": action_id, **fields}))
            await self.writer.drain()
            response = await asyncio.wait_for(future, self.timeout)
        finally:
            self._pending.pop(action_id, None)
            self._lists.pop(action_id, None)
        if response.get("Response") == "Error":
            raise AmiError(response.get("Message", "error"))
        return response.get("_items", response)

    def fail_pending(self, exc: BaseException) -> None:
        """Wake every waiting action with ``exc`` (the connection is gone)."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class CallMapper:
    """Turns AMI events into CallEvents, remembering which calls are the driver's."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.calls: set[str] = set()
        self.channels: dict[str, tuple[str, str]] = {}  # call id -> (caller, agent channel)

    @staticmethod
    def call_id(message: Message) -> str:
        return message.get("Linkedid") or message.get("Uniqueid", "")

    def _event(self, message: Message, kind: str, **fields: Any) -> CallEvent:
        extra = {k: message[k] for k in ("Channel", "Uniqueid", "Interface") if k in message}
        waited = message.get("Wait", "")  # QueueEntry: seconds the caller has waited so far
        return CallEvent(
            source=self.source,
            call_id=self.call_id(message),
            kind=kind,  # type: ignore[arg-type]
            at=time.time() - (int(waited) if waited.isdigit() else 0),
            extra=extra,
            **fields,
        )

    def map(self, message: Message) -> CallEvent | None:
        """The CallEvent for one AMI event, or None for events that are not about calls."""
        name = message.get("Event", "")
        call_id = self.call_id(message)
        if not call_id:
            return None
        if name in ("QueueCallerJoin", "QueueEntry"):
            self.calls.add(call_id)
            self.channels[call_id] = (message.get("Channel", ""), "")
            return self._event(
                message,
                "new",
                from_number=message.get("CallerIDNum", "").replace("<unknown>", ""),
                to_number=message.get("Exten", ""),
                queue=message.get("Queue") or None,
            )
        if name == "AgentConnect":
            self.calls.add(call_id)
            self.channels[call_id] = (message.get("Channel", ""), message.get("DestChannel", ""))
            agent = agent_fields(message.get("MemberName", ""), message.get("Interface", ""), {})
            return self._event(message, "answer", queue=message.get("Queue") or None, **agent)
        if name == "QueueCallerAbandon" and call_id in self.calls:
            self.calls.discard(call_id)  # its Hangup follows and is not a second hang-up
            self.channels.pop(call_id, None)
            return self._event(
                message, "hangup", queue=message.get("Queue") or None, cause="abandon"
            )
        if name == "OriginateResponse" and message.get("Response") == "Success":
            self.calls.add(call_id)
            return self._event(
                message,
                "new",
                direction="out",
                from_number=message.get("CallerIDNum", ""),
                to_number=message.get("Exten", ""),
            )
        if name == "UserEvent" and message.get("UserEvent") == MENU_USER_EVENT:
            digits = message.get("Digits", "")[:20]  # the dialplan's UserEvent(KontaktMenu,…)
            if call_id in self.calls and digits:
                event = self._event(message, "dtmf", queue=message.get("Queue") or None)
                return replace(event, extra={**event.extra, "digits": digits})
            return None
        is_caller_leg = message.get("Uniqueid") == call_id or "Linkedid" not in message
        if name == "Hangup" and call_id in self.calls and is_caller_leg:
            self.calls.discard(call_id)
            self.channels.pop(call_id, None)
            return self._event(message, "hangup", cause=CAUSES.get(message.get("Cause", ""), ""))
        return None


class AmiDriver(ReconnectingDriver):
    """The Asterisk driver: keeps one AMI session up and delivers its calls to the sink.

    ``config`` holds the plugin's settings (see :meth:`AmiConfig.from_settings`) and, as
    ``extensions``, a map from agents' usernames to their extensions (an agent given as digits
    is taken as the extension itself).
    """

    name = "ami"
    capabilities = frozenset(
        {Capability.EVENTS, Capability.CLICK_TO_CALL, Capability.TRANSFER, Capability.QUEUE_CONTROL}
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.ami = AmiConfig.from_settings(config)
        self.extensions: dict[str, str] = dict(config.get("extensions") or {})
        self.mapper = CallMapper(self.ami.source)
        self.connects = 0
        self._conn: AmiConnection | None = None
        self._connected = asyncio.Event()

    def check_config(self) -> None:
        if not self.ami.username or not self.ami.secret:
            raise PluginNotReady("AMI username or secret (telephony-ami-secret) missing")

    async def wait_connected(self, seconds: float = 10.0) -> None:
        """Return once a session is logged in (or raise TimeoutError after ``seconds``)."""
        await asyncio.wait_for(self._connected.wait(), seconds)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "peer": f"{self.ami.host}:{self.ami.port}"}

    async def stop(self) -> None:
        await super().stop()
        self._connected.clear()

    async def connect_and_run(self) -> None:
        """One session: banner, login, events on, QueueStatus catch-up, then events until the
        switch closes the connection."""
        cfg = self.ami
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(cfg.host, cfg.port), cfg.timeout
        )
        conn = AmiConnection(reader, writer, cfg.timeout)
        reader_task: asyncio.Task[None] | None = None
        try:
            await conn.read_banner()
            reader_task = asyncio.create_task(self._read(conn))
            try:
                await conn.action("Login", Username=cfg.username, Secret=cfg.secret)
            except AmiError as exc:
                raise DriverAuthFailed(str(exc)) from exc
            await conn.action("Events", EventMask="call,agent")
            self._conn = conn
            self.connects += 1
            self.connected()
            self._connected.set()
            for entry in await conn.action("QueueStatus"):
                await self._deliver(entry)
            await reader_task
        finally:
            self._conn = None
            self._connected.clear()
            if reader_task is not None and not reader_task.done():
                reader_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader_task
            conn.fail_pending(ConnectionError("AMI connection lost"))
            await conn.close()

    async def _read(self, conn: AmiConnection) -> None:
        while (message := await conn.read_message()) is not None:
            event = conn.dispatch(message)
            if event is not None:
                await self._deliver(event)
        conn.fail_pending(ConnectionError("AMI connection closed"))

    async def _deliver(self, message: Message) -> None:
        call_event = self.mapper.map(message)
        if call_event is None:
            return
        try:
            await self.deliver(call_event)
        except Exception:
            log.exception("AMI event %s of call %s not ingested", message.get("Event"),
                          call_event.call_id)  # fmt: skip

    # -- actions ------------------------------------------------------------------------
    async def _action(self, name: str, **fields: str) -> Any:
        if self._conn is None:
            raise AmiError(f"not connected to the switch ({self.state.state})")
        return await self._conn.action(name, **fields)

    async def _channel(self, agent: str) -> str:
        """The agent's device: digits are the extension, a username is looked up in the
        ``extensions`` setting and then in the users' ``phone_extension``."""
        extension = agent if agent.isdigit() else self.extensions.get(agent, "")
        if not extension and USERNAME_RE.match(agent):
            from core.db import raw

            try:
                row = await raw.fetchrow(EXTENSION_SQL, agent)
            except Exception:  # no database in this process: only the setting counts
                row = None
            extension = (row or {}).get("phone_extension") or ""
        if not extension:
            raise AmiError(f"no extension known for {agent!r}")
        return self.ami.channel_template.format(extension=extension)

    async def queue_status(self) -> list[Message]:
        """The switch's current queues, members and waiting callers (``QueueStatus``)."""
        return await self._action("QueueStatus")

    async def originate(self, agent: str, number: str, caller_id: str = "") -> str:
        """Ring the agent's phone and, when answered, dial ``number`` (call-back,
        click-to-call); returns the action id (the call appears with OriginateResponse)."""
        fields = {
            "Channel": await self._channel(agent),
            "Exten": number,
            "Context": self.ami.context,
            "Priority": "1",
            "Async": "true",
        }
        if caller_id:
            fields["CallerID"] = caller_id
        response = await self._action("Originate", **fields)
        return response.get("ActionID", "")

    async def transfer(self, call_id: str, target: str, attended: bool = False) -> None:
        """Move the caller of ``call_id`` to ``target`` (``Redirect``), or let the agent
        consult ``target`` first (``Atxfer`` on the agent's channel)."""
        channels = self.mapper.channels.get(call_id)
        if channels is None:
            raise AmiError(f"unknown call {call_id!r}")
        caller, agent = channels
        if attended:
            if not agent:
                raise AmiError(f"call {call_id!r} has no agent to consult")
            await self._action("Atxfer", Channel=agent, Exten=target, Context=self.ami.context)
        else:
            await self._action(
                "Redirect", Channel=caller, Exten=target, Context=self.ami.context, Priority="1"
            )

    async def set_paused(self, agent: str, paused: bool, reason: str = "", queue: str = "") -> None:
        """Pause or unpause an agent in one queue (or all) (``QueuePause``)."""
        fields = {"Interface": await self._channel(agent), "Paused": "true" if paused else "false"}
        if queue:
            fields["Queue"] = queue
        if reason:
            fields["Reason"] = reason
        await self._action("QueuePause", **fields)
