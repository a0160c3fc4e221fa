"""Running coroutines from Qt slots on the asyncio loop (qasync), with failures reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None
_tasks: set[asyncio.Task[Any]] = set()
_on_error: Callable[[BaseException], None] | None = None


def set_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The loop slots schedule on (the qasync loop of the application)."""
    global _loop
    _loop = loop


def on_error(handler: Callable[[BaseException], None] | None) -> None:
    """Who hears about a failed background call (the main window's status bar)."""
    global _on_error
    _on_error = handler


def spawn(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Schedule ``coroutine``; its exception goes to the error handler, never lost."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = _loop
    if loop is None:
        raise RuntimeError("no asyncio loop for the desktop's tasks")
    task = loop.create_task(coroutine)
    _tasks.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.warning("background call failed: %s", error)
        if _on_error is not None:
            _on_error(error)


def pending() -> int:
    return len(_tasks)
