"""Audit trail: append-only, hash-chained, signed; written in the transaction it records."""

from core.audit.recorder import record, record_read

__all__ = ["record", "record_read"]
