"""Finding cases, contacts, call-backs and a citizen's history, one keyset page at a time.

Every list is one SQL statement: the filters, the secrecy rule (a secret case, and the
contacts and call-backs of one, only for its owner, its assignee and holders of
``cases.secret``) and the keyset condition are all in the WHERE clause, so a page of 100 holds
100 visible rows whenever they exist, and a deep page costs what the first one costs (see
:mod:`core.paging`). Rows are joined with the codes and names they refer to, including the
party's display name (the neutral "Skyddad identitet" for a protected identity unless the
user holds ``parties.protected``, as :func:`core.parties.service.present` shows it).

Free text ``q`` uses the Swedish full-text machinery of :mod:`core.knowledge.search`
(stemmed, stop words removed): an FTS5 table ``kc_case_fts`` on SQLite and
``kc_case_search`` (tsvector, GIN) on PostgreSQL, written by :func:`index_case`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from core import audit, db, paging
from core.auth.service import Principal
from core.cases.schemas import CallbackItem, CaseItem, ContactItem, HistoryItem, moment
from core.db import raw
from core.errors import InvalidInput, NotFound
from core.knowledge import search as text_search
from core.parties import service as parties

SECRET_PERMISSION = "cases.secret"
# Row ids are 32-bit on PostgreSQL (serial); a larger id, valid in the API, names no row.
MAX_ROW_ID = 2**31 - 1
PROTECTED_PERMISSION = "parties.protected"


def row_id(value: int) -> int:
    """``value`` as a row id to look for: 0 (no row has it) when beyond the 32-bit ids."""
    return value if 0 < value <= MAX_ROW_ID else 0


def _postgres() -> bool:
    return db.get_engine().engine_type == "postgres"


# --- the free-text index of cases -----------------------------------------------------------


POSTGRES_INDEX_SQL = (
    "INSERT INTO kc_case_search (case_id, document) VALUES (?, to_tsvector('swedish', ?)) "
    "ON CONFLICT (case_id) DO UPDATE SET document = excluded.document"
)
SQLITE_INDEX_SQL = "INSERT INTO kc_case_fts (rowid, document) VALUES (?, ?)"
INDEX_BATCH = 500


def _document(subject: str, description: str, language: str) -> str:
    return text_search.analyse(f"{subject}\n{description}", language)


async def index_case(case_id: int, subject: str, description: str, language: str) -> None:
    """Write the index row of a new case (call inside the case's transaction)."""
    sql = POSTGRES_INDEX_SQL if _postgres() else SQLITE_INDEX_SQL
    await raw.fetch(sql, case_id, _document(subject, description, language))


async def index_cases(case_ids: list[int]) -> None:
    """Write the index rows of cases inserted in bulk (call inside their transaction)."""
    sql = POSTGRES_INDEX_SQL if _postgres() else SQLITE_INDEX_SQL
    for start in range(0, len(case_ids), INDEX_BATCH):
        chunk = case_ids[start : start + INDEX_BATCH]
        rows = await raw.fetch(
            "SELECT id, subject, description, language FROM kc_case "
            f"WHERE id IN ({', '.join('?' for _ in chunk)})",
            *chunk,
        )
        await raw.executemany(
            sql,
            [(r["id"], _document(r["subject"], r["description"], r["language"])) for r in rows],
        )


def _text_condition(q: str) -> tuple[str, str] | None:
    """SQL (one ``?``) selecting the ids of cases matching every word of ``q`` and its
    argument; None when ``q`` has no searchable word."""
    try:
        query = text_search.parse_query(q)
    except ValueError:
        raise InvalidInput("The search text is too long") from None
    if query.empty:
        return None
    if _postgres():
        return (
            "c.id IN (SELECT s.case_id FROM kc_case_search s "
            "WHERE s.document @@ to_tsquery('swedish', ?))",
            query.tsquery(),
        )
    return "c.id IN (SELECT rowid FROM kc_case_fts WHERE kc_case_fts MATCH ?)", query.fts5()


# --- shared pieces ------------------------------------------------------------------------


@dataclass
class Where:
    """SQL conditions joined with AND, with their ``?`` arguments in order."""

    clauses: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, clause: str, *args: Any) -> None:
        self.clauses.append(clause)
        self.args.extend(args)

    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses) if self.clauses else ""


def visible(where: Where, principal: Principal, case: str = "c", optional: bool = False) -> None:
    """Add the secrecy rule for the case alias ``case`` (``optional``: rows without a case,
    such as a contact that opened none, are visible)."""
    if principal.can(SECRET_PERMISSION):
        return
    rule = f"(NOT {case}.secret OR {case}.owner = ? OR {case}.assignee_user = ?)"
    if optional:
        rule = f"({case}.id IS NULL OR {rule})"
    where.add(rule, principal.user_id, principal.user_id)


def party_name(principal: Principal, row: dict[str, Any], lang: str) -> str | None:
    """The display name of the row's party (``party_name``/``party_protected`` columns)."""
    if row.get("party_id") is None:
        return None
    if row["party_protected"] and not principal.can(PROTECTED_PERMISSION):
        return parties.PROTECTED_NAME.get(lang, parties.PROTECTED_NAME["sv"])
    return row["party_name"]


async def with_party_names(
    principal: Principal, rows: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    """Put ``party`` and ``party_name`` into each row; showing a protected identity's name
    to a user allowed to see it is audited, as every view of its details is."""
    shown = []
    for row in rows:
        row["party"] = row.get("party_id")
        row["party_name"] = party_name(principal, row, lang)
        if (
            row["party"] is not None
            and row["party_protected"]
            and principal.can(PROTECTED_PERMISSION)
        ):
            shown.append(row["party"])
    if shown:
        async with db.transaction():
            for party_id in sorted(set(shown)):
                audit.record_read(
                    principal.username, "party", party_id, {"protected_identity": True}
                )
    for row in rows:
        row.pop("party_id", None)
        row.pop("party_protected", None)
    return rows


# column -> the table whose id it holds (and that table's code column)
CODE_TABLES = {
    "case_type": ("case_type", "code"),
    "department": ("department", "code"),
    "answer_group": ("answer_group", "code"),
    "user": ("kc_user", "username"),
}
CASE_CODES = {
    "case_type": "case_type",
    "department": "department",
    "owner": "user",
    "assignee_user": "user",
}
CONTACT_CODES = {"case_type": "case_type", "answer_group": "answer_group", "agent": "user"}


async def with_codes(rows: list[dict[str, Any]], columns: dict[str, str]) -> list[dict[str, Any]]:
    """Replace the ids in ``columns`` (column -> kind of :data:`CODE_TABLES`) by codes and
    usernames, read for the whole page in one statement."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        for column, kind in columns.items():
            if row[column] is not None:
                wanted.setdefault(kind, set()).add(row[column])
    parts, args = [], []
    for kind, ids in sorted(wanted.items()):
        table, code = CODE_TABLES[kind]
        marks = ", ".join("?" for _ in ids)
        parts.append(
            f"SELECT '{kind}' AS kind, id, {code} AS code FROM {table} WHERE id IN ({marks})"
        )
        args.extend(sorted(ids))
    found = {}
    if parts:
        found = {
            (r["kind"], r["id"]): r["code"]
            for r in await raw.fetch(" UNION ALL ".join(parts), *args)
        }
    for row in rows:
        for column, kind in columns.items():
            row[column] = found.get((kind, row[column]))
    return rows


PARTY_COLUMNS = "p.id AS party_id, p.name AS party_name, p.protected_identity AS party_protected"


async def _user_id(username: str) -> int:
    row = await raw.fetchrow("SELECT id FROM kc_user WHERE username = ?", username)
    if row is None:
        raise InvalidInput("No user named {username}", username=username)
    return int(row["id"])


async def _code_id(table: str, code: str, message: str) -> int:
    row = await raw.fetchrow(f"SELECT id FROM {table} WHERE code = ?", code)
    if row is None:
        raise InvalidInput(message, code=code)
    return int(row["id"])


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- cases --------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    """What a case search asks for (None or empty = any). Times are epoch seconds."""

    party: int | None = None
    id_number: str | None = None
    name: str | None = None
    case_type: str | None = None
    statuses: tuple[str, ...] = ()
    owner: str | None = None
    assignee: str | None = None
    department: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    updated_from: int | None = None
    updated_to: int | None = None
    q: str | None = None
    mine: bool = False
    overdue: bool = False
    answer_group: str | None = None
    my_groups: bool = False
    follow_ups: bool = False  # owned by me, handled elsewhere (forwarded to another)


# Only the party is joined: the codes and usernames of a page come from one small query
# (see :func:`with_codes`), because planning a six-table join cost PostgreSQL more than
# running it.
CASE_LIST_SQL = (
    "SELECT c.id, c.number, c.status, c.priority, c.subject, c.channel, c.created_at, "
    "c.updated_at, c.closed_at, c.sla_state, c.resolution_due, c.secret, c.assignee_kind, "
    "c.case_type, c.department, c.owner, c.assignee_user, "
    f"{PARTY_COLUMNS} FROM kc_case c LEFT JOIN party p ON p.id = c.party"
)
CASE_KEY = ("c.created_at", "c.id")
# A case belongs to an answer group when it is forwarded to the group or one of its contacts
# was handled in it; the group's contacts come from the index contact (answer_group, "case").
IN_GROUP_SQL = (
    '(c.assignee_group = ? OR c.id IN (SELECT k."case" FROM contact k '
    'WHERE k.answer_group = ? AND k."case" IS NOT NULL))'
)
IN_MY_GROUPS_SQL = (
    '(c.assignee_group IN (SELECT m."group" FROM answer_group_member m WHERE m."user" = ?) '
    'OR EXISTS (SELECT 1 FROM contact k JOIN answer_group_member m ON m."group" = k.answer_group '
    'WHERE k."case" = c.id AND m."user" = ?))'
)


async def _case_where(principal: Principal, f: CaseFilters) -> Where | None:
    """The WHERE of a case search, or None when it cannot match anything."""
    where = Where()
    if f.statuses:
        where.add("c.status IN (" + ", ".join("?" for _ in f.statuses) + ")", *f.statuses)
    else:
        where.add("c.status <> ?", "closed")
    if f.party is not None:
        where.add("c.party = ?", row_id(f.party))
    if f.id_number:
        ids = await parties.find_by_id_number(f.id_number)
        if not ids:
            return None
        where.add("c.party IN (" + ", ".join("?" for _ in ids) + ")", *ids)
    if f.name:
        match = "ILIKE" if _postgres() else "LIKE"
        rule = f"c.party IN (SELECT n.id FROM party n WHERE n.name {match} ? ESCAPE '\\'"
        if not principal.can(PROTECTED_PERMISSION):
            rule += " AND NOT n.protected_identity"
        where.add(rule + ")", _like(f.name))
    if f.case_type:
        where.add(
            "c.case_type = ?",
            await _code_id("case_type", f.case_type, "Unknown case type: {code}"),
        )
    if f.department:
        where.add(
            "c.department = ?",
            await _code_id("department", f.department, "Unknown department: {code}"),
        )
    if f.owner:
        where.add("c.owner = ?", await _user_id(f.owner))
    if f.assignee:
        where.add("c.assignee_user = ?", await _user_id(f.assignee))
    for column, low, high in (
        ("created_at", f.created_from, f.created_to),
        ("updated_at", f.updated_from, f.updated_to),
    ):
        if low is not None:
            where.add(f"c.{column} >= ?", low)
        if high is not None:
            where.add(f"c.{column} < ?", high)
    if f.q is not None:
        condition = _text_condition(f.q)
        if condition is None:
            return None
        where.add(*condition)
    if f.mine:
        where.add("(c.owner = ? OR c.assignee_user = ?)", principal.user_id, principal.user_id)
    if f.overdue:
        where.add("c.sla_state = ?", "breached")
    if f.answer_group:
        group = await _code_id("answer_group", f.answer_group, "Unknown answer group: {code}")
        where.add(IN_GROUP_SQL, group, group)
    if f.my_groups:
        where.add(IN_MY_GROUPS_SQL, principal.user_id, principal.user_id)
    if f.follow_ups:  # the follow-ups the contact center owns: forwarded, still open
        where.add(
            "c.owner = ? AND c.assignee_kind <> 'none' "
            "AND NOT (c.assignee_kind = 'user' AND c.assignee_user = ?)",
            principal.user_id,
            principal.user_id,
        )
    visible(where, principal)
    return where


async def list_cases(
    principal: Principal,
    filters: CaseFilters,
    *,
    limit: int = paging.DEFAULT_LIMIT,
    cursor: str | None = None,
    lang: str = "sv",
) -> dict[str, Any]:
    """One page of matching cases, newest first: ``{"items", "next_cursor", "total"}``.

    ``total`` is counted when the search is narrowed to one citizen (party or identity
    number: an index range of a few rows) or when the whole result fits on the first page;
    otherwise it is None, because counting a million open cases costs more than the page.
    """
    after = paging.decode_cursor("cases", cursor, (int, int))
    where = await _case_where(principal, filters)
    if where is None:
        return paging.page([], None, 0)
    base = Where(list(where.clauses), list(where.args))
    if after is not None:
        where.add(paging.keyset_clause(CASE_KEY), *after)
    rows = await raw.fetch(
        f"{CASE_LIST_SQL}{where.sql()} ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
        *where.args,
        limit + 1,
    )
    items, next_cursor = paging.cut(rows, limit, "cases", lambda r: (r["created_at"], r["id"]))
    total = None
    if next_cursor is None and after is None:
        total = len(items)
    elif filters.party is not None or filters.id_number:
        counted = await raw.fetchrow(f"SELECT count(*) AS n FROM kc_case c{base.sql()}", *base.args)
        total = int(counted["n"]) if counted else None
    items = await with_codes(await with_party_names(principal, items, lang), CASE_CODES)
    return paging.page([_case_item(row) for row in items], next_cursor, total)


def _case_item(row: dict[str, Any]) -> CaseItem:
    return CaseItem(
        number=row["number"],
        status=row["status"],
        priority=row["priority"],
        subject=row["subject"],
        case_type=row["case_type"],
        department=row["department"],
        channel=row["channel"],
        secret=bool(row["secret"]),
        party=row["party"],
        party_name=row["party_name"],
        owner=row["owner"],
        assignee_kind=row["assignee_kind"],
        assignee_user=row["assignee_user"],
        created_at=moment(row["created_at"]),
        updated_at=moment(row["updated_at"]),
        closed_at=moment(row["closed_at"]),
        resolution_due=moment(row["resolution_due"]),
        sla_state=row["sla_state"],
    )


# --- contacts -----------------------------------------------------------------------------


@dataclass
class ContactFilters:
    """What a contact listing asks for (None = any). Times are epoch seconds."""

    channel: str | None = None
    party: int | None = None
    case: str | None = None
    answer_group: str | None = None
    received_from: int | None = None
    received_to: int | None = None
    mine: bool = False


CONTACT_SQL = (
    "SELECT k.id, k.number, k.channel, k.direction, k.received_at, k.registered_at, "
    "k.summary, k.resolved_first_contact, k.forwarded, k.language, k.wait_seconds, "
    "k.handle_seconds, c.number AS case_number, c.secret AS case_secret, k.case_type, "
    f"k.answer_group, k.agent, {PARTY_COLUMNS} "
    "FROM contact k "
    'LEFT JOIN kc_case c ON c.id = k."case" '
    "LEFT JOIN party p ON p.id = k.party"
)


async def list_contacts(
    principal: Principal,
    filters: ContactFilters,
    *,
    limit: int = paging.DEFAULT_LIMIT,
    cursor: str | None = None,
    lang: str = "sv",
) -> dict[str, Any]:
    """One page of contacts, newest first (those of secret cases only for who may see them)."""
    after = paging.decode_cursor("contacts", cursor, (int, int))
    where = Where()
    if filters.channel:
        where.add("k.channel = ?", filters.channel)
    if filters.party is not None:
        where.add("k.party = ?", row_id(filters.party))
    if filters.case:
        where.add("c.number = ?", filters.case)
    if filters.answer_group:
        group = await _code_id("answer_group", filters.answer_group, "Unknown answer group: {code}")
        where.add("k.answer_group = ?", group)
    if filters.received_from is not None:
        where.add("k.received_at >= ?", filters.received_from)
    if filters.received_to is not None:
        where.add("k.received_at < ?", filters.received_to)
    if filters.mine:
        where.add("k.agent = ?", principal.user_id)
    visible(where, principal, optional=True)
    if after is not None:
        where.add(paging.keyset_clause(("k.received_at", "k.id")), *after)
    rows = await raw.fetch(
        f"{CONTACT_SQL}{where.sql()} ORDER BY k.received_at DESC, k.id DESC LIMIT ?",
        *where.args,
        limit + 1,
    )
    items, next_cursor = paging.cut(rows, limit, "contacts", lambda r: (r["received_at"], r["id"]))
    total = len(items) if next_cursor is None and after is None else None
    items = await with_codes(await with_party_names(principal, items, lang), CONTACT_CODES)
    return paging.page([_contact_item(row) for row in items], next_cursor, total)


async def get_contact(principal: Principal, number: str, lang: str = "sv") -> ContactItem:
    """One contact by its number (404 when it belongs to a secret case the user may not see;
    a read of a secret case's contact is audited)."""
    where = Where()
    where.add("k.number = ?", number)
    visible(where, principal, optional=True)
    row = await raw.fetchrow(f"{CONTACT_SQL}{where.sql()}", *where.args)
    if row is None:
        raise NotFound("No contact numbered {number}", number=number)
    if row["case_secret"]:
        async with db.transaction():
            audit.record_read(principal.username, "contact", number, {"secret": True})
    (row,) = await with_codes(await with_party_names(principal, [row], lang), CONTACT_CODES)
    return _contact_item(row)


def _contact_item(row: dict[str, Any]) -> ContactItem:
    return ContactItem(
        number=row["number"],
        channel=row["channel"],
        direction=row["direction"],
        received_at=moment(row["received_at"]),
        registered_at=moment(row["registered_at"]),
        case=row["case_number"],
        case_type=row["case_type"],
        answer_group=row["answer_group"],
        agent=row["agent"],
        party=row["party"],
        party_name=row["party_name"],
        summary=row["summary"],
        resolved_first_contact=bool(row["resolved_first_contact"]),
        forwarded=bool(row["forwarded"]),
        language=row["language"],
        wait_seconds=row["wait_seconds"],
        handle_seconds=row["handle_seconds"],
    )


# --- call-backs ---------------------------------------------------------------------------

CALLBACK_SQL = (
    "SELECT b.id, b.phone, b.preferred_from, b.preferred_to, b.attempts, b.outcome, b.notes, "
    "b.created_at, b.updated_at, c.number AS case_number, ag.code AS answer_group, "
    "u.username AS assignee "
    "FROM callback b "
    'LEFT JOIN kc_case c ON c.id = b."case" '
    "LEFT JOIN answer_group ag ON ag.id = b.answer_group "
    "LEFT JOIN kc_user u ON u.id = b.assignee"
)


@dataclass
class CallbackFilters:
    """Which call-backs to list: by outcome, assignee, the user's own, or overdue ones."""

    outcome: str = "pending"
    assignee: str | None = None
    mine: bool = False
    overdue: bool = False


async def list_callbacks(
    principal: Principal,
    filters: CallbackFilters,
    *,
    limit: int = paging.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page of the call-back list, oldest request first (the order they are worked in).

    ``overdue``: still pending after the end of the citizen's preferred time window."""
    after = paging.decode_cursor("callbacks", cursor, (int, int))
    where = Where()
    where.add("b.outcome = ?", filters.outcome)
    if filters.assignee:
        where.add("b.assignee = ?", await _user_id(filters.assignee))
    if filters.mine:
        where.add("b.assignee = ?", principal.user_id)
    if filters.overdue:
        where.add("b.outcome = ? AND b.preferred_to < ?", "pending", int(time.time()))
    visible(where, principal, optional=True)
    if after is not None:
        where.add(paging.keyset_clause(("b.created_at", "b.id"), descending=False), *after)
    rows = await raw.fetch(
        f"{CALLBACK_SQL}{where.sql()} ORDER BY b.created_at, b.id LIMIT ?",
        *where.args,
        limit + 1,
    )
    items, next_cursor = paging.cut(rows, limit, "callbacks", lambda r: (r["created_at"], r["id"]))
    total = len(items) if next_cursor is None and after is None else None
    return paging.page([_callback_item(row) for row in items], next_cursor, total)


async def get_callback(principal: Principal, callback_id: int) -> CallbackItem:
    """One call-back (404 when it belongs to a secret case the user may not see)."""
    where = Where()
    where.add("b.id = ?", row_id(callback_id))
    visible(where, principal, optional=True)
    row = await raw.fetchrow(f"{CALLBACK_SQL}{where.sql()}", *where.args)
    if row is None:
        raise NotFound("No call-back with id {id}", id=callback_id)
    return _callback_item(row)


def _callback_item(row: dict[str, Any]) -> CallbackItem:
    return CallbackItem(
        id=row["id"],
        case=row["case_number"],
        phone=row["phone"],
        preferred_from=moment(row["preferred_from"]),
        preferred_to=moment(row["preferred_to"]),
        answer_group=row["answer_group"],
        assignee=row["assignee"],
        attempts=row["attempts"],
        outcome=row["outcome"],
        notes=row["notes"],
        created_at=moment(row["created_at"]),
        updated_at=moment(row["updated_at"]),
    )


# --- a citizen's history ------------------------------------------------------------------

HISTORY_KEY = ("h.at", "h.kind", "h.id")


async def party_history(
    principal: Principal,
    party_id: int,
    *,
    limit: int = paging.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """All contacts and cases of a party, newest first, in one list (``kind`` says which);
    secret cases and their contacts only for who may see them. ``total`` is always given."""
    after = paging.decode_cursor("history", cursor, (int, str, int))
    if not await raw.fetch("SELECT id FROM party WHERE id = ?", row_id(party_id)):
        raise NotFound("No party with id {id}", id=party_id)
    contacts, cases = Where(), Where()
    contacts.add("k.party = ?", party_id)
    visible(contacts, principal, optional=True)
    cases.add("c.party = ?", party_id)
    visible(cases, principal)
    union = (
        "SELECT 'contact' AS kind, k.id, k.number, k.received_at AS at, k.channel, "
        "k.summary AS text, c.number AS case_number, CAST(NULL AS VARCHAR(20)) AS status "
        f'FROM contact k LEFT JOIN kc_case c ON c.id = k."case"{contacts.sql()} '
        "UNION ALL "
        "SELECT 'case' AS kind, c.id, c.number, c.created_at AS at, c.channel, "
        f"c.subject AS text, c.number AS case_number, c.status FROM kc_case c{cases.sql()}"
    )
    args = [*contacts.args, *cases.args]
    keyset = ""
    if after is not None:
        keyset = " WHERE " + paging.keyset_clause(HISTORY_KEY)
    rows = await raw.fetch(
        f"SELECT * FROM ({union}) h{keyset} ORDER BY h.at DESC, h.kind DESC, h.id DESC LIMIT ?",
        *args,
        *(after or ()),
        limit + 1,
    )
    items, next_cursor = paging.cut(rows, limit, "history", lambda r: (r["at"], r["kind"], r["id"]))
    counted = await raw.fetchrow(f"SELECT count(*) AS n FROM ({union}) h", *args)
    return paging.page(
        [
            HistoryItem(
                kind=row["kind"],
                number=row["number"],
                at=moment(row["at"]),
                channel=row["channel"],
                text=row["text"],
                case=row["case_number"],
                status=row["status"],
            )
            for row in items
        ],
        next_cursor,
        int(counted["n"]) if counted else None,
    )
