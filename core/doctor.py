"""``kontakt doctor``: checks that say what is wrong and how to fix it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    """Run every check; never raises."""
    from core import db
    from core.runtime import StartupError, configure_storage

    checks = [
        Check(
            "settings",
            True,
            f"data directory {settings.data_dir}, "
            f"database {'PostgreSQL' if settings.is_postgres else 'SQLite'}, "
            f"queue {'Redis' if settings.redis_url else 'SQLite'}",
        )
    ]
    try:
        configure_storage(settings)
    except StartupError as exc:
        return [*checks, Check("secrets", False, str(exc), "check keyring_backend")]
    checks.extend(_secret_checks())
    checks.append(asyncio.run(_database_check(db)))
    checks.append(_queue_check(settings))
    if settings.redis_url:
        checks.append(_redis_check(settings.redis_url))
    checks.extend(asyncio.run(_plugin_checks(settings, db)))
    return checks


def _secret_checks() -> list[Check]:
    from core.audit import signing
    from core.secrets import fields, keystore

    result = []
    for label, name in (
        ("audit signing key", signing.CURRENT),
        ("field encryption key", fields.FIELD_CURRENT),
        ("blind index key", fields.INDEX_CURRENT),
    ):
        try:
            present = keystore.get(name) is not None
        except keystore.SecretMissing as exc:
            return [Check("secrets", False, str(exc), "check keyring_backend and credentials_dir")]
        result.append(
            Check(
                f"secret: {label}",
                present,
                "present" if present else "missing from the keyring",
                "" if present else "run 'kontakt init' or restore the keyring",
            )
        )
    return result


async def _database_check(db) -> Check:
    from core.runtime import StartupError, check_database

    try:
        await check_database()
        return Check("database", True, "reachable and migrated")
    except StartupError as exc:
        fix = (
            "run 'kontakt migrate'"
            if "migrate" in str(exc)
            else "check KONTAKT_DATABASE_URL and that the server runs"
        )
        return Check("database", False, str(exc), fix)
    finally:
        await db.close_pool()


def _queue_check(settings: Settings) -> Check:
    from core.jobs import make_huey

    try:
        pending = make_huey(settings).pending_count()
    except Exception as exc:
        return Check(
            "job queue",
            False,
            f"{type(exc).__name__}: {exc}",
            "check KONTAKT_REDIS_URL"
            if settings.redis_url
            else f"check that {settings.queue_path} is writable",
        )
    return Check("job queue", True, f"{pending} job(s) pending")


def _redis_check(url: str) -> Check:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        return Check("redis", False, f"{url}: {exc}", "start Redis or fix KONTAKT_REDIS_URL")
    return Check("redis", True, f"{url} answers")


async def _plugin_checks(settings: Settings, db) -> list[Check]:
    from core.plugin_admin.service import enabled_names
    from core.plugin_host import PluginHost

    try:
        host = PluginHost()
        host.load(await enabled_names(), settings)
    except Exception as exc:
        return [
            Check("plugins", False, f"cannot read plugin state: {exc}", "run 'kontakt migrate'")
        ]
    finally:
        await db.close_pool()
    checks = []
    for status in host.statuses():
        ok = status.state in ("loaded", "disabled")
        checks.append(
            Check(
                f"plugin {status.name}",
                ok,
                status.state + (f" ({status.reason})" if status.reason else ""),
                "" if ok else f"see 'kontakt plugins show {status.name}'",
            )
        )
    return checks or [Check("plugins", True, "none installed")]
