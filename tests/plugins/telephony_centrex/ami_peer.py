"""An Asterisk Manager Interface peer for the tests: a real TCP server speaking AMI.

Asterisk is not packaged in Debian here, so the AMI driver is tested against this peer. It is
not a mock of the driver: it speaks the protocol as Asterisk 16-20 does (the banner
``Asterisk Call Manager/<version>``, ``Action``/``Response``/``Event`` blocks of ``Key: Value``
lines ended by a blank line, ``ActionID`` echoed, list actions answered with
``EventList: start`` … ``EventList: Complete``) and replays the event sequences Asterisk sends
for queue calls, with the fields its documentation lists (the channel snapshot of
``Channel``, ``ChannelState``, ``CallerIDNum`` … ``Uniqueid``, ``Linkedid``, and
``Dest*`` for the agent's leg). See https://docs.asterisk.org/Asterisk_20_Documentation/
API_Documentation/AMI_Events/ for each event's fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field

from plugins.telephony_centrex.drivers.ami import Message, encode, parse_block

BANNER = b"Asterisk Call Manager/7.0.3\r\n"
_ids = itertools.count(1)


def channel_snapshot(
    channel: str, uniqueid: str, linkedid: str, number: str, exten: str, state: str = "6"
) -> Message:
    """The channel fields Asterisk puts in every channel event, in its order."""
    desc = {"0": "Down", "4": "Ring", "5": "Ringing", "6": "Up"}[state]
    return {
        "Channel": channel,
        "ChannelState": state,
        "ChannelStateDesc": desc,
        "CallerIDNum": number or "<unknown>",
        "CallerIDName": "<unknown>",
        "ConnectedLineNum": "<unknown>",
        "ConnectedLineName": "<unknown>",
        "Language": "sv",
        "AccountCode": "",
        "Context": "from-trunk",
        "Exten": exten,
        "Priority": "1",
        "Uniqueid": uniqueid,
        "Linkedid": linkedid,
    }


def _dest(snapshot: Message) -> Message:
    return {f"Dest{key}": value for key, value in snapshot.items()}


@dataclass
class Call:
    """One inbound call into a queue, with the ids Asterisk would give its legs."""

    caller: str
    queue: str
    exten: str = "4500"
    uniqueid: str = field(default_factory=lambda: f"1764633600.{next(_ids)}")
    trunk: str = field(default_factory=lambda: f"PJSIP/telia-{next(_ids):08x}")

    def caller_leg(self, state: str = "6") -> Message:
        return channel_snapshot(
            self.trunk, self.uniqueid, self.uniqueid, self.caller, self.exten, state
        )

    def agent_leg(self, extension: str, state: str = "6") -> Message:
        snap = channel_snapshot(
            f"PJSIP/{extension}-{next(_ids):08x}",
            f"{self.uniqueid}1",
            self.uniqueid,
            extension,
            self.exten,
            state,
        )
        snap["Context"] = "from-queue"
        return snap

    def joined(self) -> list[Message]:
        """The caller dials in and joins the queue (``Newchannel``, ``QueueCallerJoin``)."""
        return [
            {"Event": "Newchannel", "Privilege": "call,all", **self.caller_leg("4")},
            {
                "Event": "QueueCallerJoin",
                "Privilege": "agent,all",
                **self.caller_leg(),
                "Queue": self.queue,
                "Position": "1",
                "Count": "1",
            },
        ]

    def answered(
        self, extension: str, member: str, hold: int = 12, talk: int = 95
    ) -> list[Message]:
        """An agent is rung and answers, talks and the caller hangs up."""
        caller, agent = self.caller_leg(), self.agent_leg(extension)
        interface = f"PJSIP/{extension}"
        member_fields = {"Queue": self.queue, "Interface": interface, "MemberName": member}
        return [
            {"Event": "Newchannel", "Privilege": "call,all", **self.agent_leg(extension, "0")},
            {"Event": "AgentCalled", "Privilege": "agent,all", **caller, **_dest(agent),
             **member_fields},
            {"Event": "DialBegin", "Privilege": "call,all", **caller, **_dest(agent),
             "DialString": extension},
            {"Event": "DialEnd", "Privilege": "call,all", **caller, **_dest(agent),
             "DialStatus": "ANSWER"},
            {"Event": "AgentConnect", "Privilege": "agent,all", **caller, **_dest(agent),
             **member_fields, "HoldTime": str(hold), "RingTime": "4"},
            {"Event": "QueueCallerLeave", "Privilege": "agent,all", **caller,
             "Queue": self.queue, "Count": "0", "Position": "1"},
            {"Event": "AgentComplete", "Privilege": "agent,all", **caller, **_dest(agent),
             **member_fields, "HoldTime": str(hold), "TalkTime": str(talk), "Reason": "caller"},
            {"Event": "Hangup", "Privilege": "call,all", **agent, "Cause": "16",
             "Cause-txt": "Normal Clearing"},
            {"Event": "Hangup", "Privilege": "call,all", **caller, "Cause": "16",
             "Cause-txt": "Normal Clearing"},
        ]  # fmt: skip

    def abandoned(self, hold: int = 40) -> list[Message]:
        """The caller gives up while waiting."""
        caller = self.caller_leg()
        return [
            {"Event": "QueueCallerAbandon", "Privilege": "agent,all", **caller,
             "Queue": self.queue, "Position": "1", "OriginalPosition": "1",
             "HoldTime": str(hold)},
            {"Event": "QueueCallerLeave", "Privilege": "agent,all", **caller,
             "Queue": self.queue, "Count": "0", "Position": "1"},
            {"Event": "Hangup", "Privilege": "call,all", **caller, "Cause": "16",
             "Cause-txt": "Normal Clearing"},
        ]  # fmt: skip


class AmiPeer:
    """The server: ``await peer.start()``, then ``peer.port``; ``send`` replays events to
    every logged-in client, ``drop()`` cuts the connections, ``actions`` records what the
    clients asked for. ``waiting`` are the callers ``QueueStatus`` reports."""

    def __init__(self, username: str = "kontakt", secret: str = "hemligt") -> None:
        self.username = username
        self.secret = secret
        self.port = 0
        self.actions: list[Message] = []
        self.waiting: list[Call] = []
        self.logins = 0
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._logged_in = asyncio.Condition()

    async def start(self) -> AmiPeer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop(self) -> None:
        """Cut every client connection, as a switch restart or a network failure would."""
        for writer in list(self._clients):
            writer.transport.abort()
        self._clients.clear()

    async def wait_logins(self, count: int, seconds: float = 10) -> None:
        async with self._logged_in:
            await asyncio.wait_for(self._logged_in.wait_for(lambda: self.logins >= count), seconds)

    async def send(self, events: list[Message]) -> None:
        for writer in list(self._clients):
            for event in events:
                writer.write(encode(event))
            await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        authenticated = False
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                action = parse_block(raw)
                self.actions.append(action)
                name = action.get("Action", "").lower()
                reply = {"ActionID": action.get("ActionID", "")}
                if name == "login":
                    if (action.get("Username"), action.get("Secret")) != (
                        self.username,
                        self.secret,
                    ):
                        writer.write(encode({"Response": "Error", **reply,
                                             "Message": "Authentication failed"}))  # fmt: skip
                        await writer.drain()
                        return  # Asterisk closes the session after a failed login
                    authenticated = True
                    writer.write(encode({"Response": "Success", **reply,
                                         "Message": "Authentication accepted"}))  # fmt: skip
                    writer.write(encode({"Event": "FullyBooted", "Privilege": "system,all",
                                         "Uptime": "1000", "LastReload": "1000",
                                         "Status": "Fully Booted"}))  # fmt: skip
                    self._clients.add(writer)
                    async with self._logged_in:
                        self.logins += 1
                        self._logged_in.notify_all()
                elif not authenticated:
                    writer.write(encode({"Response": "Error", **reply,
                                         "Message": "Permission denied"}))  # fmt: skip
                else:
                    self._answer(writer, name, action, reply)
                await writer.drain()
        finally:
            self._clients.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    def _answer(
        self, writer: asyncio.StreamWriter, name: str, action: Message, reply: Message
    ) -> None:
        ok = {"Response": "Success", **reply}
        if name == "events":
            writer.write(encode({**ok, "Events": "On"}))
        elif name == "queuestatus":
            writer.write(encode({**ok, "EventList": "start",
                                 "Message": "Queue status will follow"}))  # fmt: skip
            queues = sorted({call.queue for call in self.waiting})
            items = [
                {"Event": "QueueParams", "Queue": q, "Max": "0", "Strategy": "ringall",
                 "Calls": str(sum(c.queue == q for c in self.waiting)), "Holdtime": "30",
                 "TalkTime": "120", "Completed": "0", "Abandoned": "0", "ServiceLevel": "120",
                 "ServicelevelPerf": "0.0", "Weight": "0", **reply}
                for q in queues
            ]  # fmt: skip
            for position, call in enumerate(self.waiting, 1):
                leg = call.caller_leg()
                items.append(
                    {"Event": "QueueEntry", "Queue": call.queue, "Position": str(position),
                     "Channel": leg["Channel"], "Uniqueid": call.uniqueid,
                     "CallerIDNum": call.caller, "CallerIDName": "<unknown>",
                     "ConnectedLineNum": "<unknown>", "ConnectedLineName": "<unknown>",
                     "Wait": "25", "Priority": "0", **reply}
                )  # fmt: skip
            for item in items:
                writer.write(encode(item))
            writer.write(encode({"Event": "QueueStatusComplete", **reply, "EventList": "Complete",
                                 "ListItems": str(len(items))}))  # fmt: skip
        elif name == "originate":
            writer.write(encode({**ok, "Message": "Originate successfully queued"}))
            uniqueid = f"1764633700.{next(_ids)}"
            writer.write(encode({"Event": "OriginateResponse", "Privilege": "call,all", **reply,
                                 "Response": "Success", "Channel": action.get("Channel", ""),
                                 "Context": action.get("Context", ""),
                                 "Exten": action.get("Exten", ""), "Reason": "4",
                                 "Uniqueid": uniqueid, "CallerIDNum": "4500",
                                 "CallerIDName": "Ekeby kommun"}))  # fmt: skip
        elif name == "redirect":
            writer.write(encode({**ok, "Message": "Redirect successful"}))
        elif name == "atxfer":
            writer.write(encode({**ok, "Message": "Atxfer successfully queued"}))
        elif name == "queuepause":
            if not action.get("Interface"):
                writer.write(encode({"Response": "Error", **reply,
                                     "Message": "Need 'Interface' parameter."}))  # fmt: skip
            else:
                writer.write(encode({**ok, "Message": "Interface paused successfully"}))
        elif name == "ping":
            writer.write(encode({**ok, "Ping": "Pong", "Timestamp": "1764633600.000000"}))
        else:
            writer.write(
                encode({"Response": "Error", **reply, "Message": "Invalid/unknown command"})
            )
