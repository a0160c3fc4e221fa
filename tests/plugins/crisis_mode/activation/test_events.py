"""The activation area's contract with the other areas: ``events.current/get/timeline``."""

from __future__ import annotations

import pytest

from core.errors import NotFound


async def test_no_event_is_current_and_an_unknown_one_is_not_found(crisis):
    from plugins.crisis_mode.activation import events

    assert await events.current() is None or (await events.current())["status"] == "active"
    with pytest.raises(NotFound):
        await events.get(987654321)
    with pytest.raises(NotFound):
        await events.timeline(987654321)
