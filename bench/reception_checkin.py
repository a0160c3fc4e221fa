"""Visitor reception: kiosk check-in over HTTP at 16 concurrent kiosks, and the evacuation
roll call of 1 000 people inside as PDF.

One ``kontakt serve`` process on SQLite (or PostgreSQL + Redis with ``--postgres``), the
plugin ``visitor_reception`` enabled, 16 paired kiosks (one token each) checking visitors in
with ``POST /kiosk/check-in`` (a visit, its core contact, the host's e-mail in the outbox and
an audit entry per request), 16 in flight, until 1 000 people are inside. The kiosks are played
by ``wrk`` (C, one connection per kiosk, request n through kiosk n mod 16), as in the telephony
bench: the Python client (``--loader httpx``) costs about 2 ms of CPU a request itself and
competes with the server for the two cores. Afterwards every acknowledged check-in must be
inside. Then the reception
starts the roll call and fetches ``/roll-calls/latest/pdf``; the PDF's time is measured over
HTTP (the whole request) and for the rendering alone. Goals: check-in p99 < 50 ms, PDF < 1 s.

    python -m bench.reception_checkin [--visits 1000] [--kiosks 16] [--postgres]
                                      [--loader wrk|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    AGENT_PASSWORD,
    WRK_STOP_LUA,
    Report,
    ensure_services,
    installation,
    latency_summary,
    load_average,
    log,
    machine,
    server,
    wrk,
)
from bench.registration import _ensure_wrk, _spawn

BASE = "/api/v1/plugins/visitor_reception"
DESK_USER = "bench-reception"


def setup_main(env: dict[str, str], kiosks: int, out: str) -> None:
    """The plugin enabled, a host, a reception user and ``kiosks`` paired kiosks whose
    tokens and the host's id are written to ``out`` (own process)."""
    from core import db
    from core.auth import service
    from core.plugin_admin import service as plugins
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> dict[str, Any]:
        try:
            await plugins.set_enabled("bench", "visitor_reception", True)
            from plugins.visitor_reception import hosts
            from plugins.visitor_reception import kiosks as kiosk_service

            await service.create_user(
                "bench", "bench-host", "Vera Värd", AGENT_PASSWORD, ["case_officer"],
                email="vera@example.org",
            )  # fmt: skip
            await service.create_user(
                "bench", DESK_USER, "Rut Reception", AGENT_PASSWORD, ["reception"]
            )
            host = await hosts.save("bench", "bench-host", "Bygglov", "Plan 3", False, True)
            tokens = [
                (await kiosk_service.pair("bench", f"Kiosk {n}", "Entrén"))["token"]
                for n in range(kiosks)
            ]
            return {"host": host["id"], "tokens": tokens}
        finally:
            await db.close_pool()

    Path(out).write_text(json.dumps(asyncio.run(go())))


def render_only(people: int) -> float:
    """Seconds to render the roll call PDF of ``people`` (no database, no HTTP)."""
    from zoneinfo import ZoneInfo

    from plugins.visitor_reception import pdf

    person = {
        "visitor_name": "Åsa Öberg-Lindqvist",
        "organisation": "Byggkonsult i Ekeby AB",
        "host": {"name": "Vera Värd"},
        "location": "Plan 3, rum 301",
        "needs_assistance": False,
        "safe_at": None,
    }
    listed = [{**person, "needs_assistance": n % 20 == 0} for n in range(people)]
    start = time.perf_counter()
    pdf.roll_call(listed, int(time.time()), int(time.time()), "sv", ZoneInfo("Europe/Stockholm"))
    return time.perf_counter() - start


async def load(url: str, host: int, tokens: list[str], visits: int) -> list[float]:
    """Check ``visits`` visitors in through the kiosks, one worker per kiosk."""
    import httpx

    samples: list[float] = []
    counter = iter(range(visits))

    async def kiosk(http: httpx.AsyncClient, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        for n in counter:
            body = {
                "visitor_name": f"Besökare {n}",
                "organisation": "Ekeby Bygg AB",
                "purpose": "Möte",
                "host_id": host,
                "needs_assistance": n % 20 == 0,
            }
            start = time.perf_counter()
            response = await http.post(f"{BASE}/kiosk/check-in", json=body, headers=headers)
            samples.append(time.perf_counter() - start)
            if response.status_code != 201:
                raise RuntimeError(f"check-in {n}: {response.status_code} {response.text}")

    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        await asyncio.gather(*(kiosk(http, token) for token in tokens))
    return samples


async def roll_call(url: str) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": DESK_USER, "password": AGENT_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        started = await http.post(f"{BASE}/roll-calls", json={"reason": "bench"}, headers=headers)
        people = started.json()["counts"]["inside"]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            response = await http.get(f"{BASE}/roll-calls/latest/pdf", headers=headers)
            times.append(time.perf_counter() - start)
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise RuntimeError(f"roll call PDF: {response.status_code}")
    return {
        "people": people,
        "pdf_http_s": round(min(times), 3),
        "pdf_bytes": len(response.content),
    }


# Check-ins through wrk: request n uses kiosk n % kiosks; wrk is stopped after LIMIT answers.
LUA = r"""
local tokens = { __TOKENS__ }
local counter, answered = -1, 0
request = function()
  counter = counter + 1
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer " .. tokens[counter % #tokens + 1] }
  local body = string.format('{"visitor_name":"Besökare %d","organisation":"Ekeby Bygg AB",' ..
    '"purpose":"Möte","host_id":__HOST__,"needs_assistance":%s}', counter,
    counter % 20 == 0 and "true" or "false")
  return wrk.format("POST", nil, headers, body)
end
response = function(status, headers, body)
  answered = answered + 1
  if answered == __LIMIT__ then __STOP__ end
end
"""


def check_ins_wrk(url: str, host: int, tokens: list[str], visits: int) -> dict[str, Any]:
    """``visits`` check-ins from wrk (C), one connection per kiosk; wrk's own figures."""
    lua = (
        LUA.replace("__TOKENS__", ", ".join(f'"{t}"' for t in tokens))
        .replace("__HOST__", str(host))
        .replace("__LIMIT__", str(visits))
        .replace("__STOP__", WRK_STOP_LUA)
    )
    result = wrk(url + f"{BASE}/kiosk/check-in", lua, 600, len(tokens))
    return {
        "checkins": result["ok"],
        "checkins_per_s": result["rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "max_ms": result["max_ms"],
        "refused": result["non_2xx"] + result["socket_errors"],
    }


def check_ins_httpx(url: str, host: int, tokens: list[str], visits: int) -> dict[str, Any]:
    """``visits`` check-ins from this process (httpx, one task per kiosk)."""
    start = time.perf_counter()
    samples = asyncio.run(load(url, host, tokens, visits))
    wall = time.perf_counter() - start
    return {
        "checkins": len(samples),
        "checkins_per_s": round(len(samples) / wall, 1),
        **latency_summary(samples),
        "refused": 0,
    }


WARM_UP = 20


def run(backend: str, visits: int, kiosks: int, loader: str) -> dict[str, Any]:
    if loader == "wrk":
        _ensure_wrk()
    with installation(backend) as inst:
        out = inst.data_dir / "reception-bench.json"
        _spawn(setup_main, inst.env, kiosks, str(out))
        setup = json.loads(out.read_text())
        inst.env["KONTAKT_PLUGIN_VISITOR_RECEPTION_KIOSK_CHECKINS_PER_MINUTE"] = "10000000"
        with server(inst) as srv:
            log(f"reception {backend}: {visits} check-ins from {kiosks} kiosks ({loader})")
            asyncio.run(load(srv.url, setup["host"], setup["tokens"][:1], WARM_UP))
            measure = check_ins_wrk if loader == "wrk" else check_ins_httpx
            start, cpu_before = time.perf_counter(), srv.cpu_seconds()
            result = measure(srv.url, setup["host"], setup["tokens"], visits - WARM_UP)
            wall, cpu = time.perf_counter() - start, srv.cpu_seconds() - cpu_before
            busy = load_average()
            figures = asyncio.run(roll_call(srv.url))
    # every acknowledged check-in is inside (wrk drops the answers in flight when it stops)
    stored = figures["people"] - WARM_UP
    slack = kiosks if loader == "wrk" else 0
    return {
        "bench": "reception",
        "backend": backend,
        "loader": loader,
        "kiosks": kiosks,
        **result,
        # the server's own CPU per check-in: what the latency is built of on an idle machine
        # (the kiosks in flight wait for each other's turn on the one event loop)
        "server_cpu_ms": round(cpu * 1000 / max(1, result["checkins"]), 2),
        "server_cpu_share": round(cpu / wall, 2),
        "load_average": busy,
        "verified": result["refused"] == 0
        and result["checkins"] <= stored <= result["checkins"] + slack,
        **figures,
        "pdf_render_s": round(render_only(figures["people"]), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--kiosks", type=int, default=16)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--loader",
        choices=("wrk", "httpx"),
        default="wrk",
        help="wrk (C, default) or httpx in this process (about 2 ms of CPU a request itself)",
    )
    args = parser.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    if backend == "postgres":
        ensure_services()
    report = Report(quick=args.visits < 1000)
    report.add(run(backend, args.visits, args.kiosks, args.loader))
    print(machine())
    print(
        report.table(
            "reception",
            [
                ("backend", "backend"),
                ("loader", "loader"),
                ("kiosks", "kiosks"),
                ("checkins_per_s", "check-ins/s"),
                ("p50_ms", "p50 ms"),
                ("p99_ms", "p99 ms (goal < 50)"),
                ("server_cpu_ms", "server CPU ms/check-in"),
                ("load_average", "load"),
                ("verified", "all stored"),
                ("people", "inside"),
                ("pdf_http_s", "roll call PDF s (goal < 1)"),
                ("pdf_render_s", "render only s"),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
