"""``kontakt keys …`` (key rotation) and ``kontakt secrets …`` (keyring entries)."""

from __future__ import annotations

import re

import click

from core.cli_support import actor, read_password, run_db, settings_from
from core.runtime import configure_storage
from core.secrets import keystore

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
MANAGED_PREFIXES = ("field-key-", "index-key-", "audit-signing-key-")


@click.group("keys")
def keys_group() -> None:
    """Encryption and signing keys."""


@keys_group.command("rotate")
@click.option("--index", "rotate_index", is_flag=True, help="Also rotate the blind-index key")
@click.option("--signing", "rotate_signing", is_flag=True, help="Also rotate the audit signing key")
@click.option(
    "--resume",
    is_flag=True,
    help="Make no new key; finish re-encrypting rows an interrupted rotation left behind",
)
@click.pass_context
def rotate(ctx: click.Context, rotate_index: bool, rotate_signing: bool, resume: bool) -> None:
    """Make new keys current and re-encrypt every encrypted field (old keys stay readable)."""
    from core.secrets.rotation import rotate_installation

    if resume and (rotate_index or rotate_signing):
        raise click.UsageError(
            "--resume makes no new keys; do not combine it with --index/--signing"
        )
    settings = settings_from(ctx)
    report = run_db(
        settings,
        lambda: rotate_installation(settings, actor(), rotate_index, rotate_signing, resume),
    )
    for line in report.lines():
        click.echo(line)


@click.group("secrets")
def secrets_group() -> None:
    """Secrets in the keyring (values are never printed)."""


def _valid_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise click.BadParameter(
            "use lower-case letters, digits, '.', '_' and '-' (e.g. smtp-password)",
            param_hint="NAME",
        )
    return name


@secrets_group.command("set")
@click.argument("name")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the value from standard input")
@click.pass_context
def set_secret(ctx: click.Context, name: str, from_stdin: bool) -> None:
    """Store a secret, e.g. 'database-password' or 'smtp-password'."""
    _valid_name(name)
    if name.startswith(MANAGED_PREFIXES) or name.endswith("-current"):
        raise click.UsageError(
            f"{name!r} is an encryption or signing key managed by Kontaktcenter; "
            "use 'kontakt keys rotate', or restore the keyring from the key backup"
        )
    configure_storage(settings_from(ctx))
    keystore.put(name, read_password(from_stdin, f"Value of {name}"))
    click.echo(f"secret {name} stored in the keyring ({keystore.describe()})")


@secrets_group.command("check")
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def check_secret(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Say whether secrets exist (exit 1 if one is missing); values are never shown."""
    for name in names:
        _valid_name(name)
    configure_storage(settings_from(ctx))
    missing = [n for n in names if keystore.get(n) is None]
    for name in names:
        click.echo(f"{name}: {'missing' if name in missing else 'present'}")
    if missing:
        raise SystemExit(1)
