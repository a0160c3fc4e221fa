"""Screen pop latency: call event in -> live event received by the ringing agent's websocket.

One ``kontakt serve`` process on SQLite (or PostgreSQL + Redis with ``--postgres``), 50 agents
connected to ``/api/v1/events``, calls arriving at 10 per second through the webhook, each
ringing one agent (round robin). The time runs from just before the webhook POST is sent to
the moment the agent's socket has the ``telephony.screen_pop`` of that call.

    python -m bench.telephony_screenpop [--duration 20] [--clients 50] [--rate 10] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from typing import Any

from bench.common import (
    AGENT_PASSWORD,
    Report,
    ensure_services,
    installation,
    latency_summary,
    log,
    machine,
    server,
)
from bench.registration import _spawn
from bench.telephony_ingest import GROUP, TOKEN

HOOK = "/api/v1/plugins/telephony_centrex/webhook/centrex"


def agents(count: int) -> list[str]:
    return [f"pop-agent-{n:02d}" for n in range(count)]


def setup_main(env: dict[str, str], count: int) -> None:
    """The plugin enabled with its token, an answer group and ``count`` agents (own process)."""
    from bench.telephony_ingest import setup_main as telephony_setup
    from core import db
    from core.auth import service
    from core.runtime import configure_storage
    from core.settings import load_settings

    telephony_setup(env)
    configure_storage(load_settings(env=env))

    async def go() -> None:
        try:
            for name in agents(count):
                await service.create_user("bench", name, "Pop Agent", AGENT_PASSWORD, ["agent"])
        finally:
            await db.close_pool()

    asyncio.run(go())


async def measure(url: str, count: int, rate: float, duration: float) -> dict[str, Any]:
    import httpx
    from websockets.asyncio.client import connect

    sent: dict[str, float] = {}
    latencies: list[float] = []
    all_in = asyncio.Event()  # set when every pop of the posted calls has arrived
    posting = [True]
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        tokens = []
        for name in agents(count):
            body = {"username": name, "password": AGENT_PASSWORD}
            tokens.append((await http.post("/api/v1/auth/login", json=body)).json()["token"])
        ws_url = url.replace("http://", "ws://") + "/api/v1/events"
        sockets = [
            await connect(ws_url, additional_headers={"Authorization": f"Bearer {t}"})
            for t in tokens
        ]
        for ws in sockets:
            assert json.loads(await ws.recv())["type"] == "hello"

        async def listen(ws) -> None:
            async for message in ws:
                data = json.loads(message)
                if data["type"] == "telephony.screen_pop":
                    call = data["data"]["call"]["call_id"]
                    if call in sent:
                        latencies.append(time.perf_counter() - sent.pop(call))
                    if not sent and not posting[0]:
                        all_in.set()

        listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
        names = agents(count)
        headers = {"X-Kontakt-Token": TOKEN}
        posts = []
        calls = int(duration * rate)
        started = time.perf_counter()
        for n in range(calls):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            call = f"pop{n}"
            body = {
                "event": "newCall",
                "callId": call,
                "from": f"070{n % 10**7:07d}",
                "to": "0850050000",
                "queue": GROUP,
                "user": names[n % count],
            }
            sent[call] = time.perf_counter()
            posts.append(asyncio.create_task(http.post(HOOK, json=body, headers=headers)))
        answers = await asyncio.gather(*posts)
        posting[0] = False
        if sent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_in.wait(), 10)
        for task in listeners:
            task.cancel()
        for ws in sockets:
            await ws.close()
    return {
        "calls": calls,
        "acknowledged": sum(1 for a in answers if a.status_code == 200),
        "pops": len(latencies),
        "lost": len(sent),
        **latency_summary(latencies),
    }


def run(duration: int, count: int, rate: float, backend: str) -> dict[str, Any]:
    if backend == "postgres":
        ensure_services()
    with installation(backend) as inst:
        inst.env["KONTAKT_SQLITE_SYNCHRONOUS"] = "NORMAL"
        _spawn(setup_main, inst.env, count)
        with server(inst) as srv:
            log(f"screen pop: {count} sockets, {rate} calls/s for {duration}s on {backend}")
            result = asyncio.run(measure(srv.url, count, rate, duration))
    return {
        "bench": "telephony_screenpop",
        "backend": backend,
        "clients": count,
        "rate": rate,
        **result,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead")
    args = parser.parse_args(argv)
    report = Report(quick=args.duration < 10)
    backend = "postgres" if args.postgres else "sqlite"
    report.add(run(args.duration, args.clients, args.rate, backend))
    print(machine())
    print(
        report.table(
            "telephony_screenpop",
            [
                ("backend", "backend"),
                ("clients", "sockets"),
                ("rate", "calls/s"),
                ("calls", "calls"),
                ("pops", "pops"),
                ("lost", "lost"),
                ("p50_ms", "p50 ms"),
                ("p99_ms", "p99 ms"),
                ("max_ms", "max ms"),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
