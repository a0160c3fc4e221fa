"""Crisis mode activation: every connected client has the banner within 1 s.

One ``kontakt serve`` process on SQLite (or PostgreSQL + Redis with ``--postgres``) with the
crisis mode, telephony and visitor reception plugins enabled; 50 agents connected to the
live-event websocket ``/api/v1/events``; a surge of calls through the telephony webhook
(``--rate`` per second, each one a ringing call stored and a screen pop) during the whole run;
``--cases`` open cases of two ordinary case types. Each round the crisis team activates crisis
mode (an exercise, in a building) with every plan step — the approved crisis message to the
talsvar and the knowledge base, the crisis answer group, 24/7 calendars, the ordinary case
types set aside, the roll call, the on-call roster — and deactivates it again (undoing them).

Measured per round: the time from just before ``POST /activate`` is sent until each socket
has the ``crisis.mode_changed`` banner (and the same for the banner going off at
deactivation), and how long the activation's answer (all steps run) takes.

    python -m bench.crisis_activation [--rounds 5] [--clients 50] [--rate 20] [--cases 600]
                                      [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
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

BASE = "/api/v1/plugins/crisis_mode"
HOOK = "/api/v1/plugins/telephony_centrex/webhook/centrex"
TEAM = ("bench-kris", "goran.wik")
TYPES = ("bench-bygglov", "bench-lokalbokning")
GOAL_SECONDS = 1.0


def agents(count: int) -> list[str]:
    return [f"crisis-agent-{n:02d}" for n in range(count)]


def setup_main(env: dict[str, str], count: int) -> None:
    """Plugins enabled (migrations run), users, case types with an agreement, the crisis
    answer group, an approved crisis message, an on-call roster and the plan (own process)."""
    import datetime as dt

    from bench.telephony_ingest import setup_main as telephony_setup
    from core import db
    from core.auth import service as auth
    from core.org import lookup
    from core.org import service as org
    from core.plugin_admin import service as plugins
    from core.runtime import bootstrap_async, configure_storage
    from core.settings import load_settings
    from core.sla import agreements

    telephony_setup(env)
    settings = load_settings(env=env)
    configure_storage(settings)

    async def go() -> None:
        from plugins.crisis_mode.activation import plan
        from plugins.crisis_mode.messages import demo as message_demo
        from plugins.crisis_mode.situation import roster

        try:
            for name in ("visitor_reception", "crisis_mode"):
                await plugins.set_enabled("bench", name, True)
            await bootstrap_async(settings)  # the plugins loaded, the services configured
            for name in TEAM:
                await auth.create_user("bench", name, name, AGENT_PASSWORD, ["crisis_team"])
            for name in agents(count):
                await auth.create_user("bench", name, "Krisagent", AGENT_PASSWORD, ["agent"])
            await org.save_department("bench", "KFN", {"name_sv": "Kultur- och fritid"})
            dept = (await lookup.department("KFN"))["id"]
            agreement = await agreements.create_agreement(
                "bench", department_id=dept, name="Bench", valid_from=dt.date(2020, 1, 1)
            )
            for code in TYPES:
                await org.save_case_type("bench", code, {"name_sv": code, "department": "KFN"})
                await agreements.create_target(
                    "bench",
                    agreement["id"],
                    case_type_id=(await lookup.case_type(code))["id"],
                    first_response_minutes=120,
                    resolution_minutes=2400,
                )
            await org.save_group(
                "bench", "kris", {"name_sv": "Krisinformation", "name_en": "Crisis information",
                                  "active": False},
            )  # fmt: skip
            await message_demo.seed(TEAM[0])  # written by one, approved by the other
            for n, kind in enumerate(("jour", "jour", "posom")):
                await roster.create(
                    TEAM[0],
                    {"name": f"Jour {n}", "kind": kind, "email": f"jour{n}@ekeby.example",
                     "phone": "070-000 00 0{n}", "languages": ["sv"]},
                )  # fmt: skip
            await plan.save(
                TEAM[0],
                [
                    {"kind": "crisis_message", "settings": {"cancel_at_end": False}},
                    {"kind": "answer_group", "settings": {"group": "kris", "menu_key": "9"}},
                    {"kind": "opening_hours", "settings": {"calendars": []}},
                    {"kind": "case_types", "settings": {"case_types": list(TYPES)}},
                    {"kind": "roll_call", "settings": {"reason": "Utrymning"}},
                    {"kind": "roster", "settings": {}},
                ],
            )
        finally:
            await db.close_pool()

    asyncio.run(go())


async def _token(http: Any, username: str) -> str:
    body = {"username": username, "password": AGENT_PASSWORD}
    answer = await http.post("/api/v1/auth/login", json=body)
    answer.raise_for_status()
    return answer.json()["token"]


async def _open_cases(http: Any, token: str, count: int) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    queue = list(range(count))
    made = 0

    async def worker() -> None:
        nonlocal made
        while queue:
            n = queue.pop()
            body = {"channel": "phone", "case_type": TYPES[n % 2], "open_case": True,
                    "summary": f"Ordinarie ärende {n}"}  # fmt: skip
            answer = await http.post("/api/v1/contacts", json=body, headers=headers)
            made += answer.status_code == 201

    await asyncio.gather(*(worker() for _ in range(8)))
    return made


async def measure(url: str, count: int, rounds: int, rate: float, cases: int) -> dict[str, Any]:
    import httpx
    from websockets.asyncio.client import connect

    arrivals: dict[tuple[int, bool], list[float]] = {}
    started: dict[tuple[int, bool], float] = {}
    result: dict[str, Any] = {"rounds": rounds}
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        team = await _token(http, TEAM[0])
        result["open_cases"] = await _open_cases(http, await _token(http, TEAM[1]), cases)
        tokens = [await _token(http, name) for name in agents(count)]
        ws_url = url.replace("http://", "ws://") + "/api/v1/events"
        sockets = [
            await connect(ws_url, additional_headers={"Authorization": f"Bearer {t}"})
            for t in tokens
        ]
        for ws in sockets:
            assert json.loads(await ws.recv())["type"] == "hello"
        current = [0]

        async def listen(ws) -> None:
            async for message in ws:
                data = json.loads(message)
                if data["type"] == "crisis.mode_changed":
                    key = (current[0], bool(data["data"]["active"]))
                    if key in started:
                        arrivals.setdefault(key, []).append(time.perf_counter() - started[key])

        listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
        surge = [True]
        answered = {"ok": 0, "other": 0}

        def tally(task: asyncio.Task) -> None:
            ok = not task.cancelled() and task.exception() is None and task.result().is_success
            answered["ok" if ok else "other"] += 1

        async def calls() -> None:
            headers = {"X-Kontakt-Token": TOKEN}
            n = 0
            begin = time.perf_counter()
            pending: set[asyncio.Task] = set()
            while surge[0]:
                await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
                body = {"event": "newCall", "callId": f"kris{n}", "from": f"070{n:07d}",
                        "to": "0850050000", "queue": GROUP}  # fmt: skip
                task = asyncio.create_task(http.post(HOOK, json=body, headers=headers))
                pending.add(task)
                task.add_done_callback(pending.discard)
                task.add_done_callback(tally)
                n += 1
            await asyncio.gather(*pending, return_exceptions=True)

        load = asyncio.create_task(calls()) if rate > 0 else None
        await asyncio.sleep(1.0)
        headers = {"Authorization": f"Bearer {team}"}
        activation_s, deactivation_s, first_steps = [], [], []
        for r in range(rounds):
            current[0] = r
            started[(r, True)] = time.perf_counter()
            body = {"reason": f"Övning {r}: bakterier i dricksvattnet", "level": "extraordinary",
                    "exercise": True, "building": "Stadshuset"}  # fmt: skip
            answer = await http.post(f"{BASE}/activate", json=body, headers=headers)
            activation_s.append(time.perf_counter() - started[(r, True)])
            if answer.status_code != 201:
                raise RuntimeError(f"activation failed: {answer.status_code} {answer.text}")
            if r == 0:
                first_steps = [
                    (s["step"], s["status"], s["detail"]) for s in answer.json()["steps"]
                ]
            await _all_in(arrivals, (r, True), count)
            started[(r, False)] = time.perf_counter()
            body = {"reason": "Övningen är slut"}
            answer = await http.post(f"{BASE}/deactivate", json=body, headers=headers)
            deactivation_s.append(time.perf_counter() - started[(r, False)])
            if answer.status_code != 200:
                raise RuntimeError(f"deactivation failed: {answer.status_code} {answer.text}")
            await _all_in(arrivals, (r, False), count)
            await asyncio.sleep(0.5)
        surge[0] = False
        if load is not None:
            await load
        for task in listeners:
            task.cancel()
        for ws in sockets:
            await ws.close()
    on = [t for r in range(rounds) for t in arrivals.get((r, True), [])]
    off = [t for r in range(rounds) for t in arrivals.get((r, False), [])]
    per_round_max = [max(arrivals.get((r, True), [float("inf")])) for r in range(rounds)]
    banner = latency_summary(on)
    return {
        **result,
        "banners": len(on),
        "expected": rounds * count,
        "missing": rounds * count - len(on),
        "banner_p50_ms": banner["p50_ms"],
        "banner_p99_ms": banner["p99_ms"],
        "banner_max_ms": banner["max_ms"],
        "worst_round_max_ms": round(max(per_round_max) * 1000, 1),
        "within_1s": all(t <= GOAL_SECONDS for t in per_round_max),
        "banner_off_max_ms": round(max(off) * 1000, 1) if off else None,
        "activation_p50_ms": latency_summary(activation_s)["p50_ms"],
        "activation_max_ms": latency_summary(activation_s)["max_ms"],
        "deactivation_max_ms": latency_summary(deactivation_s)["max_ms"],
        "calls_acknowledged": answered["ok"],
        "calls_refused": answered["other"],
        "steps": first_steps,
    }


async def _all_in(arrivals: dict, key: tuple[int, bool], count: int, wait: float = 10) -> None:
    """Until every socket has the banner (or ``wait`` seconds passed)."""
    deadline = time.monotonic() + wait
    while len(arrivals.get(key, [])) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


def run(rounds: int, count: int, rate: float, cases: int, backend: str) -> dict[str, Any]:
    if backend == "postgres":
        ensure_services()
    with installation(backend) as inst:
        inst.env["KONTAKT_SQLITE_SYNCHRONOUS"] = "NORMAL"
        _spawn(setup_main, inst.env, count)
        with server(inst) as srv:
            log(f"crisis activation: {count} sockets, {rate} calls/s, {rounds} rounds, {backend}")
            result = asyncio.run(measure(srv.url, count, rounds, rate, cases))
    return {"bench": "crisis_activation", "backend": backend, "clients": count, "rate": rate,
            **result}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0, help="calls per second meanwhile")
    parser.add_argument("--cases", type=int, default=600, help="open ordinary cases")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead")
    args = parser.parse_args(argv)
    report = Report(quick=args.rounds < 3)
    backend = "postgres" if args.postgres else "sqlite"
    row = run(args.rounds, args.clients, args.rate, args.cases, backend)
    report.add(row)
    print(machine())
    print(
        report.table(
            "crisis_activation",
            [
                ("backend", "backend"),
                ("clients", "sockets"),
                ("rate", "calls/s"),
                ("open_cases", "open cases"),
                ("rounds", "rounds"),
                ("missing", "missing"),
                ("banner_p50_ms", "banner p50 ms"),
                ("banner_p99_ms", "banner p99 ms"),
                ("worst_round_max_ms", "banner max ms"),
                ("within_1s", "≤ 1 s"),
                ("banner_off_max_ms", "off max ms"),
                ("activation_p50_ms", "all steps p50 ms"),
                ("activation_max_ms", "all steps max ms"),
            ],
        )
    )
    print("plan steps of the first activation:")
    for step, status, detail in row["steps"]:
        print(f"  {step:15} {status:8} {detail}")
    return 0 if row["within_1s"] and not row["missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
