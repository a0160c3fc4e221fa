"""Demo data: the demo municipality's prepared plan, its crisis answer group (closed until a
crisis opens it) and an exercise activated by the crisis team — bacteria in the drinking water
of central Ekeby — so the demo shows the banner, the paused ordinary case types, the 24/7
calendars and the exercise's timeline. Idempotent: nothing is added once the demo's exercise
exists; nothing is activated while another event is active.
"""

from __future__ import annotations

from core.db import raw
from core.org import service as org
from plugins.crisis_mode.activation import plan, service

CRISIS_TEAM = "goran.wik"
GROUP = "kris"
SET_ASIDE = (
    "bygglov", "serveringstillstand", "trasiga-lekredskap", "hundrastgard", "lokalbokning",
    "bibliotek-kultur", "skolval", "parkeringstillstand", "agarbyte-avfall", "faktura-avgift",
)  # fmt: skip
REASON = "Bakterier i dricksvattnet i centrala Ekeby; kokningsrekommendation"
BUILDING = "Stadshuset (vattnet avstängt, huset utryms)"


def prepared_plan(case_types: list[str]) -> list[dict]:
    """The demo's plan: every step, the ordinary case types that exist set aside."""
    return [
        {"kind": "crisis_message", "settings": {"cancel_at_end": True}},
        {"kind": "answer_group", "settings": {"group": GROUP, "menu_key": "9"}},
        {"kind": "opening_hours", "settings": {"calendars": []}},
        {"kind": "case_types", "settings": {"case_types": case_types}},
        {"kind": "roll_call", "settings": {"reason": "Utrymning av Stadshuset"}},
        {"kind": "roster", "settings": {}},
    ]


async def seed(actor: str) -> dict | None:
    """The plan, the crisis answer group and the demo exercise; None when the exercise was
    seeded before or another event is active."""
    if await raw.fetchrow(
        "SELECT id FROM crisis_event WHERE reason = ? OR status = 'active' LIMIT 1", REASON
    ):
        return None
    users = {r["username"] for r in await raw.fetch("SELECT username FROM kc_user")}
    team = CRISIS_TEAM if CRISIS_TEAM in users else actor
    if not await raw.fetchrow("SELECT id FROM answer_group WHERE code = ?", GROUP):
        await org.save_group(
            actor,
            GROUP,
            {
                "name_sv": "Krisinformation",
                "name_en": "Crisis information",
                "phone_number": "0123-450 99",
                "languages": ["sv", "en", "ar", "fi"],
                "active": False,
            },
        )
    marks = ", ".join("?" for _ in SET_ASIDE)
    existing = [
        r["code"]
        for r in await raw.fetch(f"SELECT code FROM case_type WHERE code IN ({marks})", *SET_ASIDE)
    ]
    await plan.save(team, prepared_plan(sorted(existing)))
    return await service.activate(team, REASON, "heightened", exercise=True, building=BUILDING)
