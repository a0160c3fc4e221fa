"""Test databases and servers: a fresh PostgreSQL database per test session, free ports,
and real ``kontakt serve`` / ``kontakt worker`` processes started from the project's code."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_ADMIN_URL = os.environ.get(
    "KONTAKT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("KONTAKT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
PYCACHE = ROOT / ".cache" / "pycache"  # bytecode of child processes (see kontakt_env)


def backend() -> str:
    """'sqlite' (default) or 'postgres' (PostgreSQL + Redis), from KONTAKT_TEST_BACKEND."""
    value = os.environ.get("KONTAKT_TEST_BACKEND", "sqlite")
    if value not in ("sqlite", "postgres"):
        raise RuntimeError(f"KONTAKT_TEST_BACKEND must be sqlite or postgres, not {value!r}")
    return value


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database() -> str:
    """Create an empty database; returns its URL."""
    name = f"kontakt_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A running ``kontakt`` sub-command; ``url`` is set for servers."""

    proc: subprocess.Popen
    log_path: Path
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int | None = None) -> None:
        if self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def kontakt_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child ``kontakt`` process: this test session's KONTAKT_* vars.

    Children keep their compiled bytecode in ``.cache/pycache`` (outside the source tree),
    even where PYTHONDONTWRITEBYTECODE is set: otherwise every ``kontakt`` process the suite
    starts compiles the project's ~150 modules from source again (about half a second each).
    """
    env = {k: v for k, v in os.environ.items()}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    env.update(extra or {})
    return env


def run_kontakt(
    *args: str,
    input: str | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """Run ``kontakt ARGS`` to completion (captures output)."""
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        input=input,
        capture_output=True,
        text=True,
        env=kontakt_env(extra_env),
        timeout=timeout,
        cwd=ROOT,
    )


def start_kontakt(
    args: list[str], log_path: Path, extra_env: dict[str, str] | None = None
) -> Process:
    env = kontakt_env(extra_env)
    handle = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
    )
    return Process(proc, log_path, env=env)


def start_server(
    log_dir: Path, extra_env: dict[str, str] | None = None, wait: float = 60
) -> Process:
    """Start ``kontakt serve`` on a free port and wait until /api/v1/health answers."""
    port = free_port()
    server = start_kontakt(["serve", "--port", str(port)], log_dir / f"serve-{port}.log", extra_env)
    server.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log()}")
        try:
            if httpx.get(server.url + "/api/v1/health", timeout=2).status_code in (200, 503):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start in {wait}s:\n{server.log()}")
