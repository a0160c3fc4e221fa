"""The intake's table: drafts of incoming post waiting for the registrator.

The schema is created by the hand-written migration ``diarium_intake_…`` (unique source key,
partial indexes); this class mirrors it for Piccolo. Times are epoch seconds (UTC). The
personnummer found in a draft's text are kept only encrypted (``personnummer_encrypted``, a
JSON list under the core's field key) and shown masked; the stored text has them masked too.
"""

from piccolo.columns import JSON, BigInt, Boolean, Integer, Text, Varchar
from piccolo.table import Table

from core.secrets import fields

PERSONNUMMER_CONTEXT = "diarium_draft.personnummer_encrypted"


class DiariumDraft(Table, tablename="diarium_draft"):
    """One incoming item. ``source``: scan | upload | mail; ``status``: new | registered |
    discarded; ``mail_state``: '' (not a mail) | inbox | taken | filed."""

    source = Varchar(length=10)
    source_key = Varchar(length=300, unique=True)
    status = Varchar(length=12, default="new")
    received_at = BigInt(default=0)
    received_date = Varchar(length=10, default="")
    filename = Varchar(length=255, default="")
    mime = Varchar(length=100, default="")
    original_sha256 = Varchar(length=64, default="")
    pdfa_sha256 = Varchar(length=64, default="")
    files = JSON(default="[]")
    content_text = Text(default="")
    search_text = Text(default="")
    pages = Integer(default=0)
    ocr_ms = Integer(default=0)
    letter_date = Varchar(length=10, default="")
    suggested_sender = Varchar(length=300, default="")
    sender_email = Varchar(length=254, default="")
    suggested_subject = Varchar(length=500, default="")
    barcodes = JSON(default="[]")
    suggested_case_number = Varchar(length=40, default="")
    series_code = Varchar(length=20, default="")
    case_file_id = Integer(null=True, default=None)
    document_type = Varchar(length=120, default="")
    note = Varchar(length=1000, default="")
    has_personnummer = Boolean(default=False)
    personnummer_masked = JSON(default="[]")
    personnummer_encrypted = Text(default="")
    mail_message_id = Varchar(length=998, default="")
    mail_uidvalidity = BigInt(null=True, default=None)
    mail_uid = BigInt(null=True, default=None)
    mail_state = Varchar(length=10, default="")
    receipt_to = Varchar(length=254, default="")
    receipt_language = Varchar(length=5, default="sv")
    document_id = Integer(null=True, default=None)
    document_number = Varchar(length=50, default="")
    registered_at = BigInt(null=True, default=None)
    registered_by = Varchar(length=150, default="")
    discarded_at = BigInt(null=True, default=None)
    discarded_by = Varchar(length=150, default="")
    discard_reason = Varchar(length=500, default="")
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    updated_at = BigInt(default=0)


TABLES = [DiariumDraft]

fields.register(
    fields.EncryptedField(DiariumDraft, "personnummer_encrypted", None, PERSONNUMMER_CONTEXT)
)
