"""HTTP API of the reports (``/api/v1/reports``): JSON, CSV/XLSX exports, PNG/SVG charts and
the effect-goal targets.

Every report takes ``from`` and ``to`` (local days, Europe/Stockholm; default this month) and
the filters ``department``, ``answer_group``, ``case_type`` and ``channel`` (codes).
Headings are Swedish unless the request asks for English (Accept-Language).
"""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from core.errors import Forbidden, InvalidInput
from core.reports import charts, export, service
from core.reports.model import Report
from core.web.problems import language_of as lang_of
from core.web.security import principal_of
from core.web.types import NO_NUL, query_text, text_path

READ = {"permission": "reports.read"}
COST = {"permission": "reports.cost"}
MANAGE = {"permission": "reports.manage"}
# the answers that are not JSON, for the OpenAPI document (core/web/openapi.py)
EXPORT_TYPES = (export.CSV_TYPE, export.XLSX_TYPE)
CHART_TYPES = tuple(charts.MEDIA_TYPES.values())
FILE_NAMES = {
    "contacts": ("kontakter", "contacts"),
    "times": ("vantetider", "waiting-times"),
    "sla": ("servicenivå", "service-level"),
    "backlog": ("balans", "backlog"),
    "effect-goals": ("effektmål", "effect-goals"),
    "cost": ("kostnadsfördelning", "cost-allocation"),
}

# Every text parameter refuses NUL (PostgreSQL cannot take it) and is bounded in length.
Day = Annotated[
    str | None, QueryParameter(name="from", pattern=NO_NUL, max_length=40, required=False)
]
ToDay = Annotated[
    str | None, QueryParameter(name="to", pattern=NO_NUL, max_length=40, required=False)
]
Code = Annotated[str | None, QueryParameter(pattern=NO_NUL, max_length=60, required=False)]
Format = Annotated[str, query_text(10)]
Name = Annotated[str, text_path(60)]


class GoalChanges(msgspec.Struct, forbid_unknown_fields=True):
    target: float | None = None
    minimum: float | None = None
    label_sv: str | None = None
    label_en: str | None = None


def _tz(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "timezone", service.DEFAULT_TZ)


def jsonable(value: Any) -> Any:
    """Kronor (Decimal) as exact strings such as "1234.50"."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class ReportQuery:
    """The period and filters every report takes (from the query string)."""

    first: str | None
    last: str | None
    department: str | None
    answer_group: str | None
    case_type: str | None
    channel: str | None


def report_query(
    first: Day = None,
    last: ToDay = None,
    department: Code = None,
    answer_group: Code = None,
    case_type: Code = None,
    channel: Code = None,
) -> ReportQuery:
    """Dependency: the shared query parameters of every report endpoint."""
    return ReportQuery(first, last, department, answer_group, case_type, channel)


async def _report(request: Request, name: str, query: ReportQuery) -> tuple[Report, str]:
    host = request.app.state.host
    needed = service.permission_for(name, host)
    if not principal_of(request).can(needed):
        raise Forbidden("Your role does not allow this report")
    tz = _tz(request)
    period = service.parse_period(query.first, query.last, tz)
    filters = await service.resolve_filters(
        query.department, query.answer_group, query.case_type, query.channel
    )
    lang = lang_of(request)
    report = await service.compute(name, period, filters, lang=lang, host=host, tz=tz)
    return report, lang


def ascii_fold(text: str) -> str:
    """``text`` in ASCII for a file name: å and ä become a, ö becomes o, é e; others ``-``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.encode("ascii", "replace").decode().replace("?", "-")


def _file_name(report: Report, lang: str, suffix: str) -> str:
    sv, en = FILE_NAMES.get(report.name, (report.name, report.name))
    base = en if lang == "en" else sv
    first, last = report.period.first.isoformat(), report.period.last.isoformat()
    return f"{ascii_fold(base)}_{first}_{last}.{suffix}"


async def _export(report: Report, lang: str, fmt: str, table: str | None) -> Response[bytes]:
    if fmt == "csv":
        content = export.to_csv(report, table or service.main_table(report), lang)
        media = export.CSV_TYPE
    elif fmt == "xlsx":
        content = await asyncio.to_thread(export.to_xlsx, report, lang)
        media = export.XLSX_TYPE
    else:
        raise InvalidInput("Unknown export format: {format} (csv or xlsx)", format=fmt[:20])
    name = _file_name(report, lang, fmt)
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _chart(report: Report, lang: str, fmt: str, chart: str | None) -> Response[bytes]:
    content = await asyncio.to_thread(charts.render, report, chart, fmt, lang)
    return Response(
        content,
        media_type=charts.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{_file_name(report, lang, fmt)}"'},
    )


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = {"selection": Provide(report_query, sync_to_thread=False)}

    @get("/", opt=READ, summary="The reports that can be asked for (core and plugins)")
    async def list_reports(self, request: Request) -> list[dict[str, Any]]:
        return service.available(request.app.state.host, lang_of(request))

    @get("/goals", opt=READ, summary="Effect-goal targets and minimums")
    async def list_goals(self) -> list[dict[str, Any]]:
        return await service.list_goals()

    @put("/goals/{key:str}", opt=MANAGE, summary="Change an effect goal's target or minimum")
    async def change_goal(
        self, request: Request, key: Name, data: JSONBody[GoalChanges]
    ) -> dict[str, Any]:
        return await service.update_goal(
            principal_of(request).username,
            key,
            target=data.target,
            minimum=data.minimum,
            label_sv=data.label_sv,
            label_en=data.label_en,
        )

    @get("/cost", opt=COST, summary="Cost allocation per department (base fee + unit prices)")
    async def cost(
        self,
        request: Request,
        selection: NamedDependency[ReportQuery],
    ) -> dict[str, Any]:
        report, lang = await _report(request, "cost", selection)
        return jsonable(report.as_dict(lang))

    @get(
        "/cost/export",
        opt={**COST, "media_types": EXPORT_TYPES},
        summary="Cost allocation as CSV or XLSX",
    )
    async def cost_export(
        self,
        request: Request,
        selection: NamedDependency[ReportQuery],
        format: Format = "csv",
        table: Code = None,
    ) -> Response[bytes]:
        report, lang = await _report(request, "cost", selection)
        return await _export(report, lang, format, table)

    @get(
        "/cost/chart",
        opt={**COST, "media_types": CHART_TYPES},
        summary="Cost allocation as a PNG or SVG chart",
    )
    async def cost_chart(
        self,
        request: Request,
        selection: NamedDependency[ReportQuery],
        format: Format = "png",
        chart: Code = None,
    ) -> Response[bytes]:
        report, lang = await _report(request, "cost", selection)
        return await _chart(report, lang, format, chart)

    @get("/{report:str}", opt=READ, summary="One report as JSON")
    async def show(
        self,
        request: Request,
        report: Name,
        selection: NamedDependency[ReportQuery],
    ) -> dict[str, Any]:
        result, lang = await _report(request, report, selection)
        return jsonable(result.as_dict(lang))

    @get(
        "/{report:str}/export",
        opt={**READ, "media_types": EXPORT_TYPES},
        summary="One report as CSV (one table) or XLSX",
    )
    async def export(
        self,
        request: Request,
        report: Name,
        selection: NamedDependency[ReportQuery],
        format: Format = "csv",
        table: Code = None,
    ) -> Response[bytes]:
        result, lang = await _report(request, report, selection)
        return await _export(result, lang, format, table)

    @get(
        "/{report:str}/chart",
        opt={**READ, "media_types": CHART_TYPES},
        summary="A chart of one report as PNG or SVG",
    )
    async def chart(
        self,
        request: Request,
        report: Name,
        selection: NamedDependency[ReportQuery],
        format: Format = "png",
        chart: Code = None,
    ) -> Response[bytes]:
        result, lang = await _report(request, report, selection)
        return await _chart(result, lang, format, chart)
