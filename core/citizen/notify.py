"""Notifications by e-mail: rendered from Swedish/English templates into an outbox in the
same transaction as the change that causes them, and sent over SMTP by the worker.

Writing to the outbox inside the transaction means no notification is lost when the API
crashes, and none is sent for a change that was rolled back.

Sending claims a batch first (``queued`` -> ``sending``, with the claim time in ``sent_at``)
so that several workers never send the same message twice; a claim older than
:data:`STALE_CLAIM_S` (a worker died mid-batch) goes back to the queue. SMTP itself runs in a
thread so the event loop stays free. A message the server refuses is retried on later runs
and marked ``failed`` after :data:`MAX_ATTEMPTS`; an unreachable server changes nothing.

A message may carry files (``queue(..., attachments=[(filename, mime, bytes)])``), stored
with it in the same transaction and sent as MIME parts (:mod:`core.citizen.mail_attachments`:
limits, safe names); the sender reads them only for messages that have any.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
import time
from collections.abc import Iterable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from core import audit, db
from core.citizen import mail_attachments
from core.citizen.mail_attachments import Attachment
from core.citizen.mail_attachments import AttachmentRefused as AttachmentRefused  # re-exported
from core.citizen.tables import OutboundMessage
from core.db import raw
from core.i18n import LANGUAGES, language
from core.secrets import keystore
from core.settings import Settings

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates" / "mail"
SMTP_PASSWORD = "smtp-password"
MAX_ATTEMPTS = 5
STALE_CLAIM_S = 15 * 60
SMTP_TIMEOUT_S = 20
STATUS_PAGE_PATH = "/mina-arenden"

CORE_OWNER = "core"
LANGS = LANGUAGES  # the languages a template may be in


class TemplateClash(ValueError):
    """Two owners (the core, plugins) offer a mail template of the same name."""


class UnknownTemplate(LookupError):
    """No registered directory holds a mail template of that name."""


def _environment(directory: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(directory),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the code: no stat() per message
    )


#: template name -> (owner, its directory's environment); the core's own are always there.
_templates: dict[str, tuple[str, Environment]] = {}


def _names_in(directory: Path) -> list[str]:
    """The template names in ``directory`` (``<name>.<sv|en>.txt``)."""
    names = set()
    for file in directory.glob("*.txt"):
        name, _, lang = file.name[: -len(".txt")].rpartition(".")
        if name and lang in LANGS:
            names.add(name)
    return sorted(names)


def register_templates(owner: str, directory: Path) -> list[str]:
    """Make the mail templates in ``directory`` (``<name>.sv.txt``, ``<name>.en.txt``) known
    under ``owner`` (the core or a plugin's name); returns their names.

    A name the same owner registered before is replaced (a plugin loaded again); a name
    another owner already registered raises :class:`TemplateClash` and registers nothing: a
    plugin never silently overrides the core's or another plugin's template.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"mail template directory {directory} does not exist")
    names = _names_in(directory)
    clashes = [
        f"{name!r} (already from {_templates[name][0]})"
        for name in names
        if name in _templates and _templates[name][0] != owner
    ]
    if clashes:
        raise TemplateClash(
            f"mail templates of {owner} in {directory} clash with registered ones: "
            + ", ".join(clashes)
        )
    env = _environment(directory)
    for name in names:
        _templates[name] = (owner, env)
    return names


def unregister_templates(owner: str) -> None:
    """Forget the mail templates of ``owner`` (a plugin unloaded); the core's stay."""
    if owner == CORE_OWNER:
        return
    for name in [n for n, (o, _) in _templates.items() if o == owner]:
        del _templates[name]


def template_owners() -> dict[str, str]:
    """Every registered mail template name and who registered it."""
    return {name: owner for name, (owner, _) in sorted(_templates.items())}


register_templates(CORE_OWNER, TEMPLATES)
_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Give the module the settings of this process (municipality name, public URL)."""
    global _settings
    _settings = settings


def current_settings() -> Settings:
    if _settings is None:
        raise RuntimeError("core.citizen.notify is not configured")
    return _settings


def status_url(settings: Settings | None = None) -> str:
    """The address of Mina ärenden, as citizens reach it (``public_url`` when set)."""
    settings = settings or _settings
    if settings is None:
        return STATUS_PAGE_PATH
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    return base + STATUS_PAGE_PATH


def render(template: str, lang: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of ``<template>.<lang>.txt``; the first line is the subject.

    The template comes from whoever registered the name (the core or a loaded plugin); an
    unregistered name raises :class:`UnknownTemplate`. A template without the language
    falls back to Swedish.
    """
    lang = language(lang)
    found = _templates.get(template)
    if found is None:
        raise UnknownTemplate(
            f"no mail template {template!r}: neither the core nor a loaded plugin registers it "
            f"(registered: {', '.join(sorted(_templates))})"
        )
    env = found[1]
    municipality = _settings.municipality_name if _settings else "Kommunen"
    try:
        loaded = env.get_template(f"{template}.{lang}.txt")
    except TemplateNotFound:
        loaded = env.get_template(f"{template}.sv.txt")
    text = loaded.render(municipality=municipality, **context)
    subject, _, body = text.partition("\n")
    return " ".join(subject.split())[:300], body.lstrip("\n")


async def queue(
    recipient: str,
    template: str,
    lang: str,
    case_number: str = "",
    *,
    attachments: Iterable[tuple[str, str, bytes]] | None = None,
    **context: Any,
) -> int:
    """Render and put a message in the outbox (inside the caller's transaction); returns its id.

    ``attachments`` are ``(filename, mime, content)`` files sent with it; beyond
    :data:`~core.citizen.mail_attachments.MAX_COUNT` files or
    :data:`~core.citizen.mail_attachments.MAX_TOTAL_BYTES` in all they raise
    :class:`AttachmentRefused` and nothing is queued.
    """
    recipient = recipient.strip()
    if not recipient or "\n" in recipient or "\r" in recipient:
        raise ValueError(f"not a usable recipient: {recipient!r}")
    files = mail_attachments.checked(attachments)
    subject, body = render(template, lang, case_number=case_number, **context)
    row: dict[str, Any] = {
        "recipient": recipient[:254],
        "subject": subject,
        "body": body,
        "template": template,
        "language": language(lang),
        "case_number": case_number,
        "created_at": int(time.time()),
    }
    if files:
        row["attachments"] = len(files)
    message_id = await raw.insert("outbound_message", row)
    if files:
        await mail_attachments.store(message_id, files)
    return message_id


async def queue_feedback(case_row: dict[str, Any], recipient: str, text: str) -> None:
    """Återkoppling to the citizen (called by ``record_feedback`` in its transaction)."""
    await queue(
        recipient,
        "feedback",
        case_row.get("language", "sv"),
        case_row["number"],
        subject=case_row["subject"],
        text=text,
    )


async def queue_escalation(case_row: dict[str, Any], recipients: list[str], kind: str) -> None:
    """SLA warning (``kind="warning"``) or breach (``"breach"``) to the escalation chain."""
    for recipient in recipients:
        await queue(
            recipient,
            f"sla_{kind}",
            "sv",
            case_row["number"],
            due=case_row.get("resolution_due") or case_row.get("first_response_due"),
        )


async def queue_receipt(
    case_row: dict[str, Any], recipient: str, access_code: str, url: str | None = None
) -> None:
    """The receipt of a new case with its access code and a link to Mina ärenden."""
    await queue(
        recipient,
        "receipt",
        case_row.get("language", "sv"),
        case_row["number"],
        subject=case_row["subject"],
        access_code=access_code,
        status_url=url or status_url(),
    )


# -- sending -------------------------------------------------------------------------------
def _connect(settings: Settings) -> smtplib.SMTP:
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S)
    try:
        if settings.smtp_starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            client.login(
                settings.smtp_username,
                keystore.require(SMTP_PASSWORD, "run 'kontakt secrets set smtp-password'"),
            )
    except BaseException:
        with contextlib.suppress(Exception):
            client.close()
        raise
    return client


def _quit(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        with contextlib.suppress(Exception):
            client.close()


def build_message(
    settings: Settings, row: dict[str, Any], attachments: list[Attachment] | None = None
) -> EmailMessage:
    """The MIME message of an outbox row and its ``attachments`` (raises ValueError for
    unusable header values)."""
    message = EmailMessage()
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    local = settings.mail_from.rpartition("@")[0] or settings.mail_from
    message["From"] = Address(f"Kontaktcenter {settings.municipality_name}", local, domain)
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message["Content-Language"] = row["language"] or "sv"
    if row["case_number"]:
        message["X-Kontakt-Case"] = row["case_number"]
    extra = raw.json_column(row.get("headers"), {}) or {}
    for name, value in extra.items():
        if isinstance(name, str) and isinstance(value, str) and name.lower().startswith("x-"):
            message[name] = value
    message.set_content(row["body"])
    mail_attachments.add_to(message, attachments or [])
    return message


async def _attachments(row: dict[str, Any]) -> list[Attachment]:
    """The files of an outbox row (no query for a row without any); raises ValueError when
    some recorded are missing, so the message is never sent without them."""
    expected = int(row.get("attachments") or 0)
    if not expected:
        return []
    files = await mail_attachments.of_message(row["id"])
    if len(files) != expected:
        raise ValueError(f"{expected} attachments recorded, {len(files)} stored")
    return files


async def _claim(limit: int, now: int) -> list[dict[str, Any]]:
    """Take up to ``limit`` queued messages for this worker (and requeue stale claims)."""
    async with db.transaction():
        await OutboundMessage.update(
            {OutboundMessage.status: "queued", OutboundMessage.sent_at: None}
        ).where(
            (OutboundMessage.status == "sending") & (OutboundMessage.sent_at < now - STALE_CLAIM_S)
        )
        candidates = (
            await OutboundMessage.select(OutboundMessage.id)
            .where(OutboundMessage.status == "queued")
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
        if not candidates:
            return []
        claimed = (
            await OutboundMessage.update(
                {OutboundMessage.status: "sending", OutboundMessage.sent_at: now}
            )
            .where(
                OutboundMessage.id.is_in([c["id"] for c in candidates])
                & (OutboundMessage.status == "queued")
            )
            .returning(OutboundMessage.id)
        )
    ids = [c["id"] for c in claimed]
    if not ids:
        return []
    return (
        await OutboundMessage.select()
        .where(OutboundMessage.id.is_in(ids))
        .order_by(OutboundMessage.id)
    )


async def _release(ids: list[int]) -> None:
    """Put claimed messages back in the queue untouched (the server was unreachable)."""
    if ids:
        async with db.transaction():
            await OutboundMessage.update(
                {OutboundMessage.status: "queued", OutboundMessage.sent_at: None}
            ).where(OutboundMessage.id.is_in(ids) & (OutboundMessage.status == "sending"))


async def _mark(
    row: dict[str, Any], error: str | None, files: list[Attachment] | None = None
) -> bool:
    """Record the outcome of one attempt; returns True when the message is now failed. The
    audit entry of a message with attachments names them (file name, type, size)."""
    attempts = row["attempts"] + 1
    now = int(time.time())
    async with db.transaction():
        if error is None:
            await OutboundMessage.update(
                {
                    OutboundMessage.status: "sent",
                    OutboundMessage.sent_at: now,
                    OutboundMessage.attempts: attempts,
                    OutboundMessage.last_error: "",
                }
            ).where(OutboundMessage.id == row["id"])
            details: dict[str, Any] = {"template": row["template"], "case": row["case_number"]}
            if files:
                details["attachments"] = mail_attachments.summary(files)
            audit.record("system", "mail.sent", "outbound_message", row["id"], details)
            return False
        failed = attempts >= MAX_ATTEMPTS
        await OutboundMessage.update(
            {
                OutboundMessage.status: "failed" if failed else "queued",
                OutboundMessage.sent_at: None,
                OutboundMessage.attempts: attempts,
                OutboundMessage.last_error: error[:2000],
            }
        ).where(OutboundMessage.id == row["id"])
        audit.record(
            "system",
            "mail.failed" if failed else "mail.retry",
            "outbound_message",
            row["id"],
            {"template": row["template"], "case": row["case_number"], "attempt": attempts},
        )
        return failed


async def send_pending(settings: Settings, limit: int = 100) -> dict[str, int]:
    """Send queued messages over SMTP; returns counts of ``sent``, ``retry`` and ``failed``.

    Without ``smtp_host`` nothing is sent (the messages stay queued).
    """
    result = {"sent": 0, "retry": 0, "failed": 0}
    if not settings.smtp_host:
        return result
    rows = await _claim(limit, int(time.time()))
    if not rows:
        return result
    client: smtplib.SMTP | None = None
    done: list[int] = []
    try:
        for row in rows:
            if client is None:
                try:
                    client = await asyncio.to_thread(_connect, settings)
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning(
                        "SMTP %s:%s unreachable: %s", settings.smtp_host, settings.smtp_port, exc
                    )
                    break
            error: str | None = None
            files: list[Attachment] = []
            try:
                files = await _attachments(row)
                message = build_message(settings, row, files)
            except Exception as exc:  # a row that cannot become a message fails alone
                message, error = None, f"unusable message: {type(exc).__name__}: {exc}"
            try:
                if message is not None:
                    await asyncio.to_thread(client.send_message, message)
            except smtplib.SMTPServerDisconnected as exc:
                client = None  # reconnect for the next message; this one is retried
                error = f"disconnected: {exc}"
            except (smtplib.SMTPException, ValueError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
                    _quit(client)
                    client = None
            failed = await _mark(row, error, files)
            done.append(row["id"])
            if error is None:
                result["sent"] += 1
            else:
                log.warning("mail %s to %s: %s", row["id"], row["recipient"], error)
                result["failed" if failed else "retry"] += 1
    finally:
        await asyncio.to_thread(_quit, client)
        await _release([row["id"] for row in rows if row["id"] not in done])
    return result
