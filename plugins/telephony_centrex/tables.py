"""The telephony plugin's tables: calls, their events, agents' presence and talsvar messages.

The schema itself is created by the hand-written migration in ``migrations/`` (composite and
partial indexes); these classes mirror it for Piccolo queries.
"""

from piccolo.columns import JSON, BigInt, Boolean, DoublePrecision, Integer, Text, Varchar
from piccolo.table import Table


class TelephonyCall(Table, tablename="telephony_call"):
    """One call as the switch reported it; ``(source, call_id)`` is unique.

    ``state``: ringing | answered | ended; ``outcome``: answered | abandoned | missed, or ''
    while the call is live. Times are epoch seconds (UTC); ``local_*`` are Europe/Stockholm.
    ``contact_number`` is the core contact the call became (None until registered).
    """

    source = Varchar(length=20)
    call_id = Varchar(length=120)
    direction = Varchar(length=3, default="in")
    caller = Varchar(length=20, default="")
    called = Varchar(length=20, default="")
    answer_group = Varchar(length=60, null=True, default=None)
    agent = Varchar(length=80, null=True, default=None)
    state = Varchar(length=12, default="ringing")
    outcome = Varchar(length=12, default="")
    offered_at = BigInt(default=0)
    answered_at = BigInt(null=True, default=None)
    ended_at = BigInt(null=True, default=None)
    wait_seconds = Integer(null=True, default=None)
    talk_seconds = Integer(null=True, default=None)
    local_day = Varchar(length=10, default="")
    local_hour = Integer(default=0)
    local_half_hour = Integer(default=0)
    contact_number = Varchar(length=40, null=True, default=None)
    party_id = Integer(null=True, default=None)
    cause = Varchar(length=40, default="")
    callback_id = Integer(null=True, default=None)
    overflowed = Boolean(default=False)
    updated_at = BigInt(default=0)


class TelephonyCallEvent(Table, tablename="telephony_call_event"):
    """Every event applied, stored before it is acknowledged; ``(source, call_id, kind)`` is
    unique, so a repeated event is applied once."""

    source = Varchar(length=20)
    call_id = Varchar(length=120)
    kind = Varchar(length=12)
    at = DoublePrecision(default=0.0)
    received_at = BigInt(default=0)
    payload = JSON(default={})


class TelephonyAgentState(Table, tablename="telephony_agent_state"):
    """An agent's presence: offline | ready | paused | in_call | wrap_up, in answer groups."""

    username = Varchar(length=150, unique=True)
    state = Varchar(length=12, default="offline")
    reason = Varchar(length=60, default="")
    groups = JSON(default=[])
    call_id = Varchar(length=120, default="")
    since = BigInt(default=0)
    updated_at = BigInt(default=0)


class TelephonyMessage(Table, tablename="telephony_message"):
    """One version of a talsvar menu or recorded message (kind: menu | closed | overload |
    crisis) in one language; status draft | active | archived."""

    kind = Varchar(length=12)
    language = Varchar(length=5, default="sv")
    version = Integer(default=1)
    text = Text(default="")
    menu = JSON(default=[])
    audio_file = Varchar(length=200, default="")
    audio_sha256 = Varchar(length=64, default="")
    audio_source = Varchar(length=10, default="")
    status = Varchar(length=10, default="draft")
    delivery = Varchar(length=12, default="")
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    activated_by = Varchar(length=150, default="")
    activated_at = BigInt(null=True, default=None)


class TelephonyStatsChange(Table, tablename="telephony_stats_change"):
    """A version per local day, bumped when a call of a day before today changes (see
    ``daily.py``); ``local_day`` is unique."""

    local_day = Varchar(length=10)
    version = BigInt(default=1)
    changed_at = BigInt(default=0)


class TelephonyStatsDay(Table, tablename="telephony_stats_day"):
    """A summarised day, per service-level and short-abandon limit, at a day's version."""

    limit_seconds = Integer()
    short_seconds = Integer()
    local_day = Varchar(length=10)
    version = BigInt(default=0)
    built_at = BigInt(default=0)


class TelephonyStatsRow(Table, tablename="telephony_stats_row"):
    """The counters of a summarised day's calls per half hour and group (kind ``slot``) or
    per group and agent (kind ``agent``)."""

    limit_seconds = Integer()
    short_seconds = Integer()
    local_day = Varchar(length=10)
    kind = Varchar(length=5)
    local_half_hour = Integer(null=True, default=None)
    answer_group = Varchar(length=60, null=True, default=None)
    agent = Varchar(length=80, null=True, default=None)
    offered = BigInt(default=0)
    answered = BigInt(default=0)
    abandoned = BigInt(default=0)
    short_abandoned = BigInt(default=0)
    missed = BigInt(default=0)
    within = BigInt(default=0)
    wait_answered = BigInt(default=0)
    wait_all = BigInt(default=0)
    talk = BigInt(default=0)
    max_wait = BigInt(default=0)
