"""The ``kontakt`` command: init, serve, worker, migrate, doctor, and the admin groups."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

from core.cli_support import actor, read_password, run_db, settings_from
from core.errors import DomainError
from core.i18n import gettext
from core.settings import SettingsError

# the admin groups, imported only when named (each pulls in services a plain start needs not)
LAZY_COMMANDS = {
    "user": "core.auth.cli:user_group",
    "plugins": "core.plugin_admin.cli:plugins_group",
    "audit": "core.audit.cli:audit_group",
    "keys": "core.secrets.cli:keys_group",
    "secrets": "core.secrets.cli:secrets_group",
    "demo": "core.demo.cli:demo_command",
}


class KontaktGroup(click.Group):
    """Turns every known failure into one clear line and a non-zero exit, never a traceback.

    The admin groups (``LAZY_COMMANDS``) are imported when a command line names them, or
    when the help lists them."""

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            import importlib

            module, _, attr = LAZY_COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from core.db.migrate import MigrationFailed
        from core.runtime import StartupError
        from core.secrets.keystore import SecretMissing

        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # the reader went away (``| head``): main() ends quietly
        except DomainError as exc:
            raise click.ClickException(exc.render(lambda m: gettext(m, "en"))) from exc
        except (SettingsError, StartupError, SecretMissing, MigrationFailed, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@click.group(cls=KontaktGroup)
@click.version_option(package_name="kontaktcenter")
def cli() -> None:
    """Kontaktcenter: one way in for the municipality."""


@cli.command()
@click.option(
    "--admin",
    "admin_username",
    default="admin",
    show_default=True,
    help="Username of the first administrator (created only if there are no users)",
)
@click.option(
    "--admin-password-stdin",
    is_flag=True,
    help="Read the first administrator's password from standard input",
)
@click.pass_context
def init(ctx: click.Context, admin_username: str, admin_password_stdin: bool) -> None:
    """Create the data directory, config, keys and database (idempotent)."""
    from core import provision

    settings = settings_from(ctx)
    password = read_password(True) if admin_password_stdin else None
    if provision.prepare(settings):
        click.echo(f"wrote {settings.config_path}")
    result = run_db(
        settings,
        lambda: provision.initialize(settings, admin_username, password, actor()),
        check=False,
    )
    click.echo(f"data directory: {settings.data_dir}")
    if result.admin_created:
        click.echo(f"first administrator: {result.admin_username}")
        if result.admin_password:
            click.echo(f"password (shown once, change it): {result.admin_password}")
    else:
        click.echo("users exist already; no administrator created")


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default from settings)")
@click.option("--port", type=int, default=None, help="Port (default from settings)")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the web API."""
    import uvicorn

    from core.app import create_app
    from core.runtime import bootstrap

    settings = settings_from(ctx)
    runtime = bootstrap(settings)
    app = create_app(runtime)
    bind_host, bind_port = host or settings.host, port or settings.port
    tls = {"ssl_certfile": settings.tls_cert, "ssl_keyfile": settings.tls_key}
    for name, path in (("tls_cert", settings.tls_cert), ("tls_key", settings.tls_key)):
        if path is not None and not path.is_file():
            raise click.ClickException(f"{name} {path}: no such file")
    scheme = "https" if settings.tls_cert else "http"
    click.echo(
        f"Kontaktcenter on {scheme}://{bind_host}:{bind_port}/ "
        f"(API docs: {scheme}://{bind_host}:{bind_port}/api/schema)"
    )
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        log_level=settings.log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
        # X-Forwarded-For is believed from the local host and the configured reverse proxies
        forwarded_allow_ips=["127.0.0.1", "::1", *settings.trusted_proxies],
        **{k: str(v) for k, v in tls.items() if v is not None},
    )


@cli.command()
@click.option("--workers", default=2, show_default=True, help="Worker threads")
@click.pass_context
def worker(ctx: click.Context, workers: int) -> None:
    """Run the job worker (huey consumer, with the periodic schedule)."""
    from core import jobs
    from core.runtime import bootstrap

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    bootstrap(settings_from(ctx))
    consumer = jobs.get_huey().create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True
    )
    click.echo(f"worker started; periodic tasks: {', '.join(jobs.periodic_task_names())}")
    consumer.run()


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the core and every enabled plugin's tables forward (idempotent)."""
    from core.db.migrate import migrate_apps
    from core.plugin_admin.service import enabled_names

    async def go() -> list[str]:
        await migrate_apps([])
        return await migrate_apps(sorted(await enabled_names()))

    done = run_db(settings_from(ctx), go, check=False)
    click.echo(f"migrated: {', '.join(done)}")


@cli.command()
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check configuration, database, queue, secrets and plugins; say how to fix problems."""
    from core.doctor import report

    try:
        settings = settings_from(ctx)
    except SettingsError as exc:
        click.echo(f"FAIL settings: {exc}")
        click.echo("     fix: correct that setting in kontakt.toml or its KONTAKT_* variable")
        sys.exit(1)
    sys.exit(report(settings, click.echo))


def main() -> None:
    warnings.filterwarnings("ignore", module=r"piccolo\..*")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    named = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if named is not None and named not in cli.list_commands(None):  # perhaps a plugin's
        from core.plugin_admin.cli import add_plugin_commands

        add_plugin_commands(cli, sys.argv[1:])
    run_quietly_into_pipes(cli)


def run_quietly_into_pipes(command: Callable[[], Any]) -> None:
    """Run ``command``; when the reader of standard output goes away (``kontakt … | head``),
    end with exit code 1 and no traceback, the way the Python documentation advises for
    SIGPIPE (Python ignores the signal, so the write raises BrokenPipeError instead)."""
    try:
        try:
            command()
        finally:
            sys.stdout.flush()  # a pending write fails here, not at interpreter exit
    except BrokenPipeError:
        # Python flushes standard output again at exit: point it at /dev/null first
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
