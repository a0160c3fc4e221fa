"""Screen pop: when a call rings or is answered, the agent's clients learn who is calling.

The live event ``telephony.screen_pop`` goes to the ringing or answering agent and to the
agents signed in to the call's answer group (when there is none of them, no pop is built).
It carries the caller's parties (a party with protected identity shows only that fact: its
details stay behind the audited party view), the open cases (secret cases only counted) and
latest contacts of a single identified party, and the published articles of the group's usual
case types. Anonymous callers pop too, with no party.

The pop is built and published after the event's commit in a task of its own, so the switch's
acknowledgement never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import date, timedelta
from typing import Any

from core import events
from core.contracts import Event
from core.db import raw
from core.parties.service import PROTECTED_NAME
from plugins.telephony_centrex import presence

log = logging.getLogger(__name__)

EVENT = "telephony.screen_pop"
CACHE_SECONDS = 300.0
USUAL_DAYS = 90
PARTIES_SQL = (
    "SELECT id, kind, name, email, preferred_language, protected_identity FROM party "
    "WHERE phone = ? ORDER BY id LIMIT 3"
)
CASES_SQL = (
    "SELECT c.number, c.status, c.subject, c.secret, c.created_at, ct.code AS case_type "
    "FROM kc_case c LEFT JOIN case_type ct ON ct.id = c.case_type "
    "WHERE c.party = ? AND c.status <> 'closed' ORDER BY c.created_at DESC LIMIT 10"
)
CONTACTS_SQL = (
    "SELECT k.number, k.channel, k.received_at, k.summary, c.secret FROM contact k "
    'LEFT JOIN kc_case c ON c.id = k."case" WHERE k.party = ? '
    "ORDER BY k.received_at DESC LIMIT 5"
)
USUAL_SQL = (
    "SELECT k.case_type AS id, COUNT(*) AS n FROM contact k "
    "JOIN answer_group g ON g.id = k.answer_group "
    "WHERE g.code = ? AND k.local_day >= ? AND k.case_type IS NOT NULL "
    "GROUP BY k.case_type ORDER BY n DESC LIMIT 3"
)
ARTICLES_SQL = (
    "SELECT a.id, a.title, a.kind, a.language, ct.code AS case_type "
    "FROM kb_article_case_type l JOIN kb_article a ON a.id = l.article "
    "JOIN case_type ct ON ct.id = l.case_type "
    "WHERE l.case_type = ? AND a.status = 'published' ORDER BY l.position, a.id LIMIT 5"
)

RECENT_CALLS = 2000
_tasks: set[asyncio.Task[None]] = set()
_usual: dict[str, tuple[float, list[dict[str, Any]]]] = {}
# the pop of a ringing call, by (source, call_id): the answer's pop reuses what it found
_recent: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()


def schedule(call: dict[str, Any], kind: str, ringing: str | None = None) -> None:
    """Build and publish the pop for ``call`` in the background (after commit)."""
    task = asyncio.get_running_loop().create_task(_publish(call, kind, ringing))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _publish(call: dict[str, Any], kind: str, ringing: str | None) -> None:
    try:
        users = await recipients(call, kind, ringing)
        if not users:  # nobody rings and nobody is signed in to the group: no pop to build
            return
        key = (str(call.get("source")), str(call.get("call_id")))
        ringing_pop = _recent.pop(key, None) if kind == "answer" else None
        if ringing_pop is not None and ringing_pop["call"]["caller"] == call.get("caller"):
            pop = {**ringing_pop, "kind": "answered", "call": _call_part(call)}
        else:
            pop = await build(call, kind)
        if kind == "new":
            _recent[key] = pop
            while len(_recent) > RECENT_CALLS:
                _recent.popitem(last=False)
        events.publish(Event(EVENT, pop, users=tuple(users)))
    except Exception:
        log.exception("telephony: screen pop for call %s failed", call.get("call_id"))


async def recipients(call: dict[str, Any], kind: str, ringing: str | None) -> list[str]:
    """Who gets the pop: the answering agent (answer) or the ringing users (new), and the
    agents signed in to the call's group."""
    named = [call["agent"]] if kind == "answer" and call.get("agent") else []
    if kind == "new" and ringing:
        named = [user.strip() for user in ringing.split(",") if user.strip()]
    return sorted(set(named) | set(await presence.usernames_in(call.get("answer_group"))))


async def build(call: dict[str, Any], kind: str) -> dict[str, Any]:
    """The pop's content (no per-user details: the same event goes to every recipient)."""
    caller = call.get("caller") or ""
    parties = [_party(row) for row in await raw.fetch(PARTIES_SQL, caller)] if caller else []
    pop: dict[str, Any] = {
        "kind": "ringing" if kind == "new" else "answered",
        "call": _call_part(call),
        "anonymous": not caller,
        "parties": parties,
        "open_cases": [],
        "secret_cases": 0,
        "contacts": [],
        "articles": await usual_articles(call.get("answer_group")),
    }
    single = parties[0] if len(parties) == 1 and not parties[0]["protected_identity"] else None
    if single is not None:
        for row in await raw.fetch(CASES_SQL, single["id"]):
            if row["secret"]:
                pop["secret_cases"] += 1
                continue
            pop["open_cases"].append(
                {
                    key: row[key]
                    for key in ("number", "status", "subject", "case_type", "created_at")
                }
            )
        pop["contacts"] = [
            {key: row[key] for key in ("number", "channel", "received_at", "summary")}
            for row in await raw.fetch(CONTACTS_SQL, single["id"])
            if not row["secret"]
        ]
    return pop


CALL_KEYS = ("source", "call_id", "direction", "caller", "called", "answer_group", "agent")


def _call_part(call: dict[str, Any]) -> dict[str, Any]:
    return {key: call.get(key) for key in (*CALL_KEYS, "offered_at")}


def _party(row: dict[str, Any]) -> dict[str, Any]:
    if row["protected_identity"]:
        return {
            "id": row["id"],
            "kind": row["kind"],
            "protected_identity": True,
            "name": PROTECTED_NAME["sv"],
        }
    return {
        "id": row["id"],
        "kind": row["kind"],
        "name": row["name"],
        "email": row["email"],
        "preferred_language": row["preferred_language"],
        "protected_identity": False,
    }


async def usual_articles(group: str | None) -> list[dict[str, Any]]:
    """Published articles of the group's three most frequent case types over the last 90
    days (cached for five minutes per group)."""
    if not group:
        return []
    hit = _usual.get(group)
    now = time.monotonic()
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    since = (date.today() - timedelta(days=USUAL_DAYS)).isoformat()
    articles: list[dict[str, Any]] = []
    for row in await raw.fetch(USUAL_SQL, group, since):
        articles.extend(dict(a) for a in await raw.fetch(ARTICLES_SQL, row["id"]))
    _usual[group] = (now, articles)
    return articles


def forget() -> None:
    """Drop the cached articles (tests; after a change of articles)."""
    _usual.clear()
