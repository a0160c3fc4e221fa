"""``kontakt doctor``: checks that say what is wrong and how to fix it.

Each check gives one line: ``ok``, ``warn`` (works, but should be looked at), ``FAIL`` (followed
by a ``fix:`` line) or ``skip`` (not checked because something it needs failed, so a single
cause is reported once). The command exits 1 when any check failed.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    status: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            self.status = OK if self.ok else FAIL


def _fail(name: str, problem: str, fix: str) -> Check:
    return Check(name, False, problem, fix)


def _skip(name: str, why: str) -> Check:
    return Check(name, True, f"not checked ({why})", status=SKIP)


def run_checks(settings: Settings) -> list[Check]:
    """Run every check; never raises."""
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
        name = "keyring" if exc.problem.startswith("keyring: ") else "database"
        checks.append(_fail(name, exc.problem.removeprefix("keyring: "), exc.fix))
        return checks + [_skip(n, f"{name} failed") for n in ("database", "job queue", "plugins")]
    except Exception as exc:  # pragma: no cover - defensive: doctor must never crash
        checks.append(_fail("keyring", f"{type(exc).__name__}: {exc}", "see the log"))
        return checks
    checks.extend(_guarded("keyring", lambda: _secret_checks(settings)))
    database = _guarded("database", lambda: [asyncio.run(_database_check())])
    checks.extend(database)
    checks.extend(_guarded("job queue", lambda: _queue_checks(settings)))
    if all(c.ok for c in database):
        checks.extend(_guarded("plugins", lambda: asyncio.run(_plugin_checks(settings))))
    else:
        checks.append(_skip("plugins", "the database is not available"))
    return checks


def _guarded(name: str, work: Callable[[], list[Check]]) -> list[Check]:
    try:
        return work()
    except Exception as exc:  # a check that crashes is itself a finding, not a traceback
        return [_fail(name, f"{type(exc).__name__}: {exc}", "see 'kontakt doctor' in the docs")]


def report(settings: Settings, echo: Callable[[str], None]) -> int:
    """Run the checks, print one line per check (and a fix line per failure); exit code."""
    checks = run_checks(settings)
    failures = 0
    for check in checks:
        echo(f"{check.status:<4} {check.name}: {check.detail}")
        if check.status == FAIL:
            failures += 1
            if check.fix:
                echo(f"     fix: {check.fix}")
        elif check.status == WARN and check.fix:
            echo(f"     hint: {check.fix}")
    if failures:
        echo(f"{failures} problem(s) found")
        return 1
    echo("everything looks right")
    return 0


# -- keyring and secrets ---------------------------------------------------------------------
def _secret_checks(settings: Settings) -> list[Check]:
    from core.audit import signing
    from core.secrets import fields, keystore
    from core.secrets.file_keyring import KontaktFileKeyring

    backend = keystore.backend()
    result = [Check("keyring", True, keystore.describe())]
    if isinstance(backend, KontaktFileKeyring):
        result.extend(_file_keyring_checks(backend, settings))
    for label, current, name_of in (
        ("audit signing key", signing.CURRENT, lambda v: f"audit-signing-key-v{v}"),
        ("field encryption key", fields.FIELD_CURRENT, lambda v: f"field-key-v{v}"),
        ("blind index key", fields.INDEX_CURRENT, lambda v: f"index-key-v{v}"),
    ):
        try:
            version = keystore.get(current)
            material = keystore.get(name_of(version)) if version else None
        except keystore.SecretMissing as exc:  # the keyring itself is unusable: say it once
            return [_fail("keyring", exc.problem, exc.fix)]
        if version is None:
            detail = f"missing from the keyring ({current!r})"
        elif material is None:
            detail = f"v{version} is current but {name_of(version)!r} is missing from the keyring"
        else:
            result.append(Check(f"secret: {label}", True, f"present (v{version})"))
            continue
        result.append(
            _fail(
                f"secret: {label}",
                detail,
                "restore keyring.json and master.key from the key backup "
                "(a new installation: run 'kontakt init')",
            )
        )
    return result


def _file_keyring_checks(backend, settings: Settings) -> list[Check]:
    """Permissions of the credentials directory and where the master key comes from."""
    checks = []
    directory: Path = backend.directory
    for path, wanted in (
        (directory, "700"),
        (directory / "keyring.json", "600"),
        (directory / "master.key", "600"),
    ):
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            mode = oct(stat.S_IMODE(path.stat().st_mode))[2:]
            checks.append(
                Check(
                    "keyring permissions",
                    True,
                    f"{path} has mode {mode}: other users may read it",
                    f"chmod {wanted} {path}",
                    status=WARN,
                )
            )
    systemd = os.environ.get("CREDENTIALS_DIRECTORY")
    if systemd and (Path(systemd) / "master.key").exists():
        source = "systemd credential ($CREDENTIALS_DIRECTORY)"
    else:
        source = str(directory / "master.key")
    checks.append(Check("keyring master key", True, f"from {source}"))
    data_dir = settings.data_dir.resolve()
    if directory.resolve().is_relative_to(data_dir):
        checks.append(
            Check(
                "keyring location",
                True,
                f"the credentials directory {directory} is inside the data directory",
                "exclude it from data backups and keep a separate key backup, or set "
                "credentials_dir outside the data directory (see docs/operations.md)",
                status=WARN,
            )
        )
    return checks


# -- database, queue, plugins ----------------------------------------------------------------
async def _database_check() -> Check:
    from core import db
    from core.runtime import StartupError, check_database

    try:
        await check_database()
        return Check("database", True, "reachable and migrated")
    except StartupError as exc:
        return _fail("database", exc.problem, exc.fix)
    finally:
        await db.close_pool()


def _queue_checks(settings: Settings) -> list[Check]:
    from core.jobs import make_huey
    from core.runtime import StartupError, check_redis

    if settings.redis_url:
        try:
            check_redis(settings)
        except StartupError as exc:
            return [_fail("job queue", exc.problem, exc.fix)]
    try:
        pending = make_huey(settings).pending_count()
    except Exception as exc:
        return [
            _fail(
                "job queue",
                f"{type(exc).__name__}: {exc}",
                "check KONTAKT_REDIS_URL"
                if settings.redis_url
                else f"check that {settings.queue_path} is writable",
            )
        ]
    where = "Redis" if settings.redis_url else str(settings.queue_path)
    return [Check("job queue", True, f"{where}: {pending} job(s) pending")]


async def _plugin_checks(settings: Settings) -> list[Check]:
    from core import db
    from core.plugin_admin.service import enabled_names
    from core.plugin_host import PluginHost

    try:
        host = PluginHost()
        host.load(await enabled_names(), settings)
    except Exception as exc:
        return [_fail("plugins", f"cannot read plugin state: {exc}", "run 'kontakt migrate'")]
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
