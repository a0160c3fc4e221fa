"""First-time set-up of an installation (``kontakt init``, the installer, the tests).

Idempotent: keys are made only if missing, migrations only run when pending, and the first
administrator is created only when there are no users at all.
"""

from __future__ import annotations

import secrets as _random
from dataclasses import dataclass

from core.audit import signing
from core.auth import service as users
from core.db.migrate import migrate_apps
from core.plugin_admin.service import enabled_names
from core.runtime import configure_storage
from core.secrets import fields
from core.settings import Settings

DEFAULT_CONFIG = """\
# Kontaktcenter settings. Environment variables KONTAKT_<NAME> override these.
# Secrets (passwords, keys) never go here: use 'kontakt secrets set NAME'.
# database_url = "postgresql://kontakt@localhost/kontakt"   # empty: SQLite in the data dir
# redis_url = "redis://localhost:6379/0"                    # empty: SQLite job queue
host = "127.0.0.1"
port = 8080
default_language = "sv"
# What citizens see: set these before the first e-mail leaves ('kontakt doctor' reminds you).
# municipality_name = "Ekeby kommun"
# public_url = "https://kontakt.ekeby.se"                 # links in e-mails and on Mina ärenden
# smtp_host = "smtp.ekeby.se"                             # empty: e-mail is queued, not sent
# mail_from = "kontaktcenter@ekeby.se"
"""


@dataclass
class InitResult:
    config_written: bool
    admin_created: bool
    admin_username: str
    admin_password: str | None  # only when generated here


def prepare(settings: Settings) -> bool:
    """Data directory, config file and keys (no database I/O). True if the config was written."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    written = False
    if not settings.config_path.exists():
        settings.config_path.parent.mkdir(parents=True, exist_ok=True)
        settings.config_path.write_text(DEFAULT_CONFIG, encoding="utf-8")
        written = True
    configure_storage(settings)
    signing.ensure_key()
    fields.ensure_keys()
    return written


async def initialize(
    settings: Settings,
    admin_username: str = "admin",
    admin_password: str | None = None,
    actor: str = "system",
) -> InitResult:
    """Keys, migrations and the first administrator (call after :func:`prepare`)."""
    await migrate_apps([])
    await migrate_apps(sorted(await enabled_names()))
    if await users.list_users():
        return InitResult(False, False, admin_username, None)
    chosen = admin_password or _random.token_urlsafe(12)
    await users.create_user(
        actor, admin_username, "Administrator", chosen, ["it_admin", "supervisor"]
    )
    return InitResult(False, True, admin_username, None if admin_password else chosen)
