"""Bringing a process up: secrets, database, plugins, permissions, event types and jobs.

``kontakt serve``, ``kontakt worker`` and the tests all start through :func:`bootstrap`, so
every process sees the same plugins, permissions and periodic tasks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core import db, events, jobs
from core.audit import signing
from core.auth import permissions
from core.plugin_admin.service import enabled_names
from core.plugin_host import PluginHost
from core.secrets import keystore
from core.settings import Settings

DB_PASSWORD_SECRET = "database-password"


class StartupError(RuntimeError):
    """The process cannot start; the message says what is wrong and how to fix it."""


@dataclass
class Runtime:
    settings: Settings
    host: PluginHost


def configure_storage(settings: Settings) -> None:
    """Select the keyring and the database engine (no I/O on the database yet)."""
    try:
        keystore.configure(settings)
        db.configure(settings, keystore.get(DB_PASSWORD_SECRET))
    except keystore.SecretMissing as exc:
        raise StartupError(str(exc)) from exc


async def check_database() -> None:
    """Raise StartupError in one readable line when the database is unreachable or unmigrated."""
    from core.plugin_admin.tables import PluginState

    try:
        await PluginState.count()
    except OSError as exc:
        raise StartupError(f"database unreachable: {exc}") from exc
    except Exception as exc:
        text = str(exc).lower()
        if "no such table" in text or "does not exist" in text:
            raise StartupError("the database has no tables yet; run 'kontakt migrate'") from exc
        raise StartupError(f"database error: {type(exc).__name__}: {exc}") from exc


def refresh_registries(host: PluginHost) -> None:
    """Install the permissions and event types of the core and every loaded plugin."""
    permissions.install(host.collect("register_permissions"))
    events.install_types(host.collect("register_event_types"))


async def bootstrap_async(settings: Settings, *, immediate_jobs: bool = False) -> Runtime:
    configure_storage(settings)
    await check_database()
    try:
        signing.current_key_id()
    except keystore.SecretMissing as exc:
        raise StartupError(str(exc)) from exc
    host = PluginHost()
    host.load(await enabled_names(), settings)
    refresh_registries(host)
    jobs.configure(settings, host.collect("register_periodic_tasks"), immediate=immediate_jobs)
    return Runtime(settings, host)


def bootstrap(settings: Settings) -> Runtime:
    """Synchronous bootstrap for the CLI (before the server's own event loop exists)."""

    async def go() -> Runtime:
        try:
            return await bootstrap_async(settings)
        finally:
            await db.close_pool()

    return asyncio.run(go())
