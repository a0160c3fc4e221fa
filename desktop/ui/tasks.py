"""Running coroutines from Qt slots on the asyncio loop (qasync), with failures reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from desktop.api.errors import ApiError, Unreachable
from desktop.i18n import _

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


def act(
    coroutine: Coroutine[Any, Any, Any], say: Callable[..., None], done: str = ""
) -> asyncio.Task[Any]:
    """Run a user's action in the background: what went wrong (the server's problem in the
    user's language, or that it cannot be reached) is told with ``say(text, problem=True)``,
    and ``done`` with ``say(done)`` when it went well."""

    async def acting() -> None:
        try:
            await coroutine
        except Unreachable:
            say(_("The server cannot be reached."), problem=True)
        except ApiError as exc:
            say(exc.detail, problem=True)
        else:
            if done:
                say(done)

    return spawn(acting())
