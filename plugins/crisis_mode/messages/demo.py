"""Demo data: an approved crisis message of an exercise (boil-water notice in central Ekeby)
in Swedish, English, Arabic and Finnish — written by the demo's actor, approved by the demo
municipality's crisis team member. When the activation area's demo exercise is active, the
message belongs to it and its approval publishes it (IVR, knowledge base)."""

from __future__ import annotations

from core.db import raw
from plugins.crisis_mode.messages import service

APPROVER = "goran.wik"
TEXTS = (
    service.TextInput(
        "sv",
        "Koka dricksvattnet i centrala Ekeby",
        "Kommunen har hittat bakterier i dricksvattnet i centrala Ekeby. Vattnet går att "
        "använda för dusch och tvätt. Det gäller tills vidare.",
        "Koka vatten som du ska dricka eller laga mat med i minst en minut. Rent vatten finns "
        "att hämta vid Stadshuset och Ekeby sporthall.",
    ),
    service.TextInput(
        "en",
        "Boil drinking water in central Ekeby",
        "The municipality has found bacteria in the drinking water in central Ekeby. The "
        "water can be used for showering and washing. This applies until further notice.",
        "Boil water for drinking or cooking for at least one minute. Clean water is "
        "available at the City Hall and Ekeby sports hall.",
    ),
    service.TextInput(
        "ar",
        "اغلوا مياه الشرب في وسط إيكيبي",
        "اكتشفت البلدية بكتيريا في مياه الشرب في وسط إيكيبي. يمكن استخدام المياه للاستحمام "
        "والغسيل. يسري هذا حتى إشعار آخر.",
        "اغلوا الماء المخصص للشرب أو الطبخ لمدة دقيقة واحدة على الأقل. تتوفر مياه نظيفة عند "
        "مبنى البلدية وصالة إيكيبي الرياضية.",
    ),
    service.TextInput(
        "fi",
        "Keitä juomavesi Ekebyn keskustassa",
        "Kunta on havainnut bakteereja juomavedessä Ekebyn keskustassa. Vettä voi käyttää "
        "suihkuun ja pesuun. Tämä on voimassa toistaiseksi.",
        "Keitä juoma- ja ruokavesi vähintään minuutin ajan. Puhdasta vettä saa "
        "kaupungintalolta ja Ekebyn urheiluhallilta.",
    ),
)


def draft(exercise: bool | None = True) -> service.DraftInput:
    """The demo message as a draft (CAP category Health; an exercise unless ``exercise`` is
    None: then as the active crisis event)."""
    configured = set(service.languages())
    return service.DraftInput(
        texts=[t for t in TEXTS if t.language in configured],
        category="Health",
        event_type="Bakterier i dricksvattnet",
        response_type="Prepare",
        urgency="Immediate",
        severity="Moderate",
        certainty="Observed",
        area_desc="Centrala Ekeby",
        exercise=exercise,
    )


async def seed(actor: str = "demo") -> dict | None:
    """Write and approve the demo message; nothing when a message exists already."""
    from plugins.crisis_mode.activation import events

    if await raw.fetchrow("SELECT id FROM crisis_message LIMIT 1"):
        return None
    active = await events.current()  # the demo's exercise (activation area), if it runs
    version = await service.create_draft(actor, draft(None if active else True))
    users = {r["username"] for r in await raw.fetch("SELECT username FROM kc_user")}
    approver = APPROVER if APPROVER in users and actor != APPROVER else None
    if approver is None:
        return version
    return await service.approve(approver, version["id"])
