"""The public side's tables: requests for public documents and their history.

The schema is created by the hand-written migration ``diarium_public_…``; these classes
mirror it for Piccolo. Times are epoch seconds (UTC).
"""

from piccolo.columns import JSON, BigInt, Integer, Text, Varchar
from piccolo.table import Table


class DiariumRequest(Table, tablename="diarium_request"):
    """A request for public documents (begäran om allmän handling).

    ``channel``: web | phone | desk | mail | email; ``status``: received | in_progress |
    handed_out | partly_handed_out | refused. The requester may stay anonymous (no name, no
    contact). ``kc_case_number`` is the core case whose SLA timers run the "skyndsamt" clock;
    ``client_key`` is a keyed hash of the web form's client address (the rate limit), never the
    address itself."""

    number = Varchar(length=30, unique=True)
    channel = Varchar(length=10)
    received_at = BigInt()
    registered_at = BigInt(default=0)
    registered_by = Varchar(length=150, default="")
    status = Varchar(length=20, default="received")
    requester_name = Varchar(length=200, default="")
    requester_email = Varchar(length=254, default="")
    requester_address = Varchar(length=500, default="")
    delivery = Varchar(length=10, default="email")
    language = Varchar(length=5, default="sv")
    description = Text(default="")
    document_ref = Varchar(length=60, default="")
    document_id = Integer(null=True, default=None)
    kc_case_number = Varchar(length=40, default="")
    client_key = Varchar(length=64, default="")
    handled_by = Varchar(length=150, default="")
    started_at = BigInt(null=True, default=None)
    decided_at = BigInt(null=True, default=None)
    decided_by = Varchar(length=150, default="")
    outcome = Varchar(length=20, default="")
    provisions = JSON(default="[]")
    decision_reason = Text(default="")
    masked_copy_sha256 = Varchar(length=64, default="")
    decision_sha256 = Varchar(length=64, default="")
    updated_at = BigInt(default=0)


class DiariumRequestEvent(Table, tablename="diarium_request_event"):
    """One step in a request's history (received, started, masked copy, decision, note)."""

    request_id = Integer()
    at = BigInt()
    kind = Varchar(length=20)
    actor = Varchar(length=150, default="")
    text = Text(default="")
    data = JSON(default="{}")


class DiariumRequestedDocument(Table, tablename="diarium_requested_document"):
    """One document a request names, in the order given (``position`` 0 is the request's
    ``document_ref``): the number as asked, the diary document when it exists, what was
    decided for it (handed_out | partly_handed_out | refused) and its masked copy."""

    request_id = Integer()
    position = Integer()
    document_ref = Varchar(length=60)
    document_id = Integer(null=True, default=None)
    outcome = Varchar(length=20, default="")
    masked_copy_sha256 = Varchar(length=64, default="")


TABLES = [DiariumRequest, DiariumRequestEvent, DiariumRequestedDocument]
