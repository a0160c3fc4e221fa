"""Contact + case registration through the HTTP API, side by side with django-helpdesk.

Both systems run one server process on SQLite (WAL, synchronous=NORMAL, busy timeout) on
this machine, in the same run, loaded by the same generator (../shared/peers/load.py) at the
same concurrency for the same duration. Ours: ``POST /api/v1/contacts`` registering a phone
contact that opens a case with an agreement (so SLA due times are computed) for a new party.
The peer: ``POST /api/tickets/`` (ticket plus first follow-up). Afterwards the rows in each
database are counted and must equal the successful requests.

    python -m bench.registration [--duration 20] [--concurrency 16] [--skip-peer]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    AGENT_PASSWORD,
    AGENT_USER,
    ROOT,
    Report,
    installation,
    log,
    server,
)

PEERS = ROOT.parent / "shared" / "peers"
LOAD_PY = PEERS / "load.py"
LOAD_VENV = Path("/tmp/peer-load/bin/python")
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


def _load(
    url: str, body_path: Path, token_header: str, duration: int, concurrency: int
) -> dict[str, Any]:
    out = subprocess.run(
        [
            str(LOAD_VENV),
            str(LOAD_PY),
            "--url",
            url,
            "--body",
            str(body_path),
            "--concurrency",
            str(concurrency),
            "--duration",
            str(duration),
            "--header",
            token_header,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(duration: int, concurrency: int) -> dict[str, Any]:
    import httpx

    with installation("sqlite") as inst:
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
            log(f"ours: loading {srv.url}/api/v1/contacts for {duration}s at c={concurrency}")
            result = _load(
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
            "system": "kontaktcenter",
            "db_contacts": contacts,
            "db_cases": cases,
            "verified": contacts == result["ok"] == cases,
        }
    )
    return result


def run_peer(duration: int, concurrency: int) -> dict[str, Any]:
    log(f"peer: django-helpdesk bench.sh {duration} {concurrency} 1")
    out = subprocess.run(
        [str(PEERS / "helpdesk" / "bench.sh"), str(duration), str(concurrency), "1"],
        capture_output=True,
        text=True,
        timeout=duration + 900,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"peer benchmark printed nothing:\n{out.stderr[-2000:]}")
    result = json.loads(lines[-1])
    result["system"] = "django-helpdesk"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args(argv)
    _ensure_load_venv()
    report = Report(quick=False)
    ours = run_ours(args.duration, args.concurrency)
    report.add(ours)
    rows = [ours]
    if not args.skip_peer:
        peer = run_peer(args.duration, args.concurrency)
        report.add(peer)
        rows.append(peer)
    print()
    print(f"{'system':<16} {'ok':>7} {'errors':>6} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} verified")
    for row in rows:
        print(
            f"{row['system']:<16} {row['ok']:>7} {row['errors']:>6} {row['rps']:>8.1f} "
            f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row.get('verified')}"
        )
    if len(rows) == 2 and rows[1]["rps"]:
        ratio = rows[0]["rps"] / rows[1]["rps"]
        print(
            f"throughput ratio kontaktcenter / django-helpdesk: {ratio:.1f}x "
            f"(goal: 20x); our p99 {rows[0]['p99_ms']:.1f} ms (goal: < 50 ms)"
        )
        print(json.dumps({"bench": "registration", "ratio": round(ratio, 2)}))
    return 0 if ours.get("verified") else 1


if __name__ == "__main__":
    sys.exit(main())
