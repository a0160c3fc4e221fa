"""SQLite write transactions: run on the loop thread, committed in groups.

These use an engine on their own SQLite file, so they run in the PostgreSQL session too.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.db import inline_writer
from core.db.engine import PooledSQLiteEngine
from core.db.inline_writer import DatabaseBusy, GroupLost


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[PooledSQLiteEngine]:
    path = tmp_path / "group.sqlite3"
    setup = sqlite3.connect(path)
    setup.executescript(
        """
        PRAGMA journal_mode = WAL;
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE item (
            id INTEGER PRIMARY KEY,
            name TEXT UNIQUE NOT NULL,
            parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE TABLE strict_item (name TEXT UNIQUE ON CONFLICT ROLLBACK);
        CREATE TABLE blob (data BLOB);
        INSERT INTO parent (id) VALUES (1);
        """
    )
    setup.close()
    engine = PooledSQLiteEngine(str(path), synchronous="NORMAL", busy_timeout_ms=1500, pool_size=2)
    yield engine
    await engine.close_pool()


def names(path: str) -> set[str]:
    """What another connection sees as committed."""
    with sqlite3.connect(path) as reader:
        rows = reader.execute("SELECT name FROM item").fetchall()
    reader.close()
    return {row[0] for row in rows}


def file_size(path: Path) -> int:
    return os.path.getsize(path)


async def insert(engine: PooledSQLiteEngine, name: str, parent: int = 1) -> None:
    async with engine.group_writer().transaction():
        connection = engine.current_transaction.get().connection
        connection.fetchall("INSERT INTO item (name, parent) VALUES (?, ?)", (name, parent))
        await asyncio.sleep(0)  # let the other transactions of the test reach the writer


async def test_concurrent_transactions_share_commits(engine):
    writer = engine.group_writer()
    await asyncio.gather(*(insert(engine, f"item-{n}") for n in range(40)))
    assert names(engine.path) == {f"item-{n}" for n in range(40)}
    assert 1 <= writer.connection.commits < 40


async def test_a_failing_transaction_rolls_back_alone(engine):
    async def failing() -> None:
        async with engine.group_writer().transaction():
            connection = engine.current_transaction.get().connection
            connection.fetchall("INSERT INTO item (name) VALUES ('doomed')")
            raise ValueError("the body failed")

    results = await asyncio.gather(
        insert(engine, "before"), failing(), insert(engine, "after"), return_exceptions=True
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert names(engine.path) == {"before", "after"}


async def test_nothing_is_acknowledged_before_it_is_committed(engine):
    seen_inside: set[str] = set()

    async def watch() -> None:
        await asyncio.sleep(0)
        seen_inside.update(names(engine.path))

    await asyncio.gather(insert(engine, "pending"), watch())
    assert "pending" not in seen_inside  # open in the group while the watcher looked
    assert names(engine.path) == {"pending"}  # and committed once insert() returned


async def test_a_failed_commit_fails_every_transaction_of_the_group(engine):
    # The deferred foreign key is only checked at COMMIT: the whole group's commit fails.
    results = await asyncio.gather(
        insert(engine, "good"), insert(engine, "orphan", parent=99), return_exceptions=True
    )
    assert all(isinstance(result, sqlite3.IntegrityError) for result in results), results
    assert names(engine.path) == set()
    await insert(engine, "next")  # the writer is usable again
    assert names(engine.path) == {"next"}


async def test_waiting_for_another_writer_does_not_block_the_loop(engine):
    other = sqlite3.connect(engine.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
    task = asyncio.create_task(insert(engine, "waited"))
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not task.done()  # the loop kept running while the writer waited
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(task, 5)
    assert names(engine.path) == {"waited"}


async def test_a_writer_that_waits_too_long_gets_an_error_and_writes_nothing(engine):
    other = sqlite3.connect(engine.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy) as refused:
            await insert(engine, "too-late")
        assert refused.value.status == 503
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert names(engine.path) == set()
    await insert(engine, "later")
    assert names(engine.path) == {"later"}


async def test_point_reads_see_commits_and_refuse_writes(engine):
    assert engine.read_inline("SELECT name FROM item") == []
    await insert(engine, "read-me")
    assert engine.read_inline("SELECT name FROM item WHERE name = ?", ("read-me",)) == [
        {"name": "read-me"}
    ]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        engine.read_inline("DELETE FROM item")
    assert names(engine.path) == {"read-me"}


async def test_when_sqlite_undoes_the_whole_group_every_member_is_told(engine):
    # ON CONFLICT ROLLBACK (like disk full or an I/O error) ends SQLite's whole transaction,
    # savepoints and all: the earlier member's change is gone, and it must not be acknowledged.
    async def strict(name: str) -> None:
        async with engine.group_writer().transaction():
            connection = engine.current_transaction.get().connection
            connection.fetchall("INSERT INTO strict_item (name) VALUES (?)", (name,))
            await asyncio.sleep(0)

    await strict("taken")
    results = await asyncio.gather(
        insert(engine, "innocent"), strict("taken"), return_exceptions=True
    )
    assert isinstance(results[0], GroupLost) and results[0].status == 503
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert names(engine.path) == set()
    await asyncio.wait_for(insert(engine, "afterwards"), 5)  # the writer is not stuck
    assert names(engine.path) == {"afterwards"}


async def test_the_wal_starts_over_instead_of_growing(engine, monkeypatch):
    monkeypatch.setattr(inline_writer, "CHECKPOINT_EVERY", 10)
    wal = Path(engine.path + "-wal")
    payload = b"x" * 16384

    async def write_blob() -> None:
        async with engine.group_writer().transaction():
            connection = engine.current_transaction.get().connection
            connection.fetchall("INSERT INTO blob (data) VALUES (?)", (payload,))

    for _ in range(400):  # about 6.6 MB of rows, one commit each, at a steady pace
        await write_blob()
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.2)  # let the last checkpoint finish
    await write_blob()
    with sqlite3.connect(engine.path) as reader:
        assert reader.execute("SELECT count(*) FROM blob").fetchone()[0] == 401
    reader.close()
    size = file_size(wal)
    # without checkpoints that start the WAL over, it would hold every row: over 6.6 MB
    assert size < 3_300_000, size
