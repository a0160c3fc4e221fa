"""Hand-written migrations for SQLite and PostgreSQL in one shape.

A migration module that needs SQL Piccolo cannot write (partial or covering indexes, FTS5,
engine-specific types) names its statements and returns :func:`migration` from its
``forwards()``. Statements are a list run in order, or a mapping from the engine
(``"sqlite"`` / ``"postgres"``) to such a list; a step that must also move data is an async
function instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

Statements = Sequence[str] | Mapping[str, Sequence[str]]
Step = Statements | Callable[[], Awaitable[None]]

#: Column spellings that differ between the engines, for ``str.format`` in table definitions.
TYPES: Mapping[str, Mapping[str, str]] = {
    "postgres": {
        "pk": "BIGSERIAL PRIMARY KEY",
        "serial": "BIGSERIAL",
        "json": "JSON",
        "bytes": "BYTEA",
    },
    "sqlite": {
        "pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "serial": "INTEGER",
        "json": "JSON",
        "bytes": "BLOB",
    },
}


def dialect() -> str:
    """``"postgres"`` or ``"sqlite"``: the engine the migrations run on."""
    return "postgres" if engine_finder().engine_type == "postgres" else "sqlite"


def typed(statements: Sequence[str]) -> dict[str, list[str]]:
    """Per engine, ``statements`` with ``{pk}``, ``{serial}``, ``{json}`` and ``{bytes}``
    (binary content) filled in."""
    return {name: [s.format(**types) for s in statements] for name, types in TYPES.items()}


async def run(statements: Statements) -> None:
    """Run DDL statements in order (those of this engine, for a mapping)."""
    if isinstance(statements, Mapping):
        statements = statements[dialect()]
    engine = engine_finder()
    for statement in statements:
        await engine.run_ddl(statement)


def migration(
    migration_id: str, app_name: str, description: str, forwards: Step, backwards: Step
) -> MigrationManager:
    """A Piccolo migration manager running ``forwards`` (and ``backwards`` when reversed)."""
    manager = MigrationManager(
        migration_id=migration_id, app_name=app_name, description=description
    )
    manager.add_raw(_step(forwards))
    manager.add_raw_backwards(_step(backwards))
    return manager


def _step(step: Step) -> Callable[[], Awaitable[None]]:
    if callable(step):
        return step

    async def run_statements() -> None:
        await run(step)

    return run_statements
