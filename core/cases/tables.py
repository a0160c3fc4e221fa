"""Contacts, cases, their timeline, call-back requests and number sequences.

Times are epoch seconds (UTC). Contacts also carry their local (Europe/Stockholm) day, hour
and weekday, so the statistics group on indexed columns instead of converting every row.
"""

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Text, Varchar
from piccolo.columns.column_types import OnDelete
from piccolo.table import Table

from core.auth.tables import User
from core.org.tables import AnswerGroup, CaseType, Department
from core.parties.tables import Party


class NumberSequence(Table, tablename="number_sequence"):
    """One counter per scope (e.g. "case:2026"); incremented inside the writing transaction."""

    scope = Varchar(length=40, unique=True, index=True)
    value = BigInt(default=0)


class Case(Table, tablename="kc_case"):
    """An ärende. status: received | in_progress | investigating | waiting | decided | closed
    (see core.cases.states). assignee_kind: user | group | department | external | none."""

    number = Varchar(length=40, unique=True, index=True)
    case_type = ForeignKey(references=CaseType, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(references=Department, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=20, default="received", index=True)
    priority = Varchar(length=10, default="normal")
    subject = Varchar(length=300)
    description = Text(default="")
    channel = Varchar(length=20, default="phone")
    feedback_channel = Varchar(length=10, default="email")
    language = Varchar(length=5, default="sv")
    secret = Boolean(default=False)
    party = ForeignKey(references=Party, null=True, on_delete=OnDelete.set_null, index=True)
    owner = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, index=True)
    assignee_kind = Varchar(length=12, default="none")
    assignee_user = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, index=True)
    assignee_group = ForeignKey(references=AnswerGroup, null=True, on_delete=OnDelete.set_null)
    assignee_department = ForeignKey(references=Department, null=True, on_delete=OnDelete.set_null)
    assignee_external = Varchar(length=200, default="")
    access_code_hash = Varchar(length=128, default="")
    merged_into = Varchar(length=40, default="")
    created_at = BigInt(index=True)
    updated_at = BigInt()
    closed_at = BigInt(null=True, default=None)
    first_response_at = BigInt(null=True, default=None)
    # service level timers (business time already applied; see core.cases.timers)
    first_response_due = BigInt(null=True, default=None)
    resolution_due = BigInt(null=True, default=None)
    first_response_warn = BigInt(null=True, default=None)
    resolution_warn = BigInt(null=True, default=None)
    paused_since = BigInt(null=True, default=None)
    paused_seconds = BigInt(default=0)
    sla_state = Varchar(length=12, default="none")  # none | ok | warning | breached | paused
    sla_next_check = BigInt(null=True, default=None, index=True)
    sla_escalation_level = Integer(default=0)


class CaseEvent(Table, tablename="case_event"):
    """One line of a case's timeline. kind: note | status | forward | assign | feedback |
    pause | resume | contact | merge | reopen | callback | sla | priority | secrecy."""

    case = ForeignKey(references=Case, on_delete=OnDelete.cascade, index=True)
    at = BigInt()
    kind = Varchar(length=20)
    actor = Varchar(length=150)
    public = Boolean(default=False)
    text = Text(default="")
    data = JSON(default={})


class Contact(Table, tablename="contact"):
    """Every single interaction, in every channel, with its own identification number."""

    number = Varchar(length=40, unique=True, index=True)
    channel = Varchar(length=12, index=True)
    direction = Varchar(length=3, default="in")
    received_at = BigInt(index=True)
    registered_at = BigInt()
    local_day = Varchar(length=10, index=True)  # YYYY-MM-DD in Europe/Stockholm
    local_hour = Integer()
    local_weekday = Integer()  # 0 = Monday
    agent = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    answer_group = ForeignKey(references=AnswerGroup, null=True, on_delete=OnDelete.set_null)
    party = ForeignKey(references=Party, null=True, on_delete=OnDelete.set_null, index=True)
    case = ForeignKey(references=Case, null=True, on_delete=OnDelete.set_null, index=True)
    case_type = ForeignKey(references=CaseType, null=True, on_delete=OnDelete.set_null)
    department = ForeignKey(references=Department, null=True, on_delete=OnDelete.set_null)
    summary = Text(default="")
    resolved_first_contact = Boolean(default=False)
    forwarded = Boolean(default=False)
    language = Varchar(length=5, default="sv")
    wait_seconds = Integer(null=True, default=None)
    handle_seconds = Integer(null=True, default=None)
    external_ref = Varchar(length=200, default="", index=True)
    created_by = Varchar(length=150, default="")


class Callback(Table, tablename="callback"):
    """A call-back request (kontaktlista). outcome: pending | reached | cancelled (an attempt
    with no answer leaves it pending)."""

    case = ForeignKey(references=Case, null=True, on_delete=OnDelete.cascade, index=True)
    contact = ForeignKey(references=Contact, null=True, on_delete=OnDelete.set_null)
    phone = Varchar(length=20)
    preferred_from = BigInt(null=True, default=None)
    preferred_to = BigInt(null=True, default=None)
    answer_group = ForeignKey(references=AnswerGroup, null=True, on_delete=OnDelete.set_null)
    # who is to call back (None: anyone of the answer group); migration 2026-12-02T01:00:00
    assignee = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null, index=True)
    attempts = Integer(default=0)
    outcome = Varchar(length=12, default="pending", index=True)
    notes = Text(default="")
    created_at = BigInt()
    updated_at = BigInt()
