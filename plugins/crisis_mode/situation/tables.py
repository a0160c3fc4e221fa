"""The situation area's tables. The schema is created by the hand-written migration
``crisis_mode_situation_2026_12_02t03_30_00_000000`` (unique, partial and covering indexes);
these classes mirror it for Piccolo. Times are epoch seconds (UTC); ``hour_start`` is the
start of the contact's hour (``received_at - received_at % 3600``)."""

from piccolo.columns import BigInt, Boolean, Integer, Text, Varchar
from piccolo.table import Table


class CrisisTopic(Table, tablename="crisis_topic"):
    """A topic the crisis team keeps for tagging (``event_id``: added during that event)."""

    code = Varchar(length=40, unique=True)
    label_sv = Varchar(length=120)
    label_en = Varchar(length=120, default="")
    active = Boolean(default=True)
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    event_id = BigInt(null=True, default=None)


class CrisisArea(Table, tablename="crisis_area"):
    """A part of the municipality a crisis contact concerns (the lägesbild counts per area)."""

    code = Varchar(length=40, unique=True)
    label_sv = Varchar(length=120)
    label_en = Varchar(length=120, default="")
    active = Boolean(default=True)
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)


class CrisisTag(Table, tablename="crisis_tag"):
    """The tagging of one core contact in one crisis event; ``question`` a question that had
    no approved answer."""

    event_id = BigInt()
    contact_id = BigInt()
    contact_number = Varchar(length=40, default="")
    channel = Varchar(length=12, default="")
    received_at = BigInt(default=0)
    hour_start = BigInt(default=0)
    area_id = BigInt(null=True, default=None)
    question = Varchar(length=500, default="")
    tagged_by = Varchar(length=150, default="")
    tagged_at = BigInt(default=0)
    updated_at = BigInt(default=0)


class CrisisTagTopic(Table, tablename="crisis_tag_topic"):
    """One topic of a tagged contact, with the tag's hour, channel and area copied."""

    tag_id = BigInt()
    event_id = BigInt()
    topic_id = BigInt()
    hour_start = BigInt(default=0)
    channel = Varchar(length=12, default="")
    area_id = BigInt(null=True, default=None)


class CrisisTagCount(Table, tablename="crisis_tag_count"):
    """Running counts kept by tagging: per event, hour, topic (0 = the tagged contact itself),
    channel and area (0 = none)."""

    event_id = BigInt()
    hour_start = BigInt()
    topic_id = BigInt()
    channel = Varchar(length=12, default="")
    area_id = BigInt(default=0)
    n = Integer(default=0)


class CrisisSituationReport(Table, tablename="crisis_situation_report"):
    """A kept lägesbild: ``kind`` on_demand | scheduled | final; the report as JSON text."""

    event_id = BigInt()
    kind = Varchar(length=12, default="on_demand")
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    period_start = BigInt(default=0)
    period_end = BigInt(default=0)
    contacts = Integer(default=0)
    report = Text(default="{}")
    summary_sv = Text(default="")
    summary_en = Text(default="")
    chart_svg = Text(default="")


class CrisisRosterPerson(Table, tablename="crisis_roster_person"):
    """Someone who can be called in: ``kind`` jour | posom | interpreter; ``languages`` a JSON
    list; ``username`` the core user, when they have one (who is signed in now)."""

    name = Varchar(length=120)
    kind = Varchar(length=12, default="jour")
    phone = Varchar(length=40, default="")
    email = Varchar(length=254, default="")
    languages = Text(default="[]")
    username = Varchar(length=64, default="")
    on_call = Boolean(default=True)
    active = Boolean(default=True)
    note = Varchar(length=300, default="")
    updated_by = Varchar(length=150, default="")
    updated_at = BigInt(default=0)


class CrisisCallIn(Table, tablename="crisis_call_in"):
    """One person called in for one event: ``status`` asked | confirmed | arrived | declined."""

    event_id = BigInt()
    person_id = BigInt()
    status = Varchar(length=10, default="asked")
    asked_at = BigInt(default=0)
    asked_by = Varchar(length=150, default="")
    emailed = Boolean(default=False)
    code_hash = Varchar(length=64, default="")
    confirmed_at = BigInt(null=True, default=None)
    arrived_at = BigInt(null=True, default=None)
    declined_at = BigInt(null=True, default=None)
    updated_by = Varchar(length=150, default="")
    updated_at = BigInt(default=0)


class CrisisShift(Table, tablename="crisis_shift"):
    """A shift of the 24/7 opening: a core user or a roster person, from ``starts_at`` to
    ``ends_at``."""

    starts_at = BigInt()
    ends_at = BigInt()
    username = Varchar(length=64, default="")
    person_id = BigInt(null=True, default=None)
    role = Varchar(length=60, default="")
    note = Varchar(length=300, default="")
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)


TABLES = [
    CrisisTopic,
    CrisisArea,
    CrisisTag,
    CrisisTagTopic,
    CrisisTagCount,
    CrisisSituationReport,
    CrisisRosterPerson,
    CrisisCallIn,
    CrisisShift,
]
