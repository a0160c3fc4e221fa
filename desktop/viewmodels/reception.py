"""The reception's desk and the host's notices, over the visitor reception plugin's API.

:class:`ReceptionModel` holds who is inside now, who is expected today, the overdue
sign-outs and the latest evacuation roll call, as the server gives them: a protected visit's
name comes as ``None`` and is shown as "Protected visit", never looked up elsewhere. It
registers visitors on their behalf, signs them out, starts the roll call and ticks people
off as safe. It keeps the **offline copy** on disk (:meth:`ReceptionModel.refresh_offline`):
the server's self-contained roll-call page (``…/roll-calls/latest/offline``), or, before
the first roll call, a page made here from the inside list; both carry their refresh time.

:class:`HostNotices` turns the live event the plugin sends a host when their visitor arrives
into a notice. The event types are copied from the plugin (the desktop imports no server
code).
"""

from __future__ import annotations

import asyncio
import html
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.api import storage
from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable
from desktop.i18n import N_, _, language
from desktop.viewmodels import labels
from desktop.viewmodels.observable import Observable

BASE = "/api/v1/plugins/visitor_reception"
DESK = "reception.desk"
HOST = "reception.host"
ARRIVED = "reception.visitor_arrived"  # plugins/visitor_reception/visits.py ARRIVED
NOT_ACKNOWLEDGED = "reception.host_not_acknowledged"  # plugins/visitor_reception/acknowledge.py
ROLL_CALL = "reception.roll_call"  # plugins/visitor_reception/rollcall.py EVENT
OFFLINE_FILE = "utrymning.html"
REFRESHED_META = "kontakt-refreshed"
PROTECTED_NAME = N_("Protected visit")
PAGE_COLUMNS = (
    N_("Visitor"),
    N_("Organisation"),
    N_("Host"),
    N_("Location"),
    N_("Needs assistance"),
)


def visitor_name(visit: dict[str, Any]) -> str:
    """The visitor's name as the server gave it; a protected visit's withheld name."""
    name = visit.get("visitor_name")
    return _(PROTECTED_NAME) if name is None else str(name)


def host_name(visit: dict[str, Any]) -> str:
    return str((visit.get("host") or {}).get("name") or "")


def offline_path() -> Path:
    """Where the reception's offline copy lives (the client's data folder)."""
    return storage.data_dir() / "reception" / OFFLINE_FILE


def iso_utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def inside_page(inside: list[dict[str, Any]], refreshed: float) -> str:
    """A self-contained HTML page of who is inside (no scripts, no external files), with its
    refresh time: the offline copy before any roll call has been started."""
    shown = datetime.fromtimestamp(refreshed, labels.LOCAL).strftime("%Y-%m-%d %H:%M:%S")
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n".format(
            *(
                html.escape(value)
                for value in (
                    visitor_name(visit),
                    visit.get("organisation") or "",
                    host_name(visit),
                    visit.get("location") or "",
                    _("YES") if visit.get("needs_assistance") else "",
                )
            )
        )
        for visit in sorted(inside, key=lambda v: not v.get("needs_assistance"))
    )
    head = "".join(f'<th scope="col">{html.escape(_(text))}</th>' for text in PAGE_COLUMNS)
    title = html.escape(_("Visitors inside"))
    note = html.escape(_("Offline copy, last refreshed"))
    return (
        f'<!doctype html>\n<html lang="{language()}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="{REFRESHED_META}" content="{iso_utc(refreshed)}">\n'
        f"<title>{title} – {html.escape(shown)}</title>\n"
        "<style>body{font-family:system-ui,sans-serif;margin:1rem}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #333;padding:.4rem;"
        "text-align:left}.refreshed{font-weight:bold;border:3px solid #111;padding:.5rem}"
        "</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title}</h1>\n"
        f'<p class="refreshed">{note}: <time datetime="{iso_utc(refreshed)}">'
        f"{html.escape(shown)}</time></p>\n"
        f"<p>{html.escape(_('People inside'))}: {len(inside)}</p>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
        "</main>\n</body>\n</html>\n"
    )


class ReceptionModel(Observable):
    """The reception desk's lists, actions, roll call and offline copy."""

    def __init__(self, client: ApiClient, offline_file: Path | None = None) -> None:
        super().__init__()
        self.client = client
        self.offline_file = offline_file or offline_path()
        self.inside: list[dict[str, Any]] = []
        self.expected: list[dict[str, Any]] = []
        self.overdue: list[dict[str, Any]] = []
        self.roll: dict[str, Any] | None = None  # {"roll_call", "people", "counts"}
        self.offline_refreshed: float | None = None
        self.offline_error = ""

    # --- the lists -------------------------------------------------------------------------

    async def load(self) -> None:
        """Who is inside, expected today and overdue, and the latest roll call."""
        inside, expected, overdue = await asyncio.gather(
            self.client.get(f"{BASE}/visits/inside"),
            self.client.get(f"{BASE}/visits/expected"),
            self.client.get(f"{BASE}/visits/overdue"),
        )
        self.inside, self.expected, self.overdue = (
            inside["items"],
            expected["items"],
            overdue["items"],
        )
        self.changed()
        await self.load_roll_call()

    async def load_roll_call(self) -> None:
        """The latest roll call (none before the first)."""
        try:
            self.roll = await self.client.get(f"{BASE}/roll-calls/latest")
        except ApiError as exc:
            if exc.status != 404:
                raise
            self.roll = None
        self.changed()

    # --- registering and signing out -------------------------------------------------------

    async def search_hosts(self, query: str) -> list[dict[str, Any]]:
        """Hosts accepting visitors whose name or unit contains ``query`` (id, name, unit)."""
        answer = await self.client.get(f"{BASE}/visits/hosts", q=query)
        return answer["items"]

    async def register(
        self,
        visitor_name: str,
        host_id: int,
        organisation: str = "",
        purpose: str = "",
        needs_assistance: bool = False,
    ) -> dict[str, Any]:
        """Register a visitor on their behalf; returns the server's visit."""
        answer = await self.client.post(
            f"{BASE}/visits",
            {
                "visitor_name": visitor_name,
                "host_id": host_id,
                "organisation": organisation,
                "purpose": purpose,
                "needs_assistance": needs_assistance,
                "language": language(),
            },
        )
        await self.load()
        return answer["visit"]

    async def sign_out(self, number: str) -> dict[str, Any]:
        visit = await self.client.post(f"{BASE}/visits/{number}/sign-out")
        await self.load()
        return visit

    # --- the roll call ---------------------------------------------------------------------

    async def start_roll_call(self, reason: str = "") -> dict[str, Any]:
        self.roll = await self.client.post(f"{BASE}/roll-calls", {"reason": reason})
        self.changed()
        await self.refresh_offline()
        return self.roll

    async def mark_safe(self, number: str, safe: bool = True) -> dict[str, Any]:
        """Tick ``number`` off as safe in the latest roll call (or take the tick back)."""
        if self.roll is None:
            raise ValueError("no roll call")
        roll_id = self.roll["roll_call"]["id"]
        visit = await self.client.put(f"{BASE}/roll-calls/{roll_id}/safe/{number}", {"safe": safe})
        await self.load_roll_call()
        await self.refresh_offline()
        return visit

    @property
    def people(self) -> list[dict[str, Any]]:
        return list((self.roll or {}).get("people") or [])

    def unaccounted(self) -> list[dict[str, Any]]:
        """Not ticked off as safe, those needing assistance first (the server's order)."""
        return [p for p in self.people if not p.get("safe_at")]

    def safe(self) -> list[dict[str, Any]]:
        return [p for p in self.people if p.get("safe_at")]

    def apply_event(self, event: dict[str, Any]) -> bool:
        """True when ``event`` changed the roll call (the caller fetches it again)."""
        return event.get("type") == ROLL_CALL

    # --- the offline copy ------------------------------------------------------------------

    async def refresh_offline(self) -> bool:
        """Fetch the offline copy and keep it on disk; False (old copy kept) when the server
        cannot give it."""
        try:
            try:
                page = await self.client.get_text(
                    f"{BASE}/roll-calls/latest/offline", lang=language()
                )
            except ApiError as exc:
                if exc.status != 404:
                    raise
                inside = (await self.client.get(f"{BASE}/visits/inside"))["items"]
                page = inside_page(inside, time.time())
        except (ApiError, Unreachable) as exc:
            self.offline_error = str(getattr(exc, "detail", exc))
            self.changed()
            return False
        storage.atomic_write_bytes(self.offline_file, page.encode("utf-8"))
        self.offline_refreshed = time.time()
        self.offline_error = ""
        self.changed()
        return True

    def offline_copy(self) -> str | None:
        """The offline copy on disk (None when there is none yet)."""
        try:
            return self.offline_file.read_text(encoding="utf-8")
        except OSError:
            return None


def reminder_text(data: dict[str, Any]) -> str:
    """The desk's reminder of a visitor whose host has not acknowledged (no visitor name: the
    event carries none)."""
    text = _("{host} has not acknowledged visit {number} within {minutes} minutes.").format(
        host=data.get("host") or "?", number=data.get("visit_number", ""),
        minutes=data.get("minutes", ""),
    )  # fmt: skip
    if data.get("location"):
        text += " " + _("The visitor waits at: {location}.").format(location=data["location"])
    return text


class HostNotices(Observable):
    """The host's side: each arrival of one of their visitors, newest first."""

    def __init__(self, client: ApiClient) -> None:
        super().__init__()
        self.client = client
        self.arrivals: list[dict[str, Any]] = []

    async def acknowledge(self) -> dict[str, Any] | None:
        """Tell the reception the newest visitor is seen to (``POST visits/{number}/acknowledge``);
        returns the server's visit, None when no visitor has arrived."""
        if not self.arrivals:
            return None
        arrival = self.arrivals[0]
        visit = await self.client.post(f"{BASE}/visits/{arrival['number']}/acknowledge")
        arrival["acknowledged"] = True
        self.changed()
        return visit

    def apply_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The arrival in ``event`` (None for other events)."""
        if event.get("type") != ARRIVED:
            return None
        arrival = {**(event.get("data") or {}), "at": time.time()}
        self.arrivals.insert(0, arrival)
        self.changed()
        return arrival

    @staticmethod
    def text(arrival: dict[str, Any]) -> str:
        """``Your visitor Eva Ek (Ekeby AB) has arrived (B2026-00012).``"""
        who = str(arrival.get("visitor_name") or _("A visitor"))
        if arrival.get("organisation"):
            who += f" ({arrival['organisation']})"
        text = _("Your visitor {visitor} has arrived ({number}).").format(
            visitor=who, number=arrival.get("number", "")
        )
        if arrival.get("needs_assistance"):
            text += " " + _("Needs assistance in an evacuation.")
        return text
