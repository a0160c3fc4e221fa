"""``python -m bench [audit|login|all] [--quick] [--backend sqlite|postgres]``.

Prints one JSON line per measurement on stdout as it is taken, then plain-text tables.
Progress goes to stderr. Needs nothing running beforehand: every benchmark makes and removes
its own installation (and starts PostgreSQL/Redis through scripts/services.sh if needed).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import audit_append, login_latency
from bench.common import BACKENDS, Report, clean_environ, ensure_services, log, machine

DESCRIPTION = (
    "Kontaktcenter benchmarks: audit appends per second and login/request latency, on "
    "throwaway SQLite and PostgreSQL installations. One JSON line per measurement, then tables."
)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION)
    parser.add_argument(
        "which", nargs="?", default="all", choices=["audit", "login", "all"], help="default: all"
    )
    parser.add_argument("--quick", action="store_true", help="small N: a smoke run of seconds")
    parser.add_argument(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="both",
        help="database backend(s) to measure (default: both)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    backends = list(BACKENDS) if args.backend == "both" else [args.backend]
    clean_environ()
    if "postgres" in backends:
        ensure_services()
    report = Report(args.quick)
    started = time.monotonic()
    try:
        if args.which in ("audit", "all"):
            audit_append.run(report, backends, args.quick)
        if args.which in ("login", "all"):
            login_latency.run(report, backends, args.quick)
    finally:  # print what was measured even when a later benchmark fails
        print_tables(report, args.quick)
    log(f"done in {time.monotonic() - started:.1f}s")
    broken = [r for r in report.rows if r.get("chain_ok") is False]
    if broken:
        print("audit chain NOT intact after a benchmark run", file=sys.stderr)
        return 1
    return 0


def print_tables(report: Report, quick: bool) -> None:
    """The plain-text tables of everything measured so far."""
    info = machine()
    print()
    print(
        f"# {'quick smoke run, ' if quick else ''}Python {info['python']}, "
        f"SQLite {info['sqlite']}, {info['cpus']} CPUs, {info['platform']}"
    )
    for name, columns, title in (
        ("audit_append", audit_append.COLUMNS, "audit appends"),
        ("login_latency", login_latency.COLUMNS, "login and authenticated request latency"),
    ):
        table = report.table(name, columns)
        if table:
            print(f"\n## {title}\n{table}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
