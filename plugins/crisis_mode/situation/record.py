"""The event's record for the evaluation the law asks of the crisis management (LEH
2006:544): the timeline of activation, plan steps and deactivation (activation area), every
crisis message version with its approvals (messages area), the lägesbilder kept with the
event, the contact volumes per hour, channel and topic, the unanswered questions and the
call-in of the roster — as JSON, CSV (one table, a ``section`` column) or PDF.

The other areas are read only through their contract functions (:mod:`links`); an area that
cannot answer leaves its section empty with the reason, the rest of the record stands.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF

from core.errors import InvalidInput
from plugins.crisis_mode.situation import links, roster, situation

log = logging.getLogger(__name__)
FORMATS = ("json", "csv", "pdf")
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
TIME_KEYS = ("at", "created_at", "approved_at", "time")
SKIP_KEYS = {"id", "event_id", "data", "body", "ivr_text"}


async def _section(name: str, call) -> tuple[list[dict[str, Any]], str]:
    try:
        return list(await call), ""
    except Exception as exc:  # an area not able to answer: the record says so
        log.warning("record section %s: %s", name, exc)
        return [], f"{type(exc).__name__}: {exc}"


async def assemble(event_id: int) -> dict[str, Any]:
    """The record of an event as one JSON-able dict."""
    event = await links.event(event_id)
    timeline, timeline_error = await _section("timeline", links.timeline(event_id))
    messages, messages_error = await _section("messages", links.message_history(event_id))
    report = await situation.build_for(event, None, "sv")
    kept = []
    for meta in await situation.kept(event_id):
        full = await situation.kept_report(meta["id"])
        kept.append(
            {
                **meta,
                "summary_sv": full["summary_sv"],
                "summary_en": full["summary_en"],
                "rising": full["report"].get("rising", []),
            }
        )
    call_ins = await roster.call_ins(event_id)
    return {
        "event": event,
        "exercise": bool(event.get("exercise")),
        "timeline": timeline,
        "timeline_error": timeline_error,
        "messages": messages,
        "messages_error": messages_error,
        "situation_reports": kept,
        "volumes": {
            "period": report["period"],
            "totals": report["totals"],
            "hours": [
                {k: h[k] for k in ("hour", "local", "contacts", "tagged", "by_channel", "topics")}
                for h in report["hours"]
            ],
            "topics": [
                {
                    k: t[k]
                    for k in (
                        "code",
                        "label",
                        "total",
                        "by_channel",
                        "by_area",
                        "per_hour",
                        "rising",
                        "rising_hours",
                    )
                }  # fmt: skip
                for t in report["topics"]
            ],
            "areas": report["areas"],
        },
        "questions": report["questions"],
        "call_ins": call_ins,
        "call_in_counts": roster.counts(call_ins),
        "summary": report["summary"],
    }


async def export(event_id: int, fmt: str = "json") -> tuple[bytes | dict[str, Any], str]:
    """The record as (content, media type): ``json`` (a dict), ``csv`` or ``pdf`` (bytes)."""
    if fmt not in FORMATS:
        raise InvalidInput(
            "Unknown format {format}; use json, csv or pdf",
            location=("query", "format"),
            format=fmt,
        )
    record = await assemble(event_id)
    if fmt == "json":
        return record, "application/json"
    if fmt == "csv":
        return as_csv(record).encode("utf-8-sig"), "text/csv; charset=utf-8"
    return as_pdf(record), "application/pdf"


def _when(item: dict[str, Any]) -> int | None:
    for key in TIME_KEYS:
        value = item.get(key)
        if isinstance(value, int | float) and value:
            return int(value)
    return None


def _text(item: dict[str, Any]) -> str:
    parts = []
    for key, value in item.items():
        if key in SKIP_KEYS or key in TIME_KEYS or value in (None, "", [], {}):
            continue
        if isinstance(value, dict | list):
            continue
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def _local(epoch: int | None) -> str:
    return situation.local(epoch) if epoch else ""


def _message_rows(messages: list[dict[str, Any]]) -> list[tuple[int | None, str, str]]:
    """(time, item, detail) lines of the message history: one per version (its titles per
    language, who wrote and approved it) and one per entry of its log (drafted, approved,
    published …)."""
    rows = []
    for message in messages:
        texts = [t for t in message.get("texts") or [] if isinstance(t, dict)]
        titles = "; ".join(f"{t.get('language', '')}: {t.get('title', '')}" for t in texts)
        titles = titles or str(message.get("title") or "")
        head = f"v{message.get('version', '?')} {message.get('status', '')}".strip()
        detail = f"by {message.get('created_by') or ''}"
        if message.get("approved_by"):
            detail += f"; approved by {message['approved_by']} {_local(message.get('approved_at'))}"
        rows.append((_when(message), f"{head}: {titles}", detail))
        for entry in message.get("approvals") or []:
            if isinstance(entry, dict):
                what = f"  {entry.get('action', '')} v{message.get('version', '?')}"
                rows.append((_when(entry), what, f"by {entry.get('actor') or ''}"))
    return rows


def as_csv(record: dict[str, Any]) -> str:
    """The record as one CSV table: section, time (local), item, value, detail."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "time", "item", "value", "detail"])
    event = record["event"]
    label = "ÖVNING" if record["exercise"] else ""
    writer.writerow(
        [
            "event",
            _local(event["activated_at"]),
            "activated",
            event["level"],
            f"{label} {event.get('reason') or ''}".strip(),
        ]
    )
    if event.get("deactivated_at"):
        writer.writerow(
            [
                "event",
                _local(event["deactivated_at"]),
                "deactivated",
                event.get("deactivated_by") or "",
                event.get("deactivation_reason") or "",
            ]
        )
    for item in record["timeline"]:
        name = item.get("step") or item.get("kind") or ""
        writer.writerow(
            ["timeline", _local(_when(item)), name, item.get("status") or "", _text(item)]
        )
    if record["timeline_error"]:
        writer.writerow(["timeline", "", "unavailable", "", record["timeline_error"]])
    for when, item, detail in _message_rows(record["messages"]):
        writer.writerow(["message", _local(when), item, "", detail])
    if record["messages_error"]:
        writer.writerow(["message", "", "unavailable", "", record["messages_error"]])
    for kept in record["situation_reports"]:
        writer.writerow(
            [
                "lägesbild",
                _local(kept["created_at"]),
                kept["kind"],
                kept["contacts"],
                kept["summary_sv"],
            ]
        )
    for hour in record["volumes"]["hours"]:
        writer.writerow(
            [
                "volume_hour",
                hour["local"],
                "contacts",
                hour["contacts"],
                " ".join(f"{k}={v}" for k, v in hour["by_channel"].items()),
            ]
        )
        for code, n in hour["topics"].items():
            writer.writerow(["volume_hour_topic", hour["local"], code, n, ""])
    for topic in record["volumes"]["topics"]:
        writer.writerow(["topic_total", "", topic["code"], topic["total"], topic["label"]])
    for question in record["questions"]["latest"]:
        writer.writerow(
            [
                "question",
                _local(question["received_at"]),
                question["contact_number"],
                ",".join(question["topics"]),
                question["question"],
            ]
        )
    for call in record["call_ins"]:
        writer.writerow(
            [
                "call_in",
                _local(call["asked_at"]),
                call["name"],
                call["status"],
                f"{call['kind']}; arrived {_local(call['arrived_at'])}",
            ]
        )
    return out.getvalue()


class RecordPdf(FPDF):
    """A4 pages; an exercise's every page is headed ÖVNING."""

    exercise = False

    def header(self) -> None:
        if self.exercise:
            self.set_font(FONT, "B", 9)
            self.set_text_color(200, 16, 46)
            self.cell(0, 5, "ÖVNING – ÖVNING – ÖVNING", align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)


def _pdf(exercise: bool) -> FPDF:
    pdf = RecordPdf(orientation="P", unit="mm", format="A4")
    pdf.exercise = exercise
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_creator("Kontaktcenter")
    return pdf


CHART_COLOURS = ((31, 95, 168), (194, 86, 26), (46, 133, 64), (123, 63, 160), (168, 134, 31),
                 (17, 122, 139))  # fmt: skip


def _chart(pdf: FPDF, volumes: dict[str, Any], height: float = 60.0) -> None:
    """The lägesbild's chart drawn in the PDF itself: grey bars for the contacts of each hour
    (the last 48), a line per leading topic, a red mark where a topic was rising."""
    hours = volumes["hours"][-48:]
    first = len(volumes["hours"]) - len(hours)
    leading = [t for t in volumes["topics"] if t["total"]][:6]
    if pdf.get_y() + height + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
    left, top = pdf.l_margin + 8, pdf.get_y() + 2
    width = pdf.w - pdf.l_margin - pdf.r_margin - 8
    peak = max([h["contacts"] for h in hours] + [1])
    slot = width / max(len(hours), 1)

    def y(value: float) -> float:
        return top + height - height * value / peak

    pdf.set_draw_color(180, 180, 180)
    pdf.line(left, top + height, left + width, top + height)
    pdf.set_font(FONT, "", 6)
    pdf.text(pdf.l_margin, top + 2, str(peak))
    pdf.text(pdf.l_margin, top + height, "0")
    pdf.set_fill_color(201, 206, 214)
    for i, hour in enumerate(hours):
        bar = height * hour["contacts"] / peak
        pdf.rect(left + slot * i + slot * 0.15, top + height - bar, slot * 0.7, bar, "F")
        if i % max(1, len(hours) // 12) == 0:
            pdf.text(left + slot * i, top + height + 3, hour["local"][-5:])
    for n, topic in enumerate(leading):
        colour = CHART_COLOURS[n % len(CHART_COLOURS)]
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.5)
        counts = topic["per_hour"][first:]
        points = [(left + slot * i + slot / 2, y(v)) for i, v in enumerate(counts)]
        for a, b in zip(points, points[1:], strict=False):
            pdf.line(a[0], a[1], b[0], b[1])
        pdf.set_fill_color(200, 16, 46)
        for (px, py), rising in zip(points, topic["rising_hours"][first:], strict=False):
            if rising:
                pdf.polygon([(px - 1.2, py - 1.5), (px + 1.2, py - 1.5), (px, py - 3.5)],
                            style="F")  # fmt: skip
        pdf.set_fill_color(*colour)
        pdf.rect(left + 2 + n * 30, top + height + 5, 3, 2, "F")
        pdf.text(left + 6 + n * 30, top + height + 7, topic["label"][:18])
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_font(FONT, "", 9)
    pdf.set_y(top + height + 10)


def as_pdf(record: dict[str, Any]) -> bytes:
    """The record as a PDF (A4): the event, timeline, messages, lägesbilder, volumes per hour,
    topics, questions and the call-in; an exercise's pages are headed ÖVNING."""
    event = record["event"]
    exercise = record["exercise"]
    pdf = _pdf(exercise)
    pdf.set_title(f"Krisläge {event['id']}")

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 13)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9)

    def line(text: str) -> None:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    title = f"Krisläge – händelse {event['id']}"
    if exercise:
        title = f"ÖVNING – {title}"
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    level = situation.LEVELS["sv"].get(str(event["level"]), str(event["level"]))
    line(f"Nivå: {level}    Orsak: {event.get('reason') or ''}")
    line(f"Aktiverad {_local(event['activated_at'])} av {event.get('activated_by') or ''}")
    if event.get("deactivated_at"):
        line(
            f"Avslutad {_local(event['deactivated_at'])} av {event.get('deactivated_by') or ''}: "
            f"{event.get('deactivation_reason') or ''}"
        )
    line(f"Utskriven {datetime.now(situation.zone()).strftime('%Y-%m-%d %H:%M')}")

    heading("Sammanfattning")
    line(record["summary"])

    heading("Tidslinje: aktivering och planens steg")
    for item in record["timeline"]:
        name = item.get("step") or item.get("kind") or ""
        text = (
            f"{_local(_when(item))}  {name}  {item.get('status') or ''}  {item.get('detail') or ''}"
        )
        if item.get("manual"):
            text += f"  (för hand: {item['manual']})"
        line(text)
    if record["timeline_error"]:
        line(f"Tidslinjen kunde inte läsas: {record['timeline_error']}")
    if not record["timeline"] and not record["timeline_error"]:
        line("Inga rader.")

    heading("Meddelanden: versioner och godkännanden")
    for when, item, detail in _message_rows(record["messages"]):
        line(f"{_local(when)}  {item}  {detail}")
    if record["messages_error"]:
        line(f"Meddelandena kunde inte läsas: {record['messages_error']}")
    if not record["messages"] and not record["messages_error"]:
        line("Inga meddelanden.")

    heading("Lägesbilder")
    for kept in record["situation_reports"]:
        pdf.set_font(FONT, "B", 9)
        line(f"{_local(kept['created_at'])}  ({kept['kind']}, {kept['contacts']} kontakter)")
        pdf.set_font(FONT, "", 9)
        line(kept["summary_sv"])
    if not record["situation_reports"]:
        line("Inga sparade lägesbilder.")

    heading("Kontaktvolymer per timme")
    volumes = record["volumes"]
    if volumes["hours"]:
        _chart(pdf, volumes)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(40, 5, "Timme")
    pdf.cell(25, 5, "Kontakter")
    pdf.cell(25, 5, "Taggade")
    pdf.cell(0, 5, "Kanaler", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for hour in volumes["hours"]:
        pdf.cell(40, 5, hour["local"])
        pdf.cell(25, 5, str(hour["contacts"]))
        pdf.cell(25, 5, str(hour["tagged"]))
        channels = ", ".join(f"{k} {v}" for k, v in hour["by_channel"].items())
        pdf.cell(0, 5, channels[:90], new_x="LMARGIN", new_y="NEXT")

    heading("Ämnen")
    for topic in volumes["topics"]:
        line(f"{topic['label']} ({topic['code']}): {topic['total']}")
    if not volumes["topics"]:
        line("Inga taggade kontakter.")

    heading("Frågor utan godkänt svar")
    line(f"Totalt {record['questions']['total']}.")
    for question in record["questions"]["latest"]:
        line(
            f"{_local(question['received_at'])}  {question['contact_number']}  "
            f"{question['question']}"
        )

    heading("Inkallning av jourlistan")
    counts = record["call_in_counts"]
    line(", ".join(f"{k} {v}" for k, v in counts.items()))
    for call in record["call_ins"]:
        line(
            f"{call['name']} ({call['kind']}): {call['status']}; frågad {_local(call['asked_at'])}"
            f"{'; på plats ' + _local(call['arrived_at']) if call['arrived_at'] else ''}"
        )
    if exercise:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 14)
        pdf.cell(0, 8, "ÖVNING", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
