"""Open311 API clients, the notification outbox and the guessing guard of Mina ärenden."""

from piccolo.columns import JSON, BigInt, Boolean, Integer, Text, Varchar
from piccolo.table import Table


class ApiClient(Table, tablename="api_client"):
    """An Open311 client; its API key is stored only as a SHA-256."""

    name = Varchar(length=200)
    key_hash = Varchar(length=64, unique=True, index=True)
    active = Boolean(default=True)
    created_at = BigInt()


class OutboundMessage(Table, tablename="outbound_message"):
    """A notification e-mail, written in the transaction that causes it and sent by the worker.

    status: queued | sent | failed. ``attachments`` counts its rows in ``outbound_attachment``
    (the column and that table come from migration 2026-12-03T12:00:00).
    """

    recipient = Varchar(length=254)
    subject = Varchar(length=300)
    body = Text()
    template = Varchar(length=60)
    language = Varchar(length=5, default="sv")
    case_number = Varchar(length=40, default="", index=True)
    status = Varchar(length=10, default="queued", index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    created_at = BigInt()
    sent_at = BigInt(null=True, default=None)
    headers = JSON(default={})
    attachments = Integer(default=0)


class AccessAttempt(Table, tablename="access_attempt"):
    """Failed Mina ärenden look-ups per client address and case number, for rate limiting
    (``case_number`` and its index come from migration 2026-12-02T03:00:00)."""

    client = Varchar(length=64, index=True)
    at = BigInt(index=True)
    case_number = Varchar(length=40, default="")
