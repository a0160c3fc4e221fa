"""The registry's demo data (hook ``seed_demo_data``): the diary series KS, BUN and SBN, a
classification plan in the KLASSA structure, each board's informationshanteringsplan, and a
few case files with documents received, drawn up and sent — one of them secret-marked under
OSL 26 kap. 1 §. Seeded once: nothing is added when the series KS already exists."""

from __future__ import annotations

import random
from datetime import date, timedelta

from core.db import raw
from plugins.diarium.registry import casefiles, classification, documents, retention, series

SERIES = (
    ("KS", "Kommunstyrelsens diarium", "Kommunstyrelsen", "{code} {year}/{seq}"),
    ("BUN", "Barn- och utbildningsnämndens diarium", "Barn- och utbildningsnämnden",
     "{code}-{year}-{seq:05}"),
    ("SBN", "Samhällsbyggnadsnämndens diarium", "Samhällsbyggnadsnämnden", "{code} {year}.{seq}"),
)  # fmt: skip
PLAN = """kod;nivå;rubrik;beskrivning
1;verksamhetsomrade;Styrning och ledning;Kommunövergripande styrning
1.1;processgrupp;Planera och styra verksamheten;
1.1.1;process;Ta fram mål och budget;
1.1.2;process;Bereda och besluta politiska ärenden;
1.2;processgrupp;Ge verksamhetsstöd;
1.2.1;process;Hantera allmänna handlingar;Registrering, utlämnande och arkivering
1.2.2;process;Hantera synpunkter och klagomål;
2;verksamhetsomrade;Utbildning;
2.1;processgrupp;Förskola;
2.1.1;process;Placera barn i förskola;
2.2;processgrupp;Grundskola;
2.2.1;process;Utreda kränkande behandling;
3;verksamhetsomrade;Samhällsbyggnad;
3.1;processgrupp;Bygglov och tillsyn;
3.1.1;process;Pröva bygglov;
3.1.2;process;Utöva tillsyn enligt PBL;
"""
RULES = {
    "Kommunstyrelsen": (
        ("Protokoll", "1.1.2", "keep", None),
        ("Skrivelse", "1.2.2", "dispose", 2),
        ("Medborgarförslag", "1.1.2", "keep", None),
        ("Tjänsteskrivelse", None, "keep", None),
    ),
    "Barn- och utbildningsnämnden": (
        ("Ansökan om förskoleplats", "2.1.1", "dispose", 2),
        ("Anmälan om kränkande behandling", "2.2.1", "keep", None),
        ("Utredning", "2.2.1", "keep", None),
    ),
    "Samhällsbyggnadsnämnden": (
        ("Ansökan om bygglov", "3.1.1", "keep", None),
        ("Beslut om bygglov", "3.1.1", "keep", None),
        ("Klagomål", "3.1.2", "dispose", 5),
        ("Skrivelse", "3.1.2", "dispose", 2),
    ),
}
OFFICERS = {"KS": "ingrid.bergstrom", "BUN": "emma.lund", "SBN": "lars.eklund"}
REGISTRATOR = "per.sandberg"


async def seed(rng: random.Random, actor: str = "demo") -> int:
    """Seed the registry once; returns the number of documents registered."""
    if await raw.fetchrow("SELECT id FROM diarium_series WHERE code = 'KS'"):
        return 0
    users = {r["username"] for r in await raw.fetch("SELECT username FROM kc_user")}
    registrator = REGISTRATOR if REGISTRATOR in users else actor
    for code, name, board, pattern in SERIES:
        await series.create(actor, code=code, name=name, board=board, pattern=pattern)
    await classification.import_plan(actor, PLAN.encode(), "klassa-ekeby.csv", plan_version="2026")
    for board, rules in RULES.items():
        for document_type, process, action, years in rules:
            await retention.create(
                actor,
                board=board,
                document_type=document_type,
                process_code=process,
                action=action,
                period_years=years,
                decision_ref=f"{board[:3].upper()} 2025/14",
            )
    today = date.today()

    def day(back: int) -> str:
        return (today - timedelta(days=back + rng.randint(0, 2))).isoformat()

    def officer(code: str) -> str:
        return OFFICERS[code] if OFFICERS[code] in users else ""

    async def case_file(
        code: str, title: str, process: str, docs: tuple[tuple[str, str, str, str, int], ...]
    ) -> None:
        """Open a case file and register its documents (direction, counterpart, text, type,
        days back)."""
        opened = await casefiles.open_case_file(
            registrator,
            series_code=code,
            title_public=title,
            classification_code=process,
            officer=officer(code),
        )
        for direction, counterpart, text, doc_type, back in docs:
            await documents.register(
                registrator,
                case_file_id=opened["id"],
                direction=direction,
                document_date=day(back),
                counterpart_public=counterpart,
                public_text=text,
                document_type=doc_type,
            )

    lekplats_docs = (
        ("in", "Privatperson", "Medborgarförslag om lekplats i Norrby", "Medborgarförslag", 40),
        ("drawn_up", "", "Tjänsteskrivelse med förslag till beslut", "Tjänsteskrivelse", 12),
        ("out", "Förslagsställaren", "Underrättelse om beslut", "Skrivelse", 3),
    )
    await case_file("KS", "Medborgarförslag om ny lekplats i Norrby", "1.1.2", lekplats_docs)
    bygglov_docs = (
        ("in", "Wallins Bygg AB", "Ansökan om bygglov med ritningar", "Ansökan om bygglov", 30),
        ("in", "Grannar på Ekeby 4:11", "Yttrande från grannar", "Skrivelse", 14),
    )
    await case_file(
        "SBN", "Bygglov för nybyggnad av enbostadshus, Ekeby 4:12", "3.1.1", bygglov_docs
    )
    made = len(lekplats_docs) + len(bygglov_docs)
    krankning = await casefiles.open_case_file(
        registrator,
        series_code="BUN",
        title_public="Anmälan om kränkande behandling, Ekebyskolan",
        title_protected="Anmälan om kränkande behandling av elev i årskurs 5",
        classification_code="2.2.1",
        officer=officer("BUN"),
    )
    await documents.register(
        registrator,
        case_file_id=krankning["id"],
        direction="in",
        document_date=day(5),
        counterpart_public="Vårdnadshavare",
        counterpart_protected="Vårdnadshavare till elev i årskurs 5",
        public_text="Anmälan om kränkande behandling",
        protected_text="Uppgifter om elevens hälsa och sociala förhållanden",
        document_type="Anmälan om kränkande behandling",
        secrecy={
            "provision": "OSL 23 kap. 2 §",
            "authority": "Barn- och utbildningsnämnden",
            "reason": "Uppgift om enskilds personliga förhållanden i skolan",
        },
    )
    made += 1
    await documents.register(
        registrator,
        series_code="KS",
        direction="in",
        document_date=day(2),
        counterpart_public="Länsstyrelsen i Ekeby län",
        public_text="Information om ny vägledning för krisberedskap",
        document_type="Skrivelse",
    )
    return made + 1
