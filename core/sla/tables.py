"""Business calendars and service level agreements (överenskommelser)."""

from piccolo.columns import JSON, BigInt, Boolean, Date, ForeignKey, Integer, Text, Varchar
from piccolo.columns.column_types import OnDelete
from piccolo.table import Table

from core.org.tables import CaseType, Department


class BusinessCalendar(Table, tablename="business_calendar"):
    """Opening hours per weekday; Swedish public and de-facto holidays are closed days.

    ``hours`` maps "mon".."sun" to a list of ["HH:MM", "HH:MM"] intervals in local time.
    """

    key = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=200)
    timezone = Varchar(length=64, default="Europe/Stockholm")
    hours = JSON(default={})
    closed_on_de_facto_holidays = Boolean(default=True)


class CalendarException(Table, tablename="calendar_exception"):
    """A local exception: a bridge day (klämdag) closed, or a day with special hours."""

    calendar = ForeignKey(references=BusinessCalendar, on_delete=OnDelete.cascade, index=True)
    day = Date(index=True)
    closed = Boolean(default=True)
    hours = JSON(default=[])  # special intervals when not closed
    note = Varchar(length=200, default="")


class Agreement(Table, tablename="sla_agreement"):
    """The written agreement between the contact center and a department."""

    department = ForeignKey(references=Department, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    valid_from = Date()
    valid_to = Date(null=True, default=None)
    base_fee_ore = BigInt(default=0)  # yearly subscription (cost allocation), in öre
    notes = Text(default="")


class AgreementTarget(Table, tablename="sla_target"):
    """Targets for one case type under an agreement, in business minutes.

    ``escalation`` is a list of {"level": n, "notify": ["username" | "e-mail", ...]}.
    """

    agreement = ForeignKey(references=Agreement, on_delete=OnDelete.cascade, index=True)
    case_type = ForeignKey(references=CaseType, on_delete=OnDelete.cascade, index=True)
    first_response_minutes = Integer(null=True, default=None)
    resolution_minutes = Integer(null=True, default=None)
    warning_percent = Integer(default=80)
    escalation = JSON(default=[])
    expected_volume = Integer(default=0)
