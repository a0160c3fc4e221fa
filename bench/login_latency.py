"""Login and authenticated-request latency against a real ``kontakt serve`` process.

Measured over HTTP with httpx from this process (so client and server share the machine):
``POST /api/v1/auth/login`` (Argon2id verification, a token row and an audit entry in one
transaction), then ``GET /api/v1/auth/me`` with the bearer token (token look-up, permission
guard, user read) sequentially and with 16 requests in flight.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from bench.common import (
    AGENT_PASSWORD,
    AGENT_USER,
    Report,
    installation,
    latency_summary,
    log,
    server,
)

CONCURRENCY = 16


@dataclass(frozen=True)
class Plan:
    logins: int
    requests: int
    concurrent_requests: int
    warmup: int


FULL = Plan(logins=60, requests=300, concurrent_requests=2000, warmup=30)
QUICK = Plan(logins=5, requests=30, concurrent_requests=160, warmup=5)

COLUMNS = [
    ("backend", "backend"),
    ("request", "request"),
    ("concurrency", "concurrency"),
    ("requests", "requests"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("mean_ms", "mean ms"),
    ("max_ms", "max ms"),
    ("req_per_s", "req/s"),
]

LOGIN_BODY = {"username": AGENT_USER, "password": AGENT_PASSWORD}


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response


def _login(client: httpx.Client) -> str:
    return _check(client.post("/api/v1/auth/login", json=LOGIN_BODY)).json()["token"]


def _timed(call, count: int) -> tuple[list[float], float]:
    """Run ``call`` count times in a row; per-call seconds and wall seconds."""
    samples = []
    wall_start = time.perf_counter()
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples, time.perf_counter() - wall_start


async def _concurrent(base_url: str, token: str, total: int) -> tuple[list[float], float]:
    """``total`` GET /auth/me requests, ``CONCURRENCY`` in flight; per-request and wall s."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {token}"}
    samples: list[float] = []
    remaining = total

    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:

        async def one() -> None:
            start = time.perf_counter()
            _check(await client.get("/api/v1/auth/me"))
            samples.append(time.perf_counter() - start)

        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))  # open the connections
        samples.clear()

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await one()

        wall_start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return samples, time.perf_counter() - wall_start


def measure(report: Report, backend: str, base_url: str, plan: Plan) -> None:
    """Every latency figure against one running server."""

    def add(request: str, concurrency: int, samples: list[float], wall: float) -> None:
        report.add(
            {
                "bench": "login_latency",
                "backend": backend,
                "request": request,
                "concurrency": concurrency,
                "requests": len(samples),
                **latency_summary(samples),
                "req_per_s": round(len(samples) / wall, 1),
            }
        )

    with httpx.Client(base_url=base_url, timeout=60) as client:
        token = ""
        for _ in range(max(1, plan.warmup // 10)):
            token = _login(client)
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(plan.warmup):
            _check(client.get("/api/v1/auth/me", headers=headers))

        log(f"login: {backend}: {plan.logins} sequential logins")
        samples, wall = _timed(lambda: _login(client), plan.logins)
        add("POST /auth/login", 1, samples, wall)

        log(f"login: {backend}: {plan.requests} sequential GET /auth/me")
        samples, wall = _timed(
            lambda: _check(client.get("/api/v1/auth/me", headers=headers)), plan.requests
        )
        add("GET /auth/me", 1, samples, wall)

    log(f"login: {backend}: {plan.concurrent_requests} GET /auth/me, {CONCURRENCY} in flight")
    samples, wall = asyncio.run(_concurrent(base_url, token, plan.concurrent_requests))
    add("GET /auth/me", CONCURRENCY, samples, wall)


def run(report: Report, backends: list[str], quick: bool) -> None:
    """The login/latency benchmark on the given backends."""
    plan = QUICK if quick else FULL
    for backend in backends:
        log(f"login: provisioning a {backend} installation and starting kontakt serve")
        with installation(backend) as inst, server(inst) as srv:
            measure(report, backend, srv.url, plan)
