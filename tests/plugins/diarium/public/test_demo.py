"""The public side's demo data: requests for public documents in every state, each with its
core case, and the refusal with its written decision."""

from __future__ import annotations

import random

from core.db import raw
from plugins.diarium.public import demo, requests


async def test_demo_requests_cover_every_state(entries):
    await demo.seed(random.Random(7), "demo-registrator")
    await demo.seed(random.Random(7), "demo-registrator")  # a second run adds nothing
    rows = await raw.fetch(
        "SELECT id, status, kc_case_number, decision_sha256, masked_copy_sha256 "
        "FROM diarium_request WHERE registered_by IN ('demo-registrator', 'webbdiarium') "
        "AND id >= (SELECT id FROM diarium_request WHERE description = ?)",
        demo.FIRST_DEMO,
    )
    statuses = [r["status"] for r in rows]
    assert sorted(set(statuses)) == sorted(requests.STATUSES), statuses
    assert len(statuses) == len(requests.STATUSES)
    assert all(r["kc_case_number"] for r in rows)
    for row in rows:
        has_decision = row["status"] in ("refused", "partly_handed_out")
        assert bool(row["decision_sha256"]) is has_decision, row
    partly = next(r for r in rows if r["status"] == "partly_handed_out")
    assert partly["masked_copy_sha256"]
    shown = await requests.get(partly["id"])
    assert [h["kind"] for h in shown["history"]] == ["received", "masked_copy", "decided"]


async def test_without_a_pdf_the_demo_masks_a_scanned_letter(entries):
    from plugins.diarium.registry import files
    from tests.plugins.diarium.public.test_requests import pdf_text

    alone = entries["alone"]
    await demo._partly(demo._staff("demo-registrator"), [alone])
    row = await raw.fetchrow(
        "SELECT status, masked_copy_sha256 FROM diarium_request WHERE document_id = ? "
        "ORDER BY id DESC",
        alone["id"],
    )
    assert row["status"] == "partly_handed_out"
    text = pdf_text(files.open_blob(row["masked_copy_sha256"]).read_bytes())
    assert demo.DEMO_PERSON not in text and "OSL 26 kap. 1 §" in text
