"""Knowledge search latency over 10 000 Swedish articles, SQLite (FTS5) and PostgreSQL.

``python -m bench.knowledge_search [--quick] [--backend sqlite|postgres|both]``

For each backend: a throwaway installation, 10 000 articles generated from a vocabulary of
municipal words (in all their inflected forms, so stemming matters) created through
:func:`core.knowledge.service.create_article` — versions, case-type links, audit and index
included — then 1 000 searches as an agent would type them (one to three words, sometimes
with stop words, a kind or a case-type filter) through :func:`core.knowledge.service.
find_articles`, and 1 000 look-ups of the articles linked to a case type. Prints p50/p95/p99
in milliseconds; the goal is p95 under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass

from bench.common import (
    BACKENDS,
    Report,
    clean_environ,
    ensure_services,
    installation,
    log,
    machine,
    percentile,
    use_installation,
)

GOAL_P95_MS = 20.0
SEED = 20261122


@dataclass(frozen=True)
class Plan:
    articles: int
    searches: int
    case_types: int
    batch: int


FULL = Plan(articles=10_000, searches=1_000, case_types=200, batch=500)
QUICK = Plan(articles=500, searches=100, case_types=10, batch=250)

COLUMNS = [
    ("backend", "backend"),
    ("operation", "operation"),
    ("articles", "articles"),
    ("n", "n"),
    ("mean_hits", "hits"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("max_ms", "max ms"),
    ("goal_met", "p95<20"),
    ("load_s", "load s"),
]

# (singular, definite, plural) of the nouns a municipal contact center talks about.
NOUNS = [
    ("bygglov", "bygglovet", "bygglov"),
    ("ansökan", "ansökan", "ansökningar"),
    ("förskola", "förskolan", "förskolor"),
    ("förskoleplats", "förskoleplatsen", "förskoleplatser"),
    ("grundskola", "grundskolan", "grundskolor"),
    ("fritidshem", "fritidshemmet", "fritidshem"),
    ("skolskjuts", "skolskjutsen", "skolskjutsar"),
    ("parkeringstillstånd", "parkeringstillståndet", "parkeringstillstånd"),
    ("parkering", "parkeringen", "parkeringar"),
    ("avfallsabonnemang", "avfallsabonnemanget", "avfallsabonnemang"),
    ("sophämtning", "sophämtningen", "sophämtningar"),
    ("soptunna", "soptunnan", "soptunnor"),
    ("kärl", "kärlet", "kärl"),
    ("kompost", "komposten", "komposter"),
    ("slamtömning", "slamtömningen", "slamtömningar"),
    ("återvinningscentral", "återvinningscentralen", "återvinningscentraler"),
    ("serveringstillstånd", "serveringstillståndet", "serveringstillstånd"),
    ("lekplats", "lekplatsen", "lekplatser"),
    ("lekredskap", "lekredskapet", "lekredskap"),
    ("gunga", "gungan", "gungor"),
    ("fixartjänst", "fixartjänsten", "fixartjänster"),
    ("färdtjänst", "färdtjänsten", "färdtjänster"),
    ("hemtjänst", "hemtjänsten", "hemtjänster"),
    ("trygghetslarm", "trygghetslarmet", "trygghetslarm"),
    ("äldreboende", "äldreboendet", "äldreboenden"),
    ("bostadsanpassning", "bostadsanpassningen", "bostadsanpassningar"),
    ("bidrag", "bidraget", "bidrag"),
    ("faktura", "fakturan", "fakturor"),
    ("avgift", "avgiften", "avgifter"),
    ("taxa", "taxan", "taxor"),
    ("beslut", "beslutet", "beslut"),
    ("överklagande", "överklagandet", "överklaganden"),
    ("handläggare", "handläggaren", "handläggare"),
    ("blankett", "blanketten", "blanketter"),
    ("ritning", "ritningen", "ritningar"),
    ("detaljplan", "detaljplanen", "detaljplaner"),
    ("strandskydd", "strandskyddet", "strandskydd"),
    ("nybyggnadskarta", "nybyggnadskartan", "nybyggnadskartor"),
    ("tillsyn", "tillsynen", "tillsyner"),
    ("gatubelysning", "gatubelysningen", "gatubelysningar"),
    ("snöröjning", "snöröjningen", "snöröjningar"),
    ("gata", "gatan", "gator"),
    ("cykelväg", "cykelvägen", "cykelvägar"),
    ("vattenmätare", "vattenmätaren", "vattenmätare"),
    ("vattenläcka", "vattenläckan", "vattenläckor"),
    ("bibliotek", "biblioteket", "bibliotek"),
    ("badhus", "badhuset", "badhus"),
    ("felanmälan", "felanmälan", "felanmälningar"),
    ("medborgarförslag", "medborgarförslaget", "medborgarförslag"),
    ("ärende", "ärendet", "ärenden"),
    ("handling", "handlingen", "handlingar"),
    ("kö", "kön", "köer"),
    ("uppsägning", "uppsägningen", "uppsägningar"),
    ("hund", "hunden", "hundar"),
    ("kontaktcenter", "kontaktcentret", "kontaktcenter"),
    ("nämnd", "nämnden", "nämnder"),
    ("förvaltning", "förvaltningen", "förvaltningar"),
    ("e-tjänst", "e-tjänsten", "e-tjänster"),
    ("vårdnadshavare", "vårdnadshavaren", "vårdnadshavare"),
    ("fastighetsägare", "fastighetsägaren", "fastighetsägare"),
]
VERBS = [
    "söka",
    "ansöker",
    "betala",
    "säga upp",
    "anmäla",
    "ändra",
    "boka",
    "överklaga",
    "beställa",
    "få",
    "byta",
    "flytta",
    "avsluta",
    "förlänga",
    "kontakta",
]
ADVERBS = ["snabbt", "digitalt", "skriftligt", "senast", "normalt", "oftast", "alltid"]
TEMPLATES = [
    "Du kan {verb} {n1} via e-tjänsten på kommunens webbplats.",
    "Handläggningstiden för {n1} är normalt fyra veckor från att {n2} är komplett.",
    "Om {n1} saknas skickar vi ett brev till {owner}.",
    "Kontrollera {n1} och {n2} innan du hänvisar till {dept}.",
    "Fråga om personen vill {verb} {n1} eller bara få information om {n2}.",
    "{N1} hanteras av {dept} och beslut fattas {adv} inom en månad.",
    "Avgiften för {n1} framgår av taxan som kommunfullmäktige beslutat om.",
    "Vid frågor om {n1} hänvisar du till {dept} som ansvarar för {n2}.",
    "Det går {adv} att {verb} {n1} genom att fylla i blanketten.",
    "Notera i ärendet om {owner} har fått svar om {n1}.",
]
OWNERS = ["den sökande", "vårdnadshavaren", "fastighetsägaren", "medborgaren", "kunden"]
DEPARTMENTS = [
    "samhällsbyggnadsnämnden",
    "barn- och utbildningsnämnden",
    "socialnämnden",
    "äldrenämnden",
    "tekniska nämnden",
    "kommunstyrelsen",
]
TITLES = {
    "faq": ["Hur gör jag för att {verb} {n1}?", "Vanliga frågor om {n1}", "Vad kostar {n1}?"],
    "checklist": ["Checklista: {n1}", "Att kontrollera vid {n1}", "Checklista för {n1} och {n2}"],
    "script": ["Talmanus: {n1}", "Samtalsstöd vid frågor om {n1}", "Manus för {n1}"],
}
STOP = ["hur", "jag", "om", "en", "och", "vad", "kan", "för"]


def _form(rng: random.Random, noun: tuple[str, str, str]) -> str:
    return rng.choice(noun)


def _fill(rng: random.Random, template: str, topic: tuple[str, str, str]) -> str:
    n1 = _form(rng, topic)
    return template.format(
        verb=rng.choice(VERBS),
        n1=n1,
        N1=n1[:1].upper() + n1[1:],
        n2=_form(rng, rng.choice(NOUNS)),
        owner=rng.choice(OWNERS),
        dept=rng.choice(DEPARTMENTS),
        adv=rng.choice(ADVERBS),
    )


def make_article(rng: random.Random) -> dict:
    """One article: a kind, a topic noun used throughout, 5-12 sentences of body."""
    kind = rng.choices(("faq", "checklist", "script"), weights=(6, 2, 2))[0]
    topic = rng.choice(NOUNS)
    title = _fill(rng, rng.choice(TITLES[kind]), topic)
    sentences = [_fill(rng, rng.choice(TEMPLATES), topic) for _ in range(rng.randint(5, 12))]
    if kind == "checklist":
        body = "\n".join(f"{i}. {s}" for i, s in enumerate(sentences, 1))
    else:
        body = " ".join(sentences)
    audience = "public" if rng.random() < 0.3 else "internal"
    status = rng.choices(("published", "draft"), weights=(9, 1))[0]
    return {"kind": kind, "title": title, "body": body, "audience": audience, "status": status}


def make_query(rng: random.Random, case_types: list[str]) -> dict:
    """What an agent types: 1-3 words, inflected, sometimes with stop words and a filter."""
    nouns = [_form(rng, rng.choice(NOUNS)) for _ in range(rng.choices((1, 2, 3), (5, 3, 1))[0])]
    if rng.random() < 0.2:
        nouns.insert(0, rng.choice(STOP))
    params: dict = {"q": " ".join(nouns)}
    roll = rng.random()
    if roll < 0.15:
        params["kind"] = rng.choice(("faq", "checklist", "script"))
    elif roll < 0.3:
        params["case_type"] = rng.choice(case_types)
    return params


# --- one backend ------------------------------------------------------------------------------


async def _load(plan: Plan, rng: random.Random) -> tuple[list[str], list[int]]:
    """Create the case types and the articles; returns case-type codes and ids."""
    from core import db
    from core.knowledge import service
    from core.org.tables import CaseType, Department

    codes = [f"bench-{i}" for i in range(plan.case_types)]
    async with db.transaction():
        dept = await Department.insert(
            Department(code="BENCH", name_sv="Bänknämnden", name_en="Bench board")
        ).returning(Department.id)
        for code in codes:
            await CaseType.insert(
                CaseType(code=code, name_sv=code, name_en=code, department=dept[0]["id"])
            )
    type_ids = [
        row["id"] for row in await CaseType.select(CaseType.id).where(CaseType.code.is_in(codes))
    ]
    made = 0
    while made < plan.articles:
        async with db.transaction():
            for _ in range(min(plan.batch, plan.articles - made)):
                article = make_article(rng)
                await service.create_article(
                    "bench", case_types=[rng.choice(codes)], comment="bench", **article
                )
                made += 1
        log(f"  {made} articles")
    return codes, type_ids


async def _measure(plan: Plan, backend: str, report: Report) -> None:
    from core import db
    from core.knowledge import service

    rng = random.Random(SEED)
    started = time.perf_counter()
    codes, type_ids = await _load(plan, rng)
    load_s = round(time.perf_counter() - started, 1)
    if backend == "postgres":
        from core.knowledge.tables import Article

        await Article.raw("ANALYZE")

    queries = [make_query(rng, codes) for _ in range(plan.searches)]
    for params in queries[:50]:  # warm caches and the connection pool
        await service.find_articles(**params)

    samples: list[float] = []
    hits = 0
    for params in queries:
        t0 = time.perf_counter()
        rows = await service.find_articles(**params)
        samples.append(time.perf_counter() - t0)
        hits += len(rows)
    report.add(_row(backend, "search", plan, samples, hits / len(queries), load_s))

    samples = []
    hits = 0
    for _ in range(plan.searches):
        type_id = rng.choice(type_ids)
        t0 = time.perf_counter()
        rows = await service.articles_for_case_type(type_id)
        samples.append(time.perf_counter() - t0)
        hits += len(rows)
    report.add(_row(backend, "case-type articles", plan, samples, hits / plan.searches, load_s))
    await db.close_pool()


def _row(backend, operation, plan, samples, mean_hits, load_s) -> dict:
    ms = [s * 1000 for s in samples]
    p95 = percentile(ms, 95)
    return {
        "bench": "knowledge_search",
        "backend": backend,
        "operation": operation,
        "articles": plan.articles,
        "n": len(samples),
        "mean_hits": round(mean_hits, 1),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "goal_met": p95 < GOAL_P95_MS,
        "load_s": load_s,
    }


def run(report: Report, backends: list[str], quick: bool) -> None:
    """Measure every backend in ``backends`` and add the rows to ``report``."""
    plan = QUICK if quick else FULL
    for backend in backends:
        log(f"knowledge search on {backend}: {plan.articles} articles, {plan.searches} searches")
        with installation(backend, with_redis=False) as inst:
            use_installation(inst)

            async def go() -> None:
                import core.piccolo_app  # noqa: F401  (imports every core table)
                from core import db

                db.bind_tables()
                await db.open_pool()
                try:
                    await _measure(plan, inst.backend, report)
                finally:
                    await db.close_pool()

            asyncio.run(go())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge_search")
    parser.add_argument("--quick", action="store_true", help="500 articles, 100 searches")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    args = parser.parse_args(argv)
    backends = list(BACKENDS) if args.backend == "both" else [args.backend]
    clean_environ()
    if "postgres" in backends:
        ensure_services()
    report = Report(args.quick)
    started = time.monotonic()
    try:
        run(report, backends, args.quick)
    finally:
        info = machine()
        print(
            f"\n# knowledge search; Python {info['python']}, SQLite {info['sqlite']}, "
            f"{info['cpus']} CPUs{', quick smoke run' if args.quick else ''}"
        )
        print(report.table("knowledge_search", COLUMNS), flush=True)
    log(f"done in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
