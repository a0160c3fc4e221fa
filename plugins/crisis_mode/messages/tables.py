"""The messages area's tables, mirroring the hand-written migration (times epoch seconds).

``CrisisMessage.status``: open | cancelled. ``CrisisMessageVersion.status``: draft | approved |
superseded | rejected; ``msg_type`` (CAP) Alert | Update once approved. ``CrisisMessageLog
.action``: drafted | edited | approved | rejected | superseded | cancelled | published.
"""

from piccolo.columns import JSON, BigInt, Boolean, Integer, Text, Varchar
from piccolo.table import Table


class CrisisMessage(Table, tablename="crisis_message"):
    """One message series: a CAP alert with its updates until it is cancelled."""

    status = Varchar(length=10, default="open")
    exercise = Boolean(default=False)
    event_id = Integer(null=True, default=None)
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    cancelled_by = Varchar(length=150, null=True, default=None)
    cancelled_at = BigInt(null=True, default=None)
    cancel_note = Varchar(length=1000, default="")
    cancel_identifier = Varchar(length=200, null=True, default=None)


class CrisisMessageVersion(Table, tablename="crisis_message_version"):
    """One version of a message with its CAP fields and approval."""

    message_id = Integer()
    version = Integer()
    status = Varchar(length=12, default="draft")
    event_id = Integer(null=True, default=None)
    category = Varchar(length=12, default="Safety")
    event_type = Varchar(length=120, default="")
    response_type = Varchar(length=12, default="")
    urgency = Varchar(length=12, default="Immediate")
    severity = Varchar(length=12, default="Severe")
    certainty = Varchar(length=12, default="Observed")
    area_desc = Varchar(length=300, default="")
    web = Varchar(length=500, default="")
    expires_at = BigInt(null=True, default=None)
    authors = JSON(default=[])
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    updated_by = Varchar(length=150, default="")
    updated_at = BigInt(default=0)
    approved_by = Varchar(length=150, null=True, default=None)
    approved_at = BigInt(null=True, default=None)
    rejected_by = Varchar(length=150, null=True, default=None)
    rejected_at = BigInt(null=True, default=None)
    reject_reason = Varchar(length=1000, default="")
    superseded_at = BigInt(null=True, default=None)
    msg_type = Varchar(length=10, null=True, default=None)
    cap_identifier = Varchar(length=200, null=True, default=None)


class CrisisMessageText(Table, tablename="crisis_message_text"):
    """A version's text in one language (title, body, instruction, the IVR's words)."""

    version_id = Integer()
    language = Varchar(length=8)
    title = Varchar(length=300)
    body = Text()
    instruction = Text(default="")
    ivr_text = Text(default="")


class CrisisMessageLog(Table, tablename="crisis_message_log"):
    """One step of a message's life (the record of its versions and approvals)."""

    message_id = Integer()
    version_id = Integer(null=True, default=None)
    at = BigInt(default=0)
    actor = Varchar(length=150, default="")
    action = Varchar(length=20)
    event_id = Integer(null=True, default=None)
    detail = JSON(default={})


class CrisisMessageArticle(Table, tablename="crisis_message_article"):
    """The knowledge-base article (script or FAQ, per language) a message series keeps."""

    message_id = Integer()
    kind = Varchar(length=10)
    language = Varchar(length=8)
    article_id = Integer()
    version_id = Integer(null=True, default=None)
