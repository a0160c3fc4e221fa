"""A minimal change notification for view models (the widgets subscribe)."""

from __future__ import annotations

from collections.abc import Callable


class Observable:
    """Call :meth:`changed` after a change; every subscriber is called in order."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in list(self._listeners):
            listener()
