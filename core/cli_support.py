"""Helpers every ``kontakt`` sub-command uses: settings, running async code, clean errors."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from core import db
from core.settings import Settings, load_settings

T = TypeVar("T")


def settings_from(ctx: click.Context) -> Settings:
    """The settings, loaded once per command invocation."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = load_settings()
    return root.obj


def run_db(settings: Settings, work: Callable[[], Awaitable[T]], check: bool = True) -> T:
    """Configure keyring and database, run ``work``, close the pool."""
    from core.runtime import check_database, configure_storage

    configure_storage(settings)

    async def go() -> T:
        try:
            if check:
                await check_database()
                await db.open_pool()
            return await work()
        finally:
            await db.close_pool()

    return asyncio.run(go())


def actor() -> str:
    """The audit actor for CLI changes: ``cli:<os user>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def read_password(password_stdin: bool, prompt: str = "Password") -> str:
    if password_stdin:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise click.UsageError("--password-stdin given but standard input was empty")
        return value
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


def echo_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as an aligned text table."""
    widths = {c: max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        click.echo("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns).rstrip())
