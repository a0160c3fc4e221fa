"""The visitor reception's tables: paired kiosks, staff who accept visitors, visits and roll
calls.

The schema itself is created by the hand-written migration in ``migrations/`` (unique and
partial indexes); these classes mirror it for Piccolo queries. Times are epoch seconds (UTC).
"""

from piccolo.columns import BigInt, Boolean, Integer, Varchar
from piccolo.table import Table


class VisitorKiosk(Table, tablename="visitor_kiosk"):
    """A paired kiosk device; only the SHA-256 of its token is stored. Revoked when
    ``revoked_at`` is set (its token is then refused)."""

    name = Varchar(length=80)
    location = Varchar(length=120, default="")
    token_hash = Varchar(length=64, unique=True)
    created_by = Varchar(length=150, default="")
    created_at = BigInt(default=0)
    revoked_at = BigInt(null=True, default=None)
    last_seen_at = BigInt(null=True, default=None)


class VisitorHost(Table, tablename="visitor_host"):
    """A member of staff who accepts visitors: the unit shown in the kiosk's search, where
    their visitors are (the roll call's location) and whether the unit's visits are protected
    (their visitors' names are kept off shared screens and badges)."""

    username = Varchar(length=64, unique=True)
    unit = Varchar(length=120, default="")
    location = Varchar(length=120, default="")
    protected = Boolean(default=False)
    accepts = Boolean(default=True)
    updated_at = BigInt(default=0)


class VisitorVisit(Table, tablename="visitor_visit"):
    """One visit. ``status``: expected (pre-registered) | inside | out;
    ``checkout_kind``: kiosk | reception | auto.

    ``signout_hash`` is the SHA-256 of the badge's QR code; ``contact_number`` the core
    contact the visit became; ``safe_roll_call`` the roll call in which the visitor was
    ticked off as safe; ``invite_hash`` the SHA-256 of a pre-registration's QR code;
    ``acknowledged_at`` when the host acknowledged the arrival (``host_acknowledged_at`` in the
    API) and ``reception_reminded_at`` when the reception was told the host had not.
    """

    number = Varchar(length=20, unique=True)
    visitor_name = Varchar(length=120)
    organisation = Varchar(length=120, default="")
    purpose = Varchar(length=300, default="")
    needs_assistance = Boolean(default=False)
    language = Varchar(length=5, default="sv")
    host_id = Integer()
    host_username = Varchar(length=64)
    location = Varchar(length=120, default="")
    protected = Boolean(default=False)
    kiosk_id = Integer(null=True, default=None)
    registered_by = Varchar(length=150, default="")
    status = Varchar(length=10, default="inside")
    checked_in_at = BigInt(default=0)
    checked_out_at = BigInt(null=True, default=None)
    checkout_kind = Varchar(length=10, default="")
    signout_hash = Varchar(length=64, default="")
    contact_number = Varchar(length=40, default="")
    local_day = Varchar(length=10, default="")
    acknowledged_at = BigInt(null=True, default=None)
    reception_reminded_at = BigInt(null=True, default=None)
    safe_roll_call = Integer(null=True, default=None)
    safe_at = BigInt(null=True, default=None)
    safe_by = Varchar(length=150, default="")
    anonymised = Boolean(default=False)
    expected_at = BigInt(null=True, default=None)
    invite_email = Varchar(length=254, default="")
    invite_hash = Varchar(length=64, default="")


class VisitorRollCall(Table, tablename="visitor_roll_call"):
    """An evacuation roll call: who started it, why, and when."""

    reason = Varchar(length=200, default="")
    actor = Varchar(length=150, default="")
    started_at = BigInt(default=0)
    people = Integer(default=0)
