"""``kontakt doctor``: checks that say what is wrong and how to fix it.

Each check gives one line: ``ok``, ``warn`` (works, but should be looked at), ``FAIL`` (followed
by a ``fix:`` line) or ``skip`` (not checked because something it needs failed, so a single
cause is reported once). The command exits 1 when any check failed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.settings import Settings

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"
DEFAULT_MUNICIPALITY = Settings.municipality_name


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
    checks.extend(_guarded("citizen e-mail", lambda: _mail_checks(settings)))
    if all(c.ok for c in database):
        checks.extend(_guarded("mail outbox", lambda: [asyncio.run(_outbox_check(settings))]))
        checks.extend(_guarded("plugins", lambda: asyncio.run(_plugin_checks(settings))))
    else:
        checks.append(_skip("mail outbox", "the database is not available"))
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
    failures = warnings = 0
    for check in checks:
        echo(f"{check.status:<4} {check.name}: {check.detail}")
        if check.status == FAIL:
            failures += 1
            if check.fix:
                echo(f"     fix: {check.fix}")
        elif check.status == WARN:
            warnings += 1
            if check.fix:
                echo(f"     hint: {check.fix}")
    also = f" and {warnings} warning(s)" if warnings else ""
    if failures:
        echo(f"{failures} problem(s){also} found")
        return 1
    echo(f"no problems found, but {warnings} warning(s)" if warnings else "everything looks right")
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


# -- citizen e-mail ----------------------------------------------------------------------------
def _warn(name: str, problem: str, hint: str) -> Check:
    return Check(name, True, problem, hint, status=WARN)


def _mail_checks(settings: Settings) -> list[Check]:
    """What citizens' e-mail and links need: an SMTP server (and its password), a sender
    that can be answered, the public address and the municipality's own name."""
    from core.citizen import notify
    from core.secrets import keystore

    checks = []
    if not settings.smtp_host:
        checks.append(
            _warn(
                "mail server",
                "smtp_host is not set: receipts with access codes, feedback and SLA alarms "
                "are queued but never sent",
                'set smtp_host = "smtp.example.se" (and smtp_port, smtp_starttls, '
                "smtp_username) in kontakt.toml, then restart kontakt-worker",
            )
        )
    elif settings.smtp_username and keystore.get(notify.SMTP_PASSWORD) is None:
        checks.append(
            _fail(
                "mail server",
                f"smtp_username is {settings.smtp_username!r} but the secret "
                f"{notify.SMTP_PASSWORD!r} is missing from the keyring: every login fails",
                f"kontakt secrets set {notify.SMTP_PASSWORD} --stdin",
            )
        )
    else:
        checks.append(Check("mail server", True, f"{settings.smtp_host}:{settings.smtp_port}"))
    if settings.mail_from.endswith(".invalid"):
        checks.append(
            _warn(
                "mail sender",
                f"mail_from is {settings.mail_from!r}: mail servers refuse or bin mail from a "
                ".invalid domain",
                'set mail_from = "kontaktcenter@<your municipality\'s domain>" in kontakt.toml',
            )
        )
    public = urlsplit(settings.public_url)
    if not settings.public_url or _is_loopback(public.hostname or ""):
        checks.append(
            _warn(
                "public address",
                f"public_url is {settings.public_url or 'not set'}: links in e-mails and "
                f"Mina ärenden point at {notify.status_url(settings)}, which citizens cannot "
                "reach",
                'set public_url = "https://kontakt.example.se" (the address citizens use) in '
                "kontakt.toml",
            )
        )
    else:
        checks.append(Check("public address", True, settings.public_url))
    if settings.municipality_name == DEFAULT_MUNICIPALITY:
        checks.append(
            _warn(
                "municipality name",
                f"municipality_name is still {DEFAULT_MUNICIPALITY!r}: e-mails, Mina ärenden "
                "and Open311 show it",
                'set municipality_name = "<your municipality> kommun" in kontakt.toml',
            )
        )
    else:
        checks.append(Check("municipality name", True, settings.municipality_name))
    return checks


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _outbox_check(settings: Settings) -> Check:
    """Unsent e-mails piling up (too many, or the oldest waiting too long) fail."""
    from core import db
    from core.citizen.notify import MAX_ATTEMPTS
    from core.db import raw
    from core.health import outbox_backlog

    try:
        await db.open_pool()
        backlog = await outbox_backlog()
        given_up = await raw.fetchrow(
            "SELECT COUNT(*) AS n FROM outbound_message WHERE status = 'failed'"
        )
    finally:
        await db.close_pool()
    detail = f"{backlog.unsent} unsent"
    if backlog.oldest_age_seconds is not None:
        detail += f", the oldest waiting {_duration(backlog.oldest_age_seconds)}"
    if given_up and given_up["n"]:
        detail += f"; {given_up['n']} given up after {MAX_ATTEMPTS} attempts"
    if not backlog.backed_up(settings):
        return Check("mail outbox", True, detail)
    limits = (
        f"(limits: outbox_alert_count {settings.outbox_alert_count}, "
        f"outbox_alert_minutes {settings.outbox_alert_minutes})"
    )
    if not settings.smtp_host:
        fix = "set smtp_host in kontakt.toml; the worker then sends what waits"
    else:
        fix = (
            f"check that 'kontakt worker' runs (systemctl status kontakt-worker) and that "
            f"{settings.smtp_host}:{settings.smtp_port} accepts mail from this box; the "
            "worker's log names the SMTP error (journalctl -u kontakt-worker)"
        )
    return _fail("mail outbox", f"{detail} {limits}", fix)


def _duration(seconds: int) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``2 days 4 h``."""
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days:
        return f"{days} day{'s' if days > 1 else ''}" + (f" {hours % 24} h" if hours % 24 else "")
    if hours:
        return f"{hours} h" + (f" {minutes % 60} min" if minutes % 60 else "")
    return f"{minutes} min" if minutes else f"{seconds} s"


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
