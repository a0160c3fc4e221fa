"""``GET /api/v1/health``: the database, the job queue and each plugin's state."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, Response, get

from core import jobs
from core.auth.service import authenticate
from core.web.security import bearer_token


async def database_health() -> tuple[bool, str]:
    from core.plugin_admin.tables import PluginState

    started = time.perf_counter()
    try:
        await PluginState.count()
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, f"{(time.perf_counter() - started) * 1000:.1f} ms"


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
    overall = "ok" if db_ok and queue_ok and plugins_ok else ("degraded" if db_ok else "down")
    body: dict[str, Any] = {
        "status": overall,
        "database": {"ok": db_ok, **({"detail": db_detail} if details or db_ok else {})},
        "queue": {"ok": queue_ok, **({"detail": queue_detail} if details or queue_ok else {})},
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
