"""``kontakt audit verify|export|checkpoint``."""

from __future__ import annotations

import json
import sys

import click

from core import db
from core.audit import chain
from core.audit.export import begin_export, export_rows
from core.audit.verify import verify_chain
from core.cli_support import actor, run_db, settings_from


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON")
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
    """Prove the chain; exit 1 naming the first bad entry if anything was tampered with."""
    result = run_db(settings_from(ctx), verify_chain)
    click.echo(json.dumps(result.as_dict()) if as_json else result.line())
    if not result.ok:
        sys.exit(1)


@audit_group.command("checkpoint")
@click.pass_context
def checkpoint(ctx: click.Context) -> None:
    """Write a signed checkpoint of the current chain head now."""

    async def go():
        async with db.transaction():
            return await chain.checkpoint()

    row = run_db(settings_from(ctx), go)
    click.echo(f"checkpoint at entry {row['seq']}" if row else "the audit trail is empty")


@audit_group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--since-seq", type=click.IntRange(min=0), default=0, help="Only entries after this one"
)
@click.pass_context
def export(ctx: click.Context, fmt: str, since_seq: int) -> None:
    """Write the audit trail to standard output (the export itself is audited)."""

    async def go():
        through = await begin_export(actor(), fmt, since_seq, via="cli")
        async for chunk in export_rows(fmt, since_seq, through):
            sys.stdout.write(chunk)
        sys.stdout.flush()

    run_db(settings_from(ctx), go)
