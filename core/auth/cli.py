"""``kontakt user add|passwd|disable|enable|list``."""

from __future__ import annotations

import click

from core.auth import service
from core.cli_support import actor, echo_table, read_password, run_db, settings_from
from core.contracts import ROLES


def _password(password_stdin: bool, prompt: str = "Password") -> str:
    """The password from stdin or a prompt; an empty stdin is one clear error line."""
    try:
        return read_password(password_stdin, prompt)
    except click.UsageError as exc:
        raise click.ClickException(exc.message) from exc


@click.group("user")
def user_group() -> None:
    """Manage staff accounts."""


@user_group.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="Role (repeat for several)",
)
@click.option("--email", default="")
@click.option("--extension", "phone_extension", default="")
@click.option("--language", "languages", multiple=True, default=("sv",))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@click.pass_context
def add(
    ctx: click.Context,
    username: str,
    full_name: str,
    roles: tuple[str, ...],
    email: str,
    phone_extension: str,
    languages: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create a staff account."""
    password = _password(password_stdin)
    user = run_db(
        settings_from(ctx),
        lambda: service.create_user(
            actor(),
            username,
            full_name,
            password,
            list(roles),
            email,
            phone_extension,
            list(languages),
        ),
    )
    click.echo(f"created user {user['username']} ({', '.join(user['roles'])})")


@user_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@click.pass_context
def passwd(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Reset a password (audited as a reset; ends the user's sessions and login back-off)."""
    password = _password(password_stdin, "New password")
    run_db(settings_from(ctx), lambda: service.reset_password(actor(), username, password))
    click.echo(f"password of {username} changed")


@user_group.command("disable")
@click.argument("username")
@click.pass_context
def disable(ctx: click.Context, username: str) -> None:
    """Disable an account and end its sessions."""
    run_db(settings_from(ctx), lambda: service.update_user(actor(), username, active=False))
    click.echo(f"user {username} disabled")


@user_group.command("enable")
@click.argument("username")
@click.pass_context
def enable(ctx: click.Context, username: str) -> None:
    """Enable a disabled account again."""
    run_db(settings_from(ctx), lambda: service.update_user(actor(), username, active=True))
    click.echo(f"user {username} enabled")


@user_group.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """List staff accounts."""
    users = run_db(settings_from(ctx), service.list_users)
    rows = [
        {**u, "roles": ",".join(u["roles"]), "active": "yes" if u["active"] else "no"}
        for u in users
    ]
    echo_table(rows, ["username", "full_name", "roles", "active", "email", "phone_extension"])
