"""Contact + case registration through the HTTP API, side by side with django-helpdesk.

Both systems run one server process on SQLite (WAL, synchronous=NORMAL, busy timeout) on
this machine, in the same run, loaded by the same generator at the same concurrency for the
same duration: first the shared harness's ``../shared/peers/load.py``, then ``wrk``. Ours:
``POST /api/v1/contacts`` registering a phone contact that opens a case with an agreement
(so SLA due times are computed) for a new party, with a receipt e-mail queued. The peer:
``POST /api/tickets/`` (ticket plus first follow-up). Afterwards the rows in each database
are counted and must match the successful requests.

    python -m bench.registration [--duration 20] [--concurrency 16] [--loader both|load.py|wrk]
                                 [--skip-peer] [--skip-ceiling] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    AGENT_PASSWORD,
    AGENT_USER,
    ROOT,
    WRK_POST_LUA,
    Report,
    ensure_services,
    free_port,
    installation,
    log,
    server,
    wrk,
)

PEERS = ROOT.parent / "shared" / "peers"
HELPDESK = PEERS / "helpdesk"
LOAD_PY = PEERS / "load.py"
LOAD_VENV = Path("/tmp/peer-load/bin/python")
BODY_FILE = Path(__file__).with_name("noop_body.json")
# load.py is the shared harness's generator (Python, httpx): on two cores it takes one of
# them and tops out near 600-650 requests/s even against a server that does nothing. wrk (C)
# needs a few per cent of a core, so it shows what the servers themselves can do.
LOADERS = ("load.py", "wrk")
BODY = {
    "channel": "phone",
    "summary": "Fråga om bygglov för altan, ärende {n}",
    "case_type": "bygglov",
    "answer_group": "bygg",
    "open_case": True,
    "party": {"kind": "person", "name": "Medborgare {n}", "email": "medborgare{n}@example.org"},
}


def seed_main(env: dict[str, str]) -> None:
    """Department, answer group, case type and an agreement with targets (own process)."""
    import datetime as dt

    from core import db
    from core.org import lookup
    from core.org import service as org
    from core.runtime import configure_storage
    from core.settings import load_settings
    from core.sla import agreements

    configure_storage(load_settings(env=env))

    async def go() -> None:
        try:
            await org.save_department("bench", "SBN", {"name_sv": "Samhällsbyggnadsnämnden"})
            await org.save_group("bench", "bygg", {"name_sv": "Bygg", "department": "SBN"})
            await org.save_case_type(
                "bench", "bygglov", {"name_sv": "Bygglov", "department": "SBN", "rosa_level": 2}
            )
            dept = await lookup.department("SBN")
            agreement = await agreements.create_agreement(
                "bench",
                department_id=dept["id"],
                name="Överenskommelse SBN",
                valid_from=dt.date(2020, 1, 1),
            )
            case_type = await lookup.case_type("bygglov")
            await agreements.create_target(
                "bench",
                agreement["id"],
                case_type_id=case_type["id"],
                first_response_minutes=120,
                resolution_minutes=5 * 8 * 60,
            )
        finally:
            await db.close_pool()

    asyncio.run(go())


def count_main(env: dict[str, str], queue: Any) -> None:
    from core import db
    from core.cases.tables import Case, Contact
    from core.runtime import configure_storage
    from core.settings import load_settings

    configure_storage(load_settings(env=env))

    async def go() -> tuple[int, int]:
        try:
            return await Contact.count(), await Case.count()
        finally:
            await db.close_pool()

    queue.put(asyncio.run(go()))


def _spawn(target, *args) -> None:
    proc = multiprocessing.get_context("spawn").Process(target=target, args=args)
    proc.start()
    proc.join(300)
    if proc.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed")


def _ensure_load_venv() -> None:
    subprocess.run([str(PEERS / "setup-load.sh")], check=True, stdout=subprocess.DEVNULL)


def _ensure_wrk() -> None:
    """wrk (Debian package) when missing."""
    if shutil.which("wrk"):
        return
    log("installing wrk (apt-get)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)


def _load(
    loader: str, url: str, body_path: Path, header: str, duration: int, concurrency: int
) -> dict[str, Any]:
    """Run one load generator against ``url``; its figures as a dict (load.py's keys)."""
    if loader == "wrk":
        return wrk(url, WRK_POST_LUA, duration, concurrency, [str(body_path), header])
    command = [
        str(LOAD_VENV),
        str(LOAD_PY),
        *("--url", url, "--body", str(body_path), "--header", header),
        *("--concurrency", str(concurrency), "--duration", str(duration)),
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{loader} printed no result:\n{out.stdout}\n{out.stderr}")
    return {**json.loads(lines[-1]), "loader": loader, "concurrency": concurrency}


def _verified(result: dict[str, Any], rows: int) -> bool:
    """Every acknowledged request is in the database. wrk drops the responses still in
    flight when its time is up, so up to ``concurrency`` more rows may exist."""
    slack = result["concurrency"] if result["loader"] == "wrk" else 0
    return result["ok"] <= rows <= result["ok"] + slack


def run_ours(
    loader: str, duration: int, concurrency: int, backend: str = "sqlite"
) -> dict[str, Any]:
    import httpx

    if backend == "postgres":
        ensure_services()
    with installation(backend) as inst:
        inst.env["KONTAKT_SQLITE_SYNCHRONOUS"] = "NORMAL"
        inst.env["KONTAKT_SQLITE_BUSY_TIMEOUT_MS"] = "20000"
        _spawn(seed_main, inst.env)
        with server(inst) as srv:
            token = httpx.post(
                srv.url + "/api/v1/auth/login",
                json={"username": AGENT_USER, "password": AGENT_PASSWORD},
                timeout=30,
            ).json()["token"]
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
                json.dump(BODY, fh, ensure_ascii=False)
            log(f"ours ({loader}): {srv.url}/api/v1/contacts for {duration}s at c={concurrency}")
            result = _load(
                loader,
                srv.url + "/api/v1/contacts",
                Path(fh.name),
                f"Authorization: Bearer {token}",
                duration,
                concurrency,
            )
        queue = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(
            target=count_main, args=(inst.env, queue)
        )
        proc.start()
        contacts, cases = queue.get(timeout=120)
        proc.join()
    result.update(
        {
            "system": "kontaktcenter" if backend == "sqlite" else f"kontaktcenter/{backend}",
            "db_contacts": contacts,
            "db_cases": cases,
            "verified": contacts == cases and _verified(result, contacts),
        }
    )
    return result


def run_peer(loader: str, duration: int, concurrency: int) -> dict[str, Any]:
    if loader == "load.py":
        log(f"peer (load.py): django-helpdesk bench.sh {duration} {concurrency} 1")
        out = subprocess.run(
            [str(HELPDESK / "bench.sh"), str(duration), str(concurrency), "1"],
            capture_output=True,
            text=True,
            timeout=duration + 900,
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise RuntimeError(f"peer benchmark printed nothing:\n{out.stderr[-2000:]}")
        result = json.loads(lines[-1])
        result["loader"] = loader
    else:
        result = _peer_with_wrk(duration, concurrency)
    result["system"] = "django-helpdesk"
    return result


def _peer_with_wrk(duration: int, concurrency: int) -> dict[str, Any]:
    """The peer's own scripts (fresh database, gunicorn with one sync worker), loaded by wrk."""
    import httpx

    port = os.environ.get("PEER_PORT", "8001")
    token = os.environ.get("BENCH_TOKEN", "bench0000000000000000000000000000peer0001")
    env = dict(os.environ, PEER_RESET="1")
    subprocess.run([str(HELPDESK / "setup.sh")], check=True, env=env, stdout=subprocess.DEVNULL)
    log(f"peer (wrk): django-helpdesk on :{port} for {duration}s at c={concurrency}")
    proc = subprocess.Popen(
        [str(HELPDESK / "serve.sh"), port, "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(120):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        result = _load(
            "wrk",
            f"http://127.0.0.1:{port}/api/tickets/",
            HELPDESK / "ticket.json",
            f"Authorization: Token {token}",
            duration,
            concurrency,
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    count = subprocess.run([str(HELPDESK / "count.sh")], capture_output=True, text=True, check=True)
    result["db_tickets"] = int(count.stdout.strip().splitlines()[-1])
    result["verified"] = _verified(result, result["db_tickets"])
    return result


def run_noop(loader: str, duration: int, concurrency: int) -> dict[str, Any]:
    """The load generator against a server that does nothing: the generator's own ceiling."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.noop_server", str(port)], cwd=ROOT)
    try:
        import httpx

        for _ in range(100):
            try:
                httpx.post(f"http://127.0.0.1:{port}/", content=b"{}", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        log(f"no-op server ({loader}): the load generator's ceiling")
        result = _load(
            loader, f"http://127.0.0.1:{port}/", BODY_FILE, "X-Bench: 1", duration, concurrency
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result.update({"system": "no-op server", "verified": True})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--loader", choices=("both", *LOADERS), default="both")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also measure ours on PostgreSQL + Redis (the scale-out set-up; no peer there)",
    )
    parser.add_argument(
        "--skip-ceiling", action="store_true", help="do not measure the loaders on a no-op server"
    )
    args = parser.parse_args(argv)
    loaders = LOADERS if args.loader == "both" else (args.loader,)
    if "load.py" in loaders:
        _ensure_load_venv()
    if "wrk" in loaders:
        _ensure_wrk()
    report = Report(quick=False)
    rows: list[dict[str, Any]] = []
    for loader in loaders:
        systems = [run_ours] if args.skip_peer else [run_ours, run_peer]
        if not args.skip_ceiling:
            systems.append(run_noop)
        for run in systems:
            row = {"bench": "registration", **run(loader, args.duration, args.concurrency)}
            report.add(row)
            rows.append(row)
        if args.postgres:
            result = run_ours(loader, args.duration, args.concurrency, "postgres")
            row = {"bench": "registration", **result}
            report.add(row)
            rows.append(row)
    print()
    print(
        f"{'system':<24} {'loader':<8} {'ok':>7} {'errors':>6} {'rps':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8} verified"
    )
    for row in rows:
        print(
            f"{row['system']:<24} {row['loader']:<8} {row['ok']:>7} {row['errors']:>6} "
            f"{row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{row.get('verified')}"
        )
    for loader in loaders:
        pair = [
            r
            for r in rows
            if r["loader"] == loader and r["system"] in ("kontaktcenter", "django-helpdesk")
        ]
        if len(pair) == 2 and pair[1]["rps"]:
            ratio = pair[0]["rps"] / pair[1]["rps"]
            print(
                f"{loader}: throughput kontaktcenter / django-helpdesk {ratio:.1f}x (goal 20x); "
                f"our p99 {pair[0]['p99_ms']:.1f} ms (goal < 50 ms)"
            )
            print(json.dumps({"bench": "registration", "loader": loader, "ratio": round(ratio, 2)}))
    return 0 if all(row.get("verified") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
