"""The core's periodic housekeeping tasks (plain sync functions run by the worker)."""

from __future__ import annotations

import time
from typing import Any

from core import db
from core.audit import chain
from core.auth.tables import AuthToken
from core.jobs import run_async


def write_audit_checkpoint() -> dict[str, Any] | None:
    """Sign the current audit chain head into ``audit_checkpoint`` (periodic task).

    Returns the checkpoint row, or None when the chain is empty or the newest checkpoint
    already covers the head (nothing was appended since).
    """

    async def go() -> dict[str, Any] | None:
        async with db.transaction():
            return await chain.checkpoint(skip_unchanged=True)

    return run_async(go())


def purge_expired_tokens() -> int:
    """Delete login tokens that expired more than a day ago; returns how many."""

    async def go() -> int:
        cutoff = int(time.time()) - 86400
        async with db.transaction():
            gone = (
                await AuthToken.delete()
                .where(AuthToken.expires_at < cutoff)
                .returning(AuthToken.id)
            )
        return len(gone)

    return run_async(go())


def sla_sweep() -> dict[str, Any]:
    """Find cases that crossed a warning or due line since the last run (every minute).

    Only with Redis: on one box the API process sweeps, because only it can deliver the
    live events (see core.cases.sweep.run_forever)."""
    from core.cases import service as cases
    from core.cases.sweep import sweep

    if not cases.current_settings().redis_url:
        return {"skipped": "the API process sweeps on one box"}
    result = run_async(sweep(cases.plugin_host()))
    return {
        "examined": result.examined,
        "warnings": len(result.warnings),
        "breaches": len(result.breaches),
    }


def send_mail() -> dict[str, int]:
    """Send the queued notification e-mails over SMTP (every minute)."""
    from core.citizen import notify

    return run_async(notify.send_pending(notify.current_settings()))
