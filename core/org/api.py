"""HTTP API of the organisation: departments, answer groups, case types, competence."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, put
from litestar.params import JSONBody

from core import paging
from core.org import service
from core.web.security import principal_of
from core.web.types import Ore, bounded_int, text, text_path

Code = Annotated[str, text_path(60)]
Username = Annotated[str, text_path(150)]
Name = text(200)
Codes = Annotated[list[text(60)], msgspec.Meta(max_length=500)]
DepartmentKind = Literal["department", "committee", "company", "external"]  # DEPARTMENT_KINDS


class DepartmentBody(msgspec.Struct, forbid_unknown_fields=True):
    name_sv: Name
    name_en: Name = ""
    kind: DepartmentKind = "department"
    email: text(254) = ""
    calendar: text(64) = "standard"
    active: bool = True


class GroupBody(msgspec.Struct, forbid_unknown_fields=True):
    name_sv: Name
    name_en: Name = ""
    department: text(60) | None = None
    phone_number: text(40) = ""
    languages: Annotated[list[text(3)], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=lambda: ["sv"]
    )
    active: bool = True


class Member(msgspec.Struct, forbid_unknown_fields=True):
    username: text(150)
    virtual: bool = False


class MembersBody(msgspec.Struct, forbid_unknown_fields=True):
    members: Annotated[list[Member], msgspec.Meta(max_length=1000)]


class CaseTypeBody(msgspec.Struct, forbid_unknown_fields=True):
    name_sv: Name
    department: text(60)
    name_en: Name = ""
    rosa_level: bounded_int(1, 8) = 1
    kc_may_close: bool | None = None
    public: bool = False
    description_sv: text(5000) = ""
    description_en: text(5000) = ""
    keywords: Annotated[list[text(60)], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )
    unit_price_ore: Ore = 0
    active: bool = True


class CompetenceBody(msgspec.Struct, forbid_unknown_fields=True):
    case_types: Codes = msgspec.field(default_factory=list)
    groups: Codes = msgspec.field(default_factory=list)


def _data(body: msgspec.Struct) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(body).items() if v is not None}


class OrgController(Controller):
    path = "/api/v1/org"
    tags = ["organisation"]

    @get("/departments", opt={"permission": "org.read"}, summary="Departments, by code")
    async def departments(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = paging.DEFAULT_LIMIT
    ) -> paging.Page[dict[str, Any]]:
        return paging.Page(**await service.list_departments(cursor, limit))

    @put(
        "/departments/{code:str}",
        opt={"permission": "org.manage"},
        summary="Create or change a department",
    )
    async def save_department(
        self, request: Request, code: Code, data: JSONBody[DepartmentBody]
    ) -> dict[str, Any]:
        return await service.save_department(principal_of(request).username, code, _data(data))

    @get("/groups", opt={"permission": "org.read"}, summary="Answer groups with members, by code")
    async def groups(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = paging.DEFAULT_LIMIT
    ) -> paging.Page[dict[str, Any]]:
        return paging.Page(**await service.list_groups(cursor, limit))

    @put(
        "/groups/{code:str}",
        opt={"permission": "org.manage"},
        summary="Create or change an answer group",
    )
    async def save_group(
        self, request: Request, code: Code, data: JSONBody[GroupBody]
    ) -> dict[str, Any]:
        return await service.save_group(principal_of(request).username, code, _data(data))

    @put(
        "/groups/{code:str}/members",
        opt={"permission": "org.manage"},
        summary="Replace the members of an answer group",
    )
    async def members(
        self, request: Request, code: Code, data: JSONBody[MembersBody]
    ) -> dict[str, Any]:
        members = [msgspec.structs.asdict(m) for m in data.members]
        return await service.set_members(principal_of(request).username, code, members)

    @get("/case-types", opt={"permission": "org.read"}, summary="Case types, by code")
    async def case_types(
        self, cursor: paging.Cursor = None, limit: paging.PageLimit = paging.DEFAULT_LIMIT
    ) -> paging.Page[dict[str, Any]]:
        return paging.Page(**await service.list_case_types(cursor, limit))

    @get("/case-types/{code:str}", opt={"permission": "org.read"}, summary="One case type")
    async def case_type(self, code: Code) -> dict[str, Any]:
        return await service.get_case_type(code)

    @put(
        "/case-types/{code:str}",
        opt={"permission": "org.manage"},
        summary="Create or change a case type",
    )
    async def save_case_type(
        self, request: Request, code: Code, data: JSONBody[CaseTypeBody]
    ) -> dict[str, Any]:
        return await service.save_case_type(principal_of(request).username, code, _data(data))

    @get(
        "/competence/{username:str}",
        opt={"permission": "org.read"},
        summary="An agent's competence profile",
    )
    async def competence(self, username: Username) -> dict[str, Any]:
        return await service.get_competence(username)

    @put(
        "/competence/{username:str}",
        opt={"permission": "org.manage"},
        summary="Replace an agent's competence profile",
    )
    async def set_competence(
        self, request: Request, username: Username, data: JSONBody[CompetenceBody]
    ) -> dict[str, Any]:
        return await service.set_competence(
            principal_of(request).username, username, data.case_types, data.groups
        )
