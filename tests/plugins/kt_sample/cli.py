"""``kontakt kt_sample …``: the sample plugin's commands."""

from __future__ import annotations

import click

from core.cli_support import run_db, settings_from


@click.command("count")
@click.pass_context
def count(ctx: click.Context) -> None:
    """How many items the sample plugin has stored."""
    from kt_sample.tables import KtSampleItem

    total = run_db(settings_from(ctx), KtSampleItem.count)
    click.echo(f"kt_sample items: {total}")


COMMANDS = [count]
