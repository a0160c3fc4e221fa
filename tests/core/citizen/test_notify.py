"""E-mail notifications against a real SMTP server: receipts with the access code, feedback,
SLA escalation, refused recipients retried then failed, and the worker's send task."""

from __future__ import annotations

from core import db, jobs
from core.cases.tables import Case
from core.citizen import notify
from tests.core.citizen.conftest import open_case
from tests.support.smtp import SmtpServer, mail_worker, outbox, unique_email, wait_until_sent


def mail_settings(settings, smtp: SmtpServer):
    return settings.replace(smtp_host=smtp.host, smtp_port=smtp.port)


async def test_receipt_with_access_code_is_sent_and_opens_mina_arenden(
    client, settings, auth_headers, citizen_org, as_client
):
    agent = await auth_headers("agent")
    email = unique_email("anna")
    created = await open_case(
        client,
        agent,
        citizen_org.public_type,
        subject="Trasig gunga",
        party={"kind": "person", "name": "Anna", "email": email},
    )
    number, code = created["case"]["number"], created["access_code"]
    [queued] = await outbox(number)
    assert queued["status"] == "queued" and queued["template"] == "receipt"
    with SmtpServer() as smtp:
        result = await notify.send_pending(mail_settings(settings, smtp))
        assert result["sent"] >= 1
        mail = smtp.wait_for(lambda m: email in m.rcpt_tos)
    assert mail["To"] == email
    assert mail["Subject"] == f"Vi har tagit emot ditt ärende {number}"
    assert mail["X-Kontakt-Case"] == number and mail["Auto-Submitted"] == "auto-generated"
    assert "Kontaktcenter" in mail["From"] and settings.mail_from in mail["From"]
    assert code in mail.text and "/mina-arenden" in mail.text and "Trasig gunga" in mail.text
    [sent] = await outbox(number)
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["sent_at"]
    # the code in the e-mail opens the case on Mina ärenden
    page = await as_client().post("/mina-arenden", data={"number": number, "code": code})
    assert page.status_code == 200 and "Mottaget" in page.text


async def test_feedback_and_english_receipt(client, settings, auth_headers, citizen_org):
    agent = await auth_headers("agent")
    email = unique_email("john")
    created = await open_case(
        client,
        agent,
        citizen_org.public_type,
        language="en",
        party={"kind": "person", "name": "John", "email": email, "preferred_language": "en"},
    )
    number = created["case"]["number"]
    feedback = await client.post(
        f"/api/v1/cases/{number}/feedback",
        json={"channel": "email", "text": "The swing is repaired."},
        headers=agent,
    )
    assert feedback.status_code == 200, feedback.text
    with SmtpServer() as smtp:
        await notify.send_pending(mail_settings(settings, smtp))
        receipt = smtp.wait_for(lambda m: email in m.rcpt_tos and "received" in m["Subject"])
        answer = smtp.wait_for(lambda m: email in m.rcpt_tos and "Feedback" in m["Subject"])
    assert receipt["Subject"] == f"We have received your case {number}"
    assert answer["Subject"] == f"Feedback on case {number}"
    assert "The swing is repaired." in answer.text
    assert {m["status"] for m in await outbox(number)} == {"sent"}


async def test_swedish_feedback_subject(client, settings, auth_headers, citizen_org):
    agent = await auth_headers("agent")
    email = unique_email("sven")
    created = await open_case(
        client, agent, citizen_org.public_type, party={"kind": "person", "email": email}
    )
    number = created["case"]["number"]
    await client.post(
        f"/api/v1/cases/{number}/feedback",
        json={"channel": "email", "text": "Gungan är lagad."},
        headers=agent,
    )
    with SmtpServer() as smtp:
        await notify.send_pending(mail_settings(settings, smtp))
        answer = smtp.wait_for(lambda m: email in m.rcpt_tos and "Återkoppling" in m["Subject"])
    assert answer["Subject"] == f"Återkoppling i ärende {number}"
    assert "Gungan är lagad." in answer.text


async def test_sla_escalation_mail(client, settings, auth_headers, citizen_org):
    agent = await auth_headers("agent")
    number = (await open_case(client, agent, citizen_org.public_type))["case"]["number"]
    row = await Case.select().where(Case.number == number).first()
    boss = unique_email("chef")
    async with db.transaction():
        await notify.queue_escalation(row, [boss], "breach")
        await notify.queue_escalation(row, [boss], "warning")
    with SmtpServer() as smtp:
        await notify.send_pending(mail_settings(settings, smtp))
        breach = smtp.wait_for(lambda m: boss in m.rcpt_tos and "Eskalering" in m["Subject"])
        warning = smtp.wait_for(lambda m: boss in m.rcpt_tos and "Varning" in m["Subject"])
    assert breach["Subject"] == f"Eskalering: ärende {number} har passerat utlovad tid"
    assert warning["Subject"] == f"Varning: ärende {number} närmar sig utlovad tid"


async def test_refused_recipient_is_retried_then_failed(
    client, settings, auth_headers, citizen_org
):
    agent = await auth_headers("agent")
    refused, fine = unique_email("gone"), unique_email("here")
    bad = (
        await open_case(
            client, agent, citizen_org.public_type, party={"kind": "person", "email": refused}
        )
    )["case"]["number"]
    good = (
        await open_case(
            client, agent, citizen_org.public_type, party={"kind": "person", "email": fine}
        )
    )["case"]["number"]
    with SmtpServer(refuse={refused}) as smtp:
        cfg = mail_settings(settings, smtp)
        first = await notify.send_pending(cfg)
        assert first["retry"] >= 1
        smtp.wait_for(lambda m: fine in m.rcpt_tos)
        [row] = await outbox(bad)
        assert row["status"] == "queued" and row["attempts"] == 1 and "550" in row["last_error"]
        for _ in range(notify.MAX_ATTEMPTS - 1):
            await notify.send_pending(cfg)
        assert smtp.refusals.count(refused) == notify.MAX_ATTEMPTS
        assert smtp.to(refused) == []
    [row] = await outbox(bad)
    assert row["status"] == "failed" and row["attempts"] == notify.MAX_ATTEMPTS
    assert [r["status"] for r in await outbox(good)] == ["sent"]


async def test_unreachable_server_changes_nothing(client, settings, auth_headers, citizen_org):
    agent = await auth_headers("agent")
    email = unique_email("wait")
    number = (
        await open_case(
            client, agent, citizen_org.public_type, party={"kind": "person", "email": email}
        )
    )["case"]["number"]
    smtp = SmtpServer().start()
    port = smtp.port
    smtp.stop()  # nothing listens there now
    result = await notify.send_pending(settings.replace(smtp_host="127.0.0.1", smtp_port=port))
    assert result == {"sent": 0, "retry": 0, "failed": 0}
    [row] = await outbox(number)
    assert row["status"] == "queued" and row["attempts"] == 0 and row["sent_at"] is None
    # without an SMTP host nothing is sent either
    assert await notify.send_pending(settings) == {"sent": 0, "retry": 0, "failed": 0}


async def test_worker_sends_mail_through_its_periodic_task(
    client, settings, auth_headers, citizen_org, tmp_path
):
    agent = await auth_headers("agent")
    email = unique_email("worker")
    number = (
        await open_case(
            client, agent, citizen_org.public_type, party={"kind": "person", "email": email}
        )
    )["case"]["number"]
    with SmtpServer() as smtp:
        jobs.enqueue_periodic_now("core.send_mail")
        async with mail_worker(smtp, tmp_path / "worker.log"):
            mail = smtp.wait_for(lambda m: email in m.rcpt_tos, timeout=90)
            await wait_until_sent(number)
    assert mail["Subject"] == f"Vi har tagit emot ditt ärende {number}"
    assert (await outbox(number))[0]["status"] == "sent"
