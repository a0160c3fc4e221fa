"""The activation area's tables, mirroring the hand-written migration (times epoch seconds).

``CrisisEvent.status``: active | ended; ``level``: heightened | extraordinary (extraordinary
event under LEH 2006:544). ``CrisisTimeline.kind``: activated | step | undo | deactivated;
``status`` of a step: done | skipped | failed.
"""

from piccolo.columns import JSON, BigInt, Boolean, Integer, Varchar
from piccolo.table import Table


class CrisisEvent(Table, tablename="crisis_event"):
    """One activation of crisis mode, from activation to deactivation."""

    status = Varchar(length=10, default="active")
    level = Varchar(length=20, default="heightened")
    exercise = Boolean(default=False)
    reason = Varchar(length=500, default="")
    building = Varchar(length=200, null=True, default=None)
    activated_by = Varchar(length=150, default="")
    activated_at = BigInt(default=0)
    deactivated_by = Varchar(length=150, null=True, default=None)
    deactivated_at = BigInt(null=True, default=None)
    deactivation_reason = Varchar(length=500, null=True, default=None)


class CrisisPlanStep(Table, tablename="crisis_plan_step"):
    """One step of the prepared plan: its kind, its place in the order, its settings."""

    position = Integer()
    kind = Varchar(length=30, unique=True)
    enabled = Boolean(default=True)
    settings = JSON(default={})
    updated_by = Varchar(length=150, default="")
    updated_at = BigInt(default=0)


class CrisisTimeline(Table, tablename="crisis_timeline"):
    """One line of an event's timeline (activation, a plan step's outcome, deactivation)."""

    event_id = BigInt()
    at = BigInt(default=0)
    kind = Varchar(length=20)
    step = Varchar(length=30, default="")
    status = Varchar(length=10, default="")
    actor = Varchar(length=150, default="")
    detail = Varchar(length=1000, default="")
    manual = Varchar(length=1000, default="")
    data = JSON(default={})
