"""Jobs through a real ``kontakt worker`` (huey consumer) on this session's queue: the SQLite
queue file, or Redis on the postgres backend (KONTAKT_REDIS_URL)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from core import jobs
from core.plugin_admin import runtime as plugin_runtime
from core.plugin_admin import service
from tests.core.plugins import fixture_plugins
from tests.support.services import start_kontakt


@pytest.fixture(scope="module")
async def sample_enabled(tmp_path_factory, app, client):
    """kt_sample enabled (persisted, and applied to this process's schedule)."""
    fixture_plugins.install(tmp_path_factory.mktemp("kt-site"))
    await service.set_enabled("test", "kt_sample", True)
    await plugin_runtime.apply(app, "kt_sample", True)
    yield
    await service.set_enabled("test", "kt_sample", False)
    await plugin_runtime.apply(app, "kt_sample", False)


async def wait_until(check, limit: float = 90) -> None:
    import asyncio

    deadline = time.monotonic() + limit
    while not await check():
        assert time.monotonic() < deadline, "the worker did not run the task in time"
        await asyncio.sleep(0.3)


def test_enqueue_refuses_bad_paths_and_unknown_periodic_tasks(runtime):
    with pytest.raises(ValueError, match="must look like"):
        jobs.enqueue("no_colon_here")
    with pytest.raises(KeyError, match="no periodic task named 'nope'"):
        jobs.enqueue_periodic_now("nope")
    with pytest.raises(KeyError):
        jobs.enqueue_periodic_now(jobs.CALL_TASK)


async def test_tasks_run_in_a_real_worker(sample_enabled, settings, tmp_path: Path):
    from kt_sample.tables import KtSampleItem

    assert "kt_sample.tick" in jobs.periodic_task_names()
    worker = start_kontakt(
        ["worker", "--workers", "2"], tmp_path / "worker.log", {"PYTHONUNBUFFERED": "1"}
    )
    try:

        async def started() -> bool:
            assert worker.proc.poll() is None, worker.log()
            return "worker started; periodic tasks:" in worker.log()

        await wait_until(started)
        line = next(x for x in worker.log().splitlines() if "periodic tasks:" in x)
        names = line.split("periodic tasks:", 1)[1].replace(",", " ").split()
        assert {"kt_sample.tick", "core.audit_checkpoint"} <= set(names)

        target = tmp_path / f"job-{uuid.uuid4().hex[:8]}.txt"
        jobs.enqueue("kt_sample.tasks:write_file", str(target), "written by the worker")

        async def file_written() -> bool:
            assert worker.proc.poll() is None, worker.log()
            return target.exists()

        await wait_until(file_written)
        assert target.read_text(encoding="utf-8") == "written by the worker"

        ticks = await KtSampleItem.count().where(KtSampleItem.source == "periodic")
        jobs.enqueue_periodic_now("kt_sample.tick")

        async def ticked() -> bool:
            assert worker.proc.poll() is None, worker.log()
            return await KtSampleItem.count().where(KtSampleItem.source == "periodic") > ticks

        await wait_until(ticked)
        row = (
            await KtSampleItem.select()
            .where(KtSampleItem.source == "periodic")
            .order_by(KtSampleItem.id, ascending=False)
            .first()
        )
        assert (row["text"], row["created_by"]) == ("tick", "system:kt_sample")
    finally:
        worker.stop()
