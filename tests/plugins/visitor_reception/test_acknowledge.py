"""The host acknowledges a visitor's arrival (only their own, once, audited); a visitor whose
host has not acknowledged within ``host_ack_minutes`` is reminded to the reception once: the
live event to desk holders and an e-mail to ``reception_email`` through the core outbox,
delivered to a real SMTP server. Nothing for acknowledged visits, nor with 0 minutes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from core import db, events, jobs
from core.citizen import notify
from core.db import raw
from plugins.visitor_reception import acknowledge, runtime
from tests.conftest import ROLE_PASSWORD
from tests.core.test_events import _login, _next, _open
from tests.plugins.visitor_reception.conftest import BASE
from tests.plugins.visitor_reception.test_visits import check_in
from tests.support.smtp import SmtpServer, mail_worker

RECEPTION_MAIL = "reception@ekeby.example"


async def host_headers(client) -> dict[str, str]:
    login = await client.post(
        "/api/v1/auth/login", json={"username": "vr-host", "password": ROLE_PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def reminded_at(number: str) -> Any:
    row = await raw.fetchrow(
        "SELECT reception_reminded_at FROM visitor_visit WHERE number = ?", number
    )
    return row["reception_reminded_at"]


async def test_only_the_host_acknowledges_once_and_it_is_audited(client, auth_headers, reception):
    number = (await check_in(client, reception))["visit"]["number"]
    url = f"{BASE}/visits/{number}/acknowledge"
    other = await auth_headers("case_officer")  # a host, but not this visit's
    refused = await client.post(url, headers=other)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    swedish = await client.post(url, headers={**other, "Accept-Language": "sv"})
    assert "värd" in swedish.text
    assert (await client.post(url, headers=await auth_headers("it_admin"))).status_code == 403

    host = await host_headers(client)
    first = await client.post(url, headers=host)
    assert first.status_code == 200, first.text
    at = first.json()["host_acknowledged_at"]
    assert at and abs(at - time.time()) < 60 and first.json()["number"] == number
    second = await client.post(url, headers=host)
    assert second.status_code == 200 and second.json()["host_acknowledged_at"] == at
    entries = await raw.fetch(
        "SELECT actor FROM audit_entry WHERE action = 'reception.acknowledged' AND object_id = ?",
        number,
    )
    assert [e["actor"] for e in entries] == ["vr-host"]  # the second call changed nothing
    desk = await auth_headers("reception")
    shown = await client.get(f"{BASE}/visits/{number}", headers=desk)
    assert shown.json()["host_acknowledged_at"] == at

    missing = await client.post(f"{BASE}/visits/B2026-99999/acknowledge", headers=host)
    assert missing.status_code == 404
    bad = await client.post(f"{BASE}/visits/nonsense/acknowledge", headers=host)
    assert bad.status_code == 400
    await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)


async def test_an_unacknowledged_visitor_is_reminded_to_the_reception_once(
    client, auth_headers, reception, settings, monkeypatch
):
    published: list[Any] = []
    real_publish = events.publish

    def recording(event):
        published.append(event)
        real_publish(event)

    monkeypatch.setattr(events, "publish", recording)
    waiting = (await check_in(client, reception))["visit"]["number"]
    answered = (await check_in(client, reception, visitor_name="Bo Berg"))["visit"]["number"]
    host = await host_headers(client)
    ack = await client.post(f"{BASE}/visits/{answered}/acknowledge", headers=host)
    assert ack.status_code == 200
    later = int(time.time()) + 11 * 60

    monkeypatch.setitem(runtime.CONFIG, "host_ack_minutes", 0)
    monkeypatch.setitem(runtime.CONFIG, "reception_email", RECEPTION_MAIL)
    assert await acknowledge.remind(later) == 0  # off
    assert await reminded_at(waiting) is None

    monkeypatch.setitem(runtime.CONFIG, "host_ack_minutes", 10)
    assert await acknowledge.remind(int(time.time())) == 0  # not yet ten minutes
    assert await acknowledge.remind(later) >= 1
    assert await reminded_at(waiting) == later
    assert await reminded_at(answered) is None  # the host acknowledged
    assert await acknowledge.remind(later + 600) == 0  # never twice

    mine = [e for e in published if e.type == acknowledge.EVENT]
    assert [e.data["visit_number"] for e in mine if e.data["visit_number"] == waiting] == [waiting]
    event = next(e for e in mine if e.data["visit_number"] == waiting)
    assert event.users == () and event.data["host"] == "Vera Värdsson"
    assert "Ada" not in str(event.data)  # no visitor's name on the desks' screens
    assert events.visible_to(
        {"type": event.type, "users": []}, "reception-user", frozenset({"reception.desk"})
    )
    assert not events.visible_to(
        {"type": event.type, "users": []}, "vr-host", frozenset({"reception.host"})
    )
    entry = await raw.fetchrow(
        "SELECT actor, details FROM audit_entry WHERE action = 'reception.host_not_acknowledged' "
        "ORDER BY seq DESC"
    )
    assert entry["actor"] == "system" and waiting in entry["details"]
    assert '"count":' in entry["details"].replace(" ", "")

    with SmtpServer() as smtp:
        sent = await notify.send_pending(settings.replace(smtp_host=smtp.host, smtp_port=smtp.port))
        assert sent["sent"] >= 1
        mail = smtp.wait_for(lambda m: RECEPTION_MAIL in m.rcpt_tos and waiting in m["Subject"])
    assert "Vera Värdsson" in mail["Subject"] and "har inte kvitterat" in mail["Subject"]
    assert "10 minuter" in mail.text and "Plan 3, rum 301" in mail.text
    assert "Ada" not in mail.text
    reminders = await raw.fetch(
        "SELECT recipient FROM outbound_message WHERE template = ? AND subject LIKE ?",
        acknowledge.TEMPLATE,
        f"%{waiting}%",
    )
    assert len(reminders) == 1

    desk = await auth_headers("reception")
    for number in (waiting, answered):
        await client.post(f"{BASE}/visits/{number}/sign-out", headers=desk)


async def test_the_workers_reminder_reaches_the_desk_live_and_by_mail(
    client, reception, role_users, auth_headers, server_factory, relay_socket, tmp_path
):
    """Through the real scheduler path: ``kontakt worker`` runs the periodic reminder, its
    live event reaches a desk holder's websocket on a real API process (Redis pub/sub, or on
    one box the relay socket), and the worker's own mail task delivers the e-mail."""
    socket = relay_socket
    relay = {"KONTAKT_LIVE_RELAY_SOCKET": str(socket)}
    server = server_factory(relay)
    waiting = (await check_in(client, reception, visitor_name="Gun Grön"))["visit"]["number"]
    async with db.transaction():
        await raw.fetch(
            "UPDATE visitor_visit SET checked_in_at = ? WHERE number = ? RETURNING id",
            int(time.time()) - 120,
            waiting,
        )
    desk = await _open(server, await _login(server, role_users["reception"]))
    with SmtpServer() as smtp:
        env = {
            **relay,
            "PYTHONUNBUFFERED": "1",
            "KONTAKT_PLUGIN_VISITOR_RECEPTION_HOST_ACK_MINUTES": "1",
            "KONTAKT_PLUGIN_VISITOR_RECEPTION_RECEPTION_EMAIL": RECEPTION_MAIL,
        }
        try:
            async with mail_worker(smtp, tmp_path / "worker.log", env, ("worker",)) as worker:
                deadline = time.monotonic() + 60
                while "worker started" not in worker.log():
                    assert worker.proc.poll() is None and time.monotonic() < deadline, worker.log()
                    await asyncio.sleep(0.2)
                jobs.enqueue_periodic_now("visitor_reception.host_reminder")
                message = await _next(desk)
                while message["data"].get("visit_number") != waiting:
                    message = await _next(desk)
                assert message["type"] == acknowledge.EVENT and "Gun" not in str(message["data"])
                jobs.enqueue_periodic_now("core.send_mail")
                mail = smtp.wait_for(
                    lambda m: RECEPTION_MAIL in m.rcpt_tos and waiting in m["Subject"]
                )
                assert "Gun" not in mail.text
        finally:
            await desk.close()
    assert await reminded_at(waiting) is not None
    await client.post(f"{BASE}/visits/{waiting}/sign-out", headers=await auth_headers("reception"))
