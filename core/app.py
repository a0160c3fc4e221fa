"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import gc
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from core import db, events, live_relay
from core.audit.api import AuditController
from core.auth.api import AuthController, UserController
from core.cases import sweep as sla_sweep
from core.cases.api import (
    CallbackController,
    CaseController,
    ContactController,
    PartyHistoryController,
)
from core.citizen import api as citizen_api
from core.citizen import status_page as citizen_status_page
from core.citizen.open311 import Open311Controller
from core.health import health
from core.knowledge.api import KnowledgeController, PublicKnowledgeController
from core.org.api import OrgController
from core.parties.api import PartyController
from core.plugin_admin.api import PluginController
from core.plugin_admin.runtime import plugin_routers, start_retry, stop_retry
from core.reports.api import ReportController
from core.runtime import Runtime
from core.sla.api import AgreementController, CalendarController
from core.web import live, openapi, pages
from core.web.options import fix_allow_headers
from core.web.problems import EXCEPTION_HANDLERS
from core.web.security import (
    SCHEMA_PATH,
    TokenAuthMiddleware,
    check_routes,
    permission_guard,
)

log = logging.getLogger(__name__)

CORE_ROUTES: list[Any] = [
    ContactController,
    CaseController,
    CallbackController,
    PartyHistoryController,
    PartyController,
    OrgController,
    AuthController,
    UserController,
    PluginController,
    AuditController,
    health,
    live.events_socket,
    live.post_notice,
    KnowledgeController,
    PublicKnowledgeController,
    CalendarController,
    AgreementController,
    *citizen_status_page.ROUTES,
    Open311Controller,
    *citizen_api.ROUTES,
    ReportController,
    *pages.ROUTES,
]


def app_version() -> str:
    try:
        return version("kontaktcenter")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(runtime: Runtime) -> Litestar:
    """Build the web app for a bootstrapped runtime (see :func:`core.runtime.bootstrap`)."""
    settings, host = runtime.settings, runtime.host
    channels = events.make_channels(settings)

    async def on_startup(app: Litestar) -> None:
        db.bind_tables()
        await db.open_pool()
        await host.call_async("startup", app=app, settings=settings)
        start_retry(app)
        # Everything built so far lives as long as the process: keep it out of the cyclic
        # garbage collector's full collections, which would otherwise stall every request.
        gc.collect()
        gc.freeze()
        relay = events.relay_path()
        if relay is not None:  # one box: the live events of the worker and the CLI
            app.state.live_relay = await live_relay.listen(relay, events.deliver_relayed)
        if not settings.redis_url and settings.sla_sweep_seconds > 0:
            # one box: sweep here, where the live events are
            app.state.sla_sweeper = asyncio.create_task(
                sla_sweep.run_forever(host, settings.sla_sweep_seconds)
            )

    async def on_shutdown(app: Litestar) -> None:
        sweeper = getattr(app.state, "sla_sweeper", None)
        if sweeper is not None:
            sweeper.cancel()
        relay = events.relay_path()
        if relay is not None:
            live_relay.close(getattr(app.state, "live_relay", None), relay)
        try:
            await stop_retry(app)
            await host.call_async("shutdown", app=app)
        finally:
            await db.close_pool()

    app = Litestar(
        route_handlers=[*CORE_ROUTES, *plugin_routers(host)],
        guards=[permission_guard],
        middleware=[
            DefineMiddleware(
                TokenAuthMiddleware, exclude_from_auth_key="public", exclude=[SCHEMA_PATH]
            )
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        plugins=[channels],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Kontaktcenter API",
            version=app_version(),
            path=SCHEMA_PATH,
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="Token from POST /api/v1/auth/login",
                    )
                }
            ),
            security=[{"bearer": []}],
        ),
        cors_config=CORSConfig(allow_origins=[settings.public_url])
        if settings.public_url
        else None,
        debug=False,
    )
    check_routes([h for path, h in all_handlers(app) if not path.startswith(SCHEMA_PATH)])
    openapi.install(app)
    fix_allow_headers(app)
    app.state.settings = settings
    app.state.host = host
    app.state.default_language = settings.default_language
    app.state.version = app_version()
    app.state.mounted_plugins = {name for name, s in host.status.items() if s.state == "loaded"}
    return app


def all_handlers(app: Litestar) -> list[tuple[str, Any]]:
    """Every (path, route handler) of the app, HTTP and websocket."""
    pairs = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]
        pairs.extend((route.path, handler) for handler in handlers)
    return pairs
