"""Registering documents (inkommande, upprättade, utgående) with the fields OSL 5:2 requires:
the number taken gap-free from the series (or the case file), the date received or drawn up,
the counterpart and the brief content, each as a public and a protected text."""

from __future__ import annotations

from typing import Any


async def register(
    actor: str,
    *,
    series_code: str,
    case_file_id: int | None = None,
    direction: str,
    document_date: str,
    counterpart_public: str = "",
    counterpart_protected: str = "",
    public_text: str = "",
    protected_text: str = "",
    document_type: str = "",
    files: list[tuple[str, str, str]] | None = None,
    draft_id: int | None = None,
    secrecy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Register a document: takes its number (in the case file, or a series number when it
    stands alone), links ``files`` ((filename, sha256, role) of stored blobs), optionally
    marks it secret (``secrecy``: provision, authority, reason, date) — one transaction,
    audited. Returns the document as :func:`get` shows it to a registrator."""
    raise NotImplementedError


async def get(document_id: int, principal: Any) -> dict[str, Any]:
    """One document as ``principal`` may see it: protected text and counterpart only with
    ``diarium.secret``; a secret-marked document carries its ``secrecy`` warning and every
    read of it is audited."""
    raise NotImplementedError
