"""The core's periodic housekeeping tasks (plain sync functions run by the worker)."""

from __future__ import annotations

import time
from typing import Any

from core import db
from core.audit import chain
from core.auth.tables import AuthToken
from core.jobs import run_async


def write_audit_checkpoint() -> dict[str, Any] | None:
    """Sign the current audit chain head into ``audit_checkpoint``."""

    async def go() -> dict[str, Any] | None:
        async with db.transaction():
            return await chain.checkpoint()

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
