"""A job the worker process runs in the e-mail tests: it queues the diarium's receipt for a
request, which renders the plugin's own template in the worker (so it must have been
registered there when the worker loaded the plugin)."""

from __future__ import annotations

import os


def queue_receipt(request_id: int, recipient: str) -> str:
    """Queue the receipt of request ``request_id`` to ``recipient``; returns its number. The
    audit entry's actor names this process (``worker-test-<pid>``)."""
    from core import db
    from core.jobs import run_async
    from plugins.diarium.public import mail, requests

    async def go() -> str:
        found = await requests.row(request_id)
        named = (await requests.documents_of([request_id]))[request_id]
        async with db.transaction():
            await mail.queue_receipt(
                f"worker-test-{os.getpid()}",
                {**found, "requester_email": recipient},
                [d["document_ref"] for d in named],
            )
        return found["number"]

    return run_async(go())
