"""Notifications by e-mail: rendered from Swedish/English templates into an outbox in the
same transaction as the change that causes them, and sent over SMTP by the worker.

Writing to the outbox inside the transaction means no notification is lost when the API
crashes, and none is sent for a change that was rolled back.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from core import db
from core.citizen.tables import OutboundMessage
from core.secrets import keystore
from core.settings import Settings

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates" / "mail"
SMTP_PASSWORD = "smtp-password"
MAX_ATTEMPTS = 5

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)
_settings: Settings | None = None


def configure(settings: Settings) -> None:
    global _settings
    _settings = settings


def render(template: str, lang: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of ``<template>.<lang>.txt``; the first line is the subject."""
    lang = lang if lang in ("sv", "en") else "sv"
    municipality = _settings.municipality_name if _settings else "Kommunen"
    text = _env.get_template(f"{template}.{lang}.txt").render(municipality=municipality, **context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")


async def queue(
    recipient: str, template: str, lang: str, case_number: str = "", **context: Any
) -> None:
    """Render and put a message in the outbox (inside the caller's transaction)."""
    subject, body = render(template, lang, case_number=case_number, **context)
    await OutboundMessage.insert(
        OutboundMessage(
            recipient=recipient,
            subject=subject,
            body=body,
            template=template,
            language=lang,
            case_number=case_number,
            created_at=int(time.time()),
        )
    )


async def queue_feedback(case_row: dict[str, Any], recipient: str, text: str) -> None:
    await queue(
        recipient,
        "feedback",
        case_row.get("language", "sv"),
        case_row["number"],
        subject=case_row["subject"],
        text=text,
    )


async def queue_escalation(case_row: dict[str, Any], recipients: list[str], kind: str) -> None:
    for recipient in recipients:
        await queue(
            recipient,
            f"sla_{kind}",
            "sv",
            case_row["number"],
            due=case_row.get("resolution_due") or case_row.get("first_response_due"),
        )


async def queue_receipt(
    case_row: dict[str, Any], recipient: str, access_code: str, status_url: str
) -> None:
    await queue(
        recipient,
        "receipt",
        case_row.get("language", "sv"),
        case_row["number"],
        subject=case_row["subject"],
        access_code=access_code,
        status_url=status_url,
    )


def _smtp(settings: Settings) -> smtplib.SMTP:
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
    if settings.smtp_starttls:
        client.starttls(context=ssl.create_default_context())
    if settings.smtp_username:
        client.login(
            settings.smtp_username,
            keystore.require(SMTP_PASSWORD, "run 'kontakt secrets set smtp-password'"),
        )
    return client


async def send_pending(settings: Settings, limit: int = 100) -> dict[str, int]:
    """Send queued messages over SMTP; failures are retried up to MAX_ATTEMPTS times."""
    if not settings.smtp_host:
        return {"sent": 0, "failed": 0}
    rows = (
        await OutboundMessage.select()
        .where(OutboundMessage.status == "queued")
        .order_by(OutboundMessage.id)
        .limit(limit)
    )
    sent = failed = 0
    if not rows:
        return {"sent": 0, "failed": 0}
    client = _smtp(settings)
    try:
        for row in rows:
            message = EmailMessage()
            message["From"] = settings.mail_from
            message["To"] = row["recipient"]
            message["Subject"] = row["subject"]
            message["Message-ID"] = make_msgid(domain=settings.mail_from.split("@")[-1])
            if row["case_number"]:
                message["X-Kontakt-Case"] = row["case_number"]
            message.set_content(row["body"])
            try:
                client.send_message(message)
            except smtplib.SMTPException as exc:
                failed += 1
                attempts = row["attempts"] + 1
                async with db.transaction():
                    await OutboundMessage.update(
                        {
                            OutboundMessage.attempts: attempts,
                            OutboundMessage.last_error: str(exc),
                            OutboundMessage.status: "failed"
                            if attempts >= MAX_ATTEMPTS
                            else "queued",
                        }
                    ).where(OutboundMessage.id == row["id"])
                continue
            sent += 1
            async with db.transaction():
                await OutboundMessage.update(
                    {
                        OutboundMessage.status: "sent",
                        OutboundMessage.sent_at: int(time.time()),
                        OutboundMessage.attempts: row["attempts"] + 1,
                    }
                ).where(OutboundMessage.id == row["id"])
    finally:
        with contextlib.suppress(smtplib.SMTPException):
            client.quit()
    return {"sent": sent, "failed": failed}


def current_settings() -> Settings:
    if _settings is None:
        raise RuntimeError("core.citizen.notify is not configured")
    return _settings
