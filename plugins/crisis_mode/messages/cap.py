"""The approved crisis messages as CAP 1.2 alerts (OASIS Common Alerting Protocol) and an
Atom index of the current ones, for other systems to fetch.

Each approved version is one alert: ``msgType`` Alert for a message's first version, Update
for the next ones (``references`` lists every earlier alert of the message as
``sender,identifier,sent``), and a cancelled message adds a Cancel referencing them all.
``status`` is Exercise for an exercise (with a ``note`` and headlines labelled ÖVNING /
EXERCISE), else Actual; ``scope`` Public; one ``info`` per language with its language code.
Elements come in the schema's order; times are local (Europe/Stockholm) with their offset,
as the schema's pattern asks (no ``Z``).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.db import raw
from core.errors import NotFound
from core.i18n import gettext
from plugins.crisis_mode.messages import service

NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
CAP_MEDIA = "application/cap+xml"
ATOM_MEDIA = "application/atom+xml"
ZONE = ZoneInfo("Europe/Stockholm")
PAGE_PATH = "/api/v1/plugins/crisis_mode/public/page"
FEED_DAYS = 7  # a cancelled message stays in the index this long, so fetchers see the Cancel


def cap_time(epoch: int) -> str:
    """``2026-12-02T04:20:00+01:00``: CAP's dateTime with an offset and no fractions."""
    return datetime.fromtimestamp(int(epoch), ZONE).isoformat(timespec="seconds")


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _reference(sender: str, row: dict[str, Any]) -> str:
    return f"{sender},{row['cap_identifier']},{cap_time(row['approved_at'])}"


async def _alerts_before(message_id: int, version: int | None = None) -> list[dict[str, Any]]:
    sql = (
        service.VERSION_SQL + " WHERE message_id = ? AND cap_identifier IS NOT NULL"
        " AND status IN ('approved', 'superseded')"
    )
    args: list[Any] = [message_id]
    if version is not None:
        sql += " AND version < ?"
        args.append(version)
    return await raw.fetch(sql + " ORDER BY version", *args)


def _alert_head(
    identifier: str, sent: int, exercise: bool, msg_type: str, references: list[str], incident: str
) -> ET.Element:
    alert = ET.Element(f"{{{NS}}}alert")
    _sub(alert, "identifier", identifier)
    _sub(alert, "sender", service.cap_sender())
    _sub(alert, "sent", cap_time(sent))
    _sub(alert, "status", "Exercise" if exercise else "Actual")
    _sub(alert, "msgType", msg_type)
    _sub(alert, "source", "Kontaktcenter")
    _sub(alert, "scope", "Public")
    if exercise:
        _sub(alert, "note", "ÖVNING – EXERCISE")
    if references:
        _sub(alert, "references", " ".join(references))
    _sub(alert, "incidents", incident)
    return alert


def _info(
    alert: ET.Element, version: dict[str, Any], text: dict[str, Any], exercise: bool, base: str
) -> None:
    lang = text["language"]
    info = _sub(alert, "info")
    _sub(info, "language", lang)
    _sub(info, "category", version["category"])
    _sub(info, "event", version["event_type"] or text["title"][:120])
    if version["response_type"]:
        _sub(info, "responseType", version["response_type"])
    _sub(info, "urgency", version["urgency"])
    _sub(info, "severity", version["severity"])
    _sub(info, "certainty", version["certainty"])
    if version.get("expires_at"):
        _sub(info, "expires", cap_time(version["expires_at"]))
    _sub(info, "senderName", _municipality())
    label = f"{service.exercise_label(lang)}: " if exercise else ""
    _sub(info, "headline", label + text["title"])
    _sub(info, "description", text["body"])
    if text.get("instruction"):
        _sub(info, "instruction", text["instruction"])
    _sub(info, "web", version["web"] or f"{base}{PAGE_PATH}?lang={lang}")
    area = _sub(info, "area")
    _sub(area, "areaDesc", version["area_desc"] or _municipality())


def _municipality() -> str:
    from core.cases import service as cases

    return cases.current_settings().municipality_name


def _document(alert: ET.Element) -> bytes:
    ET.indent(alert, "  ")
    return ET.tostring(alert, encoding="UTF-8", xml_declaration=True, default_namespace=NS)


async def alert_for_version(row: dict[str, Any], base: str) -> bytes:
    """The CAP alert of one approved (or superseded) version row (``base``: the appliance's
    public address, for the page's absolute link)."""
    message = await service._message(row["message_id"])
    version = await service._view({**row, "authors": []}, message)
    sender = service.cap_sender()
    earlier = await _alerts_before(row["message_id"], row["version"])
    references = [_reference(sender, r) for r in earlier]
    alert = _alert_head(
        row["cap_identifier"],
        row["approved_at"],
        message["exercise"],
        row["msg_type"] or "Alert",
        references,
        f"kris-{row['message_id']}",
    )
    for text in version["texts"]:
        _info(alert, version, text, message["exercise"], base)
    return _document(alert)


async def cancel_alert(message: dict[str, Any], base: str) -> bytes:
    """The Cancel of a cancelled message: references every alert it sent; one ``info`` in
    Swedish and English saying so (with the note of the one who cancelled it)."""
    earlier = await _alerts_before(message["id"])
    sender = service.cap_sender()
    last = earlier[-1]
    alert = _alert_head(
        message["cancel_identifier"],
        message["cancelled_at"],
        bool(message["exercise"]),
        "Cancel",
        [_reference(sender, r) for r in earlier],
        f"kris-{message['id']}",
    )
    version = {**last, "response_type": "AllClear", "urgency": "Past", "expires_at": None}
    for lang in ("sv", "en"):
        headline = gettext("The crisis message has been cancelled", lang)
        body = message["cancel_note"] or gettext(
            "The municipality has withdrawn the earlier crisis message.", lang
        )
        text = {"language": lang, "title": headline, "body": body, "instruction": ""}
        _info(alert, version, text, bool(message["exercise"]), base)
    return _document(alert)


async def by_identifier(identifier: str, base: str) -> bytes:
    """The alert with this identifier (an approved version's or a message's Cancel)."""
    row = await raw.fetchrow(
        service.VERSION_SQL + " WHERE cap_identifier = ? AND status IN ('approved', 'superseded')",
        identifier,
    )
    if row is not None:
        return await alert_for_version(row, base)
    message = await raw.fetchrow(service.MESSAGE_SQL + " WHERE cancel_identifier = ?", identifier)
    if message is not None:
        return await cancel_alert(message, base)
    raise NotFound("There is no CAP alert {identifier}", identifier=identifier[:200])


async def current_alerts() -> list[dict[str, Any]]:
    """The latest alert of the open message and of each message cancelled in the last
    days: ``identifier``, ``sent`` (epoch), ``msg_type``, ``exercise``, ``headline`` (sv)."""
    since = int(time.time()) - FEED_DAYS * 86400
    messages = await raw.fetch(
        service.MESSAGE_SQL + " WHERE status = 'open' OR cancelled_at >= ? ORDER BY id DESC",
        since,
    )
    found = []
    for message in messages:
        alerts = await _alerts_before(message["id"])
        if not alerts:
            continue
        last = alerts[-1]
        title = await raw.fetchrow(
            "SELECT title FROM crisis_message_text WHERE version_id = ? AND language = 'sv'",
            last["id"],
        )
        headline = title["title"] if title else ""
        if message["status"] == "cancelled" and message["cancel_identifier"]:
            found.append(
                {
                    "identifier": message["cancel_identifier"],
                    "sent": message["cancelled_at"],
                    "msg_type": "Cancel",
                    "exercise": bool(message["exercise"]),
                    "headline": gettext("The crisis message has been cancelled", "sv")
                    + f": {headline}",
                }
            )
        else:
            found.append(
                {
                    "identifier": last["cap_identifier"],
                    "sent": last["approved_at"],
                    "msg_type": last["msg_type"],
                    "exercise": bool(message["exercise"]),
                    "headline": headline,
                }
            )
    return found


def _atom(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, attrs)  # in the root's default namespace
    if text is not None:
        element.text = text
    return element


async def atom_index(base_url: str) -> bytes:
    """An Atom feed with one entry per current alert, linking its CAP document."""
    from urllib.parse import quote

    alerts = await current_alerts()
    feed = ET.Element("feed", {"xmlns": ATOM})
    base = base_url.rstrip("/") + "/api/v1/plugins/crisis_mode/public"
    _atom(feed, "id", f"{base}/alerts.atom")
    _atom(feed, "title", f"{_municipality()}: krisinformation (CAP 1.2)")
    updated = max((a["sent"] for a in alerts), default=int(time.time()))
    _atom(feed, "updated", cap_time(updated))
    author = _atom(feed, "author")
    _atom(author, "name", _municipality())
    _atom(feed, "link", rel="self", href=f"{base}/alerts.atom", type=ATOM_MEDIA)
    for alert in alerts:
        entry = _atom(feed, "entry")
        href = f"{base}/cap/{quote(alert['identifier'], safe='@.')}"
        _atom(entry, "id", f"{base}/cap/{alert['identifier']}")
        label = "ÖVNING: " if alert["exercise"] else ""
        _atom(entry, "title", f"{label}{alert['headline']} ({alert['msg_type']})")
        _atom(entry, "updated", cap_time(alert["sent"]))
        _atom(entry, "link", rel="alternate", href=href, type=CAP_MEDIA)
        status = "Exercise" if alert["exercise"] else "Actual"
        _atom(entry, "summary", f"{alert['msg_type']} {status}")
    ET.indent(feed, "  ")
    return ET.tostring(feed, encoding="UTF-8", xml_declaration=True)
