"""Fixtures of the messages area's tests (the plugin and the crisis team come from
``tests/plugins/crisis_mode/conftest.py``): the texts of a message in four languages, a
clean slate (no open message) per test, and the telephony plugin's own fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.plugins.crisis_mode.conftest import BASE
from tests.plugins.telephony_centrex.conftest import telephony  # noqa: F401 (fixture)

MESSAGES = f"{BASE}/messages"
PUBLIC = f"{BASE}/public"
TELEPHONY = "telephony_centrex"

TEXTS = {
    "sv": {
        "title": "Strömavbrott i norra Ekeby",
        "body": "Ett fel i elnätet har gjort norra Ekeby strömlöst.\n\nFelet beräknas vara "
        "åtgärdat i kväll.",
        "instruction": "Använd inte levande ljus. Ring 112 bara vid fara för liv.",
    },
    "en": {
        "title": "Power cut in northern Ekeby",
        "body": "A fault in the grid has left northern Ekeby without power.",
        "instruction": "Do not use candles. Call 112 only if a life is in danger.",
    },
    "ar": {
        "title": "انقطاع التيار الكهربائي في شمال إيكيبي",
        "body": "أدى عطل في الشبكة إلى انقطاع الكهرباء عن شمال إيكيبي.",
        "instruction": "لا تستخدموا الشموع. اتصلوا بالرقم 112 فقط عند وجود خطر على الحياة.",
    },
    "fi": {
        "title": "Sähkökatko Pohjois-Ekebyssä",
        "body": "Sähköverkon vika on katkaissut sähköt Pohjois-Ekebystä.",
        "instruction": "Älä käytä kynttilöitä. Soita 112 vain hengenvaarassa.",
    },
}


def draft_body(languages=("sv", "en", "ar", "fi"), **fields: Any) -> dict[str, Any]:
    """A draft's JSON body with the texts in ``languages`` (titles prefixed by ``tag``)."""
    tag = fields.pop("tag", "")
    texts = [
        {"language": code, **text, "title": f"{tag}{text['title']}"}
        for code, text in ((code, TEXTS.get(code, TEXTS["en"])) for code in languages)
    ]
    return {
        "texts": texts,
        "category": "Infra",
        "event_type": "Strömavbrott",
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Observed",
        "area_desc": "Norra Ekeby",
        **fields,
    }


@pytest.fixture
async def clean(crisis, app) -> AsyncIterator[None]:
    """No crisis message open and no crisis active before the test (and after it)."""
    from plugins.crisis_mode.messages import service

    async def reset() -> None:
        from core.db import raw
        from plugins.crisis_mode.activation import events
        from plugins.crisis_mode.activation import service as activation

        if await events.current() is not None:  # the session is shared with other areas
            await activation.deactivate("test", "test reset")
        if await raw.fetchrow("SELECT id FROM crisis_message WHERE status = 'open'"):
            await service.cancel("test", "test reset")

    await reset()
    yield
    await reset()
