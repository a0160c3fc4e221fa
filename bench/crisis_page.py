"""The public crisis page and the CAP feed under a surge of readers: one ``kontakt serve``
process, the crisis_mode plugin enabled and an approved message in Swedish, English, Arabic
and Finnish; ``--clients`` concurrent readers fetch the page (languages in turn), phones
revalidating it (``If-None-Match``, a 304), the CAP alert and the Atom index, and for a
baseline the health check. Prints the requests per second, the latency percentiles and the
sizes (the page gzipped too).

    python -m bench.crisis_page [--requests 2000] [--clients 32] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import itertools
import json
import time
from pathlib import Path
from typing import Any

from bench.common import (
    Report,
    ensure_services,
    installation,
    latency_summary,
    log,
    machine,
    server,
)
from bench.registration import _spawn

PUBLIC = "/api/v1/plugins/crisis_mode/public"
LANGUAGES = ("sv", "en", "ar", "fi")


def setup_main(env: dict[str, str], out: str) -> None:
    """The plugin enabled and the demo message written and approved (own process)."""
    from core import db
    from core.auth import service
    from core.plugin_admin import service as plugins
    from core.plugin_host import PluginHost
    from core.runtime import configure_services, configure_storage
    from core.settings import load_settings

    settings = load_settings(env=env)
    configure_storage(settings)
    configure_services(settings, PluginHost())

    async def go() -> dict[str, Any]:
        try:
            await plugins.set_enabled("bench", "crisis_mode", True)
            from plugins.crisis_mode.messages import demo
            from plugins.crisis_mode.messages import service as messages

            await service.create_user(
                "bench", demo.APPROVER, "Göran Wik", "bench-password-1", ["crisis_team"]
            )
            version = await messages.create_draft("bench", demo.draft())
            approved = await messages.approve(demo.APPROVER, version["id"])
            return {"identifier": approved["version"]["cap_identifier"]}
        finally:
            await db.close_pool()

    Path(out).write_text(json.dumps(asyncio.run(go())))


async def load(url: str, requests: int, clients: int, kind: str) -> tuple[list[float], int]:
    """``requests`` GETs of one kind from ``clients`` readers; latencies and the last size."""
    import httpx

    samples: list[float] = []
    counter = iter(range(requests))
    size = 0
    langs = itertools.cycle(LANGUAGES)

    async def reader(http: httpx.AsyncClient) -> None:
        nonlocal size
        etags: dict[str, str] = {}
        for _ in counter:
            lang = next(langs)
            path, headers, expected = f"{PUBLIC}/page?lang={lang}", {}, 200
            if kind == "revalidate" and lang in etags:
                headers, expected = {"If-None-Match": etags[lang]}, 304
            elif kind == "cap":
                path = f"{PUBLIC}/cap.xml"
            elif kind == "atom":
                path = f"{PUBLIC}/alerts.atom"
            elif kind == "health":  # the baseline: the appliance's cheapest public answer
                path = "/api/v1/health"
            start = time.perf_counter()
            response = await http.get(path, headers=headers)
            samples.append(time.perf_counter() - start)
            if response.status_code != expected:
                raise RuntimeError(f"{kind} {path}: {response.status_code}")
            if response.status_code == 200:
                size = len(response.content)
                if kind in ("page", "revalidate"):
                    etags[lang] = response.headers["etag"]

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        await asyncio.gather(*(reader(http) for _ in range(clients)))
    return samples, size


def run(backend: str, requests: int, clients: int) -> list[dict[str, Any]]:
    rows = []
    with installation(backend) as inst:
        out = inst.data_dir / "crisis-page-bench.json"
        _spawn(setup_main, inst.env, str(out))
        with server(inst) as srv:
            asyncio.run(load(srv.url, 50, 4, "page"))  # warm-up
            for kind in ("page", "revalidate", "cap", "atom", "health"):
                log(f"crisis page {backend}: {requests} × {kind}, {clients} readers")
                start = time.perf_counter()
                samples, size = asyncio.run(load(srv.url, requests, clients, kind))
                wall = time.perf_counter() - start
                rows.append(
                    {
                        "bench": "crisis_page",
                        "backend": backend,
                        "kind": kind,
                        "clients": clients,
                        "requests": len(samples),
                        "per_s": round(len(samples) / wall, 1),
                        **latency_summary(samples),
                        "bytes": size,
                    }
                )
            import httpx

            page = httpx.get(f"{srv.url}{PUBLIC}/page?lang=ar").content
            rows[0]["gzip_bytes"] = len(gzip.compress(page))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    if backend == "postgres":
        ensure_services()
    report = Report(quick=args.requests < 2000)
    for row in run(backend, args.requests, args.clients):
        report.add(row)
    print(machine())
    print(
        report.table(
            "crisis_page",
            [
                ("backend", "backend"),
                ("kind", "request"),
                ("clients", "readers"),
                ("per_s", "requests/s"),
                ("p50_ms", "p50 ms"),
                ("p99_ms", "p99 ms"),
                ("bytes", "bytes"),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
