"""Desktop client: a case list of 5 000 cases opens in < 300 ms and scrolls without a stall.

The list is a ``QTableView`` over :class:`desktop.ui.case_table.CaseTableModel`, which fetches
pages of 100 through ``canFetchMore``/``fetchMore`` as the view scrolls. The pages come from
an in-process stand-in for ``GET /api/v1/cases`` holding 5 000 realistic rows (the server's
own paging is measured in ``bench/case_paging.py``), so this measures the client: "open" is
from creating the view to the first page painted; "scroll" pages to the end one screen at a
time and reports the longest single step (a stall shows there). Offscreen Qt platform.

    .venv/bin/python -m bench.desktop_caselist [--cases 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OPEN_GOAL_MS = 300.0
STATES = ("ok", "ok", "ok", "warning", "breached", "none")
STATUSES = ("received", "in_progress", "investigating", "waiting")


class CasePages:
    """Answers ``cases(cursor=…, limit=…)`` like the API (items, next_cursor, total)."""

    def __init__(self, count: int) -> None:
        now = datetime.now(UTC)
        self.rows = [
            {
                "number": f"KC-2026-{n:06d}",
                "status": STATUSES[n % len(STATUSES)],
                "priority": "normal",
                "subject": f"Fråga om bygglov för fastigheten Björken {n}",
                "case_type": "bygglov",
                "department": "SBN",
                "channel": "phone",
                "secret": n % 97 == 0,
                "party": n,
                "party_name": f"Medborgare {n}",
                "owner": "agent",
                "sla_state": STATES[n % len(STATES)],
                "resolution_due": (now + timedelta(minutes=n - 300)).isoformat(),
            }
            for n in range(count)
        ]

    async def cases(self, cursor=None, limit=100, **filters):
        start = int(cursor or 0)
        end = min(start + limit, len(self.rows))
        await asyncio.sleep(0)  # an answer arrives on a later turn of the loop
        return {
            "items": self.rows[start:end],
            "next_cursor": str(end) if end < len(self.rows) else None,
            "total": len(self.rows),
        }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication, QTableView

    from desktop.ui import tasks
    from desktop.ui.case_table import CaseTableModel
    from desktop.viewmodels.case_list import LISTS, CaseListModel

    app = QApplication([])
    loop = qasync.QEventLoop(app)
    tasks.set_loop(loop)
    pages = CasePages(args.cases)

    async def scenario() -> dict:
        started = time.perf_counter()
        source = CaseListModel(pages, LISTS[2])  # type: ignore[arg-type]
        view = QTableView()
        view.resize(1200, 800)
        view.setModel(CaseTableModel(source))
        view.show()
        while view.model().rowCount() == 0:  # noqa: ASYNC110 - polling is the measurement
            await asyncio.sleep(0)
        view.repaint()
        opened_ms = (time.perf_counter() - started) * 1000
        steps = []
        bar = view.verticalScrollBar()
        while not source.exhausted or bar.value() < bar.maximum():
            step = time.perf_counter()
            bar.setValue(bar.value() + bar.pageStep())
            view.repaint()
            await asyncio.sleep(0)
            steps.append((time.perf_counter() - step) * 1000)
        return {
            "bench": "desktop_caselist",
            "cases": args.cases,
            "open_ms": round(opened_ms, 1),
            "rows_loaded": view.model().rowCount(),
            "scroll_steps": len(steps),
            "longest_scroll_step_ms": round(max(steps), 1),
            "median_scroll_step_ms": round(sorted(steps)[len(steps) // 2], 1),
            "goal_open_ms": OPEN_GOAL_MS,
        }

    with loop:
        result = loop.run_until_complete(scenario())
    result["met"] = result["open_ms"] < OPEN_GOAL_MS and result["rows_loaded"] == args.cases
    print(json.dumps(result))
    print(
        f"{args.cases} cases: opened in {result['open_ms']} ms (goal < {OPEN_GOAL_MS} ms); "
        f"scrolled to the end in {result['scroll_steps']} steps, longest "
        f"{result['longest_scroll_step_ms']} ms"
    )
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
