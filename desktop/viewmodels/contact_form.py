"""The contact form: what the agent typed, the rules for saving it, and saving exactly once.

Saving first puts the contact in the on-disk outbox with its ``Idempotency-Key`` (durable
before anything is sent), then sends the outbox. When the server is down the contact stays
there and goes out on the next flush; the key makes a resend after a lost answer harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, Unreachable
from desktop.api.outbox import Outbox
from desktop.i18n import N_, _
from desktop.viewmodels.drafts import DraftStore
from desktop.viewmodels.observable import Observable

CHANNELS = (
    ("phone", N_("Phone")),
    ("email", N_("E-mail")),
    ("visit", N_("Visit")),
    ("letter", N_("Letter")),
    ("web", N_("Web form")),
    ("sms", N_("SMS")),
    ("chat", N_("Chat")),
)
MODES = (("none", N_("No case")), ("open", N_("Open a case")), ("join", N_("Join a case")))


@dataclass
class ContactDraft:
    """Everything on the form (also the draft file's content)."""

    channel: str = "phone"
    party_id: int | None = None
    party_label: str = ""
    case_type: str = ""
    summary: str = ""
    subject: str = ""
    resolved_first_contact: bool = False
    mode: str = "none"
    join_case: str = ""
    call_ref: str = ""


@dataclass
class SaveOutcome:
    """``sent`` (with the server's answer), ``queued`` (server down) or ``refused``."""

    status: str
    answer: dict[str, Any] = field(default_factory=dict)
    message: str = ""


class ContactFormModel(Observable):
    """State of the contact form, its case-type support texts and saving."""

    def __init__(self, client: ApiClient, outbox: Outbox, drafts: DraftStore) -> None:
        super().__init__()
        self.client = client
        self.outbox = outbox
        self.drafts = drafts
        self.draft = ContactDraft()
        self.case_types: list[dict[str, Any]] = []
        self.articles: list[dict[str, Any]] = []
        self.parties: list[dict[str, Any]] = []
        self.last: SaveOutcome | None = None
        self.on_sent: list[Callable[[dict[str, Any]], None]] = []

    # --- typing ----------------------------------------------------------------------------

    def update(self, **fields: Any) -> None:
        """Change fields and keep the draft on disk."""
        for name, value in fields.items():
            setattr(self.draft, name, value)
        self.drafts.save(asdict(self.draft))

    def restore(self) -> bool:
        """Load the draft a previous run left (after a crash); True if there was one."""
        saved = self.drafts.load()
        if not saved:
            return False
        known = {name: saved[name] for name in ContactDraft.__dataclass_fields__ if name in saved}
        self.draft = ContactDraft(**known)
        self.changed()
        return True

    def clear(self) -> None:
        self.draft = ContactDraft(channel=self.draft.channel)
        self.articles = []
        self.parties = []
        self.drafts.clear()
        self.changed()

    # --- rules -----------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What stops saving, in the interface language (empty: ready)."""
        found = []
        d = self.draft
        if not d.summary.strip():
            found.append(_("Write a summary of the contact."))
        if d.mode == "open" and not d.case_type:
            found.append(_("Choose a case type to open a case."))
        if d.mode == "join" and not d.join_case.strip():
            found.append(_("Give the number of the case to join."))
        return found

    def body(self) -> dict[str, Any]:
        """The registration request (``POST /api/v1/contacts``)."""
        d = self.draft
        body: dict[str, Any] = {
            "channel": d.channel,
            "summary": d.summary.strip(),
            "resolved_first_contact": d.resolved_first_contact,
        }
        if d.case_type:
            body["case_type"] = d.case_type
        if d.party_id is not None:
            body["party_id"] = d.party_id
        if d.mode == "open":
            body["open_case"] = True
            body["subject"] = (d.subject or d.summary).strip()[:300]
        elif d.mode == "join":
            body["join_case"] = d.join_case.strip()
        if d.call_ref:
            body["external_ref"] = d.call_ref
        return body

    # --- server ----------------------------------------------------------------------------

    async def load_case_types(self) -> None:
        types = await self.client.case_types()
        self.case_types = [t for t in types if t.get("active", True)]
        self.changed()

    async def choose_case_type(self, code: str) -> None:
        """Select a case type and show its scripts, checklists and FAQ."""
        self.update(case_type=code)
        articles = await self.client.articles_for(code) if code else []
        if self.draft.case_type != code:
            return  # the agent moved on while this answer travelled: a later choice shows its own
        self.articles = articles
        self.changed()

    async def find_party(self, query: str) -> list[dict[str, Any]]:
        """Parties by personnummer (digits, 10–12), phone (+ or leading 0) or name."""
        query = query.strip()
        digits = "".join(char for char in query if char.isdigit())
        if not query:
            self.parties = []
        else:
            if len(digits) in (10, 12) and len(digits) >= len(query) - 2 and "+" not in query:
                criteria = {"id_number": query}
            elif query.startswith(("+", "0")) and len(digits) >= 6:
                criteria = {"phone": query}
            else:
                criteria = {"name": query}
            self.parties = (await self.client.find_parties(**criteria))["items"]
        self.changed()
        return self.parties

    def choose_party(self, party: dict[str, Any] | None) -> None:
        if party is None:
            self.update(party_id=None, party_label="")
        else:
            self.update(party_id=party["id"], party_label=party.get("name") or str(party["id"]))
        self.changed()

    async def save(self) -> SaveOutcome:
        """Store in the outbox, then send it; the form is cleared once it is stored."""
        problems = self.problems()
        if problems:
            self.last = SaveOutcome("refused", message=" ".join(problems))
            self.changed()
            return self.last
        entry = self.outbox.put(self.body())
        self.clear()
        self.last = await self.send(entry.key)
        self.changed()
        if self.last.status == "sent":
            for listener in self.on_sent:
                listener(self.last.answer)
        return self.last

    async def send(self, key: str) -> SaveOutcome:
        """Send the outbox; the outcome of the entry with ``key``."""
        try:
            result = await self.outbox.flush(self.client.register_contact)
        except ApiError as exc:  # a session problem: the entry waits in the outbox
            return SaveOutcome("queued", message=exc.detail)
        except Unreachable:
            return SaveOutcome("queued", message=_("The server cannot be reached."))
        for entry in result.failed:
            if entry.key == key:
                return SaveOutcome("refused", message=entry.error)
        if key in result.sent:
            return SaveOutcome("sent", result.sent[key])
        return SaveOutcome("queued", message=_("The server cannot be reached."))
