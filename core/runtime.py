"""Bringing a process up: secrets, database, plugins, permissions, event types and jobs.

``kontakt serve``, ``kontakt worker`` and the tests all start through :func:`bootstrap`, so
every process sees the same plugins, permissions and periodic tasks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from core import db, events, jobs
from core.audit import signing
from core.auth import permissions
from core.plugin_admin.service import enabled_names
from core.plugin_host import PluginHost
from core.secrets import keystore
from core.settings import Settings

DB_PASSWORD_SECRET = "database-password"
DB_TIMEOUT_S = 15.0
REDIS_TIMEOUT_S = 3.0
_current_label = ""


class StartupError(RuntimeError):
    """The process cannot start; ``problem`` says what is wrong and ``fix`` how to fix it.

    ``str()`` gives both in one line, which is what ``kontakt serve`` prints before exiting.
    """

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(f"{problem}; {fix}" if fix else problem)
        self.problem = problem
        self.fix = fix


@dataclass
class Runtime:
    settings: Settings
    host: PluginHost


def configure_storage(settings: Settings) -> None:
    """Select the keyring and the database engine (no I/O on the database yet)."""
    global _current_label
    _current_label = database_label(settings)
    try:
        keystore.configure(settings)
        signing.forget()
        password = keystore.get(DB_PASSWORD_SECRET)
    except keystore.SecretMissing as exc:
        raise StartupError(f"keyring: {exc.problem}", exc.fix) from exc
    try:
        db.configure(settings, password)
    except (ValueError, OSError) as exc:
        raise StartupError(
            f"database {_current_label}: {exc}", "fix KONTAKT_DATABASE_URL or data_dir"
        ) from exc


def database_label(settings: Settings) -> str:
    """Where the database is, for messages (a password in the URL is blanked out)."""
    if not settings.is_postgres:
        return f"SQLite {settings.sqlite_path}"
    return redact_url(settings.database_url)


def _database_problem(exc: BaseException, where: str) -> StartupError:
    """One readable problem and fix for a failed first query against the database."""
    name = type(exc).__name__
    text = " ".join(str(exc).split()) or name
    url_fix = "check KONTAKT_DATABASE_URL and that the database server runs"
    if name == "InvalidCatalogNameError":
        return StartupError(
            f"database {where} does not exist ({text})",
            "create it (createdb) or fix KONTAKT_DATABASE_URL",
        )
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return StartupError(
            f"database {where} refused the login ({text})",
            "fix the user in KONTAKT_DATABASE_URL or store the password with "
            f"'kontakt secrets set {DB_PASSWORD_SECRET}'",
        )
    if name == "UndefinedTableError" or "no such table" in text.lower():
        return StartupError(
            f"database {where} has no Kontaktcenter tables yet", "run 'kontakt migrate'"
        )
    if isinstance(exc, TimeoutError):
        return StartupError(f"database {where} did not answer within {DB_TIMEOUT_S:.0f} s", url_fix)
    if isinstance(exc, OSError):
        reason = getattr(exc, "strerror", None) or text
        return StartupError(f"database {where} is unreachable ({reason})", url_fix)
    return StartupError(f"database {where}: {name}: {text}", url_fix)


async def check_database() -> None:
    """Raise StartupError in one readable line when the database is unreachable or unmigrated."""
    from core.plugin_admin.tables import PluginState

    where = _current_label or "(not configured)"
    try:
        await asyncio.wait_for(PluginState.count(), DB_TIMEOUT_S)
    except Exception as exc:
        raise _database_problem(exc, where) from exc


def check_secrets() -> None:
    """Raise StartupError when a key the appliance needs is missing from the keyring."""
    from core.secrets import fields

    try:
        signing.public_key(signing.current_key_id())
        fields.check_keys()
    except keystore.SecretMissing as exc:
        raise StartupError(f"keyring: {exc.problem}", exc.fix) from exc


def check_redis(settings: Settings) -> None:
    """Raise StartupError when Redis is configured but does not answer."""
    if not settings.redis_url:
        return
    import redis

    client = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StartupError(
            f"Redis {redact_url(settings.redis_url)} does not answer ({exc})",
            "start Redis or fix KONTAKT_REDIS_URL",
        ) from exc
    finally:
        client.close()


def redact_url(url: str) -> str:
    """``url`` with any password blanked out."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def refresh_registries(host: PluginHost) -> None:
    """Install the permissions and event types of the core and every loaded plugin."""
    permissions.install(host.collect("register_permissions"))
    events.install_types(host.collect("register_event_types"))


async def bootstrap_async(settings: Settings, *, immediate_jobs: bool = False) -> Runtime:
    configure_storage(settings)
    check_secrets()
    await check_database()
    check_redis(settings)
    host = PluginHost()
    host.load(await enabled_names(), settings)
    refresh_registries(host)
    jobs.configure(settings, host.collect("register_periodic_tasks"), immediate=immediate_jobs)
    configure_services(settings, host)
    return Runtime(settings, host)


def configure_services(settings: Settings, host: PluginHost) -> None:
    """Hand the settings and the plugin host to the domain services that need them."""
    from core import ratelimit
    from core.cases import service as cases
    from core.citizen import notify

    events.configure_publisher(settings)
    ratelimit.configure(settings)
    cases.configure(settings, host)
    notify.configure(settings)


def bootstrap(settings: Settings) -> Runtime:
    """Synchronous bootstrap for the CLI (before the server's own event loop exists)."""

    async def go() -> Runtime:
        try:
            return await bootstrap_async(settings)
        finally:
            await db.close_pool()

    return asyncio.run(go())
