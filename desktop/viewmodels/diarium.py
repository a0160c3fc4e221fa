"""The registrator's day in the shared diarium, over the diarium plugin's API.

:class:`DiariumModel` holds the drafts queue (scanned post and shared-mailbox drafts, newest
first), the opened draft with its OCR text and files, the diary series and the open case
files of the chosen series, the registrator's search results and the open requests for
public documents with their "skyndsamt" timers. It registers a draft (series, optional case
file, public and protected text, an optional secrecy marking) and discards one. The live-event
types are copied from the plugin (the desktop imports no server code).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.api import storage
from desktop.api.client import ApiClient
from desktop.i18n import N_, _
from desktop.viewmodels import labels, sla
from desktop.viewmodels.observable import Observable

BASE = "/api/v1/plugins/diarium"
REGISTER = "diarium.register"  # plugins/diarium/permissions.py: the registrator's permission
READ = "diarium.read"
REQUESTS = "diarium.requests"
DRAFT_CREATED = "diarium.draft_created"  # plugins/diarium/intake/drafts.py CREATED
REQUEST_RECEIVED = "diarium.request_received"  # plugins/diarium/public/requests.py
REQUEST_OVERDUE = "diarium.request_overdue"  # plugins/diarium/public/alarms.py
EVENT_STATE = {"warning": "warning", "breach": "breached"}  # the sweep's kind → timer state
SOURCE = {"scan": N_("Scanned post"), "upload": N_("Uploaded scan"), "mail": N_("E-mail")}
DIRECTION = {"in": N_("Incoming"), "drawn_up": N_("Drawn up"), "out": N_("Outgoing")}
REQUEST_STATUS = {
    "received": N_("Received"),
    "in_progress": N_("In progress"),
    "handed_out": N_("Handed out"),
    "partly_handed_out": N_("Partly handed out"),
    "refused": N_("Refused"),
}
REQUEST_CHANNEL = {
    "phone": N_("Phone"),
    "desk": N_("At the desk"),
    "mail": N_("Letter"),
    "email": N_("E-mail"),
    "web": N_("Web form"),
}
PDF_FILE = "utkast.pdf"


def viewing_copy() -> Path:
    """Where the one viewing copy of a draft's scan is kept."""
    return storage.data_dir() / "diarium" / PDF_FILE


def forget_pdf() -> None:
    """Remove the viewing copy (it may show personnummer): at quit, and at start after a
    crash left one behind."""
    storage.remove(viewing_copy())


HISTORY = {
    "received": N_("Received"),
    "started": N_("Started"),
    "decided": N_("Decided"),
    "masked_copy": N_("Masked copy made"),
}
SECRET_WARNING = N_("Marked secret: a secrecy review is required before disclosure.")


@dataclass
class Registration:
    """What the registrator gives when registering a draft (the API's register body)."""

    series_code: str
    case_file_id: int | None = None
    counterpart_public: str | None = None  # None: the draft's suggested sender
    public_text: str | None = None  # None: the draft's suggested subject
    counterpart_protected: str = ""
    protected_text: str = ""
    document_date: str = ""
    provision: str = ""
    authority: str = ""
    secrecy_reason: str = ""
    new_case_file: dict[str, str] | None = None  # {title_public, classification_code}

    def body(self) -> dict[str, Any]:
        """The JSON body of ``POST drafts/{id}/register`` (a secrecy marking only when a
        provision or an authority is given: the server checks both)."""
        body: dict[str, Any] = {
            "series_code": self.series_code,
            "case_file_id": self.case_file_id,
            "counterpart_protected": self.counterpart_protected,
            "protected_text": self.protected_text,
            "document_date": self.document_date,
        }
        for key in ("counterpart_public", "public_text"):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        if self.new_case_file is not None:
            body["new_case_file"] = self.new_case_file
        if self.provision or self.authority:
            body["secrecy"] = {
                "provision": self.provision,
                "authority": self.authority,
                "reason": self.secrecy_reason,
            }
        return body


def request_state(request: dict[str, Any]) -> str:
    """A request's timer state: ``breached``, ``warning``, ``ok``, ``paused`` or ``none``."""
    return str((request.get("sla") or {}).get("state") or "none")


def request_details(request: dict[str, Any]) -> list[str]:
    """The opened request as lines of text: who asked, for what, its timers, its history."""
    found = request.get("requester") or {}
    timers = request.get("sla") or {}
    lines = [
        _("Request {number} ({status}), received {received} by {channel}.").format(
            number=request.get("number", ""),
            status=labels.label(REQUEST_STATUS, request.get("status")),
            received=labels.local_time(request.get("received_at")),
            channel=labels.label(REQUEST_CHANNEL, request.get("channel")),
        ),
        _("Requester: {who}").format(
            who=", ".join(str(part) for part in (requester(request), found.get("email")) if part)
        ),
        _("Asks for: {what}").format(
            what=" — ".join(
                str(part)
                for part in (request.get("document_ref"), request.get("description"))
                if part
            )
        ),
    ]
    if timers:
        lines.append(
            _("Timer: {state}; to be answered by {due}.").format(
                state=sla.state_label(request_state(request)),
                due=labels.local_time(timers.get("resolution_due")),
            )
        )
    for entry in request.get("history") or []:
        text = f"{labels.local_time(entry.get('at'))} {labels.label(HISTORY, entry.get('kind'))}"
        text += f" ({entry.get('actor') or ''})"
        if entry.get("text"):
            text += f": {entry['text']}"
        lines.append(text)
    return lines


def requester(request: dict[str, Any]) -> str:
    """Who asked (or "Anonymous": a request for public documents may be anonymous)."""
    if request.get("anonymous"):
        return _("Anonymous")
    found = request.get("requester") or {}
    return str(found.get("name") or found.get("email") or "")


class DiariumModel(Observable):
    """The drafts queue, the registrator's search and the open requests."""

    def __init__(self, client: ApiClient) -> None:
        super().__init__()
        self.client = client
        self.drafts: list[dict[str, Any]] = []
        self.drafts_total = 0
        self.draft: dict[str, Any] | None = None
        self.series: list[dict[str, Any]] = []
        self.processes: list[dict[str, Any]] = []  # the plan's processes a case file is under
        self.case_files: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.request: dict[str, Any] | None = None  # the one opened, with its history
        self.last_registered: dict[str, Any] | None = None

    # --- the drafts queue ------------------------------------------------------------------

    async def load_drafts(self) -> None:
        """The new drafts, newest first (the server's order)."""
        page = await self.client.get(f"{BASE}/drafts", status="new", limit=100)
        self.drafts, self.drafts_total = page["items"], int(page.get("total") or 0)
        if self.draft is not None and all(d["id"] != self.draft["id"] for d in self.drafts):
            self.draft = None  # registered or discarded elsewhere
        self.changed()

    async def open_draft(self, draft_id: int) -> dict[str, Any]:
        """One draft with its OCR text (personnummer masked), files and suggestions."""
        self.draft = await self.client.get(f"{BASE}/drafts/{draft_id}")
        self.changed()
        return self.draft

    async def save_pdf(self, draft_id: int) -> Path:
        """The draft's searchable PDF/A, kept as the one viewing copy in the client's data
        folder (``diarium/utkast.pdf``, owner-only, replaced by the next one opened and removed
        when the client quits: see :func:`forget_pdf`); the server audits the read when the
        scan shows personnummer."""
        data = await self.client.get_bytes(f"{BASE}/drafts/{draft_id}/pdf")
        path = viewing_copy()
        storage.atomic_write_bytes(path, data, private=True)
        return path

    async def load_series(self) -> None:
        """The active diary series."""
        page = await self.client.get(f"{BASE}/series")
        self.series = [s for s in page["items"] if s.get("active", True)]
        self.changed()

    async def load_processes(self) -> None:
        """The classification plan's processes (newest plan version of each code)."""
        page = await self.client.get(f"{BASE}/classification")
        newest: dict[str, dict[str, Any]] = {}
        for found in page["items"]:  # by version, then code: a later version replaces
            if found.get("level") == "process":
                newest[found["code"]] = found
        self.processes = sorted(
            newest.values(), key=lambda c: [int(p) for p in c["code"].split(".") if p.isdigit()]
        )
        self.changed()

    async def load_case_files(self, series_code: str) -> None:
        """The open case files of ``series_code``, newest first (the first 100)."""
        if not series_code:
            self.case_files = []
        else:
            page = await self.client.get(
                f"{BASE}/case-files", series_code=series_code, status="open", limit=100
            )
            self.case_files = page["items"]
        self.changed()

    async def register(self, draft_id: int, registration: Registration) -> dict[str, Any]:
        """Register the draft; returns the registered document (with its diarienummer)."""
        answer = await self.client.post(f"{BASE}/drafts/{draft_id}/register", registration.body())
        self.last_registered = answer["document"]
        self.draft = None
        await self.load_drafts()
        if registration.new_case_file is not None:  # the new one is in the list now
            await self.load_case_files(registration.series_code)
        return answer["document"]

    async def discard(self, draft_id: int, reason: str) -> dict[str, Any]:
        """Discard the draft (not a public document: spam, a duplicate) with its reason."""
        answer = await self.client.post(f"{BASE}/drafts/{draft_id}/discard", {"reason": reason})
        self.draft = None
        await self.load_drafts()
        return answer

    # --- the registrator's search ----------------------------------------------------------

    async def search(self, q: str, series_code: str = "", year: int | None = None) -> None:
        """Diary entries matching ``q`` (words, or a diarienummer), newest first."""
        page = await self.client.get(
            f"{BASE}/search", q=q, series_code=series_code, year=year, limit=100
        )
        self.results = page["items"]
        self.changed()

    # --- requests for public documents -----------------------------------------------------

    async def load_requests(self) -> None:
        """The open requests, those breaching their time first, then those warned of."""
        page = await self.client.get(f"{BASE}/requests", status="open", limit=200)
        items = list(page["items"])
        items.sort(
            key=lambda r: (
                sla.STATE_ORDER.get(request_state(r), 9),
                sla.epoch((r.get("sla") or {}).get("resolution_due")) or float("inf"),
            )
        )
        self.requests = items
        self.changed()

    async def open_request(self, request_id: int) -> dict[str, Any]:
        """One request with its history and its timers."""
        self.request = await self.client.get(f"{BASE}/requests/{request_id}")
        self.changed()
        return self.request

    def mark_overdue(self, number: str, kind: str) -> bool:
        """Apply a ``diarium.request_overdue`` event to the shown request (True if shown)."""
        state = EVENT_STATE.get(kind)
        for request in self.requests:
            if request.get("number") == number and state:
                current = request_state(request)
                if sla.STATE_ORDER.get(state, 9) < sla.STATE_ORDER.get(current, 9):
                    request["sla"] = {**(request.get("sla") or {}), "state": state}
                    self.changed()
                return True
        return False

    def reload_for(self, event: dict[str, Any]) -> tuple[str, ...]:
        """Which lists ``event`` makes stale: ``drafts``, ``requests`` or none."""
        kind = event.get("type")
        if kind == DRAFT_CREATED:
            return ("drafts",)
        if kind == REQUEST_OVERDUE:
            data = event.get("data") or {}
            self.mark_overdue(str(data.get("number") or ""), str(data.get("state") or ""))
            return ("requests",)
        if kind == REQUEST_RECEIVED:
            return ("requests",)
        return ()

    async def load(self, requests: bool = True) -> None:
        """Everything the panel shows at start and after a gap in the live events."""
        calls = [self.load_drafts(), self.load_series(), self.load_processes()]
        if requests:
            calls.append(self.load_requests())
        await asyncio.gather(*calls)
