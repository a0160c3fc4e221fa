"""Drafts made by the intake's own service from text (no OCR), as the diarium's and the
desktop's tests make them."""

from __future__ import annotations

import time
import uuid
from typing import Any


async def make_draft(
    text: str,
    source: str = "upload",
    filename: str = "brev.pdf",
    mime: str = "application/pdf",
    **extra: Any,
) -> dict[str, Any]:
    """A new draft (its view), made by ``drafts.create`` with a key of its own."""
    from plugins.diarium.intake import drafts

    draft, created = await drafts.create(
        drafts.NewDraft(
            source=source,
            source_key=f"test:{uuid.uuid4().hex}",
            received_at=int(time.time()),
            filename=filename,
            mime=mime,
            text=text,
            **extra,
        ),
        "test",
    )
    assert created
    return draft
