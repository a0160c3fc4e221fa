"""The crisis answer group: opened by crisis mode (hook ``open_crisis_answer_group``), closed
again at deactivation.

Opening makes the answer group active (agents can sign in to it) and offers it first in every
language's active talsvar menu under the given key (a new menu version, activated — pushed to
the switch or marked for export like any menu change). Closing takes the choice out of the
menus again and makes the group inactive if it was inactive before (``state`` is what opening
returned). Both are audited.
"""

from __future__ import annotations

from typing import Any

from core import audit, db
from core.db import raw
from core.errors import InvalidInput
from core.org import lookup
from core.org import service as org
from plugins.telephony_centrex import messages

GROUP_SQL = (
    "SELECT g.code, g.name_sv, g.name_en, g.phone_number, g.languages, g.active, "
    "d.code AS department FROM answer_group g LEFT JOIN department d ON d.id = g.department "
    "WHERE g.code = ?"
)
MENUS_SQL = (
    "SELECT id, language, text, menu FROM telephony_message WHERE kind = 'menu' "
    "AND status = 'active' ORDER BY language"
)


async def _set_active(actor: str, group: dict[str, Any], active: bool) -> None:
    await org.save_group(
        actor,
        group["code"],
        {
            "name_sv": group["name_sv"],
            "name_en": group["name_en"],
            "department": group["department"],
            "phone_number": group["phone_number"],
            "languages": raw.json_list(group["languages"]),
            "active": active,
        },
    )


async def _new_menu(actor: str, menu: dict[str, Any], choices: list[dict]) -> dict[str, Any]:
    draft = await messages.create_draft(actor, "menu", menu["language"], menu["text"], choices)
    active = await messages.activate(actor, draft["id"])
    return {"language": menu["language"], "version": active["version"]}


async def set_open(
    code: str, is_open: bool, actor: str, reason: str, menu_key: str, state: dict[str, Any]
) -> dict[str, Any]:
    """Open or close the crisis answer group ``code``; returns what was done."""
    if not messages.MENU_KEY.match(str(menu_key or "")):
        raise InvalidInput("Each menu choice needs its own key 0-9, * or #")
    group = await raw.fetchrow(GROUP_SQL, code)
    if group is None:
        raise InvalidInput("Unknown answer group: {code}", code=str(code)[:60])
    was_active = bool(group["active"])
    done: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for menu in await raw.fetch(MENUS_SQL):
        choices = raw.json_list(menu["menu"])
        offered = [c for c in choices if c.get("group") == code]
        if is_open:
            if offered:
                skipped.append({"language": menu["language"], "reason": "already offered"})
            elif any(c.get("key") == menu_key for c in choices):
                skipped.append({"language": menu["language"], "reason": f"key {menu_key} taken"})
            else:
                label = group["name_sv"] if menu["language"] == "sv" else group["name_en"]
                first = {"key": menu_key, "label": label, "group": code}
                done.append(await _new_menu(actor, menu, [first, *choices]))
        elif offered:
            rest = [c for c in choices if c.get("group") != code]
            done.append(await _new_menu(actor, menu, rest))
    if is_open and not was_active:
        await _set_active(actor, group, True)
    elif not is_open and state.get("was_active") is False and was_active:
        await _set_active(actor, group, False)
    lookup.forget()
    result = {
        "group": code,
        "open": is_open,
        "was_active": state.get("was_active", was_active) if not is_open else was_active,
        "menus": done,
        "skipped": skipped,
    }
    async with db.transaction():
        audit.record(
            actor,
            "telephony.crisis_group_open" if is_open else "telephony.crisis_group_close",
            "answer_group",
            code,
            {"reason": reason[:500], "menu_key": menu_key, "menus": done, "skipped": skipped},
        )
    return result
