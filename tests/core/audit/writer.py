"""A separate OS process that appends audit entries: ``python -m tests.core.audit.writer``.

Uses the installation named by the KONTAKT_* environment. ``--sizes 1,3,2`` writes one
transaction per number with that many entries; ``--ready``/``--go`` files let a test start
several writers at the same instant.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from core import audit, db
from core.audit.tables import AuditEntry
from core.runtime import configure_storage
from core.settings import load_settings


async def write(tag: str, sizes: list[int], pause: float = 0.0) -> int:
    written = 0
    for tx, size in enumerate(sizes):
        if pause and tx:
            await asyncio.sleep(pause)  # like real traffic: a writer is not busy all the time
        async with db.transaction():
            for i in range(size):
                audit.record(
                    tag,
                    "test.write",
                    "test",
                    f"{tag}-{written}",
                    {"tx": tx, "i": i, "pid": os.getpid()},
                )
                written += 1
    return written


def signal_and_wait(ready: str | None, go: str | None) -> None:
    """Say ready, then wait for the go file (so several writers start at the same instant)."""
    if ready:
        Path(ready).write_text("ready")
    deadline = time.monotonic() + 60
    while go and not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal within 60 s")
        time.sleep(0.005)


async def main(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")] * args.repeat
    try:
        await db.open_pool()  # PostgreSQL: reuse connections, like the API and the worker do
        await AuditEntry.count()  # connect before the start signal
        await asyncio.to_thread(signal_and_wait, args.ready, args.go)
        written = await write(args.tag, sizes, args.pause_ms / 1000)
    finally:
        await db.close_pool()
    print(f"wrote {written}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tag", required=True)
    parser.add_argument("--sizes", default="1")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pause-ms", type=float, default=0.0, help="between transactions")
    parser.add_argument("--ready")
    parser.add_argument("--go")
    namespace = parser.parse_args()
    configure_storage(load_settings())
    asyncio.run(main(namespace))
