"""Desktop screen pop: telephony webhook event in -> the client's telephony panel painted.

One ``kontakt serve`` (SQLite, or PostgreSQL + Redis with ``--postgres``) with the telephony
plugin on, the real desktop client offscreen (``QT_QPA_PLATFORM=offscreen``, qasync loop, the
main window with its telephony panel) signed in as one agent. N calls are posted to the
webhook one after the other; each time runs from just before the POST to the moment the
panel has shown the call and been repainted (``repaint()``, synchronous). Goal: p99 < 100 ms.

    python -m bench.desktop_screenpop [--calls 200] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import (  # noqa: E402
    AGENT_PASSWORD,
    Report,
    ensure_services,
    installation,
    latency_summary,
    log,
    machine,
    server,
)
from bench.registration import _spawn  # noqa: E402
from bench.telephony_ingest import GROUP, TOKEN  # noqa: E402
from bench.telephony_screenpop import HOOK, agents, setup_main  # noqa: E402


async def measure(url: str, calls: int) -> dict[str, Any]:
    import httpx

    from desktop.api.client import ApiClient
    from desktop.panels.telephony import TelephonyPanel
    from desktop.ui.main_window import MainWindow
    from desktop.viewmodels.session import Session

    agent = agents(1)[0]
    client = ApiClient(url)
    await client.sign_in(agent, AGENT_PASSWORD)
    session = Session(client, Path(tempfile.mkdtemp(prefix="desk-bench-")))
    session.start()
    window = MainWindow(session, lambda: None)
    window.show()
    panel = next(p for p in window.panels if isinstance(p, TelephonyPanel))
    while not session.live.connected:  # noqa: ASYNC110 (a flag of the client, no event)
        await asyncio.sleep(0.05)
    painted: dict[str, float] = {}
    arrived = asyncio.Event()

    def on_pop() -> None:  # after the panel's own subscriber has filled it
        panel.repaint()
        call = ((panel.pop.pop or {}).get("call") or {}).get("call_id")
        if call:
            painted[str(call)] = time.perf_counter()
            arrived.set()

    panel.pop.subscribe(on_pop)
    latencies: list[float] = []
    lost = 0
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for n in range(calls):
            call = f"dpop{n}-{time.monotonic_ns()}"
            body = {
                "event": "newCall",
                "callId": call,
                "from": f"070{n % 10**7:07d}",
                "to": "0850050000",
                "queue": GROUP,
                "user": agent,
            }
            arrived.clear()
            sent = time.perf_counter()
            answer = await http.post(HOOK, json=body, headers={"X-Kontakt-Token": TOKEN})
            assert answer.status_code == 200, answer.text
            deadline = sent + 5
            while call not in painted and time.perf_counter() < deadline:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), deadline - time.perf_counter())
                arrived.clear()
            if call in painted:
                latencies.append(painted[call] - sent)
            else:
                lost += 1
            await asyncio.sleep(0.02)
    await session.stop()
    window.close()
    ordered = sorted(latencies)
    p95 = round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2) if ordered else None
    return {
        "calls": calls,
        "pops": len(latencies),
        "lost": lost,
        **latency_summary(latencies),
        "p95_ms": p95,
    }


def run(calls: int, backend: str) -> dict[str, Any]:
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.ui import tasks

    if backend == "postgres":
        ensure_services()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    tasks.set_loop(loop)
    with installation(backend) as inst:
        inst.env["KONTAKT_SQLITE_SYNCHRONOUS"] = "NORMAL"
        _spawn(setup_main, inst.env, 1)
        with server(inst) as srv:
            log(f"desktop screen pop: {calls} calls on {backend}")
            result = loop.run_until_complete(measure(srv.url, calls))
    return {"bench": "desktop_screenpop", "backend": backend, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead")
    args = parser.parse_args(argv)
    report = Report(quick=args.calls < 50)
    report.add(run(args.calls, "postgres" if args.postgres else "sqlite"))
    print(machine())
    print(
        report.table(
            "desktop_screenpop",
            [
                ("backend", "backend"),
                ("calls", "calls"),
                ("pops", "pops painted"),
                ("lost", "lost"),
                ("p50_ms", "p50 ms"),
                ("p95_ms", "p95 ms"),
                ("p99_ms", "p99 ms"),
                ("max_ms", "max ms"),
            ],
        )
    )
    sys.stdout.flush()
    # Qt's objects outlive the interpreter's finalisation otherwise (a PySide6 refcount abort
    # at exit after the figures are printed): leave without running it
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
