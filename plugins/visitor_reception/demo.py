"""Demo data (hook ``seed_demo_data``): the demo municipality's officers who accept visitors,
one of them in a protected unit, and a morning of visitors registered by the reception —
some still inside (one needing assistance in an evacuation), some signed out."""

from __future__ import annotations

import random
from typing import Any

from core.auth.service import Principal
from core.db import raw
from plugins.visitor_reception import hosts, visits

RECEPTION = "lena.ek"
HOSTS = (
    ("ingrid.bergstrom", "Kommunledningskontoret", "Stadshuset plan 2", False),
    ("lars.eklund", "Bygglov", "Stadshuset plan 3", False),
    ("nora.axelsson", "Bygglov", "Stadshuset plan 3", False),
    ("emma.lund", "Barn- och utbildningsförvaltningen", "Stadshuset plan 4", False),
    ("ahmed.yusuf", "Individ- och familjeomsorg", "Socialkontoret", True),
)
VISITORS = (
    ("Anders Wallin", "Wallins Bygg AB", "Bygglovsmöte"),
    ("Fatima Said", "", "Möte om förskoleplats"),
    ("Tomas Lindgren", "Ekeby Energi", "Avstämning fjärrvärme"),
    ("Marie Holmberg", "", "Samtal"),
    ("Joakim Persson", "Arkitektkontoret Linje", "Ritningsgranskning"),
    ("Sofia Karlsson", "Länsstyrelsen", "Tillsynsbesök"),
)


async def seed(rng: random.Random, actor: str = "demo") -> int:
    """Mark the hosts and check the visitors in; returns how many visits were made (none
    when the demo's users are missing or the demo already has visits)."""
    users = {r["username"] for r in await raw.fetch("SELECT username FROM kc_user")}
    if RECEPTION not in users:
        return 0
    saved = [
        await hosts.save(actor, username, unit, location, protected, True)
        for username, unit, location, protected in HOSTS
        if username in users
    ]
    done_before = "SELECT id FROM visitor_visit WHERE registered_by = ? LIMIT 1"
    if not saved or await raw.fetchrow(done_before, RECEPTION):
        return 0
    reception = await raw.fetchrow(
        "SELECT id, full_name FROM kc_user WHERE username = ?", RECEPTION
    )
    principal = Principal(
        user_id=reception["id"],
        username=RECEPTION,
        full_name=reception["full_name"],
        roles=("reception",),
        permissions=frozenset({"reception.desk"}),
    )
    made: list[dict[str, Any]] = []
    for index, (name, organisation, purpose) in enumerate(VISITORS):
        host = saved[index % len(saved)]
        done = await visits.check_in(
            visits.CheckIn(
                visitor_name=name,
                host_id=host["id"],
                purpose=purpose,
                organisation=organisation,
                needs_assistance=index == 3,
            ),
            principal=principal,
        )
        made.append(done["visit"])
    for visit in rng.sample(made, 2):
        if not visit["needs_assistance"]:
            await visits.sign_out(principal, visit["number"])
    return len(made)
