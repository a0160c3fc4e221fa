"""``kontakt demo``: seed a believable small municipality (idempotent)."""

from __future__ import annotations

import asyncio
import random

import click

from core.cli_support import actor, settings_from
from core.demo import data
from core.demo.config import name_municipality
from core.demo.seed import Summary


def _pct(value: float) -> str:
    return f"{round(value * 100)} %"


def _report(summary: Summary) -> None:
    click.echo(
        f"{data.MUNICIPALITY}: demo data seeded in {summary.seconds:.1f} s "
        f"({summary.days} days of history in {summary.history_seconds:.1f} s)"
    )
    click.echo(
        f"  {summary.departments} departments, {summary.groups} answer groups, "
        f"{summary.case_types} case types, {summary.staff} staff accounts, "
        f"{summary.agreements} agreements, {summary.articles} knowledge articles"
    )
    click.echo(
        f"  {summary.contacts} contacts ({_pct(summary.resolved_share)} resolved at first "
        f"contact, {_pct(summary.forwarded_share)} forwarded), {summary.cases} cases "
        f"({summary.open_cases} open, {summary.breached_open} past their agreed time)"
    )
    click.echo(f"demo password (every demo account): {data.DEMO_PASSWORD}")
    for role, names in sorted(summary.users.items()):
        click.echo(f"  {role}: {', '.join(names)}")
    click.echo(
        f"Mina ärenden: case {summary.sample_case} access code {summary.sample_code} "
        f"at {summary.status_url}"
    )


@click.command("demo")
@click.option(
    "--days", default=365, show_default=True, type=click.IntRange(1, 730), help="Days of history"
)
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same data)")
@click.option(
    "--force",
    is_flag=True,
    help="Seed again: replaces earlier demo contacts and cases (refused if real cases exist)",
)
@click.pass_context
def demo_command(ctx: click.Context, days: int, seed: int, force: bool) -> None:
    """Seed a demo municipality: departments, staff, case types, agreements, articles and a
    year of contacts and cases."""
    from core import db
    from core.demo.seed import run
    from core.runtime import bootstrap_async

    settings, named = name_municipality(settings_from(ctx))
    if named:
        click.echo(named)

    async def go() -> Summary:
        try:
            runtime = await bootstrap_async(settings)
            await db.open_pool()  # PostgreSQL: one pool, not a connection per query
            summary = await run(settings, actor(), days=days, seed=seed, force=force)
            if not summary.skipped:  # the plugins' demo data (hook seed_demo_data)
                await runtime.host.call_async(
                    "seed_demo_data",
                    settings=settings,
                    rng=random.Random(seed),
                    actor=actor(),
                    days=days,
                )
            return summary
        finally:
            await db.close_pool()

    summary = asyncio.run(go())
    if summary.skipped:
        click.echo("demo data is already here; nothing done (use --force to seed it again)")
        return
    _report(summary)
