"""Secrecy marking (sekretessmarkering): the OSL provision, the date and the authority; shown
as a warning on every view of the document or case file, every read of it audited."""

from __future__ import annotations


async def is_marked(document_id: int) -> bool:
    """Whether the document (or its case file) carries a secrecy marking in force."""
    raise NotImplementedError
