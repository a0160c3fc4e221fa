"""Departments, answer groups, competence profiles and case types."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Varchar
from piccolo.columns.column_types import OnDelete
from piccolo.table import Table

from core.auth.tables import User


class Department(Table, tablename="department"):
    """A förvaltning, nämnd or bolag: the back office that owns a process."""

    code = Varchar(length=20, unique=True, index=True)  # e.g. "SBN"
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)
    kind = Varchar(length=20, default="department")  # department | committee | company | external
    email = Varchar(length=254, default="")
    calendar = Varchar(length=64, default="standard")  # business calendar key (core.sla)
    active = Boolean(default=True)


class AnswerGroup(Table, tablename="answer_group"):
    """A svarsgrupp: a queue and the agents who serve it."""

    code = Varchar(length=40, unique=True, index=True)
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)
    department = ForeignKey(references=Department, null=True, on_delete=OnDelete.set_null)
    phone_number = Varchar(length=32, default="")
    languages = JSON(default=["sv"])
    active = Boolean(default=True)


class GroupMember(Table, tablename="answer_group_member"):
    group = ForeignKey(references=AnswerGroup, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    virtual = Boolean(default=False)  # a case officer in a department joining the group


class CaseType(Table, tablename="case_type"):
    """What a citizen can want; carries its ROSA level and who owns it."""

    code = Varchar(length=60, unique=True, index=True)
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)
    department = ForeignKey(references=Department, on_delete=OnDelete.restrict, index=True)
    rosa_level = Integer(default=1)  # 1-8
    kc_may_close = Boolean(default=True)
    public = Boolean(default=False)  # offered as an e-service / Open311 service
    description_sv = Text(default="")
    description_en = Text(default="")
    keywords = JSON(default=[])
    unit_price_ore = Integer(default=0)  # cost allocation per case, in öre
    active = Boolean(default=True)


class Competence(Table, tablename="competence"):
    """An agent's kompetensprofil: case types and groups they may handle (one row each)."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    case_type = ForeignKey(references=CaseType, null=True, on_delete=OnDelete.cascade)
    group = ForeignKey(references=AnswerGroup, null=True, on_delete=OnDelete.cascade)
