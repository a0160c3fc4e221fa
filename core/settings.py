"""The one settings object: defaults < TOML file < ``KONTAKT_*`` environment variables.

The TOML file is ``$KONTAKT_CONFIG`` if set, else ``<data_dir>/kontakt.toml``. Secrets never
live here: they are kept with keyring (see :mod:`core.secrets`); a setting whose name looks
like a secret is refused so that nobody puts a password in the config file by mistake.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ENV_PREFIX = "KONTAKT_"
SECRET_WORDS = ("password", "secret", "token", "passphrase", "private_key")


class SettingsError(ValueError):
    """A setting is missing, malformed or not allowed; the message names which."""


@dataclass(frozen=True)
class Settings:
    """Every knob of the appliance. Field names map to ``KONTAKT_<NAME>`` env vars."""

    data_dir: Path = Path("./data")
    instance_name: str = "kontakt"  # names the job queue and event channel (shared Redis)
    database_url: str = ""  # empty: SQLite file in data_dir
    redis_url: str = ""  # empty: SQLite job queue, in-memory live events
    # one box: the Unix socket the worker's live events reach the API process on
    # (core.live_relay); empty: live-events.sock in data_dir
    live_relay_socket: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    default_language: str = "sv"
    sqlite_synchronous: str = "FULL"
    sqlite_busy_timeout_ms: int = 20000
    db_pool_size: int = 10
    token_ttl_minutes: int = 600
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    max_body_bytes: int = 1_048_576
    keyring_backend: str = "kontakt"  # "kontakt" (encrypted file) or a dotted keyring class
    credentials_dir: Path | None = None  # where the keyring's master key lives
    audit_checkpoint_minutes: int = 10
    sla_sweep_seconds: int = 30  # one box: the API process sweeps (it holds the live events);
    # 0 turns that off (only when exactly one other API process of the box does it)
    case_number_pattern: str = "KC-{year}-{seq:06d}"
    contact_number_pattern: str = "K{year}-{seq:07d}"
    timezone: str = "Europe/Stockholm"
    phone_region: str = "SE"
    smtp_host: str = ""  # empty: e-mail is queued but not sent
    smtp_port: int = 25
    smtp_username: str = ""  # the password is the keyring secret 'smtp-password'
    smtp_starttls: bool = False
    mail_from: str = "kontaktcenter@kommun.invalid"
    # the outbox is backed up (doctor fails, health is degraded) at this many unsent e-mails
    # or when the oldest unsent one has waited this long
    outbox_alert_count: int = 100
    outbox_alert_minutes: int = 30
    municipality_name: str = "Exempelkommun"
    log_level: str = "info"
    # reverse proxies whose X-Forwarded-For is believed (IP addresses or CIDR networks; in
    # TOML a list, in KONTAKT_TRUSTED_PROXIES comma-separated); empty: believe nobody
    trusted_proxies: tuple[str, ...] = ()
    tls_cert: Path | None = None  # PEM certificate; with tls_key, serve HTTPS
    tls_key: Path | None = None  # PEM private key (a file path, not the key itself)
    plugins_retry_seconds: int = 30  # how often the API retries plugins that were not ready
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """:attr:`trusted_proxies` parsed (validated when the settings are loaded)."""
        return parse_networks(self.trusted_proxies)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "kontakt.sqlite3"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.sqlite3"

    @property
    def secrets_dir(self) -> Path:
        return self.credentials_dir or (self.data_dir / "secrets")

    @property
    def config_path(self) -> Path:
        env = os.environ.get(ENV_PREFIX + "CONFIG")
        return Path(env) if env else self.data_dir / "kontakt.toml"

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (used by tests and the installer)."""
        return dataclasses.replace(self, **changes)


def _coerce(name: str, raw: Any, target: Any) -> Any:
    """Turn a TOML or env value into the field's type, or raise SettingsError naming it."""
    kind = target if isinstance(target, type) else None
    text = str(target)
    try:
        if kind is int or text == "int":
            return int(raw)
        if kind is bool or text == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes", "on")
        if "Path" in text:
            return Path(raw).expanduser() if raw not in (None, "") else None
        if "dict" in text:
            if not isinstance(raw, dict):
                raise TypeError("expected a table")
            return raw
        if "tuple" in text:  # a TOML list, or a comma-separated string (env)
            items = raw.split(",") if isinstance(raw, str) else raw
            if not isinstance(items, list | tuple):
                raise TypeError("expected a list")
            return tuple(str(item).strip() for item in items if str(item).strip())
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r}: cannot use {raw!r} ({exc})") from exc


def parse_networks(entries: tuple[str, ...] | list[str]) -> tuple[IPNetwork, ...]:
    """IP addresses and CIDR networks as networks; SettingsError names a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip()))
        except ValueError as exc:
            raise SettingsError(
                f"trusted_proxies: {entry!r} is not an IP address or CIDR network ({exc}); "
                "use e.g. 10.0.0.5, 10.0.0.0/8 or 2001:db8::/32"
            ) from exc
    return tuple(networks)


def _validate(settings: Settings) -> Settings:
    if settings.database_url and not settings.is_postgres:
        scheme = urlsplit(settings.database_url).scheme or settings.database_url
        raise SettingsError(
            f"KONTAKT_DATABASE_URL: unsupported scheme {scheme!r}; "
            "use postgresql://user@host/db or leave it empty for SQLite"
        )
    if settings.redis_url and urlsplit(settings.redis_url).scheme not in ("redis", "rediss"):
        raise SettingsError("KONTAKT_REDIS_URL: must start with redis:// or rediss://")
    if settings.sqlite_synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise SettingsError("sqlite_synchronous: must be one of OFF, NORMAL, FULL, EXTRA")
    if settings.default_language not in ("sv", "en"):
        raise SettingsError("default_language: must be 'sv' or 'en'")
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise SettingsError("tls_cert and tls_key: set both or neither")
    if not 1 <= settings.port <= 65535:
        raise SettingsError(f"port: {settings.port} is not a TCP port")
    for name in ("outbox_alert_count", "outbox_alert_minutes"):
        if getattr(settings, name) < 1:
            raise SettingsError(f"{name}: must be at least 1")
    settings.trusted_proxy_networks  # noqa: B018 - parses, so a bad entry fails at load time
    return settings


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from defaults, the TOML file and the environment (in that order)."""
    env = dict(os.environ if env is None else env)
    types = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}

    data_dir = env.get(ENV_PREFIX + "DATA_DIR") or overrides.get("data_dir")
    if data_dir:
        values["data_dir"] = Path(data_dir).expanduser()
    config_path = Path(
        env.get(ENV_PREFIX + "CONFIG")
        or Path(values.get("data_dir", Settings.data_dir)) / "kontakt.toml"
    )
    if config_path.exists():
        try:
            doc = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config_path}: not valid TOML ({exc})") from exc
        for key, raw in doc.items():
            if key not in types:
                raise SettingsError(f"{config_path}: unknown setting {key!r}")
            _refuse_secret(key, raw, str(config_path))
            values[key] = _coerce(key, raw, types[key])

    for key, type_ in types.items():
        raw = env.get(ENV_PREFIX + key.upper())
        if raw is not None and key != "plugins":
            values[key] = _coerce(key, raw, type_)
    for key, raw in overrides.items():
        values[key] = raw
    if "data_dir" in values:
        values["data_dir"] = Path(values["data_dir"]).expanduser().absolute()
    return _validate(Settings(**values))


def _refuse_secret(key: str, raw: Any, where: str) -> None:
    """Refuse anything that looks like a secret in the config file; secrets go to keyring."""
    if isinstance(raw, dict):
        for sub, value in raw.items():
            _refuse_secret(f"{key}.{sub}", value, where)
        return
    if any(word in key.lower() for word in SECRET_WORDS):
        raise SettingsError(
            f"{where}: {key!r} looks like a secret; store it with "
            f"'kontakt secrets set' (keyring) instead of the config file"
        )
    if isinstance(raw, str) and "://" in raw and "@" in raw and urlsplit(raw).password:
        raise SettingsError(f"{where}: {key!r} contains a password in a URL; use keyring")
