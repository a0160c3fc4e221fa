"""What every benchmark shares: throwaway installations, services, servers and reporting.

An installation here is a fresh data directory under /tmp (and, for PostgreSQL, a fresh
database), provisioned exactly as ``kontakt init`` does it (:func:`core.provision.prepare` and
:func:`core.provision.initialize`) and removed again afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ADMIN_PASSWORD = "bench-admin-password"
AGENT_USER = "bench-agent"
AGENT_PASSWORD = "bench-agent-password"
BACKENDS = ("sqlite", "postgres")


def log(message: str) -> None:
    """Progress for the reader (stderr, so stdout stays figures only)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def clean_environ() -> None:
    """Forget KONTAKT_* variables of the calling shell: a benchmark makes its own installation."""
    for key in [k for k in os.environ if k.startswith("KONTAKT_")]:
        del os.environ[key]


def prepare_backends(choice: str) -> list[str]:
    """The backends a ``--backend`` choice names (``both``: each), with a clean environment
    and, when PostgreSQL is among them, the services running."""
    backends = list(BACKENDS) if choice == "both" else [choice]
    clean_environ()
    if "postgres" in backends:
        ensure_services()
    return backends


# --- services -------------------------------------------------------------------------------


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure_services() -> None:
    """Start PostgreSQL and Redis through scripts/services.sh unless both already answer."""
    if _answers("127.0.0.1", 5432) and _answers("127.0.0.1", 6379):
        return
    log("PostgreSQL or Redis not answering; running scripts/services.sh")
    subprocess.run([str(ROOT / "scripts" / "services.sh")], check=True, cwd=ROOT)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# --- installations ---------------------------------------------------------------------------


@dataclass
class Installation:
    """A provisioned, throwaway installation; ``env`` is what a child process needs."""

    backend: str
    data_dir: Path
    env: dict[str, str]
    database_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def settings(self, **overrides: Any):
        """The settings of this installation (optionally with some fields changed)."""
        from core.settings import load_settings

        return load_settings(env=self.env, **overrides)

    def child_env(self, **kontakt: str) -> dict[str, str]:
        """Environment for a child process: ours, this installation's, and extra KONTAKT_*."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_")}
        env.update(self.env)
        env.update({f"KONTAKT_{k.upper()}": v for k, v in kontakt.items()})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env


@contextmanager
def installation(backend: str, *, with_redis: bool = True) -> Iterator[Installation]:
    """A fresh installation on ``backend`` ('sqlite' or 'postgres'), removed on exit."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    data_dir = Path(tempfile.mkdtemp(prefix=f"kontakt-bench-{backend}-"))
    env = {
        "KONTAKT_DATA_DIR": str(data_dir),
        "KONTAKT_INSTANCE_NAME": f"bench{uuid.uuid4().hex[:8]}",
        "KONTAKT_LOG_LEVEL": "warning",
    }
    database_url = ""
    try:
        if backend == "postgres":
            name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            database_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
            env["KONTAKT_DATABASE_URL"] = database_url
            if with_redis:
                env["KONTAKT_REDIS_URL"] = REDIS_URL
        inst = Installation(backend, data_dir, env, database_url)
        _provision(inst)
        yield inst
    finally:
        if database_url:
            name = database_url.rsplit("/", 1)[1]
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)


def _provision(inst: Installation) -> None:
    """Run prepare + initialize in a fresh process (see provision_main for why)."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=provision_main, args=(inst.env,))
    proc.start()
    proc.join(timeout=300)
    if proc.exitcode != 0:
        if proc.is_alive():
            proc.terminate()
        raise RuntimeError(f"provisioning the {inst.backend} installation failed (see above)")


def provision_main(env: dict[str, str]) -> None:
    """Provision an installation like ``kontakt init``, plus an agent user.

    Runs in its own process because core/piccolo_conf.py captures the engine once per process,
    so a second installation's migrations in the same process would run against the first.
    """
    from core import db, provision
    from core.auth import service
    from core.settings import load_settings

    settings = load_settings(env=env)
    provision.prepare(settings)

    async def go() -> None:
        try:
            await provision.initialize(settings, "admin", ADMIN_PASSWORD, "bench")
            await service.create_user("bench", AGENT_USER, "Bench Agent", AGENT_PASSWORD, ["agent"])
        finally:
            await db.close_pool()

    asyncio.run(go())


def in_child(target: Callable[..., None], *args: Any, timeout: float) -> Any:
    """Run ``target(*args, queue)`` in a fresh (spawned) process and return what it puts on
    the queue (one fresh process each, as the engine is captured once per process)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get(timeout=timeout)
    proc.join()
    return result


def use_installation(inst: Installation, **overrides: Any):
    """Configure keyring and database of this process for ``inst``; returns its settings."""
    from core.audit import signing
    from core.runtime import configure_storage

    settings = inst.settings(**overrides)
    configure_storage(settings)
    signing.forget()  # its key cache outlives keystore.configure(); keys differ per installation
    return settings


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``kontakt serve`` subprocess."""

    proc: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    """The machine's one-minute load average (other users' work shares the cores)."""
    return round(os.getloadavg()[0], 2)


def _profiler(pid: int) -> subprocess.Popen | None:
    """With ``BENCH_PROFILE=path`` set: py-spy records the server into ``path`` (collapsed
    stacks, 250 Hz) until it stops. py-spy comes from ``BENCH_PYSPY`` or the PATH."""
    target = os.environ.get("BENCH_PROFILE")
    if not target:
        return None
    spy = os.environ.get("BENCH_PYSPY") or shutil.which("py-spy") or "py-spy"
    log(f"profiling the server (pid {pid}) into {target}")
    command = [spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
    return subprocess.Popen([*command, "--output", target], stdout=subprocess.DEVNULL)


@contextmanager
def server(inst: Installation, wait: float = 60) -> Iterator[Server]:
    """Start ``python -m core.cli serve`` for ``inst`` on a free port; stop it on exit.
    ``BENCH_PROFILE`` set: the server is profiled (see :func:`_profiler`)."""
    import httpx

    port = free_port()
    log_path = inst.data_dir / f"serve-{port}.log"
    with log_path.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=inst.child_env(),
            cwd=ROOT,
        )
    srv = Server(proc, f"http://127.0.0.1:{port}", log_path)
    profiler: subprocess.Popen | None = None
    try:
        deadline = time.monotonic() + wait
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"kontakt serve exited:\n{srv.log()}")
            try:
                if httpx.get(srv.url + "/api/v1/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kontakt serve did not start in {wait}s:\n{srv.log()}")
            time.sleep(0.1)
        profiler = _profiler(proc.pid)
        yield srv
    finally:
        srv.stop()
        if profiler is not None:
            profiler.wait(timeout=60)


# --- wrk -------------------------------------------------------------------------------------

# The end of every wrk script here: one JSON line with wrk's own figures, the ``done`` function
# of bench/wrk_post.lua (one copy for both).
_WRK_POST_LUA = Path(__file__).with_name("wrk_post.lua").read_text()
WRK_DONE_LUA = _WRK_POST_LUA[_WRK_POST_LUA.index("\ndone = function") :]
#: bench/wrk_post.lua without its ``done``: POST a body file (numbered) with a header line,
#: given as :func:`wrk`'s ``args``.
WRK_POST_LUA = _WRK_POST_LUA[: _WRK_POST_LUA.index("\ndone = function")]


# A script's line asking for the run to end now (wrk's own duration is only an upper bound):
# wrk ends on SIGINT as at the end of its duration, with its figures up to then.
WRK_STOP = "wrk-stop"
WRK_STOP_LUA = f'io.write("{WRK_STOP}\\n"); io.stdout:flush()'


def wrk(
    url: str, lua: str, duration: int, concurrency: int, args: Sequence[str] = ()
) -> dict[str, Any]:
    """One wrk run (one thread, ``concurrency`` connections) of the Lua script ``lua`` (which
    :data:`WRK_DONE_LUA` is appended to; ``args`` are the script's own) for ``duration``
    seconds at most, or until the script runs :data:`WRK_STOP_LUA`; its figures, with ``ok``
    (2xx answers), ``errors`` (the rest) and ``rps``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua + WRK_DONE_LUA)
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration}s", "--timeout", "30s"]
    try:
        proc = subprocess.Popen(
            [*command, "-s", fh.name, url, *(["--", *args] if args else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == WRK_STOP:
                proc.send_signal(signal.SIGINT)
            elif line.startswith("{"):
                lines.append(line)
        proc.wait(timeout=120)
        errors = proc.stderr.read() if proc.stderr else ""
    finally:
        os.unlink(fh.name)
    if not lines:
        raise RuntimeError(f"wrk printed no result:\n{errors}")
    result = json.loads(lines[-1])
    result["ok"] = result["requests"] - result["non_2xx"] - result["socket_errors"]
    result["errors"] = result["requests"] - result["ok"]
    result["rps"] = round(result["ok"] / result["seconds"], 2)
    return {**result, "loader": "wrk", "concurrency": concurrency}


# --- figures ---------------------------------------------------------------------------------


def percentile(samples: list[float], pct: float) -> float:
    """Linear-interpolated percentile (``pct`` in 0..100) of the samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """p50, p99, mean and max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import sqlite3

    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


class Report:
    """Collects measurements: one JSON line each on stdout as it comes, a table at the end."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        row = {**row, "quick": self.quick}
        self.rows.append(row)
        print(json.dumps(row, sort_keys=False), flush=True)

    def table(self, bench: str, columns: list[tuple[str, str]]) -> str:
        """Rows of one benchmark as an aligned text table; columns are (key, heading)."""
        rows = [r for r in self.rows if r["bench"] == bench]
        if not rows:
            return ""
        cells = [[_fmt(r.get(key, "")) for key, _ in columns] for r in rows]
        heads = [head for _, head in columns]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        for c in cells:
            lines.append("  ".join(v.rjust(w) for v, w in zip(c, widths, strict=True)))
        return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "ok" if value else "BROKEN"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.1f}"
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    return str(value)


def entries_main(
    argv: list[str] | None,
    *,
    prog: str,
    description: str | None,
    bench: str,
    columns: list[tuple[str, str]],
    run: Callable[[Report, list[str], bool, int | None], None],
) -> int:
    """``main`` of a bench over generated registry entries: ``--quick`` (20 000 entries),
    ``--backend`` and ``--entries``; the figures as JSON lines and a table of ``bench``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help="20 000 entries: a smoke run")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--entries", type=int, default=None, help="override the entry count")
    args = parser.parse_args(argv)
    backends = prepare_backends(args.backend)
    report = Report(args.quick)
    report.add({"bench": "machine", **machine()})
    try:
        run(report, backends, args.quick, args.entries)
    finally:
        print(report.table(bench, columns))
    return 0
