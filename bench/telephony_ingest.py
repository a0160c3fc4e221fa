"""Webhook ingest of call events: one ``kontakt serve`` process on SQLite, 16 concurrent senders.

The switch's side is played by ``wrk`` (C, one thread; see bench/README on why not the Python
generator): each request is one Zammad/sipgate-shaped JSON event with the installation's
token, for ever new calls — newCall, answer, hangup per call, and one call in ten abandoned
(newCall, hangup with ``cancel``: registered as a contact with a call-back at once). The 16
connections send the three events of a call concurrently, so they also arrive out of order.
Afterwards the stored events are counted: every acknowledged event must be there (wrk drops
the answers still in flight when its time is up, so up to ``concurrency`` more may exist).

    python -m bench.telephony_ingest [--duration 20] [--concurrency 16] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
from typing import Any

from bench.common import (
    Report,
    ensure_services,
    installation,
    load_average,
    log,
    machine,
    server,
    wrk,
)
from bench.registration import _ensure_wrk, _spawn, _verified

TOKEN = "bench-webhook-token-0123456789abcdef"
GROUP = "vard"
# Events of call k = n // 3, step n % 3; call k % 10 == 0 is abandoned and its third request
# rings a call that is never finished (so every request is a new event).
LUA = r"""
local counter = -1
local headers = { ["Content-Type"] = "application/json", ["X-Kontakt-Token"] = "__TOKEN__" }
request = function()
  counter = counter + 1
  local call, step = math.floor(counter / 3), counter % 3
  local from = string.format("070%07d", call % 10000000)
  local body
  if call % 10 == 0 then
    if step == 0 then
      body = '{"event":"newCall","callId":"c' .. call .. '","from":"' .. from ..
        '","to":"0850050000","direction":"in","queue":"__GROUP__"}'
    elseif step == 1 then
      body = '{"event":"hangup","callId":"c' .. call .. '","cause":"cancel","direction":"in"}'
    else
      body = '{"event":"newCall","callId":"r' .. call .. '","from":"' .. from ..
        '","direction":"in","queue":"__GROUP__"}'
    end
  elseif step == 0 then
    body = '{"event":"newCall","callId":"c' .. call .. '","from":"' .. from ..
      '","to":"0850050000","direction":"in","queue":"__GROUP__"}'
  elseif step == 1 then
    body = '{"event":"answer","callId":"c' .. call .. '","user":"bench-agent","direction":"in"}'
  else
    body = '{"event":"hangup","callId":"c' .. call .. '","cause":"normalClearing",' ..
      '"user":"bench-agent","direction":"in"}'
  end
  return wrk.format("POST", nil, headers, body)
end
""".replace("__TOKEN__", TOKEN).replace("__GROUP__", GROUP)


def setup_main(env: dict[str, str]) -> None:
    """Answer group, webhook token and the plugin enabled (its migrations run), own process."""
    from core import db
    from core.org import service as org
    from core.plugin_admin import service
    from core.runtime import configure_storage
    from core.secrets import keystore
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> None:
        try:
            keystore.put("telephony-webhook-token", TOKEN)
            await org.save_group("bench", GROUP, {"name_sv": "Vård och omsorg"})
            await service.set_enabled("bench", "telephony_centrex", True)
        finally:
            await db.close_pool()

    asyncio.run(go())


def count_main(env: dict[str, str], queue: Any) -> None:
    """Stored events, calls and contacts of the run (own process)."""
    from core import db
    from core.db import raw
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> tuple[int, int, int]:
        try:
            counts = []
            for table in ("telephony_call_event", "telephony_call", "contact"):
                rows = await raw.fetch(f"SELECT COUNT(*) AS n FROM {table}")
                counts.append(int(rows[0]["n"]))
            return counts[0], counts[1], counts[2]
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def run(duration: int, concurrency: int, backend: str) -> dict[str, Any]:
    if backend == "postgres":
        ensure_services()
    _ensure_wrk()
    with installation(backend) as inst:
        inst.env["KONTAKT_SQLITE_SYNCHRONOUS"] = "NORMAL"
        _spawn(setup_main, inst.env)
        with server(inst) as srv:
            url = srv.url + "/api/v1/plugins/telephony_centrex/webhook/centrex"
            log(f"telephony ingest: {url} for {duration}s at c={concurrency}")
            cpu_before = srv.cpu_seconds()
            result = wrk(url, LUA, duration, concurrency)
            cpu = srv.cpu_seconds() - cpu_before
            load = load_average()
        queue = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(
            target=count_main, args=(inst.env, queue)
        )
        proc.start()
        events, calls, contacts = queue.get(timeout=120)
        proc.join()
    result.update(
        {
            "bench": "telephony_ingest",
            "backend": backend,
            "db_events": events,
            "db_calls": calls,
            "db_contacts": contacts,
            "verified": _verified(result, events),
            # the server's own CPU per event: what the figures would be on an idle machine
            "server_cpu_ms": round(cpu * 1000 / max(1, result["requests"]), 3),
            "server_cpu_share": round(cpu / result["seconds"], 2),
            "load_average": load,
        }
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead")
    args = parser.parse_args(argv)
    report = Report(quick=args.duration < 10)
    report.add(run(args.duration, args.concurrency, "postgres" if args.postgres else "sqlite"))
    print(machine())
    print(
        report.table(
            "telephony_ingest",
            [
                ("backend", "backend"),
                ("concurrency", "c"),
                ("rps", "events/s"),
                ("p50_ms", "p50 ms"),
                ("p99_ms", "p99 ms"),
                ("ok", "acknowledged"),
                ("db_events", "stored"),
                ("server_cpu_ms", "server CPU ms/event"),
                ("db_contacts", "contacts"),
                ("verified", "all stored"),
                ("load_average", "load"),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
