"""The sample plugin's domain logic: items, stored in one audited transaction each."""

from __future__ import annotations

import time
from typing import Any

from core import audit, db, events
from core.contracts import Event
from kt_sample.tables import KtSampleItem


async def add_item(actor: str, text: str, source: str = "api") -> dict[str, Any]:
    """Store an item; audited; a live event goes out after the commit."""
    async with db.transaction():
        row = KtSampleItem(text=text, source=source, created_by=actor, created_at=int(time.time()))
        await row.save()
        audit.record(actor, "kt_sample.item_add", "kt_sample_item", str(row.id), {"text": text})
        item = {"id": row.id, "text": text, "source": source, "created_by": actor}
        db.on_commit(lambda: events.publish(Event("kt_sample.item_added", item)))
    return item


async def list_items(limit: int) -> list[dict[str, Any]]:
    return await (
        KtSampleItem.select(
            KtSampleItem.id, KtSampleItem.text, KtSampleItem.source, KtSampleItem.created_by
        )
        .order_by(KtSampleItem.id)
        .limit(limit)
    )
