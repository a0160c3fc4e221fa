"""Which rule of the informationshanteringsplan governs a document, and when it is due."""

from __future__ import annotations

from datetime import UTC, datetime

from plugins.diarium.archive.disposal import add_years, due_at, governing_rule


def rule(rule_id: int, action: str, years: int | None, process: str | None = None, **kw):
    return {
        "id": rule_id,
        "board": kw.get("board", "KS"),
        "document_type": kw.get("document_type", "Skrivelse"),
        "process_code": process,
        "action": action,
        "period_years": years,
        "decision_ref": "",
    }


DOCUMENT = {"board": "KS", "document_type": "Skrivelse", "classification_code": "1.2.1"}


def test_the_most_specific_rule_wins_and_keep_wins_a_tie():
    general = rule(1, "dispose", 2)
    group = rule(2, "keep", None, "1.2")
    process = rule(3, "dispose", 10, "1.2.1")
    assert governing_rule([general], DOCUMENT) is general
    assert governing_rule([general, group], DOCUMENT) is group
    assert governing_rule([general, group, process], DOCUMENT) is process
    assert governing_rule([general, rule(4, "keep", None)], DOCUMENT)["id"] == 4
    # Another process, board or type does not apply; "1.2" does not cover "1.21".
    assert governing_rule([rule(5, "dispose", 1, "1.3")], DOCUMENT) is None
    assert governing_rule([rule(6, "dispose", 1, board="BUN")], DOCUMENT) is None
    assert governing_rule([rule(7, "dispose", 1, document_type="Beslut")], DOCUMENT) is None
    assert (
        governing_rule([rule(8, "dispose", 1, "1.2")], {**DOCUMENT, "classification_code": "1.21"})
        is None
    )


def test_due_in_calendar_years():
    closed = int(datetime(2024, 2, 29, 12, tzinfo=UTC).timestamp())
    assert add_years(closed, 1) == int(datetime(2025, 2, 28, 12, tzinfo=UTC).timestamp())
    assert add_years(closed, 4) == int(datetime(2028, 2, 29, 12, tzinfo=UTC).timestamp())
    document = {**DOCUMENT, "closed_at": closed}
    assert due_at(rule(1, "dispose", 0), document) == closed
    assert due_at(rule(1, "dispose", 2), document) == add_years(closed, 2)
    assert due_at(rule(2, "keep", None), document) is None
    # The SQL's coarse filter (years × 365 days) never leaves out a document that is due.
    for years in (1, 4, 100):
        assert add_years(closed, years) - closed >= years * 365 * 24 * 3600
