"""Configurable effect-goal targets (defaults from the seeds)."""

from piccolo.columns import Real, Varchar
from piccolo.table import Table


class EffectGoal(Table, tablename="effect_goal"):
    """key: first_contact_resolution | calls_answered_2min | web_same_day …; value in percent."""

    key = Varchar(length=60, unique=True, index=True)
    target = Real()
    minimum = Real(null=True, default=None)
    label_sv = Varchar(length=200, default="")
    label_en = Varchar(length=200, default="")
