"""Background jobs with huey: the queue, periodic tasks from hooks, and ``kontakt worker``.

The queue is a SQLite file of its own (``<data_dir>/queue.sqlite3``) on one box and Redis when
``KONTAKT_REDIS_URL`` is set. Task functions are plain sync functions; the ones that need the
database call :func:`run_async`, which runs coroutines on one long-lived event loop per process
so database connections are pooled across tasks.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from huey import Huey, RedisHuey, SqliteHuey, crontab

from core.settings import Settings

T = TypeVar("T")

CALL_TASK = "kontakt.call"

_huey: Huey | None = None
_tasks: dict[str, Any] = {}  # task name -> huey TaskWrapper (huey keys its registry by module)
_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


class JobsNotConfigured(RuntimeError):
    pass


def make_huey(settings: Settings, immediate: bool = False) -> Huey:
    """The huey instance the settings ask for."""
    if settings.redis_url:
        return RedisHuey(settings.instance_name, url=settings.redis_url, immediate=immediate)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        settings.instance_name, filename=str(settings.queue_path), immediate=immediate
    )


def configure(settings: Settings, periodic_tasks: list[Any], immediate: bool = False) -> Huey:
    """Create the queue and register the dispatcher and every periodic task on it."""
    global _huey
    huey = make_huey(settings, immediate=immediate)
    _tasks.clear()
    _tasks[CALL_TASK] = huey.task(name=CALL_TASK, retries=3, retry_delay=10)(_call_by_path)
    _huey = huey
    add_periodic_tasks(periodic_tasks)
    return huey


def add_periodic_tasks(periodic_tasks: list[Any]) -> list[str]:
    """Put periodic tasks on the schedule (also for a plugin enabled while running).

    Names already scheduled are left alone; returns the names added.
    """
    huey = get_huey()
    added = []
    for task in periodic_tasks:
        if task.name in _tasks:
            continue
        schedule = crontab(task.minute, task.hour, task.day, task.month, task.day_of_week)
        _tasks[task.name] = huey.periodic_task(schedule, name=task.name)(task.func)
        added.append(task.name)
    return added


def remove_periodic_tasks(names: list[str]) -> None:
    """Take periodic tasks off this process's schedule (a plugin was disabled)."""
    for name in names:
        wrapper = _tasks.pop(name, None) if name != CALL_TASK else None
        if wrapper is not None:
            wrapper.unregister()


def get_huey() -> Huey:
    if _huey is None:
        raise JobsNotConfigured("the job queue is not configured")
    return _huey


def _call_by_path(path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    module_name, _, func_name = path.partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return func(*args, **kwargs)


def enqueue(path: str, *args: Any, **kwargs: Any) -> Any:
    """Queue a call of the sync function ``"package.module:function"`` with JSON-able args."""
    module_name, sep, func_name = path.partition(":")
    if not sep or not module_name or not func_name:
        raise ValueError(f"job path {path!r} must look like 'package.module:function'")
    get_huey()
    return _tasks[CALL_TASK](path, list(args), kwargs)


def enqueue_periodic_now(name: str) -> Any:
    """Queue one run of a registered periodic task right away (for admins and tests)."""
    get_huey()
    wrapper = _tasks.get(name)
    if wrapper is None or name == CALL_TASK:
        raise KeyError(f"no periodic task named {name!r}")
    return wrapper()


def periodic_task_names() -> list[str]:
    return sorted(task.name for task in get_huey()._registry.periodic_tasks)


def queue_health() -> tuple[bool, str]:
    """(ok, detail) for the health endpoint: can the queue storage be reached?"""
    try:
        pending = get_huey().pending_count()
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, f"{pending} pending"


def _ensure_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="kontakt-jobs-loop", daemon=True).start()
            _loop = loop
        return _loop


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a sync task on the process's job event loop and wait for it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()
        raise RuntimeError("run_async() called from async code; await the coroutine instead")
    return asyncio.run_coroutine_threadsafe(coro, _ensure_loop()).result()
