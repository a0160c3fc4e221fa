"""The raw SQL helpers that choose how to ask: a statement planned for its own arguments
(PostgreSQL's custom plan, for that statement only) and the planner's row estimate."""

from __future__ import annotations

from core import db
from core.db import raw


def _postgres() -> bool:
    return db.get_engine().engine_type == "postgres"


async def test_a_custom_plan_for_that_statement_only(client) -> None:
    if not _postgres():  # SQLite plans every statement anew: the helper is plain fetch
        assert await raw.fetch_custom_plan("SELECT ? AS one", 1) == [{"one": 1}]
        return
    mode = "SELECT current_setting('plan_cache_mode') AS mode, ?::int AS n"
    assert await raw.fetch_custom_plan(mode, 1) == [{"mode": "force_custom_plan", "n": 1}]
    assert (await raw.fetchrow(mode, 2))["mode"] == "auto"  # the pooled connection's own
    async with db.transaction():
        assert (await raw.fetch_custom_plan(mode, 3))[0]["mode"] == "force_custom_plan"
        assert (await raw.fetchrow(mode, 4))["mode"] == "auto"  # restored inside it


async def test_estimated_rows_are_the_planners(client) -> None:
    one_user = ("SELECT id FROM kc_user WHERE id = ?", 1)
    if not _postgres():  # no estimate: the callers keep their default
        assert await raw.estimated_rows(*one_user) is None
        return
    assert await raw.estimated_rows(*one_user) == 1.0  # a primary key: one row
    assert await raw.estimated_rows("SELECT id FROM kc_user WHERE id > ?", 0) > 1.0


def test_marks_are_one_placeholder_per_value() -> None:
    assert raw.marks(["a", "b", "c"]) == "?, ?, ?" and raw.marks([]) == ""
