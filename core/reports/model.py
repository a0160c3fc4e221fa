"""The shape every report has, core's and plugins': a period, filters, summary figures and
tables of aggregated rows, with Swedish and English headings.

Plugins return :class:`ReportDefinition` objects from the ``register_reports`` hook and
:class:`Figure` objects (or a plain ``{key: value}`` dict) from ``report_figures``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Column kinds decide formatting in exports: text | int | percent | seconds | kr
KINDS = ("text", "int", "percent", "seconds", "kr", "float")


@dataclass(frozen=True)
class Column:
    """One column of a report table: its key in the rows, headings in Swedish and English."""

    key: str
    sv: str
    en: str
    kind: str = "int"

    def heading(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv


@dataclass
class ReportTable:
    """A table of aggregated rows (dicts keyed by the columns' keys)."""

    name: str
    title_sv: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_sv


@dataclass
class Figure:
    """One summary figure; plugins add these through ``report_figures``."""

    key: str
    value: Any
    label_sv: str = ""
    label_en: str = ""
    kind: str = "float"
    source: str = "core"

    def label(self, lang: str) -> str:
        return (self.label_en if lang == "en" else self.label_sv) or self.key


@dataclass(frozen=True)
class Chart:
    """A bar chart of one table: ``label`` column on the x axis, ``value`` column as bars."""

    name: str
    table: str
    label: str
    value: str
    title_sv: str
    title_en: str

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_sv


@dataclass
class Period:
    """Local days ``first``..``last`` (inclusive) and their epoch bounds [start, end)."""

    first: date
    last: date
    start: int
    end: int


@dataclass
class Filters:
    """Codes as given by the caller and the ids they resolve to (None = not filtered)."""

    department: str | None = None
    answer_group: str | None = None
    case_type: str | None = None
    channel: str | None = None
    department_id: int | None = None
    answer_group_id: int | None = None
    case_type_id: int | None = None

    def codes(self) -> dict[str, str]:
        return {
            key: value
            for key, value in (
                ("department", self.department),
                ("answer_group", self.answer_group),
                ("case_type", self.case_type),
                ("channel", self.channel),
            )
            if value
        }


@dataclass
class Report:
    """A computed report."""

    name: str
    title_sv: str
    title_en: str
    period: Period
    filters: Filters
    summary: list[Figure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_sv

    def table(self, name: str) -> ReportTable | None:
        return next((t for t in self.tables if t.name == name), None)

    def as_dict(self, lang: str) -> dict[str, Any]:
        """The JSON form: summary figures by key, tables with headings in ``lang``."""
        return {
            "report": self.name,
            "title": self.title(lang),
            "language": lang,
            "period": {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()},
            "filters": self.filters.codes(),
            "summary": {f.key: f.value for f in self.summary},
            "labels": {f.key: f.label(lang) for f in self.summary},
            "figure_sources": {f.key: f.source for f in self.summary if f.source != "core"},
            "tables": {
                t.name: {
                    "title": t.title(lang),
                    "columns": [{"key": c.key, "title": c.heading(lang)} for c in t.columns],
                    "rows": t.rows,
                }
                for t in self.tables
            },
            "charts": [c.name for c in self.charts],
        }


Compute = Callable[..., "Awaitable[Any] | Any"]


@dataclass(frozen=True)
class ReportDefinition:
    """A report a plugin adds (``register_reports``).

    ``compute(period_start, period_end, filters)`` (any subset of those arguments; sync or
    async) returns a :class:`Report`-like result: either a list of :class:`ReportTable`, or a
    dict ``{"summary": {key: value}, "tables": {name: [rows]}}``. ``period_start`` and
    ``period_end`` are epoch seconds [start, end); ``filters`` holds the filter codes.
    """

    name: str
    title_sv: str
    title_en: str
    compute: Compute
    permission: str = "reports.read"
    description: str = ""
    charts: tuple[Chart, ...] = ()

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_sv
