"""Charts of reports as PNG or SVG: a bar chart of one table (matplotlib, Agg backend).

Only matplotlib's object-oriented API is used (no pyplot state), so charts may be drawn in
worker threads side by side.
"""

from __future__ import annotations

import io
from decimal import Decimal

from core.errors import InvalidInput
from core.reports.model import Report

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def render(report: Report, chart_name: str | None, fmt: str, lang: str) -> bytes:
    """One chart of ``report`` (its first chart if ``chart_name`` is empty) as PNG or SVG."""
    if fmt not in MEDIA_TYPES:
        raise InvalidInput("Unknown chart format: {format} (png or svg)", format=fmt[:20])
    if not report.charts:
        raise InvalidInput("The report {report} has no charts", report=report.name)
    chart = next((c for c in report.charts if c.name == chart_name), None)
    if chart_name and chart is None:
        raise InvalidInput(
            "The report {report} has no chart {chart}", report=report.name, chart=chart_name[:60]
        )
    chart = chart or report.charts[0]
    table = report.table(chart.table)
    rows = table.rows if table else []
    labels = [str(row.get(chart.label, "")) for row in rows]
    values = [_number(row.get(chart.value)) for row in rows]

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "kontakt"}):
        figure = Figure(figsize=(10, 5), dpi=100, layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(values)))
        axes.bar(positions, values, color="#1f5f8b")
        step = max(1, len(labels) // 31)
        axes.set_xticks(
            positions[::step],
            labels[::step],
            rotation=45 if step > 1 or max((len(x) for x in labels), default=0) > 6 else 0,
            ha="right" if step > 1 else "center",
            fontsize=8,
        )
        axes.set_title(chart.title(lang))
        subtitle = f"{report.period.first.isoformat()} – {report.period.last.isoformat()}"
        axes.set_xlabel(subtitle, fontsize=8)
        axes.grid(axis="y", alpha=0.3)
        out = io.BytesIO()
        figure.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


def _number(value: object) -> float:
    if value is None or isinstance(value, str):
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    return float(value)  # type: ignore[arg-type]
