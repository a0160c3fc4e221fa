"""Erlang C: how many agents a queue needs for a service-level target.

The classic M/M/N model of a call queue: calls arrive at random (Poisson), handling times are
exponential, nobody abandons. Erlang C comes from Erlang B, computed with the iterative
recurrence ``B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))``, which stays exact and never
overflows, where the textbook form with ``A**N / N!`` fails beyond a few dozen agents.

Worked example (the one every call-centre text uses): 100 calls per 30 minutes, 180 s average
handling time, 14 agents, target 20 s → 10 Erlang, probability of waiting 0.174, service level
0.888, average speed of answer 7.8 s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

MAX_AGENTS = 10_000


def traffic(calls: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered traffic in Erlang: arrivals per second times the average handling time."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    return calls / interval_seconds * aht_seconds


def erlang_b(agents: int, erlangs: float) -> float:
    """Blocking probability of ``agents`` servers offered ``erlangs`` (iterative, stable)."""
    if agents < 0 or erlangs < 0:
        raise ValueError("agents and traffic must not be negative")
    b = 1.0
    for n in range(1, agents + 1):
        b = erlangs * b / (n + erlangs * b)
    return b


def wait_probability(agents: int, erlangs: float) -> float:
    """Erlang C: the probability that a call has to wait (1.0 when the queue is overloaded)."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    b = erlang_b(agents, erlangs)
    return agents * b / (agents - erlangs * (1 - b))


def service_level(agents: int, erlangs: float, target_seconds: float, aht_seconds: float) -> float:
    """Share of calls answered within ``target_seconds``."""
    if erlangs <= 0:
        return 1.0
    if agents <= erlangs or aht_seconds <= 0:
        return 0.0
    c = wait_probability(agents, erlangs)
    return 1.0 - c * math.exp(-(agents - erlangs) * target_seconds / aht_seconds)


def average_speed_of_answer(agents: int, erlangs: float, aht_seconds: float) -> float:
    """Mean wait over all calls in seconds (``inf`` when the queue is overloaded)."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return math.inf
    return wait_probability(agents, erlangs) * aht_seconds / (agents - erlangs)


def agents_needed(
    erlangs: float,
    aht_seconds: float,
    target_seconds: float,
    target_level: float,
    shrinkage: float = 0.0,
) -> tuple[int, int]:
    """(agents on the phones, agents to schedule) for ``target_level`` within ``target_seconds``.

    The first number is the smallest N meeting the target; the second adds ``shrinkage``
    (the share of paid time not on the phones: breaks, training, absence), rounded up.
    """
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    if not 0 < target_level < 1:
        raise ValueError("target_level must be in (0, 1)")
    if erlangs <= 0:
        return 0, 0
    agents = max(1, math.floor(erlangs) + 1)
    while service_level(agents, erlangs, target_seconds, aht_seconds) < target_level:
        agents += 1
        if agents > MAX_AGENTS:
            raise ValueError("traffic too high to staff")
    return agents, math.ceil(agents / (1 - shrinkage) - 1e-9)


@dataclass(frozen=True)
class Staffing:
    """The forecast for one half hour (``slot`` 0..47, local time)."""

    slot: int
    calls: float
    aht_seconds: float
    erlangs: float
    agents: int
    scheduled: int
    service_level: float
    asa_seconds: float

    @property
    def label(self) -> str:
        """The half hour as ``HH:MM``."""
        return f"{self.slot // 2:02d}:{30 * (self.slot % 2):02d}"


def forecast(
    arrivals: Iterable[tuple[int, float, float]],
    target_seconds: float = 120,
    target_level: float = 0.8,
    shrinkage: float = 0.3,
) -> list[Staffing]:
    """Agents needed per half hour from measured ``(slot, calls, aht_seconds)`` rows.

    ``calls`` is the expected number of calls in that half hour (e.g. the mean over the
    measured days) and ``aht_seconds`` their handling time; slots without calls are skipped.
    """
    result = []
    for slot, calls, aht in sorted(arrivals):
        if calls <= 0 or aht <= 0:
            continue
        a = traffic(calls, 1800, aht)
        agents, scheduled = agents_needed(a, aht, target_seconds, target_level, shrinkage)
        result.append(
            Staffing(
                slot=slot,
                calls=calls,
                aht_seconds=aht,
                erlangs=a,
                agents=agents,
                scheduled=scheduled,
                service_level=service_level(agents, a, target_seconds, aht),
                asa_seconds=average_speed_of_answer(agents, a, aht),
            )
        )
    return result
