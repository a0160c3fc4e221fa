"""Asterisk queue_log lines (the format app_queue writes) into CallEvents."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.queue_log import QueueLogParser, import_file

# A morning of queue_log as Asterisk 18 / FreePBX writes it (time|callid|queue|agent|event|data)
QUEUE_LOG = """\
1764662400|NONE|NONE|NONE|QUEUESTART|
1764662401|NONE|vaxel|PJSIP/4501|ADDMEMBER|
1764666000.123|1764666000.11|vaxel|NONE|DID|+46123450000
1764666000.125|1764666000.11|vaxel|NONE|ENTERQUEUE||0701234567|1
1764666004|1764666000.11|vaxel|PJSIP/4502|RINGNOANSWER|4000
1764666012|1764666000.11|vaxel|PJSIP/4501|CONNECT|12|1764666008.14|3
1764666107|1764666000.11|vaxel|PJSIP/4501|COMPLETECALLER|12|95|1
1764666200|1764666200.21|aldreomsorg|NONE|ENTERQUEUE||+46709876543|1
1764666240|1764666200.21|aldreomsorg|NONE|ABANDON|1|1|40
1764666300|1764666300.31|socialtjanst|NONE|ENTERQUEUE||0705556677|1
1764666600|1764666300.31|socialtjanst|NONE|EXITWITHTIMEOUT|1|1|300
1764666600|1764666300.31|vaxel|NONE|ENTERQUEUE||0705556677|1
1764666630|1764666300.31|vaxel|Karin Holm|CONNECT|30|1764666620.40|2
1764666700|1764666300.31|vaxel|Karin Holm|COMPLETEAGENT|30|70|1
1764666800|1764666800.51|vaxel|NONE|ENTERQUEUE||anonymous|1
1764666810|1764666800.51|vaxel|NONE|EXITWITHKEY|5|1|1|10
"""


def parse(text: str, **kwargs) -> tuple[list[CallEvent], QueueLogParser]:
    parser = QueueLogParser(**kwargs)
    return list(parser.parse(text.splitlines())), parser


def test_answered_call_from_enterqueue_to_complete() -> None:
    events, parser = parse(QUEUE_LOG, agents={"Karin Holm": "karin.holm"})
    assert parser.errors == []
    first = [e for e in events if e.call_id == "1764666000.11"]
    assert [e.kind for e in first] == ["new", "answer", "hangup"]  # RINGNOANSWER is no call event
    new, answer, hangup = first
    assert (new.source, new.at, new.from_number, new.to_number, new.queue) == (
        "ami",
        1764666000.125,
        "0701234567",
        "+46123450000",
        "vaxel",
    )
    assert (answer.at, answer.user, answer.answering_number) == (1764666012, None, "4501")
    assert (hangup.cause, hangup.extra["talk_seconds"]) == ("normalClearing", "95")


def test_abandon_timeout_and_key_exit_end_the_call_with_their_cause() -> None:
    events, _ = parse(QUEUE_LOG, agents={"Karin Holm": "karin.holm"})
    endings = {e.call_id: e.cause for e in events if e.kind == "hangup"}
    assert endings["1764666200.21"] == "abandon"
    assert endings["1764666300.31"] == "noAnswer"  # timed out in socialtjanst ...
    # ... and went on into the switchboard queue, where Karin answered: a call of its own
    assert endings["1764666300.31/vaxel"] == "normalClearing"
    answered = next(e for e in events if e.call_id == "1764666300.31/vaxel" and e.kind == "answer")
    assert answered.user == "karin.holm"
    key_exit = next(e for e in events if e.call_id == "1764666800.51" and e.kind == "hangup")
    assert (key_exit.cause, key_exit.extra["key"]) == ("noAnswer", "5")


def test_unmapped_display_name_is_left_to_the_extension_look_up() -> None:
    events, _ = parse(QUEUE_LOG)
    answer = next(e for e in events if e.call_id == "1764666300.31/vaxel" and e.kind == "answer")
    assert (answer.user, answer.answering_number) == (None, "")


def test_bad_lines_are_reported_by_number_and_the_rest_imported() -> None:
    text = "garbage\n\nyesterday|1|vaxel|NONE|ENTERQUEUE||070|1\n" + "x" * 5000 + "\n" + QUEUE_LOG
    events, parser = parse(text)
    assert [(e.line, e.reason.split(" ")[0]) for e in parser.errors] == [
        (1, "1"), (3, "time"), (4, "line")
    ]  # fmt: skip
    assert len(events) == len(parse(QUEUE_LOG)[0])


async def test_import_file_hands_events_in_order_and_again_the_same(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(QUEUE_LOG, encoding="utf-8")
    received: list[CallEvent] = []

    async def sink(event: CallEvent) -> None:
        received.append(event)

    result = await import_file(path, sink, source="pbx1")
    assert result.events == len(received) == 12 and result.errors == []
    assert {e.source for e in received} == {"pbx1"}
    again = await import_file(path, sink, source="pbx1")
    # identical ids and kinds the second time: service.ingest applies them once
    assert [(e.call_id, e.kind, e.at) for e in received[12:]] == [
        (e.call_id, e.kind, e.at) for e in received[:12]
    ]
    assert again.as_dict()["events"] == 12


async def test_importing_twice_through_ingest_stores_each_event_once(tmp_path: Path, telephony):
    from plugins.telephony_centrex import service

    callid = f"{time.time():.0f}.{uuid.uuid4().int % 10**6}"
    start = time.time() - 3600
    path = tmp_path / "queue_log"
    path.write_text(
        f"{start:.0f}|{callid}|{telephony['group']}|NONE|ENTERQUEUE||0701234567|1\n"
        f"{start + 20:.0f}|{callid}|{telephony['group']}|PJSIP/4501|CONNECT|20|x.1|3\n"
        f"{start + 140:.0f}|{callid}|{telephony['group']}|PJSIP/4501|COMPLETECALLER|20|120|1\n",
        encoding="utf-8",
    )
    stored: list[bool] = []

    async def sink(event: CallEvent) -> None:
        stored.append((await service.ingest(event)).stored)

    await import_file(path, sink, source="qlog", agents={"PJSIP/4501": telephony["agent"]})
    await import_file(path, sink, source="qlog", agents={"PJSIP/4501": telephony["agent"]})
    assert stored == [True, True, True, False, False, False]
    call = await service.get_call("qlog", callid)
    assert (call["outcome"], call["wait_seconds"], call["talk_seconds"]) == ("answered", 20, 120)
    assert call["agent"] == telephony["agent"]


async def test_import_endpoint(client, auth_headers, telephony):
    url = "/api/v1/plugins/telephony_centrex/imports/queue-log"
    callid = f"{time.time():.0f}.{uuid.uuid4().int % 10**6}"
    start = time.time() - 7200
    text = (
        f"{start:.0f}|{callid}|{telephony['group']}|NONE|ENTERQUEUE||0701234567|1\n"
        "not a queue_log line\n"
        f"{start + 40:.0f}|{callid}|{telephony['group']}|NONE|ABANDON|1|1|40\n"
    )
    headers = {**await auth_headers("supervisor"), "Content-Type": "text/plain"}
    response = await client.post(url, content=text.encode(), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == 2 and response.json()["errors"][0]["line"] == 2
    from plugins.telephony_centrex import service

    call = await service.get_call("ami", callid)
    assert (call["outcome"], call["wait_seconds"]) == ("abandoned", 40)
    agent = {**await auth_headers("agent"), "Content-Type": "text/plain"}
    assert (await client.post(url, content=text.encode(), headers=agent)).status_code == 403
