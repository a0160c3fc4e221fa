"""``GET /api/v1/health``: the database, the job queue, the e-mail outbox and each plugin's
state."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get

from core import jobs
from core.auth.service import authenticate
from core.clock import iso_utc
from core.db import raw
from core.settings import Settings
from core.web.security import bearer_token

# One query, read from the index on (status, created_at) alone (migration 2026-12-02T04:00:00).
BACKLOG_SQL = (
    "SELECT COUNT(*) AS unsent, MIN(created_at) AS oldest FROM outbound_message "
    "WHERE status IN ('queued', 'sending')"
)


@dataclass(frozen=True)
class OutboxBacklog:
    """The notification e-mails not sent yet, and how long the oldest of them has waited."""

    unsent: int
    oldest_at: int | None  # epoch seconds
    now: int

    @property
    def oldest_age_seconds(self) -> int | None:
        return None if self.oldest_at is None else max(0, self.now - self.oldest_at)

    def backed_up(self, settings: Settings) -> bool:
        """True when the outbox holds too many or too old unsent messages (the settings'
        ``outbox_alert_count`` and ``outbox_alert_minutes``)."""
        age = self.oldest_age_seconds
        return self.unsent >= settings.outbox_alert_count or (
            age is not None and age >= settings.outbox_alert_minutes * 60
        )

    def as_dict(self, settings: Settings) -> dict[str, Any]:
        return {
            "ok": not self.backed_up(settings),
            "unsent": self.unsent,
            "oldest_at": iso_utc(self.oldest_at),
            "oldest_age_seconds": self.oldest_age_seconds,
        }


async def outbox_backlog(now: int | None = None) -> OutboxBacklog:
    """Count the unsent e-mails (queued or being sent) and find the oldest one's time."""
    row = await raw.fetchrow(BACKLOG_SQL) or {}
    oldest = row.get("oldest")
    return OutboxBacklog(
        int(row.get("unsent") or 0),
        None if oldest is None else int(oldest),
        int(time.time()) if now is None else now,
    )


async def database_health() -> tuple[bool, str]:
    from core.plugin_admin.tables import PluginState

    started = time.perf_counter()
    try:
        await PluginState.count()
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, f"{(time.perf_counter() - started) * 1000:.1f} ms"


async def outbox_health(settings: Settings) -> dict[str, Any]:
    """The outbox part of the health answer (``{"ok": false}`` if it cannot be read)."""
    try:
        return (await outbox_backlog()).as_dict(settings)
    except Exception:
        return {"ok": False}


@get(
    "/api/v1/health",
    opt={"public": True},
    tags=["system"],
    summary="Health of the database, job queue and plugins",
)
async def health(request: Request) -> Response[dict[str, Any]]:
    db_ok, db_detail = await database_health()
    queue_ok, queue_detail = jobs.queue_health()
    token = bearer_token(request)
    principal = await authenticate(token) if token and db_ok else None
    details = principal is not None and principal.can("system.health_details")
    plugins = []
    for status in request.app.state.host.statuses():
        item = {"name": status.name, "enabled": status.enabled, "state": status.state}
        if details or status.state in ("not_ready", "bad_credentials", "broken"):
            item["reason"] = status.reason if details else _short(status.state)
        plugins.append(item)
    plugins_ok = all(p["state"] in ("loaded", "disabled") or not p["enabled"] for p in plugins)
    outbox = await outbox_health(request.app.state.settings) if db_ok else {"ok": False}
    healthy = db_ok and queue_ok and plugins_ok and outbox["ok"]
    overall = "ok" if healthy else ("degraded" if db_ok else "down")
    body: dict[str, Any] = {
        "status": overall,
        "database": {"ok": db_ok, **({"detail": db_detail} if details or db_ok else {})},
        "queue": {"ok": queue_ok, **({"detail": queue_detail} if details or queue_ok else {})},
        "outbox": outbox,
        "plugins": plugins,
        "version": request.app.state.version,
    }
    return Response(body, status_code=200 if db_ok else 503)


def _short(state: str) -> str:
    return {
        "not_ready": "not ready, will be retried",
        "bad_credentials": "credentials refused",
        "broken": "failed to load",
    }.get(state, state)
