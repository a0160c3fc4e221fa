"""The outbox on its own: durable entries in order, a refused entry kept aside, an
unreachable server stopping the flush with everything still on disk."""

from __future__ import annotations

import asyncio
import json

from desktop.api.errors import ApiError, Unreachable
from desktop.api.outbox import Outbox


def test_entries_survive_a_new_process_in_the_order_saved(tmp_path):
    first = Outbox(tmp_path)
    # many in the same millisecond: their order is still the order saved
    keys = [first.put({"channel": "phone", "summary": f"nr {n}"}).key for n in range(50)]
    again = Outbox(tmp_path)  # as after a restart of the client
    assert [entry.key for entry in again.entries()] == keys
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    assert json.loads(again.entries()[0].path.read_text())["body"]["summary"] == "nr 0"


def test_flush_stops_at_an_unreachable_server_and_keeps_everything(tmp_path):
    outbox = Outbox(tmp_path)
    for n in range(3):
        outbox.put({"summary": str(n)})
    calls = []

    async def send(body, key):
        calls.append(body["summary"])
        if len(calls) == 2:
            raise Unreachable("connection refused")
        return {"contact": {"number": body["summary"]}}

    result = asyncio.run(outbox.flush(send))
    assert calls == ["0", "1"]
    assert list(result.sent.values()) == [{"contact": {"number": "0"}}]
    assert result.waiting == 2 and len(outbox) == 2


def test_a_refused_entry_moves_aside_with_the_reason_and_the_rest_goes_on(tmp_path):
    outbox = Outbox(tmp_path)
    bad = outbox.put({"summary": "bad"})
    outbox.put({"summary": "good"})

    async def send(body, key):
        if body["summary"] == "bad":
            raise ApiError(400, {"detail": "Okänd ärendetyp"})
        return {"ok": key}

    result = asyncio.run(outbox.flush(send))
    assert [entry.key for entry in result.failed] == [bad.key]
    assert len(outbox) == 0
    kept = outbox.failed()
    assert [(entry.key, entry.error) for entry in kept] == [(bad.key, "Okänd ärendetyp")]


def test_a_busy_server_is_retried_later_not_refused(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.put({"summary": "x"})

    async def send(body, key):
        raise ApiError(503, {"detail": "busy"})

    result = asyncio.run(outbox.flush(send))
    assert result.failed == [] and result.waiting == 1 and outbox.failed() == []


def test_two_flushes_at_once_send_each_entry_once(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.put({"summary": "once"})
    sent = []

    async def send(body, key):
        sent.append(key)
        await asyncio.sleep(0.01)
        return {}

    async def both():
        await asyncio.gather(outbox.flush(send), outbox.flush(send))

    asyncio.run(both())
    assert len(sent) == 1
