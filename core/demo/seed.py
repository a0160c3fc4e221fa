"""Seeding the demo municipality: the catalogue through the domain services, a year of
history by bulk insert, and a handful of today's cases through the case service.

The catalogue (departments, groups, case types, calendars, agreements, articles, goals) is
written with the services, so it is validated and audited like an administrator's work; it is
idempotent (create or update by code). The history is generated in memory from a seeded random
generator and written in one transaction with ``executemany`` in batches of
:data:`BATCH` rows, one audit entry per batch; SLA due times come from
:func:`core.cases.timers.initial`, so the agreements and business calendars apply exactly as
for live cases. Every demo contact carries ``external_ref = "demo"``; a case is demo data when
one of its contacts is.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import random
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core import audit, db
from core.audit.tables import AuditEntry
from core.auth import passwords, permissions
from core.auth.service import Principal
from core.auth.tables import AuthToken, User
from core.cases import search as case_search
from core.cases import service as cases
from core.cases import states, timers
from core.cases.service import ContactInput
from core.cases.tables import Case, Contact, NumberSequence
from core.db import raw
from core.demo import data
from core.demo.data import CaseTypeSpec
from core.errors import Conflict, NotFound
from core.knowledge import service as knowledge
from core.knowledge.tables import Article
from core.org import service as org
from core.org.tables import AnswerGroup, CaseType, Department
from core.parties import service as parties
from core.parties.tables import Party
from core.reports import service as reports
from core.reports.tables import EffectGoal
from core.secrets import keystore
from core.settings import Settings
from core.sla import agreements
from core.sla import calendar as business
from core.sla import service as sla
from core.sla.tables import Agreement

BATCH = 1000
MARKER_ACTION = "demo.seed"
DAY = 86400
FEEDBACK_BY_CHANNEL = {"phone": "phone", "visit": "phone", "letter": "letter", "sms": "sms"}


class DemoRefused(Conflict):
    """``--force`` on an installation that holds real cases."""


@dataclass
class Summary:
    """What a run did, for the command's report."""

    skipped: bool = False
    seconds: float = 0.0
    days: int = 0
    departments: int = 0
    groups: int = 0
    case_types: int = 0
    staff: int = 0
    agreements: int = 0
    articles: int = 0
    contacts: int = 0
    cases: int = 0
    open_cases: int = 0
    breached_open: int = 0
    resolved_share: float = 0.0
    forwarded_share: float = 0.0
    history_seconds: float = 0.0
    sample_case: str = ""
    sample_code: str = ""
    status_url: str = ""
    users: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- state checks


async def demo_exists() -> bool:
    """Whether a complete demo seeding has run here (KS exists and the marker is audited)."""
    if not await Department.exists().where(Department.code == "KS"):
        return False
    return await AuditEntry.exists().where(AuditEntry.action == MARKER_ACTION)


async def _scalar(sql: str, *args: Any) -> int:
    rows = await Case.raw(sql, *args)
    return int(next(iter(rows[0].values())) or 0) if rows else 0


_DEMO_CASE_IDS = 'SELECT "case" FROM contact WHERE external_ref = {} AND "case" IS NOT NULL'


async def non_demo_cases() -> int:
    """Cases none of whose contacts is demo data."""
    return await _scalar(
        f"SELECT COUNT(*) AS n FROM kc_case WHERE id NOT IN ({_DEMO_CASE_IDS})", data.DEMO_REF
    )


async def wipe_history(actor: str) -> dict[str, int]:
    """Delete demo contacts and demo cases (their timeline and call-backs go with them, and
    their e-mails not sent yet)."""
    async with db.transaction():
        n_cases = await _scalar(
            f"SELECT COUNT(*) AS n FROM kc_case WHERE id IN ({_DEMO_CASE_IDS})", data.DEMO_REF
        )
        n_contacts = await _scalar(
            "SELECT COUNT(*) AS n FROM contact WHERE external_ref = {}", data.DEMO_REF
        )
        if n_cases or n_contacts:
            await Case.raw(
                "DELETE FROM outbound_message WHERE status <> 'sent' AND case_number IN "
                f"(SELECT number FROM kc_case WHERE id IN ({_DEMO_CASE_IDS}))",
                data.DEMO_REF,
            )
            await Case.raw(f"DELETE FROM kc_case WHERE id IN ({_DEMO_CASE_IDS})", data.DEMO_REF)
            await Contact.raw("DELETE FROM contact WHERE external_ref = {}", data.DEMO_REF)
            audit.record(
                actor,
                "demo.reset",
                "demo",
                data.MUNICIPALITY,
                {"cases": n_cases, "contacts": n_contacts},
            )
    return {"cases": n_cases, "contacts": n_contacts}


# --------------------------------------------------------------------------- catalogue


def klamdagar(year: int) -> list[tuple[date, str]]:
    """Bridge days: a weekday squeezed between a public holiday and the weekend."""
    days = []
    for day, (name, kind) in sorted(business.swedish_holidays(year).items()):
        if kind != "public":
            continue
        if day.weekday() == 3:  # Thursday holiday: Friday is a klämdag
            days.append((day + timedelta(days=1), f"Klämdag efter {name.lower()}"))
        elif day.weekday() == 1:  # Tuesday holiday: Monday is a klämdag
            days.append((day - timedelta(days=1), f"Klämdag före {name.lower()}"))
    return [(d, note) for d, note in days if business.swedish_holiday(d) is None]


def short_days(year: int) -> list[tuple[date, list[str], str]]:
    """Days before a holiday with shortened opening hours (skärtorsdag, valborgsmässoafton)."""
    holidays = {name: day for day, (name, _) in business.swedish_holidays(year).items()}
    result = []
    good_friday = holidays.get("Långfredagen")
    if good_friday:
        result.append((good_friday - timedelta(days=1), data.SHORT_DAYS[0][1], "Skärtorsdag"))
    walpurgis = date(year, 4, 30)
    if walpurgis.weekday() < 5:
        result.append((walpurgis, data.SHORT_DAYS[1][1], "Valborgsmässoafton"))
    return result


async def _ensure_calendars(actor: str, first: date, last: date) -> int:
    for spec in data.CALENDARS:
        try:
            await sla.get_calendar_info(spec["key"])
        except NotFound:
            await sla.create_calendar(actor, spec["key"], spec["name"], spec["hours"])
    existing = {e["day"] for e in await sla.list_exceptions("standard")}
    created = 0
    for year in range(first.year, last.year + 1):
        for day, note in klamdagar(year):
            if first <= day <= last and day.isoformat() not in existing:
                await sla.create_exception(actor, "standard", day, closed=True, note=note)
                created += 1
        for day, hours, note in short_days(year):
            if first <= day <= last and day.isoformat() not in existing:
                await sla.create_exception(
                    actor, "standard", day, closed=False, hours=[hours], note=note
                )
                created += 1
    return created


async def _ensure_users(actor: str, reset: bool) -> None:
    """Create the demo staff. One Argon2 hash of the shared demo password serves them all
    (hashing 25 times would take ten seconds); each account is audited like user.create."""
    existing = {r["username"] for r in await User.select(User.username)}
    wanted = [p for p in data.PEOPLE if p.username not in existing or reset]
    if not wanted:
        return
    import asyncio

    password_hash = await asyncio.to_thread(passwords.hash_password, data.DEMO_PASSWORD)
    now = int(time.time())
    async with db.transaction():
        for person in wanted:
            if person.username in existing:
                await User.update(
                    {User.password_hash: password_hash, User.failed_logins: 0, User.locked_until: 0}
                ).where(User.username == person.username)
                await AuthToken.update({AuthToken.revoked: True}).where(
                    AuthToken.user.username == person.username
                )
                audit.record(actor, "user.password", "user", person.username, {"demo": True})
                continue
            await User.insert(
                User(
                    username=person.username,
                    full_name=person.full_name,
                    email=person.email,
                    phone_extension=person.extension,
                    languages=list(person.languages),
                    roles=sorted(person.roles),
                    password_hash=password_hash,
                    created_at=now,
                )
            )
            audit.record(
                actor,
                "user.create",
                "user",
                person.username,
                {"roles": sorted(person.roles), "full_name": person.full_name, "demo": True},
            )


async def seed_catalogue(actor: str, first: date, last: date, reset_users: bool) -> dict[str, int]:
    """Departments, groups, case types, staff, competence, calendars, agreements, articles and
    effect goals, through the services. Idempotent."""
    await _ensure_calendars(actor, first, last)
    for dept in data.DEPARTMENTS:
        await org.save_department(
            actor,
            dept.code,
            {
                "name_sv": dept.name_sv,
                "name_en": dept.name_en,
                "kind": dept.kind,
                "email": dept.email,
                "calendar": dept.calendar,
            },
        )
    for group in data.GROUPS:
        await org.save_group(
            actor,
            group.code,
            {
                "name_sv": group.name_sv,
                "name_en": group.name_en,
                "department": group.department,
                "phone_number": group.phone,
                "languages": list(group.languages),
            },
        )
    for spec in data.CASE_TYPES:
        await org.save_case_type(
            actor,
            spec.code,
            {
                "name_sv": spec.name_sv,
                "name_en": spec.name_en,
                "department": spec.department,
                "rosa_level": spec.rosa,
                "kc_may_close": spec.kc_may_close,
                "public": spec.public,
                "description_sv": spec.description_sv,
                "keywords": list(spec.keywords),
                "unit_price_ore": spec.price_kr * 100,
            },
        )
    await _ensure_users(actor, reset_users)
    for group in data.GROUPS:
        members = [{"username": p.username} for p in data.AGENTS if group.code in p.groups]
        members += [
            {"username": p.username, "virtual": True}
            for p in data.STAFF
            if p.department and group.code in p.groups
        ]
        await org.set_members(actor, group.code, members)
    for person in data.PEOPLE:
        if "agent" in person.roles:
            types = [c for g in person.groups for c in data.GROUP_CASE_TYPES[g]]
            await org.set_competence(actor, person.username, types, list(person.groups))
        elif person.department:
            types = [c.code for c in data.CASE_TYPES if c.department == person.department]
            await org.set_competence(actor, person.username, types, list(person.groups))
    made = await _ensure_agreements(actor, first)
    await _ensure_articles(actor)
    if not await EffectGoal.count():
        for goal in reports.GOALS:
            await reports.update_goal(actor, goal.key, target=goal.target, minimum=goal.minimum)
    return {"agreements": made}


async def _ensure_agreements(actor: str, first: date) -> int:
    ids = {r["code"]: r["id"] for r in await Department.select(Department.id, Department.code)}
    types = {r["code"]: r["id"] for r in await CaseType.select(CaseType.id, CaseType.code)}
    count = 0
    for dept in data.DEPARTMENTS:
        if not dept.base_fee_kr:
            continue
        dept_id = ids[dept.code]
        existing = (await agreements.list_agreements(dept_id))["items"]
        if existing:
            agreement = existing[0]
            if agreement["valid_from"] > first.isoformat():
                await agreements.update_agreement(actor, agreement["id"], valid_from=first)
            agreement_id = agreement["id"]
        else:
            agreement_id = (
                await agreements.create_agreement(
                    actor,
                    dept_id,
                    f"Överenskommelse kontaktcenter – {dept.name_sv}",
                    valid_from=first,
                    base_fee_ore=dept.base_fee_kr * 100,
                    notes="Kontaktcentret besvarar ROSA 1-4, registrerar alla kontakter och "
                    "vidarebefordrar övrigt till förvaltningen med återkoppling.",
                )
            )["id"]
        count += 1
        have = {t["case_type_id"] for t in await agreements.list_targets(agreement_id)}
        for spec in data.CASE_TYPES:
            if spec.department != dept.code or types[spec.code] in have:
                continue
            await agreements.create_target(
                actor,
                agreement_id,
                types[spec.code],
                first_response_minutes=spec.first_response_min,
                resolution_minutes=spec.resolution_min,
                warning_percent=80,
                escalation=[
                    {"level": 1, "notify": [data.SUPERVISOR]},
                    {"level": 2, "notify": [dept.email]},
                ],
                expected_volume=int(spec.weight * data.CONTACTS_PER_WORKDAY * 2.5),
            )
    return count


async def _ensure_articles(actor: str) -> None:
    titles = {r["title"] for r in await Article.select(Article.title)}
    for spec in data.ARTICLES:
        if spec.title in titles:
            continue
        await knowledge.create_article(
            actor,
            kind=spec.kind,
            title=spec.title,
            body=spec.body,
            audience=spec.audience,
            status="published",
            comment="Demodata",
            case_types=list(spec.case_types),
        )


# --------------------------------------------------------------------------- history model


@dataclass(slots=True)
class GenCase:
    t0: int
    spec: CaseTypeSpec
    channel: str
    language: str
    subject: str
    owner: str | None
    status: str = "received"
    assignee_kind: str = "none"
    assignee_user: str | None = None
    assignee_department: str | None = None
    first_response_at: int | None = None
    closed_at: int | None = None
    paused_since: int | None = None
    sla: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[int, str, str, bool, str, dict[str, Any]]] = field(default_factory=list)
    updated_at: int = 0
    questions: int = 0  # status questions asked by the citizen
    number: str = ""
    id: int = 0


@dataclass(slots=True)
class GenContact:
    t: int
    registered: int
    channel: str
    spec: CaseTypeSpec | None
    agent: str | None
    group: str | None
    language: str
    summary: str
    resolved: bool = False
    forwarded: bool = False
    wait: int | None = None
    handle: int | None = None
    case: GenCase | None = None
    status_question: bool = False
    number: str = ""


def _pick(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


class History:
    """Generates contacts and cases day by day (deterministic for a given seed)."""

    def __init__(self, rng: random.Random, now: int, tz: ZoneInfo, catalogue: dict[str, Any]):
        self.rng = rng
        self.now = now
        self.tz = tz
        self.cat = catalogue
        self.contacts: list[GenContact] = []
        self.cases: list[GenCase] = []
        self.recent_by_type: dict[str, list[GenCase]] = defaultdict(list)
        self.kc_cal = catalogue["calendars"][catalogue["departments"]["KS"]]
        specs = data.CASE_TYPES
        self.month_weights = [
            list(itertools.accumulate(s.weight * s.season[m] for s in specs)) for m in range(12)
        ]
        total = sum(s.weight for s in specs)
        self.month_factor = [self.month_weights[m][-1] / total for m in range(12)]
        self.members = {g.code: [p for p in data.AGENTS if g.code in p.groups] for g in data.GROUPS}

    # -- one day ---------------------------------------------------------------------------
    def _day_factor(self, day: date) -> float:
        factor = 1.0
        if day.month == 7:
            factor *= 0.62
        elif (day.month == 6 and day.day >= 22) or (day.month == 8 and day.day <= 7):
            factor *= 0.8
        if (day.month == 12 and day.day >= 27) or (day.month == 1 and day.day <= 5):
            factor *= 0.55
        elif day.month == 12 and day.day >= 20:
            factor *= 0.8
        after = day - timedelta(days=1)
        if day.weekday() == 1 and business.swedish_holiday(after):  # Tuesday after a long weekend
            factor *= 1.2
        return factor

    async def day(self, day: date) -> None:
        rng = self.rng
        intervals = self.kc_cal.local_intervals(day)
        open_day = bool(intervals)
        month = day.month - 1
        if open_day:
            mean = (
                data.CONTACTS_PER_WORKDAY
                * data.WEEKDAY_FACTOR[day.weekday()]
                * self._day_factor(day)
                * self.month_factor[month]
            )
            if intervals[-1][1] - intervals[0][0] < 8 * 60:  # a short day
                mean *= 0.6
            n = max(0, round(rng.gauss(mean, mean * 0.07)))
        else:
            mean = data.CONTACTS_PER_WORKDAY * data.CLOSED_DAY_SHARE
            n = max(0, round(rng.gauss(mean, mean * 0.2)))
        specs = rng.choices(data.CASE_TYPES, cum_weights=self.month_weights[month], k=n)
        todays = []
        for spec in specs:
            if open_day:
                channel = "phone" if spec.code == "koppling" else _pick(rng, data.CHANNEL_MIX_OPEN)
            else:
                if spec.code == "koppling":
                    spec = data.CASE_TYPE_BY_CODE["allman-information"]
                channel = _pick(rng, data.CHANNEL_MIX_CLOSED)
            t = self._instant(day, channel, intervals)
            if t is None or t >= self.now:
                continue
            todays.append((t, channel, spec))
        todays.sort(key=lambda item: item[0])
        for t, channel, spec in todays:
            await self._contact(day, t, channel, spec)

    def _instant(self, day: date, channel: str, intervals: tuple) -> int | None:
        rng = self.rng
        spoken = channel in ("phone", "visit", "chat")
        for _ in range(20):
            if spoken:
                hours = list(data.HOUR_WEIGHTS_OPEN)
                hour = rng.choices(hours, weights=list(data.HOUR_WEIGHTS_OPEN.values()))[0]
            elif channel == "letter" and intervals:
                hour = rng.choice((8, 9))
            else:
                hour = rng.choices(range(24), weights=data.HOUR_WEIGHTS_WRITTEN)[0]
            minute = rng.randrange(60)
            if spoken and not any(a <= hour * 60 + minute < b for a, b in intervals):
                continue
            local = datetime(day.year, day.month, day.day, hour, minute, rng.randrange(60))
            return int(local.replace(tzinfo=self.tz).timestamp())
        return None

    def _agent(self, group: str, language: str) -> str:
        members = self.members[group]
        if language != "sv":
            speakers = [p for p in members if language in p.languages]
            if speakers and self.rng.random() < 0.85:
                return self.rng.choice(speakers).username
        return self.rng.choice(members).username

    def _pickup(self, t: int, spec: CaseTypeSpec, mu: float = -1.4) -> int:
        """When the KC first handles a written contact (business time after arrival)."""
        ratio = self.rng.lognormvariate(mu, 0.9)
        seconds = ratio * spec.first_response_min * 60
        return min(int(business.add_business_seconds(self.kc_cal, t, seconds)), self.now - 60)

    async def _contact(self, day: date, t: int, channel: str, spec: CaseTypeSpec) -> None:
        rng = self.rng
        language = _pick(rng, data.LANGUAGE_MIX)
        group = spec.group if channel in ("phone", "chat", "email", "sms") else None
        if channel == "web":
            agent = None
        elif channel == "letter":
            agent = "per.sandberg"
        elif channel == "visit" and rng.random() < 0.6:
            agent = "lena.ek"
        else:
            agent = self._agent(spec.group, language)
        contact = GenContact(
            t=t,
            registered=t,
            channel=channel,
            spec=spec,
            agent=agent,
            group=group,
            language=language,
            summary=rng.choice(spec.topics),
        )
        if channel == "phone":
            load = data.HOUR_WEIGHTS_OPEN.get(datetime.fromtimestamp(t, self.tz).hour, 1.0)
            load *= data.WEEKDAY_FACTOR[day.weekday()] or 1.0
            contact.wait = int(rng.expovariate(1 / (20 + 42 * load)))
        if channel in ("phone", "chat", "visit"):
            median = 40 if spec.code == "koppling" else 150 if spec.rosa <= 2 else 260
            contact.handle = max(15, int(rng.lognormvariate(math.log(median), 0.5)))
            contact.registered = t + contact.handle
        elif channel in ("email", "letter", "sms") or (channel == "web" and not spec.public):
            contact.registered = max(t, self._pickup(t, spec))
            if channel == "web":  # the contact form: an agent answers it
                contact.agent = self._agent(spec.group, language)
        contact.registered = min(contact.registered, self.now - 1)
        self.contacts.append(contact)
        # A status question about an open case of the same type, answered at once.
        candidates = self.recent_by_type.get(spec.code)
        if candidates and channel in ("phone", "email", "visit", "chat") and rng.random() < 0.05:
            case = rng.choice(candidates[-60:])
            is_open = case.t0 < t and (case.closed_at is None or case.closed_at > t)
            if is_open and case.owner and case.questions < 2:
                case.questions += 1
                contact.case, contact.status_question, contact.resolved = case, True, True
                contact.summary = "Frågar om status i ärendet"
                case.events.append(
                    (
                        t,
                        "contact",
                        agent or data.WEB_ACTOR,
                        False,
                        contact.summary,
                        {"contact": contact, "channel": channel},
                    )
                )
                return
        web_form = channel == "web" and spec.public
        if not web_form and rng.random() < spec.resolve:
            contact.resolved = True
            if spec.public and spec.kc_may_close and rng.random() < 0.12:
                await self._closed_at_once(contact)
            return
        if spec.code == "koppling":
            contact.resolved = True
            return
        await self._case(contact)

    # -- cases -------------------------------------------------------------------------------
    def _new_case(self, contact: GenContact, owner: str | None) -> GenCase:
        spec = contact.spec
        assert spec is not None
        case = GenCase(
            t0=contact.t,
            spec=spec,
            channel=contact.channel,
            language=contact.language,
            subject=contact.summary,
            owner=owner,
        )
        actor = owner or data.WEB_ACTOR
        case.events.append((contact.t, "status", actor, True, "", {"from": None, "to": "received"}))
        case.events.append(
            (
                contact.t,
                "contact",
                actor,
                False,
                contact.summary,
                {"contact": contact, "channel": contact.channel},
            )
        )
        contact.case = case
        self.cases.append(case)
        self.recent_by_type[spec.code].append(case)
        return case

    async def _timers(self, case: GenCase) -> None:
        row = self.cat["case_types"][case.spec.code]
        case.sla = await timers.initial(row, case.t0)

    async def _closed_at_once(self, contact: GenContact) -> None:
        """Registered and closed in the same contact (e.g. an owner change done by the KC)."""
        case = self._new_case(contact, contact.agent)
        await self._timers(case)
        done = contact.registered
        case.events.append(
            (done, "status", contact.agent or "", True, "", {"from": "received", "to": "closed"})
        )
        case.status, case.closed_at, case.first_response_at = "closed", done, done
        case.assignee_kind, case.assignee_user = "user", contact.agent
        self._finish_sla(case, done)

    def _calendar(self, spec: CaseTypeSpec):
        return self.cat["calendars"][self.cat["departments"][spec.department]]

    async def _case(self, contact: GenContact) -> None:
        rng, spec, now = self.rng, contact.spec, self.now
        assert spec is not None
        if contact.channel == "web" and contact.agent is None:  # an e-service form
            pickup = self._pickup(contact.t, spec, -2.6)  # e-service forms come first
            owner = self._agent(spec.group, contact.language) if pickup < now - 60 else None
        else:
            pickup, owner = contact.registered, contact.agent
        case = self._new_case(contact, owner)
        await self._timers(case)
        case.updated_at = contact.t
        if owner is None:  # a web form nobody has picked up yet
            self._finish_sla(case, None)
            return
        handled_by_kc = spec.kc_may_close and rng.random() < spec.kc_share
        kind, target = ("user", owner) if handled_by_kc else spec.forward
        if kind == "user":
            case.assignee_kind, case.assignee_user = "user", target
            worker = target
        else:
            case.assignee_kind, case.assignee_department = "department", target
            worker = data.DEPARTMENT_OFFICER[target]
        case.first_response_at = pickup
        case.status = "in_progress"
        case.events.append(
            (pickup, "status", owner, True, "", {"from": "received", "to": "in_progress"})
        )
        if not handled_by_kc:
            contact.forwarded = True
            case.events.append(
                (
                    pickup,
                    "forward",
                    owner,
                    False,
                    rng.choice(data.FORWARD_REASONS),
                    {"kind": kind, "target": target},
                )
            )
        # Resolution: business time after creation, relative to the agreed time.
        ratio = rng.lognormvariate(-0.8 + spec.lateness, 0.7)
        budget = (spec.resolution_min or 540) * 60
        done = int(business.add_business_seconds(self._calendar(spec), case.t0, ratio * budget))
        done = max(done, pickup + 600)
        span = done - pickup
        steps: list[tuple[int, str]] = []
        if spec.rosa >= 5 or rng.random() < 0.3:
            steps.append((pickup + span // 5, "investigating"))
        if rng.random() < 0.4:
            steps.append((pickup + span * 3 // 10, "note"))
        decided = spec.rosa >= 4 and not handled_by_kc
        if decided:
            steps.append((pickup + span * 17 // 20, "decided"))
        for at, step in steps:
            if at >= now:
                break
            self._step(case, at, step, worker)
        if done <= now:
            text = data.CLOSING_TEXTS[1] if decided else rng.choice(data.CLOSING_TEXTS)
            case.events.append(
                (done, "status", worker, True, text, {"from": case.status, "to": "closed"})
            )
            case.status, case.closed_at = "closed", done
            case.updated_at = done
            self._finish_sla(case, done)
            return
        if case.status in ("in_progress", "investigating") and rng.random() < 0.12:
            pause = case.updated_at + int((now - case.updated_at) * rng.uniform(0.1, 0.6))
            case.events.append((pause, "pause", worker, False, "", {}))
            case.events.append(
                (
                    pause,
                    "status",
                    worker,
                    True,
                    rng.choice(data.WAITING_TEXTS),
                    {"from": case.status, "to": "waiting"},
                )
            )
            case.status, case.paused_since, case.updated_at = "waiting", pause, pause
        self._finish_sla(case, None)

    def _step(self, case: GenCase, at: int, step: str, worker: str) -> None:
        if step == "note":
            case.events.append((at, "note", worker, True, self.rng.choice(data.PUBLIC_NOTES), {}))
        else:
            text = "Beslut fattat." if step == "decided" else ""
            case.events.append(
                (at, "status", worker, True, text, {"from": case.status, "to": step})
            )
            case.status = step
        case.updated_at = at

    def _finish_sla(self, case: GenCase, done: int | None) -> None:
        """The SLA state as the sweep would have left it, with its timeline lines."""
        s = case.sla
        if s.get("sla_state", "none") == "none":
            return
        row = {
            **s,
            "status": case.status,
            "first_response_at": case.first_response_at,
            "closed_at": case.closed_at,
        }
        end = done if done is not None else (case.paused_since or self.now)
        crossings = []
        for name, finished in (
            ("first_response", case.first_response_at),
            ("resolution", case.closed_at),
        ):
            limit = min(end, finished) if finished is not None else end
            if case.status == "decided" and name == "resolution":
                limit = min(limit, case.updated_at)
            for kind, key in (("warning", f"{name}_warn"), ("breached", f"{name}_due")):
                at = s.get(key)
                if at is not None and at < limit:
                    crossings.append((at, kind))
        severity = {"warning": 1, "breached": 2}
        level, state = 0, "ok"
        for at, kind in sorted(crossings):
            if severity[kind] > severity.get(state, 0):
                case.events.append((at, "sla", "system", False, "", {"state": kind}))
                state = kind
                level += kind == "breached"
        if case.status in ("closed", "decided"):
            s["sla_state"] = "breached" if state == "breached" else "met"
            s["sla_next_check"] = None
        elif case.status == "waiting":
            s["sla_state"], s["sla_next_check"] = "paused", None
        else:
            s["sla_state"] = timers.state_at(row, self.now)
            s["sla_next_check"] = timers.next_check(row, self.now)
        s["sla_escalation_level"] = level


# --------------------------------------------------------------------------- bulk writing


class BulkWriter:
    """``executemany`` on the current transaction's connection (SQLite or PostgreSQL)."""

    def __init__(self, actor: str) -> None:
        self.actor = actor
        self.engine = db.get_engine()
        self.postgres = self.engine.engine_type == "postgres"

    def _sql(self, table: str, columns: list[str]) -> str:
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        return f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'

    async def ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``."""
        if not count:
            return []
        if self.postgres:
            rows = await raw.fetch(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id "
                "FROM generate_series(1, ?)",
                count,
            )
            return [int(r["id"]) for r in rows]
        rows = await Case.raw(f'SELECT COALESCE(MAX(id), 0) AS top FROM "{table}"')
        top = int(rows[0]["top"])
        return list(range(top + 1, top + count + 1))

    async def numbers(self, scope: str, count: int) -> int:
        """Reserve ``count`` values of a number sequence; returns the first."""
        rows = await NumberSequence.raw(
            "INSERT INTO number_sequence (scope, value) VALUES ({}, {}) ON CONFLICT (scope) "
            "DO UPDATE SET value = number_sequence.value + {} RETURNING value",
            scope,
            count,
            count,
        )
        return int(rows[0]["value"]) - count + 1

    async def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        sql = self._sql(table, columns)
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            await raw.executemany(sql, chunk)
            audit.record(
                self.actor,
                "demo.batch",
                table,
                f"{chunk[0][0]}-{chunk[-1][0]}",
                {"rows": len(chunk)},
            )


CASE_COLUMNS = [
    "id", "number", "case_type", "department", "status", "priority", "subject", "description",
    "channel", "feedback_channel", "language", "secret", "party", "owner", "assignee_kind",
    "assignee_user", "assignee_group", "assignee_department", "assignee_external",
    "access_code_hash", "merged_into", "created_at", "updated_at", "closed_at",
    "first_response_at", "first_response_due", "resolution_due", "first_response_warn",
    "resolution_warn", "paused_since", "paused_seconds", "sla_state", "sla_next_check",
    "sla_escalation_level",
]  # fmt: skip
CONTACT_COLUMNS = [
    "id", "number", "channel", "direction", "received_at", "registered_at", "local_day",
    "local_hour", "local_weekday", "agent", "answer_group", "party", "case", "case_type",
    "department", "summary", "resolved_first_contact", "forwarded", "language", "wait_seconds",
    "handle_seconds", "external_ref", "created_by",
]  # fmt: skip
EVENT_COLUMNS = ["id", "case", "at", "kind", "actor", "public", "text", "data"]


async def write_history(actor: str, history: History, settings: Settings) -> None:
    """Insert the generated cases, contacts and timeline in one transaction."""
    cat = history.cat
    users, depts, groups = cat["users"], cat["departments"], cat["groups"]
    types = cat["case_types"]
    writer = BulkWriter(actor)
    key = _access_key()
    zone = ZoneInfo(settings.timezone)

    def year(t: int) -> int:
        return datetime.fromtimestamp(t, zone).year

    async with db.transaction():
        # Numbers from the configured patterns, one yearly block per kind.
        for kind, items, pattern, when in (
            ("case", history.cases, settings.case_number_pattern, lambda c: c.t0),
            ("contact", history.contacts, settings.contact_number_pattern, lambda c: c.t),
        ):
            per_year = Counter(year(when(item)) for item in items)
            scoped = "{year}" in pattern
            next_seq: dict[int, int] = {}
            for y in sorted(per_year):
                scope = f"{kind}:{y}" if scoped else kind
                next_seq[y] = await writer.numbers(scope, per_year[y])
            for item in items:
                y = year(when(item))
                item.number = pattern.format(year=y, seq=next_seq[y])
                next_seq[y] += 1
        case_ids = await writer.ids("kc_case", len(history.cases))
        rows = []
        for case, case_id in zip(history.cases, case_ids, strict=True):
            case.id = case_id
            s = case.sla
            rows.append(
                (
                    case_id,
                    case.number,
                    types[case.spec.code]["id"],
                    depts[case.spec.department],
                    case.status,
                    "urgent" if case.spec.code == "orosanmalan" else "normal",
                    case.subject[:300],
                    "",
                    case.channel,
                    FEEDBACK_BY_CHANNEL.get(case.channel, "email"),
                    case.language,
                    case.spec.secret,
                    None,
                    users.get(case.owner),
                    case.assignee_kind,
                    users.get(case.assignee_user),
                    None,
                    depts.get(case.assignee_department),
                    "",
                    _code_hash(key),
                    "",
                    case.t0,
                    max(case.updated_at, case.t0),
                    case.closed_at,
                    case.first_response_at,
                    s.get("first_response_due"),
                    s.get("resolution_due"),
                    s.get("first_response_warn"),
                    s.get("resolution_warn"),
                    case.paused_since,
                    0,
                    s.get("sla_state", "none"),
                    s.get("sla_next_check"),
                    s.get("sla_escalation_level", 0),
                )
            )
        await writer.insert("kc_case", CASE_COLUMNS, rows)
        await case_search.index_cases(case_ids)  # free-text search (core/cases/search.py)
        contact_ids = await writer.ids("contact", len(history.contacts))
        rows = []
        for contact, contact_id in zip(history.contacts, contact_ids, strict=True):
            spec, case = contact.spec, contact.case
            day, hour, weekday = cases.local_parts(contact.t)
            summary = contact.summary
            if contact.status_question and case is not None:
                summary = f"{summary} {case.number}"
            rows.append(
                (
                    contact_id,
                    contact.number,
                    contact.channel,
                    "in",
                    contact.t,
                    contact.registered,
                    day,
                    hour,
                    weekday,
                    users.get(contact.agent),
                    groups.get(contact.group),
                    None,
                    case.id if case else None,
                    types[spec.code]["id"] if spec else None,
                    depts[spec.department] if spec else None,
                    summary,
                    contact.resolved,
                    contact.forwarded,
                    contact.language,
                    contact.wait,
                    contact.handle,
                    data.DEMO_REF,
                    contact.agent or data.WEB_ACTOR,
                )
            )
        await writer.insert("contact", CONTACT_COLUMNS, rows)
        events = [
            (case.id, e) for case in history.cases for e in sorted(case.events, key=lambda e: e[0])
        ]
        event_ids = await writer.ids("case_event", len(events))
        rows = [
            (event_id, case_id, at, kind, who, public, text, json.dumps(_event_data(extra)))
            for event_id, (case_id, (at, kind, who, public, text, extra)) in zip(
                event_ids, events, strict=True
            )
        ]
        await writer.insert("case_event", EVENT_COLUMNS, rows)


def _event_data(extra: dict[str, Any]) -> dict[str, Any]:
    contact = extra.get("contact")
    if isinstance(contact, GenContact):
        return {**extra, "contact": contact.number}
    return extra


def _access_key() -> bytes:
    value = keystore.get(cases.ACCESS_CODE_SECRET)
    if value is None:
        cases._access_code_hash("X")  # creates the key the case service uses
        value = keystore.get(cases.ACCESS_CODE_SECRET)
    return str(value).encode()


def _code_hash(key: bytes) -> str:
    """The hash of a fresh access code nobody knows (the citizen got it by letter)."""
    code = "".join(secrets.choice(cases.ACCESS_CODE_ALPHABET) for _ in range(10))
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- today's sample


async def _principal(username: str) -> Principal:
    row = await User.select().where(User.username == username).first()
    roles = tuple(row["roles"] if isinstance(row["roles"], list) else json.loads(row["roles"]))
    return Principal(
        user_id=row["id"],
        username=username,
        full_name=row["full_name"],
        roles=roles,
        permissions=permissions.for_roles(roles),
    )


async def _party(actor: str, spec: dict[str, Any]) -> int:
    if spec.get("id_number"):
        found = await parties.find_by_id_number(spec["id_number"])
        if found:
            return found[0]
    else:
        row = await Party.select(Party.id).where(Party.name == spec["name"]).first()
        if row:
            return row["id"]
    return await parties.create_party(actor, spec)


def office_window(cal: business.Calendar, now: int) -> tuple[int, int]:
    """The latest opening interval that began before ``now``, cut at ``now``."""
    day = datetime.fromtimestamp(now, cal.zone).date()
    for _ in range(30):
        for start, end in reversed(business.open_intervals(cal, day)):
            if start < now:
                return int(start), int(min(end, now))
        day -= timedelta(days=1)
    return now - 3600, now


async def seed_today(actor: str, now: int, cal: business.Calendar) -> tuple[str, str, int]:
    """A few of the latest contacts through the case service, as the agents register them,
    within the last two office hours (so phone calls never come in at night).

    Returns the Mina ärenden case number, its access code, and the number of contacts."""
    start, end = office_window(cal, now)
    span = max(0, min(end - start - 60, 120 * 60))
    p = {u: await _principal(u) for u in (
        "anna.lindqvist", "karin.holm", "lars.eklund", "johan.berg", "stefan.oberg",
        "fartun.ali", "emma.lund", "lena.ek", "erik.johansson", "mohammed.haddad",
        "liisa.korhonen",
    )}  # fmt: skip
    tolvan = await _party(actor, data.PARTIES[0])
    aisha = await _party(actor, data.PARTIES[1])
    sara = await _party(actor, data.PARTIES[2])  # e-mail: her receipt waits in the outbox
    ref = data.DEMO_REF
    count = 0

    async def contact(who: str, minutes_ago: int, **kwargs: Any) -> dict[str, Any]:
        nonlocal count
        count += 1
        kwargs.setdefault("external_ref", ref)
        return await cases.register_contact(
            p[who],
            ContactInput(received_at=max(start, end - 30 - span * minutes_ago // 120), **kwargs),
        )

    main = await contact(
        "anna.lindqvist",
        95,
        channel="phone",
        summary="Vill bygga carport; undrar vilka ritningar som behövs och hur lång tid det tar",
        subject="Bygglov för carport, Storgatan 12",
        case_type="bygglov",
        answer_group="bygg-miljo",
        party_id=tolvan,
        open_case=True,
        feedback_channel="phone",
        wait_seconds=48,
        handle_seconds=310,
    )
    number, code = main["case"]["number"], main["access_code"]
    await cases.forward(
        p["anna.lindqvist"],
        number,
        "user",
        "lars.eklund",
        "Bygglovsansökan behöver handläggare; situationsplan saknas.",
    )
    await cases.add_note(
        p["lars.eklund"],
        number,
        "Vi har tagit emot din ansökan om bygglov. Din handläggare är Lars Eklund.",
        public=True,
    )
    await cases.change_status(
        p["lars.eklund"],
        number,
        "investigating",
        "Vi granskar ritningarna och hör av oss inom två veckor.",
    )
    await contact(
        "karin.holm",
        20,
        channel="phone",
        summary="Frågar om status för bygglovet",
        case_type="bygglov",
        answer_group="vaxel",
        join_case=number,
        party_id=tolvan,
        resolved_first_contact=True,
        wait_seconds=35,
        handle_seconds=95,
    )
    for who, ago, case_type, summary in (
        ("karin.holm", 80, "allman-information", "Öppettider för kommunhuset i helgen"),
        ("liisa.korhonen", 70, "hemtjanst", "Fråga om avgift för hemtjänst"),
        ("johan.berg", 50, "matavfallskarl", "Vill beställa påsar till matavfall"),
    ):
        await contact(
            who,
            ago,
            channel="phone",
            summary=summary,
            case_type=case_type,
            answer_group=data.CASE_TYPE_BY_CODE[case_type].group,
            resolved_first_contact=True,
            wait_seconds=30 + ago,
            handle_seconds=140,
        )
    playground = await contact(
        "johan.berg",
        110,
        channel="web",
        summary="Kedjan till gungan på lekplatsen i Ekebyparken har gått av",
        case_type="trasiga-lekredskap",
        party_id=sara,
        open_case=True,
        feedback_channel="email",
    )
    await cases.forward(
        p["johan.berg"],
        playground["case"]["number"],
        "department",
        "GYE",
        "Felanmälan till parkentreprenören.",
    )
    await cases.add_note(
        p["stefan.oberg"],
        playground["case"]["number"],
        "Gungan är avstängd. Vi byter kedjan inom en vecka.",
        public=True,
    )
    await cases.request_callback(
        p["erik.johansson"],
        playground["case"]["number"],
        "070-174 06 18",
        answer_group="gata-park-avfall",
        notes="Anmälaren vill bli uppringd när gungan är lagad.",
    )
    preschool = await contact(
        "fartun.ali",
        65,
        channel="email",
        summary="Ansökan om förskoleplats från augusti, önskar Solrosens förskola",
        case_type="forskoleplats",
        answer_group="forskola-skola",
        party_id=aisha,
        open_case=True,
        language="so",
        feedback_channel="sms",
    )
    await cases.forward(
        p["fartun.ali"], preschool["case"]["number"], "user", "emma.lund", "Placering av barn."
    )
    await cases.change_status(
        p["emma.lund"],
        preschool["case"]["number"],
        "waiting",
        "Vi behöver barnets personnummer för att kunna ställa barnet i kö.",
    )
    permit = await contact(
        "lena.ek",
        40,
        channel="visit",
        summary="Lämnade ansökan om parkeringstillstånd med läkarintyg i receptionen",
        case_type="parkeringstillstand",
        open_case=True,
        feedback_channel="letter",
        handle_seconds=420,
    )
    await cases.add_note(
        p["lena.ek"], permit["case"]["number"], "Läkarintyg och foto bifogade.", public=False
    )
    await contact(
        "liisa.korhonen",
        30,
        channel="phone",
        summary="Beställer fixare för byte av brandvarnare",
        case_type="fixartjanst",
        answer_group="aldreomsorg",
        open_case=True,
        resolved_first_contact=True,
        wait_seconds=52,
        handle_seconds=210,
    )
    social = await contact(
        "mohammed.haddad",
        25,
        channel="phone",
        summary="Behöver hjälp att söka försörjningsstöd",
        case_type="ekonomiskt-bistand",
        answer_group="socialtjanst",
        open_case=True,
        secret=True,
        language="ar",
        feedback_channel="phone",
        wait_seconds=75,
        handle_seconds=380,
    )
    await cases.forward(
        p["mohammed.haddad"],
        social["case"]["number"],
        "user",
        "ahmed.yusuf",
        "Ansökan om ekonomiskt bistånd; tolk på arabiska behövs.",
    )
    return number, code, count


# --------------------------------------------------------------------------- the whole run


async def _catalogue_ids(settings: Settings) -> dict[str, Any]:
    depts = {r["code"]: r["id"] for r in await Department.select(Department.id, Department.code)}
    groups = {
        r["code"]: r["id"] for r in await AnswerGroup.select(AnswerGroup.id, AnswerGroup.code)
    }
    users = {r["username"]: r["id"] for r in await User.select(User.id, User.username)}
    types = {
        r["code"]: r
        for r in await CaseType.select().where(
            CaseType.code.is_in([c.code for c in data.CASE_TYPES])
        )
    }
    calendars = {dept_id: await sla.calendar_for(dept_id) for dept_id in depts.values()}
    return {
        "departments": depts,
        "groups": groups,
        "users": users,
        "case_types": types,
        "calendars": calendars,
    }


async def _figures(summary: Summary) -> None:
    ref = data.DEMO_REF
    summary.departments = await Department.count()
    summary.groups = await AnswerGroup.count()
    summary.case_types = await CaseType.count()
    summary.agreements = await Agreement.count()
    summary.articles = await Article.count()
    summary.contacts = await Contact.count().where(Contact.external_ref == ref)
    resolved = await Contact.count().where(
        (Contact.external_ref == ref) & (Contact.resolved_first_contact == True)  # noqa: E712
    )
    forwarded = await Contact.count().where(
        (Contact.external_ref == ref) & (Contact.forwarded == True)  # noqa: E712
    )
    summary.resolved_share = resolved / summary.contacts if summary.contacts else 0.0
    summary.forwarded_share = forwarded / summary.contacts if summary.contacts else 0.0
    summary.cases = await Case.count()
    summary.open_cases = await Case.count().where(Case.status.is_in(sorted(states.OPEN_STATES)))
    summary.breached_open = await Case.count().where(
        Case.status.is_in(sorted(states.OPEN_STATES)) & (Case.sla_state == "breached")
    )
    summary.staff = len(data.PEOPLE)
    by_role: dict[str, list[str]] = defaultdict(list)
    for person in data.PEOPLE:
        for role in person.roles:
            by_role[role].append(person.username)
    summary.users = dict(by_role)


async def run(
    settings: Settings,
    actor: str,
    *,
    days: int = 365,
    seed: int = 1,
    force: bool = False,
    now: int | None = None,
) -> Summary:
    """Seed the demo municipality unless it is there already (``force``: seed it again)."""
    started = time.perf_counter()
    summary = Summary(days=days)
    if await demo_exists() and not force:
        summary.skipped = True
        return summary
    if force:
        others = await non_demo_cases()
        if others:
            raise DemoRefused(
                "Refusing --force: {n} case(s) on this installation are not demo data",
                n=others,
            )
    await wipe_history(actor)
    now = now or int(time.time())
    zone = ZoneInfo(settings.timezone)
    today = datetime.fromtimestamp(now, zone).date()
    first = today - timedelta(days=days)
    await seed_catalogue(actor, first, today + timedelta(days=365), reset_users=force)
    catalogue = await _catalogue_ids(settings)
    history_started = time.perf_counter()
    history = History(random.Random(seed), now, zone, catalogue)
    day = first
    while day <= today:
        await history.day(day)
        day += timedelta(days=1)
    await write_history(actor, history, settings)
    summary.history_seconds = time.perf_counter() - history_started
    kc_calendar = catalogue["calendars"][catalogue["departments"]["KS"]]
    summary.sample_case, summary.sample_code, _ = await seed_today(actor, now, kc_calendar)
    await _figures(summary)
    from core.citizen import notify

    summary.status_url = notify.status_url(settings)
    summary.seconds = time.perf_counter() - started
    async with db.transaction():
        audit.record(
            actor,
            MARKER_ACTION,
            "demo",
            data.MUNICIPALITY,
            {
                "days": days,
                "seed": seed,
                "contacts": summary.contacts,
                "cases": summary.cases,
                "force": force,
            },
        )
    return summary
