"""Audit tables. ``at`` is an ISO-8601 UTC text, so the hashed bytes are the stored ones."""

from piccolo.columns import BigInt, Integer, Text, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """One audited event; ``hash`` commits to ``prev_hash`` and every other field."""

    seq = BigInt(unique=True, index=True)
    at = Varchar(length=32, index=True)
    actor = Varchar(length=150, index=True)
    action = Varchar(length=100, index=True)
    object_type = Varchar(length=100, index=True)
    object_id = Varchar(length=100, index=True)
    details = Text()
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)
    signature = Text(null=True, default=None)
    key_id = Integer(null=True, default=None)


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """A signed statement 'the chain had head ``hash`` at ``seq``', written periodically."""

    seq = BigInt(index=True)
    hash = Varchar(length=64)
    at = Varchar(length=32)
    signature = Text()
    key_id = Integer()
