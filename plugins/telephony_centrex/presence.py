"""Agents' presence per answer group: offline, ready, paused (with a reason), in call, wrap-up.

An agent signs in to the answer groups they are a member of (``answer_group_member``,
including *virtual* members: case officers in a department joining a group) or that their
competence profile names. Calls move them to ``in_call`` and, after hang-up, to ``wrap_up``
until they wrap the call up (or sign ready). Every change is a live event
``telephony.presence``; colleagues see who is signed in with competence, groups and case types.
"""

from __future__ import annotations

import json
import time
from typing import Any

from core import audit, db, events
from core.contracts import Event
from core.db import raw
from core.errors import InvalidInput
from core.org import service as org

STATES = ("offline", "ready", "paused", "in_call", "wrap_up")
CHOSEN = ("offline", "ready", "paused")  # what an agent sets; calls set the others
SIGNED_IN_SECONDS = 1.0
_signed_in: list[tuple[float, list[tuple[str, list[str]]]]] = []
EVENT = "telephony.presence"

UPSERT_SQL = (
    "INSERT INTO telephony_agent_state (username, state, reason, groups, call_id, since, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
    "state = excluded.state, reason = excluded.reason, call_id = excluded.call_id, "
    "since = excluded.since, updated_at = excluded.updated_at RETURNING username, state, "
    "reason, groups, call_id, since"
)
SET_GROUPS_SQL = "UPDATE telephony_agent_state SET groups = ? WHERE username = ?"
WRAPPED_SQL = (
    "UPDATE telephony_agent_state SET state = 'ready', reason = '', call_id = '', since = ?, "
    "updated_at = ? WHERE username = ? AND state = 'wrap_up' AND call_id = ? "
    "RETURNING username, state, reason, groups, call_id, since"
)
TO_WRAP_SQL = (
    "UPDATE telephony_agent_state SET state = 'wrap_up', since = ?, updated_at = ? "
    "WHERE username = ? AND call_id = ? AND state = 'in_call' "
    "RETURNING username, state, reason, groups, call_id, since"
)
ALL_SQL = (
    "SELECT s.username, s.state, s.reason, s.groups, s.call_id, s.since, u.full_name "
    "FROM telephony_agent_state s JOIN kc_user u ON u.username = s.username "
    "WHERE s.state <> 'offline' AND u.active = ? ORDER BY s.username"
)
MEMBER_GROUPS_SQL = (
    "SELECT g.code, m.virtual FROM answer_group_member m "
    'JOIN answer_group g ON g.id = m."group" JOIN kc_user u ON u.id = m."user" '
    "WHERE u.username = ? AND g.active = ?"
)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": row["username"],
        "state": row["state"],
        "reason": row["reason"],
        "groups": raw.json_list(row["groups"]),
        "call_id": row["call_id"] or None,
        "since": row["since"],
    }


def _announce(view: dict[str, Any]) -> None:
    def publish() -> None:
        _signed_in.clear()
        events.publish(Event(EVENT, view))

    db.on_commit(publish)


async def allowed_groups(username: str) -> dict[str, bool]:
    """The answer groups the user may sign in to: code -> virtual member?"""
    rows = await raw.fetch(MEMBER_GROUPS_SQL, username, True)
    allowed = {row["code"]: bool(row["virtual"]) for row in rows}
    for code in (await org.get_competence(username))["groups"]:
        allowed.setdefault(code, False)
    return allowed


async def set_state(
    username: str, state: str, reason: str = "", groups: list[str] | None = None
) -> dict[str, Any]:
    """Sign in (ready), pause with a reason, or sign out; ``groups`` (default: every group
    the agent may join) must be groups the agent may sign in to."""
    if state not in CHOSEN:
        raise InvalidInput("Unknown presence state: {state}", state=state[:20])
    if len(reason) > 60:
        raise InvalidInput("The reason is at most 60 characters")
    allowed = await allowed_groups(username)
    chosen = sorted(set(groups)) if groups is not None else sorted(allowed)
    unknown = [code for code in chosen if code not in allowed]
    if unknown:
        raise InvalidInput("Not a member of the answer group {code}", code=unknown[0][:60])
    now = int(time.time())
    async with db.transaction():
        rows = await raw.fetch(
            UPSERT_SQL, username, state, reason if state == "paused" else "", "[]", "", now, now
        )
        await raw.fetch(SET_GROUPS_SQL, json.dumps(chosen), username)
        view = {**_view(rows[0]), "groups": chosen}
        audit.record(
            username,
            "telephony.presence",
            "user",
            username,
            {"state": state, "reason": reason, "groups": chosen},
        )
        _announce(view)
    return view


async def follow_call(call: dict[str, Any], kind: str) -> None:
    """Inside ingest's transaction: the answering agent is in the call, then wraps up."""
    agent = call.get("agent")
    if not agent:
        return
    now = int(time.time())
    if kind == "answer" and call["state"] == "answered":
        rows = await raw.fetch(UPSERT_SQL, agent, "in_call", "", "[]", call["call_id"], now, now)
    elif kind == "hangup" and call["outcome"] == "answered":
        rows = await raw.fetch(TO_WRAP_SQL, now, now, agent, call["call_id"])
    else:
        return
    if rows:
        _announce(_view(rows[0]))


async def wrapped_up(username: str, call_id: str) -> None:
    """After the wrap-up the agent is ready again."""
    now = int(time.time())
    async with db.transaction():
        rows = await raw.fetch(WRAPPED_SQL, now, now, username, call_id)
        if rows:
            _announce(_view(rows[0]))


async def signed_in(group: str | None = None) -> list[dict[str, Any]]:
    """Agents signed in (any state but offline), optionally of one group, with their
    competence (case types, groups) and languages."""
    result = []
    for row in await raw.fetch(ALL_SQL, True):
        view = _view(row)
        if group and group not in view["groups"]:
            continue
        competence = await org.get_competence(row["username"])
        view.update(
            full_name=row["full_name"],
            case_types=competence["case_types"],
            competence_groups=competence["groups"],
            languages=competence["languages"],
        )
        result.append(view)
    return result


async def usernames_in(group: str | None) -> list[str]:
    """Signed-in agents of a group (for live events; read at most once a second, and again
    at once after a change in this process)."""
    if not group:
        return []
    now = time.monotonic()
    if not _signed_in or now - _signed_in[0][0] > SIGNED_IN_SECONDS:
        rows = await raw.fetch(ALL_SQL, True)
        _signed_in[:] = [(now, [(r["username"], raw.json_list(r["groups"])) for r in rows])]
    return [name for name, groups in _signed_in[0][1] if group in groups]
