"""The AMI driver against a real AMI peer over TCP (Asterisk is not packaged in Debian here)."""

from __future__ import annotations

import asyncio
import time

import pytest

from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.drivers.ami import AmiDriver, AmiError
from plugins.telephony_centrex.drivers.base import Backoff, Capability
from tests.plugins.telephony_centrex.ami_peer import AmiPeer, Call


class Received:
    """An async ``on_event`` (like ``service.ingest``) that keeps what it got."""

    def __init__(self) -> None:
        self.events: list[CallEvent] = []
        self._changed = asyncio.Event()

    async def __call__(self, event: CallEvent) -> None:
        await asyncio.sleep(0)
        self.events.append(event)
        self._changed.set()

    async def wait(self, count: int, seconds: float = 5) -> list[CallEvent]:
        async def enough() -> None:
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(enough(), seconds)
        return self.events

    def kinds(self) -> list[tuple[str, str]]:
        return [(e.call_id, e.kind) for e in self.events]


@pytest.fixture
async def peer():
    server = await AmiPeer().start()
    yield server
    await server.close()


def ami_driver(port: int, secret: str = "hemligt") -> AmiDriver:
    """A driver for the peer on ``port`` with quick reconnects."""
    made = AmiDriver(
        {
            "ami_host": "127.0.0.1",
            "ami_port": port,
            "ami_username": "kontakt",
            "ami_secret": secret,
            "extensions": {"anna.lindqvist": "4501"},
        }
    )
    made.backoff = Backoff(initial=0.05, maximum=0.2)
    return made


@pytest.fixture
async def driver(peer):
    received = Received()
    made = ami_driver(peer.port)
    made.received = received  # type: ignore[attr-defined]
    await made.start(received)
    await made.wait_connected()
    yield made
    await made.stop()


async def test_login_and_an_answered_call_become_new_answer_hangup(peer, driver) -> None:
    assert driver.state.state == "connected"
    assert [a["Action"] for a in peer.actions[:3]] == ["Login", "Events", "QueueStatus"]
    assert peer.actions[0]["Username"] == "kontakt"
    call = Call(caller="+46701234567", queue="vaxel")
    await peer.send(call.joined() + call.answered("4501", "anna.lindqvist", hold=12, talk=95))
    new, answer, hangup = await driver.received.wait(3)
    await asyncio.sleep(0.05)
    assert len(driver.received.events) == 3  # agent leg, dial and bridge events are not calls
    assert {e.call_id for e in (new, answer, hangup)} == {call.uniqueid}
    assert (new.kind, new.from_number, new.to_number, new.queue) == (
        "new",
        "+46701234567",
        "4500",
        "vaxel",
    )
    assert (answer.kind, answer.user, answer.answering_number) == (
        "answer",
        "anna.lindqvist",
        "4501",
    )
    assert (hangup.kind, hangup.cause, hangup.source) == ("hangup", "normalClearing", "ami")


async def test_an_abandoned_call_hangs_up_once_with_cause_abandon(peer, driver) -> None:
    call = Call(caller="0701112233", queue="aldreomsorg")
    await peer.send(call.joined() + call.abandoned())
    events = await driver.received.wait(2)
    await asyncio.sleep(0.05)
    assert [(e.kind, e.cause) for e in driver.received.events] == [
        ("new", ""),
        ("hangup", "abandon"),
    ]
    assert events[1].queue == "aldreomsorg"


async def test_actions_reach_the_switch_with_asterisk_fields(peer, driver) -> None:
    action_id = await driver.originate(
        "anna.lindqvist", "0701234567", caller_id="Ekeby kommun <4500>"
    )
    sent = peer.actions[-1]
    assert sent["ActionID"] == action_id
    assert (sent["Action"], sent["Channel"], sent["Exten"], sent["Context"]) == (
        "Originate",
        "PJSIP/4501",
        "0701234567",
        "from-internal",
    )
    out = (await driver.received.wait(1))[0]  # OriginateResponse: an outgoing call exists
    assert (out.kind, out.direction, out.to_number) == ("new", "out", "0701234567")

    call = Call(caller="+46701234567", queue="vaxel")
    await peer.send(call.joined() + call.answered("4502", "fartun.ali")[:5])  # in conversation
    await driver.received.wait(3)
    await driver.transfer(call.uniqueid, "4503")
    redirect = peer.actions[-1]
    assert (redirect["Action"], redirect["Channel"], redirect["Exten"]) == (
        "Redirect",
        call.trunk,
        "4503",
    )
    await driver.transfer(call.uniqueid, "4504", attended=True)
    atxfer = peer.actions[-1]
    assert atxfer["Action"] == "Atxfer" and atxfer["Channel"].startswith("PJSIP/4502-")
    with pytest.raises(AmiError):
        await driver.transfer("no-such-call", "4503")
    with pytest.raises(AmiError):
        await driver.set_paused("nobody.known", True)
    await driver.set_paused("anna.lindqvist", True, reason="Lunch", queue="vaxel")
    assert {
        k: peer.actions[-1][k] for k in ("Action", "Interface", "Paused", "Queue", "Reason")
    } == {
        "Action": "QueuePause",
        "Interface": "PJSIP/4501",
        "Paused": "true",
        "Queue": "vaxel",
        "Reason": "Lunch",
    }
    status = driver.describe()
    assert status["state"] == "connected" and "click_to_call" in status["capabilities"]
    assert driver.can(Capability.QUEUE_CONTROL) and not driver.can(Capability.PARK)


async def test_a_dropped_connection_reconnects_and_catches_up_on_waiting_calls(
    peer, driver
) -> None:
    early = Call(caller="+46708889900", queue="vaxel")
    await peer.send(early.joined())
    await driver.received.wait(1)
    peer.drop()
    await asyncio.sleep(0.01)
    assert driver.state.state == "disconnected"
    with pytest.raises(AmiError):
        await driver.originate("4501", "0701234567")
    # a call joins while the driver is away: QueueStatus after the new login reports it
    missed = Call(caller="+46707776655", queue="socialtjanst")
    peer.waiting.append(missed)
    await peer.wait_logins(2)
    await driver.wait_connected()
    events = await driver.received.wait(2)
    assert (events[1].call_id, events[1].kind, events[1].queue) == (
        missed.uniqueid,
        "new",
        "socialtjanst",
    )
    assert events[1].at <= time.time() - 24  # backdated by the reported wait (25 s)
    # the session works again: the early call is answered and ended
    await peer.send(early.answered("4505", "erik.johansson"))
    await driver.received.wait(4)
    assert driver.received.kinds()[2:] == [(early.uniqueid, "answer"), (early.uniqueid, "hangup")]
    assert driver.connects == 2


async def test_missing_credentials_are_not_ready() -> None:
    from core.contracts import PluginNotReady

    with pytest.raises(PluginNotReady):
        AmiDriver({"ami_host": "127.0.0.1", "ami_username": "kontakt"}).check_config()


async def test_wrong_secret_is_auth_failed_and_not_retried(peer) -> None:
    bad = ami_driver(peer.port, secret="fel")
    await bad.start(Received())
    for _ in range(200):
        if bad.state.state == "auth_failed":
            break
        await asyncio.sleep(0.01)
    assert bad.state.state == "auth_failed"
    assert "Authentication failed" in bad.describe()["last_error"]
    await asyncio.sleep(0.1)
    assert sum(a.get("Action") == "Login" for a in peer.actions) == 1
    await bad.stop()


async def test_unreachable_switch_backs_off_and_connects_when_it_appears() -> None:
    probe = await AmiPeer().start()
    port = probe.port
    await probe.close()  # nothing listens on this port now
    late = ami_driver(port)
    await late.start(Received())
    await asyncio.sleep(0.2)
    assert late.state.state == "disconnected" and "Error" in late.describe()["last_error"]
    assert late.state.attempts >= 2
    peer = AmiPeer()
    peer.port = port
    await peer.start()
    try:
        await late.wait_connected(5)
        assert late.state.state == "connected" and late.state.attempts == 0
    finally:
        await late.stop()
        await peer.close()


async def test_an_ami_stream_through_ingest_makes_the_same_calls_as_the_webhook(
    peer, telephony
) -> None:
    from plugins.telephony_centrex import service

    made = ami_driver(peer.port)
    await made.start(service.ingest)
    try:
        await made.wait_connected()
        answered = Call(caller="070-123 45 67", queue=telephony["group"])
        gone = Call(caller="+46709876543", queue=telephony["group"])
        await peer.send(answered.joined() + gone.joined())
        await peer.send(answered.answered("4501", telephony["agent"], hold=12, talk=95))
        await peer.send(gone.abandoned())
        for _ in range(200):
            if made.state.events >= 5:
                break
            await asyncio.sleep(0.02)
        assert made.state.events == 5
        call = await service.get_call("ami", answered.uniqueid)
        assert (call["state"], call["outcome"], call["agent"]) == ("ended", "answered",
                                                                    telephony["agent"])  # fmt: skip
        assert call["caller"] == "+46701234567" and call["answer_group"] == telephony["group"]
        abandoned = await service.get_call("ami", gone.uniqueid)
        assert abandoned["outcome"] == "abandoned" and abandoned["contact_number"]
        # the same events again (a replay after a reconnect) change nothing
        await peer.send(answered.joined() + gone.abandoned())
        await asyncio.sleep(0.2)
        assert await service.event_count("ami", answered.uniqueid) == 3
        assert (await service.get_call("ami", gone.uniqueid))["contact_number"] == abandoned[
            "contact_number"
        ]
        # an agent given by username is found by the user's phone extension
        from core import db
        from core.db import raw

        async with db.transaction():
            await raw.fetch("UPDATE kc_user SET phone_extension = ? WHERE username = ?", "4517",
                            telephony["agent"])  # fmt: skip
        try:
            await made.set_paused(telephony["agent"], True, reason="Möte")
            assert peer.actions[-1]["Interface"] == "PJSIP/4517"
        finally:
            async with db.transaction():
                await raw.fetch("UPDATE kc_user SET phone_extension = ? WHERE username = ?", "",
                                telephony["agent"])  # fmt: skip
    finally:
        await made.stop()
