"""The crisis answer group (hook ``open_crisis_answer_group``, called by crisis mode): opening
activates the group and offers it first in each active talsvar menu; a taken key is reported;
closing restores the menus and the group's inactive state; audited; bad input refused."""

from __future__ import annotations

import inspect
import json

import pytest

from core.cases.service import plugin_host
from core.db import raw
from core.errors import InvalidInput
from core.org import lookup
from core.org import service as org
from plugins.telephony_centrex import messages

CRISIS = "tel-kris"


async def _hook(**kwargs):
    result = plugin_host().hook.open_crisis_answer_group(**kwargs)
    return await result if inspect.isawaitable(result) else result


async def _menu(language: str, choices: list[dict]) -> dict:
    draft = await messages.create_draft("test", "menu", language, "Välkommen", choices)
    return await messages.activate("test", draft["id"])


async def test_opening_and_closing_the_crisis_answer_group(telephony):
    await org.save_group(
        "test", CRISIS, {"name_sv": "Krisinformation", "name_en": "Crisis information",
                         "department": "TELDEP", "active": False},
    )  # fmt: skip
    await _menu("sv", [{"key": "1", "label": "Vård", "group": telephony["group"]}])
    await _menu("en", [{"key": "9", "label": "Operator"}])
    args = {"group": CRISIS, "actor": "crisis-user", "reason": "Krisläge", "menu_key": "9"}

    opened = await _hook(open=True, state={}, **args)
    assert opened["was_active"] is False and opened["open"] is True
    assert [m["language"] for m in opened["menus"]] == ["sv"]
    assert opened["skipped"] == [{"language": "en", "reason": "key 9 taken"}]
    assert (await lookup.answer_group(CRISIS))["active"]
    sv = await messages.active("menu", "sv")
    assert sv["version"] == opened["menus"][0]["version"]
    assert sv["menu"][0] == {"key": "9", "label": "Krisinformation", "group": CRISIS}
    assert sv["menu"][1]["group"] == telephony["group"]
    again = await _hook(open=True, state={}, **args)  # already offered: nothing new
    assert (
        again["menus"] == [] and {"language": "sv", "reason": "already offered"} in again["skipped"]
    )

    closed = await _hook(open=False, state=opened, **args)
    assert closed["open"] is False and [m["language"] for m in closed["menus"]] == ["sv"]
    sv = await messages.active("menu", "sv")
    assert [c.get("group") for c in sv["menu"]] == [telephony["group"]]
    assert not (await lookup.answer_group(CRISIS))["active"]
    audits = await raw.fetch(
        "SELECT action, details FROM audit_entry WHERE object_type = 'answer_group' "
        "AND object_id = ? AND action LIKE 'telephony.crisis_group_%' ORDER BY seq",
        CRISIS,
    )
    assert [a["action"] for a in audits][-2:] == [
        "telephony.crisis_group_open",
        "telephony.crisis_group_close",
    ]
    assert json.loads(audits[-1]["details"])["reason"] == "Krisläge"


@pytest.mark.parametrize(("group", "key"), [("finns-inte", "9"), (CRISIS, "99"), (CRISIS, "")])
async def test_bad_input_is_refused(telephony, group, key):
    with pytest.raises(InvalidInput):
        await _hook(group=group, open=True, actor="x", reason="r", menu_key=key, state={})
