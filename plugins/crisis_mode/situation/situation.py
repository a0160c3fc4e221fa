"""The lägesbild (situation picture) of a crisis event: contacts per hour and channel, topics
per hour, channel and area, the topics rising fast, and the questions that had no approved
answer — as a report (JSON), a chart per hour (SVG) and a short text to paste into WIS or
the crisis management's log. Built on demand and every hour by the worker while a crisis is
active, and kept with the event.

**Rising fast** (documented rule, the same for every topic): in the latest hour of the
report a topic is rising when it has at least :data:`RISING_MIN` contacts *and* at least
:data:`RISING_FACTOR` times the mean of the previous :data:`RISING_WINDOW` hours of the event
(fewer at the start of the event). Before the event nothing was counted, so the event's first
hour compares with 0: a topic reaching the minimum in the first hour is rising (the public
suddenly asks about it); the minimum keeps small counts from flagging. The same test is made
for every hour, so the chart marks where each topic rose.
An on-demand report's latest hour is the hour running now (partly counted: it can only err on
the side of not yet rising); the hourly report covers whole hours up to the full hour.

Counting is a handful of queries, each answered from an index: crisis contacts per local day,
hour and channel from the core's covering ``contact_report`` index (the event's partial first
and last hour through the index on ``received_at``); tagged contacts and topics per hour,
channel and area from the running counts tagging keeps in ``crisis_tag_count`` (one row per
cell, at most a few thousand for a day); questions from a partial index. Nothing per contact
reaches Python.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import audit, db, events
from core.cases import service as cases
from core.contracts import Event
from core.db import raw
from core.errors import NotFound
from plugins.crisis_mode.situation import chart, links, topics
from plugins.crisis_mode.situation.tagging import hour_of

log = logging.getLogger(__name__)

RISING_MIN = 5
RISING_FACTOR = 2.0
RISING_WINDOW = 3
LATEST_QUESTIONS = 50
REPORT_EVENT = "crisis.situation_report"
KINDS = ("on_demand", "scheduled", "final")
CHANNELS = {
    "sv": {
        "phone": "telefon",
        "email": "e-post",
        "visit": "besök",
        "web": "webb",
        "chat": "chatt",
        "letter": "brev",
        "sms": "sms",
        "social": "sociala medier",
    },
    "en": {
        "phone": "phone",
        "email": "e-mail",
        "visit": "visit",
        "web": "web",
        "chat": "chat",
        "letter": "letter",
        "sms": "SMS",
        "social": "social media",
    },
}
LEVELS = {
    "sv": {"heightened": "höjd beredskap", "extraordinary": "extraordinär händelse"},
    "en": {"heightened": "heightened alert", "extraordinary": "extraordinary event"},
}


def zone() -> ZoneInfo:
    try:
        return ZoneInfo(cases.current_settings().timezone)
    except Exception:  # a process without configured cases (tools)
        return ZoneInfo("Europe/Stockholm")


def local(epoch: int, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.fromtimestamp(epoch, zone()).strftime(fmt)


async def _fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """A read query (``{}`` placeholders) on a pooled connection (off the event loop's
    thread on SQLite), as the core's reports run theirs."""
    from piccolo.querystring import QueryString

    rows = await db.get_engine().run_querystring(QueryString(sql, *args))
    return [dict(row) for row in rows or []]


def rising_flags(counts: list[int]) -> list[tuple[bool, float]]:
    """Per hour: (rising, baseline) by the documented rule over the event's hours."""
    out = []
    for i, count in enumerate(counts):
        before = counts[max(0, i - RISING_WINDOW) : i]
        baseline = sum(before) / len(before) if before else 0.0
        rising = count >= RISING_MIN and count >= RISING_FACTOR * baseline
        out.append((rising, baseline))
    return out


def _period(event: dict[str, Any], at: int | None) -> tuple[int, int]:
    start, end = links.window(event, now=at)
    if at is not None:
        end = min(end, max(int(at), start + 1))
    return start, end


async def build(event_id: int, at: int | None = None, lang: str = "sv") -> dict[str, Any]:
    """The lägesbild of ``event_id`` up to ``at`` (default now) as a JSON-able report."""
    event = await links.event(event_id)
    return await build_for(event, at, lang)


def _local_keys(hour_list: list[int]) -> dict[tuple[str, int], int]:
    """(local day, local hour) of each hour start, as the core stores them on contacts (the
    repeated hour when summer time ends maps to its first occurrence)."""
    tz = zone()
    keys: dict[tuple[str, int], int] = {}
    for h in hour_list:
        moment = datetime.fromtimestamp(h, tz)
        keys.setdefault((moment.strftime("%Y-%m-%d"), moment.hour), h)
    return keys


async def _contacts_per_hour(
    start: int, end: int, hour_list: list[int]
) -> dict[int, dict[str, int]]:
    """Crisis contacts per hour start and channel. Whole hours are counted through the core's
    covering index ``contact_report`` (local day, hour, channel); the event's first and last
    hour, when only part of them is in [start, end), through the index on ``received_at``."""
    keys = _local_keys(hour_list)
    first_day = datetime.fromtimestamp(start, zone()).strftime("%Y-%m-%d")
    last_day = datetime.fromtimestamp(end - 1, zone()).strftime("%Y-%m-%d")
    edges = []
    if start > hour_list[0]:
        edges.append(hour_list[0])
    if end < hour_list[-1] + 3600 and hour_list[-1] not in edges:
        edges.append(hour_list[-1])
    queries = [
        _fetch(
            "SELECT local_day, local_hour, channel, COUNT(*) AS n FROM contact "
            "WHERE local_day >= {} AND local_day <= {} GROUP BY local_day, local_hour, channel",
            first_day,
            last_day,
        )
    ]
    for h in edges:
        queries.append(
            raw.fetch(
                "SELECT channel, COUNT(*) AS n FROM contact WHERE received_at >= ? "
                "AND received_at < ? GROUP BY channel",
                max(h, start),
                min(h + 3600, end),
            )
        )
    whole, *partial = await asyncio.gather(*queries)
    out: dict[int, dict[str, int]] = {h: {} for h in hour_list}
    for row in whole:
        h = keys.get((row["local_day"], int(row["local_hour"])))
        if h is not None and h not in edges:
            channel = row["channel"]
            out[h][channel] = out[h].get(channel, 0) + int(row["n"])
    for h, rows in zip(edges, partial, strict=True):
        out[h] = {row["channel"]: int(row["n"]) for row in rows}
    return out


async def build_for(event: dict[str, Any], at: int | None, lang: str) -> dict[str, Any]:
    """The lägesbild of ``event`` up to ``at`` in ``lang``."""
    return (await build_langs(event, at, (lang,)))[lang]


async def build_langs(
    event: dict[str, Any], at: int | None, langs: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """The lägesbild in each of ``langs`` from one round of counting."""
    start, end = _period(event, at)
    eid = event["id"]
    first_hour, last_hour = hour_of(start), hour_of(end - 1)
    hour_list = list(range(first_hour, last_hour + 1, 3600))
    (contacts, cells, questions, question_count, topic_rows,
     area_names) = await asyncio.gather(
        _contacts_per_hour(start, end, hour_list),
        raw.fetch(
            "SELECT hour_start, topic_id, channel, area_id, n FROM crisis_tag_count "
            "WHERE event_id = ? AND hour_start < ? AND n <> 0",
            eid,
            end,
        ),
        raw.fetch(
            "SELECT id, contact_number, channel, received_at, area_id, question, tagged_by "
            "FROM crisis_tag WHERE event_id = ? AND received_at < ? AND question <> '' "
            "ORDER BY received_at DESC, id DESC LIMIT ?",
            eid,
            end,
            LATEST_QUESTIONS,
        ),
        raw.fetch(
            "SELECT COUNT(*) AS n FROM crisis_tag "
            "WHERE event_id = ? AND received_at < ? AND question <> ''",
            eid,
            end,
        ),
        topics.rows_by_id("topic"),
        topics.rows_by_id("area"),
    )  # fmt: skip
    question_topics = await _question_topics([int(q["id"]) for q in questions], topic_rows)
    for cell in cells:  # area 0 is "no area" in the running counts
        if not cell["area_id"]:
            cell["area_id"] = None
    topic_cells = [c for c in cells if int(c["topic_id"]) != 0]
    tag_cells = [c for c in cells if int(c["topic_id"]) == 0]
    data = (contacts, topic_cells, tag_cells, questions, question_count, topic_rows, area_names,
            question_topics)  # fmt: skip
    return {lang: _assemble(event, start, end, hour_list, data, lang) for lang in langs}


def _assemble(
    event: dict[str, Any],
    start: int,
    end: int,
    hour_list: list[int],
    data: tuple[Any, ...],
    lang: str,
) -> dict[str, Any]:
    (contacts, topic_cells, tag_cells, questions, question_count, topic_rows, area_names,
     question_topics) = data  # fmt: skip
    index = {h: i for i, h in enumerate(hour_list)}
    hours = [
        {"hour": h, "local": local(h), "contacts": 0, "tagged": 0, "by_channel": {}}
        for h in hour_list
    ]
    by_channel: dict[str, int] = {}
    for h, channels in contacts.items():
        hour = hours[index[h]]
        for channel, n in sorted(channels.items(), key=lambda kv: -kv[1]):
            hour["contacts"] += n
            hour["by_channel"][channel] = n
            by_channel[channel] = by_channel.get(channel, 0) + n

    def area_code(area_id: Any) -> str:
        area = area_names.get(int(area_id)) if area_id is not None else None
        return area["code"] if area else ""

    area_totals: dict[Any, int] = {}
    for row in tag_cells:
        i = index.get(int(row["hour_start"]))
        if i is None:
            continue
        hours[i]["tagged"] += int(row["n"])
        key = int(row["area_id"]) if row["area_id"] is not None else None
        area_totals[key] = area_totals.get(key, 0) + int(row["n"])
    per_topic: dict[int, list[int]] = {}
    channels_of: dict[int, dict[str, int]] = {}
    areas_of: dict[int, dict[str, int]] = {}
    for row in topic_cells:
        i = index.get(int(row["hour_start"]))
        if i is None:
            continue
        topic_id, n = int(row["topic_id"]), int(row["n"])
        per_topic.setdefault(topic_id, [0] * len(hour_list))[i] += n
        channels = channels_of.setdefault(topic_id, {})
        channels[row["channel"]] = channels.get(row["channel"], 0) + n
        areas = areas_of.setdefault(topic_id, {})
        code = area_code(row["area_id"])
        areas[code] = areas.get(code, 0) + n
    topic_list = []
    for topic_id, counts in per_topic.items():
        row = topic_rows.get(topic_id) or {"code": f"#{topic_id}", "label_sv": f"#{topic_id}"}
        flags = rising_flags(counts)
        topic_list.append(
            {
                "id": topic_id,
                "code": row["code"],
                "label": topics.label(row, lang),
                "total": sum(counts),
                "this_hour": counts[-1],
                "baseline": round(flags[-1][1], 2),
                "rising": flags[-1][0],
                "per_hour": counts,
                "rising_hours": [f for f, _ in flags],
                "by_channel": channels_of.get(topic_id, {}),
                "by_area": areas_of.get(topic_id, {}),
            }
        )
    topic_list.sort(key=lambda t: (-t["total"], t["code"]))
    for i, hour in enumerate(hours):
        hour["topics"] = {t["code"]: t["per_hour"][i] for t in topic_list if t["per_hour"][i]}
    area_rows = [{"area_id": key, "n": n} for key, n in area_totals.items()]
    area_list = []
    for row in area_rows:
        area = area_names.get(int(row["area_id"])) if row["area_id"] is not None else None
        area_list.append(
            {
                "id": int(row["area_id"]) if row["area_id"] is not None else None,
                "code": area["code"] if area else "",
                "label": topics.label(area, lang) if area else "",
                "total": int(row["n"]),
            }
        )
    area_list.sort(key=lambda a: (-a["total"], a["code"]))
    latest_questions = [
        {
            "contact_number": q["contact_number"],
            "received_at": q["received_at"],
            "channel": q["channel"],
            "area": (area_names.get(int(q["area_id"])) or {}).get("code", "")
            if q["area_id"] is not None
            else "",
            "topics": question_topics.get(int(q["id"]), []),
            "question": q["question"],
        }
        for q in questions
    ]
    total = sum(h["contacts"] for h in hours)
    tagged = sum(h["tagged"] for h in hours)
    report = {
        "event": {
            key: event.get(key)
            for key in (
                "id",
                "status",
                "level",
                "exercise",
                "reason",
                "building",
                "activated_by",
                "activated_at",
                "deactivated_at",
            )
        },
        "exercise": bool(event.get("exercise")),
        "label": ("EXERCISE" if lang == "en" else "ÖVNING") if event.get("exercise") else None,
        "language": lang,
        "generated_at": int(time.time()),
        "period": {
            "start": start,
            "end": end,
            "start_local": local(start),
            "end_local": local(end),
        },
        "rule": {
            "min": RISING_MIN,
            "factor": RISING_FACTOR,
            "window_hours": RISING_WINDOW,
            "text": RULE_TEXT["en" if lang == "en" else "sv"],
        },
        "totals": {
            "contacts": total,
            "tagged": tagged,
            "untagged": max(total - tagged, 0),
            "by_channel": dict(sorted(by_channel.items(), key=lambda kv: -kv[1])),
            "questions": int(question_count[0]["n"]) if question_count else 0,
        },
        "hours": hours,
        "topics": topic_list,
        "areas": area_list,
        "rising": [t["code"] for t in topic_list if t["rising"]],
        "questions": {
            "total": int(question_count[0]["n"]) if question_count else 0,
            "latest": latest_questions,
        },
    }
    report["summary"] = summary(report, lang)
    return report


RULE_TEXT = {
    "sv": f"Ett ämne ökar snabbt när det har minst {RISING_MIN} kontakter den senaste timmen "
    f"och minst {RISING_FACTOR:g} gånger medelvärdet för de {RISING_WINDOW} timmarna innan.",
    "en": f"A topic is rising fast when it has at least {RISING_MIN} contacts in the latest "
    f"hour and at least {RISING_FACTOR:g} times the mean of the {RISING_WINDOW} hours before.",
}


async def _question_topics(
    tag_ids: list[int], topic_rows: dict[int, dict[str, Any]]
) -> dict[int, list[str]]:
    if not tag_ids:
        return {}
    marks = ", ".join("?" for _ in tag_ids)
    rows = await raw.fetch(
        f"SELECT tag_id, topic_id FROM crisis_tag_topic WHERE tag_id IN ({marks}) "
        "ORDER BY topic_id",
        *tag_ids,
    )
    out: dict[int, list[str]] = {}
    for row in rows:
        topic = topic_rows.get(int(row["topic_id"]))
        out.setdefault(int(row["tag_id"]), []).append(topic["code"] if topic else "")
    return out


def _rising_text(topic: dict[str, Any], lang: str) -> str:
    """``Dricksvatten (60 senaste timmen mot i snitt 18,3 per timme före)``."""
    n, label, baseline = topic["this_hour"], topic["label"], topic["baseline"]
    if lang == "en":
        if not baseline:
            return f"{label} ({n} in the latest hour, none before)"
        return f"{label} ({n} in the latest hour against a mean of {baseline:.1f} an hour before)"
    if not baseline:
        return f"{label} ({n} senaste timmen, inga före)"
    return f"{label} ({n} senaste timmen mot i snitt {_decimal(baseline, lang)} per timme före)"


def _sentence(text: Any) -> str:
    """A text ending as a sentence (a full stop added when it has none)."""
    text = " ".join(str(text or "").split())
    return text if not text or text[-1] in ".!?" else text + "."


def _decimal(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "sv" else text


def _number(n: int, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", "\u00a0" if lang == "sv" else ",")


def summary(report: dict[str, Any], lang: str = "sv") -> str:
    """A short text of the lägesbild to paste into WIS or the crisis log (Swedish or
    English); an exercise's text starts and ends with ÖVNING/EXERCISE."""
    en = lang == "en"
    event = report["event"]
    totals = report["totals"]
    names = CHANNELS["en" if en else "sv"]
    levels = LEVELS["en" if en else "sv"]
    channels = ", ".join(
        f"{names.get(code, code)} {_number(n, lang)}" for code, n in totals["by_channel"].items()
    )
    last = report["hours"][-1] if report["hours"] else None
    lines = []
    if report["exercise"]:
        lines.append("EXERCISE EXERCISE EXERCISE" if en else "ÖVNING ÖVNING ÖVNING")
    end_local = report["period"]["end_local"]
    level = levels.get(str(event.get("level")), str(event.get("level") or ""))
    activated = local(int(event["activated_at"]))
    if en:
        lines.append(f"Situation report from the contact centre, {end_local}.")
        lines.append(f"Crisis mode since {activated} ({level}): {_sentence(event.get('reason'))}")
        lines.append(
            f"Since activation: {_number(totals['contacts'], lang)} contacts"
            + (f" ({channels})" if channels else "")
            + f"; {_number(totals['tagged'], lang)} tagged with a topic."
        )
    else:
        lines.append(f"Lägesbild från kontaktcenter {end_local}.")
        lines.append(f"Krisläge sedan {activated} ({level}): {_sentence(event.get('reason'))}")
        lines.append(
            f"Sedan aktiveringen: {_number(totals['contacts'], lang)} kontakter"
            + (f" ({channels})" if channels else "")
            + f"; {_number(totals['tagged'], lang)} taggade med ämne."
        )
    if last is not None:
        span = f"{local(last['hour'], '%H:%M')}–{local(last['hour'] + 3600, '%H:%M')}"
        if en:
            lines.append(f"Latest hour ({span}): {_number(last['contacts'], lang)} contacts.")
        else:
            lines.append(f"Senaste timmen ({span}): {_number(last['contacts'], lang)} kontakter.")
    leading = [t for t in report["topics"] if t["total"]][:5]
    if leading:
        listed = ", ".join(f"{t['label']} {_number(t['total'], lang)}" for t in leading)
        lines.append(("Leading topics: " if en else "Vanligaste ämnen: ") + listed + ".")
    rising = [t for t in report["topics"] if t["rising"]]
    if rising:
        parts = [_rising_text(t, lang) for t in rising]
        lines.append(("Rising fast: " if en else "Ökar snabbt: ") + "; ".join(parts) + ".")
    else:
        lines.append("No topic is rising fast." if en else "Inget ämne ökar snabbt.")
    questions = report["questions"]
    if questions["total"]:
        quoted = ", ".join(f"”{q['question']}”" for q in questions["latest"][:3])
        if en:
            lines.append(
                f"Questions without an approved answer: {questions['total']}. Latest: {quoted}."
            )
        else:
            lines.append(f"Frågor utan godkänt svar: {questions['total']}. Senaste: {quoted}.")
    else:
        lines.append(
            "No questions without an approved answer." if en else "Inga frågor utan godkänt svar."
        )
    if report["exercise"]:
        lines.append("EXERCISE EXERCISE EXERCISE" if en else "ÖVNING ÖVNING ÖVNING")
    return "\n".join(lines)


# -- kept lägesbilder ------------------------------------------------------------------------
def _meta(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event_id"],
        "kind": row["kind"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "contacts": row["contacts"],
    }


async def keep(
    event_id: int, actor: str, kind: str = "on_demand", at: int | None = None
) -> dict[str, Any]:
    """Build the lägesbild and keep it with the event (report, Swedish and English text,
    chart); audited. Returns the kept report's metadata with the report itself."""
    event = await links.event(event_id)
    both = await build_langs(event, at, ("sv", "en"))
    report, report_en = both["sv"], both["en"]
    now = int(time.time())
    async with db.transaction():
        report_id = await raw.insert(
            "crisis_situation_report",
            {
                "event_id": event["id"],
                "kind": kind,
                "created_by": actor,
                "created_at": now,
                "period_start": report["period"]["start"],
                "period_end": report["period"]["end"],
                "contacts": report["totals"]["contacts"],
                "report": json.dumps(report, ensure_ascii=False),
                "summary_sv": report["summary"],
                "summary_en": report_en["summary"],
                "chart_svg": chart.svg(report, "sv"),
            },
        )
        audit.record(
            actor,
            "crisis.situation_kept",
            "crisis_situation_report",
            report_id,
            {"event": event["id"], "kind": kind, "rising": report["rising"]},
        )
    db_row = await get_row(report_id)
    _announce(db_row, report["rising"])
    return {**_meta(db_row), "report": report}


def _announce(row: dict[str, Any], rising: list[str]) -> None:
    try:
        events.publish(
            Event(
                REPORT_EVENT,
                {
                    "id": row["id"],
                    "event_id": row["event_id"],
                    "kind": row["kind"],
                    "rising": rising,
                },
            )
        )
    except Exception:  # a process without live events (a tool): the report is kept anyway
        log.info("live event %s not published", REPORT_EVENT)


async def get_row(report_id: int) -> dict[str, Any]:
    row = await raw.fetchrow("SELECT * FROM crisis_situation_report WHERE id = ?", report_id)
    if row is None:
        raise NotFound("No lägesbild with id {id}", id=report_id)
    return row


async def kept(event_id: int) -> list[dict[str, Any]]:
    """The lägesbilder kept with an event, oldest first (metadata only)."""
    rows = await raw.fetch(
        "SELECT id, event_id, kind, created_by, created_at, period_start, period_end, contacts "
        "FROM crisis_situation_report WHERE event_id = ? ORDER BY created_at, id",
        event_id,
    )
    return [_meta(r) for r in rows]


async def kept_report(report_id: int) -> dict[str, Any]:
    """A kept lägesbild with its report, texts and chart."""
    row = await get_row(report_id)
    report = row["report"]
    if isinstance(report, str):
        report = json.loads(report or "{}")
    return {
        **_meta(row),
        "report": report,
        "summary_sv": row["summary_sv"],
        "summary_en": row["summary_en"],
        "chart_svg": row["chart_svg"],
    }


async def hourly(now: int | None = None) -> dict[str, Any] | None:
    """The worker's hourly lägesbild while a crisis is active: whole hours up to the full
    hour, once per full hour (a second worker finds it kept and does nothing)."""
    event = await links.current()
    if event is None:
        return None
    full = hour_of(int(now if now is not None else time.time()))
    if full <= int(event["activated_at"]):
        return None
    done = await raw.fetchrow(
        "SELECT id FROM crisis_situation_report WHERE event_id = ? AND kind = 'scheduled' "
        "AND period_end = ?",
        event["id"],
        full,
    )
    if done is not None:
        return None
    return await keep(int(event["id"]), "system", "scheduled", at=full)


def run_hourly() -> None:
    """The worker's periodic task (every full hour)."""
    from core import jobs

    jobs.run_async(hourly())
