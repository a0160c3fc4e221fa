"""The lägesbild's chart per hour, drawn server-side as SVG (no plotting library: a few
hundred elements written as text take well under a millisecond).

Grey bars: every crisis contact of the hour (all channels); one line per leading topic;
a red triangle where the topic was rising fast that hour. Exercise charts say ÖVNING/EXERCISE
in the title. The SVG carries ``role="img"``, a ``<title>`` and a ``<desc>`` for screen
readers.
"""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH, HEIGHT = 960, 400
LEFT, RIGHT, TOP, BOTTOM = 56, 200, 48, 56
COLOURS = ("#1f5fa8", "#c2561a", "#2e8540", "#7b3fa0", "#a8861f", "#117a8b")
MAX_HOURS = 48
MAX_LINES = 6
TEXTS = {
    "sv": {
        "title": "Kontakter per timme och ämne",
        "contacts": "Alla kontakter",
        "rising": "Ökar snabbt",
        "desc": "Staplar: kontakter per timme. Linjer: de vanligaste ämnena.",
        "exercise": "ÖVNING",
    },
    "en": {
        "title": "Contacts per hour and topic",
        "contacts": "All contacts",
        "rising": "Rising fast",
        "desc": "Bars: contacts per hour. Lines: the leading topics.",
        "exercise": "EXERCISE",
    },
}


def _nice_max(value: int) -> int:
    """A round upper bound of the y axis at or above ``value``."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if value <= step * 5:
            return max(step * ((value + step - 1) // step), step)
    return value


def svg(report: dict[str, Any], lang: str = "sv") -> str:
    """The chart of a lägesbild report (from ``situation.build``) in ``lang``."""
    t = TEXTS["en" if lang == "en" else "sv"]
    hours = report["hours"][-MAX_HOURS:]
    first = len(report["hours"]) - len(hours)
    topics = [topic for topic in report["topics"] if topic["total"]][:MAX_LINES]
    top = max([h["contacts"] for h in hours] + [1])
    y_max = _nice_max(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(hours), 1)

    def x(i: int) -> float:
        return LEFT + slot * i + slot / 2

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / y_max

    title = t["title"]
    if report.get("exercise"):
        title = f"{t['exercise']} – {title} – {t['exercise']}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t d" '
        'font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">',
        f'<title id="t">{escape(title)}</title>',
        f'<desc id="d">{escape(t["desc"])}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="16" font-weight="bold" fill="#111">'
        f"{escape(title)}</text>",
    ]
    for k in range(6):
        value = y_max * k / 5
        yy = y(value)
        out.append(
            f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{LEFT + plot_w}" y2="{yy:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#333">'
            f"{int(value)}</text>"
        )
    bar_w = max(slot * 0.7, 1)
    every = max(1, len(hours) // 12)
    for i, hour in enumerate(hours):
        yy = y(hour["contacts"])
        out.append(
            f'<rect x="{x(i) - bar_w / 2:.1f}" y="{yy:.1f}" width="{bar_w:.1f}" '
            f'height="{TOP + plot_h - yy:.1f}" fill="#c9ced6"><title>{escape(hour["local"])}: '
            f"{hour['contacts']}</title></rect>"
        )
        if i % every == 0:
            out.append(
                f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'fill="#333">{escape(hour["local"][-5:])}</text>'
            )
    for n, topic in enumerate(topics):
        colour = COLOURS[n % len(COLOURS)]
        counts = topic["per_hour"][first:]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(counts))
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        )
        for i, rising in enumerate(topic["rising_hours"][first:]):
            if rising:
                cx, cy = x(i), y(counts[i]) - 8
                out.append(
                    f'<path d="M{cx - 6:.1f},{cy + 5:.1f} L{cx:.1f},{cy - 6:.1f} '
                    f'L{cx + 6:.1f},{cy + 5:.1f} Z" fill="#c8102e">'
                    f"<title>{escape(t['rising'])}: {escape(topic['label'])}</title></path>"
                )
    legend_x = LEFT + plot_w + 16
    out.append(
        f'<rect x="{legend_x}" y="{TOP}" width="14" height="10" fill="#c9ced6"/>'
        f'<text x="{legend_x + 20}" y="{TOP + 10}" fill="#111">{escape(t["contacts"])}</text>'
    )
    for n, topic in enumerate(topics):
        yy = TOP + 22 * (n + 1)
        colour = COLOURS[n % len(COLOURS)]
        name = topic["label"] if len(topic["label"]) <= 22 else topic["label"][:21] + "…"
        mark = " ▲" if topic["rising"] else ""
        out.append(
            f'<line x1="{legend_x}" y1="{yy + 5}" x2="{legend_x + 14}" y2="{yy + 5}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{legend_x + 20}" y="{yy + 10}" fill="#111">{escape(name)}'
            f"{escape(mark)}</text>"
        )
    yy = TOP + 22 * (len(topics) + 1)
    out.append(
        f'<path d="M{legend_x + 1},{yy + 10} L{legend_x + 7},{yy} L{legend_x + 13},{yy + 10} Z" '
        f'fill="#c8102e"/><text x="{legend_x + 20}" y="{yy + 10}" fill="#111">'
        f"{escape(t['rising'])}</text>"
    )
    out.append("</svg>")
    return "".join(out)
