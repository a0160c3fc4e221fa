"""A simulated switch for the demo and the benchmarks (driver ``simulator``).

Calls arrive per answer group with the rhythm of the demo municipality (``core.demo.data``:
the phone's share of contacts, the weekday factor, the morning peak and the lunch dip of the
opening hours, each group's seasonal weight), wait in the group's queue, give up after their
patience or are answered by the first free signed-in agent of the group, talk and hang up; the
agent wraps up and takes the next call. Everything is a :class:`CallEvent` handed to the
driver's sink (``service.ingest``), so contacts, screen pops, presence, call-backs, the
wallboard and the statistics see what a real switch would cause.

:class:`CallModel` is the pure, seeded model (advanced second by second to a given time, so
tests and benchmarks can run a day in a moment); :class:`SimulatorDriver` runs it in real time
and keeps the demo agents signed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.demo import data
from plugins.telephony_centrex.callevents import CallEvent
from plugins.telephony_centrex.drivers.base import Capability, Driver, Sink

log = logging.getLogger(__name__)

MEAN_PATIENCE = 150.0  # seconds a caller waits on average before giving up
MEAN_TALK = 180.0  # average handling time
WRAP_UP = 20.0
ANONYMOUS_SHARE = 0.06
MAX_STEPS = 24 * 3600  # one advance covers at most a day (a laptop that slept)
PRESENCE_EVERY = 15  # ticks between reading who is signed in
HOUR_TOTAL = sum(data.HOUR_WEIGHTS_OPEN.values())


def group_shares() -> list[dict[str, float]]:
    """Per month (0..11): each answer group's share of the calls (its case types' weights
    with their seasonal rhythm)."""
    shares = []
    for month in range(12):
        weights: dict[str, float] = defaultdict(float)
        for spec in data.CASE_TYPES:
            weights[spec.group] += spec.weight * spec.season[month]
        total = sum(weights.values()) or 1.0
        shares.append({code: weight / total for code, weight in weights.items()})
    return shares


def month_factors() -> list[float]:
    """Per month: the volume relative to the yearly mean."""
    totals = [sum(s.weight * s.season[m] for s in data.CASE_TYPES) for m in range(12)]
    mean = sum(totals) / 12
    return [t / mean for t in totals]


@dataclass
class SimCall:
    call_id: str
    group: str
    arrived: float
    patience: float
    talk: float
    agent: str = ""
    ends: float = 0.0


@dataclass
class SimAgent:
    username: str
    groups: tuple[str, ...]
    free_at: float = 0.0
    call: SimCall | None = None
    available: bool = True


@dataclass
class CallModel:
    """Seeded discrete-time model of the queues; :meth:`advance` returns the events up to a
    time. ``load`` scales the arrivals; ``always_open`` gives nights and weekends the rhythm
    of a Wednesday's opening hours, so a demo at any hour is alive."""

    agents: dict[str, SimAgent]
    seed: int = 1
    load: float = 1.0
    always_open: bool = True
    source: str = "simulator"
    timezone: str = "Europe/Stockholm"
    waiting: dict[str, list[SimCall]] = field(default_factory=lambda: defaultdict(list))
    ready_again: list[tuple[float, str, str]] = field(default_factory=list)  # (at, agent, call)
    clock: float | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.zone = ZoneInfo(self.timezone)
        self.shares = group_shares()
        self.months = month_factors()
        self.numbers = {g.code: g.phone for g in data.GROUPS}
        self._ids = itertools.count(1)
        self._rates: tuple[int, dict[str, float]] = (-1, {})

    @classmethod
    def demo(cls, **kwargs: Any) -> CallModel:
        """The model with the demo municipality's agents and their answer groups."""
        agents = {p.username: SimAgent(p.username, p.groups) for p in data.AGENTS}
        return cls(agents=agents, **kwargs)

    def rates(self, at: float) -> dict[str, float]:
        """Calls per second per answer group at ``at`` (cached per local hour)."""
        hour_key = int(at // 3600)
        if self._rates[0] == hour_key:
            return self._rates[1]
        local = datetime.fromtimestamp(at, self.zone)
        weekday, hour = local.weekday(), local.hour
        open_now = weekday < 5 and hour in data.HOUR_WEIGHTS_OPEN
        if not open_now and self.always_open:
            weekday, hour = 2, 8 + hour % 9
            open_now = True
        rates: dict[str, float] = {}
        if open_now:
            per_day = (
                data.CONTACTS_PER_WORKDAY
                * data.CHANNEL_MIX_OPEN["phone"]
                * data.WEEKDAY_FACTOR[weekday]
                * self.months[local.month - 1]
                * self.load
            )
            per_second = per_day * data.HOUR_WEIGHTS_OPEN[hour] / HOUR_TOTAL / 3600
            rates = {
                code: per_second * share for code, share in self.shares[local.month - 1].items()
            }
        self._rates = (hour_key, rates)
        return rates

    def _poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def _caller(self) -> str:
        if self.rng.random() < ANONYMOUS_SHARE:
            return ""
        return f"+4670{self.rng.randrange(10**7):07d}"

    def _arrive(self, group: str, at: float) -> CallEvent:
        call = SimCall(
            call_id=f"sim-{int(at)}-{next(self._ids)}",
            group=group,
            arrived=at,
            patience=self.rng.expovariate(1 / MEAN_PATIENCE),
            talk=max(20.0, self.rng.gammavariate(2.0, MEAN_TALK / 2)),
        )
        self.waiting[group].append(call)
        return CallEvent(
            source=self.source, call_id=call.call_id, kind="new", at=at,
            from_number=self._caller(), to_number=self.numbers.get(group, ""), queue=group,
        )  # fmt: skip

    def _event(self, call: SimCall, kind: str, at: float, **fields: Any) -> CallEvent:
        return CallEvent(source=self.source, call_id=call.call_id, kind=kind,  # type: ignore[arg-type]
                         at=at, queue=call.group, **fields)  # fmt: skip

    def _step(self, t: float) -> list[CallEvent]:
        events: list[CallEvent] = []
        for group, rate in self.rates(t).items():
            events.extend(self._arrive(group, t) for _ in range(self._poisson(rate)))
        for queue in self.waiting.values():
            for call in [c for c in queue if c.arrived + c.patience <= t]:
                queue.remove(call)
                events.append(self._event(call, "hangup", t, cause="abandon"))
        for agent in self.agents.values():
            call = agent.call
            if call is not None and call.ends <= t:
                agent.call, agent.free_at = None, t + WRAP_UP
                self.ready_again.append((t + WRAP_UP, agent.username, call.call_id))
                events.append(self._event(call, "hangup", t, user=agent.username,
                                          cause="normalClearing"))  # fmt: skip
        free = sorted(
            (a for a in self.agents.values() if a.available and a.call is None and a.free_at <= t),
            key=lambda a: (a.free_at, a.username),
        )
        for agent in free:
            queues = [self.waiting[g] for g in agent.groups if self.waiting.get(g)]
            if not queues:
                continue
            queue = min(queues, key=lambda q: q[0].arrived)
            call = queue.pop(0)
            call.agent, call.ends = agent.username, t + call.talk
            agent.call = call
            events.append(self._event(call, "answer", t, user=agent.username))
        return events

    def advance(self, now: float) -> list[CallEvent]:
        """Every event from the last call's time (exclusive) up to ``now``, second by second."""
        if self.clock is None:
            self.clock = math.floor(now) - 1
        steps = min(int(now - self.clock), MAX_STEPS)
        if steps >= MAX_STEPS:
            self.clock = math.floor(now) - steps
        events: list[CallEvent] = []
        for _ in range(steps):
            self.clock += 1
            events.extend(self._step(self.clock))
        return events

    def set_available(self, username: str, available: bool) -> None:
        """Sign a model agent in or out (a paused agent finishes the call it has)."""
        if username in self.agents:
            self.agents[username].available = available

    def waiting_now(self) -> dict[str, int]:
        return {group: len(calls) for group, calls in self.waiting.items() if calls}


class SimulatorDriver(Driver):
    """Runs :class:`CallModel` in real time: every ``tick`` seconds the events up to now go to
    the sink; the demo agents are signed in at start and ready again after their wrap-up.
    Settings: ``simulator_load`` (float, arrivals scale) and ``simulator_seed`` (int)."""

    name = "simulator"
    capabilities = frozenset({Capability.EVENTS, Capability.QUEUE_CONTROL})

    def __init__(self, config: dict[str, Any], tick: float = 1.0) -> None:
        super().__init__(config)
        self.model = CallModel.demo(
            seed=int(config.get("simulator_seed") or time.time()),
            load=float(config.get("simulator_load") or 1.0),
        )
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    async def start(self, sink: Sink) -> None:
        self.sink = sink
        self.state.set("connecting")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="call-simulator")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.state.set("stopped")

    async def set_paused(self, agent: str, paused: bool, reason: str = "") -> None:
        self.model.set_available(agent, not paused)

    async def _sign_in(self) -> None:
        """Sign the demo agents in (those that exist here); others stay out of the model."""
        from plugins.telephony_centrex import presence

        for username in list(self.model.agents):
            try:
                await presence.set_state(username, "ready")
            except Exception as exc:  # not a user of this installation (no demo data)
                log.info("simulator: %s not signed in (%s)", username, exc)
                self.model.set_available(username, False)

    async def _release(self) -> None:
        from plugins.telephony_centrex import presence

        now = time.time()
        due = [item for item in self.model.ready_again if item[0] <= now]
        self.model.ready_again = [item for item in self.model.ready_again if item[0] > now]
        for _, username, call_id in due:
            with contextlib.suppress(Exception):
                await presence.wrapped_up(username, call_id)

    async def _follow_presence(self) -> None:
        """Agents an administrator or the agent paused or signed out take no calls."""
        from plugins.telephony_centrex import presence

        signed_in = {row["username"]: row["state"] for row in await presence.signed_in()}
        for username in self.model.agents:
            state = signed_in.get(username, "offline")
            self.model.set_available(username, state in ("ready", "in_call", "wrap_up"))

    async def _run(self) -> None:
        await self._sign_in()
        self.state.set("connected")
        for round_ in itertools.count():
            if round_ % PRESENCE_EVERY == PRESENCE_EVERY - 1:
                try:
                    await self._follow_presence()
                except Exception:
                    log.exception("simulator: presence not read")
            for event in self.model.advance(time.time()):
                try:
                    await self.deliver(event)
                except Exception:
                    log.exception("simulator: event %s %s not ingested", event.call_id, event.kind)
            await self._release()
            await asyncio.sleep(self.tick)
