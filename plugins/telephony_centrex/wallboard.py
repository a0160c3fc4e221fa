"""The wallboard: per answer group, live, what a wall screen and the desktop client show.

Per group: calls waiting and the longest wait now, agents ready / busy (in a call or wrapping
up) / paused from presence, today's offered and answered calls, service level, ASA and
abandon rate (the definitions of :mod:`plugins.telephony_centrex.stats`), and the call-backs
waiting on the group's list. :func:`snapshot` computes it; ``GET …/wallboard/data`` returns it;
``GET …/wallboard`` is the page for a wall screen (Swedish, WCAG 2.1 AA; it holds no data
itself and asks for a sign-in, then reads the data with the user's token); and
:class:`Publisher` sends it as the live event ``telephony.wallboard`` every
``wallboard_seconds`` when it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from litestar import Controller, Response, get

from core import events
from core.contracts import Event
from core.db import raw
from core.reports.queries import fetch
from core.web import pages
from plugins.telephony_centrex import runtime, stats

log = logging.getLogger(__name__)

EVENT = "telephony.wallboard"  # registered in __init__.register_event_types
HERE = Path(__file__).resolve().parent
PAGE = HERE / "templates" / "wallboard.html"
STATIC_DIR = HERE / "static"
STATIC_TYPES = {"wallboard.js": pages.SCRIPT, "wallboard.css": pages.STYLE}

GROUPS_SQL = "SELECT code, name_sv, name_en FROM answer_group WHERE active = {} ORDER BY code"
WAITING_SQL = (
    "SELECT answer_group, COUNT(*) AS waiting, MIN(offered_at) AS oldest FROM telephony_call "
    "WHERE local_day = {} AND direction = 'in' AND state = 'ringing' GROUP BY answer_group"
)
AGENTS_SQL = (
    "SELECT s.state, s.groups FROM telephony_agent_state s JOIN kc_user u "
    "ON u.username = s.username WHERE s.state <> 'offline' AND u.active = {}"
)
CALLBACKS_SQL = (
    "SELECT g.code, COUNT(*) AS n FROM callback cb JOIN answer_group g ON g.id = cb.answer_group "
    "WHERE cb.outcome = 'pending' GROUP BY g.code"
)
BUSY = ("in_call", "wrap_up")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _row(code: str, names: tuple[str, str]) -> dict[str, Any]:
    return {
        "answer_group": code,
        "name_sv": names[0],
        "name_en": names[1],
        "waiting": 0,
        "longest_wait_seconds": 0,
        "waiting_since": None,
        "agents_ready": 0,
        "agents_busy": 0,
        "agents_paused": 0,
        "callbacks_waiting": 0,
    }


async def snapshot(now: float | None = None) -> dict[str, Any]:
    """The wallboard now: one row per answer group (active groups and any with calls today)
    and a row of totals."""
    now = now or time.time()
    today = stats.today(now=now)
    names = {r["code"]: (r["name_sv"], r["name_en"]) for r in await fetch(GROUPS_SQL, True)}
    figures = await stats.compute(today, today, None, with_agents=False)
    rows: dict[str, dict[str, Any]] = {}

    def row(code: str | None) -> dict[str, Any]:
        code = code or ""
        if code not in rows:
            rows[code] = _row(code, names.get(code, (code or "–", code or "–")))
        return rows[code]

    for code in names:
        row(code)
    for item in await fetch(WAITING_SQL, today.isoformat()):
        target = row(item["answer_group"])
        target["waiting"] = int(item["waiting"])
        target["waiting_since"] = int(item["oldest"])
        target["longest_wait_seconds"] = max(0, int(now) - target["waiting_since"])
    for item in await fetch(AGENTS_SQL, True):
        key = ("agents_busy" if item["state"] in BUSY else
               "agents_ready" if item["state"] == "ready" else "agents_paused")  # fmt: skip
        for code in raw.json_list(item["groups"]):
            if code in rows:
                rows[code][key] += 1
    for item in await fetch(CALLBACKS_SQL):
        row(item["code"])["callbacks_waiting"] = int(item["n"])
    for code, tally in figures.by_group.items():
        row(code).update(_today(tally))
    for target in rows.values():
        target.setdefault("offered", 0)
        target.update({k: v for k, v in _today(stats.Tally()).items() if k not in target})
    ordered = sorted(rows.values(), key=lambda r: (r["answer_group"] == "", r["answer_group"]))
    total = _today(figures.total)
    total.update(
        waiting=sum(r["waiting"] for r in ordered),
        longest_wait_seconds=max((r["longest_wait_seconds"] for r in ordered), default=0),
        waiting_since=min(filter(None, (r["waiting_since"] for r in ordered)), default=None),
        callbacks_waiting=sum(r["callbacks_waiting"] for r in ordered),
    )
    return {
        "day": today.isoformat(),
        "at": int(now),
        "service_level_seconds": figures.limit_seconds,
        "groups": ordered,
        "total": total,
    }


def _today(tally: stats.Tally) -> dict[str, Any]:
    values = tally.figures()
    keys = ("offered", "answered", "abandoned", "service_level", "abandon_rate", "asa_seconds")
    return {key: values[key] for key in keys}


def _lasting(board: dict[str, Any]) -> dict[str, Any]:
    """The board without what changes by the clock alone (the time of the snapshot and the
    waits counted from it): the page counts waits up itself from ``waiting_since``."""
    ticking = ("at", "longest_wait_seconds")
    return {
        "groups": [{k: v for k, v in r.items() if k not in ticking} for r in board["groups"]],
        "total": {k: v for k, v in board["total"].items() if k not in ticking},
        **{k: v for k, v in board.items() if k not in ("groups", "total", *ticking)},
    }


class Publisher:
    """Sends the snapshot as a live event every ``seconds`` when it changed (API process)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last: str = ""
        self._task: asyncio.Task[None] | None = None

    async def publish_if_changed(self, now: float | None = None) -> bool:
        """Publish the snapshot if it differs from the last one sent; returns whether it did."""
        board = await snapshot(now)
        key = json.dumps(_lasting(board), sort_keys=True)
        if key == self.last:
            return False
        events.publish(Event(EVENT, board))
        self.last = key
        return True

    async def _run(self) -> None:
        while True:
            try:
                await self.publish_if_changed()
            except Exception:  # a failed round is logged, the next one tries again
                log.exception("wallboard: snapshot not published")
            await asyncio.sleep(self.seconds)

    def start(self) -> None:
        if self.seconds > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wallboard")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


_publisher: Publisher | None = None


async def start_publisher() -> None:
    """Start publishing (from the plugin's ``startup``); ``wallboard_seconds`` 0 turns it off."""
    global _publisher
    await stop_publisher()
    _publisher = Publisher(float(runtime.setting("wallboard_seconds", 5)))
    _publisher.start()


async def stop_publisher() -> None:
    global _publisher
    if _publisher is not None:
        await _publisher.stop()
        _publisher = None


class WallboardController(Controller):
    path = "/wallboard"
    tags = ["telephony"]

    @get("/", opt={"public": True}, include_in_schema=False, summary="The wall-screen page")
    async def page(self) -> Response[bytes]:
        return Response(PAGE.read_bytes(), media_type="text/html; charset=utf-8",
                        headers=PAGE_HEADERS)  # fmt: skip

    @get("/data", opt={"permission": "telephony.use"}, summary="The wallboard per answer group")
    async def data(self) -> dict[str, Any]:
        return await snapshot()


ROUTES = [WallboardController, pages.static_route(STATIC_DIR, STATIC_TYPES)]
