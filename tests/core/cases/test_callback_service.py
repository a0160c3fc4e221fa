"""Call-backs on the plain-SQL path: the answer is what reading it back gives, its audit and
timeline entries are written, and attempts recorded at the same time all count."""

from __future__ import annotations

import asyncio
import time

import msgspec

from core.audit.tables import AuditEntry
from core.cases import search, service
from core.cases.tables import Callback, CaseEvent
from core.errors import Conflict
from tests.core.cases.test_after_commit import agent, opening


async def test_request_callback_answers_what_is_stored(auth_headers, org_setup, role_users):
    principal = await agent(auth_headers)
    case = (await service.register_contact(principal, opening(org_setup, "Ring mig")))["case"]
    now = int(time.time())
    created = await service.request_callback(
        principal,
        case["number"],
        "070-765 43 21",
        preferred_from=now,
        preferred_to=now + 3600,
        answer_group=org_setup["group"],
        notes="Efter lunch",
        assignee=role_users["case_officer"],
    )
    stored = await search.get_callback(principal, created.id)
    assert msgspec.to_builtins(created) == msgspec.to_builtins(stored)
    assert stored.case == case["number"] and stored.assignee == role_users["case_officer"]
    assert stored.phone == "+46707654321" and stored.answer_group == org_setup["group"]
    events = (
        await CaseEvent.select(CaseEvent.data)
        .where(CaseEvent.kind == "callback")
        .output(load_json=True)
    )
    assert {"callback": created.id, "phone": "+46707654321"} in [e["data"] for e in events]
    audited = await AuditEntry.count().where(
        (AuditEntry.action == "callback.create") & (AuditEntry.object_id == str(created.id))
    )
    assert audited == 1
    bare = await service.request_callback(principal, None, "08-123 456 99")
    assert msgspec.to_builtins(bare) == msgspec.to_builtins(
        await search.get_callback(principal, bare.id)
    )
    assert bare.case is None and bare.answer_group is None and bare.assignee is None


async def test_attempts_at_the_same_time_all_count_and_only_one_ends_it(auth_headers):
    principal = await agent(auth_headers)
    callback = await service.request_callback(principal, None, "08-123 456 98")
    await asyncio.gather(
        *(
            service.record_callback_attempt(principal, callback.id, "no_answer", f"försök {n}")
            for n in range(6)
        )
    )
    row = await Callback.select().where(Callback.id == callback.id).first()
    assert row["attempts"] == 6 and row["outcome"] == "pending"
    ends = await asyncio.gather(
        *(service.record_callback_attempt(principal, callback.id, "reached") for _ in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(end, Conflict) for end in ends) == 3
    done = [end for end in ends if not isinstance(end, Exception)]
    assert len(done) == 1 and done[0].outcome == "reached" and done[0].attempts == 7
